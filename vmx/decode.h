/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decoder of the instructions shadowvmx emulates on an MMIO access
 * (vmx/emulate.c).  Host-agnostic: also built by tools/testing/mmu.
 */
#ifndef SVX_VMX_DECODE_H
#define SVX_VMX_DECODE_H

#include <linux/types.h>

struct svx_insn {
	u8 len;			/* instruction length in bytes */
	u8 opcode;		/* last opcode byte (0x0f-prefixed for movzx) */
	u8 is_write;		/* store to memory */
	u8 size;		/* memory operand size, bytes */
	u8 reg;			/* register operand (0-15), if !has_imm */
	u8 high_byte;		/* reg is AH/CH/DH/BH */
	u8 has_imm;
	u8 sign_extend;		/* movsx */
	u8 dst_size;		/* register size for loads (movzx/movsx) */
	u64 imm;
};

/*
 * Decode a mov to or from memory at @bytes (@avail bytes readable) in code
 * of @mode: 4 = 32-bit code, 8 = 64-bit code.  Returns 0 or -EINVAL for
 * anything else (register-only forms, other opcodes, truncated bytes).
 */
int svx_decode_mov(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_insn *insn);

#endif /* SVX_VMX_DECODE_H */
