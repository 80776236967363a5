// SPDX-License-Identifier: GPL-2.0
/*
 * EPT leaf size selection; the contract is in ept_level.h.  Host-agnostic:
 * the module's EPT fault path (mmu/ept.c) and tools/testing/mmu use it.
 */
#include "ept_level.h"

static bool svx_ept_level_fits(const struct svx_ept_level_in *in, int level)
{
	u64 pages = SVX_EPT_LEVEL_PAGES(level);
	u64 first = in->gfn & ~(pages - 1);
	u64 hva;

	if (in->backing_order < 9 * (unsigned int)(level - 1))
		return false;
	if (first < in->slot_base_gfn ||
	    first - in->slot_base_gfn > in->slot_npages ||
	    in->slot_npages - (first - in->slot_base_gfn) < pages)
		return false;
	hva = in->slot_hva + ((first - in->slot_base_gfn) << 12);
	return !(hva & ((pages << 12) - 1));
}

int svx_ept_max_level(const struct svx_ept_level_in *in)
{
	if (in->cpu_1g && svx_ept_level_fits(in, 3))
		return 3;
	if (in->cpu_2m && svx_ept_level_fits(in, 2))
		return 2;
	return 1;
}
