/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 instruction emulator of MMIO accesses and guest page-table
 * writes: its decoder (x86/decode.c), its execution (x86/emulate.c, with
 * x86/fastop.c) and its string instructions (x86/emulate_string.c).
 * Host-agnostic: also built by tools/testing/mmu.
 */
#ifndef SVX_X86_EMULATE_H
#define SVX_X86_EMULATE_H

#include <linux/types.h>

/* The longest x86 instruction, in bytes. */
#define SVX_INSN_MAX	15

/*
 * What the emulator needs from its host.  @ctx is the caller's (the vCPU);
 * every access returns 0 or -errno.
 */
struct svx_x86_ops {
	/* Guest-virtual reads, through the guest walker: fetch, sources. */
	int (*read_virt)(void *ctx, u64 gva, void *buf, unsigned int len);
	/*
	 * The memory operand at the guest-physical address the exit gave,
	 * inside one page.  Writes go through the host's one write path,
	 * which tells the shadow MMU.
	 */
	int (*read_phys)(void *ctx, u64 gpa, void *buf, unsigned int len);
	int (*write_phys)(void *ctx, u64 gpa, const void *buf,
			  unsigned int len);
	/*
	 * Replace @old with @new (@len 4, 8 or 16 bytes, aligned) at @gpa
	 * atomically: 0 done, 1 memory no longer held @old (with @len 16,
	 * @old then holds what memory holds), -errno.
	 */
	int (*cmpxchg_phys)(void *ctx, u64 gpa, void *old, const void *new,
			    unsigned int len);
	/* The base of segment @seg (0 ES .. 5 GS) in the current mode. */
	u64 (*seg_base)(void *ctx, int seg);
	/* Guest-virtual writes with the guest's permissions (push m). */
	int (*write_virt)(void *ctx, u64 gva, const void *buf,
			  unsigned int len);
};

/* One instruction to emulate, and the guest state it works on. */
struct svx_x86_emu {
	const struct svx_x86_ops *ops;
	void *ctx;
	int mode;		/* 2 = 16-bit, 4 = 32-bit, 8 = 64-bit code */
	unsigned long *regs;	/* RAX .. R15, in encoding order */
	unsigned long *rflags;
	u8 ss_size;		/* stack address size: 2, 4, 8 (push/pop m) */
	u64 sys_val;		/* SVX_RMW_STORE_SYS: the value stored */
	u64 ip;			/* call/jmp m: RIP in, the target out */
	u8 len;			/* out: instruction length */
	bool retire;		/* out: done, RIP moves past it */
	bool de;		/* out: divide error, nothing changed (#DE) */
};

/* What an emulated read-modify-write did to memory. */
struct svx_x86_write {
	u64 old;		/* memory before (low 8 bytes) */
	u64 new;		/* memory after, if written (low 8 bytes) */
	u8 size;		/* operand size: 1, 2, 4, 8 or 16 */
	bool written;		/* false: a cmpxchg that did not match */
};

/*
 * Emulate the read-modify-write instruction at @bytes (@avail bytes
 * fetched; see svx_decode_rmw()) whose memory operand is at @gpa:
 * atomically against other writers for 4, 8 and 16 bytes, registers and
 * arithmetic flags updated, @e->len set and @e->retire true.  0, or
 * -errno with guest state and memory unchanged (not such an instruction,
 * an operand across a page or misaligned, memory not writable).
 */
int svx_x86_emulate_rmw(struct svx_x86_emu *e, const u8 *bytes,
			unsigned int avail, u64 gpa, struct svx_x86_write *w);

/*
 * Emulate the iterations of stos/movs (with or without REP, DF=0) at
 * @bytes whose destination falls in @gpa's page, updating RDI, RSI and
 * RCX; @e->retire when no iteration is left.  1 if emulated, 0 if not
 * such an instruction or its source or destination cannot be reached.
 */
int svx_x86_emulate_string(struct svx_x86_emu *e, const u8 *bytes,
			   unsigned int avail, u64 gpa);

/*
 * Fetch the instruction at linear address @ip into @bytes: up to the end
 * of its page, then the rest of SVX_INSN_MAX bytes from the next page if
 * that one can be read.  Returns the number of bytes fetched, or -errno
 * when the first page cannot be read.
 */
int svx_fetch_insn(const struct svx_x86_ops *ops, void *ctx, u64 ip,
		   u8 bytes[SVX_INSN_MAX]);

/*
 * Legacy prefixes and REX of an instruction in code of @mode (4 = 32-bit,
 * 8 = 64-bit code): one decoder for every form below.
 */
struct svx_prefixes {
	u8 len;			/* prefix bytes, REX included */
	u8 rex;			/* REX byte (64-bit code only), or 0 */
	s8 seg;			/* segment override: 0 ES .. 5 GS, or -1 */
	bool opsize;		/* 66 */
	bool adsize;		/* 67 */
	bool lock;		/* f0 */
	bool rep;		/* f3 */
	bool repne;		/* f2 */
};

/*
 * Decode the prefixes at @bytes (@avail bytes readable).  0, or -EINVAL
 * when no opcode byte follows them.
 */
int svx_decode_prefixes(const u8 *bytes, unsigned int avail, int mode,
			struct svx_prefixes *p);

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
 * of @mode (2, 4 or 8): the moves of svx_decode_rmw(), without LOCK.
 * Returns 0 or -EINVAL for anything else (register-only forms, other
 * opcodes, truncated bytes).
 */
int svx_decode_mov(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_insn *insn);

/* Read-modify-write operations on memory (guest page-table writes). */
enum svx_rmw_op {
	SVX_RMW_MOV,		/* 88/89, c6/c7 */
	SVX_RMW_XCHG,		/* 86/87 */
	SVX_RMW_CMPXCHG,	/* 0f b0/b1 */
	SVX_RMW_CMPXCHG8B,	/* 0f c7 /1 (64-bit operand: EDX:EAX, ECX:EBX) */
	SVX_RMW_CMPXCHG16B,	/* REX.W 0f c7 /1 (128-bit: RDX:RAX, RCX:RBX) */
	SVX_RMW_ADD,		/* 00/01, 80/81/83 /0 */
	SVX_RMW_OR,		/* 08/09, 80/81/83 /1 */
	SVX_RMW_AND,		/* 20/21, 80/81/83 /4 */
	SVX_RMW_SUB,		/* 28/29, 80/81/83 /5 */
	SVX_RMW_XOR,		/* 30/31, 80/81/83 /6 */
	SVX_RMW_BTS,		/* 0f ab, 0f ba /5 */
	SVX_RMW_BTR,		/* 0f b3, 0f ba /6 */
	SVX_RMW_BTC,		/* 0f bb, 0f ba /7 */
	/* The forms below are emulated on MMIO (and PT writes if they write). */
	SVX_RMW_ADC,		/* 10/11, 12/13, 80/81/83 /2 */
	SVX_RMW_SBB,		/* 18/19, 1a/1b, 80/81/83 /3 */
	SVX_RMW_CMP,		/* 38/39, 3a/3b, 80/81/83 /7 */
	SVX_RMW_TEST,		/* 84/85, f6/f7 /0 /1 */
	SVX_RMW_INC,		/* fe/ff /0 */
	SVX_RMW_DEC,		/* fe/ff /1 */
	SVX_RMW_NEG,		/* f6/f7 /3 */
	SVX_RMW_NOT,		/* f6/f7 /2 */
	SVX_RMW_BT,		/* 0f a3, 0f ba /4 */
	SVX_RMW_SETCC,		/* 0f 90-9f */
	SVX_RMW_MOVBE,		/* 0f 38 f0 (load), 0f 38 f1 (store) */
	/* 8a/8b, a0/a1, movzx 0f b6/b7, movsx 0f be/bf, movsxd 63 (64-bit) */
	SVX_RMW_LOAD,
	SVX_RMW_PUSH,		/* ff /6: push r/m (memory read, stack written) */
	SVX_RMW_POP,		/* 8f /0: pop r/m (stack read, memory written) */
	SVX_RMW_XADD,		/* 0f c0/c1 */
	SVX_RMW_CMOV,		/* 0f 40-4f (memory read, condition in cc) */
	SVX_RMW_IMUL,		/* 0f af r, r/m; 69/6b r, r/m, imm */
	/*
	 * Below: carried out by the host CPU itself, as KVM's fastop
	 * (svx_x86_rmw_complete() only; flags the SDM leaves undefined are
	 * the CPU's).  Not emulated on page-table writes.
	 */
	SVX_RMW_MUL,		/* f6/f7 /4: rDX:rAX (AX) = rAX * r/m */
	SVX_RMW_IMUL1,		/* f6/f7 /5: the same, signed */
	SVX_RMW_DIV,		/* f6/f7 /6: rAX, rDX = rDX:rAX / r/m (#DE) */
	SVX_RMW_IDIV,		/* f6/f7 /7: the same, signed (#DE) */
	SVX_RMW_SHIFT,		/* c0/c1 imm8, d0/d1 1, d2/d3 CL: /cc rol..sar */
	SVX_RMW_SHLD,		/* 0f a4 imm8, 0f a5 CL */
	SVX_RMW_SHRD,		/* 0f ac imm8, 0f ad CL */
	/*
	 * 0f bc, and f3 0f bc (tzcnt) too: KVM 6.1's table has one entry
	 * for 0f bc whatever the prefix, so kvm_intel carries tzcnt out as
	 * bsf on MMIO (measured in the Bochs bench, whose CPU has BMI1).
	 */
	SVX_RMW_BSF,
	SVX_RMW_BSR,		/* 0f bd, f3 0f bd (lzcnt) as well: see bsf */
	/* Below: MMIO only (never a page-table write). */
	SVX_RMW_XLAT,		/* d7: AL = [seg:rBX + AL] (no ModRM) */
	SVX_RMW_STORE_SYS,	/* a register of the vCPU stored: @sub below */
	SVX_RMW_JMP,		/* ff /4: jmp r/m (64 bits in 64-bit code) */
	SVX_RMW_CALL,		/* ff /2: call r/m, the return address pushed */
	/*
	 * les/lds (c4/c5 outside 64-bit code), lss/lfs/lgs (0f b2/b4/b5):
	 * @size = operand size + 2 read (offset, selector), @dst_size the
	 * register's, @sub the segment (0 ES .. 5 GS); the segment load is
	 * the host's (vmx/mmio_vec.c).
	 */
	SVX_RMW_LSEG,
	/* ff /5 ljmp m, ff /3 lcall m: m16:16/32/64 as LSEG, CS the host's */
	SVX_RMW_JMPF,
	SVX_RMW_CALLF,
};

/* SVX_RMW_STORE_SYS: what is stored (@e->sys_val, the host's). */
enum svx_sys_val {
	SVX_SV_MSW,		/* 0f 01 /4 smsw m: CR0, 2 bytes */
	/*
	 * 0f 00 /0 sldt m, /1 str m: KVM reads the operand first (its
	 * DstMem without Mov: @size, the operand size), then writes 2 bytes
	 * (8 with REX.W): @wr_size.
	 */
	SVX_SV_LDTR,
	SVX_SV_TR,
	SVX_SV_FCW,		/* d9 /7 fnstcw m: the x87 control word */
	SVX_SV_FSW,		/* dd /7 fnstsw m: the x87 status word */
};

struct svx_rmw {
	enum svx_rmw_op op;
	u8 len;			/* instruction length */
	u8 size;		/* memory operand size: 1, 2, 4, 8 or 16 */
	u8 reg;			/* source/destination register, if !has_imm */
	u8 high_byte;		/* reg is AH/CH/DH/BH */
	u8 has_imm;
	u8 lock;		/* LOCK prefix */
	u8 opcode;		/* last opcode byte */
	u8 to_reg;		/* the result goes to the register operand */
	u8 mem_read;		/* memory's old value is an input */
	u8 mem_write;		/* memory is written */
	u8 cc;			/* setcc, cmovcc: the condition (0-15) */
	u8 sub;			/* SVX_RMW_SHIFT: the operation, ModRM.reg */
	u8 count_cl;		/* shift count in CL (d2/d3, 0f a5/ad) */
	u8 dst_size;		/* register size of a load (movzx/movsx) */
	u8 sign_extend;		/* movsx */
	u64 imm;		/* sign-extended to size */
	u8 modrm_at;		/* offset of ModRM, or of moffs (a0-a3) */
	u8 rex;			/* REX byte (64-bit code), or 0 */
	s8 seg;			/* segment override: 0 ES .. 5 GS, or -1 */
	u8 adsize;		/* 67 */
	u8 reg_offset;		/* bt* r: see svx_rmw_bit_disp() */
	u8 wr_size;		/* bytes written if not @size (sldt/str m) */
};

/*
 * Decode an instruction that accesses memory through a ModRM operand (or a
 * moffs address) in code of @mode (2 = 16-bit, 4 = 32-bit, 8 = 64-bit):
 * the moves of svx_decode_mov() (stores and loads), xchg, cmpxchg,
 * cmpxchg8b, cmpxchg16b, add/or/adc/sbb/and/sub/xor/cmp/test (memory as
 * destination or source), inc/dec/neg/not, bt/bts/btr/btc, setcc, movbe,
 * movnti, xadd, cmovcc and imul, mul/imul/div/idiv r/m, the shifts and
 * rotates, shld/shrd, bsf/bsr, with or without LOCK, 66/67, segment
 * overrides and REX.  The one
 * decoder of MMIO and page-table write emulation.  0 or -EINVAL.
 */
int svx_decode_rmw(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_rmw *rmw);

/*
 * May @rmw take a LOCK prefix (KVM's Lock flag: a read-modify-write of its
 * memory operand)?  Others with LOCK are #UD: mov, loads, test, cmp, bt,
 * setcc, movbe, push m, pop m.
 */
bool svx_rmw_lockable(const struct svx_rmw *rmw);

/* STOS/MOVS, the string stores emulated on a write to a guest table. */
struct svx_string {
	u8 len;			/* instruction length */
	u8 size;		/* element size: 1, 2, 4 or 8 */
	u8 movs;		/* movs (source DS:RSI, or @seg:RSI), else stos */
	u8 rep;			/* REP prefix */
	u8 seg;			/* source segment (movs): 3 DS unless overridden */
};

/*
 * Decode stos or movs, with or without REP, at @bytes.  0, or -EINVAL for
 * anything else (LOCK, REPNE and address-size prefixes included).
 */
int svx_decode_string(const u8 *bytes, unsigned int avail, int mode,
		      struct svx_string *str);

/*
 * Execute @rmw on the old memory value @old: *@new is what memory holds
 * after it, *@reg_out what the register operand holds (xchg, cmpxchg) and
 * *@flags the arithmetic flags (CF PF ZF SF OF in their RFLAGS positions)
 * with *@flags_mask the ones the instruction defines.  @reg_in is the
 * register operand (RAX for cmpxchg's comparand in @rax, RDX:RAX and
 * RCX:RBX for cmpxchg8b packed in @rax/@reg_in).  Returns true when memory
 * is written (cmpxchg that fails does not write).  Operands of at most 8
 * bytes: a 16-byte cmpxchg16b is its caller's (no write, false).
 */
bool svx_rmw_exec(const struct svx_rmw *rmw, u64 old, u64 reg_in, u64 rax,
		  u64 *new, u64 *reg_out, u64 *flags, u64 *flags_mask);

/*
 * The same with the RFLAGS the instruction starts with (@rflags: CF of
 * adc/sbb, the condition of setcc).  For to_reg forms *@reg_out is the
 * register's value after the instruction (before its sized write-back).
 */
bool svx_rmw_exec_fl(const struct svx_rmw *rmw, u64 old, u64 reg_in,
		     u64 rax, u64 rflags, u64 *new, u64 *reg_out, u64 *flags,
		     u64 *flags_mask);

/*
 * MMIO: carry out the decoded @rmw (operand of at most 8 bytes) on @e's
 * registers and RFLAGS, memory having held @old (unused unless
 * @rmw->mem_read): registers written, arithmetic flags updated, @e->len
 * set and @e->retire true.  Returns true with *@new when memory is to be
 * written: a cmpxchg that fails writes back what it read, as the CPU and
 * KVM's emulator do.  A division that faults sets @e->de and changes
 * nothing (the caller injects #DE, RIP stays).
 */
bool svx_x86_rmw_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			  u64 old, u64 *new);

/*
 * bt/bts/btr/btc with a register bit offset (@e's registers): the byte
 * displacement of the operand-sized element the offset falls in, added to
 * the operand's address (KVM's fetch_bit_operand(); the offset is signed
 * at the operand size).  0 for every other form.
 */
s64 svx_rmw_bit_disp(const struct svx_x86_emu *e, const struct svx_rmw *rmw);

/*
 * MMIO: the stack side of push m / pop m (@rmw->op SVX_RMW_PUSH or
 * SVX_RMW_POP; @e->ss_size set): push writes @old (the memory operand
 * read) at SS:rSP - size, pop reads *@new from SS:rSP; rSP moves by the
 * operand size within the stack address size, @e->len is set and
 * @e->retire true.  1 when memory is to be written (pop: *@new), 0 when
 * not (push), -EFAULT with nothing changed when the stack cannot be
 * reached.
 */
int svx_x86_stack_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			   u64 old, u64 *new);

/*
 * MMIO: jmp m / call m (@rmw->op SVX_RMW_JMP or SVX_RMW_CALL; @e->ss_size
 * set, @e->ip the instruction's RIP), the target @old read from memory: as KVM's assign_eip_near(),
 * the target at the operand size must be inside CS (@cs_limit, 16- and
 * 32-bit code) or canonical at @va_bits (64-bit code), else 1 (#GP(0),
 * nothing changed); call then pushes the return address at the operand
 * size through @e->ops->write_virt at SS:rSP.  0 with @e->ip the new RIP
 * and rSP moved, -EFAULT with nothing changed when the stack cannot be
 * written.
 */
int svx_x86_branch_complete(struct svx_x86_emu *e, const struct svx_rmw *rmw,
			    u64 old, u32 cs_limit, unsigned int va_bits);

/*
 * The system instructions a real-mode guest run in virtual-8086 mode
 * faults on with #GP(0) (privileged at CPL 3; vmx/rmode.c carries them
 * out): HLT, CLTS, INVD/WBINVD, RDMSR/WRMSR, MOV to/from CRn and DRn,
 * LGDT, LIDT, LMSW.
 */
enum svx_sys_op {
	SVX_SYS_HLT,		/* f4 */
	SVX_SYS_CLTS,		/* 0f 06 */
	SVX_SYS_INVD,		/* 0f 08 invd, 0f 09 wbinvd */
	SVX_SYS_WRMSR,		/* 0f 30 */
	SVX_SYS_RDMSR,		/* 0f 32 */
	SVX_SYS_MOV_FROM_CR,	/* 0f 20 */
	SVX_SYS_MOV_FROM_DR,	/* 0f 21 */
	SVX_SYS_MOV_TO_CR,	/* 0f 22 */
	SVX_SYS_MOV_TO_DR,	/* 0f 23 */
	SVX_SYS_LGDT,		/* 0f 01 /2 */
	SVX_SYS_LIDT,		/* 0f 01 /3 */
	SVX_SYS_LMSW,		/* 0f 01 /6 */
};

struct svx_sys {
	enum svx_sys_op op;
	u8 len;			/* instruction length */
	u8 cr;			/* CRn/DRn of a mov to/from CR/DR */
	u8 reg;			/* register operand (mov CR/DR, lmsw r16) */
	bool mem;		/* memory operand at @addr (lgdt, lidt, lmsw) */
	bool opsize32;		/* 32-bit operand size (lgdt/lidt: 32-bit base) */
	u64 addr;		/* linear address of the memory operand */
};

/*
 * Decode one of those at @bytes in 16-bit (@e->mode 2) or 32-bit (4) code,
 * computing a memory operand's linear address from @e's registers and
 * segment bases (16- or 32-bit addressing, 67 prefix).  0 or -EINVAL.
 */
int svx_decode_sys(const struct svx_x86_emu *e, const u8 *bytes,
		   unsigned int avail, struct svx_sys *sys);

/* String instructions, one iteration at a time (x86/emulate_string.c). */
enum svx_str_op {
	SVX_STR_MOVS,		/* a4/a5: ES:rDI <- seg:rSI */
	SVX_STR_CMPS,		/* a6/a7: flags of seg:rSI - ES:rDI */
	SVX_STR_STOS,		/* aa/ab: ES:rDI <- rAX */
	SVX_STR_LODS,		/* ac/ad: rAX <- seg:rSI */
	SVX_STR_SCAS,		/* ae/af: flags of rAX - ES:rDI */
};

#define SVX_STR_REPE	1	/* f3 (REP for movs/stos/lods) */
#define SVX_STR_REPNE	2	/* f2 (REP as well for movs/stos/lods) */

struct svx_strop {
	u8 op;			/* enum svx_str_op */
	u8 len;			/* instruction length */
	u8 size;		/* element size: 1, 2, 4 or 8 */
	u8 asize;		/* address size: 2, 4 or 8 (rSI, rDI, rCX) */
	u8 rep;			/* 0, SVX_STR_REPE or SVX_STR_REPNE */
	u8 seg;			/* source segment: 3 DS unless overridden */
	u8 adsize_pfx;		/* 67 present */
};

/*
 * Decode movs/cmps/stos/lods/scas with their prefixes (66, 67, REX.W,
 * segment override, REP/REPE/REPNE) in code of @mode (2, 4, 8).  0, or
 * -EINVAL for anything else (LOCK, REPE with REPNE, other opcodes).
 */
int svx_decode_strop(const u8 *bytes, unsigned int avail, int mode,
		     struct svx_strop *s);

/* The operands of one iteration. */
struct svx_str_iter {
	u64 la[2];		/* linear: [0] seg:rSI, [1] ES:rDI */
	bool rd[2];		/* operand read (its value is an input) */
	bool wr;		/* ES:rDI written */
};

/*
 * Where the next iteration of @s at @e's registers reads and writes.
 * false when a REP form has nothing left to do (rCX = 0): it retires
 * without touching memory.
 */
bool svx_str_next(const struct svx_x86_emu *e, const struct svx_strop *s,
		  struct svx_str_iter *it);

/*
 * Carry out one iteration, @val holding the operands svx_str_next() said
 * are read: rAX (lods), the arithmetic flags (cmps, scas), rSI/rDI moved
 * by the element size (down with DF = 1), rCX decremented (REP); *@store
 * the value to write at ES:rDI (movs, stos).  @e->len is set; @e->retire
 * when the instruction is finished (no REP, rCX reaching 0, or the
 * REPE/REPNE condition of cmps/scas ending it).
 */
void svx_str_commit(struct svx_x86_emu *e, const struct svx_strop *s,
		    const u64 val[2], u64 *store);

/*
 * The SSE/MMX moves KVM's emulator (6.1) carries out on MMIO
 * (vmx/mmio_vec.c): movups/movupd 0f 10/11, movaps/movapd 0f 28/29,
 * movntps/movntpd 0f 2b (store), movdqa 66 0f 6f/7f, movdqu f3 0f 6f/7f,
 * movntdq 66 0f e7 (store), and MMX movq 0f 6f/7f.  No VEX forms, no
 * movd/movq 0f 6e/7e/d6, no movss/movsd: KVM's tables have none.
 */
struct svx_vec {
	u8 len;			/* instruction length */
	u8 size;		/* memory operand size: 16, or 8 (MMX) */
	u8 reg;			/* XMM register 0-15, or MMX register 0-7 */
	u8 store;		/* register to memory */
	u8 mmx;			/* MMX register (no mandatory prefix 0f 6f/7f) */
	u8 aligned;		/* #GP(0) unless 16-byte aligned */
	u8 lock;		/* LOCK prefix (#UD) */
	u8 modrm_at;		/* offset of ModRM */
};

/*
 * Decode one of those at @bytes in code of @mode (2, 4, 8), with a memory
 * operand.  0, or -EINVAL for anything else (register forms, other
 * prefixes, 66 together with f2/f3, which KVM refuses too).
 */
int svx_decode_vec(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_vec *v);

/*
 * The forms KVM's emulator (6.1) carries out with read_std/write_std,
 * which reach guest RAM only: on MMIO they end in X86EMUL_IO_NEEDED, an
 * "emulated" instruction that did nothing, RIP unchanged (KVM's
 * x86_emulate_instruction() returns to the guest, which runs it again).
 */
enum svx_std_op {
	SVX_STD_SGDT,		/* 0f 01 /0 m */
	SVX_STD_SIDT,		/* 0f 01 /1 m */
	SVX_STD_FXSAVE,		/* 0f ae /0 m */
	SVX_STD_FXRSTOR,	/* 0f ae /1 m */
};

struct svx_std {
	u8 op;			/* enum svx_std_op */
	u8 len;			/* instruction length */
	u8 modrm_at;		/* offset of ModRM */
	u8 lock;		/* LOCK prefix (#UD) */
};

/* Decode one of those with a memory operand.  0, or -EINVAL. */
int svx_decode_std(const u8 *bytes, unsigned int avail, int mode,
		   struct svx_std *std);

/*
 * RSM (0f aa), which the CPU refuses with #UD outside SMM, i.e. always in
 * VMX non-root operation: the hypervisor carries it out (vmx/smm.c), as
 * KVM's emulator (EmulateOnUD).  Its length, or -EINVAL: another
 * instruction, or with LOCK (#UD).
 */
int svx_decode_rsm(const u8 *bytes, unsigned int avail, int mode);

/*
 * The linear address of the memory operand of the instruction at @bytes
 * (decoded: ModRM at @modrm_at, or a moffs there when @moffs) in @e's
 * mode with @e's registers: 16-, 32- or 64-bit addressing (67), SIB,
 * RIP-relative (@next_rip: RIP after the instruction), segment override
 * or the default segment (SS for BP/SP bases).  Truncated to 32 bits
 * outside 64-bit code.  0 or -EINVAL.
 */
int svx_x86_operand_la(const struct svx_x86_emu *e, const u8 *bytes,
		       unsigned int avail, unsigned int modrm_at, bool moffs,
		       u64 next_rip, u64 *la);

/*
 * The same for @rmw, decoded from @bytes (its prefixes not decoded
 * again), the element of a bt* register offset included.
 */
int svx_x86_rmw_la(const struct svx_x86_emu *e, const u8 *bytes,
		   unsigned int avail, const struct svx_rmw *rmw, u64 next_rip,
		   u64 *la);

/*
 * Whole instructions of 16- and 32-bit code run with CR0.PE=0 or with
 * segments VMX cannot enter (x86/emulate_rm.c): kvm_intel's
 * emulate_invalid_guest_state, which a shadow-paging vCPU (no
 * unrestricted guest) needs for SMM's "big real mode" (CS.base = SMBASE,
 * 4 GiB limits) and for the switch to protected mode an SMI handler
 * makes.  One instruction per svx_x86_rm_step(), on the state below; the
 * host reads it from the vCPU before and writes it back after.
 */

/* A segment register, as KVM's struct kvm_segment (limit in bytes). */
struct svx_x86_seg {
	u64 base;
	u32 limit;
	u16 selector;
	u8 type;
	u8 present, dpl, db, s, l, g, avl;
	u8 unusable;
};

/* The host's side: linear memory (CR0.PG=0: guest-physical). */
struct svx_x86_rm_ops {
	/*
	 * Read or write @len bytes at linear @la, in the vCPU's address
	 * space (SMRAM in SMM): 0; 1 when @la is not guest RAM (MMIO: only
	 * the moves go out to userspace, svx_x86_rm_step() says so); or
	 * -errno.  A write that returns 1 has written nothing.
	 */
	int (*read)(void *ctx, u64 la, void *buf, unsigned int len);
	int (*write)(void *ctx, u64 la, const void *buf, unsigned int len);
};

/* An access the host carries out for the instruction (PIO, MMIO). */
struct svx_x86_rm_io {
	u64 addr;		/* port, or guest-physical address (MMIO) */
	u64 val;		/* what is written (out, MMIO store) */
	u8 size;		/* 1, 2 or 4 bytes (MMIO: up to 4) */
	u8 in;			/* in, or MMIO load: completes later */
	u8 reg;			/* its destination register (0-7) */
	u8 high_byte;		/* AH..BH */
	u8 dst_size;		/* register bytes written (movzx/movsx) */
	u8 sign_extend;		/* movsx */
	u8 len;			/* instruction length (RIP moves past it) */
};

struct svx_x86_rm {
	const struct svx_x86_rm_ops *ops;
	void *ctx;
	unsigned long *regs;	/* RAX .. RDI, in encoding order */
	unsigned long rip;
	unsigned long rflags;
	struct svx_x86_seg seg[6];	/* ES CS SS DS FS GS */
	u64 cr[5];		/* CR0, -, CR2, CR3, CR4 (mov from CRn) */
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	/* out */
	u8 insn[SVX_INSN_MAX];	/* the bytes fetched (error reports) */
	u8 len;			/* instruction length */
	u8 vector;		/* SVX_RM_FAULT: the exception */
	u8 has_error;		/* ... with @error_code */
	u32 error_code;
	u8 cr_n;		/* SVX_RM_CR: mov to CR@cr_n of @cr_val, */
	u8 cr_reg;		/* ... the register @cr_reg (0-7) */
	u64 cr_val;
	u8 shadow;		/* STI (1) or MOV/POP SS (2) blocking */
	u8 nmi_unmask;		/* IRET: NMIs no longer blocked */
	struct svx_x86_rm_io io;	/* SVX_RM_PIO, SVX_RM_MMIO */
};

enum svx_rm_result {
	SVX_RM_DONE,		/* retired: state updated, RIP past it */
	/*
	 * The instruction faults with @vector (@error_code): nothing
	 * changed.  kvm_intel cannot deliver an exception while emulation
	 * is required: it stops with an emulation failure, and so does
	 * shadowvmx's host.
	 */
	SVX_RM_FAULT,
	/*
	 * in/out: @io.  An OUT has retired (RIP past it); an IN completes
	 * with svx_x86_rm_complete() once userspace has the value, RIP
	 * still at it (KVM's emulated PIO).
	 */
	SVX_RM_PIO,
	/* A mov to or from a non-RAM address: @io, as SVX_RM_PIO. */
	SVX_RM_MMIO,
	/* mov to CR@cr_n: the host checks and sets it, then RIP += @len */
	SVX_RM_CR,
	SVX_RM_HLT,		/* hlt: retired, the host halts the vCPU */
	SVX_RM_RSM,		/* rsm (@len): the host's (vmx/smm.c) */
	/* not emulated, or its memory not reachable: internal error */
	SVX_RM_UNHANDLED,
};

/*
 * Emulate the instruction at CS:RIP of @rm (CS.D: 16- or 32-bit code;
 * CR0.PE in @rm->cr[0] selects real-mode or protected-mode segment
 * loads; CPL 0, which is SMM's).  Returns enum svx_rm_result; @rm's
 * registers, RIP, RFLAGS, segments and descriptor-table registers change
 * only with SVX_RM_DONE, SVX_RM_PIO and SVX_RM_MMIO (an OUT or a store),
 * SVX_RM_HLT.
 */
int svx_x86_rm_step(struct svx_x86_rm *rm);

/*
 * An IN or MMIO load of @io completed with @val: the destination
 * register written at its size, RIP moved past the instruction.
 */
void svx_x86_rm_complete(struct svx_x86_rm *rm,
			 const struct svx_x86_rm_io *io, u64 val);

/*
 * Can VMX without unrestricted guest run @rm's segments natively?  With
 * CR0.PE=0 every segment must be what virtual-8086 mode loads (kvm_intel's
 * rmode_segment_valid(): base = selector * 16, limit 0xffff, a present
 * read/write data segment, 16-bit, byte-granular); with CR0.PE=1 the
 * protected-mode rules of VM entry kvm_intel checks (code_segment_valid(),
 * stack_segment_valid(), data_segment_valid()).  When not, the vCPU runs
 * through svx_x86_rm_step() until it can.
 */
bool svx_x86_rm_segs_valid(const struct svx_x86_seg seg[6], bool pe);

#endif /* SVX_X86_EMULATE_H */
