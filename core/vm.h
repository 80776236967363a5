/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What core/ offers vmx/, x86/ and mmu/'s host glue: guest memory by
 * GPA and GVA, pins, the dirty log, MMU notifiers, the MSR filter and
 * quirks.  core/'s own files share core.h.
 */
#ifndef SVX_CORE_VM_H
#define SVX_CORE_VM_H

#include "svx.h"

/* core/vm.c */
/* KVM's mark_page_dirty(): the module wrote @gfn for the guest (dirty log). */
void svx_mark_page_dirty(struct svx_vm *vm, u64 gfn);
void svx_mark_page_dirty_as(struct svx_vm *vm, int as, u64 gfn);
/* Guest-physical memory of address space @as (vmx/smm.c: SMRAM) */
int svx_guest_phys_as(struct svx_vm *vm, int as, u64 gpa, void *buf,
		      unsigned int len, bool write);
/*
 * core/mmu_host.c: svx_host_cmpxchg16_gpa() (mmu/mmu_host.h) in address
 * space @as (the emulator's cmpxchg16b in SMM)
 */
int svx_host_cmpxchg16_gpa_as(struct svx_vm *vm, int as, u64 gpa,
			      u64 old[2], const u64 new[2]);
int svx_pin_gfn(struct svx_vcpu *vcpu, const struct svx_memslot *s, u64 gfn,
		struct page **page);
bool svx_pins_allowed(struct svx_vm *vm, unsigned long n, bool warn);
int svx_write_guest_phys(struct svx_vm *vm, u64 gpa, const void *buf,
			 unsigned int len);
int svx_write_guest_nofault(struct svx_vm *vm, u64 gpa, const void *buf,
			    unsigned int len);
int svx_write_guest_for(struct svx_vcpu *vcpu, u64 gpa, const void *buf,
			unsigned int len);
int svx_read_guest_virt(struct svx_vcpu *vcpu, u64 gva, void *buf,
			unsigned int len);
int svx_write_guest_virt(struct svx_vcpu *vcpu, u64 gva, const void *buf,
			 unsigned int len);
struct svx_walk;
int svx_guest_virt_access(struct svx_vcpu *vcpu, u64 gva, void *buf,
			  unsigned int len, u32 access, struct svx_walk *fault);
void svx_vm_put(struct svx_vm *vm);

/* core/mmu_notifier.c */
int svx_mmu_notifier_register(struct svx_vm *vm);
void svx_mmu_notifier_unregister(struct svx_vm *vm);

/* core/msr_filter.c: KVM_X86_SET_MSR_FILTER, KVM_CAP_X86_USER_SPACE_MSR */
bool svx_msr_allowed(struct svx_vcpu *vcpu, u32 index, u32 type);
long svx_vm_set_msr_filter(struct svx_vm *vm, void __user *argp);
int svx_vm_enable_user_space_msr(struct svx_vm *vm, u64 mask);
bool svx_msr_exit_to_user(struct svx_vcpu *vcpu, u32 index, bool write,
			  u64 data, bool filtered);
void svx_msr_filter_destroy(struct svx_vm *vm);

/* core/quirks.c: KVM_CAP_DISABLE_QUIRKS(2), EXCEPTION_PAYLOAD, TRIPLE_FAULT_EVENT */
u64 svx_quirks_supported(void);
int svx_quirks_enable_cap(struct svx_vm *vm, const struct kvm_enable_cap *cap);
void svx_quirks_update_cpuid(struct svx_vcpu *vcpu,
			     struct kvm_cpuid_entry2 *e, int nent);
int svx_quirks_set_misc_enable(struct svx_vcpu *vcpu, u64 *msr, u64 data,
			       bool host);
int svx_quirks_monitor_mwait(struct svx_vcpu *vcpu);

#endif /* SVX_CORE_VM_H */
