#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ioctl fuzzer in the Bochs bench (busybox sh), for scripts/vm-payload.sh
# (make check: a bounded slice) and `make fuzz` (a longer campaign):
#
#   sh run.sh FUZZ KO [CALLS] [DIFF_CALLS] [SEED]
#
# 1. --plant, with SEED and SEED+1: a planted failure (a WARNING line
#    written to the kernel log after a KVM_SET_DEBUGREGS + KVM_NMI pair)
#    must be caught and minimized to at most 6 calls, one line per seed:
#    "fuzz[ioctl-planted]: ... of seed S, ...: ok" (two seeds: the pair is
#    often split over two threads, which the minimizer must serialize);
# 2. CALLS calls of random programs on /dev/shadowvmx (loaded without
#    ept=: half the programs switch their VM to EPT with SVX_SET_PAGING):
#    "fuzz[ioctl][/dev/shadowvmx]: N sequences, M calls, K threads,
#    S splats, L leaks";
# 3. DIFF_CALLS single-threaded calls recorded on /dev/shadowvmx, the same
#    programs on /dev/kvm (kvm_intel, its defaults), compared:
#    "fuzz[ioctl-diff]: N calls, U unexplained errno differences vs
#    /dev/kvm (E explained)".
# Each step prints "# fuzz-time: STEP S s" (wall time inside the guest).
F=$1
KO=$2
CALLS=${3:-120000}
DIFF=${4:-20000}
SEED=${5:-1}
T=/tmp/fuzz.$$
mkdir -p $T

now() { date +%s; }
modprobe -r kvm_intel 2>/dev/null
t0=$(now)
if insmod $KO; then
	for s in $SEED $((SEED + 1)); do
		$F --seed $s --calls 50000 --plant 2>&1 | grep -v '^# fuzz:   #'
	done
	t1=$(now)
	echo "# fuzz-time: planted $((t1 - t0)) s"
	$F --seed $SEED --calls $CALLS 2>&1
	t2=$(now)
	echo "# fuzz-time: ioctl $((t2 - t1)) s"
	$F --seed $SEED --diff-record $T/ours --calls $DIFF 2>&1
	rmmod shadowvmx
else
	echo "fuzz[ioctl][/dev/shadowvmx]: insmod failed"
	t2=$(now)
fi
if modprobe kvm_intel; then
	$F --dev /dev/kvm --seed $SEED --diff-record $T/kvm --calls $DIFF 2>&1
	modprobe -r kvm_intel
	$F --diff-compare $T/ours $T/kvm 2>&1
else
	echo "fuzz[ioctl-diff]: modprobe kvm_intel failed"
fi
echo "# fuzz-time: diff $(($(now) - t2)) s"
rm -rf $T
