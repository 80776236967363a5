// SPDX-License-Identifier: GPL-2.0
/*
 * The walk trace (SVX_WALK_TRACE, uapi/linux/shadowvmx.h): how one GVA is
 * translated right now, as the guest, the hypervisor and the hardware see
 * it -- the guest's tables level by level (walked by the one guest walker,
 * mmu/walker.c, with SVX_ACC_NO_AD so that no A/D bit is set), the memslot,
 * HVA and host pfn, the shadow entries for the GVA (shadow paging) or the
 * EPT entries for the GPA (EPT mode), and whether the access would exit.
 *
 * It changes nothing: no guest memory is written, no page is pinned or
 * faulted in (the pfn comes from the shadow or EPT leaf when there is one),
 * no shadow or EPT entry is built.  The host tables are read under mmu_lock
 * by mmu/mmu.c (svx_mmu_trace_shadow) and mmu/ept.c (svx_ept_trace).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/rcupdate.h>
#include <asm/vmx.h>

#include "mmu_host.h"
#include "svx.h"
#include "walker.h"
#include "ept.h"
#include "mmu.h"

#define SVX_WT_ACC_ALL	(SVX_WT_ACC_WRITE | SVX_WT_ACC_USER | SVX_WT_ACC_FETCH)
#define SVX_WT_ADDR	0x000ffffffffff000ULL
#define SVX_WT_NO_EXIT	0xffffffffU

static enum svx_wt_mode svx_wt_mode(const struct svx_vcpu *vcpu)
{
	if (!(vcpu->cr0 & X86_CR0_PG))
		return SVX_WT_MODE_NONPAGING;
	if (vcpu->efer & EFER_LMA)
		return (vcpu->cr4 & X86_CR4_LA57) ? SVX_WT_MODE_LA57 :
						    SVX_WT_MODE_64;
	if (vcpu->cr4 & X86_CR4_PAE)
		return SVX_WT_MODE_PAE;
	return SVX_WT_MODE_32;
}

/* The guest's side: its tables, level by level, and the GPA or the fault. */
static void svx_wt_guest(struct svx_vcpu *vcpu, struct svx_walk_trace *t,
			 enum svx_wt_mode mode)
{
	bool nxe = vcpu->efer & EFER_NX;
	struct svx_walk_env env;
	struct svx_walk w;
	u32 acc = SVX_WT_ACC_ALL;
	int level, r;

	memset(&w, 0, sizeof(w));
	svx_walk_env(vcpu, &env);	/* PAE: the PDPTE registers, both modes */
	r = svx_walk_addr(&env, t->gva, t->access | SVX_ACC_NO_AD, &w);
	t->guest_root_level = w.root_level;
	/*
	 * A table outside guest memory ends the walk with a not-present
	 * fault, as KVM's walker: the levels down to it are traced (its
	 * entry reads as 0), the verdicts follow from the fault.
	 */
	if (w.outside)
		t->flags |= SVX_WT_TABLE_OUTSIDE;
	t->guest_leaf_level = w.level;
	for (level = w.root_level; level >= w.level && level >= 1; level--) {
		struct svx_wt_level *l = &t->guest[level - 1];
		u64 pte = w.pte[level];
		unsigned int esz = mode == SVX_WT_MODE_32 ? 4 : 8;

		if (mode == SVX_WT_MODE_32)
			l->index = (w.gva >> (12 + 10 * (level - 1))) & 1023;
		else if (mode == SVX_WT_MODE_PAE && level == 3)
			l->index = (w.gva >> 30) & 3;
		else
			l->index = (w.gva >> (12 + 9 * (level - 1))) & 511;
		l->entry_addr = w.pte_gpa[level];
		l->table = w.pte_gpa[level] - l->index * esz;
		l->entry = pte;
		l->flags = SVX_WT_L_VALID;
		if (pte & SVX_PTE_P) {
			/* PDPTE registers have no permission bits. */
			if (!(mode == SVX_WT_MODE_PAE && level == 3)) {
				if (!(pte & SVX_PTE_RW))
					acc &= ~SVX_WT_ACC_WRITE;
				if (!(pte & SVX_PTE_US))
					acc &= ~SVX_WT_ACC_USER;
				if (nxe && (pte & SVX_PTE_XD))
					acc &= ~SVX_WT_ACC_FETCH;
			}
			if (level == w.level && !r) {
				l->flags |= SVX_WT_L_LEAF;
				if (level > 1)
					l->flags |= SVX_WT_L_LARGE;
			}
		}
		l->access = acc;
	}
	if (r) {
		t->flags |= SVX_WT_GUEST_FAULT;
		t->error_code = w.error_code;
		t->fault_addr = w.fault_addr;
		t->pte_access = w.pte_access;
		return;
	}
	t->flags |= SVX_WT_TRANSLATED;
	t->gpa = w.gpa;
	t->pte_access = w.pte_access;
}

static void svx_wt_memslot(struct svx_vm *vm, struct svx_walk_trace *t)
{
	const struct svx_memslot *slot;

	rcu_read_lock();
	slot = svx_memslot_find(rcu_dereference(vm->memslots),
				t->gpa >> PAGE_SHIFT);
	if (slot) {
		t->flags |= SVX_WT_SLOT;
		t->slot_id = slot->id;
		t->slot_flags = slot->flags;
		t->slot_base_gpa = slot->base_gfn << PAGE_SHIFT;
		t->slot_size = slot->npages << PAGE_SHIFT;
		t->hva = svx_memslot_gfn_to_hva(slot, t->gpa >> PAGE_SHIFT) +
			 (t->gpa & ~PAGE_MASK);
	}
	rcu_read_unlock();
}

static void svx_wt_verdict(struct svx_walk_trace *t, unsigned int exit,
			   u32 reason)
{
	t->exit = exit;
	t->exit_reason = reason;
}

/*
 * Shadow paging: the CPU walks only the shadow tables.  If the leaf SPTE
 * allows the access, nothing exits; otherwise the #PF exits (#PF is in the
 * exception bitmap) and svx_shadow_fault() decides, in this order.
 */
static void svx_wt_shadow(struct svx_vcpu *vcpu, struct svx_walk_trace *t,
			  u64 gva)
{
	bool write = t->access & SVX_WT_ACC_WRITE;
	bool user = t->access & SVX_WT_ACC_USER;
	bool fetch = t->access & SVX_WT_ACC_FETCH;
	u64 gfn = (t->flags & SVX_WT_TRANSLATED) ? t->gpa >> PAGE_SHIFT : ~0ULL;
	u64 e = svx_mmu_trace_shadow(vcpu, gva, gfn, t);
	const struct svx_wt_level *leaf = &t->host[0];
	bool ok;

	if (t->flags & SVX_WT_NO_ROOT) {
		svx_wt_verdict(t, SVX_WT_EXIT_NO_ROOT, 0);
		return;
	}
	/* A 2 MiB SPTE is the leaf at level 2. */
	if (!(leaf->flags & SVX_WT_L_VALID) &&
	    (t->host[1].flags & SVX_WT_L_LEAF))
		leaf = &t->host[1];
	if ((e & SVX_PTE_P) && (leaf->flags & SVX_WT_L_VALID)) {
		t->flags |= SVX_WT_PFN;
		t->pfn = (e & SVX_WT_ADDR) >> PAGE_SHIFT;
		if (leaf == &t->host[1])
			t->pfn += (gva >> PAGE_SHIFT) & 511;
	}
	ok = (e & SVX_PTE_P) && (leaf->flags & SVX_WT_L_VALID) &&
	     (!write || (e & SVX_PTE_RW)) && (!user || (e & SVX_PTE_US)) &&
	     (!fetch || !(e & SVX_PTE_XD));
	if (ok) {
		svx_wt_verdict(t, SVX_WT_EXIT_NONE, SVX_WT_NO_EXIT);
		return;
	}
	if (t->flags & SVX_WT_GUEST_FAULT)
		svx_wt_verdict(t, SVX_WT_EXIT_GUEST_PF, 0);
	else if ((leaf->flags & SVX_WT_H_MMIO) || !(t->flags & SVX_WT_SLOT))
		svx_wt_verdict(t, SVX_WT_EXIT_MMIO, 0);
	else if (write && (t->slot_flags & KVM_MEM_READONLY))
		svx_wt_verdict(t, SVX_WT_EXIT_RO_SLOT, 0);
	else if (write && (t->flags & SVX_WT_GFN_SHADOWED))
		svx_wt_verdict(t, SVX_WT_EXIT_WRITE_PROTECT, 0);
	else if (!(e & SVX_PTE_P))
		svx_wt_verdict(t, SVX_WT_EXIT_NOT_PRESENT, 0);
	else if (write && !(e & SVX_PTE_RW) && t->guest_leaf_level &&
		 !(t->guest[t->guest_leaf_level - 1].entry & SVX_PTE_D))
		svx_wt_verdict(t, SVX_WT_EXIT_DIRTY, 0);
	else
		svx_wt_verdict(t, SVX_WT_EXIT_PERM, 0);
}

/*
 * EPT: the CPU walks the guest's tables itself, each table access through
 * EPT (the 2D walk), then the GPA through EPT.  A guest fault is delivered
 * to the guest without an exit.
 */
static void svx_wt_ept(struct svx_vcpu *vcpu, struct svx_walk_trace *t)
{
	struct svx_vm *vm = vcpu->vm;
	const struct svx_wt_level *leaf = NULL;
	u32 need = VMX_EPT_READABLE_MASK;
	u64 e;
	int level, i;

	/* The guest's paging-structure accesses, root first. */
	for (level = t->guest_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->guest[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		if (t->guest_mode == SVX_WT_MODE_PAE && level == 3)
			continue;	/* PDPTE registers: no access */
		e = svx_ept_trace(vm, l->entry_addr, NULL);
		if ((e & VMX_EPT_RWX_MASK) ==
		    (VMX_EPT_WRITABLE_MASK | VMX_EPT_EXECUTABLE_MASK)) {
			svx_wt_verdict(t, SVX_WT_EXIT_EPT_MISCONFIG,
				       EXIT_REASON_EPT_MISCONFIG);
			t->exit_gpa = l->entry_addr;
			goto host;
		}
		if (!(e & VMX_EPT_READABLE_MASK)) {
			svx_wt_verdict(t, SVX_WT_EXIT_EPT_VIOLATION,
				       EXIT_REASON_EPT_VIOLATION);
			t->exit_gpa = l->entry_addr;
			goto host;
		}
	}
	if (t->flags & SVX_WT_NONCANONICAL) {
		svx_wt_verdict(t, SVX_WT_EXIT_GP, SVX_WT_NO_EXIT);
		return;
	}
	if (t->flags & SVX_WT_GUEST_FAULT) {
		svx_wt_verdict(t, SVX_WT_EXIT_GUEST_PF_DIRECT, SVX_WT_NO_EXIT);
		return;
	}
	svx_wt_verdict(t, SVX_WT_EXIT_NONE, SVX_WT_NO_EXIT);
host:
	if (!(t->flags & SVX_WT_TRANSLATED))
		return;
	e = svx_ept_trace(vm, t->gpa, t);
	for (i = 0; i < SVX_WT_MAX_LEVELS; i++)
		if (t->host[i].flags & SVX_WT_L_LEAF)
			leaf = &t->host[i];
	if (leaf && (leaf->flags & SVX_WT_H_PRESENT) &&
	    !(leaf->flags & SVX_WT_H_MMIO)) {
		t->flags |= SVX_WT_PFN;
		t->pfn = ((leaf->entry & SVX_WT_ADDR) >> PAGE_SHIFT) +
			 (leaf == &t->host[1] ? (t->gpa >> PAGE_SHIFT) & 511 : 0);
	}
	if (t->exit != SVX_WT_EXIT_NONE)
		return;
	if (t->access & SVX_WT_ACC_WRITE)
		need = VMX_EPT_WRITABLE_MASK;
	else if (t->access & SVX_WT_ACC_FETCH)
		need = VMX_EPT_EXECUTABLE_MASK;
	t->exit_gpa = t->gpa;
	if ((e & VMX_EPT_RWX_MASK) ==
	    (VMX_EPT_WRITABLE_MASK | VMX_EPT_EXECUTABLE_MASK))
		svx_wt_verdict(t, SVX_WT_EXIT_EPT_MISCONFIG,
			       EXIT_REASON_EPT_MISCONFIG);
	else if (!leaf || !(e & need))
		svx_wt_verdict(t, SVX_WT_EXIT_EPT_VIOLATION,
			       EXIT_REASON_EPT_VIOLATION);
	else
		t->exit_gpa = 0;
}

static bool svx_wt_canonical(u64 gva, enum svx_wt_mode mode)
{
	int bits = mode == SVX_WT_MODE_LA57 ? 57 : 48;

	return ((s64)(gva << (64 - bits)) >> (64 - bits)) == (s64)gva;
}

/*
 * Host physical addresses help Rowhammer and KASLR attacks: only
 * CAP_SYS_ADMIN sees them, as in /proc/PID/pagemap since Linux 4.0.
 */
static void svx_wt_hide_host(struct svx_walk_trace *t)
{
	unsigned int i;

	t->pfn = 0;
	t->host_root_hpa = 0;
	for (i = 0; i < ARRAY_SIZE(t->host); i++) {
		t->host[i].table = 0;
		t->host[i].entry_addr = 0;
		t->host[i].entry &= ~GENMASK_ULL(51, 12);
	}
	t->flags |= SVX_WT_HOST_HIDDEN;
}

/*
 * Read and check the caller's trace (@size bytes, @version): the header
 * first, then the whole struct; every output field must be zero.
 */
static long svx_wt_in(struct svx_vcpu *vcpu, void __user *argp,
		      struct svx_walk_trace *t, size_t size, u32 version,
		      const char *name)
{
	struct svx_vm *vm = vcpu->vm;

	if (copy_from_user(t, argp, offsetofend(struct svx_walk_trace, size)))
		return -EFAULT;
	if (t->version != version || t->size != size) {
		svx_vm_warn(vm, "vcpu%d: %s: version %u size %u, want %u and %zu\n",
			    vcpu->id, name, t->version, t->size, version, size);
		return -EINVAL;
	}
	if (copy_from_user(t, argp, size))
		return -EFAULT;
	if (t->access & ~SVX_WT_ACC_ALL) {
		svx_vm_warn(vm, "vcpu%d: %s: unknown access bits %#x\n",
			    vcpu->id, name, t->access & ~SVX_WT_ACC_ALL);
		return -EINVAL;
	}
	if (memchr_inv(&t->flags, 0,
		       size - offsetof(struct svx_walk_trace, flags))) {
		svx_vm_warn(vm, "vcpu%d: %s: output fields must be zero on input\n",
			    vcpu->id, name);
		return -EINVAL;
	}
	return 0;
}

/* Fill @t (input checked) for the vCPU as of its last exit. */
static void svx_wt_fill(struct svx_vcpu *vcpu, struct svx_walk_trace *t)
{
	struct svx_vm *vm = vcpu->vm;
	enum svx_wt_mode mode;
	u64 gva;

	mode = svx_wt_mode(vcpu);
	t->cr0 = vcpu->cr0;
	t->cr3 = vcpu->cr3;
	t->cr4 = vcpu->cr4;
	t->efer = vcpu->efer;
	t->guest_mode = mode;
	t->paging = vm->paging;
	t->exit_reason = SVX_WT_NO_EXIT;
	gva = t->gva;
	if (mode == SVX_WT_MODE_NONPAGING) {
		/* Paging off: the GVA is the GPA (32-bit protected mode). */
		gva = (u32)gva;
		t->gpa = gva;
		t->flags |= SVX_WT_TRANSLATED;
		t->pte_access = SVX_WT_ACC_ALL;
	} else if (mode >= SVX_WT_MODE_64 && !svx_wt_canonical(gva, mode)) {
		t->flags |= SVX_WT_NONCANONICAL;
	} else {
		if (mode < SVX_WT_MODE_64)
			gva = (u32)gva;
		svx_wt_guest(vcpu, t, mode);
	}
	if (t->flags & SVX_WT_TRANSLATED)
		svx_wt_memslot(vm, t);

	if (svx_vm_ept(vm))
		svx_wt_ept(vcpu, t);
	else if (t->flags & SVX_WT_NONCANONICAL)
		svx_wt_verdict(t, SVX_WT_EXIT_GP, SVX_WT_NO_EXIT);
	else
		svx_wt_shadow(vcpu, t, gva);
}

long svx_walk_trace(struct svx_vcpu *vcpu, void __user *argp)
{
	struct svx_walk_trace *t;
	long r;

	t = svx_mmu_fallible(kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT));
	if (!t)
		return -ENOMEM;
	r = svx_wt_in(vcpu, argp, t, sizeof(*t), SVX_WALK_TRACE_VERSION,
		      "SVX_WALK_TRACE");
	if (r)
		goto out;
	svx_wt_fill(vcpu, t);
	if (!capable(CAP_SYS_ADMIN))
		svx_wt_hide_host(t);
	r = copy_to_user(argp, t, sizeof(*t)) ? -EFAULT : 0;
out:
	kfree(t);
	return r;
}

/* Does this EPT walk end in a readable (not misconfigured) leaf? */
static bool svx_wt_ew_readable(const struct svx_wt_level *ept)
{
	int i;

	for (i = 0; i < SVX_WT_MAX_LEVELS; i++)
		if ((ept[i].flags & SVX_WT_L_VALID) &&
		    (ept[i].flags & SVX_WT_L_LEAF))
			return (ept[i].flags & SVX_WT_H_READ) &&
			       !(ept[i].flags & SVX_WT_H_MMIO);
	return false;
}

/*
 * The 2D walk (EPT mode): the EPT walk of each guest entry the CPU reads,
 * root first, and the references the hardware walk makes up to where it
 * completes or exits.  @scratch receives each EPT walk (svx_ept_trace()).
 */
static void svx_wt_2d(struct svx_vcpu *vcpu, struct svx_walk_trace2 *t2,
		      struct svx_walk_trace *scratch)
{
	struct svx_walk_trace *t = &t2->wt;
	bool stopped = false;
	int level;

	if (!svx_vm_ept(vcpu->vm)) {
		t2->refs = t->host_levels;
		return;
	}
	for (level = t->guest_root_level; level >= 1; level--) {
		const struct svx_wt_level *l = &t->guest[level - 1];
		struct svx_wt_ept_walk *ew = &t2->table_ept[level - 1];

		if (!(l->flags & SVX_WT_L_VALID))
			continue;
		if (t->guest_mode == SVX_WT_MODE_PAE && level == 3)
			continue;	/* PDPTE registers: no access */
		memset(scratch, 0, sizeof(*scratch));
		svx_ept_trace(vcpu->vm, l->entry_addr, scratch);
		ew->gpa = l->entry_addr;
		ew->levels = scratch->host_levels;
		ew->flags = SVX_WT_EW_VALID;
		memcpy(ew->ept, scratch->host, sizeof(ew->ept));
		if (svx_wt_ew_readable(ew->ept))
			ew->flags |= SVX_WT_EW_READABLE;
		t2->table_walks++;
		if (stopped)
			continue;
		t2->refs += ew->levels;
		if (!(ew->flags & SVX_WT_EW_READABLE))
			stopped = true;		/* EPT exit on the guest table */
		else
			t2->refs++;		/* the guest entry itself */
	}
	if (!stopped && (t->flags & SVX_WT_TRANSLATED))
		t2->refs += t->host_levels;
}

static void svx_wt_hide_ew(struct svx_wt_ept_walk *ew)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ew->ept); i++) {
		ew->ept[i].table = 0;
		ew->ept[i].entry_addr = 0;
		ew->ept[i].entry &= ~GENMASK_ULL(51, 12);
	}
}

long svx_walk_trace2(struct svx_vcpu *vcpu, void __user *argp)
{
	struct svx_walk_trace2 *t2;
	struct svx_walk_trace *scratch;
	unsigned int i;
	long r;

	t2 = svx_mmu_fallible(kzalloc(sizeof(*t2), GFP_KERNEL_ACCOUNT));
	scratch = svx_mmu_fallible(kzalloc(sizeof(*scratch), GFP_KERNEL_ACCOUNT));
	r = -ENOMEM;
	if (!t2 || !scratch)
		goto out;
	r = svx_wt_in(vcpu, argp, &t2->wt, sizeof(*t2), SVX_WALK_TRACE_VERSION2,
		      "SVX_WALK_TRACE2");
	if (r)
		goto out;
	svx_wt_fill(vcpu, &t2->wt);
	svx_wt_2d(vcpu, t2, scratch);
	if (!capable(CAP_SYS_ADMIN)) {
		svx_wt_hide_host(&t2->wt);
		for (i = 0; i < ARRAY_SIZE(t2->table_ept); i++)
			svx_wt_hide_ew(&t2->table_ept[i]);
	}
	r = copy_to_user(argp, t2, sizeof(*t2)) ? -EFAULT : 0;
out:
	kfree(scratch);
	kfree(t2);
	return r;
}
