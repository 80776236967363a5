// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions (movs, cmps, stos, lods, scas; with or without
 * REP/REPE/REPNE; 16-, 32- and 64-bit address size; DF = 0 or 1) for the
 * emulator of x86/emulate.c, one iteration at a time, as KVM's emulator
 * carries them out on MMIO: svx_str_next() says where the iteration's
 * operands are and which are read and written, its host reads them
 * (each MMIO access one exit to userspace), then svx_str_commit() moves
 * the registers and flags and gives the value to store.  A REP form not
 * finished leaves RIP at the instruction: the guest executes it again.
 * Host-agnostic: also built by tools/testing/mmu.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include "emulate.h"

#define SVX_STR_RAX	0
#define SVX_STR_RCX	1
#define SVX_STR_RSI	6
#define SVX_STR_RDI	7

int svx_decode_strop(const u8 *bytes, unsigned int avail, int mode,
		     struct svx_strop *s)
{
	struct svx_prefixes p;
	u8 op;

	memset(s, 0, sizeof(*s));
	if (mode != 2 && mode != 4 && mode != 8)
		return -EINVAL;
	if (svx_decode_prefixes(bytes, avail, mode, &p) || p.lock ||
	    (p.rep && p.repne))
		return -EINVAL;
	op = bytes[p.len];
	switch (op & ~1) {
	case 0xa4:
		s->op = SVX_STR_MOVS;
		break;
	case 0xa6:
		s->op = SVX_STR_CMPS;
		break;
	case 0xaa:
		s->op = SVX_STR_STOS;
		break;
	case 0xac:
		s->op = SVX_STR_LODS;
		break;
	case 0xae:
		s->op = SVX_STR_SCAS;
		break;
	default:
		return -EINVAL;
	}
	s->len = p.len + 1;
	s->size = !(op & 1) ? 1 : (p.rex & 8) ? 8 :
		  ((mode == 2) != p.opsize) ? 2 : 4;
	s->asize = mode == 8 ? (p.adsize ? 4 : 8) :
		   ((mode == 2) != p.adsize) ? 2 : 4;
	s->rep = p.rep ? SVX_STR_REPE : p.repne ? SVX_STR_REPNE : 0;
	s->seg = p.seg < 0 ? 3 : p.seg;		/* DS */
	s->adsize_pfx = p.adsize;
	return 0;
}

static u64 svx_str_amask(unsigned int asize)
{
	return asize == 8 ? ~0ULL : (1ULL << (asize * 8)) - 1;
}

bool svx_str_next(const struct svx_x86_emu *e, const struct svx_strop *s,
		  struct svx_str_iter *it)
{
	u64 m = svx_str_amask(s->asize);
	unsigned long *regs = e->regs;

	memset(it, 0, sizeof(*it));
	if (s->rep && !(regs[SVX_STR_RCX] & m))
		return false;
	it->la[0] = e->ops->seg_base(e->ctx, s->seg) + (regs[SVX_STR_RSI] & m);
	it->la[1] = e->ops->seg_base(e->ctx, 0) + (regs[SVX_STR_RDI] & m);
	if (e->mode != 8) {
		it->la[0] = (u32)it->la[0];
		it->la[1] = (u32)it->la[1];
	}
	it->rd[0] = s->op == SVX_STR_MOVS || s->op == SVX_STR_CMPS ||
		    s->op == SVX_STR_LODS;
	it->rd[1] = s->op == SVX_STR_CMPS || s->op == SVX_STR_SCAS;
	it->wr = s->op == SVX_STR_MOVS || s->op == SVX_STR_STOS;
	return true;
}

/* KVM's assign_register(): a 32-bit address-size update zero-extends. */
static void svx_str_assign(unsigned long *r, u64 val, unsigned int asize)
{
	if (asize == 2)
		*r = (*r & ~0xffffUL) | (val & 0xffff);
	else if (asize == 4)
		*r = (u32)val;
	else
		*r = val;
}

void svx_str_commit(struct svx_x86_emu *e, const struct svx_strop *s,
		    const u64 val[2], u64 *store)
{
	unsigned int size = s->size;
	u64 m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	unsigned long *regs = e->regs;
	s64 step = (*e->rflags & X86_EFLAGS_DF) ? -(s64)size : size;
	struct svx_rmw cmp = { .op = SVX_RMW_CMP, .size = size };
	u64 dummy, fl, mask, a = regs[SVX_STR_RAX] & m;
	bool done = false;

	*store = 0;
	switch (s->op) {
	case SVX_STR_MOVS:
		*store = val[0] & m;
		break;
	case SVX_STR_STOS:
		*store = a;
		break;
	case SVX_STR_LODS:
		if (size == 4)
			regs[SVX_STR_RAX] = (u32)val[0];
		else if (size == 8)
			regs[SVX_STR_RAX] = val[0];
		else
			regs[SVX_STR_RAX] = (regs[SVX_STR_RAX] & ~m) |
					    (val[0] & m);
		break;
	case SVX_STR_CMPS:	/* flags of [rSI] - [rDI] */
	case SVX_STR_SCAS:	/* flags of rAX - [rDI] */
		svx_rmw_exec_fl(&cmp, s->op == SVX_STR_CMPS ? val[0] : a,
				val[1], 0, 0, &dummy, &dummy, &fl, &mask);
		*e->rflags = (*e->rflags & ~mask) | (fl & mask);
		if (s->rep == SVX_STR_REPE)
			done = !(fl & X86_EFLAGS_ZF);
		else if (s->rep == SVX_STR_REPNE)
			done = fl & X86_EFLAGS_ZF;
		break;
	}
	if (s->op != SVX_STR_STOS && s->op != SVX_STR_SCAS)
		svx_str_assign(&regs[SVX_STR_RSI], regs[SVX_STR_RSI] + step,
			       s->asize);
	if (s->op != SVX_STR_LODS)
		svx_str_assign(&regs[SVX_STR_RDI], regs[SVX_STR_RDI] + step,
			       s->asize);
	e->len = s->len;
	if (s->rep) {
		svx_str_assign(&regs[SVX_STR_RCX], regs[SVX_STR_RCX] - 1,
			       s->asize);
		done |= !(regs[SVX_STR_RCX] & svx_str_amask(s->asize));
	} else {
		done = true;
	}
	e->retire = done;
}
