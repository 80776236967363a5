// SPDX-License-Identifier: GPL-2.0
/*
 * EFER.NXE and the shadow pages (suite nx_role).  KVM 6.1's shadow MMU
 * builds its shadow pages for EFER.NXE = 1 whatever the guest's
 * (kvm_init_shadow_mmu(): root_role.efer_nx = true; the CPU runs with NXE
 * on under shadow paging), so a guest that toggles NXE keeps its shadow
 * pages and the SPTEs in them: harness W9 (the permission sweep) toggles
 * it with every control setting and took a shadow fault more for each page
 * built again in the other NXE role.  Checked here: the root shadow page
 * and an SPTE survive NXE 1 -> 0 -> 1 (no fault), and what NXE = 1 let
 * the guest's XD bit (bit 63) mean is not kept once NXE = 0 makes it
 * reserved: after the change, an access through a PTE with XD, below a
 * PDE with XD, or to an MMIO page mapped with XD takes the #PF with RSVD
 * that the guest's walk gives (SDM 4.5.4), as it did when the two NXE
 * settings had shadow pages of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "mmu_internal.h"
#include "walker.h"
#include "mmu_sim.h"

#define NX_KEEP		0x1000ULL	/* no XD anywhere */
#define NX_PTE		0x2000ULL	/* PTE with XD */
#define NX_MMIO		0x3000ULL	/* PTE with XD, an MMIO gfn */
#define NX_PDE		0x201000ULL	/* below PDE 1, which has XD */
#define NX_MMIO_GFN	0xa00ULL	/* no memslot (mmu_sim.c) */
#define PF_RSVD_READ	(SVX_PFERR_PRESENT | SVX_PFERR_RSVD)

static u64 fixed(struct sim *s)
{
	return s->vcpu->stats.mmu[SVX_MMU_PF_FIXED];
}

/* A supervisor read of @gva: 0 if it completed, else the #PF error code. */
static u32 nx_read(struct sim *s, u64 gva)
{
	sim_access(s, gva, 0);
	return s->injected ? s->inj_error : 0;
}

static void nx_set(struct sim *s, bool on)
{
	struct svx_vcpu *v = s->vcpu;

	v->efer = on ? v->efer | EFER_NX : v->efer & ~(u64)EFER_NX;
	svx_mmu_reset_context(v);	/* as svx_set_efer() */
}

TAP_SUITE(nx_role)
{
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US | SVX_PTE_A |
		      SVX_PTE_D;
	struct sim *s = sim_create(tap_seed());
	struct svx_sp *root;
	unsigned long viol0;
	u64 *pt, ptgfn, *pd, pdgfn, n;
	u32 e1, e2, e3;

	sim_gen_flat(s, 1024);		/* two page tables */
	pt = sim_flat_table(s, 3, &ptgfn);
	pd = sim_flat_table(s, 2, &pdgfn);
	pt[NX_PTE >> 12] |= SVX_PTE_XD;
	pt[NX_MMIO >> 12] = (NX_MMIO_GFN << PAGE_SHIFT) | f | SVX_PTE_XD;
	pd[1] |= SVX_PTE_XD;
	svx_mmu_zap_all(s->vm);
	viol0 = s->st.violations;

	/* EFER.NXE = 1: XD means not executable, the reads complete. */
	e1 = nx_read(s, NX_KEEP) | nx_read(s, NX_PTE) | nx_read(s, NX_PDE);
	sim_access(s, NX_MMIO, 0);
	tap_ok(!e1 && !s->injected && s->mmio_exit,
	       "NXE=1: reads through a PTE or PDE with XD complete, the MMIO read exits");
	sim_access(s, NX_MMIO, 0);	/* again: through the MMIO SPTE */
	root = s->vcpu->mmu.root_sp;

	/* NXE 1 -> 0: the same shadow pages, the SPTEs without XD stay. */
	nx_set(s, false);
	n = fixed(s);
	e1 = nx_read(s, NX_KEEP);
	tap_ok(s->vcpu->mmu.root_sp == root,
	       "NXE 1->0: the root shadow page is kept (KVM: role.efer_nx is always 1)");
	tap_ok(!e1 && fixed(s) == n,
	       "NXE 1->0: a page mapped without XD is read without a shadow fault (%llu)",
	       (unsigned long long)(fixed(s) - n));

	/* XD is reserved now (SDM 4.5.4): the guest's walk faults. */
	e1 = nx_read(s, NX_PTE);
	e2 = nx_read(s, NX_PDE);
	sim_access(s, NX_MMIO, 0);
	e3 = s->injected ? s->inj_error : 0;
	tap_ok(e1 == PF_RSVD_READ,
	       "NXE=0: a read through the PTE with XD takes #PF(P|RSVD) (error %#x)",
	       e1);
	tap_ok(e2 == PF_RSVD_READ,
	       "NXE=0: a read below the PDE with XD takes #PF(P|RSVD) (error %#x)",
	       e2);
	tap_ok(e3 == PF_RSVD_READ && !s->mmio_exit,
	       "NXE=0: a read of the MMIO page mapped with XD takes #PF(P|RSVD), no MMIO exit (error %#x)",
	       e3);

	/* NXE 0 -> 1: the same root again, XD means not executable again. */
	nx_set(s, true);
	n = fixed(s);
	e1 = nx_read(s, NX_KEEP);
	tap_ok(s->vcpu->mmu.root_sp == root && !e1 && fixed(s) == n,
	       "NXE 0->1: the same root, the page without XD still mapped");
	e1 = nx_read(s, NX_PTE) | nx_read(s, NX_PDE);
	sim_access(s, NX_PTE, SVX_ACC_FETCH);
	tap_ok(!e1 && s->injected &&
	       s->inj_error == (SVX_PFERR_PRESENT | SVX_PFERR_FETCH),
	       "NXE=1: the reads complete again, a fetch through the PTE with XD takes #PF(P|I/D) (error %#x)",
	       s->inj_error);
	sim_check(s);
	tap_ok(s->st.violations == viol0,
	       "shadow tables consistent with the guest's (%lu violations)",
	       s->st.violations - viol0);
	sim_destroy(s, NULL);
}
