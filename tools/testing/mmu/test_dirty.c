// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging in the shadow MMU (suite dirty_log): with
 * KVM_MEM_LOG_DIRTY_PAGES on the RAM slot, a gfn is mapped writable only
 * by a write fault, which sets its bit; reads set none (not even through
 * guest PTEs whose D bit is set, or the prefetch); write-protecting the
 * harvested gfns (svx_mmu_write_protect_gfn(), as core/dirty_log.c does)
 * makes the next write fault and set the bit again, and nothing else.
 * Rounds of random write sets, checked bit for bit, then the invariant
 * check of the shadow tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "walker.h"
#include "mmu_sim.h"

/* GVA i << 12 -> gfn GFN0 + i (sim_gen_flat, one guest page table). */
#define NPAGES	480
#define GFN0	256
#define ROUNDS	6
#define NBITS	SIM_RAM_PAGES
#define NLONGS	((int)(NBITS / BITS_PER_LONG))

/* Give slot 0 (RAM) the flags @flags and @bitmap, as a memslot change. */
static void set_ram_flags(struct sim *s, u32 flags, unsigned long *bitmap)
{
	const struct svx_memslot *slot = svx_memslot_by_id(s->slots, 0);
	struct kvm_userspace_memory_region req = {
		.slot = 0, .flags = flags,
		.guest_phys_addr = slot->base_gfn << SVX_PAGE_SHIFT,
		.memory_size = slot->npages << SVX_PAGE_SHIFT,
		.userspace_addr = slot->userspace_addr,
	};
	const struct svx_memslot *old;
	struct svx_memslots *next = calloc(1, sizeof(*next));
	enum svx_mr_change change;
	struct svx_memslot new;

	if (!next || svx_memslot_check(s->slots, &req,
				       KVM_MEM_READONLY |
				       KVM_MEM_LOG_DIRTY_PAGES,
				       &change, &new, &old) ||
	    change != SVX_MR_FLAGS_ONLY)
		abort();
	new.dirty_bitmap = bitmap;
	svx_memslots_apply(next, s->slots, change, 0, &new);
	free(s->slots);
	s->slots = next;
	s->vm->memslots = next;
}

/* Harvest @bm into @out and write-protect what was set: GET_DIRTY_LOG. */
static int harvest(struct sim *s, unsigned long *bm, unsigned long *out)
{
	unsigned int b;
	int i, n = 0;

	spin_lock(&s->vm->mmu_lock);
	for (i = 0; i < NLONGS; i++) {
		out[i] = bm[i];
		bm[i] = 0;
		for (b = 0; b < (unsigned int)BITS_PER_LONG; b++)
			if (out[i] & (1UL << b)) {
				svx_mmu_write_protect_gfn(s->vm,
							  (u64)i * BITS_PER_LONG + b);
				n++;
			}
	}
	spin_unlock(&s->vm->mmu_lock);
	return n;
}

static bool bit(const unsigned long *bm, u64 gfn)
{
	return bm[gfn / BITS_PER_LONG] & (1UL << (gfn % BITS_PER_LONG));
}

TAP_SUITE(dirty_log)
{
	struct sim *s = sim_create(tap_seed());
	static unsigned long bm[NLONGS], got[NLONGS];
	bool written[NPAGES];
	int i, r, n, bad, extra, missing;
	unsigned long viol0;

	sim_gen_flat(s, NPAGES);
	/* Everything mapped writable before logging starts. */
	for (i = 0; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_WRITE);
	viol0 = s->st.violations;

	/* KVM_MR_FLAGS_ONLY enabling logging: protect every gfn of the slot. */
	set_ram_flags(s, KVM_MEM_LOG_DIRTY_PAGES, bm);
	spin_lock(&s->vm->mmu_lock);
	for (i = 0, n = 0; i < SIM_RAM_PAGES; i++)
		n += svx_mmu_write_protect_gfn(s->vm, i);
	spin_unlock(&s->vm->mmu_lock);
	tap_ok(n >= NPAGES,
	       "enabling logging write-protects the %d written pages (%d SPTEs lost W)",
	       NPAGES, n);

	/* Reads that fault (nothing mapped after the zap) and prefetch. */
	svx_mmu_zap_all(s->vm);
	for (i = 0; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_USER);
	n = harvest(s, bm, got);
	tap_ok(n == 0, "read faults on %d pages (guest PTEs dirty) log nothing: %d bits",
	       NPAGES, n);

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NPAGES; i++) {
			written[i] = (rng_next(&s->rng) % 3) == 0;
			if (written[i])
				sim_access(s, (u64)i << 12,
					   SVX_ACC_WRITE | SVX_ACC_USER);
			else
				sim_access(s, (u64)i << 12, SVX_ACC_USER);
		}
		/* Write some twice: one bit, one fault. */
		for (i = 0; i < NPAGES; i += 7)
			if (written[i])
				sim_access(s, (u64)i << 12,
					   SVX_ACC_WRITE | SVX_ACC_USER);
		harvest(s, bm, got);
		extra = 0;
		missing = 0;
		for (i = 0; i < SIM_RAM_PAGES; i++) {
			bool want = i >= GFN0 && i < GFN0 + NPAGES &&
				    written[i - GFN0];

			if (want && !bit(got, i))
				missing++;
			else if (!want && bit(got, i))
				extra++;
		}
		tap_ok(!missing && !extra,
		       "round %d: the log is exactly the pages written (%d missing, %d extra)",
		       r, missing, extra);
	}

	/* Disable logging: writes map writable again and log nothing. */
	set_ram_flags(s, 0, NULL);
	for (i = 0; i < NPAGES; i++)
		sim_access(s, (u64)i << 12, SVX_ACC_WRITE | SVX_ACC_USER);
	for (i = 0, bad = 0; i < NLONGS; i++)
		bad += bm[i] != 0;
	tap_ok(!bad, "with logging off the old bitmap is not written (%d words)",
	       bad);
	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	sim_destroy(s, NULL);
}
