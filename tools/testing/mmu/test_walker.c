// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/walker.c against ref_walker.c on random guest page tables in every
 * paging mode (suite walker_random), and directed cases, one or more per
 * SDM rule and mode, with error codes written by hand (suite walker).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#include "harness.h"
#include "walker_model.h"

#define CASES_PER_WORLD	32

TAP_SUITE(walker_random)
{
	unsigned long total = getenv("SVX_QUICK") ? 250000 : 1000000, n;
	struct wm_stats st[WM_NR_MODES], all = { 0 };
	struct rng r = rng_seeded(tap_seed() ^ 0x3a1c5e7dULL);
	unsigned int shown = 0, mode;
	struct wm_world w;
	char why[256];

	memset(&w, 0, sizeof(w));
	memset(st, 0, sizeof(st));
	for (n = 0; n < total; n++) {
		u64 gva;
		u32 access;

		if (n % CASES_PER_WORLD == 0)
			wm_gen_world(&w, &r, (enum wm_mode)rng_below(&r, WM_NR_MODES));
		wm_gen_bits(&w, &r);
		gva = wm_gen_addr(&w, &r);
		access = wm_gen_access(&r);
		if (rng_below(&r, 32) == 0)
			w.ram.lose_races = 1 + rng_below(&r, 2);
		if (!wm_check(&w, gva, access, &st[w.mode], why, sizeof(why)) &&
		    shown++ < 5)
			tap_diag("mismatch: mode %s cr0 %#llx cr4 %#llx efer %#llx rflags %#llx M %u 1g %d gva %#llx access %#x: %s",
				 wm_mode_name[w.mode],
				 (unsigned long long)w.env.cr0,
				 (unsigned long long)w.env.cr4,
				 (unsigned long long)w.env.efer,
				 (unsigned long long)w.env.rflags,
				 w.env.maxphyaddr, w.env.gbpages,
				 (unsigned long long)gva, access, why);
	}
	wm_ram_free(&w.ram);
	for (mode = 0; mode < WM_NR_MODES; mode++) {
		struct wm_stats *s = &st[mode];

		tap_diag("mode=%s: %lu cases: %lu translated (4K %lu, 2M/4M %lu, 1G %lu), %lu not present, %lu reserved, %lu protection, %lu -EFAULT, %lu lost races, %lu mismatches",
			 wm_mode_name[mode], s->cases, s->ok, s->ok_level[1],
			 s->ok_level[2], s->ok_level[3], s->not_present,
			 s->rsvd, s->prot, s->efault, s->races, s->mismatches);
		all.cases += s->cases;
		all.mismatches += s->mismatches;
		tap_ok(s->cases > total / 8 && !s->mismatches,
		       "walker matches the reference in mode %s", wm_mode_name[mode]);
		tap_ok(s->ok_level[1] && s->ok_level[2] && s->not_present &&
		       s->rsvd && s->prot && (mode < WM_4L || s->ok_level[3]),
		       "random tables reach every outcome in mode %s",
		       wm_mode_name[mode]);
	}
	printf("walker-vs-reference: %lu cases, %lu mismatches\n", all.cases,
	       all.mismatches);
	tap_ok(all.cases >= total && !all.mismatches,
	       "walker-vs-reference: %lu cases, %lu mismatches", all.cases,
	       all.mismatches);
}

/* ---------------------------------------------------------------------- */
/* Directed cases: one translation built by hand per case.                */

#define P	SVX_PTE_P
#define RW	SVX_PTE_RW
#define US	SVX_PTE_US
#define A	SVX_PTE_A
#define D	SVX_PTE_D
#define PS	SVX_PTE_PS
#define XD	SVX_PTE_XD
#define WP	SVX_CR0_WP
#define PSE	SVX_CR4_PSE
#define SMEP	SVX_CR4_SMEP
#define SMAP	SVX_CR4_SMAP
#define NXE	SVX_EFER_NXE
#define AC	SVX_RFLAGS_AC

#define R_	0u
#define W_	SVX_ACC_WRITE
#define X_	SVX_ACC_FETCH
#define U_	SVX_ACC_USER
#define I_	SVX_ACC_IMPLICIT

#define GVA32	0x80403abcULL
#define GVA64	0x00007f8040201abcULL
#define GVA57	0x00ff7f8040201abcULL
#define PA4K	0x12345000ULL

struct dcase {
	const char *name;
	enum wm_mode mode;
	u64 cr0, cr4, efer, rflags;	/* ORed onto the mode's defaults */
	unsigned int m;			/* MAXPHYADDR, 0: 52 */
	bool no1g;
	int leaf;
	u64 pa;
	u64 set[6], clr[6];		/* per level, onto P|RW|US (PDPTE: P) */
	u64 gva;
	u32 access;
	int rc;
	u64 want;			/* rc 0: gpa; rc 1: error code */
};

static const struct dcase dcases[] = {
	/* Not present: P = 0, W/U/I-D from the access. */
	{ "32: user read, PTE not present", WM_32, .leaf = 1, .pa = PA4K,
	  .clr[1] = P, .gva = GVA32, .access = U_, .rc = 1, .want = 0x4 },
	{ "32: supervisor write, PDE not present", WM_32, .leaf = 1,
	  .pa = PA4K, .clr[2] = P, .gva = GVA32, .access = W_, .rc = 1,
	  .want = 0x2 },
	{ "32: fetch, not present, NXE=1 SMEP=0: no I/D without PAE", WM_32,
	  .efer = NXE, .leaf = 1, .pa = PA4K, .clr[1] = P, .gva = GVA32,
	  .access = X_, .rc = 1, .want = 0x0 },
	{ "32: fetch, not present, SMEP=1: I/D", WM_32, .cr4 = SMEP,
	  .leaf = 1, .pa = PA4K, .clr[1] = P, .gva = GVA32, .access = X_,
	  .rc = 1, .want = 0x10 },
	{ "pae: user fetch, PDPTE not present, NXE=1", WM_PAE, .efer = NXE,
	  .leaf = 1, .pa = PA4K, .clr[3] = P, .gva = GVA32, .access = U_ | X_,
	  .rc = 1, .want = 0x14 },
	{ "pae: fetch, not present, NXE=0 SMEP=0: no I/D", WM_PAE, .leaf = 1,
	  .pa = PA4K, .clr[1] = P, .gva = GVA32, .access = X_, .rc = 1,
	  .want = 0x0 },
	{ "64: supervisor write, PML4E not present", WM_4L, .leaf = 1,
	  .pa = PA4K, .clr[4] = P, .gva = GVA64, .access = W_, .rc = 1,
	  .want = 0x2 },
	{ "64: user write, PTE not present", WM_4L, .leaf = 1, .pa = PA4K,
	  .clr[1] = P, .gva = GVA64, .access = U_ | W_, .rc = 1, .want = 0x6 },
	{ "la57: user read, PML5E not present", WM_5L, .leaf = 1, .pa = PA4K,
	  .clr[5] = P, .gva = GVA57, .access = U_, .rc = 1, .want = 0x4 },
	{ "64: not present wins over a supervisor PML4E", WM_4L, .leaf = 1,
	  .pa = PA4K, .clr[4] = US, .clr[2] = P, .gva = GVA64, .access = U_,
	  .rc = 1, .want = 0x4 },
	{ "64: reserved bits of a non-present entry are ignored", WM_4L,
	  .m = 40, .leaf = 1, .pa = PA4K, .clr[1] = P, .set[1] = 1ULL << 45,
	  .gva = GVA64, .access = R_, .rc = 1, .want = 0x0 },

	/* Translations. */
	{ "32: 4K page", WM_32, .leaf = 1, .pa = PA4K, .gva = GVA32,
	  .access = U_ | W_, .rc = 0, .want = PA4K | 0xabc },
	{ "32: 4M page with PSE", WM_32, .cr4 = PSE, .leaf = 2,
	  .pa = 0x7fc00000ULL, .set[2] = PS, .gva = GVA32, .access = U_,
	  .rc = 0, .want = 0x7fc03abcULL },
	{ "32: PS ignored without CR4.PSE (PDE references a table)", WM_32,
	  .leaf = 1, .pa = PA4K, .set[2] = PS, .gva = GVA32, .access = U_,
	  .rc = 0, .want = PA4K | 0xabc },
	{ "32: PSE-36, PA 35:32 from PDE 16:13 (M=36)", WM_32, .cr4 = PSE,
	  .m = 36, .leaf = 2, .pa = 0x7fc00000ULL | (0x5ULL << 13),
	  .set[2] = PS, .gva = GVA32, .access = R_, .rc = 0,
	  .want = 0x57fc03abcULL },
	{ "32: PSE-36, PA 39:36 allowed with M=40", WM_32, .cr4 = PSE,
	  .m = 40, .leaf = 2, .pa = 0x7fc00000ULL | (0x81ULL << 13),
	  .set[2] = PS, .gva = GVA32, .access = R_, .rc = 0,
	  .want = 0x817fc03abcULL },
	{ "32: PAT bit 12 of a 4M page is not an address bit", WM_32,
	  .cr4 = PSE, .leaf = 2, .pa = 0x7fc01000ULL, .set[2] = PS,
	  .gva = GVA32, .access = R_, .rc = 0, .want = 0x7fc03abcULL },
	{ "32: gva bits 63:32 ignored", WM_32, .leaf = 1, .pa = PA4K,
	  .gva = 0xdead000000000000ULL | GVA32, .access = R_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "pae: 4K page", WM_PAE, .leaf = 1, .pa = 0xabcdef000ULL,
	  .gva = GVA32, .access = W_, .rc = 0, .want = 0xabcdefabcULL },
	{ "pae: 2M page, PAT bit 12 set", WM_PAE, .leaf = 2,
	  .pa = 0x40000000ULL | 0x1000, .set[2] = PS, .gva = GVA32,
	  .access = R_, .rc = 0, .want = 0x40003abcULL },
	{ "64: 4K page", WM_4L, .leaf = 1, .pa = 0xfffff12345000ULL,
	  .gva = GVA64, .access = U_ | X_, .efer = NXE, .rc = 0,
	  .want = 0xfffff12345abcULL },
	{ "64: 2M page", WM_4L, .leaf = 2, .pa = 0x3fe00000ULL, .set[2] = PS,
	  .gva = GVA64, .access = R_, .rc = 0, .want = 0x3fe01abcULL },
	{ "64: 1G page", WM_4L, .leaf = 3, .pa = 0x7c0000000ULL, .set[3] = PS,
	  .gva = GVA64, .access = R_, .rc = 0, .want = 0x7c0201abcULL },
	{ "64: bits 62:52 are ignored", WM_4L, .leaf = 1, .pa = PA4K,
	  .set[1] = 0x7ff0000000000000ULL, .set[4] = 1ULL << 52,
	  .gva = GVA64, .access = R_, .rc = 0, .want = PA4K | 0xabc },
	{ "64: address bit 40 is fine with M=41", WM_4L, .m = 41, .leaf = 1,
	  .pa = 1ULL << 40, .gva = GVA64, .access = R_, .rc = 0,
	  .want = (1ULL << 40) | 0xabc },
	{ "la57: 1G page", WM_5L, .leaf = 3, .pa = 0x40000000ULL,
	  .set[3] = PS, .gva = GVA57, .access = U_ | W_, .rc = 0,
	  .want = 0x40201abcULL },

	/* Reserved bits: P | RSVD, plus W/U/I-D. */
	{ "32: 4M page, bit 21 reserved", WM_32, .cr4 = PSE, .leaf = 2,
	  .pa = 0x7fc00000ULL | (1ULL << 21), .set[2] = PS, .gva = GVA32,
	  .access = R_, .rc = 1, .want = 0x9 },
	{ "32: 4M page, PDE bit 17 (PA bit 36) reserved with M=36", WM_32,
	  .cr4 = PSE, .m = 36, .leaf = 2, .pa = 0x7fc00000ULL | (1ULL << 17),
	  .set[2] = PS, .gva = GVA32, .access = U_ | W_, .rc = 1,
	  .want = 0xf },
	{ "pae: XD with NXE=0 is reserved", WM_PAE, .leaf = 1, .pa = PA4K,
	  .set[1] = XD, .gva = GVA32, .access = U_, .rc = 1, .want = 0xd },
	{ "pae: bit 52 reserved (62:M)", WM_PAE, .leaf = 1, .pa = PA4K,
	  .set[2] = 1ULL << 52, .gva = GVA32, .access = R_, .rc = 1,
	  .want = 0x9 },
	{ "pae: 2M page, bit 13 (alignment) reserved", WM_PAE, .leaf = 2,
	  .pa = 0x40000000ULL | (1ULL << 13), .set[2] = PS, .gva = GVA32,
	  .access = W_, .rc = 1, .want = 0xb },
	{ "pae: PDPTE bit 1 (R/W) reserved", WM_PAE, .leaf = 1, .pa = PA4K,
	  .set[3] = RW, .gva = GVA32, .access = R_, .rc = 1, .want = 0x9 },
	{ "pae: PDPTE bit 7 (PS) reserved", WM_PAE, .leaf = 1, .pa = PA4K,
	  .set[3] = PS, .gva = GVA32, .access = R_, .rc = 1, .want = 0x9 },
	{ "pae: PDPTE bit 63 reserved even with NXE", WM_PAE, .efer = NXE,
	  .leaf = 1, .pa = PA4K, .set[3] = XD, .gva = GVA32, .access = X_,
	  .rc = 1, .want = 0x19 },
	{ "64: XD with NXE=0 is reserved", WM_4L, .leaf = 1, .pa = PA4K,
	  .set[3] = XD, .gva = GVA64, .access = U_ | W_, .rc = 1,
	  .want = 0xf },
	{ "64: PML4E bit 7 reserved", WM_4L, .leaf = 1, .pa = PA4K,
	  .set[4] = PS, .gva = GVA64, .access = R_, .rc = 1, .want = 0x9 },
	{ "la57: PML5E bit 7 reserved", WM_5L, .leaf = 1, .pa = PA4K,
	  .set[5] = PS, .gva = GVA57, .access = R_, .rc = 1, .want = 0x9 },
	{ "64: 1G page, bit 29 (alignment) reserved", WM_4L, .leaf = 3,
	  .pa = 0x40000000ULL | (1ULL << 29), .set[3] = PS, .gva = GVA64,
	  .access = R_, .rc = 1, .want = 0x9 },
	{ "64: 1G page without CPUID Page1GB: PS reserved", WM_4L,
	  .no1g = true, .leaf = 3, .pa = 0x40000000ULL, .set[3] = PS,
	  .gva = GVA64, .access = R_, .rc = 1, .want = 0x9 },
	{ "64: 2M page, bit 20 (alignment) reserved", WM_4L, .leaf = 2,
	  .pa = 0x40000000ULL | (1ULL << 20), .set[2] = PS, .gva = GVA64,
	  .access = R_, .rc = 1, .want = 0x9 },
	{ "64: PTE address bit 40 reserved with M=40", WM_4L, .m = 40,
	  .leaf = 1, .pa = 1ULL << 40, .gva = GVA64, .access = U_, .rc = 1,
	  .want = 0xd },
	{ "64: PML4E address bit 51 reserved with M=48", WM_4L, .m = 48,
	  .leaf = 1, .pa = PA4K, .set[4] = 1ULL << 51, .gva = GVA64,
	  .access = X_, .cr4 = SMEP, .rc = 1, .want = 0x19 },
	{ "64: reserved at level 4 wins over not present at level 2", WM_4L,
	  .leaf = 1, .pa = PA4K, .set[4] = PS, .clr[2] = P, .gva = GVA64,
	  .access = R_, .rc = 1, .want = 0x9 },

	/* U/S and R/W. */
	{ "32: user read of a supervisor page", WM_32, .leaf = 1, .pa = PA4K,
	  .clr[1] = US, .gva = GVA32, .access = U_, .rc = 1, .want = 0x5 },
	{ "pae: user read, U/S=0 in the PDE only", WM_PAE, .leaf = 1,
	  .pa = PA4K, .clr[2] = US, .gva = GVA32, .access = U_, .rc = 1,
	  .want = 0x5 },
	{ "64: user read, U/S=0 in the PML4E only", WM_4L, .leaf = 1,
	  .pa = PA4K, .clr[4] = US, .gva = GVA64, .access = U_, .rc = 1,
	  .want = 0x5 },
	{ "la57: user read, U/S=0 in the PML5E only", WM_5L, .leaf = 1,
	  .pa = PA4K, .clr[5] = US, .gva = GVA57, .access = U_, .rc = 1,
	  .want = 0x5 },
	{ "32: user write, R/W=0 in the PDE", WM_32, .leaf = 1, .pa = PA4K,
	  .clr[2] = RW, .gva = GVA32, .access = U_ | W_, .rc = 1,
	  .want = 0x7 },
	{ "pae: user write to a read-only page, WP=0", WM_PAE, .leaf = 1,
	  .pa = PA4K, .clr[1] = RW, .gva = GVA32, .access = U_ | W_, .rc = 1,
	  .want = 0x7 },
	{ "64: user write, R/W=0 in the PDPTE", WM_4L, .leaf = 1, .pa = PA4K,
	  .clr[3] = RW, .gva = GVA64, .access = U_ | W_, .rc = 1,
	  .want = 0x7 },
	{ "la57: user write to a read-only 2M page", WM_5L, .leaf = 2,
	  .pa = 0x200000ULL, .set[2] = PS, .clr[2] = RW, .gva = GVA57,
	  .access = U_ | W_, .rc = 1, .want = 0x7 },
	{ "64: user read of a read-only page", WM_4L, .leaf = 1, .pa = PA4K,
	  .clr[1] = RW, .gva = GVA64, .access = U_, .rc = 0,
	  .want = PA4K | 0xabc },

	/* CR0.WP. */
	{ "32: supervisor write to a read-only page, WP=1", WM_32, .cr0 = WP,
	  .leaf = 1, .pa = PA4K, .clr[1] = RW, .gva = GVA32, .access = W_,
	  .rc = 1, .want = 0x3 },
	{ "32: supervisor write to a read-only page, WP=0", WM_32, .leaf = 1,
	  .pa = PA4K, .clr[1] = RW, .gva = GVA32, .access = W_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "pae: supervisor write, R/W=0 in the PDE, WP=1", WM_PAE, .cr0 = WP,
	  .leaf = 1, .pa = PA4K, .clr[2] = RW, .gva = GVA32, .access = W_,
	  .rc = 1, .want = 0x3 },
	{ "pae: supervisor write to a read-only page, WP=0", WM_PAE,
	  .leaf = 1, .pa = PA4K, .clr[1] = RW, .gva = GVA32, .access = W_,
	  .rc = 0, .want = PA4K | 0xabc },
	{ "64: supervisor write to a read-only page, WP=1", WM_4L, .cr0 = WP,
	  .leaf = 1, .pa = PA4K, .clr[1] = RW, .gva = GVA64, .access = W_,
	  .rc = 1, .want = 0x3 },
	{ "64: supervisor write to a read-only user page, WP=0 SMAP=0",
	  WM_4L, .leaf = 1, .pa = PA4K, .clr[1] = RW, .gva = GVA64,
	  .access = W_, .rc = 0, .want = PA4K | 0xabc },
	{ "la57: supervisor write to a read-only page, WP=1", WM_5L,
	  .cr0 = WP, .leaf = 1, .pa = PA4K, .clr[4] = RW, .gva = GVA57,
	  .access = W_, .rc = 1, .want = 0x3 },

	/* XD / NX. */
	{ "pae: user fetch from an XD page, NXE=1", WM_PAE, .efer = NXE,
	  .leaf = 1, .pa = PA4K, .set[1] = XD, .gva = GVA32,
	  .access = U_ | X_, .rc = 1, .want = 0x15 },
	{ "64: supervisor fetch, XD in the PML4E, NXE=1", WM_4L, .efer = NXE,
	  .leaf = 1, .pa = PA4K, .set[4] = XD, .gva = GVA64, .access = X_,
	  .rc = 1, .want = 0x11 },
	{ "64: read of an XD page is fine", WM_4L, .efer = NXE, .leaf = 1,
	  .pa = PA4K, .set[1] = XD, .gva = GVA64, .access = U_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "la57: user fetch from an XD 1G page", WM_5L, .efer = NXE,
	  .leaf = 3, .pa = 0x40000000ULL, .set[3] = PS | XD, .gva = GVA57,
	  .access = U_ | X_, .rc = 1, .want = 0x15 },
	{ "64: user fetch from a supervisor page, NXE=0: I/D clear", WM_4L,
	  .leaf = 1, .pa = PA4K, .clr[1] = US, .gva = GVA64,
	  .access = U_ | X_, .rc = 1, .want = 0x5 },

	/* SMEP. */
	{ "32: SMEP, supervisor fetch from a user page", WM_32, .cr4 = SMEP,
	  .leaf = 1, .pa = PA4K, .gva = GVA32, .access = X_, .rc = 1,
	  .want = 0x11 },
	{ "32: no SMEP, supervisor fetch from a user page", WM_32, .leaf = 1,
	  .pa = PA4K, .gva = GVA32, .access = X_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "pae: SMEP, supervisor fetch from a user 2M page", WM_PAE,
	  .cr4 = SMEP, .leaf = 2, .pa = 0x200000ULL, .set[2] = PS,
	  .gva = GVA32, .access = X_, .rc = 1, .want = 0x11 },
	{ "64: SMEP, supervisor fetch from a supervisor page", WM_4L,
	  .cr4 = SMEP, .leaf = 1, .pa = PA4K, .clr[2] = US, .gva = GVA64,
	  .access = X_, .rc = 0, .want = PA4K | 0xabc },
	{ "64: SMEP, supervisor fetch from a user page, NXE=0", WM_4L,
	  .cr4 = SMEP, .leaf = 1, .pa = PA4K, .gva = GVA64, .access = X_,
	  .rc = 1, .want = 0x11 },
	{ "la57: SMEP, supervisor fetch from a user page", WM_5L,
	  .cr4 = SMEP, .efer = NXE, .leaf = 1, .pa = PA4K, .gva = GVA57,
	  .access = X_, .rc = 1, .want = 0x11 },
	{ "64: SMEP, user fetch from a user page", WM_4L, .cr4 = SMEP,
	  .leaf = 1, .pa = PA4K, .gva = GVA64, .access = U_ | X_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "64: SMEP with WP=0: supervisor write to a user RO page is fine",
	  WM_4L, .cr4 = SMEP, .leaf = 1, .pa = PA4K, .clr[1] = RW,
	  .gva = GVA64, .access = W_, .rc = 0, .want = PA4K | 0xabc },

	/* SMAP. */
	{ "32: SMAP, supervisor read of a user page, AC=0", WM_32,
	  .cr4 = SMAP, .leaf = 1, .pa = PA4K, .gva = GVA32, .access = R_,
	  .rc = 1, .want = 0x1 },
	{ "32: SMAP, supervisor read of a user page, AC=1", WM_32,
	  .cr4 = SMAP, .rflags = AC, .leaf = 1, .pa = PA4K, .gva = GVA32,
	  .access = R_, .rc = 0, .want = PA4K | 0xabc },
	{ "pae: SMAP, supervisor write to a user page, AC=0", WM_PAE,
	  .cr4 = SMAP, .leaf = 1, .pa = PA4K, .gva = GVA32, .access = W_,
	  .rc = 1, .want = 0x3 },
	{ "pae: SMAP, implicit read of a user page, AC=1", WM_PAE,
	  .cr4 = SMAP, .rflags = AC, .leaf = 1, .pa = PA4K, .gva = GVA32,
	  .access = I_, .rc = 1, .want = 0x1 },
	{ "64: SMAP, explicit supervisor write, AC=1, WP=1, RO page", WM_4L,
	  .cr0 = WP, .cr4 = SMAP, .rflags = AC, .leaf = 1, .pa = PA4K,
	  .clr[1] = RW, .gva = GVA64, .access = W_, .rc = 1, .want = 0x3 },
	{ "64: SMAP, explicit supervisor write, AC=1, WP=0, RO page", WM_4L,
	  .cr4 = SMAP, .rflags = AC, .leaf = 1, .pa = PA4K, .clr[1] = RW,
	  .gva = GVA64, .access = W_, .rc = 0, .want = PA4K | 0xabc },
	{ "64: SMAP, WP=0, AC=0: supervisor write to a user RO page", WM_4L,
	  .cr4 = SMAP, .leaf = 1, .pa = PA4K, .clr[1] = RW, .gva = GVA64,
	  .access = W_, .rc = 1, .want = 0x3 },
	{ "64: SMAP, implicit access at CPL 3 (U ignored), AC=1", WM_4L,
	  .cr4 = SMAP, .rflags = AC, .leaf = 1, .pa = PA4K, .gva = GVA64,
	  .access = I_ | U_ | W_, .rc = 1, .want = 0x3 },
	{ "64: SMAP, implicit access to a supervisor page", WM_4L,
	  .cr4 = SMAP, .leaf = 1, .pa = PA4K, .clr[3] = US, .gva = GVA64,
	  .access = I_, .rc = 0, .want = PA4K | 0xabc },
	{ "64: SMAP does not apply to fetches", WM_4L, .cr4 = SMAP,
	  .leaf = 1, .pa = PA4K, .gva = GVA64, .access = X_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "64: SMAP does not apply to user accesses", WM_4L, .cr4 = SMAP,
	  .leaf = 1, .pa = PA4K, .gva = GVA64, .access = U_ | W_, .rc = 0,
	  .want = PA4K | 0xabc },
	{ "la57: SMAP, supervisor read of a user 2M page, AC=0", WM_5L,
	  .cr4 = SMAP, .leaf = 2, .pa = 0x200000ULL, .set[2] = PS,
	  .gva = GVA57, .access = R_, .rc = 1, .want = 0x1 },
};

struct dt {
	struct wm_world w;
	int root;
};

static u64 dt_table(int level)
{
	return (0x100ULL + level) << 12;
}

/* Build the tables of case @c (no A/D bits anywhere). */
static void dt_build(struct dt *t, const struct dcase *c)
{
	struct svx_walk_env *env = &t->w.env;
	unsigned int bits = c->mode == WM_32 ? 10 : 9, esize;
	int level;

	wm_env_init(&t->w, c->mode);
	t->w.ram.n = 0;
	t->w.ram.nlog = 0;
	env->cr0 |= c->cr0;
	env->cr4 |= c->cr4;
	env->efer |= c->efer;
	env->rflags = 2 | c->rflags;
	env->maxphyaddr = c->m ? c->m : 52;
	env->gbpages = !c->no1g;
	t->root = c->mode == WM_32 ? 2 : c->mode == WM_PAE ? 3 :
		  c->mode == WM_4L ? 4 : 5;
	esize = c->mode == WM_32 ? 4 : 8;
	env->cr3 = dt_table(t->root);
	for (level = t->root; level >= c->leaf; level--) {
		u64 def = (c->mode == WM_PAE && level == 3) ? P : P | RW | US;
		u64 e = ((level > c->leaf ? dt_table(level - 1) : c->pa) |
			 def | c->set[level]) & ~c->clr[level];
		u64 idx = (c->gva >> (12 + (level - 1) * bits)) &
			  ((1u << bits) - 1);

		if (c->mode == WM_PAE && level == 3) {
			env->pdptrs[(c->gva >> 30) & 3] = e;
			continue;
		}
		wm_ram_add(&t->w.ram, dt_table(level) >> 12);
		wm_ram_write(&t->w.ram, dt_table(level) + idx * esize, e,
			     esize);
	}
}

static void test_directed(void)
{
	struct wm_stats st = { 0 };
	unsigned int i;
	struct dt t;
	char why[256];

	memset(&t, 0, sizeof(t));
	wm_ram_init(&t.w.ram);
	for (i = 0; i < ARRAY_SIZE(dcases); i++) {
		const struct dcase *c = &dcases[i];
		struct svx_walk sw;
		bool good;
		int rc;

		dt_build(&t, c);
		rc = svx_walk_addr(&t.w.env, c->gva, c->access | SVX_ACC_NO_AD,
				   &sw);
		if (c->rc == 0)
			good = rc == 0 && !sw.fault && sw.gpa == c->want &&
			       sw.level == c->leaf;
		else
			good = rc == 1 && sw.fault && sw.error_code == c->want;
		if (!tap_ok(good, "%s", c->name))
			tap_diag("  rc %d gpa %#llx level %d error code %#x; want rc %d %s %#llx",
				 rc, (unsigned long long)sw.gpa, sw.level,
				 sw.error_code, c->rc,
				 c->rc ? "error code" : "gpa",
				 (unsigned long long)c->want);
		/* The reference must agree with the hand-written answer too. */
		if (!wm_check(&t.w, c->gva, c->access, &st, why, sizeof(why)))
			tap_ok(false, "%s: walker vs reference: %s", c->name,
			       why);
	}
	tap_ok(st.mismatches == 0, "directed cases: reference agrees (%lu)",
	       st.cases);
	wm_ram_free(&t.w.ram);
}

static u64 dt_entry(struct dt *t, const struct dcase *c, int level)
{
	unsigned int bits = c->mode == WM_32 ? 10 : 9;
	unsigned int esize = c->mode == WM_32 ? 4 : 8;
	u64 idx = (c->gva >> (12 + (level - 1) * bits)) & ((1u << bits) - 1);

	return wm_ram_read(&t->w.ram, dt_table(level) + idx * esize, esize);
}

/* A/D bits: set on success only, atomically, retried on a lost race. */
static void test_accessed_dirty(void)
{
	static const enum wm_mode modes[] = { WM_32, WM_PAE, WM_4L, WM_5L };
	static const u64 gvas[] = { GVA32, GVA32, GVA64, GVA57 };
	unsigned int i;
	struct dt t;

	memset(&t, 0, sizeof(t));
	wm_ram_init(&t.w.ram);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		struct dcase c = { .mode = modes[i], .leaf = 1, .pa = PA4K,
				   .gva = gvas[i] };
		const char *mn = wm_mode_name[modes[i]];
		bool a_all = true, d_none = true;
		int bottom = modes[i] == WM_PAE ? 2 : t.root, lvl, rc;
		struct svx_walk sw;

		/* Read: A at every level, no D. */
		dt_build(&t, &c);
		bottom = modes[i] == WM_PAE ? 2 : t.root;
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_USER, &sw);
		for (lvl = bottom; lvl >= 1; lvl--) {
			a_all &= !!(dt_entry(&t, &c, lvl) & A);
			d_none &= !(dt_entry(&t, &c, lvl) & D);
		}
		tap_ok(rc == 0 && a_all && d_none,
		       "%s: a read sets A at every level and no D", mn);
		tap_ok(modes[i] != WM_PAE ||
		       t.w.env.pdptrs[(c.gva >> 30) & 3] == (dt_table(2) | P),
		       "%s: PDPTE registers are not written", mn);
		tap_ok(sw.pte[1] == dt_entry(&t, &c, 1),
		       "%s: w->pte holds the updated leaf", mn);

		/* Write: D in the leaf only. */
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_WRITE, &sw);
		tap_ok(rc == 0 && (dt_entry(&t, &c, 1) & D) &&
		       !(dt_entry(&t, &c, 2) & D),
		       "%s: a write sets D in the leaf only", mn);

		/* Faulting walk: nothing written. */
		c.clr[1] = RW;
		c.cr0 = WP;
		dt_build(&t, &c);
		t.w.ram.cmpxchg_calls = 0;
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_WRITE, &sw);
		tap_ok(rc == 1 && t.w.ram.cmpxchg_calls == 0 &&
		       !(dt_entry(&t, &c, 1) & A) &&
		       !(dt_entry(&t, &c, 2) & A),
		       "%s: a faulting walk sets no A/D", mn);

		/* NO_AD probe: nothing written. */
		c.clr[1] = 0;
		dt_build(&t, &c);
		rc = svx_walk_addr(&t.w.env, c.gva,
				   SVX_ACC_WRITE | SVX_ACC_NO_AD, &sw);
		tap_ok(rc == 0 && t.w.ram.cmpxchg_calls == 0 &&
		       !(dt_entry(&t, &c, 1) & (A | D)),
		       "%s: SVX_ACC_NO_AD writes nothing", mn);

		/* A and D already set: no cmpxchg at all. */
		c.set[1] = A | D;
		c.set[2] = A;
		c.set[3] = modes[i] == WM_PAE ? 0 : A;
		c.set[4] = A;
		c.set[5] = A;
		dt_build(&t, &c);
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_WRITE, &sw);
		tap_ok(rc == 0 && t.w.ram.cmpxchg_calls == 0,
		       "%s: A/D already set: no cmpxchg", mn);

		/* Lost race once: the walk restarts and completes. */
		memset(c.set, 0, sizeof(c.set));
		dt_build(&t, &c);
		t.w.ram.lose_races = 1;
		t.w.ram.races_lost = 0;
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_WRITE, &sw);
		tap_ok(rc == 0 && t.w.ram.races_lost == 1 &&
		       t.w.ram.cmpxchg_calls == (unsigned long)bottom + 1 &&
		       (dt_entry(&t, &c, 1) & (A | D)) == (A | D) &&
		       (dt_entry(&t, &c, bottom) & A) && sw.gpa == (PA4K | 0xabc),
		       "%s: cmpxchg lost once: retried (%lu calls)", mn,
		       t.w.ram.cmpxchg_calls);

		/*
		 * The root table in read-only memory: its entry keeps A
		 * clear, the walk translates and the others get A (KVM's
		 * walker skips a PTE it cannot write, pte_writable).
		 */
		dt_build(&t, &c);
		t.w.ram.readonly[0] = true;	/* the root table */
		rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_USER, &sw);
		tap_ok(rc == 0 && sw.gpa == (PA4K | 0xabc) &&
		       (modes[i] == WM_PAE || !(dt_entry(&t, &c, bottom) & A)) &&
		       (dt_entry(&t, &c, 1) & A),
		       "%s: A/D update to read-only memory: skipped there, the walk translates",
		       mn);
		t.w.ram.readonly[0] = false;
	}
	wm_ram_free(&t.w.ram);
}

/* cmpxchg that changes the entry under the walker (a racing guest CPU). */
static struct wm_ram *race_ram;
static u64 race_gpa, race_val;
static int race_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new,
			unsigned int size)
{
	if (race_gpa) {
		wm_ram_write(race_ram, race_gpa, race_val, size);
		race_gpa = 0;
		return 1;
	}
	if (wm_ram_read(race_ram, gpa, size) != old)
		return 1;
	(void)ctx;
	wm_ram_write(race_ram, gpa, new, size);
	return 0;
}

static void test_races_and_memory(void)
{
	struct dcase c = { .mode = WM_4L, .leaf = 1, .pa = PA4K, .gva = GVA64 };
	struct svx_walk_env env;
	struct svx_walk sw;
	struct dt t;
	u64 pte_gpa;
	int rc;

	memset(&t, 0, sizeof(t));
	wm_ram_init(&t.w.ram);

	/* The leaf is made not present between the read and the cmpxchg. */
	dt_build(&t, &c);
	env = t.w.env;
	env.cmpxchg_gpa = race_cmpxchg;
	race_ram = &t.w.ram;
	pte_gpa = dt_table(1) + ((GVA64 >> 12) & 511) * 8;
	race_gpa = pte_gpa;
	race_val = 0;
	rc = svx_walk_addr(&env, GVA64, SVX_ACC_USER, &sw);
	tap_ok(rc == 1 && sw.error_code == 0x4 && sw.level == 1,
	       "64: entry changed under a lost cmpxchg: the retry faults (%#x)",
	       sw.error_code);

	/* The retry sees a remapped leaf. */
	dt_build(&t, &c);
	race_gpa = pte_gpa;
	race_val = 0xabcde000ULL | P | RW | US;
	rc = svx_walk_addr(&env, GVA64, SVX_ACC_WRITE | SVX_ACC_USER, &sw);
	tap_ok(rc == 0 && sw.gpa == 0xabcdeabcULL &&
	       wm_ram_read(&t.w.ram, pte_gpa, 8) == (race_val | A | D),
	       "64: entry changed under a lost cmpxchg: the retry translates the new one");

	/* A table outside guest memory. */
	dt_build(&t, &c);
	wm_ram_write(&t.w.ram, dt_table(2) + ((GVA64 >> 21) & 511) * 8,
		     0x7777000ULL | P | RW | US, 8);
	rc = svx_walk_addr(&t.w.env, GVA64, SVX_ACC_USER, &sw);
	tap_ok(rc == 1 && sw.fault && sw.error_code == SVX_ACC_USER &&
	       sw.level == 1 && sw.fault_addr == GVA64,
	       "64: page table outside guest memory: a not-present #PF at level 1 (%#x), as KVM",
	       sw.error_code);

	/* Recursive PML4 slot: the same entry used at levels 4, 3, 2, 1. */
	dt_build(&t, &c);
	{
		u64 self = 0x1ffULL, gva = 0xfffffffffffffff8ULL;
		u64 slot = dt_table(4) + self * 8;

		wm_ram_write(&t.w.ram, slot, dt_table(4) | P | RW, 8);
		rc = svx_walk_addr(&t.w.env, gva, SVX_ACC_WRITE, &sw);
		tap_ok(rc == 0 && sw.gpa == slot &&
		       wm_ram_read(&t.w.ram, slot, 8) ==
		       (dt_table(4) | P | RW | A | D),
		       "64: recursive PML4 entry: A/D converge (gpa %#llx)",
		       (unsigned long long)sw.gpa);
	}

	/* CR2 and w->gva. */
	c.mode = WM_PAE;
	c.gva = 0xffffffff00000000ULL | GVA32;
	c.clr[1] = P;
	dt_build(&t, &c);
	rc = svx_walk_addr(&t.w.env, c.gva, 0, &sw);
	tap_ok(rc == 1 && sw.fault_addr == GVA32 && sw.gva == GVA32,
	       "pae: CR2 is the 32-bit linear address");
	c.mode = WM_4L;
	c.gva = 0xffff800000001000ULL;
	dt_build(&t, &c);
	rc = svx_walk_addr(&t.w.env, c.gva, 0, &sw);
	tap_ok(rc == 1 && sw.fault_addr == c.gva && sw.level == 1,
	       "64: CR2 is the 64-bit linear address");

	/* Walk record: entries, their addresses and table gfns. */
	c.clr[1] = 0;
	dt_build(&t, &c);
	rc = svx_walk_addr(&t.w.env, c.gva, SVX_ACC_NO_AD, &sw);
	tap_ok(rc == 0 && sw.root_level == 4 && sw.level == 1 &&
	       sw.table_gfn[4] == dt_table(4) >> 12 &&
	       sw.table_gfn[1] == dt_table(1) >> 12 &&
	       sw.pte_gpa[3] == dt_table(3) + ((c.gva >> 30) & 511) * 8 &&
	       sw.pte[2] == (dt_table(1) | P | RW | US) &&
	       sw.pte_access == (SVX_ACC_WRITE | SVX_ACC_USER | SVX_ACC_FETCH),
	       "64: walk record (pte, pte_gpa, table_gfn, pte_access)");

	/* PDPTE registers. */
	wm_env_init(&t.w, WM_PAE);
	t.w.ram.n = 0;
	wm_ram_add(&t.w.ram, 0x50);
	t.w.env.cr3 = 0x50fe0;
	t.w.env.maxphyaddr = 36;
	wm_ram_write(&t.w.ram, 0x50fe0, 0x1000 | P, 8);
	wm_ram_write(&t.w.ram, 0x50ff0, 0xfffffe000ULL | P | 0x18, 8);
	wm_ram_write(&t.w.ram, 0x50ff8, 0xdead0000ULL | 0x1e6, 8);	/* not present */
	rc = svx_walk_load_pdptes(&t.w.env);
	tap_ok(rc == 0 && t.w.env.pdptrs[0] == (0x1000 | P) &&
	       t.w.env.pdptrs[1] == 0 &&
	       t.w.env.pdptrs[2] == (0xfffffe000ULL | P | 0x18),
	       "pae: PDPTEs loaded from CR3[31:5]");
	wm_ram_write(&t.w.ram, 0x50fe8, 0x1000 | P | RW, 8);
	t.w.env.pdptrs[0] = 0;
	rc = svx_walk_load_pdptes(&t.w.env);
	tap_ok(rc == 1 && t.w.env.pdptrs[0] == 0,
	       "pae: PDPTE with R/W set: reserved, registers unchanged");
	wm_ram_write(&t.w.ram, 0x50fe8, (1ULL << 36) | P, 8);
	tap_eq(svx_walk_load_pdptes(&t.w.env), 1,
	       "pae: PDPTE address bit 36 with M=36: reserved");
	wm_ram_write(&t.w.ram, 0x50fe8, XD | P, 8);
	tap_eq(svx_walk_load_pdptes(&t.w.env), 1,
	       "pae: PDPTE bit 63: reserved");
	t.w.env.cr3 = 0x60000;
	tap_eq(svx_walk_load_pdptes(&t.w.env), -EFAULT,
	       "pae: PDPT outside guest memory: -EFAULT");
	tap_eq(svx_walk_pdpte_rsvd(&t.w.env),
	       0xfffffff0000001e6ULL, "pae: PDPTE reserved mask for M=36");
	wm_ram_free(&t.w.ram);
}

TAP_SUITE(walker)
{
	test_directed();
	test_accessed_dirty();
	test_races_and_memory();
}
