/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W10: one physical page mapped at many GVAs, then write-protected and
 * unmapped (the reverse map's long chains, mmu/rmap.c).  Setup (not
 * measured): entry 1 of the runner's PML4 gets its own PDPT, a PD and
 * MAPS / 512 PTs for VA 0x8000000000; the page at PAGE holds, in its
 * entry 0, a PTE for DATA.  Measured: map PAGE writable (and dirty) at
 * MAPS consecutive GVAs, store through each; unmap them all (PTE store 0,
 * INVLPG); map and store again; make PAGE a page table (a PDE points at
 * it) and read through it, so that the hypervisor write-protects PAGE,
 * whose writable SPTEs are the MAPS mappings; unmap them all again.
 * Shadow paging: a fault per store, an exit per INVLPG, each mapping in
 * and out of the reverse map under PAGE's gfn.  EPT: nothing exits once
 * the EPT entries exist.
 */
#include "harness.h"

#ifndef MAPS
#define MAPS		16384
#endif
#define NPT		(MAPS / 512)
#define PDPT		0x5fe000
#define PD		0x5ff000
#define PT		0x600000	/* NPT pages */
#define PAGE		0xe00000	/* the page mapped MAPS times */
#define DATA		0xe01000
#define VA		0x8000000000
#define VA_PT		(VA + NPT * 0x200000)	/* through PAGE as a PT */
#define PTE_PWAD	0x63		/* P | W | A | D */

	.code64
	.text
	.globl _start
_start:
	mov	$PDPT, %rdi
	mov	$((2 + NPT) * 0x1000 / 8), %ecx
	xor	%eax, %eax
	cld
	rep stosq
	mov	$PAGE, %rdi
	mov	$(0x1000 / 8), %ecx
	rep stosq
	movq	$(DATA + 3), PAGE
	mov	%cr3, %rsi
	and	$~0xfff, %rsi
	movq	$(PDPT + 3), 8(%rsi)
	movq	$(PD + 3), PDPT
	xor	%ecx, %ecx
1:	mov	%rcx, %rax
	shl	$12, %rax
	add	$(PT + 3), %rax
	mov	%rax, PD(,%rcx,8)
	inc	%ecx
	cmp	$NPT, %ecx
	jb	1b
	mov	%cr3, %rax
	mov	%rax, %cr3		/* flush: PML4[1] is new */

	TSC_START
	call	map_all
	call	unmap_all
	call	map_all
	movq	$(PAGE + 3), PD + NPT * 8	/* PAGE becomes a PT */
	mov	$VA_PT, %rbx
	mov	(%rbx), %rax		/* read through it: DATA */
	call	unmap_all
	TSC_STOP
	PRINT_CYCLES
	hlt

/* Map PAGE at the MAPS GVAs and store through each (entry 256: 0). */
map_all:
	xor	%ecx, %ecx
	mov	$VA, %rbx
1:	movq	$(PAGE + PTE_PWAD), PT(,%rcx,8)
	movq	$0, 0x800(%rbx)
	add	$0x1000, %rbx
	inc	%ecx
	cmp	$MAPS, %ecx
	jb	1b
	ret

/* Unmap the MAPS GVAs: PTE store 0, INVLPG. */
unmap_all:
	xor	%ecx, %ecx
	mov	$VA, %rbx
1:	movq	$0, PT(,%rcx,8)
	invlpg	(%rbx)
	add	$0x1000, %rbx
	inc	%ecx
	cmp	$MAPS, %ecx
	jb	1b
	ret

	HARNESS_TAIL
