/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT leaf size selection (mmu/ept_level.c): which EPT level may map a GPA
 * with one entry.  Plain C over plain numbers, host-agnostic, so that
 * tools/testing/mmu tests the decision without a kernel or a 1 GiB page.
 */
#ifndef SVX_MMU_EPT_LEVEL_H
#define SVX_MMU_EPT_LEVEL_H

#include <linux/types.h>

/* Leaf levels: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB; pages per leaf. */
#define SVX_EPT_LEVEL_PAGES(level)	(1ULL << (9 * ((level) - 1)))

struct svx_ept_level_in {
	u64 gfn;		/* the faulting guest frame */
	u64 slot_base_gfn;	/* its memslot */
	u64 slot_npages;
	u64 slot_hva;		/* userspace address of slot_base_gfn */
	/*
	 * log2 of the pages in the host compound page backing @gfn (0: a
	 * small page, 9: a 2 MiB THP or hugetlb page, 18: a 1 GiB hugetlb
	 * page), as the pin of @gfn's page found it.
	 */
	unsigned int backing_order;
	bool cpu_2m, cpu_1g;	/* EPT capabilities (IA32_VMX_EPT_VPID_CAP) */
};

/*
 * The highest level (3, 2 or 1) at which one EPT entry may map @in->gfn:
 * the CPU has that page size, the memslot covers the whole aligned range
 * around @gfn, the range's userspace address is aligned alike (so guest
 * and host offsets agree), and one host compound page at least that large
 * backs it.  The caller still pins the range and checks that the frames
 * are one physically contiguous, aligned run before using a large entry.
 */
int svx_ept_max_level(const struct svx_ept_level_in *in);

#endif /* SVX_MMU_EPT_LEVEL_H */
