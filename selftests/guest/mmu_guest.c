// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU guest: a freestanding program that builds its own page tables and
 * checks, from inside the guest, what the (shadow) MMU makes it see.  Built
 * three times into flat binaries linked at SVX_CODE (guest/mmu_guest.ld):
 *
 *   MG_BITS=32 MG_PAE=0   32-bit paging (CR4.PSE per mailbox mode)
 *   MG_BITS=32 MG_PAE=1   PAE paging
 *   MG_BITS=64            4-level paging
 *
 * The 32-bit builds start in protected mode with paging off, build their
 * tables and turn paging on themselves (mov to CR4, CR3, CR0).  The 64-bit
 * build starts in 32-bit protected mode too: it loads CR3 with identity
 * tables the host wrote (MG_HOST_PT), sets EFER.LME and CR0.PG itself, then
 * builds its own 4-level tables and switches CR3 to them.
 *
 * The host selects one test in the mailbox (guest/mmu_guest.h).  The guest
 * appends records (CHECK: got must equal want; SKIP; INFO; FATAL for an
 * unexpected exception) and ends with an OUT to MG_PORT_DONE.  Page faults
 * are caught by an IDT handler that records error code, CR2 and RIP; an
 * access expected to fault goes through a probe whose fault is fixed up by
 * resuming at the label after it (like Linux' exception tables).
 */
#include "mmu_guest.h"
#include "guest.h"
#include "svxu_guest.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned long ulong;

#if MG_BITS == 64
typedef u64 pte_t;
#define LEVELS		4
#define IDX_BITS	9
#define ADDR_MASK	0x000ffffffffff000ULL
#define VA(a32, a64)	(a64)
#elif MG_PAE
typedef u64 pte_t;
#define LEVELS		3
#define IDX_BITS	9
#define ADDR_MASK	0x000ffffffffff000ULL
#define VA(a32, a64)	(a32)
#else
typedef u32 pte_t;
#define LEVELS		2
#define IDX_BITS	10
#define ADDR_MASK	0xfffff000u
#define VA(a32, a64)	(a32)
#endif
#define HAS_NX		(MG_BITS == 64 || MG_PAE)
#define LARGE_SIZE	(1ul << (12 + IDX_BITS))	/* 4 MiB or 2 MiB */

#define P	0x1ull
#define RW	0x2ull
#define US	0x4ull
#define A	0x20ull
#define D	0x40ull
#define PS	0x80ull
#define NXB	(1ull << 63)

#define PF_P	0x1
#define PF_W	0x2
#define PF_U	0x4
#define PF_RSVD	0x8
#define PF_ID	0x10

#define CR0_WP	(1ul << 16)
#define CR0_PG	(1ul << 31)
#define CR4_PSE	(1ul << 4)
#define CR4_PAE	(1ul << 5)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)
#define EFER	0xc0000080
#define EFER_NXE (1ull << 11)

#define SEL_KCODE32	0x08
#define SEL_KDATA	0x10
#define SEL_KCODE64	0x18
#define SEL_UCODE32	0x20
#define SEL_UDATA	0x28
#define SEL_UCODE64	0x30
#define SEL_TSS		0x38

/* Guest-virtual layout of the tests (32-bit values fit every mode). */
#define VA_FRESH_A	VA(0x10000000ul, 0x7f0010000000ul)
#define VA_FRESH_B	VA(0x20000000ul, 0x3f0020000000ul)
#define VA_INV		0x30000000ul
#define VA_PERM(n)	(0x31000000ul + (n) * 0x400000ul)	/* n < 16 */
#define VA_AD		VA(0x38000000ul, 0x600000000000ul)
#define VA_AD_LARGE	VA(0x38800000ul, 0x600040000000ul)
#define VA_SW		0x3c000000ul
#define VA_USER		0x08000000	/* no suffix: also used in asm */
#define VA_SUPER	0x08400000
#define VA_LARGE	0x48000000ul
#define VA_MMIO		0x60000000ul
#define VA_FAR_NP	VA(0xe0000000ul, 0x500000000000ul)
#define VA_GIG		0x8040000000ull

#define FRAME(n)	(MG_FRAMES_GPA + (ulong)(n) * 4096)

static volatile struct mg_mailbox *const mb = (void *)MG_MAILBOX;

/* Shared with the asm (must keep their names). */
volatile ulong fixup_ip, probe_sp;
volatile u32 pf_count;
volatile ulong pf_err, pf_cr2, pf_ip;
/* #GP of a probed MOV to a control register */
static volatile u32 gp_count;
static volatile ulong gp_err;

/* ----------------------------------------------------------- basics --- */

void *memset(void *d, int c, ulong n);
void *memcpy(void *d, const void *s, ulong n);

void *memset(void *d, int c, ulong n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, ulong n)
{
	u8 *p = d;
	const u8 *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

/* ---------------------------------------------------------- records --- */

static void rec(u32 kind, u32 line, const char *what, u64 got, u64 want,
		u64 a, u64 b)
{
	u32 n = mb->nrec;

	if (n >= MG_MAX_REC)
		return;
	mb->rec[n].kind = kind;
	mb->rec[n].line = line;
	mb->rec[n].what = (u32)(ulong)what;
	mb->rec[n].got = got;
	mb->rec[n].want = want;
	mb->rec[n].a = a;
	mb->rec[n].b = b;
	mb->nrec = n + 1;
}

static void __attribute__((noreturn)) done(void)
{
	mb->done = 1;
	outl(MG_PORT_DONE, mb->nrec);
	hlt_forever();
	__builtin_unreachable();
}

#define CHECK(what, got, want) \
	rec(MG_REC_CHECK, __LINE__, what, (u64)(got), (u64)(want), 0, 0)
#define CHECKA(what, got, want, a) \
	rec(MG_REC_CHECK, __LINE__, what, (u64)(got), (u64)(want), (u64)(a), 0)
#define INFO(what, v) rec(MG_REC_INFO, __LINE__, what, (u64)(v), 0, 0, 0)
#define GSKIP(why) do { rec(MG_REC_SKIP, __LINE__, why, 0, 0, 0, 0); done(); } while (0)

/* -------------------------------------------------- traps and probes --- */

#if MG_BITS == 64
struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, bp, di, si, dx, cx, bx, ax;
	u64 vector, err, ip, cs, flags, sp, ss;
};
#define SETFIX	"movq $1f, fixup_ip(%%rip)\n\t"
#define CLRFIX	"\n\tmovq $0, fixup_ip(%%rip)"
#define SAVESP	"movq %%rsp, probe_sp(%%rip)\n\t"
#define LOADSP	"movq probe_sp(%%rip), %%rsp"
#else
struct frame {
	u32 di, si, bp, sp0, bx, dx, cx, ax;
	u32 vector, err, ip, cs, flags, sp, ss;
};
#define SETFIX	"movl $1f, fixup_ip\n\t"
#define CLRFIX	"\n\tmovl $0, fixup_ip"
#define SAVESP	"movl %%esp, probe_sp\n\t"
#define LOADSP	"movl probe_sp, %%esp"
#endif

/* Read 4 bytes; returns 1 if it faulted (*val is then 0xdeadbeef). */
static inline int probe_rd(ulong va, u32 *val)
{
	u32 before = pf_count, v = 0xdeadbeef;

	asm volatile(SETFIX "movl (%1), %0\n\t1:" CLRFIX
		     : "+r"(v) : "r"(va) : "memory");
	*val = v;
	return pf_count != before;
}

static inline int probe_wr(ulong va, u32 val)
{
	u32 before = pf_count;

	asm volatile(SETFIX "movl %0, (%1)\n\t1:" CLRFIX
		     : : "r"(val), "r"(va) : "memory");
	return pf_count != before;
}

/* Call va (a page holding 'ret'); returns 1 if the fetch faulted. */
static inline int probe_x(ulong va)
{
	u32 before = pf_count;

	asm volatile(SAVESP SETFIX "call *%0\n\t1: " LOADSP CLRFIX
		     : : "r"(va) : "memory", "cc");
	return pf_count != before;
}

/* MOV to CR@n; returns 1 if it raised #GP (the register is unchanged). */
#define PROBE_CR(n)							\
static inline int probe_cr##n(ulong v)					\
{									\
	u32 before = gp_count;						\
									\
	asm volatile(SETFIX "mov %0, %%cr" #n "\n\t1:" CLRFIX		\
		     : : "r"(v) : "memory");				\
	return gp_count != before;					\
}
PROBE_CR(0)
PROBE_CR(3)
PROBE_CR(4)

/* User-fault hook (ring-3 test): returns 1 if it handled the fault. */
static int (*pf_hook)(struct frame *f, ulong cr2);
static void (*syscall_hook)(struct frame *f);

static volatile u32 df_expected;

void trap(struct frame *f);
void trap(struct frame *f)
{
	ulong cr2 = read_cr2();

	if (f->vector == 8 && df_expected) {	/* t_double_fault() */
		CHECK("double fault: #DF error code", f->err, 0);
		CHECK("double fault: CR2, the stack slot of the frame", cr2,
		      VA_FAR_NP + 0xff8);
		CHECK("double fault: no #PF handler ran", pf_count, 0);
		done();
	}

	if (f->vector == 14) {
		pf_err = f->err;
		pf_cr2 = cr2;
		pf_ip = f->ip;
		pf_count++;
		if (pf_hook && pf_hook(f, cr2))
			return;
		if (fixup_ip && !(f->cs & 3)) {
			f->ip = fixup_ip;
			fixup_ip = 0;
			return;
		}
	}
	if (f->vector == 13 && fixup_ip && !(f->cs & 3)) {
		gp_err = f->err;
		gp_count++;
		f->ip = fixup_ip;
		fixup_ip = 0;
		return;
	}
	if (f->vector == 0x80 && syscall_hook) {
		syscall_hook(f);
		return;
	}
	rec(MG_REC_FATAL, 0, "unexpected exception", f->vector, f->err, cr2, f->ip);
	done();
}

/* Entry, trap stubs, common trap path. */
#define STR_(x) #x
#define STR(x) STR_(x)
asm(
"	.section .text.entry, \"ax\"\n"
"	.globl _start\n"
"	.code32\n"
"_start:\n"
"	movl $" STR(MG_STACK_TOP) ", %esp\n"
#if MG_BITS == 64
"	movl %cr4, %eax\n"
"	orl $0x20, %eax\n"
"	movl %eax, %cr4\n"
"	movl $" STR(MG_HOST_PT) ", %eax\n"
"	movl %eax, %cr3\n"
"	movl $0xc0000080, %ecx\n"
"	rdmsr\n"
"	orl $0x100, %eax\n"
"	wrmsr\n"
"	movl %cr0, %eax\n"
"	orl $0x80000000, %eax\n"
"	movl %eax, %cr0\n"
"	ljmp $0x18, $1f\n"
"	.code64\n"
"1:	movq $" STR(MG_STACK_TOP) ", %rsp\n"
#endif
"	call guest_main\n"
"2:	hlt\n"
"	jmp 2b\n"
"	.text\n"
"	.macro STUB v\n"
"	.balign 16\n"
"	.if (\\v == 8) || (\\v == 10) || (\\v == 11) || (\\v == 12) || (\\v == 13) || (\\v == 14) || (\\v == 17) || (\\v == 21) || (\\v == 29) || (\\v == 30)\n"
"	.else\n"
"	push $0\n"
"	.endif\n"
"	push $\\v\n"
"	jmp trap_common\n"
"	.endm\n"
"	.balign 16\n"
"	.globl trap_stubs\n"
"trap_stubs:\n"
"	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
"	STUB \\v\n"
"	.endr\n"
"	.balign 16\n"
"	.globl trap_stub_80\n"
"trap_stub_80:\n"
"	push $0\n"
"	push $0x80\n"
"	jmp trap_common\n"
"trap_common:\n"
#if MG_BITS == 64
"	push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi; push %rbp\n"
"	push %r8; push %r9; push %r10; push %r11; push %r12; push %r13; push %r14; push %r15\n"
"	cld\n"
"	movq %rsp, %rdi\n"
"	call trap\n"
"	pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10; pop %r9; pop %r8\n"
"	pop %rbp; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rbx; pop %rax\n"
"	addq $16, %rsp\n"
"	iretq\n"
#else
"	pushal\n"
"	cld\n"
"	pushl %esp\n"
"	call trap\n"
"	addl $4, %esp\n"
"	popal\n"
"	addl $8, %esp\n"
"	iretl\n"
#endif
/*
 * The ring-3 program, copied to VA_USER.  Only absolute addresses and
 * relative branches inside it.  Each result goes to the kernel through
 * int $0x80 (eax = MG_SYS_*, ecx = value).  The two faulting accesses on
 * pages the user may not touch are 2-byte instructions the kernel skips.
 */
#if MG_BITS == 64
#define UREG "%rbx"
#else
#define UREG "%ebx"
#endif
"	.balign 16\n"
"	.globl user_prog, user_prog_end\n"
"user_prog:\n"
"	movl " STR(VA_USER) " + 0x1000, %ecx\n"		/* user data: hit */
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $0x12345678, " STR(VA_USER) " + 0x1004\n"	/* user data write */
"	movl " STR(VA_USER) " + 0x1004, %ecx\n"
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl " STR(VA_USER) " + 0x2010, %ecx\n"		/* demand read */
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $0x77665544, " STR(VA_USER) " + 0x3008\n"	/* demand write */
"	movl " STR(VA_USER) " + 0x3008, %ecx\n"
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $0xdead, %ecx\n"
"	movl $" STR(VA_SUPER) " + 0x20, %ebx\n"
"	movl (" UREG "), %ecx\n"				/* supervisor page */
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $0xbeef, %ecx\n"
"	movl $" STR(VA_USER) " + 0x4000, %ebx\n"
"	movl %ecx, (" UREG ")\n"				/* read-only user page */
"	movl " STR(VA_USER) " + 0x4000, %ecx\n"
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $2, %eax\n"
"	int $0x80\n"
"3:	jmp 3b\n"
"user_prog_end:\n"
"	.text\n"
);

extern const char trap_stubs[], trap_stub_80[], user_prog[], user_prog_end[];

/* ------------------------------------------------------- descriptors --- */

static void set_gate(int vec, ulong handler, int dpl)
{
#if MG_BITS == 64
	u64 *g = (u64 *)(ulong)(MG_IDT + vec * 16);

	g[0] = (handler & 0xffff) | ((u64)SEL_KCODE64 << 16) |
	       ((u64)(0x8e | (dpl << 5)) << 40) |
	       ((u64)((handler >> 16) & 0xffff) << 48);
	g[1] = (u64)handler >> 32;
#else
	u64 *g = (u64 *)(ulong)(MG_IDT + vec * 8);

	*g = (handler & 0xffff) | ((u64)SEL_KCODE32 << 16) |
	     ((u64)(0x8e | (dpl << 5)) << 40) |
	     ((u64)((handler >> 16) & 0xffff) << 48);
#endif
}

struct __attribute__((packed)) dtr {
	u16 limit;
	ulong base;
};

static void setup_descriptors(void)
{
	u64 *gdt = (u64 *)MG_GDT;
	u64 tss = MG_TSS;
	struct dtr g = { 9 * 8 - 1, MG_GDT }, i;
	int v;

	memset((void *)MG_GDT, 0, 0x3000);
	gdt[1] = 0x00cf9b000000ffffull;
	gdt[2] = 0x00cf93000000ffffull;
	gdt[3] = 0x00af9b000000ffffull;
	gdt[4] = 0x00cffb000000ffffull;
	gdt[5] = 0x00cff3000000ffffull;
	gdt[6] = 0x00affb000000ffffull;
	gdt[7] = 0x67 | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		 (((tss >> 24) & 0xff) << 56);
	gdt[8] = tss >> 32;
#if MG_BITS == 64
	*(u64 *)(MG_TSS + 4) = MG_STACK0_TOP;		/* rsp0 */
#else
	*(u32 *)(MG_TSS + 4) = MG_STACK0_TOP;		/* esp0 */
	*(u32 *)(MG_TSS + 8) = SEL_KDATA;		/* ss0 */
#endif
	*(u16 *)(MG_TSS + 102) = 0x68;			/* no I/O bitmap */

	for (v = 0; v < 32; v++)
		set_gate(v, (ulong)trap_stubs + v * 16, 0);
	set_gate(0x80, (ulong)trap_stub_80, 3);
#if MG_BITS == 64
	i.limit = 256 * 16 - 1;
#else
	i.limit = 256 * 8 - 1;
#endif
	i.base = MG_IDT;
	asm volatile("lgdt %0" : : "m"(g));
	asm volatile("lidt %0" : : "m"(i));
#if MG_BITS == 32
	asm volatile("ljmp $0x08, $1f\n1:" ::: "memory");
#endif
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss; mov %0, %%fs; mov %0, %%gs"
		     : : "r"(SEL_KDATA) : "memory");
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

/* ------------------------------------------------------ page tables --- */

static ulong pool_next = MG_POOL;
static pte_t *root;
static ulong root_cr3;
static int cpu_nx, cpu_smep, cpu_smap, cpu_gig, cpu_maxphy, cpu_pcid;

static pte_t *pool_alloc(void)
{
	pte_t *p = (pte_t *)pool_next;

	if (pool_next >= MG_POOL_END) {
		rec(MG_REC_FATAL, __LINE__, "page-table pool exhausted", 0, 0, 0, 0);
		done();
	}
	pool_next += 4096;
	memset(p, 0, 4096);
	return p;
}

static inline unsigned int idx(ulong va, int level)
{
#if MG_PAE
	if (level == 3)
		return (va >> 30) & 3;
#endif
	return (va >> (12 + IDX_BITS * (level - 1))) & ((1u << IDX_BITS) - 1);
}

/* Store an entry as Linux does for PAE: high half first, then low. */
static inline void set_pte(pte_t *e, pte_t v)
{
#if MG_PAE
	volatile u32 *h = (volatile u32 *)e;

	h[1] = (u32)(v >> 32);
	h[0] = (u32)v;
#else
	*(volatile pte_t *)e = v;
#endif
}

static pte_t nonleaf_flags(int level)
{
#if MG_PAE
	if (level == 3)
		return P;		/* PDPTE: R/W, U/S, A are reserved */
#endif
	(void)level;
	return P | RW | US;
}

static inline pte_t *table(pte_t e)
{
	return (pte_t *)(ulong)(e & ADDR_MASK);
}

/* The entry for @va in the table at @level (1 = PT) under @top. */
static pte_t *pte_at(pte_t *top, ulong va, int level)
{
	pte_t *t = top;
	int l;

	for (l = LEVELS; l > level; l--) {
		pte_t *e = &t[idx(va, l)];

		if (!(*e & P))
			set_pte(e, (pte_t)(ulong)pool_alloc() | nonleaf_flags(l));
		t = table(*e);
	}
	return &t[idx(va, level)];
}

static void map(pte_t *top, ulong va, u64 pa, pte_t flags)
{
	set_pte(pte_at(top, va, 1), (pte_t)pa | flags);
}

static void map_large(pte_t *top, ulong va, u64 pa, pte_t flags, int level)
{
	set_pte(pte_at(top, va, level), (pte_t)pa | flags | PS);
}

static void features(void)
{
	u32 a, b, c, d, max;

	cpuid(0, 0, &max, &b, &c, &d);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_pcid = !!(c & (1u << 17));
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu_smep = !!(b & (1u << 7));
		cpu_smap = !!(b & (1u << 20));
	}
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu_nx = !!(d & (1u << 20));
		cpu_gig = !!(d & (1u << 26));
	}
	cpu_maxphy = 36;
	if (max >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		cpu_maxphy = a & 0xff;
	}
}

static void paging_on(void)
{
	ulong va;

	root = pool_alloc();
	/* identity map of slot 0 and of the frames: supervisor, writable */
	for (va = 0; va < MG_FRAMES_GPA + MG_FRAMES_SIZE; va += 4096)
		map(root, va, va, P | RW);
#if MG_PAE
	/* all four PDPTEs present except the last (VA_FAR_NP test) */
	pte_at(root, 0x40000000, 2);
	pte_at(root, 0x80000000, 2);
#endif
	root_cr3 = (ulong)root;
#if MG_BITS == 64
	if (cpu_nx)
		wrmsr(EFER, rdmsr(EFER) | EFER_NXE);
	write_cr3(root_cr3);
	write_cr0(read_cr0() | CR0_WP);
#else
	{
		ulong cr4 = read_cr4();

		if (MG_PAE)
			cr4 |= CR4_PAE;
		if (mb->mode == MG_MODE_PG32PSE)
			cr4 |= CR4_PSE;
		write_cr4(cr4);
		if (HAS_NX && cpu_nx)
			wrmsr(EFER, rdmsr(EFER) | EFER_NXE);
		write_cr3(root_cr3);
		write_cr0(read_cr0() | CR0_PG | CR0_WP);
	}
#endif
}

static inline int nxe(void)
{
	return HAS_NX && (rdmsr(EFER) & EFER_NXE);
}

/* ------------------------------------------------------------ tests --- */

#define NFRESH MG_NFRESH

static void t_fresh(void)
{
	u32 bad = 0, i, v;

	for (i = 0; i < NFRESH; i++) {
		map(root, VA_FRESH_A + i * 4096ul, FRAME(i), P | RW);
		map(root, VA_FRESH_B + i * 4096ul, FRAME(NFRESH - 1 - i), P | RW);
	}
	/* write through A at a per-page offset */
	for (i = 0; i < NFRESH; i++)
		wr32(VA_FRESH_A + i * 4096ul + (i * 8) % 4096, 0xa5000000 | i);
	/* read through the alias B (reverse order) and the identity map */
	for (i = 0; i < NFRESH; i++) {
		v = rd32(VA_FRESH_B + (NFRESH - 1 - i) * 4096ul + (i * 8) % 4096);
		if (v != (0xa5000000 | i) && bad++ < 4)
			CHECKA("fresh: read via alias B", v, 0xa5000000 | i, i);
		v = rd32(FRAME(i) + (i * 8) % 4096);
		if (v != (0xa5000000 | i) && bad++ < 4)
			CHECKA("fresh: read via identity map", v, 0xa5000000 | i, i);
	}
	/* write through B at another offset, read through A */
	for (i = 0; i < NFRESH; i++)
		wr32(VA_FRESH_B + i * 4096ul + 4092, 0x5a000000 | i);
	for (i = 0; i < NFRESH; i++) {
		v = rd32(VA_FRESH_A + (NFRESH - 1 - i) * 4096ul + 4092);
		if (v != (0x5a000000 | i) && bad++ < 4)
			CHECKA("fresh: read via A of a write via B", v, 0x5a000000 | i, i);
	}
	CHECK("fresh: mismatching reads", bad, 0);
}

#define NINV 32
#define M1(i) (0x11110000u | (i))
#define M2(i) (0x22220000u | (i))
#define M3(i) (0x33330000u | (i))

static void t_invlpg(void)
{
	u32 i, v, bad = 0, old = 0, new = 0, other = 0;
	pte_t *e;

	for (i = 0; i < NINV; i++) {
		wr32(FRAME(256 + i), M1(i));
		wr32(FRAME(256 + i) + 0x800, M1(i));
		wr32(FRAME(288 + i), M2(i));
		wr32(FRAME(288 + i) + 0x800, M2(i));
		wr32(FRAME(320 + i), M3(i));
		wr32(FRAME(320 + i) + 0x800, M3(i));
		map(root, VA_INV + i * 4096ul, FRAME(256 + i), P | RW);
	}
	for (i = 0; i < NINV; i++) {
		v = rd32(VA_INV + i * 4096ul);
		if (v != M1(i) && bad++ < 4)
			CHECKA("invlpg: first mapping", v, M1(i), i);
	}
	/* change + INVLPG: the new frame, always */
	for (i = 0; i < NINV; i++) {
		e = pte_at(root, VA_INV + i * 4096ul, 1);
		set_pte(e, FRAME(288 + i) | P | RW);
		invlpg(VA_INV + i * 4096ul);
		v = rd32(VA_INV + i * 4096ul);
		if (v != M2(i) && bad++ < 4)
			CHECKA("invlpg: new mapping after INVLPG", v, M2(i), i);
	}
	/* change without INVLPG: old or new, never anything else */
	for (i = 0; i < NINV; i++) {
		e = pte_at(root, VA_INV + i * 4096ul, 1);
		set_pte(e, FRAME(320 + i) | P | RW);
		v = rd32(VA_INV + i * 4096ul + 0x800);
		if (v == M2(i))
			old++;
		else if (v == M3(i))
			new++;
		else if (other++ < 4)
			CHECKA("invlpg: stale read is neither old nor new frame", v, M3(i), i);
	}
	CHECK("invlpg: stale reads that were neither old nor new", other, 0);
	INFO("invlpg: reads without INVLPG that saw the old frame", old);
	INFO("invlpg: reads without INVLPG that saw the new frame", new);
	for (i = 0; i < NINV; i++) {
		invlpg(VA_INV + i * 4096ul);
		v = rd32(VA_INV + i * 4096ul);
		if (v != M3(i) && bad++ < 4)
			CHECKA("invlpg: new mapping after late INVLPG", v, M3(i), i);
	}
	/* a write without INVLPG lands in exactly one of the two frames */
	for (i = 0; i < NINV; i++) {
		u32 a, b;

		e = pte_at(root, VA_INV + i * 4096ul, 1);
		set_pte(e, FRAME(256 + i) | P | RW);
		wr32(VA_INV + i * 4096ul + 0x10, 0x44440000 | i);
		invlpg(VA_INV + i * 4096ul);
		a = rd32(FRAME(256 + i) + 0x10);
		b = rd32(FRAME(320 + i) + 0x10);
		if (!((a == (0x44440000 | i)) ^ (b == (0x44440000 | i))) && bad++ < 4)
			CHECKA("invlpg: stale write must land in the old or the new frame", a, b, i);
	}
	/* PTE change + CR3 reload: the new frame */
	for (i = 0; i < NINV; i++) {
		e = pte_at(root, VA_INV + i * 4096ul, 1);
		set_pte(e, FRAME(288 + i) | P | RW);
	}
	write_cr3(root_cr3);
	for (i = 0; i < NINV; i++) {
		v = rd32(VA_INV + i * 4096ul);
		if (v != M2(i) && bad++ < 4)
			CHECKA("invlpg: new mapping after CR3 reload", v, M2(i), i);
	}
	/* P=0 without INVLPG: a fault, or the old frame */
	e = pte_at(root, VA_INV, 1);
	set_pte(e, *e & ~P);
	if (probe_rd(VA_INV + 0x40, &v)) {
		CHECK("invlpg: fault on a stale P=0 PTE: error code", pf_err, 0);
		CHECK("invlpg: fault on a stale P=0 PTE: cr2", pf_cr2, VA_INV + 0x40);
	} else {
		CHECK("invlpg: stale read of a P=0 PTE sees the old frame", v,
		      rd32(FRAME(288) + 0x40));
	}
	invlpg(VA_INV);
	CHECK("invlpg: P=0 PTE after INVLPG faults", probe_rd(VA_INV + 0x40, &v), 1);
	CHECK("invlpg: P=0 PTE: error code", pf_err, 0);
	CHECK("invlpg: P=0 PTE: cr2", pf_cr2, VA_INV + 0x40);
	CHECK("invlpg: mismatching reads", bad, 0);
}

/* The #PF we expect: faulted, error code, cr2. */
#define EXPECT_PF(what, faulted, err, addr) do {			\
	CHECK(what ": faults", faulted, 1);				\
	CHECK(what ": error code", pf_err, err);			\
	CHECK(what ": cr2", pf_cr2, addr);				\
} while (0)
#define EXPECT_OK(what, faulted) CHECKA(what ": no fault", faulted, 0, pf_err)

static ulong ret_page(int n, ulong va, pte_t flags)
{
	*(u8 *)FRAME(n) = 0xc3;		/* ret */
	map(root, va, FRAME(n), flags);
	return va;
}

static void t_not_present(void)
{
	ulong va = VA_PERM(0), va2 = VA_PERM(1);
	u32 v;
	int f;

	wr32(FRAME(400) + 0x10, 0x600d);
	map(root, va, FRAME(400), RW);		/* P=0, frame and R/W set */
	f = probe_rd(va + 0x10, &v);
	EXPECT_PF("not present: read", f, 0, va + 0x10);
	f = probe_wr(va + 0x18, 1);
	EXPECT_PF("not present: write", f, PF_W, va + 0x18);
	f = probe_x(va);
	EXPECT_PF("not present: fetch", f, nxe() ? PF_ID : 0, va);
	/* P=1 now; not-present entries are not cached: no INVLPG needed */
	set_pte(pte_at(root, va, 1), FRAME(400) | P | RW);
	f = probe_rd(va + 0x10, &v);
	EXPECT_OK("not present: read after setting P", f);
	CHECK("not present: value after setting P", v, 0x600d);

	/* a not-present PDE */
	map(root, va2, FRAME(401), P | RW);
	set_pte(pte_at(root, va2, 2), *pte_at(root, va2, 2) & ~P);
	f = probe_rd(va2 + 0x20, &v);
	EXPECT_PF("not present PDE: read", f, 0, va2 + 0x20);
	f = probe_wr(va2 + 0x24, 1);
	EXPECT_PF("not present PDE: write", f, PF_W, va2 + 0x24);
	/* a not-present PDPTE (PAE: the 4th, never present) / PML4E */
	f = probe_rd(VA_FAR_NP + 0x30, &v);
	EXPECT_PF("not present top level: read", f, 0, VA_FAR_NP + 0x30);
	f = probe_wr(VA_FAR_NP + 0x34, 1);
	EXPECT_PF("not present top level: write", f, PF_W, VA_FAR_NP + 0x34);
}

static void t_write_protect(void)
{
	ulong va = VA_PERM(0), va2 = VA_PERM(1);
	pte_t *pde2;
	u32 v;
	int f;

	wr32(FRAME(400), 0x0123);
	map(root, va, FRAME(400), P);			/* read-only PTE */
	map(root, va2, FRAME(401), P | RW);		/* read-only PDE */
	pde2 = pte_at(root, va2, 2);
	set_pte(pde2, *pde2 & ~RW);

	f = probe_rd(va, &v);
	EXPECT_OK("wp=1: read of a read-only page", f);
	CHECK("wp=1: read value", v, 0x0123);
	f = probe_wr(va + 8, 0x11);
	EXPECT_PF("wp=1: write to a read-only PTE", f, PF_P | PF_W, va + 8);
	f = probe_wr(va2 + 12, 0x12);
	EXPECT_PF("wp=1: write under a read-only PDE", f, PF_P | PF_W, va2 + 12);
	CHECK("wp=1: faulting write did not reach memory", rd32(FRAME(400) + 8), 0);

	write_cr0(read_cr0() & ~CR0_WP);
	f = probe_wr(va + 8, 0x21);
	EXPECT_OK("wp=0: supervisor write to a read-only PTE", f);
	CHECK("wp=0: write reached memory", rd32(FRAME(400) + 8), 0x21);
	f = probe_wr(va2 + 12, 0x22);
	EXPECT_OK("wp=0: supervisor write under a read-only PDE", f);
	CHECK("wp=0: write under RO PDE reached memory", rd32(FRAME(401) + 12), 0x22);

	write_cr0(read_cr0() | CR0_WP);
	f = probe_wr(va + 8, 0x31);
	EXPECT_PF("wp=1 again: write to a read-only PTE", f, PF_P | PF_W, va + 8);
	f = probe_wr(va2 + 12, 0x32);
	EXPECT_PF("wp=1 again: write under a read-only PDE", f, PF_P | PF_W, va2 + 12);
	CHECK("wp=1 again: memory unchanged", rd32(FRAME(400) + 8), 0x21);

	set_pte(pte_at(root, va, 1), FRAME(400) | P | RW);
	invlpg(va);
	f = probe_wr(va + 8, 0x41);
	EXPECT_OK("R/W set + INVLPG: write", f);
	CHECK("R/W set + INVLPG: memory", rd32(FRAME(400) + 8), 0x41);
	set_pte(pte_at(root, va, 1), FRAME(400) | P | A | D);
	invlpg(va);
	f = probe_wr(va + 8, 0x51);
	EXPECT_PF("R/W cleared + INVLPG: write", f, PF_P | PF_W, va + 8);
	CHECK("R/W cleared + INVLPG: memory", rd32(FRAME(400) + 8), 0x41);
}

static void t_nx(void)
{
	ulong x, nx, nx2, nx3;
	pte_t *pde;
	u32 v;
	int f;

#if !HAS_NX
	GSKIP("32-bit paging has no execute-disable bit");
	(void)x; (void)nx; (void)nx2; (void)nx3; (void)pde; (void)v; (void)f;
#else
	if (!cpu_nx)
		GSKIP("CPUID.80000001H:EDX.NX (bit 20) is not set in the guest");
	x = ret_page(410, VA_PERM(0), P | RW);
	nx = ret_page(411, VA_PERM(0) + 0x1000, P | RW | NXB);
	nx2 = ret_page(412, VA_PERM(1), P | RW);
	pde = pte_at(root, nx2, 2);
	set_pte(pde, *pde | NXB);
	nx3 = ret_page(413, VA_PERM(0) + 0x2000, P | RW);

	CHECK("nx: EFER.NXE is set", nxe(), 1);
	f = probe_x(x);
	EXPECT_OK("nx: fetch from an executable page", f);
	f = probe_x(nx);
	EXPECT_PF("nx: fetch from an NX PTE", f, PF_P | PF_ID, nx);
	CHECK("nx: fault rip is the target", pf_ip, nx);
	f = probe_rd(nx, &v);
	EXPECT_OK("nx: data read of an NX page", f);
	CHECK("nx: data read value", v & 0xff, 0xc3);
	f = probe_x(nx2);
	EXPECT_PF("nx: fetch under an NX PDE", f, PF_P | PF_ID, nx2);
	f = probe_x(nx3);
	EXPECT_OK("nx: fetch before setting NX", f);
	set_pte(pte_at(root, nx3, 1), *pte_at(root, nx3, 1) | NXB);
	invlpg(nx3);
	f = probe_x(nx3);
	EXPECT_PF("nx: fetch after NX set + INVLPG", f, PF_P | PF_ID, nx3);
#endif
}

/*
 * Translations made with EFER.NXE=1 through a PTE with XD and below a PDE
 * with XD, their tables in sync (not written since they were shadowed):
 * once NXE is cleared and the TLB flushed, XD is reserved and the reads
 * take #PF(P|RSVD) (SDM 4.5.4, 4.10.4.1).  A shadow MMU whose pages serve
 * both NXE settings must drop what NXE=1 made of XD.  kvm_intel ept=0
 * (MG_Q_STALE_NX) keeps it: recorded, not checked.
 */
#if HAS_NX
static void t_rsvd_nx_cleared(void)
{
	static const char * const what[2] = {
		"rsvd: PTE with XD read with EFER.NXE=1, then NXE=0 and a TLB flush",
		"rsvd: PDE with XD read with EFER.NXE=1, then NXE=0 and a TLB flush",
	};
	ulong va[2] = { VA_PERM(4) + 0x60, VA_PERM(5) + 0x68 };
	pte_t *e;
	u32 v;
	int f, i;

	map(root, va[0], FRAME(424), P | RW | NXB);
	map(root, va[1], FRAME(425), P | RW);
	e = pte_at(root, va[1], 2);
	set_pte(e, *e | NXB);
	write_cr3(root_cr3);
	for (i = 0; i < 2; i++) {
		f = probe_rd(va[i], &v);
		EXPECT_OK("rsvd: PTE or PDE with XD, EFER.NXE=1: read", f);
	}
	wrmsr(EFER, rdmsr(EFER) & ~EFER_NXE);
	write_cr3(root_cr3);
	for (i = 0; i < 2; i++) {
		f = probe_rd(va[i], &v);
		if (mb->quirks & MG_Q_STALE_NX) {
			INFO(what[i], f);
			continue;
		}
		CHECK(what[i], f, 1);
		CHECK("rsvd: NX bit, NXE cleared: error code", pf_err, PF_P | PF_RSVD);
		CHECK("rsvd: NX bit, NXE cleared: cr2", pf_cr2, va[i]);
	}
	wrmsr(EFER, rdmsr(EFER) | EFER_NXE);
	write_cr3(root_cr3);
	for (i = 0; i < 2; i++) {
		f = probe_rd(va[i], &v);
		EXPECT_OK("rsvd: PTE or PDE with XD, EFER.NXE=1 again: read", f);
	}
}
#endif

static void t_rsvd(void)
{
	ulong va = VA_PERM(0);
	u32 v;
	int f;

	if (!MG_PAE && MG_BITS == 32 && mb->mode != MG_MODE_PG32PSE)
		GSKIP("32-bit paging without CR4.PSE has no reserved bits");
#if !MG_PAE && MG_BITS == 32
	/* 4 MiB PDE with bit 21 set (reserved in every PSE-36 variant) */
	set_pte(pte_at(root, VA_LARGE, 2), MG_FRAMES_GPA | P | RW | PS | (1u << 21));
	f = probe_rd(VA_LARGE + 0x100, &v);
	EXPECT_PF("rsvd: 4 MiB PDE bit 21: read", f, PF_P | PF_RSVD, VA_LARGE + 0x100);
	f = probe_wr(VA_LARGE + 0x104, 1);
	EXPECT_PF("rsvd: 4 MiB PDE bit 21: write", f, PF_P | PF_W | PF_RSVD, VA_LARGE + 0x104);
	set_pte(pte_at(root, VA_LARGE, 2), MG_FRAMES_GPA | P | RW | PS);
	invlpg(VA_LARGE + 0x100);
	f = probe_rd(VA_LARGE + 0x100, &v);
	EXPECT_OK("rsvd: 4 MiB PDE without bit 21", f);
	(void)va;
#else
	{
		pte_t hi = (pte_t)1 << cpu_maxphy;
		pte_t *e;

		INFO("rsvd: guest MAXPHYADDR", cpu_maxphy);
		if (cpu_maxphy < 52) {
			map(root, va, FRAME(420) | hi, P | RW);
			f = probe_rd(va + 0x40, &v);
			EXPECT_PF("rsvd: PTE bit MAXPHYADDR: read", f, PF_P | PF_RSVD, va + 0x40);
			f = probe_wr(va + 0x44, 1);
			EXPECT_PF("rsvd: PTE bit MAXPHYADDR: write", f,
				  PF_P | PF_W | PF_RSVD, va + 0x44);
			set_pte(pte_at(root, va, 1), FRAME(420) | P | RW);
			invlpg(va);
			f = probe_rd(va + 0x40, &v);
			EXPECT_OK("rsvd: PTE with the bit cleared", f);

			map(root, VA_PERM(1), FRAME(421), P | RW);
			e = pte_at(root, VA_PERM(1), 2);
			set_pte(e, *e | hi);
			f = probe_rd(VA_PERM(1) + 0x48, &v);
			EXPECT_PF("rsvd: PDE (table) bit MAXPHYADDR: read", f,
				  PF_P | PF_RSVD, VA_PERM(1) + 0x48);
		}
		/* 2 MiB PDE with bit 13 set */
		map_large(root, VA_PERM(2), MG_FRAMES_GPA | (1u << 13), P | RW, 2);
		f = probe_rd(VA_PERM(2) + 0x50, &v);
		EXPECT_PF("rsvd: 2 MiB PDE bit 13: read", f, PF_P | PF_RSVD, VA_PERM(2) + 0x50);
		/* NX bit with EFER.NXE=0 is reserved */
		if (cpu_nx) {
			map(root, VA_PERM(3), FRAME(422), P | RW | NXB);
			wrmsr(EFER, rdmsr(EFER) & ~EFER_NXE);
			f = probe_rd(VA_PERM(3) + 0x58, &v);
			EXPECT_PF("rsvd: NX bit with EFER.NXE=0: read", f, PF_P | PF_RSVD,
				  VA_PERM(3) + 0x58);
			wrmsr(EFER, rdmsr(EFER) | EFER_NXE);
			f = probe_rd(VA_PERM(3) + 0x58, &v);
			EXPECT_OK("rsvd: NX bit with EFER.NXE=1: read", f);
			t_rsvd_nx_cleared();
		}
#if MG_BITS == 64
		/* PS in a PML4E is reserved */
		map(root, 0x680000000000ul, FRAME(423), P | RW);
		e = &root[idx(0x680000000000ul, 4)];
		set_pte(e, *e | PS);
		f = probe_rd(0x680000000000ul + 0x60, &v);
		EXPECT_PF("rsvd: PS in a PML4E: read", f, PF_P | PF_RSVD,
			  0x680000000000ul + 0x60);
		if (cpu_gig) {
			/* 1 GiB PDPTE with bit 13 set */
			map_large(root, 0x690000000000ul, MG_GIG_GPA | (1u << 13), P | RW, 3);
			f = probe_rd(0x690000000000ul + 0x68, &v);
			EXPECT_PF("rsvd: 1 GiB PDPTE bit 13: read", f, PF_P | PF_RSVD,
				  0x690000000000ul + 0x68);
		}
#endif
	}
#endif
}

static void t_smep(void)
{
	ulong ux, sx;
	u32 v;
	int f;

	if (!cpu_smep)
		GSKIP("CPUID.7.0:EBX.SMEP (bit 7) is not set in the guest");
	ux = ret_page(430, VA_PERM(0), P | RW | US);
	sx = ret_page(431, VA_PERM(0) + 0x1000, P | RW);
	f = probe_x(ux);
	EXPECT_OK("smep=0: supervisor fetch from a user page", f);
	write_cr4(read_cr4() | CR4_SMEP);
	CHECK("smep: CR4.SMEP sticks", !!(read_cr4() & CR4_SMEP), 1);
	f = probe_x(ux);
	EXPECT_PF("smep=1: supervisor fetch from a user page", f, PF_P | PF_ID, ux);
	CHECK("smep=1: fault rip", pf_ip, ux);
	f = probe_x(sx);
	EXPECT_OK("smep=1: supervisor fetch from a supervisor page", f);
	f = probe_rd(ux, &v);
	EXPECT_OK("smep=1: supervisor read of a user page", f);
	CHECK("smep=1: read value", v & 0xff, 0xc3);
	write_cr4(read_cr4() & ~CR4_SMEP);
	f = probe_x(ux);
	EXPECT_OK("smep=0 again: supervisor fetch from a user page", f);
}

static void t_smap(void)
{
	ulong u = VA_PERM(0), s = VA_PERM(0) + 0x1000;
	u32 v;
	int f;

	if (!cpu_smap)
		GSKIP("CPUID.7.0:EBX.SMAP (bit 20) is not set in the guest");
	wr32(FRAME(440), 0x5a5a0001);
	wr32(FRAME(441), 0x5a5a0002);
	map(root, u, FRAME(440), P | RW | US);
	map(root, s, FRAME(441), P | RW);
	f = probe_rd(u, &v);
	EXPECT_OK("smap=0: supervisor read of a user page", f);
	write_cr4(read_cr4() | CR4_SMAP);
	CHECK("smap: CR4.SMAP sticks", !!(read_cr4() & CR4_SMAP), 1);
	clac();
	f = probe_rd(u, &v);
	EXPECT_PF("smap=1 ac=0: supervisor read of a user page", f, PF_P, u);
	f = probe_wr(u + 4, 7);
	EXPECT_PF("smap=1 ac=0: supervisor write of a user page", f, PF_P | PF_W, u + 4);
	f = probe_rd(s, &v);
	EXPECT_OK("smap=1 ac=0: supervisor read of a supervisor page", f);
	CHECK("smap=1: supervisor page value", v, 0x5a5a0002);
	stac();
	f = probe_rd(u, &v);
	EXPECT_OK("smap=1 ac=1: supervisor read of a user page", f);
	CHECK("smap=1 ac=1: value", v, 0x5a5a0001);
	f = probe_wr(u + 4, 8);
	EXPECT_OK("smap=1 ac=1: supervisor write of a user page", f);
	clac();
	CHECK("smap=1 ac=1: write reached memory", rd32(FRAME(440) + 4), 8);
	f = probe_rd(u, &v);
	EXPECT_PF("smap=1 after clac: supervisor read of a user page", f, PF_P, u);
	write_cr4(read_cr4() & ~CR4_SMAP);
	f = probe_rd(u, &v);
	EXPECT_OK("smap=0 again: supervisor read of a user page", f);
}

/*
 * CR0.WP=0 with SMEP and SMAP (KVM's smep_andnot_wp and smap_andnot_wp
 * roles): a supervisor write to a read-only user page is allowed, and the
 * page is still a user page for SMEP and SMAP afterwards, whether they
 * were set at the write or only later.
 */
static void t_wp0(void)
{
	ulong ux = VA_PERM(0), u2 = VA_PERM(0) + 0x1000,
	      u3 = VA_PERM(0) + 0x2000;
	u32 v;
	int f;

	if (!cpu_smep || !cpu_smap)
		GSKIP("CPUID.7.0:EBX.SMEP/SMAP (bits 7, 20) not set in the guest");
	ret_page(450, ux, P | US);		/* read-only user page */
	write_cr4(read_cr4() | CR4_SMEP);
	write_cr0(read_cr0() & ~CR0_WP);
	f = probe_wr(ux + 8, 0x61);
	EXPECT_OK("wp=0 smep=1: supervisor write to a read-only user page", f);
	CHECK("wp=0 smep=1: write reached memory", rd32(FRAME(450) + 8), 0x61);
	f = probe_x(ux);
	EXPECT_PF("wp=0 smep=1: supervisor fetch from the written user page", f,
		  PF_P | PF_ID, ux);
	f = probe_rd(ux, &v);
	EXPECT_OK("wp=0 smep=1: supervisor read of the written user page", f);
	CHECK("wp=0 smep=1: read value", v & 0xff, 0xc3);
	write_cr4(read_cr4() & ~CR4_SMEP);

	ret_page(451, u2, P | US);
	f = probe_wr(u2 + 8, 0x62);
	EXPECT_OK("wp=0 smep=0: supervisor write to a read-only user page", f);
	f = probe_x(u2);
	EXPECT_OK("wp=0 smep=0: supervisor fetch from the written user page", f);
	write_cr4(read_cr4() | CR4_SMEP);
	f = probe_x(u2);
	EXPECT_PF("wp=0, smep set after the write: supervisor fetch", f,
		  PF_P | PF_ID, u2);
	write_cr4(read_cr4() & ~CR4_SMEP);

	wr32(FRAME(452), 0x5a5a0003);
	map(root, u3, FRAME(452), P | US);
	clac();
	f = probe_wr(u3 + 4, 0x63);
	EXPECT_OK("wp=0 smap=0: supervisor write to a read-only user page", f);
	write_cr4(read_cr4() | CR4_SMAP);
	f = probe_rd(u3, &v);
	EXPECT_PF("wp=0, smap set after the write: supervisor read", f, PF_P, u3);
	f = probe_wr(u3 + 4, 0x64);
	EXPECT_PF("wp=0, smap set after the write: supervisor write", f,
		  PF_P | PF_W, u3 + 4);
	stac();
	f = probe_rd(u3, &v);
	EXPECT_OK("wp=0 smap=1 ac=1: supervisor read", f);
	CHECK("wp=0 smap=1 ac=1: value", v, 0x5a5a0003);
	clac();
	write_cr4(read_cr4() & ~CR4_SMAP);
	CHECK("wp=0: the faulting write did not reach memory",
	      rd32(FRAME(452) + 4), 0x63);

	write_cr0(read_cr0() | CR0_WP);
	f = probe_wr(ux + 8, 0x65);
	EXPECT_PF("wp=1 again: supervisor write to the read-only user page", f,
		  PF_P | PF_W, ux + 8);
}

/* A in every level's entry for va (PAE PDPTEs have none), D per want. */
static void check_ad(const char *what_a, const char *what_d, ulong va,
		     int leaf, u32 want_d)
{
	int l;

	for (l = LEVELS; l >= leaf; l--) {
		pte_t e = *pte_at(root, va, l);

		if (MG_PAE && l == 3)
			continue;
		CHECKA(what_a, !!(e & A), 1, l);
		if (l > leaf)
			CHECKA("a/d: D stays clear in a non-leaf entry", !!(e & D), 0, l);
	}
	CHECKA(what_d, !!(*pte_at(root, va, leaf) & D), want_d, leaf);
}

static void t_ad_bits(void)
{
	ulong va = VA_AD, va2 = VA_AD + 0x1000, vl = VA_AD_LARGE;
	pte_t *e;
	u32 v;

	wr32(FRAME(500), 0xad0001);
	map(root, va, FRAME(500), P | RW);
	map(root, va2, FRAME(501), P | RW);
	e = pte_at(root, va, 1);
	CHECK("a/d: fresh leaf has A=0", !!(*e & A), 0);
	v = rd32(va);
	CHECK("a/d: read value", v, 0xad0001);
	check_ad("a/d: A set after a read", "a/d: D clear after a read", va, 1, 0);
	wr32(va + 4, 1);
	check_ad("a/d: A set after a write", "a/d: D set after a write", va, 1, 1);
	/* a write as the first access sets both */
	wr32(va2, 2);
	check_ad("a/d: A set after a first write", "a/d: D set after a first write",
		 va2, 1, 1);
	/* clear A and D + INVLPG: a read sets A again, not D */
	set_pte(e, *e & ~(A | D));
	invlpg(va);
	v = rd32(va);
	check_ad("a/d: A set again after INVLPG and a read",
		 "a/d: D clear after INVLPG and a read", va, 1, 0);
	wr32(va + 8, 3);
	check_ad("a/d: A after INVLPG and a write", "a/d: D set after INVLPG and a write",
		 va, 1, 1);
	/* a large page: A and D in the PDE */
	if (MG_BITS == 32 && !MG_PAE && mb->mode != MG_MODE_PG32PSE)
		return;
	map_large(root, vl, MG_FRAMES_GPA, P | RW, 2);
	v = rd32(vl + 0x1230);
	check_ad("a/d: large page: A after a read", "a/d: large page: D clear after a read",
		 vl, 2, 0);
	wr32(vl + 0x1234, 4);
	check_ad("a/d: large page: A after a write", "a/d: large page: D set after a write",
		 vl, 2, 1);
}

static ulong sw_cr3[MG_NR_AS];

/* A copy of @top whose tables along @va's path are private to it. */
static pte_t *clone_path(pte_t *top, ulong va)
{
	pte_t *n = pool_alloc(), *t = n;
	int l;

	memcpy(n, top, 4096);
	for (l = LEVELS; l > 1; l--) {
		pte_t *e = &t[idx(va, l)], *c;

		c = pool_alloc();
		memcpy(c, table(*e), 4096);
		set_pte(e, (pte_t)(ulong)c | (*e & ~(pte_t)ADDR_MASK & ~(A | D)));
		t = c;
	}
	return n;
}

static u32 sw_round(u32 r)
{
	u32 bad = 0, k, v;

	for (k = 0; k < MG_NR_AS; k++) {
		write_cr3(sw_cr3[k]);
		v = rd32(VA_SW);
		wr32(VA_SW + 4, r);
		if (v != (0x5a5a0000u | k) && bad++ < 4)
			CHECKA("cr3 switch: marker of the address space", v, 0x5a5a0000u | k, k);
	}
	return bad;
}

static void t_cr3_switch(void)
{
	u32 k, r, bad = 0;

	map(root, VA_SW, FRAME(519), P | RW);	/* shared path, private leaf */
	for (k = 0; k < MG_NR_AS; k++) {
		pte_t *t = clone_path(root, VA_SW);

		wr32(FRAME(520 + k), 0x5a5a0000u | k);
		map(t, VA_SW, FRAME(520 + k), P | RW);
		sw_cr3[k] = (ulong)t;
	}
	for (r = 0; r < MG_SWITCH_ROUNDS; r++)
		bad += sw_round(r);
	outl(MG_PORT_SYNC, MG_SYNC_ROUND2_START);
	for (r = 0; r < MG_SWITCH_ROUNDS; r++)
		bad += sw_round(1000 + r);
	outl(MG_PORT_SYNC, MG_SYNC_ROUND2_END);
	write_cr3(root_cr3);
	CHECK("cr3 switch: wrong markers", bad, 0);
	for (k = 0; k < MG_NR_AS; k++)
		CHECKA("cr3 switch: last write in each frame", rd32(FRAME(520 + k) + 4),
		       1000 + MG_SWITCH_ROUNDS - 1, k);
	CHECK("cr3 switch: frame of the original root untouched", rd32(FRAME(519) + 4), 0);
	INFO("cr3 switch: switches per round", MG_SWITCH_ROUNDS * MG_NR_AS);
}

/* ring 3 */
static u32 user_vals[8], nuser, user_pf_err[4], nupf;
static ulong user_pf_cr2[4];

static int user_pf(struct frame *f, ulong cr2)
{
	if (!(f->cs & 3))
		return 0;
	if (nupf < 4) {
		user_pf_err[nupf] = f->err;
		user_pf_cr2[nupf] = cr2;
	}
	nupf++;
	if ((cr2 & ~0xffful) == VA_USER + 0x2000 && !(f->err & PF_P)) {
		map(root, VA_USER + 0x2000, FRAME(602), P | RW | US);
		return 1;
	}
	if ((cr2 & ~0xffful) == VA_USER + 0x3000 && !(f->err & PF_P)) {
		map(root, VA_USER + 0x3000, FRAME(603), P | RW | US);
		return 1;
	}
	if (cr2 == VA_SUPER + 0x20 || cr2 == VA_USER + 0x4000) {
		f->ip += 2;		/* skip the 2-byte mov */
		return 1;
	}
	return 0;
}

static void user_sys(struct frame *f)
{
	outl(MG_PORT_SYSCALL, (u32)f->ax);
	if ((u32)f->ax == MG_SYS_REPORT) {
		if (nuser < 8)
			user_vals[nuser] = (u32)f->cx;
		nuser++;
		return;
	}
	CHECK("user: exit from CPL 3", f->cs & 3, 3);
	CHECK("user: syscalls before exit", nuser, 6);
	CHECK("user: read of a user page", user_vals[0], 0x600d0001);
	CHECK("user: write+read of a user page", user_vals[1], 0x12345678);
	CHECK("user: demand-mapped read", user_vals[2], 0x600d0002);
	CHECK("user: demand-mapped write+read", user_vals[3], 0x77665544);
	CHECK("user: read of a supervisor page was skipped", user_vals[4], 0xdead);
	CHECK("user: read-only page unchanged", user_vals[5], 0x600d0004);
	CHECK("user: page faults from CPL 3", nupf, 4);
	CHECK("user: demand read fault: error code", user_pf_err[0], PF_U);
	CHECK("user: demand read fault: cr2", user_pf_cr2[0], VA_USER + 0x2010);
	CHECK("user: demand write fault: error code", user_pf_err[1], PF_U | PF_W);
	CHECK("user: demand write fault: cr2", user_pf_cr2[1], VA_USER + 0x3008);
	CHECK("user: supervisor page: error code", user_pf_err[2], PF_U | PF_P);
	CHECK("user: supervisor page: cr2", user_pf_cr2[2], VA_SUPER + 0x20);
	CHECK("user: read-only page: error code", user_pf_err[3], PF_U | PF_W | PF_P);
	CHECK("user: read-only page: cr2", user_pf_cr2[3], VA_USER + 0x4000);
	CHECK("user: demand write reached the frame", rd32(FRAME(603) + 8), 0x77665544);
	CHECK("user: supervisor page unchanged", rd32(FRAME(604) + 0x20), 0x5e5e);
	done();
}

static void t_user(void)
{
	ulong n = (ulong)(user_prog_end - user_prog);

	memcpy((void *)FRAME(600), user_prog, n);
	wr32(FRAME(601), 0x600d0001);
	wr32(FRAME(602) + 0x10, 0x600d0002);
	wr32(FRAME(604) + 0x20, 0x5e5e);
	wr32(FRAME(605), 0x600d0004);
	map(root, VA_USER, FRAME(600), P | US);			/* code, RO */
	map(root, VA_USER + 0x1000, FRAME(601), P | RW | US);	/* data */
	map(root, VA_USER + 0x2000, 0, 0);			/* demand */
	map(root, VA_USER + 0x3000, 0, 0);			/* demand */
	map(root, VA_USER + 0x4000, FRAME(605), P | US);		/* RO data */
	map(root, VA_USER + 0x5000, FRAME(606), P | RW | US);	/* stack */
	map(root, VA_SUPER, FRAME(604), P | RW);			/* kernel */
	pf_hook = user_pf;
	syscall_hook = user_sys;
	mb->phase = MG_PHASE_USER;
#if MG_BITS == 64
	asm volatile("pushq %0; pushq %1; pushq $2; pushq %2; pushq %3; iretq"
		     : : "i"(SEL_UDATA | 3), "r"((ulong)VA_USER + 0x6000),
		       "i"(SEL_UCODE64 | 3), "r"((ulong)VA_USER) : "memory");
#else
	asm volatile("movw %w0, %%ds; movw %w0, %%es;"
		     "pushl %0; pushl %1; pushl $2; pushl %2; pushl %3; iretl"
		     : : "r"(SEL_UDATA | 3), "r"((ulong)VA_USER + 0x6000),
		       "i"(SEL_UCODE32 | 3), "r"((ulong)VA_USER) : "memory");
#endif
	CHECK("user: returned from iret", 1, 0);
}

/* Reads and writes at offsets inside a large page (va -> pa). */
static void large_rw(const char *what, ulong va, ulong pa_ident, ulong size)
{
	static const ulong offs[] = { 0, 0x1000, 0x12344, 0x1ffffc, 0x200000,
				      0x2ab0f0, 0x3ffffc };
	u32 i, v, bad = 0;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ulong o = offs[i];

		if (o >= size)
			continue;
		wr32(va + o, 0x1a000000u | (u32)o);
		if (pa_ident) {
			v = rd32(pa_ident + o);
			if (v != (0x1a000000u | (u32)o) && bad++ < 4)
				CHECKA(what, v, 0x1a000000u | (u32)o, o);
			wr32(pa_ident + o + 4 - (o & 4 ? 8 : 0), 0x2b000000u | (u32)o);
			v = rd32(va + o + 4 - (o & 4 ? 8 : 0));
			if (v != (0x2b000000u | (u32)o) && bad++ < 4)
				CHECKA(what, v, 0x2b000000u | (u32)o, o);
		} else {
			v = rd32(va + o);
			if (v != (0x1a000000u | (u32)o) && bad++ < 4)
				CHECKA(what, v, 0x1a000000u | (u32)o, o);
		}
	}
	CHECK(what, bad, 0);
}

static void t_large(void)
{
	u32 v, j;
	int f;

#if !MG_PAE && MG_BITS == 32
	if (mb->mode != MG_MODE_PG32PSE) {
		/* CR4.PSE=0: PS is ignored, the PDE points to a page table */
		for (j = 0; j < 4; j++) {
			wr32(FRAME(700 + j), 0x7e000000 | j);
			wr32(MG_FRAMES_GPA + j * 4, FRAME(700 + j) | P | RW);
		}
		set_pte(pte_at(root, VA_LARGE, 2), MG_FRAMES_GPA | P | RW | PS);
		for (j = 0; j < 4; j++)
			CHECKA("large: PSE=0: PDE with PS maps through a page table",
			       rd32(VA_LARGE + j * 4096), 0x7e000000 | j, j);
		f = probe_rd(VA_LARGE + 0x123000, &v);
		EXPECT_PF("large: PSE=0: entry 0x123 of that table is not present",
			  f, 0, VA_LARGE + 0x123000);
		return;
	}
#endif
	(void)f; (void)j;
	map_large(root, VA_LARGE, MG_FRAMES_GPA, P | RW, 2);
	if (LARGE_SIZE == 0x400000) {
		large_rw("large: 4 MiB page", VA_LARGE, MG_FRAMES_GPA, LARGE_SIZE);
	} else {
		map_large(root, VA_LARGE + LARGE_SIZE, MG_FRAMES_GPA + LARGE_SIZE, P | RW, 2);
		large_rw("large: 2 MiB page", VA_LARGE, MG_FRAMES_GPA, LARGE_SIZE);
		large_rw("large: second 2 MiB page", VA_LARGE + LARGE_SIZE,
			 MG_FRAMES_GPA + LARGE_SIZE, LARGE_SIZE);
		/* one 2 MiB page split in two aliased halves: offset 0x1ffffc */
		v = rd32(VA_LARGE + 0x1ffffc);
		CHECK("large: last dword of the 2 MiB page", v, 0x1a1ffffc);
	}
}

static void t_gig(void)
{
#if MG_BITS == 64
	static const ulong offs[] = { 0, 0x1238, 0x1ff000, 0x1ffffc,
				      0x3fe00000, 0x3fe12344, 0x3ffffffc };
	u32 i, v, bad = 0;

	if (!cpu_gig)
		GSKIP("CPUID.80000001H:EDX.Page1GB (bit 26) is not set in the guest");
	map_large(root, VA_GIG, MG_GIG_GPA, P | RW, 3);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		wr32(VA_GIG + offs[i], 0x16000000u | (u32)i);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		v = rd32(VA_GIG + offs[i]);
		if (v != (0x16000000u | i) && bad++ < 4)
			CHECKA("gig: read back in the 1 GiB page", v, 0x16000000u | i, offs[i]);
	}
	CHECK("gig: mismatches", bad, 0);
	check_ad("gig: A after access", "gig: D after write", VA_GIG, 3, 1);
#else
	GSKIP("1 GiB pages exist only in 4-level paging");
#endif
}

static void t_mmio(void)
{
	u32 v;
	u8 b;

	map(root, VA_MMIO, MG_MMIO_GPA, P | RW);
	map(root, VA_MMIO + 0x1000, MG_MMIO_GPA + 0x1000, P | RW);
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(VA_MMIO + MG_MMIO_RD_OFF) : "memory");
	CHECK("mmio: 4-byte read", v, MG_MMIO_RD_VAL);
	asm volatile("movl %0, (%1)" : : "r"(MG_MMIO_WR_VAL), "r"(VA_MMIO + MG_MMIO_WR_OFF)
		     : "memory");
	asm volatile("movb (%1), %0" : "=q"(b) : "r"(VA_MMIO + MG_MMIO_RD8_OFF) : "memory");
	CHECK("mmio: 1-byte read", b, MG_MMIO_RD8_VAL);
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(VA_MMIO + MG_MMIO_RD_OFF) : "memory");
	CHECK("mmio: repeated 4-byte read", v, MG_MMIO_RD_VAL + 1);
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(VA_MMIO + 0x1000 + MG_MMIO_RD_OFF)
		     : "memory");
	CHECK("mmio: read in the second page", v, MG_MMIO_RD_VAL + 2);
	outl(MG_PORT_SYNC, MG_SYNC_MMIO_DONE);
	/*
	 * The VMM has created a memslot at the second page: the same
	 * mapping now reaches RAM, with no MMIO exit (a hypervisor that
	 * kept its MMIO fast path for the GPA would still exit).
	 */
	v = rd32(VA_MMIO + 0x1000 + MG_MMIO_RD_OFF);
	CHECK("mmio: a memslot created at a former MMIO page is RAM", v, MG_MMIO_RAM_VAL);
	wr32(VA_MMIO + 0x1000 + MG_MMIO_WR_OFF, MG_MMIO_WR_VAL);
	CHECK("mmio: the new RAM page reads back a write",
	      rd32(VA_MMIO + 0x1000 + MG_MMIO_WR_OFF), MG_MMIO_WR_VAL);
}

/*
 * The VMM replaces, moves away and moves back the memory behind frames the
 * guest has just used (so their translations may be cached): each access
 * after a change must see the memory the VMM put there, with no flush by
 * the guest.
 */
static void t_slot(void)
{
	ulong va = FRAME(MG_SLOT_FRAME);
	u32 v = 0;
	int i;

	wr32(va, MG_SLOT_OLD_VAL);
	for (i = 0; i < 4; i++)
		v = rd32(va);
	CHECK("slot: marker before the VMM changes the slot", v, MG_SLOT_OLD_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_SLOT_SWAP);
	CHECK("slot: read after the VMM replaced the slot's memory", rd32(va),
	      MG_SLOT_NEW_VAL);
	wr32(va + 4, MG_SLOT_WR_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_SLOT_MOVE);
	CHECK("slot: read after the VMM moved the slot away (MMIO)", rd32(va + 8),
	      MG_SLOT_MMIO_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_SLOT_BACK);
	CHECK("slot: read after the VMM moved the slot back", rd32(va + 4),
	      MG_SLOT_WR_VAL);
}

#define CR0_CD		(1ul << 30)
#define CR4_MCE		(1ul << 6)
#define CR4_PCIDE	(1ul << 17)
#define VA_PCID		0x31000000ul

/*
 * PCIDs (SDM 4.10.1, 4.10.4.1): CR4.PCIDE is set only with PCID 0 in CR3;
 * CR3[11:0] is the PCID and reads back; bit 63 of a MOV to CR3 is not
 * stored and keeps the TLB (a changed PTE may still show the old frame),
 * a MOV to CR3 without it flushes (the new frame, always).
 */
static void t_pcid(void)
{
#if MG_BITS == 64
	ulong cr4 = read_cr4(), va;
	u32 i, v, old = 0, new = 0, other = 0, bad = 0;
	pte_t *e;
	int f;

	if (!cpu_pcid)
		GSKIP("CPUID.1:ECX.PCID (bit 17) is not set in the guest");
	write_cr3(root_cr3 | 3);	/* PWT, and a bit PCIDE=0 ignores */
	f = probe_cr4(cr4 | CR4_PCIDE);
	CHECK("pcid: setting CR4.PCIDE with CR3[11:0] != 0: #GP", f, 1);
	CHECK("pcid: CR4.PCIDE still clear", !!(read_cr4() & CR4_PCIDE), 0);
	write_cr3(root_cr3);
	f = probe_cr4(cr4 | CR4_PCIDE);
	CHECK("pcid: setting CR4.PCIDE with PCID 0", f, 0);
	CHECK("pcid: CR4.PCIDE sticks", !!(read_cr4() & CR4_PCIDE), 1);
	f = probe_cr3(root_cr3 | 5);
	CHECK("pcid: mov cr3 with PCID 5", f, 0);
	CHECK("pcid: CR3 reads back PCID 5", read_cr3(), root_cr3 | 5);
	f = probe_cr3(root_cr3 | 6 | (1ul << 63));
	CHECK("pcid: mov cr3 with bit 63 set", f, 0);
	CHECK("pcid: CR3 reads back PCID 6, bit 63 not stored", read_cr3(),
	      root_cr3 | 6);
	for (i = 0; i < 16; i++) {
		wr32(FRAME(340 + i), M1(i));
		wr32(FRAME(360 + i), M2(i));
		map(root, VA_PCID + i * 4096ul, FRAME(340 + i), P | RW);
	}
	write_cr3(root_cr3 | 6);	/* flush: the new mappings */
	for (i = 0; i < 16; i++)
		if (rd32(VA_PCID + i * 4096ul) != M1(i) && bad++ < 4)
			CHECKA("pcid: first mapping", rd32(VA_PCID + i * 4096ul), M1(i), i);
	/* change the PTEs, then MOV to CR3 keeping the TLB: old or new */
	for (i = 0; i < 16; i++) {
		e = pte_at(root, VA_PCID + i * 4096ul, 1);
		set_pte(e, FRAME(360 + i) | P | RW);
	}
	write_cr3(root_cr3 | 6 | (1ul << 63));
	for (i = 0; i < 16; i++) {
		v = rd32(VA_PCID + i * 4096ul);
		if (v == M1(i))
			old++;
		else if (v == M2(i))
			new++;
		else if (other++ < 4)
			CHECKA("pcid: read after a no-flush CR3 load is neither frame", v, M2(i), i);
	}
	CHECK("pcid: reads after a no-flush CR3 load that were neither frame", other, 0);
	INFO("pcid: reads after a no-flush CR3 load that saw the old frame", old);
	INFO("pcid: reads after a no-flush CR3 load that saw the new frame", new);
	/* a flushing MOV to CR3: the new frames */
	write_cr3(root_cr3 | 6);
	for (i = 0; i < 16; i++) {
		va = VA_PCID + i * 4096ul;
		if (rd32(va) != M2(i) && bad++ < 4)
			CHECKA("pcid: new mapping after a flushing CR3 load", rd32(va), M2(i), i);
	}
	CHECK("pcid: mappings wrong after a flushing CR3 load", bad, 0);
	write_cr3(root_cr3);
	write_cr4(cr4);
	CHECK("pcid: CR4.PCIDE cleared again", !!(read_cr4() & CR4_PCIDE), 0);
#else
	GSKIP("PCIDs need 4-level paging (long mode)");
#endif
}
/*
 * Page-table writes by every instruction kind a kernel uses on its tables
 * (mov, xchg, cmpxchg, cmpxchg8b, cmpxchg16b, xor, sub, btr/bts), each on
 * the PDE of a window of 8 pages: the PDE alternates between two page
 * tables whose pages hold different markers, and after each write (and
 * INVLPG) every page must show the markers of the table the PDE now names.
 * A PD is shadowed at level 2 and never goes unsync, so under shadow
 * paging every one of these writes is emulated by the hypervisor; six
 * writes in a row at the end, with no use between them, are a flood.
 */
#define VA_PTW		0x50000000ul	/* PDE index even in every mode */
#define PTW_N		8
#define PTW_A(i)	(0x7a000000u | (i))
#define PTW_B(i)	(0x7b000000u | (i))

static u32 ptw_check(const char *what, int b)
{
	u32 i, v, want, bad = 0;

	for (i = 0; i < PTW_N; i++) {
		invlpg(VA_PTW + i * 4096ul);
		v = rd32(VA_PTW + i * 4096ul);
		want = b ? PTW_B(i) : PTW_A(i);
		if (v != want && bad++ < 2)
			CHECKA(what, v, want, i);
	}
	return bad;
}

#define VA_PTS		0x52000000ul	/* its PT maps itself at VA_PTS */
#define VA_PTR		0x52800000ul	/* its PT is reused: cleared */

/* rep stosl of @n dwords of @v at @va (DF=0) */
static inline void stosl(ulong va, u32 v, ulong n)
{
	asm volatile("cld; rep stosl" : "+D"(va), "+c"(n) : "a"(v) : "memory");
}

/*
 * String stores into page tables: a table being reused, cleared with rep
 * stos while it still maps pages the guest used (the hypervisor may stop
 * shadowing it and let the store run); and a table that maps itself,
 * written through that mapping (stopping the shadowing and retrying cannot
 * make progress: the retry's own translation shadows the table again).
 */
static void ptw_string(void)
{
	pte_t *ptr = pte_at(root, VA_PTR, 1), *pts = pte_at(root, VA_PTS, 1);
	ulong i, half = 4096 / 2 / 4, self = idx(VA_PTS, 1);	/* < half */
	u32 v, bad = 0;

	ptr = (pte_t *)((ulong)ptr & ~4095ul);

	for (i = 0; i < PTW_N; i++) {
		wr32(FRAME(840 + i), PTW_A(i));
		set_pte(&ptr[i], FRAME(840 + i) | P | RW);
	}
	for (i = 0; i < PTW_N; i++)
		bad += rd32(VA_PTR + i * 4096ul) != PTW_A(i);
	CHECK("ptwrite: reused table: reads before the clear", bad, 0);
	stosl((ulong)ptr, 0, 4096 / 4);
	for (i = 0, bad = 0; i < PTW_N; i++) {
		invlpg(VA_PTR + i * 4096ul);
		bad += !probe_rd(VA_PTR + i * 4096ul, &v);
	}
	CHECK("ptwrite: reused table: cleared by rep stos, every page faults",
	      bad, 0);

	pts = (pte_t *)((ulong)pts & ~4095ul);
	for (i = 0; i < 4096 / 4; i++)		/* P=0 in every format */
		((volatile u32 *)pts)[i] = 0x5a5a5a5a;
	set_pte(&pts[self], (pte_t)(ulong)pts | P | RW);
	invlpg(VA_PTS);
	CHECK("ptwrite: self-mapped table: read through itself",
	      rd32(VA_PTS + self * sizeof(pte_t)) & ~(u32)(A | D),
	      (u32)(ulong)pts | P | RW);
	stosl(VA_PTS + 2048, 0x24242424, half);
	for (i = 0, bad = 0; i < 4096 / 4; i++)	/* its own entry aside */
		bad += i / (sizeof(pte_t) / 4) != self &&
		       ((volatile u32 *)pts)[i] !=
		       (i >= half ? 0x24242424 : 0x5a5a5a5a);
	CHECK("ptwrite: self-mapped table: rep stos through itself", bad, 0);
	CHECK("ptwrite: self-mapped table: its own entry kept (A, D aside)",
	      rd32(VA_PTS + self * sizeof(pte_t)) & ~(u32)(A | D),
	      (u32)(ulong)pts | P | RW);
}

static void t_ptwrite(void)
{
	pte_t *pta = pool_alloc(), *ptb = pool_alloc(), *pde;
	ulong ea, eb, v, x;
	u32 i, bad = 0, lo, hi;
	u8 zf;

	for (i = 0; i < PTW_N; i++) {
		wr32(FRAME(800 + i), PTW_A(i));
		wr32(FRAME(820 + i), PTW_B(i));
		set_pte(&pta[i], FRAME(800 + i) | P | RW);
		set_pte(&ptb[i], FRAME(820 + i) | P | RW);
	}
	pde = pte_at(root, VA_PTW, 2);
	/*
	 * A set: the CPU leaves the PDE as written.  (PAE: the high half
	 * stays 0, the ulong operations below use the low half.)
	 */
	ea = (ulong)pta | nonleaf_flags(2) | A;
	eb = (ulong)ptb | nonleaf_flags(2) | A;
	set_pte(pde, ea);
	bad += ptw_check("ptwrite: after mov", 0);

	v = eb;
	asm volatile("xchg %0, %1" : "+r"(v), "+m"(*(ulong *)pde) : : "memory");
	CHECK("ptwrite: xchg returns the old PDE", v, ea);
	bad += ptw_check("ptwrite: after xchg", 1);

	v = eb;
	asm volatile("lock cmpxchg %[n], %[m]" : "+a"(v), [m] "+m"(*(ulong *)pde),
		     "=@ccz"(zf) : [n] "r"(ea) : "memory");
	CHECK("ptwrite: cmpxchg succeeds (ZF)", zf, 1);
	bad += ptw_check("ptwrite: after cmpxchg", 0);

	v = eb;		/* stale: the PDE is ea */
	asm volatile("lock cmpxchg %[n], %[m]" : "+a"(v), [m] "+m"(*(ulong *)pde),
		     "=@ccz"(zf) : [n] "r"(eb) : "memory");
	CHECK("ptwrite: stale cmpxchg fails (ZF)", zf, 0);
	CHECK("ptwrite: stale cmpxchg loads the PDE", v, ea);
	bad += ptw_check("ptwrite: after a failed cmpxchg", 0);

	x = ea ^ eb;
	asm volatile("lock xor %1, %0" : "+m"(*(ulong *)pde) : "r"(x) : "memory");
	bad += ptw_check("ptwrite: after lock xor", 1);

	x = eb - ea;
	asm volatile("lock sub %1, %0" : "+m"(*(ulong *)pde) : "r"(x) : "memory");
	bad += ptw_check("ptwrite: after lock sub", 0);

	/* lock btr/bts of R/W, as Linux' ptep_set_wrprotect() clears it */
	asm volatile("lock btrl $1, %0" : "+m"(*(u32 *)pde) : : "memory");
	invlpg(VA_PTW);
	CHECK("ptwrite: write after btr R/W faults", probe_wr(VA_PTW, 0), 1);
	CHECK("ptwrite: write after btr R/W: error code", pf_err, PF_P | PF_W);
	asm volatile("lock btsl $1, %0" : "+m"(*(u32 *)pde) : : "memory");
	invlpg(VA_PTW);
	CHECK("ptwrite: write after bts R/W", probe_wr(VA_PTW, PTW_A(0)), 0);
	bad += ptw_check("ptwrite: after lock btr/bts", 0);

	/* cmpxchg8b: the 64-bit PDE, or (32-bit paging) the PDE pair */
	lo = (u32)((u64 *)pde)[0];
	hi = (u32)(((u64 *)pde)[0] >> 32);
	{
		u32 nlo = (u32)eb, nhi = hi;

		asm volatile("lock cmpxchg8b %[m]" : [m] "+m"(*(u64 *)pde),
			     "+a"(lo), "+d"(hi), "=@ccz"(zf)
			     : "b"(nlo), "c"(nhi) : "memory");
		CHECK("ptwrite: cmpxchg8b succeeds (ZF)", zf, 1);
		bad += ptw_check("ptwrite: after cmpxchg8b", 1);
		lo = (u32)ea;	/* stale */
		nlo = (u32)ea;
		asm volatile("lock cmpxchg8b %[m]" : [m] "+m"(*(u64 *)pde),
			     "+a"(lo), "+d"(hi), "=@ccz"(zf)
			     : "b"(nlo), "c"(nhi) : "memory");
		CHECK("ptwrite: stale cmpxchg8b fails (ZF)", zf, 0);
		CHECK("ptwrite: stale cmpxchg8b loads the PDE", lo, (u32)eb);
		bad += ptw_check("ptwrite: after a failed cmpxchg8b", 1);
	}
#if MG_BITS == 64
	/* cmpxchg16b: the aligned pair of PDEs */
	{
		u64 *pair = (u64 *)((ulong)pde & ~15ul), c0, c1;
		int h = pair != (u64 *)pde;

		c0 = pair[0];
		c1 = pair[1];
		{
			u64 n0 = h ? c0 : ea, n1 = h ? ea : c1;

			asm volatile("lock cmpxchg16b %[m]"
				     : [m] "+m"(*(u64 (*)[2])pair), "+a"(c0),
				       "+d"(c1), "=@ccz"(zf)
				     : "b"(n0), "c"(n1) : "memory");
			CHECK("ptwrite: cmpxchg16b succeeds (ZF)", zf, 1);
			bad += ptw_check("ptwrite: after cmpxchg16b", 0);
			c0 ^= 1;	/* stale */
			asm volatile("lock cmpxchg16b %[m]"
				     : [m] "+m"(*(u64 (*)[2])pair), "+a"(c0),
				       "+d"(c1), "=@ccz"(zf)
				     : "b"(c0), "c"(c1) : "memory");
			CHECK("ptwrite: stale cmpxchg16b fails (ZF)", zf, 0);
			CHECK("ptwrite: stale cmpxchg16b loads the PDE pair",
			      h ? c1 : c0, ea);
			bad += ptw_check("ptwrite: after a failed cmpxchg16b", 0);
		}
	}
#endif
	/*
	 * Six writes with no use in between: no longer a table, as far as
	 * the hypervisor can tell (its write-flood detection unshadows it).
	 */
	for (i = 0; i < 6; i++) {
		v = (i & 1) ? ea : eb;
		asm volatile("xchg %0, %1" : "+r"(v), "+m"(*(ulong *)pde) : : "memory");
	}
	bad += ptw_check("ptwrite: after 6 writes in a row", 0);
	CHECK("ptwrite: mismatching reads", bad, 0);
}

#define VA_PDPTE1	0x40400000ul	/* under PDPTE 1 */

/*
 * PAE: the PDPTE registers (SDM 4.4.1).  MOV to CR3, and MOV to CR0/CR4
 * changing CD/NW/PG or PAE/PSE/PGE/SMEP, load them and take #GP(0) if a
 * present PDPTE has a reserved bit set; other CR writes and INVLPG leave
 * them alone, whatever the PDPT in memory says now.
 */
static void t_pdpte(void)
{
#if MG_PAE
	pte_t *bad = pool_alloc(), *pd2 = pool_alloc(), *pt2 = pool_alloc();
	pte_t old1;
	ulong cr4 = read_cr4();
	int f;

	/* MOV to CR3 */
	memcpy(bad, root, 32);
	bad[1] |= RW;				/* bit 1: reserved */
	f = probe_cr3((ulong)bad);
	CHECK("pdpte: mov cr3, present PDPTE with bit 1 set: #GP", f, 1);
	CHECK("pdpte: mov cr3, present PDPTE with bit 1 set: error code", gp_err, 0);
	CHECK("pdpte: CR3 unchanged after the #GP", read_cr3(), root_cr3);
	memcpy(bad, root, 32);
	bad[2] |= 0x100;			/* bit 8: reserved */
	f = probe_cr3((ulong)bad);
	CHECK("pdpte: mov cr3, present PDPTE with bit 8 set: #GP", f, 1);
	if (cpu_maxphy < 52) {
		memcpy(bad, root, 32);
		bad[0] |= 1ull << cpu_maxphy;	/* above MAXPHYADDR */
		f = probe_cr3((ulong)bad);
		CHECK("pdpte: mov cr3, present PDPTE with an address bit above MAXPHYADDR: #GP",
		      f, 1);
	}
	memcpy(bad, root, 32);
	bad[3] = RW | 0x1e0 | FRAME(0);		/* not present: ignored */
	f = probe_cr3((ulong)bad);
	CHECK("pdpte: mov cr3, reserved bits in a not-present PDPTE: no #GP", f, 0);
	f = probe_cr3(root_cr3);
	CHECK("pdpte: mov cr3 back to the good PDPT", f, 0);
	wr32(FRAME(10), 0x7d7e0010);
	CHECK("pdpte: paging works after the #GPs", rd32(FRAME(10)), 0x7d7e0010);

	/* CR0/CR4 writes that load the PDPTEs from the current CR3 */
	root[3] = P | RW | FRAME(0);
	f = probe_cr4(cr4 ^ CR4_PSE);
	CHECK("pdpte: mov cr4 toggling PSE with a bad PDPTE in memory: #GP", f, 1);
	CHECK("pdpte: CR4 unchanged after the #GP", read_cr4(), cr4);
	f = probe_cr0(read_cr0() | CR0_CD);
	CHECK("pdpte: mov cr0 setting CD with a bad PDPTE in memory: #GP", f, 1);
	CHECK("pdpte: CR0.CD still clear after the #GP", read_cr0() & CR0_CD, 0);
	/* ... and one that does not: the registers stay as they were */
	f = probe_cr4(cr4 | CR4_MCE);
	CHECK("pdpte: mov cr4 setting MCE with a bad PDPTE in memory: no #GP", f, 0);
	CHECK("pdpte: memory access after setting CR4.MCE", rd32(FRAME(10)), 0x7d7e0010);
	write_cr4(cr4);
	root[3] = 0;

	/* A new PDPTE in memory is not used before the registers reload. */
	map(root, VA_PDPTE1, FRAME(601), P | RW);
	wr32(FRAME(601), 0x7d7e0601);
	wr32(FRAME(602), 0x7d7e0602);
	CHECK("pdpte: VA under PDPTE 1, first mapping", rd32(VA_PDPTE1), 0x7d7e0601);
	/* a copy of PDPTE 1's PD whose PT maps VA_PDPTE1 to FRAME(602) */
	memcpy(pd2, table(root[1]), 4096);
	memcpy(pt2, table(pd2[idx(VA_PDPTE1, 2)]), 4096);
	pt2[idx(VA_PDPTE1, 1)] = FRAME(602) | P | RW;
	pd2[idx(VA_PDPTE1, 2)] = (pte_t)(ulong)pt2 | P | RW | US;
	old1 = root[1];
	root[1] = (pte_t)(ulong)pd2 | P;
	write_cr4(cr4 | CR4_MCE);	/* exits; does not load PDPTEs */
	write_cr4(cr4);
	invlpg(VA_PDPTE1);
	CHECK("pdpte: after a PDPT change, CR4.MCE writes and INVLPG: the old PDPTE",
	      rd32(VA_PDPTE1), 0x7d7e0601);
	write_cr3(root_cr3);
	CHECK("pdpte: after mov cr3: the new PDPTE", rd32(VA_PDPTE1), 0x7d7e0602);
	root[1] = old1;
	write_cr3(root_cr3);
	CHECK("pdpte: back to the first PDPTE", rd32(VA_PDPTE1), 0x7d7e0601);
#else
	GSKIP("PDPTE registers exist only in PAE paging");
#endif
}

/*
 * The VMM replaces the memory behind a frame the guest has just used,
 * without a memslot change (munmap + mmap MAP_FIXED, MADV_DONTNEED, mremap
 * onto it): each access after the change must see the VMM's new memory,
 * as on KVM (MMU notifiers), with no flush by the guest.  The host checks
 * that the guest's writes after each change reach the new memory.
 */
static void t_hva(void)
{
	ulong va = FRAME(MG_HVA_FRAME);
	u32 v = 0;
	int i;

	wr32(va, MG_HVA_OLD_VAL);
	for (i = 0; i < 4; i++)
		v = rd32(va);
	CHECK("hva: marker before the VMM changes its memory", v, MG_HVA_OLD_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_HVA_REMAP);
	CHECK("hva: read after munmap + mmap(MAP_FIXED) of the frame", rd32(va),
	      MG_HVA_NEW_VAL);
	wr32(va + 4, MG_HVA_WR_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_HVA_DONTNEED);
	CHECK("hva: read after MADV_DONTNEED (a zero page)", rd32(va), 0);
	CHECK("hva: the write before MADV_DONTNEED is gone", rd32(va + 4), 0);
	wr32(va + 8, MG_HVA_WR_VAL);
	outl(MG_PORT_SYNC, MG_SYNC_HVA_MREMAP);
	CHECK("hva: read after mremap() of another page onto the frame",
	      rd32(va), MG_HVA_MREMAP_VAL);
	wr32(va + 12, MG_HVA_WR_VAL);
}

/*
 * String I/O from ring 3 with IOPL 3 (the I/O exit comes before the CPU
 * checks the memory operand, so only the hypervisor can check it): rep
 * insb into a writable user page, a read-only user page, a supervisor page
 * and an unmapped page, rep outsb from a supervisor page and a user page.
 * Each fault must be the #PF the CPU (and KVM's emulator) gives, with RCX
 * and RDI/RSI unchanged and the memory untouched; the successful ones set
 * A (and D for ins) in the PTE.  Each faulting rep ins/outs is 2 bytes:
 * the kernel skips it.
 */
__asm__(
"	.text\n"
"	.balign 16\n"
"	.globl strio_prog, strio_prog_end\n"
"strio_prog:\n"
"	movl $" STR(MG_PORT_STRIO) ", %edx\n"
"	movl $" STR(VA_USER) " + 0x1000, %edi\n"	/* writable user page */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep insb\n"
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $" STR(VA_USER) " + 0x4000, %edi\n"	/* read-only user page */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep insb\n"
"	movl $" STR(VA_SUPER) " + 0x20, %edi\n"		/* supervisor page */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep insb\n"
"	movl $" STR(VA_USER) " + 0x7010, %edi\n"	/* not present */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep insb\n"
"	movl $" STR(VA_SUPER) " + 0x40, %esi\n"		/* supervisor page */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep outsb\n"
"	movl $" STR(VA_USER) " + 0x2000, %esi\n"	/* read-only user page */
"	movl $" STR(MG_STRIO_LEN) ", %ecx\n"
"	rep outsb\n"
"	movl $1, %eax\n"
"	int $0x80\n"
"	movl $2, %eax\n"
"	int $0x80\n"
"4:	jmp 4b\n"
"strio_prog_end:\n"
);

extern const char strio_prog[], strio_prog_end[];

#define NSTRIO_PF	4
static u32 sio_err[NSTRIO_PF], sio_cx[NSTRIO_PF], sio_nrep, sio_rep[2];
static ulong sio_cr2[NSTRIO_PF], sio_ptr[NSTRIO_PF];
static u32 sio_npf;

static int strio_pf(struct frame *f, ulong cr2)
{
	if (!(f->cs & 3))
		return 0;
	if (sio_npf < NSTRIO_PF) {
		sio_err[sio_npf] = f->err;
		sio_cr2[sio_npf] = cr2;
		sio_cx[sio_npf] = (u32)f->cx;
		/* rep outsb (f3 6e) uses RSI, rep insb (f3 6c) RDI */
		sio_ptr[sio_npf] = *(u8 *)(f->ip + 1) == 0x6e ? f->si : f->di;
	}
	sio_npf++;
	f->ip += 2;
	return 1;
}

static int bytes_are(ulong va, u8 val, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (((u8 *)va)[i] != val)
			return 0;
	return 1;
}

static void strio_sys(struct frame *f)
{
	pte_t e;

	if ((u32)f->ax == MG_SYS_REPORT) {
		if (sio_nrep < 2)
			sio_rep[sio_nrep] = (u32)f->cx;
		sio_nrep++;
		return;
	}
	CHECK("strio: exit from CPL 3", f->cs & 3, 3);
	CHECK("strio: reports", sio_nrep, 2);
	CHECK("strio: rep insb into a user page: rcx after", sio_rep[0], 0);
	CHECK("strio: rep insb into a user page: the port's bytes",
	      bytes_are(FRAME(601), MG_STRIO_IN_BYTE, MG_STRIO_LEN), 1);
	CHECK("strio: rep outsb from a user page: rcx after", sio_rep[1], 0);
	CHECK("strio: page faults from CPL 3", sio_npf, NSTRIO_PF);
	CHECK("strio: rep insb into a read-only user page: error code", sio_err[0],
	      PF_P | PF_W | PF_U);
	CHECK("strio: rep insb into a read-only user page: cr2", sio_cr2[0],
	      VA_USER + 0x4000);
	CHECK("strio: rep insb into a read-only user page: rcx", sio_cx[0], MG_STRIO_LEN);
	CHECK("strio: rep insb into a read-only user page: rdi", sio_ptr[0],
	      VA_USER + 0x4000);
	CHECK("strio: rep insb into a supervisor page: error code", sio_err[1],
	      PF_P | PF_W | PF_U);
	CHECK("strio: rep insb into a supervisor page: cr2", sio_cr2[1], VA_SUPER + 0x20);
	CHECK("strio: rep insb into a supervisor page: rcx", sio_cx[1], MG_STRIO_LEN);
	CHECK("strio: rep insb into a supervisor page: rdi", sio_ptr[1], VA_SUPER + 0x20);
	CHECK("strio: rep insb into an unmapped page: error code", sio_err[2],
	      PF_W | PF_U);
	CHECK("strio: rep insb into an unmapped page: cr2", sio_cr2[2], VA_USER + 0x7010);
	CHECK("strio: rep insb into an unmapped page: rcx", sio_cx[2], MG_STRIO_LEN);
	CHECK("strio: rep outsb from a supervisor page: error code", sio_err[3],
	      PF_P | PF_U);
	CHECK("strio: rep outsb from a supervisor page: cr2", sio_cr2[3], VA_SUPER + 0x40);
	CHECK("strio: rep outsb from a supervisor page: rcx", sio_cx[3], MG_STRIO_LEN);
	CHECK("strio: rep outsb from a supervisor page: rsi", sio_ptr[3], VA_SUPER + 0x40);
	CHECK("strio: read-only user page unchanged",
	      bytes_are(FRAME(605), 0x11, MG_STRIO_LEN), 1);
	CHECK("strio: supervisor page unchanged",
	      bytes_are(FRAME(604) + 0x20, 0x22, MG_STRIO_LEN), 1);
	e = *pte_at(root, VA_USER + 0x1000, 1);
	CHECK("strio: rep insb set A and D in the PTE", e & (A | D), A | D);
	e = *pte_at(root, VA_USER + 0x2000, 1);
	CHECK("strio: rep outsb set A (not D) in the PTE", e & (A | D), A);
	e = *pte_at(root, VA_USER + 0x4000, 1);
	CHECK("strio: a faulting rep insb set neither A nor D", e & (A | D), 0);
	done();
}

/* Kernel rep insb of @n bytes at @va; returns 1 if it faulted. */
static inline int probe_insb(ulong va, ulong n)
{
	u32 before = pf_count;

	asm volatile(SETFIX "rep insb\n\t1:" CLRFIX
		     : "+D"(va), "+c"(n) : "d"(MG_PORT_STRIO) : "memory");
	return pf_count != before;
}

static inline int probe_outsb(ulong va, ulong n)
{
	u32 before = pf_count;

	asm volatile(SETFIX "rep outsb\n\t1:" CLRFIX
		     : "+S"(va), "+c"(n) : "d"(MG_PORT_STRIO) : "memory");
	return pf_count != before;
}

/*
 * The same at CPL 0: CR0.WP decides a write to a read-only page; SMAP
 * (with RFLAGS.AC) a supervisor access to a user page.
 */
static void strio_kernel(void)
{
	ulong ro = VA_SUPER + 0x1000, u = VA_USER + 0x3000;
	int f;

	memset((void *)FRAME(607), 0x33, 4096);
	memset((void *)FRAME(603), 0, 4096);
	map(root, ro, FRAME(607), P);				/* kernel RO */
	map(root, u, FRAME(603), P | RW | US);
	map(root, VA_SUPER + 0x2000, 0, 0);			/* not present */
	f = probe_insb(ro + 0x10, MG_STRIO_LEN);
	EXPECT_PF("strio: cpl0 wp=1: rep insb into a read-only page", f, PF_P | PF_W,
		  ro + 0x10);
	CHECK("strio: cpl0 wp=1: the read-only page unchanged",
	      bytes_are(FRAME(607) + 0x10, 0x33, MG_STRIO_LEN), 1);
	write_cr0(read_cr0() & ~CR0_WP);
	f = probe_insb(ro + 0x10, MG_STRIO_LEN);
	write_cr0(read_cr0() | CR0_WP);
	EXPECT_OK("strio: cpl0 wp=0: rep insb into a read-only page", f);
	CHECK("strio: cpl0 wp=0: the port's bytes in the read-only page",
	      bytes_are(FRAME(607) + 0x10, MG_STRIO_IN_BYTE, MG_STRIO_LEN), 1);
	f = probe_outsb(VA_SUPER + 0x2000 + 0x30, MG_STRIO_LEN);
	EXPECT_PF("strio: cpl0: rep outsb from a not-present page", f, 0,
		  VA_SUPER + 0x2000 + 0x30);
	if (!cpu_smap) {
		INFO("strio: no SMAP: its string I/O cases not run", 0);
		return;
	}
	write_cr4(read_cr4() | CR4_SMAP);
	f = probe_insb(u + 0x20, MG_STRIO_LEN);
	EXPECT_PF("strio: cpl0 smap=1 ac=0: rep insb into a user page", f,
		  PF_P | PF_W, u + 0x20);
	CHECK("strio: cpl0 smap=1 ac=0: the user page unchanged",
	      bytes_are(FRAME(603) + 0x20, 0, MG_STRIO_LEN), 1);
	stac();
	f = probe_insb(u + 0x20, MG_STRIO_LEN);
	clac();
	write_cr4(read_cr4() & ~CR4_SMAP);
	EXPECT_OK("strio: cpl0 smap=1 ac=1: rep insb into a user page", f);
	CHECK("strio: cpl0 smap=1 ac=1: the port's bytes in the user page",
	      bytes_are(FRAME(603) + 0x20, MG_STRIO_IN_BYTE, MG_STRIO_LEN), 1);
}

static void t_strio(void)
{
	ulong n = (ulong)(strio_prog_end - strio_prog);

	strio_kernel();

	memcpy((void *)FRAME(600), strio_prog, n);
	memset((void *)FRAME(601), 0, 4096);
	memset((void *)FRAME(602), MG_STRIO_OUT_BYTE, 4096);
	memset((void *)FRAME(604), 0x22, 4096);
	memset((void *)FRAME(605), 0x11, 4096);
	map(root, VA_USER, FRAME(600), P | US);			/* code, RO */
	map(root, VA_USER + 0x1000, FRAME(601), P | RW | US);	/* ins: ok */
	map(root, VA_USER + 0x2000, FRAME(602), P | US);		/* outs: ok */
	map(root, VA_USER + 0x4000, FRAME(605), P | US);		/* RO */
	map(root, VA_USER + 0x5000, FRAME(606), P | RW | US);	/* stack */
	map(root, VA_USER + 0x7000, 0, 0);			/* not present */
	map(root, VA_SUPER, FRAME(604), P | RW);			/* kernel */
	pf_hook = strio_pf;
	syscall_hook = strio_sys;
	mb->phase = MG_PHASE_USER;
	/* IOPL 3: the ring-3 program may use the port. */
#if MG_BITS == 64
	asm volatile("pushq %0; pushq %1; pushq $0x3002; pushq %2; pushq %3; iretq"
		     : : "i"(SEL_UDATA | 3), "r"((ulong)VA_USER + 0x6000),
		       "i"(SEL_UCODE64 | 3), "r"((ulong)VA_USER) : "memory");
#else
	asm volatile("movw %w0, %%ds; movw %w0, %%es;"
		     "pushl %0; pushl %1; pushl $0x3002; pushl %2; pushl %3; iretl"
		     : : "r"(SEL_UDATA | 3), "r"((ulong)VA_USER + 0x6000),
		       "i"(SEL_UCODE32 | 3), "r"((ulong)VA_USER) : "memory");
#endif
	CHECK("strio: returned from iret", 1, 0);
}

/*
 * Exceptions during an exception's delivery (SDM 6.15): a #DE with RSP
 * in an unmapped page.  Pushing its frame faults: contributory then page
 * fault, handled serially, so a #PF is delivered; pushing that frame
 * faults again: page fault then page fault is a #DF, delivered on IST1, a
 * good stack.  Under shadow paging each failed push is a VM exit and the
 * module merges the events.  64-bit only: without an IST the #DF frame
 * would fault as well (shutdown).
 */
#if MG_BITS == 64
static u8 df_stack[4096] __attribute__((aligned(16)));
#endif

static void t_double_fault(void)
{
#if MG_BITS == 64
	u64 *gate = (u64 *)(ulong)(MG_IDT + 8 * 16);

	*(u64 *)(MG_TSS + 36) = (ulong)df_stack + sizeof(df_stack); /* IST1 */
	*gate |= 1ull << 32;					/* #DF: IST1 */
	pf_count = 0;
	df_expected = 1;
	asm volatile("movq %%rsp, probe_sp(%%rip)\n\t"
		     "movq %0, %%rsp\n\t"
		     "xorl %%ecx, %%ecx\n\t"
		     "divl %%ecx\n\t"
		     "movq probe_sp(%%rip), %%rsp"
		     : : "r"(VA_FAR_NP + 0x1000) : "rax", "rcx", "rdx", "memory");
	CHECK("double fault: the div returned", 1, 0);
#else
	GSKIP("the #DF needs an IST stack: 64-bit only");
#endif
}

void guest_main(void);
void guest_main(void)
{
	if (mb->magic != MG_MAGIC) {
		outl(MG_PORT_DONE, 0xffffffff);
		hlt_forever();
	}
	setup_descriptors();
	features();
	mb->phase = MG_PHASE_PAGING_ON;
	paging_on();
	mb->phase = MG_PHASE_TEST;
	switch (mb->test) {
	case MG_T_FRESH:		t_fresh(); break;
	case MG_T_INVLPG:		t_invlpg(); break;
	case MG_T_NOT_PRESENT:		t_not_present(); break;
	case MG_T_WRITE_PROTECT:	t_write_protect(); break;
	case MG_T_NX:			t_nx(); break;
	case MG_T_RSVD:			t_rsvd(); break;
	case MG_T_SMEP:			t_smep(); break;
	case MG_T_SMAP:			t_smap(); break;
	case MG_T_AD_BITS:		t_ad_bits(); break;
	case MG_T_CR3_SWITCH:		t_cr3_switch(); break;
	case MG_T_USER:			t_user(); break;
	case MG_T_LARGE:		t_large(); break;
	case MG_T_GIG:			t_gig(); break;
	case MG_T_MMIO:			t_mmio(); break;
	case MG_T_SLOT:			t_slot(); break;
	case MG_T_PDPTE:		t_pdpte(); break;
	case MG_T_PCID:			t_pcid(); break;
	case MG_T_WP0:			t_wp0(); break;
	case MG_T_PTWRITE:		t_ptwrite(); break;
	case MG_T_HVA:			t_hva(); break;
	case MG_T_STRIO:		t_strio(); break;
	case MG_T_DF:			t_double_fault(); break;
	case MG_T_PTSTRING:		ptw_string(); break;
	default:
		rec(MG_REC_FATAL, __LINE__, "unknown test", mb->test, 0, 0, 0);
	}
	done();
}
