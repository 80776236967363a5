// SPDX-License-Identifier: GPL-2.0
/*
 * Direct-map tables (mmu/dmap.c) in both formats, the nonpaging map's x86
 * entries and EPT entries, against a plain model: random 4 KiB leaves
 * holding pins on the sim's guest frames, a 2 MiB leaf, an unpinned leaf
 * (EPT: an MMIO entry), then the walks, the tables a walk-allocate takes,
 * a range clear in small batches and the recursive free, with every pin
 * and table page accounted for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "mmu_sim.h"
#include "mmu_host.h"
#include "spte.h"
#include "epte.h"
#include "dmap.h"

#define NLEAVES		300
#define LARGE_GFN	0x40000ULL	/* 2 MiB leaf: gfns [LARGE_GFN, +512) */
#define NTABLES_MAX	(3 * NLEAVES + 8)

struct leaf {
	u64 gfn, e;
	int level;
	bool live;
};

struct model {
	struct leaf leaf[NLEAVES + 2];
	int nleaf;
	u64 table[NTABLES_MAX];	/* (level << 56) | (gfn >> 9 * level) */
	int ntable;
};

static bool model_has_table(struct model *m, int level, u64 gfn)
{
	u64 key = ((u64)level << 56) | (gfn >> (9 * level));
	int i;

	for (i = 0; i < m->ntable; i++)
		if (m->table[i] == key)
			return true;
	return false;
}

/* Tables missing for a leaf of @gfn at @leaf (the model has no large). */
static int model_missing(struct model *m, u64 gfn, int leaf)
{
	int level, n = 0;

	for (level = 3; level >= leaf; level--)
		n += !model_has_table(m, level, gfn);
	return n;
}

static void model_add_tables(struct model *m, u64 gfn, int leaf)
{
	int level;

	for (level = 3; level >= leaf; level--)
		if (!model_has_table(m, level, gfn))
			m->table[m->ntable++] = ((u64)level << 56) |
						(gfn >> (9 * level));
}

static u64 ram_pfn(struct sim *s, unsigned int page)
{
	return ((u64)(uintptr_t)s->mem >> 12) + page;
}

static unsigned long pins_held(struct sim *s)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < SIM_RAM_PAGES; i++)
		n += s->pins[i];
	return n;
}

static int find_leaf(struct model *m, u64 gfn)
{
	int i;

	for (i = 0; i < m->nleaf; i++)
		if (m->leaf[i].live && gfn >= m->leaf[i].gfn &&
		    gfn < m->leaf[i].gfn + SVX_DMAP_PAGES(m->leaf[i].level))
			return i;
	return -1;
}

static void dmap_case(const struct svx_dmap_fmt *f, const char *name,
		      u64 leaf_bits, u64 unpinned_leaf)
{
	static struct model model;
	struct model *m = &model;
	struct sim *s = sim_create(tap_seed() ^ leaf_bits);
	struct rng r = rng_seeded(tap_seed() * 7 + 1);
	unsigned long bad_missing = 0, bad_taken = 0, bad_walk = 0;
	unsigned long pinned = 0, tables = 0, cleared = 0, unpinned = 0;
	unsigned long want_cleared = 0, bad_clear = 0, pins_taken = 0;
	long tables0 = sim_tables_live;
	u64 *root = svx_host_alloc_table(false), gfn = 0, *ep, a, b, cur;
	u64 old[5];
	u8 lvl[5];
	int i, j, level;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < NLEAVES + 2; i++) {
		u64 *spare[3];
		int nspare = 3, want, lv = 1;
		unsigned int page;
		u64 e;

		if (i == NLEAVES) {		/* the 2 MiB leaf */
			gfn = LARGE_GFN;
			lv = 2;
		} else if (i == NLEAVES + 1) {	/* an unpinned leaf */
			gfn = LARGE_GFN + 4096;
		} else {
			/* runs, a few far away (other PML4 slots), the rest near */
			j = rng_below(&r, 16);
			gfn = j < 10 ? gfn + 1 + rng_below(&r, 40) :
			      j < 14 ? rng_below(&r, 1ULL << 35) :
				       rng_below(&r, 1ULL << 19);
			if (gfn >= LARGE_GFN - 4096 && gfn < LARGE_GFN + 8192)
				gfn += 16384;
			if (find_leaf(m, gfn) >= 0)
				continue;
		}
		for (j = 0; j < 3; j++)
			spare[j] = svx_host_alloc_table(false);
		want = model_missing(m, gfn, lv);
		bad_missing += svx_dmap_missing(f, root, gfn, lv) != want;
		ep = svx_dmap_walk_alloc(f, root, gfn, lv, spare, &nspare);
		bad_taken += 3 - nspare != want || !ep || (*ep & f->present);
		model_add_tables(m, gfn, lv);
		for (j = 0; j < nspare; j++)
			svx_host_free_table(spare[j]);
		if (!ep)
			continue;
		if (i == NLEAVES + 1) {
			e = unpinned_leaf;
		} else if (lv == 2) {
			for (j = 512; j < 1024; j++)
				s->pins[j]++;
			pins_taken += 512;
			e = (ram_pfn(s, 512) << 12) | leaf_bits | f->large |
			    f->pinned | f->writable;
		} else {
			page = rng_below(&r, 512);
			s->pins[page]++;
			pins_taken++;
			e = (ram_pfn(s, page) << 12) | leaf_bits | f->pinned |
			    (rng_below(&r, 2) ? f->writable : 0);
		}
		*ep = e;
		m->leaf[m->nleaf++] = (struct leaf){ gfn, e, lv, true };
	}
	tap_eq(bad_missing, 0, "dmap[%s]: tables missing before each walk-allocate as the model says (%d leaves)",
	       name, m->nleaf);
	tap_eq(bad_taken, 0, "dmap[%s]: walk-allocate takes exactly the missing tables and returns a free entry",
	       name);
	tap_eq(sim_tables_live - tables0, m->ntable + 1,
	       "dmap[%s]: table pages in the tree = the model's tables + the root",
	       name);

	for (i = 0; i < m->nleaf; i++) {
		struct leaf *l = &m->leaf[i];

		ep = svx_dmap_walk(f, root, l->gfn + (l->level > 1 ? 7 : 0), 1,
				   &level);
		bad_walk += level != l->level || *ep != l->e ||
			    !svx_dmap_leaf(f, *ep, level);
	}
	tap_eq(bad_walk, 0, "dmap[%s]: every leaf found by a walk, at its level", name);
	{
		u64 *spare[1] = { svx_host_alloc_table(false) };
		int nspare = 1;

		ep = svx_dmap_walk_alloc(f, root, LARGE_GFN + 9, 1, spare,
					 &nspare);
		tap_ok(!ep && nspare == 1 &&
		       !svx_dmap_missing(f, root, LARGE_GFN + 9, 1),
		       "dmap[%s]: no table is made under the 2 MiB leaf", name);
		svx_host_free_table(spare[0]);
	}
	ep = svx_dmap_walk(f, root, (1ULL << 35) + 3, 1, &level);
	tap_ok(level == 4 && !(*ep & f->present),
	       "dmap[%s]: a walk to an empty PML4 slot stops at level 4", name);

	/* Clear a range that covers some leaves and the 2 MiB one, 5 at a time. */
	a = LARGE_GFN - rng_below(&r, LARGE_GFN);
	b = LARGE_GFN + 300;		/* inside the large leaf: it goes whole */
	for (i = 0; i < m->nleaf; i++) {
		struct leaf *l = &m->leaf[i];
		u64 last = l->gfn + SVX_DMAP_PAGES(l->level) - 1;

		if (last >= a && l->gfn < b) {
			want_cleared += !!(l->e & f->pinned);
			l->live = false;
		}
	}
	cur = a;
	while (cur < b) {
		unsigned int n = svx_dmap_clear(f, root, &cur, b, old, lvl, 5);

		for (j = 0; j < (int)n; j++) {
			unpinned += svx_dmap_unpin_leaf(f, old[j], lvl[j]);
			bad_clear += !(old[j] & f->pinned);
		}
		cleared += n;
	}
	for (i = 0; i < m->nleaf; i++) {
		struct leaf *l = &m->leaf[i];

		ep = svx_dmap_walk(f, root, l->gfn, 1, &level);
		bad_clear += l->live != !!(*ep & f->present);
	}
	tap_ok(cleared == want_cleared && !bad_clear,
	       "dmap[%s]: clearing gfns [%#llx, %#llx) in batches of 5 takes exactly the pinned leaves in range (%lu) and leaves the rest",
	       name, (unsigned long long)a, (unsigned long long)b, cleared);
	tap_eq(pins_held(s), pins_taken - unpinned,
	       "dmap[%s]: the batches dropped the pins of the cleared leaves", name);

	svx_dmap_free_tree(f, root, 4, &pinned, &tables);
	tap_eq(unpinned + pinned, pins_taken,
	       "dmap[%s]: every pin dropped once (range clear + free: %lu)",
	       name, pins_taken);
	tap_eq(pins_held(s), 0, "dmap[%s]: no guest frame left pinned", name);
	tap_eq(tables, m->ntable + 1, "dmap[%s]: the free released every table page",
	       name);
	tap_eq(sim_tables_live, tables0, "dmap[%s]: no table page leaked", name);
	sim_destroy(s, NULL);
}

TAP_SUITE(dmap)
{
	dmap_case(&svx_dmap_x86, "x86", SPTE_P | SPTE_U | SPTE_A, SPTE_P | SPTE_U);
	/* EPT: R|X (W from f->writable); unpinned leaf: an MMIO entry (W|X) */
	dmap_case(&svx_dmap_ept, "ept", EPTE_R | EPTE_X, EPTE_W | EPTE_X);
}
