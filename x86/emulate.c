// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 instruction emulator's execution (KVM's x86_emulate_insn() and
 * em_*(), arch/x86/kvm/emulate.c): what shadowvmx carries out in software
 * when the CPU cannot, on an MMIO access or a write to a shadowed guest
 * page table, once x86/decode.c has decoded the instruction.  The
 * arithmetic flags and ALU of the read-modify-write forms
 * (svx_rmw_exec_fl()); on MMIO, the rest of an instruction around the
 * access its host carried out: registers, flags, the stack of push/pop m
 * and call m, RIP (svx_x86_rmw_complete(), svx_x86_stack_complete(),
 * svx_x86_branch_complete()), the forms whose undefined flags must be the
 * CPU's through x86/fastop.c; on a page-table write, the whole
 * instruction, atomic against other vCPUs (svx_x86_emulate_rmw(),
 * svx_x86_emulate_string()).  Guest memory is reached only through the
 * host's callbacks (struct svx_x86_ops).  Host-agnostic: it also builds in
 * tools/testing/mmu for tests and fuzzing.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include "emulate_int.h"

/* ---------------------------------------------------------------------- */
/* The arithmetic of the read-modify-write forms                          */

/* PF, ZF, SF of @res at @size. */
static u64 svx_flags_pzs(u64 res, unsigned int size)
{
	u8 p = res;
	u64 f = 0;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(res & svx_size_mask(size)))
		f |= SVX_FL_ZF;
	if (res & (1ULL << (size * 8 - 1)))
		f |= SVX_FL_SF;
	if (!(p & 1))		/* even number of set bits in the low byte */
		f |= SVX_FL_PF;
	return f;
}

/*
 * @a op @b (+/- @carry) at @size for add/adc/sub/sbb/cmp/and/or/xor/test:
 * the result and, in *@flags, CF PF AF ZF SF OF as the CPU sets them
 * (AF 0 for the logical operations, whose AF the SDM leaves undefined).
 */
u64 svx_alu(enum svx_rmw_op op, u64 a, u64 b, unsigned int carry,
	    unsigned int size, u64 *flags)
{
	u64 m = svx_size_mask(size), sign = 1ULL << (size * 8 - 1), res;
	u64 f;

	a &= m;
	b &= m;
	switch (op) {
	case SVX_RMW_ADD:
	case SVX_RMW_ADC:
	case SVX_RMW_INC:
		res = (a + b + carry) & m;
		f = svx_flags_pzs(res, size);
		if (carry ? res <= a : res < a)
			f |= SVX_FL_CF;
		if (~(a ^ b) & (a ^ res) & sign)
			f |= SVX_FL_OF;
		f |= (a ^ b ^ res) & SVX_FL_AF;
		break;
	case SVX_RMW_SUB:
	case SVX_RMW_SBB:
	case SVX_RMW_CMP:
	case SVX_RMW_DEC:
	case SVX_RMW_NEG:
	case SVX_RMW_CMPXCHG:
		res = (a - b - carry) & m;
		f = svx_flags_pzs(res, size);
		if (carry ? a <= b : a < b)
			f |= SVX_FL_CF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= SVX_FL_OF;
		f |= (a ^ b ^ res) & SVX_FL_AF;
		break;
	case SVX_RMW_OR:
		res = a | b;
		f = svx_flags_pzs(res, size);
		break;
	case SVX_RMW_XOR:
		res = a ^ b;
		f = svx_flags_pzs(res, size);
		break;
	default:		/* and, test */
		res = a & b;
		f = svx_flags_pzs(res, size);
		break;
	}
	*flags = f;
	return res;
}

/* The condition @cc (the low nibble of jcc/setcc) on @fl. */
bool svx_cond(unsigned int cc, u64 fl)
{
	bool sf_ne_of = !(fl & SVX_FL_SF) != !(fl & SVX_FL_OF), r;

	switch (cc >> 1) {
	case 0:
		r = fl & SVX_FL_OF;
		break;
	case 1:
		r = fl & SVX_FL_CF;
		break;
	case 2:
		r = fl & SVX_FL_ZF;
		break;
	case 3:
		r = fl & (SVX_FL_CF | SVX_FL_ZF);
		break;
	case 4:
		r = fl & SVX_FL_SF;
		break;
	case 5:
		r = fl & SVX_FL_PF;
		break;
	case 6:
		r = sf_ne_of;
		break;
	default:
		r = (fl & SVX_FL_ZF) || sf_ne_of;
		break;
	}
	return r ^ (cc & 1);
}

static u64 svx_bswap(u64 v, unsigned int size)
{
	u64 r = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		r |= ((v >> (i * 8)) & 0xff) << ((size - 1 - i) * 8);
	return r;
}

bool svx_rmw_exec(const struct svx_rmw *rmw, u64 old, u64 reg_in, u64 rax,
		  u64 *new, u64 *reg_out, u64 *flags, u64 *flags_mask)
{
	return svx_rmw_exec_fl(rmw, old, reg_in, rax, 0, new, reg_out, flags,
			       flags_mask);
}

bool svx_rmw_exec_fl(const struct svx_rmw *rmw, u64 old, u64 reg_in,
		     u64 rax, u64 rflags, u64 *new, u64 *reg_out, u64 *flags,
		     u64 *flags_mask)
{
	unsigned int size = rmw->size, bits = size * 8, bit, carry;
	u64 m, src, res;

	*new = old;
	*reg_out = reg_in;
	*flags = 0;
	*flags_mask = 0;
	if (size > 8)		/* cmpxchg16b: see svx_emulate_pt_write() */
		return false;
	m = svx_size_mask(size);
	src = (rmw->has_imm ? rmw->imm : reg_in) & m;
	old &= m;
	*new = old;
	carry = (rmw->op == SVX_RMW_ADC || rmw->op == SVX_RMW_SBB) &&
		(rflags & SVX_FL_CF);
	switch (rmw->op) {
	case SVX_RMW_MOV:
		*new = src;
		return true;
	case SVX_RMW_LOAD:
		res = old;
		if (rmw->sign_extend)
			res = size == 1 ? (u64)(s64)(s8)res :
			      size == 2 ? (u64)(s64)(s16)res :
			      size == 4 ? (u64)(s64)(s32)res : res;
		*reg_out = res;
		return false;
	case SVX_RMW_MOVBE:
		if (rmw->to_reg) {
			*reg_out = svx_bswap(old, size);
			return false;
		}
		*new = svx_bswap(src, size);
		return true;
	case SVX_RMW_XCHG:
		*new = src;
		*reg_out = old;
		return true;
	case SVX_RMW_XADD:
		*new = svx_alu(SVX_RMW_ADD, old, src, 0, size, flags);
		*flags_mask = SVX_FL_ARITH;
		*reg_out = old;
		return true;
	case SVX_RMW_IMUL: {	/* CF = OF = the product does not fit */
		s64 a = svx_sext(old, size);
		s64 b = svx_sext(rmw->has_imm ? rmw->imm : reg_in, size);
		__int128 p = (__int128)a * b;

		res = (u64)p;
		*reg_out = res;
		*flags_mask = SVX_FL_CF | SVX_FL_OF;
		if (p != (__int128)svx_sext(res, size))
			*flags = SVX_FL_CF | SVX_FL_OF;
		return false;
	}
	case SVX_RMW_CMOV:	/* a 32-bit destination is written anyway */
		*reg_out = svx_cond(rmw->cc, rflags) ? old : reg_in;
		return false;
	case SVX_RMW_CMPXCHG:
		/* Flags of CMP accumulator, memory. */
		svx_alu(SVX_RMW_CMPXCHG, rax, old, 0, size, flags);
		*flags_mask = SVX_FL_ARITH;
		if ((rax & m) == old) {
			*new = src;
			return true;
		}
		*reg_out = old;	/* the accumulator gets memory */
		return false;
	case SVX_RMW_CMPXCHG8B:
		*flags_mask = SVX_FL_ZF;
		if (rax == old) {	/* rax = EDX:EAX, reg_in = ECX:EBX */
			*flags = SVX_FL_ZF;
			*new = reg_in;
			return true;
		}
		*reg_out = old;
		return false;
	case SVX_RMW_ADD:
	case SVX_RMW_ADC:
	case SVX_RMW_SUB:
	case SVX_RMW_SBB:
	case SVX_RMW_OR:
	case SVX_RMW_AND:
	case SVX_RMW_XOR:
	case SVX_RMW_CMP:
	case SVX_RMW_TEST:
		*flags_mask = SVX_FL_ARITH;
		if (rmw->to_reg) {	/* op r, r/m: memory is the source */
			res = svx_alu(rmw->op, reg_in, old, carry, size, flags);
			if (rmw->op != SVX_RMW_CMP && rmw->op != SVX_RMW_TEST)
				*reg_out = res;
			return false;
		}
		res = svx_alu(rmw->op, old, src, carry, size, flags);
		if (rmw->op == SVX_RMW_CMP || rmw->op == SVX_RMW_TEST)
			return false;
		*new = res;
		return true;
	case SVX_RMW_INC:
	case SVX_RMW_DEC:
		/* CF is kept. */
		*new = svx_alu(rmw->op, old, 1, 0, size, flags);
		*flags_mask = SVX_FL_ARITH & ~SVX_FL_CF;
		return true;
	case SVX_RMW_NEG:
		*new = svx_alu(SVX_RMW_NEG, 0, old, 0, size, flags);
		*flags_mask = SVX_FL_ARITH;
		return true;
	case SVX_RMW_NOT:
		*new = ~old & m;
		return true;
	case SVX_RMW_SETCC:
		*new = svx_cond(rmw->cc, rflags);
		return true;
	case SVX_RMW_CMPXCHG16B:	/* not reached: size 16 */
		return false;
	case SVX_RMW_MUL:	/* the CPU's: svx_x86_rmw_complete() only */
	case SVX_RMW_IMUL1:
	case SVX_RMW_DIV:
	case SVX_RMW_IDIV:
	case SVX_RMW_SHIFT:
	case SVX_RMW_SHLD:
	case SVX_RMW_SHRD:
	case SVX_RMW_BSF:
	case SVX_RMW_BSR:
	case SVX_RMW_XLAT:	/* these: svx_x86_rmw_complete() */
	case SVX_RMW_STORE_SYS:
	case SVX_RMW_JMP:
	case SVX_RMW_CALL:
	case SVX_RMW_LSEG:
	case SVX_RMW_JMPF:
	case SVX_RMW_CALLF:
		return false;
	case SVX_RMW_PUSH:	/* the stack: svx_x86_stack_complete() */
		*reg_out = old;
		return false;
	case SVX_RMW_POP:	/* @reg_in: the value popped */
		*new = src;
		return true;
	case SVX_RMW_BT:
	case SVX_RMW_BTS:
	case SVX_RMW_BTR:
	case SVX_RMW_BTC:
		bit = src & (bits - 1);
		*flags = (old >> bit) & 1 ? SVX_FL_CF : 0;
		*flags_mask = SVX_FL_CF;
		if (rmw->op == SVX_RMW_BT)
			return false;
		*new = rmw->op == SVX_RMW_BTS ? old | (1ULL << bit) :
		       rmw->op == SVX_RMW_BTR ? old & ~(1ULL << bit) :
						old ^ (1ULL << bit);
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* On the vCPU: MMIO completion, page-table writes                        */

/* The register operand and accumulator inputs of @rmw. */
static void svx_rmw_inputs(const struct svx_x86_emu *e,
			   const struct svx_rmw *rmw, u64 *reg_in, u64 *rax)
{
	unsigned long *regs = e->regs;

	*reg_in = rmw->high_byte ? regs[rmw->reg] >> 8 : regs[rmw->reg];
	*rax = regs[SVX_X86_RAX];
	if (rmw->op == SVX_RMW_CMPXCHG8B) {
		*rax = (u32)*rax | (u64)regs[SVX_X86_RDX] << 32;
		*reg_in = (u32)regs[SVX_X86_RBX] |
			  (u64)regs[SVX_X86_RCX] << 32;
	}
}

/* Write @val to register @reg at @size (32-bit writes zero-extend). */
static void svx_set_reg(unsigned long *r, u64 val, unsigned int size,
			bool high)
{
	if (high)
		*r = (*r & ~0xff00UL) | (val & 0xff) << 8;
	else if (size == 4)
		*r = (u32)val;
	else if (size == 8)
		*r = val;
	else
		*r = (*r & ~((1UL << (size * 8)) - 1)) |
		     (val & ((1UL << (size * 8)) - 1));
}

/* Register results and flags of @rmw after svx_rmw_exec_fl(). */
static void svx_rmw_writeback(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			      bool written, u64 reg_out, u64 flags, u64 mask)
{
	unsigned long *regs = e->regs;

	if (rmw->op == SVX_RMW_XCHG || rmw->op == SVX_RMW_XADD ||
	    (rmw->to_reg && rmw->op != SVX_RMW_CMP &&
	     rmw->op != SVX_RMW_TEST)) {
		svx_set_reg(&regs[rmw->reg], reg_out, rmw->dst_size,
			    rmw->high_byte);
	} else if (rmw->op == SVX_RMW_CMPXCHG && !written) {
		svx_set_reg(&regs[SVX_X86_RAX], reg_out, rmw->size, false);
	} else if (rmw->op == SVX_RMW_CMPXCHG8B && !written) {
		regs[SVX_X86_RAX] = (u32)reg_out;
		regs[SVX_X86_RDX] = reg_out >> 32;
	}
	*e->rflags = (*e->rflags & ~mask) | (flags & mask);
	e->len = rmw->len;
	e->retire = true;
}

/* The fastop forms (SVX_RMW_MUL and after): true when memory is written. */
static bool svx_rmw_fastop(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			   u64 old, u64 *new)
{
	unsigned long *regs = e->regs;
	unsigned int size = rmw->size;
	u64 m = svx_size_mask(size), fl = *e->rflags, reg_in, v;
	u8 cnt = rmw->count_cl ? regs[SVX_X86_RCX] : rmw->imm;
	bool written = false;

	old &= m;
	*new = old;
	reg_in = rmw->high_byte ? regs[rmw->reg] >> 8 : regs[rmw->reg];
	switch (rmw->op) {
	case SVX_RMW_MUL:
	case SVX_RMW_IMUL1:
	case SVX_RMW_DIV:
	case SVX_RMW_IDIV:
		if (!svx_fop_muldiv(rmw->op, size, regs, old, &fl)) {
			e->de = true;	/* KVM's emulate_de() */
			return false;
		}
		break;
	case SVX_RMW_SHIFT:	/* memory written even by a count of 0 */
		*new = svx_fop_shift(rmw->sub, size, old, cnt, &fl) & m;
		written = true;
		break;
	case SVX_RMW_SHLD:
	case SVX_RMW_SHRD:
		*new = svx_fop_shxd(rmw->op == SVX_RMW_SHLD, size, old, reg_in,
				    cnt, &fl) & m;
		written = true;
		break;
	case SVX_RMW_BSF:
	case SVX_RMW_BSR:
		v = svx_fop_bsx(rmw->op == SVX_RMW_BSF, size, reg_in, old, &fl);
		if (old)	/* KVM's em_bsf_c(): no write-back of a zero */
			svx_set_reg(&regs[rmw->reg], v, size, false);
		break;
	default:
		return false;
	}
	*e->rflags = (*e->rflags & ~SVX_FL_ARITH) | (fl & SVX_FL_ARITH);
	e->len = rmw->len;
	e->retire = true;
	return written;
}

bool svx_x86_rmw_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			  u64 old, u64 *new)
{
	u64 reg_in, reg_out, rax, flags, mask;
	bool written;

	switch (rmw->op) {
	case SVX_RMW_XLAT:
		svx_set_reg(&e->regs[SVX_X86_RAX], old, 1, false);
		e->len = rmw->len;
		e->retire = true;
		return false;
	case SVX_RMW_STORE_SYS:
		*new = e->sys_val & svx_size_mask(rmw->wr_size ?: rmw->size);
		e->len = rmw->len;
		e->retire = true;
		return true;
	case SVX_RMW_JMP:
	case SVX_RMW_CALL:	/* svx_x86_branch_complete() */
	case SVX_RMW_JMPF:	/* the host's */
	case SVX_RMW_CALLF:
		return false;
	case SVX_RMW_LSEG:	/* @old: the offset (the segment: the host) */
		svx_set_reg(&e->regs[rmw->reg], old, rmw->dst_size, false);
		e->len = rmw->len;
		e->retire = true;
		return false;
	default:
		break;
	}
	if (rmw->op >= SVX_RMW_MUL)
		return svx_rmw_fastop(e, rmw, old, new);
	svx_rmw_inputs(e, rmw, &reg_in, &rax);
	written = svx_rmw_exec_fl(rmw, rmw->mem_read ? old : 0, reg_in, rax,
				  *e->rflags, new, &reg_out, &flags, &mask);
	svx_rmw_writeback(e, rmw, written, reg_out, flags, mask);
	if (!written && (rmw->op == SVX_RMW_CMPXCHG ||
			 rmw->op == SVX_RMW_CMPXCHG8B)) {
		/* A failed cmpxchg writes back what it read (SDM CMPXCHG). */
		*new = old & svx_size_mask(rmw->size);
		return true;
	}
	return written;
}

int svx_x86_stack_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			   u64 old, u64 *new)
{
	u64 m = e->ss_size == 8 ? ~0ULL : e->ss_size == 4 ? 0xffffffffULL :
		0xffffULL, sp, la, base = e->ops->seg_base(e->ctx, 2);
	unsigned long *rsp = &e->regs[4];
	unsigned int size = rmw->size;
	int written;

	if ((rmw->op != SVX_RMW_PUSH && rmw->op != SVX_RMW_POP) || size > 8)
		return -EINVAL;
	sp = rmw->op == SVX_RMW_PUSH ? (*rsp - size) & m : *rsp & m;
	la = base + sp;
	if (e->mode != 8)
		la = (u32)la;
	if (rmw->op == SVX_RMW_PUSH) {
		if (!e->ops->write_virt ||
		    e->ops->write_virt(e->ctx, la, &old, size))
			return -EFAULT;
		written = 0;
	} else {
		*new = 0;
		if (e->ops->read_virt(e->ctx, la, new, size))
			return -EFAULT;
		sp += size;
		written = 1;
	}
	*rsp = (*rsp & ~m) | (sp & m);
	e->len = rmw->len;
	e->retire = true;
	return written;
}

int svx_x86_branch_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			    u64 old, u32 cs_limit, unsigned int va_bits)
{
	u64 m = svx_size_mask(e->ss_size), ip = old & svx_size_mask(rmw->size);
	u64 sp, la, ret = e->ip + rmw->len;	/* the next RIP */
	unsigned long *rsp = &e->regs[SVX_X86_RSP];

	if (rmw->op != SVX_RMW_JMP && rmw->op != SVX_RMW_CALL)
		return -EINVAL;
	/* KVM's assign_eip(): __linearize() of CS:ip, one byte, a fetch */
	if (e->mode == 8) {
		if ((u64)((s64)(ip << (64 - va_bits)) >> (64 - va_bits)) != ip)
			return 1;
	} else if (ip > cs_limit) {
		return 1;
	}
	if (rmw->op == SVX_RMW_CALL) {	/* KVM's em_push() of the old RIP */
		ret &= svx_size_mask(rmw->size);
		sp = (*rsp - rmw->size) & m;
		la = e->ops->seg_base(e->ctx, 2) + sp;
		if (e->mode != 8)
			la = (u32)la;
		if (!e->ops->write_virt ||
		    e->ops->write_virt(e->ctx, la, &ret, rmw->size))
			return -EFAULT;
		*rsp = (*rsp & ~m) | sp;
	}
	e->ip = ip;
	e->len = rmw->len;
	e->retire = true;
	return 0;
}

int svx_x86_emulate_rmw(struct svx_x86_emu *e, const u8 *bytes,
			unsigned int avail, u64 gpa, struct svx_x86_write *w)
{
	const struct svx_x86_ops *ops = e->ops;
	unsigned long *regs = e->regs;
	u64 old = 0, new, reg_in, reg_out = 0, rax, flags, mask;
	struct svx_rmw rmw;
	bool written;
	int r;

	if (svx_decode_rmw(bytes, avail, e->mode, &rmw) || !rmw.mem_write ||
	    rmw.op == SVX_RMW_POP || rmw.op >= SVX_RMW_MUL ||
	    (gpa & ~PAGE_MASK) + rmw.size > PAGE_SIZE ||
	    (gpa & (rmw.size - 1)))
		return -EINVAL;

	svx_rmw_inputs(e, &rmw, &reg_in, &rax);
	/* Read, compute, compare-exchange: atomic against other vCPUs. */
	if (rmw.op == SVX_RMW_CMPXCHG16B) {
		u64 cmp[2] = { regs[SVX_X86_RAX], regs[SVX_X86_RDX] };
		u64 val[2] = { regs[SVX_X86_RBX], regs[SVX_X86_RCX] };

		r = ops->cmpxchg_phys(e->ctx, gpa, cmp, val, 16);
		if (r < 0)
			return r;
		written = !r;
		if (!written) {		/* RDX:RAX gets memory */
			regs[SVX_X86_RAX] = cmp[0];
			regs[SVX_X86_RDX] = cmp[1];
		}
		old = cmp[0];
		new = val[0];
		flags = written ? X86_EFLAGS_ZF : 0;
		mask = X86_EFLAGS_ZF;
		*e->rflags = (*e->rflags & ~mask) | (flags & mask);
		e->len = rmw.len;
		e->retire = true;
	} else {
		do {
			r = 0;
			old = 0;
			if (ops->read_phys(e->ctx, gpa, &old, rmw.size))
				return -EFAULT;
			written = svx_rmw_exec_fl(&rmw, old, reg_in, rax,
						  *e->rflags, &new, &reg_out,
						  &flags, &mask);
			if (!written)
				break;
			if (rmw.size < 4) {
				/* Byte/word: not atomic (tables use 4, 8). */
				r = ops->write_phys(e->ctx, gpa, &new,
						    rmw.size) ? -EFAULT : 0;
				break;
			}
			r = ops->cmpxchg_phys(e->ctx, gpa, &old, &new,
					      rmw.size);
		} while (r == 1);
		if (r)
			return r;
		svx_rmw_writeback(e, &rmw, written, reg_out, flags, mask);
	}
	w->old = old;
	w->new = new;
	w->size = rmw.size;
	w->written = written;
	return 0;
}

int svx_x86_emulate_string(struct svx_x86_emu *e, const u8 *bytes,
			   unsigned int avail, u64 gpa)
{
	const struct svx_x86_ops *ops = e->ops;
	unsigned long *regs = e->regs;
	u64 mask = e->mode == 8 ? ~0ULL : 0xffffffffULL, count, src;
	unsigned int size, n, bytes_n;
	struct svx_string str;
	u8 buf[256];

	if (svx_decode_string(bytes, avail, e->mode, &str) ||
	    (*e->rflags & X86_EFLAGS_DF))
		return 0;
	size = str.size;
	count = str.rep ? regs[SVX_X86_RCX] & mask : 1;
	if (!count || (gpa & (size - 1)))
		return 0;
	n = min_t(u64, count, (PAGE_SIZE - (gpa & ~PAGE_MASK)) / size);
	while (n) {
		unsigned int k = min_t(unsigned int, n, sizeof(buf) / size), j;

		bytes_n = k * size;
		if (str.movs) {
			src = ops->seg_base(e->ctx, str.seg) +
			      (regs[SVX_X86_RSI] & mask);
			if (ops->read_virt(e->ctx, src, buf, bytes_n))
				return 0;
		} else {
			for (j = 0; j < k; j++)
				memcpy(buf + j * size, &regs[SVX_X86_RAX], size);
		}
		if (ops->write_phys(e->ctx, gpa, buf, bytes_n))
			return 0;
		gpa += bytes_n;
		regs[SVX_X86_RDI] = (regs[SVX_X86_RDI] & ~mask) |
				    ((regs[SVX_X86_RDI] + bytes_n) & mask);
		if (str.movs)
			regs[SVX_X86_RSI] = (regs[SVX_X86_RSI] & ~mask) |
					    ((regs[SVX_X86_RSI] + bytes_n) &
					     mask);
		count -= k;
		n -= k;
	}
	if (str.rep)
		regs[SVX_X86_RCX] = (regs[SVX_X86_RCX] & ~mask) |
				    (count & mask);
	e->len = str.len;
	e->retire = !count;
	return 1;
}
