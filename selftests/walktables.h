/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random guest page tables, a GVA picker and a reference walker, shared by
 * walktrace_test.c (trace vs reference walk) and walkcmp.c (trace vs
 * KVM_TRANSLATE on /dev/kvm).  Three guest paging modes:
 *
 *   WM_32   32-bit paging with PSE (SDM 4.3): 2 levels of 1024 4-byte
 *           entries, 4 MiB pages
 *   WM_PAE  PAE paging (SDM 4.4): 4 PDPTEs (no permission bits), then 2
 *           levels of 512 8-byte entries, 2 MiB pages; XD with EFER.NXE
 *   WM_64   4-level paging (SDM 4.5): 4 levels of 512, 2 MiB pages, XD
 *
 * The tables have random P/RW/US/A/D/XD/PWT/PCD bits, 4 KiB and large
 * leaves inside and outside the memslot, non-identity mappings, tables
 * shared between many parents and junk in non-present entries; no reserved
 * bit is set in a present entry.  The path GVA SVX_CODE -> GPA SVX_CODE
 * (supervisor, writable, executable) is fixed so that the guest can run.
 * The reference walk assumes CR0.WP=1 and no SMEP/SMAP/PKE.
 * Everything is deterministic in wctx.rng: the same seed gives the same
 * tables and the same GVAs on every device.
 */
#ifndef SVX_WALKTABLES_H
#define SVX_WALKTABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define POOL		0x100000	/* page-table pool in guest memory */
#define LEAF_SPAN	(8ULL << 20)	/* leaves map GPAs below 8 MiB */

#define P	0x1ULL
#define RW	0x2ULL
#define US	0x4ULL
#define PWT	0x8ULL
#define PCD	0x10ULL
#define ACC	0x20ULL
#define DIRTY	0x40ULL
#define PS	0x80ULL
#define XD	(1ULL << 63)

#define A_W	0x2u
#define A_U	0x4u
#define A_F	0x10u

enum wmode { WM_32, WM_PAE, WM_64 };

static const char *const wmode_name[] = { "pg32", "pae", "long64" };

struct ref {
	int fault;		/* 1: #PF */
	uint32_t err;
	uint64_t gpa;
	int levels, leaf;	/* root level, leaf/fault level */
	uint64_t entry[6], entry_gpa[6];
};

struct wctx {
	uint8_t *mem;
	enum wmode mode;
	bool nxe;
	uint64_t cr3;
	uint64_t rng;
};

static inline uint64_t rnd(struct wctx *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static inline int w_levels(const struct wctx *c)
{
	return c->mode == WM_64 ? 4 : c->mode == WM_PAE ? 3 : 2;
}

static inline int w_esz(const struct wctx *c)
{
	return c->mode == WM_32 ? 4 : 8;
}

static inline int w_shift(const struct wctx *c, int level)
{
	return c->mode == WM_32 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
}

static inline uint64_t w_nent(const struct wctx *c, int level)
{
	if (c->mode == WM_32)
		return 1024;
	return c->mode == WM_PAE && level == 3 ? 4 : 512;
}

static inline uint64_t w_addr_mask(const struct wctx *c)
{
	return c->mode == WM_32 ? 0xfffff000ULL : 0xffffffffff000ULL;
}

/* The PDPTEs of PAE paging carry no RW/US/XD (those bits are reserved). */
static inline bool w_is_pdpte(const struct wctx *c, int level)
{
	return c->mode == WM_PAE && level == 3;
}

static inline uint64_t rd(struct wctx *c, uint64_t gpa, int size)
{
	uint64_t v = 0;

	memcpy(&v, c->mem + gpa, size);
	return v;
}

static inline uint64_t w_root(const struct wctx *c)
{
	return c->mode == WM_64 ? c->cr3 & 0xffffffffff000ULL :
	       c->mode == WM_PAE ? c->cr3 & 0xffffffe0ULL :
				   c->cr3 & 0xfffff000ULL;
}

/* Reference walk: SDM 4.3/4.4/4.5, CR0.WP=1, no SMEP/SMAP. */
static inline void ref_walk(struct wctx *c, uint64_t gva, uint32_t acc,
			    struct ref *r)
{
	int esz = w_esz(c), level = w_levels(c);
	uint64_t table = w_root(c);
	bool w = true, u = true, x = true;
	uint32_t pbit = 0;

	memset(r, 0, sizeof(*r));
	r->levels = level;
	if (c->mode != WM_64)
		gva = (uint32_t)gva;
	for (;; level--) {
		int shift = w_shift(c, level);
		uint64_t idx = (gva >> shift) & (w_nent(c, level) - 1);
		uint64_t e;

		r->entry_gpa[level] = table + idx * esz;
		e = rd(c, r->entry_gpa[level], esz);
		r->entry[level] = e;
		r->leaf = level;
		if (!(e & P))
			goto fault;
		if (!w_is_pdpte(c, level)) {
			if (!(e & RW))
				w = false;
			if (!(e & US))
				u = false;
			if (c->nxe && (e & XD))
				x = false;
		}
		if (level == 1 || (level == 2 && (e & PS))) {
			uint64_t size = 1ULL << shift;

			r->gpa = (e & w_addr_mask(c) & ~(size - 1)) |
				 (gva & (size - 1));
			break;
		}
		table = e & w_addr_mask(c);
	}
	pbit = 1;
	if ((acc & A_U) && !u)
		goto fault;
	if ((acc & A_W) && !(acc & A_F) && !w)
		goto fault;
	if ((acc & A_F) && !x)
		goto fault;
	return;
fault:
	r->fault = 1;
	r->err = pbit | (acc & A_U) | ((acc & A_F) ? 0 : (acc & A_W)) |
		 ((acc & A_F) && c->mode != WM_32 && c->nxe ? A_F : 0);
}

/* Random guest tables in c->mem; returns CR3.  Path to the code page fixed. */
static inline uint64_t build_tables(struct wctx *c, uint64_t code)
{
	static const int pool64[5] = { 0, 32, 8, 4, 1 };
	static const int poolpae[4] = { 0, 32, 4, 1 };
	static const int pool32[3] = { 0, 32, 1 };
	const int *pool = c->mode == WM_64 ? pool64 :
			  c->mode == WM_PAE ? poolpae : pool32;
	int levels = w_levels(c), esz = w_esz(c), level, t;
	uint64_t base[5], next = POOL, i;

	for (level = levels; level >= 1; level--) {
		base[level] = next;
		next += pool[level] * 0x1000ULL;
	}
	for (level = levels; level >= 1; level--) {
		for (t = 0; t < pool[level]; t++) {
			uint64_t tbl = base[level] + t * 0x1000ULL;

			memset(c->mem + tbl, 0, 0x1000);
			for (i = 0; i < w_nent(c, level); i++) {
				uint64_t e = 0, r = rnd(c);
				int pct = level == 1 ? 55 :
					  w_is_pdpte(c, level) ? 75 : 35;

				if ((int)(r % 100) < pct && w_is_pdpte(c, level)) {
					e = P | (rnd(c) & (PWT | PCD)) |
					    (base[level - 1] +
					     (rnd(c) % pool[level - 1]) *
					     0x1000ULL);
				} else if ((int)(r % 100) < pct) {
					e = P | (rnd(c) & (RW | US | PWT | PCD |
							   ACC | DIRTY));
					if ((rnd(c) % 4) == 0)
						e &= ~RW;
					if ((rnd(c) % 4) == 0)
						e &= ~US;
					if (c->nxe && (rnd(c) % 4) == 0)
						e |= XD;
					if (level > 1 && !(level == 2 &&
							   rnd(c) % 3 == 0)) {
						e |= base[level - 1] +
						     (rnd(c) % pool[level - 1]) *
						     0x1000ULL;
					} else if (level == 2) {
						uint64_t big = c->mode == WM_32 ?
							4ULL << 20 : 2ULL << 20;

						e |= PS | ((rnd(c) % LEAF_SPAN) &
							   ~(big - 1));
					} else {
						e |= (rnd(c) % LEAF_SPAN) &
						     ~0xfffULL;
					}
				} else if (rnd(c) % 2) {
					/* not present, junk in the other bits */
					e = rnd(c) & 0xfffffffeULL;
				}
				memcpy(c->mem + tbl + i * esz, &e, esz);
			}
		}
	}
	/* GVA code -> GPA code, supervisor, writable, executable. */
	for (level = levels; level > 1; level--) {
		uint64_t e = base[level - 1] | P |
			     (w_is_pdpte(c, level) ? 0 : RW | ACC);

		memcpy(c->mem + base[level], &e, esz);
	}
	{
		uint64_t e = code | P | RW | ACC;

		memcpy(c->mem + base[1] + (code >> 12) * esz, &e, esz);
	}
	return base[levels];
}

/* Half the GVAs go down present entries, so that most levels are seen. */
static inline uint64_t pick_gva(struct wctx *c)
{
	int level = w_levels(c), esz = w_esz(c);
	uint64_t gva = 0, table = w_root(c);

	if (rnd(c) % 2) {
		gva = rnd(c);
		if (c->mode != WM_64)
			return (uint32_t)gva;
		return (uint64_t)((int64_t)(gva << 16) >> 16);
	}
	for (;; level--) {
		uint64_t n = w_nent(c, level), idx = rnd(c) % n, e;
		int tries;

		for (tries = 0; tries < 8; tries++) {
			e = rd(c, table + idx * esz, esz);
			if (e & P)
				break;
			idx = rnd(c) % n;
		}
		gva |= idx << w_shift(c, level);
		if (!(e & P) || level == 1 || (level == 2 && (e & PS)))
			break;
		table = e & w_addr_mask(c);
	}
	gva |= rnd(c) & 0xfff;
	if (c->mode == WM_64)
		gva = (uint64_t)((int64_t)(gva << 16) >> 16);
	return gva;
}

static inline uint32_t random_access(struct wctx *c)
{
	static const uint32_t acc[] = { 0, A_W, A_U, A_U | A_W, A_F,
					A_U | A_F };

	return acc[rnd(c) % 6];
}

#endif
