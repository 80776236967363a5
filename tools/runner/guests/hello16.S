/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello16: real mode (svxrun --mode real16: natively with unrestricted
 * guest, in virtual-8086 mode under shadow paging and on kvm_intel ept=0).
 * Loaded at the default GPA
 * 0x100000, it runs at CS:IP = 0xfffc:0x40: it points DS at CS, prints a
 * line on COM1 and halts (runner exit status 0).
 */
#define COM1		0x3f8
#define ORG		0x40	/* IP of _start: 0x100000 - (0xfffc << 4) */

	.code16
	.text
	.globl _start
_start:
	mov	%cs, %ax
	mov	%ax, %ds
	mov	$(msg - _start + ORG), %si
	mov	$COM1, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:	hlt

msg:
	.asciz	"hello16: real mode\n"
