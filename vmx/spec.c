// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative-execution mitigations around VM entry, as kvm_intel 6.1
 * applies them, decided from the host kernel's own findings (X86_BUG_*,
 * X86_FEATURE_*, l1tf_mitigation); nothing here is a policy of our own.
 *
 * - L1TF: a guest that controls its own page tables (EPT mode) can make
 *   the CPU speculate on an L1D line through a not-present guest PTE.  On
 *   an affected CPU (unless ARCH_CAPABILITIES says SKIP_VMENTRY_L1DFLUSH)
 *   the L1D is flushed before VM entry: with the FLUSH_CMD MSR, or by
 *   reading 64 KiB of our own pages (KVM's software sequence).  As KVM's
 *   default ("cond", from l1tf=flush), only when host code that may have
 *   pulled secrets into L1D ran since the last entry: a KVM_RUN, an
 *   emulated instruction, a context switch of the vCPU thread, or an
 *   interrupt (the kernel's per-CPU kvm_cpu_l1tf_flush_l1d, set by every
 *   interrupt entry); l1tf=full flushes on every entry, l1tf=off never.
 *   A shadow-paging VM needs none: the guest never controls a not-present
 *   entry the CPU walks (MMIO SPTEs are made safe in mmu/spte.h), as
 *   kvm_intel with ept=0.
 * - MDS/TAA/RFDS and the like: VERW right before VMLAUNCH/VMRESUME when
 *   the kernel set X86_FEATURE_CLEAR_CPU_BUF(_VM) (vmx/vmenter.S).  KVM's
 *   extra VERW for MMIO stale data applies to VMs with an assigned device
 *   only, which shadowvmx never has.
 * - Spectre v2 between guests: IBPB when a CPU switches to another vCPU's
 *   VMCS (X86_FEATURE_USE_IBPB), as vmx_vcpu_load_vmcs().
 * The entries and flushes are counted (SVX_STAT_L1D_FLUSH, SVX_STAT_IBPB).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/vmx.h>

#include "vmx_int.h"
#include "spec.h"

#define SVX_L1D_ORDER	4	/* 64 KiB: the L1D is 32 KiB, not exactly LRU */

enum svx_l1d_mode { SVX_L1D_NEVER, SVX_L1D_COND, SVX_L1D_ALWAYS };

static enum svx_l1d_mode svx_l1d_mode;
DEFINE_STATIC_KEY_FALSE(svx_l1d_should_flush);
static void *svx_l1d_pages;

static const char * const svx_l1d_names[] = {
	[SVX_L1D_NEVER] = "not needed", [SVX_L1D_COND] = "conditional",
	[SVX_L1D_ALWAYS] = "on every entry",
};

static enum svx_l1d_mode svx_l1d_wanted(bool ept)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF) || !ept)
		return SVX_L1D_NEVER;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	if (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)
		return SVX_L1D_NEVER;
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return SVX_L1D_NEVER;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return SVX_L1D_ALWAYS;
	default:
		return SVX_L1D_COND;
	}
}

int svx_spec_init(bool ept)
{
	struct page *page;
	int i;

	svx_l1d_mode = svx_l1d_wanted(ept);
	if (svx_l1d_mode != SVX_L1D_NEVER)
		static_branch_enable(&svx_l1d_should_flush);
	else
		static_branch_disable(&svx_l1d_should_flush);
	if (svx_l1d_mode != SVX_L1D_NEVER &&
	    !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		/* Not a VM's memory: not charged to a memcg (as KVM). */
		page = svx_fallible(alloc_pages(GFP_KERNEL, SVX_L1D_ORDER));
		if (!page)
			return -ENOMEM;
		svx_l1d_pages = page_address(page);
		/* A pattern per page, so KSM of a nested host merges none. */
		for (i = 0; i < 1u << SVX_L1D_ORDER; i++)
			memset(svx_l1d_pages + i * PAGE_SIZE, i + 1, PAGE_SIZE);
	}
	pr_info("EPT-mode L1D flush before VM entry: %s%s; VERW before entry: %s; IBPB on VMCS switch: %s\n",
		svx_l1d_names[svx_l1d_mode],
		svx_l1d_mode == SVX_L1D_NEVER ? "" :
		svx_l1d_pages ? " (software)" : " (FLUSH_CMD)",
		boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF) ||
		boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM) ? "yes" : "no",
		boot_cpu_has(X86_FEATURE_USE_IBPB) ? "yes" : "no");
	return 0;
}

void svx_spec_exit(void)
{
	if (svx_l1d_pages)
		free_pages((unsigned long)svx_l1d_pages, SVX_L1D_ORDER);
	svx_l1d_pages = NULL;
}

/* Right before VM entry, interrupts off (svx_l1d_flush(), spec.h). */
void __svx_l1d_flush(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned long switches = current->nvcsw + current->nivcsw;
	int size = PAGE_SIZE << SVX_L1D_ORDER;
	bool flush;

	if (svx_l1d_mode == SVX_L1D_NEVER || !svx_vm_ept(vcpu->vm))
		return;
	flush = svx_l1d_mode == SVX_L1D_ALWAYS || vmx->l1d_flush ||
		kvm_get_cpu_l1tf_flush_l1d() || switches != vmx->l1d_switches;
	vmx->l1d_flush = false;
	vmx->l1d_switches = switches;
	kvm_clear_cpu_l1tf_flush_l1d();
	if (!flush)
		return;
	vcpu->stats.misc[SVX_STAT_L1D_FLUSH]++;
	if (static_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	/* KVM's vmx_l1d_flush(): the TLB first, then every cache line. */
	asm volatile("xorl %%eax, %%eax\n"
		     "1: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "addl $4096, %%eax\n\t"
		     "cmpl %%eax, %[size]\n\t"
		     "jne 1b\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "xorl %%eax, %%eax\n"
		     "2: movzbl (%[pages], %%rax), %%ecx\n\t"
		     "addl $64, %%eax\n\t"
		     "cmpl %%eax, %[size]\n\t"
		     "jne 2b\n\t"
		     "lfence\n"
		     : : [pages] "r" (svx_l1d_pages), [size] "r" (size)
		     : "eax", "ebx", "ecx", "edx", "memory");
}

/* The CPU now runs another vCPU's VMCS: no branch predictions carry over. */
void svx_ibpb_vmcs_switch(struct svx_vcpu *vcpu)
{
	if (!boot_cpu_has(X86_FEATURE_USE_IBPB))
		return;
	indirect_branch_prediction_barrier();
	vcpu->stats.misc[SVX_STAT_IBPB]++;
}
