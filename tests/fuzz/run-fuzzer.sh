#!/bin/sh
# Runs one libFuzzer target for a fixed time: run-fuzzer.sh BINARY SEED_DIR WORK_DIR
# New inputs go to WORK_DIR (the seed folder in the source tree is only read); a crash
# leaves its reproducer in WORK_DIR, to be added to the seeds once fixed.
# FUZZ_SECONDS sets the time per target (default 30).
set -eu
bin=$1 seeds=$2 work=$3
mkdir -p "$work/corpus"
exec "$bin" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
