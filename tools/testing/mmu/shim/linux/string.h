/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: memcpy, memset, memcmp, strlen ... from libc. */
#ifndef SVX_SHIM_LINUX_STRING_H
#define SVX_SHIM_LINUX_STRING_H

#include <string.h>

#endif
