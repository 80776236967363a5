// SPDX-License-Identifier: GPL-2.0
/*
 * The address field of MMIO entries (mmu/spte.h): on a CPU with L1TF no
 * MMIO SPTE or EPT MMIO entry may hold an address the kernel can give to
 * RAM (below l1tf_pfn_limit(), half the cacheable range), whatever GPA the
 * guest chose, and the GPA must still come back out of the entry.
 */
#include <stdio.h>

#include "harness.h"
#include "spte.h"

static u64 spte_rng(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* @n random page GPAs below 2^@gpa_bits, through the current layout. */
static void check_layout(unsigned int cache_bits, unsigned int gpa_bits,
			 unsigned int n)
{
	u64 seed = tap_seed() | 1, limit = cache_bits ?
		   1ULL << (cache_bits - 1) : 0;
	unsigned int i, low = 0, lost = 0, refused = 0;

	for (i = 0; i < n; i++) {
		u64 gpa = spte_rng(&seed) & ((1ULL << gpa_bits) - 1) & SPTE_ADDR;
		u64 e;

		if (i < 2)		/* the extremes */
			gpa = i ? ((1ULL << gpa_bits) - 1) & SPTE_ADDR : 0;
		if (!svx_mmio_addr_ok(gpa)) {
			refused++;
			continue;
		}
		e = svx_mmio_addr(gpa);
		if (e & ~SPTE_ADDR || (e & SPTE_ADDR) < limit)
			low++;
		if (svx_mmio_gpa(e | SPTE_MMIO | SPTE_MMIO_GEN | SPTE_W) != gpa)
			lost++;
	}
	tap_ok(!low && !lost && !refused,
	       "cache bits %u, %u GPAs below 2^%u: %u entries below 2^%u or outside 51:12, %u GPAs lost, %u refused",
	       cache_bits, n, gpa_bits, low, cache_bits ? cache_bits - 1 : 0,
	       lost, refused);
}

TAP_SUITE(spte_mmio_layout)
{
	u64 gpa;

	tap_ok(svx_spte_init(0) && svx_mmio_layout.rsvd == 0,
	       "no L1TF: the address field holds the GPA");
	check_layout(0, 52, 100000);

	tap_ok(svx_spte_init(46) && svx_mmio_layout.rsvd ==
	       0x00003e0000000000ULL, "L1TF, 46 cache bits: bits 45:41 always set");
	check_layout(46, 46, 100000);
	gpa = 1ULL << 46;
	tap_ok(!svx_mmio_addr_ok(gpa) && !svx_mmio_addr_ok(0xfffff000000ULL << 8),
	       "a GPA at or above 2^46 gets no MMIO entry");

	tap_ok(svx_spte_init(39), "L1TF, 39 cache bits");
	check_layout(39, 39, 100000);

	tap_ok(svx_spte_init(47), "L1TF, 47 cache bits: moved bits end at 51");
	check_layout(47, 47, 100000);

	tap_ok(!svx_spte_init(48) && !svx_mmio_addr_ok(0),
	       "L1TF, 48 cache bits: no room above, no MMIO entry is made");
	svx_spte_init(0);
}
