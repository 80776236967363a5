/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Segment descriptors as they are in memory (SDM 3.4.5), decoded once for
 * everyone who reads them from a guest's GDT or LDT: the task switch
 * (vmx/taskswitch.c), far-pointer loads (vmx/mmio_vec.c), LLDT and LTR
 * (vmx/cpufeat.c) and the big-real-mode stepper (x86/emulate_rm.c).
 * Host-agnostic: it builds in userspace with the emulator.
 */
#ifndef SVX_X86_DESC_H
#define SVX_X86_DESC_H

#include <linux/bits.h>
#include <linux/types.h>

#define SVX_DESC_ACCESSED	BIT_ULL(40)	/* code/data: type bit 0 */
#define SVX_DESC_BUSY		BIT_ULL(41)	/* a TSS: type bit 1 */

/* The type field (bits 43:40): with S clear, the system type. */
static inline u32 svx_desc_type(u64 d)
{
	return (d >> 40) & 15;
}

/* S: a code or data segment (set), or a system descriptor (clear). */
static inline bool svx_desc_s(u64 d)
{
	return d & BIT_ULL(44);
}

static inline int svx_desc_dpl(u64 d)
{
	return (d >> 45) & 3;
}

static inline bool svx_desc_p(u64 d)
{
	return d & BIT_ULL(47);
}

/* AVL: the bit left to software. */
static inline bool svx_desc_avl(u64 d)
{
	return d & BIT_ULL(52);
}

/* L: a 64-bit code segment (in IA-32e mode). */
static inline bool svx_desc_l(u64 d)
{
	return d & BIT_ULL(53);
}

/* D/B: 32-bit default operand size (code), big stack (data). */
static inline bool svx_desc_db(u64 d)
{
	return d & BIT_ULL(54);
}

/* G: the limit counts 4 KiB units. */
static inline bool svx_desc_g(u64 d)
{
	return d & BIT_ULL(55);
}

/* Bits 31:0 of the base; a 64-bit system descriptor's next word has 63:32. */
static inline u32 svx_desc_base(u64 d)
{
	return ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
}

/* The limit in bytes: G scales the 20-bit field by 4 KiB. */
static inline u32 svx_desc_limit(u64 d)
{
	u32 limit = (d & 0xffff) | ((d >> 32) & 0xf0000);

	return svx_desc_g(d) ? (limit << 12) | 0xfff : limit;
}

/*
 * The VMCS access-rights form (SDM 24.4.1): type, S, DPL and P in 7:0,
 * AVL, L, D/B and G in 15:12, which is the descriptor's bits 55:40 with
 * the limit's 19:16 taken out.
 */
static inline u32 svx_desc_ar(u64 d)
{
	return (d >> 40) & 0xf0ff;
}

static inline u64 svx_desc_set_type(u64 d, u32 type)
{
	return (d & ~(15ULL << 40)) | (u64)type << 40;
}

#endif
