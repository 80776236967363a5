/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake local APIC and host for the irqchip tests: the svx_lapic_* and
 * svx_irq_host_* functions the PIC, IOAPIC and routing need, recording
 * every accepted message and every kick.
 */
#ifndef SVX_FAKE_LAPIC_H
#define SVX_FAKE_LAPIC_H

#include "irqchip.h"

#define FAKE_LOG_MAX	64

struct fake_delivery {
	int idx;
	struct svx_irq_msg m;
};

struct fake_state {
	struct svx_irqchip chip;
	struct svx_lapic lapic[SVX_IRQ_MAX_LAPICS];
	bool accepts_pic[SVX_IRQ_MAX_LAPICS];
	struct fake_delivery log[FAKE_LOG_MAX];
	int nlog;
	int kicks[SVX_IRQ_MAX_LAPICS];
	long allocs;		/* live svx_irq_host_alloc() blocks */
	/* svx_irq_host_acked()/_masked() per (irqchip, pin) */
	int acks[3][SVX_IOAPIC_PINS];
	int masks[3][SVX_IOAPIC_PINS];
	bool masked[3][SVX_IOAPIC_PINS];
	/* svx_irq_host_hv_sint(): the calls' (vp << 8 | sint), the answer */
	u32 hv_sint[FAKE_LOG_MAX];
	int nhv_sint;
	int hv_sint_ret;
};

extern struct fake_state *fk;

/*
 * A fresh chip with @n local APICs: APIC ID i, enabled (hardware and
 * SPIV), flat logical mode with LDR bit i, only APIC 0 taking PIC
 * interrupts; default routing.
 */
void fake_setup(int n);
void fake_teardown(void);
void fake_clear_log(void);
void fake_set_sw_enabled(int idx, bool on);
int fake_total_kicks(void);

#endif
