/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svxrun device models.  Each model is plain state plus a few functions; it
 * knows nothing about KVM, the clock or the other models, so each can be
 * unit-tested on the host (tests/test_devices.c).  Time is passed in as
 * nanoseconds of CLOCK_MONOTONIC; interrupt outputs are levels or edge
 * counts that the board (devices.c) routes to the PIC.
 *
 *   dev_uart.c   8250/16550A UART (COM1 0x3f8, IRQ 4)
 *   dev_pic.c    8259A master/slave pair (0x20/0x21, 0xa0/0xa1)
 *   dev_pit.c    8254 PIT (0x40-0x43) and port 0x61 (gate 2, OUT2)
 *   dev_rtc.c    MC146818 CMOS/RTC (0x70/0x71)
 *   dev_i8042.c  i8042 keyboard controller (0x60/0x64): status, CTR, reset
 *   dev_fwcfg.c  QEMU fw_cfg I/O interface (0x510 selector, 0x511 data)
 *   dev_mmio.c   logged MMIO register window and the xAPIC stub page
 */
#ifndef SVXR_DEVICES_H
#define SVXR_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_SEC	1000000000ULL

/* ---- 8250 UART ---------------------------------------------------------- */
#define SVXR_UART_FIFO	64

struct svxr_uart {
	uint8_t ier, iir_fifo, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thr_ipending;		/* THR-empty interrupt pending */
	bool lsr_polled;		/* LSR read since the last RX FIFO reset */
	uint8_t rx[SVXR_UART_FIFO];
	unsigned int rx_head, rx_len;
	void (*tx)(void *ctx, uint8_t c);	/* transmitted byte */
	void *tx_ctx;
};

void svxr_uart_init(struct svxr_uart *u, void (*tx)(void *, uint8_t), void *ctx);
uint8_t svxr_uart_read(struct svxr_uart *u, unsigned int reg);
void svxr_uart_write(struct svxr_uart *u, unsigned int reg, uint8_t val);
/* room in the receive FIFO, and feeding it host input */
unsigned int svxr_uart_rx_room(const struct svxr_uart *u);
void svxr_uart_rx(struct svxr_uart *u, const uint8_t *buf, unsigned int n);
/* level of the interrupt output (IIR bit 0 clear and MCR.OUT2 set) */
bool svxr_uart_irq(const struct svxr_uart *u);

/* ---- 8259A PIC pair ----------------------------------------------------- */
struct svxr_pic_chip {
	uint8_t irr, isr, imr;
	uint8_t last_level;		/* input levels, for edge detection */
	uint8_t irq_base;
	uint8_t priority_add;		/* lowest priority IRQ + 1 (rotation) */
	uint8_t init_state;		/* 0 ready, 1..3 expecting ICW2..ICW4 */
	bool icw4_needed, single, auto_eoi, rotate_on_aeoi;
	bool read_isr, poll, special_mask;
	uint8_t icw3;
};

struct svxr_pic {
	struct svxr_pic_chip chip[2];	/* 0 master, 1 slave on master IRQ 2 */
	uint64_t nr_acks, nr_spurious;
};

void svxr_pic_init(struct svxr_pic *p);
/* irq 0..15; edge triggered: a 0 -> 1 transition latches IRR */
void svxr_pic_set_irq(struct svxr_pic *p, unsigned int irq, bool level);
/* a rising then falling edge on irq */
void svxr_pic_pulse(struct svxr_pic *p, unsigned int irq);
/* INTR output: an unmasked request of higher priority than in service */
bool svxr_pic_pending(struct svxr_pic *p);
/* INTA cycle: returns the vector (spurious IRQ 7/15 if nothing is pending) */
uint8_t svxr_pic_ack(struct svxr_pic *p);
/* port 0x20/0x21 (chip 0) or 0xa0/0xa1 (chip 1); addr is bit 0 */
uint8_t svxr_pic_read(struct svxr_pic *p, unsigned int chip, unsigned int addr);
void svxr_pic_write(struct svxr_pic *p, unsigned int chip, unsigned int addr,
		   uint8_t val);

/* ---- 8254 PIT ----------------------------------------------------------- */
#define SVXR_PIT_HZ	1193182ULL

struct svxr_pit_chan {
	uint32_t count;			/* reload value, 1..0x10000 */
	uint64_t load_ns;		/* when count was loaded (counting start) */
	uint8_t mode, rw, bcd;		/* rw: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool armed;			/* count written since the control word */
	bool gate;
	uint8_t write_lsb_next, read_msb_next; /* flip-flops for rw == 3 */
	uint8_t wlatch;			/* LSB written, MSB pending */
	bool latched;			/* counter latch */
	uint16_t latch;
	uint8_t latch_msb_next;
	bool status_latched;
	uint8_t status;
	uint64_t periods_done;		/* IRQ edges already produced */
	bool oneshot_done;
};

struct svxr_pit {
	struct svxr_pit_chan ch[3];
	uint8_t port61;			/* bit 0 gate 2, bit 1 speaker data */
	uint64_t nr_irqs;
};

void svxr_pit_init(struct svxr_pit *p);
/* ports 0x40-0x43 as reg 0-3 */
uint8_t svxr_pit_read(struct svxr_pit *p, unsigned int reg, uint64_t now);
void svxr_pit_write(struct svxr_pit *p, unsigned int reg, uint8_t val,
		   uint64_t now);
/* port 0x61 */
uint8_t svxr_pit_read61(struct svxr_pit *p, uint64_t now);
void svxr_pit_write61(struct svxr_pit *p, uint8_t val, uint64_t now);
/* channel 0: number of new rising edges of OUT0 up to now (0 or 1: missed
 * periodic ticks are coalesced), and the time of the next one (0 = none) */
unsigned int svxr_pit_irq0_edges(struct svxr_pit *p, uint64_t now);
uint64_t svxr_pit_next_event(const struct svxr_pit *p);
/* current counter value of a channel (for tests and diagnostics) */
uint16_t svxr_pit_counter(const struct svxr_pit *p, unsigned int ch,
			 uint64_t now);

/* ---- MC146818 CMOS/RTC -------------------------------------------------- */
struct svxr_rtc {
	uint8_t index;
	bool nmi_disabled;
	uint8_t ram[128];
};

/* mem_size: guest RAM in bytes (for 0x15-0x18, 0x30/0x31, 0x34/0x35,
 * 0x5b-0x5d) */
void svxr_rtc_init(struct svxr_rtc *r, uint64_t mem_size);
/* port 0x70 (reg 0) / 0x71 (reg 1); now_s: host wall clock, seconds */
uint8_t svxr_rtc_read(struct svxr_rtc *r, unsigned int reg, int64_t now_s);
void svxr_rtc_write(struct svxr_rtc *r, unsigned int reg, uint8_t val,
		   int64_t now_s);

/* ---- i8042 -------------------------------------------------------------- */
struct svxr_i8042 {
	uint8_t ctr;			/* controller command byte */
	uint8_t outbuf[4];
	unsigned int out_len;
	uint8_t pending_cmd;		/* command waiting for a data byte */
	bool last_was_cmd;
	bool reset;			/* guest pulsed the reset line */
};

void svxr_i8042_init(struct svxr_i8042 *k);
/* port 0x60 (reg 0) / 0x64 (reg 4) */
uint8_t svxr_i8042_read(struct svxr_i8042 *k, unsigned int reg);
void svxr_i8042_write(struct svxr_i8042 *k, unsigned int reg, uint8_t val);

/* ---- QEMU fw_cfg -------------------------------------------------------- */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_UUID		0x02
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NOGRAPHIC	0x04
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MACHINE_ID	0x06
#define FW_CFG_NUMA		0x0d
#define FW_CFG_BOOT_MENU	0x0e
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_FILE_DIR		0x19

struct svxr_fwcfg {
	uint16_t sel;
	uint32_t off;
	uint64_t ram_size;
	uint16_t nb_cpus;
};

void svxr_fwcfg_init(struct svxr_fwcfg *f, uint64_t ram_size, unsigned int cpus);
void svxr_fwcfg_select(struct svxr_fwcfg *f, uint16_t key);
uint8_t svxr_fwcfg_read(struct svxr_fwcfg *f);

/* ---- MMIO: logged register window, xAPIC stub ------------------------- */
#define SVXR_MMIO_LOG_BASE	0xd1000000ULL
#define SVXR_MMIO_LOG_SIZE	0x1000ULL
#define SVXR_APIC_BASE		0xfee00000ULL
#define SVXR_APIC_SIZE		0x1000ULL

struct svxr_mmio_log {
	uint8_t regs[SVXR_MMIO_LOG_SIZE];	/* reads return what was written */
	uint64_t nr_reads, nr_writes;
	void (*log)(void *ctx, bool write, uint64_t gpa, unsigned int len,
		    uint64_t val);
	void *log_ctx;
};

void svxr_mmio_log_init(struct svxr_mmio_log *m,
		       void (*log)(void *, bool, uint64_t, unsigned int, uint64_t),
		       void *ctx);
void svxr_mmio_log_access(struct svxr_mmio_log *m, uint64_t off, bool write,
			 unsigned int len, uint8_t *data);
/* xAPIC page: ID 0, version 0x14, ICR delivery status idle; reads of other
 * registers return what was written (SPIV, LVTs, TPR...) */
struct svxr_apic_stub {
	uint32_t regs[SVXR_APIC_SIZE / 16];
};
void svxr_apic_stub_access(struct svxr_apic_stub *a, uint64_t off, bool write,
			  unsigned int len, uint8_t *data);

/* ---- svxblk (scenario S2) ---------------------------------------------- */
#define SVXR_BLK_BASE		0x5e0	/* ports 0x5e0-0x5f3 */
#define SVXR_BLK_LEN		0x14
#define SVXR_BLK_IRQ		5
#define SVXR_BLK_SECTOR		512
#define SVXR_BLK_MAX_NUM		64
#define SVXR_BLK_RING		0x00
#define SVXR_BLK_NUM		0x04
#define SVXR_BLK_KICK		0x08
#define SVXR_BLK_ISR		0x0c
#define SVXR_BLK_CAPACITY	0x10
#define SVXR_BLK_T_READ		0
#define SVXR_BLK_T_WRITE		1
#define SVXR_BLK_S_OK		0
#define SVXR_BLK_S_IOERR		1
#define SVXR_BLK_S_UNSUPP	2
#define SVXR_BLK_RING_SIZE(num)	(16 + (uint64_t)(num) * sizeof(struct svxr_blk_req))

struct svxr_blk_req {		/* in guest RAM, little endian */
	uint32_t type;		/* SVXR_BLK_T_* */
	uint32_t status;	/* written by the device: SVXR_BLK_S_* */
	uint64_t sector;
	uint64_t buf;		/* GPA of the data */
	uint32_t len;		/* bytes, a multiple of 512 */
	uint32_t reserved;
};

struct svxr_blk {
	uint8_t *mem;			/* guest RAM as the runner maps it */
	uint64_t mem_size;
	int fd;				/* backing file, -1: none */
	uint64_t capacity;		/* sectors */
	uint32_t ring, num, used;
	bool isr;
	uint64_t nr_kicks, nr_reqs, nr_read_bytes, nr_write_bytes;
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

void svxr_blk_init(struct svxr_blk *b, uint8_t *mem, uint64_t mem_size, int fd,
		  uint64_t size_bytes,
		  void (*log)(void *, const char *), void *log_ctx);
uint32_t svxr_blk_read(struct svxr_blk *b, unsigned int reg);
void svxr_blk_write(struct svxr_blk *b, unsigned int reg, uint32_t val);
bool svxr_blk_irq(const struct svxr_blk *b);	/* interrupt output level */

#endif /* SVXR_DEVICES_H */
