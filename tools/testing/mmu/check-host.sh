#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mmu_sim.c implements mmu/mmu_host.h, and nothing more: every global svx_
# function it defines, beyond those of the shadow MMU files it includes
# (MMU_SHADOW_SRCS, from the Makefile), must be
# declared in mmu/mmu_host.h.  Usage: check-host.sh CC CPPFLAGS...
set -u
cc=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cc" "$@" -w -c -o "$tmp/sim.o" mmu_sim.c || exit 1
for f in $MMU_SHADOW_SRCS; do
	"$cc" "$@" -w -c -o "$tmp/${f%.c}.o" "../../../mmu/$f" || exit 1
done
syms() { nm -g --defined-only "$1" | awk '$2 == "T" && $3 ~ /^svx_/ { print $3 }' | sort; }
syms "$tmp/sim.o" >"$tmp/sim"
for f in $MMU_SHADOW_SRCS; do syms "$tmp/${f%.c}.o"; done | sort >"$tmp/mmu"
bad=0
n=0
for f in $(comm -23 "$tmp/sim" "$tmp/mmu"); do
	n=$((n + 1))
	if ! grep -qE "[ *]$f\(" ../../../mmu/mmu_host.h; then
		echo "host-interface: mmu_sim.c defines $f, which mmu/mmu_host.h does not declare"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "host-interface: mmu_sim.c implements $n functions, each declared in mmu/mmu_host.h"
exit $bad
