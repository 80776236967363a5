/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W17: compute-bound.  ITERS rounds of a 4-instruction arithmetic loop with
 * interrupts enabled and no instruction that exits: every VM exit it takes
 * is the hypervisor's own (host interrupts, timers).  A hypervisor that
 * adds periodic exits of its own shows them here; kvm_intel takes only
 * the host's interrupts.  Cycles: the whole loop (Bochs: ~4 x ITERS
 * emulated instructions plus what the exits cost L1).
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		10000000
#endif

	.code64
	.text
	.globl _start
_start:
	sti
	TSC_START			/* clobbers rdx */
	xor	%eax, %eax
	mov	$ITERS, %ecx
1:	add	%rcx, %rax
	xor	$0x55, %rax
	dec	%ecx
	jnz	1b
	TSC_STOP
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
