/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devices32: the runner's I/O conventions (prot32).
 *   - unknown port 0x6f0: byte/word/dword reads return all ones, writes are
 *     ignored (the runner logs the port once on stderr);
 *   - string I/O: REP OUTSB to the UART (one exit, count > 1) and REP INSB
 *     from an unknown port (all 0xff);
 *   - UART scratch register reads back what was written, LSR reads 0x60;
 *   - MMIO at 0xd0000000 (outside guest RAM): write ignored, read returns all ones.
 * Each check prints "<name>: OK"; a failing one prints "<name>: FAIL" and
 * writes 1 to the debug-exit port (status 3).  All passed: hlt (status 0).
 */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define UNKNOWN		0x6f0
#define MMIO_ADDR	0xd0000000
#define BUF		0x300000

	.code32
	.text
	.globl _start
_start:
	/* unknown port */
	mov	$UNKNOWN, %dx
	mov	$0x55, %al
	out	%al, %dx
	in	%dx, %al
	cmp	$0xff, %al
	jne	fail_port
	mov	$0x1234, %ax
	out	%ax, %dx
	in	%dx, %ax
	cmp	$0xffff, %ax
	jne	fail_port
	xor	%eax, %eax
	in	%dx, %eax
	cmp	$0xffffffff, %eax
	jne	fail_port
	mov	$msg_port, %esi
	call	puts_ok

	/* REP OUTSB to the UART's THR */
	mov	$msg_outs, %esi
	mov	$msg_outs_end - msg_outs, %ecx
	mov	$COM1, %dx
	cld
	rep	outsb

	/* REP INSB from the unknown port into a zeroed buffer */
	mov	$BUF, %edi
	mov	$16, %ecx
	xor	%al, %al
	rep	stosb
	mov	$BUF, %edi
	mov	$16, %ecx
	mov	$UNKNOWN, %dx
	rep	insb
	mov	$BUF, %esi
	mov	$16, %ecx
1:	lodsb
	cmp	$0xff, %al
	jne	fail_ins
	loop	1b
	mov	$msg_ins, %esi
	call	puts_ok

	/* UART scratch register and LSR */
	mov	$COM1 + 7, %dx
	mov	$0xa5, %al
	out	%al, %dx
	xor	%al, %al
	in	%dx, %al
	cmp	$0xa5, %al
	jne	fail_uart
	mov	$COM1 + 5, %dx
	in	%dx, %al
	cmp	$0x60, %al
	jne	fail_uart
	mov	$msg_uart, %esi
	call	puts_ok

	/* MMIO outside RAM */
	movl	$0x12345678, MMIO_ADDR
	movl	$0xdeadbeef, %eax
	movl	MMIO_ADDR, %eax
	cmp	$0xffffffff, %eax
	jne	fail_mmio
	mov	$msg_mmio, %esi
	call	puts_ok

	hlt

fail_port:
	mov	$msg_port, %esi
	jmp	fail
fail_ins:
	mov	$msg_ins, %esi
	jmp	fail
fail_uart:
	mov	$msg_uart, %esi
	jmp	fail
fail_mmio:
	mov	$msg_mmio, %esi
fail:
	call	puts
	mov	$msg_fail, %esi
	call	puts
	mov	$1, %al
	out	%al, $DEBUG_EXIT
	hlt

puts_ok:
	call	puts
	mov	$msg_ok, %esi
	/* fall through */
#define AX	%eax
#define DX	%edx
#include "uart.h"

msg_port:
	.asciz	"unknown port 0x6f0: reads all ones, writes ignored"
msg_ins:
	.asciz	"string I/O: rep insb from unknown port"
msg_uart:
	.asciz	"uart: scratch register and LSR"
msg_mmio:
	.asciz	"mmio 0xd0000000: write ignored, read returns all ones"
msg_ok:
	.asciz	": OK\n"
msg_fail:
	.asciz	": FAIL\n"
msg_outs:
	.ascii	"string I/O: rep outsb to the uart: OK\n"
msg_outs_end:
