#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR DIR [MAKE ARGS...]: copy the module's sources into DIR
# (emptied first) and build shadowvmx.ko there against the kernel build
# tree KDIR, e.g. `scripts/build-module.sh "$(vmtest.sh kdir)" build/x W=1`.
# The one list of the module's source directories (Makefile's MODULE_SRC
# adds dkms.conf for the DKMS tree).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?KDIR}
dir=${2:?DIR}
shift 2
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$top"
cp -a Kbuild core include irqchip mmu vmx x86 uapi "$dir"/
find "$dir" -name '*.o' -delete
exec make -C "$kdir" M="$dir" "$@" modules
