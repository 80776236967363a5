// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD and KVM_IRQFD, as KVM 6.1's virt/kvm/eventfd.c.
 *
 * ioeventfds: a guest write (OUT, or a store to a GPA that exits as MMIO)
 * that matches an address, a length (0: any) and optionally a value
 * signals an eventfd in the kernel and resumes the guest; it does not
 * leave KVM_RUN.  The VM keeps them on a list (registration, collisions,
 * deassignment; under evfd->lock, KVM's slots_lock) and, per bus (PIO,
 * MMIO, and the virtio-ccw bus x86 KVM accepts and never writes), an
 * array the exit handlers read under RCU, replaced whole and freed after
 * a grace period, as KVM's kvm_io_bus (SRCU there; nothing here sleeps
 * while it reads).
 *
 * irqfds: an eventfd whose signal raises a GSI of the in-kernel irqchip
 * (edge: assert then deassert from KVM_USERSPACE_IRQ_SOURCE_ID's source;
 * with KVM_IRQFD_FLAG_RESAMPLE: assert from the resample source, which
 * the GSI's EOI deasserts before it signals the resamplefd).  A wait-queue
 * entry on the eventfd, as KVM's irqfd_wakeup(): the injection runs in
 * the waker's context under vm->irq_lock (a raw spinlock, as every
 * injection here); EPOLLHUP (the eventfd's last close) and deassignment
 * unhook it from a workqueue of the VM's, flushed before deassignment and
 * the VM fd's release return (KVM's kvm_irqfd_release()).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "svx.h"
#include "irqchip.h"
#include "irq.h"

/* the buses of struct kvm_ioeventfd's flags (KVM's enum kvm_bus) */
enum { SVX_BUS_MMIO, SVX_BUS_PIO, SVX_BUS_CCW, SVX_NR_BUSES };

/*
 * KVM_IOEVENTFD_VALID_FLAG_MASK: the flags below kvm_ioeventfd_flag_nr_max,
 * fast_mmio's (bit 4, no KVM_IOEVENTFD_FLAG_ name) too: the MMIO bus.
 */
#define SVX_IOEVENTFD_VALID_FLAGS	((1U << kvm_ioeventfd_flag_nr_max) - 1)

struct svx_ioeventfd {
	struct list_head list;
	u64 addr;
	u64 datamatch;
	struct eventfd_ctx *eventfd;
	int len;
	u8 bus;
	bool wildcard;
};

struct svx_iobus {
	struct rcu_head rcu;
	unsigned int n;
	struct svx_ioeventfd *dev[];
};

struct svx_irqfd_resampler {
	struct list_head link;		/* evfd->resamplers, under irq_lock */
	struct list_head irqfds;	/* RCU; changed under resampler_lock */
	struct work_struct signal;	/* the resamplefds, after an EOI */
	struct svx_eventfds *evfd;
	u32 gsi;
};

struct svx_irqfd {
	struct svx_eventfds *evfd;
	struct eventfd_ctx *eventfd;
	struct eventfd_ctx *resamplefd;
	struct svx_irqfd_resampler *resampler;
	struct list_head resampler_link;
	struct list_head list;		/* evfd->irqfds; empty: deactivated */
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
	u32 gsi;
};

struct svx_eventfds {
	struct svx_vm *vm;
	struct mutex lock;		/* ioeventfds, bus replacement */
	struct list_head ioeventfds;
	struct svx_iobus __rcu *bus[SVX_NR_BUSES];

	spinlock_t irqfds_lock;		/* irqfds (taken in wake-ups) */
	struct list_head irqfds;
	struct mutex resampler_lock;	/* resamplers' irqfd lists */
	struct list_head resamplers;	/* changed under vm->irq_lock too */
	struct workqueue_struct *cleanup_wq;
};

/* eventfd_signal(), whose signature 6.8 changed */
void svx_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* ------------------------------------------------------------------ */
/* ioeventfds                                                          */

/* KVM's ioeventfd_in_range() */
static bool svx_ioeventfd_match(const struct svx_ioeventfd *p, u64 addr,
				int len, const void *val)
{
	u64 v = 0;

	if (addr != p->addr)
		return false;
	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->wildcard)
		return true;
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	memcpy(&v, val, len);	/* x86: little-endian */
	return v == p->datamatch;
}

static bool svx_ioeventfd_write(struct svx_vm *vm, int bus, u64 addr,
				int len, const void *val)
{
	struct svx_eventfds *evfd = vm->evfd;
	const struct svx_iobus *b;
	bool hit = false;
	unsigned int i;

	if (!evfd)
		return false;
	rcu_read_lock();
	b = rcu_dereference(evfd->bus[bus]);
	for (i = 0; b && i < b->n; i++) {
		if (svx_ioeventfd_match(b->dev[i], addr, len, val)) {
			svx_eventfd_signal(b->dev[i]->eventfd);
			hit = true;
			break;
		}
	}
	rcu_read_unlock();
	return hit;
}

bool svx_ioeventfd_pio(struct svx_vcpu *vcpu, u16 port, int len,
		       const void *val)
{
	return svx_ioeventfd_write(vcpu->vm, SVX_BUS_PIO, port, len, val);
}

bool svx_ioeventfd_mmio(struct svx_vcpu *vcpu, u64 gpa, int len,
			const void *val)
{
	return svx_ioeventfd_write(vcpu->vm, SVX_BUS_MMIO, gpa, len, val);
}

/* Replace @bus's array with one with @add and without @del (evfd->lock). */
static int svx_iobus_update(struct svx_eventfds *evfd, int bus,
			    struct svx_ioeventfd *add,
			    struct svx_ioeventfd *del)
{
	struct svx_iobus *old, *new;
	unsigned int i, n = 0, nr;

	old = rcu_dereference_protected(evfd->bus[bus],
					lockdep_is_held(&evfd->lock));
	nr = (old ? old->n : 0) + !!add;
	new = svx_fallible(kzalloc(struct_size(new, dev, nr), GFP_KERNEL_ACCOUNT));
	if (!new)
		return -ENOMEM;
	for (i = 0; old && i < old->n; i++)
		if (old->dev[i] != del)
			new->dev[n++] = old->dev[i];
	if (add)
		new->dev[n++] = add;
	new->n = n;
	rcu_assign_pointer(evfd->bus[bus], new);
	if (bus == SVX_BUS_PIO)	/* vmx/pio.c: IN/OUT look only if non-zero */
		WRITE_ONCE(evfd->vm->nr_pio_ioeventfds, n);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* KVM's ioeventfd_check_collision() (evfd->lock) */
static bool svx_ioeventfd_collides(struct svx_eventfds *evfd,
				   const struct svx_ioeventfd *p)
{
	struct svx_ioeventfd *q;

	list_for_each_entry(q, &evfd->ioeventfds, list)
		if (q->bus == p->bus && q->addr == p->addr &&
		    (!q->len || !p->len ||
		     (q->len == p->len &&
		      (q->wildcard || p->wildcard ||
		       q->datamatch == p->datamatch))))
			return true;
	return false;
}

static int svx_ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return SVX_BUS_PIO;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return SVX_BUS_CCW;
	return SVX_BUS_MMIO;
}

static long svx_ioeventfd_assign(struct svx_vm *vm,
				 const struct kvm_ioeventfd *args)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct eventfd_ctx *eventfd;
	struct svx_ioeventfd *p;
	long r;

	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		svx_vm_warn(vm, "KVM_IOEVENTFD: len %u (0, 1, 2, 4 or 8)\n",
			    args->len);
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr ||
	    (args->flags & ~SVX_IOEVENTFD_VALID_FLAGS) ||
	    (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))) {
		svx_vm_warn(vm, "KVM_IOEVENTFD: addr %#llx len %u flags %#x invalid\n",
			    args->addr, args->len, args->flags);
		return -EINVAL;
	}
	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd)) {
		svx_vm_warn(vm, "KVM_IOEVENTFD: fd %d is not an eventfd\n",
			    args->fd);
		return PTR_ERR(eventfd);
	}
	p = svx_fallible(kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT));
	if (!p) {
		eventfd_ctx_put(eventfd);
		return -ENOMEM;
	}
	p->addr = args->addr;
	p->bus = svx_ioeventfd_bus(args->flags);
	p->len = args->len;
	p->eventfd = eventfd;
	if (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH)
		p->datamatch = args->datamatch;
	else
		p->wildcard = true;

	mutex_lock(&evfd->lock);
	if (svx_ioeventfd_collides(evfd, p)) {
		svx_vm_warn(vm, "KVM_IOEVENTFD: %#llx len %u overlaps a registered one (-EEXIST)\n",
			    args->addr, args->len);
		r = -EEXIST;
		goto fail;
	}
	r = svx_iobus_update(evfd, p->bus, p, NULL);
	if (r)
		goto fail;
	list_add_tail(&p->list, &evfd->ioeventfds);
	mutex_unlock(&evfd->lock);
	return 0;
fail:
	mutex_unlock(&evfd->lock);
	kfree(p);
	eventfd_ctx_put(eventfd);
	return r;
}

static long svx_ioeventfd_deassign(struct svx_vm *vm,
				   const struct kvm_ioeventfd *args)
{
	struct svx_eventfds *evfd = vm->evfd;
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	int bus = svx_ioeventfd_bus(args->flags);
	struct svx_ioeventfd *p, *tmp, *found = NULL;
	struct eventfd_ctx *eventfd;
	unsigned int dropped = 0;
	LIST_HEAD(gone);
	long r = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd)) {
		svx_vm_warn(vm, "KVM_IOEVENTFD: fd %d is not an eventfd\n",
			    args->fd);
		return PTR_ERR(eventfd);
	}
	mutex_lock(&evfd->lock);
	list_for_each_entry(p, &evfd->ioeventfds, list) {
		if (p->bus != bus || p->eventfd != eventfd ||
		    p->addr != args->addr || p->len != args->len ||
		    p->wildcard != wildcard)
			continue;
		if (!p->wildcard && p->datamatch != args->datamatch)
			continue;
		found = p;
		break;
	}
	if (found) {
		/*
		 * KVM's kvm_io_bus_unregister_dev() shrinks the bus or, out of
		 * memory, drops the whole bus and destroys every other device
		 * on it (their ioeventfds leave the list); the ioeventfd goes
		 * either way and the call succeeds.  (KVM's bus then stays
		 * NULL, every later KVM_IOEVENTFD on it -ENOMEM; here the next
		 * one makes a new bus.)
		 */
		r = svx_iobus_update(evfd, bus, NULL, found);
		if (r) {
			struct svx_iobus *old;

			old = rcu_replace_pointer(evfd->bus[bus], NULL,
						  lockdep_is_held(&evfd->lock));
			kfree_rcu(old, rcu);
			if (bus == SVX_BUS_PIO)
				WRITE_ONCE(vm->nr_pio_ioeventfds, 0);
			list_for_each_entry_safe(p, tmp, &evfd->ioeventfds, list)
				if (p != found && p->bus == bus) {
					list_move(&p->list, &gone);
					dropped++;
				}
		}
		list_move(&found->list, &gone);
		r = 0;
	}
	mutex_unlock(&evfd->lock);
	if (found) {
		if (dropped)
			svx_vm_warn(vm, "KVM_IOEVENTFD: out of memory shrinking bus %d: it goes with its %u other ioeventfds, as KVM's\n",
				    bus, dropped);
		synchronize_rcu();	/* no exit handler still sees them */
		list_for_each_entry_safe(p, tmp, &gone, list) {
			eventfd_ctx_put(p->eventfd);
			kfree(p);
		}
	} else {
		svx_vm_warn(vm, "KVM_IOEVENTFD: deassign %#llx len %u: none such (-ENOENT)\n",
			    args->addr, args->len);
	}
	eventfd_ctx_put(eventfd);
	return r;
}

long svx_vm_ioeventfd(struct svx_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return svx_ioeventfd_deassign(vm, &args);
	return svx_ioeventfd_assign(vm, &args);
}

/* ------------------------------------------------------------------ */
/* irqfds                                                              */

static void svx_irqfd_set(struct svx_vm *vm, int src, u32 gsi, int level)
{
	struct svx_irqchip *chip = READ_ONCE(vm->irqchip);
	unsigned long flags;

	if (!chip)
		return;
	raw_spin_lock_irqsave(&vm->irq_lock, flags);
	svx_irq_line_src(chip, src, gsi, level);
	raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
}

/* KVM's irqfd_inject() */
static void svx_irqfd_inject(struct svx_irqfd *irqfd)
{
	struct svx_vm *vm = irqfd->evfd->vm;

	if (!irqfd->resampler) {
		svx_irqfd_set(vm, SVX_IRQ_SRC_USER, irqfd->gsi, 1);
		svx_irqfd_set(vm, SVX_IRQ_SRC_USER, irqfd->gsi, 0);
	} else {
		svx_irqfd_set(vm, SVX_IRQ_SRC_RESAMPLE, irqfd->gsi, 1);
	}
}

static void svx_resampler_signal(struct work_struct *work)
{
	struct svx_irqfd_resampler *rs =
		container_of(work, struct svx_irqfd_resampler, signal);
	struct svx_irqfd *irqfd;

	rcu_read_lock();
	list_for_each_entry_rcu(irqfd, &rs->irqfds, resampler_link)
		svx_eventfd_signal(irqfd->resamplefd);
	rcu_read_unlock();
}

/*
 * The guest acknowledged @gsi (the IOAPIC's EOI, the PIC's ack; under
 * vm->irq_lock): KVM's irqfd_resampler_ack(), the line deasserted now and
 * the resamplefds signalled from a work item (eventfd_signal() takes a
 * spinlock_t, not to be nested in the raw irq_lock).
 */
void svx_irqfd_acked(struct svx_vm *vm, u32 gsi)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct svx_irqfd_resampler *rs;

	if (!evfd)
		return;
	list_for_each_entry(rs, &evfd->resamplers, link) {
		if (rs->gsi != gsi)
			continue;
		svx_irq_line_src(vm->irqchip, SVX_IRQ_SRC_RESAMPLE, gsi, 0);
		schedule_work(&rs->signal);
	}
}

/* KVM's irqfd_resampler_shutdown() */
static void svx_resampler_shutdown(struct svx_irqfd *irqfd)
{
	struct svx_irqfd_resampler *rs = irqfd->resampler;
	struct svx_eventfds *evfd = rs->evfd;
	struct svx_vm *vm = evfd->vm;
	unsigned long flags;

	mutex_lock(&evfd->resampler_lock);
	list_del_rcu(&irqfd->resampler_link);
	synchronize_rcu();
	if (list_empty(&rs->irqfds)) {
		raw_spin_lock_irqsave(&vm->irq_lock, flags);
		list_del(&rs->link);
		raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
		cancel_work_sync(&rs->signal);
		svx_irqfd_set(vm, SVX_IRQ_SRC_RESAMPLE, rs->gsi, 0);
		kfree(rs);
	}
	mutex_unlock(&evfd->resampler_lock);
}

/* KVM's irqfd_shutdown(): unhooked, nothing can come any more */
static void svx_irqfd_shutdown(struct work_struct *work)
{
	struct svx_irqfd *irqfd =
		container_of(work, struct svx_irqfd, shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	if (irqfd->resampler) {
		svx_resampler_shutdown(irqfd);
		eventfd_ctx_put(irqfd->resamplefd);
	}
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* irqfds_lock held */
static void svx_irqfd_deactivate(struct svx_irqfd *irqfd)
{
	list_del_init(&irqfd->list);
	queue_work(irqfd->evfd->cleanup_wq, &irqfd->shutdown);
}

/* The eventfd's wake-up, with its wait-queue lock held, interrupts off. */
static int svx_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct svx_irqfd *irqfd = container_of(wait, struct svx_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	unsigned long iflags;
	int ret = 0;

	if (flags & EPOLLIN) {
		u64 cnt;

		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		svx_irqfd_inject(irqfd);
		ret = 1;
	}
	if (flags & EPOLLHUP) {
		/* the eventfd is closing: detach, unless deassigned already */
		spin_lock_irqsave(&irqfd->evfd->irqfds_lock, iflags);
		if (!list_empty(&irqfd->list))
			svx_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&irqfd->evfd->irqfds_lock, iflags);
	}
	return ret;
}

static void svx_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				 poll_table *pt)
{
	struct svx_irqfd *irqfd = container_of(pt, struct svx_irqfd, pt);

	add_wait_queue_priority(wqh, &irqfd->wait);
}

/* The resampler of @irqfd's GSI, made if none (resampler_lock held). */
static int svx_irqfd_join_resampler(struct svx_eventfds *evfd,
				    struct svx_irqfd *irqfd)
{
	struct svx_vm *vm = evfd->vm;
	struct svx_irqfd_resampler *rs;
	unsigned long flags;

	list_for_each_entry(rs, &evfd->resamplers, link)
		if (rs->gsi == irqfd->gsi) {
			irqfd->resampler = rs;
			break;
		}
	if (!irqfd->resampler) {
		rs = svx_fallible(kzalloc(sizeof(*rs), GFP_KERNEL_ACCOUNT));
		if (!rs)
			return -ENOMEM;
		rs->evfd = evfd;
		rs->gsi = irqfd->gsi;
		INIT_LIST_HEAD(&rs->irqfds);
		INIT_WORK(&rs->signal, svx_resampler_signal);
		raw_spin_lock_irqsave(&vm->irq_lock, flags);
		list_add(&rs->link, &evfd->resamplers);
		raw_spin_unlock_irqrestore(&vm->irq_lock, flags);
		irqfd->resampler = rs;
	}
	list_add_rcu(&irqfd->resampler_link, &irqfd->resampler->irqfds);
	return 0;
}

/* KVM's kvm_irqfd_assign() */
static long svx_irqfd_assign(struct svx_vm *vm, const struct kvm_irqfd *args)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct svx_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;
	struct file *file;
	__poll_t events;
	long r;

	/* kvm_arch_irqfd_allowed(): an in-kernel irqchip */
	if (!READ_ONCE(vm->irqchip)) {
		svx_vm_warn(vm, "KVM_IRQFD: no in-kernel irqchip (-EINVAL)\n");
		return -EINVAL;
	}
	irqfd = svx_fallible(kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT));
	if (!irqfd)
		return -ENOMEM;
	irqfd->evfd = evfd;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_LIST_HEAD(&irqfd->resampler_link);
	INIT_WORK(&irqfd->shutdown, svx_irqfd_shutdown);

	file = fget(args->fd);
	if (!file) {
		svx_vm_warn(vm, "KVM_IRQFD: fd %d (-EBADF)\n", args->fd);
		r = -EBADF;
		goto out;
	}
	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd)) {
		svx_vm_warn(vm, "KVM_IRQFD: fd %d is not an eventfd\n",
			    args->fd);
		r = PTR_ERR(eventfd);
		goto fail;
	}
	irqfd->eventfd = eventfd;

	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		struct eventfd_ctx *resamplefd;

		resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(resamplefd)) {
			svx_vm_warn(vm, "KVM_IRQFD: resamplefd %d is not an eventfd\n",
				    args->resamplefd);
			r = PTR_ERR(resamplefd);
			goto fail;
		}
		irqfd->resamplefd = resamplefd;
		mutex_lock(&evfd->resampler_lock);
		r = svx_irqfd_join_resampler(evfd, irqfd);
		synchronize_rcu();
		mutex_unlock(&evfd->resampler_lock);
		if (r)
			goto fail;
	}

	init_waitqueue_func_entry(&irqfd->wait, svx_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, svx_irqfd_queue_proc);

	spin_lock_irq(&evfd->irqfds_lock);
	list_for_each_entry(tmp, &evfd->irqfds, list) {
		if (tmp->eventfd != irqfd->eventfd)
			continue;
		spin_unlock_irq(&evfd->irqfds_lock);
		svx_vm_warn(vm, "KVM_IRQFD: fd %d raises another GSI already (-EBUSY)\n",
			    args->fd);
		r = -EBUSY;
		goto fail;
	}
	list_add_tail(&irqfd->list, &evfd->irqfds);
	spin_unlock_irq(&evfd->irqfds_lock);

	/* a signal before the hook counts, as KVM's */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		svx_irqfd_inject(irqfd);
	/* not before the irqfd is complete: races with EPOLLHUP otherwise */
	fput(file);
	return 0;

fail:
	if (irqfd->resampler)
		svx_resampler_shutdown(irqfd);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (irqfd->eventfd)
		eventfd_ctx_put(irqfd->eventfd);
	fput(file);
out:
	kfree(irqfd);
	return r;
}

/* KVM's kvm_irqfd_deassign(): every irqfd of fd and gsi */
static long svx_irqfd_deassign(struct svx_vm *vm, const struct kvm_irqfd *args)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct svx_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd)) {
		svx_vm_warn(vm, "KVM_IRQFD: deassign: fd %d is not an eventfd\n",
			    args->fd);
		return PTR_ERR(eventfd);
	}
	spin_lock_irq(&evfd->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &evfd->irqfds, list)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			svx_irqfd_deactivate(irqfd);
	spin_unlock_irq(&evfd->irqfds_lock);
	eventfd_ctx_put(eventfd);
	/* no interrupt from it once this returns */
	flush_workqueue(evfd->cleanup_wq);
	return 0;
}

long svx_vm_irqfd(struct svx_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE)) {
		svx_vm_warn(vm, "KVM_IRQFD: flags %#x\n", args.flags);
		return -EINVAL;
	}
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return svx_irqfd_deassign(vm, &args);
	return svx_irqfd_assign(vm, &args);
}

/* The VM fd closes: KVM's kvm_irqfd_release(), every irqfd unhooked. */
void svx_irqfd_release(struct svx_vm *vm)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct svx_irqfd *irqfd, *tmp;

	if (!evfd)
		return;
	spin_lock_irq(&evfd->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &evfd->irqfds, list)
		svx_irqfd_deactivate(irqfd);
	spin_unlock_irq(&evfd->irqfds_lock);
	flush_workqueue(evfd->cleanup_wq);
}

/* ------------------------------------------------------------------ */

int svx_eventfd_vm_init(struct svx_vm *vm)
{
	struct svx_eventfds *evfd;

	evfd = svx_fallible(kzalloc(sizeof(*evfd), GFP_KERNEL_ACCOUNT));
	if (!evfd)
		return -ENOMEM;
	evfd->cleanup_wq = svx_fallible(alloc_workqueue("svx-irqfd-%u", 0, 0,
							vm->id));
	if (!evfd->cleanup_wq) {
		kfree(evfd);
		return -ENOMEM;
	}
	evfd->vm = vm;
	mutex_init(&evfd->lock);
	INIT_LIST_HEAD(&evfd->ioeventfds);
	spin_lock_init(&evfd->irqfds_lock);
	INIT_LIST_HEAD(&evfd->irqfds);
	mutex_init(&evfd->resampler_lock);
	INIT_LIST_HEAD(&evfd->resamplers);
	vm->evfd = evfd;
	return 0;
}

/* The VM goes (no vCPU runs): the ioeventfds, any irqfd left. */
void svx_eventfd_vm_destroy(struct svx_vm *vm)
{
	struct svx_eventfds *evfd = vm->evfd;
	struct svx_ioeventfd *p, *tmp;
	int i;

	if (!evfd)
		return;
	svx_irqfd_release(vm);
	destroy_workqueue(evfd->cleanup_wq);
	WARN_ON_ONCE(!list_empty(&evfd->resamplers));
	for (i = 0; i < SVX_NR_BUSES; i++)
		kfree(rcu_dereference_protected(evfd->bus[i], 1));
	list_for_each_entry_safe(p, tmp, &evfd->ioeventfds, list) {
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
	vm->evfd = NULL;
	kfree(evfd);
}
