// SPDX-License-Identifier: GPL-2.0
/*
 * The reverse map (mmu/rmap.c) against a model: random adds, removals and
 * write-protections of a few gfns (one of them also under its 2 MiB key)
 * over SPTE slots in shadow pages of their own, some gfns mapped by
 * thousands of SPTEs.  After each step the map is audited (descriptors,
 * keys, back-references: svx_rmap_audit()) and holds what the model holds;
 * after each walk of a gfn the SPTEs walked are exactly the model's; a
 * write-protection clears W in exactly those SPTEs.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/bits.h>
#include <linux/kernel.h>

#include "mmu_sim.h"

#define NTAB	8
#define NSLOT	(NTAB * 512)
#define LARGE	BIT_ULL(63)	/* SVX_RMAP_LARGE */
#define W	2ULL		/* SPTE_W */

static const u64 keys[] = {
	0x10, 0x11, 0x200, 0x201, 0x3ff, 0x200 | LARGE, 0x400 | LARGE,
};

#define NKEYS	ARRAY_SIZE(keys)

struct model {
	u64 *tab[NTAB];
	u64 *slot[NSLOT];
	int key[NSLOT];		/* index in keys[], -1: not in the map */
	unsigned long n[NKEYS];
	unsigned long total;
};

/* Does a walk of key @k give exactly the model's SPTEs? */
static bool walk_matches(struct sim *s, struct model *m, unsigned int k,
			 u64 **buf, char *seen)
{
	unsigned long n = sim_rmap_walk(s, keys[k], buf, NSLOT), i;
	bool ok = n == m->n[k];

	memset(seen, 0, NSLOT);
	for (i = 0; ok && i < n; i++) {
		unsigned long j = NSLOT, t;

		for (t = 0; t < NTAB; t++)
			if (buf[i] >= m->tab[t] && buf[i] < m->tab[t] + 512)
				j = t * 512 + (buf[i] - m->tab[t]);
		ok = j < NSLOT && m->key[j] == (int)k && !seen[j];
		if (ok)
			seen[j] = 1;
	}
	return ok;
}

static void del(struct sim *s, struct model *m, unsigned long j)
{
	sim_rmap_del(s, keys[m->key[j]], m->slot[j]);
	*m->slot[j] = 0;
	m->n[m->key[j]]--;
	m->total--;
	m->key[j] = -1;
}

/* svx_write_protect(gfn): keys gfn and (gfn & ~511) | LARGE. */
static bool write_protect(struct sim *s, struct model *m, u64 gfn)
{
	u64 large = (gfn & ~511ULL) | LARGE;
	bool want = false, ok = true;
	unsigned long j;
	bool got = sim_rmap_write_protect(s, gfn);

	for (j = 0; j < NSLOT; j++) {
		bool hit = m->key[j] >= 0 && (keys[m->key[j]] == gfn ||
					      keys[m->key[j]] == large);

		if (hit) {
			want = true;
			m->n[m->key[j]]--;
			m->total--;
			m->key[j] = -1;
			ok &= !(*m->slot[j] & W);
		} else if (m->key[j] >= 0) {
			ok &= !!(*m->slot[j] & W);
		}
	}
	return ok && got == want;
}

static unsigned long run(struct sim *s, unsigned long steps, bool chains,
			 unsigned long *walks, unsigned long *wps,
			 unsigned long *maxn)
{
	static struct model m;
	static u64 *buf[NSLOT];
	static char seen[NSLOT];
	u64 **tab = m.tab;
	unsigned long bad = 0, step, j;
	unsigned int k, i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < NTAB; i++)
		tab[i] = sim_leaf_table(s);
	for (j = 0; j < NSLOT; j++) {
		m.slot[j] = &tab[j / 512][j % 512];
		m.key[j] = -1;
	}
	for (step = 0; step < steps; step++) {
		unsigned long r = rng_below(&s->rng, 100);

		j = rng_below(&s->rng, NSLOT);
		if (r < (chains ? 60 : 45)) {		/* add */
			if (m.key[j] >= 0)
				continue;
			/* with chains: most adds go to one gfn */
			k = chains && rng_below(&s->rng, 4) ?
			    0 : rng_below(&s->rng, NKEYS);
			sim_rmap_add(s, keys[k], m.slot[j]);
			*m.slot[j] = W | 1;
			m.key[j] = k;
			m.n[k]++;
			m.total++;
		} else if (r < 98) {			/* remove */
			if (m.key[j] < 0)
				continue;
			del(s, &m, j);
		} else if (r < 99) {			/* walk */
			k = rng_below(&s->rng, NKEYS);
			bad += !walk_matches(s, &m, k, buf, seen);
			(*walks)++;
		} else {				/* write-protect */
			k = rng_below(&s->rng, NKEYS);
			/* let the long chain grow for most of the run */
			if (chains && !k && step < steps - steps / 10)
				k = 1;
			bad += !write_protect(s, &m, keys[k] & ~LARGE);
			(*wps)++;
		}
		for (k = 0; k < NKEYS; k++)
			if (m.n[k] > *maxn)
				*maxn = m.n[k];
		if (sim_rmap_audit(s) != (long)m.total)
			bad++;
	}
	for (k = 0; k < NKEYS; k++)
		bad += !walk_matches(s, &m, k, buf, seen);
	for (j = 0; j < NSLOT; j++)
		if (m.key[j] >= 0)
			del(s, &m, j);
	bad += sim_rmap_audit(s) != 0;
	for (i = 0; i < NTAB; i++)
		sim_leaf_table_free(s, tab[i]);
	return bad;
}

TAP_SUITE(rmap)
{
	unsigned long steps = getenv("SVX_QUICK") ? 20000 : 100000;
	unsigned long walks = 0, wps = 0, maxn = 0, bad;
	struct sim_stats st = { 0 };
	struct sim *s = sim_create(tap_seed());

	bad = run(s, steps, false, &walks, &wps, &maxn);
	tap_ok(!bad, "rmap: %lu random steps over %u gfns, model agrees (%lu mismatches)",
	       steps, (unsigned int)NKEYS, bad);
	bad = run(s, steps, true, &walks, &wps, &maxn);
	tap_ok(!bad, "rmap: %lu random steps, long chains of a gfn, model agrees (%lu mismatches)",
	       steps, bad);
	tap_diag("rmap: %lu walks, %lu write-protections checked, longest chain %lu",
		 walks, wps, maxn);
	tap_ok(maxn >= 1000, "rmap: a chain of %lu SPTEs was exercised", maxn);
	sim_destroy(s, &st);
	tap_eq(st.violations, 0, "rmap: VM destroyed without leaks");
}
