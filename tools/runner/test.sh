#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# svxrun self-test: run the demo guests against a KVM-API device and print
# TAP.  Busybox sh compatible (runs in the test initramfs).
#
#   sh tools/runner/test.sh [DEVICE]      default $SVX_DEV, else /dev/shadowvmx
#
# Environment: SVXRUN (runner binary), GUESTS (directory of *.bin and
# mbirq.elf); both
# default to build/ next to this script, or the script's own directory.

DEV=${1:-${SVX_DEV:-/dev/shadowvmx}}
HERE=$(dirname "$0")
if [ -x "$HERE/build/svxrun" ]; then
	DEFDIR=$HERE/build
else
	DEFDIR=$HERE
fi
SVXRUN=${SVXRUN:-$DEFDIR/svxrun}
GUESTS=${GUESTS:-$DEFDIR}
PLAN=36

if [ ! -x "$SVXRUN" ]; then
	echo "1..0 # SKIP $SVXRUN not built (make -C tools/runner)"
	exit 0
fi
if [ ! -c "$DEV" ]; then
	echo "1..0 # SKIP $DEV is not a character device"
	exit 0
fi

T=$(mktemp -d 2>/dev/null) || { T=/tmp/svxrun-test.$$; mkdir -p "$T"; }
trap 'rm -rf "$T"' EXIT

n=0
failed=0

# run ARGS...: svxrun on $DEV; stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$SVXRUN" --dev "$DEV" --timeout 30 "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

diag() {
	echo "#   exit status: $rc"
	sed 's/^/#   stdout: /' "$T/out"
	sed 's/^/#   stderr: /' "$T/err"
}

# check DESCRIPTION COMMAND...: one TAP line for the outcome of COMMAND
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
		diag
	fi
}

status_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }
err_count() { [ "$(grep -cF -- "$1" "$T/err")" -eq "$2" ]; }
no_err() { ! grep -qF -- "$1" "$T/err"; }

echo "1..$PLAN"
echo "# svxrun: $SVXRUN, device: $DEV"

run --mode prot32 "$GUESTS/hello32.bin"
check "hello32 (prot32): exits with status 0" status_is 0
check "hello32: prints the greeting" out_has "Hello from a shadowvmx guest (prot32)"
check "hello32: 64 pages written and read back" out_has "written and read back: OK"
check "hello32: runner reports the halt" err_has "svxrun: guest halted"

run --mode long64 "$GUESTS/hello64.bin"
check "hello64 (long64): exits with status 0" status_is 0
check "hello64: prints the greeting" out_has "Hello from a shadowvmx guest (long64)"
check "hello64: 64 pages across a 2M boundary written and read back" \
	out_has "written and read back: OK"
check "hello64: runner reports the halt" err_has "svxrun: guest halted"

run "$GUESTS/exit32.bin"
check "exit32: debug exit 0x2a gives status (0x2a << 1) | 1 = 85" status_is 85
check "exit32: output before the exit is flushed" out_has "exit32: writing 0x2a to port 0xf4"
check "exit32: the hlt after the debug exit is not reached" no_err "guest halted"

run "$GUESTS/devices32.bin"
check "devices32: exits with status 0" status_is 0
check "devices32: unknown port reads all ones, writes ignored" \
	out_has "unknown port 0x6f0: reads all ones, writes ignored: OK"
check "devices32: unknown port logged exactly once" err_count "port 0x6f0" 1
check "devices32: string I/O (rep outsb, rep insb)" \
	sh -c "grep -qF 'rep outsb to the uart: OK' '$T/out' && grep -qF 'rep insb from unknown port: OK' '$T/out'"
check "devices32: uart scratch register and LSR" out_has "uart: scratch register and LSR: OK"
check "devices32: MMIO write ignored, read returns all ones, logged once" \
	sh -c "grep -qF 'read returns all ones: OK' '$T/out' && [ \$(grep -c 'MMIO.*0xd0000000' '$T/err') -eq 1 ]"

run --stats "$GUESTS/hello32.bin"
check "--stats: guest runs and counters (or their absence) are reported" \
	sh -c "[ $rc -eq 0 ] && grep -q '^svxrun: stats: ' '$T/err'"

printf '\017\013' >"$T/ud2.bin"		# ud2 with no IDT: triple fault
run "$T/ud2.bin"
check "ud2 without an IDT: shutdown reported with status 4" \
	sh -c "[ $rc -eq 4 ] && grep -q 'guest shutdown' '$T/err' && grep -q ' rip 0000000000100000' '$T/err'"

run --mode long64 "$T/ud2.bin"
check "ud2 without an IDT (long64): shutdown reported with status 4" status_is 4

run --max-exits 3 "$GUESTS/hello32.bin"
check "--max-exits 3: stops with status 12" status_is 12

run --mem 12Q "$GUESTS/hello32.bin"
check "bad --mem: usage error, status 2" sh -c "[ $rc -eq 2 ] && grep -q 'bad size' '$T/err'"

# --- board and loaders ------------------------------------------------------
# kvm_pvm emulates ring-0 guest code with KVM's emulator, whose IRET is
# real-mode only: mbirq then returns from interrupts with sti; lret $4
NOIRET=
if [ -d /sys/module/kvm_pvm ] && [ "$DEV" = /dev/kvm ]; then
	NOIRET=noiret
	echo "# kvm_pvm host: mbirq runs with 'noiret'"
fi
echo hello >"$T/mod.txt"
run --initrd "$T/mod.txt" --append "$NOIRET" "$GUESTS/mbirq.elf" </dev/null
check "mbirq (multiboot): debug exit 0, status 1" status_is 1
check "mbirq: multiboot info (magic, mmap, cmdline, module)" \
	sh -c "grep -qF 'memory map RAM matches mem_lower + mem_upper: OK' '$T/out' && grep -qF 'module content: OK' '$T/out' && grep -qF 'cmdline starts with the program name: OK' '$T/out'"
check "mbirq: fw_cfg signature and CMOS" \
	sh -c "grep -qF 'fw_cfg signature: OK' '$T/out' && grep -qF 'cmos: valid, BCD century 20: OK' '$T/out'"
check "mbirq: 10 PIT interrupts through the PIC while halted with IF=1" \
	out_has "10 PIT interrupts through the PIC (IRQ 0, vector 0x20), HLT with IF=1: OK"

echo x | "$SVXRUN" --dev "$DEV" --timeout 30 --append "echo $NOIRET" \
	"$GUESTS/mbirq.elf" >"$T/out" 2>"$T/err"
rc=$?
check "mbirq echo: stdin byte arrives through the UART receive interrupt" \
	sh -c "[ $rc -eq 1 ] && grep -qF 'UART receive interrupt (IRQ 4, vector 0x24): OK' '$T/out'"

run --mem 2M "$GUESTS/mbirq.elf"
check "mbirq with --mem 2M: does not fit, status 2" \
	sh -c "[ $rc -eq 2 ] && grep -q 'do not fit' '$T/err'"

printf '\260\376\346\144\364' >"$T/reset.bin"	# mov al,0xfe; out 0x64,al; hlt
run "$T/reset.bin"
check "i8042 command 0xfe: reset, status 16" \
	sh -c "[ $rc -eq 16 ] && grep -q 'reset the machine through the i8042' '$T/err'"

printf '\373\364' >"$T/stihlt.bin"		# sti; hlt
run --no-stdin "$T/stihlt.bin"
check "sti; hlt with no timer or input: ends with status 0 and says why" \
	sh -c "[ $rc -eq 0 ] && grep -q 'no timer or input left' '$T/err'"

# mov dword [0xd1000000], 0x12345678; mov eax, [0xd1000000]; out 0xf4, al
printf '\307\005\000\000\000\321\170\126\064\022\241\000\000\000\321\346\364' >"$T/mmio.bin"
run "$T/mmio.bin"
check "logged MMIO window: write logged, read returns it (status 241)" \
	sh -c "[ $rc -eq 241 ] && grep -q 'mmio-log: write gpa 0xd1000000 len 4 data 0x12345678' '$T/err' && grep -q 'mmio-log: read  gpa 0xd1000000' '$T/err'"

# a bzImage header (HdrS, protocol 2.06) without a 64-bit entry point
dd if=/dev/zero of="$T/bz" bs=1024 count=8 2>/dev/null
printf 'HdrS\006\002' | dd of="$T/bz" bs=1 seek=514 conv=notrunc 2>/dev/null
run "$T/bz"
check "bzImage detected, protocol < 2.12 refused with status 2" \
	sh -c "[ $rc -eq 2 ] && grep -q 'XLF_KERNEL_64' '$T/err'"

run --paging ept "$GUESTS/hello32.bin"
check "--paging ept: accepted by shadowvmx or explained on kvm (status 0)" \
	sh -c "[ $rc -eq 0 ] || grep -q 'SVX_SET_PAGING refused' '$T/err'"

run --paging bogus "$GUESTS/hello32.bin"
check "--paging bogus: usage error, status 2" status_is 2

# skip DESCRIPTION REASON: one TAP line for a check that cannot run here
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Real mode: natively with unrestricted guest (EPT mode, kvm_intel ept=1),
# in virtual-8086 mode on svxrun's KVM_SET_TSS_ADDR TSS otherwise
# (/dev/shadowvmx shadow paging, kvm_intel ept=0).
case $DEV in
*/kvm)
	run --mode real16 "$GUESTS/hello16.bin"
	check "hello16 (real16): prints from real mode, status 0" \
		sh -c "[ $rc -eq 0 ] && grep -qF 'hello16: real mode' '$T/out'"
	skip "hello16 (real16, --paging shadow)" "shadowvmx option"
	;;
*)
	run --paging ept --mode real16 "$GUESTS/hello16.bin"
	if [ $rc -eq 2 ] && grep -q 'SVX_SET_PAGING' "$T/err"; then
		skip "hello16 (real16, --paging ept)" "no EPT mode on this device/CPU"
	else
		check "hello16 (real16, --paging ept): prints from real mode, status 0" \
			sh -c "[ $rc -eq 0 ] && grep -qF 'hello16: real mode' '$T/out'"
	fi
	run --paging shadow --mode real16 "$GUESTS/hello16.bin"
	check "hello16 (real16, --paging shadow): vm86 prints from real mode, status 0" \
		sh -c "[ $rc -eq 0 ] && grep -qF 'hello16: real mode' '$T/out'"
	;;
esac

if [ "$n" -ne "$PLAN" ]; then
	echo "# BUG: planned $PLAN tests, ran $n"
	failed=$((failed + 1))
fi
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
