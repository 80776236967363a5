#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the plain test binary, then the sanitizer build, as one TAP stream:
# the second run continues the numbering and tags its names "[asan]".
# Usage: run-tests.sh PLAIN ASAN
set -u
plain=$1
asan=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$plain" --no-plan | tee "$out"
rc1=${PIPESTATUS[0]}
n=$(grep -cE '^(not )?ok [0-9]+' "$out")
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	SVX_QUICK=1 "$asan" --no-plan --first=$((n + 1)) --tag=asan \
	| tee "$out"
rc2=${PIPESTATUS[0]}
m=$(grep -cE '^(not )?ok [0-9]+' "$out")
# A sanitizer abort ends the run early: make that a failing test point.
if [ "$rc2" -ne 0 ] && ! grep -q '^not ok' "$out"; then
	m=$((m + 1))
	echo "not ok $((n + m)) - sanitizer run exited with status $rc2"
fi
echo "1..$((n + m))"
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
