/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: struct svx_vm embeds one; the simulator registers none. */
#ifndef SVX_SHIM_LINUX_MMU_NOTIFIER_H
#define SVX_SHIM_LINUX_MMU_NOTIFIER_H

struct mmu_notifier {
	const void *ops;
};

#endif
