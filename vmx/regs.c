// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's registers and segments (KVM's x86.c __get_regs(),
 * __set_regs(), __get_sregs(), __set_sregs_common(), kvm_is_valid_sregs(),
 * kvm_vcpu_deliver_sipi_vector(); vmx.c vmx_get_segment(),
 * vmx_set_segment()).
 *
 * This file owns:
 *  - KVM_GET_REGS and KVM_SET_REGS;
 *  - KVM_GET_SREGS and KVM_SET_SREGS, with KVM's checks of the state
 *    given: CR0, CR4, EFER, CS.L, the APIC base, PAE's PDPTEs;
 *  - the segments, as the VMCS holds them and as the guest sees them
 *    (vm86 under shadow paging keeps its own view, vmx/rmode.c), for
 *    the other files of vmx/; a SIPI's CS:IP;
 *  - CR8 writes (the local APIC's TPR when it is in the kernel).  Reading
 *    CR8 and the APIC base is inline in vmx_int.h, for the run loop.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/string.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"
#include "mmu.h"
#include "irq.h"

void svx_set_cr8(struct svx_vcpu *vcpu, u64 cr8)
{
	if (vcpu->lapic)
		svx_irqchip_set_cr8(vcpu, cr8);
	else
		vcpu->cr8 = cr8;
}

void svx_get_regs(struct svx_vcpu *vcpu, struct kvm_regs *regs)
{
	regs->rax = vcpu->regs[SVX_RAX];
	regs->rbx = vcpu->regs[SVX_RBX];
	regs->rcx = vcpu->regs[SVX_RCX];
	regs->rdx = vcpu->regs[SVX_RDX];
	regs->rsi = vcpu->regs[SVX_RSI];
	regs->rdi = vcpu->regs[SVX_RDI];
	regs->rsp = vcpu->regs[SVX_RSP];
	regs->rbp = vcpu->regs[SVX_RBP];
	regs->r8 = vcpu->regs[SVX_R8];
	regs->r9 = vcpu->regs[SVX_R9];
	regs->r10 = vcpu->regs[SVX_R10];
	regs->r11 = vcpu->regs[SVX_R11];
	regs->r12 = vcpu->regs[SVX_R12];
	regs->r13 = vcpu->regs[SVX_R13];
	regs->r14 = vcpu->regs[SVX_R14];
	regs->r15 = vcpu->regs[SVX_R15];
	regs->rip = vcpu->rip;
	regs->rflags = svx_debug_get_rflags(vcpu);
}

void svx_set_regs(struct svx_vcpu *vcpu, const struct kvm_regs *regs)
{
	vcpu->regs[SVX_RAX] = regs->rax;
	vcpu->regs[SVX_RBX] = regs->rbx;
	vcpu->regs[SVX_RCX] = regs->rcx;
	vcpu->regs[SVX_RDX] = regs->rdx;
	vcpu->regs[SVX_RSI] = regs->rsi;
	vcpu->regs[SVX_RDI] = regs->rdi;
	vcpu->regs[SVX_RSP] = regs->rsp;
	vcpu->regs[SVX_RBP] = regs->rbp;
	vcpu->regs[SVX_R8] = regs->r8;
	vcpu->regs[SVX_R9] = regs->r9;
	vcpu->regs[SVX_R10] = regs->r10;
	vcpu->regs[SVX_R11] = regs->r11;
	vcpu->regs[SVX_R12] = regs->r12;
	vcpu->regs[SVX_R13] = regs->r13;
	vcpu->regs[SVX_R14] = regs->r14;
	vcpu->regs[SVX_R15] = regs->r15;
	vcpu->rip = regs->rip;
	/* RFLAGS bit 1 is fixed to 1; reserved bits are ignored like KVM. */
	svx_debug_set_rflags(vcpu, regs->rflags | X86_EFLAGS_FIXED);
	/*
	 * As KVM, a pending userspace I/O stays pending: it completes at the
	 * next KVM_RUN (an IN or OUT only if RIP is where it was; QEMU
	 * writes the registers back before it resumes).  A pending exception
	 * (queued, not yet being delivered: an emulation failure's #UD,
	 * KVM_GUESTDBG_INJECT_DB, KVM_X86_SET_MCE's #MC) is dropped, as KVM
	 * 6.1's __set_regs() drops it; one being injected stays.
	 */
	if (vcpu->inject_pending && vcpu->exc_pending) {
		vcpu->inject_pending = false;
		vcpu->exc_pending = false;
		vcpu->exc_has_payload = false;
	}
}

void svx_vmcs_get_segment(struct kvm_segment *var, unsigned long sel_field)
{
	u32 ar = svx_vmread(sel_field - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES);

	var->selector = svx_vmread(sel_field);
	var->base = svx_vmread(sel_field - GUEST_ES_SELECTOR + GUEST_ES_BASE);
	var->limit = svx_vmread(sel_field - GUEST_ES_SELECTOR +
				GUEST_ES_LIMIT);
	var->unusable = !!(ar & SVX_AR_UNUSABLE);
	var->type = ar & 15;
	var->s = (ar >> 4) & 1;
	var->dpl = (ar >> 5) & 3;
	var->present = !var->unusable && ((ar >> 7) & 1);
	var->avl = (ar >> 12) & 1;
	var->l = (ar >> 13) & 1;
	var->db = (ar >> 14) & 1;
	var->g = (ar >> 15) & 1;
	var->padding = 0;
}

void svx_vmcs_set_segment(const struct kvm_segment *var,
			  unsigned long sel_field)
{
	u32 ar;

	if (var->unusable || !var->present)
		ar = SVX_AR_UNUSABLE;
	else
		ar = (var->type & 15) | (var->s & 1) << 4 |
		     (var->dpl & 3) << 5 | (var->present & 1) << 7 |
		     (var->avl & 1) << 12 | (var->l & 1) << 13 |
		     (var->db & 1) << 14 | (var->g & 1) << 15;
	svx_seg_write(sel_field, var->selector, var->base, var->limit, ar);
}

/* Segment @sel_field as the guest sees it (vm86 keeps its own view). */
void svx_get_segment(struct svx_vcpu *vcpu, struct kvm_segment *var,
		     unsigned long sel_field)
{
	if (vcpu->rmode.active && sel_field != GUEST_LDTR_SELECTOR)
		svx_rmode_get_segment(vcpu, var,
				      (sel_field - GUEST_ES_SELECTOR) / 2);
	else
		svx_vmcs_get_segment(var, sel_field);
}

void svx_set_segment(struct svx_vcpu *vcpu, const struct kvm_segment *var,
		     unsigned long sel_field)
{
	if (vcpu->rmode.active && sel_field != GUEST_LDTR_SELECTOR)
		svx_rmode_set_segment(vcpu, var,
				      (sel_field - GUEST_ES_SELECTOR) / 2);
	else
		svx_vmcs_set_segment(var, sel_field);
}

/* A SIPI at @vector: real mode at vector << 12 (KVM's kvm_vcpu_deliver_sipi_vector()). */
void svx_vcpu_deliver_sipi(struct svx_vcpu *vcpu, u8 vector)
{
	struct kvm_segment cs;

	svx_vcpu_load(vcpu);
	svx_get_segment(vcpu, &cs, GUEST_CS_SELECTOR);
	cs.selector = vector << 8;
	cs.base = (u64)vector << 12;
	svx_set_segment(vcpu, &cs, GUEST_CS_SELECTOR);
	svx_vcpu_put(vcpu);
	vcpu->rip = 0;
	vcpu->rip_dirty = true;
}

void svx_get_sregs(struct svx_vcpu *vcpu, struct kvm_sregs *s)
{
	memset(s, 0, sizeof(*s));
	svx_vcpu_load(vcpu);
	svx_get_segment(vcpu, &s->cs, GUEST_CS_SELECTOR);
	svx_get_segment(vcpu, &s->ds, GUEST_DS_SELECTOR);
	svx_get_segment(vcpu, &s->es, GUEST_ES_SELECTOR);
	svx_get_segment(vcpu, &s->fs, GUEST_FS_SELECTOR);
	svx_get_segment(vcpu, &s->gs, GUEST_GS_SELECTOR);
	svx_get_segment(vcpu, &s->ss, GUEST_SS_SELECTOR);
	svx_get_segment(vcpu, &s->tr, GUEST_TR_SELECTOR);
	svx_get_segment(vcpu, &s->ldt, GUEST_LDTR_SELECTOR);
	s->gdt.base = svx_vmread(GUEST_GDTR_BASE);
	s->gdt.limit = svx_vmread(GUEST_GDTR_LIMIT);
	s->idt.base = svx_vmread(GUEST_IDTR_BASE);
	s->idt.limit = svx_vmread(GUEST_IDTR_LIMIT);
	svx_vcpu_put(vcpu);
	s->cr0 = vcpu->cr0;
	s->cr2 = vcpu->cr2;
	s->cr3 = vcpu->cr3;
	s->cr4 = vcpu->cr4;
	s->cr8 = svx_get_cr8(vcpu);
	s->efer = vcpu->efer;
	s->apic_base = svx_get_apic_base(vcpu);
}

/* The checks of KVM's kvm_is_valid_sregs() and kvm_is_valid_cr0/cr4(). */
static bool svx_valid_sregs(struct svx_vcpu *vcpu, const struct kvm_sregs *s)
{
	if (s->cr0 >> 32 || ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return false;
	if ((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE))
		return false;
	if (!svx_cpuid_cr4_valid(vcpu, s->cr4))
		return false;
	if (s->efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))
		return false;
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;	/* not in 64-bit mode: no 64-bit CS either */
	}
	/*
	 * kvm_set_apic_base() as __set_sregs_common() calls it: no reserved
	 * bit (above MAXPHYADDR, 0-7 but BSP, 9; x2APIC is not offered).
	 */
	if (s->apic_base & (GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
			    0x2ff | (vcpu->lapic ? 0 : X2APIC_ENABLE)))
		return false;
	return true;
}

int svx_set_sregs(struct svx_vcpu *vcpu, const struct kvm_sregs *s)
{
	if (!svx_valid_sregs(vcpu, s)) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_SREGS: inconsistent CR0=%#llx CR4=%#llx EFER=%#llx CS.L=%u or bad APIC base %#llx\n",
			    vcpu->id, s->cr0, s->cr4, s->efer, s->cs.l,
			    s->apic_base);
		return -EINVAL;
	}
	/* As KVM's __set_sregs_common(): the local APIC's base first. */
	if (vcpu->lapic) {
		u64 base = s->apic_base;

		if (svx_irqchip_msr(vcpu, MSR_IA32_APICBASE, &base, true,
				    true)) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_SREGS: APIC base %#llx refused\n",
				    vcpu->id, s->apic_base);
			return -EINVAL;
		}
	}
	/* As KVM: PAE paging takes its PDPTEs from memory at SET_SREGS. */
	if ((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	    !(s->efer & EFER_LMA)) {
		vcpu->cr0 = s->cr0;
		vcpu->cr4 = s->cr4;
		vcpu->efer = s->efer;
		if (svx_mmu_load_pdptrs(vcpu, s->cr3) < 0)
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_SREGS: PAE PDPT at %#llx outside guest RAM\n",
				    vcpu->id, s->cr3);
	}
	svx_vcpu_load(vcpu);
	/* As KVM: CR0 first, so the segments land in the mode it picks. */
	vcpu->cr0 = s->cr0;
	svx_rmode_update(vcpu);
	svx_set_segment(vcpu, &s->cs, GUEST_CS_SELECTOR);
	svx_set_segment(vcpu, &s->ds, GUEST_DS_SELECTOR);
	svx_set_segment(vcpu, &s->es, GUEST_ES_SELECTOR);
	svx_set_segment(vcpu, &s->fs, GUEST_FS_SELECTOR);
	svx_set_segment(vcpu, &s->gs, GUEST_GS_SELECTOR);
	svx_set_segment(vcpu, &s->ss, GUEST_SS_SELECTOR);
	svx_set_segment(vcpu, &s->tr, GUEST_TR_SELECTOR);
	svx_set_segment(vcpu, &s->ldt, GUEST_LDTR_SELECTOR);
	svx_vmwrite(GUEST_GDTR_BASE, s->gdt.base);
	svx_vmwrite(GUEST_GDTR_LIMIT, s->gdt.limit);
	svx_vmwrite(GUEST_IDTR_BASE, s->idt.base);
	svx_vmwrite(GUEST_IDTR_LIMIT, s->idt.limit);
	vcpu->cr0 = s->cr0;
	vcpu->cr2 = s->cr2;
	vcpu->cr3 = s->cr3;
	vcpu->cr4 = s->cr4;
	svx_set_cr8(vcpu, s->cr8);
	svx_set_efer(vcpu, s->efer, true);
	svx_mmu_reset_context(vcpu);
	svx_vcpu_put(vcpu);
	/* kvm_set_apic_base() (checked in svx_valid_sregs()); a local APIC's above */
	if (!vcpu->lapic)
		svx_set_msr(vcpu, MSR_IA32_APICBASE, s->apic_base, true);
	return 0;
}
