// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC of KVM's in-kernel irqchip, following Linux 6.1's
 * arch/x86/kvm/ioapic.c (Copyright (C) 2001 MandrakeSoft S.A., Copyright
 * 2010 Red Hat, Inc. and/or its affiliates; Yunhong Jiang, Yaozu (Eddie)
 * Dong; based on Xen 3.1 code; LGPL-2.1-or-later, used here under the GPL).
 *
 * The model is KVM's: 24 pins, version 0x11 (an 82093AA: no EOI register,
 * so the window's offset 0x40 reads 0 and ignores writes, as every offset
 * but IOREGSEL 0x00 and IOWIN 0x10), ID in bits 27:24 of register 0 and
 * of the arbitration register 2, redirection entries at 0x10 + 2 * pin
 * whose remote IRR and delivery status bits are read-only (and remote IRR
 * is cleared by writing the entry as edge-triggered, which Linux uses as
 * its EOI on IOAPICs without the EOI register).  line_level is KVM's irr:
 * the pins asserted now; an edge pin delivers when its line rises (a rise
 * while it is still high from an undelivered, masked, rise is coalesced),
 * a level pin while its line is high and remote IRR is clear; the local
 * APIC's EOI of a level vector clears remote IRR and delivers again if
 * the line is still asserted.  KVM_GET_IRQCHIP's irr leaves out delivered
 * edge pins, and KVM_SET_IRQCHIP re-asserts the pins of the irr it gets.
 *
 * Not modelled (not visible without the KVM features that need them):
 * the RTC (GSI 8) EOI tracking of KVM_IRQ_LINE_STATUS, the delayed
 * re-injection after 10000 successive EOIs of an asserted level pin (an
 * interrupt storm of a buggy guest), ack and mask notifiers, the APICv
 * lazy EOI update, and moving the window: as in KVM, the device stays at
 * 0xfec00000 and only answers there while base_address (which
 * KVM_SET_IRQCHIP may change) also covers the address.
 */
#include <linux/nospec.h>
#include <linux/string.h>

#include "irqchip.h"

#define IOAPIC_VERSION_ID	0x11
#define IOAPIC_REG_SELECT	0x00
#define IOAPIC_REG_WINDOW	0x10
#define IOAPIC_REG_APIC_ID	0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB_ID	0x02
#define IOAPIC_EDGE_TRIG	0
#define IOAPIC_LEVEL_TRIG	1

static u32 ioapic_read_indirect(struct svx_ioapic *io)
{
	u32 redir_index;
	u64 redir_content = ~0ULL;

	switch (io->s.ioregsel) {
	case IOAPIC_REG_VERSION:
		return ((SVX_IOAPIC_PINS - 1) & 0xff) << 16 |
		       (IOAPIC_VERSION_ID & 0xff);
	case IOAPIC_REG_APIC_ID:
	case IOAPIC_REG_ARB_ID:
		return (io->s.id & 0xf) << 24;
	default:
		redir_index = (io->s.ioregsel - 0x10) >> 1;
		if (redir_index < SVX_IOAPIC_PINS) {
			redir_index = array_index_nospec(redir_index,
							 SVX_IOAPIC_PINS);
			redir_content = io->s.redirtbl[redir_index].bits;
		}
		return (io->s.ioregsel & 1) ? redir_content >> 32 :
					      (u32)redir_content;
	}
}

/* Deliver pin @irq's entry (KVM's ioapic_service()). */
static int ioapic_service(struct svx_irqchip *chip, int irq)
{
	struct svx_ioapic *io = &chip->ioapic;
	typeof(io->s.redirtbl[0]) *e = &io->s.redirtbl[irq];
	struct svx_irq_msg m;
	int ret;

	if (e->fields.mask ||
	    (e->fields.trig_mode == IOAPIC_LEVEL_TRIG && e->fields.remote_irr))
		return -1;

	memset(&m, 0, sizeof(m));
	m.dest_id = e->fields.dest_id;
	m.vector = e->fields.vector;
	m.delivery_mode = e->fields.delivery_mode;
	m.shorthand = SVX_SH_NONE;
	m.dest_logical = e->fields.dest_mode;
	m.level = e->fields.trig_mode == IOAPIC_LEVEL_TRIG;
	m.assert = true;
	m.msi_redir_hint = false;

	if (!m.level)
		io->irr_delivered |= 1U << irq;
	ret = svx_irq_deliver(chip, &m, NULL);
	if (ret && m.level)
		e->fields.remote_irr = 1;
	return ret;
}

int svx_ioapic_set_irq(struct svx_irqchip *chip, int irq, int level)
{
	struct svx_ioapic *io = &chip->ioapic;
	u32 mask, old_irr;
	bool edge;

	if (irq < 0 || irq >= SVX_IOAPIC_PINS)
		return -1;
	mask = 1U << irq;
	edge = io->s.redirtbl[irq].fields.trig_mode == IOAPIC_EDGE_TRIG;

	if (!level) {
		io->line_level &= ~mask;
		return 1;
	}
	/*
	 * 0 for a coalesced interrupt: an edge pin whose previous rise is
	 * still undelivered (masked); a level pin waiting for its EOI
	 * answers -1 from ioapic_service(), as KVM's.
	 */
	old_irr = io->line_level;
	io->line_level |= mask;
	if (edge) {
		io->irr_delivered &= ~mask;
		if (old_irr == io->line_level)
			return 0;
	}
	return ioapic_service(chip, irq);
}

static void ioapic_write_indirect(struct svx_irqchip *chip, u32 val)
{
	struct svx_ioapic *io = &chip->ioapic;
	typeof(io->s.redirtbl[0]) *e;
	u8 old_remote_irr, old_delivery_status, old_mask;
	u32 index;

	switch (io->s.ioregsel) {
	case IOAPIC_REG_VERSION:
		break;			/* read-only */
	case IOAPIC_REG_APIC_ID:
		io->s.id = (val >> 24) & 0xf;
		break;
	case IOAPIC_REG_ARB_ID:
		break;			/* read-only */
	default:
		index = (io->s.ioregsel - 0x10) >> 1;
		if (index >= SVX_IOAPIC_PINS)
			return;
		index = array_index_nospec(index, SVX_IOAPIC_PINS);
		e = &io->s.redirtbl[index];
		old_mask = e->fields.mask;
		old_remote_irr = e->fields.remote_irr;
		old_delivery_status = e->fields.delivery_status;
		if (io->s.ioregsel & 1) {
			e->bits &= 0xffffffffULL;
			e->bits |= (u64)val << 32;
		} else {
			e->bits &= ~0xffffffffULL;
			e->bits |= val;
		}
		e->fields.remote_irr = old_remote_irr;
		e->fields.delivery_status = old_delivery_status;
		/*
		 * An entry written as edge-triggered loses its remote IRR:
		 * Linux and Xen use that as the EOI of IOAPICs without the
		 * EOI register.
		 */
		if (e->fields.trig_mode == IOAPIC_EDGE_TRIG)
			e->fields.remote_irr = 0;
		/* KVM's kvm_fire_mask_notifiers() */
		if (e->fields.mask != old_mask)
			svx_irq_host_masked(chip, KVM_IRQCHIP_IOAPIC, index,
					    e->fields.mask);
		if (e->fields.trig_mode == IOAPIC_LEVEL_TRIG &&
		    (io->line_level & (1U << index)))
			ioapic_service(chip, index);
		break;
	}
}

int svx_ioapic_mmio(struct svx_irqchip *chip, u64 gpa, bool write,
		    void *val, unsigned int len)
{
	struct svx_ioapic *io = &chip->ioapic;
	u32 data = 0;
	u64 off;

	/* KVM's device is registered at the default base only */
	if (gpa < SVX_IOAPIC_BASE || gpa >= SVX_IOAPIC_BASE + SVX_IOAPIC_SIZE ||
	    gpa < io->s.base_address ||
	    gpa >= io->s.base_address + SVX_IOAPIC_SIZE)
		return -1;
	off = gpa & 0xff;

	if (!write) {
		if (off == IOAPIC_REG_SELECT)
			data = io->s.ioregsel;
		else if (off == IOAPIC_REG_WINDOW)
			data = ioapic_read_indirect(io);
		switch (len) {
		case 8:
			*(u64 *)val = data;
			break;
		case 1:
		case 2:
		case 4:
			memcpy(val, &data, len);
			break;
		default:	/* KVM leaves the buffer alone */
			break;
		}
		return 0;
	}

	switch (len) {
	case 8:
	case 4:
		data = *(u32 *)val;
		break;
	case 2:
		data = *(u16 *)val;
		break;
	case 1:
		data = *(u8 *)val;
		break;
	default:
		return 0;
	}
	if (off == IOAPIC_REG_SELECT)
		io->s.ioregsel = data & 0xff;
	else if (off == IOAPIC_REG_WINDOW)
		ioapic_write_indirect(chip, data);
	return 0;
}

void svx_ioapic_eoi(struct svx_irqchip *chip, int vector, bool level)
{
	struct svx_ioapic *io = &chip->ioapic;
	int i;

	for (i = 0; i < SVX_IOAPIC_PINS; i++) {
		typeof(io->s.redirtbl[0]) *e = &io->s.redirtbl[i];

		if (e->fields.vector != vector)
			continue;
		/* KVM's __kvm_ioapic_update_eoi(): ack notifiers, any trigger */
		svx_irq_host_acked(chip, KVM_IRQCHIP_IOAPIC, i);
		if (!level)
			continue;
		e->fields.remote_irr = 0;
		if (!e->fields.mask && (io->line_level & (1U << i)))
			ioapic_service(chip, i);
	}
}

bool svx_ioapic_handles_vector(struct svx_irqchip *chip, int vector)
{
	struct svx_ioapic *io = &chip->ioapic;
	int i;

	for (i = 0; i < SVX_IOAPIC_PINS; i++)
		if (io->s.redirtbl[i].fields.vector == vector)
			return true;
	return false;
}

void svx_ioapic_reset(struct svx_ioapic *io)
{
	int i;

	for (i = 0; i < SVX_IOAPIC_PINS; i++)
		io->s.redirtbl[i].fields.mask = 1;
	io->s.base_address = SVX_IOAPIC_BASE;
	io->s.ioregsel = 0;
	io->s.irr = 0;
	io->s.id = 0;
	io->line_level = 0;
	io->irr_delivered = 0;
}

void svx_ioapic_get(struct svx_ioapic *io, struct kvm_ioapic_state *s)
{
	*s = io->s;
	s->irr = io->line_level & ~io->irr_delivered;
}

void svx_ioapic_set(struct svx_irqchip *chip, const struct kvm_ioapic_state *s)
{
	struct svx_ioapic *io = &chip->ioapic;
	u32 irr = s->irr;
	int i;

	io->s = *s;
	io->s.irr = 0;
	io->line_level = 0;
	io->irr_delivered = 0;
	for (i = 0; i < SVX_IOAPIC_PINS; i++)
		if (irr & (1U << i))
			svx_ioapic_set_irq(chip, i, 1);
}
