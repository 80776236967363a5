// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip (KVM_CREATE_IRQCHIP), as kvm_intel has it, on every
 * device and paging mode: its ioctls' errors, the local APIC timer in
 * one-shot and periodic mode waking a guest that waits in HLT (which never
 * reaches userspace), IOAPIC pins driven by KVM_IRQ_LINE_STATUS (an edge
 * pin; a level pin whose remote IRR holds it until the guest's EOI), the
 * 8259 PIC's ExtINT through LINT0, and INIT/SIPI starting an application
 * processor in real mode, with KVM_GET_MP_STATE along the way; fixed IPIs a
 * vCPU sends itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "svx.h"

#define APIC		0xfee00000
#define IOAPIC		0xfec00000
#define AP_CODE		0x2000		/* SIPI vector 2 */
#define VAPIC		0x3000		/* KVM_SET_VAPIC_ADDR */

/* The guests keep the APIC's base in RSI, the IOAPIC's in RDI (IRQ_BASES). */
#define PIC_MASK_ALL							\
"	movb	$0xff, %al\n	outb	%al, $0x21\n	outb	%al, $0xa1\n"

/*
 * Guest (long mode), APIC timer: one-shot vector 0x40 of 100000 bus
 * cycles (KVM's bus: 1 GHz), divide by 1; the count of interrupts (1) on
 * PORT_RESULT; then periodic, every 10 ms, until three more came (4: the
 * ISR masks and stops the timer then); PORT_RESULT2 ends.  The ISR counts
 * in EBX and EOIs.
 */
__asm__(
"	.pushsection .rodata.svx_irqchip_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_apic_timer_start, guest_apic_timer_end\n"
"	.balign 16\n"
"guest_apic_timer_start:\n"
IRQ_BASES
GATE64(apic_timer, 0x40, apic_timer_isr)
"	xorl	%ebx, %ebx\n"
APIC_W(0xf0, 0x1ff)				/* SVR: enabled */
APIC_W(0x3e0, 0xb)				/* TDCR: divide by 1 */
APIC_W(0x320, 0x40)				/* LVTT: one-shot */
APIC_W(0x380, 100000)				/* TMICT */
WAIT_COUNT(1, 1)
REPORT(PORT_RESULT)
APIC_W(0x320, 0x20040)				/* periodic */
APIC_W(0x380, 10000000)
WAIT_COUNT(4, 2)
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"apic_timer_isr:\n"
"	incl	%ebx\n"
"	cmpl	$4, %ebx\n"
"	jb	1f\n"
APIC_W(0x320, 0x10040)				/* the 4th: masked, */
APIC_W(0x380, 0)				/* and stopped */
"1:\n"
APIC_W(0xb0, 0)					/* EOI */
"	iretq\n"
"guest_apic_timer_end:\n"

/*
 * Guest (long mode), IOAPIC: pin 10 edge to vector 0x51, pin 11 level to
 * vector 0x52, both to APIC ID 0.  PORT_TICK asks the host to pulse pin
 * 10; after its interrupt the count (1) goes to PORT_RESULT; the next
 * PORT_TICK asks for pin 11 high; its ISR sends PORT_TICK (the host
 * lowers the pin) before the EOI; a while later the count (2) shows there
 * was no second delivery.
 */
"	.globl guest_ioapic_start, guest_ioapic_end\n"
"	.balign 16\n"
"guest_ioapic_start:\n"
IRQ_BASES
GATE64(ioapic, 0x51, ioapic_isr)
GATE64(ioapic, 0x52, ioapic_level_isr)
"	xorl	%ebx, %ebx\n"
PIC_MASK_ALL
APIC_W(0xf0, 0x1ff)
IOAPIC_W(0x24, 0x51)				/* pin 10: edge, unmasked */
IOAPIC_W(0x25, 0)
IOAPIC_W(0x26, 0x8052)				/* pin 11: level */
IOAPIC_W(0x27, 0)
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
WAIT_COUNT(1, 1)
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
WAIT_COUNT(2, 2)
"	sti\n"
"	movl	$20000, %ecx\n"
"3:	pause\n"
"	loop	3b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	movl	$0x26, (%rdi)\n"			/* remote IRR clear */
"	movl	0x10(%rdi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"ioapic_isr:\n"
"	incl	%ebx\n"
APIC_W(0xb0, 0)
"	iretq\n"
"ioapic_level_isr:\n"
"	incl	%ebx\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
APIC_W(0xb0, 0)
"	iretq\n"
"guest_ioapic_end:\n"

/*
 * Guest (long mode), PIC: both 8259As initialised as Linux does (vectors
 * 0x20 and 0x28, cascade on IR2), IRQ 3 unmasked; PORT_TICK asks the host
 * to pulse IRQ 3, whose interrupt comes as vector 0x23 through the BSP's
 * LINT0 (ExtINT); the ISR EOIs the master.  The count (1) and the
 * master's ISR register after it (0) on PORT_RESULT.
 */
"	.globl guest_pic_start, guest_pic_end\n"
"	.balign 16\n"
"guest_pic_start:\n"
IRQ_BASES
GATE64(pic, 0x23, pic_isr)
"	xorl	%ebx, %ebx\n"
"	movb	$0x11, %al\n	outb	%al, $0x20\n"
"	movb	$0x20, %al\n	outb	%al, $0x21\n"
"	movb	$0x04, %al\n	outb	%al, $0x21\n"
"	movb	$0x01, %al\n	outb	%al, $0x21\n"
"	movb	$0x11, %al\n	outb	%al, $0xa0\n"
"	movb	$0x28, %al\n	outb	%al, $0xa1\n"
"	movb	$0x02, %al\n	outb	%al, $0xa1\n"
"	movb	$0x01, %al\n	outb	%al, $0xa1\n"
"	movb	$0xf7, %al\n	outb	%al, $0x21\n"	/* IRQ 3 only */
"	movb	$0xff, %al\n	outb	%al, $0xa1\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
WAIT_COUNT(1, 1)
REPORT(PORT_RESULT)
"	movb	$0x0b, %al\n	outb	%al, $0x20\n"	/* OCW3: read ISR */
"	xorl	%eax, %eax\n"
"	inb	$0x20, %al\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	inb	$0x21, %al\n"				/* IMR */
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"pic_isr:\n"
"	incl	%ebx\n"
"	movb	$0x20, %al\n"
"	outb	%al, $0x20\n"
"	iretq\n"
"guest_pic_end:\n"

/*
 * Guest (long mode), BSP: INIT then SIPI (vector 2) to APIC ID 1, then
 * PORT_RESULT2.
 */
"	.globl guest_init_sipi_start, guest_init_sipi_end\n"
"	.balign 16\n"
"guest_init_sipi_start:\n"
IRQ_BASES
APIC_W(0xf0, 0x1ff)
APIC_W(0x310, 0x01000000)
APIC_W(0x300, 0x4500)				/* INIT, assert */
APIC_W(0x310, 0x01000000)
APIC_W(0x300, 0x4602)				/* SIPI, vector 2 */
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"guest_init_sipi_end:\n"

/*
 * Guest (long mode), self-IPIs: PORT_RESULT (0); then 8 times a fixed IPI
 * of vector 0x60 to itself (ICR shorthand "self"), interrupts on, waiting
 * in a loop (no HLT) until its ISR counted it; the count (8) on
 * PORT_RESULT, then PORT_RESULT2.  The ISR counts in EBX and EOIs.
 */
"	.globl guest_self_ipi_start, guest_self_ipi_end\n"
"	.balign 16\n"
"guest_self_ipi_start:\n"
IRQ_BASES
GATE64(self_ipi, 0x60, self_ipi_isr)
"	xorl	%ebx, %ebx\n"
APIC_W(0xf0, 0x1ff)
REPORT(PORT_RESULT)
"	sti\n"
"	movl	$1, %ecx\n"
"1:\n"
APIC_W(0x300, 0x40060)				/* fixed, self, vector 0x60 */
"2:	cmpl	%ecx, %ebx\n"
"	jb	2b\n"
"	incl	%ecx\n"
"	cmpl	$8, %ecx\n"
"	jbe	1b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"self_ipi_isr:\n"
"	incl	%ebx\n"
APIC_W(0xb0, 0)					/* EOI */
"	iretq\n"
"guest_self_ipi_end:\n"

/*
 * Guest (long mode), IPIs between two vCPUs: RBP is the vCPU's index.
 * vCPU 1 reports PORT_RESULT (0), then waits (STI; HLT) for 8 fixed IPIs
 * of vector 0x61, its ISR answering each with one to APIC ID 0; then the
 * count on PORT_RESULT and PORT_RESULT2.  vCPU 0 reports PORT_RESULT (0),
 * then 8 times sends the IPI to APIC ID 1 and waits (STI; HLT) for the
 * answer; the count (8) on PORT_RESULT, then PORT_RESULT2.  Both ISRs
 * count in EBX and EOI.
 */
"	.globl guest_ipi_pingpong_start, guest_ipi_pingpong_end\n"
"	.balign 16\n"
"guest_ipi_pingpong_start:\n"
IRQ_BASES
GATE64(ipi_pingpong, 0x61, pingpong_isr)
"	xorl	%ebx, %ebx\n"
APIC_W(0xf0, 0x1ff)
REPORT(PORT_RESULT)
"	movl	$1, %ecx\n"
"	testl	%ebp, %ebp\n"
"	jnz	3f\n"
"1:\n"
APIC_W(0x310, 0x01000000)			/* to APIC ID 1 */
APIC_W(0x300, 0x61)				/* fixed, vector 0x61 */
"2:	cli\n"
"	cmpl	%ecx, %ebx\n"
"	jae	4f\n"
"	sti\n"
"	hlt\n"
"	jmp	2b\n"
"4:	incl	%ecx\n"
"	cmpl	$8, %ecx\n"
"	jbe	1b\n"
"	jmp	6f\n"
"3:	cli\n"				/* vCPU 1: 8 IPIs, then report */
"	cmpl	$8, %ebx\n"
"	jae	6f\n"
"	sti\n"
"	hlt\n"
"	jmp	3b\n"
"6:	cli\n"
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"pingpong_isr:\n"
"	incl	%ebx\n"
"	testl	%ebp, %ebp\n"
"	jz	5f\n"
APIC_W(0x310, 0)				/* vCPU 1 answers APIC ID 0 */
APIC_W(0x300, 0x61)
"5:\n"
APIC_W(0xb0, 0)					/* EOI */
"	iretq\n"
"guest_ipi_pingpong_end:\n"

/*
 * Guest (long mode), VAPIC: PORT_RESULT; then 0x50 written in the VAPIC
 * page at VAPIC (as QEMU's patched code does), PORT_RESULT.  (Not an
 * MMIO write of the TPR: with the CPU's TPR shadow, kvm_intel's next exit
 * overwrites it with the VAPIC page's; without, it does not.)
 */
"	.globl guest_vapic_start, guest_vapic_end\n"
"	.balign 16\n"
"guest_vapic_start:\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movb	$0x50, " XSTR(VAPIC) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_vapic_end:\n"
"	.popsection\n");

/* The AP's real-mode code at AP_CODE: mov $0x5a5a,%ax; out %ax,$0x40; hlt */
static const unsigned char ap_code[] = { 0xb8, 0x5a, 0x5a, 0xe7, PORT_RESULT,
					 0xf4 };

/* A VM with an in-kernel irqchip, vCPU 0 loaded with @code in long mode. */
static int irqchip_guest(struct svxu_guest *g, struct svxu_code code)
{
	int r = svxu_guest_create_with(g, SVXU_GUEST_IRQCHIP);

	if (r)
		return r;
	svxu_load(&g->vm, code);
	return svxu_setup_mode(&g->vcpu, SVXU_MODE_LONG64);
}

#define IRQCHIP_INIT(name) do {						\
	int __r = irqchip_guest(&self->g, SVX_GUEST(name));		\
	ASSERT_EQ(0, __r) TH_LOG("irqchip guest on %s: %s (%s)",	\
				 svxu_dev(), strerror(-__r),		\
				 svxu_last_op());			\
} while (0)

static int irq_line(int vm_fd, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	int r = svxu_ioctl(vm_fd, KVM_IRQ_LINE_STATUS, (unsigned long)&l);

	return r ? r : l.status;
}

static int mp_state(int vcpu_fd)
{
	struct kvm_mp_state mp = { .mp_state = 0x55 };
	int r = svxu_ioctl(vcpu_fd, KVM_GET_MP_STATE, (unsigned long)&mp);

	return r ? r : (int)mp.mp_state;
}

/* "# irqchip-exits[<device>]: N exits for <what>" (when stats work) */
static void report_exits(long long e0, long long e1, const char *what)
{
	if (e0 >= 0 && e1 >= 0)
		printf("# irqchip-exits[%s%s%s]: %lld exits for %s\n",
		       svxu_dev(), svxu_dev_is_kvm() ? "" : " ",
		       svxu_dev_is_kvm() ? "" : (svxu_paging() ?: "shadow"),
		       e1 - e0, what);
	fflush(stdout);		/* the harness' child ends with _exit() */
}

SVX_GUEST_FIXTURE(irqchip);

/* The ioctls' errors, as kvm_intel answers them. */
TEST_F(irqchip, ioctl_errors)
{
	struct kvm_irq_level l = { .irq = 4, .level = 1 };
	struct kvm_interrupt irq = { .irq = 0x30 };
	struct kvm_irqchip chip;
	struct kvm_lapic_state *lapic = calloc(1, sizeof(*lapic));
	struct svxu_vcpu v1;
	int vm;

	ASSERT_NE(NULL, lapic);
	ASSERT_EQ(0, svxu_guest_create(&self->g));
	vm = self->g.vm.fd;
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP));
	/* a vCPU exists: too late for an irqchip; no irqchip: no lines */
	EXPECT_EQ(-EINVAL, svxu_ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(-ENXIO, svxu_ioctl(vm, KVM_IRQ_LINE, (unsigned long)&l));
	memset(&chip, 0, sizeof(chip));
	EXPECT_EQ(-ENXIO, svxu_ioctl(vm, KVM_GET_IRQCHIP, (unsigned long)&chip));
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_GET_LAPIC,
				      (unsigned long)lapic));
	svxu_guest_fini(&self->g);

	IRQCHIP_INIT(apic_timer);
	vm = self->g.vm.fd;
	EXPECT_EQ(-EEXIST, svxu_ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	chip.chip_id = 3;
	EXPECT_EQ(-EINVAL, svxu_ioctl(vm, KVM_GET_IRQCHIP, (unsigned long)&chip));
	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	EXPECT_EQ(0, svxu_ioctl(vm, KVM_GET_IRQCHIP, (unsigned long)&chip));
	EXPECT_EQ(IOAPIC, chip.chip.ioapic.base_address);
	/* the pins come out of reset masked */
	EXPECT_NE(0ULL, chip.chip.ioapic.redirtbl[10].bits & (1ULL << 16));
	EXPECT_EQ(0, svxu_ioctl(vm, KVM_SET_IRQCHIP, (unsigned long)&chip));
	chip.chip_id = KVM_IRQCHIP_PIC_MASTER;
	EXPECT_EQ(0, svxu_ioctl(vm, KVM_GET_IRQCHIP, (unsigned long)&chip));
	EXPECT_EQ(0, svxu_ioctl(vm, KVM_IRQ_LINE, (unsigned long)&l));
	EXPECT_EQ(-ENXIO, svxu_ioctl(self->g.vcpu.fd, KVM_INTERRUPT,
				     (unsigned long)&irq));
	EXPECT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_LAPIC,
				(unsigned long)lapic));
	/* version register: integrated APIC (0x14), 6 or 7 LVT entries */
	EXPECT_EQ(0x14, lapic->regs[0x30]);
	EXPECT_EQ(0, lapic->regs[0x23]);	/* ID of vCPU 0, xAPIC */
	EXPECT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_LAPIC,
				(unsigned long)lapic));
	/* the BSP runs; an AP waits for INIT and SIPI */
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(self->g.vcpu.fd));
	ASSERT_EQ(0, svxu_vcpu_create(&self->g.vm, 1, &v1));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(v1.fd));
	svxu_vcpu_destroy(&v1);
	free(lapic);
}

/*
 * The APIC timer wakes a HLT that never leaves the kernel.  Reported, not
 * checked: the VM exits of the three periodic interrupts (each: the HLT,
 * the EOI's MMIO write, and what the device adds), with the two APIC
 * writes that started the timer and the report's OUT.
 */
TEST_F(irqchip, apic_timer_wakes_hlt)
{
	long long e0, e1;

	IRQCHIP_INIT(apic_timer);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
	e0 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 4);
	e1 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	report_exits(e0, e1, "3 periodic APIC timer interrupts");
}

/*
 * Fixed IPIs a vCPU sends itself are delivered (8 of 8) without leaving
 * the kernel.  Reported, not checked: the VM exits of the 8 (each: the
 * ICR write, the EOI write, and what the device adds), with the report's
 * OUT.
 */
TEST_F(irqchip, self_ipi)
{
	long long e0, e1;

	IRQCHIP_INIT(self_ipi);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	e0 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 8);
	e1 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	report_exits(e0, e1, "8 self-IPIs");
}

/* IOAPIC pins from KVM_IRQ_LINE_STATUS: an edge pin, a level pin's EOI. */
TEST_F(irqchip, ioapic_edge_and_level)
{
	int vm, s1, s0, s2;

	IRQCHIP_INIT(ioapic);
	vm = self->g.vm.fd;
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	s1 = irq_line(vm, 10, 1);
	s0 = irq_line(vm, 10, 0);
	TH_LOG("pin 10 raise %d lower %d", s1, s0);
	EXPECT_LT(0, s1);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	s2 = irq_line(vm, 11, 1);
	EXPECT_LT(0, s2);
	/* the level ISR's PORT_TICK, before its EOI */
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	irq_line(vm, 11, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 2);
	/* redirection entry 11 after the EOI: remote IRR (bit 14) clear */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0x8052);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

/* The 8259 PIC's interrupt through LINT0 (ExtINT), and its EOI. */
TEST_F(irqchip, pic_extint)
{
	int vm;

	IRQCHIP_INIT(pic);
	vm = self->g.vm.fd;
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	EXPECT_LT(0, irq_line(vm, 3, 1));
	irq_line(vm, 3, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* ISR */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xf7);	/* IMR */
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

/* INIT and SIPI from the BSP start the AP in real mode at vector << 12. */
TEST_F(irqchip, init_sipi_starts_ap)
{
	struct svxu_vcpu ap;
	int i, r = 0;

	IRQCHIP_INIT(init_sipi);
	memcpy(self->g.vm.mem + AP_CODE, ap_code, sizeof(ap_code));
	ASSERT_EQ(0, svxu_vcpu_create(&self->g.vm, 1, &ap));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap.fd));
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	/* KVM_GET_MP_STATE takes the INIT and the SIPI */
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(ap.fd));
	for (i = 0; i < 4; i++) {
		r = svxu_run(&ap);
		if (r != -EAGAIN)
			break;
	}
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN of the AP: %s", strerror(-r));
	ASSERT_EQ(KVM_EXIT_IO, ap.run->exit_reason)
		TH_LOG("%s", svxu_exit_str(ap.run));
	EXPECT_EQ(PORT_RESULT, ap.run->io.port);
	EXPECT_EQ(0x5a5a, svxu_io_value(ap.run) & 0xffff);
	svxu_vcpu_destroy(&ap);
}

struct pingpong_ap {
	struct svxu_vcpu *v;
	long long exits;	/* between its two reports; -1 unknown */
	int err;		/* 0, or where it stopped: -errno or 1 */
	uint32_t count;
	volatile int ready;
};

/* vCPU 1's thread: its first report, then until its last. */
static void *pingpong_ap_run(void *arg)
{
	struct pingpong_ap *a = arg;
	long long e0 = -1;
	int r, reports = 0;

	a->exits = -1;
	for (;;) {
		r = svxu_run(a->v);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r || a->v->run->exit_reason != KVM_EXIT_IO) {
			a->err = r ? r : 1;
			break;
		}
		if (a->v->run->io.port == PORT_RESULT2)
			break;
		if (a->v->run->io.port != PORT_RESULT) {
			a->err = 1;
			break;
		}
		if (!reports++) {
			e0 = svxu_vcpu_exits(a->v->fd);
			__atomic_store_n(&a->ready, 1, __ATOMIC_RELEASE);
		} else {
			a->count = svxu_io_value(a->v->run);
			if (e0 >= 0 && svxu_vcpu_exits(a->v->fd) >= 0)
				a->exits = svxu_vcpu_exits(a->v->fd) - e0;
		}
	}
	__atomic_store_n(&a->ready, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* vCPU @v in long mode at the guest's start, RBP = @index, its stack. */
static int pingpong_regs(struct svxu_vcpu *v, int index)
{
	struct kvm_regs regs;
	int r = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs);

	if (r)
		return r;
	regs.rbp = index;
	regs.rsp = SVX_STACK - index * 0x1000;
	return svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs);
}

/*
 * Fixed IPIs between two running vCPUs, each answered by an IPI back (8
 * round trips), delivered in the kernel: the interrupt reaches a vCPU
 * halted in the kernel, or one in guest mode on another CPU.  Reported,
 * not checked: the VM exits of each vCPU over the 8 (host timer ticks
 * included, so they vary a little).
 */
TEST_F(irqchip, ipi_between_vcpus)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct pingpong_ap a = { 0 };
	struct svxu_vcpu ap;
	long long e0, e1;
	char what[96];
	pthread_t t;
	int i;

	IRQCHIP_INIT(ipi_pingpong);
	ASSERT_EQ(0, svxu_vcpu_create(&self->g.vm, 1, &ap));
	ASSERT_EQ(0, svxu_setup_mode(&ap, SVXU_MODE_LONG64));
	ASSERT_EQ(0, svxu_ioctl(ap.fd, KVM_SET_MP_STATE, (unsigned long)&mp));
	ASSERT_EQ(0, pingpong_regs(&self->g.vcpu, 0));
	ASSERT_EQ(0, pingpong_regs(&ap, 1));
	a.v = &ap;
	ASSERT_EQ(0, pthread_create(&t, NULL, pingpong_ap_run, &a));
	for (i = 0; i < 20000 && !__atomic_load_n(&a.ready, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	e0 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 8);
	e1 = svxu_vcpu_exits(self->g.vcpu.fd);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	pthread_join(t, NULL);
	svxu_vcpu_destroy(&ap);
	ASSERT_EQ(0, a.err) TH_LOG("vCPU 1 stopped: %s",
				   a.err < 0 ? strerror(-a.err) : "an unexpected exit");
	EXPECT_EQ(8, a.count);
	snprintf(what, sizeof(what),
		 "8 IPI round trips between 2 vCPUs (vCPU 0; vCPU 1: %lld)",
		 a.exits);
	report_exits(e0, e1, what);
}

/*
 * KVM_SET_VAPIC_ADDR (QEMU's kvmvapic): only with an in-kernel local
 * APIC, at writable guest RAM; the page mirrors the TPR before each entry
 * and gives the guest's TPR back after each exit.  KVM_TPR_ACCESS_REPORTING
 * takes no flags.
 */
TEST_F(irqchip, vapic)
{
	struct kvm_vapic_addr va = { .vapic_addr = VAPIC };
	struct kvm_tpr_access_ctl tac = { .flags = 1 };
	struct kvm_lapic_state *lapic = calloc(1, sizeof(*lapic));
	int v;

	ASSERT_NE(NULL, lapic);
	ASSERT_EQ(0, svxu_guest_create(&self->g));
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_VAPIC_ADDR,
				      (unsigned long)&va));
	svxu_guest_fini(&self->g);

	IRQCHIP_INIT(vapic);
	v = self->g.vcpu.fd;
	EXPECT_EQ(1, svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_VAPIC));
	EXPECT_EQ(-EINVAL, svxu_ioctl(v, KVM_TPR_ACCESS_REPORTING,
				      (unsigned long)&tac));
	va.vapic_addr = SVX_MMIO_GPA;
	EXPECT_EQ(-EINVAL, svxu_ioctl(v, KVM_SET_VAPIC_ADDR, (unsigned long)&va));
	va.vapic_addr = VAPIC;
	ASSERT_EQ(0, svxu_ioctl(v, KVM_SET_VAPIC_ADDR, (unsigned long)&va));
	ASSERT_EQ(0, svxu_ioctl(v, KVM_GET_LAPIC, (unsigned long)lapic));
	lapic->regs[0x80] = 0x20;
	lapic->regs[0xf1] |= 1;		/* SVR: enabled (else KVM does not sync) */
	ASSERT_EQ(0, svxu_ioctl(v, KVM_SET_LAPIC, (unsigned long)lapic));
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	/* the APIC's TPR, in the VAPIC page */
	EXPECT_EQ(0x20, self->g.vm.mem[VAPIC]);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	/* the TPR the guest wrote in the VAPIC page, in the APIC */
	ASSERT_EQ(0, svxu_ioctl(v, KVM_GET_LAPIC, (unsigned long)lapic));
	EXPECT_EQ(0x50, (uint8_t)lapic->regs[0x80]);
	va.vapic_addr = 0;
	EXPECT_EQ(0, svxu_ioctl(v, KVM_SET_VAPIC_ADDR, (unsigned long)&va));
	free(lapic);
}

TEST_HARNESS_MAIN
