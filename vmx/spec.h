/* SPDX-License-Identifier: GPL-2.0 */
/* Speculation mitigations at VM entry (vmx/spec.c). */
#ifndef SVX_VMX_SPEC_H
#define SVX_VMX_SPEC_H

struct svx_vcpu;

/* @ept: EPT mode is available on this CPU. */
int svx_spec_init(bool ept);
void svx_spec_exit(void);
void svx_l1d_flush(struct svx_vcpu *vcpu);
void svx_ibpb_vmcs_switch(struct svx_vcpu *vcpu);

#endif
