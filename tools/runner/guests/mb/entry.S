/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbirq entry: multiboot v1 header, own GDT, stack, then mb_main(magic,
 * info).  Interrupt stubs save the registers and call the C handlers.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	mov	$0x10, %cx
	mov	%cx, %ds
	mov	%cx, %es
	mov	%cx, %ss
	mov	%cx, %fs
	mov	%cx, %gs
	mov	$stack_top, %esp
	push	%ebx
	push	%eax
	call	mb_main
	cli
2:	hlt
	jmp	2b

/*
 * Return with IRET, or -- when the C code set use_lret ("noiret" on the
 * command line) -- with STI; LRET $4, which is equivalent here (same
 * privilege, the interrupted code ran with IF=1).  For hosts that emulate
 * ring-0 guest code with KVM's instruction emulator, whose IRET handles
 * real mode only (kvm_pvm).
 */
	.macro	stub name, handler
	.globl \name
\name:
	pushal
	cld
	call	\handler
	popal
	cmpb	$0, use_lret
	jne	1f
	iret
1:	sti
	lret	$4
	.endm

	stub	irq0_stub, irq0_handler
	stub	irq4_stub, irq4_handler
	stub	spurious_stub, spurious_handler

	.globl exc_stub
exc_stub:
	cld
	call	exception_handler	/* does not return */

	.data
	.align 8
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code, flat */
	.quad	0x00cf93000000ffff	/* 0x10 data, flat */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.bss
	.align 16
	.space	8192
stack_top:
