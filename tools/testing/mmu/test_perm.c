// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow faults that KVM 6.1 does not take, found with harness W9 (the
 * permission sweep), each against the KVM code that avoids it:
 *
 * - suite direct_prefetch: a fault inside a guest large page mapped in
 *   4 KiB pieces (a direct shadow page: the large page holds a shadowed
 *   guest table, or no 2 MiB SPTE) maps the empty entries of its aligned
 *   group of 8 too, with the large page's permissions, as KVM's
 *   __direct_pte_prefetch(); a neighbour that is a shadowed guest table
 *   stays read-only, and a clean large page gives read-only neighbours.
 * - suite sync_grant: a resync rewrites an SPTE with the permissions its
 *   guest PTE grants now, also those the guest added (W once dirty, U), as
 *   KVM's FNAME(sync_page) rebuilds it with make_spte(); the access after
 *   the resync that needs one does not fault.
 *
 * Each counts the faults and checks the shadow tables against the guest's
 * (sim_check()) afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "mmu_internal.h"
#include "walker.h"
#include "mmu_sim.h"

#define LARGE_GVA	0x200000ULL	/* PD[1] of the flat world */
#define NPAGES		8	/* one prefetch group */

/* Make PD[1] of the flat world a 2 MiB page at GPA @gpa with @flags. */
static void map_large(struct sim *s, u64 gpa, u64 flags)
{
	u64 *pd, pdgfn;

	pd = sim_flat_table(s, 2, &pdgfn);
	pd[1] = gpa | flags | SVX_PTE_PS;
	svx_mmu_zap_all(s->vm);
}

TAP_SUITE(direct_prefetch)
{
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US | SVX_PTE_A;
	struct sim *s = sim_create(tap_seed());
	unsigned long n, viol0;
	u64 pdgfn, spte;
	bool large = svx_large_sptes_enabled;
	int i, w = 0;

	svx_large_sptes_enabled = false;	/* 4 KiB pieces */
	sim_gen_flat(s, 8);
	viol0 = s->st.violations;

	/* A dirty, writable 2 MiB page: 8 pages, one fault. */
	map_large(s, 0x200000, f | SVX_PTE_D);
	n = s->st.faults;
	sim_access(s, LARGE_GVA + (5ULL << 12), SVX_ACC_USER);
	tap_ok(s->st.faults - n == 1,
	       "the first read inside the large page faults");
	n = s->st.faults;
	for (i = 0; i < 8; i++)
		sim_access(s, LARGE_GVA + ((u64)i << 12),
			   SVX_ACC_WRITE | SVX_ACC_USER);
	n = s->st.faults - n;
	tap_ok(n == 0,
	       "reads and writes of the other 7 pages of its group do not fault (%lu faults, KVM 0)",
	       n);
	for (i = 0; i < 8; i++)
		w += !!(sim_leaf_spte(s, LARGE_GVA + ((u64)i << 12)) & SPTE_W);
	tap_ok(w == 8, "prefetched SPTEs of a dirty writable large page are writable (%d of 8)",
	       w);
	sim_access(s, LARGE_GVA + (8ULL << 12), SVX_ACC_USER);
	tap_ok(!(sim_leaf_spte(s, LARGE_GVA + (16ULL << 12)) & SPTE_P),
	       "the next group is not prefetched");

	/* A clean large page: neighbours read-only, a write faults (D). */
	map_large(s, 0x200000, f);
	sim_access(s, LARGE_GVA, SVX_ACC_USER);
	spte = sim_leaf_spte(s, LARGE_GVA + (3ULL << 12));
	tap_ok((spte & SPTE_P) && !(spte & SPTE_W),
	       "a clean large page's neighbour is prefetched read-only");
	n = s->st.faults;
	sim_access(s, LARGE_GVA + (3ULL << 12), SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(s->st.faults - n == 1,
	       "a write to it faults once (the guest's D bit is set then)");

	/*
	 * The large page holds the guest's own tables (gfn 16..19): the
	 * neighbour that is a shadowed table (the PD) is prefetched
	 * read-only.
	 */
	map_large(s, 0, f | SVX_PTE_D);
	sim_access(s, LARGE_GVA + (20ULL << 12), SVX_ACC_USER); /* group 16..23 */
	sim_flat_table(s, 2, &pdgfn);	/* shadowed: the walk uses it */
	spte = sim_leaf_spte(s, LARGE_GVA + (pdgfn << 12));
	tap_ok((spte & SPTE_P) && !(spte & SPTE_W),
	       "a prefetched neighbour that is a shadowed guest table is read-only (%#llx)",
	       (unsigned long long)spte);
	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	svx_large_sptes_enabled = large;
	sim_destroy(s, NULL);
}

TAP_SUITE(sync_grant)
{
	struct sim *s = sim_create(tap_seed());
	unsigned long f, viol0;
	u64 *pt, ptgfn;
	int i;

	sim_gen_flat(s, NPAGES);
	pt = sim_flat_table(s, 3, &ptgfn);
	viol0 = s->st.violations;
	/* Read-only (dirty) supervisor pages, every SPTE present. */
	for (i = 0; i < NPAGES; i++)
		pt[i] &= ~(SVX_PTE_RW | SVX_PTE_US);
	svx_mmu_zap_all(s->vm);
	sim_touch_all(s, NPAGES, 0);
	tap_ok(sim_touch_all(s, NPAGES, 0) == 0, "second reads do not fault");

	/* The guest grants W and U, then flushes its TLB (CR3 load). */
	tap_ok(sim_unsync(s, ptgfn), "the guest page table goes unsync");
	for (i = 0; i < NPAGES; i++)
		pt[i] |= SVX_PTE_RW | SVX_PTE_US;
	sim_reload_root(s);
	f = sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(f == 0,
	       "user writes after the resync do not fault: W and U granted in place (%lu faults, KVM 0)",
	       f);

	/* W added to a clean PTE: not granted (dirty-bit emulation). */
	tap_ok(sim_unsync(s, ptgfn), "unsync again");
	for (i = 0; i < NPAGES; i++)
		pt[i] &= ~(SVX_PTE_RW | SVX_PTE_D);
	sim_reload_root(s);
	sim_touch_all(s, NPAGES, SVX_ACC_USER);
	tap_ok(sim_unsync(s, ptgfn), "unsync again");
	for (i = 0; i < NPAGES; i++)
		pt[i] |= SVX_PTE_RW;
	sim_reload_root(s);
	f = sim_touch_all(s, NPAGES, SVX_ACC_USER);
	tap_ok(f == 0, "user reads of the clean pages do not fault (%lu)", f);
	f = sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(f == NPAGES,
	       "the first write to each clean page faults to set D (%lu of %d)",
	       f, NPAGES);
	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	sim_destroy(s, NULL);
}
