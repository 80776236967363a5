/* SPDX-License-Identifier: GPL-2.0 */
/* The CPUID policy (x86/cpuid.c): supported tables and per-vCPU limits. */
#ifndef SVX_X86_CPUID_H
#define SVX_X86_CPUID_H

#include <linux/types.h>

struct svx_vm;
struct svx_vcpu;
struct kvm_cpuid_entry2;

/*
 * Module load: svx_cpuid_init() takes the host's features the module can
 * deliver, the VMX code drops or adds what its controls decide with
 * svx_cpu_cap_clear()/svx_cpu_cap_set(), svx_cpuid_finalize() ends it.
 */
void svx_cpuid_init(void);
void svx_cpu_cap_clear(unsigned int feature);
void svx_cpu_cap_set(unsigned int feature);
void svx_cpuid_finalize(u64 cr4_supported);
long svx_cpuid_dev_ioctl(unsigned int ioctl, void __user *argp,
			 unsigned int modes);
long svx_cpuid_vm_get_supported(struct svx_vm *vm, void __user *argp);
void svx_cpuid_update_vcpu(struct svx_vcpu *vcpu);
bool svx_cpuid_has_tsc_aux(struct svx_vcpu *vcpu);
bool svx_cpuid_has_invpcid(struct svx_vcpu *vcpu);
bool svx_cpuid_has_tsc_adjust(struct svx_vcpu *vcpu);
int svx_cpuid_check(struct svx_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
		    int nent);
bool svx_cpuid_equal(struct svx_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
		     int nent);
void svx_cpuid_guest(struct svx_vcpu *vcpu, u32 function, u32 index,
		     u32 out[4]);
/* The guest's entry for (function, index) as set, or NULL (KVM's kvm_find_cpuid_entry()). */
const struct kvm_cpuid_entry2 *svx_cpuid_find(struct svx_vcpu *vcpu,
					      u32 function, u32 index);
bool svx_cpuid_cr4_valid(struct svx_vcpu *vcpu, u64 cr4);
bool svx_cpuid_efer_valid(struct svx_vcpu *vcpu, u64 efer);
u64 svx_cpuid_cr4_guest_rsvd(struct svx_vcpu *vcpu);

#endif /* SVX_X86_CPUID_H */
