#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the Bochs guest (busybox sh): the install that test.sh staged in DIR
# (DIR/root, DIR/udev, DIR/open_as), used as a user would.  Copies the
# installed files (not the host's depmod indexes) over /, runs depmod,
# starts udevd (the host's, through its loader) with only our rule,
# loads the module by name (modprobe shadowvmx), checks that udev made
# /dev/shadowvmx root:kvm 0660, that a user in group kvm can open it and a
# user outside it cannot; then unloads it and removes the files again.
# One line:
#   install[guest]: ok | FAIL (why)
D=${1:-/payload/install}
fail() {
	echo "install[guest]: FAIL ($*)"
	[ -n "${udevd:-}" ] && kill "$udevd" 2>/dev/null
	rmmod shadowvmx 2>/dev/null
	exit 1
}
[ -d /sys/module/shadowvmx ] && rmmod shadowvmx
files=$(cd "$D/root" && find . -type f ! -name 'modules.*')
for f in $files; do
	mkdir -p "/${f%/*}" && cp -a "$D/root/$f" "/$f" || fail "copy of $f"
done
depmod || fail "depmod"
grep -q '^kvm:' /etc/group 2>/dev/null || echo "kvm:x:993:" >>/etc/group
kgid=$(awk -F: '$1 == "kvm" { print $3 }' /etc/group)
ld=$(ls "$D"/udev/ld-linux-x86-64.so.* | head -n 1)

mkdir -p /run/udev
"$ld" --library-path "$D/udev" --argv0 systemd-udevd "$D/udev/udevadm" \
	>/tmp/udevd.log 2>&1 &
udevd=$!
i=0
while [ ! -S /run/udev/control ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
[ -S /run/udev/control ] || fail "udevd did not start: $(tail -n 3 /tmp/udevd.log)"
modprobe shadowvmx || fail "modprobe shadowvmx"
"$ld" --library-path "$D/udev" --argv0 udevadm "$D/udev/udevadm" settle --timeout=30
m=$(stat -c '%a %G' /dev/shadowvmx 2>/dev/null)
[ "$m" = "660 kvm" ] || fail "/dev/shadowvmx is '$m', want '660 kvm'"
r=$("$D/open_as" 1000 "$kgid" /dev/shadowvmx)
[ "$r" = ok ] || fail "a member of group kvm could not open it: $r"
r=$("$D/open_as" 1001 1001 /dev/shadowvmx)
[ "$r" = EACCES ] || fail "a user outside group kvm got: $r"
rmmod shadowvmx || fail "rmmod"
kill "$udevd"
wait "$udevd" 2>/dev/null
for f in $files; do rm -f "/$f"; done
depmod
echo "install[guest]: ok"
