/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the mmu tests' <linux/types.h> (kernel integer types),
 * plus the attribute irqchip/irqchip.h uses.
 */
#ifndef SVX_PIT_SHIM_LINUX_TYPES_H
#define SVX_PIT_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>

#ifndef __aligned
#define __aligned(x)		__attribute__((__aligned__(x)))
#endif

#endif
