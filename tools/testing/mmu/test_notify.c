// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier's side of mmu/mmu.c (suite mmu_notifier):
 * svx_mmu_zap_gfn_range() drops the mappings of the gfns given (at
 * shadow-page granularity: a level-1 shadow page with one of them goes
 * whole; one without any stays), and a fault that overlaps an invalidation
 * installs nothing: one running while it runs (mmu_invalidate_in_progress)
 * or one that pinned its page before an invalidation started and ended
 * (mmu_invalidate_seq moved; the race is played by a hook in the pin).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "mmu_internal.h"
#include "walker.h"
#include "mmu_sim.h"

/* GVA i << 12 -> gfn 256 + i (sim_gen_flat); two guest page tables. */
#define NPAGES	600
#define GFN0	256
#define GFN1	(GFN0 + 512)	/* first gfn of the second table */
#define N1	(NPAGES - 512)

/* An invalidation that starts and ends while the fault holds its pin. */
static void invalidate_during_pin(struct sim *s)
{
	s->vm->mmu_invalidate_seq++;
}

TAP_SUITE(mmu_notifier)
{
	struct sim *s = sim_create(tap_seed());
	unsigned long fixed, viol0;
	unsigned long pinned;
	int i, r;

	sim_gen_flat(s, NPAGES);
	for (i = 0; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	viol0 = s->st.violations;
	tap_ok(sim_pins(s, GFN0, NPAGES) >= NPAGES && s->vm->pages_pinned >= NPAGES,
	       "%d guest pages mapped: %d pins, pages_pinned %lu", NPAGES,
	       sim_pins(s, GFN0, NPAGES), s->vm->pages_pinned);

	pinned = s->vm->pages_pinned;
	svx_mmu_zap_gfn_range(s->vm, GFN1, GFN1 + N1);
	tap_ok(sim_pins(s, GFN1, N1) == 0 && sim_pins(s, GFN0, 512) == 512 &&
	       s->vm->pages_pinned == pinned - N1,
	       "zap of gfns [%#x, %#x): their pins dropped (%d left), the other table's kept (%d), pages_pinned %lu -> %lu",
	       GFN1, GFN1 + N1, sim_pins(s, GFN1, N1), sim_pins(s, GFN0, 512), pinned,
	       s->vm->pages_pinned);
	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's after the range zap");
	for (i = 512; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	tap_ok(sim_pins(s, GFN1, N1) == N1,
	       "the guest's next accesses map (and pin) the zapped gfns again: %d pins",
	       sim_pins(s, GFN1, N1));

	/* A fault while an invalidation runs: retried, nothing installed. */
	svx_mmu_zap_gfn_range(s->vm, GFN0, GFN0 + 8);
	s->vm->mmu_invalidate_in_progress++;
	fixed = sim_faults_fixed(s);
	pinned = s->vm->pages_pinned;
	r = sim_fault(s, 0, 0);
	tap_ok(r == SVX_RESUME && sim_faults_fixed(s) == fixed &&
	       s->vm->pages_pinned == pinned && sim_pins(s, GFN0, 8) == 0,
	       "a fault during an invalidation installs nothing and keeps no pin (r %d, pins %d)",
	       r, sim_pins(s, GFN0, 8));
	s->vm->mmu_invalidate_in_progress--;
	s->vm->mmu_invalidate_seq++;

	/* A fault whose pin an invalidation overtook: retried. */
	sim_pin_hook = invalidate_during_pin;
	r = sim_fault(s, 0, 0);
	sim_pin_hook = NULL;
	tap_ok(r == SVX_RESUME && sim_faults_fixed(s) == fixed &&
	       s->vm->pages_pinned == pinned && sim_pins(s, GFN0, 8) == 0,
	       "a fault that pinned before an invalidation ran installs nothing and keeps no pin (r %d, pins %d)",
	       r, sim_pins(s, GFN0, 8));
	r = sim_fault(s, 0, 0);
	tap_ok(r == SVX_RESUME && sim_faults_fixed(s) == fixed + 1 &&
	       s->pins[GFN0] == 1,
	       "the retried fault installs the page (fixed %lu -> %lu, pin %d)",
	       fixed, sim_faults_fixed(s), s->pins[GFN0]);
	sim_check(s);
	tap_ok(s->st.violations == viol0, "shadow tables consistent at the end");

	svx_mmu_zap_gfn_range(s->vm, 0, ~0ULL);
	tap_ok(s->vm->pages_pinned == 0 && sim_pins(s, 0, SIM_RAM_PAGES) == 0,
	       "zap of every gfn: no pin left (pages_pinned %lu)",
	       s->vm->pages_pinned);
	sim_destroy(s, NULL);
}

/*
 * A memslot delete zaps everything; the nonpaging map is replaced by a
 * fresh tree.  With no memory for one, the old tree (and every page pin
 * under it) must still go: the spare tree made beforehand
 * (svx_mmu_zap_prepare(), before the memslot change is committed) is
 * used, and preparing again fails cleanly while memory is short.
 */
/* Pin calls counted by the hook (prefetch_pins). */
static unsigned long pin_calls;

static void count_pin(struct sim *s)
{
	(void)s;
	pin_calls++;
}

/*
 * A fault whose neighbours are mapped already takes one pin, its own: the
 * prefetch skips a present SPTE before it pins the page behind the guest
 * PTE (as KVM's FNAME(pte_prefetch)).  The pattern of harness W10 and of
 * a guest filling a page table one PTE per fault: each refault used to pin
 * and unpin up to 7 neighbours for nothing.
 */
TAP_SUITE(prefetch_pins)
{
	struct sim *s = sim_create(tap_seed());
	unsigned long fixed, viol0;
	int i, bad = 0;

	sim_gen_flat(s, 512);
	for (i = 0; i < 512; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	viol0 = s->st.violations;
	fixed = sim_faults_fixed(s);
	tap_ok(fixed == 512 / 8,
	       "512 PTEs, accessed in order: %lu faults (the prefetch maps the group of 8)",
	       fixed);
	sim_pin_hook = count_pin;
	pin_calls = 0;
	for (i = 0; i < 512; i++) {
		sim_zap_leaf(s, (u64)i << 12);
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	}
	sim_pin_hook = NULL;
	tap_ok(sim_faults_fixed(s) - fixed == 512 && pin_calls == 512,
	       "SPTE dropped + access of each: %lu faults, %lu pins taken (one each: the 7 mapped neighbours are not pinned)",
	       sim_faults_fixed(s) - fixed, pin_calls);
	for (i = 0; i < 512; i++)
		bad += s->pins[GFN0 + i] != 1;
	sim_check(s);
	tap_ok(!bad && s->st.violations == viol0,
	       "every page held by exactly one pin (%d not), shadow tables consistent",
	       bad);
	sim_destroy(s, NULL);
}

TAP_SUITE(zap_all_without_memory)
{
	struct sim *s = sim_create(tap_seed());
	int i, r, faulted = 0;

	sim_gen_flat(s, 16);
	s->vcpu->cr0 &= ~SVX_CR0_PG;
	svx_mmu_reset_context(s->vcpu);
	for (i = 0; i < 64; i++)
		faulted += sim_fault(s, (u64)(GFN0 + i) << 12, 0) == SVX_RESUME;
	tap_ok(faulted == 64 && sim_pins(s, GFN0, 64) == 64,
	       "nonpaging map: 64 guest-physical pages mapped, %d pinned",
	       sim_pins(s, GFN0, 64));

	r = svx_mmu_zap_prepare(s->vm);
	sim_fail_tables = true;
	svx_mmu_zap_all(s->vm);
	tap_ok(r == 0 && sim_pins(s, GFN0, 64) == 0 && s->vm->pages_pinned == 0,
	       "zap with every allocation failing: %d pins left, pages_pinned %lu",
	       sim_pins(s, GFN0, 64), s->vm->pages_pinned);
	r = svx_mmu_zap_prepare(s->vm);
	tap_ok(r == -ENOMEM, "preparing the next zap without memory: %d", r);
	sim_fail_tables = false;
	r = svx_mmu_zap_prepare(s->vm);
	faulted = sim_fault(s, (u64)GFN0 << 12, 0) == SVX_RESUME;
	tap_ok(r == 0 && faulted && sim_pins(s, GFN0, 1) == 1,
	       "with memory back: prepared (%d), and the guest maps again", r);
	sim_destroy(s, NULL);
}

/*
 * Every fallible operation of a fresh nonpaging tree (svx_new_tree(), six
 * table pages) and of a nonpaging fault fails in turn (sim_fail_nth): no
 * table page leaked, the fault -ENOMEM and with memory back mapped.
 */
TAP_SUITE(fail_nth_tree_and_fault)
{
	struct sim *s = sim_create(tap_seed());
	long live0, leaked = 0, wrong = 0, n;
	int r;

	sim_gen_flat(s, 16);
	s->vcpu->cr0 &= ~SVX_CR0_PG;
	svx_mmu_reset_context(s->vcpu);
	for (n = 1; n <= 64; n++) {
		unsigned long in_use0 = s->vm->sp_in_use;
		u64 *t;

		live0 = sim_tables_live;
		sim_fail_nth = n;
		t = svx_new_tree(s->vm);
		if (sim_fail_nth) {		/* not reached: done */
			sim_fail_nth = 0;
			svx_free_tree(s->vm, t, 4);
			break;
		}
		if (t) {
			wrong++;
			svx_free_tree(s->vm, t, 4);
		}
		if (sim_tables_live != live0 || s->vm->sp_in_use != in_use0)
			leaked++;
	}
	tap_ok(n > 1 && n < 64 && !leaked && !wrong,
	       "fresh tree: each of its %ld table pages failing: NULL, no page leaked (%ld leaks, %ld wrong results)",
	       n - 1, leaked, wrong);
	leaked = wrong = 0;
	for (n = 1; n <= 256; n++) {
		svx_mmu_zap_prepare(s->vm);
		svx_mmu_zap_all(s->vm);
		svx_mmu_zap_prepare(s->vm);
		sim_fail_nth = n;
		r = sim_fault(s, (u64)GFN0 << 12, 0);
		if (sim_fail_nth) {
			sim_fail_nth = 0;
			break;
		}
		if (r != SVX_RESUME && r != -ENOMEM)
			wrong++;
		if (r == -ENOMEM && sim_fault(s, (u64)GFN0 << 12, 0) != SVX_RESUME)
			wrong++;
		if (sim_pins(s, GFN0, 1) != 1)
			wrong++;
	}
	tap_ok(n > 1 && n < 256 && !wrong,
	       "nonpaging fault: each of its %ld fallible operations failing: -ENOMEM then mapped (%ld wrong)",
	       n - 1, wrong);
	sim_destroy(s, NULL);
}

/*
 * A random sequence (200 steps: accesses, guest page-table writes, INVLPG,
 * CR3 switches, zaps) in each paging mode, with its Nth fallible operation
 * failing, for every N the sequence reaches: a fault that fails -ENOMEM is
 * retried (as the VMM reruns KVM_RUN), and the shadow tables stay
 * consistent with the guest's, with nothing leaked or left pinned at VM
 * destruction (sim_destroy()'s checks).
 */
TAP_SUITE(fail_nth_random_sequences)
{
	u64 seed = tap_seed();
	int mode;

	for (mode = 0; mode < SIM_NR_MODES; mode++) {
		struct sim_stats acc = { 0 };
		long n, bad_n = 0;

		for (n = 1; n <= 4000; n++) {
			struct sim *s = sim_create(seed + mode);
			unsigned long v0;
			int i;

			sim_gen_world(s, (enum sim_mode)mode, 2);
			v0 = s->st.violations;
			sim_fail_fired = false;
			sim_fail_nth = n;
			for (i = 0; i < 200; i++)
				sim_step(s);
			sim_check(s);
			i = sim_fail_nth != 0;
			sim_fail_nth = 0;
			if (s->st.violations != v0 && !bad_n)
				bad_n = n;
			sim_destroy(s, &acc);
			if (i)
				break;
		}
		tap_ok(n > 10 && n < 4000 && !acc.violations,
		       "%s: each of %ld fallible operations failing: %lu violations (first at N=%ld)",
		       sim_mode_name[mode], n - 1, acc.violations, bad_n);
	}
}
