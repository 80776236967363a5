/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM-exit fast path (vmx/fastpath.c), the part inlined into
 * svx_enter_guest() (vmx/run.c): the checks and CPUID, without a call,
 * a second stack frame or a second stack-protector check per exit.
 */
#ifndef SVX_VMX_FASTPATH_H
#define SVX_VMX_FASTPATH_H

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "vmx_int.h"
#include "svx_trace.h"

/* RIP moves past the instruction, as svx_skip_insn().  VMCS loaded. */
static __always_inline void svx_fast_skip(struct svx_vcpu *vcpu)
{
	u32 intr;

	vcpu->rip += svx_vmread(VM_EXIT_INSTRUCTION_LEN);
	if (!(vcpu->efer & EFER_LMA))
		vcpu->rip = (u32)vcpu->rip;
	svx_vmwrite(GUEST_RIP, vcpu->rip);
	/* Blocking by STI / MOV SS ends with the instruction (SDM 24.4.2). */
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO,
			    intr & ~(GUEST_INTR_STATE_STI |
				     GUEST_INTR_STATE_MOV_SS));
}

/* svx_handle_cpuid() without CPUID faulting at CPL > 0 (#GP). */
static __always_inline bool svx_fast_cpuid(struct svx_vcpu *vcpu)
{
	if ((vcpu->misc_features & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    (svx_vmread(GUEST_SS_AR_BYTES) >> 5) & 3)
		return false;
	svx_cpuid_regs(vcpu);
	return true;
}

/*
 * Nothing pending that the slow path's svx_prepare_entry() or run loop
 * would act on after this exit (the requests are looked at before the
 * re-entry).
 */
static __always_inline bool svx_fast_allowed(struct svx_vcpu *vcpu)
{
	return !(to_vmx(vcpu)->proc_ctls & (CPU_BASED_INTR_WINDOW_EXITING |
				    CPU_BASED_NMI_WINDOW_EXITING)) &&
	       !vcpu->inject_pending && !vcpu->nmi_queued &&
	       vcpu->irq_queued < 0 && !vcpu->triple_fault &&
	       !vcpu->rmode.active && !vcpu->vapic_addr &&
	       !vcpu->pv_eoi_pending &&
	       !vcpu->dbg.guest_debug && !vcpu->dbg.user_exit &&
	       !vcpu->tpr_access;
}

/*
 * Right after a successful VM exit, interrupts off, VMCS loaded, guest
 * GPRs in vcpu->regs.  true: the exit is handled and counted, enter the
 * guest again; false: nothing changed, take the slow path.  The caller
 * clears an event the entry injected (VM_ENTRY_INTR_INFO_FIELD).
 */
static __always_inline bool svx_fastpath_exit(struct svx_vcpu *vcpu)
{
	u32 reason;
	bool done;

	/* the reason first: every other exit leaves after one VMREAD */
	reason = svx_vmread(VM_EXIT_REASON);
	if (reason != EXIT_REASON_CPUID && reason != EXIT_REASON_MSR_READ &&
	    reason != EXIT_REASON_MSR_WRITE)
		return false;
	if (!svx_fast_allowed(vcpu))
		return false;
	/* RFLAGS.TF: the instruction's single-step trap, slow path. */
	vcpu->rflags = svx_vmread(GUEST_RFLAGS);
	if (vcpu->rflags & X86_EFLAGS_TF)
		return false;
	/*
	 * RSP and, under EPT, the guest-owned CR bits and CR3 are read when
	 * the guest is left (svx_fastpath_leave()): neither CPUID (OSXSAVE
	 * and OSPKE are never guest-owned) nor these MSRs need them.
	 */
	vcpu->rip = svx_vmread(GUEST_RIP);
	to_vmx(vcpu)->exit_reason = reason;
	if (reason == EXIT_REASON_CPUID)
		done = svx_fast_cpuid(vcpu);
	else
		done = svx_fastpath_msr(vcpu,
					reason == EXIT_REASON_MSR_WRITE);
	if (!done)
		return false;
	/* as the slow path: counted, traced (qualification 0) at the RIP */
	svx_stat_exit(vcpu, reason);
	if (trace_svx_vm_exit_enabled())	/* no arguments loaded if off */
		trace_svx_vm_exit(vcpu->vm->id, vcpu->id, reason, 0,
				  vcpu->rip);
	svx_fast_skip(vcpu);
	return true;
}

#endif /* SVX_VMX_FASTPATH_H */
