/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: each TRACE_EVENT(name, ...) of include/svx_trace.h
 * becomes an empty trace_name() and a trace_name_enabled() that is false,
 * as in a kernel without CONFIG_TRACEPOINTS.
 */
#ifndef SVX_SHIM_LINUX_TRACEPOINT_H
#define SVX_SHIM_LINUX_TRACEPOINT_H

#include <linux/types.h>

#define TP_PROTO(...)	__VA_ARGS__
#define TP_ARGS(...)	__VA_ARGS__

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	_Pragma("GCC diagnostic push")					\
	_Pragma("GCC diagnostic ignored \"-Wunused-parameter\"")	\
	static inline void trace_##name(proto) { }			\
	_Pragma("GCC diagnostic pop")					\
	static inline bool trace_##name##_enabled(void) { return false; }

#endif
