# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# exits.sh: VM exits by reason of whatever runs between exits_begin and
# exits_end, counted in the kernel by a tracing histogram on the exit
# tracepoint (kvm:kvm_exit's exit_reason, shadowvmx:svx_vm_exit's reason),
# so that VMMs we do not control (QEMU) are measured the same way on
# kvm_intel and on shadowvmx.  Sourced by run.sh (busybox sh).
#
#   exits_begin kvm|svx     install the histogram (module already loaded)
#   exits_end               print "total=<n> <NAME>=<n> ..." (most first)
#                           and remove it

EXITS_TRACING=/sys/kernel/tracing
[ -d $EXITS_TRACING/events ] ||
	mount -t tracefs nodev $EXITS_TRACING 2>/dev/null ||
	EXITS_TRACING=/sys/kernel/debug/tracing
EXITS_EV=
EXITS_KEY=

exits_begin() {
	case $1 in
	kvm) EXITS_EV=$EXITS_TRACING/events/kvm/kvm_exit EXITS_KEY=exit_reason ;;
	*) EXITS_EV=$EXITS_TRACING/events/shadowvmx/svx_vm_exit EXITS_KEY=reason ;;
	esac
	echo "hist:keys=$EXITS_KEY:size=256" >"$EXITS_EV/trigger" 2>/dev/null ||
		EXITS_EV=
}

# SDM Appendix C basic exit reasons -> the names KVM's exit stats use
exits_end() {
	if [ -z "$EXITS_EV" ]; then
		echo "total=unknown (no tracing histogram)"
		return
	fi
	awk -v key="$EXITS_KEY" '
	BEGIN {
		split("EXCEPTION_NMI EXTERNAL_INTERRUPT TRIPLE_FAULT INIT SIPI IO_SMI OTHER_SMI " \
		      "INTERRUPT_WINDOW NMI_WINDOW TASK_SWITCH CPUID GETSEC HLT INVD INVLPG RDPMC " \
		      "RDTSC RSM VMCALL VMCLEAR VMLAUNCH VMPTRLD VMPTRST VMREAD VMRESUME VMWRITE " \
		      "VMOFF VMON CR_ACCESS DR_ACCESS IO MSR_READ MSR_WRITE INVALID_STATE MSR_LOAD_FAIL " \
		      "35 MWAIT MONITOR_TRAP 38 MONITOR PAUSE MCE_DURING_VMENTRY 42 TPR_BELOW " \
		      "APIC_ACCESS EOI_INDUCED GDTR_IDTR LDTR_TR EPT_VIOLATION EPT_MISCONFIG INVEPT " \
		      "RDTSCP PREEMPTION_TIMER INVVPID WBINVD XSETBV APIC_WRITE RDRAND INVPCID", nm, " ")
	}
	$1 == "{" && $2 == key ":" {
		r = $3 + 0
		c = $NF + 0
		name = (r % 65536) + 1 in nm ? nm[(r % 65536) + 1] : "REASON_" r
		cnt[name] += c
		total += c
	}
	END {
		s = "total=" total + 0
		while (1) {
			best = ""
			for (k in cnt)
				if (best == "" || cnt[k] > cnt[best])
					best = k
			if (best == "")
				break
			s = s " " best "=" cnt[best]
			delete cnt[best]
		}
		print s
	}' "$EXITS_EV/hist"
	echo "!hist:keys=$EXITS_KEY:size=256" >"$EXITS_EV/trigger" 2>/dev/null
	EXITS_EV=
}
