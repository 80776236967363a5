#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the plain and the sanitizer build; print their test points and one
# "irqchip-unit: N passed, M failed" line; fail if either failed or died.
# Usage: run-tests.sh PLAIN ASAN
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
st=0
for t in "$1" "$2"; do
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$t" "$(basename "$t")" >>"$out" 2>&1 || st=1
done
cat "$out"
n=$(grep -c '^ok ' "$out")
f=$(grep -c '^not ok ' "$out")
# a crash (sanitizer abort) is a failure even without a "not ok" line
[ $st -eq 0 ] || [ "$f" -gt 0 ] || f=1
[ "$n" -gt 0 ] || f=$((f + 1))
echo "irqchip-unit: $n passed, $f failed"
[ "$f" -eq 0 ]
