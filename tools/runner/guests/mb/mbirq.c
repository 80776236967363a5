// SPDX-License-Identifier: GPL-2.0
/*
 * mbirq: a multiboot v1 test guest for svxrun's loader and board.
 *
 * Checks the multiboot handoff (magic, flags, memory, memory map, command
 * line, module), reads fw_cfg and the CMOS clock, then sets up its own IDT,
 * the 8259A pair (vectors 0x20/0x28) and the 8254 (channel 0, mode 2,
 * 100 Hz) and waits with STI; HLT for 10 timer interrupts.  With "echo" on
 * the command line it also enables the UART's receive interrupt (IRQ 4) and
 * waits for one input byte.  Every step prints "mbirq: ...: OK"; a failure
 * prints "... FAIL" and exits with debug-exit value 1 (svxrun status 3).
 * Success: debug-exit value 0 (status 1).  "noiret" on the command line
 * returns from interrupts without IRET (see entry.S).
 */
#include <stdint.h>

#define COM1 0x3f8

static inline void outb(uint16_t p, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static void putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void putx(uint32_t v)
{
	puts("0x");
	for (int i = 28; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 15]);
}

static void putd(uint32_t v)
{
	char b[12];
	int i = 0;

	do { b[i++] = '0' + v % 10; v /= 10; } while (v);
	while (i--)
		putc(b[i]);
}

static void __attribute__((noreturn)) done(int code)
{
	asm volatile("cli");
	outb(0xf4, code);
	for (;;)
		asm volatile("hlt");
}

static void check(int cond, const char *what)
{
	puts("mbirq: ");
	puts(what);
	puts(cond ? ": OK\n" : ": FAIL\n");
	if (!cond)
		done(1);
}

static int contains(const char *s, const char *w)
{
	for (; *s; s++) {
		const char *a = s, *b = w;

		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			return 1;
	}
	return 0;
}

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
};

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end, string, reserved;
};

/* ---- interrupts ---- */
struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(8)));
extern char irq0_stub[], irq4_stub[], spurious_stub[], exc_stub[];
static volatile uint32_t ticks, rx_count;
static volatile uint8_t rx_byte;
uint8_t use_lret;		/* "noiret": see entry.S */

static void set_gate(int vec, void *fn)
{
	uint32_t a = (uint32_t)fn;

	idt[vec] = (struct idt_entry){ a & 0xffff, 0x08, 0, 0x8e, a >> 16 };
}

void irq0_handler(void)
{
	ticks++;
	outb(0x20, 0x20);
}

void irq4_handler(void)
{
	while (inb(COM1 + 5) & 1) {
		rx_byte = inb(COM1);
		rx_count++;
	}
	outb(0x20, 0x20);
}

void spurious_handler(void)
{
}

void __attribute__((noreturn)) exception_handler(void)
{
	puts("mbirq: unexpected exception: FAIL\n");
	done(1);
}

static uint8_t cmos(uint8_t i)
{
	outb(0x70, i);
	return inb(0x71);
}

void mb_main(uint32_t magic, struct mb_info *mbi)
{
	const char *cmdline;
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
	char sig[5] = { 0 };
	uint32_t ram = 0;

	outb(COM1 + 1, 0x00);		/* polling driver init */
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0xc7);
	outb(COM1 + 4, 0x03);

	check(magic == 0x2badb002, "multiboot magic in EAX");
	check((uint32_t)mbi >= 0x1000 && (uint32_t)mbi < 0x400000,
	      "info block off page 0 and outside the image");
	check((mbi->flags & 0x45) == 0x45, "flags: memory, cmdline, mmap");
	check(mbi->mem_lower == 639 && mbi->mem_upper >= 15 * 1024, "mem_lower/mem_upper");
	puts("mbirq: mem_upper ");
	putd(mbi->mem_upper);
	puts(" KiB\n");
	for (uint32_t p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
		struct mb_mmap *e = (struct mb_mmap *)p;

		if (e->type == 1)
			ram += e->len >> 10;
		p += e->size + 4;
	}
	check(ram == 639 + mbi->mem_upper, "memory map RAM matches mem_lower + mem_upper");
	cmdline = (const char *)mbi->cmdline;
	puts("mbirq: cmdline \"");
	puts(cmdline);
	puts("\"\n");
	check(contains(cmdline, "mbirq"), "cmdline starts with the program name");
	use_lret = contains(cmdline, "noiret");
	if (mbi->flags & 8 && mbi->mods_count) {
		struct mb_mod *m = (struct mb_mod *)mbi->mods_addr;

		check(m->start >= 0x400000 && !(m->start & 0xfff) && m->end > m->start,
		      "module page aligned after the image");
		check(((const char *)m->start)[0] != 0, "module content");
	}

	outw(0x510, 0);
	for (int i = 0; i < 4; i++)
		sig[i] = inb(0x511);
	check(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
	      "fw_cfg signature");
	check((cmos(0x0d) & 0x80) && cmos(0x32) == 0x20 && (cmos(0x00) >> 4) < 6,
	      "cmos: valid, BCD century 20");

	/* IDT: exceptions to exc_stub, PIC vectors 0x20-0x2f */
	for (int v = 0; v < 32; v++)
		set_gate(v, exc_stub);
	for (int v = 0x20; v < 0x30; v++)
		set_gate(v, spurious_stub);
	set_gate(0x20, irq0_stub);
	set_gate(0x24, irq4_stub);
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint32_t)idt;
	asm volatile("lidt %0" :: "m"(idtr));

	outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
	outb(0x21, 0xfe);		/* IRQ 0 only */
	outb(0xa1, 0xff);

	outb(0x43, 0x34);		/* channel 0, lo/hi, mode 2 */
	outb(0x40, 11932 & 0xff);	/* 100 Hz */
	outb(0x40, 11932 >> 8);

	asm volatile("sti");
	while (ticks < 10)
		asm volatile("hlt");
	asm volatile("cli");
	check(1, "10 PIT interrupts through the PIC (IRQ 0, vector 0x20), HLT with IF=1");

	if (contains(cmdline, "echo")) {
		outb(0x21, 0xee);	/* IRQ 0 and 4 */
		outb(COM1 + 4, 0x0b);	/* DTR RTS OUT2 */
		outb(COM1 + 1, 0x01);	/* RX data interrupt */
		puts("mbirq: waiting for a byte on the UART\n");
		asm volatile("sti");
		while (!rx_count)
			asm volatile("hlt");
		asm volatile("cli");
		puts("mbirq: received ");
		putx(rx_byte);
		puts("\n");
		check(1, "UART receive interrupt (IRQ 4, vector 0x24)");
	}
	puts("mbirq: all OK\n");
	done(0);
}
