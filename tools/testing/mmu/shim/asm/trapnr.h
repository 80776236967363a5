/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the exception vectors mmu/ injects. */
#ifndef SVX_SHIM_ASM_TRAPNR_H
#define SVX_SHIM_ASM_TRAPNR_H

#define X86_TRAP_DF	8
#define X86_TRAP_GP	13
#define X86_TRAP_PF	14

#endif
