// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip, kernel side: the host of the device models in
 * irqchip/ (the svx_irq_host_* functions), the ioctls of KVM's in-kernel
 * irqchip (KVM_CREATE_IRQCHIP, KVM_IRQ_LINE(_STATUS), KVM_GET/SET_IRQCHIP,
 * KVM_SET_GSI_ROUTING, KVM_SIGNAL_MSI, KVM_GET/SET_LAPIC,
 * KVM_GET/SET_MP_STATE), and what a vCPU with a local APIC does
 * differently from one with a userspace irqchip: the APIC's MMIO page,
 * MSRs and CR8 are handled here, HLT and wait-for-SIPI block in the kernel
 * until an interrupt, NMI, INIT or SIPI arrives (KVM's kvm_vcpu_block()),
 * and INIT/SIPI are carried out as KVM's kvm_apic_accept_events().
 *
 * Locking: vm->irq_lock (a raw spinlock, interrupts off: the APIC timer's
 * hrtimer fires in hard interrupt context) covers every model; a model
 * that makes something pending at a vCPU calls svx_irq_host_kick(), which
 * sets SVX_REQ_EVENT, wakes the vCPU if it blocks and interrupts its CPU
 * if it runs the guest.  The vCPU clears SVX_REQ_EVENT before it looks at
 * its APIC (svx_irqchip_inject()), so a kick is never lost.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <trace/events/ipi.h>	/* smp_send_reschedule() in 6.6+ */
#include <asm/apicdef.h>
#include <asm/tsc.h>
#include <asm/msr-index.h>
#include <asm/kvm_para.h>	/* KVM_MSR_ENABLED */

#include "svx.h"
#include "pit.h"
#include "irqchip.h"
#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"
#include "vm.h"
#include "irq.h"
#include "hyperv.h"

/* A vCPU's local APIC and the hrtimer behind its timer. */
struct svx_vapic {
	struct svx_lapic lapic;
	struct hrtimer timer;
	u64 armed_ns;		/* what the hrtimer is armed for; 0: not */
	struct svx_vcpu *vcpu;
};

static struct svx_vapic *to_vapic(struct svx_lapic *a)
{
	return container_of(a, struct svx_vapic, lapic);
}

static struct svx_irqchip *svx_chip(struct svx_vm *vm)
{
	/* Pairs with the smp_store_release() of svx_vm_create_irqchip(). */
	return smp_load_acquire(&vm->irqchip);
}

bool svx_irqchip_in_kernel(struct svx_vm *vm)
{
	return svx_chip(vm);
}

/* ------------------------------------------------------------------ */
/* The models' host                                                    */

void svx_vcpu_kick(struct svx_vcpu *vcpu)
{
	int cpu;

	set_bit(SVX_REQ_EVENT, &vcpu->requests);
	/* Order the request before the mode: see svx_kick_all(). */
	smp_mb__after_atomic();
	rcuwait_wake_up(&vcpu->wait);
	cpu = READ_ONCE(vcpu->cpu);
	if (READ_ONCE(vcpu->mode) == SVX_IN_GUEST && cpu >= 0 &&
	    cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

void svx_irq_host_kick(struct svx_irqchip *chip, int idx)
{
	struct svx_vm *vm = chip->host;
	struct svx_vcpu *vcpu;

	if (idx < 0 || idx >= SVX_MAX_VCPUS)
		return;
	/* Not published yet: it looks at its APIC before its first entry. */
	vcpu = READ_ONCE(vm->vcpus[idx]);
	if (vcpu)
		svx_vcpu_kick(vcpu);
}

/*
 * A fixed interrupt of @vector to @vcpu's local APIC alone, as KVM's
 * kvm_apic_set_irq() (Hyper-V's HvSendIpi, core/hyperv.c): false when the
 * vCPU has no in-kernel APIC.
 */
bool svx_irqchip_send_fixed(struct svx_vcpu *vcpu, u8 vector)
{
	struct svx_irq_msg m = {
		.vector = vector,
		.delivery_mode = SVX_DM_FIXED,
	};
	unsigned long flags;
	int r;

	if (!vcpu->lapic)
		return false;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	r = svx_lapic_accept(vcpu->lapic, &m);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	if (r > 0)
		svx_vcpu_kick(vcpu);
	return true;
}

u64 svx_irq_host_now_ns(struct svx_irqchip *chip)
{
	return ktime_get_ns();
}

u64 svx_irq_host_guest_tsc(struct svx_lapic *a)
{
	return svx_guest_tsc(to_vapic(a)->vcpu, rdtsc());
}

void svx_irq_host_timer_arm(struct svx_lapic *a, u64 expires_ns)
{
	struct svx_vapic *v = to_vapic(a);

	v->armed_ns = expires_ns;
	if (!expires_ns) {
		/*
		 * Not hrtimer_cancel(): the callback may be waiting for the
		 * irq_lock we hold; it sees armed_ns == 0 and does nothing.
		 */
		hrtimer_try_to_cancel(&v->timer);
		return;
	}
	hrtimer_start(&v->timer, ns_to_ktime(expires_ns), HRTIMER_MODE_ABS_HARD);
}

/* The GSI routed to @pin of @irqchip (KVM's kvm_irq_map_chip_pin()), or -1. */
static int svx_chip_pin_gsi(struct svx_irqchip *chip, unsigned int irqchip,
			    unsigned int pin)
{
	const struct svx_irq_routing *rt = chip->routing;
	u32 i;

	for (i = 0; rt && i < rt->nr; i++)
		if (rt->e[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    rt->e[i].chip.irqchip == irqchip && rt->e[i].chip.pin == pin)
			return rt->e[i].gsi;
	return -1;
}

/*
 * Ack and mask notifiers: the in-kernel PIT's, on GSI 0, and the irqfd
 * resamplers' (irq_lock held).
 */
void svx_irq_host_acked(struct svx_irqchip *chip, unsigned int irqchip,
			unsigned int pin)
{
	struct svx_vm *vm = chip->host;
	int gsi = svx_chip_pin_gsi(chip, irqchip, pin);

	if (vm->pit && gsi == 0)
		svx_pit_gsi0_acked(vm);
	if (gsi >= 0)
		svx_irqfd_acked(vm, gsi);	/* resamplers: core/eventfd.c */
}

void svx_irq_host_masked(struct svx_irqchip *chip, unsigned int irqchip,
			 unsigned int pin, bool masked)
{
	struct svx_vm *vm = chip->host;

	if (vm->pit && !masked && svx_chip_pin_gsi(chip, irqchip, pin) == 0)
		svx_pit_gsi0_unmasked(vm);
}

/* A KVM_IRQ_ROUTING_HV_SINT route fired (irq_lock held): core/hyperv.c */
int svx_irq_host_hv_sint(struct svx_irqchip *chip, u32 vp_index, u32 sint)
{
	return svx_hv_synic_set_irq(chip->host, vp_index, sint);
}

/* An EOI of a SynIC vector (irq_lock held): core/hyperv.c */
void svx_irq_host_synic_eoi(struct svx_lapic *a, int vector)
{
	svx_hv_synic_eoi(to_vapic(a)->vcpu, vector);
}

void *svx_irq_host_alloc(size_t size)
{
	return svx_fallible(kvzalloc(size, GFP_KERNEL_ACCOUNT));
}

void svx_irq_host_free(void *p)
{
	kvfree(p);
}

static enum hrtimer_restart svx_apic_timer_fn(struct hrtimer *t)
{
	struct svx_vapic *v = container_of(t, struct svx_vapic, timer);
	struct svx_vm *vm = v->vcpu->vm;
	unsigned long flags;
	u64 now = ktime_get_ns(), next;

	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	/* Re-armed or cancelled while this callback waited for the lock. */
	if (v->armed_ns && v->armed_ns <= now) {
		v->armed_ns = 0;
		next = svx_lapic_timer_fn(&v->lapic, now);
		if (next)
			svx_irq_host_timer_arm(&v->lapic, next);
	}
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	svx_vcpu_kick(v->vcpu);
	return HRTIMER_NORESTART;
}

/* ------------------------------------------------------------------ */
/* VM ioctls                                                           */

/* KVM_CREATE_IRQCHIP: PICs, IOAPIC, KVM's default GSI routing. */
long svx_vm_create_irqchip(struct svx_vm *vm)
{
	struct svx_irqchip *chip;
	long r;
	int err = 0;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (vm->irqchip) {
		svx_vm_warn(vm, "KVM_CREATE_IRQCHIP: the VM has one\n");
		goto unlock;
	}
	r = -EINVAL;
	if (vm->nr_vcpus) {
		svx_vm_warn(vm, "KVM_CREATE_IRQCHIP: after KVM_CREATE_VCPU\n");
		goto unlock;
	}
	r = -ENOMEM;
	chip = svx_fallible(kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT));
	if (!chip)
		goto unlock;
	svx_irqchip_init(chip, vm);
	chip->routing = svx_irq_routing_default(&err);
	if (!chip->routing) {
		kfree(chip);
		r = err ? err : -ENOMEM;
		goto unlock;
	}
	/* The chip complete before it is seen: pairs with svx_chip(). */
	smp_store_release(&vm->irqchip, chip);
	r = 0;
unlock:
	mutex_unlock(&vm->lock);
	return r;
}

void svx_irqchip_destroy(struct svx_vm *vm)
{
	struct svx_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	svx_irq_host_free(chip->routing);
	kfree(chip);
	vm->irqchip = NULL;
}

/* KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS */
long svx_vm_irq_line(struct svx_vm *vm, void __user *argp, bool status)
{
	struct svx_irqchip *chip = svx_chip(vm);
	struct kvm_irq_level ev;
	unsigned long flags;
	int st;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (!chip) {
		svx_vm_warn(vm, "KVM_IRQ_LINE: no in-kernel irqchip\n");
		return -ENXIO;
	}
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	st = svx_irq_line(chip, ev.irq, ev.level);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	if (!status)
		return 0;
	ev.status = st;
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

/* KVM_GET_IRQCHIP, KVM_SET_IRQCHIP: the PICs (0, 1) and the IOAPIC (2). */
long svx_vm_irqchip_state(struct svx_vm *vm, void __user *argp, bool set)
{
	struct svx_irqchip *chip = svx_chip(vm);
	struct kvm_irqchip *c;
	unsigned long flags;
	long r = 0;

	c = svx_fallible_ptr(memdup_user(argp, sizeof(*c)));
	if (IS_ERR(c))
		return PTR_ERR(c);
	if (!chip) {
		svx_vm_warn(vm, "KVM_%s_IRQCHIP: no in-kernel irqchip\n",
			    set ? "SET" : "GET");
		r = -ENXIO;
		goto out;
	}
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	switch (c->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (set)
			svx_pic_set(&chip->pic, c->chip_id, &c->chip.pic);
		else
			svx_pic_get(&chip->pic, c->chip_id, &c->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (set)
			svx_ioapic_set(chip, &c->chip.ioapic);
		else
			svx_ioapic_get(&chip->ioapic, &c->chip.ioapic);
		break;
	default:
		r = -EINVAL;
	}
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	if (r)
		svx_vm_warn(vm, "KVM_%s_IRQCHIP: chip_id %u (0-2)\n",
			    set ? "SET" : "GET", c->chip_id);
	else if (!set && copy_to_user(argp, c, sizeof(*c)))
		r = -EFAULT;
out:
	kfree(c);
	return r;
}

/* KVM_SET_GSI_ROUTING, validated as KVM's kvm_set_irq_routing() */
long svx_vm_set_gsi_routing(struct svx_vm *vm, void __user *argp)
{
	struct svx_irqchip *chip = svx_chip(vm);
	struct kvm_irq_routing_entry *e = NULL;
	struct svx_irq_routing *new, *old;
	struct kvm_irq_routing routing;
	unsigned long flags;
	int err = 0;
	u32 i;

	if (copy_from_user(&routing, argp, sizeof(routing)))
		return -EFAULT;
	/* kvm_arch_can_set_irq_routing() is irqchip_in_kernel() */
	if (!chip) {
		svx_vm_warn(vm, "KVM_SET_GSI_ROUTING: no in-kernel irqchip\n");
		return -EINVAL;
	}
	if (routing.nr > SVX_MAX_IRQ_ROUTES || routing.flags) {
		svx_vm_warn(vm, "KVM_SET_GSI_ROUTING: %u entries (max %d), flags %#x\n",
			    routing.nr, SVX_MAX_IRQ_ROUTES, routing.flags);
		return -EINVAL;
	}
	if (routing.nr) {
		e = svx_fallible_ptr(vmemdup_user((u8 __user *)argp +
						  sizeof(routing),
						  array_size(sizeof(*e),
							     routing.nr)));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	new = svx_irq_routing_new(e, routing.nr, &err);
	kvfree(e);
	if (!new) {
		svx_vm_warn(vm, "KVM_SET_GSI_ROUTING: invalid table (%d)\n", err);
		return err ? err : -ENOMEM;
	}
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	old = chip->routing;
	chip->routing = new;
	/* KVM's kvm_hv_irq_routing_update(): each SINT's GSI, for its acks */
	for (i = 0; i < new->nr; i++)
		if (new->e[i].type == KVM_IRQ_ROUTING_HV_SINT)
			svx_hv_set_sint_gsi(vm, new->e[i].hv_sint.vcpu,
					    new->e[i].hv_sint.sint,
					    new->e[i].gsi);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	svx_irq_host_free(old);
	return 0;
}

/* KVM_SIGNAL_MSI: KVM's kvm_send_userspace_msi() */
long svx_vm_signal_msi(struct svx_vm *vm, void __user *argp)
{
	struct svx_irqchip *chip = svx_chip(vm);
	struct kvm_msi msi;
	unsigned long flags;
	int r;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	/* As KVM's kvm_send_userspace_msi(): -EINVAL without an irqchip. */
	if (!chip) {
		svx_vm_warn(vm, "KVM_SIGNAL_MSI: no in-kernel irqchip\n");
		return -EINVAL;
	}
	if (msi.flags & ~KVM_MSI_VALID_DEVID) {
		svx_vm_warn(vm, "KVM_SIGNAL_MSI: flags %#x\n", msi.flags);
		return -EINVAL;
	}
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	r = svx_irq_msi(chip, &msi);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return r;
}

/* ------------------------------------------------------------------ */
/* vCPUs                                                               */

/* KVM_CREATE_VCPU, vm->lock held: a local APIC if the VM has a chip. */
int svx_irqchip_vcpu_init(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_vapic *v;
	unsigned long flags;

	rcuwait_init(&vcpu->wait);
	/* lapics[] is indexed by vCPU id */
	BUILD_BUG_ON(SVX_IRQ_MAX_LAPICS != SVX_MAX_VCPUS);
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	if (!vm->irqchip)
		return 0;
	v = svx_fallible(kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT));
	if (!v)
		return -ENOMEM;
	v->vcpu = vcpu;
	hrtimer_init(&v->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	v->timer.function = svx_apic_timer_fn;
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	vm->irqchip->bsp_vcpu_id = vm->bsp_vcpu_id;	/* fixed once a vCPU exists */
	vm->irqchip->lint0_quirk_off =	/* core/quirks.c */
		!svx_quirk(vm, KVM_X86_QUIRK_LINT0_REENABLED);
	svx_lapic_init(&v->lapic, vm->irqchip, vcpu->id, vcpu->id);
	v->lapic.tsc_khz = vcpu->tsc_khz;	/* the guest's rate, as KVM's */
	vm->irqchip->lapics[vcpu->id] = &v->lapic;
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	vcpu->lapic = &v->lapic;
	/* kvm_arch_vcpu_create(): APs wait for INIT and SIPI */
	if (vcpu->id != vm->bsp_vcpu_id)
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return 0;
}

/*
 * KVM_SET_TSC_KHZ: the TSC-deadline timer converts at the new rate (KVM's
 * virtual_tsc_khz) from its next start, as KVM.
 */
void svx_irqchip_tsc_khz_changed(struct svx_vcpu *vcpu)
{
	unsigned long flags;

	if (!vcpu->lapic)
		return;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	vcpu->lapic->tsc_khz = vcpu->tsc_khz;
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

void svx_irqchip_vcpu_destroy(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_vapic *v;
	unsigned long flags;

	if (!vcpu->lapic)
		return;
	v = to_vapic(vcpu->lapic);
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	vm->irqchip->lapics[vcpu->id] = NULL;
	v->armed_ns = 0;
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	hrtimer_cancel(&v->timer);
	kfree(v);
	vcpu->lapic = NULL;
}

/*
 * KVM_SET_CPUID2 (KVM's kvm_vcpu_after_set_cpuid()): what the APIC allows
 * follows the guest's CPUID: x2APIC, the TSC-deadline timer, MAXPHYADDR.
 */
void svx_irqchip_after_set_cpuid(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e1, *e;
	unsigned int maxphyaddr = 36;
	unsigned long flags;

	if (!vcpu->lapic)
		return;
	e1 = svx_cpuid_find(vcpu, 1, 0);
	e = svx_cpuid_find(vcpu, 0x80000000, 0);
	if (e && e->eax >= 0x80000008) {
		e = svx_cpuid_find(vcpu, 0x80000008, 0);
		if (e)
			maxphyaddr = e->eax & 0xff;
	}
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_set_cpuid(vcpu->lapic,
			    e1 && (e1->ecx & BIT(X86_FEATURE_X2APIC & 31)),
			    e1 && (e1->ecx & BIT(X86_FEATURE_TSC_DEADLINE_TIMER & 31)),
			    maxphyaddr);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/* KVM_X86_SETUP_MCE (KVM's kvm_apic_after_set_mcg_cap()): LVTCMCI or not */
void svx_irqchip_set_cmci(struct svx_vcpu *vcpu, bool cmci)
{
	unsigned long flags;

	if (!vcpu->lapic)
		return;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_set_cmci(vcpu->lapic, cmci);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/*
 * A UCNA in a bank with MCi_CTL2.CMCI_EN (KVM's kvm_vcpu_x86_set_ucna()):
 * a CMCI through LVTCMCI; nothing with the userspace irqchip, as KVM.
 */
void svx_irqchip_deliver_cmci(struct svx_vcpu *vcpu)
{
	unsigned long flags;

	if (!vcpu->lapic)
		return;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_deliver_cmci(vcpu->lapic);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/* KVM_GET_LAPIC, KVM_SET_LAPIC */
long svx_vcpu_lapic_state(struct svx_vcpu *vcpu, void __user *argp, bool set)
{
	struct svx_vm *vm = vcpu->vm;
	struct kvm_lapic_state *s;
	unsigned long flags;
	long r = 0;

	if (!vcpu->lapic) {
		svx_vm_warn(vm, "vcpu%d: KVM_%s_LAPIC: no in-kernel local APIC\n",
			    vcpu->id, set ? "SET" : "GET");
		return -EINVAL;
	}
	if (set) {
		s = svx_fallible_ptr(memdup_user(argp, sizeof(*s)));
		if (IS_ERR(s))
			return PTR_ERR(s);
	} else {
		s = svx_fallible(kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT));
		if (!s)
			return -ENOMEM;
	}
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	if (set)
		r = svx_lapic_set_state(vcpu->lapic, s);
	else
		svx_lapic_get_state(vcpu->lapic, s);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	if (r)
		svx_vm_warn(vm, "vcpu%d: KVM_SET_LAPIC: inconsistent state\n",
			    vcpu->id);
	else if (!set && copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	else if (set)
		svx_vcpu_kick(vcpu);
	kfree(s);
	return r;
}

/*
 * kvm_apic_accept_events(): an INIT resets the vCPU (an AP then waits
 * for a SIPI), a SIPI starts a vCPU that waits for one at vector << 12.
 */
static void svx_irqchip_accept_events(struct svx_vcpu *vcpu)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;
	unsigned int ev;
	u8 vector;
	bool bsp;

	if (!READ_ONCE(a->events))	/* set under the lock, then a kick */
		return;
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	ev = a->events;
	/*
	 * As KVM's kvm_apic_accept_events(): INIT is latched while in SMM
	 * (taken after RSM), a SIPI then dropped.
	 */
	a->events = vcpu->smm.in_smm ? ev & SVX_LAPIC_EV_INIT : 0;
	if (vcpu->smm.in_smm)
		ev &= ~(SVX_LAPIC_EV_INIT | SVX_LAPIC_EV_SIPI);
	vector = a->sipi_vector;
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	/* the SMI delivery mode: KVM's process_smi() */
	if (ev & SVX_LAPIC_EV_SMI)
		vcpu->smm.smi_pending = true;
	if (ev & SVX_LAPIC_EV_INIT) {
		svx_vcpu_init_event(vcpu);
		raw_spin_lock_irqsave(&vm->irq_lock, flags);
		vm->irqchip->lint0_quirk_off =
			!svx_quirk(vm, KVM_X86_QUIRK_LINT0_REENABLED);
		svx_lapic_reset(a, true);
		vcpu->pv_eoi_msr = 0;	/* kvm_lapic_reset()'s pv_eoi.msr_val */
		bsp = a->base & MSR_IA32_APICBASE_BSP;
		raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
		vcpu->mp_state = bsp ? KVM_MP_STATE_RUNNABLE :
				       KVM_MP_STATE_INIT_RECEIVED;
	}
	if ((ev & SVX_LAPIC_EV_SIPI) &&
	    vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		svx_vcpu_deliver_sipi(vcpu, vector);
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

bool svx_irqchip_latched_init(struct svx_vcpu *vcpu)
{
	return READ_ONCE(vcpu->lapic->events) & SVX_LAPIC_EV_INIT;
}

/* KVM_SET_VCPU_EVENTS' smi.latched_init (KVM_VCPUEVENT_VALID_SMM) */
void svx_irqchip_set_latched_init(struct svx_vcpu *vcpu, bool init)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	if (init)
		vcpu->lapic->events |= SVX_LAPIC_EV_INIT;
	else
		vcpu->lapic->events &= ~SVX_LAPIC_EV_INIT;
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	set_bit(SVX_REQ_EVENT, &vcpu->requests);
}

/* KVM_GET_MP_STATE */
u32 svx_vcpu_get_mp_state(struct svx_vcpu *vcpu)
{
	if (vcpu->lapic)
		svx_irqchip_accept_events(vcpu);
	return vcpu->mp_state;
}

/* KVM_SET_MP_STATE, as KVM 6.1's kvm_arch_vcpu_ioctl_set_mpstate() */
int svx_vcpu_set_mp_state(struct svx_vcpu *vcpu, u32 state)
{
	unsigned long flags;

	switch (state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_AP_RESET_HOLD:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		/*
		 * As KVM: INIT and SIPI are blocked in SMM, and an SMI comes
		 * before INIT: no wait-for-SIPI state then.
		 */
		if (vcpu->lapic && (state == KVM_MP_STATE_INIT_RECEIVED ||
				    state == KVM_MP_STATE_SIPI_RECEIVED) &&
		    (vcpu->smm.in_smm || vcpu->smm.smi_pending)) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_MP_STATE %u: INIT/SIPI state in SMM or with an SMI pending\n",
				    vcpu->id, state);
			return -EINVAL;
		}
		if (vcpu->lapic)
			break;
		fallthrough;
	default:
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_MP_STATE %u: %s\n",
			    vcpu->id, state, vcpu->lapic ? "unknown state" :
			    "only RUNNABLE without an in-kernel irqchip");
		return -EINVAL;
	}
	if (state == KVM_MP_STATE_SIPI_RECEIVED) {
		vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
		vcpu->lapic->events |= SVX_LAPIC_EV_SIPI;
		raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	} else {
		vcpu->mp_state = state;
	}
	if (vcpu->lapic)	/* only they clear it (svx_irqchip_vcpu_ready()) */
		set_bit(SVX_REQ_EVENT, &vcpu->requests);
	return 0;
}

/*
 * Under irq_lock: is an interrupt pending for the vCPU, the PIC's (ExtINT)
 * or the local APIC's (KVM's kvm_cpu_has_interrupt())?
 */
static bool svx_irqchip_has_interrupt(struct svx_vcpu *vcpu)
{
	return svx_irqchip_has_extint(vcpu->vm->irqchip, vcpu->id) ||
	       svx_lapic_pending_irq(vcpu->lapic) >= 0;
}

/*
 * Something the vCPU must act on (KVM's kvm_vcpu_has_events()): INIT or
 * SIPI, an NMI, or an interrupt it can take now.
 */
static bool svx_vcpu_has_events(struct svx_vcpu *vcpu)
{
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;
	bool r;

	if (vcpu->nmi_queued || vcpu->inject_pending || vcpu->irq_queued >= 0 ||
	    (vcpu->smm.smi_pending && !vcpu->smm.in_smm) ||
	    svx_hv_has_stimer_pending(vcpu))	/* core/hyperv.c */
		return true;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	r = a->events || a->nmi_pending ||
	    ((vcpu->rflags & X86_EFLAGS_IF) && svx_irqchip_has_interrupt(vcpu));
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return r;
}

/*
 * Before each entry of a vCPU with a local APIC: take INIT and SIPI, and
 * block while the vCPU waits (HLT, wait-for-SIPI) until something wakes
 * it, as KVM's vcpu_block().  1: enter the guest; 0 or -EINTR: return to
 * userspace (run->exit_reason set).
 */
int svx_irqchip_vcpu_ready(struct svx_vcpu *vcpu)
{
	int r;

	if (vcpu->tpr_access) {	/* KVM_REQ_REPORT_TPR_ACCESS */
		vcpu->run->exit_reason = KVM_EXIT_TPR_ACCESS;
		vcpu->run->tpr_access.rip = vcpu->tpr_access_rip;
		vcpu->run->tpr_access.is_write = vcpu->tpr_access == 2;
		vcpu->tpr_access = 0;
		return 0;
	}
	for (;;) {
		clear_bit(SVX_REQ_EVENT, &vcpu->requests);
		/* Clear before looking: pairs with svx_vcpu_kick()'s. */
		smp_mb__after_atomic();
		svx_irqchip_accept_events(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			return 1;
		if ((vcpu->mp_state == KVM_MP_STATE_HALTED ||
		     vcpu->mp_state == KVM_MP_STATE_AP_RESET_HOLD) &&
		    svx_vcpu_has_events(vcpu)) {
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
			return 1;
		}
		vcpu->stats.misc[SVX_STAT_HALT_WAIT]++;
		r = rcuwait_wait_event(&vcpu->wait,
				       test_bit(SVX_REQ_EVENT, &vcpu->requests),
				       TASK_INTERRUPTIBLE);
		if (r) {	/* a signal */
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			vcpu->stats.misc[SVX_STAT_SIGNAL]++;
			return -EINTR;
		}
	}
}

/*
 * KVM_RUN of a vCPU that never ran and waits for INIT/SIPI: as KVM 6.1,
 * block once, take the events, and return -EAGAIN (-EINTR on a signal);
 * the VMM calls KVM_RUN again.
 */
int svx_irqchip_run_uninit(struct svx_vcpu *vcpu)
{
	clear_bit(SVX_REQ_EVENT, &vcpu->requests);
	/* Clear before looking: pairs with svx_vcpu_kick()'s. */
	smp_mb__after_atomic();
	if (!READ_ONCE(vcpu->lapic->events))
		rcuwait_wait_event(&vcpu->wait,
				   test_bit(SVX_REQ_EVENT, &vcpu->requests),
				   TASK_INTERRUPTIBLE);
	svx_irqchip_accept_events(vcpu);
	if (signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		vcpu->stats.misc[SVX_STAT_SIGNAL]++;
		return -EINTR;
	}
	return -EAGAIN;
}

/*
 * Before an entry (VMCS loaded), as KVM's inject_pending_event(): with
 * @take the CPU takes the next interrupt, the PIC's first (ExtINT, an INTA
 * cycle), else the local APIC's highest (IRR to ISR), and its vector is
 * returned; -1 if none or !@take.  *@more: one is still pending after it
 * (interrupt-window exiting).  One irq_lock for both.
 */
int svx_irqchip_take_interrupt(struct svx_vcpu *vcpu, bool take, bool *more)
{
	struct svx_irqchip *chip = vcpu->vm->irqchip;
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;
	int v = -1;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	if (take && svx_irqchip_has_extint(chip, vcpu->id)) {
		v = svx_pic_read_irq(&chip->pic);
	} else if (take) {
		v = svx_lapic_pending_irq(a);
		if (v >= 0)
			svx_lapic_ack_irq(a, v);
	}
	*more = svx_irqchip_has_interrupt(vcpu);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return v;
}

/* An NMI the local APIC accepted goes to the NMI queue (KVM's nmi_pending). */
void svx_irqchip_pull_nmi(struct svx_vcpu *vcpu)
{
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;

	if (vcpu->nmi_queued || !READ_ONCE(a->nmi_pending))
		return;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	if (a->nmi_pending) {
		a->nmi_pending--;
		vcpu->nmi_queued = true;
	}
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/*
 * KVM_SET_VAPIC_ADDR (QEMU's kvmvapic, the TPR patching of 32-bit
 * Windows): a u32 in guest RAM that mirrors the APIC's TPR, highest ISR
 * and highest IRR before each entry and gives the TPR back after each
 * exit (KVM's kvm_lapic_sync_to/from_vapic()).  0 turns it off.
 */
long svx_vcpu_set_vapic_addr(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_vapic_addr va;
	struct svx_memslot s;
	u64 gen;

	/* as KVM: no in-kernel APIC is -EINVAL before the argument is read */
	if (!vcpu->lapic) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_VAPIC_ADDR: no in-kernel local APIC\n",
			    vcpu->id);
		return -EINVAL;
	}
	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	/* as kvm_gfn_to_hva_cache_init(): 4 writable bytes of one slot */
	if (va.vapic_addr &&
	    (!svx_memslot_get(vcpu->vm, va.vapic_addr >> PAGE_SHIFT, &s, &gen) ||
	     (s.flags & KVM_MEM_READONLY) ||
	     ((va.vapic_addr + 3) >> PAGE_SHIFT) >= s.base_gfn + s.npages)) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_VAPIC_ADDR %#llx: not in writable guest RAM\n",
			    vcpu->id, va.vapic_addr);
		return -EINVAL;
	}
	vcpu->vapic_addr = va.vapic_addr;
	return 0;
}

/* KVM_TPR_ACCESS_REPORTING: xAPIC TPR accesses exit as KVM_EXIT_TPR_ACCESS. */
long svx_vcpu_tpr_access_reporting(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_tpr_access_ctl tac;

	if (copy_from_user(&tac, argp, sizeof(tac)))
		return -EFAULT;
	if (tac.flags) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_TPR_ACCESS_REPORTING: flags %#x\n",
			    vcpu->id, tac.flags);
		return -EINVAL;
	}
	vcpu->tpr_access_reporting = !!tac.enabled;
	return copy_to_user(argp, &tac, sizeof(tac)) ? -EFAULT : 0;
}

static int svx_vec_highest(const u8 *regs, unsigned int reg)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = *(const u32 *)(regs + reg + i * 0x10);

		if (w)
			return i * 32 + __fls(w);
	}
	return 0;
}

void svx_irqchip_sync_to_vapic(struct svx_vcpu *vcpu)
{
	const u8 *regs = vcpu->lapic->regs;
	unsigned long flags;
	bool on;
	u32 data;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	/* as KVM's vcpu_enter_guest(): only while the APIC is enabled */
	on = (vcpu->lapic->base & MSR_IA32_APICBASE_ENABLE) &&
	     (*(const u32 *)(regs + APIC_SPIV) & APIC_SPIV_APIC_ENABLED);
	data = (regs[APIC_TASKPRI] & 0xff) |
	       (svx_vec_highest(regs, APIC_ISR) & 0xf0) << 8 |
	       svx_vec_highest(regs, APIC_IRR) << 24;
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	if (on)
		svx_write_guest_for(vcpu, vcpu->vapic_addr, &data, sizeof(data));
}

void svx_irqchip_sync_from_vapic(struct svx_vcpu *vcpu)
{
	unsigned long flags;
	u32 data;

	if (svx_read_guest_phys(vcpu->vm, vcpu->vapic_addr, &data, sizeof(data)))
		return;
	data &= 0xff;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_mmio(vcpu->lapic, APIC_TASKPRI, true, &data, sizeof(data));
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/*
 * A local APIC register as an MSR in either APIC mode (Hyper-V's EOI,
 * ICR, TPR MSRs; KVM's kvm_hv_vapic_msr_read/write()): 0, or 1 for #GP,
 * which is also the answer without an in-kernel local APIC.
 */
int svx_irqchip_reg_msr(struct svx_vcpu *vcpu, u32 reg, u64 *data,
			bool write)
{
	unsigned long flags;
	int r;

	if (!vcpu->lapic)
		return 1;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	if (write)
		r = svx_lapic_reg_msr_write(vcpu->lapic, reg, *data);
	else
		r = svx_lapic_reg_msr_read(vcpu->lapic, reg, data);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return r ? 1 : 0;
}

/*
 * PV EOI, KVM's (lapic.c) as Hyper-V's VP assist page turns it on: bit 0
 * of the first byte at the page (its apic_assist field) is set before an
 * entry when the interrupt the guest has in service may be EOI'd by
 * clearing it; the guest that finds it set clears it instead of writing
 * the EOI, and the EOI is done after the exit.  KVM_MSR_ENABLED (bit 0
 * of @data) with a 4-byte aligned GPA in a memslot (KVM's
 * kvm_gfn_to_hva_cache_init()), or 0: off.  0, or 1 for #GP.
 */
int svx_irqchip_set_pv_eoi(struct svx_vcpu *vcpu, u64 data)
{
	u64 gpa = data & ~(u64)KVM_MSR_ENABLED;
	struct svx_memslot s;
	u64 gen;

	if (!IS_ALIGNED(gpa, 4))
		return 1;
	if ((data & KVM_MSR_ENABLED) &&
	    (!svx_memslot_get(vcpu->vm, gpa >> PAGE_SHIFT, &s, &gen) ||
	     (s.flags & KVM_MEM_READONLY)))
		return 1;
	vcpu->pv_eoi_msr = data;
	return 0;
}

/*
 * KVM's apic_sync_pv_eoi_to_guest(), before an entry, after the
 * injection (so the interrupt the entry delivers is the one the flag
 * covers), preemption off: a flag that cannot be written without
 * faulting stays clear, and the guest writes its EOI.
 */
void svx_irqchip_pv_eoi_to_guest(struct svx_vcpu *vcpu)
{
	static const u8 on = 1;	/* KVM_PV_EOI_ENABLED */
	struct svx_irqchip *chip = vcpu->vm->irqchip;
	unsigned long flags;
	int v;

	if (!(vcpu->pv_eoi_msr & KVM_MSR_ENABLED) || vcpu->pv_eoi_pending)
		return;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	v = svx_lapic_pv_eoi_vector(vcpu->lapic);
	/* the IOAPIC needs the EOI (remote IRR, ack notifiers) at once */
	if (v >= 0 && svx_ioapic_handles_vector(chip, v))
		v = -1;
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	if (v < 0)
		return;
	if (!svx_write_guest_nofault(vcpu->vm,
				     vcpu->pv_eoi_msr & ~(u64)KVM_MSR_ENABLED,
				     &on, 1))
		vcpu->pv_eoi_pending = true;
}

/*
 * KVM's apic_sync_pv_eoi_from_guest(), after an exit (or an entry that
 * did not happen): a flag the guest cleared is its EOI; the flag is
 * cleared in any case.  A flag that cannot be read or cleared counts as
 * taken, as KVM's.
 */
void svx_irqchip_pv_eoi_from_guest(struct svx_vcpu *vcpu)
{
	static const u8 off;	/* KVM_PV_EOI_DISABLED */
	u64 gpa = vcpu->pv_eoi_msr & ~(u64)KVM_MSR_ENABLED;
	unsigned long flags;
	u8 val;

	vcpu->pv_eoi_pending = false;
	if (!(vcpu->pv_eoi_msr & KVM_MSR_ENABLED))
		return;
	if (!svx_read_guest_phys(vcpu->vm, gpa, &val, 1) && (val & 1) &&
	    !svx_write_guest_for(vcpu, gpa, &off, 1))
		return;		/* not taken, and now cleared */
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_pv_eoi(vcpu->lapic);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/* An access to the local APIC's page or the IOAPIC's window: handled? */
bool svx_irqchip_mmio(struct svx_vcpu *vcpu, u64 gpa, bool write, void *val,
		      unsigned int len)
{
	struct svx_irqchip *chip = vcpu->vm->irqchip;
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;
	bool done = false;

	if (!chip)
		return false;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	/*
	 * KVM's apic_mmio_read/write(): the page of a disabled or x2APIC
	 * APIC is all-ones and drops writes with KVM_X86_QUIRK_LAPIC_MMIO_HOLE
	 * (svx_lapic_mmio()), else it is not the APIC's (core/quirks.c).
	 */
	if (a && (svx_lapic_mmio_on(a) ||
		  svx_quirk(vcpu->vm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE)) &&
	    (gpa & PAGE_MASK) == (a->base & MSR_IA32_APICBASE_BASE)) {
		svx_lapic_mmio(a, gpa & ~PAGE_MASK, write, val, len);
		done = true;
		/* KVM's report_tpr_access(): the VMM learns the instruction */
		if ((gpa & 0xff0) == APIC_TASKPRI && vcpu->tpr_access_reporting &&
		    svx_lapic_mmio_on(a)) {
			vcpu->tpr_access = write ? 2 : 1;
			vcpu->tpr_access_rip = vcpu->rip;
		}
	} else if (!svx_ioapic_mmio(chip, gpa, write, val, len)) {
		done = true;
	}
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return done;
}

/* Port I/O to the PICs (one byte; wider accesses read 0, as KVM's). */
bool svx_irqchip_pio(struct svx_vcpu *vcpu, u16 port, bool write, u32 *val,
		     unsigned int size)
{
	struct svx_irqchip *chip = vcpu->vm->irqchip;
	unsigned long flags;
	u8 b = *val;
	int r;

	if (!chip)
		return false;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	r = svx_pic_pio(&chip->pic, port, write && size == 1, &b);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	if (r)
		return false;
	if (!write)
		*val = size == 1 ? b : 0;
	return true;
}

/*
 * The local APIC's MSRs: IA32_APIC_BASE, x2APIC (0x800-0x8ff),
 * IA32_TSC_DEADLINE.  -1: not one of them; else 0, or 1 for #GP.
 */
int svx_irqchip_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool write,
		    bool host)
{
	struct svx_lapic *a = vcpu->lapic;
	unsigned long flags;
	int r = 0;

	if (!a || !(index == MSR_IA32_APICBASE ||
		    index == MSR_IA32_TSC_DEADLINE ||
		    (index >= APIC_BASE_MSR && index < APIC_BASE_MSR + 0x100)))
		return -1;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	if (index == MSR_IA32_APICBASE) {
		if (write)
			r = svx_lapic_set_base(a, *data, host) ? 1 : 0;
		else
			*data = a->base;
	} else if (index == MSR_IA32_TSC_DEADLINE) {
		if (write)
			svx_lapic_set_tsc_deadline(a, *data);
		else
			*data = svx_lapic_get_tsc_deadline(a);
	} else if (write) {
		r = svx_lapic_msr_write(a, index, *data) ? 1 : 0;
	} else {
		r = svx_lapic_msr_read(a, index, data) ? 1 : 0;
	}
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return r;
}

u64 svx_irqchip_get_cr8(struct svx_vcpu *vcpu)
{
	unsigned long flags;
	u64 cr8;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	cr8 = svx_lapic_get_cr8(vcpu->lapic);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	return cr8;
}

void svx_irqchip_set_cr8(struct svx_vcpu *vcpu, u64 cr8)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	svx_lapic_set_cr8(vcpu->lapic, cr8);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}
