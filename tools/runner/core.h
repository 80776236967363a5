/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svxrun's core (core.c): the VM the other pieces share (libsvxu's VM and
 * vCPU plus the runner's options), messages on stderr, the guest's console
 * output on stdout, the clock, the runner's exit counters, and the VM's
 * setup: device, RAM, CPUID, the entry state of a boot.  The device models
 * (devices.c), loaders (loader.c), stats (stats.c), probe (probe.c), walk
 * traces (walk.c) and the run loop (run.c) build on it; svxrun.c is the
 * command line.
 */
#ifndef SVXR_CORE_H
#define SVXR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "svxu.h"

/*
 * Process exit statuses.  Odd values are reserved for the guest's
 * debug-exit port ((v << 1) | 1, as QEMU's isa-debug-exit), so every status
 * the runner picks on its own is even.
 */
#define SVXR_EXIT_HALT		0	/* guest executed HLT */
#define SVXR_EXIT_USAGE		2	/* bad arguments / setup failure */
#define SVXR_EXIT_SHUTDOWN	4	/* KVM_EXIT_SHUTDOWN (triple fault) */
#define SVXR_EXIT_FAIL_ENTRY	6	/* KVM_EXIT_FAIL_ENTRY */
#define SVXR_EXIT_INTERNAL	8	/* KVM_EXIT_INTERNAL_ERROR */
#define SVXR_EXIT_UNHANDLED	10	/* other exit reason or KVM_RUN error */
#define SVXR_EXIT_MAX_EXITS	12	/* --max-exits reached */
#define SVXR_EXIT_TIMEOUT	14	/* --timeout expired */
#define SVXR_EXIT_RESET		16	/* guest reset the machine (i8042) */

/*
 * Guest-physical layout owned by the runner (below SVXR_SYS_END):
 *   0x1000  GDT: 0x08 code, 0x10 data, 0x18 TSS (Linux: 0x10, 0x18, 0x20)
 *   0x2000  TSS (no I/O bitmap)
 *   0x3000  IDT (all entries not present: any exception ends in a shutdown)
 *   0x4000  PML4, 0x5000 PDPT, 0x6000.. one PD per GiB (long64 only)
 *   0x80000 initial stack pointer (stack grows down to 0x70000)
 */
#define SVXR_GDT_GPA		0x1000
#define SVXR_TSS_GPA		0x2000
#define SVXR_IDT_GPA		0x3000
#define SVXR_PML4_GPA		0x4000
#define SVXR_STACK_LOW		0x70000
#define SVXR_STACK_TOP		0x80000
#define SVXR_SYS_END		SVXR_STACK_TOP

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)
#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC	1000000000ULL
#endif

struct svxr_vm {
	struct svxu_vm kvm;	/* device, VM fd, RAM in slot 0 at GPA 0 */
	struct svxu_vcpu vcpu;	/* vCPU 0 and its kvm_run */
	bool trace;		/* --trace-exits */
	bool thp;		/* --thp: RAM on transparent huge pages */
	bool irqchip;		/* --irqchip: the device's PICs, IOAPIC, APIC, PIT */
	int blk_fd;		/* --blk: svxblk backing file, -1: none */
	uint64_t blk_size;
};

/* How a guest starts (the loaders fill it for their image kinds). */
struct svxr_boot {
	enum svxu_mode mode;
	uint64_t entry;
	uint64_t regs[4];		/* rax, rbx, rsi, rsp at entry (rsp 0: default) */
	bool linux_gdt;			/* __BOOT_CS 0x10 / __BOOT_DS 0x18 */
};

/* The runner's own counters: exits to userspace by KVM exit reason,
 * interrupts injected, HLTs waited on (the run loop counts) */
#define SVXR_NR_KVM_EXITS	64
struct svxr_counts {
	uint64_t exits[SVXR_NR_KVM_EXITS];
	uint64_t injected;
	uint64_t halt_waits;
};
extern struct svxr_counts svxr_counts;

/* "svxrun: ..." on stderr; msg and die flush the guest's output first */
void svxr_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* like svxr_msg, but leaves the guest's partial output line buffered */
void svxr_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svxr_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* the guest's console on stdout, flushed at each newline */
void svxr_out_putc(uint8_t c);
void svxr_out_flush(void);
uint64_t svxr_now_ns(void);		/* CLOCK_MONOTONIC */

/* Device, VM (SVX_SET_PAGING when paging >= 0), RAM, vCPU 0; dies on error */
void svxr_vm_open(struct svxr_vm *vm, const char *dev, uint64_t mem_size,
		  int paging);
/* the device's supported CPUID (else a built-in table), filtered */
void svxr_setup_cpuid(struct svxr_vm *vm, bool builtin, bool baseline);
void svxr_setup_cpu(struct svxr_vm *vm, const struct svxr_boot *b);
/* registers and segments on stderr */
void svxr_dump_state(struct svxr_vm *vm);

#endif /* SVXR_CORE_H */
