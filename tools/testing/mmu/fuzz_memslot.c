// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is decoded into a sequence of
 * KVM_SET_USER_MEMORY_REGION requests and lookups (memslot_model.c), run
 * against mmu/memslot.c and the reference model; any difference, broken
 * invariant or WARN_ON aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "memslot_model.h"

extern unsigned long svx_shim_warnings;

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct ms_world *w;
	bool ok;

	if (!w)
		w = ms_world_new();
	svx_memslots_init(w->cur);
	ref_init(&w->ref);
	ok = ms_world_run_bytes(w, data, size);
	if (!ok) {
		fprintf(stderr, "memslot mismatch after %lu ops: %s\n",
			w->ops, w->why);
		abort();
	}
	if (svx_shim_warnings) {
		fprintf(stderr, "memslot: WARN_ON fired\n");
		abort();
	}
	return 0;
}
