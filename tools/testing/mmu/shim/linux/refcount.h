/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: refcount_t, for the structs of include/svx.h. */
#ifndef SVX_SHIM_LINUX_REFCOUNT_H
#define SVX_SHIM_LINUX_REFCOUNT_H

typedef struct {
	int refs;
} refcount_t;

#endif
