/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT mode, the VMX side: what the CPU offers (svx_ept_probe() at module
 * load), the VMCS controls and control registers of EPT-mode vCPUs, VPID,
 * INVEPT/INVVPID (vmx/vmx_ept.c).  The MMU side is mmu/ept.h; mmu/ reaches
 * the two functions it needs through mmu/mmu_host.h.
 */
#ifndef SVX_VMX_VMX_EPT_H
#define SVX_VMX_VMX_EPT_H

#include <linux/types.h>

struct svx_vm;
struct svx_vcpu;

/* What the CPU offers, filled by svx_ept_probe() at module load. */
struct svx_ept_caps {
	u64 ept_vpid_cap;	/* IA32_VMX_EPT_VPID_CAP */
	u32 proc2_allowed;	/* secondary controls allowed to be 1 */
	u32 proc_may_clear;	/* CR3-load/store and INVLPG exiting clearable */
	u32 flags;		/* SVX_CAP_* */
	bool ept_usable;	/* EPT mode possible (else why_not says why) */
	const char *why_not;
	bool invept_single, invept_global;
	bool invvpid_single, invvpid_global, invvpid_addr;
};

extern struct svx_ept_caps svx_ept_caps;

/* vmx/vmx_ept.c */
void svx_ept_probe(void);
void svx_ept_vmxon_flush(void);
void svx_ept_invept_all_cpus(struct svx_vm *vm);
void svx_ept_vmcs_init(struct svx_vcpu *vcpu);
void svx_ept_load_eptp(struct svx_vcpu *vcpu);
void svx_ept_update_cr4_mask(struct svx_vcpu *vcpu);
void svx_ept_vcpu_free(struct svx_vcpu *vcpu);
void svx_ept_update_hw_cr(struct svx_vcpu *vcpu);
void svx_ept_read_exit_info(struct svx_vcpu *vcpu);
void svx_vpid_prepare_entry(struct svx_vcpu *vcpu);
void svx_vpid_vmcs_init(struct svx_vcpu *vcpu);
void svx_vpid_flush_gva(struct svx_vcpu *vcpu, u64 gva);

#endif /* SVX_VMX_VMX_EPT_H */
