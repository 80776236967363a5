/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmclock (core/kvmclock.c): KVM_GET/SET_CLOCK, the MSRs, the per-vCPU
 * pvclock record, KVM_CAP_ENFORCE_PV_FEATURE_CPUID.
 */
#ifndef SVX_CORE_KVMCLOCK_H
#define SVX_CORE_KVMCLOCK_H

#include "svx.h"

/* core/kvmclock.c */
void svx_kvmclock_init(void);
void svx_kvmclock_exit(void);
long svx_kvmclock_caps(void);
void svx_kvmclock_vm_init(struct svx_vm *vm);
void svx_kvmclock_tsc_changed(struct svx_vcpu *vcpu);
long svx_vm_get_clock(struct svx_vm *vm, void __user *argp);
long svx_vm_set_clock(struct svx_vm *vm, void __user *argp);
bool svx_kvmclock_is_msr(u32 index);
int svx_kvmclock_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data);
int svx_kvmclock_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data,
			 bool host);
void svx_kvmclock_update(struct svx_vcpu *vcpu);
s64 svx_kvmclock_base_ns(void);
u64 svx_kvmclock_ns(struct svx_vm *vm);
void svx_kvmclock_masterclock_update(struct svx_vm *vm);
long svx_vcpu_device_attr(struct svx_vcpu *vcpu, unsigned int ioctl,
			  void __user *argp);
long svx_vcpu_enable_cap(struct svx_vcpu *vcpu, void __user *argp);
bool svx_guest_pv_has(struct svx_vcpu *vcpu, unsigned int feature);

#endif /* SVX_CORE_KVMCLOCK_H */
