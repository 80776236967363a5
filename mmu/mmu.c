// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU, first mode: the nonpaging map.
 *
 * A guest with CR0.PG=0 uses physical addresses directly, but VMX without
 * unrestricted guest runs every guest with paging on.  So the CPU walks a
 * shadow table that maps GVA == GPA to the host page backing that GPA.  It
 * is built on demand: the exception bitmap intercepts #PF, and a fault on a
 * GPA inside a memslot pins the backing page and installs a 4 KiB SPTE.  A
 * fault on a GPA outside every memslot (or a write to a read-only slot) is
 * MMIO, emulated by vmx/exits.c.
 *
 * The map is one per VM (all vCPUs see the same GPA space): a 4-level tree
 * whose first 4 GiB hang from four fixed page directories.  64-bit guests
 * use the 4-level root; 32-bit guests use a per-vCPU PAE root (below 4 GiB)
 * whose four PDPTEs point at the same four directories.
 *
 * Until the guest-page-table walker lands, 64-bit guests run on this map
 * too, which is right only when their page tables map every address to
 * itself; every fault checks that by walking the guest's tables and stops
 * the guest with an internal error when they do not.
 *
 * Every leaf SPTE holds a pinned page.  A memslot delete or move, and VM
 * destruction, replace the whole tree: the old tree is detached under
 * mmu_lock, every vCPU is kicked out of guest mode (so no CPU still uses
 * it; without VPID every VM entry flushes the TLB), then its pages are
 * unpinned and its tables freed.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <asm/page.h>

#include "../include/svx.h"
#include "../vmx/vmx_int.h"

#define SPTE_P		BIT_ULL(0)
#define SPTE_W		BIT_ULL(1)
#define SPTE_U		BIT_ULL(2)
#define SPTE_A		BIT_ULL(5)
#define SPTE_D		BIT_ULL(6)
#define SPTE_PS		BIT_ULL(7)
#define SPTE_PINNED	BIT_ULL(10)	/* software: leaf holds a page pin */
#define SPTE_ADDR	0x000ffffffffff000ULL
#define SPTE_TABLE	(SPTE_P | SPTE_W | SPTE_U | SPTE_A)

#define SVX_PF_PRESENT	BIT(0)
#define SVX_PF_WRITE	BIT(1)

static u64 *svx_alloc_table(struct svx_vm *vm)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	vm->stats.mmu[SVX_MMU_SP_ALLOCATED]++;
	return page_address(page);
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
			struct page *page = pfn_to_page((e & SPTE_ADDR) >>
							PAGE_SHIFT);

			if (e & SPTE_PINNED) {
				unpin_user_pages_dirty_lock(&page, 1,
							    e & SPTE_W);
				vm->pages_pinned--;
			}
		} else {
			svx_free_tree(vm, __va(e & SPTE_ADDR), level - 1);
		}
	}
	free_page((unsigned long)table);
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
	pml4[0] = __pa(pdpt) | SPTE_TABLE;
	vm->sp_in_use += 2;
	for (i = 0; i < 4; i++) {
		pd = svx_alloc_table(vm);
		if (!pd) {
			free_page((unsigned long)pdpt);
			pml4[0] = 0;
			goto fail_tree;
		}
		pdpt[i] = __pa(pd) | SPTE_TABLE;
		vm->sp_in_use++;
	}
	return pml4;
fail_tree:
	svx_free_tree(vm, pml4, 4);
	return NULL;
fail:
	free_page((unsigned long)pml4);
	free_page((unsigned long)pdpt);
	return NULL;
}

static u64 *svx_tree_pd(u64 *pml4, int i)
{
	u64 *pdpt = __va(pml4[0] & SPTE_ADDR);

	return __va(pdpt[i] & SPTE_ADDR);
}

static void svx_fill_pae_root(struct svx_vcpu *vcpu, u64 *pml4)
{
	int i;

	for (i = 0; i < 4; i++)
		vcpu->mmu.pae_root[i] = __pa(svx_tree_pd(pml4, i)) | SPTE_P;
}

int svx_mmu_vm_init(struct svx_vm *vm)
{
	vm->np_root = svx_new_tree(vm);
	return vm->np_root ? 0 : -ENOMEM;
}

void svx_mmu_vm_destroy(struct svx_vm *vm)
{
	if (vm->np_root)
		svx_free_tree(vm, vm->np_root, 4);
	vm->np_root = NULL;
	WARN_ON(vm->pages_pinned);
}

int svx_mmu_vcpu_init(struct svx_vcpu *vcpu)
{
	struct page *page;

	/* PAE CR3 holds a 32-bit address (SDM 4.4.1). */
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | GFP_DMA32);
	if (!page)
		return -ENOMEM;
	vcpu->mmu.pae_root = page_address(page);
	spin_lock(&vcpu->vm->mmu_lock);
	svx_fill_pae_root(vcpu, vcpu->vm->np_root);
	spin_unlock(&vcpu->vm->mmu_lock);
	return 0;
}

void svx_mmu_vcpu_destroy(struct svx_vcpu *vcpu)
{
	free_page((unsigned long)vcpu->mmu.pae_root);
}

/* Replace the VM's tree; free the old one once no vCPU can be using it. */
void svx_mmu_zap_all(struct svx_vm *vm)
{
	u64 *old, *fresh = svx_new_tree(vm);
	int i;

	if (!fresh) {
		/* Cannot replace: clear the old tree's leaves in place. */
		pr_warn_ratelimited("vm%u: out of memory while zapping\n",
				    vm->id);
		return;
	}
	spin_lock(&vm->mmu_lock);
	old = vm->np_root;
	vm->np_root = fresh;
	for (i = 0; i < SVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			svx_fill_pae_root(vm->vcpus[i], fresh);
	spin_unlock(&vm->mmu_lock);

	svx_kick_all(vm, SVX_REQ_MMU_RELOAD);

	spin_lock(&vm->mmu_lock);
	svx_free_tree(vm, old, 4);
	vm->stats.mmu[SVX_MMU_ZAP]++;
	spin_unlock(&vm->mmu_lock);
}

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

/* Make GUEST_CR3 point at the right root before entry. */
int svx_mmu_reload(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	phys_addr_t root;

	if (vcpu->mmu.root_hpa)
		return 0;
	if (vcpu->mmu.mode == SVX_MODE_PAGING32 ||
	    vcpu->mmu.mode == SVX_MODE_PAE) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "32-bit guest paging (CR0.PG=1 without long mode) needs the shadow walker, not implemented yet");
		return 1;
	}
	spin_lock(&vm->mmu_lock);
	if (vcpu->mmu.mode == SVX_MODE_LONG64)
		root = __pa(vm->np_root);
	else
		root = __pa(vcpu->mmu.pae_root);
	spin_unlock(&vm->mmu_lock);
	vcpu->mmu.root_hpa = root;
	svx_vcpu_load(vcpu);
	svx_vmwrite(GUEST_CR3, root);
	svx_vcpu_put(vcpu);
	return 0;
}

/*
 * 64-bit guests on the identity map: check that the guest's own tables map
 * @gva to itself.  Returns 0 when they do, 1 when the GVA is not mapped or
 * maps elsewhere, -EFAULT when a table is outside guest RAM.
 */
static int svx_check_identity(struct svx_vcpu *vcpu, u64 gva)
{
	u64 table = vcpu->cr3 & SPTE_ADDR, e = 0, gpa;
	int level;

	for (level = 4; level >= 1; level--) {
		unsigned int idx = (gva >> (12 + 9 * (level - 1))) & 511;

		if (svx_read_guest_phys(vcpu->vm, table + idx * 8, &e, 8))
			return -EFAULT;
		if (!(e & SPTE_P))
			return 1;
		if (level == 1 || (level <= 3 && (e & SPTE_PS)))
			break;
		table = e & SPTE_ADDR;
	}
	if (level > 1) {
		u64 size = 1ULL << (12 + 9 * (level - 1));

		gpa = (e & SPTE_ADDR & ~(size - 1)) | (gva & (size - 1));
	} else {
		gpa = (e & SPTE_ADDR) | (gva & ~PAGE_MASK);
	}
	return gpa == gva ? 0 : 1;
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
			table[idx] = __pa(spare[--*nspare]) | SPTE_TABLE;
			vm->sp_in_use++;
			e = table[idx];
		}
		table = __va(e & SPTE_ADDR);
	}
	return &table[(gva >> 12) & 511];
}

int svx_mmu_page_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	struct svx_vm *vm = vcpu->vm;
	bool write = error_code & SVX_PF_WRITE;
	struct svx_memslots *slots;
	const struct svx_memslot *slot;
	struct svx_memslot s;
	u64 *spare[3] = { NULL, NULL, NULL };
	int nspare = 0, r, i;
	struct page *page;
	u64 gpa, gen, *sptep;
	bool found;

	if (vcpu->mmu.mode == SVX_MODE_NONPAGING) {
		gva = (u32)gva;
	} else {
		r = svx_check_identity(vcpu, gva);
		if (r) {
			svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   "64-bit guest page tables are not an identity map; the shadow walker is not implemented yet");
			return SVX_USER;
		}
	}
	gpa = gva;

	rcu_read_lock();
	slots = rcu_dereference(vm->memslots);
	slot = svx_memslot_find(slots, gpa >> PAGE_SHIFT);
	found = slot;
	if (found)
		s = *slot;
	gen = slots->generation;
	rcu_read_unlock();

	if (!found || (write && (s.flags & KVM_MEM_READONLY))) {
		vcpu->stats.mmu[SVX_MMU_PF_MMIO]++;
		return svx_emulate_mmio(vcpu, gva, gpa, write);
	}

	r = pin_user_pages_fast(svx_memslot_gfn_to_hva(&s, gpa >> PAGE_SHIFT),
				1, FOLL_LONGTERM |
				((s.flags & KVM_MEM_READONLY) ? 0 : FOLL_WRITE),
				&page);
	if (r != 1) {
		svx_vm_warn(vm, "vcpu%d: cannot pin the host page behind GPA %#llx (slot %u, hva %#llx): %d\n",
			    vcpu->id, gpa, s.id,
			    svx_memslot_gfn_to_hva(&s, gpa >> PAGE_SHIFT), r);
		vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
		return r < 0 ? r : -EFAULT;
	}
	for (i = 0; i < 3; i++) {
		spare[i] = svx_alloc_table(vm);
		if (!spare[i])
			goto nomem;
		nspare++;
	}

	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation != gen) {
		/* The slot changed under us: let the guest fault again. */
		spin_unlock(&vm->mmu_lock);
		unpin_user_page(page);
		r = SVX_RESUME;
		goto out;
	}
	sptep = svx_walk_alloc(vm, vm->np_root, gva, spare, &nspare);
	if (*sptep & SPTE_P) {
		/* Another vCPU installed it first. */
		spin_unlock(&vm->mmu_lock);
		unpin_user_page(page);
		r = SVX_RESUME;
		goto out;
	}
	*sptep = ((u64)page_to_pfn(page) << PAGE_SHIFT) | SPTE_P | SPTE_U | SPTE_A | SPTE_PINNED |
		 ((s.flags & KVM_MEM_READONLY) ? 0 : SPTE_W | SPTE_D);
	vm->pages_pinned++;
	spin_unlock(&vm->mmu_lock);
	vcpu->stats.mmu[SVX_MMU_PF_FIXED]++;
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	r = SVX_RESUME;
out:
	for (i = 0; i < nspare; i++) {
		free_page((unsigned long)spare[i]);
		vm->stats.mmu[SVX_MMU_SP_ALLOCATED]--;
	}
	return r;
nomem:
	unpin_user_page(page);
	r = -ENOMEM;
	goto out;
}

int svx_gva_to_gpa(struct svx_vcpu *vcpu, u64 gva, u64 *gpa)
{
	switch (vcpu->mmu.mode) {
	case SVX_MODE_NONPAGING:
		*gpa = (u32)gva;
		return 0;
	case SVX_MODE_LONG64:
		if (svx_check_identity(vcpu, gva))
			return -EFAULT;
		*gpa = gva;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
