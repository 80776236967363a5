// SPDX-License-Identifier: GPL-2.0
/*
 * System management mode, as KVM 6.1's: enter_smm() and the SMRAM state
 * save area (arch/x86/kvm/x86.c), RSM (emulate.c em_rsm()), the SMI
 * sources (KVM_SMI, KVM_SET_VCPU_EVENTS, the local APIC's SMI delivery
 * mode: core/irqchip.c) and the rules around them (the SMM hooks of
 * vmx/run.c, vmx/events.c and vmx/vmx.c).
 *
 * An SMI waits in svx_smm.smi_pending while the vCPU is in SMM or an
 * event is being injected; otherwise, before the next entry, the vCPU's
 * state goes into the state save area at SMBASE + 0xfe00 (KVM's 64-bit
 * layout, revision 0x20064, when the guest's CPUID has long mode, else
 * its 32-bit one, 0x20000) and the vCPU starts at SMBASE + 0x8000 in
 * KVM's "big real mode": CS.base = SMBASE, 4 GiB limits, CR0.PE/PG off,
 * CR4 and EFER 0, IDT limit 0, NMIs blocked.  In SMM every access the
 * vCPU makes, and every access made for it, goes to memslot address
 * space 1 (svx_vcpu_as()): in EPT mode the VM's second EPT tree.  RSM,
 * which the CPU refuses with #UD in VMX non-root operation, is decoded by
 * x86/decode.c (svx_decode_rsm()) and carried out here as em_rsm():
 * back to a safe mode, then CR3/CR4/CR0, EFER, the segments, the
 * descriptor tables, DR6/DR7, RIP, RFLAGS and the GPRs from the save
 * area; a state the vCPU cannot take is a shutdown (KVM_EXIT_SHUTDOWN).
 * INIT is latched while in SMM (core/irqchip.c) and taken after RSM.
 *
 * SMM needs real mode with 4 GiB segment limits, which only unrestricted
 * guest (EPT mode) runs: a shadow-paging VM runs real mode in vm86
 * (vmx/rmode.c).  The shadow MMU has SMM's address space (role.smm, a
 * nonpaging tree of address space 1: mmu/); SMM's big real mode (4 GiB
 * limits, CS.base = SMBASE, not selector * 16 once SMBASE is above
 * 1 MiB) and a handler's switch to protected mode (a data-type CS until
 * its far jump, SeaBIOS's) kvm_intel emulates instruction by instruction
 * (emulate_invalid_guest_state).  So does shadowvmx in SMM
 * (svx_rmode_set_emulate(): x86/emulate_rm.c's svx_x86_rm_step() while
 * svx_x86_rm_segs_valid() says VMX cannot take the segments, run by
 * vmx/rmode.c svx_rmode_emulate() with the events and single-step traps
 * between instructions); outside SMM real mode runs in vm86 as before.
 * Both paging modes have SMM.  KVM_CAP_X86_SMM: core/main.c.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "vmx_int.h"
#include "vm.h"
#include "mmu.h"
#include "irq.h"

#define SVX_SMM_STATE		0xfe00	/* the save area: SMBASE + this */
#define SVX_SMM_STATE_SIZE	512
#define SVX_SMM_ENTRY		0x8000	/* RIP at the SMI */
#define SVX_SMM_REV32		0x00020000
#define SVX_SMM_REV64		0x00020064

/* KVM's put_smstate()/GET_SMSTATE(): SDM offsets 0x7e00..0x7fff. */
static void svx_smstate_put(u8 *buf, unsigned int off, u64 val,
			    unsigned int size)
{
	memcpy(buf + off - 0x7e00, &val, size);
}

static u64 svx_smstate_get(const u8 *buf, unsigned int off, unsigned int size)
{
	u64 val = 0;

	memcpy(&val, buf + off - 0x7e00, size);
	return val;
}

#define PUT16(buf, off, v)	svx_smstate_put(buf, off, v, 2)
#define PUT32(buf, off, v)	svx_smstate_put(buf, off, v, 4)
#define PUT64(buf, off, v)	svx_smstate_put(buf, off, v, 8)
#define GET16(buf, off)		((u16)svx_smstate_get(buf, off, 2))
#define GET32(buf, off)		((u32)svx_smstate_get(buf, off, 4))
#define GET64(buf, off)		svx_smstate_get(buf, off, 8)

/* KVM's VCPU_SREG_* (ES CS SS DS FS GS) are the VMCS's selector order. */
static unsigned long svx_sreg_field(int n)
{
	return GUEST_ES_SELECTOR + 2 * n;
}

static bool svx_smm_long_mode(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, 0x80000001, 0);

	return e && (e->edx & BIT(29));		/* LM */
}

/*
 * KVM's kvm_smm_changed(): the vCPU's address space changes (the EPT
 * tree with it) and so does its MMU context; leaving SMM looks at the
 * events again (a latched INIT, an SMI that waited).
 */
void svx_smm_changed(struct svx_vcpu *vcpu, bool entering)
{
	vcpu->smm.in_smm = entering;
	if (!entering) {
		vcpu->smm.inside_nmi = false;
		if (vcpu->lapic)
			set_bit(SVX_REQ_EVENT, &vcpu->requests);
	}
	svx_vcpu_load(vcpu);
	if (svx_vm_ept(vcpu->vm))
		svx_ept_load_eptp(vcpu);
	svx_mmu_reset_context(vcpu);
	svx_vcpu_put(vcpu);
	to_vmx(vcpu)->vpid_flush = true;
}

/* KVM's enter_smm_get_segment_flags() */
static u32 svx_smm_seg_flags(const struct kvm_segment *s)
{
	return (u32)s->g << 23 | (u32)s->db << 22 | (u32)s->l << 21 |
	       (u32)s->avl << 20 | (u32)s->present << 15 |
	       (u32)s->dpl << 13 | (u32)s->s << 12 | (u32)s->type << 8;
}

/*
 * A segment from the save area, as RSM loads it (rsm_set_desc_flags(),
 * set_desc_limit() and emulator_set_segment()): the limit goes through a
 * descriptor's 20 bits and its granularity.
 */
static void svx_smm_seg(struct kvm_segment *s, u16 sel, u32 flags,
			u32 limit, u64 base)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->g = (flags >> 23) & 1;
	limit &= 0xfffff;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->db = (flags >> 22) & 1;
	s->l = (flags >> 21) & 1;
	s->avl = (flags >> 20) & 1;
	s->present = (flags >> 15) & 1;
	s->dpl = (flags >> 13) & 3;
	s->s = (flags >> 12) & 1;
	s->type = (flags >> 8) & 15;
	s->unusable = !s->present;
}

/*
 * One segment in the 64-bit layout at @off (KVM's enter_smm_save_seg_64()):
 * selector, attributes, limit, base; vCPU loaded.
 */
static void svx_smm_save_seg_64(struct svx_vcpu *vcpu, u8 *buf,
				unsigned int off, unsigned long field)
{
	struct kvm_segment seg;

	svx_get_segment(vcpu, &seg, field);
	PUT16(buf, off, seg.selector);
	PUT16(buf, off + 2, svx_smm_seg_flags(&seg) >> 8);
	PUT32(buf, off + 4, seg.limit);
	PUT64(buf, off + 8, seg.base);
}

/* enter_smm_save_state_64(); vCPU loaded */
static void svx_smm_save_64(struct svx_vcpu *vcpu, u8 *buf)
{
	int i;

	for (i = 0; i < 16; i++)
		PUT64(buf, 0x7ff8 - i * 8, vcpu->regs[i]);
	PUT64(buf, 0x7f78, vcpu->rip);
	PUT32(buf, 0x7f70, vcpu->rflags);
	PUT64(buf, 0x7f68, vcpu->dr[6]);
	PUT64(buf, 0x7f60, vcpu->dr[7]);
	PUT64(buf, 0x7f58, vcpu->cr0);
	PUT64(buf, 0x7f50, vcpu->cr3);
	PUT64(buf, 0x7f48, vcpu->cr4);
	PUT32(buf, 0x7f00, vcpu->smm.smbase);
	PUT32(buf, 0x7efc, SVX_SMM_REV64);
	PUT64(buf, 0x7ed0, vcpu->efer);

	svx_smm_save_seg_64(vcpu, buf, 0x7e90, GUEST_TR_SELECTOR);

	PUT32(buf, 0x7e84, svx_vmread(GUEST_IDTR_LIMIT));
	PUT64(buf, 0x7e88, svx_vmread(GUEST_IDTR_BASE));

	svx_smm_save_seg_64(vcpu, buf, 0x7e70, GUEST_LDTR_SELECTOR);

	PUT32(buf, 0x7e64, svx_vmread(GUEST_GDTR_LIMIT));
	PUT64(buf, 0x7e68, svx_vmread(GUEST_GDTR_BASE));

	for (i = 0; i < 6; i++)
		svx_smm_save_seg_64(vcpu, buf, 0x7e00 + i * 16,
				    svx_sreg_field(i));
}

/* enter_smm_save_state_32(); vCPU loaded */
static void svx_smm_save_32(struct svx_vcpu *vcpu, u8 *buf)
{
	struct kvm_segment seg;
	int i;

	PUT32(buf, 0x7ffc, vcpu->cr0);
	PUT32(buf, 0x7ff8, vcpu->cr3);
	PUT32(buf, 0x7ff4, vcpu->rflags);
	PUT32(buf, 0x7ff0, vcpu->rip);
	for (i = 0; i < 8; i++)
		PUT32(buf, 0x7fd0 + i * 4, vcpu->regs[i]);
	PUT32(buf, 0x7fcc, vcpu->dr[6]);
	PUT32(buf, 0x7fc8, vcpu->dr[7]);

	svx_get_segment(vcpu, &seg, GUEST_TR_SELECTOR);
	PUT32(buf, 0x7fc4, seg.selector);
	PUT32(buf, 0x7f64, seg.base);
	PUT32(buf, 0x7f60, seg.limit);
	PUT32(buf, 0x7f5c, svx_smm_seg_flags(&seg));

	svx_get_segment(vcpu, &seg, GUEST_LDTR_SELECTOR);
	PUT32(buf, 0x7fc0, seg.selector);
	PUT32(buf, 0x7f80, seg.base);
	PUT32(buf, 0x7f7c, seg.limit);
	PUT32(buf, 0x7f78, svx_smm_seg_flags(&seg));

	PUT32(buf, 0x7f74, svx_vmread(GUEST_GDTR_BASE));
	PUT32(buf, 0x7f70, svx_vmread(GUEST_GDTR_LIMIT));
	PUT32(buf, 0x7f58, svx_vmread(GUEST_IDTR_BASE));
	PUT32(buf, 0x7f54, svx_vmread(GUEST_IDTR_LIMIT));

	for (i = 0; i < 6; i++) {
		unsigned int off = i < 3 ? 0x7f84 + i * 12 :
				   0x7f2c + (i - 3) * 12;

		svx_get_segment(vcpu, &seg, svx_sreg_field(i));
		PUT32(buf, 0x7fa8 + i * 4, seg.selector);
		PUT32(buf, off + 8, seg.base);
		PUT32(buf, off + 4, seg.limit);
		PUT32(buf, off, svx_smm_seg_flags(&seg));
	}

	PUT32(buf, 0x7f14, vcpu->cr4);
	PUT32(buf, 0x7efc, SVX_SMM_REV32);
	PUT32(buf, 0x7ef8, vcpu->smm.smbase);
}

/* KVM's enter_smm(): the SMI is taken now.  vCPU not loaded. */
static void svx_smm_enter(struct svx_vcpu *vcpu)
{
	struct kvm_segment cs, ds;
	u8 buf[SVX_SMM_STATE_SIZE];
	bool lm = svx_smm_long_mode(vcpu);
	u32 intr;
	int i;

	memset(buf, 0, sizeof(buf));
	svx_vcpu_load(vcpu);
	if (lm)
		svx_smm_save_64(vcpu, buf);
	else
		svx_smm_save_32(vcpu, buf);
	svx_vcpu_put(vcpu);

	svx_smm_changed(vcpu, true);
	/* As KVM, whose kvm_vcpu_write_guest() result goes unchecked. */
	if (svx_guest_phys_as(vcpu->vm, SVX_AS_SMM,
			      vcpu->smm.smbase + SVX_SMM_STATE, buf,
			      sizeof(buf), true))
		svx_vm_warn(vcpu->vm, "vcpu%d: SMI: no memory for the state save area at %#llx in the SMM address space\n",
			    vcpu->id, vcpu->smm.smbase + SVX_SMM_STATE);

	svx_vcpu_load(vcpu);
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & GUEST_INTR_STATE_NMI)
		vcpu->smm.inside_nmi = true;
	else
		svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO,
			    intr | GUEST_INTR_STATE_NMI);

	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->rip = SVX_SMM_ENTRY;
	vcpu->rip_dirty = true;
	vcpu->cr0 &= ~(u64)(X86_CR0_PE | X86_CR0_EM | X86_CR0_TS |
			    X86_CR0_PG);
	svx_rmode_set_emulate(vcpu, true);
	svx_rmode_update(vcpu);
	vcpu->cr4 = 0;
	/* Undocumented: IDT limit is set to zero on entry to SMM (KVM). */
	svx_vmwrite(GUEST_IDTR_BASE, 0);
	svx_vmwrite(GUEST_IDTR_LIMIT, 0);
	svx_set_dr(vcpu, 7, 0x400);	/* DR7_FIXED_1 */

	memset(&cs, 0, sizeof(cs));
	cs.selector = (vcpu->smm.smbase >> 4) & 0xffff;
	cs.base = vcpu->smm.smbase;
	cs.limit = 0xffffffff;
	cs.type = 3;
	cs.s = 1;
	cs.g = 1;
	cs.present = 1;
	ds = cs;
	ds.selector = 0;
	ds.base = 0;
	for (i = 0; i < 6; i++)
		svx_set_segment(vcpu, i == 1 ? &cs : &ds, svx_sreg_field(i));
	if (lm)
		svx_set_efer(vcpu, 0, true);
	svx_mmu_reset_context(vcpu);
	svx_vcpu_put(vcpu);
	vcpu->smm.smi_count++;
}

/*
 * Before an entry: take a pending SMI if the vCPU can (KVM's
 * kvm_check_and_inject_events() with vmx_smi_allowed(): not in SMM, no
 * event being injected).  True if it did.
 */
bool svx_smm_check_smi(struct svx_vcpu *vcpu)
{
	if (!vcpu->smm.smi_pending || vcpu->smm.in_smm ||
	    vcpu->inject_pending || vcpu->irq_queued >= 0)
		return false;
	vcpu->smm.smi_pending = false;
	svx_smm_enter(vcpu);
	return true;
}

/* KVM_SMI (KVM's kvm_vcpu_ioctl_smi()) */
int svx_smm_ioctl_smi(struct svx_vcpu *vcpu)
{
	vcpu->smm.smi_pending = true;
	return 0;
}

/* rsm_enter_protected_mode(); 0 or 1 (shutdown) */
static int svx_rsm_cr(struct svx_vcpu *vcpu, u64 cr0, u64 cr3, u64 cr4)
{
	u64 pcid = 0;

	/* In order to later set CR4.PCIDE, CR3[11:0] must be zero. */
	if (cr4 & X86_CR4_PCIDE) {
		pcid = cr3 & 0xfff;
		cr3 &= ~0xfffULL;
	}
	if (svx_set_cr3(vcpu, cr3) ||
	    svx_set_cr4(vcpu, cr4 & ~(u64)X86_CR4_PCIDE) ||
	    svx_set_cr0(vcpu, cr0))
		return 1;
	if (cr4 & X86_CR4_PCIDE) {
		if (svx_set_cr4(vcpu, cr4))
			return 1;
		if (pcid && svx_set_cr3(vcpu, cr3 | pcid))
			return 1;
	}
	return 0;
}

static void svx_rsm_dt(unsigned long base_field, u64 base,
		       unsigned long limit_field, u32 limit)
{
	svx_vmwrite(base_field, base);
	svx_vmwrite(limit_field, limit & 0xffff);
}

/* rsm_load_state_64(); 0 or 1 (shutdown) */
static int svx_rsm_load_64(struct svx_vcpu *vcpu, const u8 *buf)
{
	struct kvm_segment seg;
	u64 cr0, cr3, cr4;
	int i, r;

	for (i = 0; i < 16; i++)
		vcpu->regs[i] = GET64(buf, 0x7ff8 - i * 8);
	vcpu->rip = GET64(buf, 0x7f78);
	vcpu->rflags = GET32(buf, 0x7f70) | X86_EFLAGS_FIXED;
	vcpu->rip_dirty = true;
	svx_vcpu_load(vcpu);
	r = svx_set_dr(vcpu, 6, GET64(buf, 0x7f68)) ||
	    svx_set_dr(vcpu, 7, GET64(buf, 0x7f60));
	svx_vcpu_put(vcpu);
	if (r)
		return 1;
	cr0 = GET64(buf, 0x7f58);
	cr3 = GET64(buf, 0x7f50);
	cr4 = GET64(buf, 0x7f48);
	vcpu->smm.smbase = GET32(buf, 0x7f00);
	if (svx_set_efer(vcpu, GET64(buf, 0x7ed0) & ~(u64)EFER_LMA, false))
		return 1;

	svx_vcpu_load(vcpu);

	svx_smm_seg(&seg, GET32(buf, 0x7e90), GET32(buf, 0x7e92) << 8,
		    GET32(buf, 0x7e94),
		    GET32(buf, 0x7e98) | (u64)GET32(buf, 0x7e9c) << 32);
	svx_set_segment(vcpu, &seg, GUEST_TR_SELECTOR);
	svx_rsm_dt(GUEST_IDTR_BASE, GET64(buf, 0x7e88), GUEST_IDTR_LIMIT,
		   GET32(buf, 0x7e84));
	svx_smm_seg(&seg, GET32(buf, 0x7e70), GET32(buf, 0x7e72) << 8,
		    GET32(buf, 0x7e74),
		    GET32(buf, 0x7e78) | (u64)GET32(buf, 0x7e7c) << 32);
	svx_set_segment(vcpu, &seg, GUEST_LDTR_SELECTOR);
	svx_rsm_dt(GUEST_GDTR_BASE, GET64(buf, 0x7e68), GUEST_GDTR_LIMIT,
		   GET32(buf, 0x7e64));
	svx_vcpu_put(vcpu);

	if (svx_rsm_cr(vcpu, cr0, cr3, cr4))
		return 1;
	svx_vcpu_load(vcpu);
	for (i = 0; i < 6; i++) {
		unsigned int off = 0x7e00 + i * 16;

		svx_smm_seg(&seg, GET16(buf, off), GET16(buf, off + 2) << 8,
			    GET32(buf, off + 4),
			    GET32(buf, off + 8) |
			    (u64)GET32(buf, off + 12) << 32);
		svx_set_segment(vcpu, &seg, svx_sreg_field(i));
	}
	svx_vcpu_put(vcpu);
	return 0;
}

/* rsm_load_state_32(); 0 or 1 (shutdown) */
static int svx_rsm_load_32(struct svx_vcpu *vcpu, const u8 *buf)
{
	struct kvm_segment seg;
	u32 cr0, cr3, cr4;
	int i;

	cr0 = GET32(buf, 0x7ffc);
	cr3 = GET32(buf, 0x7ff8);
	vcpu->rflags = GET32(buf, 0x7ff4) | X86_EFLAGS_FIXED;
	vcpu->rip = GET32(buf, 0x7ff0);
	vcpu->rip_dirty = true;
	for (i = 0; i < 8; i++)
		vcpu->regs[i] = GET32(buf, 0x7fd0 + i * 4);
	svx_vcpu_load(vcpu);
	if (svx_set_dr(vcpu, 6, GET32(buf, 0x7fcc)) ||
	    svx_set_dr(vcpu, 7, GET32(buf, 0x7fc8))) {
		svx_vcpu_put(vcpu);
		return 1;
	}
	svx_smm_seg(&seg, GET32(buf, 0x7fc4), GET32(buf, 0x7f5c),
		    GET32(buf, 0x7f60), GET32(buf, 0x7f64));
	svx_set_segment(vcpu, &seg, GUEST_TR_SELECTOR);
	svx_smm_seg(&seg, GET32(buf, 0x7fc0), GET32(buf, 0x7f78),
		    GET32(buf, 0x7f7c), GET32(buf, 0x7f80));
	svx_set_segment(vcpu, &seg, GUEST_LDTR_SELECTOR);
	svx_rsm_dt(GUEST_GDTR_BASE, GET32(buf, 0x7f74), GUEST_GDTR_LIMIT,
		   GET32(buf, 0x7f70));
	svx_rsm_dt(GUEST_IDTR_BASE, GET32(buf, 0x7f58), GUEST_IDTR_LIMIT,
		   GET32(buf, 0x7f54));
	for (i = 0; i < 6; i++) {
		unsigned int off = i < 3 ? 0x7f84 + i * 12 :
				   0x7f2c + (i - 3) * 12;

		svx_smm_seg(&seg, GET32(buf, 0x7fa8 + i * 4),
			    GET32(buf, off), GET32(buf, off + 4),
			    GET32(buf, off + 8));
		svx_set_segment(vcpu, &seg, svx_sreg_field(i));
	}
	svx_vcpu_put(vcpu);
	cr4 = GET32(buf, 0x7f14);
	vcpu->smm.smbase = GET32(buf, 0x7ef8);
	return svx_rsm_cr(vcpu, cr0, cr3, cr4);
}

/*
 * RSM at RIP (KVM's em_rsm()), @bytes its @len bytes: #UD outside SMM;
 * else the state save area is read (an emulation failure if address
 * space 1 has no memory there) and loaded.
 */
int svx_smm_rsm(struct svx_vcpu *vcpu, const u8 *bytes, int len)
{
	bool lm = svx_smm_long_mode(vcpu);
	u8 buf[SVX_SMM_STATE_SIZE];
	struct kvm_segment cs;
	bool step;
	u32 intr;
	int r;

	if (!vcpu->smm.in_smm) {
		svx_inject_ud(vcpu);
		return SVX_RESUME;
	}
	if (svx_guest_phys_as(vcpu->vm, SVX_AS_SMM,
			      vcpu->smm.smbase + SVX_SMM_STATE, buf,
			      sizeof(buf), false)) {
		return svx_emulation_failed(vcpu, bytes, len,
					    "RSM: no memory for the state save area in the SMM address space");
	}
	svx_vcpu_load(vcpu);
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (!vcpu->smm.inside_nmi)
		intr &= ~GUEST_INTR_STATE_NMI;
	/* the emulator's toggle_interruptibility(): no STI/MOV SS shadow */
	intr &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
	svx_vcpu_put(vcpu);

	step = svx_emulated_insn_steps(vcpu);
	svx_smm_changed(vcpu, false);

	/*
	 * Back to real mode, a safe state in which to load CR0/CR3/CR4 and
	 * EFER; with long mode, through a 32-bit code segment.
	 */
	if (lm) {
		if (vcpu->cr4 & X86_CR4_PCIDE)
			svx_set_cr4(vcpu, vcpu->cr4 & ~(u64)X86_CR4_PCIDE);
		memset(&cs, 0, sizeof(cs));
		cs.type = 0xb;
		cs.s = 1;
		cs.g = 1;
		cs.present = 1;
		cs.limit = 0xfff;
		svx_vcpu_load(vcpu);
		svx_set_segment(vcpu, &cs, GUEST_CS_SELECTOR);
		svx_vcpu_put(vcpu);
	}
	if (vcpu->cr0 & X86_CR0_PE)
		svx_set_cr0(vcpu, vcpu->cr0 & ~(u64)(X86_CR0_PG | X86_CR0_PE));
	if (lm) {
		if (vcpu->cr4 & X86_CR4_PAE)
			svx_set_cr4(vcpu, vcpu->cr4 & ~(u64)X86_CR4_PAE);
		svx_set_efer(vcpu, 0, false);
	}

	/*
	 * The segments load as in SMM (vmx/rmode.c: the VMCS keeps the
	 * guest's own in vm86, a protected-mode state is taken whole); then
	 * real mode runs in vm86 again and protected mode is checked once
	 * (VMX may not take segments the save area was edited to).
	 */
	r = lm ? svx_rsm_load_64(vcpu, buf) : svx_rsm_load_32(vcpu, buf);
	svx_vcpu_load(vcpu);
	svx_rmode_set_emulate(vcpu, false);
	if (!vcpu->rmode.active && !svx_vm_ept(vcpu->vm))
		vcpu->rmode.pm_check = true;
	svx_vcpu_put(vcpu);
	if (r) {
		svx_vm_warn(vcpu->vm, "vcpu%d: RSM: the state save area holds a state the vCPU cannot take: shutdown\n",
			    vcpu->id);
		vcpu->triple_fault = true;	/* KVM's emulate_shutdown */
		return SVX_RESUME;
	}
	if (step)
		svx_debug_singlestep(vcpu);
	return SVX_RESUME;
}

/* KVM's kvm_vcpu_reset(): @init keeps SMBASE. */
void svx_smm_reset(struct svx_vcpu *vcpu, bool init)
{
	if (vcpu->smm.in_smm)
		svx_smm_changed(vcpu, false);
	svx_rmode_set_emulate(vcpu, false);	/* vCPU loaded */
	vcpu->smm.inside_nmi = false;
	vcpu->smm.smi_pending = false;
	vcpu->smm.smi_count = 0;
	if (!init)
		vcpu->smm.smbase = 0x30000;
}

/* KVM_GET_VCPU_EVENTS' smi (KVM_VCPUEVENT_VALID_SMM) */
void svx_smm_get_events(struct svx_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	ev->smi.smm = vcpu->smm.in_smm;
	ev->smi.pending = vcpu->smm.smi_pending;
	ev->smi.smm_inside_nmi = vcpu->smm.inside_nmi;
	ev->smi.latched_init = vcpu->lapic && svx_irqchip_latched_init(vcpu);
	ev->flags |= KVM_VCPUEVENT_VALID_SMM;
}

/*
 * The checks of KVM_SET_VCPU_EVENTS with KVM_VCPUEVENT_VALID_SMM, before
 * anything is set: (as KVM) no SMM or SMI while the vCPU waits for a
 * SIPI.  0 or -EINVAL.
 */
int svx_smm_check_events(struct svx_vcpu *vcpu,
			 const struct kvm_vcpu_events *ev)
{
	if (!(ev->flags & KVM_VCPUEVENT_VALID_SMM) ||
	    (!ev->smi.smm && !ev->smi.pending))
		return 0;
	if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_VCPU_EVENTS: SMM or an SMI while waiting for SIPI\n",
			    vcpu->id);
		return -EINVAL;
	}
	return 0;
}

/* KVM_SET_VCPU_EVENTS' smi, after the checks */
void svx_smm_set_events(struct svx_vcpu *vcpu,
			const struct kvm_vcpu_events *ev)
{
	if (!(ev->flags & KVM_VCPUEVENT_VALID_SMM))
		return;
	if (vcpu->smm.in_smm != !!ev->smi.smm) {
		svx_smm_changed(vcpu, ev->smi.smm);
		svx_vcpu_load(vcpu);
		svx_rmode_set_emulate(vcpu, ev->smi.smm);
		svx_vcpu_put(vcpu);
	}
	vcpu->smm.smi_pending = ev->smi.pending;
	if (ev->smi.smm)
		vcpu->smm.inside_nmi = ev->smi.smm_inside_nmi;
	if (vcpu->lapic)
		svx_irqchip_set_latched_init(vcpu, ev->smi.latched_init);
}

/* MSR_IA32_SMBASE and MSR_SMI_COUNT: 0, 1 (#GP), -1 (not these) */
int svx_smm_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool write,
		bool host)
{
	switch (index) {
	case MSR_IA32_SMBASE:
		if (!host)	/* as KVM: the VMM's only */
			return 1;
		if (write)
			vcpu->smm.smbase = *data;
		else
			*data = vcpu->smm.smbase;
		return 0;
	case MSR_SMI_COUNT:
		if (write && !host)
			return 1;
		if (write)
			vcpu->smm.smi_count = *data;
		else
			*data = vcpu->smm.smi_count;
		return 0;
	}
	return -1;
}
