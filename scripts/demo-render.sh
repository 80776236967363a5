#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo-render.sh COLS SHADOW_LOG EPT_LOG: the two logs of scenario
# S1 (shadow paging, EPT) for a terminal of COLS columns: side by side when
# COLS >= 160 (each "S1: ..." step of the guest on the same rows in both
# columns), stacked below that (the shadow block, then the EPT block).  No
# line is longer than COLS: long lines are folded, the rest indented.
# Used by `make demo`; `make check` renders real logs at 80 and 200
# columns and checks the widths (demo-80col).
set -euo pipefail
cols=$1
shadow=$2
ept=$3
[ "$cols" -ge 40 ] 2>/dev/null || cols=80

rule=$(printf '%*s' "$cols" '' | tr ' ' '=')
# fold_to W: lines of at most W characters, continuations indented
fold_to() {
	awk -v W="$1" '{
		line = $0
		while (length(line) > W) {
			print substr(line, 1, W)
			line = "    " substr(line, W + 1)
		}
		print line
	}'
}
intro() {
	fold_to "$cols" <<'EOF'
S1: first touch then re-touch of a page, under shadow paging and under EPT.
[k] lines: the module's tracepoints, live; 'probe:' lines: counters between
the guest's marks; walk diagrams: SVX_WALK_TRACE at the guest's request.
I/O exits of the guest's console are not shown.
EOF
}

echo "$rule"
intro
echo "$rule"
if [ "$cols" -lt 160 ]; then
	for p in shadow ept; do
		if [ $p = shadow ]; then
			echo "SHADOW PAGING (svxrun --paging shadow)"
			f=$shadow
		else
			echo "EPT (svxrun --paging ept)"
			f=$ept
		fi
		printf '%*s\n' "$cols" '' | tr ' ' '-'
		fold_to "$cols" <"$f"
		echo "$rule"
	done
	exit 0
fi

w=$(((cols - 3) / 2))
printf "%-${w}s | %s\n" "SHADOW PAGING (svxrun --paging shadow)" "EPT (svxrun --paging ept)"
printf "%-${w}s | %s\n" "$(printf '%*s' "$w" '' | tr ' ' '-')" "$(printf '%*s' "$w" '' | tr ' ' '-')"
# Each "S1: ..." heading of the guest starts a section; the sections of the
# two logs are aligned, so the same step sits on the same rows.
awk -v W="$w" '
function fold(line, out,    n) {
	n = 0
	while (length(line) > W) {
		out[++n] = substr(line, 1, W)
		line = "    " substr(line, W + 1)
	}
	out[++n] = line
	return n
}
FNR == 1 { f++ }
FNR == 1 || /^S1: / { sec[f]++ }
{ s = sec[f]; txt[f, s, ++cnt[f, s]] = $0 }
END {
	ns = sec[1] > sec[2] ? sec[1] : sec[2]
	for (s = 1; s <= ns; s++) {
		nl = nr = 0
		for (k = 1; k <= cnt[1, s]; k++) {
			m = fold(txt[1, s, k], t)
			for (j = 1; j <= m; j++) L[++nl] = t[j]
		}
		for (k = 1; k <= cnt[2, s]; k++) {
			m = fold(txt[2, s, k], t)
			for (j = 1; j <= m; j++) R[++nr] = t[j]
		}
		n = nl > nr ? nl : nr
		for (i = 1; i <= n; i++)
			printf "%-" W "s | %s\n", i <= nl ? L[i] : "", i <= nr ? R[i] : ""
		delete L
		delete R
	}
}' "$shadow" "$ept"
echo "$rule"
