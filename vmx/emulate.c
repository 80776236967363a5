// SPDX-License-Identifier: GPL-2.0
/*
 * Decoder for the instructions shadowvmx emulates on an MMIO access: the
 * plain moves a device driver uses (mov r/m,r; mov r,r/m; mov r/m,imm;
 * mov with an absolute address (moffs); movzx; movsx) in 32-bit and 64-bit
 * code.  It only has to find the register or immediate operand, the access
 * size and the instruction length: the address is already known from the
 * fault.  Host-agnostic: it
 * also builds in tools/testing/mmu for tests and fuzzing.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "decode.h"

/* Length of ModRM + SIB + displacement for 32/64-bit addressing. */
static int svx_modrm_len(const u8 *p, unsigned int avail)
{
	u8 modrm, mod, rm;
	int len = 1;

	if (avail < 1)
		return -EINVAL;
	modrm = p[0];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -EINVAL;	/* register operand: no memory access */
	if (rm == 4) {		/* SIB */
		if (avail < 2)
			return -EINVAL;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4;	/* disp32 (RIP-relative in 64-bit mode) */
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	if ((unsigned int)len > avail)
		return -EINVAL;
	return len;
}

int svx_decode_mov(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_insn *insn)
{
	unsigned int i = 0;
	bool opsize = false, rex_w = false, rex_r = false, rex = false;
	bool addr32 = false;
	int modrm_len, opsz;
	u8 op, modrm;

	memset(insn, 0, sizeof(*insn));
	if (avail > 15)
		avail = 15;
	for (; i < avail; i++) {
		u8 b = bytes[i];

		if (b == 0x66)
			opsize = true;
		else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 ||
			 b == 0x64 || b == 0x65)
			continue;	/* segment: the address is known */
		else if (b == 0x67 && mode == 8)
			addr32 = true;	/* same ModRM layout with 32-bit regs */
		else
			break;
	}
	if (mode == 8 && i < avail && (bytes[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = bytes[i] & 8;
		rex_r = bytes[i] & 4;
		i++;
	}
	if (i >= avail)
		return -EINVAL;
	op = bytes[i++];
	opsz = rex_w ? 8 : opsize ? 2 : 4;

	if (op >= 0xa0 && op <= 0xa3) {
		/* mov AL/eAX <-> moffs: absolute address, register is RAX. */
		unsigned int asz = mode == 8 && !addr32 ? 8 : 4;

		if (i + asz > avail)
			return -EINVAL;
		insn->opcode = op;
		insn->size = (op & 1) ? opsz : 1;
		insn->dst_size = insn->size;
		insn->is_write = op >= 0xa2;
		insn->len = i + asz;
		return 0;
	}

	if (op == 0x0f) {
		if (i >= avail)
			return -EINVAL;
		op = bytes[i++];
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			insn->opcode = op;
			insn->size = (op & 1) ? 2 : 1;
			insn->sign_extend = op >= 0xbe;
			insn->dst_size = opsz;
			break;
		default:
			return -EINVAL;
		}
	} else {
		insn->opcode = op;
		switch (op) {
		case 0x88:	/* mov r/m8, r8 */
		case 0x8a:	/* mov r8, r/m8 */
		case 0xc6:	/* mov r/m8, imm8 */
			insn->size = 1;
			break;
		case 0x89:
		case 0x8b:
		case 0xc7:
			insn->size = opsz;
			break;
		default:
			return -EINVAL;
		}
		insn->dst_size = insn->size;
		insn->is_write = op != 0x8a && op != 0x8b;
	}

	if (i >= avail)
		return -EINVAL;
	modrm = bytes[i];
	modrm_len = svx_modrm_len(bytes + i, avail - i);
	if (modrm_len < 0)
		return modrm_len;
	i += modrm_len;

	if (op == 0xc6 || op == 0xc7) {
		unsigned int n = insn->size == 1 ? 1 : insn->size == 2 ? 2 : 4;
		u64 imm = 0;

		if ((modrm >> 3) & 7)
			return -EINVAL;	/* only /0 is mov */
		if (i + n > avail)
			return -EINVAL;
		memcpy(&imm, bytes + i, n);
		if (n == 4 && insn->size == 8)
			imm = (u64)(s64)(s32)imm;
		insn->imm = imm;
		insn->has_imm = 1;
		i += n;
	} else {
		insn->reg = ((modrm >> 3) & 7) | (rex_r ? 8 : 0);
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		if (insn->dst_size == 1 && !rex && insn->reg >= 4) {
			insn->reg -= 4;
			insn->high_byte = 1;
		}
	}
	insn->len = i;
	return 0;
}
