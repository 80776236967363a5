/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svxrun - shared declarations of the runner's pieces: the VM context
 * (svxrun.c), the port/MMIO device models (devices.c) and the counters
 * printer (stats.c).
 */
#ifndef SVXRUN_H
#define SVXRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

/*
 * Process exit statuses.  Odd values are reserved for the guest's
 * debug-exit port ((v << 1) | 1, as QEMU's isa-debug-exit), so every status
 * the runner picks on its own is even.
 */
#define SVX_EXIT_HALT		0	/* guest executed HLT */
#define SVX_EXIT_USAGE		2	/* bad arguments / setup failure */
#define SVX_EXIT_SHUTDOWN	4	/* KVM_EXIT_SHUTDOWN (triple fault) */
#define SVX_EXIT_FAIL_ENTRY	6	/* KVM_EXIT_FAIL_ENTRY */
#define SVX_EXIT_INTERNAL	8	/* KVM_EXIT_INTERNAL_ERROR */
#define SVX_EXIT_UNHANDLED	10	/* other exit reason or KVM_RUN error */
#define SVX_EXIT_MAX_EXITS	12	/* --max-exits reached */
#define SVX_EXIT_TIMEOUT	14	/* --timeout expired */

#define SVX_DEBUG_EXIT_PORT	0xf4
#define SVX_COM1_BASE		0x3f8

struct svx_vm {
	const char *dev;
	int sysfd;
	int vmfd;
	int vcpufd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	uint64_t mem_size;
	bool trace;
	int paging;		/* enum svx_paging to set, or -1 */
	bool thp;		/* guest RAM madvised MADV_HUGEPAGE */
};

/* devices.c */
enum svx_io_result {
	SVX_IO_CONTINUE,
	SVX_IO_EXIT,		/* guest asked to leave: *status is set */
};

enum svx_io_result svx_handle_io(struct svx_vm *vm, int *status);
void svx_handle_mmio(struct svx_vm *vm);
void svx_serial_flush(void);

/* stats.c */
void svx_print_stats(struct svx_vm *vm);
const char *svx_exit_reason_name(unsigned int reason);

/* svxrun.c */
void svx_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svx_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SVXRUN_H */
