/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: hash_64() as <linux/hash.h> has it. */
#ifndef SVX_SHIM_LINUX_HASH_H
#define SVX_SHIM_LINUX_HASH_H

#include <linux/types.h>

#define GOLDEN_RATIO_64 0x61C8864680B583EBull

static inline u32 hash_64(u64 val, unsigned int bits)
{
	return val * GOLDEN_RATIO_64 >> (64 - bits);
}

#endif
