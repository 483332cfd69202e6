#!/usr/bin/env python3
"""Sums meson-logs/testlog.json over build folders; the last line is 'N passed, N failed, N skipped'."""
import json
import os
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}

passed = failed = skipped = 0
missing = []
for build in sys.argv[1:]:
    path = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        missing.append(build)
        continue
    p = f = s = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            result = json.loads(line).get("result")
            if result in PASSED:
                p += 1
            elif result in SKIPPED:
                s += 1
            else:
                f += 1
    print(f"{build}: {p} passed, {f} failed, {s} skipped")
    passed, failed, skipped = passed + p, failed + f, skipped + s
for build in missing:
    print(f"{build}: no test log (the build did not get as far as its tests)")
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
