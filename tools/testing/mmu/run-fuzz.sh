#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run one libFuzzer target for a bounded time and print
#   fuzz[TARGET]: N execs, M crashes
# Usage: run-fuzz.sh TARGET BUILD_DIR SECONDS
set -u
t=$1
b=$2
secs=$3
dir=$b/fuzz-$t.d
mkdir -p "$dir/corpus" "$dir/artifacts"
log=$dir/last.log
before=$(ls "$dir/artifacts" | wc -l)

"$b/fuzz-$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n1)
[ -n "$execs" ] || execs=0
crashes=$(( $(ls "$dir/artifacts" | wc -l) - before ))
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$log"
	[ "$crashes" -gt 0 ] || crashes=1
fi
echo "fuzz[$t]: $execs execs, $crashes crashes"
[ "$crashes" -eq 0 ]
