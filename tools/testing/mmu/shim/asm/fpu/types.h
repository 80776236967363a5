/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: include/svx.h points to a struct fxregs_state and embeds
 * the guest's fpstate handle (x86/fpu.c); the MMU never touches either.
 */
#ifndef SVX_SHIM_ASM_FPU_TYPES_H
#define SVX_SHIM_ASM_FPU_TYPES_H
struct fxregs_state;
struct fpstate;
struct fpu_guest {
	unsigned long long xfeatures;
	unsigned long long perm;
	unsigned long long xfd_err;
	unsigned int uabi_size;
	struct fpstate *fpstate;
};
#endif
