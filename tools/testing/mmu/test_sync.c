// SPDX-License-Identifier: GPL-2.0
/*
 * The resync of an unsync shadow page (suite sync_in_place), against what
 * KVM's FNAME(sync_page) does: an SPTE whose guest PTE still maps the same
 * frame is rewritten in place with the permissions the PTE now grants (a
 * fork write-protecting the parent's pages clears W: the parent's next read
 * must not fault again), an SPTE whose PTE maps another frame, or is no
 * longer present or accessed, is dropped.  A 4-level flat world (one guest
 * page table), every page mapped writable by a write fault; the guest page
 * table goes unsync as a write fault on it would make it
 * (svx_try_unsync()), the guest rewrites its PTEs, then a CR3 load that
 * flushes resyncs it; or an INVPCID of one address in another PCID
 * rebuilds that one entry (KVM's kvm_mmu_invpcid_gva()).  The faults are
 * counted, the host pages that lost a writable SPTE must be marked dirty,
 * and the shadow tables must agree with the guest's afterwards.
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

TAP_SUITE(sync_in_place)
{
	struct sim *s = sim_create(tap_seed());
	unsigned long f, inj, dirty, viol0, want;
	int i, kept[6];
	bool unsync_was;
	u64 *pt, ptgfn;

	sim_gen_flat(s, NPAGES);
	pt = sim_flat_table(s, 3, &ptgfn);
	viol0 = s->st.violations;
	f = sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(f >= NPAGES / 8, "first writes fault the pages in (%lu faults)",
	       f);
	tap_ok(sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER) == 0,
	       "second writes do not fault");

	/* fork(): every PTE write-protected, then the TLB flushed. */
	unsync_was = sim_unsync(s, ptgfn);
	tap_ok(unsync_was, "the guest page table goes unsync");
	for (i = 0; i < NPAGES; i++)
		pt[i] &= ~SVX_PTE_RW;
	dirty = sim_dirty_marks;
	sim_reload_root(s);
	f = sim_touch_all(s, NPAGES, SVX_ACC_USER);
	tap_ok(f == 0,
	       "reads after the write protection and the flush do not fault: SPTEs kept read-only (%lu faults, KVM 0)",
	       f);
	tap_ok(sim_dirty_marks - dirty >= NPAGES,
	       "the %d host pages that lost a writable SPTE are marked dirty (%lu)",
	       NPAGES, sim_dirty_marks - dirty);
	inj = s->st.injected;
	f = sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	tap_ok(s->st.injected - inj == NPAGES,
	       "writes to the write-protected pages inject #PF (%lu of %d)",
	       s->st.injected - inj, NPAGES);

	/*
	 * Other changes: D cleared (read-only), U/S cleared (supervisor),
	 * XD set, another frame, A cleared, not present.
	 */
	sim_unsync(s, ptgfn);	/* the guest's writes to its table go through */
	for (i = 0; i < NPAGES; i++)
		pt[i] |= SVX_PTE_RW;
	sim_reload_root(s);
	sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	sim_unsync(s, ptgfn);
	for (i = 0; i < NPAGES; i++) {
		switch (i % 6) {
		case 0:
			pt[i] &= ~SVX_PTE_D;
			break;
		case 1:
			pt[i] &= ~SVX_PTE_US;
			break;
		case 2:
			pt[i] |= SVX_PTE_XD;
			break;
		case 3:
			pt[i] ^= 1ULL << 12;
			break;
		case 4:
			pt[i] &= ~SVX_PTE_A;
			break;
		default:
			pt[i] &= ~SVX_PTE_P;
			break;
		}
	}
	sim_reload_root(s);
	sim_access(s, 0, 0);	/* page 0's D change: no fault, root loaded */
	memset(kept, 0, sizeof(kept));
	for (i = 0; i < NPAGES; i++)
		kept[i % 6] += !!(sim_leaf_spte(s, (u64)i << 12) & SPTE_P);
	for (i = 0, want = 0; i < NPAGES; i++)
		want += i % 6 >= 3 && i;
	tap_ok(kept[0] == (NPAGES + 5) / 6 && kept[1] == (NPAGES + 4) / 6 &&
	       kept[2] == (NPAGES + 3) / 6 && !kept[3] && !kept[4] && !kept[5],
	       "D, U/S or XD taken away keep the SPTE (%d %d %d), another frame, A or P clear drop it (%d %d %d)",
	       kept[0], kept[1], kept[2], kept[3], kept[4], kept[5]);
	svx_prefetch_enabled = false;	/* one fault, one page */
	f = sim_touch_all(s, NPAGES, 0);
	svx_prefetch_enabled = true;
	tap_ok(f == want,
	       "supervisor reads fault only where the SPTE went (%lu, want %lu)",
	       f, want);

	/*
	 * INVPCID of one address in another PCID (page-table isolation's
	 * user PCID): that entry is rebuilt from the guest PTE, the other
	 * entries of the unsync page stay as they were (no resync).
	 */
	sim_unsync(s, ptgfn);
	for (i = 0; i < NPAGES; i++)
		pt[i] = ((u64)(256 + i) << 12) | SVX_PTE_P | SVX_PTE_RW |
			SVX_PTE_US | SVX_PTE_A | SVX_PTE_D;
	sim_reload_root(s);
	sim_touch_all(s, NPAGES, SVX_ACC_WRITE | SVX_ACC_USER);
	sim_unsync(s, ptgfn);
	pt[5] ^= 1ULL << 12;		/* page 5 now maps page 4's frame */
	pt[9] &= ~SVX_PTE_RW;
	f = s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE];
	svx_mmu_invpcid_gva(s->vcpu, 5ULL << 12);
	tap_ok((sim_leaf_spte(s, 5ULL << 12) & SPTE_P) &&
	       (sim_leaf_spte(s, 5ULL << 12) & SPTE_ADDR) ==
	       (sim_leaf_spte(s, 4ULL << 12) & SPTE_ADDR) &&
	       s->vcpu->stats.mmu[SVX_MMU_INVLPG_UPDATE] == f + 1,
	       "INVPCID of an address in another PCID rebuilds its SPTE from the new guest PTE");
	tap_ok(sim_leaf_spte(s, 9ULL << 12) & SPTE_W,
	       "and leaves the unsync page's other SPTEs alone (no resync of every unsync page)");
	sim_reload_root(s);
	sim_touch_all(s, NPAGES, SVX_ACC_USER);

	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	sim_destroy(s, NULL);
}
