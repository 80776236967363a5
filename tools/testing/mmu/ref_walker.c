// SPDX-License-Identifier: GPL-2.0
/*
 * Reference linear-address translation (SDM Vol. 3A 4.3-4.8).  Simple by
 * design: one loop over levels, reserved bits from a per-bit predicate that
 * transcribes the "Reserved (must be 0)" rows of tables 4-4..4-11 and
 * 4-14..4-20, access rights from the 4.6 prose case by case.
 */
#include <errno.h>
#include <string.h>

#include "ref_walker.h"

static uint64_t bit(unsigned int n)
{
	return (uint64_t)1 << n;
}

/*
 * Is bit @b reserved in a present entry at @level of @mode?  @maps_page:
 * the entry maps a page (PS = 1 where PS means "page").
 */
static bool reserved_bit(enum ref_mode mode, int level, bool maps_page,
			 unsigned int b, unsigned int m, bool nxe, bool page1gb)
{
	if (mode == REF_MODE_32) {
		/* Only the 4-MByte PDE has reserved bits (table 4-4). */
		unsigned int m32 = m < 40 ? m : 40;

		if (level != 2 || !maps_page)
			return false;
		if (b == 21)
			return true;
		/* Bits 20:13 hold PA bits 39:32; those >= MAXPHYADDR are reserved. */
		if (b >= 13 && b <= 20)
			return b - 13 + 32 >= m32;
		return false;
	}
	if (mode == REF_MODE_PAE) {
		if (level == 3) {
			/* Table 4-8: 2:1, 8:5, 63:M. */
			if (b == 1 || b == 2 || (b >= 5 && b <= 8))
				return true;
			return b >= m;
		}
		/* Tables 4-9..4-11: 62:M reserved, 63 is XD (reserved if !NXE). */
		if (b == 63)
			return !nxe;
		if (b >= m && b <= 62)
			return true;
		if (level == 2 && maps_page && b >= 13 && b <= 20)
			return true;
		return false;
	}
	/* 4-level and 5-level paging, tables 4-14..4-20. */
	if (b == 63)
		return !nxe;
	if (b >= m && b <= 51)
		return true;
	if (level >= 4 && b == 7)
		return true;
	if (level == 3 && maps_page) {
		if (!page1gb)
			return b == 7;
		return b >= 13 && b <= 29;
	}
	if (level == 2 && maps_page)
		return b >= 13 && b <= 20;
	return false;
}

/* Memo of reserved masks: [mode][M][nxe][page1gb][level][maps_page]. */
static struct {
	bool done;
	uint64_t mask[6][2];
} memo[4][53][2][2];

static uint64_t reserved_mask(enum ref_mode mode, int level, bool maps_page,
			      unsigned int m, bool nxe, bool page1gb)
{
	typeof(&memo[0][0][0][0]) e = &memo[mode][m][nxe][page1gb];

	if (!e->done) {
		for (int l = 1; l <= 5; l++)
			for (int p = 0; p < 2; p++) {
				uint64_t mask = 0;

				for (unsigned int b = 0; b < 64; b++)
					if (reserved_bit(mode, l, p, b, m, nxe,
							 page1gb))
						mask |= bit(b);
				e->mask[l][p] = mask;
			}
		e->done = true;
	}
	return e->mask[level][maps_page];
}

/* SDM 4.6.1: is the access allowed by the combined rights? */
static bool access_allowed(const struct ref_cpu *cpu,
			   const struct ref_access *acc, bool w, bool u, bool x)
{
	bool wp = cpu->cr0 & bit(16);
	bool smep = cpu->cr4 & bit(20);
	bool smap = cpu->cr4 & bit(21);
	bool ac = cpu->rflags & bit(18);
	bool user_mode_access = acc->cpl3 && !acc->implicit;

	if (user_mode_access) {
		/* User-mode accesses only reach user-mode addresses. */
		if (!u)
			return false;
		if (acc->kind == REF_WRITE)
			return w;
		if (acc->kind == REF_FETCH)
			return x;
		return true;
	}
	/* Supervisor-mode access. */
	switch (acc->kind) {
	case REF_READ:
		if (!u)
			return true;
		if (!smap)
			return true;
		return ac && !acc->implicit;
	case REF_WRITE:
		if (u && smap && !(ac && !acc->implicit))
			return false;
		if (!wp)
			return true;
		return w;
	case REF_FETCH:
		if (!x)
			return false;
		if (u && smep)
			return false;
		return true;
	}
	return false;
}

void ref_translate(const struct ref_cpu *cpu, uint64_t la,
		   const struct ref_access *acc, struct ref_result *res)
{
	unsigned int m = cpu->maxphyaddr;
	bool pae = cpu->cr4 & bit(5);
	bool nxe = cpu->efer & bit(11);
	bool pse = cpu->cr4 & bit(4);
	bool w = true, u = true, x = true;
	unsigned int entry_bytes, index_bits;
	uint64_t table = 0, value = 0;
	int level;

	memset(res, 0, sizeof(*res));
	if (!pae)
		res->mode = REF_MODE_32;
	else if (!(cpu->efer & bit(10)))
		res->mode = REF_MODE_PAE;
	else if (cpu->cr4 & bit(12))
		res->mode = REF_MODE_5L;
	else
		res->mode = REF_MODE_4L;

	if (res->mode == REF_MODE_32 || res->mode == REF_MODE_PAE)
		la &= 0xffffffffULL;
	if (res->mode == REF_MODE_32) {
		entry_bytes = 4;
		index_bits = 10;
		level = 2;
		table = cpu->cr3 & 0xfffff000ULL;
		/* 32-bit paging has no XD bit: NXE does not matter. */
		nxe = false;
	} else {
		entry_bytes = 8;
		index_bits = 9;
		level = res->mode == REF_MODE_5L ? 5 :
			res->mode == REF_MODE_4L ? 4 : 3;
		table = cpu->cr3 & (bit(m) - 1) & ~0xfffULL;
	}

	for (;;) {
		unsigned int shift = 12 + (level - 1) * index_bits;
		uint64_t index = (la >> shift) & (bit(index_bits) - 1);
		struct ref_entry *e = &res->e[res->n++];
		bool maps_page;

		if (res->mode == REF_MODE_PAE && level == 3) {
			/* The PDPTE registers, selected by bits 31:30. */
			index = (la >> 30) & 3;
			value = cpu->pdpte[index];
			e->addr = ~0ULL;
		} else {
			e->addr = table + index * entry_bytes;
			/*
			 * Outside guest memory: KVM's walker (paging_tmpl.h,
			 * kvm_is_error_hva) gives a not-present #PF.
			 */
			if (cpu->read(cpu->ctx, e->addr, &value, entry_bytes)) {
				e->value = 0;
				e->bytes = entry_bytes;
				res->level = level;
				res->status = 1;
				goto fault;
			}
		}
		e->value = value;
		e->bytes = entry_bytes;
		res->level = level;

		if (!(value & 1)) {
			res->status = 1;
			goto fault;
		}
		if (res->mode == REF_MODE_32)
			maps_page = level == 2 && pse && (value & bit(7));
		else if (res->mode == REF_MODE_PAE)
			maps_page = level == 2 && (value & bit(7));
		else
			maps_page = (level == 2 || level == 3) &&
				    (value & bit(7));
		if (value & reserved_mask(res->mode, level, maps_page, m, nxe,
					  cpu->page1gb)) {
			res->status = 1;
			res->pf_error = 1 | 8;
			goto fault;
		}
		if (!(res->mode == REF_MODE_PAE && level == 3)) {
			w = w && (value & bit(1));
			u = u && (value & bit(2));
			if (nxe && (value & bit(63)))
				x = false;
		}
		if (level == 1 || maps_page)
			break;
		if (res->mode == REF_MODE_32)
			table = value & 0xfffff000ULL;
		else
			table = value & (bit(m) - 1) & ~0xfffULL;
		level--;
	}

	/* Physical address of the page (SDM 4.3 / 4.4.2 / 4.5.4). */
	if (res->mode == REF_MODE_32 && level == 2) {
		res->pa = (value & 0xffc00000ULL) |
			  (((value >> 13) & 0xff) << 32) | (la & 0x3fffff);
	} else {
		unsigned int shift = 12 + (level - 1) * index_bits;
		uint64_t frame = value & ~(bit(shift) - 1);

		if (res->mode == REF_MODE_32)
			frame &= 0xffffffffULL;
		else
			frame &= bit(m) - 1;
		res->pa = frame | (la & (bit(shift) - 1));
	}
	res->perm_w = w;
	res->perm_u = u;
	res->perm_x = x;
	if (!access_allowed(cpu, acc, w, u, x)) {
		res->status = 1;
		res->pf_error = 1;
		goto fault;
	}
	res->status = 0;
	if (!acc->no_ad) {
		/* SDM 4.8: A in each entry used, D in the final one on a write. */
		for (int i = 0; i < res->n; i++) {
			if (res->e[i].addr == ~0ULL)
				continue;
			res->e[i].set_bits |= bit(5);
			if (i == res->n - 1 && acc->kind == REF_WRITE)
				res->e[i].set_bits |= bit(6);
		}
	}
	return;

fault:
	/* SDM 4.7. */
	if (acc->kind == REF_WRITE)
		res->pf_error |= 2;
	if (acc->cpl3 && !acc->implicit)
		res->pf_error |= 4;
	if (acc->kind == REF_FETCH &&
	    ((cpu->cr4 & bit(20)) || (pae && (cpu->efer & bit(11)))))
		res->pf_error |= 16;
}
