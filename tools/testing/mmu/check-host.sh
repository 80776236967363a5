#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mmu_sim.c implements mmu/mmu_host.h, exactly: every global svx_ function
# it defines is declared in mmu/mmu_host.h, and every function declared
# there is defined in mmu_sim.c.  (The shadow MMU itself is linked beside
# it, not included.)  Usage: check-host.sh CC CPPFLAGS...
set -u
cc=$1
shift
hdr=../../../mmu/mmu_host.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cc" "$@" -w -c -o "$tmp/sim.o" mmu_sim.c || exit 1
nm -g --defined-only "$tmp/sim.o" |
	awk '$2 == "T" && $3 ~ /^svx_/ { print $3 }' | sort >"$tmp/sim"
grep -oE '^[a-z].*[ *]svx_[a-z0-9_]+\(' "$hdr" |
	grep -oE 'svx_[a-z0-9_]+\($' | tr -d '(' | sort -u >"$tmp/decl"
bad=0
for f in $(comm -23 "$tmp/sim" "$tmp/decl"); do
	echo "host-interface: mmu_sim.c defines $f, which mmu/mmu_host.h does not declare"
	bad=1
done
for f in $(comm -13 "$tmp/sim" "$tmp/decl"); do
	echo "host-interface: mmu/mmu_host.h declares $f, which mmu_sim.c does not define"
	bad=1
done
n=$(wc -l <"$tmp/sim")
[ $bad -eq 0 ] &&
	echo "host-interface: mmu_sim.c implements $n functions," \
	     "exactly those mmu/mmu_host.h declares"
exit $bad
