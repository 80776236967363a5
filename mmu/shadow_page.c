// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow-page cache: the shadow tables of guests with paging on.  One
 * shadow page per guest table and role (struct svx_sp, mmu/mmu_internal.h),
 * found by (gfn, role) in the per-VM hash (svx_get_sp()); its parent SPTEs
 * (the link entries that point at it) and unsync marks up to the roots; the
 * per-vCPU cache of pages and descriptors taken under mmu_lock
 * (svx_mmu_topup()); unsync pages and when they are resynced
 * (svx_sync_sp(), svx_sync_root(); the resync of a page with its guest
 * table depends on the guest's entry format: FNAME(sync_page) in
 * mmu/paging_tmpl.h); and zapping: one page, a gfn range (MMU notifier),
 * everything (memslot changes, VM destruction), and the shrinking that
 * keeps the VM under its page bound.  What builds SPTEs from guest walks is
 * the fault path (mmu/paging_tmpl.h, mmu/mmu.c); write tracking of shadowed
 * guest tables is mmu/page_track.c's.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/page.h>

#include "mmu_internal.h"
#include "rmap.h"
#include "svx_trace.h"
#include "mmu.h"

/* Record link SPTE @sptep in @sp; a descriptor from @c if needed. */
static void svx_add_parent(struct svx_mmu_cache *c, struct svx_sp *sp,
			   u64 *sptep)
{
	struct svx_pdesc *d;
	unsigned int i;

	sp->nparents++;
	if (!sp->parent) {
		sp->parent = sptep;
		return;
	}
	for (d = sp->pdesc; d; d = d->more)
		for (i = 0; i < SVX_PDESC_N; i++)
			if (!d->sptep[i]) {
				d->sptep[i] = sptep;
				return;
			}
	d = c->pdescs[--c->npdescs];
	memset(d, 0, sizeof(*d));
	d->sptep[0] = sptep;
	d->more = sp->pdesc;
	sp->pdesc = d;
}

static void svx_drop_parent(struct svx_sp *sp, u64 *sptep)
{
	struct svx_pdesc *d, **pd;
	unsigned int i, j;

	if (sp->parent == sptep) {
		sp->parent = NULL;
		sp->nparents--;
		return;
	}
	for (pd = &sp->pdesc; (d = *pd); pd = &d->more) {
		for (i = 0; i < SVX_PDESC_N; i++) {
			if (d->sptep[i] != sptep)
				continue;
			d->sptep[i] = NULL;
			sp->nparents--;
			for (j = 0; j < SVX_PDESC_N && !d->sptep[j]; j++)
				;
			if (j == SVX_PDESC_N) {	/* empty: give it back */
				*pd = d->more;
				kfree(d);
			}
			return;
		}
	}
	WARN_ONCE(1, "shadowvmx: parent SPTE of gfn %#llx missing\n", sp->gfn);
}

/* One parent SPTE of @sp (which has some). */
static u64 *svx_first_parent(struct svx_sp *sp)
{
	struct svx_pdesc *d;
	unsigned int i;

	if (sp->parent)
		return sp->parent;
	for (d = sp->pdesc; d; d = d->more)
		for (i = 0; i < SVX_PDESC_N; i++)
			if (d->sptep[i])
				return d->sptep[i];
	return NULL;
}

/* Point @sptep (in a level-2+ table) at @sp; mmu_lock. */
static void svx_mark_unsync(u64 *sptep);

/*
 * Link @sp at @sptep.  An unsync page (or one above unsync pages) marks
 * the new parent entry, and the marks go up to the roots, as KVM's
 * link_shadow_page() does: a root load resyncs it, and INVLPG
 * (svx_mmu_invlpg()) finds it through the marks.
 */
void svx_link_spte(struct svx_vcpu *vcpu, u64 *sptep,
		   struct svx_sp *sp)
{
	*sptep = svx_host_pa(sp->spt) | SPTE_TABLE;
	svx_add_parent(&vcpu->mmu.cache, sp, sptep);
	/*
	 * A path with XD: the parent is a shadow page (the PAE root's pages
	 * have every permission), svx_mmu_nx_cleared() looks at it.
	 */
	if (!(sp->role.access & SVX_P_X)) {
		struct svx_sp *parent = svx_sptep_to_sp(sptep);

		if (!WARN_ON_ONCE(!parent))
			parent->nx_made = true;
	}
	if (sp->unsync || sp->unsync_children)
		svx_mark_unsync(sptep);
}

/* Clear link SPTE @sptep and its record in the page it points at. */
void svx_unlink_spte(u64 *sptep)
{
	svx_drop_parent(svx_spt_to_sp(*sptep), sptep);
	*sptep = 0;
}

/*
 * Take @sp out of the shadow tree: clear every link SPTE that points at
 * it and every link it holds (its children stay, maybe without parent,
 * until reused or recycled).  Its leaves stay until it is freed.
 */
static void svx_unlink_sp(struct svx_sp *sp)
{
	unsigned int i;

	while (sp->nparents)
		svx_unlink_spte(svx_first_parent(sp));
	for (i = 0; sp->role.level > 1 && i < 512; i++)
		if (svx_is_link(sp->spt[i]))
			svx_unlink_spte(&sp->spt[i]);
}

/*
 * Unsync marks (KVM's kvm_mmu_mark_parents_unsync()): set the bit of each
 * parent SPTE of @sp, and up to the roots where the parent had none.
 */
static void svx_mark_parents_unsync(struct svx_sp *sp)
{
	struct svx_pdesc *d;
	unsigned int i;

	if (sp->parent)
		svx_mark_unsync(sp->parent);
	for (d = sp->pdesc; d; d = d->more)
		for (i = 0; i < SVX_PDESC_N; i++)
			if (d->sptep[i])
				svx_mark_unsync(d->sptep[i]);
}

static void svx_mark_unsync(u64 *sptep)
{
	struct svx_sp *p = svx_sptep_to_sp(sptep);

	if (__test_and_set_bit(sptep - p->spt, p->unsync_child_bitmap))
		return;
	if (p->unsync_children++)
		return;
	svx_mark_parents_unsync(p);
}

int svx_mmu_topup(struct svx_vcpu *vcpu)
{
	struct svx_mmu_cache *c = &vcpu->mmu.cache;

	while (c->npages < SVX_MMU_CACHE_PAGES) {
		void *p = svx_host_alloc_table(false);

		if (!p)
			return -ENOMEM;
		c->pages[c->npages++] = p;
	}
	while (c->nsps < SVX_MMU_CACHE_PAGES) {
		struct svx_sp *sp = svx_mmu_fallible(kzalloc(sizeof(*sp), GFP_KERNEL_ACCOUNT));

		if (!sp)
			return -ENOMEM;
		c->sps[c->nsps++] = sp;
	}
	while (c->nrmaps < (int)ARRAY_SIZE(c->rmaps)) {
		/* svx_rmap_add() sets every field it reads later. */
		struct svx_rmap *r = svx_mmu_fallible(kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT));

		if (!r)
			return -ENOMEM;
		c->rmaps[c->nrmaps++] = r;
	}
	while (c->npdescs < (int)ARRAY_SIZE(c->pdescs)) {
		struct svx_pdesc *d = svx_mmu_fallible(kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT));

		if (!d)
			return -ENOMEM;
		c->pdescs[c->npdescs++] = d;
	}
	if (!c->rmap_page) {
		c->rmap_page = svx_host_alloc_table(false);
		if (!c->rmap_page)
			return -ENOMEM;
	}
	return 0;
}

void svx_mmu_cache_free(struct svx_mmu_cache *c)
{
	while (c->npages)
		svx_host_free_table(c->pages[--c->npages]);
	while (c->nsps)
		kfree(c->sps[--c->nsps]);
	while (c->nrmaps)
		kfree(c->rmaps[--c->nrmaps]);
	while (c->npdescs)
		kfree(c->pdescs[--c->npdescs]);
	svx_host_free_table(c->rmap_page);
	c->rmap_page = NULL;
}

/* The reverse map's back-reference for @sptep (mmu/rmap.h). */
u64 ***svx_rmap_backref(u64 *sptep, struct svx_mmu_cache *c)
{
	struct svx_sp *sp = svx_sptep_to_sp(sptep);

	if (WARN_ON_ONCE(!sp))	/* not a shadow page's SPTE */
		return NULL;
	if (!sp->rmap_slots) {
		if (!c || !c->rmap_page)
			return NULL;
		sp->rmap_slots = c->rmap_page;
		c->rmap_page = NULL;
	}
	return &sp->rmap_slots[sptep - sp->spt];
}

/*
 * Drop a leaf SPTE (4 KiB, or 2 MiB in a level-2 table; @gfn: the first
 * gfn it maps): its pins and, if writable, its reverse-map entry.
 */
void svx_drop_leaf(struct svx_vm *vm, u64 *sptep, u64 gfn)
{
	u64 e = *sptep, pfn = (e & SPTE_ADDR) >> PAGE_SHIFT;

	if (!(e & SPTE_P)) {
		*sptep = 0;	/* an MMIO SPTE goes too */
		return;
	}
	*sptep = 0;
	if (e & SPTE_PS) {
		if (e & SPTE_W)
			svx_rmap_del(vm, gfn | SVX_RMAP_LARGE, sptep);
		svx_host_unpin_2m(pfn, e & SPTE_W);
		svx_host_pins(vm, -512);
		return;
	}
	if (e & SPTE_W)
		svx_rmap_del(vm, gfn, sptep);
	if (e & SPTE_PINNED) {
		svx_host_unpin(pfn, e & SPTE_W);
		svx_host_pins(vm, -1);
	}
}

/* Clear entry @i of a level-2+ table: a link, or a 2 MiB leaf. */
void svx_clear_upper(struct svx_vm *vm, struct svx_sp *sp,
		     unsigned int i)
{
	if (svx_is_large(sp->spt[i]))
		svx_drop_leaf(vm, &sp->spt[i], svx_leaf_gfn(sp, i));
	else if (svx_is_link(sp->spt[i]))
		svx_unlink_spte(&sp->spt[i]);
	else
		sp->spt[i] = 0;
}

/* Take @sp out of the hash (and the count of its 2 MiB region). */
static void svx_unhash_sp(struct svx_vm *vm, struct svx_sp *sp)
{
	if (hlist_unhashed(&sp->hash_link))
		return;
	if (!sp->role.direct)
		svx_lpage_account(vm, sp->gfn, false);
	hlist_del_init(&sp->hash_link);
}

static void svx_unsync_unlink(struct svx_vm *vm, struct svx_sp *sp)
{
	if (!sp->unsync)
		return;
	sp->unsync = false;
	list_del(&sp->unsync_link);
	vm->nr_unsync--;
}

void svx_free_sp(struct svx_vm *vm, struct svx_sp *sp)
{
	unsigned int i;

	for (i = 0; sp->role.level <= 2 && i < 512; i++)
		if (sp->role.level == 1 || svx_is_large(sp->spt[i]))
			svx_drop_leaf(vm, &sp->spt[i], svx_leaf_gfn(sp, i));
	while (sp->pdesc) {
		struct svx_pdesc *d = sp->pdesc;

		sp->pdesc = d->more;
		kfree(d);
	}
	svx_host_set_table_owner(sp->spt, NULL);
	svx_host_free_table(sp->spt);
	if (sp->gfns)
		svx_host_free_table(sp->gfns);
	if (sp->rmap_slots)
		svx_host_free_table(sp->rmap_slots);
	kfree(sp);
	vm->sp_in_use--;
	vm->nr_sps--;
}

/*
 * Unsync shadow pages.  A guest write to a table page that only level-1
 * shadow pages derive from does not trap: the pages are marked unsync and
 * the guest gets a writable mapping of its table.  Their SPTEs may then
 * be older than the guest's PTEs, exactly as the TLB entries of a real CPU
 * may be (SDM 4.10.4): the guest must INVLPG or reload CR3 before relying
 * on a change.  INVLPG rebuilds the one SPTE in the page the current root
 * reaches; a CR3 load (or any change that flushes the guest's TLB, all of
 * which reload the root) resyncs the unsync pages reachable from the new
 * root: each SPTE is compared with the guest PTE it came from, dropped if
 * the PTE maps another frame or no longer one, rewritten with the
 * permissions the guest PTE grants now (fewer or more), and the page is
 * write-protected again.  As in KVM, a page that goes unsync marks its
 * parent SPTEs, and theirs up to the roots (unsync_child_bitmap), and the
 * root load walks down the marked entries only.  An unsync page that the
 * new root does not reach stays unsync until a root that reaches it is
 * loaded, or it is linked anew (svx_get_sp(), FNAME(fetch)), which brings
 * it up to date first, as a TLB fill would.
 */

/*
 * Resync one unsync level-1 page and mark it in sync (the caller
 * write-protects its gfn, svx_sync_gfn()); mmu_lock.  True if an SPTE went
 * or lost a permission (the TLB must be flushed).
 */
bool svx_sync_sp(struct svx_vcpu *vcpu, struct svx_sp *sp)
{
	bool changed = false;
	unsigned int dropped = svx_sync_page(vcpu, sp, &changed);

	svx_unsync_unlink(vcpu->vm, sp);
	vcpu->stats.mmu[SVX_MMU_SYNC]++;
	trace_svx_unsync(vcpu->vm->id, sp->gfn, true, dropped);
	return dropped || changed;
}

/* Resync every unsync page of @gfn and write-protect it again; mmu_lock. */
bool svx_sync_gfn(struct svx_vcpu *vcpu, u64 gfn)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_sp *sp;
	bool flush = false, any = false;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link) {
		if (sp->gfn == gfn && sp->unsync) {
			flush |= svx_sync_sp(vcpu, sp);
			any = true;
		}
	}
	if (any)
		flush |= svx_write_protect(vm, gfn);
	return flush;
}

/*
 * Resync the unsync pages below @sp that its unsync marks lead to (KVM's
 * mmu_sync_children()), clearing the marks on the way; mmu_lock.
 */
bool svx_sync_children(struct svx_vcpu *vcpu, struct svx_sp *sp)
{
	bool flush = false;
	unsigned int i;

	for_each_set_bit(i, sp->unsync_child_bitmap, 512) {
		u64 e = sp->spt[i];

		if (svx_is_link(e)) {
			struct svx_sp *c = svx_spt_to_sp(e);

			if (c->unsync_children)
				flush |= svx_sync_children(vcpu, c);
			if (c->unsync)
				flush |= svx_sync_gfn(vcpu, c->gfn);
		}
		__clear_bit(i, sp->unsync_child_bitmap);
		sp->unsync_children--;
	}
	return flush;
}

/*
 * The guest flushed its TLB while loading the root: resync every unsync
 * page reachable from the root (not the others: they are resynced when a
 * root that reaches them is loaded, or when linked anew); mmu_lock.
 */
bool svx_sync_root(struct svx_vcpu *vcpu)
{
	bool flush = false;
	struct svx_sp *sp;
	int i;

	switch (vcpu->mmu.mode) {
	case SVX_MODE_NONPAGING:
		break;
	case SVX_MODE_LONG64:
		sp = vcpu->mmu.root_sp;
		if (sp && sp->unsync_children)
			flush = svx_sync_children(vcpu, sp);
		break;
	default:	/* PAE root: four shadow page directories */
		for (i = 0; i < 4; i++) {
			if (!(vcpu->mmu.pae_root[i] & SPTE_P))
				continue;
			sp = svx_spt_to_sp(vcpu->mmu.pae_root[i]);
			if (sp->unsync_children)
				flush |= svx_sync_children(vcpu, sp);
		}
		break;
	}
	return flush;
}

/*
 * A guest write faulted on @gfn, a table the guest uses: unsync its shadow
 * pages if all are leaf pages, so this write and the next ones need no
 * emulation.  False if @gfn must stay write-protected; mmu_lock.
 */
bool svx_try_unsync(struct svx_vcpu *vcpu, u64 gfn)
{
	struct svx_vm *vm = vcpu->vm;
	struct hlist_head *h = &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)];
	struct svx_sp *sp;

	if (!svx_unsync_enabled)
		return false;
	hlist_for_each_entry(sp, h, hash_link)
		if (sp->gfn == gfn && !sp->role.direct && sp->role.level != 1)
			return false;
	hlist_for_each_entry(sp, h, hash_link) {
		if (sp->gfn != gfn || sp->role.direct || sp->unsync)
			continue;
		sp->unsync = true;
		list_add(&sp->unsync_link, &vm->unsync_list);
		vm->nr_unsync++;
		if (!svx_mmu_bug(SVX_BUG_NO_MARK_PARENTS))
			svx_mark_parents_unsync(sp);
		vcpu->stats.mmu[SVX_MMU_UNSYNC]++;
		trace_svx_unsync(vm->id, gfn, false, 0);
	}
	return true;
}

struct svx_sp *svx_get_sp(struct svx_vcpu *vcpu, u64 gfn,
			  union svx_sp_role role, bool *flush)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_mmu_cache *c = &vcpu->mmu.cache;
	struct svx_sp *sp;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link) {
		if (sp->gfn == gfn && sp->role.word == role.word) {
			bool changed = false;

			sp->write_count = 0;
			/*
			 * Linked anew: bring it up to date (as a TLB fill),
			 * but leave it unsync and @gfn writable, as KVM's
			 * kvm_mmu_find_shadow_page() does with
			 * kvm_sync_page(): write-protecting it again would
			 * only make the guest's next PTE store fault.
			 */
			if (sp->unsync &&
			    (svx_sync_page(vcpu, sp, &changed) || changed))
				*flush = true;
			return sp;
		}
	}
	/*
	 * A new upper-level view of @gfn: its unsync leaf pages are tracked
	 * again (the new page write-protects @gfn).  A new leaf view leaves
	 * the others unsync, as KVM does: the guest's writes to @gfn trap
	 * again and update them all (svx_mmu_pte_write()) until a fault
	 * unsyncs the new page too.
	 */
	if (!role.direct && role.level > 1 && svx_sync_gfn(vcpu, gfn))
		*flush = true;
	sp = c->sps[--c->nsps];
	memset(sp, 0, sizeof(*sp));
	sp->spt = c->pages[--c->npages];
	svx_host_set_table_owner(sp->spt, sp);
	if (role.level <= 2 && !role.direct)	/* gfns of leaf SPTEs */
		sp->gfns = c->pages[--c->npages];
	sp->gfn = gfn;
	sp->role = role;
	hlist_add_head(&sp->hash_link,
		       &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)]);
	if (!role.direct)
		svx_lpage_account(vm, gfn, true);
	list_add(&sp->link, &vm->sp_list);
	vm->nr_sps++;
	vm->sp_in_use++;
	vcpu->stats.mmu[SVX_MMU_SP_ALLOCATED]++;
	if (!role.direct && !svx_mmu_bug(SVX_BUG_NO_WRITE_PROTECT) &&
	    svx_write_protect(vm, gfn))
		*flush = true;
	return sp;
}

/*
 * Unlink @sp from the hash and from every SPTE that points at it, then
 * hand it to @dead for freeing after the vCPUs left guest mode.
 */
static void svx_zap_sp(struct svx_vm *vm, struct svx_sp *sp,
		       struct list_head *dead)
{
	phys_addr_t pa = svx_host_pa(sp->spt);
	unsigned int i;
	int v;

	svx_unlink_sp(sp);
	for (v = 0; v < SVX_MAX_VCPUS; v++) {
		struct svx_vcpu *vcpu = vm->vcpus[v];

		if (!vcpu)
			continue;
		for (i = 0; i < 4; i++)
			if ((vcpu->mmu.pae_root[i] & SPTE_ADDR) == pa)
				vcpu->mmu.pae_root[i] = 0;
		if (vcpu->mmu.root_sp == sp) {
			vcpu->mmu.root_sp = NULL;
			set_bit(SVX_REQ_MMU_RELOAD, &vcpu->requests);
		}
	}
	svx_unsync_unlink(vm, sp);
	svx_unhash_sp(vm, sp);
	list_move(&sp->link, dead);
	vm->stats.mmu[SVX_MMU_ZAP]++;
}

void svx_free_dead(struct svx_vm *vm, struct list_head *dead)
{
	struct svx_sp *sp, *tmp;

	list_for_each_entry_safe(sp, tmp, dead, link) {
		list_del(&sp->link);
		svx_free_sp(vm, sp);
	}
}

/* VM destruction: no vCPU runs anymore. */
void svx_free_all_sps(struct svx_vm *vm)
{
	struct svx_sp *sp, *tmp;

	list_for_each_entry_safe(sp, tmp, &vm->sp_list, link) {
		svx_unsync_unlink(vm, sp);
		list_del(&sp->link);
		svx_free_sp(vm, sp);
	}
}

/* Stop shadowing @gfn as a page table (all its shadow pages go). */
void svx_unshadow(struct svx_vm *vm, u64 gfn, struct list_head *dead)
{
	struct svx_sp *sp;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(sp, tmp,
				  &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
				  hash_link)
		if (sp->gfn == gfn && !sp->role.direct)
			svx_zap_sp(vm, sp, dead);
	trace_svx_zap(vm->id, "unshadow", gfn);
}

/*
 * @vcpu's guest cleared EFER.NXE (svx_mmu_reset_context()): XD, bit 63 of
 * its entries, is reserved now (SDM 4.5.4), and the shadow pages of its
 * SMM state, which serve both NXE settings (svx_base_role()), may hold
 * what NXE = 1 made of it: leaf SPTEs with XD, links to pages whose path
 * had XD (role.access without X), and MMIO SPTEs (which do not record XD).
 * They go, so that the next access walks the guest's tables and takes the
 * #PF with RSVD the guest's walk gives; a leaf with XD for another reason
 * (CR0.WP=0 with CR4.SMEP) faults once more.  KVM 6.1 keeps them (a stale
 * translation after the guest flushed its TLB); guests clear NXE rarely
 * (harness W9: 12 times, Linux: never after boot).  Another vCPU running
 * with NXE = 1 meanwhile may build them again, as in KVM.  Only the pages
 * that noted such an entry (sp->nx_made) are looked at: a look at every
 * entry of every page cost W9 1% more cycles than the NXE role did.
 */
void svx_mmu_nx_cleared(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	bool smm = vcpu->smm.in_smm, any = false;
	struct svx_sp *sp;
	unsigned int i;

	spin_lock(&vm->mmu_lock);
	list_for_each_entry(sp, &vm->sp_list, link) {
		/*
		 * A page whose path had XD is reachable with NXE = 1 only
		 * (with NXE = 0 every path has X): its links go below.
		 */
		if (sp->role.smm != smm || !(sp->role.access & SVX_P_X) ||
		    !sp->nx_made)
			continue;
		sp->nx_made = false;	/* all that NXE = 1 made goes */
		for (i = 0; i < 512; i++) {
			u64 e = sp->spt[i];

			if (sp->role.level > 1 && svx_is_link(e)) {
				if (svx_spt_to_sp(e)->role.access & SVX_P_X)
					continue;
				svx_unlink_spte(&sp->spt[i]);
			} else if (svx_spte_nx_made(e)) {
				svx_drop_leaf(vm, &sp->spt[i],
					      svx_leaf_gfn(sp, i));
			} else {
				continue;
			}
			any = true;
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (any)
		svx_request_all(vm, SVX_REQ_TLB_FLUSH);
}

static bool svx_sp_is_root(struct svx_vm *vm, struct svx_sp *sp)
{
	u64 pa = svx_host_pa(sp->spt);
	int v, i;

	for (v = 0; v < SVX_MAX_VCPUS; v++) {
		struct svx_vcpu *vcpu = vm->vcpus[v];

		if (!vcpu)
			continue;
		if (vcpu->mmu.root_sp == sp)
			return true;
		for (i = 0; i < 4; i++)
			if ((vcpu->mmu.pae_root[i] & SPTE_ADDR) == pa)
				return true;
	}
	return false;
}

/*
 * Zap the oldest shadow pages that no vCPU uses as a root until at most
 * @keep are left (pages are listed newest first); returns how many went.
 * The victims are unlinked from their parents and children
 * (svx_unlink_sp()), then freed once every vCPU has left guest mode.  A
 * zapped guest table is shadowed again, and write-protected, when next used.
 */
static unsigned long svx_mmu_shrink(struct svx_vm *vm, unsigned long keep)
{
	unsigned long goal, n = 0;
	struct svx_sp *sp, *tmp;
	LIST_HEAD(dead);

	spin_lock(&vm->mmu_lock);
	goal = vm->nr_sps > keep ? vm->nr_sps - keep : 0;
	list_for_each_entry_safe_reverse(sp, tmp, &vm->sp_list, link) {
		if (n >= goal)
			break;
		if (svx_sp_is_root(vm, sp))
			continue;
		svx_unlink_sp(sp);
		svx_unsync_unlink(vm, sp);
		svx_unhash_sp(vm, sp);
		list_move(&sp->link, &dead);
		n++;
	}
	vm->stats.mmu[SVX_MMU_ZAP] += n;
	spin_unlock(&vm->mmu_lock);
	if (!n)
		return 0;
	svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	spin_lock(&vm->mmu_lock);
	svx_free_dead(vm, &dead);
	spin_unlock(&vm->mmu_lock);
	trace_svx_zap(vm->id, "recycle", n);
	return n;
}

/* The VM's bound: KVM_SET_NR_MMU_PAGES's, else max_shadow_pages. */
unsigned long svx_mmu_max_sps(struct svx_vm *vm)
{
	unsigned long max = READ_ONCE(vm->max_sps);

	return max ? max : max(READ_ONCE(svx_max_sps), 16U);
}

/*
 * KVM_SET_NR_MMU_PAGES (the caller checked KVM's minimum and holds
 * vm->lock), as KVM's kvm_mmu_change_mmu_pages(): zap down to @n at once;
 * when roots keep more than @n, the bound is what is left.
 */
void svx_mmu_set_max_sps(struct svx_vm *vm, unsigned long n)
{
	svx_mmu_shrink(vm, n);
	WRITE_ONCE(vm->max_sps, max(n, READ_ONCE(vm->nr_sps)));
}

/*
 * Keep the VM at most svx_mmu_max_sps() shadow pages: above it, zap the
 * oldest eighth that no vCPU uses as a root.
 */
void svx_mmu_make_room(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	unsigned long max = svx_mmu_max_sps(vm);

	if (vm->nr_sps <= max)
		return;
	vcpu->stats.mmu[SVX_MMU_RECYCLED] += svx_mmu_shrink(vm, max - max / 8);
}

/*
 * Before a memslot change is committed (vm->lock held): make sure the
 * nonpaging tree that svx_mmu_zap_all() swaps in exists, so that the zap
 * itself needs no memory; -ENOMEM leaves everything as it was.
 */
int svx_mmu_zap_prepare(struct svx_vm *vm)
{
	if (!vm->np_spare)
		vm->np_spare = svx_new_tree(vm);
	return vm->np_spare ? 0 : -ENOMEM;
}

/*
 * Everything: shadow pages and the nonpaging tree.  vm->lock held, after
 * svx_mmu_zap_prepare().
 */
void svx_mmu_zap_all(struct svx_vm *vm)
{
	u64 *old, *old_smm, *fresh = vm->np_spare;
	struct svx_sp *sp, *tmp;
	LIST_HEAD(dead);
	int i;

	vm->np_spare = NULL;
	if (WARN_ON_ONCE(!fresh))
		fresh = svx_new_tree(vm);

	spin_lock(&vm->mmu_lock);
	list_for_each_entry_safe(sp, tmp, &vm->sp_list, link) {
		svx_unsync_unlink(vm, sp);
		svx_unhash_sp(vm, sp);
		list_move(&sp->link, &dead);
	}
	old = NULL;
	if (fresh) {
		old = vm->np_root;
		vm->np_root = fresh;
	}
	/* SMM's tree goes: the next reload in SMM makes a fresh one. */
	old_smm = vm->np_root_smm;
	vm->np_root_smm = NULL;
	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		struct svx_vcpu *vcpu = vm->vcpus[i];

		if (vcpu) {
			vcpu->mmu.root_sp = NULL;
			/* As svx_zap_sp() does: no way to the freed pages. */
			memset(vcpu->mmu.pae_root, 0,
			       4 * sizeof(*vcpu->mmu.pae_root));
			set_bit(SVX_REQ_MMU_RELOAD, &vcpu->requests);
		}
	}
	spin_unlock(&vm->mmu_lock);

	svx_kick_all(vm, SVX_REQ_MMU_RELOAD);

	spin_lock(&vm->mmu_lock);
	svx_free_dead(vm, &dead);
	if (old_smm)
		svx_free_tree(vm, old_smm, 4);
	if (old)
		svx_free_tree(vm, old, 4);
	else	/* not prepared, and no memory */
		pr_warn_ratelimited("vm%u: out of memory while zapping\n",
				    vm->id);
	vm->stats.mmu[SVX_MMU_ZAP]++;
	spin_unlock(&vm->mmu_lock);
	trace_svx_zap(vm->id, "all", ~0ULL);
	/* For the next zap; if it fails, the next memslot change does. */
	svx_mmu_zap_prepare(vm);
}

/*
 * MMU notifier (core/mmu_notifier.c).  The host page behind a gfn can
 * change while a fault pins it: the VMM unmaps, remaps or madvise()s its
 * memory.  The host then calls svx_mmu_zap_gfn_range() for the gfns whose
 * HVAs change, between a start (vm->mmu_invalidate_in_progress raised) and
 * an end (in_progress lowered, vm->mmu_invalidate_seq bumped), both under
 * mmu_lock.  A fault reads the sequence before it looks up and pins the
 * page (svx_mmu_seq_begin()) and, under mmu_lock, installs nothing if an
 * invalidation is running or ran since (svx_mmu_seq_retry()): the guest
 * faults again and pins the new page.  KVM's mmu_invalidate_seq,
 * mmu_invalidate_in_progress and mmu_invalidate_retry().
 */
unsigned long svx_mmu_seq_begin(struct svx_vm *vm)
{
	unsigned long seq = READ_ONCE(vm->mmu_invalidate_seq);

	smp_rmb();	/* the sequence before the pin (pairs with the end) */
	return seq;
}

bool svx_mmu_seq_retry(struct svx_vm *vm, unsigned long seq)
{
	return vm->mmu_invalidate_in_progress ||
	       vm->mmu_invalidate_seq != seq;
}

/*
 * Does @sp map a gfn of [@start, @end) with a leaf SPTE, or shadow a guest
 * table there (whose content the VMM is replacing)?  mmu_lock.
 */
static bool svx_sp_in_range(struct svx_sp *sp, u64 start, u64 end)
{
	unsigned int i;

	if (!sp->role.direct && sp->gfn >= start && sp->gfn < end)
		return true;
	if (sp->role.level > 2)
		return false;
	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i], gfn, n = 1;

		if (!(e & SPTE_P))
			continue;
		if (sp->role.level == 2) {
			if (!svx_is_large(e))
				continue;
			n = 512;
		}
		gfn = svx_leaf_gfn(sp, i);
		if (gfn < end && gfn + n > start)
			return true;
	}
	return false;
}

#define SVX_ZAP_BATCH	32

/*
 * Clear the leaves of address space @as's nonpaging tree for gfns
 * [@start, @end), in batches: every vCPU leaves guest mode and flushes
 * its TLB before a batch's pages are unpinned.  True if one was cleared.
 */
static bool svx_np_zap_range(struct svx_vm *vm, int as, u64 start, u64 end)
{
	u64 pins[SVX_ZAP_BATCH], gfn = start, *root;
	unsigned int n, i;
	bool any = false;

	while (gfn < end) {
		spin_lock(&vm->mmu_lock);
		/* Read again each time: a zap of everything may drop it. */
		root = as ? vm->np_root_smm : vm->np_root;
		n = root ? svx_np_clear(root, &gfn, end, pins,
					SVX_ZAP_BATCH) : 0;
		if (!root)
			gfn = end;
		spin_unlock(&vm->mmu_lock);
		if (!n)
			continue;
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
		spin_lock(&vm->mmu_lock);
		for (i = 0; i < n; i++)
			svx_host_unpin((pins[i] & SPTE_ADDR) >> PAGE_SHIFT,
				       pins[i] & SPTE_W);
		svx_host_pins(vm, -(long)n);
		spin_unlock(&vm->mmu_lock);
		any = true;
	}
	return any;
}

/*
 * Zap every shadow entry that maps a gfn of [@start, @end) (the host page
 * behind them is going away): the shadow pages holding such leaves, or
 * shadowing a guest table there, and the nonpaging leaves.  Every vCPU
 * leaves guest mode and flushes its TLB before the pages are unpinned.
 * Never sleeps (it waits for IPIs): the MMU notifier calls it where it
 * may not block.  The caller holds no lock.
 */
void svx_mmu_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end)
{
	struct svx_sp *sp, *tmp;
	LIST_HEAD(dead);
	bool any = false;
	int as;

	spin_lock(&vm->mmu_lock);
	list_for_each_entry_safe(sp, tmp, &vm->sp_list, link) {
		if (svx_sp_in_range(sp, start, end)) {
			svx_zap_sp(vm, sp, &dead);
			any = true;
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (any) {
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
		spin_lock(&vm->mmu_lock);
		svx_free_dead(vm, &dead);
		spin_unlock(&vm->mmu_lock);
	}
	/* The nonpaging maps (both address spaces): GVA == GPA, 48 bits. */
	end = min_t(u64, end, 1ULL << 36);
	for (as = 0; as < SVX_ADDRESS_SPACE_NUM; as++)
		any |= svx_np_zap_range(vm, as, start, end);
	if (any)
		trace_svx_zap(vm->id, "range", start);
}

