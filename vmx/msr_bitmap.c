// SPDX-License-Identifier: GPL-2.0
/*
 * MSR bitmaps (SDM Vol. 3C 25.6.9): which guest RDMSR/WRMSR exit.
 *
 * Each vCPU has one 4 KiB bitmap.  Every MSR exits except those kvm_intel
 * 6.1 passes through on every vCPU (vmx_vcpu_create()): FS_BASE, GS_BASE,
 * KERNEL_GS_BASE and SYSENTER_CS/ESP/EIP, read and write, and TSC, read.
 * The CPU then reads and writes them in the guest state itself: the bases
 * and SYSENTER MSRs are VMCS guest fields, KERNEL_GS_BASE is in the
 * VM-entry load / VM-exit store MSR area (vmx/vmx.c), and a read of the
 * TSC returns the TSC (scaled, with TSC scaling on) + TSC offset as the
 * RDMSR exit handler would.  A guest
 * without FSGSBASE writes FS_BASE and KERNEL_GS_BASE on every context
 * switch between processes: one exit each before this.
 *
 * An MSR filter (core/msr_filter.c) that denies one of these accesses
 * makes it exit again, to be refused there, as KVM's
 * vmx_msr_filter_changed(): a filter change asks every vCPU to rebuild
 * its bitmap (SVX_REQ_MSR_FILTER) before its next entry.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/gfp.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "vmx_int.h"
#include "vm.h"

/* Offsets in the page: read low, read high, write low, write high. */
#define SVX_MSRBM_READ		0x000
#define SVX_MSRBM_WRITE		0x800
#define SVX_MSRBM_HIGH		0x400	/* MSRs 0xc0000000-0xc0001fff */

static const struct {
	u32 index;
	u32 type;	/* KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE */
} svx_msr_passthrough[] = {
	{ MSR_IA32_TSC, KVM_MSR_FILTER_READ },
	{ MSR_FS_BASE, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
	{ MSR_GS_BASE, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
	{ MSR_KERNEL_GS_BASE, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
	{ MSR_IA32_SYSENTER_CS, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
	{ MSR_IA32_SYSENTER_ESP, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
	{ MSR_IA32_SYSENTER_EIP, KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE },
};

/* Make accesses of @type to @index exit (@intercept) or not. */
static void svx_msr_bitmap_set(unsigned long *bitmap, u32 index, u32 type,
			       bool intercept)
{
	u32 base, bit;
	int i;

	if (index <= 0x1fff) {
		base = 0;
		bit = index;
	} else if (index >= 0xc0000000 && index <= 0xc0001fff) {
		base = SVX_MSRBM_HIGH;
		bit = index - 0xc0000000;
	} else {
		return;		/* outside the bitmap: always exits */
	}
	for (i = 0; i < 2; i++) {
		u32 t = i ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
		unsigned long *p = (void *)bitmap + base +
				   (i ? SVX_MSRBM_WRITE : SVX_MSRBM_READ);

		if (!(type & t))
			continue;
		if (intercept)
			__set_bit(bit, p);
		else
			__clear_bit(bit, p);
	}
}

/* Rebuild @vcpu's bitmap from the VM's MSR filter; the vCPU's thread. */
void svx_msr_bitmap_update(struct svx_vcpu *vcpu)
{
	int i, t;

	for (i = 0; i < ARRAY_SIZE(svx_msr_passthrough); i++)
		for (t = KVM_MSR_FILTER_READ; t <= KVM_MSR_FILTER_WRITE; t <<= 1)
			if (svx_msr_passthrough[i].type & t)
				svx_msr_bitmap_set(to_vmx(vcpu)->msr_bitmap,
						   svx_msr_passthrough[i].index,
						   t, !svx_msr_allowed(vcpu,
						   svx_msr_passthrough[i].index,
						   t));
}

/* A bitmap where everything exits, then the pass-throughs; VMCS loaded. */
int svx_msr_bitmap_init(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	if (!(svx_vmcs_conf.proc & CPU_BASED_USE_MSR_BITMAPS))
		return 0;
	vmx->msr_bitmap = (void *)svx_fallible(get_zeroed_page(GFP_KERNEL_ACCOUNT));
	if (!vmx->msr_bitmap)
		return -ENOMEM;
	memset(vmx->msr_bitmap, 0xff, PAGE_SIZE);
	svx_msr_bitmap_update(vcpu);
	return 0;
}

void svx_msr_bitmap_free(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	free_page((unsigned long)vmx->msr_bitmap);
	vmx->msr_bitmap = NULL;
}
