// SPDX-License-Identifier: GPL-2.0
/*
 * EPT leaf size selection (mmu/ept_level.c): the cases by hand, then random
 * inputs against a brute-force statement of the rule.
 */
#include <stdio.h>

#include "harness.h"
#include "ept_level.h"

#define GIB_PAGES	(1ULL << 18)
#define MIB2_PAGES	512ULL

static struct svx_ept_level_in base(void)
{
	/* a 2 GiB slot at GPA 1 GiB, 1 GiB-aligned HVA, 1 GiB backing */
	struct svx_ept_level_in in = {
		.gfn = GIB_PAGES + 12345,
		.slot_base_gfn = GIB_PAGES,
		.slot_npages = 2 * GIB_PAGES,
		.slot_hva = 0x7f0000000000ULL,
		.backing_order = 18,
		.cpu_2m = true,
		.cpu_1g = true,
	};
	return in;
}

/* The rule, level by level, written the slow way. */
static int ref_level(const struct svx_ept_level_in *in)
{
	int level;

	for (level = 3; level > 1; level--) {
		unsigned long long n = 1ULL << (9 * (level - 1));
		unsigned long long first = in->gfn / n * n, last = first + n - 1;
		unsigned long long end = in->slot_base_gfn + in->slot_npages;
		bool ok = level == 3 ? in->cpu_1g : in->cpu_2m;

		ok = ok && in->backing_order >= 9u * (level - 1);
		/* both ends of the range inside the (contiguous) slot */
		ok = ok && first >= in->slot_base_gfn && first < end &&
		     last >= in->slot_base_gfn && last < end;
		if (ok && ((in->slot_hva + ((first - in->slot_base_gfn) << 12)) %
			   (n << 12)))
			ok = false;
		if (ok)
			return level;
	}
	return 1;
}

TAP_SUITE(ept_level)
{
	struct svx_ept_level_in in;
	struct rng r = { 0x5eed1e7e1ULL };
	unsigned int i, bad = 0;

	in = base();
	tap_eq(svx_ept_max_level(&in), 3, "ept_level: 1 GiB page, whole GiB in the slot");
	in.cpu_1g = false;
	tap_eq(svx_ept_max_level(&in), 2, "ept_level: no 1 GiB EPT pages: 2 MiB");
	in = base();
	in.backing_order = 9;
	tap_eq(svx_ept_max_level(&in), 2, "ept_level: 2 MiB backing: 2 MiB");
	in.backing_order = 0;
	tap_eq(svx_ept_max_level(&in), 1, "ept_level: small backing page: 4 KiB");
	in = base();
	in.cpu_2m = false;
	in.backing_order = 9;
	tap_eq(svx_ept_max_level(&in), 1, "ept_level: no 2 MiB EPT pages, 2 MiB backing: 4 KiB");
	in = base();
	in.slot_base_gfn = GIB_PAGES + MIB2_PAGES;	/* slot starts inside the GiB */
	in.slot_hva += MIB2_PAGES << 12;
	tap_eq(svx_ept_max_level(&in), 2, "ept_level: slot starts inside the GiB: 2 MiB");
	in = base();
	in.slot_npages = GIB_PAGES - 1;		/* ends one page short */
	tap_eq(svx_ept_max_level(&in), 2, "ept_level: slot one page short of the GiB: 2 MiB");
	in.gfn = GIB_PAGES + GIB_PAGES - 2;	/* the last, partial 2 MiB */
	tap_eq(svx_ept_max_level(&in), 1, "ept_level: partial last 2 MiB: 4 KiB");
	in = base();
	in.slot_hva += MIB2_PAGES << 12;	/* HVA 2 MiB- but not 1 GiB-aligned */
	tap_eq(svx_ept_max_level(&in), 2, "ept_level: HVA aligned to 2 MiB only: 2 MiB");
	in.slot_hva += 4096;
	tap_eq(svx_ept_max_level(&in), 1, "ept_level: HVA not 2 MiB-aligned: 4 KiB");
	in = base();
	in.slot_base_gfn = 0;
	in.slot_npages = 3 * GIB_PAGES;
	in.gfn = 2 * GIB_PAGES + 5;
	in.slot_hva = 0x7f0000000000ULL;
	tap_eq(svx_ept_max_level(&in), 3, "ept_level: third GiB of a slot at GPA 0");

	for (i = 0; i < 200000; i++) {
		in.slot_base_gfn = rng_below(&r, 4 * GIB_PAGES);
		if (rng_below(&r, 2))
			in.slot_base_gfn &= ~(MIB2_PAGES - 1);
		if (rng_below(&r, 3) == 0)
			in.slot_base_gfn &= ~(GIB_PAGES - 1);
		in.slot_npages = 1 + rng_below(&r, 3 * GIB_PAGES);
		in.gfn = in.slot_base_gfn + rng_below(&r, in.slot_npages);
		in.slot_hva = (rng_below(&r, 1ULL << 35) << 12);
		if (rng_below(&r, 2))
			in.slot_hva &= ~((MIB2_PAGES << 12) - 1);
		if (rng_below(&r, 3) == 0)
			in.slot_hva &= ~((GIB_PAGES << 12) - 1);
		in.backing_order = (unsigned int[]){ 0, 9, 18, 4 }[rng_below(&r, 4)];
		in.cpu_2m = rng_below(&r, 4);
		in.cpu_1g = rng_below(&r, 4);
		if (svx_ept_max_level(&in) != ref_level(&in) && bad++ < 4)
			tap_diag("gfn %#llx slot %#llx+%#llx hva %#llx order %u 2m %d 1g %d: got %d want %d",
				 (unsigned long long)in.gfn,
				 (unsigned long long)in.slot_base_gfn,
				 (unsigned long long)in.slot_npages,
				 (unsigned long long)in.slot_hva, in.backing_order,
				 in.cpu_2m, in.cpu_1g, svx_ept_max_level(&in),
				 ref_level(&in));
	}
	tap_eq(bad, 0, "ept_level: 200000 random inputs agree with the reference");
}
