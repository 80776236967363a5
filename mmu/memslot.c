// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: the guest-physical -> host-virtual map of a VM.
 *
 * This file owns the memslot array itself and nothing else:
 *
 *  - svx_memslot_check() validates a KVM_SET_USER_MEMORY_REGION request
 *    against the current slots, following Linux 6.1's
 *    __kvm_set_memory_region() and check_memory_region_flags() rule by rule
 *    and errno by errno, and says what the request changes;
 *  - svx_memslots_apply() builds the next, immutable array (copy on write)
 *    from the current one and an accepted change;
 *  - svx_memslot_find() maps a gfn to its slot: a one-entry "last used"
 *    cache, then a binary search over the array sorted by base_gfn.
 *
 * Publication (RCU), the access_ok() check of the HVA range, pinning and
 * the zapping of mappings of a deleted or moved slot are the host's job.
 *
 * Concurrency: a published struct svx_memslots is never modified again,
 * except for ->last_used, which lookups write while other lookups read it.
 * It is an index (not a pointer), read once with READ_ONCE(), written with
 * WRITE_ONCE() and validated (bounds, then "contains gfn") before use, so a
 * stale or concurrently updated value costs at most a binary search.
 *
 * Slots never overlap, so sorted by base_gfn they are also sorted by end
 * gfn; a slot never has npages == 0 (size 0 means delete).
 */
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "memslot.h"

static inline bool svx_slot_contains(const struct svx_memslot *slot, u64 gfn)
{
	/* gfn < base_gfn wraps to a value far above any npages. */
	return gfn - slot->base_gfn < slot->npages;
}

/*
 * Index of the last slot with base_gfn <= @gfn, or -1.  Branch-free: the
 * loop runs log2(nr) times whatever @gfn is, and the compare becomes a
 * conditional move, so random lookups do not pay for mispredictions.
 */
static int svx_memslot_floor(const struct svx_memslots *s, u64 gfn)
{
	const struct svx_memslot *base = s->slots;
	u32 n = s->nr;

	if (!n)
		return -1;
	while (n > 1) {
		u32 half = n / 2;

		base = base[half].base_gfn <= gfn ? base + half : base;
		n -= half;
	}
	return base->base_gfn <= gfn ? (int)(base - s->slots) : -1;
}

/* Does [start, end) intersect a slot whose id is not @id? */
static bool svx_memslot_overlap(const struct svx_memslots *s, u16 id,
				u64 start, u64 end)
{
	int i = svx_memslot_floor(s, start);

	/* Slots are disjoint: only slot i may begin below @start. */
	if (i < 0 || !svx_slot_contains(&s->slots[i], start))
		i++;
	for (; i < (int)s->nr; i++) {
		const struct svx_memslot *slot = &s->slots[i];

		if (slot->base_gfn >= end)
			break;
		if (slot->id != id)
			return true;
	}
	return false;
}

void svx_memslots_init(struct svx_memslots *s)
{
	memset(s, 0, sizeof(*s));
	s->last_used = -1;
	/* All-ones bytes: every id_to_index entry is -1. */
	memset(s->id_to_index, 0xff, sizeof(s->id_to_index));
}

const struct svx_memslot *svx_memslot_by_id(const struct svx_memslots *s,
					    u16 id)
{
	int idx;

	if (id >= SVX_ALL_SLOTS)
		return NULL;
	idx = s->id_to_index[id];
	if (idx < 0 || idx >= (int)s->nr)
		return NULL;
	return &s->slots[idx];
}

int svx_memslot_check(const struct svx_memslots *cur,
		      const struct kvm_userspace_memory_region *req,
		      u32 supported_flags, enum svx_mr_change *change,
		      struct svx_memslot *new, const struct svx_memslot **old)
{
	const struct svx_memslot *o;
	u64 base_gfn, npages;
	u32 as_id, nr_ids = SVX_MEM_SLOTS_NUM;
	u16 id;

	*old = NULL;
	if (supported_flags & SVX_MR_PRIVATE) {
		nr_ids = SVX_ALL_SLOTS;
		supported_flags &= ~SVX_MR_PRIVATE;
	}

	/* check_memory_region_flags() */
	if (req->flags & ~supported_flags)
		return -EINVAL;

	as_id = req->slot >> 16;
	id = (u16)req->slot;

	/* General sanity checks, in KVM's order (all -EINVAL). */
	if ((req->memory_size & (SVX_PAGE_SIZE - 1)) ||
	    req->memory_size != (unsigned long)req->memory_size)
		return -EINVAL;
	if (req->guest_phys_addr & (SVX_PAGE_SIZE - 1))
		return -EINVAL;
	/* untagged_addr() and access_ok() are the host's business. */
	if (req->userspace_addr & (SVX_PAGE_SIZE - 1))
		return -EINVAL;
	/*
	 * KVM's x86 address spaces: 0, and 1 for SMM (@cur is the set of
	 * @as_id, the host's choice); the host's own slots are in 0 only.
	 */
	if (as_id >= SVX_ADDRESS_SPACE_NUM ||
	    id >= (as_id ? SVX_MEM_SLOTS_NUM : nr_ids))
		return -EINVAL;
	if (req->guest_phys_addr + req->memory_size < req->guest_phys_addr)
		return -EINVAL;
	if ((req->memory_size >> SVX_PAGE_SHIFT) > SVX_MEM_MAX_NR_PAGES)
		return -EINVAL;

	o = svx_memslot_by_id(cur, id);

	if (!req->memory_size) {
		if (!o)
			return -EINVAL;
		*new = *o;
		*old = o;
		*change = SVX_MR_DELETE;
		return 0;
	}

	base_gfn = req->guest_phys_addr >> SVX_PAGE_SHIFT;
	npages = req->memory_size >> SVX_PAGE_SHIFT;

	/*
	 * KVM also rejects a CREATE that makes the total number of pages
	 * overflow an unsigned long; with at most 509 slots of < 2^31 pages
	 * that cannot happen on a 64-bit host.
	 */
	if (!o) {
		*change = SVX_MR_CREATE;
	} else {
		if (req->userspace_addr != o->userspace_addr ||
		    npages != o->npages ||
		    ((req->flags ^ o->flags) & KVM_MEM_READONLY))
			return -EINVAL;

		if (base_gfn != o->base_gfn)
			*change = SVX_MR_MOVE;
		else if (req->flags != o->flags)
			*change = SVX_MR_FLAGS_ONLY;
		else
			*change = SVX_MR_NONE;
	}

	if ((*change == SVX_MR_CREATE || *change == SVX_MR_MOVE) &&
	    svx_memslot_overlap(cur, id, base_gfn, base_gfn + npages))
		return -EEXIST;

	memset(new, 0, sizeof(*new));
	new->base_gfn = base_gfn;
	new->npages = npages;
	new->userspace_addr = req->userspace_addr;
	new->flags = req->flags;
	new->id = id;
	*old = o;
	return 0;
}

void svx_memslots_apply(struct svx_memslots *out,
			const struct svx_memslots *cur,
			enum svx_mr_change change, u16 id,
			const struct svx_memslot *new)
{
	const struct svx_memslot *ins = NULL;
	bool placed = false;
	int skip = -1, lu;
	u32 i, n = 0;

	/*
	 * Every change is "remove slot @id if present, then insert *new in
	 * order unless deleting": the same code serves CREATE, DELETE, MOVE,
	 * FLAGS_ONLY and NONE (an identical copy), and a CREATE of an id
	 * that exists cannot duplicate it.
	 */
	if (!WARN_ON_ONCE(id >= SVX_ALL_SLOTS))
		skip = cur->id_to_index[id];
	if (change != SVX_MR_DELETE && !WARN_ON_ONCE(new->id != id))
		ins = new;

	for (i = 0; i < cur->nr; i++) {
		if ((int)i == skip)
			continue;
		if (ins && !placed && ins->base_gfn < cur->slots[i].base_gfn) {
			out->slots[n++] = *ins;
			placed = true;
		}
		out->slots[n++] = cur->slots[i];
	}
	if (ins && !placed)
		out->slots[n++] = *ins;

	out->nr = n;
	out->generation = cur->generation + 1;
	memset(&out->slots[n], 0,
	       (SVX_ALL_SLOTS - n) * sizeof(out->slots[0]));
	memset(out->id_to_index, 0xff, sizeof(out->id_to_index));
	for (i = 0; i < n; i++)
		out->id_to_index[out->slots[i].id] = i;

	/* Keep the cache on the same slot if it survived the change. */
	out->last_used = -1;
	lu = READ_ONCE(cur->last_used);
	if (lu >= 0 && lu < (int)cur->nr)
		out->last_used = out->id_to_index[cur->slots[lu].id];
}

const struct svx_memslot *svx_memslot_find(struct svx_memslots *s, u64 gfn)
{
	const struct svx_memslot *slot;
	int lu = READ_ONCE(s->last_used);
	int i;

	if (lu >= 0 && lu < (int)s->nr) {
		slot = &s->slots[lu];
		if (svx_slot_contains(slot, gfn))
			return slot;
	}

	i = svx_memslot_floor(s, gfn);
	if (i < 0)
		return NULL;
	slot = &s->slots[i];
	if (!svx_slot_contains(slot, gfn))
		return NULL;
	/* Write only on change: readers on other CPUs share the line. */
	if (i != lu)
		WRITE_ONCE(s->last_used, i);
	return slot;
}
