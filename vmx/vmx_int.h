/* SPDX-License-Identifier: GPL-2.0 */
/* Private interfaces between the files of vmx/. */
#ifndef SVX_VMX_INT_H
#define SVX_VMX_INT_H

#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "svx.h"
#include "vmcs.h"
#include "emulate.h"
#include "mmu_host.h"
#include "ept.h"
#include "vmx_ept.h"
#include "cpuid.h"
#include "vmx.h"
#include "irq.h"

struct svx_vmcs_config {
	u32 revision;
	u32 size;
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
	unsigned int preempt_timer_shift;
	bool has_preempt_timer;
};

extern struct svx_vmcs_config svx_vmcs_conf;

struct svx_walk;

struct svx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/*
 * A vCPU's VMX state, around the generic one (include/svx.h) as KVM's
 * struct vcpu_vmx around struct kvm_vcpu: only vmx/ knows it, through
 * to_vmx().  core/ allocates a vCPU with svx_vmx_vcpu_alloc().
 */
struct svx_vmx {
	struct svx_vcpu vcpu;

	/* The VMCS and where it is loaded (svx_vcpu.cpu: the CPU). */
	void *vmcs;
	bool launched;
	struct list_head loaded_link;	/* per-CPU list of active VMCSs */

	/* The VMM's state a VM exit does not restore (SDM 28.5). */
	u64 host_kernel_gs_base;
	u64 host_fs_base;
	u16 host_ds, host_es, host_fs, host_gs, host_ldt;

	struct svx_msr_entry *guest_msrs;	/* entry load + exit store */
	struct svx_msr_entry *host_msrs;	/* exit load */
	unsigned long *msr_bitmap;	/* MSRs that exit (vmx/msr_bitmap.c) */
	u32 proc_ctls;		/* CPU_BASED_VM_EXEC_CONTROL as last written */

	/* Exit information, read while the VMCS was current. */
	u32 exit_reason;
	unsigned long exit_qual;
	u32 exit_intr_info;
	u32 exit_intr_error;
	u32 idt_vectoring;
	u32 idt_vectoring_error;
	u32 exit_insn_len;
	u32 exit_insn_info;
	u64 exit_gpa;
	int last_cpu;

	/* VPID (both modes) and EPT mode (mmu/ept.c, vmx/vmx_ept.c). */
	u16 vpid;		/* 0: VPID not used */
	bool vpid_flush;	/* INVVPID before the next entry */
	/*
	 * vmx/spec.c: host code that may have pulled secrets into L1D ran
	 * (KVM's l1tf_flush_l1d), and the thread's context switches at the
	 * last entry.
	 */
	bool l1d_flush;
	unsigned long l1d_switches;
	int ept_last_cpu;	/* CPU of the last entry, -1 before the first */
};

static __always_inline struct svx_vmx *to_vmx(struct svx_vcpu *vcpu)
{
	return container_of(vcpu, struct svx_vmx, vcpu);
}

/* vmx/vmenter.S */
asmlinkage int __svx_vmx_run(unsigned long *regs, int launched);
extern char svx_vmx_vmexit[];

#define SVX_CR4_SUPPORTED (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
	X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
	X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
	X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP | \
	X86_CR4_OSXSAVE)

/* Return values of exit handlers: SVX_RESUME, SVX_USER (mmu/mmu_host.h). */
int svx_handle_exit(struct svx_vcpu *vcpu);
/* The four VMCS fields of the segment whose selector field is @sel_field. */
void svx_seg_write(unsigned long sel_field, u16 sel, u64 base, u32 limit,
		   u32 ar);
int svx_complete_user(struct svx_vcpu *vcpu);
u64 svx_soft_apic_base(struct svx_vcpu *vcpu);
void svx_inject_walk_fault(struct svx_vcpu *vcpu, const struct svx_walk *w);
void svx_inject_ud(struct svx_vcpu *vcpu);
int svx_set_cr0(struct svx_vcpu *vcpu, u64 cr0);
int svx_set_cr4(struct svx_vcpu *vcpu, u64 cr4);
int svx_set_cr3(struct svx_vcpu *vcpu, u64 cr3);
int svx_set_efer(struct svx_vcpu *vcpu, u64 efer, bool host);
bool svx_rdtscp_usable(void);

/* vmx/hypercall.c: a VMCALL exit, a #UD exit */
int svx_handle_vmcall(struct svx_vcpu *vcpu);
int svx_handle_ud(struct svx_vcpu *vcpu);

/*
 * CPUID's registers: EAX/ECX in, the guest's table (KVM_SET_CPUID2, looked
 * up by x86/cpuid.c) out in EAX..EDX; the exit handler's and the fast
 * path's.
 */
static inline void svx_cpuid_regs(struct svx_vcpu *vcpu)
{
	u32 out[4];

	svx_cpuid_guest(vcpu, vcpu->regs[SVX_RAX], vcpu->regs[SVX_RCX], out);
	vcpu->regs[SVX_RAX] = out[0];
	vcpu->regs[SVX_RBX] = out[1];
	vcpu->regs[SVX_RCX] = out[2];
	vcpu->regs[SVX_RDX] = out[3];
}

/* vmx/fastpath.c; svx_fastpath_exit() is in vmx/fastpath.h */
bool svx_fastpath_msr(struct svx_vcpu *vcpu, bool write);
void svx_fastpath_leave(struct svx_vcpu *vcpu);

/* vmx/msr_bitmap.c */
int svx_msr_bitmap_init(struct svx_vcpu *vcpu);
void svx_msr_bitmap_update(struct svx_vcpu *vcpu);
void svx_msr_bitmap_free(struct svx_vcpu *vcpu);

/* vmx/cpufeat.c */
bool svx_invpcid_usable(void);
bool svx_umip_emulated(void);
void svx_umip_update(struct svx_vcpu *vcpu);
void svx_cpufeat_after_set_cpuid(struct svx_vcpu *vcpu);
int svx_cpufeat_exit(struct svx_vcpu *vcpu, u32 reason);
void svx_inject_exception(struct svx_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error);
/* Operand size of the code being executed: 8 (64-bit code) or 4. */
int svx_code_mode(struct svx_vcpu *vcpu);
u64 svx_seg_base(struct svx_vcpu *vcpu, int seg);
/* The instruction at CS:RIP (x86/emulate.h): bytes fetched, or -errno. */
int svx_fetch_guest_insn(struct svx_vcpu *vcpu, u8 *bytes);

void svx_emu_init(struct svx_vcpu *vcpu, struct svx_x86_emu *e);
void svx_emu_init_mode(struct svx_vcpu *vcpu, struct svx_x86_emu *e, int mode);
int svx_exec_sys(struct svx_vcpu *vcpu, const struct svx_sys *sys);
/* The segment fields of the VMCS as they are (vmx/regs.c). */
void svx_vmcs_get_segment(struct kvm_segment *var, unsigned long sel_field);
void svx_vmcs_set_segment(const struct kvm_segment *var,
			  unsigned long sel_field);

/* vmx/rmode.c: real mode under shadow paging, in virtual-8086 mode */
void svx_rmode_update(struct svx_vcpu *vcpu);
void svx_rmode_get_segment(struct svx_vcpu *vcpu, struct kvm_segment *var,
			   int idx);
void svx_rmode_set_segment(struct svx_vcpu *vcpu,
			   const struct kvm_segment *var, int idx);
unsigned long svx_rmode_hw_rflags(struct svx_vcpu *vcpu);
void svx_pio_complete_fast(struct svx_vcpu *vcpu, bool in);
unsigned long svx_rmode_guest_rflags(struct svx_vcpu *vcpu, unsigned long hw);
int svx_rmode_prepare(struct svx_vcpu *vcpu);
int svx_rmode_exception(struct svx_vcpu *vcpu, u8 vector, u32 type);
bool svx_rmode_runnable(struct svx_vcpu *vcpu);
bool svx_rmode_guest_seg(struct svx_vcpu *vcpu, int idx,
			 struct kvm_segment *var);
bool svx_rmode_emulation_required(struct svx_vcpu *vcpu);
void svx_rmode_set_emulate(struct svx_vcpu *vcpu, bool on);
int svx_rmode_emulate(struct svx_vcpu *vcpu);

/* vmx/cr.c: CR0/CR4 into the VMCS, both paging modes */
void svx_write_hw_cr(struct svx_vcpu *vcpu, u64 cr0, u64 cr4);

/* vmx/mmio.c */
int svx_mmio_code_mode(struct svx_vcpu *vcpu);
void svx_emulation_failure(struct svx_vcpu *vcpu, const u8 *bytes, int n,
			   const char *why);
int svx_emulation_failed(struct svx_vcpu *vcpu, const u8 *bytes, int n,
			 const char *why);

/* vmx/mmio_string.c: movs/cmps/stos/lods/scas on MMIO */
bool svx_mmio_string(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		     int mode, int *ret);
int svx_mmio_string_complete(struct svx_vcpu *vcpu, u64 val);

/* vmx/mmio_vec.c: SSE/MMX moves on MMIO, accesses in 8-byte pieces */
bool svx_mmio_vec(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		  int mode, u64 gpa, int *ret);
int svx_mmio_frag_complete(struct svx_vcpu *vcpu, const void *data);
/* linear @la to *@gpa at the guest's CPL: 0, 1 (#PF injected), -EFAULT */
int svx_mmio_xlate(struct svx_vcpu *vcpu, u64 la, bool write, u64 *gpa);
/*
 * The operand's address from the instruction: across a page (RAM and
 * MMIO pieces), or a #PF / failure translating it: true (*@ret); else
 * false with *@gpa the operand's GPA (the exit's unless elsewhere).
 */
bool svx_mmio_split(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		    int mode, const struct svx_rmw *rmw, u64 *gpa, int *ret);
bool svx_mmio_cmpxchg16b(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
			 int mode, u64 gpa, const struct svx_rmw *rmw,
			 int *ret);
/* les/lds/lss/lfs/lgs with the far pointer on MMIO */
int svx_mmio_lseg(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		  int mode, u64 gpa, const struct svx_rmw *rmw);
/* sgdt/sidt/fxsave/fxrstor on MMIO, as KVM's read_std/write_std */
bool svx_mmio_std(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		  int mode, int *ret);
/* vmx/mmio.c: the MMIO instruction in vcpu->mmio on memory's @old */
int svx_mmio_execute(struct svx_vcpu *vcpu, u64 old, struct svx_rmw *rmw,
		     u64 *new, int *ret);

/*
 * CR8 and the APIC base as KVM_GET_SREGS and kvm_run give them, inline
 * for post_kvm_run_save() on every return from KVM_RUN (vmx/run.c).  CR8
 * is the local APIC's TPR[7:4] when the APIC is in the kernel.
 */
static inline u64 svx_get_cr8(struct svx_vcpu *vcpu)
{
	return vcpu->lapic ? svx_irqchip_get_cr8(vcpu) : vcpu->cr8;
}

/* KVM_GET_SREGS's and kvm_run's apic_base */
static inline u64 svx_get_apic_base(struct svx_vcpu *vcpu)
{
	u64 base = 0;

	/* as KVM: the local APIC's, or the value the VMM or guest left */
	if (!vcpu->lapic)
		return svx_soft_apic_base(vcpu);	/* vmx/msr.c */
	svx_get_msr(vcpu, MSR_IA32_APICBASE, &base, true);
	return base;
}

void svx_set_cr8(struct svx_vcpu *vcpu, u64 cr8);	/* vmx/regs.c */

/* vmx/debugreg.c */
int svx_handle_dr(struct svx_vcpu *vcpu);
int svx_debug_exception(struct svx_vcpu *vcpu, u8 vector, u32 type);
u32 svx_debug_exception_bitmap(struct svx_vcpu *vcpu);
void svx_debug_before_entry(struct svx_vcpu *vcpu);
void svx_debug_after_exit(struct svx_vcpu *vcpu);
void svx_debug_reset(struct svx_vcpu *vcpu);
void svx_debug_singlestep(struct svx_vcpu *vcpu);
bool svx_debug_take_user_exit(struct svx_vcpu *vcpu);
void svx_update_dr7(struct svx_vcpu *vcpu);
void svx_queue_db(struct svx_vcpu *vcpu, unsigned long payload);
void svx_deliver_db_payload(struct svx_vcpu *vcpu, unsigned long payload);
void svx_clear_dr7_gd(struct svx_vcpu *vcpu);
u64 svx_linear_rip(struct svx_vcpu *vcpu);

/* vmx/events.c: a pending exception and its payload to injected */
void svx_exception_to_injected(struct svx_vcpu *vcpu);

/* vmx/taskswitch.c */
int svx_handle_task_switch(struct svx_vcpu *vcpu);

/* vmx/regs.c: a segment as the guest sees it; vCPU loaded */
void svx_get_segment(struct svx_vcpu *vcpu, struct kvm_segment *var,
		     unsigned long sel_field);
void svx_set_segment(struct svx_vcpu *vcpu, const struct kvm_segment *var,
		     unsigned long sel_field);
/* vmx/debugreg.c: KVM's kvm_set_dr(), 1 for #GP; vCPU loaded */
int svx_set_dr(struct svx_vcpu *vcpu, int dr, unsigned long val);

/* vmx/smm.c */
void svx_smm_changed(struct svx_vcpu *vcpu, bool entering);
bool svx_smm_check_smi(struct svx_vcpu *vcpu);
int svx_smm_rsm(struct svx_vcpu *vcpu, const u8 *bytes, int len);
void svx_smm_reset(struct svx_vcpu *vcpu, bool init);
void svx_smm_get_events(struct svx_vcpu *vcpu, struct kvm_vcpu_events *ev);
int svx_smm_check_events(struct svx_vcpu *vcpu,
			 const struct kvm_vcpu_events *ev);
void svx_smm_set_events(struct svx_vcpu *vcpu,
			const struct kvm_vcpu_events *ev);
int svx_smm_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool write,
		bool host);

/* vmx/cr.c, vmx/msr.c, vmx/pio.c: exit handlers; SVX_RESUME or SVX_USER */
int svx_handle_cr(struct svx_vcpu *vcpu);
int svx_handle_msr(struct svx_vcpu *vcpu, bool write);
int svx_handle_io(struct svx_vcpu *vcpu);

/* vmx/msr.c: the soft MSR slot of @index in svx_vcpu.soft_msrs, or -1 */
int svx_soft_msr_slot(u32 index);
/* vmx/tsc.c: IA32_TSC_ADJUST in soft slot @soft, IA32_TSC */
void svx_set_tsc_adjust(struct svx_vcpu *vcpu, int soft, u64 data, bool host);
void svx_set_tsc(struct svx_vcpu *vcpu, u64 data, bool host);

/* vmx/emu_ops.c: the instruction at CS:RIP and the code size, for mmio.c */
int svx_mmio_fetch(struct svx_vcpu *vcpu, u8 *bytes, int *mode);
/* vmx/mmio.c: a completed MMIO read, memory having held @old */
int svx_mmio_complete(struct svx_vcpu *vcpu, u64 old,
		      const struct svx_rmw *decoded);

/* Can an external interrupt be delivered right now?  vCPU loaded. */
static inline bool svx_interrupt_allowed(struct svx_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !vcpu->inject_pending &&
	       !(svx_vmread(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/*
 * Is an NMI held off right now: NMI blocking, or an STI / MOV SS shadow
 * (KVM's vmx_nmi_blocked())?  vCPU loaded.
 */
static inline bool svx_nmi_blocked(struct svx_vcpu *vcpu)
{
	return svx_vmread(GUEST_INTERRUPTIBILITY_INFO) &
	       (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS |
		GUEST_INTR_STATE_NMI);
}

/*
 * Does an instruction the emulator just ran end in a single-step trap:
 * the guest's RFLAGS.TF as it was before it (KVM's ctxt->tf), or
 * KVM_GUESTDBG_SINGLESTEP?
 */
static inline bool svx_emulated_insn_steps(struct svx_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_TF) ||
	       (vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP);
}

/* External interrupt @vector, injected at the next VM entry. */
static inline void svx_inject_ext_irq(struct svx_vcpu *vcpu, int vector)
{
	vcpu->inject_pending = true;
	vcpu->inject_info = SVX_INTR_VALID | vector |
		SVX_INTR_TYPE_EXT << SVX_INTR_TYPE_SHIFT;
	vcpu->inject_len = 0;
}

/*
 * The instruction-pointer helpers of the exit handlers, inline for the PIO
 * completion's fast path (pio.c's svx_pio_complete_fast(), which run.c
 * calls when KVM_RUN follows an IN/OUT exit).
 * svx_skip_insn() in two halves, for a caller that has the vCPU loaded
 * already: __svx_skip_insn() with the VMCS loaded, svx_skip_insn_trap()
 * after svx_vcpu_put().
 */
static inline void __svx_skip_insn(struct svx_vcpu *vcpu)
{
	u32 intr;

	vcpu->rip += to_vmx(vcpu)->exit_insn_len;
	if (!(vcpu->efer & EFER_LMA))
		vcpu->rip = (u32)vcpu->rip;
	vcpu->rip_dirty = true;
	/* Blocking by STI / MOV SS ends with the instruction (SDM 24.4.2). */
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & 3)
		svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr & ~3U);
}

static inline void svx_skip_insn_trap(struct svx_vcpu *vcpu)
{
	/* RFLAGS is still the instruction's: single-step trap (debugreg.c) */
	if (unlikely(vcpu->rflags & X86_EFLAGS_TF))
		svx_debug_singlestep(vcpu);
}

/*
 * The code size at CS from its access rights: 8 (64-bit code: long mode
 * and CS.L), 4 (CS.D) or 2 (16-bit code, vm86 included: its CS rights are
 * 0xf3).
 */
static inline int svx_code_size(bool long_mode, u32 cs_ar)
{
	if (long_mode && (cs_ar & BIT(13)))
		return 8;
	return (cs_ar & BIT(14)) ? 4 : 2;
}

/* svx_code_mode() (8 or 4) with the vCPU loaded by the caller */
static inline int __svx_code_mode(struct svx_vcpu *vcpu)
{
	if (!(vcpu->efer & EFER_LMA))
		return 4;
	return (svx_vmread(GUEST_CS_AR_BYTES) & (1U << 13)) ? 8 : 4;
}

#endif /* SVX_VMX_INT_H */
