// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs the CPU reads and writes without a VM exit, as kvm_intel passes
 * them through (vmx_vcpu_create(); shadowvmx: vmx/msr_bitmap.c): FS_BASE,
 * GS_BASE, KERNEL_GS_BASE, SYSENTER_CS/ESP/EIP read and write, TSC read.
 * On every device and paging mode: the guest writes and reads them back,
 * SWAPGS exchanges GS_BASE and KERNEL_GS_BASE, RDMSR of the TSC follows
 * RDTSC, a non-canonical base takes #GP, all between two OUTs with at most
 * a few exits (none of them MSR exits; 16 before the bitmap); the VMM then
 * reads the values with KVM_GET_MSRS and KVM_GET_SREGS.  And an MSR filter
 * set while the vCPU exists makes a passed-through write exit to
 * userspace again (KVM_EXIT_X86_WRMSR, reason FILTER).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define MSR_IA32_TSC		0x10
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define FS_LO	0x11110000
#define GS_LO	0x22220000
#define KGS_LO	0x33330000
#define USER_HI	0x00007f00
#define SE_ESP	0x44440000
#define SE_EIP	0x55550000
#define KERN_HI	0xffff8000
#define SE_CS	0x10

/* WRMSR @msr <- hi:lo */
#define WR(msr, lo, hi)							\
"	movl	$" XSTR(msr) ", %ecx\n"					\
"	movl	$" XSTR(lo) ", %eax\n"					\
"	movl	$" XSTR(hi) ", %edx\n"					\
"	wrmsr\n"
/* RDMSR @msr; its difference from hi:lo ORed into R9D */
#define CHK(msr, lo, hi)						\
"	movl	$" XSTR(msr) ", %ecx\n"					\
"	rdmsr\n"							\
"	xorl	$" XSTR(lo) ", %eax\n"					\
"	xorl	$" XSTR(hi) ", %edx\n"					\
"	orl	%eax, %r9d\n"						\
"	orl	%edx, %r9d\n"

/*
 * Guest (long mode): #GP handler at 13 counts in EBX and skips the 2-byte
 * WRMSR.  PORT_TICK; the writes and checks; PORT_TICK; R9D (0: all read
 * back) and EBX (1: the non-canonical write) to PORT_RESULT.
 */
__asm__(
"	.pushsection .rodata.svx_msr_bitmap_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_msrbm_start, guest_msrbm_end\n"
"	.balign 16\n"
"guest_msrbm_start:\n"
GATE64(msrbm, 13, msrbm_gp)
"	xorl	%ebx, %ebx\n"
"	xorl	%r9d, %r9d\n"
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
WR(MSR_FS_BASE, FS_LO, USER_HI)
WR(MSR_GS_BASE, GS_LO, USER_HI)
WR(MSR_KERNEL_GS_BASE, KGS_LO, USER_HI)
WR(MSR_SYSENTER_CS, SE_CS, 0)
WR(MSR_SYSENTER_ESP, SE_ESP, KERN_HI)
WR(MSR_SYSENTER_EIP, SE_EIP, KERN_HI)
CHK(MSR_FS_BASE, FS_LO, USER_HI)
CHK(MSR_GS_BASE, GS_LO, USER_HI)
CHK(MSR_KERNEL_GS_BASE, KGS_LO, USER_HI)
CHK(MSR_SYSENTER_CS, SE_CS, 0)
CHK(MSR_SYSENTER_ESP, SE_ESP, KERN_HI)
CHK(MSR_SYSENTER_EIP, SE_EIP, KERN_HI)
"	swapgs\n"
CHK(MSR_GS_BASE, KGS_LO, USER_HI)
CHK(MSR_KERNEL_GS_BASE, GS_LO, USER_HI)
"	swapgs\n"
/* RDMSR TSC - RDTSC: not negative, below 2^32 */
"	lfence\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %r8\n"
"	movl	$" XSTR(MSR_IA32_TSC) ", %ecx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	subq	%r8, %rdx\n"
"	shrq	$32, %rdx\n"
"	orl	%edx, %r9d\n"
/* a non-canonical FS base: #GP, FS_BASE unchanged */
WR(MSR_FS_BASE, 0, 0x00008000)
CHK(MSR_FS_BASE, FS_LO, USER_HI)
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
"	movl	%r9d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
REPORT(PORT_RESULT)
"	hlt\n"
"msrbm_gp:\n"
"	incl	%ebx\n"
"	addq	$2, 8(%rsp)\n"
"	addq	$8, %rsp\n"
"	iretq\n"
"guest_msrbm_end:\n"
"	.popsection\n");

SVX_GUEST_FIXTURE(msrbm);

static uint64_t msr(struct __test_metadata *_metadata, int fd, uint32_t index)
{
	uint64_t v = 0;

	EXPECT_EQ(0, svxu_get_msr(fd, index, &v)) TH_LOG("MSR %#x", index);
	return v;
}

/* Passed through: no exit, the values where the VMM reads them. */
TEST_F(msrbm, passthrough)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sregs;
	long long e0, e1;

	INIT(msrbm, SVXU_MODE_LONG64);
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	e0 = svxu_vcpu_exits(v->fd);
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	e1 = svxu_vcpu_exits(v->fd);
	ASSERT_OUT32(v, PORT_RESULT, 0);	/* every value read back */
	ASSERT_OUT32(v, PORT_RESULT, 1);	/* one #GP */
	ASSERT_GE(e0, 0);
	/* the OUT, and host interrupts that happened to fall in between */
	EXPECT_LE(e1 - e0, 4) TH_LOG("%lld exits for 16 RDMSR/WRMSR on %s",
				     e1 - e0, svxu_dev());
	EXPECT_GE(e1 - e0, 1);

	EXPECT_EQ(0x00007f0011110000ULL, msr(_metadata, v->fd, MSR_FS_BASE));
	EXPECT_EQ(0x00007f0022220000ULL, msr(_metadata, v->fd, MSR_GS_BASE));
	EXPECT_EQ(0x00007f0033330000ULL,
		  msr(_metadata, v->fd, MSR_KERNEL_GS_BASE));
	EXPECT_EQ(SE_CS, msr(_metadata, v->fd, MSR_SYSENTER_CS));
	EXPECT_EQ(0xffff800044440000ULL,
		  msr(_metadata, v->fd, MSR_SYSENTER_ESP));
	EXPECT_EQ(0xffff800055550000ULL,
		  msr(_metadata, v->fd, MSR_SYSENTER_EIP));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sregs));
	EXPECT_EQ(0x00007f0011110000ULL, sregs.fs.base);
	EXPECT_EQ(0x00007f0022220000ULL, sregs.gs.base);
}

/*
 * A filter set after the vCPU was created denies writes to FS_BASE: the
 * guest's WRMSR exits to userspace, which refuses it (#GP); the rest
 * still passes.
 */
TEST_F(msrbm, filter_after_create)
{
	static uint8_t deny[KVM_MSR_FILTER_MAX_BITMAP_SIZE];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter f;
	struct kvm_sregs sregs;
	uint32_t want;

	INIT(msrbm, SVXU_MODE_LONG64);
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_ENABLE_CAP,
				(unsigned long)&cap));
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].flags = KVM_MSR_FILTER_WRITE;
	f.ranges[0].base = MSR_FS_BASE;
	f.ranges[0].nmsrs = 1;
	f.ranges[0].bitmap = deny;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_X86_SET_MSR_FILTER,
				(unsigned long)&f));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sregs));

	ASSERT_EXIT(v, KVM_EXIT_X86_WRMSR);
	EXPECT_EQ(KVM_MSR_EXIT_REASON_FILTER, v->run->msr.reason);
	EXPECT_EQ(MSR_FS_BASE, v->run->msr.index);
	EXPECT_EQ(0x00007f0011110000ULL, v->run->msr.data);
	v->run->msr.error = 1;
	/* the last write (non-canonical) is refused by userspace too */
	ASSERT_EXIT(v, KVM_EXIT_X86_WRMSR);
	EXPECT_EQ(0x0000800000000000ULL, v->run->msr.data);
	v->run->msr.error = 1;
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	/* FS_BASE kept its old value: both of its checks differ */
	want = ((uint32_t)sregs.fs.base ^ FS_LO) |
	       ((uint32_t)(sregs.fs.base >> 32) ^ USER_HI);
	ASSERT_OUT32(v, PORT_RESULT, want);
	ASSERT_OUT32(v, PORT_RESULT, 2);	/* two #GPs */
	EXPECT_EQ(0x00007f0022220000ULL, msr(_metadata, v->fd, MSR_GS_BASE));
}

TEST_HARNESS_MAIN
