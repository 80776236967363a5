// SPDX-License-Identifier: GPL-2.0
/*
 * The two cascaded 8259A PICs of KVM's in-kernel irqchip: a port of Linux
 * 6.1's arch/x86/kvm/i8259.c (itself a port of QEMU's), which is
 *
 *   Copyright (c) 2003-2004 Fabrice Bellard
 *   Copyright (c) 2007 Intel Corporation
 *   Copyright 2009 Red Hat, Inc. and/or its affiliates.
 *   Authors: Yaozu (Eddie) Dong <Eddie.dong@intel.com>
 *
 * under this licence (MIT):
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to deal
 * in the Software without restriction, including without limitation the rights
 * to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 * copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL
 * THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 * OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
 * THE SOFTWARE.
 *
 * The state of each PIC is KVM's struct kvm_pic_state, byte for byte what
 * KVM_GET/SET_IRQCHIP exchange, with KVM's semantics: ICW1-4, OCW1-3, poll
 * mode, special mask, (rotating) auto-EOI, specific/non-specific (rotating)
 * EOI, priority rotation, special fully nested mode, ELCR at 0x4d0/0x4d1
 * (elcr_mask 0xf8/0xde as KVM's: IRQ 0-2 and 8, 13 are always edge), the
 * edge detection on last_irr, spurious IRQ 7 and 15.
 *
 * Differences from KVM, none visible to the guest:
 *  - no ack or mask notifiers (KVM uses them for device assignment and the
 *    PIT's reinjection; nothing registers them here);
 *  - the output of the master kicks the vCPU only when it rises, where KVM
 *    kicks whenever it was low before the update (also when it stays low,
 *    which changes nothing pending); like KVM, only the first vCPU whose
 *    local APIC accepts PIC interrupts is kicked;
 *  - ICW1's single-mode and level-sensitive bits are ignored silently
 *    (KVM logs them once per occurrence, rate-limited, and ignores them).
 */
#include <linux/container_of.h>
#include <linux/string.h>

#include "irqchip.h"

static struct svx_irqchip *pic_chip(struct svx_pic *p)
{
	return container_of(p, struct svx_irqchip, pic);
}

static bool pic_is_master(struct svx_pic *p, struct kvm_pic_state *s)
{
	return s == &p->pics[0];
}

/* Set pin @irq of @s to @level; edge detection on last_irr (KVM's rules). */
static int pic_set_irq1(struct kvm_pic_state *s, int irq, int level)
{
	int mask = 1 << irq, ret = 1;

	if (s->elcr & mask) {		/* level triggered */
		if (level) {
			ret = !(s->irr & mask);
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
	} else {			/* edge triggered */
		if (level) {
			if ((s->last_irr & mask) == 0) {
				ret = !(s->irr & mask);
				s->irr |= mask;
			}
			s->last_irr |= mask;
		} else {
			s->last_irr &= ~mask;
		}
	}
	return (s->imr & mask) ? -1 : ret;
}

/* The highest priority in @mask (0 is the highest), 8 if @mask is empty. */
static int get_priority(struct kvm_pic_state *s, int mask)
{
	int priority = 0;

	if (mask == 0)
		return 8;
	while ((mask & (1 << ((priority + s->priority_add) & 7))) == 0)
		priority++;
	return priority;
}

/* The IRQ this PIC wants to raise, or -1. */
static int pic_get_irq(struct svx_pic *p, struct kvm_pic_state *s)
{
	int mask, cur_priority, priority;

	mask = s->irr & ~s->imr;
	priority = get_priority(s, mask);
	if (priority == 8)
		return -1;
	/*
	 * The current priority; in special fully nested mode the master does
	 * not count the in-service slave (IR2) against a new slave request.
	 */
	mask = s->isr;
	if (s->special_fully_nested_mode && pic_is_master(p, s))
		mask &= ~(1 << 2);
	cur_priority = get_priority(s, mask);
	if (priority < cur_priority)
		return (priority + s->priority_add) & 7;
	return -1;
}

/* The master's INTR: kick the first vCPU taking PIC interrupts on a rise. */
static void pic_irq_request(struct svx_pic *p, int level)
{
	struct svx_irqchip *chip = pic_chip(p);
	bool rise = level && !p->output;
	int i;

	p->output = level;
	if (!rise)
		return;
	for (i = 0; i < SVX_IRQ_MAX_LAPICS; i++) {
		if (chip->lapics[i] && svx_lapic_accepts_pic(chip->lapics[i])) {
			svx_irq_host_kick(chip, i);
			return;
		}
	}
}

/* Must be called every time the active IRQ may change. */
static void pic_update_irq(struct svx_pic *p)
{
	int irq;

	if (pic_get_irq(p, &p->pics[1]) >= 0) {
		/* the slave's INT pulses the master's IR2 */
		pic_set_irq1(&p->pics[0], 2, 1);
		pic_set_irq1(&p->pics[0], 2, 0);
	}
	irq = pic_get_irq(p, &p->pics[0]);
	pic_irq_request(p, irq >= 0);
}

/* KVM's pic_clear_isr(): the in-service bit goes, ack notifiers run. */
static void pic_clear_isr(struct svx_pic *p, struct kvm_pic_state *s, int irq)
{
	s->isr &= ~(1 << irq);
	svx_irq_host_acked(pic_chip(p), pic_is_master(p, s) ?
			   KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, irq);
}

int svx_pic_set_irq(struct svx_pic *p, int irq, int level)
{
	int ret;

	if (irq < 0 || irq >= 16)
		return -1;
	ret = pic_set_irq1(&p->pics[irq >> 3], irq & 7, level);
	pic_update_irq(p);
	return ret;
}

/* INTA: @irq goes in service. */
static void pic_intack(struct svx_pic *p, struct kvm_pic_state *s, int irq)
{
	s->isr |= 1 << irq;
	/* a level-sensitive request is not cleared here */
	if (!(s->elcr & (1 << irq)))
		s->irr &= ~(1 << irq);
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		pic_clear_isr(p, s, irq);
	}
}

int svx_pic_read_irq(struct svx_pic *p)
{
	int irq, irq2, intno;

	p->output = false;
	irq = pic_get_irq(p, &p->pics[0]);
	if (irq >= 0) {
		pic_intack(p, &p->pics[0], irq);
		if (irq == 2) {
			irq2 = pic_get_irq(p, &p->pics[1]);
			if (irq2 >= 0)
				pic_intack(p, &p->pics[1], irq2);
			else
				irq2 = 7;	/* spurious IRQ on the slave */
			intno = p->pics[1].irq_base + irq2;
		} else {
			intno = p->pics[0].irq_base + irq;
		}
	} else {
		irq = 7;			/* spurious IRQ on the master */
		intno = p->pics[0].irq_base + irq;
	}
	pic_update_irq(p);
	return intno;
}

/* ICW1: KVM's kvm_pic_reset(). */
static void pic_icw1_reset(struct svx_pic *p, struct kvm_pic_state *s)
{
	struct svx_irqchip *chip = pic_chip(p);
	u8 edge_irr = s->irr & ~s->elcr;
	bool found = false;
	int irq, i;

	s->last_irr = 0;
	s->irr &= s->elcr;
	s->imr = 0;
	s->priority_add = 0;
	s->special_mask = 0;
	s->read_reg_select = 0;
	if (!s->init4) {
		s->special_fully_nested_mode = 0;
		s->auto_eoi = 0;
	}
	s->init_state = 1;

	for (i = 0; i < SVX_IRQ_MAX_LAPICS && !found; i++)
		found = chip->lapics[i] && svx_lapic_accepts_pic(chip->lapics[i]);
	if (!found)
		return;
	/* KVM clears ISR bits of the edge requests dropped above */
	for (irq = 0; irq < 8; irq++)
		if (edge_irr & (1 << irq))
			pic_clear_isr(p, s, irq);
}

static void pic_ioport_write(struct svx_pic *p, struct kvm_pic_state *s,
			     u16 addr, u8 val)
{
	int priority, cmd, irq;

	if ((addr & 1) == 0) {
		if (val & 0x10) {		/* ICW1 */
			s->init4 = val & 1;
			pic_icw1_reset(p, s);
		} else if (val & 0x08) {	/* OCW3 */
			if (val & 0x04)
				s->poll = 1;
			if (val & 0x02)
				s->read_reg_select = val & 1;
			if (val & 0x40)
				s->special_mask = (val >> 5) & 1;
		} else {			/* OCW2 */
			cmd = val >> 5;
			switch (cmd) {
			case 0:		/* rotate in auto-EOI mode: clear */
			case 4:		/* rotate in auto-EOI mode: set */
				s->rotate_on_auto_eoi = cmd >> 2;
				break;
			case 1:		/* non-specific EOI */
			case 5:		/* rotate on non-specific EOI */
				priority = get_priority(s, s->isr);
				if (priority != 8) {
					irq = (priority + s->priority_add) & 7;
					if (cmd == 5)
						s->priority_add = (irq + 1) & 7;
					pic_clear_isr(p, s, irq);
					pic_update_irq(p);
				}
				break;
			case 3:		/* specific EOI */
				irq = val & 7;
				pic_clear_isr(p, s, irq);
				pic_update_irq(p);
				break;
			case 6:		/* set priority */
				s->priority_add = (val + 1) & 7;
				pic_update_irq(p);
				break;
			case 7:		/* rotate on specific EOI */
				irq = val & 7;
				s->priority_add = (irq + 1) & 7;
				pic_clear_isr(p, s, irq);
				pic_update_irq(p);
				break;
			default:	/* 2: no operation */
				break;
			}
		}
		return;
	}

	switch (s->init_state) {
	case 0: {			/* OCW1: the mask */
		u8 diff = s->imr ^ val;
		int irq;

		s->imr = val;
		/* KVM's kvm_fire_mask_notifiers() */
		for (irq = 0; irq < 8; irq++)
			if (diff & (1 << irq))
				svx_irq_host_masked(pic_chip(p),
						    pic_is_master(p, s) ?
						    KVM_IRQCHIP_PIC_MASTER :
						    KVM_IRQCHIP_PIC_SLAVE, irq,
						    val & (1 << irq));
		pic_update_irq(p);
		break;
	}
	case 1:				/* ICW2: the vector base */
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:				/* ICW3: cascade (ignored) */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:				/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

static u8 pic_poll_read(struct svx_pic *p, struct kvm_pic_state *s,
			u16 addr1)
{
	int ret;

	ret = pic_get_irq(p, s);
	if (ret >= 0) {
		if (addr1 >> 7) {
			p->pics[0].isr &= ~(1 << 2);
			p->pics[0].irr &= ~(1 << 2);
		}
		s->irr &= ~(1 << ret);
		pic_clear_isr(p, s, ret);
		if (addr1 >> 7 || ret != 2)
			pic_update_irq(p);
	} else {
		ret = 0x07;
		pic_update_irq(p);
	}
	return ret;
}

static u8 pic_ioport_read(struct svx_pic *p, struct kvm_pic_state *s,
			  u16 addr)
{
	u8 ret;

	if (s->poll) {
		ret = pic_poll_read(p, s, addr);
		s->poll = 0;
	} else if ((addr & 1) == 0) {
		ret = s->read_reg_select ? s->isr : s->irr;
	} else {
		ret = s->imr;
	}
	return ret;
}

int svx_pic_pio(struct svx_pic *p, u16 port, bool write, u8 *val)
{
	struct kvm_pic_state *s;

	switch (port) {
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		s = &p->pics[port >> 7];
		if (write)
			pic_ioport_write(p, s, port, *val);
		else
			*val = pic_ioport_read(p, s, port);
		return 0;
	case 0x4d0:
	case 0x4d1:
		s = &p->pics[port & 1];
		if (write)
			s->elcr = *val & s->elcr_mask;
		else
			*val = s->elcr;
		return 0;
	default:
		return -1;
	}
}

void svx_pic_reset(struct svx_pic *p)
{
	memset(p->pics, 0, sizeof(p->pics));
	p->pics[0].elcr_mask = 0xf8;
	p->pics[1].elcr_mask = 0xde;
	p->output = false;
}

void svx_pic_get(struct svx_pic *p, int id, struct kvm_pic_state *s)
{
	*s = p->pics[id & 1];
}

void svx_pic_set(struct svx_pic *p, int id, const struct kvm_pic_state *s)
{
	p->pics[id & 1] = *s;
	pic_update_irq(p);
}
