// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS: registers exchanged through kvm_run instead of
 * ioctls, as KVM's kvm_arch_vcpu_ioctl_run() (sync_regs(), store_regs()):
 * before the run, the sets userspace marked in kvm_dirty_regs are loaded
 * from run->s.regs (and their bits cleared); after it, whatever the
 * outcome, the sets in kvm_valid_regs are stored there.  An unknown bit in
 * either: -EINVAL before anything runs.  The sets are KVM's: general
 * registers (KVM_SET_REGS), special registers (KVM_SET_SREGS, with its
 * checks: -EINVAL), events (KVM_SET_VCPU_EVENTS, likewise).
 */
#include <linux/kvm.h>

#include "core.h"
#include "vmx.h"

#define SVX_SYNC_FIELDS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | \
			 KVM_SYNC_X86_EVENTS)

long svx_sync_regs_caps(void)
{
	return SVX_SYNC_FIELDS;
}

/*
 * Userspace may change run->s.regs at any time: each set is copied once
 * (no double fetch) before it is checked and used.
 */
static int svx_sync_regs_in(struct svx_vcpu *vcpu, u64 dirty)
{
	struct kvm_run *run = vcpu->run;

	if (dirty & KVM_SYNC_X86_REGS) {
		struct kvm_regs regs;

		memcpy(&regs, &run->s.regs.regs, sizeof(regs));
		svx_set_regs(vcpu, &regs);
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		struct kvm_sregs sregs;

		memcpy(&sregs, &run->s.regs.sregs, sizeof(sregs));
		if (svx_set_sregs(vcpu, &sregs))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		struct kvm_vcpu_events ev;

		memcpy(&ev, &run->s.regs.events, sizeof(ev));
		if (svx_set_events(vcpu, &ev))
			return -EINVAL;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

static void svx_sync_regs_out(struct svx_vcpu *vcpu, u64 valid)
{
	struct kvm_run *run = vcpu->run;

	if (valid & KVM_SYNC_X86_REGS)
		svx_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		svx_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		svx_get_events(vcpu, &run->s.regs.events);
}

/* KVM_RUN with kvm_run's register sets (vcpu->mutex held). */
long svx_run_sync_regs(struct svx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	long r;

	if ((valid | dirty) & ~(u64)SVX_SYNC_FIELDS) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_RUN: kvm_valid_regs %#llx, kvm_dirty_regs %#llx: only %#x are known (-EINVAL)\n",
			    vcpu->id, valid, dirty, (u32)SVX_SYNC_FIELDS);
		r = -EINVAL;
		goto out;
	}
	if (dirty) {
		r = svx_sync_regs_in(vcpu, dirty);
		if (r) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_RUN: kvm_dirty_regs %#llx: a set was refused (%ld)\n",
				    vcpu->id, dirty, r);
			goto out;
		}
	}
	r = svx_vcpu_run(vcpu);
out:
	/* as KVM, the store is decided by kvm_valid_regs as it is now */
	valid = READ_ONCE(run->kvm_valid_regs);
	if (valid)
		svx_sync_regs_out(vcpu, valid);
	return r;
}
