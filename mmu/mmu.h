/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mmu/ offers its host: per-VM and per-vCPU MMU state, the fault
 * and reload entry points, zaps, write tracking and the walk trace.  What
 * mmu/ needs from its host is in mmu_host.h.
 */
#ifndef SVX_MMU_MMU_H
#define SVX_MMU_MMU_H

#include "svx.h"

/* mmu/mmu.c */
int svx_mmu_vm_init(struct svx_vm *vm);
void svx_mmu_vm_destroy(struct svx_vm *vm);
int svx_mmu_vcpu_init(struct svx_vcpu *vcpu);
void svx_mmu_vcpu_destroy(struct svx_vcpu *vcpu);
int svx_mmu_reload(struct svx_vcpu *vcpu);
void svx_mmu_reset_context(struct svx_vcpu *vcpu);
int svx_mmu_page_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code);
int svx_mmu_zap_prepare(struct svx_vm *vm);
void svx_mmu_zap_all(struct svx_vm *vm);
unsigned long svx_mmu_max_sps(struct svx_vm *vm);
void svx_mmu_set_max_sps(struct svx_vm *vm, unsigned long n);
/* The host pages behind gfns [start, end) are going away (any guest mode). */
void svx_mmu_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end);
/* Before a fault looks up and pins a page; under mmu_lock before installing. */
unsigned long svx_mmu_seq_begin(struct svx_vm *vm);
bool svx_mmu_seq_retry(struct svx_vm *vm, unsigned long seq);
void svx_mmu_memslots_changed(struct svx_vm *vm, u64 gen);
/* Dirty logging: write-protect @gfn; mmu_lock held; true: flush needed. */
bool svx_mmu_write_protect_gfn(struct svx_vm *vm, u64 gfn);
int svx_gva_to_gpa(struct svx_vcpu *vcpu, u64 gva, u64 *gpa);
int svx_mmu_load_pdptrs(struct svx_vcpu *vcpu, u64 cr3);
void svx_mmu_invlpg(struct svx_vcpu *vcpu, u64 gva);
void svx_mmu_sync_all(struct svx_vcpu *vcpu);
void svx_mmu_invpcid_gva(struct svx_vcpu *vcpu, u64 gva);
void svx_mmu_track_write(struct svx_vcpu *vcpu, u64 gpa, unsigned int len);
void svx_mmu_pte_write(struct svx_vcpu *vcpu, u64 gpa, u64 new,
		       unsigned int size, bool written);
void svx_mmu_unprotect_gfn(struct svx_vcpu *vcpu, u64 gfn);
struct svx_walk_env;
void svx_walk_env(struct svx_vcpu *vcpu, struct svx_walk_env *env);
/*
 * One host level of a walk trace: entry @e at index @idx of the host
 * table at @table_pa (shadow or EPT).  The caller adds the H_* flags.
 */
static inline void svx_wt_host_level(struct svx_wt_level *l, u64 table_pa,
				     unsigned int idx, u64 e)
{
	l->table = table_pa;
	l->entry_addr = table_pa + idx * sizeof(u64);
	l->index = idx;
	l->entry = e;
	l->flags = SVX_WT_L_VALID;
}

u64 svx_mmu_trace_shadow(struct svx_vcpu *vcpu, u64 gva, u64 gfn,
			 struct svx_walk_trace *t);

/* mmu/walktrace.c */
long svx_walk_trace(struct svx_vcpu *vcpu, void __user *argp);
long svx_walk_trace2(struct svx_vcpu *vcpu, void __user *argp);

#endif /* SVX_MMU_MMU_H */
