// SPDX-License-Identifier: GPL-2.0
/*
 * Real mode under shadow paging: the guest runs in virtual-8086 mode.
 *
 * VMX without "unrestricted guest" (which needs EPT, and shadow-paging
 * VMs do not use EPT) enters guests only with CR0.PE=1 and CR0.PG=1.  A
 * shadow-paging vCPU with CR0.PE=0 (after RESET, SeaBIOS, an AP at its
 * SIPI vector, the kernel's real-mode setup code) therefore runs as the
 * first VT-x hypervisors ran it, and as kvm_intel does with
 * unrestricted_guest=N: in virtual-8086 mode on the nonpaging map, with
 *   - RFLAGS.VM=1 and IOPL=3 (the guest's own IOPL and VM bits kept
 *     aside), so CLI/STI/PUSHF/POPF/IRET/INT n run natively;
 *   - CR4.VME=1 and a TSS of ours (KVM_SET_TSS_ADDR, core/vm.c) whose
 *     interrupt redirection map is all zero: INT n goes through the
 *     real-mode IVT; whose I/O map is all zero: every port reaches the
 *     I/O exit;
 *   - segments as vm86 requires (base = selector * 16, limit 0xffff,
 *     attributes 0xf3), the guest's view kept in svx_vcpu.rmode.segs and
 *     returned by KVM_GET_SREGS (kvm_intel's fix_rmode_seg() without
 *     emulate_invalid_guest_state: a segment whose base is not selector *
 *     16 gets the selector base / 16);
 *   - every exception intercepted: #PF is the shadow MMU's; #GP(0) is a
 *     system instruction that faults at CPL 3 (HLT, MOV CR/DR, LGDT, LIDT,
 *     LMSW, CLTS, RDMSR/WRMSR, INVD/WBINVD: decoded by x86/decode.c, run
 *     by its protected-mode exit handler); any other exception, and every
 *     event injected, is delivered through the IVT in software as the CPU
 *     does in real mode (FLAGS, CS, IP pushed; IF, TF, AC cleared).
 * MOV to CR0 setting PE leaves vm86: the saved segments come back with
 * DPL = RPL (kvm_intel's fix_pmode_seg()), so the far jump that follows
 * runs natively.  Clearing PE enters it.  What vm86 cannot run is an
 * internal error naming the instruction, never a wrong result: code that
 * needs segment limits above 64 KiB ("big real mode") or faults with #GP
 * on anything but the instructions above.  In SMM (vmx/smm.c,
 * rmode.emulate) segments vm86 cannot hold (SMM's big real mode) make
 * the vCPU run through x86/emulate_rm.c instead, one instruction at a
 * time until they are valid again (kvm_intel's emulation_required,
 * svx_rmode_emulate()), and so does the protected mode a handler
 * switches to until VMX can take its segments (SMM's data-type CS until
 * the far jump: rmode.pm_check); its PIO, MMIO, MOV to CR, HLT and RSM go
 * through the exit handlers those have in vm86; between instructions the
 * events are delivered (interrupts and NMIs when the guest can take
 * them, through the IVT) and after each the single-step trap is taken,
 * as kvm_intel's emulator does.  An emulated IN/OUT leaves with RIP at
 * the instruction (kvm_intel's emulator leaves past it).  The VMCS then
 * holds the guest's own selector and base (svx_rmode_fix_seg()), and the
 * exit paths that fetch at CS:RIP or address memory through a segment
 * take the guest's view (svx_rmode_guest_seg()).  Outside SMM a segment
 * vm86 cannot hold runs at selector * 16, as before.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "vmx.h"
#include "vm.h"

#define SVX_SEG_CS	1
#define SVX_SEG_SS	2
#define SVX_SEG_LDTR	6
#define SVX_SEG_TR	7
#define SVX_RMODE_FLAGS	(X86_EFLAGS_IOPL | X86_EFLAGS_VM)

static unsigned long svx_seg_field(int idx)
{
	return GUEST_ES_SELECTOR + idx * 2;
}

/*
 * What vm86 needs of a data or code segment, from the guest's view.  In
 * SMM (rmode.emulate) the guest's own selector and base, as kvm_intel's
 * fix_rmode_seg() with emulate_invalid_guest_state: a segment vm86 cannot
 * hold is then never entered (x86/emulate_rm.c runs the vCPU), and the
 * selector svx_rmode_get_segment() compares stays the guest's (the same
 * values as below for a segment vm86 can hold).
 */
static void svx_rmode_fix_seg(struct svx_vcpu *vcpu, int idx,
			      const struct kvm_segment *save)
{
	if (vcpu->rmode.emulate)
		svx_seg_write(svx_seg_field(idx), save->selector, save->base,
			      0xffff, 0xf3);
	else
		svx_seg_write(svx_seg_field(idx), (u16)(save->base >> 4),
			      save->base & 0xffff0, 0xffff, 0xf3);
}

/* The guest's segment back in protected mode: DPL = RPL, CS/SS RPL 0. */
static void svx_pmode_fix_seg(int idx, struct kvm_segment *save)
{
	if (idx == SVX_SEG_CS || idx == SVX_SEG_SS)
		save->selector &= ~3;
	save->dpl = save->selector & 3;
	save->s = 1;
	svx_vmcs_set_segment(save, svx_seg_field(idx));
}

/* vCPU loaded.  The guest's view of segment @idx (not LDTR) in vm86. */
void svx_rmode_get_segment(struct svx_vcpu *vcpu, struct kvm_segment *var,
			   int idx)
{
	u16 sel;

	*var = vcpu->rmode.segs[idx];
	if (idx == SVX_SEG_TR)
		return;
	/* Reloaded by the guest since: what vm86 loaded (base sel * 16). */
	sel = svx_vmread(svx_seg_field(idx));
	if (sel != var->selector) {
		var->selector = sel;
		var->base = (u64)sel << 4;
	}
}

/*
 * vCPU loaded.  In SMM, segments vm86 cannot hold run through
 * x86/emulate_rm.c at the guest's own base and size, not at the VMCS's
 * selector * 16: the exit paths that fetch at CS:RIP or address memory
 * through a segment (MMIO, string PIO, the linear RIP) take the guest's
 * view of segment @idx (0-5) from here.  False when the VMCS holds what
 * the guest runs with (no vm86, or outside SMM: a segment vm86 cannot
 * hold then runs at selector * 16, kvm_intel's fix_rmode_seg()).
 */
bool svx_rmode_guest_seg(struct svx_vcpu *vcpu, int idx,
			 struct kvm_segment *var)
{
	if (!vcpu->rmode.active || !vcpu->rmode.emulate)
		return false;
	svx_rmode_get_segment(vcpu, var, idx);
	return true;
}

/* vCPU loaded.  Userspace or the guest sets segment @idx (not LDTR). */
void svx_rmode_set_segment(struct svx_vcpu *vcpu,
			   const struct kvm_segment *var, int idx)
{
	vcpu->rmode.segs[idx] = *var;
	if (idx != SVX_SEG_TR)
		svx_rmode_fix_seg(vcpu, idx, var);
}

/*
 * vCPU loaded.  Entering SMM (@on) or leaving it (vmx/smm.c): segments
 * vm86 cannot hold are emulated, with the guest's own selectors and bases
 * in the VMCS, only in SMM; outside it they run at selector * 16 as
 * before (kvm_intel without emulate_invalid_guest_state).  The six
 * segments are written again by the new rule.
 */
void svx_rmode_set_emulate(struct svx_vcpu *vcpu, bool on)
{
	struct kvm_segment var;
	int i;

	if (vcpu->rmode.emulate == on)
		return;
	for (i = 0; vcpu->rmode.active && i <= 5; i++) {
		struct kvm_segment *save = &vcpu->rmode.segs[i];
		u16 sel = svx_vmread(svx_seg_field(i));

		/*
		 * Reloaded in vm86 since (then base sel * 16)?  The VMCS held
		 * the guest's own selector, or base / 16 outside SMM: a segment
		 * KVM_SET_SREGS gave a base vm86 cannot hold keeps its base.
		 */
		if (vcpu->rmode.emulate) {
			svx_rmode_get_segment(vcpu, &var, i);
			*save = var;
		} else if (sel != (u16)(save->base >> 4)) {
			save->selector = sel;
			save->base = (u64)sel << 4;
		}
	}
	vcpu->rmode.emulate = on;
	if (vcpu->rmode.active)
		for (i = 0; i <= 5; i++)
			svx_rmode_fix_seg(vcpu, i, &vcpu->rmode.segs[i]);
}

static void svx_rmode_enter(struct svx_vcpu *vcpu)
{
	struct svx_rmode *rm = &vcpu->rmode;
	int i;

	for (i = 0; i < ARRAY_SIZE(rm->segs); i++)
		if (i != SVX_SEG_LDTR)
			svx_vmcs_get_segment(&rm->segs[i], svx_seg_field(i));
	rm->active = true;
	rm->pm_check = false;
	svx_seg_write(GUEST_TR_SELECTOR, 0, vcpu->vm->tss_addr,
		      SVX_RMODE_TSS_SIZE - 1, 0x8b);
	for (i = 0; i <= 5; i++)
		svx_rmode_fix_seg(vcpu, i, &rm->segs[i]);
	svx_vmwrite(EXCEPTION_BITMAP, ~0U);
}

static void svx_rmode_leave(struct svx_vcpu *vcpu)
{
	struct svx_rmode *rm = &vcpu->rmode;
	int i;

	/*
	 * The guest's attributes, with the selector and base it ran with:
	 * the reset CS (base 0xffff0000) ran at 0xf0000 in vm86, and the far
	 * jump after MOV to CR0 continues from there.
	 */
	for (i = 0; i <= 5; i++) {
		rm->segs[i].selector = svx_vmread(svx_seg_field(i));
		rm->segs[i].base = svx_vmread(svx_seg_field(i) -
					      GUEST_ES_SELECTOR + GUEST_ES_BASE);
	}
	rm->active = false;
	svx_vmcs_set_segment(&rm->segs[SVX_SEG_TR], GUEST_TR_SELECTOR);
	for (i = 0; i <= 5; i++)
		svx_pmode_fix_seg(i, &rm->segs[i]);
	/*
	 * From SMM's segments (a data-type CS: KVM's enter_smm()) VMX may
	 * not take protected mode yet: the emulator runs the far jump that
	 * follows (svx_rmode_emulation_required()).
	 */
	rm->pm_check = rm->emulate;
	svx_vmwrite(EXCEPTION_BITMAP, BIT(X86_TRAP_PF) |
		    svx_debug_exception_bitmap(vcpu));
}

/*
 * vCPU loaded.  Enter or leave vm86 as CR0.PE says (shadow paging only):
 * after RESET, KVM_SET_SREGS and MOV to CR0.
 */
void svx_rmode_update(struct svx_vcpu *vcpu)
{
	bool want = !svx_vm_ept(vcpu->vm) && !(vcpu->cr0 & X86_CR0_PE);

	if (want == vcpu->rmode.active)
		return;
	if (want)
		svx_rmode_enter(vcpu);
	else
		svx_rmode_leave(vcpu);
	vcpu->rip_dirty = true;	/* RFLAGS.VM and IOPL change */
	svx_update_hw_cr(vcpu);
}

/* The RFLAGS the CPU runs the guest with (VM entry). */
unsigned long svx_rmode_hw_rflags(struct svx_vcpu *vcpu)
{
	if (!vcpu->rmode.active)
		return vcpu->rflags;
	vcpu->rmode.rflags_iopl_vm = vcpu->rflags & SVX_RMODE_FLAGS;
	return vcpu->rflags | SVX_RMODE_FLAGS;
}

/* The guest's RFLAGS from the CPU's (VM exit). */
unsigned long svx_rmode_guest_rflags(struct svx_vcpu *vcpu, unsigned long hw)
{
	if (!vcpu->rmode.active)
		return hw;
	return (hw & ~SVX_RMODE_FLAGS) | vcpu->rmode.rflags_iopl_vm;
}

/*
 * Deliver interrupt or exception @vector as the CPU does in real mode
 * (SDM 20.1.4): FLAGS, CS and IP (past the instruction by @ip_inc for
 * INT3/INTO/INT n) pushed on SS:SP, IF/TF/AC cleared, CS:IP from the IVT
 * at IDTR.base + 4 * vector.  Real mode has no paging: linear addresses
 * are guest-physical, of the vCPU's address space (SMRAM in SMM).
 * SVX_RESUME, or SVX_USER with an internal error.
 */
static int svx_rmode_deliver(struct svx_vcpu *vcpu, u8 vector, u32 ip_inc)
{
	struct kvm_segment cs;
	u64 ss_base, idt_base;
	u16 ivt[2], sp, push[3];
	int i, r;

	svx_vcpu_load(vcpu);
	ss_base = svx_vmread(GUEST_SS_BASE);
	idt_base = svx_vmread(GUEST_IDTR_BASE);
	push[2] = vcpu->rflags;
	push[1] = svx_vmread(GUEST_CS_SELECTOR);
	push[0] = vcpu->rip + ip_inc;
	svx_vcpu_put(vcpu);

	r = svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu),
				   idt_base + vector * 4, ivt, sizeof(ivt));
	sp = vcpu->regs[SVX_RSP];
	for (i = 2; !r && i >= 0; i--) {
		sp -= 2;
		r = svx_write_guest_for(vcpu, ss_base + sp, &push[i], 2);
	}
	if (r) {
		svx_vm_warn(vcpu->vm, "vcpu%d: real mode: vector %u: IVT entry at %#llx or stack at %#llx:%#x not in guest RAM\n",
			    vcpu->id, vector, idt_base + vector * 4, ss_base,
			    sp);
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV,
				   "real-mode event delivery failed");
		return SVX_USER;
	}
	vcpu->regs[SVX_RSP] = (vcpu->regs[SVX_RSP] & ~0xffffUL) | sp;
	vcpu->rflags &= ~(unsigned long)(X86_EFLAGS_IF | X86_EFLAGS_TF |
					 X86_EFLAGS_AC);
	vcpu->rip = ivt[0];
	vcpu->rip_dirty = true;
	svx_vcpu_load(vcpu);
	/* as a far jump in real mode: selector and base, the rest kept */
	svx_rmode_get_segment(vcpu, &cs, SVX_SEG_CS);
	cs.selector = ivt[1];
	cs.base = (u64)ivt[1] << 4;
	svx_rmode_set_segment(vcpu, &cs, SVX_SEG_CS);
	/* Delivery ends any STI / MOV SS blocking. */
	svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO,
		    svx_vmread(GUEST_INTERRUPTIBILITY_INFO) & ~3U);
	svx_vcpu_put(vcpu);
	vcpu->stats.misc[SVX_STAT_INJECTED]++;
	return SVX_RESUME;
}

/* svx_nmi_blocked() for a caller without the vCPU loaded */
static bool svx_rmode_nmi_blocked(struct svx_vcpu *vcpu)
{
	bool blocked;

	svx_vcpu_load(vcpu);
	blocked = svx_nmi_blocked(vcpu);
	svx_vcpu_put(vcpu);
	return blocked;
}

/*
 * Before a VM entry in vm86: the TSS's current address, and the event the
 * entry would inject (a queued or re-injected one, an exception, a
 * KVM_INTERRUPT vector, an NMI) delivered through the IVT instead.
 */
int svx_rmode_prepare(struct svx_vcpu *vcpu)
{
	u32 info = vcpu->inject_info, type, inc = 0;

	svx_vcpu_load(vcpu);
	svx_vmwrite(GUEST_TR_BASE, vcpu->vm->tss_addr);
	svx_vcpu_put(vcpu);
	if (vcpu->inject_pending) {
		if (vcpu->exc_pending)	/* its payload: vmx/events.c */
			svx_exception_to_injected(vcpu);
		vcpu->inject_pending = false;
		type = (info & SVX_INTR_TYPE_MASK) >> SVX_INTR_TYPE_SHIFT;
		if (type == SVX_INTR_TYPE_SW_INT ||
		    type == SVX_INTR_TYPE_SW_EXC ||
		    type == SVX_INTR_TYPE_PRIV_SW)
			inc = vcpu->inject_len;
		return svx_rmode_deliver(vcpu, info & 0xff, inc);
	}
	if (vcpu->irq_queued >= 0) {
		int irq = vcpu->irq_queued;

		vcpu->irq_queued = -1;
		return svx_rmode_deliver(vcpu, irq, 0);
	}
	/* as KVM's nmi_allowed(): not while NMIs are blocked (SMM) */
	if (vcpu->nmi_queued && !svx_rmode_nmi_blocked(vcpu)) {
		vcpu->nmi_queued = false;
		return svx_rmode_deliver(vcpu, X86_TRAP_NMI, 0);
	}
	return SVX_RESUME;
}

/*
 * An exception exit in vm86 (not #PF, not a host NMI).  #GP(0) and #SS(0)
 * are the instructions vm86 cannot run; everything else is the guest's
 * own exception, delivered through its IVT (INT3 and INTO return past
 * themselves).
 */
int svx_rmode_exception(struct svx_vcpu *vcpu, u8 vector, u32 type)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct svx_x86_emu e;
	u8 bytes[SVX_INSN_MAX];
	struct svx_sys sys;
	int avail;

	if ((vector != X86_TRAP_GP && vector != X86_TRAP_SS) ||
	    vmx->exit_intr_error)
		return svx_rmode_deliver(vcpu, vector,
					 type == SVX_INTR_TYPE_SW_EXC ?
					 vmx->exit_insn_len : 0);
	svx_emu_init(vcpu, &e);
	e.mode = 2;	/* vm86 code is 16-bit */
	avail = svx_fetch_guest_insn(vcpu, bytes);
	if (avail > 0 && !svx_decode_sys(&e, bytes, avail, &sys)) {
		vcpu->stats.misc[SVX_STAT_RMODE_EMULATED]++;
		return svx_exec_sys(vcpu, &sys);
	}
	svx_vm_warn(vcpu->vm, "vcpu%d: real mode: #%s(0) at %04llx:%04lx on %*ph, which virtual-8086 mode cannot run\n",
		    vcpu->id, vector == X86_TRAP_GP ? "GP" : "SS",
		    svx_seg_base(vcpu, SVX_SEG_CS) >> 4, vcpu->rip,
		    avail > 0 ? min(avail, 8) : 0, bytes);
	/* kvm_intel's handle_rmode_exception(): kvm_emulate_instruction() */
	return svx_emulation_failed(vcpu, bytes, avail > 0 ? avail : 0,
				    "real-mode instruction not emulated");
}

/* Can the vCPU run?  Real mode under shadow paging needs the TSS. */
bool svx_rmode_runnable(struct svx_vcpu *vcpu)
{
	if (!vcpu->rmode.active || vcpu->vm->tss_hva)
		return true;
	vcpu->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	vcpu->run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	vcpu->run->internal.ndata = 0;
	svx_vm_warn(vcpu->vm, "vcpu%d: real mode (CR0.PE=0) under shadow paging runs in virtual-8086 mode, which needs KVM_SET_TSS_ADDR first\n",
		    vcpu->id);
	return false;
}

/* ---------------------------------------------------------------------- */
/* Segments vm86 cannot hold: instruction by instruction (x86/emulate_rm.c) */

static void svx_rm_seg_from(struct svx_x86_seg *d, const struct kvm_segment *s)
{
	d->base = s->base;
	d->limit = s->limit;
	d->selector = s->selector;
	d->type = s->type;
	d->present = s->present;
	d->dpl = s->dpl;
	d->db = s->db;
	d->s = s->s;
	d->l = s->l;
	d->g = s->g;
	d->avl = s->avl;
	d->unusable = s->unusable;
}

static void svx_rm_seg_to(struct kvm_segment *d, const struct svx_x86_seg *s)
{
	memset(d, 0, sizeof(*d));
	d->base = s->base;
	d->limit = s->limit;
	d->selector = s->selector;
	d->type = s->type;
	d->present = s->present;
	d->dpl = s->dpl;
	d->db = s->db;
	d->s = s->s;
	d->l = s->l;
	d->g = s->g;
	d->avl = s->avl;
	d->unusable = s->unusable;
}

/* CR0.PG=0: linear is guest-physical, of the vCPU's address space. */
static int svx_rm_read(void *ctx, u64 la, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	/* no memslot: MMIO (a move goes out as KVM_EXIT_MMIO) */
	return svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), la, buf,
				      len) ? 1 : 0;
}

static int svx_rm_write(void *ctx, u64 la, const void *buf, unsigned int len)
{
	return svx_write_guest_for(ctx, la, buf, len) ? 1 : 0;
}

static const struct svx_x86_rm_ops svx_rm_ops = {
	.read = svx_rm_read,
	.write = svx_rm_write,
};

/*
 * vCPU loaded.  The guest's view of its six segments: in vm86 the saved
 * ones, else the VMCS's (protected mode entered from SMM's segments).
 */
static void svx_rmode_segs(struct svx_vcpu *vcpu, struct svx_x86_seg *seg)
{
	struct kvm_segment var;
	int i;

	for (i = 0; i <= 5; i++) {
		if (vcpu->rmode.active)
			svx_rmode_get_segment(vcpu, &var, i);
		else
			svx_vmcs_get_segment(&var, svx_seg_field(i));
		svx_rm_seg_from(&seg[i], &var);
	}
}

/*
 * Must the vCPU run through x86/emulate_rm.c (kvm_intel's
 * emulation_required)?  In SMM, while vm86 cannot hold its real-mode
 * segments (big real mode); and after MOV to CR0 set PE from there,
 * while VMX cannot take its protected-mode segments (SMM's data-type CS
 * until the far jump, as SeaBIOS's SMI handler runs).  Outside SMM a
 * real-mode segment vm86 cannot hold runs at selector * 16 (kvm_intel's
 * fix_rmode_seg()) as before, and leaving real mode makes the segments
 * VMX-valid (svx_pmode_fix_seg()).
 */
bool svx_rmode_emulation_required(struct svx_vcpu *vcpu)
{
	struct svx_x86_seg seg[6];
	bool valid;

	if (vcpu->rmode.active ? !vcpu->rmode.emulate : !vcpu->rmode.pm_check)
		return false;
	svx_vcpu_load(vcpu);
	svx_rmode_segs(vcpu, seg);
	svx_vcpu_put(vcpu);
	valid = svx_x86_rm_segs_valid(seg, !vcpu->rmode.active);
	if (valid && !vcpu->rmode.active)
		vcpu->rmode.pm_check = false;
	return !valid;
}

/* One instruction.  SVX_RESUME, or SVX_USER (an exit, or a failure). */
static int svx_rmode_emulate_one(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct svx_x86_seg before[6];
	struct svx_x86_rm rm;
	struct kvm_segment var;
	struct svx_sys sys;
	bool step;
	u32 intr;
	int i, r;

	if (vcpu->cr0 & X86_CR0_PG) {	/* not from SMM's segments */
		svx_emulation_failure(vcpu, NULL, 0,
				      "invalid segments with paging on: not emulated");
		return SVX_USER;
	}
	memset(&rm, 0, sizeof(rm));
	rm.ops = &svx_rm_ops;
	rm.ctx = vcpu;
	rm.regs = vcpu->regs;	/* written only when it retires */
	rm.rip = vcpu->rip;
	rm.rflags = vcpu->rflags;
	rm.cr[0] = vcpu->cr0;
	rm.cr[2] = vcpu->cr2;
	rm.cr[3] = vcpu->cr3;
	rm.cr[4] = vcpu->cr4;
	svx_vcpu_load(vcpu);
	svx_rmode_segs(vcpu, rm.seg);
	rm.gdt_base = svx_vmread(GUEST_GDTR_BASE);
	rm.gdt_limit = svx_vmread(GUEST_GDTR_LIMIT);
	rm.idt_base = svx_vmread(GUEST_IDTR_BASE);
	rm.idt_limit = svx_vmread(GUEST_IDTR_LIMIT);
	svx_vcpu_put(vcpu);
	memcpy(before, rm.seg, sizeof(before));
	step = svx_emulated_insn_steps(vcpu);

	r = svx_x86_rm_step(&rm);
	vcpu->stats.misc[SVX_STAT_RMODE_EMULATED]++;
	switch (r) {
	case SVX_RM_DONE:
		vcpu->rip = rm.rip;
		vcpu->rip_dirty = true;
		svx_vcpu_load(vcpu);
		for (i = 0; i <= 5; i++) {
			if (!memcmp(&before[i], &rm.seg[i], sizeof(before[i])))
				continue;
			svx_rm_seg_to(&var, &rm.seg[i]);
			if (vcpu->rmode.active)
				svx_rmode_set_segment(vcpu, &var, i);
			else
				svx_vmcs_set_segment(&var, svx_seg_field(i));
		}
		svx_vmwrite(GUEST_GDTR_BASE, rm.gdt_base);
		svx_vmwrite(GUEST_GDTR_LIMIT, rm.gdt_limit);
		svx_vmwrite(GUEST_IDTR_BASE, rm.idt_base);
		svx_vmwrite(GUEST_IDTR_LIMIT, rm.idt_limit);
		intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO) &
		       ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		if (rm.shadow == 1)
			intr |= GUEST_INTR_STATE_STI;
		else if (rm.shadow == 2)
			intr |= GUEST_INTR_STATE_MOV_SS;
		if (rm.nmi_unmask)	/* IRET: set_nmi_mask(false) */
			intr &= ~GUEST_INTR_STATE_NMI;
		svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
		svx_vcpu_put(vcpu);
		/* __kvm_set_rflags(): KVM_GUESTDBG_SINGLESTEP's TF kept */
		svx_debug_set_rflags(vcpu, rm.rflags);
		if (step)
			svx_debug_singlestep(vcpu);
		return SVX_RESUME;
	case SVX_RM_PIO:
		/* as its I/O exit, RIP at it: devices, userspace, completion */
		vmx->exit_qual = (rm.io.size - 1) | (rm.io.in ? 8 : 0) |
				 (unsigned long)rm.io.addr << 16;
		vmx->exit_insn_len = rm.io.len;
		return svx_handle_io(vcpu);
	case SVX_RM_MMIO:
		/* the MMIO path's decoder knows the moves; RIP at it */
		return svx_emulate_mmio(vcpu, rm.io.addr, rm.io.addr,
					!rm.io.in);
	case SVX_RM_CR:
	case SVX_RM_HLT:
		/* as in vm86 (svx_rmode_exception()): RIP at it */
		memset(&sys, 0, sizeof(sys));
		sys.op = r == SVX_RM_HLT ? SVX_SYS_HLT : SVX_SYS_MOV_TO_CR;
		sys.len = rm.len;
		sys.cr = rm.cr_n;
		sys.reg = rm.cr_reg;
		return svx_exec_sys(vcpu, &sys);
	case SVX_RM_RSM:
		return svx_smm_rsm(vcpu, rm.insn, rm.len);
	}
	/*
	 * It faults: kvm_intel cannot deliver an exception while emulation
	 * is required either (an emulation failure).  Not emulated, or its
	 * memory (the code's too) not reachable: KVM's emulator failing,
	 * #UD queued (svx_emulation_failed()).
	 */
	if (r == SVX_RM_FAULT) {
		svx_emulation_failure(vcpu, rm.insn, SVX_INSN_MAX,
				      "big real mode: the instruction faults");
		return SVX_USER;
	}
	return svx_emulation_failed(vcpu, rm.insn, SVX_INSN_MAX,
				    "big real mode: instruction not emulated");
}

/*
 * Between two emulated instructions, as vcpu_enter_guest() between two of
 * kvm_intel's handle_invalid_guest_state() calls: an event to deliver
 * first (1: the run loop's svx_rmode_prepare() delivers it through the
 * IVT), the userspace irqchip's interrupt window (-1, with
 * KVM_EXIT_IRQ_WINDOW_OPEN), or nothing (0).  In protected mode an
 * exception cannot be delivered while emulation is required (kvm_intel's
 * vmx_emulation_required_with_pending_exception(): an emulation
 * failure, -1) and an interrupt or NMI waits for VMX to take the
 * vCPU, a few instructions later.
 */
static int svx_rmode_emulate_events(struct svx_vcpu *vcpu)
{
	bool more, allowed;
	int v;

	if (!vcpu->rmode.active) {
		if (!vcpu->inject_pending && !vcpu->exc_pending)
			return 0;
		svx_emulation_failure(vcpu, NULL, 0,
				      "exception while emulating protected mode");
		return -1;
	}
	if (vcpu->inject_pending || vcpu->irq_queued >= 0)
		return 1;
	if (unlikely(vcpu->dbg.guest_debug & KVM_GUESTDBG_BLOCKIRQ))
		return 0;
	if (vcpu->lapic)
		svx_irqchip_pull_nmi(vcpu);
	if (vcpu->nmi_queued && !svx_rmode_nmi_blocked(vcpu))
		return 1;
	svx_vcpu_load(vcpu);
	allowed = svx_interrupt_allowed(vcpu);
	svx_vcpu_put(vcpu);
	if (!allowed)
		return 0;
	if (vcpu->lapic) {
		v = svx_irqchip_take_interrupt(vcpu, true, &more);
		if (v < 0)
			return 0;
		svx_inject_ext_irq(vcpu, v);
		return 1;
	}
	if (vcpu->run->request_interrupt_window) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return -1;
	}
	return 0;
}

/*
 * kvm_intel's handle_invalid_guest_state(): instructions one by one while
 * VMX cannot run the segments, at most 130 per call (the run loop calls
 * again after its checks: signals, requests, events), the events between
 * them (svx_rmode_emulate_events()), a single-step trap after each
 * (KVM_EXIT_DEBUG for KVM_GUESTDBG_SINGLESTEP, else #DB through the IVT).
 * SVX_RESUME or SVX_USER.
 */
int svx_rmode_emulate(struct svx_vcpu *vcpu)
{
	unsigned int count = 130;
	int r;

	while (count-- && svx_rmode_emulation_required(vcpu)) {
		r = svx_rmode_emulate_events(vcpu);
		if (r > 0)
			break;
		if (r < 0)
			return SVX_USER;
		r = svx_rmode_emulate_one(vcpu);
		if (r != SVX_RESUME)
			return r;
		if (unlikely(vcpu->dbg.user_exit) &&
		    svx_debug_take_user_exit(vcpu))
			return SVX_USER;
		if (vcpu->mp_state == KVM_MP_STATE_HALTED ||
		    signal_pending(current) || need_resched())
			break;
	}
	return SVX_RESUME;
}
