/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svxrun - the pieces built on the core (core.h): the board of port/MMIO
 * device models (devices.c), the image loaders (loader.c), the counters
 * printer (stats.c), the scenario probe (probe.c), walk traces and
 * tracepoints (walk.c) and the run loop (run.c).  svxrun.c, the command
 * line, puts them together.
 */
#ifndef SVXR_RUNNER_H
#define SVXR_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "core.h"

#define SVXR_DEBUG_EXIT_PORT	0xf4
#define SVXR_COM1_BASE		0x3f8

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
/* advance timers and host input to now, raising IRQ lines */
void svxr_board_poll(uint64_t now);
bool svxr_board_irq_pending(void);	/* PIC INTR output */
uint8_t svxr_board_irq_ack(void);	/* INTA: vector */
uint64_t svxr_board_next_event(void);	/* next timer event, ns; 0 = none */
int svxr_board_input_fd(void);		/* fd to wait on for input, or -1 */
void svxr_board_print_stats(void);

/* loader.c: guest images and boot state */
enum svxr_image_kind { IMG_FLAT, IMG_MULTIBOOT, IMG_BZIMAGE };

enum svxr_image_kind svxr_detect_image(const char *file);
/* a flat binary at gpa; returns its size (dies on error) */
uint64_t svxr_load_flat(struct svxr_vm *vm, const char *file, uint64_t gpa);
const char *svxr_image_kind_name(enum svxr_image_kind k);
void svxr_load_multiboot(struct svxr_vm *vm, const char *file,
			const char *append, const char *initrd,
			uint64_t reserved_end, struct svxr_boot *b);
void svxr_load_bzimage(struct svxr_vm *vm, const char *file,
		      const char *append, const char *initrd,
		      struct svxr_boot *b);

/* stats.c */
void svxr_print_stats(struct svxr_vm *vm);

/* probe.c: the scenario probe (scenarios/probe.h) */
void svxr_probe_init(struct svxr_vm *vm);
void svxr_probe_mark_stats(bool on);	/* --mark-stats */
bool svxr_probe_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		  int *status);

/* walk.c: --walk (SVX_WALK_TRACE diagrams) and --trace (tracepoints) */
void svxr_walk_print(struct svxr_vm *vm, const char *spec, bool json);
void svxr_walk_setup(const char *html, bool json);
/* "PML4", "PD", "PDPTE reg"...: guest table @level in walk-trace @mode */
const char *svxr_guest_level_name(unsigned int mode, int level);
/* A host entry's flags ("RWXU leaf"...); @large: " large" too (the page) */
struct svx_wt_level;
void svxr_host_flags(char *buf, size_t n, const struct svx_wt_level *l,
		     bool large);

/* walkhtml.c: --html FILE, the walks drawn as one self-contained page */
struct svx_walk_trace2;
void svxr_walk_html_open(const char *path);
void svxr_walk_html_add(const struct svx_walk_trace2 *t2, bool v2);
void svxr_ktrace_start(void);
void svxr_ktrace_drain(void);
void svxr_ktrace_stop(void);

/* run.c: the KVM_RUN loop; returns the process exit status */
struct svxr_run_opts {
	uint64_t t_start;		/* svxr_now_ns() at the start (--stats) */
	bool stats;			/* --stats: the runner's counters */
	bool trace;			/* --trace-exits */
	bool ktrace;			/* --trace: tracepoints */
	const char *walk;		/* --walk at --walk-at-exit N ... */
	uint64_t walk_at;		/* ... (0: not in the loop) */
	bool json;
	uint64_t max_exits;		/* 0: no limit */
	unsigned int timeout;		/* seconds, 0: none */
};
int svxr_run(struct svxr_vm *vm, const struct svxr_run_opts *o);

#endif /* SVXR_RUNNER_H */
