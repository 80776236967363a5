/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: BIT(), BIT_ULL(), GENMASK() and GENMASK_ULL(). */
#ifndef SVX_SHIM_LINUX_BITS_H
#define SVX_SHIM_LINUX_BITS_H

#define BIT(nr)			(1UL << (nr))
#define BIT_ULL(nr)		(1ULL << (nr))
#define GENMASK(h, l)		(((~0UL) - (1UL << (l)) + 1) & \
				 (~0UL >> (8 * sizeof(long) - 1 - (h))))
#define GENMASK_ULL(h, l)	(((~0ULL) - (1ULL << (l)) + 1) & \
				 (~0ULL >> (63 - (h))))

#endif
