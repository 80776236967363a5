/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: container_of() as the kernel's <linux/container_of.h>. */
#ifndef SVX_SHIM_LINUX_CONTAINER_OF_H
#define SVX_SHIM_LINUX_CONTAINER_OF_H

#include <stddef.h>

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif
