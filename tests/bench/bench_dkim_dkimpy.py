#!/usr/bin/env python3
# Peer driver for tests/bench/bench-dkim.c: dkimpy (Debian python3-dkim, python3-nacl for
# Ed25519) verifying one signed message again and again, the key record answered from memory.
# usage: bench_dkim_dkimpy.py MESSAGE KEYNAME RECORD SECONDS
# prints "OK <verifications per second>", "BAD <reason>" or "SKIP <reason>".
# SPDX-License-Identifier: BSD-2-Clause
import sys
import time


def main():
    try:
        import dkim
    except Exception as exc:  # ImportError, or a broken install
        print("SKIP cannot import dkim with %s (%s); install Debian python3-dkim"
              % (sys.executable, exc))
        return 0
    path, name, record, secs = sys.argv[1], sys.argv[2], sys.argv[3].encode(), float(sys.argv[4])
    msg = open(path, "rb").read()

    def dnsfunc(qname, timeout=5):
        q = qname.decode() if isinstance(qname, bytes) else qname
        return record if q.rstrip(".") == name else None

    n = 0
    t0 = time.monotonic()
    while True:
        if not dkim.verify(msg, dnsfunc=dnsfunc):
            print("BAD dkimpy does not verify the message")
            return 0
        n += 1
        t = time.monotonic()
        if t - t0 >= secs:
            break
    print("OK %.1f" % (n / (t - t0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
