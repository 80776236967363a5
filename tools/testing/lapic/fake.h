/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake host of irqchip/lapic.c in userspace: four vCPUs' local APICs on
 * one struct svx_irqchip, a clock and guest TSC the tests move, the host
 * timers armed through svx_irq_host_timer_arm() fired in order by
 * fake_advance(), and recordings of kicks and IOAPIC EOIs.
 */
#ifndef SVX_LAPIC_FAKE_H
#define SVX_LAPIC_FAKE_H

#include "irqchip.h"

#define FAKE_NCPU	4

extern struct svx_irqchip fake_chip;
extern struct svx_lapic fake_apic[FAKE_NCPU];
extern u64 fake_now;			/* host monotonic ns */
extern u64 fake_tsc0;			/* guest TSC at fake_now == 0 */
extern u32 fake_tsc_khz;		/* guest TSC rate */
extern u64 fake_armed[FAKE_NCPU];	/* host timer expiry, 0: none */
extern unsigned int fake_fires[FAKE_NCPU];	/* svx_lapic_timer_fn() calls */
extern unsigned int fake_kicks[FAKE_NCPU];
extern int fake_eoi[64];		/* svx_ioapic_eoi() vectors */
extern unsigned int fake_neoi;
extern unsigned int fake_nall_eoi;	/* every EOI, edge too */
extern unsigned int fake_delivers;	/* svx_irq_deliver() calls */
extern struct svx_irq_msg fake_last_msg;
extern int fake_synic_eoi[64];		/* svx_irq_host_synic_eoi() vectors */
extern unsigned int fake_nsynic_eoi;

/* Fresh chip: vCPU ids 0-3 (0 is the BSP), clock at 1 s, no CPUID yet. */
void fake_setup(void);
/* Move the clock by @ns, firing the armed host timers in expiry order. */
void fake_advance(u64 ns);
void fake_clear_counts(void);

#endif
