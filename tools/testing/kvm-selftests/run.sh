#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run.sh BINDIR KO [CONFIGS]: inside the Bochs bench, run the upstream KVM
# selftests in BINDIR (gzipped, NAME.gz: unpacked one at a time into /tmp,
# the bench's RAM being small) against each configuration, /dev/kvm being
#   svx-shadow  a node with /dev/shadowvmx's major:minor (module KO)
#   svx-ept     the same, KO loaded with ept=1
#   kvm-ept1    kvm_intel ept=1
#   kvm-ept0    kvm_intel ept=0
# A binary passes with status 0, skips with 4 (KSFT_SKIP), fails otherwise,
# including the per-binary timeout (KST_TIMEOUT, 30 s; tsc_scaling_sync at
# least 180 s, tmo()); long-running ones
# get short arguments.  Prints per configuration
#   kvm-selftests[<device>]: N passed, M failed, K skipped
# then, for every binary whose result on shadowvmx differs from kvm_intel's
# in the same paging mode (svx-shadow vs kvm-ept0, or kvm-ept1 when ept=0
# did not run; svx-ept vs kvm-ept1),
#   kvm-selftests-diff[<name>][<svx config>]: svx=<r> kvm=<r> <first error line>
# and one "# kvm-selftest[<config>] <name> <result> <seconds>" line each.
# KST_INSMOD_ARGS: more shadowvmx.ko parameters for svx-shadow and svx-ept
# (e.g. guard_ticks=0).
BIN=$1
KO=$2
CONFIGS=${3:-svx-shadow svx-ept kvm-ept1 kvm-ept0}
T=${KST_TIMEOUT:-30}
OUT=/tmp/kst
mkdir -p $OUT

args() {
	case $1 in
	dirty_log_perf_test) echo "-i 2 -b 1M" ;;
	memslot_perf_test) echo "-l 1 -r 1" ;;
	access_tracking_perf_test|demand_paging_test) echo "-b 1M" ;;
	kvm_page_table_test) echo "-b 2M" ;;
	memslot_modification_stress_test) echo "-i 10 -b 1M" ;;
	max_guest_memory_test) echo "-c 1 -m 1 -s 1" ;;
	xapic_ipi_test) echo "-s 1" ;;
	esac
}

# The per-binary timeout: KST_TIMEOUT, or more for the ones that need it.
# tsc_scaling_sync's 20 vCPUs spin 5 s of guest time each; kvm_intel runs
# them one after the other in the bench (the guest runs with IF=0, which
# Bochs does not interrupt): 101 s measured (shadowvmx: 5-6 s).
# hyperv_clock's six loops of 10^8 NOPs (guest and host): 30-31 s on
# kvm_intel in the bench (h-hv2, 2026-12-06), at the 30 s default.
tmo() {
	case $1 in
	tsc_scaling_sync) [ "$T" -gt 180 ] && echo "$T" || echo 180 ;;
	hyperv_clock) [ "$T" -gt 120 ] && echo "$T" || echo 120 ;;
	*) echo "$T" ;;
	esac
}

label() {
	case $1 in
	svx-shadow) echo /dev/shadowvmx ;;
	svx-ept) echo "/dev/shadowvmx ept" ;;
	kvm-ept1) echo "/dev/kvm ept=1" ;;
	kvm-ept0) echo "/dev/kvm ept=0" ;;
	esac
}

# The line of a failure that says why: the selftest library's assertion
# (file:line: expression) and its errno, or else the first telling line.
why() {
	if grep -q 'Test Assertion Failure' "$1"; then
		a=$(grep -A1 'Test Assertion Failure' "$1" | sed -n 2p | tr -d '\r' | sed 's/^ *//')
		e=$(grep -m1 -o 'errno=[0-9]* - [^,]*' "$1" | tr -d '\r')
		# the assertion's message: the first line after the backtrace
		m=$(awk '/Test Assertion Failure/ { f = 1; n = 0; next }
			f && ++n > 2 && !/^ +[0-9]+\t/ && !/addr2line/ && NF { print; exit }' "$1" |
			tr -d '\r' | sed 's/^ *//')
		echo "$a ($e)${m:+: $m}" | cut -c1-200
		return
	fi
	grep -m1 -E 'Assertion|failed|Failed|errno|Unexpected|unexpected|Error|error|not supported|SKIP' "$1" |
		tr -d '\r' | sed 's/^[ #]*//' | cut -c1-140
}

# Binaries that wedge kvm_intel itself in the Bochs bench (the kernel, not
# only the process: the timeout cannot end them): not run on kvm_intel.
KVM_HANGS=${KST_KVM_HANGS:-hardware_disable_test set_memory_region_test vmx_preemption_timer_test}

# SIGKILL every process running @1 (the bench's busybox has no pkill)
kill_all() {
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		case $cmd in
		"$1"*) kill -9 "${d#/proc/}" 2>/dev/null ;;
		esac
	done
}

one_config() {
	c=$1
	pass=0 fail=0 skip=0 notrun=0
	: >$OUT/$c.res
	for z in "$BIN"/*.gz; do
		n=$(basename "$z" .gz)
		case "$c: $KVM_HANGS " in
		kvm-*" $n "*|kvm-*": $n "*)
			echo "$n notrun" >>$OUT/$c.res
			echo "# kvm-selftest[$c] $n notrun: hangs kvm_intel in the Bochs bench"
			notrun=$((notrun + 1))
			continue
			;;
		esac
		b=$OUT/bin.$n
		gunzip -c "$z" >"$b" && chmod +x "$b"
		t0=$(date +%s)
		# shellcheck disable=SC2046
		timeout -s KILL "$(tmo "$n")" "$b" $(args "$n") >$OUT/$c.$n.log 2>&1 </dev/null
		rc=$?
		# timed out: what it forked (hardware_disable_test) goes with it
		[ $rc -eq 137 ] && kill_all "$b"
		rm -f "$b"
		t1=$(date +%s)
		case $rc in
		0) r=pass; pass=$((pass + 1)) ;;
		4) r=skip; skip=$((skip + 1)) ;;
		137) r=timeout; fail=$((fail + 1)) ;;
		*) r=fail; fail=$((fail + 1)) ;;
		esac
		echo "$n $r" >>$OUT/$c.res
		w=
		[ $r = pass ] || w=": $(why $OUT/$c.$n.log)"
		echo "# kvm-selftest[$c] $n $r $((t1 - t0))s$w"
	done
	echo "kvm-selftests[$(label "$c")]: $pass passed, $fail failed, $skip skipped$([ $notrun -gt 0 ] && echo ", $notrun not run")"
}

for c in $CONFIGS; do
	modprobe -r kvm_intel 2>/dev/null
	case $c in
	svx-shadow|svx-ept)
		a=${KST_INSMOD_ARGS:-}
		[ $c = svx-ept ] && a="$a ept=1"
		# shellcheck disable=SC2086
		if ! insmod "$KO" $a; then
			echo "kvm-selftests[$(label $c)]: FAIL (insmod shadowvmx $a)"
			continue
		fi
		rm -f /dev/kvm
		mm=$(cat /sys/class/misc/shadowvmx/dev)
		mknod /dev/kvm c "${mm%:*}" "${mm#*:}"
		one_config $c
		rm -f /dev/kvm
		rmmod shadowvmx
		;;
	kvm-ept1|kvm-ept0)
		if ! modprobe kvm_intel ept=${c#kvm-ept} || [ ! -c /dev/kvm ]; then
			echo "kvm-selftests[$(label $c)]: FAIL (modprobe kvm_intel ept=${c#kvm-ept})"
			continue
		fi
		one_config $c
		modprobe -r kvm_intel
		;;
	esac
done

for pair in svx-shadow:kvm-ept0 svx-ept:kvm-ept1; do
	s=${pair%:*}
	k=${pair#*:}
	# without a kvm_intel ept=0 pass (make check), ept=1 is the oracle
	[ -f $OUT/$k.res ] || k=kvm-ept1
	[ -f $OUT/$s.res ] && [ -f $OUT/$k.res ] || continue
	while read -r n rs; do
		rk=$(awk -v n="$n" '$1 == n { print $2 }' $OUT/$k.res)
		[ "$rs" = "$rk" ] && continue
		w=
		[ "$rs" != pass ] && w=$(why $OUT/$s.$n.log)
		# passes here, fails on kvm_intel: say why kvm_intel failed
		[ "$rs" = pass ] && [ -f $OUT/$k.$n.log ] && w="kvm_intel: $(why $OUT/$k.$n.log)"
		echo "kvm-selftests-diff[$n][$s]: svx=$rs kvm=$rk $w"
	done <$OUT/$s.res
done
