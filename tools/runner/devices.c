// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun device models: what the guest reaches through port I/O and MMIO
 * exits.
 *
 *   0x3f8-0x3ff  16550A UART (COM1), output only.  THR bytes go to stdout
 *                (line-buffered, flushed before any runner message so the
 *                two streams interleave sensibly).  LSR reads 0x60 (THR and
 *                transmitter empty, no received data), IIR reads 0x01 (no
 *                interrupt pending), LCR/MCR/IER/SCR and the divisor latch
 *                read back what was written.  No receive, no interrupts.
 *   0xf4         debug exit: writing v ends the runner with status
 *                (v << 1) | 1, as QEMU's isa-debug-exit.
 *   other ports  logged once per port on stderr; writes ignored, reads
 *                return all ones.
 *   MMIO         logged once per address; writes ignored, reads return 0.
 *
 * String I/O (INS/OUTS, possibly REP) arrives as one exit with count > 1;
 * the elements are processed in order from the kvm_run data area.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "svxrun.h"

/* UART register offsets (DLAB = 0 unless noted) */
#define UART_RBR_THR	0	/* DLAB=1: DLL */
#define UART_IER	1	/* DLAB=1: DLM */
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_LCR_DLAB	0x80
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_IIR_NO_INT	0x01

static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
} uart;

static char serial_buf[4096];
static size_t serial_len;

void svx_serial_flush(void)
{
	size_t off = 0;

	while (off < serial_len) {
		ssize_t n = write(STDOUT_FILENO, serial_buf + off,
				  serial_len - off);
		if (n <= 0)
			break;	/* stdout gone: drop the output */
		off += n;
	}
	serial_len = 0;
}

static void serial_putc(uint8_t c)
{
	serial_buf[serial_len++] = c;
	if (c == '\n' || serial_len == sizeof(serial_buf))
		svx_serial_flush();
}

static uint8_t uart_read(unsigned int reg)
{
	bool dlab = uart.lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		return dlab ? uart.dll : 0;
	case UART_IER:
		return dlab ? uart.dlm : uart.ier;
	case UART_IIR_FCR:
		return UART_IIR_NO_INT;
	case UART_LCR:
		return uart.lcr;
	case UART_MCR:
		return uart.mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_SCR:
		return uart.scr;
	default:	/* MSR */
		return 0;
	}
}

static void uart_write(unsigned int reg, uint8_t val)
{
	bool dlab = uart.lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			uart.dll = val;
		else
			serial_putc(val);
		break;
	case UART_IER:
		if (dlab)
			uart.dlm = val;
		else
			uart.ier = val & 0x0f;
		break;
	case UART_LCR:
		uart.lcr = val;
		break;
	case UART_MCR:
		uart.mcr = val & 0x1f;
		break;
	case UART_SCR:
		uart.scr = val;
		break;
	default:	/* FCR, LSR, MSR: ignored */
		break;
	}
}

/* One bit per port: has the "unknown port" message been printed? */
static uint8_t port_logged[65536 / 8];

static void log_unknown_port(uint16_t port, bool out, unsigned int size,
			     uint32_t val)
{
	if (port_logged[port / 8] & (1u << (port % 8)))
		return;
	port_logged[port / 8] |= 1u << (port % 8);
	if (out)
		svx_msg("unhandled port write: port 0x%x size %u value 0x%x (ignored; further accesses to this port not logged)",
			port, size, val);
	else
		svx_msg("unhandled port read: port 0x%x size %u (returning all ones; further accesses to this port not logged)",
			port, size);
}

static uint32_t get_val(const uint8_t *p, unsigned int size)
{
	uint32_t v = 0;

	memcpy(&v, p, size);	/* little endian host */
	return v;
}

/*
 * Handle one element of a port access.  Returns true if the guest asked to
 * exit, with *status set.
 */
static bool io_one(uint16_t port, bool out, unsigned int size, uint8_t *data,
		   int *status)
{
	uint32_t val = out ? get_val(data, size) : 0;

	if (port >= SVX_COM1_BASE && port < SVX_COM1_BASE + 8) {
		/* byte registers; wider accesses hit consecutive registers */
		for (unsigned int i = 0; i < size; i++) {
			unsigned int reg = (port - SVX_COM1_BASE + i) & 7;

			if (out)
				uart_write(reg, data[i]);
			else
				data[i] = uart_read(reg);
		}
		return false;
	}

	if (port == SVX_DEBUG_EXIT_PORT) {
		if (out) {
			*status = (int)((val << 1) | 1);
			svx_serial_flush();
			svx_msg("guest debug exit: value 0x%x, exit status %d",
				val, *status & 0xff);
			return true;
		}
		memset(data, 0, size);
		return false;
	}

	log_unknown_port(port, out, size, val);
	if (!out)
		memset(data, 0xff, size);
	return false;
}

enum svx_io_result svx_handle_io(struct svx_vm *vm, int *status)
{
	struct kvm_run *run = vm->run;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	unsigned int size = run->io.size;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (size != 1 && size != 2 && size != 4) {
		svx_msg("bad I/O exit: port 0x%x size %u", run->io.port, size);
		return SVX_IO_CONTINUE;
	}
	if (run->io.data_offset + (uint64_t)size * run->io.count > vm->run_size) {
		svx_msg("bad I/O exit: data offset 0x%llx count %u outside the run page",
			(unsigned long long)run->io.data_offset, run->io.count);
		return SVX_IO_CONTINUE;
	}

	if (vm->trace && out) {
		uint32_t val = get_val(data, size);
		char text[5] = "";

		if (run->io.port == SVX_COM1_BASE && size == 1 &&
		    run->io.count == 1 && val >= 0x20 && val < 0x7f)
			snprintf(text, sizeof(text), " '%c'", (char)val);
		svx_trace("exit: IO out port 0x%x size %u count %u data 0x%x%s",
			  run->io.port, size, run->io.count, val, text);
	} else if (vm->trace) {
		svx_trace("exit: IO in port 0x%x size %u count %u",
			  run->io.port, size, run->io.count);
	}

	for (uint32_t i = 0; i < run->io.count; i++, data += size)
		if (io_one(run->io.port, out, size, data, status))
			return SVX_IO_EXIT;
	return SVX_IO_CONTINUE;
}

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
			svx_msg("too many MMIO addresses, not logging new ones");
		mmio_log_full = true;
		return false;
	}
	mmio_logged[mmio_nr_logged++] = addr;
	return true;
}

void svx_handle_mmio(struct svx_vm *vm)
{
	struct kvm_run *run = vm->run;
	unsigned int len = run->mmio.len;
	uint64_t val = 0;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	if (run->mmio.is_write)
		memcpy(&val, run->mmio.data, len);

	if (vm->trace && run->mmio.is_write)
		svx_trace("exit: MMIO write gpa 0x%llx len %u data 0x%llx",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len,
			(unsigned long long)val);
	else if (vm->trace)
		svx_trace("exit: MMIO read gpa 0x%llx len %u",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	else if (!mmio_should_log(run->mmio.phys_addr))
		;
	else if (run->mmio.is_write)
		svx_msg("unhandled MMIO write: gpa 0x%llx len %u data 0x%llx (ignored; further accesses to this address not logged)",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len,
			(unsigned long long)val);
	else
		svx_msg("unhandled MMIO read: gpa 0x%llx len %u (returning zeros; further accesses to this address not logged)",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);

	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
}
