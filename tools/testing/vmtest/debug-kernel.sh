#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: the bench's debug kernel (vmtest.sh --kernel debug).
# Sourced by vmtest.sh; not run on its own.
#
# Debian's linux-source-6.1 built with the bench kernel's own config (the
# cache's `config`), shrunk by `make localmodconfig` to the modules the bench
# loads ($GUEST_MODULES: kvm_intel, kvm, irqbypass) and by
# debug-kernel.config, which also turns on KASAN (generic, inline), KFENCE,
# PROVE_LOCKING, DEBUG_ATOMIC_SLEEP, UBSAN, kmemleak and DEBUG_LIST.
#
# Cache: $CACHE_ROOT/debug/<bench release>-<key>/, key = hash of the
# source package version, the bench config, debug-kernel.config, the module
# list and the compiler; a different key rebuilds (and removes the old
# directory).  It holds
#   src/linux-source-6.1/   the source (kbuild's srctree for M= builds)
#   build/                  the O= tree: `vmtest.sh --kernel debug kdir`
#                           (objects pruned; vmlinux kept for decoding splats)
#   bzImage, bzImage.kind   LZ4 (CONFIG_KERNEL_LZ4, no re-wrap needed)
#   config, release         the resulting .config and kernel release
#   modules/lib/modules/<release>/   kvm.ko, kvm-intel.ko, irqbypass.ko
#   modcheck/svx_modcheck.ko, build.log, build.seconds, complete (the key)

DEBUG_CONFIG=$HERE/debug-kernel.config
DEBUG_SOURCE=/usr/src/linux-source-6.1.tar.xz

# dbg_key BENCH_RELEASE: the cache key of the debug kernel
dbg_key() {
	local base=$CACHE_ROOT/$1/config
	[ -f "$base" ] || fail $EX_BENCH "no bench config $base: run '$0 setup' first"
	{
		dpkg-query -W -f='${Version}\n' linux-source-6.1
		cat "$base" "$DEBUG_CONFIG"
		echo "$GUEST_MODULES"
		gcc --version | head -n1
	} | sha256sum | cut -c1-16
}

# dbg_dir BENCH_RELEASE: the cache directory for the current key
dbg_dir() { echo "$CACHE_ROOT/debug/$1-$(dbg_key "$1")"; }

# dbg_check_config FRAGMENT DOTCONFIG: every setting of the fragment holds
dbg_check_config() {
	local l sym bad=0
	while IFS= read -r l; do
		case $l in
		CONFIG_*=*)
			grep -qxF -- "$l" "$2" || { warn "debug config: wanted '$l', got '$(grep -E "^(# )?${l%%=*}[= ]" "$2" || echo unset)'"; bad=1; };;
		"# CONFIG_"*" is not set")
			sym=${l#\# }; sym=${sym%% *}
			! grep -qE "^$sym=" "$2" || { warn "debug config: wanted $sym off, got '$(grep -E "^$sym=" "$2")'"; bad=1; };;
		esac
	done <"$1"
	return $bad
}

# dbg_setup BENCH_RELEASE: build the debug kernel cache unless up to date
dbg_setup() {
	local brel=$1 key d jobs t0 t1 rel
	key=$(dbg_key "$brel")
	d=$CACHE_ROOT/debug/$brel-$key
	mkdir -p "$CACHE_ROOT/debug"
	exec 9>"$CACHE_ROOT/debug/.lock"
	flock 9
	if [ -f "$d/complete" ] && [ "$(cat "$d/complete")" = "$key" ]; then
		msg "debug kernel cache $d is up to date ($(cat "$d/release"), built in $(cat "$d/build.seconds") s)"
		return 0
	fi
	local old
	for old in "$CACHE_ROOT"/debug/*/; do
		[ -d "$old" ] && [ "${old%/}" != "$d" ] || continue
		msg "removing the stale debug kernel cache ${old%/}"
		rm -rf "${old%/}"
	done
	# the unpacked source of an interrupted setup is reused (same package)
	local srcver
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	if [ "$(cat "$d/src/.unpacked" 2>/dev/null)" != "$srcver" ]; then
		rm -rf "$d"
		mkdir -p "$d/src"
		msg "debug kernel: unpacking $DEBUG_SOURCE into $d/src"
		tar -C "$d/src" -xf "$DEBUG_SOURCE" || fail $EX_BENCH "cannot unpack $DEBUG_SOURCE"
		echo "$srcver" >"$d/src/.unpacked"
	fi
	# ... and so are the objects of an interrupted build (make is
	# incremental; the .config below comes out the same)
	find "$d" -mindepth 1 -maxdepth 1 ! -name src ! -name build -exec rm -rf {} +
	mkdir -p "$d/build"
	local src=$d/src/linux-source-6.1 b=$d/build
	# 1. the bench's config, its modules cut to what the bench loads
	cp "$CACHE_ROOT/$brel/config" "$b/.config"
	local m lsmod=$d/lsmod
	echo "Module Size Used by" >"$lsmod"
	for m in $GUEST_MODULES; do echo "$m 16384 0" >>"$lsmod"; done
	{
		make -C "$src" O="$b" olddefconfig &&
		{ yes '' || :; } | make -C "$src" O="$b" LSMOD="$lsmod" localmodconfig &&
		cat "$DEBUG_CONFIG" >>"$b/.config" &&
		make -C "$src" O="$b" olddefconfig
	} >"$d/config.log" 2>&1 || { tail -n 20 "$d/config.log" >&2; fail $EX_BENCH "debug kernel: configuration failed (see $d/config.log)"; }
	dbg_check_config "$DEBUG_CONFIG" "$b/.config" ||
		fail $EX_BENCH "debug kernel: Kconfig refused settings of $DEBUG_CONFIG"
	# 2. the build (low priority: Bochs runs of other sessions share the CPUs)
	jobs=${SVX_DEBUG_JOBS:-$(nproc)}
	msg "debug kernel: building (make -j$jobs bzImage modules, nice 10; ~1 h on 2 cores), log $d/build.log"
	t0=$SECONDS
	nice -n 10 make -C "$src" O="$b" -j"$jobs" bzImage modules >"$d/build.log" 2>&1 ||
		{ tail -n 30 "$d/build.log" >&2; fail $EX_BENCH "debug kernel: build failed (see $d/build.log)"; }
	t1=$SECONDS
	echo $((t1 - t0)) >"$d/build.seconds"
	rel=$(cat "$b/include/config/kernel.release")
	echo "$rel" >"$d/release"
	msg "debug kernel $rel built in $((t1 - t0)) s"
	# 3. the guest's modules (every module this config builds)
	local mroot=$d/modules
	make -C "$src" O="$b" INSTALL_MOD_PATH="$mroot" INSTALL_MOD_STRIP=1 \
		modules_install >>"$d/build.log" 2>&1 ||
		fail $EX_BENCH "debug kernel: modules_install failed (see $d/build.log)"
	rm -f "$mroot/lib/modules/$rel/build" "$mroot/lib/modules/$rel/source"
	for m in $GUEST_MODULES; do
		modprobe -d "$mroot" -S "$rel" --show-depends "$m" >/dev/null ||
			fail $EX_BENCH "debug kernel: module $m not built"
	done
	cp "$b/arch/x86/boot/bzImage" "$d/bzImage"
	echo lz4 >"$d/bzImage.kind"
	cp "$b/.config" "$d/config"
	# 4. keep what M= builds need, drop the objects (GBs); vmlinux stays
	find "$b" -name '*.o' ! -path "$b/scripts/*" ! -path "$b/tools/*" -delete
	# 5. a module built against the tree loads: same vermagic as kvm.ko
	rm -rf "$d/modcheck.tmp"; cp -r "$HERE/modcheck" "$d/modcheck.tmp"
	make -s -C "$b" M="$d/modcheck.tmp" modules >"$d/modcheck.log" 2>&1 ||
		{ cat "$d/modcheck.log" >&2; fail $EX_BENCH "debug kernel: cannot build the check module against $b"; }
	local kvm_ko want got
	kvm_ko=$(find "$mroot" -name kvm.ko | head -n1)
	want=$(modinfo -F vermagic "$kvm_ko"); got=$(modinfo -F vermagic "$d/modcheck.tmp/svx_modcheck.ko")
	[ "$want" = "$got" ] || fail $EX_BENCH "debug kernel: vermagic mismatch: kvm.ko '$want' vs M= build '$got'"
	mkdir -p "$d/modcheck"; cp "$d/modcheck.tmp/svx_modcheck.ko" "$d/modcheck/"
	rm -rf "$d/modcheck.tmp"
	echo "$key" >"$d/complete"
	msg "debug kernel cache $d ready: $rel, vermagic '$want', $(du -sh "$d" | cut -f1)"
}

# dbg_use: vmtest.sh's commands on the debug kernel.  krelease, kdir and
# cache_dir name the debug kernel; setup builds the bench cache first (the
# debug config derives from its config), then the debug kernel's; run
# defaults to 1024 MiB (KASAN's shadow takes an eighth) and adds
# log_buf_len=4M, noxsave, clearcpuid=ht and panic_on_warn=1
# (SVX_DEBUG_PANIC_ON_WARN=0 leaves that out).
dbg_use() {
	eval "deb_$(declare -f krelease)"
	eval "deb_$(declare -f kdir)"
	eval "deb_$(declare -f cmd_setup)"
	krelease() {
		[ "${DBG_AS_DEBIAN:-0}" = 0 ] || { deb_krelease; return; }
		local d; d=$(dbg_dir "$(deb_krelease)")
		[ -f "$d/complete" ] || fail $EX_BENCH "no debug kernel in $d: run '$0 --kernel debug setup' first"
		cat "$d/release"
	}
	kdir() {
		[ "${DBG_AS_DEBIAN:-0}" = 0 ] || { deb_kdir; return; }
		local d; d=$(dbg_dir "$(deb_krelease)")
		[ -f "$d/complete" ] || fail $EX_BENCH "no debug kernel in $d: run '$0 --kernel debug setup' first"
		echo "$d/build"
	}
	cache_dir() {
		if [ "${DBG_AS_DEBIAN:-0}" = 0 ]; then dbg_dir "$(deb_krelease)"; else echo "$CACHE_ROOT/$(deb_krelease)"; fi
	}
	cmd_setup() {
		(DBG_AS_DEBIAN=1; deb_cmd_setup "$@")
		dbg_setup "$(deb_krelease)"
	}
	# shellcheck disable=SC2034	# vmtest.sh's
	RUN_MEGS=1024
	# a 4 MiB log: the payload reads the reports back from dmesg at the end.
	# noxsave: Bochs' corei7_skylake_x reports AVX-512 XSAVE sizes the
	# kernel finds inconsistent; it WARNs at boot (fpu/xstate.c:606, seen
	# on the bench kernel too) and turns XSAVE off.  With panic_on_warn
	# that WARN would end every boot: noxsave gives the same end state
	# (no XSAVE for the host or any guest) without it.
	# clearcpuid=ht: Bochs' corei7_skylake_x with count=1 reports one
	# logical processor per package in CPUID.1:EBX[23:16] but several cores
	# in CPUID.4:EAX[31:26], and no leaf 0xB (no X86_FEATURE_XTOPOLOGY), so
	# detect_ht() (arch/x86/kernel/cpu/common.c:898-904) computes
	# smp_num_siblings = 1 / x86_max_cores = 0 and shifts by
	# get_count_order(0) = -1: UBSAN "shift-out-of-bounds" at
	# arch/x86/kernel/apic/apic_flat_64.c:101 (flat_phys_pkg_id), which
	# panic_on_warn turns into a panic before the console is up (the
	# triple fault: reboot=t).  No real CPU reports that topology (QEMU TCG
	# boots clean); without the HT flag detect_ht() returns early.  Guests
	# see no difference: neither the module's CPUID policy (x86/cpuid.c)
	# nor KVM's advertises CPUID.1:EDX.HTT.  Clearing a flag taints the
	# kernel 'S' (CPU out of spec), which leaves lockdep on.
	# shellcheck disable=SC2034
	KERNEL_CMDLINE="log_buf_len=4M noxsave clearcpuid=ht"
	[ "${SVX_DEBUG_PANIC_ON_WARN:-1}" = 0 ] || KERNEL_CMDLINE+=" panic_on_warn=1"
}
