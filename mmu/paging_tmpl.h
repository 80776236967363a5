/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest page-table walker, one instance per guest entry format, in the
 * style of KVM's paging_tmpl.h.  walker.c includes this file once for each
 * PTTYPE:
 *
 *   PTTYPE 32           32-bit paging: 2 levels of 4-byte entries, 10 index
 *                       bits per level, 4-MByte pages with CR4.PSE (PSE-36
 *                       address bits 39:32 in PDE bits 20:13).
 *   PTTYPE SVX_PT_PAE   PAE paging: the 4 PDPTE registers, then 2 levels of
 *                       8-byte entries, 9 index bits, 2-MByte pages.
 *   PTTYPE 64           4-level (5-level with CR4.LA57) paging: 8-byte
 *                       entries, 9 index bits, 2-MByte and 1-GByte pages.
 *
 * Every name defined here is prefixed through FNAME() and every macro is
 * undefined at the end, so the instances do not collide.  The caller
 * (svx_walk_addr) has normalised the access and filled struct svx_walk_fmt
 * with what the mode's control bits imply; the permission check and the
 * error code are mode-independent and live in walker.c.
 */

#if PTTYPE == 32
#define pt_element_t		u32
#define FNAME(name)		svx_paging32_##name
#define PT_LEVEL_BITS		10
#define PT_HAVE_PDPTR		0
#elif PTTYPE == SVX_PT_PAE
#define pt_element_t		u64
#define FNAME(name)		svx_paging_pae_##name
#define PT_LEVEL_BITS		9
#define PT_HAVE_PDPTR		1
#elif PTTYPE == 64
#define pt_element_t		u64
#define FNAME(name)		svx_paging64_##name
#define PT_LEVEL_BITS		9
#define PT_HAVE_PDPTR		0
#else
#error "paging_tmpl.h: unknown PTTYPE"
#endif

#define PT_ENTRIES		BIT(PT_LEVEL_BITS)
#define PT_LEVEL_SHIFT(level)	(12 + ((level) - 1) * PT_LEVEL_BITS)
#define PT_INDEX(addr, level)	\
	((unsigned int)((addr) >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1))

/* Bits that must be 0 in a present entry at @level (SDM 4.3, 4.4, 4.5). */
static __always_inline u64 FNAME(rsvd_bits)(const struct svx_walk_fmt *f,
					    int level, u64 pte)
{
#if PTTYPE == 32
	/* 4-KByte PTEs and PDEs referencing a table: none. */
	if (level == 2 && f->pse && (pte & SVX_PTE_PS))
		return f->large_rsvd;
	return 0;
#else
	switch (level) {
	case 1:
		return f->high_rsvd;
	case 2:
		return (pte & SVX_PTE_PS) ? f->high_rsvd | svx_rsvd_bits(13, 20)
					  : f->high_rsvd;
#if PTTYPE == 64
	case 3:
		if (!(pte & SVX_PTE_PS))
			return f->high_rsvd;
		/* Without 1-GByte pages, PS itself is reserved. */
		return f->gbpages ? f->high_rsvd | svx_rsvd_bits(13, 29)
				  : f->high_rsvd | SVX_PTE_PS;
#endif
	default:
		/* PML4E/PML5E: PS (bit 7) is reserved. */
		return f->high_rsvd | SVX_PTE_PS;
	}
#endif
}

/* Does @pte, present and valid at @level, map a page (end the walk)? */
static __always_inline bool FNAME(is_last)(const struct svx_walk_fmt *f,
					   int level, u64 pte)
{
	return level == 1 || (level <= f->large_level && (pte & SVX_PTE_PS));
}

/* Guest-physical address that the leaf @pte at @level maps @addr to. */
static __always_inline u64 FNAME(leaf_gpa)(int level, u64 pte, u64 addr)
{
	u64 offset = addr & ((1ULL << PT_LEVEL_SHIFT(level)) - 1);

#if PTTYPE == 32
	if (level == 2)
		/* PSE-36: PA 39:32 in bits 20:13 (reserved above MAXPHYADDR). */
		return (pte & 0xffc00000ULL) | ((pte & 0x1fe000ULL) << 19) |
		       offset;
	return (pte & 0xfffff000ULL) | offset;
#else
	return (pte & SVX_PT64_ADDR_MASK &
		~((1ULL << PT_LEVEL_SHIFT(level)) - 1)) | offset;
#endif
}

/* Address of the table a non-leaf @pte references. */
static __always_inline u64 FNAME(table_gpa)(u64 pte)
{
#if PTTYPE == 32
	return pte & 0xfffff000ULL;
#else
	return pte & SVX_PT64_ADDR_MASK;
#endif
}

/*
 * Set A in every entry of the walk and D in the leaf for a write, each with
 * a compare-exchange of the value the walk read.  0: done; 1: an entry
 * changed under us, walk again; -EFAULT.  The PDPTE registers have no A.
 */
static int FNAME(update_ad)(const struct svx_walk_env *env,
			    struct svx_walk *w, bool write)
{
	int level, r;

	for (level = w->root_level; level >= w->level; level--) {
		pt_element_t old = (pt_element_t)w->pte[level];
		pt_element_t new = old | SVX_PTE_A;

		if (PT_HAVE_PDPTR && level == 3)
			continue;
		if (level == w->level && write)
			new |= SVX_PTE_D;
		if (new == old)
			continue;
		r = env->cmpxchg_gpa(env->ctx, w->pte_gpa[level], old, new,
				     sizeof(pt_element_t));
		if (r)
			return r < 0 ? -EFAULT : 1;
		w->pte[level] = new;
	}
	return 0;
}

static int FNAME(walk)(const struct svx_walk_env *env,
		       const struct svx_walk_fmt *f, u64 addr, u32 access,
		       struct svx_walk *w)
{
	u64 table, pte_gpa, val;
	pt_element_t pte;
	u32 pte_access, err;
	int level;

retry:
	pte_access = SVX_ACC_WRITE | SVX_ACC_USER | SVX_ACC_FETCH;
	level = w->root_level;
#if PT_HAVE_PDPTR
	/* Level 3: the PDPTE registers (SDM 4.4.1), indexed by bits 31:30. */
	pte = env->pdptrs[PT_INDEX(addr, 3) & 3];
	w->pte[3] = pte;
	w->pte_gpa[3] = (env->cr3 & 0xffffffe0ULL) + 8 * (PT_INDEX(addr, 3) & 3);
	w->table_gfn[3] = w->pte_gpa[3] >> 12;
	if (unlikely(!(pte & SVX_PTE_P))) {
		err = 0;
		goto fault;
	}
	if (unlikely(pte & f->pdpte_rsvd)) {
		err = SVX_PFERR_PRESENT | SVX_PFERR_RSVD;
		goto fault;
	}
	table = FNAME(table_gpa)(pte);
	level = 2;
#else
	table = env->cr3 & f->cr3_mask;
#endif
	for (;;) {
		pte_gpa = table + PT_INDEX(addr, level) * sizeof(pt_element_t);
		w->pte_gpa[level] = pte_gpa;
		w->table_gfn[level] = table >> 12;
		if (unlikely(env->read_gpa(env->ctx, pte_gpa, &val,
					   sizeof(pt_element_t))))
			return -EFAULT;
		pte = (pt_element_t)val;
		w->pte[level] = pte;
		if (unlikely(!(pte & SVX_PTE_P))) {
			err = 0;
			goto fault;
		}
		if (unlikely(pte & FNAME(rsvd_bits)(f, level, pte))) {
			err = SVX_PFERR_PRESENT | SVX_PFERR_RSVD;
			goto fault;
		}
		pte_access &= svx_gpte_access(f, pte);
		if (FNAME(is_last)(f, level, pte))
			break;
		table = FNAME(table_gpa)(pte);
		level--;
	}

	w->level = level;
	w->pte_access = pte_access;
	err = svx_permission_fault(env, pte_access, access);
	if (unlikely(err))
		goto fault;
	w->gpa = FNAME(leaf_gpa)(level, pte, addr);
	if (!(access & SVX_ACC_NO_AD)) {
		int r = FNAME(update_ad)(env, w, access & SVX_ACC_WRITE);

		if (unlikely(r > 0))
			goto retry;
		if (unlikely(r < 0))
			return r;
	}
	return 0;

fault:
	w->level = level;
	w->fault = true;
	w->error_code = svx_fault_error_code(env, access, err);
	w->fault_addr = addr;
	return 1;
}

#undef pt_element_t
#undef FNAME
#undef PT_LEVEL_BITS
#undef PT_HAVE_PDPTR
#undef PT_ENTRIES
#undef PT_LEVEL_SHIFT
#undef PT_INDEX
