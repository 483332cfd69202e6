#!/usr/bin/env python3
"""Runs ../shared/testdata/dmarc/records.json through `deliver dmarc --record`, in RFC 7489
and RFC 9989 mode. A case marked ambiguous passes with either listed answer (its own mode's
column, or the other column's verdict). Prints one line per failure, then
'N passed, N failed'. Exit 0 only when nothing failed; 77 without testdata."""
import argparse
import json
import os
import subprocess
import sys

MODES = ('rfc7489', 'rfc9989')


def run(deliver, texts, mode):
    cmd = [deliver, '--json', 'dmarc', '--mode', mode]
    for t in texts:
        cmd += ['--record', t]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        raise RuntimeError('exit %d: %s' % (p.returncode, p.stderr.decode(errors='replace')))
    return json.loads(p.stdout)


def compare(exp, got):
    """A list of differences between an expected column and the tool's output."""
    diffs = []
    if exp['valid'] != got['valid']:
        return ['valid %s, expected %s' % (got['valid'], exp['valid'])]
    if exp.get('error') != got['error']:
        diffs.append('error %s, expected %s' % (got['error'], exp.get('error')))
    if 'dmarc_records_found' in exp and exp['dmarc_records_found'] != got['dmarc_records_found']:
        diffs.append('dmarc_records_found %s, expected %s'
                     % (got['dmarc_records_found'], exp['dmarc_records_found']))
    if exp['valid'] and exp.get('policy_fallback') is not None \
            and exp['policy_fallback'] != got['policy_fallback']:
        diffs.append('policy_fallback %s' % got['policy_fallback'])
    for key, val in (exp.get('tags') or {}).items():
        if got['tags'].get(key) != val:
            diffs.append('%s=%s, expected %s' % (key, json.dumps(got['tags'].get(key)),
                                                 json.dumps(val)))
    for key in ('ignored_tags', 'invalid_values', 'invalid_uris'):
        if exp.get(key) is not None and sorted(exp[key]) != sorted(got[key]):
            diffs.append('%s %s, expected %s' % (key, got[key], exp[key]))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deliver', required=True)
    ap.add_argument('--testdata', required=True)
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    path = os.path.join(a.testdata, 'records.json')
    if not os.path.exists(path):
        print('skipped: no testdata (%s)' % path)
        return 77
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    cases = [(c['id'], [c['record']], c) for c in data['cases']]
    cases += [(c['id'], [''.join(rr) for rr in c['txt_rrset']], c) for c in data['rrsets']]
    passed = failed = alt = 0
    for cid, texts, case in cases:
        for mode in MODES:
            try:
                got = run(a.deliver, texts, mode)
            except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
                failed += 1
                print('FAIL %s [%s]: %s' % (cid, mode, e))
                continue
            diffs = compare(case[mode], got)
            if diffs and case.get('ambiguous'):
                other = case[MODES[1 - MODES.index(mode)]]
                if got['valid'] == other['valid'] and got['error'] == other.get('error'):
                    diffs = []
                    alt += 1
            if diffs:
                failed += 1
                print('FAIL %s [%s] %r: %s' % (cid, mode, texts[0][:60], '; '.join(diffs)))
                if a.verbose:
                    print('     ' + json.dumps(got))
            else:
                passed += 1
    if alt:
        print('note: %d ambiguous cases matched the other reading' % alt)
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main())
