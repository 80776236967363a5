// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing, KVM_IRQ_LINE, MSIs and the delivery of interrupt messages
 * to the local APICs, following Linux 6.1's virt/kvm/irqchip.c
 * (kvm_set_irq_routing(), setup_routing_entry(), kvm_set_irq(),
 * kvm_send_userspace_msi()) and arch/x86/kvm/irq_comm.c
 * (kvm_set_routing_entry(), kvm_set_msi_irq(), kvm_irq_delivery_to_apic(),
 * the default routing table).
 *
 * As in KVM without KVM_CAP_X2APIC_API: an MSI's destination is address
 * bits 19:12 only, address_hi is ignored; a level-triggered MSI is always
 * an assert (data bit 14 is ignored).  Lowest-priority delivery (delivery
 * mode 1, or an MSI's redirection hint) picks one of the addressed local
 * APICs that are enabled (hardware and software) as KVM does with its
 * default vector_hashing=1: the (vector mod n)-th, in vCPU order (KVM's
 * fast path counts in logical-ID bit order, the same order when the guest
 * numbers its logical IDs as its CPUs, as Linux does); in physical
 * destination mode, where KVM's fast path uses the one APIC with that ID,
 * it goes to the APIC(s) matching the ID, and a physical broadcast (0xff)
 * is delivered as fixed, as in KVM.
 *
 * Route types: IRQCHIP, MSI and HV_SINT (a Hyper-V SynIC's SINT, through
 * the host: svx_irq_host_hv_sint(); accepted whatever VP and SINT they
 * name, as KVM's); XEN_EVTCHN and S390_ADAPTER are -EINVAL as in Debian's
 * 6.1 KVM (CONFIG_KVM_XEN is off).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "irqchip.h"

#define APIC_SPIV		0xf0
#define APIC_SPIV_APIC_ENABLED	0x100
#define MSR_APIC_BASE_ENABLE	BIT_ULL(11)

static int irq_line_state(u8 *state, int src, int level)
{
	if (level)
		*state |= 1U << src;
	else
		*state &= ~(1U << src);
	return !!*state;
}

/* One route of a GSI: KVM's e->set(). */
static int irq_route_set(struct svx_irqchip *chip,
			 const struct svx_irq_route *r, int src, int level)
{
	struct kvm_msi msi;
	u32 pin;

	switch (r->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		pin = r->chip.pin;
		if (r->chip.irqchip == KVM_IRQCHIP_IOAPIC) {
			level = irq_line_state(&chip->ioapic.irq_states[pin],
					       src, level);
			return svx_ioapic_set_irq(chip, pin, level);
		}
		if (r->chip.irqchip == KVM_IRQCHIP_PIC_SLAVE)
			pin += 8;
		level = irq_line_state(&chip->pic.irq_states[pin], src, level);
		return svx_pic_set_irq(&chip->pic, pin, level);
	case KVM_IRQ_ROUTING_MSI:
		if (!level)
			return -1;
		memset(&msi, 0, sizeof(msi));
		msi.address_lo = r->msi.address_lo;
		msi.address_hi = r->msi.address_hi;
		msi.data = r->msi.data;
		return svx_irq_msi(chip, &msi);
	case KVM_IRQ_ROUTING_HV_SINT:	/* KVM's kvm_hv_set_sint() */
		if (!level)
			return -1;
		return svx_irq_host_hv_sint(chip, r->hv_sint.vcpu,
					    r->hv_sint.sint);
	default:
		return -EINVAL;
	}
}

int svx_irq_line_src(struct svx_irqchip *chip, int src, u32 gsi, int level)
{
	const struct svx_irq_routing *rt = chip->routing;
	u32 lo = 0, hi, mid, i;
	int ret = -1, r;

	if (!rt || src < 0 || src >= SVX_IRQ_NR_SRCS || gsi >= rt->max_gsi)
		return -1;
	/* the first route of @gsi: the table is sorted by gsi */
	hi = rt->nr;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rt->e[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < rt->nr && rt->e[i].gsi == gsi; i++) {
		r = irq_route_set(chip, &rt->e[i], src, level);
		if (r < 0)
			continue;
		ret = r + (ret < 0 ? 0 : ret);
	}
	return ret;
}

int svx_irq_line(struct svx_irqchip *chip, u32 gsi, int level)
{
	return svx_irq_line_src(chip, SVX_IRQ_SRC_USER, gsi, level);
}

/* KVM's kvm_set_msi_irq() without x2APIC format. */
static void irq_msi_decode(const struct kvm_msi *msi, struct svx_irq_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->dest_id = (msi->address_lo >> 12) & 0xff;
	m->vector = msi->data & 0xff;
	m->dest_logical = (msi->address_lo >> 2) & 1;
	m->level = (msi->data >> 15) & 1;
	m->delivery_mode = (msi->data >> 8) & 7;
	m->msi_redir_hint = (msi->address_lo >> 3) & 1;
	m->assert = true;
	m->shorthand = SVX_SH_NONE;
}

int svx_irq_msi(struct svx_irqchip *chip, const struct kvm_msi *msi)
{
	struct svx_irq_msg m;

	if (msi->flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	irq_msi_decode(msi, &m);
	return svx_irq_deliver(chip, &m, NULL);
}

/* kvm_apic_present() && kvm_apic_sw_enabled() */
static bool lapic_enabled(const struct svx_lapic *a)
{
	u32 spiv;

	if (!(a->base & MSR_APIC_BASE_ENABLE))
		return false;
	memcpy(&spiv, &a->regs[APIC_SPIV], sizeof(spiv));
	return spiv & APIC_SPIV_APIC_ENABLED;
}

int svx_irq_deliver(struct svx_irqchip *chip, const struct svx_irq_msg *m,
		    struct svx_lapic *src)
{
	struct svx_irq_msg msg = *m;
	struct svx_lapic *a;
	u32 cand = 0, n = 0, pick;
	int i, r = -1;
	bool lowest;

	/* KVM's kvm_lowest_prio_delivery() */
	lowest = msg.delivery_mode == SVX_DM_LOWEST || msg.msi_redir_hint;
	if (!msg.dest_logical && msg.shorthand == SVX_SH_NONE) {
		if (msg.dest_id == 0xff) {
			/* physical broadcast: KVM makes it fixed */
			if (lowest)
				msg.delivery_mode = SVX_DM_FIXED;
			lowest = msg.msi_redir_hint;
		} else {
			/*
			 * At most the one APIC with that ID (fast path).  Once
			 * a vCPU has a local APIC, KVM has an APIC map (IDs
			 * 0-255 at least), kvm_irq_delivery_to_apic_fast()
			 * takes it and answers 0, not -1, when no APIC has
			 * the ID or it is hardware-disabled.
			 */
			lowest = false;
			for (i = 0; i < SVX_IRQ_MAX_LAPICS && r < 0; i++)
				if (chip->lapics[i])
					r = 0;
		}
	}

	for (i = 0; i < SVX_IRQ_MAX_LAPICS; i++) {
		a = chip->lapics[i];
		if (!a || !(a->base & MSR_APIC_BASE_ENABLE))
			continue;
		if (!svx_lapic_match_dest(a, &msg, src))
			continue;
		if (!lowest) {
			if (r < 0)
				r = 0;
			if (svx_lapic_accept(a, &msg) > 0) {
				r++;
				svx_irq_host_kick(chip, i);
			}
		} else if (lapic_enabled(a)) {
			cand |= 1U << i;
			n++;
		}
	}
	if (!n)
		return r;

	/* KVM's kvm_vector_to_index(): the (vector % n)-th candidate */
	pick = msg.vector % n;
	for (i = 0; i < SVX_IRQ_MAX_LAPICS; i++) {
		if (!(cand & (1U << i)))
			continue;
		if (pick-- == 0)
			break;
	}
	r = svx_lapic_accept(chip->lapics[i], &msg) > 0;
	if (r)
		svx_irq_host_kick(chip, i);
	return r;
}

bool svx_irqchip_has_extint(struct svx_irqchip *chip, int idx)
{
	if (idx < 0 || idx >= SVX_IRQ_MAX_LAPICS || !chip->lapics[idx])
		return false;
	return chip->pic.output && svx_lapic_accepts_pic(chip->lapics[idx]);
}

void svx_irqchip_init(struct svx_irqchip *chip, void *host)
{
	chip->host = host;
	chip->routing = NULL;
	chip->bsp_vcpu_id = 0;
	svx_pic_reset(&chip->pic);
	svx_ioapic_reset(&chip->ioapic);
	memset(chip->pic.irq_states, 0, sizeof(chip->pic.irq_states));
	memset(chip->ioapic.irq_states, 0, sizeof(chip->ioapic.irq_states));
}

/* KVM's kvm_set_routing_entry() for x86, minus the irqchip_split() case. */
static int irq_route_check(const struct kvm_irq_routing_entry *ue)
{
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return ue->u.irqchip.pin >= 8 ? -EINVAL : 0;
		case KVM_IRQCHIP_IOAPIC:
			return ue->u.irqchip.pin >= SVX_IOAPIC_PINS ?
			       -EINVAL : 0;
		default:
			return -EINVAL;
		}
	case KVM_IRQ_ROUTING_MSI:
	case KVM_IRQ_ROUTING_HV_SINT:
		return 0;
	default:
		return -EINVAL;
	}
}

struct svx_irq_routing *svx_irq_routing_new(const struct kvm_irq_routing_entry *ue,
					    u32 nr, int *err)
{
	struct svx_irq_routing *rt;
	struct svx_irq_route *e, tmp;
	u32 i, j, max_gsi = 0;
	int r;

	if (nr > SVX_MAX_IRQ_ROUTES) {
		*err = -EINVAL;
		return NULL;
	}
	for (i = 0; i < nr; i++) {
		if (ue[i].gsi >= SVX_MAX_IRQ_ROUTES) {
			*err = -EINVAL;
			return NULL;
		}
		if (ue[i].gsi >= max_gsi)
			max_gsi = ue[i].gsi + 1;
	}
	rt = svx_irq_host_alloc(sizeof(*rt) + nr * sizeof(rt->e[0]));
	if (!rt) {
		*err = -ENOMEM;
		return NULL;
	}
	rt->max_gsi = max_gsi;

	for (i = 0; i < nr; i++, ue++) {
		r = -EINVAL;
		if (ue->type == KVM_IRQ_ROUTING_MSI) {
			if (ue->flags & ~KVM_MSI_VALID_DEVID)
				goto fail;
		} else if (ue->flags) {
			goto fail;
		}
		/*
		 * A GSI on each irqchip at most once; a non-irqchip route
		 * is the GSI's only route (setup_routing_entry()).
		 */
		for (j = 0; j < rt->nr; j++) {
			e = &rt->e[j];
			if (e->gsi != ue->gsi)
				continue;
			if (e->type != KVM_IRQ_ROUTING_IRQCHIP ||
			    ue->type != KVM_IRQ_ROUTING_IRQCHIP ||
			    ue->u.irqchip.irqchip == e->chip.irqchip)
				goto fail;
		}
		r = irq_route_check(ue);
		if (r)
			goto fail;
		e = &rt->e[rt->nr++];
		e->gsi = ue->gsi;
		e->type = ue->type;
		if (ue->type == KVM_IRQ_ROUTING_IRQCHIP) {
			e->chip.irqchip = ue->u.irqchip.irqchip;
			e->chip.pin = ue->u.irqchip.pin;
		} else if (ue->type == KVM_IRQ_ROUTING_MSI) {
			e->msi = ue->u.msi;
		} else {
			e->hv_sint = ue->u.hv_sint;
		}
	}

	/* sorted by gsi, stable: a GSI's routes stay in the given order */
	for (i = 1; i < rt->nr; i++) {
		tmp = rt->e[i];
		for (j = i; j > 0 && rt->e[j - 1].gsi > tmp.gsi; j--)
			rt->e[j] = rt->e[j - 1];
		rt->e[j] = tmp;
	}
	*err = 0;
	return rt;

fail:
	svx_irq_host_free(rt);
	*err = r;
	return NULL;
}

/* KVM's default_routing[]: GSI n on IOAPIC pin n, then (n < 16) PIC pin n. */
struct svx_irq_routing *svx_irq_routing_default(int *err)
{
	struct svx_irq_routing *rt;
	struct svx_irq_route *e;
	u32 gsi, n = 16 * 2 + (SVX_IOAPIC_PINS - 16);

	rt = svx_irq_host_alloc(sizeof(*rt) + n * sizeof(rt->e[0]));
	if (!rt) {
		*err = -ENOMEM;
		return NULL;
	}
	for (gsi = 0; gsi < SVX_IOAPIC_PINS; gsi++) {
		e = &rt->e[rt->nr++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->chip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->chip.pin = gsi;
		if (gsi >= 16)
			continue;
		e = &rt->e[rt->nr++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->chip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
					    KVM_IRQCHIP_PIC_SLAVE;
		e->chip.pin = gsi % 8;
	}
	rt->max_gsi = SVX_IOAPIC_PINS;
	*err = 0;
	return rt;
}
