// SPDX-License-Identifier: GPL-2.0
/*
 * The forms KVM's emulator carries out with fastop (arch/x86/kvm/emulate.c),
 * for x86/emulate.c's svx_x86_rmw_complete(): mul/imul/div/idiv r/m, the
 * shifts and rotates, shld/shrd, bsf/bsr.  The instruction itself runs on
 * the host CPU, the guest's arithmetic flags loaded before it and read
 * back after it, so that what the SDM leaves undefined (the flags of mul,
 * div, bsf, of a shift by more than one, the result of a 16-bit shld/shrd
 * by more than 16) is what this CPU does, as on kvm_intel.  Divisions are
 * checked first: they never fault here.  Host-agnostic: also built by
 * tools/testing/mmu, where the red zone below RSP is left alone.
 */
#include <linux/types.h>
#include "emulate_int.h"

#ifdef __KERNEL__
#define SVX_RZ	""
#define SVX_RZ_END ""
#else
#define SVX_RZ	"lea -128(%%rsp), %%rsp\n\t"
#define SVX_RZ_END "\n\tlea 128(%%rsp), %%rsp"
#endif
#define SVX_FL_IN	SVX_RZ "pushf\n\tandq %[keep], (%%rsp)\n\t" \
			"orq %[flg], (%%rsp)\n\tpopf\n\t"
#define SVX_FL_OUT	"\n\tpushf\n\tpopq %[flg]" SVX_RZ_END

/*
 * The operand size is the register's: no size suffix.  @v and @fl are
 * lvalues (@v of the operand's width), @src the source register's value.
 */
#define SVX_FOP_CL(insn, v, cnt, fl)					\
	asm(SVX_FL_IN insn " %%cl, %[d]" SVX_FL_OUT			\
	    : [d] "+r" (v), [flg] "+r" (fl)				\
	    : "c" (cnt), [keep] "i" (~0x8d5L) : "cc")

#define SVX_FOP_DCL(insn, v, src, cnt, fl)				\
	asm(SVX_FL_IN insn " %%cl, %[s], %[d]" SVX_FL_OUT		\
	    : [d] "+r" (v), [flg] "+r" (fl)				\
	    : [s] "r" (src), "c" (cnt), [keep] "i" (~0x8d5L) : "cc")

#define SVX_FOP_SRC(insn, v, src, fl)					\
	asm(SVX_FL_IN insn " %[s], %[d]" SVX_FL_OUT			\
	    : [d] "+r" (v), [flg] "+r" (fl)				\
	    : [s] "r" (src), [keep] "i" (~0x8d5L) : "cc")

/* mul/imul/div/idiv of rDX:rAX (AX: the byte forms, @d unused) by @src */
#define SVX_FOP_AD(insn, a, d, src, fl)					\
	asm(SVX_FL_IN insn " %[s]" SVX_FL_OUT				\
	    : "+a" (a), "+d" (d), [flg] "+r" (fl)			\
	    : [s] "q" (src), [keep] "i" (~0x8d5L) : "cc")

/* group 2 (/6 is shl, as KVM's table) of @x by @cnt */
#define SVX_DEFINE_SHIFT(name, T)					\
static u64 svx_fop_##name(unsigned int sub, T x, u8 cnt, u64 *flags)	\
{									\
	u64 fl = *flags & SVX_FL_ARITH;					\
									\
	switch (sub) {							\
	case 0:								\
		SVX_FOP_CL("rol", x, cnt, fl);				\
		break;							\
	case 1:								\
		SVX_FOP_CL("ror", x, cnt, fl);				\
		break;							\
	case 2:								\
		SVX_FOP_CL("rcl", x, cnt, fl);				\
		break;							\
	case 3:								\
		SVX_FOP_CL("rcr", x, cnt, fl);				\
		break;							\
	case 5:								\
		SVX_FOP_CL("shr", x, cnt, fl);				\
		break;							\
	case 7:								\
		SVX_FOP_CL("sar", x, cnt, fl);				\
		break;							\
	default:							\
		SVX_FOP_CL("shl", x, cnt, fl);				\
		break;							\
	}								\
	*flags = fl;							\
	return x;							\
}

/* shld (@left) or shrd of @x by @cnt, bits from @src */
#define SVX_DEFINE_SHXD(name, T)					\
static u64 svx_fop_##name(bool left, T x, u64 src, u8 cnt, u64 *flags) \
{									\
	typeof(x) s = src;						\
	u64 fl = *flags & SVX_FL_ARITH;					\
									\
	if (left)							\
		SVX_FOP_DCL("shld", x, s, cnt, fl);			\
	else								\
		SVX_FOP_DCL("shrd", x, s, cnt, fl);			\
	*flags = fl;							\
	return x;							\
}

/* bsf (@fwd) or bsr of @src into @x (a zero @src leaves @x as it is) */
#define SVX_DEFINE_BSX(name, T)						\
static u64 svx_fop_##name(bool fwd, T x, u64 src, u64 *flags)		\
{									\
	typeof(x) s = src;						\
	u64 fl = *flags & SVX_FL_ARITH;					\
									\
	if (fwd)							\
		SVX_FOP_SRC("bsf", x, s, fl);				\
	else								\
		SVX_FOP_SRC("bsr", x, s, fl);				\
	*flags = fl;							\
	return x;							\
}

/* mul/imul/div/idiv of @a, @d (rAX, rDX: 16, 32, 64 bits) by @src */
#define SVX_DEFINE_MULDIV(name, T)					\
static void svx_fop_##name(enum svx_rmw_op op, u64 *ra, u64 *rd,	\
			   u64 src, u64 *flags)				\
{									\
	T a = *ra, d = *rd;						\
	typeof(a) s = src;						\
	u64 fl = *flags & SVX_FL_ARITH;					\
									\
	if (op == SVX_RMW_MUL)						\
		SVX_FOP_AD("mul", a, d, s, fl);				\
	else if (op == SVX_RMW_IMUL1)					\
		SVX_FOP_AD("imul", a, d, s, fl);			\
	else if (op == SVX_RMW_DIV)					\
		SVX_FOP_AD("div", a, d, s, fl);				\
	else								\
		SVX_FOP_AD("idiv", a, d, s, fl);			\
	*ra = a;							\
	*rd = d;							\
	*flags = fl;							\
}

SVX_DEFINE_SHIFT(shift8, u8)
SVX_DEFINE_SHIFT(shift16, u16)
SVX_DEFINE_SHIFT(shift32, u32)
SVX_DEFINE_SHIFT(shift64, u64)
SVX_DEFINE_SHXD(shxd16, u16)
SVX_DEFINE_SHXD(shxd32, u32)
SVX_DEFINE_SHXD(shxd64, u64)
SVX_DEFINE_BSX(bsx16, u16)
SVX_DEFINE_BSX(bsx32, u32)
SVX_DEFINE_BSX(bsx64, u64)
SVX_DEFINE_MULDIV(muldiv16, u16)
SVX_DEFINE_MULDIV(muldiv32, u32)
SVX_DEFINE_MULDIV(muldiv64, u64)

/* group 2 /@sub of @v (@size bytes) by @cnt */
u64 svx_fop_shift(unsigned int sub, unsigned int size, u64 v, u8 cnt,
		  u64 *flags)
{
	switch (size) {
	case 1:
		return svx_fop_shift8(sub, v, cnt, flags);
	case 2:
		return svx_fop_shift16(sub, v, cnt, flags);
	case 4:
		return svx_fop_shift32(sub, v, cnt, flags);
	default:
		return svx_fop_shift64(sub, v, cnt, flags);
	}
}

u64 svx_fop_shxd(bool left, unsigned int size, u64 v, u64 src, u8 cnt,
		 u64 *flags)
{
	switch (size) {
	case 2:
		return svx_fop_shxd16(left, v, src, cnt, flags);
	case 4:
		return svx_fop_shxd32(left, v, src, cnt, flags);
	default:
		return svx_fop_shxd64(left, v, src, cnt, flags);
	}
}

u64 svx_fop_bsx(bool fwd, unsigned int size, u64 v, u64 src, u64 *flags)
{
	switch (size) {
	case 2:
		return svx_fop_bsx16(fwd, v, src, flags);
	case 4:
		return svx_fop_bsx32(fwd, v, src, flags);
	default:
		return svx_fop_bsx64(fwd, v, src, flags);
	}
}

/*
 * Would div (@sign: idiv) of @hi:@lo (2 * @size bytes; the byte form: AX
 * in @lo) by @src fault (#DE: a zero divisor, a quotient too wide)?  The
 * quotient's magnitude exceeds L exactly when |dividend| >= (L + 1) *
 * |divisor|, L + 1 being 2^(bits-1), or one more for a negative
 * quotient: no 128-bit division (none in the kernel).
 */
static bool svx_div_faults(bool sign, unsigned int size, u64 hi, u64 lo,
			   u64 src)
{
	unsigned int bits = size * 8;
	u64 m = svx_size_mask(size), dm, nm, ph, pl;
	bool neg;
	s64 d, n;

	src &= m;
	if (!src)
		return true;
	if (size == 1) {
		hi = (lo >> 8) & 0xff;
		lo &= 0xff;
	}
	hi &= m;
	lo &= m;
	if (!sign)
		return hi >= src;
	d = svx_sext(src, size);
	dm = d < 0 ? -(u64)d : (u64)d;
	if (size < 8) {		/* everything fits in 64 bits */
		n = svx_sext(hi << bits | lo, size * 2);
		neg = (n < 0) != (d < 0);
		nm = n < 0 ? -(u64)n : (u64)n;
		return nm >= ((1ULL << (bits - 1)) + neg) * dm;
	}
	neg = (hi >> 63) != (d < 0);
	if (hi >> 63) {		/* |hi:lo|, two's complement */
		hi = ~hi + !lo;
		lo = -lo;
	}
	ph = dm >> 1;		/* (2^63 + neg) * dm in ph:pl */
	pl = dm << 63;
	if (neg) {
		pl += dm;
		ph += pl < dm;
	}
	return hi > ph || (hi == ph && lo >= pl);
}

/*
 * mul/imul/div/idiv r/m (@src the memory operand): rAX and rDX (AX for
 * the byte forms) and the flags.  false (nothing changed) on a fault.
 */
bool svx_fop_muldiv(enum svx_rmw_op op, unsigned int size,
		    unsigned long *regs, u64 src, u64 *flags)
{
	u64 a = regs[0], d = regs[2];

	if ((op == SVX_RMW_DIV || op == SVX_RMW_IDIV) &&
	    svx_div_faults(op == SVX_RMW_IDIV, size, d, a, src))
		return false;
	switch (size) {
	case 1: {	/* AX = AL * r/m8; AL, AH = AX / r/m8 */
		u16 ax = a, unused = 0;
		u8 s = src;
		u64 fl = *flags & SVX_FL_ARITH;

		if (op == SVX_RMW_MUL)
			SVX_FOP_AD("mulb", ax, unused, s, fl);
		else if (op == SVX_RMW_IMUL1)
			SVX_FOP_AD("imulb", ax, unused, s, fl);
		else if (op == SVX_RMW_DIV)
			SVX_FOP_AD("divb", ax, unused, s, fl);
		else
			SVX_FOP_AD("idivb", ax, unused, s, fl);
		a = ax;
		*flags = fl;
		break;
	}
	case 2:
		svx_fop_muldiv16(op, &a, &d, src, flags);
		break;
	case 4:
		svx_fop_muldiv32(op, &a, &d, src, flags);
		break;
	default:
		svx_fop_muldiv64(op, &a, &d, src, flags);
		break;
	}
	if (size <= 2) {
		regs[0] = (regs[0] & ~0xffffUL) | (a & 0xffff);
		if (size == 2)
			regs[2] = (regs[2] & ~0xffffUL) | (d & 0xffff);
	} else if (size == 4) {
		regs[0] = (u32)a;	/* 32-bit writes zero-extend */
		regs[2] = (u32)d;
	} else {
		regs[0] = a;
		regs[2] = d;
	}
	return true;
}
