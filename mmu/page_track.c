// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking of the guest tables the shadow MMU derives SPTEs from (KVM's
 * page-track users in mmu.c): whether a gfn is shadowed and must trap on
 * write, write-protecting a gfn through the reverse map (and its nonpaging
 * leaf, for the dirty log), and what follows a guest write to a tracked
 * table: the emulated write reported by the exit handler (svx_mmu_pte_write())
 * zaps or updates the SPTEs derived from the written entries, a flooded or
 * unemulatable page is unshadowed (svx_mmu_unprotect_gfn()), a write by the
 * host or the emulator elsewhere is tracked (svx_mmu_track_write()); and the
 * guest's TLB invalidations that resync from its tables (INVLPG,
 * svx_mmu_sync_all()).
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
#include <asm/page.h>

#include "mmu_internal.h"
#include "rmap.h"
#include "mmu.h"

bool svx_gfn_is_shadowed(struct svx_vm *vm, u64 gfn)
{
	struct svx_sp *sp;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link)
		if (sp->gfn == gfn && !sp->role.direct)
			return true;
	return false;
}

/*
 * True if a guest write to @gfn must trap: a shadow page derives from it
 * and is in sync.  (When every shadow page of @gfn is unsync, the guest
 * may write it directly; its SPTEs are checked at the next resync.)
 */
bool svx_gfn_write_tracked(struct svx_vm *vm, u64 gfn)
{
	struct svx_sp *sp;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link)
		if (sp->gfn == gfn && !sp->role.direct && !sp->unsync)
			return true;
	return false;
}

/* Clear W in the SPTEs in the reverse map under @key; true if any. */
static bool svx_write_protect_key(struct svx_vm *vm, u64 key)
{
	struct svx_rmap_iter it;
	u64 *sptep;

	svx_rmap_for_each(vm, key, it, sptep) {
		*sptep &= ~SPTE_W;
	}
	return svx_rmap_clear(vm, key);
}

/* Clear W in every SPTE mapping @gfn, 4 KiB or 2 MiB; true if any. */
bool svx_write_protect(struct svx_vm *vm, u64 gfn)
{
	bool flush = svx_write_protect_key(vm, gfn);

	return svx_write_protect_key(vm, (gfn & ~511ULL) | SVX_RMAP_LARGE) ||
	       flush;
}

/*
 * Guest tables shadowed per 2 MiB region, as KVM's lpage_info
 * disallow_lpage: a guest large page over one is mapped with 4 KiB SPTEs,
 * so that writes to the table trap (svx_shadow_fault()).  Counted when a
 * shadow page of a guest table enters or leaves the hash, so the fault
 * path asks in O(1) instead of looking up the region's 512 gfns.  An open
 * hash of SVX_LPAGE_N regions, linear probing over at most
 * SVX_LPAGE_PROBE slots; a region keeps its slot at count 0.  If one does
 * not fit (a guest with tables in more regions than that), vm->lpage_full
 * is set and the lookup of every gfn is used from then on.  mmu_lock.
 */
#define SVX_LPAGE_BITS	12
#define SVX_LPAGE_N	BIT(SVX_LPAGE_BITS)
#define SVX_LPAGE_PROBE	64

struct svx_lpage_ent {
	u64 key;		/* region (gfn >> 9) + 1; 0: free */
	unsigned long count;
};

int svx_lpage_init(struct svx_vm *vm)
{
	vm->lpage = svx_mmu_fallible(kvcalloc(SVX_LPAGE_N, sizeof(*vm->lpage),
					      GFP_KERNEL_ACCOUNT));
	return vm->lpage ? 0 : -ENOMEM;
}

void svx_lpage_free(struct svx_vm *vm)
{
	kvfree(vm->lpage);
	vm->lpage = NULL;
}

/* The slot of @gfn's region; with @add, a free one if it has none. */
static struct svx_lpage_ent *svx_lpage_slot(struct svx_vm *vm, u64 gfn,
					    bool add)
{
	u64 key = (gfn >> 9) + 1;
	u32 h = svx_hash(key, SVX_LPAGE_BITS), i;

	for (i = 0; i < SVX_LPAGE_PROBE; i++) {
		struct svx_lpage_ent *e = &vm->lpage[(h + i) % SVX_LPAGE_N];

		if (e->key == key)
			return e;
		if (!e->key) {
			if (!add)
				return NULL;
			e->key = key;
			return e;
		}
	}
	return NULL;
}

/* Shadow page of guest table @gfn added (@add) to the hash, or removed. */
void svx_lpage_account(struct svx_vm *vm, u64 gfn, bool add)
{
	struct svx_lpage_ent *e;

	if (!vm->lpage || vm->lpage_full)
		return;
	e = svx_lpage_slot(vm, gfn, add);
	if (!e) {
		if (add)
			vm->lpage_full = true;
		else
			WARN_ONCE(1, "shadowvmx: gfn %#llx not counted\n", gfn);
		return;
	}
	if (add)
		e->count++;
	else if (!WARN_ON_ONCE(!e->count))
		e->count--;
}

/* Is any gfn of the 2 MiB at @gfn (aligned) a guest table we shadow? */
bool svx_range_shadowed(struct svx_vm *vm, u64 gfn)
{
	struct svx_lpage_ent *e;
	unsigned int i;

	if (vm->lpage && !vm->lpage_full) {
		e = svx_lpage_slot(vm, gfn, false);
		return e && e->count;
	}
	for (i = 0; i < 512; i++)
		if (svx_gfn_is_shadowed(vm, gfn + i))
			return true;
	return false;
}

/*
 * Dirty logging (KVM_MEM_LOG_DIRTY_PAGES, core/dirty_log.c).  A gfn of a
 * logged slot is mapped writable only by a write fault, which sets its bit
 * under mmu_lock (after the memslot generation check, so the bitmap is
 * alive) as KVM's make_spte() does; every other path (prefetch, PT-write
 * update, INVLPG) maps it read-only, and no large SPTE maps a logged slot.
 * Enabling logging and harvesting the bitmap write-protect the gfns again
 * (svx_mmu_write_protect_gfn()), so the next write faults and sets the bit.
 */

/* May a leaf SPTE mapping slot @s be writable, for an access (@write)? */
bool svx_mmu_dirty_ok(const struct svx_memslot *s, bool write)
{
	if (s->flags & KVM_MEM_READONLY)
		return false;
	return write || !(s->flags & KVM_MEM_LOG_DIRTY_PAGES);
}

/*
 * Write-protect every SPTE that maps @gfn, 4 KiB or 2 MiB (through the
 * reverse map), and its nonpaging leaf; mmu_lock held.  True if one lost
 * W: the caller flushes (svx_kick_all(vm, SVX_REQ_TLB_FLUSH)) before it
 * relies on the protection.
 */
bool svx_mmu_write_protect_gfn(struct svx_vm *vm, u64 gfn)
{
	bool flush = svx_write_protect(vm, gfn);

	return svx_np_write_protect(vm, gfn) || flush;
}

/* ---------------------------------------------------------------------- */
/* Guest writes to its page tables, and INVLPG                             */

/*
 * Zap the SPTEs that @sp derived from guest bytes [@off, @off + @len) of
 * its guest table.  Under mmu_lock.
 */
static void svx_zap_written(struct svx_vm *vm, struct svx_sp *sp,
			    unsigned int off, unsigned int len)
{
	unsigned int esz = sp->role.glevels == 2 ? 4 : 8;
	unsigned int first = off / esz, last = (off + len - 1) / esz, g;

	for (g = first; g <= last; g++) {
		unsigned int idx, n = 1, i;

		if (esz == 4 && sp->role.level == 1) {
			/* Quadrant q of a 1024-entry guest PT: 512 PTEs. */
			if (g / 512 != sp->role.quadrant)
				continue;
			idx = g % 512;
		} else if (esz == 4) {
			/* A 4 MiB guest PDE covers two 2 MiB shadow PDEs. */
			if (g / 256 != sp->role.quadrant)
				continue;
			idx = (g % 256) * 2;
			n = 2;
		} else {
			idx = g;
		}
		for (i = idx; i < idx + n; i++) {
			if (sp->role.level == 1) {
				svx_drop_leaf(vm, &sp->spt[i],
					      svx_leaf_gfn(sp, i));
				continue;
			}
			/* Walks through it may be cached (VPID): flush. */
			if (sp->spt[i] & SPTE_P)
				svx_request_all(vm, SVX_REQ_TLB_FLUSH);
			svx_clear_upper(vm, sp, i);
		}
	}
}

/*
 * An emulated write of a whole guest PTE updates the SPTE derived from it
 * instead of only zapping it: the new PTE, if usable and mapping RAM, is
 * installed as a prefetch would (its page pinned before mmu_lock), saving
 * the fault the next access would take.  INVLPG of an unsync page's entry
 * does the same with the guest PTE it reads.
 */
struct svx_pt_update {
	unsigned int gi;	/* index in the guest table */
	u64 gpte;
	u64 pfn;		/* pinned, or SVX_NO_PFN: nothing to install */
	bool writable;		/* slot allows writes */
	unsigned long seq;	/* svx_mmu_seq_begin() before the pin */
	u64 gen;		/* memslot generation of the pin's lookup */
};

static void svx_pt_update_prepare(struct svx_vcpu *vcpu, u64 gpa, u64 gpte,
				  unsigned int size, struct svx_pt_update *up)
{
	unsigned int esz = vcpu->mmu.mode == SVX_MODE_PAGING32 ? 4 : 8;
	struct svx_memslot s;
	u64 gfn;

	up->pfn = SVX_NO_PFN;
	if (!svx_prefetch_enabled || size != esz || (gpa & (esz - 1)) ||
	    svx_mmu_topup(vcpu) || !svx_gpte_usable(vcpu, gpte, esz, &gfn))
		return;
	up->seq = svx_mmu_seq_begin(vcpu->vm);
	if (!svx_memslot_get_as(vcpu->vm, svx_vcpu_as(vcpu), gfn, &s,
				&up->gen) ||
	    svx_host_pin_gfn(vcpu, &s, gfn, &up->pfn)) {
		up->pfn = SVX_NO_PFN;
		return;
	}
	up->gpte = gpte;
	up->writable = svx_mmu_dirty_ok(&s, false);
	up->gi = (gpa & ~PAGE_MASK) / esz;
}

/* Install @up in level-1 page @sp if its guest index falls in it; lock. */
static void svx_pt_update_install(struct svx_vcpu *vcpu, struct svx_sp *sp,
				  struct svx_pt_update *up, unsigned int stat)
{
	unsigned int idx;

	/* A table of the other address space holds other PTEs. */
	if (up->pfn == SVX_NO_PFN || sp->role.level != 1 || sp->role.direct ||
	    svx_sp_as(sp) != svx_vcpu_as(vcpu))
		return;
	/* Its page went, or its slot (deleted or moved since the pin). */
	if (svx_mmu_seq_retry(vcpu->vm, up->seq) ||
	    rcu_access_pointer(vcpu->vm->memslots)->generation != up->gen) {
		svx_host_unpin(up->pfn, false);
		up->pfn = SVX_NO_PFN;
		return;
	}
	if (sp->role.glevels == 2) {	/* quadrant q: guest PTEs q*512.. */
		if (up->gi / 512 != sp->role.quadrant)
			return;
		idx = up->gi % 512;
	} else {
		idx = up->gi;
	}
	if (!svx_install_gpte(vcpu, sp, idx, up->gpte, up->pfn, up->writable,
			      stat))
		svx_host_unpin(up->pfn, false);
	up->pfn = SVX_NO_PFN;	/* installed, or unpinned */
}

/*
 * Count an emulated write to @gfn in each of its shadow pages: true when
 * every one of them saw more than 3 writes since it was last used (walked
 * by a shadow fault): the guest no longer uses the page as a table.  One
 * page in use keeps them all, as the unshadowing does not tell them apart
 * (a 32-bit guest's PD has four, one per quadrant; a fault uses one).
 */
static bool svx_write_flooded(struct svx_vm *vm, u64 gfn)
{
	struct svx_sp *sp;
	bool any = false, used = false;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link) {
		if (sp->gfn != gfn || sp->role.direct)
			continue;
		any = true;
		if (++sp->write_count <= 3)
			used = true;
	}
	return any && !used;
}

/*
 * The emulator (see SVX_EMULATE) executed a guest instruction that wrote
 * @size bytes at @gpa of a shadowed guest table, now holding @new (if
 * @written: a cmpxchg that did not match writes nothing): zap the SPTEs
 * derived from the entries it covers, or install the one a whole new PTE
 * gives, and unshadow the page when the guest no longer uses it as a table
 * (write-flood detection).  KVM's kvm_mmu_pte_write().
 */
void svx_mmu_pte_write(struct svx_vcpu *vcpu, u64 gpa, u64 new,
		       unsigned int size, bool written)
{
	struct svx_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct svx_sp *sp;
	struct hlist_node *tmp;
	struct svx_pt_update up = { .pfn = SVX_NO_PFN };
	LIST_HEAD(dead);
	bool flood;

	if (written)
		svx_pt_update_prepare(vcpu, gpa, new, size, &up);

	spin_lock(&vm->mmu_lock);
	flood = svx_write_flooded(vm, gfn);
	hlist_for_each_entry_safe(sp, tmp,
				  &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
				  hash_link) {
		if (sp->gfn != gfn || sp->role.direct || flood)
			continue;
		if (!svx_mmu_bug(SVX_BUG_NO_ZAP_ON_PT_WRITE)) {
			svx_zap_written(vm, sp, gpa & ~PAGE_MASK, size);
			svx_pt_update_install(vcpu, sp, &up,
					      SVX_MMU_PT_UPDATE);
		}
	}
	if (flood) {
		svx_unshadow(vm, gfn, &dead);
		vcpu->stats.mmu[SVX_MMU_FLOOD]++;
	}
	spin_unlock(&vm->mmu_lock);
	if (up.pfn != SVX_NO_PFN)
		svx_host_unpin(up.pfn, false);
	if (flood) {
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
		spin_lock(&vm->mmu_lock);
		svx_free_dead(vm, &dead);
		spin_unlock(&vm->mmu_lock);
	}
	if (svx_audit)
		svx_mmu_audit(vcpu);
}

/*
 * The emulator could not carry out a write to the shadowed guest table
 * @gfn as one read-modify-write (see SVX_EMULATE): stop shadowing the
 * page, so the guest's write goes through when it is retried.
 */
void svx_mmu_unprotect_gfn(struct svx_vcpu *vcpu, u64 gfn)
{
	struct svx_vm *vm = vcpu->vm;
	LIST_HEAD(dead);

	spin_lock(&vm->mmu_lock);
	svx_unshadow(vm, gfn, &dead);
	spin_unlock(&vm->mmu_lock);
	svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	spin_lock(&vm->mmu_lock);
	svx_free_dead(vm, &dead);
	spin_unlock(&vm->mmu_lock);
	vcpu->stats.mmu[SVX_MMU_FLOOD]++;
	if (svx_audit)
		svx_mmu_audit(vcpu);
}

/*
 * The VMM wrote @len bytes of guest memory at @gpa (inside one page) on the
 * guest's behalf, e.g. a TSS or a descriptor during a task switch: the
 * SPTEs derived from guest table entries it covers are zapped, as for an
 * emulated guest write (KVM's kvm_page_track_write()).  The write itself
 * went around the write protection, so nothing else sees it.
 */
void svx_mmu_track_write(struct svx_vcpu *vcpu, u64 gpa, unsigned int len)
{
	struct svx_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct svx_sp *sp;

	if (svx_vm_ept(vm) || !len)
		return;
	spin_lock(&vm->mmu_lock);
	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link) {
		if (sp->gfn == gfn && !sp->role.direct)
			svx_zap_written(vm, sp, gpa & ~PAGE_MASK, len);
	}
	spin_unlock(&vm->mmu_lock);
}

/*
 * After INVLPG dropped entry @gi of unsync guest table @tgfn (@esz-byte
 * PTEs): rebuild it from the guest PTE, when present, accessed and mapping
 * RAM.  With @gva (not ~0): in the shadow page of the current root that
 * maps @gva, the one INVLPG walked to, as KVM's FNAME(invlpg) updates the
 * SPTE it reached; the table's unsync pages of other roles (one per CR0.WP,
 * SMEP/SMAP or upper-level permissions) keep what they had and are
 * brought up to date when linked or resynced.  Without: in the first
 * unsync page of @tgfn (INVPCID of another PCID).  One pin, so one SPTE.
 */
static void svx_invlpg_refresh(struct svx_vcpu *vcpu, u64 tgfn,
			       unsigned int gi, unsigned int esz, u64 gva)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_pt_update up = { .pfn = SVX_NO_PFN };
	struct hlist_node *tmp;
	struct svx_sp *sp;
	u64 gpte = 0, *sptep;

	if (svx_read_guest_phys_as(vm, svx_vcpu_as(vcpu),
				   (tgfn << PAGE_SHIFT) + gi * esz, &gpte, esz))
		return;
	svx_pt_update_prepare(vcpu, (tgfn << PAGE_SHIFT) + gi * esz, gpte, esz,
			      &up);
	if (up.pfn == SVX_NO_PFN)
		return;
	spin_lock(&vm->mmu_lock);
	if (gva != ~0ULL) {
		/* The walk again: the page may have gone while we pinned. */
		sptep = vcpu->mmu.root_hpa ? svx_lookup_leaf(vcpu, gva) : NULL;
		sp = sptep ? svx_sptep_to_sp(sptep) : NULL;
		if (sp && sp->gfn == tgfn && sp->unsync)
			svx_pt_update_install(vcpu, sp, &up,
					      SVX_MMU_INVLPG_UPDATE);
	} else {
		hlist_for_each_entry_safe(sp, tmp,
					  &vm->sp_hash[svx_hash(tgfn,
							SVX_SP_HASH_BITS)],
					  hash_link)
			if (sp->gfn == tgfn && sp->unsync)
				svx_pt_update_install(vcpu, sp, &up,
						      SVX_MMU_INVLPG_UPDATE);
	}
	spin_unlock(&vm->mmu_lock);
	if (up.pfn != SVX_NO_PFN)
		svx_host_unpin(up.pfn, false);
}

/*
 * A guest TLB invalidation wider than one address of the current root
 * (INVPCID of another PCID or of all of them, vmx/cpufeat.c): resync every
 * unsync shadow page of the VM and write-protect its table again, so that
 * no root, whichever PCID loads it next, keeps a stale translation.
 */
void svx_mmu_sync_all(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	bool flush = false;

	spin_lock(&vm->mmu_lock);
	while (!list_empty(&vm->unsync_list)) {
		struct svx_sp *sp = list_first_entry(&vm->unsync_list,
						     struct svx_sp,
						     unsync_link);

		flush |= svx_sync_gfn(vcpu, sp->gfn);
		if (sp->unsync)		/* not found by its gfn: never loop */
			flush |= svx_sync_sp(vcpu, sp);
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
}

/*
 * INVLPG (KVM's FNAME(invlpg)): the guest may have changed the PTE of @gva
 * only if the shadow page holding its SPTE is unsync (every other guest
 * table is write-protected: a change to it trapped and updated the SPTEs
 * already).  So the walk follows the unsync marks only, and in an unsync
 * page the SPTE is dropped and, as KVM does, rebuilt from the guest PTE
 * at once (when it is present, accessed and maps RAM), so the access that
 * follows the INVLPG does not fault.  An SPTE of a page in sync, a 2 MiB
 * SPTE and the pieces of a guest large page stay.  The CPU's own TLB
 * entry for @gva is the caller's (svx_vpid_flush_gva()).
 */
void svx_mmu_invlpg(struct svx_vcpu *vcpu, u64 gva)
{
	struct svx_vm *vm = vcpu->vm;
	u64 *table, e, tgfn = ~0ULL;
	unsigned int esz, gi = 0;
	struct svx_sp *sp;
	int level;

	if (vcpu->mmu.mode == SVX_MODE_NONPAGING || !vcpu->mmu.root_hpa)
		return;
	if (vcpu->mmu.mode != SVX_MODE_LONG64)
		gva = (u32)gva;
	esz = vcpu->mmu.mode == SVX_MODE_PAGING32 ? 4 : 8;
	spin_lock(&vm->mmu_lock);
	for (sp = svx_walk_start(vcpu, gva, &level); sp && level >= 1;
	     level--) {
		unsigned int idx = (gva >> (12 + 9 * (level - 1))) & 511;

		table = sp->spt;
		if (level == 1) {
			/* In sync: the PTE cannot have changed untrapped. */
			if (!sp->unsync || sp->role.direct)
				break;
			svx_drop_leaf(vm, &table[idx], svx_leaf_gfn(sp, idx));
			tgfn = sp->gfn;
			gi = sp->role.glevels == 2 ?
			     sp->role.quadrant * 512 + idx : idx;
			break;
		}
		e = table[idx];
		/*
		 * Nothing unsync below (a 2 MiB SPTE, or the 4 KiB pieces of
		 * a guest large page, follow a guest entry in a table that
		 * is never unsync): keep it.
		 */
		if (!(e & SPTE_P) || svx_is_large(e) || !sp->unsync_children)
			break;
		sp = svx_spt_to_sp(e);
		if (sp->role.direct)
			break;
	}
	spin_unlock(&vm->mmu_lock);
	if (tgfn != ~0ULL)
		svx_invlpg_refresh(vcpu, tgfn, gi, esz, gva);
}

/*
 * INVPCID of one address in another PCID than the current one
 * (vmx/cpufeat.c): with page-table isolation, the guest kernel flushing a
 * user address from the user PCID after an INVLPG of it in its own.  KVM's
 * kvm_mmu_invpcid_gva() does INVLPG's work in the cached roots of that
 * PCID; roots are not kept per PCID here, so the work is done in every
 * unsync shadow page, the only ones whose SPTEs may lag the guest's
 * tables: the SPTE at @gva's index is dropped and rebuilt from its guest
 * PTE, as INVLPG does.  An unsync page that another root maps elsewhere
 * only has one entry rebuilt.  Not a resync of every unsync page of the VM
 * (svx_mmu_sync_all()), which a fork+exec+exit did about ten times.
 */
#define SVX_INVPCID_REFRESH	8

void svx_mmu_invpcid_gva(struct svx_vcpu *vcpu, u64 gva)
{
	struct svx_vm *vm = vcpu->vm;
	unsigned int idx = (gva >> PAGE_SHIFT) & 511, n = 0, j;
	u64 tgfn[SVX_INVPCID_REFRESH];
	struct svx_sp *sp;

	if (svx_vm_ept(vm))
		return;
	/* PCIDs other than 0 exist only with CR4.PCIDE, in long mode. */
	if (vcpu->mmu.mode != SVX_MODE_LONG64) {
		svx_mmu_sync_all(vcpu);
		return;
	}
	spin_lock(&vm->mmu_lock);
	list_for_each_entry(sp, &vm->unsync_list, unsync_link) {
		u64 *sptep = &sp->spt[idx];

		if (!(*sptep & (SPTE_P | SPTE_MMIO)))
			continue;
		svx_drop_leaf(vm, sptep, sp->gfns[idx]);
		for (j = 0; j < n && tgfn[j] != sp->gfn; j++)
			;
		if (j == n && n < SVX_INVPCID_REFRESH)
			tgfn[n++] = sp->gfn;
	}
	spin_unlock(&vm->mmu_lock);
	for (j = 0; j < n; j++)
		svx_invlpg_refresh(vcpu, tgfn[j], idx, 8, ~0ULL);
}
