/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bits of a shadow page-table entry (SPTE), and the address field of
 * the not-present entries that cache an MMIO GPA (shadow MMIO SPTEs and
 * EPT MMIO entries).
 *
 * L1 Terminal Fault: on an affected CPU a guest access through a
 * not-present entry may speculatively read the L1D line of the host
 * physical address held in the entry's address bits.  An MMIO SPTE holds
 * a GPA the guest chose, so with the address in place a guest could read
 * any host page that happens to be in L1D.  As KVM does
 * (shadow_nonpresent_or_rsvd_mask), on an affected CPU the top
 * SVX_L1TF_SHIFT bits of the cacheable physical address range
 * (x86_cache_bits) are always set in these entries, and the GPA bits they
 * cover are moved SVX_L1TF_SHIFT bits up: the address the CPU sees lies in
 * the upper half of the cacheable range, where the kernel never puts RAM
 * on such a CPU (l1tf_pfn_limit()).  A GPA with bits at or above
 * x86_cache_bits is not cached in an MMIO entry at all (slow path).
 */
#ifndef SVX_MMU_SPTE_H
#define SVX_MMU_SPTE_H

#include <linux/bits.h>
#include <linux/types.h>

#define SPTE_P		BIT_ULL(0)
#define SPTE_W		BIT_ULL(1)
#define SPTE_U		BIT_ULL(2)
#define SPTE_A		BIT_ULL(5)
#define SPTE_D		BIT_ULL(6)
#define SPTE_PS		BIT_ULL(7)
#define SPTE_PINNED	BIT_ULL(10)	/* software: leaf holds a page pin */
/*
 * MMIO SPTE: not present, so any access faults, and marked so that the
 * fault handler knows the GPA without walking the guest's tables again.
 * Bits 51:12 hold the GPA (svx_mmio_addr()); SPTE_W and SPTE_U the guest's
 * permissions; bits 11:3 and 61:52 the low 19 bits of the memslot
 * generation it was made in: a memslot created since then may hold the gfn
 * (KVM's MMIO generation), so the entry is used only in the same
 * generation, and all SPTEs go when those 19 bits wrap
 * (svx_mmu_memslots_changed()).
 */
#define SPTE_MMIO	BIT_ULL(62)
#define SPTE_MMIO_GEN_LO	GENMASK_ULL(11, 3)
#define SPTE_MMIO_GEN_HI	GENMASK_ULL(61, 52)
#define SPTE_MMIO_GEN	(SPTE_MMIO_GEN_LO | SPTE_MMIO_GEN_HI)
#define SVX_MMIO_GEN_MASK	GENMASK_ULL(18, 0)
#define SPTE_ADDR	0x000ffffffffff000ULL
#define SPTE_TABLE	(SPTE_P | SPTE_W | SPTE_U | SPTE_A)

#define SVX_L1TF_SHIFT	5

/* Set once at module load (svx_spte_init()), read-only afterwards. */
struct svx_mmio_layout {
	bool cache;	/* MMIO entries may be made at all */
	u64 rsvd;	/* always set: the top bits of the cacheable range */
	u64 low;	/* GPA bits kept in place */
};

extern struct svx_mmio_layout svx_mmio_layout;

/*
 * @l1tf_cache_bits: 0 on a CPU without L1TF, else its x86_cache_bits.
 * Returns false if MMIO entries cannot be made safe (then none is made).
 */
bool svx_spte_init(unsigned int l1tf_cache_bits);

/* May an MMIO entry be made for @gpa? */
static inline bool svx_mmio_addr_ok(u64 gpa)
{
	const struct svx_mmio_layout *l = &svx_mmio_layout;

	return l->cache && !(gpa & SPTE_ADDR & ~(l->low | l->rsvd));
}

/* The address bits of an MMIO entry for @gpa (svx_mmio_addr_ok()). */
static inline u64 svx_mmio_addr(u64 gpa)
{
	const struct svx_mmio_layout *l = &svx_mmio_layout;

	return (gpa & l->low) | l->rsvd | ((gpa & l->rsvd) << SVX_L1TF_SHIFT);
}

/* The GPA (page) an MMIO entry @e was made for. */
static inline u64 svx_mmio_gpa(u64 e)
{
	const struct svx_mmio_layout *l = &svx_mmio_layout;

	return (e & l->low) | ((e >> SVX_L1TF_SHIFT) & l->rsvd);
}

/* The generation bits of an MMIO SPTE made in memslot generation @gen. */
static inline u64 svx_mmio_gen_bits(u64 gen)
{
	gen &= SVX_MMIO_GEN_MASK;
	return ((gen << 3) & SPTE_MMIO_GEN_LO) |
	       ((gen >> 9) << 52 & SPTE_MMIO_GEN_HI);
}

#endif
