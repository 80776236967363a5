// SPDX-License-Identifier: GPL-2.0
/*
 * Control registers and EFER.
 *
 * The guest's view (svx_vcpu.cr0/cr3/cr4/efer) is kept in software and in
 * the read shadows; a write is checked as KVM checks it (kvm_set_cr0(),
 * kvm_set_cr3(), kvm_set_cr4(), set_efer()) and may change the paging mode
 * or reload the MMU.  The values the CPU runs with are derived from the
 * guest's view and the MMU context by svx_update_hw_cr() and written to the
 * VMCS, for both paging modes, by svx_write_hw_cr().  The CR-access exit
 * (MOV to or from CR0/CR3/CR4/CR8, CLTS, LMSW) is svx_handle_cr().
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"

/*
 * The last step of both paging modes' CR0/CR4 for the CPU (VMCS loaded):
 * the bits VMX operation fixes (IA32_VMX_CR{0,4}_FIXED1: what may be 1;
 * the caller applied the FIXED0 bits its mode must have), CR4.UMIP off
 * where the descriptor-table exits emulate it, and the read shadows that
 * show the guest its own values.
 */
void svx_write_hw_cr(struct svx_vcpu *vcpu, u64 cr0, u64 cr4)
{
	const struct svx_vmcs_config *c = &svx_vmcs_conf;

	cr0 &= c->cr0_fixed1;
	cr4 |= c->cr4_fixed0;
	cr4 &= c->cr4_fixed1;
	if (svx_umip_emulated())	/* descriptor-table exits do it */
		cr4 &= ~(u64)X86_CR4_UMIP;

	svx_vmwrite(GUEST_CR0, cr0);
	svx_vmwrite(CR0_READ_SHADOW, vcpu->cr0);
	svx_vmwrite(GUEST_CR4, cr4);
	svx_vmwrite(CR4_READ_SHADOW, vcpu->cr4);
}

/*
 * The CR0/CR4 the CPU runs the guest with.  Shadow paging always runs the
 * guest with paging on (CR0.PG=1, CR4.PAE=1: the shadow root is PAE or
 * 4-level), protection on and NE set; CD/NW are not passed to hardware.
 */
void svx_update_hw_cr(struct svx_vcpu *vcpu)
{
	const struct svx_vmcs_config *c = &svx_vmcs_conf;
	u64 cr0, cr4;

	svx_umip_update(vcpu);	/* CR4.UMIP emulated: descriptor-table exits */
	if (svx_vm_ept(vcpu->vm)) {
		svx_ept_update_hw_cr(vcpu);
		return;
	}
	/*
	 * WP is always on: shadow pages write-protect guest page tables even
	 * from the guest's kernel; CR0.WP=0 is emulated in the SPTEs.
	 */
	cr0 = (vcpu->cr0 & ~(u64)(X86_CR0_CD | X86_CR0_NW)) |
	      X86_CR0_PE | X86_CR0_PG | X86_CR0_NE | X86_CR0_WP;
	cr0 |= c->cr0_fixed0;
	/* vm86 runs at CPL 3, where AM would check alignment: not in real mode. */
	if (vcpu->rmode.active)
		cr0 &= ~(u64)X86_CR0_AM;

	/*
	 * Every SPTE of the nonpaging map is a user page: SMEP and SMAP would
	 * fault the guest's kernel on them.  With guest paging, SPTEs carry
	 * the guest's U/S bits and the CPU applies SMEP/SMAP itself.
	 */
	cr4 = vcpu->cr4 | X86_CR4_PAE | X86_CR4_VMXE;
	if (vcpu->mmu.mode == SVX_MODE_NONPAGING)
		cr4 &= ~(u64)(X86_CR4_SMEP | X86_CR4_SMAP);
	cr4 &= ~(u64)X86_CR4_PSE;	/* no meaning with PAE */
	if (vcpu->rmode.active)
		cr4 |= X86_CR4_VME;	/* INT n through the IVT (vmx/rmode.c) */
	svx_write_hw_cr(vcpu, cr0, cr4);
}

/* Entering or staying in PAE paging loads the PDPTE registers. */
static bool svx_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) &&
	       !(efer & EFER_LMA);
}

int svx_set_efer(struct svx_vcpu *vcpu, u64 efer, bool host)
{
	u64 old = vcpu->efer, hw;

	if (efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return 1;
	if (!host) {
		/* LME/LMA need CPUID LM, NXE needs NX (KVM's set_efer()). */
		if (!svx_cpuid_efer_valid(vcpu, efer))
			return 1;
		/* LME cannot change while paging is on (SDM 9.8.5). */
		if ((vcpu->cr0 & X86_CR0_PG) &&
		    ((efer ^ vcpu->efer) & EFER_LME))
			return 1;
		efer = (efer & ~(u64)EFER_LMA) | (vcpu->efer & EFER_LMA);
	}
	vcpu->efer = efer;
	svx_vcpu_load(vcpu);
	/*
	 * The CPU runs long-mode guests with LMA=LME=1 and others with 0.
	 * Under shadow paging NXE is always on, as KVM has it: SPTEs may
	 * then carry XD whatever the guest's NXE (see svx_shadow_fault()'s
	 * CR0.WP=0 case); the guest's own XD bits are checked by the walker.
	 */
	hw = (efer & EFER_LMA) ? efer | EFER_LME :
	     efer & ~(u64)(EFER_LME | EFER_LMA);
	if (!svx_vm_ept(vcpu->vm))
		hw |= EFER_NX;
	svx_vmwrite(GUEST_IA32_EFER, hw);
	if (efer & EFER_LMA)
		svx_vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		svx_vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	/* NXE changes what XD means (svx_mmu_reset_context() clears up). */
	if ((old ^ efer) & EFER_NX)
		svx_mmu_reset_context(vcpu);
	svx_vcpu_put(vcpu);
	return 0;
}

int svx_set_cr0(struct svx_vcpu *vcpu, u64 cr0)
{
	u64 old = vcpu->cr0;
	bool pdptrs;
	u32 cs_ar;

	cr0 |= X86_CR0_ET;
	if (cr0 >> 32)
		return 1;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return 1;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return 1;
	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) &&
	    (vcpu->efer & EFER_LME)) {
		if (!(vcpu->cr4 & X86_CR4_PAE))
			return 1;
		svx_vcpu_load(vcpu);
		cs_ar = svx_vmread(GUEST_CS_AR_BYTES);
		svx_vcpu_put(vcpu);
		if (cs_ar & (1U << 13))
			return 1;
		vcpu->efer |= EFER_LMA;
		svx_set_efer(vcpu, vcpu->efer, true);
	}
	/* Paging off with PCIDs on: #GP (SDM 4.10.1). */
	if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
	    (vcpu->cr4 & X86_CR4_PCIDE))
		return 1;
	if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) &&
	    (vcpu->efer & EFER_LMA)) {
		if (svx_code_mode(vcpu) == 8)
			return 1;
		vcpu->efer &= ~(u64)EFER_LMA;
		svx_set_efer(vcpu, vcpu->efer, true);
	}
	/* SDM 4.4.1: changing CD, NW or PG loads the PDPTEs (KVM does too). */
	pdptrs = ((old ^ cr0) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)) &&
		 svx_pae_paging(cr0, vcpu->cr4, vcpu->efer);
	if (pdptrs && svx_mmu_load_pdptrs(vcpu, vcpu->cr3))
		return 1;
	vcpu->cr0 = cr0;
	svx_vcpu_load(vcpu);
	svx_rmode_update(vcpu);	/* PE: in or out of vm86 (shadow paging) */
	if (((old ^ cr0) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE)) || pdptrs)
		svx_mmu_reset_context(vcpu);
	else
		svx_update_hw_cr(vcpu);
	svx_vcpu_put(vcpu);
	return 0;
}

int svx_set_cr4(struct svx_vcpu *vcpu, u64 cr4)
{
	u64 old = vcpu->cr4;

	if (!svx_cpuid_cr4_valid(vcpu, cr4))	/* module's and CPUID's */
		return 1;
	if ((vcpu->efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return 1;
	/* PCIDE: long mode only, and set only with PCID 0 in CR3 (SDM 4.10.1). */
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(vcpu->efer & EFER_LMA) || (vcpu->cr3 & 0xfff)))
		return 1;
	/* SDM 4.4.1: changing PAE, PSE, PGE or SMEP loads the PDPTEs. */
	if (((old ^ cr4) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE |
			    X86_CR4_SMEP)) &&
	    svx_pae_paging(vcpu->cr0, cr4, vcpu->efer) &&
	    svx_mmu_load_pdptrs(vcpu, vcpu->cr3))
		return 1;
	vcpu->cr4 = cr4;
	svx_vcpu_load(vcpu);
	if ((old ^ cr4) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE |
			   X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PCIDE))
		svx_mmu_reset_context(vcpu);
	else
		svx_update_hw_cr(vcpu);
	svx_vcpu_put(vcpu);
	return 0;
}

int svx_set_cr3(struct svx_vcpu *vcpu, u64 cr3)
{
	bool no_flush = false;

	/* With PCIDs, bit 63 asks to keep the TLB (SDM 4.10.4.1). */
	if (vcpu->cr4 & X86_CR4_PCIDE) {
		no_flush = cr3 & BIT_ULL(63);
		cr3 &= ~BIT_ULL(63);
	}
	if (svx_guest_long_mode(vcpu) &&
	    (cr3 >> boot_cpu_data.x86_phys_bits))
		return 1;
	if (svx_pae_paging(vcpu->cr0, vcpu->cr4, vcpu->efer) &&
	    svx_mmu_load_pdptrs(vcpu, cr3))
		return 1;
	vcpu->cr3 = cr3;
	svx_vcpu_load(vcpu);
	svx_mmu_reset_context(vcpu);
	/* Shadow paging: no resync of unsync pages, no VPID flush. */
	vcpu->mmu.no_flush = no_flush;
	svx_vcpu_put(vcpu);
	return 0;
}

int svx_handle_cr(struct svx_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit_qual;
	int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val = vcpu->regs[reg];
	int fault = 0;

	if (!svx_guest_long_mode(vcpu))
		val = (u32)val;
	switch (type) {
	case 0:		/* MOV to CR */
		switch (cr) {
		case 0:
			fault = svx_set_cr0(vcpu, val);
			break;
		case 2:		/* only from vmx/rmode.c: CR2 is not intercepted */
			vcpu->cr2 = val;
			break;
		case 3:
			fault = svx_set_cr3(vcpu, val);
			break;
		case 4:
			fault = svx_set_cr4(vcpu, val);
			break;
		case 8:
			if (val & ~15ULL)
				fault = 1;
			else
				svx_set_cr8(vcpu, val);
			break;
		default:
			fault = 1;
		}
		break;
	case 1:		/* MOV from CR (CR0, CR2, CR4: from vmx/rmode.c) */
		switch (cr) {
		case 0:
			val = vcpu->cr0;
			break;
		case 2:
			val = vcpu->cr2;
			break;
		case 4:
			val = vcpu->cr4;
			break;
		case 3:
			val = vcpu->cr3;
			break;
		case 8:
			val = svx_get_cr8(vcpu);
			break;
		default:
			svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   "MOV from unexpected CR");
			return SVX_USER;
		}
		vcpu->regs[reg] = val;
		break;
	case 2:		/* CLTS */
		fault = svx_set_cr0(vcpu, vcpu->cr0 & ~(u64)X86_CR0_TS);
		break;
	case 3:		/* LMSW: can set PE but not clear it */
		val = (q >> 16) & 0xf;
		fault = svx_set_cr0(vcpu, (vcpu->cr0 & ~0xeULL) | val);
		break;
	}
	if (fault)
		svx_inject_gp(vcpu);
	else
		svx_skip_insn(vcpu);
	return SVX_RESUME;
}
