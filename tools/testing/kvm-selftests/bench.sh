#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kvm-selftests: the upstream KVM selftests in the Bochs bench in all
# four configurations (make check runs three: the kvm_intel ept=0 pass
# alone adds about 4 minutes).  Output in build/kvm-selftests/bochs.out.
set -e
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
out=$top/build/kvm-selftests
vmtest=tools/testing/vmtest/vmtest.sh
tools/testing/kvm-selftests/build.sh "$out"
"$vmtest" setup >"$out/vmtest-setup.log" 2>&1
kdir=$("$vmtest" kdir)
rm -rf "$out/payload"
mkdir -p "$out/payload/kst"
scripts/build-module.sh "$kdir" "$out/kbuild" >"$out/kbuild.log" 2>&1
cp "$out/kbuild/shadowvmx.ko" "$out/payload/"
for b in "$out"/bin/*; do
	strip -o "$out/payload/kst/${b##*/}" "$b" && gzip -9 "$out/payload/kst/${b##*/}"
done
cp tools/testing/kvm-selftests/run.sh "$out/payload/kst-run.sh"
cat >"$out/payload/run" <<EOS
#!/bin/sh
sh /payload/kst-run.sh /payload/kst /payload/shadowvmx.ko "${KST_CONFIGS:-svx-shadow svx-ept kvm-ept1 kvm-ept0}"
EOS
chmod +x "$out/payload/run"
st=0
"$vmtest" run --payload "$out/payload" --timeout "${KST_BENCH_TIMEOUT:-3600}" \
	--log "$out/bochs.log" >"$out/bochs.out" 2>&1 || st=$?
grep -aE '^kvm-selftests' "$out/bochs.out" | tr -d '\r'
echo "kvm-selftests: vmtest status $st (build/kvm-selftests/bochs.out)"
exit $st
