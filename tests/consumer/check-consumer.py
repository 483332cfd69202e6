#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""pkg-config consumer of an installed libdeliver (suite 'consumer').

  1. `meson install --no-rebuild --destdir TMP` of the build tree, so the files land in
     TMP + prefix (the configured prefix, e.g. /usr/local);
  2. checks the installed tree: every public header (source include/deliver/*.h and the
     generated ones) under include/deliver/, libdeliver.so + the SONAME link, libdeliver.pc
     with Requires.private naming ldns, openssl, libidn2 and libpsl, the `deliver` program in bin/
     and its man page (when the examples are built);
  3. with PKG_CONFIG_PATH=<installed pkgconfig dir> and PKG_CONFIG_SYSROOT_DIR=TMP (the .pc
     is not edited), compiles a copy of consumer.c with only
     `cc consumer.c -o consumer $(pkg-config --cflags --libs libdeliver)`, and checks that
     no flag points into the source or build tree;
  4. runs it with LD_LIBRARY_PATH=<installed libdir> (checking with ldd that the installed
     library is the one loaded); consumer.c checks versions and a zone-text DNS lookup.
TMP is removed afterwards (set DELIVER_KEEP_TMP=1 to keep it).

Usage: check-consumer.py --meson CMD... --end --cc CMD... --end --builddir DIR
         --srcdir DIR --source consumer.c --prefix P --libdir L --bindir B
         --includedir I --mandir M --soname S --examples true|false
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

errors = []


def check(ok, what, detail=''):
    print('%s %s' % ('ok  ' if ok else 'FAIL', what))
    if not ok:
        errors.append(what + (':\n    ' + detail.replace('\n', '\n    ') if detail else ''))
    return ok


def parse_args(argv):
    o = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith('--'):
            sys.exit('check-consumer.py: unexpected argument %r' % a)
        key = a[2:].replace('-', '_')
        if key in ('meson', 'cc'):
            j = argv.index('--end', i + 1)
            o[key] = argv[i + 1:j]
            i = j + 1
        else:
            o[key] = argv[i + 1]
            i += 2
    need = ('meson', 'cc', 'builddir', 'srcdir', 'source', 'prefix', 'libdir', 'bindir',
            'includedir', 'mandir', 'soname', 'examples')
    missing = [k for k in need if not o.get(k)]
    if missing:
        sys.exit('check-consumer.py: missing ' + ', '.join('--' + k for k in missing))
    return o


def run(cmd, env=None, cwd=None):
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, cwd=cwd)
    return p.returncode, p.stdout


def under(root, prefix, d):
    """DESTDIR + the installed location of option value d (relative to prefix or absolute)."""
    full = d if os.path.isabs(d) else os.path.join(prefix, d)
    return os.path.join(root, os.path.normpath(full).lstrip('/'))


def main():
    o = parse_args(sys.argv[1:])
    builddir = os.path.realpath(o['builddir'])
    srcdir = os.path.realpath(o['srcdir'])
    tmp = tempfile.mkdtemp(prefix='deliver-consumer-')
    try:
        test(o, tmp, builddir, srcdir)
    finally:
        if os.environ.get('DELIVER_KEEP_TMP'):
            print('kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        print('\n%d problem(s):' % len(errors), file=sys.stderr)
        for e in errors:
            print('  ' + e, file=sys.stderr)
        sys.exit(1)
    print('consumer: installed tree, pkg-config build and run all pass')


def test(o, tmp, builddir, srcdir):
    destdir = os.path.join(tmp, 'destdir')
    prefix = o['prefix']
    rc, out = run(o['meson'] + ['install', '-C', builddir, '--no-rebuild', '--destdir',
                                destdir])
    if not check(rc == 0, 'meson install --destdir into %s (prefix %s)' % (destdir, prefix),
                 out[-4000:]):
        return
    libdir = under(destdir, prefix, o['libdir'])
    incdir = under(destdir, prefix, o['includedir'])
    bindir = under(destdir, prefix, o['bindir'])
    mandir = under(destdir, prefix, o['mandir'])
    pcdir = os.path.join(libdir, 'pkgconfig')

    # ---- the installed tree ------------------------------------------------------------
    public = set()
    for d in (os.path.join(srcdir, 'include', 'deliver'),
              os.path.join(builddir, 'include', 'deliver')):
        if os.path.isdir(d):
            public |= {f for f in os.listdir(d) if f.endswith('.h')}
    check('deliver.h' in public and 'version.h' in public,
          'public headers found: %s' % ' '.join(sorted(public)))
    missing = sorted(h for h in public
                     if not os.path.isfile(os.path.join(incdir, 'deliver', h)))
    check(not missing, 'every public header is installed in %s/deliver' % incdir,
          'not installed: ' + ' '.join(missing))
    installed = sorted(os.listdir(os.path.join(incdir, 'deliver'))) \
        if os.path.isdir(os.path.join(incdir, 'deliver')) else []
    extra = sorted(set(installed) - public)
    check(not extra, 'nothing but the public headers is installed in include/deliver',
          ' '.join(extra))
    for f in ('libdeliver.so', o['soname']):
        check(os.path.exists(os.path.join(libdir, f)), '%s installed in %s' % (f, libdir))
    pc = os.path.join(pcdir, 'libdeliver.pc')
    if check(os.path.isfile(pc), 'libdeliver.pc installed in %s' % pcdir):
        with open(pc) as f:
            fields = dict(l.split(':', 1) for l in f.read().splitlines()
                          if ':' in l and '=' not in l.split(':', 1)[0])
        req = [r.split()[0] for r in fields.get('Requires.private', '').split(',')
               if r.strip()]
        print('     Requires.private: %s' % fields.get('Requires.private', '').strip())
        absent = [d for d in ('ldns', 'openssl', 'libidn2', 'libpsl') if d not in req]
        check(not absent, 'libdeliver.pc Requires.private names ldns, openssl, libidn2 and libpsl',
              'missing: ' + ' '.join(absent))
        public_req = [r for r in fields.get('Requires', '').split(',') if r.strip()]
        check(not public_req, 'libdeliver.pc has no public Requires (no dependency types '
              'in the headers)', fields.get('Requires', ''))
    if o['examples'] == 'true':
        exe = os.path.join(bindir, 'deliver')
        check(os.path.isfile(exe) and os.access(exe, os.X_OK),
              'the deliver program is installed in %s' % bindir)
        man = [os.path.join(mandir, 'man1', n) for n in ('deliver.1', 'deliver.1.gz')]
        check(any(os.path.isfile(m) for m in man),
              'its man page is installed in %s/man1' % mandir)
    else:
        print('skip the deliver program and its man page (-Dexamples=false)')

    # ---- build the consumer with pkg-config only ----------------------------------------
    env = dict(os.environ)
    env['PKG_CONFIG_PATH'] = pcdir
    env['PKG_CONFIG_SYSROOT_DIR'] = destdir
    env.pop('LD_LIBRARY_PATH', None)
    pkgconfig = env.get('PKG_CONFIG', 'pkg-config')
    print('PKG_CONFIG_PATH=%s PKG_CONFIG_SYSROOT_DIR=%s' % (pcdir, destdir))
    rc, flags = run([pkgconfig, '--cflags', '--libs', 'libdeliver'], env=env)
    if not check(rc == 0, 'pkg-config --cflags --libs libdeliver', flags):
        return
    flags = flags.strip()
    print('     flags: %s' % flags)
    leaks = [f for f in shlex.split(flags) if f[:2] in ('-I', '-L')
             and any((os.path.realpath(f[2:]) + '/').startswith(t + '/')
                     for t in (srcdir, builddir))]
    check(not leaks, 'no pkg-config flag points into the source or build tree', ' '.join(leaks))
    check('-I' + incdir in shlex.split(flags) and '-L' + libdir in shlex.split(flags),
          'the flags name the installed include and lib directories', flags)
    work = os.path.join(tmp, 'work')
    os.mkdir(work)
    src = os.path.join(work, 'consumer.c')
    shutil.copyfile(o['source'], src)
    exe = os.path.join(work, 'consumer')
    rc, out = run(o['cc'] + [src, '-o', exe] + shlex.split(flags), env=env, cwd=work)
    if not check(rc == 0, 'cc consumer.c $(pkg-config --cflags --libs libdeliver)', out):
        return

    # ---- run it against the installed library -------------------------------------------
    env['LD_LIBRARY_PATH'] = libdir
    rc, out = run(['ldd', exe], env=env)
    line = [l for l in out.splitlines() if o['soname'] in l]
    resolved = line[0].split('=>')[1].split('(')[0].strip() if line and '=>' in line[0] else ''
    check(resolved.startswith(libdir + '/'),
          '%s resolves to the installed copy in %s' % (o['soname'], libdir), out)
    # a library built with sanitizers needs their runtimes loaded first into a program built
    # without them: tests/meson.build names them in DELIVER_TEST_PRELOAD for such builds
    run_env = dict(env)
    if os.environ.get('DELIVER_TEST_PRELOAD'):
        run_env['LD_PRELOAD'] = os.environ['DELIVER_TEST_PRELOAD']
    rc, out = run([exe], env=run_env, cwd=work)
    print(out.rstrip())
    check(rc == 0, 'consumer runs and its checks pass (exit %d)' % rc)


if __name__ == '__main__':
    main()
