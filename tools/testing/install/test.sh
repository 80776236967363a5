#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testing/install/test.sh KDIR OUT: `make install` and `make uninstall`
# into a throw-away root (DESTDIR), on the host:
#   - the root holds a module tree for KDIR's release (modules.order etc.,
#     depmod'ed), snapshotted (path + sha256 of every file);
#   - make install puts exactly the files it names there, depmod finds the
#     module by name (modprobe -d ROOT -n shadowvmx -> updates/shadowvmx.ko);
#   - make uninstall brings the root back to the snapshot, byte for byte.
# Then it stages OUT/root (an install for the bench's release) and OUT/udev
# (udevadm, its libraries and the loader) for the Bochs part,
# guest.sh, which loads the module by name and checks the udev rule.
# TAP lines; exit status 0 when all passed.
set -uo pipefail
kdir=$1
out=$2
. "$(dirname "$0")/tap.sh"
snap() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

rm -rf "$out"
mkdir -p "$out"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
make -s module KDIR="$kdir" >"$out/build.log" 2>&1 || { notok "module build (see $out/build.log)"; exit 1; }
rel=$(modinfo -F vermagic shadowvmx.ko | cut -d' ' -f1)
mods=$root/lib/modules/$rel
mkdir -p "$mods"
: >"$mods/modules.order"
: >"$mods/modules.builtin"
depmod -b "$root" "$rel" 2>/dev/null
snap "$root" >"$out/before"

if make -s install DESTDIR="$root" KDIR="$kdir" >"$out/install.log" 2>&1; then
	ok "make install DESTDIR (release $rel)"
else
	notok "make install DESTDIR (see $out/install.log)"
fi
for f in lib/modules/$rel/updates/shadowvmx.ko usr/local/bin/svxrun \
	 usr/local/share/man/man1/svxrun.1 etc/udev/rules.d/60-shadowvmx.rules \
	 usr/local/include/linux/shadowvmx.h; do
	if [ -f "$root/$f" ]; then ok "installed /$f"; else notok "missing /$f"; fi
done
extra=$(comm -13 <(cut -c67- "$out/before" | sort) <(cd "$root" && find . -type f | sort) |
	grep -v "^./lib/modules/$rel/modules\." | grep -vcE 'updates/shadowvmx.ko|bin/svxrun|man1/svxrun.1|60-shadowvmx.rules|linux/shadowvmx.h')
if [ "$extra" -eq 0 ]; then ok "nothing else installed"; else notok "$extra unexpected files installed"; fi
p=$(modprobe -d "$root" -S "$rel" -n -v shadowvmx 2>&1)
case $p in
*"updates/shadowvmx.ko"*) ok "modprobe by name finds updates/shadowvmx.ko" ;;
*) notok "modprobe by name: $p" ;;
esac
grep -q '^KERNEL=="shadowvmx", GROUP="kvm", MODE="0660"$' "$root/etc/udev/rules.d/60-shadowvmx.rules" &&
	ok "udev rule: group kvm, 0660" || notok "udev rule content"
cp -a "$root" "$out/root"	# the staged install the Bochs guest copies

if make -s uninstall DESTDIR="$root" KDIR="$kdir" >"$out/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR"
else
	notok "make uninstall DESTDIR (see $out/uninstall.log)"
fi
snap "$root" >"$out/after"
if diff -u "$out/before" "$out/after" >"$out/diff"; then
	ok "uninstall left the root as it was"
else
	notok "uninstall left differences (see $out/diff)"
fi

# The Bochs part: udevd from the host's udev package (a multi-call udevadm)
# and its libraries, run in the guest through the dynamic loader.
mkdir -p "$out/udev"
u=$(command -v udevadm)
if [ -n "$u" ]; then
	cp "$u" "$out/udev/udevadm"
	ldd "$u" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' |
		while read -r l; do cp -L "$l" "$out/udev/"; done
	ok "udevadm staged for the guest ($(ls "$out/udev" | wc -l) files)"
else
	notok "no udevadm on the host (apt-get install udev)"
fi
gcc -static -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$out/open_as" tools/testing/install/open_as.c &&
	ok "open_as built" || notok "open_as build"
cp tools/testing/install/guest.sh "$out/"
echo "1..$n"
[ $bad -eq 0 ]
