/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the handful of <linux/kernel.h> helpers mmu/ may use. */
#ifndef SVX_SHIM_LINUX_KERNEL_H
#define SVX_SHIM_LINUX_KERNEL_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bug.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))

#endif
