/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W3: CR3 switching round-robin among NR_AS address spaces with their own
 * page tables.  Setup (not measured): address space i has a PML4 at
 * 0x200000 + i*4K whose entry 0 is the runner's (identity map of the low
 * 4 GiB: code, stack, tables) and whose entry 1 maps VA 0x8000000000 ..
 * +64K through its own PDPT, PD and PT onto 16 private pages.  Measured:
 * ROUNDS rounds of: for each space, load its CR3 and store to one of its
 * private pages (page = round mod 16).  Shadow paging: every CR3 load
 * exits; a cached shadow root makes the switch back cheap.  EPT: no exits.
 */
#include "harness.h"

#define NR_AS		8
#ifndef ROUNDS
#define ROUNDS		200
#endif
#define PML4S		0x200000
#define PDPTS		0x210000
#define PDS		0x220000
#define PTS		0x230000
#define DATA		0x400000	/* 16 pages per space */
#define PRIV_VA		0x8000000000

	.code64
	.text
	.globl _start
_start:
	/* zero the 4 x 8 table pages */
	mov	$PML4S, %rdi
	mov	$(0x40000 / 8), %ecx
	xor	%eax, %eax
	cld
	rep stosq
	mov	%cr3, %r14		/* the runner's root, restored at the end */
	mov	%r14, %rsi
	and	$~0xfff, %rsi
	xor	%ebx, %ebx		/* ebx = space */
1:	mov	%rbx, %rdi
	shl	$12, %rdi
	lea	PML4S(%rdi), %r8
	lea	PDPTS(%rdi), %r9
	lea	PDS(%rdi), %r10
	lea	PTS(%rdi), %r11
	mov	(%rsi), %rax		/* PML4[0]: the identity map */
	mov	%rax, (%r8)
	lea	3(%r9), %rax
	mov	%rax, 8(%r8)		/* PML4[1] -> own PDPT */
	lea	3(%r10), %rax
	mov	%rax, (%r9)		/* PDPT[0] -> own PD */
	lea	3(%r11), %rax
	mov	%rax, (%r10)		/* PD[0] -> own PT */
	mov	%rbx, %rax
	shl	$16, %rax
	add	$(DATA + 3), %rax	/* PT[0..15] -> 16 private pages */
	xor	%ecx, %ecx
2:	mov	%rax, (%r11,%rcx,8)
	add	$0x1000, %rax
	inc	%ecx
	cmp	$16, %ecx
	jb	2b
	inc	%ebx
	cmp	$NR_AS, %ebx
	jb	1b

	TSC_START
	xor	%r13d, %r13d		/* round */
3:	mov	%r13, %rdx
	and	$15, %rdx
	shl	$12, %rdx
	mov	$PRIV_VA, %rax
	add	%rax, %rdx		/* rdx = this round's private page */
	mov	$PML4S, %rax
	mov	$NR_AS, %ecx
4:	mov	%rax, %cr3
	mov	%r13, (%rdx)
	add	$0x1000, %rax
	loop	4b
	inc	%r13d
	cmp	$ROUNDS, %r13d
	jb	3b
	TSC_STOP
	mov	%r14, %cr3
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
