/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the shadow MMU share and nothing outside mmu/ needs:
 * the shadow page (struct svx_sp) and its role, the small helpers on
 * SPTEs and guest PTEs, and the prototypes of the functions one of
 * mmu.c (with paging_tmpl.h), nonpaging.c, shadow_page.c, page_track.c,
 * audit.c calls in another.  The module's interface to the MMU is in
 * include/svx.h; the userspace simulator (tools/testing/mmu) includes this
 * header to look at shadow pages directly.
 */
#ifndef SVX_MMU_INTERNAL_H
#define SVX_MMU_INTERNAL_H

#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/types.h>
#include <asm/msr-index.h>
#include <asm/page.h>

#include "svx.h"
#include "mmu_host.h"
#include "spte.h"
#include "walker.h"

#define SVX_SP_HASH_BITS	10

#define SVX_PF_PRESENT	BIT(0)
#define SVX_PF_WRITE	BIT(1)

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
		/*
		 * No EFER.NXE: the pages serve both settings, as KVM's
		 * (kvm_init_shadow_mmu() sets root_role.efer_nx for every
		 * guest); svx_mmu_nx_cleared() drops what NXE=1 built.
		 */
		u32 cr0_wp:1;
		u32 dirty:1;	/* direct: the guest large page's D bit */
		/*
		 * CR0.WP=0 turns a user page the guest's kernel writes into
		 * a supervisor one (svx_shadow_fault()): such SPTEs are not
		 * valid once CR4.SMEP or CR4.SMAP changes (KVM's roles).
		 */
		u32 smep_andnot_wp:1;
		u32 smap_andnot_wp:1;
		/*
		 * Built for a vCPU in SMM: guest tables and frames are in
		 * address space 1 (KVM's role.smm, kvm_memslots_for_spte_role()).
		 */
		u32 smm:1;
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
	/*
	 * An entry was written that EFER.NXE = 1 may have made of the guest's
	 * XD bits (svx_spte_nx_made(), or a link to a page whose path had
	 * XD): svx_mmu_nx_cleared() looks at these pages only.
	 */
	bool nx_made;
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

/* The address space of the guest tables and frames of @sp. */
static inline int svx_sp_as(const struct svx_sp *sp)
{
	return sp->role.smm ? SVX_AS_SMM : 0;
}

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

/*
 * A writable 2 MiB SPTE is in the reverse map under its first gfn with
 * this bit set, so that write-protecting any gfn inside finds it.
 */
#define SVX_RMAP_LARGE	BIT_ULL(63)

#define SVX_NO_PFN	(~0ULL)

static inline u32 svx_hash(u64 gfn, unsigned int bits)
{
	return hash_64(gfn, bits);
}

static inline struct svx_sp *svx_spt_to_sp(u64 spte)
{
	return svx_host_table_owner(spte & SPTE_ADDR);
}

/* The shadow page whose table holds the SPTE at @sptep. */
static inline struct svx_sp *svx_sptep_to_sp(u64 *sptep)
{
	return svx_host_table_owner(svx_host_pa(sptep) & SPTE_ADDR);
}

static inline bool svx_is_large(u64 spte)
{
	return (spte & (SPTE_P | SPTE_PS)) == (SPTE_P | SPTE_PS);
}

/* An entry of a level-2+ table that points at a shadow page. */
static inline bool svx_is_link(u64 spte)
{
	return (spte & (SPTE_P | SPTE_PS)) == SPTE_P;
}

/*
 * A leaf or MMIO SPTE that may hold what EFER.NXE = 1 made of the guest's
 * XD bits: XD set, or an MMIO SPTE (which does not record XD).
 */
static inline bool svx_spte_nx_made(u64 spte)
{
	return (spte & SPTE_P) ? !!(spte & SVX_PTE_XD) : !!(spte & SPTE_MMIO);
}

/* Leaf or MMIO SPTE @spte goes into @sp: note it for svx_mmu_nx_cleared(). */
static inline void svx_note_nx(struct svx_sp *sp, u64 spte)
{
	if (svx_spte_nx_made(spte))
		sp->nx_made = true;
}

/* The (first) gfn a leaf SPTE of @sp at @idx maps. */
static inline u64 svx_leaf_gfn(struct svx_sp *sp, unsigned int idx)
{
	return sp->role.direct ?
	       sp->gfn + ((u64)idx << (9 * (sp->role.level - 1))) :
	       sp->gfns[idx];
}

/* shadow_page.c */
int svx_mmu_topup(struct svx_vcpu *vcpu);
void svx_clear_upper(struct svx_vm *vm, struct svx_sp *sp,
		     unsigned int i);
void svx_drop_leaf(struct svx_vm *vm, u64 *sptep, u64 gfn);
void svx_free_sp(struct svx_vm *vm, struct svx_sp *sp);
void svx_free_all_sps(struct svx_vm *vm);
void svx_free_dead(struct svx_vm *vm, struct list_head *dead);
struct svx_sp *svx_get_sp(struct svx_vcpu *vcpu, u64 gfn,
			  union svx_sp_role role, bool *flush);
void svx_link_spte(struct svx_vcpu *vcpu, u64 *sptep,
		   struct svx_sp *sp);
void svx_mmu_cache_free(struct svx_mmu_cache *c);
void svx_mmu_nx_cleared(struct svx_vcpu *vcpu);
void svx_mmu_make_room(struct svx_vcpu *vcpu);
bool svx_sync_children(struct svx_vcpu *vcpu, struct svx_sp *sp);
bool svx_sync_gfn(struct svx_vcpu *vcpu, u64 gfn);
bool svx_sync_root(struct svx_vcpu *vcpu);
bool svx_sync_sp(struct svx_vcpu *vcpu, struct svx_sp *sp);
bool svx_try_unsync(struct svx_vcpu *vcpu, u64 gfn);
void svx_unlink_spte(u64 *sptep);
void svx_unshadow(struct svx_vm *vm, u64 gfn, struct list_head *dead);

/* page_track.c */
bool svx_gfn_is_shadowed(struct svx_vm *vm, u64 gfn);
bool svx_gfn_write_tracked(struct svx_vm *vm, u64 gfn);
bool svx_mmu_dirty_ok(const struct svx_memslot *s, bool write);
bool svx_range_shadowed(struct svx_vm *vm, u64 gfn);
int svx_lpage_init(struct svx_vm *vm);
void svx_lpage_free(struct svx_vm *vm);
void svx_lpage_account(struct svx_vm *vm, u64 gfn, bool add);
bool svx_write_protect(struct svx_vm *vm, u64 gfn);

/* nonpaging.c */
u64 *svx_np_root(struct svx_vcpu *vcpu);
int svx_np_smm_prepare(struct svx_vm *vm);
void svx_fill_pae_root(struct svx_vcpu *vcpu, u64 *pml4);
void svx_free_tree(struct svx_vm *vm, u64 *table, int level);
u64 *svx_new_tree(struct svx_vm *vm);
int svx_nonpaging_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code);
unsigned int svx_np_clear(u64 *root, u64 *gfn, u64 end, u64 *pins,
			  unsigned int max);
bool svx_np_write_protect(struct svx_vm *vm, u64 gfn);

/* mmu.c */
union svx_sp_role svx_base_role(struct svx_vcpu *vcpu, int level);
bool svx_install_gpte(struct svx_vcpu *vcpu, struct svx_sp *sp,
		      unsigned int idx, u64 g, u64 pfn, bool writable,
		      unsigned int stat);
u64 *svx_lookup_leaf(struct svx_vcpu *vcpu, u64 gva);
unsigned int svx_sync_page(struct svx_vcpu *vcpu, struct svx_sp *sp,
			   bool *changed);
struct svx_sp *svx_walk_start(struct svx_vcpu *vcpu, u64 gva,
			      int *level);

/* audit.c */
void svx_mmu_audit(struct svx_vcpu *vcpu);

#endif
