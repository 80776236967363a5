/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What depends on the guest's page-table entry format, one instance per
 * format, in the style of KVM's paging_tmpl.h.  The includer defines
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
 * The file has two parts.  walker.c includes the first, the guest walk
 * (FNAME(walk)): its caller (svx_walk_addr) has normalised the access and
 * filled struct svx_walk_fmt with what the mode's control bits imply; the
 * permission check and the error code are mode-independent and live in
 * walker.c.  mmu/mmu.c includes the second (PT_SHADOW_MMU defined): the
 * shadow MMU's fault of a guest with paging on (FNAME(page_fault): guest
 * walk, MMIO, write tracking and unsync, pinning, large pages, prefetch),
 * the shadow walk that builds the path to the leaf SPTE (FNAME(fetch)) and
 * the resync of an unsync shadow page with its guest table
 * (FNAME(sync_page)); what they share with every format (SPTE install,
 * MMIO SPTEs, prefetch, the reverse map, the shadow-page cache) stays in
 * mmu.c and the files beside it.  mmu.c picks the instance: by the
 * vCPU's paging mode for a fault, by the page's role for a resync.  The
 * two parts are compiled apart (walker.c stays free of the shadow MMU), so
 * FNAME(page_fault) walks through svx_walk_addr(), which runs the walk of
 * the format the control registers give: the same one.
 *
 * Every name defined here is prefixed through FNAME() and every macro is
 * undefined at the end, so the instances do not collide.
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

#ifndef PT_SHADOW_MMU
/* ---------------------------------------------------------------------- */
/* The guest walk (walker.c)                                               */

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
 * changed under us, walk again; -EFAULT: the host mapping faulted.  The
 * PDPTE registers have no A.  An entry in read-only memory (-EROFS: a
 * KVM_MEM_READONLY slot) is not updated, as KVM's walker skips a PTE it
 * cannot write (pte_writable); the walk's copy takes the bits, so a write
 * maps writable as if D were set (KVM keeps the write access too).
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
		if (r && r != -EROFS)
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
		/* A table outside guest memory: not present, as KVM's walker */
		if (unlikely(env->read_gpa(env->ctx, pte_gpa, &val,
					   sizeof(pt_element_t)))) {
			w->pte[level] = 0;
			w->outside = true;
			err = 0;
			goto fault;
		}
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
		if (unlikely(r < 0)) {	/* KVM: goto error, a #PF */
			err = 0;
			goto fault;
		}
	}
	return 0;

fault:
	w->level = level;
	w->fault = true;
	w->error_code = svx_fault_error_code(env, access, err);
	w->fault_addr = addr;
	return 1;
}

#else /* PT_SHADOW_MMU */
/* ---------------------------------------------------------------------- */
/* The shadow MMU (mmu.c): fault, fetch, sync                              */

/*
 * Walk the shadow tables for @w->gva from the root, creating the shadow
 * pages on the way; returns the leaf SPTE slot and its shadow page.
 * Under mmu_lock.
 */
static u64 *FNAME(fetch)(struct svx_vcpu *vcpu, const struct svx_walk *w,
			 bool large, struct svx_sp **leaf_sp, bool *flush)
{
	bool nxe = vcpu->efer & EFER_NX;
	u64 gva = w->gva, *table, *sptep;
	union svx_sp_role role;
	u32 perm = SVX_P_ALL;
	struct svx_sp *sp;
	int level;

	sp = svx_walk_start(vcpu, gva, &level);
	if (!sp)
		return NULL;
	sp->write_count = 0;	/* in use as a table (see svx_write_flooded) */
	table = sp->spt;
	for (; level > 1; level--) {
		unsigned int idx = (gva >> (12 + 9 * (level - 1))) & 511;
		u64 gfn;

		sptep = &table[idx];
		/*
		 * Permissions of the guest entries down to this level (the
		 * PDPTE registers have none, SDM 4.4.1).
		 */
		if (level <= w->root_level && level >= w->level &&
		    !(PT_HAVE_PDPTR && level == 3))
			perm &= svx_entry_perm(w->pte[level], nxe);
		role = svx_base_role(vcpu, level - 1);
		role.access = perm;
		if (level - 1 >= w->level) {
			/* The guest has a table at level - 1. */
			gfn = w->table_gfn[level - 1];
			/* A 32-bit page table is shadowed in two halves. */
			if (PTTYPE == 32 && level - 1 == 1)
				role.quadrant = (gva >> 21) & 1;
		} else {
			/* Inside a guest large page: map it in pieces. */
			role.access = perm & svx_entry_perm(w->pte[w->level],
							    nxe);
			role.direct = 1;
			role.dirty = !!(w->pte[w->level] & SVX_PTE_D);
			gfn = (w->gpa >> PAGE_SHIFT) &
			      ~((1ULL << (9 * (level - 1))) - 1);
		}
		/* A 2 MiB leaf here, unless a table already hangs here. */
		if (level == 2 && large &&
		    (!(*sptep & SPTE_P) || svx_is_large(*sptep))) {
			*leaf_sp = sp;
			return sptep;
		}
		if (svx_is_large(*sptep))
			svx_drop_leaf(vcpu->vm, sptep, svx_leaf_gfn(sp, idx));
		if (*sptep & SPTE_P) {
			sp = svx_spt_to_sp(*sptep);
			if (sp->gfn != gfn || sp->role.word != role.word)
				svx_unlink_spte(sptep);	/* stale: relink */
		}
		if (!(*sptep & SPTE_P)) {
			sp = svx_get_sp(vcpu, gfn, role, flush);
			/*
			 * Linked anew: what is unsync below is brought up to
			 * date first (as svx_get_sp() does for an unsync
			 * page), so the new link needs no unsync mark.
			 */
			if (sp->unsync_children &&
			    svx_sync_children(vcpu, sp))
				*flush = true;
			svx_link_spte(vcpu, sptep, sp);
		}
		sp->write_count = 0;
		table = sp->spt;
	}
	*leaf_sp = sp;
	return &table[(gva >> 12) & 511];
}

/* Remember that @w->gva is MMIO (no memslot at @w->gpa). */
static void FNAME(map_mmio)(struct svx_vcpu *vcpu, const struct svx_walk *w,
			    u64 gen)
{
	struct svx_vm *vm = vcpu->vm;
	bool flush = false;
	struct svx_sp *sp;
	u64 *sptep;

	if (!svx_mmio_addr_ok(w->gpa) || svx_mmu_topup(vcpu))
		return;
	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation == gen &&
	    vcpu->mmu.root_hpa) {
		sptep = FNAME(fetch)(vcpu, w, false, &sp, &flush);
		if (sptep)
			svx_set_mmio_spte(vm, sp, sptep, w, gen);
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
}

/*
 * Prepare the prefetch of the neighbours of the faulting 4 KiB guest PTE
 * (see struct svx_prefetch in mmu.c): read their group of guest PTEs and
 * pin the frames of those usable, as KVM's FNAME(pte_prefetch).  Inside a
 * guest large page the frames are in a row: svx_prefetch_direct().
 */
static void FNAME(pte_prefetch)(struct svx_vcpu *vcpu,
				const struct svx_walk *w,
				struct svx_prefetch *pf)
{
	unsigned int self = (w->gva >> PAGE_SHIFT) & 511, gi, j;
	pt_element_t gptes[SVX_PREFETCH];
	unsigned long busy;
	u64 table, gfn;

	pf->n = 0;
	if (!svx_prefetch_enabled)
		return;
	if (w->level != 1) {
		svx_prefetch_direct(vcpu, w, pf);
		return;
	}
	pf->direct = false;
	gi = PT_INDEX(w->gva, 1) & ~(SVX_PREFETCH - 1);
	table = (w->table_gfn[1] << PAGE_SHIFT) + gi * sizeof(pt_element_t);
	if (svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), table, gptes,
				   sizeof(gptes)))
		return;
	pf->first = gi % 512;
	busy = svx_prefetch_busy(vcpu, w->gva, pf->first);
	for (j = 0; j < SVX_PREFETCH; j++) {
		pf->pfn[j] = SVX_NO_PFN;
		pf->gpte[j] = gptes[j];
		if (pf->first + j == self || (busy & BIT(j)) ||
		    !svx_gpte_usable(vcpu, gptes[j], sizeof(pt_element_t),
				     &gfn))
			continue;
		svx_prefetch_pin(vcpu, pf, j, gfn);
	}
}

/* A shadow fault of a guest with paging on. */
static int FNAME(page_fault)(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	struct svx_vm *vm = vcpu->vm;
	u32 access = error_code & (SVX_ACC_WRITE | SVX_ACC_USER |
				   SVX_ACC_FETCH);
	bool write = error_code & SVX_PF_WRITE, flush = false;
	struct svx_memslot s;
	struct svx_walk_env env;
	struct svx_prefetch pf = { .n = 0 };
	u64 pfn2m = 0;
	bool large;
	struct svx_walk w;
	struct svx_sp *sp;
	u64 gfn, gen, *sptep, pfn;
	bool found, wp0_trick;
	unsigned long seq;
	int r;

	if (!(error_code & SVX_PF_PRESENT)) {
		u64 gpa = svx_mmio_fast(vcpu, gva, access);

		if (gpa != ~0ULL) {
			vcpu->stats.mmu[SVX_MMU_MMIO_FAST]++;
			vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
			return svx_emulate_mmio(vcpu, gva, gpa, write);
		}
	}
	svx_walk_env(vcpu, &env);
	r = svx_walk_addr(&env, gva, access, &w);
	if (r) {
		svx_inject_pf(vcpu, &w);
		return SVX_RESUME;
	}
	gfn = w.gpa >> PAGE_SHIFT;

	seq = svx_mmu_seq_begin(vm);
	found = svx_memslot_get_as(vm, svx_vcpu_as(vcpu), gfn, &s, &gen);
	if (!found || (write && (s.flags & KVM_MEM_READONLY))) {
		vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
		if (!found)
			FNAME(map_mmio)(vcpu, &w, gen);
		return svx_emulate_mmio(vcpu, gva, w.gpa, write);
	}
	if (write) {
		spin_lock(&vm->mmu_lock);
		found = svx_gfn_write_tracked(vm, gfn) &&
			!svx_try_unsync(vcpu, gfn);
		spin_unlock(&vm->mmu_lock);
		if (found) {
			vcpu->mmu.emulate_gpa = w.gpa;
			return SVX_EMULATE;
		}
	}

	r = svx_host_pin_gfn(vcpu, &s, gfn, &pfn);
	if (r)
		return r;
	r = svx_mmu_topup(vcpu);
	if (r) {
		svx_host_unpin(pfn, false);
		return r;
	}
	svx_mmu_make_room(vcpu);
	/*
	 * CR0.WP=0: a supervisor write to a read-only page is allowed.  The
	 * SPTE becomes writable and supervisor-only (the CPU runs with
	 * WP=1); a user access faults and gets the guest's permissions
	 * back.  With CR4.SMEP the guest's kernel may not execute the page
	 * it now sees as supervisor: XD (the CPU's EFER.NXE is always on
	 * under shadow paging).  CR4.SMAP: the role keeps such pages apart
	 * (smap_andnot_wp); like KVM, a supervisor read with EFLAGS.AC=0 of
	 * a page converted by a write with AC=1 is not faulted.
	 */
	wp0_trick = !(vcpu->cr0 & X86_CR0_WP) && write &&
		    !(access & SVX_ACC_USER) &&
		    !(w.pte_access & SVX_ACC_WRITE);
	/* A guest page of 2 MiB or more that one 2 MiB host page backs. */
	pf.n = 0;
	large = false;
	if (svx_large_sptes_enabled && w.level >= 2 && !wp0_trick &&
	    !(s.flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		/*
		 * Not over a guest table (checked again below, under the
		 * same lock as the install): no 512 pins to drop at once.
		 */
		spin_lock(&vm->mmu_lock);
		r = svx_mmu_bug(SVX_BUG_LARGE_OVER_TABLE) ||
		    !svx_range_shadowed(vm, gfn & ~511ULL);
		spin_unlock(&vm->mmu_lock);
		if (r)
			r = svx_host_pin_2m(vcpu, &s, gfn & ~511ULL, pfn,
					    &pfn2m);
		if (r < 0) {
			svx_host_unpin(pfn, false);
			return r;
		}
		large = r;
	}
	if (!large)
		FNAME(pte_prefetch)(vcpu, &w, &pf);

	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation != gen ||
	    svx_mmu_seq_retry(vm, seq) || !vcpu->mmu.root_hpa) {
		spin_unlock(&vm->mmu_lock);
		svx_host_unpin(pfn, false);
		if (large)
			svx_host_unpin_2m(pfn2m, false);
		svx_prefetch_release(&pf);
		return SVX_RESUME;
	}
	/* Not over a guest table: its writes must trap 4 KiB at a time. */
	sptep = FNAME(fetch)(vcpu, &w, large &&
			     (svx_mmu_bug(SVX_BUG_LARGE_OVER_TABLE) ||
			      !svx_range_shadowed(vm, gfn & ~511ULL)),
			     &sp, &flush);
	if (!sptep) {
		spin_unlock(&vm->mmu_lock);
		svx_host_unpin(pfn, false);
		if (large)
			svx_host_unpin_2m(pfn2m, false);
		svx_prefetch_release(&pf);
		vcpu->mmu.root_hpa = 0;
		return SVX_RESUME;
	}
	if (large && sp->role.level == 2)
		return svx_install_large(vcpu, &w, sp, sptep, pfn, pfn2m,
					 s.flags & KVM_MEM_READONLY, flush);
	if (large)	/* mapped in 4 KiB pieces: add one (clean unpin) */
		svx_host_unpin_2m(pfn2m, false);
	svx_set_fault_spte(vcpu, gva, &w, sp, sptep, pfn, &s, write,
			   wp0_trick);
	svx_prefetch_install(vcpu, sp, &pf, SVX_MMU_PREFETCH);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	return SVX_RESUME;
}

/*
 * Must the SPTE @spte at @sp's entry for frame @gfn go, now that the guest
 * PTE holds @gpte: an MMIO SPTE (it faults again), a PTE the CPU would not
 * use (not present, not accessed, reserved bits) or one that maps another
 * frame.  KVM's FNAME(prefetch_invalid_gpte) and its gfn check.
 */
static bool FNAME(spte_gone)(struct svx_vcpu *vcpu, u64 spte, u64 gfn,
			     pt_element_t gpte)
{
	u64 g;

	if (!(spte & SPTE_P))		/* MMIO SPTE: let it fault again */
		return true;
	return !svx_gpte_usable(vcpu, gpte, sizeof(pt_element_t), &g) ||
	       g != gfn;
}

/*
 * The kept SPTE @spte at @sp's entry @i with the permissions guest PTE
 * @gpte grants now, as KVM's FNAME(sync_page) rebuilds it (make_spte()
 * with the new access): U and XD from the PTE and the role, W (and D)
 * only once the PTE is writable and dirty, the memslot writable and not
 * logged, and the frame not a shadowed guest table.  Permissions the guest
 * added are granted: the access after the resync does not fault for
 * them.  A supervisor-only writable SPTE that CR0.WP=0 made of a read-only
 * user page (FNAME(page_fault)) becomes what its PTE says again, as in
 * KVM.  A W granted here is in the reverse map: while the vCPU's cache
 * (svx_mmu_topup()) has descriptors for it; one it cannot record is left
 * to the write fault.  mmu_lock.
 */
static u64 FNAME(spte_synced)(struct svx_vcpu *vcpu, struct svx_sp *sp,
			      unsigned int i, u64 spte, pt_element_t gpte)
{
	struct svx_vm *vm = vcpu->vm;
	u64 n = spte & ~(SPTE_U | SVX_PTE_XD), gen;
	struct svx_memslot s;

	if ((sp->role.access & SVX_P_U) && (gpte & SVX_PTE_US))
		n |= SPTE_U;
	if ((vcpu->efer & EFER_NX) &&
	    (!(sp->role.access & SVX_P_X) || (gpte & SVX_PTE_XD)))
		n |= SVX_PTE_XD;
	if (!(sp->role.access & SVX_P_W) || !(gpte & SVX_PTE_RW) ||
	    !(gpte & SVX_PTE_D))
		return n & ~(SPTE_W | SPTE_D);
	if (spte & SPTE_W)
		return n;
	if (svx_memslot_get_as(vm, svx_sp_as(sp), sp->gfns[i], &s, &gen) &&
	    svx_mmu_dirty_ok(&s, false) &&
	    !svx_gfn_write_tracked(vm, sp->gfns[i]) &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, sp->gfns[i], &sp->spt[i]))
		n |= SPTE_W | SPTE_D;
	return n;
}

/*
 * Bring the SPTEs of unsync level-1 page @sp up to date with its guest
 * table; mmu_lock.  As KVM's FNAME(sync_page), an SPTE whose guest PTE
 * still maps the same frame is rewritten in place with what the PTE now
 * allows (e.g. W cleared by a fork's write protection, or W, U, X the
 * guest added: FNAME(spte_synced)), keeping its pin, instead of being
 * dropped: the next access through it does not fault.
 * Returns the number of SPTEs dropped; sets *@changed if one lost a
 * permission.  The page stays unsync.
 */
static unsigned int FNAME(sync_page)(struct svx_vcpu *vcpu,
				     struct svx_sp *sp, bool *changed)
{
	struct svx_vm *vm = vcpu->vm;
	unsigned int esz = sizeof(pt_element_t);
	/* A 32-bit table is shadowed in two halves of 512 entries. */
	u64 base = ((u64)sp->gfn << PAGE_SHIFT) +
		   (PTTYPE == 32 ? sp->role.quadrant * 2048 : 0);
	unsigned int i, dropped = 0;
	bool ok = false;
	int chunk = -1;
	u8 buf[256];

	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i], n;
		unsigned int off = i * esz;
		pt_element_t gpte = 0;

		if (!(e & (SPTE_P | SPTE_MMIO)))
			continue;
		if ((int)(off / sizeof(buf)) != chunk) {
			chunk = off / sizeof(buf);
			ok = !svx_host_read_gpa_atomic(vm, svx_sp_as(sp),
							 base + chunk *
							 sizeof(buf), buf,
							 sizeof(buf));
		}
		if (ok)
			memcpy(&gpte, buf + off % sizeof(buf), esz);
		if (ok && svx_mmu_bug(SVX_BUG_NO_RESYNC))
			continue;
		if (ok && !FNAME(spte_gone)(vcpu, e, sp->gfns[i], gpte)) {
			n = FNAME(spte_synced)(vcpu, sp, i, e, gpte);
			if (n == e)
				continue;
			if ((e & SPTE_W) && !(n & SPTE_W)) {
				/* As KVM's mmu_spte_update(): dirty now. */
				svx_rmap_del(vm, sp->gfns[i], &sp->spt[i]);
				svx_host_set_dirty((e & SPTE_ADDR) >>
						   PAGE_SHIFT);
			}
			sp->spt[i] = n;
			svx_note_nx(sp, n);
			/* A permission lost: the TLB must forget it. */
			if ((e & ~n & (SPTE_W | SPTE_U)) ||
			    (n & ~e & SVX_PTE_XD))
				*changed = true;
			continue;
		}
		if (e & SPTE_P)
			svx_drop_leaf(vm, &sp->spt[i], sp->gfns[i]);
		else
			sp->spt[i] = 0;
		dropped++;
	}
	return dropped;
}
#endif /* PT_SHADOW_MMU */

#undef pt_element_t
#undef FNAME
#undef PT_LEVEL_BITS
#undef PT_HAVE_PDPTR
#undef PT_ENTRIES
#undef PT_LEVEL_SHIFT
#undef PT_INDEX
