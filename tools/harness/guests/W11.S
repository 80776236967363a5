/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W11: CR0.WP and SMAP.  Setup (not measured): CPUID.(7,0):EBX.SMAP must
 * be set (else debug exit, status 5); entry 1 of the runner's PML4 gets a
 * PDPT, a PD and a PT of its own (every level U=1) mapping NPAGES user
 * pages at VA: the even ones read-only (P|U|A), the odd ones writable
 * (P|W|U|A|D); then CR4.SMAP = 1.  Measured, ITERS times:
 *
 *	stac
 *	CR0.WP = 0
 *	store to a read-only user page (allowed: supervisor, WP=0, AC=1)
 *	CR0.WP = 1
 *	store to a writable user page
 *	clac
 *
 * 2 * ITERS CR0 writes (each exits on every configuration: kvm_intel of
 * 6.1 does not give CR0.WP to the guest), and whatever the hypervisor
 * does with its translations when WP changes: a shadow-paging hypervisor
 * must not let a supervisor write through a read-only user page with WP=1
 * and must let it through with WP=0 (KVM's shadow MMU keys its shadow
 * pages on CR0.WP; EPT: nothing).  Checked after the measurement, through
 * the runner's identity map: every read-only page holds what the last
 * store through its user mapping wrote (else debug exit, status 7).
 * Cycles: per iteration.
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		500
#endif
#ifndef NPAGES
#define NPAGES		16		/* even: half read-only */
#endif
#define PDPT		0x5fd000
#define PD		0x5fe000
#define PT		0x5ff000
#define DATA		0xe00000	/* NPAGES pages */
#define VA		0x8000000000
#define PTE_RO		0x25		/* P | U | A */
#define PTE_RW		0x67		/* P | W | U | A | D */
#define PTE_TABLE	0x7		/* P | W | U */
#define CR0_WP		(1 << 16)
#define CR4_SMAP	(1 << 21)

	.code64
	.text
	.globl _start
_start:
	mov	$7, %eax
	xor	%ecx, %ecx
	cpuid
	bt	$20, %ebx		/* SMAP */
	jc	1f
	mov	$2, %al
	out	%al, $DEBUG_EXIT
1:	mov	$PDPT, %rdi
	mov	$(3 * 0x1000 / 8), %ecx
	xor	%eax, %eax
	cld
	rep stosq
	mov	$DATA, %rdi
	mov	$(NPAGES * 0x1000 / 8), %ecx
	rep stosq
	mov	%cr3, %rsi
	and	$~0xfff, %rsi
	movq	$(PDPT + PTE_TABLE), 8(%rsi)
	movq	$(PD + PTE_TABLE), PDPT
	movq	$(PT + PTE_TABLE), PD
	xor	%ecx, %ecx
2:	mov	%rcx, %rax
	shl	$12, %rax
	add	$DATA, %rax
	mov	$PTE_RO, %edx
	test	$1, %ecx
	jz	3f
	mov	$PTE_RW, %edx
3:	or	%rdx, %rax
	mov	%rax, PT(,%rcx,8)
	inc	%ecx
	cmp	$NPAGES, %ecx
	jb	2b
	mov	%cr3, %rax
	mov	%rax, %cr3		/* flush: PML4[1] is new */
	mov	%cr4, %rax
	or	$CR4_SMAP, %eax
	mov	%rax, %cr4
	mov	%cr0, %r14
	mov	%r14, %r15
	and	$~CR0_WP, %r14		/* r14: WP=0, r15: WP=1 */
	or	$CR0_WP, %r15
	mov	$VA, %rbx

	TSC_START
	xor	%r13d, %r13d		/* iteration */
4:	mov	%r13d, %eax
	and	$(NPAGES / 2 - 1), %eax
	shl	$13, %eax		/* page 2k: read-only; 2k+1 writable */
	stac
	mov	%r14, %cr0
	mov	%r13, (%rbx,%rax)
	mov	%r15, %cr0
	mov	%r13, 0x1000(%rbx,%rax)
	clac
	inc	%r13d
	cmp	$ITERS, %r13d
	jb	4b
	TSC_STOP
	mov	%rax, %r12

	/* read-only page 2k holds the last iteration i with i % (NPAGES/2)
	 * == k: i = k + (NPAGES/2) * floor((ITERS - 1 - k) / (NPAGES/2)) */
	xor	%ecx, %ecx
5:	mov	$(ITERS - 1), %eax
	sub	%ecx, %eax
	jb	6f			/* never written (ITERS < NPAGES/2) */
	xor	%edx, %edx
	mov	$(NPAGES / 2), %esi
	div	%esi
	imul	$(NPAGES / 2), %eax
	add	%ecx, %eax
	mov	%ecx, %edi
	shl	$13, %edi
	cmp	DATA(%rdi), %rax
	je	6f
	mov	$3, %al
	out	%al, $DEBUG_EXIT
6:	inc	%ecx
	cmp	$(NPAGES / 2), %ecx
	jb	5b

	mov	%r12, %rax
	xor	%edx, %edx
	mov	$ITERS, %ecx
	div	%rcx			/* per iteration */
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
