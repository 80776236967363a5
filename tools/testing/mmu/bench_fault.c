// SPDX-License-Identifier: GPL-2.0
/*
 * bench[fault-ns]: nanoseconds per shadow fault that installs an SPTE, in
 * steady state: a 4-level guest maps 512 pages (writable, dirty); each
 * round drops their leaf SPTEs (sim_zap_leaf(), not timed) and faults them
 * all back in with write faults (timed): guest walk, memslot lookup, pin,
 * shadow page lookup, reverse map, SPTE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/kernel.h>

#include "mmu_sim.h"
#include "walker.h"

#define NPAGES	512

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
	int rounds = getenv("SVX_QUICK") ? 200 : 2000, r, i;
	double t = 0, t0;
	unsigned long before, n = 0;
	struct sim *s = sim_create(1);

	sim_gen_flat(s, NPAGES);
	for (i = 0; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	before = sim_faults_fixed(s);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NPAGES; i++)
			sim_zap_leaf(s, (u64)i << 12);
		t0 = now_ns();
		for (i = 0; i < NPAGES; i++)
			sim_fault(s, (u64)i << 12,
				  SVX_PFERR_WRITE | SVX_PFERR_USER);
		t += now_ns() - t0;
		n += NPAGES;
	}
	if (sim_faults_fixed(s) - before != n || sim_check(s)) {
		fprintf(stderr, "bench-fault: %lu of %lu faults fixed, %lu violations\n",
			sim_faults_fixed(s) - before, n, s->st.violations);
		return 1;
	}
	sim_destroy(s, NULL);
	printf("bench[fault-ns]: %.1f\n", t / n);
	return 0;
}
