/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: READ_ONCE/WRITE_ONCE and friends, as the kernel has them. */
#ifndef SVX_SHIM_LINUX_COMPILER_H
#define SVX_SHIM_LINUX_COMPILER_H

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	(*(volatile __typeof__(x) *)&(x) = (val))

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
/* Orders reads as the kernel's (mmu.c: the notifier sequence before the pin). */
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#define __maybe_unused		__attribute__((__unused__))
#define __user
#define __rcu
#define __must_check		__attribute__((__warn_unused_result__))

#endif
