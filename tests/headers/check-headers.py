#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Public header test (STYLE.md section 3; suite 'headers').

Discovers every public header at test time (include/deliver/*.h in the source tree plus the
generated headers in the build tree's include/deliver/) and checks, for each one:

  * its #include lines name only <stddef.h>, <stdint.h> and existing <deliver/...> headers;
  * it has an include guard DELIVER_<NAME>_H (#ifndef/#define first, #endif last), unique
    across the headers;
  * a header that declares anything wraps its declarations in
    `#ifdef __cplusplus / extern "C" { / #endif ... #ifdef __cplusplus / } / #endif`
    (headers made only of preprocessor lines, such as version.h or the umbrella
    deliver.h, need no extern "C");
  * no inline functions and no variadic declarations;
  * it compiles included first and alone (twice, to exercise the guard) as C99 and as C++11
    with -Wall -Wextra -Wpedantic -Werror, with and without -DDELIVER_EXPERIMENTAL_API.

Also: the umbrella deliver.h includes every other public header, and one translation unit
including all headers together compiles in every mode.

Usage: check-headers.py --src-include DIR --build-include DIR
                        --cc CMD... --end --cxx CMD... --end
(--cxx none --end: no C++ compiler; the C checks run, then the test exits 77, skipped.)
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

ALLOWED_SYSTEM = {'stddef.h', 'stdint.h'}
WARN = ['-Wall', '-Wextra', '-Wpedantic', '-Werror']
MODES = [
    ('C99', 'c', ['-std=c99']),
    ('C99 experimental', 'c', ['-std=c99', '-DDELIVER_EXPERIMENTAL_API']),
    ('C++11', 'cpp', ['-std=c++11']),
    ('C++11 experimental', 'cpp', ['-std=c++11', '-DDELIVER_EXPERIMENTAL_API']),
]


def parse_args(argv):
    opts = {'cc': None, 'cxx': None, 'src_include': None, 'build_include': None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ('--cc', '--cxx'):
            j = argv.index('--end', i + 1)
            opts[a[2:]] = argv[i + 1:j]
            i = j + 1
        elif a in ('--src-include', '--build-include'):
            opts[a[2:].replace('-', '_')] = argv[i + 1]
            i += 2
        else:
            sys.exit('check-headers.py: unknown argument %r' % a)
    for k, v in opts.items():
        if not v:
            sys.exit('check-headers.py: missing --%s' % k.replace('_', '-'))
    return opts


def blank_comments(text):
    """Replace comments by spaces (keeping newlines and offsets); string literals are kept."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            i = j + 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != '\n':
                    out[k] = ' '
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = ' '
            i = j
        else:
            i += 1
    return ''.join(out)


def logical_lines(text):
    """(line number, text) with backslash continuations joined."""
    lines = text.split('\n')
    res, i = [], 0
    while i < len(lines):
        start, cur = i + 1, lines[i]
        while cur.endswith('\\') and i + 1 < len(lines):
            i += 1
            cur = cur[:-1] + ' ' + lines[i]
        res.append((start, cur))
        i += 1
    return res


DIRECTIVE = re.compile(r'^\s*#\s*(\w+)\s*(.*?)\s*$')


def static_checks(rel, path, known):
    """Text checks of one header; returns a list of error strings."""
    errors = []
    with open(path, encoding='utf-8') as f:
        text = f.read()
    code = blank_comments(text)
    lines = logical_lines(code)
    directives = []      # (lineno, name, rest)
    code_lines = []      # (lineno, text) of non-directive, non-blank lines
    for no, ln in lines:
        m = DIRECTIVE.match(ln)
        if m:
            directives.append((no, m.group(1), m.group(2)))
        elif ln.strip():
            code_lines.append((no, ln.strip()))

    # Includes.
    for no, name, rest in directives:
        if name != 'include':
            continue
        m = re.fullmatch(r'<([^>]+)>', rest)
        if not m:
            errors.append('%s:%d: #include %s: only <...> includes are allowed' % (rel, no, rest))
            continue
        inc = m.group(1)
        if inc in ALLOWED_SYSTEM:
            continue
        if inc.startswith('deliver/'):
            if inc not in known:
                errors.append('%s:%d: #include <%s>: no such public header' % (rel, no, inc))
            continue
        errors.append('%s:%d: #include <%s>: a public header may include only <stddef.h>, '
                      '<stdint.h> and <deliver/...> (STYLE.md section 3)' % (rel, no, inc))

    # Include guard.
    stem = os.path.basename(rel)[:-2]
    guard = 'DELIVER_%s_H' % re.sub(r'[^A-Za-z0-9]', '_', stem).upper()
    if (len(directives) < 3 or directives[0][1:] != ('ifndef', guard)
            or directives[1][1:] != ('define', guard) or directives[-1][1] != 'endif'):
        errors.append('%s: no include guard: expected "#ifndef %s" and "#define %s" as the '
                      'first directives and "#endif" as the last' % (rel, guard, guard))
    else:
        first, last = directives[0][0], directives[-1][0]
        outside = [no for no, _ in code_lines if no < first or no > last]
        if outside:
            errors.append('%s:%d: code outside the include guard' % (rel, outside[0]))

    # extern "C" around every declaration.
    if code_lines:
        opens = [no for no, ln in code_lines if re.fullmatch(r'extern\s*"C"\s*\{', ln)]
        closes = [no for no, ln in code_lines if ln == '}']

        def wrapped(no):
            prev = [d for d in directives if d[0] < no]
            nxt = [d for d in directives if d[0] > no]
            return (prev and prev[-1][1:] in (('ifdef', '__cplusplus'),
                                             ('if', 'defined(__cplusplus)'))
                    and nxt and nxt[0][1] == 'endif')

        if len(opens) != 1 or not wrapped(opens[0]):
            errors.append('%s: declarations but no `#ifdef __cplusplus / extern "C" { / #endif` '
                          'block (STYLE.md section 3)' % rel)
        else:
            o = opens[0]
            c = [no for no in closes if no > o and wrapped(no)]
            if not c:
                errors.append('%s: extern "C" block opened at line %d is not closed by '
                              '`#ifdef __cplusplus / } / #endif`' % (rel, o))
            else:
                c = c[-1]
                for no, ln in code_lines:
                    if no < o or no > c:
                        errors.append('%s:%d: declaration outside the extern "C" block: %s'
                                      % (rel, no, ln))
                        break
                for no, name, rest in directives:
                    if name == 'include' and o < no < c:
                        errors.append('%s:%d: #include inside the extern "C" block' % (rel, no))

    # No inline functions, no variadic declarations (STYLE.md section 3).
    for no, ln in code_lines:
        if re.search(r'\b(inline|__inline__|__inline)\b', ln):
            errors.append('%s:%d: inline function in a public header: %s' % (rel, no, ln))
        if '...' in ln:
            errors.append('%s:%d: variadic declaration in a public header: %s' % (rel, no, ln))

    # The umbrella header includes every public header.
    if rel == 'deliver/deliver.h':
        included = {re.fullmatch(r'<([^>]+)>', rest).group(1)
                    for _, name, rest in directives
                    if name == 'include' and re.fullmatch(r'<([^>]+)>', rest)}
        for h in sorted(known):
            if h != rel and h not in included:
                errors.append('%s: the umbrella header does not include <%s>' % (rel, h))
    return errors


def compile_one(job):
    cmd, src, label = job
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return label, cmd, p.returncode, p.stdout


def main():
    opts = parse_args(sys.argv[1:])
    dirs = [os.path.abspath(opts['build_include']), os.path.abspath(opts['src_include'])]
    headers = {}   # 'deliver/x.h' -> path (the build tree wins for generated headers)
    for d in reversed(dirs):
        sub = os.path.join(d, 'deliver')
        if os.path.isdir(sub):
            for fn in sorted(os.listdir(sub)):
                if fn.endswith('.h'):
                    headers['deliver/' + fn] = os.path.join(sub, fn)
    if not headers:
        sys.exit('FAIL: no public headers found under %s' % ', '.join(dirs))
    if 'deliver/deliver.h' not in headers:
        sys.exit('FAIL: no umbrella header deliver/deliver.h')
    if 'deliver/version.h' not in headers:
        sys.exit('FAIL: the generated deliver/version.h is not in %s (is the tree built?)'
                 % opts['build_include'])
    print('public headers (%d): %s' % (len(headers), ' '.join(sorted(headers))))

    errors = []
    guards = {}
    for rel, path in sorted(headers.items()):
        errs = static_checks(rel, path, headers)
        errors += errs
        g = 'DELIVER_%s_H' % os.path.basename(rel)[:-2].upper()
        guards.setdefault(g, []).append(rel)
        print('%s %s: includes, include guard, extern "C", no inline/variadic'
              % ('ok  ' if not errs else 'FAIL', rel))
    for g, rels in guards.items():
        if len(rels) > 1:
            errors.append('include guard %s used by %s' % (g, ', '.join(rels)))

    inc_args = ['-I' + d for d in dirs]
    jobs = []
    with tempfile.TemporaryDirectory(prefix='deliver-headers-') as tmp:
        units = [(rel, ['#include <%s>\n' % rel, '#include <%s>\n' % rel])
                 for rel in sorted(headers)]
        units.append(('(all headers together)',
                      ['#include <%s>\n' % rel for rel in sorted(headers)]))
        for n, (rel, incs) in enumerate(units):
            body = ''.join(incs) + 'typedef int deliver_header_test_%d;\n' % n
            for mode, ext, flags in MODES:
                src = os.path.join(tmp, 'h%d-%s.%s' % (n, mode.replace(' ', '-')
                                                       .replace('+', 'x'), ext))
                with open(src, 'w') as f:
                    f.write(body)
                comp = opts['cc'] if ext == 'c' else opts['cxx']
                if comp == ['none']:
                    continue
                cmd = comp + flags + WARN + inc_args + ['-c', src, '-o', src + '.o']
                jobs.append((cmd, src, '%s as %s' % (rel, mode)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            results = list(ex.map(compile_one, jobs))
    for label, cmd, rc, out in results:
        if rc == 0:
            print('ok   compiles alone: %s' % label)
        else:
            print('FAIL compiles alone: %s' % label)
            errors.append('%s does not compile:\n  $ %s\n%s'
                          % (label, ' '.join(cmd), '\n'.join('  ' + l for l in
                                                             out.rstrip().split('\n'))))
    if errors:
        print('\n%d problem(s):' % len(errors), file=sys.stderr)
        for e in errors:
            print('  ' + e, file=sys.stderr)
        sys.exit(1)
    print('all %d headers pass (%d compilations)' % (len(headers), len(results)))
    if opts['cxx'] == ['none']:
        print('skipped: the C++ compiles (no C++ compiler found: install g++ or clang++)')
        sys.exit(77)


if __name__ == '__main__':
    main()
