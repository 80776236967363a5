// SPDX-License-Identifier: GPL-2.0
/*
 * 8253/8254 interval timer emulation, ported from Linux 6.1's
 * arch/x86/kvm/i8254.c:
 *
 * Copyright (c) 2003-2004 Fabrice Bellard
 * Copyright (c) 2006 Intel Corporation
 * Copyright (c) 2007 Keir Fraser, XenSource Inc
 * Copyright (c) 2008 Intel Corporation
 * Copyright 2009 Red Hat, Inc. and/or its affiliates.
 * Authors: Sheng Yang <sheng.yang@intel.com>, based on QEMU and Xen.
 *
 * (The original is also under the MIT license; this port is GPL-2.0.)
 *
 * As KVM's: the counters are computed from the time elapsed since the
 * count was loaded (channel 0: from the host timer's remaining time), BCD
 * is recorded (status byte) but counting is binary, gates only restart
 * modes 1, 2, 3 and 5 on a rising edge.  KVM's kthread work becomes
 * svx_pit_host_queue_work() + svx_pit_do_work(); its mutex the irqchip
 * lock.  Not ported: the NMI watchdog through LVT0 in NMI mode
 * (kvm_apic_nmi_wd_deliver()) and the timer's migration to vCPU 0.
 */
#include <linux/types.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/string.h>

#include "irqchip.h"
#include "i8254.h"

#define PIT_NSEC_PER_SEC	1000000000U

#define RW_STATE_LSB		1
#define RW_STATE_MSB		2
#define RW_STATE_WORD0		3
#define RW_STATE_WORD1		4

static void pit_set_gate(struct svx_pit *pit, int channel, u32 val)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	switch (c->mode) {
	default:
	case 0:
	case 4:
		/* As KVM: counting is neither disabled nor enabled. */
		break;
	case 1:
	case 2:
	case 3:
	case 5:
		/* Restart counting on rising edge. */
		if (c->gate < val)
			c->count_load_time = svx_pit_host_now_ns(pit);
		break;
	}

	c->gate = val;
}

static s64 kpit_elapsed(struct svx_pit *pit, int channel)
{
	if (channel == 0) {
		/*
		 * period - hrtimer_get_remaining(): the remaining time of the
		 * last expiry armed, negative once it passed.
		 */
		if (!pit->period)
			return 0;
		return pit->period - (s64)(pit->expires_ns -
					   svx_pit_host_now_ns(pit));
	}
	return (s64)(svx_pit_host_now_ns(pit) - pit->ch[channel].count_load_time);
}

static s64 pit_ticks(struct svx_pit *pit, int channel)
{
	return mul_u64_u32_div(kpit_elapsed(pit, channel), SVX_PIT_FREQ,
			       PIT_NSEC_PER_SEC);
}

static int pit_get_count(struct svx_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];
	s64 d = pit_ticks(pit, channel);

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		return (c->count - d) & 0xffff;
	case 3:
		/* As KVM: may be incorrect for odd counts. */
		return c->count - ((2 * d) % c->count);
	default:
		return c->count - (d % c->count);
	}
}

static int pit_get_out(struct svx_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];
	s64 d = pit_ticks(pit, channel);

	switch (c->mode) {
	default:
	case 0:
		return d >= c->count;
	case 1:
		return d < c->count;
	case 2:
		return (d % c->count) == 0 && d != 0;
	case 3:
		return (d % c->count) < ((c->count + 1) >> 1);
	case 4:
	case 5:
		return d == c->count;
	}
}

static void pit_latch_count(struct svx_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	if (!c->count_latched) {
		c->latched_count = pit_get_count(pit, channel);
		c->count_latched = c->rw_mode;
	}
}

static void pit_latch_status(struct svx_pit *pit, int channel)
{
	struct kvm_pit_channel_state *c = &pit->ch[channel];

	if (!c->status_latched) {
		/* As KVM: NULL COUNT (bit 6) is not reported. */
		c->status = (pit_get_out(pit, channel) << 7) |
			    (c->rw_mode << 4) | (c->mode << 1) | c->bcd;
		c->status_latched = 1;
	}
}

static void pit_reset_reinject(struct svx_pit *pit)
{
	pit->pending = 0;
	pit->irq_ack = true;
}

void svx_pit_do_work(struct svx_pit *pit)
{
	struct svx_irqchip *chip;

	if (!pit->work_queued)
		return;
	pit->work_queued = false;

	if (pit->reinject) {
		if (!pit->irq_ack)
			return;
		pit->irq_ack = false;
	}

	chip = svx_pit_host_irqchip(pit);
	if (!chip)
		return;
	svx_irq_line(chip, 0, 1);
	svx_irq_line(chip, 0, 0);
}

static void pit_queue_work(struct svx_pit *pit)
{
	/* kthread_queue_work(): a queued work is not queued twice. */
	if (!pit->work_queued) {
		pit->work_queued = true;
		svx_pit_host_queue_work(pit);
	}
}

/* hrtimer_cancel() + kthread_flush_work(): a queued tick goes in first. */
static void destroy_pit_timer(struct svx_pit *pit)
{
	if (pit->timer_armed) {
		pit->timer_armed = false;
		svx_pit_host_timer_arm(pit, 0);
	}
	svx_pit_do_work(pit);
}

u64 svx_pit_timer_fn(struct svx_pit *pit, u64 now_ns)
{
	if (!pit->timer_armed)
		return 0;
	/* A firing that raced with a re-arm for later: keep the new one. */
	if (now_ns < pit->expires_ns)
		return pit->expires_ns;

	if (pit->reinject)
		pit->pending++;
	pit_queue_work(pit);

	if (pit->is_periodic) {
		/* hrtimer_add_expires_ns(): late ticks follow back to back. */
		pit->expires_ns += pit->period;
		return pit->expires_ns;
	}
	pit->timer_armed = false;
	return 0;
}

void svx_pit_irq_acked(struct svx_pit *pit)
{
	if (!pit->reinject)
		return;
	pit->irq_ack = true;
	/* atomic_dec_if_positive(&pending) > 0 */
	if (pit->pending > 0 && --pit->pending > 0)
		pit_queue_work(pit);
}

void svx_pit_irq_unmasked(struct svx_pit *pit)
{
	if (pit->reinject)
		pit_reset_reinject(pit);
}

void svx_pit_set_reinject(struct svx_pit *pit, bool reinject)
{
	if (pit->reinject == reinject)
		return;
	/* The initial state is preserved while reinject is off. */
	if (reinject)
		pit_reset_reinject(pit);
	pit->reinject = reinject;
}

static void create_pit_timer(struct svx_pit *pit, u32 val, bool is_period)
{
	u64 interval;

	if (!svx_pit_host_irqchip(pit) ||
	    (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY))
		return;

	interval = mul_u64_u32_div(val, PIT_NSEC_PER_SEC, SVX_PIT_FREQ);

	destroy_pit_timer(pit);
	pit->period = interval;
	pit->is_periodic = is_period;

	pit_reset_reinject(pit);

	/*
	 * No periodic timer shorter than min_period_ns: host timers are not
	 * throttled by the scheduler.
	 */
	if (pit->is_periodic && pit->period < (s64)pit->min_period_ns)
		pit->period = pit->min_period_ns;

	/* As KVM: the first expiry is @interval away, not the clamped period. */
	pit->expires_ns = svx_pit_host_now_ns(pit) + interval;
	pit->timer_armed = true;
	svx_pit_host_timer_arm(pit, pit->expires_ns);
}

static void pit_load_count(struct svx_pit *pit, int channel, u32 val)
{
	/* The largest initial count is 0: 2^16 in binary, 10^4 in BCD. */
	if (val == 0)
		val = 0x10000;

	pit->ch[channel].count = val;

	if (channel != 0) {
		pit->ch[channel].count_load_time = svx_pit_host_now_ns(pit);
		return;
	}

	/* Modes 0, 1, 4: one-shot; 2, 3: periodic; otherwise no timer. */
	switch (pit->ch[0].mode) {
	case 0:
	case 1:
	case 4:
		create_pit_timer(pit, val, false);
		break;
	case 2:
	case 3:
		create_pit_timer(pit, val, true);
		break;
	default:
		destroy_pit_timer(pit);
	}
}

/* kvm_pit_load_count() */
static void pit_load_count_hpet(struct svx_pit *pit, int channel, u32 val,
				bool hpet_legacy_start)
{
	u8 saved_mode;

	if (hpet_legacy_start) {
		/* Save the mode for later re-enablement; no timer now. */
		saved_mode = pit->ch[0].mode;
		pit->ch[0].mode = 0xff;
		pit_load_count(pit, channel, val);
		pit->ch[0].mode = saved_mode;
	} else {
		pit_load_count(pit, channel, val);
	}
}

static void pit_ioport_write(struct svx_pit *pit, int addr, u8 val)
{
	struct kvm_pit_channel_state *s;
	int channel, access;

	if (addr == 3) {
		channel = val >> 6;
		if (channel == 3) {
			/* Read-Back Command. */
			for (channel = 0; channel < 3; channel++) {
				if (!(val & (2 << channel)))
					continue;
				if (!(val & 0x20))
					pit_latch_count(pit, channel);
				if (!(val & 0x10))
					pit_latch_status(pit, channel);
			}
			return;
		}
		/* Select Counter <channel>. */
		s = &pit->ch[channel];
		access = (val >> 4) & 3;
		if (access == 0) {
			pit_latch_count(pit, channel);
		} else {
			s->rw_mode = access;
			s->read_state = access;
			s->write_state = access;
			s->mode = (val >> 1) & 7;
			if (s->mode > 5)
				s->mode -= 4;
			s->bcd = val & 1;
		}
		return;
	}

	/* Write Count. */
	s = &pit->ch[addr];
	switch (s->write_state) {
	default:
	case RW_STATE_LSB:
		pit_load_count(pit, addr, val);
		break;
	case RW_STATE_MSB:
		pit_load_count(pit, addr, val << 8);
		break;
	case RW_STATE_WORD0:
		s->write_latch = val;
		s->write_state = RW_STATE_WORD1;
		break;
	case RW_STATE_WORD1:
		pit_load_count(pit, addr, s->write_latch | (val << 8));
		s->write_state = RW_STATE_WORD0;
		break;
	}
}

static u8 pit_ioport_read(struct svx_pit *pit, int addr)
{
	struct kvm_pit_channel_state *s;
	int ret;

	if (addr == 3)
		return 0;	/* KVM leaves the zeroed PIO buffer */

	s = &pit->ch[addr];
	if (s->status_latched) {
		s->status_latched = 0;
		return s->status;
	}
	if (s->count_latched) {
		switch (s->count_latched) {
		default:
		case RW_STATE_LSB:
			ret = s->latched_count & 0xff;
			s->count_latched = 0;
			break;
		case RW_STATE_MSB:
			ret = s->latched_count >> 8;
			s->count_latched = 0;
			break;
		case RW_STATE_WORD0:
			ret = s->latched_count & 0xff;
			s->count_latched = RW_STATE_MSB;
			break;
		}
		return ret;
	}
	switch (s->read_state) {
	default:
	case RW_STATE_LSB:
		ret = pit_get_count(pit, addr) & 0xff;
		break;
	case RW_STATE_MSB:
		ret = (pit_get_count(pit, addr) >> 8) & 0xff;
		break;
	case RW_STATE_WORD0:
		ret = pit_get_count(pit, addr) & 0xff;
		s->read_state = RW_STATE_WORD1;
		break;
	case RW_STATE_WORD1:
		ret = (pit_get_count(pit, addr) >> 8) & 0xff;
		s->read_state = RW_STATE_WORD0;
		break;
	}
	return ret;
}

static void speaker_ioport_write(struct svx_pit *pit, u8 val)
{
	if (val & (1 << 1))
		pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	else
		pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	pit_set_gate(pit, 2, val & 1);
}

static u8 speaker_ioport_read(struct svx_pit *pit)
{
	/* The refresh clock toggles about every 15 us: 2^14 ns, as KVM. */
	unsigned int refresh_clock = ((u32)svx_pit_host_now_ns(pit) >> 14) & 1;

	return (!!(pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) << 1) |
	       pit->ch[2].gate | (pit_get_out(pit, 2) << 5) |
	       (refresh_clock << 4);
}

int svx_pit_ioport(struct svx_pit *pit, u16 port, bool write, u8 *val)
{
	if (port >= SVX_PIT_BASE && port < SVX_PIT_BASE + 4) {
		if (write)
			pit_ioport_write(pit, port - SVX_PIT_BASE, *val);
		else
			*val = pit_ioport_read(pit, port - SVX_PIT_BASE);
		return 0;
	}
	if (port == SVX_PIT_SPEAKER && pit->speaker_dummy) {
		if (write)
			speaker_ioport_write(pit, *val);
		else
			*val = speaker_ioport_read(pit);
		return 0;
	}
	return -1;
}

static void pit_reset(struct svx_pit *pit)
{
	int i;

	pit->flags = 0;
	for (i = 0; i < 3; i++) {
		pit->ch[i].mode = 0xff;
		pit->ch[i].gate = (i != 2);
		pit_load_count(pit, i, 0);
	}
	pit_reset_reinject(pit);
}

void svx_pit_init(struct svx_pit *pit, void *host, u32 config_flags)
{
	pit->host = host;
	pit->speaker_dummy = config_flags & KVM_PIT_SPEAKER_DUMMY;
	pit->min_period_ns = SVX_PIT_MIN_PERIOD_NS;
	pit_reset(pit);
	svx_pit_set_reinject(pit, true);
}

void svx_pit_stop(struct svx_pit *pit)
{
	svx_pit_set_reinject(pit, false);
	if (pit->timer_armed) {
		pit->timer_armed = false;
		svx_pit_host_timer_arm(pit, 0);
	}
	pit->work_queued = false;
}

void svx_pit_get_state2(struct svx_pit *pit, struct kvm_pit_state2 *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->channels, pit->ch, sizeof(s->channels));
	s->flags = pit->flags;
}

void svx_pit_set_state2(struct svx_pit *pit, const struct kvm_pit_state2 *s)
{
	bool start = !(pit->flags & KVM_PIT_FLAGS_HPET_LEGACY) &&
		     (s->flags & KVM_PIT_FLAGS_HPET_LEGACY);
	int i;

	memcpy(pit->ch, s->channels, sizeof(pit->ch));
	pit->flags = s->flags;
	for (i = 0; i < 3; i++)
		pit_load_count_hpet(pit, i, pit->ch[i].count, start && i == 0);
}

void svx_pit_get_state(struct svx_pit *pit, struct kvm_pit_state *s)
{
	memcpy(s->channels, pit->ch, sizeof(s->channels));
}

void svx_pit_set_state(struct svx_pit *pit, const struct kvm_pit_state *s)
{
	int i;

	memcpy(pit->ch, s->channels, sizeof(pit->ch));
	for (i = 0; i < 3; i++)
		pit_load_count(pit, i, pit->ch[i].count);
}
