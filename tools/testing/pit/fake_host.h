/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PIT model's host in userspace: a fake monotonic clock, channel 0's
 * one-shot timer, the work queue, and svx_irq_line() recording GSI 0.
 */
#ifndef SVX_PIT_FAKE_HOST_H
#define SVX_PIT_FAKE_HOST_H

#include <linux/types.h>
#include "irqchip.h"
#include "i8254.h"

#define FAKE_MAX_EDGES	4096

struct fake_vm {
	struct svx_pit pit;
	bool has_irqchip;	/* svx_pit_host_irqchip() answers */
	u64 timer;		/* armed expiry, 0: none */
	unsigned int timer_arms;
	bool work;		/* svx_pit_host_queue_work() outstanding */
	unsigned int work_queued;	/* calls */
	bool auto_work;		/* run the work right after each firing */
	bool auto_eoi;		/* the guest EOIs each injected tick at once */
};

extern u64 fake_now;
extern struct svx_irqchip fake_chip;
/* GSI 0's line as svx_irq_line() left it, its rising edges and times. */
extern int fake_level[SVX_NR_GSIS];
extern unsigned int fake_edges;
extern u64 fake_edge_ns[FAKE_MAX_EDGES];
extern unsigned int fake_line_calls;
extern bool fake_bad_call;	/* svx_irq_line() on another chip/GSI */

/* A fresh VM with a PIT (KVM_CREATE_PIT2 @flags) at time @now. */
void fake_vm_init(struct fake_vm *vm, u64 now, u32 flags, bool irqchip);
void fake_reset_lines(void);
/* Run queued work (and the guest's EOIs if auto_eoi) until none is left. */
void fake_run_work(struct fake_vm *vm);
/* Let time pass to @t, firing the timer at each expiry on the way. */
void fake_advance(struct fake_vm *vm, u64 t);
void fake_outb(struct fake_vm *vm, u16 port, u8 v);
u8 fake_inb(struct fake_vm *vm, u16 port);

#endif
