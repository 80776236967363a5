/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W8: CPUID loop.  ITERS CPUID (leaf 1) instructions: each is one VM exit
 * the hypervisor handles in the kernel and resumes from.  The cycles
 * printed are per iteration (total / ITERS): on Bochs (one TSC tick per
 * emulated instruction) the instructions of one CPUID round trip through
 * L1, plus the 3 others of the loop (mov, dec, jnz).
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		1000
#endif

	.code64
	.text
	.globl _start
_start:
	TSC_START			/* clobbers rdx */
	mov	$ITERS, %r13d
1:	mov	$1, %eax
	cpuid
	dec	%r13d
	jnz	1b
	TSC_STOP
	xor	%edx, %edx
	mov	$ITERS, %ecx
	div	%rcx			/* per iteration */
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
