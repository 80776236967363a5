/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's FPU/XSAVE state and XCR0 (x86/fpu.c). */
#ifndef SVX_X86_FPU_H
#define SVX_X86_FPU_H

#include <linux/bits.h>
#include <linux/types.h>

struct svx_vcpu;

/* "Enable XSAVES/XRSTORS" (SECONDARY_EXEC_XSAVES in 6.1, _ENABLE_XSAVES later) */
#define SVX_SECONDARY_XSAVES	BIT(20)

/* One XMM register's 16 bytes (svx_fpu_get_xmm()/svx_fpu_set_xmm()). */
typedef struct { u64 q[2]; } sse128_t;

extern u64 svx_supported_xcr0;	/* host XCR0 & what the module delivers */

void svx_fpu_init(bool xsaves_control);
u32 svx_xstate_size(u64 xstate_bv, bool compacted);
int svx_fpu_xsave2_size(void);
int svx_fpu_vcpu_init(struct svx_vcpu *vcpu);
void svx_fpu_vcpu_free(struct svx_vcpu *vcpu);
void svx_fpu_load_guest(struct svx_vcpu *vcpu);
void svx_fpu_put_guest(struct svx_vcpu *vcpu);
void svx_fpu_prepare_entry(struct svx_vcpu *vcpu);
void svx_fpu_load_guest_xcr0(struct svx_vcpu *vcpu);
void svx_fpu_load_host_xcr0(struct svx_vcpu *vcpu);
void svx_fpu_update_cpuid(struct svx_vcpu *vcpu);
bool svx_fpu_xsaves_usable(void);
bool svx_fpu_after_set_cpuid(struct svx_vcpu *vcpu);
int svx_fpu_xss_msr(struct svx_vcpu *vcpu, u64 *data, bool write, bool host);
int svx_handle_xsetbv(struct svx_vcpu *vcpu);
long svx_fpu_ioctl(struct svx_vcpu *vcpu, unsigned int ioctl,
		   void __user *argp);
void svx_fpu_get_xmm(struct svx_vcpu *vcpu, int reg, sse128_t *v);
void svx_fpu_set_xmm(struct svx_vcpu *vcpu, int reg, const sse128_t *v);
void svx_fpu_get_mmx(struct svx_vcpu *vcpu, int reg, u64 *v);
void svx_fpu_set_mmx(struct svx_vcpu *vcpu, int reg, u64 v);
u16 svx_fpu_get_fcw(struct svx_vcpu *vcpu);
u16 svx_fpu_get_fsw(struct svx_vcpu *vcpu);

#endif /* SVX_X86_FPU_H */
