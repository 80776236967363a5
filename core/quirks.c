// SPDX-License-Identifier: GPL-2.0
/*
 * KVM 6.1's VM capabilities that change how a vCPU behaves rather than
 * add a device: KVM_CAP_DISABLE_QUIRKS(2), KVM_CAP_EXCEPTION_PAYLOAD and
 * KVM_CAP_X86_TRIPLE_FAULT_EVENT (kvm_vm_ioctl_enable_cap()), and the
 * quirks' own behaviour where it is not a line in another file.
 *
 * The quirks (KVM_X86_QUIRK_*) are on by default and KVM_ENABLE_CAP
 * turns off the set in args[0] (replacing the previous set, as KVM).
 * KVM_CHECK_EXTENSION(KVM_CAP_DISABLE_QUIRKS2) answers the quirks whose
 * disabling is carried out here (svx_quirks_supported()):
 *   LINT0_REENABLED        the BSP's LVT0 is ExtINT after reset
 *                          (irqchip/lapic.c, chip->lint0_quirk_off)
 *   CD_NW_CLEARED          an SVM quirk: on VMX KVM never clears the
 *                          guest's CR0.CD/NW, nor do we, with or without it
 *   LAPIC_MMIO_HOLE        the page of a disabled or x2APIC local APIC
 *                          reads all-ones and drops writes; without the
 *                          quirk the access is MMIO to userspace
 *                          (core/irqchip.c)
 *   OUT_7E_INC_RIP         RIP moves past an OUT to port 0x7e before the
 *                          exit (vmx/pio.c)
 *   MISC_ENABLE_NO_MWAIT   IA32_MISC_ENABLE.MWAIT does not change CPUID;
 *                          without it, it sets CPUID.1:ECX.MWAIT (here)
 *   MWAIT_NEVER_UD_FAULTS  MONITOR/MWAIT are NOPs even when the guest's
 *                          CPUID lacks MWAIT; without it they #UD (here)
 *   FIX_HYPERCALL_INSN     a VMMCALL that #UDs is rewritten to VMCALL
 *                          and run; without it the #UD is the guest's
 *                          (vmx/hypercall.c)
 * That is KVM 6.1's KVM_X86_VALID_QUIRKS, all of it.
 * KVM_CAP_DISABLE_QUIRKS (the first version) takes any bits, as KVM's:
 * bits of no quirk change nothing.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include "svx.h"
#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"
#include "vm.h"

#define SVX_QUIRKS (KVM_X86_QUIRK_LINT0_REENABLED |			\
		    KVM_X86_QUIRK_CD_NW_CLEARED |			\
		    KVM_X86_QUIRK_LAPIC_MMIO_HOLE |			\
		    KVM_X86_QUIRK_OUT_7E_INC_RIP |			\
		    KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT |		\
		    KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS |		\
		    KVM_X86_QUIRK_FIX_HYPERCALL_INSN)

/* KVM's SVX_MISC_ENABLE_PMU_RO (arch/x86/kvm/pmu.h) */
#define SVX_MISC_ENABLE_PMU_RO	(MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL |	\
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL)

#define SVX_CPUID1_ECX_SSE3	BIT(0)
#define SVX_CPUID1_ECX_MWAIT	BIT(3)

u64 svx_quirks_supported(void)
{
	return SVX_QUIRKS;
}

/*
 * KVM_ENABLE_CAP on the VM fd for the capabilities above; -ENOIOCTLCMD
 * for any other (core/vm.c goes on).  As KVM: flags must be 0, and
 * EXCEPTION_PAYLOAD and TRIPLE_FAULT_EVENT take args[0] as a boolean at
 * any time.
 */
int svx_quirks_enable_cap(struct svx_vm *vm, const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_DISABLE_QUIRKS2:
	case KVM_CAP_DISABLE_QUIRKS:
	case KVM_CAP_EXCEPTION_PAYLOAD:
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (cap->flags) {
		svx_vm_warn(vm, "KVM_ENABLE_CAP %u: flags %#x must be 0\n",
			    cap->cap, cap->flags);
		return -EINVAL;
	}
	switch (cap->cap) {
	case KVM_CAP_DISABLE_QUIRKS2:
		if (cap->args[0] & ~SVX_QUIRKS) {
			svx_vm_warn(vm, "KVM_CAP_DISABLE_QUIRKS2 %#llx: only %#llx can be disabled\n",
				    cap->args[0], (u64)SVX_QUIRKS);
			return -EINVAL;
		}
		fallthrough;
	case KVM_CAP_DISABLE_QUIRKS:
		WRITE_ONCE(vm->disabled_quirks, cap->args[0]);
		break;
	case KVM_CAP_EXCEPTION_PAYLOAD:
		WRITE_ONCE(vm->exception_payload, !!cap->args[0]);
		break;
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		WRITE_ONCE(vm->triple_fault_event, !!cap->args[0]);
		break;
	}
	return 0;
}

static struct kvm_cpuid_entry2 *svx_cpuid_leaf1(struct kvm_cpuid_entry2 *e,
						int nent)
{
	int i;

	for (i = 0; i < nent; i++)
		if (e[i].function == 1)
			return &e[i];
	return NULL;
}

/*
 * KVM's __kvm_update_cpuid_runtime() for MWAIT: without
 * MISC_ENABLE_NO_MWAIT, CPUID.1:ECX.MWAIT is IA32_MISC_ENABLE.MWAIT, in a
 * table given to KVM_SET_CPUID2 (before it is compared with the one a vCPU
 * that has run has) and after a write of the MSR.
 */
void svx_quirks_update_cpuid(struct svx_vcpu *vcpu,
			     struct kvm_cpuid_entry2 *e, int nent)
{
	struct kvm_cpuid_entry2 *l1 = svx_cpuid_leaf1(e, nent);
	u64 misc;

	if (!l1 || svx_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT))
		return;
	svx_get_msr(vcpu, MSR_IA32_MISC_ENABLE, &misc, true);
	if (misc & MSR_IA32_MISC_ENABLE_MWAIT)
		l1->ecx |= SVX_CPUID1_ECX_MWAIT;
	else
		l1->ecx &= ~SVX_CPUID1_ECX_MWAIT;
}

/*
 * A write of IA32_MISC_ENABLE, as KVM's kvm_set_msr_common(): the guest
 * may not change the PMU's read-only bits (#GP) and its writes of EMON
 * are ignored; without MISC_ENABLE_NO_MWAIT a change of MWAIT needs SSE3
 * in the guest's CPUID and updates CPUID.  Returns 1 for #GP.
 */
int svx_quirks_set_misc_enable(struct svx_vcpu *vcpu, u64 *msr, u64 data,
			       bool host)
{
	const struct kvm_cpuid_entry2 *l1 = svx_cpuid_find(vcpu, 1, 0);
	u64 old = *msr;

	if (!host) {
		if ((old ^ data) & SVX_MISC_ENABLE_PMU_RO)
			return 1;
		data = (data & ~MSR_IA32_MISC_ENABLE_EMON) |
		       (old & MSR_IA32_MISC_ENABLE_EMON);
	}
	if (!svx_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
	    ((old ^ data) & MSR_IA32_MISC_ENABLE_MWAIT)) {
		if (!l1 || !(l1->ecx & SVX_CPUID1_ECX_SSE3))
			return 1;
		*msr = data;
		svx_quirks_update_cpuid(vcpu, vcpu->cpuid, vcpu->cpuid_nent);
		return 0;
	}
	*msr = data;
	return 0;
}

/*
 * MONITOR and MWAIT exits, as KVM's kvm_emulate_monitor_mwait(): NOPs,
 * unless MWAIT_NEVER_UD_FAULTS is disabled and the guest's CPUID lacks
 * MWAIT, which is then #UD.
 */
int svx_quirks_monitor_mwait(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *l1 = svx_cpuid_find(vcpu, 1, 0);

	if (!svx_quirk(vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS) &&
	    !(l1 && (l1->ecx & SVX_CPUID1_ECX_MWAIT))) {
		svx_inject_ud(vcpu);
		return SVX_RESUME;
	}
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}
