// SPDX-License-Identifier: GPL-2.0
/*
 * The VM fd: KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, KVM_SET_TSS_ADDR
 * (the real-mode TSS's private memslot) and SVX_GET_VM_STATS, plus guest
 * memory access for the rest of the module (physical through the
 * memslots, virtual through the vCPU's MMU).
 *
 * A VM owns: VMX (a reference taken at creation, so VMXON happens with the
 * first VM and VMXOFF with the last), its memslots (RCU-published copies),
 * its shadow tables and pinned pages (mmu/), and its vCPUs, which are freed
 * with it.  The VM fd and every vCPU fd hold a reference.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/tsc.h>

#include "core.h"
#include "pit.h"
#include "cpuid.h"
#include "mmu_host.h"
#include "walker.h"
#include "ept.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"
#include "irq.h"
#include "kvmclock.h"
#include "hyperv.h"

static atomic_t svx_vm_ids = ATOMIC_INIT(0);

void svx_vm_get(struct svx_vm *vm)
{
	refcount_inc(&vm->users);
}

static void svx_vm_destroy(struct svx_vm *vm)
{
	int i;

	svx_mmu_notifier_unregister(vm);	/* zaps while the vCPUs exist */
	svx_pit_destroy(vm);	/* its queued tick uses the irqchip */
	svx_eventfd_vm_destroy(vm);	/* irqfds inject into the irqchip */
	svx_msr_filter_destroy(vm);
	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		struct svx_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		svx_hv_vcpu_destroy(vcpu);	/* its timers kick it */
		svx_irqchip_vcpu_destroy(vcpu);
		svx_vcpu_free_vmx(vcpu);
		svx_mmu_vcpu_destroy(vcpu);
		free_page((unsigned long)vcpu->run);
		free_page((unsigned long)vcpu->pio_data);
		kvfree(vcpu->cpuid);
		svx_vcpu_put_pid(vcpu);
		svx_vmx_vcpu_free(vcpu);
	}
	svx_irqchip_destroy(vm);
	svx_hv_vm_destroy(vm);	/* KVM_HYPERV_EVENTFD's eventfds */
	svx_ept_vm_destroy(vm);
	svx_mmu_vm_destroy(vm);
	svx_dirty_log_free_all(rcu_dereference_protected(vm->memslots, 1));
	svx_dirty_log_free_all(rcu_dereference_protected(vm->smm_memslots, 1));
	/* As KVM: the TSS pages go now if this is their mm, else with it. */
	if (vm->tss_hva && current->mm == vm->mm)
		vm_munmap(vm->tss_hva, SVX_RMODE_TSS_PAGES * PAGE_SIZE);
	kvfree(rcu_dereference_protected(vm->memslots, 1));
	kvfree(rcu_dereference_protected(vm->smm_memslots, 1));
	mmdrop(vm->mm);
	ratelimit_state_exit(&vm->warn_rs);	/* "N callbacks suppressed" */
	kfree(vm);
	svx_vmx_put();
	module_put(THIS_MODULE);
}

void svx_vm_put(struct svx_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		svx_vm_destroy(vm);
}

/* ---------------------------------------------------------------------- */
/* Guest memory                                                            */

/*
 * Copy the memslot of address space @as holding @gfn into @s and the
 * slots' generation into @gen (for the "did the slots change while I
 * slept" check under mmu_lock): address space 0's, which every change of
 * either space bumps.  Returns false when no slot holds @gfn.
 */
bool svx_memslot_get_as(struct svx_vm *vm, int as, u64 gfn,
			struct svx_memslot *s, u64 *gen)
{
	const struct svx_memslot *slot;

	rcu_read_lock();
	*gen = rcu_dereference(vm->memslots)->generation;
	slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, as)),
				gfn);
	if (slot)
		*s = *slot;
	rcu_read_unlock();
	return slot;
}

bool svx_memslot_get(struct svx_vm *vm, u64 gfn, struct svx_memslot *s,
		     u64 *gen)
{
	return svx_memslot_get_as(vm, 0, gfn, s, gen);
}

/*
 * May @vm pin @n more pages?  Its pins are the VMM's pinned memory
 * (mm->pinned_vm, svx_host_pins()), limited by RLIMIT_MEMLOCK as VFIO's,
 * unless the VM's creator had CAP_IPC_LOCK.  Checked before the pin, so a
 * few faults in flight on other vCPUs may overshoot by their own pins.
 */
bool svx_pins_allowed(struct svx_vm *vm, unsigned long n, bool warn)
{
	unsigned long limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	s64 pinned = atomic64_read(&vm->mm->pinned_vm);

	if (vm->pin_unlimited || pinned + n <= limit)
		return true;
	if (warn)
		svx_vm_warn(vm, "guest memory pinned would exceed RLIMIT_MEMLOCK (%lu KiB, %lld KiB pinned): raise it (ulimit -l) or run with CAP_IPC_LOCK\n",
			    limit << (PAGE_SHIFT - 10),
			    pinned << (PAGE_SHIFT - 10));
	return false;
}

/*
 * Pin the host page behind @gfn of slot @s, writable unless the slot is
 * read-only.  0, or -errno with one dmesg line (-ENOMEM above
 * RLIMIT_MEMLOCK).
 */
int svx_pin_gfn(struct svx_vcpu *vcpu, const struct svx_memslot *s, u64 gfn,
		struct page **page)
{
	u64 hva = svx_memslot_gfn_to_hva(s, gfn);
	int r;

	if (!svx_pins_allowed(vcpu->vm, 1, true))
		return -ENOMEM;
	r = svx_pin_user_pages_fast(hva, 1, FOLL_LONGTERM |
				    ((s->flags & KVM_MEM_READONLY) ? 0 :
				     FOLL_WRITE), page);
	if (r == 1)
		return 0;
	svx_vm_warn(vcpu->vm, "vcpu%d: cannot pin the host page behind GPA %#llx (slot %u, hva %#llx): %d\n",
		    vcpu->id, gfn << PAGE_SHIFT, s->id, hva, r);
	return r < 0 ? r : -EFAULT;
}

int svx_guest_phys_as(struct svx_vm *vm, int as, u64 gpa, void *buf,
		      unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		const struct svx_memslot *slot;
		u64 hva = 0;
		bool ro = false;

		rcu_read_lock();
		slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, as)),
					gpa >> PAGE_SHIFT);
		if (slot) {
			hva = svx_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
			      (gpa & ~PAGE_MASK);
			ro = slot->flags & KVM_MEM_READONLY;
		}
		rcu_read_unlock();
		if (!slot || (write && ro))
			return -EFAULT;
		if (write ? copy_to_user((void __user *)hva, buf, n) :
			    copy_from_user(buf, (void __user *)hva, n))
			return -EFAULT;
		if (write)	/* KVM's kvm_write_guest() -> mark_page_dirty() */
			svx_mark_page_dirty_as(vm, as, gpa >> PAGE_SHIFT);
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int svx_read_guest_phys(struct svx_vm *vm, u64 gpa, void *buf,
			unsigned int len)
{
	return svx_guest_phys_as(vm, 0, gpa, buf, len, false);
}

int svx_read_guest_phys_as(struct svx_vm *vm, int as, u64 gpa, void *buf,
			   unsigned int len)
{
	return svx_guest_phys_as(vm, as, gpa, buf, len, false);
}

int svx_write_guest_phys(struct svx_vm *vm, u64 gpa, const void *buf,
			 unsigned int len)
{
	return svx_guest_phys_as(vm, 0, gpa, (void *)buf, len, true);
}

/*
 * A write the VMM makes on the guest's behalf (INS, a task switch) at
 * @gpa, inside one page: it goes around the shadow MMU's write protection,
 * so the MMU is told and drops the SPTEs derived from guest table entries
 * it covers (svx_mmu_track_write()).
 */
int svx_write_guest_for(struct svx_vcpu *vcpu, u64 gpa, const void *buf,
			unsigned int len)
{
	int r = svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa,
				  (void *)buf, len, true);

	if (!r)
		svx_mmu_track_write(vcpu, gpa, len);
	return r;
}

/*
 * A write where the caller may not sleep (preemption off; KVM's
 * kvm_write_guest_cached() from vcpu_enter_guest()): @len bytes at @gpa,
 * inside one page of address space 0, without faulting the page in;
 * -EFAULT also when it is not resident.  As KVM's cached write, the
 * shadow MMU is not told (a guest table there keeps its SPTEs).
 */
int svx_write_guest_nofault(struct svx_vm *vm, u64 gpa, const void *buf,
			    unsigned int len)
{
	const struct svx_memslot *slot;
	u64 hva = 0;
	bool ro = false;

	if (offset_in_page(gpa) + len > PAGE_SIZE)
		return -EFAULT;
	rcu_read_lock();
	slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, 0)),
				gpa >> PAGE_SHIFT);
	if (slot) {
		hva = svx_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
		      offset_in_page(gpa);
		ro = slot->flags & KVM_MEM_READONLY;
	}
	rcu_read_unlock();
	if (!slot || ro ||
	    copy_to_user_nofault((void __user *)hva, buf, len))
		return -EFAULT;
	svx_mark_page_dirty_as(vm, 0, gpa >> PAGE_SHIFT);
	return 0;
}

static int svx_guest_virt_copy(struct svx_vcpu *vcpu, u64 gva, void *buf,
			       unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(u64, len, PAGE_SIZE - (gva & ~PAGE_MASK));
		u64 gpa;
		int r;

		r = svx_gva_to_gpa(vcpu, gva, &gpa);	/* both paging modes */
		if (r)
			return r;
		r = write ? svx_write_guest_for(vcpu, gpa, buf, n) :
			    svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa,
					      buf, n, false);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * An access the VMM makes on the guest's behalf at guest-virtual @gva (a
 * string I/O operand, an instruction fetch), with the guest's permissions
 * as the CPU would check them: @access is SVX_ACC_* (the caller adds
 * SVX_ACC_USER at CPL 3), the walker applies U/S, R/W with CR0.WP,
 * SMEP/SMAP with RFLAGS.AC and NX, and sets A (and D for a write) as the
 * CPU does.  Every page (at most two) is translated before a byte moves.
 * 0; 1: the CPU would take *@fault (its error code and CR2 address), no
 * byte moved; -EFAULT: outside guest RAM; -EINVAL: @len > PAGE_SIZE.
 */
int svx_guest_virt_access(struct svx_vcpu *vcpu, u64 gva, void *buf,
			  unsigned int len, u32 access, struct svx_walk *fault)
{
	unsigned int first = min_t(u64, len, PAGE_SIZE - (gva & ~PAGE_MASK));
	struct svx_walk_env env;
	u64 gpa[2];
	int i, r;

	if (len > PAGE_SIZE)
		return -EINVAL;
	for (i = 0; i < (first < len ? 2 : 1); i++) {
		u64 va = i ? (gva & PAGE_MASK) + PAGE_SIZE : gva;

		if (!svx_guest_long_mode(vcpu))
			va = (u32)va;
		if (vcpu->mmu.mode == SVX_MODE_NONPAGING) {
			gpa[i] = va;
			continue;
		}
		svx_walk_env(vcpu, &env);
		r = svx_walk_addr(&env, va, access, fault);
		if (r)
			return 1;
		gpa[i] = fault->gpa;
	}
	for (i = 0; i < (first < len ? 2 : 1); i++) {
		unsigned int n = i ? len - first : first;
		void *p = buf + (i ? first : 0);

		r = (access & SVX_ACC_WRITE) ?
		    svx_write_guest_for(vcpu, gpa[i], p, n) :
		    svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa[i], p,
				      n, false);
		if (r)
			return r;
	}
	return 0;
}

int svx_read_guest_virt(struct svx_vcpu *vcpu, u64 gva, void *buf,
			unsigned int len)
{
	return svx_guest_virt_copy(vcpu, gva, buf, len, false);
}

int svx_write_guest_virt(struct svx_vcpu *vcpu, u64 gva, const void *buf,
			 unsigned int len)
{
	return svx_guest_virt_copy(vcpu, gva, (void *)buf, len, true);
}

/* ---------------------------------------------------------------------- */
/* Memslots                                                                */

/*
 * A memslot change (@supported: KVM_MEM_* and SVX_MR_PRIVATE); vm->lock
 * held.  A change in address space 1 publishes a copy of address space 0
 * too, with the same new generation (svx_memslot_get_as()).
 */
static int __svx_set_memory_region(struct svx_vm *vm,
				   const struct kvm_userspace_memory_region *req,
				   u32 supported)
{
	u32 as = req->slot >> 16 < SVX_ADDRESS_SPACE_NUM ? req->slot >> 16 : 0;
	struct svx_memslots *cur, *next, *cur0, *next0 = NULL;
	const struct svx_memslot *old;
	struct svx_memslot new;
	enum svx_mr_change change;
	unsigned long *old_bitmap;
	u32 old_flags;
	int r;

	cur = rcu_dereference_protected(*svx_as_memslots(vm, as),
					lockdep_is_held(&vm->lock));
	cur0 = rcu_dereference_protected(vm->memslots,
					 lockdep_is_held(&vm->lock));
	r = svx_memslot_check(cur, req, supported, &change, &new, &old);
	if (!r && req->memory_size &&
	    !access_ok((void __user *)(unsigned long)req->userspace_addr,
		       req->memory_size))
		r = -EINVAL;
	/*
	 * As x86 KVM's kvm_arch_prepare_memory_region() with TDP: no GPA of a
	 * created or moved slot beyond the host's MAXPHYADDR.
	 */
	if (!r && (change == SVX_MR_CREATE || change == SVX_MR_MOVE) &&
	    new.base_gfn + new.npages - 1 >
	    GENMASK_ULL(boot_cpu_data.x86_phys_bits - PAGE_SHIFT - 1, 0))
		r = -EINVAL;
	if (r) {
		svx_vm_warn(vm, "KVM_SET_USER_MEMORY_REGION slot %#x flags %#x gpa %#llx size %#llx hva %#llx: %s\n",
			    req->slot, req->flags, req->guest_phys_addr,
			    req->memory_size, req->userspace_addr,
			    r == -EEXIST ? "overlaps another slot (-EEXIST)" :
			    "invalid argument (-EINVAL): see KVM's rules in Documentation/virt/kvm/api.rst");
		goto out;
	}
	if (change == SVX_MR_NONE)
		goto out;
	old_bitmap = old ? old->dirty_bitmap : NULL;
	old_flags = old ? old->flags : 0;
	/* What the zap below needs, allocated while nothing changed yet. */
	r = svx_vm_ept(vm) ? 0 : svx_mmu_zap_prepare(vm);
	if (!r)
		r = svx_dirty_log_prepare(vm, change, old, &new);
	if (r)
		goto out;
	next = svx_fallible(kvzalloc(sizeof(*next), GFP_KERNEL_ACCOUNT));
	if (next && as) {
		next0 = svx_fallible(kvmalloc(sizeof(*next0),
					      GFP_KERNEL_ACCOUNT));
		if (!next0) {
			kvfree(next);
			next = NULL;
		}
	}
	if (!next) {
		if (new.dirty_bitmap != old_bitmap)
			kvfree(new.dirty_bitmap);
		r = -ENOMEM;
		goto out;
	}
	svx_memslots_apply(next, cur, change, req->slot & 0xffff, &new);
	next->generation = cur0->generation + 1;
	rcu_assign_pointer(*svx_as_memslots(vm, as), next);
	if (next0) {
		memcpy(next0, cur0, sizeof(*next0));
		next0->generation = next->generation;
		rcu_assign_pointer(vm->memslots, next0);
	}
	synchronize_rcu();
	/* Frees a bitmap no slot has now; a slot starting to log: protect. */
	svx_dirty_log_commit(vm, change, old_flags, old_bitmap, &new);
	/* No guest may touch the old memory once we return. */
	if ((change == SVX_MR_DELETE || change == SVX_MR_MOVE) &&
	    svx_vm_ept(vm))
		svx_ept_zap_all(vm);
	else if (change == SVX_MR_DELETE || change == SVX_MR_MOVE)
		svx_mmu_zap_all(vm);
	else if (svx_vm_ept(vm))	/* MMIO entries: stale by generation */
		svx_ept_memslots_changed(vm, next->generation);
	else
		svx_mmu_memslots_changed(vm, next->generation);
	kvfree(cur);
	if (next0)
		kvfree(cur0);
out:
	return r;
}

static int svx_set_memory_region(struct svx_vm *vm,
				 const struct kvm_userspace_memory_region *req)
{
	int r;

	mutex_lock(&vm->lock);
	r = __svx_set_memory_region(vm, req,
				    KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES);
	mutex_unlock(&vm->lock);
	return r;
}

/* ---------------------------------------------------------------------- */
/* The real-mode TSS (KVM_SET_TSS_ADDR)                                    */

/*
 * A shadow-paging VM runs real mode in virtual-8086 mode (vmx/rmode.c),
 * which needs a 32-bit TSS the CPU can reach through the guest's physical
 * address space: as kvm_intel without unrestricted guest, three pages of
 * anonymous memory of the VMM's, mapped at KVM_SET_TSS_ADDR's address by a
 * private memslot (a user slot there gets -EEXIST), zeroed but for the I/O
 * map base and the I/O map's terminating byte.  All zero bits: every
 * software interrupt goes to the real-mode IVT (CR4.VME) and every port
 * reaches the I/O exit.  With EPT the CPU runs real mode itself
 * (unrestricted guest) and the address is only recorded, as KVM does.
 */
static int svx_tss_slot_set(struct svx_vm *vm, bool present)
{
	struct kvm_userspace_memory_region req = {
		.slot = SVX_TSS_PRIVATE_SLOT,
		.guest_phys_addr = vm->tss_addr,
		.memory_size = SVX_RMODE_TSS_PAGES * PAGE_SIZE,
	};
	u16 iomap = SVX_RMODE_TSS_IOMAP;
	u8 end = 0xff;
	unsigned long hva;
	int r;

	lockdep_assert_held(&vm->lock);
	if (present == !!vm->tss_hva)
		return 0;
	if (!present) {
		req.memory_size = 0;
		r = __svx_set_memory_region(vm, &req, SVX_MR_PRIVATE);
		if (!r && current->mm == vm->mm)
			vm_munmap(vm->tss_hva, SVX_RMODE_TSS_PAGES * PAGE_SIZE);
		if (!r)
			vm->tss_hva = 0;
		return r;
	}
	hva = vm_mmap(NULL, 0, SVX_RMODE_TSS_PAGES * PAGE_SIZE,
		      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(hva))
		return (int)hva;
	/* Fresh anonymous memory reads as zero. */
	if (copy_to_user((void __user *)hva + SVX_RMODE_TSS_IOMAP_OFFSET,
			 &iomap, sizeof(iomap)) ||
	    copy_to_user((void __user *)hva + SVX_RMODE_TSS_SIZE - 1, &end, 1)) {
		r = -EFAULT;
		goto unmap;
	}
	req.userspace_addr = hva;
	r = __svx_set_memory_region(vm, &req, SVX_MR_PRIVATE);
	if (r)
		goto unmap;
	vm->tss_hva = hva;
	return 0;
unmap:
	vm_munmap(hva, SVX_RMODE_TSS_PAGES * PAGE_SIZE);
	return r;
}

static int svx_set_tss_addr(struct svx_vm *vm, unsigned long addr)
{
	int r = 0;

	/* KVM's bound: the three pages below 4 GiB. */
	if (addr > (unsigned int)(-3 * PAGE_SIZE)) {
		svx_vm_warn(vm, "KVM_SET_TSS_ADDR %#lx: the TSS's 3 pages must end below 4 GiB (-EINVAL)\n",
			    addr);
		return -EINVAL;
	}
	mutex_lock(&vm->lock);
	if (vm->tss_hva) {
		r = -EEXIST;	/* as KVM's second __x86_set_memory_region() */
		svx_vm_warn(vm, "KVM_SET_TSS_ADDR %#lx: the TSS is already at %#llx (-EEXIST)\n",
			    addr, vm->tss_addr);
		goto out;
	}
	vm->tss_addr = addr;
	if (vm->paging == SVX_PAGING_SHADOW) {
		r = svx_tss_slot_set(vm, true);
		if (r)
			svx_vm_warn(vm, "KVM_SET_TSS_ADDR %#lx: cannot map the real-mode TSS (%d)\n",
				    addr, r);
	}
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* SVX_SET_PAGING: the TSS slot exists exactly in shadow mode. */
static long svx_set_paging(struct svx_vm *vm, unsigned long mode)
{
	long r = svx_ept_set_paging(vm, mode);

	if (r)
		return r;
	mutex_lock(&vm->lock);
	if (vm->tss_addr || vm->tss_hva)
		r = svx_tss_slot_set(vm, vm->paging == SVX_PAGING_SHADOW);
	mutex_unlock(&vm->lock);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Stats                                                                   */

void svx_stats_add(struct svx_stats *sum, const struct svx_stats *s)
{
	int i;

	for (i = 0; i < SVX_NR_EXIT_REASONS; i++)
		sum->exits[i] += s->exits[i];
	for (i = 0; i < SVX_MMU_STATS_MAX; i++)
		sum->mmu[i] += s->mmu[i];
	for (i = 0; i < SVX_MISC_STATS_MAX; i++)
		sum->misc[i] += s->misc[i];
}

long svx_copy_stats_to_user(void __user *argp, const struct svx_stats *s,
			    u32 paging, u32 nr_vcpus)
{
	struct svx_stats __user *user = argp;
	struct svx_stats out;
	u32 version, size;

	if (get_user(version, &user->version) || get_user(size, &user->size))
		return -EFAULT;
	if (version != SVX_STATS_VERSION ||
	    size < offsetof(struct svx_stats, exits)) {
		pr_warn_ratelimited("SVX_GET_*_STATS: version %u size %u: expected version %u and size >= %zu\n",
				    version, size, SVX_STATS_VERSION,
				    offsetof(struct svx_stats, exits));
		return -EINVAL;
	}
	out = *s;
	out.version = SVX_STATS_VERSION;
	out.size = min_t(u32, size, sizeof(out));
	out.paging = paging;
	out.nr_vcpus = nr_vcpus;
	if (copy_to_user(user, &out, out.size))
		return -EFAULT;
	return 0;
}

static long svx_vm_stats(struct svx_vm *vm, void __user *argp)
{
	struct svx_stats *sum;
	long r;
	int i;

	sum = svx_fallible(kzalloc(sizeof(*sum), GFP_KERNEL_ACCOUNT));
	if (!sum)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	svx_stats_add(sum, &vm->stats);
	for (i = 0; i < SVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			svx_stats_add(sum, &vm->vcpus[i]->stats);
	spin_lock(&vm->mmu_lock);
	sum->mmu[SVX_MMU_SP_IN_USE] = vm->sp_in_use;
	sum->mmu[SVX_MMU_PAGES_PINNED] = vm->pages_pinned;
	sum->mmu[SVX_MMU_EPT_PAGES] = vm->ept_pages;
	spin_unlock(&vm->mmu_lock);
	r = svx_copy_stats_to_user(argp, sum, vm->paging, vm->nr_vcpus);
	mutex_unlock(&vm->lock);
	kfree(sum);
	return r;
}

/* ---------------------------------------------------------------------- */
/* The VM fd                                                               */

/*
 * KVM_ENABLE_CAP on the VM fd, as KVM's kvm_vm_ioctl_enable_cap(): only
 * KVM_CAP_MAX_VCPU_ID (QEMU sets it to its APIC ID limit): at most what
 * KVM_CHECK_EXTENSION answers, once, or again with the same value; after
 * the first vCPU it is fixed (kvm_arch_vcpu_precreate()).  Anything else,
 * or flags: -EINVAL.
 */
static long svx_vm_enable_cap(struct svx_vm *vm, const struct kvm_enable_cap *cap)
{
	long r = svx_quirks_enable_cap(vm, cap);	/* core/quirks.c */

	if (r != -ENOIOCTLCMD)
		return r;
	r = -EINVAL;
	if (cap->cap == KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) {
		r = svx_dirty_log_enable_cap(vm, cap);
	} else if (!cap->flags && cap->cap == KVM_CAP_MAX_VCPU_ID &&
	    cap->args[0] <= SVX_MAX_VCPUS) {
		mutex_lock(&vm->lock);
		if (vm->max_vcpu_ids == cap->args[0]) {
			r = 0;
		} else if (!vm->max_vcpu_ids) {
			vm->max_vcpu_ids = cap->args[0];
			r = 0;
		}
		mutex_unlock(&vm->lock);
	} else if (!cap->flags && cap->cap == KVM_CAP_X86_USER_SPACE_MSR) {
		r = svx_vm_enable_user_space_msr(vm, cap->args[0]);
	} else if (!cap->flags && cap->cap == KVM_CAP_MSR_PLATFORM_INFO) {
		/* may the guest read MSR_PLATFORM_INFO (vmx/msr.c) */
		WRITE_ONCE(vm->platform_info_hidden, !cap->args[0]);
		r = 0;
	}
	if (r)
		svx_vm_warn(vm, "KVM_ENABLE_CAP %u (flags %#x, arg %#llx): not supported\n",
			    cap->cap, cap->flags, cap->args[0]);
	return r;
}

/*
 * KVM_SET_NR_MMU_PAGES: the VM's shadow-page bound, as KVM's (at least
 * KVM_MIN_ALLOC_MMU_PAGES, zapped down to at once).  EPT mode keeps the
 * number for a switch back to shadow paging, as KVM keeps it with TDP.
 */
#define SVX_MIN_ALLOC_MMU_PAGES	64UL

static long svx_vm_set_nr_mmu_pages(struct svx_vm *vm, unsigned long n)
{
	if (n < SVX_MIN_ALLOC_MMU_PAGES) {
		svx_vm_warn(vm, "KVM_SET_NR_MMU_PAGES %lu: at least %lu (-EINVAL)\n",
			    n, SVX_MIN_ALLOC_MMU_PAGES);
		return -EINVAL;
	}
	mutex_lock(&vm->lock);
	svx_mmu_set_max_sps(vm, n);
	mutex_unlock(&vm->lock);
	return 0;
}

/* KVM_SET_BOOT_CPU_ID: the vCPU reset as BSP (APIC base, mp_state, LINT0) */
static long svx_vm_set_boot_cpu_id(struct svx_vm *vm, unsigned long id)
{
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus) {
		svx_vm_warn(vm, "KVM_SET_BOOT_CPU_ID %lu: vCPUs exist (-EBUSY)\n", id);
		r = -EBUSY;
	} else {
		vm->bsp_vcpu_id = id;	/* a u32 in KVM too */
	}
	mutex_unlock(&vm->lock);
	return r;
}

static long svx_vm_ioctl(struct file *filp, unsigned int ioctl,
			 unsigned long arg)
{
	struct svx_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region req;

		if (copy_from_user(&req, argp, sizeof(req)))
			return -EFAULT;
		return svx_set_memory_region(vm, &req);
	}
	case KVM_CREATE_VCPU:
		return svx_create_vcpu(vm, arg);
	case KVM_CHECK_EXTENSION:
		return svx_check_extension(arg);
	case KVM_SET_TSS_ADDR:
		return svx_set_tss_addr(vm, arg);
	case SVX_GET_VM_STATS:
		return svx_vm_stats(vm, argp);
	case KVM_GET_DIRTY_LOG:
		return svx_get_dirty_log(vm, argp);
	case KVM_CLEAR_DIRTY_LOG:
		return svx_clear_dirty_log(vm, argp);
	case SVX_SET_PAGING:
		return svx_set_paging(vm, arg);
	case SVX_GET_SUPPORTED_CPUID:
		return svx_cpuid_vm_get_supported(vm, argp);
	case KVM_SET_GSI_ROUTING:
		return svx_vm_set_gsi_routing(vm, argp);
	case KVM_CREATE_IRQCHIP:
		return svx_vm_create_irqchip(vm);
	case KVM_IRQ_LINE:
		return svx_vm_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return svx_vm_irq_line(vm, argp, true);
	case KVM_GET_IRQCHIP:
		return svx_vm_irqchip_state(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return svx_vm_irqchip_state(vm, argp, true);
	case KVM_SIGNAL_MSI:
		return svx_vm_signal_msi(vm, argp);
	case KVM_CREATE_PIT2:
		return svx_vm_create_pit2(vm, argp);
	case KVM_CREATE_PIT:
		return svx_vm_create_pit(vm);
	case KVM_GET_PIT2:
		return svx_vm_get_pit2(vm, argp);
	case KVM_SET_PIT2:
		return svx_vm_set_pit2(vm, argp);
	case KVM_GET_PIT:
		return svx_vm_get_pit(vm, argp);
	case KVM_SET_PIT:
		return svx_vm_set_pit(vm, argp);
	case KVM_REINJECT_CONTROL:
		return svx_vm_reinject_control(vm, argp);
	case KVM_GET_STATS_FD:
		return svx_get_stats_fd(vm, NULL);
	case KVM_SET_NR_MMU_PAGES:	/* KVM_CAP_MMU_SHADOW_CACHE_CONTROL */
		return svx_vm_set_nr_mmu_pages(vm, arg);
	case KVM_GET_NR_MMU_PAGES:	/* an int, as KVM's kvm_vm_ioctl() r */
		return (int)svx_mmu_max_sps(vm);
	case KVM_SET_TSC_KHZ:		/* new vCPUs' rate, vmx/cpufeat.c */
		return svx_vm_set_tsc_khz(vm, arg);
	case KVM_GET_TSC_KHZ:		/* an int, as KVM's: >= 2^31 negative */
		return (int)READ_ONCE(vm->default_tsc_khz);
	case KVM_GET_CLOCK:		/* core/kvmclock.c */
		return svx_vm_get_clock(vm, argp);
	case KVM_SET_CLOCK:
		return svx_vm_set_clock(vm, argp);
	case KVM_SET_BOOT_CPU_ID:	/* as KVM's: only before any vCPU */
		return svx_vm_set_boot_cpu_id(vm, arg);
	case KVM_X86_SET_MSR_FILTER:	/* core/msr_filter.c */
		return svx_vm_set_msr_filter(vm, argp);
	case KVM_IOEVENTFD:
		return svx_vm_ioeventfd(vm, argp);
	case KVM_IRQFD:
		return svx_vm_irqfd(vm, argp);
	case KVM_HYPERV_EVENTFD:	/* core/hyperv.c */
		return svx_hv_eventfd(vm, argp);
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return svx_vm_enable_cap(vm, &cap);
	}
	}
	/* KVM answers unknown VM ioctls with -ENOTTY. */
	svx_vm_warn(vm, "ioctl %#x (type %#x nr %#x) not supported: -ENOTTY\n",
		    ioctl, _IOC_TYPE(ioctl), _IOC_NR(ioctl));
	return -ENOTTY;
}

static int svx_vm_release(struct inode *inode, struct file *filp)
{
	svx_irqfd_release(filp->private_data);	/* as KVM's kvm_vm_release() */
	svx_vm_put(filp->private_data);
	return 0;
}

static const struct file_operations svx_vm_fops = {
	.owner = THIS_MODULE,
	.release = svx_vm_release,
	.unlocked_ioctl = svx_vm_ioctl,
	.compat_ioctl = svx_vm_ioctl,
	.llseek = noop_llseek,
};

long svx_create_vm(unsigned long type)
{
	struct svx_memslots *slots, *smm_slots;
	struct svx_vm *vm;
	int r;

	if (type) {
		pr_warn_ratelimited("KVM_CREATE_VM: machine type %lu not supported (only 0)\n",
				    type);
		return -EINVAL;
	}
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	r = svx_vmx_get();
	if (r)
		goto put_module;
	r = -ENOMEM;
	vm = svx_fallible(kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT));
	if (!vm)
		goto put_vmx;
	slots = svx_fallible(kvzalloc(sizeof(*slots), GFP_KERNEL_ACCOUNT));
	smm_slots = svx_fallible(kvzalloc(sizeof(*smm_slots),
					  GFP_KERNEL_ACCOUNT));
	if (!slots || !smm_slots) {
		kvfree(slots);
		kvfree(smm_slots);
		goto free_vm;
	}
	svx_memslots_init(slots);
	svx_memslots_init(smm_slots);
	RCU_INIT_POINTER(vm->memslots, slots);
	RCU_INIT_POINTER(vm->smm_memslots, smm_slots);
	refcount_set(&vm->users, 1);
	mutex_init(&vm->lock);
	spin_lock_init(&vm->mmu_lock);
	raw_spin_lock_init(&vm->irq_lock);
	raw_spin_lock_init(&vm->tsc_sync.lock);
	vm->default_tsc_khz = tsc_khz;	/* KVM's max_tsc_khz ? : tsc_khz */
	vm->id = atomic_inc_return(&svx_vm_ids);
	vm->pin_unlimited = capable(CAP_IPC_LOCK);
	ratelimit_state_init(&vm->warn_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	ratelimit_set_flags(&vm->warn_rs, RATELIMIT_MSG_ON_RELEASE);
	vm->paging = SVX_PAGING_SHADOW;
	svx_kvmclock_vm_init(vm);
	svx_hv_vm_init(vm);
	r = svx_mmu_vm_init(vm);
	if (r)
		goto free_slots;
	r = svx_ept_vm_init(vm);	/* paging mode: module parameter ept= */
	if (r)
		goto free_slots;
	mmgrab(current->mm);
	vm->mm = current->mm;
	r = svx_mmu_notifier_register(vm);
	if (!r)
		r = svx_eventfd_vm_init(vm);
	if (r) {
		svx_vm_put(vm);
		return r;
	}

	r = anon_inode_getfd("kvm-vm", &svx_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0) {
		/* The reference of the fd that never was: destroys the VM. */
		svx_vm_put(vm);
		return r;
	}
	return r;

free_slots:
	svx_mmu_vm_destroy(vm);
	kvfree(slots);
	kvfree(smm_slots);
free_vm:
	kfree(vm);
put_vmx:
	svx_vmx_put();
put_module:
	module_put(THIS_MODULE);
	return r;
}
