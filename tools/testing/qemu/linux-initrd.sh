#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# linux-initrd.sh BUSYBOX OUT: the initramfs of QEMU's Linux guest (busybox
# sh; runs in the Bochs bench).  Its /init checks, from inside the guest,
# that both CPUs of -smp 2 came online and that a process ran on each, then
# prints one line through printk and powers the machine off (ACPI: QEMU
# exits with status 0):
#
#   SVX-QEMU-L2: cpus online=0-1 ran=0,1 ok
#
# or "... FAIL" with what it saw.  A process "ran on CPU n" when
# `taskset -c n` pinned it there and /proc/self/stat's field 39 (the CPU it
# last ran on) says n.
set -e
BB=${1:?usage: linux-initrd.sh BUSYBOX OUT}
OUT=${2:?}
R=$OUT.root
rm -rf "$R"
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys"
cp "$BB" "$R/bin/busybox"
for a in sh mount cat echo taskset poweroff sleep tr cut; do
	ln -s busybox "$R/bin/$a"
done
cat >"$R/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
online=$(cat /sys/devices/system/cpu/online)
ran=
for c in 0 1; do
	# field 39 of /proc/<pid>/stat: the CPU the process last ran on
	r=$(taskset -c $c sh -c 'cut -d" " -f39 /proc/self/stat' 2>/dev/null)
	[ "$r" = "$c" ] && ran="$ran${ran:+,}$c"
done
v=FAIL
[ "$online" = 0-1 ] && [ "$ran" = 0,1 ] && v=ok
echo "<2>SVX-QEMU-L2: cpus online=$online ran=$ran $v" >/dev/kmsg
sleep 1
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | "$BB" cpio -o -H newc >"$OUT" 2>/dev/null)
rm -rf "$R"
