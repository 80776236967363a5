/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: struct fxregs_state is only pointed to by include/svx.h. */
#ifndef SVX_SHIM_ASM_FPU_TYPES_H
#define SVX_SHIM_ASM_FPU_TYPES_H
struct fxregs_state;
#endif
