// SPDX-License-Identifier: GPL-2.0
/*
 * The decoder of the x86 instruction emulator (KVM's x86_decode_insn() and
 * decode_modrm(), arch/x86/kvm/emulate.c): from the bytes at CS:RIP to
 * what an instruction does and where its memory operand is.  This file
 * owns the instruction fetch (svx_fetch_insn(), the one place that reads
 * up to 15 bytes at CS.base + RIP), the one decoder of legacy prefixes and
 * REX (svx_decode_prefixes()), the ModRM/SIB/displacement lengths and, on
 * top of them, the opcode tables of the forms emulated: the moves a device
 * driver uses on MMIO and the read-modify-write instructions of guest
 * page-table updates (svx_decode_rmw(), with svx_decode_mov() its view of
 * the moves), stos/movs on a page-table write (svx_decode_string()), the
 * system instructions of real mode run in vm86 (svx_decode_sys()), the
 * SSE/MMX moves (svx_decode_vec()), sgdt/sidt/fxsave/fxrstor
 * (svx_decode_std()) and RSM (svx_decode_rsm()); which of them may take
 * LOCK; and the linear address of a memory operand (16-, 32- and 64-bit
 * addressing, SIB, RIP-relative, segment bases: svx_x86_operand_la(),
 * svx_x86_rmw_la()).  Carrying the instructions out is x86/emulate.c's,
 * the string instructions' own decoder x86/emulate_string.c's.
 * Host-agnostic: also built by tools/testing/mmu for tests and fuzzing.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/page.h>
#include "emulate_int.h"

int svx_fetch_insn(const struct svx_x86_ops *ops, void *ctx, u64 ip,
		   u8 bytes[SVX_INSN_MAX])
{
	unsigned int avail;

	memset(bytes, 0, SVX_INSN_MAX);
	/* Up to the end of the page, then the next one if it can be read. */
	avail = min_t(u64, SVX_INSN_MAX, PAGE_SIZE - (ip & ~PAGE_MASK));
	if (ops->read_virt(ctx, ip, bytes, avail))
		return -EFAULT;
	if (avail < SVX_INSN_MAX &&
	    !ops->read_virt(ctx, ip + avail, bytes + avail,
			    SVX_INSN_MAX - avail))
		avail = SVX_INSN_MAX;
	return avail;
}

int svx_decode_prefixes(const u8 *bytes, unsigned int avail, int mode,
			struct svx_prefixes *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->seg = -1;
	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	for (i = 0; i < avail; i++) {
		switch (bytes[i]) {
		case 0x26:
			p->seg = 0;
			continue;
		case 0x2e:
			p->seg = 1;
			continue;
		case 0x36:
			p->seg = 2;
			continue;
		case 0x3e:
			p->seg = 3;
			continue;
		case 0x64:
			p->seg = 4;
			continue;
		case 0x65:
			p->seg = 5;
			continue;
		case 0x66:
			p->opsize = true;
			continue;
		case 0x67:
			p->adsize = true;
			continue;
		case 0xf0:
			p->lock = true;
			continue;
		case 0xf2:
			p->repne = true;
			continue;
		case 0xf3:
			p->rep = true;
			continue;
		}
		break;
	}
	/* REX counts only as the last prefix, in 64-bit code. */
	if (mode == 8 && i < avail && (bytes[i] & 0xf0) == 0x40)
		p->rex = bytes[i++];
	if (i >= avail)
		return -EINVAL;
	p->len = i;
	return 0;
}

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

/* The moves, as svx_decode_rmw() (the one decoder) sees them. */
int svx_decode_mov(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_insn *insn)
{
	struct svx_rmw rmw;

	memset(insn, 0, sizeof(*insn));
	if (svx_decode_rmw(bytes, avail, mode, &rmw) || rmw.lock ||
	    (rmw.op != SVX_RMW_MOV && rmw.op != SVX_RMW_LOAD))
		return -EINVAL;
	insn->len = rmw.len;
	insn->opcode = rmw.opcode;
	insn->is_write = rmw.op == SVX_RMW_MOV;
	insn->size = rmw.size;
	insn->reg = rmw.reg;
	insn->high_byte = rmw.high_byte;
	insn->has_imm = rmw.has_imm;
	insn->sign_extend = rmw.sign_extend;
	insn->dst_size = rmw.dst_size;
	insn->imm = rmw.imm & svx_size_mask(rmw.size);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Read-modify-write instructions (writes to guest page tables)           */

/*
 * Length of ModRM + SIB + displacement of a memory operand with 16-bit
 * addressing (@addr16) or 32/64-bit addressing; -EINVAL for a register
 * operand or truncated bytes.
 */
static int svx_modrm_len_as(const u8 *p, unsigned int avail, bool addr16)
{
	u8 mod, rm;
	int len;

	if (!addr16)
		return svx_modrm_len(p, avail);
	if (avail < 1)
		return -EINVAL;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return -EINVAL;
	len = 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
	if ((unsigned int)len > avail)
		return -EINVAL;
	return len;
}

/* ALU opcodes 00-3f and group 1 (80/81/83): /0 add .. /7 cmp. */
static const u8 svx_alu_ops[8] = {
	SVX_RMW_ADD, SVX_RMW_OR, SVX_RMW_ADC, SVX_RMW_SBB,
	SVX_RMW_AND, SVX_RMW_SUB, SVX_RMW_XOR, SVX_RMW_CMP
};

int svx_decode_rmw(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_rmw *rmw)
{
	unsigned int i, imm_len = 0;
	bool byte_op = false, twobyte = false, addr16, reg_op = true;
	struct svx_prefixes p;
	int modrm_len, opsz, sub;
	u8 rex, op, modrm;

	memset(rmw, 0, sizeof(*rmw));
	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	if (mode != 2 && mode != 4 && mode != 8)
		return -EINVAL;
	if (svx_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	/* 16-bit addressing: 16-bit code, or 32-bit code with 67. */
	addr16 = mode == 2 ? !p.adsize : mode == 4 && p.adsize;
	i = p.len;
	rex = p.rex;
	op = bytes[i++];
	/* f3/f2: only 0f bc/bd take them (bsf/bsr, see SVX_RMW_BSF) */
	if ((p.rep || p.repne) &&
	    (op != 0x0f || i >= avail || (bytes[i] & 0xfe) != 0xbc))
		return -EINVAL;
	opsz = (rex & 8) ? 8 : ((mode == 2) != p.opsize) ? 2 : 4;
	rmw->mem_read = 1;
	rmw->mem_write = 1;
	rmw->rex = rex;
	rmw->seg = p.seg;
	rmw->adsize = p.adsize;

	if (op >= 0xa0 && op <= 0xa3) {
		/* mov AL/eAX <-> moffs: absolute address, register RAX. */
		unsigned int asz = mode == 8 ? (p.adsize ? 4 : 8) :
				   addr16 ? 2 : 4;

		if (i + asz > avail)
			return -EINVAL;
		rmw->size = (op & 1) ? opsz : 1;
		rmw->dst_size = rmw->size;
		rmw->op = op >= 0xa2 ? SVX_RMW_MOV : SVX_RMW_LOAD;
		rmw->to_reg = op < 0xa2;
		rmw->mem_read = op < 0xa2;
		rmw->mem_write = op >= 0xa2;
		rmw->lock = p.lock;
		rmw->opcode = op;
		rmw->modrm_at = i;
		rmw->len = i + asz;
		return 0;
	}
	if (op == 0xd7) {
		/* xlat: AL = [seg:rBX + AL]; no ModRM (svx_x86_rmw_la()) */
		rmw->op = SVX_RMW_XLAT;
		rmw->size = 1;
		rmw->dst_size = 1;
		rmw->to_reg = 1;
		rmw->mem_write = 0;
		rmw->lock = p.lock;
		rmw->opcode = op;
		rmw->modrm_at = i;
		rmw->len = i;
		return 0;
	}
	if (op == 0x0f) {
		if (i >= avail)
			return -EINVAL;
		op = bytes[i++];
		twobyte = true;
		if (op == 0x38) {	/* movbe: 0f 38 f0/f1 */
			if (i >= avail || (bytes[i] != 0xf0 && bytes[i] != 0xf1))
				return -EINVAL;
			op = bytes[i++];
		}
	}
	if (i >= avail)
		return -EINVAL;
	modrm = bytes[i];
	sub = (modrm >> 3) & 7;

	if (!twobyte) {
		switch (op) {
		case 0x00 ... 0x03: case 0x08 ... 0x0b:
		case 0x10 ... 0x13: case 0x18 ... 0x1b:
		case 0x20 ... 0x23: case 0x28 ... 0x2b:
		case 0x30 ... 0x33: case 0x38 ... 0x3b:
			rmw->op = svx_alu_ops[op >> 3];
			rmw->to_reg = (op & 2) != 0;
			byte_op = !(op & 1);
			break;
		case 0x84: case 0x85:
			rmw->op = SVX_RMW_TEST;
			byte_op = op == 0x84;
			break;
		case 0x88: case 0x89:
			rmw->op = SVX_RMW_MOV;
			byte_op = op == 0x88;
			break;
		case 0x8a: case 0x8b:
			rmw->op = SVX_RMW_LOAD;
			rmw->to_reg = 1;
			byte_op = op == 0x8a;
			break;
		case 0xc6: case 0xc7:
			if (sub)
				return -EINVAL;
			rmw->op = SVX_RMW_MOV;
			byte_op = op == 0xc6;
			imm_len = op == 0xc6 ? 1 : opsz == 2 ? 2 : 4;
			break;
		case 0x86: case 0x87:
			rmw->op = SVX_RMW_XCHG;
			byte_op = op == 0x86;
			break;
		case 0x80: case 0x81: case 0x83:
			rmw->op = svx_alu_ops[sub];
			byte_op = op == 0x80;
			imm_len = op == 0x81 ? (opsz == 2 ? 2 : 4) : 1;
			break;
		case 0xf6: case 0xf7:
			byte_op = op == 0xf6;
			if (sub < 2) {
				rmw->op = SVX_RMW_TEST;
				imm_len = byte_op ? 1 : opsz == 2 ? 2 : 4;
			} else if (sub == 2) {
				rmw->op = SVX_RMW_NOT;
			} else if (sub == 3) {
				rmw->op = SVX_RMW_NEG;
			} else {	/* mul/imul/div/idiv: rAX, rDX */
				rmw->op = SVX_RMW_MUL + (sub - 4);
			}
			reg_op = false;
			break;
		case 0xc0: case 0xc1:	/* shift/rotate r/m, imm8 */
		case 0xd0: case 0xd1:	/* by 1 */
		case 0xd2: case 0xd3:	/* by CL */
			rmw->op = SVX_RMW_SHIFT;
			rmw->sub = sub;
			byte_op = !(op & 1);
			imm_len = op <= 0xc1;
			rmw->count_cl = op >= 0xd2;
			reg_op = false;
			break;
		case 0x63:	/* movsxd r, r/m32 (64-bit code; else arpl) */
			if (mode != 8)
				return -EINVAL;
			rmw->op = SVX_RMW_LOAD;
			rmw->to_reg = 1;
			rmw->sign_extend = 1;
			rmw->dst_size = opsz;
			opsz = 4;	/* KVM's SrcMem32, 66 too */
			break;
		case 0x69: case 0x6b:	/* imul r, r/m, imm */
			rmw->op = SVX_RMW_IMUL;
			rmw->to_reg = 1;
			imm_len = op == 0x6b ? 1 : opsz == 2 ? 2 : 4;
			break;
		case 0x8f:	/* pop r/m */
			if (sub)
				return -EINVAL;
			rmw->op = SVX_RMW_POP;
			break;
		case 0xc4: case 0xc5:	/* les, lds (VEX in 64-bit code) */
			if (mode == 8)
				return -EINVAL;
			rmw->op = SVX_RMW_LSEG;
			rmw->sub = op == 0xc4 ? 0 : 3;
			rmw->to_reg = 1;
			rmw->dst_size = opsz;
			opsz += 2;
			break;
		case 0xd9: case 0xdd:	/* fnstcw m, fnstsw m: 16 bits */
			if (sub != 7)
				return -EINVAL;
			rmw->op = SVX_RMW_STORE_SYS;
			rmw->sub = op == 0xd9 ? SVX_SV_FCW : SVX_SV_FSW;
			opsz = 2;
			reg_op = false;
			break;
		case 0xfe: case 0xff:
			if (op == 0xff && sub == 6) {	/* push r/m */
				rmw->op = SVX_RMW_PUSH;
				break;
			}
			if (op == 0xff && (sub == 3 || sub == 5)) {
				/* ljmp/lcall m16:16/32/64 (REX.W: 64) */
				rmw->op = sub == 3 ? SVX_RMW_CALLF :
						     SVX_RMW_JMPF;
				rmw->dst_size = opsz;
				opsz += 2;
				reg_op = false;
				break;
			}
			if (op == 0xff && (sub == 2 || sub == 4)) {
				/* call/jmp r/m: 64 bits in 64-bit code (KVM) */
				rmw->op = sub == 2 ? SVX_RMW_CALL : SVX_RMW_JMP;
				if (mode == 8)
					opsz = 8;
				reg_op = false;
				break;
			}
			if (sub > 1)
				return -EINVAL;
			rmw->op = sub ? SVX_RMW_DEC : SVX_RMW_INC;
			byte_op = op == 0xfe;
			reg_op = false;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (op) {
		case 0x00:	/* sldt m, str m: KVM's em_store_sreg() */
			if (sub > 1)
				return -EINVAL;
			rmw->op = SVX_RMW_STORE_SYS;
			rmw->sub = sub ? SVX_SV_TR : SVX_SV_LDTR;
			rmw->wr_size = opsz == 8 ? 8 : 2;	/* 2 for 4 */
			reg_op = false;
			break;
		case 0x01:	/* smsw m: 16 bits (KVM's em_smsw()) */
			if (sub != 4)
				return -EINVAL;
			rmw->op = SVX_RMW_STORE_SYS;
			rmw->sub = SVX_SV_MSW;
			opsz = 2;
			reg_op = false;
			break;
		case 0xb2: case 0xb4: case 0xb5:	/* lss, lfs, lgs */
			rmw->op = SVX_RMW_LSEG;
			rmw->sub = op == 0xb2 ? 2 : op - 0xb0;
			rmw->to_reg = 1;
			rmw->dst_size = opsz;
			opsz += 2;
			break;
		case 0xb0: case 0xb1:
			rmw->op = SVX_RMW_CMPXCHG;
			byte_op = op == 0xb0;
			break;
		case 0xc7:
			if (sub != 1)
				return -EINVAL;
			/* REX.W (64-bit code only): cmpxchg16b */
			rmw->op = (rex & 8) ? SVX_RMW_CMPXCHG16B :
					      SVX_RMW_CMPXCHG8B;
			opsz = (rex & 8) ? 16 : 8;
			reg_op = false;
			break;
		case 0xa3:
			rmw->op = SVX_RMW_BT;
			rmw->reg_offset = 1;
			break;
		case 0xab:
			rmw->op = SVX_RMW_BTS;
			rmw->reg_offset = 1;
			break;
		case 0xb3:
			rmw->op = SVX_RMW_BTR;
			rmw->reg_offset = 1;
			break;
		case 0xbb:
			rmw->op = SVX_RMW_BTC;
			rmw->reg_offset = 1;
			break;
		case 0xba:
			if (sub < 4)
				return -EINVAL;
			rmw->op = sub == 4 ? SVX_RMW_BT :
				  sub == 5 ? SVX_RMW_BTS :
				  sub == 6 ? SVX_RMW_BTR : SVX_RMW_BTC;
			imm_len = 1;
			break;
		case 0x90 ... 0x9f:
			rmw->op = SVX_RMW_SETCC;
			rmw->cc = op & 0xf;
			byte_op = true;
			reg_op = false;
			break;
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:
			rmw->op = SVX_RMW_LOAD;
			rmw->to_reg = 1;
			rmw->sign_extend = op >= 0xbe;
			rmw->dst_size = opsz;
			opsz = (op & 1) ? 2 : 1;
			break;
		case 0xc0: case 0xc1:
			rmw->op = SVX_RMW_XADD;
			byte_op = op == 0xc0;
			break;
		case 0xaf:
			rmw->op = SVX_RMW_IMUL;
			rmw->to_reg = 1;
			break;
		case 0xa4: case 0xa5:
			rmw->op = SVX_RMW_SHLD;
			imm_len = op == 0xa4;
			rmw->count_cl = op == 0xa5;
			break;
		case 0xac: case 0xad:
			rmw->op = SVX_RMW_SHRD;
			imm_len = op == 0xac;
			rmw->count_cl = op == 0xad;
			break;
		case 0xbc: case 0xbd:
			rmw->op = op == 0xbc ? SVX_RMW_BSF : SVX_RMW_BSR;
			rmw->to_reg = 1;
			break;
		case 0x40 ... 0x4f:
			rmw->op = SVX_RMW_CMOV;
			rmw->cc = op & 0xf;
			rmw->to_reg = 1;
			break;
		case 0xc3:	/* movnti: 32 bits for 16 (KVM's No16) */
			if (opsz == 2)
				opsz = 4;
			rmw->op = SVX_RMW_MOV;
			break;
		case 0xf0: case 0xf1:	/* movbe (after 0f 38) */
			rmw->op = SVX_RMW_MOVBE;
			rmw->to_reg = op == 0xf0;
			break;
		default:
			return -EINVAL;
		}
	}
	if (rmw->op == SVX_RMW_PUSH || rmw->op == SVX_RMW_POP) {
		/* the stack's operand size: 64 or 16 bits in 64-bit code */
		opsz = mode == 8 ? (p.opsize ? 2 : 8) :
		       ((mode == 2) != p.opsize) ? 2 : 4;
		reg_op = false;
	}
	modrm_len = svx_modrm_len_as(bytes + i, avail - i, addr16);
	if (modrm_len < 0)
		return modrm_len;
	rmw->modrm_at = i;
	i += modrm_len;
	rmw->size = byte_op ? 1 : opsz;
	if (!rmw->dst_size)
		rmw->dst_size = rmw->size;
	rmw->lock = p.lock;
	switch (rmw->op) {
	case SVX_RMW_STORE_SYS:
		rmw->mem_read = rmw->wr_size != 0;	/* sldt/str read */
		break;
	case SVX_RMW_MOV:
	case SVX_RMW_SETCC:
		rmw->mem_read = 0;
		break;
	case SVX_RMW_JMP:
	case SVX_RMW_CALL:
	case SVX_RMW_LSEG:
	case SVX_RMW_JMPF:
	case SVX_RMW_CALLF:
	case SVX_RMW_CMP:
	case SVX_RMW_TEST:
	case SVX_RMW_BT:
	case SVX_RMW_LOAD:
	case SVX_RMW_PUSH:
		rmw->mem_write = 0;
		break;
	case SVX_RMW_POP:
		rmw->mem_read = 0;
		break;
	case SVX_RMW_MUL:
	case SVX_RMW_IMUL1:
	case SVX_RMW_DIV:
	case SVX_RMW_IDIV:
		rmw->mem_write = 0;
		break;
	case SVX_RMW_MOVBE:
		rmw->mem_read = rmw->to_reg;
		rmw->mem_write = !rmw->to_reg;
		break;
	default:
		/* add/adc/sbb/sub/and/or/xor r, r/m: memory is the source. */
		if (rmw->to_reg)
			rmw->mem_write = 0;
		break;
	}
	if (imm_len) {
		u64 imm = 0;

		if (i + imm_len > avail)
			return -EINVAL;
		memcpy(&imm, bytes + i, imm_len);
		i += imm_len;
		/* Immediates are sign-extended to the operand size. */
		if (imm_len == 1)
			imm = (u64)(s64)(s8)imm;
		else if (imm_len == 2)
			imm = (u64)(s64)(s16)imm;
		else
			imm = (u64)(s64)(s32)imm;
		/* bt*, shld/shrd, shifts: a count or offset, not extended */
		if (twobyte || rmw->op == SVX_RMW_SHIFT)
			imm &= 0xff;
		rmw->imm = imm;
		rmw->has_imm = 1;
	} else if (rmw->op == SVX_RMW_SHIFT && !rmw->count_cl) {
		rmw->imm = 1;		/* d0/d1 */
		rmw->has_imm = 1;
	}
	/* the register operand, imm or not */
	if (rmw->op == SVX_RMW_IMUL || rmw->op == SVX_RMW_SHLD ||
	    rmw->op == SVX_RMW_SHRD) {
		rmw->reg = sub | ((rex & 4) ? 8 : 0);
	} else if (!imm_len && reg_op) {
		rmw->reg = sub | ((rex & 4) ? 8 : 0);
		if (rmw->size == 1 && rmw->dst_size == 1 && !rex &&
		    rmw->reg >= 4) {
			rmw->reg -= 4;
			rmw->high_byte = 1;
		}
	}
	rmw->opcode = op;
	rmw->len = i;
	return 0;
}

int svx_decode_string(const u8 *bytes, unsigned int avail, int mode,
		      struct svx_string *str)
{
	struct svx_strop s;

	/* The one string decoder (x86/emulate_string.c), stos/movs only. */
	memset(str, 0, sizeof(*str));
	if (svx_decode_strop(bytes, avail, mode, &s) || s.adsize_pfx ||
	    s.rep == SVX_STR_REPNE ||
	    (s.op != SVX_STR_MOVS && s.op != SVX_STR_STOS))
		return -EINVAL;
	str->len = s.len;
	str->size = s.size;
	str->movs = s.op == SVX_STR_MOVS;
	str->rep = s.rep != 0;
	str->seg = s.seg;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* System instructions of real-mode code run in virtual-8086 mode          */

static u64 svx_reg_word(const struct svx_x86_emu *e, int reg)
{
	return e->regs[reg] & 0xffff;
}

/*
 * The linear address of ModRM operand @p (not register form) in 16-bit or
 * 32-bit addressing, and the length of ModRM + SIB + displacement.  The
 * default segment is SS for BP/SP-based forms, DS otherwise (SDM 3.7.4).
 */
static int svx_modrm_addr(const struct svx_x86_emu *e, const u8 *p,
			  unsigned int avail, bool addr32, int seg,
			  u64 *addr)
{
	u8 mod = p[0] >> 6, rm = p[0] & 7;
	int len, def = 3;	/* DS */
	u64 ea = 0;
	s32 disp = 0;

	if (!addr32) {
		static const s8 base[8] = { 3, 3, 5, 5, -1, -1, 5, 3 };
		static const s8 index[8] = { 6, 7, 6, 7, 6, 7, -1, -1 };

		len = 1 + (mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
		if ((unsigned int)len > avail)
			return -EINVAL;
		if (mod == 1)
			disp = (s8)p[1];
		else if (len == 3)
			disp = (s16)(p[1] | p[2] << 8);
		if (!(mod == 0 && rm == 6)) {
			if (base[rm] >= 0)
				ea += svx_reg_word(e, base[rm]);
			if (index[rm] >= 0)
				ea += svx_reg_word(e, index[rm]);
			if (base[rm] == 5)
				def = 2;	/* BP: SS */
		}
		ea = (ea + disp) & 0xffff;
	} else {
		len = svx_modrm_len(p, avail);
		if (len < 0)
			return len;
		if (rm == 4) {
			u8 sib = p[1], b = sib & 7, i = (sib >> 3) & 7;

			if (!(mod == 0 && b == 5))
				ea += (u32)e->regs[b];
			if (i != 4)
				ea += (u64)(u32)e->regs[i] << (sib >> 6);
			if (b == 4 || (b == 5 && mod))
				def = 2;
		} else if (!(mod == 0 && rm == 5)) {
			ea += (u32)e->regs[rm];
			if (rm == 5)
				def = 2;
		}
		/* disp32 with mod 2, or mod 0 without base (rm 5, SIB base 5) */
		if (mod == 1)
			disp = (s8)p[len - 1];
		else if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && (p[1] & 7) == 5))))
			memcpy(&disp, p + len - 4, 4);
		ea = (u32)(ea + disp);
	}
	*addr = e->ops->seg_base(e->ctx, seg >= 0 ? seg : def) + ea;
	return len;
}

int svx_decode_sys(const struct svx_x86_emu *e, const u8 *bytes,
		   unsigned int avail, struct svx_sys *sys)
{
	struct svx_prefixes pfx;
	const u8 *op;
	unsigned int left;
	bool addr32;
	int n;

	memset(sys, 0, sizeof(*sys));
	if (e->mode == 8 || svx_decode_prefixes(bytes, avail, e->mode, &pfx))
		return -EINVAL;
	op = bytes + pfx.len;
	left = avail - pfx.len;
	addr32 = (e->mode == 4) != pfx.adsize;
	sys->opsize32 = (e->mode == 4) != pfx.opsize;
	if (op[0] == 0xf4) {
		sys->op = SVX_SYS_HLT;
		sys->len = pfx.len + 1;
		return 0;
	}
	if (op[0] != 0x0f || left < 2)
		return -EINVAL;
	sys->len = pfx.len + 2;
	switch (op[1]) {
	case 0x06:
		sys->op = SVX_SYS_CLTS;
		return 0;
	case 0x08:
	case 0x09:
		sys->op = SVX_SYS_INVD;
		return 0;
	case 0x30:
		sys->op = SVX_SYS_WRMSR;
		return 0;
	case 0x32:
		sys->op = SVX_SYS_RDMSR;
		return 0;
	case 0x20 ... 0x23:
		/* The r/m operand is always a register (SDM: mod ignored). */
		if (left < 3)
			return -EINVAL;
		sys->op = op[1] == 0x20 ? SVX_SYS_MOV_FROM_CR :
			  op[1] == 0x22 ? SVX_SYS_MOV_TO_CR :
			  op[1] == 0x21 ? SVX_SYS_MOV_FROM_DR : SVX_SYS_MOV_TO_DR;
		sys->cr = (op[2] >> 3) & 7;
		sys->reg = op[2] & 7;
		sys->len++;
		return 0;
	case 0x01:
		if (left < 3)
			return -EINVAL;
		switch ((op[2] >> 3) & 7) {
		case 2:
			sys->op = SVX_SYS_LGDT;
			break;
		case 3:
			sys->op = SVX_SYS_LIDT;
			break;
		case 6:
			sys->op = SVX_SYS_LMSW;
			break;
		default:
			return -EINVAL;
		}
		if ((op[2] >> 6) == 3) {
			if (sys->op != SVX_SYS_LMSW)
				return -EINVAL;	/* lgdt/lidt of a register: #UD */
			sys->reg = op[2] & 7;
			sys->len++;
			return 0;
		}
		n = svx_modrm_addr(e, op + 2, left - 2, addr32, pfx.seg,
				   &sys->addr);
		if (n < 0)
			return n;
		sys->mem = true;
		sys->len += n;
		return 0;
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* More MMIO forms: SSE/MMX moves, sgdt/sidt/fxsave/fxrstor, RSM, LOCK    */

/*
 * KVM's gprefix tables of 0f 10/11, 0f 28/29, 0f 2b, 0f 6f/7f and 0f e7
 * (arch/x86/kvm/emulate.c, 6.1): the mandatory prefix is 66 if present,
 * else the last of f2/f3; 66 with f2/f3 is no instruction.
 */
int svx_decode_vec(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_vec *v)
{
	struct svx_prefixes p;
	unsigned int i;
	int modrm_len, pfx;
	bool addr16;
	u8 op;

	memset(v, 0, sizeof(*v));
	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	if (mode != 2 && mode != 4 && mode != 8)
		return -EINVAL;
	if (svx_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	if (p.opsize && (p.rep || p.repne))
		return -EINVAL;
	if (p.rep && p.repne)
		return -EINVAL;	/* which is last: not worth telling */
	pfx = p.opsize ? 0x66 : p.rep ? 0xf3 : p.repne ? 0xf2 : 0;
	addr16 = mode == 2 ? !p.adsize : mode == 4 && p.adsize;
	i = p.len;
	if (i + 2 >= avail || bytes[i] != 0x0f)
		return -EINVAL;
	op = bytes[i + 1];
	i += 2;
	switch (op) {
	case 0x10: case 0x11:	/* movups, movupd */
		if (pfx != 0 && pfx != 0x66)
			return -EINVAL;
		v->store = op & 1;
		break;
	case 0x28: case 0x29:	/* movaps, movapd */
	case 0x2b:		/* movntps, movntpd */
		if (pfx != 0 && pfx != 0x66)
			return -EINVAL;
		v->store = op != 0x28;
		v->aligned = 1;
		break;
	case 0x6f: case 0x7f:	/* movq mm, movdqa, movdqu */
		if (pfx == 0xf2)
			return -EINVAL;
		v->store = op == 0x7f;
		v->mmx = pfx == 0;
		v->aligned = pfx == 0x66;
		break;
	case 0xe7:		/* movntdq */
		if (pfx != 0x66)
			return -EINVAL;
		v->store = 1;
		v->aligned = 1;
		break;
	default:
		return -EINVAL;
	}
	modrm_len = svx_modrm_len_as(bytes + i, avail - i, addr16);
	if (modrm_len < 0)
		return modrm_len;
	v->modrm_at = i;
	v->reg = (bytes[i] >> 3) & 7;
	if (!v->mmx && (p.rex & 4))
		v->reg |= 8;
	v->size = v->mmx ? 8 : 16;
	v->lock = p.lock;
	v->len = i + modrm_len;
	return 0;
}

int svx_decode_std(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_std *std)
{
	struct svx_prefixes p;
	unsigned int i;
	int modrm_len, sub;
	bool addr16;

	memset(std, 0, sizeof(*std));
	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	if ((mode != 2 && mode != 4 && mode != 8) ||
	    svx_decode_prefixes(bytes, avail, mode, &p))
		return -EINVAL;
	i = p.len;
	if (i + 3 > avail || bytes[i] != 0x0f ||
	    (bytes[i + 1] != 0x01 && bytes[i + 1] != 0xae))
		return -EINVAL;
	sub = (bytes[i + 2] >> 3) & 7;
	if (sub > 1)
		return -EINVAL;
	addr16 = mode == 2 ? !p.adsize : mode == 4 && p.adsize;
	modrm_len = svx_modrm_len_as(bytes + i + 2, avail - i - 2, addr16);
	if (modrm_len < 0)
		return modrm_len;	/* a register form: another insn */
	std->op = (bytes[i + 1] == 0xae ? SVX_STD_FXSAVE : SVX_STD_SGDT) + sub;
	std->modrm_at = i + 2;
	std->len = i + 2 + modrm_len;
	std->lock = p.lock;
	return 0;
}

int svx_decode_rsm(const u8 *bytes, unsigned int avail, int mode)
{
	struct svx_prefixes p;

	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	if ((mode != 2 && mode != 4 && mode != 8) ||
	    svx_decode_prefixes(bytes, avail, mode, &p) || p.lock ||
	    p.len + 2U > avail || bytes[p.len] != 0x0f ||
	    bytes[p.len + 1] != 0xaa)
		return -EINVAL;
	return p.len + 2;
}

bool svx_rmw_lockable(const struct svx_rmw *rmw)
{
	switch (rmw->op) {
	case SVX_RMW_XCHG:
	case SVX_RMW_XADD:
	case SVX_RMW_CMPXCHG:
	case SVX_RMW_CMPXCHG8B:
	case SVX_RMW_CMPXCHG16B:
	case SVX_RMW_INC:
	case SVX_RMW_DEC:
	case SVX_RMW_NEG:
	case SVX_RMW_NOT:
	case SVX_RMW_BTS:
	case SVX_RMW_BTR:
	case SVX_RMW_BTC:
		return true;
	case SVX_RMW_ADD:
	case SVX_RMW_OR:
	case SVX_RMW_ADC:
	case SVX_RMW_SBB:
	case SVX_RMW_AND:
	case SVX_RMW_SUB:
	case SVX_RMW_XOR:
		return !rmw->to_reg;	/* memory the destination */
	default:
		return false;
	}
}

/* ---------------------------------------------------------------------- */
/* The linear address of a memory operand                                 */

/* svx_x86_operand_la() with the prefixes decoded (@rex, @seg, @adsize) */
static int svx_operand_la(const struct svx_x86_emu *e, const u8 *bytes,
			  unsigned int avail, unsigned int modrm_at, bool moffs,
			  u64 next_rip, u8 rex, int seg, bool adsize, u64 *la)
{
	const u8 *m = bytes + modrm_at;
	unsigned int asz;
	u8 mod, rm;
	int def = 3;	/* DS */
	u64 ea = 0, amask;
	s64 disp = 0;

	if (avail > SVX_INSN_MAX)
		avail = SVX_INSN_MAX;
	if (modrm_at >= avail)
		return -EINVAL;
	asz = e->mode == 8 ? (adsize ? 4 : 8) :
	      (e->mode == 2) != adsize ? 2 : 4;
	amask = asz == 8 ? ~0ULL : asz == 4 ? 0xffffffffULL : 0xffffULL;
	if (!moffs && asz == 2) {
		u64 a;
		int len = svx_modrm_addr(e, m, avail - modrm_at, false, seg,
					 &a);

		if (len < 0)
			return len;
		*la = (u32)a;
		return 0;
	}
	if (moffs) {
		if (modrm_at + asz > avail)
			return -EINVAL;
		memcpy(&ea, m, asz);
	} else {
		int len = svx_modrm_len(m, avail - modrm_at);

		if (len < 0)
			return len;
		mod = m[0] >> 6;
		rm = m[0] & 7;
		if (rm == 4) {
			u8 sib = m[1], b = (sib & 7) | ((rex & 1) << 3);
			u8 i = ((sib >> 3) & 7) | ((rex & 2) << 2);

			if (!(mod == 0 && (sib & 7) == 5)) {
				ea += e->regs[b];
				if ((b & 7) == 4 || (b & 7) == 5)
					def = 2;
			}
			if (i != 4)
				ea += (u64)e->regs[i] << (sib >> 6);
		} else if (mod == 0 && rm == 5) {
			if (e->mode == 8)	/* RIP-relative */
				ea = next_rip;
		} else {
			ea += e->regs[rm | ((rex & 1) << 3)];
			if (rm == 5)
				def = 2;
		}
		if (mod == 1) {
			disp = (s8)m[len - 1];
		} else if (mod == 2 || (mod == 0 && (rm == 5 ||
			   (rm == 4 && (m[1] & 7) == 5)))) {
			s32 d;

			memcpy(&d, m + len - 4, 4);
			disp = d;
		}
		ea += disp;
	}
	ea &= amask;
	if (seg < 0)
		seg = def;
	/* In 64-bit code only FS and GS have a base (SDM 3.2.4). */
	*la = (e->mode == 8 && seg != 4 && seg != 5 ? 0 :
	       e->ops->seg_base(e->ctx, seg)) + ea;
	if (e->mode != 8)
		*la = (u32)*la;
	return 0;
}

int svx_x86_operand_la(const struct svx_x86_emu *e, const u8 *bytes,
		       unsigned int avail, unsigned int modrm_at, bool moffs,
		       u64 next_rip, u64 *la)
{
	struct svx_prefixes p;

	if (svx_decode_prefixes(bytes, avail, e->mode, &p))
		return -EINVAL;
	return svx_operand_la(e, bytes, avail, modrm_at, moffs, next_rip,
			      p.rex, p.seg, p.adsize, la);
}

s64 svx_rmw_bit_disp(const struct svx_x86_emu *e, const struct svx_rmw *rmw)
{
	s64 off;

	if ((rmw->op != SVX_RMW_BT && rmw->op != SVX_RMW_BTS &&
	     rmw->op != SVX_RMW_BTR && rmw->op != SVX_RMW_BTC) ||
	    rmw->has_imm)
		return 0;
	/* the offset signed at the operand size, in whole operands */
	off = svx_sext(e->regs[rmw->reg], rmw->size) &
	      ~(s64)(rmw->size * 8 - 1);
	return off >> 3;
}

int svx_x86_rmw_la(const struct svx_x86_emu *e, const u8 *bytes,
		   unsigned int avail, const struct svx_rmw *rmw, u64 next_rip,
		   u64 *la)
{
	bool moffs = (rmw->op == SVX_RMW_LOAD || rmw->op == SVX_RMW_MOV) &&
		     rmw->opcode >= 0xa0 && rmw->opcode <= 0xa3;
	int r;

	if (rmw->op == SVX_RMW_XLAT) {	/* seg:rBX + AL, DS by default */
		unsigned int asz = e->mode == 8 ? (rmw->adsize ? 4 : 8) :
				   (e->mode == 2) != rmw->adsize ? 2 : 4;
		int seg = rmw->seg < 0 ? 3 : rmw->seg;
		u64 ea = (e->regs[SVX_X86_RBX] + (u8)e->regs[SVX_X86_RAX]) &
			 svx_size_mask(asz);

		*la = (e->mode == 8 && seg != 4 && seg != 5 ? 0 :
		       e->ops->seg_base(e->ctx, seg)) + ea;
		if (e->mode != 8)
			*la = (u32)*la;
		return 0;
	}
	r = svx_operand_la(e, bytes, avail, rmw->modrm_at, moffs, next_rip,
			   rmw->rex, rmw->seg, rmw->adsize, la);

	if (r || !rmw->reg_offset)
		return r;
	*la += svx_rmw_bit_disp(e, rmw);	/* bt* r: its element */
	if (e->mode != 8)
		*la = (u32)*la;
	return 0;
}
