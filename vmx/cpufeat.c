// SPDX-License-Identifier: GPL-2.0
/*
 * CPU features that need more than a CPUID bit, as kvm_intel 6.1 gives
 * them: INVPCID (the secondary control, and its exit under shadow paging),
 * UMIP emulated with descriptor-table exiting on a CPU without it, and the
 * TSC rate (KVM_GET_TSC_KHZ / KVM_SET_TSC_KHZ on the vCPU and the VM,
 * with the VMX TSC multiplier where the CPU has "use TSC scaling").  The
 * guest's TSC (host TSC scaled + offset), IA32_TSC, IA32_TSC_ADJUST and
 * KVM's TSC synchronisation are in vmx/tsc.c.
 *
 * INVPCID (KVM's handle_invpcid(), kvm_handle_invpcid()): "enable INVPCID"
 * is on when the guest's CPUID has INVPCID (else the instruction is #UD).
 * EPT mode runs it natively.  Shadow paging keeps INVLPG exiting on, which
 * makes INVPCID exit: the handler reads the 16-byte descriptor at the
 * memory operand, applies the #GP rules (type > 3, PCID above 12 bits, a
 * PCID other than 0 for types 0 and 1 with CR4.PCIDE=0, a non-canonical
 * address for type 0), and invalidates: type 0 in the current PCID is an
 * INVLPG of that address (the SPTE goes, INVVPID individual-address);
 * anything else (type 0 of another PCID, types 1-3) resyncs every unsync
 * shadow page of the VM and flushes the vCPU's VPID.  A shadow SPTE is
 * stale only while its guest table is unsync (the others are write-
 * protected and follow every write), and roots are shared between PCIDs:
 * after the resync no root holds a stale translation, so a later MOV to
 * CR3 that keeps the TLB (bit 63) finds none either.  That invalidates
 * more than the type asks, which the SDM allows.
 *
 * UMIP (KVM's vmx_umip_emulated(), handle_desc()): when the CPU lacks UMIP
 * but has descriptor-table exiting, UMIP is advertised; the guest's
 * CR4.UMIP lives in the CR4 read shadow while the CPU runs with it clear,
 * and descriptor-table exiting is on while the guest has CR4.UMIP set.
 * SGDT, SIDT, SLDT and STR at CPL > 0 then take #GP(0), as with UMIP.
 * Every other descriptor-table exit (the stores at CPL 0, LGDT, LIDT,
 * LLDT, LTR, which reach the exit only at CPL 0) is emulated, as KVM
 * does, from the exit's instruction information (operand address and
 * size, register), with the faults of the operand access (#PF, #GP/#SS)
 * and of LLDT/LTR's descriptor (#GP(sel), #NP(sel); LTR marks the TSS
 * busy).  (An operand in MMIO is an emulation failure,
 * KVM_EXIT_INTERNAL_ERROR.)  SMSW is not covered, as with KVM's emulated
 * UMIP.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>
#include <asm/traps.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "desc.h"
#include "walker.h"
#include "cpuid.h"
#include "emulate.h"
#include "fpu.h"
#include "vmx.h"
#include "mmu.h"
#include "vm.h"
#include "irq.h"
#include "kvmclock.h"

/* ---------------------------------------------------------------------- */
/* Secondary controls                                                      */

/* Turn one secondary control on or off; vCPU loaded. */
static void svx_set_secondary(struct svx_vcpu *vcpu, u32 bit, bool on)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 proc = svx_vmread(CPU_BASED_VM_EXEC_CONTROL), sec = 0;

	if (!(svx_ept_caps.proc2_allowed & bit))
		return;
	if (proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		sec = svx_vmread(SECONDARY_VM_EXEC_CONTROL);
	sec = on ? sec | bit : sec & ~bit;
	svx_vmwrite(SECONDARY_VM_EXEC_CONTROL, sec);
	if (sec && !(proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		vmx->proc_ctls |= CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
		svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmx->proc_ctls);
	}
}

/* The CPU can run INVPCID for a guest. */
bool svx_invpcid_usable(void)
{
	return svx_ept_caps.proc2_allowed & SECONDARY_EXEC_ENABLE_INVPCID;
}

/* After KVM_SET_CPUID2 (vmx_compute_secondary_exec_control()); loaded. */
void svx_cpufeat_after_set_cpuid(struct svx_vcpu *vcpu)
{
	svx_set_secondary(vcpu, SECONDARY_EXEC_ENABLE_INVPCID,
			  svx_cpuid_has_invpcid(vcpu));
	if (svx_fpu_xsaves_usable()) {	/* XSAVES: x86/fpu.c */
		svx_vmwrite(XSS_EXIT_BITMAP, 0);
		svx_set_secondary(vcpu, SVX_SECONDARY_XSAVES,
				  svx_fpu_after_set_cpuid(vcpu));
	}
}

/* ---------------------------------------------------------------------- */
/* INVPCID                                                                 */

#define SVX_INVPCID_ADDR	0
#define SVX_INVPCID_SINGLE	1
#define SVX_INVPCID_ALL_GLOBAL	2
#define SVX_INVPCID_ALL		3

static bool svx_canonical48(u64 la)
{
	return (u64)(((s64)la << 16) >> 16) == la;
}

/*
 * The linear address of an instruction's memory operand from the VM-exit
 * instruction information, as KVM's get_vmx_mem_address(): 0, or 1 with
 * the fault injected (#UD for a register operand, #GP(0)/#SS(0) for a
 * non-canonical address or one beyond a 32-bit segment's limit).
 */
static int svx_insn_mem_address(struct svx_vcpu *vcpu, u32 info,
				unsigned long disp, unsigned int len, u64 *la)
{
	int scaling = info & 3, addr_size = (info >> 7) & 7;
	int seg = (info >> 15) & 7, index = (info >> 18) & 0xf;
	int base = (info >> 23) & 0xf;
	u64 off = disp;
	bool bad;

	if (info & BIT(10)) {		/* a register operand */
		svx_inject_ud(vcpu);
		return 1;
	}
	if (addr_size == 1)
		off = (u64)(s64)(s32)off;
	else if (addr_size == 0)
		off = (u64)(s64)(s16)off;
	if (!(info & BIT(27)))
		off += vcpu->regs[base];
	if (!(info & BIT(22)))
		off += vcpu->regs[index] << scaling;
	if (addr_size == 1)
		off = (u32)off;
	else if (addr_size == 0)
		off = (u16)off;
	if (svx_guest_long_mode(vcpu) && svx_code_mode(vcpu) == 8) {
		*la = off + svx_seg_base(vcpu, seg);
		bad = !svx_canonical48(*la);
	} else {
		u32 limit;

		svx_vcpu_load(vcpu);
		limit = svx_vmread(GUEST_ES_LIMIT + seg * 2);
		svx_vcpu_put(vcpu);
		*la = (u32)(svx_seg_base(vcpu, seg) + off);
		bad = off + len - 1 > limit;
	}
	if (bad) {
		svx_inject_exception(vcpu, seg == 2 ? X86_TRAP_SS : X86_TRAP_GP,
				     true, 0);
		return 1;
	}
	return 0;
}

static int svx_handle_invpcid(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 info = vmx->exit_insn_info;
	struct svx_walk w;
	u64 desc[2], la;
	unsigned long type;
	bool pcide = vcpu->cr4 & X86_CR4_PCIDE;
	u64 cur_pcid = pcide ? vcpu->cr3 & 0xfff : 0;
	int r;

	if (!svx_cpuid_has_invpcid(vcpu)) {
		svx_inject_ud(vcpu);
		return SVX_RESUME;
	}
	type = vcpu->regs[(info >> 28) & 0xf];
	if (svx_code_mode(vcpu) != 8)
		type = (u32)type;
	/* The descriptor is read even for the types that ignore it (SDM). */
	if (svx_insn_mem_address(vcpu, info, vmx->exit_qual, sizeof(desc),
				 &la))
		return SVX_RESUME;
	r = svx_guest_virt_access(vcpu, la, desc, sizeof(desc),
				  svx_guest_cpl(vcpu) == 3 ? SVX_ACC_USER : 0,
				  &w);
	if (r == 1) {
		svx_inject_walk_fault(vcpu, &w);
		return SVX_RESUME;
	}
	if (r) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "INVPCID descriptor not in guest RAM");
		return SVX_USER;
	}
	if (desc[0] >> 12 || type > SVX_INVPCID_ALL ||
	    (type <= SVX_INVPCID_SINGLE && !pcide && desc[0]) ||
	    (type == SVX_INVPCID_ADDR && !svx_canonical48(desc[1]))) {
		svx_inject_gp(vcpu);
		return SVX_RESUME;
	}
	if (type == SVX_INVPCID_ADDR) {
		/* As KVM's kvm_mmu_invpcid_gva(): that address, every PCID. */
		if (desc[0] == cur_pcid)
			svx_mmu_invlpg(vcpu, desc[1]);
		else
			svx_mmu_invpcid_gva(vcpu, desc[1]);
		svx_vpid_flush_gva(vcpu, desc[1]);
	} else {
		if (!svx_vm_ept(vcpu->vm))
			svx_mmu_sync_all(vcpu);
		vmx->vpid_flush = true;
	}
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/* ---------------------------------------------------------------------- */
/* UMIP through descriptor-table exiting                                   */

/*
 * vmx_umip_emulated() on a CPU without UMIP (CPUID; IA32_VMX_CR4_FIXED1
 * may allow the bit anyway, as Bochs' does): the guest's CR4.UMIP never
 * reaches the CPU (svx_update_hw_cr()).
 */
bool svx_umip_emulated(void)
{
	static int usable = -1;

	if (usable < 0)
		usable = !boot_cpu_has(X86_FEATURE_UMIP) &&
			 (svx_ept_caps.proc2_allowed & SECONDARY_EXEC_DESC);
	return usable;
}

/*
 * KVM's vmx_set_cpu_caps(): between svx_cpuid_init() and
 * svx_cpuid_finalize(), what this CPU's VMX controls let the module
 * deliver.  A CR4 feature is delivered when the guest's CR4 reaches the
 * CPU: VMX must allow the bit in guest CR4 (IA32_VMX_CR4_FIXED1).
 */
void svx_vmx_set_cpu_caps(void)
{
	u64 fixed1 = svx_vmcs_conf.cr4_fixed1;

	if (!(fixed1 & X86_CR4_SMEP))
		svx_cpu_cap_clear(X86_FEATURE_SMEP);
	if (!(fixed1 & X86_CR4_SMAP))
		svx_cpu_cap_clear(X86_FEATURE_SMAP);
	if (!(fixed1 & X86_CR4_FSGSBASE))
		svx_cpu_cap_clear(X86_FEATURE_FSGSBASE);
	if (!(fixed1 & X86_CR4_PCIDE))
		svx_cpu_cap_clear(X86_FEATURE_PCID);
	if (!(fixed1 & X86_CR4_OSXSAVE))
		svx_cpu_cap_clear(X86_FEATURE_XSAVE);
	if (!(fixed1 & X86_CR4_UMIP))
		svx_cpu_cap_clear(X86_FEATURE_UMIP);
	/* Without UMIP, descriptor-table exiting emulates it. */
	if (svx_umip_emulated())
		svx_cpu_cap_set(X86_FEATURE_UMIP);
	/* INVPCID needs the "enable INVPCID" control. */
	if (!svx_invpcid_usable())
		svx_cpu_cap_clear(X86_FEATURE_INVPCID);
	/* RDTSCP and RDPID need the "enable RDTSCP" control (vmx.c). */
	if (!svx_rdtscp_usable()) {
		svx_cpu_cap_clear(X86_FEATURE_RDTSCP);
		svx_cpu_cap_clear(X86_FEATURE_RDPID);
	}
	svx_cpuid_finalize(SVX_CR4_SUPPORTED);
}

/* Descriptor-table exiting follows CR4.UMIP (vmx_set_cr4()); loaded. */
void svx_umip_update(struct svx_vcpu *vcpu)
{
	if (!svx_umip_emulated())
		return;
	svx_set_secondary(vcpu, SECONDARY_EXEC_DESC,
			  vcpu->cr4 & X86_CR4_UMIP);
}

/* A data access of @len bytes at @la at CPL 0; 1 with the #PF injected. */
static int svx_desc_access(struct svx_vcpu *vcpu, u64 la, void *buf,
			   unsigned int len, bool write)
{
	struct svx_walk w;
	int r;

	r = svx_guest_virt_access(vcpu, la, buf, len,
				  write ? SVX_ACC_WRITE : 0, &w);
	if (r == 1) {
		svx_inject_walk_fault(vcpu, &w);
		return 1;
	}
	if (r) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "descriptor-table operand not in guest RAM");
		return -1;
	}
	return 0;
}

/*
 * SLDT/STR to a register: as KVM's emulator, the operand size of the
 * instruction (16 bits: the low 16 bits; 32 or 64: the selector
 * zero-extended), from the one prefix decoder.  0, or 1 if the fetch of
 * the instruction took a #PF.
 */
static int svx_desc_store_reg(struct svx_vcpu *vcpu, int reg, u16 sel)
{
	int mode = svx_mmio_code_mode(vcpu);
	u8 bytes[SVX_INSN_MAX];
	struct svx_prefixes p;
	bool o16 = mode == 2;
	int n;

	n = svx_fetch_guest_insn(vcpu, bytes);
	if (n == -EAGAIN)
		return 1;
	if (n > 0 && !svx_decode_prefixes(bytes, n, mode, &p)) {
		o16 ^= p.opsize;
		if (p.rex & 0x08)	/* REX.W: 64-bit operand */
			o16 = false;
	}
	if (o16)
		vcpu->regs[reg] = (vcpu->regs[reg] & ~0xffffUL) | sel;
	else
		vcpu->regs[reg] = sel;
	return 0;
}

/* LLDT/LTR @sel from the GDT (KVM's __load_segment_descriptor()). */
static int svx_desc_load(struct svx_vcpu *vcpu, bool tr, u16 sel)
{
	bool lm = svx_guest_long_mode(vcpu);
	unsigned int size = lm ? 16 : 8;
	u64 gdt_base, d[2] = { 0, 0 }, base;
	u32 gdt_limit, type, limit, ar;
	int r;

	if (!(sel & ~3)) {
		if (tr)
			goto gp;
		svx_vcpu_load(vcpu);
		svx_seg_write(GUEST_LDTR_SELECTOR, sel, 0, 0, 0x10000);
		svx_vcpu_put(vcpu);
		return 0;
	}
	svx_vcpu_load(vcpu);
	gdt_base = svx_vmread(GUEST_GDTR_BASE);
	gdt_limit = svx_vmread(GUEST_GDTR_LIMIT);
	svx_vcpu_put(vcpu);
	if ((sel & 4) || (sel & ~7) + size - 1 > gdt_limit)
		goto gp;
	r = svx_desc_access(vcpu, gdt_base + (sel & ~7), d, size, false);
	if (r)
		return r;
	type = (d[0] >> 40) & 0x1f;	/* S and type */
	if (tr ? (type != 9 && (lm || type != 1)) : type != 2)
		goto gp;
	if (lm && ((d[1] >> 40) & 0x1f))
		goto gp;
	if (!svx_desc_p(d[0])) {
		svx_inject_exception(vcpu, X86_TRAP_NP, true, sel & ~3);
		return 1;
	}
	if (tr) {		/* mark it busy */
		d[0] |= SVX_DESC_BUSY;
		r = svx_desc_access(vcpu, gdt_base + (sel & ~7) + 5,
				    (u8 *)d + 5, 1, true);
		if (r)
			return r;
	}
	base = svx_desc_base(d[0]);
	if (lm)
		base |= d[1] << 32;
	limit = svx_desc_limit(d[0]);
	ar = svx_desc_ar(d[0]);
	svx_vcpu_load(vcpu);
	svx_seg_write(tr ? GUEST_TR_SELECTOR : GUEST_LDTR_SELECTOR, sel, base,
		      limit, ar);
	svx_vcpu_put(vcpu);
	return 0;
gp:
	svx_inject_exception(vcpu, X86_TRAP_GP, true, sel & ~3);
	return 1;
}

/* SGDT, SIDT, LGDT, LIDT at CPL 0 (KVM's em_sgdt/em_lgdt...). */
static int svx_desc_dt(struct svx_vcpu *vcpu, unsigned int id, u64 la)
{
	bool lgdt = id == 2, gdt = !(id & 1), b64 = svx_code_mode(vcpu) == 8;
	bool o16 = !b64 && !(to_vmx(vcpu)->exit_insn_info & BIT(11));
	unsigned int len = b64 ? 10 : 6;
	u8 dt[10] = { 0 };
	u64 base = 0;
	u16 limit;
	int r;

	if (id < 2) {
		svx_vcpu_load(vcpu);
		limit = svx_vmread(gdt ? GUEST_GDTR_LIMIT : GUEST_IDTR_LIMIT);
		base = svx_vmread(gdt ? GUEST_GDTR_BASE : GUEST_IDTR_BASE);
		svx_vcpu_put(vcpu);
		if (o16)
			base &= 0xffffff;
		memcpy(dt, &limit, 2);
		memcpy(dt + 2, &base, len - 2);
		return svx_desc_access(vcpu, la, dt, len, true);
	}
	r = svx_desc_access(vcpu, la, dt, len, false);
	if (r)
		return r;
	memcpy(&limit, dt, 2);
	memcpy(&base, dt + 2, len - 2);
	if (o16)
		base &= 0xffffff;
	if (b64 && !svx_canonical48(base)) {
		svx_inject_gp(vcpu);
		return 1;
	}
	svx_vcpu_load(vcpu);
	svx_vmwrite(lgdt ? GUEST_GDTR_BASE : GUEST_IDTR_BASE, base);
	svx_vmwrite(lgdt ? GUEST_GDTR_LIMIT : GUEST_IDTR_LIMIT, limit);
	svx_vcpu_put(vcpu);
	return 0;
}

/* Is linear @la outside guest RAM, on MMIO at *@gpa (no fault taken)? */
static bool svx_desc_on_mmio(struct svx_vcpu *vcpu, u64 la, u64 *gpa)
{
	struct svx_walk w;
	u8 b;

	return svx_guest_virt_access(vcpu, la, &b, 1, 0, &w) < 0 &&
	       !svx_mmio_xlate(vcpu, la, false, gpa);
}

/*
 * A descriptor-table exit (exit 46: SGDT SIDT LGDT LIDT; 47: SLDT STR
 * LLDT LTR): the stores take #GP(0) at CPL > 0 with CR4.UMIP; the rest
 * (the loads reach the exit only at CPL 0) are emulated, as KVM does.
 */
static int svx_handle_desc(struct svx_vcpu *vcpu, bool ldt_tr)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 info = vmx->exit_insn_info;
	unsigned int id = (info >> 28) & 3;
	bool reg = ldt_tr && (info & BIT(10));
	u64 la = 0, gpa;
	u16 sel;
	int r;

	if (id < 2 && svx_guest_cpl(vcpu) > 0 &&
	    (vcpu->cr4 & X86_CR4_UMIP)) {
		svx_inject_gp(vcpu);
		return SVX_RESUME;
	}
	if (!reg && svx_insn_mem_address(vcpu, info, vmx->exit_qual,
					 ldt_tr ? 2 :
					 svx_code_mode(vcpu) == 8 ? 10 : 6, &la))
		return SVX_RESUME;
	/*
	 * The operand on MMIO: KVM's handle_desc() emulates the instruction,
	 * MMIO exits and all (sldt/str), or nothing done (sgdt/sidt: its
	 * write_std); the MMIO emulator does the same (vmx/mmio.c).
	 */
	if (!reg && svx_desc_on_mmio(vcpu, la, &gpa))
		return svx_emulate_mmio(vcpu, la, gpa, id < 2);
	if (!ldt_tr) {
		r = svx_desc_dt(vcpu, id, la);
	} else if (id < 2) {
		svx_vcpu_load(vcpu);
		sel = svx_vmread(id ? GUEST_TR_SELECTOR : GUEST_LDTR_SELECTOR);
		svx_vcpu_put(vcpu);
		if (reg)
			r = svx_desc_store_reg(vcpu, (info >> 3) & 0xf, sel);
		else
			r = svx_desc_access(vcpu, la, &sel, 2, true);
	} else {
		r = 0;
		if (reg)
			sel = vcpu->regs[(info >> 3) & 0xf];
		else
			r = svx_desc_access(vcpu, la, &sel, 2, false);
		if (!r)
			r = svx_desc_load(vcpu, id == 3, sel);
	}
	if (r < 0)
		return SVX_USER;
	if (!r)
		svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/* The exits of this file; -1 for another reason. */
int svx_cpufeat_exit(struct svx_vcpu *vcpu, u32 reason)
{
	switch (reason) {
	case EXIT_REASON_INVPCID:
		return svx_handle_invpcid(vcpu);
	case EXIT_REASON_GDTR_IDTR:
		return svx_handle_desc(vcpu, false);
	case EXIT_REASON_LDTR_TR:
		return svx_handle_desc(vcpu, true);
	}
	return -1;
}

/* ---------------------------------------------------------------------- */
/* TSC rate                                                                */

/* KVM's adjust_tsc_khz(): @khz moved by @ppm parts per million. */
static u32 svx_adjust_khz(u32 khz, s32 ppm)
{
	u64 v = (u64)khz * (1000000 + ppm);

	do_div(v, 1000000);
	return v;
}

/* KVM's tsc_tolerance_ppm default */
#define SVX_TSC_TOLERANCE_PPM	250

/*
 * The CPU scales the guest's TSC ("use TSC scaling", the TSC_MULTIPLIER
 * field): KVM's kvm_caps.has_tsc_control, read from the capability MSRs
 * at load (vmx_ept.c svx_ept_probe()).
 */
bool svx_tsc_scaling_usable(void)
{
	return tsc_khz &&
	       (svx_ept_caps.proc2_allowed & SECONDARY_EXEC_TSC_SCALING);
}

/*
 * KVM's kvm_caps.max_guest_tsc_khz with TSC scaling: the host's rate
 * times the largest multiplier (2^64 - 1, 48 fraction bits), at most
 * 0x7fffffff (a signed int).
 */
static u32 svx_max_guest_tsc_khz(void)
{
	return min_t(u64, 0x7fffffff,
		     mul_u64_u64_shr(tsc_khz, U64_MAX,
				     SVX_TSC_RATIO_FRAC_BITS));
}

/*
 * KVM's kvm_vcpu_write_tsc_multiplier() and vmx_write_tsc_multiplier():
 * the guest's TSC is the host's times @ratio plus the offset.  "Use TSC
 * scaling" is on while the ratio is not 1.
 */
static void svx_write_tsc_ratio(struct svx_vcpu *vcpu, u64 ratio)
{
	vcpu->tsc_ratio = ratio;
	if (!svx_tsc_scaling_usable())
		return;
	svx_vcpu_load(vcpu);
	svx_vmwrite(TSC_MULTIPLIER, ratio);
	svx_set_secondary(vcpu, SECONDARY_EXEC_TSC_SCALING,
			  ratio != SVX_TSC_RATIO_ONE);
	svx_vcpu_put(vcpu);
}

/*
 * KVM's kvm_set_tsc_khz() and set_tsc_khz(): the vCPU's rate is @khz
 * (recorded even when refused, as KVM).  Within 250 ppm of the host's
 * rate the TSC runs unscaled; otherwise the multiplier is @khz / tsc_khz
 * in 16.48 fixed point, which must be neither 0 nor 2^64 - 1 or more.
 * Without TSC scaling a lower rate is refused, as KVM; a higher one KVM
 * takes with "catch-up" (the TSC offset pushed forward at entries), which
 * this module does not do: it refuses it too.  A new rate does not move
 * the offset (the guest's TSC jumps, as with KVM); kvmclock's records,
 * the master clock and the TSC-deadline timer take the new rate.
 */
static int svx_apply_tsc_khz(struct svx_vcpu *vcpu, u32 khz)
{
	bool scale = khz < svx_adjust_khz(tsc_khz, -SVX_TSC_TOLERANCE_PPM) ||
		     khz > svx_adjust_khz(tsc_khz, SVX_TSC_TOLERANCE_PPM);
	u64 ratio = SVX_TSC_RATIO_ONE;

	if (!khz) {		/* tsc_khz 0: calibration failed */
		svx_write_tsc_ratio(vcpu, SVX_TSC_RATIO_ONE);
		return -EINVAL;
	}
	vcpu->tsc_khz = khz;
	if (scale && !svx_tsc_scaling_usable()) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_TSC_KHZ %u: no TSC scaling, the rate is the host's %u kHz\n",
			    vcpu->id, khz, tsc_khz);
		return -EINVAL;
	}
	if (scale) {
		ratio = mul_u64_u32_div(SVX_TSC_RATIO_ONE, khz, tsc_khz);
		if (!ratio || ratio == U64_MAX) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_TSC_KHZ %u: TSC multiplier out of range\n",
				    vcpu->id, khz);
			return -EINVAL;
		}
	}
	svx_write_tsc_ratio(vcpu, ratio);
	svx_irqchip_tsc_khz_changed(vcpu);
	set_bit(SVX_REQ_CLOCK_UPDATE, &vcpu->requests);
	svx_kvmclock_tsc_changed(vcpu);	/* the master clock's matching */
	return 0;
}

/*
 * KVM_SET_TSC_KHZ on a vCPU (KVM's kvm_arch_vcpu_ioctl()): with TSC
 * scaling a rate of max_guest_tsc_khz or more is -EINVAL; 0 means the
 * host's rate.
 */
long svx_set_tsc_khz(struct svx_vcpu *vcpu, unsigned long arg)
{
	u32 khz = arg;

	if (svx_tsc_scaling_usable() && khz >= svx_max_guest_tsc_khz()) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_TSC_KHZ %u: at most %u kHz\n",
			    vcpu->id, khz, svx_max_guest_tsc_khz() - 1);
		return -EINVAL;
	}
	return svx_apply_tsc_khz(vcpu, khz ? khz : tsc_khz);
}

/*
 * KVM_SET_TSC_KHZ on the VM (KVM_CAP_VM_TSC_CONTROL): the rate of the
 * vCPUs created after, checked as the vCPU's but only against the
 * maximum; a rate the vCPU then refuses leaves it at the host's rate
 * (KVM ignores the error at creation too).
 */
long svx_vm_set_tsc_khz(struct svx_vm *vm, unsigned long arg)
{
	u32 khz = arg;

	if (svx_tsc_scaling_usable() && khz >= svx_max_guest_tsc_khz()) {
		svx_vm_warn(vm, "KVM_SET_TSC_KHZ %u: at most %u kHz\n", khz,
			    svx_max_guest_tsc_khz() - 1);
		return -EINVAL;
	}
	WRITE_ONCE(vm->default_tsc_khz, khz ? khz : tsc_khz);
	return 0;
}

/* A new vCPU's rate: the VM's (KVM's kvm_arch_vcpu_create()). */
void svx_init_tsc_khz(struct svx_vcpu *vcpu)
{
	vcpu->tsc_ratio = SVX_TSC_RATIO_ONE;
	svx_apply_tsc_khz(vcpu, READ_ONCE(vcpu->vm->default_tsc_khz));
}
