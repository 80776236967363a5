#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot an unmodified Linux kernel through svxrun to a user-space marker.
# Builds a tiny initramfs (Debian's busybox-static + an /init that prints
# SVX-L2-USERSPACE-OK through /dev/kmsg and resets the machine through the
# i8042), boots it
# with the serial console on the runner's stdout, and prints
#
#   linux-guest[LABEL]: ok                 only if the marker was seen
#   linux-guest[LABEL]: FAIL (...)         otherwise (exit status 1)
#
# Busybox sh compatible (runs inside the Bochs bench's L1 too).
#
#   sh tools/runner/linux-guest.sh [-l LABEL] [-d DEV] [-k KERNEL] [-p PAGING]
#                                  [-m MEM] [-t SECS] [-- SVXRUN-ARGS...]
#
#   -l LABEL   report label (default: the paging mode, else the device name)
#   -d DEV     device (default $SVX_DEV, else /dev/shadowvmx)
#   -k KERNEL  bzImage (default $KERNEL, else the newest /boot/vmlinuz-*)
#   -p MODE    --paging shadow|ept for svxrun
#   -m MEM     guest RAM (default 256M)
#   -t SECS    svxrun --timeout (default 300)
#
# With svxrun's --irqchip among SVXRUN-ARGS the board's PIC and PIT stay
# idle, so the guest's timer interrupts (IRQ 0 and LOC in its
# /proc/interrupts) came from the device's PIT, PICs and local APIC: none
# is a FAIL.
#
# Environment: SVXRUN (runner), BUSYBOX (a static busybox; default: the
# busybox on PATH if static, else /bin/busybox of an `apt-get download
# busybox-static` extracted in the work directory), WORKDIR (kept; default a
# temporary directory removed at exit), APPEND (extra kernel arguments),
# SVX_LINUX_LOG (copy of the guest console + runner messages), INIT_HOOK (a
# busybox sh script that init runs, as /hook, after the marker and before
# the reset; the harness's W14..W16), INIT_FILES (files copied into the
# initramfs' /bin, e.g. the hook's static programs).

MARKER=SVX-L2-USERSPACE-OK
HERE=$(dirname "$0")
if [ -x "$HERE/build/svxrun" ]; then
	SVXRUN=${SVXRUN:-$HERE/build/svxrun}
else
	SVXRUN=${SVXRUN:-$HERE/svxrun}
fi
DEV=${SVX_DEV:-/dev/shadowvmx}
KERNEL=${KERNEL:-}
LABEL=
PAGING=
MEM=256M
TIMEOUT=300

while getopts "l:d:k:p:m:t:h" opt; do
	case $opt in
	l) LABEL=$OPTARG ;;
	d) DEV=$OPTARG ;;
	k) KERNEL=$OPTARG ;;
	p) PAGING=$OPTARG ;;
	m) MEM=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "$1" = "--" ] && shift
[ -n "$LABEL" ] || LABEL=${PAGING:-$(basename "$DEV")}
IRQCHIP=
for a in "$@"; do
	[ "$a" = --irqchip ] && IRQCHIP=1
done

fail() {
	echo "linux-guest[$LABEL]: FAIL ($*)"
	exit 1
}

[ -x "$SVXRUN" ] || fail "runner $SVXRUN not built (make -C tools/runner)"
[ -c "$DEV" ] || fail "$DEV is not a character device"
if [ -z "$KERNEL" ]; then
	KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V 2>/dev/null | tail -n 1)
	[ -n "$KERNEL" ] || KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | tail -n 1)
fi
[ -r "$KERNEL" ] || fail "no readable kernel (give -k KERNEL)"

if [ -n "$WORKDIR" ]; then
	W=$WORKDIR
	mkdir -p "$W" || fail "cannot create $W"
else
	W=$(mktemp -d 2>/dev/null) || { W=/tmp/linux-guest.$$; mkdir -p "$W"; }
	trap 'rm -rf "$W"' EXIT
fi

is_static() {
	# a static ELF has no PT_INTERP; without readelf/file, trust the name
	if command -v readelf >/dev/null 2>&1; then
		! readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
	elif command -v file >/dev/null 2>&1; then
		file -L "$1" | grep -q 'statically linked'
	else
		true
	fi
}

if [ -z "$BUSYBOX" ]; then
	b=$(command -v busybox 2>/dev/null)
	if [ -n "$b" ] && is_static "$b"; then
		BUSYBOX=$b
	elif [ -x "$W/bb/bin/busybox" ]; then
		BUSYBOX=$W/bb/bin/busybox
	else
		(cd "$W" && apt-get download busybox-static >/dev/null 2>&1) ||
			fail "no static busybox (set BUSYBOX or install busybox-static)"
		dpkg -x "$W"/busybox-static_*.deb "$W/bb" || fail "dpkg -x busybox-static"
		BUSYBOX=$W/bb/bin/busybox
	fi
fi
[ -x "$BUSYBOX" ] || fail "busybox $BUSYBOX not executable"

# --- initramfs ---------------------------------------------------------------
R=$W/root
rm -rf "$R"
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" || fail "mkdir $R"
cp "$BUSYBOX" "$R/bin/busybox" || fail "copy busybox"
for a in sh mount echo cat uname reboot poweroff sleep; do
	ln -s busybox "$R/bin/$a"
done
cat >"$R/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "init: $(/bin/busybox uname -sr) up $(/bin/busybox cat /proc/uptime)"
# what the kernel made of the CPU: its clocksource, the timer's interrupts
# (IRQ 0: the PIT) and the local APIC timer's (LOC), some CPUID flags
bb=/bin/busybox
irqs() {
	$bb awk -v k="$1" '$1 == k { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts
}
irq0=$(irqs 0:)
loc=$(irqs LOC:)
flags=
for f in apic x2apic tsc_deadline_timer hypervisor xsave avx; do
	$bb grep -qw $f /proc/cpuinfo && flags="$flags $f"
done
echo "init: clocksource $($bb cat /sys/devices/system/clocksource/clocksource0/current_clocksource) IRQ0 ${irq0:-none} LOC ${loc:-none} flags$flags"
# The marker goes out through printk: the kernel's console writes a line
# in one piece, by polling the UART.  An echo to the tty is sent from the
# THRE interrupt, 16 bytes at a time, and a kernel message printed at
# that moment (e.g. "random: crng init done") can land inside it.
echo "<2>SVX-L2-USERSPACE-OK" >/dev/kmsg || echo SVX-L2-USERSPACE-OK
# INIT_HOOK, if any
[ -x /hook ] && /hook
# let the serial driver drain its buffer before the reset cuts it off
/bin/busybox sleep 1
# reset through the i8042 (svxrun status 16); a triple fault if that fails
/bin/busybox reboot -f
/bin/busybox sleep 5
echo "init: reboot -f returned"
EOF
if [ -n "$INIT_HOOK" ]; then
	cp "$INIT_HOOK" "$R/hook" || fail "copy $INIT_HOOK"
	chmod +x "$R/hook"
fi
for f in $INIT_FILES; do
	cp "$f" "$R/bin/" || fail "copy $f"
done
chmod +x "$R/init"
if command -v cpio >/dev/null 2>&1; then
	CPIO=cpio
else
	CPIO="$BUSYBOX cpio"
fi
(cd "$R" && find . | $CPIO -o -H newc >"$W/initrd.cpio" 2>/dev/null) ||
	fail "cpio"

# --- boot --------------------------------------------------------------------
CMDLINE="console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 panic=-1 reboot=k i8042.noaux i8042.nokbd rdinit=/init $APPEND"
set -- --dev "$DEV" --mem "$MEM" --timeout "$TIMEOUT" --no-stdin --stats \
	--kernel "$KERNEL" --initrd "$W/initrd.cpio" --append "$CMDLINE" "$@"
[ -n "$PAGING" ] && set -- --paging "$PAGING" "$@"

echo "# linux-guest[$LABEL]: $SVXRUN $*"
start=$(date +%s)
"$SVXRUN" "$@" >"$W/console.log" 2>"$W/runner.log" </dev/null
rc=$?
end=$(date +%s)
if [ -n "$SVX_LINUX_LOG" ]; then
	cat "$W/console.log" "$W/runner.log" >"$SVX_LINUX_LOG"
fi
sed 's/^/# runner: /' "$W/runner.log" | grep -v '^# runner:   ' | tail -n 40
sed -n 's/^\(  KVM_EXIT_.*\|  interrupts.*\|  halts.*\)$/# runner: \1/p' "$W/runner.log"
echo "# linux-guest[$LABEL]: svxrun status $rc after $((end - start)) s"
if grep -q "$MARKER" "$W/console.log"; then
	grep -E "^(init:|Linux version|\[ *[0-9.]+\] (Run /init|Freeing unused kernel))" \
		"$W/console.log" | sed 's/^/# console: /'
	# init's echo goes through the tty (the UART's THRE interrupt), the
	# marker through printk (polled): say so when only the latter came
	grep -q "^init: " "$W/console.log" ||
		echo "# linux-guest[$LABEL]: WARNING: init's tty line is missing (interrupt-driven serial output lost?)"
	if [ -n "$IRQCHIP" ] &&
	   ! grep -qE '^init: clocksource .* (IRQ0|LOC) [1-9]' "$W/console.log"; then
		fail "--irqchip, but no timer interrupt in the guest"
	fi
	echo "linux-guest[$LABEL]: ok"
	exit 0
fi
tail -n 30 "$W/console.log" | sed 's/^/# console: /'
fail "marker $MARKER not seen, svxrun status $rc"
