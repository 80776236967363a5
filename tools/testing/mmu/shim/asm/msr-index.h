/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the EFER bits mmu/ reads. */
#ifndef SVX_SHIM_ASM_MSR_INDEX_H
#define SVX_SHIM_ASM_MSR_INDEX_H

#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NX		(1ULL << 11)

#endif
