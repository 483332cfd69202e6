#!/usr/bin/env python3
"""`deliver dns` answers the same from zone files and from NSD on loopback.

usage: test_cli_dns.py DELIVER_EXE ZONE_DIR

For every case: `deliver --zone <files> [--json] dns NAME TYPE` and
`deliver --dns-server 127.0.0.1#PORT [--json] dns NAME TYPE` print the same stdout, through
the hostile relay (which routes other.test to a second NSD, so CNAMEs into it are asked
again) and, for names that stay in the first server's zones, straight to NSD. Each output has
the expected outcome; every --json output is exactly one JSON document with the documented
keys. Network-only cases: SERVFAIL, a silent server (timeout, bounded wall time), a port
where nothing listens.
"""

import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsharness  # noqa: E402

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, file=sys.stderr, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


# (name, type, outcome, rcode, cnames, records, direct)
#   direct: the answer needs only the first NSD (so it may be asked straight, not via relay)
CASES = [
    ("dns.test", "MX", "ok", 0, 0, 2, True),
    ("dns.test", "TXT", "ok", 0, 0, 1, True),
    ("dns.test", "SOA", "ok", 0, 0, 1, True),
    ("dns.test", "NS", "ok", 0, 0, 1, True),
    ("mx.dns.test", "A", "ok", 0, 0, 1, True),
    ("mx.dns.test", "AAAA", "ok", 0, 0, 1, True),
    ("_25._tcp.mx.dns.test", "TLSA", "ok", 0, 0, 1, True),
    ("25.2.0.192.in-addr.arpa", "PTR", "ok", 0, 0, 1, True),
    ("80.2.0.192.in-addr.arpa", "PTR", "ok", 0, 0, 2, True),
    ("split.dns.test", "TXT", "ok", 0, 0, 1, True),
    ("esc.dns.test", "TXT", "ok", 0, 0, 1, True),
    ("sp ace.dns.test", "TXT", "ok", 0, 0, 1, True),
    ("big.dns.test", "TXT", "ok", 0, 0, 30, True),
    ("missing.dns.test", "TXT", "nxdomain", 3, 0, 0, True),
    ("nodata.dns.test", "TXT", "nodata", 0, 0, 0, True),
    ("nodata.dns.test", "TYPE65280", "nodata", 0, 0, 0, True),
    ("ent.dns.test", "TXT", "nodata", 0, 0, 0, True),
    ("below.leaf.ent.dns.test", "TXT", "nxdomain", 3, 0, 0, True),
    ("any.wild.dns.test", "TXT", "ok", 0, 0, 1, True),
    ("x.deleg.dns.test", "TXT", "refused", 0, 0, 0, True),
    ("deeper.any.wild.dns.test", "A", "ok", 0, 0, 1, True),
    ("wild.dns.test", "TXT", "nodata", 0, 0, 0, True),
    ("www.dns.test", "TXT", "ok", 0, 2, 1, True),
    ("www.dns.test", "A", "ok", 0, 2, 1, True),
    ("www.dns.test", "MX", "nodata", 0, 2, 0, True),
    ("www.dns.test", "CNAME", "ok", 0, 0, 1, True),
    ("WWW.Dns.Test.", "TXT", "ok", 0, 2, 1, True),
    ("dangling.dns.test", "TXT", "nxdomain", 3, 1, 0, True),
    ("out.dns.test", "TXT", "ok", 0, 1, 1, False),
    ("out.dns.test", "MX", "nodata", 0, 1, 0, False),
    ("cross.dns.test", "TXT", "ok", 0, 2, 1, False),
    ("hop.other.test", "TXT", "ok", 0, 1, 1, False),
    ("loop-a.dns.test", "TXT", "cname_loop", 0, None, 0, True),
    ("self.dns.test", "A", "cname_loop", 0, None, 0, True),
    ("xloop.dns.test", "TXT", "cname_loop", 0, None, 0, False),
    ("c8-0.dns.test", "TXT", "ok", 0, 8, 1, True),
    ("c10-0.dns.test", "TXT", "cname_loop", 0, None, 0, True),
    ("b\u00fccher.dns.test", "TXT", "nxdomain", 3, 0, 0, True),
    ("name.outside.example", "TXT", "refused", 5, 0, 0, True),
    # the relay misbehaves on these; the answer must still be the zone's
    ("wrongid.relay.test", "TXT", "ok", 0, 0, 1, True),
    ("wrongq.relay.test", "TXT", "ok", 0, 0, 1, True),
    ("garbage.relay.test", "TXT", "ok", 0, 0, 1, True),
    ("badptr.relay.test", "TXT", "ok", 0, 0, 1, True),
    ("slowtc.relay.test", "TXT", "ok", 0, 0, 1, True),
    ("x.delay.relay.test", "TXT", "ok", 0, 0, 1, True),
]

TOP_KEYS = {"name", "type", "outcome", "rcode", "authenticated", "cnames", "records",
            "findings"}
RECORD_KEYS = {"owner", "ttl", "type", "data"}
FINDING_KEYS = {"id", "severity", "message", "location", "hint"}


def run(exe, args, timeout=20):
    t0 = time.monotonic()
    p = subprocess.run([exe] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p, time.monotonic() - t0


def parse_json(label, out):
    try:
        doc = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail("%s: --json output is not one JSON document (%s): %r" % (label, e, out[:300]))
        return None
    if not check(isinstance(doc, dict), "%s: JSON is not an object" % label):
        return None
    check(set(doc) == TOP_KEYS, "%s: JSON keys %s" % (label, sorted(doc)))
    for key in ("cnames", "records"):
        for r in doc.get(key, []):
            check(RECORD_KEYS <= set(r), "%s: %s entry keys %s" % (label, key, sorted(r)))
            if r.get("type") in ("TXT", "SPF"):
                check("strings" in r and "joined" in r, "%s: TXT without strings" % label)
                check("".join(r.get("strings", [])) == r.get("joined"),
                      "%s: joined is not the strings joined" % label)
            if r.get("type") in ("MX", "CNAME", "PTR", "NS"):
                check("target" in r, "%s: %s without target" % (label, r.get("type")))
    for f in doc.get("findings", []):
        check(set(f) == FINDING_KEYS, "%s: finding keys %s" % (label, sorted(f)))
    return doc


def check_case(label, case, text, doc):
    name, qtype, outcome, rcode, ncname, nrec, _ = case
    lines = text.decode("utf-8", "replace").splitlines()
    shown = name.rstrip(".").lower()
    if name.startswith("b\u00fccher"):
        shown = "xn--bcher-kva.dns.test"
    first = ";; %s %s: %s, rcode %d" % (shown, qtype, outcome, rcode)
    check(lines and lines[0] == first, "%s: first line %r, expected %r"
          % (label, lines[0] if lines else "", first))
    records = [ln for ln in lines[1:] if not ln.startswith(";;")]
    want = (ncname or 0) + nrec if outcome != "cname_loop" else None
    if want is not None:
        check(len(records) == want, "%s: %d record lines, expected %d"
              % (label, len(records), want))
    if doc is None:
        return
    check(doc.get("name") == shown, "%s: JSON name %r" % (label, doc.get("name")))
    check(doc.get("type") == qtype, "%s: JSON type %r" % (label, doc.get("type")))
    check(doc.get("outcome") == outcome, "%s: JSON outcome %r, expected %r"
          % (label, doc.get("outcome"), outcome))
    check(doc.get("rcode") == rcode, "%s: JSON rcode %r" % (label, doc.get("rcode")))
    check(doc.get("authenticated") is False, "%s: authenticated" % label)
    check(len(doc.get("records", [])) == nrec, "%s: %d records, expected %d"
          % (label, len(doc.get("records", [])), nrec))
    if ncname is not None:
        check(len(doc.get("cnames", [])) == ncname, "%s: %d cnames, expected %d"
              % (label, len(doc.get("cnames", [])), ncname))
    ids = [f.get("id") for f in doc.get("findings", [])]
    if outcome == "cname_loop":
        check("dns.cname_loop" in ids, "%s: no dns.cname_loop finding: %s" % (label, ids))
    if outcome in ("ok", "nodata", "nxdomain"):
        check(ids == [], "%s: findings %s" % (label, ids))


def specific_checks(label, case, text, doc):
    """What some cases must show beyond counts."""
    name, qtype = case[0], case[1]
    t = text.decode("utf-8", "replace")
    if doc is None:
        return
    recs = doc["records"]
    if name == "www.dns.test" and qtype == "TXT":
        check("www.dns.test.\t300\tIN\tCNAME\tweb.dns.test.\n" in t and
              "web.dns.test.\t300\tIN\tCNAME\thost.dns.test.\n" in t and
              'host.dns.test.\t300\tIN\tTXT\t"the end of the chain"\n' in t,
              "%s: the CNAME chain is not printed:\n%s" % (label, t))
        check([c["target"] for c in doc["cnames"]] == ["web.dns.test", "host.dns.test"],
              "%s: JSON chain" % label)
    if name == "cross.dns.test":
        check([c["target"] for c in doc["cnames"]] == ["hop.other.test", "back.dns.test"],
              "%s: JSON chain %s" % (label, doc["cnames"]))
    if name == "split.dns.test":
        s = recs[0]["strings"] if recs else []
        check([len(x) for x in s] == [6, 17, 1, 255, 0, 19, 5, 1],
              "%s: string lengths %s" % (label, [len(x) for x in s]))
    if name == "esc.dns.test" and recs:
        s = recs[0]["strings"]
        check(s[:2] == ['say "hi" \\ caf\u00e9', "nul\u0000tab\tend"],
              "%s: strings %r" % (label, s))
        check(s[2].startswith("bad") and s[2].endswith("octet") and len(s) == 3,
              "%s: strings %r" % (label, s))
    if name == "big.dns.test":
        heads = sorted(r["joined"][:4] for r in recs)
        check(heads == ["r%02d-" % i for i in range(30)], "%s: big RRset incomplete" % label)
        check(all(len(r["joined"]) == 194 for r in recs), "%s: big RRset lengths" % label)
    if name == "c10-0.dns.test":
        check(len(doc["cnames"]) <= 9, "%s: %d cnames past the limit"
              % (label, len(doc["cnames"])))
    if name == "_25._tcp.mx.dns.test" and recs:
        check(recs[0]["data"].startswith("3 1 1 ") and len(recs[0]["data"]) == 6 + 64,
              "%s: TLSA %r" % (label, recs[0]["data"]))


def compare(exe, zone_args, net_args, case, direct_args):
    name, qtype = case[0], case[1]
    outputs = {}
    modes = [("zone", zone_args), ("relay", net_args)]
    if case[6]:
        modes.append(("nsd", direct_args))
    for mode, margs in modes:
        for js in (False, True):
            args = margs + (["--json"] if js else []) + ["dns", name, qtype]
            label = "%s %s %s%s" % (mode, name, qtype, " --json" if js else "")
            p, _ = run(exe, args)
            check(p.returncode == 0, "%s: exit %d, stderr %r" % (label, p.returncode,
                                                                  p.stderr[:300]))
            check(p.stderr == b"", "%s: stderr %r" % (label, p.stderr[:300]))
            outputs[(mode, js)] = p.stdout
    for js in (False, True):
        for mode, _ in modes[1:]:
            if outputs[(mode, js)] != outputs[("zone", js)]:
                fail("%s %s%s: %s output differs from zone output:\n--- zone\n%s\n--- %s\n%s"
                     % (name, qtype, " --json" if js else "", mode,
                        outputs[("zone", js)].decode("utf-8", "replace"), mode,
                        outputs[(mode, js)].decode("utf-8", "replace")))
    for mode, _ in modes:
        label = "%s %s %s" % (mode, name, qtype)
        doc = parse_json(label + " --json", outputs[(mode, True)])
        check_case(label, case, outputs[(mode, False)], doc)
        specific_checks(label, case, outputs[(mode, False)], doc)


def network_only(exe, s):
    relay = ["--dns-server", "127.0.0.1#%d" % s.relay_port]
    nsd = ["--dns-server", "127.0.0.1#%d" % s.nsd_port]
    # SERVFAIL: NSD serves broken.test but could not load its zone file
    for args in (relay, nsd):
        p, _ = run(exe, args + ["dns", "ok.broken.test", "TXT"])
        out = p.stdout.decode("utf-8", "replace")
        check(p.returncode == 0 and out.startswith(";; ok.broken.test TXT: servfail, rcode 2\n"),
              "SERVFAIL: exit %d, %r" % (p.returncode, out))
        check("dns.servfail" in out, "SERVFAIL: no finding: %r" % out)
        p, _ = run(exe, args + ["--json", "dns", "ok.broken.test", "TXT"])
        doc = parse_json("servfail --json", p.stdout)
        if doc:
            check(doc["outcome"] == "servfail" and doc["rcode"] == 2, "SERVFAIL JSON %r" % doc)
            check([f["id"] for f in doc["findings"]] == ["dns.servfail"],
                  "SERVFAIL findings %r" % doc["findings"])
    # the zone resolver does not hold broken.test: it refuses, it does not fail
    p, _ = run(exe, zone_files_args(s) + ["dns", "ok.broken.test", "TXT"])
    check(p.stdout.startswith(b";; ok.broken.test TXT: refused, rcode 5\n"),
          "zone broken.test: %r" % p.stdout)

    # a silent server: a timeout after 3 attempts (default retries 2) x 200 ms, no hang
    timeout_ms, attempts = 200, 3
    for js in (False, True):
        p, took = run(exe, relay + ["--timeout", str(timeout_ms)] + (["--json"] if js else [])
                      + ["dns", "silent.relay.test", "TXT"])
        check(p.returncode == 0, "silent: exit %d %r" % (p.returncode, p.stderr))
        total = timeout_ms * attempts / 1000.0
        check(took <= 3 * total, "silent: %.2f s, more than 3 x %.2f s" % (took, total))
        if js:
            doc = parse_json("silent --json", p.stdout)
            if doc:
                check(doc["outcome"] == "timeout" and doc["rcode"] == -1, "silent: %r" % doc)
                check([f["id"] for f in doc["findings"]] == ["dns.timeout"],
                      "silent findings %r" % doc["findings"])
                check(doc["records"] == [] and doc["cnames"] == [], "silent records")
        else:
            check(p.stdout.startswith(b";; silent.relay.test TXT: timeout, rcode -1\n"),
                  "silent: %r" % p.stdout)

    # nothing listens on the port: an error (ICMP unreachable) or a timeout, quickly
    dead = ["--dns-server", "127.0.0.1#%d" % s.dead_port, "--timeout", "500"]
    p, took = run(exe, dead + ["--json", "dns", "dns.test", "TXT"])
    check(p.returncode == 0, "dead port: exit %d %r" % (p.returncode, p.stderr))
    check(took <= 3 * 1.5, "dead port: %.2f s" % took)
    doc = parse_json("dead port --json", p.stdout)
    if doc:
        check(doc["outcome"] in ("error", "timeout"), "dead port: outcome %r" % doc["outcome"])
        check(len(doc["findings"]) == 1 and doc["findings"][0]["id"] in
              ("dns.error", "dns.timeout"), "dead port findings %r" % doc["findings"])

    # global options after the subcommand mean the same
    p1, _ = run(exe, relay + ["--json", "dns", "www.dns.test", "TXT"])
    p2, _ = run(exe, ["dns", "www.dns.test", "TXT", "--json"] + relay)
    check(p1.stdout == p2.stdout and p1.returncode == p2.returncode == 0,
          "options after the subcommand differ")


def zone_files_args(s):
    out = []
    for f in s.zone_files():
        out += ["--zone", f]
    return out


def main():
    if len(sys.argv) != 3:
        print("usage: test_cli_dns.py DELIVER_EXE ZONE_DIR", file=sys.stderr)
        return 2
    exe, zone_dir = os.path.abspath(sys.argv[1]), sys.argv[2]

    def body():
        with dnsharness.DnsServers(zone_dir) as s:
            zone_args = zone_files_args(s)
            relay = ["--dns-server", "127.0.0.1#%d" % s.relay_port, "--timeout", "3000"]
            direct = ["--dns-server", "127.0.0.1#%d" % s.nsd_port, "--timeout", "3000"]
            for case in CASES:
                compare(exe, zone_args, relay, case, direct)
            network_only(exe, s)
            # the relay did misbehave (so the identical outputs above mean something)
            for m in ("wrongid", "wrongq", "garbage", "badptr", "slowtc", "silent", "delay",
                      "tcp-slowtc", "tcp-plain"):
                check(s.relay.counts.get(m, 0) > 0, "the relay never saw a %s query" % m)
        n = len(CASES)
        if FAILURES:
            print("test_cli_dns: %d failures (%d cases)" % (len(FAILURES), n))
            return 1
        print("test_cli_dns: %d cases, zone and network output identical" % n)
        return 0

    return dnsharness.run_main(body)


if __name__ == "__main__":
    sys.exit(main())
