# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Which bench runs the payloads (sourced by vmtest.sh):
#
#   qemu-kvm  QEMU with -accel kvm -cpu host: this host's own KVM runs the
#             bench kernel with nested VMX (a guest hypervisor at native
#             speed).  Chosen when /dev/kvm exists, the CPU has VT-x (vmx
#             in /proc/cpuinfo's flags) and kvm_intel allows nesting
#             (/sys/module/kvm_intel/parameters/nested is Y or 1), and
#             QEMU (qemu-system-x86_64) is installed.
#   bochs     Bochs 2.7 emulating a VMX CPU (corei7_skylake_x): anywhere
#             else, ~45 MIPS.
#   qemu-tcg  QEMU's own emulator, no VMX: only on request (SVX_BENCH=qemu
#             on a host without nested KVM, or with SVX_QEMU_ACCEL=tcg); the
#             module refuses to load there (-ENODEV), which the bench's own
#             test checks (bench-select-test.sh).
#
# SVX_BENCH=bochs|qemu overrides the choice (auto: the default).  For the
# tests, SVX_BENCH_ROOT prefixes /dev/kvm, /proc/cpuinfo and /sys/module
# (a fake root), SVX_QEMU names the QEMU binary.

bench_qemu_bin() { echo "${SVX_QEMU:-qemu-system-x86_64}"; }

# bench_kvm_usable: 0 if this host can run the bench under nested KVM;
# else 1 with the reason in BENCH_WHY
bench_kvm_usable() {
	local root=${SVX_BENCH_ROOT:-} nested
	if [ -n "$root" ]; then
		[ -e "$root/dev/kvm" ] || { BENCH_WHY="no /dev/kvm"; return 1; }
	else
		[ -c /dev/kvm ] || { BENCH_WHY="no /dev/kvm"; return 1; }
		[ -r /dev/kvm ] && [ -w /dev/kvm ] ||
			{ BENCH_WHY="/dev/kvm not accessible"; return 1; }
	fi
	grep -qE '^flags[[:space:]]*:.*[[:space:]]vmx([[:space:]]|$)' "$root/proc/cpuinfo" 2>/dev/null ||
		{ BENCH_WHY="the CPU has no VT-x (no vmx flag)"; return 1; }
	nested=$(cat "$root/sys/module/kvm_intel/parameters/nested" 2>/dev/null) ||
		{ BENCH_WHY="kvm_intel not loaded"; return 1; }
	case $nested in
	Y|y|1) ;;
	*) BENCH_WHY="kvm_intel nested=$nested"; return 1 ;;
	esac
	command -v "$(bench_qemu_bin)" >/dev/null 2>&1 ||
		{ BENCH_WHY="no $(bench_qemu_bin) (Debian: qemu-system-x86)"; return 1; }
	BENCH_WHY="/dev/kvm, VT-x, kvm_intel nested=$nested, $(bench_qemu_bin)"
	return 0
}

# bench_select: sets BENCH to bochs, qemu-kvm or qemu-tcg and prints it;
# BENCH_WHY says why.  Status 2 for a bad SVX_BENCH, 1 if QEMU was asked
# for and is missing.
bench_select() {
	bench_choose || return
	echo "$BENCH"
}

bench_choose() {
	BENCH= BENCH_WHY=
	case ${SVX_BENCH:-auto} in
	bochs)
		BENCH_WHY="SVX_BENCH=bochs"
		BENCH=bochs ;;
	qemu)
		command -v "$(bench_qemu_bin)" >/dev/null 2>&1 ||
			{ BENCH_WHY="SVX_BENCH=qemu but no $(bench_qemu_bin)"; return 1; }
		if [ "${SVX_QEMU_ACCEL:-}" = tcg ]; then
			BENCH_WHY="SVX_BENCH=qemu SVX_QEMU_ACCEL=tcg: TCG, no VMX"
			BENCH=qemu-tcg
		elif bench_kvm_usable; then
			BENCH_WHY="SVX_BENCH=qemu: $BENCH_WHY"
			BENCH=qemu-kvm
		else
			BENCH_WHY="SVX_BENCH=qemu without nested KVM, TCG (no VMX): $BENCH_WHY"
			BENCH=qemu-tcg
		fi ;;
	auto)
		if bench_kvm_usable; then
			BENCH=qemu-kvm
		else
			BENCH_WHY="no nested KVM: $BENCH_WHY"
			BENCH=bochs
		fi ;;
	*)
		BENCH_WHY="SVX_BENCH=$SVX_BENCH: bochs, qemu or auto"
		return 2 ;;
	esac
}

# bench_qemu_args BENCH KERNEL INITRD MEGS CMDLINE [CPUS]: QEMU's arguments, one
# per line (the same kernel, initramfs and command line as the Bochs
# bench; the console and the port 0xE9 stream share stdout, as in Bochs)
bench_qemu_args() {
	local bench=$1 kernel=$2 initrd=$3 megs=$4 cmdline=$5 cpus=${6:-1}
	printf '%s\n' -nodefaults -no-user-config -display none -no-reboot
	if [ "$bench" = qemu-kvm ]; then
		printf '%s\n' -accel kvm -cpu host
	else
		printf '%s\n' -accel tcg -cpu max
	fi
	printf '%s\n' -smp "$cpus" -m "$megs" -kernel "$kernel" -initrd "$initrd" \
		-append "$cmdline" \
		-chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
		-device isa-debugcon,iobase=0xe9,chardev=con
}

# Bochs' TSC counts instructions (tsc_early_khz); under QEMU the TSC is real
bench_qemu_cmdline() {
	sed -E 's/(^| )tsc_early_khz=[^ ]*//' <<<"$1"
}
