// SPDX-License-Identifier: GPL-2.0
/*
 * 8259A PIC pair: master at 0x20/0x21, slave at 0xa0/0xa1 cascaded on
 * master IRQ 2.  Edge-triggered inputs only (ELCR is not modelled).
 *
 * Implemented: ICW1-ICW4 (vector base, cascade, auto-EOI), OCW1 (IMR),
 * OCW2 (non-specific/specific EOI, rotation, set priority), OCW3 (read
 * IRR/ISR, poll, special mask), fully rotating priority.  The slave's INT
 * output is the master's IRQ 2 input; an INTA cycle on the master that
 * selects IRQ 2 continues on the slave.  With nothing to deliver, the INTA
 * cycle returns the spurious IRQ 7 vector of the chip.
 */
#include <string.h>

#include "devices.h"

static unsigned int priority(const struct svxr_pic_chip *c, uint8_t mask)
{
	unsigned int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* Highest-priority request that beats everything in service, or -1. */
static int chip_irq(const struct svxr_pic_chip *c, bool master)
{
	unsigned int p = priority(c, c->irr & ~c->imr), cur;
	uint8_t isr = c->isr;

	if (p == 8)
		return -1;
	if (c->special_mask)
		isr &= ~c->imr;
	(void)master;
	cur = priority(c, isr);
	if (p < cur)
		return (p + c->priority_add) & 7;
	return -1;
}

static void chip_set_input(struct svxr_pic_chip *c, unsigned int irq, bool level)
{
	uint8_t bit = 1u << irq;

	if (level) {
		if (!(c->last_level & bit))
			c->irr |= bit;
		c->last_level |= bit;
	} else {
		c->last_level &= ~bit;
	}
}

/* Propagate the slave's output to the master's IRQ 2 input. */
static void update(struct svxr_pic *p)
{
	chip_set_input(&p->chip[0], 2, chip_irq(&p->chip[1], false) >= 0);
}

void svxr_pic_init(struct svxr_pic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].imr = p->chip[1].imr = 0xff;
	p->chip[0].irq_base = 0x08;
	p->chip[1].irq_base = 0x70;
}

void svxr_pic_set_irq(struct svxr_pic *p, unsigned int irq, bool level)
{
	if (irq >= 16)
		return;
	chip_set_input(&p->chip[irq >> 3], irq & 7, level);
	update(p);
}

void svxr_pic_pulse(struct svxr_pic *p, unsigned int irq)
{
	svxr_pic_set_irq(p, irq, true);
	svxr_pic_set_irq(p, irq, false);
}

bool svxr_pic_pending(struct svxr_pic *p)
{
	return chip_irq(&p->chip[0], true) >= 0;
}

static void intack(struct svxr_pic_chip *c, unsigned int irq)
{
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= 1u << irq;
	}
	c->irr &= ~(1u << irq);		/* edge triggered */
}

uint8_t svxr_pic_ack(struct svxr_pic *p)
{
	struct svxr_pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_irq(m, true), irq2;
	uint8_t vec;

	if (irq < 0) {
		p->nr_spurious++;
		return m->irq_base + 7;
	}
	if (irq == 2 && !m->single) {
		irq2 = chip_irq(s, false);
		if (irq2 >= 0) {
			intack(s, irq2);
		} else {
			irq2 = 7;
			p->nr_spurious++;
		}
		vec = s->irq_base + irq2;
	} else {
		vec = m->irq_base + irq;
	}
	intack(m, irq);
	update(p);
	p->nr_acks++;
	return vec;
}

static void chip_reset(struct svxr_pic_chip *c)
{
	uint8_t last = c->last_level;

	memset(c, 0, sizeof(*c));
	c->last_level = last;
}

void svxr_pic_write(struct svxr_pic *p, unsigned int chip, unsigned int addr,
		   uint8_t val)
{
	struct svxr_pic_chip *c = &p->chip[chip & 1];
	unsigned int pr, irq;

	if (!(addr & 1)) {
		if (val & 0x10) {		/* ICW1 */
			chip_reset(c);
			c->init_state = 1;
			c->icw4_needed = val & 0x01;
			c->single = val & 0x02;
		} else if (val & 0x08) {	/* OCW3 */
			if (val & 0x04)
				c->poll = true;
			if (val & 0x02)
				c->read_isr = val & 0x01;
			if (val & 0x40)
				c->special_mask = (val >> 5) & 1;
		} else {			/* OCW2 */
			switch (val >> 5) {
			case 0:			/* rotate in AEOI: clear */
			case 4:			/* rotate in AEOI: set */
				c->rotate_on_aeoi = val >> 7;
				break;
			case 1:			/* non-specific EOI */
			case 5:			/* ... and rotate */
				pr = priority(c, c->isr);
				if (pr != 8) {
					irq = (pr + c->priority_add) & 7;
					c->isr &= ~(1u << irq);
					if (val >> 5 == 5)
						c->priority_add = (irq + 1) & 7;
				}
				break;
			case 3:			/* specific EOI */
				c->isr &= ~(1u << (val & 7));
				break;
			case 6:			/* set priority */
				c->priority_add = (val + 1) & 7;
				break;
			case 7:			/* rotate on specific EOI */
				irq = val & 7;
				c->isr &= ~(1u << irq);
				c->priority_add = (irq + 1) & 7;
				break;
			default:		/* 2: no operation */
				break;
			}
		}
	} else {
		switch (c->init_state) {
		case 0:				/* OCW1 */
			c->imr = val;
			break;
		case 1:				/* ICW2 */
			c->irq_base = val & 0xf8;
			c->init_state = c->single ? (c->icw4_needed ? 3 : 0) : 2;
			break;
		case 2:				/* ICW3 */
			c->icw3 = val;
			c->init_state = c->icw4_needed ? 3 : 0;
			break;
		default:			/* ICW4 */
			c->auto_eoi = val & 0x02;
			c->init_state = 0;
			break;
		}
	}
	update(p);
}

uint8_t svxr_pic_read(struct svxr_pic *p, unsigned int chip, unsigned int addr)
{
	struct svxr_pic_chip *c = &p->chip[chip & 1];
	int irq;

	if (c->poll) {			/* poll command: acts as INTA */
		c->poll = false;
		irq = chip_irq(c, !chip);
		if (irq < 0)
			return 0;
		intack(c, irq);
		update(p);
		return 0x80 | irq;
	}
	if (addr & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}
