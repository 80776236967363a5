// SPDX-License-Identifier: GPL-2.0
/*
 * The VM-exit fast path, as KVM's vmx_exit_handlers_fastpath() and
 * EXIT_FASTPATH_REENTER_GUEST: the hottest exits that need nothing of the
 * run loop (CPUID, RDMSR/WRMSR of MSRs kept in the VMCS or in the
 * MSR-switch areas) are handled right after the VM exit, interrupts still
 * off, and svx_enter_guest() (vmx/run.c) enters the guest again without
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
 *
 * The checks and CPUID are inlined into svx_enter_guest()
 * (vmx/fastpath.h); here: the MSRs and leaving the guest.
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <asm/msr-index.h>

#include "vmx_int.h"
#include "vmx.h"
#include "vm.h"

/* What svx_set_msr() checks for a guest write of the MSR below. */
#define SVX_FMSR_CANONICAL	1	/* #GP unless canonical */
#define SVX_FMSR_U32		2	/* bits 63:32 dropped */

/*
 * The MSRs whose svx_get_msr()/svx_set_msr() only move a value between
 * the guest's registers and a VMCS field or an MSR-switch slot (after a
 * check that fails without side effects): where each one lives, looked
 * up once per exit instead of svx_get_msr()'s and svx_set_msr()'s
 * chains of handlers.  No lock, no sleep.
 */
struct svx_fast_msr {
	u16 field;	/* VMCS field, or 0: MSR-switch slot */
	u8 slot;	/* SVX_AMSR_* */
	u8 check;	/* SVX_FMSR_* */
};

static const struct svx_fast_msr *svx_fast_msr_find(u32 index)
{
	static const struct svx_fast_msr star = { 0, SVX_AMSR_STAR, 0 },
		lstar = { 0, SVX_AMSR_LSTAR, SVX_FMSR_CANONICAL },
		cstar = { 0, SVX_AMSR_CSTAR, SVX_FMSR_CANONICAL },
		sfmask = { 0, SVX_AMSR_SFMASK, SVX_FMSR_U32 },
		kgs = { 0, SVX_AMSR_KERNEL_GS_BASE, SVX_FMSR_CANONICAL },
		fs = { GUEST_FS_BASE, 0, SVX_FMSR_CANONICAL },
		gs = { GUEST_GS_BASE, 0, SVX_FMSR_CANONICAL },
		cs = { GUEST_SYSENTER_CS, 0, SVX_FMSR_U32 },
		esp = { GUEST_SYSENTER_ESP, 0, SVX_FMSR_CANONICAL },
		eip = { GUEST_SYSENTER_EIP, 0, SVX_FMSR_CANONICAL };

	switch (index) {
	case MSR_STAR:
		return &star;
	case MSR_LSTAR:
		return &lstar;
	case MSR_CSTAR:
		return &cstar;
	case MSR_SYSCALL_MASK:
		return &sfmask;
	case MSR_KERNEL_GS_BASE:
		return &kgs;
	case MSR_FS_BASE:
		return &fs;
	case MSR_GS_BASE:
		return &gs;
	case MSR_IA32_SYSENTER_CS:
		return &cs;
	case MSR_IA32_SYSENTER_ESP:
		return &esp;
	case MSR_IA32_SYSENTER_EIP:
		return &eip;
	}
	return NULL;
}

/*
 * svx_handle_msr() for those, VMCS loaded: a filtered MSR (the filter is
 * looked at only when there is one) or a #GP takes the slow path.
 */
bool svx_fastpath_msr(struct svx_vcpu *vcpu, bool write)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 index = vcpu->regs[SVX_RCX];
	const struct svx_fast_msr *m = svx_fast_msr_find(index);
	u64 data;

	if (!m)
		return false;
	if (rcu_access_pointer(vcpu->vm->msr_filter) &&
	    !svx_msr_allowed(vcpu, index, write ? KVM_MSR_FILTER_WRITE :
					       KVM_MSR_FILTER_READ))
		return false;
	if (write) {
		data = (u32)vcpu->regs[SVX_RAX] |
		       (u64)(u32)vcpu->regs[SVX_RDX] << 32;
		if ((m->check & SVX_FMSR_CANONICAL) &&
		    ((s64)data << 16 >> 16) != (s64)data)
			return false;
		if (m->check & SVX_FMSR_U32)
			data = (u32)data;
		if (m->field)
			svx_vmwrite(m->field, data);
		else
			vmx->guest_msrs[m->slot].value = data;
		return true;
	}
	data = m->field ? svx_vmread(m->field) :
			  vmx->guest_msrs[m->slot].value;
	vcpu->regs[SVX_RAX] = (u32)data;
	vcpu->regs[SVX_RDX] = data >> 32;
	return true;
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
