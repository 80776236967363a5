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
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define max_t(t, a, b)		max((t)(a), (t)(b))

/* Warnings from mmu/ go to stderr, counted like WARN_ON() (shim.c). */
extern unsigned long svx_shim_printks;
extern bool svx_shim_quiet;
int svx_shim_printk(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
#ifndef pr_fmt
#define pr_fmt(fmt)		fmt
#endif
#define pr_warn(fmt, ...)	svx_shim_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...) \
	svx_shim_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)	svx_shim_printk(pr_fmt(fmt), ##__VA_ARGS__)

#endif
