/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W13: port I/O round trips to user space.  ITERS 32-bit INs from port
 * 0xe0, the runner's scratch register (svxrun's board: it returns what
 * was last written there), set to PATTERN before the measurement: every IN
 * is a KVM_EXIT_IO to svxrun and back on every configuration.  Every value
 * read must be PATTERN (else debug exit, status 5).  Cycles: per round
 * trip.  (W6 is the OUT direction to a port nobody models.)
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		1000
#endif
#define SCRATCH		0xe0
#define PATTERN		0x13579bdf

	.code64
	.text
	.globl _start
_start:
	mov	$PATTERN, %eax
	out	%eax, $SCRATCH
	TSC_START			/* clobbers rdx */
	mov	$ITERS, %r13d
1:	in	$SCRATCH, %eax
	cmp	$PATTERN, %eax
	jne	2f
	dec	%r13d
	jnz	1b
	TSC_STOP
	xor	%edx, %edx
	mov	$ITERS, %ecx
	div	%rcx			/* per round trip */
	PRINT_CYCLES
	hlt
2:	mov	$2, %al
	out	%al, $DEBUG_EXIT
	hlt
	HARNESS_TAIL
