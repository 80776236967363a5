/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the files of core/. */
#ifndef SVX_CORE_H
#define SVX_CORE_H

#include "../include/svx.h"

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

#endif /* SVX_CORE_H */
