#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the shadowvmx selftests against one or more devices; busybox sh only.
# The Bochs bench runs this as /payload/run with /payload holding
# shadowvmx.ko, selftests/ (the built test binaries) and this script.
#
# For each suite it prints the tests' TAP output as '# ' comment lines and
# then exactly one summary line:
#     selftests[<label>]: N passed, M failed
# (skipped tests count as neither; a '# <label>: K skipped' line precedes the
# summary), and before it, when cpu_features_test ran, that binary's own
# counts (also in the selftests line):
#     cpu-features[<label>]: N passed, M failed
# Exit status: 0 iff no suite had a failure.
#
# Environment:
#   SVX_SUITES     whitespace-separated suites, run in order
#                  (default "shadowvmx kvm"):
#       shadowvmx          insmod $SVX_PAYLOAD/shadowvmx.ko $SVX_INSMOD_ARGS,
#                          run on /dev/shadowvmx, then rmmod shadowvmx
#                          (insmod/rmmod failure counts as a failed test);
#                          label "/dev/shadowvmx"
#       shadowvmx:MODE     the same with SVX_PAGING=MODE (ept or shadow):
#                          every test VM is put in that paging mode with
#                          SVX_SET_PAGING; label "/dev/shadowvmx MODE"
#       kvm[:p=v,p=v...]   modprobe -r kvm_intel; modprobe kvm_intel p=v ...;
#                          run on /dev/kvm with SVX_MODULE=kvm_intel;
#                          label "/dev/kvm" or "/dev/kvm p=v p=v"
#                          e.g. kvm:ept=0 -> "selftests[/dev/kvm ept=0]: ..."
#       dev:/path          run on an existing device, no module handling
#                          (used by run_host.sh); label "/path"
#   SVX_PAYLOAD    directory with shadowvmx.ko (default: this script's dir)
#   SVX_TESTS_DIR  directory of test binaries (default $SVX_PAYLOAD/selftests)
#   SVX_KVM_MODULE vendor module for kvm suites (default kvm_intel)
#   SVX_INSMOD_ARGS extra shadowvmx.ko parameters
#   SVX_LABEL_SUFFIX appended to every label (e.g. " cpus=2")

SVX_PAYLOAD=${SVX_PAYLOAD:-$(cd "$(dirname "$0")" && pwd)}
SVX_TESTS_DIR=${SVX_TESTS_DIR:-$SVX_PAYLOAD/selftests}
SVX_SUITES=${SVX_SUITES:-shadowvmx kvm}
SVX_KVM_MODULE=${SVX_KVM_MODULE:-kvm_intel}
TMP=${TMPDIR:-/tmp}/svx_selftests.$$

pass=0
fail=0
skip=0
any_fail=0

note() { echo "# $*"; }

# A step outside the test binaries (insmod, rmmod...) that failed.
step_failed() {
	note "not ok: $*"
	fail=$((fail + 1))
}

# Wait for a device node; create it from sysfs if nobody else does.
wait_dev() {
	dev=$1
	name=$(basename "$dev")
	i=0
	while [ ! -c "$dev" ] && [ $i -lt 10 ]; do
		sleep 1
		i=$((i + 1))
	done
	if [ ! -c "$dev" ] && [ -r "/sys/class/misc/$name/dev" ]; then
		mm=$(cat "/sys/class/misc/$name/dev")
		mknod "$dev" c "${mm%%:*}" "${mm##*:}"
	fi
	[ -c "$dev" ]
}

# The isolation tests (issue 14): memory the guest must not reach (a
# read-only, deleted or absent slot, memory the VMM unmapped or remapped,
# a slot swapped under it, another vCPU's memslot churn), accesses made on
# the guest's behalf with its own permissions (user-mode rep ins/outs on
# kernel, read-only and unmapped pages), walk-trace privacy and the VMM's
# own state across KVM_RUN.  "binary:name" (an extended regex, the
# harness' fixture.variant.test); their results, already in the
# selftests line, are also summed in "isolation[<label>]"; a listed test
# that did not run counts as failed.  pin_test gives "pins[<label>]".
ISOLATION="exits_test:guest\.(readonly_slot_write_exits_as_mmio|unbacked_gpa_is_mmio|deleted_slot_becomes_mmio|rep_insb_string|rep_outsb_string)
mmu_test:mmu\.[a-z0-9]+\.(string_io_user|memslot_change|vmm_remaps_guest_memory|user_mode|mmio)
mmu_notifier_test:mn\.remapped_under_a_polling_guest_[a-z0-9]+
smp_test:global\.shared_page_table_two_vcpus_memslot_churn
walktrace_test:wt\.[a-z0-9]+\.host_addresses_need_cap_sys_admin
host_state_test:guest\.[a-z_]+_survive_kvm_run"
iso_pass=0
iso_fail=0
pins=
failed_names=

# Count the isolation tests of binary $1 in $TMP.  The harness prints a
# skipped test's result as "ok N # SKIP reason", without its name: the
# name is the last "#  RUN <name> ..." line before it.
isolation_count() {
	res=$(awk '/^#  RUN +/ { name = $3 }
		/^ok [0-9]+ # SKIP/ { print "skip " name; next }
		/^ok [0-9]+ / { print "pass " $3; next }
		/^not ok [0-9]+ / { print "fail " $4 }' "$TMP")
	for it in $ISOLATION; do
		[ "${it%%:*}" = "$1" ] || continue
		re=${it#*:}
		ip=$(echo "$res" | grep -c -E "^pass $re$")
		is=$(echo "$res" | grep -c -E "^skip $re$")
		ifl=$(echo "$res" | grep -c -E "^fail $re$")
		[ $((ip + is + ifl)) -gt 0 ] || { note "isolation: no $re in $1"; ifl=1; }
		iso_pass=$((iso_pass + ip))
		iso_fail=$((iso_fail + ifl))
	done
	if [ "$1" = pin_test ]; then
		if echo "$res" | grep -qx 'pass pin\.pins_accounted_and_limited_by_rlimit_memlock'; then
			pins=accounted
		elif ! echo "$res" | grep -qx 'skip pin\.pins_accounted_and_limited_by_rlimit_memlock'; then
			pins="NOT accounted"
		fi
	fi
}

# Run every test binary against $1 (device); accumulate pass/fail/skip.
run_binaries() {
	dev=$1
	found=0
	for t in "$SVX_TESTS_DIR"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		found=1
		SVX_LABEL="${label:-$dev}${SVX_LABEL_SUFFIX:-}" SVX_DEV=$dev \
			"$t" > "$TMP" 2>&1
		rc=$?
		sed 's/^/# /' "$TMP"
		p=$(grep -E '^ok [0-9]+' "$TMP" | grep -v -c '# SKIP')
		s=$(grep -E '^ok [0-9]+' "$TMP" | grep -c '# SKIP')
		f=$(grep -c -E '^not ok [0-9]+' "$TMP")
		plan=$(grep -c -E '^1\.\.[0-9]+' "$TMP")
		if [ "$f" -eq 0 ] && { [ $rc -ne 0 ] || [ "$plan" -eq 0 ]; }; then
			# crashed, killed, or not a harness binary
			note "not ok: $(basename "$t") exited with status $rc"
			f=1
		fi
		pass=$((pass + p))
		skip=$((skip + s))
		fail=$((fail + f))
		# the failed tests' names, for the summary line
		if [ "$f" -gt 0 ]; then
			names=$(awk '/^not ok [0-9]+ / { printf " %s", $4 }' "$TMP")
			failed_names="$failed_names${names:- $(basename "$t")}"
		fi
		isolation_count "$(basename "$t")"
		# cpu_features_test also gets a line of its own (summary)
		if [ "$(basename "$t")" = cpu_features_test ]; then
			cf_pass=$p
			cf_fail=$f
		fi
	done
	rm -f "$TMP"
	[ $found -eq 1 ] || step_failed "no test binaries in $SVX_TESTS_DIR"
}

summary() {
	note "$1${SVX_LABEL_SUFFIX:-}: $skip skipped"
	if [ -n "$cf_pass" ]; then
		echo "cpu-features[$1${SVX_LABEL_SUFFIX:-}]: $cf_pass passed, $cf_fail failed"
		cf_pass=
	fi
	if [ -n "$failed_names" ]; then
		echo "selftests[$1${SVX_LABEL_SUFFIX:-}]: $pass passed, $fail failed (not ok:$failed_names)"
	else
		echo "selftests[$1${SVX_LABEL_SUFFIX:-}]: $pass passed, $fail failed"
	fi
	failed_names=
	if [ $((iso_pass + iso_fail)) -gt 0 ]; then
		echo "isolation[$1${SVX_LABEL_SUFFIX:-}]: $iso_pass passed, $iso_fail failed"
	fi
	[ -z "$pins" ] || echo "pins[$1${SVX_LABEL_SUFFIX:-}]: $pins"
	iso_pass=0
	iso_fail=0
	pins=
	[ $fail -eq 0 ] || any_fail=1
	pass=0
	fail=0
	skip=0
}

suite_shadowvmx() {
	label=/dev/shadowvmx
	[ -n "$1" ] && label="/dev/shadowvmx $1"
	if [ -d /sys/module/shadowvmx ]; then
		note "shadowvmx already loaded"
	elif ! insmod "$SVX_PAYLOAD/shadowvmx.ko" $SVX_INSMOD_ARGS; then
		step_failed "insmod $SVX_PAYLOAD/shadowvmx.ko"
		summary "$label"
		return
	fi
	if wait_dev /dev/shadowvmx; then
		SVX_PAGING=$1 SVX_MODULE=shadowvmx run_binaries /dev/shadowvmx
	else
		step_failed "/dev/shadowvmx did not appear"
	fi
	# The shadow-MMU audit (insmod audit=1): SPTEs checked against the
	# guest's tables after every shadow fault, and disagreements.
	a=/sys/module/shadowvmx/parameters
	if [ "$(cat $a/audit 2>/dev/null)" = Y ] &&
	   { [ -z "$1" ] || [ "$1" = shadow ]; }; then
		echo "shadow-audit[$label${SVX_LABEL_SUFFIX:-}]: $(cat $a/audit_checks) checks, $(cat $a/audit_violations) violations"
	fi
	rmmod shadowvmx || step_failed "rmmod shadowvmx"
	summary "$label"
}

suite_kvm() {
	params=$(echo "$1" | tr ',' ' ')
	label=/dev/kvm
	[ -n "$params" ] && label="/dev/kvm $params"
	modprobe -r "$SVX_KVM_MODULE" 2>/dev/null
	if ! modprobe "$SVX_KVM_MODULE" $params; then
		step_failed "modprobe $SVX_KVM_MODULE $params"
		summary "$label"
		return
	fi
	if wait_dev /dev/kvm; then
		SVX_MODULE=$SVX_KVM_MODULE run_binaries /dev/kvm
	else
		step_failed "/dev/kvm did not appear"
	fi
	summary "$label"
}

suite_dev() {
	if [ -c "$1" ]; then
		run_binaries "$1"
	else
		step_failed "$1 is not a character device"
	fi
	summary "$1"
}

for suite in $SVX_SUITES; do
	case $suite in
	shadowvmx)	suite_shadowvmx "" ;;
	shadowvmx:*)	suite_shadowvmx "${suite#shadowvmx:}" ;;
	kvm)		suite_kvm "" ;;
	kvm:*)		suite_kvm "${suite#kvm:}" ;;
	dev:*)		suite_dev "${suite#dev:}" ;;
	*)		step_failed "unknown suite '$suite'"; summary "$suite" ;;
	esac
done
exit $any_fail
