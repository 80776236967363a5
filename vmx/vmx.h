/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vmx/ offers the rest of the module: vCPU creation and KVM_RUN,
 * register, MSR, event and debug state for core/'s ioctls, MMIO emulation
 * and the hypercall bookkeeping.  vmx/'s own files share vmx_int.h.
 */
#ifndef SVX_VMX_H
#define SVX_VMX_H

#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/smp.h>

#include "svx.h"

/* vmx/debugreg.c */
void svx_get_debugregs(struct svx_vcpu *vcpu, struct kvm_debugregs *d);
int svx_set_debugregs(struct svx_vcpu *vcpu, const struct kvm_debugregs *d);
int svx_set_guest_debug(struct svx_vcpu *vcpu,
			const struct kvm_guest_debug *dbg);
u32 svx_guestdbg_valid_mask(void);
unsigned long svx_debug_get_rflags(struct svx_vcpu *vcpu);
void svx_debug_set_rflags(struct svx_vcpu *vcpu, unsigned long rflags);

/* vmx/cpufeat.c: module load, after svx_cpuid_init() */
void svx_vmx_set_cpu_caps(void);

/* vmx/vmx.c */
int svx_vmx_init(void);
void svx_vmx_exit(void);
int svx_vmx_get(void);
void svx_vmx_put(void);
struct svx_vcpu *svx_vmx_vcpu_alloc(void);
void svx_vmx_vcpu_free(struct svx_vcpu *vcpu);
int svx_vcpu_init_vmx(struct svx_vcpu *vcpu);
void svx_vcpu_free_vmx(struct svx_vcpu *vcpu);
int svx_vcpu_run(struct svx_vcpu *vcpu);	/* vmx/run.c */
/* svx_kick_all() (mmu_host.h) for the vCPU indices in @vcpu_mask */
void svx_kick_vcpus(struct svx_vm *vm, int req, const unsigned long *vcpu_mask);
void __svx_vcpu_load(struct svx_vcpu *vcpu);
DECLARE_PER_CPU(struct svx_vcpu *, svx_current_vcpu);

/* The common case, checked without a call: current here already. */
static __always_inline bool svx_vcpu_loaded_here(struct svx_vcpu *vcpu)
{
	return likely(READ_ONCE(vcpu->cpu) == smp_processor_id() &&
		      this_cpu_read(svx_current_vcpu) == vcpu);
}

/*
 * The vCPU's VMCS current on this CPU until svx_vcpu_put(); inline, the
 * load itself (another VMCS current, or another CPU) out of line.
 */
static inline void svx_vcpu_load(struct svx_vcpu *vcpu)
{
	preempt_disable();
	if (!svx_vcpu_loaded_here(vcpu))
		__svx_vcpu_load(vcpu);
}

static inline void svx_vcpu_put(struct svx_vcpu *vcpu)
{
	preempt_enable();
}

/* vmx/regs.c: KVM_{GET,SET}_{REGS,SREGS}, a SIPI */
void svx_get_regs(struct svx_vcpu *vcpu, struct kvm_regs *regs);
void svx_set_regs(struct svx_vcpu *vcpu, const struct kvm_regs *regs);
void svx_get_sregs(struct svx_vcpu *vcpu, struct kvm_sregs *sregs);
int svx_set_sregs(struct svx_vcpu *vcpu, const struct kvm_sregs *sregs);
void svx_vcpu_deliver_sipi(struct svx_vcpu *vcpu, u8 vector);

/* MSRs, the TSC, machine checks, KVM_SET_CPUID2, INIT */
int svx_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool host);
int svx_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data, bool host);
void svx_init_tsc(struct svx_vcpu *vcpu);
void svx_set_tsc_offset(struct svx_vcpu *vcpu, u64 offset);
void svx_reset_soft_msrs(struct svx_vcpu *vcpu);
extern const u64 svx_mce_cap_supported;
int svx_setup_mce(struct svx_vcpu *vcpu, u64 mcg_cap);
int svx_set_mce(struct svx_vcpu *vcpu, const struct kvm_x86_mce *mce);
void svx_vcpu_after_set_cpuid(struct svx_vcpu *vcpu);
long svx_set_tsc_khz(struct svx_vcpu *vcpu, unsigned long arg);
long svx_vm_set_tsc_khz(struct svx_vm *vm, unsigned long arg);
void svx_init_tsc_khz(struct svx_vcpu *vcpu);
bool svx_tsc_scaling_usable(void);
u64 svx_scale_tsc(u64 tsc, u64 ratio);
u64 svx_guest_tsc(const struct svx_vcpu *vcpu, u64 host_tsc);
extern const u32 svx_msr_list[];
extern unsigned int svx_nr_msrs;
void svx_msr_list_init(void);
void svx_vcpu_init_event(struct svx_vcpu *vcpu);

/* vmx/events.c: KVM_INTERRUPT, KVM_NMI, KVM_{GET,SET}_VCPU_EVENTS */
int svx_queue_interrupt(struct svx_vcpu *vcpu, u32 irq);
void svx_queue_nmi(struct svx_vcpu *vcpu);
void svx_get_events(struct svx_vcpu *vcpu, struct kvm_vcpu_events *ev);
int svx_set_events(struct svx_vcpu *vcpu, const struct kvm_vcpu_events *ev);

/* vmx/smm.c: system management mode */
int svx_smm_ioctl_smi(struct svx_vcpu *vcpu);

/* vmx/hypercall.c: the task that runs the vCPU, for directed yields */
void svx_vcpu_track_pid(struct svx_vcpu *vcpu);
void svx_vcpu_on_spin(struct svx_vcpu *me);	/* a directed yield */
void svx_vcpu_put_pid(struct svx_vcpu *vcpu);

#endif /* SVX_VMX_H */
