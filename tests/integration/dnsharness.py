#!/usr/bin/env python3
"""DNS test servers on loopback for libdeliver's integration tests (python3 stdlib only).

Starts two NSD instances on free ports, each with a private configuration in a temporary
folder, and a "hostile relay" (UDP and TCP) on a third free port:

  primary NSD    dns.test, relay.test, 2.0.192.in-addr.arpa, and broken.test (whose zone
                 file does not parse, so NSD answers SERVFAIL for it)
  secondary NSD  other.test
  relay          forwards every query to the NSD that serves its name (other.test to the
                 secondary, everything else to the primary), so that a CNAME from dns.test
                 into other.test makes the client ask again, as with two real servers.
                 A label anywhere in the name picks a misbehaviour (UDP unless noted):
                   wrongid  a reply with another ID first, then the real one
                   wrongq   a reply to another question first, then the real one
                   garbage  random bytes first, then the real one
                   badptr   a reply with the right ID and question whose answer section is
                            a compression pointer to itself (unparsable), then the real one
                   silent   never answered (UDP and TCP)
                   slowtc   an empty reply with TC=1; the real answer only over TCP
                   delay    every answer held DELAY seconds (UDP and TCP)
  dead port      a port where nothing listens (UDP or TCP)

Options for other tests (off by default, so existing tests see no change):
  --zone-script SCRIPT  run `sh SCRIPT DIR` to generate more zones (DIR/zones.list names
                        them, DIR/<zone>.zone holds each); the primary NSD serves them too
                        (tests/data/dnsbl/gen-zones.sh: the 20 DNSBL zones)
  --delay-all S         the relay holds every answer S seconds (UDP and TCP), whatever
                        the name; DELIVER_TEST_RELAY_DELAY_ALL_MS gives it to the test

Used two ways:
  * as a module:  `with DnsServers(zone_dir) as s: ...` (s.nsd_port, s.relay_port, ...)
  * as a wrapper: `dnsharness.py --zones DIR [--delay S] -- CMD ARGS...` runs CMD with
    DELIVER_TEST_NSD_PORT, DELIVER_TEST_NSD2_PORT, DELIVER_TEST_RELAY_PORT,
    DELIVER_TEST_DEAD_PORT, DELIVER_TEST_RELAY_DELAY_MS and DELIVER_TEST_ZONE_DIR in its
    environment and exits with its status.

$DELIVER_TEST_NSD names the nsd binary (default: found on PATH or in /usr/sbin).
The servers are always stopped (SIGTERM, then SIGKILL after 3 s) and the temporary folder
removed, also when the test fails or the harness gets SIGTERM, SIGINT or SIGHUP. When nsd is
not installed it prints "skipped: nsd not installed" and exits 77 (meson's skip code).
"""

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

SKIP = 77

# (zone, file in the zone folder, which NSD serves it: 1 primary, 2 secondary)
ZONES = [
    ("dns.test", "dns.test.zone", 1),
    ("relay.test", "relay.test.zone", 1),
    ("2.0.192.in-addr.arpa", "2.0.192.in-addr.arpa.zone", 1),
    ("broken.test", "broken.zone", 1),
    ("other.test", "other.test.zone", 2),
]
# The zone files `deliver --zone` loads to answer the same questions offline.
GOOD_ZONE_FILES = ["dns.test.zone", "other.test.zone", "relay.test.zone",
                   "2.0.192.in-addr.arpa.zone"]

READY_TIMEOUT = 5.0   # seconds for NSD to answer its first query
STOP_GRACE = 3.0      # seconds between SIGTERM and SIGKILL
START_TRIES = 5       # fresh ports tried when NSD cannot bind (a port race)
DEFAULT_DELAY = 0.2   # seconds the relay holds answers of "delay" names


class HarnessError(Exception):
    pass


class Skip(Exception):
    pass


def find_nsd():
    """nsd from $DELIVER_TEST_NSD (a path; empty: pretend it is missing) or the PATH plus the
    sbin folders (Debian installs it in /usr/sbin, which a user's PATH may lack)."""
    if "DELIVER_TEST_NSD" in os.environ:
        p = os.environ["DELIVER_TEST_NSD"]
        return p if p and os.access(p, os.X_OK) else None
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/usr/local/sbin:/sbin"
    return shutil.which("nsd", path=path)


# ---- small DNS helpers (the harness's own, no drill) ----------------------------------

def build_query(qname, qtype, qid):
    wire = b""
    for label in qname.rstrip(".").split("."):
        wire += bytes([len(label)]) + label.encode("ascii")
    wire += b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", qtype, 1)


def question_end(msg):
    """Offset just past the question (name, type, class) of a message; None if malformed."""
    if len(msg) < 12:
        return None
    i = 12
    while i < len(msg) and msg[i] != 0:
        if msg[i] & 0xC0:
            return None
        i += msg[i] + 1
    i += 5
    return i if i <= len(msg) else None


def question_labels(msg):
    """Lower-case labels of the question name of a query, or [] when it does not parse."""
    labels = []
    if len(msg) < 12:
        return labels
    i = 12
    while i < len(msg) and msg[i] != 0 and not msg[i] & 0xC0:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += n + 1
    return labels


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (another process may still take it)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
        finally:
            t.close()
            u.close()
    raise HarnessError("no free port found")


def udp_ask(port, qname, qtype=6, timeout=0.2):
    """One query; the reply bytes or None."""
    qid = struct.unpack("!H", os.urandom(2))[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.send(build_query(qname, qtype, qid))
        while True:
            reply = s.recv(65535)
            if len(reply) >= 12 and struct.unpack("!H", reply[:2])[0] == qid:
                return reply
    except OSError:
        return None
    finally:
        s.close()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def tcp_ask(port, query, timeout=3.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(query)) + query)
        head = recv_exact(s, 2)
        if head is None:
            return None
        return recv_exact(s, struct.unpack("!H", head)[0])


# ---- NSD ------------------------------------------------------------------------------

class Nsd:
    def __init__(self, nsd, workdir, name, zones):
        self.nsd = nsd
        self.dir = os.path.join(workdir, name)
        self.zones = zones
        self.proc = None
        self.family = None
        self.port = None
        os.mkdir(self.dir)

    def _write_conf(self, port):
        d = self.dir
        conf = [
            "server:",
            "  ip-address: 127.0.0.1@%d" % port,
            '  username: ""',
            '  chroot: ""',
            '  zonesdir: "%s"' % d,
            '  database: ""',
            '  zonelistfile: "%s/zone.list"' % d,
            '  xfrdfile: "%s/xfrd.state"' % d,
            '  pidfile: "%s/nsd.pid"' % d,
            '  logfile: "%s/nsd.log"' % d,
            "  server-count: 1",
            "  verbosity: 0",
            "  rrl-ratelimit: 0",  # no response rate limiting: tests ask fast from one address
            "remote-control:",
            "  control-enable: no",
        ]
        for zone, zfile in self.zones:
            conf += ["zone:", "  name: %s" % zone, "  zonefile: %s" % zfile]
        path = os.path.join(d, "nsd.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        return path

    def read(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        probe = self.zones[0][0]
        last = ""
        for _ in range(START_TRIES):
            port = free_port()
            conf = self._write_conf(port)
            # -d: stay in the foreground, in the test's process group, so that meson's own
            # kill of the group reaches NSD even if this harness is killed outright.
            with open(os.path.join(self.dir, "stderr.txt"), "wb") as err:
                self.proc = subprocess.Popen([self.nsd, "-d", "-c", conf],
                                             stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err)
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if udp_ask(port, probe, 6, 0.05) is not None:
                    self.port = port
                    return port
                time.sleep(0.01)
            last = (self.read("stderr.txt") + self.read("nsd.log")).strip()
            self.stop()
            if "already in use" not in last and "can't bind" not in last.lower():
                break
        raise HarnessError("nsd did not start:\n" + last)

    def terminate(self):
        """SIGTERM to NSD (once); remembers its processes for a SIGKILL later."""
        p = self.proc
        if p is None or p.poll() is not None or self.family is not None:
            return
        self.family = descendants(p.pid)
        p.send_signal(signal.SIGTERM)

    def stop(self):
        """SIGTERM, then SIGKILL to NSD and its processes after STOP_GRACE seconds."""
        self.terminate()
        p, self.proc = self.proc, None
        family, self.family = self.family or [], None
        if p is None:
            return
        try:
            p.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            for pid in [p.pid] + family:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            p.wait()


def descendants(pid):
    """Processes below pid (NSD's xfrd and server processes), from /proc; [] elsewhere."""
    parent = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                stat = f.read()
            parent[int(e)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        kids = [c for c, pp in parent.items() if pp == cur and c not in out]
        out += kids
        todo += kids
    return out


# ---- the hostile relay ----------------------------------------------------------------

class Relay:
    """Forwards UDP and TCP queries to NSD, misbehaving by label (see the module doc)."""

    def __init__(self, primary_port, secondary_port, delay=DEFAULT_DELAY, delay_all=0.0):
        self.primary = primary_port
        self.secondary = secondary_port
        self.delay = delay
        self.delay_all = delay_all
        self.stopping = threading.Event()
        self.port = None
        self.udp = None
        self.tcp = None
        self.threads = []
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def upstream(self, labels):
        return self.secondary if labels[-2:] == ["other", "test"] else self.primary

    @staticmethod
    def mode(labels):
        for m in ("silent", "wrongid", "wrongq", "garbage", "badptr", "slowtc", "delay"):
            if m in labels:
                return m
        return "plain"

    def start(self):
        for _ in range(START_TRIES):
            port = free_port()
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                u.bind(("127.0.0.1", port))
                t.bind(("127.0.0.1", port))
                t.listen(64)
            except OSError:
                u.close()
                t.close()
                continue
            u.settimeout(0.1)
            t.settimeout(0.1)
            self.udp, self.tcp, self.port = u, t, port
            for fn in (self._udp_loop, self._tcp_loop):
                th = threading.Thread(target=fn, daemon=True)
                th.start()
                self.threads.append(th)
            return port
        raise HarnessError("relay: no free port")

    def stop(self):
        self.stopping.set()
        for th in self.threads:
            th.join(2)
        for s in (self.udp, self.tcp):
            if s:
                s.close()

    # UDP
    def _udp_loop(self):
        while not self.stopping.is_set():
            try:
                query, client = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._udp_one, args=(query, client), daemon=True).start()

    def _send(self, data, client):
        try:
            self.udp.sendto(data, client)
        except OSError:
            pass

    def _udp_one(self, query, client):
        labels = question_labels(query)
        mode = self.mode(labels)
        self.count(mode)
        if mode == "silent" or len(query) < 12:
            return
        qend = question_end(query)
        if mode == "slowtc" and qend:
            # header: same ID, QR=1, opcode 0, AA=1, TC=1, RD copied; one question, no records
            flags = 0x8000 | 0x0400 | 0x0200 | (struct.unpack("!H", query[2:4])[0] & 0x0100)
            self._send(query[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + query[12:qend],
                       client)
            return
        reply = self._forward_udp(query, self.upstream(labels))
        if reply is None:
            return
        rend = question_end(reply)
        if mode == "wrongid":
            other = struct.unpack("!H", reply[:2])[0] ^ 0x5A5A
            self._send(struct.pack("!H", other) + reply[2:], client)
        elif mode == "wrongq" and rend:
            # the same reply to another name: the first label's last letter changed
            b = bytearray(reply)
            b[12 + b[12]] = ord("x") if b[12 + b[12]] != ord("x") else ord("y")
            self._send(bytes(b), client)
        elif mode == "garbage":
            self._send(os.urandom(64), client)
        elif mode == "badptr" and rend:
            # right ID and question; one answer whose owner is a pointer to itself, cut short
            head = reply[:2] + struct.pack("!HHHHH", 0x8400, 1, 1, 0, 0)
            self._send(head + reply[12:rend] + struct.pack("!H", 0xC000 | rend), client)
        elif mode == "delay":
            time.sleep(self.delay)
        if self.delay_all:
            time.sleep(self.delay_all)
        self._send(reply, client)

    @staticmethod
    def _forward_udp(query, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.settimeout(3)
            s.connect(("127.0.0.1", port))
            s.send(query)
            return s.recv(65535)
        except OSError:
            return None
        finally:
            s.close()

    # TCP
    def _tcp_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(5)
        try:
            while not self.stopping.is_set():
                head = recv_exact(conn, 2)
                if head is None:
                    return
                query = recv_exact(conn, struct.unpack("!H", head)[0])
                if query is None:
                    return
                labels = question_labels(query)
                mode = self.mode(labels)
                self.count("tcp-" + mode)
                if mode == "silent":
                    continue
                reply = tcp_ask(self.upstream(labels), query)
                if reply is None:
                    return
                if mode == "delay":
                    time.sleep(self.delay)
                if self.delay_all:
                    time.sleep(self.delay_all)
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return
        finally:
            conn.close()


# ---- everything together --------------------------------------------------------------

class DnsServers:
    """Context manager: both NSDs, the relay, a dead port; everything stopped on exit."""

    def __init__(self, zone_dir, delay=DEFAULT_DELAY, zone_script=None, delay_all=0.0):
        self.zone_dir = os.path.abspath(zone_dir)
        self.delay = delay
        self.zone_script = zone_script
        self.delay_all = delay_all
        self.extra_zones = []
        self.tmp = None
        self.nsds = []
        self.relay = None
        self.nsd_port = self.nsd2_port = self.relay_port = self.dead_port = None

    def zone_files(self):
        return [os.path.join(self.zone_dir, f) for f in GOOD_ZONE_FILES]

    def __enter__(self):
        nsd = find_nsd()
        if not nsd:
            raise Skip("nsd not installed")
        self.tmp = tempfile.mkdtemp(prefix="deliver-dns-")
        try:
            extra = []
            if self.zone_script:
                gen = os.path.join(self.tmp, "gen")
                r = subprocess.run(["sh", self.zone_script, gen], capture_output=True, text=True)
                if r.returncode != 0:
                    raise HarnessError("zone script failed:\n" + r.stderr)
                with open(os.path.join(gen, "zones.list")) as f:
                    extra = [z.strip() for z in f if z.strip()]
                self.extra_zones = extra
            for which in (1, 2):
                zones = [(z, f) for z, f, w in ZONES if w == which]
                n = Nsd(nsd, self.tmp, "nsd%d" % which,
                        zones + ([(z, z + ".zone") for z in extra] if which == 1 else []))
                for _, f in zones:
                    shutil.copy(os.path.join(self.zone_dir, f), n.dir)
                if which == 1:
                    for z in extra:
                        shutil.copy(os.path.join(gen, z + ".zone"), n.dir)
                self.nsds.append(n)
                n.start()
            self.nsd_port, self.nsd2_port = self.nsds[0].port, self.nsds[1].port
            # a port nobody listens on: taken from the kernel, then released
            self.dead_port = free_port()
            self.relay = Relay(self.nsd_port, self.nsd2_port, self.delay, self.delay_all)
            self.relay_port = self.relay.start()
        except BaseException:
            self.close()
            raise
        return self

    def env(self):
        return {
            "DELIVER_TEST_NSD_PORT": str(self.nsd_port),
            "DELIVER_TEST_NSD2_PORT": str(self.nsd2_port),
            "DELIVER_TEST_RELAY_PORT": str(self.relay_port),
            "DELIVER_TEST_DEAD_PORT": str(self.dead_port),
            "DELIVER_TEST_RELAY_DELAY_MS": str(int(self.delay * 1000)),
            "DELIVER_TEST_ZONE_DIR": self.zone_dir,
            "DELIVER_TEST_RELAY_DELAY_ALL_MS": str(int(self.delay_all * 1000)),
            "DELIVER_TEST_EXTRA_ZONES": ",".join(self.extra_zones),
        }

    def close(self):
        if self.relay:
            self.relay.stop()
            self.relay = None
        # SIGTERM both at once, so their shutdowns overlap
        for n in self.nsds:
            n.terminate()
        for n in self.nsds:
            n.stop()
        self.nsds = []
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __exit__(self, *exc):
        self.close()
        return False


def _raise_exit(signum, _frame):
    raise SystemExit(128 + signum)


def install_signal_handlers():
    """SIGTERM/SIGINT/SIGHUP unwind the stack, so every `finally` and `with` cleans up."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _raise_exit)


def run_main(body):
    """Run body() (returns an exit status) with signal handling and the skip rule."""
    install_signal_handlers()
    try:
        return body()
    except Skip as e:
        print("skipped: %s" % e, flush=True)
        return SKIP
    except HarnessError as e:
        print("harness error: %s" % e, file=sys.stderr, flush=True)
        return 1


def main(argv):
    zones = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "dns")
    delay = DEFAULT_DELAY
    zone_script = None
    delay_all = 0.0
    args = list(argv)
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--zones" and args:
            zones = args.pop(0)
        elif opt == "--delay" and args:
            delay = float(args.pop(0))
        elif opt == "--zone-script" and args:
            zone_script = os.path.abspath(args.pop(0))
        elif opt == "--delay-all" and args:
            delay_all = float(args.pop(0))
        else:
            print("usage: dnsharness.py [--zones DIR] [--delay S] [--zone-script SCRIPT] "
                  "[--delay-all S] -- CMD [ARGS...]",
                  file=sys.stderr)
            return 2
    cmd = args[1:]
    if not cmd:
        print("dnsharness.py: no command", file=sys.stderr)
        return 2

    def body():
        with DnsServers(zones, delay, zone_script, delay_all) as s:
            env = dict(os.environ)
            env.update(s.env())
            child = subprocess.Popen(cmd, env=env)
            try:
                return child.wait()
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()

    return run_main(body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
