// SPDX-License-Identifier: GPL-2.0
/*
 * 8250/16550A UART model: what Linux's 8250 driver needs to probe the port
 * as a 16550A (scratch, IER and loopback tests, FIFO bits in IIR) and to run
 * it both directions with interrupts, and what a polling driver needs.
 *
 * Transmission is instantaneous: a THR write hands the byte to tx() (or to
 * the receive FIFO in loopback mode), LSR keeps THRE|TEMT set and a
 * THR-empty interrupt becomes pending again.  Received bytes come from
 * svxr_uart_rx() into a FIFO; LSR.DR and the RDI interrupt follow it.  The
 * board offers host input only while svxr_uart_rx_room() says so: after the
 * guest enabled the receive interrupt or polled LSR since its last FIFO
 * reset.
 * Interrupt priority (IIR): line status > received data > THR empty >
 * modem status.  The output is gated by MCR.OUT2, as on a PC.
 */
#include <string.h>

#include "devices.h"

enum { RBR = 0, IER, IIR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_ERRS	0x1e
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

void svxr_uart_init(struct svxr_uart *u, void (*tx)(void *, uint8_t), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	u->tx = tx;
	u->tx_ctx = ctx;
}

static uint8_t iir(const struct svxr_uart *u)
{
	uint8_t id = IIR_NO_INT;

	if ((u->ier & IER_RLSI) && (u->lsr & LSR_ERRS))
		id = IIR_RLSI;
	else if ((u->ier & IER_RDI) && u->rx_len)
		id = IIR_RDI;
	else if ((u->ier & IER_THRI) && u->thr_ipending)
		id = IIR_THRI;
	else if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
		id = IIR_MSI;
	return id | u->iir_fifo;
}

bool svxr_uart_irq(const struct svxr_uart *u)
{
	return !(iir(u) & IIR_NO_INT) && (u->mcr & MCR_OUT2);
}

/* Host input is accepted once the guest shows it would see it: the receive
 * interrupt enabled, or LSR polled since the last FIFO reset (so bytes
 * typed before the driver's FCR reset are not thrown away). */
unsigned int svxr_uart_rx_room(const struct svxr_uart *u)
{
	if (!(u->ier & IER_RDI) && !u->lsr_polled)
		return 0;
	return SVXR_UART_FIFO - u->rx_len;
}

void svxr_uart_rx(struct svxr_uart *u, const uint8_t *buf, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (u->rx_len == SVXR_UART_FIFO) {
			u->lsr |= LSR_OE;
			break;
		}
		u->rx[(u->rx_head + u->rx_len++) % SVXR_UART_FIFO] = buf[i];
	}
	if (u->rx_len)
		u->lsr |= LSR_DR;
}

/* Loopback: MSR inputs follow MCR outputs (RTS->CTS, DTR->DSR, OUT1->RI,
 * OUT2->DCD); otherwise the modem lines are steadily DCD|DSR|CTS. */
static uint8_t msr_inputs(const struct svxr_uart *u)
{
	if (u->mcr & MCR_LOOP)
		return ((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
		       ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
		       ((u->mcr & MCR_OUT1) ? MSR_RI : 0) |
		       ((u->mcr & MCR_OUT2) ? MSR_DCD : 0);
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

uint8_t svxr_uart_read(struct svxr_uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg & 7) {
	case RBR:
		if (dlab)
			return u->dll;
		if (!u->rx_len)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % SVXR_UART_FIFO;
		if (!--u->rx_len)
			u->lsr &= ~LSR_DR;
		return v;
	case IER:
		return dlab ? u->dlm : u->ier;
	case IIR:
		v = iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thr_ipending = false;	/* reading IIR acks THRI */
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		u->lsr_polled = true;
		v = u->lsr;
		u->lsr &= ~(LSR_OE | LSR_ERRS);	/* error bits clear on read */
		return v;
	case MSR:
		v = u->msr;
		u->msr &= ~MSR_DELTAS;
		return v;
	default:
		return u->scr;
	}
}

void svxr_uart_write(struct svxr_uart *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t old;

	switch (reg & 7) {
	case RBR:
		if (dlab) {
			u->dll = val;
			break;
		}
		if (u->mcr & MCR_LOOP)
			svxr_uart_rx(u, &val, 1);
		else if (u->tx)
			u->tx(u->tx_ctx, val);
		/* sent at once: THR empty again */
		u->lsr |= LSR_THRE | LSR_TEMT;
		u->thr_ipending = true;
		break;
	case IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		old = u->ier;
		u->ier = val & 0x0f;
		/* enabling THRI with THR empty raises it at once */
		if ((u->ier & IER_THRI) && !(old & IER_THRI))
			u->thr_ipending = u->lsr & LSR_THRE;
		break;
	case IIR:	/* FCR */
		u->iir_fifo = (val & FCR_ENABLE) ? IIR_FIFO : 0;
		if (val & FCR_CLEAR_RX) {
			u->lsr_polled = false;
			u->rx_len = 0;
			u->lsr &= ~LSR_DR;
		}
		break;
	case LCR:
		u->lcr = val;
		break;
	case MCR:
		old = msr_inputs(u);
		u->mcr = val & 0x1f;
		{
			uint8_t now = msr_inputs(u), d = 0;

			if ((old ^ now) & MSR_CTS)
				d |= 0x01;
			if ((old ^ now) & MSR_DSR)
				d |= 0x02;
			if ((old & MSR_RI) && !(now & MSR_RI))
				d |= 0x04;	/* trailing edge of RI */
			if ((old ^ now) & MSR_DCD)
				d |= 0x08;
			u->msr = now | (u->msr & MSR_DELTAS) | d;
		}
		break;
	case LSR:
	case MSR:
		break;		/* read-only (factory test on real parts) */
	default:
		u->scr = val;
		break;
	}
}
