#!/usr/bin/env python3
# Peer driver for tests/bench/bench-spf.c: runs pyspf (Debian python3-spf) on the benchmark's
# zone with its DNS answered from memory, and reports evaluations per second on one core.
# SPDX-License-Identifier: BSD-2-Clause
#
# Protocol, one line each way (bench-spf.c is the other end, on stdin/stdout):
#   this script:  READY pyspf <version> python <version>    or    SKIP <reason>  (then exits)
#   bench-spf:    RR <name> <TYPE> <data...>                 (A, AAAA, MX "pref host", TXT text)
#                 CASE <ip> <sender> <helo> <result> <mechanism>
#                 END
#   this script:  LOADED <records> <cases>
#   bench-spf:    RUN <case index> <seconds>
#   this script:  OK <evaluations> <elapsed seconds>       or    BAD <reason>
#   bench-spf:    QUIT  (or end of file)
#
# DNS from memory: pyspf's query.dns() calls the module-level spf.DNSLookup(name, qtype,
# strict, timeout) for every question its per-query cache has not seen, expecting an iterable
# of ((name, type), value) pairs shaped like its dnspython driver's (A/AAAA address text,
# MX (preference, host), TXT a list of bytes strings). Replacing spf.DNSLookup is what pyspf's
# own test driver (testspf.py) does. A new spf.query per evaluation, as a milter makes one per
# message, so pyspf's per-query cache starts empty each time, like libspf2's request.
import sys
import time


def reply(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    try:
        import spf
    except Exception as exc:  # ImportError, or a broken install
        reply("SKIP cannot import spf with %s (%s: %s); install Debian python3-spf"
              % (sys.executable, type(exc).__name__, exc))
        return 0
    reply("READY pyspf %s python %s" % (getattr(spf, "__version__", "?"),
                                        sys.version.split()[0]))

    zone = {}
    cases = []
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ")
        if parts[0] == "END":
            break
        if parts[0] == "RR":
            name, rtype, data = parts[1].lower(), parts[2], " ".join(parts[3:])
            if rtype == "MX":
                pref, host = data.split(" ", 1)
                value = (int(pref), host.rstrip("."))
            elif rtype in ("TXT", "SPF"):
                value = [data.encode("ascii")]
            else:
                value = data
            zone.setdefault((name, rtype), []).append(((name, rtype), value))
        elif parts[0] == "CASE":
            cases.append(tuple(parts[1:6]))
        else:
            reply("BAD unexpected line %r" % line)
            return 1

    def lookup(name, qtype, strict=True, timeout=None):
        return zone.get((name.lower().rstrip("."), qtype), ())

    spf.DNSLookup = lookup
    reply("LOADED %d %d" % (sum(len(v) for v in zone.values()), len(cases)))

    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "QUIT":
            break
        if parts[0] != "RUN":
            reply("BAD unexpected command %r" % line)
            continue
        ip, sender, helo, want, mech = cases[int(parts[1])]
        seconds = float(parts[2])
        n = 0
        bad = None
        t0 = time.perf_counter()
        while True:
            for _ in range(20):
                q = spf.query(i=ip, s=sender, h=helo)
                res = q.check()[0]
                if res != want or q.mechanism != mech:
                    bad = "result %s (mechanism %s), expected %s (%s)" % (
                        res, q.mechanism, want, mech)
                    break
            if bad:
                break
            n += 20
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                break
        reply("BAD " + bad if bad else "OK %d %.6f" % (n, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
