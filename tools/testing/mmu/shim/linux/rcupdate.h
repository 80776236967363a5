/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: RCU readers in a single-threaded harness. */
#ifndef SVX_SHIM_LINUX_RCUPDATE_H
#define SVX_SHIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>

#define rcu_read_lock()		do { } while (0)
#define rcu_read_unlock()	do { } while (0)
#define rcu_dereference(p)	READ_ONCE(p)
#define rcu_access_pointer(p)	READ_ONCE(p)

#endif
