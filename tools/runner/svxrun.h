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
#define SVX_EXIT_RESET		16	/* guest reset the machine (i8042) */

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
	bool thp;		/* --thp: RAM on transparent huge pages */
	int blk_fd;		/* --blk: svxblk backing file, -1: none */
	uint64_t blk_size;
};

/* devices.c: the board (device table, IRQ wiring, host stdin/stdout) */
enum svx_io_result {
	SVX_IO_CONTINUE,
	SVX_IO_EXIT,		/* guest asked to leave: *status is set */
};

void svx_board_init(struct svx_vm *vm, bool use_stdin);
enum svx_io_result svx_handle_io(struct svx_vm *vm, int *status);
void svx_handle_mmio(struct svx_vm *vm);
bool svx_pio(uint16_t port, bool out, unsigned int size, uint32_t *val,
	     int *status);
void svx_mmio(uint64_t gpa, bool write, unsigned int len, uint8_t *data);
void svx_serial_flush(void);
uint64_t svx_now_ns(void);
/* advance timers and host input to now, raising IRQ lines */
void svx_board_poll(uint64_t now);
bool svx_board_irq_pending(void);	/* PIC INTR output */
uint8_t svx_board_irq_ack(void);	/* INTA: vector */
uint64_t svx_board_next_event(void);	/* next timer event, ns; 0 = none */
int svx_board_input_fd(void);		/* fd to wait on for input, or -1 */
void svx_board_print_stats(void);

/* loader.c: guest images and boot state */
enum svx_mode { MODE_PROT32, MODE_LONG64, MODE_REAL16 };

enum svx_image_kind { IMG_FLAT, IMG_MULTIBOOT, IMG_BZIMAGE };

struct svx_boot {
	enum svx_mode mode;
	uint64_t entry;
	uint64_t regs[4];		/* rax, rbx, rsi, rsp at entry (rsp 0: default) */
	bool linux_gdt;			/* __BOOT_CS 0x10 / __BOOT_DS 0x18 */
};

enum svx_image_kind svx_detect_image(const char *file);
const char *svx_image_kind_name(enum svx_image_kind k);
void svx_load_multiboot(struct svx_vm *vm, const char *file,
			const char *append, const char *initrd,
			uint64_t reserved_end, struct svx_boot *b);
void svx_load_bzimage(struct svx_vm *vm, const char *file,
		      const char *append, const char *initrd,
		      struct svx_boot *b);

/* stats.c */
void svx_print_stats(struct svx_vm *vm);
const char *svx_exit_reason_name(unsigned int reason);

/* probe.c: the scenario probe (scenarios/probe.h) */
void svx_probe_init(struct svx_vm *vm);
bool svx_probe_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		  int *status);

/* svxrun.c */
/* the runner's own counters: exits to userspace for I/O and MMIO, and
 * interrupts injected */
void svx_runner_counts(uint64_t *io, uint64_t *mmio, uint64_t *injected);
/* walk.c: --walk (SVX_WALK_TRACE diagrams) and --trace (tracepoints) */
void svx_walk_print(struct svx_vm *vm, const char *spec, bool json);
void svx_ktrace_start(void);
void svx_ktrace_drain(void);
void svx_ktrace_stop(void);

void svx_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svx_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svx_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* SVXRUN_H */
