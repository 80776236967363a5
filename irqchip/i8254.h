/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel PIT: an 8254 programmable interval timer as KVM's
 * arch/x86/kvm/i8254.c (ports 0x40-0x43, and port 0x61 with
 * KVM_PIT_SPEAKER_DUMMY), channel 0 driving GSI 0 through the in-kernel
 * irqchip's routing.  Plain C like the rest of irqchip/: it also builds in
 * userspace, under tools/testing/pit.
 *
 * Its state is KVM's struct kvm_pit_channel_state[3] + flags, so that
 * KVM_GET/SET_PIT(2) copy it as KVM does; count_load_time is in the host's
 * svx_pit_host_now_ns() time base (KVM's ktime_get()).
 *
 * Locking: every function here is called with the VM's irqchip lock held
 * (the lock of irqchip.h, taken with interrupts off); none of them sleeps
 * or allocates.  The host timer armed by svx_pit_host_timer_arm() fires in
 * hard interrupt context and calls svx_pit_timer_fn() under that lock.
 *
 * The host functions at the end are core/pit.c's in the kernel and
 * tools/testing/pit's in userspace.
 */
#ifndef SVX_IRQCHIP_I8254_H
#define SVX_IRQCHIP_I8254_H

#include <linux/types.h>
#include <linux/kvm.h>

struct svx_irqchip;

#define SVX_PIT_BASE		0x40	/* KVM_PIT_BASE_ADDRESS */
#define SVX_PIT_SPEAKER		0x61	/* KVM_SPEAKER_BASE_ADDRESS */
#define SVX_PIT_FREQ		1193181	/* KVM_PIT_FREQ, Hz */
/* KVM's min_timer_period_us default: the shortest periodic interval */
#define SVX_PIT_MIN_PERIOD_NS	200000

struct svx_pit {
	struct kvm_pit_channel_state ch[3];
	u32 flags;		/* KVM_PIT_FLAGS_* (kvm_pit_state2.flags) */
	bool speaker_dummy;	/* port 0x61 is ours (KVM_PIT_SPEAKER_DUMMY) */

	/* Channel 0's host timer (KVM's ps->timer, ps->period). */
	bool is_periodic;
	s64 period;		/* ns */
	u64 expires_ns;		/* last armed expiry; stays after it fired */
	bool timer_armed;
	u64 min_period_ns;

	/*
	 * Reinject mode (KVM_REINJECT_CONTROL, on at creation): a tick is
	 * injected only after the guest acknowledged the previous one; the
	 * ticks in between are counted and injected one per EOI.
	 */
	bool reinject;
	u32 pending;		/* ticks not yet acknowledged */
	bool irq_ack;		/* the last injected tick was acknowledged */
	bool work_queued;	/* svx_pit_host_queue_work() outstanding */

	void *host;		/* the host's VM */
};

/* At KVM_CREATE_PIT2 (zeroed memory): KVM's kvm_create_pit() state. */
void svx_pit_init(struct svx_pit *pit, void *host, u32 config_flags);
/* Port I/O of one byte at 0x40-0x43 or 0x61: 0, or -1 (not ours). */
int svx_pit_ioport(struct svx_pit *pit, u16 port, bool write, u8 *val);
/* KVM_GET/SET_PIT2 and KVM_GET/SET_PIT. */
void svx_pit_get_state2(struct svx_pit *pit, struct kvm_pit_state2 *s);
void svx_pit_set_state2(struct svx_pit *pit, const struct kvm_pit_state2 *s);
void svx_pit_get_state(struct svx_pit *pit, struct kvm_pit_state *s);
void svx_pit_set_state(struct svx_pit *pit, const struct kvm_pit_state *s);
/* KVM_REINJECT_CONTROL */
void svx_pit_set_reinject(struct svx_pit *pit, bool reinject);
/*
 * The host timer fired at @now_ns: count the tick, queue the injection;
 * returns the expiry to re-arm the timer for (periodic, or the timer was
 * re-armed meanwhile), or 0.
 */
u64 svx_pit_timer_fn(struct svx_pit *pit, u64 now_ns);
/* The work queued by svx_pit_host_queue_work(): inject a tick on GSI 0. */
void svx_pit_do_work(struct svx_pit *pit);
/*
 * The guest acknowledged GSI 0 (EOI at the PIC or IOAPIC pin GSI 0 is
 * routed to): KVM's irq ack notifier.  GSI 0 became unmasked: KVM's mask
 * notifier.  Both only act in reinject mode.
 */
void svx_pit_irq_acked(struct svx_pit *pit);
void svx_pit_irq_unmasked(struct svx_pit *pit);
/* Before freeing: the timer is disarmed. */
void svx_pit_stop(struct svx_pit *pit);

/* ------------------------------------------------------------------ */
/* Host (core/pit.c; tools/testing/pit in userspace)                   */

/* Monotonic host time (KVM's ktime_get()). */
u64 svx_pit_host_now_ns(struct svx_pit *pit);
/* Arm channel 0's timer to fire at @expires_ns (svx_pit_timer_fn()); 0: cancel. */
void svx_pit_host_timer_arm(struct svx_pit *pit, u64 expires_ns);
/* Run svx_pit_do_work() soon, outside the caller (KVM's kthread work). */
void svx_pit_host_queue_work(struct svx_pit *pit);
/* The VM's in-kernel irqchip, or NULL (then channel 0 never runs, as KVM). */
struct svx_irqchip *svx_pit_host_irqchip(struct svx_pit *pit);

#endif /* SVX_IRQCHIP_I8254_H */
