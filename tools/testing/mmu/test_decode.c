// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for x86/decode.c, the decoder of the moves shadowvmx emulates on
 * MMIO: encodings assembled by GNU as (objdump lengths), register, size,
 * immediate and direction; and rejection of everything else, including
 * every truncation of a valid instruction.  The read-modify-write and
 * string-store decoders, the read-modify-write arithmetic against the CPU,
 * and the execution of both through the emulator's callbacks.
 */
#include <string.h>
#include <linux/errno.h>
#include <asm/processor-flags.h>

#include "harness.h"
#include "emulate.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct dcase {
	const char *text;
	int mode;
	u8 bytes[15];
	u8 n;
	u8 len, is_write, size, reg, high, has_imm, sign, dst;
	u64 imm;
};

#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })

static const struct dcase cases[] = {
	/* text                          mode bytes            len w sz reg hi imm sx dst imm */
	{ "mov %eax,(%rbx)",             8, B(0x89, 0x03),             2, 1, 4, 0, 0, 0, 0, 4 },
	{ "mov %al,(%rbx)",              8, B(0x88, 0x03),             2, 1, 1, 0, 0, 0, 0, 1 },
	{ "mov %ah,(%rbx)",              8, B(0x88, 0x23),             2, 1, 1, 0, 1, 0, 0, 1 },
	{ "mov %sil,(%rbx)",             8, B(0x40, 0x88, 0x33),       3, 1, 1, 6, 0, 0, 0, 1 },
	{ "mov %ax,(%rbx)",              8, B(0x66, 0x89, 0x03),       3, 1, 2, 0, 0, 0, 0, 2 },
	{ "mov %rax,(%rbx)",             8, B(0x48, 0x89, 0x03),       3, 1, 8, 0, 0, 0, 0, 8 },
	{ "mov %r9,0x10(%rbx)",          8, B(0x4c, 0x89, 0x4b, 0x10), 4, 1, 8, 9, 0, 0, 0, 8 },
	{ "mov %r12d,0x12345678(%rsp)",  8, B(0x44, 0x89, 0xa4, 0x24, 0x78, 0x56, 0x34, 0x12),
					     8, 1, 4, 12, 0, 0, 0, 4 },
	{ "mov (%rbx),%ecx",             8, B(0x8b, 0x0b),             2, 0, 4, 1, 0, 0, 0, 4 },
	{ "mov (%rbx),%cl",              8, B(0x8a, 0x0b),             2, 0, 1, 1, 0, 0, 0, 1 },
	{ "mov (%rbx),%ch",              8, B(0x8a, 0x2b),             2, 0, 1, 1, 1, 0, 0, 1 },
	{ "mov 0x8(%rip),%r15",          8, B(0x4c, 0x8b, 0x3d, 0x08, 0, 0, 0),
					     7, 0, 8, 15, 0, 0, 0, 8 },
	{ "movb $0x12,(%rdi)",           8, B(0xc6, 0x07, 0x12),       3, 1, 1, 0, 0, 1, 0, 1, 0x12 },
	{ "movw $0x1234,(%rdi)",         8, B(0x66, 0xc7, 0x07, 0x34, 0x12),
					     5, 1, 2, 0, 0, 1, 0, 2, 0x1234 },
	{ "movl $0x12345678,0x40(%rdi)", 8, B(0xc7, 0x47, 0x40, 0x78, 0x56, 0x34, 0x12),
					     7, 1, 4, 0, 0, 1, 0, 4, 0x12345678 },
	{ "movq $-2,(%rdi,%rsi,8)",      8, B(0x48, 0xc7, 0x04, 0xf7, 0xfe, 0xff, 0xff, 0xff),
					     8, 1, 8, 0, 0, 1, 0, 8, 0xfffffffffffffffeULL },
	{ "movzbl (%rdx),%eax",          8, B(0x0f, 0xb6, 0x02),       3, 0, 1, 0, 0, 0, 0, 4 },
	{ "movzwq (%rdx),%r10",          8, B(0x4c, 0x0f, 0xb7, 0x12), 4, 0, 2, 10, 0, 0, 0, 8 },
	{ "movsbl (%rdx),%eax",          8, B(0x0f, 0xbe, 0x02),       3, 0, 1, 0, 0, 0, 1, 4 },
	{ "movswq 0x4(%rdx),%rbx",       8, B(0x48, 0x0f, 0xbf, 0x5a, 0x04),
					     5, 0, 2, 3, 0, 0, 1, 8 },
	{ "mov %fs:(%rbx),%eax",         8, B(0x64, 0x8b, 0x03),       3, 0, 4, 0, 0, 0, 0, 4 },
	{ "mov %eax,(%ebx)",             8, B(0x67, 0x89, 0x03),       3, 1, 4, 0, 0, 0, 0, 4 },
	{ "mov 0x0(,%rax,4),%edx",       8, B(0x8b, 0x14, 0x85, 0, 0, 0, 0),
					     7, 0, 4, 2, 0, 0, 0, 4 },
	{ "movabs 0xd0000000,%eax",      8, B(0xa1, 0, 0, 0, 0xd0, 0, 0, 0, 0),
					     9, 0, 4, 0, 0, 0, 0, 4 },
	{ "mov %eax,0xd0000000 (addr32)", 8, B(0x67, 0xa3, 0, 0, 0, 0xd0),
					     6, 1, 4, 0, 0, 0, 0, 4 },
	{ "movabs %al,0x1000",           8, B(0xa2, 0, 0x10, 0, 0, 0, 0, 0, 0),
					     9, 1, 1, 0, 0, 0, 0, 1 },
	{ "mov 0xd0000000,%eax [32]",    4, B(0xa1, 0, 0, 0, 0xd0),   5, 0, 4, 0, 0, 0, 0, 4 },
	{ "mov %ax,0xd0000010 [32]",     4, B(0x66, 0xa3, 0x10, 0, 0, 0xd0),
					     6, 1, 2, 0, 0, 0, 0, 2 },
	/* 32-bit code: 0x40-0x4f are inc/dec, not REX */
	{ "mov %esi,0x10(%eax) [32]",    4, B(0x89, 0x70, 0x10),       3, 1, 4, 6, 0, 0, 0, 4 },
	{ "mov 0xfee00020,%eax [32]",    4, B(0x8b, 0x05, 0x20, 0x00, 0xe0, 0xfe),
					     6, 0, 4, 0, 0, 0, 0, 4 },
	{ "mov %dh,(%ecx) [32]",         4, B(0x88, 0x31),             2, 1, 1, 2, 1, 0, 0, 1 },
	/* 16-bit addressing: 67 in 32-bit code, or 16-bit code */
	{ "mov %eax,(%bx) [32]",         4, B(0x67, 0x89, 0x07),       3, 1, 4, 0, 0, 0, 0, 4 },
	{ "mov 0x1234(%bp,%di),%cx [16]", 2, B(0x8b, 0x8b, 0x34, 0x12),
					     4, 0, 2, 1, 0, 0, 0, 2 },
	{ "mov %eax,(%bx) [16]",         2, B(0x66, 0x89, 0x07),       3, 1, 4, 0, 0, 0, 0, 4 },
};

static const struct {
	const char *text;
	int mode;
	u8 bytes[15];
	u8 n;
} bad[] = {
	{ "mov %eax,%ebx (no memory)",   8, B(0x89, 0xc3) },
	{ "add %eax,(%rbx)",             8, B(0x01, 0x03) },
	{ "movs (rep string)",           8, B(0xf3, 0xa4) },
	{ "lock mov",                    8, B(0xf0, 0x89, 0x03) },
	{ "c7 /1 (not mov)",             8, B(0xc7, 0x0f, 0, 0, 0, 0) },
	{ "inc %eax then mov [32]",      4, B(0x40, 0x89, 0x03) },
	{ "0f 0b (ud2)",                 8, B(0x0f, 0x0b) },
	{ "empty",                       8, { 0 }, 0 },
};

TAP_SUITE(decode)
{
	struct svx_insn in;
	unsigned int i, t, truncs = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		int r = svx_decode_mov(c->bytes, c->n, c->mode, &in);

		tap_ok(r == 0 && in.len == c->len && in.is_write == c->is_write &&
		       in.size == c->size && in.has_imm == c->has_imm &&
		       (c->has_imm ? in.imm == c->imm :
			in.reg == c->reg && in.high_byte == c->high) &&
		       in.sign_extend == c->sign && in.dst_size == c->dst,
		       "decode: %s", c->text);
		if (r || in.len != c->len)
			tap_diag("  r=%d len=%u (want %u) w=%u size=%u reg=%u hi=%u imm=%u/%#llx sx=%u dst=%u",
				 r, in.len, c->len, in.is_write, in.size, in.reg,
				 in.high_byte, in.has_imm,
				 (unsigned long long)in.imm, in.sign_extend,
				 in.dst_size);
		/* Every truncation must be refused, never read past avail. */
		for (t = 0; t < c->len; t++)
			if (svx_decode_mov(c->bytes, t, c->mode, &in) != -EINVAL)
				truncs++;
	}
	tap_eq(truncs, 0, "decode: every truncated instruction is refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_eq(svx_decode_mov(bad[i].bytes, bad[i].n, bad[i].mode, &in),
		       -EINVAL, "decode refuses: %s", bad[i].text);
}

/* ---------------------------------------------------------------------- */
/* Read-modify-write instructions: decode, and execute against the CPU     */

static const struct {
	const char *text;
	u8 bytes[15];
	u8 n;
	u8 len, op, size, reg, has_imm, lock;
	u64 imm;
} rmw_cases[] = {
	{ "mov %rax,(%rdi)",          B(0x48, 0x89, 0x07),             3, SVX_RMW_MOV, 8, 0, 0, 0 },
	{ "xchg %rax,(%rdi)",         B(0x48, 0x87, 0x07),             3, SVX_RMW_XCHG, 8, 0, 0, 0 },
	{ "lock cmpxchg %rdx,(%rdi)", B(0xf0, 0x48, 0x0f, 0xb1, 0x17), 5, SVX_RMW_CMPXCHG, 8, 2, 0, 1 },
	{ "lock cmpxchg8b (%rsi)",    B(0xf0, 0x0f, 0xc7, 0x0e),       4, SVX_RMW_CMPXCHG8B, 8, 0, 0, 1 },
	{ "lock cmpxchg16b (%rsi)",   B(0xf0, 0x48, 0x0f, 0xc7, 0x0e), 5, SVX_RMW_CMPXCHG16B, 16, 0, 0, 1 },
	{ "cmpxchg16b 0x10(%rdi)",    B(0x48, 0x0f, 0xc7, 0x4f, 0x10), 5, SVX_RMW_CMPXCHG16B, 16, 0, 0, 0 },
	{ "lock btrq $5,(%rdi)",      B(0xf0, 0x48, 0x0f, 0xba, 0x37, 0x05), 6, SVX_RMW_BTR, 8, 0, 1, 1, 5 },
	{ "lock btsl $1,(%rdi)",      B(0xf0, 0x0f, 0xba, 0x2f, 0x01), 5, SVX_RMW_BTS, 4, 0, 1, 1, 1 },
	{ "lock andb $0xdf,(%rdi)",   B(0xf0, 0x80, 0x27, 0xdf),       4, SVX_RMW_AND, 1, 0, 1, 1, 0xffffffffffffffdfULL },
	{ "lock orq $0x40,(%rdi)",    B(0xf0, 0x48, 0x83, 0x0f, 0x40), 5, SVX_RMW_OR, 8, 0, 1, 1, 0x40 },
	{ "andq %rsi,(%rdi)",         B(0x48, 0x21, 0x37),             3, SVX_RMW_AND, 8, 6, 0, 0 },
	{ "subl $0x1000,0x8(%rdi)",   B(0x81, 0x6f, 0x08, 0x00, 0x10, 0x00, 0x00), 7, SVX_RMW_SUB, 4, 0, 1, 0, 0x1000 },
	{ "movq $0x0,(%rdi)",         B(0x48, 0xc7, 0x07, 0, 0, 0, 0), 7, SVX_RMW_MOV, 8, 0, 1, 0, 0 },
};

/*
 * Run the real instruction on the host CPU: returns memory, reg, flags.
 * pushfq must not clobber the red zone, where the compiler may keep locals.
 */
#define SAVE_FLAGS "\n\tlea -128(%%rsp),%%rsp\n\tpushfq\n\tpopq %[f]" \
		   "\n\tlea 128(%%rsp),%%rsp"
#define RMW_ASM(insn, mem, reg, fl) \
	asm volatile(insn SAVE_FLAGS \
		     : [m] "+m"(mem), [r] "+r"(reg), [f] "=r"(fl) : : "cc")

TAP_SUITE(rmw)
{
	struct svx_rmw r;
	struct rng rng = rng_seeded(tap_seed() ^ 0x5eed);
	unsigned int i, bad = 0, n = 0;

	for (i = 0; i < sizeof(rmw_cases) / sizeof(rmw_cases[0]); i++) {
		int ret = svx_decode_rmw(rmw_cases[i].bytes, rmw_cases[i].n, 8,
					 &r);

		tap_ok(ret == 0 && r.len == rmw_cases[i].len &&
		       r.op == rmw_cases[i].op && r.size == rmw_cases[i].size &&
		       r.has_imm == rmw_cases[i].has_imm &&
		       r.lock == rmw_cases[i].lock &&
		       (r.has_imm ? r.imm == rmw_cases[i].imm :
			r.reg == rmw_cases[i].reg),
		       "decode_rmw: %s", rmw_cases[i].text);
	}

	/* Differential: svx_rmw_exec against the CPU on random operands. */
	for (i = 0; i < 200000; i++) {
		u64 old = rng_next(&rng), src = rng_next(&rng), mem, reg, fl;
		u64 new, out, flags, mask, rax;
		unsigned int kind = i % 9;
		bool w;

		if (i & 1)	/* equal operands often enough for cmpxchg */
			src = kind == 6 ? old : src;
		memset(&r, 0, sizeof(r));
		r.size = 8;
		mem = old;
		reg = src;
		switch (kind) {
		case 0: r.op = SVX_RMW_ADD; RMW_ASM("addq %[r],%[m]", mem, reg, fl); break;
		case 1: r.op = SVX_RMW_SUB; RMW_ASM("subq %[r],%[m]", mem, reg, fl); break;
		case 2: r.op = SVX_RMW_AND; RMW_ASM("andq %[r],%[m]", mem, reg, fl); break;
		case 3: r.op = SVX_RMW_OR;  RMW_ASM("orq %[r],%[m]", mem, reg, fl); break;
		case 4: r.op = SVX_RMW_XOR; RMW_ASM("xorq %[r],%[m]", mem, reg, fl); break;
		case 5: r.op = SVX_RMW_BTR;
			/* bt* with a register operand addresses a bit string:
			 * keep the offset inside the qword.
			 */
			src &= 63; reg = src;
			RMW_ASM("btrq %[r],%[m]", mem, reg, fl); break;
		case 6: {
			u64 acc = (i & 2) ? old : rng_next(&rng);

			r.op = SVX_RMW_CMPXCHG;
			rax = acc;
			asm volatile("lock cmpxchgq %[r],%[m]" SAVE_FLAGS
				     : [m] "+m"(mem), "+a"(acc), [f] "=r"(fl)
				     : [r] "r"(reg) : "cc");
			w = svx_rmw_exec(&r, old, src, rax, &new, &out, &flags,
					 &mask);
			n++;
			if (new != mem && w)
				bad++;
			if (!w && (mem != old || out != acc))
				bad++;
			if ((fl & mask) != (flags & mask))
				bad++;
			continue;
		}
		case 7: r.op = SVX_RMW_BTS; src &= 63; reg = src;
			RMW_ASM("btsq %[r],%[m]", mem, reg, fl); break;
		default: r.op = SVX_RMW_BTC; src &= 63; reg = src;
			RMW_ASM("btcq %[r],%[m]", mem, reg, fl); break;
		}
		w = svx_rmw_exec(&r, old, src, 0, &new, &out, &flags, &mask);
		n++;
		if (!w || new != mem || (fl & mask) != (flags & mask)) {
			if (bad++ < 5)
				tap_diag("  op %d old %#llx src %#llx: cpu %#llx fl %#llx, emu %#llx fl %#llx mask %#llx",
					 r.op, (unsigned long long)old,
					 (unsigned long long)src,
					 (unsigned long long)mem,
					 (unsigned long long)fl,
					 (unsigned long long)new,
					 (unsigned long long)flags,
					 (unsigned long long)mask);
		}
	}
	tap_diag("rmw-vs-cpu: %u cases, %u mismatches", n, bad);
	tap_eq(bad, 0, "rmw: emulated add/sub/and/or/xor/bt*/cmpxchg agree with the CPU (%u cases)", n);
}

/* stos/movs, the string stores emulated on a guest page-table write. */
static const struct scase {
	const char *text;
	int mode;
	u8 bytes[15];
	u8 n;
	int ret;
	u8 len, size, movs, rep, seg;
} string_cases[] = {
	{ "stosb",              8, B(0xaa),                   0, 1, 1, 0, 0, 3 },
	{ "rep stos %eax",      4, B(0xf3, 0xab),             0, 2, 4, 0, 1, 3 },
	{ "rep stos %rax",      8, B(0xf3, 0x48, 0xab),       0, 3, 8, 0, 1, 3 },
	{ "rep stos %ax",       8, B(0x66, 0xf3, 0xab),       0, 3, 2, 0, 1, 3 },
	{ "rep movsq",          8, B(0xf3, 0x48, 0xa5),       0, 3, 8, 1, 1, 3 },
	{ "rep movsl %fs:",     4, B(0x64, 0xf3, 0xa5),       0, 3, 4, 1, 1, 4 },
	{ "movsb %es:",         4, B(0x26, 0xa4),             0, 2, 1, 1, 0, 0 },
	{ "REX in 32-bit code", 4, B(0x48, 0xab),             -EINVAL },
	{ "repne stos",         8, B(0xf2, 0xab),             -EINVAL },
	{ "lock stos",          8, B(0xf0, 0xab),             -EINVAL },
	{ "addr32 stos",        8, B(0x67, 0xab),             -EINVAL },
	{ "prefixes only",      8, B(0xf3, 0x48),             -EINVAL },
	{ "lods",               8, B(0xac),                   -EINVAL },
};

TAP_SUITE(string)
{
	struct svx_string s;
	unsigned int i;

	for (i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
		const struct scase *c = &string_cases[i];
		int r = svx_decode_string(c->bytes, c->n, c->mode, &s);

		tap_ok(r == c->ret &&
		       (r || (s.len == c->len && s.size == c->size &&
			      s.movs == c->movs && s.rep == c->rep &&
			      s.seg == c->seg)),
		       "decode_string: %s", c->text);
	}
}

/*
 * svx_x86_emulate_rmw() and svx_x86_emulate_string() through their
 * callbacks: two pages of guest memory at GPA (and GVA) 0x1000, the
 * instruction at GVA 0.
 */
struct emu_env {
	u8 code[16];
	u8 mem[8192];
	unsigned int writes, cmpxchgs;
	bool fail_write;
};

static u8 *emu_ptr(struct emu_env *t, u64 a, unsigned int len)
{
	return a >= 0x1000 && a + len <= 0x1000 + sizeof(t->mem) ?
	       t->mem + (a - 0x1000) : NULL;
}

static int emu_read_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	struct emu_env *t = ctx;
	u8 *p = emu_ptr(t, gva, len);

	if (gva + len <= sizeof(t->code)) {
		memcpy(buf, t->code + gva, len);
		return 0;
	}
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int emu_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	u8 *p = emu_ptr(ctx, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int emu_write_phys(void *ctx, u64 gpa, const void *buf,
			  unsigned int len)
{
	struct emu_env *t = ctx;
	u8 *p = emu_ptr(t, gpa, len);

	if (!p || t->fail_write)
		return -EFAULT;
	memcpy(p, buf, len);
	t->writes++;
	return 0;
}

static int emu_cmpxchg_phys(void *ctx, u64 gpa, void *old, const void *new,
			    unsigned int len)
{
	struct emu_env *t = ctx;
	u8 *p = emu_ptr(t, gpa, len);

	if (!p || t->fail_write)
		return -EFAULT;
	t->cmpxchgs++;
	if (memcmp(p, old, len)) {
		if (len == 16)
			memcpy(old, p, 16);
		return 1;
	}
	memcpy(p, new, len);
	return 0;
}

static u64 emu_seg_base(void *ctx, int seg)
{
	(void)ctx;
	(void)seg;
	return 0;	/* flat */
}

static const struct svx_x86_ops emu_ops = {
	.read_virt = emu_read_virt,
	.read_phys = emu_read_phys,
	.write_phys = emu_write_phys,
	.cmpxchg_phys = emu_cmpxchg_phys,
	.seg_base = emu_seg_base,
};

static int emu_run(struct emu_env *t, unsigned long *regs,
		   unsigned long *rflags, const u8 *code, unsigned int n,
		   u64 gpa, struct svx_x86_emu *e, struct svx_x86_write *w,
		   bool string)
{
	u8 bytes[SVX_INSN_MAX];
	int avail;

	memset(t->code, 0x90, sizeof(t->code));
	memcpy(t->code, code, n);
	memset(e, 0, sizeof(*e));
	e->ops = &emu_ops;
	e->ctx = t;
	e->mode = 8;
	e->regs = regs;
	e->rflags = rflags;
	avail = svx_fetch_insn(&emu_ops, t, 0, bytes);
	if (avail != SVX_INSN_MAX)
		return -100;
	return string ? svx_x86_emulate_string(e, bytes, avail, gpa) :
			svx_x86_emulate_rmw(e, bytes, avail, gpa, w);
}

TAP_SUITE(emulate)
{
	static struct emu_env t;
	unsigned long regs[16], rflags, save[16];
	struct svx_x86_write w;
	struct svx_x86_emu e;
	u64 q;
	int r;

	/* lock cmpxchg %rcx,(%rdi) that matches: memory written, ZF set. */
	memset(regs, 0, sizeof(regs));
	q = 0x1003;
	memcpy(t.mem + 8, &q, 8);
	regs[0] = 0x1003;
	regs[1] = 0x2007;
	rflags = 0x2;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\xf0\x48\x0f\xb1\x0f", 5,
		    0x1008, &e, &w, false);
	memcpy(&q, t.mem + 8, 8);
	tap_ok(!r && e.len == 5 && e.retire && w.written && w.size == 8 &&
	       w.old == 0x1003 && w.new == 0x2007 && q == 0x2007 &&
	       (rflags & X86_EFLAGS_ZF) && regs[0] == 0x1003,
	       "emulate: lock cmpxchg that matches writes memory, sets ZF");

	/* The same that does not match: RAX gets memory, ZF clear. */
	regs[0] = 0x5;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\xf0\x48\x0f\xb1\x0f", 5,
		    0x1008, &e, &w, false);
	memcpy(&q, t.mem + 8, 8);
	tap_ok(!r && !w.written && q == 0x2007 && regs[0] == 0x2007 &&
	       !(rflags & X86_EFLAGS_ZF),
	       "emulate: lock cmpxchg that does not match loads RAX, clears ZF");

	/* xchg %eax,(%rdi): 32-bit register result zero-extended. */
	regs[0] = 0xffffffff00000011UL;
	memset(t.mem, 0, 8);
	t.mem[0] = 0x22;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\x87\x07", 2, 0x1000, &e,
		    &w, false);
	tap_ok(!r && regs[0] == 0x22 && t.mem[0] == 0x11 && w.size == 4,
	       "emulate: xchg swaps memory and register");

	/* orb $0x40,(%rdi): byte write through write_phys. */
	t.writes = 0;
	t.mem[0] = 0x01;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\x80\x0f\x40", 3, 0x1000,
		    &e, &w, false);
	tap_ok(!r && t.mem[0] == 0x41 && t.writes == 1 && e.len == 3,
	       "emulate: or of a byte goes through write_phys");

	/* Refused: misaligned, across a page, memory not writable. */
	memcpy(save, regs, sizeof(save));
	r = emu_run(&t, regs, &rflags, (const u8 *)"\x48\x89\x07", 3, 0x1004,
		    &e, &w, false);
	tap_ok(r == -EINVAL && !e.retire && !memcmp(save, regs, sizeof(save)),
	       "emulate: a misaligned write is refused, registers unchanged");
	t.fail_write = true;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\x48\x89\x07", 3, 0x1008,
		    &e, &w, false);
	t.fail_write = false;
	tap_ok(r < 0 && !e.retire && !memcmp(save, regs, sizeof(save)),
	       "emulate: a write that cannot be done is refused, registers unchanged");

	/* rep stosq from 0x1ff0 with RCX = 600: two elements, then stop. */
	memset(regs, 0, sizeof(regs));
	regs[0] = 0x1111111111111111UL;
	regs[1] = 600;
	regs[7] = 0x1ff0;
	rflags = 0x2;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\xf3\x48\xab", 3, 0x1ff0,
		    &e, NULL, true);
	memcpy(&q, t.mem + 0xff8, 8);
	tap_ok(r == 1 && !e.retire && regs[1] == 598 && regs[7] == 0x2000 &&
	       q == 0x1111111111111111UL,
	       "emulate: rep stosq stops at the end of the page, RCX and RDI advanced");

	/* movsb: one byte from RSI, retired. */
	t.mem[0x100] = 0x5a;
	regs[6] = 0x1100;
	regs[7] = 0x1200;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\xa4", 1, 0x1200, &e, NULL,
		    true);
	tap_ok(r == 1 && e.retire && e.len == 1 && t.mem[0x200] == 0x5a &&
	       regs[6] == 0x1101 && regs[7] == 0x1201,
	       "emulate: movsb copies a byte and retires");

	/* DF=1 is not emulated. */
	rflags |= X86_EFLAGS_DF;
	r = emu_run(&t, regs, &rflags, (const u8 *)"\xa4", 1, 0x1200, &e, NULL,
		    true);
	tap_ok(r == 0, "emulate: string stores with DF=1 are not emulated");
}

/*
 * svx_decode_sys(): the system instructions a vm86-run real-mode guest
 * faults on, in 16-bit code (mode 2) and 32-bit code (mode 4), with the
 * memory operand's linear address from 16- and 32-bit addressing.
 * Segment bases here: seg * 0x1000 (ES 0, CS 0x1000, SS 0x2000, DS 0x3000).
 */
static u64 sys_seg_base(void *ctx, int seg)
{
	(void)ctx;
	return (u64)seg * 0x1000;
}

static const struct svx_x86_ops sys_ops = { .seg_base = sys_seg_base };

static const struct syscase {
	const char *text;
	int mode;
	const char *bytes;
	unsigned int n;
	int ok;			/* 0: decodes, else -EINVAL */
	enum svx_sys_op op;
	u8 len, cr, reg, mem, opsize32;
	u64 addr;
} sys_cases[] = {
	{ "hlt", 2, "\xf4", 1, 0, SVX_SYS_HLT, 1 },
	{ "clts", 2, "\x0f\x06", 2, 0, SVX_SYS_CLTS, 2 },
	{ "wbinvd", 2, "\x0f\x09", 2, 0, SVX_SYS_INVD, 2 },
	{ "rdmsr", 2, "\x0f\x32", 2, 0, SVX_SYS_RDMSR, 2 },
	{ "wrmsr", 2, "\x0f\x30", 2, 0, SVX_SYS_WRMSR, 2 },
	{ "mov %cr0,%eax", 2, "\x0f\x20\xc0", 3, 0, SVX_SYS_MOV_FROM_CR, 3, 0, 0 },
	{ "mov %edx,%cr4", 2, "\x0f\x22\xe2", 3, 0, SVX_SYS_MOV_TO_CR, 3, 4, 2 },
	{ "mov %dr7,%ebx", 2, "\x0f\x21\xfb", 3, 0, SVX_SYS_MOV_FROM_DR, 3, 7, 3 },
	{ "lmsw %si", 2, "\x0f\x01\xf6", 3, 0, SVX_SYS_LMSW, 3, 0, 6 },
	/* lgdtw 0x1234: mod 0 rm 6 is disp16 with DS */
	{ "lgdtw 0x1234", 2, "\x0f\x01\x16\x34\x12", 5, 0, SVX_SYS_LGDT, 5,
	  0, 0, 1, 0, 0x3000 + 0x1234 },
	/* lidtl %cs:0x10(%bp,%di): 66 2e prefixes, BP+DI+disp8, CS override */
	{ "lidtl %cs:0x10(%bp,%di)", 2, "\x66\x2e\x0f\x01\x5b\x10", 6, 0,
	  SVX_SYS_LIDT, 6, 0, 0, 1, 1, 0x1000 + 0x100 + 0x20 + 0x10 },
	/* lgdtw (%bp): BP-based, SS; mod 1 rm 6 disp8 0 */
	{ "lgdtw 0(%bp)", 2, "\x0f\x01\x56\x00", 4, 0, SVX_SYS_LGDT, 4,
	  0, 0, 1, 0, 0x2000 + 0x100 },
	/* 16-bit addressing wraps at 64 KiB: (%bx,%si) = 0xfff0 + 0x20 */
	{ "lgdtw (%bx,%si) wraps", 2, "\x0f\x01\x10", 3, 0, SVX_SYS_LGDT, 3,
	  0, 0, 1, 0, 0x3000 + 0x10 },
	/* 67: 32-bit addressing, SIB (%eax,%ecx,4) + disp32 */
	{ "addr32 lgdtw 0x100(%eax,%ecx,4)", 2,
	  "\x67\x0f\x01\x94\x88\x00\x01\x00\x00", 9, 0, SVX_SYS_LGDT, 9,
	  0, 0, 1, 0, 0x3000 + 0x400 + 4 * 0x10 + 0x100 },
	/* 32-bit code: lidt (%esp) uses SS, 32-bit operand size */
	{ "lidt (%esp) in 32-bit code", 4, "\x0f\x01\x1c\x24", 4, 0,
	  SVX_SYS_LIDT, 4, 0, 0, 1, 1, 0x2000 + 0x8000 },
	{ "lgdt of a register: #UD", 2, "\x0f\x01\xd0", 3, -EINVAL },
	{ "sgdt is not faulting: not ours", 2, "\x0f\x01\x06\x00\x00", 5, -EINVAL },
	{ "nop", 2, "\x90", 1, -EINVAL },
	{ "truncated mov to CR", 2, "\x0f\x22", 2, -EINVAL },
};

TAP_SUITE(decode_sys)
{
	unsigned long regs[16] = { 0 };
	unsigned int i;

	regs[0] = 0x400;	/* AX/EAX */
	regs[1] = 0x10;		/* CX/ECX */
	regs[3] = 0xfff0;	/* BX */
	regs[4] = 0x8000;	/* SP/ESP */
	regs[5] = 0x100;	/* BP */
	regs[6] = 0x20;		/* SI */
	regs[7] = 0x20;		/* DI */
	for (i = 0; i < sizeof(sys_cases) / sizeof(sys_cases[0]); i++) {
		const struct syscase *c = &sys_cases[i];
		struct svx_x86_emu e = { .ops = &sys_ops, .mode = c->mode,
					 .regs = regs };
		struct svx_sys s;
		int r = svx_decode_sys(&e, (const u8 *)c->bytes, c->n, &s);

		if (c->ok) {
			tap_ok(r == c->ok, "decode_sys: %s -> %d", c->text, r);
			continue;
		}
		tap_ok(!r && s.op == c->op && s.len == c->len &&
		       s.cr == c->cr && s.reg == c->reg && s.mem == c->mem &&
		       (!c->mem || (s.opsize32 == c->opsize32 &&
				    s.addr == c->addr)),
		       "decode_sys: %s (r %d op %d len %u cr %u reg %u mem %d addr %#llx)",
		       c->text, r, s.op, s.len, s.cr, s.reg, s.mem,
		       (unsigned long long)s.addr);
	}
}

/* svx_decode_rsm(): RSM, which the CPU refuses (#UD) in VMX non-root. */
TAP_SUITE(decode_rsm)
{
	static const u8 rsm[] = { 0x0f, 0xaa }, pfx[] = { 0x66, 0x0f, 0xaa },
		lock[] = { 0xf0, 0x0f, 0xaa }, ud2[] = { 0x0f, 0x0b },
		rex[] = { 0x48, 0x0f, 0xaa };

	tap_eq(svx_decode_rsm(rsm, 2, 2), 2, "decode_rsm: 0f aa (16-bit) -> 2");
	tap_eq(svx_decode_rsm(rsm, 1, 2), -EINVAL,
	       "decode_rsm: one byte fetched -> EINVAL");
	tap_eq(svx_decode_rsm(pfx, 3, 4), 3,
	       "decode_rsm: 66 0f aa (prefix ignored) -> 3");
	tap_eq(svx_decode_rsm(rex, 3, 8), 3, "decode_rsm: REX 0f aa -> 3");
	tap_eq(svx_decode_rsm(lock, 3, 2), -EINVAL,
	       "decode_rsm: LOCK 0f aa (#UD) -> EINVAL");
	tap_eq(svx_decode_rsm(ud2, 2, 8), -EINVAL,
	       "decode_rsm: ud2 -> EINVAL");
}
