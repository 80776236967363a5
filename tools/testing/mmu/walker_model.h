/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test support for mmu/walker.c: a sparse fake guest RAM (a few 4-KiB pages
 * at arbitrary gfns) behind svx_walk_env's accessors, a generator of random
 * guest page tables and control-register states, and the differential
 * check of one (tables, address, access) case against ref_walker.c.
 */
#ifndef SVX_TEST_WALKER_MODEL_H
#define SVX_TEST_WALKER_MODEL_H

#include <linux/types.h>

#include "harness.h"
#include "ref_walker.h"
#include "walker.h"

#define WM_MAX_PAGES	16
#define WM_LOG_MAX	32

enum wm_mode { WM_32, WM_PAE, WM_4L, WM_5L, WM_NR_MODES };
extern const char *const wm_mode_name[WM_NR_MODES];

struct wm_ram {
	unsigned int n;
	u64 gfn[WM_MAX_PAGES];
	bool readonly[WM_MAX_PAGES];
	u8 (*page)[4096];		/* WM_MAX_PAGES pages */
	/* cmpxchg: lose the next @lose_races calls (nothing written). */
	unsigned int lose_races;
	unsigned long cmpxchg_calls, races_lost;
	/* Writes done by cmpxchg, to check and undo them. */
	unsigned int nlog;
	struct { u64 gpa, old; unsigned int size; } log[WM_LOG_MAX];
};

struct wm_world {
	enum wm_mode mode;
	struct wm_ram ram;
	struct svx_walk_env env;
	unsigned int nidx;
	u32 idx[6];			/* table indices the addresses use */
};

/* Per-mode outcome counters of the random test. */
struct wm_stats {
	unsigned long cases, ok, ok_level[6], not_present, rsvd, prot,
		      efault, races, mismatches;
};

void wm_ram_init(struct wm_ram *ram);
void wm_ram_free(struct wm_ram *ram);
/* Add a zeroed page at @gfn; returns its bytes. */
u8 *wm_ram_add(struct wm_ram *ram, u64 gfn);
u8 *wm_ram_ptr(struct wm_ram *ram, u64 gpa);
u64 wm_ram_read(struct wm_ram *ram, u64 gpa, unsigned int size);
void wm_ram_write(struct wm_ram *ram, u64 gpa, u64 val, unsigned int size);
/* Undo the logged cmpxchg writes. */
void wm_ram_undo(struct wm_ram *ram);

/* Env for @mode with everything off; accessors on @w->ram. */
void wm_env_init(struct wm_world *w, enum wm_mode mode);
/* Random tables for @mode (replaces the world's RAM contents). */
void wm_gen_world(struct wm_world *w, struct rng *r, enum wm_mode mode);
/* Random CR0.WP, CR4.SMEP/SMAP/PSE, EFER.NXE, RFLAGS.AC. */
void wm_gen_bits(struct wm_world *w, struct rng *r);
u64 wm_gen_addr(struct wm_world *w, struct rng *r);
u32 wm_gen_access(struct rng *r);

/*
 * Run svx_walk_addr() and ref_translate() on one case, compare status, gpa,
 * level, error code, CR2, permissions and the A/D bits written, then undo
 * the writes.  Returns true when they agree; else @why says how.
 */
bool wm_check(struct wm_world *w, u64 gva, u32 access, struct wm_stats *st,
	      char *why, size_t whylen);

#endif
