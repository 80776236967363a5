// SPDX-License-Identifier: GPL-2.0
/*
 * Fake guest RAM, random guest page tables and the walker-vs-reference
 * check (see walker_model.h).
 *
 * The generator aims at every outcome rather than at realistic tables: a
 * world is a handful of table pages at random gfns (low memory, just below
 * 4 GiB, up to MAXPHYADDR), every entry at a few shared indices filled with
 * random P/RW/US/A/D/PS/XD bits, pointing at a random table page of the
 * world (so tables are shared, reused at other levels, and cycles occur) or
 * at a random frame, sometimes with a reserved or out-of-MAXPHYADDR bit set,
 * large-page addresses aligned or not.  Addresses are built from the same
 * indices, so walks go deep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walker_model.h"

const char *const wm_mode_name[WM_NR_MODES] = { "32", "pae", "64", "la57" };

void wm_ram_init(struct wm_ram *ram)
{
	memset(ram, 0, sizeof(*ram));
	ram->page = calloc(WM_MAX_PAGES, sizeof(*ram->page));
	if (!ram->page)
		abort();
}

void wm_ram_free(struct wm_ram *ram)
{
	free(ram->page);
	ram->page = NULL;
}

u8 *wm_ram_add(struct wm_ram *ram, u64 gfn)
{
	if (ram->n == WM_MAX_PAGES)
		abort();
	ram->gfn[ram->n] = gfn;
	ram->readonly[ram->n] = false;
	memset(ram->page[ram->n], 0, 4096);
	return ram->page[ram->n++];
}

static int wm_ram_find(const struct wm_ram *ram, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < ram->n; i++)
		if (ram->gfn[i] == gfn)
			return i;
	return -1;
}

u8 *wm_ram_ptr(struct wm_ram *ram, u64 gpa)
{
	int i = wm_ram_find(ram, gpa >> 12);

	return i < 0 ? NULL : ram->page[i] + (gpa & 0xfff);
}

u64 wm_ram_read(struct wm_ram *ram, u64 gpa, unsigned int size)
{
	u8 *p = wm_ram_ptr(ram, gpa);
	u64 v = 0;

	if (!p)
		abort();
	memcpy(&v, p, size);
	return v;
}

void wm_ram_write(struct wm_ram *ram, u64 gpa, u64 val, unsigned int size)
{
	u8 *p = wm_ram_ptr(ram, gpa);

	if (!p)
		abort();
	memcpy(p, &val, size);
}

void wm_ram_undo(struct wm_ram *ram)
{
	while (ram->nlog) {
		ram->nlog--;
		wm_ram_write(ram, ram->log[ram->nlog].gpa,
			     ram->log[ram->nlog].old, ram->log[ram->nlog].size);
	}
}

static int wm_read_gpa(void *ctx, u64 gpa, u64 *val, unsigned int size)
{
	struct wm_ram *ram = ctx;
	u8 *p;

	if ((size != 4 && size != 8) || (gpa & (size - 1))) {
		fprintf(stderr, "read_gpa: bad access %#llx/%u\n",
			(unsigned long long)gpa, size);
		abort();
	}
	p = wm_ram_ptr(ram, gpa);
	if (!p)
		return -EFAULT;
	*val = 0;
	memcpy(val, p, size);
	return 0;
}

/* The reference reads through its own, uint64_t-typed accessor. */
static int wm_ref_read(void *ctx, uint64_t gpa, uint64_t *val,
		       unsigned int size)
{
	u64 v;
	int r = wm_read_gpa(ctx, gpa, &v, size);

	*val = v;
	return r;
}

static int wm_cmpxchg_gpa(void *ctx, u64 gpa, u64 old, u64 new,
			  unsigned int size)
{
	struct wm_ram *ram = ctx;
	int i = wm_ram_find(ram, gpa >> 12);
	u64 cur;

	ram->cmpxchg_calls++;
	if ((size != 4 && size != 8) || (gpa & (size - 1)) ||
	    (size == 4 && ((old | new) >> 32))) {
		fprintf(stderr, "cmpxchg_gpa: bad access %#llx/%u\n",
			(unsigned long long)gpa, size);
		abort();
	}
	if (i < 0)
		return -EFAULT;
	if (ram->readonly[i])
		return -EROFS;
	if (ram->lose_races) {
		ram->lose_races--;
		ram->races_lost++;
		return 1;
	}
	cur = wm_ram_read(ram, gpa, size);
	if (cur != old)
		return 1;
	if (ram->nlog == WM_LOG_MAX) {
		fprintf(stderr, "cmpxchg_gpa: too many writes\n");
		abort();
	}
	ram->log[ram->nlog].gpa = gpa;
	ram->log[ram->nlog].old = old;
	ram->log[ram->nlog].size = size;
	ram->nlog++;
	wm_ram_write(ram, gpa, new, size);
	return 0;
}

void wm_env_init(struct wm_world *w, enum wm_mode mode)
{
	struct svx_walk_env *env = &w->env;

	w->mode = mode;
	memset(env, 0, sizeof(*env));
	env->cr0 = SVX_CR0_PG | 1;
	if (mode != WM_32)
		env->cr4 |= SVX_CR4_PAE;
	if (mode == WM_4L || mode == WM_5L)
		env->efer |= SVX_EFER_LMA | BIT_ULL(8);
	if (mode == WM_5L)
		env->cr4 |= SVX_CR4_LA57;
	env->maxphyaddr = 52;
	env->gbpages = true;
	env->read_gpa = wm_read_gpa;
	env->cmpxchg_gpa = wm_cmpxchg_gpa;
	env->ctx = &w->ram;
}

static bool chance(struct rng *r, unsigned int n)
{
	return rng_below(r, n) == 0;
}

/* A random gfn for a table page of @w (distinct from the others). */
static u64 wm_gen_table_gfn(struct wm_world *w, struct rng *r)
{
	unsigned int gfn_bits = w->mode == WM_32 ? 20 : w->env.maxphyaddr - 12;
	u64 gfn;

	do {
		switch (rng_below(r, 5)) {
		case 0:
		case 1:
			gfn = rng_below(r, 256);
			break;
		case 2:
			gfn = (1ULL << 20) - 1 - rng_below(r, 16);
			break;
		default:
			gfn = rng_next(r) & ((1ULL << gfn_bits) - 1);
			break;
		}
	} while (wm_ram_find(&w->ram, gfn) >= 0);
	return gfn;
}

/* A random entry of the world's format. */
static u64 wm_gen_entry(struct wm_world *w, struct rng *r)
{
	unsigned int m = w->env.maxphyaddr;
	bool wide = w->mode != WM_32;
	u64 v = 0, target;

	if (!chance(r, 10))
		v |= SVX_PTE_P;
	if (!chance(r, 5))
		v |= SVX_PTE_RW;
	if (!chance(r, 5))
		v |= SVX_PTE_US;
	/* PWT, PCD, A, D, G, and the ignored bits 11:9. */
	v |= rng_next(r) & 0xf78;
	if (chance(r, 5))
		v |= SVX_PTE_PS;
	if (!chance(r, 4))
		target = w->ram.gfn[rng_below(r, w->ram.n)];
	else if (!wide)
		target = rng_next(r) & 0xfffff;
	else if (!chance(r, 20))
		target = rng_next(r) & ((1ULL << (m - 12)) - 1);
	else
		target = rng_next(r) & ((1ULL << 40) - 1);
	v |= target << 12;
	if ((v & SVX_PTE_PS) && chance(r, 2)) {
		/* A well-formed large page: aligned, PAT bit random. */
		if (!wide) {
			unsigned int m32 = m > 40 ? 40 : m;

			v &= ~0x3ff000ULL;
			v |= (rng_next(r) & ((1ULL << (m32 - 32)) - 1)) << 13;
		} else {
			v &= chance(r, 2) ? ~0x1fe000ULL : ~0x3fffe000ULL;
		}
		v |= rng_next(r) & 0x1000;
	}
	if (wide) {
		if (chance(r, 10))
			v |= SVX_PTE_XD;
		if (chance(r, 10))
			v |= rng_next(r) & 0x7ff0000000000000ULL;
	}
	if (chance(r, 20))
		v |= 1ULL << rng_below(r, wide ? 64 : 32);
	return wide ? v : (u32)v;
}

void wm_gen_world(struct wm_world *w, struct rng *r, enum wm_mode mode)
{
	unsigned int i, j, npages, esize;
	u32 nent;

	if (!w->ram.page)
		wm_ram_init(&w->ram);
	wm_env_init(w, mode);
	w->env.maxphyaddr = 36 + rng_below(r, 17);
	w->env.gbpages = !chance(r, 5);
	w->ram.n = 0;
	w->ram.nlog = 0;
	w->ram.lose_races = 0;
	npages = 2 + rng_below(r, 7);
	for (i = 0; i < npages; i++)
		wm_ram_add(&w->ram, wm_gen_table_gfn(w, r));

	esize = mode == WM_32 ? 4 : 8;
	nent = 4096 / esize;
	w->nidx = 2 + rng_below(r, 4);
	for (j = 0; j < w->nidx; j++) {
		switch (rng_below(r, 4)) {
		case 0:
			w->idx[j] = 0;
			break;
		case 1:
			w->idx[j] = nent - 1;
			break;
		default:
			w->idx[j] = rng_below(r, nent);
			break;
		}
	}
	for (i = 0; i < npages; i++)
		for (j = 0; j < w->nidx; j++)
			wm_ram_write(&w->ram,
				     (w->ram.gfn[i] << 12) + w->idx[j] * esize,
				     wm_gen_entry(w, r), esize);

	/* CR3: the first page; its low bits are flags / ignored. */
	w->env.cr3 = (w->ram.gfn[0] << 12) | (rng_next(r) & 0x18);
	if (mode == WM_PAE) {
		/* The PDPT at CR3[31:5]: just below 4 GiB or low. */
		w->env.cr3 = (rng_next(r) & 0xffffffe0ULL);
		for (j = 0; j < 4; j++) {
			u64 v = wm_gen_entry(w, r);

			/* Mostly well-formed, as MOV CR3 would insist. */
			if (!chance(r, 10))
				v &= ~(0x1e6ULL | (~0ULL << w->env.maxphyaddr));
			w->env.pdptrs[j] = v;
		}
	}
}

void wm_gen_bits(struct wm_world *w, struct rng *r)
{
	struct svx_walk_env *env = &w->env;
	u64 x = rng_next(r);

	env->cr0 = SVX_CR0_PG | 1 | ((x & 1) ? SVX_CR0_WP : 0);
	env->cr4 &= SVX_CR4_PAE | SVX_CR4_LA57;
	if (x & 2)
		env->cr4 |= SVX_CR4_SMEP;
	if (x & 4)
		env->cr4 |= SVX_CR4_SMAP;
	if (x & 8 || (w->mode == WM_32 && (x & 16)))
		env->cr4 |= SVX_CR4_PSE;
	env->efer &= ~SVX_EFER_NXE;
	if (x & 32)
		env->efer |= SVX_EFER_NXE;
	env->rflags = 2 | ((x & 64) ? SVX_RFLAGS_AC : 0);
}

u64 wm_gen_addr(struct wm_world *w, struct rng *r)
{
	unsigned int bits = w->mode == WM_32 ? 10 : 9, level, root;
	u64 la = rng_next(r) & 0xfff;

	root = w->mode == WM_32 ? 2 : w->mode == WM_PAE ? 3 :
	       w->mode == WM_4L ? 4 : 5;
	for (level = 1; level <= root; level++) {
		u64 idx = w->idx[rng_below(r, w->nidx)];

		if (chance(r, 16))
			idx = rng_below(r, 1u << bits);
		la |= idx << (12 + (level - 1) * bits);
	}
	switch (w->mode) {
	case WM_32:
	case WM_PAE:
		la &= 0xffffffffULL;
		/* Bits 63:32 are the caller's junk: ignored. */
		if (chance(r, 8))
			la |= rng_next(r) << 32;
		break;
	case WM_4L:
		la = (u64)((s64)(la << 16) >> 16);
		break;
	default:
		la = (u64)((s64)(la << 7) >> 7);
		break;
	}
	return la;
}

u32 wm_gen_access(struct rng *r)
{
	static const u32 kind[3] = { 0, SVX_ACC_WRITE, SVX_ACC_FETCH };
	static const u32 priv[5] = { 0, 0, SVX_ACC_USER, SVX_ACC_IMPLICIT,
				     SVX_ACC_IMPLICIT | SVX_ACC_USER };
	u32 a = kind[rng_below(r, 3)] | priv[rng_below(r, 5)];

	if (chance(r, 16))
		a |= SVX_ACC_NO_AD;
	return a;
}

#define MISMATCH(...) do {					\
	snprintf(why, whylen, __VA_ARGS__);			\
	goto out;						\
} while (0)

bool wm_check(struct wm_world *w, u64 gva, u32 access, struct wm_stats *st,
	      char *why, size_t whylen)
{
	const struct svx_walk_env *env = &w->env;
	struct ref_access acc = {
		.kind = (access & SVX_ACC_FETCH) ? REF_FETCH :
			(access & SVX_ACC_WRITE) ? REF_WRITE : REF_READ,
		.cpl3 = access & SVX_ACC_USER,
		.implicit = access & SVX_ACC_IMPLICIT,
		.no_ad = access & SVX_ACC_NO_AD,
	};
	struct ref_cpu cpu = {
		.cr0 = env->cr0, .cr3 = env->cr3, .cr4 = env->cr4,
		.efer = env->efer, .rflags = env->rflags,
		.maxphyaddr = env->maxphyaddr, .page1gb = env->gbpages,
		.read = wm_ref_read, .ctx = &w->ram,
	};
	unsigned long lost = w->ram.races_lost;
	struct ref_result ref;
	struct svx_walk sw;
	bool ok = false;
	u32 perm;
	int rc, i, j;
	u64 cr2;

	memcpy(cpu.pdpte, env->pdptrs, sizeof(cpu.pdpte));
	w->ram.nlog = 0;
	ref_translate(&cpu, gva, &acc, &ref);
	rc = svx_walk_addr(env, gva, access, &sw);
	why[0] = 0;
	st->cases++;
	st->races += w->ram.races_lost - lost;
	if (rc != ref.status)
		MISMATCH("status %d, reference %d", rc, ref.status);
	if (rc < 0) {
		st->efault++;
		if (w->ram.nlog)
			MISMATCH("-EFAULT after %u writes", w->ram.nlog);
		ok = true;
		goto out;
	}
	if (sw.level != ref.level)
		MISMATCH("level %d, reference %d", sw.level, ref.level);
	if (sw.root_level != (int)(ref.mode == REF_MODE_32 ? 2 : ref.mode + 2))
		MISMATCH("root_level %d", sw.root_level);
	for (i = 0; i < ref.n; i++) {
		int lvl = sw.root_level - i;

		if (ref.e[i].addr != ~0ULL && sw.pte_gpa[lvl] != ref.e[i].addr)
			MISMATCH("pte_gpa[%d] %#llx, reference %#llx", lvl,
				 (unsigned long long)sw.pte_gpa[lvl],
				 (unsigned long long)ref.e[i].addr);
	}
	perm = (ref.perm_w ? SVX_ACC_WRITE : 0) |
	       (ref.perm_u ? SVX_ACC_USER : 0) |
	       (ref.perm_x ? SVX_ACC_FETCH : 0);
	if (rc == 1) {
		cr2 = ref.mode <= REF_MODE_PAE ? gva & 0xffffffffULL : gva;
		if (!sw.fault || sw.error_code != ref.pf_error ||
		    sw.fault_addr != cr2)
			MISMATCH("fault %d error code %#x CR2 %#llx, reference error code %#x CR2 %#llx",
				 sw.fault, sw.error_code,
				 (unsigned long long)sw.fault_addr, ref.pf_error,
				 (unsigned long long)cr2);
		if (w->ram.nlog)
			MISMATCH("fault after %u writes", w->ram.nlog);
		if (!(ref.pf_error & SVX_PFERR_PRESENT))
			st->not_present++;
		else if (ref.pf_error & SVX_PFERR_RSVD)
			st->rsvd++;
		else if (st->prot++, sw.pte_access != perm)
			MISMATCH("pte_access %#x, reference %#x", sw.pte_access,
				 perm);
		ok = true;
		goto out;
	}
	if (sw.fault || sw.gpa != ref.pa || sw.pte_access != perm)
		MISMATCH("gpa %#llx access %#x, reference gpa %#llx access %#x",
			 (unsigned long long)sw.gpa, sw.pte_access,
			 (unsigned long long)ref.pa, perm);
	/* Every entry used must now hold its value | the A/D bits due. */
	for (i = 0; i < ref.n; i++) {
		u64 want = ref.e[i].value, got;

		if (ref.e[i].addr == ~0ULL)
			continue;
		for (j = 0; j < ref.n; j++)
			if (ref.e[j].addr == ref.e[i].addr)
				want |= ref.e[j].set_bits;
		got = wm_ram_read(&w->ram, ref.e[i].addr, ref.e[i].bytes);
		if (got != want)
			MISMATCH("entry at %#llx is %#llx, reference %#llx",
				 (unsigned long long)ref.e[i].addr,
				 (unsigned long long)got,
				 (unsigned long long)want);
	}
	/* ... and nothing else was written. */
	for (j = 0; j < (int)w->ram.nlog; j++) {
		for (i = 0; i < ref.n; i++)
			if (ref.e[i].addr == w->ram.log[j].gpa)
				break;
		if (i == ref.n)
			MISMATCH("stray write at %#llx",
				 (unsigned long long)w->ram.log[j].gpa);
	}
	st->ok++;
	st->ok_level[sw.level]++;
	ok = true;
out:
	wm_ram_undo(&w->ram);
	w->ram.lose_races = 0;
	if (!ok)
		st->mismatches++;
	return ok;
}
