// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 PIT: three counters at 1.193182 MHz (ports 0x40-0x42, control word
 * 0x43) and the PC's port 0x61 (bit 0 gate of counter 2, bit 1 speaker
 * data, bit 4 refresh toggle, bit 5 OUT2).
 *
 * Counters are not ticked: a counter's value and OUT pin are computed from
 * the host time elapsed since its count was loaded.  Counter 0's OUT rising
 * edges are IRQ 0: the board polls svxr_pit_irq0_edges() at every loop
 * iteration and sleeps until svxr_pit_next_event() when the guest halts.
 * Periodic ticks missed while the runner was away are coalesced into one.
 *
 * Modes: 0 (interrupt on terminal count) and 4 (software strobe) are one
 * shot; 2 (rate generator) and 3 (square wave) are periodic; 1 and 5 behave
 * as one shot from the count load (or gate-2 rising edge).  A low gate does
 * not stop counting; a rising gate-2 edge restarts counter 2 in modes 1, 2,
 * 3 and 5 -- enough for Linux's PIT calibration of the TSC (mode 0 on
 * counter 2, polling OUT2 in port 0x61 or the counter MSB).  Counter
 * latch, read-back (count and status), LSB/MSB/word access.  BCD counting
 * is not modelled (the bit is stored and reported).
 */
#include <string.h>

#include "devices.h"

static uint64_t ticks_since(const struct svxr_pit_chan *c, uint64_t now)
{
	if (now <= c->load_ns)
		return 0;
	return (uint64_t)((unsigned __int128)(now - c->load_ns) * SVXR_PIT_HZ /
			  NSEC_PER_SEC);
}

/* time of tick t after the load, rounded up */
static uint64_t tick_time(const struct svxr_pit_chan *c, uint64_t t)
{
	return c->load_ns + (uint64_t)(((unsigned __int128)t * NSEC_PER_SEC +
					SVXR_PIT_HZ - 1) / SVXR_PIT_HZ);
}

static bool periodic(const struct svxr_pit_chan *c)
{
	return c->mode == 2 || c->mode == 3;
}

void svxr_pit_init(struct svxr_pit *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < 3; i++) {
		p->ch[i].count = 0x10000;
		p->ch[i].rw = 3;
		p->ch[i].gate = i != 2;
		p->ch[i].write_lsb_next = 1;
	}
}

uint16_t svxr_pit_counter(const struct svxr_pit *p, unsigned int ch,
			 uint64_t now)
{
	const struct svxr_pit_chan *c = &p->ch[ch];
	uint64_t t = ticks_since(c, now);

	if (!c->armed)
		return c->count & 0xffff;
	switch (c->mode) {
	case 2:
		return (c->count - t % c->count) & 0xffff;
	case 3:
		return (c->count - (2 * t) % c->count) & 0xfffe;
	default:
		return (c->count - t) & 0xffff;
	}
}

static bool out_pin(const struct svxr_pit_chan *c, uint64_t now)
{
	uint64_t t = ticks_since(c, now);

	if (!c->armed)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->count;
	case 2:
		return t % c->count != c->count - 1;
	case 3:
		return t % c->count < (c->count + 1) / 2;
	default:	/* 4, 5: low for one clock at terminal count */
		return t != c->count;
	}
}

static void latch_count(struct svxr_pit_chan *c, uint64_t now,
			const struct svxr_pit *p, unsigned int i)
{
	if (c->latched)
		return;
	c->latched = true;
	c->latch = svxr_pit_counter(p, i, now);
	c->latch_msb_next = 0;
}

static void latch_status(struct svxr_pit_chan *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status_latched = true;
	c->status = (out_pin(c, now) ? 0x80 : 0) | (c->armed ? 0 : 0x40) |
		    (c->rw << 4) | (c->mode << 1) | c->bcd;
}

static void load(struct svxr_pit_chan *c, uint32_t v, uint64_t now)
{
	c->count = v ? v : 0x10000;
	if (periodic(c) && c->count < 2)
		c->count = 2;
	c->load_ns = now;
	c->armed = true;
	c->periods_done = 0;
	c->oneshot_done = false;
}

void svxr_pit_write(struct svxr_pit *p, unsigned int reg, uint8_t val,
		   uint64_t now)
{
	struct svxr_pit_chan *c;

	if (reg == 3) {
		unsigned int sel = val >> 6, rw = (val >> 4) & 3;

		if (sel == 3) {			/* read-back */
			for (unsigned int i = 0; i < 3; i++) {
				if (!(val & (2u << i)))
					continue;
				if (!(val & 0x20))
					latch_count(&p->ch[i], now, p, i);
				if (!(val & 0x10))
					latch_status(&p->ch[i], now);
			}
			return;
		}
		c = &p->ch[sel];
		if (!rw) {			/* counter latch */
			latch_count(c, now, p, sel);
			return;
		}
		c->rw = rw;
		c->mode = (val >> 1) & 7;
		if (c->mode > 5)
			c->mode -= 4;
		c->bcd = val & 1;
		c->armed = false;
		c->write_lsb_next = 1;
		c->read_msb_next = 0;
		c->latched = false;
		c->status_latched = false;
		return;
	}
	if (reg > 2)
		return;
	c = &p->ch[reg];
	switch (c->rw) {
	case 1:
		load(c, val, now);
		break;
	case 2:
		load(c, (uint32_t)val << 8, now);
		break;
	default:
		if (c->write_lsb_next) {
			c->wlatch = val;
			c->write_lsb_next = 0;
			if (c->mode == 0)
				c->armed = false;	/* counting stops */
		} else {
			c->write_lsb_next = 1;
			load(c, c->wlatch | ((uint32_t)val << 8), now);
		}
		break;
	}
}

uint8_t svxr_pit_read(struct svxr_pit *p, unsigned int reg, uint64_t now)
{
	struct svxr_pit_chan *c;
	uint16_t v;

	if (reg > 2)
		return 0xff;		/* the control word is write-only */
	c = &p->ch[reg];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		switch (c->rw) {
		case 1:
			c->latched = false;
			return v & 0xff;
		case 2:
			c->latched = false;
			return v >> 8;
		default:
			if (!c->latch_msb_next) {
				c->latch_msb_next = 1;
				return v & 0xff;
			}
			c->latched = false;
			return v >> 8;
		}
	}
	v = svxr_pit_counter(p, reg, now);
	switch (c->rw) {
	case 1:
		return v & 0xff;
	case 2:
		return v >> 8;
	default:
		c->read_msb_next ^= 1;
		return c->read_msb_next ? v & 0xff : v >> 8;
	}
}

uint8_t svxr_pit_read61(struct svxr_pit *p, uint64_t now)
{
	/* refresh request toggles every 15.085 us */
	uint8_t refresh = ((now / 15085) & 1) << 4;

	return (p->port61 & 0x0f) | refresh |
	       (out_pin(&p->ch[2], now) ? 0x20 : 0);
}

void svxr_pit_write61(struct svxr_pit *p, uint8_t val, uint64_t now)
{
	struct svxr_pit_chan *c = &p->ch[2];
	bool gate = val & 1;

	if (gate && !c->gate && c->armed && c->mode != 0 && c->mode != 4) {
		c->load_ns = now;	/* rising gate edge retriggers */
		c->periods_done = 0;
		c->oneshot_done = false;
	}
	c->gate = gate;
	p->port61 = val & 0x0f;
}

unsigned int svxr_pit_irq0_edges(struct svxr_pit *p, uint64_t now)
{
	struct svxr_pit_chan *c = &p->ch[0];
	uint64_t t;

	if (!c->armed)
		return 0;
	t = ticks_since(c, now);
	if (periodic(c)) {
		uint64_t periods = t / c->count;

		if (periods <= c->periods_done)
			return 0;
		c->periods_done = periods;
	} else {
		if (c->oneshot_done || t < c->count)
			return 0;
		c->oneshot_done = true;
	}
	p->nr_irqs++;
	return 1;
}

uint64_t svxr_pit_next_event(const struct svxr_pit *p)
{
	const struct svxr_pit_chan *c = &p->ch[0];

	if (!c->armed)
		return 0;
	if (periodic(c))
		return tick_time(c, (c->periods_done + 1) * c->count);
	if (c->oneshot_done)
		return 0;
	return tick_time(c, c->count);
}
