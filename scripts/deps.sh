#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages shadowvmx needs to build and test (idempotent).
set -euo pipefail

pkgs=(make gcc libc6-dev binutils clang llvm libclang-rt-14-dev
      linux-headers-amd64 linux-source-6.1 xz-utils kmod udev dkms
      python3 chromium	# the walk pages (scripts/walk-html.sh)
      qemu-system-x86	# the nested-KVM bench, its TCG test (tools/testing/vmtest/bench.sh),
      strace)	# and QEMU on the device (tools/testing/qemu)
# The newest Debian 6.12 headers (the second kernel we build for).
h612=$(apt-cache --names-only search '^linux-headers-6\.12\.[0-9.]+\+deb12-amd64$' 2>/dev/null |
	awk '{print $1}' | sort -V | tail -n 1 || true)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ -z "$h612" ] && ! ls -d /usr/src/linux-headers-6.12.*-amd64 >/dev/null 2>&1; then
	need_update=1
fi
if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ] ||
   { [ -n "$h612" ] && [ ! -d "/usr/src/$h612" ]; }; then
	[ "$(id -u)" = 0 ] || { echo "deps: run as root to install: ${missing[*]} $h612" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	if [ -z "$h612" ]; then
		h612=$(apt-cache --names-only search '^linux-headers-6\.12\.[0-9.]+\+deb12-amd64$' |
			awk '{print $1}' | sort -V | tail -n 1)
	fi
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" ${h612:+"$h612"} </dev/null
fi
