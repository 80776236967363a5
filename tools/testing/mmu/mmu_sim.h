/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake VM for mmu/mmu.c in userspace: the host side of mmu/mmu_host.h
 * (malloc'd table pages whose "physical" address is their address, a guest
 * RAM buffer in memslots, pin counts per guest page), the vmx/ entry points
 * the MMU calls, a "CPU" that translates through the shadow tables as the
 * hardware would and takes shadow faults when they do not allow an access,
 * random guest page tables (32-bit, PAE, 4-level) with several address
 * spaces, and the shadow-cache invariant check.
 *
 * Guest physical memory: slot 0 is RAM (gfn 0 .. SIM_RAM_PAGES - 1), slot 1
 * a read-only ROM at SIM_ROM_GFN; everything else is MMIO.  Every address
 * space maps all of RAM supervisor-writable at a fixed "window" (shared
 * tables that are never changed), through which the guest writes its page
 * tables; such writes trap when the table is shadowed and go through the
 * MMU's page-table write emulation, with the instruction (mov, cmpxchg8b,
 * cmpxchg16b)
 * the harness chose for them.
 */
#ifndef SVX_TEST_MMU_SIM_H
#define SVX_TEST_MMU_SIM_H

#include <linux/types.h>

#include "harness.h"
#include "mmu.h"

enum sim_mode { SIM_32, SIM_PAE, SIM_4L, SIM_NR_MODES };
extern const char *const sim_mode_name[SIM_NR_MODES];

#define SIM_RAM_PAGES	1024
#define SIM_ROM_GFN	0x900ULL
#define SIM_ROM_PAGES	64
#define SIM_MAX_AS	4
#define SIM_MAX_TABLES	160
#define SIM_MAX_HOT	64

struct sim_stats {
	unsigned long sequences, steps, accesses, hw_ok, faults, fixed,
		      injected, mmio, emulated, pt_writes, invlpgs,
		      cr3_switches, zap_alls, sptes_checked, violations,
		      audit_checks, audit_violations,
		      large_sptes_checked, unsyncs, syncs, prefetches, large_sptes,
		      stale_ok, pt_updates, cr_toggles, cx16, cx16_failed, plugs,
		      mmio_stale, vmm_writes, fresh_roots, fresh_unsync, nf_loads,
		      parents_checked, marks_checked;
};

struct sim_table {
	u64 gfn;
	int level;		/* level its entries are generated for */
	bool fixed;		/* window tables: never written */
};

struct sim {
	struct svx_vm *vm;
	struct svx_vcpu *vcpu;
	struct svx_memslots *slots;
	u8 *mem;		/* RAM pages, then ROM pages, then plug pages */
	bool plugged;		/* slot 2 (plug pages, in the MMIO range) is there */
	int *pins;		/* per page of mem */
	struct rng rng;

	/* Guest paging state of this world. */
	enum sim_mode mode;
	int nas, cur;
	u64 cr3[SIM_MAX_AS];
	int ntables;
	struct sim_table tables[SIM_MAX_TABLES];
	int nhot;
	u64 hot[SIM_MAX_HOT];
	u64 window;		/* GVA of gfn 0 in the window */
	u32 top_idx;		/* root index of the window */

	/* The instruction at RIP for the current access. */
	u8 insn[15];
	u64 insn_gva;
	bool retired, injected, internal_error, mmio_exit;
	u32 inj_error;

	long allocs0, tables0;	/* kmalloc'd objects, table pages before the VM */

	struct sim_stats st;
	unsigned int shown;	/* violations printed */
	bool quiet;
};

/* A fresh VM + vCPU with its memory, no paging yet. */
struct sim *sim_create(u64 seed);
/*
 * Destroy the VM (a page still pinned is a violation) and add its
 * counters to @acc (may be NULL).
 */
void sim_destroy(struct sim *s, struct sim_stats *acc);
unsigned long sim_faults_fixed(struct sim *s);

/* Random guest tables for @mode with @nas address spaces; loads AS 0. */
void sim_gen_world(struct sim *s, enum sim_mode mode, int nas);
/* Every table allocation fails while set (svx_host_alloc_table()). */
extern bool sim_fail_tables;
/*
 * The sim_fail_nth-th fallible operation (svx_host_should_fail(): a table
 * page, an MMU allocation) fails; counts down, 0 once injected or unset.
 */
extern unsigned int sim_fail_nth;
/* Set when the failure was injected; a fault's -ENOMEM then retries. */
extern bool sim_fail_fired;
/* One random step (access, PT write, INVLPG, CR3 switch, zap). */
void sim_step(struct sim *s);
/* Check the invariants; returns the violations found (also counted). */
unsigned long sim_check(struct sim *s);
/* One access by the simulated CPU, faulting into the MMU as needed. */
void sim_access(struct sim *s, u64 gva, u32 access);

/* Planted bug for the next runs (enum svx_mmu_bug, 0: none). */
void sim_plant_bug(int bug);
extern const char *const sim_bug_name[];

/* The guest's INVLPG of @gva (svx_mmu_invlpg()), checked. */
void sim_invlpg(struct sim *s, u64 gva);
/*
 * For the benchmark and tests: drop the leaf SPTE of @gva (4 KiB, in the
 * current root) so that the next access faults it back in; no flush.
 */
void sim_zap_leaf(struct sim *s, u64 gva);
/* The leaf SPTE of @gva (4 KiB) in the current root, 0 if none. */
u64 sim_leaf_spte(struct sim *s, u64 gva);
/* Faults taken by @acc accesses to each of the pages at GVA 0 .. @n - 1. */
unsigned long sim_touch_all(struct sim *s, int n, u32 acc);
/* sim_gen_flat()'s table @i (0 PML4, 1 PDPT, 2 PD, 3 the page table). */
u64 *sim_flat_table(struct sim *s, int i, u64 *gfn);
/* A MOV to CR3 without bit 63: the root is reloaded and flushes. */
void sim_reload_root(struct sim *s);
/* Mark guest table @gfn unsync, as a guest write fault on it does. */
bool sim_unsync(struct sim *s, u64 gfn);
int sim_fault(struct sim *s, u64 gva, u32 error_code);
/* A 4-level world mapping @n pages (writable, dirty) at GVA 0. */
void sim_gen_flat(struct sim *s, int n);
/* svx_host_set_dirty() calls so far. */
extern unsigned long sim_dirty_marks;
/* Table pages allocated and not freed (svx_host_alloc_table()). */
extern long sim_tables_live;
/* Called after each 4 KiB pin (test_notify.c: an invalidation races it). */
extern void (*sim_pin_hook)(struct sim *s);
/*
 * Address space 1 (SMM): one slot of @npages at @gfn backed by the sim's
 * pages from @page (RAM the address space 0 slot maps elsewhere).
 */
void sim_set_smm_slot(struct sim *s, u64 gfn, u64 npages, u64 page);
/* Pins held on the sim's pages [@first, @first + @n) (gfn = page index). */
int sim_pins(struct sim *s, u64 first, u64 n);
/* EPT mode (mmu/ept.c): see mmu_sim.c. */
extern bool sim_ept;
extern u32 sim_ept_flags;
extern unsigned long sim_invepts;
/* CR0.WP=0 + SMEP/SMAP: see mmu_sim.c. */
unsigned long sim_wp0_case(struct sim *s, u64 cr4_write, u64 cr4_then,
			   u32 acc, bool *injected);
/* A memslot over an MMIO gfn: its old MMIO SPTE unused (mmu_sim.c). */
unsigned long sim_mmio_gen_case(struct sim *s, bool *stale);

/* The reverse map on its own: SPTE slots in a shadow page of their own. */
u64 *sim_leaf_table(struct sim *s);
void sim_leaf_table_free(struct sim *s, u64 *spt);
void sim_rmap_add(struct sim *s, u64 gfn, u64 *sptep);
void sim_rmap_del(struct sim *s, u64 gfn, u64 *sptep);
/* The SPTEs in the reverse map under @gfn: up to @max into @out; count. */
unsigned long sim_rmap_walk(struct sim *s, u64 gfn, u64 **out,
			    unsigned long max);
bool sim_rmap_write_protect(struct sim *s, u64 gfn);
/* svx_rmap_audit(): SPTEs in the map, -EINVAL if inconsistent. */
long sim_rmap_audit(struct sim *s);

#endif
