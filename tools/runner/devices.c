// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun's board: the table of port and MMIO ranges, each dispatched to one
 * device model (dev_*.c, see devices.h), the wiring of interrupt lines to
 * the PIC, host input (stdin -> UART) and output (UART -> stdout), and the
 * fallbacks.
 *
 *   0x20-0x21, 0xa0-0xa1  8259A PIC pair          dev_pic.c
 *   0x40-0x43, 0x61       8254 PIT, port B         dev_pit.c
 *   0x60, 0x64            i8042 (reset)            dev_i8042.c
 *   0x70-0x71             CMOS/RTC                 dev_rtc.c
 *   0x80                  POST code: ignored, reads 0xff
 *   0xe0-0xe3             scratch (kvm-unit-tests' pc-testdev data port)
 *   0xf4                  debug exit: status (v << 1) | 1
 *   0x3f8-0x3ff           COM1 8250 UART, IRQ 4    dev_uart.c
 *   0x510, 0x511          fw_cfg selector, data    dev_fwcfg.c
 *   0x5c0-0x5db           scenario probe: counters, walk traces   probe.c
 *   0x5e0-0x5f3           svxblk block device, IRQ 5 (--blk)  dev_blk.c
 *   0xcf8, 0xcfc-0xcff    PCI config mechanism 1: address latch, no devices
 *                         (data reads all ones)
 *   MMIO 0xd1000000 4K    logged register window   dev_mmio.c
 *   MMIO 0xfee00000 4K    xAPIC stub               dev_mmio.c
 *   other ports / MMIO    logged once; writes ignored, reads all ones
 *
 * IRQ lines: PIT OUT0 -> IRQ 0 (edges), UART -> IRQ 4 (level, sampled after
 * every UART access and input).  String I/O (INS/OUTS, possibly REP)
 * arrives as one exit with count > 1; elements are processed in order.
 *
 * With --irqchip the device's PICs, IOAPIC, local APIC and PIT (ports 0x20,
 * 0xa0, 0x40-0x43, 0x61, MMIO 0xfec00000 and 0xfee00000 then never reach
 * the board) take the interrupt lines, which KVM_IRQ_LINE sets and clears
 * (GSI n = IRQ n), and inject in the kernel; the board's PIC and PIT stay
 * idle.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "core.h"
#include "runner.h"
#include "devices.h"
#include "scenarios/probe.h"

static struct {
	struct svxr_pic pic;
	struct svxr_pit pit;
	struct svxr_uart uart;
	struct svxr_rtc rtc;
	struct svxr_i8042 kbd;
	struct svxr_fwcfg fwcfg;
	struct svxr_mmio_log mmio_log;
	struct svxr_apic_stub apic;
	struct svxr_blk blk;
	uint8_t scratch[4];
	uint32_t pci_addr;
	bool stdin_open;
	bool trace;
	int kirq_fd;		/* --irqchip: the VM fd, else -1 */
	uint16_t kirq_level;	/* the levels last given to KVM_IRQ_LINE */
	uint64_t nr_stdin_bytes, nr_mmio_log;
} board;

/* ---- host side: stdout, stdin -------------------------------------------- */

/* the UART's transmitter: the guest's console on stdout (core.c) */
static void serial_putc(void *ctx, uint8_t c)
{
	(void)ctx;
	svxr_out_putc(c);
}

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void on_fatal_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A terminal on stdin goes to raw mode (no echo, no line editing; ^C still
 * kills the runner) so that the guest's console sees every key. */
static void setup_stdin(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio_saved = true;
	atexit(restore_tty);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	t = saved_tio;
	t.c_iflag &= ~(ICRNL | INLCR | IGNCR | IXON);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* an interrupt line's level: to the board's PIC, or to the device's */
static void board_set_irq(unsigned int line, bool level)
{
	struct kvm_irq_level irq = { .irq = line, .level = level };

	if (board.kirq_fd < 0) {
		svxr_pic_set_irq(&board.pic, line, level);
		return;
	}
	if (!!(board.kirq_level & (1u << line)) == level)
		return;
	if (ioctl(board.kirq_fd, KVM_IRQ_LINE, &irq) < 0)
		svxr_die("KVM_IRQ_LINE (irq %u, level %d): %s", line, level,
			 strerror(errno));
	board.kirq_level ^= 1u << line;
}

static void update_uart_irq(void)
{
	board_set_irq(4, svxr_uart_irq(&board.uart));
}

static void poll_stdin(void)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint8_t buf[SVXR_UART_FIFO];
	unsigned int room = svxr_uart_rx_room(&board.uart);
	ssize_t n;

	if (!board.stdin_open || !room)
		return;
	if (poll(&pfd, 1, 0) <= 0)
		return;
	n = read(STDIN_FILENO, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		board.stdin_open = false;	/* EOF: no more input */
		return;
	}
	board.nr_stdin_bytes += n;
	svxr_uart_rx(&board.uart, buf, n);
	update_uart_irq();
}

static void mmio_log_print(void *ctx, bool write, uint64_t gpa,
			   unsigned int len, uint64_t val)
{
	(void)ctx;
	board.nr_mmio_log++;
	svxr_msg("mmio-log: %s gpa 0x%llx len %u data 0x%llx",
		write ? "write" : "read ", (unsigned long long)gpa, len,
		(unsigned long long)val);
}

static void blk_log(void *ctx, const char *msg)
{
	(void)ctx;
	svxr_msg("%s", msg);
}

void svxr_board_init(struct svxr_vm *vm, bool use_stdin)
{
	memset(&board, 0, sizeof(board));
	board.trace = vm->trace;
	board.kirq_fd = vm->irqchip ? vm->kvm.fd : -1;
	svxr_pic_init(&board.pic);
	svxr_pit_init(&board.pit);
	svxr_uart_init(&board.uart, serial_putc, NULL);
	svxr_rtc_init(&board.rtc, vm->kvm.mem_size);
	svxr_i8042_init(&board.kbd);
	svxr_fwcfg_init(&board.fwcfg, vm->kvm.mem_size, 1);
	svxr_mmio_log_init(&board.mmio_log, mmio_log_print, NULL);
	svxr_blk_init(&board.blk, vm->kvm.mem, vm->kvm.mem_size, vm->blk_fd,
		     vm->blk_size, blk_log, NULL);
	board.stdin_open = use_stdin;
	if (use_stdin)
		setup_stdin();
}

/* ---- interrupts and time ------------------------------------------------ */

void svxr_board_poll(uint64_t now)
{
	if (board.kirq_fd < 0 && svxr_pit_irq0_edges(&board.pit, now))
		svxr_pic_pulse(&board.pic, 0);
	poll_stdin();
}

/* an interrupt for the run loop to inject (never with --irqchip) */
bool svxr_board_irq_pending(void)
{
	return board.kirq_fd < 0 && svxr_pic_pending(&board.pic);
}

uint8_t svxr_board_irq_ack(void)
{
	return svxr_pic_ack(&board.pic);
}

uint64_t svxr_board_next_event(void)
{
	return board.kirq_fd < 0 ? svxr_pit_next_event(&board.pit) : 0;
}

int svxr_board_input_fd(void)
{
	return board.stdin_open && svxr_uart_rx_room(&board.uart) ?
	       STDIN_FILENO : -1;
}

void svxr_board_print_stats(void)
{
	fprintf(stderr,
		"svxrun: devices: pic acks %llu (spurious %llu), pit irq0 %llu, uart rx %llu bytes, mmio-log %llu accesses\n",
		(unsigned long long)board.pic.nr_acks,
		(unsigned long long)board.pic.nr_spurious,
		(unsigned long long)board.pit.nr_irqs,
		(unsigned long long)board.nr_stdin_bytes,
		(unsigned long long)board.nr_mmio_log);
	if (board.blk.nr_kicks)
		fprintf(stderr,
			"svxrun: devices: blk kicks %llu, requests %llu, read %llu bytes, written %llu bytes\n",
			(unsigned long long)board.blk.nr_kicks,
			(unsigned long long)board.blk.nr_reqs,
			(unsigned long long)board.blk.nr_read_bytes,
			(unsigned long long)board.blk.nr_write_bytes);
}

/* ---- port I/O ----------------------------------------------------------- */

/* handlers: one access of size 1, 2 or 4; val in/out; return true to stop
 * the run with *status set */
typedef bool (*pio_fn)(uint16_t port, bool out, unsigned int size,
		       uint32_t *val, int *status);

/* byte-register devices: wider accesses hit consecutive ports */
typedef uint8_t (*byte_rd)(uint16_t port);
typedef void (*byte_wr)(uint16_t port, uint8_t v);

static void bytewise(uint16_t port, bool out, unsigned int size, uint32_t *val,
		     byte_rd rd, byte_wr wr)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++) {
		if (out)
			wr(port + i, *val >> (8 * i));
		else
			v |= (uint32_t)rd(port + i) << (8 * i);
	}
	if (!out)
		*val = v;
}

static uint8_t uart_rd(uint16_t port)
{
	uint8_t v = svxr_uart_read(&board.uart, port - SVXR_COM1_BASE);

	update_uart_irq();
	return v;
}

static void uart_wr(uint16_t port, uint8_t v)
{
	svxr_uart_write(&board.uart, port - SVXR_COM1_BASE, v);
	update_uart_irq();
}

static bool uart_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		    int *status)
{
	(void)status;
	bytewise(port, out, size, val, uart_rd, uart_wr);
	return false;
}

static uint8_t pic_rd(uint16_t port)
{
	return svxr_pic_read(&board.pic, port >= 0xa0, port & 1);
}

static void pic_wr(uint16_t port, uint8_t v)
{
	svxr_pic_write(&board.pic, port >= 0xa0, port & 1, v);
}

static bool pic_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		   int *status)
{
	(void)status;
	bytewise(port, out, size, val, pic_rd, pic_wr);
	return false;
}

static uint8_t pit_rd(uint16_t port)
{
	uint64_t now = svxr_now_ns();

	if (port == 0x61)
		return svxr_pit_read61(&board.pit, now);
	return svxr_pit_read(&board.pit, port - 0x40, now);
}

static void pit_wr(uint16_t port, uint8_t v)
{
	uint64_t now = svxr_now_ns();

	if (port == 0x61)
		svxr_pit_write61(&board.pit, v, now);
	else
		svxr_pit_write(&board.pit, port - 0x40, v, now);
}

static bool pit_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		   int *status)
{
	(void)status;
	bytewise(port, out, 1, val, pit_rd, pit_wr);	/* byte ports */
	if (!out && size > 1)
		*val |= ~0u << 8;
	return false;
}

static uint8_t rtc_rd(uint16_t port)
{
	return svxr_rtc_read(&board.rtc, port & 1, time(NULL));
}

static void rtc_wr(uint16_t port, uint8_t v)
{
	svxr_rtc_write(&board.rtc, port & 1, v, time(NULL));
}

static bool rtc_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		   int *status)
{
	(void)status;
	bytewise(port, out, size, val, rtc_rd, rtc_wr);
	return false;
}

static bool i8042_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		     int *status)
{
	(void)size;
	if (!out) {
		*val = svxr_i8042_read(&board.kbd, port - 0x60) | (~0u << 8);
		return false;
	}
	svxr_i8042_write(&board.kbd, port - 0x60, *val);
	if (!board.kbd.reset)
		return false;
	svxr_out_flush();
	svxr_msg("guest reset the machine through the i8042 (port 0x%x value 0x%x), exit status %d",
		port, *val & 0xff, SVXR_EXIT_RESET);
	*status = SVXR_EXIT_RESET;
	return true;
}

static bool post_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		    int *status)
{
	(void)port; (void)out; (void)size; (void)status;
	*val = ~0u;		/* reads all ones, writes ignored, quietly */
	return false;
}

static bool scratch_io(uint16_t port, bool out, unsigned int size,
		       uint32_t *val, int *status)
{
	unsigned int off = port - 0xe0;

	(void)status;
	if (off + size > 4)
		size = 4 - off;
	if (out)
		memcpy(board.scratch + off, val, size);
	else
		memcpy(val, board.scratch + off, size);
	return false;
}

static bool debug_exit_io(uint16_t port, bool out, unsigned int size,
			  uint32_t *val, int *status)
{
	(void)port; (void)size;
	if (!out) {
		*val = 0;
		return false;
	}
	*status = (int)((*val << 1) | 1);
	svxr_out_flush();
	svxr_msg("guest debug exit: value 0x%x, exit status %d", *val,
		*status & 0xff);
	return true;
}

static bool fwcfg_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		     int *status)
{
	(void)status;
	if (port == 0x510) {
		if (out)
			svxr_fwcfg_select(&board.fwcfg,
					 size == 1 ? (*val & 0xff) : (*val & 0xffff));
		else
			*val = 0;
		return false;
	}
	if (!out) {
		*val = 0;
		for (unsigned int i = 0; i < size; i++)
			*val |= (uint32_t)svxr_fwcfg_read(&board.fwcfg) << (8 * i);
	}
	return false;
}

static bool pci_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		   int *status)
{
	(void)status;
	if (port == 0xcf8 && size == 4) {
		if (out)
			board.pci_addr = *val & 0x80fffffc;
		else
			*val = board.pci_addr;
		return false;
	}
	if (!out)
		*val = ~0u;	/* no device answers */
	return false;
}

static bool blk_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		   int *status)
{
	unsigned int reg = port - SVXR_BLK_BASE;

	(void)status;
	if (size != 4 || reg & 3) {		/* 32-bit registers only */
		if (!out)
			*val = ~0u;
		return false;
	}
	if (out)
		svxr_blk_write(&board.blk, reg, *val);
	else
		*val = svxr_blk_read(&board.blk, reg);
	board_set_irq(SVXR_BLK_IRQ, svxr_blk_irq(&board.blk));
	return false;
}

static const struct pio_range {
	uint16_t base, len;
	pio_fn io;
} pio_table[] = {
	{ 0x20,  2, pic_io },
	{ 0xa0,  2, pic_io },
	{ 0x40,  4, pit_io },
	{ 0x61,  1, pit_io },
	{ 0x60,  1, i8042_io },
	{ 0x64,  1, i8042_io },
	{ 0x70,  2, rtc_io },
	{ 0x80,  1, post_io },
	{ 0xe0,  4, scratch_io },
	{ SVXR_DEBUG_EXIT_PORT, 1, debug_exit_io },
	{ SVXR_COM1_BASE, 8, uart_io },
	{ 0x510, 2, fwcfg_io },
	{ 0xcf8, 1, pci_io },
	{ 0xcfc, 4, pci_io },
	{ PROBE_PORT_BASE, PROBE_PORT_LEN, svxr_probe_io },
	{ SVXR_BLK_BASE, SVXR_BLK_LEN, blk_io },
};

/* One bit per port: has the "unknown port" message been printed? */
static uint8_t port_logged[65536 / 8];

static void log_unknown_port(uint16_t port, bool out, unsigned int size,
			     uint32_t val)
{
	if (port_logged[port / 8] & (1u << (port % 8)))
		return;
	port_logged[port / 8] |= 1u << (port % 8);
	if (out)
		svxr_msg("unhandled port write: port 0x%x size %u value 0x%x (ignored; further accesses to this port not logged)",
			port, size, val);
	else
		svxr_msg("unhandled port read: port 0x%x size %u (returning all ones; further accesses to this port not logged)",
			port, size);
}

/* Dispatch one access; true if the guest asked to stop (*status set). */
bool svxr_pio(uint16_t port, bool out, unsigned int size, uint32_t *val,
	     int *status)
{
	for (size_t i = 0; i < sizeof(pio_table) / sizeof(pio_table[0]); i++) {
		const struct pio_range *r = &pio_table[i];

		if (port >= r->base && port < r->base + r->len)
			return r->io(port, out, size, val, status);
	}
	log_unknown_port(port, out, size, out ? *val : 0);
	if (!out)
		*val = ~0u;
	return false;
}

enum svxr_io_result svxr_handle_io(struct svxr_vm *vm, int *status)
{
	struct kvm_run *run = vm->vcpu.run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int size = run->io.size;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (size != 1 && size != 2 && size != 4) {
		svxr_msg("bad I/O exit: port 0x%x size %u", run->io.port, size);
		return SVXR_IO_CONTINUE;
	}
	if (run->io.data_offset + (uint64_t)size * run->io.count > vm->vcpu.run_size) {
		svxr_msg("bad I/O exit: data offset 0x%llx count %u outside the run page",
			(unsigned long long)run->io.data_offset, run->io.count);
		return SVXR_IO_CONTINUE;
	}

	if (vm->trace) {
		uint32_t val = 0;
		char text[5] = "";

		memcpy(&val, data, size);
		if (out && run->io.port == SVXR_COM1_BASE && size == 1 &&
		    run->io.count == 1 && val >= 0x20 && val < 0x7f)
			snprintf(text, sizeof(text), " '%c'", (char)val);
		if (out)
			svxr_trace("exit: IO out port 0x%x size %u count %u data 0x%x%s",
				  run->io.port, size, run->io.count, val, text);
		else
			svxr_trace("exit: IO in port 0x%x size %u count %u",
				  run->io.port, size, run->io.count);
	}

	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		uint32_t val = 0;
		bool stop;

		if (out)
			memcpy(&val, data, size);
		stop = svxr_pio(run->io.port, out, size, &val, status);
		if (!out)
			memcpy(data, &val, size);	/* little endian host */
		if (stop)
			return SVXR_IO_EXIT;
	}
	return SVXR_IO_CONTINUE;
}

/* ---- MMIO --------------------------------------------------------------- */

/* MMIO addresses already reported (linear table, bounded). */
#define MMIO_LOG_MAX	64
static uint64_t mmio_logged[MMIO_LOG_MAX];
static unsigned int mmio_nr_logged;
static bool mmio_log_full;

static bool mmio_should_log(uint64_t addr)
{
	for (unsigned int i = 0; i < mmio_nr_logged; i++)
		if (mmio_logged[i] == addr)
			return false;
	if (mmio_nr_logged == MMIO_LOG_MAX) {
		if (!mmio_log_full)
			svxr_msg("too many MMIO addresses, not logging new ones");
		mmio_log_full = true;
		return false;
	}
	mmio_logged[mmio_nr_logged++] = addr;
	return true;
}

void svxr_mmio(uint64_t gpa, bool write, unsigned int len, uint8_t *data)
{
	uint64_t val = 0;

	if (len > 8)
		len = 8;
	if (gpa >= SVXR_MMIO_LOG_BASE && gpa < SVXR_MMIO_LOG_BASE + SVXR_MMIO_LOG_SIZE) {
		svxr_mmio_log_access(&board.mmio_log, gpa - SVXR_MMIO_LOG_BASE,
				    write, len, data);
		return;
	}
	if (gpa >= SVXR_APIC_BASE && gpa < SVXR_APIC_BASE + SVXR_APIC_SIZE) {
		svxr_apic_stub_access(&board.apic, gpa - SVXR_APIC_BASE, write,
				     len, data);
		return;
	}
	if (write)
		memcpy(&val, data, len);
	if (!mmio_should_log(gpa))
		;
	else if (write)
		svxr_msg("unhandled MMIO write: gpa 0x%llx len %u data 0x%llx (ignored; further accesses to this address not logged)",
			(unsigned long long)gpa, len, (unsigned long long)val);
	else
		svxr_msg("unhandled MMIO read: gpa 0x%llx len %u (returning all ones; further accesses to this address not logged)",
			(unsigned long long)gpa, len);
	if (!write)
		memset(data, 0xff, len);
}

void svxr_handle_mmio(struct svxr_vm *vm)
{
	struct kvm_run *run = vm->vcpu.run;
	unsigned int len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	if (vm->trace) {
		uint64_t val = 0;

		memcpy(&val, run->mmio.data, len);
		if (run->mmio.is_write)
			svxr_trace("exit: MMIO write gpa 0x%llx len %u data 0x%llx",
				  (unsigned long long)run->mmio.phys_addr,
				  run->mmio.len, (unsigned long long)val);
		else
			svxr_trace("exit: MMIO read gpa 0x%llx len %u",
				  (unsigned long long)run->mmio.phys_addr,
				  run->mmio.len);
	}
	svxr_mmio(run->mmio.phys_addr, run->mmio.is_write, len, run->mmio.data);
}
