#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the selftests and a slice of the ioctl fuzzer on the
# bench's debug kernel (tools/testing/vmtest/debug-kernel.sh: Debian's 6.1
# with KASAN, KFENCE, lockdep, DEBUG_ATOMIC_SLEEP, UBSAN, kmemleak,
# DEBUG_LIST; panic_on_warn=1), on /dev/shadowvmx in shadow paging and EPT
# mode.
#
#  1. vmtest.sh --kernel debug setup: builds the debug kernel into the bench
#     cache (the first time, or when its inputs change: about an hour on
#     two cores; then about a second)
#  2. the module and the tools, built against the debug kernel's tree
#  3. the Bochs boots (tools/testing/vmtest/debug-payload.sh), two side by
#     side on a machine with two CPUs or more (SVX_DEBUG_BOOTS=1 or 2): the
#     suites dealt out between them, the fuzzer's slice on the first, the
#     runner on the last; from each, the "debug-kernel: ..." line (the
#     checkers verified inside the booted kernel), its
#     "selftests[<device> debug]", "fuzz[ioctl][/dev/shadowvmx debug]",
#     "kmemleak: N unreferenced objects" (scanned after the runs) and
#     "debug-splats: N" (every KASAN/KFENCE/UBSAN/lockdep/WARN report in
#     dmesg); "debug-console-splats: N" from the consoles, as a
#     panic_on_warn panic ends a boot before the guest counts
#
# Not part of `make check` (it would not fit its 60 minutes on a fresh
# machine with the kernel build).  Ends with "N passed, N failed".
# SVX_DEBUG_RESULTS=FILE [SVX_DEBUG_STATUS=N] only reads FILE as the boots'
# consoles (build/check-debug/bochs.out: each boot's after a "# check-debug:
# boot" line) and N as vmtest's status, and reports.
# Environment: SVX_DEBUG_SUITES (the selftest suites, default "shadowvmx
# shadowvmx:ept"; also kvm:ept=1 kvm:ept=0), SVX_DEBUG_FUZZ_CALLS (the
# fuzzer's slice, default 20000; 0 skips it), SVX_DEBUG_RUNNER=1 (also the
# runner's tests and the scenario guests), SVX_DEBUG_TIMEOUT (seconds,
# default 14400: b69c380's boot took 8532 s of Bochs wall time with the
# runner, and the fail_nth walks added since take about 600 s of guest
# time more on this kernel), SVX_DEBUG_JOBS (make -j of the kernel build),
# SVX_DEBUG_PANIC_ON_WARN=0 (a diagnosis boot without panic_on_warn).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/check-debug
mkdir -p "$out"
vmtest=tools/testing/vmtest/vmtest.sh
. scripts/report.sh	# result, result_counts, finish (as make check's)

say() { echo "check-debug: $*"; }

# setup, module, tools, payload, the boot: bochs.out and status $st
build_and_boot() {
	say "debug kernel: setup (the first run builds it, about an hour on 2 cores)"
	t0=$SECONDS
	if ! "$vmtest" --kernel debug setup >"$out/setup.log" 2>&1; then
		tail -n 30 "$out/setup.log"
		result "debug-kernel-build: FAILED (see build/check-debug/setup.log)" 0 1
		finish
	fi
	grep '^vmtest: debug kernel' "$out/setup.log" | sed 's/^vmtest: /check-debug: /'
	rel=$("$vmtest" --kernel debug krelease)
	kdir=$("$vmtest" --kernel debug kdir)
	result "debug-kernel-build: ok ($rel, setup $((SECONDS - t0)) s, built in $(cat "$kdir/../build.seconds") s)" 1 0

	ko=$top/build/kbuild-debug/shadowvmx.ko
	if scripts/build-module.sh "$kdir" build/kbuild-debug >"$out/build.log" 2>&1 && [ -f "$ko" ]; then
		result "build[debug]: ok" 1 0
	else
		grep -iE 'warning|error' -A3 "$out/build.log" | head -n 40
		result "build[debug]: FAILED (see build/check-debug/build.log)" 0 1
		finish
	fi
	want=$(modinfo -F vermagic "$(find "$kdir/../modules" -name kvm.ko | head -n1)")
	got=$(modinfo -F vermagic "$ko")
	[ "$want" = "$got" ] || { result "build[debug]: vermagic '$got' is not kvm.ko's '$want'" 0 1; finish; }

	if ! make -s -C tools/runner >"$out/tools.log" 2>&1 ||
	   ! make -s -C selftests >>"$out/tools.log" 2>&1 ||
	   ! make -s -C tools/testing/fuzz >>"$out/tools.log" 2>&1; then
		tail -n 30 "$out/tools.log"
		result "tools: build FAILED (see build/check-debug/tools.log)" 0 1
		finish
	fi
	payload=$top/build/payload-debug
	rm -rf "$payload"
	mkdir -p "$payload/runner/scenarios"
	make -s -C selftests payload PAYLOAD="$payload" >/dev/null
	mv "$payload/run" "$payload/run_selftests.sh"
	cp scripts/vm-payload.sh "$payload/vm-payload.sh"
	cp tools/testing/vmtest/debug-payload.sh "$payload/run"
	chmod +x "$payload/run"
	cp "$ko" "$payload/"
	cp tools/runner/build/svxrun tools/runner/build/*.bin tools/runner/build/mbirq.elf \
		tools/runner/test.sh "$payload/runner/"
	cp tools/runner/scenarios/run.sh "$payload/runner/scenarios/"
	make -s -C tools/testing/fuzz payload PAYLOAD="$payload" >/dev/null

	# The work split over SVX_DEBUG_BOOTS boots run side by side (default
	# 2 on a machine with 2 CPUs or more: Bochs emulates one CPU on one
	# host thread): the suites dealt out in turn, the fuzzer's slice on
	# boot 1, the runner and the scenarios on the last.  Each boot checks
	# its own kernel, its kmemleak and its splats.
	local boots=${SVX_DEBUG_BOOTS:-$([ "$(nproc)" -ge 2 ] && echo 2 || echo 1)}
	local suites=(${SVX_DEBUG_SUITES:-shadowvmx shadowvmx:ept}) i b
	[[ $boots =~ ^[12]$ ]] || { result "check-debug: SVX_DEBUG_BOOTS is 1 or 2, not '$boots'" 0 1; finish; }
	[ "$boots" -gt "${#suites[@]}" ] && boots=${#suites[@]}
	local pids=() sts=()
	for ((b = 1; b <= boots; b++)); do
		local mine=() words=() v
		for ((i = b - 1; i < ${#suites[@]}; i += boots)); do
			mine+=("${suites[i]}")
		done
		words+=("SVX_DEBUG_SUITES=\"${mine[*]}\"")
		[ "$b" = 1 ] || words+=("SVX_DEBUG_FUZZ_CALLS=\"0\"")
		[ "$b" = "$boots" ] || words+=("SVX_DEBUG_RUNNER=\"0\"")
		for v in SVX_DEBUG_INSMOD_ARGS SVX_DEBUG_FUZZ_CALLS SVX_DEBUG_RUNNER \
			 SVX_DEBUG_PANIC_ON_WARN; do
			[ -n "${!v:-}" ] || continue
			[ "$v" = SVX_DEBUG_FUZZ_CALLS ] && [ "$b" != 1 ] && continue
			[ "$v" = SVX_DEBUG_RUNNER ] && [ "$b" != "$boots" ] && continue
			words+=("$v=\"${!v}\"")
		done
		say "Bochs bench: boot $b of $boots of the debug kernel $rel: ${words[*]} (build/check-debug/bochs-$b.out)"
		# each boot times itself: they end in any order
		rm -f "$out/bochs-$b.wall"
		(
			s=$SECONDS
			"$vmtest" --kernel debug run --payload "$payload" \
				--timeout "${SVX_DEBUG_TIMEOUT:-14400}" \
				--cmdline "${words[*]}" \
				--log "$out/bochs-$b.log" >"$out/bochs-$b.out" 2>&1
			rc=$?
			echo $((SECONDS - s)) >"$out/bochs-$b.wall"
			exit $rc
		) &
		pids+=($!)
	done
	st=0
	for ((b = 1; b <= boots; b++)); do
		wait "${pids[b - 1]}"
		sts+=($?)
		say "Bochs boot $b: $(cat "$out/bochs-$b.wall" 2>/dev/null || echo "?") s wall, vmtest status ${sts[b - 1]}"
		[ "${sts[b - 1]}" -gt "$st" ] && st=${sts[b - 1]}
	done
	for ((b = 1; b <= boots; b++)); do
		echo "# check-debug: boot $b of $boots, vmtest status ${sts[b - 1]}"
		cat "$out/bochs-$b.out"
	done >"$out/bochs.out"
	nboots=$boots
}

if [ -n "${SVX_DEBUG_RESULTS:-}" ]; then
	# re-read a run's console (e.g. a copy of build/check-debug/bochs.out)
	# with its vmtest status; nothing is built or booted
	tr -d '\r' <"$SVX_DEBUG_RESULTS" >"$out/bochs.out.tmp" && mv "$out/bochs.out.tmp" "$out/bochs.out"
	st=${SVX_DEBUG_STATUS:-0}
else
	build_and_boot
fi
grep -aE '^vmtest: timing|^# debug-time: ' "$out/bochs.out" | tr -d '\r' | sed -E 's/^(vmtest|#) /check-debug: /'
# the result lines, without make demo's S1 logs (DEMO-BEGIN/END), which
# repeat two scenario lines
tr -d '\r' <"$out/bochs.out" |
	awk '/^DEMO-BEGIN /{ d = 1 } /^DEMO-END /{ d = 0; next } !d' >"$out/results.txt"
res() { grep -aE "$1" "$out/results.txt"; }

# one "debug-kernel:", "kmemleak:" and "debug-splats:" line per boot
nboots=${nboots:-$(grep -ac '^# check-debug: boot ' "$out/results.txt")}
[ "$nboots" -ge 1 ] || nboots=1
each() {	# PATTERN OK-LINE MISSING-LINE: every boot's line must be OK-LINE
	local n=0 l
	while read -r l; do
		[ -n "$l" ] || continue
		n=$((n + 1))
		if [ "$l" = "$2" ]; then result "$l" 1 0; else result "$l" 0 1; fi
	done < <(res "$1")
	[ $n -ge "$nboots" ] || result "$3 ($n of $nboots boots)" 0 1
}
each '^debug-kernel: ' "debug-kernel: kasan lockdep kfence ubsan kmemleak ok" \
	"debug-kernel: missing from the bench output"
while read -r l; do
	[ -n "$l" ] && result_counts "$l"
done < <(res '^(selftests|cpu-features|isolation)\[[^]]* debug\]: [0-9]+ passed, [0-9]+ failed')
while read -r l; do
	[ -n "$l" ] || continue
	c=$(echo "$l" | sed -E 's/.*: ([0-9]+) checks, ([0-9]+) violations.*/\1/')
	v=$(echo "$l" | sed -E 's/.*: ([0-9]+) checks, ([0-9]+) violations.*/\2/')
	if [ "$v" -eq 0 ] && [ "$c" -gt 0 ]; then result "$l" 1 0; else result "$l" 0 1; fi
done < <(res '^shadow-audit\[[^]]*\]: [0-9]+ checks, [0-9]+ violations')
suites=${SVX_DEBUG_SUITES:-shadowvmx shadowvmx:ept}
for d in $suites; do
	d="/dev/${d/:/ }"
	res "^selftests\\[$d debug\\]: " | grep -q . ||
		result "selftests[$d debug]: missing from the bench output" 0 1
done
# the fuzzer's slice: every call made, 0 splats, 0 leaks (its own checks:
# the kernel log after each program, the module's page gauges at close)
if [ "${SVX_DEBUG_FUZZ_CALLS:-20000}" != 0 ]; then
	l=$(res '^fuzz\[ioctl\]\[/dev/shadowvmx debug\]: ')
	m=$(echo "$l" | sed -nE 's/.*sequences, ([0-9]+) calls, .*/\1/p')
	if [[ $l =~ ", 0 splats, 0 leaks"$ ]] && [ "${m:-0}" -ge "${SVX_DEBUG_FUZZ_CALLS:-20000}" ]; then
		result "$l" 1 0
	else
		result "${l:-fuzz[ioctl][/dev/shadowvmx debug]: missing from the bench output}" 0 1
	fi
fi
# vm-payload.sh's runner and scenario lines carry no label suffix
if [ "${SVX_DEBUG_RUNNER:-0}" = 1 ]; then
	while read -r l; do
		[ -n "$l" ] && result_counts "$(echo "$l" | sed -E 's/^runner\[([^]]*)\]/runner[\1 debug]/')"
	done < <(res '^runner\[[^]]*\]: [0-9]+ passed, [0-9]+ failed')
	while read -r l; do
		[ -n "$l" ] || continue
		l=$(echo "$l" | sed -E 's/^scenario\[([^]]*)\]\[([^]]*)\]/scenario[\1][\2 debug]/')
		case $l in
		*" debug]: ok") result "$l" 1 0 ;;
		*) result "$l" 0 1 ;;
		esac
	done < <(res '^scenario\[[^]]*\]\[[^]]*\]: ')
	for d in "/dev/kvm" "/dev/shadowvmx" "/dev/shadowvmx ept=1"; do
		res "^runner\\[$d\\]: " | grep -q . || result "runner[$d debug]: missing from the bench output" 0 1
	done
	for n in 1 2 3 4 5 6 7; do
		for m in shadow ept kvm; do
			res "^scenario\\[S$n\\]\\[$m\\]: " | grep -q . ||
				result "scenario[S$n][$m debug]: missing from the bench output" 0 1
		done
	done
fi
each '^kmemleak: ' "kmemleak: 0 unreferenced objects" "kmemleak: missing from the bench output"
# the checkers' reports: the guest's count from dmesg, and the console's
# own (a panic_on_warn panic ends the boot before the guest counts)
each '^debug-splats: ' "debug-splats: 0" "debug-splats: missing from the bench output"
pat='^\[ *[0-9]+\.[0-9]+\] (BUG: |WARNING: |UBSAN: |INFO: possible|INFO: inconsistent|INFO: trying|list_(add|del) corruption|kernel BUG at|Kernel panic)'
n=$(grep -acE "$pat" "$out/bochs.out")
if [ "$n" -eq 0 ]; then
	result "debug-console-splats: 0" 1 0
else
	grep -aE "$pat" "$out/bochs.out" | head -n 20
	result "debug-console-splats: $n (see build/check-debug/bochs.out)" 0 1
fi
if [ $st -ne 0 ] && [ $st -ne 1 ]; then
	result "bochs: vmtest ended with status $st (see build/check-debug/bochs.out)" 0 1
fi
finish
