# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/check.sh (`make check`) and scripts/check-debug.sh
# (`make check-debug`): their report, one format for both.
#
#   result LINE PASSED FAILED   prints LINE and keeps it for the summary;
#                               PASSED and FAILED are added to the totals
#   result_counts LINE          the same for a line "...: N passed, M
#                               failed..." with N and M as the counts
#   finish                      runs the caller's report_before_finish (if
#                               it defines one), prints "==== summary ====",
#                               every kept line, then "==== failed ===="
#                               and the lines that counted a failure (so
#                               that the last lines of a log name them),
#                               "N passed, N failed" and exits: status 0
#                               only if nothing failed
#
# The totals are $pass and $fail, the kept lines ${report[@]}, those that
# counted a failure ${failed[@]}.

pass=0
fail=0
report=()
failed=()

# result LINE PASSED FAILED: one report line, counted in the total
result() {
	report+=("$1")
	[ "$3" -gt 0 ] && failed+=("$1")
	echo "$1"
	pass=$((pass + $2))
	fail=$((fail + $3))
}

# result_counts LINE: a "...: N passed, M failed..." line counted as N and M
# (a line without both counts is one failure)
result_counts() {
	local re='^.*: ([0-9]+) passed, ([0-9]+) failed'

	if [[ $1 =~ $re ]]; then
		result "$1" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	else
		result "$1" 0 1
	fi
}

finish() {
	if declare -F report_before_finish >/dev/null; then
		report_before_finish
	fi
	echo
	echo "==== summary ===="
	printf '%s\n' "${report[@]}"
	if [ ${#failed[@]} -gt 0 ]; then
		echo "==== failed ===="
		printf '%s\n' "${failed[@]}"
	fi
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
