#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh (busybox sh, in the Bochs bench): Debian's qemu-system-x86_64 runs
# the multiboot guest mbexit.elf to its isa-debug-exit with the same command
# line (kernel-irqchip=off, or on with QEMU_IRQCHIP=on; QEMU's defaults
# otherwise: kvmvapic on) in four
# configurations, /dev/kvm being
#   svx-shadow  a node with /dev/shadowvmx's major:minor, the module loaded
#               with its defaults (shadow paging)
#   svx-ept     the same with ept=1
#   kvm-ept1    kvm_intel ept=1
#   kvm-ept0    kvm_intel ept=0
# and prints one line each: "qemu[$TAG][<config>]: ok" when QEMU ended
# with status 33 (the guest's debug-exit value 0x10) and the guest's marker
# line was on the serial port, else ": FAIL (<reason>)" with QEMU's output
# and the new kernel log lines as "# " lines.  QEMU runs under strace (ioctl
# only): "# qemu-ioctl[<config>]: " lines give the first use of every ioctl
# and every failing call.
#
# Usage: run.sh DIR KO [CONFIG...]  (DIR: this directory in the payload,
# KO: shadowvmx.ko).  QEMU_TIMEOUT (s, default 300) per run; QEMU is
# stopped at once when it paused the VM after a KVM error.
# Exit status: the number of configurations that failed.

D=${1:?usage: run.sh DIR KO [CONFIG...]}
KO=${2:?}
shift 2
CONFIGS=${*:-svx-ept svx-shadow kvm-ept1 kvm-ept0}
T=/tmp/qemu-test
mkdir -p $T
nfail=0

# what QEMU prints when it pauses the VM (kvm_cpu_exec, kvm_arch_handle_exit)
QEMU_STOPPED='KVM internal error|KVM: entry failed|kvm run failed|error: kvm|Failed to (put|get) registers'
# QEMU_IRQCHIP=on: QEMU's default, the in-kernel irqchip (PICs, IOAPIC,
# local APIC, PIT); the lines then say "multiboot irqchip".
# QEMU_GUEST=linux: instead, the bench's own Debian kernel ($QEMU_KERNEL,
# default /payload/bzImage) with -smp 2 on a tiny initramfs
# (linux-initrd.sh) whose /init checks that both CPUs came online and each
# ran a process: "qemu[linux smp2][...]" lines (with QEMU_IRQCHIP=on
# "linux smp2 irqchip"), ok when the guest's line says ok and QEMU powered
# off (status 0); not under strace (LINUX_TIMEOUT, s, default 600).  Each
# boot's VM exits, counted in the kernel by exit reason (exits.sh), are
# "harness[W7q...][<config>]: exits=<n>" and "# harness[W7q...][<config>]:
# total=<n> <REASON>=<n>..." lines (W7: the Linux boot of tools/harness,
# here under QEMU; "W7q irqchip" with the in-kernel irqchip).
IRQCHIP=${QEMU_IRQCHIP:-off}
TAG=multiboot
[ "$IRQCHIP" = on ] && TAG="multiboot irqchip"
QEMU_ARGS="-accel kvm -machine pc,kernel-irqchip=$IRQCHIP -cpu qemu64 -m 16 -nodefaults
	-serial stdio -display none -device isa-debug-exit,iobase=0xf4,iosize=1"
GUEST=${QEMU_GUEST:-multiboot}
if [ "$GUEST" = linux ]; then
	TAG="linux smp2"
	W=W7q
	[ "$IRQCHIP" = on ] && TAG="linux smp2 irqchip" && W="W7q irqchip"
	. $D/exits.sh
	QEMU_KERNEL=${QEMU_KERNEL:-/payload/bzImage}
	QEMU_ARGS="-accel kvm -machine pc,kernel-irqchip=$IRQCHIP -cpu qemu64 -smp 2
		-m 128 -nodefaults -serial stdio -display none -no-reboot
		-kernel $QEMU_KERNEL -initrd $T/l2.cpio"
	if ! sh $D/linux-initrd.sh /bin/busybox $T/l2.cpio >$T/initrd.log 2>&1; then
		echo "qemu[$TAG]: FAIL (initramfs: $(tail -n 1 $T/initrd.log))"
		exit 1
	fi
fi


# ioctl_summary CONFIG STRACE-LOG: the first call of every KVM ioctl (of
# KVM_CHECK_EXTENSION and KVM_ENABLE_CAP: per capability) and every failed
# KVM ioctl but KVM_RUN's -EINTR (QEMU's SIG_IPI kicks), which are counted
ioctl_summary() {
	awk -v c="$1" '
	{ sub(/^[0-9]+ +/, "") }
	/^ioctl\([0-9]+, KVM_/ {
		name = $0
		sub(/^ioctl\([0-9]+, /, "", name)
		sub(/[,)].*/, "", name)
		key = name
		if (name == "KVM_CHECK_EXTENSION" || name == "KVM_ENABLE_CAP") {
			cap = $0
			sub(/^ioctl\([0-9]+, [A-Z_]+, /, "", cap)
			sub(/[)].*/, "", cap)
			key = name " " cap
		}
		n[name]++
		if (!(key in seen)) {
			seen[key] = 1
			print "# qemu-ioctl[" c "]: first: " $0
		}
		if ($0 ~ /= -1 /) {
			if (name == "KVM_RUN" && $0 ~ /EINTR/) {
				eintr++
				next
			}
			f[name]++
			if (nf++ < 60)
				print "# qemu-ioctl[" c "]: failed: " $0
		}
	}
	END {
		s = ""
		for (k in n)
			s = s " " k "=" n[k] (k in f ? "(" f[k] " failed)" : "")
		print "# qemu-ioctl[" c "]: calls:" s "; KVM_RUN -EINTR: " eintr + 0
	}' "$2"
}

# one CONFIG: QEMU on whatever /dev/kvm is now
one() {
	c=$1
	out=$T/$c.out
	st=$T/$c.strace
	d0=$(dmesg | wc -l)
	t0=$(cut -d' ' -f1 /proc/uptime)
	rm -f $T/qemu.pid
	if [ "$GUEST" = linux ]; then
		: >$st
		case $c in
		svx-*) exits_begin svx ;;
		*) exits_begin kvm ;;
		esac
		# shellcheck disable=SC2086
		$D/lib/ld-linux-x86-64.so.2 --library-path $D/lib $D/bin/qemu-system-x86_64 \
			-L $D/share $QEMU_ARGS -pidfile $T/qemu.pid \
			-append "console=ttyS0 panic=-1 quiet" </dev/null >$out 2>&1 &
	else
		# shellcheck disable=SC2086
		$D/lib/ld-linux-x86-64.so.2 --library-path $D/lib \
			$D/bin/strace -f --seccomp-bpf -e trace=ioctl -o $st \
			$D/lib/ld-linux-x86-64.so.2 --library-path $D/lib $D/bin/qemu-system-x86_64 \
			-L $D/share $QEMU_ARGS -pidfile $T/qemu.pid -kernel $D/mbexit.elf \
			</dev/null >$out 2>&1 &
	fi
	w=$!
	# QEMU pauses the VM and waits for its monitor after a KVM internal
	# error or a failed entry: stop it then, or at the time limit.
	n=0
	stopped=
	limit=${QEMU_TIMEOUT:-300}
	[ "$GUEST" = linux ] && limit=${LINUX_TIMEOUT:-600}
	while kill -0 $w 2>/dev/null; do
		if grep -qE "$QEMU_STOPPED" $out; then
			stopped=$(grep -m1 -E "$QEMU_STOPPED" $out | tr -d '\r')
		elif [ $n -ge "$limit" ]; then
			stopped="timeout after $limit s"
		fi
		if [ -n "$stopped" ]; then
			sleep 1		# the register dump
			kill "$(cat $T/qemu.pid 2>/dev/null)" 2>/dev/null
			sleep 2
			kill -9 "$(cat $T/qemu.pid 2>/dev/null)" 2>/dev/null
			break
		fi
		sleep 1
		n=$((n + 1))
	done
	wait $w
	s=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "# qemu[$TAG][$c]: QEMU status $s after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	if [ "$GUEST" = linux ]; then
		ex=$(exits_end)
		tot=${ex%% *}
		echo "harness[$W][$c]: exits=${tot#total=}"
		echo "# harness[$W][$c]: $ex"
	fi
	grep -v "warning: host doesn't support requested feature" $out |
		sed "s/^/# qemu[$c] out: /" | tail -n 20
	dmesg | tail -n +$((d0 + 1)) | sed "s/^/# qemu[$c] dmesg: /" | tail -n 20
	if [ "$GUEST" = linux ]; then
		if [ $s -eq 0 ] && grep -aq 'SVX-QEMU-L2: .* ok' $out; then
			echo "qemu[$TAG][$c]: ok"
			return
		fi
		l2=$(grep -a 'SVX-QEMU-L2:' $out | tail -n 1 | tr -d '\r')
		[ -n "$l2" ] && [ -z "$stopped" ] && stopped="guest: ${l2#*SVX-QEMU-L2: }"
	else
		ioctl_summary "$c" $st
	fi
	if [ "$GUEST" != linux ] && [ $s -eq 33 ] &&
	   grep -q '^mbexit: magic 2badb002 .*: ok' $out; then
		echo "qemu[$TAG][$c]: ok"
		return
	fi
	if [ -n "$stopped" ]; then
		why="QEMU stopped: $stopped"
	else
		why="QEMU status $s"
	fi
	last=$(grep -v '^$' $out | tail -n 1 | tr -d '\r' | cut -c1-160)
	[ -z "$stopped" ] && [ -n "$last" ] && why="$why: $last"
	k=$(dmesg | tail -n +$((d0 + 1)) | grep -i shadowvmx | tail -n 1 | sed 's/^\[[^]]*\] //' | cut -c1-160)
	[ -n "$k" ] && why="$why; dmesg: $k"
	echo "qemu[$TAG][$c]: FAIL ($why)"
	nfail=$((nfail + 1))
}

for c in $CONFIGS; do
	modprobe -r kvm_intel 2>/dev/null
	case $c in
	svx-shadow|svx-ept)
		a=
		[ $c = svx-ept ] && a=ept=1
		# shellcheck disable=SC2086
		if ! insmod $KO $a; then
			echo "qemu[$TAG][$c]: FAIL (insmod shadowvmx $a)"
			nfail=$((nfail + 1))
			continue
		fi
		rm -f /dev/kvm
		mm=$(cat /sys/class/misc/shadowvmx/dev)
		mknod /dev/kvm c "${mm%:*}" "${mm#*:}"
		one $c
		rm -f /dev/kvm
		rmmod shadowvmx || nfail=$((nfail + 1))
		;;
	kvm-ept1|kvm-ept0)
		if ! modprobe kvm_intel ept=${c#kvm-ept} || [ ! -c /dev/kvm ]; then
			echo "qemu[$TAG][$c]: FAIL (modprobe kvm_intel ept=${c#kvm-ept})"
			nfail=$((nfail + 1))
			continue
		fi
		one $c
		modprobe -r kvm_intel
		;;
	*)
		echo "qemu[$TAG][$c]: FAIL (unknown configuration)"
		nfail=$((nfail + 1))
		;;
	esac
done
rm -rf $T
exit $nfail
