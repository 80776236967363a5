// SPDX-License-Identifier: GPL-2.0
/*
 * ns per svx_walk_addr() of a user read that translates, with A/D already
 * set everywhere (no cmpxchg) and the tables hot in the cache:
 *   bench[walk-ns]             4-level paging, 4-KiB pages
 *   bench[walk-ns mode=32]     32-bit paging, 4-KiB pages
 *   bench[walk-ns mode=pae]    PAE paging, 4-KiB pages
 * Guest RAM is a flat 64-page array behind a bounds-checked read_gpa, the
 * cheapest accessor a host can offer; 512 addresses in one page table are
 * walked round-robin for ~0.2 s per figure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "walker.h"

#define NPAGES	64

static u8 ram[NPAGES * 4096] __attribute__((aligned(4096)));

static int flat_read(void *ctx, u64 gpa, u64 *val, unsigned int size)
{
	(void)ctx;
	if (gpa >= sizeof(ram) - 8)
		return -EFAULT;
	*val = 0;
	memcpy(val, ram + gpa, size);
	return 0;
}

static int flat_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new,
			unsigned int size)
{
	u64 cur = 0;

	(void)ctx;
	if (gpa >= sizeof(ram) - 8)
		return -EFAULT;
	memcpy(&cur, ram + gpa, size);
	if (cur != old)
		return 1;
	memcpy(ram + gpa, &new, size);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void put(u64 gpa, u64 v, unsigned int size)
{
	memcpy(ram + gpa, &v, size);
}

static double run(const struct svx_walk_env *env, u64 base, unsigned int step)
{
	unsigned long iters = 0, sum = 0;
	double t0 = now(), t;
	struct svx_walk w;
	unsigned int i;

	do {
		for (i = 0; i < 512; i++) {
			if (svx_walk_addr(env, base + (u64)i * step + 0x123,
					  SVX_ACC_USER, &w))
				return -1;
			sum += w.gpa;
		}
		iters += 512;
		t = now() - t0;
	} while (t < 0.2);
	__asm__ __volatile__("" : : "r"(sum));
	return t * 1e9 / iters;
}

int main(void)
{
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US | SVX_PTE_A |
		      SVX_PTE_D;
	struct svx_walk_env env = {
		.cr0 = SVX_CR0_PG | SVX_CR0_WP | 1,
		.maxphyaddr = 46, .gbpages = true,
		.read_gpa = flat_read, .cmpxchg_gpa = flat_cmpxchg,
	};
	u64 gva = 0x00007f1234400000ULL;
	unsigned int i;
	double ns;

	/* 4-level: PML4 at page 1, PDPT 2, PD 3, PT 4. */
	env.cr3 = 0x1000;
	env.cr4 = SVX_CR4_PAE | SVX_CR4_SMEP | SVX_CR4_SMAP;
	env.efer = SVX_EFER_LMA | SVX_EFER_NXE;
	put(0x1000 + ((gva >> 39) & 511) * 8, 0x2000 | f, 8);
	put(0x2000 + ((gva >> 30) & 511) * 8, 0x3000 | f, 8);
	put(0x3000 + ((gva >> 21) & 511) * 8, 0x4000 | f, 8);
	for (i = 0; i < 512; i++)
		put(0x4000 + i * 8, ((u64)(16 + i % 32) << 12) | f, 8);
	ns = run(&env, gva, 4096);
	printf("bench[walk-ns]: %.1f\n", ns);

	/* 32-bit: PD at page 5, PT 6. */
	memset(&env.pdptrs, 0, sizeof(env.pdptrs));
	env.cr3 = 0x5000;
	env.cr4 = SVX_CR4_PSE | SVX_CR4_SMEP | SVX_CR4_SMAP;
	env.efer = 0;
	gva = 0x40000000ULL;
	put(0x5000 + (gva >> 22) * 4, 0x6000 | f, 4);
	for (i = 0; i < 512; i++)
		put(0x6000 + i * 4, ((u64)(16 + i % 32) << 12) | f, 4);
	printf("bench[walk-ns mode=32]: %.1f\n", run(&env, gva, 4096));

	/* PAE: PDPTE register -> PD at page 7 -> PT at page 8. */
	env.cr3 = 0x9000;
	env.cr4 = SVX_CR4_PAE | SVX_CR4_SMEP | SVX_CR4_SMAP;
	env.efer = SVX_EFER_NXE;
	env.pdptrs[1] = 0x7000 | SVX_PTE_P;
	put(0x7000 + ((gva >> 21) & 511) * 8, 0x8000 | f, 8);
	for (i = 0; i < 512; i++)
		put(0x8000 + i * 8, ((u64)(16 + i % 32) << 12) | f, 8);
	printf("bench[walk-ns mode=pae]: %.1f\n", run(&env, gva, 4096));
	return 0;
}
