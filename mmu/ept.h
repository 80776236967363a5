/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT mode: the interfaces of mmu/ept.c (EPT tables, EPT violations, the
 * paging-mode ioctls) and vmx/vmx_ept.c (capabilities, VMCS controls,
 * control registers, VPID, INVEPT/INVVPID) to the rest of the module.
 * Included at the end of include/svx.h.
 */
#ifndef SVX_MMU_EPT_H
#define SVX_MMU_EPT_H

struct svx_vm;
struct svx_vcpu;

static inline bool svx_vm_ept(const struct svx_vm *vm)
{
	return vm->paging == SVX_PAGING_EPT;
}

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

/* mmu/ept.c */
int svx_ept_init(void);
u32 svx_ept_default_paging(void);
int svx_ept_vm_init(struct svx_vm *vm);
void svx_ept_vm_destroy(struct svx_vm *vm);
long svx_ept_set_paging(struct svx_vm *vm, unsigned long mode);
long svx_ept_get_caps(void __user *argp);
/*
 * EPT violation at @gpa, @error_code SVX_ACC_WRITE / SVX_ACC_FETCH as
 * vmx/ decoded it; EPT misconfiguration at @gpa.  SVX_RESUME, SVX_USER,
 * -errno, or SVX_EMULATE: an MMIO access, for the exit handler to emulate.
 */
int svx_ept_page_fault(struct svx_vcpu *vcpu, u64 gpa, u32 error_code);
int svx_ept_misconfig(struct svx_vcpu *vcpu, u64 gpa);
void svx_ept_zap_all(struct svx_vm *vm);
void svx_ept_memslots_changed(struct svx_vm *vm, u64 gen);
void svx_ept_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end);
/* Dirty logging: clear W in @gfn's leaf; mmu_lock held; true: INVEPT. */
bool svx_ept_write_protect_gfn(struct svx_vm *vm, u64 gfn);
u64 svx_ept_trace(struct svx_vm *vm, u64 gpa, struct svx_walk_trace *t);

/* vmx/vmx_ept.c */
void svx_ept_probe(void);
void svx_ept_vmxon_flush(void);
void svx_ept_invept_all_cpus(struct svx_vm *vm);
void svx_ept_vmcs_init(struct svx_vcpu *vcpu);
void svx_ept_update_cr4_mask(struct svx_vcpu *vcpu);
void svx_ept_vcpu_free(struct svx_vcpu *vcpu);
void svx_ept_update_hw_cr(struct svx_vcpu *vcpu);
void svx_ept_read_exit_info(struct svx_vcpu *vcpu);
void svx_vpid_prepare_entry(struct svx_vcpu *vcpu);
void svx_vpid_vmcs_init(struct svx_vcpu *vcpu);
void svx_vpid_flush_gva(struct svx_vcpu *vcpu, u64 gva);

#endif /* SVX_MMU_EPT_H */
