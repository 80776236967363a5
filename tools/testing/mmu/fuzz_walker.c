// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input becomes a paging mode, control-register
 * state, MAXPHYADDR, the PAE PDPTE registers, the contents of four guest
 * pages holding page tables (records of page, index, entry) and an address;
 * the address is then translated for every access type (user, supervisor,
 * implicit x read, write, fetch; with and without A/D updates, with a lost
 * cmpxchg race) by mmu/walker.c and by ref_walker.c.  Any difference
 * aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walker_model.h"

extern unsigned long svx_shim_warnings;

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

struct input {
	const u8 *p;
	size_t left;
};

static u64 take(struct input *in, unsigned int n)
{
	u64 v = 0;

	n = n < in->left ? n : in->left;
	memcpy(&v, in->p, n);
	in->p += n;
	in->left -= n;
	return v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u32 privs[] = { 0, SVX_ACC_USER, SVX_ACC_IMPLICIT };
	static const u32 kinds[] = { 0, SVX_ACC_WRITE, SVX_ACC_FETCH };
	static struct wm_world w;
	struct input in = { data, size };
	struct wm_stats st = { 0 };
	unsigned int i, j, esize;
	enum wm_mode mode;
	u64 ctl, gva, gfn3;
	char why[256];

	if (!w.ram.page)
		wm_ram_init(&w.ram);
	ctl = take(&in, 4);
	mode = (enum wm_mode)(ctl & 3);
	wm_env_init(&w, mode);
	w.env.cr0 |= (ctl & 4) ? SVX_CR0_WP : 0;
	w.env.cr4 |= (ctl & 8) ? SVX_CR4_SMEP : 0;
	w.env.cr4 |= (ctl & 16) ? SVX_CR4_SMAP : 0;
	w.env.cr4 |= (ctl & 32) ? SVX_CR4_PSE : 0;
	w.env.efer |= (ctl & 64) ? SVX_EFER_NXE : 0;
	w.env.rflags = 2 | ((ctl & 128) ? SVX_RFLAGS_AC : 0);
	w.env.gbpages = !(ctl & 256);
	w.env.maxphyaddr = 32 + (ctl >> 16) % 21;
	gva = take(&in, 8);
	if (mode == WM_4L)
		gva = (u64)((s64)(gva << 16) >> 16);
	else if (mode == WM_5L)
		gva = (u64)((s64)(gva << 7) >> 7);
	if (mode == WM_PAE)
		for (i = 0; i < 4; i++)
			w.env.pdptrs[i] = take(&in, 8);

	/* Four table pages: low, low + 1, just below 4 GiB, and one chosen. */
	w.ram.n = 0;
	wm_ram_add(&w.ram, 0);
	wm_ram_add(&w.ram, 1);
	wm_ram_add(&w.ram, 0xfffff);
	gfn3 = take(&in, 5) & ((1ULL << 40) - 1);
	if (gfn3 <= 1 || gfn3 == 0xfffff)
		gfn3 = 2;
	wm_ram_add(&w.ram, gfn3);
	w.env.cr3 = (ctl >> 9) & 1 ? 0xfffff000ULL : 0;
	if (mode == WM_PAE)
		w.env.cr3 = take(&in, 4) & 0xffffffe0ULL;
	esize = mode == WM_32 ? 4 : 8;
	while (in.left) {
		unsigned int pg = take(&in, 1) & 3;
		unsigned int idx = take(&in, 2) % (4096 / esize);
		u64 v = take(&in, esize);

		wm_ram_write(&w.ram, (w.ram.gfn[pg] << 12) + idx * esize, v,
			     esize);
	}

	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			u32 acc = privs[i] | kinds[j];

			if (!wm_check(&w, gva, acc, &st, why, sizeof(why)) ||
			    !wm_check(&w, gva, acc | SVX_ACC_NO_AD, &st, why,
				      sizeof(why)) ||
			    (w.ram.lose_races = 1,
			     !wm_check(&w, gva, acc, &st, why, sizeof(why)))) {
				fprintf(stderr, "walker mismatch: mode %s gva %#llx access %#x: %s\n",
					wm_mode_name[mode],
					(unsigned long long)gva, acc, why);
				abort();
			}
		}
	if (svx_shim_warnings) {
		fprintf(stderr, "walker: WARN_ON fired\n");
		abort();
	}
	return 0;
}
