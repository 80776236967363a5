#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: build everything and run the demo guest under shadowvmx with
# its exit counters.  Natively when this host has VT-x and we are root;
# otherwise inside the Bochs bench (Debian's 6.1 kernel on an emulated VMX
# CPU), which takes a few minutes the first time (kernel cache) and about a
# minute after that.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh
make -s -C tools/runner

if grep -qw vmx /proc/cpuinfo && [ "$(id -u)" = 0 ]; then
	echo "demo: this CPU has VT-x: running natively"
	make -s module
	lsmod | grep -q '^shadowvmx' || insmod ./shadowvmx.ko
	trap 'rmmod shadowvmx' EXIT
	tools/runner/build/svxrun --dev /dev/shadowvmx --stats tools/runner/build/hello32.bin
	tools/runner/build/svxrun --dev /dev/shadowvmx --mode long64 --stats tools/runner/build/hello64.bin
	exit
fi

echo "demo: no VT-x here (or not root): running inside Bochs"
vmtest=tools/testing/vmtest/vmtest.sh
"$vmtest" setup
kdir=$("$vmtest" kdir)
b=$top/build/demo
rm -rf "$b"
mkdir -p "$b/kbuild" "$b/payload"
cp -a Kbuild core include mmu vmx uapi "$b/kbuild/"
find "$b/kbuild" -name '*.o' -delete
make -s -C "$kdir" M="$b/kbuild" modules
cp "$b/kbuild/shadowvmx.ko" tools/runner/build/svxrun \
   tools/runner/build/hello32.bin tools/runner/build/hello64.bin "$b/payload/"
cat >"$b/payload/run" <<'EOS'
#!/bin/sh
cd /payload
insmod ./shadowvmx.ko || exit 1
echo "== svxrun --mode prot32 --stats hello32.bin (shadow paging, CR0.PG=0) =="
./svxrun --dev /dev/shadowvmx --stats hello32.bin 2>&1
r1=$?
echo "== svxrun --mode long64 --stats hello64.bin =="
./svxrun --dev /dev/shadowvmx --mode long64 --stats hello64.bin 2>&1
r2=$?
rmmod shadowvmx
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]
EOS
chmod +x "$b/payload/run"
"$vmtest" run --payload "$b/payload" --timeout 900
