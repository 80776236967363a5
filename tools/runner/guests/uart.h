/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COM1 helpers of the demo guests, included where they go (asm, through
 * cpp).  The includer defines COM1 and, for its code size, AX and DX (the
 * registers puts saves: %eax/%edx or %rax/%rdx), and UART_INIT to get
 * uart_init too.  puts takes the string in %esi / %rsi.
 */
#ifdef UART_INIT
/* 8250/16550 init: 115200 8N1, FIFOs on, no interrupts */
uart_init:
	mov	$COM1 + 1, %dx
	xor	%al, %al
	out	%al, %dx		/* IER = 0 */
	mov	$COM1 + 3, %dx
	mov	$0x80, %al
	out	%al, %dx		/* LCR: DLAB */
	mov	$COM1 + 0, %dx
	mov	$1, %al
	out	%al, %dx		/* DLL = 1 (115200) */
	mov	$COM1 + 1, %dx
	xor	%al, %al
	out	%al, %dx		/* DLM = 0 */
	mov	$COM1 + 3, %dx
	mov	$0x03, %al
	out	%al, %dx		/* LCR: 8N1, DLAB off */
	mov	$COM1 + 2, %dx
	mov	$0xc7, %al
	out	%al, %dx		/* FCR */
	mov	$COM1 + 4, %dx
	mov	$0x0b, %al
	out	%al, %dx		/* MCR: DTR RTS OUT2 */
	ret
#endif

/* puts: poll LSR.THRE before each byte */
puts:
	push	AX
	push	DX
1:	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %ah
	mov	$COM1 + 5, %dx
2:	in	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	$COM1, %dx
	mov	%ah, %al
	out	%al, %dx
	jmp	1b
3:	pop	DX
	pop	AX
	ret
