# SPDX-License-Identifier: GPL-2.0
# Sourced by test.sh and dkms.sh: TAP lines, and cd to the top of the tree.
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $*"; }
