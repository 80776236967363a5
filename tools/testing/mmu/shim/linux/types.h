/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the kernel's fixed-width types on top of the uapi
 * <linux/types.h> (which provides __u8 ... __u64).
 */
#ifndef SVX_SHIM_LINUX_TYPES_H
#define SVX_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

typedef u64 gfn_t;
typedef u64 gpa_t;
typedef u64 gva_t;
typedef u64 hpa_t;
typedef u64 phys_addr_t;

#endif
