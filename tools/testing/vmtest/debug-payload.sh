#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /payload/run of `make check-debug` (scripts/check-debug.sh) in the debug
# kernel (vmtest.sh --kernel debug; busybox sh).
# 1. the kernel is the debug kernel: its config (/proc/config.gz) has the
#    checkers, and each is live: KASAN's and KFENCE's boot lines in dmesg,
#    /proc/lockdep, UBSAN's handlers in kallsyms, /sys/kernel/debug/kmemleak
#    accepting a scan; panic_on_warn set.  One line
#    "debug-kernel: kasan lockdep kfence ubsan kmemleak ok" (or FAIL (...)).
#    The reports the boot itself left in dmesg are shown as "# boot-splat: "
#    lines (they count in step 6).
# 2. kmemleak's scan thread is stopped first thing (a scan of 1 GiB takes
#    minutes of the emulated CPU) and the boot's objects are cleared: only
#    what the tests leave unreferenced is reported, by the scans of step 5.
# 3. the selftests on /dev/shadowvmx (selftests/run_in_vm.sh; suites
#    SVX_DEBUG_SUITES, default both paging modes, loaded with
#    SVX_DEBUG_INSMOD_ARGS, default none: make check's audit=1 checks
#    every SPTE of the root after each shadow fault, which this kernel's
#    instrumentation makes too slow in Bochs), labels " debug":
#    "selftests[/dev/shadowvmx debug]: N passed, M failed", ...
# 4. a bounded slice of the ioctl fuzzer (tools/testing/fuzz/ioctl_fuzz:
#    SVX_DEBUG_FUZZ_CALLS calls, default 20000, seed SVX_DEBUG_FUZZ_SEED,
#    default 1; 0 calls skips it): "fuzz[ioctl][/dev/shadowvmx debug]: N
#    sequences, M calls, K threads, S splats, L leaks".
#    SVX_DEBUG_RUNNER=1 then runs the runner's tests and the scenario guests
#    (scripts/vm-payload.sh): "runner[<dev>]", "scenario[Sn][<mode>]".
# 5. kmemleak: two scans, then "kmemleak: N unreferenced objects" and the
#    records as "# kmemleak: " lines.
# 6. the kernel's reports in dmesg since boot (KASAN, KFENCE, UBSAN,
#    lockdep, sleeping in atomic, list corruption, WARN): "debug-splats: N"
#    and the lines around each as "# splat: " lines.
# Each step prints "# debug-time: STEP S s" (guest uptime: Bochs' emulated
# clock, not wall time).

P=/payload
rc=0
KL=/sys/kernel/debug/kmemleak
# kmemleak's scan thread first: its first scan starts 60 s after kmemleak's
# late init (at ~230 s of uptime in Bochs), takes many minutes of the
# emulated CPU, and "scan=off" waits for a running scan to end
kl_off=0
echo scan=off >$KL 2>/dev/null && kl_off=1
# (anchored after the timestamp: "KVM_SET_GUEST_DEBUG: " holds "BUG: ")
pat='^\[ *[0-9]+\.[0-9]+\] (BUG: |WARNING: |UBSAN: |INFO: possible|INFO: inconsistent|INFO: trying|list_(add|del) corruption|kernel BUG at)'
now() { cut -d. -f1 /proc/uptime; }
t0=$(now)
step() {	# NAME: the time since the last step
	t=$(now)
	echo "# debug-time: $1 $((t - t0)) s (uptime $t s)"
	t0=$t
}
# the lines around each report in FILE, prefixed with PREFIX
splats() {	# FILE PREFIX
	grep -nE "$pat" "$1" | head -n 20 | while IFS=: read -r ln _; do
		sed -n "$ln,$((ln + 40))p" "$1" | sed "s/^/# $2: /"
	done
}

# 1. which checkers are in, and live
cfg=/tmp/config
zcat /proc/config.gz >$cfg 2>/dev/null
on() { grep -qx "CONFIG_$1=y" $cfg; }
ok=
missing=
check() {	# NAME CONDITION...
	n=$1
	shift
	if "$@"; then ok="$ok $n"; else missing="$missing $n"; fi
}
kasan_live() { on KASAN && on KASAN_GENERIC && dmesg | grep -q 'KernelAddressSanitizer initialized'; }
lockdep_live() { on PROVE_LOCKING && [ -r /proc/lockdep ] && [ "$(grep -c . /proc/lockdep)" -gt 0 ]; }
kfence_live() { on KFENCE && dmesg | grep -q 'kfence: initialized'; }
ubsan_live() { on UBSAN && on UBSAN_SANITIZE_ALL && grep -q ' __ubsan_handle_out_of_bounds$' /proc/kallsyms; }
kmemleak_live() { on DEBUG_KMEMLEAK && [ $kl_off = 1 ]; }
check kasan kasan_live
check lockdep lockdep_live
check kfence kfence_live
check ubsan ubsan_live
check kmemleak kmemleak_live
for c in DEBUG_ATOMIC_SLEEP DEBUG_LIST; do on $c || missing="$missing $c"; done
# SVX_DEBUG_PANIC_ON_WARN=0 (check-debug.sh passes it on) is a diagnosis
# boot: it may run without panic_on_warn; every other must have it
if [ "$(cat /proc/sys/kernel/panic_on_warn)" != 1 ]; then
	echo "# debug-kernel: panic_on_warn is off"
	[ "${SVX_DEBUG_PANIC_ON_WARN:-1}" = 0 ] || missing="$missing panic_on_warn"
fi
echo "# debug-kernel: $(uname -r), $(grep MemTotal /proc/meminfo | tr -s ' ')"
echo "# debug-kernel: $(cat /proc/cmdline)"
if [ -z "$missing" ]; then
	echo "debug-kernel:$ok ok"
else
	echo "debug-kernel: FAIL (missing:$missing; live:$ok)"
	rc=1
fi
dmesg >/tmp/dmesg
splats /tmp/dmesg boot-splat
step boot

# 2. kmemleak: forget what boot left behind (the scan thread is off)
[ -w $KL ] && echo clear >$KL

# 3. the selftests, one suite at a time (timed)
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
for s in ${SVX_DEBUG_SUITES:-shadowvmx shadowvmx:ept}; do
	SVX_PAYLOAD=$P SVX_INSMOD_ARGS=${SVX_DEBUG_INSMOD_ARGS:-} \
	SVX_SUITES=$s SVX_LABEL_SUFFIX=" debug" sh $P/run_selftests.sh || rc=1
	step "selftests $s"
done

# 4. the ioctl fuzzer's slice (its own splat, hang and leak checks), then
#    the runner and the scenarios if asked for
calls=${SVX_DEBUG_FUZZ_CALLS:-20000}
if [ "$calls" != 0 ]; then
	modprobe -r kvm_intel 2>/dev/null
	if insmod $P/shadowvmx.ko; then
		$P/fuzz/ioctl_fuzz --seed "${SVX_DEBUG_FUZZ_SEED:-1}" --calls "$calls" 2>&1 |
			sed 's|^fuzz\[ioctl\]\[/dev/shadowvmx\]|fuzz[ioctl][/dev/shadowvmx debug]|'
		rmmod shadowvmx || rc=1
	else
		echo "fuzz[ioctl][/dev/shadowvmx debug]: insmod failed"
		rc=1
	fi
	step "fuzz $calls calls"
fi
if [ "${SVX_DEBUG_RUNNER:-0}" = 1 ]; then
	SVX_SUITES=" " SVX_WALKCMP=0 SVX_WALKHTML=0 SVX_MEASURE=0 \
	SVX_HARNESS=0 SVX_LINUX=0 SVX_INSTALL=0 SVX_FUZZ=0 SVX_QEMU=0 SVX_KST=0 \
		sh $P/vm-payload.sh || rc=1
	step "runner and scenarios"
fi

# 5. kmemleak: objects allocated and lost by the tests (an object must be
#    older than 5 s and unreferenced in a scan to be reported)
if [ -w $KL ]; then
	echo scan >$KL
	sleep 6
	echo scan >$KL
	cat $KL >/tmp/kmemleak
	sed 's/^/# kmemleak: /' /tmp/kmemleak | head -n 400
	echo "kmemleak: $(grep -c '^unreferenced object' /tmp/kmemleak) unreferenced objects"
	step "kmemleak scans"
else
	echo "kmemleak: FAIL (no $KL)"
	rc=1
fi

# 6. the checkers' reports since boot
dmesg >/tmp/dmesg
n=$(grep -cE "$pat" /tmp/dmesg)
echo "debug-splats: $n"
if [ "$n" -gt 0 ]; then
	splats /tmp/dmesg splat
	rc=1
fi
exit $rc
