/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: struct mutex, for the structs of include/svx.h and
 * mmu/ept.c (SVX_SET_PAGING takes vm->lock). */
#ifndef SVX_SHIM_LINUX_MUTEX_H
#define SVX_SHIM_LINUX_MUTEX_H

struct mutex {
	int held;
};

/* One thread: a held mutex taken again is a deadlock in the kernel. */
static inline void mutex_lock(struct mutex *m)
{
	if (m->held)
		__builtin_trap();
	m->held = 1;
}

static inline void mutex_unlock(struct mutex *m)
{
	m->held = 0;
}

#endif
