#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/testing/install/dkms.sh RELEASE...: `make dkms-install` for each
# kernel release given (Debian's dkms, which also signs the module with its
# MOK key), then checks that DKMS reports it installed, that the module it
# installed has that release's vermagic and that modprobe finds it by name;
# `make dkms-uninstall`, then that nothing of shadowvmx is left in DKMS,
# /usr/src or /lib/modules.  Changes the host (as `make dkms-install` does);
# leaves it as it found it.  TAP lines; exit 0 when all passed.
set -uo pipefail
. "$(dirname "$0")/tap.sh"
leftovers() {
	{ ls -d /usr/src/shadowvmx-* /var/lib/dkms/shadowvmx 2>/dev/null
	  find /lib/modules -name 'shadowvmx.ko*' 2>/dev/null; } | sort
}

command -v dkms >/dev/null || { notok "no dkms (apt-get install dkms)"; echo "1..$n"; exit 1; }
before=$(leftovers)
[ -z "$before" ] || echo "# already there before the test: $before"
ks=()
for r in "$@"; do ks+=(-k "$r"); done
if make -s dkms-install DKMS_KERNELS="${ks[*]}" >/tmp/svx-dkms.log 2>&1; then
	ok "make dkms-install (${*})"
else
	notok "make dkms-install: $(tail -n 5 /tmp/svx-dkms.log | tr '\n' ' ')"
fi
for r in "$@"; do
	if dkms status -m shadowvmx -k "$r" | grep -q ': installed'; then
		ok "dkms status: installed for $r"
	else
		notok "dkms status for $r: $(dkms status -m shadowvmx -k "$r")"
	fi
	p=$(modprobe -S "$r" -n -v shadowvmx 2>&1)
	f=$(echo "$p" | awk '/insmod/ { print $2 }')
	case $f in
	/lib/modules/"$r"/updates/dkms/shadowvmx.ko*) ok "modprobe -S $r finds $f" ;;
	*) notok "modprobe -S $r: $p" ;;
	esac
	v=$( [ -n "$f" ] && modinfo -F vermagic "$f" | cut -d' ' -f1)
	[ "$v" = "$r" ] && ok "vermagic $r" || notok "vermagic '$v', want $r"
done
if make -s dkms-uninstall >/tmp/svx-dkms.log 2>&1; then
	ok "make dkms-uninstall"
else
	notok "make dkms-uninstall: $(tail -n 5 /tmp/svx-dkms.log | tr '\n' ' ')"
fi
after=$(leftovers)
[ "$after" = "$before" ] && ok "nothing of shadowvmx left behind" ||
	notok "left behind: $after"
echo "1..$n"
[ $bad -eq 0 ]
