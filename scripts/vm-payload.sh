#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /payload/run for `make check` inside the Bochs bench (busybox sh).
# 1. the selftests, through selftests/run_in_vm.sh, which prints one
#    "selftests[<label>]: ..." line per suite: /dev/shadowvmx in shadow mode
#    (with the shadow-MMU audit: every SPTE of the root checked against a
#    fresh guest walk after each shadow fault) and in EPT mode, /dev/kvm
#    (kvm_intel with its defaults, then explicitly ept=1 and ept=0);
# 2. the runner's tests: "runner[<dev>]: ..." lines, /dev/shadowvmx also
#    loaded with ept=1 (EPT mode by default);
# 2b. the scenario guests S1-S7 (tools/runner/scenarios/run.sh): one line
#    "scenario[Sn][shadow|ept|kvm]: ok" (or ": FAIL (why)" with the guest's
#    log as "# " lines) per scenario under /dev/shadowvmx's shadow paging,
#    its EPT mode, and kvm_intel (its default ept=1);
# 3. the demo guest with its exit counters, under shadowvmx;
# 4. "# measure[...]" comment lines: the runner's first-touch and CR3-switch
#    guests with --stats in every paging mode (no pass/fail).
# 5. the experiment harness (tools/harness/run.sh): "harness[W<n>][<config>]"
#    lines and its CSV between HARNESS-CSV-BEGIN/END.
# (1b: walk traces vs /dev/kvm, see below.)
# SVX_SUITES (kernel command line) overrides the selftest suites;
# SVX_SCEN=0 skips step 2b, SVX_MEASURE=0 step 4, SVX_HARNESS=0 step 5,
# SVX_INSTALL=0 step 7, SVX_FUZZ=0 step 8 (the ioctl fuzzer, run before 7),
# SVX_QEMU=0 step 9 (QEMU on the device), SVX_KST=0 step 10 (the upstream
# KVM selftests).

P=/payload
rc=0

# Linux turns THP off below 512 MiB of RAM; the EPT 2 MiB tests need it.
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null

SVX_PAYLOAD=$P SVX_INSMOD_ARGS=${SVX_INSMOD_ARGS:-audit=1} \
	SVX_SUITES=${SVX_SUITES:-shadowvmx shadowvmx:ept kvm kvm:ept=1 kvm:ept=0} \
	sh $P/run_selftests.sh || rc=1

# 1b. walk traces vs KVM_TRANSLATE on /dev/kvm (selftests/walkcmp.c): the
#     same guest (same seed: same tables, same memory) and the same 1500
#     GVAs per paging mode on /dev/shadowvmx (shadow and EPT mode) and on
#     /dev/kvm (kvm_intel ept=1 and ept=0);
#     "walktrace-vs-kvm[<mode>][<label>]: N gvas, M mismatches (...): ok"
#     lines (label shadow|ept: vs kvm ept=1; shadow/kvm-ept0, ept/kvm-ept0:
#     vs ept=0), and one planted-difference line that must catch exactly
#     the 3 GPAs changed.  SVX_WALKCMP=0 skips it.
if [ "${SVX_WALKCMP:-1}" != 0 ] && [ -x $P/walkcmp ]; then
	W=/tmp/walkcmp
	mkdir -p $W
	modprobe -r kvm_intel 2>/dev/null
	wc_dump() {	# wc_dump FILE-PREFIX (SVX_DEV, SVX_PAGING set)
		for m in pg32 pae long64; do
			$P/walkcmp dump $m 1500 >$W/$1.$m 2>$W/err ||
				echo "# walkcmp: dump $m on $SVX_DEV ${SVX_PAGING:-}: $(cat $W/err)"
		done
	}
	if insmod $P/shadowvmx.ko; then
		SVX_DEV=/dev/shadowvmx SVX_PAGING=shadow wc_dump shadow
		SVX_DEV=/dev/shadowvmx SVX_PAGING=ept wc_dump ept
		rmmod shadowvmx
	fi
	for e in 1 0; do
		if modprobe kvm_intel ept=$e; then
			SVX_DEV=/dev/kvm wc_dump kvm$e
			modprobe -r kvm_intel
		fi
	done
	for m in pg32 pae long64; do
		for p in shadow ept; do
			$P/walkcmp compare $p $W/kvm1.$m $W/$p.$m 2>&1
			$P/walkcmp compare $p/kvm-ept0 $W/kvm0.$m $W/$p.$m 2>&1
		done
	done
	# The comparison can fail: 3 GPAs of ours changed, 3 mismatches.
	$P/walkcmp compare ept+planted $W/kvm1.long64 $W/ept.long64 3 2>&1
	rm -rf $W
fi

# runner_suite DEV [LABEL]: the runner's TAP checks, summarised in one line
runner_suite() {
	out=/tmp/runner.$$
	SVXRUN=$P/runner/svxrun GUESTS=$P/runner sh $P/runner/test.sh "$1" >$out 2>&1
	sed 's/^/# /' $out
	n=$(grep -c '^ok ' $out)
	f=$(grep -c '^not ok ' $out)
	[ "$(grep -c '^1\.\.' $out)" -eq 1 ] || f=$((f + 1))
	echo "runner[${2:-$1}]: $n passed, $f failed"
	[ "$f" -eq 0 ] || rc=1
	rm -f $out
}

# measure LABEL DEV ARGS...: the runner with --stats, as comment lines
measure() {
	label=$1
	dev=$2
	shift 2
	$P/runner/svxrun --dev "$dev" --stats --timeout 300 "$@" 2>&1 |
		sed "s/^/# measure[$label]: /"
}

modprobe -r kvm_intel 2>/dev/null
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
if insmod $P/shadowvmx.ko ept=1; then
	runner_suite /dev/shadowvmx "/dev/shadowvmx ept=1"
	rmmod shadowvmx || rc=1
else
	echo "runner[/dev/shadowvmx ept=1]: 0 passed, 1 failed"
	rc=1
fi

# scen LABEL ARGS...: one scenario through run.sh (quiet: log only on failure)
scen() {
	SCEN_LABEL=$1
	shift
	SCEN_LABEL=$SCEN_LABEL SCEN_QUIET=1 SVXRUN=$P/runner/svxrun GUESTS=$P/runner \
		sh $P/runner/scenarios/run.sh "$@" || rc=1
}
if [ "${SVX_SCEN:-1}" != 0 ] && [ -f $P/runner/scenarios/run.sh ]; then
	if insmod $P/shadowvmx.ko; then
		for n in 1 2 3 4 5 6 7; do
			scen shadow S$n --dev /dev/shadowvmx --paging shadow
			scen ept S$n --dev /dev/shadowvmx --paging ept
		done
		rmmod shadowvmx || rc=1
	else
		echo "scenario[S1-S7][shadow/ept]: FAIL (insmod shadowvmx)"
		rc=1
	fi
	# make demo's logs (S1 traced, both modes) between DEMO-BEGIN/END
	# markers, for check.sh's rendering test (demo-80col)
	if insmod $P/shadowvmx.ko; then
		for p in shadow ept; do
			echo "DEMO-BEGIN $p"
			SCEN_TRACE=1 SVXRUN=$P/runner/svxrun GUESTS=$P/runner \
				sh $P/runner/scenarios/run.sh S1 --dev /dev/shadowvmx \
				--paging $p 2>&1 | grep -v -e 'svx_pio: ' \
				-e ' reason 30 qual ' -e KVM_GET_SUPPORTED_CPUID
			echo "DEMO-END $p"
		done
		rmmod shadowvmx || rc=1
	fi
	if modprobe kvm_intel; then
		for n in 1 2 3 4 5 6 7; do
			scen kvm S$n --dev /dev/kvm
		done
		modprobe -r kvm_intel
	else
		echo "scenario[S1-S7][kvm]: FAIL (modprobe kvm_intel)"
		rc=1
	fi
fi

# 2c. svxrun --html (tools/runner/walkhtml.c): S1's walks drawn as one page
#     per paging mode, with the same run's --json traces, on the console
#     as base64 between WALKHTML-BEGIN/END (runner/walkhtml-emit.sh) for
#     check.sh's walk-html test (scripts/walk-html.sh).  SVX_WALKHTML=0
#     skips it.
if [ "${SVX_WALKHTML:-1}" != 0 ] && [ -f $P/runner/walkhtml-emit.sh ]; then
	if insmod $P/shadowvmx.ko; then
		for p in shadow ept; do
			SCEN_LOG=/tmp/wh-$p.log SCEN_QUIET=1 SVXRUN=$P/runner/svxrun \
				GUESTS=$P/runner sh $P/runner/scenarios/run.sh S1 \
				--dev /dev/shadowvmx --paging $p --json \
				--html /tmp/wh-$p.html 2>&1 | sed 's/^/# walk-html: /'
			sh $P/runner/walkhtml-emit.sh $p /tmp/wh-$p.html /tmp/wh-$p.log
			rm -f /tmp/wh-$p.html /tmp/wh-$p.log
		done
		rmmod shadowvmx || rc=1
	else
		echo "WALKHTML-MISSING shadow/ept (insmod shadowvmx)"
	fi
fi

if [ "${SVX_MEASURE:-1}" != 0 ]; then
	if insmod $P/shadowvmx.ko; then
		for g in touch32 hello32; do
			measure "shadowvmx shadow $g" /dev/shadowvmx --paging shadow $P/runner/$g.bin
			measure "shadowvmx ept $g" /dev/shadowvmx --paging ept $P/runner/$g.bin
		done
		measure "shadowvmx shadow cr3sw64" /dev/shadowvmx --paging shadow --mode long64 $P/runner/cr3sw64.bin
		measure "shadowvmx ept cr3sw64" /dev/shadowvmx --paging ept --mode long64 $P/runner/cr3sw64.bin
		rmmod shadowvmx
	fi
	for e in 1 0; do
		if modprobe kvm_intel ept=$e; then
			for g in touch32 hello32; do
				measure "kvm ept=$e $g" /dev/kvm $P/runner/$g.bin
			done
			measure "kvm ept=$e cr3sw64" /dev/kvm --mode long64 $P/runner/cr3sw64.bin
			modprobe -r kvm_intel
		fi
	done
fi
if [ "${SVX_HARNESS:-1}" != 0 ] && [ -f $P/harness/run.sh ]; then
	SVXRUN=$P/runner/svxrun SVX_KO=$P/shadowvmx.ko sh $P/harness/run.sh
fi
# 6. the unmodified Debian kernel (the one this bench boots) as an L2 guest
#    through the runner, to its user-space marker: shadow paging, EPT,
#    and kvm_intel as the oracle; "linux-guest[<label>]: ok" lines.  Then
#    the same with the device's irqchip and PIT (svxrun --irqchip) and the
#    CPUID table of KVM_GET_SUPPORTED_CPUID as it is (local APIC, x2APIC,
#    TSC deadline, PV leaves): "linux-guest[<mode> supported-cpuid]".
if [ "${SVX_LINUX:-1}" != 0 ] && [ -f $P/bzImage ]; then
	lg() {
		BUSYBOX=/bin/busybox SVXRUN=$P/runner/svxrun KERNEL=$P/bzImage \
			sh $P/runner/linux-guest.sh "$@" >/tmp/lg.out 2>&1
		grep -v '^# console' /tmp/lg.out | sed '/^linux-guest\[/!s/^/# /'
		grep '^# console' /tmp/lg.out | tail -n 5
	}
	if insmod $P/shadowvmx.ko; then
		lg -l shadow -p shadow -d /dev/shadowvmx -t 600
		lg -l ept -p ept -d /dev/shadowvmx -t 600
		for m in shadow ept; do
			lg -l "$m supported-cpuid" -p $m -d /dev/shadowvmx \
				-t 600 -- --irqchip
		done
		rmmod shadowvmx
	fi
	if modprobe kvm_intel; then
		lg -l kvm -d /dev/kvm -t 600
		lg -l "kvm supported-cpuid" -d /dev/kvm -t 600 -- --irqchip
		modprobe -r kvm_intel
	fi
fi
# 8. the ioctl fuzzer (tools/testing/fuzz/run.sh): a planted failure caught
#    and minimized (seeds SVX_FUZZ_SEED and SVX_FUZZ_SEED+1), a bounded
#    slice of random programs on /dev/shadowvmx (splats, hangs, leaks of
#    pinned or table pages), and the same
#    single-threaded programs on /dev/kvm with the errnos compared:
#    "fuzz[ioctl-planted]", "fuzz[ioctl][/dev/shadowvmx]", "fuzz[ioctl-diff]"
#    lines.  SVX_FUZZ=0 skips it; SVX_FUZZ_CALLS, SVX_FUZZ_DIFF and
#    SVX_FUZZ_SEED size and seed it.
if [ "${SVX_FUZZ:-1}" != 0 ] && [ -x $P/fuzz/ioctl_fuzz ]; then
	sh $P/fuzz/run.sh $P/fuzz/ioctl_fuzz $P/shadowvmx.ko \
		"${SVX_FUZZ_CALLS:-120000}" "${SVX_FUZZ_DIFF:-20000}" \
		"${SVX_FUZZ_SEED:-1}"
fi
# 7. the install as a user would use it (tools/testing/install/guest.sh):
#    modprobe by name, udev's group kvm 0660, open as a member of group kvm
#    and as a non-member; one line "install[guest]: ok".
if [ "${SVX_INSTALL:-1}" != 0 ] && [ -f $P/install/guest.sh ]; then
	sh $P/install/guest.sh $P/install || rc=1
fi
# 9. QEMU (tools/testing/qemu/run.sh): Debian's qemu-system-x86_64, one
#    command line (kernel-irqchip=off, then =on, QEMU's default, with the
#    in-kernel irqchip), a multiboot guest to its
#    isa-debug-exit with /dev/kvm being /dev/shadowvmx (shadow paging, EPT)
#    and kvm_intel (ept=1, ept=0): "qemu[multiboot][<config>]: ok" lines,
#    QEMU's ioctls as "# qemu-ioctl[<config>]: " lines; then the bench's
#    Linux with -smp 2 and the in-kernel irqchip: "qemu[linux smp2
#    irqchip][<config>]" and its VM exits by reason, "harness[W7q
#    irqchip][<config>]".  SVX_QEMU=0 skips it.
if [ "${SVX_QEMU:-1}" != 0 ] && [ -f $P/qemu/run.sh ]; then
	sh $P/qemu/run.sh $P/qemu $P/shadowvmx.ko || rc=1
	# QEMU's default kernel-irqchip=on: "qemu[multiboot irqchip][...]"
	QEMU_IRQCHIP=on sh $P/qemu/run.sh $P/qemu $P/shadowvmx.ko \
		svx-shadow svx-ept kvm-ept1 kvm-ept0 || rc=1
	# Linux -smp 2 with QEMU's default in-kernel irqchip:
	# "qemu[linux smp2 irqchip][...]", "harness[W7q irqchip][...]"
	QEMU_GUEST=linux QEMU_IRQCHIP=on sh $P/qemu/run.sh $P/qemu \
		$P/shadowvmx.ko svx-shadow svx-ept kvm-ept1 kvm-ept0 || rc=1
	# ... and with the multiboot guest's command line (kernel-irqchip=off):
	# "qemu[linux smp2][...]", "harness[W7q][...]".  Only with
	# SVX_QEMU_LINUX_OFF=1: Debian's QEMU 7.2+dfsg-7+deb12u18 never clears
	# an AP's CPU_INTERRUPT_SIPI with its own local APIC (a backport
	# without its upstream follow-up d5e1d2dea1), and the AP's thread
	# spins holding the iothread lock, on shadowvmx and kvm_intel alike
	# (tools/testing/qemu/README.md, issue 16).
	if [ "${SVX_QEMU_LINUX_OFF:-0}" != 0 ]; then
		QEMU_GUEST=linux sh $P/qemu/run.sh $P/qemu $P/shadowvmx.ko \
			svx-shadow svx-ept kvm-ept1 kvm-ept0 || rc=1
	fi
fi
# 10. the upstream KVM selftests of linux-source-6.1 (issue 17) against
#    shadowvmx as /dev/kvm (shadow, EPT) and kvm_intel (ept=1, ept=0):
#    "kvm-selftests[<device>]: N passed, M failed, K skipped" lines and
#    "kvm-selftests-diff[<name>][<config>]: ..." for every binary whose
#    result differs from kvm_intel's.  SVX_KST=0 skips it.
if [ "${SVX_KST:-1}" != 0 ] && [ -d $P/kst ]; then
	# kvm_intel ept=0 only in make kvm-selftests (4 more minutes)
	sh $P/kst-run.sh $P/kst $P/shadowvmx.ko \
		"${SVX_KST_CONFIGS:-svx-shadow svx-ept kvm-ept1}"
fi
echo "# dmesg (shadowvmx):"
dmesg | grep -i shadowvmx | tail -n 40 | sed 's/^/# /'
exit $rc
