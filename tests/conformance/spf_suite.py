#!/usr/bin/env python3
"""Runs an OpenSPF test suite (rfc7208-tests.json, rfc4408-tests.json) through `deliver spf`.

Each scenario's zone data becomes one root zone in master format. With --resolver zone the
zone-file resolver answers (TIMEOUT pseudo-records become --zone-failure options); with
--resolver nsd a real NSD serves the zone on a loopback port behind a small relay that never
answers the questions the suite marks TIMEOUT. Prints one line per failure, then
'N passed, N failed'. Exit status 0 only when nothing failed; 77 when the suite or nsd is
missing.

The suite's conventions (see its README): SPF records are served as TXT too when a name has
no TXT item; TIMEOUT is order-sensitive (the types listed before it answer, every other
type of that name times out); {TYPE: TIMEOUT} times out that type; {TXT: NONE} means no TXT
and no copying; several acceptable results; explanations compared exactly, with the
default explanation set to the literal DEFAULT.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


def escape_label(label):
    out = []
    for b in label.encode('utf-8'):
        c = chr(b)
        if c.isalnum() or c in '-_*':
            out.append(c)
        else:
            out.append('\\%03d' % b)
    return ''.join(out)


def abs_name(name):
    name = name.rstrip('.')
    if not name:
        return '.'
    return '.'.join(escape_label(l) for l in name.split('.')) + '.'


def txt_strings(value, for_nsd=False):
    """A TXT/SPF value (a string or a list of strings) as master-format character-strings.

    An empty list is a record without any string: RFC 3597 form for the zone-file resolver;
    NSD refuses that for TXT, so it gets one empty string, which selects the same way (it is
    not an SPF record either)."""
    parts = value if isinstance(value, list) else [value]
    if not parts:
        return '""' if for_nsd else '\\# 0'
    out = []
    for p in parts:
        data = p.encode('utf-8')  # YAML \\xNN escapes are code points: sent as UTF-8
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b'']
        for ch in chunks:
            s = []
            for b in ch:
                if b in (0x22, 0x5c) or b < 0x20 or b >= 0x7f:
                    s.append('\\%03d' % b)
                else:
                    s.append(chr(b))
            out.append('"' + ''.join(s) + '"')
    return ' '.join(out)


def scenario_zone(zonedata, for_nsd=False):
    """Zone text, failures [(name, type or '')] and the served types per name."""
    lines = ['$ORIGIN .', '$TTL 300', '. SOA ns.test. hostmaster.test. 1 3600 600 86400 300',
             '. NS ns.test.']
    failures = []
    served = {}
    for owner, items in zonedata.items():
        name = owner.rstrip('.').lower()
        has_txt = any(isinstance(i, dict) and 'TXT' in i for i in items)
        records = []
        timed_out = False
        for item in items:
            if item == 'TIMEOUT':
                timed_out = True
                failures.append((name, ''))
                break
            (rtype, value), = item.items()
            if value == 'TIMEOUT':
                failures.append((name, rtype))
                continue
            if rtype == 'TXT' and value == 'NONE':
                continue
            records.append((rtype, value))
            if rtype == 'SPF' and not has_txt:
                records.append(('TXT', value))
        types = set()
        for rtype, value in records:
            types.add(rtype)
            if rtype in ('A', 'AAAA'):
                data = value
            elif rtype == 'MX':
                pref, exch = value
                data = '%d %s' % (int(pref), abs_name(exch))
            elif rtype in ('PTR', 'CNAME'):
                data = abs_name(value)
            elif rtype in ('TXT', 'SPF'):
                data = txt_strings(value, for_nsd)
            else:
                raise ValueError('record type %s' % rtype)
            lines.append('%s %s %s' % (abs_name(name), rtype, data))
        served[name] = (types, timed_out)
    return '\n'.join(lines) + '\n', failures, served


# ---- a relay in front of NSD that drops the TIMEOUT questions ----

TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15, 'TXT': 16, 'AAAA': 28,
         'SPF': 99}


def parse_question(pkt):
    i, labels = 12, []
    while i < len(pkt) and pkt[i] != 0:
        n = pkt[i]
        labels.append(pkt[i + 1:i + 1 + n])
        i += n + 1
    qtype = struct.unpack('>H', pkt[i + 1:i + 3])[0]
    name = b'.'.join(labels).decode('latin-1').lower()
    return name, qtype


class Relay(threading.Thread):
    """A UDP relay in front of NSD. decide() says what becomes of each question: None to
    forward it, DROP to never answer, or the bytes of a reply to send instead."""

    DROP = b''

    def __init__(self, upstream_port):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.upstream = ('127.0.0.1', upstream_port)
        self.stopped = False

    def decide(self, pkt, name, qtype):
        return None

    def run(self):
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(2)
        while not self.stopped:
            try:
                pkt, client = self.sock.recvfrom(65535)
            except OSError:
                return
            try:
                name, qtype = parse_question(pkt)
            except (IndexError, struct.error):
                continue
            what = self.decide(pkt, name, qtype)
            if what is not None:
                if what:
                    self.sock.sendto(what, client)
                continue
            try:
                up.sendto(pkt, self.upstream)
                reply, _ = up.recvfrom(65535)
                self.sock.sendto(reply, client)
            except OSError:
                continue

    def stop(self):
        self.stopped = True
        self.sock.close()


class TimeoutRelay(Relay):
    """Never answers the questions the suite marks TIMEOUT."""

    def __init__(self, upstream_port):
        super().__init__(upstream_port)
        self.rules = (set(), {})

    def set_rules(self, failures, served):
        explicit, bare = set(), {}
        for name, rtype in failures:
            if rtype:
                explicit.add((name, TYPES[rtype]))
            else:
                bare[name] = {TYPES[t] for t in served.get(name, (set(), False))[0]}
        self.rules = (explicit, bare)

    def decide(self, pkt, name, qtype):
        explicit, bare = self.rules
        if (name, qtype) in explicit or (name in bare and qtype not in bare[name]):
            return Relay.DROP
        return None


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def soa_query():
    return struct.pack('>HHHHHH', 0x4242, 0, 1, 0, 0, 0) + b'\x00' + struct.pack('>HH', 6, 1)


class Nsd:
    def __init__(self, nsd, workdir, zone_text):
        self.dir = workdir
        with open(os.path.join(workdir, 'root.zone'), 'w', encoding='ascii') as f:
            f.write(zone_text)
        for attempt in range(5):
            self.port = free_port()
            conf = os.path.join(workdir, 'nsd.conf')
            with open(conf, 'w', encoding='ascii') as f:
                f.write('server:\n  ip-address: 127.0.0.1@%d\n  username: ""\n  chroot: ""\n'
                        '  zonesdir: "%s"\n  database: ""\n  zonelistfile: "%s/zone.list"\n'
                        '  xfrdfile: "%s/xfrd.state"\n  pidfile: "%s/nsd.pid"\n'
                        '  logfile: "%s/nsd.log"\n  server-count: 1\n  verbosity: 0\n  rrl-ratelimit: 0\n'
                        'remote-control:\n  control-enable: no\n'
                        'zone:\n  name: "."\n  zonefile: root.zone\n'
                        % ((self.port,) + (workdir,) * 5))
            self.proc = subprocess.Popen([nsd, '-d', '-c', conf], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            if self.wait_ready():
                return
            self.stop()
        raise RuntimeError('nsd did not start; see %s/nsd.log' % workdir)

    def wait_ready(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.05)
        deadline = time.monotonic() + 5
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                try:
                    s.sendto(soa_query(), ('127.0.0.1', self.port))
                    s.recvfrom(512)
                    return True
                except OSError:
                    continue
            return False
        finally:
            s.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_test(args, base, test):
    cmd = [args.deliver] + base + ['--json', 'spf', '--default-explanation', 'DEFAULT',
                                   test['host'], test.get('mailfrom', ''), test['helo']]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        return None, None, 'exit %d: %s' % (p.returncode, p.stderr.decode(errors='replace'))
    out = json.loads(p.stdout)
    return out['result'], out.get('explanation', ''), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deliver', required=True)
    ap.add_argument('--suite', required=True)
    ap.add_argument('--resolver', choices=['zone', 'nsd'], default='zone')
    ap.add_argument('--nsd', default=shutil.which('nsd') or '/usr/sbin/nsd')
    ap.add_argument('--only', help='run the tests whose name contains this')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--list-changed', help='another suite: list tests whose expectation differs')
    args = ap.parse_args()
    if not os.path.exists(args.suite):
        print('skipped: no testdata (%s)' % args.suite)
        return 77
    if args.resolver == 'nsd' and not os.path.exists(args.nsd):
        print('skipped: nsd not installed')
        return 77
    with open(args.suite, encoding='utf-8') as f:
        suite = json.load(f)
    passed = failed = preferred_missed = 0
    work = tempfile.mkdtemp(prefix='deliver-spf-suite-')
    relay = nsd = None
    try:
        for n, scenario in enumerate(suite):
            zone_text, failures, served = scenario_zone(scenario.get('zonedata', {}),
                                                        args.resolver == 'nsd')
            if args.resolver == 'zone':
                zone_file = os.path.join(work, 'scenario-%d.zone' % n)
                with open(zone_file, 'w', encoding='ascii') as f:
                    f.write(zone_text)
                base = ['--zone', zone_file]
                for name, rtype in failures:
                    base += ['--zone-failure', name + ('/' + rtype if rtype else '')]
            else:
                sdir = os.path.join(work, 'nsd-%d' % n)
                os.mkdir(sdir)
                nsd = Nsd(args.nsd, sdir, zone_text)
                relay = TimeoutRelay(nsd.port)
                relay.set_rules(failures, served)
                relay.start()
                base = ['--dns-server', '127.0.0.1#%d' % relay.port, '--timeout', '300']
            for name, test in scenario['tests'].items():
                if args.only and args.only not in name:
                    continue
                expected = test['result'] if isinstance(test['result'], list) else [test['result']]
                result, explanation, out = run_test(args, base, test)
                problems = []
                if result not in expected:
                    problems.append('result %s, expected %s' % (result, '/'.join(expected)))
                elif result != expected[0]:
                    preferred_missed += 1
                want = test.get('explanation')
                if want is not None and result == 'fail' and explanation != want:
                    problems.append('explanation %r, expected %r' % (explanation, want))
                if problems:
                    failed += 1
                    print('FAIL %s (%s): %s' % (name, scenario['description'], '; '.join(problems)))
                    if args.verbose and isinstance(out, dict):
                        print('     reason: %s' % out.get('reason'))
                        for t in out.get('trace', []):
                            print('     %s%s %s %s %s' % ('  ' * t['depth'], t['term'], t['outcome'],
                                                         t['queries'], t['detail']))
                    elif isinstance(out, str):
                        print('     ' + out)
                else:
                    passed += 1
            if relay:
                relay.stop()
                relay = None
            if nsd:
                nsd.stop()
                nsd = None
    finally:
        if relay:
            relay.stop()
        if nsd:
            nsd.stop()
        shutil.rmtree(work, ignore_errors=True)
    if preferred_missed:
        print('note: %d tests got an acceptable result other than the preferred one'
              % preferred_missed)
    print('%s (%s resolver): %d passed, %d failed'
          % (os.path.basename(args.suite), args.resolver, passed, failed))
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main())
