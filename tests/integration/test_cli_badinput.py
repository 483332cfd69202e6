#!/usr/bin/env python3
"""`deliver` on bad input (dns, and every other command's operands and files): a clear message on stderr, the documented exit status, no crash.

usage: test_cli_badinput.py DELIVER_EXE ZONE_DIR

Exit statuses (DESIGN.md, "The CLI"): 1 for a usage error (bad option, bad operand, invalid
name, unknown type), 2 when the command could not run (unreadable or unparsable zone file).
Every case runs against the zone-file resolver (or fails before any resolver is used), so no
server is needed. Boundary cases just inside the limits (253-octet name, 63-octet label) must
run normally.
"""

import json
import os
import subprocess
import sys
import tempfile

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, file=sys.stderr, flush=True)


def run(exe, args):
    return subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=20)


def expect_error(exe, label, args, status, *needles, prefix="deliver: "):
    for js in (False, True):
        full = (["--json"] if js else []) + args
        p = run(exe, full)
        err = p.stderr.decode("utf-8", "replace")
        tag = "%s%s" % (label, " (--json)" if js else "")
        if p.returncode < 0 or p.returncode >= 128:
            fail("%s: crashed (status %d): %s" % (tag, p.returncode, err))
            continue
        if p.returncode != status:
            fail("%s: exit %d, expected %d; stderr %r" % (tag, p.returncode, status, err))
        if not err.startswith(prefix) or not err.endswith("\n"):
            fail("%s: stderr is not a '%s...' message: %r" % (tag, prefix, err))
        if prefix == "deliver: " and err.count("\n") > 3:
            fail("%s: more than a short message on stderr: %r" % (tag, err))
        for n in needles:
            if n.lower() not in err.lower():
                fail("%s: stderr %r does not mention %r" % (tag, err, n))
        if p.stdout:
            fail("%s: output on stdout for a failed command: %r" % (tag, p.stdout[:200]))


def expect_runs(exe, label, args, first_line):
    p = run(exe, args)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0 or not out.startswith(first_line):
        fail("%s: exit %d, stdout %r, stderr %r, expected %r"
             % (label, p.returncode, out[:300], p.stderr[:300], first_line))
    p = run(exe, ["--json"] + args)
    try:
        json.loads(p.stdout.decode("utf-8"))
    except ValueError as e:
        fail("%s --json: not one JSON document: %s" % (label, e))


def expect_handled(exe, label, args, statuses, stdin=None):
    """Hostile input that must be handled: an exit status in statuses, never a crash."""
    p = subprocess.run([exe] + args, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=20)
    if p.returncode not in statuses:
        fail("%s: exit %d, expected one of %s; stderr %r"
             % (label, p.returncode, statuses, p.stderr[:300]))


def other_commands(exe, z, write):
    """The checks' operands, options and files: usage errors exit 1, unreadable files 2."""
    for label, args, status, needle in (
            ("spf bad ip", ["spf", "notanip", "u@dns.test"], 1, "not an IP"),
            ("spf missing sender", ["spf", "192.0.2.1"], 1, "usage"),
            ("spf bad --max-lookups", ["spf", "--max-lookups", "x", "192.0.2.1", "u@dns.test"],
             1, "max-lookups"),
            ("spf-lint no operand", ["spf-lint"], 1, "usage"),
            ("spf-lint --record without text", ["spf-lint", "--record"], 1, "record"),
            ("spf-lint bad domain", ["spf-lint", "bad..name"], 1, "bad..name"),
            ("dnsbl no operand", ["dnsbl"], 1, "usage"),
            ("dnsbl bad list filter", ["dnsbl", "192.0.2.1", "--list", "zen.spamhaus.org=[2..]"],
             1, "offset"),
            ("dnsbl bad subject", ["dnsbl", "not@an@ip"], 1, "not an IP"),
            ("dkim-key one operand", ["dkim-key", "s"], 1, "usage"),
            ("dkim-verify missing file", ["dkim-verify", "/nonexistent/m.eml"], 2, "cannot read"),
            ("dkim-sign missing key", ["dkim-sign", "--key", "/nonexistent/k.pem", "--domain",
                                       "d.test", "--selector", "s", "/dev/null"], 2,
             "cannot read"),
            ("dmarc no operand", ["dmarc"], 1, "usage"),
            ("dmarc bad domain", ["dmarc", "bad..name"], 1, "bad..name"),
            ("dmarc-eval no options", ["dmarc-eval"], 1, "usage"),
            ("dmarc-eval bad --spf", ["dmarc-eval", "--from", "d.test", "--spf", "bogus"], 1,
             "--spf"),
            ("bounce missing file", ["bounce", "/nonexistent/b.eml"], 2, "cannot read"),
            ("bounce --reply without text", ["bounce", "--reply"], 1, "reply")):
        expect_error(exe, label, z + args, status, needle)
    # hostile contents: handled, reported, never a crash
    garbage = bytes(range(256)) * 64 + b"\r\n\r\n\x00" * 100
    junk = write("junk.eml", garbage.decode("latin-1"), mode="w")
    half = write("half.eml", "DKIM-Signature: v=1; a=rsa-sha256; d=dns.test; s=x; b=AAAA\r\n"
                             "From: a@\r\nSubject: (\r\n", mode="w")
    for name, f in (("junk", junk), ("truncated header", half)):
        expect_handled(exe, "dkim-verify " + name, z + ["dkim-verify", f], (0,))
        expect_handled(exe, "bounce " + name, z + ["bounce", f], (0,))
        expect_handled(exe, "dmarc-eval " + name, z + ["dmarc-eval", "--ip", "192.0.2.1",
                                                       "--mail-from", "a@dns.test", "--helo",
                                                       "h.dns.test", f], (0, 2))
    expect_handled(exe, "bounce from stdin", z + ["bounce", "-"], (0,), stdin=garbage)
    for rec in ("v=spf1 " + "a" * 300, "v=spf1 \xe9 -all", "v=spf1 ip4:1.2.3.4/33 %{z} -all",
                "v=spf1 include:" + "x." * 130 + "test -all"):
        expect_handled(exe, "spf-lint --record %r" % rec[:30], z + ["spf-lint", "--record", rec],
                       (0,))
    for rec in ("v=DKIM1; p=!!!", "k=rsa; p=" + "A" * 5000, "v=DKIM1; k=ed25519; p=AAAA", ";;;="):
        expect_handled(exe, "dkim-key --record %r" % rec[:30], z + ["dkim-key", "--record", rec],
                       (0,))
    for rec in ("v=DMARC1; p=reject; rua=mailto:a@b!999x", "v=DMARC1;;;;p", "p=none",
                "v=DMARC1; p=reject; " + "x=y; " * 500):
        expect_handled(exe, "dmarc --record %r" % rec[:30], z + ["dmarc", "--record", rec],
                       (0,))


def main():
    if len(sys.argv) != 3:
        print("usage: test_cli_badinput.py DELIVER_EXE ZONE_DIR", file=sys.stderr)
        return 2
    exe, zd = os.path.abspath(sys.argv[1]), sys.argv[2]
    good = os.path.join(zd, "dns.test.zone")
    broken = os.path.join(zd, "broken.zone")
    z = ["--zone", good]

    with tempfile.TemporaryDirectory(prefix="deliver-badinput-") as tmp:
        def write(name, text, mode="w"):
            path = os.path.join(tmp, name)
            with open(path, mode) as f:
                f.write(text)
            return path

        soa = "$ORIGIN bad.test.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n"
        nosoa = write("nosoa.zone", "$ORIGIN bad.test.\nwww A 192.0.2.1\n")
        include = write("include.zone", soa + "$INCLUDE /etc/passwd\n")
        # NSD rejects each of these ("EOF inside quoted string", "syntax error"); a bad record
        # must be refused wherever it is, also as the last record of the file
        badtxt = write("badtxt.zone", soa + 'x TXT "unterminated\n')
        badname = write("badname.zone", soa + "a..b A 192.0.2.1\n")
        badname2 = write("badname2.zone", soa + "a..b A 192.0.2.1\nok A 192.0.2.2\n")
        outside = write("outside.zone", soa + "www.elsewhere.test. A 192.0.2.1\n")
        nul = write("nul.zone", (soa + "x TXT \"a\"\n").encode() + b"\0\n", "wb")
        empty = write("empty.zone", "")
        binary = write("binary.zone", bytes(range(256)) * 4, "wb")
        os.mkdir(os.path.join(tmp, "adir"))

        # zone files that cannot be used: exit 2, the file (and line) named
        expect_error(exe, "unparsable zone", ["--zone", broken, "dns", "dns.test", "TXT"], 2,
                     "broken.zone:8")
        expect_error(exe, "missing zone file", ["--zone", os.path.join(tmp, "none.zone"),
                                                "dns", "dns.test", "TXT"], 2, "none.zone")
        expect_error(exe, "zone file is a folder", ["--zone", os.path.join(tmp, "adir"),
                                                    "dns", "dns.test", "TXT"], 2, "adir")
        expect_error(exe, "zone without SOA", ["--zone", nosoa, "dns", "x.test", "TXT"], 2,
                     "nosoa.zone", "SOA")
        expect_error(exe, "$INCLUDE", ["--zone", include, "dns", "x.test", "TXT"], 2,
                     "include.zone", "$INCLUDE")
        expect_error(exe, "unterminated string at the end of the file",
                     ["--zone", badtxt, "dns", "x.bad.test", "TXT"], 2, "badtxt.zone")
        expect_error(exe, "bad owner name (a..b) in the last record",
                     ["--zone", badname, "dns", "x.bad.test", "TXT"], 2, "badname.zone:4")
        expect_error(exe, "bad owner name (a..b) before another record",
                     ["--zone", badname2, "dns", "x.bad.test", "TXT"], 2, "badname2.zone:4")
        expect_error(exe, "record outside the zone", ["--zone", outside, "dns", "x.test",
                                                      "TXT"], 2, "outside.zone")
        expect_error(exe, "NUL in zone", ["--zone", nul, "dns", "x.test", "TXT"], 2, "nul.zone")
        expect_error(exe, "empty zone", ["--zone", empty, "dns", "x.test", "TXT"], 2,
                     "empty.zone")
        expect_error(exe, "binary zone", ["--zone", binary, "dns", "x.test", "TXT"], 2,
                     "binary.zone")
        expect_error(exe, "zone loaded twice", z + z + ["dns", "dns.test", "TXT"], 2,
                     "already loaded")

        # names: exit 1
        long_ok = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])       # 253 octets
        long_bad = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 62])      # 254 octets
        assert len(long_ok) == 253 and len(long_bad) == 254
        expect_runs(exe, "253-octet name", z + ["dns", long_ok, "TXT"],
                    ";; %s TXT: refused, rcode 5\n" % long_ok)
        expect_runs(exe, "253-octet name with the root dot", z + ["dns", long_ok + ".", "TXT"],
                    ";; %s TXT: refused, rcode 5\n" % long_ok)
        expect_error(exe, "254-octet name", z + ["dns", long_bad, "TXT"], 1, "253")
        expect_error(exe, "300-octet name", z + ["dns", ("x" * 49 + ".") * 6, "TXT"], 1, "253")
        label63 = "l" * 63 + ".dns.test"
        expect_runs(exe, "63-octet label", z + ["dns", label63, "TXT"],
                    ";; %s TXT: nxdomain, rcode 3\n" % label63)
        expect_error(exe, "64-octet label", z + ["dns", "l" * 64 + ".dns.test", "TXT"], 1, "63")
        for bad in ("a..dns.test", ".dns.test", "dns.test..", "", "back\\slash.dns.test",
                    "del\x7f.dns.test"):
            expect_error(exe, "invalid name %r" % bad, z + ["dns", bad, "TXT"], 1, "invalid")
        p = subprocess.run([exe] + z + ["dns", b"\xff\xfe.dns.test", "TXT"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        if p.returncode != 1 or not p.stderr.startswith(b"deliver: ") or p.stdout:
            fail("non-UTF-8 name: exit %d, stderr %r" % (p.returncode, p.stderr))

        # types and operands: exit 1
        for t in ("FOO", "TYPE", "TYPE65536", "TYPE70000", "TYPEx", "-1", "1"):
            expect_error(exe, "unknown type %r" % t, z + ["dns", "dns.test", t], 1, "type")
        expect_runs(exe, "TYPE65280", z + ["dns", "dns.test", "TYPE65280"],
                    ";; dns.test TYPE65280: nodata, rcode 0\n")
        expect_runs(exe, "lower-case type", z + ["dns", "dns.test", "mx"],
                    ";; dns.test MX: ok, rcode 0\n")
        expect_error(exe, "missing type", z + ["dns", "dns.test"], 1, "usage")
        expect_error(exe, "missing name and type", z + ["dns"], 1, "usage")
        expect_error(exe, "extra operand", z + ["dns", "dns.test", "TXT", "MX"], 1, "usage")
        expect_error(exe, "no command", z, 1, "deliver", prefix="usage: ")
        expect_error(exe, "unknown command", z + ["dnss", "dns.test", "TXT"], 1, "dnss")

        # options: exit 1
        for srv in ("notanaddress", "127.0.0.1#", "127.0.0.1#0", "127.0.0.1#65536",
                    "127.0.0.1#53x", "#53", "", "256.0.0.1", "::1#-1", "example.test"):
            expect_error(exe, "--dns-server %r" % srv, ["--dns-server", srv, "dns", "dns.test",
                                                        "TXT"], 1, "dns-server")
        expect_error(exe, "--dns-server without argument", ["dns", "dns.test", "TXT",
                                                            "--dns-server"], 1, "dns-server")
        expect_error(exe, "--zone without argument", ["dns", "dns.test", "TXT", "--zone"], 1,
                     "zone")
        for t in ("abc", "0", "-5", "600001", "", "10ms"):
            expect_error(exe, "--timeout %r" % t, z + ["--timeout", t, "dns", "dns.test",
                                                       "TXT"], 1, "timeout")
        other_commands(exe, z, write)

    if FAILURES:
        print("test_cli_badinput: %d failures" % len(FAILURES))
        return 1
    print("test_cli_badinput: all bad input rejected cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
