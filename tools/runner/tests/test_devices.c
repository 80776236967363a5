// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of svxrun's device models (no VM, no KVM): each
 * model is driven through its register interface with a fake clock and
 * its outputs (IRQ levels/edges, bytes, reset) are checked.  Prints TAP.
 *
 *   make -C tools/runner test-devices
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../devices.h"

static int n, failed;

static void ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	n++;
	printf("%s %d - ", cond ? "ok" : "not ok", n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		failed++;
}

/* ---- UART ---- */
static char txbuf[64];
static unsigned int txlen;

static void tx(void *ctx, uint8_t c)
{
	(void)ctx;
	if (txlen < sizeof(txbuf) - 1)
		txbuf[txlen++] = c;
}

static void test_uart(void)
{
	struct svxr_uart u;
	uint8_t v, s1, s2;

	svxr_uart_init(&u, tx, NULL);
	ok(svxr_uart_read(&u, 5) == 0x60, "uart: LSR idle = THRE|TEMT");
	ok(svxr_uart_read(&u, 2) == 0x01, "uart: IIR no interrupt");
	svxr_uart_write(&u, 7, 0xa5);
	ok(svxr_uart_read(&u, 7) == 0xa5, "uart: scratch register");
	/* Linux autoconfig: IER test, loopback MSR test, FIFO test */
	svxr_uart_write(&u, 1, 0);
	s1 = svxr_uart_read(&u, 1);
	svxr_uart_write(&u, 1, 0x0f);
	s2 = svxr_uart_read(&u, 1);
	ok(s1 == 0 && s2 == 0x0f, "uart: IER reads back (8250 probe)");
	svxr_uart_write(&u, 1, 0);
	svxr_uart_write(&u, 4, 0x1a);		/* LOOP | OUT2 | RTS */
	ok((svxr_uart_read(&u, 6) & 0xf0) == 0x90, "uart: loopback MSR = DCD|CTS");
	svxr_uart_write(&u, 0, 'L');
	ok((svxr_uart_read(&u, 5) & 1) && svxr_uart_read(&u, 0) == 'L' && txlen == 0,
	   "uart: loopback byte comes back, not transmitted");
	svxr_uart_write(&u, 4, 0);
	svxr_uart_write(&u, 2, 0x01);
	ok((svxr_uart_read(&u, 2) & 0xc0) == 0xc0, "uart: FIFO enabled shows in IIR (16550A)");
	/* divisor latch */
	svxr_uart_write(&u, 3, 0x83);
	svxr_uart_write(&u, 0, 0x01);
	svxr_uart_write(&u, 1, 0x00);
	ok(svxr_uart_read(&u, 0) == 1 && svxr_uart_read(&u, 1) == 0, "uart: DLL/DLM behind DLAB");
	svxr_uart_write(&u, 3, 0x03);
	/* TX */
	svxr_uart_write(&u, 0, 'h');
	svxr_uart_write(&u, 0, 'i');
	ok(txlen == 2 && !memcmp(txbuf, "hi", 2), "uart: THR bytes transmitted");
	/* THRI: pending when enabled with THR empty, cleared by IIR read */
	svxr_uart_write(&u, 4, 0x08);		/* OUT2 */
	svxr_uart_write(&u, 1, 0x02);
	ok(svxr_uart_irq(&u), "uart: THRI enable raises IRQ");
	v = svxr_uart_read(&u, 2);
	ok((v & 0x0f) == 0x02 && !svxr_uart_irq(&u), "uart: IIR=THRI, read acks it");
	svxr_uart_write(&u, 0, '!');
	ok(svxr_uart_irq(&u), "uart: THRI again after a transmit");
	svxr_uart_write(&u, 1, 0);
	ok(!svxr_uart_irq(&u), "uart: IER=0 lowers IRQ");
	/* RX */
	svxr_uart_write(&u, 2, 0x07);		/* FIFO reset */
	ok(svxr_uart_rx_room(&u) == 0, "uart: no host input right after a FIFO reset");
	svxr_uart_write(&u, 1, 0x01);
	ok(svxr_uart_rx_room(&u) == SVXR_UART_FIFO, "uart: host input accepted once RDI is enabled");
	svxr_uart_rx(&u, (const uint8_t *)"ab", 2);
	ok(svxr_uart_irq(&u) && (svxr_uart_read(&u, 2) & 0x0f) == 0x04, "uart: RX raises RDI");
	ok(svxr_uart_read(&u, 0) == 'a' && svxr_uart_read(&u, 0) == 'b', "uart: RX FIFO order");
	ok(!(svxr_uart_read(&u, 5) & 1) && !svxr_uart_irq(&u), "uart: DR and IRQ clear when empty");
	svxr_uart_write(&u, 4, 0);
	svxr_uart_rx(&u, (const uint8_t *)"c", 1);
	ok(!svxr_uart_irq(&u), "uart: MCR.OUT2 clear gates the IRQ");
}

/* ---- PIC ---- */
static void pic_linux_init(struct svxr_pic *p)
{
	svxr_pic_write(p, 0, 0, 0x11);
	svxr_pic_write(p, 0, 1, 0x30);
	svxr_pic_write(p, 0, 1, 0x04);
	svxr_pic_write(p, 0, 1, 0x01);
	svxr_pic_write(p, 1, 0, 0x11);
	svxr_pic_write(p, 1, 1, 0x38);
	svxr_pic_write(p, 1, 1, 0x02);
	svxr_pic_write(p, 1, 1, 0x01);
	svxr_pic_write(p, 0, 1, 0xff);
	svxr_pic_write(p, 1, 1, 0xff);
}

static void test_pic(void)
{
	struct svxr_pic p;

	svxr_pic_init(&p);
	pic_linux_init(&p);
	ok(svxr_pic_read(&p, 0, 1) == 0xff && svxr_pic_read(&p, 1, 1) == 0xff,
	   "pic: IMR reads back after ICW1-4");
	svxr_pic_pulse(&p, 0);
	ok(!svxr_pic_pending(&p), "pic: masked IRQ 0 not delivered");
	svxr_pic_write(&p, 0, 1, 0xfe);
	ok(svxr_pic_pending(&p), "pic: unmasking delivers the latched edge");
	ok(svxr_pic_ack(&p) == 0x30, "pic: IRQ 0 -> vector 0x30 (ICW2)");
	ok(!svxr_pic_pending(&p), "pic: nothing pending after INTA");
	svxr_pic_write(&p, 0, 0, 0x0b);
	ok(svxr_pic_read(&p, 0, 0) == 0x01, "pic: OCW3 read ISR shows IRQ 0 in service");
	svxr_pic_pulse(&p, 0);
	ok(!svxr_pic_pending(&p), "pic: same IRQ blocked while in service");
	svxr_pic_write(&p, 0, 0, 0x60);		/* specific EOI 0 */
	ok(svxr_pic_pending(&p) && svxr_pic_ack(&p) == 0x30, "pic: specific EOI re-enables");
	svxr_pic_write(&p, 0, 0, 0x20);		/* non-specific EOI */
	ok(svxr_pic_read(&p, 0, 0) == 0, "pic: non-specific EOI clears ISR");
	/* level held high: only one edge */
	svxr_pic_set_irq(&p, 0, true);
	svxr_pic_ack(&p);
	svxr_pic_write(&p, 0, 0, 0x20);
	ok(!svxr_pic_pending(&p), "pic: edge triggered, a held level is one request");
	svxr_pic_set_irq(&p, 0, false);
	/* priority: IRQ 1 beats IRQ 4 */
	svxr_pic_write(&p, 0, 1, 0x00);
	svxr_pic_pulse(&p, 4);
	svxr_pic_pulse(&p, 1);
	ok(svxr_pic_ack(&p) == 0x31, "pic: IRQ 1 first (priority)");
	ok(!svxr_pic_pending(&p), "pic: IRQ 4 waits while IRQ 1 in service");
	svxr_pic_write(&p, 0, 0, 0x20);
	ok(svxr_pic_ack(&p) == 0x34, "pic: then IRQ 4");
	svxr_pic_write(&p, 0, 0, 0x20);
	/* cascade: slave IRQ 8+3 = IRQ 11 */
	svxr_pic_write(&p, 1, 1, 0x00);
	svxr_pic_pulse(&p, 11);
	ok(svxr_pic_pending(&p), "pic: slave IRQ 11 raises master INTR via IRQ 2");
	ok(svxr_pic_ack(&p) == 0x3b, "pic: cascade INTA returns the slave vector 0x3b");
	svxr_pic_write(&p, 1, 0, 0x0b);
	svxr_pic_write(&p, 0, 0, 0x0b);
	ok(svxr_pic_read(&p, 1, 0) == 0x08 && svxr_pic_read(&p, 0, 0) == 0x04,
	   "pic: ISR bit 3 on slave, bit 2 on master");
	svxr_pic_write(&p, 1, 0, 0x20);
	svxr_pic_write(&p, 0, 0, 0x20);
	ok(!svxr_pic_read(&p, 1, 0) && !svxr_pic_read(&p, 0, 0), "pic: EOI both chips");
	ok(svxr_pic_ack(&p) == 0x37, "pic: INTA with nothing pending gives spurious IRQ 7");
	/* auto EOI */
	svxr_pic_write(&p, 0, 0, 0x11);
	svxr_pic_write(&p, 0, 1, 0x20);
	svxr_pic_write(&p, 0, 1, 0x04);
	svxr_pic_write(&p, 0, 1, 0x03);
	svxr_pic_write(&p, 0, 1, 0x00);
	svxr_pic_pulse(&p, 3);
	ok(svxr_pic_ack(&p) == 0x23 && svxr_pic_read(&p, 0, 0) == 0,
	   "pic: auto-EOI leaves ISR clear");
	/* poll mode */
	svxr_pic_pulse(&p, 5);
	svxr_pic_write(&p, 0, 0, 0x0c);
	ok(svxr_pic_read(&p, 0, 0) == 0x85, "pic: OCW3 poll returns 0x80 | IRQ");
}

/* ---- PIT ---- */
#define MS	1000000ULL

static void test_pit(void)
{
	struct svxr_pit p;
	uint64_t t0 = 1000 * MS, next;
	uint16_t c1, c2;
	unsigned int edges = 0;

	svxr_pit_init(&p);
	/* channel 0, mode 2, 1000 Hz */
	svxr_pit_write(&p, 3, 0x34, t0);
	svxr_pit_write(&p, 0, 1193 & 0xff, t0);
	svxr_pit_write(&p, 0, 1193 >> 8, t0);
	ok(svxr_pit_irq0_edges(&p, t0) == 0, "pit: no IRQ 0 at load time");
	next = svxr_pit_next_event(&p);
	ok(next > t0 + 999000 && next < t0 + 1001000, "pit: next event one period (1 ms) later");
	ok(svxr_pit_irq0_edges(&p, next) == 1, "pit: IRQ 0 edge at the period");
	ok(svxr_pit_irq0_edges(&p, next) == 0, "pit: only once per period");
	for (uint64_t t = next; t < t0 + 100 * MS; t += MS / 10)
		edges += svxr_pit_irq0_edges(&p, t);
	ok(edges >= 98 && edges <= 100, "pit: periodic mode 2 gives ~100 IRQs in 100 ms (%u)", edges);
	ok(svxr_pit_irq0_edges(&p, t0 + 200 * MS) == 1, "pit: missed ticks coalesce into one edge");
	/* latch + LSB/MSB read */
	svxr_pit_write(&p, 3, 0x00, t0 + 200 * MS + MS / 2);
	c1 = svxr_pit_read(&p, 0, 0);
	c1 |= svxr_pit_read(&p, 0, 0) << 8;
	ok(c1 > 500 && c1 < 700, "pit: latched count mid-period (%u)", c1);
	/* one shot, mode 4 as Linux's oneshot clockevent */
	svxr_pit_write(&p, 3, 0x38, t0);
	svxr_pit_write(&p, 0, 0x9c, t0);		/* 11932 = 10 ms */
	svxr_pit_write(&p, 0, 0x2e, t0);
	next = svxr_pit_next_event(&p);
	ok(next > t0 + 9 * MS && next < t0 + 11 * MS, "pit: one-shot deadline 10 ms");
	ok(!svxr_pit_irq0_edges(&p, t0 + 5 * MS), "pit: one-shot not yet at 5 ms");
	ok(svxr_pit_irq0_edges(&p, t0 + 11 * MS) == 1, "pit: one-shot fires");
	ok(!svxr_pit_irq0_edges(&p, t0 + 50 * MS) && !svxr_pit_next_event(&p),
	   "pit: one-shot fires once, no further event");
	/* channel 2 gate + OUT2 via port 0x61 (Linux pit_calibrate_tsc) */
	svxr_pit_write61(&p, (svxr_pit_read61(&p, t0) & ~0x02) | 0x01, t0);
	svxr_pit_write(&p, 3, 0xb0, t0);
	svxr_pit_write(&p, 2, 0x9c, t0);
	svxr_pit_write(&p, 2, 0x2e, t0);
	ok(!(svxr_pit_read61(&p, t0 + 5 * MS) & 0x20), "pit: OUT2 low while counting (mode 0)");
	ok(svxr_pit_read61(&p, t0 + 11 * MS) & 0x20, "pit: OUT2 high after terminal count");
	c1 = svxr_pit_counter(&p, 2, t0 + 1 * MS);
	c2 = svxr_pit_counter(&p, 2, t0 + 2 * MS);
	ok(c1 - c2 > 1150 && c1 - c2 < 1240, "pit: counter 2 decrements at 1.193 MHz (%d)", c1 - c2);
	/* read-back status */
	svxr_pit_write(&p, 3, 0xe8, t0 + 11 * MS);	/* status of channel 2 */
	ok(svxr_pit_read(&p, 2, 0) == 0xb0, "pit: read-back status: OUT high, lsb/msb, mode 0");
	ok((svxr_pit_read61(&p, t0) ^ svxr_pit_read61(&p, t0 + 15085)) & 0x10,
	   "pit: port 0x61 refresh bit toggles");
	/* mode 3 square wave */
	svxr_pit_write(&p, 3, 0x36, t0);
	svxr_pit_write(&p, 0, 0, t0);
	svxr_pit_write(&p, 0, 0, t0);		/* 65536: 18.2 Hz */
	ok(svxr_pit_irq0_edges(&p, t0 + 56 * MS) == 1, "pit: mode 3 count 0 = 65536 (54.9 ms)");
}

/* ---- RTC ---- */
static void test_rtc(void)
{
	struct svxr_rtc r;
	int64_t t = 1700000000;	/* 2023-11-14 22:13:20 UTC, a Tuesday */

	svxr_rtc_init(&r, 256ULL << 20);
#define RD(i) (svxr_rtc_write(&r, 0, (i), t), svxr_rtc_read(&r, 1, t))
	ok(RD(0) == 0x20 && RD(2) == 0x13 && RD(4) == 0x22, "rtc: BCD time 22:13:20");
	ok(RD(7) == 0x14 && RD(8) == 0x11 && RD(9) == 0x23 && RD(0x32) == 0x20,
	   "rtc: BCD date 2023-11-14, century 20");
	ok(RD(6) == 3, "rtc: day of week (Tuesday = 3)");
	ok(RD(0x0a) == 0x26 && RD(0x0b) == 0x02 && RD(0x0c) == 0 && RD(0x0d) == 0x80,
	   "rtc: status A-D");
	svxr_rtc_write(&r, 0, 0x0b, t);
	svxr_rtc_write(&r, 1, 0x06, t);		/* binary, 24h */
	ok(RD(0) == 20 && RD(4) == 22, "rtc: binary mode after B.DM");
	svxr_rtc_write(&r, 0, 0x0b, t);
	svxr_rtc_write(&r, 1, 0x04, t);		/* binary, 12h */
	ok(RD(4) == (0x80 | 10), "rtc: 12-hour mode with PM bit");
	ok(RD(0x34) == 0x00 && RD(0x35) == 0x0f, "rtc: 0x34/0x35 = 240 MiB above 16 MiB in 64K");
	ok(RD(0x17) == 0xff && RD(0x18) == 0xff, "rtc: extended memory capped at 0xffff KiB");
	ok(RD(0x5b) == 0 && RD(0x5c) == 0 && RD(0x5d) == 0, "rtc: nothing above 4 GiB");
	svxr_rtc_init(&r, 6ULL << 30);
	ok(RD(0x5b) == 0 && RD(0x5c) == 0x80 && RD(0x5d) == 0, "rtc: 2 GiB above 4 GiB = 0x8000 blocks");
	svxr_rtc_write(&r, 0, 0x40, t);
	svxr_rtc_write(&r, 1, 0x5a, t);
	ok(RD(0x40) == 0x5a, "rtc: CMOS RAM byte");
#undef RD
}

/* ---- i8042 ---- */
static void test_i8042(void)
{
	struct svxr_i8042 k;

	svxr_i8042_init(&k);
	ok(!(svxr_i8042_read(&k, 4) & 0x03), "i8042: status: output and input buffers empty");
	svxr_i8042_write(&k, 4, 0xaa);
	ok((svxr_i8042_read(&k, 4) & 1) && svxr_i8042_read(&k, 0) == 0x55,
	   "i8042: self-test returns 0x55");
	svxr_i8042_write(&k, 4, 0x60);
	svxr_i8042_write(&k, 0, 0x47);
	svxr_i8042_write(&k, 4, 0x20);
	ok(svxr_i8042_read(&k, 0) == 0x47, "i8042: command byte write/read");
	ok(!k.reset, "i8042: no reset yet");
	svxr_i8042_write(&k, 4, 0xfe);
	ok(k.reset, "i8042: command 0xfe pulses reset");
	svxr_i8042_init(&k);
	svxr_i8042_write(&k, 4, 0xd1);
	svxr_i8042_write(&k, 0, 0xfe);
	ok(k.reset, "i8042: output port bit 0 clear resets");
}

/* ---- fw_cfg ---- */
static uint64_t fw_u(struct svxr_fwcfg *f, uint16_t key, int bytes)
{
	uint64_t v = 0;

	svxr_fwcfg_select(f, key);
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)svxr_fwcfg_read(f) << (8 * i);
	return v;
}

static void test_fwcfg(void)
{
	struct svxr_fwcfg f;
	char sig[5] = { 0 };

	svxr_fwcfg_init(&f, 128ULL << 20, 1);
	svxr_fwcfg_select(&f, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = svxr_fwcfg_read(&f);
	ok(!strcmp(sig, "QEMU"), "fw_cfg: signature QEMU");
	ok(fw_u(&f, FW_CFG_ID, 4) == 1, "fw_cfg: ID 1 (no DMA)");
	ok(fw_u(&f, FW_CFG_RAM_SIZE, 8) == 128ULL << 20, "fw_cfg: RAM size");
	ok(fw_u(&f, FW_CFG_NB_CPUS, 2) == 1 && fw_u(&f, FW_CFG_MAX_CPUS, 2) == 1,
	   "fw_cfg: NB_CPUS, MAX_CPUS");
	ok(fw_u(&f, 0x1234, 8) == 0 && fw_u(&f, FW_CFG_NUMA, 8) == 0,
	   "fw_cfg: unknown keys and NUMA read zeros");
	ok(fw_u(&f, FW_CFG_SIGNATURE, 8) == 0x554d4551ULL, "fw_cfg: zeros past the item");
}

/* ---- MMIO ---- */
static unsigned int nlog;
static uint64_t lastgpa, lastval;

static void mlog(void *ctx, bool w, uint64_t gpa, unsigned int len, uint64_t v)
{
	(void)ctx; (void)w; (void)len;
	nlog++;
	lastgpa = gpa;
	lastval = v;
}

static void test_mmio(void)
{
	struct svxr_mmio_log m;
	struct svxr_apic_stub a;
	uint32_t v = 0xcafef00d, r = 0;

	svxr_mmio_log_init(&m, mlog, NULL);
	svxr_mmio_log_access(&m, 0x10, true, 4, (uint8_t *)&v);
	svxr_mmio_log_access(&m, 0x10, false, 4, (uint8_t *)&r);
	ok(r == 0xcafef00d && nlog == 2 && lastgpa == SVXR_MMIO_LOG_BASE + 0x10 &&
	   lastval == 0xcafef00d, "mmio-log: write/read logged, read returns the value");
	memset(&a, 0, sizeof(a));
	r = 1;
	svxr_apic_stub_access(&a, 0x20, false, 4, (uint8_t *)&r);
	ok(r == 0, "apic stub: ID reads 0");
	v = 0x1ff;
	svxr_apic_stub_access(&a, 0xf0, true, 4, (uint8_t *)&v);
	svxr_apic_stub_access(&a, 0xf0, false, 4, (uint8_t *)&r);
	ok(r == 0x1ff, "apic stub: SPIV reads back");
	v = 0x1000 | 0x4000 | 0xfe;
	svxr_apic_stub_access(&a, 0x300, true, 4, (uint8_t *)&v);
	svxr_apic_stub_access(&a, 0x300, false, 4, (uint8_t *)&r);
	ok(!(r & 0x1000), "apic stub: ICR never busy");
}

/* ---- svxblk ---- */
static unsigned int nblklog;

static void blklog(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	nblklog++;
}

static void put_req(uint8_t *ring, unsigned int slot, uint32_t type,
		    uint64_t sector, uint64_t buf, uint32_t len)
{
	struct svxr_blk_req r = { .type = type, .status = 0xff, .sector = sector,
				 .buf = buf, .len = len };

	memcpy(ring + 16 + slot * sizeof(r), &r, sizeof(r));
}

static uint32_t req_status(const uint8_t *ring, unsigned int slot)
{
	struct svxr_blk_req r;

	memcpy(&r, ring + 16 + slot * sizeof(r), sizeof(r));
	return r.status;
}

static void test_blk(void)
{
	static uint8_t mem[64 * 1024];
	char path[] = "/tmp/svxblk-test.XXXXXX";
	uint8_t sec[512], *ring = mem + 0x1000;
	struct svxr_blk b;
	uint32_t avail, used;
	int fd = mkstemp(path);

	unlink(path);
	memset(sec, 0, sizeof(sec));
	strcpy((char *)sec, "sector zero");
	ok(fd >= 0 && pwrite(fd, sec, 512, 0) == 512 &&
	   ftruncate(fd, 8 * 512) == 0, "blk: backing file of 8 sectors");
	memset(mem, 0, sizeof(mem));
	svxr_blk_init(&b, mem, sizeof(mem), fd, 8 * 512, blklog, NULL);
	ok(svxr_blk_read(&b, SVXR_BLK_CAPACITY) == 8, "blk: CAPACITY = 8 sectors");
	svxr_blk_write(&b, SVXR_BLK_RING, 0x1000);
	svxr_blk_write(&b, SVXR_BLK_NUM, 3);
	ok(svxr_blk_read(&b, SVXR_BLK_NUM) == 0, "blk: NUM not a power of two refused");
	svxr_blk_write(&b, SVXR_BLK_NUM, 4);
	ok(svxr_blk_read(&b, SVXR_BLK_RING) == 0x1000 &&
	   svxr_blk_read(&b, SVXR_BLK_NUM) == 4, "blk: RING and NUM read back");

	/* a read of sector 0 and a write of sector 1, one kick */
	put_req(ring, 0, SVXR_BLK_T_READ, 0, 0x2000, 512);
	memset(mem + 0x3000, 'w', 512);
	put_req(ring, 1, SVXR_BLK_T_WRITE, 1, 0x3000, 512);
	avail = 2;
	memcpy(ring, &avail, 4);
	ok(!svxr_blk_irq(&b), "blk: no interrupt before the kick");
	svxr_blk_write(&b, SVXR_BLK_KICK, 0);
	memcpy(&used, ring + 4, 4);
	ok(used == 2 && svxr_blk_read(&b, SVXR_BLK_KICK) == 2,
	   "blk: one kick completes both requests, used index 2 in the ring");
	ok(req_status(ring, 0) == SVXR_BLK_S_OK && req_status(ring, 1) == SVXR_BLK_S_OK,
	   "blk: both statuses OK");
	ok(!strcmp((char *)mem + 0x2000, "sector zero"),
	   "blk: pread put sector 0 into guest memory");
	ok(pread(fd, sec, 512, 512) == 512 && sec[0] == 'w' && sec[511] == 'w',
	   "blk: pwrite put the guest buffer into sector 1");
	ok(svxr_blk_irq(&b), "blk: interrupt raised on completion");
	ok(svxr_blk_read(&b, SVXR_BLK_ISR) == 1 && !svxr_blk_irq(&b) &&
	   svxr_blk_read(&b, SVXR_BLK_ISR) == 0, "blk: ISR read returns 1, clears, lowers the IRQ");

	/* bad requests: beyond the disk, buffer outside RAM, odd length, type */
	put_req(ring, 2, SVXR_BLK_T_READ, 8, 0x2000, 512);
	put_req(ring, 3, SVXR_BLK_T_READ, 0, sizeof(mem) - 256, 512);
	put_req(ring, 0, SVXR_BLK_T_WRITE, 0, 0x2000, 100);
	put_req(ring, 1, 7, 0, 0x2000, 512);
	avail = 6;
	memcpy(ring, &avail, 4);
	svxr_blk_write(&b, SVXR_BLK_KICK, 0);
	ok(req_status(ring, 2) == SVXR_BLK_S_IOERR && req_status(ring, 3) == SVXR_BLK_S_IOERR &&
	   req_status(ring, 0) == SVXR_BLK_S_IOERR && req_status(ring, 1) == SVXR_BLK_S_UNSUPP,
	   "blk: out-of-range, outside-RAM, odd-length, unknown-type requests fail");
	ok(pread(fd, sec, 512, 0) == 512 && !strcmp((char *)sec, "sector zero"),
	   "blk: a failed write leaves the file alone");

	/* a bogus avail index processes at most NUM requests per kick */
	avail = 1000;
	memcpy(ring, &avail, 4);
	svxr_blk_write(&b, SVXR_BLK_KICK, 0);
	ok(svxr_blk_read(&b, SVXR_BLK_KICK) == 10, "blk: at most NUM requests per kick");
	/* a ring outside RAM is ignored */
	svxr_blk_write(&b, SVXR_BLK_RING, sizeof(mem));
	svxr_blk_write(&b, SVXR_BLK_KICK, 0);
	ok(b.nr_kicks == 4 && nblklog > 0, "blk: kick with the ring outside RAM ignored");
	close(fd);
}

int main(void)
{
	test_uart();
	test_pic();
	test_pit();
	test_rtc();
	test_i8042();
	test_fwcfg();
	test_mmio();
	test_blk();
	printf("1..%d\n# %d passed, %d failed\n", n, n - failed, failed);
	return failed != 0;
}
