// SPDX-License-Identifier: GPL-2.0
/*
 * Corrected machine check interrupts (CMCI) and UCNA errors, as kvm_intel
 * 6.1 has them (arch/x86/kvm/x86.c: kvm_vcpu_ioctl_x86_setup_mce(),
 * set_msr_mce()/get_msr_mce() for MCi_CTL2, kvm_vcpu_x86_set_ucna();
 * lapic.c: LVTCMCI, kvm_apic_after_set_mcg_cap()), on every device and
 * paging mode: KVM_X86_SETUP_MCE with MCG_CMCI_P, the MCi_CTL2 MSRs from
 * the host and from the guest (writable bits, #GP), the local APIC's
 * seventh LVT entry, a UCNA that KVM_X86_SET_MCE injects delivered as a
 * CMCI through LVTCMCI while the bank's CMCI_EN is set and the entry
 * unmasked, and only logged otherwise (CMCI_EN clear, LVTCMCI masked, a
 * vCPU without MCG_CMCI_P, the userspace irqchip).  And MCG_LMCE_P
 * (kvm_intel's vmx_setup_mce()): FEAT_CTL_LMCE_ENABLED and the guest's
 * IA32_MCG_EXT_CTL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"

#define APIC		0xfee00000
#define IOAPIC		0xfec00000

#define MCG_CTL_P	(1ULL << 8)
#define MCG_EXT_P	(1ULL << 9)
#define MCG_CMCI_P	(1ULL << 10)
#define MCG_SER_P	(1ULL << 24)
#define MCG_LMCE_P	(1ULL << 27)
#define MSR_FEAT_CTL	0x3a
#define FEAT_LOCKED	1ULL
#define FEAT_LMCE	(1ULL << 20)
#define MSR_MCG_EXT_CTL	0x4d0
#define MCG_STATUS_EIPV	(1ULL << 1)
#define MSR_MCG_CAP	0x179
#define MSR_MC_CTL(i)	(0x400 + 4 * (i))
#define MSR_MC_STATUS(i) (0x401 + 4 * (i))
#define MSR_MC_ADDR(i)	(0x402 + 4 * (i))
#define MSR_MC_CTL2(i)	(0x280 + (i))
#define CTL2_EN		(1ULL << 30)
#define CTL2_THRESHOLD	0x7fffULL
#define MCI_STATUS_VAL	(1ULL << 63)
#define MCI_STATUS_UC	(1ULL << 61)
#define MCI_STATUS_EN	(1ULL << 60)
#define MCI_STATUS_MISCV (1ULL << 59)
#define MCI_STATUS_ADDRV (1ULL << 58)

#define NBANKS		10
#define CAP_CMCI	(MCG_CTL_P | MCG_SER_P | MCG_CMCI_P | NBANKS)
#define CAP_NOCMCI	(MCG_CTL_P | MCG_SER_P | NBANKS)
/* a UCNA: VAL, UC, no PCC/S/AR (upstream ucna_injection_test's status) */
#define UCNA_STATUS	(MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN | \
			 MCI_STATUS_MISCV | MCI_STATUS_ADDRV | 0x10090)
#define ADDR1		0xdeadb000
#define ADDR2		0xcafeb000
#define ADDR3		0xbeefc000

/*
 * Guest (long mode, in-kernel irqchip, MCG_CMCI_P, bank 7): the ISR of
 * vector 0x79 (the IDT's limit is 0x7ff: vectors below 0x80) counts CMCIs in EBX and keeps MC7_ADDR in R8; the #GP
 * handler counts in EBP and skips the 2-byte RDMSR/WRMSR.  PORT_RESULT
 * in order: LVR, LVTCMCI (masked at first), MC7_CTL2 (0), MC7_CTL2 after
 * CMCI_EN.  PORT_TICK: the host injects UCNA 1; then the CMCI count (1)
 * and R8 (ADDR1).  CMCI_EN off, PORT_TICK (UCNA 2): the count (1),
 * MC7_ADDR (ADDR2).  CMCI_EN on, LVTCMCI masked, PORT_TICK (UCNA 3): the
 * count (1); unmasked: still 1 (nothing was held).  MC7_CTL2 with bit 29,
 * with bit 32: #GP each; EN | threshold 0x7fff: taken, read back; MC10's
 * CTL2 (no bank 10): #GP; the #GP count (3).  PORT_RESULT2 ends.
 */
__asm__(
"	.pushsection .rodata.svx_mce_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_mce_cmci_start, guest_mce_cmci_end\n"
"	.balign 16\n"
"guest_mce_cmci_start:\n"
IRQ_BASES
GATE64(mce_cmci, 0x79, mce_cmci_isr)
GATE64(mce_cmci, 13, mce_cmci_gp)
"	xorl	%ebx, %ebx\n"
"	xorl	%ebp, %ebp\n"
"	xorl	%r8d, %r8d\n"
APIC_W(0xf0, 0x1ff)
"	movl	0x30(%rsi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	0x2f0(%rsi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
APIC_W(0x2f0, 0x79)
"	movl	$0x287, %ecx\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	orl	$0x40000000, %eax\n"
"	wrmsr\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	sti\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"		/* UCNA 1 */
"	movl	$1000, %ecx\n"
"1:	pause\n"
"	loop	1b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	movl	%r8d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0x287, %ecx\n"				/* CMCI_EN off */
"	rdmsr\n"
"	andl	$~0x40000000, %eax\n"
"	wrmsr\n"
"	sti\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"		/* UCNA 2 */
"	movl	$1000, %ecx\n"
"2:	pause\n"
"	loop	2b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	movl	$0x41e, %ecx\n"				/* MC7_ADDR */
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0x287, %ecx\n"				/* CMCI_EN on */
"	rdmsr\n"
"	orl	$0x40000000, %eax\n"
"	wrmsr\n"
APIC_W(0x2f0, 0x10079)				/* LVTCMCI masked */
"	sti\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"		/* UCNA 3 */
"	movl	$1000, %ecx\n"
"3:	pause\n"
"	loop	3b\n"
"	cli\n"
REPORT(PORT_RESULT)
APIC_W(0x2f0, 0x79)				/* unmasked */
"	sti\n"
"	movl	$1000, %ecx\n"
"4:	pause\n"
"	loop	4b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	movl	$0x287, %ecx\n"
"	movl	$0x60000000, %eax\n"			/* bit 29: reserved */
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	movl	$0x40000000, %eax\n"
"	movl	$1, %edx\n"				/* bit 32: reserved */
"	wrmsr\n"
"	movl	$0x40007fff, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0x28a, %ecx\n"				/* MC10_CTL2: none */
"	rdmsr\n"
"	movl	%ebp, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"mce_cmci_isr:\n"
"	pushq	%rax\n"
"	pushq	%rcx\n"
"	pushq	%rdx\n"
"	incl	%ebx\n"
"	movl	$0x41e, %ecx\n"
"	rdmsr\n"
"	movl	%eax, %r8d\n"
APIC_W(0xb0, 0)
"	popq	%rdx\n"
"	popq	%rcx\n"
"	popq	%rax\n"
"	iretq\n"
"mce_cmci_gp:\n"
"	incl	%ebp\n"
"	addq	$2, 8(%rsp)\n"				/* past the error code */
"	addq	$8, %rsp\n"
"	iretq\n"
"guest_mce_cmci_end:\n"

/*
 * Guest (long mode), a vCPU without MCG_CMCI_P: RDMSR and WRMSR (CMCI_EN,
 * and 0) of MC7_CTL2 #GP; the #GP count (3) to PORT_RESULT.  With the
 * in-kernel irqchip the test reads LVR and 0x2f0 first (PORT_RESULT each).
 */
"	.globl guest_mce_nocmci_start, guest_mce_nocmci_end\n"
"	.balign 16\n"
"guest_mce_nocmci_start:\n"
IRQ_BASES
GATE64(mce_nocmci, 13, mce_nocmci_gp)
"	xorl	%ebp, %ebp\n"
"	movl	$0x287, %ecx\n"
"	rdmsr\n"
"	movl	$0x40000000, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	xorl	%eax, %eax\n"
"	wrmsr\n"
"	movl	%ebp, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"mce_nocmci_gp:\n"
"	incl	%ebp\n"
"	addq	$2, 8(%rsp)\n"
"	addq	$8, %rsp\n"
"	iretq\n"
"guest_mce_nocmci_end:\n"

/*
 * Guest (long mode, userspace irqchip, MCG_CMCI_P): CMCI_EN on in
 * MC7_CTL2 (read back to PORT_RESULT), interrupts on, PORT_TICK (the host
 * injects a UCNA); the count of vector 0x79 (0: no local APIC in the
 * kernel to raise it) and MC7_ADDR to PORT_RESULT; PORT_RESULT2 ends.
 */
"	.globl guest_mce_uirq_start, guest_mce_uirq_end\n"
"	.balign 16\n"
"guest_mce_uirq_start:\n"
GATE64(mce_uirq, 0x79, mce_uirq_isr)
"	xorl	%ebx, %ebx\n"
"	movl	$0x287, %ecx\n"
"	rdmsr\n"
"	orl	$0x40000000, %eax\n"
"	wrmsr\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	sti\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
"	movl	$1000, %ecx\n"
"1:	pause\n"
"	loop	1b\n"
"	cli\n"
REPORT(PORT_RESULT)
"	movl	$0x41e, %ecx\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"mce_uirq_isr:\n"
"	incl	%ebx\n"
"	iretq\n"
"guest_mce_uirq_end:\n"

/*
 * Guest (long mode), LMCE: IA32_MCG_EXT_CTL read and written (0) with
 * FEAT_CTL_LMCE_ENABLED clear: #GP twice, the count (2) to PORT_RESULT;
 * the host sets it: RDMSR (0) to PORT_RESULT, LMCE_EN written and read
 * back (1) to PORT_RESULT, bit 1 written: #GP, the count (3) to
 * PORT_RESULT; PORT_RESULT2 ends.
 */
"	.globl guest_mce_lmce_start, guest_mce_lmce_end\n"
"	.balign 16\n"
"guest_mce_lmce_start:\n"
GATE64(mce_lmce, 13, mce_lmce_gp)
"	xorl	%ebp, %ebp\n"
"	movl	$0x4d0, %ecx\n"
"	xorl	%edx, %edx\n"
"	rdmsr\n"
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	movl	%ebp, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$1, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$2, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	movl	%ebp, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"mce_lmce_gp:\n"
"	incl	%ebp\n"
"	addq	$2, 8(%rsp)\n"
"	addq	$8, %rsp\n"
"	iretq\n"
"guest_mce_lmce_end:\n"
"	.popsection\n");

static int setup_mce(int vcpu_fd, uint64_t cap)
{
	return svxu_ioctl(vcpu_fd, KVM_X86_SETUP_MCE, (unsigned long)&cap);
}

static int inject(int vcpu_fd, unsigned int bank, uint64_t status,
		  uint64_t mcg_status, uint64_t addr)
{
	struct kvm_x86_mce mce;

	memset(&mce, 0, sizeof(mce));
	mce.bank = bank;
	mce.status = status;
	mce.mcg_status = mcg_status;
	mce.addr = addr;
	mce.misc = (2 << 6) | 0xc;	/* MCM_ADDR_PHYS, 4 KiB */
	return svxu_ioctl(vcpu_fd, KVM_X86_SET_MCE, (unsigned long)&mce);
}

static uint64_t msr(int fd, uint32_t index)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aULL;

	if (svxu_get_msr(fd, index, &v))
		return 0xdead;
	return v;
}

static uint32_t lapic_reg(int vcpu_fd, unsigned int off)
{
	struct kvm_lapic_state *s = calloc(1, sizeof(*s));
	uint32_t v = 0xdeadbeef;

	if (s && !svxu_ioctl(vcpu_fd, KVM_GET_LAPIC, (unsigned long)s))
		memcpy(&v, s->regs + off, 4);
	free(s);
	return v;
}

/* A VM (@irqchip: with KVM_CREATE_IRQCHIP), vCPU 0 in long mode at @code */
static int mce_guest(struct svxu_guest *g, struct svxu_code code, bool irqchip)
{
	int r = svxu_guest_create_with(g, irqchip ? SVXU_GUEST_IRQCHIP : 0);

	if (r)
		return r;
	svxu_load(&g->vm, code);
	return svxu_setup_mode(&g->vcpu, SVXU_MODE_LONG64);
}

#define MCE_INIT(name, irqchip) do {					\
	int __r = mce_guest(&self->g, SVX_GUEST(name), irqchip);	\
	ASSERT_EQ(0, __r) TH_LOG("mce guest on %s: %s (%s)",		\
				 svxu_dev(), strerror(-__r),		\
				 svxu_last_op());			\
} while (0)

SVX_GUEST_FIXTURE(mce);

/*
 * What the device offers and KVM_X86_SETUP_MCE with MCG_CMCI_P; MCi_CTL2
 * from the host: 0 after the setup, CMCI_EN and the threshold writable,
 * any other bit refused (the host too), only the configured banks; a
 * setup without MCG_CMCI_P leaves the values (host reads them, writes
 * only 0), one with it clears them.
 */
TEST_F(mce, setup_and_ctl2_from_host)
{
	uint64_t sup = 0;
	int fd, i;

	MCE_INIT(mce_nocmci, false);
	fd = self->g.vcpu.fd;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.sys_fd, KVM_X86_GET_MCE_CAP_SUPPORTED,
				(unsigned long)&sup));
	TH_LOG("%s: MCE caps %#llx", svxu_dev(), (unsigned long long)sup);
	ASSERT_NE(0, sup & MCG_CMCI_P);
	EXPECT_NE(0, sup & MCG_LMCE_P);
	EXPECT_EQ(0, sup & MCG_EXT_P);
	/* a new vCPU: MCG_CAP 32 banks, no CMCI; CTL2 host-readable, 0 */
	EXPECT_EQ(32, msr(fd, MSR_MCG_CAP));
	EXPECT_EQ(0, msr(fd, MSR_MC_CTL2(31)));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(0), CTL2_EN));
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));
	EXPECT_EQ(CAP_CMCI, msr(fd, MSR_MCG_CAP));
	for (i = 0; i < NBANKS; i++) {
		EXPECT_EQ(0, msr(fd, MSR_MC_CTL2(i)));
		EXPECT_EQ(~0ULL, msr(fd, MSR_MC_CTL(i)));
	}
	EXPECT_EQ(0xdead, msr(fd, MSR_MC_CTL2(NBANKS)));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(NBANKS), 0));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_MC_CTL2(3), CTL2_EN | CTL2_THRESHOLD));
	EXPECT_EQ(CTL2_EN | CTL2_THRESHOLD, msr(fd, MSR_MC_CTL2(3)));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_MC_CTL2(4), 5));
	EXPECT_EQ(5, msr(fd, MSR_MC_CTL2(4)));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(4), 1ULL << 29));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(4), 1ULL << 15));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(4), 1ULL << 32));
	EXPECT_EQ(5, msr(fd, MSR_MC_CTL2(4)));
	/* without MCG_CMCI_P: the values stay; the host writes only 0 */
	ASSERT_EQ(0, setup_mce(fd, CAP_NOCMCI));
	EXPECT_EQ(CTL2_EN | CTL2_THRESHOLD, msr(fd, MSR_MC_CTL2(3)));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MC_CTL2(3), CTL2_EN));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_MC_CTL2(4), 0));
	EXPECT_EQ(0, msr(fd, MSR_MC_CTL2(4)));
	/* with it again: cleared */
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));
	EXPECT_EQ(0, msr(fd, MSR_MC_CTL2(3)));
	/* an unknown capability bit is still refused */
	EXPECT_EQ(-EINVAL, setup_mce(fd, CAP_CMCI | MCG_EXT_P));
}

/*
 * The local APIC's LVT: 6 entries (version 0x50014) on a new vCPU, 7
 * (0x60014) with LVTCMCI masked after KVM_X86_SETUP_MCE with MCG_CMCI_P,
 * 6 again without; KVM_SET_LAPIC carries LVTCMCI as given.
 */
TEST_F(mce, lapic_lvt_cmci)
{
	struct kvm_lapic_state *s = calloc(1, sizeof(*s));
	uint32_t w;
	int fd;

	ASSERT_NE(NULL, s);
	MCE_INIT(mce_nocmci, true);
	fd = self->g.vcpu.fd;
	EXPECT_EQ(0x50014, lapic_reg(fd, 0x30));
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));
	EXPECT_EQ(0x60014, lapic_reg(fd, 0x30));
	EXPECT_EQ(0x10000, lapic_reg(fd, 0x2f0));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_LAPIC, (unsigned long)s));
	w = 0x4a9;
	memcpy(s->regs + 0x2f0, &w, 4);
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_SET_LAPIC, (unsigned long)s));
	EXPECT_EQ(0x4a9, lapic_reg(fd, 0x2f0));
	EXPECT_EQ(0x60014, lapic_reg(fd, 0x30));
	ASSERT_EQ(0, setup_mce(fd, CAP_NOCMCI));
	EXPECT_EQ(0x50014, lapic_reg(fd, 0x30));
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));	/* back: masked again */
	EXPECT_EQ(0x10000, lapic_reg(fd, 0x2f0));
	free(s);
}

/*
 * A guest with MCG_CMCI_P and the in-kernel irqchip (see the guest):
 * UCNA 1 comes as a CMCI whose ISR reads its address; UCNA 2 (CMCI_EN
 * off) and 3 (LVTCMCI masked) are only logged; MC7_CTL2's #GP cases.
 */
TEST_F(mce, ucna_as_cmci)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	int fd;

	MCE_INIT(mce_cmci, true);
	fd = v->fd;
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));
	ASSERT_OUT32(v, PORT_RESULT, 0x60014);		/* LVR */
	ASSERT_OUT32(v, PORT_RESULT, 0x10000);		/* LVTCMCI */
	ASSERT_OUT32(v, PORT_RESULT, 0);		/* MC7_CTL2 */
	ASSERT_OUT32(v, PORT_RESULT, 0x40000000);
	EXPECT_EQ(CTL2_EN, msr(fd, MSR_MC_CTL2(7)));
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, 0, ADDR1));
	EXPECT_EQ(UCNA_STATUS, msr(fd, MSR_MC_STATUS(7)));
	EXPECT_EQ(ADDR1, msr(fd, MSR_MC_ADDR(7)));
	ASSERT_OUT32(v, PORT_RESULT, 1);		/* one CMCI */
	ASSERT_OUT32(v, PORT_RESULT, ADDR1);		/* read in the ISR */
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0, msr(fd, MSR_MC_CTL2(7)));
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, 0, ADDR2));
	ASSERT_OUT32(v, PORT_RESULT, 1);		/* CMCI_EN off: none */
	ASSERT_OUT32(v, PORT_RESULT, ADDR2);		/* but logged */
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x10079, lapic_reg(fd, 0x2f0));
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, 0, ADDR3));
	EXPECT_EQ(ADDR3, msr(fd, MSR_MC_ADDR(7)));
	ASSERT_OUT32(v, PORT_RESULT, 1);		/* masked: none */
	ASSERT_OUT32(v, PORT_RESULT, 1);		/* nor after unmasking */
	ASSERT_OUT32(v, PORT_RESULT, 0x40007fff);
	ASSERT_OUT32(v, PORT_RESULT, 3);		/* three #GP */
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

/*
 * A vCPU without MCG_CMCI_P: MC7_CTL2 #GPs for the guest, LVTCMCI is not
 * there, and a UCNA is logged only.  Also KVM's is_ucna(): with any
 * MCG_STATUS bit it is no UCNA but an uncorrected error, which MC7_CTL = 0
 * drops (not logged).
 */
TEST_F(mce, no_cmci)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	int fd;

	MCE_INIT(mce_nocmci, true);
	fd = v->fd;
	ASSERT_EQ(0, setup_mce(fd, CAP_NOCMCI));
	EXPECT_EQ(0x50014, lapic_reg(fd, 0x30));
	ASSERT_OUT32(v, PORT_RESULT, 3);		/* three #GP */
	ASSERT_EQ(0, svxu_set_msr(fd, MSR_MC_CTL(7), 0));
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, MCG_STATUS_EIPV, ADDR1));
	EXPECT_EQ(0, msr(fd, MSR_MC_STATUS(7)));
	EXPECT_EQ(0, msr(fd, MSR_MC_ADDR(7)));
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, 0, ADDR2));
	EXPECT_EQ(UCNA_STATUS, msr(fd, MSR_MC_STATUS(7)));
	EXPECT_EQ(ADDR2, msr(fd, MSR_MC_ADDR(7)));
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

/*
 * The userspace irqchip (no KVM_CREATE_IRQCHIP): MCG_CMCI_P and MCi_CTL2
 * work, and a UCNA with CMCI_EN is logged, no interrupt raised (KVM's
 * kvm_vcpu_x86_set_ucna() delivers only with the local APIC in the
 * kernel; the VMM would inject it).
 */
TEST_F(mce, ucna_userspace_irqchip)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	int fd;

	MCE_INIT(mce_uirq, false);
	fd = v->fd;
	ASSERT_EQ(0, setup_mce(fd, CAP_CMCI));
	ASSERT_OUT32(v, PORT_RESULT, 0x40000000);
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, inject(fd, 7, UCNA_STATUS, 0, ADDR1));
	ASSERT_OUT32(v, PORT_RESULT, 0);		/* no interrupt */
	ASSERT_OUT32(v, PORT_RESULT, ADDR1);
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

/*
 * LMCE: without MCG_LMCE_P FEAT_CTL refuses LMCE_ENABLED; IA32_MCG_EXT_CTL
 * is the host's always (LMCE_EN only), the guest's once FEAT_CTL has
 * LMCE_ENABLED (see the guest); KVM_X86_SETUP_MCE with MCG_LMCE_P allows
 * that bit.
 */
TEST_F(mce, lmce)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	int fd;

	MCE_INIT(mce_lmce, false);
	fd = v->fd;
	ASSERT_EQ(0, setup_mce(fd, CAP_NOCMCI));
	ASSERT_EQ(0, svxu_set_msr(fd, MSR_FEAT_CTL, FEAT_LOCKED));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_FEAT_CTL, FEAT_LOCKED | FEAT_LMCE));
	EXPECT_EQ(FEAT_LOCKED, msr(fd, MSR_FEAT_CTL));
	EXPECT_EQ(0, msr(fd, MSR_MCG_EXT_CTL));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_MCG_EXT_CTL, 1));
	EXPECT_EQ(1, msr(fd, MSR_MCG_EXT_CTL));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_MCG_EXT_CTL, 2));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_MCG_EXT_CTL, 0));
	ASSERT_OUT32(v, PORT_RESULT, 2);		/* two #GP */
	ASSERT_EQ(0, setup_mce(fd, CAP_NOCMCI | MCG_LMCE_P));
	EXPECT_EQ(CAP_NOCMCI | MCG_LMCE_P, msr(fd, MSR_MCG_CAP));
	ASSERT_EQ(0, svxu_set_msr(fd, MSR_FEAT_CTL, FEAT_LOCKED | FEAT_LMCE));
	EXPECT_EQ(FEAT_LOCKED | FEAT_LMCE, msr(fd, MSR_FEAT_CTL));
	ASSERT_OUT32(v, PORT_RESULT, 0);
	ASSERT_OUT32(v, PORT_RESULT, 1);
	ASSERT_OUT32(v, PORT_RESULT, 3);		/* bit 1: #GP */
	EXPECT_EQ(1, msr(fd, MSR_MCG_EXT_CTL));
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

TEST_HARNESS_MAIN
