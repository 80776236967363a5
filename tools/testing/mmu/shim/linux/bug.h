/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: WARN_ON() and friends.  A warning prints where it fired
 * and counts in svx_shim_warnings (shim.c); the test runner fails a run
 * that warned and the fuzzer aborts on it.  BUG_ON() aborts.
 */
#ifndef SVX_SHIM_LINUX_BUG_H
#define SVX_SHIM_LINUX_BUG_H

#include <stdlib.h>
#include <linux/compiler.h>

extern unsigned long svx_shim_warnings;
void svx_shim_warn(const char *file, int line, const char *cond);

#define WARN_ON(cond) ({						\
	int __ret_warn = !!(cond);					\
	if (unlikely(__ret_warn))					\
		svx_shim_warn(__FILE__, __LINE__, #cond);		\
	unlikely(__ret_warn);						\
})
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define WARN_ONCE(cond, ...)	WARN_ON(cond)
#define BUG_ON(cond)		do { if (unlikely(cond)) abort(); } while (0)
#define BUG()			abort()

#endif
