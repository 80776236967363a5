/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hyper-V enlightenments (core/hyperv.c), as KVM 6.1's hyperv.h.
 */
#ifndef SVX_CORE_HYPERV_H
#define SVX_CORE_HYPERV_H

#include "svx.h"

void svx_hv_vm_init(struct svx_vm *vm);
void svx_hv_vcpu_init(struct svx_vcpu *vcpu, u32 vp_index);
void svx_hv_after_set_cpuid(struct svx_vcpu *vcpu);
long svx_hv_enable_enforce_cpuid(struct svx_vcpu *vcpu, u64 arg);
long svx_hv_get_supported_cpuid(struct svx_vcpu *vcpu, void __user *argp);
bool svx_hv_is_msr(u32 index);
int svx_hv_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool host);
int svx_hv_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data, bool host);
void svx_hv_request_tsc_page_update(struct svx_vm *vm);
struct pvclock_vcpu_time_info;
void svx_hv_setup_tsc_page(struct svx_vcpu *vcpu,
			   const struct pvclock_vcpu_time_info *hv_clock);
bool svx_hv_hypercall_enabled(struct svx_vcpu *vcpu);
int svx_hv_hypercall(struct svx_vcpu *vcpu, bool longmode);
void svx_hv_hypercall_complete(struct svx_vcpu *vcpu, bool longmode);
void svx_hv_syndbg_complete(struct svx_vcpu *vcpu);
void svx_hv_vm_destroy(struct svx_vm *vm);
long svx_hv_eventfd(struct svx_vm *vm, void __user *argp);
/* SynIC */
long svx_hv_activate_synic(struct svx_vcpu *vcpu, bool dont_zero_pages);
void svx_hv_fill_exit(struct svx_vcpu *vcpu);
/* irq_lock held: */
int svx_hv_synic_set_irq(struct svx_vm *vm, u32 vpidx, u32 sint);
void svx_hv_set_sint_gsi(struct svx_vm *vm, u32 vpidx, u32 sint, int gsi);
void svx_hv_synic_eoi(struct svx_vcpu *vcpu, int vector);
/* the synthetic timers */
void svx_hv_process_stimers(struct svx_vcpu *vcpu);
bool svx_hv_has_stimer_pending(struct svx_vcpu *vcpu);
void svx_hv_vcpu_destroy(struct svx_vcpu *vcpu);

#endif /* SVX_CORE_HYPERV_H */
