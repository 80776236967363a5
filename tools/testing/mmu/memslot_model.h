/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test support for mmu/memslot.c, shared by the unit tests and the fuzzer:
 *  - a reference model: a plain array indexed by slot id, linear search,
 *    and KVM 6.1's rules written out independently (128-bit arithmetic
 *    for wrap checks, interval tests for overlap);
 *  - an invariant checker for struct svx_memslots;
 *  - a "world" that runs the same operation on both and compares them,
 *    and an operation decoder that turns a byte string (random bytes in
 *    the tests, fuzzer input in the fuzzer) into operations.
 */
#ifndef SVX_TEST_MEMSLOT_MODEL_H
#define SVX_TEST_MEMSLOT_MODEL_H

#include <stddef.h>
#include "memslot.h"

#define MS_SUPPORTED_FLAGS	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

struct ref_slot {
	bool used;
	u64 base_gfn, npages, hva;
	u32 flags;
};

struct ref_memslots {
	u64 generation;
	struct ref_slot slot[SVX_MEM_SLOTS_NUM];
};

void ref_init(struct ref_memslots *r);
/* KVM_SET_USER_MEMORY_REGION on the model: errno, and *change on success. */
int ref_set(struct ref_memslots *r,
	    const struct kvm_userspace_memory_region *req, u32 supported,
	    enum svx_mr_change *change);
/* Slot id holding @gfn, or -1. */
int ref_find(const struct ref_memslots *r, u64 gfn);

/* NULL if @s is consistent, else a static description of what is wrong. */
const char *ms_invariants(const struct svx_memslots *s);

struct ms_world {
	struct svx_memslots *cur, *next;	/* double buffer */
	struct ref_memslots ref;
	unsigned long ops, mismatches, applies;
	unsigned long errs[4];		/* 0, -EINVAL, -EEXIST, other */
	unsigned long changes[5];	/* by enum svx_mr_change */
	char why[256];			/* last mismatch */
};

struct ms_world *ms_world_new(void);
void ms_world_free(struct ms_world *w);
/*
 * One request on both sides (check, and apply unless NONE or error).
 * Returns false on a mismatch (errno, change, old/new, resulting slots,
 * generation, invariants, @cur left untouched); w->why says which.
 */
bool ms_world_set(struct ms_world *w,
		  const struct kvm_userspace_memory_region *req);
/* One lookup on both sides; false on mismatch. */
bool ms_world_find(struct ms_world *w, u64 gfn);
/* Full comparison of slots by id; false on mismatch. */
bool ms_world_compare(struct ms_world *w);

/*
 * Decode operations from @data and run them; stops at the end of the data
 * or at the first mismatch (returns false).
 */
bool ms_world_run_bytes(struct ms_world *w, const u8 *data, size_t size);

#endif
