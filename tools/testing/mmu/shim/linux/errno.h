/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: uapi errno values plus the kernel-internal ones. */
#ifndef SVX_SHIM_LINUX_ERRNO_H
#define SVX_SHIM_LINUX_ERRNO_H

#include_next <linux/errno.h>

#ifndef ENOTSUPP
#define ENOTSUPP	524
#endif

#endif
