// SPDX-License-Identifier: GPL-2.0
/*
 * Direct-map tables (mmu/dmap.h): the walk, walk-allocate, range clear and
 * recursive unpin-and-free shared by the nonpaging map (mmu/nonpaging.c)
 * and the EPT tree (mmu/ept.c), parameterized by the entry format.
 */
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <asm/page.h>

#include "mmu_host.h"
#include "spte.h"
#include "epte.h"
#include "dmap.h"

const struct svx_dmap_fmt svx_dmap_x86 = {
	.present = SPTE_P,
	.large = SPTE_PS,
	.addr = SPTE_ADDR,
	.table = SPTE_TABLE,
	.pinned = SPTE_PINNED,
	.writable = SPTE_W,
};

/* An MMIO entry (W|X without R) is in use, holds no pin, and is a leaf. */
const struct svx_dmap_fmt svx_dmap_ept = {
	.present = EPTE_RWX,
	.large = EPTE_LARGE,
	.addr = EPTE_ADDR,
	.table = EPTE_TABLE,
	.pinned = EPTE_PINNED,
	.writable = EPTE_W,
};

static u64 *svx_dmap_table(const struct svx_dmap_fmt *f, u64 e)
{
	return svx_host_va(e & f->addr);
}

u64 *svx_dmap_walk(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
		   int stop, int *level)
{
	u64 *table = root, *ep;
	int l;

	for (l = SVX_DMAP_LEVELS;; l--) {
		ep = &table[SVX_DMAP_IDX(gfn, l)];
		if (l == stop || svx_dmap_leaf(f, *ep, l) ||
		    !(*ep & f->present))
			break;
		table = svx_dmap_table(f, *ep);
	}
	*level = l;
	return ep;
}

u64 *svx_dmap_walk_alloc(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
			 int leaf, u64 **spare, int *nspare)
{
	u64 *table = root;
	int l;

	for (l = SVX_DMAP_LEVELS; l > leaf; l--) {
		unsigned int idx = SVX_DMAP_IDX(gfn, l);
		u64 e = table[idx];

		if (svx_dmap_leaf(f, e, l))
			return NULL;
		if (!(e & f->present)) {
			if (!*nspare)
				return NULL;
			e = svx_host_pa(spare[--*nspare]) | f->table;
			WRITE_ONCE(table[idx], e);
		}
		table = svx_dmap_table(f, e);
	}
	return &table[SVX_DMAP_IDX(gfn, leaf)];
}

int svx_dmap_missing(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
		     int leaf)
{
	int level;
	u64 e = *svx_dmap_walk(f, root, gfn, leaf, &level);

	return (e & f->present) ? 0 : level - leaf;
}

unsigned int svx_dmap_clear(const struct svx_dmap_fmt *f, u64 *root,
			    u64 *gfn, u64 end, u64 *old, u8 *lvl,
			    unsigned int max)
{
	unsigned int n = 0;

	while (*gfn < end && n < max) {
		int level;
		u64 *ep = svx_dmap_walk(f, root, *gfn, 1, &level), e = *ep;

		if (svx_dmap_leaf(f, e, level)) {
			WRITE_ONCE(*ep, 0);
			if (e & f->pinned) {
				old[n] = e;
				if (lvl)
					lvl[n] = level;
				n++;
			}
		}
		/* On past this entry (a leaf, or a hole of its size). */
		*gfn = (*gfn | (SVX_DMAP_PAGES(level) - 1)) + 1;
	}
	return n;
}

unsigned long svx_dmap_unpin_leaf(const struct svx_dmap_fmt *f, u64 e,
				  int level)
{
	u64 pfn = (e & f->addr) >> PAGE_SHIFT;

	if (!(e & f->pinned))
		return 0;
	if (level == 1)
		svx_host_unpin(pfn, e & f->writable);
	else
		svx_host_unpin_range(pfn, SVX_DMAP_PAGES(level),
				     e & f->writable);
	return SVX_DMAP_PAGES(level);
}

void svx_dmap_free_tree(const struct svx_dmap_fmt *f, u64 *table, int level,
			unsigned long *pinned, unsigned long *tables)
{
	int i;

	for (i = 0; i < 512; i++) {
		u64 e = table[i];

		if (!(e & f->present))
			continue;
		if (svx_dmap_leaf(f, e, level))
			*pinned += svx_dmap_unpin_leaf(f, e, level);
		else
			svx_dmap_free_tree(f, svx_dmap_table(f, e), level - 1,
					   pinned, tables);
	}
	svx_host_free_table(table);
	(*tables)++;
}
