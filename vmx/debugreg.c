// SPDX-License-Identifier: GPL-2.0
/*
 * Live debug registers and KVM_SET_GUEST_DEBUG, as kvm_intel (Linux 6.1
 * arch/x86/kvm/x86.c kvm_set_dr(), kvm_update_dr7(),
 * kvm_arch_vcpu_ioctl_set_guest_debug(), kvm_vcpu_do_singlestep(),
 * vcpu_enter_guest(); vmx/vmx.c handle_dr(), vmx_sync_dirty_debug_regs(),
 * handle_exception_nmi()).
 *
 * The guest's DR7 is GUEST_DR7, loaded and saved by the VMCS debug
 * controls.  DR0-3 are loaded into the CPU before an entry whenever the
 * effective DR7 arms one of them.  MOV DR exits until the guest's first
 * one (when no one debugs the guest from userspace): from then on
 * MOV-DR exiting is off, DR0-3 and DR6 are the guest's while it runs, and
 * each exit reads them back and turns exiting on again (KVM's lazy
 * KVM_DEBUGREG_WONT_EXIT).  The host's breakpoints are put back after the
 * exit with hw_breakpoint_restore(), as KVM.  #DB is always intercepted:
 * DR6 is updated from the exit qualification as KVM's payload.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kvm_types.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/paravirt.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/trapnr.h>
#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"

#define SVX_DR6_BD		BIT(13)
#define SVX_DR6_BS		BIT(14)
#define SVX_DR6_RTM		BIT(16)
#define SVX_DR6_BUS_LOCK	BIT(11)
#define SVX_DR6_ACTIVE_LOW	0xffff0ff0UL
#define SVX_DR6_VOLATILE	0x0001e80fUL
#define SVX_DR6_FIXED_1		(SVX_DR6_ACTIVE_LOW & ~SVX_DR6_VOLATILE)
#define SVX_DR7_BP_EN_MASK	0xffUL
#define SVX_DR7_GD		BIT(13)
#define SVX_DR7_FIXED_1		0x400UL
#define SVX_DR7_VOLATILE	0xffff2bffUL

/* KVM 6.1's KVM_GUESTDBG_VALID_MASK */
#define SVX_GUESTDBG_VALID_MASK (KVM_GUESTDBG_ENABLE | \
	KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP | \
	KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_INJECT_BP | \
	KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_BLOCKIRQ)

u32 svx_guestdbg_valid_mask(void)
{
	return SVX_GUESTDBG_VALID_MASK;
}

/* kvm_update_dr0123() */
static void svx_update_dr0123(struct svx_vcpu *vcpu)
{
	if (!(vcpu->dbg.guest_debug & KVM_GUESTDBG_USE_HW_BP))
		memcpy(vcpu->dbg.eff_db, vcpu->dr, sizeof(vcpu->dbg.eff_db));
}

/* kvm_update_dr7(): the effective DR7 into GUEST_DR7.  vCPU loaded. */
void svx_update_dr7(struct svx_vcpu *vcpu)
{
	unsigned long dr7;

	if (vcpu->dbg.guest_debug & KVM_GUESTDBG_USE_HW_BP)
		dr7 = vcpu->dbg.guest_debug_dr7;
	else
		dr7 = vcpu->dr[7];
	svx_vmwrite(GUEST_DR7, dr7);
	vcpu->dbg.switch_db &= ~SVX_DEBUGREG_BP_ENABLED;
	if (dr7 & SVX_DR7_BP_EN_MASK)
		vcpu->dbg.switch_db |= SVX_DEBUGREG_BP_ENABLED;
}

/* RESET and INIT (kvm_vcpu_reset()): vCPU loaded, dr[] already reset. */
void svx_debug_reset(struct svx_vcpu *vcpu)
{
	svx_update_dr0123(vcpu);
	svx_update_dr7(vcpu);
}

/* kvm_dr6_fixed() */
static unsigned long svx_dr6_fixed(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, 7, 0);
	unsigned long fixed = SVX_DR6_FIXED_1;

	if (!e || !(e->ebx & BIT(11)))		/* RTM */
		fixed |= SVX_DR6_RTM;
	if (!e || !(e->ecx & BIT(24)))		/* BUS_LOCK_DETECT */
		fixed |= SVX_DR6_BUS_LOCK;
	return fixed;
}

/* kvm_set_dr(): 1 for #GP.  vCPU loaded. */
int svx_set_dr(struct svx_vcpu *vcpu, int dr, unsigned long val)
{
	switch (dr) {
	case 0 ... 3:
		vcpu->dr[dr] = val;
		if (!(vcpu->dbg.guest_debug & KVM_GUESTDBG_USE_HW_BP))
			vcpu->dbg.eff_db[dr] = val;
		break;
	case 4:
	case 6:
		if (val >> 32)
			return 1;
		vcpu->dr[6] = (val & SVX_DR6_VOLATILE) | svx_dr6_fixed(vcpu);
		break;
	default:	/* 5, 7 */
		if (val >> 32)
			return 1;
		vcpu->dr[7] = (val & SVX_DR7_VOLATILE) | SVX_DR7_FIXED_1;
		svx_update_dr7(vcpu);
		break;
	}
	return 0;
}

/* kvm_get_dr() */
static unsigned long svx_get_dr(struct svx_vcpu *vcpu, int dr)
{
	switch (dr) {
	case 0 ... 3:
		return vcpu->dr[dr];
	case 4:
	case 6:
		return vcpu->dr[6];
	default:
		return vcpu->dr[7];
	}
}

static void svx_fill_debug_exit(struct svx_vcpu *vcpu, u32 vector,
				unsigned long dr6, unsigned long dr7)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = vector;
	run->debug.arch.pc = svx_linear_rip(vcpu);
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = dr7;
}

/*
 * kvm_queue_exception_p(vcpu, DB_VECTOR, payload) with the payload
 * delivered into DR6 (kvm_deliver_exception_payload()), and DR7.GD
 * cleared as the CPU does when it delivers #DB (inject_pending_event()).
 */
void svx_queue_db(struct svx_vcpu *vcpu, unsigned long payload)
{
	svx_deliver_db_payload(vcpu, payload);
	svx_clear_dr7_gd(vcpu);
	svx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
}

/* A #DB's payload into DR6 (kvm_deliver_exception_payload()). */
void svx_deliver_db_payload(struct svx_vcpu *vcpu, unsigned long payload)
{
	unsigned long *dr6 = &vcpu->dr[6];

	*dr6 &= ~(unsigned long)DR_TRAP_BITS;
	*dr6 |= SVX_DR6_ACTIVE_LOW;
	*dr6 |= payload;
	*dr6 ^= payload & SVX_DR6_ACTIVE_LOW;
	*dr6 &= ~BIT(12);
}

/* The CPU clears DR7.GD when it delivers #DB (inject_pending_event()). */
void svx_clear_dr7_gd(struct svx_vcpu *vcpu)
{
	if (vcpu->dr[7] & SVX_DR7_GD) {
		vcpu->dr[7] &= ~SVX_DR7_GD;
		svx_vcpu_load(vcpu);
		svx_update_dr7(vcpu);
		svx_vcpu_put(vcpu);
	}
}

/*
 * After an instruction the module executed for the guest (svx_skip_insn,
 * KVM's kvm_skip_emulated_instruction()) with RFLAGS.TF set before it:
 * the single-step trap, kvm_vcpu_do_singlestep().
 */
void svx_debug_singlestep(struct svx_vcpu *vcpu)
{
	unsigned long pend;

	/*
	 * This is the instruction's single-step: a BS left pending in the
	 * VMCS would report it a second time at the next entry.  Hardware
	 * saves none for an instruction's VM exit (it is fault-like), but
	 * Bochs 2.7 does, and kvm_intel 6.1 then reports the step twice
	 * there (the upstream debug_regs test fails on it in the bench).
	 */
	svx_vcpu_load(vcpu);
	pend = svx_vmread(GUEST_PENDING_DBG_EXCEPTIONS);
	if (pend & SVX_DR6_BS)
		svx_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, pend & ~SVX_DR6_BS);
	svx_vcpu_put(vcpu);
	if (vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP) {
		svx_fill_debug_exit(vcpu, X86_TRAP_DB,
				    SVX_DR6_BS | SVX_DR6_ACTIVE_LOW,
				    vcpu->run->debug.arch.dr7);
		vcpu->dbg.user_exit = true;
		return;
	}
	svx_queue_db(vcpu, SVX_DR6_BS);
}

/* A KVM_EXIT_DEBUG prepared by svx_debug_singlestep(): report it. */
bool svx_debug_take_user_exit(struct svx_vcpu *vcpu)
{
	if (!vcpu->dbg.user_exit)
		return false;
	vcpu->dbg.user_exit = false;
	vcpu->run->exit_reason = KVM_EXIT_DEBUG;
	return true;
}

/* handle_dr(); vCPU loaded */
static int __svx_handle_dr(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned long q = vmx->exit_qual;
	int dr = q & 7, reg = (q >> 8) & 15;
	unsigned long dr7;
	int err = 1;

	/* kvm_require_dr() */
	if ((dr == 4 || dr == 5) && (vcpu->cr4 & X86_CR4_DE)) {
		svx_inject_ud(vcpu);
		return SVX_RESUME;
	}
	if (svx_guest_cpl(vcpu) > 0)
		goto out;

	dr7 = svx_vmread(GUEST_DR7);
	if (dr7 & SVX_DR7_GD) {
		/* The exit comes before the general-detect #DB: raise it. */
		if (vcpu->dbg.guest_debug & KVM_GUESTDBG_USE_HW_BP) {
			svx_fill_debug_exit(vcpu, X86_TRAP_DB,
					    SVX_DR6_BD | SVX_DR6_ACTIVE_LOW,
					    dr7);
			return SVX_USER;
		}
		svx_queue_db(vcpu, SVX_DR6_BD);
		return SVX_RESUME;
	}

	if (!vcpu->dbg.guest_debug &&
	    (vmx->exit_reason & 0xffff) == EXIT_REASON_DR_ACCESS) {
		/*
		 * No more MOV DR exits: the registers are loaded before the
		 * entry, which runs this instruction again; the next exit
		 * reads them back.  (Not for a MOV DR the module emulates,
		 * e.g. in vm86: it would fault again.)
		 */
		vmx->proc_ctls &= ~CPU_BASED_MOV_DR_EXITING;
		svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx->proc_ctls);
		vcpu->dbg.switch_db |= SVX_DEBUGREG_WONT_EXIT;
		return SVX_RESUME;
	}

	if (q & 0x10) {
		vcpu->regs[reg] = svx_get_dr(vcpu, dr);
		if (svx_code_mode(vcpu) != 8)
			vcpu->regs[reg] = (u32)vcpu->regs[reg];
		err = 0;
	} else {
		unsigned long val = vcpu->regs[reg];

		if (svx_code_mode(vcpu) != 8)
			val = (u32)val;
		err = svx_set_dr(vcpu, dr, val);
	}
out:
	if (err)
		svx_inject_gp(vcpu);
	else
		svx_skip_insn(vcpu);
	return SVX_RESUME;
}

int svx_handle_dr(struct svx_vcpu *vcpu)
{
	int r;

	svx_vcpu_load(vcpu);
	r = __svx_handle_dr(vcpu);
	svx_vcpu_put(vcpu);
	return r;
}

/*
 * Before the entry, interrupts off, after the last look at requests
 * (vcpu_enter_guest()): the guest's DR0-3 (and DR6 while MOV DR does not
 * exit) into the CPU.  The host's DEBUGCTL was read before the first of
 * the entries svx_enter_guest() makes (vmx/run.c; fast-path re-entries
 * do not change it).  DR7 comes from GUEST_DR7; the host's is cleared
 * first so that none of its breakpoints fires on the way in.
 */
void svx_debug_before_entry(struct svx_vcpu *vcpu)
{
	struct svx_dbg *d = &vcpu->dbg;

	if (unlikely(d->switch_db)) {
		set_debugreg(0, 7);
		set_debugreg(d->eff_db[0], 0);
		set_debugreg(d->eff_db[1], 1);
		set_debugreg(d->eff_db[2], 2);
		set_debugreg(d->eff_db[3], 3);
		if (d->switch_db & SVX_DEBUGREG_WONT_EXIT)
			set_debugreg(vcpu->dr[6], 6);
	} else if (unlikely(hw_breakpoint_active())) {
		set_debugreg(0, 7);
	}
	/*
	 * Single-stepping over STI or MOV SS from userspace: the entry
	 * would want a pending BS with the blocking (SDM 26.3.1.5).
	 */
	if (unlikely(d->guest_debug & KVM_GUESTDBG_SINGLESTEP)) {
		u32 intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);

		if (intr & 3)
			svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3U);
	}
}

/*
 * After the exit, interrupts still off: read the guest's registers back
 * if it owned them (vmx_sync_dirty_debug_regs()), then give the host its
 * breakpoints and DEBUGCTL (cleared by the exit, SDM 27.5.1).
 */
void svx_debug_after_exit(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct svx_dbg *d = &vcpu->dbg;

	if (unlikely(d->switch_db & SVX_DEBUGREG_WONT_EXIT)) {
		get_debugreg(vcpu->dr[0], 0);
		get_debugreg(vcpu->dr[1], 1);
		get_debugreg(vcpu->dr[2], 2);
		get_debugreg(vcpu->dr[3], 3);
		get_debugreg(vcpu->dr[6], 6);
		vcpu->dr[7] = svx_vmread(GUEST_DR7);
		d->switch_db &= ~SVX_DEBUGREG_WONT_EXIT;
		vmx->proc_ctls |= CPU_BASED_MOV_DR_EXITING;
		svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx->proc_ctls);
		svx_update_dr0123(vcpu);
		svx_update_dr7(vcpu);
		/* exc_debug() expects DR6 clear, not the guest's */
		set_debugreg(DR6_RESERVED, 6);
	}
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (d->host_debugctl)
		update_debugctlmsr(d->host_debugctl);
}

/*
 * The exceptions intercepted for debugging (update_exception_bitmap()),
 * and #UD, always intercepted as by KVM (vmx/hypercall.c).
 */
u32 svx_debug_exception_bitmap(struct svx_vcpu *vcpu)
{
	u32 eb = BIT(X86_TRAP_DB) | BIT(X86_TRAP_UD);

	if ((vcpu->dbg.guest_debug &
	     (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)) ==
	    (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP))
		eb |= BIT(X86_TRAP_BP);
	return eb;
}

static void svx_debug_update_exception_bitmap(struct svx_vcpu *vcpu)
{
	u32 eb;

	if (vcpu->rmode.active)		/* everything is intercepted */
		return;
	eb = svx_vmread(EXCEPTION_BITMAP);
	eb &= ~(BIT(X86_TRAP_DB) | BIT(X86_TRAP_BP));
	svx_vmwrite(EXCEPTION_BITMAP, eb | svx_debug_exception_bitmap(vcpu));
}

/*
 * A #DB or #BP exit (handle_exception_nmi()).  Under shadow paging in
 * real mode, vm86 intercepts every exception: those not wanted for
 * debugging go to vmx/rmode.c (-1).
 */
int svx_debug_exception(struct svx_vcpu *vcpu, u8 vector, u32 type)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 gd = vcpu->dbg.guest_debug;
	unsigned long dr6;

	if (vector == X86_TRAP_DB) {
		if (!(gd & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP))) {
			if (vcpu->rmode.active)
				return -1;
			dr6 = vmx->exit_qual;
			if (type == SVX_INTR_TYPE_PRIV_SW) {
				/* ICEBP: an instruction intercept, skip it. */
				vcpu->rip += vmx->exit_insn_len;
				if (svx_code_mode(vcpu) != 8)
					vcpu->rip = (u32)vcpu->rip;
				vcpu->rip_dirty = true;
			} else if (vcpu->rflags & X86_EFLAGS_TF) {
				u32 intr;

				intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
				if (intr & 3)
					svx_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
						    svx_vmread(GUEST_PENDING_DBG_EXCEPTIONS) |
						    SVX_DR6_BS);
			}
			svx_queue_db(vcpu, dr6);
			return SVX_RESUME;
		}
		svx_fill_debug_exit(vcpu, X86_TRAP_DB,
				    vmx->exit_qual | SVX_DR6_ACTIVE_LOW,
				    svx_vmread(GUEST_DR7));
		return SVX_USER;
	}
	/* #BP */
	vcpu->dbg.bp_insn_len = vmx->exit_insn_len;
	if ((gd & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)) !=
	    (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP))
		return -1;
	vcpu->run->exit_reason = KVM_EXIT_DEBUG;
	vcpu->run->debug.arch.pc = svx_linear_rip(vcpu);
	vcpu->run->debug.arch.exception = X86_TRAP_BP;
	return SVX_USER;
}

/* kvm_get_rflags(): TF set for KVM_GUESTDBG_SINGLESTEP is hidden. */
unsigned long svx_debug_get_rflags(struct svx_vcpu *vcpu)
{
	unsigned long rflags = vcpu->rflags;

	if (vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP)
		rflags &= ~X86_EFLAGS_TF;
	return rflags;
}

/* __kvm_set_rflags(): TF again while the single-step has not moved on. */
void svx_debug_set_rflags(struct svx_vcpu *vcpu, unsigned long rflags)
{
	if ((vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP) &&
	    svx_linear_rip(vcpu) == vcpu->dbg.singlestep_rip)
		rflags |= X86_EFLAGS_TF;
	vcpu->rflags = rflags;
	vcpu->rip_dirty = true;
}

/* KVM_SET_GUEST_DEBUG: kvm_arch_vcpu_ioctl_set_guest_debug() */
int svx_set_guest_debug(struct svx_vcpu *vcpu,
			const struct kvm_guest_debug *dbg)
{
	unsigned long rflags;
	u32 type;
	int i;

	if (dbg->control & ~SVX_GUESTDBG_VALID_MASK) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_GUEST_DEBUG: control %#x has bits outside %#x\n",
			    vcpu->id, dbg->control, SVX_GUESTDBG_VALID_MASK);
		return -EINVAL;
	}
	if (dbg->control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		type = (vcpu->inject_info & SVX_INTR_TYPE_MASK) >>
		       SVX_INTR_TYPE_SHIFT;
		if ((vcpu->inject_pending && (type == SVX_INTR_TYPE_HW_EXC ||
					      type == SVX_INTR_TYPE_SW_EXC)) ||
		    vcpu->triple_fault)
			return -EBUSY;
		if (dbg->control & KVM_GUESTDBG_INJECT_DB) {
			svx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
			if (vcpu->dr[7] & SVX_DR7_GD)
				vcpu->dr[7] &= ~SVX_DR7_GD;
		} else {
			/* A soft exception: RIP is still at the INT3. */
			vcpu->inject_pending = true;
			vcpu->inject_info = SVX_INTR_VALID | X86_TRAP_BP |
				SVX_INTR_TYPE_SW_EXC << SVX_INTR_TYPE_SHIFT;
			vcpu->inject_error = 0;
			vcpu->inject_len = vcpu->dbg.bp_insn_len;
		}
	}

	svx_vcpu_load(vcpu);
	rflags = svx_debug_get_rflags(vcpu);
	vcpu->dbg.guest_debug = dbg->control;
	if (!(vcpu->dbg.guest_debug & KVM_GUESTDBG_ENABLE))
		vcpu->dbg.guest_debug = 0;
	if (vcpu->dbg.guest_debug & KVM_GUESTDBG_USE_HW_BP) {
		for (i = 0; i < 4; i++)
			vcpu->dbg.eff_db[i] = dbg->arch.debugreg[i];
		vcpu->dbg.guest_debug_dr7 = dbg->arch.debugreg[7];
	} else {
		memcpy(vcpu->dbg.eff_db, vcpu->dr, sizeof(vcpu->dbg.eff_db));
	}
	svx_update_dr7(vcpu);
	if (vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP)
		vcpu->dbg.singlestep_rip = svx_linear_rip(vcpu);
	svx_debug_set_rflags(vcpu, rflags);
	svx_debug_update_exception_bitmap(vcpu);
	svx_vcpu_put(vcpu);
	return 0;
}

/* KVM_GET_DEBUGREGS: kvm_vcpu_ioctl_x86_get_debugregs() */
void svx_get_debugregs(struct svx_vcpu *vcpu, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->db, vcpu->dr, sizeof(d->db));
	d->dr6 = vcpu->dr[6];
	d->dr7 = vcpu->dr[7];
}

/* KVM_SET_DEBUGREGS: kvm_vcpu_ioctl_x86_set_debugregs() */
int svx_set_debugregs(struct svx_vcpu *vcpu, const struct kvm_debugregs *d)
{
	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_DEBUGREGS: flags %#llx, dr6 %#llx, dr7 %#llx: flags must be 0 and DR6/DR7 32-bit\n",
			    vcpu->id, d->flags, d->dr6, d->dr7);
		return -EINVAL;
	}
	memcpy(vcpu->dr, d->db, sizeof(d->db));
	vcpu->dr[6] = d->dr6;
	vcpu->dr[7] = d->dr7;
	svx_vcpu_load(vcpu);
	svx_update_dr0123(vcpu);
	svx_update_dr7(vcpu);
	svx_vcpu_put(vcpu);
	return 0;
}
