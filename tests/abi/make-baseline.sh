#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Write the ABI baseline tests/abi/libdeliver.abi: the abidw dump of the built library,
# restricted to the types of the public headers.
#
# When to run it: at release time only, once per release, on the commit that is tagged as the
# release (vX.Y.Z), from a build with debug information (the default buildtype
# debugoptimized, or debug), and commit the new baseline together with that release. Between
# releases the file stays what the last release shipped, so that check-abidiff.sh compares
# the work in progress against it; never regenerate it to make an abidiff failure go away.
# The first baseline is written when 0.1.0 is released (until then the abidiff test skips).
#
# Usage: tests/abi/make-baseline.sh [-o OUTPUT] [BUILDDIR]
#   BUILDDIR  the meson build directory (default: build, relative to the source root)
#   OUTPUT    where to write the dump (default: tests/abi/libdeliver.abi)
#   DELIVER_ABI_LIB in the environment names the library to dump (default
#   BUILDDIR/lib/libdeliver.so); check-abidiff.sh uses this script for its dumps too, so the
#   baseline and the current dump are always made with the same abidw options.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srcroot=$(cd "$here/../.." && pwd)
out="$srcroot/tests/abi/libdeliver.abi"
if [ "${1:-}" = "-o" ]; then
    out=$2
    shift 2
fi
builddir=${1:-build}
case $builddir in /*) ;; *) builddir="$srcroot/$builddir" ;; esac
lib=${DELIVER_ABI_LIB:-$builddir/lib/libdeliver.so}
if [ ! -e "$lib" ]; then
    echo "make-baseline.sh: $lib does not exist: build first (ninja -C $builddir)" >&2
    exit 1
fi
if [ ! -f "$builddir/include/deliver/version.h" ]; then
    echo "make-baseline.sh: $builddir/include/deliver/version.h is missing" >&2
    exit 1
fi
# Debug information is needed for types; without it abidw only records the symbols.
if ! readelf -S "$lib" 2>/dev/null | grep -q '\.debug_info'; then
    echo "make-baseline.sh: warning: $lib has no debug information; the dump holds" \
         "symbols only" >&2
fi
exec abidw --headers-dir "$srcroot/include/deliver" \
           --headers-dir "$builddir/include/deliver" \
           --drop-private-types --no-corpus-path --no-comp-dir-path --short-locs \
           --out-file "$out" "$lib"
