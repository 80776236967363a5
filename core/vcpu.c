// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU fd: mmap of struct kvm_run (page 0) and of the PIO data page
 * (page 1, KVM_PIO_PAGE_OFFSET), KVM_RUN, KVM_{GET,SET}_{REGS,SREGS},
 * KVM_SET_CPUID2, KVM_{GET,SET}_MSRS, KVM_INTERRUPT, KVM_NMI,
 * KVM_{GET,SET}_VCPU_EVENTS, KVM_TRANSLATE, SVX_GET_VCPU_STATS and
 * SVX_WALK_TRACE (mmu/walktrace.c).  One ioctl
 * runs at a time per vCPU (svx_vcpu.mutex), as in KVM.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "core.h"
#include "cpuid.h"
#include "fpu.h"
#include "vmx_ept.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"
#include "irq.h"
#include "kvmclock.h"
#include "hyperv.h"

static vm_fault_t svx_vcpu_fault(struct vm_fault *vmf)
{
	struct svx_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct svx_vcpu_vm_ops = {
	.fault = svx_vcpu_fault,
};

static int svx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &svx_vcpu_vm_ops;
	return 0;
}

static long svx_set_cpuid2(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 hdr;
	int r;

	if (copy_from_user(&hdr, user, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > SVX_MAX_CPUID_ENTRIES) {
		svx_vm_warn(vcpu->vm, "KVM_SET_CPUID2: %u entries, at most %d\n",
			    hdr.nent, SVX_MAX_CPUID_ENTRIES);
		return -E2BIG;
	}
	if (hdr.nent) {
		e = svx_fallible_ptr(vmemdup_user(user->entries, hdr.nent * sizeof(*e)));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/* KVM's __kvm_update_cpuid_runtime() (MWAIT, core/quirks.c) */
	svx_quirks_update_cpuid(vcpu, e, hdr.nent);
	/*
	 * As KVM 6.1: once the vCPU has run, only the table it has is taken
	 * again (what the guest saw and enabled must stay true).
	 */
	if (svx_vcpu_has_run(vcpu)) {
		bool same = svx_cpuid_equal(vcpu, e, hdr.nent);

		kvfree(e);
		return same ? 0 : -EINVAL;
	}
	r = svx_cpuid_check(vcpu, e, hdr.nent);
	if (r) {
		kvfree(e);
		return r;
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = hdr.nent;
	svx_cpuid_update_vcpu(vcpu);
	svx_ept_update_cr4_mask(vcpu);
	svx_vcpu_after_set_cpuid(vcpu);
	svx_irqchip_after_set_cpuid(vcpu);
	svx_hv_after_set_cpuid(vcpu);	/* core/hyperv.c */
	return 0;
}

/*
 * As KVM 6.1's kvm_vcpu_ioctl_get_cpuid2(): -E2BIG when the caller's array
 * is too small; the caller's nent is never changed (6.1 computes the count
 * only on its error path, which does not copy it out), but on success the
 * header is copied back as it was read (-EFAULT if it cannot be written).
 */
static long svx_get_cpuid2(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, user, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent)
		return -E2BIG;
	if (copy_to_user(user->entries, vcpu->cpuid,
			 vcpu->cpuid_nent * sizeof(*vcpu->cpuid)))
		return -EFAULT;
	return copy_to_user(user, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

/*
 * The guest's x87/SSE state between runs (vcpu->fpu, the legacy area of
 * the guest fpstate, x86/fpu.c), field by field as KVM's
 * kvm_arch_vcpu_ioctl_get_fpu(): MXCSR is not part of it.
 */
static void svx_get_fpu(struct svx_vcpu *vcpu, struct kvm_fpu *fpu)
{
	const struct fxregs_state *fx = vcpu->fpu;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fx->st_space, sizeof(fpu->fpr));
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
}

static void svx_set_fpu(struct svx_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	struct fxregs_state *fx = vcpu->fpu;

	memcpy(fx->st_space, fpu->fpr, sizeof(fpu->fpr));
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fpu->xmm));
}

/* KVM's msr_io(): returns the number of MSRs processed. */
/*
 * KVM's msr_io(): @do_msr on each entry of the struct kvm_msrs at @argp
 * until one fails; the entries are copied back if @writeback.  Returns
 * the number done.  @vcpu is NULL for the system fd's feature MSRs.
 */
long svx_msr_io(struct svx_vcpu *vcpu, void __user *argp,
		int (*do_msr)(struct svx_vcpu *vcpu, u32 index, u64 *data),
		bool writeback)
{
	struct kvm_msrs __user *user = argp;
	struct kvm_msr_entry *entries;
	struct kvm_msrs hdr;
	unsigned int i;
	long r;

	if (copy_from_user(&hdr, user, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= SVX_MAX_IO_MSRS)
		return -E2BIG;
	entries = svx_fallible_ptr(memdup_user(user->entries, hdr.nmsrs * sizeof(*entries)));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < hdr.nmsrs; i++)
		if (do_msr(vcpu, entries[i].index, &entries[i].data))
			break;
	r = i;
	if (writeback && copy_to_user(user->entries, entries,
				      hdr.nmsrs * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}

static int svx_do_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	return svx_get_msr(vcpu, index, data, true);
}

static int svx_do_set_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	return svx_set_msr(vcpu, index, *data, true);
}

static long svx_vcpu_stats(struct svx_vcpu *vcpu, void __user *argp)
{
	struct svx_stats *s;
	struct svx_vm *vm = vcpu->vm;
	long r;

	s = svx_fallible(kmemdup(&vcpu->stats, sizeof(*s), GFP_KERNEL_ACCOUNT));
	if (!s)
		return -ENOMEM;
	spin_lock(&vm->mmu_lock);
	s->mmu[SVX_MMU_SP_IN_USE] = vm->sp_in_use;
	s->mmu[SVX_MMU_PAGES_PINNED] = vm->pages_pinned;
	s->mmu[SVX_MMU_EPT_PAGES] = vm->ept_pages;
	spin_unlock(&vm->mmu_lock);
	r = svx_copy_stats_to_user(argp, s, vm->paging, 1);
	kfree(s);
	return r;
}

static long svx_vcpu_ioctl_locked(struct svx_vcpu *vcpu, unsigned int ioctl,
				  unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_GET_REGS: {
		struct kvm_regs regs;

		svx_get_regs(vcpu, &regs);
		return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
	}
	case KVM_SET_REGS: {
		struct kvm_regs regs;

		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		svx_set_regs(vcpu, &regs);
		return 0;
	}
	case KVM_GET_SREGS: {
		struct kvm_sregs sregs;

		svx_get_sregs(vcpu, &sregs);
		return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
	}
	case KVM_SET_SREGS: {
		struct kvm_sregs sregs;

		if (copy_from_user(&sregs, argp, sizeof(sregs)))
			return -EFAULT;
		return svx_set_sregs(vcpu, &sregs);
	}
	case KVM_GET_CPUID2:
		return svx_get_cpuid2(vcpu, argp);
	case KVM_GET_MP_STATE: {
		struct kvm_mp_state mp = { .mp_state = svx_vcpu_get_mp_state(vcpu) };

		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	}
	case KVM_SET_MP_STATE: {
		struct kvm_mp_state mp;

		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		return svx_vcpu_set_mp_state(vcpu, mp.mp_state);
	}
	case KVM_SET_VAPIC_ADDR:
		return svx_vcpu_set_vapic_addr(vcpu, argp);
	case KVM_TPR_ACCESS_REPORTING:
		return svx_vcpu_tpr_access_reporting(vcpu, argp);
	case KVM_GET_LAPIC:
		return svx_vcpu_lapic_state(vcpu, argp, false);
	case KVM_SET_LAPIC:
		return svx_vcpu_lapic_state(vcpu, argp, true);
	case KVM_GET_FPU: {
		struct kvm_fpu fpu;

		svx_get_fpu(vcpu, &fpu);
		return copy_to_user(argp, &fpu, sizeof(fpu)) ? -EFAULT : 0;
	}
	case KVM_SET_FPU: {
		struct kvm_fpu fpu;

		if (copy_from_user(&fpu, argp, sizeof(fpu)))
			return -EFAULT;
		svx_set_fpu(vcpu, &fpu);
		return 0;
	}
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
		return svx_fpu_ioctl(vcpu, ioctl, argp);	/* x86/fpu.c */
	case KVM_GET_DEBUGREGS: {
		struct kvm_debugregs d;

		svx_get_debugregs(vcpu, &d);
		return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
	}
	case KVM_SET_DEBUGREGS: {
		struct kvm_debugregs d;

		if (copy_from_user(&d, argp, sizeof(d)))
			return -EFAULT;
		return svx_set_debugregs(vcpu, &d);
	}
	case KVM_SET_GUEST_DEBUG: {	/* vmx/debugreg.c */
		struct kvm_guest_debug dbg;

		if (copy_from_user(&dbg, argp, sizeof(dbg)))
			return -EFAULT;
		return svx_set_guest_debug(vcpu, &dbg);
	}
	case KVM_SET_CPUID2:
		return svx_set_cpuid2(vcpu, argp);
	case KVM_GET_MSRS:
		return svx_msr_io(vcpu, argp, svx_do_get_msr, true);
	case KVM_SET_MSRS:
		return svx_msr_io(vcpu, argp, svx_do_set_msr, false);
	case KVM_X86_SETUP_MCE: {
		u64 mcg_cap;

		if (copy_from_user(&mcg_cap, argp, sizeof(mcg_cap)))
			return -EFAULT;
		return svx_setup_mce(vcpu, mcg_cap);
	}
	case KVM_X86_SET_MCE: {
		struct kvm_x86_mce mce;

		if (copy_from_user(&mce, argp, sizeof(mce)))
			return -EFAULT;
		return svx_set_mce(vcpu, &mce);
	}
	case KVM_INTERRUPT: {
		struct kvm_interrupt irq;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		/* As KVM: with the PICs in the kernel, there is no INTR line. */
		if (vcpu->lapic && irq.irq < KVM_NR_INTERRUPTS) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_INTERRUPT with an in-kernel irqchip\n",
				    vcpu->id);
			return -ENXIO;
		}
		return svx_queue_interrupt(vcpu, irq.irq);
	}
	case KVM_NMI:
		svx_queue_nmi(vcpu);
		return 0;
	case KVM_SMI:		/* vmx/smm.c */
		return svx_smm_ioctl_smi(vcpu);
	case KVM_GET_VCPU_EVENTS: {
		struct kvm_vcpu_events ev;

		svx_get_events(vcpu, &ev);
		return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
	}
	case KVM_SET_VCPU_EVENTS: {
		struct kvm_vcpu_events ev;

		if (copy_from_user(&ev, argp, sizeof(ev)))
			return -EFAULT;
		return svx_set_events(vcpu, &ev);
	}
	case KVM_TRANSLATE: {
		struct kvm_translation tr;
		u64 gpa;

		if (copy_from_user(&tr, argp, sizeof(tr)))
			return -EFAULT;
		/* As KVM: a system (CPL 0, no A/D) walk of the guest tables. */
		tr.valid = !svx_gva_to_gpa(vcpu, tr.linear_address, &gpa);
		tr.physical_address = tr.valid ? gpa : ~0ULL;
		tr.writeable = 1;
		tr.usermode = 0;
		return copy_to_user(argp, &tr, sizeof(tr)) ? -EFAULT : 0;
	}
	case KVM_GET_STATS_FD:
		return svx_get_stats_fd(vcpu->vm, vcpu);
	case KVM_GET_TSC_KHZ:		/* as KVM: the rate last set, an int */
		return (int)vcpu->tsc_khz;
	case KVM_SET_TSC_KHZ:
		return svx_set_tsc_khz(vcpu, arg);
	case KVM_GET_SUPPORTED_HV_CPUID:	/* core/hyperv.c */
		return svx_hv_get_supported_cpuid(vcpu, argp);
	case KVM_ENABLE_CAP:		/* core/kvmclock.c */
		return svx_vcpu_enable_cap(vcpu, argp);
	case KVM_HAS_DEVICE_ATTR:	/* KVM_VCPU_TSC_CTRL: core/kvmclock.c */
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return svx_vcpu_device_attr(vcpu, ioctl, argp);
	case SVX_GET_VCPU_STATS:
		return svx_vcpu_stats(vcpu, argp);
	case SVX_WALK_TRACE:
		return svx_walk_trace(vcpu, argp);
	case SVX_WALK_TRACE2:
		return svx_walk_trace2(vcpu, argp);
	}
	/* KVM answers unknown vCPU ioctls with -EINVAL. */
	svx_vm_warn(vcpu->vm, "vcpu%d: ioctl %#x (type %#x nr %#x) not supported: -EINVAL\n",
		    vcpu->id, ioctl, _IOC_TYPE(ioctl), _IOC_NR(ioctl));
	return -EINVAL;
}

static long svx_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	struct svx_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	/* the hot one, before the switch's chain of compares and its frame */
	if (ioctl == KVM_RUN) {
		r = -EINVAL;
		if (!arg) {
			/* vmx/hypercall.c; the call only for a new task */
			if (rcu_access_pointer(vcpu->pid) != task_pid(current))
				svx_vcpu_track_pid(vcpu);
			r = svx_run_sync_regs(vcpu);	/* core/sync_regs.c */
		}
	} else {
		r = svx_vcpu_ioctl_locked(vcpu, ioctl, arg);
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static int svx_vcpu_release(struct inode *inode, struct file *filp)
{
	struct svx_vcpu *vcpu = filp->private_data;

	svx_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations svx_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = svx_vcpu_release,
	.unlocked_ioctl = svx_vcpu_ioctl,
	.compat_ioctl = svx_vcpu_ioctl,
	.mmap = svx_vcpu_mmap,
	.llseek = noop_llseek,
};

int svx_create_vcpu(struct svx_vm *vm, unsigned long id)
{
	struct svx_vcpu *vcpu;
	struct file *file;
	char name[24];
	int r, fd;

	if (id >= SVX_MAX_VCPUS) {
		svx_vm_warn(vm, "KVM_CREATE_VCPU: id %lu out of range (max %d)\n",
			    id, SVX_MAX_VCPUS - 1);
		return -EINVAL;
	}
	mutex_lock(&vm->lock);
	if (!vm->max_vcpu_ids)		/* kvm_arch_vcpu_precreate() */
		vm->max_vcpu_ids = SVX_MAX_VCPUS;
	if (id >= vm->max_vcpu_ids) {
		svx_vm_warn(vm, "KVM_CREATE_VCPU: id %lu above KVM_CAP_MAX_VCPU_ID %u\n",
			    id, vm->max_vcpu_ids);
		r = -EINVAL;
		goto unlock;
	}
	if (vm->vcpus[id]) {
		svx_vm_warn(vm, "KVM_CREATE_VCPU: vcpu %lu exists\n", id);
		r = -EEXIST;
		goto unlock;
	}
	r = -ENOMEM;
	vcpu = svx_vmx_vcpu_alloc();
	if (!vcpu)
		goto unlock;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	vcpu->run = (void *)svx_fallible(get_zeroed_page(GFP_KERNEL_ACCOUNT));
	vcpu->pio_data = (void *)svx_fallible(get_zeroed_page(GFP_KERNEL_ACCOUNT));
	if (!vcpu->run || !vcpu->pio_data)
		goto free;
	svx_cpuid_update_vcpu(vcpu);	/* no table yet: EFER.LME/NX reserved */
	/*
	 * As KVM (cr4_guest_rsvd_bits is 0 until KVM_SET_CPUID2): before the
	 * vCPU model exists, KVM_SET_SREGS takes every CR4 bit the module
	 * supports (set_sregs_test checks it on a vCPU without CPUID).
	 */
	vcpu->cr4_guest_rsvd = 0;
	r = svx_mmu_vcpu_init(vcpu);
	if (r)
		goto free;
	r = svx_vcpu_init_vmx(vcpu);
	if (r)
		goto free_mmu;
	svx_init_tsc_khz(vcpu);		/* the VM's KVM_SET_TSC_KHZ rate */
	svx_init_tsc(vcpu);
	r = svx_irqchip_vcpu_init(vcpu);
	if (r)
		goto free_vmx;

	/*
	 * As KVM: the vCPU is complete and published before its fd exists,
	 * so nothing can use or close the fd while kicks and stats do not
	 * see the vCPU yet; nothing can fail once the fd is installed.
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto free_vmx;
	}
	snprintf(name, sizeof(name), "kvm-vcpu:%lu", id);
	file = anon_inode_getfile(name, &svx_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto free_vmx;
	}
	svx_vm_get(vm);		/* the file's, dropped by its release */
	svx_hv_vcpu_init(vcpu, vm->nr_vcpus);	/* KVM's vcpu_idx */
	WRITE_ONCE(vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	fd_install(fd, file);
	mutex_unlock(&vm->lock);
	return fd;

free_vmx:
	svx_irqchip_vcpu_destroy(vcpu);
	svx_vcpu_free_vmx(vcpu);
free_mmu:
	svx_mmu_vcpu_destroy(vcpu);
free:
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->pio_data);
	svx_vmx_vcpu_free(vcpu);
unlock:
	mutex_unlock(&vm->lock);
	return r;
}
