/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr3sw64: address-space switches (svxrun --mode long64).  Copies the
 * runner's PML4 to 0x300000 (a second root sharing the lower levels), then
 * switches CR3 between the two 1000 times each way and halts (runner exit
 * status 0).  With --stats: CR3 loads exit under shadow paging (and
 * kvm_intel ept=0), not under EPT.
 */
#define NEW_ROOT	0x300000
#define ROUNDS		1000

	.code64
	.text
	.globl _start
_start:
	mov	%cr3, %rbx
	mov	%rbx, %rsi
	and	$~0xfff, %rsi
	mov	$NEW_ROOT, %rdi
	mov	$512, %ecx
	rep movsq
	mov	$NEW_ROOT, %rdx
	mov	$ROUNDS, %ecx
1:	mov	%rdx, %cr3
	mov	%rbx, %cr3
	loop	1b
	hlt
