/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memslots: the guest-physical -> host-virtual map that userspace gives us
 * with KVM_SET_USER_MEMORY_REGION.
 *
 * A VM's slots are an immutable, sorted array (by base_gfn, ascending) with
 * an id -> index table.  A change builds a new array (copy + apply) that the
 * host side publishes with RCU; readers therefore never see a half-applied
 * change.  Lookup is a binary search preceded by a one-entry "last used"
 * cache.  This file and memslot.c are host-agnostic: they compile into the
 * module and into tools/testing/mmu unchanged.  Pinning, access_ok() and
 * publication are the host's business.
 */
#ifndef SVX_MMU_MEMSLOT_H
#define SVX_MMU_MEMSLOT_H

#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/kvm.h>

/* User-visible slots per VM (KVM_CAP_NR_MEMSLOTS answers this). */
#define SVX_MEM_SLOTS_NUM	509
/*
 * Address spaces, as KVM's on x86 (KVM_CAP_MULTI_ADDRESS_SPACE): the id
 * in bits 16..31 of a slot number, 0 for normal memory and 1 for SMM (a
 * vCPU in SMM sees address space 1 only).  Each has its own set of slots.
 */
#define SVX_ADDRESS_SPACE_NUM	2
#define SVX_AS_SMM		1
/*
 * Slots the host keeps for itself after the user's ids, as KVM's private
 * memslots: the real-mode TSS of a shadow-paging VM (KVM_SET_TSS_ADDR).
 * svx_memslot_check() accepts these ids only with SVX_MR_PRIVATE.
 */
#define SVX_TSS_PRIVATE_SLOT	SVX_MEM_SLOTS_NUM
#define SVX_ALL_SLOTS		(SVX_MEM_SLOTS_NUM + 1)
#define SVX_MR_PRIVATE		BIT(31)	/* in @supported_flags: host's own slot */
/* Largest slot, as in KVM: 2^31 - 1 pages on x86-64 (KVM_MEM_MAX_NR_PAGES). */
#define SVX_MEM_MAX_NR_PAGES	(BIT_ULL(31) - 1)
#define SVX_PAGE_SHIFT		12
#define SVX_PAGE_SIZE		BIT_ULL(SVX_PAGE_SHIFT)

struct svx_memslot {
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;		/* KVM_MEM_* */
	u16 id;			/* slot number as userspace named it */
	u16 pad;
	/*
	 * KVM_MEM_LOG_DIRTY_PAGES: one bit per page, then as many again as
	 * KVM_GET_DIRTY_LOG's buffer (KVM's second bitmap); NULL without
	 * logging.  Owned by the host (core/dirty_log.c), which frees it
	 * only after an RCU grace period, so a fault holding mmu_lock (no
	 * preemption) after its generation check may still set bits.
	 */
	unsigned long *dirty_bitmap;
};

struct svx_memslots {
	u64 generation;		/* bumped by every change */
	u32 nr;			/* used entries of slots[] */
	int last_used;		/* lookup cache (index), -1 when empty */
	s16 id_to_index[SVX_ALL_SLOTS];	/* -1: no such slot */
	struct svx_memslot slots[SVX_ALL_SLOTS];	/* sorted by base_gfn */
};

enum svx_mr_change {
	SVX_MR_NONE,		/* identical to the existing slot: nothing to do */
	SVX_MR_CREATE,
	SVX_MR_DELETE,
	SVX_MR_MOVE,		/* same id, same memory, new base_gfn */
	SVX_MR_FLAGS_ONLY,	/* same id, same memory, new flags */
};

/* An empty set of slots (generation 0). */
void svx_memslots_init(struct svx_memslots *s);

/*
 * Check a KVM_SET_USER_MEMORY_REGION request against @cur (the slots of the
 * request's address space) with KVM 6.1's
 * rules and errno values:
 *   -EINVAL: flags outside @supported_flags, address space >=
 *            SVX_ADDRESS_SPACE_NUM, slot id >= SVX_MEM_SLOTS_NUM
 *            (SVX_ALL_SLOTS with SVX_MR_PRIVATE in @supported_flags and
 *            address space 0: the host's own slots), size/GPA/HVA not
 *            page aligned, GPA range
 *            wrapping, too many pages, size 0 on a slot that does not exist,
 *            changing size, HVA or KVM_MEM_READONLY of an existing slot;
 *   -EEXIST: the new range overlaps another slot.
 * On success *change says what the request does, *new holds the slot as it
 * will be (undefined for SVX_MR_DELETE) and *old points at the existing slot
 * in @cur (NULL for SVX_MR_CREATE).  Returns 0 or a negative errno.
 * It does not check that the HVA range is accessible: the host does.
 */
int svx_memslot_check(const struct svx_memslots *cur,
		      const struct kvm_userspace_memory_region *req,
		      u32 supported_flags, enum svx_mr_change *change,
		      struct svx_memslot *new, const struct svx_memslot **old);

/*
 * Write into @out (caller-allocated, may not alias @cur) the slots of @cur
 * after applying a change accepted by svx_memslot_check().  @id is the slot
 * id the request named (used for SVX_MR_DELETE).  out->generation is
 * cur->generation + 1.
 */
void svx_memslots_apply(struct svx_memslots *out,
			const struct svx_memslots *cur,
			enum svx_mr_change change, u16 id,
			const struct svx_memslot *new);

/* The slot holding @gfn, or NULL.  Updates the last-used cache. */
const struct svx_memslot *svx_memslot_find(struct svx_memslots *s, u64 gfn);

/* The slot with id @id, or NULL. */
const struct svx_memslot *svx_memslot_by_id(const struct svx_memslots *s,
					    u16 id);

static inline u64 svx_memslot_gfn_to_hva(const struct svx_memslot *slot,
					 u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << SVX_PAGE_SHIFT);
}

/*
 * KVM's mark_page_dirty_in_slot(): record a write to @gfn of @slot (a copy
 * is fine) if the slot logs dirty pages.  The caller keeps the bitmap alive
 * (RCU read side, or mmu_lock after the generation check).
 */
static inline void svx_memslot_mark_dirty(const struct svx_memslot *slot,
					  u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
}

#endif /* SVX_MMU_MEMSLOT_H */
