/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the MMU guest (guest/mmu_guest.c, a freestanding C program built
 * three times: 32-bit paging, PAE paging, 64-bit 4-level paging) and the host
 * side (mmu_test.c).  Included from C only.
 *
 * Guest-physical layout (slot 0 is the library's 2 MiB at GPA 0):
 *   0x001000  guest image (entry point _start, linked at SVX_CODE)
 *   0x020000  host-built identity tables (64-bit entry: PML4, PDPT, PD)
 *   0x030000  mailbox: struct mg_mailbox (host <-> guest results)
 *   0x060000..0x080000  kernel stack
 *   0x080000..0x090000  ring-0 stack used on entry from ring 3 (TSS)
 *   0x090000  guest GDT, 0x091000 guest TSS, 0x092000 guest IDT
 *   0x100000..0x200000  page-table pool (256 pages)
 * Slot 1: MG_FRAMES_GPA (4 MiB): data frames, identity-mapped by the guest.
 * Slots 2 and 3: the first and last 2 MiB of the 1 GiB at GPA 0x40000000
 * (backing for the 1 GiB guest page).  GPA 0xd0000000: no slot (MMIO).
 */
#ifndef SVX_MMU_GUEST_H
#define SVX_MMU_GUEST_H

#define MG_HOST_PT		0x20000
#define MG_MAILBOX		0x30000
#define MG_STACK_TOP		0x80000
#define MG_STACK0_TOP		0x90000
#define MG_GDT			0x90000
#define MG_TSS			0x91000
#define MG_IDT			0x92000
#define MG_POOL			0x100000
#define MG_POOL_END		0x200000
#define MG_FRAMES_GPA		0x400000
#define MG_FRAMES_SIZE		0x400000
#define MG_GIG_GPA		0x40000000ULL
#define MG_GIG_SLOT_SIZE	0x200000
#define MG_MMIO_GPA		0xd0000000ULL

/* Ports the guest writes (4-byte out). */
#define MG_PORT_DONE		0x50	/* value: number of records */
#define MG_PORT_SYNC		0x51	/* value: sync point id; host may act */
#define MG_PORT_SYSCALL		0x52	/* value: int 0x80 number from ring 3 */

/* Paging modes (one guest binary each; pg32 and pg32pse share one). */
#define MG_MODE_PG32		1	/* 32-bit paging, CR4.PSE=0 */
#define MG_MODE_PG32PSE		2	/* 32-bit paging, CR4.PSE=1 */
#define MG_MODE_PAE		3
#define MG_MODE_LONG64		4

/* Tests (mailbox.test). */
#define MG_T_FRESH		1
#define MG_T_INVLPG		2
#define MG_T_NOT_PRESENT	3
#define MG_T_WRITE_PROTECT	4
#define MG_T_NX			5
#define MG_T_RSVD		6
#define MG_T_SMEP		7
#define MG_T_SMAP		8
#define MG_T_AD_BITS		9
#define MG_T_CR3_SWITCH		10
#define MG_T_USER		11
#define MG_T_LARGE		12
#define MG_T_MMIO		13
#define MG_T_GIG		14
#define MG_T_SLOT		15	/* the VMM swaps/moves slot 1 under the guest */
#define MG_T_PDPTE		16	/* PAE PDPTE registers: #GP, caching */
#define MG_T_PCID		17	/* 4-level: CR4.PCIDE, CR3 PCID and bit 63 */
#define MG_T_WP0		18	/* CR0.WP=0 with SMEP/SMAP */
#define MG_T_PTWRITE		19	/* every instruction kind on a PDE */
#define MG_T_HVA		20	/* the VMM remaps the memory behind a frame */
#define MG_T_STRIO		21	/* ring-3 rep ins/outs on protected pages */
#define MG_T_DF			22	/* #DE, #PF, #PF on a missing stack: #DF */
#define MG_T_PTSTRING		23	/* rep stos into tables: reused, self-mapped */

/* Record kinds. */
#define MG_REC_CHECK		1	/* got must equal want */
#define MG_REC_INFO		2	/* informational: got (and want) */
#define MG_REC_SKIP		3	/* the test cannot run: what = reason */
#define MG_REC_FATAL		4	/* unexpected exception: got = vector,
					 * want = error code, a = cr2, b = rip */

/*
 * mailbox.quirks.  MG_Q_STALE_NX: kvm_intel ept=0 (6.1) keeps the SPTEs it
 * made of XD bits with EFER.NXE=1 after the guest clears NXE and flushes
 * its TLB (its shadow roles all have efer_nx; kvm_mmu_reset_context() keeps
 * the pages in sync): no #PF(RSVD) on a read.
 */
#define MG_Q_STALE_NX		1

/* mailbox.phase */
#define MG_PHASE_PAGING_ON	1	/* enabling paging (mov to CR0) */
#define MG_PHASE_TEST		2	/* paging on, running the test */
#define MG_PHASE_USER		3	/* ring 3 entered */

#define MG_MAGIC		0x4d4d5531	/* "MMU1" */
#define MG_MAX_REC		1000

/* CR3 switching test. */
#define MG_NFRESH		256	/* fresh-mapping test: pages */
#define MG_NR_AS		8
#define MG_SWITCH_ROUNDS	64	/* rounds of MG_NR_AS switches per phase */
#define MG_SYNC_ROUND2_START	1
#define MG_SYNC_ROUND2_END	2
#define MG_SYNC_MMIO_DONE	3
#define MG_SYNC_SLOT_SWAP	4	/* host: slot 1 gets new memory */
#define MG_SYNC_SLOT_MOVE	5	/* host: slot 1 moves to MG_SLOT_MOVED_GPA */
#define MG_SYNC_SLOT_BACK	6	/* host: slot 1 back at MG_FRAMES_GPA */
#define MG_SYNC_HVA_REMAP	7	/* host: munmap + mmap MAP_FIXED of the frame */
#define MG_SYNC_HVA_DONTNEED	8	/* host: madvise(MADV_DONTNEED) of the frame */
#define MG_SYNC_HVA_MREMAP	9	/* host: mremap() of another page onto it */

/*
 * MMU-notifier test: the VMM changes the memory behind frame MG_HVA_FRAME
 * of slot 1 (its HVA) without touching the memslots.
 */
#define MG_HVA_FRAME		720
#define MG_HVA_OLD_VAL		0x4a5a0001u	/* guest writes, first page */
#define MG_HVA_NEW_VAL		0x4a5a0002u	/* host, in the mmap()ed page */
#define MG_HVA_MREMAP_VAL	0x4a5a0003u	/* host, in the mremap()ed page */
#define MG_HVA_WR_VAL		0x4a5a0004u	/* guest writes after each change */

/* String I/O test: ring 3 with IOPL 3 on this 1-byte port. */
#define MG_PORT_STRIO		0x53
#define MG_STRIO_IN_BYTE	0xa7		/* what the host's port reads */
#define MG_STRIO_OUT_BYTE	0x3c		/* the user page rep outsb sends */
#define MG_STRIO_LEN		16

/* Memslot test: the frame the guest keeps in its TLB, and its values. */
#define MG_SLOT_FRAME		700
#define MG_SLOT_MOVED_GPA	0x10000000ULL
#define MG_SLOT_OLD_VAL		0x51070001u	/* guest writes, old memory */
#define MG_SLOT_NEW_VAL		0x51070002u	/* host, in the new memory */
#define MG_SLOT_WR_VAL		0x51070003u	/* guest writes at +4 after the swap */
#define MG_SLOT_MMIO_VAL	0x51070004u	/* host answers the MMIO read at +8 */

/* MMIO test: the guest maps MG_MMIO_VA -> MG_MMIO_GPA. */
#define MG_MMIO_RD_OFF		0x10
#define MG_MMIO_WR_OFF		0x24
#define MG_MMIO_RD8_OFF		0x31
#define MG_MMIO_RD_VAL		0x89abcdefu
#define MG_MMIO_WR_VAL		0xcafef00du
#define MG_MMIO_RD8_VAL		0x5a
/* After MG_SYNC_MMIO_DONE the VMM puts RAM (slot 9) at MG_MMIO_GPA + 0x1000. */
#define MG_MMIO_RAM_SLOT	9
#define MG_MMIO_RAM_VAL		0x4a4d0001u

/* Ring-3 test: int 0x80 numbers. */
#define MG_SYS_REPORT		1	/* ebx = value */
#define MG_SYS_EXIT		2

struct mg_rec {
	unsigned int kind;
	unsigned int line;
	unsigned int what;	/* guest address of a NUL-terminated string */
	unsigned int pad;
	unsigned long long got, want, a, b;
};

struct mg_mailbox {
	unsigned int magic;	/* host: MG_MAGIC */
	unsigned int test;	/* host: MG_T_* */
	unsigned int mode;	/* host: MG_MODE_* */
	unsigned int nrec;	/* guest */
	unsigned int done;	/* guest: 1 when finished */
	unsigned int phase;	/* guest: MG_PHASE_* */
	unsigned int quirks;	/* host: MG_Q_*, the device's known deviations */
	unsigned int pad;
	struct mg_rec rec[MG_MAX_REC];
};

#endif
