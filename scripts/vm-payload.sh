#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /payload/run for `make check` inside the Bochs bench (busybox sh).
# 1. the selftests against /dev/shadowvmx (with the shadow-MMU audit) and
#    /dev/kvm (kvm_intel, ept=1 and ept=0), through selftests/run_in_vm.sh,
#    which prints one "selftests[<dev>]: ..." line each;
# 2. the runner's tests against both devices: "runner[<dev>]: ..." lines;
# 3. the demo guest with its exit counters, under shadowvmx.
# SVX_SUITES (kernel command line) overrides the selftest suites.

P=/payload
rc=0

# shadowvmx runs with the shadow-MMU audit on (every SPTE of the root
# checked against a fresh guest walk after each shadow fault).
SVX_PAYLOAD=$P SVX_INSMOD_ARGS=${SVX_INSMOD_ARGS:-audit=1} \
	SVX_SUITES=${SVX_SUITES:-shadowvmx kvm kvm:ept=0} \
	sh $P/run_selftests.sh || rc=1

# runner_suite DEV: the runner's TAP checks, summarised in one line
runner_suite() {
	out=/tmp/runner.$$
	SVXRUN=$P/runner/svxrun GUESTS=$P/runner sh $P/runner/test.sh "$1" >$out 2>&1
	sed 's/^/# /' $out
	n=$(grep -c '^ok ' $out)
	f=$(grep -c '^not ok ' $out)
	[ "$(grep -c '^1\.\.' $out)" -eq 1 ] || f=$((f + 1))
	echo "runner[$1]: $n passed, $f failed"
	[ "$f" -eq 0 ] || rc=1
	rm -f $out
}

modprobe kvm_intel 2>/dev/null
if [ -c /dev/kvm ]; then
	runner_suite /dev/kvm
else
	echo "runner[/dev/kvm]: 0 passed, 1 failed"
	rc=1
fi
modprobe -r kvm_intel
if insmod $P/shadowvmx.ko; then
	runner_suite /dev/shadowvmx
	echo "# demo: svxrun --stats hello32.bin under /dev/shadowvmx"
	$P/runner/svxrun --dev /dev/shadowvmx --stats $P/runner/hello32.bin 2>&1 | sed 's/^/# /'
	rmmod shadowvmx || rc=1
else
	echo "runner[/dev/shadowvmx]: 0 passed, 1 failed"
	rc=1
fi
echo "# dmesg (shadowvmx):"
dmesg | grep -i shadowvmx | tail -n 40 | sed 's/^/# /'
exit $rc
