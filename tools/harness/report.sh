#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/harness/report.sh CONSOLE-LOG [OUTDIR]
#
# Host side of the harness: takes the Bochs console log of a run.sh run
# (tools/harness/bench.sh writes build/harness/bench.log), extracts
#   OUTDIR/results.csv   HARNESS-CSV-BEGIN..END (one row per workload and
#                        config: exits, cycles, shadow_pages, ...)
#   OUTDIR/counters.csv  HARNESS-COUNTERS-BEGIN..END (every counter:
#                        exits by reason, MMU counters; run, base, net)
# prints the table and the ratios svx-shadow/kvm-ept0 and svx-ept/kvm-ept1
# of exits and cycles per workload (goal: <= 1.0), and draws with gnuplot
#   OUTDIR/exits.png  OUTDIR/cycles.png  OUTDIR/shadow_pages.png
#   OUTDIR/ratios.png
# OUTDIR defaults to build/harness.  Installs gnuplot-nox with apt-get when
# gnuplot is missing (plots are skipped if that fails).
set -euo pipefail

log=${1:?usage: report.sh CONSOLE-LOG [OUTDIR]}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${2:-$top/build/harness}
mkdir -p "$out"
csv=$out/results.csv
cnt=$out/counters.csv

block() {	# block NAME: lines between NAME-BEGIN and NAME-END (maybe "# "-prefixed)
	tr -d '\r' <"$log" | sed 's/^# //' | awk -v b="$1-BEGIN" -v e="$1-END" '
		$0 == b { on = 1; n = 0; next }
		$0 == e { on = 0; next }
		on { print }'
}
block HARNESS-CSV >"$csv"
block HARNESS-COUNTERS >"$cnt"
if [ "$(wc -l <"$csv")" -lt 2 ]; then
	echo "report: no HARNESS-CSV block in $log" >&2
	exit 1
fi
echo "report: $csv"
echo "report: $cnt"

CONFIGS="svx-shadow svx-ept kvm-ept0 kvm-ept1"

# wide COLUMN: workload then one value per config (tab separated)
wide() {
	awk -F, -v col="$1" -v cfgs="$CONFIGS" '
	NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
	{ v[$1, $2] = $c; if (!($1 in seen)) { seen[$1] = 1; w[++nw] = $1 } }
	END {
		n = split(cfgs, cf, " ")
		printf "workload"; for (j = 1; j <= n; j++) printf "\t%s", cf[j]; print ""
		for (i = 1; i <= nw; i++) {
			printf "%s", w[i]
			for (j = 1; j <= n; j++) printf "\t%s", ((w[i], cf[j]) in v) ? v[w[i], cf[j]] : "NaN"
			print ""
		}
	}' "$csv"
}

for col in exits cycles shadow_pages; do
	wide $col >"$out/$col.dat"
done

echo "== harness results ($csv)"
for col in exits cycles shadow_pages; do
	echo "-- $col"
	column -t -s $'\t' "$out/$col.dat"
done

# ratios: workload, exits a/b, cycles a/b for (svx-shadow,kvm-ept0), (svx-ept,kvm-ept1)
paste "$out/exits.dat" "$out/cycles.dat" | awk -F'\t' '
function r(a, b) {
	if (a == "NaN" || b == "NaN") return "NaN"
	if (b == 0) return a == 0 ? "1.00" : "inf"
	return sprintf("%.2f", a / b)
}
NR == 1 { print "workload\tshadow/ept0 exits\tshadow/ept0 cycles\tept/ept1 exits\tept/ept1 cycles"; next }
{ print $1 "\t" r($2, $4) "\t" r($7, $9) "\t" r($3, $5) "\t" r($8, $10) }' >"$out/ratios.dat"
echo "-- ratios (svx-shadow / kvm-ept0, svx-ept / kvm-ept1; goal <= 1.0)"
column -t -s $'\t' "$out/ratios.dat"
above=$(awk -F'\t' 'NR > 1 { for (i = 2; i <= 5; i++) if ($i == "inf" || ($i != "NaN" && $i + 0 > 1.0)) printf "%s %s=%s\n", $1, (i == 2 ? "shadow/ept0-exits" : i == 3 ? "shadow/ept0-cycles" : i == 4 ? "ept/ept1-exits" : "ept/ept1-cycles"), $i }' "$out/ratios.dat")
if [ -n "$above" ]; then
	echo "-- above 1.0:"
	echo "$above" | sed 's/^/   /'
else
	echo "-- every ratio <= 1.0"
fi

if ! command -v gnuplot >/dev/null; then
	apt-get install -y gnuplot-nox >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y gnuplot-nox >/dev/null 2>&1; } || true
fi
if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot missing, no plots (apt-get install gnuplot-nox)"
	exit 0
fi

# gp_head PNG TITLE YLABEL: the gnuplot lines every plot here starts with
# (clustered bars over tab-separated columns with a header, NaN missing)
gp_head() {
	cat <<GP
set terminal pngcairo size 1100,600 font "DejaVu Sans,11" noenhanced
set output "$1"
set title "$2"
set ylabel "$3"
set datafile separator "\t"
set datafile missing "NaN"
set key autotitle columnhead
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.95
set key below horizontal
set grid ytics
GP
}

# bars DAT PNG TITLE YLABEL LOG: clustered bars, one cluster per workload,
# the value printed over each bar (0 drawn as a stub on a log axis)
bars() {
	local dat=$1 png=$2 title=$3 ylabel=$4 log=$5
	gnuplot <<GP
$(gp_head "$png" "$title" "$ylabel")
set xtics nomirror
set offsets 0, 0, graph 0.12, 0
$( [ "$log" = 1 ] && echo 'set logscale y' && echo 'set yrange [0.5:*]' || echo 'set yrange [0:*]' )
lo = $( [ "$log" = 1 ] && echo 0.7 || echo 0 )
f(v) = (v > lo ? v : lo)
n = 4.0
plot for [i=2:5] "$dat" using (f(column(i))):xtic(1) title columnhead(i), \
     for [i=2:5] "$dat" using (\$0 + (i - 2 - 1.5) / (n + 1)):(f(column(i))):(sprintf("%.0f", column(i))) \
	with labels rotate by 90 left offset 0, 0.4 font ",8" notitle
GP
	echo "report: $png"
}
bars "$out/exits.dat" "$out/exits.png" "VM exits per workload (measured part, net of the W0 baseline; W7: the Linux boot; W14-W16: between lwork marks; log scale)" "VM exits" 1
bars "$out/cycles.dat" "$out/cycles.png" "TSC cycles (guest-measured; W8, W11-W13: per iteration; W7: L1 TSC, runner start to L2 user space; W14-W16: L2 TSC per iteration; log scale)" "TSC cycles" 1
bars "$out/shadow_pages.dat" "$out/shadow_pages.png" "Shadow pages allocated (svx: sp_allocated, kvm ept=0: mmu_cache_miss; 0 under EPT)" "pages" 0

gnuplot <<GP
$(gp_head "$out/ratios.png" "shadowvmx / kvm_intel per workload (goal: <= 1.0; log scale)" ratio)
set logscale y
fr(v) = (v > 0 ? v : 0.01)
plot for [i=2:5] "$out/ratios.dat" using (fr(column(i))):xtic(1) title columnhead(i), \
     1 with lines lw 2 lc rgb "black" title "1.0", \
     for [i=2:5] "$out/ratios.dat" using (\$0 + (i - 2 - 1.5) / 5.0):(fr(column(i))):(stringcolumn(i)) \
	with labels rotate by 90 left offset 0, 0.4 font ",8" notitle
GP
echo "report: $out/ratios.png"
