// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_run's fields for a userspace irqchip (QEMU's kernel-irqchip=off, no
 * KVM_CREATE_IRQCHIP), as KVM 6.1's kvm_arch_vcpu_ioctl_run():
 * - "re-sync apic's tpr": every KVM_RUN first loads CR8 from kvm_run->cr8
 *   (QEMU's kvm_arch_pre_run() writes its APIC's TPR there), so it wins
 *   over a CR8 set by KVM_SET_SREGS, and a value with bits above 3 is
 *   -EINVAL;
 * - post_kvm_run_save() on every return, the -EINTR of immediate_exit
 *   included: if_flag, cr8, apic_base and ready_for_interrupt_injection
 *   (QEMU's kvm_arch_post_run() copies if_flag into its EFLAGS.IF, cr8
 *   into its APIC's TPR and apic_base into its APIC base after every
 *   KVM_RUN, whatever it returned).
 */
#include <errno.h>
#include <string.h>

#include "svx.h"

SVX_GUEST_FIXTURE(uirq);

static uint64_t get_cr8(struct __test_metadata *_metadata, int fd)
{
	struct kvm_sregs s;

	EXPECT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&s));
	return s.cr8;
}

/* kvm_run->cr8 is CR8 from the next KVM_RUN on, -EINTR included. */
TEST_F(uirq, cr8_from_kvm_run)
{
	struct kvm_run *run;
	struct kvm_sregs s;

	INIT(hlt, SVXU_MODE_PM32);
	run = self->g.run;
	run->cr8 = 9;
	run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, svxu_run(&self->g.vcpu));
	ASSERT_EQ(9, get_cr8(_metadata, self->g.vcpu.fd));
	ASSERT_EQ(9, run->cr8);
	run->immediate_exit = 0;

	/* KVM_SET_SREGS's CR8 loses to kvm_run's at the next KVM_RUN */
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&s));
	s.cr8 = 7;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&s));
	ASSERT_EQ(7, get_cr8(_metadata, self->g.vcpu.fd));
	run->cr8 = 4;
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(4, get_cr8(_metadata, self->g.vcpu.fd));
	ASSERT_EQ(4, run->cr8);
}

/* CR8 has 4 bits: anything above is -EINVAL, the guest not entered */
TEST_F(uirq, cr8_reserved_bits)
{
	struct kvm_regs regs;

	INIT(hlt, SVXU_MODE_PM32);
	self->g.run->cr8 = 0x10;
	ASSERT_EQ(-EINVAL, svxu_run(&self->g.vcpu));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(SVX_CODE, regs.rip);
	self->g.run->cr8 = 2;
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(2, get_cr8(_metadata, self->g.vcpu.fd));
}

/* immediate_exit's -EINTR still fills the fields QEMU reads afterwards */
TEST_F(uirq, post_run_fields_on_immediate_exit)
{
	struct kvm_run *run;
	struct kvm_regs regs;
	struct kvm_sregs s;

	INIT(hlt, SVXU_MODE_PM32);
	run = self->g.run;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rflags |= 0x200;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&s));
	ASSERT_NE(0, s.apic_base);
	run->cr8 = 5;
	run->if_flag = 0;
	run->apic_base = 0;
	run->ready_for_interrupt_injection = 0;
	run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, svxu_run(&self->g.vcpu));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(5, run->cr8);
	EXPECT_EQ(s.apic_base, run->apic_base);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	/* and with IF=0: not ready */
	regs.rflags &= ~0x200ULL;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS, (unsigned long)&regs));
	run->if_flag = 1;
	run->ready_for_interrupt_injection = 1;
	ASSERT_EQ(-EINTR, svxu_run(&self->g.vcpu));
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);
}

TEST_HARNESS_MAIN
