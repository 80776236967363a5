/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: struct idr, for the structs of include/svx.h. */
#ifndef SVX_SHIM_LINUX_IDR_H
#define SVX_SHIM_LINUX_IDR_H

struct idr {
	void *p;
};

#endif
