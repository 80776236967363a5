/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbexit: the smallest multiboot v1 guest QEMU's -kernel loads.
 * QEMU's multiboot option ROM enters it in 32-bit protected mode with EAX =
 * 0x2badb002 and EBX = the multiboot information.  It prints
 *   "mbexit: magic 2badb002 mem_upper <hex> KiB: ok"
 * on COM1 (polling the 16550's THRE bit) and leaves through isa-debug-exit
 * at port 0xf4 with 0x10 (QEMU exits with status 0x21), or with 0x01
 * (status 3) and "bad magic" when it was not entered by a multiboot loader.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000002	/* want memory information */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4

	.section .multiboot, "a"
	.align 4
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	mov	$stack_top, %esp
	mov	%eax, %ebp		/* the loader's magic */
	mov	%ebx, %edi		/* the multiboot information */
	mov	$msg_hello, %esi
	call	puts
	mov	%ebp, %eax
	call	putx
	cmp	$0x2badb002, %ebp
	jne	bad
	mov	$msg_mem, %esi
	call	puts
	mov	8(%edi), %eax		/* mem_upper (flags bit 0) */
	call	putx
	mov	$msg_ok, %esi
	call	puts
	mov	$0x10, %al
	outb	%al, $DEBUG_EXIT
	jmp	hang
bad:
	mov	$msg_bad, %esi
	call	puts
	mov	$0x01, %al
	outb	%al, $DEBUG_EXIT
hang:
	hlt
	jmp	hang

/* putc: the byte in %al to COM1 once the transmitter holds nothing */
putc:
	push	%edx
	push	%eax
	mov	$COM1 + 5, %dx
1:	inb	%dx, %al
	test	$0x20, %al
	jz	1b
	pop	%eax
	mov	$COM1, %dx
	outb	%al, %dx
	pop	%edx
	ret

/* puts: the NUL-terminated string at %esi */
puts:
	lodsb
	test	%al, %al
	jz	1f
	call	putc
	jmp	puts
1:	ret

/* putx: %eax as 8 hex digits */
putx:
	mov	$8, %ecx
	mov	%eax, %edx
1:	rol	$4, %edx
	mov	%edx, %eax
	and	$15, %eax
	movb	hex(%eax), %al
	call	putc
	loop	1b
	ret

	.section .rodata
hex:		.ascii	"0123456789abcdef"
msg_hello:	.asciz	"mbexit: magic "
msg_mem:	.asciz	" mem_upper "
msg_ok:		.asciz	" KiB: ok\r\n"
msg_bad:	.asciz	": bad magic\r\n"

	.bss
	.align 16
	.space	4096
stack_top:
