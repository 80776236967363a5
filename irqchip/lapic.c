// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC of a vCPU, as KVM's (arch/x86/kvm/lapic.c of Linux 6.1,
 * from which most of this is ported; Copyright (C) 2006 Qumranet, 2007
 * Novell, 2007 Intel, 2009 Red Hat; authors Dor Laor, Gregory Haskins,
 * Yaozu (Eddie) Dong; based on Xen 3.1), without APICv, posted interrupts,
 * the hypervisor timer (VMX preemption timer) and the timer advance.  PV
 * EOI's decisions are here (svx_lapic_pv_eoi_vector(), KVM's
 * highest_isr_cache in isr_cache), its guest memory is core/irqchip.c's.
 * Hyper-V SynIC's hooks are here (synic_vec, synic_auto_eoi):
 * an auto-EOI vector is not put in service when the CPU takes it, an EOI
 * of a SynIC vector acknowledges its SINTs (svx_irq_host_synic_eoi()).
 *
 * The register page is KVM's struct kvm_lapic_state, with what KVM keeps
 * in it: the 64-bit ICR at 0x300 in x2APIC mode (Intel's layout), the PPR
 * updated lazily, TMCCT computed on read.  KVM's cached copies (sw_enabled,
 * divide_count, isr_count, irr_pending) are derived from the registers
 * here instead; highest_isr_cache is kept (isr_cache), for PV EOI.
 *
 * Behaviour as KVM's in its default configuration: the LAPIC_MMIO_HOLE
 * quirk (the xAPIC page of a disabled or x2APIC APIC reads all-ones,
 * writes are dropped), the LINT0_REENABLED quirk (the BSP's LVT0 is ExtINT
 * after reset), the x2APIC broadcast quirk and the legacy KVM_GET/SET_LAPIC
 * x2APIC ID format (KVM_CAP_X2APIC_API not enabled), no directed EOI (an
 * in-kernel IOAPIC),
 * min_timer_period_us = 200, an APIC bus of 1 GHz (APIC_BUS_CYCLE_NS 1).
 *
 * Timer: the one-shot and periodic timers run on the host's monotonic
 * clock (svx_irq_host_now_ns()); timer_expires_ns is KVM's
 * target_expiration (0 once a one-shot timer fired), timer_period_ns its
 * period.  The TSC-deadline timer converts the distance from the guest's
 * TSC (svx_irq_host_guest_tsc()) with tsc_khz.  The host timer
 * (svx_irq_host_timer_arm()) calls svx_lapic_timer_fn(), which makes the
 * LVTT interrupt pending at once (KVM keeps it in lapic_timer.pending and
 * sets the IRR at the next entry, the same to the guest).
 *
 * CMCI: as KVM's nr_lvt_entries, the LVT has 6 entries (version 0x50014)
 * until KVM_X86_SETUP_MCE gives the vCPU MCG_CMCI_P
 * (svx_lapic_set_cmci()), then 7: LVTCMCI (0x2f0) is the seventh, read,
 * written and masked like the others, and a UCNA that KVM_X86_SET_MCE
 * injects into a bank with MCi_CTL2.CMCI_EN is delivered through it
 * (svx_lapic_deliver_cmci(), KVM's kvm_apic_local_deliver(APIC_LVTCMCI)).
 */
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/string.h>

#include "irqchip.h"

/* Register offsets (SDM Vol. 3 Table 11-1) */
#define LAPIC_ID	0x20
#define LAPIC_LVR	0x30
#define LAPIC_TASKPRI	0x80
#define LAPIC_ARBPRI	0x90
#define LAPIC_PROCPRI	0xa0
#define LAPIC_EOI	0xb0
#define LAPIC_LDR	0xd0
#define LAPIC_DFR	0xe0
#define LAPIC_SPIV	0xf0
#define LAPIC_ISR	0x100
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_ESR	0x280
#define LAPIC_LVTCMCI	0x2f0
#define LAPIC_ICR	0x300
#define LAPIC_ICR2	0x310
#define LAPIC_LVTT	0x320
#define LAPIC_LVTTHMR	0x330
#define LAPIC_LVTPC	0x340
#define LAPIC_LVT0	0x350
#define LAPIC_LVT1	0x360
#define LAPIC_LVTERR	0x370
#define LAPIC_TMICT	0x380
#define LAPIC_TMCCT	0x390
#define LAPIC_TDCR	0x3e0
#define LAPIC_SELF_IPI	0x3f0

/* KVM's LVT_TIMER..LVT_ERROR at 0x320-0x370, then LVT_CMCI at 0x2f0 */
#define LAPIC_NR_LVT	6		/* KVM without MCG_CMCI_P */
#define LAPIC_MAX_LVT	7		/* KVM_APIC_MAX_NR_LVT_ENTRIES */
#define LAPIC_LVT_CMCI	6		/* KVM's LVT_CMCI */
#define LAPIC_VERSION(n) (0x14 | (((n) - 1) << 16))

#define LVT_VECTOR	0xffu
#define LVT_PENDING	BIT(12)	/* delivery status */
#define LVT_MODE	(7u << 8)
#define LVT_POLARITY	BIT(13)
#define LVT_REMOTE_IRR	BIT(14)
#define LVT_LEVEL	BIT(15)
#define LVT_MASKED	BIT(16)
#define LVT_MASK	(LVT_MASKED | LVT_PENDING | LVT_VECTOR)
#define LINT_MASK	(LVT_MASK | LVT_MODE | LVT_POLARITY | LVT_REMOTE_IRR | \
			 LVT_LEVEL)

#define TIMER_ONESHOT	(0u << 17)
#define TIMER_PERIODIC	BIT(17)
#define TIMER_TSCDEADLINE (2u << 17)

#define SPIV_ENABLED	BIT(8)
#define SPIV_DIRECTED_EOI BIT(12)
#define LVR_DIRECTED_EOI BIT(24)
#define LDR_MASK	(0xffu << 24)
#define DFR_FLAT	0xffffffffu
#define DFR_CLUSTER	0x0fffffffu

#define ICR_VECTOR	0xffu
#define ICR_BUSY	BIT(12)
#define ICR_LOGICAL	BIT(11)
#define ICR_ASSERT	BIT(14)
#define ICR_LEVEL	BIT(15)
/* x2APIC ICR bits that must be 0 (KVM's X2APIC_ICR_RESERVED_BITS) */
#define X2APIC_ICR_RSVD	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | BIT_ULL(13))

#define BASE_BSP	BIT_ULL(8)
#define BASE_X2APIC	BIT_ULL(10)
#define BASE_ENABLE	BIT_ULL(11)

#define XAPIC_BROADCAST		0xffu
#define X2APIC_BROADCAST	0xffffffffu

#define APIC_BUS_CYCLE_NS	1
#define MIN_TIMER_PERIOD_NS	200000ull	/* min_timer_period_us 200 */

static const u32 lvt_mask[LAPIC_MAX_LVT] = {
	LVT_MASK,		/* timer; its mode bits: timer_mode_mask */
	LVT_MASK | LVT_MODE,	/* thermal */
	LVT_MASK | LVT_MODE,	/* performance counter */
	LINT_MASK,		/* LINT0 */
	LINT_MASK,		/* LINT1 */
	LVT_MASK,		/* error */
	LVT_MASK | LVT_MODE,	/* CMCI */
};

/* KVM's APIC_LVTx() */
static u32 lvt_reg(int i)
{
	return i == LAPIC_LVT_CMCI ? LAPIC_LVTCMCI : LAPIC_LVTT + 0x10 * i;
}

static u32 reg_get(const struct svx_lapic *a, u32 off)
{
	u32 v;

	memcpy(&v, a->regs + off, 4);
	return v;
}

static void reg_set(struct svx_lapic *a, u32 off, u32 v)
{
	memcpy(a->regs + off, &v, 4);
}

/* ICR as one register: x2APIC mode (not split, as on Intel) */
static u64 reg_get64(const u8 *regs, u32 off)
{
	u64 v;

	memcpy(&v, regs + off, 8);
	return v;
}

static void reg_set64(u8 *regs, u32 off, u64 v)
{
	memcpy(regs + off, &v, 8);
}

static u32 *vec_word(struct svx_lapic *a, u32 bitmap, int vec)
{
	return (u32 *)(a->regs + bitmap + ((vec >> 5) << 4));
}

static bool vec_test(struct svx_lapic *a, u32 bitmap, int vec)
{
	return *vec_word(a, bitmap, vec) & (1u << (vec & 31));
}

static void vec_set(struct svx_lapic *a, u32 bitmap, int vec)
{
	*vec_word(a, bitmap, vec) |= 1u << (vec & 31);
}

static void vec_clear(struct svx_lapic *a, u32 bitmap, int vec)
{
	*vec_word(a, bitmap, vec) &= ~(1u << (vec & 31));
}

static int highest_vec(struct svx_lapic *a, u32 bitmap)
{
	int i;
	u32 w;

	for (i = 7; i >= 0; i--) {
		w = reg_get(a, bitmap + i * 0x10);
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static bool hw_enabled(const struct svx_lapic *a)
{
	return a->base & BASE_ENABLE;
}

static bool sw_enabled(const struct svx_lapic *a)
{
	return reg_get(a, LAPIC_SPIV) & SPIV_ENABLED;
}

bool svx_lapic_x2apic(const struct svx_lapic *a)
{
	return a->base & BASE_X2APIC;
}

bool svx_lapic_mmio_on(const struct svx_lapic *a)
{
	return hw_enabled(a) && !svx_lapic_x2apic(a);
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static void set_xapic_id(struct svx_lapic *a, u8 id)
{
	reg_set(a, LAPIC_ID, (u32)id << 24);
}

static void set_x2apic_id(struct svx_lapic *a, u32 id)
{
	reg_set(a, LAPIC_ID, id);
	reg_set(a, LAPIC_LDR, x2apic_ldr(id));
}

/* ------------------------------------------------------------------ */
/* Priorities                                                          */

/* KVM's __apic_update_ppr(): true if the PPR went down */
static bool update_ppr_raw(struct svx_lapic *a, u32 *new_ppr)
{
	u32 tpr = reg_get(a, LAPIC_TASKPRI), old = reg_get(a, LAPIC_PROCPRI);
	int isr = highest_vec(a, LAPIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr, ppr;

	if ((tpr & 0xf0) >= (isrv & 0xf0))
		ppr = tpr & 0xff;
	else
		ppr = isrv & 0xf0;
	*new_ppr = ppr;
	reg_set(a, LAPIC_PROCPRI, ppr);
	return ppr < old;
}

static int irq_above_ppr(struct svx_lapic *a, u32 ppr)
{
	int irr = highest_vec(a, LAPIC_IRR);

	if (irr < 0 || (u32)(irr & 0xf0) <= ppr)
		return -1;
	return irr;
}

/* KVM's apic_update_ppr(): a lower PPR may unblock an IRR vector */
static void update_ppr(struct svx_lapic *a)
{
	u32 ppr;

	if (update_ppr_raw(a, &ppr) && irq_above_ppr(a, ppr) >= 0)
		svx_irq_host_kick(a->chip, a->idx);
}

static void set_tpr(struct svx_lapic *a, u32 tpr)
{
	reg_set(a, LAPIC_TASKPRI, tpr);
	update_ppr(a);
}

int svx_lapic_pending_irq(struct svx_lapic *a)
{
	u32 ppr;

	if (!hw_enabled(a))
		return -1;
	update_ppr_raw(a, &ppr);
	return irq_above_ppr(a, ppr);
}

/* KVM's kvm_get_apic_interrupt() after the vector is chosen */
void svx_lapic_ack_irq(struct svx_lapic *a, int vector)
{
	u32 ppr;

	if (vector < 0 || vector > 255)
		return;
	vec_clear(a, LAPIC_IRR, vector);
	/* a SynIC auto-EOI vector is never in service */
	if (!(a->synic_auto_eoi[vector / 32] & BIT(vector % 32)) &&
	    !vec_test(a, LAPIC_ISR, vector)) {
		vec_set(a, LAPIC_ISR, vector);
		a->isr_cache = vector;	/* KVM's apic_set_isr() */
	}
	update_ppr_raw(a, &ppr);
}

u64 svx_lapic_get_cr8(struct svx_lapic *a)
{
	return (reg_get(a, LAPIC_TASKPRI) & 0xf0) >> 4;
}

void svx_lapic_set_cr8(struct svx_lapic *a, u64 cr8)
{
	set_tpr(a, (cr8 & 0x0f) << 4);
}

/* KVM's apic_set_eoi() and kvm_ioapic_send_eoi() */
static void set_eoi(struct svx_lapic *a)
{
	int vector = highest_vec(a, LAPIC_ISR);

	if (vector < 0)
		return;
	vec_clear(a, LAPIC_ISR, vector);
	a->isr_cache = -1;		/* KVM's apic_clear_isr() */
	update_ppr(a);
	/* Hyper-V SynIC: the SINTs of that vector are acknowledged */
	if (a->synic_vec[vector / 32] & BIT(vector % 32))
		svx_irq_host_synic_eoi(a, vector);
	/*
	 * Every EOI reaches the IOAPIC (its pins' ack notifiers, KVM's
	 * kvm_ioapic_send_eoi()); a level-triggered one clears the remote
	 * IRR, unless the guest suppressed EOI broadcasts (SPIV bit 12,
	 * settable only through KVM_SET_LAPIC here, as KVM with an
	 * in-kernel IOAPIC).
	 */
	svx_ioapic_eoi(a->chip, vector, vec_test(a, LAPIC_TMR, vector) &&
		       !(reg_get(a, LAPIC_SPIV) & SPIV_DIRECTED_EOI));
}

/*
 * PV EOI (the Hyper-V VP assist page's EOI assist), KVM's
 * apic_sync_pv_eoi_to_guest() test: the vector whose EOI the guest may
 * leave to the host, the one the CPU took last if it is still in service
 * (KVM: "cache not set: could be safe but we don't bother") with nothing
 * in the IRR (an EOI must let it through at once), on an enabled APIC;
 * else -1.  The caller also rules out the IOAPIC's vectors.
 */
int svx_lapic_pv_eoi_vector(struct svx_lapic *a)
{
	if (!hw_enabled(a) || !sw_enabled(a) || highest_vec(a, LAPIC_IRR) >= 0)
		return -1;
	return a->isr_cache;
}

/* The guest took the EOI assist: the EOI, KVM's apic_set_eoi() */
void svx_lapic_pv_eoi(struct svx_lapic *a)
{
	set_eoi(a);
}

/* ------------------------------------------------------------------ */
/* Delivery                                                            */

/* KVM's __apic_accept_irq() */
static int accept_irq(struct svx_lapic *a, int dm, int vector, bool assert,
		      bool level)
{
	if (!hw_enabled(a))	/* not in KVM's APIC map (kvm_apic_present) */
		return 0;

	switch (dm) {
	case SVX_DM_LOWEST:
	case SVX_DM_FIXED:
		if (level && !assert)
			return 0;
		if (!sw_enabled(a))
			return 0;
		if (level)
			vec_set(a, LAPIC_TMR, vector);
		else
			vec_clear(a, LAPIC_TMR, vector);
		vec_set(a, LAPIC_IRR, vector);
		break;
	case 3:		/* remote read: KVM's PV unhalt, accepted */
		break;
	case SVX_DM_NMI:
		a->nmi_pending++;
		break;
	case SVX_DM_INIT:
		if (level && !assert)	/* INIT level de-assert */
			return 0;
		a->events = SVX_LAPIC_EV_INIT;	/* drops a pending SIPI */
		break;
	case SVX_DM_SIPI:
		a->sipi_vector = vector;
		a->events |= SVX_LAPIC_EV_SIPI;
		break;
	case SVX_DM_SMI:	/* KVM's KVM_REQ_SMI; the host drops it without SMM */
		a->events |= SVX_LAPIC_EV_SMI;
		break;
	case SVX_DM_EXTINT:	/* the PIC's INTR: svx_lapic_accepts_pic() */
	default:
		return 0;
	}
	svx_irq_host_kick(a->chip, a->idx);
	return 1;
}

int svx_lapic_accept(struct svx_lapic *a, const struct svx_irq_msg *m)
{
	return accept_irq(a, m->delivery_mode, m->vector, m->assert, m->level);
}

/* KVM's kvm_apic_local_deliver() */
static int local_deliver(struct svx_lapic *a, u32 lvt)
{
	u32 reg = reg_get(a, lvt);

	if (!hw_enabled(a) || (reg & LVT_MASKED))
		return 0;
	return accept_irq(a, (reg & LVT_MODE) >> 8, reg & LVT_VECTOR, true,
			  reg & LVT_LEVEL);
}

bool svx_lapic_accepts_pic(struct svx_lapic *a)
{
	u32 lvt0 = reg_get(a, LAPIC_LVT0);

	if (!hw_enabled(a))
		return true;
	return !(lvt0 & LVT_MASKED) &&
	       ((lvt0 & LVT_MODE) >> 8) == SVX_DM_EXTINT;
}

static bool is_broadcast(const struct svx_lapic *a, u32 mda)
{
	return mda == (svx_lapic_x2apic(a) ? X2APIC_BROADCAST : XAPIC_BROADCAST);
}

static bool match_physical(const struct svx_lapic *a, u32 mda)
{
	if (is_broadcast(a, mda))
		return true;
	/* KVM's hotplug hack: an ID above 0xff is the x2APIC ID */
	if (svx_lapic_x2apic(a) || mda > 0xff)
		return mda == a->vcpu_id;
	return mda == reg_get(a, LAPIC_ID) >> 24;
}

static bool match_logical(const struct svx_lapic *a, u32 mda)
{
	u32 ldr = reg_get(a, LAPIC_LDR);

	if (is_broadcast(a, mda))
		return true;
	if (svx_lapic_x2apic(a))
		return (ldr >> 16) == (mda >> 16) && (ldr & mda & 0xffff);
	ldr >>= 24;
	switch (reg_get(a, LAPIC_DFR)) {
	case DFR_FLAT:
		return ldr & mda;
	case DFR_CLUSTER:
		return (ldr >> 4) == (mda >> 4) && (ldr & mda & 0xf);
	default:
		return false;
	}
}

/*
 * KVM's kvm_apic_match_dest() (with kvm_apic_mda()'s broadcast quirk), on
 * the APICs KVM delivers to (kvm_apic_present(): hardware-enabled).
 */
bool svx_lapic_match_dest(struct svx_lapic *a, const struct svx_irq_msg *m,
			  struct svx_lapic *src)
{
	u32 mda = m->dest_id;

	if (!hw_enabled(a))
		return false;
	if (!src && mda == XAPIC_BROADCAST && svx_lapic_x2apic(a))
		mda = X2APIC_BROADCAST;
	switch (m->shorthand) {
	case SVX_SH_NONE:
		return m->dest_logical ? match_logical(a, mda) :
					 match_physical(a, mda);
	case SVX_SH_SELF:
		return a == src;
	case SVX_SH_ALL:
		return true;
	case SVX_SH_OTHERS:
		return a != src;
	default:
		return false;
	}
}

/* KVM's kvm_apic_send_ipi() */
static void send_ipi(struct svx_lapic *a, u32 lo, u32 hi)
{
	struct svx_irq_msg m = {
		.vector = lo & ICR_VECTOR,
		.delivery_mode = (lo & LVT_MODE) >> 8,
		.shorthand = (lo >> 18) & 3,
		.dest_logical = lo & ICR_LOGICAL,
		.level = lo & ICR_LEVEL,
		.assert = lo & ICR_ASSERT,
	};

	m.dest_id = svx_lapic_x2apic(a) ? hi : hi >> 24;
	svx_irq_deliver(a->chip, &m, a);
}

/* ------------------------------------------------------------------ */
/* Timer                                                               */

static u32 divide_count(const struct svx_lapic *a)
{
	u32 tdcr = reg_get(a, LAPIC_TDCR) & 0xf;
	u32 shift = ((tdcr & 0x3) | ((tdcr & 0x8) >> 1)) + 1;

	return 1u << (shift & 7);
}

static u64 tmict_to_ns(const struct svx_lapic *a, u32 count)
{
	return (u64)count * APIC_BUS_CYCLE_NS * divide_count(a);
}

static void timer_arm(struct svx_lapic *a, u64 expires)
{
	a->timer_expires_ns = expires ? expires : 1;
	svx_irq_host_timer_arm(a, a->timer_expires_ns);
}

static void timer_cancel(struct svx_lapic *a)
{
	svx_irq_host_timer_arm(a, 0);
}

static void limit_periodic(struct svx_lapic *a)
{
	if (a->timer_mode == TIMER_PERIODIC && a->timer_period_ns &&
	    a->timer_period_ns < MIN_TIMER_PERIOD_NS)
		a->timer_period_ns = MIN_TIMER_PERIOD_NS;
}

/* The timer fired: apic_timer_expired() + the injection at entry */
static void timer_expired(struct svx_lapic *a)
{
	local_deliver(a, LAPIC_LVTT);
	if (a->timer_mode == TIMER_TSCDEADLINE) {
		a->tsc_deadline = 0;
		a->timer_expires_ns = 0;
	} else if (a->timer_mode == TIMER_ONESHOT) {
		a->timer_expires_ns = 0;
	}
}

static u32 get_tmcct(struct svx_lapic *a)
{
	u64 now, rem = 0;

	if (!reg_get(a, LAPIC_TMICT) || !a->timer_period_ns)
		return 0;
	now = svx_irq_host_now_ns(a->chip);
	if (a->timer_expires_ns > now)
		rem = a->timer_expires_ns - now;
	rem %= a->timer_period_ns;
	return rem / (APIC_BUS_CYCLE_NS * divide_count(a));
}

/* KVM's apic_update_lvtt(): a mode change to or from TSC-deadline stops */
static void update_lvtt(struct svx_lapic *a)
{
	u32 mode = reg_get(a, LAPIC_LVTT) & a->timer_mode_mask;
	bool was_deadline, is_deadline;

	if (a->timer_mode == mode)
		return;
	was_deadline = a->timer_mode == TIMER_TSCDEADLINE;
	is_deadline = mode == TIMER_TSCDEADLINE;
	if (was_deadline != is_deadline) {
		timer_cancel(a);
		a->timer_expires_ns = 0;
		reg_set(a, LAPIC_TMICT, 0);
		a->timer_period_ns = 0;
		a->tsc_deadline = 0;
	}
	a->timer_mode = mode;
	limit_periodic(a);
}

/* KVM's start_sw_tscdeadline() (no timer advance) */
static void start_tscdeadline(struct svx_lapic *a)
{
	u64 deadline = a->tsc_deadline, tsc, now, delta, ns;

	if (!deadline || !a->tsc_khz)
		return;
	now = svx_irq_host_now_ns(a->chip);
	tsc = svx_irq_host_guest_tsc(a);
	if (deadline <= tsc) {
		timer_expired(a);
		return;
	}
	/* cycles * 10^6 / kHz; KVM's u64 product wraps, this saturates */
	delta = deadline - tsc;
	if (delta / a->tsc_khz > (~0ull - now) / 1000000)
		ns = ~0ull - now;
	else
		ns = delta / a->tsc_khz * 1000000 +
		     delta % a->tsc_khz * 1000000 / a->tsc_khz;
	if (!ns) {
		timer_expired(a);
		return;
	}
	if (ns > ~0ull - now)
		ns = ~0ull - now;
	timer_arm(a, now + ns);
}

/* KVM's set_target_expiration(): false if no timer runs */
static bool set_target(struct svx_lapic *a, u32 count_reg)
{
	u64 now = svx_irq_host_now_ns(a->chip);
	u64 deadline;

	a->timer_period_ns = tmict_to_ns(a, reg_get(a, LAPIC_TMICT));
	if (!a->timer_period_ns)
		return false;
	limit_periodic(a);
	deadline = a->timer_period_ns;
	if (count_reg != LAPIC_TMICT) {
		deadline = tmict_to_ns(a, reg_get(a, count_reg));
		if (!deadline) {
			if (a->timer_mode == TIMER_PERIODIC)
				deadline = a->timer_period_ns;
		} else if (deadline > a->timer_period_ns) {
			deadline = a->timer_period_ns;
		}
	}
	a->timer_start_ns = now;
	a->timer_expires_ns = now + deadline;
	return true;
}

/* KVM's start_sw_period() */
static void start_period(struct svx_lapic *a)
{
	u64 now = svx_irq_host_now_ns(a->chip);

	if (!a->timer_period_ns)
		return;
	if (now > a->timer_expires_ns) {
		timer_expired(a);
		if (a->timer_mode == TIMER_ONESHOT)
			return;
		a->timer_expires_ns += a->timer_period_ns;
		if (a->timer_expires_ns < now)
			a->timer_expires_ns = now;
	}
	timer_arm(a, a->timer_expires_ns);
}

static void restart_timer(struct svx_lapic *a)
{
	if (a->timer_mode == TIMER_TSCDEADLINE)
		start_tscdeadline(a);
	else
		start_period(a);
}

/* KVM's __start_apic_timer() */
static void start_timer(struct svx_lapic *a, u32 count_reg)
{
	if (a->timer_mode != TIMER_TSCDEADLINE && !set_target(a, count_reg))
		return;
	restart_timer(a);
}

u64 svx_lapic_timer_fn(struct svx_lapic *a, u64 now_ns)
{
	if (!a->timer_expires_ns)
		return 0;
	if (now_ns < a->timer_expires_ns)	/* early: not yet */
		return a->timer_expires_ns;
	timer_expired(a);
	if (a->timer_mode != TIMER_PERIODIC || !a->timer_period_ns) {
		a->timer_expires_ns = 0;
		return 0;
	}
	/* KVM's advance_periodic_target_expiration(): no catching up */
	a->timer_expires_ns += a->timer_period_ns;
	if (a->timer_expires_ns < now_ns)
		a->timer_expires_ns = now_ns;
	return a->timer_expires_ns;
}

u64 svx_lapic_get_tsc_deadline(struct svx_lapic *a)
{
	if (!hw_enabled(a) || a->timer_mode != TIMER_TSCDEADLINE)
		return 0;
	return a->tsc_deadline;
}

void svx_lapic_set_tsc_deadline(struct svx_lapic *a, u64 val)
{
	if (!hw_enabled(a) || a->timer_mode != TIMER_TSCDEADLINE)
		return;
	timer_cancel(a);
	a->timer_expires_ns = 0;
	a->tsc_deadline = val;
	start_timer(a, LAPIC_TMICT);
}

/* ------------------------------------------------------------------ */
/* Registers                                                           */

#define REG_BIT(r)		(1ull << ((r) >> 4))
#define REGS_BITS(r, n)		(REG_BIT(r) * ((1ull << (n)) - 1))

static u32 apic_read(struct svx_lapic *a, u32 off)
{
	switch (off) {
	case LAPIC_ARBPRI:
		return 0;
	case LAPIC_TMCCT:
		if (a->timer_mode == TIMER_TSCDEADLINE)
			return 0;
		return get_tmcct(a);
	case LAPIC_PROCPRI:
		update_ppr(a);
		return reg_get(a, off);
	default:
		return reg_get(a, off);
	}
}

/* KVM's kvm_lapic_reg_read(): 1 for a reserved register or access */
static int reg_read(struct svx_lapic *a, u32 off, unsigned int len, void *data)
{
	unsigned int align = off & 0xf;
	u64 valid = REG_BIT(LAPIC_ID) | REG_BIT(LAPIC_LVR) |
		    REG_BIT(LAPIC_TASKPRI) | REG_BIT(LAPIC_PROCPRI) |
		    REG_BIT(LAPIC_LDR) | REG_BIT(LAPIC_DFR) |
		    REG_BIT(LAPIC_SPIV) | REGS_BITS(LAPIC_ISR, 8) |
		    REGS_BITS(LAPIC_TMR, 8) | REGS_BITS(LAPIC_IRR, 8) |
		    REG_BIT(LAPIC_ESR) | REG_BIT(LAPIC_ICR) |
		    REG_BIT(LAPIC_LVTT) | REG_BIT(LAPIC_LVTTHMR) |
		    REG_BIT(LAPIC_LVTPC) | REG_BIT(LAPIC_LVT0) |
		    REG_BIT(LAPIC_LVT1) | REG_BIT(LAPIC_LVTERR) |
		    REG_BIT(LAPIC_TMICT) | REG_BIT(LAPIC_TMCCT) |
		    REG_BIT(LAPIC_TDCR);
	u32 val;

	if (a->nr_lvt > LAPIC_LVT_CMCI)
		valid |= REG_BIT(LAPIC_LVTCMCI);
	/* ARBPRI and ICR2 are not in x2APIC mode (its ICR: 64-bit MSR) */
	if (!svx_lapic_x2apic(a))
		valid |= REG_BIT(LAPIC_ARBPRI) | REG_BIT(LAPIC_ICR2);
	if (align + len > 4)
		return 1;
	if (off > 0x3f0 || !(valid & REG_BIT(off)))
		return 1;
	val = apic_read(a, off & ~0xfu);
	if (len == 1 || len == 2 || len == 4)
		memcpy(data, (u8 *)&val + align, len);
	return 0;
}

/* KVM's kvm_lapic_reg_write(): 1 for a reserved or read-only register */
static int reg_write(struct svx_lapic *a, u32 reg, u32 val)
{
	bool x2 = svx_lapic_x2apic(a);
	u32 old_div;
	int i;

	switch (reg) {
	case LAPIC_ID:
		if (x2)
			return 1;
		set_xapic_id(a, val >> 24);
		break;
	case LAPIC_TASKPRI:
		set_tpr(a, val & 0xff);
		break;
	case LAPIC_EOI:
		set_eoi(a);
		break;
	case LAPIC_LDR:
		if (x2)
			return 1;
		reg_set(a, LAPIC_LDR, val & LDR_MASK);
		break;
	case LAPIC_DFR:
		if (x2)
			return 1;
		reg_set(a, LAPIC_DFR, val | 0x0fffffff);
		break;
	case LAPIC_SPIV: {
		u32 mask = 0x3ff;

		if (reg_get(a, LAPIC_LVR) & LVR_DIRECTED_EOI)
			mask |= SPIV_DIRECTED_EOI;
		reg_set(a, LAPIC_SPIV, val & mask);
		if (!(val & SPIV_ENABLED)) {
			for (i = 0; i < a->nr_lvt; i++)
				reg_set(a, lvt_reg(i),
					reg_get(a, lvt_reg(i)) | LVT_MASKED);
			update_lvtt(a);
		}
		break;
	}
	case LAPIC_ICR:		/* xAPIC only: x2APIC's is the 64-bit MSR */
		val &= ~ICR_BUSY;
		send_ipi(a, val, reg_get(a, LAPIC_ICR2));
		reg_set(a, LAPIC_ICR, val);
		break;
	case LAPIC_ICR2:
		if (x2)
			return 1;
		reg_set(a, LAPIC_ICR2, val & 0xff000000);
		break;
	case LAPIC_LVTTHMR:
	case LAPIC_LVTPC:
	case LAPIC_LVT0:
	case LAPIC_LVT1:
	case LAPIC_LVTERR:
		if (!sw_enabled(a))
			val |= LVT_MASKED;
		reg_set(a, reg, val & lvt_mask[(reg - LAPIC_LVTT) >> 4]);
		break;
	case LAPIC_LVTCMCI:	/* only with MCG_CMCI_P (KVM's lvt_supported) */
		if (a->nr_lvt <= LAPIC_LVT_CMCI)
			return 1;
		if (!sw_enabled(a))
			val |= LVT_MASKED;
		reg_set(a, reg, val & lvt_mask[LAPIC_LVT_CMCI]);
		break;
	case LAPIC_LVTT:
		if (!sw_enabled(a))
			val |= LVT_MASKED;
		reg_set(a, LAPIC_LVTT, val & (lvt_mask[0] | a->timer_mode_mask));
		update_lvtt(a);
		break;
	case LAPIC_TMICT:
		if (a->timer_mode == TIMER_TSCDEADLINE)
			break;
		timer_cancel(a);
		a->timer_expires_ns = 0;
		reg_set(a, LAPIC_TMICT, val);
		start_timer(a, LAPIC_TMICT);
		break;
	case LAPIC_TDCR:
		old_div = divide_count(a);
		reg_set(a, LAPIC_TDCR, val & 0xb);
		if (divide_count(a) != old_div && a->timer_period_ns) {
			/* KVM's update_target_expiration() */
			u64 now = svx_irq_host_now_ns(a->chip), rem = 0;

			timer_cancel(a);
			a->timer_period_ns = tmict_to_ns(a,
							 reg_get(a, LAPIC_TMICT));
			limit_periodic(a);
			if (a->timer_expires_ns > now)
				rem = a->timer_expires_ns - now;
			rem = rem * divide_count(a) / old_div;
			a->timer_expires_ns = now + rem;
			restart_timer(a);
		}
		break;
	case LAPIC_ESR:
		if (x2 && val)
			return 1;
		break;
	case LAPIC_SELF_IPI:
		if (!x2 || (val & ~ICR_VECTOR))
			return 1;
		send_ipi(a, (SVX_SH_SELF << 18) | val, 0);
		break;
	default:
		return 1;
	}
	return 0;
}

void svx_lapic_mmio(struct svx_lapic *a, u32 offset, bool write, void *val,
		    unsigned int len)
{
	u32 v;

	if (!svx_lapic_mmio_on(a)) {	/* KVM_X86_QUIRK_LAPIC_MMIO_HOLE */
		if (!write)
			memset(val, 0xff, len);
		return;
	}
	if (!write) {
		/* reserved registers, odd sizes: 0 (KVM leaves the buffer) */
		memset(val, 0, len);
		if (offset < 0x1000)
			reg_read(a, offset, len, val);
		return;
	}
	/* 32-bit accesses to the 16-byte aligned registers only (SDM 10.4.1) */
	if (len != 4 || (offset & 0xf) || offset >= 0x1000)
		return;
	memcpy(&v, val, 4);
	reg_write(a, offset & 0xff0, v);
}

/*
 * KVM's kvm_lapic_msr_read(), for x2APIC and Hyper-V's APIC MSRs (in
 * either mode): the ICR as one 64-bit register, the others 32 bits.
 */
int svx_lapic_reg_msr_read(struct svx_lapic *a, u32 reg, u64 *val)
{
	u32 lo;

	if (reg == LAPIC_ICR) {
		*val = reg_get64(a->regs, LAPIC_ICR);
		return 0;
	}
	if (reg_read(a, reg, 4, &lo))
		return -1;
	*val = lo;
	return 0;
}

/* KVM's kvm_lapic_msr_write(), its kvm_x2apic_icr_write() for the ICR */
int svx_lapic_reg_msr_write(struct svx_lapic *a, u32 reg, u64 val)
{
	if (reg == LAPIC_ICR) {
		if (val & X2APIC_ICR_RSVD)
			return -1;
		val &= ~(u64)ICR_BUSY;
		send_ipi(a, (u32)val, (u32)(val >> 32));
		reg_set64(a->regs, LAPIC_ICR, val);
		return 0;
	}
	if (val >> 32)
		return -1;
	return reg_write(a, reg, (u32)val) ? -1 : 0;
}

int svx_lapic_msr_read(struct svx_lapic *a, u32 msr, u64 *val)
{
	u32 reg = (msr - 0x800) << 4;

	if (msr < 0x800 || msr > 0x8ff || !svx_lapic_x2apic(a))
		return -1;
	if (reg == LAPIC_DFR)
		return -1;
	return svx_lapic_reg_msr_read(a, reg, val);
}

int svx_lapic_msr_write(struct svx_lapic *a, u32 msr, u64 val)
{
	if (msr < 0x800 || msr > 0x8ff || !svx_lapic_x2apic(a))
		return -1;
	return svx_lapic_reg_msr_write(a, (msr - 0x800) << 4, val);
}

/* ------------------------------------------------------------------ */
/* Base, reset, state                                                  */

/* KVM's kvm_lapic_set_base() */
static void lapic_set_base(struct svx_lapic *a, u64 value)
{
	u64 old = a->base;

	a->base = value;
	if (((old ^ value) & BASE_ENABLE) && (value & BASE_ENABLE))
		set_xapic_id(a, a->vcpu_id);
	if (((old ^ value) & BASE_X2APIC) && (value & BASE_X2APIC))
		set_x2apic_id(a, a->vcpu_id);
}

/* KVM's kvm_set_apic_base() */
int svx_lapic_set_base(struct svx_lapic *a, u64 value, bool host)
{
	u64 mode_mask = BASE_ENABLE | BASE_X2APIC;
	u64 old_mode = a->base & mode_mask, new_mode = value & mode_mask;
	u64 rsvd = a->base_rsvd | 0x2ff | (a->x2apic_ok ? 0 : BASE_X2APIC);

	if ((value & rsvd) || new_mode == BASE_X2APIC)
		return -1;
	if (!host) {
		if (old_mode == mode_mask && new_mode == BASE_ENABLE)
			return -1;
		if (old_mode == 0 && new_mode == mode_mask)
			return -1;
	}
	lapic_set_base(a, value);
	return 0;
}

void svx_lapic_set_cpuid(struct svx_lapic *a, bool x2apic, bool tsc_deadline,
			 unsigned int maxphyaddr)
{
	if (!maxphyaddr || maxphyaddr > 63)	/* no usable leaf: KVM's 36 */
		maxphyaddr = 36;
	a->base_rsvd = ~0ull << maxphyaddr;
	a->x2apic_ok = x2apic;
	a->timer_mode_mask = tsc_deadline ? 3u << 17 : 1u << 17;
}

/* KVM's kvm_lapic_reset() (with kvm_vcpu_reset()'s NMI queue flush) */
void svx_lapic_reset(struct svx_lapic *a, bool init)
{
	bool bsp = a->vcpu_id == a->chip->bsp_vcpu_id;	/* kvm_vcpu_is_reset_bsp() */
	int i;

	if (!init)
		lapic_set_base(a, SVX_APIC_BASE | BASE_ENABLE |
			       (bsp ? BASE_BSP : 0));
	timer_cancel(a);
	a->timer_expires_ns = 0;
	if (!init)
		set_xapic_id(a, a->vcpu_id);
	reg_set(a, LAPIC_LVR, LAPIC_VERSION(a->nr_lvt));
	for (i = 0; i < a->nr_lvt; i++)
		reg_set(a, lvt_reg(i), LVT_MASKED);
	update_lvtt(a);
	if (bsp && !a->chip->lint0_quirk_off)	/* KVM_X86_QUIRK_LINT0_REENABLED */
		reg_set(a, LAPIC_LVT0, SVX_DM_EXTINT << 8);
	reg_set(a, LAPIC_DFR, DFR_FLAT);
	reg_set(a, LAPIC_SPIV, 0xff);
	reg_set(a, LAPIC_TASKPRI, 0);
	if (!svx_lapic_x2apic(a))
		reg_set(a, LAPIC_LDR, 0);
	reg_set(a, LAPIC_ESR, 0);
	if (!svx_lapic_x2apic(a)) {
		reg_set(a, LAPIC_ICR, 0);
		reg_set(a, LAPIC_ICR2, 0);
	} else {
		reg_set64(a->regs, LAPIC_ICR, 0);
	}
	reg_set(a, LAPIC_TDCR, 0);
	reg_set(a, LAPIC_TMICT, 0);
	for (i = 0; i < 8; i++) {
		reg_set(a, LAPIC_IRR + 0x10 * i, 0);
		reg_set(a, LAPIC_ISR + 0x10 * i, 0);
		reg_set(a, LAPIC_TMR + 0x10 * i, 0);
	}
	a->nmi_pending = 0;
	a->isr_cache = -1;
	update_ppr(a);
}

/* KVM's kvm_create_lapic() + kvm_lapic_reset(vcpu, false) */
void svx_lapic_init(struct svx_lapic *a, struct svx_irqchip *chip, int idx,
		    u32 vcpu_id)
{
	memset(a, 0, sizeof(*a));
	a->chip = chip;
	a->idx = idx;
	a->vcpu_id = vcpu_id;
	a->base = BASE_ENABLE;
	a->base_rsvd = ~0ull << 36;
	a->nr_lvt = LAPIC_NR_LVT;	/* a new vCPU's MCG_CAP: no CMCI */
	svx_lapic_reset(a, false);
}

void svx_lapic_get_state(struct svx_lapic *a, struct kvm_lapic_state *s)
{
	u32 tmcct = apic_read(a, LAPIC_TMCCT);

	memcpy(s->regs, a->regs, sizeof(s->regs));
	memcpy(s->regs + LAPIC_TMCCT, &tmcct, 4);
	/* kvm_apic_state_fixup(): xAPIC-format ID, ICR split into ICR2 */
	if (svx_lapic_x2apic(a)) {
		u32 id = reg_get(a, LAPIC_ID) << 24;
		u32 icr2 = reg_get64(a->regs, LAPIC_ICR) >> 32;

		memcpy(s->regs + LAPIC_ID, &id, 4);
		memcpy(s->regs + LAPIC_ICR2, &icr2, 4);
	}
}

int svx_lapic_set_state(struct svx_lapic *a, const struct kvm_lapic_state *s)
{
	memcpy(a->regs, s->regs, sizeof(a->regs));
	/* kvm_apic_state_fixup() */
	if (svx_lapic_x2apic(a)) {
		u32 id = reg_get(a, LAPIC_ID) >> 24;
		u64 icr = reg_get(a, LAPIC_ICR) |
			  (u64)reg_get(a, LAPIC_ICR2) << 32;

		reg_set(a, LAPIC_ID, id);
		reg_set(a, LAPIC_LDR, x2apic_ldr(id));
		reg_set64(a->regs, LAPIC_ICR, icr);
	}
	reg_set(a, LAPIC_LVR, LAPIC_VERSION(a->nr_lvt));
	a->isr_cache = -1;	/* KVM's kvm_apic_set_state() */
	update_ppr(a);
	timer_cancel(a);
	a->timer_expires_ns = 0;
	update_lvtt(a);
	start_timer(a, LAPIC_TMCCT);
	reg_set(a, LAPIC_TMCCT, 0);
	if (svx_lapic_pending_irq(a) >= 0)	/* KVM_REQ_EVENT */
		svx_irq_host_kick(a->chip, a->idx);
	return 0;
}

/* KVM's kvm_apic_after_set_mcg_cap() */
void svx_lapic_set_cmci(struct svx_lapic *a, bool cmci)
{
	int nr = cmci ? LAPIC_MAX_LVT : LAPIC_NR_LVT, i;

	if (nr == a->nr_lvt)
		return;
	for (i = a->nr_lvt; i < nr; i++)	/* a new entry starts masked */
		reg_set(a, lvt_reg(i), LVT_MASKED);
	a->nr_lvt = nr;
	reg_set(a, LAPIC_LVR, LAPIC_VERSION(nr));
}

/*
 * KVM's kvm_apic_local_deliver(apic, APIC_LVTCMCI), which KVM calls only
 * with MCG_CMCI_P: without it 0x2f0 is no LVT entry, nothing to deliver.
 */
int svx_lapic_deliver_cmci(struct svx_lapic *a)
{
	if (a->nr_lvt <= LAPIC_LVT_CMCI)
		return 0;
	return local_deliver(a, LAPIC_LVTCMCI);
}
