/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: <linux/math64.h>'s mul_u64_u32_div(), exact (128-bit). */
#ifndef SVX_SHIM_LINUX_MATH64_H
#define SVX_SHIM_LINUX_MATH64_H

#include <linux/types.h>

static inline u64 mul_u64_u32_div(u64 a, u32 mul, u32 divisor)
{
	return (u64)((__uint128_t)a * mul / divisor);
}

#endif
