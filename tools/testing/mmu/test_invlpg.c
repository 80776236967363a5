// SPDX-License-Identifier: GPL-2.0
/*
 * INVLPG under shadow paging (suite invlpg), against KVM's FNAME(invlpg):
 * the guest can have changed the PTE behind an SPTE without a trap only
 * if the shadow page holding it is unsync, so INVLPG leaves the SPTEs of
 * a page in sync alone (the access after it does not fault again; the
 * CPU's TLB entry is the exit handler's, svx_vpid_flush_gva()), rebuilds
 * the SPTE of an unsync page from the guest PTE, and finds an unsync page
 * through the unsync marks of its parents, also when the page was linked
 * anew while unsync (svx_get_sp() leaves it unsync, as KVM's
 * kvm_mmu_find_shadow_page() does).  A 4-level flat world, one guest page
 * table; sim_invlpg() checks after each INVLPG that the CPU's translation
 * is the guest's.
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

#define NPAGES	64

static bool write_tracked(struct sim *s, u64 gfn)
{
	bool r;

	spin_lock(&s->vm->mmu_lock);
	r = svx_gfn_write_tracked(s->vm, gfn);
	spin_unlock(&s->vm->mmu_lock);
	return r;
}

TAP_SUITE(invlpg)
{
	struct sim *s = sim_create(tap_seed());
	unsigned long f, viol0, upd;
	u64 *pt, ptgfn, *pd, pdgfn, spte[NPAGES];
	int i, same = 0;

	sim_gen_flat(s, NPAGES);
	pt = sim_flat_table(s, 3, &ptgfn);
	pd = sim_flat_table(s, 2, &pdgfn);
	viol0 = s->st.violations;
	sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(write_tracked(s, ptgfn),
	       "the guest page table is in sync (write-protected)");

	/* A page in sync: INVLPG keeps every SPTE. */
	for (i = 0; i < NPAGES; i++)
		spte[i] = sim_leaf_spte(s, (u64)i << 12);
	for (i = 0; i < NPAGES; i++)
		sim_invlpg(s, (u64)i << 12);
	for (i = 0; i < NPAGES; i++)
		same += (spte[i] & SPTE_P) &&
			sim_leaf_spte(s, (u64)i << 12) == spte[i];
	tap_ok(same == NPAGES,
	       "INVLPG in a page in sync keeps the SPTE (%d of %d, KVM: all)",
	       same, NPAGES);
	f = sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(f == 0, "the writes after the INVLPGs do not fault (%lu)", f);

	/* An unsync page: the SPTE follows the guest PTE at INVLPG. */
	tap_ok(sim_unsync(s, ptgfn), "the guest page table goes unsync");
	pt[5] ^= 1ULL << 12;		/* page 5 now maps page 4's frame */
	upd = s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE];
	sim_invlpg(s, 5ULL << 12);
	tap_ok((sim_leaf_spte(s, 5ULL << 12) & SPTE_ADDR) ==
	       (sim_leaf_spte(s, 4ULL << 12) & SPTE_ADDR) &&
	       s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE] == upd + 1,
	       "INVLPG in an unsync page rebuilds the SPTE from the new guest PTE");
	pt[5] ^= 1ULL << 12;
	sim_invlpg(s, 5ULL << 12);

	/*
	 * The unsync page loses its link (the guest rewrites the PDE: an
	 * emulated write zaps the link), a root load does not reach it, and
	 * a fault links it anew: it stays unsync (its table is not
	 * write-protected again) and its new parent is marked, so an
	 * INVLPG after a guest write that did not trap still finds it.
	 */
	svx_mmu_pte_write(s->vcpu, pdgfn << 12, pd[0], 8, true);
	tap_ok(!(sim_leaf_spte(s, 0) & SPTE_P),
	       "the emulated PDE write unlinks the page table");
	sim_reload_root(s);
	sim_access(s, 0, SVX_ACC_USER);	/* root load; link anew */
	tap_ok(sim_leaf_spte(s, 0) & SPTE_P, "a fault links it anew");
	tap_ok(!write_tracked(s, ptgfn),
	       "linked anew, the page stays unsync (as KVM's kvm_sync_page() leaves it)");
	sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	pt[7] ^= 1ULL << 12;		/* untrapped: the page is unsync */
	upd = s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE];
	sim_invlpg(s, 7ULL << 12);
	tap_ok((sim_leaf_spte(s, 7ULL << 12) & SPTE_ADDR) ==
	       (sim_leaf_spte(s, 6ULL << 12) & SPTE_ADDR) &&
	       s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE] == upd + 1,
	       "INVLPG finds the relinked unsync page through the parents' marks");
	pt[7] ^= 1ULL << 12;
	sim_invlpg(s, 7ULL << 12);
	sim_reload_root(s);
	sim_touch_all(s, NPAGES, SVX_ACC_USER);

	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	sim_destroy(s, NULL);
}
