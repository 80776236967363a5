/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT mode, the MMU side: the interface of mmu/ept.c (EPT tables, EPT
 * violations, the paging-mode ioctls) to the rest of the module.  The VMX
 * side (capabilities, VMCS controls, VPID, INVEPT/INVVPID) is
 * vmx/vmx_ept.h.
 */
#ifndef SVX_MMU_EPT_H
#define SVX_MMU_EPT_H

#include <linux/types.h>

struct svx_vm;
struct svx_vcpu;
struct svx_walk_trace;

/* vmx/vmx_ept.c: the module parameter ept= and SVX_GET_CAPS */
int svx_ept_init(void);
u32 svx_ept_default_paging(void);
long svx_ept_get_caps(void __user *argp);

/* mmu/ept.c */
int svx_ept_vm_init(struct svx_vm *vm);
void svx_ept_vm_destroy(struct svx_vm *vm);
long svx_ept_set_paging(struct svx_vm *vm, unsigned long mode);
/*
 * EPT violation at @gpa, @error_code SVX_ACC_WRITE / SVX_ACC_FETCH as
 * vmx/ decoded it; EPT misconfiguration at @gpa.  SVX_RESUME, SVX_USER,
 * -errno, or SVX_EMULATE: an MMIO access, for the exit handler to emulate.
 */
int svx_ept_page_fault(struct svx_vcpu *vcpu, u64 gpa, u32 error_code);
int svx_ept_misconfig(struct svx_vcpu *vcpu, u64 gpa);
void svx_ept_zap_all(struct svx_vm *vm);
void svx_ept_memslots_changed(struct svx_vm *vm, u64 gen);
void svx_ept_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end);
/* Dirty logging: clear W in @gfn's leaf; mmu_lock held; true: INVEPT. */
bool svx_ept_write_protect_gfn(struct svx_vm *vm, u64 gfn);
u64 svx_ept_trace(struct svx_vm *vm, u64 gpa, struct svx_walk_trace *t);

#endif /* SVX_MMU_EPT_H */
