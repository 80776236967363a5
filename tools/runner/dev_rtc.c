// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 CMOS/RTC at 0x70 (index, bit 7 = NMI disable) / 0x71 (data).
 *
 * The clock registers (0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of
 * week, 0x07 day, 0x08 month, 0x09 year, 0x32 century) read the host's wall
 * clock in UTC, in BCD unless register B selects binary (DM, bit 2) and in
 * 24-hour mode unless B clears bit 1 (then 12-hour with bit 7 = PM).  Writes
 * to them are ignored (the guest cannot set the host's clock).
 * Status: A = 0x26 (32.768 kHz divider, 1024 Hz rate, UIP never set),
 * B = 0x02 as written by the guest, C = 0 (no interrupt flags; reads clear),
 * D = 0x80 (valid RAM and time).  No RTC interrupts (IRQ 8).
 *
 * Memory size bytes, as the PC BIOS convention:
 *   0x15/0x16  base memory in KiB (640)
 *   0x17/0x18, 0x30/0x31  KiB above 1 MiB, at most 0xffff
 *   0x34/0x35  64 KiB blocks above 16 MiB, below 4 GiB, at most 0xffff
 *   0x5b-0x5d  64 KiB blocks above 4 GiB
 * Everything else is 128 bytes of battery RAM.
 */
#include <string.h>
#include <time.h>

#include "devices.h"

#define REG_A	0x0a
#define REG_B	0x0b
#define REG_C	0x0c
#define REG_D	0x0d
#define B_24H	0x02
#define B_DM	0x04

static void put16(uint8_t *p, uint64_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

void svxr_rtc_init(struct svxr_rtc *r, uint64_t mem_size)
{
	uint64_t kib, blocks;

	memset(r, 0, sizeof(*r));
	r->ram[REG_A] = 0x26;
	r->ram[REG_B] = B_24H;
	r->ram[REG_D] = 0x80;

	put16(&r->ram[0x15], 640);
	kib = mem_size > (1 << 20) ? (mem_size - (1 << 20)) >> 10 : 0;
	if (kib > 0xffff)
		kib = 0xffff;
	put16(&r->ram[0x17], kib);
	put16(&r->ram[0x30], kib);

	blocks = 0;
	if (mem_size > (16 << 20)) {
		uint64_t below4g = mem_size < (1ULL << 32) ? mem_size : 1ULL << 32;

		blocks = (below4g - (16 << 20)) >> 16;
		if (blocks > 0xffff)
			blocks = 0xffff;
	}
	put16(&r->ram[0x34], blocks);

	blocks = mem_size > (1ULL << 32) ? (mem_size - (1ULL << 32)) >> 16 : 0;
	r->ram[0x5b] = blocks;
	r->ram[0x5c] = blocks >> 8;
	r->ram[0x5d] = blocks >> 16;
}

static uint8_t enc(const struct svxr_rtc *r, unsigned int v)
{
	if (r->ram[REG_B] & B_DM)
		return v;
	return ((v / 10) << 4) | (v % 10);
}

static int clock_reg(const struct svxr_rtc *r, unsigned int idx, int64_t now_s,
		     uint8_t *out)
{
	time_t t = (time_t)now_s;
	struct tm tm;
	unsigned int h;

	if (!gmtime_r(&t, &tm))
		return 0;
	switch (idx) {
	case 0x00: *out = enc(r, tm.tm_sec > 59 ? 59 : tm.tm_sec); return 1;
	case 0x02: *out = enc(r, tm.tm_min); return 1;
	case 0x04:
		if (r->ram[REG_B] & B_24H) {
			*out = enc(r, tm.tm_hour);
		} else {
			h = tm.tm_hour % 12;
			*out = enc(r, h ? h : 12) | (tm.tm_hour >= 12 ? 0x80 : 0);
		}
		return 1;
	case 0x06: *out = enc(r, tm.tm_wday + 1); return 1;
	case 0x07: *out = enc(r, tm.tm_mday); return 1;
	case 0x08: *out = enc(r, tm.tm_mon + 1); return 1;
	case 0x09: *out = enc(r, tm.tm_year % 100); return 1;
	case 0x32: *out = enc(r, (tm.tm_year + 1900) / 100); return 1;
	}
	return 0;
}

uint8_t svxr_rtc_read(struct svxr_rtc *r, unsigned int reg, int64_t now_s)
{
	unsigned int idx = r->index;
	uint8_t v;

	if (!(reg & 1))
		return 0xff;	/* the index register is write-only */
	if (clock_reg(r, idx, now_s, &v))
		return v;
	switch (idx) {
	case REG_A:
		return r->ram[REG_A] & 0x7f;	/* UIP clear */
	case REG_C:
		v = r->ram[REG_C];
		r->ram[REG_C] = 0;
		return v;
	case REG_D:
		return 0x80;
	}
	return r->ram[idx];
}

void svxr_rtc_write(struct svxr_rtc *r, unsigned int reg, uint8_t val,
		   int64_t now_s)
{
	uint8_t dummy;

	if (!(reg & 1)) {
		r->index = val & 0x7f;
		r->nmi_disabled = val & 0x80;
		return;
	}
	if (clock_reg(r, r->index, now_s, &dummy))
		return;
	switch (r->index) {
	case REG_A:
		r->ram[REG_A] = val & 0x7f;
		break;
	case REG_C:
	case REG_D:
		break;		/* read-only */
	default:
		r->ram[r->index] = val;
		break;
	}
}
