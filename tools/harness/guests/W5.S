/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W5: MMIO loop.  ITERS times a 32-bit store and a 32-bit load at GPA
 * MMIO (outside every memslot; the identity map covers it).  svxrun's
 * model for it: logged once, writes ignored, reads all ones (not the
 * logged window 0xd1000000, which prints every access).  Every access is
 * one exit to userspace on every configuration.
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		500
#endif
#define MMIO		0xd0000000

	.code64
	.text
	.globl _start
_start:
	mov	$MMIO, %ebx
	TSC_START
	mov	$ITERS, %ecx
1:	mov	%ecx, (%rbx)
	mov	(%rbx), %eax
	loop	1b
	TSC_STOP
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
