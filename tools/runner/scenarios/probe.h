/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scenario probe: a few I/O ports through which a scenario guest asks
 * the runner (probe.c) for the hypervisor's counters, so that it can check
 * its own assertions ("the re-touch took 0 exits").  Shared by the runner
 * and the guests (tools/runner/scenarios/).
 *
 *   out32 MARK   id   the runner reads every counter (the device's and its
 *                     own), prints the ones that changed since the previous
 *                     mark, and keeps the differences for VAL
 *   out32 SEL    ctr  choose a counter (enum probe_ctr)
 *   in32  VAL         its difference between the last two marks, without
 *                     the exit of the second mark's own OUT; PROBE_NA if the
 *                     device cannot tell (e.g. per-reason exits on /dev/kvm)
 *   out32 WACC   acc  access for the next walk (SVX_WT_ACC_* bits)
 *   out32 WLO    lo   low half of a GVA
 *   out32 WHI    hi   high half: print the SVX_WALK_TRACE diagram of the GVA
 *                     now (shadowvmx only; silently nothing elsewhere)
 *   in32  INFO        PROBE_INFO_* bits: paging mode, which counters exist
 */
#ifndef SVXR_SCEN_PROBE_H
#define SVXR_SCEN_PROBE_H

#define PROBE_PORT_BASE		0x5c0
#define PROBE_PORT_MARK		0x5c0
#define PROBE_PORT_SEL		0x5c4
#define PROBE_PORT_VAL		0x5c8
#define PROBE_PORT_WACC		0x5cc
#define PROBE_PORT_WLO		0x5d0
#define PROBE_PORT_WHI		0x5d4
#define PROBE_PORT_INFO		0x5d8
#define PROBE_PORT_LEN		0x1c

#define PROBE_NA		0xffffffffu

#define PROBE_INFO_PAGING_MASK	0x3u
#define PROBE_INFO_SHADOW	0x0u	/* shadow paging (or kvm_intel ept=0) */
#define PROBE_INFO_EPT		0x1u	/* EPT (or kvm_intel ept=1) */
#define PROBE_INFO_UNKNOWN	0x3u	/* the device does not say */
#define PROBE_INFO_SVX		0x100u	/* shadowvmx counters */
#define PROBE_INFO_KVM		0x200u	/* KVM binary stats (partial) */

enum probe_ctr {
	P_EXITS,	/* VM exits the guest caused (not external interrupts,
			 * interrupt/NMI windows, preemption timer) */
	P_EXC,		/* exit reason 0: exception (here #PF, vector 14) */
	P_CR,		/* exit reason 28: control-register access (MOV CR3) */
	P_INVLPG,	/* exit reason 14 */
	P_IO,		/* KVM_EXIT_IO to the runner */
	P_MMIO,		/* KVM_EXIT_MMIO to the runner */
	P_EPT_VIOL,	/* exit reason 48: EPT violation */
	P_EPT_MISCONF,	/* exit reason 49: EPT misconfiguration (MMIO fast path) */
	P_PF_FIXED,	/* shadow faults fixed by installing an SPTE */
	P_PF_INJECTED,	/* #PF reflected into the guest */
	P_PF_MMIO,	/* shadow faults on a GPA outside every memslot */
	P_MMIO_FAST,	/* MMIO faults served by an MMIO SPTE */
	P_PT_WRITE,	/* emulated writes to shadowed guest page tables */
	P_ROOT_HIT,	/* CR3 loads served by a cached shadow root */
	P_ROOT_MISS,	/* CR3 loads that built a new root */
	P_SP_ALLOC,	/* shadow table pages allocated */
	P_UNSYNC,	/* shadow pages marked unsync */
	P_SYNC,		/* shadow pages resynced */
	P_EMULATED,	/* instructions emulated */
	P_SPTE,		/* leaf SPTEs written */
	P_EPT_MMIO,	/* EPT violations forwarded as MMIO */
	P_IRQ_INJ,	/* interrupts the runner injected */
	P_NR
};

#endif
