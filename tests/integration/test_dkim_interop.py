#!/usr/bin/env python3
"""DKIM interop with dkimpy (Debian python3-dkim, python3-nacl), keys served by NSD on loopback.

usage: test_dkim_interop.py DELIVER_EXE ZONE_DIR [OPENDKIM_HARNESS]

Fresh keys (RSA 2048 through the openssl tool, an Ed25519 seed) are published in a zone
dkim.test that the primary NSD of dnsharness.py serves. Then, both ways:
  * messages signed by `deliver dkim-sign` (rsa and ed25519, each canonicalization pair)
    verify with dkimpy, which fetches the keys from NSD;
  * messages signed by dkimpy verify with `deliver --dns-server 127.0.0.1#PORT dkim-verify`;
  * with OPENDKIM_HARNESS (test-dkim-opendkim.c, built when libopendkim-dev is found) the same
    both ways with libopendkim, whose keys come from its "file query" method (its stub
    resolver cannot use another port than 53). libopendkim 2.11's Ed25519 signatures with
    simple header canonicalization do not verify anywhere (see the testdata README), so
    those two are not asked of it.
Exits 77 ("skipped: ...") without nsd, the openssl tool or dkimpy.
"""

import base64
import json
import os
import shutil
import struct
import subprocess

import sys
import tempfile

# libopendkim's own leaks (dkim_privkey_load keeps an Ed25519 key) are not ours to report:
# in a sanitizer build the harness around it runs without leak detection
PEER_ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")

try:
    import dkim  # noqa: F401
    import nacl.signing  # noqa: F401
except ImportError:
    # Debian's python3-dkim lives with the system interpreter
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3") and not os.environ.get("DKIM_INTEROP_REEXEC"):
        os.environ["DKIM_INTEROP_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("skipped: dkimpy (python3-dkim, python3-nacl) not installed")
    sys.exit(77)
import dkim  # noqa: E402
import nacl.signing  # noqa: E402

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsharness  # noqa: E402

MESSAGE = (b"From: Alice <alice@dkim.test>\r\n"
           b"To: Bob <bob@example.org>\r\n"
           b"Subject: interop\r\n  test with a folded subject\r\n"
           b"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
           b"Message-ID: <interop-1@dkim.test>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=us-ascii\r\n"
           b"\r\n"
           b"Hello Bob,  \r\n\r\n\tthis line has  runs of   white space.\r\n\r\n\r\n")
CANONS = ["relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"]
FAILURES = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL: " + msg, file=sys.stderr, flush=True)
    return cond


def txt_from_wire(msg):
    """The joined TXT strings of the first TXT answer of a reply (None when none)."""
    if not msg or len(msg) < 12:
        return None
    qd, an = struct.unpack("!HH", msg[4:8])
    pos = 12

    def skip_name(p):
        while p < len(msg):
            ln = msg[p]
            if ln == 0:
                return p + 1
            if ln & 0xC0 == 0xC0:
                return p + 2
            p += 1 + ln
        return p

    for _ in range(qd):
        pos = skip_name(pos) + 4
    for _ in range(an):
        pos = skip_name(pos)
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        rd = msg[pos:pos + rdlen]
        pos += rdlen
        if rtype == 16:
            out, i = b"", 0
            while i < len(rd):
                out += rd[i + 1:i + 1 + rd[i]]
                i += 1 + rd[i]
            return out
    return None


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    deliver, zone_dir = sys.argv[1], sys.argv[2]
    odk = sys.argv[3] if len(sys.argv) == 4 else None
    if not shutil.which("openssl"):
        print("skipped: the openssl tool is not installed")
        return 77
    tmp = tempfile.mkdtemp(prefix="deliver-dkim-")
    try:
        rsa_pem = os.path.join(tmp, "rsa.pem")
        subprocess.run(["openssl", "genrsa", "-traditional", "-out", rsa_pem, "2048"],
                       check=True, capture_output=True)
        der = subprocess.run(["openssl", "rsa", "-in", rsa_pem, "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        rsa_pub = base64.b64encode(der).decode()
        # Ed25519: PKCS#8 PEM (for libopendkim and deliver), the seed (for dkimpy)
        ed_file = os.path.join(tmp, "ed.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", ed_file],
                       check=True, capture_output=True)
        seed = subprocess.run(["openssl", "pkey", "-in", ed_file, "-outform", "DER"],
                              check=True, capture_output=True).stdout[-32:]
        ed_seed_b64 = base64.b64encode(seed)
        ed_pub = base64.b64encode(nacl.signing.SigningKey(seed).verify_key.encode()).decode()
        rsa_rec = "v=DKIM1; k=rsa; p=" + rsa_pub
        zone = os.path.join(tmp, "dkim.test.zone")
        with open(zone, "w") as f:
            f.write("$ORIGIN dkim.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n"
                    "@ IN NS ns1\nns1 IN A 127.0.0.1\n")
            f.write("rsa._domainkey IN TXT %s\n" % " ".join(
                '"%s"' % rsa_rec[i:i + 250] for i in range(0, len(rsa_rec), 250)))
            f.write('ed._domainkey IN TXT "v=DKIM1; k=ed25519; p=%s"\n' % ed_pub)
        qfile = os.path.join(tmp, "opendkim-keys.txt")
        with open(qfile, "w") as f:
            f.write("rsa._domainkey.dkim.test %s\n" % rsa_rec)
            f.write("ed._domainkey.dkim.test v=DKIM1; k=ed25519; p=%s\n" % ed_pub)
        script = os.path.join(tmp, "zones.sh")
        with open(script, "w") as f:
            f.write('mkdir -p "$1" && cp "%s" "$1/dkim.test.zone" && echo dkim.test > "$1/zones.list"\n'
                    % zone)
        counts = {"deliver->dkimpy": 0, "dkimpy->deliver": 0, "deliver->libopendkim": 0,
                  "libopendkim->deliver": 0}
        with dnsharness.DnsServers(zone_dir, zone_script=script) as s:
            port = s.nsd_port

            def dnsfunc(name, timeout=5):
                n = name.decode() if isinstance(name, bytes) else name
                return txt_from_wire(dnsharness.udp_ask(port, n.rstrip("."), 16, timeout=2.0))

            server = ["--dns-server", "127.0.0.1#%d" % port]
            # deliver signs, dkimpy verifies
            for key, sel in ((rsa_pem, "rsa"), (ed_file, "ed")):
                for canon in CANONS:
                    p = subprocess.run([deliver] + server + ["dkim-sign", "--key", key, "--domain",
                                        "dkim.test", "--selector", sel, "--canon", canon, "-"],
                                       input=MESSAGE, capture_output=True)
                    if not check(p.returncode == 0, "dkim-sign %s %s: %s" % (sel, canon, p.stderr)):
                        continue
                    ok = dkim.verify(p.stdout, dnsfunc=dnsfunc)
                    check(ok, "dkimpy does not verify deliver's %s %s signature:\n%s"
                          % (sel, canon, p.stdout.split(b"\r\n\r\n")[0].decode()))
                    counts["deliver->dkimpy"] += ok
                    if odk:
                        mf = os.path.join(tmp, "signed.eml")
                        with open(mf, "wb") as f:
                            f.write(p.stdout)
                        o = subprocess.run([odk, "verify", qfile, mf], capture_output=True, env=PEER_ENV)
                        res = o.stdout.decode().strip()
                        check(res == "pass", "libopendkim does not verify deliver's %s %s "
                              "signature: %s %s" % (sel, canon, res, o.stderr.decode()))
                        counts["deliver->libopendkim"] += res == "pass"
                    # and deliver verifies its own through NSD
                    v = subprocess.run([deliver] + server + ["--json", "dkim-verify", "-"],
                                       input=p.stdout, capture_output=True)
                    r = json.loads(v.stdout) if v.returncode == 0 else {}
                    check(r.get("result") == "pass", "deliver does not verify its own %s %s: %s"
                          % (sel, canon, v.stdout))
            # dkimpy signs, deliver verifies
            with open(rsa_pem, "rb") as f:
                rsa_key = f.read()
            for key, sel, alg in ((rsa_key, b"rsa", b"rsa-sha256"), (ed_seed_b64, b"ed", b"ed25519-sha256")):
                for canon in CANONS:
                    h, b = canon.encode().split(b"/")
                    sig = dkim.sign(MESSAGE, sel, b"dkim.test", key, canonicalize=(h, b),
                                    signature_algorithm=alg)
                    v = subprocess.run([deliver] + server + ["--json", "dkim-verify", "-"],
                                       input=sig + MESSAGE, capture_output=True)
                    r = json.loads(v.stdout) if v.returncode == 0 else {}
                    sigs = r.get("signatures", [{}])
                    ok = check(r.get("result") == "pass",
                               "deliver does not verify dkimpy's %s %s signature: %s"
                               % (sel.decode(), canon, json.dumps(sigs)))
                    counts["dkimpy->deliver"] += ok
            # libopendkim signs, deliver verifies
            mf = os.path.join(tmp, "message.eml")
            with open(mf, "wb") as f:
                f.write(MESSAGE)
            for key, sel, alg in ((rsa_pem, "rsa", "rsa-sha256"), (ed_file, "ed", "ed25519-sha256")):
                for canon in CANONS if odk else []:
                    if alg.startswith("ed25519") and canon.startswith("simple/"):
                        continue
                    o = subprocess.run([odk, "sign", key, "dkim.test", sel, canon, alg, mf], env=PEER_ENV,
                                       capture_output=True)
                    if not check(o.returncode == 0, "libopendkim sign %s %s: %s"
                                 % (sel, canon, o.stderr.decode())):
                        continue
                    v = subprocess.run([deliver] + server + ["--json", "dkim-verify", "-"],
                                       input=o.stdout + MESSAGE, capture_output=True)
                    r = json.loads(v.stdout) if v.returncode == 0 else {}
                    ok = check(r.get("result") == "pass",
                               "deliver does not verify libopendkim's %s %s signature: %s"
                               % (sel, canon, json.dumps(r.get("signatures"))))
                    counts["libopendkim->deliver"] += ok
    except dnsharness.Skip as e:
        print("skipped: %s" % e)
        return 77
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("dkim interop: %s verified; %d failures%s"
          % (", ".join("%s %d" % kv for kv in counts.items()), len(FAILURES),
             "" if odk else " (libopendkim harness not built)"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
