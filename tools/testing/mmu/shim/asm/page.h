/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: 4 KiB pages, as on x86. */
#ifndef SVX_SHIM_ASM_PAGE_H
#define SVX_SHIM_ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#endif
