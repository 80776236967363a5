// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of irqchip/lapic.c against the fake host (fake.c).  The
 * expected values are KVM's (Linux 6.1 arch/x86/kvm/lapic.c, kvm_intel,
 * default quirks, no KVM_CAP_X2APIC_API) and the SDM's register layout;
 * the offsets and bits below are written out here, not taken from lapic.c.
 *
 * Prints each failed check and ends with "N passed, M failed".
 */
#include <stdio.h>
#include <string.h>
#include <linux/bits.h>
#include <linux/kernel.h>

#include "fake.h"

/* xAPIC page offsets (SDM Vol. 3 Table 11-1) */
#define R_ID		0x20
#define R_LVR		0x30
#define R_TPR		0x80
#define R_APR		0x90
#define R_PPR		0xa0
#define R_EOI		0xb0
#define R_LDR		0xd0
#define R_DFR		0xe0
#define R_SVR		0xf0
#define R_ISR		0x100
#define R_TMR		0x180
#define R_IRR		0x200
#define R_ESR		0x280
#define R_CMCI		0x2f0
#define R_ICR		0x300
#define R_ICR2		0x310
#define R_LVTT		0x320
#define R_LVTTHMR	0x330
#define R_LVTPC		0x340
#define R_LVT0		0x350
#define R_LVT1		0x360
#define R_LVTERR	0x370
#define R_TMICT		0x380
#define R_TMCCT		0x390
#define R_TDCR		0x3e0
#define R_SELF		0x3f0

#define MSR(r)		(0x800 + ((r) >> 4))
#define BASE_BSP	0x100ull
#define BASE_X2		0x400ull
#define BASE_EN		0x800ull
#define APIC_PAGE	0xfee00000ull

/* ICR low */
#define DM(x)		((u32)(x) << 8)
#define LOGICAL		BIT(11)
#define ASSERT_		BIT(14)
#define LEVEL		BIT(15)
#define SH(x)		((u32)(x) << 18)

static unsigned int passed, failed;

static void check(unsigned long long got, unsigned long long want,
		  const char *expr, int line)
{
	if (got == want) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL line %d: %s = %#llx, want %#llx\n", line, expr, got, want);
}

#define EQ(got, want)	check((unsigned long long)(got), \
			      (unsigned long long)(want), #got, __LINE__)
#define OK(c)		EQ(!!(c), 1)
#define NOT(c)		EQ(!!(c), 0)

static struct svx_lapic *A(int i)
{
	return &fake_apic[i];
}

static u32 rd(struct svx_lapic *a, u32 off)
{
	u32 v = 0xdeadbeef;

	svx_lapic_mmio(a, off, false, &v, 4);
	return v;
}

static void wr(struct svx_lapic *a, u32 off, u32 v)
{
	svx_lapic_mmio(a, off, true, &v, 4);
}

static bool bit(struct svx_lapic *a, u32 base, int vec)
{
	u32 w;

	memcpy(&w, a->regs + base + (vec / 32) * 0x10, 4);
	return w & (1u << (vec % 32));
}

static u32 reg_id(struct svx_lapic *a)
{
	u32 w;

	memcpy(&w, a->regs + R_ID, 4);
	return w;
}

static bool irr(struct svx_lapic *a, int vec)
{
	return bit(a, R_IRR, vec);
}

static bool isr(struct svx_lapic *a, int vec)
{
	return bit(a, R_ISR, vec);
}

static bool tmr(struct svx_lapic *a, int vec)
{
	return bit(a, R_TMR, vec);
}

static int nbits(struct svx_lapic *a, u32 base)
{
	int v, n = 0;

	for (v = 0; v < 256; v++)
		n += bit(a, base, v);
	return n;
}

static void sw_enable_all(void)
{
	int i;

	for (i = 0; i < FAKE_NCPU; i++)
		wr(A(i), R_SVR, 0x1ff);
}

static int fixed(struct svx_lapic *a, int vec, bool level)
{
	struct svx_irq_msg m = {
		.vector = vec, .delivery_mode = SVX_DM_FIXED,
		.level = level, .assert = true,
	};

	return svx_lapic_accept(a, &m);
}

/* An xAPIC IPI from @a: ICR2 then ICR */
static void ipi(struct svx_lapic *a, u8 dest, u32 lo)
{
	wr(a, R_ICR2, (u32)dest << 24);
	wr(a, R_ICR, lo);
}

static int msr_rd(struct svx_lapic *a, u32 reg, u64 *v)
{
	return svx_lapic_msr_read(a, MSR(reg), v);
}

static int msr_wr(struct svx_lapic *a, u32 reg, u64 v)
{
	return svx_lapic_msr_write(a, MSR(reg), v);
}

static void clear_irrs(void)
{
	int i, v;

	for (i = 0; i < FAKE_NCPU; i++)
		for (v = 0; v < 8; v++)
			memset(A(i)->regs + R_IRR + v * 0x10, 0, 4);
}

/* ------------------------------------------------------------------ */

static void test_reset(void)
{
	int i, v;

	fake_setup();
	for (i = 0; i < FAKE_NCPU; i++) {
		struct svx_lapic *a = A(i);

		EQ(a->base, APIC_PAGE | BASE_EN | (i == 0 ? BASE_BSP : 0));
		EQ(rd(a, R_ID), (u32)i << 24);
		EQ(rd(a, R_LVR), 0x50014);
		EQ(rd(a, R_TPR), 0);
		EQ(rd(a, R_PPR), 0);
		EQ(rd(a, R_LDR), 0);
		EQ(rd(a, R_DFR), 0xffffffff);
		EQ(rd(a, R_SVR), 0xff);
		EQ(rd(a, R_ESR), 0);
		EQ(rd(a, R_ICR), 0);
		EQ(rd(a, R_ICR2), 0);
		EQ(rd(a, R_LVTT), 0x10000);
		EQ(rd(a, R_LVTTHMR), 0x10000);
		EQ(rd(a, R_LVTPC), 0x10000);
		/* KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LINT0 is ExtINT */
		EQ(rd(a, R_LVT0), i == 0 ? 0x700 : 0x10000);
		EQ(rd(a, R_LVT1), 0x10000);
		EQ(rd(a, R_LVTERR), 0x10000);
		EQ(rd(a, R_TMICT), 0);
		EQ(rd(a, R_TMCCT), 0);
		EQ(rd(a, R_TDCR), 0);
		EQ(nbits(a, R_IRR) + nbits(a, R_ISR) + nbits(a, R_TMR), 0);
		EQ(svx_lapic_accepts_pic(a), i == 0);
		OK(svx_lapic_mmio_on(a));
		NOT(svx_lapic_x2apic(a));
		EQ(svx_lapic_pending_irq(a), -1);
		EQ(fake_armed[i], 0);
	}
	/* INIT keeps base and ID, resets the rest */
	wr(A(1), R_SVR, 0x1ff);
	wr(A(1), R_ID, 0x09000000);
	wr(A(1), R_TPR, 0x20);
	wr(A(1), R_LDR, 0x04000000);
	fixed(A(1), 0x55, true);
	A(1)->nmi_pending = 2;
	svx_lapic_reset(A(1), true);
	EQ(rd(A(1), R_ID), 0x09000000);
	EQ(rd(A(1), R_SVR), 0xff);
	EQ(rd(A(1), R_TPR), 0);
	EQ(rd(A(1), R_LDR), 0);
	NOT(irr(A(1), 0x55));
	NOT(tmr(A(1), 0x55));
	EQ(A(1)->nmi_pending, 0);
	/* power-on reset: the ID again */
	svx_lapic_reset(A(1), false);
	EQ(rd(A(1), R_ID), 0x01000000);
	/* a hardware-disabled APIC lets the PIC in */
	EQ(svx_lapic_set_base(A(2), APIC_PAGE, false), 0);
	OK(svx_lapic_accepts_pic(A(2)));
	for (v = 0; v < 1; v++)
		EQ(rd(A(2), R_ID), 0xffffffff);		/* MMIO hole */
}

static void test_regs(void)
{
	struct svx_lapic *a;
	u8 b[8];
	u16 h;
	u32 w;

	fake_setup();
	a = A(1);
	/* LVT writes while software-disabled stay masked */
	wr(a, R_LVT1, 0x000004ff);
	EQ(rd(a, R_LVT1), 0x104ff);
	wr(a, R_SVR, 0xffffffff);
	EQ(rd(a, R_SVR), 0x3ff);	/* no directed EOI: bit 12 reserved */
	wr(a, R_TPR, 0xffffffff);
	EQ(rd(a, R_TPR), 0xff);
	wr(a, R_TPR, 0);
	wr(a, R_LDR, 0xffffffff);
	EQ(rd(a, R_LDR), 0xff000000);
	wr(a, R_DFR, 0);
	EQ(rd(a, R_DFR), 0x0fffffff);
	wr(a, R_ICR2, 0xffffffff);
	EQ(rd(a, R_ICR2), 0xff000000);
	wr(a, R_ID, 0x0e123456);
	EQ(rd(a, R_ID), 0x0e000000);
	wr(a, R_LVT0, 0xffffffff);
	EQ(rd(a, R_LVT0), 0x1f7ff);
	wr(a, R_LVT1, 0xffffffff);
	EQ(rd(a, R_LVT1), 0x1f7ff);
	wr(a, R_LVTERR, 0xffffffff);
	EQ(rd(a, R_LVTERR), 0x110ff);
	wr(a, R_LVTPC, 0xffffffff);
	EQ(rd(a, R_LVTPC), 0x117ff);
	wr(a, R_LVTTHMR, 0xffffffff);
	EQ(rd(a, R_LVTTHMR), 0x117ff);
	/* no timer mode bits before KVM_SET_CPUID2, then periodic/deadline */
	wr(a, R_LVTT, 0xffffffff);
	EQ(rd(a, R_LVTT), 0x110ff);
	svx_lapic_set_cpuid(a, false, false, 36);
	wr(a, R_LVTT, 0xffffffff);
	EQ(rd(a, R_LVTT), 0x310ff);
	svx_lapic_set_cpuid(a, false, true, 36);
	wr(a, R_LVTT, 0xffffffff);
	EQ(rd(a, R_LVTT), 0x710ff);
	wr(a, R_LVTT, 0x10000);
	wr(a, R_TDCR, 0xffffffff);
	EQ(rd(a, R_TDCR), 0xb);
	/* read-only and reserved registers */
	wr(a, R_LVR, 0);
	EQ(rd(a, R_LVR), 0x50014);
	wr(a, R_PPR, 0x40);
	EQ(rd(a, R_PPR), 0);
	wr(a, R_IRR, 0xffffffff);
	wr(a, R_ISR + 0x10, 0xffffffff);
	EQ(nbits(a, R_IRR) + nbits(a, R_ISR), 0);
	wr(a, R_TMCCT, 1234);
	EQ(rd(a, R_TMCCT), 0);
	wr(a, R_APR, 0xff);
	EQ(rd(a, R_APR), 0);
	EQ(rd(a, 0x40), 0);		/* reserved */
	EQ(rd(a, R_CMCI), 0);		/* no CMCI LVT */
	EQ(rd(a, R_SELF), 0);		/* x2APIC only */
	EQ(rd(a, R_EOI), 0);		/* write-only */
	EQ(rd(a, 0x800), 0);		/* beyond the registers */
	/* partial reads: bytes of the 32-bit register at the 16-byte slot */
	wr(a, R_TPR, 0xa5);
	wr(a, R_LDR, 0x5a000000);
	memset(b, 0x77, sizeof(b));
	svx_lapic_mmio(a, R_TPR, false, b, 1);
	EQ(b[0], 0xa5);
	svx_lapic_mmio(a, R_LDR + 3, false, b, 1);
	EQ(b[0], 0x5a);
	svx_lapic_mmio(a, R_LDR + 2, false, &h, 2);
	EQ(h, 0x5a00);
	w = 0x12345678;
	svx_lapic_mmio(a, R_LDR + 1, false, &w, 4);	/* crosses: ignored */
	EQ(w, 0);
	svx_lapic_mmio(a, R_LDR + 4, false, &w, 4);	/* 2nd dword of slot */
	EQ(w, 0);
	memset(b, 0x77, sizeof(b));
	svx_lapic_mmio(a, R_TPR, false, b, 8);		/* 8-byte: ignored */
	EQ(b[0] | b[7], 0);
	/* writes: 32-bit at the slot's start only */
	h = 0x11;
	svx_lapic_mmio(a, R_TPR, true, &h, 2);
	EQ(rd(a, R_TPR), 0xa5);
	wr(a, R_TPR + 4, 0x11);
	EQ(rd(a, R_TPR), 0xa5);
	wr(a, R_TPR + 0xc, 0x11);
	EQ(rd(a, R_TPR), 0xa5);
	/* software disable masks every LVT */
	wr(a, R_LVT0, 0x700);
	wr(a, R_LVTERR, 0xfe);
	wr(a, R_SVR, 0xff);
	EQ(rd(a, R_LVT0), 0x10700);
	EQ(rd(a, R_LVTERR), 0x100fe);
	NOT(svx_lapic_accepts_pic(a));
	/* CR8 is TPR[7:4] */
	svx_lapic_set_cr8(a, 0x1b);
	EQ(rd(a, R_TPR), 0xb0);
	EQ(svx_lapic_get_cr8(a), 0xb);
	wr(a, R_TPR, 0x7f);
	EQ(svx_lapic_get_cr8(a), 7);
	/* the MMIO hole of a disabled APIC */
	EQ(svx_lapic_set_base(a, APIC_PAGE, false), 0);
	NOT(svx_lapic_mmio_on(a));
	wr(a, R_TPR, 0x10);
	EQ(rd(a, R_TPR), 0xffffffff);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, false), 0);
	EQ(rd(a, R_TPR), 0x7f);
}

static void test_priority(void)
{
	struct svx_lapic *a;

	fake_setup();
	a = A(0);
	/* software-disabled: fixed interrupts are refused */
	EQ(fixed(a, 0x31, false), 0);
	NOT(irr(a, 0x31));
	wr(a, R_SVR, 0x1ff);
	EQ(fixed(a, 0x31, false), 1);
	EQ(fixed(a, 0x45, false), 1);
	EQ(fake_kicks[0], 2);
	OK(irr(a, 0x31));
	EQ(svx_lapic_pending_irq(a), 0x45);
	wr(a, R_TPR, 0x40);		/* class 4 blocked */
	EQ(svx_lapic_pending_irq(a), -1);
	EQ(rd(a, R_PPR), 0x40);
	fake_clear_counts();
	wr(a, R_TPR, 0x3f);		/* unblocks 0x45: a kick */
	EQ(svx_lapic_pending_irq(a), 0x45);
	EQ(fake_kicks[0], 1);
	EQ(rd(a, R_PPR), 0x3f);
	svx_lapic_ack_irq(a, 0x45);
	NOT(irr(a, 0x45));
	OK(isr(a, 0x45));
	EQ(rd(a, R_PPR), 0x40);
	EQ(svx_lapic_pending_irq(a), -1);	/* 0x31 below the ISR */
	wr(a, R_TPR, 0x4a);		/* TPR class = ISR class: the TPR */
	EQ(rd(a, R_PPR), 0x4a);
	wr(a, R_TPR, 0x3f);
	EQ(fixed(a, 0x4f, false), 1);		/* same class: blocked */
	EQ(svx_lapic_pending_irq(a), -1);
	EQ(fixed(a, 0x51, false), 1);		/* nests */
	EQ(svx_lapic_pending_irq(a), 0x51);
	svx_lapic_ack_irq(a, 0x51);
	EQ(rd(a, R_PPR), 0x50);
	wr(a, R_EOI, 0);			/* the highest ISR: 0x51 */
	NOT(isr(a, 0x51));
	OK(isr(a, 0x45));
	EQ(svx_lapic_pending_irq(a), -1);
	wr(a, R_EOI, 0);			/* 0x45 */
	NOT(isr(a, 0x45));
	EQ(rd(a, R_PPR), 0x3f);
	EQ(svx_lapic_pending_irq(a), 0x4f);
	svx_lapic_ack_irq(a, 0x4f);
	wr(a, R_EOI, 0);
	svx_lapic_set_cr8(a, 3);		/* TPR 0x30 blocks 0x31 */
	EQ(svx_lapic_pending_irq(a), -1);
	svx_lapic_set_cr8(a, 2);
	EQ(svx_lapic_pending_irq(a), 0x31);
	/* an EOI with nothing in service does nothing */
	svx_lapic_ack_irq(a, 0x31);
	wr(a, R_EOI, 0);
	wr(a, R_EOI, 0);
	EQ(nbits(a, R_ISR), 0);
	EQ(fake_neoi, 0);
	/* a hardware-disabled APIC has nothing pending, accepts nothing */
	EQ(fixed(a, 0x80, false), 1);
	EQ(svx_lapic_set_base(a, APIC_PAGE, false), 0);
	EQ(svx_lapic_pending_irq(a), -1);
	EQ(fixed(a, 0x81, false), 0);
	NOT(irr(a, 0x81));
}

static void test_eoi(void)
{
	struct svx_lapic *a;
	struct svx_irq_msg m = { .vector = 0x91, .delivery_mode = SVX_DM_FIXED,
				 .level = true, .assert = false };
	struct kvm_lapic_state s;

	fake_setup();
	sw_enable_all();
	a = A(2);
	EQ(svx_lapic_accept(a, &m), 0);		/* level de-assert */
	NOT(irr(a, 0x91));
	EQ(fixed(a, 0x91, true), 1);		/* level: TMR */
	EQ(fixed(a, 0xa2, false), 1);		/* edge */
	OK(tmr(a, 0x91));
	NOT(tmr(a, 0xa2));
	EQ(svx_lapic_pending_irq(a), 0xa2);
	svx_lapic_ack_irq(a, 0xa2);
	EQ(svx_lapic_pending_irq(a), -1);
	wr(a, R_EOI, 0);			/* edge: no IOAPIC EOI */
	EQ(fake_neoi, 0);
	EQ(svx_lapic_pending_irq(a), 0x91);
	svx_lapic_ack_irq(a, 0x91);
	wr(a, R_EOI, 0);
	EQ(fake_neoi, 1);
	EQ(fake_eoi[0], 0x91);
	NOT(isr(a, 0x91));
	/* nested level vectors: EOIs in priority order */
	fixed(a, 0x61, true);
	svx_lapic_ack_irq(a, 0x61);
	fixed(a, 0x71, true);
	svx_lapic_ack_irq(a, 0x71);
	fixed(a, 0x81, false);
	svx_lapic_ack_irq(a, 0x81);
	wr(a, R_EOI, 0);
	wr(a, R_EOI, 0);
	wr(a, R_EOI, 0);
	EQ(fake_neoi, 3);
	EQ(fake_eoi[1], 0x71);
	EQ(fake_eoi[2], 0x61);
	/* an edge delivery of the vector clears its TMR bit */
	fixed(a, 0x61, true);
	OK(tmr(a, 0x61));
	fixed(a, 0x61, false);
	NOT(tmr(a, 0x61));
	svx_lapic_ack_irq(a, 0x61);
	wr(a, R_EOI, 0);
	EQ(fake_neoi, 3);
	/* EOI broadcast suppressed (SPIV bit 12 through KVM_SET_LAPIC) */
	svx_lapic_get_state(a, &s);
	s.regs[R_SVR + 1] |= 0x10;
	EQ(svx_lapic_set_state(a, &s), 0);
	fixed(a, 0x66, true);
	svx_lapic_ack_irq(a, 0x66);
	wr(a, R_EOI, 0);
	EQ(fake_neoi, 3);
	NOT(isr(a, 0x66));
}

static void test_ipi(void)
{
	int i, n;

	fake_setup();
	sw_enable_all();
	/* physical */
	ipi(A(0), 2, 0x40 | ASSERT_);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x40), i == 2);
	EQ(fake_kicks[2], 1);
	EQ(fake_delivers, 1);
	EQ(fake_last_msg.dest_id, 2);
	EQ(fake_last_msg.vector, 0x40);
	NOT(fake_last_msg.dest_logical);
	/* the delivery status bit reads 0; ICR/ICR2 keep the rest */
	ipi(A(0), 3, 0x41 | ASSERT_ | (1u << 12));
	EQ(rd(A(0), R_ICR), 0x41 | ASSERT_);
	EQ(rd(A(0), R_ICR2), 0x03000000);
	OK(irr(A(3), 0x41));
	/* physical broadcast */
	clear_irrs();
	ipi(A(1), 0xff, 0x42);
	for (i = 0; i < FAKE_NCPU; i++)
		OK(irr(A(i), 0x42));
	/* no such APIC ID */
	clear_irrs();
	ipi(A(1), 7, 0x43);
	for (i = 0; i < FAKE_NCPU; i++)
		NOT(irr(A(i), 0x43));
	/* a changed xAPIC ID is the physical destination */
	wr(A(3), R_ID, 0x07000000);
	ipi(A(1), 7, 0x44);
	OK(irr(A(3), 0x44));
	wr(A(3), R_ID, 0x03000000);
	/* logical flat */
	for (i = 0; i < FAKE_NCPU; i++)
		wr(A(i), R_LDR, (1u << i) << 24);
	clear_irrs();
	ipi(A(0), 0x05, 0x50 | LOGICAL);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x50), i == 0 || i == 2);
	OK(fake_last_msg.dest_logical);
	clear_irrs();
	ipi(A(0), 0xff, 0x51 | LOGICAL);	/* logical broadcast */
	for (i = 0; i < FAKE_NCPU; i++)
		OK(irr(A(i), 0x51));
	/* logical cluster: cluster 1 = {0, 1}, cluster 2 = {2, 3} */
	wr(A(0), R_LDR, 0x11000000);
	wr(A(1), R_LDR, 0x12000000);
	wr(A(2), R_LDR, 0x21000000);
	wr(A(3), R_LDR, 0x22000000);
	for (i = 0; i < FAKE_NCPU; i++)
		wr(A(i), R_DFR, 0x0fffffff);
	clear_irrs();
	ipi(A(3), 0x13, 0x52 | LOGICAL);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x52), i < 2);
	clear_irrs();
	ipi(A(3), 0x22, 0x53 | LOGICAL);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x53), i == 3);
	/* mixed DFR models: a flat APIC does not match cluster IDs */
	wr(A(3), R_DFR, 0xffffffff);
	clear_irrs();
	ipi(A(0), 0x22, 0x54 | LOGICAL);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x54), i == 3);	/* flat: 0x22 & 0x22 */
	/* shorthands */
	clear_irrs();
	ipi(A(1), 0, 0x60 | SH(1));
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x60), i == 1);
	clear_irrs();
	ipi(A(1), 0, 0x61 | SH(2));
	for (i = 0; i < FAKE_NCPU; i++)
		OK(irr(A(i), 0x61));
	clear_irrs();
	ipi(A(1), 0, 0x62 | SH(3));
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x62), i != 1);
	/* level-triggered IPI sets the TMR; de-assert is not delivered */
	ipi(A(0), 1, 0x63 | LEVEL | ASSERT_);
	OK(tmr(A(1), 0x63));
	OK(irr(A(1), 0x63));
	ipi(A(0), 1, 0x64 | LEVEL);
	NOT(irr(A(1), 0x64));
	/* NMI: accepted even software-disabled */
	wr(A(2), R_SVR, 0xff);
	ipi(A(0), 2, DM(4) | ASSERT_);
	EQ(A(2)->nmi_pending, 1);
	ipi(A(0), 2, 0x65 | ASSERT_);
	NOT(irr(A(2), 0x65));
	/* a hardware-disabled APIC is no destination */
	EQ(svx_lapic_set_base(A(3), APIC_PAGE, false), 0);
	clear_irrs();
	fake_clear_counts();
	ipi(A(0), 0, 0x66 | SH(3));
	NOT(irr(A(3), 0x66));
	EQ(fake_kicks[3], 0);
	OK(irr(A(1), 0x66));
	ipi(A(0), 3, DM(4));
	EQ(A(3)->nmi_pending, 0);
	/* svx_lapic_accept() count through the fake router */
	{
		struct svx_irq_msg m = { .dest_id = 0xff, .vector = 0x70,
					 .delivery_mode = SVX_DM_FIXED };

		n = svx_irq_deliver(&fake_chip, &m, NULL);
		EQ(n, 2);	/* 0, 1 enabled; 2 sw-disabled; 3 hw-disabled */
	}
	/*
	 * ExtINT is not delivered by the local APIC model; an SMI is taken
	 * as KVM's __apic_accept_irq() takes it (accepted, KVM_REQ_SMI: the
	 * SMI event for the host, which drops it without SMM), no vector
	 */
	{
		struct svx_irq_msg m = { .dest_id = 0, .vector = 0x71,
					 .delivery_mode = SVX_DM_EXTINT };

		EQ(svx_lapic_accept(A(0), &m), 0);
		m.delivery_mode = SVX_DM_SMI;
		EQ(svx_lapic_accept(A(0), &m), 1);
		EQ(A(0)->events, SVX_LAPIC_EV_SMI);
		NOT(irr(A(0), 0x71));
		A(0)->events = 0;
	}
}

static void test_init_sipi(void)
{
	fake_setup();
	/* INIT and SIPI reach software-disabled APICs */
	ipi(A(0), 1, DM(5) | LEVEL | ASSERT_);
	EQ(A(1)->events, SVX_LAPIC_EV_INIT);
	EQ(fake_kicks[1], 1);
	ipi(A(0), 1, DM(5) | LEVEL);		/* INIT level de-assert */
	EQ(fake_kicks[1], 1);
	ipi(A(0), 1, DM(6) | 0x9a);
	EQ(A(1)->events, SVX_LAPIC_EV_INIT | SVX_LAPIC_EV_SIPI);
	EQ(A(1)->sipi_vector, 0x9a);
	ipi(A(0), 1, DM(6) | 0x9b);		/* the second SIPI's vector */
	EQ(A(1)->sipi_vector, 0x9b);
	ipi(A(0), 1, DM(5) | ASSERT_);		/* INIT drops a pending SIPI */
	EQ(A(1)->events, SVX_LAPIC_EV_INIT);
	/* INIT to all others */
	A(1)->events = 0;
	ipi(A(0), 0, DM(5) | ASSERT_ | SH(3));
	EQ(A(0)->events, 0);
	EQ(A(1)->events, SVX_LAPIC_EV_INIT);
	EQ(A(2)->events, SVX_LAPIC_EV_INIT);
	EQ(A(3)->events, SVX_LAPIC_EV_INIT);
	/* edge INIT (trigger 0) with assert clear is still an INIT */
	A(2)->events = 0;
	ipi(A(0), 2, DM(5));
	EQ(A(2)->events, SVX_LAPIC_EV_INIT);
}

static void test_x2apic(void)
{
	struct svx_lapic *a;
	u64 v;
	int i;

	fake_setup();
	sw_enable_all();
	a = A(1);
	/* not in x2APIC mode: every x2APIC MSR faults */
	EQ(msr_rd(a, R_TPR, &v), -1);
	EQ(msr_wr(a, R_TPR, 0), -1);
	/* no x2APIC in CPUID: the enable bit is reserved */
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, false), -1);
	for (i = 0; i < FAKE_NCPU; i++) {
		svx_lapic_set_cpuid(A(i), true, true, 36);
		EQ(svx_lapic_set_base(A(i), A(i)->base | BASE_X2, false), 0);
		OK(svx_lapic_x2apic(A(i)));
		NOT(svx_lapic_mmio_on(A(i)));
	}
	EQ(rd(a, R_TPR), 0xffffffff);		/* MMIO hole */
	EQ(msr_rd(a, R_ID, &v), 0);
	EQ(v, 1);
	EQ(msr_rd(a, R_LDR, &v), 0);
	EQ(v, 0x2);
	EQ(msr_rd(A(3), R_LDR, &v), 0);
	EQ(v, 0x8);
	EQ(msr_rd(a, R_LVR, &v), 0);
	EQ(v, 0x50014);
	EQ(msr_wr(a, R_TPR, 0x20), 0);
	EQ(msr_rd(a, R_TPR, &v), 0);
	EQ(v, 0x20);
	EQ(msr_rd(a, R_PPR, &v), 0);
	EQ(v, 0x20);
	EQ(msr_rd(a, R_TMCCT, &v), 0);
	/* reads that fault: DFR, write-only, xAPIC-only, reserved */
	EQ(msr_rd(a, R_DFR, &v), -1);
	EQ(msr_rd(a, R_EOI, &v), -1);
	EQ(msr_rd(a, R_SELF, &v), -1);
	EQ(msr_rd(a, R_APR, &v), -1);
	EQ(msr_rd(a, R_ICR2, &v), -1);
	EQ(msr_rd(a, R_CMCI, &v), -1);
	EQ(msr_rd(a, 0x40, &v), -1);
	EQ(svx_lapic_msr_read(a, 0x8ff, &v), -1);
	/* writes that fault: read-only, reserved bits */
	EQ(msr_wr(a, R_ID, 5), -1);
	EQ(msr_wr(a, R_LVR, 0), -1);
	EQ(msr_wr(a, R_PPR, 0), -1);
	EQ(msr_wr(a, R_LDR, 0), -1);
	EQ(msr_wr(a, R_DFR, 0xffffffff), -1);
	EQ(msr_wr(a, R_ICR2, 0), -1);
	EQ(msr_wr(a, R_TMCCT, 0), -1);
	EQ(msr_wr(a, R_ISR, 0), -1);
	EQ(msr_wr(a, R_IRR, 0), -1);
	EQ(msr_wr(a, R_APR, 0), -1);
	EQ(msr_wr(a, R_CMCI, 0), -1);
	EQ(msr_wr(a, R_TPR, 1ull << 32), -1);
	EQ(msr_wr(a, R_ESR, 1), -1);
	EQ(msr_wr(a, R_ESR, 0), 0);
	EQ(msr_wr(a, R_SELF, 0x100), -1);
	EQ(msr_wr(a, R_ICR, 1ull << 13), -1);
	EQ(msr_wr(a, R_ICR, 1ull << 16), -1);
	EQ(msr_wr(a, R_ICR, 1ull << 20), -1);
	EQ(msr_wr(a, R_ICR, 1ull << 31), -1);
	EQ(msr_rd(a, R_ID, &v), 0);
	EQ(v, 1);
	/* SELF_IPI */
	EQ(msr_wr(a, R_SELF, 0x77), 0);
	OK(irr(a, 0x77));
	NOT(irr(A(0), 0x77));
	/* ICR: one 64-bit MSR, the destination in bits 63:32 */
	EQ(msr_wr(a, R_ICR, (3ull << 32) | 0x78 | ASSERT_ | (1u << 12)), 0);
	OK(irr(A(3), 0x78));
	NOT(irr(A(1), 0x78));
	EQ(msr_rd(a, R_ICR, &v), 0);
	EQ(v, (3ull << 32) | 0x78 | ASSERT_);
	/* logical: cluster 0, bits 1-2 = x2APIC IDs 1, 2 */
	clear_irrs();
	EQ(msr_wr(a, R_ICR, (6ull << 32) | 0x79 | LOGICAL), 0);
	for (i = 0; i < FAKE_NCPU; i++)
		EQ(irr(A(i), 0x79), i == 1 || i == 2);
	clear_irrs();
	EQ(msr_wr(a, R_ICR, (0x10006ull << 32) | 0x7a | LOGICAL), 0);
	for (i = 0; i < FAKE_NCPU; i++)
		NOT(irr(A(i), 0x7a));			/* cluster 1 empty */
	/* broadcast is 0xffffffff; an IPI to 0xff is not a broadcast */
	EQ(msr_wr(a, R_ICR, (0xffffffffull << 32) | 0x7b), 0);
	for (i = 0; i < FAKE_NCPU; i++)
		OK(irr(A(i), 0x7b));
	clear_irrs();
	EQ(msr_wr(a, R_ICR, (0xffull << 32) | 0x7c), 0);
	for (i = 0; i < FAKE_NCPU; i++)
		NOT(irr(A(i), 0x7c));
	/* ...but an IOAPIC/MSI message to 0xff is (KVM's broadcast quirk) */
	{
		struct svx_irq_msg m = { .dest_id = 0xff, .vector = 0x7d };

		OK(svx_lapic_match_dest(A(2), &m, NULL));
		NOT(svx_lapic_match_dest(A(2), &m, a));
		m.dest_id = 2;
		OK(svx_lapic_match_dest(A(2), &m, NULL));
		NOT(svx_lapic_match_dest(A(3), &m, NULL));
	}
	/* EOI through the MSR */
	fixed(a, 0x90, true);
	svx_lapic_ack_irq(a, 0x90);
	fake_clear_counts();
	EQ(msr_wr(a, R_EOI, 0), 0);
	EQ(fake_neoi, 1);
	/* x2APIC LDR of a larger ID */
	{
		struct svx_lapic b;

		svx_lapic_init(&b, &fake_chip, 0, 0x23);
		svx_lapic_set_cpuid(&b, true, false, 36);
		EQ(svx_lapic_set_base(&b, b.base | BASE_X2, false), 0);
		EQ(svx_lapic_msr_read(&b, 0x80d, &v), 0);
		EQ(v, 0x20008);
		EQ(svx_lapic_msr_read(&b, 0x802, &v), 0);
		EQ(v, 0x23);
		svx_lapic_init(&b, &fake_chip, 0, 0x123);	/* xAPIC */
		/* an ID above 0xff matches physically as its x2APIC ID */
		{
			struct svx_irq_msg m = { .dest_id = 0x123 };

			OK(svx_lapic_match_dest(&b, &m, NULL));
			m.dest_id = 0x23;
			OK(svx_lapic_match_dest(&b, &m, NULL));
		}
	}
	/* INIT in x2APIC mode keeps the mode, the ID and the LDR */
	svx_lapic_reset(a, true);
	OK(svx_lapic_x2apic(a));
	EQ(msr_rd(a, R_LDR, &v), 0);
	EQ(v, 0x2);
	EQ(msr_rd(a, R_ICR, &v), 0);
	EQ(v, 0);
}

static void test_base(void)
{
	struct svx_lapic *a;

	fake_setup();
	a = A(1);
	svx_lapic_set_cpuid(a, true, false, 36);
	/* reserved: bits 0-7, 9, above MAXPHYADDR; x2APIC without xAPIC */
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | 1, false), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | 0x200, false), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | (1ull << 36), false), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | (1ull << 36), true), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_X2, true), -1);
	EQ(a->base, APIC_PAGE | BASE_EN);
	svx_lapic_set_cpuid(a, true, false, 40);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | (1ull << 36), false), 0);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | (1ull << 40), false), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_BSP, false), 0);
	EQ(a->base, APIC_PAGE | BASE_EN | BASE_BSP);
	/* xAPIC -> x2APIC -> xAPIC: the guest may not, the host may */
	wr(a, R_ID, 0x0c000000);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, false), 0);
	EQ(reg_id(a), 1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, false), -1);
	OK(svx_lapic_x2apic(a));
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, true), 0);
	NOT(svx_lapic_x2apic(a));
	/* x2APIC -> disabled -> xAPIC: the xAPIC ID again */
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, false), 0);
	EQ(svx_lapic_set_base(a, APIC_PAGE, false), 0);
	NOT(svx_lapic_mmio_on(a));
	/* disabled -> x2APIC: the guest may not, the host may */
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, false), -1);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, false), 0);
	EQ(rd(a, R_ID), 0x01000000);
	wr(a, R_ID, 0x0c000000);
	EQ(svx_lapic_set_base(a, APIC_PAGE, false), 0);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, true), 0);
	EQ(reg_id(a), 1);
	/* relocation */
	EQ(svx_lapic_set_base(a, 0xfed00000ull | BASE_EN | BASE_X2, false), 0);
	EQ(a->base, 0xfed00000ull | BASE_EN | BASE_X2);
	/* a disabled APIC keeps its registers (as KVM) */
	EQ(svx_lapic_set_base(a, 0xfee00000ull | BASE_EN, true), 0);
	wr(a, R_TPR, 0x30);
	EQ(svx_lapic_set_base(a, APIC_PAGE, false), 0);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, false), 0);
	EQ(rd(a, R_TPR), 0x30);
}

static void setup_timer(struct svx_lapic *a, u32 lvtt, u32 tdcr)
{
	wr(a, R_SVR, 0x1ff);
	wr(a, R_TDCR, tdcr);
	wr(a, R_LVTT, lvtt);
}

static void test_timer(void)
{
	static const struct { u32 tdcr, div; } divs[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct svx_lapic *a;
	u64 t0;
	unsigned int i;

	fake_setup();
	a = A(1);
	svx_lapic_set_cpuid(a, false, true, 36);
	/* one-shot, divide by 1: 1 GHz bus */
	setup_timer(a, 0x40, 0xb);
	t0 = fake_now;
	wr(a, R_TMICT, 1000000);
	EQ(fake_armed[1], t0 + 1000000);
	EQ(a->timer_period_ns, 1000000);
	EQ(rd(a, R_TMICT), 1000000);
	fake_advance(250000);
	EQ(rd(a, R_TMCCT), 750000);
	fake_advance(749999);
	EQ(rd(a, R_TMCCT), 1);
	NOT(irr(a, 0x40));
	fake_advance(1);
	OK(irr(a, 0x40));
	EQ(fake_fires[1], 1);
	EQ(fake_armed[1], 0);
	EQ(rd(a, R_TMCCT), 0);
	EQ(rd(a, R_TMICT), 1000000);
	fake_advance(10000000);
	EQ(fake_fires[1], 1);
	/* TMCCT counts down with the divider */
	for (i = 0; i < ARRAY_SIZE(divs); i++) {
		wr(a, R_TDCR, divs[i].tdcr);
		t0 = fake_now;
		wr(a, R_TMICT, 1000);
		EQ(fake_armed[1], t0 + 1000ull * divs[i].div);
		fake_advance(100ull * divs[i].div);
		EQ(rd(a, R_TMCCT), 900);
		fake_advance(1);
		EQ(rd(a, R_TMCCT), 899);
		wr(a, R_TMICT, 0);		/* stops */
		EQ(fake_armed[1], 0);
		EQ(rd(a, R_TMCCT), 0);
	}
	/* changing the divider rescales the remaining time */
	wr(a, R_TDCR, 0xb);
	t0 = fake_now;
	wr(a, R_TMICT, 4000);
	fake_advance(1000);
	EQ(rd(a, R_TMCCT), 3000);
	wr(a, R_TDCR, 0x0);			/* by 2 */
	EQ(fake_armed[1], fake_now + 6000);
	EQ(rd(a, R_TMCCT), 3000);
	wr(a, R_TMICT, 0);
	/* periodic: every 500 us */
	fake_clear_counts();
	wr(a, R_EOI, 0);
	memset(a->regs + R_IRR + 0x10 * 2, 0, 4);
	setup_timer(a, 0x20000 | 0x41, 0xb);
	t0 = fake_now;
	wr(a, R_TMICT, 500000);
	fake_advance(1600000);
	EQ(fake_fires[1], 3);
	OK(irr(a, 0x41));
	EQ(fake_armed[1], t0 + 2000000);
	EQ(rd(a, R_TMCCT), 400000);
	fake_advance(400000);
	EQ(fake_fires[1], 4);
	/* late: one expiry now, no catching up on the missed ones */
	fake_now += 10000000;
	fake_advance(0);
	EQ(fake_fires[1], 6);
	EQ(fake_armed[1], fake_now + 500000);
	fake_fires[1] = 4;
	/* masked: runs, delivers nothing */
	svx_lapic_ack_irq(a, 0x41);
	wr(a, R_EOI, 0);
	wr(a, R_LVTT, 0x30000 | 0x41);
	fake_advance(500000);
	EQ(fake_fires[1], 5);
	NOT(irr(a, 0x41));
	/* KVM's minimum period: 200 us */
	wr(a, R_LVTT, 0x20000 | 0x42);
	t0 = fake_now;
	wr(a, R_TMICT, 1000);
	EQ(a->timer_period_ns, 200000);
	EQ(fake_armed[1], t0 + 200000);		/* the first one too */
	fake_advance(200000);
	EQ(fake_armed[1], t0 + 400000);
	fake_advance(1000000);
	EQ(fake_fires[1], 5 + 1 + 5);
	/* periodic -> one-shot: the next expiry is the last */
	wr(a, R_LVTT, 0x42);
	fake_advance(1000000);
	EQ(fake_fires[1], 12);
	EQ(fake_armed[1], 0);
	/* software disable masks the LVTT */
	wr(a, R_LVTT, 0x20000 | 0x43);
	wr(a, R_TMICT, 300000);
	wr(a, R_SVR, 0xff);
	EQ(rd(a, R_LVTT), 0x30043);
	fake_advance(300000);
	NOT(irr(a, 0x43));
	/* one-shot -> TSC-deadline stops the timer and clears TMICT */
	wr(a, R_SVR, 0x1ff);
	wr(a, R_LVTT, 0x44);
	wr(a, R_TMICT, 300000);
	OK(fake_armed[1]);
	wr(a, R_LVTT, 0x40000 | 0x44);
	EQ(fake_armed[1], 0);
	EQ(rd(a, R_TMICT), 0);
	wr(a, R_TMICT, 5);			/* ignored in deadline mode */
	EQ(rd(a, R_TMICT), 0);
	EQ(fake_armed[1], 0);
	/* TSC-deadline: 2 GHz guest TSC */
	a->tsc_khz = fake_tsc_khz;
	t0 = fake_now;
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 2000000);
	EQ(svx_lapic_get_tsc_deadline(a), svx_irq_host_guest_tsc(a) + 2000000);
	EQ(fake_armed[1], t0 + 1000000);
	EQ(rd(a, R_TMCCT), 0);
	fake_advance(999999);
	NOT(irr(a, 0x44));
	fake_advance(1);
	OK(irr(a, 0x44));
	EQ(svx_lapic_get_tsc_deadline(a), 0);
	EQ(fake_armed[1], 0);
	/* a deadline in the past fires at once; 0 disarms */
	svx_lapic_ack_irq(a, 0x44);
	wr(a, R_EOI, 0);
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) - 1);
	OK(irr(a, 0x44));
	EQ(svx_lapic_get_tsc_deadline(a), 0);
	svx_lapic_ack_irq(a, 0x44);
	wr(a, R_EOI, 0);
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 1000);
	OK(fake_armed[1]);
	svx_lapic_set_tsc_deadline(a, 0);
	EQ(fake_armed[1], 0);
	fake_advance(1000000);
	NOT(irr(a, 0x44));
	/* a far deadline saturates instead of wrapping; no TSC rate: off */
	a->tsc_khz = 1000;
	svx_lapic_set_tsc_deadline(a, ~0ull);
	EQ(fake_armed[1], ~0ull);
	a->tsc_khz = 0;
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 1000);
	EQ(fake_armed[1], 0);
	a->tsc_khz = fake_tsc_khz;
	/* rewriting the deadline re-arms */
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 4000);
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 8000);
	EQ(fake_armed[1], fake_now + 4000);
	/* deadline -> one-shot stops it; the MSR is then ignored, reads 0 */
	wr(a, R_LVTT, 0x44);
	EQ(fake_armed[1], 0);
	svx_lapic_set_tsc_deadline(a, svx_irq_host_guest_tsc(a) + 8000);
	EQ(svx_lapic_get_tsc_deadline(a), 0);
	EQ(fake_armed[1], 0);
	/* no TSC-deadline in CPUID: mode 2 is not writable */
	svx_lapic_set_cpuid(A(2), false, false, 36);
	setup_timer(A(2), 0x40000 | 0x45, 0xb);
	EQ(rd(A(2), R_LVTT), 0x45);
	wr(A(2), R_TMICT, 1000);
	fake_advance(1000);
	OK(irr(A(2), 0x45));
	/* a stale host timer call does nothing */
	wr(A(2), R_TMICT, 1000000);
	EQ(svx_lapic_timer_fn(A(2), fake_now + 10), fake_now + 1000000);
	wr(A(2), R_TMICT, 0);
	EQ(svx_lapic_timer_fn(A(2), fake_now + 10), 0);
	/* INIT stops the timer */
	wr(A(2), R_TMICT, 1000000);
	svx_lapic_reset(A(2), true);
	EQ(fake_armed[2], 0);
	EQ(rd(A(2), R_TMICT), 0);
}

static void test_state(void)
{
	struct kvm_lapic_state s, s2;
	struct svx_lapic *a, *b;
	u64 v;
	u32 w;

	fake_setup();
	a = A(1);
	b = A(2);
	svx_lapic_set_cpuid(a, true, true, 36);
	svx_lapic_set_cpuid(b, true, true, 36);
	setup_timer(a, 0x20000 | 0x50, 0x1);	/* periodic, divide by 4 */
	wr(a, R_TPR, 0x20);
	wr(a, R_LDR, 0x40000000);
	wr(a, R_LVT1, 0x400);
	fixed(a, 0x61, true);
	fixed(a, 0x62, false);
	svx_lapic_ack_irq(a, 0x62);
	wr(a, R_TMICT, 100000);			/* 400 us */
	fake_advance(100000);
	svx_lapic_get_state(a, &s);
	memcpy(&w, s.regs + R_TMCCT, 4);
	EQ(w, 75000);
	EQ(svx_lapic_set_state(b, &s), 0);
	svx_lapic_get_state(b, &s2);
	EQ(memcmp(s.regs, s2.regs, sizeof(s.regs)), 0);
	EQ(rd(b, R_ID), 0x01000000);	/* the state's ID, not b's vCPU id */
	EQ(rd(b, R_PPR), 0x60);
	OK(tmr(b, 0x61));
	EQ(svx_lapic_pending_irq(b), -1);
	EQ(fake_armed[2], fake_now + 300000);
	fake_advance(300000);
	OK(irr(b, 0x50));
	EQ(fake_armed[2], fake_now + 400000);
	/* set_state recomputes LVR and PPR */
	s.regs[R_LVR] = 0x99;
	s.regs[R_PPR] = 0x99;
	EQ(svx_lapic_set_state(b, &s), 0);
	EQ(rd(b, R_LVR), 0x50014);
	EQ(rd(b, R_PPR), 0x60);
	/* a TMCCT above TMICT restarts with the full period */
	w = 200000;
	memcpy(s.regs + R_TMCCT, &w, 4);
	EQ(svx_lapic_set_state(b, &s), 0);
	EQ(fake_armed[2], fake_now + 400000);
	/* one-shot with TMCCT 0: fires at once (KVM 6.1) */
	w = 0x50;
	memcpy(s.regs + R_LVTT, &w, 4);
	w = 0;
	memcpy(s.regs + R_TMCCT, &w, 4);
	EQ(svx_lapic_set_state(b, &s), 0);
	EQ(fake_armed[2], fake_now);
	/* x2APIC: ID in bits 31:24, ICR split, LDR from the ID */
	EQ(svx_lapic_set_base(a, a->base | BASE_X2, false), 0);
	EQ(msr_wr(a, R_ICR, (2ull << 32) | 0x63), 0);
	svx_lapic_get_state(a, &s);
	memcpy(&w, s.regs + R_ID, 4);
	EQ(w, 0x01000000);
	memcpy(&w, s.regs + R_ICR, 4);
	EQ(w, 0x63);
	memcpy(&w, s.regs + R_ICR2, 4);
	EQ(w, 2);
	EQ(svx_lapic_set_base(b, b->base | BASE_X2, false), 0);
	w = 0x05000000;
	memcpy(s.regs + R_ID, &w, 4);
	w = 0x12345678;
	memcpy(s.regs + R_LDR, &w, 4);
	w = 3;
	memcpy(s.regs + R_ICR2, &w, 4);
	EQ(svx_lapic_set_state(b, &s), 0);
	EQ(msr_rd(b, R_ID, &v), 0);
	EQ(v, 5);
	EQ(msr_rd(b, R_LDR, &v), 0);
	EQ(v, 0x20);
	EQ(msr_rd(b, R_ICR, &v), 0);
	EQ(v, (3ull << 32) | 0x63);
	svx_lapic_get_state(b, &s2);
	memcpy(&w, s2.regs + R_ID, 4);
	EQ(w, 0x05000000);
	/* a set_state with an IRR above the PPR kicks the vCPU */
	fake_clear_counts();
	svx_lapic_get_state(A(3), &s);
	s.regs[R_SVR + 1] |= 1;
	s.regs[R_IRR + 0x10 * 3] |= 1;	/* vector 0x60 */
	EQ(svx_lapic_set_state(A(3), &s), 0);
	EQ(svx_lapic_pending_irq(A(3)), 0x60);
	EQ(fake_kicks[3], 1);
}

/*
 * CMCI (KVM's LVT_CMCI, kvm_apic_after_set_mcg_cap(), kvm_apic_local_deliver
 * (APIC_LVTCMCI)): with MCG_CMCI_P the version register has 7 LVT entries
 * and LVTCMCI at 0x2f0 is there, masked when it appears; without, 6 and
 * 0x2f0 is reserved.
 */
static void test_cmci(void)
{
	struct kvm_lapic_state s;
	struct svx_lapic *a;
	u32 w;
	u64 v;

	fake_setup();
	a = A(1);
	EQ(rd(a, R_LVR), 0x50014);
	wr(a, R_SVR, 0x1ff);
	wr(a, R_CMCI, 0x40);			/* not there: dropped */
	EQ(rd(a, R_CMCI), 0);
	EQ(svx_lapic_deliver_cmci(a), 0);
	svx_lapic_set_cmci(a, true);
	EQ(rd(a, R_LVR), 0x60014);
	EQ(rd(a, R_CMCI), 0x10000);		/* a new entry: masked */
	EQ(svx_lapic_deliver_cmci(a), 0);	/* masked: not delivered */
	EQ(nbits(a, R_IRR), 0);
	/* writable: vector, delivery mode, mask; not trigger, polarity */
	wr(a, R_CMCI, 0xffffffff);
	EQ(rd(a, R_CMCI), 0x117ff);
	wr(a, R_CMCI, 0xa9);			/* fixed, vector 0xa9 */
	EQ(rd(a, R_CMCI), 0xa9);
	fake_clear_counts();
	EQ(svx_lapic_deliver_cmci(a), 1);
	OK(irr(a, 0xa9));
	NOT(tmr(a, 0xa9));
	EQ(fake_kicks[1], 1);
	NOT(irr(A(0), 0xa9));
	EQ(svx_lapic_pending_irq(a), 0xa9);
	svx_lapic_ack_irq(a, 0xa9);
	OK(isr(a, 0xa9));
	wr(a, R_EOI, 0);
	NOT(isr(a, 0xa9));
	/* NMI delivery mode */
	wr(a, R_CMCI, 0x400);
	EQ(svx_lapic_deliver_cmci(a), 1);
	EQ(a->nmi_pending, 1);
	a->nmi_pending = 0;
	/* software-disabled APIC: SVR masks it, writes keep the mask */
	wr(a, R_CMCI, 0xb0);
	wr(a, R_SVR, 0xff);
	EQ(rd(a, R_CMCI), 0x100b0);
	wr(a, R_CMCI, 0xb1);
	EQ(rd(a, R_CMCI), 0x100b1);
	EQ(svx_lapic_deliver_cmci(a), 0);
	wr(a, R_SVR, 0x1ff);
	/* hardware-disabled APIC: nothing */
	wr(a, R_CMCI, 0xb2);
	EQ(svx_lapic_set_base(a, 0, true), 0);
	EQ(svx_lapic_deliver_cmci(a), 0);
	EQ(nbits(a, R_IRR), 0);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN, true), 0);
	/* INIT and reset mask it */
	wr(a, R_SVR, 0x1ff);
	wr(a, R_CMCI, 0xb3);
	svx_lapic_reset(a, true);
	EQ(rd(a, R_CMCI), 0x10000);
	EQ(rd(a, R_LVR), 0x60014);
	/* KVM_GET/SET_LAPIC: carried as is; the version follows the vCPU */
	wr(a, R_SVR, 0x1ff);
	wr(a, R_CMCI, 0xb4);
	svx_lapic_get_state(a, &s);
	memcpy(&w, s.regs + R_CMCI, 4);
	EQ(w, 0xb4);
	w = 0x1c5;
	memcpy(s.regs + R_CMCI, &w, 4);
	w = 0x50014;
	memcpy(s.regs + R_LVR, &w, 4);
	EQ(svx_lapic_set_state(a, &s), 0);
	EQ(rd(a, R_CMCI), 0x1c5);
	EQ(rd(a, R_LVR), 0x60014);
	EQ(svx_lapic_set_state(A(2), &s), 0);	/* no CMCI there */
	EQ(rd(A(2), R_LVR), 0x50014);
	EQ(rd(A(2), R_CMCI), 0);
	/* x2APIC: MSR 0x82f */
	svx_lapic_set_cpuid(a, true, true, 36);
	EQ(svx_lapic_set_base(a, APIC_PAGE | BASE_EN | BASE_X2, true), 0);
	EQ(msr_wr(a, R_CMCI, 0xc6), 0);
	EQ(msr_rd(a, R_CMCI, &v), 0);
	EQ(v, 0xc6);
	EQ(msr_rd(a, R_LVR, &v), 0);
	EQ(v, 0x60014);
	EQ(svx_lapic_deliver_cmci(a), 1);
	OK(irr(a, 0xc6));
	/* MCG_CMCI_P withdrawn: 6 entries again, the register unreachable */
	svx_lapic_set_cmci(a, false);
	EQ(msr_rd(a, R_LVR, &v), 0);
	EQ(v, 0x50014);
	EQ(msr_rd(a, R_CMCI, &v), -1);
	EQ(msr_wr(a, R_CMCI, 0), -1);
	/* and back: the entry masked again */
	svx_lapic_set_cmci(a, true);
	EQ(msr_rd(a, R_CMCI, &v), 0);
	EQ(v, 0x10000);
}

/*
 * Hyper-V SynIC's hooks (KVM's kvm_get_apic_interrupt() and apic_set_eoi()
 * with a SynIC): an auto-EOI vector is taken without going in service and
 * needs no EOI; an EOI of a SynIC vector reaches the host, of another
 * vector not; the IOAPIC hears every EOI as before.
 */
static void test_synic(void)
{
	struct svx_lapic *a;

	fake_setup();
	sw_enable_all();
	a = A(1);
	a->synic_vec[0x50 / 32] |= 1u << (0x50 % 32);
	a->synic_vec[0x60 / 32] |= 1u << (0x60 % 32);
	a->synic_auto_eoi[0x60 / 32] |= 1u << (0x60 % 32);
	/* auto-EOI: IRR to nothing, the PPR stays, the next one is visible */
	EQ(fixed(a, 0x60, false), 1);
	EQ(fixed(a, 0x41, false), 1);
	EQ(svx_lapic_pending_irq(a), 0x60);
	svx_lapic_ack_irq(a, 0x60);
	NOT(irr(a, 0x60));
	NOT(isr(a, 0x60));
	EQ(svx_lapic_pending_irq(a), 0x41);
	svx_lapic_ack_irq(a, 0x41);
	OK(isr(a, 0x41));
	/* an EOI of a vector that is no SynIC's: not the host's */
	wr(a, R_EOI, 0);
	EQ(fake_nsynic_eoi, 0);
	EQ(fake_nall_eoi, 1);
	/* a SynIC vector without auto-EOI: in service until its EOI */
	EQ(fixed(a, 0x50, false), 1);
	svx_lapic_ack_irq(a, 0x50);
	OK(isr(a, 0x50));
	wr(a, R_EOI, 0);
	NOT(isr(a, 0x50));
	EQ(fake_nsynic_eoi, 1);
	EQ(fake_synic_eoi[0], 1 << 8 | 0x50);
	EQ(fake_nall_eoi, 2);
	/* another APIC's SynIC bitmaps are its own */
	EQ(fixed(A(2), 0x60, false), 1);
	svx_lapic_ack_irq(A(2), 0x60);
	OK(isr(A(2), 0x60));
	wr(A(2), R_EOI, 0);
	EQ(fake_nsynic_eoi, 1);
}

int main(void)
{
	test_reset();
	test_regs();
	test_priority();
	test_eoi();
	test_ipi();
	test_init_sipi();
	test_x2apic();
	test_base();
	test_timer();
	test_state();
	test_cmci();
	test_synic();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
