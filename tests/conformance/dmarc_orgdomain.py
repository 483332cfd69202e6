#!/usr/bin/env python3
"""Runs ../shared/testdata/dmarc/orgdomain.json through the deliver tool: the PSL cases with
`deliver dmarc --psl` (libpsl over Debian's publicsuffix list, no DNS), the tree walk cases
with `deliver --zone Z dmarc DOMAIN` (RFC 9989 mode) over a zone made from each case's
`dns` map; the _dmarc questions asked must be exactly the expected ones, in order. A case
marked ambiguous passes with either reading. Prints 'N passed, N failed'; 77 without
testdata."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def deliver(a, args):
    p = subprocess.run([a.deliver] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    if p.returncode != 0:
        raise RuntimeError('exit %d: %s' % (p.returncode, p.stderr.decode(errors='replace')))
    return json.loads(p.stdout)


def txt(s):
    data = s.encode('utf-8')
    parts = [data[i:i + 255] for i in range(0, len(data), 255)] or [b'']
    out = []
    for ch in parts:
        out.append('"' + ''.join('\\%03d' % b if b in (0x22, 0x5c) or b < 0x20 or b >= 0x7f
                                 else chr(b) for b in ch) + '"')
    return ' '.join(out)


def zone_text(dns):
    lines = ['$ORIGIN .', '$TTL 300', '. SOA ns.test. hostmaster.test. 1 3600 600 86400 300',
             '. NS ns.test.']
    for name, records in dns.items():
        for r in records:
            lines.append('%s. TXT %s' % (name, txt(r)))
    return '\n'.join(lines) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deliver', required=True)
    ap.add_argument('--testdata', required=True)
    a = ap.parse_args()
    path = os.path.join(a.testdata, 'orgdomain.json')
    if not os.path.exists(path):
        print('skipped: no testdata (%s)' % path)
        return 77
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    passed = failed = 0
    for c in data['psl_cases']:
        try:
            got = deliver(a, ['--json', 'dmarc', '--psl', c['domain']])
        except (RuntimeError, ValueError) as e:
            failed += 1
            print('FAIL %s: %s' % (c['id'], e))
            continue
        diffs = []
        if got['psl_org_domain'] != c['psl_org_domain']:
            alt = c.get('ambiguous') and got['psl_org_domain'] == c['domain_alabel']
            if not alt:
                diffs.append('org %s, expected %s' % (got['psl_org_domain'], c['psl_org_domain']))
        if got['public_suffix'] != c['public_suffix'] and not c.get('ambiguous'):
            diffs.append('suffix %s, expected %s' % (got['public_suffix'], c['public_suffix']))
        if 'psl_icann_only_org_domain' in c and \
                got['psl_icann_only_org_domain'] != c['psl_icann_only_org_domain']:
            diffs.append('icann-only org %s, expected %s'
                         % (got['psl_icann_only_org_domain'], c['psl_icann_only_org_domain']))
        if diffs:
            failed += 1
            print('FAIL %s (%s): %s' % (c['id'], c['domain'], '; '.join(diffs)))
        else:
            passed += 1
    work = tempfile.mkdtemp(prefix='deliver-dmarc-org-')
    try:
        for c in data['tree_walk_cases']:
            zf = os.path.join(work, c['id'] + '.zone')
            with open(zf, 'w', encoding='ascii') as f:
                f.write(zone_text(c['dns']))
            try:
                got = deliver(a, ['--zone', zf, '--json', 'dmarc', c['author_domain']])
            except (RuntimeError, ValueError) as e:
                failed += 1
                print('FAIL %s: %s' % (c['id'], e))
                continue
            exp = c['expected']
            queries = [q for q in got['queries'] if q.startswith('_dmarc.')]
            diffs = []
            if queries != exp['queries']:
                diffs.append('queries %s, expected %s' % (queries, exp['queries']))
            for key in ('org_domain', 'policy_domain', 'policy_source'):
                if got[key] != exp[key]:
                    diffs.append('%s %s, expected %s' % (key, got[key], exp[key]))
            if diffs:
                failed += 1
                print('FAIL %s: %s' % (c['id'], '; '.join(diffs)))
            else:
                passed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
