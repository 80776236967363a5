// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for mmu/memslot.c: every errno rule of svx_memslot_check(), the
 * change classification, apply (generation, id_to_index, sortedness, copy
 * on write, cache carry-over), lookup at 1/32/509 slots with boundaries and
 * a poisoned cache, and random operation sequences against the reference
 * model in memslot_model.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/errno.h>

#include "harness.h"
#include "memslot_model.h"

#define PG	4096ULL
#define ALL	MS_SUPPORTED_FLAGS

static struct svx_memslots *cur, *nxt;

static void reset(void)
{
	if (!cur) {
		cur = malloc(sizeof(*cur));
		nxt = malloc(sizeof(*nxt));
		if (!cur || !nxt)
			abort();
	}
	svx_memslots_init(cur);
}

static struct kvm_userspace_memory_region mr(u32 slot, u32 flags, u64 gpa,
					     u64 size, u64 hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};
	return r;
}

static enum svx_mr_change last_change;
static const struct svx_memslot *last_old;
static struct svx_memslot last_new;

static int check(struct kvm_userspace_memory_region r, u32 supported)
{
	return svx_memslot_check(cur, &r, supported, &last_change, &last_new,
				 &last_old);
}

/* check + apply (unless NONE); returns errno. */
static int set(u32 slot, u32 flags, u64 gpa, u64 size, u64 hva)
{
	struct svx_memslots *t;
	int r = check(mr(slot, flags, gpa, size, hva), ALL);

	if (r || last_change == SVX_MR_NONE)
		return r;
	svx_memslots_apply(nxt, cur, last_change, (u16)slot, &last_new);
	t = cur;
	cur = nxt;
	nxt = t;
	return 0;
}

static bool inv_ok(const char *what)
{
	const char *bad = ms_invariants(cur);

	if (bad)
		tap_diag("%s: %s", what, bad);
	return !bad;
}

TAP_SUITE(memslot_errno)
{
	unsigned int f0 = tap_failed();

	reset();
	tap_eq(cur->generation, 0, "init: generation 0");
	tap_ok(cur->nr == 0 && cur->last_used == -1 && inv_ok("init"),
	       "init: empty, cache empty, invariants");

	/* Flags. */
	tap_eq(check(mr(0, 1u << 2, 0, PG, 0), ALL), -EINVAL,
	       "flags: unknown bit -> EINVAL");
	tap_eq(check(mr(0, 1u << 31, 0, PG, 0), ALL), -EINVAL,
	       "flags: bit 31 -> EINVAL");
	tap_eq(check(mr(0, KVM_MEM_READONLY, 0, PG, 0),
		     KVM_MEM_LOG_DIRTY_PAGES), -EINVAL,
	       "flags: READONLY when not supported -> EINVAL");
	tap_eq(check(mr(0, ALL, 0, PG, 0), ALL), 0,
	       "flags: LOG_DIRTY|READONLY supported -> 0");

	/* Alignment. */
	tap_eq(check(mr(0, 0, 0, PG + 1, 0), ALL), -EINVAL,
	       "size not page aligned -> EINVAL");
	tap_eq(check(mr(0, 0, 0x800, PG, 0), ALL), -EINVAL,
	       "gpa not page aligned -> EINVAL");
	tap_eq(check(mr(0, 0, 0, PG, 0x10), ALL), -EINVAL,
	       "hva not page aligned -> EINVAL");
	tap_eq(check(mr(0, 0, 0, PG, 0x1001), ALL), -EINVAL,
	       "hva off by one byte -> EINVAL");
	tap_eq(check(mr(0, 0, 0x1001, PG, 0), ALL), -EINVAL,
	       "gpa off by one byte -> EINVAL");
	tap_eq(check(mr(0, 0, 0, PG + 0x800, 0), ALL), -EINVAL,
	       "size off by half a page -> EINVAL");

	/* Slot numbers. */
	tap_eq(check(mr(1u << 16, 0, 0, PG, 0), ALL), 0,
	       "address space 1 (SMM) -> 0");
	tap_eq(check(mr(2u << 16, 0, 0, PG, 0), ALL), -EINVAL,
	       "address space 2 -> EINVAL");
	tap_eq(check(mr(1u << 16 | SVX_MEM_SLOTS_NUM, 0, 0, PG, 0),
		     ALL | SVX_MR_PRIVATE), -EINVAL,
	       "a host-private id in address space 1 -> EINVAL");
	tap_eq(check(mr(SVX_MEM_SLOTS_NUM, 0, 0, PG, 0),
		     ALL | SVX_MR_PRIVATE), 0,
	       "a host-private id in address space 0 -> 0");
	tap_eq(check(mr(0xffff0000u, 0, 0, PG, 0), ALL), -EINVAL,
	       "address space 0xffff -> EINVAL");
	tap_eq(check(mr(SVX_MEM_SLOTS_NUM, 0, 0, PG, 0), ALL), -EINVAL,
	       "slot id 509 -> EINVAL");
	tap_eq(check(mr(0xffff, 0, 0, PG, 0), ALL), -EINVAL,
	       "slot id 0xffff -> EINVAL");
	tap_eq(check(mr(SVX_MEM_SLOTS_NUM - 1, 0, 0, PG, 0), ALL), 0,
	       "slot id 508 -> 0");

	/* Range. */
	tap_eq(check(mr(0, 0, -2 * PG, 4 * PG, 0), ALL), -EINVAL,
	       "gpa + size wraps -> EINVAL");
	tap_eq(check(mr(0, 0, -PG, PG, 0), ALL), -EINVAL,
	       "gpa + size == 2^64 (wraps to 0) -> EINVAL");
	tap_eq(check(mr(0, 0, -2 * PG, PG, 0), ALL), 0,
	       "last page below 2^64 -> 0");
	tap_eq(check(mr(0, 0, 0, (1ULL << 31) * PG, 0), ALL), -EINVAL,
	       "2^31 pages -> EINVAL");
	tap_eq(check(mr(0, 0, 0, SVX_MEM_MAX_NR_PAGES * PG, 0), ALL), 0,
	       "2^31 - 1 pages -> 0");
	tap_eq(check(mr(0, 0, 0, -PG, 0), ALL), -EINVAL,
	       "size 2^64 - 4096 -> EINVAL");

	/* Delete. */
	tap_eq(check(mr(3, 0, 0, 0, 0), ALL), -EINVAL,
	       "delete of a non-existent slot -> EINVAL");
	tap_eq(set(3, 0, 0x10000, 4 * PG, 0x100000), 0, "create slot 3");
	tap_eq(check(mr(3, 0, 0x5000, 0, 0x7000), ALL), 0,
	       "delete ignores gpa/hva of the request");
	tap_eq(last_change, SVX_MR_DELETE, "  ... as SVX_MR_DELETE");
	tap_ok(last_old == svx_memslot_by_id(cur, 3), "  ... old = slot 3");
	tap_eq(check(mr(3, 1u << 5, 0, 0, 0), ALL), -EINVAL,
	       "delete with unknown flag -> EINVAL (flags checked first)");
	tap_eq(check(mr(3, 0, 0x800, 0, 0), ALL), -EINVAL,
	       "delete with misaligned gpa -> EINVAL");
	tap_eq(check(mr(3 | 2u << 16, 0, 0, 0, 0), ALL), -EINVAL,
	       "delete in address space 2 -> EINVAL");

	/* Modify an existing slot. */
	tap_eq(check(mr(3, 0, 0x10000, 8 * PG, 0x100000), ALL), -EINVAL,
	       "change of size -> EINVAL");
	tap_eq(check(mr(3, 0, 0x10000, 4 * PG, 0x200000), ALL), -EINVAL,
	       "change of hva -> EINVAL");
	tap_eq(check(mr(3, KVM_MEM_READONLY, 0x10000, 4 * PG, 0x100000), ALL),
	       -EINVAL, "setting READONLY -> EINVAL");
	tap_eq(check(mr(3, 0, 0x10000, 4 * PG, 0x100000), ALL), 0,
	       "identical re-set -> 0");
	tap_eq(last_change, SVX_MR_NONE, "  ... as SVX_MR_NONE");
	tap_ok(last_old == svx_memslot_by_id(cur, 3), "  ... old = slot 3");
	tap_eq(check(mr(3, KVM_MEM_LOG_DIRTY_PAGES, 0x10000, 4 * PG, 0x100000),
		     ALL), 0, "LOG_DIRTY toggle -> 0");
	tap_eq(last_change, SVX_MR_FLAGS_ONLY, "  ... as SVX_MR_FLAGS_ONLY");
	tap_eq(check(mr(3, 0, 0x40000, 4 * PG, 0x100000), ALL), 0,
	       "new gpa -> 0");
	tap_eq(last_change, SVX_MR_MOVE, "  ... as SVX_MR_MOVE");
	tap_ok(last_new.base_gfn == 0x40 && last_new.npages == 4 &&
	       last_new.id == 3 && last_new.userspace_addr == 0x100000,
	       "  ... new slot as requested");
	tap_eq(check(mr(3, KVM_MEM_LOG_DIRTY_PAGES, 0x40000, 4 * PG, 0x100000),
		     ALL), 0, "move + LOG_DIRTY toggle -> 0");
	tap_ok(last_change == SVX_MR_MOVE &&
	       last_new.flags == KVM_MEM_LOG_DIRTY_PAGES,
	       "  ... as SVX_MR_MOVE with the new flags");
	tap_eq(check(mr(3, 0, 0x12000, 4 * PG, 0x100000), ALL), 0,
	       "move overlapping its own old range -> 0");

	/* Overlap: slot 3 is gfn [0x10, 0x14). */
	tap_eq(check(mr(4, 0, 0xe000, 4 * PG, 0), ALL), -EEXIST,
	       "overlap at the start -> EEXIST");
	tap_eq(check(mr(4, 0, 0x13000, 4 * PG, 0), ALL), -EEXIST,
	       "overlap at the end -> EEXIST");
	tap_eq(check(mr(4, 0, 0x11000, PG, 0), ALL), -EEXIST,
	       "contained -> EEXIST");
	tap_eq(check(mr(4, 0, 0, 0x100000, 0), ALL), -EEXIST,
	       "containing -> EEXIST");
	tap_eq(check(mr(4, 0, 0xc000, 4 * PG, 0), ALL), 0,
	       "adjacent below -> 0");
	tap_eq(check(mr(4, 0, 0x14000, 4 * PG, 0), ALL), 0,
	       "adjacent above -> 0");
	tap_eq(set(4, 0, 0x20000, 4 * PG, 0), 0, "create slot 4 at gfn 0x20");
	tap_eq(check(mr(4, 0, 0x12000, 4 * PG, 0), ALL), -EEXIST,
	       "move onto another slot -> EEXIST");
	tap_eq(check(mr(4, 0, 0x12000, 8 * PG, 0), ALL), -EINVAL,
	       "resize onto another slot -> EINVAL (before EEXIST)");
	tap_eq(check(mr(5, 1u << 3, 0x12000, 4 * PG, 0), ALL), -EINVAL,
	       "bad flags onto another slot -> EINVAL (before EEXIST)");

	/* Apply. */
	tap_eq(set(4, 0, 0, 0, 0), 0, "delete slot 4");
	tap_ok(!svx_memslot_by_id(cur, 4) && cur->nr == 1 && inv_ok("del"),
	       "  ... gone, invariants hold");
	tap_eq(check(mr(4, 0, 0, 0, 0), ALL), -EINVAL,
	       "delete it again -> EINVAL");
	tap_eq(cur->generation, 3, "generation 3 after create, create, delete");
	tap_eq(set(3, 0, 0x10000, 4 * PG, 0x100000), 0, "identical re-set");
	tap_eq(cur->generation, 3, "  ... no apply, generation unchanged");
	tap_eq(set(3, KVM_MEM_LOG_DIRTY_PAGES, 0x10000, 4 * PG, 0x100000), 0,
	       "flags-only apply");
	tap_ok(cur->generation == 4 &&
	       svx_memslot_by_id(cur, 3)->flags == KVM_MEM_LOG_DIRTY_PAGES,
	       "  ... generation 4, flags updated");
	tap_eq(set(3, KVM_MEM_LOG_DIRTY_PAGES, 0x900000, 4 * PG, 0x100000), 0,
	       "move apply");
	tap_ok(cur->generation == 5 && svx_memslot_find(cur, 0x900) &&
	       !svx_memslot_find(cur, 0x10) && inv_ok("move"),
	       "  ... generation 5, found at new gfn only");
	tap_ok(svx_memslot_by_id(cur, 0xffff) == NULL,
	       "by_id(0xffff) -> NULL");

	tap_diag("memslot: errno rules %s",
		 tap_failed() == f0 ? "all pass" : "FAILURES");
}

/* n slots; ids shuffled; created in random order; gaps if @gaps. */
static bool build(unsigned int n, bool gaps, struct rng *rng, u64 *base,
		  u64 *np)
{
	unsigned int i, ids[SVX_MEM_SLOTS_NUM], order[SVX_MEM_SLOTS_NUM];
	u64 g = 0x100;

	reset();
	for (i = 0; i < n; i++)
		ids[i] = order[i] = i;
	for (i = n; i > 1; i--) {
		unsigned int j = rng_below(rng, i), t = ids[i - 1];

		ids[i - 1] = ids[j];
		ids[j] = t;
		j = rng_below(rng, i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		base[i] = g;
		np[i] = 1 + rng_below(rng, 64);
		g += np[i] + (gaps ? 1 + rng_below(rng, 16) : 0);
	}
	for (i = 0; i < n; i++) {
		unsigned int k = order[i];

		if (set(ids[k], 0, base[k] * PG, np[k] * PG, k * 0x1000000ULL))
			return false;
		if (ms_invariants(cur))
			return inv_ok("build");
	}
	return cur->nr == n && cur->generation == n;
}

static const struct svx_memslot *find_fresh(u64 gfn)
{
	WRITE_ONCE(cur->last_used, -1);
	return svx_memslot_find(cur, gfn);
}

TAP_SUITE(memslot_find)
{
	static const unsigned int sizes[] = { 1, 32, SVX_MEM_SLOTS_NUM };
	static u64 base[SVX_MEM_SLOTS_NUM], np[SVX_MEM_SLOTS_NUM];
	static const int poison[] = { -1, -2, 0, SVX_MEM_SLOTS_NUM, 100000,
				      -100000, 0x7fffffff };
	struct rng rng = rng_seeded(tap_seed() ^ 0xf1d);
	unsigned int si, i, p, gaps;

	for (si = 0; si < 3; si++) {
		for (gaps = 0; gaps < 2; gaps++) {
			unsigned int n = sizes[si], bad = 0, badc = 0, badp = 0;

			tap_ok(build(n, gaps, &rng, base, np),
			       "find: build %u slots%s", n,
			       gaps ? " with gaps" : " back to back");
			for (i = 0; i < n; i++) {
				const struct svx_memslot *a, *b, *c, *d;

				a = find_fresh(base[i]);
				b = find_fresh(base[i] + np[i] - 1);
				c = find_fresh(base[i] - 1);
				d = find_fresh(base[i] + np[i]);
				if (!a || a->base_gfn != base[i] || b != a)
					bad++;
				if (gaps ? c || d :
				    (i ? !c || c->base_gfn != base[i - 1] : !!c) ||
				    (i + 1 < n ? !d || d->base_gfn != base[i + 1] : !!d))
					bad++;
				/* Same through a warm cache, both orders. */
				if (svx_memslot_find(cur, base[i]) != a ||
				    cur->last_used != a - cur->slots ||
				    svx_memslot_find(cur, base[i] + np[i] - 1) != a ||
				    svx_memslot_find(cur, base[i] - 1) != c ||
				    svx_memslot_find(cur, base[i]) != a ||
				    svx_memslot_find(cur, base[i] + np[i]) != d)
					badc++;
				/* Garbage in the cache must not matter. */
				for (p = 0; p < sizeof(poison) / sizeof(poison[0]); p++) {
					WRITE_ONCE(cur->last_used, poison[p]);
					if (svx_memslot_find(cur, base[i] + np[i] / 2) != a)
						badp++;
				}
			}
			tap_eq(bad, 0, "find: %u slots%s: first/last page, neighbours",
			       n, gaps ? " with gaps" : " back to back");
			tap_eq(badc, 0, "find: %u slots%s: same with warm cache",
			       n, gaps ? " with gaps" : "");
			tap_eq(badp, 0, "find: %u slots%s: poisoned last_used",
			       n, gaps ? " with gaps" : "");
			tap_ok(!find_fresh(0) && !find_fresh(base[0] - 1) &&
			       !find_fresh(~0ULL) &&
			       !find_fresh(base[n - 1] + np[n - 1]),
			       "find: %u slots: gfn 0, below first, ~0, above last",
			       n);
		}
	}
	reset();
	tap_ok(!svx_memslot_find(cur, 0) && !svx_memslot_find(cur, ~0ULL),
	       "find: empty set");
	tap_ok(set(7, 0, -2 * PG, PG, 0) == 0 &&
	       svx_memslot_find(cur, (-2 * PG) >> 12) &&
	       !svx_memslot_find(cur, (-PG) >> 12),
	       "find: slot at the top of the address space");
	tap_ok(set(8, 0, 0, SVX_MEM_MAX_NR_PAGES * PG, 0) == 0 &&
	       svx_memslot_find(cur, SVX_MEM_MAX_NR_PAGES - 1)->id == 8 &&
	       !svx_memslot_find(cur, SVX_MEM_MAX_NR_PAGES),
	       "find: largest slot, last page");
	tap_diag("memslot: find at 1/32/509 slots %s",
		 tap_failed() ? "has failures" : "all pass");
}

TAP_SUITE(memslot_apply)
{
	struct rng rng = rng_seeded(tap_seed() ^ 0xa991);
	static u64 base[SVX_MEM_SLOTS_NUM], np[SVX_MEM_SLOTS_NUM];
	unsigned int i, bad = 0;
	const struct svx_memslot *s;

	tap_ok(build(SVX_MEM_SLOTS_NUM, true, &rng, base, np),
	       "apply: fill all 509 slots");
	tap_eq(check(mr(SVX_MEM_SLOTS_NUM, 0, 0, PG, 0), ALL), -EINVAL,
	       "apply: a 510th slot id is rejected");
	/* Cache carries over to the same slot across an unrelated change. */
	s = svx_memslot_find(cur, base[200]);
	i = s->id;
	tap_eq(set(s->id == 0 ? 1 : 0, 0, 0, 0, 0), 0, "apply: delete a slot");
	tap_ok(cur->last_used >= 0 && cur->slots[cur->last_used].id == i,
	       "apply: last_used follows its slot");
	tap_eq(set(i, 0, 0, 0, 0), 0, "apply: delete the cached slot");
	tap_eq(cur->last_used, -1, "apply: cache emptied");
	/* Delete everything in random order, invariants after each. */
	while (cur->nr) {
		s = &cur->slots[rng_below(&rng, cur->nr)];
		if (set(s->id, 0, 0, 0, 0) || ms_invariants(cur))
			bad++;
	}
	tap_eq(bad, 0, "apply: delete all in random order, invariants hold");
	tap_eq(cur->generation, SVX_MEM_SLOTS_NUM * 2,
	       "apply: one generation per create and per delete");
}

TAP_SUITE(memslot_reference)
{
	struct rng rng = rng_seeded(tap_seed() ^ 0x5ef);
	unsigned long rounds = getenv("SVX_QUICK") ? 50 : 400, r, ops = 0,
		mism = 0, i;
	static u8 buf[8192];

	for (r = 0; r < rounds; r++) {
		struct ms_world *w = ms_world_new();

		for (i = 0; i < sizeof(buf); i += 8) {
			u64 x = rng_next(&rng);

			memcpy(buf + i, &x, 8);
		}
		if (!ms_world_run_bytes(w, buf, sizeof(buf)))
			tap_diag("round %lu op %lu: %s", r, w->ops, w->why);
		if (r == rounds - 1)
			tap_diag("memslot-vs-reference: last round: %u slots, errnos 0/EINVAL/EEXIST %lu/%lu/%lu, changes none/create/delete/move/flags %lu/%lu/%lu/%lu/%lu",
				 w->cur->nr, w->errs[0], w->errs[1], w->errs[2],
				 w->changes[0], w->changes[1], w->changes[2],
				 w->changes[3], w->changes[4]);
		ops += w->ops;
		mism += w->mismatches;
		ms_world_free(w);
	}
	tap_diag("memslot-vs-reference: %lu ops, %lu mismatches", ops, mism);
	tap_eq(mism, 0, "memslot-vs-reference: %lu random ops", ops);
}
