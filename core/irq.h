/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel irqchip glue (core/irqchip.c) and KVM_IOEVENTFD/KVM_IRQFD
 * (core/eventfd.c), for the exit handlers and core/'s ioctls.  The device
 * models themselves are in irqchip/.
 */
#ifndef SVX_CORE_IRQ_H
#define SVX_CORE_IRQ_H

#include "svx.h"

/* core/irqchip.c */
bool svx_irqchip_in_kernel(struct svx_vm *vm);
void svx_vcpu_kick(struct svx_vcpu *vcpu);
bool svx_irqchip_send_fixed(struct svx_vcpu *vcpu, u8 vector);
long svx_vm_create_irqchip(struct svx_vm *vm);
void svx_irqchip_destroy(struct svx_vm *vm);
long svx_vm_irq_line(struct svx_vm *vm, void __user *argp, bool status);
long svx_vm_irqchip_state(struct svx_vm *vm, void __user *argp, bool set);
long svx_vm_set_gsi_routing(struct svx_vm *vm, void __user *argp);
long svx_vm_signal_msi(struct svx_vm *vm, void __user *argp);
int svx_irqchip_vcpu_init(struct svx_vcpu *vcpu);
void svx_irqchip_vcpu_destroy(struct svx_vcpu *vcpu);
void svx_irqchip_after_set_cpuid(struct svx_vcpu *vcpu);
void svx_irqchip_tsc_khz_changed(struct svx_vcpu *vcpu);
void svx_irqchip_set_cmci(struct svx_vcpu *vcpu, bool cmci);
void svx_irqchip_deliver_cmci(struct svx_vcpu *vcpu);
long svx_vcpu_lapic_state(struct svx_vcpu *vcpu, void __user *argp, bool set);
u32 svx_vcpu_get_mp_state(struct svx_vcpu *vcpu);
int svx_vcpu_set_mp_state(struct svx_vcpu *vcpu, u32 state);
int svx_irqchip_vcpu_ready(struct svx_vcpu *vcpu);
/* SMM (vmx/smm.c): an INIT latched while in SMM, as KVM_APIC_INIT */
bool svx_irqchip_latched_init(struct svx_vcpu *vcpu);
void svx_irqchip_set_latched_init(struct svx_vcpu *vcpu, bool init);
int svx_irqchip_run_uninit(struct svx_vcpu *vcpu);
int svx_irqchip_take_interrupt(struct svx_vcpu *vcpu, bool take, bool *more);
void svx_irqchip_pull_nmi(struct svx_vcpu *vcpu);
bool svx_irqchip_mmio(struct svx_vcpu *vcpu, u64 gpa, bool write, void *val,
		      unsigned int len);
bool svx_irqchip_pio(struct svx_vcpu *vcpu, u16 port, bool write, u32 *val,
		     unsigned int size);
int svx_irqchip_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool write,
		    bool host);
u64 svx_irqchip_get_cr8(struct svx_vcpu *vcpu);
void svx_irqchip_set_cr8(struct svx_vcpu *vcpu, u64 cr8);
long svx_vcpu_set_vapic_addr(struct svx_vcpu *vcpu, void __user *argp);
long svx_vcpu_tpr_access_reporting(struct svx_vcpu *vcpu, void __user *argp);
void svx_irqchip_sync_to_vapic(struct svx_vcpu *vcpu);
void svx_irqchip_sync_from_vapic(struct svx_vcpu *vcpu);
int svx_irqchip_reg_msr(struct svx_vcpu *vcpu, u32 reg, u64 *data,
			bool write);
int svx_irqchip_set_pv_eoi(struct svx_vcpu *vcpu, u64 data);
void svx_irqchip_pv_eoi_to_guest(struct svx_vcpu *vcpu);
void svx_irqchip_pv_eoi_from_guest(struct svx_vcpu *vcpu);

/* core/eventfd.c: KVM_IOEVENTFD, KVM_IRQFD */
int svx_eventfd_vm_init(struct svx_vm *vm);
void svx_eventfd_vm_destroy(struct svx_vm *vm);
long svx_vm_ioeventfd(struct svx_vm *vm, void __user *argp);
long svx_vm_irqfd(struct svx_vm *vm, void __user *argp);
void svx_irqfd_release(struct svx_vm *vm);
void svx_irqfd_acked(struct svx_vm *vm, u32 gsi);
struct eventfd_ctx;
void svx_eventfd_signal(struct eventfd_ctx *ctx);
bool svx_ioeventfd_pio(struct svx_vcpu *vcpu, u16 port, int len,
		       const void *val);
bool svx_ioeventfd_mmio(struct svx_vcpu *vcpu, u64 gpa, int len,
			const void *val);

#endif /* SVX_CORE_IRQ_H */
