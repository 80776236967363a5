// SPDX-License-Identifier: GPL-2.0
/* Userspace shim: out-of-line parts of the kernel API substitutes. */
#include <stdarg.h>
#include <stdio.h>
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/slab.h>

unsigned long svx_shim_warnings;
long svx_shim_allocs;

void svx_shim_warn(const char *file, int line, const char *cond)
{
	svx_shim_warnings++;
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}

unsigned long svx_shim_printks;
bool svx_shim_quiet;

/* pr_warn() and friends: counted, printed unless svx_shim_quiet. */
int svx_shim_printk(const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	svx_shim_printks++;
	if (!svx_shim_quiet) {
		va_start(ap, fmt);
		n = vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	return n;
}
