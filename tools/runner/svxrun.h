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
#define SVXR_EXIT_HALT		0	/* guest executed HLT */
#define SVXR_EXIT_USAGE		2	/* bad arguments / setup failure */
#define SVXR_EXIT_SHUTDOWN	4	/* KVM_EXIT_SHUTDOWN (triple fault) */
#define SVXR_EXIT_FAIL_ENTRY	6	/* KVM_EXIT_FAIL_ENTRY */
#define SVXR_EXIT_INTERNAL	8	/* KVM_EXIT_INTERNAL_ERROR */
#define SVXR_EXIT_UNHANDLED	10	/* other exit reason or KVM_RUN error */
#define SVXR_EXIT_MAX_EXITS	12	/* --max-exits reached */
#define SVXR_EXIT_TIMEOUT	14	/* --timeout expired */
#define SVXR_EXIT_RESET		16	/* guest reset the machine (i8042) */

#define SVXR_DEBUG_EXIT_PORT	0xf4
#define SVXR_COM1_BASE		0x3f8

struct svxr_vm {
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
enum svxr_io_result {
	SVXR_IO_CONTINUE,
	SVXR_IO_EXIT,		/* guest asked to leave: *status is set */
};

void svxr_board_init(struct svxr_vm *vm, bool use_stdin);
enum svxr_io_result svxr_handle_io(struct svxr_vm *vm, int *status);
void svxr_handle_mmio(struct svxr_vm *vm);
bool svxr_pio(uint16_t port, bool out, unsigned int size, uint32_t *val,
	     int *status);
void svxr_mmio(uint64_t gpa, bool write, unsigned int len, uint8_t *data);
void svxr_serial_flush(void);
uint64_t svxr_now_ns(void);
/* advance timers and host input to now, raising IRQ lines */
void svxr_board_poll(uint64_t now);
bool svxr_board_irq_pending(void);	/* PIC INTR output */
uint8_t svxr_board_irq_ack(void);	/* INTA: vector */
uint64_t svxr_board_next_event(void);	/* next timer event, ns; 0 = none */
int svxr_board_input_fd(void);		/* fd to wait on for input, or -1 */
void svxr_board_print_stats(void);

/* loader.c: guest images and boot state */
enum svxr_mode { MODE_PROT32, MODE_LONG64, MODE_REAL16 };

enum svxr_image_kind { IMG_FLAT, IMG_MULTIBOOT, IMG_BZIMAGE };

struct svxr_boot {
	enum svxr_mode mode;
	uint64_t entry;
	uint64_t regs[4];		/* rax, rbx, rsi, rsp at entry (rsp 0: default) */
	bool linux_gdt;			/* __BOOT_CS 0x10 / __BOOT_DS 0x18 */
};

enum svxr_image_kind svxr_detect_image(const char *file);
const char *svxr_image_kind_name(enum svxr_image_kind k);
void svxr_load_multiboot(struct svxr_vm *vm, const char *file,
			const char *append, const char *initrd,
			uint64_t reserved_end, struct svxr_boot *b);
void svxr_load_bzimage(struct svxr_vm *vm, const char *file,
		      const char *append, const char *initrd,
		      struct svxr_boot *b);

/* stats.c */
void svxr_print_stats(struct svxr_vm *vm);
const char *svxr_exit_reason_name(unsigned int reason);

/* probe.c: the scenario probe (scenarios/probe.h) */
void svxr_probe_init(struct svxr_vm *vm);
bool svxr_probe_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		  int *status);

/* svxrun.c */
/* the runner's own counters: exits to userspace for I/O and MMIO, and
 * interrupts injected */
void svxr_runner_counts(uint64_t *io, uint64_t *mmio, uint64_t *injected);
/* walk.c: --walk (SVX_WALK_TRACE diagrams) and --trace (tracepoints) */
void svxr_walk_print(struct svxr_vm *vm, const char *spec, bool json);
void svxr_ktrace_start(void);
void svxr_ktrace_drain(void);
void svxr_ktrace_stop(void);

void svxr_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svxr_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void svxr_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif /* SVXRUN_H */
