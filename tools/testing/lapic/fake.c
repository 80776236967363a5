// SPDX-License-Identifier: GPL-2.0
/*
 * The fake host of irqchip/lapic.c (fake.h): what the other irqchip files
 * (irq_route.c, ioapic.c) and core/irqchip.c provide in the module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"

struct svx_irqchip fake_chip;
struct svx_lapic fake_apic[FAKE_NCPU];
u64 fake_now;
u64 fake_tsc0;
u32 fake_tsc_khz;
u64 fake_armed[FAKE_NCPU];
unsigned int fake_fires[FAKE_NCPU];
unsigned int fake_kicks[FAKE_NCPU];
int fake_eoi[64];
unsigned int fake_neoi;
unsigned int fake_nall_eoi;
unsigned int fake_delivers;
struct svx_irq_msg fake_last_msg;
int fake_synic_eoi[64];
unsigned int fake_nsynic_eoi;

void fake_clear_counts(void)
{
	memset(fake_fires, 0, sizeof(fake_fires));
	memset(fake_kicks, 0, sizeof(fake_kicks));
	memset(fake_eoi, 0, sizeof(fake_eoi));
	fake_neoi = 0;
	fake_nall_eoi = 0;
	fake_delivers = 0;
	fake_nsynic_eoi = 0;
}

void fake_setup(void)
{
	int i;

	memset(&fake_chip, 0, sizeof(fake_chip));
	memset(fake_armed, 0, sizeof(fake_armed));
	fake_clear_counts();
	fake_now = 1000000000ull;
	fake_tsc0 = 123456789ull;
	fake_tsc_khz = 2000000;		/* 2 GHz: 2 cycles per ns */
	for (i = 0; i < FAKE_NCPU; i++) {
		svx_lapic_init(&fake_apic[i], &fake_chip, i, i);
		fake_chip.lapics[i] = &fake_apic[i];
	}
	fake_clear_counts();
}

void fake_advance(u64 ns)
{
	u64 end = fake_now + ns;
	unsigned int guard = 0;

	for (;;) {
		int i, first = -1;
		u64 next;

		for (i = 0; i < FAKE_NCPU; i++)
			if (fake_armed[i] && fake_armed[i] <= end &&
			    (first < 0 || fake_armed[i] < fake_armed[first]))
				first = i;
		if (first < 0)
			break;
		if (++guard > 1000000) {
			fprintf(stderr, "%s: timer storm\n", __func__);
			abort();
		}
		if (fake_armed[first] > fake_now)
			fake_now = fake_armed[first];
		fake_armed[first] = 0;
		fake_fires[first]++;
		/* HRTIMER_RESTART with the returned expiry */
		next = svx_lapic_timer_fn(&fake_apic[first], fake_now);
		if (next)
			fake_armed[first] = next;
	}
	fake_now = end;
}

/* irq_route.c's job in the module: every APIC the message addresses. */
int svx_irq_deliver(struct svx_irqchip *chip, const struct svx_irq_msg *m,
		    struct svx_lapic *src)
{
	int i, n = 0;
	bool matched = false;

	fake_delivers++;
	fake_last_msg = *m;
	for (i = 0; i < SVX_IRQ_MAX_LAPICS; i++) {
		struct svx_lapic *a = chip->lapics[i];

		if (!a || !svx_lapic_match_dest(a, m, src))
			continue;
		matched = true;
		n += svx_lapic_accept(a, m);
		if (m->delivery_mode == SVX_DM_LOWEST)
			break;		/* the fake's arbitration: the first */
	}
	return matched ? n : -1;
}

/* The level EOIs (remote IRR) are logged; every EOI is counted. */
void svx_ioapic_eoi(struct svx_irqchip *chip, int vector, bool level)
{
	(void)chip;
	fake_nall_eoi++;
	if (!level)
		return;
	if (fake_neoi < 64)
		fake_eoi[fake_neoi] = vector;
	fake_neoi++;
}

/* The SynIC EOIs are logged (vector, the APIC's index in bits 8+) */
void svx_irq_host_synic_eoi(struct svx_lapic *a, int vector)
{
	if (fake_nsynic_eoi < 64)
		fake_synic_eoi[fake_nsynic_eoi] = a->idx << 8 | vector;
	fake_nsynic_eoi++;
}

void svx_irq_host_kick(struct svx_irqchip *chip, int idx)
{
	(void)chip;
	if (idx >= 0 && idx < FAKE_NCPU)
		fake_kicks[idx]++;
}

u64 svx_irq_host_now_ns(struct svx_irqchip *chip)
{
	(void)chip;
	return fake_now;
}

u64 svx_irq_host_guest_tsc(struct svx_lapic *a)
{
	(void)a;
	return fake_tsc0 + fake_now * fake_tsc_khz / 1000000;
}

void svx_irq_host_timer_arm(struct svx_lapic *a, u64 expires_ns)
{
	fake_armed[a->idx] = expires_ns;
}
