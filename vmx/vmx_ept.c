// SPDX-License-Identifier: GPL-2.0
/*
 * EPT mode, the VMX side: what the CPU offers, the VMCS controls of a vCPU
 * in an EPT-mode VM, its control registers, VPID and TLB invalidation.
 *
 * A vCPU of an EPT-mode VM runs with "enable EPT" and "unrestricted guest"
 * (so it may be in real mode or have paging off: CR0.PE and CR0.PG are no
 * longer fixed to 1), with "enable VPID" when the CPU has it, without
 * CR3-load/store and INVLPG exiting and without intercepting #PF.  The
 * guest's CR3 goes to GUEST_CR3 as it is.  With PAE paging (CR0.PG=1,
 * CR4.PAE=1, EFER.LMA=0) VM entry takes the PDPTE registers from
 * GUEST_PDPTR0-3 (SDM 26.3.2.4) and VM exit saves them there (27.3.4): a
 * guest MOV to CR3 (no exit) loads and checks them in hardware.  They are
 * copied to svx_vcpu.mmu.pdptrs at every exit and written back whenever the
 * VMM sets the guest's control registers; the VMM loads them from guest
 * memory (svx_mmu_load_pdptrs(), #GP on a reserved bit, as KVM's
 * load_pdptrs()) only where the architecture does: MOV to CR0/CR4 changing
 * CD/NW/PG or PAE/PSE/PGE/SMEP, and KVM_SET_SREGS.  Any other CR write keeps
 * the registers, whatever the PDPT in memory holds by then.
 *
 * CR0 and CR4 bits that only affect the guest are guest-owned (cleared in
 * the guest/host masks); the others still exit and go through the common
 * handlers of cr.c.  At every exit the guest-owned bits and CR3 are
 * copied back into svx_vcpu.cr0/cr3/cr4, which stay the guest's view.
 *
 * TLB: guest-physical and combined mappings are tagged with the EPTP, and
 * with the VPID.  INVEPT all-context after VMXON; INVEPT single-context on
 * every CPU when a VM's EPT root is allocated (the page may have been an
 * EPT root before), on a zap and before the root is freed; INVVPID
 * single-context before a vCPU's first entry on a CPU (VPIDs are reused;
 * the CPU may hold mappings from an earlier stay) and after the VMM changed
 * its paging state (CR0/CR4 writes that exit, KVM_SET_SREGS), which the
 * CPU would otherwise not flush.
 *
 * VPID in shadow mode (module parameter vpid=, on by default): a vCPU of a
 * shadow-paging VM gets a VPID too, so VM entries and exits no longer flush
 * its linear mappings.  The flushes the hardware then skips are done
 * explicitly, exactly where the guest's architecture or the shadow MMU
 * needs them (svx_vpid_flush_*, vmx/run.c's run loop):
 *  - a new shadow root (MOV to CR3 without PCID, CR0.PG/WP, CR4.PAE/PSE/
 *    PGE/SMEP/SMAP changes, KVM_SET_SREGS, a root zapped away): INVVPID
 *    single-context (shadow SPTEs are never global);
 *  - INVLPG: INVVPID individual-address (single-context when the page was
 *    a guest large page shadowed by 4 KiB pieces, or when the CPU lacks the
 *    individual-address type, or for a non-canonical address);
 *  - SVX_REQ_TLB_FLUSH / SVX_REQ_MMU_RELOAD (the shadow MMU removed or
 *    write-protected SPTEs, zapped shadow pages, a memslot went away):
 *    INVVPID single-context before the vCPU's next entry; the kick that
 *    posts the request keeps the vCPU out of the guest until then;
 *  - a vCPU entering on another CPU than last time: single-context.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bitmap.h>
#include <linux/moduleparam.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/tlbflush.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "epte.h"
#include "vmx.h"
#include "mmu.h"

struct svx_ept_caps svx_ept_caps;

/* CR bits the guest may change without an exit in EPT mode. */
#define SVX_EPT_CR0_GUEST_BITS	(X86_CR0_TS | X86_CR0_MP | X86_CR0_EM | \
				 X86_CR0_WP | X86_CR0_AM)
#define SVX_EPT_CR4_GUEST_BITS	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_PCE | \
				 X86_CR4_TSD | X86_CR4_OSFXSR | \
				 X86_CR4_OSXMMEXCPT | X86_CR4_PGE | \
				 X86_CR4_FSGSBASE)

static bool svx_vpid_param = true;
module_param_named(vpid, svx_vpid_param, bool, 0444);
MODULE_PARM_DESC(vpid, "use VPIDs when the CPU has them (1, default) or not (0), in both paging modes");

#define SVX_NR_VPIDS	4096
static DECLARE_BITMAP(svx_vpid_bitmap, SVX_NR_VPIDS);
static DEFINE_SPINLOCK(svx_vpid_lock);

/* ---------------------------------------------------------------------- */
/* Capabilities                                                            */

static bool svx_ept_param;
module_param_named(ept, svx_ept_param, bool, 0444);
MODULE_PARM_DESC(ept, "paging mode of new VMs: 0 = shadow paging (default), 1 = EPT");

/* Module load: checks the module parameter ept=. */
int svx_ept_init(void)
{
	const char *why_not = svx_host_ept_unusable();
	u32 flags = svx_host_ept_flags();

	/* mmu/epte.h spells <asm/vmx.h>'s numbers for userspace builds. */
	BUILD_BUG_ON((EPTE_R ^ VMX_EPT_READABLE_MASK) |
		     (EPTE_W ^ VMX_EPT_WRITABLE_MASK) |
		     (EPTE_X ^ VMX_EPT_EXECUTABLE_MASK) |
		     (EPTE_MT_WB ^ (VMX_EPTP_MT_WB << VMX_EPT_MT_EPTE_SHIFT)) |
		     (EPTE_IPAT ^ VMX_EPT_IPAT_BIT) |
		     (EPTP_MT_WB ^ VMX_EPTP_MT_WB) |
		     (EPTP_PWL_4 ^ VMX_EPTP_PWL_4) |
		     (EPTP_AD ^ VMX_EPTP_AD_ENABLE_BIT));

	if (svx_ept_param && why_not) {
		pr_err("ept=1 but EPT mode is not available: %s\n", why_not);
		return -EOPNOTSUPP;
	}
	if (!why_not)
		pr_info("EPT mode available (VPID %s, EPT A/D %s); new VMs use %s\n",
			(flags & SVX_CAP_VPID) ? "yes" : "no",
			(flags & SVX_CAP_EPT_AD) ? "yes" : "no",
			svx_ept_param ? "EPT" : "shadow paging");
	else
		pr_info("EPT mode not available: %s\n", why_not);
	return 0;
}

/* The paging mode of a new VM (mmu/mmu_host.h, for mmu/ept.c). */
u32 svx_ept_default_paging(void)
{
	return svx_ept_param ? SVX_PAGING_EPT : SVX_PAGING_SHADOW;
}

/* SVX_GET_CAPS (the device fd). */
long svx_ept_get_caps(void __user *argp)
{
	struct svx_caps caps = {};

	caps.paging_modes = BIT(SVX_PAGING_SHADOW);
	if (!svx_host_ept_unusable())
		caps.paging_modes |= BIT(SVX_PAGING_EPT);
	caps.default_paging = svx_ept_default_paging();
	caps.flags = svx_host_ept_flags();
	return copy_to_user(argp, &caps, sizeof(caps)) ? -EFAULT : 0;
}

/* For mmu/ept.c (mmu/mmu_host.h). */
u32 svx_host_ept_flags(void)
{
	return svx_ept_caps.flags;
}

const char *svx_host_ept_unusable(void)
{
	return svx_ept_caps.ept_usable ? NULL : svx_ept_caps.why_not;
}

void svx_ept_probe(void)
{
	struct svx_ept_caps *e = &svx_ept_caps;
	u32 lo, hi, vpid_cap;
	u64 basic, cap;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	rdmsr((basic & BIT_ULL(55)) ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				      MSR_IA32_VMX_PROCBASED_CTLS, lo, hi);
	if (!(hi & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		e->why_not = "the CPU has no secondary processor-based controls";
		return;
	}
	e->proc_may_clear = (CPU_BASED_CR3_LOAD_EXITING |
			     CPU_BASED_CR3_STORE_EXITING |
			     CPU_BASED_INVLPG_EXITING) & ~lo;
	rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2, lo, hi);
	e->proc2_allowed = hi;
	if (!(hi & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))) {
		e->why_not = "the CPU has no EPT";
		return;
	}
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, cap);
	e->ept_vpid_cap = cap;
	vpid_cap = cap >> 32;
	e->invvpid_addr = (vpid_cap & VMX_VPID_INVVPID_BIT) &&
			  (vpid_cap & VMX_VPID_EXTENT_INDIVIDUAL_ADDR_BIT);
	e->invept_single = (cap & VMX_EPT_INVEPT_BIT) &&
			   (cap & VMX_EPT_EXTENT_CONTEXT_BIT);
	e->invept_global = (cap & VMX_EPT_INVEPT_BIT) &&
			   (cap & VMX_EPT_EXTENT_GLOBAL_BIT);
	e->invvpid_single = (vpid_cap & VMX_VPID_INVVPID_BIT) &&
			    (vpid_cap & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT);
	e->invvpid_global = (vpid_cap & VMX_VPID_INVVPID_BIT) &&
			    (vpid_cap & VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT);
	if ((hi & SECONDARY_EXEC_ENABLE_VPID) && svx_vpid_param &&
	    (e->invvpid_single || e->invvpid_global))
		e->flags |= SVX_CAP_VPID;
	if (!(hi & SECONDARY_EXEC_ENABLE_EPT)) {
		e->why_not = "the CPU has no EPT";
		return;
	}
	if (hi & SECONDARY_EXEC_UNRESTRICTED_GUEST)
		e->flags |= SVX_CAP_UNRESTRICTED;
	if (cap & VMX_EPT_AD_BIT)
		e->flags |= SVX_CAP_EPT_AD;
	if (cap & VMX_EPT_2MB_PAGE_BIT)
		e->flags |= SVX_CAP_EPT_2M;
	if (cap & VMX_EPT_1GB_PAGE_BIT)
		e->flags |= SVX_CAP_EPT_1G;

	if (!(cap & VMX_EPT_PAGE_WALK_4_BIT))
		e->why_not = "the CPU's EPT has no 4-level page walks";
	else if (!(cap & VMX_EPTP_WB_BIT))
		e->why_not = "the CPU's EPT has no write-back memory type";
	else if (!e->invept_single && !e->invept_global)
		e->why_not = "the CPU has no INVEPT";
	else if (!(e->flags & SVX_CAP_UNRESTRICTED))
		e->why_not = "the CPU has no unrestricted guest";
	if (e->why_not)
		return;
	e->ept_usable = true;
	e->flags |= SVX_CAP_EPT;
}

/* ---------------------------------------------------------------------- */
/* INVEPT / INVVPID                                                        */

static bool svx_invept(unsigned long ext, u64 eptp)
{
	struct { u64 eptp, gpa; } operand = { eptp, 0 };
	bool fail;

	asm volatile("invept %1, %2\n\tsetna %0"
		     : "=qm"(fail) : "m"(operand), "r"(ext) : "cc", "memory");
	return !fail;
}

static bool svx_invvpid(unsigned long ext, u16 vpid, u64 gva)
{
	struct { u64 vpid, gva; } operand = { vpid, gva };
	bool fail;

	asm volatile("invvpid %1, %2\n\tsetna %0"
		     : "=qm"(fail) : "m"(operand), "r"(ext) : "cc", "memory");
	return !fail;
}

/*
 * The tree of the vCPU's address space (KVM's role.smm picks another
 * root): address space 1's in SMM.  vCPU loaded.
 */
void svx_ept_load_eptp(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;

	svx_vmwrite(EPT_POINTER, svx_vcpu_as(vcpu) ? vm->eptp_smm : vm->eptp);
}

static void svx_invept_fn(void *arg)
{
	struct svx_vm *vm = arg;
	bool ok;

	/* A CPU on its way offline may have left VMX operation already. */
	if (!(cr4_read_shadow() & X86_CR4_VMXE))
		return;
	if (svx_ept_caps.invept_single)	/* both address spaces' trees */
		ok = svx_invept(VMX_EPT_EXTENT_CONTEXT, vm->eptp) &&
		     svx_invept(VMX_EPT_EXTENT_CONTEXT, vm->eptp_smm);
	else
		ok = svx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	WARN_ONCE(!ok, "shadowvmx: INVEPT failed\n");
}

/*
 * Right after VMXON on this CPU: drop every EPT-derived mapping an earlier
 * user of VMX (kvm_intel, or this module before the CPU went offline) may
 * have left, as KVM does when it enables VMX.
 */
void svx_ept_vmxon_flush(void)
{
	if (svx_ept_caps.ept_usable && svx_ept_caps.invept_global)
		svx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	/* Linear mappings another VMX user left under VPIDs we hand out. */
	if ((svx_ept_caps.flags & SVX_CAP_VPID) && svx_ept_caps.invvpid_global)
		svx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
}

/*
 * Invalidate the VM's EPT-derived mappings on every CPU.  The IPI also
 * forces running vCPUs out of guest mode, so once this returns no CPU uses
 * EPT entries removed before the call.
 */
void svx_ept_invept_all_cpus(struct svx_vm *vm)
{
	on_each_cpu(svx_invept_fn, vm, 1);
	vm->stats.mmu[SVX_MMU_INVEPT] += num_online_cpus();
}

static void svx_vpid_flush(struct svx_vcpu *vcpu)
{
	bool ok;

	if (svx_ept_caps.invvpid_single)
		ok = svx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, to_vmx(vcpu)->vpid, 0);
	else
		ok = svx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
	WARN_ONCE(!ok, "shadowvmx: INVVPID failed\n");
	vcpu->stats.mmu[SVX_MMU_INVVPID]++;
}

/* Is @gva canonical for 48-bit linear addresses? */
static bool svx_canonical(u64 gva)
{
	return (u64)(((s64)gva << 16) >> 16) == gva;
}

/*
 * INVLPG @gva (after the shadow MMU dropped its SPTE): invalidate the
 * vCPU's linear mappings of @gva on this CPU, as the instruction would
 * have.  If the vCPU last entered on another CPU, its next entry flushes
 * everything anyway (svx_vpid_prepare_entry).
 */
void svx_vpid_flush_gva(struct svx_vcpu *vcpu, u64 gva)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	int cpu;

	if (!vmx->vpid || vmx->vpid_flush ||
	    test_bit(SVX_REQ_TLB_FLUSH, &vcpu->requests))
		return;
	if (!svx_ept_caps.invvpid_addr || !svx_canonical(gva)) {
		vmx->vpid_flush = true;
		return;
	}
	cpu = get_cpu();
	if (cpu == vmx->ept_last_cpu) {
		if (svx_invvpid(VMX_VPID_EXTENT_INDIVIDUAL_ADDR, vmx->vpid, gva))
			vcpu->stats.mmu[SVX_MMU_INVVPID]++;
		else
			vmx->vpid_flush = true;
	}
	put_cpu();
}

/* ---------------------------------------------------------------------- */
/* VPIDs                                                                   */

static u16 svx_vpid_alloc(void)
{
	unsigned long vpid;

	spin_lock(&svx_vpid_lock);
	vpid = find_next_zero_bit(svx_vpid_bitmap, SVX_NR_VPIDS, 1);
	if (vpid < SVX_NR_VPIDS)
		__set_bit(vpid, svx_vpid_bitmap);
	else
		vpid = 0;	/* run without VPID */
	spin_unlock(&svx_vpid_lock);
	return vpid;
}

void svx_ept_vcpu_free(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	if (!vmx->vpid)
		return;
	spin_lock(&svx_vpid_lock);
	__clear_bit(vmx->vpid, svx_vpid_bitmap);
	spin_unlock(&svx_vpid_lock);
	vmx->vpid = 0;
}

/* ---------------------------------------------------------------------- */
/* VMCS                                                                    */

/*
 * Secondary controls of every vCPU, where the CPU has them: WBINVD exits
 * (and is a NOP, as on kvm_intel), so that a guest cannot flush the host's
 * caches.
 */
#define SVX_SECONDARY_ALWAYS	SECONDARY_EXEC_WBINVD_EXITING

/*
 * A vCPU of a shadow-paging VM: a VPID and the secondary controls that
 * enable it, when the CPU has VPIDs (and vpid=1).  VMCS loaded.
 */
void svx_vpid_vmcs_init(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 sec = SVX_SECONDARY_ALWAYS;

	vmx->ept_last_cpu = -1;
	if (svx_ept_caps.flags & SVX_CAP_VPID)
		vmx->vpid = svx_vpid_alloc();
	if (vmx->vpid) {
		sec |= SECONDARY_EXEC_ENABLE_VPID;
		svx_vmwrite(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	}
	sec &= svx_ept_caps.proc2_allowed;
	if (!sec)
		return;
	svx_vmwrite(SECONDARY_VM_EXEC_CONTROL, sec);
	svx_vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
}

/* Controls of a vCPU in an EPT-mode VM; VMCS loaded, before the reset. */
void svx_ept_vmcs_init(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	const struct svx_ept_caps *e = &svx_ept_caps;
	u32 sec = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST |
		  SVX_SECONDARY_ALWAYS;
	u32 proc = svx_vmread(CPU_BASED_VM_EXEC_CONTROL);

	vmx->ept_last_cpu = -1;
	if (e->flags & SVX_CAP_VPID)
		vmx->vpid = svx_vpid_alloc();
	if (vmx->vpid) {
		sec |= SECONDARY_EXEC_ENABLE_VPID;
		svx_vmwrite(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	}
	proc &= ~e->proc_may_clear;
	proc |= CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
	svx_vmwrite(SECONDARY_VM_EXEC_CONTROL, sec & e->proc2_allowed);
	svx_ept_load_eptp(vcpu);
	svx_vmwrite(EXCEPTION_BITMAP, svx_debug_exception_bitmap(vcpu));
	svx_vmwrite(CR0_GUEST_HOST_MASK, ~(unsigned long)SVX_EPT_CR0_GUEST_BITS);
	svx_ept_update_cr4_mask(vcpu);
}

/*
 * The guest owns a CR4 bit only if its CPUID allows it (as KVM's
 * vmx_set_cr4_guest_host_mask()): a MOV to CR4 that would set one the
 * guest's CPUID lacks must exit and take #GP.  After KVM_SET_CPUID2, and
 * at VMCS setup (VMCS loaded there).
 */
void svx_ept_update_cr4_mask(struct svx_vcpu *vcpu)
{
	u64 own = SVX_EPT_CR4_GUEST_BITS & ~svx_cpuid_cr4_guest_rsvd(vcpu);

	if (!svx_vm_ept(vcpu->vm))
		return;
	svx_vcpu_load(vcpu);
	svx_vmwrite(CR4_GUEST_HOST_MASK, ~(unsigned long)own);
	svx_vcpu_put(vcpu);
}

static bool svx_ept_pae_paging(struct svx_vcpu *vcpu)
{
	return (vcpu->cr0 & X86_CR0_PG) && (vcpu->cr4 & X86_CR4_PAE) &&
	       !(vcpu->efer & EFER_LMA);
}

/*
 * The CR0/CR3/CR4 the CPU runs the guest with: the guest's own values, with
 * NE and VMXE forced on and CD/NW off; unrestricted guest lets PE and PG be
 * 0 (SDM 26.3.1.1).  VMCS loaded.
 */
void svx_ept_update_hw_cr(struct svx_vcpu *vcpu)
{
	const struct svx_vmcs_config *c = &svx_vmcs_conf;
	u64 cr0, cr4;

	cr0 = (vcpu->cr0 & ~(u64)(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE;
	cr0 |= c->cr0_fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
	cr4 = vcpu->cr4 | X86_CR4_VMXE;
	svx_write_hw_cr(vcpu, cr0, cr4);
	svx_vmwrite(GUEST_CR3, vcpu->cr3);
	if (svx_ept_pae_paging(vcpu)) {
		int i;

		for (i = 0; i < 4; i++)
			svx_vmwrite(GUEST_PDPTR0 + i * 2, vcpu->mmu.pdptrs[i]);
	}
	to_vmx(vcpu)->vpid_flush = true;
}

/* After every exit, VMCS loaded: the guest-owned CR bits and CR3. */
void svx_ept_read_exit_info(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	vcpu->cr0 = (vcpu->cr0 & ~(u64)SVX_EPT_CR0_GUEST_BITS) |
		    (svx_vmread(GUEST_CR0) & SVX_EPT_CR0_GUEST_BITS);
	vcpu->cr4 = (vcpu->cr4 & ~(u64)SVX_EPT_CR4_GUEST_BITS) |
		    (svx_vmread(GUEST_CR4) & SVX_EPT_CR4_GUEST_BITS);
	vcpu->cr3 = svx_vmread(GUEST_CR3);
	if (svx_ept_pae_paging(vcpu)) {
		int i;

		for (i = 0; i < 4; i++)
			vcpu->mmu.pdptrs[i] = svx_vmread(GUEST_PDPTR0 + i * 2);
	}
	switch (vmx->exit_reason & 0xffff) {
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		vmx->exit_gpa = svx_vmread(GUEST_PHYSICAL_ADDRESS);
		break;
	}
}

/* Just before entry: preemption off, VMCS current on this CPU. */
void svx_vpid_prepare_entry(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	int cpu = smp_processor_id();

	if (!vmx->vpid)
		return;	/* every entry and exit flushes VPID 0 */
	if (vmx->ept_last_cpu != cpu || vmx->vpid_flush) {
		svx_vpid_flush(vcpu);
		vmx->ept_last_cpu = cpu;
		vmx->vpid_flush = false;
	}
}
