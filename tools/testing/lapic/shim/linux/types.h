/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim for irqchip/: tools/testing/mmu/shim's <linux/types.h>
 * (u8 ... u64 on the uapi types) plus the attribute irqchip.h uses.
 */
#ifndef SVX_LAPIC_SHIM_LINUX_TYPES_H
#define SVX_LAPIC_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>

#ifndef __aligned
#define __aligned(x)		__attribute__((aligned(x)))
#endif

#endif
