// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel PIT's host: channel 0's hrtimer (hard interrupt context),
 * the injection work (an irq_work: KVM's kthread work), and the VM ioctls
 * KVM_CREATE_PIT(2), KVM_GET/SET_PIT(2), KVM_REINJECT_CONTROL.  The model
 * is irqchip/i8254.c; everything it does runs under vm->irq_lock.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core.h"
#include "pit.h"
#include "irqchip.h"
#include "i8254.h"
#include "irq.h"

struct svx_kpit {
	struct svx_pit pit;
	struct hrtimer timer;
	struct irq_work work;
};

static struct svx_kpit *to_kpit(struct svx_pit *pit)
{
	return container_of(pit, struct svx_kpit, pit);
}

u64 svx_pit_host_now_ns(struct svx_pit *pit)
{
	return ktime_get_ns();
}

/*
 * Called under irq_lock, so it must not wait for the callback (which takes
 * irq_lock): a callback running now finds the model re-armed or disarmed
 * and leaves the timer as started here (svx_pit_timer()).
 */
void svx_pit_host_timer_arm(struct svx_pit *pit, u64 expires_ns)
{
	struct svx_kpit *kp = to_kpit(pit);

	hrtimer_try_to_cancel(&kp->timer);
	if (expires_ns)
		hrtimer_start(&kp->timer, ns_to_ktime(expires_ns),
			      HRTIMER_MODE_ABS_HARD);
}

void svx_pit_host_queue_work(struct svx_pit *pit)
{
	irq_work_queue(&to_kpit(pit)->work);
}

struct svx_irqchip *svx_pit_host_irqchip(struct svx_pit *pit)
{
	struct svx_vm *vm = pit->host;

	return svx_irqchip_in_kernel(vm) ? vm->irqchip : NULL;
}

static enum hrtimer_restart svx_pit_timer(struct hrtimer *t)
{
	struct svx_kpit *kp = container_of(t, struct svx_kpit, timer);
	struct svx_vm *vm = kp->pit.host;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;
	u64 next;

	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	next = svx_pit_timer_fn(&kp->pit, ktime_get_ns());
	/* Not if svx_pit_host_timer_arm() started it again meanwhile. */
	if (next && !hrtimer_is_queued(t)) {
		hrtimer_set_expires(t, ns_to_ktime(next));
		ret = HRTIMER_RESTART;
	}
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return ret;
}

static void svx_pit_work(struct irq_work *work)
{
	struct svx_kpit *kp = container_of(work, struct svx_kpit, work);
	struct svx_vm *vm = kp->pit.host;
	unsigned long flags;

	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	svx_pit_do_work(&kp->pit);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
}

/*
 * As KVM's KVM_CREATE_PIT(2): neither the flags nor the padding are
 * checked, and an irqchip is not required (without one channel 0 does not
 * run, as KVM's create_pit_timer()).
 */
static long svx_pit_create(struct svx_vm *vm, u32 flags, const char *ioctl)
{
	struct svx_kpit *kp;
	unsigned long irqf;
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->pit) {
		svx_vm_warn(vm, "%s: the VM has a PIT already (-EEXIST)\n", ioctl);
		r = -EEXIST;
		goto out;
	}
	kp = svx_fallible(kzalloc(sizeof(*kp), GFP_KERNEL_ACCOUNT));
	if (!kp) {
		r = -ENOMEM;
		goto out;
	}
	hrtimer_init(&kp->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	kp->timer.function = svx_pit_timer;
	init_irq_work(&kp->work, svx_pit_work);

	raw_spin_lock_irqsave(&vm->irq_lock, irqf);
	svx_pit_init(&kp->pit, vm, flags);
	vm->pit = &kp->pit;
	raw_spin_unlock_irqrestore(&vm->irq_lock, irqf);
out:
	mutex_unlock(&vm->lock);
	return r;
}

long svx_vm_create_pit2(struct svx_vm *vm, void __user *argp)
{
	struct kvm_pit_config cfg;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	return svx_pit_create(vm, cfg.flags, "KVM_CREATE_PIT2");
}

long svx_vm_create_pit(struct svx_vm *vm)
{
	return svx_pit_create(vm, KVM_PIT_SPEAKER_DUMMY, "KVM_CREATE_PIT");
}

/* vm->pit under irq_lock, or NULL after one dmesg line: -ENXIO as KVM. */
static struct svx_pit *svx_pit_lock(struct svx_vm *vm, const char *ioctl,
				    unsigned long *flags)
{
	raw_spin_lock_irqsave(&vm->irq_lock, *flags);
	if (vm->pit)
		return vm->pit;
	raw_spin_unlock_irqrestore(&vm->irq_lock, *flags);
	svx_vm_warn(vm, "%s: no in-kernel PIT (KVM_CREATE_PIT2 first) (-ENXIO)\n",
		    ioctl);
	return NULL;
}

long svx_vm_get_pit2(struct svx_vm *vm, void __user *argp)
{
	struct kvm_pit_state2 s;
	struct svx_pit *pit;
	unsigned long flags;

	pit = svx_pit_lock(vm, "KVM_GET_PIT2", &flags);
	if (!pit)
		return -ENXIO;
	svx_pit_get_state2(pit, &s);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	if (copy_to_user(argp, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

/* As KVM: any state is taken (the model copes with any field's value). */
long svx_vm_set_pit2(struct svx_vm *vm, void __user *argp)
{
	struct kvm_pit_state2 s;
	struct svx_pit *pit;
	unsigned long flags;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	pit = svx_pit_lock(vm, "KVM_SET_PIT2", &flags);
	if (!pit)
		return -ENXIO;
	svx_pit_set_state2(pit, &s);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return 0;
}

long svx_vm_get_pit(struct svx_vm *vm, void __user *argp)
{
	struct kvm_pit_state s;
	struct svx_pit *pit;
	unsigned long flags;

	/* As KVM: the argument is read first. */
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	pit = svx_pit_lock(vm, "KVM_GET_PIT", &flags);
	if (!pit)
		return -ENXIO;
	svx_pit_get_state(pit, &s);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	if (copy_to_user(argp, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

long svx_vm_set_pit(struct svx_vm *vm, void __user *argp)
{
	struct kvm_pit_state s;
	struct svx_pit *pit;
	unsigned long flags;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	pit = svx_pit_lock(vm, "KVM_SET_PIT", &flags);
	if (!pit)
		return -ENXIO;
	svx_pit_set_state(pit, &s);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return 0;
}

long svx_vm_reinject_control(struct svx_vm *vm, void __user *argp)
{
	struct kvm_reinject_control c;
	struct svx_pit *pit;
	unsigned long flags;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	pit = svx_pit_lock(vm, "KVM_REINJECT_CONTROL", &flags);
	if (!pit)
		return -ENXIO;
	svx_pit_set_reinject(pit, c.pit_reinject);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return 0;
}

int svx_pit_pio(struct svx_vm *vm, u16 port, bool write, u8 *val)
{
	unsigned long flags;
	int r = -EOPNOTSUPP;

	if (!READ_ONCE(vm->pit))
		return r;
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	if (vm->pit && !svx_pit_ioport(vm->pit, port, write, val))
		r = 0;
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	return r;
}

/*
 * As KVM's PIO bus: the PIT is the device at 0x40 of length 4 and the
 * speaker the one at 0x61 of length 4 answering only 0x61; an access
 * reaches it only if it lies inside, and then is one access of its first
 * byte (a read's other bytes are 0).
 */
int svx_pit_pio_len(struct svx_vm *vm, u16 port, unsigned int len, bool write,
		    void *data)
{
	u8 b = 0;
	int r;

	if (len < 1 || len > 4)
		return -EOPNOTSUPP;
	if (!(port >= SVX_PIT_BASE && port + len <= SVX_PIT_BASE + 4) &&
	    port != SVX_PIT_SPEAKER)
		return -EOPNOTSUPP;
	if (write)
		b = *(u8 *)data;
	r = svx_pit_pio(vm, port, write, &b);
	if (!r && !write) {
		memset(data, 0, len);
		*(u8 *)data = b;
	}
	return r;
}

void svx_pit_gsi0_acked(struct svx_vm *vm)
{
	if (vm->pit)
		svx_pit_irq_acked(vm->pit);
}

void svx_pit_gsi0_unmasked(struct svx_vm *vm)
{
	if (vm->pit)
		svx_pit_irq_unmasked(vm->pit);
}

void svx_pit_destroy(struct svx_vm *vm)
{
	struct svx_pit *pit = vm->pit;
	struct svx_kpit *kp;
	unsigned long flags;

	if (!pit)
		return;
	kp = to_kpit(pit);
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	svx_pit_stop(pit);
	vm->pit = NULL;
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
	hrtimer_cancel(&kp->timer);	/* waits for a running callback */
	irq_work_sync(&kp->work);
	kfree(kp);
}
