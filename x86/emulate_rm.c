// SPDX-License-Identifier: GPL-2.0
/*
 * Whole instructions of 16- and 32-bit code, one at a time, for a vCPU
 * VMX cannot enter: kvm_intel's emulate_invalid_guest_state (vmx.c
 * handle_invalid_guest_state(), x86_emulate_insn() of emulate.c).  Without
 * unrestricted guest, real mode runs in virtual-8086 mode (vmx/rmode.c),
 * which needs every segment at base = selector * 16 with a 64 KiB limit;
 * SMM starts in "big real mode" (CS.base = SMBASE, 4 GiB limits) and its
 * handler switches to protected mode with segments vm86 cannot hold either.
 * Until the segments are valid again (svx_x86_rm_segs_valid()) the host
 * runs the vCPU here.
 *
 * What is emulated is what SMI handlers run (KVM's smm_test handler, our
 * selftests/smm_test.c, SeaBIOS's entry_smi and transition32): mov r/m,
 * r/imm, moffs, sreg, movzx/movsx, lea; add/or/adc/sbb/and/sub/xor/cmp,
 * test, inc/dec, not/neg, xchg; push/pop r, imm, sreg, r/m, pushf/popf;
 * jmp/jcc/call/ret near, jmp far (ptr16:16/32 and m16:16/32), retf,
 * iret (real mode);
 * in/out imm8 and DX; cli/sti/cld/std/clc/stc/cmc, nop, hlt; lgdt/lidt,
 * mov to/from CRn; rsm.  16- and 32-bit operand and address sizes (66,
 * 67, CS.D), segment overrides; every memory access checked against its
 * segment's limit and type (KVM's __linearize(): #GP(0), #SS(0) for the
 * stack).  Segment loads as KVM's __load_segment_descriptor(): with
 * CR0.PE=0 only the base changes (sel * 16: "unreal mode" keeps its
 * limits), with CR0.PE=1 from the GDT at CPL 0 with its checks and the
 * accessed bit.  Everything else is SVX_RM_UNHANDLED, an emulation
 * failure, never a guess.  Host-agnostic: tools/testing/mmu tests it.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include "emulate_int.h"
#include "desc.h"

#define RM_ES	0
#define RM_CS	1
#define RM_SS	2
#define RM_DS	3

#define RM_GP	13
#define RM_SS_VEC 12
#define RM_NP	11
#define RM_UD	6

/* One instruction being decoded and run. */
struct rm_ctx {
	struct svx_x86_rm *rm;
	const u8 *b;		/* its bytes */
	unsigned int avail, i;	/* fetched, decoded so far */
	unsigned int opsz, asz;	/* operand and address size: 2 or 4 */
	int seg;		/* segment override, or -1 */
	unsigned long regs[8];	/* the registers, committed on success */
	unsigned long rip, rflags;
	struct svx_x86_seg seg_out[6];
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	u8 shadow;
	bool nmi_unmask;	/* IRET */
	bool branched;		/* RIP set by the instruction */
};

/* A ModRM operand: a register, or seg:ea. */
struct rm_opnd {
	bool is_reg;
	u8 reg;
	int seg;
	u32 ea;
};

static int rm_fault(struct rm_ctx *c, u8 vector, u32 error_code)
{
	c->rm->vector = vector;
	c->rm->has_error = vector != RM_UD;
	c->rm->error_code = error_code;
	return SVX_RM_FAULT;
}

static u64 rm_reg(const struct rm_ctx *c, unsigned int n, unsigned int size)
{
	if (size == 1)
		return n < 4 ? c->regs[n] & 0xff : (c->regs[n - 4] >> 8) & 0xff;
	return c->regs[n] & svx_size_mask(size);
}

/* KVM's assign_register(): 8/16 bits merged, 32 bits zero-extended. */
static void rm_set_reg(struct rm_ctx *c, unsigned int n, unsigned int size,
		       u64 val)
{
	if (size == 1 && n >= 4)
		c->regs[n - 4] = (c->regs[n - 4] & ~0xff00UL) |
				 ((val & 0xff) << 8);
	else if (size == 1)
		c->regs[n] = (c->regs[n] & ~0xffUL) | (val & 0xff);
	else if (size == 2)
		c->regs[n] = (c->regs[n] & ~0xffffUL) | (val & 0xffff);
	else
		c->regs[n] = (u32)val;
}

static bool rm_pe(const struct rm_ctx *c)
{
	return c->rm->cr[0] & X86_CR0_PE;
}

/*
 * KVM's __linearize() for 16/32-bit code: @seg usable, its type allowing
 * the access, [@ea, @ea + @size) inside its limit (expand-down too).
 * 0, or SVX_RM_FAULT (#SS(0) for SS, #GP(0) otherwise).
 */
static int rm_check(struct rm_ctx *c, int seg, u32 ea, unsigned int size,
		    bool write, bool fetch, u64 *la)
{
	const struct svx_x86_seg *s = &c->seg_out[seg];
	u8 vec = seg == RM_SS ? RM_SS_VEC : RM_GP;
	u64 lo = 0, hi = s->limit;

	if (s->unusable || !s->present)
		return rm_fault(c, vec, 0);
	if (write && (((s->type & 8) && rm_pe(c)) || !(s->type & 2)))
		return rm_fault(c, vec, 0);
	if (!fetch && (s->type & 8) && !(s->type & 2))
		return rm_fault(c, vec, 0);
	if (!(s->type & 8) && (s->type & 4)) {	/* expand-down */
		lo = (u64)s->limit + 1;
		hi = s->db ? 0xffffffffULL : 0xffff;
	}
	if (ea < lo || (u64)ea + size - 1 > hi)
		return rm_fault(c, vec, 0);
	*la = (u32)(s->base + ea);
	return 0;
}

/*
 * Guest memory by linear address through the host, split at pages:
 * 0, 1 (not RAM: nothing accessed if it is the first piece), or
 * SVX_RM_UNHANDLED.
 */
static int rm_mem(struct rm_ctx *c, u64 la, void *buf, unsigned int len,
		  bool write)
{
	unsigned int done = 0;

	while (done < len) {
		unsigned int n = min_t(u64, len - done,
				       PAGE_SIZE - ((la + done) & ~PAGE_MASK));
		u64 a = (u32)(la + done);
		int r = write ? c->rm->ops->write(c->rm->ctx, a,
						  (const u8 *)buf + done, n) :
				c->rm->ops->read(c->rm->ctx, a,
						 (u8 *)buf + done, n);

		if (r == 1 && !done && n == len)
			return 1;
		if (r)
			return SVX_RM_UNHANDLED;
		done += n;
	}
	return 0;
}

/* Read @size bytes at @seg:@ea: 0, SVX_RM_FAULT or SVX_RM_UNHANDLED. */
static int rm_read(struct rm_ctx *c, int seg, u32 ea, u64 *val,
		   unsigned int size)
{
	u64 la;
	int r = rm_check(c, seg, ea, size, false, false, &la);

	*val = 0;
	if (r)
		return r;
	r = rm_mem(c, la, val, size, false);
	return r == 1 ? SVX_RM_UNHANDLED : r;
}

static int rm_write(struct rm_ctx *c, int seg, u32 ea, u64 val,
		    unsigned int size)
{
	u64 la;
	int r = rm_check(c, seg, ea, size, true, false, &la);

	if (r)
		return r;
	r = rm_mem(c, la, &val, size, true);
	return r == 1 ? SVX_RM_UNHANDLED : r;
}

static int rm_fetch(struct rm_ctx *c, unsigned int n, u64 *val)
{
	if (c->i + n > c->avail)
		return SVX_RM_UNHANDLED;
	*val = 0;
	memcpy(val, c->b + c->i, n);
	c->i += n;
	return 0;
}

/* An immediate of @n bytes, sign-extended (to 64 bits) if @sx. */
static int rm_imm(struct rm_ctx *c, unsigned int n, bool sx, u64 *val)
{
	int r = rm_fetch(c, n, val);

	if (!r && sx)
		*val = (u64)svx_sext(*val, n);
	return r;
}

/* Decode ModRM (+ SIB, displacement) at c->i into @o; its reg field. */
static int rm_modrm(struct rm_ctx *c, struct rm_opnd *o, u8 *regf)
{
	u8 modrm, mod, rm;
	int def = RM_DS;
	u64 disp = 0;
	u32 ea = 0;

	if (c->i >= c->avail)
		return SVX_RM_UNHANDLED;
	modrm = c->b[c->i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	*regf = (modrm >> 3) & 7;
	memset(o, 0, sizeof(*o));
	if (mod == 3) {
		o->is_reg = true;
		o->reg = rm;
		return 0;
	}
	if (c->asz == 2) {
		static const s8 base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
		static const s8 index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };

		if (mod == 0 && rm == 6) {
			if (rm_fetch(c, 2, &disp))
				return SVX_RM_UNHANDLED;
		} else {
			ea = c->regs[base[rm]];
			if (index[rm] >= 0)
				ea += c->regs[index[rm]];
			if (base[rm] == 5)
				def = RM_SS;	/* BP */
			if (mod && rm_imm(c, mod, true, &disp))
				return SVX_RM_UNHANDLED;
		}
		ea = (u16)(ea + disp);
	} else {
		if (rm == 4) {
			u8 sib, b, idx;

			if (c->i >= c->avail)
				return SVX_RM_UNHANDLED;
			sib = c->b[c->i++];
			b = sib & 7;
			idx = (sib >> 3) & 7;
			if (mod == 0 && b == 5) {
				if (rm_fetch(c, 4, &disp))
					return SVX_RM_UNHANDLED;
			} else {
				ea = c->regs[b];
				if (b == 4 || b == 5)
					def = RM_SS;
			}
			if (idx != 4)
				ea += (u32)c->regs[idx] << (sib >> 6);
		} else if (mod == 0 && rm == 5) {
			if (rm_fetch(c, 4, &disp))
				return SVX_RM_UNHANDLED;
		} else {
			ea = c->regs[rm];
			if (rm == 5)
				def = RM_SS;
		}
		if (mod && rm_imm(c, mod == 1 ? 1 : 4, true, &disp))
			return SVX_RM_UNHANDLED;
		ea = (u32)(ea + disp);
	}
	o->seg = c->seg >= 0 ? c->seg : def;
	o->ea = ea;
	return 0;
}

static int rm_get(struct rm_ctx *c, const struct rm_opnd *o,
		  unsigned int size, u64 *val)
{
	if (o->is_reg) {
		*val = rm_reg(c, o->reg, size);
		return 0;
	}
	return rm_read(c, o->seg, o->ea, val, size);
}

static int rm_put(struct rm_ctx *c, const struct rm_opnd *o,
		  unsigned int size, u64 val)
{
	if (o->is_reg) {
		rm_set_reg(c, o->reg, size, val);
		return 0;
	}
	return rm_write(c, o->seg, o->ea, val, size);
}

/* The stack pointer's size: SS.B (KVM's stack_mask()). */
static unsigned int rm_ssz(const struct rm_ctx *c)
{
	return c->seg_out[RM_SS].db ? 4 : 2;
}

static int rm_push(struct rm_ctx *c, u64 val, unsigned int size)
{
	unsigned int ss = rm_ssz(c);
	u32 sp = (c->regs[SVX_X86_RSP] - size) & svx_size_mask(ss);
	int r = rm_write(c, RM_SS, sp, val, size);

	if (!r)
		rm_set_reg(c, SVX_X86_RSP, ss, sp);
	return r;
}

static int rm_pop(struct rm_ctx *c, u64 *val, unsigned int size)
{
	unsigned int ss = rm_ssz(c);
	u32 sp = c->regs[SVX_X86_RSP] & svx_size_mask(ss);
	int r = rm_read(c, RM_SS, sp, val, size);

	if (!r)
		rm_set_reg(c, SVX_X86_RSP, ss, sp + size);
	return r;
}

/*
 * KVM's assign_eip_near() outside 64-bit code: the target at the operand
 * size, inside CS's limit, else #GP(0).
 */
static int rm_jump(struct rm_ctx *c, u64 target, unsigned int size,
		   const struct svx_x86_seg *cs)
{
	target &= svx_size_mask(size);
	if (target > cs->limit)
		return rm_fault(c, RM_GP, 0);
	c->rip = target;
	c->branched = true;
	return 0;
}

/*
 * KVM's __load_segment_descriptor() for a MOV/POP to a segment register
 * or a far JMP (@seg RM_CS) at CPL 0: *@out the segment loaded.
 */
static int rm_load_seg(struct rm_ctx *c, u16 sel, int seg,
		       struct svx_x86_seg *out)
{
	u32 err = sel & 0xfffc;
	u8 rpl = sel & 3, cpl = 0;
	u64 d, la;
	int r;

	*out = c->seg_out[seg];
	if (!rm_pe(c)) {	/* keep the limit etc. (unreal mode) */
		out->selector = sel;
		out->base = (u64)sel << 4;
		return 0;
	}
	if (!(sel & ~3)) {
		if (seg == RM_CS || seg == RM_SS)
			return rm_fault(c, RM_GP, 0);
		memset(out, 0, sizeof(*out));
		out->selector = sel;
		out->unusable = 1;
		return 0;
	}
	if (sel & 4)		/* the LDT: no SMI handler uses one */
		return SVX_RM_UNHANDLED;
	if ((u32)(sel | 7) > c->gdt_limit)
		return rm_fault(c, RM_GP, err);
	la = (u32)(c->gdt_base + (sel & ~7));
	r = rm_mem(c, la, &d, 8, false);
	if (r)
		return SVX_RM_UNHANDLED;
	memset(out, 0, sizeof(*out));
	out->selector = sel;
	out->limit = svx_desc_limit(d);
	out->base = svx_desc_base(d);
	out->type = svx_desc_type(d);
	out->s = svx_desc_s(d);
	out->dpl = svx_desc_dpl(d);
	out->present = svx_desc_p(d);
	out->avl = svx_desc_avl(d);
	out->l = svx_desc_l(d);
	out->db = svx_desc_db(d);
	out->g = svx_desc_g(d);
	if (!out->s) {	/* a system descriptor: a call gate on jmp */
		if (seg == RM_CS)
			return SVX_RM_UNHANDLED;
		return rm_fault(c, RM_GP, err);
	}
	if (seg == RM_SS) {
		if (rpl != cpl || (out->type & 0xa) != 0x2 || out->dpl != cpl)
			return rm_fault(c, RM_GP, err);
	} else if (seg == RM_CS) {
		if (!(out->type & 8))
			return rm_fault(c, RM_GP, err);
		if ((out->type & 4) ? out->dpl > cpl :
				      rpl > cpl || out->dpl != cpl)
			return rm_fault(c, RM_GP, err);
		out->selector = (sel & 0xfffc) | cpl;
	} else if ((out->type & 0xa) == 0x8 ||
		   ((out->type & 0xc) != 0xc && rpl > out->dpl &&
		    cpl > out->dpl)) {
		return rm_fault(c, RM_GP, err);
	}
	if (!out->present)
		return rm_fault(c, seg == RM_SS ? RM_SS_VEC : RM_NP, err);
	if (!(out->type & 1)) {	/* mark it accessed */
		u8 ab = (d >> 40) | 1;

		out->type |= 1;
		if (rm_mem(c, la + 5, &ab, 1, true))
			return SVX_RM_UNHANDLED;
	}
	return 0;
}

/* MOV/POP to a data or stack segment register: STI-like shadow for SS. */
static int rm_set_sreg(struct rm_ctx *c, int seg, u16 sel)
{
	struct svx_x86_seg s;
	int r = rm_load_seg(c, sel, seg, &s);

	if (r)
		return r;
	c->seg_out[seg] = s;
	if (seg == RM_SS)
		c->shadow = 2;
	return 0;
}

/* far JMP to @sel:@off (KVM's em_jmp_far()) */
static int rm_jmp_far(struct rm_ctx *c, u16 sel, u64 off)
{
	struct svx_x86_seg cs;
	int r = rm_load_seg(c, sel, RM_CS, &cs);

	if (r)
		return r;
	r = rm_jump(c, off, c->opsz, &cs);
	if (!r)
		c->seg_out[RM_CS] = cs;
	return r;
}

/* POPF (KVM's emulate_popf() at CPL 0, real or protected mode) */
static int rm_popf(struct rm_ctx *c)
{
	unsigned long mask = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
			     X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF |
			     X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT |
			     X86_EFLAGS_AC | X86_EFLAGS_ID | X86_EFLAGS_IOPL |
			     X86_EFLAGS_IF;
	u64 v;
	int r = rm_pop(c, &v, c->opsz);

	if (r)
		return r;
	mask &= svx_size_mask(c->opsz);
	c->rflags = (c->rflags & ~mask) | (v & mask) | X86_EFLAGS_FIXED;
	return 0;
}

/*
 * IRET in real mode (KVM's emulate_iret_real()): IP, CS and FLAGS popped
 * at the operand size, CS loaded as in real mode, NMIs unblocked.
 */
static int rm_iret(struct rm_ctx *c)
{
	unsigned long mask = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
			     X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF |
			     X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF |
			     X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF |
			     X86_EFLAGS_AC | X86_EFLAGS_ID;
	unsigned long vm86 = X86_EFLAGS_VM | X86_EFLAGS_VIF | X86_EFLAGS_VIP;
	u64 ip, cs, fl;
	int r;

	r = rm_pop(c, &ip, c->opsz);
	if (!r && (ip & ~0xffffULL))
		r = rm_fault(c, RM_GP, 0);
	if (!r)
		r = rm_pop(c, &cs, c->opsz);
	if (!r)
		r = rm_pop(c, &fl, c->opsz);
	if (!r)
		r = rm_jmp_far(c, cs, ip);
	if (r)
		return r;
	if (c->opsz == 4)
		c->rflags = (fl & mask) | (c->rflags & vm86);
	else
		c->rflags = (c->rflags & ~0xffffUL) | (u16)fl;
	c->rflags = (c->rflags & ~0xffc0802aUL) | X86_EFLAGS_FIXED;
	c->nmi_unmask = true;
	return 0;
}

/* add .. cmp, test (@op), inc/dec/not/neg on @o at @size */
static int rm_alu(struct rm_ctx *c, enum svx_rmw_op op, const struct rm_opnd *o,
		  unsigned int size, u64 src, bool to_reg, u8 reg)
{
	u64 a, res, fl = 0, mask = SVX_FL_ARITH;
	unsigned int carry = !!(c->rflags & SVX_FL_CF);
	int r = rm_get(c, o, size, &a);

	if (r)
		return r;
	if (to_reg) {		/* op reg, r/m: the register is the dest */
		src = a;
		a = rm_reg(c, reg, size);
	}
	switch (op) {
	case SVX_RMW_NOT:
		res = ~a;
		mask = 0;
		break;
	case SVX_RMW_NEG:
		res = svx_alu(SVX_RMW_NEG, 0, a, 0, size, &fl);
		break;
	case SVX_RMW_INC:
	case SVX_RMW_DEC:
		res = svx_alu(op, a, 1, 0, size, &fl);
		mask &= ~SVX_FL_CF;
		break;
	case SVX_RMW_ADC:
	case SVX_RMW_SBB:
		res = svx_alu(op, a, src, carry, size, &fl);
		break;
	default:
		res = svx_alu(op, a, src, 0, size, &fl);
		break;
	}
	if (op != SVX_RMW_CMP && op != SVX_RMW_TEST) {
		if (to_reg)
			rm_set_reg(c, reg, size, res);
		else
			r = rm_put(c, o, size, res);
		if (r)
			return r;
	}
	c->rflags = (c->rflags & ~mask) | (fl & mask);
	return 0;
}

/* The ALU operations of 00-3f (/0 .. /7) and group 1. */
static const u8 rm_alu_ops[8] = {
	SVX_RMW_ADD, SVX_RMW_OR, SVX_RMW_ADC, SVX_RMW_SBB,
	SVX_RMW_AND, SVX_RMW_SUB, SVX_RMW_XOR, SVX_RMW_CMP
};

/*
 * mov between a register and memory at @seg:@ea whose memory may be MMIO
 * (a moffs or ModRM move): the host's access with SVX_RM_MMIO.
 */
static int rm_mov_mem(struct rm_ctx *c, const struct rm_opnd *o,
		      unsigned int size, bool store, u64 val, u8 reg,
		      unsigned int dst_size, bool sx)
{
	struct svx_x86_rm_io *io = &c->rm->io;
	u64 la, v = 0;
	int r;

	if (o->is_reg) {
		v = store ? val : rm_reg(c, o->reg, size);
		goto done;
	}
	r = rm_check(c, o->seg, o->ea, size, store, false, &la);
	if (r)
		return r;
	r = rm_mem(c, la, store ? &val : &v, size, store);
	if (r == 1) {
		memset(io, 0, sizeof(*io));
		io->addr = la;
		io->size = size;
		io->in = !store;
		io->val = store ? val & svx_size_mask(size) : 0;
		io->reg = reg;
		io->high_byte = size == 1 && dst_size == 1 && reg >= 4;
		io->dst_size = dst_size;
		io->sign_extend = sx;
		return SVX_RM_MMIO;
	}
	if (r)
		return r;
done:
	if (store) {
		if (o->is_reg)
			rm_set_reg(c, o->reg, size, val);
		return 0;
	}
	if (sx)
		v = (u64)svx_sext(v, size);
	rm_set_reg(c, reg, dst_size, v);
	return 0;
}

static int rm_io(struct rm_ctx *c, u16 port, unsigned int size, bool in)
{
	struct svx_x86_rm_io *io = &c->rm->io;

	memset(io, 0, sizeof(*io));
	io->addr = port;
	io->size = size;
	io->in = in;
	io->dst_size = size;
	if (!in)
		io->val = rm_reg(c, SVX_X86_RAX, size);
	return SVX_RM_PIO;
}

/* lgdt/lidt m16&32 (16-bit operand size: a 24-bit base) */
static int rm_load_dt(struct rm_ctx *c, const struct rm_opnd *o, bool idt)
{
	u64 limit, base;
	int r;

	if (o->is_reg)
		return rm_fault(c, RM_UD, 0);
	/* KVM's read_descriptor(): 3 base bytes with a 16-bit operand */
	r = rm_read(c, o->seg, o->ea, &limit, 2);
	if (!r)
		r = rm_read(c, o->seg, (u32)(o->ea + 2), &base,
			    c->opsz == 2 ? 3 : 4);
	if (r)
		return r;
	if (idt) {
		c->idt_base = base;
		c->idt_limit = limit;
	} else {
		c->gdt_base = base;
		c->gdt_limit = limit;
	}
	return 0;
}

/* The two-byte opcodes. */
static int rm_exec_0f(struct rm_ctx *c)
{
	struct svx_x86_rm *rm = c->rm;
	struct rm_opnd o;
	u64 v;
	u8 op, regf;
	int r;

	if (c->i >= c->avail)
		return SVX_RM_UNHANDLED;
	op = c->b[c->i++];
	switch (op) {
	case 0x01:
		if (c->i >= c->avail)
			return SVX_RM_UNHANDLED;
		regf = (c->b[c->i] >> 3) & 7;
		if (regf != 2 && regf != 3)
			return SVX_RM_UNHANDLED;
		r = rm_modrm(c, &o, &regf);
		return r ? r : rm_load_dt(c, &o, regf == 3);
	case 0x20:	/* mov r32, CRn: the r/m is a register whatever mod */
	case 0x22:
		if (c->i >= c->avail)
			return SVX_RM_UNHANDLED;
		regf = (c->b[c->i] >> 3) & 7;
		o.reg = c->b[c->i++] & 7;
		if (regf == 1 || regf > 4)
			return rm_fault(c, RM_UD, 0);
		if (op == 0x20) {
			rm_set_reg(c, o.reg, 4, rm->cr[regf]);
			return 0;
		}
		rm->cr_n = regf;
		rm->cr_reg = o.reg;
		rm->cr_val = (u32)c->regs[o.reg];
		return SVX_RM_CR;
	case 0x80 ... 0x8f:
		r = rm_imm(c, c->opsz, true, &v);
		if (r)
			return r;
		if (svx_cond(op & 0xf, c->rflags))
			return rm_jump(c, c->rip + c->i + v, c->opsz,
				       &c->seg_out[RM_CS]);
		return 0;
	case 0xa0: case 0xa8:	/* push fs, gs */
		return rm_push(c, c->seg_out[op == 0xa0 ? 4 : 5].selector,
			       c->opsz);
	case 0xa1: case 0xa9:	/* pop fs, gs */
		r = rm_pop(c, &v, c->opsz);
		return r ? r : rm_set_sreg(c, op == 0xa1 ? 4 : 5, v);
	case 0xaa:
		return SVX_RM_RSM;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
		unsigned int size = (op & 1) ? 2 : 1;

		r = rm_modrm(c, &o, &regf);
		return r ? r : rm_mov_mem(c, &o, size, false, 0, regf, c->opsz,
					  op >= 0xbe);
	}
	}
	return SVX_RM_UNHANDLED;
}

/* Decode and run one instruction on @c; its length at c->i. */
static int rm_exec(struct rm_ctx *c)
{
	unsigned int osz = c->opsz, size;
	struct svx_x86_seg *cs = &c->seg_out[RM_CS];
	struct rm_opnd o;
	u64 v, v2;
	u8 op, regf;
	int r;

	op = c->b[c->i++];
	/* 00-3f: the ALU in its six forms, push/pop es cs ss ds */
	if (op < 0x40 && (op & 7) < 6) {
		enum svx_rmw_op alu = rm_alu_ops[op >> 3];

		size = (op & 1) ? osz : 1;
		if ((op & 7) >= 4) {	/* AL/eAX, imm */
			r = rm_imm(c, size == 1 ? 1 : osz, false, &v);
			if (r)
				return r;
			o.is_reg = true;
			o.reg = SVX_X86_RAX;
			return rm_alu(c, alu, &o, size, v, false, 0);
		}
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (op & 2)
			return rm_alu(c, alu, &o, size, 0, true, regf);
		return rm_alu(c, alu, &o, size, rm_reg(c, regf, size), false,
			      0);
	}
	switch (op) {
	case 0x06: case 0x0e: case 0x16: case 0x1e:
		return rm_push(c, c->seg_out[op >> 3].selector, osz);
	case 0x07: case 0x17: case 0x1f:
		r = rm_pop(c, &v, osz);
		return r ? r : rm_set_sreg(c, op >> 3, v);
	case 0x0f:
		return rm_exec_0f(c);
	case 0x40 ... 0x4f:
		o.is_reg = true;
		o.reg = op & 7;
		return rm_alu(c, op < 0x48 ? SVX_RMW_INC : SVX_RMW_DEC, &o,
			      osz, 0, false, 0);
	case 0x50 ... 0x57:
		return rm_push(c, rm_reg(c, op & 7, osz), osz);
	case 0x58 ... 0x5f:
		r = rm_pop(c, &v, osz);
		if (!r)
			rm_set_reg(c, op & 7, osz, v);
		return r;
	case 0x68: case 0x6a:
		r = rm_imm(c, op == 0x6a ? 1 : osz, true, &v);
		return r ? r : rm_push(c, v, osz);
	case 0x70 ... 0x7f:
		r = rm_imm(c, 1, true, &v);
		if (r)
			return r;
		if (svx_cond(op & 0xf, c->rflags))
			return rm_jump(c, c->rip + c->i + v, osz, cs);
		return 0;
	case 0x80: case 0x81: case 0x83:
		r = rm_modrm(c, &o, &regf);
		if (!r)
			r = rm_imm(c, op == 0x81 ? osz : 1, true, &v);
		if (r)
			return r;
		return rm_alu(c, rm_alu_ops[regf], &o, op == 0x80 ? 1 : osz, v,
			      false, 0);
	case 0x84: case 0x85:
		size = op == 0x84 ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		return r ? r : rm_alu(c, SVX_RMW_TEST, &o, size,
				      rm_reg(c, regf, size), false, 0);
	case 0x86: case 0x87:
		size = op == 0x86 ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		if (!r)
			r = rm_get(c, &o, size, &v);
		if (!r)
			r = rm_put(c, &o, size, rm_reg(c, regf, size));
		if (!r)
			rm_set_reg(c, regf, size, v);
		return r;
	case 0x88: case 0x89:
		size = op == 0x88 ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		return r ? r : rm_mov_mem(c, &o, size, true,
					  rm_reg(c, regf, size), regf, size,
					  false);
	case 0x8a: case 0x8b:
		size = op == 0x8a ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		return r ? r : rm_mov_mem(c, &o, size, false, 0, regf, size,
					  false);
	case 0x8c:	/* mov r/m, sreg: 16 bits to memory */
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (regf > 5)
			return rm_fault(c, RM_UD, 0);
		return rm_put(c, &o, o.is_reg ? osz : 2,
			      c->seg_out[regf].selector);
	case 0x8d:	/* lea */
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (o.is_reg)
			return rm_fault(c, RM_UD, 0);
		rm_set_reg(c, regf, osz, o.ea);
		return 0;
	case 0x8e:	/* mov sreg, r/m16 */
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (regf == RM_CS || regf > 5)
			return rm_fault(c, RM_UD, 0);
		r = rm_get(c, &o, 2, &v);
		return r ? r : rm_set_sreg(c, regf, v);
	case 0x8f:	/* pop r/m: rSP moves before the address is used */
		if (c->i >= c->avail || ((c->b[c->i] >> 3) & 7))
			return SVX_RM_UNHANDLED;
		r = rm_pop(c, &v, osz);
		if (!r)
			r = rm_modrm(c, &o, &regf);
		return r ? r : rm_put(c, &o, osz, v);
	case 0x90 ... 0x97:	/* xchg eAX, r (90: nop) */
		v = rm_reg(c, op & 7, osz);
		rm_set_reg(c, op & 7, osz, rm_reg(c, SVX_X86_RAX, osz));
		rm_set_reg(c, SVX_X86_RAX, osz, v);
		return 0;
	case 0x9c:
		return rm_push(c, c->rflags & ~(unsigned long)X86_EFLAGS_VM, osz);
	case 0x9d:
		return rm_popf(c);
	case 0xa0 ... 0xa3:	/* mov AL/eAX <-> moffs */
		size = (op & 1) ? osz : 1;
		memset(&o, 0, sizeof(o));
		o.seg = c->seg >= 0 ? c->seg : RM_DS;
		r = rm_fetch(c, c->asz, &v);
		if (r)
			return r;
		o.ea = v;
		return rm_mov_mem(c, &o, size, op >= 0xa2,
				  rm_reg(c, SVX_X86_RAX, size), SVX_X86_RAX,
				  size, false);
	case 0xa8: case 0xa9:
		size = op == 0xa8 ? 1 : osz;
		r = rm_imm(c, size, false, &v);
		o.is_reg = true;
		o.reg = SVX_X86_RAX;
		return r ? r : rm_alu(c, SVX_RMW_TEST, &o, size, v, false, 0);
	case 0xb0 ... 0xbf:
		size = op < 0xb8 ? 1 : osz;
		r = rm_imm(c, size, false, &v);
		if (!r)
			rm_set_reg(c, op & 7, size, v);
		return r;
	case 0xc2: case 0xc3:	/* ret near (imm16: bytes popped after) */
		v2 = 0;
		if (op == 0xc2 && rm_imm(c, 2, false, &v2))
			return SVX_RM_UNHANDLED;
		r = rm_pop(c, &v, osz);
		if (!r)
			r = rm_jump(c, v, osz, cs);
		if (!r)
			rm_set_reg(c, SVX_X86_RSP, rm_ssz(c),
				   c->regs[SVX_X86_RSP] + v2);
		return r;
	case 0xc6: case 0xc7:
		size = op == 0xc6 ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (regf)
			return SVX_RM_UNHANDLED;
		r = rm_imm(c, size, false, &v);
		return r ? r : rm_mov_mem(c, &o, size, true, v, 0, size,
					  false);
	case 0xcf:	/* iret, real mode only */
		return rm_pe(c) ? SVX_RM_UNHANDLED : rm_iret(c);
	case 0xcb:	/* retf, real mode only */
		if (rm_pe(c))
			return SVX_RM_UNHANDLED;
		r = rm_pop(c, &v, osz);
		if (!r)
			r = rm_pop(c, &v2, osz);
		return r ? r : rm_jmp_far(c, v2, v);
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
		r = rm_imm(c, 1, false, &v);
		return r ? r : rm_io(c, v, op & 1 ? osz : 1, op < 0xe6);
	case 0xec: case 0xed: case 0xee: case 0xef:
		return rm_io(c, c->regs[SVX_X86_RDX], op & 1 ? osz : 1,
			     op < 0xee);
	case 0xe8:	/* call rel */
		r = rm_imm(c, osz, true, &v);
		if (r)
			return r;
		v2 = c->rip + c->i;
		r = rm_jump(c, v2 + v, osz, cs);
		return r ? r : rm_push(c, v2, osz);
	case 0xe9: case 0xeb:
		r = rm_imm(c, op == 0xeb ? 1 : osz, true, &v);
		return r ? r : rm_jump(c, c->rip + c->i + v, osz, cs);
	case 0xea:	/* jmp ptr16:16/32 */
		r = rm_fetch(c, osz, &v);
		if (!r)
			r = rm_fetch(c, 2, &v2);
		return r ? r : rm_jmp_far(c, v2, v);
	case 0xf4:
		return SVX_RM_HLT;
	case 0xf5:
		c->rflags ^= X86_EFLAGS_CF;
		return 0;
	case 0xf6: case 0xf7:
		size = op == 0xf6 ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (regf < 2) {
			r = rm_imm(c, size, false, &v);
			return r ? r : rm_alu(c, SVX_RMW_TEST, &o, size, v,
					      false, 0);
		}
		if (regf > 3)	/* mul/imul/div/idiv */
			return SVX_RM_UNHANDLED;
		return rm_alu(c, regf == 2 ? SVX_RMW_NOT : SVX_RMW_NEG, &o,
			      size, 0, false, 0);
	case 0xf8: case 0xf9:
		c->rflags = (c->rflags & ~X86_EFLAGS_CF) | (op & 1);
		return 0;
	case 0xfa:
		c->rflags &= ~X86_EFLAGS_IF;
		return 0;
	case 0xfb:
		if (!(c->rflags & X86_EFLAGS_IF))
			c->shadow = 1;
		c->rflags |= X86_EFLAGS_IF;
		return 0;
	case 0xfc: case 0xfd:
		c->rflags = (c->rflags & ~X86_EFLAGS_DF) |
			    (op & 1 ? X86_EFLAGS_DF : 0);
		return 0;
	case 0xfe: case 0xff:
		size = op == 0xfe ? 1 : osz;
		r = rm_modrm(c, &o, &regf);
		if (r)
			return r;
		if (regf < 2)
			return rm_alu(c, regf ? SVX_RMW_DEC : SVX_RMW_INC, &o,
				      size, 0, false, 0);
		if (op == 0xfe)
			return SVX_RM_UNHANDLED;
		if (regf == 7)
			return rm_fault(c, RM_UD, 0);
		if (regf == 3)		/* lcall m: not in SMI handlers */
			return SVX_RM_UNHANDLED;
		if (regf == 5) {	/* ljmp m16:16/32 */
			if (o.is_reg)
				return rm_fault(c, RM_UD, 0);
			r = rm_read(c, o.seg, o.ea, &v, osz);
			if (!r)
				r = rm_read(c, o.seg, (u32)(o.ea + osz), &v2,
					    2);
			return r ? r : rm_jmp_far(c, v2, v);
		}
		r = rm_get(c, &o, osz, &v);
		if (r)
			return r;
		if (regf == 6)
			return rm_push(c, v, osz);
		v2 = c->rip + c->i;
		r = rm_jump(c, v, osz, cs);
		if (!r && regf == 2)
			r = rm_push(c, v2, osz);
		return r;
	}
	return SVX_RM_UNHANDLED;
}

int svx_x86_rm_step(struct svx_x86_rm *rm)
{
	const struct svx_x86_seg *cs = &rm->seg[RM_CS];
	struct svx_prefixes p;
	struct rm_ctx c;
	u8 bytes[SVX_INSN_MAX];
	u64 la, left;
	int r;

	memset(&c, 0, sizeof(c));
	c.rm = rm;
	c.b = bytes;
	memcpy(c.regs, rm->regs, sizeof(c.regs));
	memcpy(c.seg_out, rm->seg, sizeof(c.seg_out));
	c.rip = rm->rip;
	c.rflags = rm->rflags;
	c.gdt_base = rm->gdt_base;
	c.gdt_limit = rm->gdt_limit;
	c.idt_base = rm->idt_base;
	c.idt_limit = rm->idt_limit;
	rm->len = 0;
	rm->shadow = 0;
	rm->nmi_unmask = 0;

	/* the fetch: up to 15 bytes inside CS's limit (#GP(0) if none) */
	r = rm_check(&c, RM_CS, rm->rip, 1, false, true, &la);
	if (r)
		return r;
	left = (u64)cs->limit - (u32)rm->rip + 1;
	c.avail = min_t(u64, SVX_INSN_MAX, left);
	memset(bytes, 0, sizeof(bytes));
	r = rm_mem(&c, la, bytes, min_t(u64, c.avail,
					PAGE_SIZE - (la & ~PAGE_MASK)), false);
	if (r)
		return SVX_RM_UNHANDLED;
	if (c.avail > PAGE_SIZE - (la & ~PAGE_MASK) &&
	    rm_mem(&c, (u32)((la | ~PAGE_MASK) + 1),
		   bytes + PAGE_SIZE - (la & ~PAGE_MASK),
		   c.avail - (PAGE_SIZE - (la & ~PAGE_MASK)), false))
		c.avail = PAGE_SIZE - (la & ~PAGE_MASK);
	memcpy(rm->insn, bytes, sizeof(rm->insn));

	if (svx_decode_prefixes(bytes, c.avail, 4, &p))
		return SVX_RM_UNHANDLED;
	if (p.lock)
		return rm_fault(&c, RM_UD, 0);
	if (p.rep || p.repne)
		return SVX_RM_UNHANDLED;	/* string instructions */
	c.opsz = cs->db != p.opsize ? 4 : 2;
	c.asz = cs->db != p.adsize ? 4 : 2;
	c.seg = p.seg;
	c.i = p.len;
	c.rip = (u32)rm->rip;
	r = rm_exec(&c);
	if (r != SVX_RM_DONE && r != SVX_RM_PIO && r != SVX_RM_MMIO &&
	    r != SVX_RM_HLT)
		goto out;
	if ((r == SVX_RM_PIO || r == SVX_RM_MMIO) && rm->io.in) {
		rm->io.len = c.i;	/* completes: svx_x86_rm_complete() */
		goto out;
	}
	/* retired: commit (RIP moves unless it branched) */
	memcpy(rm->regs, c.regs, sizeof(c.regs));
	memcpy(rm->seg, c.seg_out, sizeof(c.seg_out));
	rm->rflags = c.rflags;
	rm->rip = c.branched ? c.rip : (u32)(rm->rip + c.i);
	rm->gdt_base = c.gdt_base;
	rm->gdt_limit = c.gdt_limit;
	rm->idt_base = c.idt_base;
	rm->idt_limit = c.idt_limit;
	rm->shadow = c.shadow;
	rm->nmi_unmask = c.nmi_unmask;
	rm->io.len = c.i;
out:
	rm->len = c.i;
	return r;
}

void svx_x86_rm_complete(struct svx_x86_rm *rm,
			 const struct svx_x86_rm_io *io, u64 val)
{
	struct rm_ctx c;

	memset(&c, 0, sizeof(c));
	memcpy(c.regs, rm->regs, sizeof(c.regs));
	if (io->sign_extend)
		val = (u64)svx_sext(val, io->size);
	else
		val &= svx_size_mask(io->size);
	rm_set_reg(&c, io->reg, io->dst_size, val);
	memcpy(rm->regs, c.regs, sizeof(c.regs));
	rm->rip = (u32)(rm->rip + io->len);
}

bool svx_x86_rm_segs_valid(const struct svx_x86_seg seg[6], bool pe)
{
	const struct svx_x86_seg *cs = &seg[RM_CS], *ss = &seg[RM_SS];
	int i;

	if (!pe) {
		/* rmode_segment_valid(): the AR byte with DPL 3, CS type 3 */
		for (i = 0; i < 6; i++) {
			const struct svx_x86_seg *s = &seg[i];

			if (s->base != (u64)s->selector << 4 ||
			    s->limit != 0xffff || s->unusable ||
			    !s->present || !s->s || s->db || s->g || s->l ||
			    s->avl || (i != RM_CS && s->type != 3))
				return false;
		}
		return true;
	}
	/* code_segment_valid() */
	if (cs->unusable || (~cs->type & 9) || !cs->s || !cs->present ||
	    ((cs->type & 4) ? cs->dpl > (cs->selector & 3) :
			      cs->dpl != (cs->selector & 3)))
		return false;
	/* stack_segment_valid(), and CS.RPL = SS.RPL */
	if ((cs->selector & 3) != (ss->selector & 3))
		return false;
	if (!ss->unusable && ((ss->type != 3 && ss->type != 7) || !ss->s ||
			      ss->dpl != (ss->selector & 3) || !ss->present))
		return false;
	/* data_segment_valid() */
	for (i = 0; i < 6; i++) {
		const struct svx_x86_seg *s = &seg[i];

		if (i == RM_CS || i == RM_SS || s->unusable)
			continue;
		if (!s->s || !s->present)
			return false;
		if ((~s->type & 0xc) && s->dpl < (s->selector & 3))
			return false;
	}
	return true;
}
