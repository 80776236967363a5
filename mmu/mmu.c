// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU.
 *
 * The CPU runs every guest with paging on and walks only the shadow tables
 * (GVA -> HPA); the guest's own tables are walked in software, on a shadow
 * fault, by the walker of mmu/walker.c.  This file owns the MMU context of
 * a vCPU (its paging mode and shadow root), the guest walks the rest of the
 * module asks for, the fault entry point, which picks the fault of the
 * guest's paging mode, and what that fault shares with every guest format:
 * the MMIO fast path and MMIO SPTEs, PTE prefetch, the install of 4 KiB and
 * 2 MiB leaf SPTEs, #PF injection; and the shadow side of the walk trace.
 * The rest of the shadow MMU, sharing mmu/mmu_internal.h:
 *
 *   mmu/paging_tmpl.h    per guest entry format (32-bit, PAE, 4/5-level),
 *                        included here once for each: the shadow fault
 *                        from the guest walk to the installed SPTE
 *                        (FNAME(page_fault)), the shadow walk that builds
 *                        the path to the leaf (FNAME(fetch)), the resync
 *                        of an unsync page (FNAME(sync_page))
 *   mmu/spte.h, spte.c   SPTE bits, the MMIO SPTE layout and generation
 *   mmu/nonpaging.c      the nonpaging map (CR0.PG=0) and its fault
 *   mmu/shadow_page.c    the shadow-page cache: hash, roles, parents,
 *                        unsync marks and when to resync, zapping, the
 *                        page bound
 *   mmu/page_track.c     write tracking of shadowed guest tables, the
 *                        guest's writes to them, INVLPG
 *   mmu/rmap.c           the reverse map of writable SPTEs by gfn
 *   mmu/audit.c          the audit of SPTEs against guest walks
 *
 * Guests with CR0.PG=0 use the nonpaging map: one 4-level tree per VM that
 * maps GVA == GPA to the host page backing the GPA, whose first 4 GiB hang
 * from four fixed page directories so that 32-bit guests can use them
 * through a per-vCPU PAE root (below 4 GiB).
 *
 * Guests with paging on use shadow pages: one shadow table page per guest
 * table and "role" (level, guest paging mode, quadrant of a 32-bit guest
 * table, the combined permissions of the entries above, CR0.WP, direct for
 * the 4 KiB pieces of a guest large page; not EFER.NXE, as in KVM), found
 * again by (gfn, role) in a per-VM hash, so switching back to a known CR3
 * reuses its shadow root.
 * 64-bit guests get a shadow PML4 as root; 32-bit and PAE guests get the
 * per-vCPU PAE root whose four entries point at shadow page directories.
 *
 * A guest page that is shadowed as a page table is write-protected: every
 * writable leaf SPTE is in a reverse map by gfn (mmu/rmap.c), and creating a shadow page
 * for a gfn clears W in the SPTEs that map it.  A guest write to it faults;
 * the fault returns SVX_EMULATE, the exit handler emulates the writing
 * instruction (mov, xchg, cmpxchg{,8b,16b}, add/or/and/sub/xor,
 * bts/btr/btc; x86/emulate.c) and reports it (svx_mmu_pte_write()), and
 * the SPTEs derived from the written entries are zapped, to be rebuilt on
 * the next fault.  An instruction that cannot be emulated unshadows the
 * page instead (svx_mmu_unprotect_gfn()).  Leaf SPTEs stay read-only
 * until the guest's dirty bit is set (dirty-bit emulation), so the walker
 * can set D on the first write.
 *
 * Every leaf SPTE holds a pinned page.  A memslot delete or move and VM
 * destruction zap everything: shadow pages and the nonpaging tree are
 * detached under mmu_lock, every vCPU is kicked out of guest mode (without
 * VPID every VM entry flushes the TLB), then pages are unpinned and tables
 * freed.  A change of the VMM's mapping (MMU notifier, core/) zaps what
 * maps the gfns concerned the same way (svx_mmu_zap_gfn_range()).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "mmu_internal.h"
#include "rmap.h"
#include "svx_trace.h"
#include "mmu.h"

int svx_mmu_vm_init(struct svx_vm *vm)
{
	INIT_LIST_HEAD(&vm->sp_list);
	INIT_LIST_HEAD(&vm->unsync_list);
	vm->sp_hash = svx_mmu_fallible(kvcalloc(1 << SVX_SP_HASH_BITS,
						sizeof(*vm->sp_hash),
						GFP_KERNEL_ACCOUNT));
	vm->rmap_hash = svx_mmu_fallible(kvcalloc(1 << SVX_RMAP_HASH_BITS,
						  sizeof(*vm->rmap_hash),
						  GFP_KERNEL_ACCOUNT));
	vm->np_root = svx_new_tree(vm);
	vm->np_spare = svx_new_tree(vm);
	if (!vm->sp_hash || !vm->rmap_hash || !vm->np_root || !vm->np_spare ||
	    svx_lpage_init(vm)) {
		svx_mmu_vm_destroy(vm);
		return -ENOMEM;
	}
	return 0;
}

void svx_mmu_vm_destroy(struct svx_vm *vm)
{
	if (vm->sp_hash)
		svx_free_all_sps(vm);
	if (vm->np_root)
		svx_free_tree(vm, vm->np_root, 4);
	if (vm->np_spare)
		svx_free_tree(vm, vm->np_spare, 4);
	if (vm->np_root_smm)
		svx_free_tree(vm, vm->np_root_smm, 4);
	vm->np_root = NULL;
	vm->np_spare = NULL;
	vm->np_root_smm = NULL;
	kvfree(vm->sp_hash);
	kvfree(vm->rmap_hash);
	svx_lpage_free(vm);
	vm->sp_hash = NULL;
	vm->rmap_hash = NULL;
	WARN_ON(vm->pages_pinned);
}

int svx_mmu_vcpu_init(struct svx_vcpu *vcpu)
{
	/* PAE CR3 holds a 32-bit address (SDM 4.4.1). */
	vcpu->mmu.pae_root = svx_host_alloc_table(true);
	if (!vcpu->mmu.pae_root)
		return -ENOMEM;
	spin_lock(&vcpu->vm->mmu_lock);
	svx_fill_pae_root(vcpu, vcpu->vm->np_root);
	spin_unlock(&vcpu->vm->mmu_lock);
	return 0;
}

void svx_mmu_vcpu_destroy(struct svx_vcpu *vcpu)
{
	svx_host_free_table(vcpu->mmu.pae_root);
	svx_mmu_cache_free(&vcpu->mmu.cache);
}

/* ---------------------------------------------------------------------- */
/* Contexts and roots                                                      */

/* Pick the MMU context for the guest's paging mode; vCPU loaded. */
void svx_mmu_reset_context(struct svx_vcpu *vcpu)
{
	enum svx_guest_mode mode;

	if (!(vcpu->cr0 & X86_CR0_PG))
		mode = SVX_MODE_NONPAGING;
	else if (vcpu->efer & EFER_LMA)
		mode = SVX_MODE_LONG64;
	else if (vcpu->cr4 & X86_CR4_PAE)
		mode = SVX_MODE_PAE;
	else
		mode = SVX_MODE_PAGING32;
	vcpu->mmu.mode = mode;
	vcpu->mmu.root_hpa = 0;
	/*
	 * Shadow pages serve both EFER.NXE settings (svx_base_role()): what
	 * NXE=1 made of the guest's XD bit goes when the guest clears it.
	 */
	if (vcpu->mmu.nxe[vcpu->smm.in_smm] && !(vcpu->efer & EFER_NX))
		svx_mmu_nx_cleared(vcpu);
	vcpu->mmu.nxe[vcpu->smm.in_smm] = !!(vcpu->efer & EFER_NX);
	svx_update_hw_cr(vcpu);
}

union svx_sp_role svx_base_role(struct svx_vcpu *vcpu, int level)
{
	union svx_sp_role role = { .word = 0 };

	role.level = level;
	role.glevels = vcpu->mmu.mode == SVX_MODE_LONG64 ? 4 :
		       vcpu->mmu.mode == SVX_MODE_PAE ? 3 : 2;
	role.access = SVX_P_ALL;
	role.cr0_wp = !!(vcpu->cr0 & X86_CR0_WP);
	role.smm = vcpu->smm.in_smm;
	if (!role.cr0_wp && !svx_mmu_bug(SVX_BUG_WP0_SHARED_ROLE)) {
		role.smep_andnot_wp = !!(vcpu->cr4 & X86_CR4_SMEP);
		role.smap_andnot_wp = !!(vcpu->cr4 & X86_CR4_SMAP);
	}
	return role;
}

/* Find or build the shadow root for the guest's CR3; under mmu_lock. */
static phys_addr_t svx_load_root(struct svx_vcpu *vcpu, bool *flush)
{
	struct svx_vm *vm = vcpu->vm;
	union svx_sp_role role;
	struct svx_sp *sp;
	unsigned long before = vm->nr_sps;
	int i;

	switch (vcpu->mmu.mode) {
	case SVX_MODE_NONPAGING:
		if (svx_guest_long_mode(vcpu))
			return svx_host_pa(svx_np_root(vcpu));
		svx_fill_pae_root(vcpu, svx_np_root(vcpu));
		return svx_host_pa(vcpu->mmu.pae_root);
	case SVX_MODE_LONG64:
		role = svx_base_role(vcpu, 4);
		sp = svx_get_sp(vcpu, (vcpu->cr3 & SPTE_ADDR) >> PAGE_SHIFT, role,
				flush);
		vcpu->mmu.root_sp = sp;
		break;
	case SVX_MODE_PAE:
		role = svx_base_role(vcpu, 2);
		for (i = 0; i < 4; i++) {
			u64 pdpte = vcpu->mmu.pdptrs[i];

			vcpu->mmu.pae_root[i] = 0;
			if (!(pdpte & SPTE_P))
				continue;
			sp = svx_get_sp(vcpu, (pdpte & SPTE_ADDR) >> PAGE_SHIFT,
					role, flush);
			vcpu->mmu.pae_root[i] = svx_host_pa(sp->spt) | SPTE_P;
		}
		break;
	case SVX_MODE_PAGING32:
		role = svx_base_role(vcpu, 2);
		for (i = 0; i < 4; i++) {
			role.quadrant = i;
			sp = svx_get_sp(vcpu, (vcpu->cr3 & 0xfffff000) >>
					PAGE_SHIFT, role, flush);
			vcpu->mmu.pae_root[i] = svx_host_pa(sp->spt) | SPTE_P;
		}
		break;
	}
	if (vm->nr_sps == before)
		vcpu->stats.mmu[SVX_MMU_ROOT_HIT]++;
	else
		vcpu->stats.mmu[SVX_MMU_ROOT_MISS]++;
	trace_svx_cr3_load(vcpu->id, vcpu->cr3, vm->nr_sps == before);
	return vcpu->mmu.mode == SVX_MODE_LONG64 ?
		svx_host_pa(vcpu->mmu.root_sp->spt) : svx_host_pa(vcpu->mmu.pae_root);
}

/* Make GUEST_CR3 point at the right root before entry. */
int svx_mmu_reload(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	bool flush = false;
	phys_addr_t root;
	int r;

	if (vcpu->mmu.root_hpa)
		return 0;
	r = svx_mmu_topup(vcpu);
	if (r)
		return r;
	svx_mmu_make_room(vcpu);
	spin_lock(&vm->mmu_lock);
	/* SMM with paging off: address space 1's nonpaging tree, made once. */
	while (vcpu->mmu.mode == SVX_MODE_NONPAGING && vcpu->smm.in_smm &&
	       !vm->np_root_smm) {
		spin_unlock(&vm->mmu_lock);
		r = svx_np_smm_prepare(vm);
		if (r)
			return r;
		spin_lock(&vm->mmu_lock);
	}
	root = svx_load_root(vcpu, &flush);
	/*
	 * A root load flushes the guest's TLB: the unsync pages reachable
	 * from the new root are resynced.  A CR3 load that keeps the TLB
	 * (PCID, bit 63) keeps them.
	 */
	if (!vcpu->mmu.no_flush && vm->nr_unsync && svx_sync_root(vcpu))
		flush = true;
	vcpu->mmu.no_flush = false;
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	vcpu->mmu.root_hpa = root;
	/* With PCIDs the CPU tags its TLB entries with CR3[11:0]. */
	svx_host_set_guest_cr3(vcpu, root | ((vcpu->cr4 & X86_CR4_PCIDE) ?
					     (vcpu->cr3 & 0xfff) : 0));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Guest walks                                                             */

static int svx_walk_read(void *ctx, u64 gpa, u64 *val, unsigned int size)
{
	struct svx_vcpu *vcpu = ctx;

	*val = 0;
	return svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, val,
				      size) ? -EFAULT : 0;
}

static int svx_walk_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new,
			    unsigned int size)
{
	struct svx_vcpu *vcpu = ctx;

	return svx_host_cmpxchg_gpa_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, old,
				       new, size);
}

void svx_walk_env(struct svx_vcpu *vcpu, struct svx_walk_env *env)
{
	env->cr0 = vcpu->cr0;
	env->cr3 = vcpu->cr3;
	env->cr4 = vcpu->cr4;
	env->efer = vcpu->efer;
	env->rflags = vcpu->rflags;
	memcpy(env->pdptrs, vcpu->mmu.pdptrs, sizeof(env->pdptrs));
	env->maxphyaddr = svx_host_maxphyaddr();
	env->gbpages = svx_host_gbpages();
	env->read_gpa = svx_walk_read;
	env->cmpxchg_gpa = svx_walk_cmpxchg;
	env->ctx = vcpu;
}

int svx_mmu_load_pdptrs(struct svx_vcpu *vcpu, u64 cr3)
{
	struct svx_walk_env env;
	int r;

	svx_walk_env(vcpu, &env);
	env.cr3 = cr3;
	r = svx_walk_load_pdptes(&env);
	if (!r)
		memcpy(vcpu->mmu.pdptrs, env.pdptrs, sizeof(env.pdptrs));
	return r;
}

int svx_gva_to_gpa(struct svx_vcpu *vcpu, u64 gva, u64 *gpa)
{
	struct svx_walk_env env;
	struct svx_walk w;

	if (vcpu->mmu.mode == SVX_MODE_NONPAGING) {
		*gpa = svx_guest_long_mode(vcpu) ? gva : (u32)gva;
		return 0;
	}
	svx_walk_env(vcpu, &env);
	if (svx_walk_addr(&env, gva, SVX_ACC_NO_AD, &w))
		return -EFAULT;
	*gpa = w.gpa;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Faults: what every guest format shares                                  */
/* (the fault, fetch and sync of each format: paging_tmpl.h, below)        */

static u32 svx_entry_perm(u64 pte, bool nxe)
{
	u32 p = 0;

	if (pte & SPTE_W)
		p |= SVX_P_W;
	if (pte & SPTE_U)
		p |= SVX_P_U;
	if (!nxe || !(pte & SVX_PTE_XD))
		p |= SVX_P_X;
	return p;
}

/* The shadow page where a walk for @gva starts, and its level; mmu_lock. */
struct svx_sp *svx_walk_start(struct svx_vcpu *vcpu, u64 gva,
			      int *level)
{
	u64 e;

	if (vcpu->mmu.mode == SVX_MODE_LONG64) {
		*level = 4;
		return vcpu->mmu.root_sp;
	}
	/* PAE root: PDPTEs have no permission bits (SDM 4.4.1). */
	*level = 2;
	e = vcpu->mmu.pae_root[(gva >> 30) & 3];
	return (e & SPTE_P) ? svx_spt_to_sp(e) : NULL;
}

static void svx_inject_pf(struct svx_vcpu *vcpu, const struct svx_walk *w)
{
	vcpu->cr2 = w->fault_addr;
	vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
	svx_inject_page_fault(vcpu, w->error_code);
}

/* The leaf SPTE slot for @gva in the current root, or NULL; mmu_lock. */
u64 *svx_lookup_leaf(struct svx_vcpu *vcpu, u64 gva)
{
	struct svx_sp *sp;
	int level;
	u64 e;

	for (sp = svx_walk_start(vcpu, gva, &level); sp && level > 1; level--) {
		e = sp->spt[(gva >> (12 + 9 * (level - 1))) & 511];
		if (!(e & SPTE_P) || svx_is_large(e))
			return NULL;
		sp = svx_spt_to_sp(e);
	}
	return sp ? &sp->spt[(gva >> 12) & 511] : NULL;
}

/*
 * A repeated access to an MMIO page: the MMIO SPTE gives the GPA, no guest
 * walk needed.  Returns the GPA, or ~0 for the slow path (no MMIO SPTE, or
 * an access the guest's entries do not allow: the walk injects the #PF).
 */
static u64 svx_mmio_fast(struct svx_vcpu *vcpu, u64 gva, u32 access)
{
	u64 gpa = ~0ULL, *sptep, e, gen;

	if (!vcpu->mmu.root_hpa)
		return gpa;
	if (vcpu->mmu.mode != SVX_MODE_LONG64)
		gva = (u32)gva;
	spin_lock(&vcpu->vm->mmu_lock);
	gen = rcu_access_pointer(vcpu->vm->memslots)->generation;
	sptep = svx_lookup_leaf(vcpu, gva);
	e = sptep ? *sptep : 0;
	/* From an older generation: walk (a slot may hold the gfn now). */
	if ((e & SPTE_MMIO) && !svx_mmu_bug(SVX_BUG_MMIO_NO_GEN) &&
	    (e & SPTE_MMIO_GEN) != svx_mmio_gen_bits(gen)) {
		vcpu->stats.mmu[SVX_MMU_MMIO_STALE]++;
		e = 0;
	}
	/* SMAP: a supervisor access to a user page walks (and faults). */
	if ((e & SPTE_MMIO) &&
	    (!(access & SVX_ACC_WRITE) || (e & SPTE_W)) &&
	    (!(access & SVX_ACC_USER) || (e & SPTE_U)) &&
	    ((access & SVX_ACC_USER) || !(e & SPTE_U) ||
	     !(vcpu->cr4 & X86_CR4_SMAP) ||
	     (vcpu->rflags & X86_EFLAGS_AC)) &&
	    !(access & SVX_ACC_FETCH))
		gpa = svx_mmio_gpa(e) | (gva & ~PAGE_MASK);
	spin_unlock(&vcpu->vm->mmu_lock);
	return gpa;
}

/*
 * Make the leaf SPTE at @sptep (entry of @sp for @w->gva) an MMIO SPTE of
 * memslot generation @gen for @w->gpa; mmu_lock.
 */
static void svx_set_mmio_spte(struct svx_vm *vm, struct svx_sp *sp,
			      u64 *sptep, const struct svx_walk *w, u64 gen)
{
	svx_drop_leaf(vm, sptep, svx_leaf_gfn(sp, (w->gva >> 12) & 511));
	if (!sp->role.direct)
		sp->gfns[(w->gva >> 12) & 511] = w->gpa >> PAGE_SHIFT;
	/* W only once D is set, as for RAM SPTEs. */
	*sptep = SPTE_MMIO | svx_mmio_gen_bits(gen) |
		 (svx_mmu_bug(SVX_BUG_MMIO_L1TF) ?
		  w->gpa & SPTE_ADDR : svx_mmio_addr(w->gpa)) |
		 ((w->pte_access & SVX_ACC_WRITE) &&
		  (w->pte[w->level] & SVX_PTE_D) ? SPTE_W : 0) |
		 ((w->pte_access & SVX_ACC_USER) ? SPTE_U : 0);
	svx_note_nx(sp, *sptep);
}

/*
 * PTE prefetch.  A shadow fault on a 4 KiB guest page also maps the other
 * entries of its aligned group of SVX_PREFETCH guest PTEs whose accessed
 * bit is set (the guest used them, so a TLB could hold them), that map RAM,
 * and whose SPTE is empty: the accesses that would fault on them next are
 * saved.  The guest PTEs are read and the pages pinned before mmu_lock is
 * taken; an entry the guest changes meanwhile is like a stale TLB entry,
 * which the guest's own INVLPG (required for a change of a present PTE)
 * drops.  Write permission only with the dirty bit set, as for a fault.
 *
 * A fault inside a guest large page mapped in 4 KiB pieces (a direct
 * shadow page) maps the empty entries of its group the same way, with the
 * permissions of the large page (the page's role), as KVM's
 * __direct_pte_prefetch(): the guest's GDT, IDT, TSS and stack in one
 * large page next to a shadowed guest table then cost one fault, not one
 * each, in every shadow root (one per CR0.WP and SMEP/SMAP role).
 */
#define SVX_PREFETCH	8

struct svx_prefetch {
	unsigned int n;
	unsigned int first;		/* shadow index of pte[0] */
	bool direct;			/* inside a guest large page */
	u64 gpte[SVX_PREFETCH];		/* direct: the gfn */
	u64 pfn[SVX_PREFETCH];		/* pinned, or SVX_NO_PFN */
	bool writable[SVX_PREFETCH];	/* slot allows writes */
};

/*
 * The entries of the group at shadow index @first, next to @gva, whose
 * SPTE is in use now (present or MMIO): a bit per entry.  As KVM's
 * FNAME(pte_prefetch), which skips a present SPTE before it looks at the
 * guest PTE: no pin is taken for an entry svx_install_gpte() would refuse
 * (a guest filling a page table one PTE per fault would otherwise pin and
 * unpin every entry it mapped before).  A hint: the install checks again
 * under mmu_lock.
 */
static unsigned long svx_prefetch_busy(struct svx_vcpu *vcpu, u64 gva,
				       unsigned int first)
{
	unsigned long busy = 0;
	unsigned int j;
	u64 *sptep;

	if (!vcpu->mmu.root_hpa)
		return 0;
	if (vcpu->mmu.mode != SVX_MODE_LONG64)
		gva = (u32)gva;
	spin_lock(&vcpu->vm->mmu_lock);
	sptep = svx_lookup_leaf(vcpu, gva);
	if (sptep) {
		sptep -= (gva >> PAGE_SHIFT) & 511;
		for (j = 0; j < SVX_PREFETCH; j++)
			if (sptep[first + j] & (SPTE_P | SPTE_MMIO))
				busy |= BIT(j);
	}
	spin_unlock(&vcpu->vm->mmu_lock);
	return busy;
}

/* Pin the page of neighbour @j's @gfn for the prefetch, unless logged. */
static void svx_prefetch_pin(struct svx_vcpu *vcpu, struct svx_prefetch *pf,
			     unsigned int j, u64 gfn)
{
	struct svx_memslot s;
	u64 gen;

	/* As KVM: no prefetch in a logged slot (nor its pins). */
	if (!svx_memslot_get_as(vcpu->vm, svx_vcpu_as(vcpu), gfn, &s, &gen) ||
	    (s.flags & KVM_MEM_LOG_DIRTY_PAGES) ||
	    svx_host_pin_gfn(vcpu, &s, gfn, &pf->pfn[j])) {
		pf->pfn[j] = SVX_NO_PFN;
		return;
	}
	/* Logged slot: read-only, a write faults (svx_mmu_dirty_ok). */
	pf->writable[j] = svx_mmu_dirty_ok(&s, false);
	pf->n++;
}

/*
 * The prefetch of a fault inside a guest large page mapped in 4 KiB pieces:
 * the frames of the group are in a row (FNAME(pte_prefetch) reads guest
 * PTEs for a 4 KiB guest page).
 */
static void svx_prefetch_direct(struct svx_vcpu *vcpu, const struct svx_walk *w,
				struct svx_prefetch *pf)
{
	unsigned int self = (w->gva >> PAGE_SHIFT) & 511, j;
	unsigned long busy;
	u64 gfn;

	pf->direct = true;
	pf->first = self & ~(SVX_PREFETCH - 1);
	busy = svx_prefetch_busy(vcpu, w->gva, pf->first);
	gfn = (w->gpa >> PAGE_SHIFT) & ~(u64)(SVX_PREFETCH - 1);
	for (j = 0; j < SVX_PREFETCH; j++) {
		pf->pfn[j] = SVX_NO_PFN;
		pf->gpte[j] = gfn + j;
		if (pf->first + j != self && !(busy & BIT(j)))
			svx_prefetch_pin(vcpu, pf, j, gfn + j);
	}
}

/*
 * Write the leaf SPTE for frame @gfn (its page pinned at @pfn; @writable:
 * the memslot allows writes) at @sp's entry @idx with what guest PTE bits
 * @g (US, RW, D, XD) and @sp's role allow: write only once dirty, and not
 * for a write-tracked frame or one the reverse map cannot record.  The
 * SPTE holds the pin.  mmu_lock.
 */
static void svx_set_leaf(struct svx_vcpu *vcpu, struct svx_sp *sp,
			 unsigned int idx, u64 gfn, u64 g, u64 pfn,
			 bool writable, unsigned int stat)
{
	struct svx_vm *vm = vcpu->vm;
	u64 spte, *sptep = &sp->spt[idx];

	spte = (pfn << PAGE_SHIFT) | SPTE_P | SPTE_A | SPTE_PINNED;
	if ((sp->role.access & SVX_P_U) && (g & SVX_PTE_US))
		spte |= SPTE_U;
	if ((vcpu->efer & EFER_NX) &&
	    (!(sp->role.access & SVX_P_X) || (g & SVX_PTE_XD)))
		spte |= SVX_PTE_XD;
	if ((sp->role.access & SVX_P_W) && (g & SVX_PTE_RW) &&
	    (g & SVX_PTE_D) && writable &&
	    !svx_gfn_write_tracked(vm, gfn) &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, gfn, sptep))
		spte |= SPTE_W | SPTE_D;
	*sptep = spte;
	svx_note_nx(sp, spte);
	svx_host_pins(vm, 1);
	vcpu->stats.mmu[stat]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
}

/*
 * Install the SPTE for frame @gfn at @idx of direct level-1 page @sp with
 * the permissions of the guest large page (@sp's role: write only once its
 * dirty bit is set), unless the entry is in use or @sp does not map @gfn
 * there.  True if installed.  mmu_lock.
 */
static bool svx_install_direct(struct svx_vcpu *vcpu, struct svx_sp *sp,
			       unsigned int idx, u64 gfn, u64 pfn,
			       bool writable, unsigned int stat)
{
	if (!sp->role.direct || sp->role.level != 1 || sp->gfn + idx != gfn ||
	    (sp->spt[idx] & (SPTE_P | SPTE_MMIO)))
		return false;
	svx_set_leaf(vcpu, sp, idx, gfn,
		     SVX_PTE_US | SVX_PTE_RW | (sp->role.dirty ? SVX_PTE_D : 0),
		     pfn, writable, stat);
	return true;
}

/*
 * Install the SPTE for guest PTE @g (usable, see svx_gpte_usable(); its
 * page pinned at @pfn; @writable: the memslot allows writes) at @idx of
 * level-1 page @sp, with the permissions of @sp's role, unless @sp is
 * direct or the entry is in use.  True if installed: the SPTE holds the
 * pin.  Shared by the prefetch, the PT-write update and INVLPG; mmu_lock.
 */
bool svx_install_gpte(struct svx_vcpu *vcpu, struct svx_sp *sp,
		      unsigned int idx, u64 g, u64 pfn, bool writable,
		      unsigned int stat)
{
	u64 gfn;

	if (sp->role.direct || (sp->spt[idx] & (SPTE_P | SPTE_MMIO)))
		return false;
	gfn = svx_gpte_gfn(g, sp->role.glevels == 2 ? 4 : 8);
	sp->gfns[idx] = gfn;
	svx_set_leaf(vcpu, sp, idx, gfn, g, pfn, writable, stat);
	return true;
}

/* Install the prepared neighbours in @sp; mmu_lock.  Unpins the rest. */
static void svx_prefetch_install(struct svx_vcpu *vcpu, struct svx_sp *sp,
				 struct svx_prefetch *pf, unsigned int stat)
{
	unsigned int j;

	for (j = 0; pf->n && j < SVX_PREFETCH; j++) {
		bool done;

		if (pf->pfn[j] == SVX_NO_PFN)
			continue;
		if (pf->direct)
			done = svx_install_direct(vcpu, sp, pf->first + j,
						  pf->gpte[j], pf->pfn[j],
						  pf->writable[j], stat);
		else
			done = svx_install_gpte(vcpu, sp, pf->first + j,
						pf->gpte[j], pf->pfn[j],
						pf->writable[j], stat);
		if (!done)
			svx_host_unpin(pf->pfn[j], false);
	}
}

static void svx_prefetch_release(struct svx_prefetch *pf)
{
	unsigned int j;

	for (j = 0; pf->n && j < SVX_PREFETCH; j++)
		if (pf->pfn[j] != SVX_NO_PFN)
			svx_host_unpin(pf->pfn[j], false);
	pf->n = 0;
}

/*
 * Large SPTEs.  A guest page of 2 MiB or more (PSE 4 MiB, PAE/64-bit 2 MiB
 * or 1 GiB) whose 2 MiB piece is backed by one transparent huge page of the
 * VMM, inside one memslot, and holds no guest table we shadow, gets one
 * 2 MiB SPTE in the level-2 shadow table instead of a direct shadow page
 * of 512 SPTEs.  All 512 host pages are pinned while it maps them.  Write
 * permission as for 4 KiB (guest W and D), in the reverse map under the
 * first gfn | SVX_RMAP_LARGE; shadowing a guest table inside clears W,
 * and the next write fault there maps that piece with 4 KiB SPTEs.
 * Called with mmu_lock held, returns with it released.
 */
static int svx_install_large(struct svx_vcpu *vcpu, const struct svx_walk *w,
			     struct svx_sp *sp, u64 *sptep, u64 pfn, u64 pfn2m,
			     bool readonly, bool flush)
{
	struct svx_vm *vm = vcpu->vm;
	unsigned int idx = (w->gva >> 21) & 511;
	u64 base = (w->gpa >> PAGE_SHIFT) & ~511ULL, spte;

	svx_drop_leaf(vm, sptep, svx_leaf_gfn(sp, idx));
	spte = (pfn2m << PAGE_SHIFT) | SPTE_P | SPTE_A | SPTE_PS |
	       SPTE_PINNED;
	if (w->pte_access & SVX_ACC_USER)
		spte |= SPTE_U;
	if ((vcpu->efer & EFER_NX) && !(w->pte_access & SVX_ACC_FETCH))
		spte |= SVX_PTE_XD;
	if ((w->pte_access & SVX_ACC_WRITE) &&
	    (w->pte[w->level] & SVX_PTE_D) && !readonly &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, base | SVX_RMAP_LARGE, sptep))
		spte |= SPTE_W | SPTE_D;
	if (!sp->role.direct)
		sp->gfns[idx] = base;
	*sptep = spte;
	svx_note_nx(sp, spte);
	trace_svx_spte_install(vcpu->id, w->gva, w->gpa, spte);
	svx_host_pins(vm, 512);
	spin_unlock(&vm->mmu_lock);
	svx_host_unpin(pfn, false);	/* the 2 MiB pins cover it */
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_LARGE]++;
	return SVX_RESUME;
}

/*
 * Write the 4 KiB leaf SPTE at @sptep (entry of @sp for @gva) for the
 * fault's walk @w: frame @pfn (pinned; the SPTE holds the pin) of memslot
 * @s, permissions from the guest's entries, W only once the guest's D is
 * set and the frame is neither write-tracked nor unrecordable in the
 * reverse map.  @wp0_trick: a supervisor write with CR0.WP=0 to a page the
 * guest's entries make read-only (FNAME(page_fault)): writable and
 * supervisor-only, and XD with CR4.SMEP for a user page.  mmu_lock.
 */
static void svx_set_fault_spte(struct svx_vcpu *vcpu, u64 gva,
			       const struct svx_walk *w, struct svx_sp *sp,
			       u64 *sptep, u64 pfn, const struct svx_memslot *s,
			       bool write, bool wp0_trick)
{
	struct svx_vm *vm = vcpu->vm;
	u64 gfn = w->gpa >> PAGE_SHIFT, spte;

	svx_drop_leaf(vm, sptep, svx_leaf_gfn(sp, (gva >> 12) & 511));
	spte = ((pfn + svx_mmu_bug(SVX_BUG_WRONG_PFN)) << PAGE_SHIFT) |
	       SPTE_P | SPTE_A | SPTE_PINNED;
	if (w->pte_access & SVX_ACC_USER && !wp0_trick)
		spte |= SPTE_U;
	if ((vcpu->efer & EFER_NX) && !(w->pte_access & SVX_ACC_FETCH))
		spte |= SVX_PTE_XD;
	if (wp0_trick && (w->pte_access & SVX_ACC_USER) &&
	    (vcpu->cr4 & X86_CR4_SMEP) && !svx_mmu_bug(SVX_BUG_WP0_EXEC))
		spte |= SVX_PTE_XD;
	if (((w->pte_access & SVX_ACC_WRITE) || wp0_trick ||
	     svx_mmu_bug(SVX_BUG_WIDE_PERM)) &&
	    (w->pte[w->level] & SVX_PTE_D) && svx_mmu_dirty_ok(s, write) &&
	    !svx_gfn_write_tracked(vm, gfn) &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, gfn, sptep)) {
		spte |= SPTE_W | SPTE_D;
		svx_memslot_mark_dirty(s, gfn);	/* generation checked */
	}
	if (!sp->role.direct)
		sp->gfns[(gva >> 12) & 511] = gfn;
	*sptep = spte;
	svx_note_nx(sp, spte);
	trace_svx_spte_install(vcpu->id, gva, w->gpa, spte);
	svx_host_pins(vm, 1);
}

/*
 * The per-format fault, fetch and sync: svx_paging32_*, svx_paging_pae_*
 * and svx_paging64_* (paging_tmpl.h's second part).
 */
#define PT_SHADOW_MMU

#define PTTYPE 32
#include "paging_tmpl.h"
#undef PTTYPE

#define PTTYPE SVX_PT_PAE
#include "paging_tmpl.h"
#undef PTTYPE

#define PTTYPE 64
#include "paging_tmpl.h"
#undef PTTYPE

#undef PT_SHADOW_MMU

/*
 * Resync unsync level-1 page @sp with its guest table, by the instance of
 * the guest format its role records (whatever the vCPU's mode now); see
 * FNAME(sync_page).  mmu_lock.
 */
unsigned int svx_sync_page(struct svx_vcpu *vcpu, struct svx_sp *sp,
			   bool *changed)
{
	switch (sp->role.glevels) {
	case 2:
		return svx_paging32_sync_page(vcpu, sp, changed);
	case 3:
		return svx_paging_pae_sync_page(vcpu, sp, changed);
	default:
		return svx_paging64_sync_page(vcpu, sp, changed);
	}
}

/*
 * A shadow fault of a guest with paging on: the instance of the guest's
 * paging mode (the MMU context's, svx_mmu_reset_context()).
 */
static int svx_shadow_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	switch (vcpu->mmu.mode) {
	case SVX_MODE_PAGING32:
		return svx_paging32_page_fault(vcpu, gva, error_code);
	case SVX_MODE_PAE:
		return svx_paging_pae_page_fault(vcpu, gva, error_code);
	default:
		return svx_paging64_page_fault(vcpu, gva, error_code);
	}
}

/* What a shadow fault did, from the counters it moved (tracepoint). */
static int svx_fault_outcome(const u64 *now, const u64 *before, int r)
{
	if (now[SVX_MMU_PF_FIXED] != before[SVX_MMU_PF_FIXED])
		return SVX_FAULT_FIXED;
	if (now[SVX_MMU_PF_INJECTED] != before[SVX_MMU_PF_INJECTED])
		return SVX_FAULT_INJECTED;
	if (now[SVX_MMU_PF_MMIO] != before[SVX_MMU_PF_MMIO])
		return SVX_FAULT_MMIO;
	if (r == SVX_EMULATE)
		return SVX_FAULT_EMULATED;
	return r == SVX_RESUME ? SVX_FAULT_RETRY : SVX_FAULT_ERROR;
}

int svx_mmu_page_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	u64 before[SVX_NR_MMU_STATS];
	int r;

	if (trace_svx_shadow_fault_enabled())
		memcpy(before, vcpu->stats.mmu, sizeof(before));
	if (vcpu->mmu.mode == SVX_MODE_NONPAGING) {
		r = svx_nonpaging_fault(vcpu, gva, error_code);
	} else {
		r = svx_shadow_fault(vcpu, gva, error_code);
		/* SVX_EMULATE: after the emulated write (svx_mmu_pte_write). */
		if (svx_audit && r == SVX_RESUME)
			svx_mmu_audit(vcpu);
	}
	if (trace_svx_shadow_fault_enabled())
		trace_svx_shadow_fault(vcpu->id, gva, error_code,
				       svx_fault_outcome(vcpu->stats.mmu,
							 before, r));
	return r;
}

/* ---------------------------------------------------------------------- */
/* Walk trace (mmu/walktrace.c): the shadow entries, read-only             */

/*
 * Copy the shadow entries the CPU would use for @gva, from the root in
 * GUEST_CR3 down, into @t->host[]; nothing is built or changed.  Sets
 * SVX_WT_NO_ROOT when the next entry rebuilds the root, and
 * SVX_WT_GFN_SHADOWED when @gfn (~0: none) is a shadowed guest table.
 * Returns the last entry read (the leaf SPTE, or the not-present entry
 * that ends the walk), 0 without a root.
 */
u64 svx_mmu_trace_shadow(struct svx_vcpu *vcpu, u64 gva, u64 gfn,
			 struct svx_walk_trace *t)
{
	struct svx_vm *vm = vcpu->vm;
	u64 *table, e = 0;
	bool pae;
	int level;

	spin_lock(&vm->mmu_lock);
	if (gfn != ~0ULL && svx_gfn_is_shadowed(vm, gfn))
		t->flags |= SVX_WT_GFN_SHADOWED;
	if (!vcpu->mmu.root_hpa ||
	    test_bit(SVX_REQ_MMU_RELOAD, &vcpu->requests) ||
	    (vcpu->mmu.mode == SVX_MODE_LONG64 && !vcpu->mmu.root_sp)) {
		t->flags |= SVX_WT_NO_ROOT;
		goto out;
	}
	pae = vcpu->mmu.root_hpa == svx_host_pa(vcpu->mmu.pae_root);
	level = pae ? 3 : 4;
	t->host_root_hpa = vcpu->mmu.root_hpa;
	t->host_root_level = level;
	table = svx_host_va(vcpu->mmu.root_hpa);
	for (;; level--) {
		struct svx_wt_level *l = &t->host[level - 1];
		unsigned int idx = (gva >> (12 + 9 * (level - 1))) &
				   (pae && level == 3 ? 3 : 511);

		e = READ_ONCE(table[idx]);
		svx_wt_host_level(l, svx_host_pa(table), idx, e);
		if (e & SPTE_P)
			l->flags |= SVX_WT_H_PRESENT | SVX_WT_H_READ |
				    ((e & SPTE_W) ? SVX_WT_H_WRITE : 0) |
				    ((e & SPTE_U) ? SVX_WT_H_USER : 0) |
				    ((e & SVX_PTE_XD) ? 0 : SVX_WT_H_EXEC);
		else if (e & SPTE_MMIO)
			l->flags |= SVX_WT_H_MMIO;
		t->host_levels++;
		if (level == 1 || (level == 2 && svx_is_large(e))) {
			l->flags |= SVX_WT_L_LEAF |
				    (level > 1 ? SVX_WT_L_LARGE : 0) |
				    ((e & SPTE_PINNED) ? SVX_WT_H_PINNED : 0);
			break;
		}
		if (!(e & SPTE_P))
			break;
		table = svx_host_va(e & SPTE_ADDR);
	}
out:
	spin_unlock(&vm->mmu_lock);
	return e;
}
