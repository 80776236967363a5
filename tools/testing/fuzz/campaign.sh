#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: a longer ioctl-fuzzer campaign in the Bochs bench.
#   FUZZ_CALLS (default 1000000) calls on /dev/shadowvmx, FUZZ_DIFF (default
#   100000) differential calls vs /dev/kvm, FUZZ_SEED (default: the time).
# The module is built for the bench kernel into build/fuzz/kbuild; the
# guest's output goes to build/fuzz/bochs.out (report lines: fuzz[...]).
set -e
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
out=$top/build/fuzz
vmtest=tools/testing/vmtest/vmtest.sh
calls=${FUZZ_CALLS:-1000000}
diff=${FUZZ_DIFF:-100000}
seed=${FUZZ_SEED:-$(date +%s)}
mkdir -p "$out"
"$vmtest" setup >"$out/vmtest-setup.log" 2>&1
kdir=$("$vmtest" kdir)
rm -rf "$out/payload"
mkdir -p "$out/payload"
scripts/build-module.sh "$kdir" "$out/kbuild" >"$out/build.log" 2>&1
cp "$out/kbuild/shadowvmx.ko" "$out/payload/"
make -s -C tools/testing/fuzz payload PAYLOAD="$out/payload" >/dev/null
cat >"$out/payload/run" <<EOS
#!/bin/sh
sh /payload/fuzz/run.sh /payload/fuzz/ioctl_fuzz /payload/shadowvmx.ko $calls $diff $seed
EOS
chmod +x "$out/payload/run"
echo "fuzz: $calls calls + $diff differential, seed $seed, in Bochs (build/fuzz/bochs.out)"
start=$(date +%s)
st=0
"$vmtest" run --payload "$out/payload" --timeout "${FUZZ_TIMEOUT:-10800}" \
	--log "$out/bochs.log" >"$out/bochs.out" 2>&1 || st=$?
grep -aE '^(fuzz|# fuzz)' "$out/bochs.out" | grep -v '^# fuzz:   #' | tail -n 40
echo "fuzz: Bochs wall time $(($(date +%s) - start)) s, vmtest status $st"
grep -aqE '^fuzz\[ioctl\]\[.*, 0 splats, 0 leaks' "$out/bochs.out" &&
	grep -aqE '^fuzz\[ioctl-diff\]: [0-9]+ calls, 0 unexplained' "$out/bochs.out"
