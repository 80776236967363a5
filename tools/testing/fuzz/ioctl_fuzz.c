// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz: a syzkaller-style fuzzer for /dev/shadowvmx (and /dev/kvm).
 *
 * A program is a list of calls generated from (--seed, program index): a
 * prologue run by thread 0 (open the device, create a VM, maybe switch it
 * to EPT, memslots, vCPUs, their kvm_run mmaps, a tiny guest) and a body
 * spread over several threads with roles (runner: KVM_RUN; slots: memslot
 * create/move/delete and backing remaps; state: SET_SREGS, SET_CPUID2,
 * walk traces, stats ...; chaos: close/recreate, fork, fd passing, bad
 * arguments).  The in-kernel irqchip, PIT, GSI routing and irqfds take
 * part in every role (SET_GSI_ROUTING racing KVM_IRQ_LINE, irqfd writes
 * and KVM_RUN; SET_IRQCHIP racing KVM_RUN).  Every call carries its own seed: its arguments (typed, see
 * the ops[] table: which fd, which ioctl, which struct, how it is mutated)
 * are derived from it when it runs, so a program minus some calls still
 * runs the others with the same arguments (delta debugging).
 *
 * The manager runs each program in a child process, records every call in
 * a shared log, then checks: the kernel log (/dev/kmsg) for splats, the
 * child for a hang (a call that did not return within --hang seconds; the
 * watchdog kicks KVM_RUN with a signal every 50 ms, so only a stuck kernel
 * hangs), and the module's gauges for leaks: with all the program's fds
 * closed, /sys/module/shadowvmx/parameters/{pinned_pages,table_pages} and
 * /sys/module/shadowvmx/refcnt must be back to 0.  A failing program is
 * minimized (ddmin over its calls, each candidate run up to 3 times;
 * serialized on one thread when it fails that way too, see minimize())
 * and printed with the command that replays it.
 *
 * Differential mode (--diff-record FILE): single-threaded programs without
 * fork/races, each call's result (0 or -errno; positive results count as
 * 0) written to FILE; --diff-compare OURS KVM then compares two such files
 * (made on /dev/shadowvmx and /dev/kvm with the same seed; KVM_{GET,SET}_MSRS
 * record how many MSRs were processed) and explains
 * each difference from the table diff_explained[] or reports it.
 *
 * Output lines (scripts/vm-payload.sh):
 *   fuzz[ioctl][DEV]: N sequences, M calls, K threads, S splats, L leaks
 *   fuzz[ioctl-diff]: N calls, U unexplained errno differences vs /dev/kvm
 * K is the number of worker threads run over all sequences.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#define MAX_THREADS	4
#define NVM		2
#define NVCPU		3
#define NMEM		5	/* 0: main (GPA 0, 64 KiB), 1-4: data slots */
#define MEM_SIZE	0x10000
#define MAX_CALLS	4096
#define LOG_ENTRIES	8192
#define GUEST_ENTRY	0x1000
#define NIRQFD		4	/* eventfds per VM for KVM_IRQFD */
#define NIOEFD		4	/* eventfds per VM for KVM_IOEVENTFD */
#define BITMAP_SIZE	(1 << 20)	/* dirty-log and MSR-filter bitmaps */

extern const unsigned char fuzz_guest_start[], fuzz_guest_end[];

/* ---------------------------------------------------------------- rng -- */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)	/* [0, n) */
{
	return n ? splitmix(s) % n : 0;
}

static bool one_in(uint64_t *s, uint32_t n)
{
	return rnd(s, n) == 0;
}

/* A boundary-biased 64-bit value. */
static uint64_t special64(uint64_t *s)
{
	static const uint64_t v[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0xfff, 0x1000, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
		0x000fffffffffffffULL, 0xffff800000000000ULL,
		0x00007fffffffffffULL, 0xfffffffffffff000ULL,
	};

	if (one_in(s, 3))
		return splitmix(s);
	return v[rnd(s, sizeof(v) / sizeof(v[0]))];
}

/* ------------------------------------------------------------ the ops -- */
enum fdk { K_NONE, K_SYS, K_VM, K_VCPU };

enum op {
	/* system fd */
	O_OPEN, O_CLOSE_SYS, O_API_VERSION, O_CHECK_EXT, O_MMAP_SIZE,
	O_MSR_INDEX_LIST, O_SUPPORTED_CPUID, O_EMULATED_CPUID, O_GET_CAPS,
	O_CREATE_VM, O_SYS_UNKNOWN,
	/* VM fd */
	O_SET_MEMSLOT, O_CREATE_VCPU, O_VM_CHECK_EXT, O_SET_TSS_ADDR,
	O_VM_STATS, O_SET_PAGING, O_VM_SUPPORTED_CPUID, O_CLOSE_VM,
	O_VM_UNKNOWN,
	/* VM fd: in-kernel irqchip, PIT, routing, irqfd */
	O_CREATE_IRQCHIP, O_GET_IRQCHIP, O_SET_IRQCHIP, O_IRQ_LINE,
	O_IRQ_LINE_STATUS, O_SET_GSI_ROUTING, O_SIGNAL_MSI, O_CREATE_PIT2,
	O_CREATE_PIT, O_GET_PIT2, O_SET_PIT2, O_GET_PIT, O_SET_PIT,
	O_REINJECT_CONTROL, O_IRQFD, O_IRQFD_SIGNAL,
	/* vCPU fd */
	O_RUN, O_GET_REGS, O_SET_REGS, O_GET_SREGS, O_SET_SREGS,
	O_GET_CPUID2, O_SET_CPUID2, O_GET_MP, O_SET_MP, O_GET_FPU, O_SET_FPU,
	O_GET_DEBUGREGS, O_SET_DEBUGREGS, O_GET_MSRS, O_SET_MSRS,
	O_INTERRUPT, O_NMI, O_GET_EVENTS, O_SET_EVENTS, O_TRANSLATE,
	O_VCPU_STATS, O_WALK_TRACE, O_MMAP_RUN, O_CLOSE_VCPU, O_VCPU_UNKNOWN,
	/* composite and process-level */
	O_SETUP_GUEST, O_WRITE_CODE, O_SCRIBBLE, O_MEM_REMAP, O_MEM_DONTNEED,
	O_FORK,
	/* issue 14: the rest of what the module answers (exec_ext()) */
	O_VM_ENABLE_CAP, O_GET_CLOCK, O_SET_CLOCK, O_VM_GET_TSC_KHZ,
	O_VM_SET_TSC_KHZ, O_SET_MEMSLOT_LOG, O_GET_DIRTY_LOG,
	O_CLEAR_DIRTY_LOG, O_IOEVENTFD, O_VM_STATS_FD, O_SET_NR_MMU_PAGES,
	O_GET_NR_MMU_PAGES, O_SET_BOOT_CPU_ID, O_SET_MSR_FILTER,
	O_HYPERV_EVENTFD,
	O_VCPU_ENABLE_CAP, O_SET_GUEST_DEBUG, O_GET_LAPIC, O_SET_LAPIC,
	O_GET_XSAVE, O_GET_XSAVE2, O_SET_XSAVE, O_GET_XCRS, O_SET_XCRS,
	O_KVMCLOCK_CTRL, O_GET_TSC_KHZ, O_SET_TSC_KHZ, O_VCPU_STATS_FD,
	O_SMI, O_SET_VAPIC_ADDR, O_TPR_ACCESS_REPORTING, O_SETUP_MCE,
	O_SET_MCE, O_VCPU_DEVICE_ATTR, O_VCPU_HV_CPUID, O_WALK_TRACE2,
	O_MCE_CAP_SUPPORTED, O_MSR_FEATURE_LIST, O_SYS_GET_MSRS,
	O_SYS_HV_CPUID, O_SYS_DEVICE_ATTR,
	O_NR
};
#define O_FIRST_EXT	O_VM_ENABLE_CAP

struct op_desc {
	const char *name;
	enum fdk fd;
	unsigned long req;	/* the ioctl, 0 for non-ioctl ops */
	unsigned int argsz;	/* the struct the argument points to */
	/* weights per role: runner, slots, state, chaos */
	unsigned char w[4];
	bool racy;		/* not in differential mode */
};

#define D(o, n, k, r, sz, a, b, c, d, racy) \
	[o] = { n, k, r, sz, { a, b, c, d }, racy }
static const struct op_desc ops[O_NR] = {
	D(O_OPEN, "open", K_NONE, 0, 0, 0, 0, 0, 2, 0),
	D(O_CLOSE_SYS, "close(sys)", K_SYS, 0, 0, 0, 0, 0, 1, 0),
	D(O_API_VERSION, "KVM_GET_API_VERSION", K_SYS, KVM_GET_API_VERSION, 0, 0, 0, 1, 1, 0),
	D(O_CHECK_EXT, "KVM_CHECK_EXTENSION", K_SYS, KVM_CHECK_EXTENSION, 0, 0, 0, 1, 1, 0),
	D(O_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE", K_SYS, KVM_GET_VCPU_MMAP_SIZE, 0, 0, 0, 1, 1, 0),
	D(O_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST", K_SYS, KVM_GET_MSR_INDEX_LIST,
	  sizeof(struct kvm_msr_list) + 1024 * 4, 0, 0, 1, 2, 0),
	D(O_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID", K_SYS, KVM_GET_SUPPORTED_CPUID,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 2, 0),
	D(O_EMULATED_CPUID, "KVM_GET_EMULATED_CPUID", K_SYS, KVM_GET_EMULATED_CPUID,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 1, 0),
	D(O_GET_CAPS, "SVX_GET_CAPS", K_SYS, SVX_GET_CAPS, sizeof(struct svx_caps), 0, 0, 1, 1, 0),
	D(O_CREATE_VM, "KVM_CREATE_VM", K_SYS, KVM_CREATE_VM, 0, 0, 0, 0, 3, 0),
	D(O_SYS_UNKNOWN, "sys-unknown", K_SYS, 0, 64, 0, 0, 0, 1, 0),
	D(O_SET_MEMSLOT, "KVM_SET_USER_MEMORY_REGION", K_VM, KVM_SET_USER_MEMORY_REGION,
	  sizeof(struct kvm_userspace_memory_region), 1, 12, 1, 2, 0),
	D(O_CREATE_VCPU, "KVM_CREATE_VCPU", K_VM, KVM_CREATE_VCPU, 0, 0, 0, 0, 3, 0),
	D(O_VM_CHECK_EXT, "KVM_CHECK_EXTENSION(vm)", K_VM, KVM_CHECK_EXTENSION, 0, 0, 0, 1, 1, 0),
	D(O_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", K_VM, KVM_SET_TSS_ADDR, 0, 0, 1, 1, 1, 0),
	D(O_VM_STATS, "SVX_GET_VM_STATS", K_VM, SVX_GET_VM_STATS, sizeof(struct svx_stats),
	  0, 2, 2, 1, 0),
	D(O_SET_PAGING, "SVX_SET_PAGING", K_VM, SVX_SET_PAGING, 0, 0, 1, 1, 1, 0),
	D(O_VM_SUPPORTED_CPUID, "SVX_GET_SUPPORTED_CPUID", K_VM, SVX_GET_SUPPORTED_CPUID,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 1, 0),
	D(O_CLOSE_VM, "close(vm)", K_VM, 0, 0, 0, 0, 0, 2, 0),
	D(O_VM_UNKNOWN, "vm-unknown", K_VM, 0, 64, 0, 0, 0, 1, 0),
	D(O_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", K_VM, KVM_CREATE_IRQCHIP, 0, 0, 0, 1, 1, 0),
	D(O_GET_IRQCHIP, "KVM_GET_IRQCHIP", K_VM, KVM_GET_IRQCHIP, sizeof(struct kvm_irqchip),
	  0, 0, 1, 1, 0),
	D(O_SET_IRQCHIP, "KVM_SET_IRQCHIP", K_VM, KVM_SET_IRQCHIP, sizeof(struct kvm_irqchip),
	  1, 0, 2, 1, 0),
	D(O_IRQ_LINE, "KVM_IRQ_LINE", K_VM, KVM_IRQ_LINE, sizeof(struct kvm_irq_level),
	  2, 1, 2, 1, 0),
	D(O_IRQ_LINE_STATUS, "KVM_IRQ_LINE_STATUS", K_VM, KVM_IRQ_LINE_STATUS,
	  sizeof(struct kvm_irq_level), 1, 1, 2, 1, 0),
	D(O_SET_GSI_ROUTING, "KVM_SET_GSI_ROUTING", K_VM, KVM_SET_GSI_ROUTING,
	  sizeof(struct kvm_irq_routing) + 16 * sizeof(struct kvm_irq_routing_entry),
	  1, 2, 2, 1, 0),
	D(O_SIGNAL_MSI, "KVM_SIGNAL_MSI", K_VM, KVM_SIGNAL_MSI, sizeof(struct kvm_msi),
	  1, 1, 2, 1, 0),
	D(O_CREATE_PIT2, "KVM_CREATE_PIT2", K_VM, KVM_CREATE_PIT2, sizeof(struct kvm_pit_config),
	  0, 0, 1, 1, 0),
	D(O_CREATE_PIT, "KVM_CREATE_PIT", K_VM, KVM_CREATE_PIT, 0, 0, 0, 0, 1, 0),
	D(O_GET_PIT2, "KVM_GET_PIT2", K_VM, KVM_GET_PIT2, sizeof(struct kvm_pit_state2),
	  0, 0, 1, 1, 0),
	D(O_SET_PIT2, "KVM_SET_PIT2", K_VM, KVM_SET_PIT2, sizeof(struct kvm_pit_state2),
	  1, 0, 2, 1, 0),
	D(O_GET_PIT, "KVM_GET_PIT", K_VM, KVM_GET_PIT, sizeof(struct kvm_pit_state),
	  0, 0, 1, 1, 0),
	D(O_SET_PIT, "KVM_SET_PIT", K_VM, KVM_SET_PIT, sizeof(struct kvm_pit_state),
	  0, 0, 1, 1, 0),
	D(O_REINJECT_CONTROL, "KVM_REINJECT_CONTROL", K_VM, KVM_REINJECT_CONTROL,
	  sizeof(struct kvm_reinject_control), 0, 0, 1, 1, 0),
	D(O_IRQFD, "KVM_IRQFD", K_VM, KVM_IRQFD, sizeof(struct kvm_irqfd), 1, 1, 2, 1, 0),
	D(O_IRQFD_SIGNAL, "write(irqfd)", K_NONE, 0, 0, 2, 1, 1, 1, 0),
	D(O_RUN, "KVM_RUN", K_VCPU, KVM_RUN, 0, 20, 0, 1, 2, 0),
	D(O_GET_REGS, "KVM_GET_REGS", K_VCPU, KVM_GET_REGS, sizeof(struct kvm_regs), 1, 0, 2, 1, 0),
	D(O_SET_REGS, "KVM_SET_REGS", K_VCPU, KVM_SET_REGS, sizeof(struct kvm_regs), 2, 0, 2, 1, 0),
	D(O_GET_SREGS, "KVM_GET_SREGS", K_VCPU, KVM_GET_SREGS, sizeof(struct kvm_sregs), 1, 0, 2, 1, 0),
	D(O_SET_SREGS, "KVM_SET_SREGS", K_VCPU, KVM_SET_SREGS, sizeof(struct kvm_sregs), 2, 0, 4, 1, 0),
	D(O_GET_CPUID2, "KVM_GET_CPUID2", K_VCPU, KVM_GET_CPUID2,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 1, 0),
	D(O_SET_CPUID2, "KVM_SET_CPUID2", K_VCPU, KVM_SET_CPUID2,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 3, 1, 0),
	D(O_GET_MP, "KVM_GET_MP_STATE", K_VCPU, KVM_GET_MP_STATE, sizeof(struct kvm_mp_state),
	  0, 0, 1, 1, 0),
	D(O_SET_MP, "KVM_SET_MP_STATE", K_VCPU, KVM_SET_MP_STATE, sizeof(struct kvm_mp_state),
	  0, 0, 1, 1, 0),
	D(O_GET_FPU, "KVM_GET_FPU", K_VCPU, KVM_GET_FPU, sizeof(struct kvm_fpu), 0, 0, 1, 1, 0),
	D(O_SET_FPU, "KVM_SET_FPU", K_VCPU, KVM_SET_FPU, sizeof(struct kvm_fpu), 0, 0, 1, 1, 0),
	D(O_GET_DEBUGREGS, "KVM_GET_DEBUGREGS", K_VCPU, KVM_GET_DEBUGREGS,
	  sizeof(struct kvm_debugregs), 0, 0, 1, 1, 0),
	D(O_SET_DEBUGREGS, "KVM_SET_DEBUGREGS", K_VCPU, KVM_SET_DEBUGREGS,
	  sizeof(struct kvm_debugregs), 0, 0, 1, 1, 0),
	D(O_GET_MSRS, "KVM_GET_MSRS", K_VCPU, KVM_GET_MSRS,
	  sizeof(struct kvm_msrs) + 300 * sizeof(struct kvm_msr_entry), 0, 0, 2, 1, 0),
	D(O_SET_MSRS, "KVM_SET_MSRS", K_VCPU, KVM_SET_MSRS,
	  sizeof(struct kvm_msrs) + 300 * sizeof(struct kvm_msr_entry), 0, 0, 2, 1, 0),
	D(O_INTERRUPT, "KVM_INTERRUPT", K_VCPU, KVM_INTERRUPT, sizeof(struct kvm_interrupt),
	  1, 0, 1, 1, 0),
	D(O_NMI, "KVM_NMI", K_VCPU, KVM_NMI, 0, 1, 0, 1, 1, 0),
	D(O_GET_EVENTS, "KVM_GET_VCPU_EVENTS", K_VCPU, KVM_GET_VCPU_EVENTS,
	  sizeof(struct kvm_vcpu_events), 0, 0, 1, 1, 0),
	D(O_SET_EVENTS, "KVM_SET_VCPU_EVENTS", K_VCPU, KVM_SET_VCPU_EVENTS,
	  sizeof(struct kvm_vcpu_events), 1, 0, 2, 1, 0),
	D(O_TRANSLATE, "KVM_TRANSLATE", K_VCPU, KVM_TRANSLATE, sizeof(struct kvm_translation),
	  0, 1, 2, 1, 0),
	D(O_VCPU_STATS, "SVX_GET_VCPU_STATS", K_VCPU, SVX_GET_VCPU_STATS,
	  sizeof(struct svx_stats), 0, 1, 1, 1, 0),
	D(O_WALK_TRACE, "SVX_WALK_TRACE", K_VCPU, SVX_WALK_TRACE,
	  sizeof(struct svx_walk_trace), 0, 2, 4, 1, 0),
	D(O_MMAP_RUN, "mmap(vcpu)", K_VCPU, 0, 0, 0, 0, 1, 2, 0),
	D(O_CLOSE_VCPU, "close(vcpu)", K_VCPU, 0, 0, 0, 0, 0, 2, 0),
	D(O_VCPU_UNKNOWN, "vcpu-unknown", K_VCPU, 0, 64, 0, 0, 0, 1, 0),
	D(O_SETUP_GUEST, "setup-guest", K_VCPU, 0, 0, 1, 0, 1, 1, 0),
	D(O_WRITE_CODE, "write-guest-code", K_NONE, 0, 0, 0, 1, 0, 1, 0),
	D(O_SCRIBBLE, "scribble-guest", K_NONE, 0, 0, 0, 1, 0, 1, 1),
	D(O_MEM_REMAP, "remap-backing", K_NONE, 0, 0, 0, 2, 0, 1, 1),
	D(O_MEM_DONTNEED, "madvise(DONTNEED)", K_NONE, 0, 0, 0, 2, 0, 1, 1),
	D(O_FORK, "fork+fd-pass", K_NONE, 0, 0, 0, 0, 0, 1, 1),
	/*
	 * exec_ext(): racing where it matters (dirty log vs KVM_RUN and
	 * memslot changes: runner and slots; SET_LAPIC, SET_XSAVE,
	 * SET_GUEST_DEBUG, SMI, SET_MCE, TSC rate vs KVM_RUN: runner and
	 * state).  The argument size is what mut_ptr() may break.
	 */
	D(O_VM_ENABLE_CAP, "KVM_ENABLE_CAP(vm)", K_VM, KVM_ENABLE_CAP,
	  sizeof(struct kvm_enable_cap), 0, 1, 2, 1, 0),
	D(O_GET_CLOCK, "KVM_GET_CLOCK", K_VM, KVM_GET_CLOCK, sizeof(struct kvm_clock_data),
	  0, 0, 1, 1, 0),
	D(O_SET_CLOCK, "KVM_SET_CLOCK", K_VM, KVM_SET_CLOCK, sizeof(struct kvm_clock_data),
	  1, 0, 1, 1, 0),
	D(O_VM_GET_TSC_KHZ, "KVM_GET_TSC_KHZ(vm)", K_VM, KVM_GET_TSC_KHZ, 0, 0, 0, 1, 1, 0),
	D(O_VM_SET_TSC_KHZ, "KVM_SET_TSC_KHZ(vm)", K_VM, KVM_SET_TSC_KHZ, 0, 0, 0, 1, 1, 0),
	D(O_SET_MEMSLOT_LOG, "KVM_SET_USER_MEMORY_REGION(log)", K_VM, KVM_SET_USER_MEMORY_REGION,
	  sizeof(struct kvm_userspace_memory_region), 1, 4, 1, 1, 0),
	D(O_GET_DIRTY_LOG, "KVM_GET_DIRTY_LOG", K_VM, KVM_GET_DIRTY_LOG,
	  sizeof(struct kvm_dirty_log), 1, 3, 2, 1, 0),
	D(O_CLEAR_DIRTY_LOG, "KVM_CLEAR_DIRTY_LOG", K_VM, KVM_CLEAR_DIRTY_LOG,
	  sizeof(struct kvm_clear_dirty_log), 1, 3, 2, 1, 0),
	D(O_IOEVENTFD, "KVM_IOEVENTFD", K_VM, KVM_IOEVENTFD, sizeof(struct kvm_ioeventfd),
	  1, 1, 2, 1, 0),
	D(O_VM_STATS_FD, "KVM_GET_STATS_FD(vm)", K_VM, KVM_GET_STATS_FD, 0, 0, 1, 1, 1, 0),
	D(O_SET_NR_MMU_PAGES, "KVM_SET_NR_MMU_PAGES", K_VM, KVM_SET_NR_MMU_PAGES, 0,
	  1, 1, 1, 1, 0),
	D(O_GET_NR_MMU_PAGES, "KVM_GET_NR_MMU_PAGES", K_VM, KVM_GET_NR_MMU_PAGES, 0,
	  0, 0, 1, 1, 0),
	D(O_SET_BOOT_CPU_ID, "KVM_SET_BOOT_CPU_ID", K_VM, KVM_SET_BOOT_CPU_ID, 0, 0, 0, 1, 2, 0),
	D(O_SET_MSR_FILTER, "KVM_X86_SET_MSR_FILTER", K_VM, KVM_X86_SET_MSR_FILTER,
	  sizeof(struct kvm_msr_filter), 1, 0, 2, 1, 0),
	D(O_HYPERV_EVENTFD, "KVM_HYPERV_EVENTFD", K_VM, KVM_HYPERV_EVENTFD,
	  sizeof(struct kvm_hyperv_eventfd), 0, 0, 1, 1, 0),
	D(O_VCPU_ENABLE_CAP, "KVM_ENABLE_CAP(vcpu)", K_VCPU, KVM_ENABLE_CAP,
	  sizeof(struct kvm_enable_cap), 0, 0, 2, 1, 0),
	D(O_SET_GUEST_DEBUG, "KVM_SET_GUEST_DEBUG", K_VCPU, KVM_SET_GUEST_DEBUG,
	  sizeof(struct kvm_guest_debug), 1, 0, 2, 1, 0),
	D(O_GET_LAPIC, "KVM_GET_LAPIC", K_VCPU, KVM_GET_LAPIC, sizeof(struct kvm_lapic_state),
	  0, 0, 1, 1, 0),
	D(O_SET_LAPIC, "KVM_SET_LAPIC", K_VCPU, KVM_SET_LAPIC, sizeof(struct kvm_lapic_state),
	  1, 0, 2, 1, 0),
	D(O_GET_XSAVE, "KVM_GET_XSAVE", K_VCPU, KVM_GET_XSAVE, sizeof(struct kvm_xsave),
	  0, 0, 1, 1, 0),
	D(O_GET_XSAVE2, "KVM_GET_XSAVE2", K_VCPU, KVM_GET_XSAVE2, sizeof(struct kvm_xsave),
	  0, 0, 1, 1, 0),
	D(O_SET_XSAVE, "KVM_SET_XSAVE", K_VCPU, KVM_SET_XSAVE, sizeof(struct kvm_xsave),
	  1, 0, 2, 1, 0),
	D(O_GET_XCRS, "KVM_GET_XCRS", K_VCPU, KVM_GET_XCRS, sizeof(struct kvm_xcrs),
	  0, 0, 1, 1, 0),
	D(O_SET_XCRS, "KVM_SET_XCRS", K_VCPU, KVM_SET_XCRS, sizeof(struct kvm_xcrs),
	  1, 0, 2, 1, 0),
	D(O_KVMCLOCK_CTRL, "KVM_KVMCLOCK_CTRL", K_VCPU, KVM_KVMCLOCK_CTRL, 0, 0, 0, 1, 1, 0),
	D(O_GET_TSC_KHZ, "KVM_GET_TSC_KHZ", K_VCPU, KVM_GET_TSC_KHZ, 0, 0, 0, 1, 1, 0),
	D(O_SET_TSC_KHZ, "KVM_SET_TSC_KHZ", K_VCPU, KVM_SET_TSC_KHZ, 0, 1, 0, 1, 1, 0),
	D(O_VCPU_STATS_FD, "KVM_GET_STATS_FD(vcpu)", K_VCPU, KVM_GET_STATS_FD, 0, 0, 0, 1, 1, 0),
	D(O_SMI, "KVM_SMI", K_VCPU, KVM_SMI, 0, 1, 0, 1, 1, 0),
	D(O_SET_VAPIC_ADDR, "KVM_SET_VAPIC_ADDR", K_VCPU, KVM_SET_VAPIC_ADDR,
	  sizeof(struct kvm_vapic_addr), 0, 1, 1, 1, 0),
	D(O_TPR_ACCESS_REPORTING, "KVM_TPR_ACCESS_REPORTING", K_VCPU, KVM_TPR_ACCESS_REPORTING,
	  sizeof(struct kvm_tpr_access_ctl), 0, 0, 1, 1, 0),
	D(O_SETUP_MCE, "KVM_X86_SETUP_MCE", K_VCPU, KVM_X86_SETUP_MCE, sizeof(uint64_t),
	  0, 0, 1, 1, 0),
	D(O_SET_MCE, "KVM_X86_SET_MCE", K_VCPU, KVM_X86_SET_MCE, sizeof(struct kvm_x86_mce),
	  1, 0, 1, 1, 0),
	D(O_VCPU_DEVICE_ATTR, "KVM_*_DEVICE_ATTR(vcpu)", K_VCPU, KVM_HAS_DEVICE_ATTR,
	  sizeof(struct kvm_device_attr), 1, 0, 2, 1, 0),
	D(O_VCPU_HV_CPUID, "KVM_GET_SUPPORTED_HV_CPUID(vcpu)", K_VCPU, KVM_GET_SUPPORTED_HV_CPUID,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 1, 0),
	D(O_WALK_TRACE2, "SVX_WALK_TRACE2", K_VCPU, SVX_WALK_TRACE2,
	  sizeof(struct svx_walk_trace2), 0, 1, 2, 1, 0),
	D(O_MCE_CAP_SUPPORTED, "KVM_X86_GET_MCE_CAP_SUPPORTED", K_SYS,
	  KVM_X86_GET_MCE_CAP_SUPPORTED, sizeof(uint64_t), 0, 0, 1, 1, 0),
	D(O_MSR_FEATURE_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST", K_SYS,
	  KVM_GET_MSR_FEATURE_INDEX_LIST, sizeof(struct kvm_msr_list) + 1024 * 4, 0, 0, 1, 1, 0),
	D(O_SYS_GET_MSRS, "KVM_GET_MSRS(sys)", K_SYS, KVM_GET_MSRS,
	  sizeof(struct kvm_msrs) + 300 * sizeof(struct kvm_msr_entry), 0, 0, 1, 1, 0),
	D(O_SYS_HV_CPUID, "KVM_GET_SUPPORTED_HV_CPUID(sys)", K_SYS, KVM_GET_SUPPORTED_HV_CPUID,
	  sizeof(struct kvm_cpuid2) + 300 * sizeof(struct kvm_cpuid_entry2), 0, 0, 1, 1, 0),
	D(O_SYS_DEVICE_ATTR, "KVM_*_DEVICE_ATTR(sys)", K_SYS, KVM_HAS_DEVICE_ATTR,
	  sizeof(struct kvm_device_attr), 0, 0, 1, 1, 0),
};

struct call {
	uint8_t thread;
	uint8_t op;
	uint8_t vm, vcpu;	/* resource indices */
	uint64_t seed;		/* the arguments' */
};

struct prog {
	int ncalls;
	int nthreads;
	int prologue;		/* calls [0, prologue) run on thread 0 first */
	struct call c[MAX_CALLS];
};

/* The shared (parent-visible) log of the running program. */
struct logent {
	int32_t call;		/* index in the program */
	int32_t ret;		/* 0/-errno; 1: in progress */
	uint64_t start_ns;
};

struct shared {
	volatile uint64_t calls_done;
	volatile int32_t running[MAX_THREADS + 1];	/* call index or -1 */
	volatile uint64_t started_ns[MAX_THREADS + 1];
	volatile int32_t ret[MAX_CALLS];
	volatile uint8_t done[MAX_CALLS];
	volatile uint32_t seq[MAX_CALLS];	/* completion order, from 1 */
	volatile uint32_t op_n[O_NR];		/* calls made, per op */
	volatile uint32_t op_ok[O_NR];		/* of them returned >= 0 */
};

/* ----------------------------------------------------------- options -- */
static const char *dev = "/dev/shadowvmx";
static uint64_t opt_seed = 1;
static uint64_t opt_calls = 100000;
static int opt_max_threads = MAX_THREADS;
static int opt_prog_len = 400;
static int opt_hang = 120;
static int opt_time;		/* seconds budget, 0: none */
static long opt_one = -1;	/* --prog N: just that program */
static char *opt_keep;		/* --keep LIST: its calls to keep */
static bool opt_serial;		/* --serial: the --keep LIST on one thread */
static const char *opt_diff_record;
static bool opt_verbose;
static bool opt_minimize = true;
static bool opt_plant;		/* --plant: see plant_splat() */
static bool is_svx;
static struct shared *sh;
static bool op_off[O_NR];	/* --ops-off NAME,...: never picked */
/* KVM_CHECK_EXTENSION(KVM_CAP_SET_GUEST_DEBUG2) on the system fd */
static long guestdbg_mask;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* -------------------------------------------------------- generation -- */
static enum op pick(uint64_t *s, int role, bool diff)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < O_NR; i++)
		if (!(diff && ops[i].racy) && !op_off[i])
			total += ops[i].w[role];
	x = rnd(s, total);
	for (i = 0; i < O_NR; i++) {
		if ((diff && ops[i].racy) || op_off[i])
			continue;
		if (x < ops[i].w[role])
			return i;
		x -= ops[i].w[role];
	}
	return O_RUN;
}

static void add(struct prog *p, int thread, enum op op, int vm, int vcpu,
		uint64_t *s)
{
	struct call *c;

	if (p->ncalls >= MAX_CALLS)
		return;
	c = &p->c[p->ncalls++];
	c->thread = thread;
	c->op = op;
	c->vm = vm;
	c->vcpu = vcpu;
	c->seed = splitmix(s);
}

static void gen_prog(struct prog *p, uint64_t seed, long idx, bool diff)
{
	uint64_t s = seed * 0x100000001b3ULL ^ (uint64_t)idx * 0x9e3779b97f4a7c15ULL;
	int i, t, v, n;

	memset(p, 0, sizeof(*p) - sizeof(p->c));
	p->nthreads = diff ? 1 : 1 + rnd(&s, opt_max_threads);
	/* prologue: a runnable guest (valid arguments: seed bit 0 clear) */
	add(p, 0, O_OPEN, 0, 0, &s);
	for (v = 0; v < NVM; v++) {
		if (v && one_in(&s, 2))
			break;
		add(p, 0, O_CREATE_VM, v, 0, &s);
		if (one_in(&s, 2))
			add(p, 0, O_SET_PAGING, v, 0, &s);
		if (one_in(&s, 2))	/* before the vCPUs, as KVM wants */
			add(p, 0, O_CREATE_IRQCHIP, v, 0, &s);
		if (one_in(&s, 3))
			add(p, 0, O_CREATE_PIT2, v, 0, &s);
		for (i = 0; i < NMEM; i++)
			if (!i || !one_in(&s, 3))
				add(p, 0, O_SET_MEMSLOT, v, i, &s);
		add(p, 0, O_WRITE_CODE, v, 0, &s);
		n = 1 + rnd(&s, NVCPU);
		for (i = 0; i < n; i++) {
			add(p, 0, O_CREATE_VCPU, v, i, &s);
			add(p, 0, O_MMAP_RUN, v, i, &s);
			add(p, 0, O_SETUP_GUEST, v, i, &s);
		}
	}
	for (i = p->prologue; i < p->ncalls; i++)
		p->c[i].seed &= ~1ULL;		/* valid form */
	p->prologue = p->ncalls;
	n = opt_prog_len / 2 + rnd(&s, opt_prog_len);
	for (i = 0; i < n && p->ncalls < MAX_CALLS; i++) {
		int role;

		t = rnd(&s, p->nthreads);
		/* thread 0 runs, 1 churns slots, 2 state, 3 chaos */
		role = diff ? (int)rnd(&s, 4) : (t < 4 ? t : (int)rnd(&s, 4));
		if (p->nthreads == 1)
			role = rnd(&s, 4);
		add(p, t, pick(&s, role, diff), rnd(&s, NVM), rnd(&s, NMEM),
		    &s);
	}
}

/* --------------------------------------------------------- execution -- */
struct mem {
	uint8_t *hva;
	size_t size;
};

struct exec {
	int sys;
	int vm[NVM];
	int vcpu[NVM][NVCPU];
	int efd[NVM][NIRQFD];	/* eventfds assigned with KVM_IRQFD */
	uint32_t efd_gsi[NVM][NIRQFD];
	int iofd[NVM][NIOEFD];	/* eventfds assigned with KVM_IOEVENTFD */
	struct kvm_ioeventfd ioarg[NVM][NIOEFD];	/* their arguments */
	uint8_t *bitmap;	/* BITMAP_SIZE bytes */
	struct kvm_run *run[NVM][NVCPU];
	pthread_mutex_t run_lock;	/* run[] mmaps vs their readers */
	struct mem mem[NVM][NMEM];
	uint8_t *guard;		/* [RW page][PROT_NONE page][RO page] */
	int mmap_size;
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID, for SET */
	const struct prog *p;
	const uint8_t *keep;	/* NULL: all calls */
	bool diff;
	FILE *diff_out;
	long prog_idx;
};


/* What a call's arguments were, for the differential record. */
static __thread char argdesc[160];

static void desc(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(argdesc, sizeof(argdesc), fmt, ap);
	va_end(ap);
}

static int xchg_fd(int *slot, int v)
{
	return __atomic_exchange_n(slot, v, __ATOMIC_SEQ_CST);
}

static int get_fd(int *slot)
{
	return __atomic_load_n(slot, __ATOMIC_SEQ_CST);
}

static void put_fd(int *slot, int fd)
{
	int old = xchg_fd(slot, fd);

	if (old >= 0)
		close(old);
}

static uint64_t mem_gpa(int i)
{
	return i ? 0x100000 + (i - 1) * MEM_SIZE : 0;
}

/*
 * A pointer argument for a @size-byte struct at @buf: mostly @buf, else a
 * bad one (NULL, unaligned tiny, kernel, unmapped, straddling into an
 * unmapped page, read-only for an output).
 */
static void *mut_ptr(uint64_t *s, struct exec *e, void *buf, size_t size)
{
	if (!one_in(s, 6))
		return buf;
	switch (rnd(s, 7)) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffff888000000000ULL;
	case 3: return e->guard + 4096;			/* PROT_NONE */
	case 4:						/* straddles */
		if (size > 8 && size < 4096) {
			memcpy(e->guard + 4096 - size / 2, buf, size / 2);
			return e->guard + 4096 - size / 2;
		}
		return e->guard + 4096 - 4;
	case 5:						/* read-only */
		return e->guard + 8192;
	default: return (void *)(uintptr_t)special64(s);
	}
}

static int fd_of(struct exec *e, enum fdk k, const struct call *c,
		 uint64_t *s)
{
	if (!e->diff && one_in(s, 200))
		return (int)special64(s);	/* a stale/bad fd */
	switch (k) {
	case K_SYS: return get_fd(&e->sys);
	case K_VM: {
		int fd = get_fd(&e->vm[c->vm % NVM]);

		if (fd < 0 && !one_in(s, 10))	/* mostly a live one */
			fd = get_fd(&e->vm[(c->vm + 1) % NVM]);
		return fd;
	}
	case K_VCPU: {
		int v = c->vm % NVM, i = c->vcpu % NVCPU, k2, fd;

		fd = get_fd(&e->vcpu[v][i]);
		for (k2 = 1; fd < 0 && k2 < NVM * NVCPU && !one_in(s, 10); k2++)
			fd = get_fd(&e->vcpu[(v + (i + k2) / NVCPU) % NVM]
					     [(i + k2) % NVCPU]);
		return fd;
	}
	default: return -1;
	}
}

static void flat_seg(struct kvm_segment *sg, uint16_t sel, uint8_t type,
		     bool code)
{
	memset(sg, 0, sizeof(*sg));
	sg->base = 0;
	sg->limit = 0xffffffff;
	sg->selector = sel;
	sg->type = type;
	sg->present = 1;
	sg->s = 1;
	sg->db = 1;
	sg->g = 1;
	(void)code;
}

static void pm32_sregs(struct kvm_sregs *sr)
{
	memset(sr, 0, sizeof(*sr));
	flat_seg(&sr->cs, 8, 0xb, true);
	flat_seg(&sr->ds, 0x10, 3, false);
	sr->es = sr->fs = sr->gs = sr->ss = sr->ds;
	memset(&sr->tr, 0, sizeof(sr->tr));
	sr->tr.selector = 0x18;
	sr->tr.type = 11;
	sr->tr.present = 1;
	sr->tr.limit = 0x67;
	sr->tr.base = 0x200;
	sr->ldt.unusable = 1;
	sr->ldt.type = 2;
	sr->gdt.limit = 0x1f;
	sr->idt.limit = 0;
	sr->cr0 = 0x31;		/* PE | ET | NE */
	sr->apic_base = 0xfee00900;
}

static void mutate_seg(uint64_t *s, struct kvm_segment *sg)
{
	switch (rnd(s, 8)) {
	case 0: sg->type = rnd(s, 16); break;
	case 1: sg->present ^= 1; break;
	case 2: sg->dpl = rnd(s, 4); break;
	case 3: sg->l = 1; break;
	case 4: sg->g ^= 1; break;
	case 5: sg->unusable ^= 1; break;
	case 6: sg->base = special64(s); break;
	default: sg->selector = rnd(s, 0x10000); break;
	}
}

static void gen_sregs(uint64_t *s, struct kvm_sregs *sr, bool valid)
{
	static const uint64_t cr0b[] = { 1, 2, 4, 8, 0x10, 0x20, 0x10000,
		0x40000, 0x20000000, 0x40000000, 0x80000000, 1ULL << 32 };
	static const uint64_t cr4b[] = { 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80,
		0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x10000,
		0x20000, 0x40000, 0x100000, 0x200000, 0x400000, 0x800000,
		1ULL << 40 };
	int n, i;

	pm32_sregs(sr);
	if (valid)
		return;
	n = 1 + rnd(s, 3);
	for (i = 0; i < n; i++) {
		switch (rnd(s, 10)) {
		case 0: sr->cr0 ^= cr0b[rnd(s, 12)]; break;
		case 1: sr->cr4 ^= cr4b[rnd(s, 23)]; break;
		case 2: sr->efer ^= 1ULL << rnd(s, 16); break;
		case 3: sr->cr3 = one_in(s, 2) ? 0x4000 : special64(s); break;
		case 4: mutate_seg(s, &sr->cs); break;
		case 5: mutate_seg(s, one_in(s, 2) ? &sr->ss : &sr->ds); break;
		case 6: mutate_seg(s, one_in(s, 2) ? &sr->tr : &sr->ldt); break;
		case 7: /* long mode, garbage tables at 0x4000 */
			sr->efer |= 0x500;
			sr->cr4 |= 0x20;
			sr->cr0 |= 0x80000000;
			sr->cr3 = 0x4000;
			sr->cs.l = 1;
			sr->cs.db = 0;
			break;
		case 8: sr->interrupt_bitmap[rnd(s, 4)] = 1ULL << rnd(s, 64); break;
		default: sr->apic_base = special64(s); sr->cr8 = rnd(s, 32); break;
		}
	}
}

static void gen_cpuid(uint64_t *s, struct exec *e, struct kvm_cpuid2 *c,
		      bool valid)
{
	uint32_t n = e->cpuid ? e->cpuid->nent : 0;

	c->nent = n;
	if (n)
		memcpy(c->entries, e->cpuid->entries, n * sizeof(c->entries[0]));
	if (valid)
		return;
	switch (rnd(s, 5)) {
	case 0: c->nent = (uint32_t)special64(s); break;
	case 1: c->nent = rnd(s, n + 1); break;
	case 2: c->nent = one_in(s, 2) ? 256 : 257; break;
	default:
		if (n) {
			struct kvm_cpuid_entry2 *x = &c->entries[rnd(s, n)];
			uint32_t *r = &x->eax + rnd(s, 4);

			*r ^= 1u << rnd(s, 32);
		}
	}
}

static const uint32_t msr_idx[] = {
	0x10, 0x1b, 0x3a, 0x8b, 0xfe, 0x174, 0x175, 0x176, 0x179, 0x1a0,
	0x1d9, 0x277, 0x2ff, 0x480, 0x48d, 0x6e0, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101,
	0xc0000102, 0xc0000103, 0x4b564d00, 0x40000000, 0xffffffff, 0, 0xe7,
	0xe8, 0x200, 0x250,
};

static void gen_msrs(uint64_t *s, struct kvm_msrs *m, bool valid)
{
	uint32_t n = 1 + rnd(s, 4), i;

	for (i = 0; i < n; i++) {
		m->entries[i].index = one_in(s, 10) ? (uint32_t)splitmix(s) :
			msr_idx[rnd(s, sizeof(msr_idx) / sizeof(msr_idx[0]))];
		m->entries[i].data = valid ? 0 : special64(s);
	}
	m->nmsrs = n;
	if (!valid && one_in(s, 4))
		m->nmsrs = one_in(s, 2) ? (uint32_t)special64(s) :
			   255 + rnd(s, 3);
}

static void gen_walk(uint64_t *s, struct svx_walk_trace *w, bool valid)
{
	memset(w, 0, sizeof(*w));
	w->version = SVX_WALK_TRACE_VERSION;
	w->size = sizeof(*w);
	w->gva = one_in(s, 2) ? rnd(s, 0x140000) : special64(s);
	w->access = rnd(s, 8) & (SVX_WT_ACC_WRITE | SVX_WT_ACC_USER |
				 SVX_WT_ACC_FETCH);
	if (one_in(s, 3))
		w->access |= SVX_WT_ACC_FETCH;
	if (valid)
		return;
	switch (rnd(s, 5)) {
	case 0: w->version = rnd(s, 3); break;
	case 1: w->size = one_in(s, 2) ? rnd(s, sizeof(*w)) : special64(s); break;
	case 2: w->access = splitmix(s); break;
	case 3: w->reserved[rnd(s, 7)] = 1; break;
	default: w->gpa = 1; break;
	}
}

static void gen_memslot(uint64_t *s, struct exec *e, const struct call *c,
			struct kvm_userspace_memory_region *r, bool valid)
{
	int v = c->vm % NVM, i = c->vcpu % NMEM;
	struct mem *m = &e->mem[v][i];

	memset(r, 0, sizeof(*r));
	r->slot = i;
	r->guest_phys_addr = mem_gpa(i);
	r->memory_size = m->size;
	r->userspace_addr = (uintptr_t)m->hva;
	if (valid || !m->hva)
		return;
	switch (rnd(s, 12)) {
	case 0: r->memory_size = 0; break;			/* delete */
	case 1: case 2:						/* move */
		r->guest_phys_addr = 0x100000 + rnd(s, 16) * MEM_SIZE;
		break;
	case 3: r->flags = KVM_MEM_READONLY; break;
	case 4: r->flags = 1u << rnd(s, 32); break;
	case 5: r->slot = one_in(s, 2) ? (uint32_t)special64(s) :
			  (1u << 16) | i; break;
	case 6: r->guest_phys_addr += rnd(s, 4096); break;
	case 7: r->memory_size = special64(s); break;
	case 8: r->userspace_addr = special64(s); break;
	case 9: r->userspace_addr += 4096 * rnd(s, 4); break;
	case 10: r->guest_phys_addr = special64(s) & ~0xfffULL; break;
	default: r->slot = 4 + rnd(s, 508); break;
	}
}

/* Bounded KVM_RUN: the watchdog signals us every 50 ms in a call. */
static long do_run(struct exec *e, const struct call *c, int fd, uint64_t *s)
{
	long r;
	int v = c->vm % NVM, i = c->vcpu % NVCPU;

	pthread_mutex_lock(&e->run_lock);
	if (e->run[v][i] && one_in(s, 20))
		e->run[v][i]->immediate_exit = 1;
	pthread_mutex_unlock(&e->run_lock);
	r = ioctl(fd, KVM_RUN, one_in(s, 50) ? 1 : 0);
	pthread_mutex_lock(&e->run_lock);
	desc("-");
	if (e->run[v][i]) {
		struct kvm_run *run = e->run[v][i];

		desc("exit=%u", run->exit_reason);

		if (opt_verbose)
			fprintf(stderr, "  [%d] vm%d vcpu%d exit_reason %u\n",
				getpid(), v, i, run->exit_reason);

		run->immediate_exit = 0;
		if (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write)
			memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
	}
	pthread_mutex_unlock(&e->run_lock);
	return r;
}

/*
 * The in-kernel irqchip and PIT.  KVM_SET_IRQCHIP and KVM_SET_PIT{,2}
 * start from the device's own state (a GET on the same fd; zeros if it
 * fails), then mutate fields: PIC registers and modes, IOAPIC id,
 * IOREGSEL, IRR and redirection entries, PIT channel modes, latches,
 * counts and flags.  Chip ids include bad ones.
 */
static void gen_irqchip(uint64_t *s, int fd, struct kvm_irqchip *ic,
			bool valid, bool set)
{
	int n, k;

	ic->chip_id = valid || one_in(s, 2) ? rnd(s, 3) :
		      one_in(s, 2) ? 3 + rnd(s, 4) : (uint32_t)special64(s);
	if (!set)
		return;
	if (ioctl(fd, KVM_GET_IRQCHIP, ic) < 0)
		memset(&ic->chip, 0, sizeof(ic->chip));
	if (valid)
		return;
	n = 1 + rnd(s, 4);
	for (k = 0; k < n; k++) {
		if (ic->chip_id < 2) {		/* struct kvm_pic_state */
			((uint8_t *)&ic->chip.pic)[rnd(s, sizeof(ic->chip.pic))] =
				one_in(s, 2) ? rnd(s, 4) : splitmix(s);
			continue;
		}
		switch (rnd(s, 5)) {		/* struct kvm_ioapic_state */
		case 0: ic->chip.ioapic.id = splitmix(s); break;
		case 1: ic->chip.ioapic.ioregsel = special64(s); break;
		case 2: ic->chip.ioapic.irr = splitmix(s); break;
		case 3: ic->chip.ioapic.base_address = special64(s); break;
		default:
			ic->chip.ioapic.redirtbl[rnd(s, 24)].bits =
				one_in(s, 2) ? 32 + rnd(s, 224) : splitmix(s);
			break;
		}
	}
}

static void gen_pit_channels(uint64_t *s, struct kvm_pit_channel_state *ch)
{
	struct kvm_pit_channel_state *c = &ch[rnd(s, 3)];

	switch (rnd(s, 8)) {
	case 0: c->count = (uint32_t)special64(s); break;
	case 1: c->latched_count = rnd(s, 0x10000); c->count_latched = rnd(s, 8); break;
	case 2: c->status_latched = rnd(s, 3); c->status = splitmix(s); break;
	case 3: c->read_state = rnd(s, 8); c->write_state = rnd(s, 8); break;
	case 4: c->rw_mode = rnd(s, 8); break;
	case 5: c->mode = one_in(s, 2) ? rnd(s, 8) : splitmix(s); break;
	case 6: c->bcd = rnd(s, 3); c->gate = rnd(s, 3); break;
	default: c->count_load_time = special64(s); break;
	}
}

/*
 * KVM_SET_GSI_ROUTING: a small table of irqchip (PIC 0-15, IOAPIC 0-23)
 * and MSI (GSI 24-31) routes; broken: GSIs, types, flags, pins, chips,
 * duplicates, the header's flags and nr.  @bad names what was broken.
 */
static void gen_routing(uint64_t *s, struct kvm_irq_routing *rt, bool valid,
			char *bad, size_t badsz)
{
	uint32_t n = valid || !one_in(s, 4) ? rnd(s, 17) : 0, k;
	int m;

	rt->nr = n;
	for (k = 0; k < n; k++) {
		struct kvm_irq_routing_entry *r = &rt->entries[k];

		if (!one_in(s, 4)) {
			r->type = KVM_IRQ_ROUTING_IRQCHIP;
			r->u.irqchip.irqchip = rnd(s, 3);
			r->u.irqchip.pin = rnd(s, r->u.irqchip.irqchip < 2 ? 8 : 24);
			r->gsi = r->u.irqchip.irqchip < 2 ?
				 r->u.irqchip.pin + 8 * r->u.irqchip.irqchip :
				 r->u.irqchip.pin;
			if (one_in(s, 4))
				r->gsi = rnd(s, 32);
		} else {
			r->type = KVM_IRQ_ROUTING_MSI;
			r->gsi = 24 + rnd(s, 8);
			r->u.msi.address_lo = 0xfee00000 | rnd(s, NVCPU) << 12;
			r->u.msi.data = 32 + rnd(s, 224);
		}
	}
	/*
	 * Valid: a GSI has irqchip routes on distinct chips only (KVM's
	 * setup_routing_entry() refuses any other sharing); a clash moves
	 * the later route to its own IOAPIC GSI 32 + k.
	 */
	for (k = 1; k < n; k++) {
		struct kvm_irq_routing_entry *r = &rt->entries[k];

		for (m = 0; m < (int)k; m++) {
			struct kvm_irq_routing_entry *o = &rt->entries[m];

			if (o->gsi == r->gsi &&
			    (o->type != KVM_IRQ_ROUTING_IRQCHIP ||
			     r->type != KVM_IRQ_ROUTING_IRQCHIP ||
			     o->u.irqchip.irqchip == r->u.irqchip.irqchip))
				break;
		}
		if (m < (int)k) {
			memset(r, 0, sizeof(*r));
			r->gsi = 32 + k;
			r->type = KVM_IRQ_ROUTING_IRQCHIP;
			r->u.irqchip.irqchip = 2;
			r->u.irqchip.pin = rnd(s, 24);
		}
	}
	snprintf(bad, badsz, "-");
	if (valid)
		return;
	for (m = 1 + rnd(s, 2); m > 0; m--) {
		struct kvm_irq_routing_entry *r = n ? &rt->entries[rnd(s, n)] : NULL;
		const char *what;

		switch (r ? rnd(s, 9) : 7 + rnd(s, 2)) {
		case 0: r->gsi = one_in(s, 2) ? 4095 + rnd(s, 3) : (uint32_t)special64(s);
			what = "gsi"; break;
		case 1: r->type = one_in(s, 2) ? rnd(s, 8) : (uint32_t)special64(s);
			what = "type"; break;
		case 2: r->flags = one_in(s, 2) ? KVM_MSI_VALID_DEVID : (uint32_t)special64(s);
			what = "eflags"; break;
		case 3: if (r->type == KVM_IRQ_ROUTING_IRQCHIP)
				r->u.irqchip.pin = one_in(s, 2) ? 8 + rnd(s, 24) :
						   (uint32_t)special64(s);
			else
				r->u.msi.address_hi = special64(s);
			what = "pin"; break;
		case 4: if (r->type == KVM_IRQ_ROUTING_IRQCHIP)
				r->u.irqchip.irqchip = 3 + rnd(s, 253);
			else
				r->u.msi.data = special64(s);
			what = "chip"; break;
		case 5: rt->entries[rnd(s, n)] = *r; what = "dup"; break;
		case 6: r->pad = splitmix(s); what = "pad"; break;
		case 7: rt->flags = one_in(s, 2) ? 1 : (uint32_t)special64(s);
			what = "flags"; break;
		default:
			rt->nr = one_in(s, 2) ? 4096 + rnd(s, 2) : (uint32_t)special64(s);
			if (rt->nr > 300 && rt->nr < 4096)	/* in the buffer */
				rt->nr = 4096;
			what = "nr"; break;
		}
		snprintf(bad + strlen(bad), badsz - strlen(bad), "%s%s",
			 *bad == '-' ? "" : "+", what);
		if (*bad == '-')
			memmove(bad, bad + 1, strlen(bad));
	}
}

static void gen_msi(uint64_t *s, struct kvm_msi *m, bool valid)
{
	m->address_lo = 0xfee00000 | rnd(s, NVCPU) << 12;
	m->data = 32 + rnd(s, 224);
	if (valid)
		return;
	switch (rnd(s, 6)) {
	case 0: m->address_lo = special64(s); break;
	case 1: m->address_hi = special64(s); break;
	case 2: m->data = special64(s); break;
	case 3: m->flags = KVM_MSI_VALID_DEVID; m->devid = splitmix(s); break;
	case 4: m->flags = special64(s); break;
	default: m->pad[rnd(s, 12)] = splitmix(s); break;
	}
}

/*
 * KVM_IRQFD on slot c->vcpu % NIRQFD of the VM: assign a new eventfd to a
 * GSI (routed by default or by KVM_SET_GSI_ROUTING; broken: any GSI, bad
 * flags, a resamplefd, a fd that is no eventfd, deassign), maybe signal it
 * at once.  An assigned eventfd replaces (closes: POLLHUP) the slot's old.
 */
static long do_irqfd(struct exec *e, const struct call *c, int fd,
		     uint64_t *s, bool valid)
{
	struct kvm_irqfd a;
	int v = c->vm % NVM, k = c->vcpu % NIRQFD, efd, rfd = -1, old;
	const char *how = "assign";
	void *arg = &a;
	long r;

	memset(&a, 0, sizeof(a));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	a.fd = efd;
	a.gsi = one_in(s, 3) ? 24 + rnd(s, 8) : rnd(s, 24);
	old = get_fd(&e->efd[v][k]);
	if (valid && old >= 0 && one_in(s, 4)) {
		a.fd = old;
		a.gsi = e->efd_gsi[v][k];
		a.flags = KVM_IRQFD_FLAG_DEASSIGN;
		how = "deassign";
	} else if (!valid) {
		switch (rnd(s, 7)) {
		case 0: a.gsi = (uint32_t)special64(s); how = "gsi"; break;
		case 1: a.flags = special64(s); how = "flags"; break;
		case 2: a.fd = one_in(s, 2) ? -1 : fd; how = "fd"; break;
		case 3: a.flags = KVM_IRQFD_FLAG_RESAMPLE;
			rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			a.resamplefd = one_in(s, 4) ? fd : rfd;
			how = "resample"; break;
		case 4: a.flags = KVM_IRQFD_FLAG_DEASSIGN;
			a.fd = old >= 0 && one_in(s, 2) ? old : efd;
			how = "deassign-any"; break;
		case 5: a.pad[rnd(s, 16)] = splitmix(s); how = "pad"; break;
		default: arg = mut_ptr(s, e, &a, sizeof(a)); how = "ptr"; break;
		}
	}
	desc("gsi=%u,flags=%#x,how=%s", a.gsi, a.flags, how);
	r = ioctl(fd, KVM_IRQFD, arg);
	r = r < 0 ? -errno : 0;
	if (rfd >= 0)
		close(rfd);
	if (r || (a.flags & KVM_IRQFD_FLAG_DEASSIGN) || arg != &a) {
		close(efd);
		if (!r && (a.flags & KVM_IRQFD_FLAG_DEASSIGN) && (int)a.fd == old)
			put_fd(&e->efd[v][k], -1);
		return r;
	}
	e->efd_gsi[v][k] = a.gsi;
	put_fd(&e->efd[v][k], efd);
	if (one_in(s, 2)) {
		uint64_t one = 1;

		if (write(efd, &one, sizeof(one)) < 0)
			return -errno;
	}
	return r;
}

/*
 * ------------------------------------------------- the remaining ioctls --
 * exec_ext(): the ops from O_FIRST_EXT on, each with its typed argument
 * (valid-ish most of the time, mutated fields, bad sizes, flags and
 * pointers), and in differential mode a description of what decides the
 * result (for diff_explained[]): a capability's KVM_CHECK_EXTENSION
 * answer on this device ("adv="), the device's own limits ("lim=",
 * "sup=", "cnt=").
 */
static long xret(long r)
{
	return r < 0 ? -errno : 0;
}

/* The XCR0 bits this device's KVM_GET_SUPPORTED_CPUID offers (0xD.0). */
static uint64_t dev_xcr0(struct exec *e)
{
	uint32_t k;

	for (k = 0; e->cpuid && k < e->cpuid->nent; k++)
		if (e->cpuid->entries[k].function == 0xd &&
		    !e->cpuid->entries[k].index)
			return e->cpuid->entries[k].eax |
			       (uint64_t)e->cpuid->entries[k].edx << 32;
	return 0;
}

/* KVM_ENABLE_CAP on the VM: the caps the module takes, and some it does not. */
static void gen_vm_cap(uint64_t *s, struct kvm_enable_cap *cap, bool valid)
{
	static const uint32_t caps[] = {
		KVM_CAP_DISABLE_QUIRKS, KVM_CAP_DISABLE_QUIRKS2,
		KVM_CAP_EXCEPTION_PAYLOAD, KVM_CAP_X86_TRIPLE_FAULT_EVENT,
		KVM_CAP_X86_USER_SPACE_MSR, KVM_CAP_MSR_PLATFORM_INFO,
		KVM_CAP_MAX_VCPU_ID, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		/* not offered by the module: arg 0 (no state) or bad */
		KVM_CAP_X2APIC_API, KVM_CAP_EXIT_ON_EMULATION_FAILURE,
		KVM_CAP_EXIT_HYPERCALL, KVM_CAP_IRQCHIP, 0, 0xffff,
	};
	uint64_t a;

	cap->cap = caps[rnd(s, sizeof(caps) / sizeof(caps[0]))];
	switch (cap->cap) {
	case KVM_CAP_DISABLE_QUIRKS: case KVM_CAP_DISABLE_QUIRKS2:
		a = rnd(s, 0x80);
		break;
	case KVM_CAP_X86_USER_SPACE_MSR:
		a = rnd(s, 8);
		break;
	case KVM_CAP_MAX_VCPU_ID:
		a = 1 + rnd(s, 32);
		break;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		a = rnd(s, 4);
		break;
	case KVM_CAP_X2APIC_API: case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
	case KVM_CAP_EXIT_HYPERCALL:
		a = 0;
		break;
	default:
		a = rnd(s, 2);
		break;
	}
	cap->args[0] = a;
	if (valid)
		return;
	switch (rnd(s, 4)) {
	case 0: cap->flags = 1u << rnd(s, 32); break;
	case 1: cap->args[rnd(s, 4)] = special64(s); break;
	case 2: cap->args[0] = cap->cap == KVM_CAP_X2APIC_API ||
			       cap->cap == KVM_CAP_EXIT_HYPERCALL ||
			       cap->cap == KVM_CAP_EXIT_ON_EMULATION_FAILURE ?
			       4ULL << rnd(s, 40) : special64(s);
		break;
	default: cap->pad[rnd(s, 64)] = splitmix(s); break;
	}
}

/* KVM_ENABLE_CAP on a vCPU: Hyper-V SynIC, enforced CPUID, PV features. */
static void gen_vcpu_cap(uint64_t *s, struct kvm_enable_cap *cap, bool valid)
{
	static const uint32_t caps[] = {
		KVM_CAP_HYPERV_SYNIC, KVM_CAP_HYPERV_SYNIC2,
		KVM_CAP_HYPERV_ENFORCE_CPUID, KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
		KVM_CAP_MAX_VCPU_ID, 0,
	};

	cap->cap = caps[rnd(s, sizeof(caps) / sizeof(caps[0]))];
	cap->args[0] = cap->cap == KVM_CAP_HYPERV_SYNIC2 ? 0 : rnd(s, 2);
	if (valid)
		return;
	switch (rnd(s, 3)) {
	case 0: cap->flags = 1u << rnd(s, 32); break;
	case 1: cap->args[0] = special64(s); break;
	default: cap->args[1 + rnd(s, 3)] = splitmix(s); break;
	}
}

/* struct kvm_lapic_state: registers from KVM_GET_LAPIC, some rewritten */
static void gen_lapic(uint64_t *s, int fd, struct kvm_lapic_state *l,
		      bool valid)
{
	static const uint16_t regs[] = {
		0x20, 0x80, 0xd0, 0xe0, 0xf0, 0x280, 0x300, 0x310, 0x320,
		0x330, 0x340, 0x350, 0x360, 0x370, 0x380, 0x390, 0x3e0,
	};
	int n, k;

	if (ioctl(fd, KVM_GET_LAPIC, l) < 0)
		memset(l, 0, sizeof(*l));
	if (valid)
		return;
	n = 1 + rnd(s, 4);
	for (k = 0; k < n; k++) {
		uint32_t *r;

		if (one_in(s, 4)) {	/* a vector in ISR, TMR or IRR */
			uint32_t vec = 16 + rnd(s, 240);
			uint32_t base = 0x100 + 0x80 * rnd(s, 3);

			r = (uint32_t *)(l->regs + base + (vec / 32) * 16);
			*r |= 1u << (vec % 32);
			continue;
		}
		r = (uint32_t *)(l->regs + regs[rnd(s, sizeof(regs) / sizeof(regs[0]))]);
		*r = one_in(s, 2) ? (uint32_t)special64(s) :
		     (uint32_t)(rnd(s, 8) << 8 | (16 + rnd(s, 240)) |
				(one_in(s, 2) ? 0x10000 : 0) |
				(one_in(s, 4) ? 0x20000 : 0));
	}
}

/* struct kvm_xsave: KVM_GET_XSAVE's state, header/MXCSR/x87 fields broken */
static void gen_xsave(uint64_t *s, int fd, uint8_t *x, bool valid)
{
	int n, k;

	if (ioctl(fd, KVM_GET_XSAVE, x) < 0)
		memset(x, 0, 4096);
	if (valid)
		return;
	n = 1 + rnd(s, 3);
	for (k = 0; k < n; k++) {
		switch (rnd(s, 6)) {
		case 0:				/* MXCSR */
			*(uint32_t *)(x + 24) = one_in(s, 2) ? rnd(s, 0x10000) :
						1u << (16 + rnd(s, 16));
			break;
		case 1:				/* XSTATE_BV */
			*(uint64_t *)(x + 512) ^= 1ULL << (one_in(s, 2) ?
							    rnd(s, 10) : rnd(s, 64));
			break;
		case 2:				/* XCOMP_BV */
			*(uint64_t *)(x + 520) = 1ULL << rnd(s, 64);
			break;
		case 3:				/* header reserved */
			x[528 + rnd(s, 48)] = 1 + rnd(s, 255);
			break;
		default:			/* x87 and XMM registers */
			x[rnd(s, 416)] = splitmix(s);
			*(uint32_t *)(x + 24) &= 0xffff;
			break;
		}
	}
}

static void gen_xcrs(uint64_t *s, struct kvm_xcrs *x, bool valid)
{
	static const uint64_t v[] = { 1, 3, 7, 5, 0x1f, 0xe7, 0x207, 0x2e7, 0 };

	x->nr_xcrs = 1;
	x->xcrs[0].xcr = 0;
	x->xcrs[0].value = v[rnd(s, valid ? 3 : 9)];
	if (valid)
		return;
	switch (rnd(s, 5)) {
	case 0: x->nr_xcrs = rnd(s, 20); x->xcrs[rnd(s, 16)].value = 3; break;
	case 1: x->flags = 1u << rnd(s, 32); break;
	case 2: x->xcrs[0].xcr = 1 + rnd(s, 3); break;
	case 3: x->xcrs[0].value = special64(s); break;
	default: x->xcrs[0].reserved = splitmix(s); break;
	}
}

/* KVM_SET_GUEST_DEBUG: single-step, breakpoints, injections */
static void gen_guest_debug(uint64_t *s, struct kvm_guest_debug *g,
			    bool valid)
{
	static const uint32_t ctl[] = {
		0, KVM_GUESTDBG_ENABLE,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_DB,
		KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_BP,
		KVM_GUESTDBG_INJECT_DB,
	};

	g->control = ctl[rnd(s, sizeof(ctl) / sizeof(ctl[0]))];
	g->arch.debugreg[rnd(s, 4)] = GUEST_ENTRY + rnd(s, 0x40);
	g->arch.debugreg[7] = 0x400 | (1u << rnd(s, 8)) | (rnd(s, 16) << 16);
	if (valid)
		return;
	switch (rnd(s, 4)) {
	case 0: g->control |= 1u << rnd(s, 32); break;
	case 1: g->control = (uint32_t)special64(s); break;
	case 2: g->pad = splitmix(s); break;
	default: g->arch.debugreg[rnd(s, 8)] = special64(s); break;
	}
}

/*
 * KVM_IOEVENTFD on slot c->vcpu % NIOEFD of the VM: a new eventfd on the
 * guest's port 0x80 or its MMIO page at 0xd0000000 (length 0/1/2/4/8,
 * maybe a data match), or the slot's own deassigned; broken: lengths,
 * wrapping ranges, flags, fds, pad, a deassign that matches nothing.
 */
static long do_ioeventfd(struct exec *e, const struct call *c, int fd,
			 uint64_t *s, bool valid)
{
	static const uint32_t lens[] = { 0, 1, 2, 4, 8 };
	int v = c->vm % NVM, k = c->vcpu % NIOEFD, efd, old;
	struct kvm_ioeventfd a;
	const char *how = "assign";
	void *arg = &a;
	long r;

	memset(&a, 0, sizeof(a));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	a.fd = efd;
	if (one_in(s, 2)) {
		a.flags = KVM_IOEVENTFD_FLAG_PIO;
		a.addr = one_in(s, 4) ? 0xe9 : 0x80;
		a.len = lens[1 + rnd(s, 2)];
	} else {
		a.addr = 0xd0000000 + 8 * rnd(s, 3);
		a.len = lens[rnd(s, 5)];
	}
	if (a.len && one_in(s, 2)) {
		a.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		a.datamatch = rnd(s, 4);
	}
	old = get_fd(&e->iofd[v][k]);
	if (valid && old >= 0 && one_in(s, 3)) {
		a = e->ioarg[v][k];
		a.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		how = "deassign";
	} else if (!valid) {
		switch (rnd(s, 7)) {
		case 0: a.len = one_in(s, 2) ? 3 + rnd(s, 14) : (uint32_t)special64(s);
			how = "len"; break;
		case 1: a.addr = ~0ULL - rnd(s, 4); a.len = 4; how = "wrap"; break;
		case 2: a.flags ^= 1u << rnd(s, 32); how = "flags"; break;
		case 3: a.fd = one_in(s, 2) ? -1 : fd; how = "fd"; break;
		case 4: a.pad[rnd(s, 36)] = splitmix(s); how = "pad"; break;
		case 5: a.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN; how = "deassign-any"; break;
		default: arg = mut_ptr(s, e, &a, sizeof(a)); how = "ptr"; break;
		}
	}
	desc("addr=%#llx,len=%u,flags=%#x,dm=%llu,how=%s", a.addr, a.len,
	     a.flags, a.datamatch, how);
	r = xret(ioctl(fd, KVM_IOEVENTFD, arg));
	if (r || (a.flags & KVM_IOEVENTFD_FLAG_DEASSIGN) || arg != &a ||
	    (int)a.fd != efd) {
		close(efd);
		if (!r && !strcmp(how, "deassign"))
			put_fd(&e->iofd[v][k], -1);
		return r;
	}
	e->ioarg[v][k] = a;
	put_fd(&e->iofd[v][k], efd);
	return r;
}

/* KVM_GET_STATS_FD and reading what it gives: header, names, data. */
static long do_stats_fd(struct exec *e, int fd, uint64_t *s)
{
	struct kvm_stats_header h;
	uint8_t *buf = e->bitmap;
	long r = ioctl(fd, KVM_GET_STATS_FD, 0);
	int sfd;

	desc("-");
	if (r < 0)
		return -errno;
	sfd = r;
	r = 0;
	if (pread(sfd, &h, sizeof(h), 0) != sizeof(h)) {
		r = -EIO;		/* a short header: counted as a failure */
	} else if (buf && !e->diff) {
		size_t len = rnd(s, 65536);
		off_t off;

		switch (rnd(s, 4)) {
		case 0: off = h.desc_offset; break;
		case 1: off = h.data_offset; break;
		case 2: off = h.id_offset; break;
		default: off = special64(s) & 0x7fffffffffffULL; break;
		}
		if (pread(sfd, buf, len, off) < 0 && errno != EINVAL)
			r = -errno;
		if (one_in(s, 4) && write(sfd, buf, 1) >= 0)
			r = -EPERM;	/* a stats fd is read-only */
	}
	close(sfd);
	return r;
}

static long exec_ext(struct exec *e, const struct call *c, int fd,
		     uint64_t *s, bool valid)
{
	const struct op_desc *d = &ops[c->op];
	int i = c->vcpu % NMEM;
	union {
		uint8_t raw[sizeof(struct kvm_cpuid2) +
			    300 * sizeof(struct kvm_cpuid_entry2)];
		struct kvm_enable_cap cap;
		struct kvm_clock_data clk;
		struct kvm_userspace_memory_region mr;
		struct kvm_dirty_log dl;
		struct kvm_clear_dirty_log cl;
		struct kvm_msr_filter mf;
		struct kvm_hyperv_eventfd hv;
		struct kvm_guest_debug gd;
		struct kvm_lapic_state lapic;
		struct kvm_xcrs xcrs;
		struct kvm_vapic_addr va;
		struct kvm_tpr_access_ctl tac;
		struct kvm_x86_mce mce;
		struct kvm_device_attr attr;
		struct kvm_cpuid2 cpuid;
		struct kvm_msrs msrs;
		struct kvm_msr_list msrl;
		struct svx_walk_trace2 wt2;
		uint64_t u64;
	} a;
	unsigned long req = d->req, arg = 0;
	uint64_t attrval = 0;
	long r, adv = -1, lim = -1;

	memset(&a, 0, sizeof(a));
	switch (c->op) {
	case O_IOEVENTFD:
		return do_ioeventfd(e, c, fd, s, valid);
	case O_VM_STATS_FD: case O_VCPU_STATS_FD:
		return do_stats_fd(e, fd, s);
	case O_VM_ENABLE_CAP:
		gen_vm_cap(s, &a.cap, valid);
		if (e->diff) {
			adv = ioctl(fd, KVM_CHECK_EXTENSION, a.cap.cap);
			lim = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
		}
		break;
	case O_VCPU_ENABLE_CAP:
		gen_vcpu_cap(s, &a.cap, valid);
		if (e->diff) {
			int sys = get_fd(&e->sys);

			adv = sys >= 0 ? ioctl(sys, KVM_CHECK_EXTENSION, a.cap.cap) : -1;
		}
		break;
	case O_GET_CLOCK:
		break;
	case O_SET_CLOCK:
		if (ioctl(fd, KVM_GET_CLOCK, &a.clk) < 0)
			memset(&a.clk, 0, sizeof(a.clk));
		if (valid) {
			a.clk.flags &= one_in(s, 2) ? KVM_CLOCK_REALTIME : 0;
			a.clk.clock += rnd(s, 2) ? 1000000000ULL * rnd(s, 100) : 0;
			break;
		}
		switch (rnd(s, 4)) {
		case 0: a.clk.flags = 1u << rnd(s, 32); break;
		case 1: a.clk.clock = special64(s); break;
		case 2: a.clk.flags |= KVM_CLOCK_REALTIME; a.clk.realtime = special64(s); break;
		default: a.clk.pad[rnd(s, 4)] = splitmix(s); a.clk.pad0 = splitmix(s); break;
		}
		break;
	case O_VM_GET_TSC_KHZ: case O_GET_TSC_KHZ: case O_KVMCLOCK_CTRL:
	case O_GET_NR_MMU_PAGES: case O_SMI:
		break;
	case O_VM_SET_TSC_KHZ: case O_SET_TSC_KHZ: {
		/* a rate relative to the vCPU's (VM's) own: 0 is the host's */
		long cur = ioctl(fd, c->op == O_SET_TSC_KHZ ? KVM_GET_TSC_KHZ :
				 KVM_GET_TSC_KHZ, 0);
		static const int ppm[] = { 0, 100, -100, 1000000, -500000, 1000, -1000 };
		int k = rnd(s, 7);

		if (cur <= 0)
			cur = 1000000;
		arg = valid ? (one_in(s, 4) ? 0UL :
			       (unsigned long)(cur + cur * ppm[k] / 1000000)) :
		      one_in(s, 2) ? (unsigned long)cur * (1 + rnd(s, 300)) :
		      special64(s);
		/*
		 * 1 kHz scales the host's rate to 0 kHz with TSC scaling at
		 * Bochs' 50 MHz: KVM 6.1's kvm_get_time_scale() then loops
		 * forever (a vCPU that had a clock update before): not in
		 * differential mode, which runs on kvm_intel too.
		 */
		if (e->diff && (uint32_t)arg == 1)
			arg = 2;
		if (valid)
			desc("ppm=%d,arg=%s", ppm[k], arg ? "rel" : "0");
		else
			desc("arg=%#lx,cur=%ld", arg, cur);
		return xret(ioctl(fd, req, arg));
	}
	case O_SET_MEMSLOT_LOG:
		gen_memslot(s, e, c, &a.mr, true);
		a.mr.flags = one_in(s, 4) ? 0 : KVM_MEM_LOG_DIRTY_PAGES;
		if (!valid) {
			switch (rnd(s, 4)) {
			case 0: a.mr.flags |= KVM_MEM_READONLY; break;
			case 1: a.mr.slot = 5 + rnd(s, 4); a.mr.guest_phys_addr = 0x200000; break;
			case 2: a.mr.flags |= 1u << rnd(s, 32); break;
			default: a.mr.slot = (uint32_t)special64(s); break;
			}
		}
		break;
	case O_GET_DIRTY_LOG:
		a.dl.slot = valid || one_in(s, 2) ? (uint32_t)i :
			    one_in(s, 2) ? 5 + rnd(s, 600) : (uint32_t)special64(s);
		a.dl.dirty_bitmap = e->bitmap;
		if (!valid && one_in(s, 2))
			a.dl.dirty_bitmap = mut_ptr(s, e, e->bitmap, 8);
		if (!valid && one_in(s, 8))
			a.dl.padding1 = splitmix(s);
		break;
	case O_CLEAR_DIRTY_LOG: {
		static const uint32_t pages[] = { 16, 0, 64, 8 };

		a.cl.slot = valid || one_in(s, 2) ? (uint32_t)i :
			    one_in(s, 2) ? 5 + rnd(s, 600) : (uint32_t)special64(s);
		a.cl.num_pages = pages[rnd(s, valid ? 2 : 4)];
		a.cl.dirty_bitmap = e->bitmap;
		if (e->bitmap)
			memset(e->bitmap, one_in(s, 2) ? 0xff : 0x55, 64);
		if (valid)
			break;
		switch (rnd(s, 4)) {
		case 0: a.cl.first_page = one_in(s, 2) ? 64 * rnd(s, 3) : rnd(s, 64); break;
		case 1: a.cl.num_pages = one_in(s, 2) ? rnd(s, 20) : (uint32_t)special64(s); break;
		case 2: a.cl.dirty_bitmap = mut_ptr(s, e, e->bitmap, 8); break;
		default: a.cl.first_page = special64(s); break;
		}
		break;
	}
	case O_SET_NR_MMU_PAGES:
		arg = valid ? 64 + rnd(s, 4096) : one_in(s, 2) ? rnd(s, 64) :
		      special64(s) & 0x3fffffffffffffffULL;
		break;
	case O_SET_BOOT_CPU_ID:
		arg = valid ? rnd(s, NVCPU) : special64(s);
		break;
	case O_SET_MSR_FILTER: {
		int n = rnd(s, 4), k;

		a.mf.flags = one_in(s, 2) ? KVM_MSR_FILTER_DEFAULT_ALLOW :
			     KVM_MSR_FILTER_DEFAULT_DENY;
		if (e->bitmap)
			memset(e->bitmap, one_in(s, 2) ? 0xff : 0, 0x800);
		for (k = 0; k < n; k++) {
			struct kvm_msr_filter_range *rg = &a.mf.ranges[k];

			rg->flags = 1 + rnd(s, 3);
			rg->nmsrs = 1 + rnd(s, 0x2000);
			rg->base = one_in(s, 2) ? msr_idx[rnd(s, sizeof(msr_idx) / sizeof(msr_idx[0]))] :
				   0xc0000000 + rnd(s, 0x200);
			rg->bitmap = e->bitmap;
		}
		if (valid)
			break;
		switch (rnd(s, 6)) {
		case 0: a.mf.flags = 1u << rnd(s, 32); break;
		case 1: a.mf.ranges[rnd(s, 16)].flags = 1u << rnd(s, 32); a.mf.ranges[0].nmsrs |= 1; break;
		case 2: a.mf.ranges[rnd(s, 16)].nmsrs = 0x3001 + rnd(s, 0x10000); break;
		case 3: a.mf.ranges[0].nmsrs = 1; a.mf.ranges[0].flags = 1;
			a.mf.ranges[0].bitmap = mut_ptr(s, e, e->bitmap, 8); break;
		case 4: a.mf.ranges[0].nmsrs = 8; a.mf.ranges[0].flags = 0; break;
		default: memset(a.mf.ranges, 0, sizeof(a.mf.ranges)); break;
		}
		break;
	}
	case O_HYPERV_EVENTFD: {
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		a.hv.conn_id = rnd(s, 4);
		a.hv.fd = efd;
		if (one_in(s, 3))
			a.hv.flags = KVM_HYPERV_EVENTFD_DEASSIGN;
		if (!valid) {
			switch (rnd(s, 4)) {
			case 0: a.hv.conn_id = (uint32_t)special64(s); break;
			case 1: a.hv.flags = 1u << rnd(s, 32); break;
			case 2: a.hv.fd = one_in(s, 2) ? -1 : fd; break;
			default: a.hv.padding[rnd(s, 3)] = splitmix(s); break;
			}
		}
		desc("conn=%#x,flags=%#x,fd=%s", a.hv.conn_id, a.hv.flags,
		     a.hv.fd == efd ? "efd" : "bad");
		arg = (uintptr_t)(valid ? a.raw : mut_ptr(s, e, a.raw, d->argsz));
		if (e->diff && arg != (uintptr_t)a.raw)
			desc("ptr=%#lx", arg);
		r = xret(ioctl(fd, req, arg));
		if (efd >= 0)
			close(efd);	/* KVM keeps its own reference */
		return r;
	}
	case O_SET_GUEST_DEBUG:
		gen_guest_debug(s, &a.gd, valid);
		break;
	case O_GET_LAPIC: case O_GET_XSAVE: case O_GET_XSAVE2: case O_GET_XCRS:
		break;
	case O_SET_LAPIC:
		gen_lapic(s, fd, &a.lapic, valid);
		break;
	case O_SET_XSAVE:
		gen_xsave(s, fd, a.raw, valid);
		break;
	case O_SET_XCRS:
		gen_xcrs(s, &a.xcrs, valid);
		break;
	case O_SET_VAPIC_ADDR:
		a.va.vapic_addr = valid ? 0x3000 + 4 * rnd(s, 0x400) :
			one_in(s, 2) ? (one_in(s, 2) ? 0xd0000000 : 0x100ffe + 0x10000 * rnd(s, 4)) :
			special64(s);
		if (valid && one_in(s, 4))
			a.va.vapic_addr = one_in(s, 2) ? 0 : mem_gpa(1 + rnd(s, 4)) + 0x100;
		break;
	case O_TPR_ACCESS_REPORTING:
		a.tac.enabled = rnd(s, 2);
		if (!valid) {
			if (one_in(s, 2))
				a.tac.flags = 1u << rnd(s, 32);
			else
				a.tac.reserved[rnd(s, 8)] = splitmix(s);
		}
		break;
	case O_SETUP_MCE: {
		static const uint64_t bits[] = { 1 << 8, 1 << 24, 1 << 10,
			1 << 27, 1 << 9, 1 << 11, 0xff0000 };

		a.u64 = 1 + rnd(s, 32);
		if (one_in(s, 2))
			a.u64 |= 1 << 8;		/* MCG_CTL_P */
		if (one_in(s, 3))
			a.u64 |= 1 << 24;		/* MCG_SER_P */
		if (valid)
			break;
		switch (rnd(s, 3)) {
		case 0: a.u64 = (a.u64 & ~0xffULL) | (one_in(s, 2) ? 0 : 33 + rnd(s, 223)); break;
		case 1: a.u64 |= bits[rnd(s, 7)]; break;
		default: a.u64 = special64(s); break;
		}
		break;
	}
	case O_SET_MCE:
		a.mce.bank = valid ? rnd(s, 4) : rnd(s, 40);
		a.mce.status = (1ULL << 63) | (one_in(s, 2) ? 1ULL << 61 : 0) |
			       (one_in(s, 4) ? 1ULL << 57 : 0) | rnd(s, 0x10000);
		a.mce.mcg_status = rnd(s, 8);
		a.mce.addr = rnd(s, 0x10000);
		if (!valid) {
			if (one_in(s, 2))
				a.mce.status = special64(s);
			else
				a.mce.pad2[rnd(s, 3)] = splitmix(s);
		}
		break;
	case O_VCPU_DEVICE_ATTR: case O_SYS_DEVICE_ATTR: {
		static const unsigned long reqs[] = { KVM_HAS_DEVICE_ATTR,
			KVM_GET_DEVICE_ATTR, KVM_SET_DEVICE_ATTR };

		req = reqs[rnd(s, c->op == O_SYS_DEVICE_ATTR ? 2 : 3)];
		a.attr.group = 0;		/* KVM_VCPU_TSC_CTRL, system: 0 */
		a.attr.attr = 0;		/* KVM_VCPU_TSC_OFFSET, XCOMP_GUEST_SUPP */
		attrval = one_in(s, 2) ? 0 : -(splitmix(s) & ((1ULL << 40) - 1));
		a.attr.addr = (uintptr_t)&attrval;
		if (!valid) {
			switch (rnd(s, 5)) {
			case 0: a.attr.group = 1 + rnd(s, 3); break;
			case 1: a.attr.attr = one_in(s, 2) ? 1 + rnd(s, 3) : special64(s); break;
			case 2: a.attr.addr = (uintptr_t)mut_ptr(s, e, &attrval, 8);
				if (one_in(s, 4))
					a.attr.addr |= 1ULL << 63;
				break;
			case 3: a.attr.flags = 1u << rnd(s, 32); break;
			default: attrval = special64(s); break;
			}
		}
		desc("%s,group=%u,attr=%#llx,addr=%s,flags=%#x",
		     req == KVM_HAS_DEVICE_ATTR ? "has" :
		     req == KVM_GET_DEVICE_ATTR ? "get" : "set", a.attr.group,
		     a.attr.attr, a.attr.addr == (uintptr_t)&attrval ? "ok" : "bad",
		     a.attr.flags);
		break;
	}
	case O_VCPU_HV_CPUID: case O_SYS_HV_CPUID:
		a.cpuid.nent = valid ? 300 - rnd(s, 280) : one_in(s, 2) ?
			       rnd(s, 16) : (uint32_t)special64(s);
		break;
	case O_WALK_TRACE2:
		gen_walk(s, &a.wt2.wt, true);
		a.wt2.wt.version = SVX_WALK_TRACE_VERSION2;
		a.wt2.wt.size = sizeof(a.wt2);
		if (!valid) {
			switch (rnd(s, 5)) {
			case 0: a.wt2.wt.version = rnd(s, 4); break;
			case 1: a.wt2.wt.size = one_in(s, 2) ? sizeof(a.wt2.wt) +
					rnd(s, sizeof(a.wt2) - sizeof(a.wt2.wt)) :
					(uint32_t)special64(s); break;
			case 2: a.wt2.refs = 1; break;
			case 3: a.wt2.reserved2[rnd(s, 8)] = 1; break;
			default: a.wt2.wt.access = splitmix(s); break;
			}
		}
		break;
	case O_MCE_CAP_SUPPORTED:
		break;
	case O_MSR_FEATURE_LIST:
		a.msrl.nmsrs = valid ? 1000 : (uint32_t)special64(s);
		break;
	case O_SYS_GET_MSRS: {
		static const uint32_t feat[] = { 0x10a, 0x345, 0x8b, 0x480,
			0x485, 0x48b, 0x491, 0x10, 0, 0xc0000080 };
		uint32_t n = 1 + rnd(s, 4), k;

		for (k = 0; k < n; k++)
			a.msrs.entries[k].index = feat[rnd(s, 10)];
		a.msrs.nmsrs = n;
		if (!valid && one_in(s, 2))
			a.msrs.nmsrs = one_in(s, 2) ? (uint32_t)special64(s) : 255 + rnd(s, 3);
		break;
	}
	default:
		return -ENOSYS;
	}
	if (d->argsz && !arg)
		arg = (uintptr_t)(valid ? a.raw : mut_ptr(s, e, a.raw, d->argsz));
	if (e->diff) {
		if (d->argsz && arg != (uintptr_t)a.raw)
			desc("ptr=%#lx", arg);
		else if (c->op == O_VM_ENABLE_CAP || c->op == O_VCPU_ENABLE_CAP)
			desc("cap=%u,flags=%#x,arg=%#llx,adv=%ld,lim=%ld",
			     a.cap.cap, a.cap.flags,
			     (unsigned long long)a.cap.args[0], adv, lim);
		else if (c->op == O_SET_CLOCK)
			desc("flags=%#x", a.clk.flags);
		else if (c->op == O_SET_MEMSLOT_LOG)
			desc("slot=%#x,flags=%#x,gpa=%#llx,size=%#llx",
			     a.mr.slot, a.mr.flags, a.mr.guest_phys_addr,
			     a.mr.memory_size);
		else if (c->op == O_GET_DIRTY_LOG)
			desc("slot=%#x,bitmap=%s", a.dl.slot,
			     a.dl.dirty_bitmap == e->bitmap ? "ok" : "bad");
		else if (c->op == O_CLEAR_DIRTY_LOG)
			desc("slot=%#x,first=%#llx,num=%#x,bitmap=%s", a.cl.slot,
			     a.cl.first_page, a.cl.num_pages,
			     a.cl.dirty_bitmap == e->bitmap ? "ok" : "bad");
		else if (c->op == O_SET_MSR_FILTER)
			desc("flags=%#x,r0=%#x/%#x", a.mf.flags,
			     a.mf.ranges[0].flags, a.mf.ranges[0].nmsrs);
		else if (c->op == O_SET_GUEST_DEBUG) {
			/* the device's mask; an exception in injection? */
			struct kvm_vcpu_events ev;

			if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
				memset(&ev, 0, sizeof(ev));
			desc("control=%#x,mask=%ld,exc=%u/%u", a.gd.control,
			     guestdbg_mask, ev.exception.injected,
			     ev.exception.pending);
		}
		else if (c->op == O_SET_XSAVE)
			desc("bv=%#llx,comp=%#llx,mxcsr=%#x,sup=%#llx",
			     (unsigned long long)*(uint64_t *)(a.raw + 512),
			     (unsigned long long)*(uint64_t *)(a.raw + 520),
			     *(uint32_t *)(a.raw + 24),
			     (unsigned long long)dev_xcr0(e));
		else if (c->op == O_SET_XCRS)
			desc("nr=%u,flags=%#x,xcr=%u,val=%#llx,sup=%#llx",
			     a.xcrs.nr_xcrs, a.xcrs.flags, a.xcrs.xcrs[0].xcr,
			     a.xcrs.xcrs[0].value,
			     (unsigned long long)dev_xcr0(e));
		else if (c->op == O_SET_VAPIC_ADDR)
			desc("addr=%#llx", a.va.vapic_addr);
		else if (c->op == O_TPR_ACCESS_REPORTING)
			desc("enabled=%u,flags=%#x", a.tac.enabled, a.tac.flags);
		else if (c->op == O_SETUP_MCE) {
			uint64_t sup = 0;
			int sys = get_fd(&e->sys);

			if (sys < 0 || ioctl(sys, KVM_X86_GET_MCE_CAP_SUPPORTED, &sup) < 0)
				sup = 0;
			desc("mcg_cap=%#llx,sup=%#llx",
			     (unsigned long long)a.u64, (unsigned long long)sup);
		} else if (c->op == O_SET_MCE)
			desc("bank=%u,status=%#llx", a.mce.bank, a.mce.status);
		else if (c->op == O_VCPU_HV_CPUID || c->op == O_SYS_HV_CPUID)
			desc("nent=%u", a.cpuid.nent);
		else if (c->op == O_WALK_TRACE2)
			desc("ver=%u,size=%u", a.wt2.wt.version, a.wt2.wt.size);
		else if (c->op == O_MSR_FEATURE_LIST) {
			struct kvm_msr_list ml = { .nmsrs = 0 };
			int sys = get_fd(&e->sys);

			if (sys >= 0)
				ioctl(sys, KVM_GET_MSR_FEATURE_INDEX_LIST, &ml);
			desc("nmsrs=%u,cnt=%u", a.msrl.nmsrs, ml.nmsrs);
		} else if (c->op == O_SYS_GET_MSRS)
			desc("nmsrs=%u,msr0=%#x", a.msrs.nmsrs, a.msrs.entries[0].index);
		else if (!argdesc[0] && !d->argsz)
			desc("arg=%#lx", arg);
	}
	/*
	 * Results are ints (KVM's ioctl paths): a value such as a large
	 * KVM_GET_NR_MMU_PAGES may read back negative without an errno.
	 */
	errno = 0;
	r = ioctl(fd, req, arg);
	if (r < 0)
		return errno ? -errno : 0;
	if (c->op == O_SYS_GET_MSRS) {
		if (e->diff && arg == (uintptr_t)a.raw && r < a.msrs.nmsrs &&
		    r < 300)
			desc("nmsrs=%u,stop=%#x", a.msrs.nmsrs,
			     a.msrs.entries[r].index);
		return r;
	}
	return 0;
}

static void child_fork(struct exec *e, uint64_t *s);

/* Run one call; its result (0 or -errno) */
static long exec_call(struct exec *e, const struct call *c)
{
	const struct op_desc *d = &ops[c->op];
	uint64_t s = c->seed;
	bool valid = !(c->seed & 1) || one_in(&s, 2);
	union {
		uint8_t raw[sizeof(struct kvm_cpuid2) +
			    300 * sizeof(struct kvm_cpuid_entry2)];
		struct kvm_cpuid2 cpuid;
		struct kvm_msrs msrs;
		struct kvm_msr_list msrl;
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_userspace_memory_region mr;
		struct svx_walk_trace wt;
		struct svx_stats st;
		struct kvm_vcpu_events ev;
		struct kvm_debugregs dr;
		struct kvm_mp_state mp;
		struct kvm_interrupt irq;
		struct kvm_translation tr;
		struct kvm_fpu fpu;
		struct kvm_irqchip ic;
		struct kvm_irq_level il;
		struct kvm_irq_routing rt;
		struct kvm_msi msi;
		struct kvm_pit_config pc;
		struct kvm_pit_state2 ps2;
		struct kvm_pit_state ps;
		struct kvm_reinject_control rc;
	} a;
	char bad[64] = "-";
	int v = c->vm % NVM, i = c->vcpu % NVCPU, fd;
	unsigned long arg = 0;
	long r;

	memset(&a, 0, sizeof(a));
	fd = fd_of(e, d->fd, c, &s);
	switch (c->op) {
	case O_OPEN:
		r = open(dev, O_RDWR | O_CLOEXEC);
		if (r < 0)
			return -errno;
		put_fd(&e->sys, r);
		return 0;
	case O_CLOSE_SYS: case O_CLOSE_VM: case O_CLOSE_VCPU: {
		int *slot = c->op == O_CLOSE_SYS ? &e->sys :
			    c->op == O_CLOSE_VM ? &e->vm[v] : &e->vcpu[v][i];
		int old = xchg_fd(slot, -1);

		return old < 0 ? -EBADF : (close(old) ? -errno : 0);
	}
	case O_CREATE_VM:
		arg = valid ? 0 : special64(&s);
		desc("type=%#lx", arg);
		r = ioctl(fd, KVM_CREATE_VM, arg);
		if (r < 0)
			return -errno;
		put_fd(&e->vm[v], r);
		return 0;
	case O_CREATE_VCPU:
		arg = valid ? (unsigned long)i : one_in(&s, 2) ? rnd(&s, 16) : special64(&s);
		desc("id=%#lx", arg);
		r = ioctl(fd, KVM_CREATE_VCPU, arg);
		if (r < 0)
			return -errno;
		if (arg < NVCPU)
			put_fd(&e->vcpu[v][arg], r);
		else
			close(r);
		return 0;
	case O_MMAP_RUN: {
		size_t len = valid ? (size_t)e->mmap_size : 4096 * (1 + rnd(&s, 3));
		off_t off = valid ? 0 : 4096 * rnd(&s, 3);
		struct kvm_run *run;

		run = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   off);
		if (run == MAP_FAILED)
			return -errno;
		if (!valid) {		/* map, fault page 0, unmap */
			if (!off)
				(void)*(volatile uint32_t *)run;
			munmap(run, len);
			return 0;
		}
		(void)*(volatile uint32_t *)run;	/* fault it in */
		pthread_mutex_lock(&e->run_lock);
		if (e->run[v][i])
			munmap(e->run[v][i], e->mmap_size);
		e->run[v][i] = run;
		pthread_mutex_unlock(&e->run_lock);
		return 0;
	}
	case O_SETUP_GUEST: {
		struct kvm_regs regs;

		gen_cpuid(&s, e, &a.cpuid, true);
		if (ioctl(fd, KVM_SET_CPUID2, &a.cpuid) < 0)
			return -errno;
		pm32_sregs(&a.sregs);
		if (ioctl(fd, KVM_SET_SREGS, &a.sregs) < 0)
			return -errno;
		memset(&regs, 0, sizeof(regs));
		regs.rip = GUEST_ENTRY;
		regs.rflags = 2;
		regs.rsp = 0xf000;
		return ioctl(fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
	}
	case O_WRITE_CODE: {
		struct mem *m = &e->mem[v][0];

		if (!m->hva)
			return -ENOMEM;
		memcpy(m->hva + GUEST_ENTRY, fuzz_guest_start,
		       fuzz_guest_end - fuzz_guest_start);
		return 0;
	}
	case O_SCRIBBLE: {
		struct mem *m = &e->mem[v][c->vcpu % NMEM];
		int n = 1 + rnd(&s, 16), k;

		if (!m->hva)
			return -ENOMEM;
		for (k = 0; k < n; k++) {
			size_t off = rnd(&s, m->size);

			if (!c->vcpu && off >= 0x1000 && off < 0x2000)
				continue;		/* keep the code */
			m->hva[off] = splitmix(&s);
		}
		return 0;
	}
	case O_MEM_REMAP: {
		struct mem *m = &e->mem[v][c->vcpu % NMEM];
		void *p;

		if (!m->hva)
			return -ENOMEM;
		p = mmap(m->hva, m->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		if (!(c->vcpu % NMEM))
			memcpy(m->hva + GUEST_ENTRY, fuzz_guest_start,
			       fuzz_guest_end - fuzz_guest_start);
		return 0;
	}
	case O_MEM_DONTNEED: {
		struct mem *m = &e->mem[v][c->vcpu % NMEM];

		if (!m->hva)
			return -ENOMEM;
		return madvise(m->hva, m->size, MADV_DONTNEED) ? -errno : 0;
	}
	case O_FORK:
		child_fork(e, &s);
		return 0;
	case O_IRQFD:
		return do_irqfd(e, c, fd, &s, valid);
	case O_IRQFD_SIGNAL: {
		int efd = get_fd(&e->efd[v][c->vcpu % NIRQFD]);
		uint64_t one = 1;

		if (efd < 0)
			return -EBADF;
		return write(efd, &one, sizeof(one)) < 0 ? -errno : 0;
	}
	case O_RUN:
		r = do_run(e, c, fd, &s);
		return r < 0 ? -errno : 0;
	case O_SYS_UNKNOWN: case O_VM_UNKNOWN: case O_VCPU_UNKNOWN: {
		static const unsigned long unk[] = {
			_IO(KVMIO, 0xf0), _IOR(KVMIO, 0xfe, int),
			_IOWR(SVXIO, 0x7f, struct svx_stats), _IO(SVXIO, 0x00),
			_IOW(0x42, 0x01, int),
		};

		r = ioctl(fd, unk[rnd(&s, 5)], mut_ptr(&s, e, a.raw, 64));
		return r < 0 ? -errno : 0;
	}
	default:
		if (c->op >= O_FIRST_EXT)
			return exec_ext(e, c, fd, &s, valid);
		break;
	}

	/* The plain ioctls: an integer or a struct. */
	switch (c->op) {
	case O_API_VERSION: case O_MMAP_SIZE:
		arg = valid ? 0 : special64(&s);
		break;
	case O_CHECK_EXT: case O_VM_CHECK_EXT:
		arg = valid ? rnd(&s, 240) : special64(&s);
		break;
	case O_SET_TSS_ADDR:
		arg = valid ? 0xfffbd000 :
		      one_in(&s, 2) ? (unsigned int)(-3 * 4096) + rnd(&s, 2) :
		      special64(&s);
		break;
	case O_SET_PAGING:
		arg = valid ? 1 : one_in(&s, 2) ? rnd(&s, 3) : special64(&s);
		break;
	case O_NMI:
		break;
	case O_MSR_INDEX_LIST:
		a.msrl.nmsrs = valid ? 1000 : (uint32_t)special64(&s);
		break;
	case O_SUPPORTED_CPUID: case O_EMULATED_CPUID:
	case O_VM_SUPPORTED_CPUID: case O_GET_CPUID2:
		a.cpuid.nent = valid ? 300 : (uint32_t)special64(&s);
		break;
	case O_SET_CPUID2:
		gen_cpuid(&s, e, &a.cpuid, valid);
		break;
	case O_SET_MEMSLOT:
		gen_memslot(&s, e, c, &a.mr, valid);
		break;
	case O_VM_STATS: case O_VCPU_STATS:
		a.st.version = SVX_STATS_VERSION;
		a.st.size = sizeof(a.st);
		if (!valid) {
			if (one_in(&s, 2))
				a.st.version = rnd(&s, 3);
			else
				a.st.size = (uint32_t)special64(&s);
		}
		break;
	case O_SET_REGS:
		a.regs.rip = valid ? GUEST_ENTRY : one_in(&s, 2) ?
			     rnd(&s, 0x20000) : special64(&s);
		a.regs.rsp = 0xf000;
		a.regs.rflags = valid ? 2 : 2 | (special64(&s) & 0x3f7fd7);
		a.regs.rax = special64(&s);
		a.regs.rsi = rnd(&s, 64);
		break;
	case O_SET_SREGS:
		gen_sregs(&s, &a.sregs, valid);
		break;
	case O_SET_MP:
		a.mp.mp_state = valid ? KVM_MP_STATE_RUNNABLE : rnd(&s, 10);
		break;
	case O_SET_FPU:
		for (size_t k = 0; k < sizeof(a.fpu); k++)
			((uint8_t *)&a.fpu)[k] = valid ? 0 : splitmix(&s);
		a.fpu.fcw = 0x37f;
		break;
	case O_SET_DEBUGREGS:
		a.dr.db[rnd(&s, 4)] = special64(&s);
		a.dr.dr6 = valid ? 0xffff0ff0 : special64(&s);
		a.dr.dr7 = valid ? 0x400 : special64(&s);
		if (!valid && one_in(&s, 3))
			a.dr.flags = 1;
		break;
	case O_GET_MSRS: case O_SET_MSRS:
		gen_msrs(&s, &a.msrs, valid);
		break;
	case O_INTERRUPT:
		a.irq.irq = valid ? 32 + rnd(&s, 200) : (uint32_t)special64(&s);
		break;
	case O_SET_EVENTS:
		if (!valid) {
			a.ev.exception.injected = rnd(&s, 2);
			a.ev.exception.nr = rnd(&s, 40);
			a.ev.exception.has_error_code = rnd(&s, 2);
			a.ev.exception.error_code = splitmix(&s);
			a.ev.interrupt.injected = rnd(&s, 2);
			a.ev.interrupt.nr = rnd(&s, 256);
			a.ev.interrupt.shadow = rnd(&s, 4);
			a.ev.nmi.injected = rnd(&s, 2);
			a.ev.nmi.pending = rnd(&s, 2);
			a.ev.nmi.masked = rnd(&s, 2);
			a.ev.flags = rnd(&s, 64);
			a.ev.sipi_vector = rnd(&s, 256);
		}
		break;
	case O_TRANSLATE:
		a.tr.linear_address = one_in(&s, 2) ? rnd(&s, 0x140000) :
				      special64(&s);
		break;
	case O_WALK_TRACE:
		gen_walk(&s, &a.wt, valid);
		break;
	case O_GET_IRQCHIP: case O_SET_IRQCHIP:
		gen_irqchip(&s, fd, &a.ic, valid, c->op == O_SET_IRQCHIP);
		break;
	case O_IRQ_LINE: case O_IRQ_LINE_STATUS:
		a.il.irq = valid || one_in(&s, 2) ? rnd(&s, 24) :
			   one_in(&s, 2) ? 24 + rnd(&s, 4100) : (uint32_t)special64(&s);
		a.il.level = valid || one_in(&s, 2) ? rnd(&s, 2) : (uint32_t)special64(&s);
		break;
	case O_SET_GSI_ROUTING:
		gen_routing(&s, &a.rt, valid, bad, sizeof(bad));
		break;
	case O_SIGNAL_MSI:
		gen_msi(&s, &a.msi, valid);
		break;
	case O_CREATE_PIT2:
		a.pc.flags = valid ? rnd(&s, 2) : special64(&s);
		if (!valid && one_in(&s, 3))
			a.pc.pad[rnd(&s, 15)] = splitmix(&s);
		break;
	case O_SET_PIT2:
		if (ioctl(fd, KVM_GET_PIT2, &a.ps2) < 0)
			memset(&a.ps2, 0, sizeof(a.ps2));
		if (!valid) {
			if (one_in(&s, 3))
				a.ps2.flags = one_in(&s, 2) ? rnd(&s, 4) : special64(&s);
			else
				gen_pit_channels(&s, a.ps2.channels);
		}
		break;
	case O_SET_PIT:
		if (ioctl(fd, KVM_GET_PIT, &a.ps) < 0)
			memset(&a.ps, 0, sizeof(a.ps));
		if (!valid)
			gen_pit_channels(&s, a.ps.channels);
		break;
	case O_REINJECT_CONTROL:
		a.rc.pit_reinject = valid ? rnd(&s, 2) : splitmix(&s);
		if (!valid && one_in(&s, 3))
			a.rc.reserved[rnd(&s, 31)] = splitmix(&s);
		break;
	default:
		break;
	}
	if (d->argsz)
		arg = (uintptr_t)(valid ? a.raw : mut_ptr(&s, e, a.raw, d->argsz));
	if (e->diff) {
		if (d->argsz && arg != (uintptr_t)a.raw)
			desc("ptr=%#lx", arg);
		else if (c->op == O_SET_MEMSLOT)
			desc("slot=%#x,flags=%#x,gpa=%#llx,size=%#llx,hva=mem%+lld",
			     a.mr.slot, a.mr.flags, a.mr.guest_phys_addr,
			     a.mr.memory_size, (long long)(a.mr.userspace_addr -
			     (uintptr_t)e->mem[v][c->vcpu % NMEM].hva));
		else if (c->op == O_SET_SREGS)
			desc("cr0=%#llx,cr3=%#llx,cr4=%#llx,efer=%#llx,cs.l=%u,cs.type=%u,apic_base=%#llx,cr8=%#llx",
			     a.sregs.cr0, a.sregs.cr3, a.sregs.cr4, a.sregs.efer,
			     a.sregs.cs.l, a.sregs.cs.type, a.sregs.apic_base,
			     a.sregs.cr8);
		else if (c->op == O_SET_EVENTS)
			desc("exc=%u/%u/%u,irq=%u/%u/%u,nmi=%u/%u/%u,flags=%#x,sipi=%u",
			     a.ev.exception.injected, a.ev.exception.nr,
			     a.ev.exception.has_error_code,
			     a.ev.interrupt.injected, a.ev.interrupt.nr,
			     a.ev.interrupt.shadow, a.ev.nmi.injected,
			     a.ev.nmi.pending, a.ev.nmi.masked, a.ev.flags,
			     a.ev.sipi_vector);
		else if (c->op == O_GET_MSRS || c->op == O_SET_MSRS)
			desc("nmsrs=%u,msr0=%#x=%#llx", a.msrs.nmsrs,
			     a.msrs.entries[0].index,
			     (unsigned long long)a.msrs.entries[0].data);
		else if (c->op == O_SUPPORTED_CPUID || c->op == O_SET_CPUID2 ||
			 c->op == O_EMULATED_CPUID || c->op == O_GET_CPUID2 ||
			 c->op == O_VM_SUPPORTED_CPUID)
			desc("nent=%u", a.cpuid.nent);
		else if (c->op == O_SET_DEBUGREGS)
			desc("dr6=%#llx,dr7=%#llx,flags=%#llx", a.dr.dr6,
			     a.dr.dr7, a.dr.flags);
		else if (c->op == O_WALK_TRACE)
			desc("ver=%u,size=%u,gva=%#llx,acc=%#x", a.wt.version,
			     a.wt.size, a.wt.gva, a.wt.access);
		else if (c->op == O_VM_STATS || c->op == O_VCPU_STATS)
			desc("ver=%u,size=%u", a.st.version, a.st.size);
		else if (c->op == O_MSR_INDEX_LIST)
			desc("nmsrs=%u", a.msrl.nmsrs);
		else if (c->op == O_INTERRUPT)
			desc("irq=%u", a.irq.irq);
		else if (c->op == O_SET_MP)
			desc("mp_state=%u", a.mp.mp_state);
		else if (c->op == O_GET_IRQCHIP || c->op == O_SET_IRQCHIP)
			desc("chip=%u,ioregsel=%u,redir0=%#llx", a.ic.chip_id,
			     a.ic.chip.ioapic.ioregsel,
			     (unsigned long long)a.ic.chip.ioapic.redirtbl[0].bits);
		else if (c->op == O_IRQ_LINE || c->op == O_IRQ_LINE_STATUS)
			desc("irq=%u,level=%u", a.il.irq, a.il.level);
		else if (c->op == O_SET_GSI_ROUTING)
			desc("nr=%u,flags=%#x,bad=%s", a.rt.nr, a.rt.flags, bad);
		else if (c->op == O_SIGNAL_MSI)
			desc("addr=%#x/%#x,data=%#x,flags=%#x", a.msi.address_lo,
			     a.msi.address_hi, a.msi.data, a.msi.flags);
		else if (c->op == O_CREATE_PIT2)
			desc("flags=%#x", a.pc.flags);
		else if (c->op == O_SET_PIT2)
			desc("flags=%#x,mode=%u/%u/%u", a.ps2.flags,
			     a.ps2.channels[0].mode, a.ps2.channels[1].mode,
			     a.ps2.channels[2].mode);
		else if (c->op == O_SET_PIT)
			desc("mode=%u/%u/%u", a.ps.channels[0].mode,
			     a.ps.channels[1].mode, a.ps.channels[2].mode);
		else if (c->op == O_REINJECT_CONTROL)
			desc("reinject=%u", a.rc.pit_reinject);
		else if (!d->argsz)
			desc("arg=%#lx", arg);
	}
	r = ioctl(fd, d->req, arg);
	if (r < 0)
		return -errno;
	/* KVM_{GET,SET}_MSRS: how many MSRs were processed, and the first not */
	if (c->op == O_GET_MSRS || c->op == O_SET_MSRS) {
		if (e->diff && arg == (uintptr_t)a.raw && r < a.msrs.nmsrs &&
		    r < 300)
			desc("nmsrs=%u,stop=%#x", a.msrs.nmsrs,
			     a.msrs.entries[r].index);
		return r;
	}
	return 0;
}

/* ------------------------------------------------------ fork, fd pass -- */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b = 'x';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The child uses the inherited fds (another mm: -EIO expected), maps an
 * inherited kvm_run page, creates a VM of its own with a memslot and a
 * vCPU that runs once, and passes the VM or vCPU fd to the parent, which
 * keeps it as one of its VM fds (its ioctls then fail with -EIO; its close
 * destroys a VM whose mm has exited).
 */
static void child_fork(struct exec *e, uint64_t *s)
{
	int sv[2], fd;
	struct pollfd pfd;
	pid_t pid;
	uint64_t cs = splitmix(s);

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return;
	pid = fork();
	if (pid == 0) {
		int v = rnd(&cs, NVM), i = rnd(&cs, NVCPU), vm, vc;
		int sys = get_fd(&e->sys);
		struct kvm_userspace_memory_region mr = { 0 };
		void *mem, *run;

		ioctl(get_fd(&e->vm[v]), KVM_CHECK_EXTENSION, 1);
		ioctl(get_fd(&e->vcpu[v][i]), KVM_RUN, 0);
		run = mmap(NULL, 4096, PROT_READ, MAP_SHARED,
			   get_fd(&e->vcpu[v][i]), 0);
		if (run != MAP_FAILED)
			(void)*(volatile uint32_t *)run;
		vm = ioctl(sys, KVM_CREATE_VM, 0);
		if (vm >= 0) {
			mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (mem != MAP_FAILED) {
				memcpy((uint8_t *)mem + GUEST_ENTRY,
				       fuzz_guest_start,
				       fuzz_guest_end - fuzz_guest_start);
				mr.memory_size = MEM_SIZE;
				mr.userspace_addr = (uintptr_t)mem;
				ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr);
			}
			vc = ioctl(vm, KVM_CREATE_VCPU, 0);
			if (vc >= 0) {
				struct kvm_sregs sr;
				struct kvm_regs regs = { .rip = GUEST_ENTRY,
							 .rflags = 2 };

				pm32_sregs(&sr);
				ioctl(vc, KVM_SET_SREGS, &sr);
				ioctl(vc, KVM_SET_REGS, &regs);
				alarm(2);
				ioctl(vc, KVM_RUN, 0);
			}
			send_fd(sv[1], one_in(&cs, 2) || vc < 0 ? vm : vc);
		}
		_exit(0);
	}
	close(sv[1]);
	pfd.fd = sv[0];
	pfd.events = POLLIN;
	if (pid > 0 && poll(&pfd, 1, 20000) == 1) {
		fd = recv_fd(sv[0]);
		if (fd >= 0)
			put_fd(&e->vm[1], fd);
	}
	close(sv[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * --plant: a known failure, to show that detection and minimization work:
 * a KVM_NMI that succeeds on a vCPU after a KVM_SET_DEBUGREGS succeeded in
 * the same program writes a WARNING line to the kernel log.
 */
static volatile int planted_debugregs;

static void plant_splat(const struct call *c, long r)
{
	int fd;

	if (c->op == O_SET_DEBUGREGS && !r)
		planted_debugregs = 1;
	if (c->op != O_NMI || r || !planted_debugregs)
		return;
	static const char msg[] =
		"WARNING: ioctl_fuzz --plant: KVM_NMI after KVM_SET_DEBUGREGS\n";

	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, msg, sizeof(msg) - 1) < 0)
			perror("ioctl_fuzz: /dev/kmsg");
		close(fd);
	}
}

/* ---------------------------------------------------------- executor -- */
struct thr {
	struct exec *e;
	int t;
	pthread_t id;
	pid_t tid;
};

/*
 * --verbose in differential mode: each vCPU's events (KVM_GET_VCPU_EVENTS)
 * whenever they changed, to follow a difference back to the call that
 * made it (the call lines name the fd slot asked for, not the one used).
 */
static void trace_events(struct exec *e)
{
	static char last[NVM][NVCPU][96];
	struct kvm_vcpu_events ev;
	char now[96];
	int v, i, fd;

	for (v = 0; v < NVM; v++)
		for (i = 0; i < NVCPU; i++) {
			fd = get_fd(&e->vcpu[v][i]);
			if (fd < 0 || ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
				snprintf(now, sizeof(now), "-");
			else
				snprintf(now, sizeof(now),
					 "exc=%u/%u/%u irq=%u/%u nmi=%u/%u smi=%u/%u",
					 ev.exception.injected,
					 ev.exception.pending, ev.exception.nr,
					 ev.interrupt.injected, ev.interrupt.nr,
					 ev.nmi.injected, ev.nmi.pending,
					 ev.smi.smm, ev.smi.pending);
			if (strcmp(now, last[v][i])) {
				fprintf(stderr, "  events vm%d vcpu%d: %s\n", v, i, now);
				strcpy(last[v][i], now);
			}
		}
}

/* Call @k of the program on thread @t, recorded in the shared log. */
static void run_one(struct exec *e, int t, int k)
{
	const struct prog *p = e->p;
	long r;

	sh->started_ns[t] = now_ns();
	__atomic_store_n(&sh->running[t], k, __ATOMIC_SEQ_CST);
	r = exec_call(e, &p->c[k]);
	if (opt_plant)
		plant_splat(&p->c[k], r);
	__atomic_store_n(&sh->running[t], -1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->op_n[p->c[k].op], 1, __ATOMIC_RELAXED);
	if (r >= 0)
		__atomic_add_fetch(&sh->op_ok[p->c[k].op], 1, __ATOMIC_RELAXED);
	sh->ret[k] = r;
	sh->done[k] = 1;
	sh->seq[k] = __atomic_add_fetch(&sh->calls_done, 1, __ATOMIC_SEQ_CST);
	if (opt_verbose)
		fprintf(stderr, "  [%d] #%d t%d %s vm%d vcpu%d seed %#" PRIx64 " = %ld%s%s\n",
			getpid(), k, t, ops[p->c[k].op].name, p->c[k].vm,
			p->c[k].vcpu, p->c[k].seed, r, r < 0 ? " " : "",
			r < 0 ? strerror(-r) : "");
	if (opt_verbose && e->diff)
		trace_events(e);
	if (e->diff_out)
		fprintf(e->diff_out, "%ld %d %s %ld %s\n", e->prog_idx, k,
			ops[p->c[k].op].name, r, argdesc[0] ? argdesc : "-");
	argdesc[0] = 0;
}

static void run_calls(struct exec *e, int t, int from, int to)
{
	const struct prog *p = e->p;
	int k;

	for (k = from; k < to; k++)
		if (p->c[k].thread == t && (!e->keep || e->keep[k]))
			run_one(e, t, k);
}

static pid_t tids[MAX_THREADS + 1];

static void *thr_main(void *arg)
{
	struct thr *th = arg;

	tids[th->t] = syscall(SYS_gettid);
	run_calls(th->e, th->t, th->e->p->prologue, th->e->p->ncalls);
	return NULL;
}

/* The watchdog: kicks calls that block (KVM_RUN) every 50 ms. */
static volatile bool wd_stop;
static void *watchdog(void *arg)
{
	int t;

	(void)arg;
	while (!wd_stop) {
		for (t = 0; t < MAX_THREADS; t++)
			if (__atomic_load_n(&sh->running[t], __ATOMIC_SEQ_CST) >= 0 &&
			    (int64_t)now_ns() - (int64_t)sh->started_ns[t] > 50000000LL &&
			    tids[t])
				syscall(SYS_tgkill, getpid(), tids[t], SIGUSR1);
		usleep(20000);
	}
	return NULL;
}

static void nop_handler(int sig)
{
	(void)sig;
}

/*
 * Run @p: all its calls (@keep NULL) or those @keep marks, each on its
 * thread; or, serialized (@order), the @norder calls listed there, in that
 * order, all on thread 0.
 */
static void exec_prog(const struct prog *p, const uint8_t *keep,
		      const int *order, int norder, long idx, FILE *diff_out)
{
	struct exec e;
	struct thr th[MAX_THREADS];
	pthread_t wd;
	struct sigaction sa;
	int t, v, i, sys;

	memset(&e, 0, sizeof(e));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop_handler;	/* no SA_RESTART: -EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	pthread_mutex_init(&e.run_lock, NULL);
	e.p = p;
	e.keep = keep;
	e.diff = diff_out != NULL;
	e.diff_out = diff_out;
	e.prog_idx = idx;
	e.sys = -1;
	for (v = 0; v < NVM; v++) {
		e.vm[v] = -1;
		for (i = 0; i < NVCPU; i++)
			e.vcpu[v][i] = -1;
		for (i = 0; i < NIRQFD; i++)
			e.efd[v][i] = -1;
		for (i = 0; i < NIOEFD; i++)
			e.iofd[v][i] = -1;
		for (i = 0; i < NMEM; i++) {
			e.mem[v][i].size = MEM_SIZE;
			e.mem[v][i].hva = mmap(NULL, MEM_SIZE,
					       PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (e.mem[v][i].hva == MAP_FAILED)
				e.mem[v][i].hva = NULL;
		}
	}
	e.guard = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(e.guard + 4096, 4096, PROT_NONE);
	mprotect(e.guard + 8192, 4096, PROT_READ);
	e.bitmap = mmap(NULL, BITMAP_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e.bitmap == MAP_FAILED)
		e.bitmap = NULL;
	/* what the device says, for valid arguments */
	sys = open(dev, O_RDWR | O_CLOEXEC);
	e.mmap_size = sys >= 0 ? ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0) : 8192;
	if (e.mmap_size <= 0)
		e.mmap_size = 8192;
	e.cpuid = calloc(1, sizeof(struct kvm_cpuid2) +
			 300 * sizeof(struct kvm_cpuid_entry2));
	e.cpuid->nent = 300;
	if (sys < 0 || ioctl(sys, KVM_GET_SUPPORTED_CPUID, e.cpuid) < 0)
		e.cpuid->nent = 0;
	if (sys >= 0)
		close(sys);
	for (t = 0; t <= MAX_THREADS; t++)
		sh->running[t] = -1;
	tids[0] = syscall(SYS_gettid);
	wd_stop = false;
	pthread_create(&wd, NULL, watchdog, NULL);
	for (i = 0; order && i < norder; i++)
		run_one(&e, 0, order[i]);
	if (!order)
		run_calls(&e, 0, 0, p->prologue);
	for (t = 1; !order && t < p->nthreads; t++) {
		th[t].e = &e;
		th[t].t = t;
		pthread_create(&th[t].id, NULL, thr_main, &th[t]);
	}
	if (!order)
		run_calls(&e, 0, p->prologue, p->ncalls);
	for (t = 1; !order && t < p->nthreads; t++)
		pthread_join(th[t].id, NULL);
	wd_stop = true;
	pthread_join(wd, NULL);
	/* close everything: the leak check follows */
	for (v = 0; v < NVM; v++)
		for (i = 0; i < NVCPU; i++) {
			if (e.run[v][i])
				munmap(e.run[v][i], e.mmap_size);
			put_fd(&e.vcpu[v][i], -1);
		}
	for (v = 0; v < NVM; v++) {
		for (i = 0; i < NIRQFD; i++)
			put_fd(&e.efd[v][i], -1);
		for (i = 0; i < NIOEFD; i++)
			put_fd(&e.iofd[v][i], -1);
		put_fd(&e.vm[v], -1);
	}
	put_fd(&e.sys, -1);
	for (v = 0; v < NVM; v++)
		for (i = 0; i < NMEM; i++)
			if (e.mem[v][i].hva)
				munmap(e.mem[v][i].hva, MEM_SIZE);
	free(e.cpuid);
	if (e.bitmap)
		munmap(e.bitmap, BITMAP_SIZE);
	munmap(e.guard, 3 * 4096);
}

/* ------------------------------------------------------------ checks -- */
static int kmsg = -1;

static const char *const splat_pat[] = {
	"WARNING:", "BUG:", "BUG ", "Oops", "general protection",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "suspicious RCU usage", "lockdep",
	"KASAN", "UBSAN", "KFENCE", "scheduling while atomic",
	"soft lockup", "hard LOCKUP", "blocked for more than",
	"rcu_sched self-detected", "rcu: INFO", "Call Trace", "kmemleak",
	"list_add corruption", "list_del corruption", "refcount_t",
	"sleeping function called from invalid context", "double fault",
	"stack-protector", "Kernel panic",
};

/*
 * @pat in @msg as a word of its own: not right after a letter, digit or
 * '_' (the module's "KVM_SET_GUEST_DEBUG: ..." lines are no "BUG:").
 */
static bool splat_match(const char *msg, const char *pat)
{
	const char *p;

	for (p = msg; (p = strstr(p, pat)); p++)
		if (p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			return true;
	return false;
}

/* New kernel log lines: how many look like a splat (printed). */
static int check_kmsg(bool quiet)
{
	char buf[8192];
	int splats = 0;
	ssize_t n;

	if (kmsg < 0)
		return 0;
	while ((n = read(kmsg, buf, sizeof(buf) - 1)) != 0) {
		char *msg;
		size_t k;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten: go on */
			break;
		}
		buf[n] = 0;
		msg = strchr(buf, ';');
		msg = msg ? msg + 1 : buf;
		for (k = 0; k < sizeof(splat_pat) / sizeof(splat_pat[0]); k++)
			if (splat_match(msg, splat_pat[k])) {
				if (!quiet)
					printf("# fuzz: kernel: %s", msg);
				splats++;
				break;
			}
	}
	return splats;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The module's gauges: 0 when nothing leaked (or not shadowvmx). */
static int check_leaks(bool quiet)
{
	static const char *const g[] = {
		"/sys/module/shadowvmx/parameters/pinned_pages",
		"/sys/module/shadowvmx/parameters/table_pages",
		"/sys/module/shadowvmx/refcnt",
	};
	int tries, k, bad = 0;

	if (!is_svx)
		return 0;
	for (tries = 0; tries < 20; tries++) {
		bad = 0;
		for (k = 0; k < 3; k++)
			if (read_long(g[k]) != 0)
				bad = 1;
		if (!bad)
			return 0;
		usleep(100000);
	}
	if (!quiet)
		for (k = 0; k < 3; k++)
			printf("# fuzz: leak: %s = %ld\n", g[k], read_long(g[k]));
	return 1;
}

enum verdict { V_OK, V_SPLAT, V_LEAK, V_HANG, V_CRASH };
static const char *const vname[] = { "ok", "splat", "leak", "hang", "crash" };

static long total_threads;

/* Run @p (as exec_prog()) in a child; the verdict. */
static enum verdict run_child(const struct prog *p, const uint8_t *keep,
			      const int *order, int norder, long idx,
			      uint64_t *calls, bool quiet)
{
	uint64_t start = now_ns();
	int status, t, k;
	pid_t pid;
	enum verdict v = V_OK;

	memset((void *)sh, 0, sizeof(*sh));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		exec_prog(p, keep, order, norder, idx, NULL);
		_exit(0);
	}
	total_threads += order ? 1 : p->nthreads;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		/* a call stuck longer than --hang seconds */
		for (t = 0; t < MAX_THREADS; t++) {
			int c = __atomic_load_n(&sh->running[t], __ATOMIC_SEQ_CST);
			int64_t st = sh->started_ns[t];

			if (c >= 0 && st && (int64_t)now_ns() - st >
			    (int64_t)opt_hang * 1000000000LL &&
			    __atomic_load_n(&sh->running[t], __ATOMIC_SEQ_CST) == c &&
			    sh->started_ns[t] == (uint64_t)st) {
				if (!quiet)
					printf("# fuzz: HANG: program %ld call #%d (%s, thread %d) running for %d s\n",
					       idx, c, ops[p->c[c].op].name, t, opt_hang);
				return V_HANG;
			}
		}
		if (now_ns() - start > (uint64_t)opt_hang * 4 * 1000000000ULL) {
			if (!quiet)
				printf("# fuzz: HANG: program %ld did not exit\n", idx);
			return V_HANG;
		}
		usleep(5000);
	}
	*calls += sh->calls_done;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		v = V_CRASH;
		if (!quiet)
			printf("# fuzz: program %ld: executor died (status %#x)\n",
			       idx, status);
	}
	k = check_kmsg(quiet);
	if (k)
		v = V_SPLAT;
	else if (check_leaks(quiet))
		v = V_LEAK;
	return v;
}

static void print_call(const struct prog *p, int k, bool with_ret)
{
	const struct call *c = &p->c[k];

	printf("# fuzz:   #%d t%d %s vm%d vcpu/slot%d seed %#" PRIx64, k,
	       c->thread, ops[c->op].name, c->vm, c->vcpu, c->seed);
	if (with_ret && sh->done[k])
		printf(" = %d", sh->ret[k]);
	printf("\n");
}

/*
 * The minimizer: ddmin over the calls (the prologue too), the smallest
 * failing set, in at most MIN_RUNS child runs (600: with the irqchip/PIT
 * ops the planted failure of --seed 1 needed more than the former 300 to
 * get from 551 calls down to its 5).  A candidate counts as failing when
 * one of up to 3 runs fails the same way (a race may need a few).
 *
 * Threads: a failure that needs call A of one thread to run before call B
 * of another reproduces only as long as something keeps A's thread ahead:
 * with the calls between them dropped, which one comes first is up to the
 * scheduler, so a candidate passes or fails by chance, the calls that
 * happened to delay B's thread (a KVM_RUN, a remap) are kept as padding,
 * and the result is large and flaky (--plant --seed 2: 553 calls down to
 * 14, a KVM_SET_DEBUGREGS on thread 2 and a KVM_NMI on thread 0 between
 * KVM_RUNs, not always reproduced).  So the program is first run
 * serialized: all its calls on thread 0, in program order, then in the
 * order they completed in the failing run (calls that did not complete
 * last).  If one of these fails the same way, that list is minimized
 * serialized (a fixed order; replay with --serial: the --keep list in its
 * order on one thread); only a failure that needs the threads to race is
 * minimized with its threads.
 */
#define MIN_RUNS	600
#define MIN_TRIES	3

/* Does the list of @n calls @list fail as @want? */
static bool min_fails(const struct prog *p, long idx, enum verdict want,
		      const int *list, int n, bool serial, uint8_t *keep,
		      int *runs)
{
	uint64_t dummy = 0;
	int r, j;

	if (!serial) {
		memset(keep, 0, p->ncalls);
		for (j = 0; j < n; j++)
			keep[list[j]] = 1;
	}
	for (r = 0; r < MIN_TRIES; r++) {
		++*runs;
		if (run_child(p, serial ? NULL : keep, serial ? list : NULL, n,
			      idx, &dummy, true) == want)
			return true;
	}
	return false;
}

static const uint32_t *cmp_seq;

static int by_seq(const void *a, const void *b)
{
	uint32_t x = cmp_seq[*(const int *)a], y = cmp_seq[*(const int *)b];

	/* not completed (0): last, in program order */
	if (x != y)
		return !x ? 1 : !y ? -1 : x < y ? -1 : 1;
	return *(const int *)a - *(const int *)b;
}

static int minimize(const struct prog *p, long idx, enum verdict want,
		    bool *reproduced)
{
	int *cur = calloc(p->ncalls, sizeof(int));
	int *cand = calloc(p->ncalls, sizeof(int));
	uint32_t *seq = calloc(p->ncalls, sizeof(uint32_t));
	uint8_t *keep = calloc(p->ncalls, 1);
	int n = p->ncalls, gran = 2, runs = 0, k;
	bool serial = true;
	uint64_t dummy = 0;

	/* the failing run's completion order, before the runs below reset it */
	for (k = 0; k < p->ncalls; k++) {
		seq[k] = sh->done[k] ? sh->seq[k] : 0;
		cur[k] = k;
	}
	if (!min_fails(p, idx, want, cur, n, true, keep, &runs)) {
		memcpy(cand, cur, n * sizeof(int));
		cmp_seq = seq;
		qsort(cand, n, sizeof(int), by_seq);
		if (memcmp(cand, cur, n * sizeof(int)) &&
		    min_fails(p, idx, want, cand, n, true, keep, &runs))
			memcpy(cur, cand, n * sizeof(int));
		else
			serial = false;		/* a race: with its threads */
	}
	while (gran <= n && runs < MIN_RUNS) {
		int chunk = (n + gran - 1) / gran, part;
		bool reduced = false;

		for (part = 0; part < gran && runs < MIN_RUNS; part++) {
			int lo = part * chunk, hi = lo + chunk, j, m = 0;

			if (lo >= n)
				break;
			/* complement: drop the part-th chunk of the list */
			for (j = 0; j < n; j++)
				if (j < lo || j >= hi)
					cand[m++] = cur[j];
			if (min_fails(p, idx, want, cand, m, serial, keep,
				      &runs)) {
				memcpy(cur, cand, m * sizeof(int));
				n = m;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (gran >= n)
				break;
			gran = gran * 2 < n ? gran * 2 : n;
		}
	}
	printf("# fuzz: minimized program %ld (%s) to %d calls in %d runs; replay: ioctl_fuzz --dev %s --seed %" PRIu64 " --prog %ld%s%s --keep ",
	       idx, vname[want], n, runs, dev, opt_seed, idx,
	       opt_plant ? " --plant" : "", serial ? " --serial" : "");
	for (k = 0; k < n; k++)
		printf("%s%d", k ? "," : "", cur[k]);
	printf("\n");
	/* a race may need a few runs, as for the candidates */
	memset(keep, 0, p->ncalls);
	for (k = 0; k < n; k++)
		keep[cur[k]] = 1;
	for (k = 0, *reproduced = false; k < MIN_TRIES && !*reproduced; k++)
		*reproduced = run_child(p, serial ? NULL : keep,
					serial ? cur : NULL, n, idx, &dummy,
					k < MIN_TRIES - 1) == want;
	for (k = 0; k < n; k++)
		print_call(p, cur[k], true);
	free(cur);
	free(cand);
	free(seq);
	free(keep);
	return n;
}

/* ------------------------------------------------------ differential -- */
/*
 * Known, explained differences: (call, our result, kvm's result, a
 * condition on the arguments, why).  ANY matches any result.  An explained
 * difference that leaves the two VMs in different states "taints" the
 * program for the call families in .taint: a later difference there is
 * counted as explained by it (printed as such), any other stays unexplained.
 */
#define ANY	1
#define F_SLOTS	1u	/* memslot layout differs: memslot calls, KVM_RUN */
/*
 * vCPU state differs (one device ran further, or took an event the other
 * refused): KVM_RUN, and the calls whose result depends on a pending
 * event (KVM_SET_GUEST_DEBUG's injections -EBUSY, KVM_INTERRUPT -EEXIST,
 * KVM_X86_SET_MCE's MCIP checks).
 */
#define F_GUEST	2u
/*
 * KVM_RUN got as far as running the vCPU on one device only (KVM 6.1's
 * kvm_vcpu_has_run()): afterwards KVM_SET_CPUID2 (also setup-guest's)
 * takes only the vCPU's own table there, any table on the other.
 */
#define F_RAN	4u
/*
 * The set of vCPUs differs (KVM 6.1 created vCPU id & 0xffffffff where
 * shadowvmx refused the id): KVM_CREATE_VCPU of that id again (-EEXIST on
 * one device only) and the calls on the vCPU fd slot that then holds a
 * vCPU on one device only (-EBADF on the other).
 */
#define F_VCPUS	8u
/*
 * A KVM_ENABLE_CAP one device took and the other refused (KVM_CAP_MAX_VCPU_ID
 * above shadowvmx's limit): later KVM_ENABLE_CAPs on that VM.
 */
#define F_CAPS	16u

static uint64_t field(const char *d, const char *name)
{
	const char *p = strstr(d, name);

	return p ? strtoull(p + strlen(name), NULL, 0) : 0;
}

static bool w_slot_id(const char *d)
{
	return (field(d, "slot=") & 0xffff) >= 509 && !(field(d, "slot=") >> 16);
}
static bool w_vcpu_id(const char *d)
{
	uint64_t id = field(d, "id=");

	return id >= 32 && (uint32_t)id >= 32;
}
static bool w_vcpu_id_u32(const char *d)
{
	uint64_t id = field(d, "id=");

	return id >> 32 && (uint32_t)id < 16;
}
static bool w_efer(const char *d)
{
	return field(d, "efer=") & ~0xd01ULL;	/* SCE LME LMA NX */
}
/* VMXE, UMIP, FSGSBASE, PCIDE, SMEP, SMAP: bits with a CPUID feature */
static bool w_cr4_cpuid(const char *d)
{
	return (field(d, "cr4=") & 0x332800) && !w_efer(d);
}
static bool w_cpuid_args(const char *d)
{
	return strstr(d, "nent=") != NULL;
}
static bool w_smm(const char *d)
{
	return field(d, "flags=") & KVM_VCPUEVENT_VALID_SMM;
}
static bool w_injected(const char *d)
{
	/* exc=injected/nr/has_ec,irq=injected/nr/shadow,nmi=injected/... */
	return !w_smm(d) && field(d, "exc=") + field(d, "irq=") +
	       field(d, "nmi=") > 1;
}
static bool w_small_nent(const char *d)
{
	uint64_t n = field(d, "nent=");

	return n >= 1 && n < 64;
}

/* KVM_ENABLE_CAP of a capability this device's KVM_CHECK_EXTENSION denies */
static bool w_cap_not_offered(const char *d)
{
	return strstr(d, "adv=0,") != NULL;
}
static bool w_max_vcpu_id_above(const char *d)
{
	return field(d, "cap=") == KVM_CAP_MAX_VCPU_ID && strstr(d, "adv=") &&
	       field(d, "arg=") > field(d, "lim=");
}
static bool w_max_vcpu_id_same(const char *d)
{
	return field(d, "cap=") == KVM_CAP_MAX_VCPU_ID && strstr(d, "adv=") &&
	       field(d, "arg=") == field(d, "lim=");
}
static bool w_xcr0_unsupported(const char *d)
{
	return strstr(d, "sup=") && (field(d, "val=") | field(d, "bv=")) &
	       ~(field(d, "sup=") | 1);
}
static bool w_mcg_cap_unsupported(const char *d)
{
	return strstr(d, "sup=") &&
	       field(d, "mcg_cap=") & ~(field(d, "sup=") | 0xff00ffULL);
}
/* KVM 6.1 does not check KVM_SET_GUEST_DEBUG's control (stores it) */
static bool w_guestdbg_bits(const char *d)
{
	return field(d, "mask=") &&
	       field(d, "control=") & ~field(d, "mask=");
}
/* #DB/#BP injection with an exception already in injection (exc=1/..) */
static bool w_guestdbg_inject(const char *d)
{
	return field(d, "control=") & (KVM_GUESTDBG_INJECT_DB |
				       KVM_GUESTDBG_INJECT_BP) &&
	       !(field(d, "control=") & ~field(d, "mask=")) &&
	       field(d, "exc=") == 1;
}
static bool w_list_shorter(const char *d)
{
	return strstr(d, "cnt=") && field(d, "nmsrs=") >= field(d, "cnt=");
}
static bool w_list_longer(const char *d)
{
	return strstr(d, "cnt=") && field(d, "nmsrs=") < field(d, "cnt=");
}

struct diff_ex {
	const char *call;
	int ours, kvm;
	bool (*when)(const char *d);
	unsigned int taint;
	const char *why;
};

static const struct diff_ex diff_explained[] = {
	{ "SVX_GET_CAPS", ANY, -EINVAL, NULL, 0,
	  "shadowvmx extension (uapi/linux/shadowvmx.h); KVM answers unknown system ioctls -EINVAL" },
	{ "SVX_GET_VM_STATS", ANY, -ENOTTY, NULL, 0,
	  "shadowvmx extension; KVM answers unknown VM ioctls -ENOTTY" },
	{ "SVX_SET_PAGING", ANY, -ENOTTY, NULL, 0,
	  "shadowvmx extension; KVM answers unknown VM ioctls -ENOTTY" },
	{ "SVX_GET_SUPPORTED_CPUID", ANY, -ENOTTY, NULL, 0,
	  "shadowvmx extension; KVM answers unknown VM ioctls -ENOTTY" },
	{ "SVX_GET_VCPU_STATS", ANY, -EINVAL, NULL, 0,
	  "shadowvmx extension; KVM answers unknown vCPU ioctls -EINVAL" },
	{ "SVX_WALK_TRACE", ANY, -EINVAL, NULL, 0,
	  "shadowvmx extension; KVM answers unknown vCPU ioctls -EINVAL" },
	{ "KVM_SET_USER_MEMORY_REGION", -EINVAL, ANY, w_slot_id, F_SLOTS,
	  "slot id >= 509, shadowvmx's KVM_CAP_NR_MEMSLOTS (kvm_intel: 32764)" },
	{ "KVM_SET_USER_MEMORY_REGION(log)", -EINVAL, ANY, w_slot_id, F_SLOTS,
	  "slot id >= 509, shadowvmx's KVM_CAP_NR_MEMSLOTS (kvm_intel: 32764)" },
	{ "SVX_WALK_TRACE2", ANY, -EINVAL, NULL, 0,
	  "shadowvmx extension; KVM answers unknown vCPU ioctls -EINVAL" },
	{ "KVM_ENABLE_CAP(vm)", -EINVAL, 0, w_cap_not_offered, 0,
	  "a capability shadowvmx's KVM_CHECK_EXTENSION answers 0 for (KVM_CAP_X2APIC_API, KVM_CAP_EXIT_HYPERCALL, KVM_CAP_EXIT_ON_EMULATION_FAILURE; the fuzzer passes 0, which changes nothing on kvm_intel): not offered, so not enabled, as KVM answers for capabilities it lacks" },
	{ "KVM_ENABLE_CAP(vm)", -EINVAL, 0, w_max_vcpu_id_above, F_CAPS | F_VCPUS,
	  "KVM_CAP_MAX_VCPU_ID above shadowvmx's KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) (32; kvm_intel: 4096)" },
	{ "KVM_ENABLE_CAP(vm)", 0, -EINVAL, w_max_vcpu_id_same, 0,
	  "KVM_CAP_MAX_VCPU_ID equal to the device's own limit once vCPUs exist: the first KVM_CREATE_VCPU fixed the VM's limit at the device's KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPU_ID) (kvm_arch_vcpu_precreate()), 32 here, 4096 on kvm_intel; setting the same value again is allowed, another one is not" },
	{ "KVM_SET_GUEST_DEBUG", -EINVAL, ANY, w_guestdbg_bits, F_GUEST,
	  "control bits outside KVM_CHECK_EXTENSION(KVM_CAP_SET_GUEST_DEBUG2) (mask=): KVM 6.1's kvm_arch_vcpu_ioctl_set_guest_debug() does not check them and keeps them in vcpu->guest_debug (0), after queueing an INJECT_DB/BP among them (-EBUSY if an exception is pending); shadowvmx refuses them first (as the EFER bits of KVM_SET_SREGS)" },
	{ "KVM_SET_GUEST_DEBUG", -EBUSY, 0, w_guestdbg_inject, F_GUEST,
	  "KVM_GUESTDBG_INJECT_DB/BP while an exception is in injection (exc=1: KVM_SET_VCPU_EVENTS exception.injected): shadowvmx keeps one event in injection (the VM-entry interruption field) and answers -EBUSY as for a pending one; KVM 6.1 tests only a pending exception and merges the new one with the injected one (kvm_multiple_exception())" },
	{ "KVM_*_DEVICE_ATTR(sys)", -EINVAL, ANY, NULL, 0,
	  "system-fd device attributes (KVM_X86_XCOMP_GUEST_SUPP) come with KVM_CAP_SYS_ATTRIBUTES, which shadowvmx does not offer: an unknown system ioctl (-EINVAL)" },
	{ "KVM_KVMCLOCK_CTRL", -EINVAL, 0, NULL, 0,
	  "KVM_CAP_KVMCLOCK_CTRL is not offered (no PVCLOCK_GUEST_STOPPED, core/kvmclock.c): an unknown vCPU ioctl; kvm_intel takes it once the guest enabled kvmclock (else -EINVAL too)" },
	{ "KVM_SET_XSAVE", -EINVAL, 0, w_xcr0_unsupported, F_GUEST,
	  "an XSTATE_BV bit shadowvmx's supported XCR0 (CPUID.0xD.0, recorded as sup=) does not offer" },
	{ "KVM_SET_XCRS", -EINVAL, 0, w_xcr0_unsupported, F_GUEST,
	  "an XCR0 bit the vCPU's CPUID (shadowvmx's supported table, CPUID.0xD.0 recorded as sup=) does not offer" },
	{ "KVM_X86_SETUP_MCE", -EINVAL, 0, w_mcg_cap_unsupported, F_GUEST,
	  "an MCG_CAP bit shadowvmx's KVM_X86_GET_MCE_CAP_SUPPORTED (sup=) does not offer" },
	{ "KVM_GET_MSR_FEATURE_INDEX_LIST", 0, -E2BIG, w_list_shorter, 0,
	  "nmsrs between the two devices' feature-MSR counts (cnt=: shadowvmx's; each lists the feature MSRs it supports)" },
	{ "KVM_GET_MSR_FEATURE_INDEX_LIST", -E2BIG, 0, w_list_longer, 0,
	  "nmsrs between the two devices' feature-MSR counts (cnt=: shadowvmx's; each lists the feature MSRs it supports)" },
	{ "KVM_CREATE_VCPU", -EINVAL, ANY, w_vcpu_id, 0,
	  "vCPU id >= 32, shadowvmx's KVM_CAP_MAX_VCPU_ID (kvm_intel: 4096)" },
	{ "KVM_CREATE_VCPU", -EINVAL, ANY, w_vcpu_id_u32, F_VCPUS,
	  "id >= 2^32: KVM 6.1 truncates it to u32 (kvm_vm_ioctl_create_vcpu(kvm, u32 id)); later kernels refuse it, as shadowvmx does" },
	{ "KVM_SET_CPUID2", 0, -EINVAL, NULL, 0,
	  "after KVM_RUN KVM 6.1 compares a new table with its vCPU copy, which kvm_update_cpuid_runtime() rewrote (CPUID.0xD EBX for the current XCR0, OSXSAVE, APIC, MWAIT): its own supported table no longer matches; shadowvmx computes those at CPUID time and compares with the table as set" },
	{ "setup-guest", 0, -EINVAL, NULL, 0,
	  "its KVM_SET_CPUID2 after KVM_RUN (as KVM_SET_CPUID2 above)" },
	{ "KVM_SET_SREGS", -EINVAL, 0, w_efer, F_GUEST,
	  "EFER bits reserved here (not SCE/LME/LMA/NX): KVM 6.1 does not check EFER in KVM_SET_SREGS (kvm_is_valid_sregs() checks LME/LMA/PG/PAE only, set_efer's result is ignored); shadowvmx refuses them instead of loading them into GUEST_IA32_EFER" },
	{ "KVM_SET_SREGS", -EINVAL, 0, w_cr4_cpuid, F_GUEST,
	  "a CR4 bit (VMXE, UMIP, FSGSBASE, PCIDE, SMEP, SMAP) whose CPUID feature kvm_intel's supported table offers and shadowvmx's does not (no nested VMX; x86/cpuid.c drops SMEP/SMAP/FSGSBASE/UMIP/PCID when IA32_VMX_CR4_FIXED1 does not allow the bit): each vCPU got its device's own table" },
	{ "KVM_SET_CPUID2", ANY, ANY, w_cpuid_args, 0,
	  "not the same argument: a table cut from each device's own supported CPUID (different sizes)" },
	{ "KVM_SET_VCPU_EVENTS", -EINVAL, 0, w_smm, F_GUEST,
	  "KVM_VCPUEVENT_VALID_SMM with smi.smm or smi.pending on a shadow-paging VM: shadowvmx runs SMM in EPT mode only (vmx/smm.c; KVM_CAP_X86_SMM not offered yet)" },
	{ "KVM_SET_VCPU_EVENTS", -EINVAL, 0, w_injected, F_GUEST,
	  "more than one of exception/interrupt/NMI marked injected: shadowvmx keeps one event in injection (the VM-entry interruption field), KVM keeps each and delivers them in turn" },
	{ "KVM_SET_TSS_ADDR", -EEXIST, 0, NULL, 0,
	  "a second KVM_SET_TSS_ADDR on a shadow-paging VM: real mode runs in vm86 on a TSS in a private memslot, and kvm_intel without unrestricted guest (ept=0) answers -EEXIST too (selftests/rmode_test.c set_tss_addr_rules checks both); kvm_intel with unrestricted guest, compared here, only records the address, as shadowvmx's EPT mode" },
	{ "KVM_SET_TSS_ADDR", -EINVAL, 0, NULL, 0,
	  "an address that is not page aligned on a shadow-paging VM: the vm86 TSS's private memslot refuses it, as kvm_intel ept=0's __x86_set_memory_region() does (-EINVAL); with unrestricted guest the address is only recorded" },
	{ "KVM_GET_EMULATED_CPUID", 0, -E2BIG, w_small_nent, 0,
	  "shadowvmx's emulated-CPUID table is empty (nothing emulated beyond the CPU); kvm_intel's has more entries than nent" },
	{ "KVM_RUN", 0, -ENOSPC, NULL, F_GUEST | F_RAN,
	  "kvm_intel sizes a VM's MMU page pool when a memslot is created or deleted; a VM that never had one has no pool and its KVM_RUN fails -ENOSPC (make_mmu_pages_available()); shadowvmx runs the vCPU (MMIO exits)" },
	{ "KVM_RUN", ANY, -EINTR, NULL, F_GUEST | F_RAN,
	  "KVM_RUN interrupted by the fuzzer's watchdog signal (50 ms): timing" },
	{ "KVM_RUN", -EINTR, ANY, NULL, F_GUEST | F_RAN,
	  "KVM_RUN interrupted by the fuzzer's watchdog signal (50 ms): timing" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

static unsigned int family(const char *call)
{
	unsigned int i;

	if (!strcmp(call, "KVM_CREATE_VCPU"))
		return F_VCPUS;
	for (i = 0; i < O_NR; i++)
		if (ops[i].fd == K_VCPU && !strcmp(call, ops[i].name))
			return F_VCPUS | (i == O_RUN ? F_SLOTS | F_GUEST : 0) |
			       (i == O_SET_GUEST_DEBUG || i == O_INTERRUPT ||
				i == O_SET_MCE ? F_GUEST : 0) |
			       (i == O_SET_CPUID2 || i == O_SETUP_GUEST ? F_RAN : 0);
	if (!strcmp(call, "KVM_SET_USER_MEMORY_REGION") ||
	    !strcmp(call, "KVM_SET_USER_MEMORY_REGION(log)") ||
	    !strcmp(call, "KVM_GET_DIRTY_LOG") ||
	    !strcmp(call, "KVM_CLEAR_DIRTY_LOG"))
		return F_SLOTS;
	if (!strcmp(call, "KVM_ENABLE_CAP(vm)"))
		return F_CAPS;
	if (!strcmp(call, "KVM_RUN"))
		return F_SLOTS | F_GUEST;
	if (!strcmp(call, "KVM_SET_CPUID2") || !strcmp(call, "setup-guest"))
		return F_RAN;
	return 0;
}

static int diff_compare(const char *fa, const char *fb)
{
	FILE *a = fopen(fa, "r"), *b = fopen(fb, "r");
	char na[64], nb[64], da[256], db[256];
	long pa, pb, ra, rb, cur = -1;
	int ka, kb, k;
	long calls = 0, unexplained = 0, explained = 0, followon = 0;
	long msr_counts = 0;
	long hist[64] = { 0 };
	unsigned int taint = 0;
	char tsrc[5][96];	/* the call that set each taint bit */

	if (!a || !b) {
		fprintf(stderr, "ioctl_fuzz: cannot open %s or %s\n", fa, fb);
		return 2;
	}
	while (fscanf(a, "%ld %d %63s %ld %255s", &pa, &ka, na, &ra, da) == 5) {
		if (fscanf(b, "%ld %d %63s %ld %255s", &pb, &kb, nb, &rb, db) != 5 ||
		    pa != pb || ka != kb || strcmp(na, nb)) {
			printf("# fuzz-diff: the two runs are not the same program at %ld #%d %s\n",
			       pa, ka, na);
			unexplained++;
			break;
		}
		calls++;
		if (pa != cur) {
			cur = pa;
			taint = 0;
		}
		if ((!strcmp(na, "KVM_GET_MSRS") || !strcmp(na, "KVM_SET_MSRS") ||
		     !strcmp(na, "KVM_GET_MSRS(sys)")) &&
		    ra >= 0 && rb >= 0) {
			/* no errno: how many MSRs each processed */
			if (ra != rb) {
				msr_counts++;
				printf("# fuzz-diff: msrs: program %ld call #%d %s processed %ld [%s] vs %ld on /dev/kvm [%s]\n",
				       pa, ka, na, ra, da, rb, db);
			}
			continue;
		}
		if (ra == rb)
			continue;
		for (k = 0; diff_explained[k].call; k++) {
			const struct diff_ex *x = &diff_explained[k];

			if (!strcmp(x->call, na) &&
			    (x->ours == ANY || x->ours == ra) &&
			    (x->kvm == ANY || x->kvm == rb) &&
			    (!x->when || x->when(da)))
				break;
		}
		if (diff_explained[k].call) {
			unsigned int b;

			explained++;
			hist[k]++;
			for (b = 0; b < 5; b++)
				if (diff_explained[k].taint & 1u << b)
					snprintf(tsrc[b], sizeof(tsrc[b]),
						 "#%d %s (%ld vs %ld)", ka, na,
						 ra, rb);
			taint |= diff_explained[k].taint;
			continue;
		}
		if (taint & family(na)) {
			unsigned int b = __builtin_ctz(taint & family(na));

			followon++;
			printf("# fuzz-diff: program %ld call #%d %s: %ld vs %ld [%s]: follows the explained difference of call %s\n",
			       pa, ka, na, ra, rb, da, tsrc[b]);
			continue;
		}
		unexplained++;
		printf("# fuzz-diff: program %ld call #%d %s: /dev/shadowvmx %ld (%s) [%s], /dev/kvm %ld (%s) [%s]\n",
		       pa, ka, na, ra, ra < 0 ? strerror(-ra) : "ok", da, rb,
		       rb < 0 ? strerror(-rb) : "ok", db);
	}
	for (k = 0; diff_explained[k].call; k++)
		if (hist[k])
			printf("# fuzz-diff: %ld x %s (%d vs %d): %s\n", hist[k],
			       diff_explained[k].call, diff_explained[k].ours,
			       diff_explained[k].kvm, diff_explained[k].why);
	printf("# fuzz-diff: %ld KVM_{GET,SET}_MSRS calls processed a different number of MSRs (MSR support, not errnos: listed above, not counted)\n",
	       msr_counts);
	printf("fuzz[ioctl-diff]: %ld calls, %ld unexplained errno differences vs /dev/kvm (%ld explained, %ld following them)\n",
	       calls, unexplained, explained, followon);
	return calls > 0 && !unexplained ? 0 : 1;
}

/* --------------------------------------------------------------- main -- */
static void usage(void)
{
	fprintf(stderr,
		"usage: ioctl_fuzz [--dev PATH] [--seed N] [--calls M] [--time S]\n"
		"                  [--threads K] [--len L] [--hang S] [--no-minimize]\n"
		"                  [--prog IDX [--keep i,j,k-l [--serial]]] [--verbose]\n"
		"                  [--plant] [--ops-off NAME,...]\n"
		"       ioctl_fuzz --diff-record FILE [--dev PATH] [--seed N]\n"
		"                  [--calls M | --prog IDX] [--verbose]\n"
		"       ioctl_fuzz --diff-compare OURS KVM\n");
	exit(2);
}

/*
 * --keep LIST: the calls in @keep, and in @order (*@norder of them) as
 * listed (the order --serial runs them in).
 */
static uint8_t *parse_keep(const char *s, int n, int *order, int *norder)
{
	uint8_t *keep = calloc(n, 1);

	*norder = 0;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (; a <= b; a++)
			if (a >= 0 && a < n && !keep[a]) {
				keep[a] = 1;
				order[(*norder)++] = a;
			}
		s = *end ? end + 1 : end;
	}
	return keep;
}

/*
 * Which ops the run made at all, and which of them succeeded at least
 * once: a description that never gets past its checks is not exercising
 * the module behind them.  "fuzz[ioctl-ops][DEV]: N of M ops made, K of
 * them succeeded at least once" (M: the ops not switched off by
 * --ops-off); make check wants N == M.
 */
static void print_op_coverage(const uint64_t *n, const uint64_t *ok)
{
	char never[1024] = "", nook[2048] = "";
	int i, made = 0, want = 0, succ = 0;

	for (i = 0; i < O_NR; i++) {
		if (op_off[i])
			continue;
		want++;
		if (n[i])
			made++;
		else if (strlen(never) + strlen(ops[i].name) + 2 < sizeof(never))
			strcat(strcat(never, " "), ops[i].name);
		if (ok[i])
			succ++;
		else if (n[i] && strlen(nook) + strlen(ops[i].name) + 2 < sizeof(nook))
			strcat(strcat(nook, " "), ops[i].name);
	}
	if (never[0])
		printf("# fuzz: ops never made:%s\n", never);
	if (nook[0])
		printf("# fuzz: ops made that never succeeded:%s\n", nook);
	printf("fuzz[ioctl-ops][%s]: %d of %d ops made, %d of them succeeded at least once\n",
	       dev, made, want, succ);
}

int main(int argc, char **argv)
{
	static struct prog prog;
	static int order[MAX_CALLS];
	static uint64_t op_n[O_NR], op_ok[O_NR];
	uint64_t calls = 0, start = now_ns();
	long idx, seqs = 0, splats = 0, leaks = 0, hangs = 0, crashes = 0;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--verbose")) {
			opt_verbose = true;
			continue;
		}
		if (!strcmp(o, "--plant")) {
			opt_plant = true;
			continue;
		}
		if (!strcmp(o, "--serial")) {
			opt_serial = true;
			continue;
		}
		if (!strcmp(o, "--no-minimize")) {
			opt_minimize = false;
			continue;
		}
		if (!strcmp(o, "--diff-compare")) {
			if (i + 2 >= argc)
				usage();
			return diff_compare(argv[i + 1], argv[i + 2]);
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--dev"))
			dev = v;
		else if (!strcmp(o, "--seed"))
			opt_seed = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--calls"))
			opt_calls = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--time"))
			opt_time = atoi(v);
		else if (!strcmp(o, "--threads"))
			opt_max_threads = atoi(v);
		else if (!strcmp(o, "--len"))
			opt_prog_len = atoi(v);
		else if (!strcmp(o, "--hang"))
			opt_hang = atoi(v);
		else if (!strcmp(o, "--prog"))
			opt_one = atol(v);
		else if (!strcmp(o, "--keep"))
			opt_keep = (char *)v;
		else if (!strcmp(o, "--diff-record"))
			opt_diff_record = v;
		else if (!strcmp(o, "--ops-off")) {
			/* body ops never picked (to bisect a failure by op) */
			char *l = strdup(v), *t, *sv = NULL;
			int k;

			for (t = strtok_r(l, ",", &sv); t; t = strtok_r(NULL, ",", &sv)) {
				for (k = 0; k < O_NR && strcmp(ops[k].name, t); k++)
					;
				if (k == O_NR) {
					fprintf(stderr, "ioctl_fuzz: no op %s\n", t);
					usage();
				}
				op_off[k] = true;
			}
			free(l);
		}
		else
			usage();
	}
	if (opt_max_threads < 1 || opt_max_threads > MAX_THREADS)
		opt_max_threads = MAX_THREADS;
	if (opt_prog_len < 1 || opt_prog_len > MAX_CALLS / 2 - 64)
		opt_prog_len = 400;
	is_svx = strstr(dev, "shadowvmx") != NULL;
	i = open(dev, O_RDWR | O_CLOEXEC);
	if (i >= 0) {
		guestdbg_mask = ioctl(i, KVM_CHECK_EXTENSION,
				      KVM_CAP_SET_GUEST_DEBUG2);
		close(i);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;

	if (opt_diff_record) {
		FILE *out = fopen(opt_diff_record, "w");

		if (!out)
			return 2;
		/* --prog N: that program alone (a replay) */
		for (idx = opt_one >= 0 ? opt_one : 0;
		     opt_one >= 0 ? idx == opt_one : calls < opt_calls; idx++) {
			gen_prog(&prog, opt_seed, idx, true);
			memset((void *)sh, 0, sizeof(*sh));
			exec_prog(&prog, NULL, NULL, 0, idx, out);
			calls += sh->calls_done;
		}
		fclose(out);
		printf("# fuzz-diff: %s: %ld programs, %" PRIu64 " calls recorded in %s\n",
		       dev, opt_one >= 0 ? 1 : idx, calls, opt_diff_record);
		return 0;
	}

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	if (check_leaks(false)) {
		printf("# fuzz: the module's gauges are not 0 before the first program\n");
		leaks++;
	}
	for (idx = opt_one >= 0 ? opt_one : 0;; idx++) {
		enum verdict v;
		uint8_t *keep = NULL;
		int norder = 0;

		if (opt_one < 0 && (calls >= opt_calls ||
		    (opt_time && now_ns() - start > opt_time * 1000000000ULL)))
			break;
		gen_prog(&prog, opt_seed, idx, false);
		if (opt_keep)
			keep = parse_keep(opt_keep, prog.ncalls, order, &norder);
		if (opt_verbose && keep && opt_serial)
			for (i = 0; i < norder; i++)
				print_call(&prog, order[i], false);
		else if (opt_verbose)
			for (i = 0; i < prog.ncalls; i++)
				if (!keep || keep[i])
					print_call(&prog, i, false);
		v = run_child(&prog, keep, keep && opt_serial ? order : NULL,
			      norder, idx, &calls, false);
		seqs++;
		for (i = 0; i < O_NR; i++) {
			op_n[i] += sh->op_n[i];
			op_ok[i] += sh->op_ok[i];
		}
		if (v != V_OK) {
			printf("# fuzz: program %ld (seed %" PRIu64 "): %s; the calls running at the end:\n",
			       idx, opt_seed, vname[v]);
			for (i = 0; i < MAX_THREADS; i++)
				if (sh->running[i] >= 0)
					print_call(&prog, sh->running[i], false);
		}
		switch (v) {
		case V_SPLAT: splats++; break;
		case V_LEAK: leaks++; break;
		case V_HANG: hangs++; break;
		case V_CRASH: crashes++; break;
		default: break;
		}
		if (v == V_HANG)
			break;		/* the kernel is stuck: stop */
		if (v != V_OK && opt_minimize && opt_one < 0) {
			bool rep = false;
			int n = minimize(&prog, idx, v, &rep);

			if (opt_plant) {
				/* the planted failure needs 5 calls */
				printf("fuzz[ioctl-planted]: %s caught in program %ld of seed %" PRIu64 ", minimized from %d to %d calls%s: %s\n",
				       vname[v], idx, opt_seed, prog.ncalls, n,
				       rep ? "" : " (not reproduced)",
				       v == V_SPLAT && rep && n <= 6 ? "ok" : "FAIL");
				free(keep);
				return v == V_SPLAT && rep && n <= 6 ? 0 : 1;
			}
		}
		free(keep);
		if (opt_one >= 0)
			break;
	}
	if (opt_plant && opt_one < 0) {	/* not for a replay */
		printf("fuzz[ioctl-planted]: not caught in %ld programs of seed %" PRIu64 ": FAIL\n",
		       seqs, opt_seed);
		return 1;
	}
	printf("# fuzz: %.1f s wall, seed %" PRIu64 ", %ld hangs, %ld executor crashes\n",
	       (now_ns() - start) / 1e9, opt_seed, hangs, crashes);
	if (opt_one < 0)
		print_op_coverage(op_n, op_ok);
	printf("fuzz[ioctl][%s]: %ld sequences, %" PRIu64 " calls, %ld threads, %ld splats, %ld leaks%s\n",
	       dev, seqs, calls, total_threads, splats, leaks,
	       hangs ? ", HANG" : "");
	return splats || leaks || hangs || crashes ? 1 : 0;
}
