// SPDX-License-Identifier: GPL-2.0
/*
 * The reverse map of the shadow MMU: for a gfn, the writable leaf SPTEs
 * that map it (a writable 2 MiB SPTE under its first gfn | SVX_RMAP_LARGE),
 * so that shadowing a guest table (or dirty logging) can write-protect the
 * gfn without looking at every shadow page.  Each key with SPTEs has one
 * chain of descriptors of SVX_RMAP_DESC_N SPTEs (KVM's pte_list_desc),
 * found by hashing the key: the first descriptor is the one in the hash
 * and the only one that may be partly used.  An add goes into the first
 * descriptor, or a new first one taken from the per-vCPU cache (allocated
 * before mmu_lock is taken, GFP_KERNEL_ACCOUNT).  A removal does not scan
 * the chain, as KVM's pte_list_remove() does (O(N) for a gfn mapped N
 * times): every shadow page that holds an SPTE in the map keeps, per
 * entry, a back-reference to the slot of the descriptor that records it
 * (svx_rmap_backref(), a page of pointers allocated with the first such
 * SPTE, 4 KiB per shadow page next to its 4 KiB table and 4 KiB of gfns);
 * the last SPTE of the first descriptor moves into the freed slot and its
 * back-reference follows.  So add, remove and each step of a walk are
 * O(1) at any chain length (a walk reads 10 SPTE pointers per 120-byte
 * descriptor); what an add or a removal costs besides is the hash lookup
 * of the key, whose bucket holds other keys, never other SPTEs of the same
 * key.  bench[rmap-ns chain=N] in tools/testing/mmu measures it; a memory
 * cost of 4 KiB per shadow page with writable SPTEs buys it, where KVM
 * scans instead.  Walkers: svx_rmap_for_each(), then svx_rmap_clear() to
 * drop the entries walked (svx_write_protect() in mmu.c).
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/slab.h>

#include "svx.h"
#include "rmap.h"

static struct hlist_head *svx_rmap_bucket(struct svx_vm *vm, u64 key)
{
	return &vm->rmap_hash[hash_64(key, SVX_RMAP_HASH_BITS)];
}

struct svx_rmap *svx_rmap_head(struct svx_vm *vm, u64 key)
{
	struct svx_rmap *d;

	hlist_for_each_entry(d, svx_rmap_bucket(vm, key), link)
		if (d->key == key)
			return d;
	return NULL;
}

bool svx_rmap_add(struct svx_vm *vm, struct svx_mmu_cache *c, u64 key,
		  u64 *sptep)
{
	struct svx_rmap *d = svx_rmap_head(vm, key), *nd;
	u64 ***back;

	if (!c->nrmaps)
		return false;
	back = svx_rmap_backref(sptep, c);
	if (!back)
		return false;
	if (!d || d->n == SVX_RMAP_DESC_N) {
		nd = c->rmaps[--c->nrmaps];
		nd->key = key;
		nd->n = 0;
		nd->more = d;
		if (d)
			hlist_del(&d->link);
		hlist_add_head(&nd->link, svx_rmap_bucket(vm, key));
		d = nd;
	}
	d->sptep[d->n] = sptep;
	*back = &d->sptep[d->n++];
	return true;
}

void svx_rmap_del(struct svx_vm *vm, u64 key, u64 *sptep)
{
	struct svx_rmap *d = svx_rmap_head(vm, key);
	u64 ***back = svx_rmap_backref(sptep, NULL), **slot, **last;

	slot = back ? *back : NULL;
	if (!d || !slot || *slot != sptep) {
		WARN_ONCE(1, "shadowvmx: rmap entry for gfn %#llx missing\n",
			  key);
		return;
	}
	last = &d->sptep[--d->n];
	if (slot != last) {
		*slot = *last;
		*svx_rmap_backref(*slot, NULL) = slot;
	}
	*last = NULL;
	*back = NULL;
	if (d->n)
		return;
	hlist_del(&d->link);
	if (d->more)
		hlist_add_head(&d->more->link, svx_rmap_bucket(vm, key));
	kfree(d);
}

unsigned long svx_rmap_clear(struct svx_vm *vm, u64 key)
{
	struct svx_rmap *d = svx_rmap_head(vm, key), *more;
	unsigned long n = 0;
	unsigned int i;

	if (!d)
		return 0;
	hlist_del(&d->link);
	for (; d; d = more) {
		for (i = 0; i < d->n; i++)
			*svx_rmap_backref(d->sptep[i], NULL) = NULL;
		n += d->n;
		more = d->more;
		kfree(d);
	}
	return n;
}

long svx_rmap_audit(struct svx_vm *vm)
{
	struct svx_rmap *h, *d, *o;
	long n = 0;
	unsigned int b, i;

	for (b = 0; b < 1U << SVX_RMAP_HASH_BITS; b++) {
		hlist_for_each_entry(h, &vm->rmap_hash[b], link) {
			if (hash_64(h->key, SVX_RMAP_HASH_BITS) != b ||
			    !h->n || h->n > SVX_RMAP_DESC_N)
				return -EINVAL;
			hlist_for_each_entry(o, &vm->rmap_hash[b], link)
				if (o != h && o->key == h->key)
					return -EINVAL;
			for (d = h; d; d = d->more) {
				if (d->key != h->key ||
				    (d != h && d->n != SVX_RMAP_DESC_N))
					return -EINVAL;
				for (i = 0; i < d->n; i++) {
					u64 ***back;

					if (!d->sptep[i])
						return -EINVAL;
					back = svx_rmap_backref(d->sptep[i],
								NULL);
					if (!back || *back != &d->sptep[i])
						return -EINVAL;
				}
				n += d->n;
			}
		}
	}
	return n;
}
