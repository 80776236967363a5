// SPDX-License-Identifier: GPL-2.0
/*
 * The nonpaging map: the page tables a guest with CR0.PG=0 runs on.  One
 * 4-level tree per VM (vm->np_root, and a spare for a zap) maps GVA == GPA to
 * the host page backing the GPA; its first 4 GiB hang from four fixed page
 * directories so that 32-bit guests use them through the per-vCPU PAE root.
 * A vCPU in SMM (whose memory is address space 1) has a tree of its own,
 * vm->np_root_smm, made when a vCPU first needs it (svx_np_smm_prepare())
 * and dropped by a zap of everything; the zaps of a gfn (write protection,
 * the MMU notifier) cover both trees.
 * This file owns the tree: its allocation and freeing, the walk-allocate of
 * a fault path, the nonpaging fault itself (svx_nonpaging_fault()), the
 * write-protection and dirty-log fast path of its leaves, and the clearing
 * of a gfn range for the MMU notifier.  The shadow pages of guests with
 * paging on are mmu/shadow_page.c's.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <asm/page.h>

#include "mmu_internal.h"
#include "dmap.h"
#include "svx_trace.h"
#include "mmu.h"

static u64 *svx_alloc_table(struct svx_vm *vm)
{
	u64 *table = svx_host_alloc_table(false);

	if (!table)
		return NULL;
	vm->stats.mmu[SVX_MMU_SP_ALLOCATED]++;
	return table;
}

/* Unpin every page and free every table below @table (level 4..1). */
void svx_free_tree(struct svx_vm *vm, u64 *table, int level)
{
	unsigned long pinned = 0, tables = 0;

	svx_dmap_free_tree(&svx_dmap_x86, table, level, &pinned, &tables);
	svx_host_pins(vm, -(long)pinned);
	vm->sp_in_use -= tables;
}

/* A fresh tree: PML4 -> PDPT -> the four directories of the low 4 GiB. */
u64 *svx_new_tree(struct svx_vm *vm)
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
		if (!pd)	/* the tree so far: PML4, PDPT, i directories */
			goto fail_tree;
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

void svx_fill_pae_root(struct svx_vcpu *vcpu, u64 *pml4)
{
	int i;

	for (i = 0; i < 4; i++)
		vcpu->mmu.pae_root[i] = svx_host_pa(svx_tree_pd(pml4, i)) | SPTE_P;
}

/* The nonpaging tree of @vcpu's address space (NULL: not made yet). */
u64 *svx_np_root(struct svx_vcpu *vcpu)
{
	return vcpu->smm.in_smm ? vcpu->vm->np_root_smm : vcpu->vm->np_root;
}

/*
 * Make the nonpaging tree of address space 1 if there is none (a vCPU in
 * SMM with paging off is about to load it).  0 or -ENOMEM.
 */
int svx_np_smm_prepare(struct svx_vm *vm)
{
	u64 *tree;

	if (READ_ONCE(vm->np_root_smm))
		return 0;
	tree = svx_new_tree(vm);
	if (!tree)
		return -ENOMEM;
	spin_lock(&vm->mmu_lock);
	if (!vm->np_root_smm) {
		vm->np_root_smm = tree;
		tree = NULL;
	}
	if (tree)	/* another vCPU was first */
		svx_free_tree(vm, tree, 4);
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static bool svx_np_wp_tree(u64 *root, u64 gfn)
{
	u64 *sptep;
	int level;

	if (!root)
		return false;
	sptep = svx_dmap_walk(&svx_dmap_x86, root, gfn, 1, &level);
	if (level > 1 || (*sptep & (SPTE_P | SPTE_W)) != (SPTE_P | SPTE_W))
		return false;
	*sptep &= ~SPTE_W;
	return true;
}

/*
 * Clear W in the nonpaging leaves of @gfn, in both address spaces' trees
 * (either may map a page there); true if one was writable.
 */
bool svx_np_write_protect(struct svx_vm *vm, u64 gfn)
{
	bool r;

	if (gfn >= (1ULL << 36))
		return false;
	r = svx_np_wp_tree(vm->np_root, gfn);
	return svx_np_wp_tree(vm->np_root_smm, gfn) || r;
}

/*
 * Clear the leaves of nonpaging tree @root for gfns [*@gfn, @end), at
 * most @max of them holding a pin; their old values go to @pins and *@gfn
 * to where to go on.  mmu_lock.
 */
unsigned int svx_np_clear(u64 *root, u64 *gfn, u64 end, u64 *pins,
			  unsigned int max)
{
	return svx_dmap_clear(&svx_dmap_x86, root, gfn, end, pins, NULL, max);
}

/*
 * A write to @gpa of slot @s whose nonpaging leaf is present and read-only
 * (write-protected for the dirty log): make it writable and log the page,
 * without the pin and table allocations of a full fault.  True if done.
 */
static bool svx_np_make_writable(struct svx_vcpu *vcpu,
				 const struct svx_memslot *s, u64 gpa, u64 gen,
				 unsigned long seq)
{
	struct svx_vm *vm = vcpu->vm;
	bool done = false;
	u64 *sptep, *root;
	int level;

	if (!svx_mmu_dirty_ok(s, true))
		return false;
	spin_lock(&vm->mmu_lock);
	root = svx_np_root(vcpu);
	if (rcu_access_pointer(vm->memslots)->generation != gen ||
	    svx_mmu_seq_retry(vm, seq) || !root)
		goto out;
	sptep = svx_dmap_walk(&svx_dmap_x86, root, gpa >> PAGE_SHIFT, 1,
			      &level);
	if (level == 1 && (*sptep & (SPTE_P | SPTE_W)) == SPTE_P) {
		*sptep |= SPTE_W | SPTE_D;
		svx_memslot_mark_dirty(s, gpa >> PAGE_SHIFT);
		done = true;
	}
out:
	spin_unlock(&vm->mmu_lock);
	return done;
}

/* The nonpaging map: GVA == GPA, in the vCPU's address space. */
int svx_nonpaging_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	struct svx_vm *vm = vcpu->vm;
	bool write = error_code & SVX_PF_WRITE;
	struct svx_memslot s;
	u64 *spare[3] = { NULL, NULL, NULL };
	int nspare = 0, r, i;
	u64 gpa, gen, *sptep, pfn, *root;
	unsigned long seq;
	bool found;

	if (!svx_guest_long_mode(vcpu))
		gva = (u32)gva;
	gpa = gva;

	seq = svx_mmu_seq_begin(vm);
	found = svx_memslot_get_as(vm, svx_vcpu_as(vcpu), gpa >> PAGE_SHIFT,
				   &s, &gen);
	if (!found || (write && (s.flags & KVM_MEM_READONLY))) {
		vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
		return svx_emulate_mmio(vcpu, gva, gpa, write);
	}
	if (write && svx_np_make_writable(vcpu, &s, gpa, gen, seq)) {
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
	root = svx_np_root(vcpu);
	/*
	 * The slot or its memory changed, or a zap dropped the SMM tree
	 * (the vCPU reloads before it enters): let the guest fault again.
	 */
	if (rcu_access_pointer(vm->memslots)->generation != gen ||
	    svx_mmu_seq_retry(vm, seq) || !root) {
		spin_unlock(&vm->mmu_lock);
		svx_host_unpin(pfn, false);
		r = SVX_RESUME;
		goto out;
	}
	i = nspare;
	sptep = svx_dmap_walk_alloc(&svx_dmap_x86, root, gpa >> PAGE_SHIFT, 1,
				    spare, &nspare);
	vm->sp_in_use += i - nspare;
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
