/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W4: guest page-table churn.  Setup (not measured): entry 1 of the
 * runner's PML4 gets its own PDPT, PD and PT for VA 0x8000000000.
 * Measured, ITERS times: map one of 8 VA slots to one of 64 physical
 * pages (PTE store), store through it, unmap it (PTE store 0) and INVLPG
 * it.  Shadow paging: the PT is write-protected, so both PTE stores exit
 * (emulated or unsync), the access faults, INVLPG exits.  EPT: nothing
 * exits once the EPT entries exist.
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		1000
#endif
#define PDPT		0x241000
#define PD		0x242000
#define PT		0x243000
#define DATA		0x500000	/* 64 pages */
#define VA		0x8000000000

	.code64
	.text
	.globl _start
_start:
	mov	$PDPT, %rdi
	mov	$(3 * 0x1000 / 8), %ecx
	xor	%eax, %eax
	cld
	rep stosq
	mov	%cr3, %rsi
	and	$~0xfff, %rsi
	movq	$(PDPT + 3), 8(%rsi)
	movq	$(PD + 3), PDPT
	movq	$(PT + 3), PD
	mov	%cr3, %rax
	mov	%rax, %cr3		/* flush: PML4[1] is new */

	TSC_START
	xor	%r13d, %r13d
	mov	$VA, %r15
1:	mov	%r13, %rbx
	and	$7, %rbx		/* slot */
	mov	%r13, %rax
	and	$63, %rax
	shl	$12, %rax
	add	$(DATA + 3), %rax	/* PTE: physical page | P | W */
	mov	%rax, PT(,%rbx,8)	/* map */
	shl	$12, %rbx
	add	%r15, %rbx		/* rbx = VA of the slot */
	mov	%r13, (%rbx)		/* use */
	mov	%r13, %rax
	and	$7, %rax
	movq	$0, PT(,%rax,8)		/* unmap */
	invlpg	(%rbx)
	inc	%r13d
	cmp	$ITERS, %r13d
	jb	1b
	TSC_STOP
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
