/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W6: PIO loop.  ITERS byte OUTs to port PORT, which svxrun does not model
 * (logged once, ignored).  Every OUT is one exit to userspace.
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		1000
#endif
#define PORT		0x6f0

	.code64
	.text
	.globl _start
_start:
	TSC_START			/* clobbers rdx */
	mov	$PORT, %dx
	mov	$ITERS, %ecx
1:	out	%al, %dx
	loop	1b
	TSC_STOP
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
