/* SPDX-License-Identifier: GPL-2.0 */
/* Scenario guests: entry and interrupt stubs (64-bit). */
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	mov	$0x80000, %rsp
	call	main
1:	hlt
	jmp	1b

	.text
/* stubs push a vector (and a 0 error code when the CPU pushes none) */
.macro STUB n, err
	.globl isr\n
isr\n:
	.if \err == 0
	push	$0
	.endif
	push	$\n
	jmp	isr_common
.endm
	STUB 13, 1
	STUB 14, 1
	STUB 6, 0
	STUB 0x25, 0
	STUB 0x80, 0

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	isr_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq

/* enter_user(rip, rsp): ring 3, IOPL 0, IF=0 (the TSS's I/O bitmap
 * lets it use the probe's and the UART's ports) */
	.globl enter_user
enter_user:
	push	$0x1b
	push	%rsi
	push	$0x0002
	push	$0x23
	push	%rdi
	iretq
