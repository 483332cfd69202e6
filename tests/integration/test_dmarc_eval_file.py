#!/usr/bin/env python3
"""`deliver dmarc-eval FILE` end to end: SPF and DKIM run on the message itself.

usage: test_dmarc_eval_file.py DELIVER_EXE

A fresh RSA 2048 key (the openssl tool, into a temporary folder) is published in a zone for
dmarc-e2e.test beside an SPF record allowing 192.0.2.10 and a DMARC record p=reject; the zone
is read by the zone-file resolver (`deliver --zone`), so nothing touches the network. A message
signed by `deliver dkim-sign`:
  * from 192.0.2.10: spf=pass, dkim=pass, dmarc=pass;
  * altered, from 192.0.2.99 (SPF fails): dkim=fail, dmarc=fail, disposition reject;
  * altered, from 192.0.2.10: dmarc=pass through SPF alignment alone;
  * unaltered, from 192.0.2.99: dmarc=pass through DKIM alignment alone;
and the text output carries the single Authentication-Results header. Exits 77 without the
openssl tool.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile

DOMAIN = "dmarc-e2e.test"
MESSAGE = (b"From: Alice <alice@dmarc-e2e.test>\r\n"
           b"To: Bob <bob@example.org>\r\n"
           b"Subject: quarterly\r\n  figures\r\n"
           b"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
           b"Message-ID: <e2e-1@dmarc-e2e.test>\r\n"
           b"\r\n"
           b"Hello Bob,\r\n\r\nthe figures are attached.\r\n")
FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL: " + msg)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, timeout=60, **kw)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    deliver = sys.argv[1]
    if not shutil.which("openssl"):
        print("skipped: the openssl tool is not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="deliver-dmarc-e2e-")
    try:
        key = os.path.join(tmp, "sel.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", key], check=True, capture_output=True)
        der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
        zone = os.path.join(tmp, "e2e.zone")
        with open(zone, "w") as f:
            # the parent zone too, so that the DMARC tree walk gets NXDOMAIN at _dmarc.test
            f.write("$TTL 300\n"
                    "test. IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300\n"
                    "$ORIGIN %s.\n"
                    "@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                    "@ IN NS ns1\n"
                    "ns1 IN A 127.0.0.1\n"
                    "@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
                    "_dmarc IN TXT \"v=DMARC1; p=reject\"\n" % DOMAIN)
            f.write("sel._domainkey IN TXT %s\n" % " ".join(
                '"%s"' % rec[i:i + 250] for i in range(0, len(rec), 250)))
        plain = os.path.join(tmp, "plain.eml")
        with open(plain, "wb") as f:
            f.write(MESSAGE)
        signed = os.path.join(tmp, "signed.eml")
        r = run([deliver, "dkim-sign", "--key", key, "--domain", DOMAIN, "--selector", "sel",
                 plain])
        check(r.returncode == 0, "dkim-sign exits 0: %r" % r.stderr)
        with open(signed, "wb") as f:
            f.write(r.stdout)
        altered = os.path.join(tmp, "altered.eml")
        with open(altered, "wb") as f:
            f.write(r.stdout.replace(b"figures are attached", b"figures are ATTACHED"))

        def evaluate(ip, path, text=False):
            args = [deliver, "--zone", zone] + ([] if text else ["--json"]) + [
                "dmarc-eval", "--ip", ip, "--mail-from", "alice@" + DOMAIN,
                "--helo", "mta.example.org", path]
            r = run(args)
            check(r.returncode == 0, "%s exits 0 (%d): %r" % (" ".join(args[1:]), r.returncode,
                                                               r.stderr))
            if text:
                return r.stdout.decode()
            try:
                return json.loads(r.stdout)
            except ValueError:
                check(False, "JSON output of %s: %r" % (" ".join(args[1:]), r.stdout))
                return {}

        cases = [
            # name, ip, file, spf, dkim, dmarc, disposition, spf_aligned, dkim_aligned
            ("signed, SPF allows", "192.0.2.10", signed, "pass", "pass", "pass", "none",
             True, True),
            ("altered, SPF fails", "192.0.2.99", altered, "fail", "fail", "fail", "reject",
             False, False),
            ("altered, SPF allows", "192.0.2.10", altered, "pass", "fail", "pass", "none",
             True, False),
            ("signed, SPF fails", "192.0.2.99", signed, "fail", "pass", "pass", "none",
             False, True),
        ]
        for name, ip, path, spf, dkim, dmarc, dis, sa, da in cases:
            j = evaluate(ip, path)
            got = (j.get("spf", {}).get("result"), j.get("dkim", {}).get("result"),
                   j.get("dmarc"), j.get("disposition"), j.get("spf_aligned"),
                   j.get("dkim_aligned"))
            check(got == (spf, dkim, dmarc, dis, sa, da),
                  "%s: got spf/dkim/dmarc/disposition/aligned %r" % (name, got))
            check(j.get("policy") == "reject" and j.get("policy_tag") == "p" and
                  j.get("policy_domain") == DOMAIN and j.get("org_domain") == DOMAIN,
                  "%s: policy fields %r" % (name, {k: j.get(k) for k in
                                                   ("policy", "policy_tag", "policy_domain",
                                                    "org_domain")}))
            ar = j.get("authentication_results", "")
            for clause in ("spf=%s smtp.mailfrom=%s" % (spf, DOMAIN),
                           "dkim=%s header.d=%s header.s=sel" % (dkim, DOMAIN),
                           "dmarc=%s (p=reject dis=%s) header.from=%s" % (dmarc, dis, DOMAIN)):
                check(clause in ar, "%s: %r not in %r" % (name, clause, ar))
            check(not j.get("findings"), "%s: no findings expected: %r" % (name,
                                                                          j.get("findings")))
            sigs = j.get("dkim", {}).get("signatures", [])
            check(len(sigs) == 1 and sigs[0].get("domain") == DOMAIN,
                  "%s: one signature d=%s: %r" % (name, DOMAIN, sigs))
        # text: the single Authentication-Results header with all three clauses
        out = evaluate("192.0.2.10", signed, text=True)
        ars = [l for l in out.splitlines() if l.startswith("Authentication-Results:")]
        check(len(ars) == 1 and "; spf=pass" in ars[0] and "; dkim=pass" in ars[0] and
              "; dmarc=pass" in ars[0], "text output: one Authentication-Results line: %r" % out)
        # an unsigned message: dkim=none, SPF alone decides
        j = evaluate("192.0.2.10", plain)
        check(j.get("dkim", {}).get("result") == "none" and j.get("dmarc") == "pass" and
              "; dkim=none;" in j.get("authentication_results", ""),
              "unsigned: dkim=none, dmarc=pass: %r" % j.get("authentication_results"))
        # usage errors: FILE without --ip; FILE together with given results
        for bad in (["dmarc-eval", signed],
                    ["dmarc-eval", "--ip", "192.0.2.10", "--mail-from", "a@" + DOMAIN,
                     "--spf", "pass:" + DOMAIN, signed]):
            r = run([deliver, "--zone", zone] + bad)
            check(r.returncode == 1, "%r exits 1, got %d" % (bad, r.returncode))
        # a message without From: cannot be evaluated
        nofrom = os.path.join(tmp, "nofrom.eml")
        with open(nofrom, "wb") as f:
            f.write(b"To: bob@example.org\r\nSubject: x\r\n\r\nbody\r\n")
        r = run([deliver, "--zone", zone, "dmarc-eval", "--ip", "192.0.2.10", "--mail-from",
                 "a@" + DOMAIN, nofrom])
        check(r.returncode == 2 and b"From" in r.stderr,
              "no From: exits 2 (%d): %r" % (r.returncode, r.stderr))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILURES) if FAILURES else "all passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
