/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W1: first touch of NR_PAGES 4 KiB pages (one qword store each) at AREA,
 * which nothing touched before.  Shadow paging: one shadow fault per page
 * (plus shadow table pages); EPT: EPT violations (fewer with large EPT
 * pages).  With -DPASSES=2 this is W2: the same pass again, and only the
 * last pass's cycles are printed, so run.sh takes W2's exits as this run
 * minus the W1 run (the same guest up to the second pass).
 */
#include "harness.h"

#ifndef NR_PAGES
#define NR_PAGES	1024
#endif
#ifndef PASSES
#define PASSES		1
#endif
#define AREA		0x800000

	.code64
	.text
	.globl _start
_start:
	mov	$PASSES, %r13d
pass:
	TSC_START
	mov	$AREA, %rdi
	mov	$NR_PAGES, %ecx
1:	mov	%rcx, (%rdi)
	add	$0x1000, %rdi
	loop	1b
	TSC_STOP
	dec	%r13d
	jnz	pass
	PRINT_CYCLES			/* the last pass only */
	hlt
	HARNESS_TAIL
