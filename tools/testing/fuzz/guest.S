/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's tiny guest: 32-bit flat protected mode, loaded at GPA 0x1000
 * of slot 0 (64 KiB at GPA 0).  Position-dependent only through constant
 * GPAs.  Each loop iteration does one of:
 *   0 touch main-slot memory (0x8000-0xefff)      1 OUT to port 0x80
 *   2 MMIO write + read at 0xd0000000             3 paging round (below)
 *   4 HLT                                         5 touch the data slots
 *   6 CPUID                                       7 touch + rep movs
 * The paging round writes its own 32-bit tables (PD 0x4000, PT 0x5000 for
 * 0-0x13ffff, PT 0x6000 for 0xd0000000), turns CR0.PG on, remaps a page by
 * writing a live PTE, INVLPGs it, does MMIO and data-slot accesses through
 * the tables, reloads CR3 and turns paging off again.  Data slots (GPA
 * 0x100000-0x13ffff) may be deleted or moved by the host at any time: the
 * accesses then become MMIO exits.
 */
	.section .rodata
	.globl fuzz_guest_start, fuzz_guest_end
	.code32
fuzz_guest_start:
	mov	$0xf000, %esp
	xor	%esi, %esi
1:	inc	%esi
	mov	%esi, %eax
	and	$7, %eax
	cmp	$1, %eax
	je	10f
	cmp	$2, %eax
	je	20f
	cmp	$3, %eax
	je	30f
	cmp	$4, %eax
	je	40f
	cmp	$5, %eax
	je	50f
	cmp	$6, %eax
	je	60f
	cmp	$7, %eax
	je	70f
	/* 0: touch */
	mov	%esi, %ebx
	shl	$6, %ebx
	and	$0x6ffc, %ebx
	add	$0x8000, %ebx
	mov	%esi, (%ebx)
	jmp	1b
10:	out	%al, $0x80
	jmp	1b
20:	mov	$0xd0000000, %ebx
	mov	%esi, (%ebx)
	mov	(%ebx), %eax
	jmp	1b
30:	mov	$0x5000, %edi
	mov	$3, %eax
	mov	$0x140, %ecx
31:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$4, %edi
	loop	31b
	movl	$0x5003, 0x4000
	movl	$0x6003, 0x4d00
	movl	$0xd0000003, 0x6000
	mov	$0x4000, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
	movl	%esi, 0x9000
	movl	$0xa003, 0x5024
	invlpg	0x9000
	mov	0x9000, %eax
	movl	$0x9003, 0x5024
	invlpg	0x9000
	mov	0x9000, %eax
	mov	$0xd0000000, %ebx
	mov	%esi, (%ebx)
	movl	%esi, 0x100000
	mov	0x120000, %eax
	mov	%cr3, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	and	$0x7fffffff, %eax
	mov	%eax, %cr0
	jmp	1b
40:	hlt
	jmp	1b
50:	mov	%esi, %ebx
	shl	$4, %ebx
	and	$0x3fffc, %ebx
	add	$0x100000, %ebx
	mov	%esi, (%ebx)
	jmp	1b
60:	push	%esi
	xor	%eax, %eax
	cpuid
	pop	%esi
	jmp	1b
70:	push	%esi
	mov	$0x8000, %esi
	mov	$0x100800, %edi
	mov	$16, %ecx
	cld
	rep	movsl
	pop	%esi
	jmp	1b
fuzz_guest_end:
	.code64
	.section .note.GNU-stack, "", @progbits
