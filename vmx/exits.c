// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit handlers.
 *
 * This file owns what happens after a VM exit: the exits handled in the
 * kernel (CPUID, CR and DR accesses, MSRs, INVLPG, shadow page faults,
 * MWAIT/MONITOR, VMX instructions; task switches are in taskswitch.c),
 * the exits forwarded to userspace with KVM's kvm_run layout (port I/O,
 * MMIO, HLT, triple fault, unexpected reasons) and the completion of a
 * forwarded exit on the next KVM_RUN.
 * Guest control registers: the guest's view (svx_vcpu.cr0/cr4) is kept in
 * software and in the read shadows; the values the CPU runs with are
 * derived by svx_update_hw_cr() from it and from the MMU context.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/processor-flags.h>
#include <asm/debugreg.h>
#include <asm/tsc.h>
#include <asm/traps.h>
#include <asm/trapnr.h>
#include <asm/mce.h>
#include <linux/nospec.h>
#include <uapi/asm/kvm_para.h>

#include "vmx_int.h"
#include "pit.h"
#include "walker.h"
#include "svx_trace.h"
#include "cpuid.h"
#include "fpu.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"
#include "irq.h"
#include "kvmclock.h"

void svx_internal_error(struct svx_vcpu *vcpu, u32 suberror, const char *why)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 2;
	run->internal.data[0] = vmx->exit_reason;
	run->internal.data[1] = vcpu->rip;
	svx_vm_warn(vcpu->vm, "vcpu%d: %s (exit reason %u, rip %#lx)\n",
		    vcpu->id, why, vmx->exit_reason, vcpu->rip);
}

/*
 * svx_skip_insn() in two halves, for a caller that has the vCPU loaded
 * already (the PIO completion): __svx_skip_insn() with the VMCS loaded,
 * svx_skip_insn_trap() after svx_vcpu_put().
 */
static void __svx_skip_insn(struct svx_vcpu *vcpu)
{
	u32 intr;

	vcpu->rip += to_vmx(vcpu)->exit_insn_len;
	if (!svx_guest_long_mode(vcpu))
		vcpu->rip = (u32)vcpu->rip;
	vcpu->rip_dirty = true;
	/* Blocking by STI / MOV SS ends with the instruction (SDM 24.4.2). */
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & 3)
		svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3U);
}

static void svx_skip_insn_trap(struct svx_vcpu *vcpu)
{
	/* RFLAGS is still the instruction's: single-step trap (debugreg.c) */
	if (unlikely(vcpu->rflags & X86_EFLAGS_TF))
		svx_debug_singlestep(vcpu);
}

void svx_skip_insn(struct svx_vcpu *vcpu)
{
	svx_vcpu_load(vcpu);
	__svx_skip_insn(vcpu);
	svx_vcpu_put(vcpu);
	svx_skip_insn_trap(vcpu);
}

/* Fault-class exceptions (SDM 6.5), KVM's exception_type() == EXCPT_FAULT. */
static bool svx_exception_is_fault(u8 vector)
{
	return vector < 32 && !(BIT(vector) & (BIT(X86_TRAP_DB) | BIT(X86_TRAP_NMI) |
		BIT(X86_TRAP_BP) | BIT(X86_TRAP_OF) | BIT(X86_TRAP_DF) | BIT(X86_TRAP_MC)));
}

/* SDM 6.15, Table 6-4: the classes of exceptions for double faults. */
enum svx_exc_class { SVX_EXC_BENIGN, SVX_EXC_CONTRIBUTORY, SVX_EXC_PF };

static enum svx_exc_class svx_exception_class(u8 vector)
{
	switch (vector) {
	case X86_TRAP_PF:
		return SVX_EXC_PF;
	case X86_TRAP_DE:
	case X86_TRAP_TS:
	case X86_TRAP_NP:
	case X86_TRAP_SS:
	case X86_TRAP_GP:
		return SVX_EXC_CONTRIBUTORY;
	}
	return SVX_EXC_BENIGN;
}

/*
 * The one way an exception is queued for the guest.  If another exception
 * is already on its way (queued by this exit, or interrupted by it and
 * re-queued from the IDT-vectoring information), the two merge as SDM
 * 6.15 Table 6-5 says (KVM's kvm_multiple_exception()): contributory after
 * contributory, or a contributory or page fault after a page fault,
 * becomes #DF(0); a contributory or page fault after #DF is a triple fault
 * (KVM_EXIT_SHUTDOWN; KVM also makes one of a benign exception there, the
 * SDM's "Interrupt 8" does not); otherwise the new exception replaces the
 * old one, which the guest's re-executed instruction raises again.
 */
void svx_inject_exception(struct svx_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error)
{
	u32 old = vcpu->inject_info;

	if (vcpu->inject_pending &&
	    (old & SVX_INTR_TYPE_MASK) >> SVX_INTR_TYPE_SHIFT ==
	    SVX_INTR_TYPE_HW_EXC) {
		enum svx_exc_class c1 = svx_exception_class(old & 0xff);
		enum svx_exc_class c2 = svx_exception_class(vector);

		if ((old & 0xff) == X86_TRAP_DF && c2 != SVX_EXC_BENIGN) {
			vcpu->inject_pending = false;
			vcpu->exc_pending = false;
			vcpu->triple_fault = true;
			return;
		}
		if ((c1 == SVX_EXC_CONTRIBUTORY && c2 == SVX_EXC_CONTRIBUTORY) ||
		    (c1 == SVX_EXC_PF && c2 != SVX_EXC_BENIGN)) {
			vector = X86_TRAP_DF;
			has_error = true;
			error = 0;
		}
	}
	/*
	 * A fault is delivered with RF set in the EFLAGS image, as the CPU
	 * does for the faults it raises itself and KVM's
	 * inject_pending_event() for the ones it injects.
	 */
	if (svx_exception_is_fault(vector)) {
		vcpu->rflags |= X86_EFLAGS_RF;
		vcpu->rip_dirty = true;
	}
	vcpu->inject_pending = true;
	vcpu->inject_info = SVX_INTR_VALID | vector |
			    SVX_INTR_TYPE_HW_EXC << SVX_INTR_TYPE_SHIFT |
			    (has_error ? SVX_INTR_HAS_ERROR : 0);
	vcpu->inject_error = error;
	vcpu->inject_len = 0;
	/* pending until an entry delivers it; payloads delivered already */
	vcpu->exc_pending = true;
	vcpu->exc_has_payload = false;
}

void svx_inject_page_fault(struct svx_vcpu *vcpu, u32 error)
{
	svx_inject_exception(vcpu, X86_TRAP_PF, true, error);
}

/* The #PF a walk of an access made for the guest ended in, with its CR2. */
void svx_inject_walk_fault(struct svx_vcpu *vcpu, const struct svx_walk *w)
{
	vcpu->cr2 = w->fault_addr;
	vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
	svx_inject_page_fault(vcpu, w->error_code);
}

void svx_inject_gp(struct svx_vcpu *vcpu)
{
	svx_inject_exception(vcpu, X86_TRAP_GP, true, 0);
}

void svx_inject_ud(struct svx_vcpu *vcpu)
{
	svx_inject_exception(vcpu, X86_TRAP_UD, false, 0);
}

bool svx_guest_long_mode(struct svx_vcpu *vcpu)
{
	return vcpu->efer & EFER_LMA;
}

int svx_guest_cpl(struct svx_vcpu *vcpu)
{
	int cpl;

	if (vcpu->rmode.active)
		return 0;	/* vm86's CPL 3 is ours */
	svx_vcpu_load(vcpu);
	cpl = (svx_vmread(GUEST_SS_AR_BYTES) >> 5) & 3;
	svx_vcpu_put(vcpu);
	return cpl;
}

/* Operand size of the code being executed: 8 (64-bit code) or 4. */
/*
 * The code size at CS from its access rights: 8 (64-bit code: long mode
 * and CS.L), 4 (CS.D) or 2 (16-bit code, vm86 included: its CS rights are
 * 0xf3).
 */
static int svx_code_size(bool long_mode, u32 cs_ar)
{
	if (long_mode && (cs_ar & BIT(13)))
		return 8;
	return (cs_ar & BIT(14)) ? 4 : 2;
}

/* svx_code_mode() with the vCPU loaded by the caller */
static int __svx_code_mode(struct svx_vcpu *vcpu)
{
	if (!svx_guest_long_mode(vcpu))
		return 4;
	return (svx_vmread(GUEST_CS_AR_BYTES) & (1U << 13)) ? 8 : 4;
}

int svx_code_mode(struct svx_vcpu *vcpu)
{
	int mode;

	if (!svx_guest_long_mode(vcpu))
		return 4;
	svx_vcpu_load(vcpu);
	mode = __svx_code_mode(vcpu);
	svx_vcpu_put(vcpu);
	return mode;
}

/* ---------------------------------------------------------------------- */
/* Control registers                                                       */

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
	/* NXE changes what XD means: shadow pages of another role. */
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

static int svx_handle_cr(struct svx_vcpu *vcpu)
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

/* ---------------------------------------------------------------------- */
/* CPUID                                                                   */

/* The guest's table (KVM_SET_CPUID2), looked up by x86/cpuid.c. */
static int svx_handle_cpuid(struct svx_vcpu *vcpu)
{
	/* CPUID faulting (MSR_MISC_FEATURES_ENABLES), as kvm_emulate_cpuid() */
	if ((vcpu->misc_features & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT) &&
	    svx_guest_cpl(vcpu) > 0) {
		svx_inject_gp(vcpu);
		return SVX_RESUME;
	}
	svx_cpuid_regs(vcpu);
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/* ---------------------------------------------------------------------- */
/* MSRs                                                                    */

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

static int svx_soft_msr_slot(u32 index)
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

/*
 * @tsc times @ratio (16.48 fixed point): KVM's kvm_scale_tsc(), the TSC
 * of a guest whose rate is not the host's.
 */
u64 svx_scale_tsc(u64 tsc, u64 ratio)
{
	if (ratio == SVX_TSC_RATIO_ONE)
		return tsc;
	return mul_u64_u64_shr(tsc, ratio, SVX_TSC_RATIO_FRAC_BITS);
}

/*
 * The guest's TSC when the host's reads @host_tsc (KVM's
 * kvm_read_l1_tsc()): scaled, plus the offset.
 */
u64 svx_guest_tsc(const struct svx_vcpu *vcpu, u64 host_tsc)
{
	return svx_scale_tsc(host_tsc, vcpu->tsc_ratio) + vcpu->tsc_offset;
}

/* Move the guest's TSC by @adj (KVM's adjust_tsc_offset_guest()). */
static void svx_adjust_tsc_offset(struct svx_vcpu *vcpu, s64 adj)
{
	vcpu->tsc_offset += adj;
	svx_vcpu_load(vcpu);
	svx_vmwrite(TSC_OFFSET, vcpu->tsc_offset);
	svx_vcpu_put(vcpu);
	svx_kvmclock_tsc_changed(vcpu);	/* KVM_REQ_MASTERCLOCK_UPDATE */
}

/* KVM's nsec_to_cycles(): @ns of the guest's time in its TSC cycles */
static u64 svx_ns_to_cycles(const struct svx_vcpu *vcpu, u64 ns)
{
	return mul_u64_u32_div(ns, vcpu->tsc_khz, 1000000);
}

/*
 * KVM's __kvm_synchronize_tsc(), the bookkeeping: the last write, and
 * unless it @matched the current generation, a new generation whose
 * offset the next vCPUs take.  Lock held.
 */
static void svx_tsc_sync_record(struct svx_vcpu *vcpu, u64 offset, u64 tsc,
				s64 ns, bool matched)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;

	s->last_ns = ns;
	s->last_write = tsc;
	s->last_khz = vcpu->tsc_khz;
	s->last_offset = offset;
	if (!matched)
		s->cur_offset = offset;
}

/*
 * KVM's kvm_synchronize_tsc(): the VMM writes @data to the vCPU's TSC
 * (KVM_SET_MSRS of IA32_TSC; 0 at the vCPU's creation).  A 0, or a value
 * within one second (of the guest's cycles) of what the last write
 * would read now, is taken as synchronising the vCPUs: at the rate of
 * the last writer the vCPU gets the current generation's offset (with a
 * stable host TSC; else the last write plus the time since), so that
 * vCPUs created or restored together count together.  Anything else
 * sets the TSC and starts a generation.  IA32_TSC_ADJUST does not move.
 */
static void svx_synchronize_tsc(struct svx_vcpu *vcpu, u64 data)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;
	bool sync = false, matched = false;
	unsigned long flags;
	u64 offset, elapsed;
	s64 ns;

	raw_spin_lock_irqsave(&s->lock, flags);
	offset = data - svx_scale_tsc(rdtsc(), vcpu->tsc_ratio);
	ns = svx_kvmclock_base_ns();
	elapsed = ns - s->last_ns;
	if (vcpu->tsc_khz && !data) {
		sync = true;
	} else if (vcpu->tsc_khz) {
		u64 exp = s->last_write + svx_ns_to_cycles(vcpu, elapsed);
		u64 hz = vcpu->tsc_khz * 1000ULL;

		sync = data < exp + hz && data + hz > exp;
	}
	if (sync && vcpu->tsc_khz == s->last_khz) {
		if (!check_tsc_unstable()) {
			offset = s->cur_offset;
		} else {
			data += svx_ns_to_cycles(vcpu, elapsed);
			offset = data - svx_scale_tsc(rdtsc(), vcpu->tsc_ratio);
		}
		matched = true;
	}
	svx_tsc_sync_record(vcpu, offset, data, ns, matched);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	svx_adjust_tsc_offset(vcpu, offset - vcpu->tsc_offset);
}

/*
 * KVM_VCPU_TSC_OFFSET (core/kvmclock.c): the offset itself, recorded as a
 * write that matches the current generation when it is the last write's
 * offset at the last writer's rate (KVM's kvm_arch_tsc_set_attr()).
 */
void svx_set_tsc_offset(struct svx_vcpu *vcpu, u64 offset)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;
	unsigned long flags;
	bool matched;

	raw_spin_lock_irqsave(&s->lock, flags);
	matched = vcpu->tsc_khz && s->last_khz == vcpu->tsc_khz &&
		  s->last_offset == offset;
	svx_tsc_sync_record(vcpu, offset,
			    svx_scale_tsc(rdtsc(), vcpu->tsc_ratio) + offset,
			    svx_kvmclock_base_ns(), matched);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	svx_adjust_tsc_offset(vcpu, offset - vcpu->tsc_offset);
}

/*
 * A new vCPU's TSC, as KVM's kvm_synchronize_tsc(vcpu, 0) from
 * kvm_arch_vcpu_postcreate(): the VM's first vCPU (or the first at a new
 * rate) starts at 0, later ones at the same rate take the current offset,
 * so that they count together (vm->lock held).
 */
void svx_init_tsc(struct svx_vcpu *vcpu)
{
	svx_synchronize_tsc(vcpu, 0);
}

/*
 * IA32_TSC_ADJUST in soft slot @soft, as KVM's kvm_set_msr_common(): only
 * for a guest whose CPUID has TSC_ADJUST (else the write is dropped, no
 * #GP); a guest write moves the TSC by the change, the VMM's
 * (KVM_SET_MSRS, migration) only sets the value.
 */
static void svx_set_tsc_adjust(struct svx_vcpu *vcpu, int soft, u64 data,
			       bool host)
{
	if (!svx_cpuid_has_tsc_adjust(vcpu))
		return;
	if (!host)
		svx_adjust_tsc_offset(vcpu, data - vcpu->soft_msrs[soft]);
	vcpu->soft_msrs[soft] = data;
}

/*
 * IA32_TSC: a guest write moves TSC_ADJUST by as much as the TSC (SDM
 * 17.17.3, KVM); the VMM's write is KVM's kvm_synchronize_tsc() (the TSC
 * alone, or a resynchronisation that keeps the generation's offset).
 */
static void svx_set_tsc(struct svx_vcpu *vcpu, u64 data, bool host)
{
	s64 adj = data - svx_guest_tsc(vcpu, rdtsc());

	if (host) {
		svx_synchronize_tsc(vcpu, data);
		return;
	}
	vcpu->soft_msrs[svx_soft_msr_slot(MSR_IA32_TSC_ADJUST)] += adj;
	svx_adjust_tsc_offset(vcpu, adj);
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

static int svx_handle_msr(struct svx_vcpu *vcpu, bool write)
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

/*
 * HLT (KVM's kvm_emulate_halt()): with the local APIC in the kernel the
 * vCPU waits there (svx_irqchip_vcpu_ready()); else userspace does.
 */
static int svx_halt(struct svx_vcpu *vcpu)
{
	svx_skip_insn(vcpu);
	if (vcpu->lapic) {
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		return SVX_RESUME;
	}
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return SVX_USER;
}

/* ---------------------------------------------------------------------- */
/* Port I/O                                                                */

u64 svx_seg_base(struct svx_vcpu *vcpu, int seg)
{
	u64 base;

	/* In 64-bit mode only FS and GS have a base (SDM 3.2.4). */
	if (svx_code_mode(vcpu) == 8 && seg != 4 && seg != 5)
		return 0;
	svx_vcpu_load(vcpu);
	base = svx_vmread(GUEST_ES_BASE + seg * 2);
	svx_vcpu_put(vcpu);
	return base;
}

static u64 svx_addr_mask(int addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/*
 * A string I/O operand at @gva (@len bytes, one batch inside a page; @first:
 * the address of the first element, CR2 if it faults) read or written with
 * the guest's permissions at its CPL, as KVM's emulator accesses it.  0, 1
 * if the guest took a #PF (nothing moved), -EFAULT outside guest RAM.
 */
static int svx_string_io_access(struct svx_vcpu *vcpu, u64 gva, u64 first,
				void *buf, unsigned int len, bool write)
{
	u32 access = write ? SVX_ACC_WRITE : 0;
	struct svx_walk w;
	int r;

	if (svx_guest_cpl(vcpu) == 3)
		access |= SVX_ACC_USER;
	r = svx_guest_virt_access(vcpu, gva, buf, len, access, &w);
	if (r != 1)
		return r;
	/* The batch is inside one page: the first element's fault. */
	vcpu->cr2 = (w.fault_addr & PAGE_MASK) == (first & PAGE_MASK) ?
		    first : w.fault_addr;
	vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
	svx_inject_page_fault(vcpu, w.error_code);
	return 1;
}

/* KVM's kvm_get_linear_rip(), the vCPU loaded by the caller */
static u64 __svx_linear_rip(struct svx_vcpu *vcpu)
{
	if (__svx_code_mode(vcpu) == 8)
		return vcpu->rip;
	return (u32)(svx_vmread(GUEST_CS_BASE) + vcpu->rip);
}

u64 svx_linear_rip(struct svx_vcpu *vcpu)
{
	u64 rip;

	svx_vcpu_load(vcpu);
	rip = __svx_linear_rip(vcpu);
	svx_vcpu_put(vcpu);
	return rip;
}

/* the port whose OUT KVM completes before the exit (QEMU's kvmvapic) */
#define SVX_PIO_PORT_7E	0x7e

static void svx_set_reg_sized(struct svx_vcpu *vcpu, int reg, u64 val,
			      int size, bool high);
static void svx_string_advance(struct svx_vcpu *vcpu, int reg);

/*
 * complete_fast_pio_in() / complete_fast_pio_out(): unless userspace moved
 * the linear RIP meanwhile, an IN takes its value and RIP moves past the
 * instruction.  One svx_vcpu_load() for the RIP test and the skip.
 */
void svx_pio_complete_fast(struct svx_vcpu *vcpu, bool in)
{
	const void *data = vcpu->pio_data;
	bool same;

	svx_vcpu_load(vcpu);
	same = __svx_linear_rip(vcpu) == vcpu->pio.linear_rip;
	if (same) {
		if (in) {	/* AL, AX or EAX (zero-extended) */
			unsigned long *rax = &vcpu->regs[SVX_RAX];

			if (vcpu->pio.size == 1)
				*rax = (*rax & ~0xffUL) | *(const u8 *)data;
			else if (vcpu->pio.size == 2)
				*rax = (*rax & ~0xffffUL) |
				       *(const u16 *)data;
			else
				*rax = *(const u32 *)data;
		}
		__svx_skip_insn(vcpu);
	}
	svx_vcpu_put(vcpu);
	if (same)
		svx_skip_insn_trap(vcpu);
}

static int svx_handle_io(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned long q = vmx->exit_qual;
	struct kvm_run *run = vcpu->run;
	unsigned int size = (q & 7) + 1, count = 1;
	bool in = q & 8, string = q & 16, rep = q & 32;
	u32 pio_val = vcpu->regs[SVX_RAX];
	u64 mask, gva;

	/* the in-kernel devices' calls only when the VM has them */
	if (!string && ((READ_ONCE(vcpu->vm->pit) &&
			 !svx_pit_pio_len(vcpu->vm, q >> 16, size, !in,
					  &pio_val)) ||
			(READ_ONCE(vcpu->vm->irqchip) &&
			 svx_irqchip_pio(vcpu, q >> 16, !in, &pio_val,
					 size)))) {
		if (in)
			svx_set_reg_sized(vcpu, SVX_RAX, pio_val, size, false);
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	/* KVM_IOEVENTFD (core/eventfd.c): signalled, no exit */
	if (!string && !in && svx_ioeventfd_pio(vcpu, q >> 16, size, &pio_val)) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	vcpu->pio.port = q >> 16;
	vcpu->pio.size = size;
	vcpu->pio.string = string;
	vmx->l1d_flush |= string;	/* guest memory emulated: vmx/spec.c */
	vcpu->pio.rep = rep;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = vcpu->pio.port;
	run->io.data_offset = PAGE_SIZE;
	vcpu->stats.misc[SVX_STAT_PIO]++;
	trace_svx_pio(vcpu->id, vcpu->pio.port, size, in, string);

	if (!string) {
		run->io.count = 1;
		/*
		 * As KVM's kvm_fast_pio(): RIP moves past IN/OUT when userspace
		 * is done, unless it moved the linear RIP meanwhile
		 * (KVM_SET_REGS/SREGS); a register write alone does not cancel
		 * the I/O.  An OUT to port 0x7e moves RIP before the exit
		 * (KVM_X86_QUIRK_OUT_7E_INC_RIP, on unless disabled,
		 * core/quirks.c): QEMU's kvmvapic option ROM relies on it.
		 */
		vcpu->pio.linear_rip = svx_linear_rip(vcpu);
		if (in) {
			vcpu->pending = SVX_PENDING_PIO_IN;
		} else {
			memcpy(vcpu->pio_data, &vcpu->regs[SVX_RAX], size);
			vcpu->pending = SVX_PENDING_PIO_OUT;
			if (vcpu->pio.port == SVX_PIO_PORT_7E &&
			    svx_quirk(vcpu->vm, KVM_X86_QUIRK_OUT_7E_INC_RIP)) {
				svx_skip_insn(vcpu);
				vcpu->pending = SVX_PENDING_NONE;
			}
		}
		return SVX_USER;
	}

	/* INS/OUTS: instruction information gives address size and segment. */
	vcpu->pio.addr_size = 2 << ((vmx->exit_insn_info >> 7) & 7);
	mask = svx_addr_mask(vcpu->pio.addr_size);
	vcpu->pio.df = !!(vcpu->rflags & X86_EFLAGS_DF);
	if (rep) {
		u64 rcx = vcpu->regs[SVX_RCX] & mask;

		if (!rcx) {
			svx_skip_insn(vcpu);
			return SVX_RESUME;
		}
		count = min_t(u64, rcx, PAGE_SIZE / size);
	}
	/* Keep a batch inside one guest page, so one translation covers it. */
	if (in) {
		gva = svx_seg_base(vcpu, 0) + (vcpu->regs[SVX_RDI] & mask);
	} else {
		int seg = (vmx->exit_insn_info >> 15) & 7;

		gva = svx_seg_base(vcpu, seg) + (vcpu->regs[SVX_RSI] & mask);
	}
	if (!vcpu->pio.df)
		count = min_t(u64, count,
			      (PAGE_SIZE - (gva & ~PAGE_MASK)) / size ?: 1);
	else
		count = min_t(u64, count, (gva & ~PAGE_MASK) / size + 1);
	vcpu->pio.count = count;
	vcpu->pio.gva = gva;
	run->io.count = count;

	if (in) {
		vcpu->pending = SVX_PENDING_PIO_IN;
		return SVX_USER;
	}
	{
		u64 start = vcpu->pio.df ? gva - (u64)(count - 1) * size : gva;
		u8 *buf = vcpu->pio_data;
		unsigned int i, n = count * size;
		int r = svx_string_io_access(vcpu, start, gva, buf, n, false);

		if (r == 1)	/* #PF before any port access, as KVM */
			return SVX_RESUME;
		if (r) {
			svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   "OUTS source not in guest RAM");
			return SVX_USER;
		}
		if (vcpu->pio.df) {	/* deliver in execution order */
			for (i = 0; i < count / 2; i++) {
				u8 tmp[4];

				memcpy(tmp, buf + i * size, size);
				memcpy(buf + i * size,
				       buf + (count - 1 - i) * size, size);
				memcpy(buf + (count - 1 - i) * size, tmp, size);
			}
		}
		/*
		 * KVM_IOEVENTFD: KVM's emulator sends OUTS one element at a
		 * time; the elements an ioeventfd takes stay in the kernel.
		 */
		for (i = 0; i < count; i++)
			if (!svx_ioeventfd_pio(vcpu, vcpu->pio.port, size,
					       buf + i * size))
				break;
		if (i) {
			vcpu->stats.misc[SVX_STAT_PIO]--;	/* no exit */
			vcpu->pio.count = i;
			svx_string_advance(vcpu, SVX_RSI);
			return SVX_RESUME;
		}
	}
	vcpu->pending = SVX_PENDING_PIO_OUTS;
	return SVX_USER;
}

/* Advance RSI or RDI and RCX after @count string iterations. */
static void svx_string_advance(struct svx_vcpu *vcpu, int reg)
{
	u64 mask = svx_addr_mask(vcpu->pio.addr_size);
	u64 delta = (u64)vcpu->pio.count * vcpu->pio.size;
	u64 v = vcpu->regs[reg];

	v = vcpu->pio.df ? v - delta : v + delta;
	vcpu->regs[reg] = (vcpu->regs[reg] & ~mask) | (v & mask);
	if (vcpu->pio.rep) {
		v = (vcpu->regs[SVX_RCX] & mask) - vcpu->pio.count;
		vcpu->regs[SVX_RCX] = (vcpu->regs[SVX_RCX] & ~mask) |
				      (v & mask);
		if (v & mask)
			return;	/* re-execute for the next batch */
	}
	svx_skip_insn(vcpu);
}

/*
 * A REP INS/OUTS batch completes for at most the RCX userspace left: as
 * KVM's emulator, which re-executes the instruction with the current RCX
 * (userspace_io_test lowers and raises it during the exit).  false: RCX is
 * 0, the instruction is done and nothing moves.
 */
static bool svx_string_clamp(struct svx_vcpu *vcpu)
{
	u64 rcx = vcpu->regs[SVX_RCX] & svx_addr_mask(vcpu->pio.addr_size);

	if (!vcpu->pio.rep)
		return true;
	if (!rcx) {
		svx_skip_insn(vcpu);
		return false;
	}
	vcpu->pio.count = min_t(u64, vcpu->pio.count, rcx);
	return true;
}

static void svx_set_reg_sized(struct svx_vcpu *vcpu, int reg, u64 val,
			      int size, bool high)
{
	unsigned long *r = &vcpu->regs[reg];

	switch (size) {
	case 1:
		if (high)
			*r = (*r & ~0xff00UL) | (val & 0xff) << 8;
		else
			*r = (*r & ~0xffUL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffUL) | (val & 0xffff);
		break;
	case 4:
		*r = (u32)val;	/* 32-bit writes zero-extend */
		break;
	default:
		*r = val;
	}
}

static int svx_mmio_complete(struct svx_vcpu *vcpu, u64 old,
			     const struct svx_rmw *decoded);

/* Finish the exit userspace just handled; > 0 to run the guest. */
int svx_complete_user(struct svx_vcpu *vcpu)
{
	enum svx_pending_user p = vcpu->pending;
	u64 val = 0;
	int r;

	vcpu->pending = SVX_PENDING_NONE;
	switch (p) {
	case SVX_PENDING_NONE:
		break;
	case SVX_PENDING_PIO_IN:
		if (!vcpu->pio.string) {
			/* not where it was: dropped */
			svx_pio_complete_fast(vcpu, true);
			break;
		}
		if (!svx_string_clamp(vcpu))
			break;
		{
			unsigned int n = vcpu->pio.count * vcpu->pio.size;
			u64 start = vcpu->pio.gva;
			u8 *buf = vcpu->pio_data;

			if (vcpu->pio.df) {
				unsigned int i, sz = vcpu->pio.size;

				start -= (u64)(vcpu->pio.count - 1) * sz;
				for (i = 0; i < vcpu->pio.count / 2; i++) {
					u8 tmp[4];
					unsigned int j = vcpu->pio.count - 1 - i;

					memcpy(tmp, buf + i * sz, sz);
					memcpy(buf + i * sz, buf + j * sz, sz);
					memcpy(buf + j * sz, tmp, sz);
				}
			}
			r = svx_string_io_access(vcpu, start, vcpu->pio.gva,
						 buf, n, true);
			if (r == 1)	/* #PF: RDI and RCX stay */
				break;
			if (r) {
				svx_internal_error(vcpu,
						   KVM_INTERNAL_ERROR_EMULATION,
						   "INS destination not in guest RAM");
				return 0;
			}
		}
		svx_string_advance(vcpu, SVX_RDI);
		break;
	case SVX_PENDING_PIO_OUT:
		svx_pio_complete_fast(vcpu, false);
		break;
	case SVX_PENDING_PIO_OUTS:
		if (svx_string_clamp(vcpu))
			svx_string_advance(vcpu, SVX_RSI);
		break;
	case SVX_PENDING_MMIO_READ:
		memcpy(&val, vcpu->run->mmio.data, sizeof(val));
		if (vcpu->mmio.string) {
			if (svx_mmio_string_complete(vcpu, val) == SVX_USER)
				return 0;
			break;
		}
		if (svx_mmio_complete(vcpu, val, &vcpu->mmio.rmw) == SVX_USER)
			return 0;	/* the instruction's write */
		break;
	case SVX_PENDING_MMIO_FRAG:	/* vmx/mmio_vec.c */
		if (svx_mmio_frag_complete(vcpu, vcpu->run->mmio.data) ==
		    SVX_USER)
			return 0;
		break;
	case SVX_PENDING_RDMSR:		/* KVM's complete_fast_rdmsr() */
	case SVX_PENDING_WRMSR:		/* complete_fast_msr_access() */
		if (vcpu->run->msr.error) {
			svx_inject_gp(vcpu);
			break;
		}
		if (p == SVX_PENDING_RDMSR) {
			vcpu->regs[SVX_RAX] = (u32)vcpu->run->msr.data;
			vcpu->regs[SVX_RDX] = vcpu->run->msr.data >> 32;
		}
		svx_skip_insn(vcpu);
		break;
	}
	return 1;
}

/* ---------------------------------------------------------------------- */
/* The x86 emulator's host (x86/emulate.h)                                 */

/* A data read on the guest's behalf (movs source): its permissions. */
static int svx_emu_read_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	struct svx_walk w;

	return svx_guest_virt_access(vcpu, gva, buf, len,
				     svx_guest_cpl(vcpu) == 3 ?
				     SVX_ACC_USER : 0, &w) ? -EFAULT : 0;
}

/* A data write on the guest's behalf (push m): its permissions, A/D. */
static int svx_emu_write_virt(void *ctx, u64 gva, const void *buf,
			      unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	struct svx_walk w;

	return svx_guest_virt_access(vcpu, gva, (void *)buf, len,
				     SVX_ACC_WRITE |
				     (svx_guest_cpl(vcpu) == 3 ?
				      SVX_ACC_USER : 0), &w) ? -EFAULT : 0;
}

static int svx_emu_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	return svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, buf, len,
				 false);
}

/* The one write path: it tells the shadow MMU (svx_mmu_track_write()). */
static int svx_emu_write_phys(void *ctx, u64 gpa, const void *buf,
			      unsigned int len)
{
	return svx_write_guest_for(ctx, gpa, buf, len);
}

static int svx_emu_cmpxchg_phys(void *ctx, u64 gpa, void *old,
				const void *new, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	if (len == 16)
		return svx_host_cmpxchg16_gpa(vcpu->vm, gpa, old, new);
	return svx_host_cmpxchg_gpa(vcpu->vm, gpa, *(u64 *)old,
				    *(const u64 *)new, len);
}

static u64 svx_emu_seg_base(void *ctx, int seg)
{
	return svx_seg_base(ctx, seg);
}

static const struct svx_x86_ops svx_emu_ops = {
	.read_virt = svx_emu_read_virt,
	.read_phys = svx_emu_read_phys,
	.write_phys = svx_emu_write_phys,
	.cmpxchg_phys = svx_emu_cmpxchg_phys,
	.seg_base = svx_emu_seg_base,
	.write_virt = svx_emu_write_virt,
};

/* @mode known (the MMIO paths): no VMCS read */
void svx_emu_init_mode(struct svx_vcpu *vcpu, struct svx_x86_emu *e, int mode)
{
	e->ops = &svx_emu_ops;
	e->ctx = vcpu;
	e->mode = mode;
	e->regs = vcpu->regs;
	e->rflags = &vcpu->rflags;
	e->len = 0;
	e->retire = false;
	e->de = false;
}

void svx_emu_init(struct svx_vcpu *vcpu, struct svx_x86_emu *e)
{
	svx_emu_init_mode(vcpu, e, svx_code_mode(vcpu));
}

/*
 * Instruction fetches on the guest's behalf: with the guest's permissions
 * at its CPL (NX, SMEP, U/S; A set), as the CPU fetches.  The first read
 * (the bytes up to the end of the page) records its #PF in @ctx.
 */
struct svx_fetch_ctx {
	struct svx_vcpu *vcpu;
	u32 access;
	int reads;
	bool faulted;
	struct svx_walk fault;
};

static int svx_emu_fetch_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	struct svx_fetch_ctx *f = ctx;
	struct svx_walk w;
	int r;

	r = svx_guest_virt_access(f->vcpu, gva, buf, len, f->access, &w);
	if (r == 1 && !f->reads) {
		f->faulted = true;
		f->fault = w;
	}
	f->reads++;
	return r ? -EFAULT : 0;
}

static const struct svx_x86_ops svx_emu_fetch_ops = {
	.read_virt = svx_emu_fetch_virt,
};

/*
 * The instruction at the guest's CS:RIP: bytes fetched, -EAGAIN if the
 * fetch took a #PF (injected: the caller resumes the guest, as KVM's
 * emulator does), or -errno.
 */
static int svx_fetch_at(struct svx_vcpu *vcpu, bool user, u64 la, u8 *bytes)
{
	struct svx_fetch_ctx f = { .vcpu = vcpu, .access = SVX_ACC_FETCH };
	int r;

	if (user)
		f.access |= SVX_ACC_USER;
	r = svx_fetch_insn(&svx_emu_fetch_ops, &f, la, bytes);
	if (r < 0 && f.faulted) {
		vcpu->cr2 = f.fault.fault_addr;
		vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
		svx_inject_page_fault(vcpu, f.fault.error_code);
		return -EAGAIN;
	}
	return r;
}

int svx_fetch_guest_insn(struct svx_vcpu *vcpu, u8 *bytes)
{
	return svx_fetch_at(vcpu, svx_guest_cpl(vcpu) == 3,
			    svx_seg_base(vcpu, 1) + vcpu->rip, bytes);
}

/*
 * The MMIO path's fetch: the code size at CS (as svx_mmio_code_mode()),
 * the CPL and CS.base from one visit to the VMCS, then the bytes at
 * CS:RIP as svx_fetch_guest_insn() fetches them.
 */
static int svx_mmio_fetch(struct svx_vcpu *vcpu, u8 *bytes, int *mode)
{
	bool lm = svx_guest_long_mode(vcpu);
	u32 cs_ar, ss_ar;
	u64 base = 0;

	svx_vcpu_load(vcpu);
	cs_ar = svx_vmread(GUEST_CS_AR_BYTES);
	ss_ar = svx_vmread(GUEST_SS_AR_BYTES);
	*mode = svx_code_size(lm, cs_ar);
	if (*mode != 8)
		base = svx_vmread(GUEST_CS_BASE);
	svx_vcpu_put(vcpu);
	return svx_fetch_at(vcpu, !vcpu->rmode.active &&
			    ((ss_ar >> 5) & 3) == 3, base + vcpu->rip, bytes);
}

/* ---------------------------------------------------------------------- */
/* MMIO: a mov to or from a GPA that no memslot backs (or a read-only one) */

/* The code size at CS: 8, 4, or 2 (16-bit code, vm86 included). */
int svx_mmio_code_mode(struct svx_vcpu *vcpu)
{
	bool lm = svx_guest_long_mode(vcpu);
	u32 ar;

	svx_vcpu_load(vcpu);
	ar = svx_vmread(GUEST_CS_AR_BYTES);
	svx_vcpu_put(vcpu);
	return svx_code_size(lm, ar);
}

/*
 * An instruction the emulator cannot carry out: KVM_EXIT_INTERNAL_ERROR
 * with the layout of KVM's prepare_emulation_failure_exit() (6.1): flags,
 * the instruction bytes, then the exit reason, qualification, IDT-vectoring
 * information, interruption information and error code.
 */
void svx_emulation_failure(struct svx_vcpu *vcpu, const u8 *bytes, int n,
			   const char *why)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	u64 info[5] = { vmx->exit_reason, vmx->exit_qual,
			vmx->idt_vectoring, vmx->exit_intr_info, 0 };
	unsigned int start = 1;

	if (vmx->exit_intr_info & INTR_INFO_DELIVER_CODE_MASK)
		info[4] = vmx->exit_intr_error;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	if (n > 0) {
		n = min(n, SVX_INSN_MAX);
		start += 2;
		run->emulation_failure.flags |=
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = n;
		memset(run->emulation_failure.insn_bytes, 0x90,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, bytes, n);
	}
	memcpy(&run->internal.data[start], info, sizeof(info));
	run->emulation_failure.ndata = start + ARRAY_SIZE(info);
	svx_vm_warn(vcpu->vm, "vcpu%d: %s at rip %#lx: %*ph\n", vcpu->id, why,
		    vcpu->rip, n > 0 ? n : 0, bytes);
}

/*
 * The stack side of push m / pop m on MMIO: the guest's permissions at
 * its CPL, and a #PF recorded (KVM's emulator injects it; RIP stays).
 */
struct svx_stack_ctx {
	struct svx_vcpu *vcpu;
	bool faulted;
	struct svx_walk fault;
};

static int svx_stack_access(void *ctx, u64 gva, void *buf, unsigned int len,
			    u32 access)
{
	struct svx_stack_ctx *c = ctx;
	struct svx_walk w;
	int r;

	if (svx_guest_cpl(c->vcpu) == 3)
		access |= SVX_ACC_USER;
	r = svx_guest_virt_access(c->vcpu, gva, buf, len, access, &w);
	if (r == 1) {
		c->faulted = true;
		c->fault = w;
	}
	return r ? -EFAULT : 0;
}

static int svx_stack_read(void *ctx, u64 gva, void *buf, unsigned int len)
{
	return svx_stack_access(ctx, gva, buf, len, 0);
}

static int svx_stack_write(void *ctx, u64 gva, const void *buf,
			   unsigned int len)
{
	return svx_stack_access(ctx, gva, (void *)buf, len, SVX_ACC_WRITE);
}

static u64 svx_stack_seg_base(void *ctx, int seg)
{
	return svx_seg_base(((struct svx_stack_ctx *)ctx)->vcpu, seg);
}

static const struct svx_x86_ops svx_stack_ops = {
	.read_virt = svx_stack_read,
	.write_virt = svx_stack_write,
	.seg_base = svx_stack_seg_base,
};

/*
 * Execute the MMIO instruction saved in vcpu->mmio, memory having held
 * @old: registers and flags written, to_vmx(vcpu)->exit_insn_len set (RIP not
 * moved yet).  1 with *@new when memory is to be written, 0 when not;
 * -1 when it ended otherwise (#PF injected, emulation failure), *@ret
 * then being the exit handler's return.
 */
/*
 * SVX_RMW_STORE_SYS: the value stored, after KVM's checks (em_fnstcw()
 * and em_fnstsw(): CR0.TS or CR0.EM #NM; em_smsw() and em_store_sreg():
 * CR4.UMIP at CPL > 0 #GP(0)).  false with the exception injected.
 */
static bool svx_mmio_sys_val(struct svx_vcpu *vcpu, const struct svx_rmw *rmw,
			     u64 *val)
{
	switch (rmw->sub) {
	case SVX_SV_FCW:
	case SVX_SV_FSW:
		if (vcpu->cr0 & (X86_CR0_TS | X86_CR0_EM)) {
			svx_inject_exception(vcpu, X86_TRAP_NM, false, 0);
			return false;
		}
		*val = rmw->sub == SVX_SV_FCW ? svx_fpu_get_fcw(vcpu) :
						svx_fpu_get_fsw(vcpu);
		return true;
	default:
		break;
	}
	if ((vcpu->cr4 & X86_CR4_UMIP) && svx_guest_cpl(vcpu) > 0) {
		svx_inject_gp(vcpu);
		return false;
	}
	if (rmw->sub == SVX_SV_MSW) {
		*val = vcpu->cr0;
		return true;
	}
	svx_vcpu_load(vcpu);
	*val = svx_vmread(rmw->sub == SVX_SV_TR ? GUEST_TR_SELECTOR :
			  GUEST_LDTR_SELECTOR);
	svx_vcpu_put(vcpu);
	return true;
}

static int svx_mmio_execute_rmw(struct svx_vcpu *vcpu, u64 old,
				const struct svx_rmw *rmw, u64 *new, int *ret)
{
	struct svx_x86_emu e;
	bool written;

	*new = 0;
	svx_emu_init_mode(vcpu, &e, vcpu->mmio.mode);
	if (rmw->op == SVX_RMW_STORE_SYS &&
	    !svx_mmio_sys_val(vcpu, rmw, &e.sys_val)) {
		*ret = SVX_RESUME;	/* #NM or #GP injected: RIP stays */
		return -1;
	}
	if (rmw->op == SVX_RMW_PUSH || rmw->op == SVX_RMW_POP ||
	    rmw->op == SVX_RMW_JMP || rmw->op == SVX_RMW_CALL) {
		struct svx_stack_ctx sc = { .vcpu = vcpu };
		u32 cs_limit;
		int r;

		svx_vcpu_load(vcpu);	/* SS.B: the stack address size */
		e.ss_size = e.mode == 8 ? 8 :
			    (svx_vmread(GUEST_SS_AR_BYTES) & (1U << 14)) ? 4 : 2;
		cs_limit = svx_vmread(GUEST_CS_LIMIT);
		svx_vcpu_put(vcpu);
		e.ops = &svx_stack_ops;
		e.ctx = &sc;
		if (rmw->op == SVX_RMW_JMP || rmw->op == SVX_RMW_CALL) {
			e.ip = vcpu->rip;
			r = svx_x86_branch_complete(&e, rmw, old, cs_limit,
						    (vcpu->cr4 & X86_CR4_LA57) ?
						    57 : 48);
			if (r == 1) {	/* KVM's assign_eip(): #GP(0) */
				svx_inject_gp(vcpu);
				*ret = SVX_RESUME;
				return -1;
			}
			if (!r) {	/* RIP is the target: nothing to skip */
				vcpu->rip = e.ip;
				e.len = 0;
			}
		} else {
			r = svx_x86_stack_complete(&e, rmw, old, new);
		}
		if (r < 0 && sc.faulted) {	/* RIP and rSP stay */
			vcpu->cr2 = sc.fault.fault_addr;
			vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
			svx_inject_page_fault(vcpu, sc.fault.error_code);
			*ret = SVX_RESUME;
			return -1;
		}
		if (r < 0) {
			svx_emulation_failure(vcpu, vcpu->mmio.insn,
					      vcpu->mmio.avail,
					      "push/pop/call of MMIO: the stack is not in guest RAM");
			*ret = SVX_USER;
			return -1;
		}
		written = r;
	} else {
		written = svx_x86_rmw_complete(&e, rmw, old, new);
		if (e.de) {	/* KVM's emulate_de(): RIP stays */
			svx_inject_exception(vcpu, X86_TRAP_DE, false, 0);
			*ret = SVX_RESUME;
			return -1;
		}
	}
	to_vmx(vcpu)->exit_insn_len = e.len;
	return written;
}

int svx_mmio_execute(struct svx_vcpu *vcpu, u64 old, struct svx_rmw *rmw,
		     u64 *new, int *ret)
{
	*new = 0;
	if (svx_decode_rmw(vcpu->mmio.insn, vcpu->mmio.avail, vcpu->mmio.mode,
			   rmw)) {
		svx_emulation_failure(vcpu, vcpu->mmio.insn, vcpu->mmio.avail,
				      "MMIO instruction no longer decodes");
		*ret = SVX_USER;
		return -1;
	}
	return svx_mmio_execute_rmw(vcpu, old, rmw, new, ret);
}

/*
 * Carry out the MMIO instruction saved in vcpu->mmio, memory having held
 * @old: registers, flags and RIP move on; a store leaves as a
 * KVM_EXIT_MMIO write (SVX_USER), as KVM commits the instruction before
 * its write exit.
 */
static int svx_mmio_complete(struct svx_vcpu *vcpu, u64 old,
			     const struct svx_rmw *decoded)
{
	struct kvm_run *run = vcpu->run;
	struct svx_rmw rmw;
	unsigned int wsize;
	u64 new;
	int r, ret;

	/* decoded by the exit (a store) or kept from it (a read) */
	if (decoded) {
		rmw = *decoded;
		r = svx_mmio_execute_rmw(vcpu, old, &rmw, &new, &ret);
	} else {
		r = svx_mmio_execute(vcpu, old, &rmw, &new, &ret);
	}
	if (r < 0)
		return ret;
	if (!r) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	wsize = rmw.wr_size ?: rmw.size;	/* sldt/str: 2 of what it read */
	/* the local APIC's or the IOAPIC's: RIP still at the instruction */
	if (svx_irqchip_mmio(vcpu, vcpu->mmio.gpa, true, &new, wsize)) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	/* KVM_IOEVENTFD (core/eventfd.c): signalled, no exit */
	if (svx_ioeventfd_mmio(vcpu, vcpu->mmio.gpa, wsize, &new)) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	svx_skip_insn(vcpu);
	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, vcpu->mmio.gpa, vcpu->mmio.gpa, wsize, true);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = vcpu->mmio.gpa;
	run->mmio.len = wsize;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &new, wsize);
	return SVX_USER;
}

/*
 * An access to a GPA no memslot backs (or a write to a read-only one):
 * the instruction at RIP decoded by x86/emulate.c; one that reads memory
 * leaves as a KVM_EXIT_MMIO read and completes on the next KVM_RUN
 * (svx_complete_user()), its store, if any, then leaving as a write.
 * @write (the access the fault reported) is not needed: the decoder knows.
 */
int svx_emulate_mmio(struct svx_vcpu *vcpu, u64 gva, u64 gpa, bool write)
{
	struct kvm_run *run = vcpu->run;
	u8 bytes[SVX_INSN_MAX];
	struct svx_rmw rmw;
	int avail, mode, r;
	u64 old = 0;

	to_vmx(vcpu)->l1d_flush = true;		/* emulation: vmx/spec.c */
	avail = svx_mmio_fetch(vcpu, bytes, &mode);
	if (avail == -EAGAIN)
		return SVX_RESUME;	/* the fetch took a #PF */
	if (avail < 0) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "cannot fetch the instruction that accessed MMIO");
		return SVX_USER;
	}
	vcpu->mmio.string = 0;
	vcpu->mmio.frag = 0;
	/* the common forms first: no string or vector form decodes as one */
	r = svx_decode_rmw(bytes, avail, mode, &rmw);
	if (r && svx_mmio_string(vcpu, bytes, avail, mode, &r))
		return r;
	if (r && svx_mmio_vec(vcpu, bytes, avail, mode, gpa, &r)) /* mmio_vec.c */
		return r;
	if (r && svx_mmio_std(vcpu, bytes, avail, mode, &r))	/* mmio_vec.c */
		return r;
	if (!r && rmw.lock && !svx_rmw_lockable(&rmw)) {
		svx_inject_ud(vcpu);	/* KVM: LOCK without its Lock flag */
		return SVX_RESUME;
	}
	if (!r && (rmw.op == SVX_RMW_LSEG || rmw.op == SVX_RMW_JMPF ||
		   rmw.op == SVX_RMW_CALLF))	/* vmx/mmio_vec.c */
		return svx_mmio_lseg(vcpu, bytes, avail, mode, gpa, &rmw);
	/* an operand across a page (its GPA may be the second page's) */
	if (!r && svx_mmio_split(vcpu, bytes, avail, mode, &rmw, &gpa, &r))
		return r;	/* vmx/mmio_vec.c */
	if (!r && svx_mmio_cmpxchg16b(vcpu, bytes, avail, mode, gpa, &rmw, &r))
		return r;
	if (r || rmw.size > 8 || (gpa & ~PAGE_MASK) + rmw.size > PAGE_SIZE) {
		svx_emulation_failure(vcpu, bytes, avail,
				      "MMIO access by an instruction the emulator does not carry out");
		return SVX_USER;
	}
	vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	memcpy(vcpu->mmio.insn, bytes, sizeof(vcpu->mmio.insn));
	vcpu->mmio.avail = avail;
	vcpu->mmio.mode = mode;
	vcpu->mmio.gpa = gpa;
	/*
	 * A read-only memslot (ROM) is read in place: only its writes exit.
	 * The vCPU's address space (SMM's in SMM).
	 */
	if (!rmw.mem_read ||
	    !svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, &old,
			       rmw.size, false) ||
	    svx_irqchip_mmio(vcpu, gpa, false, &old, rmw.size))
		return svx_mmio_complete(vcpu, old, &rmw);
	vcpu->mmio.rmw = rmw;
	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, gva, gpa, rmw.size, false);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = rmw.size;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	vcpu->pending = SVX_PENDING_MMIO_READ;
	return SVX_USER;
}

/* ---------------------------------------------------------------------- */
/* A guest write to a shadowed page table (svx_mmu_page_fault() said so)  */

static int svx_emulate_pt_write(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u64 gpa = vcpu->mmu.emulate_gpa;
	u8 bytes[SVX_INSN_MAX];
	struct svx_x86_write w;
	struct svx_x86_emu e;
	int avail;

	svx_emu_init(vcpu, &e);
	avail = svx_fetch_guest_insn(vcpu, bytes);
	if (avail == -EAGAIN)
		return SVX_RESUME;	/* the fetch took a #PF */
	if (avail >= 0 && !svx_x86_emulate_rmw(&e, bytes, avail, gpa, &w)) {
		vmx->exit_insn_len = e.len;
		svx_skip_insn(vcpu);
		vcpu->stats.mmu[SVX_MMU_PT_WRITE]++;
		vcpu->stats.mmu[SVX_MMU_EMULATED]++;
		trace_svx_pt_write_emulated(vcpu->id, gpa, w.old,
					    w.written ? w.new : w.old, w.size);
		svx_mmu_pte_write(vcpu, gpa, w.new, w.size, w.written);
		return SVX_RESUME;
	}
	/*
	 * Not a single read-modify-write: the page stops being shadowed.  A
	 * string store (rep stos/movs, e.g. clearing a page) is carried out
	 * up to the end of the page first, so the guest makes progress even
	 * when the page is a table of its own current translation (which a
	 * plain retry would shadow again, forever).  Anything else retries
	 * the write.
	 */
	if (avail > 0 && svx_x86_emulate_string(&e, bytes, avail, gpa)) {
		if (e.retire) {
			vmx->exit_insn_len = e.len;
			svx_skip_insn(vcpu);
		}
		vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	}
	svx_mmu_unprotect_gfn(vcpu, gpa >> PAGE_SHIFT);
	return SVX_RESUME;
}

/* ---------------------------------------------------------------------- */
/* EPT violations and misconfigurations: decoded here, for mmu/ept.c       */

static int svx_handle_ept_violation(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u64 q = vmx->exit_qual, gpa = vmx->exit_gpa, gva = gpa;
	u32 error = 0;
	int r;

	trace_svx_ept_violation(vcpu->id, gpa, q);
	if (q & EPT_VIOLATION_ACC_WRITE)
		error |= SVX_ACC_WRITE;
	if (q & EPT_VIOLATION_ACC_INSTR)
		error |= SVX_ACC_FETCH;
	r = svx_ept_page_fault(vcpu, gpa, error);
	if (r != SVX_EMULATE)
		return r;
	/* Bit 7: the linear address is valid (SDM 27.2.1, Table 27-7). */
	if (q & BIT(7)) {
		svx_vcpu_load(vcpu);
		gva = svx_vmread(GUEST_LINEAR_ADDRESS);
		svx_vcpu_put(vcpu);
	}
	return svx_emulate_mmio(vcpu, gva, gpa, error & SVX_ACC_WRITE);
}

static int svx_handle_ept_misconfig(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	int r = svx_ept_misconfig(vcpu, vmx->exit_gpa);

	if (r != SVX_EMULATE)
		return r;
	vcpu->stats.mmu[SVX_MMU_MMIO_FAST]++;
	return svx_emulate_mmio(vcpu, vmx->exit_gpa, vmx->exit_gpa, false);
}

/* ---------------------------------------------------------------------- */
/* System instructions vm86 faults on (vmx/rmode.c)                        */

/* LGDT/LIDT: 16-bit operand size loads a 24-bit base (SDM LGDT). */
static int svx_exec_load_dt(struct svx_vcpu *vcpu, const struct svx_sys *sys)
{
	u8 dt[6];
	u32 base;

	if (svx_read_guest_virt(vcpu, sys->addr, dt, sizeof(dt))) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "LGDT/LIDT operand not in guest RAM");
		return SVX_USER;
	}
	memcpy(&base, dt + 2, 4);
	if (!sys->opsize32)
		base &= 0xffffff;
	svx_vcpu_load(vcpu);
	svx_vmwrite(sys->op == SVX_SYS_LGDT ? GUEST_GDTR_BASE : GUEST_IDTR_BASE,
		    base);
	svx_vmwrite(sys->op == SVX_SYS_LGDT ? GUEST_GDTR_LIMIT :
		    GUEST_IDTR_LIMIT, dt[0] | dt[1] << 8);
	svx_vcpu_put(vcpu);
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/*
 * Carry out @sys, decoded at the guest's RIP, through the exit handler
 * the instruction has when it exits in protected mode (same checks, same
 * faults), with the exit information it would have had.
 */
int svx_exec_sys(struct svx_vcpu *vcpu, const struct svx_sys *sys)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u16 msw;

	vmx->exit_insn_len = sys->len;
	switch (sys->op) {
	case SVX_SYS_HLT:
		return svx_halt(vcpu);
	case SVX_SYS_INVD:
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	case SVX_SYS_RDMSR:
	case SVX_SYS_WRMSR:
		return svx_handle_msr(vcpu, sys->op == SVX_SYS_WRMSR);
	case SVX_SYS_CLTS:
		vmx->exit_qual = 2 << 4;
		return svx_handle_cr(vcpu);
	case SVX_SYS_MOV_FROM_CR:
	case SVX_SYS_MOV_TO_CR:
		/* CR8 exists in 64-bit mode only; CR1, CR5-7 nowhere. */
		if (sys->cr == 1 || sys->cr > 4) {
			svx_inject_ud(vcpu);
			return SVX_RESUME;
		}
		vmx->exit_qual = sys->cr | sys->reg << 8 |
				  (sys->op == SVX_SYS_MOV_FROM_CR) << 4;
		return svx_handle_cr(vcpu);
	case SVX_SYS_MOV_FROM_DR:
	case SVX_SYS_MOV_TO_DR:
		vmx->exit_qual = sys->cr | sys->reg << 8 |
				  (sys->op == SVX_SYS_MOV_FROM_DR) << 4;
		return svx_handle_dr(vcpu);
	case SVX_SYS_LMSW:
		if (!sys->mem)
			msw = vcpu->regs[sys->reg];
		else if (svx_read_guest_virt(vcpu, sys->addr, &msw, 2))
			break;
		vmx->exit_qual = 3 << 4 | (unsigned long)msw << 16;
		return svx_handle_cr(vcpu);
	case SVX_SYS_LGDT:
	case SVX_SYS_LIDT:
		return svx_exec_load_dt(vcpu, sys);
	}
	svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
			   "LMSW operand not in guest RAM");
	return SVX_USER;
}

/* ---------------------------------------------------------------------- */

static int svx_handle_exception(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 info = vmx->exit_intr_info;
	u8 vector = info & 0xff;
	u32 type = (info & SVX_INTR_TYPE_MASK) >> SVX_INTR_TYPE_SHIFT;

	if (type == SVX_INTR_TYPE_NMI)
		return SVX_RESUME;	/* handled by the host already */
	if (vector == X86_TRAP_DB || vector == X86_TRAP_BP) {
		int r;

		svx_vcpu_load(vcpu);
		r = svx_debug_exception(vcpu, vector, type);
		svx_vcpu_put(vcpu);
		if (r >= 0)
			return r;
	}
	if (vcpu->rmode.active && vector != X86_TRAP_PF)
		return svx_rmode_exception(vcpu, vector, type);
	if (vector == X86_TRAP_UD)
		return svx_handle_ud(vcpu);	/* vmx/hypercall.c */
	if (vector == X86_TRAP_PF) {
		int r = svx_mmu_page_fault(vcpu, vmx->exit_qual,
					   vmx->exit_intr_error);

		return r == SVX_EMULATE ? svx_emulate_pt_write(vcpu) : r;
	}
	svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
			   "unexpected guest exception exit");
	return SVX_USER;
}

int svx_handle_exit(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	u32 reason = vmx->exit_reason;
	int r;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = reason;
		run->fail_entry.cpu = vmx->last_cpu;
		vcpu->stats.misc[SVX_STAT_FAILED_ENTRY]++;
		svx_vm_warn(vcpu->vm, "vcpu%d: VM entry failed, exit reason %#x (qualification %#lx)\n",
			    vcpu->id, reason, vmx->exit_qual);
		return SVX_USER;
	}

	switch (reason & 0xffff) {
	case EXIT_REASON_EXCEPTION_NMI:
		return svx_handle_exception(vcpu);
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_INTERRUPT_WINDOW:	/* re-evaluated before entry */
	case EXIT_REASON_NMI_WINDOW:
		return SVX_RESUME;
	case EXIT_REASON_TRIPLE_FAULT:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return SVX_USER;
	case EXIT_REASON_CPUID:
		return svx_handle_cpuid(vcpu);
	case EXIT_REASON_HLT:
		return svx_halt(vcpu);
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		svx_skip_insn(vcpu);	/* as KVM: NOPs */
		return SVX_RESUME;
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		return svx_quirks_monitor_mwait(vcpu);	/* core/quirks.c */
	case EXIT_REASON_INVLPG:
		svx_mmu_invlpg(vcpu, vmx->exit_qual);
		svx_vpid_flush_gva(vcpu, vmx->exit_qual);
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	case EXIT_REASON_VMCALL:
		return svx_handle_vmcall(vcpu);	/* vmx/hypercall.c */
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
		svx_inject_ud(vcpu);
		return SVX_RESUME;
	case EXIT_REASON_XSETBV:
		return svx_handle_xsetbv(vcpu);	/* x86/fpu.c */
	case EXIT_REASON_RDPMC:		/* no PMU for the guest: #GP(0) */
		svx_inject_gp(vcpu);
		return SVX_RESUME;
	case EXIT_REASON_CR_ACCESS:
		return svx_handle_cr(vcpu);
	case EXIT_REASON_DR_ACCESS:
		return svx_handle_dr(vcpu);
	case EXIT_REASON_IO_INSTRUCTION:
		return svx_handle_io(vcpu);
	case EXIT_REASON_MSR_READ:
		return svx_handle_msr(vcpu, false);
	case EXIT_REASON_MSR_WRITE:
		return svx_handle_msr(vcpu, true);
	case EXIT_REASON_EPT_VIOLATION:
		return svx_handle_ept_violation(vcpu);
	case EXIT_REASON_EPT_MISCONFIG:
		return svx_handle_ept_misconfig(vcpu);
	case EXIT_REASON_TASK_SWITCH:
		return svx_handle_task_switch(vcpu);
	}
	r = svx_cpufeat_exit(vcpu, reason & 0xffff);	/* INVPCID, UMIP */
	if (r >= 0)
		return r;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
	run->internal.ndata = 2;
	run->internal.data[0] = reason;
	run->internal.data[1] = vmx->last_cpu;
	svx_vm_warn(vcpu->vm, "vcpu%d: unhandled VM exit reason %u at rip %#lx\n",
		    vcpu->id, reason & 0xffff, vcpu->rip);
	return SVX_USER;
}
