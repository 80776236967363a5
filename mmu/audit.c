// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU's audit (module parameter svx_audit): after a shadow fault
 * and an emulated page-table write, every leaf SPTE reachable from the
 * vCPU's current root is checked against a fresh guest walk of its GVA (the
 * frame, and no permission the guest's entries do not grant, except where
 * the page is unsync); a mismatch is reported once in the kernel log.  Only
 * reads shadow pages; changes nothing.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "mmu_internal.h"
#include "mmu.h"

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

void svx_mmu_audit(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_audit_ent *ents;
	struct svx_walk_env env;
	struct svx_walk w;
	int n = 0, i;

	if (vcpu->mmu.mode == SVX_MODE_NONPAGING || !vcpu->mmu.root_hpa)
		return;
	ents = svx_mmu_fallible(kvmalloc_array(SVX_AUDIT_MAX, sizeof(*ents), GFP_KERNEL_ACCOUNT));
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
			bad = (r == 0 && w.gpa >> PAGE_SHIFT != ents[i].gfn) ||
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
