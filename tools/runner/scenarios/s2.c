// SPDX-License-Identifier: GPL-2.0
/*
 * S2: a block device (the runner's svxblk, dev_blk.c, backed by the file
 * given with --blk).  The guest puts two requests in a ring in its own RAM
 * (read sector 0, write sector 1), then kicks the device with one OUT: one
 * PIO exit.  The runner reads the ring through its mapping of guest RAM
 * (the memslot's userspace address), calls pread()/pwrite() on the backing
 * file straight into/out of guest memory, writes the statuses and the used
 * index into the ring and raises IRQ 5; the guest sleeps in HLT and takes
 * the completion interrupt.  Then it reads sector 1 back the same way.
 */
#include "scen.h"

#define BLK		0x5e0
#define BLK_RING	(BLK + 0x00)
#define BLK_NUM		(BLK + 0x04)
#define BLK_KICK	(BLK + 0x08)
#define BLK_ISR		(BLK + 0x0c)
#define BLK_CAPACITY	(BLK + 0x10)

struct req {
	u32 type, status;
	u64 sector, buf;
	u32 len, reserved;
};
struct ring {
	volatile u32 avail, used, reserved[2];
	volatile struct req req[4];
};

#define RING	((struct ring *)DEV_AREA)		/* GPA 0x600000 */
#define BUF_R	(DEV_AREA + 0x10000)
#define BUF_W	(DEV_AREA + 0x11000)
#define BUF_V	(DEV_AREA + 0x12000)

static const char expect0[] = "S2 backing file, sector 0: read by the guest with pread().";
static const char text1[] = "S2 sector 1, written by the guest with pwrite().";

static volatile int nr_irqs;
static volatile u32 isr;

static void on_irq(struct frame *f)
{
	(void)f;
	isr |= inl(BLK_ISR);	/* read-to-clear: lowers the line */
	nr_irqs++;
	outb(0x20, 0x20);	/* EOI */
}

static bool same(const char *a, const char *b, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void put(int slot, u32 type, u64 sector, u64 buf)
{
	RING->req[slot].type = type;
	RING->req[slot].status = 0xff;
	RING->req[slot].sector = sector;
	RING->req[slot].buf = buf;
	RING->req[slot].len = 512;
}

/* sleep until the completion interrupt */
static void wait_irq(int n)
{
	for (int i = 0; i < 1000 && nr_irqs < n; i++)
		asm volatile("sti; hlt; cli" ::: "memory");
}

int main(void)
{
	u32 cap;

	touch_range((u64)_start, (u64)_end);
	touch_range(DEV_AREA, DEV_AREA + 0x13000);
	cpu_init();
	set_handler(0x25, on_irq, 0);
	pic_init(1 << 5);

	cap = inl(BLK_CAPACITY);
	printf("S2: svxblk at port 0x%x: %u sectors; ring at GPA 0x%lx, 4 entries\n",
	       BLK, cap, (u64)RING);
	check("the device has a backing file of at least 2 sectors", cap >= 2, cap);
	outl(BLK_RING, (u32)(u64)RING);
	outl(BLK_NUM, 4);
	for (int i = 0; i < 512; i++)
		((char *)BUF_W)[i] = i < (int)sizeof(text1) ? text1[i] : 0;
	put(0, 0, 0, BUF_R);		/* read sector 0 */
	put(1, 1, 1, BUF_W);		/* write sector 1 */
	RING->avail = 2;
	printf("S2: request 0: read sector 0 -> GPA 0x%lx; request 1: write sector 1 <- GPA 0x%lx; avail 2; kick\n",
	       BUF_R, BUF_W);

	mark(1);
	outl(BLK_KICK, 0);
	mark(2);
	check_ctr("two requests, one kick", P_IO, '=', 1);
	if (paging_known())
		check_ctr("two requests, one kick", P_EXITS, '=', 1);
	check("the device advanced the used index in guest RAM to 2",
	      RING->used == 2, RING->used);
	check("request 0 status OK", RING->req[0].status == 0, RING->req[0].status);
	check("request 1 status OK", RING->req[1].status == 0, RING->req[1].status);
	check("sector 0 arrived in guest memory (pread into the buffer)",
	      same((char *)BUF_R, expect0, sizeof(expect0) - 1), 0);
	printf("S2: the guest's buffer now holds \"%s\"\n", (char *)BUF_R);

	puts("S2: sti; hlt until the completion interrupt\n");
	mark(3);
	wait_irq(1);
	mark(4);
	check("one completion interrupt taken (vector 0x25, IRQ 5)", nr_irqs == 1, nr_irqs);
	check("ISR said 'completed'", isr & 1, isr);
	check_ctr("completion", P_IRQ_INJ, '=', 1);

	puts("S2: request 2: read sector 1 back -> GPA 0x612000; kick\n");
	put(2, 0, 1, BUF_V);
	RING->avail = 3;
	outl(BLK_KICK, 0);
	wait_irq(2);
	check("second completion interrupt", nr_irqs == 2, nr_irqs);
	check("request 2 status OK", RING->req[2].status == 0, RING->req[2].status);
	check("sector 1 reads back what the guest wrote",
	      same((char *)BUF_V, (char *)BUF_W, 512), 0);
	finish("S2");
}
