#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Documentation and status codes (STYLE.md sections 4, 6, 14; suite 'abi').

  * every DELIVER_API declaration and every public typedef has a doc comment (/** ... */)
    immediately before it, containing "@since <major>.<minor>";
  * a stable symbol's @since is the release of its map node (DELIVER_0.1 -> @since 0.1);
    an experimental one's doc comment says "experimental";
  * every public enum gives every value explicitly;
  * every value of enum deliver_status (include/deliver/common.h) has a distinct explicit
    integer value, and deliver_strerror() of the built library returns a text for it that is
    neither NULL nor "unknown status" (nor the text it gives an unknown value); for an
    unknown value it returns a non-NULL text;
  * every DELIVER_E_* / DELIVER_OK / DELIVER_PENDING named anywhere in the headers (doc
    comments included) is a value of deliver_status.

Usage: check-docs.py --lib LIB --map MAP --src-include DIR --build-include DIR
"""
import argparse
import ctypes
import os
import re
import sys

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pubapi  # noqa: E402

SINCE = re.compile(r'@since\s+(\d+)\.(\d+)')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--map', required=True)
    ap.add_argument('--src-include', required=True)
    ap.add_argument('--build-include', required=True)
    a = ap.parse_args()
    errors = []

    def check(ok, what, detail=''):
        print('%s %s' % ('ok  ' if ok else 'FAIL', what))
        if not ok:
            errors.append(what + (':\n    ' + detail.replace('\n', '\n    ') if detail else ''))

    headers, decls, errs = pubapi.parse_all(a.src_include, a.build_include)
    for e in errs:
        check(False, e)
    nodes, errs = pubapi.parse_map(a.map)
    for e in errs:
        check(False, e)
    map_node = {s: n.name for n in nodes for s, _ in n.globals}

    api = [d for d in decls if d.kind == 'api']
    typedefs = [d for d in decls if d.kind == 'typedef']
    print('     %d headers, %d DELIVER_API declarations, %d typedefs'
          % (len(headers), len(api), len(typedefs)))

    # ---- doc comments -------------------------------------------------------------------
    nodoc = ['%s: %s' % (d.where(), d.name or d.text[:60]) for d in api + typedefs
             if d.doc is None]
    check(not nodoc, 'every DELIVER_API declaration and typedef has a /** */ doc comment '
          'immediately before it', '\n'.join(nodoc))
    nosince = ['%s: %s' % (d.where(), d.name or d.text[:60]) for d in api + typedefs
               if d.doc is not None and not SINCE.search(d.doc)]
    check(not nosince, 'every doc comment of a DELIVER_API declaration or typedef has '
          '"@since <major>.<minor>"', '\n'.join(nosince))
    mism = []
    for d in api:
        m = SINCE.search(d.doc or '')
        if not m or d.name not in map_node:
            continue
        node = map_node[d.name]
        if node == 'DELIVER_EXPERIMENTAL':
            if 'experimental' not in d.doc.lower():
                mism.append('%s: %s is in DELIVER_EXPERIMENTAL but its doc comment does not '
                            'say "experimental"' % (d.where(), d.name))
        elif node != 'DELIVER_%s.%s' % m.groups():
            mism.append('%s: %s says @since %s.%s but is in map node %s'
                        % (d.where(), d.name, m.group(1), m.group(2), node))
    check(not mism, '@since agrees with the map node (experimental ones say so)',
          '\n'.join(mism))

    # ---- enums --------------------------------------------------------------------------
    enums = {}
    for d in decls:
        if d.kind in ('typedef', 'enum') and re.match(r'(typedef\s+)?enum\b', d.text):
            enums[d.name] = (d, pubapi.enum_members(d))
    implicit = ['%s: %s.%s' % (d.where(), name, m) for name, (d, ms) in sorted(enums.items())
                for m, v in ms if v is None]
    check(not implicit, 'every value of the %d public enums is explicit' % len(enums),
          '\n'.join(implicit))

    if 'deliver_status' not in enums:
        check(False, 'enum deliver_status is declared in the public headers')
        finish(errors)
    sd, members = enums['deliver_status']
    check(sd.header == 'deliver/common.h', 'deliver_status is declared in deliver/common.h',
          sd.where())
    values = {}
    bad = []
    for m, v in members:
        try:
            values[m] = int(v.strip('()').replace(' ', ''), 0)
        except (ValueError, AttributeError):
            bad.append('%s = %s' % (m, v))
    check(not bad, 'every deliver_status value is an integer literal', '\n'.join(bad))
    seen = {}
    dup = []
    for m, v in values.items():
        if v in seen:
            dup.append('%s and %s are both %d' % (seen[v], m, v))
        seen[v] = m
    check(not dup, 'deliver_status values are distinct (%d values)' % len(values),
          '\n'.join(dup))
    check(values.get('DELIVER_OK') == 0, 'DELIVER_OK is 0')
    wrongsign = [m for m, v in values.items() if m.startswith('DELIVER_E_') and v >= 0]
    check(not wrongsign, 'every DELIVER_E_* value is negative', ' '.join(wrongsign))

    mentioned = {}
    for rel, path in headers.items():
        with open(path, encoding='utf-8') as f:
            for no, ln in enumerate(f, 1):
                for m in re.findall(r'\bDELIVER_(?:E_[A-Z0-9_]+|OK|PENDING)\b', ln):
                    mentioned.setdefault(m, '%s:%d' % (rel, no))
    unknown = sorted('%s: %s' % (w, m) for m, w in mentioned.items() if m not in values)
    check(not unknown, 'every status code named in the headers is a deliver_status value',
          '\n'.join(unknown))

    # ---- deliver_strerror() of the built library ----------------------------------------
    lib = ctypes.CDLL(os.path.abspath(a.lib))
    fn = lib.deliver_strerror
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_int]
    probe = min(values.values()) - 1000
    unknown_text = fn(probe)
    check(unknown_text is not None, 'deliver_strerror(%d) (an unknown value) is not NULL'
          % probe)
    unknown_text = (unknown_text or b'').decode('utf-8', 'replace')
    print('     deliver_strerror(%d) = "%s"' % (probe, unknown_text))
    notext = []
    for m, v in sorted(values.items(), key=lambda kv: -kv[1]):
        t = fn(v)
        t = None if t is None else t.decode('utf-8', 'replace')
        print('     deliver_strerror(%s = %d) = %s' % (m, v, 'NULL' if t is None else
                                                       '"%s"' % t))
        if not t or t == 'unknown status' or t == unknown_text:
            notext.append('%s (%d): %s' % (m, v, 'NULL' if t is None else '"%s"' % t))
    check(not notext, 'deliver_strerror() has a text for every deliver_status value',
          '\n'.join(notext))
    finish(errors)


def finish(errors):
    if errors:
        print('\n%d problem(s):' % len(errors), file=sys.stderr)
        for e in errors:
            print('  ' + e, file=sys.stderr)
        sys.exit(1)
    print('documentation and status codes agree')
    sys.exit(0)


if __name__ == '__main__':
    main()
