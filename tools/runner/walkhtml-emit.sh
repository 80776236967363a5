#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# walkhtml-emit.sh MODE HTML [LOG]: print an svxrun --html page and the JSON
# walk traces of the same run (the '{"gva"' lines of LOG, svxrun --json) on
# the console, for the host to take out of the bench's log (scripts/
# walk-html.sh extract):
#
#   WALKHTML-BEGIN MODE BYTES MD5     a gzipped tar of walk.html, walk.json,
#   <base64 lines>                    BYTES long, md5sum MD5
#   WALKHTML-END MODE
#
# Bounded: a tarball over 256 KiB is not printed ("WALKHTML-TOOBIG MODE
# BYTES").  busybox sh compatible (the Bochs bench's initramfs).
m=$1
html=$2
log=$3
if [ -z "$m" ] || [ ! -f "$html" ]; then
	echo "WALKHTML-MISSING ${m:-?} (no page ${html:-?})"
	exit 1
fi
d=$(mktemp -d /tmp/whe.XXXXXX) || exit 1
cp "$html" "$d/walk.html"
: >"$d/walk.json"
[ -z "$log" ] || grep '^{"gva"' "$log" >"$d/walk.json"
tar -C "$d" -czf "$d/p.tgz" walk.html walk.json
sz=$(wc -c <"$d/p.tgz")
if [ "$sz" -gt 262144 ]; then
	echo "WALKHTML-TOOBIG $m $sz"
	rm -rf "$d"
	exit 1
fi
echo "WALKHTML-BEGIN $m $sz $(md5sum <"$d/p.tgz" | cut -d' ' -f1)"
base64 "$d/p.tgz"
echo "WALKHTML-END $m"
rm -rf "$d"
