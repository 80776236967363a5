// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO models.
 *
 * Logged register window (SVXR_MMIO_LOG_BASE, 4 KiB; scenario S4): every
 * access is reported through the log callback (address, size, data,
 * direction); reads return what was last written at that offset, so a guest
 * can verify a register round trip.  Accesses that cross the end of the
 * window are clipped (the rest reads as all ones).
 *
 * xAPIC stub page (SVXR_APIC_BASE): no local APIC is emulated (svxrun has no
 * in-kernel irqchip and hides the APIC in CPUID), but kvm-unit-tests touch
 * the page anyway.  ID (0x20) reads 0, version (0x30) reads 0x50014, ICR
 * low (0x300) never shows the delivery-status busy bit; every other register
 * reads back what was written (SPIV, TPR, LVTs...).  32-bit registers on
 * 16-byte boundaries; other offsets read 0.
 */
#include <string.h>

#include "devices.h"

void svxr_mmio_log_init(struct svxr_mmio_log *m,
		       void (*log)(void *, bool, uint64_t, unsigned int, uint64_t),
		       void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->log = log;
	m->log_ctx = ctx;
}

void svxr_mmio_log_access(struct svxr_mmio_log *m, uint64_t off, bool write,
			 unsigned int len, uint8_t *data)
{
	unsigned int n = len;
	uint64_t val = 0;

	if (len > 8)
		len = n = 8;
	if (off >= SVXR_MMIO_LOG_SIZE)
		n = 0;
	else if (off + len > SVXR_MMIO_LOG_SIZE)
		n = SVXR_MMIO_LOG_SIZE - off;
	if (write) {
		memcpy(m->regs + off, data, n);
		memcpy(&val, data, len);
		m->nr_writes++;
	} else {
		memset(data, 0xff, len);
		memcpy(data, m->regs + off, n);
		memcpy(&val, data, len);
		m->nr_reads++;
	}
	if (m->log)
		m->log(m->log_ctx, write, SVXR_MMIO_LOG_BASE + off, len, val);
}

void svxr_apic_stub_access(struct svxr_apic_stub *a, uint64_t off, bool write,
			  unsigned int len, uint8_t *data)
{
	unsigned int idx = (off & (SVXR_APIC_SIZE - 1)) >> 4;
	uint32_t v = 0;

	if (len > 4)
		len = 4;
	if (write) {
		memcpy(&v, data, len);
		if (!(off & 15))
			a->regs[idx] = v;
		return;
	}
	memset(data, 0, len);
	if (off & 15)
		return;
	switch (off) {
	case 0x20:
		v = 0;
		break;
	case 0x30:
		v = 0x50014;
		break;
	case 0x300:
		v = a->regs[idx] & ~(1u << 12);
		break;
	default:
		v = a->regs[idx];
		break;
	}
	memcpy(data, &v, len);
}
