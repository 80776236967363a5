/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowvmx tracepoints: tracefs events/shadowvmx/.  Each is hooked with
 * one line where the event happens; core/trace.c instantiates them.
 *
 *   echo 1 > /sys/kernel/tracing/events/shadowvmx/enable
 *   cat /sys/kernel/tracing/trace_pipe
 *
 * Out-of-tree: define_trace.h finds this file as <./svx_trace.h> through
 * the -I$(src)/include of Kbuild.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM shadowvmx

#if !defined(_SVX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SVX_TRACE_H

#include <linux/tracepoint.h>

/* Outcome of a shadow fault (svx_shadow_fault, svx_nonpaging_fault). */
#define SVX_FAULT_FIXED		0	/* SPTE installed */
#define SVX_FAULT_INJECTED	1	/* guest #PF reflected into the guest */
#define SVX_FAULT_MMIO		2	/* MMIO, emulated or to userspace */
#define SVX_FAULT_EMULATED	3	/* guest page-table write emulated */
#define SVX_FAULT_RETRY		4	/* nothing done: the guest retries */
#define SVX_FAULT_ERROR		5	/* error / internal-error exit */

#define svx_show_fault_outcome(o)				\
	__print_symbolic(o, { SVX_FAULT_FIXED, "fixed" },	\
			 { SVX_FAULT_INJECTED, "injected" },	\
			 { SVX_FAULT_MMIO, "mmio" },		\
			 { SVX_FAULT_EMULATED, "emulated" },	\
			 { SVX_FAULT_RETRY, "retry" },		\
			 { SVX_FAULT_ERROR, "error" })

TRACE_EVENT(svx_vm_exit,
	TP_PROTO(unsigned int vm, int vcpu, u32 reason, u64 qual, u64 rip),
	TP_ARGS(vm, vcpu, reason, qual, rip),
	TP_STRUCT__entry(
		__field(unsigned int, vm)
		__field(int, vcpu)
		__field(u32, reason)
		__field(u64, qual)
		__field(u64, rip)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->qual = qual;
		__entry->rip = rip;
	),
	TP_printk("vm%u vcpu%d reason %u qual %#llx rip %#llx",
		  __entry->vm, __entry->vcpu, __entry->reason, __entry->qual,
		  __entry->rip)
);

TRACE_EVENT(svx_shadow_fault,
	TP_PROTO(int vcpu, u64 gva, u32 error_code, int outcome),
	TP_ARGS(vcpu, gva, error_code, outcome),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gva)
		__field(u32, error_code)
		__field(int, outcome)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gva = gva;
		__entry->error_code = error_code;
		__entry->outcome = outcome;
	),
	TP_printk("vcpu%d gva %#llx err %#x %s", __entry->vcpu, __entry->gva,
		  __entry->error_code, svx_show_fault_outcome(__entry->outcome))
);

TRACE_EVENT(svx_spte_install,
	TP_PROTO(int vcpu, u64 gva, u64 gpa, u64 spte),
	TP_ARGS(vcpu, gva, gpa, spte),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gva)
		__field(u64, gpa)
		__field(u64, spte)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gva = gva;
		__entry->gpa = gpa;
		__entry->spte = spte;
	),
	TP_printk("vcpu%d gva %#llx gpa %#llx spte %#llx", __entry->vcpu,
		  __entry->gva, __entry->gpa, __entry->spte)
);

TRACE_EVENT(svx_pt_write_emulated,
	TP_PROTO(int vcpu, u64 gpa, u64 old, u64 new, unsigned int size),
	TP_ARGS(vcpu, gpa, old, new, size),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gpa)
		__field(u64, old)
		__field(u64, new)
		__field(unsigned int, size)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gpa = gpa;
		__entry->old = old;
		__entry->new = new;
		__entry->size = size;
	),
	TP_printk("vcpu%d gpa %#llx size %u old %#llx new %#llx",
		  __entry->vcpu, __entry->gpa, __entry->size, __entry->old,
		  __entry->new)
);

TRACE_EVENT(svx_zap,
	TP_PROTO(unsigned int vm, const char *what, u64 gfn),
	TP_ARGS(vm, what, gfn),
	TP_STRUCT__entry(
		__field(unsigned int, vm)
		__field(const char *, what)
		__field(u64, gfn)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->what = what;
		__entry->gfn = gfn;
	),
	TP_printk("vm%u %s gfn %#llx", __entry->vm, __entry->what,
		  __entry->gfn)
);

/* A leaf shadow page left write-protection (unsync) or came back (sync). */
TRACE_EVENT(svx_unsync,
	TP_PROTO(unsigned int vm, u64 gfn, bool sync, unsigned int dropped),
	TP_ARGS(vm, gfn, sync, dropped),
	TP_STRUCT__entry(
		__field(unsigned int, vm)
		__field(u64, gfn)
		__field(bool, sync)
		__field(unsigned int, dropped)
	),
	TP_fast_assign(
		__entry->vm = vm;
		__entry->gfn = gfn;
		__entry->sync = sync;
		__entry->dropped = dropped;
	),
	TP_printk("vm%u gfn %#llx %s (%u stale SPTEs dropped)", __entry->vm,
		  __entry->gfn, __entry->sync ? "sync" : "unsync",
		  __entry->dropped)
);

TRACE_EVENT(svx_cr3_load,
	TP_PROTO(int vcpu, u64 cr3, bool hit),
	TP_ARGS(vcpu, cr3, hit),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, cr3)
		__field(bool, hit)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->cr3 = cr3;
		__entry->hit = hit;
	),
	TP_printk("vcpu%d cr3 %#llx root %s", __entry->vcpu, __entry->cr3,
		  __entry->hit ? "hit" : "miss")
);

TRACE_EVENT(svx_ept_violation,
	TP_PROTO(int vcpu, u64 gpa, u64 qual),
	TP_ARGS(vcpu, gpa, qual),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gpa)
		__field(u64, qual)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gpa = gpa;
		__entry->qual = qual;
	),
	TP_printk("vcpu%d gpa %#llx qual %#llx (%s%s%s)", __entry->vcpu,
		  __entry->gpa, __entry->qual,
		  (__entry->qual & 1) ? "r" : "-",
		  (__entry->qual & 2) ? "w" : "-",
		  (__entry->qual & 4) ? "x" : "-")
);

TRACE_EVENT(svx_ept_misconfig,
	TP_PROTO(int vcpu, u64 gpa),
	TP_ARGS(vcpu, gpa),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gpa)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gpa = gpa;
	),
	TP_printk("vcpu%d gpa %#llx", __entry->vcpu, __entry->gpa)
);

TRACE_EVENT(svx_pio,
	TP_PROTO(int vcpu, u16 port, unsigned int size, bool in, bool string),
	TP_ARGS(vcpu, port, size, in, string),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u16, port)
		__field(unsigned int, size)
		__field(bool, in)
		__field(bool, string)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->port = port;
		__entry->size = size;
		__entry->in = in;
		__entry->string = string;
	),
	TP_printk("vcpu%d %s%s port %#x size %u", __entry->vcpu,
		  __entry->in ? "in" : "out", __entry->string ? "s" : "",
		  __entry->port, __entry->size)
);

TRACE_EVENT(svx_mmio,
	TP_PROTO(int vcpu, u64 gva, u64 gpa, unsigned int len, bool write),
	TP_ARGS(vcpu, gva, gpa, len, write),
	TP_STRUCT__entry(
		__field(int, vcpu)
		__field(u64, gva)
		__field(u64, gpa)
		__field(unsigned int, len)
		__field(bool, write)
	),
	TP_fast_assign(
		__entry->vcpu = vcpu;
		__entry->gva = gva;
		__entry->gpa = gpa;
		__entry->len = len;
		__entry->write = write;
	),
	TP_printk("vcpu%d %s gva %#llx gpa %#llx len %u", __entry->vcpu,
		  __entry->write ? "write" : "read", __entry->gva,
		  __entry->gpa, __entry->len)
);

#endif /* _SVX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE svx_trace
#include <trace/define_trace.h>
