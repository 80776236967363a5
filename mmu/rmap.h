/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow MMU's reverse map: which writable leaf SPTEs map a gfn (see
 * mmu/rmap.c for the structure and its costs).
 */
#ifndef SVX_MMU_RMAP_H
#define SVX_MMU_RMAP_H

#include <linux/list.h>
#include <linux/types.h>

struct svx_vm;
struct svx_mmu_cache;

#define SVX_RMAP_HASH_BITS	12

/*
 * A descriptor: up to SVX_RMAP_DESC_N SPTEs of one key (120 bytes).  The
 * first descriptor of a key is in vm->rmap_hash and the only one that may
 * be partly used; the others, behind it, are full.
 */
#define SVX_RMAP_DESC_N	10
struct svx_rmap {
	struct hlist_node link;		/* first descriptor: in the hash */
	u64 key;			/* gfn, or first gfn | SVX_RMAP_LARGE */
	struct svx_rmap *more;		/* the next, full, descriptor */
	unsigned int n;			/* SPTEs in sptep[0 .. n - 1] */
	u64 *sptep[SVX_RMAP_DESC_N];
};

/*
 * mmu_lock held.  svx_rmap_add() takes a descriptor (and the shadow page's
 * slot array, see svx_rmap_backref()) from @c: false if @c has none, and
 * then the SPTE must not be made writable.  svx_rmap_del() removes one
 * SPTE, svx_rmap_clear() every SPTE of @key (returns how many).
 */
bool svx_rmap_add(struct svx_vm *vm, struct svx_mmu_cache *c, u64 key,
		  u64 *sptep);
void svx_rmap_del(struct svx_vm *vm, u64 key, u64 *sptep);
unsigned long svx_rmap_clear(struct svx_vm *vm, u64 key);
/* The first descriptor of @key, NULL if it has no SPTE. */
struct svx_rmap *svx_rmap_head(struct svx_vm *vm, u64 key);
/*
 * Consistency of the whole map (tests): the number of SPTEs in it, or
 * -EINVAL if a descriptor, a key or a slot back-reference is wrong.
 */
long svx_rmap_audit(struct svx_vm *vm);

/*
 * Provided by the shadow MMU (mmu.c): where the slot of @sptep's entry is
 * recorded, in the shadow page that holds @sptep.  With @c, a shadow page
 * without a slot array yet takes @c's spare one; without, it gets NULL.
 */
u64 ***svx_rmap_backref(u64 *sptep, struct svx_mmu_cache *c);

/* Walk the SPTEs of @key; the map must not change during the walk. */
struct svx_rmap_iter {
	struct svx_rmap *d;
	unsigned int i;
};

static inline u64 *svx_rmap_iter_next(struct svx_rmap_iter *it)
{
	if (it->d && it->i == it->d->n) {
		it->d = it->d->more;	/* full, so not empty */
		it->i = 0;
	}
	return it->d ? it->d->sptep[it->i++] : NULL;
}

#define svx_rmap_for_each(vm, key, it, sptep)				\
	for ((it).d = svx_rmap_head(vm, key), (it).i = 0,		\
	     (sptep) = svx_rmap_iter_next(&(it));			\
	     (sptep); (sptep) = svx_rmap_iter_next(&(it)))

#endif
