/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest page-table walker: guest-virtual -> guest-physical translation
 * through the guest's own paging structures, as the CPU does it (Intel SDM
 * Vol. 3A chapter 4).  One walker serves the shadow MMU's fault handler,
 * gva_to_gpa (KVM_TRANSLATE, emulation), the walk trace and the tests.
 *
 * Contract
 *  - The caller fills a struct svx_walk_env from the vCPU (CR0, CR3, CR4,
 *    EFER, RFLAGS, the PAE PDPTE registers, guest MAXPHYADDR and whether the
 *    guest has 1-GByte pages) and gives two accessors of guest-physical
 *    memory.  The walker reaches guest memory only through them.
 *  - CR0.PG = 1 is assumed (paging off is the caller's business).  The mode
 *    follows from the registers: CR4.PAE = 0: 32-bit paging (2 levels, 4-byte
 *    entries); CR4.PAE = 1, EFER.LMA = 0: PAE paging (PDPTE registers + 2
 *    levels); EFER.LMA = 1: 4-level paging, 5-level if CR4.LA57 = 1.
 *  - In 32-bit and PAE paging only bits 31:0 of @gva are used.  In 4/5-level
 *    paging the caller has checked that @gva is canonical (#GP otherwise).
 *  - PAE: the PDPTEs are the registers loaded at MOV CR3/CR0/CR4 (SDM
 *    4.4.1), not memory: svx_walk_load_pdptes() loads them and tells the
 *    caller when a reserved bit is set (the MOV then takes #GP).  Should a
 *    walk meet a present PDPTE with a reserved bit anyway, it reports a
 *    reserved-bit #PF.
 *  - Result: 0, translated (w->gpa, w->level, w->pte_access ...); 1, the
 *    access faults: w->fault is set, w->error_code and w->fault_addr are
 *    what the CPU would deliver with #PF.  As KVM's walker, a
 *    paging-structure entry outside guest memory, or an A/D update the host
 *    mapping refuses, is a not-present #PF (error code 0 plus the access
 *    bits), and an entry in read-only memory keeps its A/D bits clear.
 *  - Accessed and dirty flags (SDM 4.8): on a successful walk, A is set in
 *    every entry used (not in the PDPTE registers) and D in the leaf entry
 *    for a write, each with an atomic compare-exchange through
 *    env->cmpxchg_gpa; a lost race restarts the whole walk (unbounded, as
 *    in KVM: another agent changed the guest's tables).  SVX_ACC_NO_AD
 *    walks never write.  Faulting walks never write.
 *  - Not modelled: protection keys (CR4.PKE/PKS, error code bit 5), CET
 *    shadow stacks, SGX, HLAT, AMD-only reserved bits.
 */
#ifndef SVX_MMU_WALKER_H
#define SVX_MMU_WALKER_H

#include <linux/types.h>
#include <linux/bits.h>

/* Architectural bits the walker reads (SDM 2.5, 2.6, 2.2.1). */
#define SVX_CR0_WP		BIT_ULL(16)
#define SVX_CR0_PG		BIT_ULL(31)
#define SVX_CR4_PSE		BIT_ULL(4)
#define SVX_CR4_PAE		BIT_ULL(5)
#define SVX_CR4_LA57		BIT_ULL(12)
#define SVX_CR4_SMEP		BIT_ULL(20)
#define SVX_CR4_SMAP		BIT_ULL(21)
#define SVX_EFER_LMA		BIT_ULL(10)
#define SVX_EFER_NXE		BIT_ULL(11)
#define SVX_RFLAGS_AC		BIT_ULL(18)

/* Paging-structure entry bits common to all formats. */
#define SVX_PTE_P		BIT_ULL(0)
#define SVX_PTE_RW		BIT_ULL(1)
#define SVX_PTE_US		BIT_ULL(2)
#define SVX_PTE_A		BIT_ULL(5)
#define SVX_PTE_D		BIT_ULL(6)
#define SVX_PTE_PS		BIT_ULL(7)
#define SVX_PTE_XD		BIT_ULL(63)

/* What the walker needs from a vCPU; filled by the caller. */
struct svx_walk_env {
	u64 cr0, cr3, cr4, efer;
	u64 rflags;		/* AC, for SMAP */
	u64 pdptrs[4];		/* PAE: loaded at CR3 load (SDM 4.4.1) */
	unsigned int maxphyaddr; /* guest MAXPHYADDR, 32..52 (CPUID 0x80000008) */
	bool gbpages;		/* CPUID.80000001H:EDX.Page1GB[26] */
	/* Read @size (4 or 8) bytes of guest-physical memory: 0 or -EFAULT. */
	int (*read_gpa)(void *ctx, u64 gpa, u64 *val, unsigned int size);
	/*
	 * Atomically replace @old with @new at @gpa (@size 4 or 8 bytes):
	 * 0 done, 1 the entry no longer held @old (nothing written), -EROFS
	 * read-only guest memory (nothing written), -EFAULT.
	 */
	int (*cmpxchg_gpa)(void *ctx, u64 gpa, u64 old, u64 new,
			   unsigned int size);
	void *ctx;
};

/*
 * The access being translated; the low bits are the #PF error code bits.
 * CPL 3 explicit accesses carry SVX_ACC_USER.  Implicit supervisor accesses
 * (GDT/LDT/IDT/TSS, even at CPL 3) carry SVX_ACC_IMPLICIT, which overrides
 * SVX_ACC_USER: they are supervisor accesses and SMAP applies whatever
 * RFLAGS.AC.  A fetch is never a write (SVX_ACC_WRITE is ignored with it).
 */
#define SVX_ACC_WRITE		0x2u	/* #PF error code bit 1 */
#define SVX_ACC_USER		0x4u	/* bit 2: CPL 3 access */
#define SVX_ACC_FETCH		0x10u	/* bit 4 */
#define SVX_ACC_IMPLICIT	0x100u	/* implicit supervisor access */
#define SVX_ACC_NO_AD		0x200u	/* probe only: never set A/D */

/* #PF error code bits (SDM 4.7). */
#define SVX_PFERR_PRESENT	0x1u
#define SVX_PFERR_WRITE		0x2u
#define SVX_PFERR_USER		0x4u
#define SVX_PFERR_RSVD		0x8u
#define SVX_PFERR_FETCH		0x10u

#define SVX_WALK_MAX_LEVEL	5

/* PTTYPE of PAE paging for paging_tmpl.h (32 and 64 are the entry sizes). */
#define SVX_PT_PAE		36

struct svx_walk {
	u64 gva;		/* as used: bits 31:0 in 32-bit and PAE paging */
	u64 gpa;		/* translation (valid when 0 is returned) */
	/* Leaf level (1 = 4 KiB, 2 = 2/4 MiB, 3 = 1 GiB); on a fault, the
	 * level of the entry that stopped the walk.
	 */
	int level;
	int root_level;		/* 2 (32-bit), 3 (PAE), 4, 5 (LA57) */
	/*
	 * Entry read at each level (index = level; for PAE, [3] is the
	 * PDPTE register), its guest-physical address and the gfn of the
	 * table holding it (write-protection).  Valid from root_level down
	 * to level; the values of the last try (with the A/D bits it set).
	 * Other elements are left as they were: clear the struct before
	 * copying it to userspace.
	 */
	u64 pte[SVX_WALK_MAX_LEVEL + 1];
	u64 pte_gpa[SVX_WALK_MAX_LEVEL + 1];
	u64 table_gfn[SVX_WALK_MAX_LEVEL + 1];
	/*
	 * Permissions of the translation, all levels combined: SVX_ACC_WRITE
	 * if R/W = 1 everywhere, SVX_ACC_USER if U/S = 1 everywhere,
	 * SVX_ACC_FETCH unless XD = 1 somewhere with EFER.NXE = 1.  Raw bits:
	 * CR0.WP, SMEP and SMAP are applied to the access, not here.  Valid
	 * when 0 is returned and for protection faults.
	 */
	u32 pte_access;
	bool fault;
	/* The fault is a table outside guest memory (pte[level] not read) */
	bool outside;
	u32 error_code;		/* #PF error code (P, W, U, RSVD, I/D) */
	u64 fault_addr;		/* CR2 */
};

/*
 * Translate @gva for @access (SVX_ACC_*).  Returns 0 (translated) or 1
 * (guest #PF: w->fault, w->error_code, w->fault_addr; also for a table
 * entry outside guest memory, w->outside), never an error.
 */
int svx_walk_addr(const struct svx_walk_env *env, u64 gva, u32 access,
		  struct svx_walk *w);

/*
 * PAE paging: load env->pdptrs[] from the 32-byte PDPT at CR3[31:5], as
 * MOV to CR3 (and CR0/CR4 entering PAE paging) does.  Returns 0, 1 if a
 * present PDPTE has a reserved bit set (the instruction takes #GP(0) and the
 * caller must not commit the registers), or -EFAULT.
 */
int svx_walk_load_pdptes(struct svx_walk_env *env);

/* Reserved bits of a PAE PDPTE for this env (bits 2:1, 8:5, 63:MAXPHYADDR). */
u64 svx_walk_pdpte_rsvd(const struct svx_walk_env *env);

#endif /* SVX_MMU_WALKER_H */
