/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel PIT's VM ioctls and port I/O (core/pit.c), for core/vm.c
 * and the PIO exit path.  The ioctls return KVM's values.
 */
#ifndef SVX_CORE_PIT_H
#define SVX_CORE_PIT_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct svx_vm;
struct svx_pit;

/* KVM_CREATE_PIT2 (@argp: struct kvm_pit_config), KVM_CREATE_PIT */
long svx_vm_create_pit2(struct svx_vm *vm, void __user *argp);
long svx_vm_create_pit(struct svx_vm *vm);
/* KVM_GET/SET_PIT2 (struct kvm_pit_state2), KVM_GET/SET_PIT */
long svx_vm_get_pit2(struct svx_vm *vm, void __user *argp);
long svx_vm_set_pit2(struct svx_vm *vm, void __user *argp);
long svx_vm_get_pit(struct svx_vm *vm, void __user *argp);
long svx_vm_set_pit(struct svx_vm *vm, void __user *argp);
/* KVM_REINJECT_CONTROL (struct kvm_reinject_control) */
long svx_vm_reinject_control(struct svx_vm *vm, void __user *argp);
/*
 * One byte of port I/O at @port: 0 if the in-kernel PIT handled it (ports
 * 0x40-0x43; 0x61 if created with KVM_PIT_SPEAKER_DUMMY), -EOPNOTSUPP if
 * not (no PIT, or not its port).  Takes vm->irq_lock.
 */
int svx_pit_pio(struct svx_vm *vm, u16 port, bool write, u8 *val);
/*
 * A PIO exit of @len (1, 2, 4) bytes at @port: KVM's bus rules (0x40 +
 * len <= 0x44, or 0x61), then svx_pit_pio() on the first byte.
 */
int svx_pit_pio_len(struct svx_vm *vm, u16 port, unsigned int len, bool write,
		    void *data);
/* GSI 0 acknowledged / unmasked (KVM's ack and mask notifiers); irq_lock held. */
void svx_pit_gsi0_acked(struct svx_vm *vm);
void svx_pit_gsi0_unmasked(struct svx_vm *vm);
/* At VM destruction (no vCPU runs any more). */
void svx_pit_destroy(struct svx_vm *vm);

#endif /* SVX_CORE_PIT_H */
