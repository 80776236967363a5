/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-physical layout and port numbers shared by the guest snippets
 * (guest/guests.S) and the host side of the tests.  Included from C and asm.
 *
 * Slot 0 (SVX_MEM_SIZE bytes of anonymous memory) sits at GPA 0:
 *   0x0000  IDT (256 zeroed gates, limit 0x7ff)
 *   0x0800  GDT: null, 0x08 code32, 0x10 data, 0x18 code64, 0x20 TSS
 *   0x0900  32-bit TSS (limit 0x67)
 *   0x1000  guest code (entry point)
 *   0x8000  initial stack pointer (grows down)
 *   0x10000 data area used by the tests
 *   0x20000 long-mode page tables (PML4, PDPT, 4 PDs: 4 GiB identity, 2 MiB)
 */
#ifndef SVX_SELFTEST_GUEST_H
#define SVX_SELFTEST_GUEST_H

#define SVX_MEM_SIZE		0x200000
#define SVX_IDT			0x0
#define SVX_GDT			0x800
#define SVX_TSS			0x900
#define SVX_CODE		0x1000
#define SVX_STACK		0x8000
#define SVX_DATA		0x10000
#define SVX_PT			0x20000

#define SVX_SEL_CS32		0x08
#define SVX_SEL_DS		0x10
#define SVX_SEL_CS64		0x18
#define SVX_SEL_TSS		0x20

/* A second slot the tests add, delete or make read-only. */
#define SVX_SLOT1_GPA		0x400000
#define SVX_SLOT1_SIZE		0x10000
/* A GPA outside every memslot (and below the 4 GiB the page tables map). */
#define SVX_MMIO_GPA		0xd0000000

/* smp_pt (smp_test.c): 32-bit paging tables and the shared window. */
#define SMP_PD			0x30000
#define SMP_PT0			0x31000
#define SMP_PT2			0x32000
#define SMP_FRAMES		0x40000	/* 16 frames, frame k holds 0xf0000 + k */
#define SMP_WIN			0x800000	/* PDE 2 */

/* rep outs/ins string tests: a string crossing a page boundary. */
#define SVX_STR_SRC		0x10f80
#define SVX_STR_DST		0x11f80
#define SVX_STR_LEN		300

#define PORT_OUT8		0x10
#define PORT_OUT16		0x12
#define PORT_OUT32		0x14
#define PORT_IN8		0x20
#define PORT_ECHO8		0x21
#define PORT_IN16		0x22
#define PORT_ECHO16		0x23
#define PORT_IN32		0x24
#define PORT_ECHO32		0x25
#define PORT_STR_OUT		0x30
#define PORT_STR_IN		0x32
#define PORT_RESULT		0x40
#define PORT_RESULT2		0x41
#define PORT_TICK		0x42

#define CPUID_TEST_LEAF		0x40000000
#define CPUID_TEST_LEAF2	0x40000001
#define MSR_STAR_NR		0xc0000081

/*
 * Hardware task switches (guest taskswitch, taskswitch_test.c): four more
 * 32-bit TSSs in the GDT after SVX_SEL_TSS (the main task's), a task gate
 * to TSS B in the GDT, task gates in the IDT for SVX_TS_VECTOR (-> C) and
 * #GP (-> D).  The main task runs on page directory 0, tasks A, B and C on
 * page directory 1, which maps SVX_TS_PROBE to SVX_TS_PROBE_ALT instead
 * of itself.  The guest stores what it sees at SVX_TS_RESULTS (u32 each).
 */
#define SVX_TS_SEL_A		0x28	/* reached by JMP, leaves by JMP */
#define SVX_TS_SEL_B		0x30	/* CALL through the gate, IRET */
#define SVX_TS_SEL_C		0x38	/* INT SVX_TS_VECTOR, IRET */
#define SVX_TS_SEL_D		0x40	/* #GP (error code), IRET */
#define SVX_TS_SEL_GATE		0x48	/* task gate -> SVX_TS_SEL_B */
#define SVX_TS_SEL_E		0x50	/* bad DS selector: #TS in the new task */
#define SVX_TS_SEL_F		0x58	/* a 16-bit TSS, JMP there and back */
#define SVX_TS_SEL_M16		0x60	/* the main task's, in the 16-bit test */
#define SVX_TS_SEL_G		0x68	/* external interrupt SVX_TS_IRQ, IRET */
#define SVX_TS_GDT_LIMIT	0x6f
#define SVX_TS_TSS_A		0xa00
#define SVX_TS_TSS_B		0xa80
#define SVX_TS_TSS_C		0xb00
#define SVX_TS_TSS_D		0xb80
#define SVX_TS_TSS_E		0xc00
#define SVX_TS_TSS_F		0xc80
#define SVX_TS_TSS_M16		0xd00
#define SVX_TS_TSS_G		0xd80
#define SVX_TS_STACK_A		0x9000
#define SVX_TS_STACK_B		0xa000
#define SVX_TS_STACK_C		0xb000
#define SVX_TS_STACK_D		0xc000
#define SVX_TS_STACK_E		0xd000
#define SVX_TS_STACK_F		0xe000
#define SVX_TS_STACK_G		0xf000
#define SVX_TS_VECTOR		0x80
#define SVX_TS_IRQ		0x81
#define SVX_TS_BAD_SEL		0x1238	/* beyond the GDT limit: #GP(sel) */
#define SVX_TS_PROBE		0x100000
#define SVX_TS_PROBE_ALT	0x101000
#define SVX_TS_RESULTS		SVX_DATA
#define SVX_TS_NR_RESULTS	64
#define SVX_TS_PT		0x40000	/* the page tables (host-built) */
/* Offsets in a 32-bit TSS. */
#define SVX_TSS_LINK		0x00
#define SVX_TSS_CR3		0x1c
#define SVX_TSS_EIP		0x20
#define SVX_TSS_EFLAGS		0x24
#define SVX_TSS_EAX		0x28

#endif
