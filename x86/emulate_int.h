/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the instruction emulator's files share (x86/decode.c, the decoder;
 * x86/emulate.c, the execution; x86/fastop.c, the forms the host CPU runs
 * itself): nobody else includes it.  Host-agnostic, as they are.
 */
#ifndef SVX_X86_EMULATE_INT_H
#define SVX_X86_EMULATE_INT_H

#include <linux/types.h>
#include "emulate.h"

/* The arithmetic flags, in their RFLAGS positions. */
#define SVX_FL_CF	0x001
#define SVX_FL_PF	0x004
#define SVX_FL_AF	0x010
#define SVX_FL_ZF	0x040
#define SVX_FL_SF	0x080
#define SVX_FL_OF	0x800
#define SVX_FL_ARITH	(SVX_FL_CF | SVX_FL_PF | SVX_FL_AF | SVX_FL_ZF | \
			 SVX_FL_SF | SVX_FL_OF)

/* RAX .. RBX are 0 .. 3 in the register encoding. */
#define SVX_X86_RAX	0
#define SVX_X86_RCX	1
#define SVX_X86_RDX	2
#define SVX_X86_RBX	3
#define SVX_X86_RSP	4
#define SVX_X86_RSI	6
#define SVX_X86_RDI	7

/* The mask of an operand of @size bytes. */
static inline u64 svx_size_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* @v's low @size bytes, sign-extended. */
static inline s64 svx_sext(u64 v, unsigned int size)
{
	return size == 1 ? (s8)v : size == 2 ? (s16)v : size == 4 ? (s32)v :
	       (s64)v;
}

/*
 * x86/emulate.c: @a op @b (+/- @carry) at @size for add/adc/sub/sbb/cmp/
 * and/or/xor/test/inc/dec/neg, *@flags the arithmetic flags it sets
 */
u64 svx_alu(enum svx_rmw_op op, u64 a, u64 b, unsigned int carry,
	    unsigned int size, u64 *flags);
/* x86/emulate.c: the condition @cc (jcc/setcc low nibble) on @fl */
bool svx_cond(unsigned int cc, u64 fl);

/* x86/fastop.c: the instruction itself on the host CPU (KVM's fastop) */
/* group 2 /@sub of @v (@size bytes) by @cnt */
u64 svx_fop_shift(unsigned int sub, unsigned int size, u64 v, u8 cnt,
		  u64 *flags);
/* shld (@left) or shrd of @v (@size bytes) by @cnt, bits from @src */
u64 svx_fop_shxd(bool left, unsigned int size, u64 v, u64 src, u8 cnt,
		 u64 *flags);
/* bsf (@fwd) or bsr of @src into @v (a zero @src leaves @v as it is) */
u64 svx_fop_bsx(bool fwd, unsigned int size, u64 v, u64 src, u64 *flags);
/*
 * mul/imul/div/idiv r/m (@src the memory operand) on rAX and rDX in
 * @regs and the flags; false (nothing changed) when a division faults.
 */
bool svx_fop_muldiv(enum svx_rmw_op op, unsigned int size,
		    unsigned long *regs, u64 src, u64 *flags);

#endif /* SVX_X86_EMULATE_INT_H */
