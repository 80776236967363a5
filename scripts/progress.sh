# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by scripts/check.sh and scripts/demo.sh: long steps (the bench's
# kernel cache build, the bench boots with the harness inside) show that
# they are alive and for how long, instead of minutes of silence.
#
#   svx_progress PREFIX LABEL LOG CMD...
#
# runs CMD in the foreground with stdout and stderr to LOG (Ctrl-C reaches
# it as usual) while a ticker shows the elapsed time and LOG's last report
# line ("name[...]: ..." or "VMTEST-..."): on a terminal one line updated
# in place every second, otherwise "PREFIX: LABEL: 2m00s ..." every 60 s.
# Ends with "PREFIX: LABEL: done in 3m12s" (or "failed (status N) after
# ..."); returns CMD's status.  NO_COLOR and TERM=dumb are honoured.

svx_elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

svx_colour_ok() { [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; }

svx_progress() {
	local prefix=$1 label=$2 log=$3 t0=$SECONDS tpid st live=0 parent=$$ cols
	shift 3
	svx_colour_ok && live=1
	cols=${COLUMNS:-$(tput cols 2>/dev/null || echo 80)}
	: >"$log"
	(
		n=0
		while sleep 1 && kill -0 "$parent" 2>/dev/null; do
			n=$((n + 1))
			[ $live = 1 ] || [ $((n % 60)) = 0 ] || continue
			last=$(tr -d '\r' <"$log" 2>/dev/null |
			       grep -aE '^([a-z][a-z0-9-]*\[[^]]*\][^ ]*: |VMTEST-|vmtest: (booting|bench))' |
			       tail -n 1 | cut -c1-50)
			if [ $live = 1 ]; then
				l="$prefix: $label: $(svx_elapsed "$n")${last:+  ($last)}"
				printf '\r\033[K%s' "${l:0:$((cols - 1))}"
			else
				echo "$prefix: $label: $(svx_elapsed "$n")${last:+, last: $last}"
			fi
		done
	) &
	tpid=$!
	"$@" >"$log" 2>&1
	st=$?
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	[ $live = 0 ] || printf '\r\033[K'
	if [ $st = 0 ]; then
		echo "$prefix: $label: done in $(svx_elapsed $((SECONDS - t0)))"
	else
		echo "$prefix: $label: failed (status $st) after $(svx_elapsed $((SECONDS - t0)))"
	fi
	return $st
}
