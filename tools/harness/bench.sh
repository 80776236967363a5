#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/harness/bench.sh: the harness end to end on this host, in the Bochs
# bench: builds the module against the bench's headers (a private copy of
# its sources, scripts/build-module.sh), the runner
# and the guests, a payload whose /payload/run is run.sh (plus the bench's
# kernel and tools/runner/linux-guest.sh for W7), boots it with
# tools/testing/vmtest/vmtest.sh, then runs report.sh on the console log.
#
# Output: build/harness/bench.log (console), results.csv, counters.csv,
# *.png.  Environment: HARNESS_TIMEOUT (Bochs, default 900 s), and every
# variable of run.sh as K=V on the guest's kernel command line via
# HARNESS_CMDLINE (e.g. HARNESS_CMDLINE="HARNESS_CONFIGS=svx-shadow").
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$top/build/harness
mkdir -p "$out"
vmtest=tools/testing/vmtest/vmtest.sh

"$vmtest" setup >"$out/vmtest-setup.log" 2>&1 || {
	tail -n 20 "$out/vmtest-setup.log"
	echo "harness: vmtest setup failed (build/harness/vmtest-setup.log)"
	exit 1
}
kdir=$("$vmtest" kdir)
kb=$out/kbuild
scripts/build-module.sh "$kdir" "$kb" >"$out/kbuild.log" 2>&1 || {
	tail -n 30 "$out/kbuild.log"
	echo "harness: module build failed (build/harness/kbuild.log)"
	exit 1
}
make -s -C tools/runner >"$out/tools.log" 2>&1
make -s -C tools/harness >>"$out/tools.log" 2>&1

payload=$out/payload
rm -rf "$payload"
mkdir -p "$payload/runner"
make -s -C tools/harness payload PAYLOAD="$payload" >/dev/null
cp "$kb/shadowvmx.ko" "$payload/"
cp tools/runner/build/svxrun tools/runner/linux-guest.sh "$payload/runner/"
# W7's L2 guest: the kernel the bench boots (its LZ4 re-wrap, from the cache)
cp "${SVX_CACHE:-/var/cache/shadowvmx}/$("$vmtest" krelease)/bzImage" "$payload/" ||
	echo "harness: no kernel image in the bench cache: W7 will fail"
cat >"$payload/run" <<'RUN'
#!/bin/sh
exec sh /payload/harness/run.sh
RUN
chmod +x "$payload/run"

st=0
"$vmtest" run --payload "$payload" --timeout "${HARNESS_TIMEOUT:-900}" \
	${HARNESS_CMDLINE:+--cmdline "$HARNESS_CMDLINE"} \
	--log "$out/bench.log" >"$out/bench.out" 2>&1 || st=$?
grep -aE '^harness' "$out/bench.out" | tr -d '\r' || true
echo "harness: vmtest status $st, console in build/harness/bench.log"
bash tools/harness/report.sh "$out/bench.log"
exit $st
