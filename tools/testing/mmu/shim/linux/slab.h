/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: kmalloc() and friends on top of malloc(). */
#ifndef SVX_SHIM_LINUX_SLAB_H
#define SVX_SHIM_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/types.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL		0u
#define GFP_KERNEL_ACCOUNT	0u

/*
 * Objects allocated and not yet freed, so that a test can see a leak at
 * once (tools/testing/mmu/mmu_sim.c checks it after each VM).
 */
extern long svx_shim_allocs;

static inline void *svx_shim_counted(void *p)
{
	if (p)
		svx_shim_allocs++;
	return p;
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return svx_shim_counted(malloc(size));
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return svx_shim_counted(calloc(1, size));
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return svx_shim_counted(calloc(n, size));
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return svx_shim_counted(calloc(n, size));
}

static inline void kfree(const void *p)
{
	if (p)
		svx_shim_allocs--;
	free((void *)p);
}

static inline void kvfree(const void *p)
{
	kfree(p);
}

#endif
