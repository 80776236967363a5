// SPDX-License-Identifier: GPL-2.0
/*
 * svxblk: a small block device (scenario S2), the shape of virtio-blk
 * without virtio.  The guest puts requests in a ring in its own RAM, tells
 * the device where the ring is (RING, NUM), advances the ring's avail
 * index and kicks the device with one port write (KICK): one PIO exit for
 * any number of requests.  The device reads the ring through the runner's mapping of
 * guest RAM (the memslot's userspace address), does pread()/pwrite() on the
 * backing file straight into/out of guest memory, writes each request's
 * status and the used index back into the ring, and raises its interrupt
 * (IRQ 5 on the board) until the guest reads ISR.
 *
 * Registers (32-bit, ports SVXR_BLK_BASE + offset):
 *   0x00 RING      GPA of the ring (4 KiB aligned, inside RAM)
 *   0x04 NUM       ring entries, a power of two, 1..SVXR_BLK_MAX_NUM
 *   0x08 KICK      write (any value): process the ring up to its avail
 *                  index; read: the used index
 *   0x0c ISR       read: bit 0 = requests completed since the last read;
 *                  the read clears it and lowers the interrupt
 *   0x10 CAPACITY  read: size of the backing file in 512-byte sectors
 * Ring (little endian): u32 avail, u32 used, u32 reserved[2], then NUM
 * requests of struct svxr_blk_req (devices.h).  Requests are numbered by
 * free-running indices; request i is at slot i % NUM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"

void svxr_blk_init(struct svxr_blk *b, uint8_t *mem, uint64_t mem_size, int fd,
		  uint64_t size_bytes,
		  void (*log)(void *, const char *), void *log_ctx)
{
	memset(b, 0, sizeof(*b));
	b->mem = mem;
	b->mem_size = mem_size;
	b->fd = fd;
	b->capacity = fd >= 0 ? size_bytes / SVXR_BLK_SECTOR : 0;
	b->log = log;
	b->log_ctx = log_ctx;
}

static void blk_log(struct svxr_blk *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void blk_log(struct svxr_blk *b, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!b->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->log(b->log_ctx, buf);
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* one request; returns its status */
static uint32_t do_req(struct svxr_blk *b, struct svxr_blk_req *r)
{
	uint8_t *buf = b->mem + r->buf;
	ssize_t n;

	if (r->type != SVXR_BLK_T_READ && r->type != SVXR_BLK_T_WRITE)
		return SVXR_BLK_S_UNSUPP;
	if (!r->len || r->len % SVXR_BLK_SECTOR || r->buf > b->mem_size ||
	    r->len > b->mem_size - r->buf ||
	    r->sector > b->capacity ||
	    r->len / SVXR_BLK_SECTOR > b->capacity - r->sector)
		return SVXR_BLK_S_IOERR;
	if (r->type == SVXR_BLK_T_READ)
		n = pread(b->fd, buf, r->len, r->sector * SVXR_BLK_SECTOR);
	else
		n = pwrite(b->fd, buf, r->len, r->sector * SVXR_BLK_SECTOR);
	blk_log(b, "blk: %s(fd %d, %s guest GPA 0x%llx = HVA %p, %u bytes, offset %llu) = %zd",
		r->type == SVXR_BLK_T_READ ? "pread" : "pwrite", b->fd,
		r->type == SVXR_BLK_T_READ ? "into" : "from",
		(unsigned long long)r->buf, (void *)buf, r->len,
		(unsigned long long)r->sector * SVXR_BLK_SECTOR, n);
	if (n != (ssize_t)r->len)
		return SVXR_BLK_S_IOERR;
	if (r->type == SVXR_BLK_T_READ)
		b->nr_read_bytes += n;
	else
		b->nr_write_bytes += n;
	return SVXR_BLK_S_OK;
}

static void kick(struct svxr_blk *b)
{
	uint64_t ring = b->ring;
	uint32_t avail;
	uint8_t *r;

	b->nr_kicks++;
	if (!b->num || ring & 0xfff || ring >= b->mem_size ||
	    b->mem_size - ring < SVXR_BLK_RING_SIZE(b->num)) {
		blk_log(b, "blk: kick with no valid ring (RING 0x%llx NUM %u): ignored",
			(unsigned long long)ring, b->num);
		return;
	}
	r = b->mem + ring;
	avail = get32(r);
	blk_log(b, "blk: kick: avail %u, used %u; ring at GPA 0x%llx = HVA %p (the runner's mapping of the memslot)",
		avail, b->used, (unsigned long long)ring, (void *)r);
	/* at most NUM requests per kick: a bogus index cannot loop us */
	for (uint32_t k = 0; b->used != avail && k < b->num; k++) {
		uint8_t *slot = r + 16 + (b->used % b->num) * sizeof(struct svxr_blk_req);
		struct svxr_blk_req q;

		memcpy(&q, slot, sizeof(q));
		blk_log(b, "blk: request %u: %s sector %llu len %u buf GPA 0x%llx",
			b->used, q.type == SVXR_BLK_T_READ ? "read" :
			q.type == SVXR_BLK_T_WRITE ? "write" : "?",
			(unsigned long long)q.sector, q.len,
			(unsigned long long)q.buf);
		q.status = do_req(b, &q);
		put32(slot + offsetof(struct svxr_blk_req, status), q.status);
		b->used++;
		b->nr_reqs++;
	}
	put32(r + 4, b->used);
	b->isr = true;
	blk_log(b, "blk: completed up to used %u; interrupt raised", b->used);
}

uint32_t svxr_blk_read(struct svxr_blk *b, unsigned int reg)
{
	switch (reg) {
	case SVXR_BLK_RING:
		return b->ring;
	case SVXR_BLK_NUM:
		return b->num;
	case SVXR_BLK_KICK:
		return b->used;
	case SVXR_BLK_ISR: {
		uint32_t v = b->isr;

		b->isr = false;
		return v;
	}
	case SVXR_BLK_CAPACITY:
		return b->capacity > 0xffffffffu ? 0xffffffffu : b->capacity;
	}
	return ~0u;
}

void svxr_blk_write(struct svxr_blk *b, unsigned int reg, uint32_t val)
{
	switch (reg) {
	case SVXR_BLK_RING:
		b->ring = val;
		b->used = 0;
		break;
	case SVXR_BLK_NUM:
		if (val && val <= SVXR_BLK_MAX_NUM && !(val & (val - 1)))
			b->num = val;
		else
			b->num = 0;
		break;
	case SVXR_BLK_KICK:
		(void)val;
		kick(b);
		break;
	}
}

bool svxr_blk_irq(const struct svxr_blk *b)
{
	return b->isr;
}
