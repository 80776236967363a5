/* SPDX-License-Identifier: GPL-2.0 */
/* Speculation mitigations at VM entry (vmx/spec.c). */
#ifndef SVX_VMX_SPEC_H
#define SVX_VMX_SPEC_H

#include <linux/jump_label.h>

struct svx_vcpu;

/* @ept: EPT mode is available on this CPU. */
int svx_spec_init(bool ept);
void svx_spec_exit(void);

/* on when the L1D flush is ever needed (KVM's vmx_l1d_should_flush) */
DECLARE_STATIC_KEY_FALSE(svx_l1d_should_flush);
void __svx_l1d_flush(struct svx_vcpu *vcpu);

/* Right before VM entry, interrupts off: a patched-out jump when never. */
static __always_inline void svx_l1d_flush(struct svx_vcpu *vcpu)
{
	if (static_branch_unlikely(&svx_l1d_should_flush))
		__svx_l1d_flush(vcpu);
}
void svx_ibpb_vmcs_switch(struct svx_vcpu *vcpu);

#endif
