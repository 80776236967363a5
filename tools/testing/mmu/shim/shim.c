// SPDX-License-Identifier: GPL-2.0
/* Userspace shim: out-of-line parts of the kernel API substitutes. */
#include <stdio.h>
#include <linux/bug.h>

unsigned long svx_shim_warnings;

void svx_shim_warn(const char *file, int line, const char *cond)
{
	svx_shim_warnings++;
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}
