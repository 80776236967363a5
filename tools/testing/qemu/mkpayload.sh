#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkpayload.sh DIR: QEMU for the Bochs bench (busybox only, no /lib there).
# DIR/ gets run.sh, the test guest (build/mbexit.elf), and
#   bin/   qemu-system-x86_64 and strace as installed by Debian
#   lib/   the dynamic loader and every shared library they need (ldd)
#   share/ the firmware -machine pc loads: SeaBIOS bios-256k.bin, the
#          kvmvapic, multiboot and linuxboot option ROMs
# run.sh starts them through lib/ld-linux-x86-64.so.2 --library-path lib,
# and QEMU with -L share.  scripts/deps.sh installs qemu-system-x86 and
# strace.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dst=${1:?usage: mkpayload.sh DIR}
qemu=/usr/bin/qemu-system-x86_64
fw="/usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin
    /usr/share/qemu/multiboot_dma.bin /usr/share/qemu/linuxboot_dma.bin"

for f in $qemu /usr/bin/strace $fw "$here/build/mbexit.elf"; do
	[ -e "$f" ] || { echo "mkpayload: $f missing (scripts/deps.sh, make -C tools/testing/qemu)" >&2; exit 1; }
done
rm -rf "$dst"
mkdir -p "$dst/bin" "$dst/lib" "$dst/share"
cp -L $qemu /usr/bin/strace "$dst/bin/"
# the loader and the libraries, by the paths ldd resolved
ldd $qemu /usr/bin/strace | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' |
	sort -u | while read -r l; do
		cp -L "$l" "$dst/lib/"
	done
[ -x "$dst/lib/ld-linux-x86-64.so.2" ] || { echo "mkpayload: no dynamic loader" >&2; exit 1; }
cp -L $fw "$dst/share/"
cp "$here/run.sh" "$here/diag.sh" "$here/exits.sh" "$here/linux-initrd.sh" "$here/build/mbexit.elf" "$dst/"
echo "mkpayload: $(du -sk "$dst" | cut -f1) KiB in $dst ($(ls "$dst/lib" | wc -l) libraries)"
