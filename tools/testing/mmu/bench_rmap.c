// SPDX-License-Identifier: GPL-2.0
/*
 * bench[rmap-ns chain=N]: nanoseconds per reverse-map entry of one gfn
 * mapped by N SPTEs (N = 1, 1000, 100000), for its add, a walk of the
 * gfn's SPTEs and its removal.  The N SPTE slots are consecutive entries
 * of shadow pages of their own, as the SPTEs of N consecutive GVAs mapping
 * one page are; each round puts them in the reverse map under one gfn in
 * that order (faulting the GVAs in), walks them, and removes them in the
 * same order (unmapping the GVAs).  The per-vCPU cache is topped up before
 * each add, so the allocations are in the time.  Best of several
 * repetitions of ~300000 entries each, after an untimed warm-up.
 * bench[rmap-ns-random chain=N]: the same, removed in a random order.
 *
 * rmap-scaling: the chain=100000 figure over the chain=1 figure: "ok" if
 * at most 2 (O(1) per entry at any chain length, mmu/rmap.c), "FAIL" and
 * exit status 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/kernel.h>

#include "mmu_sim.h"

#define GFN	0x123ULL
#define REPS	5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double run(struct sim *s, unsigned long n, unsigned long total,
		  bool random)
{
	unsigned long ntab = (n + 511) / 512, rounds, r, i, rep;
	u64 **tab = calloc(ntab, sizeof(*tab));
	u64 **slot = calloc(n, sizeof(*slot));
	unsigned long *perm = calloc(n, sizeof(*perm));
	double best = 0;

	if (!tab || !slot || !perm)
		abort();
	for (i = 0; i < ntab; i++)
		tab[i] = sim_leaf_table(s);
	for (i = 0; i < n; i++) {
		slot[i] = &tab[i / 512][i % 512];
		perm[i] = i;
	}
	for (i = n - 1; random && i > 0; i--) {
		unsigned long j = rng_below(&s->rng, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	rounds = (total + n - 1) / n;
	for (rep = 0; rep < REPS; rep++) {
		double t0 = now_ns(), t;

		for (r = 0; r < rounds; r++) {
			for (i = 0; i < n; i++)
				sim_rmap_add(s, GFN, slot[i]);
			if (sim_rmap_walk(s, GFN, NULL, 0) != n) {
				fprintf(stderr, "bench-rmap: walk of %lu entries went wrong\n",
					n);
				exit(1);
			}
			for (i = 0; i < n; i++)
				sim_rmap_del(s, GFN, slot[perm[i]]);
		}
		t = (now_ns() - t0) / ((double)rounds * n);
		if (!rep || t < best)
			best = t;
	}
	if (sim_rmap_walk(s, GFN, NULL, 0)) {
		fprintf(stderr, "bench-rmap: entries left after the removals\n");
		exit(1);
	}
	for (i = 0; i < ntab; i++)
		sim_leaf_table_free(s, tab[i]);
	free(tab);
	free(slot);
	free(perm);
	return best;
}

int main(void)
{
	static const unsigned long chain[] = { 1, 1000, 100000 };
	unsigned long total = 300000;	/* ~0.5 s in all */
	double ns[3], ratio;
	struct sim *s = sim_create(1);
	unsigned int i;

	run(s, 1, total, false);	/* warm-up (heap, caches, clock) */
	for (i = 0; i < 3; i++) {
		ns[i] = run(s, chain[i], total, false);
		printf("bench[rmap-ns chain=%lu]: %.1f\n", chain[i], ns[i]);
	}
	for (i = 0; i < 3; i++)
		printf("bench[rmap-ns-random chain=%lu]: %.1f\n", chain[i],
		       run(s, chain[i], total, true));
	sim_destroy(s, NULL);
	ratio = ns[2] / ns[0];
	printf("rmap-scaling: chain=100000 %.2fx chain=1 (limit 2): %s\n",
	       ratio, ratio <= 2 ? "ok" : "FAIL");
	return ratio <= 2 ? 0 : 1;
}
