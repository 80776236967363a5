// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of irqchip/i8259.c, ioapic.c and irq_route.c against the fake
 * local APICs of fake_lapic.c.  Each test gets a fresh chip with 4 local
 * APICs and KVM's default routing; prints "ok N - name" or "not ok N -
 * name" with the failed checks as "#" lines.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "fake_lapic.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int cur_fail;
static const char *tag = "";

#define CHECK(c) do {							\
	if (!(c)) {							\
		cur_fail++;						\
		printf("#   %s:%d: %s\n", __FILE__, __LINE__, #c);	\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		cur_fail++;						\
		printf("#   %s:%d: %s == %s: 0x%llx != 0x%llx\n",	\
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
	}								\
} while (0)

#define PIC	(&fk->chip.pic)
#define M	(fk->chip.pic.pics[0])
#define S	(fk->chip.pic.pics[1])
#define IO	(&fk->chip.ioapic)

static void outb(u16 port, u8 v)
{
	CHECK_EQ(svx_pic_pio(PIC, port, true, &v), 0);
}

static u8 inb(u16 port)
{
	u8 v = 0xcc;

	CHECK_EQ(svx_pic_pio(PIC, port, false, &v), 0);
	return v;
}

/* arch/x86/kernel/i8259.c: init_8259A() */
static void linux_init_8259a(int auto_eoi)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x20, 0x11);		/* ICW1 */
	outb(0x21, 0x30);		/* ICW2: ISA_IRQ_VECTOR(0) */
	outb(0x21, 1 << 2);		/* ICW3: slave on IR2 */
	outb(0x21, auto_eoi ? 0x03 : 0x01);	/* ICW4 */
	outb(0xa0, 0x11);
	outb(0xa1, 0x38);
	outb(0xa1, 2);
	outb(0xa1, 0x01);
	outb(0x21, 0x00);		/* restore the masks: all open */
	outb(0xa1, 0x00);
}

/* SeaBIOS src/hw/pic.c: pic_setup() */
static void seabios_pic_setup(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x08);
	outb(0xa1, 0x70);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xfb);
	outb(0xa1, 0xff);
}

/* Linux's mask_and_ack_8259A() EOIs */
static void linux_eoi(int irq)
{
	if (irq & 8) {
		outb(0xa0, 0x60 + (irq & 7));
		outb(0x20, 0x60 + 2);
	} else {
		outb(0x20, 0x60 + irq);
	}
}

/* ---------------------------------------------------------------- PIC */

static void t_pic_seabios_init(void)
{
	seabios_pic_setup();
	CHECK_EQ(M.irq_base, 0x08);
	CHECK_EQ(S.irq_base, 0x70);
	CHECK_EQ(M.init_state, 0);
	CHECK_EQ(S.init_state, 0);
	CHECK_EQ(M.init4, 1);
	CHECK_EQ(inb(0x21), 0xfb);
	CHECK_EQ(inb(0xa1), 0xff);
	CHECK_EQ(M.auto_eoi, 0);
	/* IRQ0 masked: no output; IRQ 2 cascade open, slave all masked */
	CHECK_EQ(svx_pic_set_irq(PIC, 0, 1), -1);
	CHECK(!PIC->output);
	CHECK_EQ(svx_pic_set_irq(PIC, 8, 1), -1);
	CHECK(!PIC->output);
	/* unmask IRQ0 as SeaBIOS's timer setup does: the latched edge fires */
	outb(0x21, 0xfa);
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x08);
}

static void t_pic_linux_timer(void)
{
	linux_init_8259a(0);
	CHECK_EQ(M.irq_base, 0x30);
	CHECK_EQ(S.irq_base, 0x38);
	fake_clear_log();
	CHECK_EQ(svx_pic_set_irq(PIC, 0, 1), 1);
	CHECK(PIC->output);
	CHECK_EQ(fk->kicks[0], 1);	/* the vCPU taking PIC interrupts */
	CHECK_EQ(fake_total_kicks(), 1);
	/* the output stays high: no second kick */
	svx_pic_set_irq(PIC, 3, 1);
	CHECK_EQ(fake_total_kicks(), 1);
	CHECK(svx_irqchip_has_extint(&fk->chip, 0));
	CHECK(!svx_irqchip_has_extint(&fk->chip, 1));
	CHECK_EQ(svx_pic_read_irq(PIC), 0x30);
	CHECK(!PIC->output);
	CHECK(!svx_irqchip_has_extint(&fk->chip, 0));
	CHECK_EQ(M.isr, 0x01);
	CHECK_EQ(M.irr, 0x08);
	/* OCW3 read ISR / IRR */
	outb(0x20, 0x0b);
	CHECK_EQ(inb(0x20), 0x01);
	CHECK_EQ(inb(0x20), 0x01);	/* the selection sticks */
	outb(0x20, 0x0a);
	CHECK_EQ(inb(0x20), 0x08);
	svx_pic_set_irq(PIC, 3, 0);
	svx_pic_set_irq(PIC, 0, 0);
	linux_eoi(0);
	CHECK_EQ(M.isr, 0);
	CHECK_EQ(fake_total_kicks(), 2);	/* IRQ 3 raises it again */
	CHECK_EQ(svx_pic_read_irq(PIC), 0x33);
	linux_eoi(3);
	CHECK_EQ(M.isr, 0);
	/* a held-high edge line does not retrigger; a new rise does */
	CHECK_EQ(svx_pic_set_irq(PIC, 0, 1), 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x30);
	linux_eoi(0);
	CHECK_EQ(svx_pic_set_irq(PIC, 0, 1), 1);
	CHECK(!PIC->output);
	CHECK_EQ(M.irr, 0);
	svx_pic_set_irq(PIC, 0, 0);
	svx_pic_set_irq(PIC, 0, 1);
	CHECK(PIC->output);
	/* a second rise before INTA is coalesced */
	svx_pic_set_irq(PIC, 0, 0);
	CHECK_EQ(svx_pic_set_irq(PIC, 0, 1), 0);
}

static void t_pic_priority(void)
{
	linux_init_8259a(0);
	svx_pic_set_irq(PIC, 3, 1);
	svx_pic_set_irq(PIC, 1, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x31);
	/* IRQ 3 is lower than the in-service IRQ 1 */
	CHECK(!PIC->output);
	/* IRQ 0 nests above IRQ 1 */
	svx_pic_set_irq(PIC, 0, 1);
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x30);
	CHECK_EQ(M.isr, 0x03);
	/* non-specific EOI: the highest in service (0) */
	outb(0x20, 0x20);
	CHECK_EQ(M.isr, 0x02);
	CHECK(!PIC->output);
	outb(0x20, 0x20);
	CHECK_EQ(M.isr, 0x00);
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x33);
	/* specific EOI of another level leaves IR3 in service */
	outb(0x20, 0x65);
	CHECK_EQ(M.isr, 0x08);
	outb(0x20, 0x63);
	CHECK_EQ(M.isr, 0x00);
	/* a slave IRQ (8 = IR2 of the master) wins over IRQ 4, loses to 1 */
	svx_pic_set_irq(PIC, 4, 1);
	svx_pic_set_irq(PIC, 9, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x39);
	CHECK_EQ(M.isr, 0x04);
	CHECK_EQ(S.isr, 0x02);
	linux_eoi(9);
	CHECK_EQ(M.isr, 0);
	CHECK_EQ(S.isr, 0);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x34);
}

static void t_pic_mask(void)
{
	linux_init_8259a(0);
	outb(0x21, 0x10);		/* mask IRQ 4 */
	CHECK_EQ(svx_pic_set_irq(PIC, 4, 1), -1);
	CHECK(!PIC->output);
	CHECK_EQ(M.irr, 0x10);		/* latched */
	CHECK_EQ(inb(0x21), 0x10);
	/* spurious: INTA with nothing unmasked */
	CHECK_EQ(svx_pic_read_irq(PIC), 0x37);
	CHECK_EQ(M.isr, 0);
	outb(0x21, 0x00);
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x34);
	/* slave masked entirely via the master's IR2 */
	outb(0x21, 0x04);
	CHECK_EQ(svx_pic_set_irq(PIC, 14, 1), 1);
	CHECK(!PIC->output);
	CHECK_EQ(M.irr & 4, 4);		/* the cascade edge is latched */
	outb(0x21, 0x00);
	/* IR2 outranks the in-service IR4 */
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x3e);
	CHECK_EQ(M.isr, 0x14);
	CHECK_EQ(S.isr, 0x40);
}

static void t_pic_spurious_slave(void)
{
	linux_init_8259a(0);
	svx_pic_set_irq(PIC, 12, 1);
	CHECK(PIC->output);
	CHECK_EQ(M.irr & 4, 4);
	/* the slave's request goes away before INTA (masked) */
	outb(0xa1, 0x10);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x3f);
	CHECK_EQ(S.isr, 0);
	CHECK_EQ(M.isr, 0x04);
}

static void t_pic_level_elcr(void)
{
	linux_init_8259a(0);
	/* elcr_mask: IRQ 0, 1, 2, 8, 13 are edge only */
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	CHECK_EQ(inb(0x4d0), 0xf8);
	CHECK_EQ(inb(0x4d1), 0xde);
	outb(0x4d0, 0x00);
	outb(0x4d1, 0x04);		/* IRQ 10 level */
	CHECK_EQ(inb(0x4d1), 0x04);
	CHECK_EQ(svx_pic_set_irq(PIC, 10, 1), 1);
	CHECK_EQ(svx_pic_set_irq(PIC, 10, 1), 0);	/* still pending */
	CHECK_EQ(svx_pic_read_irq(PIC), 0x3a);
	CHECK_EQ(S.irr & 4, 4);		/* level: stays in IRR */
	CHECK_EQ(S.isr, 4);
	linux_eoi(10);
	CHECK(PIC->output);		/* still asserted: again */
	CHECK_EQ(svx_pic_read_irq(PIC), 0x3a);
	svx_pic_set_irq(PIC, 10, 0);
	CHECK_EQ(S.irr & 4, 0);
	linux_eoi(10);
	CHECK(!PIC->output);
	/* ICW1 keeps level requests, drops edge ones */
	svx_pic_set_irq(PIC, 10, 1);
	svx_pic_set_irq(PIC, 11, 1);
	CHECK_EQ(S.irr, 0x0c);
	outb(0xa0, 0x11);
	CHECK_EQ(S.irr, 0x04);
	CHECK_EQ(S.init_state, 1);
	CHECK_EQ(svx_pic_pio(PIC, 0x4d2, false, &(u8){0}), -1);
	CHECK_EQ(svx_pic_pio(PIC, 0x22, true, &(u8){0}), -1);
}

static void t_pic_auto_eoi_rotate(void)
{
	linux_init_8259a(1);
	CHECK_EQ(M.auto_eoi, 1);
	svx_pic_set_irq(PIC, 3, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x33);
	CHECK_EQ(M.isr, 0);		/* auto-EOI */
	CHECK_EQ(M.priority_add, 0);
	outb(0x20, 0x80);		/* rotate in auto-EOI: set */
	CHECK_EQ(M.rotate_on_auto_eoi, 1);
	svx_pic_set_irq(PIC, 3, 0);
	svx_pic_set_irq(PIC, 3, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x33);
	CHECK_EQ(M.priority_add, 4);	/* IRQ 4 is now the highest */
	svx_pic_set_irq(PIC, 1, 1);
	svx_pic_set_irq(PIC, 5, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x35);
	outb(0x20, 0x00);		/* rotate in auto-EOI: clear */
	CHECK_EQ(M.rotate_on_auto_eoi, 0);
}

static void t_pic_rotate_set_priority(void)
{
	linux_init_8259a(0);
	outb(0x20, 0xc4);		/* set priority: IRQ 4 lowest */
	CHECK_EQ(M.priority_add, 5);
	svx_pic_set_irq(PIC, 4, 1);
	svx_pic_set_irq(PIC, 6, 1);
	svx_pic_set_irq(PIC, 0, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x36);
	/* rotate on non-specific EOI: IRQ 6 becomes lowest */
	outb(0x20, 0xa0);
	CHECK_EQ(M.priority_add, 7);
	CHECK_EQ(M.isr, 0);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x30);
	/* rotate on specific EOI */
	outb(0x20, 0xe0);
	CHECK_EQ(M.priority_add, 1);
	CHECK_EQ(M.isr, 0);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x34);
	outb(0x20, 0x40);		/* OCW2 no-op */
	CHECK_EQ(M.isr, 0x10);
}

static void t_pic_poll(void)
{
	linux_init_8259a(0);
	outb(0x21, 0xff);		/* polling works on the IRR, unmasked */
	outb(0x20, 0x0c);
	CHECK_EQ(inb(0x20), 7);		/* nothing: 7 */
	CHECK_EQ(M.poll, 0);
	outb(0x21, 0x00);
	svx_pic_set_irq(PIC, 5, 1);
	svx_pic_set_irq(PIC, 6, 1);
	outb(0x20, 0x0c);
	CHECK_EQ(M.poll, 1);
	CHECK_EQ(inb(0x20), 5);
	CHECK_EQ(M.irr, 0x40);
	CHECK_EQ(M.isr, 0);
	/* a normal read after the poll read */
	CHECK_EQ(inb(0x20), 0x40);
	/* poll the slave: clears the master's IR2 too */
	svx_pic_set_irq(PIC, 6, 0);
	svx_pic_read_irq(PIC);
	outb(0x20, 0x20);
	svx_pic_set_irq(PIC, 11, 1);
	CHECK_EQ(M.irr & 4, 4);
	outb(0xa0, 0x0c);
	CHECK_EQ(inb(0xa0), 3);
	CHECK_EQ(M.irr & 4, 0);
	CHECK_EQ(S.irr, 0);
	CHECK(!PIC->output);
}

static void t_pic_special(void)
{
	linux_init_8259a(0);
	outb(0x20, 0x68);
	CHECK_EQ(M.special_mask, 1);
	outb(0x20, 0x48);
	CHECK_EQ(M.special_mask, 0);
	/* special fully nested mode on the master (ICW4 0x11) */
	outb(0x20, 0x11);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0x11);
	CHECK_EQ(M.special_fully_nested_mode, 1);
	CHECK_EQ(M.init_state, 0);
	outb(0x21, 0x00);
	svx_pic_set_irq(PIC, 12, 1);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x3c);
	/* a higher slave IRQ nests although IR2 is in service */
	svx_pic_set_irq(PIC, 9, 1);
	CHECK(PIC->output);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x39);
	/* without ICW4 (ICW1 bit 0 clear): no SFNM, no auto-EOI after ICW3 */
	outb(0x20, 0x10);
	CHECK_EQ(M.init4, 0);
	CHECK_EQ(M.special_fully_nested_mode, 0);
	outb(0x21, 0x57);		/* ICW2: bits 2:0 ignored */
	outb(0x21, 0x04);
	CHECK_EQ(M.init_state, 0);
	CHECK_EQ(M.irq_base, 0x50);
}

/* ICW1 drops edge requests and (a vCPU taking PIC interrupts) their ISR */
static void t_pic_icw1_isr(void)
{
	int accept;

	for (accept = 0; accept < 2; accept++) {
		fk->accepts_pic[0] = accept;
		linux_init_8259a(0);
		svx_pic_set_irq(PIC, 3, 1);
		CHECK_EQ(svx_pic_read_irq(PIC), 0x33);
		svx_pic_set_irq(PIC, 3, 0);
		svx_pic_set_irq(PIC, 3, 1);	/* again while in service */
		svx_pic_set_irq(PIC, 3, 0);
		CHECK_EQ(M.isr, 0x08);
		CHECK_EQ(M.irr, 0x08);
		outb(0x20, 0x11);
		CHECK_EQ(M.irr, 0);
		CHECK_EQ(M.isr, accept ? 0 : 0x08);
		outb(0x20, 0x63);	/* ICW1 keeps the ISR: EOI it */
	}
}

static void t_pic_state(void)
{
	struct kvm_pic_state s, g;

	linux_init_8259a(0);
	svx_pic_get(PIC, 0, &s);
	CHECK_EQ(s.irq_base, 0x30);
	CHECK_EQ(s.elcr_mask, 0xf8);
	svx_pic_get(PIC, 1, &g);
	CHECK_EQ(g.elcr_mask, 0xde);
	/* restoring a pending request raises the output and kicks */
	fake_clear_log();
	s.irr = 0x20;
	s.imr = 0x00;
	svx_pic_set(PIC, 0, &s);
	CHECK(PIC->output);
	CHECK_EQ(fk->kicks[0], 1);
	svx_pic_get(PIC, 0, &g);
	CHECK(!memcmp(&s, &g, sizeof(s)));
	CHECK_EQ(svx_pic_read_irq(PIC), 0x35);
	/* nobody accepts PIC interrupts: no kick */
	fk->accepts_pic[0] = false;
	fake_clear_log();
	svx_pic_set_irq(PIC, 7, 1);
	CHECK(!PIC->output);	/* IRQ 5 in service */
	outb(0x20, 0x20);
	CHECK(PIC->output);
	CHECK_EQ(fake_total_kicks(), 0);
	CHECK(!svx_irqchip_has_extint(&fk->chip, 0));
}

/* ------------------------------------------------------------- IOAPIC */

static u32 mmio_read(u64 off, unsigned int len)
{
	u32 v = 0;

	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE + off, false,
				 &v, len), 0);
	return v;
}

static void mmio_write(u64 off, u32 v)
{
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE + off, true,
				 &v, 4), 0);
}

static u32 io_read(u32 reg)
{
	mmio_write(0x00, reg);
	return mmio_read(0x10, 4);
}

static void io_write(u32 reg, u32 v)
{
	mmio_write(0x00, reg);
	mmio_write(0x10, v);
}

/* Linux's __ioapic_write_entry(): high dword first */
static void linux_write_entry(int pin, u64 e)
{
	io_write(0x11 + 2 * pin, e >> 32);
	io_write(0x10 + 2 * pin, (u32)e);
}

/* Linux's __eoi_ioapic_pin() on a version 0x11 IOAPIC */
static void linux_eoi_pin(int pin)
{
	u32 lo = io_read(0x10 + 2 * pin);

	io_write(0x10 + 2 * pin, (lo | 0x10000) & ~0x8000);
	io_write(0x10 + 2 * pin, lo);
}

#define RTE_LEVEL	0x8000
#define RTE_MASK	0x10000
#define RTE_REMOTE_IRR	0x4000
#define RTE_LOGICAL	0x800

static void t_ioapic_regs(void)
{
	u64 v = 0;

	CHECK_EQ(io_read(0x01), 0x00170011);
	CHECK_EQ(io_read(0x00), 0);
	io_write(0x00, 0x0f000000);
	CHECK_EQ(io_read(0x00), 0x0f000000);
	CHECK_EQ(io_read(0x02), 0x0f000000);
	io_write(0x00, 0xf5ffffff);	/* only bits 27:24 */
	CHECK_EQ(io_read(0x00), 0x05000000);
	io_write(0x01, 0);		/* read-only */
	io_write(0x02, 0);
	CHECK_EQ(io_read(0x01), 0x00170011);
	CHECK_EQ(io_read(0x02), 0x05000000);
	CHECK_EQ(io_read(0x03), 0xffffffff);	/* no such register */
	CHECK_EQ(io_read(0x10 + 48), 0xffffffff);
	mmio_write(0x00, 0x1ff);
	CHECK_EQ(mmio_read(0x00, 4), 0xff);
	/* reset: every pin masked */
	CHECK_EQ(io_read(0x10), RTE_MASK);
	CHECK_EQ(io_read(0x10 + 2 * 23), RTE_MASK);
	/* remote IRR and delivery status are read-only */
	io_write(0x10, 0x1000 | RTE_REMOTE_IRR | RTE_MASK | RTE_LEVEL | 0x41);
	CHECK_EQ(io_read(0x10), RTE_MASK | RTE_LEVEL | 0x41);
	io_write(0x11, 0xff000000);
	CHECK_EQ(io_read(0x11), 0xff000000);
	/* the EOI register of version 0x20 does not exist; 0x40 reads 0 */
	mmio_write(0x00, 0x10);
	CHECK_EQ(mmio_read(0x40, 4), 0);
	CHECK_EQ(mmio_read(0x20, 4), 0);
	/* 8-byte read: the 32-bit value, zero-extended */
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE + 0x10, false,
				 &v, 8), 0);
	CHECK_EQ(v, RTE_MASK | RTE_LEVEL | 0x41);
	/* outside the window: not ours */
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE + 0x100, false,
				 &v, 4), -1);
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE - 4, false,
				 &v, 4), -1);
}

static void t_ioapic_edge(void)
{
	struct fake_delivery *d = &fk->log[0];

	linux_write_entry(4, (1ULL << 56) | 0x34);	/* APIC 1, fixed */
	fake_clear_log();
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), 1);
	CHECK_EQ(fk->nlog, 1);
	CHECK_EQ(d->idx, 1);
	CHECK_EQ(d->m.vector, 0x34);
	CHECK_EQ(d->m.delivery_mode, SVX_DM_FIXED);
	CHECK(!d->m.level);
	CHECK(d->m.assert);
	CHECK(!d->m.dest_logical);
	CHECK_EQ(fk->kicks[1], 1);
	/* held high: coalesced */
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), 0);
	CHECK_EQ(fk->nlog, 1);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 0), 1);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), 1);
	CHECK_EQ(fk->nlog, 2);
	/* an undelivered (masked) new rise is in KVM_GET_IRQCHIP's irr */
	{
		struct kvm_ioapic_state st;

		svx_ioapic_get(IO, &st);
		CHECK_EQ(st.irr, 0);
		svx_ioapic_set_irq(&fk->chip, 4, 0);
		io_write(0x18, RTE_MASK | 0x34);
		svx_ioapic_set_irq(&fk->chip, 4, 1);
		svx_ioapic_get(IO, &st);
		CHECK_EQ(st.irr, 1U << 4);
		io_write(0x18, 0x34);
	}
	/* remote IRR is never set for edge pins */
	CHECK_EQ(io_read(0x18) & RTE_REMOTE_IRR, 0);
	/* masked edge: lost when unmasked, as KVM */
	svx_ioapic_set_irq(&fk->chip, 4, 0);
	io_write(0x18, RTE_MASK | 0x34);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), -1);
	io_write(0x18, 0x34);
	CHECK_EQ(fk->nlog, 2);
	/*
	 * no APIC with ID 9: 0, as KVM's kvm_irq_delivery_to_apic_fast()
	 * answers with an APIC map (IDs 0-255), not -1
	 */
	io_write(0x19, 9U << 24);
	svx_ioapic_set_irq(&fk->chip, 4, 0);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), 0);
	/* physical broadcast */
	io_write(0x19, 0xffU << 24);
	svx_ioapic_set_irq(&fk->chip, 4, 0);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 4, 1), 4);
	CHECK_EQ(fk->nlog, 6);
}

static void t_ioapic_level(void)
{
	struct fake_delivery *d = &fk->log[0];

	linux_write_entry(9, (0ULL << 56) | RTE_LEVEL | 0x49);
	fake_clear_log();
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 9, 1), 1);
	CHECK_EQ(fk->nlog, 1);
	CHECK(d->m.level);
	CHECK_EQ(d->idx, 0);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, RTE_REMOTE_IRR);
	/* remote IRR set: no new delivery */
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 9, 1), -1);
	CHECK_EQ(fk->nlog, 1);
	/* EOI with the line still high: delivered again */
	svx_ioapic_eoi(&fk->chip, 0x49, true);
	CHECK_EQ(fk->nlog, 2);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, RTE_REMOTE_IRR);
	/* an EOI of another vector changes nothing */
	svx_ioapic_eoi(&fk->chip, 0x48, true);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, RTE_REMOTE_IRR);
	/* line low, then EOI: remote IRR clear, nothing delivered */
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 9, 0), 1);
	svx_ioapic_eoi(&fk->chip, 0x49, true);
	CHECK_EQ(fk->nlog, 2);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, 0);
	/* Linux's EOI by an edge rewrite clears remote IRR too */
	svx_ioapic_set_irq(&fk->chip, 9, 1);
	CHECK_EQ(fk->nlog, 3);
	svx_ioapic_set_irq(&fk->chip, 9, 0);
	linux_eoi_pin(9);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, 0);
	CHECK_EQ(io_read(0x10 + 18), RTE_LEVEL | 0x49);
	CHECK_EQ(fk->nlog, 3);
	/* masked level pin: delivered when unmasked with the line high */
	io_write(0x10 + 18, RTE_MASK | RTE_LEVEL | 0x49);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 9, 1), -1);
	CHECK_EQ(fk->nlog, 3);
	svx_ioapic_eoi(&fk->chip, 0x49, true);	/* masked: no re-delivery */
	CHECK_EQ(fk->nlog, 3);
	io_write(0x10 + 18, RTE_LEVEL | 0x49);
	CHECK_EQ(fk->nlog, 4);
	/* a disabled (SPIV) APIC does not accept: 0, remote IRR stays 0 */
	svx_ioapic_set_irq(&fk->chip, 9, 0);
	svx_ioapic_eoi(&fk->chip, 0x49, true);
	fake_set_sw_enabled(0, false);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 9, 1), 0);
	CHECK_EQ(io_read(0x10 + 18) & RTE_REMOTE_IRR, 0);
}

static void t_ioapic_logical_lowest(void)
{
	int v;

	/* logical flat, APICs 1, 2, 3 (LDR bits), lowest priority */
	for (v = 0x40; v < 0x43; v++) {
		io_write(0x10 + 2 * 5, RTE_MASK);
		io_write(0x11 + 2 * 5, 0x0eU << 24);
		io_write(0x10 + 2 * 5, RTE_LOGICAL | 0x100 | v);
		fake_clear_log();
		svx_ioapic_set_irq(&fk->chip, 5, 0);
		CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 5, 1), 1);
		CHECK_EQ(fk->nlog, 1);
		/* KVM's vector hashing: the (vector % 3)-th of 1, 2, 3 */
		CHECK_EQ(fk->log[0].idx, 1 + v % 3);
		CHECK_EQ(fk->log[0].m.delivery_mode, SVX_DM_LOWEST);
		CHECK(fk->log[0].m.dest_logical);
		CHECK_EQ(fake_total_kicks(), 1);
	}
	/* a software-disabled APIC is no candidate */
	fake_set_sw_enabled(1, false);
	io_write(0x10 + 2 * 5, RTE_LOGICAL | 0x100 | 0x42);
	fake_clear_log();
	svx_ioapic_set_irq(&fk->chip, 5, 0);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 5, 1), 1);
	CHECK_EQ(fk->log[0].idx, 2);	/* 0x42 % 2 = 0: the first of 2, 3 */
	/* fixed logical to 1, 2, 3: 2 and 3 accept, 1 is matched, refuses */
	io_write(0x10 + 2 * 5, RTE_LOGICAL | 0x42);
	fake_clear_log();
	svx_ioapic_set_irq(&fk->chip, 5, 0);
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 5, 1), 2);
	/* NMI passes the delivery mode through */
	io_write(0x11 + 2 * 6, 0x01U << 24);
	io_write(0x10 + 2 * 6, RTE_LOGICAL | 0x400);
	fake_clear_log();
	CHECK_EQ(svx_ioapic_set_irq(&fk->chip, 6, 1), 1);
	CHECK_EQ(fk->log[0].m.delivery_mode, SVX_DM_NMI);
	CHECK_EQ(fk->log[0].idx, 0);
}

static void t_ioapic_state(void)
{
	struct kvm_ioapic_state s, g;

	linux_write_entry(2, 0x22);			/* edge */
	linux_write_entry(3, RTE_LEVEL | RTE_MASK | 0x23);
	svx_ioapic_set_irq(&fk->chip, 2, 1);
	svx_ioapic_set_irq(&fk->chip, 3, 1);
	svx_ioapic_get(IO, &s);
	/* the delivered edge pin is left out, the masked level one is in */
	CHECK_EQ(s.irr, 1U << 3);
	CHECK_EQ(s.base_address, SVX_IOAPIC_BASE);
	CHECK_EQ(s.redirtbl[2].bits, 0x22);
	/* restore, unmasked: the asserted level pin is delivered */
	s.redirtbl[3].fields.mask = 0;
	s.irr |= 1U << 2;
	s.id = 0x13;			/* ID reads as 4 bits */
	fake_clear_log();
	svx_ioapic_set(&fk->chip, &s);
	CHECK_EQ(fk->nlog, 2);
	CHECK_EQ(io_read(0x00), 3U << 24);
	svx_ioapic_get(IO, &g);
	CHECK_EQ(g.irr, 1U << 3);
	CHECK_EQ(g.redirtbl[3].fields.remote_irr, 1);
	/* moving base_address: KVM still only decodes 0xfec00000 */
	s.base_address = 0xfed00000;
	svx_ioapic_set(&fk->chip, &s);
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, 0xfed00000, false, &(u32){0},
				 4), -1);
	CHECK_EQ(svx_ioapic_mmio(&fk->chip, SVX_IOAPIC_BASE, false,
				 &(u32){0}, 4), -1);
	svx_ioapic_reset(IO);
	CHECK_EQ(io_read(0x10 + 4), RTE_MASK | 0x22);	/* only mask set */
}

/* ------------------------------------------------------------ routing */

static struct kvm_irq_routing_entry ic(u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = KVM_IRQ_ROUTING_IRQCHIP;
	e.u.irqchip.irqchip = chip;
	e.u.irqchip.pin = pin;
	return e;
}

static struct kvm_irq_routing_entry msi(u32 gsi, u32 lo, u32 data)
{
	struct kvm_irq_routing_entry e;

	memset(&e, 0, sizeof(e));
	e.gsi = gsi;
	e.type = KVM_IRQ_ROUTING_MSI;
	e.u.msi.address_lo = lo;
	e.u.msi.data = data;
	return e;
}

static int try_routes(const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct svx_irq_routing *rt;
	int err = 12345;

	rt = svx_irq_routing_new(ue, nr, &err);
	CHECK_EQ(!rt, !!err);
	svx_irq_host_free(rt);
	return err;
}

static void t_route_validate(void)
{
	static struct kvm_irq_routing_entry big[SVX_MAX_IRQ_ROUTES + 1];
	struct kvm_irq_routing_entry e[4];
	u32 i;

	e[0] = ic(0, 0, 0);
	CHECK_EQ(try_routes(e, 1), 0);
	CHECK_EQ(try_routes(e, 0), 0);
	e[0].flags = 1;				/* flags on an irqchip route */
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(0, 3, 0);			/* no irqchip 3 */
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(0, 0, 8);			/* PIC pin 8 */
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(0, 1, 8);
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(0, 1, 7);
	CHECK_EQ(try_routes(e, 1), 0);
	e[0] = ic(0, 2, 24);			/* IOAPIC pin 24 */
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(0, 2, 23);
	CHECK_EQ(try_routes(e, 1), 0);
	e[0] = ic(SVX_MAX_IRQ_ROUTES, 2, 0);	/* GSI 4096 */
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0] = ic(SVX_MAX_IRQ_ROUTES - 1, 2, 0);
	CHECK_EQ(try_routes(e, 1), 0);
	for (i = 0; i < 8; i++) {		/* unknown/unsupported types */
		if (i == KVM_IRQ_ROUTING_IRQCHIP || i == KVM_IRQ_ROUTING_MSI ||
		    i == KVM_IRQ_ROUTING_HV_SINT)
			continue;
		e[0] = ic(0, 2, 0);
		e[0].type = i;
		CHECK_EQ(try_routes(e, 1), -EINVAL);
	}
	e[0] = ic(1, 2, 0);
	e[0].type = KVM_IRQ_ROUTING_HV_SINT;	/* KVM 6.1 takes it */
	CHECK_EQ(try_routes(e, 1), 0);
	e[0] = msi(5, 0xfee00000, 0x30);
	CHECK_EQ(try_routes(e, 1), 0);
	e[0].flags = KVM_MSI_VALID_DEVID;
	CHECK_EQ(try_routes(e, 1), 0);
	e[0].flags = 2;
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	/* duplicates */
	e[0] = ic(3, 2, 3);
	e[1] = ic(3, 2, 4);			/* same GSI, same irqchip */
	CHECK_EQ(try_routes(e, 2), -EINVAL);
	e[1] = ic(3, 0, 3);			/* IOAPIC + PIC: fine */
	e[2] = ic(3, 1, 3);			/* + slave: fine */
	CHECK_EQ(try_routes(e, 3), 0);
	e[3] = msi(3, 0xfee00000, 0x30);	/* MSI on an irqchip GSI */
	CHECK_EQ(try_routes(e, 4), -EINVAL);
	e[0] = msi(3, 0xfee00000, 0x30);
	e[1] = ic(3, 2, 3);			/* irqchip on an MSI GSI */
	CHECK_EQ(try_routes(e, 2), -EINVAL);
	e[1] = msi(3, 0xfee00000, 0x31);	/* two MSIs */
	CHECK_EQ(try_routes(e, 2), -EINVAL);
	e[1] = msi(4, 0xfee00000, 0x31);
	CHECK_EQ(try_routes(e, 2), 0);
	e[0] = ic(0, 2, 0);
	e[1] = ic(1, 2, 0);			/* one pin, two GSIs: fine */
	CHECK_EQ(try_routes(e, 2), 0);
	/* too many entries (each valid) */
	for (i = 0; i <= SVX_MAX_IRQ_ROUTES; i++)
		big[i] = ic(i / 3, i % 3, 0);
	CHECK_EQ(try_routes(big, SVX_MAX_IRQ_ROUTES), 0);
	CHECK_EQ(try_routes(big, SVX_MAX_IRQ_ROUTES + 1), -EINVAL);
}

static void t_route_default_line(void)
{
	const struct svx_irq_routing *rt = fk->chip.routing;
	u32 i, n16 = 0;

	CHECK_EQ(rt->nr, 40);
	CHECK_EQ(rt->max_gsi, 24);
	for (i = 0; i < rt->nr; i++) {
		CHECK(i == 0 || rt->e[i - 1].gsi <= rt->e[i].gsi);
		if (rt->e[i].gsi >= 16) {
			n16++;
			CHECK_EQ(rt->e[i].chip.irqchip, KVM_IRQCHIP_IOAPIC);
		}
	}
	CHECK_EQ(n16, 8);
	linux_init_8259a(0);
	/* GSI 4: PIC (unmasked, 1) + IOAPIC (masked, -1) = 1 */
	CHECK_EQ(svx_irq_line(&fk->chip, 4, 1), 1);
	CHECK_EQ(M.irr, 0x10);
	CHECK_EQ(IO->line_level, 0x10);
	/* GSI 12 reaches the slave pin 4 */
	CHECK_EQ(svx_irq_line(&fk->chip, 12, 1), 1);
	CHECK_EQ(S.irr, 0x10);
	/* GSI 20: IOAPIC only */
	CHECK_EQ(svx_irq_line(&fk->chip, 20, 1), -1);
	CHECK_EQ(IO->line_level, 0x101010);
	io_write(0x10 + 40, 0x50);
	fake_clear_log();
	svx_irq_line(&fk->chip, 20, 0);
	CHECK_EQ(svx_irq_line(&fk->chip, 20, 1), 1);
	CHECK_EQ(fk->nlog, 1);
	CHECK_EQ(fk->log[0].m.vector, 0x50);
	/* both PIC and IOAPIC deliver: 2; coalesced on both: 0 */
	io_write(0x10 + 2, 0x51);
	outb(0x21, 0x00);
	CHECK_EQ(svx_irq_line(&fk->chip, 1, 1), 2);
	svx_irq_line(&fk->chip, 1, 0);
	CHECK_EQ(svx_irq_line(&fk->chip, 1, 1), 1);	/* PIC coalesced */
	/* no route */
	CHECK_EQ(svx_irq_line(&fk->chip, 24, 1), -1);
	CHECK_EQ(svx_irq_line(&fk->chip, 4095, 1), -1);
	CHECK_EQ(svx_irq_line(&fk->chip, 0xffffffff, 1), -1);
}

/* routes given out of GSI order */
static void t_route_order(void)
{
	struct kvm_irq_routing_entry ue[4];
	struct svx_irq_routing *rt;
	int err;

	ue[0] = ic(5, 2, 5);
	ue[1] = ic(2, 2, 2);
	ue[2] = ic(5, 0, 5);
	ue[3] = ic(900, 2, 9);
	rt = svx_irq_routing_new(ue, 4, &err);
	CHECK(rt);
	if (!rt)
		return;
	CHECK_EQ(err, 0);
	CHECK_EQ(rt->nr, 4);
	CHECK_EQ(rt->max_gsi, 901);
	CHECK_EQ(rt->e[0].gsi, 2);
	CHECK_EQ(rt->e[1].gsi, 5);
	CHECK_EQ(rt->e[1].chip.irqchip, 2);
	CHECK_EQ(rt->e[2].gsi, 5);
	CHECK_EQ(rt->e[2].chip.irqchip, 0);
	CHECK_EQ(rt->e[3].gsi, 900);
	svx_irq_host_free(fk->chip.routing);
	fk->chip.routing = rt;
	linux_init_8259a(0);
	svx_irq_line(&fk->chip, 2, 1);
	svx_irq_line(&fk->chip, 900, 1);
	CHECK_EQ(IO->line_level, (1U << 2) | (1U << 9));
	CHECK_EQ(M.irr, 0);
	CHECK_EQ(svx_irq_line(&fk->chip, 5, 1), 1);
	CHECK_EQ(M.irr, 1U << 5);
	CHECK_EQ(IO->line_level, (1U << 2) | (1U << 9) | (1U << 5));
	CHECK_EQ(svx_irq_line(&fk->chip, 3, 1), -1);
}

static void t_route_sources(void)
{
	linux_init_8259a(0);
	outb(0x4d1, 0x02);			/* IRQ 9 level */
	svx_irq_line_src(&fk->chip, SVX_IRQ_SRC_PIT, 9, 1);
	svx_irq_line(&fk->chip, 9, 1);
	CHECK_EQ(S.irr, 0x02);
	CHECK_EQ(IO->line_level, 1U << 9);
	/* the user source drops; the PIT source still holds the pin */
	svx_irq_line(&fk->chip, 9, 0);
	CHECK_EQ(S.irr, 0x02);
	CHECK_EQ(IO->line_level, 1U << 9);
	svx_irq_line_src(&fk->chip, SVX_IRQ_SRC_PIT, 9, 0);
	CHECK_EQ(S.irr, 0x00);
	CHECK_EQ(IO->line_level, 0);
	CHECK_EQ(svx_irq_line_src(&fk->chip, SVX_IRQ_NR_SRCS, 9, 1), -1);
	CHECK_EQ(IO->line_level, 0);
}

static void t_msi(void)
{
	struct kvm_irq_routing_entry ue[2];
	struct svx_irq_routing *rt;
	struct kvm_msi m;
	int err;

	memset(&m, 0, sizeof(m));
	/* dest 2, physical, redirection hint; vector 0x41 fixed, level */
	m.address_lo = 0xfee02008;
	m.address_hi = 0x1;		/* ignored without x2APIC format */
	m.data = 0xc041;
	fake_clear_log();
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	CHECK_EQ(fk->nlog, 1);
	CHECK_EQ(fk->log[0].idx, 2);
	CHECK_EQ(fk->log[0].m.vector, 0x41);
	CHECK_EQ(fk->log[0].m.dest_id, 2);
	CHECK(fk->log[0].m.level);
	CHECK(fk->log[0].m.assert);
	CHECK(fk->log[0].m.msi_redir_hint);
	CHECK(!fk->log[0].m.dest_logical);
	CHECK_EQ(fk->log[0].m.shorthand, SVX_SH_NONE);
	CHECK_EQ(fk->kicks[2], 1);
	/* trigger mode is data bit 15; bit 14 (assert) is ignored */
	m.data = 0x4041;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	CHECK(!fk->log[1].m.level);
	m.data = 0x8041;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	CHECK(fk->log[2].m.level);
	CHECK(fk->log[2].m.assert);
	fake_clear_log();
	/* logical (bit 2) dest 0x09 = APICs 0 and 3, NMI, edge, no assert */
	m.address_lo = 0xfee09004;
	m.data = 0x0400;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 2);
	CHECK_EQ(fk->log[0].idx, 0);
	CHECK_EQ(fk->log[1].idx, 3);
	CHECK_EQ(fk->log[0].m.delivery_mode, SVX_DM_NMI);
	CHECK(fk->log[0].m.dest_logical);
	CHECK(!fk->log[0].m.level);
	CHECK(fk->log[0].m.assert);		/* KVM: always 1 */
	CHECK(!fk->log[0].m.msi_redir_hint);
	/* redirection hint, logical 1-3, fixed: one APIC, vector hashed */
	m.address_lo = 0xfee0e00c;
	m.data = 0x0044;			/* 0x44 % 3 = 2: APIC 3 */
	fake_clear_log();
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	CHECK_EQ(fk->nlog, 1);
	CHECK_EQ(fk->log[0].idx, 3);
	CHECK_EQ(fk->log[0].m.delivery_mode, SVX_DM_FIXED);
	/* redirection hint, physical broadcast: still one APIC */
	m.address_lo = 0xfeeff008;
	m.data = 0x0045;			/* 0x45 % 4 = 1: APIC 1 */
	fake_clear_log();
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	CHECK_EQ(fk->log[0].idx, 1);
	/* without the hint: all four */
	m.address_lo = 0xfeeff000;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 4);
	/* no such APIC: 0 (KVM's fast path with an APIC map), not -1 */
	m.address_lo = 0xfee07000;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 0);
	m.flags = KVM_MSI_VALID_DEVID;
	m.address_lo = 0xfee00000;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), 1);
	m.flags = 2;
	CHECK_EQ(svx_irq_msi(&fk->chip, &m), -EINVAL);
	/* an MSI route: level 0 is -1, level 1 delivers */
	ue[0] = msi(30, 0xfee01000, 0x0055);
	ue[1] = ic(31, 2, 7);
	rt = svx_irq_routing_new(ue, 2, &err);
	CHECK(rt);
	if (!rt)
		return;
	svx_irq_host_free(fk->chip.routing);
	fk->chip.routing = rt;
	fake_clear_log();
	CHECK_EQ(svx_irq_line(&fk->chip, 30, 0), -1);
	CHECK_EQ(fk->nlog, 0);
	CHECK_EQ(svx_irq_line(&fk->chip, 30, 1), 1);
	CHECK_EQ(fk->log[0].idx, 1);
	CHECK_EQ(fk->log[0].m.vector, 0x55);
	/* the old default routes are gone */
	CHECK_EQ(svx_irq_line(&fk->chip, 4, 1), -1);
	CHECK_EQ(IO->line_level, 0);
	CHECK_EQ(svx_irq_line(&fk->chip, 31, 1), -1);	/* masked pin */
	CHECK_EQ(IO->line_level, 1U << 7);
}

static void t_deliver_ipi(void)
{
	struct svx_irq_msg m;

	memset(&m, 0, sizeof(m));
	m.vector = 0xf0;
	m.shorthand = SVX_SH_OTHERS;
	m.assert = true;
	fake_clear_log();
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, &fk->lapic[1]), 3);
	CHECK_EQ(fk->kicks[1], 0);
	CHECK_EQ(fk->kicks[0] + fk->kicks[2] + fk->kicks[3], 3);
	m.shorthand = SVX_SH_SELF;
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, &fk->lapic[1]), 1);
	CHECK_EQ(fk->kicks[1], 1);
	/* a hardware-disabled APIC is skipped */
	fk->lapic[2].base &= ~(1ULL << 11);
	m.shorthand = SVX_SH_ALL;
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, NULL), 3);
	/* lowest priority to all: one, by vector hashing over 0, 1, 3 */
	m.delivery_mode = SVX_DM_LOWEST;
	m.vector = 0x32;			/* 0x32 % 3 = 2: APIC 3 */
	fake_clear_log();
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, NULL), 1);
	CHECK_EQ(fk->log[0].idx, 3);
	/* lowest priority, physical broadcast: fixed to all */
	m.shorthand = SVX_SH_NONE;
	m.dest_id = 0xff;
	fake_clear_log();
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, NULL), 3);
	CHECK_EQ(fk->log[0].m.delivery_mode, SVX_DM_FIXED);
	/* lowest priority, physical: the one APIC */
	m.dest_id = 1;
	fake_clear_log();
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, NULL), 1);
	CHECK_EQ(fk->log[0].idx, 1);
	/* lowest priority, logical, no enabled candidate: -1 */
	m.dest_logical = true;
	m.dest_id = 0x04;			/* APIC 2: hw-disabled */
	CHECK_EQ(svx_irq_deliver(&fk->chip, &m, NULL), -1);
}

/* ------------------------------------------------------------- runner */

/* KVM's ack and mask notifiers: PIC EOIs and IMR, IOAPIC EOIs and masks. */
static void t_notifiers(void)
{
	linux_init_8259a(0);
	fake_clear_log();
	memset(fk->acks, 0, sizeof(fk->acks));
	memset(fk->masks, 0, sizeof(fk->masks));
	/* IRQ 0 in service, then a non-specific EOI: master pin 0 acked */
	svx_pic_set_irq(PIC, 0, 1);
	svx_pic_set_irq(PIC, 0, 0);
	CHECK_EQ(svx_pic_read_irq(PIC), 0x30);
	CHECK_EQ(fk->acks[KVM_IRQCHIP_PIC_MASTER][0], 0);
	outb(0x20, 0x20);
	CHECK_EQ(fk->acks[KVM_IRQCHIP_PIC_MASTER][0], 1);
	/* masking IRQ 5, unmasking it: two notifications, the last unmasked */
	outb(0x21, 0x20);
	CHECK_EQ(fk->masks[KVM_IRQCHIP_PIC_MASTER][5], 1);
	CHECK(fk->masked[KVM_IRQCHIP_PIC_MASTER][5]);
	CHECK_EQ(fk->masks[KVM_IRQCHIP_PIC_MASTER][4], 0);
	outb(0x21, 0x00);
	CHECK_EQ(fk->masks[KVM_IRQCHIP_PIC_MASTER][5], 2);
	CHECK(!fk->masked[KVM_IRQCHIP_PIC_MASTER][5]);
	/* IOAPIC pin 2 edge, vector 0x31: unmasked, its EOI acks pin 2 */
	io_write(0x10 + 4, 0x31);
	CHECK_EQ(fk->masks[KVM_IRQCHIP_IOAPIC][2], 1);
	CHECK(!fk->masked[KVM_IRQCHIP_IOAPIC][2]);
	svx_ioapic_set_irq(&fk->chip, 2, 1);
	svx_ioapic_set_irq(&fk->chip, 2, 0);
	svx_ioapic_eoi(&fk->chip, 0x31, false);
	CHECK_EQ(fk->acks[KVM_IRQCHIP_IOAPIC][2], 1);
	svx_ioapic_eoi(&fk->chip, 0x32, false);
	CHECK_EQ(fk->acks[KVM_IRQCHIP_IOAPIC][2], 1);
	io_write(0x10 + 4, RTE_MASK | 0x31);
	CHECK_EQ(fk->masks[KVM_IRQCHIP_IOAPIC][2], 2);
	CHECK(fk->masked[KVM_IRQCHIP_IOAPIC][2]);
}

/*
 * KVM_IRQ_ROUTING_HV_SINT: accepted whatever VP and SINT (as KVM's
 * kvm_set_routing_entry()), flags must be 0, the GSI's only route; a
 * raised line asks the host for that VP's SINT and returns its answer, a
 * lowered one is -1 without asking (KVM's kvm_hv_set_sint()).
 */
static void t_route_hv_sint(void)
{
	struct kvm_irq_routing_entry e[2];
	struct svx_irq_routing *rt;
	int err;

	memset(e, 0, sizeof(e));
	e[0].gsi = 9;
	e[0].type = KVM_IRQ_ROUTING_HV_SINT;
	e[0].u.hv_sint.vcpu = 7;
	e[0].u.hv_sint.sint = 99;		/* not checked here: KVM's */
	CHECK_EQ(try_routes(e, 1), 0);
	e[0].flags = 1;
	CHECK_EQ(try_routes(e, 1), -EINVAL);
	e[0].flags = 0;
	e[1] = ic(9, KVM_IRQCHIP_IOAPIC, 9);	/* and an irqchip route */
	CHECK_EQ(try_routes(e, 2), -EINVAL);
	e[0].u.hv_sint.sint = 3;
	rt = svx_irq_routing_new(e, 1, &err);
	CHECK(rt && !err);
	if (!rt)
		return;
	svx_irq_host_free(fk->chip.routing);
	fk->chip.routing = rt;
	fk->hv_sint_ret = 1;
	CHECK_EQ(svx_irq_line(&fk->chip, 9, 1), 1);
	CHECK_EQ(fk->nhv_sint, 1);
	CHECK_EQ(fk->hv_sint[0], 7u << 8 | 3);
	CHECK_EQ(svx_irq_line(&fk->chip, 9, 0), -1);
	CHECK_EQ(fk->nhv_sint, 1);
	fk->hv_sint_ret = -22;			/* -EINVAL: no such SynIC */
	CHECK_EQ(svx_irq_line(&fk->chip, 9, 1), -1);
	CHECK_EQ(fk->nhv_sint, 2);
	CHECK_EQ(fk->nlog, 0);
}


static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define T(x) { #x, t_##x }
	T(pic_seabios_init), T(pic_linux_timer), T(pic_priority),
	T(pic_mask), T(pic_spurious_slave), T(pic_level_elcr),
	T(pic_auto_eoi_rotate), T(pic_rotate_set_priority), T(pic_poll),
	T(pic_special), T(pic_icw1_isr), T(pic_state),
	T(ioapic_regs), T(ioapic_edge), T(ioapic_level),
	T(ioapic_logical_lowest), T(ioapic_state),
	T(route_validate), T(route_default_line), T(route_order),
	T(route_sources), T(route_hv_sint), T(msi),
	T(deliver_ipi), T(notifiers),
#undef T
};

int main(int argc, char **argv)
{
	unsigned int i;
	int failed = 0;
	long leak;

	if (argc > 1)
		tag = argv[1];
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		cur_fail = 0;
		fake_setup(4);
		tests[i].fn();
		leak = fk->allocs - 1;	/* the default routing table */
		fake_teardown();
		if (leak) {
			printf("#   %ld routing tables leaked\n", leak);
			cur_fail++;
		}
		printf("%sok %u - %s%s%s\n", cur_fail ? "not " : "", i + 1,
		       tests[i].name, *tag ? " " : "", tag);
		failed += !!cur_fail;
	}
	return failed ? 1 : 0;
}
