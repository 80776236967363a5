// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page logging, with KVM 6.1's ABI and errno values:
 * KVM_MEM_LOG_DIRTY_PAGES on a memslot, KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG and KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (virt/kvm/
 * kvm_main.c: kvm_prepare_memory_region(), kvm_get_dirty_log_protect(),
 * kvm_clear_dirty_log_protect(), kvm_vm_ioctl_enable_cap_generic()).
 *
 * A logged slot owns a bitmap of 2 x ALIGN(npages, 64) bits: the log, then
 * the buffer KVM_GET_DIRTY_LOG returns (KVM's second bitmap).  A bit is set
 * when the guest writes the page through a writable SPTE or EPT entry,
 * which only a write fault installs (mmu/mmu.c, mmu/ept.c), and when the
 * module writes guest memory for the guest (svx_mark_page_dirty(): string
 * I/O, task switches, emulated writes, the shadow walker's A/D updates).
 * Harvesting clears bits and write-protects those pages again (clearing W,
 * then a TLB flush of every vCPU, or INVEPT), so the next write faults.
 *
 * Locking: vm->lock (KVM's slots_lock) around every ioctl here and every
 * memslot change; mmu_lock while bits are harvested and pages protected.
 * A bitmap is freed only after the memslots that point at it are gone and
 * an RCU grace period passed.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core.h"
#include "ept.h"
#include "vmx_ept.h"
#include "mmu_host.h"
#include "mmu.h"
#include "vm.h"

#define SVX_DIRTY_LOG_MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
					 KVM_DIRTY_LOG_INITIALLY_SET)

/* Bytes of one of the slot's two bitmaps (kvm_dirty_bitmap_bytes()). */
static unsigned long svx_dirty_bitmap_bytes(const struct svx_memslot *s)
{
	return ALIGN(s->npages, BITS_PER_LONG) / 8;
}

static unsigned long *svx_second_bitmap(const struct svx_memslot *s)
{
	return s->dirty_bitmap + svx_dirty_bitmap_bytes(s) / sizeof(long);
}

/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's KVM_CHECK_EXTENSION answer. */
long svx_dirty_log_caps(void)
{
	return SVX_DIRTY_LOG_MANUAL_CAPS;
}

/* KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), as KVM: any time. */
int svx_dirty_log_enable_cap(struct svx_vm *vm, const struct kvm_enable_cap *cap)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (cap->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed = SVX_DIRTY_LOG_MANUAL_CAPS;
	if (cap->flags || (cap->args[0] & ~allowed))
		return -EINVAL;
	WRITE_ONCE(vm->dirty_log_manual, cap->args[0]);
	return 0;
}

/*
 * Before memslot change @change publishes @new (vm->lock held): give it
 * the bitmap of @old if both log, a new one (all ones with
 * KVM_DIRTY_LOG_INITIALLY_SET) if only @new logs, else none.
 */
int svx_dirty_log_prepare(struct svx_vm *vm, enum svx_mr_change change,
			  const struct svx_memslot *old, struct svx_memslot *new)
{
	u64 manual = READ_ONCE(vm->dirty_log_manual);

	new->dirty_bitmap = NULL;
	if (change == SVX_MR_DELETE || !(new->flags & KVM_MEM_LOG_DIRTY_PAGES))
		return 0;
	if (old && old->dirty_bitmap) {
		new->dirty_bitmap = old->dirty_bitmap;
		return 0;
	}
	new->dirty_bitmap =
		svx_fallible(kvzalloc(2 * svx_dirty_bitmap_bytes(new),
				      GFP_KERNEL_ACCOUNT));
	if (!new->dirty_bitmap)
		return -ENOMEM;
	if ((manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) &&
	    (manual & KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(new->dirty_bitmap, 0, new->npages);
	return 0;
}

/* Write-protect the gfns of @s whose bits are set in @mask; mmu_lock held. */
static bool svx_dirty_protect_mask(struct svx_vm *vm,
				   const struct svx_memslot *s, u64 offset,
				   unsigned long mask)
{
	bool flush = false;
	unsigned int bit;

	for_each_set_bit(bit, &mask, BITS_PER_LONG) {
		u64 gfn = s->base_gfn + offset + bit;

		if (offset + bit >= s->npages)
			break;
		if (svx_vm_ept(vm))
			flush |= svx_ept_write_protect_gfn(vm, gfn);
		else
			flush |= svx_mmu_write_protect_gfn(vm, gfn);
	}
	return flush;
}

/* Make the write protection of the last harvest visible to every vCPU. */
static void svx_dirty_flush(struct svx_vm *vm)
{
	if (svx_vm_ept(vm))
		svx_ept_invept_all_cpus(vm);
	else
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
}

/*
 * After a memslot change is published (vm->lock held, RCU grace period
 * over): free the bitmap @old_bitmap of the old slot unless @new kept it,
 * and when a slot starts logging (KVM_MR_FLAGS_ONLY), write-protect it: in
 * shadow mode every SPTE of its gfns loses W (large ones too; a write
 * then maps 4 KiB), in EPT mode its leaves go (large ones are not split in
 * place).  Created and moved slots have no mappings yet.  When an EPT
 * slot stops logging its 4 KiB leaves go too, so that large ones can come
 * back (KVM's kvm_mmu_zap_collapsible_sptes()); a shadow slot keeps its
 * SPTEs, write faults make them writable again.
 */
void svx_dirty_log_commit(struct svx_vm *vm, enum svx_mr_change change,
			  u32 old_flags, unsigned long *old_bitmap,
			  const struct svx_memslot *new)
{
	bool flush = false;
	u64 i;

	if (old_bitmap && (change == SVX_MR_DELETE ||
			   new->dirty_bitmap != old_bitmap))
		kvfree(old_bitmap);
	if (change != SVX_MR_FLAGS_ONLY ||
	    !((new->flags ^ old_flags) & KVM_MEM_LOG_DIRTY_PAGES))
		return;
	if (!(new->flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		if (svx_vm_ept(vm) && !(new->flags & KVM_MEM_READONLY))
			svx_ept_zap_gfn_range(vm, new->base_gfn,
					      new->base_gfn + new->npages);
		return;
	}
	if (svx_vm_ept(vm)) {
		svx_ept_zap_gfn_range(vm, new->base_gfn,
				      new->base_gfn + new->npages);
		return;
	}
	spin_lock(&vm->mmu_lock);
	for (i = 0; i < new->npages; i++) {
		flush |= svx_mmu_write_protect_gfn(vm, new->base_gfn + i);
		if (!(i & 4095) && i) {	/* don't hold the lock for a GiB */
			spin_unlock(&vm->mmu_lock);
			cond_resched();
			spin_lock(&vm->mmu_lock);
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
}

/*
 * KVM's mark_page_dirty(): the module wrote guest-physical page @gfn for
 * the guest.  Any context.
 */
void svx_mark_page_dirty_as(struct svx_vm *vm, int as, u64 gfn)
{
	const struct svx_memslot *slot;

	rcu_read_lock();
	slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, as)),
				gfn);
	if (slot)
		svx_memslot_mark_dirty(slot, gfn);
	rcu_read_unlock();
}

void svx_mark_page_dirty(struct svx_vm *vm, u64 gfn)
{
	svx_mark_page_dirty_as(vm, 0, gfn);
}

/*
 * KVM 6.1 x86's KVM_USER_MEM_SLOTS (SHRT_MAX - 3): ids we refuse to
 * create (>= our KVM_CAP_NR_MEMSLOTS) but KVM would accept can only name
 * no slot.
 */
#define SVX_KVM_USER_MEM_SLOTS		32764

/*
 * The logged slot @slot names (KVM's checks, in order): -EINVAL for an
 * address space or id KVM does not have, -ENOENT without such a slot or
 * without logging.
 */
static int svx_dirty_slot(struct svx_vm *vm, u32 slot_arg,
			  const struct svx_memslot **slot)
{
	struct svx_memslots *slots;
	u32 as_id = slot_arg >> 16;
	u16 id = (u16)slot_arg;

	if (as_id >= SVX_ADDRESS_SPACE_NUM || id >= SVX_KVM_USER_MEM_SLOTS)
		return -EINVAL;
	slots = rcu_dereference_protected(*svx_as_memslots(vm, as_id),
					  lockdep_is_held(&vm->lock));
	*slot = id >= SVX_MEM_SLOTS_NUM ? NULL : svx_memslot_by_id(slots, id);
	if (!*slot || !(*slot)->dirty_bitmap)
		return -ENOENT;
	return 0;
}

static const char *svx_dirty_errstr(int r)
{
	switch (r) {
	case -ENOENT:
		return "no such slot, or it does not log dirty pages (-ENOENT)";
	case -EFAULT:
		return "bad bitmap address (-EFAULT)";
	case -ENOMEM:
		return "out of memory (-ENOMEM)";
	}
	return "invalid argument (-EINVAL)";
}

/* KVM_GET_DIRTY_LOG */
long svx_get_dirty_log(struct svx_vm *vm, void __user *argp)
{
	const struct svx_memslot *s;
	struct kvm_dirty_log log;
	unsigned long *bm, *buf, n, i;
	bool flush = false;
	int r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	r = svx_dirty_slot(vm, log.slot, &s);
	if (r)
		goto out;
	bm = s->dirty_bitmap;
	n = svx_dirty_bitmap_bytes(s);
	if (READ_ONCE(vm->dirty_log_manual)) {
		/* Protection is KVM_CLEAR_DIRTY_LOG's business. */
		buf = bm;
	} else {
		buf = svx_second_bitmap(s);
		memset(buf, 0, n);
		spin_lock(&vm->mmu_lock);
		for (i = 0; i < n / sizeof(long); i++) {
			unsigned long mask;

			if (!READ_ONCE(bm[i]))
				continue;
			flush = true;
			mask = xchg(&bm[i], 0);
			buf[i] = mask;
			svx_dirty_protect_mask(vm, s, i * BITS_PER_LONG, mask);
		}
		spin_unlock(&vm->mmu_lock);
	}
	if (flush)
		svx_dirty_flush(vm);
	if (copy_to_user(log.dirty_bitmap, buf, n))
		r = -EFAULT;
out:
	if (r)
		svx_vm_warn(vm, "KVM_GET_DIRTY_LOG slot %#x: %s\n", log.slot,
			    svx_dirty_errstr(r));
	mutex_unlock(&vm->lock);
	return r;
}

/* KVM_CLEAR_DIRTY_LOG: with or without manual protection, as KVM. */
long svx_clear_dirty_log(struct svx_vm *vm, void __user *argp)
{
	const struct svx_memslot *s;
	struct kvm_clear_dirty_log log;
	unsigned long *bm, *buf, i, n;
	bool flush = false;
	u64 offset;
	int r;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	r = svx_dirty_slot(vm, log.slot, &s);
	/* KVM checks first_page's alignment before it looks up the slot. */
	if (r != -EINVAL && (log.first_page & 63))
		r = -EINVAL;
	if (r)
		goto out;
	/*
	 * Whole words only, except for a range that ends at the slot's end.
	 */
	if (log.first_page > s->npages ||
	    log.num_pages > s->npages - log.first_page ||
	    (log.num_pages < s->npages - log.first_page &&
	     (log.num_pages & 63))) {
		r = -EINVAL;
		goto out;
	}
	bm = s->dirty_bitmap;
	buf = svx_second_bitmap(s);
	n = ALIGN(log.num_pages, BITS_PER_LONG) / 8;
	if (copy_from_user(buf, log.dirty_bitmap, n)) {
		r = -EFAULT;
		goto out;
	}
	spin_lock(&vm->mmu_lock);
	for (offset = log.first_page, i = offset / BITS_PER_LONG,
	     n = DIV_ROUND_UP(log.num_pages, BITS_PER_LONG); n--;
	     i++, offset += BITS_PER_LONG) {
		unsigned long mask = *buf++;

		if (!mask)
			continue;
		mask &= atomic_long_fetch_andnot(mask,
						 (atomic_long_t *)&bm[i]);
		if (mask) {
			flush = true;
			svx_dirty_protect_mask(vm, s, offset, mask);
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_dirty_flush(vm);
out:
	if (r)
		svx_vm_warn(vm, "KVM_CLEAR_DIRTY_LOG slot %#x first_page %llu num_pages %u: %s\n",
			    log.slot, log.first_page, log.num_pages,
			    svx_dirty_errstr(r));
	mutex_unlock(&vm->lock);
	return r;
}

/* VM destruction: the bitmaps of the slots left. */
void svx_dirty_log_free_all(struct svx_memslots *slots)
{
	u32 i;

	for (i = 0; i < slots->nr; i++)
		kvfree(slots->slots[i].dirty_bitmap);
}
