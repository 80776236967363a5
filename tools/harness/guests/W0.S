/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W0: baseline.  Measures nothing (two back-to-back TSC reads) and prints
 * the result: its exits are the fixed cost of every harness guest (runner
 * start, the first faults on the code/stack pages, the cycles line, hlt);
 * run.sh subtracts them from W1, W3..W6.
 */
#include "harness.h"

	.code64
	.text
	.globl _start
_start:
	TSC_START
	TSC_STOP
	PRINT_CYCLES
	hlt
	HARNESS_TAIL
