// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walker (Intel SDM Vol. 3A chapter 4); the contract is
 * at the top of walker.h.
 *
 * This file owns what does not depend on the entry format:
 *
 *  - svx_walk_addr() picks the paging mode from CR4.PAE, EFER.LMA and
 *    CR4.LA57, derives the mode's reserved-bit masks from MAXPHYADDR,
 *    EFER.NXE, CR4.PSE and 1-GByte page support (struct svx_walk_fmt), and
 *    runs the walk of that format;
 *  - svx_permission_fault() is SDM 4.6 (U/S, R/W, XD, CR0.WP, SMEP, SMAP
 *    with RFLAGS.AC and implicit accesses);
 *  - svx_fault_error_code() is SDM 4.7;
 *  - the PAE PDPTE registers: svx_walk_load_pdptes().
 *
 * The walks themselves are paging_tmpl.h, included once per format:
 * svx_paging32_walk(), svx_paging_pae_walk() and svx_paging64_walk()
 * (mmu/mmu.c includes the template's other part, the shadow MMU's fault,
 * fetch and sync per format).  Order of checks, as the CPU: per level
 * top-down, a clear P ends the walk with a not-present fault (reserved
 * bits of a non-present entry are ignored), then a reserved bit ends it
 * with P|RSVD; the permissions of all levels are combined and checked at
 * the leaf; only a successful walk sets A/D.
 */
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "walker.h"

/* Address bits of a 64-bit-format entry, before MAXPHYADDR (SDM 4.5). */
#define SVX_PT64_ADDR_MASK	0x000ffffffffff000ULL

/* What the control registers make of the entry format, for one walk. */
struct svx_walk_fmt {
	u64 high_rsvd;		/* PAE/64: address bits >= MAXPHYADDR, XD if !NXE */
	u64 pdpte_rsvd;		/* PAE: reserved bits of a PDPTE */
	u64 large_rsvd;		/* 32-bit: reserved bits of a 4-MByte PDE */
	u64 nx_mask;		/* XD when EFER.NXE = 1, else 0 */
	u64 cr3_mask;		/* table address bits of CR3 */
	int large_level;	/* highest level where PS = 1 maps a page */
	bool pse;		/* 32-bit: CR4.PSE */
	bool gbpages;		/* 64: 1-GByte pages */
};

/* Bits @lo..@hi set; 0 when @hi < @lo (e.g. MAXPHYADDR = 52). */
static __always_inline u64 svx_rsvd_bits(unsigned int lo, unsigned int hi)
{
	if (hi < lo)
		return 0;
	return ((2ULL << (hi - lo)) - 1) << lo;
}

/* The permissions one entry grants, as SVX_ACC_* bits. */
static __always_inline u32 svx_gpte_access(const struct svx_walk_fmt *f,
					   u64 pte)
{
	u32 acc = SVX_ACC_FETCH;

	if (pte & SVX_PTE_RW)
		acc |= SVX_ACC_WRITE;
	if (pte & SVX_PTE_US)
		acc |= SVX_ACC_USER;
	if (pte & f->nx_mask)
		acc &= ~SVX_ACC_FETCH;
	return acc;
}

/*
 * SDM 4.6: may @access (normalised: USER only for CPL-3 explicit accesses,
 * never WRITE with FETCH) use a translation whose combined permissions are
 * @pte_access?  Returns 0 or SVX_PFERR_PRESENT (a protection violation).
 */
static __always_inline u32 svx_permission_fault(const struct svx_walk_env *env,
						u32 pte_access, u32 access)
{
	bool user_page = pte_access & SVX_ACC_USER;

	if (access & SVX_ACC_FETCH) {
		if (!(pte_access & SVX_ACC_FETCH))
			return SVX_PFERR_PRESENT;
		if (access & SVX_ACC_USER)
			return user_page ? 0 : SVX_PFERR_PRESENT;
		/* SMEP: no supervisor fetch from a user-mode address. */
		return user_page && (env->cr4 & SVX_CR4_SMEP) ?
		       SVX_PFERR_PRESENT : 0;
	}
	if (access & SVX_ACC_USER) {
		if (!user_page)
			return SVX_PFERR_PRESENT;
		if ((access & SVX_ACC_WRITE) && !(pte_access & SVX_ACC_WRITE))
			return SVX_PFERR_PRESENT;
		return 0;
	}
	/*
	 * Supervisor data access.  SMAP: a user-mode address only with
	 * RFLAGS.AC = 1 and an explicit access; writes then follow CR0.WP.
	 */
	if (user_page && (env->cr4 & SVX_CR4_SMAP) &&
	    ((access & SVX_ACC_IMPLICIT) || !(env->rflags & SVX_RFLAGS_AC)))
		return SVX_PFERR_PRESENT;
	if ((access & SVX_ACC_WRITE) && !(pte_access & SVX_ACC_WRITE) &&
	    (env->cr0 & SVX_CR0_WP))
		return SVX_PFERR_PRESENT;
	return 0;
}

/*
 * SDM 4.7: the #PF error code for @access given the cause bits @err (0 for
 * not present, P for a protection violation, P|RSVD).  I/D is reported only
 * with SMEP, or with NXE under PAE or 4/5-level paging (CR4.PAE = 1).
 */
static u32 svx_fault_error_code(const struct svx_walk_env *env, u32 access,
				u32 err)
{
	err |= access & (SVX_ACC_WRITE | SVX_ACC_USER);
	if ((access & SVX_ACC_FETCH) &&
	    ((env->cr4 & SVX_CR4_SMEP) ||
	     ((env->cr4 & SVX_CR4_PAE) && (env->efer & SVX_EFER_NXE))))
		err |= SVX_PFERR_FETCH;
	return err;
}

#define PTTYPE 32
#include "paging_tmpl.h"
#undef PTTYPE

#define PTTYPE SVX_PT_PAE
#include "paging_tmpl.h"
#undef PTTYPE

#define PTTYPE 64
#include "paging_tmpl.h"
#undef PTTYPE

static unsigned int svx_walk_maxphyaddr(const struct svx_walk_env *env)
{
	unsigned int m = env->maxphyaddr;

	return m < 32 ? 32 : m > 52 ? 52 : m;
}

u64 svx_walk_pdpte_rsvd(const struct svx_walk_env *env)
{
	return svx_rsvd_bits(svx_walk_maxphyaddr(env), 63) |
	       svx_rsvd_bits(5, 8) | svx_rsvd_bits(1, 2);
}

int svx_walk_addr(const struct svx_walk_env *env, u64 gva, u32 access,
		  struct svx_walk *w)
{
	unsigned int m = svx_walk_maxphyaddr(env);
	struct svx_walk_fmt f;

	/* No memset: it would cost a third of a hot walk (see walker.h). */
	w->gpa = 0;
	w->pte_access = 0;
	w->fault = false;
	w->outside = false;
	w->error_code = 0;
	w->fault_addr = 0;
	/* Implicit accesses are supervisor accesses; a fetch is a read. */
	if (access & SVX_ACC_IMPLICIT)
		access &= ~SVX_ACC_USER;
	if (access & SVX_ACC_FETCH)
		access &= ~SVX_ACC_WRITE;
	f.nx_mask = (env->efer & SVX_EFER_NXE) ? SVX_PTE_XD : 0;
	f.gbpages = env->gbpages;
	f.pse = env->cr4 & SVX_CR4_PSE;
	f.cr3_mask = SVX_PT64_ADDR_MASK & ~svx_rsvd_bits(m, 63);

	if (!(env->cr4 & SVX_CR4_PAE)) {
		/* 32-bit paging: PA at most 40 bits (PSE-36). */
		m = m > 40 ? 40 : m;
		f.large_rsvd = BIT_ULL(21) | svx_rsvd_bits(m - 19, 20);
		f.nx_mask = 0;
		f.cr3_mask = 0xfffff000ULL;
		f.large_level = f.pse ? 2 : 1;
		w->gva = gva & 0xffffffffULL;
		w->root_level = 2;
		return svx_paging32_walk(env, &f, w->gva, access, w);
	}
	f.high_rsvd = f.nx_mask ? 0 : SVX_PTE_XD;
	if (!(env->efer & SVX_EFER_LMA)) {
		/* PAE paging: bits 62:MAXPHYADDR are reserved. */
		f.high_rsvd |= svx_rsvd_bits(m, 62);
		f.pdpte_rsvd = svx_walk_pdpte_rsvd(env);
		f.large_level = 2;
		w->gva = gva & 0xffffffffULL;
		w->root_level = 3;
		return svx_paging_pae_walk(env, &f, w->gva, access, w);
	}
	/* 4/5-level paging: bits 51:MAXPHYADDR; 62:52 are ignored. */
	f.high_rsvd |= svx_rsvd_bits(m, 51);
	/* PS at level 3 without 1-GByte pages is a reserved bit. */
	f.large_level = 3;
	w->gva = gva;
	w->root_level = (env->cr4 & SVX_CR4_LA57) ? 5 : 4;
	return svx_paging64_walk(env, &f, gva, access, w);
}

int svx_walk_load_pdptes(struct svx_walk_env *env)
{
	u64 base = env->cr3 & 0xffffffe0ULL, rsvd = svx_walk_pdpte_rsvd(env);
	u64 pdpte[4];
	int i;

	for (i = 0; i < 4; i++) {
		if (env->read_gpa(env->ctx, base + 8 * i, &pdpte[i], 8))
			return -EFAULT;
		if ((pdpte[i] & SVX_PTE_P) && (pdpte[i] & rsvd))
			return 1;
	}
	memcpy(env->pdptrs, pdpte, sizeof(pdpte));
	return 0;
}
