#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build.sh OUT: build the upstream KVM selftests of Debian's linux-source-6.1
# (tools/testing/selftests/kvm, x86_64 set and the generic ones), static,
# into OUT/bin.  Only the tools/ tree is extracted (into OUT/src).  A test
# that does not build (Debian's 6.1 has backports that break one or two)
# is listed in OUT/unbuilt and reported, not hidden.
set -u
out=$1
tar=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
if [ -z "$tar" ]; then
	echo "kvm-selftests: no /usr/src/linux-source-6.1.tar.* (apt install linux-source-6.1)" >&2
	exit 1
fi
stamp="$(stat -c %Y "$tar") $(sha1sum "$0" | cut -c1-12)"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/src" "$out/obj" "$out/bin"
tar xf "$tar" -C "$out/src" linux-source-6.1/tools || exit 1
dir=$out/src/linux-source-6.1/tools/testing/selftests/kvm
make -k -j"$(nproc)" -C "$dir" ARCH=x86 EXTRA_CFLAGS=-static LDFLAGS=-static \
	OUTPUT="$out/obj" >"$out/build.log" 2>&1
# The binaries the Makefile names for x86_64, built or not.
list=$(make -s -C "$dir" ARCH=x86 OUTPUT="$out/obj" -p -n 2>/dev/null |
	sed -n 's/^TEST_GEN_PROGS_x86_64 = //p' | head -n 1)
: >"$out/unbuilt"
for t in $list; do
	if [ -x "$out/obj/$t" ]; then
		cp "$out/obj/$t" "$out/bin/$(basename "$t")"
	else
		basename "$t" >>"$out/unbuilt"
	fi
done
n=$(find "$out/bin" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "kvm-selftests: nothing built, see $out/build.log" >&2; exit 1; }
echo "$stamp" >"$out/stamp"
