#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Exported symbols, map file and SONAME (STYLE.md section 11; suite 'abi').

  * lib/libdeliver.map is well formed: nodes DELIVER_<major>.<minor> in increasing order,
    each inheriting the one before, then a standalone DELIVER_EXPERIMENTAL node; explicit
    names only (the one wildcard is `local: *;` in the first node); no empty node; no name
    twice;
  * `nm -D --defined-only` of the built library (version-node `A` entries dropped, @@NODE
    suffixes stripped) is exactly the set of names in the map's global: lists, and each
    symbol carries the version node the map gives it;
  * every exported name starts with deliver_;
  * every map name is declared with DELIVER_API in a public header and vice versa, once;
    declarations inside #ifdef DELIVER_EXPERIMENTAL_API are in DELIVER_EXPERIMENTAL and the
    others are not; no function is declared in a public header without DELIVER_API;
  * the SONAME is the one given on the command line (libdeliver.so.<major>).

Usage: check-symbols.py --lib LIB --map MAP --src-include DIR --build-include DIR
                        --soname NAME [--nm NM] [--readelf READELF]
"""
import argparse
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pubapi  # noqa: E402

EXPERIMENTAL = 'DELIVER_EXPERIMENTAL'
NODE_RE = re.compile(r'^DELIVER_(\d+)\.(\d+)$')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--map', required=True)
    ap.add_argument('--src-include', required=True)
    ap.add_argument('--build-include', required=True)
    ap.add_argument('--soname', required=True)
    ap.add_argument('--nm', default='nm')
    ap.add_argument('--readelf', default='readelf')
    a = ap.parse_args()
    errors = []

    def check(ok, what, detail=''):
        print('%s %s' % ('ok  ' if ok else 'FAIL', what))
        if not ok:
            errors.append(what + (':\n    ' + detail.replace('\n', '\n    ') if detail else ''))

    # ---- map form -------------------------------------------------------------------------
    nodes, errs = pubapi.parse_map(a.map)
    for e in errs:
        check(False, e)
    numbered = [n for n in nodes if NODE_RE.match(n.name)]
    others = [n for n in nodes if not NODE_RE.match(n.name) and n.name != EXPERIMENTAL]
    check(not others, 'map: node names are DELIVER_<major>.<minor> or %s' % EXPERIMENTAL,
          ', '.join('%s (line %d)' % (n.name, n.line) for n in others))
    check(bool(numbered) and nodes[0] is numbered[0],
          'map: the first node is a release node (DELIVER_<major>.<minor>)',
          'nodes: ' + ', '.join(n.name for n in nodes))
    vers = [tuple(map(int, NODE_RE.match(n.name).groups())) for n in numbered]
    check(vers == sorted(set(vers)), 'map: release nodes in increasing version order, '
          'each once', ', '.join(n.name for n in numbered))
    bad_parent = ['%s inherits %s, expected %s' % (n.name, n.parent, p)
                  for n, p in zip(numbered, [None] + [m.name for m in numbered[:-1]])
                  if n.parent != p]
    check(not bad_parent, 'map: each release node inherits the one before it (the first '
          'none)', '\n'.join(bad_parent))
    exp_nodes = [n for n in nodes if n.name == EXPERIMENTAL]
    check(len(exp_nodes) <= 1, 'map: at most one %s node' % EXPERIMENTAL)
    for n in exp_nodes:
        check(n.parent is None and n is nodes[-1],
              'map: %s is the last node and inherits nothing' % EXPERIMENTAL,
              'parent %s; nodes: %s' % (n.parent, ', '.join(m.name for m in nodes)))
    empty = [n.name for n in nodes if not n.globals]
    check(not empty, 'map: no node with an empty global: list (GNU ld rejects it)',
          ', '.join(empty))
    locals_ok = (bool(nodes) and [p for p, _ in nodes[0].locals] == ['*']
                 and all(not n.locals for n in nodes[1:]))
    check(locals_ok, 'map: exactly one local: list, "local: *;" in the first node',
          '\n'.join('%s local: %s' % (n.name, ' '.join(p for p, _ in n.locals))
                    for n in nodes if n.locals))
    wild = ['line %d: %s' % (ln, s) for n in nodes for s, ln in n.globals
            if re.search(r'[*?\[\]"]', s)]
    check(not wild, 'map: global names are explicit (no wildcards or quoted patterns)',
          '\n'.join(wild))
    map_node = {}
    dups = []
    for n in nodes:
        for s, ln in n.globals:
            if s in map_node:
                dups.append('%s in %s and %s (line %d)' % (s, map_node[s], n.name, ln))
            else:
                map_node[s] = n.name
    check(not dups, 'map: no name listed twice', '\n'.join(dups))
    print('     map: %d names in %s' % (len(map_node), ', '.join(
        '%s (%d)' % (n.name, len(n.globals)) for n in nodes)))

    # ---- exported symbols -------------------------------------------------------------------
    p = subprocess.run([a.nm, '-D', '--defined-only', a.lib], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit('FAIL: %s -D --defined-only %s failed:\n%s' % (a.nm, a.lib, p.stderr))
    exported = {}
    for ln in p.stdout.splitlines():
        f = ln.split()
        if len(f) < 3:
            continue
        typ, sym = f[-2], f[-1]
        if typ == 'A':
            continue                       # version node definitions
        name, _, ver = sym.partition('@')
        exported[name] = ver.lstrip('@') or None
    print('     %s exports %d symbols' % (os.path.basename(a.lib), len(exported)))
    check(bool(exported), 'library exports symbols')
    notmap = sorted(set(exported) - set(map_node))
    check(not notmap, 'every exported symbol is listed in the map', '\n'.join(notmap))
    notexp = sorted(set(map_node) - set(exported))
    check(not notexp, 'every map name is exported by the library (defined in lib/)',
          '\n'.join(notexp))
    prefix = sorted(s for s in set(exported) | set(map_node) if not s.startswith('deliver_'))
    check(not prefix, 'every exported/map name starts with deliver_', '\n'.join(prefix))
    wrongver = sorted('%s@%s, map says %s' % (s, v, map_node[s]) for s, v in exported.items()
                      if s in map_node and v is not None and v != map_node[s])
    check(not wrongver, 'every exported symbol carries the version node the map gives it',
          '\n'.join(wrongver))

    # ---- headers vs map ---------------------------------------------------------------------
    headers, decls, errs = pubapi.parse_all(a.src_include, a.build_include)
    for e in errs:
        check(False, e)
    print('     %d public headers: %s' % (len(headers), ' '.join(sorted(headers))))
    api = [d for d in decls if d.kind == 'api']
    print('     %d DELIVER_API declarations (%d experimental)'
          % (len(api), sum(d.experimental for d in api)))
    noname = ['%s: %s' % (d.where(), d.text) for d in api if not d.name]
    check(not noname, 'every DELIVER_API declaration names something', '\n'.join(noname))
    plain = ['%s: %s' % (d.where(), d.text) for d in decls
             if d.kind == 'other' and '(' in d.text]
    check(not plain, 'no function declared in a public header without DELIVER_API',
          '\n'.join(plain))
    declared = {}
    twice = []
    for d in api:
        if d.name in declared:
            twice.append('%s: %s, also at %s' % (d.where(), d.name, declared[d.name].where()))
        else:
            declared[d.name] = d
    check(not twice, 'every DELIVER_API name is declared once', '\n'.join(twice))
    unclear = ['%s: %s %s' % (d.where(), d.name, d.cond_error) for d in api if d.cond_error]
    check(not unclear, 'every DELIVER_API declaration is plainly inside or outside '
          '#ifdef DELIVER_EXPERIMENTAL_API', '\n'.join(unclear))
    undeclared = sorted('%s (%s)' % (s, n) for s, n in map_node.items() if s not in declared)
    check(not undeclared, 'every map name is declared with DELIVER_API in a public header',
          '\n'.join(undeclared))
    unmapped = sorted((d.header, d.line, s) for s, d in declared.items() if s not in map_node)
    check(not unmapped, 'every DELIVER_API declaration is in the map',
          '\n'.join('%s:%d: %s' % u for u in unmapped))
    misplaced = []
    for s, d in sorted(declared.items()):
        if s not in map_node:
            continue
        if d.experimental and map_node[s] != EXPERIMENTAL:
            misplaced.append('%s: %s is declared under DELIVER_EXPERIMENTAL_API but is in %s'
                             % (d.where(), s, map_node[s]))
        if not d.experimental and map_node[s] == EXPERIMENTAL:
            misplaced.append('%s: %s is in %s but not declared under '
                             '#ifdef DELIVER_EXPERIMENTAL_API' % (d.where(), s, EXPERIMENTAL))
    check(not misplaced, 'experimental declarations <-> %s node' % EXPERIMENTAL,
          '\n'.join(misplaced))

    # ---- SONAME -----------------------------------------------------------------------------
    p = subprocess.run([a.readelf, '-d', a.lib], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    sonames = re.findall(r'\(SONAME\)\s+Library soname: \[([^\]]+)\]', p.stdout)
    check(sonames == [a.soname], 'SONAME is %s' % a.soname,
          'readelf -d says %s' % (sonames or 'nothing' + p.stderr))

    if errors:
        print('\n%d problem(s):' % len(errors), file=sys.stderr)
        for e in errors:
            print('  ' + e, file=sys.stderr)
        sys.exit(1)
    print('symbols, map and SONAME agree')


if __name__ == '__main__':
    main()
