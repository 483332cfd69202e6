#!/usr/bin/env python3
"""Runs ../shared/testdata/dmarc/evaluate.json through `deliver dmarc-eval`, in RFC 7489 and
RFC 9989 mode, with dmarc.zone served by the zone-file resolver (--resolver zone;
dns_overrides become --zone-failure options) or by NSD on loopback behind a small relay that
answers the dns_overrides names itself (SERVFAIL, REFUSED) or drops them (TIMEOUT)
(--resolver nsd). A scenario marked ambiguous passes with either listed answer (its
ar_alternative, or the other reading the notes name). Prints one line per failure, then
'N passed, N failed'. Exit 0 only when nothing failed; 77 without testdata or nsd."""
import argparse
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spf_suite import Nsd, Relay  # noqa: E402

MODES = ('rfc7489', 'rfc9989')
FIELDS = ('dmarc', 'policy_domain', 'org_domain', 'spf_aligned', 'dkim_aligned', 'policy_tag',
          'policy', 'disposition')
RCODES = {'SERVFAIL': 2, 'REFUSED': 5, 'NXDOMAIN': 3}


class OverrideRelay(Relay):
    """Answers the override names with an RCODE, or never (TIMEOUT)."""

    def __init__(self, upstream_port, overrides):
        super().__init__(upstream_port)
        self.overrides = overrides

    def decide(self, pkt, name, qtype):
        what = self.overrides.get(name)
        if what == 'TIMEOUT':
            return Relay.DROP
        if what in RCODES:
            qend = 12
            while pkt[qend] != 0:
                qend += pkt[qend] + 1
            qend += 5
            flags = struct.unpack('>H', pkt[2:4])[0]
            flags = (flags | 0x8000 | 0x0080) & ~0x000f | RCODES[what]
            return pkt[:2] + struct.pack('>HHHHH', flags, 1, 0, 0, 0) + pkt[12:qend]
        return None


def zone_text(testdata):
    with open(os.path.join(testdata, 'dmarc.zone'), encoding='utf-8') as f:
        body = f.read()
    return ('$ORIGIN .\n$TTL 300\n. SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n'
            '. NS ns.test.\nns.test. A 127.0.0.1\n' + body)


def scenario_args(s, mode):
    froms = s['from_domain'] if isinstance(s['from_domain'], list) else [s['from_domain']]
    args = ['--json', 'dmarc-eval', '--mode', mode, '--reports']
    for f in froms:
        args += ['--from', f]
    spf = s.get('spf') or {}
    if spf.get('result'):
        args += ['--spf', spf['result'] + (':' + spf['domain'] if spf.get('domain') else '')]
    for d in s.get('dkim', []):
        args += ['--dkim', '%s:%s' % (d['result'], d['d'])]
    return args


def compare(s, exp, got):
    diffs = []
    for k in FIELDS:
        if got.get(k) != exp.get(k):
            diffs.append('%s %s, expected %s' % (k, json.dumps(got.get(k)), json.dumps(exp.get(k))))
    if 'pct' in exp and got.get('pct') != exp['pct']:
        diffs.append('pct %s, expected %s' % (got.get('pct'), exp['pct']))
    if 'disposition_unsampled' in exp and \
            got.get('disposition_unsampled') != exp['disposition_unsampled']:
        diffs.append('disposition_unsampled %s' % got.get('disposition_unsampled'))
    if exp.get('test_mode') and not got.get('test_mode'):
        diffs.append('test_mode not set')
    rep = s.get('reports')
    if rep and exp.get('dmarc') is not None:
        for k in ('rua_authorized', 'ruf_authorized'):
            if k in rep and sorted(got['reports'][k]) != sorted(rep[k]):
                diffs.append('%s %s, expected %s' % (k, got['reports'][k], rep[k]))
        for chk in rep.get('checks', []):
            mine = [c for c in got['reports']['checks'] if c['uri'] == chk['uri']]
            if not mine or mine[0]['query'] != chk['query']:
                diffs.append('check of %s: %s' % (chk['uri'], mine))
    if got.get('dmarc') and 'dmarc=%s' % got['dmarc'] not in got.get('authentication_results', ''):
        diffs.append('Authentication-Results lacks dmarc=%s' % got['dmarc'])
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deliver', required=True)
    ap.add_argument('--testdata', required=True)
    ap.add_argument('--resolver', choices=['zone', 'nsd'], default='zone')
    ap.add_argument('--nsd', default=shutil.which('nsd') or '/usr/sbin/nsd')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    path = os.path.join(a.testdata, 'evaluate.json')
    if not os.path.exists(path):
        print('skipped: no testdata (%s)' % path)
        return 77
    if a.resolver == 'nsd' and not os.path.exists(a.nsd):
        print('skipped: nsd not installed')
        return 77
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    work = tempfile.mkdtemp(prefix='deliver-dmarc-eval-')
    nsd = relay = None
    passed = failed = alt = 0
    try:
        zone = zone_text(a.testdata)
        zf = os.path.join(work, 'dmarc.zone')
        with open(zf, 'w', encoding='utf-8') as f:
            f.write(zone)
        if a.resolver == 'nsd':
            nsd = Nsd(a.nsd, work, zone)
        for s in data['scenarios']:
            overrides = {k.lower().rstrip('.'): v for k, v in s.get('dns_overrides', {}).items()}
            if a.resolver == 'zone':
                base = ['--zone', zf]
                for name, what in overrides.items():
                    base += ['--zone-failure', '%s=%s' % (name, what.lower())]
            else:
                relay = OverrideRelay(nsd.port, overrides)
                relay.start()
                base = ['--dns-server', '127.0.0.1#%d' % relay.port, '--timeout', '500']
            for mode in MODES:
                if mode not in s:
                    continue
                exp = s[mode]
                p = subprocess.run([a.deliver] + base + scenario_args(s, mode),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
                if p.returncode != 0:
                    failed += 1
                    print('FAIL %s [%s]: exit %d: %s' % (s['id'], mode, p.returncode,
                                                         p.stderr.decode(errors='replace')))
                    continue
                got = json.loads(p.stdout)
                diffs = compare(s, exp, got)
                if diffs and s.get('ambiguous') and exp.get('ar_alternative') == got.get('dmarc'):
                    diffs = []
                    alt += 1
                if diffs:
                    failed += 1
                    print('FAIL %s [%s]: %s' % (s['id'], mode, '; '.join(diffs)))
                    if a.verbose:
                        print('     ' + p.stdout.decode())
                else:
                    passed += 1
            if relay:
                relay.stop()
                relay = None
    finally:
        if relay:
            relay.stop()
        if nsd:
            nsd.stop()
        shutil.rmtree(work, ignore_errors=True)
    if alt:
        print('note: %d ambiguous scenarios matched their alternative answer' % alt)
    print('evaluate.json (%s resolver): %d passed, %d failed' % (a.resolver, passed, failed))
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(1))
    sys.exit(main())
