// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-exit fast path, as KVM's vmx_exit_handlers_fastpath() and
 * EXIT_FASTPATH_REENTER_GUEST: the hottest exits that need nothing of the
 * run loop (CPUID, RDMSR/WRMSR of MSRs kept in the VMCS or in the
 * MSR-switch areas) are handled right after the VM exit, interrupts still
 * off, and svx_enter_guest() (vmx/vmx.c) enters the guest again without
 * the host state restore, the exit information reads, the run loop's
 * request processing and svx_prepare_entry().
 *
 * Only when nothing else is going on: no event queued or being injected,
 * no interrupt- or NMI-window exiting (an interrupt waits for the guest),
 * no real mode, no VAPIC, no single-stepping (RFLAGS.TF, KVM_GUESTDBG_*),
 * no exit userspace asked to see (MSR filter, KVM_CAP_X86_USER_SPACE_MSR:
 * such MSRs take the slow path).  Requests, a reschedule and signals are
 * looked at before every re-entry, with IN_GUEST published, as on the
 * slow path.  Anything the fast path cannot finish goes to the slow path
 * untouched: the handler has changed nothing when it declines.
 *
 * Exit statistics are counted as on the slow path (svx_stat_exit(),
 * SVX_STAT_ENTRIES, the svx_vm_exit tracepoint): exit counts do not
 * depend on the path.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "vmx_int.h"
#include "svx_trace.h"
#include "cpuid.h"

/* RIP moves past the instruction, as svx_skip_insn().  VMCS loaded. */
static void svx_fast_skip(struct svx_vcpu *vcpu)
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
static bool svx_fast_cpuid(struct svx_vcpu *vcpu)
{
	if ((vcpu->misc_features & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    (svx_vmread(GUEST_SS_AR_BYTES) >> 5) & 3)
		return false;
	svx_cpuid_regs(vcpu);
	return true;
}

/*
 * The MSRs whose svx_get_msr()/svx_set_msr() only move a value between
 * the guest's registers and a VMCS field or an MSR-switch slot (after
 * their checks, which fail without side effects): nothing else to do, no
 * lock, no sleep.
 */
static bool svx_fast_msr_index(u32 index)
{
	switch (index) {
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return true;
	}
	return false;
}

/* svx_handle_msr() for those: a filtered MSR or a #GP takes the slow path. */
static bool svx_fast_msr(struct svx_vcpu *vcpu, bool write)
{
	u32 index = vcpu->regs[SVX_RCX];
	u64 data;

	if (!svx_fast_msr_index(index) ||
	    !svx_msr_allowed(vcpu, index, write ? KVM_MSR_FILTER_WRITE :
					       KVM_MSR_FILTER_READ))
		return false;
	if (write) {
		data = (u32)vcpu->regs[SVX_RAX] |
		       (u64)(u32)vcpu->regs[SVX_RDX] << 32;
		return !svx_set_msr(vcpu, index, data, false);
	}
	if (svx_get_msr(vcpu, index, &data, false))
		return false;
	vcpu->regs[SVX_RAX] = (u32)data;
	vcpu->regs[SVX_RDX] = data >> 32;
	return true;
}

/*
 * Nothing pending that the slow path's svx_prepare_entry() or run loop
 * would act on after this exit (the requests are looked at before the
 * re-entry).
 */
static bool svx_fast_allowed(struct svx_vcpu *vcpu)
{
	return !(vcpu->proc_ctls & (CPU_BASED_INTR_WINDOW_EXITING |
				    CPU_BASED_NMI_WINDOW_EXITING)) &&
	       !vcpu->inject_pending && !vcpu->nmi_queued &&
	       vcpu->irq_queued < 0 && !vcpu->triple_fault &&
	       !vcpu->rmode.active && !vcpu->vapic_addr &&
	       !vcpu->dbg.guest_debug && !vcpu->dbg.user_exit &&
	       !vcpu->tpr_access;
}

/*
 * Leaving the guest after fast-path re-entries without another exit (a
 * request, a reschedule, a signal): what svx_fastpath_exit() left in the
 * VMCS.  VMCS loaded.
 */
void svx_fastpath_leave(struct svx_vcpu *vcpu)
{
	vcpu->regs[SVX_RSP] = svx_vmread(GUEST_RSP);
	if (svx_vm_ept(vcpu->vm))
		svx_ept_read_exit_info(vcpu);
}

/*
 * Right after a successful VM exit, interrupts off, VMCS loaded, guest
 * GPRs in vcpu->regs.  true: the exit is handled and counted, enter the
 * guest again; false: nothing changed, take the slow path.
 */
bool svx_fastpath_exit(struct svx_vcpu *vcpu)
{
	u32 reason;
	bool done;

	if (!svx_fast_allowed(vcpu))
		return false;
	reason = svx_vmread(VM_EXIT_REASON);
	if (reason != EXIT_REASON_CPUID && reason != EXIT_REASON_MSR_READ &&
	    reason != EXIT_REASON_MSR_WRITE)
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
	vcpu->exit_reason = reason;
	if (reason == EXIT_REASON_CPUID)
		done = svx_fast_cpuid(vcpu);
	else
		done = svx_fast_msr(vcpu, reason == EXIT_REASON_MSR_WRITE);
	if (!done)
		return false;
	/* as the slow path: counted, traced (qualification 0) at the RIP */
	svx_stat_exit(vcpu, reason);
	trace_svx_vm_exit(vcpu->vm->id, vcpu->id, reason, 0, vcpu->rip);
	svx_fast_skip(vcpu);
	/* Nothing injected is pending once the entry completed. */
	svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	return true;
}
