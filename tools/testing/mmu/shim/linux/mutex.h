/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: struct mutex, for the structs of include/svx.h. */
#ifndef SVX_SHIM_LINUX_MUTEX_H
#define SVX_SHIM_LINUX_MUTEX_H

struct mutex {
	int held;
};

#endif
