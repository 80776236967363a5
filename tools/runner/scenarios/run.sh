#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh Sn [SVXRUN-OPTIONS...]: run scenario guest Sn (S1..S7) through
# svxrun and judge it.  Examples:
#
#   tools/runner/scenarios/run.sh S1 --paging ept
#   tools/runner/scenarios/run.sh S4 --dev /dev/kvm
#   SCEN_TRACE=1 tools/runner/scenarios/run.sh S1 --paging shadow
#
# The guest prints its events and checks ("ok"/"FAIL"/"skip" lines, the
# probe's counters between marks, walk diagrams) and a verdict line
# "scenario Sn: PASS|FAIL"; run.sh adds the host-side checks (S2: the
# backing file, S3: the text on stdout) and prints one line:
#
#   scenario[Sn][LABEL]: ok            (all guest and host checks passed)
#   scenario[Sn][LABEL]: FAIL (why)    (status 1)
#
# LABEL: $SCEN_LABEL, else the --paging mode, else "kvm" on /dev/kvm.
# Environment: SVXRUN (the runner), GUESTS (dir of scen-sN.bin), SVX_DEV,
# SCEN_TRACE=1 adds --trace (the module's events, live), SCEN_QUIET=1 prints
# the log only on failure (as "# " lines), SCEN_LOG keeps the log there,
# SCEN_TIMEOUT (seconds, default 120).  busybox sh compatible.

here=$(cd "$(dirname "$0")" && pwd)
scen=$1
[ -n "$scen" ] || { echo "usage: run.sh S1..S7 [svxrun options]" >&2; exit 2; }
shift
n=$(echo "$scen" | tr -d 'sS')
case $n in
[1-7]) ;;
*) echo "run.sh: unknown scenario '$scen' (S1..S7)" >&2; exit 2 ;;
esac
S=S$n

svxrun=${SVXRUN:-}
for c in "$here/../build/svxrun" "$here/svxrun" "$here/../svxrun"; do
	[ -n "$svxrun" ] && break
	[ -x "$c" ] && svxrun=$c
done
bin=
for d in ${GUESTS:-} "$here/../build" "$here" "$here/.."; do
	[ -f "$d/scen-s$n.bin" ] && { bin=$d/scen-s$n.bin; break; }
done
if [ -z "$svxrun" ] || [ -z "$bin" ]; then
	echo "scenario[$S][?]: FAIL (runner or scen-s$n.bin not built: make -C tools/runner)"
	exit 1
fi

# the label: from --paging / --dev in the arguments
dev=${SVX_DEV:-/dev/shadowvmx}
paging=
prev=
for a in "$@"; do
	case $prev in
	--dev) dev=$a ;;
	--paging) paging=$a ;;
	esac
	case $a in
	--dev=*) dev=${a#--dev=} ;;
	--paging=*) paging=${a#--paging=} ;;
	esac
	prev=$a
done
label=${SCEN_LABEL:-}
if [ -z "$label" ]; then
	if [ -n "$paging" ]; then label=$paging
	elif [ "$dev" = /dev/kvm ]; then label=kvm
	else label=$(basename "$dev")
	fi
fi

work=$(mktemp -d /tmp/scen.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
log=$work/log
extra=
[ -n "${SCEN_TRACE:-}" ] && extra=--trace

# S2: a backing file with a known sector 0 (the guest reads it) and room
# for the sectors it writes
if [ "$n" = 2 ]; then
	blk=$work/disk.img
	dd if=/dev/zero of="$blk" bs=512 count=8 2>/dev/null
	printf 'S2 backing file, sector 0: read by the guest with pread().' |
		dd of="$blk" conv=notrunc 2>/dev/null
	extra="$extra --blk $blk"
fi

"$svxrun" --dev "$dev" --mode long64 --no-stdin --timeout "${SCEN_TIMEOUT:-120}" \
	$extra "$@" "$bin" >"$log" 2>&1 </dev/null
st=$?

why=
grep -q "^scenario $S: PASS" "$log" || why="no PASS verdict from the guest"
grep -q "^scenario $S: FAIL" "$log" && why="the guest's checks failed"
grep -q '^  FAIL ' "$log" && why="the guest's checks failed"
[ $st -eq 0 ] || why="${why:+$why, }svxrun status $st"
case $n in
2)
	# the sector the guest wrote must be in the file
	got=$(dd if="$blk" bs=512 skip=1 count=1 2>/dev/null | tr -d '\000')
	case $got in
	"S2 sector 1, written by the guest"*) echo "  ok   host: sector 1 of the backing file holds the guest's data" >>"$log" ;;
	*) why="${why:+$why, }sector 1 of the backing file lacks the guest's data"
	   echo "  FAIL host: sector 1 of the backing file: '$got'" >>"$log" ;;
	esac ;;
3)
	if grep -q '^S3: hello through the UART, one exit per byte$' "$log"; then
		echo "  ok   host: the runner's stdout shows the text" >>"$log"
	else
		why="${why:+$why, }the text is not on the runner's stdout"
	fi ;;
esac

if [ -n "${SCEN_LOG:-}" ]; then cp "$log" "$SCEN_LOG"; fi
if [ -z "$why" ]; then
	[ -n "${SCEN_QUIET:-}" ] || cat "$log"
	echo "scenario[$S][$label]: ok"
	exit 0
fi
if [ -n "${SCEN_QUIET:-}" ]; then sed 's/^/# /' "$log"; else cat "$log"; fi
echo "scenario[$S][$label]: FAIL ($why)"
exit 1
