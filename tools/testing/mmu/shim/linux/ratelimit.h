/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in: the simulator prints every message (shim.c counts). */
#ifndef SVX_SHIM_RATELIMIT_H
#define SVX_SHIM_RATELIMIT_H

struct ratelimit_state {
	int missed;
};

#define DEFAULT_RATELIMIT_INTERVAL	(5 * 1000)
#define DEFAULT_RATELIMIT_BURST		10
#define RATELIMIT_MSG_ON_RELEASE	1

static inline void ratelimit_state_init(struct ratelimit_state *rs,
					int interval, int burst)
{
	(void)interval;
	(void)burst;
	rs->missed = 0;
}

static inline void ratelimit_set_flags(struct ratelimit_state *rs,
				       unsigned long flags)
{
	(void)rs;
	(void)flags;
}

static inline void ratelimit_state_exit(struct ratelimit_state *rs)
{
	(void)rs;
}

#define __ratelimit(rs)	((void)(rs), 1)

#endif
