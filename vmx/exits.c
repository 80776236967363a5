// SPDX-License-Identifier: GPL-2.0
/*
 * VM exits: the dispatch by exit reason and the handlers too small for a
 * file of their own.
 *
 * svx_handle_exit() sends each exit reason to its handler: control
 * registers (cr.c), MSRs (msr.c), port I/O (pio.c), MMIO (mmio.c), debug
 * registers (debugreg.c), task switches (taskswitch.c), VMCALL and #UD
 * (hypercall.c), INVPCID and the descriptor-table exits (cpufeat.c); here
 * are CPUID, HLT, INVLPG, the VMX instructions (#UD), the exceptions
 * (shadow page faults, with the emulation of a guest's write to a page
 * table it shadows, and vm86's), the EPT violations and misconfigurations
 * decoded for mmu/ept.c, and the exit reasons no handler takes (an internal
 * error).  Also here: the helpers every handler uses (skip the instruction,
 * queue an exception with the SDM's double-fault rules, the CPL and the
 * code size), and the system instructions vm86 faults on, run through the
 * exit handler they have in protected mode (svx_exec_sys(), rmode.c).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "walker.h"
#include "svx_trace.h"
#include "cpuid.h"
#include "fpu.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"
#include "irq.h"

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

/* The base of segment @seg (ES=0 .. GS=5) as the guest's code uses it */
u64 svx_seg_base(struct svx_vcpu *vcpu, int seg)
{
	struct kvm_segment var;
	u64 base;

	/* In 64-bit mode only FS and GS have a base (SDM 3.2.4). */
	if (svx_code_mode(vcpu) == 8 && seg != 4 && seg != 5)
		return 0;
	svx_vcpu_load(vcpu);
	/* big real mode (SMM): the guest's base, not vm86's */
	if (svx_rmode_guest_seg(vcpu, seg, &var))
		base = var.base;
	else
		base = svx_vmread(GUEST_ES_BASE + seg * 2);
	svx_vcpu_put(vcpu);
	return base;
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
/* A guest write to a shadowed page table (svx_mmu_page_fault() said so)  */

static int svx_emulate_pt_write(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u64 gpa = vcpu->mmu.emulate_gpa;
	unsigned long last_rip = vcpu->mmu.last_retry_rip;
	u64 last_gpa = vcpu->mmu.last_retry_gpa;
	u8 bytes[SVX_INSN_MAX];
	struct svx_x86_write w;
	struct svx_x86_emu e;
	int avail;

	vcpu->mmu.last_retry_rip = 0;
	vcpu->mmu.last_retry_gpa = 0;
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
	 * Not a single read-modify-write, so not a page-table update: the
	 * page stops being shadowed and the guest runs the instruction again
	 * (KVM's retry_instruction()); a page being reused, e.g. cleared with
	 * rep stos, costs one exit instead of an emulated page.  When the same
	 * instruction faults on the same address right after its retry, the
	 * page is a table of the store's own translation (the retry shadowed
	 * it again): a string store (rep stos/movs) is then carried out up to
	 * the end of the page, so the guest makes progress.  Anything else
	 * retries the write.
	 */
	if (vcpu->rip != last_rip || gpa != last_gpa) {
		vcpu->mmu.last_retry_rip = vcpu->rip;
		vcpu->mmu.last_retry_gpa = gpa;
	} else if (avail > 0 && svx_x86_emulate_string(&e, bytes, avail, gpa)) {
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
