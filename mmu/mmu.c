// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU.
 *
 * The CPU runs every guest with paging on and walks only the shadow tables
 * (GVA -> HPA); the guest's own tables are walked in software, on a shadow
 * fault, by the walker of mmu/walker.c.  This file owns the shadow tables.
 *
 * Guests with CR0.PG=0 use the nonpaging map: one 4-level tree per VM that
 * maps GVA == GPA to the host page backing the GPA, whose first 4 GiB hang
 * from four fixed page directories so that 32-bit guests can use them
 * through a per-vCPU PAE root (below 4 GiB).
 *
 * Guests with paging on use shadow pages: one shadow table page per guest
 * table and "role" (level, guest paging mode, quadrant of a 32-bit guest
 * table, the combined permissions of the entries above, CR0.WP, direct for
 * the 4 KiB pieces of a guest large page), found again by (gfn, role) in a
 * per-VM hash, so switching back to a known CR3 reuses its shadow root.
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

#include "../include/svx.h"
#include "mmu_host.h"
#include "spte.h"
#include "rmap.h"
#include "walker.h"
#include "svx_trace.h"

#define SVX_SP_HASH_BITS	10

#define SVX_PF_PRESENT	BIT(0)
#define SVX_PF_WRITE	BIT(1)

static u64 *svx_alloc_table(struct svx_vm *vm)
{
	u64 *table = svx_host_alloc_table(false);

	if (!table)
		return NULL;
	vm->stats.mmu[SVX_MMU_SP_ALLOCATED]++;
	return table;
}

/* Unpin every page and free every table below @table (level 4..1). */
static void svx_free_tree(struct svx_vm *vm, u64 *table, int level)
{
	int i;

	for (i = 0; i < 512; i++) {
		u64 e = table[i];

		if (!(e & SPTE_P))
			continue;
		if (level == 1) {
			u64 pfn = (e & SPTE_ADDR) >> PAGE_SHIFT;

			if (e & SPTE_PINNED) {
				svx_host_unpin(pfn, e & SPTE_W);
				svx_host_pins(vm, -1);
			}
		} else {
			svx_free_tree(vm, svx_host_va(e & SPTE_ADDR),
				      level - 1);
		}
	}
	svx_host_free_table(table);
	vm->sp_in_use--;
}

/* A fresh tree: PML4 -> PDPT -> the four directories of the low 4 GiB. */
static u64 *svx_new_tree(struct svx_vm *vm)
{
	u64 *pml4, *pdpt, *pd;
	int i;

	pml4 = svx_alloc_table(vm);
	pdpt = svx_alloc_table(vm);
	if (!pml4 || !pdpt)
		goto fail;
	pml4[0] = svx_host_pa(pdpt) | SPTE_TABLE;
	vm->sp_in_use += 2;
	for (i = 0; i < 4; i++) {
		pd = svx_alloc_table(vm);
		if (!pd) {
			svx_host_free_table(pdpt);
			pml4[0] = 0;
			goto fail_tree;
		}
		pdpt[i] = svx_host_pa(pd) | SPTE_TABLE;
		vm->sp_in_use++;
	}
	return pml4;
fail_tree:
	svx_free_tree(vm, pml4, 4);
	return NULL;
fail:
	svx_host_free_table(pml4);
	svx_host_free_table(pdpt);
	return NULL;
}

static u64 *svx_tree_pd(u64 *pml4, int i)
{
	u64 *pdpt = svx_host_va(pml4[0] & SPTE_ADDR);

	return svx_host_va(pdpt[i] & SPTE_ADDR);
}

static void svx_fill_pae_root(struct svx_vcpu *vcpu, u64 *pml4)
{
	int i;

	for (i = 0; i < 4; i++)
		vcpu->mmu.pae_root[i] = svx_host_pa(svx_tree_pd(pml4, i)) | SPTE_P;
}

static void svx_free_all_sps(struct svx_vm *vm);

int svx_mmu_vm_init(struct svx_vm *vm)
{
	INIT_LIST_HEAD(&vm->sp_list);
	INIT_LIST_HEAD(&vm->unsync_list);
	vm->sp_hash = kvcalloc(1 << SVX_SP_HASH_BITS, sizeof(*vm->sp_hash),
			       GFP_KERNEL_ACCOUNT);
	vm->rmap_hash = kvcalloc(1 << SVX_RMAP_HASH_BITS,
				 sizeof(*vm->rmap_hash), GFP_KERNEL_ACCOUNT);
	vm->np_root = svx_new_tree(vm);
	vm->np_spare = svx_new_tree(vm);
	if (!vm->sp_hash || !vm->rmap_hash || !vm->np_root || !vm->np_spare) {
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
	vm->np_root = NULL;
	vm->np_spare = NULL;
	kvfree(vm->sp_hash);
	kvfree(vm->rmap_hash);
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

static void svx_mmu_cache_free(struct svx_mmu_cache *c);

void svx_mmu_vcpu_destroy(struct svx_vcpu *vcpu)
{
	svx_host_free_table(vcpu->mmu.pae_root);
	svx_mmu_cache_free(&vcpu->mmu.cache);
}

/* Allocate the tables on the path to @gva's leaf, outside the lock. */
static u64 *svx_walk_alloc(struct svx_vm *vm, u64 *pml4, u64 gva,
			   u64 **spare, int *nspare)
{
	u64 *table = pml4;
	int level;

	for (level = 4; level > 1; level--) {
		unsigned int idx = (gva >> (12 + 9 * (level - 1))) & 511;
		u64 e = table[idx];

		if (!(e & SPTE_P)) {
			if (!*nspare)
				return NULL;
			table[idx] = svx_host_pa(spare[--*nspare]) | SPTE_TABLE;
			vm->sp_in_use++;
			e = table[idx];
		}
		table = svx_host_va(e & SPTE_ADDR);
	}
	return &table[(gva >> 12) & 511];
}

/* ---------------------------------------------------------------------- */
/* Shadow pages                                                            */


/* Permissions of a path, as in a role: write, user, execute. */
#define SVX_P_W		1
#define SVX_P_U		2
#define SVX_P_X		4
#define SVX_P_ALL	7

union svx_sp_role {
	u32 word;
	struct {
		u32 level:3;	/* shadow level 1..4 */
		u32 glevels:3;	/* guest root level: 2, 3 or 4 */
		u32 quadrant:2;	/* part of a 32-bit guest table */
		u32 direct:1;	/* a piece of a guest large page */
		u32 access:3;	/* SVX_P_* of the guest entries above */
		u32 cr0_wp:1;
		u32 nxe:1;	/* EFER.NXE: XD meaningful or reserved */
		u32 dirty:1;	/* direct: the guest large page's D bit */
		/*
		 * CR0.WP=0 turns a user page the guest's kernel writes into
		 * a supervisor one (svx_shadow_fault()): such SPTEs are not
		 * valid once CR4.SMEP or CR4.SMAP changes (KVM's roles).
		 */
		u32 smep_andnot_wp:1;
		u32 smap_andnot_wp:1;
	};
};

/*
 * Parent SPTEs.  Every link SPTE (an entry of a level-2+ shadow table that
 * points at a shadow page) is recorded in the shadow page it points at, as
 * KVM's sp->parent_ptes: the first in sp->parent, the others in a chain of
 * descriptors taken from the per-vCPU cache (svx_mmu_topup()) under
 * mmu_lock.  The PAE root entries of the vCPUs are not parents: a vCPU's
 * roots are found from the vCPU.  Unlinking a shadow page is then a walk
 * of its parents, not of every shadow page.
 */
#define SVX_PDESC_N	7
struct svx_pdesc {
	u64 *sptep[SVX_PDESC_N];	/* NULL: free slot */
	struct svx_pdesc *more;
};

struct svx_sp {
	struct hlist_node hash_link;
	struct list_head link;
	u64 gfn;		/* guest table, or first gfn when direct */
	union svx_sp_role role;
	u64 *spt;
	u64 *gfns;		/* level-1, not direct: gfn of each leaf */
	unsigned int write_count;	/* emulated writes since last use */
	bool unsync;		/* guest table writable, SPTEs maybe stale */
	struct list_head unsync_link;	/* in vm->unsync_list */
	/* The link SPTEs that point at this page (see above). */
	u64 *parent;
	struct svx_pdesc *pdesc;
	unsigned int nparents;
	/*
	 * Level 2+: entry i leads to an unsync page (KVM's
	 * unsync_child_bitmap); unsync_children counts the bits set.  A
	 * bit may outlive its reason (the page was synced another way, the
	 * link went): the next walk clears it.  But whenever a page is
	 * unsync or has unsync_children, the bit of each of its parent
	 * SPTEs is set, so a walk from a root reaches every unsync page
	 * below it.
	 */
	unsigned int unsync_children;
	DECLARE_BITMAP(unsync_child_bitmap, 512);
	/*
	 * Per entry in the reverse map: its slot there (mmu/rmap.c).  A page
	 * taken from the per-vCPU cache with the first such entry.
	 */
	u64 ***rmap_slots;
};

static u32 svx_hash(u64 gfn, unsigned int bits)
{
	return hash_64(gfn, bits);
}

static struct svx_sp *svx_spt_to_sp(u64 spte)
{
	return svx_host_table_owner(spte & SPTE_ADDR);
}

/* The shadow page whose table holds the SPTE at @sptep. */
static struct svx_sp *svx_sptep_to_sp(u64 *sptep)
{
	return svx_host_table_owner(svx_host_pa(sptep) & SPTE_ADDR);
}

static bool svx_is_link(u64 spte);

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
static void svx_link_spte(struct svx_vcpu *vcpu, u64 *sptep,
			  struct svx_sp *sp)
{
	*sptep = svx_host_pa(sp->spt) | SPTE_TABLE;
	svx_add_parent(&vcpu->mmu.cache, sp, sptep);
}

/* Clear link SPTE @sptep and its record in the page it points at. */
static void svx_unlink_spte(u64 *sptep)
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
static void svx_mark_unsync(u64 *sptep);

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

int svx_mmu_topup(struct svx_vcpu *vcpu);

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
		struct svx_sp *sp = kzalloc(sizeof(*sp), GFP_KERNEL_ACCOUNT);

		if (!sp)
			return -ENOMEM;
		c->sps[c->nsps++] = sp;
	}
	while (c->nrmaps < ARRAY_SIZE(c->rmaps)) {
		/* svx_rmap_add() sets every field it reads later. */
		struct svx_rmap *r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

		if (!r)
			return -ENOMEM;
		c->rmaps[c->nrmaps++] = r;
	}
	while (c->npdescs < ARRAY_SIZE(c->pdescs)) {
		struct svx_pdesc *d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

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

static void svx_mmu_cache_free(struct svx_mmu_cache *c)
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
 * A writable 2 MiB SPTE is in the reverse map under its first gfn with
 * this bit set, so that write-protecting any gfn inside finds it.
 */
#define SVX_RMAP_LARGE	BIT_ULL(63)

static bool svx_is_large(u64 spte)
{
	return (spte & (SPTE_P | SPTE_PS)) == (SPTE_P | SPTE_PS);
}

/* An entry of a level-2+ table that points at a shadow page. */
static bool svx_is_link(u64 spte)
{
	return (spte & (SPTE_P | SPTE_PS)) == SPTE_P;
}

/*
 * Drop a leaf SPTE (4 KiB, or 2 MiB in a level-2 table; @gfn: the first
 * gfn it maps): its pins and, if writable, its reverse-map entry.
 */
static void svx_drop_leaf(struct svx_vm *vm, u64 *sptep, u64 gfn)
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

/* The (first) gfn a leaf SPTE of @sp at @idx maps. */
static u64 svx_leaf_gfn(struct svx_sp *sp, unsigned int idx)
{
	return sp->role.direct ?
	       sp->gfn + ((u64)idx << (9 * (sp->role.level - 1))) :
	       sp->gfns[idx];
}

/* Clear entry @i of a level-2+ table: a link, or a 2 MiB leaf. */
static void svx_clear_upper(struct svx_vm *vm, struct svx_sp *sp,
			    unsigned int i)
{
	if (svx_is_large(sp->spt[i]))
		svx_drop_leaf(vm, &sp->spt[i], svx_leaf_gfn(sp, i));
	else if (svx_is_link(sp->spt[i]))
		svx_unlink_spte(&sp->spt[i]);
	else
		sp->spt[i] = 0;
}

static void svx_unsync_unlink(struct svx_vm *vm, struct svx_sp *sp)
{
	if (!sp->unsync)
		return;
	sp->unsync = false;
	list_del(&sp->unsync_link);
	vm->nr_unsync--;
}

static void svx_free_sp(struct svx_vm *vm, struct svx_sp *sp)
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

static bool svx_gfn_is_shadowed(struct svx_vm *vm, u64 gfn)
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
static bool svx_gfn_write_tracked(struct svx_vm *vm, u64 gfn)
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
static bool svx_write_protect(struct svx_vm *vm, u64 gfn)
{
	bool flush = svx_write_protect_key(vm, gfn);

	return svx_write_protect_key(vm, (gfn & ~511ULL) | SVX_RMAP_LARGE) ||
	       flush;
}

/* Is any gfn of the 2 MiB at @gfn (aligned) a guest table we shadow? */
static bool svx_range_shadowed(struct svx_vm *vm, u64 gfn)
{
	unsigned int i;

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
static bool svx_mmu_dirty_ok(const struct svx_memslot *s, bool write)
{
	if (s->flags & KVM_MEM_READONLY)
		return false;
	return write || !(s->flags & KVM_MEM_LOG_DIRTY_PAGES);
}

/* Clear W in the nonpaging leaf of @gfn; true if it was writable. */
static bool svx_np_write_protect(struct svx_vm *vm, u64 gfn)
{
	u64 *table = vm->np_root, e;
	int level;

	if (!table || gfn >= (1ULL << 36))
		return false;
	for (level = 4; level > 1; level--) {
		e = table[(gfn >> (9 * (level - 1))) & 511];
		if (!(e & SPTE_P))
			return false;
		table = svx_host_va(e & SPTE_ADDR);
	}
	if ((table[gfn & 511] & (SPTE_P | SPTE_W)) != (SPTE_P | SPTE_W))
		return false;
	table[gfn & 511] &= ~SPTE_W;
	return true;
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

/*
 * Unsync shadow pages.  A guest write to a table page that only level-1
 * shadow pages derive from does not trap: the pages are marked unsync and
 * the guest gets a writable mapping of its table.  Their SPTEs may then
 * be older than the guest's PTEs, exactly as the TLB entries of a real CPU
 * may be (SDM 4.10.4): the guest must INVLPG or reload CR3 before relying
 * on a change.  INVLPG drops the one SPTE; a CR3 load (or any change that
 * flushes the guest's TLB, all of which reload the root) resyncs the
 * unsync pages reachable from the new root: each SPTE is compared with the
 * guest PTE it came from, dropped if the guest changed it, and the page is
 * write-protected again.  As in KVM, a page that goes unsync marks its
 * parent SPTEs, and theirs up to the roots (unsync_child_bitmap), and the
 * root load walks down the marked entries only.  An unsync page that the
 * new root does not reach stays unsync until a root that reaches it is
 * loaded, or it is linked anew (svx_get_sp(), svx_fetch()), which brings
 * it up to date first, as a TLB fill would.
 */

/* The frame guest PTE @gpte of @esz bytes (4: 32-bit paging) maps. */
static inline u64 svx_gpte_gfn(u64 gpte, unsigned int esz)
{
	return (gpte & (esz == 4 ? 0xfffff000ULL : SPTE_ADDR)) >> PAGE_SHIFT;
}

/*
 * May an SPTE be built from (or kept for) guest PTE @gpte of @esz bytes
 * (4: 32-bit paging) without a guest walk: present, accessed, and no
 * reserved bit set (address bits above MAXPHYADDR, XD without EFER.NXE)?
 * *@gfn: the frame it maps.  The resync, the prefetch and the PT-write
 * and INVLPG updates ask this of the guest PTEs of a table they shadow.
 */
static inline bool svx_gpte_usable(struct svx_vcpu *vcpu, u64 gpte,
				   unsigned int esz, u64 *gfn)
{
	u64 rsvd;

	*gfn = svx_gpte_gfn(gpte, esz);
	if (!(gpte & SVX_PTE_P) || !(gpte & SVX_PTE_A))
		return false;
	if (esz == 4)		/* 32-bit PTEs have no reserved bits */
		return true;
	rsvd = SPTE_ADDR & ~((1ULL << svx_host_maxphyaddr()) - 1);
	if (!(vcpu->efer & EFER_NX))
		rsvd |= SVX_PTE_XD;
	return !(gpte & rsvd);
}

/* Does a kept SPTE still follow from guest PTE @gpte?  (@gfn: its frame.) */
static bool svx_spte_stale(struct svx_vcpu *vcpu, const struct svx_sp *sp,
			   u64 spte, u64 gfn, u64 gpte)
{
	bool nxe = vcpu->efer & EFER_NX;
	u64 g;

	if (!(spte & SPTE_P))		/* MMIO SPTE: let it fault again */
		return true;
	if (!svx_gpte_usable(vcpu, gpte, sp->role.glevels == 2 ? 4 : 8, &g) ||
	    g != gfn)
		return true;
	if ((spte & SPTE_W) &&
	    (!(gpte & SVX_PTE_D) ||
	     (!(gpte & SVX_PTE_RW) && (sp->role.cr0_wp || (spte & SPTE_U)))))
		return true;
	if ((spte & SPTE_U) && !(gpte & SVX_PTE_US))
		return true;
	return nxe && !(spte & SVX_PTE_XD) && (gpte & SVX_PTE_XD);
}

/* Resync one unsync level-1 page (not write-protected here); mmu_lock. */
static bool svx_sync_sp(struct svx_vcpu *vcpu, struct svx_sp *sp)
{
	struct svx_vm *vm = vcpu->vm;
	unsigned int esz = sp->role.glevels == 2 ? 4 : 8;
	u64 base = ((u64)sp->gfn << PAGE_SHIFT) +
		   (esz == 4 ? sp->role.quadrant * 2048 : 0);
	unsigned int i, dropped = 0;
	int chunk = -1;
	bool ok = false;
	u8 buf[256];

	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i], gpte = 0;
		unsigned int off = i * esz;

		if (!(e & (SPTE_P | SPTE_MMIO)))
			continue;
		if ((int)(off / sizeof(buf)) != chunk) {
			chunk = off / sizeof(buf);
			ok = !svx_host_read_gpa_atomic(vm, base + chunk *
							 sizeof(buf), buf,
							 sizeof(buf));
		}
		if (ok)
			memcpy(&gpte, buf + off % sizeof(buf), esz);
		if (ok && (svx_mmu_bug(SVX_BUG_NO_RESYNC) ||
			   !svx_spte_stale(vcpu, sp, e, sp->gfns[i], gpte)))
			continue;
		if (e & SPTE_P)
			svx_drop_leaf(vm, &sp->spt[i], sp->gfns[i]);
		else
			sp->spt[i] = 0;
		dropped++;
	}
	svx_unsync_unlink(vm, sp);
	vcpu->stats.mmu[SVX_MMU_SYNC]++;
	trace_svx_unsync(vm->id, sp->gfn, true, dropped);
	return dropped;
}

/* Resync every unsync page of @gfn and write-protect it again; mmu_lock. */
static bool svx_sync_gfn(struct svx_vcpu *vcpu, u64 gfn)
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
static bool svx_sync_children(struct svx_vcpu *vcpu, struct svx_sp *sp)
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
static bool svx_sync_root(struct svx_vcpu *vcpu)
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
static bool svx_try_unsync(struct svx_vcpu *vcpu, u64 gfn)
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

static struct svx_sp *svx_get_sp(struct svx_vcpu *vcpu, u64 gfn,
				 union svx_sp_role role, bool *flush)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_mmu_cache *c = &vcpu->mmu.cache;
	struct svx_sp *sp;

	hlist_for_each_entry(sp, &vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)],
			     hash_link) {
		if (sp->gfn == gfn && sp->role.word == role.word) {
			sp->write_count = 0;
			/* Linked anew: bring it up to date (as a TLB fill). */
			if (sp->unsync && svx_sync_gfn(vcpu, gfn))
				*flush = true;
			return sp;
		}
	}
	/* A new view of @gfn: its unsync leaf pages are tracked again. */
	if (!role.direct && svx_sync_gfn(vcpu, gfn))
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
	hlist_del_init(&sp->hash_link);
	list_move(&sp->link, dead);
	vm->stats.mmu[SVX_MMU_ZAP]++;
}

static void svx_free_dead(struct svx_vm *vm, struct list_head *dead)
{
	struct svx_sp *sp, *tmp;

	list_for_each_entry_safe(sp, tmp, dead, link) {
		list_del(&sp->link);
		svx_free_sp(vm, sp);
	}
}

/* VM destruction: no vCPU runs anymore. */
static void svx_free_all_sps(struct svx_vm *vm)
{
	struct svx_sp *sp, *tmp;

	list_for_each_entry_safe(sp, tmp, &vm->sp_list, link) {
		svx_unsync_unlink(vm, sp);
		list_del(&sp->link);
		svx_free_sp(vm, sp);
	}
}

/* Stop shadowing @gfn as a page table (all its shadow pages go). */
static void svx_unshadow(struct svx_vm *vm, u64 gfn, struct list_head *dead)
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
		hlist_del_init(&sp->hash_link);
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
static void svx_mmu_make_room(struct svx_vcpu *vcpu)
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
	u64 *old, *fresh = vm->np_spare;
	struct svx_sp *sp, *tmp;
	LIST_HEAD(dead);
	int i;

	vm->np_spare = NULL;
	if (WARN_ON_ONCE(!fresh))
		fresh = svx_new_tree(vm);

	spin_lock(&vm->mmu_lock);
	list_for_each_entry_safe(sp, tmp, &vm->sp_list, link) {
		svx_unsync_unlink(vm, sp);
		hlist_del_init(&sp->hash_link);
		list_move(&sp->link, &dead);
	}
	old = NULL;
	if (fresh) {
		old = vm->np_root;
		vm->np_root = fresh;
	}
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
 * Clear the nonpaging leaves of gfns [*@gfn, @end), at most @max of them
 * holding a pin; their old values go to @pins and *@gfn to where to go on.
 * mmu_lock.
 */
static unsigned int svx_np_clear(struct svx_vm *vm, u64 *gfn, u64 end,
				 u64 *pins, unsigned int max)
{
	unsigned int n = 0;

	while (*gfn < end && n < max) {
		u64 *table = vm->np_root, e;
		int level;

		for (level = 4; level > 1; level--) {
			e = table[(*gfn >> (9 * (level - 1))) & 511];
			if (!(e & SPTE_P))
				break;
			table = svx_host_va(e & SPTE_ADDR);
		}
		if (level > 1) {	/* nothing below: skip the whole table */
			*gfn = (*gfn | ((1ULL << (9 * (level - 1))) - 1)) + 1;
			continue;
		}
		e = table[*gfn & 511];
		table[*gfn & 511] = 0;
		if ((e & SPTE_P) && (e & SPTE_PINNED))
			pins[n++] = e;
		(*gfn)++;
	}
	return n;
}

/*
 * Zap every shadow entry that maps a gfn of [@start, @end) (the host page
 * behind them is going away): the shadow pages holding such leaves, or
 * shadowing a guest table there, and the nonpaging leaves.  Every vCPU
 * leaves guest mode and flushes its TLB before the pages are unpinned.
 * May sleep; the caller holds no lock.
 */
void svx_mmu_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end)
{
	u64 pins[SVX_ZAP_BATCH], gfn = start;
	struct svx_sp *sp, *tmp;
	unsigned int n, i;
	LIST_HEAD(dead);
	bool any = false;

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
	/* The nonpaging map: GVA == GPA, 48 bits. */
	end = min_t(u64, end, 1ULL << 36);
	while (gfn < end) {
		spin_lock(&vm->mmu_lock);
		n = vm->np_root ? svx_np_clear(vm, &gfn, end, pins,
					      SVX_ZAP_BATCH) : 0;
		if (!vm->np_root)
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
	if (any)
		trace_svx_zap(vm->id, "range", start);
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
	svx_update_hw_cr(vcpu);
}

static union svx_sp_role svx_base_role(struct svx_vcpu *vcpu, int level)
{
	union svx_sp_role role = { .word = 0 };

	role.level = level;
	role.glevels = vcpu->mmu.mode == SVX_MODE_LONG64 ? 4 :
		       vcpu->mmu.mode == SVX_MODE_PAE ? 3 : 2;
	role.access = SVX_P_ALL;
	role.cr0_wp = !!(vcpu->cr0 & X86_CR0_WP);
	role.nxe = !!(vcpu->efer & EFER_NX);
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
	int i, before = vm->nr_sps;

	switch (vcpu->mmu.mode) {
	case SVX_MODE_NONPAGING:
		if (svx_guest_long_mode(vcpu))
			return svx_host_pa(vm->np_root);
		svx_fill_pae_root(vcpu, vm->np_root);
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
	return svx_read_guest_phys(vcpu->vm, gpa, val, size) ? -EFAULT : 0;
}

static int svx_walk_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new,
			    unsigned int size)
{
	struct svx_vcpu *vcpu = ctx;

	return svx_host_cmpxchg_gpa(vcpu->vm, gpa, old, new, size);
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
/* Faults                                                                  */

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
static struct svx_sp *svx_walk_start(struct svx_vcpu *vcpu, u64 gva,
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

/*
 * Walk the shadow tables for @w->gva from the root, creating the shadow
 * pages on the way; returns the leaf SPTE slot and its shadow page.
 * Under mmu_lock.
 */
static u64 *svx_fetch(struct svx_vcpu *vcpu, const struct svx_walk *w,
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
		/* Permissions of the guest entries down to this level. */
		if (level <= w->root_level && level >= w->level &&
		    !(w->root_level == 3 && level == 3))
			perm &= svx_entry_perm(w->pte[level], nxe);
		role = svx_base_role(vcpu, level - 1);
		role.access = perm;
		if (level - 1 >= w->level) {
			/* The guest has a table at level - 1. */
			gfn = w->table_gfn[level - 1];
			if (role.glevels == 2 && level - 1 == 1)
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

static void svx_inject_pf(struct svx_vcpu *vcpu, const struct svx_walk *w)
{
	vcpu->cr2 = w->fault_addr;
	vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
	svx_inject_page_fault(vcpu, w->error_code);
}

/* The leaf SPTE slot for @gva in the current root, or NULL; mmu_lock. */
static u64 *svx_lookup_leaf(struct svx_vcpu *vcpu, u64 gva)
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

/* Without L1TF: the whole address field holds the GPA. */
struct svx_mmio_layout svx_mmio_layout = { .cache = true, .low = SPTE_ADDR };

bool svx_spte_init(unsigned int l1tf_cache_bits)
{
	struct svx_mmio_layout *l = &svx_mmio_layout;
	unsigned int low_bits = l1tf_cache_bits - SVX_L1TF_SHIFT;

	*l = (struct svx_mmio_layout){ .cache = true, .low = SPTE_ADDR };
	if (!l1tf_cache_bits)
		return true;
	/* The moved bits must stay below bit 52 (the generation's). */
	if (l1tf_cache_bits + SVX_L1TF_SHIFT > 52 || low_bits <= PAGE_SHIFT) {
		l->cache = false;
		return false;
	}
	l->rsvd = GENMASK_ULL(l1tf_cache_bits - 1, low_bits);
	l->low = GENMASK_ULL(low_bits - 1, PAGE_SHIFT);
	return true;
}

/* The generation bits of an MMIO SPTE made in memslot generation @gen. */
static u64 svx_mmio_gen_bits(u64 gen)
{
	gen &= SVX_MMIO_GEN_MASK;
	return ((gen << 3) & SPTE_MMIO_GEN_LO) |
	       ((gen >> 9) << 52 & SPTE_MMIO_GEN_HI);
}

/*
 * After a memslot change (under vm->lock): when the generation bits of
 * MMIO SPTEs wrap, an old MMIO SPTE could look current: zap them all.
 * (Deleted and moved slots zap everything anyway, see core/vm.c.)
 */
void svx_mmu_memslots_changed(struct svx_vm *vm, u64 gen)
{
	if (!(gen & SVX_MMIO_GEN_MASK))
		svx_mmu_zap_all(vm);
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

/* Remember that @w->gva is MMIO (no memslot at @w->gpa). */
static void svx_install_mmio_spte(struct svx_vcpu *vcpu,
				  const struct svx_walk *w, u64 gen)
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
		sptep = svx_fetch(vcpu, w, false, &sp, &flush);
		if (sptep) {
			svx_drop_leaf(vm, sptep,
				      svx_leaf_gfn(sp, (w->gva >> 12) & 511));
			if (!sp->role.direct)
				sp->gfns[(w->gva >> 12) & 511] =
					w->gpa >> PAGE_SHIFT;
			/* W only once D is set, as for RAM SPTEs. */
			*sptep = SPTE_MMIO | svx_mmio_gen_bits(gen) |
				 (svx_mmu_bug(SVX_BUG_MMIO_L1TF) ?
				  w->gpa & SPTE_ADDR : svx_mmio_addr(w->gpa)) |
				 ((w->pte_access & SVX_ACC_WRITE) &&
				  (w->pte[w->level] & SVX_PTE_D) ? SPTE_W : 0) |
				 ((w->pte_access & SVX_ACC_USER) ? SPTE_U : 0);
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
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
 */
#define SVX_PREFETCH	8
#define SVX_NO_PFN	(~0ULL)

struct svx_prefetch {
	unsigned int n;
	unsigned int first;		/* shadow index of pte[0] */
	u64 gpte[SVX_PREFETCH];
	u64 pfn[SVX_PREFETCH];		/* pinned, or SVX_NO_PFN */
	bool writable[SVX_PREFETCH];	/* slot allows writes */
};

static void svx_prefetch_prepare(struct svx_vcpu *vcpu,
				 const struct svx_walk *w,
				 struct svx_prefetch *pf)
{
	unsigned int esz = w->root_level == 2 ? 4 : 8, gi, j;
	u64 table, gfn, gen;
	struct svx_memslot s;
	u8 buf[SVX_PREFETCH * 8];

	pf->n = 0;
	if (!svx_prefetch_enabled || w->level != 1)
		return;
	gi = (w->gva >> PAGE_SHIFT) & (esz == 4 ? 1023 : 511);
	gi &= ~(SVX_PREFETCH - 1);
	table = (w->table_gfn[1] << PAGE_SHIFT) + gi * esz;
	if (svx_read_guest_phys(vcpu->vm, table, buf, SVX_PREFETCH * esz))
		return;
	pf->first = gi % 512;
	for (j = 0; j < SVX_PREFETCH; j++) {
		u64 g = 0;

		memcpy(&g, buf + j * esz, esz);
		pf->pfn[j] = SVX_NO_PFN;
		pf->gpte[j] = g;
		if (pf->first + j == ((w->gva >> PAGE_SHIFT) & 511) ||
		    !svx_gpte_usable(vcpu, g, esz, &gfn))
			continue;
		/* As KVM: no prefetch in a logged slot (nor its pins). */
		if (!svx_memslot_get(vcpu->vm, gfn, &s, &gen) ||
		    (s.flags & KVM_MEM_LOG_DIRTY_PAGES) ||
		    svx_host_pin_gfn(vcpu, &s, gfn, &pf->pfn[j])) {
			pf->pfn[j] = SVX_NO_PFN;
			continue;
		}
		/* Logged slot: read-only, a write faults (svx_mmu_dirty_ok). */
		pf->writable[j] = svx_mmu_dirty_ok(&s, false);
		pf->n++;
	}
}

/*
 * Install the SPTE for guest PTE @g (usable, see svx_gpte_usable(); its
 * page pinned at @pfn; @writable: the memslot allows writes) at @idx of
 * level-1 page @sp, with the permissions of @sp's role, unless @sp is
 * direct or the entry is in use.  True if installed: the SPTE holds the
 * pin.  Shared by the prefetch, the PT-write update and INVLPG; mmu_lock.
 */
static bool svx_install_gpte(struct svx_vcpu *vcpu, struct svx_sp *sp,
			     unsigned int idx, u64 g, u64 pfn, bool writable,
			     unsigned int stat)
{
	struct svx_vm *vm = vcpu->vm;
	bool nxe = vcpu->efer & EFER_NX;
	u64 gfn, spte, *sptep = &sp->spt[idx];

	if (sp->role.direct || (*sptep & (SPTE_P | SPTE_MMIO)))
		return false;
	gfn = svx_gpte_gfn(g, sp->role.glevels == 2 ? 4 : 8);
	spte = (pfn << PAGE_SHIFT) | SPTE_P | SPTE_A | SPTE_PINNED;
	if ((sp->role.access & SVX_P_U) && (g & SVX_PTE_US))
		spte |= SPTE_U;
	if (nxe && (!(sp->role.access & SVX_P_X) || (g & SVX_PTE_XD)))
		spte |= SVX_PTE_XD;
	if ((sp->role.access & SVX_P_W) && (g & SVX_PTE_RW) &&
	    (g & SVX_PTE_D) && writable &&
	    !svx_gfn_write_tracked(vm, gfn) &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, gfn, sptep))
		spte |= SPTE_W | SPTE_D;
	sp->gfns[idx] = gfn;
	*sptep = spte;
	svx_host_pins(vm, 1);
	vcpu->stats.mmu[stat]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	return true;
}

/* Install the prepared neighbours in @sp; mmu_lock.  Unpins the rest. */
static void svx_prefetch_install(struct svx_vcpu *vcpu, struct svx_sp *sp,
				 struct svx_prefetch *pf, unsigned int stat)
{
	unsigned int j;

	for (j = 0; pf->n && j < SVX_PREFETCH; j++)
		if (pf->pfn[j] != SVX_NO_PFN &&
		    !svx_install_gpte(vcpu, sp, pf->first + j, pf->gpte[j],
				      pf->pfn[j], pf->writable[j], stat))
			svx_host_unpin(pf->pfn[j], false);
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

/* A shadow fault of a guest with paging on. */
static int svx_shadow_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
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
	u64 gfn, gen, spte, *sptep, pfn;
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
	if (r < 0) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "guest page tables outside guest RAM");
		return SVX_USER;
	}
	if (r) {
		svx_inject_pf(vcpu, &w);
		return SVX_RESUME;
	}
	gfn = w.gpa >> PAGE_SHIFT;

	seq = svx_mmu_seq_begin(vm);
	found = svx_memslot_get(vm, gfn, &s, &gen);
	if (!found || (write && (s.flags & KVM_MEM_READONLY))) {
		vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
		if (!found)
			svx_install_mmio_spte(vcpu, &w, gen);
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
		r = svx_host_pin_2m(vcpu, &s, gfn & ~511ULL, pfn, &pfn2m);
		if (r < 0) {
			svx_host_unpin(pfn, false);
			return r;
		}
		large = r;
	}
	if (!large)
		svx_prefetch_prepare(vcpu, &w, &pf);

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
	sptep = svx_fetch(vcpu, &w, large &&
			  (svx_mmu_bug(SVX_BUG_LARGE_OVER_TABLE) ||
			   !svx_range_shadowed(vm, gfn & ~511ULL)), &sp, &flush);
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
	svx_drop_leaf(vm, sptep, svx_leaf_gfn(sp, (gva >> 12) & 511));
	spte = ((pfn + svx_mmu_bug(SVX_BUG_WRONG_PFN)) << PAGE_SHIFT) |
	       SPTE_P | SPTE_A | SPTE_PINNED;
	if (w.pte_access & SVX_ACC_USER && !wp0_trick)
		spte |= SPTE_U;
	if ((vcpu->efer & EFER_NX) && !(w.pte_access & SVX_ACC_FETCH))
		spte |= SVX_PTE_XD;
	if (wp0_trick && (w.pte_access & SVX_ACC_USER) &&
	    (vcpu->cr4 & X86_CR4_SMEP) && !svx_mmu_bug(SVX_BUG_WP0_EXEC))
		spte |= SVX_PTE_XD;
	if (((w.pte_access & SVX_ACC_WRITE) || wp0_trick ||
	     svx_mmu_bug(SVX_BUG_WIDE_PERM)) &&
	    (w.pte[w.level] & SVX_PTE_D) && svx_mmu_dirty_ok(&s, write) &&
	    !svx_gfn_write_tracked(vm, gfn) &&
	    svx_rmap_add(vm, &vcpu->mmu.cache, gfn, sptep)) {
		spte |= SPTE_W | SPTE_D;
		svx_memslot_mark_dirty(&s, gfn);	/* generation checked */
	}
	if (!sp->role.direct)
		sp->gfns[(gva >> 12) & 511] = gfn;
	*sptep = spte;
	trace_svx_spte_install(vcpu->id, gva, w.gpa, spte);
	svx_host_pins(vm, 1);
	svx_prefetch_install(vcpu, sp, &pf, SVX_MMU_PREFETCH);
	spin_unlock(&vm->mmu_lock);
	if (flush)
		svx_kick_all(vm, SVX_REQ_TLB_FLUSH);
	vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	return SVX_RESUME;
}

/*
 * A write to @gpa of slot @s whose nonpaging leaf is present and read-only
 * (write-protected for the dirty log): make it writable and log the page,
 * without the pin and table allocations of a full fault.  True if done.
 */
static bool svx_np_make_writable(struct svx_vm *vm,
				 const struct svx_memslot *s, u64 gpa, u64 gen,
				 unsigned long seq)
{
	bool done = false;
	u64 *table, e;
	int level;

	if (!svx_mmu_dirty_ok(s, true))
		return false;
	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation != gen ||
	    svx_mmu_seq_retry(vm, seq) || !vm->np_root)
		goto out;
	table = vm->np_root;
	for (level = 4; level > 1; level--) {
		e = table[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(e & SPTE_P))
			goto out;
		table = svx_host_va(e & SPTE_ADDR);
	}
	e = table[(gpa >> 12) & 511];
	if ((e & (SPTE_P | SPTE_W)) == SPTE_P) {
		table[(gpa >> 12) & 511] = e | SPTE_W | SPTE_D;
		svx_memslot_mark_dirty(s, gpa >> PAGE_SHIFT);
		done = true;
	}
out:
	spin_unlock(&vm->mmu_lock);
	return done;
}

/* The nonpaging map: GVA == GPA. */
static int svx_nonpaging_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	struct svx_vm *vm = vcpu->vm;
	bool write = error_code & SVX_PF_WRITE;
	struct svx_memslot s;
	u64 *spare[3] = { NULL, NULL, NULL };
	int nspare = 0, r, i;
	u64 gpa, gen, *sptep, pfn;
	unsigned long seq;
	bool found;

	if (!svx_guest_long_mode(vcpu))
		gva = (u32)gva;
	gpa = gva;

	seq = svx_mmu_seq_begin(vm);
	found = svx_memslot_get(vm, gpa >> PAGE_SHIFT, &s, &gen);
	if (!found || (write && (s.flags & KVM_MEM_READONLY))) {
		vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
		return svx_emulate_mmio(vcpu, gva, gpa, write);
	}
	if (write && svx_np_make_writable(vm, &s, gpa, gen, seq)) {
		vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
		return SVX_RESUME;
	}

	r = svx_host_pin_gfn(vcpu, &s, gpa >> PAGE_SHIFT, &pfn);
	if (r)
		return r;
	for (i = 0; i < 3; i++) {
		spare[i] = svx_alloc_table(vm);
		if (!spare[i])
			goto nomem;
		nspare++;
	}

	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation != gen ||
	    svx_mmu_seq_retry(vm, seq)) {
		/* The slot or its memory changed: let the guest fault again. */
		spin_unlock(&vm->mmu_lock);
		svx_host_unpin(pfn, false);
		r = SVX_RESUME;
		goto out;
	}
	sptep = svx_walk_alloc(vm, vm->np_root, gva, spare, &nspare);
	if (*sptep & SPTE_P) {
		/*
		 * Another vCPU installed it first, or a write to a page of a
		 * logged slot that was mapped read-only: make it writable and
		 * log it (the SPTE maps the page we pinned: same generation,
		 * no invalidation since).
		 */
		if (write && !(*sptep & SPTE_W) && svx_mmu_dirty_ok(&s, true)) {
			*sptep |= SPTE_W | SPTE_D;
			svx_memslot_mark_dirty(&s, gpa >> PAGE_SHIFT);
			vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
		}
		spin_unlock(&vm->mmu_lock);
		svx_host_unpin(pfn, false);
		r = SVX_RESUME;
		goto out;
	}
	*sptep = (pfn << PAGE_SHIFT) | SPTE_P | SPTE_U |
		 SPTE_A | SPTE_PINNED |
		 (svx_mmu_dirty_ok(&s, write) ? SPTE_W | SPTE_D : 0);
	if (*sptep & SPTE_W)
		svx_memslot_mark_dirty(&s, gpa >> PAGE_SHIFT);
	trace_svx_spte_install(vcpu->id, gva, gpa, *sptep);
	svx_host_pins(vm, 1);
	spin_unlock(&vm->mmu_lock);
	vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	r = SVX_RESUME;
out:
	for (i = 0; i < nspare; i++) {
		svx_host_free_table(spare[i]);
		vm->stats.mmu[SVX_MMU_SP_ALLOCATED]--;
	}
	return r;
nomem:
	svx_host_unpin(pfn, false);
	r = -ENOMEM;
	goto out;
}

/* ---------------------------------------------------------------------- */
/* Audit: every SPTE of the current root agrees with a fresh guest walk     */

struct svx_audit_ent {
	u64 gva, gfn;
	bool writable, user, exec, unsync, large;
};

#define SVX_AUDIT_MAX	2048

/* Collect the leaf SPTEs reachable from the root; under mmu_lock. */
static int svx_audit_collect(struct svx_vcpu *vcpu, struct svx_sp *sp,
			     u64 base, struct svx_audit_ent *ents, int n)
{
	int level = sp->role.level;
	unsigned int i, j;

	for (i = 0; i < 512 && n < SVX_AUDIT_MAX; i++) {
		u64 e = sp->spt[i];
		u64 gva = base | ((u64)i << (12 + 9 * (level - 1)));

		if (!(e & SPTE_P))
			continue;
		if (level == 2 && svx_is_large(e) && n + 2 <= SVX_AUDIT_MAX) {
			/* 2 MiB: its first and last 4 KiB pages */
			if (vcpu->mmu.mode == SVX_MODE_LONG64)
				gva = (u64)((s64)(gva << 16) >> 16);
			for (j = 0; j < 2; j++, n++) {
				ents[n].gva = gva + j * (0x200000 - PAGE_SIZE);
				ents[n].gfn = svx_leaf_gfn(sp, i) + j * 511;
				ents[n].writable = e & SPTE_W;
				ents[n].user = e & SPTE_U;
				ents[n].exec = !(e & SVX_PTE_XD);
				ents[n].unsync = false;
				ents[n].large = true;
			}
			continue;
		}
		if (level > 1) {
			n = svx_audit_collect(vcpu, svx_spt_to_sp(e), gva, ents,
					      n);
			continue;
		}

		if (vcpu->mmu.mode == SVX_MODE_LONG64)
			gva = (u64)((s64)(gva << 16) >> 16);
		ents[n].gva = gva;
		ents[n].gfn = svx_leaf_gfn(sp, i);
		ents[n].writable = e & SPTE_W;
		ents[n].user = e & SPTE_U;
		ents[n].exec = !(e & SVX_PTE_XD);
		ents[n].unsync = sp->unsync;
		ents[n].large = false;
		n++;
	}
	return n;
}

static void svx_mmu_audit(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_audit_ent *ents;
	struct svx_walk_env env;
	struct svx_walk w;
	int n = 0, i;

	if (vcpu->mmu.mode == SVX_MODE_NONPAGING || !vcpu->mmu.root_hpa)
		return;
	ents = kvmalloc_array(SVX_AUDIT_MAX, sizeof(*ents), GFP_KERNEL_ACCOUNT);
	if (!ents)
		return;
	spin_lock(&vm->mmu_lock);
	if (vcpu->mmu.mode == SVX_MODE_LONG64) {
		if (vcpu->mmu.root_sp)
			n = svx_audit_collect(vcpu, vcpu->mmu.root_sp, 0, ents,
					      0);
	} else {
		for (i = 0; i < 4; i++) {
			u64 e = vcpu->mmu.pae_root[i];

			if (e & SPTE_P)
				n = svx_audit_collect(vcpu, svx_spt_to_sp(e),
						      (u64)i << 30, ents, n);
		}
	}
	spin_unlock(&vm->mmu_lock);

	svx_walk_env(vcpu, &env);
	for (i = 0; i < n; i++) {
		bool bad;
		int r;

		/*
		 * An unsync page may lag the guest's PTEs until the next
		 * resync, as a TLB may: only the write tracking is checked.
		 */
		r = 0;
		bad = false;
		memset(&w, 0, sizeof(w));
		if (!ents[i].unsync) {
			r = svx_walk_addr(&env, ents[i].gva, SVX_ACC_NO_AD, &w);
			/* A supervisor probe may fault on SMAP: that is fine. */
			bad = r < 0 ||
			      (r == 0 && w.gpa >> PAGE_SHIFT != ents[i].gfn) ||
			      (r == 1 && !(w.error_code & SVX_PFERR_PRESENT));
		}
		if (!bad && r == 0 && !ents[i].unsync) {
			if (ents[i].writable &&
			    (!(w.pte[w.level] & SVX_PTE_D) ||
			     (!(w.pte_access & SVX_ACC_WRITE) &&
			      (vcpu->cr0 & X86_CR0_WP))))
				bad = true;
			if (ents[i].user && !(w.pte_access & SVX_ACC_USER))
				bad = true;
			/* SMEP: the kernel may not run a guest user page. */
			if (!ents[i].user && ents[i].exec &&
			    (w.pte_access & SVX_ACC_USER) &&
			    (vcpu->cr4 & X86_CR4_SMEP))
				bad = true;
		}
		if (ents[i].writable) {
			spin_lock(&vm->mmu_lock);
			if (svx_gfn_write_tracked(vm, ents[i].gfn) ||
			    (ents[i].large &&
			     svx_range_shadowed(vm, ents[i].gfn & ~511ULL)))
				bad = true;
			spin_unlock(&vm->mmu_lock);
		}
		vcpu->stats.mmu[SVX_MMU_AUDIT_CHECKS]++;
		svx_host_audit_count(bad);
		if (bad) {
			vcpu->stats.mmu[SVX_MMU_AUDIT_VIOLATIONS]++;
			svx_vm_warn(vm, "vcpu%d: audit: SPTE for gva %#llx (gfn %#llx%s%s) disagrees with the guest walk (status %d, gpa %#llx, error %#x)\n",
				    vcpu->id, ents[i].gva, ents[i].gfn,
				    ents[i].writable ? ", W" : "",
				    ents[i].user ? ", U" : "", r, w.gpa,
				    w.error_code);
		}
	}
	kvfree(ents);
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
	if (!svx_memslot_get(vcpu->vm, gfn, &s, &up->gen) ||
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

	if (up->pfn == SVX_NO_PFN || sp->role.level != 1 || sp->role.direct)
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
 * INVLPG: forget the leaf SPTE for @gva (the guest may have changed it).
 * In an unsync page the guest usually did: as KVM does, the SPTE is then
 * rebuilt from the guest PTE at once (when it is present, accessed and
 * maps RAM), so the access that follows the INVLPG does not fault.
 */
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

void svx_mmu_invlpg(struct svx_vcpu *vcpu, u64 gva)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_pt_update up = { .pfn = SVX_NO_PFN };
	u64 *table, e, tgfn = ~0ULL, gpte = 0;
	unsigned int esz, gi = 0;
	struct svx_sp *sp;
	struct hlist_node *tmp;
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
			svx_drop_leaf(vm, &table[idx], svx_leaf_gfn(sp, idx));
			if (sp->unsync && !sp->role.direct) {
				tgfn = sp->gfn;
				gi = sp->role.glevels == 2 ?
				     sp->role.quadrant * 512 + idx : idx;
			}
			break;
		}
		e = table[idx];
		if (!(e & SPTE_P))
			break;
		if (svx_is_large(e)) {	/* a 2 MiB SPTE: drop it */
			svx_drop_leaf(vm, &table[idx], svx_leaf_gfn(sp, idx));
			set_bit(SVX_REQ_TLB_FLUSH, &vcpu->requests);
			break;
		}
		sp = svx_spt_to_sp(e);
		if (sp->role.direct) {	/* a guest large page: unlink it */
			svx_unlink_spte(&table[idx]);
			/* Its 4 KiB pieces may be cached: flush them all. */
			set_bit(SVX_REQ_TLB_FLUSH, &vcpu->requests);
			break;
		}
	}
	spin_unlock(&vm->mmu_lock);
	if (tgfn == ~0ULL ||
	    svx_read_guest_phys(vm, (tgfn << PAGE_SHIFT) + gi * esz, &gpte, esz))
		return;
	svx_pt_update_prepare(vcpu, (tgfn << PAGE_SHIFT) + gi * esz, gpte, esz,
			      &up);
	if (up.pfn == SVX_NO_PFN)
		return;
	spin_lock(&vm->mmu_lock);
	hlist_for_each_entry_safe(sp, tmp,
				  &vm->sp_hash[svx_hash(tgfn, SVX_SP_HASH_BITS)],
				  hash_link)
		if (sp->gfn == tgfn && sp->unsync)
			svx_pt_update_install(vcpu, sp, &up, SVX_MMU_INVLPG_UPDATE);
	spin_unlock(&vm->mmu_lock);
	if (up.pfn != SVX_NO_PFN)
		svx_host_unpin(up.pfn, false);
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
