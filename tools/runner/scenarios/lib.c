// SPDX-License-Identifier: GPL-2.0
/*
 * What the scenario guests share: console output, the probe (counters
 * between marks, walk traces), assertions and the verdict, 4-level page
 * tables from a pool, and the CPU tables for ring 3 and interrupts.
 */
#include "scen.h"

int nr_fail, nr_checks;

/* ---- console ------------------------------------------------------------ */

void putc(char c)
{
	outb(0x3f8, c);		/* the runner's UART transmits at once */
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void put_num(u64 v, unsigned int base, int width, char pad, bool neg)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (width-- > n)
		putc(pad);
	while (n)
		putc(buf[--n]);
}

void printf(const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int width = 0, lng = 0, left = 0;
		char pad = ' ';
		u64 v;

		if (*fmt != '%') {
			putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			int64_t s = lng ? __builtin_va_arg(ap, int64_t) :
					  __builtin_va_arg(ap, int);

			put_num(s < 0 ? -(u64)s : (u64)s, 10, width, pad, s < 0);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? __builtin_va_arg(ap, u64) :
				  __builtin_va_arg(ap, unsigned int);
			put_num(v, *fmt == 'u' ? 10 : 16, width, pad, false);
			break;
		case 's': {
			const char *str = __builtin_va_arg(ap, const char *);
			int len = 0;

			while (str[len])
				len++;
			while (!left && width-- > len)
				putc(' ');
			puts(str);
			while (left && width-- > len)
				putc(' ');
			break;
		}
		case 'c':
			putc(__builtin_va_arg(ap, int));
			break;
		default:
			putc('%');
			putc(*fmt);
		}
	}
	__builtin_va_end(ap);
}

/* ---- probe --------------------------------------------------------------- */

u32 ctr(enum probe_ctr c)
{
	outl(PROBE_PORT_SEL, c);
	return inl(PROBE_PORT_VAL);
}

void walk(u64 gva, u32 acc)
{
	outl(PROBE_PORT_WACC, acc);
	outl(PROBE_PORT_WLO, (u32)gva);
	outl(PROBE_PORT_WHI, gva >> 32);
}

static u32 info_cache;

u32 probe_info(void)
{
	if (!info_cache)
		info_cache = inl(PROBE_PORT_INFO) | 0x80000000u;
	return info_cache & 0x7fffffff;
}

bool paging_known(void)
{
	return (probe_info() & PROBE_INFO_PAGING_MASK) != PROBE_INFO_UNKNOWN;
}

bool is_ept(void)
{
	return (probe_info() & PROBE_INFO_PAGING_MASK) == PROBE_INFO_EPT;
}

bool on_svx(void)
{
	return probe_info() & PROBE_INFO_SVX;
}

/* ---- assertions ---------------------------------------------------------- */

void check(const char *what, bool ok, u64 got)
{
	nr_checks++;
	if (!ok)
		nr_fail++;
	printf(got < 1000 ? "  %s %s (got %lu)\n" : "  %s %s (got 0x%lx)\n",
	       ok ? "ok  " : "FAIL", what, got);
}

static const char *const ctr_name[P_NR] = {
	[P_EXITS] = "VM exits", [P_EXC] = "#PF exits (reason 0)",
	[P_CR] = "CR-access exits (reason 28)", [P_INVLPG] = "INVLPG exits",
	[P_IO] = "PIO exits to the runner", [P_MMIO] = "MMIO exits to the runner",
	[P_EPT_VIOL] = "EPT violations (reason 48)",
	[P_EPT_MISCONF] = "EPT misconfigurations (reason 49)",
	[P_PF_FIXED] = "shadow faults fixed", [P_PF_INJECTED] = "#PF injected",
	[P_PF_MMIO] = "MMIO shadow faults", [P_MMIO_FAST] = "MMIO fast-path hits",
	[P_PT_WRITE] = "emulated PT writes", [P_ROOT_HIT] = "root cache hits",
	[P_ROOT_MISS] = "root cache misses", [P_SP_ALLOC] = "shadow pages allocated",
	[P_UNSYNC] = "unsyncs", [P_SYNC] = "resyncs", [P_EMULATED] = "emulated insns",
	[P_SPTE] = "SPTEs installed", [P_EPT_MMIO] = "EPT MMIO exits",
	[P_IRQ_INJ] = "interrupts injected",
};

void check_ctr(const char *what, enum probe_ctr c, char op, u32 want)
{
	u32 v = ctr(c);
	bool ok;

	if (v == PROBE_NA) {
		printf("  skip %s: %s %c= %u (not available on this device)\n",
		       what, ctr_name[c], op, want);
		return;
	}
	ok = op == '=' ? v == want : op == '>' ? v >= want : v <= want;
	nr_checks++;
	if (!ok)
		nr_fail++;
	printf("  %s %s: %s %c= %u (got %u)\n", ok ? "ok  " : "FAIL", what,
	       ctr_name[c], op, want, v);
}

void finish(const char *scen)
{
	if (nr_fail || !nr_checks) {
		printf("scenario %s: FAIL (%d of %d checks failed)\n", scen,
		       nr_fail, nr_checks);
		outb(0xf4, 1);
	} else {
		printf("scenario %s: PASS (%d checks)\n", scen, nr_checks);
	}
	hlt_forever();
}

/* ---- page tables ----------------------------------------------------------- */

static u64 pool_next = PT_POOL;

u64 pt_alloc(void)
{
	u64 p = pool_next;

	if (p >= PT_POOL_END) {
		puts("pt_alloc: pool exhausted\n");
		nr_fail++;
		finish("?");
	}
	pool_next += PAGE_SIZE;
	for (int i = 0; i < 512; i++)
		((volatile u64 *)p)[i] = 0;
	return p;
}

u64 *pte_of(u64 pml4, u64 gva, bool create, u64 flags)
{
	u64 table = pml4 & PTE_ADDR;

	for (int shift = 39; shift > 12; shift -= 9) {
		u64 *e = (u64 *)table + ((gva >> shift) & 511);

		if (!(*e & PTE_P)) {
			if (!create)
				return 0;
			*e = pt_alloc() | PTE_P | PTE_W | (flags & PTE_U);
		}
		table = *e & PTE_ADDR;
	}
	return (u64 *)table + ((gva >> 12) & 511);
}

void map4k(u64 pml4, u64 gva, u64 gpa, u64 flags)
{
	*pte_of(pml4, gva, true, flags) = gpa | flags | PTE_P;
}

u64 new_pml4(void)
{
	u64 p = pt_alloc();
	u64 *src = (u64 *)(read_cr3() & PTE_ADDR);

	for (int i = 0; i < 512; i++)
		((u64 *)p)[i] = i == (int)((USER_GVA >> 39) & 511) ? 0 : src[i];
	return p;
}

void touch_range(u64 start, u64 end)
{
	/* read and write back: the page's dirty bit too (a shadow entry of a
	 * clean page is read-only until the first write) */
	for (u64 a = start & ~(PAGE_SIZE - 1); a < end; a += PAGE_SIZE) {
		volatile u8 *p = (volatile u8 *)a;

		*p = *p;
	}
}

/* ---- CPU tables -------------------------------------------------------------- */

struct idt_entry {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static handler_t handlers[256];
static u64 gdt[7] __attribute__((aligned(16)));
/* TSS with an all-zero I/O permission bitmap (every port allowed at
 * CPL 3) and the terminating 0xff byte */
static u32 tss[26 + 2048 + 1] __attribute__((aligned(16)));
static u8 kstack[8192] __attribute__((aligned(16)));

extern char isr13[], isr14[], isr6[], isr0x25[], isr0x80[];

void isr_dispatch(struct frame *f);
void isr_dispatch(struct frame *f)
{
	if (f->vector < 256 && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	printf("unexpected exception %lu error 0x%lx at rip 0x%lx (cr2 0x%lx)\n",
	       f->vector, f->error, f->rip, read_cr2());
	nr_fail++;
	finish("?");
}

static void set_gate(int v, void *stub, int dpl)
{
	u64 a = (u64)stub;

	idt[v].off0 = a;
	idt[v].sel = SEL_KCODE;
	idt[v].ist = 0;
	idt[v].type = 0x8e | (dpl << 5);
	idt[v].off1 = a >> 16;
	idt[v].off2 = a >> 32;
	idt[v].zero = 0;
}

void set_handler(int vector, handler_t h, int dpl)
{
	void *stub = vector == 13 ? isr13 : vector == 14 ? isr14 :
		     vector == 6 ? isr6 : vector == 0x25 ? isr0x25 : isr0x80;

	handlers[vector] = h;
	set_gate(vector, stub, dpl);
}

void cpu_init(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) d;
	u64 t = (u64)tss;

	gdt[1] = 0x00af9b000000ffffUL;		/* 0x08 kernel code, L */
	gdt[2] = 0x00cf93000000ffffUL;		/* 0x10 kernel data */
	gdt[3] = 0x00cff3000000ffffUL;		/* 0x18 user data */
	gdt[4] = 0x00affb000000ffffUL;		/* 0x20 user code, L */
	gdt[5] = (104 + 8192) | (t & 0xffffff) << 16 | 0x89UL << 40 |
		 ((t >> 24) & 0xff) << 56;	/* 0x28 TSS, available */
	gdt[6] = t >> 32;
	tss[1] = (u64)kstack + sizeof(kstack);		/* RSP0 */
	tss[2] = ((u64)kstack + sizeof(kstack)) >> 32;
	tss[25] = 104u << 16;			/* I/O bitmap at 104 */
	tss[26 + 2048] = 0xff;
	d.limit = sizeof(gdt) - 1;
	d.base = (u64)gdt;
	asm volatile("lgdt %0" :: "m"(d));
	asm volatile("ltr %w0" :: "r"(SEL_TSS));
	d.limit = sizeof(idt) - 1;
	d.base = (u64)idt;
	asm volatile("lidt %0" :: "m"(d));
	set_handler(13, 0, 0);
	set_handler(6, 0, 0);
	set_handler(14, 0, 0);
}

void pic_init(u8 unmask_master)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 4);
	outb(0xa1, 2);
	outb(0x21, 1);
	outb(0xa1, 1);
	outb(0x21, ~unmask_master);
	outb(0xa1, 0xff);
}
