// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs: RDMSR/WRMSR exits and KVM_GET/SET_MSRS.
 *
 * The list the VMM saves and restores (svx_msr_list, KVM's msrs_to_save and
 * emulated_msrs); where each MSR lives: a VMCS field, the VM-entry/exit MSR
 * areas, or a soft slot in svx_vcpu (APIC base, MTRRs, MISC_ENABLE, ...);
 * the machine-check bank (KVM_X86_SETUP_MCE, KVM_X86_SET_MCE), the platform
 * MSRs, KVM's checks on a write, and the exit handler, which forwards what
 * the VMM asked for (KVM_CAP_X86_USER_SPACE_MSR, the MSR filter) as
 * KVM_EXIT_X86_RDMSR/WRMSR.  The TSC's MSRs are carried out by tsc.c.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>
#include <asm/trapnr.h>
#include <asm/mce.h>
#include <linux/nospec.h>
#include <uapi/asm/kvm_para.h>
#include <asm/hyperv-tlfs.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "fpu.h"
#include "vmx.h"
#include "vm.h"
#include "irq.h"
#include "kvmclock.h"
#include "hyperv.h"

const u32 svx_msr_list[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_CR_PAT,
	MSR_IA32_TSC, MSR_IA32_MISC_ENABLE, MSR_IA32_APICBASE,
	MSR_IA32_UCODE_REV, MSR_IA32_PLATFORM_ID, MSR_IA32_FEAT_CTL,
	/* not MCG_CAP: read-only, KVM_X86_SETUP_MCE sets it (KVM lists it not) */
	MSR_MTRRcap, MSR_MTRRdefType, MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
	MSR_IA32_MCG_EXT_CTL,
	MSR_IA32_TSC_ADJUST, MSR_IA32_TSC_DEADLINE,
	MSR_PLATFORM_INFO, MSR_MISC_FEATURES_ENABLES,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK,	/* kvmclock, as KVM's */
	MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	MSR_IA32_POWER_CTL,
	/* vmx/smm.c; SMBASE the VMM's only, as KVM's emulated_msrs */
	MSR_IA32_SMBASE, MSR_SMI_COUNT,
	/* core/hyperv.c: of KVM's Hyper-V emulated_msrs, those it has */
	HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL,
	HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_REFERENCE_TSC,
	HV_X64_MSR_TSC_FREQUENCY, HV_X64_MSR_APIC_FREQUENCY,
	HV_X64_MSR_CRASH_P0, HV_X64_MSR_CRASH_P1, HV_X64_MSR_CRASH_P2,
	HV_X64_MSR_CRASH_P3, HV_X64_MSR_CRASH_P4, HV_X64_MSR_CRASH_CTL,
	HV_X64_MSR_RESET, HV_X64_MSR_VP_INDEX, HV_X64_MSR_VP_RUNTIME,
	HV_X64_MSR_SCONTROL,	/* KVM lists SCONTROL alone of the SynIC's */
	HV_X64_MSR_STIMER0_CONFIG,	/* and STIMER0_CONFIG of the timers' */
	HV_X64_MSR_REENLIGHTENMENT_CONTROL, HV_X64_MSR_TSC_EMULATION_CONTROL,
	HV_X64_MSR_TSC_EMULATION_STATUS,
	HV_X64_MSR_VP_ASSIST_PAGE,	/* not EOI/ICR/TPR, as KVM's list */
	/* the synthetic debugger's: OPTIONS, CONTROL ... PENDING_BUFFER */
	0x400000FF, 0x400000F1, 0x400000F2, 0x400000F3, 0x400000F4,
	0x400000F5,
	MSR_TSC_AUX,	/* last: listed only with RDTSCP/RDPID (svx_nr_msrs) */
};

unsigned int svx_nr_msrs = ARRAY_SIZE(svx_msr_list) - 1;

/* After svx_ept_init(): the controls the CPU allows are known. */
void svx_msr_list_init(void)
{
	svx_nr_msrs = ARRAY_SIZE(svx_msr_list) - !svx_rdtscp_usable();
}

static bool svx_is_canonical(u64 v)
{
	return ((s64)v << 16 >> 16) == (s64)v;
}

static bool svx_valid_pat(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

static unsigned long svx_msr_vmcs_field(u32 index)
{
	switch (index) {
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	case MSR_IA32_CR_PAT:
		return GUEST_IA32_PAT;
	}
	return 0;
}

static int svx_auto_msr_slot(u32 index)
{
	switch (index) {
	case MSR_STAR:
		return SVX_AMSR_STAR;
	case MSR_LSTAR:
		return SVX_AMSR_LSTAR;
	case MSR_CSTAR:
		return SVX_AMSR_CSTAR;
	case MSR_SYSCALL_MASK:
		return SVX_AMSR_SFMASK;
	case MSR_KERNEL_GS_BASE:
		return SVX_AMSR_KERNEL_GS_BASE;
	case MSR_TSC_AUX:
		return SVX_AMSR_TSC_AUX;
	}
	return -1;
}

/*
 * MSRs a guest OS reads or writes (some without rdmsr_safe, e.g. Linux's
 * verify_cpu and microcode code) that have no effect on a virtual CPU
 * here: kept in software, as KVM does.  Read-only ones take #GP on a
 * guest write; MTRRs (0x200-0x26f) are plain storage.
 */
static int svx_get_hw_msr(struct svx_vcpu *vcpu, u32 index, u64 *data);

#define SVX_SOFT_APICBASE	1	/* its slot in svx_soft_msr[] */

static const struct {
	u32 index;
	bool ro;
	u64 init;
} svx_soft_msr[SVX_NR_SOFT_MSRS] = {
	{ MSR_IA32_MISC_ENABLE, false, MSR_IA32_MISC_ENABLE_FAST_STRING |
	  MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL },
	[SVX_SOFT_APICBASE] = { MSR_IA32_APICBASE, false,
				APIC_DEFAULT_PHYS_BASE |
				MSR_IA32_APICBASE_ENABLE },
	{ MSR_IA32_UCODE_REV, false, 0x100000000ULL },
	{ MSR_IA32_PLATFORM_ID, true, 0 },
	{ MSR_IA32_FEAT_CTL, true, FEAT_CTL_LOCKED },
	{ MSR_MTRRcap, true, 0 },
	{ MSR_MTRRdefType, false, 0 },
	{ MSR_IA32_TSC_ADJUST, false, 0 },
	{ MSR_IA32_TSC_DEADLINE, false, 0 },
	{ MSR_IA32_POWER_CTL, false, 0 },	/* KVM's msr_ia32_power_ctl */
};

/*
 * IA32_APIC_BASE without the in-kernel local APIC, what svx_get_msr()
 * returns for it: kvm_run's apic_base at the end of every KVM_RUN
 * (svx_vcpu_run()) without svx_get_msr()'s chain of handlers.
 */
u64 svx_soft_apic_base(struct svx_vcpu *vcpu)
{
	return vcpu->soft_msrs[SVX_SOFT_APICBASE];
}

int svx_soft_msr_slot(u32 index)
{
	int i;

	for (i = 0; i < SVX_NR_SOFT_MSRS; i++)
		if (svx_soft_msr[i].index == index)
			return i;
	return -1;
}

/*
 * Machine check, as KVM 6.1 (set_msr_mce(), get_msr_mce(),
 * kvm_vcpu_ioctl_x86_setup_mce/set_mce(), kvm_vcpu_x86_set_ucna()): a vCPU
 * starts with 32 banks and no MCG_CTL; KVM_X86_SETUP_MCE sets MCG_CAP
 * within what KVM_X86_GET_MCE_CAP_SUPPORTED answers: MCG_CTL_P, MCG_SER_P
 * and (as kvm_intel) MCG_CMCI_P: the per-bank MCi_CTL2 MSRs (CMCI_EN and
 * the error threshold) and, with the in-kernel local APIC, LVTCMCI, which
 * a UCNA injected into a bank with CMCI_EN raises; and MCG_LMCE_P:
 * FEAT_CTL_LMCE_ENABLED may then be set in IA32_FEAT_CTL (kvm_intel's
 * vmx_setup_mce()), which opens IA32_MCG_EXT_CTL (bit 0, LMCE_EN) to the
 * guest (vmx_get/set_msr(); the host has it always).
 */
const u64 svx_mce_cap_supported = MCG_CTL_P | MCG_SER_P | MCG_CMCI_P |
				   MCG_LMCE_P;

static bool svx_mce_msr(u32 index)
{
	return index == MSR_IA32_P5_MC_ADDR || index == MSR_IA32_P5_MC_TYPE ||
	       index == MSR_IA32_MCG_CAP || index == MSR_IA32_MCG_CTL ||
	       index == MSR_IA32_MCG_STATUS || index == MSR_IA32_MCG_EXT_CTL ||
	       (index >= MSR_IA32_MC0_CTL &&
		index < MSR_IA32_MCx_CTL(SVX_MAX_MCE_BANKS)) ||
	       (index >= MSR_IA32_MC0_CTL2 &&
		index < MSR_IA32_MCx_CTL2(SVX_MAX_MCE_BANKS));
}

/* IA32_MCG_EXT_CTL is the guest's with FEAT_CTL_LMCE_ENABLED (KVM's) */
static bool svx_lmce_enabled(struct svx_vcpu *vcpu)
{
	return vcpu->soft_msrs[svx_soft_msr_slot(MSR_IA32_FEAT_CTL)] &
	       FEAT_CTL_LMCE_ENABLED;
}

static int svx_get_mce_msr(struct svx_vcpu *vcpu, u32 index, u64 *data,
			   bool host)
{
	unsigned int banks = vcpu->mcg_cap & 0xff;

	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*data = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*data = vcpu->mcg_cap;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(vcpu->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*data = vcpu->mcg_ctl;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = vcpu->mcg_status;
		return 0;
	case MSR_IA32_MCG_EXT_CTL:
		if (!host && !svx_lmce_enabled(vcpu))
			return 1;
		*data = vcpu->mcg_ext_ctl;
		return 0;
	}
	if (index < MSR_IA32_MC0_CTL) {	/* MCi_CTL2: without CMCI, host only */
		if (index >= MSR_IA32_MCx_CTL2(banks) ||
		    (!(vcpu->mcg_cap & MCG_CMCI_P) && !host))
			return 1;
		*data = vcpu->mci_ctl2[array_index_nospec(index - MSR_IA32_MC0_CTL2,
							  banks)];
		return 0;
	}
	if (index >= MSR_IA32_MCx_CTL(banks))
		return 1;
	*data = vcpu->mce_banks[index - MSR_IA32_MC0_CTL];
	return 0;
}

static int svx_set_mce_msr(struct svx_vcpu *vcpu, u32 index, u64 data,
			   bool host)
{
	unsigned int banks = vcpu->mcg_cap & 0xff;

	switch (index) {
	case MSR_IA32_MCG_STATUS:
		vcpu->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_EXT_CTL:
		if ((!host && !svx_lmce_enabled(vcpu)) ||
		    (data & ~MCG_EXT_CTL_LMCE_EN))
			return 1;
		vcpu->mcg_ext_ctl = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(vcpu->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data != 0 && data != ~0ULL)
			return 1;
		vcpu->mcg_ctl = data;
		return 0;
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
	case MSR_IA32_MCG_CAP:
		return 1;	/* read-only, for the host too (KVM_X86_SETUP_MCE) */
	}
	if (index < MSR_IA32_MC0_CTL) {	/* MCi_CTL2: without CMCI, host's 0 */
		if (index >= MSR_IA32_MCx_CTL2(banks))
			return 1;
		if (!(vcpu->mcg_cap & MCG_CMCI_P) && (data || !host))
			return 1;
		/* a reserved bit set: #GP, for the host too (KVM's) */
		if (data & ~(MCI_CTL2_CMCI_EN | MCI_CTL2_CMCI_THRESHOLD_MASK))
			return 1;
		vcpu->mci_ctl2[array_index_nospec(index - MSR_IA32_MC0_CTL2,
						  banks)] = data;
		return 0;
	}
	if (index >= MSR_IA32_MCx_CTL(banks))
		return 1;
	/* MCi_CTL: 0 or all ones, bits 10 and 0 may be clear (KVM's quirks) */
	if ((index & 3) == 0 && data && (data | BIT_ULL(10) | 1) != ~0ULL)
		return 1;
	/* MCi_STATUS: the guest may only clear it (Intel) */
	if ((index & 3) == 1 && data && !host)
		return 1;
	vcpu->mce_banks[index - MSR_IA32_MC0_CTL] = data;
	return 0;
}

/* KVM_X86_SETUP_MCE */
int svx_setup_mce(struct svx_vcpu *vcpu, u64 mcg_cap)
{
	unsigned int banks = mcg_cap & 0xff, i;

	if (!banks || banks > SVX_MAX_MCE_BANKS ||
	    mcg_cap & ~(svx_mce_cap_supported | 0xff | 0xff0000)) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_X86_SETUP_MCE %#llx: not supported (banks 1-%d, caps %#llx)\n",
			    vcpu->id, mcg_cap, SVX_MAX_MCE_BANKS,
			    svx_mce_cap_supported);
		return -EINVAL;
	}
	vcpu->mcg_cap = mcg_cap;
	if (mcg_cap & MCG_CTL_P)
		vcpu->mcg_ctl = ~0ULL;
	/* MCi_CTL all ones; MCi_CTL2 0, only with CMCI (KVM's) */
	for (i = 0; i < banks; i++) {
		vcpu->mce_banks[i * 4] = ~0ULL;
		if (mcg_cap & MCG_CMCI_P)
			vcpu->mci_ctl2[i] = 0;
	}
	svx_irqchip_set_cmci(vcpu, mcg_cap & MCG_CMCI_P);
	return 0;
}

/* KVM_X86_SET_MCE: a machine check for the guest, as KVM's */
int svx_set_mce(struct svx_vcpu *vcpu, const struct kvm_x86_mce *mce)
{
	unsigned int nbanks = vcpu->mcg_cap & 0xff;
	u64 status = mce->status;
	u64 *b;

	if (mce->bank >= nbanks || !(status & MCI_STATUS_VAL)) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_X86_SET_MCE: bank %u of %u, status %#llx\n",
			    vcpu->id, mce->bank, nbanks, status);
		return -EINVAL;
	}
	b = &vcpu->mce_banks[array_index_nospec(mce->bank * 4, nbanks * 4)];
	/*
	 * UCNA (uncorrected, no action required; KVM's is_ucna(): MCG_STATUS
	 * 0): logged, and a CMCI if the bank's MCi_CTL2 has CMCI_EN
	 * (kvm_vcpu_x86_set_ucna(); the threshold is not looked at).
	 */
	if (!mce->mcg_status && (status & MCI_STATUS_UC) &&
	    !(status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR))) {
		b[1] = status;
		b[2] = mce->addr;
		b[3] = mce->misc;
		vcpu->mcg_status = mce->mcg_status;
		if ((vcpu->mcg_cap & MCG_CMCI_P) &&
		    (vcpu->mci_ctl2[array_index_nospec(mce->bank, nbanks)] &
		     MCI_CTL2_CMCI_EN))
			svx_irqchip_deliver_cmci(vcpu);
		return 0;
	}
	if (status & MCI_STATUS_UC) {
		/* reporting disabled by MCG_CTL or MCi_CTL */
		if ((vcpu->mcg_cap & MCG_CTL_P) && vcpu->mcg_ctl != ~0ULL)
			return 0;
		if (b[0] != ~0ULL)
			return 0;
		if ((vcpu->mcg_status & MCG_STATUS_MCIP) ||
		    !(vcpu->cr4 & X86_CR4_MCE)) {
			vcpu->triple_fault = true;
			return 0;
		}
		if (b[1] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		b[2] = mce->addr;
		b[3] = mce->misc;
		vcpu->mcg_status = mce->mcg_status;
		b[1] = status;
		svx_inject_exception(vcpu, X86_TRAP_MC, false, 0);
	} else if (!(b[1] & MCI_STATUS_VAL) || !(b[1] & MCI_STATUS_UC)) {
		if (b[1] & MCI_STATUS_VAL)
			status |= MCI_STATUS_OVER;
		b[2] = mce->addr;
		b[3] = mce->misc;
		b[1] = status;
	} else {
		b[1] |= MCI_STATUS_OVER;
	}
	return 0;
}

void svx_reset_soft_msrs(struct svx_vcpu *vcpu)
{
	int i;

	for (i = 0; i < SVX_NR_SOFT_MSRS; i++)
		vcpu->soft_msrs[i] = svx_soft_msr[i].init;
	vcpu->soft_msrs[1] |= vcpu->id == vcpu->vm->bsp_vcpu_id ?
			      MSR_IA32_APICBASE_BSP : 0;
	/* kvm_arch_vcpu_create(): CPUID faulting offered, and off */
	vcpu->platform_info = MSR_PLATFORM_INFO_CPUID_FAULT;
	vcpu->misc_features = 0;
	memset(vcpu->mtrr, 0, sizeof(vcpu->mtrr));
	/* kvm_arch_vcpu_create(): 32 banks, no MCG_CTL, all zero */
	vcpu->mcg_cap = SVX_MAX_MCE_BANKS;
	vcpu->mcg_ctl = 0;
	vcpu->mcg_status = 0;
	memset(vcpu->mce_banks, 0, sizeof(vcpu->mce_banks));
	memset(vcpu->mci_ctl2, 0, sizeof(vcpu->mci_ctl2));
	vcpu->mcg_ext_ctl = 0;
}

/*
 * MSR_PLATFORM_INFO and MSR_MISC_FEATURES_ENABLES, as KVM's: PLATFORM_INFO
 * is the VMM's to set (a guest write #GPs, and a guest read too once
 * KVM_CAP_MSR_PLATFORM_INFO is disabled), CPUID_FAULT in it offers CPUID
 * faulting, which MISC_FEATURES_ENABLES bit 0 turns on (CPUID at CPL > 0
 * then #GPs, svx_handle_cpuid()); PLATFORM_INFO cannot withdraw the offer
 * while faulting is on.
 */
static bool svx_platform_msr(u32 index)
{
	return index == MSR_PLATFORM_INFO || index == MSR_MISC_FEATURES_ENABLES;
}

static int svx_get_platform_msr(struct svx_vcpu *vcpu, u32 index, u64 *data,
				bool host)
{
	if (index == MSR_PLATFORM_INFO) {
		if (!host && READ_ONCE(vcpu->vm->platform_info_hidden))
			return 1;
		*data = vcpu->platform_info;
		return 0;
	}
	*data = vcpu->misc_features;
	return 0;
}

static int svx_set_platform_msr(struct svx_vcpu *vcpu, u32 index, u64 data,
				bool host)
{
	if (index == MSR_PLATFORM_INFO) {
		if (!host || (!(data & MSR_PLATFORM_INFO_CPUID_FAULT) &&
			      (vcpu->misc_features &
			       MSR_MISC_FEATURES_ENABLES_CPUID_FAULT)))
			return 1;
		vcpu->platform_info = data;
		return 0;
	}
	if ((data & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) ||
	    ((data & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	     !(vcpu->platform_info & MSR_PLATFORM_INFO_CPUID_FAULT)))
		return 1;
	vcpu->misc_features = data;
	return 0;
}

/* Returns 0, or 1 when the access must fail (#GP for the guest). */
int svx_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int soft = svx_soft_msr_slot(index);
	int r = svx_irqchip_msr(vcpu, index, data, false, host);

	if (r >= 0)		/* the in-kernel local APIC's */
		return r;

	if (svx_kvmclock_is_msr(index))	/* core/kvmclock.c */
		return svx_kvmclock_get_msr(vcpu, index, data);
	if (svx_hv_is_msr(index))	/* core/hyperv.c */
		return svx_hv_get_msr(vcpu, index, data, host);
	r = svx_smm_msr(vcpu, index, data, false, host);	/* vmx/smm.c */
	if (r >= 0)
		return r;
	if (svx_mce_msr(index))
		return svx_get_mce_msr(vcpu, index, data, host);
	if (svx_platform_msr(index))
		return svx_get_platform_msr(vcpu, index, data, host);
	if (index == MSR_IA32_XSS)	/* x86/fpu.c */
		return svx_fpu_xss_msr(vcpu, data, false, host);

	if (index == MSR_TSC_AUX && !host && !svx_cpuid_has_tsc_aux(vcpu))
		return 1;

	if (soft >= 0) {
		*data = vcpu->soft_msrs[soft];
		return 0;
	}
	if (index >= SVX_MTRR_FIRST && index < SVX_MTRR_FIRST + SVX_NR_MTRRS) {
		*data = vcpu->mtrr[index - SVX_MTRR_FIRST];
		return 0;
	}
	return svx_get_hw_msr(vcpu, index, data);
}

static int svx_get_hw_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	unsigned long field = svx_msr_vmcs_field(index);
	int slot = svx_auto_msr_slot(index);

	if (field) {
		svx_vcpu_load(vcpu);
		*data = svx_vmread(field);
		svx_vcpu_put(vcpu);
		return 0;
	}
	if (slot >= 0) {
		*data = to_vmx(vcpu)->guest_msrs[slot].value;
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vcpu->efer;
		return 0;
	case MSR_IA32_TSC:
		*data = svx_guest_tsc(vcpu, rdtsc());
		return 0;
	}
	return 1;
}

int svx_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data, bool host)
{
	unsigned long field = svx_msr_vmcs_field(index);
	int slot = svx_auto_msr_slot(index);
	int soft = svx_soft_msr_slot(index);
	int r = svx_irqchip_msr(vcpu, index, &data, true, host);

	if (r >= 0)		/* the in-kernel local APIC's */
		return r;
	if (svx_kvmclock_is_msr(index))	/* core/kvmclock.c */
		return svx_kvmclock_set_msr(vcpu, index, data, host);
	if (svx_hv_is_msr(index))	/* core/hyperv.c */
		return svx_hv_set_msr(vcpu, index, data, host);
	r = svx_smm_msr(vcpu, index, &data, true, host);	/* vmx/smm.c */
	if (r >= 0)
		return r;
	if (svx_mce_msr(index))
		return svx_set_mce_msr(vcpu, index, data, host);
	if (svx_platform_msr(index))
		return svx_set_platform_msr(vcpu, index, data, host);
	if (index == MSR_IA32_XSS)	/* x86/fpu.c */
		return svx_fpu_xss_msr(vcpu, &data, true, host);
	if (soft >= 0) {
		if (svx_soft_msr[soft].ro && !host)
			return 1;
		if (index == MSR_IA32_TSC_ADJUST) {
			svx_set_tsc_adjust(vcpu, soft, data, host);
			return 0;
		}
		/*
		 * FEAT_CTL_LMCE_ENABLED is a valid bit only with MCG_LMCE_P
		 * (kvm_intel's vmx_setup_mce(), vmx_feature_control_msr_valid())
		 */
		if (index == MSR_IA32_FEAT_CTL &&
		    (data & FEAT_CTL_LMCE_ENABLED) &&
		    !(vcpu->mcg_cap & MCG_LMCE_P))
			return 1;
		if (index == MSR_IA32_MISC_ENABLE)	/* core/quirks.c */
			return svx_quirks_set_misc_enable(vcpu,
							  &vcpu->soft_msrs[soft],
							  data, host);
		vcpu->soft_msrs[soft] = data;
		return 0;
	}
	if (index >= SVX_MTRR_FIRST && index < SVX_MTRR_FIRST + SVX_NR_MTRRS) {
		vcpu->mtrr[index - SVX_MTRR_FIRST] = data;
		return 0;
	}

	switch (index) {
	case MSR_EFER:
		return svx_set_efer(vcpu, data, host);
	case MSR_IA32_TSC:
		svx_set_tsc(vcpu, data, host);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!svx_valid_pat(data))
			return 1;
		break;
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!svx_is_canonical(data))
			return 1;
		break;
	case MSR_IA32_SYSENTER_CS:
		data = (u32)data;
		break;
	case MSR_SYSCALL_MASK:
		data = (u32)data;
		break;
	case MSR_TSC_AUX:	/* as KVM: 32 bits, only with RDTSCP/RDPID */
		if (data >> 32 || (!host && !svx_cpuid_has_tsc_aux(vcpu)))
			return 1;
		break;
	}
	if (field) {
		svx_vcpu_load(vcpu);
		svx_vmwrite(field, data);
		svx_vcpu_put(vcpu);
		return 0;
	}
	if (slot >= 0) {
		to_vmx(vcpu)->guest_msrs[slot].value = data;
		return 0;
	}
	return 1;
}

int svx_handle_msr(struct svx_vcpu *vcpu, bool write)
{
	u32 index = vcpu->regs[SVX_RCX];
	bool filtered;
	u64 data;

	/* KVM_X86_SET_MSR_FILTER, KVM_CAP_X86_USER_SPACE_MSR: core/msr_filter.c */
	filtered = !svx_msr_allowed(vcpu, index, write ? KVM_MSR_FILTER_WRITE :
						       KVM_MSR_FILTER_READ);
	if (write) {
		data = (u32)vcpu->regs[SVX_RAX] |
		       (u64)(u32)vcpu->regs[SVX_RDX] << 32;
		if (filtered || svx_set_msr(vcpu, index, data, false)) {
			if (svx_msr_exit_to_user(vcpu, index, true, data, filtered))
				return SVX_USER;
			svx_vm_warn(vcpu->vm, "vcpu%d: wrmsr %#x <- %#llx: #GP\n",
				    vcpu->id, index, data);
			svx_inject_gp(vcpu);
			return SVX_RESUME;
		}
	} else {
		if (filtered || svx_get_msr(vcpu, index, &data, false)) {
			if (svx_msr_exit_to_user(vcpu, index, false, 0, filtered))
				return SVX_USER;
			svx_vm_warn(vcpu->vm, "vcpu%d: rdmsr %#x: #GP\n",
				    vcpu->id, index);
			svx_inject_gp(vcpu);
			return SVX_RESUME;
		}
		vcpu->regs[SVX_RAX] = (u32)data;
		vcpu->regs[SVX_RDX] = data >> 32;
	}
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}
