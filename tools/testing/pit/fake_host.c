// SPDX-License-Identifier: GPL-2.0
/* The PIT model's host in userspace (fake_host.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_host.h"

u64 fake_now;
struct svx_irqchip fake_chip;
int fake_level[SVX_NR_GSIS];
unsigned int fake_edges;
u64 fake_edge_ns[FAKE_MAX_EDGES];
unsigned int fake_line_calls;
bool fake_bad_call;

static struct fake_vm *to_vm(struct svx_pit *pit)
{
	return pit->host;
}

u64 svx_pit_host_now_ns(struct svx_pit *pit)
{
	(void)pit;
	return fake_now;
}

void svx_pit_host_timer_arm(struct svx_pit *pit, u64 expires_ns)
{
	to_vm(pit)->timer = expires_ns;
	to_vm(pit)->timer_arms++;
}

void svx_pit_host_queue_work(struct svx_pit *pit)
{
	to_vm(pit)->work = true;
	to_vm(pit)->work_queued++;
}

struct svx_irqchip *svx_pit_host_irqchip(struct svx_pit *pit)
{
	return to_vm(pit)->has_irqchip ? &fake_chip : NULL;
}

int svx_irq_line(struct svx_irqchip *chip, u32 gsi, int level)
{
	fake_line_calls++;
	if (chip != &fake_chip || gsi != 0) {
		fake_bad_call = true;
		return -1;
	}
	if (level && !fake_level[0]) {
		if (fake_edges < FAKE_MAX_EDGES)
			fake_edge_ns[fake_edges] = fake_now;
		fake_edges++;
	}
	fake_level[0] = level;
	return 1;
}

void fake_reset_lines(void)
{
	memset(fake_level, 0, sizeof(fake_level));
	fake_edges = 0;
	fake_line_calls = 0;
	fake_bad_call = false;
}

void fake_vm_init(struct fake_vm *vm, u64 now, u32 flags, bool irqchip)
{
	memset(vm, 0, sizeof(*vm));
	vm->has_irqchip = irqchip;
	vm->auto_work = true;
	vm->auto_eoi = true;
	fake_now = now;
	svx_pit_init(&vm->pit, vm, flags);
}

void fake_run_work(struct fake_vm *vm)
{
	while (vm->work) {
		unsigned int before = fake_edges;

		vm->work = false;
		svx_pit_do_work(&vm->pit);
		if (vm->auto_eoi && fake_edges != before)
			svx_pit_irq_acked(&vm->pit);
	}
}

void fake_advance(struct fake_vm *vm, u64 t)
{
	while (vm->timer && vm->timer <= t) {
		fake_now = vm->timer;
		vm->timer = svx_pit_timer_fn(&vm->pit, fake_now);
		if (vm->auto_work)
			fake_run_work(vm);
	}
	if (t > fake_now)
		fake_now = t;
}

void fake_outb(struct fake_vm *vm, u16 port, u8 v)
{
	if (svx_pit_ioport(&vm->pit, port, true, &v)) {
		fprintf(stderr, "outb 0x%x: not the PIT's\n", port);
		abort();
	}
}

u8 fake_inb(struct fake_vm *vm, u16 port)
{
	u8 v = 0xee;

	if (svx_pit_ioport(&vm->pit, port, false, &v)) {
		fprintf(stderr, "inb 0x%x: not the PIT's\n", port);
		abort();
	}
	return v;
}
