#!/usr/bin/env python3
"""DKIM conformance over ../shared/testdata/dkim through the deliver tool.

  dkim_suite.py --deliver EXE --testdata DIR --suite verify|keys

verify: every signature of expected.json must get its expected verdict or one listed as
also acceptable, and carry the listed flags as findings; keys.zone is served by the
zone-file resolver (servfail._domainkey.example.net answers SERVFAIL) and the clock is
fixed at verified_at_unix_time. keys: every record of key-checks.json must get exactly the
listed findings (short names mapped to the library's ids) and its overall grade; the record
sets (several records, split strings, CNAME, NXDOMAIN) are served from a zone.
Prints "N passed, N failed"; exit 77 with "skipped: no testdata" when the folder is missing.
SPDX-License-Identifier: BSD-2-Clause
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

# testdata short names -> library finding ids (ABI.md)
KEY_IDS = {
    "rsa-2048": "dkim.key_rsa", "rsa-4096": "dkim.key_rsa", "rsa-1024-weak": "dkim.key_weak",
    "rsa-too-small": "dkim.key_too_short", "ed25519": "dkim.key_ed25519",
    "published-test-key": "dkim.key_published", "revoked": "dkim.key_revoked",
    "testing-mode": "dkim.key_testing", "strict-identity": "dkim.key_strict",
    "unknown-flag": "dkim.key_unknown_flag", "h-sha1-only": "dkim.key_hash_sha1_only",
    "h-no-usable-hash": "dkim.key_hash_unusable", "h-allows-sha1": "dkim.key_hash_allows_sha1",
    "h-restricts-sha256": "dkim.key_hash_sha256_only", "unknown-key-type": "dkim.key_type_unknown",
    "key-type-mismatch": "dkim.key_type_mismatch", "ed25519-bad-length": "dkim.key_ed25519_length",
    "bad-base64": "dkim.key_bad_base64", "bad-der": "dkim.key_bad_der",
    "key-not-spki": "dkim.key_not_spki", "missing-p": "dkim.key_missing_p",
    "bad-version": "dkim.key_bad_version", "v-not-first": "dkim.key_version_not_first",
    "missing-v": "dkim.key_missing_version", "duplicate-tag": "dkim.key_duplicate_tag",
    "tag-syntax": "dkim.key_syntax", "fws-in-record": "dkim.key_whitespace",
    "service-email": "dkim.key_service_email", "service-tlsrpt-only": "dkim.key_service_tlsrpt",
    "service-not-email": "dkim.key_service_not_email", "notes": "dkim.key_notes",
    "obsolete-g": "dkim.key_obsolete_g", "unknown-tag": "dkim.key_unknown_tag",
    "txt-over-255": "dkim.key_long_record", "not-a-dkim-record": "dkim.key_not_dkim",
    "empty-record": "dkim.key_empty", "multiple-records": "dkim.key_multiple_records",
    "txt-split": "dkim.key_split_strings", "cname": "dkim.key_cname", "no-key": "dkim.key_not_found",
}
FLAG_IDS = {
    "weak-key-1024": "dkim.key_weak", "l-tag": "dkim.body_length",
    "unsigned-body-content": "dkim.unsigned_body_content", "testing-mode": "dkim.key_testing",
    "key-not-spki": "dkim.key_not_spki",
    "duplicate-signed-header-not-oversigned": "dkim.header_not_oversigned",
}
SOA = "$ORIGIN .\n$TTL 300\n. IN SOA ns.invalid. host.invalid. 1 3600 600 86400 300\n"


def run(deliver, args):
    p = subprocess.run([deliver] + args, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    return json.loads(p.stdout)


def zone_quote(s):
    """one or more <character-string>s of at most 255 octets"""
    parts = [s[i:i + 250] for i in range(0, len(s), 250)] or [""]
    return " ".join('"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"' for x in parts)


def suite_verify(deliver, td, tmp):
    exp = json.load(open(os.path.join(td, "expected.json")))
    zone = os.path.join(tmp, "keys.zone")
    with open(zone, "w") as f:
        f.write(SOA + open(os.path.join(td, "keys.zone")).read())
    base = ["--zone", zone, "--zone-failure", "servfail._domainkey.example.net=servfail", "--json"]
    when = str(exp["verified_at_unix_time"])
    passed = failed = 0
    for case in exp["cases"]:
        path = os.path.join(td, case["file"])
        try:
            out = run(deliver, base + ["dkim-verify", "--time", when, path])
        except Exception as e:  # noqa: BLE001
            print("FAIL %s: %s" % (case["file"], e))
            failed += max(1, len(case["sigs"]))
            continue
        sigs = out["signatures"]
        if not case["sigs"]:
            want = case.get("result_without_signature", "none")
            if out["result"] == want and not sigs:
                passed += 1
            else:
                failed += 1
                print("FAIL %s: result %s, expected %s" % (case["file"], out["result"], want))
            continue
        for s in case["sigs"]:
            i = s["index"]
            ok_set = [s["expected"]] + s.get("also_acceptable", [])
            got = sigs[i] if i < len(sigs) else None
            why = []
            if not got:
                why.append("signature missing")
            else:
                if got["result"] not in ok_set:
                    why.append("result %s (%s), expected %s" % (got["result"], got["reason"],
                                                                "/".join(ok_set)))
                if got["domain"] != s["d"] or got["selector"] != s["s"] or got["algorithm"] != s["a"]:
                    why.append("d/s/a %s/%s/%s" % (got["domain"], got["selector"], got["algorithm"]))
                if s.get("reason") and got["result"] == s["expected"] and got["reason"] != s["reason"]:
                    why.append("reason %s, expected %s" % (got["reason"], s["reason"]))
                have = {f["id"] for f in out["findings"] if f["location"] == "signature %d" % i}
                for flag in s.get("flags", []):
                    if FLAG_IDS.get(flag, "?") not in have:
                        why.append("flag %s (%s) not reported" % (flag, FLAG_IDS.get(flag)))
            if why:
                failed += 1
                print("FAIL %s[%d]: %s" % (case["file"], i, "; ".join(why)))
            else:
                passed += 1
    return passed, failed


def compare(name, got, want, exact=True):
    want_ids = sorted((KEY_IDS.get(f["id"], "?" + f["id"]), f["severity"]) for f in want)
    got_ids = sorted((f["id"], f["severity"]) for f in got)
    if exact:
        ok = got_ids == want_ids
    else:
        ok = all(w in got_ids for w in want_ids)
    if not ok:
        print("FAIL %s: findings %s, expected %s" % (name, got_ids, want_ids))
    return ok


def suite_keys(deliver, td, tmp):
    kc = json.load(open(os.path.join(td, "key-checks.json")))
    passed = failed = 0
    for r in kc["records"]:
        try:
            out = run(deliver, ["--json", "dkim-key", "--record", r["record"]])
        except Exception as e:  # noqa: BLE001
            print("FAIL %s: %s" % (r["id"], e))
            failed += 1
            continue
        ok = compare(r["id"], out["findings"], r["findings"])
        if out["grade"] != r["overall"]:
            print("FAIL %s: grade %s, expected %s" % (r["id"], out["grade"], r["overall"]))
            ok = False
        passed += ok
        failed += not ok
    # record sets from a zone
    p2048 = kc["records"][0]["record"]
    lines = [SOA]
    names = {}
    for rs in kc["record_sets"]:
        sel = rs["id"].replace("-", "")
        names[rs["id"]] = sel
        owner = "%s._domainkey.example.test." % sel
        if "records" in rs:
            for rec in rs["records"]:
                lines.append("%s IN TXT %s\n" % (owner, zone_quote(rec)))
        elif "records_as_strings" in rs:
            for strings in rs["records_as_strings"]:
                lines.append("%s IN TXT %s\n" % (owner, " ".join(zone_quote(x) for x in strings)))
        elif rs["id"].startswith("cname"):
            lines.append("%s IN CNAME key1.esp.example.\n" % owner)
            lines.append("key1.esp.example. IN TXT %s %s\n" % (zone_quote(p2048[:200]),
                                                             zone_quote(p2048[200:])))
    zone = os.path.join(tmp, "sets.zone")
    with open(zone, "w") as f:
        f.writelines(lines)
    for rs in kc["record_sets"]:
        try:
            out = run(deliver, ["--zone", zone, "--json", "dkim-key", names[rs["id"]], "example.test"])
        except Exception as e:  # noqa: BLE001
            print("FAIL %s: %s" % (rs["id"], e))
            failed += 1
            continue
        # a CNAME's target brings its own findings: the listed ones must be there
        ok = compare(rs["id"], out["findings"], rs["findings"], exact="cname" not in rs["id"])
        passed += ok
        failed += not ok
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deliver", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--suite", choices=["verify", "keys"], required=True)
    a = ap.parse_args()
    td = a.testdata
    if not os.path.isfile(os.path.join(td, "expected.json")):
        print("skipped: no testdata")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        fn = suite_verify if a.suite == "verify" else suite_keys
        passed, failed = fn(a.deliver, td, tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
