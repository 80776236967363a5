/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: struct svx_vcpu has one (the in-kernel irqchip's). */
#ifndef SHIM_LINUX_RCUWAIT_H
#define SHIM_LINUX_RCUWAIT_H

struct rcuwait {
	void *task;
};

#endif
