// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_X86_SET_MSR_FILTER and KVM_CAP_X86_USER_SPACE_MSR, as KVM 6.1's
 * x86.c: a per-VM filter (up to KVM_MSR_FILTER_MAX_RANGES ranges, each a
 * bitmap of allowed MSRs for reads, writes or both; a default for the
 * rest; x2APIC MSRs never filtered) consulted on every guest RDMSR and
 * WRMSR (every one exits here: no MSR bitmap), and the exits to userspace
 * of the accesses the VMM asked for: KVM_EXIT_X86_RDMSR/WRMSR with reason
 * FILTER (the filter denied it), UNKNOWN (no such MSR here) or INVAL (the
 * MSR refused the access), completed on the next KVM_RUN
 * (svx_complete_user(), vmx/pio.c): msr.error set means #GP, else the
 * read's data is loaded and RIP moves on.
 * The filter is replaced whole under vm->lock and read under RCU.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bitops.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "svx.h"
#include "mmu_host.h"
#include "vmx.h"
#include "vm.h"

struct svx_msr_range {
	u32 flags;
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;
};

struct svx_msr_filter {
	struct rcu_head rcu;
	bool default_allow;
	u32 count;
	struct svx_msr_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

#define SVX_MSR_EXIT_REASONS	(KVM_MSR_EXIT_REASON_INVAL |	\
				 KVM_MSR_EXIT_REASON_UNKNOWN |	\
				 KVM_MSR_EXIT_REASON_FILTER)

/* KVM's kvm_msr_allowed(): @type is KVM_MSR_FILTER_READ or _WRITE */
bool svx_msr_allowed(struct svx_vcpu *vcpu, u32 index, u32 type)
{
	const struct svx_msr_filter *f;
	bool allowed = true;
	u32 i;

	if (index >= 0x800 && index <= 0x8ff)	/* x2APIC: never filtered */
		return true;
	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			const struct svx_msr_range *r = &f->ranges[i];
			u32 end = r->base + r->nmsrs;

			if (index >= r->base && index < end && (r->flags & type)) {
				allowed = test_bit(index - r->base, r->bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}

static void svx_msr_filter_free(struct svx_msr_filter *f)
{
	u32 i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

/* KVM's kvm_add_msr_filter() */
static int svx_msr_filter_add(struct svx_msr_filter *f,
			      const struct kvm_msr_filter_range *ur)
{
	unsigned long *bitmap;
	size_t size;

	if (!ur->nmsrs)
		return 0;
	if (ur->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE) ||
	    !ur->flags)
		return -EINVAL;
	size = BITS_TO_LONGS(ur->nmsrs) * sizeof(long);
	if (!size || size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = svx_fallible_ptr(memdup_user((u8 __user *)ur->bitmap, size));
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	f->ranges[f->count].flags = ur->flags;
	f->ranges[f->count].base = ur->base;
	f->ranges[f->count].nmsrs = ur->nmsrs;
	f->ranges[f->count].bitmap = bitmap;
	f->count++;
	return 0;
}

/* KVM_X86_SET_MSR_FILTER: KVM's kvm_vm_ioctl_set_msr_filter() */
long svx_vm_set_msr_filter(struct svx_vm *vm, void __user *argp)
{
	struct svx_msr_filter *new, *old;
	struct kvm_msr_filter *uf;
	bool empty = true;
	long r = 0;
	u32 i;

	uf = svx_fallible_ptr(memdup_user(argp, sizeof(*uf)));
	if (IS_ERR(uf))
		return PTR_ERR(uf);
	if (uf->flags & ~KVM_MSR_FILTER_DEFAULT_DENY) {
		svx_vm_warn(vm, "KVM_X86_SET_MSR_FILTER: flags %#x\n", uf->flags);
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(uf->ranges); i++)
		empty &= !uf->ranges[i].nmsrs;
	if (empty && (uf->flags & KVM_MSR_FILTER_DEFAULT_DENY)) {
		svx_vm_warn(vm, "KVM_X86_SET_MSR_FILTER: default deny and no range\n");
		r = -EINVAL;
		goto out;
	}
	new = svx_fallible(kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT));
	if (!new) {
		r = -ENOMEM;
		goto out;
	}
	new->default_allow = !(uf->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < ARRAY_SIZE(uf->ranges); i++) {
		r = svx_msr_filter_add(new, &uf->ranges[i]);
		if (r) {
			svx_vm_warn(vm, "KVM_X86_SET_MSR_FILTER: range %u (flags %#x, %u MSRs): %ld\n",
				    i, uf->ranges[i].flags, uf->ranges[i].nmsrs, r);
			svx_msr_filter_free(new);
			goto out;
		}
	}
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->msr_filter, new,
				  lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	/* Accesses passed through may now be denied (vmx/msr_bitmap.c). */
	svx_kick_all(vm, SVX_REQ_MSR_FILTER);
	synchronize_rcu();
	svx_msr_filter_free(old);
out:
	kfree(uf);
	return r;
}

/* KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR) */
int svx_vm_enable_user_space_msr(struct svx_vm *vm, u64 mask)
{
	if (mask & ~(u64)SVX_MSR_EXIT_REASONS)
		return -EINVAL;
	WRITE_ONCE(vm->user_space_msr_mask, mask);
	return 0;
}

/*
 * A guest RDMSR/WRMSR of @index failed here (@filtered: the filter denied
 * it): KVM's kvm_msr_user_space().  true: it leaves as KVM_EXIT_X86_RDMSR
 * or _WRMSR, completed by the next KVM_RUN (vcpu->pending).  An MSR is
 * UNKNOWN when not even a host-initiated read knows it (KVM's
 * KVM_MSR_RET_INVALID; the x2APIC range 0x800-0xbff KVM always knows,
 * failing it without an in-kernel x2APIC), INVAL when it refused this
 * access.
 */
bool svx_msr_exit_to_user(struct svx_vcpu *vcpu, u32 index, bool write,
			  u64 data, bool filtered)
{
	u32 mask = READ_ONCE(vcpu->vm->user_space_msr_mask);
	struct kvm_run *run = vcpu->run;
	u32 reason;
	u64 v;

	if (!mask)
		return false;
	if (filtered)
		reason = KVM_MSR_EXIT_REASON_FILTER;
	else if ((index < 0x800 || index > 0xbff) &&	/* KVM's x2APIC range */
		 svx_get_msr(vcpu, index, &v, true))
		reason = KVM_MSR_EXIT_REASON_UNKNOWN;
	else
		reason = KVM_MSR_EXIT_REASON_INVAL;
	if (!(mask & reason))
		return false;
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = write ? data : 0;
	vcpu->pending = write ? SVX_PENDING_WRMSR : SVX_PENDING_RDMSR;
	return true;
}

void svx_msr_filter_destroy(struct svx_vm *vm)
{
	svx_msr_filter_free(rcu_dereference_protected(vm->msr_filter, 1));
	RCU_INIT_POINTER(vm->msr_filter, NULL);
}
