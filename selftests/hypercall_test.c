// SPDX-License-Identifier: GPL-2.0
/*
 * KVM 6.1's hypercalls and KVM_X86_QUIRK_FIX_HYPERCALL_INSN, as kvm_intel
 * has them, on every device and paging mode.  VMCALL: KVM_HC_VAPIC_POLL_IRQ
 * and KVM_HC_SCHED_YIELD return 0, an unknown number (also one with bits
 * above 31 in 64-bit mode) and KVM_HC_MAP_GPA_RANGE (no
 * KVM_CAP_EXIT_HYPERCALL) -KVM_ENOSYS, the result 32 bits wide in 32-bit
 * protected mode; with KVM_CAP_ENFORCE_PV_FEATURE_CPUID, SCHED_YIELD only
 * when the guest's KVM features leaf has PV_SCHED_YIELD.  VMMCALL (AMD's
 * hypercall, a #UD on Intel): with the quirk it is rewritten in guest
 * memory to VMCALL and runs as the hypercall; with the quirk disabled the
 * guest's #UD handler sees it, and the bytes stay.  SCHED_YIELD from one
 * vCPU to another that runs on its own thread (with the in-kernel
 * irqchip: KVM's target lookup), and to an APIC ID no vCPU has.  KVM_CHECK_EXTENSION
 * answers the quirk on the system and the VM fd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define HC_VAPIC_POLL_IRQ	1
#define HC_SCHED_YIELD		11
#define HC_MAP_GPA_RANGE	12
#define HC_ENOSYS32		0xfffffc18u	/* (u32)-KVM_ENOSYS */
#define UD_MARK			0xefa
#define PV_SCHED_YIELD		(1u << 13)	/* KVM_FEATURE_PV_SCHED_YIELD */

#define OUT_EAX	"	outl	%eax, $" XSTR(PORT_RESULT) "\n"

/*
 * VMCALL guest (long mode): POLL_IRQ, SCHED_YIELD(0), number 12345 (EAX
 * then RAX[63:32]), number 1 << 32 | 11, MAP_GPA_RANGE: each result to
 * PORT_RESULT; HLT.
 */
__asm__(
"	.pushsection .rodata.svx_hc_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hc64_start, guest_hc64_end\n"
"	.balign 16\n"
"guest_hc64_start:\n"
"	movl	$" XSTR(HC_VAPIC_POLL_IRQ) ", %eax\n"
"	vmcall\n"
OUT_EAX
"	movl	$" XSTR(HC_SCHED_YIELD) ", %eax\n"
"	xorl	%ebx, %ebx\n"
"	vmcall\n"
OUT_EAX
"	movl	$12345, %eax\n"
"	vmcall\n"
OUT_EAX
"	shrq	$32, %rax\n"
OUT_EAX
"	movabsq	$0x10000000b, %rax\n"
"	vmcall\n"
OUT_EAX
"	movl	$" XSTR(HC_MAP_GPA_RANGE) ", %eax\n"
"	vmcall\n"
OUT_EAX
"	hlt\n"
"guest_hc64_end:\n"
"	.popsection\n");

/* The same in 32-bit protected mode: POLL_IRQ, 12345; HLT. */
__asm__(
"	.pushsection .rodata.svx_hc_guest, \"a\"\n"
"	.code32\n"
"	.globl guest_hc32_start, guest_hc32_end\n"
"	.balign 16\n"
"guest_hc32_start:\n"
"	movl	$" XSTR(HC_VAPIC_POLL_IRQ) ", %eax\n"
"	vmcall\n"
OUT_EAX
"	movl	$12345, %eax\n"
"	vmcall\n"
OUT_EAX
"	hlt\n"
"guest_hc32_end:\n"
"	.code64\n"
"	.popsection\n");

/*
 * VMMCALL guest (long mode): #UD handler puts UD_MARK in EAX and skips
 * the 3 bytes; SCHED_YIELD(0) by VMMCALL, EAX to PORT_RESULT, then the
 * three bytes at the VMMCALL's address; HLT.
 */
__asm__(
"	.pushsection .rodata.svx_hc_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hcf_start, guest_hcf_end\n"
"	.balign 16\n"
"guest_hcf_start:\n"
GATE64(hcf, 6, hcf_ud)
"	movl	$" XSTR(HC_SCHED_YIELD) ", %eax\n"
"	xorl	%ebx, %ebx\n"
"hcf_insn:\n"
"	.byte	0x0f, 0x01, 0xd9\n"
OUT_EAX
"	movl	hcf_insn(%rip), %eax\n"
"	andl	$0xffffff, %eax\n"
OUT_EAX
"	hlt\n"
"hcf_ud:\n"
"	movl	$" XSTR(UD_MARK) ", %eax\n"
"	addq	$3, (%rsp)\n"
"	iretq\n"
"guest_hcf_end:\n"
"	.popsection\n");

/*
 * Directed-yield guest (long mode, in-kernel irqchip, two vCPUs): vCPU 0
 * calls SCHED_YIELD to APIC ID 1 (vCPU 1, spinning in the guest on its own
 * thread), then to APIC ID 5 (no such vCPU), each result to PORT_RESULT,
 * then HLT.  vCPU 1 starts at hcy_spin: a loop of PAUSEs, then EAX (0x1111)
 * to PORT_RESULT2.
 */
__asm__(
"	.pushsection .rodata.svx_hc_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_hcy_start, guest_hcy_end, guest_hcy_spin\n"
"	.balign 16\n"
"guest_hcy_start:\n"
"	movl	$" XSTR(HC_SCHED_YIELD) ", %eax\n"
"	movl	$1, %ebx\n"
"	vmcall\n"
OUT_EAX
"	movl	$" XSTR(HC_SCHED_YIELD) ", %eax\n"
"	movl	$5, %ebx\n"
"	vmcall\n"
OUT_EAX
"	hlt\n"
"guest_hcy_spin:\n"
"	movl	$200000, %ecx\n"
"1:	pause\n"
"	decl	%ecx\n"
"	jnz	1b\n"
"	movl	$0x1111, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"guest_hcy_end:\n"
"	.popsection\n");

static int enable_cap(int fd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	return svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&c);
}

/*
 * The vCPU's table plus KVM's signature leaf and a features leaf with
 * @features (KVM_SET_CPUID2; before the first run).
 */
static int add_kvm_leaves(struct svxu_guest *g, uint32_t features)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128];
	} c = { .h.nent = 126 };
	int r = svxu_ioctl(g->vcpu.fd, KVM_GET_CPUID2, (unsigned long)&c);

	if (r)
		return r;
	c.e[c.h.nent++] = (struct kvm_cpuid_entry2){
		.function = 0x40000000, .eax = 0x40000001,
		.ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d };
	c.e[c.h.nent++] = (struct kvm_cpuid_entry2){
		.function = 0x40000001, .eax = features };
	return svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)&c);
}

SVX_GUEST_FIXTURE(hc);

/* FIX_HYPERCALL_INSN is a quirk both fds offer to disable. */
TEST_F(hc, caps)
{
	long sys, vm;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	sys = svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_DISABLE_QUIRKS2);
	vm = svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION,
			KVM_CAP_DISABLE_QUIRKS2);
	TH_LOG("KVM_CAP_DISABLE_QUIRKS2: system %#lx, VM %#lx", sys, vm);
	EXPECT_EQ(sys, vm);
	EXPECT_EQ(KVM_X86_QUIRK_FIX_HYPERCALL_INSN,
		  vm & KVM_X86_QUIRK_FIX_HYPERCALL_INSN);
	EXPECT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_DISABLE_QUIRKS2,
				KVM_X86_QUIRK_FIX_HYPERCALL_INSN));
}

TEST_F(hc, vmcall_long64)
{
	INIT(hc64, SVXU_MODE_LONG64);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HC_ENOSYS32);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xffffffffu);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HC_ENOSYS32);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HC_ENOSYS32);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_F(hc, vmcall_prot32)
{
	struct kvm_regs r;

	INIT(hc32, SVXU_MODE_PM32);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, HC_ENOSYS32);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&r));
	EXPECT_EQ(HC_ENOSYS32, r.rax);	/* 32 bits wide */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID: SCHED_YIELD needs its feature bit. */
static void enforced(struct __test_metadata *_metadata, struct svxu_guest *g,
		     uint32_t features, uint32_t expect)
{
	ASSERT_EQ(0, add_kvm_leaves(g, features));
	ASSERT_EQ(0, enable_cap(g->vcpu.fd, KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
				1));
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, 0);		/* POLL_IRQ: any */
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, expect);
}

TEST_F(hc, sched_yield_enforced_off)
{
	INIT(hc64, SVXU_MODE_LONG64);
	enforced(_metadata, &self->g, 0, HC_ENOSYS32);
}

TEST_F(hc, sched_yield_enforced_on)
{
	INIT(hc64, SVXU_MODE_LONG64);
	enforced(_metadata, &self->g, PV_SCHED_YIELD, 0);
}

static void *run_spinner(void *arg)
{
	struct svxu_vcpu *v = arg;

	if (svxu_run(v) || v->run->exit_reason != KVM_EXIT_IO ||
	    v->run->io.port != PORT_RESULT2)
		return (void *)1;
	return NULL;
}

/* SCHED_YIELD to another vCPU that runs (KVM's directed yield), and to none. */
TEST_F(hc, sched_yield_directed)
{
	extern const char guest_hcy_start[], guest_hcy_spin[];
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct svxu_vcpu v1;
	struct kvm_regs r;
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, svxu_guest_create_with(&self->g, SVXU_GUEST_IRQCHIP));
	svxu_load(&self->g.vm, SVX_GUEST(hcy));
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
	ASSERT_EQ(0, svxu_vcpu_create(&self->g.vm, 1, &v1));
	ASSERT_EQ(0, svxu_setup_mode(&v1, SVXU_MODE_LONG64));
	ASSERT_EQ(0, svxu_ioctl(v1.fd, KVM_GET_REGS, (unsigned long)&r));
	r.rip = SVX_CODE + (guest_hcy_spin - guest_hcy_start);
	ASSERT_EQ(0, svxu_ioctl(v1.fd, KVM_SET_REGS, (unsigned long)&r));
	/* an AP: it would wait for INIT/SIPI */
	ASSERT_EQ(0, svxu_ioctl(v1.fd, KVM_SET_MP_STATE, (unsigned long)&mp));
	ASSERT_EQ(0, pthread_create(&t, NULL, run_spinner, &v1));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(NULL, ret);
	svxu_vcpu_destroy(&v1);
}

/* VMMCALL with and without KVM_X86_QUIRK_FIX_HYPERCALL_INSN. */
TEST_F(hc, vmmcall_fixed)
{
	INIT(hcf, SVXU_MODE_LONG64);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xc1010f);	/* VMCALL */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_F(hc, vmmcall_quirk_off)
{
	INIT(hcf, SVXU_MODE_LONG64);
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_DISABLE_QUIRKS2,
				KVM_X86_QUIRK_FIX_HYPERCALL_INSN));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, UD_MARK);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xd9010f);	/* VMMCALL */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_HARNESS_MAIN
