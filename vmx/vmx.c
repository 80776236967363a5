// SPDX-License-Identifier: GPL-2.0
/*
 * VMX ownership and the VMCS.
 *
 * This file owns:
 *  - the checks made at module load (CPUID.VMX, IA32_FEATURE_CONTROL, the
 *    capability MSRs) and the VMCS configuration computed from them;
 *  - lazy VMX ownership: VMXON on every online CPU when the first VM is
 *    created, VMXOFF when the last one is destroyed (as KVM 6.1 does), so
 *    that kvm_intel can use VMX when we do not; CPU hotplug;
 *  - per-vCPU VMCS life: allocation, initial state, RESET and INIT,
 *    loading on a CPU (VMPTRLD, with VMCLEAR on the CPU it was active on
 *    before), the host state that is constant or per CPU, the MSRs the
 *    VMCS switches at entry and exit (the MSR areas), KVM_SET_CPUID2's
 *    controls;
 *  - kicking vCPUs out of guest mode (svx_kick_all(), svx_request_all()).
 *
 * The run loop and the VM entry are vmx/run.c's; the event queue and
 * KVM_{GET,SET}_VCPU_EVENTS vmx/events.c's; KVM_{GET,SET}_{REGS,SREGS}
 * and the segments vmx/regs.c's; the exit handlers vmx/exits.c's.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/module.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/smp.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/tlbflush.h>
#include <asm/cpu_entry_area.h>
#include <asm/special_insns.h>
#include <asm/cpufeature.h>
#include <asm/segment.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "fpu.h"
#include "spec.h"
#include "vmx.h"
#include "mmu.h"

struct svx_vmcs_config svx_vmcs_conf;

static DEFINE_MUTEX(svx_vmx_lock);
static unsigned int svx_vmx_users;
static bool svx_vmx_enabled_global;	/* read by hotplug callbacks */
static enum cpuhp_state svx_cpuhp_state;

static DEFINE_PER_CPU(void *, svx_vmxon_region);
static DEFINE_PER_CPU(bool, svx_vmx_on);
DEFINE_PER_CPU(struct svx_vcpu *, svx_current_vcpu);
static DEFINE_PER_CPU(struct list_head, svx_loaded_vmcss);

static u64 svx_host_msr[SVX_NR_AUTO_MSRS];
static const u32 svx_auto_msr_index[SVX_NR_AUTO_MSRS] = {
	[SVX_AMSR_STAR] = MSR_STAR,
	[SVX_AMSR_LSTAR] = MSR_LSTAR,
	[SVX_AMSR_CSTAR] = MSR_CSTAR,
	[SVX_AMSR_SFMASK] = MSR_SYSCALL_MASK,
	[SVX_AMSR_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[SVX_AMSR_TSC_AUX] = MSR_TSC_AUX,
};

/* Debug registers after RESET (SDM 18.2.3, 18.2.4). */
#define SVX_DR6_INIT			0xffff0ff0UL
#define SVX_DR7_INIT			0x400UL

#define SVX_VMX_BASIC_TRUE_CTLS		BIT_ULL(55)
#define SVX_VMX_BASIC_MEM_WB		6ULL
#define SVX_VMX_BASIC_INOUT		BIT_ULL(54)

/* ---------------------------------------------------------------------- */
/* Capabilities                                                            */

static int svx_adjust_ctls(u32 min, u32 opt, u32 msr, u32 *result,
			   const char *what)
{
	u32 lo, hi, ctl = min | opt;

	rdmsr(msr, lo, hi);
	ctl &= hi;	/* bit clear in high word: must be 0 */
	ctl |= lo;	/* bit set in low word: must be 1 */
	if ((ctl & min) != min) {
		pr_err("CPU lacks required %s controls %#x (allowed %#x)\n",
		       what, min & ~ctl, hi);
		return -EOPNOTSUPP;
	}
	*result = ctl;
	return 0;
}

static int svx_setup_vmcs_config(void)
{
	struct svx_vmcs_config *c = &svx_vmcs_conf;
	u64 basic, feat;
	bool true_ctls;
	int r;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat);
		if (cpuid_ecx(1) & BIT(5))
			pr_err("VMX is disabled by firmware (IA32_FEATURE_CONTROL=%#llx: locked without VMX enabled)\n",
			       feat);
		else
			pr_err("CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0); shadowvmx needs Intel VT-x\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat)) {
		pr_err("cannot read IA32_FEATURE_CONTROL\n");
		return -ENODEV;
	}
	if (!(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("IA32_FEATURE_CONTROL=%#llx does not allow VMXON outside SMX (needs lock bit 0 and bit 2 set)\n",
		       feat);
		return -ENODEV;
	}

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	c->revision = basic & 0x7fffffff;
	c->size = (basic >> 32) & 0x1fff;
	true_ctls = basic & SVX_VMX_BASIC_TRUE_CTLS;
	if (c->size > PAGE_SIZE) {
		pr_err("VMCS size %u exceeds a page\n", c->size);
		return -EOPNOTSUPP;
	}
	if (((basic >> 50) & 0xf) != SVX_VMX_BASIC_MEM_WB) {
		pr_err("VMCS memory type is not write-back\n");
		return -EOPNOTSUPP;
	}
	if (basic & BIT_ULL(48)) {
		pr_err("VMX limited to 32-bit physical addresses\n");
		return -EOPNOTSUPP;
	}

	r = svx_adjust_ctls(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
			    PIN_BASED_VMX_PREEMPTION_TIMER |
			    PIN_BASED_VIRTUAL_NMIS,
			    true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					MSR_IA32_VMX_PINBASED_CTLS,
			    &c->pin, "pin-based");
	if (r)
		return r;
	r = svx_adjust_ctls(CPU_BASED_HLT_EXITING | CPU_BASED_INVLPG_EXITING |
			    CPU_BASED_CR3_LOAD_EXITING |
			    CPU_BASED_CR3_STORE_EXITING |
			    CPU_BASED_CR8_LOAD_EXITING |
			    CPU_BASED_CR8_STORE_EXITING |
			    CPU_BASED_MOV_DR_EXITING |
			    CPU_BASED_UNCOND_IO_EXITING |
			    CPU_BASED_USE_TSC_OFFSETTING |
			    CPU_BASED_MWAIT_EXITING |
			    CPU_BASED_MONITOR_EXITING |
			    CPU_BASED_RDPMC_EXITING, CPU_BASED_USE_MSR_BITMAPS,
			    true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					MSR_IA32_VMX_PROCBASED_CTLS,
			    &c->proc, "processor-based");
	if (r)
		return r;
	/* Secondary controls are set per vCPU: EPT mode, VPID (vmx_ept.c). */
	c->proc &= ~CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	r = svx_adjust_ctls(VM_EXIT_HOST_ADDR_SPACE_SIZE |
			    VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_EFER |
			    VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_PAT |
			    VM_EXIT_SAVE_DEBUG_CONTROLS, 0,
			    true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
					MSR_IA32_VMX_EXIT_CTLS,
			    &c->exit, "VM-exit");
	if (r)
		return r;
	r = svx_adjust_ctls(VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT |
			    VM_ENTRY_LOAD_DEBUG_CONTROLS, 0,
			    true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					MSR_IA32_VMX_ENTRY_CTLS,
			    &c->entry, "VM-entry");
	if (r)
		return r;
	c->entry &= ~VM_ENTRY_IA32E_MODE;	/* set per guest */

	rdmsrl(MSR_IA32_VMX_MISC, c->misc);
	c->has_preempt_timer = c->pin & PIN_BASED_VMX_PREEMPTION_TIMER;
	c->preempt_timer_shift = c->misc & 0x1f;
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, c->cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, c->cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, c->cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, c->cr4_fixed1);
	svx_ept_probe();	/* EPT mode's controls (vmx_ept.c) */
	return 0;
}

/* ---------------------------------------------------------------------- */
/* VMXON / VMXOFF                                                          */

static void svx_vmclear(void *vmcs)
{
	u64 pa = __pa(vmcs);

	asm volatile("vmclear %0" : : "m"(pa) : "cc", "memory");
}

static void svx_vmptrld(void *vmcs)
{
	u64 pa = __pa(vmcs);
	bool fail;

	asm volatile("vmptrld %1\n\tsetna %0"
		     : "=qm"(fail) : "m"(pa) : "cc", "memory");
	WARN_ONCE(fail, "shadowvmx: vmptrld failed\n");
}

/* VMCLEAR every VMCS active on this CPU (before VMXOFF or going offline). */
static void svx_clear_loaded_vmcss(void)
{
	struct list_head *head = this_cpu_ptr(&svx_loaded_vmcss);
	struct svx_vmx *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, head, loaded_link) {
		svx_vmclear(vmx->vmcs);
		list_del_init(&vmx->loaded_link);
		vmx->launched = false;
		WRITE_ONCE(vmx->vcpu.cpu, -1);
	}
	this_cpu_write(svx_current_vcpu, NULL);
}

static int svx_cpu_vmxon(void)
{
	int cpu = raw_smp_processor_id();
	void *region = per_cpu(svx_vmxon_region, cpu);
	u64 pa;

	if (per_cpu(svx_vmx_on, cpu))
		return 0;
	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err("CPU %d: VMX is already in use (CR4.VMXE=1), probably by kvm_intel; unload it (or, on kernels >= 6.12, load kvm with enable_virt_at_load=0) and retry\n",
		       cpu);
		return -EBUSY;
	}
	if (!region)
		return -ENOMEM;
	*(u32 *)region = svx_vmcs_conf.revision;
	pa = __pa(region);
	cr4_set_bits(X86_CR4_VMXE);
	asm goto("1: vmxon %0\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : "m"(pa) : "cc", "memory" : fail, fault);
	per_cpu(svx_vmx_on, cpu) = true;
	svx_ept_vmxon_flush();	/* stale EPT mappings (vmx_ept.c) */
	return 0;
fail:
fault:
	cr4_clear_bits(X86_CR4_VMXE);
	pr_err("CPU %d: VMXON failed\n", cpu);
	return -EIO;
}

static void svx_cpu_vmxoff(void)
{
	int cpu = raw_smp_processor_id();

	if (!per_cpu(svx_vmx_on, cpu))
		return;
	svx_clear_loaded_vmcss();
	asm volatile("vmxoff" : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
	per_cpu(svx_vmx_on, cpu) = false;
}

static void svx_vmxon_fn(void *arg)
{
	atomic_t *failed = arg;
	int r = svx_cpu_vmxon();

	if (r)
		atomic_set(failed, r);
}

static void svx_vmxoff_fn(void *arg)
{
	svx_cpu_vmxoff();
}

/* Take VMX on all online CPUs for one more VM. */
int svx_vmx_get(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int r = 0;

	cpus_read_lock();
	mutex_lock(&svx_vmx_lock);
	if (svx_vmx_users++ == 0) {
		on_each_cpu(svx_vmxon_fn, &failed, 1);
		r = atomic_read(&failed);
		if (r) {
			on_each_cpu(svx_vmxoff_fn, NULL, 1);
			svx_vmx_users = 0;
		} else {
			WRITE_ONCE(svx_vmx_enabled_global, true);
		}
	}
	mutex_unlock(&svx_vmx_lock);
	cpus_read_unlock();
	return r;
}

void svx_vmx_put(void)
{
	cpus_read_lock();
	mutex_lock(&svx_vmx_lock);
	if (--svx_vmx_users == 0) {
		WRITE_ONCE(svx_vmx_enabled_global, false);
		on_each_cpu(svx_vmxoff_fn, NULL, 1);
	}
	mutex_unlock(&svx_vmx_lock);
	cpus_read_unlock();
}

static int svx_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (READ_ONCE(svx_vmx_enabled_global)) {
		local_irq_disable();
		r = svx_cpu_vmxon();
		local_irq_enable();
	}
	return r;
}

static int svx_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	svx_cpu_vmxoff();
	local_irq_enable();
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Loading a vCPU's VMCS on this CPU                                       */

static void svx_vmclear_remote(void *arg)
{
	struct svx_vcpu *vcpu = arg;
	struct svx_vmx *vmx = to_vmx(vcpu);

	if (vcpu->cpu != raw_smp_processor_id())
		return;
	svx_vmclear(vmx->vmcs);
	list_del_init(&vmx->loaded_link);
	vmx->launched = false;
	if (this_cpu_read(svx_current_vcpu) == vcpu)
		this_cpu_write(svx_current_vcpu, NULL);
	WRITE_ONCE(vcpu->cpu, -1);
}

static bool svx_host_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) || boot_cpu_has(X86_FEATURE_RDPID);
}

static void svx_set_host_percpu_state(struct svx_vcpu *vcpu, int cpu)
{
	struct desc_ptr gdt;
	unsigned long gs_base, sysenter_esp;

	native_store_gdt(&gdt);
	svx_vmwrite(HOST_GDTR_BASE, gdt.address);
	svx_vmwrite(HOST_TR_BASE,
		    (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	rdmsrl(MSR_GS_BASE, gs_base);
	svx_vmwrite(HOST_GS_BASE, gs_base);
	rdmsrl(MSR_IA32_SYSENTER_ESP, sysenter_esp);
	svx_vmwrite(HOST_IA32_SYSENTER_ESP, sysenter_esp);
	/* Linux keeps the CPU (and node) number in TSC_AUX (getcpu). */
	if (svx_host_has_tsc_aux())
		rdmsrl(MSR_TSC_AUX, to_vmx(vcpu)->host_msrs[SVX_AMSR_TSC_AUX].value);
}

/*
 * Make @vcpu's VMCS current on this CPU.  Caller has preemption disabled.
 * A VMCS active on another CPU is VMCLEARed there first (SDM 24.11.1).
 */
void __svx_vcpu_load(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	int cpu = smp_processor_id();
	int old = READ_ONCE(vcpu->cpu);

	if (old == cpu) {
		if (this_cpu_read(svx_current_vcpu) != vcpu) {
			svx_vmptrld(vmx->vmcs);
			this_cpu_write(svx_current_vcpu, vcpu);
			svx_ibpb_vmcs_switch(vcpu);
		}
		return;
	}
	if (old >= 0) {
		smp_call_function_single(old, svx_vmclear_remote, vcpu, 1);
		/* An offline CPU cleared it on its way down. */
		WARN_ON_ONCE(READ_ONCE(vcpu->cpu) >= 0);
		vcpu->stats.misc[SVX_STAT_MIGRATIONS]++;
	}
	if (vcpu->pv_time & 1)	/* kvmclock: kvm_arch_vcpu_load() */
		set_bit(SVX_REQ_CLOCK_UPDATE, &vcpu->requests);
	local_irq_disable();
	svx_vmptrld(vmx->vmcs);
	list_add(&vmx->loaded_link, this_cpu_ptr(&svx_loaded_vmcss));
	this_cpu_write(svx_current_vcpu, vcpu);
	WRITE_ONCE(vcpu->cpu, cpu);
	local_irq_enable();
	svx_ibpb_vmcs_switch(vcpu);
	svx_set_host_percpu_state(vcpu, cpu);
}

/* ---------------------------------------------------------------------- */
/* VMCS initial state                                                      */

/* RDTSCP and RDPID can be given to a guest: the CPU has the control. */
bool svx_rdtscp_usable(void)
{
	return svx_host_has_tsc_aux() &&
	       (svx_ept_caps.proc2_allowed & SECONDARY_EXEC_ENABLE_RDTSCP);
}

/* The first @n MSRs of the areas are switched.  VMCS loaded. */
static void svx_set_nr_auto_msrs(unsigned int n)
{
	svx_vmwrite(VM_ENTRY_MSR_LOAD_COUNT, n);
	svx_vmwrite(VM_EXIT_MSR_STORE_COUNT, n);
	svx_vmwrite(VM_EXIT_MSR_LOAD_COUNT, n);
}

/*
 * KVM_SET_CPUID2 done: what the guest's CPUID turns on in the VMCS, as
 * vmx_vcpu_after_set_cpuid().  RDTSCP and RDPID: the "enable RDTSCP"
 * control (without it both are #UD) and TSC_AUX switched on entry and exit.
 */
void svx_vcpu_after_set_cpuid(struct svx_vcpu *vcpu)
{
	bool rdtscp = svx_rdtscp_usable() && svx_cpuid_has_tsc_aux(vcpu);
	u32 sec;

	if (!svx_ept_caps.proc2_allowed)
		return;		/* no secondary controls: no RDTSCP either */
	svx_vcpu_load(vcpu);
	sec = svx_vmread(SECONDARY_VM_EXEC_CONTROL);
	if (!(svx_vmread(CPU_BASED_VM_EXEC_CONTROL) &
	      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		sec = 0;
	sec = rdtscp ? sec | SECONDARY_EXEC_ENABLE_RDTSCP :
		       sec & ~SECONDARY_EXEC_ENABLE_RDTSCP;
	svx_vmwrite(SECONDARY_VM_EXEC_CONTROL, sec);
	if (sec) {
		svx_vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
				  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
		to_vmx(vcpu)->proc_ctls |= CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	}
	svx_set_nr_auto_msrs(rdtscp ? SVX_NR_AUTO_MSRS : SVX_AMSR_TSC_AUX);
	svx_cpufeat_after_set_cpuid(vcpu);	/* INVPCID */
	svx_vcpu_put(vcpu);
}

static void svx_set_host_constant_state(void)
{
	struct desc_ptr idt;
	u64 pat, efer, sysenter_cs;

	svx_vmwrite(HOST_CR0, read_cr0() & ~X86_CR0_TS);
	svx_vmwrite(HOST_CR3, __read_cr3());
	svx_vmwrite(HOST_CR4, cr4_read_shadow());
	svx_vmwrite(HOST_CS_SELECTOR, __KERNEL_CS);
	svx_vmwrite(HOST_SS_SELECTOR, __KERNEL_DS);
	svx_vmwrite(HOST_DS_SELECTOR, 0);
	svx_vmwrite(HOST_ES_SELECTOR, 0);
	svx_vmwrite(HOST_FS_SELECTOR, 0);
	svx_vmwrite(HOST_GS_SELECTOR, 0);
	svx_vmwrite(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	svx_vmwrite(HOST_IDTR_BASE, idt.address);
	svx_vmwrite(HOST_RIP, (unsigned long)svx_vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, sysenter_cs);
	svx_vmwrite(HOST_IA32_SYSENTER_CS, (u32)sysenter_cs);
	rdmsrl(MSR_IA32_SYSENTER_EIP, pat);
	svx_vmwrite(HOST_IA32_SYSENTER_EIP, pat);
	rdmsrl(MSR_IA32_CR_PAT, pat);
	svx_vmwrite(HOST_IA32_PAT, pat);
	rdmsrl(MSR_EFER, efer);
	svx_vmwrite(HOST_IA32_EFER, efer);
}

void svx_seg_write(unsigned long sel_field, u16 sel, u64 base, u32 limit,
		   u32 ar)
{
	/* The four fields of a segment are laid out at fixed strides. */
	svx_vmwrite(sel_field, sel);
	svx_vmwrite(sel_field - GUEST_ES_SELECTOR + GUEST_ES_BASE, base);
	svx_vmwrite(sel_field - GUEST_ES_SELECTOR + GUEST_ES_LIMIT, limit);
	svx_vmwrite(sel_field - GUEST_ES_SELECTOR + GUEST_ES_AR_BYTES, ar);
}

/*
 * The architectural state after RESET, as KVM presents it (SDM 10.1);
 * @init: after INIT, which keeps the MSRs (SDM Table 10-1).
 */
static void svx_vcpu_reset(struct svx_vcpu *vcpu, bool init)
{
	unsigned long sel;

	/*
	 * INIT of a vCPU in real mode under shadow paging: out of vm86
	 * first, so that the segments below land in the VMCS and enter vm86
	 * again with svx_rmode_update() at the end.
	 */
	if (vcpu->rmode.active) {
		vcpu->cr0 |= X86_CR0_PE;
		svx_rmode_update(vcpu);
	}
	svx_smm_reset(vcpu, init);

	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->regs[SVX_RDX] = 0x600;
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->rip_dirty = true;
	vcpu->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	vcpu->cr2 = 0;
	vcpu->cr3 = 0;
	vcpu->cr4 = 0;
	vcpu->cr8 = 0;
	vcpu->efer = 0;
	memset(vcpu->dr, 0, sizeof(vcpu->dr));
	vcpu->dr[6] = SVX_DR6_INIT;
	vcpu->dr[7] = SVX_DR7_INIT;

	svx_seg_write(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0xffff, 0x9b);
	for (sel = GUEST_ES_SELECTOR; sel <= GUEST_GS_SELECTOR; sel += 2)
		if (sel != GUEST_CS_SELECTOR)
			svx_seg_write(sel, 0, 0, 0xffff, 0x93);
	svx_seg_write(GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	svx_seg_write(GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x8b);
	svx_vmwrite(GUEST_GDTR_BASE, 0);
	svx_vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	svx_vmwrite(GUEST_IDTR_BASE, 0);
	svx_vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	svx_vmwrite(GUEST_SYSENTER_CS, 0);
	svx_vmwrite(GUEST_SYSENTER_ESP, 0);
	svx_vmwrite(GUEST_SYSENTER_EIP, 0);
	if (!init)
		svx_vmwrite(GUEST_IA32_PAT, 0x0007040600070406ULL);
	svx_vmwrite(GUEST_IA32_DEBUGCTL, 0);
	svx_vmwrite(GUEST_DR7, SVX_DR7_INIT);
	svx_debug_reset(vcpu);	/* effective DR0-3/DR7 (debugreg.c) */
	svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
	svx_vmwrite(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	svx_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	svx_set_efer(vcpu, 0, true);
	if (!init)
		svx_reset_soft_msrs(vcpu);
	vcpu->pv_time = 0;	/* KVM's kvmclock_reset(), INIT too */
	svx_mmu_reset_context(vcpu);
	svx_rmode_update(vcpu);
}

/* INIT (KVM's kvm_vcpu_reset(vcpu, true)): pending events go too. */
void svx_vcpu_init_event(struct svx_vcpu *vcpu)
{
	svx_vcpu_load(vcpu);
	svx_vcpu_reset(vcpu, true);
	svx_vcpu_put(vcpu);
	vcpu->inject_pending = false;
	vcpu->exc_pending = false;
	vcpu->exc_has_payload = false;
	vcpu->irq_queued = -1;
	vcpu->nmi_queued = false;
	vcpu->triple_fault = false;
}

static void svx_vmcs_init(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	const struct svx_vmcs_config *c = &svx_vmcs_conf;
	int i;

	svx_vmwrite(VMCS_LINK_POINTER, -1ULL);
	svx_vmwrite(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	vmx->proc_ctls = c->proc;
	vcpu->irq_queued = -1;
	svx_vmwrite(VM_EXIT_CONTROLS, c->exit);
	svx_vmwrite(VM_ENTRY_CONTROLS, c->entry);
	svx_vmwrite(EXCEPTION_BITMAP, BIT(PF_VECTOR) |
		    svx_debug_exception_bitmap(vcpu));
	svx_vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	svx_vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	svx_vmwrite(CR3_TARGET_COUNT, 0);
	svx_vmwrite(CR0_GUEST_HOST_MASK, ~0UL);
	svx_vmwrite(CR4_GUEST_HOST_MASK, ~0UL);
	svx_vmwrite(TSC_OFFSET, 0);
	svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);

	for (i = 0; i < SVX_NR_AUTO_MSRS; i++) {
		vmx->guest_msrs[i].index = svx_auto_msr_index[i];
		vmx->guest_msrs[i].value = 0;
		vmx->host_msrs[i].index = svx_auto_msr_index[i];
		vmx->host_msrs[i].value = svx_host_msr[i];
	}
	if (svx_host_has_tsc_aux())	/* this CPU's, as on a migration */
		rdmsrl(MSR_TSC_AUX, vmx->host_msrs[SVX_AMSR_TSC_AUX].value);
	svx_vmwrite(VM_ENTRY_MSR_LOAD_ADDR, __pa(vmx->guest_msrs));
	svx_vmwrite(VM_EXIT_MSR_STORE_ADDR, __pa(vmx->guest_msrs));
	svx_vmwrite(VM_EXIT_MSR_LOAD_ADDR, __pa(vmx->host_msrs));
	svx_set_nr_auto_msrs(SVX_AMSR_TSC_AUX);
	if (vmx->msr_bitmap)	/* vmx/msr_bitmap.c */
		svx_vmwrite(MSR_BITMAP, __pa(vmx->msr_bitmap));
	if (svx_vm_ept(vcpu->vm))
		svx_ept_vmcs_init(vcpu);
	else
		svx_vpid_vmcs_init(vcpu);
	/* EPT mode and VPID changed the processor-based controls: re-read them. */
	vmx->proc_ctls = svx_vmread(CPU_BASED_VM_EXEC_CONTROL);

	svx_set_host_constant_state();
	svx_vcpu_reset(vcpu, false);
}

int svx_vcpu_init_vmx(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct page *page;

	page = svx_fallible(alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO));
	if (!page)
		return -ENOMEM;
	vmx->vmcs = page_address(page);
	*(u32 *)vmx->vmcs = svx_vmcs_conf.revision;
	/* One page holds both MSR areas (16-byte aligned, SDM 24.7.2). */
	page = svx_fallible(alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO));
	if (!page)
		goto free_vmcs;
	vmx->guest_msrs = page_address(page);
	vmx->host_msrs = vmx->guest_msrs + 16;
	if (svx_msr_bitmap_init(vcpu))
		goto free_msrs;
	if (svx_fpu_vcpu_init(vcpu))
		goto free_bitmap;
	vcpu->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);

	svx_vmclear(vmx->vmcs);
	svx_vcpu_load(vcpu);
	svx_vmcs_init(vcpu);
	svx_vcpu_put(vcpu);
	return 0;

free_bitmap:
	svx_msr_bitmap_free(vcpu);
free_msrs:
	free_page((unsigned long)vmx->guest_msrs);
free_vmcs:
	free_page((unsigned long)vmx->vmcs);
	return -ENOMEM;
}

void svx_vcpu_free_vmx(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	int cpu;

	preempt_disable();
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu == smp_processor_id()) {
		local_irq_disable();
		svx_vmclear_remote(vcpu);
		local_irq_enable();
	} else if (cpu >= 0) {
		smp_call_function_single(cpu, svx_vmclear_remote, vcpu, 1);
	}
	preempt_enable();
	svx_ept_vcpu_free(vcpu);
	svx_fpu_vcpu_free(vcpu);
	svx_msr_bitmap_free(vcpu);
	free_page((unsigned long)vmx->guest_msrs);
	free_page((unsigned long)vmx->vmcs);
}

/* A vCPU with its VMX state, zeroed (core/vcpu.c fills in the rest). */
struct svx_vcpu *svx_vmx_vcpu_alloc(void)
{
	struct svx_vmx *vmx = svx_fallible(kzalloc(sizeof(*vmx),
						   GFP_KERNEL_ACCOUNT));

	return vmx ? &vmx->vcpu : NULL;
}

void svx_vmx_vcpu_free(struct svx_vcpu *vcpu)
{
	kfree(to_vmx(vcpu));
}

/* ---------------------------------------------------------------------- */
/* Kicking vCPUs out of guest mode                                         */

static void svx_kick_fn(void *arg)
{
}

/*
 * Set request @req on every vCPU of @vm, for their next entry, without
 * kicking them out of the guest (any context, e.g. under mmu_lock).
 */
void svx_request_all(struct svx_vm *vm, int req)
{
	int i;

	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		struct svx_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu)
			set_bit(req, &vcpu->requests);
	}
}

/*
 * Set request @req on every vCPU of @vm and wait until none of them is
 * still running guest code that started before the request: the IPI
 * forces a VM exit, and the run loop checks requests with interrupts off
 * before every entry.  Without VPID every entry flushes the guest TLB;
 * with one, SVX_REQ_TLB_FLUSH and SVX_REQ_MMU_RELOAD make the next entry
 * flush it (svx_run_loop).
 *
 * Never sleeps and never allocates (the mask is this CPU's, as KVM's
 * cpu_kick_mask): the MMU notifier kicks from contexts that may not block
 * (the OOM reaper, process_mrelease()).
 */
static DEFINE_PER_CPU(cpumask_var_t, svx_kick_mask);

/*
 * The same for the vCPUs whose index is in @vcpu_mask (NULL: all), as
 * KVM's kvm_make_vcpus_request_mask() with a waiting request (Hyper-V's
 * TLB flush hypercalls, core/hyperv.c).
 */
void svx_kick_vcpus(struct svx_vm *vm, int req, const unsigned long *vcpu_mask)
{
	struct cpumask *mask;
	int i, cpu, me;

	me = get_cpu();
	mask = this_cpu_cpumask_var_ptr(svx_kick_mask);
	cpumask_clear(mask);
	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		struct svx_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (!vcpu || (vcpu_mask && !test_bit(i, vcpu_mask)))
			continue;
		set_bit(req, &vcpu->requests);
		/*
		 * Order the request before reading the mode; pairs with the
		 * smp_store_mb() of the mode in svx_enter_guest(), so either
		 * we see IN_GUEST or the vCPU sees the request.
		 */
		smp_mb__after_atomic();
		cpu = READ_ONCE(vcpu->cpu);
		if (READ_ONCE(vcpu->mode) == SVX_IN_GUEST && cpu >= 0 &&
		    cpu != me)
			cpumask_set_cpu(cpu, mask);
	}
	smp_call_function_many(mask, svx_kick_fn, NULL, 1);
	put_cpu();
	vm->stats.mmu[SVX_MMU_FLUSH]++;
}

void svx_kick_all(struct svx_vm *vm, int req)
{
	svx_kick_vcpus(vm, req, NULL);
}

static void svx_kick_masks_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		free_cpumask_var(per_cpu(svx_kick_mask, cpu));
}

static int svx_kick_masks_alloc(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (!zalloc_cpumask_var_node(per_cpu_ptr(&svx_kick_mask, cpu),
					     GFP_KERNEL, cpu_to_node(cpu))) {
			svx_kick_masks_free();
			return -ENOMEM;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Module init                                                             */

int svx_vmx_init(void)
{
	int cpu, r, i;

	r = svx_setup_vmcs_config();
	if (r)
		return r;
	r = svx_kick_masks_alloc();
	if (r)
		return r;
	for (i = 0; i < SVX_NR_AUTO_MSRS; i++)
		if (i != SVX_AMSR_TSC_AUX || svx_host_has_tsc_aux())
			rdmsrl(svx_auto_msr_index[i], svx_host_msr[i]);
	for_each_possible_cpu(cpu) {
		struct page *page;

		INIT_LIST_HEAD(&per_cpu(svx_loaded_vmcss, cpu));
		page = svx_fallible(alloc_pages_node(cpu_to_node(cpu),
						     GFP_KERNEL | __GFP_ZERO,
						     0));
		if (!page) {
			r = -ENOMEM;
			goto free;
		}
		per_cpu(svx_vmxon_region, cpu) = page_address(page);
	}
	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "shadowvmx:online",
				      svx_cpu_online, svx_cpu_offline);
	if (r < 0)
		goto free;
	svx_cpuhp_state = r;
	pr_info("VMX revision %#x, pin %#x proc %#x exit %#x entry %#x, preemption timer %s\n",
		svx_vmcs_conf.revision, svx_vmcs_conf.pin, svx_vmcs_conf.proc,
		svx_vmcs_conf.exit, svx_vmcs_conf.entry,
		svx_vmcs_conf.has_preempt_timer ? "yes" : "no");
	return 0;
free:
	for_each_possible_cpu(cpu) {
		if (per_cpu(svx_vmxon_region, cpu))
			free_page((unsigned long)per_cpu(svx_vmxon_region, cpu));
		per_cpu(svx_vmxon_region, cpu) = NULL;
	}
	svx_kick_masks_free();
	return r;
}

void svx_vmx_exit(void)
{
	int cpu;

	cpuhp_remove_state_nocalls(svx_cpuhp_state);
	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(svx_vmxon_region, cpu));
		per_cpu(svx_vmxon_region, cpu) = NULL;
	}
	svx_kick_masks_free();
}
