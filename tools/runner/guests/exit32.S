/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exit32: the debug-exit convention (prot32).  Prints a line, then writes
 * 0x2a to port 0xf4: svxrun exits with status (0x2a << 1) | 1 = 85.  The
 * hlt after it must never be reached.
 */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4

	.code32
	.text
	.globl _start
_start:
	mov	$msg, %esi
	mov	$COM1, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:	mov	$0x2a, %al
	out	%al, $DEBUG_EXIT
	hlt

msg:
	.asciz	"exit32: writing 0x2a to port 0xf4\n"
