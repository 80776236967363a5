#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# diag.sh DIR KO CONFIG (busybox sh, in the Bochs bench): evidence for a
# QEMU run that stops making progress (issue 16: Linux -smp 2 with
# kernel-irqchip=off).  QEMU boots $QEMU_KERNEL (default /payload/bzImage)
# as run.sh's QEMU_GUEST=linux does, under strace -f (every syscall, with
# times), its monitor on a pipe, and the exit tracepoint (shadowvmx's
# svx_vm_exit; kvm_intel's kvm_exit, kvm_userspace_exit, kvm_inj_virq) in
# the trace buffer.  Every 5 s: "# diag[CONFIG]: t=<s> exits=<trace lines>
# serial=<lines> strace=<lines>"; when the count stays the same for 15 s
# (or after MAXW s, default 200): each QEMU thread's state, wchan, current
# syscall and kernel stack, the monitor's "info cpus", "info registers -a",
# "info lapic 0|1", "info pic", each thread's last 25 syscalls, the last 80
# trace lines and the new kernel messages, all as "# " lines.
D=${1:?usage: diag.sh DIR KO CONFIG}
KO=${2:?}
c=${3:?}
MAXW=${MAXW:-200}
QEMU_KERNEL=${QEMU_KERNEL:-/payload/bzImage}
T=/tmp/qd; rm -rf $T; mkdir -p $T
TR=/sys/kernel/tracing
[ -d $TR/events ] || mount -t tracefs nodev $TR
modprobe -r kvm_intel 2>/dev/null
case $c in
svx-*) a=; [ $c = svx-ept ] && a=ept=1
	insmod $KO $a || echo "insmod failed"
	rm -f /dev/kvm; mm=$(cat /sys/class/misc/shadowvmx/dev)
	mknod /dev/kvm c "${mm%:*}" "${mm#*:}"
	EV=$TR/events/shadowvmx/svx_vm_exit;;
*) modprobe kvm_intel ept=${c#kvm-ept}; EV="$TR/events/kvm/kvm_exit $TR/events/kvm/kvm_userspace_exit $TR/events/kvm/kvm_inj_virq" ;;
esac
echo 0 > $TR/tracing_on; echo > $TR/trace; echo 4096 > $TR/buffer_size_kb
for e in $EV; do echo 1 > $e/enable; done; echo 1 > $TR/tracing_on
sh $D/linux-initrd.sh /bin/busybox $T/l2.cpio >/dev/null 2>&1
mkfifo $T/mon.in $T/mon.out
$D/lib/ld-linux-x86-64.so.2 --library-path $D/lib $D/bin/strace -f -tt -o $T/st \
 $D/lib/ld-linux-x86-64.so.2 --library-path $D/lib $D/bin/qemu-system-x86_64 -L $D/share \
 -accel kvm -machine pc,kernel-irqchip=off -cpu qemu64 -smp 2 -m 128 -nodefaults -serial stdio \
 -display none -no-reboot -kernel $QEMU_KERNEL -initrd $T/l2.cpio -pidfile $T/qemu.pid \
 -chardev pipe,id=mon0,path=$T/mon -mon chardev=mon0 \
 -append "console=ttyS0 panic=-1 quiet" </dev/null >$T/out 2>&1 &
w=$!
cat $T/mon.out > $T/monlog &
cm=$!
i=0; last=-1; same=0
while [ $i -lt $MAXW ] && kill -0 $w 2>/dev/null; do
	sleep 5; i=$((i + 5))
	n=$(grep -vc '^#' $TR/trace)
	echo "# diag[$c]: t=$i exits=$n serial=$(wc -l < $T/out) strace=$(wc -l < $T/st)"
	if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
	last=$n
	[ $same -ge 3 ] && [ $n -gt 100 ] && break
done
p=$(cat $T/qemu.pid)
echo "# diag[$c]: stop at t=$i, qemu pid $p alive: $(kill -0 $w 2>/dev/null && echo yes)"
for t in /proc/$p/task/*; do
	echo "# diag[$c]: task ${t##*/} $(cat $t/comm) state=$(cut -d' ' -f3 $t/stat) wchan=$(cat $t/wchan) syscall=$(cat $t/syscall)"
	sed "s/^/# diag[$c]:    /" $t/stack
done
# Where each thread is in user space: SIGSTOP the process, read each
# thread's /proc/TID/syscall ("-1 SP PC" outside a system call), its top 48
# stack words, SIGCONT; 8 samples.  The qemu-system-x86_64 mappings let
# PCs and return addresses be named offline (nm -D: QEMU exports its
# functions for its modules).
grep qemu-system /proc/$p/maps | sed "s/^/# maps[$c]: /"
for k in 1 2 3 4 5 6 7 8; do
	kill -STOP $p; sleep 1
	for t in /proc/$p/task/*; do
		sc=$(cat $t/syscall)
		echo "# pc[$c]: sample $k task ${t##*/} $sc"
		set -- $sc
		[ "$1" = -1 ] || continue
		dd if=/proc/$p/mem bs=8 skip=$(($2 / 8)) count=48 2>/dev/null |
			od -A n -t x8 | tr -s ' ' '\n' | grep -v '^$' | tr '\n' ' ' |
			sed "s/^/# stk[$c]: sample $k task ${t##*/}: /"
		echo
	done
	kill -CONT $p; sleep 2
done
for cmd in "info cpus" "info registers -a" "info lapic 0" "info lapic 1" "info pic"; do
	echo "$cmd" > $T/mon.in; sleep 1
done
sleep 3
echo 0 > $TR/tracing_on
kill $p; sleep 2; kill -9 $p 2>/dev/null; kill $cm 2>/dev/null
wait $w
echo "# diag[$c]: monitor:"; tr -d '\r' < $T/monlog | grep -v '^$' | sed "s/^/# mon[$c]: /" | head -n 150
echo "# diag[$c]: out:"; tr -d '\r' < $T/out | sed "s/^/# out[$c]: /" | tail -n 15
for tid in $(awk '{print $1}' $T/st | sort -u); do
	echo "# diag[$c]: strace tid $tid: $(grep -c "^$tid " $T/st) lines, KVM_RUN $(grep "^$tid " $T/st | grep -c KVM_RUN)"
	grep "^$tid " $T/st | grep -v KVM_CHECK_EXTENSION | tail -n 25 | cut -c1-200 | sed "s/^/# st[$c]: /"
done
echo "# diag[$c]: trace:"; grep -v '^#' $TR/trace | tail -n 80 | sed "s/^/# tr[$c]: /"
for e in $EV; do echo 0 > $e/enable; done
dmesg | tail -n 15 | sed "s/^/# dmesg[$c]: /"
rm -f /dev/kvm; rmmod shadowvmx 2>/dev/null; modprobe -r kvm_intel 2>/dev/null
