// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU for a vCPU in SMM (KVM's role.smm): its memory is address
 * space 1.  The sim's address space 1 has one slot, gfns 0 .. 63, backed by
 * RAM pages 512 .. 575 (address space 0 maps those at gfns 512 .. 575), so
 * that every access tells which space it reached.  With paging off the
 * vCPU runs on a nonpaging tree of its own (vm->np_root_smm), made on its
 * first reload and dropped by a zap of everything; with paging on, the
 * guest walk reads (and sets A/D bits in) address space 1's tables, and
 * the shadow pages carry role.smm, so the same CR3 outside SMM gets other
 * shadow pages.  The zaps of a gfn (write protection, MMU notifier) cover
 * both spaces; VM destruction leaves no pin or table page (sim_destroy()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/page.h>
#include <asm/processor-flags.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "mmu_internal.h"
#include "mmu_sim.h"
#include "spte.h"
#include "dmap.h"

#define SMM_PAGE0	512	/* address space 1's gfn 0 is RAM page 512 */
#define SMM_PAGES	64

/* The nonpaging leaf of @gfn in @root, 0 if none. */
static u64 np_leaf(u64 *root, u64 gfn)
{
	int level;
	u64 *sptep;

	if (!root)
		return 0;
	sptep = svx_dmap_walk(&svx_dmap_x86, root, gfn, 1, &level);
	return level == 1 ? *sptep : 0;
}

static u64 page_pa(struct sim *s, u64 page)
{
	return (u64)(uintptr_t)(s->mem + page * 4096) & SPTE_ADDR;
}

/* The vCPU enters (@in) or leaves SMM: KVM's kvm_smm_changed(). */
static void smm_switch(struct svx_vcpu *v, bool in)
{
	v->smm.in_smm = in;
	svx_mmu_reset_context(v);
}

/* A 4-level guest table entry in address space 1's memory. */
static void smm_pte(struct sim *s, u64 gfn, unsigned int idx, u64 e)
{
	u64 *t = (u64 *)(s->mem + (SMM_PAGE0 + gfn) * 4096);

	t[idx] = e;
}

static u64 smm_pte_get(struct sim *s, u64 gfn, unsigned int idx)
{
	return ((u64 *)(s->mem + (SMM_PAGE0 + gfn) * 4096))[idx];
}

TAP_SUITE(smm_mmu)
{
	struct sim *s = sim_create(tap_seed());
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US;
	struct sim_stats acc = { 0 };
	struct svx_vm *vm = s->vm;
	struct svx_vcpu *v = s->vcpu;
	u64 e, e0, *np0;
	unsigned long pinned;
	struct svx_sp *root0;
	int r;

	sim_set_smm_slot(s, 0, SMM_PAGES, SMM_PAGE0);

	/* Real mode outside SMM: address space 0's tree, nothing else. */
	v->cr0 = 0;
	v->cr4 = 0;
	v->efer = 0;
	smm_switch(v, false);
	r = svx_mmu_reload(v);
	tap_ok(!r && !vm->np_root_smm,
	       "outside SMM a nonpaging reload makes no SMM tree");
	r = sim_fault(s, 0x3000, SVX_PF_WRITE);
	e0 = np_leaf(vm->np_root, 3);
	tap_ok(r == SVX_RESUME && (e0 & SPTE_ADDR) == page_pa(s, 3) &&
	       (e0 & SPTE_W) && s->pins[3] == 1,
	       "nonpaging write fault at 0x3000 outside SMM: address space 0's page (RAM page 3)");

	/* SMM, paging off: the SMM tree, address space 1's page. */
	smm_switch(v, true);
	tap_ok(!v->mmu.root_hpa, "entering SMM drops the vCPU's root");
	r = svx_mmu_reload(v);
	np0 = vm->np_root_smm;
	tap_ok(!r && np0 && np0 != vm->np_root &&
	       (v->mmu.pae_root[0] & SPTE_ADDR) ==
	       (((u64 *)svx_host_va(np0[0] & SPTE_ADDR))[0] & SPTE_ADDR),
	       "in SMM the reload makes the SMM nonpaging tree and the PAE root points into it");
	r = sim_fault(s, 0x3000, SVX_PF_WRITE);
	e = np_leaf(vm->np_root_smm, 3);
	tap_ok(r == SVX_RESUME && (e & SPTE_ADDR) == page_pa(s, SMM_PAGE0 + 3) &&
	       (e & SPTE_W) && s->pins[SMM_PAGE0 + 3] == 1 &&
	       np_leaf(vm->np_root, 3) == e0 && s->pins[3] == 1,
	       "nonpaging write fault at 0x3000 in SMM: address space 1's page (RAM page %d), address space 0's leaf untouched",
	       SMM_PAGE0 + 3);
	s->mmio_exit = false;
	r = sim_fault(s, (u64)SMM_PAGES << PAGE_SHIFT, 0);
	tap_ok(r == SVX_USER && s->mmio_exit &&
	       !np_leaf(vm->np_root_smm, SMM_PAGES),
	       "in SMM a gfn with RAM only in address space 0 is MMIO");

	/* Write protection (dirty log, shadowing) covers both trees. */
	spin_lock(&vm->mmu_lock);
	svx_mmu_write_protect_gfn(vm, 3);
	spin_unlock(&vm->mmu_lock);
	tap_ok(!(np_leaf(vm->np_root, 3) & SPTE_W) &&
	       !(np_leaf(vm->np_root_smm, 3) & SPTE_W),
	       "write-protecting gfn 3 clears W in both address spaces' nonpaging leaves");

	/* MMU notifier: both trees' leaves go, with their pins. */
	pinned = vm->pages_pinned;
	svx_mmu_zap_gfn_range(vm, 3, 4);
	tap_ok(!np_leaf(vm->np_root, 3) && !np_leaf(vm->np_root_smm, 3) &&
	       !s->pins[3] && !s->pins[SMM_PAGE0 + 3] &&
	       vm->pages_pinned == pinned - 2,
	       "range zap of gfn 3: both leaves gone, 2 pins dropped");

	/* A zap of everything drops the SMM tree; the next reload remakes it. */
	r = sim_fault(s, 0x4000, 0);
	tap_ok(r == SVX_RESUME && s->pins[SMM_PAGE0 + 4] == 1,
	       "nonpaging read fault at 0x4000 in SMM: RAM page %d pinned",
	       SMM_PAGE0 + 4);
	r = svx_mmu_zap_prepare(vm);
	svx_mmu_zap_all(vm);
	tap_ok(!r && !vm->np_root_smm && vm->np_root &&
	       !s->pins[SMM_PAGE0 + 4] &&
	       test_bit(SVX_REQ_MMU_RELOAD, &v->requests),
	       "zap of everything: SMM tree freed with its pins, reload requested");
	clear_bit(SVX_REQ_MMU_RELOAD, &v->requests);
	v->mmu.root_hpa = 0;
	r = sim_fault(s, 0x4000, 0);
	tap_ok(r == SVX_RESUME && !s->pins[SMM_PAGE0 + 4],
	       "a fault before the reload installs nothing (no SMM tree)");
	r = svx_mmu_reload(v);
	tap_ok(!r && vm->np_root_smm, "the reload in SMM makes a fresh tree");
	r = sim_fault(s, 0x4000, 0);
	tap_ok(r == SVX_RESUME && s->pins[SMM_PAGE0 + 4] == 1 &&
	       (np_leaf(vm->np_root_smm, 4) & SPTE_ADDR) ==
	       page_pa(s, SMM_PAGE0 + 4),
	       "and the fault maps address space 1's page again");

	/*
	 * SMM with paging (an SMM handler that turned it on): tables at
	 * address space 1's gfns 0x10 .. 0x13, 0x5000 -> gfn 0x20.  The
	 * same gfns hold no table in address space 0.
	 */
	smm_pte(s, 0x10, 0, (0x11 << PAGE_SHIFT) | f);
	smm_pte(s, 0x11, 0, (0x12 << PAGE_SHIFT) | f);
	smm_pte(s, 0x12, 0, (0x13 << PAGE_SHIFT) | f);
	smm_pte(s, 0x13, 5, (0x20 << PAGE_SHIFT) | f);
	v->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	v->cr4 = X86_CR4_PAE;
	v->efer = EFER_LME | EFER_LMA | EFER_NX;
	v->cr3 = 0x10 << PAGE_SHIFT;
	smm_switch(v, true);
	r = svx_mmu_reload(v);
	tap_ok(!r && v->mmu.root_sp && v->mmu.root_sp->role.smm &&
	       v->mmu.root_sp->gfn == 0x10,
	       "SMM with 4-level paging: the root shadow page has role.smm");
	root0 = v->mmu.root_sp;
	s->injected = false;
	r = sim_fault(s, 0x5000, 0);
	e = sim_leaf_spte(s, 0x5000);
	tap_ok(r == SVX_RESUME && !s->injected &&
	       (e & SPTE_ADDR) == page_pa(s, SMM_PAGE0 + 0x20) &&
	       (smm_pte_get(s, 0x13, 5) & SVX_PTE_A) &&
	       !((u64 *)(s->mem + 0x13 * 4096))[5],
	       "read fault at 0x5000: walked address space 1's tables (A set there), mapped its gfn 0x20 (RAM page %d)",
	       SMM_PAGE0 + 0x20);

	/* The same CR3 outside SMM: other shadow pages, another walk. */
	smm_switch(v, false);
	r = svx_mmu_reload(v);
	tap_ok(!r && v->mmu.root_sp && v->mmu.root_sp != root0 &&
	       !v->mmu.root_sp->role.smm &&
	       v->mmu.root_sp->gfn == root0->gfn,
	       "leaving SMM with the same CR3: another root shadow page, role.smm clear");
	s->injected = false;
	r = sim_fault(s, 0x5000, 0);
	tap_ok(r == SVX_RESUME && s->injected && !sim_leaf_spte(s, 0x5000),
	       "the fault at 0x5000 walks address space 0 (no table there): #PF injected");
	smm_switch(v, true);
	r = svx_mmu_reload(v);
	tap_ok(!r && v->mmu.root_sp == root0 &&
	       (sim_leaf_spte(s, 0x5000) & SPTE_ADDR) ==
	       page_pa(s, SMM_PAGE0 + 0x20),
	       "back in SMM: the SMM root again, its leaf kept");

	sim_destroy(s, &acc);
	tap_ok(acc.violations == 0,
	       "VM destroy: no pin, table page or object left (%lu violations)",
	       acc.violations);
}
