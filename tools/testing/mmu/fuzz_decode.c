// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for x86/decode.c, emulate.c and emulate_string.c: any byte
 * string, in 16-, 32- and 64-bit mode, must decode (mov, the one MMIO /
 * read-modify-write decoder, the string decoder and its stos/movs view
 * for page-table writes) without reading past the bytes given, an accepted
 * instruction must be self-consistent, and executing it through
 * svx_x86_rmw_complete() (the MMIO executor) must only touch the
 * registers and flags it may.  svx_x86_rm_step() (x86/emulate_rm.c) runs
 * the bytes as 16- or 32-bit code in real or protected mode over a 64 KiB
 * arena filled with them: it must not crash or read past its buffers,
 * and what does not retire must leave the state as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "emulate.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u64 zero_seg_base(void *ctx, int seg)
{
	(void)ctx;
	(void)seg;
	return 0;
}

/* call m's push: accepted, dropped */
static int drop_write(void *ctx, u64 gva, const void *buf, unsigned int len)
{
	(void)ctx;
	(void)gva;
	(void)buf;
	(void)len;
	return 0;
}

static const struct svx_x86_ops no_ops = {
	.seg_base = zero_seg_base, .write_virt = drop_write,
};

/*
 * jmp m / call m: the target is RIP (or #GP with nothing changed), only
 * rSP moves (call), by the operand size.
 */
static void check_branch(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			 u64 old, const unsigned long *before, u64 fl0)
{
	u64 sp0 = before[4];
	unsigned int i;
	int r;

	e->ss_size = 8;
	e->ip = 0x1000;
	r = svx_x86_branch_complete(e, rmw, old, 0xffffffff, 48);
	if (r < 0 || *e->rflags != fl0)
		abort();
	for (i = 0; i < 16; i++)
		if (e->regs[i] != before[i] && i != 4)
			abort();
	if (r) {	/* #GP: nothing moved */
		if (e->regs[4] != sp0 || e->ip != 0x1000 || e->retire)
			abort();
		return;
	}
	if (e->len != rmw->len || !e->retire ||
	    e->regs[4] != sp0 - (rmw->op == SVX_RMW_CALL ? rmw->size : 0))
		abort();
}

/* Execute @rmw on registers and memory taken from the input's bytes. */
static void check_exec(const struct svx_rmw *rmw, const u8 *data,
		       size_t size)
{
	unsigned long regs[16], before[16], rflags, fl0;
	struct svx_x86_emu e = { .ops = &no_ops, .mode = 8 };
	u64 old = 0, new = 0;
	unsigned int i;
	bool w;

	for (i = 0; i < 16; i++)
		regs[i] = 0x0101010101010101UL * (size ? data[i % size] : i);
	memcpy(before, regs, sizeof(regs));
	memcpy(&old, data, size < 8 ? size : 8);
	fl0 = 0x2 | (size ? data[size - 1] & 0xd5 : 0);
	rflags = fl0;
	e.regs = regs;
	e.rflags = &rflags;
	if (rmw->op == SVX_RMW_JMP || rmw->op == SVX_RMW_CALL) {
		check_branch(&e, rmw, old, before, fl0);
		return;
	}
	if ((rmw->op == SVX_RMW_LSEG || rmw->op == SVX_RMW_JMPF ||
	     rmw->op == SVX_RMW_CALLF) &&
	    (rmw->size != rmw->dst_size + 2 || rmw->mem_write))
		abort();
	if (rmw->op == SVX_RMW_JMPF || rmw->op == SVX_RMW_CALLF)
		return;		/* carried out by the host */
	w = svx_x86_rmw_complete(&e, rmw, old, &new);
	if (e.de) {	/* a division that faults changes nothing */
		if (w || e.retire || rflags != fl0 ||
		    memcmp(regs, before, sizeof(regs)) ||
		    (rmw->op != SVX_RMW_DIV && rmw->op != SVX_RMW_IDIV))
			abort();
		return;
	}
	if (e.len != rmw->len || !e.retire)
		abort();
	/* Only the arithmetic flags change. */
	if ((rflags ^ fl0) & ~0x8d5UL)
		abort();
	/* Memory is written only by the forms that write it. */
	if (w && !rmw->mem_write)
		abort();
	if (rmw->size < 8 && (new >> (rmw->size * 8)))
		abort();
	/* At most the register operand, RAX and RDX change. */
	for (i = 0; i < 16; i++)
		if (regs[i] != before[i] && i != rmw->reg && i != 0 && i != 2)
			abort();
}

static u64 str_seg_base(void *ctx, int seg)
{
	(void)ctx;
	return (u64)seg << 32;
}

static const struct svx_x86_ops str_ops = { .seg_base = str_seg_base };

/*
 * A decoded string instruction, one iteration on registers from the
 * input: only rSI, rDI, rCX, rAX and the arithmetic flags may change, by
 * the rules of the element and address sizes.
 */
static void check_string(const struct svx_strop *s, int mode, const u8 *data,
			 size_t size)
{
	unsigned long regs[16], before[16], rflags, fl0;
	struct svx_x86_emu e = { .ops = &str_ops, .mode = mode };
	u64 val[2] = { 0, 0 }, store = 0, am;
	struct svx_str_iter it;
	unsigned int i;

	if (s->len == 0 || s->len > size || s->len > 15 || s->seg > 5 ||
	    s->op > SVX_STR_SCAS || s->rep > SVX_STR_REPNE ||
	    (s->size != 1 && s->size != 2 && s->size != 4 && s->size != 8) ||
	    (s->asize != 2 && s->asize != 4 && s->asize != 8) ||
	    (mode != 8 && (s->size == 8 || s->asize == 8)))
		abort();
	for (i = 0; i < 16; i++)
		regs[i] = 0x0101010101010101UL * (size ? data[i % size] : i);
	memcpy(before, regs, sizeof(regs));
	memcpy(val, data, size < 16 ? size : 16);
	fl0 = 0x2 | (size ? data[size - 1] & 0x4d5 : 0);
	rflags = fl0;
	e.regs = regs;
	e.rflags = &rflags;
	am = s->asize == 8 ? ~0ULL : (1ULL << (s->asize * 8)) - 1;
	if (!svx_str_next(&e, s, &it)) {
		if (!s->rep || (regs[1] & am))
			abort();
		return;
	}
	if (it.wr != (s->op == SVX_STR_MOVS || s->op == SVX_STR_STOS) ||
	    (mode != 8 && (it.la[0] >> 32 || it.la[1] >> 32)))
		abort();
	svx_str_commit(&e, s, val, &store);
	if (e.len != s->len || (!s->rep && !e.retire))
		abort();
	if ((rflags ^ fl0) & ~0x8d5UL)
		abort();
	if (s->size < 8 && (store >> (s->size * 8)))
		abort();
	for (i = 0; i < 16; i++) {
		if (regs[i] == before[i])
			continue;
		if (i != 0 && i != 1 && i != 6 && i != 7)
			abort();
		/* rSI/rDI/rCX: only the address-size part moves */
		if (i && s->asize == 2 && ((regs[i] ^ before[i]) & ~0xffffUL))
			abort();
	}
}

/* svx_x86_rm_step()'s memory: 64 KiB of RAM, MMIO at 0xfee00000 */
static u8 rm_arena[0x10000];

static int rm_read(void *ctx, u64 la, void *buf, unsigned int len)
{
	(void)ctx;
	if (la >= 0xfee00000 && la < 0xfee01000)
		return 1;
	if (la + len > sizeof(rm_arena))
		return -14;
	memcpy(buf, rm_arena + la, len);
	return 0;
}

static int rm_write(void *ctx, u64 la, const void *buf, unsigned int len)
{
	(void)ctx;
	if (la >= 0xfee00000 && la < 0xfee01000)
		return 1;
	if (la + len > sizeof(rm_arena))
		return -14;
	memcpy(rm_arena + la, buf, len);
	return 0;
}

static const struct svx_x86_rm_ops rm_fuzz_ops = {
	.read = rm_read, .write = rm_write,
};

static void check_rmstep(const u8 *data, size_t size)
{
	unsigned long regs[16], before[16];
	struct svx_x86_rm rm, rm0;
	unsigned int i;
	size_t n;
	u8 sel;
	int r;

	if (size < 2)
		return;
	sel = data[0];
	/* the bytes over and over: doubling copies */
	n = size < sizeof(rm_arena) ? size : sizeof(rm_arena);
	memcpy(rm_arena, data, n);
	for (; n < sizeof(rm_arena); n *= 2)
		memcpy(rm_arena + n, rm_arena,
		       n < sizeof(rm_arena) - n ? n : sizeof(rm_arena) - n);
	memset(&rm, 0, sizeof(rm));
	for (i = 0; i < 16; i++)
		regs[i] = (i < 8 ? 0x100 * i : 0) + data[i % size];
	rm.ops = &rm_fuzz_ops;
	rm.regs = regs;
	rm.rip = 0x100;
	rm.rflags = 2;
	rm.cr[0] = sel & 1;
	rm.gdt_base = 0x8000;
	rm.gdt_limit = 0xff;
	for (i = 0; i < 6; i++) {
		rm.seg[i].selector = i * 8;
		rm.seg[i].limit = (sel & 2) ? 0xffffffff : 0xffff;
		rm.seg[i].type = i == 1 && (sel & 4) ? 0xb : 3;
		rm.seg[i].s = 1;
		rm.seg[i].present = 1;
		rm.seg[i].db = i == 1 && (sel & 8);
	}
	rm.seg[4].base = 0xfee00000;	/* FS: MMIO */
	memcpy(rm_arena + 0x100, data + 1, size - 1 < 15 ? size - 1 : 15);
	memcpy(before, regs, sizeof(regs));
	rm0 = rm;
	r = svx_x86_rm_step(&rm);
	if (r < SVX_RM_DONE || r > SVX_RM_UNHANDLED || rm.len > 15)
		abort();
	if (r == SVX_RM_FAULT || r == SVX_RM_UNHANDLED || r == SVX_RM_CR ||
	    r == SVX_RM_RSM ||
	    ((r == SVX_RM_PIO || r == SVX_RM_MMIO) && rm.io.in)) {
		if (memcmp(regs, before, sizeof(regs)) || rm.rip != rm0.rip ||
		    rm.rflags != rm0.rflags ||
		    memcmp(rm.seg, rm0.seg, sizeof(rm.seg)) ||
		    rm.gdt_base != rm0.gdt_base)
			abort();
		if (rm.io.in && (r == SVX_RM_PIO || r == SVX_RM_MMIO))
			svx_x86_rm_complete(&rm, &rm.io, ~0ULL);
	} else if (rm.rip > rm.seg[1].limit) {
		abort();	/* retired past CS's limit */
	}
	for (i = 8; i < 16; i++)	/* no r8-r15 in 16/32-bit code */
		if (regs[i] != before[i])
			abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct svx_strop sop;
	struct svx_insn in;
	struct svx_rmw rmw;
	struct svx_string str;
	int mode;

	for (mode = 2; mode <= 8; mode *= 2) {
		/* A private copy of exactly size bytes: ASan catches overreads. */
		u8 *buf = malloc(size ? size : 1);

		memcpy(buf, data, size);
		if (mode != 2 && !svx_decode_mov(buf, size, mode, &in)) {
			if (in.len == 0 || in.len > size || in.len > 15)
				abort();
			if (in.size != 1 && in.size != 2 && in.size != 4 &&
			    in.size != 8)
				abort();
			if (in.reg > 15 || (in.high_byte && in.reg > 3))
				abort();
			if (in.is_write && in.sign_extend)
				abort();
		}
		if (!svx_decode_rmw(buf, size, mode, &rmw)) {
			if (rmw.len == 0 || rmw.len > size || rmw.len > 15 ||
			    rmw.reg > 15 || (rmw.high_byte && rmw.reg > 3) ||
			    !(rmw.mem_read || rmw.mem_write) ||
			    (rmw.size != 1 && rmw.size != 2 &&
			     rmw.size != 4 && rmw.size != 8 &&
			     rmw.size != 16 && rmw.op != SVX_RMW_LSEG &&
			     rmw.op != SVX_RMW_JMPF &&
			     rmw.op != SVX_RMW_CALLF))
				abort();
			if (rmw.size <= 8)
				check_exec(&rmw, data, size);
		}
		if (!svx_decode_strop(buf, size, mode, &sop))
			check_string(&sop, mode, buf, size);
		if (!svx_decode_string(buf, size, mode, &str) &&
		    (str.len == 0 || str.len > size || str.len > 15 ||
		     str.seg > 5))
			abort();
		free(buf);
	}
	check_rmstep(data, size);
	return 0;
}
