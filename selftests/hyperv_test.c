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
 * is there, counts.  /dev/shadowvmx has no Hyper-V emulation: every
 * KVM_CAP_HYPERV* answers 0 there, and the cases that need one skip.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"

#define HV_GUEST_OS_ID		0x40000000
#define HV_TIME_REF_COUNT	0x40000020
#define HV_LINUX_OS_ID_HI	0x81000000u	/* (u64)0x8100 << 48, EDX */
#define HV_SIGNATURE_EAX	0x31237648u	/* "Hv#1" */
#define HV_FEATURES_LEAF	0x40000003
#define HV_TIME_REF_AVAILABLE	(1u << 1)	/* HV_MSR_TIME_REF_COUNT_AVAILABLE */
#define HV_MAX_ENTRIES		64

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
	}
	EXPECT_TRUE(sig);
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

TEST_HARNESS_MAIN
