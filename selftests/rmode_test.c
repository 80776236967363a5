// SPDX-License-Identifier: GPL-2.0
/*
 * Real mode on every device: natively (unrestricted guest: shadowvmx EPT
 * mode, kvm_intel ept=1), emulated (kvm_intel ept=0) and in virtual-8086
 * mode (shadowvmx shadow paging, vmx/rmode.c).  The same guest
 * (guest/guests.S "rmode") must report the same values everywhere:
 * interrupts and exceptions through the IVT, an injected interrupt,
 * privileged instructions, and protected mode and back.  Plus
 * KVM_SET_TSS_ADDR's rules where real mode needs the TSS (shadowvmx shadow
 * mode, kvm_intel without unrestricted guest).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "svx.h"

#define CR0_PE		0x1
#define CR0_ET		0x10
#define EFLAGS_IOPL	0x3000
#define EFLAGS_VM	0x20000

SVX_GUEST_FIXTURE(guest);

/* Does this VM run real mode on the KVM_SET_TSS_ADDR TSS (vm86)? */
static bool uses_vm86(int vm_fd)
{
	if (svxu_dev_is_kvm())
		return svxu_kvm_intel_param("unrestricted_guest") != 'Y';
	return svxu_vm_paging(vm_fd) == SVX_PAGING_SHADOW;
}

TEST_F(guest, interrupts_exceptions_privileged_and_mode_round_trip)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct kvm_sregs sr;

	INIT(rmode, SVXU_MODE_REAL16);
	ASSERT_OUT32(v, PORT_RESULT, 0x111);	/* INT 0x80 */
	ASSERT_OUT32(v, PORT_RESULT, 0xb3);	/* INT3 */
	ASSERT_OUT32(v, PORT_RESULT, 6);	/* #UD */
	ASSERT_OUT32(v, PORT_RESULT, 0xde);	/* #DE */
	ASSERT_OUT32(v, PORT_RESULT, CR0_ET);	/* mov from CR0 */
	ASSERT_OUT32(v, PORT_RESULT, CR0_ET);	/* smsw */
	ASSERT_OUT32(v, PORT_RESULT, 0x5a5a);	/* wrmsr + rdmsr */
	ASSERT_OUT32(v, PORT_RESULT, 0x46);	/* FLAGS: ZF PF, bit 1 */
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	EXPECT_EQ(1, v->run->if_flag);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_INTERRUPT, (unsigned long)&irq));
	ASSERT_OUT32(v, PORT_RESULT, 0x20);	/* the IRQ handler ran */
	ASSERT_OUT32(v, PORT_RESULT, 0x32);	/* 32-bit protected mode */
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(1, sr.cr0 & CR0_PE);
	EXPECT_EQ(0x08, sr.cs.selector);
	EXPECT_EQ(1, sr.cs.db);
	EXPECT_EQ(0x10, sr.ss.selector);
	ASSERT_OUT32(v, PORT_RESULT, 0x116);	/* real mode again, IVT */
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(0, sr.cr0 & CR0_PE);
	EXPECT_EQ(0, sr.cs.selector);
	EXPECT_EQ(0, sr.cs.base);
	EXPECT_EQ(0, sr.ds.selector);
	EXPECT_EQ(0, sr.ds.base);
	EXPECT_EQ(0, sr.idt.base);
	EXPECT_EQ(0x3ff, sr.idt.limit);
}

/* KVM_GET_SREGS in real mode: the guest's own segments, not vm86's. */
TEST_F(guest, sregs_round_trip_in_real_mode)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sr, back;
	struct kvm_regs regs;

	INIT(rmode, SVXU_MODE_REAL16);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(0, sr.cr0 & CR0_PE);
	EXPECT_EQ(0xb, sr.cs.type);	/* as set: code, not vm86's 3 */
	EXPECT_EQ(0, sr.cs.dpl);
	EXPECT_EQ(0x3, sr.ss.type);
	sr.ds.selector = 0x1234;
	sr.ds.base = 0x12340;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&back));
	EXPECT_EQ(0x1234, back.ds.selector);
	EXPECT_EQ(0x12340, back.ds.base);
	EXPECT_EQ(0x3, back.ds.type);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	EXPECT_EQ(0, regs.rflags & (EFLAGS_VM | EFLAGS_IOPL));
	/* The guest resets DS itself and runs as before. */
	ASSERT_OUT32(v, PORT_RESULT, 0x111);
}

/* A fresh VM (no TSS yet) with one real-mode vCPU, as QEMU would start. */
static int fresh_vm(struct svxu_guest *g)
{
	int r;

	memset(g, 0, sizeof(*g));
	svxu_vm_init(&g->vm);
	g->vcpu.fd = -1;
	r = svxu_vm_create(&g->vm, SVX_MEM_SIZE);
	return r;
}

TEST_F(guest, set_tss_addr_rules)
{
	struct svxu_guest *g = &self->g;
	void *m;

	ASSERT_EQ(0, fresh_vm(g));
	/* KVM's bound: the three pages must end below 4 GiB. */
	EXPECT_EQ(-EINVAL, svxu_ioctl(g->vm.fd, KVM_SET_TSS_ADDR, 0xffffe000));
	ASSERT_EQ(0, svxu_ioctl(g->vm.fd, KVM_SET_TSS_ADDR,
				SVXU_RMODE_TSS_GPA));
	m = svxu_alloc(0x10000);
	ASSERT_NE(NULL, m);
	if (uses_vm86(g->vm.fd)) {
		/* A private memslot holds the TSS: a second call, or a user
		 * slot over it, is -EEXIST as on kvm_intel ept=0. */
		EXPECT_EQ(-EEXIST, svxu_ioctl(g->vm.fd, KVM_SET_TSS_ADDR,
					      0xfffb0000));
		EXPECT_EQ(-EEXIST, svxu_set_mem(g->vm.fd, 1, 0,
						SVXU_RMODE_TSS_GPA & ~0xffffu,
						0x10000, m));
	} else {
		/* Unrestricted guest: the address is only recorded. */
		EXPECT_EQ(0, svxu_ioctl(g->vm.fd, KVM_SET_TSS_ADDR, 0xfffb0000));
		EXPECT_EQ(0, svxu_set_mem(g->vm.fd, 1, 0,
					  SVXU_RMODE_TSS_GPA & ~0xffffu,
					  0x10000, m));
	}
	svxu_free(m, 0x10000);
}

/* Without KVM_SET_TSS_ADDR vm86 has no TSS: shadowvmx refuses to run. */
TEST_F(guest, real_mode_without_tss_is_an_internal_error)
{
	struct svxu_guest *g = &self->g;

	ASSERT_EQ(0, fresh_vm(g));
	if (!uses_vm86(g->vm.fd))
		SKIP(return, "real mode runs natively here (unrestricted guest)");
	if (svxu_dev_is_kvm())
		SKIP(return, "kvm_intel runs with the TSS at GPA 0 (warns once)");
	ASSERT_EQ(0, svxu_vcpu_create(&g->vm, 0, &g->vcpu));
	svxu_load(&g->vm, SVX_GUEST(rmode));
	ASSERT_EQ(0, svxu_setup_mode(&g->vcpu, SVXU_MODE_REAL16));
	ASSERT_EXIT(&g->vcpu, KVM_EXIT_INTERNAL_ERROR);
	/* Set now, the TSS lets the same vCPU run. */
	ASSERT_EQ(0, svxu_ioctl(g->vm.fd, KVM_SET_TSS_ADDR,
				SVXU_RMODE_TSS_GPA));
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, 0x111);
}

TEST_HARNESS_MAIN
