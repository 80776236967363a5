/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W12: RDMSR/WRMSR loop.  ITERS times WRMSR then RDMSR of IA32_STAR
 * (0xc0000081), an MSR both hypervisors intercept and handle in the kernel
 * (kvm_intel: not in its pass-through list, a "user return" MSR loaded on
 * the way back to the host's user space; shadowvmx: no MSR bitmap, every
 * RDMSR/WRMSR exits): 2 * ITERS exits, the same count on every
 * configuration.  Every value read must be the one written (else debug
 * exit, status 5).  Cycles: per iteration (one WRMSR and one RDMSR).
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		500
#endif
#define MSR_STAR	0xc0000081
#define STAR_HI		0x00230010	/* SYSRET CS base 0x23, SYSCALL CS 0x10 */

	.code64
	.text
	.globl _start
_start:
	TSC_START			/* clobbers rdx */
	xor	%r13d, %r13d
1:	mov	$MSR_STAR, %ecx
	mov	%r13d, %eax
	mov	$STAR_HI, %edx
	wrmsr
	xor	%eax, %eax
	xor	%edx, %edx
	rdmsr
	cmp	%r13d, %eax
	jne	2f
	cmp	$STAR_HI, %edx
	jne	2f
	inc	%r13d
	cmp	$ITERS, %r13d
	jb	1b
	TSC_STOP
	xor	%edx, %edx
	mov	$ITERS, %ecx
	div	%rcx			/* per iteration */
	PRINT_CYCLES
	hlt
2:	mov	$2, %al
	out	%al, $DEBUG_EXIT
	hlt
	HARNESS_TAIL
