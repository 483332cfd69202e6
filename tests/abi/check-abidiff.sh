#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# abidiff of the built library against the last release's baseline (STYLE.md section 11;
# suite 'abi'). Exit bit 8 (incompatible change) fails, and so does a report with removed or
# changed functions/variables; bit 4 with additions only passes. Changes to
# DELIVER_EXPERIMENTAL symbols are suppressed by experimental.suppr. Exits 77 (skipped)
# while there is no baseline.
#
# Usage: check-abidiff.sh LIB BUILDDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$1
builddir=$2
baseline="$here/libdeliver.abi"
suppr="$here/experimental.suppr"

if [ ! -f "$baseline" ]; then
    echo "skipped: no ABI baseline (tests/abi/libdeliver.abi) yet: none is released"
    exit 77
fi
for tool in abidw abidiff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "skipped: $tool not found (install libabigail, Debian package abigail-tools)"
        exit 77
    fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/deliver-abidiff.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "dumping $lib with abidw"
if ! DELIVER_ABI_LIB="$lib" sh "$here/make-baseline.sh" -o "$tmp/current.abi" "$builddir"; then
    echo "FAIL: abidw could not dump $lib"
    exit 1
fi
echo "abidiff --suppressions $suppr $baseline <current>"
abidiff --suppressions "$suppr" "$baseline" "$tmp/current.abi" >"$tmp/report" 2>&1
rc=$?
cat "$tmp/report"
if [ $((rc & 3)) -ne 0 ]; then
    echo "FAIL: abidiff exit $rc: abidiff itself failed (error or usage)"
    exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
    echo "FAIL: abidiff exit $rc: INCOMPATIBLE ABI change against the last release (see above)"
    exit 1
fi
# abidiff sets only bit 4 for some changes that still break callers (a changed enumerator
# value, a changed parameter type of a stable function); STYLE.md section 11 allows additions
# only, so any removed or changed (not filtered out) function, variable or symbol fails too.
changed=$(grep -E '^[A-Za-z ]*changes summary:' "$tmp/report" |
          grep -E '(^|[^0-9])[1-9][0-9]* (Removed|Changed)' || true)
if [ -n "$changed" ]; then
    echo "$changed"
    echo "FAIL: abidiff exit $rc: stable functions or variables were removed or changed" \
         "(only additions are allowed within a SONAME; see above)"
    exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
    echo "ok: abidiff exit $rc: compatible changes only (additions)"
else
    echo "ok: abidiff exit $rc: no ABI change"
fi
exit 0
