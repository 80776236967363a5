// SPDX-License-Identifier: GPL-2.0
/*
 * ns per svx_memslot_find() with 1, 32 and 509 slots.
 *   random:     gfns drawn uniformly over the slots (the last-used cache
 *               misses almost always above 1 slot);
 *   sequential: gfns walked page by page through the slots in order (the
 *               cache hits except on slot changes).
 * Each figure loops over a precomputed gfn table for ~0.2 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "memslot.h"

#define NGFN	(1u << 16)
#define PAGES	64		/* per slot */

static u64 gfns[NGFN];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double run(struct svx_memslots *s)
{
	unsigned long iters = 0, sum = 0;
	double t0 = now(), t;
	unsigned int i;

	do {
		for (i = 0; i < NGFN; i++) {
			const struct svx_memslot *m;

			m = svx_memslot_find(s, gfns[i]);
			sum += m->id;
		}
		iters += NGFN;
		t = now() - t0;
	} while (t < 0.2);
	__asm__ __volatile__("" : : "r"(sum));
	return t * 1e9 / iters;
}

int main(void)
{
	static const unsigned int sizes[] = { 1, 32, SVX_MEM_SLOTS_NUM };
	struct svx_memslots *cur = malloc(sizeof(*cur));
	struct svx_memslots *nxt = malloc(sizeof(*nxt));
	struct rng rng = { 0xbe7c4 };
	unsigned int si, i;

	if (!cur || !nxt)
		return 1;
	for (si = 0; si < 3; si++) {
		unsigned int n = sizes[si];
		double rnd, seq;

		svx_memslots_init(cur);
		for (i = 0; i < n; i++) {
			/* One page gap between slots; ids reversed. */
			struct kvm_userspace_memory_region r = {
				.slot = n - 1 - i,
				.guest_phys_addr = (u64)(0x100 + i * (PAGES + 1)) << 12,
				.memory_size = PAGES << 12,
				.userspace_addr = (u64)(i + 1) << 30,
			};
			const struct svx_memslot *old;
			enum svx_mr_change ch;
			struct svx_memslot new;
			struct svx_memslots *t;

			if (svx_memslot_check(cur, &r, 0, &ch, &new, &old))
				return 1;
			svx_memslots_apply(nxt, cur, ch, r.slot, &new);
			t = cur;
			cur = nxt;
			nxt = t;
		}
		for (i = 0; i < NGFN; i++)
			gfns[i] = cur->slots[rng_below(&rng, n)].base_gfn +
				  rng_below(&rng, PAGES);
		rnd = run(cur);
		for (i = 0; i < NGFN; i++)
			gfns[i] = cur->slots[i / PAGES % n].base_gfn + i % PAGES;
		seq = run(cur);
		printf("bench[memslot-ns slots=%u]: %.2f\n", n, rnd);
		printf("bench[memslot-ns-seq slots=%u]: %.2f\n", n, seq);
	}
	free(cur);
	free(nxt);
	return 0;
}
