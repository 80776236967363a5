#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-select-test.sh [--boot KO]: the tests of the bench's choice
# (bench.sh), as TAP, ending in one line "bench-select: N passed, M failed".
#
#  - the choice against fake hosts (SVX_BENCH_ROOT: /dev/kvm, the vmx flag
#    in /proc/cpuinfo, kvm_intel's nested parameter; SVX_QEMU: QEMU there
#    or not) and the SVX_BENCH / SVX_QEMU_ACCEL overrides;
#  - the QEMU command line: the same kernel, initramfs and command line
#    as the Bochs bench, -accel kvm -cpu host (or -accel tcg -cpu max);
#  - with --boot KO: the bench kernel booted under QEMU TCG (no VMX, so
#    this works on any x86 host) through `vmtest.sh run` with
#    SVX_BENCH=qemu SVX_QEMU_ACCEL=tcg: shadowvmx.ko (KO, built for the
#    bench kernel) must refuse to load with -ENODEV and print exactly one
#    dmesg line of its own, which says the CPU has no VMX.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vmtest=$here/vmtest.sh
ko=
[ "${1:-}" = --boot ] && ko=${2:?--boot KO}

n=0
pass=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexit 0\n' >"$tmp/qemu-fake"
chmod +x "$tmp/qemu-fake"

# host NAME [kvm] [vmx|svm] [nested=V]: a fake root under $tmp/NAME
host() {
	local r=$tmp/$1 a
	shift
	mkdir -p "$r/dev" "$r/proc"
	echo "processor	: 0" >"$r/proc/cpuinfo"
	for a in "$@"; do
		case $a in
		kvm) : >"$r/dev/kvm" ;;
		vmx|svm) echo "flags		: fpu vme de pse tsc msr pae $a sse sse2" >>"$r/proc/cpuinfo" ;;
		vmxflags) echo "vmx flags	: vnmi preemption_timer ept" >>"$r/proc/cpuinfo" ;;
		nested=*) mkdir -p "$r/sys/module/kvm_intel/parameters"
			  echo "${a#nested=}" >"$r/sys/module/kvm_intel/parameters/nested" ;;
		esac
	done
}

# expect WANT-STATUS WANT-OUTPUT ROOT QEMU [VAR=VALUE...] -- description
expect() {
	local st=$1 want=$2 root=$3 q=$4 got rc desc
	shift 4
	local env=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	desc=$*
	got=$(env -u SVX_BENCH -u SVX_QEMU_ACCEL SVX_BENCH_ROOT="$tmp/$root" \
		SVX_QEMU="$q" "${env[@]}" bash "$vmtest" bench 2>"$tmp/why")
	rc=$?
	[ "$rc" = "$st" ] && [ "$got" = "$want" ]
	ok $? "$desc: ${got:-status $rc} ($(cat "$tmp/why" | sed 's/^vmtest: bench: //'))"
}

Q=$tmp/qemu-fake
NOQ=$tmp/no-such-qemu
host intel-nested kvm vmx vmxflags nested=Y
host intel-nested1 kvm vmx nested=1
host intel-nonested kvm vmx nested=N
host intel-nonested0 kvm vmx nested=0
host intel-nokvm vmx nested=Y
host intel-nomod kvm vmx
host amd kvm svm
host amd-vmxline kvm svm vmxflags nested=Y
host empty

expect 0 qemu-kvm intel-nested "$Q" -- "VT-x, /dev/kvm, nested=Y, QEMU: qemu-kvm"
expect 0 qemu-kvm intel-nested1 "$Q" -- "nested=1 counts as Y"
expect 0 bochs intel-nonested "$Q" -- "nested=N: Bochs"
expect 0 bochs intel-nonested0 "$Q" -- "nested=0: Bochs"
expect 0 bochs intel-nokvm "$Q" -- "no /dev/kvm: Bochs"
expect 0 bochs intel-nomod "$Q" -- "kvm_intel not loaded: Bochs"
expect 0 bochs amd "$Q" -- "AMD (svm): Bochs"
expect 0 bochs amd-vmxline "$Q" -- "a 'vmx flags' line is not the vmx flag: Bochs"
expect 0 bochs empty "$Q" -- "nothing: Bochs"
expect 0 bochs intel-nested "$NOQ" -- "no QEMU installed: Bochs"
expect 0 bochs intel-nested "$Q" SVX_BENCH=bochs -- "SVX_BENCH=bochs overrides nested KVM"
expect 0 qemu-kvm intel-nested "$Q" SVX_BENCH=qemu -- "SVX_BENCH=qemu with nested KVM"
expect 0 qemu-tcg empty "$Q" SVX_BENCH=qemu -- "SVX_BENCH=qemu without KVM: TCG"
expect 0 qemu-tcg intel-nested "$Q" SVX_BENCH=qemu SVX_QEMU_ACCEL=tcg -- "SVX_QEMU_ACCEL=tcg"
expect 0 qemu-kvm intel-nested "$Q" SVX_BENCH=auto -- "SVX_BENCH=auto"
expect 1 "" intel-nested "$NOQ" SVX_BENCH=qemu -- "SVX_BENCH=qemu without QEMU: an error"
expect 2 "" empty "$Q" SVX_BENCH=kvm -- "an unknown SVX_BENCH: a usage error"

# the QEMU command line
# shellcheck source=bench.sh
. "$here/bench.sh"
a=$(bench_qemu_args qemu-kvm /k/bzImage /k/initrd 512 "console=ttyS0 x=1" 2 | tr '\n' ' ')
[[ $a == *"-accel kvm -cpu host "* && $a == *"-kernel /k/bzImage -initrd /k/initrd "* &&
   $a == *"-append console=ttyS0 x=1 "* && $a == *"-smp 2 -m 512 "* &&
   $a == *"-device isa-debugcon,iobase=0xe9,chardev=con"* && $a != *tcg* ]]
ok $? "qemu-kvm: -accel kvm -cpu host, the bench's kernel, initrd, cmdline, CPUs, port 0xE9"
a=$(bench_qemu_args qemu-tcg /k/bzImage /k/initrd 512 "c" | tr '\n' ' ')
[[ $a == *"-accel tcg -cpu max "* && $a != *"accel kvm"* ]]
ok $? "qemu-tcg: -accel tcg -cpu max"
c=$(bench_qemu_cmdline "console=ttyS0 tsc_early_khz=50000 quiet A=\"x y\" tsc=reliable")
[ "$c" = "console=ttyS0 quiet A=\"x y\" tsc=reliable" ]
ok $? "QEMU's kernel command line: Bochs' tsc_early_khz dropped, the rest kept ($c)"

# the refusal under QEMU TCG
if [ -n "$ko" ]; then
	p=$tmp/payload
	mkdir -p "$p"
	cp "$ko" "$p/shadowvmx.ko"
	# one load attempt (busybox insmod would retry with init_module())
	gcc -static -O2 -Wall -o "$p/finit" "$here/guest/finit.c" ||
		echo "# cannot build guest/finit.c"
	cat >"$p/run" <<-'EOF'
	#!/bin/sh
	echo "refusal: vmx in cpuinfo: $(grep -c '^flags.* vmx' /proc/cpuinfo)"
	/payload/finit /payload/shadowvmx.ko >/tmp/err 2>&1
	echo "refusal: load status $?: $(cat /tmp/err)"
	# the module's own lines (not the kernel's taint notices)
	dmesg | grep 'shadowvmx: ' | grep -v -e 'taints kernel' -e 'module verification failed' |
		sed 's/^/refusal-dmesg: /'
	[ -e /sys/module/shadowvmx ] && echo "refusal: module loaded"
	# as a user would: busybox insmod
	insmod /payload/shadowvmx.ko 2>/tmp/err
	echo "refusal: insmod status $?: $(cat /tmp/err)"
	exit 0
	EOF
	chmod +x "$p/run"
	t0=$(date +%s)
	SVX_BENCH=qemu SVX_QEMU_ACCEL=tcg bash "$vmtest" run --payload "$p" \
		--timeout "${SVX_TCG_TIMEOUT:-300}" >"$tmp/tcg.out" 2>&1
	st=$?
	t1=$(date +%s)
	sed 's/^/# /' "$tmp/tcg.out" | grep -v '^# [A-Za-z0-9+/=]*$' | tail -n 20
	echo "# TCG boot: $((t1 - t0)) s wall"
	grep -q '^vmtest: bench: qemu-tcg' "$tmp/tcg.out"
	ok $? "the TCG bench ran (vmtest.sh status $st)"
	tr -d '\r' <"$tmp/tcg.out" | grep -q '^refusal: vmx in cpuinfo: 0$'
	ok $? "QEMU TCG offers no VMX"
	tr -d '\r' <"$tmp/tcg.out" | grep -q "^refusal: load status 1: finit_module: -19 "
	ok $? "loading shadowvmx.ko: -ENODEV (19)"
	d=$(tr -d '\r' <"$tmp/tcg.out" | grep -c '^refusal-dmesg: ')
	[ "$d" = 1 ] && tr -d '\r' <"$tmp/tcg.out" | grep -q '^refusal-dmesg: .*shadowvmx: CPU has no VMX'
	ok $? "exactly one dmesg line of the module, naming the missing VMX ($d lines)"
	! tr -d '\r' <"$tmp/tcg.out" | grep -q '^refusal: module loaded'
	ok $? "the module is not loaded afterwards"
	tr -d '\r' <"$tmp/tcg.out" | grep -q "^refusal: insmod status [1-9][0-9]*: .*No such device"
	ok $? "busybox insmod: No such device"
fi
echo "1..$n"
echo "bench-select: $pass passed, $fail failed"
[ "$fail" = 0 ]
