#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/harness/run.sh: the experiment harness inside the Bochs bench
# (busybox sh; needs VT-x).  Runs every workload guest (W0..W6, W8..W13, W17,
# see README.md) and W7, the bench's own Linux kernel booted as an L2 guest to
# its user-space marker (tools/runner/linux-guest.sh), whose init then runs
# W14..W16 (lwork: fork+exec+exit, mmap churn, pipe ping-pong), under four
# configurations in this one boot:
#
#   svx-shadow  insmod shadowvmx.ko, svxrun --paging shadow
#   svx-ept     the same module,     svxrun --paging ept
#   kvm-ept0    modprobe kvm_intel ept=0 (shadow paging), /dev/kvm
#   kvm-ept1    modprobe kvm_intel ept=1, /dev/kvm
#
# with `svxrun --mode long64 --stats` and prints, per workload and config,
#
#   harness[W<n>][<config>]: exits=<n> cycles=<n> shadow_pages=<n>
#
# exits: VM exits of the measured part: the run's exits (shadowvmx: misc
#   "exits"; KVM: the vCPU's binary stat "exits") minus those of the W0
#   baseline run (same guest scaffolding, nothing measured); for W2 minus
#   those of the W1 run (W2 = W1's pass plus a second pass); for W7 the
#   whole svxrun run (boot, the marker, init's 1 s sleep, the reset), or,
#   when W14..W16 run in it, svxrun's start to lwork's first mark (svxrun
#   --mark-stats prints every counter at each scenario-probe mark); for
#   W14..W16 the difference between the marks around the phase, minus the
#   closing mark's own OUT.
# cycles: TSC cycles the guest measured around its measured part
#   (for W2: the second pass; W8, W11..W13: per iteration); for W7 the L1
#   TSC from svxrun's start to the marker on its console, read on the host
#   side by tscmark; W14..W16: the L2 guest's TSC per iteration, printed by
#   lwork.
# shadow_pages: svx-shadow: the VM's sp_allocated; kvm-ept0: the VM's
#   mmu_cache_miss (shadow pages KVM allocated); EPT configs: 0.  Net of
#   the baseline like exits.
#
# then the same as CSV between HARNESS-CSV-BEGIN / HARNESS-CSV-END, and
# every counter (exits by reason, MMU counters; run, base, net) between
# HARNESS-COUNTERS-BEGIN / HARNESS-COUNTERS-END, for tools/harness/report.sh;
# that block (~500 lines) is commented out with "# " so that logs filtered
# with grep -v '^# ' (scripts/check.sh) stay short.
# Ends with "harness: N runs, N failed"; exit status 0 if every run ended
# with status 0 and printed its cycles.
#
# Environment: SVXRUN (default /payload/runner/svxrun), SVX_KO (default
# /payload/shadowvmx.ko), HARNESS_DIR (the W*.bin, default: next to this
# script), HARNESS_CONFIGS (default: all four), HARNESS_WORKLOADS (default
# "W1 W2 W3 W4 W5 W6 W8 W9 W10 W11 W12 W13 W17 W7 W14 W15 W16"; W0 always runs;
# any of W14..W16 runs W7 too), HARNESS_L2_SIZES (lwork's "FORKS MMAPS
# PAGES PINGS", default "40 50 64 500"), HARNESS_KERNEL (W7's bzImage,
# default /payload/bzImage), LINUX_GUEST (default linux-guest.sh next to
# svxrun), BUSYBOX (W7's static busybox, default /bin/busybox),
# HARNESS_VERBOSE=1 (svxrun's
# stderr as "# " lines), HARNESS_NO_MODULES=1 (load and unload nothing: use
# the devices as they are, e.g. to try the kvm-* configs on a host /dev/kvm).

H=${HARNESS_DIR:-$(cd "$(dirname "$0")" && pwd)}
SVXRUN=${SVXRUN:-/payload/runner/svxrun}
SVX_KO=${SVX_KO:-/payload/shadowvmx.ko}
CONFIGS=${HARNESS_CONFIGS:-svx-shadow svx-ept kvm-ept0 kvm-ept1}
WORKLOADS=${HARNESS_WORKLOADS:-W1 W2 W3 W4 W5 W6 W8 W9 W10 W11 W12 W13 W17 W7 W14 W15 W16}
L2_SIZES=${HARNESS_L2_SIZES:-40 50 64 500}
L2_WORK=
case " $WORKLOADS " in
*" W14 "* | *" W15 "* | *" W16 "*) L2_WORK=1 ;;
esac
W7_KERNEL=${HARNESS_KERNEL:-/payload/bzImage}
LINUX_GUEST=${LINUX_GUEST:-$(dirname "$SVXRUN")/linux-guest.sh}
W7_MARKER=SVX-L2-USERSPACE-OK
T=/tmp/harness.$$
mkdir -p $T
runs=0
failed=0
: >$T/csv
: >$T/counters

# parse_stats STDERR > KEYS: svxrun --stats output to "key value" lines
#   user.KVM_EXIT_*            the runner's exits to userspace
#   vcpu.exit.<REASON>         shadowvmx: VM exits by basic exit reason
#   vcpu.mmu.<name>, vcpu.misc.<name>, vm.mmu.<name>, vm.misc.<name>
#   vcpu.<stat>, vm.<stat>     KVM binary stats
parse_stats() {
	awk '
	/^svxrun: exits to userspace/ { sec = "user"; next }
	/^svxrun: stats: vcpu 0/      { sec = "vcpu"; next }
	/^svxrun: stats: vm /         { sec = "vm"; next }
	/^svxrun:/                    { sec = ""; next }
	sec == "" || !/^  / { next }
	sec == "user" { if ($1 ~ /^KVM_EXIT_/) print "user." $1, $2; next }
	$1 == "exit" && NF == 4 { print sec ".exit." $3, $4; next }
	($1 == "mmu" || $1 == "misc") && NF == 3 { print sec "." $1 "." $2, $3; next }
	NF == 2 { print sec "." $1, $2 }
	' "$1"
}

# uptime: centiseconds since the L1 boot (wall time of each run, printed
# as "# harness: wall W<n> CONFIG S.CC s")
uptime() {
	awk '{ printf "%d\n", $1 * 100 + 0.5 }' /proc/uptime
}

wall() {
	t=$(($(uptime) - $2))
	echo "# harness: wall $1 $((t / 100)).$((t / 10 % 10))$((t % 10)) s"
}

# get KEYS KEY: the value, 0 when absent
get() {
	v=$(awk -v k="$2" '$1 == k { print $2; exit }' "$1")
	echo "${v:-0}"
}

# run_one CONFIG W DEV ARGS...: one svxrun run; leaves $T/CONFIG.W.{out,err,keys}
run_one() {
	c=$1 w=$2 dev=$3
	shift 3
	b=$T/$c.$w
	$SVXRUN --dev "$dev" --mode long64 --no-stdin --stats --timeout 120 \
		"$@" "$H/$w.bin" >$b.out 2>$b.err
	st=$?
	runs=$((runs + 1))
	[ "${HARNESS_VERBOSE:-0}" = 1 ] && sed "s/^/# $w $c: /" $b.err
	parse_stats $b.err >$b.keys
	cyc=$(grep -a '^cycles=0x' $b.out | tail -n 1 | sed 's/^cycles=//' | tr -d '\r')
	if [ $st -ne 0 ] || [ -z "$cyc" ]; then
		failed=$((failed + 1))
		echo "harness: $w $c: svxrun status $st, cycles '${cyc}'"
		sed "s/^/# $w $c: /" $b.err | tail -n 30
		tail -n 5 $b.out | sed "s/^/# $w $c out: /"
		echo "$w $c FAIL" >>$T/status
		cyc=0
	fi
	echo $((cyc)) >$b.cyc
}

# run_w7 CONFIG DEV [--paging MODE]: the Linux L2 boot through
# linux-guest.sh, with tscmark as its svxrun (cycles to the marker); guest
# RAM asks for transparent huge pages (svxrun --thp) in every configuration,
# as QEMU's does: 2 MiB EPT entries, or 2 MiB SPTEs under shadow paging;
# leaves $T/CONFIG.W7.{log,keys,cyc} like run_one
run_w7() {
	c=$1 dev=$2
	b=$T/$c.W7
	pg=
	[ "$3" = --paging ] && pg="-p $4"
	svxrun=$SVXRUN
	runs=$((runs + 1))
	st=1
	: >$b.log
	# W14..W16: init runs lwork after the marker; svxrun prints every
	# counter at its marks
	hook= files= marks=
	if [ -n "$L2_WORK" ]; then
		printf '#!/bin/sh\n/bin/lwork run %s\n' "$L2_SIZES" >$T/hook
		hook=$T/hook files=$H/lwork marks=--mark-stats
	fi
	if [ -r "$W7_KERNEL" ] && [ -r "$LINUX_GUEST" ] && [ -x "$H/tscmark" ]; then
		# (TSCMARK_EXEC from a variable set before: in a prefix
		# list, an assignment sees the ones to its left)
		SVX_LINUX_LOG=$b.log TSCMARK_EXEC=$svxrun SVXRUN=$H/tscmark \
			TSCMARK_MARKER=$W7_MARKER KERNEL=$W7_KERNEL \
			BUSYBOX=${BUSYBOX:-/bin/busybox} \
			INIT_HOOK=$hook INIT_FILES=$files \
			sh "$LINUX_GUEST" -l "W7 $c" -d "$dev" $pg -t 600 -- --thp $marks \
			>$b.lg 2>&1
		st=$?
	else
		echo "linux-guest[W7 $c]: FAIL (missing $W7_KERNEL, $LINUX_GUEST or $H/tscmark)" >$b.lg
	fi
	# linux-guest's own lines, commented: the harness line is the result
	grep -E '^(linux-guest|# linux-guest)' $b.lg | sed 's/^# //; s/^/# /'
	[ "${HARNESS_VERBOSE:-0}" = 1 ] && sed "s/^/# W7 $c: /" $b.lg
	# the counters at exit (outside the marks), or at lwork's first mark
	if grep -q '^svxrun: mark 14$' $b.log; then
		mark_seg 14 <$b.log >$b.seg
	else
		awk '/^svxrun: mark [0-9]+$/ { skip = 1 } !skip { print }
		     /^svxrun: mark [0-9]+ end$/ { skip = 0 }' $b.log >$b.seg
	fi
	parse_stats $b.seg >$b.keys
	cyc=$(sed -n 's/^tscmark: start_to_marker=\([0-9]*\) .*/\1/p' $b.log | tail -n 1)
	if [ $st -ne 0 ] || [ -z "$cyc" ] || [ "$cyc" = 0 ]; then
		failed=$((failed + 1))
		echo "harness: W7 $c: linux-guest status $st, cycles '${cyc}'"
		grep -v '^# console' $b.lg | tail -n 20 | sed 's/^/# W7 /'
		# the guest's last console lines, to tell a lost marker from
		# a boot that went wrong
		grep -a -v '^svxrun\|^tscmark\|^  ' $b.log | tail -n 40 |
			sed "s/^/# W7 $c console: /"
		echo "W7 $c FAIL" >>$T/status
		cyc=0
	fi
	echo $((cyc)) >$b.cyc
	[ -n "$L2_WORK" ] && l2_results $c $st
}

# mark_seg ID < LOG: svxrun --mark-stats' counters at mark ID
mark_seg() {
	awk -v b="svxrun: mark $1" -v e="svxrun: mark $1 end" '
	$0 == b { on = 1; next } $0 == e { on = 0 } on { print }'
}

# l2_results CONFIG W7-STATUS: W14..W16 out of W7's log; leaves
# $T/CONFIG.W1[456].{keys,cyc} (the counters at marks 15, 16, 17: each
# phase's base is the one before, W14's is W7 = mark 14)
l2_results() {
	c=$1
	log=$T/$c.W7.log
	# the L2 guest's lines, with its kernel's timestamps: the marker to
	# "lwork: done" is the wall time (L2 clock) W14..W16 add to the boot
	tr -d '\r' <$log | grep -a 'SVX-L2-USERSPACE-OK\|lwork: ' |
		sed "s/^/# harness: L2 $c: /"
	for w in W14 W15 W16; do
		n=${w#W}
		b=$T/$c.$w
		runs=$((runs + 1))
		mark_seg $((n + 1)) <$log >$b.seg
		parse_stats $b.seg >$b.keys
		cyc=$(tr -d '\r' <$log | sed -n \
			"s/.*lwork: $w iters=[0-9]* cycles=[0-9]* per_iter=\([0-9]*\)\$/\1/p" |
			tail -n 1)
		if [ "$2" -ne 0 ] || [ -z "$cyc" ] || [ ! -s $b.keys ] ||
		   ! grep -q '^svxrun: mark 14$' $log; then
			failed=$((failed + 1))
			m=$(grep -c '^svxrun: mark [0-9]*$' $log)
			echo "harness: $w $c: W7 status $2, cycles '${cyc}', marks $m"
			tr -d '\r' <$log | grep -a 'lwork: \|probe: mark' | sed "s/^/# $w $c: /"
			echo "$w $c FAIL" >>$T/status
			cyc=0
		fi
		echo $((cyc)) >$b.cyc
	done
}

# total CONFIG KEYS: "exits shadow_pages" of one run
total() {
	case $1 in
	svx-*)	e=$(get $2 vcpu.misc.exits)
		if [ "$e" = 0 ]; then
			e=$(awk '$1 ~ /^vcpu\.exit\./ { s += $2 } END { print s + 0 }' $2)
		fi ;;
	*)	e=$(get $2 vcpu.exits) ;;
	esac
	case $1 in
	svx-shadow) s=$(get $2 vm.mmu.sp_allocated) ;;
	kvm-ept0) s=$(get $2 vm.mmu_cache_miss) ;;
	*) s=0 ;;
	esac
	echo "$e $s"
}

# report CONFIG W BASE [OWN]: the report line, the CSV row, the counter
# rows; OWN: exits of the measurement itself, not the workload's (W14..W16:
# the closing mark's OUT)
report() {
	c=$1 w=$2 base=$3 own=${4:-0}
	set -- $(total $c $T/$c.$w.keys)
	e_run=$1 s_run=$2
	set -- $(total $c $T/$c.$base.keys)
	e_base=$1 s_base=$2
	e=$((e_run - e_base - own))
	s=$((s_run - s_base))
	[ $e -ge 0 ] || e=0
	[ $s -ge 0 ] || s=0
	cyc=$(cat $T/$c.$w.cyc)
	ok=ok
	grep -q "^$w $c FAIL" $T/status 2>/dev/null && ok=FAIL
	echo "harness[$w][$c]: exits=$e cycles=$cyc shadow_pages=$s"
	echo "$w,$c,$e,$cyc,$s,$e_run,$e_base,$base,$ok" >>$T/csv
	# every counter of the run, its base and the difference
	awk -v w=$w -v c=$c '
	FILENAME == ARGV[1] { base[$1] = $2; keys[$1] = 1; next }
	{ run[$1] = $2; keys[$1] = 1 }
	END { for (k in keys) printf "%s,%s,%s,%d,%d,%d\n", w, c, k, run[k], base[k], run[k] - base[k] }
	' $T/$c.$base.keys $T/$c.$w.keys | sort >>$T/counters
}

# run_config CONFIG DEV ARGS...: every workload, then the report lines
run_config() {
	c=$1
	shift
	echo "harness: $c"
	: >$T/$c.none.keys
	w7=
	for w in W0 $WORKLOADS; do
		case $w in
		W7 | W14 | W15 | W16)
			# one L2 boot for W7 and W14..W16
			if [ -z "$w7" ]; then
				t0=$(uptime)
				run_w7 $c "$@"
				wall "W7${L2_WORK:++W14..W16} $c" $t0
			fi
			w7=1 ;;
		*)
			t0=$(uptime)
			run_one $c $w "$@"
			wall "$w $c" $t0 ;;
		esac
	done
	for w in $WORKLOADS; do
		own=0
		case $w in
		W2) base=W1 ;;
		W7) base=none ;;	# the whole boot is the workload
		W14) base=W7 own=1 ;;	# the phase between two marks
		W15) base=W14 own=1 ;;
		W16) base=W15 own=1 ;;
		*) base=W0 ;;
		esac
		[ -f $T/$c.$base.keys ] || base=W0
		report $c $w $base $own
	done
}

# A config that cannot start still gets its lines (with FAIL), so a
# missing config is visible.
config_failed() {
	echo "harness: $1: $2"
	for w in $WORKLOADS; do
		failed=$((failed + 1))
		echo "harness[$w][$1]: exits=0 cycles=0 shadow_pages=0 FAIL ($2)"
		echo "$w,$1,0,0,0,0,0,W0,FAIL" >>$T/csv
	done
}

if [ "${HARNESS_NO_MODULES:-0}" = 1 ]; then
	insmod() { [ -c /dev/shadowvmx ]; }
	rmmod() { :; }
	modprobe() { [ "$1" = -r ] || [ -c /dev/kvm ]; }
	ept_ok() { :; }
else
	ept_ok() {
		[ "$(cat /sys/module/kvm_intel/parameters/ept)" = "$([ $1 = 1 ] && echo Y || echo N)" ]
	}
fi
modprobe -r kvm_intel 2>/dev/null
rmmod shadowvmx 2>/dev/null

svx_cfgs=""
kvm_cfgs=""
for c in $CONFIGS; do
	case $c in
	svx-*) svx_cfgs="$svx_cfgs $c" ;;
	kvm-*) kvm_cfgs="$kvm_cfgs $c" ;;
	*) echo "harness: unknown config $c" ;;
	esac
done

if [ -n "$svx_cfgs" ]; then
	if insmod $SVX_KO; then
		for c in $svx_cfgs; do
			run_config $c /dev/shadowvmx --paging ${c#svx-}
		done
		rmmod shadowvmx || echo "harness: rmmod shadowvmx failed"
	else
		for c in $svx_cfgs; do config_failed $c "insmod $SVX_KO failed"; done
	fi
fi
for c in $kvm_cfgs; do
	e=${c#kvm-ept}
	if modprobe kvm_intel ept=$e && [ -c /dev/kvm ] && ept_ok $e; then
		run_config $c /dev/kvm
	else
		config_failed $c "modprobe kvm_intel ept=$e failed"
	fi
	modprobe -r kvm_intel 2>/dev/null
done

# W12 and W13 exit the same way on every hypervisor (an intercepted MSR
# handled in the kernel, an IN answered by svxrun): their exit counts must
# match between the configurations that ran
for w in W12 W13; do
	v=$(awk -F, -v w=$w '$1 == w && $9 == "ok" { print $2 "=" $3 }' $T/csv)
	n=$(echo "$v" | sed 's/.*=//' | sort -u | grep -c .)
	if [ "$n" -gt 1 ]; then
		failed=$((failed + 1))
		echo "harness: $w: exits differ between configurations:" $v
	fi
done

# W9 checks every #PF it takes against the SDM's rules: the number it
# prints ("W9: p=0x...") must be the same in every configuration that ran
v=
for c in $CONFIGS; do
	f=$T/$c.W9.out
	[ -f $f ] && ! grep -q "^W9 $c FAIL" $T/status 2>/dev/null || continue
	v="$v $c=$(grep -a '^W9: p=' $f | tail -n 1 | sed 's/^W9: p=//' | tr -d '\r')"
done
if [ -n "$v" ]; then
	n=$(echo "$v" | tr ' ' '\n' | sed -n 's/.*=//p' | sort -u | grep -c .)
	if [ "$n" -gt 1 ] || echo "$v" | grep -q '=\( \|$\)'; then
		failed=$((failed + 1))
		echo "harness: W9: #PF counts differ between configurations:" $v
	else
		echo "# harness: W9: #PF count" $v
	fi
fi

echo "HARNESS-CSV-BEGIN"
echo "workload,config,exits,cycles,shadow_pages,exits_run,exits_base,base,status"
cat $T/csv
echo "HARNESS-CSV-END"
{
	echo "HARNESS-COUNTERS-BEGIN"
	echo "workload,config,counter,run,base,net"
	cat $T/counters
	echo "HARNESS-COUNTERS-END"
} | sed 's/^/# /'
echo "harness: $runs runs, $failed failed"
rm -rf $T
[ $failed -eq 0 ]
