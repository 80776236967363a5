// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_SET_MSR_FILTER and KVM_CAP_X86_USER_SPACE_MSR, as kvm_intel has
 * them, on every device and paging mode: the ioctls' errors, and a guest
 * whose RDMSR/WRMSR leave as KVM_EXIT_X86_RDMSR/WRMSR with reason FILTER
 * (the filter denies it), UNKNOWN (an MSR nobody has) or INVAL (a PAT
 * value the MSR refuses; an x2APIC MSR, never filtered, without an
 * in-kernel APIC), completed on the next KVM_RUN with the data userspace
 * gave or with msr.error set (#GP in the guest); a reason not asked for
 * is a #GP without an exit; replacing the filter takes effect at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define MSR_FAKE	0x474f4f00	/* an MSR nobody has */
#define MSR_UNK		0xdeadbeef
#define MSR_PAT		0x277
#define MSR_X2APIC_VER	0x803

/*
 * Guest (long mode): #GP handler at vector 13 counts in EBX and skips the
 * 2-byte RDMSR/WRMSR.  (a) RDMSR MSR_FAKE, EAX and EDX to PORT_RESULT;
 * (b) WRMSR MSR_FAKE <- 5, the #GP count; (c) RDMSR MSR_UNK, the count;
 * (d) WRMSR PAT <- 0xff, RDMSR PAT's EAX, the count; (e) RDMSR
 * MSR_X2APIC_VER, the count; (f) PORT_TICK, RDMSR MSR_FAKE, the count;
 * (g) PORT_TICK, RDMSR MSR_FAKE, EAX; PORT_RESULT2.
 */
#define OUT_EAX	"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
#define OUT_EBX	"	movl	%ebx, %eax\n" OUT_EAX
__asm__(
"	.pushsection .rodata.svx_msr_filter_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_msrf_start, guest_msrf_end\n"
"	.balign 16\n"
"guest_msrf_start:\n"
GATE64(msrf, 13, msrf_gp)
"	xorl	%ebx, %ebx\n"
"	movl	$" XSTR(MSR_FAKE) ", %ecx\n"
"	rdmsr\n"
OUT_EAX
"	movl	%edx, %eax\n"
OUT_EAX
"	movl	$5, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
OUT_EBX
"	movl	$" XSTR(MSR_UNK) ", %ecx\n"
"	rdmsr\n"
OUT_EBX
"	movl	$" XSTR(MSR_PAT) ", %ecx\n"
"	movl	$0xff, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	rdmsr\n"
OUT_EAX
OUT_EBX
"	movl	$" XSTR(MSR_X2APIC_VER) ", %ecx\n"
"	rdmsr\n"
OUT_EBX
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
"	movl	$" XSTR(MSR_FAKE) ", %ecx\n"
"	rdmsr\n"
OUT_EBX
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
"	movl	$" XSTR(MSR_FAKE) ", %ecx\n"
"	rdmsr\n"
OUT_EAX
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"msrf_gp:\n"
"	incl	%ebx\n"
"	addq	$2, 8(%rsp)\n"
"	addq	$8, %rsp\n"
"	iretq\n"
"guest_msrf_end:\n"
"	.popsection\n");

static int enable_user_msr(int vm, uint64_t mask, uint32_t flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR, .flags = flags,
		.args = { mask },
	};

	return svxu_ioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
}

static int set_filter(int vm, struct kvm_msr_filter *f)
{
	return svxu_ioctl(vm, KVM_X86_SET_MSR_FILTER, (unsigned long)f);
}

SVX_GUEST_FIXTURE(msrf);

/* The ioctls' errors, as kvm_intel's. */
TEST_F(msrf, errors)
{
	static uint8_t bits[KVM_MSR_FILTER_MAX_BITMAP_SIZE];
	struct kvm_msr_filter f;
	int vm;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	vm = self->g.vm.fd;
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION,
				KVM_CAP_X86_USER_SPACE_MSR));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER));
	EXPECT_EQ(-EINVAL, enable_user_msr(vm, 8, 0));
	EXPECT_EQ(-EINVAL, enable_user_msr(vm, KVM_MSR_EXIT_REASON_FILTER, 1));
	EXPECT_EQ(0, enable_user_msr(vm, 7, 0));
	EXPECT_EQ(0, enable_user_msr(vm, 0, 0));
	EXPECT_EQ(-EFAULT, svxu_ioctl(vm, KVM_X86_SET_MSR_FILTER, 0));

	memset(&f, 0, sizeof(f));
	EXPECT_EQ(0, set_filter(vm, &f));		/* allow all */
	f.flags = 2;
	EXPECT_EQ(-EINVAL, set_filter(vm, &f));
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;		/* and no range */
	EXPECT_EQ(-EINVAL, set_filter(vm, &f));
	f.ranges[3].nmsrs = 1;
	f.ranges[3].base = MSR_FAKE;
	f.ranges[3].bitmap = bits;
	EXPECT_EQ(-EINVAL, set_filter(vm, &f));		/* range flags 0 */
	f.ranges[3].flags = 4;
	EXPECT_EQ(-EINVAL, set_filter(vm, &f));
	f.ranges[3].flags = KVM_MSR_FILTER_READ;
	f.ranges[3].nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8 + 1;
	EXPECT_EQ(-EINVAL, set_filter(vm, &f));
	f.ranges[3].nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8;
	EXPECT_EQ(0, set_filter(vm, &f));
	f.ranges[3].bitmap = NULL;
	EXPECT_EQ(-EFAULT, set_filter(vm, &f));
	/* a range without MSRs is not looked at */
	f.ranges[3].bitmap = bits;
	f.ranges[5].flags = 0x80;
	EXPECT_EQ(0, set_filter(vm, &f));
}

static void expect_msr_exit(struct __test_metadata *_metadata,
			    struct svxu_vcpu *v, uint32_t exit, uint32_t reason,
			    uint32_t index, uint64_t data)
{
	ASSERT_EXIT(v, exit);
	EXPECT_EQ(reason, v->run->msr.reason);
	EXPECT_EQ(index, v->run->msr.index);
	EXPECT_EQ(data, v->run->msr.data);
	EXPECT_EQ(0, v->run->msr.error);
}

/*
 * The guest's MSR accesses: to userspace with the reasons it asked for,
 * completed as it answers.
 */
TEST_F(msrf, user_space_exits)
{
	static uint8_t deny[KVM_MSR_FILTER_MAX_BITMAP_SIZE];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_msr_filter f;
	uint64_t pat;
	int vm;

	INIT(msrf, SVXU_MODE_LONG64);
	vm = self->g.vm.fd;
	ASSERT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_FILTER |
				     KVM_MSR_EXIT_REASON_UNKNOWN |
				     KVM_MSR_EXIT_REASON_INVAL, 0));
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
	f.ranges[0].base = MSR_FAKE;
	f.ranges[0].nmsrs = 1;
	f.ranges[0].bitmap = deny;
	/* the x2APIC MSRs denied: not filtered all the same */
	f.ranges[1].flags = KVM_MSR_FILTER_READ;
	f.ranges[1].base = 0x800;
	f.ranges[1].nmsrs = 0x100;
	f.ranges[1].bitmap = deny;
	ASSERT_EQ(0, set_filter(vm, &f));

	/* (a) a filtered read, userspace's data */
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_FAKE, 0);
	v->run->msr.data = 0x1122334455667788ULL;
	ASSERT_OUT32(v, PORT_RESULT, 0x55667788);
	ASSERT_OUT32(v, PORT_RESULT, 0x11223344);
	/* (b) a filtered write, refused by userspace: #GP */
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_FAKE, 5);
	v->run->msr.error = 1;
	ASSERT_OUT32(v, PORT_RESULT, 1);
	/* (c) an unknown MSR */
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNK, 0);
	v->run->msr.error = 1;
	ASSERT_OUT32(v, PORT_RESULT, 2);
	/* (d) a value PAT refuses: INVAL; userspace takes it, PAT stays */
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_INVAL, MSR_PAT, 0xff);
	ASSERT_EXIT(v, KVM_EXIT_IO);
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_PAT, &pat));
	EXPECT_EQ((uint32_t)pat, svxu_io_value(v->run));
	EXPECT_NE(0xffU, svxu_io_value(v->run));
	ASSERT_OUT32(v, PORT_RESULT, 2);
	/* (e) x2APIC, no in-kernel APIC: INVAL, not FILTER */
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_INVAL, MSR_X2APIC_VER, 0);
	v->run->msr.error = 1;
	ASSERT_OUT32(v, PORT_RESULT, 3);
	/* (f) FILTER no longer asked for: #GP without an exit */
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, enable_user_msr(vm, KVM_MSR_EXIT_REASON_UNKNOWN, 0));
	ASSERT_OUT32(v, PORT_RESULT, 4);
	/* (g) no filter: MSR_FAKE is unknown */
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, set_filter(vm, &f));
	expect_msr_exit(_metadata, v, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_FAKE, 0);
	v->run->msr.data = 7;
	ASSERT_OUT32(v, PORT_RESULT, 7);
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
}

TEST_HARNESS_MAIN
