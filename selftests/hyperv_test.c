// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V emulation: what a device advertises works, what it does not
 * advertise it refuses, as KVM 6.1 does (arch/x86/kvm/hyperv.c, x86.c).
 * The KVM_CAP_HYPERV* answers are the same on the system and the VM fd;
 * KVM_GET_SUPPORTED_HV_CPUID on the system fd follows
 * KVM_CAP_SYS_HYPERV_CPUID and on the vCPU fd KVM_CAP_HYPERV_CPUID (-E2BIG
 * for a too small table, then KVM's leaves with "Hv#1" in 0x40000001, or
 * -EINVAL, KVM's answer to an ioctl it does not have); KVM_ENABLE_CAP of
 * KVM_CAP_HYPERV_ENFORCE_CPUID, and KVM_CAP_HYPERV_SYNIC2 with the
 * in-kernel irqchip, succeed iff advertised, else -EINVAL.  In the guest:
 * without the Hyper-V interface leaf ("Hv#1" in 0x40000001.EAX) the
 * synthetic MSRs #GP (KVM: !vcpu->arch.hyperv_enabled), on every device;
 * with the leaves the device supports set, HV_X64_MSR_GUEST_OS_ID takes
 * and returns a value and HV_X64_MSR_TIME_REF_COUNT, when its feature bit
 * is there, counts.  Then what the device's leaves list, KVM's way
 * (hvop guest, the host's choice of RDMSR, WRMSR or a hypercall through
 * the page at each entry): the listed MSRs in KVM_GET_MSR_INDEX_LIST and
 * their values and write rules from the VMM and the guest, the hypercall
 * page and KVM's HV_STATUS_* answers, crash and reset as
 * KVM_EXIT_SYSTEM_EVENT, KVM_CAP_HYPERV_ENFORCE_CPUID, and the reference
 * TSC page across KVM_SET_CLOCK and TSC emulation; SynIC (the MSRs and
 * their KVM_EXIT_HYPERV exits, SINT delivery through
 * KVM_IRQ_ROUTING_HV_SINT with and without auto-EOI, the EOI's ack of the
 * SINT's GSI to a resampling irqfd, HvPostMessage and HvSignalEvent to
 * the VMM and to KVM_HYPERV_EVENTFD's eventfds); a synthetic timer in
 * direct and in message mode; the synthetic debugger's MSRs, exits and
 * hypercalls; the APIC access MSRs, the VP assist page and its PV EOI;
 * the TLB-flush hypercalls, HvSendIpiEx and XMM fast input.
 * /dev/shadowvmx has core/hyperv.c; the cases skip where a cap is 0 or
 * the leaves do not list the feature.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "svx.h"

#define HV_GUEST_OS_ID		0x40000000
#define HV_TIME_REF_COUNT	0x40000020
#define HV_LINUX_OS_ID_HI	0x81000000u	/* (u64)0x8100 << 48, EDX */
#define HV_SIGNATURE_EAX	0x31237648u	/* "Hv#1" */
#define HV_FEATURES_LEAF	0x40000003
#define HV_TIME_REF_AVAILABLE	(1u << 1)	/* HV_MSR_TIME_REF_COUNT_AVAILABLE */
#define HV_MAX_ENTRIES		64
#define HV_NR_LEAVES		10u	/* KVM 6.1's kvm_get_hv_cpuid() */
#define HV_NESTED_LEAF		0x4000000A
#define HV_NESTED_MSR_BITMAP	(1u << 19)	/* HV_X64_NESTED_MSR_BITMAP */

/*
 * The MSR guest (long mode): EDI is 1 after an access that took #GP (the
 * handler skips the 2-byte RDMSR/WRMSR), else 0.  Each access reports EDI
 * to PORT_RESULT2; then rdmsr GUEST_OS_ID (EAX to PORT_RESULT), wrmsr
 * GUEST_OS_ID = Linux's id, rdmsr GUEST_OS_ID (EDX), rdmsr TIME_REF_COUNT,
 * a delay, rdmsr TIME_REF_COUNT again (1 to PORT_RESULT when the second
 * read is above the first, else 0); HLT.
 */
#define HV_REPORT_GP							\
"	movl	%edi, %eax\n"						\
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"

__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hv_start, guest_hv_end\n"
"	.balign 16\n"
"guest_hv_start:\n"
GATE64(hv, 13, hv_gp)
"	xorl	%edi, %edi\n"
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	movl	$" XSTR(HV_GUEST_OS_ID) ", %ecx\n"
"	rdmsr\n"
"	movl	%eax, %ebx\n"
HV_REPORT_GP
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	xorl	%edi, %edi\n"
"	xorl	%eax, %eax\n"
"	movl	$" XSTR(HV_LINUX_OS_ID_HI) ", %edx\n"
"	wrmsr\n"
HV_REPORT_GP
"	xorl	%edi, %edi\n"
"	xorl	%edx, %edx\n"
"	rdmsr\n"
"	movl	%edx, %ebx\n"
HV_REPORT_GP
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	xorl	%edi, %edi\n"
"	movl	$" XSTR(HV_TIME_REF_COUNT) ", %ecx\n"
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %rbx\n"
HV_REPORT_GP
"	movl	$2000000, %esi\n"
"1:	decl	%esi\n"
"	jnz	1b\n"
"	xorl	%edi, %edi\n"
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %rsi\n"
HV_REPORT_GP
"	xorl	%eax, %eax\n"
"	cmpq	%rbx, %rsi\n"
"	seta	%al\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"hv_gp:\n"
"	movl	$1, %edi\n"
"	addq	$2, 8(%rsp)\n"		/* past the error code: RIP */
"	addq	$8, %rsp\n"		/* pop the error code */
"	iretq\n"
"guest_hv_end:\n"
"	.popsection\n");

/*
 * The operation guest (long mode, identity-mapped): what it does is the
 * host's choice through its registers at each entry at SVX_CODE.  RBX 0:
 * rdmsr ECX (PORT_RESULT2 the #GP flag, PORT_RESULT EAX, then EDX); 1:
 * wrmsr ECX <- EDX:EAX (PORT_RESULT2 the #GP flag); 2: call the hypercall
 * page at RSI with RCX/RDX/R8 (PORT_RESULT2 2 if it took #UD, else 0;
 * PORT_RESULT the status in EAX).  Then, with R11 0, HLT; else (an
 * in-kernel irqchip, where HLT blocks in the kernel) HV_OP_DONE to
 * PORT_RESULT2 first.  The #UD handler skips the page's 3-byte VMCALL.
 */
#define HV_OP_DONE	0xd09e
__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hvop_start, guest_hvop_end\n"
"	.balign 16\n"
"guest_hvop_start:\n"
"	movq	%rax, %r9\n"
GATE64(hvop, 13, hvop_gp)
GATE64(hvop, 6, hvop_ud)
"	movq	%r9, %rax\n"
"	xorl	%edi, %edi\n"
"	cmpl	$1, %ebx\n"
"	je	1f\n"
"	cmpl	$2, %ebx\n"
"	je	2f\n"
"	rdmsr\n"
"	movl	%eax, %r10d\n"
"	movl	%edi, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movl	%r10d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	%edx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	jmp	hvop_end\n"
"1:	wrmsr\n"
"	movl	%edi, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	jmp	hvop_end\n"
"2:	call	*%rsi\n"
"	movq	%rax, %r10\n"
"	movl	%edi, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movl	%r10d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	jmp	hvop_end\n"
"hvop_end:\n"
"	testl	%r11d, %r11d\n"
"	jz	1f\n"
"	movl	$" XSTR(HV_OP_DONE) ", %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"1:	hlt\n"
"hvop_gp:\n"
"	movl	$1, %edi\n"
"	addq	$2, 8(%rsp)\n"
"	addq	$8, %rsp\n"
"	iretq\n"
"hvop_ud:\n"
"	movl	$2, %edi\n"
"	addq	$3, (%rsp)\n"
"	iretq\n"
"guest_hvop_end:\n"
"	.popsection\n");

/*
 * The IPI guest (long mode, in-kernel irqchip): an interrupt gate for
 * vector 0x40 (the handler counts in EBX and EOIs), the local APIC
 * software-enabled, then the hypercall page at R9 with RCX/RDX/R8 as the
 * host set them (PORT_RESULT the status), STI and HLT until the count is
 * 1 (PORT_RESULT the count).
 */
__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hvipi_start, guest_hvipi_end\n"
"	.balign 16\n"
"guest_hvipi_start:\n"
GATE64(hvipi, 0x40, hvipi_isr)
"	movl	$0xfee00000, %esi\n"
"	movl	$0x1ff, 0xf0(%rsi)\n"		/* SVR: on, spurious 0xff */
"	xorl	%ebx, %ebx\n"
"	call	*%r9\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	sti\n"
"1:	hlt\n"
"	cmpl	$1, %ebx\n"
"	jb	1b\n"
"	cli\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	jmp	.\n"
"hvipi_isr:\n"
"	incl	%ebx\n"
"	movl	$0, 0xb0(%rsi)\n"		/* EOI */
"	iretq\n"
"guest_hvipi_end:\n"
"	.popsection\n");

/*
 * The SINT guest (long mode, in-kernel irqchip): an interrupt gate for
 * vector 0x50 whose handler counts in EBX and does not EOI, the local
 * APIC software-enabled; PORT_RESULT 0 (ready), STI and HLT until the
 * count is 1; then PORT_RESULT the count, the ISR word of vectors
 * 0x40-0x5f, an EOI and that word again.
 */
__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hvsint_start, guest_hvsint_end\n"
"	.balign 16\n"
"guest_hvsint_start:\n"
GATE64(hvsint, 0x50, hvsint_isr)
"	movl	$0xfee00000, %esi\n"
"	movl	$0x1ff, 0xf0(%rsi)\n"		/* SVR: on, spurious 0xff */
"	xorl	%ebx, %ebx\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	sti\n"
"1:	hlt\n"
"	cmpl	$1, %ebx\n"
"	jb	1b\n"
"	cli\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	0x120(%rsi), %eax\n"		/* ISR 0x40-0x5f */
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0, 0xb0(%rsi)\n"		/* EOI */
"	movl	0x120(%rsi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"hvsint_isr:\n"
"	incl	%ebx\n"
"	iretq\n"
"guest_hvsint_end:\n"
"	.popsection\n");

/*
 * The PV EOI guest (long mode, in-kernel irqchip): an interrupt gate for
 * vector 0x40, the local APIC software-enabled, the VP assist page at R12
 * (HV_X64_MSR_VP_ASSIST_PAGE), the page and the stack written once (KVM
 * offers PV EOI at the entry that delivers, not again after a fault exit
 * on their first use), then a self-IPI of 0x40 through HV_X64_MSR_ICR
 * with interrupts on.  The handler does what Linux's
 * hv_apic_eoi_write() does: takes the page's apic_assist dword (XCHG with
 * 0) and writes HV_X64_MSR_EOI only when its bit 0 was clear; EDI keeps
 * what it took.  Then PORT_RESULT that dword and the ISR word of vectors
 * 0x40-0x5f.
 */
__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hvpveoi_start, guest_hvpveoi_end\n"
"	.balign 16\n"
"guest_hvpveoi_start:\n"
GATE64(hvpveoi, 0x40, hvpveoi_isr)
"	movl	$0xfee00000, %esi\n"
"	movl	$0x1ff, 0xf0(%rsi)\n"		/* SVR: on, spurious 0xff */
"	xorl	%ebx, %ebx\n"
"	movl	$0x40000073, %ecx\n"		/* VP_ASSIST_PAGE */
"	movq	%r12, %rax\n"
"	orl	$1, %eax\n"
"	movq	%r12, %rdx\n"
"	shrq	$32, %rdx\n"
"	wrmsr\n"
"	movl	(%r12), %eax\n"		/* page and stack mapped: no */
"	movl	%eax, (%r12)\n"		/* exit between delivery and */
"	pushq	%rax\n"			/* the handler's XCHG */
"	popq	%rax\n"
"	movl	$0x40000071, %ecx\n"		/* ICR: self, fixed, 0x40 */
"	movl	$0x40040, %eax\n"
"	xorl	%edx, %edx\n"
"	sti\n"
"	wrmsr\n"
"1:	cmpl	$1, %ebx\n"
"	jb	1b\n"
"	cli\n"
"	movl	%edi, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	0x120(%rsi), %eax\n"		/* ISR 0x40-0x5f */
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"hvpveoi_isr:\n"
"	incl	%ebx\n"
"	xorl	%edi, %edi\n"
"	xchgl	%edi, (%r12)\n"
"	testl	$1, %edi\n"
"	jnz	2f\n"
"	movl	$0x40000070, %ecx\n"		/* HV_X64_MSR_EOI */
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"2:	iretq\n"
"guest_hvpveoi_end:\n"
"	.popsection\n");

/*
 * The flush guest (long mode; the host maps VA 0x200000 through a 4 KiB
 * table at 0x1b000 to page 0x1c000): reads the dword at 0x200000
 * (PORT_RESULT), points the table's entry at page 0x1d000 with no
 * INVLPG, calls the hypercall page at R9 with RCX/RDX/R8 as the host set
 * them (PORT_RESULT the status), reads 0x200000 again (PORT_RESULT); HLT.
 */
__asm__(
"	.pushsection .rodata.svx_hv_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hvflush_start, guest_hvflush_end\n"
"	.balign 16\n"
"guest_hvflush_start:\n"
"	movl	0x200000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movq	$0x1d003, %rax\n"
"	movq	%rax, 0x1b000\n"
"	call	*%r9\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	0x200000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_hvflush_end:\n"
"	.popsection\n");

struct hv_cpuid {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[HV_MAX_ENTRIES];
};

static const struct {
	long cap;
	const char *name;
} hv_cap_list[] = {
	{ KVM_CAP_HYPERV, "HYPERV" },
	{ KVM_CAP_HYPERV_VAPIC, "HYPERV_VAPIC" },
	{ KVM_CAP_HYPERV_SPIN, "HYPERV_SPIN" },
	{ KVM_CAP_HYPERV_TIME, "HYPERV_TIME" },
	{ KVM_CAP_HYPERV_SYNIC, "HYPERV_SYNIC" },
	{ KVM_CAP_HYPERV_SYNIC2, "HYPERV_SYNIC2" },
	{ KVM_CAP_HYPERV_VP_INDEX, "HYPERV_VP_INDEX" },
	{ KVM_CAP_HYPERV_EVENTFD, "HYPERV_EVENTFD" },
	{ KVM_CAP_HYPERV_TLBFLUSH, "HYPERV_TLBFLUSH" },
	{ KVM_CAP_HYPERV_SEND_IPI, "HYPERV_SEND_IPI" },
	{ KVM_CAP_HYPERV_CPUID, "HYPERV_CPUID" },
	{ KVM_CAP_SYS_HYPERV_CPUID, "SYS_HYPERV_CPUID" },
	{ KVM_CAP_HYPERV_ENFORCE_CPUID, "HYPERV_ENFORCE_CPUID" },
	{ KVM_CAP_HYPERV_DIRECT_TLBFLUSH, "HYPERV_DIRECT_TLBFLUSH" },
	{ KVM_CAP_HYPERV_ENLIGHTENED_VMCS, "HYPERV_ENLIGHTENED_VMCS" },
};

static int enable_cap(int fd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	return svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&c);
}

static long has_cap(struct svxu_guest *g, long cap)
{
	return svxu_ioctl(g->vm.sys_fd, KVM_CHECK_EXTENSION, cap);
}

/*
 * KVM_GET_SUPPORTED_HV_CPUID on @fd (system or vCPU): with a table of 0
 * entries -E2BIG and with a full one KVM's leaves when @advertised, else
 * -EINVAL both times.  Leaves the table in @c.
 */
static void hv_cpuid_ioctl(struct __test_metadata *_metadata, int fd,
			   bool advertised, struct hv_cpuid *c)
{
	struct kvm_cpuid2 empty = { .nent = 0 };
	bool sig = false;
	uint32_t i;
	int r;

	r = svxu_ioctl(fd, KVM_GET_SUPPORTED_HV_CPUID, (unsigned long)&empty);
	EXPECT_EQ(advertised ? -E2BIG : -EINVAL, r);
	memset(c, 0, sizeof(*c));
	c->h.nent = HV_MAX_ENTRIES;
	r = svxu_ioctl(fd, KVM_GET_SUPPORTED_HV_CPUID, (unsigned long)c);
	if (!advertised) {
		EXPECT_EQ(-EINVAL, r);
		c->h.nent = 0;
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_LT(0, c->h.nent);
	ASSERT_GE(HV_MAX_ENTRIES, c->h.nent);
	for (i = 0; i < c->h.nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->e[i];

		EXPECT_LE(0x40000000u, e->function);
		EXPECT_GE(0x400000ffu, e->function);
		EXPECT_EQ(0u, e->index);
		EXPECT_EQ(0u, e->flags);
		if (e->function == 0x40000001) {
			EXPECT_EQ(HV_SIGNATURE_EAX, e->eax);
			sig = true;
		}
		/*
		 * KVM's nested leaf: the enlightened MSR bitmap always,
		 * with or without eVMCS (upstream hyperv_cpuid's rule)
		 */
		if (e->function == HV_NESTED_LEAF)
			EXPECT_TRUE(e->eax & HV_NESTED_MSR_BITMAP)
				TH_LOG("0x4000000A.EAX %#x", e->eax);
	}
	EXPECT_TRUE(sig);
	EXPECT_EQ(HV_NR_LEAVES, c->h.nent);
}

/*
 * The vCPU's table without its 0x400000xx leaves, plus @hv's
 * (KVM_SET_CPUID2, before the first run; as the upstream selftests'
 * vcpu_set_hv_cpuid()).
 */
static int set_hv_leaves(struct svxu_guest *g, const struct hv_cpuid *hv)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128 + HV_MAX_ENTRIES];
	} c = { .h.nent = 128 };
	uint32_t i, n = 0;
	int r = svxu_ioctl(g->vcpu.fd, KVM_GET_CPUID2, (unsigned long)&c);

	if (r)
		return r;
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function < 0x40000000 ||
		    c.e[i].function > 0x400000ff)
			c.e[n++] = c.e[i];
	for (i = 0; i < hv->h.nent; i++)
		c.e[n++] = hv->e[i];
	c.h.nent = n;
	return svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)&c);
}

SVX_GUEST_FIXTURE(hv);

/* Every KVM_CAP_HYPERV*: the same answer on the system and the VM fd. */
TEST_F(hv, caps)
{
	unsigned int i;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	for (i = 0; i < ARRAY_SIZE(hv_cap_list); i++) {
		long sys = has_cap(&self->g, hv_cap_list[i].cap);
		long vm = svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION,
				     hv_cap_list[i].cap);

		TH_LOG("KVM_CAP_%s: system %ld, VM %ld", hv_cap_list[i].name,
		       sys, vm);
		EXPECT_LE(0, sys);
		EXPECT_EQ(sys, vm);
	}
}

/* KVM_GET_SUPPORTED_HV_CPUID on the system fd: KVM_CAP_SYS_HYPERV_CPUID */
TEST_F(hv, sys_hv_cpuid)
{
	struct hv_cpuid c;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	hv_cpuid_ioctl(_metadata, self->g.vm.sys_fd,
		       has_cap(&self->g, KVM_CAP_SYS_HYPERV_CPUID) > 0, &c);
}

/*
 * ... and on the vCPU fd: KVM_CAP_HYPERV_CPUID.  Where it is not there,
 * shadowvmx says so in one dmesg line per call (kvm_intel prints none).
 */
TEST_F(hv, vcpu_hv_cpuid)
{
	struct hv_cpuid c;
	bool advertised;
	char needle[64];
	int before;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	advertised = has_cap(&self->g, KVM_CAP_HYPERV_CPUID) > 0;
	snprintf(needle, sizeof(needle), "vcpu0: ioctl %#x ",
		 (unsigned int)KVM_GET_SUPPORTED_HV_CPUID);
	before = svx_klog_count(needle);
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, advertised, &c);
	if (advertised || svxu_dev_is_kvm() || before < 0)
		return;
	EXPECT_EQ(before + 2, svx_klog_count(needle))
		TH_LOG("a dmesg line \"%s\" per call", needle);
}

/* KVM_ENABLE_CAP on the vCPU fd: the Hyper-V caps only where advertised */
TEST_F(hv, enable_caps)
{
	bool enforce, synic2;

	ASSERT_EQ(0, svxu_guest_create_with(&self->g, SVXU_GUEST_IRQCHIP));
	enforce = has_cap(&self->g, KVM_CAP_HYPERV_ENFORCE_CPUID) > 0;
	synic2 = has_cap(&self->g, KVM_CAP_HYPERV_SYNIC2) > 0;
	EXPECT_EQ(enforce ? 0 : -EINVAL,
		  enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_ENFORCE_CPUID, 1));
	EXPECT_EQ(synic2 ? 0 : -EINVAL,
		  enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));
	/* KVM: SYNIC2 takes no argument, on any device */
	EXPECT_EQ(-EINVAL,
		  enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 1));
}

/* Without the Hyper-V interface leaf the synthetic MSRs #GP. */
TEST_F(hv, msrs_without_leaves)
{
	INIT(hv, SVXU_MODE_LONG64);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 1);	/* rdmsr OS_ID */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* EAX untouched */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 1);	/* wrmsr OS_ID */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 1);	/* rdmsr OS_ID */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* EDX untouched */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 1);	/* TIME_REF_COUNT */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 1);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/* With the device's Hyper-V leaves: what they advertise works. */
TEST_F(hv, msrs_with_leaves)
{
	struct hv_cpuid c;
	bool time_ref = false;
	uint32_t i;

	INIT(hv, SVXU_MODE_LONG64);
	if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)
		SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s: no Hyper-V leaves",
		     svxu_dev());
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == HV_FEATURES_LEAF)
			time_ref = c.e[i].eax & HV_TIME_REF_AVAILABLE;
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* not written yet */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HV_LINUX_OS_ID_HI);
	if (!time_ref)
		return;
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);	/* it counts */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/* ------------------------------------------------------------------ */
/* What KVM_GET_SUPPORTED_HV_CPUID lists, at work (the hvop guest)      */

#define HV_HYPERCALL		0x40000001
#define HV_VP_INDEX		0x40000002
#define HV_RESET		0x40000003
#define HV_VP_RUNTIME		0x40000010
#define HV_REFERENCE_TSC	0x40000021
#define HV_TSC_FREQUENCY	0x40000022
#define HV_APIC_FREQUENCY	0x40000023
#define HV_CRASH_P0		0x40000100
#define HV_CRASH_CTL		0x40000105
#define HV_REENLIGHTENMENT	0x40000106
#define HV_TSC_EMU_CONTROL	0x40000107
#define HV_TSC_EMU_STATUS	0x40000108
#define HV_ENLIGHTENMENT_LEAF	0x40000004
#define HV_EOI_MSR		0x40000070
#define HV_ICR_MSR		0x40000071
#define HV_TPR_MSR		0x40000072
#define HV_VP_ASSIST		0x40000073
#define HV_ASSIST_PAGE		0x1a000		/* in slot 0, free */
#define HV_HCALL_PAGE		0x14000		/* in slot 0, free */
#define HV_TSC_PAGE		0x15000
#define HV_CRASH_NOTIFY		(1ull << 63)
#define HVCALL_SPIN_WAIT	0x0008
#define HVCALL_POST_MSG		0x005c
#define HVCALL_SIGNAL_EVT	0x005d
#define HV_FAST			(1ull << 16)
#define HV_ST_SUCCESS		0
#define HV_ST_INVALID_CODE	2
#define HV_ST_INVALID_INPUT	3
#define HV_ST_ACCESS_DENIED	6

/* 0x40000003's bits and the MSRs each makes available (KVM's table) */
static const struct {
	int edx;		/* in EDX, else EAX */
	uint32_t bit;
	uint32_t msr[6];
} hv_msr_bits[] = {
	{ 0, 1u << 0, { HV_VP_RUNTIME } },
	{ 0, 1u << 1, { HV_TIME_REF_COUNT } },
	{ 0, 1u << 2, { 0x40000080 } },	/* SynIC: KVM lists SCONTROL */
	{ 0, 1u << 3, { 0x400000b0 } },	/* stimers: STIMER0_CONFIG */
	{ 0, 1u << 4, { 0x40000073 } },	/* APIC access: VP_ASSIST_PAGE */
	{ 0, 1u << 5, { HV_GUEST_OS_ID, HV_HYPERCALL } },
	{ 0, 1u << 6, { HV_VP_INDEX } },
	{ 0, 1u << 7, { HV_RESET } },
	{ 0, 1u << 9, { HV_REFERENCE_TSC } },
	{ 0, 1u << 11, { HV_TSC_FREQUENCY, HV_APIC_FREQUENCY } },
	{ 0, 1u << 13, { HV_REENLIGHTENMENT, HV_TSC_EMU_CONTROL,
			 HV_TSC_EMU_STATUS } },
	{ 1, 1u << 10, { HV_CRASH_P0, HV_CRASH_P0 + 1, HV_CRASH_P0 + 2,
			 HV_CRASH_P0 + 3, HV_CRASH_P0 + 4, HV_CRASH_CTL } },
	{ 1, 1u << 11, { 0x400000f1, 0x400000f2, 0x400000f3, 0x400000f4,
			 0x400000f5, 0x400000ff } },	/* the debugger's */
};

static struct kvm_cpuid_entry2 *hv_leaf(struct hv_cpuid *c, uint32_t fn)
{
	uint32_t i;

	for (i = 0; i < c->h.nent; i++)
		if (c->e[i].function == fn)
			return &c->e[i];
	return NULL;
}

/* The hvop guest ends with HV_OP_DONE (in-kernel irqchip), not HLT */
static bool hvop_irqchip;

/* The next hvop entry: RBX @op and the other registers it reads. */
static void hvop_enter(struct __test_metadata *_metadata,
		       struct svxu_guest *g, uint64_t op, uint64_t rcx,
		       uint64_t val, uint64_t rsi, uint64_t r8)
{
	struct kvm_regs r;

	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	r.rip = SVX_CODE;
	r.rsp = SVX_STACK;
	r.rflags = 2;
	r.rbx = op;
	r.rcx = rcx;
	r.rax = (uint32_t)val;
	r.rdx = op == 2 ? val : val >> 32;
	r.rsi = rsi;
	r.r8 = r8;
	r.r11 = hvop_irqchip;
	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_SET_REGS, (unsigned long)&r));
}

/* The end of an hvop entry: HLT, or HV_OP_DONE with an in-kernel irqchip */
static bool hvop_ended(struct svxu_guest *g)
{
	if (svxu_run(&g->vcpu))
		return false;
	if (!hvop_irqchip)
		return g->run->exit_reason == KVM_EXIT_HLT;
	return g->run->exit_reason == KVM_EXIT_IO &&
	       g->run->io.direction == KVM_EXIT_IO_OUT &&
	       g->run->io.port == PORT_RESULT2 && g->run->io.size == 4 &&
	       svxu_io_value(g->run) == HV_OP_DONE;
}

/* A guest RDMSR: its #GP flag (1: #GP), the value in *@v */
static void guest_rdmsr(struct __test_metadata *_metadata,
			struct svxu_guest *g, uint32_t msr, int *gp,
			uint64_t *v)
{
	uint32_t lo;

	hvop_enter(_metadata, g, 0, msr, 0, 0, 0);
	ASSERT_PIO(&g->vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	*gp = svxu_io_value(g->run);
	ASSERT_PIO(&g->vcpu, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	lo = svxu_io_value(g->run);
	ASSERT_PIO(&g->vcpu, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	*v = (uint64_t)svxu_io_value(g->run) << 32 | lo;
	ASSERT_TRUE(hvop_ended(g)) TH_LOG("%s", svxu_exit_str(g->run));
}

/* A Hyper-V guest's first steps, done by the VMM: OS id, hypercall page */
static void hv_enable_hypercalls(struct __test_metadata *_metadata,
				 struct svxu_guest *g)
{
	ASSERT_EQ(0, svxu_set_msr(g->vcpu.fd, HV_GUEST_OS_ID,
				  (uint64_t)HV_LINUX_OS_ID_HI << 32));
	ASSERT_EQ(0, svxu_set_msr(g->vcpu.fd, HV_HYPERCALL,
				  HV_HCALL_PAGE | 1));
}

/* A guest WRMSR; its #GP flag; @exit: the exit after it (HLT unless...) */
static void guest_wrmsr(struct __test_metadata *_metadata,
			struct svxu_guest *g, uint32_t msr, uint64_t v,
			int *gp)
{
	hvop_enter(_metadata, g, 1, msr, v, 0, 0);
	ASSERT_PIO(&g->vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	*gp = svxu_io_value(g->run);
	ASSERT_TRUE(hvop_ended(g)) TH_LOG("%s", svxu_exit_str(g->run));
}

/* One run: an OUT of 4 bytes to @port, its value in *@v */
static bool run_out32(struct svxu_guest *g, uint16_t port, uint32_t *v)
{
	if (svxu_run(&g->vcpu) || g->run->exit_reason != KVM_EXIT_IO ||
	    g->run->io.direction != KVM_EXIT_IO_OUT ||
	    g->run->io.port != port || g->run->io.size != 4)
		return false;
	*v = svxu_io_value(g->run);
	return true;
}

/*
 * A hypercall through the page: its status (~0 if the guest did not get
 * as far), *@ud 2 if it took #UD.
 */
static uint32_t guest_hcall(struct __test_metadata *_metadata,
			    struct svxu_guest *g, uint64_t param,
			    uint64_t ingpa, int *ud)
{
	uint32_t st, u;

	*ud = -1;
	hvop_enter(_metadata, g, 2, param, ingpa, HV_HCALL_PAGE, 0);
	if (!run_out32(g, PORT_RESULT2, &u) || !run_out32(g, PORT_RESULT, &st) ||
	    !hvop_ended(g)) {
		TH_LOG("hypercall %#llx: %s", (unsigned long long)param,
		       svxu_exit_str(g->run));
		return ~0u;
	}
	*ud = u;
	return st;
}

/*
 * The hvop guest with the device's Hyper-V leaves, or skip where it has
 * none.  Leaves the table in @c.
 */
#define HV_INIT(c) do {							\
	INIT(hvop, SVXU_MODE_LONG64);					\
	if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)		\
		SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s",		\
		     svxu_dev());					\
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, (c));		\
} while (0)

/*
 * The system and vCPU tables agree, list KVM's ten leaves, and a cap of
 * what they list is 1: what is listed is checked by the tests below.
 */
TEST_F(hv, leaves)
{
	struct hv_cpuid sys, vc;
	struct kvm_cpuid_entry2 *f, *v;

	HV_INIT(&vc);
	if (has_cap(&self->g, KVM_CAP_SYS_HYPERV_CPUID) <= 0)
		SKIP(return, "KVM_CAP_SYS_HYPERV_CPUID is 0");
	hv_cpuid_ioctl(_metadata, self->g.vm.sys_fd, true, &sys);
	ASSERT_EQ(10u, vc.h.nent);
	ASSERT_EQ(vc.h.nent, sys.h.nent);
	v = hv_leaf(&vc, 0x40000000);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(0x40000082u, v->eax);
	f = hv_leaf(&vc, HV_FEATURES_LEAF);
	ASSERT_NE(NULL, f);
	TH_LOG("%s: 0x40000003 %08x %08x %08x, 0x40000004 %08x %08x",
	       svxu_dev(), f->eax, f->ebx, f->edx,
	       hv_leaf(&vc, HV_ENLIGHTENMENT_LEAF)->eax,
	       hv_leaf(&vc, HV_ENLIGHTENMENT_LEAF)->ebx);
	/* the in-kernel-LAPIC bits apart, the vCPU's is the system's */
	EXPECT_EQ(hv_leaf(&sys, HV_FEATURES_LEAF)->eax, f->eax);
	EXPECT_EQ(hv_leaf(&sys, HV_FEATURES_LEAF)->ebx, f->ebx);
	EXPECT_EQ(f->eax & (1u << 1) ? 1 : 0,
		  has_cap(&self->g, KVM_CAP_HYPERV_TIME) > 0);
	EXPECT_EQ(f->eax & (1u << 6) ? 1 : 0,
		  has_cap(&self->g, KVM_CAP_HYPERV_VP_INDEX) > 0);
	/* SynIC listed iff KVM_CAP_HYPERV_SYNIC */
	EXPECT_EQ(f->eax & (1u << 2) ? 1 : 0,
		  has_cap(&self->g, KVM_CAP_HYPERV_SYNIC) > 0);
}

/*
 * The VMM's side of every MSR the leaves make available: listed by
 * KVM_GET_MSR_INDEX_LIST, readable, and KVM's values and write rules.
 */
TEST_F(hv, host_msrs)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f;
	struct kvm_clock_data c1, c2;
	struct kvm_msr_list *l;
	struct svxu_vcpu v1;
	uint64_t v, ref;
	unsigned int i, j, k;
	bool listed;

	HV_INIT(&c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	ASSERT_NE(NULL, f);
	l = calloc(1, sizeof(*l) + 1024 * sizeof(l->indices[0]));
	ASSERT_NE(NULL, l);
	l->nmsrs = 1024;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.sys_fd, KVM_GET_MSR_INDEX_LIST,
				(unsigned long)l));
	for (i = 0; i < ARRAY_SIZE(hv_msr_bits); i++) {
		if (!((hv_msr_bits[i].edx ? f->edx : f->eax) &
		      hv_msr_bits[i].bit))
			continue;
		for (j = 0; j < 6 && hv_msr_bits[i].msr[j]; j++) {
			uint32_t m = hv_msr_bits[i].msr[j];

			for (listed = false, k = 0; k < l->nmsrs; k++)
				listed |= l->indices[k] == m;
			EXPECT_TRUE(listed) TH_LOG("MSR %#x not listed", m);
			EXPECT_EQ(0, svxu_get_msr(self->g.vcpu.fd, m, &v))
				TH_LOG("MSR %#x", m);
		}
	}
	free(l);

	if (f->eax & (1u << 11)) {	/* the frequency MSRs */
		long khz = svxu_ioctl(self->g.vcpu.fd, KVM_GET_TSC_KHZ, 0);

		ASSERT_LT(0, khz);
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TSC_FREQUENCY, &v));
		EXPECT_EQ((uint64_t)khz * 1000, v);
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_APIC_FREQUENCY, &v));
		EXPECT_EQ(1000000000ull, v);
		/* read-only; the VMM's write is taken and ignored */
		EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_TSC_FREQUENCY, 5));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TSC_FREQUENCY, &v));
		EXPECT_EQ((uint64_t)khz * 1000, v);
	}
	if (f->eax & (1u << 1)) {	/* the kvmclock in 100 ns */
		ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_GET_CLOCK,
					(unsigned long)&c1));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TIME_REF_COUNT,
					  &ref));
		ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_GET_CLOCK,
					(unsigned long)&c2));
		EXPECT_LE(c1.clock / 100, ref);
		EXPECT_GE(c2.clock / 100 + 1, ref);
		EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_TIME_REF_COUNT, 1));
	}
	if (f->eax & (1u << 5)) {	/* GUEST_OS_ID and HYPERCALL */
		uint8_t *page = self->g.vm.mem + HV_HCALL_PAGE;
		static const uint8_t insn[4] = { 0x0f, 0x01, 0xc1, 0xc3 };

		/* without a guest OS ID the write is dropped */
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_HYPERCALL,
					  HV_HCALL_PAGE | 1));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_HYPERCALL, &v));
		EXPECT_EQ(0u, v);
		EXPECT_EQ(0, page[0]);
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_GUEST_OS_ID,
					  (uint64_t)HV_LINUX_OS_ID_HI << 32));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_GUEST_OS_ID, &v));
		EXPECT_EQ((uint64_t)HV_LINUX_OS_ID_HI << 32, v);
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_HYPERCALL,
					  HV_HCALL_PAGE | 1));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_HYPERCALL, &v));
		EXPECT_EQ(HV_HCALL_PAGE | 1u, v);
		EXPECT_EQ(0, memcmp(page, insn, sizeof(insn)));	/* Intel's */
		/* an ID of 0 turns the page off */
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_GUEST_OS_ID, 0));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_HYPERCALL, &v));
		EXPECT_EQ(HV_HCALL_PAGE, v);
	}
	if (f->eax & (1u << 6)) {	/* the creation index; the VMM's */
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_VP_INDEX, &v));
		EXPECT_EQ(0u, v);
		ASSERT_EQ(0, svxu_vcpu_create(&self->g.vm, 3, &v1));
		ASSERT_EQ(0, svxu_get_msr(v1.fd, HV_VP_INDEX, &v));
		EXPECT_EQ(1u, v);
		ASSERT_EQ(0, svxu_set_msr(v1.fd, HV_VP_INDEX, 7));
		ASSERT_EQ(0, svxu_get_msr(v1.fd, HV_VP_INDEX, &v));
		EXPECT_EQ(7u, v);
		svxu_vcpu_destroy(&v1);
	}
	if (f->eax & (1u << 0)) {	/* the task's time plus the VMM's */
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_VP_RUNTIME,
					  1000000000ull));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_VP_RUNTIME, &v));
		EXPECT_LE(1000000000ull, v);
		EXPECT_GT(1100000000ull, v);
	}
	if (f->edx & (1u << 10)) {	/* crash MSRs */
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_CRASH_CTL, ~0ull));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_CRASH_CTL, &v));
		EXPECT_EQ(HV_CRASH_NOTIFY, v);
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_CRASH_P0 + 2,
					  0x1234567890ull));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_CRASH_P0 + 2, &v));
		EXPECT_EQ(0x1234567890ull, v);
	}
	if (f->eax & (1u << 13)) {	/* reenlightenment: kept */
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_REENLIGHTENMENT,
					  0x100ff));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_REENLIGHTENMENT,
					  &v));
		EXPECT_EQ(0x100ffu, v);
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_TSC_EMU_STATUS, 1));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TSC_EMU_STATUS,
					  &v));
		EXPECT_EQ(1u, v);
	}
}

/* The guest's side: its MSRs, the hypercall page and KVM's statuses. */
TEST_F(hv, guest_msrs_hypercalls)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f, *en;
	uint64_t v, v2;
	int gp, ud;

	HV_INIT(&c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, en);
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	if (!(f->eax & (1u << 5)))
		SKIP(return, "no HYPERCALL MSR listed");
	/* the read-only MSRs #GP on a guest write */
	guest_wrmsr(_metadata, &self->g, HV_TIME_REF_COUNT, 1, &gp);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_VP_INDEX, 1, &gp);
	EXPECT_EQ(1, gp);
	if (f->eax & (1u << 11)) {
		guest_rdmsr(_metadata, &self->g, HV_TSC_FREQUENCY, &gp, &v);
		EXPECT_EQ(0, gp);
		EXPECT_EQ((uint64_t)svxu_ioctl(self->g.vcpu.fd,
					       KVM_GET_TSC_KHZ, 0) * 1000, v);
		guest_wrmsr(_metadata, &self->g, HV_TSC_FREQUENCY, 1, &gp);
		EXPECT_EQ(1, gp);
	}
	if (f->eax & (1u << 0)) {
		guest_rdmsr(_metadata, &self->g, HV_VP_RUNTIME, &gp, &v);
		EXPECT_EQ(0, gp);
		guest_rdmsr(_metadata, &self->g, HV_VP_RUNTIME, &gp, &v2);
		EXPECT_LE(v, v2);
	}
	if (f->eax & (1u << 4)) {	/* APIC access, no in-kernel APIC */
		guest_rdmsr(_metadata, &self->g, HV_TPR_MSR, &gp, &v);
		EXPECT_EQ(1, gp);
		guest_wrmsr(_metadata, &self->g, HV_EOI_MSR, 0, &gp);
		EXPECT_EQ(1, gp);
		/* the assist page is there all the same */
		guest_wrmsr(_metadata, &self->g, HV_VP_ASSIST,
			    HV_ASSIST_PAGE | 1, &gp);
		EXPECT_EQ(0, gp);
		guest_rdmsr(_metadata, &self->g, HV_VP_ASSIST, &gp, &v);
		EXPECT_EQ(HV_ASSIST_PAGE | 1u, v);
	}
	if (f->eax & (1u << 13)) {	/* a guest may not set STATUS */
		guest_wrmsr(_metadata, &self->g, HV_TSC_EMU_STATUS, 1, &gp);
		EXPECT_EQ(1, gp);
		guest_wrmsr(_metadata, &self->g, HV_TSC_EMU_STATUS, 0, &gp);
		EXPECT_EQ(0, gp);
	}
	guest_wrmsr(_metadata, &self->g, HV_GUEST_OS_ID,
		    (uint64_t)HV_LINUX_OS_ID_HI << 32, &gp);
	EXPECT_EQ(0, gp);
	guest_wrmsr(_metadata, &self->g, HV_HYPERCALL, HV_HCALL_PAGE | 1, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_HYPERCALL, &gp, &v);
	EXPECT_EQ(HV_HCALL_PAGE | 1u, v);
	/* KVM's statuses */
	EXPECT_EQ(HV_ST_INVALID_CODE,
		  guest_hcall(_metadata, &self->g, 0xfff0, 0, &ud));
	EXPECT_EQ(0, ud);
	EXPECT_EQ(HV_ST_INVALID_INPUT,		/* reserved bit 27 */
		  guest_hcall(_metadata, &self->g, 0xfff0 | 1ull << 27, 0, &ud));
	EXPECT_EQ(HV_ST_INVALID_INPUT,		/* without an active SynIC */
		  guest_hcall(_metadata, &self->g, HVCALL_POST_MSG, 0, &ud));
	EXPECT_EQ(HV_ST_INVALID_INPUT,		/* no eventfd, no SynIC */
		  guest_hcall(_metadata, &self->g, HVCALL_SIGNAL_EVT | HV_FAST,
			      1, &ud));
	if (en->ebx && en->ebx != ~0u) {	/* HvNotifyLongSpinWait */
		EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
						     HVCALL_SPIN_WAIT, 0, &ud));
		EXPECT_EQ(HV_ST_INVALID_INPUT,	/* a rep count */
			  guest_hcall(_metadata, &self->g,
				      HVCALL_SPIN_WAIT | 1ull << 32, 0, &ud));
	}
	if (f->edx & (1u << 10)) {	/* a crash: KVM_EXIT_SYSTEM_EVENT */
		hvop_enter(_metadata, &self->g, 1, HV_CRASH_CTL,
			   HV_CRASH_NOTIFY, 0, 0);
		ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_SYSTEM_EVENT);
		EXPECT_EQ(KVM_SYSTEM_EVENT_CRASH, self->g.run->system_event.type);
		EXPECT_EQ(0u, self->g.run->system_event.ndata);
		/* after the WRMSR */
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
		ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	}
	if (f->eax & (1u << 7)) {	/* RESET: 1 resets, others do not */
		guest_wrmsr(_metadata, &self->g, HV_RESET, 2, &gp);
		EXPECT_EQ(0, gp);
		hvop_enter(_metadata, &self->g, 1, HV_RESET, 1, 0, 0);
		ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_SYSTEM_EVENT);
		EXPECT_EQ(KVM_SYSTEM_EVENT_RESET, self->g.run->system_event.type);
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0);
		ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	}
	/* an ID of 0: VMCALL is KVM's hypercall again (-KVM_ENOSYS) */
	guest_wrmsr(_metadata, &self->g, HV_GUEST_OS_ID, 0, &gp);
	EXPECT_EQ((uint32_t)-1000, guest_hcall(_metadata, &self->g, 0xfff0,
					       0, &ud));
}

/*
 * KVM_CAP_HYPERV_ENFORCE_CPUID: the guest's own leaves decide.  With no
 * feature bits every MSR #GPs and HvNotifyLongSpinWait is denied; the
 * VMM's accesses still work.
 */
TEST_F(hv, enforce_cpuid)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f, *en;
	uint64_t v;
	int gp, ud;

	HV_INIT(&c);
	if (has_cap(&self->g, KVM_CAP_HYPERV_ENFORCE_CPUID) <= 0)
		SKIP(return, "KVM_CAP_HYPERV_ENFORCE_CPUID is 0");
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, en);
	f->eax = f->ebx = f->edx = 0;
	en->eax = en->ebx = 0;
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_ENFORCE_CPUID,
				1));
	guest_rdmsr(_metadata, &self->g, HV_GUEST_OS_ID, &gp, &v);
	EXPECT_EQ(1, gp);
	guest_rdmsr(_metadata, &self->g, HV_TIME_REF_COUNT, &gp, &v);
	EXPECT_EQ(1, gp);
	guest_rdmsr(_metadata, &self->g, HV_VP_INDEX, &gp, &v);
	EXPECT_EQ(1, gp);
	guest_rdmsr(_metadata, &self->g, HV_TSC_FREQUENCY, &gp, &v);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_REFERENCE_TSC, 0, &gp);
	EXPECT_EQ(1, gp);
	/* the VMM's way around it */
	hv_enable_hypercalls(_metadata, &self->g);
	EXPECT_EQ(HV_ST_ACCESS_DENIED,
		  guest_hcall(_metadata, &self->g, HVCALL_SPIN_WAIT, 0, &ud));
	EXPECT_EQ(HV_ST_INVALID_CODE,
		  guest_hcall(_metadata, &self->g, 0xfff0, 0, &ud));
	/* off again: the same table allows all */
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_ENFORCE_CPUID,
				0));
	guest_rdmsr(_metadata, &self->g, HV_GUEST_OS_ID, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ((uint64_t)HV_LINUX_OS_ID_HI << 32, v);
	EXPECT_EQ(HV_ST_SUCCESS,
		  guest_hcall(_metadata, &self->g, HVCALL_SPIN_WAIT, 0, &ud));
}

struct hv_tsc_page {
	volatile uint32_t seq;
	uint32_t res;
	volatile uint64_t scale;
	volatile int64_t offset;
};

/* The page's time at the guest's TSC now, in 100 ns */
static uint64_t tsc_page_time(struct __test_metadata *_metadata,
			      struct svxu_guest *g,
			      const struct hv_tsc_page *p)
{
	uint64_t tsc = 0;

	EXPECT_EQ(0, svxu_get_msr(g->vcpu.fd, 0x10, &tsc));	/* IA32_TSC */
	return (uint64_t)(((unsigned __int128)tsc * p->scale) >> 64) +
	       p->offset;
}

/*
 * The reference TSC page, KVM's way: set up when the guest enables it,
 * counting the kvmclock in 100 ns, rewritten (a new sequence) by
 * KVM_SET_CLOCK, left alone while the guest has TSC emulation on, and
 * not written once disabled.  Without a stable master clock
 * (KVM_CLOCK_TSC_STABLE) it stays invalid: sequence 0.
 */
TEST_F(hv, tsc_page)
{
	struct hv_tsc_page *p;
	struct kvm_clock_data clk, zero = { 0 };
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f;
	uint64_t v, t, seq, offset, scale;
	int gp;

	HV_INIT(&c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	ASSERT_NE(NULL, f);
	if (!(f->eax & (1u << 9)))
		SKIP(return, "no REFERENCE_TSC listed");
	p = (struct hv_tsc_page *)(self->g.vm.mem + HV_TSC_PAGE);
	memset(p, 0xaa, 4096);
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	guest_wrmsr(_metadata, &self->g, HV_GUEST_OS_ID,
		    (uint64_t)HV_LINUX_OS_ID_HI << 32, &gp);
	/* disabled: the page is not touched */
	guest_wrmsr(_metadata, &self->g, HV_REFERENCE_TSC, HV_TSC_PAGE, &gp);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0xaaaaaaaau, p->seq);
	guest_wrmsr(_metadata, &self->g, HV_REFERENCE_TSC, HV_TSC_PAGE | 1,
		    &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_REFERENCE_TSC, &gp, &v);
	EXPECT_EQ(HV_TSC_PAGE | 1u, v);
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_GET_CLOCK,
				(unsigned long)&clk));
	TH_LOG("%s: kvmclock flags %#x, page seq %u scale %#llx offset %lld",
	       svxu_dev(), clk.flags, p->seq,
	       (unsigned long long)p->scale, (long long)p->offset);
	/* KVM 6.1 writes the 24 bytes of its struct, not the rest */
	EXPECT_EQ(0xaa, ((uint8_t *)p)[24]);
	EXPECT_EQ(0xaa, ((uint8_t *)p)[4095]);
	if (!(clk.flags & KVM_CLOCK_TSC_STABLE)) {
		EXPECT_EQ(0u, p->seq);	/* invalid: TIME_REF_COUNT instead */
		return;
	}
	ASSERT_NE(0u, p->seq);
	ASSERT_NE(0u, p->scale);
	t = tsc_page_time(_metadata, &self->g, p);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TIME_REF_COUNT, &v));
	EXPECT_LE(t, v);
	EXPECT_GT(t + 100000, v);	/* 10 ms, as upstream's hyperv_clock */
	EXPECT_LE(clk.clock / 100, t + 10000);	/* the scale's rounding */
	/* KVM_SET_CLOCK: a new sequence and offset at the next entry */
	seq = p->seq;
	offset = p->offset;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_CLOCK,
				(unsigned long)&zero));
	guest_rdmsr(_metadata, &self->g, HV_TIME_REF_COUNT, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_NE(seq, p->seq);
	EXPECT_NE(0u, p->seq);
	EXPECT_NE(offset, (uint64_t)p->offset);
	t = tsc_page_time(_metadata, &self->g, p);
	EXPECT_GT(10000000u, t);	/* near 0: 1 s of Bochs */
	/* TSC emulation on: the page stays as it is */
	guest_wrmsr(_metadata, &self->g, HV_REENLIGHTENMENT, 1 << 16 | 0xff,
		    &gp);
	guest_wrmsr(_metadata, &self->g, HV_TSC_EMU_CONTROL, 1, &gp);
	EXPECT_EQ(0, gp);
	seq = p->seq;
	offset = p->offset;
	scale = p->scale;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_CLOCK,
				(unsigned long)&zero));
	guest_rdmsr(_metadata, &self->g, HV_TIME_REF_COUNT, &gp, &v);
	EXPECT_EQ(seq, p->seq);
	EXPECT_EQ(offset, (uint64_t)p->offset);
	EXPECT_EQ(scale, p->scale);
	/* disabled: not written again */
	guest_wrmsr(_metadata, &self->g, HV_TSC_EMU_CONTROL, 0, &gp);
	guest_wrmsr(_metadata, &self->g, HV_REFERENCE_TSC, 0, &gp);
	memset(p, 0, 4096);
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_CLOCK,
				(unsigned long)&zero));
	guest_rdmsr(_metadata, &self->g, HV_TIME_REF_COUNT, &gp, &v);
	EXPECT_EQ(0u, p->seq);
	EXPECT_EQ(0u, p->scale);
	EXPECT_EQ(0, p->offset);
}

/* The hvop guest with an in-kernel irqchip and the device's leaves */
#define HV_APIC_INIT(c) do {						\
	ASSERT_EQ(0, svxu_guest_create_with(&self->g,			\
					    SVXU_GUEST_IRQCHIP));	\
	if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)		\
		SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s",		\
		     svxu_dev());					\
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, (c));		\
	if (!(hv_leaf((c), HV_FEATURES_LEAF)->eax & (1u << 4)))	\
		SKIP(return, "no APIC access MSRs listed on %s",	\
		     svxu_dev());					\
	ASSERT_EQ(0, set_hv_leaves(&self->g, (c)));			\
} while (0)

/*
 * The APIC access MSRs with an in-kernel APIC (xAPIC mode), KVM's
 * kvm_hv_vapic_msr_*(): TPR is the APIC's (bits 63:32 set: #GP), EOI is
 * write-only, ICR one 64-bit register (the xAPIC destination in its top
 * byte, KVM's x2APIC reserved bits #GP); VP_ASSIST_PAGE zeroes the
 * page's first dword only, reads back as written, and #GPs outside guest
 * RAM; the VMM reads it too.
 */
TEST_F(hv, apic_msrs)
{
	const uint64_t icr = 0x0full << 56 | 0x30;	/* APIC ID 15: none */
	struct kvm_lapic_state la;
	struct hv_cpuid c;
	uint8_t *page;
	uint32_t tpr;
	uint64_t v;
	int gp;

	HV_APIC_INIT(&c);
	page = self->g.vm.mem + HV_ASSIST_PAGE;
	svxu_load(&self->g.vm, SVX_GUEST(hvop));
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
	hvop_irqchip = true;

	guest_wrmsr(_metadata, &self->g, HV_TPR_MSR, 0x20, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_TPR_MSR, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0x20u, v);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_LAPIC,
				(unsigned long)&la));
	memcpy(&tpr, la.regs + 0x80, sizeof(tpr));
	EXPECT_EQ(0x20u, tpr);
	guest_wrmsr(_metadata, &self->g, HV_TPR_MSR, 1ull << 32, &gp);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_TPR_MSR, 0, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_EOI_MSR, &gp, &v);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_EOI_MSR, 0, &gp);
	EXPECT_EQ(0, gp);
	guest_wrmsr(_metadata, &self->g, HV_ICR_MSR, icr, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_ICR_MSR, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(icr, v);
	guest_wrmsr(_metadata, &self->g, HV_ICR_MSR, icr | 1ull << 20, &gp);
	EXPECT_EQ(1, gp);

	memset(page, 0xa5, 4096);
	guest_wrmsr(_metadata, &self->g, HV_VP_ASSIST, HV_ASSIST_PAGE | 1,
		    &gp);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0, page[0] | page[1] | page[2] | page[3]);
	EXPECT_EQ(0xa5, page[4]);
	EXPECT_EQ(0xa5, page[4095]);
	guest_rdmsr(_metadata, &self->g, HV_VP_ASSIST, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(HV_ASSIST_PAGE | 1u, v);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_VP_ASSIST, &v));
	EXPECT_EQ(HV_ASSIST_PAGE | 1u, v);
	guest_wrmsr(_metadata, &self->g, HV_VP_ASSIST, 1ull << 35 | 1, &gp);
	EXPECT_EQ(1, gp);
	guest_rdmsr(_metadata, &self->g, HV_VP_ASSIST, &gp, &v);
	EXPECT_EQ(HV_ASSIST_PAGE | 1u, v);
	guest_wrmsr(_metadata, &self->g, HV_VP_ASSIST, 0, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_VP_ASSIST, &gp, &v);
	EXPECT_EQ(0u, v);
}

/* kvm_intel with APICv: KVM keeps no in-service cache, so no PV EOI */
static bool kvm_apicv(void)
{
	FILE *f;
	int c = 0;

	if (!svxu_dev_is_kvm())
		return false;
	f = fopen("/sys/module/kvm_intel/parameters/enable_apicv", "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == 'Y';
}

/*
 * PV EOI through the VP assist page (KVM's apic_sync_pv_eoi_to/from_
 * guest()): the self-IPI through HV_X64_MSR_ICR is delivered with the
 * assist bit set (nothing else pending or in service, not an IOAPIC
 * vector); the handler takes the bit instead of writing the EOI, and the
 * vector is out of service once the guest exits.  Without the bit (APICv
 * on kvm_intel) the handler's HV_X64_MSR_EOI does it.
 */
TEST_F(hv, pv_eoi)
{
	struct hv_cpuid c;
	struct kvm_regs r;
	uint32_t flag, isr, dw;
	uint8_t *page;

	HV_APIC_INIT(&c);
	page = self->g.vm.mem + HV_ASSIST_PAGE;
	svxu_load(&self->g.vm, SVX_GUEST(hvpveoi));
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
	memset(page, 0xa5, 4096);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&r));
	r.r12 = HV_ASSIST_PAGE;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
				(unsigned long)&r));
	ASSERT_TRUE(run_out32(&self->g, PORT_RESULT, &flag))
		TH_LOG("%s", svxu_exit_str(self->g.run));
	ASSERT_TRUE(run_out32(&self->g, PORT_RESULT, &isr))
		TH_LOG("%s", svxu_exit_str(self->g.run));
	TH_LOG("%s: assist dword at the handler %#x", svxu_dev(), flag);
	EXPECT_EQ(kvm_apicv() ? 0u : 1u, flag);
	EXPECT_EQ(0u, isr);
	memcpy(&dw, page, sizeof(dw));
	EXPECT_EQ(0u, dw);
	EXPECT_EQ(0xa5, page[4]);
}

#define HVCALL_FLUSH_SPACE	0x0002
#define HVCALL_FLUSH_LIST	0x0003
#define HVCALL_FLUSH_SPACE_EX	0x0013
#define HVCALL_SEND_IPI_EX	0x0015
#define HV_IN_PAGE		0x18000		/* in slot 0, free */
#define HV_REP(n)		((uint64_t)(n) << 32)
#define HV_VARHEAD(n)		((uint64_t)(n) << 17)

/* XMM0 of the vCPU: @lo, @hi (KVM_SET_FPU) */
static void set_xmm0(struct __test_metadata *_metadata, struct svxu_guest *g,
		     uint64_t lo, uint64_t hi)
{
	struct kvm_fpu fpu;

	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_FPU, (unsigned long)&fpu));
	memcpy(fpu.xmm[0], &lo, 8);
	memcpy(fpu.xmm[0] + 8, &hi, 8);
	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_SET_FPU, (unsigned long)&fpu));
}

/*
 * The TLB-flush hypercalls where the leaves list them, KVM's input rules:
 * the space call takes no reps and no variable header, the list call
 * needs a rep count; a VP set (all, a mask, the _Ex's sparse banks) is
 * flushed and the call succeeds; the _Ex's variable header must count
 * the banks of its mask.  XMM fast input where listed; with
 * ENFORCE_CPUID and without the guest's XMM bit, a fast call is #UD.
 */
TEST_F(hv, flush_hypercalls)
{
	struct kvm_cpuid_entry2 *f, *en;
	struct hv_cpuid c;
	uint64_t *in;
	int ud;

	HV_INIT(&c);
	in = (uint64_t *)(self->g.vm.mem + HV_IN_PAGE);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, en);
	if (!(en->eax & (1u << 2)))	/* REMOTE_TLB_FLUSH_RECOMMENDED */
		SKIP(return, "no TLB-flush hypercalls listed on %s",
		     svxu_dev());
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	hv_enable_hypercalls(_metadata, &self->g);
	memset(in, 0, 64);
	/* address space, flags, processor mask (0: all, as KVM's) */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_SPACE, HV_IN_PAGE,
					     &ud));
	in[2] = 1;			/* VP 0 */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_SPACE, HV_IN_PAGE,
					     &ud));
	in[1] = 1;			/* HV_FLUSH_ALL_PROCESSORS */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_SPACE, HV_IN_PAGE,
					     &ud));
	EXPECT_EQ(HV_ST_INVALID_INPUT,
		  guest_hcall(_metadata, &self->g,
			      HVCALL_FLUSH_SPACE | HV_REP(1), HV_IN_PAGE, &ud));
	EXPECT_EQ(HV_ST_INVALID_INPUT,
		  guest_hcall(_metadata, &self->g,
			      HVCALL_FLUSH_SPACE | HV_VARHEAD(1), HV_IN_PAGE,
			      &ud));
	EXPECT_EQ(HV_ST_INVALID_INPUT,	/* no rep count */
		  guest_hcall(_metadata, &self->g, HVCALL_FLUSH_LIST,
			      HV_IN_PAGE, &ud));
	in[3] = 0x1000;			/* the list: one address */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_LIST | HV_REP(1),
					     HV_IN_PAGE, &ud));
	if (en->eax & (1u << 11)) {	/* EX_PROCESSOR_MASKS_RECOMMENDED */
		/* space, flags, format 0 (sparse), bank mask 1, bank 0 */
		in[1] = 0;
		in[2] = 0;
		in[3] = 1;
		in[4] = 1;
		EXPECT_EQ(HV_ST_INVALID_INPUT,	/* a bank, no header */
			  guest_hcall(_metadata, &self->g,
				      HVCALL_FLUSH_SPACE_EX, HV_IN_PAGE, &ud));
		EXPECT_EQ(HV_ST_SUCCESS,
			  guest_hcall(_metadata, &self->g,
				      HVCALL_FLUSH_SPACE_EX | HV_VARHEAD(1),
				      HV_IN_PAGE, &ud));
		in[3] = 0;		/* no banks: nothing */
		EXPECT_EQ(HV_ST_SUCCESS,
			  guest_hcall(_metadata, &self->g,
				      HVCALL_FLUSH_SPACE_EX, HV_IN_PAGE, &ud));
	}
	if (!(f->edx & (1u << 4)))	/* XMM input */
		return;
	set_xmm0(_metadata, &self->g, 1, 0);	/* the mask: VP 0 */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_SPACE | HV_FAST, 0,
					     &ud));
	EXPECT_EQ(0, ud);
	/* a new vCPU: the leaves are not to change once it ran */
	svxu_guest_fini(&self->g);
	HV_INIT(&c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	ASSERT_NE(NULL, f);
	f->edx &= ~(1u << 4);
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	hv_enable_hypercalls(_metadata, &self->g);
	in = (uint64_t *)(self->g.vm.mem + HV_IN_PAGE);
	memset(in, 0, 64);
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_ENFORCE_CPUID,
				1));
	guest_hcall(_metadata, &self->g, HVCALL_FLUSH_SPACE | HV_FAST, 0, &ud);
	EXPECT_EQ(2, ud);		/* #UD */
	EXPECT_EQ(HV_ST_SUCCESS, guest_hcall(_metadata, &self->g,
					     HVCALL_FLUSH_SPACE, HV_IN_PAGE,
					     &ud));
}

/*
 * HvSendIpi where the leaves list it (HV_X64_CLUSTER_IPI_RECOMMENDED, with
 * an in-kernel APIC): a fast call to VP 0 (itself) with vector 0x40 is
 * delivered; a vector below 0x10 and a non-zero reserved half are
 * HV_STATUS_INVALID_HYPERCALL_INPUT.
 */
TEST_F(hv, send_ipi)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *en;
	struct kvm_regs r;
	static const uint64_t bad[][2] = {
		{ 0x0f, 1 },			/* below HV_IPI_LOW_VECTOR */
		{ 0x40 | 1ull << 32, 1 },	/* the reserved half */
	};
	unsigned int i;

	for (i = 0; i <= ARRAY_SIZE(bad); i++) {
		svxu_guest_fini(&self->g);
		ASSERT_EQ(0, svxu_guest_create_with(&self->g,
						    SVXU_GUEST_IRQCHIP));
		if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)
			SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s",
			     svxu_dev());
		svxu_load(&self->g.vm, SVX_GUEST(hvipi));
		ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
		hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
		en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
		ASSERT_NE(NULL, en);
		if (!(en->eax & (1u << 10)))	/* CLUSTER_IPI_RECOMMENDED */
			SKIP(return, "HvSendIpi not listed on %s", svxu_dev());
		ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
		hv_enable_hypercalls(_metadata, &self->g);
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		r.rcx = 0x000b | HV_FAST;	/* HvCallSendSyntheticClusterIpi */
		r.rdx = i < ARRAY_SIZE(bad) ? bad[i][0] : 0x40;
		r.r8 = i < ARRAY_SIZE(bad) ? bad[i][1] : 1;	/* VP 0 */
		r.r9 = HV_HCALL_PAGE;
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
					(unsigned long)&r));
		if (i < ARRAY_SIZE(bad)) {
			ASSERT_OUT32(&self->g.vcpu, PORT_RESULT,
				     HV_ST_INVALID_INPUT);
			continue;
		}
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HV_ST_SUCCESS);
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);	/* delivered */
	}
}

/*
 * The flush at work: the guest changes a 4 KiB PTE it has just used,
 * without INVLPG, and HvFlushVirtualAddressSpace (all processors) makes
 * the next access see the new page, under shadow paging (the unsync
 * table synced) and EPT (the VPID flushed) alike.
 */
TEST_F(hv, flush_tlb)
{
	uint8_t *m;
	struct kvm_cpuid_entry2 *en;
	struct hv_cpuid c;
	struct kvm_regs r;
	uint64_t e;
	uint32_t v;

	INIT(hvflush, SVXU_MODE_LONG64);
	if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)
		SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s", svxu_dev());
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
	en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
	ASSERT_NE(NULL, en);
	if (!(en->eax & (1u << 2)))
		SKIP(return, "no TLB-flush hypercalls listed on %s",
		     svxu_dev());
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	hv_enable_hypercalls(_metadata, &self->g);
	m = self->g.vm.mem;
	memset(m + 0x1b000, 0, 4096);
	e = 0x1c000 | 3;
	memcpy(m + 0x1b000, &e, 8);
	v = 0xaaaaaaaa;
	memcpy(m + 0x1c000, &v, 4);
	v = 0xbbbbbbbb;
	memcpy(m + 0x1d000, &v, 4);
	e = 0x1b000 | 3;		/* PD 0's entry 1: VA 0x200000 */
	memcpy(m + SVX_PT + 0x2000 + 8, &e, 8);
	memset(m + HV_IN_PAGE, 0, 64);
	e = 1;				/* HV_FLUSH_ALL_PROCESSORS */
	memcpy(m + HV_IN_PAGE + 8, &e, 8);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&r));
	r.rcx = HVCALL_FLUSH_SPACE;
	r.rdx = HV_IN_PAGE;
	r.r8 = 0;
	r.r9 = HV_HCALL_PAGE;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
				(unsigned long)&r));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xaaaaaaaa);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HV_ST_SUCCESS);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xbbbbbbbb);
}

/*
 * HvSendIpiEx where the leaves list it (EX_PROCESSOR_MASKS with
 * CLUSTER_IPI): vector 0x40 to VP 0 in a sparse set from memory, the same
 * fast with the set in XMM0 (where XMM input is listed), and to all
 * (HV_GENERIC_SET_ALL, no banks) is delivered; a header that does not
 * count the mask's banks is HV_STATUS_INVALID_HYPERCALL_INPUT, and a
 * set without banks succeeds and delivers nothing.
 */
TEST_F(hv, send_ipi_ex)
{
	static const struct {
		uint64_t rcx, rdx, r8, xmm_lo, xmm_hi;
		uint32_t st, delivered;
	} t[] = {
		/* memory: vector, format 0, mask 1, bank 0 = VP 0 */
		{ HVCALL_SEND_IPI_EX | HV_VARHEAD(1), HV_IN_PAGE, 0, 0, 0,
		  HV_ST_SUCCESS, 1 },
		{ HVCALL_SEND_IPI_EX, HV_IN_PAGE, 0, 0, 0,
		  HV_ST_INVALID_INPUT, 0 },
		/* fast: vector, format; XMM0 the mask and bank 0 */
		{ HVCALL_SEND_IPI_EX | HV_FAST | HV_VARHEAD(1), 0x40, 0, 1, 1,
		  HV_ST_SUCCESS, 1 },
		{ HVCALL_SEND_IPI_EX | HV_FAST, 0x40, 1, 0, 0,	/* all */
		  HV_ST_SUCCESS, 1 },
		{ HVCALL_SEND_IPI_EX | HV_FAST, 0x40, 0, 0, 0,	/* none */
		  HV_ST_SUCCESS, 0 },
	};
	struct kvm_cpuid_entry2 *f, *en;
	struct hv_cpuid c;
	struct kvm_regs r;
	unsigned int i;
	uint64_t *in;
	uint32_t v;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		svxu_guest_fini(&self->g);
		ASSERT_EQ(0, svxu_guest_create_with(&self->g,
						    SVXU_GUEST_IRQCHIP));
		if (has_cap(&self->g, KVM_CAP_HYPERV_CPUID) <= 0)
			SKIP(return, "KVM_CAP_HYPERV_CPUID is 0 on %s",
			     svxu_dev());
		in = (uint64_t *)(self->g.vm.mem + HV_IN_PAGE);
		svxu_load(&self->g.vm, SVX_GUEST(hvipi));
		ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
		hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
		f = hv_leaf(&c, HV_FEATURES_LEAF);
		en = hv_leaf(&c, HV_ENLIGHTENMENT_LEAF);
		ASSERT_NE(NULL, f);
		ASSERT_NE(NULL, en);
		if ((en->eax & (1u << 10 | 1u << 11)) != (1u << 10 | 1u << 11))
			SKIP(return, "HvSendIpiEx not listed on %s",
			     svxu_dev());
		if ((t[i].rcx & HV_FAST) && !(f->edx & (1u << 4)))
			continue;
		ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
		hv_enable_hypercalls(_metadata, &self->g);
		in[0] = 0x40;
		in[1] = 0;
		in[2] = 1;
		in[3] = 1;
		set_xmm0(_metadata, &self->g, t[i].xmm_lo, t[i].xmm_hi);
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		r.rcx = t[i].rcx;
		r.rdx = t[i].rdx;
		r.r8 = t[i].r8;
		r.r9 = HV_HCALL_PAGE;
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
					(unsigned long)&r));
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, t[i].st);
		if (!t[i].delivered)
			continue;
		ASSERT_TRUE(run_out32(&self->g, PORT_RESULT, &v))
			TH_LOG("case %u: %s", i, svxu_exit_str(self->g.run));
		EXPECT_EQ(1u, v) TH_LOG("case %u", i);
	}
}

/* ------------------------------------------------------------------ */
/* SynIC (KVM_CAP_HYPERV_SYNIC/SYNIC2, the in-kernel irqchip)           */

#define HV_SCONTROL		0x40000080
#define HV_SVERSION		0x40000081
#define HV_SIEFP		0x40000082
#define HV_SIMP			0x40000083
#define HV_EOM			0x40000084
#define HV_SINT0		0x40000090
#define HV_SINT_MASKED		(1ull << 16)
#define HV_SINT_AUTO_EOI	(1ull << 17)
#define HV_SIMP_PAGE		0x16000
#define HV_SIEFP_PAGE		0x17000
#define HV_SINT_VECTOR		0x50

/* The hvop guest with an in-kernel irqchip, or skip without SYNIC2 */
#define HV_SYNIC_INIT(guest) do {					\
	ASSERT_EQ(0, svxu_guest_create_with(&self->g,			\
					    SVXU_GUEST_IRQCHIP));	\
	if (has_cap(&self->g, KVM_CAP_HYPERV_SYNIC2) <= 0)		\
		SKIP(return, "KVM_CAP_HYPERV_SYNIC2 is 0 on %s",	\
		     svxu_dev());					\
	svxu_load(&self->g.vm, SVX_GUEST(guest));			\
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));	\
	hvop_irqchip = true;						\
} while (0)

/*
 * A guest WRMSR of a SynIC MSR that KVM reports: KVM_EXIT_HYPERV
 * (SYNIC) with the MSR and the SynIC's control and pages after the
 * write, before the guest's next instruction; then the #GP flag.
 */
static void guest_wrmsr_synic_exit(struct __test_metadata *_metadata,
				   struct svxu_guest *g, uint32_t msr,
				   uint64_t v, uint64_t control,
				   uint64_t evt, uint64_t msg)
{
	hvop_enter(_metadata, g, 1, msr, v, 0, 0);
	ASSERT_EXIT(&g->vcpu, KVM_EXIT_HYPERV);
	EXPECT_EQ(KVM_EXIT_HYPERV_SYNIC, g->run->hyperv.type);
	EXPECT_EQ(msr, g->run->hyperv.u.synic.msr);
	EXPECT_EQ(control, g->run->hyperv.u.synic.control);
	EXPECT_EQ(evt, g->run->hyperv.u.synic.evt_page);
	EXPECT_EQ(msg, g->run->hyperv.u.synic.msg_page);
	ASSERT_OUT32(&g->vcpu, PORT_RESULT2, 0);
	ASSERT_TRUE(hvop_ended(g)) TH_LOG("%s", svxu_exit_str(g->run));
}

/*
 * The SynIC MSRs, KVM's way: before KVM_ENABLE_CAP the VMM reads the
 * reset values (SVERSION 1, each SINT masked) and may write only 0;
 * SYNIC2 takes no argument and turns SCONTROL's enable on; the guest
 * may not write SVERSION nor an unmasked SINT below vector 16 (the VMM
 * may); SCONTROL, SIEFP and SIMP writes exit as KVM_EXIT_HYPERV SYNIC;
 * SYNIC2 leaves the pages as they are, SYNIC zeroes them; EOM reads 0.
 */
TEST_F(hv, synic_msrs)
{
	struct hv_cpuid c;
	uint64_t v;
	int gp;

	HV_SYNIC_INIT(hvop);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SCONTROL, &v));
	EXPECT_EQ(0u, v);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SVERSION, &v));
	EXPECT_EQ(1u, v);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SINT0 + 15, &v));
	EXPECT_EQ(HV_SINT_MASKED, v);
	EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SCONTROL, 0));
	EXPECT_EQ(-EIO, svxu_set_msr(self->g.vcpu.fd, HV_SCONTROL, 1));
	EXPECT_EQ(-EIO, svxu_set_msr(self->g.vcpu.fd, HV_SINT0, 0x50));

	EXPECT_EQ(-EINVAL, enable_cap(self->g.vcpu.fd,
				      KVM_CAP_HYPERV_SYNIC2, 1));
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SCONTROL, &v));
	EXPECT_EQ(1u, v);

	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));

	guest_rdmsr(_metadata, &self->g, HV_SVERSION, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(1u, v);
	guest_wrmsr(_metadata, &self->g, HV_SVERSION, 1, &gp);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_SINT0, 0x05, &gp);
	EXPECT_EQ(1, gp);
	guest_wrmsr(_metadata, &self->g, HV_SINT0, 0x05 | HV_SINT_MASKED,
		    &gp);
	EXPECT_EQ(0, gp);
	guest_wrmsr(_metadata, &self->g, HV_SINT0 + 1, HV_SINT_VECTOR, &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_SINT0 + 1, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(HV_SINT_VECTOR, v);
	EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SINT0, 0x05));
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SINT0, &v));
	EXPECT_EQ(5u, v);
	EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SVERSION, 7));
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SVERSION, &v));
	EXPECT_EQ(7u, v);
	guest_rdmsr(_metadata, &self->g, HV_EOM, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0u, v);
	guest_wrmsr(_metadata, &self->g, HV_EOM, 0, &gp);	/* no exit */
	EXPECT_EQ(0, gp);

	/* SYNIC2: the pages are not zeroed */
	memset(self->g.vm.mem + HV_SIMP_PAGE, 0xa5, 4096);
	guest_wrmsr_synic_exit(_metadata, &self->g, HV_SIMP,
			       HV_SIMP_PAGE | 1, 1, 0, HV_SIMP_PAGE | 1);
	EXPECT_EQ(0xa5, self->g.vm.mem[HV_SIMP_PAGE + 4095]);
	guest_wrmsr_synic_exit(_metadata, &self->g, HV_SCONTROL, 0, 0, 0,
			       HV_SIMP_PAGE | 1);
	/* SYNIC (again, on the same vCPU): SCONTROL on, pages zeroed */
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC, 0));
	memset(self->g.vm.mem + HV_SIEFP_PAGE, 0xa5, 4096);
	guest_wrmsr_synic_exit(_metadata, &self->g, HV_SIEFP,
			       HV_SIEFP_PAGE | 1, 1, HV_SIEFP_PAGE | 1,
			       HV_SIMP_PAGE | 1);
	EXPECT_EQ(0, self->g.vm.mem[HV_SIEFP_PAGE]);
	EXPECT_EQ(0, self->g.vm.mem[HV_SIEFP_PAGE + 4095]);
	/* the VMM's writes do not exit and do not zero */
	memset(self->g.vm.mem + HV_SIMP_PAGE, 0xa5, 4096);
	EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SIMP, HV_SIMP_PAGE | 1));
	EXPECT_EQ(0xa5, self->g.vm.mem[HV_SIMP_PAGE]);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SIEFP, &v));
	EXPECT_EQ(HV_SIEFP_PAGE | 1u, v);
}

/* KVM_IRQ_LINE_STATUS on @gsi: its status */
static int hv_irq_line(struct __test_metadata *_metadata,
		       struct svxu_guest *g, uint32_t gsi)
{
	struct kvm_irq_level l = { .irq = gsi, .level = 1 };

	EXPECT_EQ(0, svxu_ioctl(g->vm.fd, KVM_IRQ_LINE_STATUS,
				(unsigned long)&l));
	return l.status;
}

/*
 * SINT delivery (KVM_IRQ_ROUTING_HV_SINT): GSI 5 to VP 0's SINT 2
 * (vector 0x50), GSI 6 to its SINT 3 (masked), GSI 7 to VP 3 (none).
 * The line delivers a fixed interrupt to the vCPU's own APIC (status 1),
 * the masked SINT and the missing VP nothing (status -1); without
 * AUTO_EOI the vector is in service until the guest's EOI, with it the
 * APIC never has it in service.
 */
TEST_F(hv, synic_sint)
{
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[3];
	} rt = { .h.nr = 3 };
	unsigned int i, auto_eoi;

	for (auto_eoi = 0; auto_eoi < 2; auto_eoi++) {
		svxu_guest_fini(&self->g);
		HV_SYNIC_INIT(hvsint);
		ASSERT_EQ(0, enable_cap(self->g.vcpu.fd,
					KVM_CAP_HYPERV_SYNIC2, 0));
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SINT0 + 2,
					  HV_SINT_VECTOR |
					  (auto_eoi ? HV_SINT_AUTO_EOI : 0)));
		for (i = 0; i < 3; i++) {
			rt.e[i].gsi = 5 + i;
			rt.e[i].type = KVM_IRQ_ROUTING_HV_SINT;
			rt.e[i].u.hv_sint.vcpu = i == 2 ? 3 : 0;
			rt.e[i].u.hv_sint.sint = 2 + i;
		}
		ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_GSI_ROUTING,
					(unsigned long)&rt));
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
		EXPECT_EQ(-1, hv_irq_line(_metadata, &self->g, 6));
		EXPECT_EQ(-1, hv_irq_line(_metadata, &self->g, 7));
		EXPECT_EQ(1, hv_irq_line(_metadata, &self->g, 5));
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT,
			     auto_eoi ? 0 : 1u << (HV_SINT_VECTOR - 0x40));
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	}
}

/* The hvop guest with the hypercall page, SYNIC2 on or not */
static void hv_synic_hcall_setup(struct __test_metadata *_metadata,
				 struct svxu_guest *g, bool synic)
{
	struct hv_cpuid c;

	hv_cpuid_ioctl(_metadata, g->vcpu.fd, true, &c);
	ASSERT_EQ(0, set_hv_leaves(g, &c));
	if (synic)
		ASSERT_EQ(0, enable_cap(g->vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));
	hv_enable_hypercalls(_metadata, g);
}

/*
 * A hypercall that KVM hands to the VMM: KVM_EXIT_HYPERV (HCALL) with the
 * call's input and parameters; the VMM's @result is the guest's status.
 */
static void guest_hcall_exit(struct __test_metadata *_metadata,
			     struct svxu_guest *g, uint64_t param,
			     uint64_t ingpa, uint64_t outgpa, uint64_t result)
{
	hvop_enter(_metadata, g, 2, param, ingpa, HV_HCALL_PAGE, outgpa);
	ASSERT_EXIT(&g->vcpu, KVM_EXIT_HYPERV);
	ASSERT_EQ(KVM_EXIT_HYPERV_HCALL, g->run->hyperv.type);
	EXPECT_EQ(param, g->run->hyperv.u.hcall.input);
	EXPECT_EQ(ingpa, g->run->hyperv.u.hcall.params[0]);
	EXPECT_EQ(outgpa, g->run->hyperv.u.hcall.params[1]);
	g->run->hyperv.u.hcall.result = result;
	ASSERT_OUT32(&g->vcpu, PORT_RESULT2, 0);
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, result);
	ASSERT_TRUE(hvop_ended(g)) TH_LOG("%s", svxu_exit_str(g->run));
}

static int hv_eventfd(int vm_fd, uint32_t conn, int fd, uint32_t flags)
{
	struct kvm_hyperv_eventfd e = {
		.conn_id = conn, .fd = fd, .flags = flags,
	};

	return svxu_ioctl(vm_fd, KVM_HYPERV_EVENTFD, (unsigned long)&e);
}

/*
 * HvPostMessage and HvSignalEvent, KVM's way: without an active SynIC
 * HvPostMessage is HV_STATUS_INVALID_HYPERCALL_INPUT; with one it is the
 * VMM's (KVM_EXIT_HYPERV HCALL, its result the status), and so is an
 * HvSignalEvent whose connection has no eventfd.  KVM_HYPERV_EVENTFD:
 * flags other than DEASSIGN and connection IDs above 24 bits are
 * -EINVAL, a connection taken twice -EEXIST, one not taken -ENOENT on
 * deassignment; HvSignalEvent to an assigned one signals its eventfd
 * (HV_STATUS_SUCCESS, fast and from memory).
 */
TEST_F(hv, synic_hypercalls)
{
	const uint64_t in = 0x18000;	/* in slot 0, free */
	uint64_t cnt;
	int efd, ud;

	HV_SYNIC_INIT(hvop);
	if (has_cap(&self->g, KVM_CAP_HYPERV_EVENTFD) <= 0)
		SKIP(return, "KVM_CAP_HYPERV_EVENTFD is 0 on %s", svxu_dev());
	hv_synic_hcall_setup(_metadata, &self->g, false);
	EXPECT_EQ(HV_ST_INVALID_INPUT,
		  guest_hcall(_metadata, &self->g, HVCALL_POST_MSG, in, &ud));
	EXPECT_EQ(0, ud);
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));
	guest_hcall_exit(_metadata, &self->g, HVCALL_POST_MSG, in, 0x19000,
			 0x11);
	/* rep count or variable header: the guest's error, not the VMM's */
	EXPECT_EQ(HV_ST_INVALID_INPUT,
		  guest_hcall(_metadata, &self->g,
			      HVCALL_POST_MSG | 1ull << 32, in, &ud));

	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EINVAL, hv_eventfd(self->g.vm.fd, 5, efd, 2));
	EXPECT_EQ(-EINVAL, hv_eventfd(self->g.vm.fd, 1u << 24, efd, 0));
	EXPECT_EQ(-ENOENT, hv_eventfd(self->g.vm.fd, 5, -1,
				      KVM_HYPERV_EVENTFD_DEASSIGN));
	ASSERT_EQ(0, hv_eventfd(self->g.vm.fd, 5, efd, 0));
	EXPECT_EQ(-EEXIST, hv_eventfd(self->g.vm.fd, 5, efd, 0));
	EXPECT_EQ(HV_ST_SUCCESS,
		  guest_hcall(_metadata, &self->g, HVCALL_SIGNAL_EVT | HV_FAST,
			      5, &ud));
	/* from memory: the connection ID in the 8 bytes at the input */
	memcpy(self->g.vm.mem + in, &(uint64_t){ 5 }, 8);
	EXPECT_EQ(HV_ST_SUCCESS,
		  guest_hcall(_metadata, &self->g, HVCALL_SIGNAL_EVT, in, &ud));
	ASSERT_EQ(8, read(efd, &cnt, 8));
	EXPECT_EQ(2u, cnt);
	/* connection 6 has none: the VMM's */
	guest_hcall_exit(_metadata, &self->g, HVCALL_SIGNAL_EVT | HV_FAST, 6,
			 0, 0);
	ASSERT_EQ(0, hv_eventfd(self->g.vm.fd, 5, -1,
				KVM_HYPERV_EVENTFD_DEASSIGN));
	guest_hcall_exit(_metadata, &self->g, HVCALL_SIGNAL_EVT | HV_FAST, 5,
			 0, 0);
	EXPECT_EQ(-1, read(efd, &cnt, 8));
	close(efd);
}

/*
 * A resampling irqfd on a GSI routed to a SINT (KVM_IRQFD_FLAG_RESAMPLE):
 * its eventfd delivers the SINT's vector; the guest's EOI of it (no
 * AUTO_EOI) acks the SINT and so the GSI: the resamplefd is signalled.
 */
TEST_F(hv, synic_resample)
{
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[1];
	} rt = { .h.nr = 1 };
	struct kvm_irqfd irqfd = { .gsi = 5, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	struct pollfd pfd;
	uint64_t one = 1, cnt;
	int efd, rfd;

	HV_SYNIC_INIT(hvsint);
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SINT0 + 2,
				  HV_SINT_VECTOR));
	rt.e[0].gsi = 5;
	rt.e[0].type = KVM_IRQ_ROUTING_HV_SINT;
	rt.e[0].u.hv_sint.vcpu = 0;
	rt.e[0].u.hv_sint.sint = 2;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_GSI_ROUTING,
				(unsigned long)&rt));
	efd = eventfd(0, 0);
	rfd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_LE(0, rfd);
	irqfd.fd = efd;
	irqfd.resamplefd = rfd;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_IRQFD,
				(unsigned long)&irqfd));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT,
		     1u << (HV_SINT_VECTOR - 0x40));
	EXPECT_EQ(-1, read(rfd, &cnt, 8));	/* not acked yet */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* after the EOI */
	pfd.fd = rfd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 5000));
	ASSERT_EQ(8, read(rfd, &cnt, 8));
	EXPECT_EQ(1u, cnt);
	irqfd.flags |= KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_IRQFD,
				(unsigned long)&irqfd));
	close(efd);
	close(rfd);
}

#define HV_STIMER0_CONFIG	0x400000b0
#define HV_STIMER0_COUNT	0x400000b1
#define HV_STIMER_ENABLE	(1ull << 0)
#define HV_STIMER_PERIODIC	(1ull << 1)
#define HV_STIMER_AUTO_ENABLE	(1ull << 3)
#define HV_STIMER_DIRECT	(1ull << 12)
#define HVMSG_TIMER_EXPIRED	0x80000010u

/*
 * Synthetic timer 0, set by the VMM (count, then config with ENABLE): in
 * message mode one-shot 1 ms ahead in TIME_REF_COUNT's 100 ns (SINT 2,
 * vector 0x50: HVMSG_TIMER_EXPIRED for timer 0 in the SIMP page's slot 2,
 * with the expiration time and a delivery time not before it), in direct
 * mode one-shot (the vector 0x50 straight to the APIC) and periodic every
 * 1 ms: the halted guest takes the interrupt (once: 0x50 stays in service
 * until its EOI); a one-shot timer is off afterwards, a periodic one on.
 */
TEST_F(hv, synic_stimer)
{
	struct {
		uint32_t type;
		uint8_t size, flags, res[2];
		uint64_t sender;
		uint32_t timer, res2;
		uint64_t expiration, delivery;
	} msg;	/* struct hv_message: header, timer payload */
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f;
	uint64_t now, v, cfg, count;
	unsigned int mode;	/* 0 message, 1 direct, 2 direct periodic */

	for (mode = 0; mode < 3; mode++) {
		svxu_guest_fini(&self->g);
		HV_SYNIC_INIT(hvsint);
		hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
		f = hv_leaf(&c, HV_FEATURES_LEAF);
		ASSERT_NE(NULL, f);
		if (!(f->eax & (1u << 3)))
			SKIP(return, "no synthetic timers listed on %s",
			     svxu_dev());
		ASSERT_EQ(0, enable_cap(self->g.vcpu.fd,
					KVM_CAP_HYPERV_SYNIC2, 0));
		/*
		 * The guest's APIC on first: an expiry that finds it
		 * software-disabled is lost (KVM's __apic_accept_irq()
		 * drops a fixed interrupt), and the timer with it
		 */
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_TIME_REF_COUNT,
					  &now));
		count = now + 10000;
		if (mode) {
			ASSERT_NE(0u, f->edx & (1u << 19));
			cfg = HV_STIMER_ENABLE | HV_STIMER_DIRECT |
			      (uint64_t)HV_SINT_VECTOR << 4;
			if (mode == 2) {
				cfg |= HV_STIMER_PERIODIC;
				count = 10000;
			}
		} else {
			memset(self->g.vm.mem + HV_SIMP_PAGE, 0, 4096);
			ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SIMP,
						  HV_SIMP_PAGE | 1));
			ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd,
						  HV_SINT0 + 2,
						  HV_SINT_VECTOR));
			cfg = HV_STIMER_ENABLE | 2ull << 16;
		}
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_COUNT,
					  count));
		ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG,
					  cfg));
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG,
					  &v));
		EXPECT_EQ(cfg, v);
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT,
			     1u << (HV_SINT_VECTOR - 0x40));
		ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
		/* one-shot: off once delivered; periodic: still on */
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG,
					  &v));
		EXPECT_EQ(mode == 2 ? cfg : cfg & ~HV_STIMER_ENABLE, v);
		ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_STIMER0_COUNT,
					  &v));
		EXPECT_EQ(count, v);
		if (mode)
			continue;
		memcpy(&msg, self->g.vm.mem + HV_SIMP_PAGE + 2 * 256,
		       sizeof(msg));
		EXPECT_EQ(HVMSG_TIMER_EXPIRED, msg.type);
		EXPECT_EQ(24u, msg.size);
		EXPECT_EQ(0u, msg.timer);
		EXPECT_EQ(count, msg.expiration);
		EXPECT_LE(count, msg.delivery);
		/* the other slots untouched */
		EXPECT_EQ(0, self->g.vm.mem[HV_SIMP_PAGE + 256]);
	}
}

/*
 * The guest's timer MSR writes, KVM's rules: a COUNT write sets ENABLE
 * with AUTO_ENABLE and clears it at 0; an enabled message timer
 * rewritten with SINT 0 is left disabled; before SynIC the VMM may write
 * only zeroes.
 */
TEST_F(hv, synic_stimer_msrs)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f;
	uint64_t v;
	int gp;

	HV_SYNIC_INIT(hvop);
	hv_cpuid_ioctl(_metadata, self->g.vcpu.fd, true, &c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	ASSERT_NE(NULL, f);
	if (!(f->eax & (1u << 3)))
		SKIP(return, "no synthetic timers listed on %s", svxu_dev());
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	EXPECT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG, 0));
	EXPECT_EQ(-EIO, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_COUNT, 5));
	guest_wrmsr(_metadata, &self->g, HV_STIMER0_COUNT, 5, &gp);
	EXPECT_EQ(1, gp);
	ASSERT_EQ(0, enable_cap(self->g.vcpu.fd, KVM_CAP_HYPERV_SYNIC2, 0));

	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG + 2,
				  HV_STIMER_AUTO_ENABLE | 2ull << 16));
	guest_wrmsr(_metadata, &self->g, HV_STIMER0_COUNT + 2, 1ull << 60,
		    &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_STIMER0_CONFIG + 2, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(HV_STIMER_AUTO_ENABLE | HV_STIMER_ENABLE | 2ull << 16, v);
	guest_wrmsr(_metadata, &self->g, HV_STIMER0_COUNT + 2, 0, &gp);
	EXPECT_EQ(0, gp);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG + 2, &v));
	EXPECT_EQ(HV_STIMER_AUTO_ENABLE | 2ull << 16, v);

	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_COUNT,
				  1ull << 60));
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_STIMER0_CONFIG,
				  HV_STIMER_ENABLE | 2ull << 16));
	guest_wrmsr(_metadata, &self->g, HV_STIMER0_CONFIG, HV_STIMER_ENABLE,
		    &gp);
	EXPECT_EQ(0, gp);
	guest_rdmsr(_metadata, &self->g, HV_STIMER0_CONFIG, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0u, v);
	guest_rdmsr(_metadata, &self->g, HV_STIMER0_COUNT, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(1ull << 60, v);
}

#define HV_SYNDBG_CONTROL	0x400000f1
#define HV_SYNDBG_STATUS	0x400000f2
#define HV_SYNDBG_SEND		0x400000f3
#define HV_SYNDBG_PENDING	0x400000f5
#define HV_SYNDBG_OPTIONS	0x400000ff
#define HVCALL_POST_DEBUG	0x0069
#define HVCALL_RESET_DEBUG	0x006b
#define HV_ST_INVALID_PARAM	5
#define HV_ST_DENIED		8

/*
 * A guest WRMSR of the debugger's CONTROL or PENDING_BUFFER: KVM_EXIT_HYPERV
 * (SYNDBG) with the MSR and the debugger's control and pages, then the
 * WRMSR's end; the VMM's @status goes back with the next KVM_RUN.
 */
static void guest_wrmsr_syndbg_exit(struct __test_metadata *_metadata,
				    struct svxu_guest *g, uint32_t msr,
				    uint64_t v, uint64_t control,
				    uint64_t send, uint64_t pending,
				    uint64_t status)
{
	hvop_enter(_metadata, g, 1, msr, v, 0, 0);
	ASSERT_EXIT(&g->vcpu, KVM_EXIT_HYPERV);
	EXPECT_EQ(KVM_EXIT_HYPERV_SYNDBG, g->run->hyperv.type);
	EXPECT_EQ(msr, g->run->hyperv.u.syndbg.msr);
	EXPECT_EQ(control, g->run->hyperv.u.syndbg.control);
	EXPECT_EQ(send, g->run->hyperv.u.syndbg.send_page);
	EXPECT_EQ(0u, g->run->hyperv.u.syndbg.recv_page);
	EXPECT_EQ(pending, g->run->hyperv.u.syndbg.pending_page);
	g->run->hyperv.u.syndbg.status = status;
	ASSERT_OUT32(&g->vcpu, PORT_RESULT2, 0);
	ASSERT_TRUE(hvop_ended(g)) TH_LOG("%s", svxu_exit_str(g->run));
}

/*
 * The synthetic debugger, KVM's way: without ALLOW_KERNEL_DEBUGGING in
 * the guest's 0x40000082 its MSRs #GP and its hypercalls are
 * HV_STATUS_INVALID_HYPERCALL_CODE; with it the guest's CONTROL and
 * PENDING_BUFFER writes exit as KVM_EXIT_HYPERV SYNDBG (the VMM's status
 * after a CONTROL exit is STATUS), the others do not; the debug
 * hypercalls are HV_STATUS_OPERATION_DENIED until OPTIONS has
 * USE_HCALLS, then the VMM's (KVM_EXIT_HYPERV HCALL); a fast
 * HvPostDebugData is HV_STATUS_INVALID_PARAMETER.
 */
TEST_F(hv, syndbg)
{
	struct hv_cpuid c;
	struct kvm_cpuid_entry2 *f, *dbg;
	uint64_t v;
	int gp, ud;

	HV_INIT(&c);
	f = hv_leaf(&c, HV_FEATURES_LEAF);
	dbg = hv_leaf(&c, 0x40000082);
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, dbg);
	if (!(f->edx & (1u << 11)))
		SKIP(return, "no debugger MSRs listed on %s", svxu_dev());
	ASSERT_NE(0u, dbg->eax & (1u << 1));	/* ALLOW_KERNEL_DEBUGGING */
	dbg->eax = 0;
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	hv_enable_hypercalls(_metadata, &self->g);
	guest_rdmsr(_metadata, &self->g, HV_SYNDBG_CONTROL, &gp, &v);
	EXPECT_EQ(1, gp);
	EXPECT_EQ(HV_ST_INVALID_CODE,
		  guest_hcall(_metadata, &self->g, HVCALL_RESET_DEBUG, 0, &ud));
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, HV_SYNDBG_STATUS, 3));
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SYNDBG_STATUS, &v));
	EXPECT_EQ(3u, v);

	/* a new VM (KVM takes no new CPUID after a run), with the bit */
	svxu_guest_fini(&self->g);
	INIT(hvop, SVXU_MODE_LONG64);
	dbg->eax = 1u << 1;
	ASSERT_EQ(0, set_hv_leaves(&self->g, &c));
	hv_enable_hypercalls(_metadata, &self->g);
	guest_wrmsr(_metadata, &self->g, HV_SYNDBG_SEND, 0x1000, &gp);
	EXPECT_EQ(0, gp);
	guest_wrmsr_syndbg_exit(_metadata, &self->g, HV_SYNDBG_CONTROL, 5, 5,
				0x1000, 0, 0x77);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, HV_SYNDBG_STATUS, &v));
	EXPECT_EQ(0x77u, v);
	guest_wrmsr_syndbg_exit(_metadata, &self->g, HV_SYNDBG_PENDING,
				0x2000, 5, 0x1000, 0x2000, 0x99);
	guest_rdmsr(_metadata, &self->g, HV_SYNDBG_STATUS, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(0x77u, v);
	guest_rdmsr(_metadata, &self->g, HV_SYNDBG_CONTROL, &gp, &v);
	EXPECT_EQ(0, gp);
	EXPECT_EQ(5u, v);

	EXPECT_EQ(HV_ST_DENIED,
		  guest_hcall(_metadata, &self->g, HVCALL_RESET_DEBUG, 0, &ud));
	EXPECT_EQ(HV_ST_INVALID_PARAM,
		  guest_hcall(_metadata, &self->g, HVCALL_POST_DEBUG | HV_FAST,
			      0, &ud));
	guest_wrmsr(_metadata, &self->g, HV_SYNDBG_OPTIONS, 1u << 2, &gp);
	EXPECT_EQ(0, gp);
	guest_hcall_exit(_metadata, &self->g, HVCALL_RESET_DEBUG, 0x3000,
			 0x4000, 0);
	guest_hcall_exit(_metadata, &self->g, HVCALL_POST_DEBUG, 0x3000,
			 0x4000, 0x12);
}

TEST_HARNESS_MAIN
