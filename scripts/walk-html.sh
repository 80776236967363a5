#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The walk pages of `svxrun --html` (tools/runner/walkhtml.c) on the host:
#
#   walk-html.sh extract CONSOLE MODE DIR
#       take MODE's page and JSON traces out of a bench console log
#       (tools/runner/walkhtml-emit.sh: base64 of a tarball between
#       WALKHTML-BEGIN/END, with its size and md5) into DIR/walk-MODE.html
#       and DIR/walk-MODE.json
#   walk-html.sh check DIR MODE
#       render DIR/walk-MODE.html with headless Chromium to DIR/walk-MODE.png
#       and check it (size, against the empty page), check the SVG against
#       the JSON traces (scripts/walk-html-check.py); prints
#       "walk-html[MODE]: ok" or "walk-html[MODE]: FAIL (why)", and in EPT
#       mode "walk-html[ept] refs=N" (the 2D walk's memory references of
#       the page's last walk: S1's GVA after its first touch)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=$(command -v python3 || true)

extract() {
	local con=$1 m=$2 dir=$3 hdr sz md5 tmp
	mkdir -p "$dir"
	tmp=$(mktemp -d)
	hdr=$(tr -d '\r' <"$con" | grep -a -m1 "^WALKHTML-BEGIN $m ")
	if [ -z "$hdr" ]; then
		echo "no WALKHTML-BEGIN $m in $con$(tr -d '\r' <"$con" | grep -a -m1 "^WALKHTML-[A-Z]* $m" | sed 's/^/: /')"
		rm -rf "$tmp"
		return 1
	fi
	read -r _ _ sz md5 <<<"$hdr"
	tr -d '\r' <"$con" | awk -v b="WALKHTML-BEGIN $m " -v e="WALKHTML-END $m" \
		'index($0, b) == 1 { on = 1; next } $0 == e { on = 0 } on' |
		base64 -d >"$tmp/p.tgz" 2>/dev/null
	if [ "$(stat -c %s "$tmp/p.tgz")" != "$sz" ] ||
	   [ "$(md5sum <"$tmp/p.tgz" | cut -d' ' -f1)" != "$md5" ]; then
		echo "$m: the page came out of the console damaged (size or md5)"
		rm -rf "$tmp"
		return 1
	fi
	tar -C "$tmp" -xzf "$tmp/p.tgz" walk.html walk.json || { rm -rf "$tmp"; return 1; }
	mv "$tmp/walk.html" "$dir/walk-$m.html"
	mv "$tmp/walk.json" "$dir/walk-$m.json"
	rm -rf "$tmp"
}

chromium_shot() {	# HTML PNG W H
	local chr
	chr=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$chr" ] || { echo "no chromium (scripts/deps.sh installs it)"; return 1; }
	rm -f "$2"
	timeout 120 "$chr" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --user-data-dir="$(dirname "$2")/.chromium" \
		--window-size="$3,$4" --screenshot="$2" "file://$(realpath "$1")" \
		>"$2.log" 2>&1
	[ -s "$2" ] || { echo "chromium wrote no $2 (see $2.log)"; return 1; }
}

check() {
	local dir=$1 m=$2 page json s w h r why= refs=
	page=$dir/walk-$m.html json=$dir/walk-$m.json
	[ -n "$py" ] || why="no python3"
	[ -n "$why" ] || [ -f "$page" ] || why="no page $page"
	if [ -z "$why" ]; then
		r=$("$py" "$here/walk-html-check.py" struct "$page" "$json" "$m")
		case $r in
		ok*) refs=${r##* } ;;
		*) why="structure: ${r#FAIL }" ;;
		esac
	fi
	if [ -z "$why" ]; then
		read -r w h < <("$py" "$here/walk-html-check.py" size "$page")
		# the same page without its walks, for the PNG size comparison
		sed '/^<section class="walk"/,/^<\/section>/d' "$page" >"$dir/empty-$m.html"
		if s=$(chromium_shot "$page" "$dir/walk-$m.png" "$w" "$h") &&
		   s=$(chromium_shot "$dir/empty-$m.html" "$dir/empty-$m.png" "$w" "$h"); then
			r=$("$py" "$here/walk-html-check.py" png "$dir/walk-$m.png" "$w" "$h" "$dir/empty-$m.png")
			case $r in
			ok*) echo "check: walk-$m.png: ${w}x$h, $(echo "$r" | cut -d' ' -f2) bytes (empty page $(echo "$r" | cut -d' ' -f3))" >&2 ;;
			*) why="png: ${r#FAIL }" ;;
			esac
		else
			why="render: $s"
		fi
	fi
	if [ -n "$why" ]; then
		echo "walk-html[$m]: FAIL ($why)"
		[ "$m" = ept ] && echo "walk-html[ept] refs=?: FAIL (no valid page)"
		return 1
	fi
	echo "walk-html[$m]: ok"
	[ "$m" = ept ] && echo "walk-html[ept] refs=$refs"
	return 0
}

case ${1:-} in
extract) shift; extract "$@" ;;
check) shift; check "$@" ;;
*) echo "usage: walk-html.sh extract CONSOLE MODE DIR | check DIR MODE" >&2; exit 2 ;;
esac
