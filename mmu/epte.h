/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bits of an EPT paging-structure entry the EPT MMU (mmu/ept.c) and the
 * direct-map tables (mmu/dmap.c) use (SDM Vol. 3C 29.3.2, Tables 29-1 to
 * 29-6): plain numbers, so that they also build in userspace.  They are
 * <asm/vmx.h>'s VMX_EPT_* and VMX_EPTP_* where that header has one.
 */
#ifndef SVX_MMU_EPTE_H
#define SVX_MMU_EPTE_H

#include <linux/bits.h>

#define EPTE_R		BIT_ULL(0)
#define EPTE_W		BIT_ULL(1)
#define EPTE_X		BIT_ULL(2)
#define EPTE_RWX	(EPTE_R | EPTE_W | EPTE_X)
#define EPTE_LARGE	BIT_ULL(7)	/* leaf in a level-2 or level-3 entry */
#define EPTE_PINNED	BIT_ULL(52)	/* software: leaf holds a page pin */
#define EPTE_ADDR	0x000ffffffffff000ULL
#define EPTE_TABLE	EPTE_RWX
#define EPTE_MT_WB	(6ULL << 3)	/* leaf memory type: write-back */
#define EPTE_IPAT	BIT_ULL(6)	/* ignore the guest's PAT */

/* The EPT pointer (SDM 25.6.11). */
#define EPTP_MT_WB	6ULL		/* paging structures: write-back */
#define EPTP_PWL_4	(3ULL << 3)	/* 4-level walk */
#define EPTP_AD		BIT_ULL(6)	/* accessed and dirty flags */

#endif /* SVX_MMU_EPTE_H */
