/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the files of core/. */
#ifndef SVX_CORE_H
#define SVX_CORE_H

#include "svx.h"

long svx_create_vm(unsigned long type);
long svx_check_extension(long ext);
int svx_create_vcpu(struct svx_vm *vm, unsigned long id);
void svx_vm_get(struct svx_vm *vm);
void svx_stats_add(struct svx_stats *sum, const struct svx_stats *s);
long svx_msr_io(struct svx_vcpu *vcpu, void __user *argp,
		int (*do_msr)(struct svx_vcpu *vcpu, u32 index, u64 *data),
		bool writeback);
long svx_copy_stats_to_user(void __user *argp, const struct svx_stats *s,
			    u32 paging, u32 nr_vcpus);

/* core/dirty_log.c */
long svx_dirty_log_caps(void);
int svx_dirty_log_enable_cap(struct svx_vm *vm, const struct kvm_enable_cap *cap);
int svx_dirty_log_prepare(struct svx_vm *vm, enum svx_mr_change change,
			  const struct svx_memslot *old, struct svx_memslot *new);
void svx_dirty_log_commit(struct svx_vm *vm, enum svx_mr_change change,
			  u32 old_flags, unsigned long *old_bitmap,
			  const struct svx_memslot *new);
void svx_dirty_log_free_all(struct svx_memslots *slots);
long svx_get_dirty_log(struct svx_vm *vm, void __user *argp);
long svx_clear_dirty_log(struct svx_vm *vm, void __user *argp);

/* core/sync_regs.c */
long svx_sync_regs_caps(void);
long svx_run_sync_regs(struct svx_vcpu *vcpu);

/* core/stats.c */
long svx_get_stats_fd(struct svx_vm *vm, struct svx_vcpu *vcpu);

#endif /* SVX_CORE_H */
