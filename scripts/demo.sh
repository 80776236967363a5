#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: scenario S1 (a guest's first and second touch of a page,
# tools/runner/scenarios/s1.c) under shadow paging and under EPT, side by
# side: the guest's story, the walk-trace diagrams (guest PTEs level by
# level, GPA, memslot, HVA, host pfn, shadow or EPT entries, verdict), the
# module's live events (--trace: exit reason and qualification, shadow
# fault, SPTE written / EPT violation) and the counters between the
# guest's marks, with the guest's own checks.  Then the harness's summary
# table, if a harness run left its log.
#
# Natively when this host has VT-x and we are root; otherwise inside the
# Bochs bench (Debian's 6.1 kernel on an emulated VMX CPU): about a minute
# once the bench's kernel cache exists (the first run builds it).
# DEMO_COLUMNS sets the width (default: the terminal's): side by side from
# 160 columns, stacked (shadow, then EPT) below; no line is wider.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/progress.sh	# svx_progress: elapsed time of the long steps

scripts/deps.sh >/dev/null
make -s -C tools/runner
b=$top/build/demo
rm -rf "$b"
mkdir -p "$b"

# The guest's console and probe I/O exits would bury the interesting events
# under two lines per printed byte: leave them out of the event log.
quiet_io() { grep -v -e 'svx_pio: ' -e ' reason 30 qual ' -e 'KVM_GET_SUPPORTED_CPUID' || true; }

if grep -qw vmx /proc/cpuinfo && [ "$(id -u)" = 0 ]; then
	echo "demo: this CPU has VT-x: running natively"
	echo "bench: native"
	make -s module
	lsmod | grep -q '^shadowvmx' || insmod ./shadowvmx.ko
	trap 'rmmod shadowvmx' EXIT
	for p in shadow ept; do
		SCEN_TRACE=1 sh tools/runner/scenarios/run.sh S1 --dev /dev/shadowvmx \
			--paging "$p" --html "$b/walk-$p.html" 2>&1 | quiet_io >"$b/$p.log" || true
	done
else
	vmtest=tools/testing/vmtest/vmtest.sh
	# Bochs, or QEMU under this host's KVM with nested VMX (bench.sh)
	bench=$("$vmtest" bench 2>/dev/null) || { "$vmtest" bench; exit 1; }
	echo "bench: $bench"
	echo "demo: no VT-x here (or not root): the $bench bench, about a minute"
	svx_progress demo "bench setup" "$b/setup.log" "$vmtest" setup ||
		{ tail -n 20 "$b/setup.log"; exit 1; }
	kdir=$("$vmtest" kdir)
	mkdir -p "$b/payload/scenarios"
	svx_progress demo "module build" "$b/kbuild.log" scripts/build-module.sh "$kdir" "$b/kbuild" -s ||
		{ tail -n 20 "$b/kbuild.log"; exit 1; }
	cp "$b/kbuild/shadowvmx.ko" tools/runner/build/svxrun \
	   tools/runner/build/scen-s1.bin "$b/payload/"
	cp tools/runner/scenarios/run.sh "$b/payload/scenarios/"
	cp tools/runner/walkhtml-emit.sh "$b/payload/"
	cat >"$b/payload/run" <<'EOS'
#!/bin/sh
cd /payload
insmod ./shadowvmx.ko || exit 1
for p in shadow ept; do
	echo "DEMO-BEGIN $p"
	SCEN_TRACE=1 SVXRUN=./svxrun GUESTS=. sh scenarios/run.sh S1 \
		--dev /dev/shadowvmx --paging $p --html /tmp/walk-$p.html 2>&1 |
		grep -v -e 'svx_pio: ' -e ' reason 30 qual ' -e KVM_GET_SUPPORTED_CPUID
	echo "DEMO-END $p"
	sh ./walkhtml-emit.sh $p /tmp/walk-$p.html
done
rmmod shadowvmx
EOS
	chmod +x "$b/payload/run"
	svx_progress demo "$bench run" "$b/console.log" \
		"$vmtest" run --payload "$b/payload" --timeout 600 || true
	for p in shadow ept; do
		tr -d '\r' <"$b/console.log" |
			awk -v b="DEMO-BEGIN $p" -v e="DEMO-END $p" \
			    '$0 == b { on = 1; next } $0 == e { on = 0 } on' >"$b/$p.log"
		scripts/walk-html.sh extract "$b/console.log" $p "$b" >/dev/null || true
		rm -f "$b/walk-$p.json"
	done
fi

# The terminal's width (DEMO_COLUMNS, else COLUMNS, else tput): side by side
# from 160 columns, stacked below (scripts/demo-render.sh).
cols=${DEMO_COLUMNS:-${COLUMNS:-$(tput cols 2>/dev/null || echo 80)}}
scripts/demo-render.sh "$cols" "$b/shadow.log" "$b/ept.log"

# the walks drawn (svxrun --html): one page per paging mode
for p in shadow ept; do
	if [ -s "$b/walk-$p.html" ]; then
		echo "demo: S1's walks under $p, drawn: build/demo/walk-$p.html"
	else
		echo "demo: no walk page for $p (see $b/$p.log)"
	fi
done

st=0
for p in shadow ept; do
	if ! grep -q "^scenario\[S1\]\[$p\]: ok$" "$b/$p.log"; then
		echo "demo: scenario S1 under $p did not pass (see $b/$p.log${b:+, $b/console.log})"
		st=1
	fi
done

# the harness's summary (tools/harness, another part of the tree), if a
# run left its console log
hlog=
for f in build/harness/bench.log build/check/bochs.out; do
	if [ -f "$f" ] && grep -aq '^# *HARNESS-CSV-BEGIN\|^HARNESS-CSV-BEGIN' "$f"; then
		hlog=$f
		break
	fi
done
if [ -x tools/harness/report.sh ] || [ -f tools/harness/report.sh ]; then
	if [ -n "$hlog" ]; then
		echo "demo: the harness's summary (tools/harness/report.sh $hlog):"
		bash tools/harness/report.sh "$hlog" "$b/harness" || echo "demo: harness report failed"
	else
		echo "demo: no harness results yet (tools/harness/bench.sh or make check produce them)"
	fi
fi
exit $st
