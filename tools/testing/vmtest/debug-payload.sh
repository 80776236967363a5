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
# 2. kmemleak's boot-time objects are scanned and cleared, so that only
#    what the tests leave unreferenced is reported later.
# 3. /payload/vm-payload.sh (scripts/vm-payload.sh, make check's payload)
#    with the selftest suites, the runner's tests and the scenario guests
#    only (SVX_DEBUG_SUITES, default all four devices), labels " debug".
# 4. kmemleak: two scans, then "kmemleak: N unreferenced objects" and the
#    records as "# kmemleak: " lines.
# 5. the kernel's reports in dmesg (KASAN, KFENCE, UBSAN, lockdep, sleeping
#    in atomic, list corruption, WARN): "debug-splats: N" and the lines
#    around each as "# splat: " lines.

P=/payload
rc=0
KL=/sys/kernel/debug/kmemleak

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
kmemleak_live() { on DEBUG_KMEMLEAK && [ -w $KL ] && echo scan >$KL; }
check kasan kasan_live
check lockdep lockdep_live
check kfence kfence_live
check ubsan ubsan_live
check kmemleak kmemleak_live
for c in DEBUG_ATOMIC_SLEEP DEBUG_LIST; do on $c || missing="$missing $c"; done
[ "$(cat /proc/sys/kernel/panic_on_warn)" = 1 ] || echo "# debug-kernel: panic_on_warn is off (SVX_DEBUG_PANIC_ON_WARN=0?)"
echo "# debug-kernel: $(uname -r), $(grep MemTotal /proc/meminfo | tr -s ' ')"
if [ -z "$missing" ]; then
	echo "debug-kernel:$ok ok"
else
	echo "debug-kernel: FAIL (missing:$missing; live:$ok)"
	rc=1
fi

# 2. kmemleak: forget what boot left behind
[ -w $KL ] && echo clear >$KL

# 3. make check's payload, cut to the selftests, runner and scenarios
#    (SVX_DEBUG_TESTS=0 skips it: the kernel's own checks only, e.g. under
#    QEMU TCG, which has no VMX)
[ "${SVX_DEBUG_TESTS:-1}" = 0 ] || SVX_SUITES=${SVX_DEBUG_SUITES:-shadowvmx shadowvmx:ept kvm:ept=1 kvm:ept=0} \
SVX_LABEL_SUFFIX=" debug" SVX_WALKCMP=0 SVX_WALKHTML=0 SVX_MEASURE=0 \
SVX_HARNESS=0 SVX_LINUX=0 SVX_INSTALL=0 SVX_FUZZ=0 SVX_QEMU=0 SVX_KST=0 \
	sh $P/vm-payload.sh || rc=1

# 4. kmemleak: objects allocated and lost by the tests (an object must be
#    older than 5 s and unreferenced in a scan to be reported)
if [ -w $KL ]; then
	t0=$(cut -d. -f1 /proc/uptime)
	echo scan >$KL
	sleep 6
	echo scan >$KL
	echo "# kmemleak: two scans in $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	cat $KL >/tmp/kmemleak
	sed 's/^/# kmemleak: /' /tmp/kmemleak | head -n 400
	echo "kmemleak: $(grep -c '^unreferenced object' /tmp/kmemleak) unreferenced objects"
else
	echo "kmemleak: FAIL (no $KL)"
	rc=1
fi

# 5. the checkers' reports
dmesg >/tmp/dmesg
# (anchored after the timestamp: "KVM_SET_GUEST_DEBUG: " holds "BUG: ")
pat='^\[ *[0-9]+\.[0-9]+\] (BUG: |WARNING: |UBSAN: |INFO: possible|INFO: inconsistent|INFO: trying|list_(add|del) corruption|kernel BUG at)'
n=$(grep -cE "$pat" /tmp/dmesg)
echo "debug-splats: $n"
if [ "$n" -gt 0 ]; then
	grep -nE "$pat" /tmp/dmesg | head -n 20 | while IFS=: read -r ln _; do
		sed -n "$ln,$((ln + 40))p" /tmp/dmesg | sed 's/^/# splat: /'
	done
	rc=1
fi
exit $rc
