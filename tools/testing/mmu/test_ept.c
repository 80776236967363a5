// SPDX-License-Identifier: GPL-2.0
/*
 * The EPT MMU (mmu/ept.c) in the userspace simulator: an EPT VM of the
 * sim's memory (slot 0 RAM, slot 1 ROM, the rest MMIO), EPT violations as
 * vmx/ hands them over (GPA, SVX_ACC_*), and what each leaves in the tree
 * (read back with svx_ept_trace(), as the walk trace does), in the page
 * pins and in the counters: 4 KiB and 2 MiB leaves, a read-only slot,
 * MMIO entries and their generation, the write protection of dirty
 * logging, the MMU notifier's range zap, the zap of a memslot change and
 * VM destruction (sim_destroy() then finds no pin or table page left).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <asm/page.h>

#include "svx.h"
#include "harness.h"
#include "mmu_host.h"
#include "mmu_sim.h"
#include "spte.h"
#include "epte.h"
#include "ept.h"
#include "walker.h"

#define GPA_4K		0x5000ULL	/* gfn 5: RAM, 4 KiB leaf */
#define GPA_2M		0x203000ULL	/* in [0x200000, 0x400000): one 2 MiB leaf */
#define GPA_MMIO	0x800000ULL	/* gfn 0x800: no slot */

static u64 leaf(struct sim *s, u64 gpa)
{
	return svx_ept_trace(s->vm, gpa, NULL);
}

static u64 hpa_of(struct sim *s, u64 gfn)
{
	return (u64)(uintptr_t)(s->mem + gfn * 4096) & EPTE_ADDR;
}

TAP_SUITE(ept_mmu)
{
	struct sim *s = sim_create(tap_seed());
	struct sim_stats acc = { 0 };
	struct svx_vm *vm = s->vm;
	struct svx_vcpu *v = s->vcpu;
	unsigned long pinned, invepts;
	u64 e, gpa_rom = SIM_ROM_GFN << PAGE_SHIFT;
	bool wp;
	int r;

	sim_ept_flags = SVX_CAP_EPT | SVX_CAP_EPT_AD;
	sim_ept = true;
	r = svx_ept_vm_init(vm);
	sim_ept = false;
	tap_ok(!r && svx_vm_ept(vm) && vm->ept_root && vm->ept_pages == 2 &&
	       vm->ept_root_smm && vm->eptp_smm != vm->eptp &&
	       (vm->eptp & 0xff) == (EPTP_MT_WB | EPTP_PWL_4 | EPTP_AD),
	       "EPT VM: roots of both address spaces allocated, EPTP %#llx (WB, 4-level, A/D)",
	       (unsigned long long)vm->eptp);
	r = svx_ept_set_paging(vm, 7);
	tap_eq(r, -EINVAL, "SVX_SET_PAGING with an unknown mode: -EINVAL");
	r = svx_ept_set_paging(vm, SVX_PAGING_SHADOW);
	tap_eq(r, -EBUSY, "SVX_SET_PAGING once a vCPU exists: -EBUSY");

	/* 4 KiB: a read violation maps R|W|X, one pin. */
	r = svx_ept_page_fault(v, GPA_4K, 0);
	e = leaf(s, GPA_4K);
	tap_ok(r == SVX_RESUME && (e & EPTE_RWX) == EPTE_RWX &&
	       (e & EPTE_PINNED) && !(e & EPTE_LARGE) &&
	       (e & EPTE_ADDR) == hpa_of(s, 5) && s->pins[5] == 1 &&
	       vm->pages_pinned == 1 && vm->ept_pages == 5,
	       "read violation in RAM: 4 KiB leaf %#llx (RWX, the slot's page), 1 pin, 3 tables",
	       (unsigned long long)e);
	r = svx_ept_page_fault(v, GPA_4K, SVX_ACC_WRITE);
	tap_ok(r == SVX_RESUME && s->pins[5] == 1 && vm->pages_pinned == 1,
	       "a second violation on a mapped GPA (another vCPU was first): no second pin (%d)",
	       s->pins[5]);

	/* ROM: read maps without W, a write is MMIO. */
	r = svx_ept_page_fault(v, gpa_rom, SVX_ACC_WRITE);
	tap_ok(r == SVX_EMULATE && !(leaf(s, gpa_rom) & EPTE_RWX) &&
	       !s->pins[SIM_RAM_PAGES],
	       "write violation in a read-only slot: emulated (SVX_EMULATE), nothing mapped");
	r = svx_ept_page_fault(v, gpa_rom, 0);
	e = leaf(s, gpa_rom);
	tap_ok(r == SVX_RESUME && (e & EPTE_RWX) == (EPTE_R | EPTE_X) &&
	       s->pins[SIM_RAM_PAGES] == 1,
	       "read violation in a read-only slot: R|X leaf %#llx, pinned",
	       (unsigned long long)e);

	/* MMIO: an entry the CPU reports as a misconfiguration. */
	r = svx_ept_page_fault(v, GPA_MMIO, SVX_ACC_WRITE);
	e = leaf(s, GPA_MMIO);
	tap_ok(r == SVX_EMULATE &&
	       (!svx_mmio_layout.cache ||
		((e & EPTE_RWX) == (EPTE_W | EPTE_X) && !(e & EPTE_PINNED))),
	       "violation outside every slot: emulated, MMIO entry %#llx (W|X without R)",
	       (unsigned long long)e);
	if (svx_mmio_layout.cache) {
		r = svx_ept_misconfig(v, GPA_MMIO);
		tap_eq(r, SVX_EMULATE,
		       "misconfiguration on the MMIO entry: emulated without a memslot lookup");
		vm->memslots->generation++;
		r = svx_ept_misconfig(v, GPA_MMIO);
		tap_ok(r == SVX_RESUME && !(leaf(s, GPA_MMIO) & EPTE_RWX),
		       "after a memslot change the MMIO entry is stale: dropped, access again (r %d)",
		       r);
		vm->memslots->generation--;
	}
	r = svx_ept_page_fault(v, GPA_MMIO, SVX_ACC_FETCH);
	tap_eq(r, SVX_EMULATE,
	       "instruction fetch from MMIO: the exit handler's emulator (whose fetch fails as KVM's: #UD)");

	/* Dirty logging's write protection, then a write fault. */
	spin_lock(&vm->mmu_lock);
	wp = svx_ept_write_protect_gfn(vm, 5);
	spin_unlock(&vm->mmu_lock);
	tap_ok(wp && !(leaf(s, GPA_4K) & EPTE_W) && (leaf(s, GPA_4K) & EPTE_R),
	       "write protection of gfn 5: W cleared, R kept");
	r = svx_ept_page_fault(v, GPA_4K, SVX_ACC_WRITE);
	tap_ok(r == SVX_RESUME && (leaf(s, GPA_4K) & EPTE_W) &&
	       s->pins[5] == 1 && vm->pages_pinned == 2,
	       "write violation on the protected leaf: W back in place, still one pin");

	/* 2 MiB: the CPU has them, the slot covers the range, THP backing. */
	sim_ept_flags |= SVX_CAP_EPT_2M;
	r = svx_ept_page_fault(v, GPA_2M, 0);
	e = leaf(s, GPA_2M);
	tap_ok(r == SVX_RESUME && (e & EPTE_LARGE) &&
	       (e & EPTE_ADDR) == hpa_of(s, 0x200) &&
	       sim_pins(s, 0x200, 512) == 512 && vm->pages_pinned == 2 + 512 &&
	       v->stats.mmu[SVX_MMU_EPT_LARGE] == 1,
	       "violation at %#llx: one 2 MiB leaf %#llx, 512 pins",
	       (unsigned long long)GPA_2M, (unsigned long long)e);
	r = svx_ept_page_fault(v, 0x6000, 0);
	e = leaf(s, 0x6000);
	tap_ok(r == SVX_RESUME && !(e & EPTE_LARGE) && s->pins[6] == 1 &&
	       v->stats.mmu[SVX_MMU_EPT_LARGE] == 1,
	       "a 2 MiB range where 4 KiB leaves exist stays 4 KiB (gfn 6)");

	/* MMU notifier: the range's entries go, INVEPT, then the pins. */
	pinned = vm->pages_pinned;
	invepts = sim_invepts;
	svx_ept_zap_gfn_range(vm, 0x200, 0x400);
	tap_ok(!(leaf(s, GPA_2M) & EPTE_RWX) && !sim_pins(s, 0x200, 512) &&
	       vm->pages_pinned == pinned - 512 && sim_invepts > invepts &&
	       s->pins[5] == 1 && s->pins[6] == 1,
	       "range zap of [0x200, 0x400): 2 MiB leaf gone, INVEPT, 512 pins dropped, others kept");

	/* A memslot delete: everything goes, the root stays. */
	invepts = sim_invepts;
	svx_ept_zap_all(vm);
	tap_ok(!vm->pages_pinned && !sim_pins(s, 0, SIM_RAM_PAGES + SIM_ROM_PAGES) &&
	       vm->ept_pages == 2 && vm->ept_root && sim_invepts > invepts &&
	       !(leaf(s, GPA_4K) & EPTE_RWX),
	       "zap of every entry: no pin left, only the roots (%lu table pages)",
	       vm->ept_pages);
	r = svx_ept_page_fault(v, GPA_4K, 0);
	tap_ok(r == SVX_RESUME && s->pins[5] == 1,
	       "the next violation maps again");

	/* SMM: address space 1 (no slot here) and its own tree. */
	v->smm.in_smm = true;
	e = leaf(s, GPA_4K);
	r = svx_ept_page_fault(v, GPA_4K, 0);
	tap_ok(r == SVX_EMULATE && leaf(s, GPA_4K) == e && s->pins[5] == 1,
	       "in SMM, a GPA without a slot in address space 1 is MMIO (r %d); address space 0's leaf untouched",
	       r);
	r = svx_ept_page_fault(v, GPA_4K, SVX_ACC_FETCH);
	tap_eq(r, SVX_EMULATE,
	       "in SMM, a fetch there: the exit handler's emulator (whose fetch fails: #UD)");
	v->smm.in_smm = false;

	svx_ept_vm_destroy(vm);
	tap_ok(!vm->ept_root && !vm->pages_pinned,
	       "VM destroy: tree freed, pins dropped");
	sim_ept_flags = SVX_CAP_EPT | SVX_CAP_EPT_AD;
	sim_destroy(s, &acc);
	tap_ok(acc.violations == 0,
	       "the sim after the VM: no pin, table page or object left (%lu violations)",
	       acc.violations);
}
