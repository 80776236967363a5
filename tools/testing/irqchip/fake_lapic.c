// SPDX-License-Identifier: GPL-2.0
/* The fake local APIC and host of the irqchip tests (fake_lapic.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_lapic.h"

#define APIC_ID		0x20
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0

struct fake_state *fk;

static u32 reg(const struct svx_lapic *a, int off)
{
	u32 v;

	memcpy(&v, &a->regs[off], 4);
	return v;
}

static void set_reg(struct svx_lapic *a, int off, u32 v)
{
	memcpy(&a->regs[off], &v, 4);
}

void fake_set_sw_enabled(int idx, bool on)
{
	struct svx_lapic *a = &fk->lapic[idx];

	set_reg(a, APIC_SPIV, on ? 0x1ff : 0xff);
}

void fake_setup(int n)
{
	int i, err;

	fk = calloc(1, sizeof(*fk));
	if (!fk)
		abort();
	svx_irqchip_init(&fk->chip, fk);
	for (i = 0; i < n; i++) {
		struct svx_lapic *a = &fk->lapic[i];

		a->chip = &fk->chip;
		a->idx = i;
		a->vcpu_id = i;
		a->base = 0xfee00000 | (1 << 11) | (i == 0 ? 1 << 8 : 0);
		set_reg(a, APIC_ID, (u32)i << 24);
		set_reg(a, APIC_LDR, 1U << (24 + i));
		set_reg(a, APIC_DFR, 0xffffffff);
		fake_set_sw_enabled(i, true);
		fk->accepts_pic[i] = i == 0;
		fk->chip.lapics[i] = a;
	}
	fk->chip.routing = svx_irq_routing_default(&err);
	if (!fk->chip.routing || err)
		abort();
}

void fake_teardown(void)
{
	svx_irq_host_free(fk->chip.routing);
	if (fk->allocs)
		fprintf(stderr, "fake: %ld allocations not freed\n", fk->allocs);
	free(fk);
	fk = NULL;
}

void fake_clear_log(void)
{
	fk->nlog = 0;
	memset(fk->kicks, 0, sizeof(fk->kicks));
}

int fake_total_kicks(void)
{
	int i, n = 0;

	for (i = 0; i < SVX_IRQ_MAX_LAPICS; i++)
		n += fk->kicks[i];
	return n;
}

/* xAPIC only: physical ID / flat or cluster logical, shorthands. */
bool svx_lapic_match_dest(struct svx_lapic *a, const struct svx_irq_msg *m,
			  struct svx_lapic *src)
{
	u32 id = reg(a, APIC_ID) >> 24, ldr = reg(a, APIC_LDR) >> 24;
	u32 d = m->dest_id & 0xff;

	switch (m->shorthand) {
	case SVX_SH_SELF:
		return a == src;
	case SVX_SH_ALL:
		return true;
	case SVX_SH_OTHERS:
		return a != src;
	}
	if (!m->dest_logical)
		return d == 0xff || d == id;
	if (d == 0xff)
		return true;
	if ((reg(a, APIC_DFR) >> 28) == 0xf)
		return ldr & d;
	return (ldr >> 4) == (d >> 4) && (ldr & d & 0xf);
}

int svx_lapic_accept(struct svx_lapic *a, const struct svx_irq_msg *m)
{
	bool sw = reg(a, APIC_SPIV) & 0x100;

	if ((m->delivery_mode == SVX_DM_FIXED ||
	     m->delivery_mode == SVX_DM_LOWEST) && !sw)
		return 0;
	if (fk->nlog < FAKE_LOG_MAX) {
		fk->log[fk->nlog].idx = a->idx;
		fk->log[fk->nlog].m = *m;
	}
	fk->nlog++;
	return 1;
}

bool svx_lapic_accepts_pic(struct svx_lapic *a)
{
	return fk->accepts_pic[a->idx];
}

void svx_irq_host_kick(struct svx_irqchip *chip, int idx)
{
	if (chip != &fk->chip || idx < 0 || idx >= SVX_IRQ_MAX_LAPICS)
		abort();
	fk->kicks[idx]++;
}

void svx_irq_host_acked(struct svx_irqchip *chip, unsigned int irqchip,
			unsigned int pin)
{
	if (chip != &fk->chip || irqchip > 2 || pin >= SVX_IOAPIC_PINS)
		abort();
	fk->acks[irqchip][pin]++;
}

void svx_irq_host_masked(struct svx_irqchip *chip, unsigned int irqchip,
			 unsigned int pin, bool masked)
{
	if (chip != &fk->chip || irqchip > 2 || pin >= SVX_IOAPIC_PINS)
		abort();
	fk->masks[irqchip][pin]++;
	fk->masked[irqchip][pin] = masked;
}

int svx_irq_host_hv_sint(struct svx_irqchip *chip, u32 vp_index, u32 sint)
{
	if (chip != &fk->chip)
		abort();
	if (fk->nhv_sint < FAKE_LOG_MAX)
		fk->hv_sint[fk->nhv_sint] = vp_index << 8 | sint;
	fk->nhv_sint++;
	return fk->hv_sint_ret;
}

/* the irqchip tests have no local APIC model: never called */
void svx_irq_host_synic_eoi(struct svx_lapic *a, int vector)
{
	(void)a;
	(void)vector;
	abort();
}

void *svx_irq_host_alloc(size_t size)
{
	void *p = calloc(1, size);

	if (p)
		fk->allocs++;
	return p;
}

void svx_irq_host_free(void *p)
{
	if (p)
		fk->allocs--;
	free(p);
}
