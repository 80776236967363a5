/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: spinlocks.  The harness is single-threaded; a lock is a
 * depth counter so that unbalanced use still shows up (WARN_ON).
 */
#ifndef SVX_SHIM_LINUX_SPINLOCK_H
#define SVX_SHIM_LINUX_SPINLOCK_H

#include <linux/bug.h>

typedef struct {
	int held;
} spinlock_t;

/* struct svx_vm's irq_lock (the in-kernel irqchip, not used here) */
typedef spinlock_t raw_spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
	l->held = 0;
}

static inline void spin_lock(spinlock_t *l)
{
	WARN_ON(l->held);
	l->held++;
}

static inline void spin_unlock(spinlock_t *l)
{
	WARN_ON(!l->held);
	l->held--;
}

#endif
