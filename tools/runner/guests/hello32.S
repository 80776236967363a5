/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello32: 32-bit protected mode, paging off (svxrun --mode prot32).
 * Initialises COM1 like a simple polling driver, prints a greeting, writes
 * a pattern to 64 pages and reads it back, prints the result and halts
 * (runner exit status 0).  On a mismatch it writes 1 to the debug-exit
 * port (status 3).
 */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define AREA		0x200000
#define NR_PAGES	64
#define PATTERN		0x5a5aa5a5

	.code32
	.text
	.globl _start
_start:
	call	uart_init
	mov	$msg_hello, %esi
	call	puts

	/* write: first and last dword of each page depend on its address */
	mov	$AREA, %edi
	mov	$NR_PAGES, %ecx
1:	mov	%edi, %eax
	xor	$PATTERN, %eax
	mov	%eax, (%edi)
	not	%eax
	mov	%eax, 0xffc(%edi)
	add	$0x1000, %edi
	loop	1b

	/* read back */
	mov	$AREA, %edi
	mov	$NR_PAGES, %ecx
2:	mov	%edi, %eax
	xor	$PATTERN, %eax
	cmp	%eax, (%edi)
	jne	fail
	not	%eax
	cmp	%eax, 0xffc(%edi)
	jne	fail
	add	$0x1000, %edi
	loop	2b

	mov	$msg_ok, %esi
	call	puts
	hlt

fail:
	mov	$msg_fail, %esi
	call	puts
	mov	$1, %al
	out	%al, $DEBUG_EXIT
	hlt

#define AX	%eax
#define DX	%edx
#define UART_INIT
#include "uart.h"

msg_hello:
	.asciz	"Hello from a shadowvmx guest (prot32)\n"
msg_ok:
	.asciz	"memory: 64 pages at 0x200000 written and read back: OK\n"
msg_fail:
	.asciz	"memory: pattern mismatch: FAIL\n"
