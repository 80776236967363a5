/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct-map tables: the 4-level trees that map a frame number straight to
 * a host page, with no guest table behind them.  Two formats use them: the
 * nonpaging map (x86 page-table entries, GVA == GPA, mmu/nonpaging.c) and
 * the EPT tree (EPT entries, mmu/ept.c).  What differs between the two is
 * which bits mean present, large, table, pinned and writable; the walk, the
 * walk-allocate, the range clear and the recursive unpin-and-free are the
 * same and live here once (as Jailhouse's struct paging).  Table pages and
 * pins go through mmu/mmu_host.h, so both trees also build and are tested
 * in userspace (tools/testing/mmu/test_dmap.c).
 *
 * Indices: the entry of frame @gfn at level L (4: PML4 .. 1: PT) is
 * (gfn >> 9 * (L - 1)) & 511; a leaf at level L maps 512^(L-1) frames.
 * Locking is the caller's (mmu_lock for walks of a live tree).
 */
#ifndef SVX_MMU_DMAP_H
#define SVX_MMU_DMAP_H

#include <linux/types.h>

struct svx_dmap_fmt {
	u64 present;	/* any of these bits set: the entry is in use */
	u64 large;	/* a leaf at level 2 or 3 */
	u64 addr;	/* the frame address */
	u64 table;	/* the bits of an entry that points at a table */
	u64 pinned;	/* software: the leaf holds pins on its frames */
	u64 writable;	/* the leaf maps its frames writable */
};

extern const struct svx_dmap_fmt svx_dmap_x86;	/* nonpaging map */
extern const struct svx_dmap_fmt svx_dmap_ept;	/* EPT */

#define SVX_DMAP_LEVELS		4
#define SVX_DMAP_IDX(gfn, level)	(((gfn) >> (9 * ((level) - 1))) & 511)
#define SVX_DMAP_PAGES(level)		(1ULL << (9 * ((level) - 1)))

static inline bool svx_dmap_leaf(const struct svx_dmap_fmt *f, u64 e,
				 int level)
{
	return (e & f->present) && (level == 1 || (e & f->large));
}

/*
 * From @root down towards @gfn's entry at @stop (1..4): the entry where the
 * descent stopped (at @stop, not in use, or a large leaf above @stop), its
 * level in *@level.
 */
u64 *svx_dmap_walk(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
		   int stop, int *level);

/*
 * The entry of @gfn at @leaf (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), linking
 * missing tables from @spare[0..*@nspare) (taken from the end); NULL if a
 * large leaf maps @gfn already or the spares ran out.  The caller counts
 * the tables taken (*@nspare before minus after).
 */
u64 *svx_dmap_walk_alloc(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
			 int leaf, u64 **spare, int *nspare);

/* Tables missing on the way to @gfn's entry at @leaf; 0 under a large leaf. */
int svx_dmap_missing(const struct svx_dmap_fmt *f, u64 *root, u64 gfn,
		     int leaf);

/*
 * Clear the leaves (and entries not pointing at tables) for gfns
 * [*@gfn, @end), at most @max of them holding pins; those go to @old and
 * their levels to @lvl (if not NULL), *@gfn to where to go on.  A large
 * leaf that overlaps the range goes whole.
 */
unsigned int svx_dmap_clear(const struct svx_dmap_fmt *f, u64 *root,
			    u64 *gfn, u64 end, u64 *old, u8 *lvl,
			    unsigned int max);

/* Drop the pins of leaf @e at @level (svx_host_unpin*()); pages unpinned. */
unsigned long svx_dmap_unpin_leaf(const struct svx_dmap_fmt *f, u64 e,
				  int level);

/*
 * Unpin every leaf and free every table below @table (at @level), and
 * @table itself; nobody else may reach them.  Adds what it released to
 * *@pinned (pages) and *@tables.
 */
void svx_dmap_free_tree(const struct svx_dmap_fmt *f, u64 *table, int level,
			unsigned long *pinned, unsigned long *tables);

#endif /* SVX_MMU_DMAP_H */
