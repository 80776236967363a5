/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of IA-32/Intel 64 linear-address translation, written
 * from the Intel SDM Vol. 3A chapter 4 text and tables, independently of
 * mmu/paging_tmpl.h: plain loops, its own constants, reserved bits decided
 * bit by bit from the SDM's entry-format tables.  It never writes memory;
 * it says which entries it read and which A/D bits a successful access sets.
 */
#ifndef SVX_TEST_REF_WALKER_H
#define SVX_TEST_REF_WALKER_H

#include <stdbool.h>
#include <stdint.h>

struct ref_cpu {
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint64_t pdpte[4];
	unsigned int maxphyaddr;	/* 32..52 */
	bool page1gb;
	int (*read)(void *ctx, uint64_t gpa, uint64_t *val, unsigned int size);
	void *ctx;
};

enum ref_kind { REF_READ, REF_WRITE, REF_FETCH };

struct ref_access {
	enum ref_kind kind;
	bool cpl3;		/* the access is made at CPL 3 */
	bool implicit;		/* implicit supervisor access (GDT, IDT ...) */
	bool no_ad;		/* do not report A/D updates */
};

enum ref_mode { REF_MODE_32, REF_MODE_PAE, REF_MODE_4L, REF_MODE_5L };

struct ref_entry {
	uint64_t addr;		/* guest-physical, or ~0 for a PDPTE register */
	uint64_t value;
	unsigned int bytes;
	uint64_t set_bits;	/* A/D bits the access sets here */
};

struct ref_result {
	int status;		/* 0 translated, 1 #PF, -EFAULT (EFAULT) */
	enum ref_mode mode;
	uint64_t pa;
	int level;		/* leaf level, or level of the faulting entry */
	uint32_t pf_error;
	bool perm_w, perm_u, perm_x;	/* combined over all levels */
	int n;
	struct ref_entry e[6];	/* entries used, root first */
};

void ref_translate(const struct ref_cpu *cpu, uint64_t la,
		   const struct ref_access *acc, struct ref_result *res);

#endif
