// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's MMU notifier, on the mm that created it.  Guest memory is the
 * VMM's: when the VMM unmaps, remaps, mremap()s or madvise()s it (or the
 * kernel migrates, swaps or merges it) without changing the memslots, the
 * guest must see what the VMM's mapping holds from then on, as on KVM.
 *
 * invalidate_range_start: vm->mmu_invalidate_in_progress is raised (under
 * mmu_lock), then every shadow SPTE or EPT entry mapping a gfn whose HVA is
 * in the range is zapped, every vCPU's TLB is flushed and only then the
 * pages are unpinned (svx_mmu_zap_gfn_range(), svx_ept_zap_gfn_range()).
 * invalidate_range_end bumps vm->mmu_invalidate_seq and lowers the count.
 * A fault that read the sequence before pinning installs nothing if either
 * moved (svx_mmu_seq_retry()): the guest faults again, on the new page.
 * release (the mm goes away): everything is zapped.
 *
 * Notifier callbacks run under the mm's locks, maybe from reclaim or the
 * OOM reaper: no vm->lock here (it is held across user copies), no
 * allocation, no sleep, no page lock (try_to_unmap() holds it).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/mmu_notifier.h>
#include <linux/rcupdate.h>

#include "core.h"
#include "ept.h"
#include "mmu.h"
#include "vm.h"

#define SVX_MN_RANGES	8

struct svx_mn_range {
	u64 start, end;		/* gfns */
};

static struct svx_vm *svx_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct svx_vm, mmu_notifier);
}

/*
 * Add to @out the gfn ranges of @slots whose HVAs fall in [@start, @end);
 * false when they do not fit (then one range over all gfns).
 */
static bool svx_mn_slots_ranges(const struct svx_memslots *slots,
				unsigned long start, unsigned long end,
				struct svx_mn_range *out, int *n)
{
	u32 i;

	for (i = 0; i < slots->nr; i++) {
		const struct svx_memslot *s = &slots->slots[i];
		u64 hva_end = s->userspace_addr + (s->npages << PAGE_SHIFT);
		u64 a, b;

		if (s->userspace_addr >= end || hva_end <= start)
			continue;
		a = max_t(u64, start, s->userspace_addr);
		b = min_t(u64, end, hva_end);
		if (*n == SVX_MN_RANGES) {
			out[0].start = 0;
			out[0].end = ~0ULL;
			*n = 1;
			return false;
		}
		out[*n].start = s->base_gfn +
				((a - s->userspace_addr) >> PAGE_SHIFT);
		out[*n].end = s->base_gfn +
			      ((b - s->userspace_addr + PAGE_SIZE - 1) >>
			       PAGE_SHIFT);
		(*n)++;
	}
	return true;
}

/*
 * The gfn ranges whose HVAs fall in [@start, @end), at most SVX_MN_RANGES
 * of them (more: one range over all gfns), in the slots of both address
 * spaces (the zaps cover both).  Their number.
 */
static int svx_mn_gfn_ranges(struct svx_vm *vm, unsigned long start,
			     unsigned long end, struct svx_mn_range *out)
{
	int n = 0;

	rcu_read_lock();
	if (svx_mn_slots_ranges(rcu_dereference(vm->memslots), start, end,
				out, &n))
		svx_mn_slots_ranges(rcu_dereference(vm->smm_memslots), start,
				    end, out, &n);
	rcu_read_unlock();
	return n;
}

static void svx_mn_zap(struct svx_vm *vm, unsigned long start,
		       unsigned long end)
{
	struct svx_mn_range r[SVX_MN_RANGES];
	int i, n;

	/*
	 * No vCPU yet: nothing is mapped, and SVX_SET_PAGING may be freeing
	 * or allocating the EPT root right now (under vm->lock only).  A
	 * vCPU created from here on faults after in_progress was raised.
	 */
	if (!READ_ONCE(vm->nr_vcpus))
		return;
	n = svx_mn_gfn_ranges(vm, start, end, r);
	if (!n)
		return;
	for (i = 0; i < n; i++) {
		if (svx_vm_ept(vm))
			svx_ept_zap_gfn_range(vm, r[i].start, r[i].end);
		else
			svx_mmu_zap_gfn_range(vm, r[i].start, r[i].end);
	}
}

/*
 * Never fails, as KVM's: the core calls invalidate_range_end even for a
 * notifier whose start failed, and WARNs that a notifier with an end may
 * not fail (mm/mmu_notifier.c).  A start that may not block (the OOM
 * reaper, process_mrelease()) zaps as any other: the zap takes only
 * mmu_lock, sends IPIs and waits for them, unpins without the page lock
 * and allocates nothing.
 */
static int svx_mn_invalidate_range_start(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct svx_vm *vm = svx_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_in_progress++;
	spin_unlock(&vm->mmu_lock);
	svx_mn_zap(vm, range->start, range->end);
	return 0;
}

static void svx_mn_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct svx_vm *vm = svx_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_seq++;
	WARN_ON_ONCE(--vm->mmu_invalidate_in_progress < 0);
	spin_unlock(&vm->mmu_lock);
}

static void svx_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct svx_vm *vm = svx_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_seq++;
	spin_unlock(&vm->mmu_lock);
	svx_mn_zap(vm, 0, ~0UL);
}

static const struct mmu_notifier_ops svx_mn_ops = {
	.invalidate_range_start = svx_mn_invalidate_range_start,
	.invalidate_range_end = svx_mn_invalidate_range_end,
	.release = svx_mn_release,
};

/* At VM creation, on current->mm (vm->mm). */
int svx_mmu_notifier_register(struct svx_vm *vm)
{
	int r;

	vm->mmu_notifier.ops = &svx_mn_ops;
	r = mmu_notifier_register(&vm->mmu_notifier, vm->mm);
	if (r)
		pr_warn_ratelimited("KVM_CREATE_VM: cannot register an MMU notifier: %d\n",
				    r);
	else
		vm->mmu_notifier_registered = true;
	return r;
}

/* At VM destruction, before the vCPUs go: zaps what is left (release). */
void svx_mmu_notifier_unregister(struct svx_vm *vm)
{
	if (vm->mmu_notifier_registered)
		mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
	vm->mmu_notifier_registered = false;
}
