// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware task switches (VM exit reason 9, TASK_SWITCH).
 *
 * VMX does not let a guest switch tasks: a far JMP or CALL to a TSS or a
 * task gate, an IRET with EFLAGS.NT=1, and an event whose IDT entry is a
 * task gate all exit, with the new TSS selector and the source in the exit
 * qualification (SDM Vol. 3C 28.2.1, Table 28-2) and, for an event, the
 * event in the IDT-vectoring information.  Nothing of the switch has been
 * done by then (SDM 26.4.2).  This file carries it out as the CPU would
 * (SDM Vol. 3A 8.3, Table 8-1), following KVM's kvm_task_switch() and
 * emulator_task_switch(): check the new TSS descriptor, save the current
 * state into the old TSS, update the busy bits, the back link and NT, load
 * TR, set CR0.TS, load CR3 (through svx_set_cr3(), so the shadow MMU picks
 * the new root and PAE PDPTEs are loaded; EPT mode writes GUEST_CR3), the
 * registers, LDTR and the segment registers with their checks (#TS, #NP,
 * #SS with the selector as error code), and push the error code of an
 * exception delivered through a task gate on the new task's stack.
 *
 * Faults found before TR is loaded are delivered in the old task, those
 * found after it in the new one (SDM 8.3, step 10).  Every access to guest
 * memory goes through the guest walker with the privilege the CPU uses:
 * implicit supervisor accesses for descriptor tables and TSSs, the new CPL
 * for the error-code push; a guest #PF is injected with its CR2.  Writes
 * go through svx_write_guest_for(), which tells the shadow MMU.  32-bit
 * and 16-bit TSSs are supported; a switch to virtual-8086 mode and
 * anything in long mode (where task switches do not exist) end in
 * KVM_EXIT_INTERNAL_ERROR.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "desc.h"
#include "walker.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"

/* Bits 31:30 of the exit qualification: what started the switch. */
enum svx_ts_source {
	SVX_TS_CALL = 0,
	SVX_TS_IRET = 1,
	SVX_TS_JMP = 2,
	SVX_TS_GATE = 3,	/* task gate in the IDT */
};

/* Segment registers in the order of their VMCS fields. */
enum svx_ts_seg {
	SVX_SEG_ES, SVX_SEG_CS, SVX_SEG_SS, SVX_SEG_DS, SVX_SEG_FS, SVX_SEG_GS,
	SVX_SEG_LDTR, SVX_SEG_TR,
};

struct svx_tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2;
	u32 cr3, eip, eflags;
	u32 gpr[8];		/* eax, ecx, edx, ebx, esp, ebp, esi, edi */
	u32 sel[6];		/* es, cs, ss, ds, fs, gs */
	u32 ldt;
	u16 trap, iomap;
};

struct svx_tss16 {
	u16 link, sp0, ss0, sp1, ss1, sp2, ss2;
	u16 ip, flags;
	u16 gpr[8];		/* ax, cx, dx, bx, sp, bp, si, di */
	u16 sel[4];		/* es, cs, ss, ds */
	u16 ldt;
};

static_assert(sizeof(struct svx_tss32) == 0x68);
static_assert(sizeof(struct svx_tss16) == 0x2c);

/* What is saved in the old 32-bit TSS: EIP up to (not with) the LDT. */
#define SVX_TSS32_SAVE_START	offsetof(struct svx_tss32, eip)
#define SVX_TSS32_SAVE_END	offsetof(struct svx_tss32, ldt)

/*
 * EFLAGS bits a TSS can set; the reserved ones would fail VM entry (SDM
 * 26.3.1.4), where KVM passes them on.
 */
#define SVX_EFLAGS_DEFINED	0x3f7fd5UL

/* Debug-register bits a task switch clears (SDM 18.2.4): L0-L3, LE. */
#define SVX_DR7_LOCAL		0x155UL

struct svx_seg {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar;
};

/*
 * One task switch in progress; @vector >= 0 once a fault was found,
 * @committed once TR holds the new task.
 */
struct svx_ts {
	struct svx_vcpu *vcpu;
	int vector;
	u32 error;
	u64 cr2;
	bool committed;
};

/* Results of the helpers: 0 done, SVX_TS_FAULT (ts->vector set), -EFAULT. */
#define SVX_TS_FAULT	1

static int svx_ts_fault(struct svx_ts *ts, int vector, u32 error)
{
	ts->vector = vector;
	ts->error = error;
	return SVX_TS_FAULT;
}

/* ---------------------------------------------------------------------- */
/* Segment registers in the VMCS                                          */

static void svx_ts_get_seg(struct svx_vcpu *vcpu, int seg, struct svx_seg *s)
{
	svx_vcpu_load(vcpu);
	s->sel = svx_vmread(GUEST_ES_SELECTOR + seg * 2);
	s->base = svx_vmread(GUEST_ES_BASE + seg * 2);
	s->limit = svx_vmread(GUEST_ES_LIMIT + seg * 2);
	s->ar = svx_vmread(GUEST_ES_AR_BYTES + seg * 2);
	svx_vcpu_put(vcpu);
}

static void svx_ts_set_seg(struct svx_vcpu *vcpu, int seg,
			   const struct svx_seg *s)
{
	svx_vcpu_load(vcpu);
	svx_seg_write(GUEST_ES_SELECTOR + seg * 2, s->sel, s->base, s->limit,
		      s->ar);
	svx_vcpu_put(vcpu);
}

/* The selector alone; the descriptor cache keeps what it had (KVM too). */
static void svx_ts_set_selector(struct svx_vcpu *vcpu, int seg, u16 sel)
{
	svx_vcpu_load(vcpu);
	svx_vmwrite(GUEST_ES_SELECTOR + seg * 2, sel);
	svx_vcpu_put(vcpu);
}

/* ---------------------------------------------------------------------- */
/* Descriptors as they are in memory: x86/desc.h                           */

/* The VMCS segment of a descriptor (access rights: SDM 24.4.1). */
static void svx_desc_to_seg(u64 d, u16 sel, struct svx_seg *s)
{
	s->sel = sel;
	s->base = svx_desc_base(d);
	s->limit = svx_desc_limit(d);
	s->ar = svx_desc_ar(d);
}

/* ---------------------------------------------------------------------- */
/* Guest memory                                                            */

/*
 * Read or write @len bytes at the 32-bit linear address @la: a supervisor
 * access of the descriptor-table/TSS kind, or, with @user, a CPL-3 one.
 * A guest #PF is recorded in @ts.
 */
static int svx_ts_access(struct svx_ts *ts, u32 la, void *buf,
			 unsigned int len, bool write, bool user)
{
	struct svx_vcpu *vcpu = ts->vcpu;
	struct svx_walk_env env;
	struct svx_walk w;
	u32 access;
	int r;

	access = (write ? SVX_ACC_WRITE : 0) |
		 (user ? SVX_ACC_USER : SVX_ACC_IMPLICIT);
	while (len) {
		unsigned int n = min_t(u32, len, PAGE_SIZE - (la & ~PAGE_MASK));
		u64 gpa = la;

		if (vcpu->mmu.mode != SVX_MODE_NONPAGING) {
			svx_walk_env(vcpu, &env);
			r = svx_walk_addr(&env, la, access, &w);
			if (r) {
				ts->cr2 = w.fault_addr;
				return svx_ts_fault(ts, X86_TRAP_PF,
						    w.error_code);
			}
			gpa = w.gpa;
		}
		if (write ? svx_write_guest_for(vcpu, gpa, buf, n) :
			    svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu),
						   gpa, buf, n))
			return -EFAULT;
		la += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int svx_ts_read(struct svx_ts *ts, u32 la, void *buf, unsigned int len)
{
	return svx_ts_access(ts, la, buf, len, false, false);
}

static int svx_ts_write(struct svx_ts *ts, u32 la, const void *buf,
			unsigned int len)
{
	return svx_ts_access(ts, la, (void *)buf, len, true, false);
}

/*
 * Linear address of the descriptor for @sel in the GDT or the current LDT.
 * Beyond the table's limit: @vector with the selector as error code.
 */
static int svx_ts_desc_addr(struct svx_ts *ts, u16 sel, int vector, u32 *la)
{
	struct svx_vcpu *vcpu = ts->vcpu;
	struct svx_seg ldt;
	u64 base;
	u32 limit;

	if (sel & 4) {
		svx_ts_get_seg(vcpu, SVX_SEG_LDTR, &ldt);
		if (ldt.ar & SVX_AR_UNUSABLE)
			return svx_ts_fault(ts, vector, sel & 0xfffc);
		base = ldt.base;
		limit = ldt.limit;
	} else {
		svx_vcpu_load(vcpu);
		base = svx_vmread(GUEST_GDTR_BASE);
		limit = svx_vmread(GUEST_GDTR_LIMIT);
		svx_vcpu_put(vcpu);
	}
	if ((sel | 7) > limit)
		return svx_ts_fault(ts, vector, sel & 0xfffc);
	*la = base + (sel & ~7);
	return 0;
}

static int svx_ts_read_desc(struct svx_ts *ts, u16 sel, int vector, u64 *d,
			    u32 *la)
{
	int r = svx_ts_desc_addr(ts, sel, vector, la);

	return r ? r : svx_ts_read(ts, *la, d, sizeof(*d));
}

/* Rewrite the type of a descriptor (busy and accessed bits): byte 5. */
static int svx_ts_write_type(struct svx_ts *ts, u32 la, u64 d)
{
	u8 access = d >> 40;

	return svx_ts_write(ts, la + 5, &access, 1);
}

/*
 * Load segment register @seg of the new task from selector @sel at
 * privilege @cpl, with the checks of a task switch (SDM Table 8-1, KVM's
 * __load_segment_descriptor() with X86_TRANSFER_TASK_SWITCH).
 */
static int svx_ts_load_seg(struct svx_ts *ts, u16 sel, int seg, int cpl)
{
	u32 err = sel & 0xfffc, type, la;
	struct svx_seg s = { .sel = sel, .ar = SVX_AR_UNUSABLE };
	int rpl = sel & 3, dpl, r;
	u64 d;

	if (!(sel & ~3)) {
		/* Null: unusable, but not for CS and SS (no long mode here). */
		if (seg == SVX_SEG_CS || seg == SVX_SEG_SS)
			return svx_ts_fault(ts, X86_TRAP_TS, 0);
		svx_ts_set_seg(ts->vcpu, seg, &s);
		return 0;
	}
	if (seg == SVX_SEG_LDTR && (sel & 4))
		return svx_ts_fault(ts, X86_TRAP_TS, err);
	r = svx_ts_read_desc(ts, sel, X86_TRAP_TS, &d, &la);
	if (r)
		return r;
	type = svx_desc_type(d);
	dpl = svx_desc_dpl(d);
	if (seg != SVX_SEG_LDTR && !svx_desc_s(d))
		return svx_ts_fault(ts, X86_TRAP_TS, err);
	switch (seg) {
	case SVX_SEG_SS:
		/* A writable data segment at DPL = RPL = CPL. */
		if (rpl != cpl || (type & 0xa) != 0x2 || dpl != cpl)
			return svx_ts_fault(ts, X86_TRAP_TS, err);
		break;
	case SVX_SEG_CS:
		if (!(type & 8))
			return svx_ts_fault(ts, X86_TRAP_TS, err);
		/* Conforming: DPL <= RPL; non-conforming: DPL = RPL. */
		if ((type & 4) ? dpl > rpl : dpl != rpl)
			return svx_ts_fault(ts, X86_TRAP_TS, err);
		break;
	case SVX_SEG_LDTR:
		if (svx_desc_s(d) || type != 2)
			return svx_ts_fault(ts, X86_TRAP_TS, err);
		break;
	default:
		/*
		 * DS, ES, FS, GS: data or readable code; unless conforming
		 * code, DPL >= CPL or DPL >= RPL.
		 */
		if ((type & 0xa) == 0x8 ||
		    ((type & 0xc) != 0xc && rpl > dpl && cpl > dpl))
			return svx_ts_fault(ts, X86_TRAP_TS, err);
		break;
	}
	if (!svx_desc_p(d))
		return svx_ts_fault(ts, seg == SVX_SEG_SS ? X86_TRAP_SS :
				    X86_TRAP_NP, err);
	if (svx_desc_s(d) && !(type & 1)) {
		d = svx_desc_set_type(d, type | 1);	/* accessed */
		r = svx_ts_write_type(ts, la, d);
		if (r)
			return r;
	}
	svx_desc_to_seg(d, sel, &s);
	svx_ts_set_seg(ts->vcpu, seg, &s);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The switch                                                              */

static void svx_ts_save32(struct svx_vcpu *vcpu, struct svx_tss32 *t,
			  u32 eflags)
{
	int i;

	t->eip = vcpu->rip;
	t->eflags = eflags;
	for (i = 0; i < 8; i++)
		t->gpr[i] = vcpu->regs[i];
	svx_vcpu_load(vcpu);
	for (i = 0; i < 6; i++)
		t->sel[i] = svx_vmread(GUEST_ES_SELECTOR + i * 2);
	svx_vcpu_put(vcpu);
}

static void svx_ts_save16(struct svx_vcpu *vcpu, struct svx_tss16 *t,
			  u32 eflags)
{
	int i;

	t->ip = vcpu->rip;
	t->flags = eflags;
	for (i = 0; i < 8; i++)
		t->gpr[i] = vcpu->regs[i];
	svx_vcpu_load(vcpu);
	for (i = 0; i < 4; i++)
		t->sel[i] = svx_vmread(GUEST_ES_SELECTOR + i * 2);
	t->ldt = svx_vmread(GUEST_LDTR_SELECTOR);
	svx_vcpu_put(vcpu);
}

/*
 * The new task's state from its TSS: EIP, EFLAGS, the GPRs, CR3 (32-bit
 * TSS), the selectors, then the descriptors, LDTR first (SDM 8.3 steps 9
 * and 10: selectors before descriptors, as KVM).
 */
static int svx_ts_load_state(struct svx_ts *ts, bool is32,
			     const struct svx_tss32 *t32,
			     const struct svx_tss16 *t16, u32 nt)
{
	static const int order[] = {
		SVX_SEG_LDTR, SVX_SEG_ES, SVX_SEG_CS, SVX_SEG_SS, SVX_SEG_DS,
		SVX_SEG_FS, SVX_SEG_GS,
	};
	struct svx_vcpu *vcpu = ts->vcpu;
	int nsegs = is32 ? 7 : 5, i, cpl, r;
	u16 sel[8];

	for (i = 0; i < 8; i++)
		vcpu->regs[i] = is32 ? t32->gpr[i] : t16->gpr[i];
	vcpu->rip = is32 ? t32->eip : t16->ip;
	vcpu->rflags = (is32 ? t32->eflags : t16->flags) & SVX_EFLAGS_DEFINED;
	vcpu->rflags |= X86_EFLAGS_FIXED | nt;
	vcpu->rip_dirty = true;
	if (is32 && svx_set_cr3(vcpu, t32->cr3))
		return svx_ts_fault(ts, X86_TRAP_GP, 0);

	for (i = 0; i < 6; i++)
		sel[i] = is32 ? t32->sel[i] : i < 4 ? t16->sel[i] : 0;
	sel[SVX_SEG_LDTR] = is32 ? t32->ldt : t16->ldt;
	for (i = 0; i < nsegs; i++)
		svx_ts_set_selector(vcpu, order[i], sel[order[i]]);
	cpl = sel[SVX_SEG_CS] & 3;
	for (i = 0; i < nsegs; i++) {
		r = svx_ts_load_seg(ts, sel[order[i]], order[i], cpl);
		if (r)
			return r;
	}
	return 0;
}

/* Push the error code of the event on the new task's stack (SDM 6.13). */
static int svx_ts_push_error(struct svx_ts *ts, bool is32, u32 error)
{
	struct svx_vcpu *vcpu = ts->vcpu;
	unsigned int size = is32 ? 4 : 2;
	struct svx_seg ss;
	u32 mask, esp;
	int r;

	svx_ts_get_seg(vcpu, SVX_SEG_SS, &ss);
	mask = (ss.ar & BIT(14)) ? ~0U : 0xffff;	/* SS.B */
	esp = (vcpu->regs[SVX_RSP] - size) & mask;
	r = svx_ts_access(ts, ss.base + esp, &error, size, true,
			  (ss.sel & 3) == 3);
	if (r)
		return r;
	vcpu->regs[SVX_RSP] = (vcpu->regs[SVX_RSP] & ~(unsigned long)mask) |
			      esp;
	return 0;
}

/*
 * Switch to the task of TSS selector @sel (emulator_do_task_switch()).
 * @idt_index: the vector of a software interrupt through a task gate (its
 * gate's DPL is checked), else -1.  @has_error/@error: the error code of
 * an exception delivered through a task gate.  Before TR is loaded a fault
 * leaves the old task as it was, but for what KVM also writes first (the
 * old TSS, its busy bit).
 */
static int svx_do_task_switch(struct svx_ts *ts, u16 sel, int idt_index,
			      int source, bool has_error, u32 error)
{
	struct svx_vcpu *vcpu = ts->vcpu;
	struct svx_tss32 old32 = {}, new32 = {};
	struct svx_tss16 old16 = {}, new16 = {};
	struct svx_seg tr;
	u64 new_desc, old_desc, gate;
	u32 new_la, old_la, new_base, type, eflags, nt = 0;
	bool is32, old_is32;
	int cpl, r;

	svx_ts_get_seg(vcpu, SVX_SEG_TR, &tr);
	old_is32 = tr.ar & 8;
	cpl = svx_guest_cpl(vcpu);
	r = svx_ts_read_desc(ts, sel, X86_TRAP_GP, &new_desc, &new_la);
	if (r)
		return r;
	r = svx_ts_read_desc(ts, tr.sel, X86_TRAP_GP, &old_desc, &old_la);
	if (r)
		return r;

	/* INT n through a task gate: CPL and the TSS selector's RPL <= DPL. */
	if (source == SVX_TS_GATE && idt_index >= 0) {
		u64 idt_base;
		u32 idt_limit;

		svx_vcpu_load(vcpu);
		idt_base = svx_vmread(GUEST_IDTR_BASE);
		idt_limit = svx_vmread(GUEST_IDTR_LIMIT);
		svx_vcpu_put(vcpu);
		if (idt_index * 8 + 7 > idt_limit)
			return svx_ts_fault(ts, X86_TRAP_GP,
					    (idt_index << 3) | 2);
		r = svx_ts_read(ts, idt_base + idt_index * 8, &gate,
				sizeof(gate));
		if (r)
			return r;
		if ((sel & 3) > svx_desc_dpl(gate) || cpl > svx_desc_dpl(gate))
			return svx_ts_fault(ts, X86_TRAP_GP,
					    (idt_index << 3) | 2);
	}

	/*
	 * The new TSS descriptor: a TSS in the GDT, busy for IRET and
	 * available otherwise, present, at least 0x67 (32-bit) or 0x2b
	 * (16-bit) bytes.  The CPU checked most of this before the exit.
	 */
	type = svx_desc_type(new_desc);
	if ((sel & 4) || svx_desc_s(new_desc) || (type & 5) != 1 ||
	    !!(type & 2) != (source == SVX_TS_IRET))
		return svx_ts_fault(ts, source == SVX_TS_IRET ? X86_TRAP_TS :
				    X86_TRAP_GP, sel & 0xfffc);
	if (!svx_desc_p(new_desc))
		return svx_ts_fault(ts, X86_TRAP_NP, sel & 0xfffc);
	is32 = type & 8;
	if (svx_desc_limit(new_desc) < (is32 ? 0x67 : 0x2b))
		return svx_ts_fault(ts, X86_TRAP_TS, sel & 0xfffc);
	new_base = svx_desc_base(new_desc);

	/* Both TSSs are read before anything is written. */
	r = old_is32 ? svx_ts_read(ts, tr.base, &old32, sizeof(old32)) :
		       svx_ts_read(ts, tr.base, &old16, sizeof(old16));
	if (r)
		return r;
	r = is32 ? svx_ts_read(ts, new_base, &new32, sizeof(new32)) :
		   svx_ts_read(ts, new_base, &new16, sizeof(new16));
	if (r)
		return r;
	if (is32 && (new32.eflags & X86_EFLAGS_VM)) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "task switch to virtual-8086 mode is not supported");
		return -EOPNOTSUPP;
	}

	/* The old task: busy bit (JMP, IRET), then its state. */
	if (source == SVX_TS_IRET || source == SVX_TS_JMP) {
		old_desc = svx_desc_set_type(old_desc,
					     svx_desc_type(old_desc) & ~2);
		r = svx_ts_write_type(ts, old_la, old_desc);
		if (r)
			return r;
	}
	eflags = vcpu->rflags;
	if (source == SVX_TS_IRET)
		eflags &= ~X86_EFLAGS_NT;
	if (old_is32) {
		svx_ts_save32(vcpu, &old32, eflags);
		r = svx_ts_write(ts, tr.base + SVX_TSS32_SAVE_START,
				 &old32.eip,
				 SVX_TSS32_SAVE_END - SVX_TSS32_SAVE_START);
	} else {
		svx_ts_save16(vcpu, &old16, eflags);
		r = svx_ts_write(ts, tr.base, &old16, sizeof(old16));
	}
	if (r)
		return r;

	/* The new task's TSS again (it may be the old one), its back link. */
	r = is32 ? svx_ts_read(ts, new_base, &new32, sizeof(new32)) :
		   svx_ts_read(ts, new_base, &new16, sizeof(new16));
	if (r)
		return r;
	if (source == SVX_TS_CALL || source == SVX_TS_GATE) {
		r = svx_ts_write(ts, new_base, &tr.sel, sizeof(tr.sel));
		if (r)
			return r;
		nt = X86_EFLAGS_NT;
	}
	if (source != SVX_TS_IRET) {
		new_desc = svx_desc_set_type(new_desc, type | 2);
		r = svx_ts_write_type(ts, new_la, new_desc);
		if (r)
			return r;
	}

	/* Commit: TR and CR0.TS; faults from here on are the new task's. */
	svx_desc_to_seg(new_desc, sel, &tr);
	svx_ts_set_seg(vcpu, SVX_SEG_TR, &tr);
	ts->committed = true;
	svx_set_cr0(vcpu, vcpu->cr0 | X86_CR0_TS);
	vcpu->dr[7] &= ~SVX_DR7_LOCAL;
	svx_update_dr7(vcpu);

	r = svx_ts_load_state(ts, is32, &new32, &new16, nt);
	if (!r && has_error)
		r = svx_ts_push_error(ts, is32, error);
	return r;
}

int svx_handle_task_switch(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 idt = vmx->idt_vectoring, type = 0, error = 0;
	int source = (u32)vmx->exit_qual >> 30, idt_index = -1, r, first = -1;
	bool idt_valid = idt & SVX_INTR_VALID, has_error = false;
	struct svx_ts ts = { .vcpu = vcpu, .vector = -1 };
	u16 sel = vmx->exit_qual & 0xffff;
	unsigned long rip = vcpu->rip;

	vcpu->stats.misc[SVX_STAT_TASK_SWITCHES]++;
	if (idt_valid)
		type = (idt & SVX_INTR_TYPE_MASK) >> SVX_INTR_TYPE_SHIFT;

	/*
	 * An event whose IDT entry is a task gate is delivered by the switch
	 * itself: it is not re-injected (svx_requeue_vectoring() queued it).
	 */
	if (source == SVX_TS_GATE && idt_valid) {
		vcpu->inject_pending = false;
		switch (type) {
		case SVX_INTR_TYPE_NMI:
			svx_vcpu_load(vcpu);
			svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO,
				    svx_vmread(GUEST_INTERRUPTIBILITY_INFO) |
				    GUEST_INTR_STATE_NMI);
			svx_vcpu_put(vcpu);
			break;
		case SVX_INTR_TYPE_HW_EXC:
			has_error = idt & SVX_INTR_HAS_ERROR;
			error = vmx->idt_vectoring_error;
			first = idt & 0xff;
			break;
		case SVX_INTR_TYPE_SW_INT:
			idt_index = idt & 0xff;
			break;
		}
	}
	if (svx_guest_long_mode(vcpu) || !(vcpu->cr0 & X86_CR0_PE)) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "task switch outside 32-bit protected mode");
		return SVX_USER;
	}
	/* CALL, JMP, IRET and INT n, INT3, INTO, INT1: EIP past them. */
	if (!idt_valid || (type != SVX_INTR_TYPE_HW_EXC &&
			   type != SVX_INTR_TYPE_EXT &&
			   type != SVX_INTR_TYPE_NMI))
		svx_skip_insn(vcpu);

	r = svx_do_task_switch(&ts, sel, idt_index, source, has_error, error);
	if (r == -EOPNOTSUPP)
		return SVX_USER;
	if (r < 0) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "task switch: a TSS or descriptor is outside guest RAM");
		return SVX_USER;
	}
	if (r == SVX_TS_FAULT) {
		/* A fault in the old task points at its instruction. */
		if (!ts.committed && vcpu->rip != rip) {
			vcpu->rip = rip;
			vcpu->rip_dirty = true;
		}
		if (ts.vector == X86_TRAP_PF)
			vcpu->cr2 = ts.cr2;
		/* Merged with the exception that took the task gate. */
		if (first >= 0)
			svx_inject_exception(vcpu, first, has_error, error);
		svx_inject_exception(vcpu, ts.vector, true, ts.error);
	}
	return SVX_RESUME;
}
