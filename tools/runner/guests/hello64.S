/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello64: 64-bit long mode (svxrun --mode long64: the runner builds
 * identity-mapped page tables with 2 MiB pages).  Prints a greeting, writes
 * a pattern to 64 pages straddling the 2 MiB page boundary at 0x400000,
 * reads it back, prints the result and halts (status 0); on a mismatch
 * writes 1 to the debug-exit port (status 3).
 */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define AREA		0x3e0000
#define NR_PAGES	64
#define PATTERN		0x5a5aa5a5c3c33c3c

	.code64
	.text
	.globl _start
_start:
	/* prove we run 64-bit code: a 64-bit register round trip */
	mov	$0x123456789abcdef0, %rax
	mov	%rax, %rbx
	shr	$32, %rbx
	cmp	$0x12345678, %ebx
	jne	fail

	call	uart_init
	lea	msg_hello(%rip), %rsi
	call	puts

	mov	$PATTERN, %r8
	mov	$AREA, %rdi
	mov	$NR_PAGES, %ecx
1:	mov	%rdi, %rax
	xor	%r8, %rax
	mov	%rax, (%rdi)
	not	%rax
	mov	%rax, 0xff8(%rdi)
	add	$0x1000, %rdi
	loop	1b

	mov	$AREA, %rdi
	mov	$NR_PAGES, %ecx
2:	mov	%rdi, %rax
	xor	%r8, %rax
	cmp	%rax, (%rdi)
	jne	fail
	not	%rax
	cmp	%rax, 0xff8(%rdi)
	jne	fail
	add	$0x1000, %rdi
	loop	2b

	lea	msg_ok(%rip), %rsi
	call	puts
	hlt

fail:
	lea	msg_fail(%rip), %rsi
	call	puts
	mov	$1, %al
	out	%al, $DEBUG_EXIT
	hlt

#define AX	%rax
#define DX	%rdx
#define UART_INIT
#include "uart.h"

msg_hello:
	.asciz	"Hello from a shadowvmx guest (long64)\n"
msg_ok:
	.asciz	"memory: 64 pages at 0x3e0000 written and read back: OK\n"
msg_fail:
	.asciz	"memory: pattern mismatch: FAIL\n"
