// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation, differentially: several hundred instruction forms (ALU
 * with memory as destination or source, reg and imm forms, test, inc/dec,
 * neg/not, xchg, cmpxchg, cmpxchg8b, bt/bts/btr/btc (register offsets
 * beyond the operand too), setcc, movbe, the moves, movzx/movsx, movsxd,
 * mul/imul/div/idiv (#DE included), shifts and rotates, shld/shrd,
 * bsf/bsr, tzcnt/lzcnt (as KVM: bsf/bsr), xlat, fnstcw/fnstsw,
 * smsw/sldt/str, jmp m/call m (#GP included), les/lds/lss/lfs/lgs
 * (#GP/#NP/#SS included), push/pop/jmp/call with their operand and string
 * elements across RAM|MMIO; with 66/67, segment overrides, REX and
 * LOCK; in
 * 64-bit, 32-bit and 16-bit code), each built here with seeded random
 * registers, flags and memory and run twice by the guest: once with its
 * memory operand in guest RAM (the CPU carries it out), once on a GPA no
 * memslot backs (the device under test emulates it; this file answers its
 * KVM_EXIT_MMIO reads and writes from a memory array, a trivial device).
 * Registers, RIP, the arithmetic flags the instruction defines and the
 * memory window must be equal.  Prints
 *     mmio-emulation[<label>]: N forms, M mismatches
 * (<label> is run_in_vm.sh's suite label, SVX_LABEL) for scripts/check.sh.
 *
 * The guest is one instruction and a HLT at SVX_CODE, entered with
 * KVM_SET_REGS; the memory operand is [rsi+disp8] ([si+disp8] with 16-bit
 * addressing): RSI holds the window's address in 64-bit code, the data
 * segments' base in 16/32-bit code.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "svx.h"

#define DATA_OFF	0x100			/* the window in its page */
#define WIN		64			/* bytes compared */
#define RAM_BASE	SVX_DATA
#define MMIO_BASE	SVX_MMIO_GPA

#define FL_CF	0x001
#define FL_PF	0x004
#define FL_AF	0x010
#define FL_ZF	0x040
#define FL_SF	0x080
#define FL_OF	0x800
#define FL_ALL	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_LOGIC (FL_ALL & ~FL_AF)	/* AF undefined (and/or/xor/test) */

enum kind { K_PLAIN, K_BTREG, K_CMPXCHG, K_CMPXCHG8B, K_STACK, K_VEC,
	    K_BTFAR, K_DIV, K_BSX, K_XLAT, K_FPU, K_BRANCH, K_LSEG };

struct form {
	char name[64];
	uint8_t code[16];
	int len;
	int mode;		/* 2, 4, 8 */
	int size;		/* memory operand size */
	int disp;
	int reg;		/* register operand (encoding, 0-15), or -1 */
	int moffs_at;		/* moffs forms: where the address goes */
	int moffs_len;		/* and its size, or 0 */
	uint64_t fmask;		/* flags compared */
	enum kind kind;
	int code_at;		/* the instruction's GPA, 0: SVX_CODE */
	int vflags;		/* K_VEC: V_* below */
	int exits;		/* KVM_EXIT_MMIO expected on MMIO, 0: any */
	int ref_nop;		/* the RAM run has a NOP at code[ref_nop - 1] */
	int seg;		/* K_LSEG: the segment loaded (0 ES .. 5 GS) */
	int umip;		/* run with CR4.UMIP */
};

#define MAX_FORMS	2048
static struct form forms[MAX_FORMS];
static int nforms;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/*
 * One form: @pfx legacy prefixes, @rex (64-bit code; 0x40 is added),
 * @op opcode bytes, ModRM /@ext (or a random register if @ext < 0),
 * @imm_len immediate bytes.
 */
static void add(int mode, const char *name, const uint8_t *pfx, int npfx,
		int rex, const uint8_t *op, int nop, int ext, int imm_len,
		int size, uint64_t fmask, enum kind kind)
{
	struct form *f;
	int reg, i, n = 0;
	bool addr16;

	if (nforms >= MAX_FORMS)
		return;
	f = &forms[nforms++];
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->size = size;
	f->fmask = fmask;
	f->kind = kind;
	f->reg = -1;
	addr16 = false;
	for (i = 0; i < npfx; i++) {
		f->code[n++] = pfx[i];
		if (pfx[i] == 0x67)
			addr16 = true;
	}
	addr16 = mode == 2 ? !addr16 : mode == 4 && addr16;
	if (ext < 0) {
		/* Any register but RSI (the base); REX.R in 64-bit code. */
		do {
			reg = rnd() % 8;
		} while (reg == 6);
		if (mode == 8 && (rnd() & 1))
			rex |= 4;
		if (rex & 4)
			reg |= 8;
		f->reg = reg;
		/* Byte registers 4-7 without REX: AH CH DH BH. */
		ext = reg & 7;
	}
	if (mode == 8 && rex)
		f->code[n++] = 0x40 | rex;
	memcpy(f->code + n, op, nop);
	n += nop;
	f->disp = rnd() % 0x30;
	/* [si+disp8] with 16-bit addressing, [rsi+disp8] otherwise */
	f->code[n++] = 0x40 | ext << 3 | (addr16 ? 4 : 6);
	f->code[n++] = f->disp;
	for (i = 0; i < imm_len; i++)
		f->code[n++] = rnd();
	f->len = n;
	snprintf(f->name, sizeof(f->name), "%s/%d", name, mode * 8);
	if (f->reg >= 0 && size == 1 && !(mode == 8 && rex) && f->reg >= 4)
		f->reg = -1;	/* AH..BH: constraints on the full register */
}

/*
 * mov AL/eAX <-> moffs (a0-a3): the absolute address of the window plus
 * a random displacement, written by run_form() (it differs between RAM
 * and MMIO in 64-bit code, where it is a linear address).
 */
static void add_moffs(int mode, const char *name, int npfx, int rex, int op,
		      bool addr67, int size)
{
	struct form *f;
	int n = 0;

	if (nforms >= MAX_FORMS)
		return;
	f = &forms[nforms++];
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->size = size;
	f->fmask = FL_ALL;
	f->kind = K_PLAIN;
	f->reg = -1;
	if (npfx)
		f->code[n++] = 0x66;
	if (addr67)
		f->code[n++] = 0x67;
	if (mode == 8 && rex)
		f->code[n++] = 0x40 | rex;
	f->code[n++] = op;
	f->moffs_at = n;
	f->moffs_len = mode == 8 ? (addr67 ? 4 : 8) :
		       (mode == 2) != addr67 ? 2 : 4;
	n += f->moffs_len;
	f->disp = rnd() % 0x30;
	f->len = n;
	snprintf(f->name, sizeof(f->name), "%s/%d", name, mode * 8);
}

static const uint8_t p66[] = { 0x66 };

/* The non-byte operand sizes of @mode: prefix, REX.W, size. */
struct osz {
	int npfx, rex, size;
};

static int osizes(int mode, struct osz *o)
{
	int n = 0;

	o[n++] = (struct osz){ 0, 0, mode == 2 ? 2 : 4 };
	o[n++] = (struct osz){ 1, 0, mode == 2 ? 4 : 2 };
	if (mode == 8)
		o[n++] = (struct osz){ 0, 8, 8 };
	return n;
}

/* A byte form and the forms of every operand size of opcode @op + 1. */
static void add_sizes(int mode, const char *name, const uint8_t *op, int nop,
		      bool byte_form, int ext, int imm_len_full,
		      uint64_t fmask, enum kind kind)
{
	struct osz o[3];
	uint8_t b[4];
	char nm[48];
	int i, n = osizes(mode, o);

	memcpy(b, op, nop);
	if (byte_form) {
		snprintf(nm, sizeof(nm), "%s.b", name);
		add(mode, nm, NULL, 0, 0, b, nop, ext, imm_len_full ? 1 : 0, 1,
		    fmask, kind);
		b[nop - 1] |= 1;
	}
	for (i = 0; i < n; i++) {
		int imm = imm_len_full == 1 ? 1 :
			  imm_len_full ? (o[i].size == 2 ? 2 : 4) : 0;

		snprintf(nm, sizeof(nm), "%s.%d", name, o[i].size * 8);
		add(mode, nm, p66, o[i].npfx, o[i].rex, b, nop, ext, imm,
		    o[i].size, fmask, kind);
	}
}

/* The last @n forms added: @exits KVM_EXIT_MMIO each on MMIO. */
static void set_exits(int n, int exits)
{
	int i;

	for (i = nforms - n; i < nforms; i++)
		forms[i].exits = exits;
}

/* MOVBE in the guest's CPUID (set from KVM_GET_SUPPORTED_CPUID). */
static bool guest_movbe;
/* UMIP there (emulated with descriptor-table exits by both devices) */
static bool guest_umip;

/*
 * The vCPU gets the device's supported CPUID, as a VMM gives it: KVM's
 * emulator refuses MOVBE (#UD) unless the guest's CPUID has it.
 */
static void set_supported_cpuid(struct __test_metadata *_metadata,
				struct svxu_guest *g)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128];
	} c;
	unsigned int i;
	int r;

	memset(&c, 0, sizeof(c));
	c.h.nent = 128;
	guest_movbe = false;
	guest_umip = false;
	r = svxu_ioctl(g->vm.sys_fd, KVM_GET_SUPPORTED_CPUID,
		       (unsigned long)&c);
	if (!r)
		r = svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)&c);
	if (r) {
		TH_LOG("supported CPUID not set (%s): no movbe forms",
		       strerror(-r));
		return;
	}
	for (i = 0; i < c.h.nent; i++) {
		if (c.e[i].function == 1 && (c.e[i].ecx & (1U << 22)))
			guest_movbe = true;
		if (c.e[i].function == 7 && !c.e[i].index &&
		    (c.e[i].ecx & (1U << 2)))
			guest_umip = true;
	}
}

static void build_forms(int mode)
{
	static const char * const alu[8] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"
	};
	static const uint64_t alu_fl[8] = {
		FL_ALL, FL_LOGIC, FL_ALL, FL_ALL, FL_LOGIC, FL_ALL, FL_LOGIC,
		FL_ALL
	};
	static const uint8_t segs[] = { 0x26, 0x36, 0x3e, 0x64, 0x65 };
	char nm[48];
	uint8_t op[3];
	int i;

	for (i = 0; i < 8; i++) {
		op[0] = i << 3;		/* op r/m, r */
		snprintf(nm, sizeof(nm), "%s m,r", alu[i]);
		add_sizes(mode, nm, op, 1, true, -1, 0, alu_fl[i], K_PLAIN);
		op[0] = i << 3 | 2;	/* op r, r/m */
		snprintf(nm, sizeof(nm), "%s r,m", alu[i]);
		add_sizes(mode, nm, op, 1, true, -1, 0, alu_fl[i], K_PLAIN);
		op[0] = 0x80;		/* op r/m, imm */
		snprintf(nm, sizeof(nm), "%s m,imm", alu[i]);
		add_sizes(mode, nm, op, 1, true, i, 2, alu_fl[i], K_PLAIN);
		op[0] = 0x83;		/* op r/m, imm8 */
		snprintf(nm, sizeof(nm), "%s m,imm8", alu[i]);
		add_sizes(mode, nm, op, 1, false, i, 1, alu_fl[i], K_PLAIN);
	}
	op[0] = 0x84;
	add_sizes(mode, "test m,r", op, 1, true, -1, 0, FL_LOGIC, K_PLAIN);
	op[0] = 0xf6;
	add_sizes(mode, "test m,imm", op, 1, true, 0, 2, FL_LOGIC, K_PLAIN);
	add_sizes(mode, "not", op, 1, true, 2, 0, FL_ALL, K_PLAIN);
	add_sizes(mode, "neg", op, 1, true, 3, 0, FL_ALL, K_PLAIN);
	op[0] = 0xfe;
	add_sizes(mode, "inc", op, 1, true, 0, 0, FL_ALL, K_PLAIN);
	add_sizes(mode, "dec", op, 1, true, 1, 0, FL_ALL, K_PLAIN);
	op[0] = 0x86;
	add_sizes(mode, "xchg", op, 1, true, -1, 0, FL_ALL, K_PLAIN);
	op[0] = 0x88;
	add_sizes(mode, "mov m,r", op, 1, true, -1, 0, FL_ALL, K_PLAIN);
	op[0] = 0x8a;
	add_sizes(mode, "mov r,m", op, 1, true, -1, 0, FL_ALL, K_PLAIN);
	op[0] = 0xc6;
	add_sizes(mode, "mov m,imm", op, 1, true, 0, 2, FL_ALL, K_PLAIN);
	op[0] = 0x0f;
	op[1] = 0xb0;
	add_sizes(mode, "cmpxchg", op, 2, true, -1, 0, FL_ALL, K_CMPXCHG);
	op[1] = 0xc7;
	add(mode, "cmpxchg8b", NULL, 0, 0, op, 2, 1, 0, 8, FL_ALL,
	    K_CMPXCHG8B);
	for (i = 0; i < 4; i++) {
		static const char * const bt[4] = { "bt", "bts", "btr", "btc" };

		op[1] = 0xa3 + i * 8;
		snprintf(nm, sizeof(nm), "%s m,r", bt[i]);
		add_sizes(mode, nm, op, 2, false, -1, 0, FL_CF, K_BTREG);
		op[1] = 0xba;
		snprintf(nm, sizeof(nm), "%s m,imm8", bt[i]);
		add_sizes(mode, nm, op, 2, false, 4 + i, 1, FL_CF, K_PLAIN);
	}
	for (i = 0; i < 16; i++) {
		op[1] = 0x90 + i;
		snprintf(nm, sizeof(nm), "set%x", i);
		add(mode, nm, NULL, 0, 0, op, 2, 0, 0, 1, FL_ALL, K_PLAIN);
	}
	op[1] = 0xb6;
	add_sizes(mode, "movzx.b", op, 2, false, -1, 0, FL_ALL, K_PLAIN);
	op[1] = 0xb7;
	add_sizes(mode, "movzx.w", op, 2, false, -1, 0, FL_ALL, K_PLAIN);
	op[1] = 0xbe;
	add_sizes(mode, "movsx.b", op, 2, false, -1, 0, FL_ALL, K_PLAIN);
	op[1] = 0xbf;
	add_sizes(mode, "movsx.w", op, 2, false, -1, 0, FL_ALL, K_PLAIN);
	op[1] = 0xc0;
	add_sizes(mode, "xadd", op, 2, true, -1, 0, FL_ALL, K_PLAIN);
	for (i = 0; i < 16; i++) {	/* cmovcc: one operand size each */
		struct osz o[3];
		int k = rnd() % osizes(mode, o);

		op[1] = 0x40 + i;
		snprintf(nm, sizeof(nm), "cmov%x.%d", i, o[k].size * 8);
		add(mode, nm, p66, o[k].npfx, o[k].rex, op, 2, -1, 0,
		    o[k].size, FL_ALL, K_PLAIN);
	}
	op[1] = 0xaf;		/* imul: CF and OF defined */
	add_sizes(mode, "imul r,m", op, 2, false, -1, 0, FL_CF | FL_OF,
		  K_PLAIN);
	op[0] = 0x69;
	add_sizes(mode, "imul r,m,imm", op, 1, false, -1, 2, FL_CF | FL_OF,
		  K_PLAIN);
	op[0] = 0x6b;
	add_sizes(mode, "imul r,m,imm8", op, 1, false, -1, 1, FL_CF | FL_OF,
		  K_PLAIN);
	op[0] = 0x0f;
	if (mode != 2) {	/* movnti: 32 and 64 bits */
		op[1] = 0xc3;
		add(mode, "movnti.32", NULL, 0, 0, op, 2, -1, 0, 4, FL_ALL,
		    K_PLAIN);
		if (mode == 8)
			add(mode, "movnti.64", NULL, 0, 8, op, 2, -1, 0, 8,
			    FL_ALL, K_PLAIN);
	}
	/*
	 * movbe without 66 only: KVM's emulator (6.1) decodes 66 0f 38 f0/f1
	 * as no instruction (its mandatory-prefix table), so kvm_intel fails
	 * the 66 forms on MMIO; test_mmio.c checks ours against the CPU.
	 */
	if (guest_movbe) {
		struct osz o[3];
		int k, no = osizes(mode, o);

		op[1] = 0x38;
		for (k = 0; k < no; k++) {
			if (o[k].npfx)
				continue;
			op[2] = 0xf0;
			snprintf(nm, sizeof(nm), "movbe r,m.%d", o[k].size * 8);
			add(mode, nm, NULL, 0, o[k].rex, op, 3, -1, 0, o[k].size,
			    FL_ALL, K_PLAIN);
			op[2] = 0xf1;
			snprintf(nm, sizeof(nm), "movbe m,r.%d", o[k].size * 8);
			add(mode, nm, NULL, 0, o[k].rex, op, 3, -1, 0, o[k].size,
			    FL_ALL, K_PLAIN);
		}
	}
	for (i = 0; i < 4; i++) {
		struct osz o[3];
		int k, no = osizes(mode, o);

		snprintf(nm, sizeof(nm), "mov moffs %02x.b", 0xa0 + (i & 2));
		add_moffs(mode, nm, 0, 0, 0xa0 + (i & 2), i & 1, 1);
		for (k = 0; k < no; k++) {
			snprintf(nm, sizeof(nm), "mov moffs %02x.%d%s",
				 0xa1 + (i & 2), o[k].size * 8,
				 (i & 1) ? " 67" : "");
			add_moffs(mode, nm, o[k].npfx, o[k].rex, 0xa1 + (i & 2),
				  i & 1, o[k].size);
		}
	}
	/* LOCK, segment overrides and 67 on a few of the forms above. */
	{
		static const uint8_t lk[][3] = {
			{ 0x01 }, { 0x09 }, { 0x11 }, { 0x19 }, { 0x21 },
			{ 0x29 }, { 0x31 }, { 0x87 }, { 0x0f, 0xb1 },
			{ 0x0f, 0xab }, { 0x0f, 0xb3 }, { 0x0f, 0xbb },
			{ 0x0f, 0xc1 },
		};
		static const int lk_len[] = { 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2,
					      2 };
		uint8_t pfx[2] = { 0xf0, 0 };

		for (i = 0; i < (int)ARRAY_SIZE(lk); i++) {
			bool bt = lk[i][0] == 0x0f && lk[i][1] != 0xb1 &&
				  lk[i][1] != 0xc1;

			snprintf(nm, sizeof(nm), "lock %02x%02x", lk[i][0],
				 lk_len[i] > 1 ? lk[i][1] : 0);
			add(mode, nm, pfx, 1, 0, lk[i], lk_len[i], -1, 0,
			    mode == 2 ? 2 : 4, bt ? FL_CF : FL_ALL,
			    bt ? K_BTREG : lk[i][1] == 0xb1 ? K_CMPXCHG :
			    K_PLAIN);
		}
		op[0] = 0x83;
		add(mode, "lock add m,imm8", pfx, 1, 0, op, 1, 0, 1,
		    mode == 2 ? 2 : 4, FL_ALL, K_PLAIN);
		op[0] = 0xf7;
		add(mode, "lock neg", pfx, 1, 0, op, 1, 3, 0,
		    mode == 2 ? 2 : 4, FL_ALL, K_PLAIN);
		op[0] = 0xff;
		add(mode, "lock inc", pfx, 1, 0, op, 1, 0, 0,
		    mode == 2 ? 2 : 4, FL_ALL, K_PLAIN);
		for (i = 0; i < (int)sizeof(segs); i++) {
			static const uint8_t ops[] = { 0x01, 0x8b, 0x31, 0x85,
						       0x89 };

			pfx[0] = segs[i];
			op[0] = ops[i];
			snprintf(nm, sizeof(nm), "%02x: %02x", segs[i], ops[i]);
			add(mode, nm, pfx, 1, 0, op, 1, -1, 0,
			    mode == 2 ? 2 : 4, ops[i] == 0x01 ? FL_ALL :
			    ops[i] == 0x31 || ops[i] == 0x85 ? FL_LOGIC :
			    FL_ALL, K_PLAIN);
		}
		pfx[0] = 0x67;
		op[0] = 0x29;
		add(mode, "67 sub m,r", pfx, 1, 0, op, 1, -1, 0,
		    mode == 2 ? 2 : 4, FL_ALL, K_PLAIN);
		op[0] = 0x0b;
		add(mode, "67 or r,m", pfx, 1, 0, op, 1, -1, 0,
		    mode == 2 ? 2 : 4, FL_LOGIC, K_PLAIN);
		op[0] = 0x80;
		add(mode, "67 cmp m,imm8", pfx, 1, 0, op, 1, 7, 1, 1, FL_ALL,
		    K_PLAIN);
	}
	/* push m / pop m: the stack's operand size, and the other one */
	for (i = 0; i < 2; i++) {
		op[0] = 0xff;
		snprintf(nm, sizeof(nm), "push m%s", i ? " 66" : "");
		add(mode, nm, p66, i, 0, op, 1, 6, 0,
		    mode == 8 ? (i ? 2 : 8) : (mode == 2) != i ? 2 : 4,
		    FL_ALL, K_STACK);
		op[0] = 0x8f;
		snprintf(nm, sizeof(nm), "pop m%s", i ? " 66" : "");
		add(mode, nm, p66, i, 0, op, 1, 0, 0,
		    mode == 8 ? (i ? 2 : 8) : (mode == 2) != i ? 2 : 4,
		    FL_ALL, K_STACK);
	}
	/*
	 * What KVM's emulator carries out with fastop (its flags are the
	 * CPU's, the undefined ones too: compared): mul/imul/div/idiv r/m
	 * (a read; div/idiv fault with #DE half of the time, through the
	 * IDT to a HLT with the frame on the stack compared), the shifts and
	 * rotates by imm8, 1 and CL (/6 is shl in KVM's table), shld/shrd
	 * by imm8 and CL, bsf/bsr (a zero source: the destination stays); a
	 * read and a write exit each for those that write memory, even
	 * with a count of 0.  And bt* with register offsets that reach the
	 * window's other elements (KVM's fetch_bit_operand()).
	 */
	for (i = 0; i < 4; i++) {
		static const char * const md[4] = {
			"mul m", "imul m", "div m", "idiv m"
		};

		op[0] = 0xf6;
		add_sizes(mode, md[i], op, 1, true, 4 + i, 0, FL_ALL,
			  i < 2 ? K_PLAIN : K_DIV);
		set_exits(mode == 8 ? 4 : 3, 1);
	}
	for (i = 0; i < 8; i++) {
		static const char * const sh[8] = {
			"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"
		};
		static const uint8_t shop[3] = { 0xc0, 0xd0, 0xd2 };
		static const char * const how[3] = { "imm8", "1", "cl" };
		int k;

		for (k = 0; k < 3; k++) {
			op[0] = shop[k];
			snprintf(nm, sizeof(nm), "%s m,%s", sh[i], how[k]);
			add_sizes(mode, nm, op, 1, true, i, k ? 0 : 1, FL_ALL,
				  K_PLAIN);
			set_exits(mode == 8 ? 4 : 3, 2);
		}
	}
	op[0] = 0x0f;
	for (i = 0; i < 4; i++) {
		static const char * const sd[4] = {
			"shld m,r,imm8", "shld m,r,cl", "shrd m,r,imm8",
			"shrd m,r,cl"
		};

		op[1] = (i < 2 ? 0xa4 : 0xac) + (i & 1);
		add_sizes(mode, sd[i], op, 2, false, -1, (i & 1) ? 0 : 1, FL_ALL,
			  K_PLAIN);
		set_exits(mode == 8 ? 3 : 2, 2);
		op[1] = 0xbc + (i & 1);
		if (i < 2) {
			add_sizes(mode, i ? "bsr" : "bsf", op, 2, false, -1, 0,
				  FL_ALL, K_BSX);
			set_exits(mode == 8 ? 3 : 2, 1);
		}
	}
	if (mode == 8) {	/* movsxd: 4 bytes read, 66 too (KVM) */
		op[0] = 0x63;
		add_sizes(mode, "movsxd", op, 1, false, -1, 0, FL_ALL,
			  K_PLAIN);
		for (i = nforms - 3; i < nforms; i++)
			forms[i].size = 4;
		set_exits(3, 1);
		op[0] = 0x0f;
	}
	for (i = 0; i < 4; i++) {
		static const char * const bt[4] = { "bt", "bts", "btr", "btc" };

		op[1] = 0xa3 + i * 8;
		snprintf(nm, sizeof(nm), "%s m,r far", bt[i]);
		add_sizes(mode, nm, op, 2, false, -1, 0, FL_CF, K_BTFAR);
	}
	/*
	 * xlat (d7): AL = [seg:rBX + AL], operands() points rBX at the
	 * window; with 67, a segment override, REX.W (ignored).
	 */
	for (i = 0; i < 4; i++) {
		static const uint8_t xp[4][2] = {
			{ 0 }, { 0x67 }, { 0x26 }, { 0x3e, 0x67 }
		};
		static const int xn[4] = { 0, 1, 1, 2 };
		struct form *f;
		int k, n = 0;

		if (nforms >= MAX_FORMS)
			break;
		f = &forms[nforms++];
		memset(f, 0, sizeof(*f));
		for (k = 0; k < xn[i]; k++)
			f->code[n++] = xp[i][k];
		if (mode == 8 && i == 2)
			f->code[n++] = 0x48;
		f->code[n++] = 0xd7;
		f->len = n;
		f->mode = mode;
		f->size = 1;
		f->disp = rnd() % 0x30;
		f->reg = -1;
		f->fmask = FL_ALL;
		f->kind = K_XLAT;
		f->exits = 1;
		snprintf(f->name, sizeof(f->name), "xlat%s%s/%d",
			 i & 1 ? " 67" : "", i >= 2 ? " seg" : "", mode * 8);
	}
	/*
	 * tzcnt/lzcnt (f3 0f bc/bd): KVM 6.1's decode table has one entry
	 * for 0f bc/bd whatever the prefix, so kvm_intel runs them as
	 * bsf/bsr on MMIO while the (Skylake-X, BMI1/LZCNT) CPU runs tzcnt/
	 * lzcnt on RAM: the reference is bsf/bsr on RAM (the f3 a NOP
	 * there), what kvm_intel's result is measured to be in the bench.
	 */
	{
		static const uint8_t f3[2] = { 0xf3, 0x66 };
		struct osz o[3];
		int k, no = osizes(mode, o);

		op[0] = 0x0f;
		for (i = 0; i < 2; i++) {
			op[1] = 0xbc + i;
			for (k = 0; k < no; k++) {
				snprintf(nm, sizeof(nm), "%s.%d (KVM: %s)",
					 i ? "lzcnt" : "tzcnt", o[k].size * 8,
					 i ? "bsr" : "bsf");
				add(mode, nm, f3, 1 + o[k].npfx, o[k].rex, op, 2,
				    -1, 0, o[k].size, FL_ALL, K_BSX);
				forms[nforms - 1].ref_nop = 1;
				forms[nforms - 1].exits = 1;
			}
		}
	}
	/*
	 * fnstcw/fnstsw m (KVM's em_fnstcw()/em_fnstsw()), the x87 control
	 * and status words random (KVM_SET_FPU); smsw m, sldt m, str m (2
	 * bytes; sldt/str with REX.W write 8 in KVM's em_store_sreg(),
	 * the CPU 2: not compared).  One write exit each.
	 */
	op[0] = 0xd9;
	add(mode, "fnstcw", NULL, 0, 0, op, 1, 7, 0, 2, FL_ALL, K_FPU);
	set_exits(1, 1);
	op[0] = 0xdd;
	add(mode, "fnstsw", NULL, 0, 0, op, 1, 7, 0, 2, FL_ALL, K_FPU);
	set_exits(1, 1);
	op[0] = 0x0f;
	for (i = 0; i < 2; i++) {
		op[1] = 0x01;
		snprintf(nm, sizeof(nm), "smsw m%s", i ? " 66" : "");
		add(mode, nm, p66, i, 0, op, 2, 4, 0, 2, FL_ALL, K_PLAIN);
		set_exits(1, 1);
		/* KVM reads sldt/str's operand (operand size) first */
		op[1] = 0x00;
		snprintf(nm, sizeof(nm), "sldt m%s", i ? " 66" : "");
		add(mode, nm, p66, i, 0, op, 2, 0, 0, 2, FL_ALL, K_PLAIN);
		set_exits(1, 2);
		snprintf(nm, sizeof(nm), "str m%s", i ? " 66" : "");
		add(mode, nm, p66, i, 0, op, 2, 1, 0, 2, FL_ALL, K_PLAIN);
		set_exits(1, 2);
	}
	if (mode == 8) {
		op[1] = 0x01;
		add(mode, "smsw m rex.w", NULL, 0, 8, op, 2, 4, 0, 2, FL_ALL,
		    K_PLAIN);
		set_exits(1, 1);
	}
	/*
	 * With CR4.UMIP (CPL 0): sldt/str exit for the descriptor table on
	 * this CPU without UMIP, and are emulated, on MMIO as above (KVM's
	 * handle_desc() runs its emulator); smsw does not exit.
	 */
	for (i = 0; guest_umip && i < 3; i++) {
		static const char * const un[3] = {
			"sldt m umip", "str m umip", "smsw m umip"
		};

		op[1] = i < 2 ? 0x00 : 0x01;
		add(mode, un[i], NULL, 0, 0, op, 2, i < 2 ? i : 4, 0, 2, FL_ALL,
		    K_PLAIN);
		forms[nforms - 1].umip = 1;
		set_exits(1, i < 2 ? 2 : 1);
	}
	/*
	 * jmp m / call m (ff /4, ff /2): the target read from MMIO, a HLT
	 * there (operands()); call pushes the return address (the stack
	 * compared).  64 bits in 64-bit code; 66 in 16/32-bit code only
	 * (KVM takes 64 bits with 66 in 64-bit code, as Intel CPUs).  A
	 * non-canonical target (the " #GP" forms) is #GP(0), through the
	 * IDT to a HLT.
	 */
	op[0] = 0xff;
	for (i = 0; i < (mode == 8 ? 2 : 4); i++) {
		int sz = mode == 8 ? 8 : (mode == 2) != (i >= 2) ? 2 : 4;

		snprintf(nm, sizeof(nm), "%s m%s", i & 1 ? "call" : "jmp",
			 i >= 2 ? " 66" : "");
		add(mode, nm, p66, i >= 2, 0, op, 1, i & 1 ? 2 : 4, 0, sz,
		    FL_ALL, K_BRANCH);
		set_exits(1, 1);
		if (mode == 8) {	/* and a non-canonical target */
			add(mode, nm, NULL, 0, 0, op, 1, i & 1 ? 2 : 4, 0, sz,
			    FL_ALL, K_BRANCH);
			forms[nforms - 1].vflags = 1;
			strcat(forms[nforms - 1].name, " #GP");
			set_exits(1, 1);
		}
	}
	/*
	 * les/lds (16/32-bit code), lss/lfs/lgs: the far pointer (offset,
	 * selector) read from MMIO (8 + 2 bytes for REX.W), then the
	 * segment loaded with the checks of KVM's load_segment_descriptor()
	 * (#GP/#NP/#SS through the IDT to a HLT): selectors of LSEG_GDT.
	 */
	{
		static const uint8_t lop[5][2] = {
			{ 0x0f, 0xb2 }, { 0x0f, 0xb4 }, { 0x0f, 0xb5 },
			{ 0xc4 }, { 0xc5 }
		};
		static const char * const lnm[5] = {
			"lss", "lfs", "lgs", "les", "lds"
		};
		static const int lseg[5] = { 2, 4, 5, 0, 3 };
		struct osz o[3];
		int k, no = osizes(mode, o);

		for (i = 0; i < (mode == 8 ? 3 : 5); i++) {
			for (k = 0; k < no; k++) {
				snprintf(nm, sizeof(nm), "%s.%d", lnm[i],
					 o[k].size * 8);
				add(mode, nm, p66, o[k].npfx, o[k].rex, lop[i],
				    i < 3 ? 2 : 1, -1, 0, o[k].size + 2, FL_ALL,
				    K_LSEG);
				forms[nforms - 1].seg = lseg[i];
				/* the offset's register: not rSP (faults) */
				if (forms[nforms - 1].reg == 4)
					forms[nforms - 1].reg = -1;
				set_exits(1, o[k].size == 8 ? 2 : 1);
			}
		}
	}
	/* ljmp/lcall m (ff /5, ff /3): K_LSEG forms loading CS */
	op[0] = 0xff;
	for (i = 0; i < 2; i++) {
		struct osz o[3];
		int k, no = osizes(mode, o);

		for (k = 0; k < no; k++) {
			snprintf(nm, sizeof(nm), "%s m.%d", i ? "lcall" : "ljmp",
				 o[k].size * 8);
			add(mode, nm, p66, o[k].npfx, o[k].rex, op, 1,
			    i ? 3 : 5, 0, o[k].size + 2, FL_ALL, K_LSEG);
			forms[nforms - 1].seg = 1;
			set_exits(1, o[k].size == 8 ? 2 : 1);
		}
	}
	if (mode == 8) {	/* byte registers with REX: SPL..DIL, R8B.. */
		for (i = 0; i < 4; i++) {
			op[0] = i == 3 ? 0x86 : i << 3;
			snprintf(nm, sizeof(nm), "rex %s.b", i == 3 ? "xchg" :
				 alu[i]);
			add(mode, nm, NULL, 0, 0x40, op, 1, -1, 0, 1,
			    i == 1 ? FL_LOGIC : FL_ALL, K_PLAIN);
		}
	}
}

/* One run of form @f with its memory operand at @base. */
#define STK_LO		(SVX_STACK - 0x80)	/* the stack compared */
#define STK_LEN		0x80

static uint8_t stk_in[STK_LEN];	/* the stack of a K_STACK form */

struct outcome {
	struct kvm_regs regs;
	uint8_t mem[WIN];
	uint8_t stk[STK_LEN];
	struct kvm_segment seg;		/* K_LSEG: the segment loaded */
	uint8_t desc[8];		/* K_LSEG: LSEG_SEL_NA's descriptor */
	char err[96];
};

struct ctx {
	struct svxu_guest g;
	struct kvm_sregs sregs0;
	uint8_t dev[4096];		/* the trivial device */
};

/* A #DE of a K_DIV form: a HLT of its own (the frame on the stack) */
#define DE_HLT		(SVX_CODE + 0x800)
static void put_gate(uint8_t *mem, int mode, int vec, uint64_t to, int ist);

/* K_BRANCH: the targets (HLTs), below DE_HLT */
#define BR_LAND		(SVX_CODE + 0x200)
#define BR_LAND_LEN	0x40

/*
 * K_LSEG: descriptors of the test at LSEG_GDT_FIRST.. in the GDT (limit
 * LSEG_GDT_LIMIT): a data segment (accessed), the same not accessed
 * (KVM writes the accessed bit back: compared), not present, execute-only
 * code, readable code, data at DPL 3, an LDT (system).  The selectors
 * tried: those, null (RPL 0 and 3), RPL 3, beyond the limit, in the LDT.
 */
#define LSEG_GDT_FIRST	0x40
#define LSEG_GDT_LIMIT	0x7f
#define LSEG_SEL_NA	0x48

static const uint64_t lseg_desc[8] = {
	0x12cf93345000ffffULL,	/* 0x40 data, base 0x12345000, 4 GiB */
	0x00cf92000000ffffULL,	/* 0x48 data, not accessed */
	0x00cf13000000ffffULL,	/* 0x50 data, not present */
	0x00cf99000000ffffULL,	/* 0x58 code, execute-only */
	0x00cf9b000000ffffULL,	/* 0x60 code, readable */
	0x0040f3101000ffffULL,	/* 0x68 data DPL 3, base 0x101000, 64 KiB */
	0x0000820000000fffULL,	/* 0x70 LDT (system) */
	0x00cf1b000000ffffULL,	/* 0x78 code, readable, not present */
};

/*
 * ljmp/lcall m: code segments (32-bit 0x08, 64-bit 0x18, execute-only
 * 0x58, readable 0x60), not present (#NP), data and null (#GP); no call
 * gate or TSS (KVM does not emulate those, the CPU switches tasks).
 */
static const uint16_t far_sels[] = {
	0x08, 0x18, 0x58, 0x60, 0x78, 0x10, 0x00, 0x08, 0x18, 0x60,
};

/*
 * Not 0x43 (RPL 3, DPL 0 data) at CPL 0: the CPU faults (SDM: RPL or CPL
 * above DPL), KVM 6.1 loads it (its check wants both above), measured on
 * kvm_intel in the bench; the device does as KVM.
 */
static const uint16_t lseg_sels[] = {
	0x40, 0x48, 0x50, 0x58, 0x60, 0x68, 0x70, 0x00, 0x03, 0x6b, 0x1238,
	0x44, 0x40, 0x48, 0x68, 0x60,
};

static void lseg_gdt(uint8_t *mem)
{
	memcpy(mem + SVX_GDT + LSEG_GDT_FIRST, lseg_desc, sizeof(lseg_desc));
}

/* K_FPU: the x87 control and status words of the form (operands()) */
static uint16_t fpu_fcw, fpu_fsw;

static int set_fpu(struct ctx *c, struct outcome *out)
{
	struct kvm_fpu fpu;
	int e;

	e = svxu_ioctl(c->g.vcpu.fd, KVM_GET_FPU, (unsigned long)&fpu);
	if (!e) {
		fpu.fcw = fpu_fcw;
		fpu.fsw = fpu_fsw;
		e = svxu_ioctl(c->g.vcpu.fd, KVM_SET_FPU, (unsigned long)&fpu);
	}
	if (e)
		snprintf(out->err, sizeof(out->err), "KVM_GET/SET_FPU: %s",
			 strerror(-e));
	return e;
}

static int run_form(struct ctx *c, const struct form *f,
		    const struct kvm_regs *in, const uint8_t *mem, bool mmio,
		    struct outcome *out)
{
	struct svxu_vcpu *v = &c->g.vcpu;
	uint64_t base = mmio ? MMIO_BASE : RAM_BASE;
	struct kvm_sregs s = c->sregs0;
	struct kvm_regs r = *in;
	uint8_t *win = mmio ? c->dev + DATA_OFF : c->g.vm.mem + RAM_BASE +
			   DATA_OFF;
	int i, e, nmmio = 0;
	int at = f->code_at ? f->code_at : SVX_CODE;

	memset(out, 0, sizeof(*out));
	/* The other window differs: an access that went there shows. */
	memset(mmio ? c->g.vm.mem + RAM_BASE + DATA_OFF : c->dev + DATA_OFF,
	       0xa5, WIN);
	memcpy(win, mem, WIN);
	memcpy(c->g.vm.mem + at, f->code, f->len);
	if (f->umip)
		s.cr4 |= 1ULL << 11;	/* CR4.UMIP */
	if (f->ref_nop && !mmio)	/* what KVM runs on MMIO, on RAM */
		c->g.vm.mem[at + f->ref_nop - 1] = 0x90;
	if (f->kind == K_FPU && set_fpu(c, out))
		return -1;
	if (f->kind == K_XLAT && f->mode == 8)
		r.rbx += base;
	if (f->kind == K_BRANCH) {	/* HLTs where it lands, #GP to a HLT */
		memset(c->g.vm.mem + BR_LAND, 0xf4, BR_LAND_LEN);
		c->g.vm.mem[DE_HLT] = 0xf4;
		put_gate(c->g.vm.mem, f->mode, 13, DE_HLT, 0);
	}
	if (f->kind == K_LSEG) {	/* #NP #SS #GP to a HLT */
		lseg_gdt(c->g.vm.mem);
		memset(c->g.vm.mem + BR_LAND, 0xf4, BR_LAND_LEN);
		c->g.vm.mem[DE_HLT] = 0xf4;
		for (i = 11; i <= 13; i++)
			put_gate(c->g.vm.mem, f->mode, i, DE_HLT, 0);
		s.gdt.limit = LSEG_GDT_LIMIT;
	}
	if (f->moffs_len) {	/* the absolute address, linear or DS-relative */
		uint64_t a = (f->mode == 8 ? base : 0) + DATA_OFF + f->disp;

		memcpy(c->g.vm.mem + at + f->moffs_at, &a, f->moffs_len);
	}
	c->g.vm.mem[at + f->len] = 0xf4;	/* hlt */
	r.rip = at;
	if (f->kind == K_STACK || f->kind == K_DIV || f->kind == K_BRANCH ||
	    f->kind == K_LSEG)
		memcpy(c->g.vm.mem + STK_LO, stk_in, STK_LEN);
	if (f->kind == K_DIV) {
		c->g.vm.mem[DE_HLT] = 0xf4;
		put_gate(c->g.vm.mem, f->mode, 0, DE_HLT, 0);
	}
	if (f->mode == 8) {
		r.rsi = base + DATA_OFF;
	} else {
		s.ds.base = base;
		s.es.base = base;
		s.ss.base = base;
		s.fs.base = base;
		s.gs.base = base;
		if (f->mode == 2)
			s.cs.db = 0;
		if (f->kind == K_STACK || f->kind == K_DIV ||
		    f->kind == K_BRANCH || f->kind == K_LSEG) /* stack: RAM */
			s.ss.base = 0;
		r.rsi = DATA_OFF;
	}
	e = svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&s);
	if (!e)
		e = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&r);
	if (e) {
		snprintf(out->err, sizeof(out->err), "SET_(S)REGS: %s",
			 strerror(-e));
		return -1;
	}
	for (i = 0; i < 8; i++) {
		struct kvm_run *run = v->run;

		e = svxu_run(v);
		if (e) {
			snprintf(out->err, sizeof(out->err), "KVM_RUN: %s",
				 strerror(-e));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && mmio &&
		    run->mmio.phys_addr >= MMIO_BASE &&
		    run->mmio.phys_addr + run->mmio.len <= MMIO_BASE + 4096 &&
		    run->mmio.len <= 8) {
			uint8_t *p = c->dev + (run->mmio.phys_addr - MMIO_BASE);

			nmmio++;
			if (run->mmio.is_write)
				memcpy(p, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, p, run->mmio.len);
			continue;
		}
		snprintf(out->err, sizeof(out->err), "exit %s",
			 svxu_exit_str(run));
		return -1;
	}
	if (i == 8) {
		snprintf(out->err, sizeof(out->err), "no HLT after 8 exits");
		return -1;
	}
	if (mmio && !nmmio) {
		snprintf(out->err, sizeof(out->err), "no KVM_EXIT_MMIO");
		return -1;
	}
	if (mmio && f->exits && nmmio != f->exits) {
		snprintf(out->err, sizeof(out->err),
			 "%d KVM_EXIT_MMIO, %d expected", nmmio, f->exits);
		return -1;
	}
	e = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&out->regs);
	if (e) {
		snprintf(out->err, sizeof(out->err), "GET_REGS: %s",
			 strerror(-e));
		return -1;
	}
	memcpy(out->mem, win, WIN);
	memcpy(out->stk, c->g.vm.mem + STK_LO, STK_LEN);
	if (f->kind == K_LSEG) {
		struct kvm_segment *sg[6] = { &s.es, &s.cs, &s.ss, &s.ds,
					      &s.fs, &s.gs };

		e = svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&s);
		if (e) {
			snprintf(out->err, sizeof(out->err), "GET_SREGS: %s",
				 strerror(-e));
			return -1;
		}
		out->seg = *sg[f->seg];
		if (out->seg.base == base)	/* not loaded: the window's */
			out->seg.base = 0;
		memcpy(out->desc, c->g.vm.mem + SVX_GDT + LSEG_SEL_NA, 8);
	}
	return 0;
}

static const char * const reg_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"
};

static __u64 *reg_ptr(struct kvm_regs *r, int i)
{
	__u64 *p[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
		&r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12,
		&r->r13, &r->r14, &r->r15
	};

	return p[i];
}

/* Compare the RAM and MMIO outcomes; 0 if equal, else log and 1. */
static int compare(struct __test_metadata *_metadata, const struct form *f,
		   struct outcome *a, struct outcome *b)
{
	char what[256] = "", hex[3 * 16 + 1] = "";
	int i;

	if (a->err[0] || b->err[0]) {
		snprintf(what, sizeof(what), "ram: %s; mmio: %s",
			 a->err[0] ? a->err : "ok", b->err[0] ? b->err : "ok");
	} else {
		for (i = 0; i < 16 && !what[0]; i++) {
			uint64_t x = *reg_ptr(&a->regs, i);
			uint64_t y = *reg_ptr(&b->regs, i);

			if ((i == 6 || (i == 3 && f->kind == K_XLAT)) &&
			    f->mode == 8) {	/* the base */
				x -= RAM_BASE;
				y -= MMIO_BASE;
			}
			if (x != y)
				snprintf(what, sizeof(what),
					 "%s ram %#llx mmio %#llx",
					 reg_names[i], (unsigned long long)x,
					 (unsigned long long)y);
		}
		if (!what[0] && a->regs.rip != b->regs.rip)
			snprintf(what, sizeof(what), "rip ram %#llx mmio %#llx",
				 (unsigned long long)a->regs.rip,
				 (unsigned long long)b->regs.rip);
		if (!what[0] && ((a->regs.rflags ^ b->regs.rflags) & f->fmask))
			snprintf(what, sizeof(what),
				 "rflags ram %#llx mmio %#llx (mask %#llx)",
				 (unsigned long long)a->regs.rflags,
				 (unsigned long long)b->regs.rflags,
				 (unsigned long long)f->fmask);
		for (i = 0; i < WIN && !what[0]; i++)
			if (a->mem[i] != b->mem[i])
				snprintf(what, sizeof(what),
					 "memory +%#x ram %#x mmio %#x", i,
					 a->mem[i], b->mem[i]);
		if (!what[0] && f->kind == K_LSEG &&
		    (a->seg.selector != b->seg.selector ||
		     (!a->seg.unusable && !b->seg.unusable &&
		      (a->seg.base != b->seg.base ||
		       a->seg.limit != b->seg.limit ||
		       a->seg.type != b->seg.type || a->seg.dpl != b->seg.dpl ||
		       a->seg.db != b->seg.db || a->seg.g != b->seg.g)) ||
		     memcmp(a->desc, b->desc, 8)))
			snprintf(what, sizeof(what),
				 "segment ram %#x base %#llx type %u unusable %u, mmio %#x base %#llx type %u unusable %u",
				 a->seg.selector,
				 (unsigned long long)a->seg.base, a->seg.type,
				 a->seg.unusable, b->seg.selector,
				 (unsigned long long)b->seg.base, b->seg.type,
				 b->seg.unusable);
		for (i = 0; i < STK_LEN && !what[0]; i++)
			if (a->stk[i] != b->stk[i])
				snprintf(what, sizeof(what),
					 "stack %#x ram %#x mmio %#x",
					 STK_LO + i, a->stk[i], b->stk[i]);
	}
	if (!what[0])
		return 0;
	for (i = 0; i < f->len; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", f->code[i]);
	TH_LOG("mismatch: %s [%s ]: %s", f->name, hex, what);
	return 1;
}

/* Random registers, flags and memory for @f. */
static void operands(const struct form *f, struct kvm_regs *r, uint8_t *mem)
{
	uint64_t m32 = f->mode == 8 ? ~0ULL : 0xffffffffULL, v = 0;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 16; i++)
		*reg_ptr(r, i) = rnd() & m32;
	r->rip = SVX_CODE;
	r->rflags = 0x2 | (rnd() & FL_ALL);
	for (i = 0; i < WIN; i++)
		mem[i] = rnd();
	memcpy(&v, mem + f->disp, f->size);
	switch (f->kind) {
	case K_BTREG:	/* a bit offset inside the operand */
		if (f->reg >= 0)
				*reg_ptr(r, f->reg) = rnd() % (f->size * 8);
		break;
	case K_CMPXCHG:	/* equal half of the time */
		if (rnd() & 1)
			memcpy(&r->rax, &v, f->size);
		break;
	case K_CMPXCHG8B:
		if (rnd() & 1) {
			r->rax = (uint32_t)v;
			r->rdx = v >> 32;
		}
		break;
	case K_BTFAR:	/* another element of the window (either side) */
		if (f->reg >= 0) {
			int lo = -(f->disp / f->size);
			int hi = (WIN - f->size - f->disp) / f->size;
			int64_t off = rnd() % (f->size * 8);
			uint64_t m = f->size == 8 ? ~0ULL :
				     (1ULL << (f->size * 8)) - 1;

			off += (int64_t)(lo + (int)(rnd() % (hi - lo + 1))) *
			       f->size * 8;
			*reg_ptr(r, f->reg) = (*reg_ptr(r, f->reg) & ~m) |
					      ((uint64_t)off & m);
		}
		break;
	case K_BSX:	/* a zero source a quarter of the time */
		if (!(rnd() % 4))
			memset(mem + f->disp, 0, f->size);
		break;
	case K_DIV:	/* a quotient that fits half of the time */
		if (rnd() & 1) {
			bool sgn = !strncmp(f->name, "idiv", 4);
			uint64_t sx = sgn && ((r->rax >> (f->size * 8 - 1)) & 1) ?
				      ~0ULL : 0;

			if (f->size == 1)
				r->rax = (r->rax & ~0xff00ULL) | (sx & 0xff00);
			else
				r->rdx = sx & m32;
		}
		r->rsp = SVX_STACK - 0x40 + 8 * (rnd() % 4);
		for (i = 0; i < STK_LEN; i++)
			stk_in[i] = rnd();
		break;
	case K_STACK:	/* rSP in the middle of the stack compared */
		r->rsp = SVX_STACK - 0x40 + 8 * (rnd() % 4);
		for (i = 0; i < STK_LEN; i++)
			stk_in[i] = rnd();
		break;
	case K_XLAT: {	/* rBX + AL: the window (plus the base in 64-bit) */
		bool a67 = memchr(f->code, 0x67, f->len) != NULL;
		bool addr16 = f->mode == 2 ? !a67 : f->mode == 4 && a67;
		uint64_t at = DATA_OFF + f->disp - (uint8_t)r->rax;

		at += rnd() % 16;
		if (addr16)
			r->rbx = (r->rbx & ~0xffffULL) | (at & 0xffff);
		else
			r->rbx = at & m32;
		break;
	}
	case K_LSEG: {	/* offset random, one of the selectors */
		int osz = f->size - 2;
		uint16_t sel = lseg_sels[rnd() % ARRAY_SIZE(lseg_sels)];

		if (f->seg == 1) {	/* ljmp/lcall: a HLT to land on */
			v = BR_LAND + rnd() % BR_LAND_LEN;
			memcpy(mem + f->disp, &v, osz);
			sel = far_sels[rnd() % ARRAY_SIZE(far_sels)];
		}
		memcpy(mem + f->disp + osz, &sel, 2);
		r->rsp = SVX_STACK - 0x40 + 8 * (rnd() % 4);
		for (i = 0; i < STK_LEN; i++)
			stk_in[i] = rnd();
		break;
	}
	case K_FPU:	/* control word: masks, PC, RC; status: C0-C3, TOP */
		fpu_fcw = 0x40 | (rnd() & 0xf3f);
		fpu_fsw = rnd() & 0x7f00;
		break;
	case K_BRANCH:	/* a HLT to land on; non-canonical a quarter */
		v = BR_LAND + rnd() % BR_LAND_LEN;
		if (f->vflags)
			v = (rnd() | (1ULL << 47)) & ~(1ULL << 63);
		memcpy(mem + f->disp, &v, f->size);
		r->rsp = SVX_STACK - 0x40 + 8 * (rnd() % 4);
		/*
		 * call to a non-canonical target: the (Bochs) CPU writes the
		 * return address below rSP before its #GP, KVM checks the
		 * target first (assign_eip_near() before em_push()); with
		 * rSP 16-byte aligned the #GP frame covers that slot.
		 */
		if (f->vflags)
			r->rsp &= ~0xfULL;
		for (i = 0; i < STK_LEN; i++)
			stk_in[i] = rnd();
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------- */
/*
 * String instructions: movs/cmps/stos/lods/scas, with and without
 * REP/REPE/REPNE, every element size, the default and the 67 address size,
 * DF = 0 and 1, a segment override on the source sometimes.  The source
 * window (seg:rSI) is at +SRC_OFF of its page, the destination (ES:rDI)
 * at +DST_OFF of its page; the reference run has both in guest RAM (two
 * pages), the others put the source, the destination or both on the MMIO
 * page.  Besides registers, flags and both windows, the number of
 * KVM_EXIT_MMIO must be one per MMIO operand per iteration, as kvm_intel
 * does (an iteration count the RAM run gives).
 */
#define SRC_OFF		0x100
#define DST_OFF		0x800
#define SWIN		128
#define RAM_DST		(SVX_DATA + 0x2000)

enum sop { S_MOVS, S_CMPS, S_STOS, S_LODS, S_SCAS };

struct sform {
	char name[48];
	uint8_t code[8];
	int len, mode, op, size, asize, rep;
};

struct soutcome {
	struct kvm_regs regs;
	uint8_t src[SWIN], dst[SWIN];
	int exits;
	char err[96];
};

static struct sform sforms[512];
static int nsforms;
static long string_exits, string_iters;

static void build_sforms(int mode)
{
	static const char * const nm[5] = { "movs", "cmps", "stos", "lods",
					    "scas" };
	static const uint8_t segs[] = { 0x36, 0x64, 0x65 };
	int op, sz, rep;

	for (op = 0; op < 5; op++) {
		for (sz = 1; sz <= (mode == 8 ? 8 : 4); sz *= 2) {
			for (rep = 0; rep < 3; rep++) {
				struct sform *f;
				int n = 0;
				bool a67 = rnd() & 1;

				/* REPNE is REP for movs/stos/lods: once, 8-bit */
				if (rep == 2 && op != S_CMPS && op != S_SCAS &&
				    sz != 1)
					continue;
				if (nsforms >= (int)ARRAY_SIZE(sforms))
					return;
				f = &sforms[nsforms++];
				memset(f, 0, sizeof(*f));
				f->mode = mode;
				f->op = op;
				f->size = sz;
				f->rep = rep;
				if (rep)
					f->code[n++] = rep == 1 ? 0xf3 : 0xf2;
				if (mode != 8 && op != S_STOS && op != S_SCAS &&
				    !(rnd() % 3))
					f->code[n++] = segs[rnd() % sizeof(segs)];
				if (sz == 2 && mode != 2)
					f->code[n++] = 0x66;
				if (sz == 4 && mode == 2)
					f->code[n++] = 0x66;
				if (a67)
					f->code[n++] = 0x67;
				if (sz == 8)
					f->code[n++] = 0x48;
				f->code[n++] = 0xa4 + 2 * op + (op >= S_STOS ? 2 : 0) +
					       (sz > 1);
				f->len = n;
				f->asize = mode == 8 ? (a67 ? 4 : 8) :
					   (mode == 2) != a67 ? 2 : 4;
				snprintf(f->name, sizeof(f->name), "%s%s%s.%d a%d/%d",
					 rep == 1 ? "rep " : rep == 2 ? "repne " : "",
					 nm[op], "", sz * 8, f->asize * 8,
					 mode * 8);
			}
		}
	}
}

static uint64_t amask(int asize)
{
	return asize == 8 ? ~0ULL : (1ULL << (asize * 8)) - 1;
}

/* Run @f with the source on @src_mmio, the destination on @dst_mmio. */
static int run_sform(struct ctx *c, const struct sform *f,
		     const struct kvm_regs *in, const uint8_t *src,
		     const uint8_t *dst, bool src_mmio, bool dst_mmio,
		     struct soutcome *out)
{
	struct svxu_vcpu *v = &c->g.vcpu;
	uint64_t sb = src_mmio ? MMIO_BASE : RAM_BASE;
	uint64_t db = dst_mmio ? MMIO_BASE : RAM_DST;
	uint8_t *ram = c->g.vm.mem;
	uint8_t *sw = src_mmio ? c->dev + SRC_OFF : ram + RAM_BASE + SRC_OFF;
	uint8_t *dw = dst_mmio ? c->dev + DST_OFF : ram + RAM_DST + DST_OFF;
	struct kvm_sregs s = c->sregs0;
	struct kvm_regs r = *in;
	int i, e;

	memset(out, 0, sizeof(*out));
	/* The windows not used differ: a stray access shows. */
	memset(ram + RAM_BASE + SRC_OFF, 0xa5, SWIN);
	memset(ram + RAM_DST + DST_OFF, 0x5a, SWIN);
	memset(c->dev + SRC_OFF, 0xc3, SWIN);
	memset(c->dev + DST_OFF, 0x3c, SWIN);
	memcpy(sw, src, SWIN);
	memcpy(dw, dst, SWIN);
	memcpy(ram + SVX_CODE, f->code, f->len);
	ram[SVX_CODE + f->len] = 0xf4;
	if (f->mode == 8) {
		r.rsi += sb;	/* no carry: the offset is below 4096 */
		r.rdi += db;
	} else {
		s.ds.base = sb;
		s.ss.base = sb;
		s.fs.base = sb;
		s.gs.base = sb;
		s.es.base = db;
		if (f->mode == 2)
			s.cs.db = 0;
	}
	e = svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&s);
	if (!e)
		e = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&r);
	if (e) {
		snprintf(out->err, sizeof(out->err), "SET_(S)REGS: %s",
			 strerror(-e));
		return -1;
	}
	for (i = 0; i < 64; i++) {
		struct kvm_run *run = v->run;

		e = svxu_run(v);
		if (e) {
			snprintf(out->err, sizeof(out->err), "KVM_RUN: %s",
				 strerror(-e));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO &&
		    (src_mmio || dst_mmio) &&
		    run->mmio.phys_addr >= MMIO_BASE &&
		    run->mmio.phys_addr + run->mmio.len <= MMIO_BASE + 4096 &&
		    run->mmio.len <= 8) {
			uint8_t *p = c->dev + (run->mmio.phys_addr - MMIO_BASE);

			out->exits++;
			if (run->mmio.is_write)
				memcpy(p, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, p, run->mmio.len);
			continue;
		}
		snprintf(out->err, sizeof(out->err), "exit %s",
			 svxu_exit_str(run));
		return -1;
	}
	if (i == 64) {
		snprintf(out->err, sizeof(out->err), "no HLT after 64 exits");
		return -1;
	}
	e = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&out->regs);
	if (e) {
		snprintf(out->err, sizeof(out->err), "GET_REGS: %s",
			 strerror(-e));
		return -1;
	}
	if (f->mode == 8) {	/* the bases, out: compare offsets */
		out->regs.rsi -= sb;
		out->regs.rdi -= db;
	}
	memcpy(out->src, sw, SWIN);
	memcpy(out->dst, dw, SWIN);
	return 0;
}

static int compare_s(struct __test_metadata *_metadata, const struct sform *f,
		     const char *where, struct soutcome *a,
		     struct soutcome *b, int want_exits)
{
	char what[256] = "", hex[3 * 8 + 1] = "";
	int i;

	if (a->err[0] || b->err[0]) {
		snprintf(what, sizeof(what), "ram: %s; mmio: %s",
			 a->err[0] ? a->err : "ok", b->err[0] ? b->err : "ok");
	} else {
		for (i = 0; i < 16 && !what[0]; i++)
			if (*reg_ptr(&a->regs, i) != *reg_ptr(&b->regs, i))
				snprintf(what, sizeof(what),
					 "%s ram %#llx mmio %#llx",
					 reg_names[i],
					 (unsigned long long)*reg_ptr(&a->regs, i),
					 (unsigned long long)*reg_ptr(&b->regs, i));
		if (!what[0] && a->regs.rip != b->regs.rip)
			snprintf(what, sizeof(what), "rip ram %#llx mmio %#llx",
				 (unsigned long long)a->regs.rip,
				 (unsigned long long)b->regs.rip);
		if (!what[0] && ((a->regs.rflags ^ b->regs.rflags) &
				 (FL_ALL | 0x400)))
			snprintf(what, sizeof(what), "rflags ram %#llx mmio %#llx",
				 (unsigned long long)a->regs.rflags,
				 (unsigned long long)b->regs.rflags);
		for (i = 0; i < SWIN && !what[0]; i++)
			if (a->src[i] != b->src[i] || a->dst[i] != b->dst[i])
				snprintf(what, sizeof(what),
					 "%s window +%#x ram %#x mmio %#x",
					 a->src[i] != b->src[i] ? "source" :
					 "destination", i,
					 a->src[i] != b->src[i] ? a->src[i] :
					 a->dst[i],
					 a->src[i] != b->src[i] ? b->src[i] :
					 b->dst[i]);
		if (!what[0] && b->exits != want_exits)
			snprintf(what, sizeof(what),
				 "%d KVM_EXIT_MMIO, %d expected", b->exits,
				 want_exits);
	}
	if (!what[0])
		return 0;
	for (i = 0; i < f->len; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", f->code[i]);
	TH_LOG("mismatch: %s %s [%s ]: %s", f->name, where, hex, what);
	return 1;
}

/* Every placement of @f's operands on MMIO against the RAM run. */
static int run_sform_all(struct __test_metadata *_metadata, struct ctx *c,
			 const struct sform *f, int *mismatches)
{
	bool has_src = f->op == S_MOVS || f->op == S_CMPS || f->op == S_LODS;
	bool has_dst = f->op != S_LODS;
	uint64_t m = amask(f->asize), m32 = f->mode == 8 ? ~0ULL : 0xffffffffULL;
	uint8_t src[SWIN], dst[SWIN];
	struct soutcome ref, o;
	struct kvm_regs in;
	int i, n = 0, iters, p, so, dof;

	memset(&in, 0, sizeof(in));
	for (i = 0; i < 16; i++)
		*reg_ptr(&in, i) = rnd() & m32;
	in.rip = SVX_CODE;
	in.rflags = 0x2 | (rnd() & FL_ALL) | ((rnd() & 1) ? 0x400 : 0);
	/* offsets 48..79 in the windows: room for 6 elements either way */
	so = SRC_OFF + 48 + (int)(rnd() % 32);
	dof = DST_OFF + 48 + (int)(rnd() % 32);
	if (rnd() & 1)
		dof = so - SRC_OFF + DST_OFF;
	in.rsi = (in.rsi & ~m) | so;	/* + the page in 64-bit code */
	in.rdi = (in.rdi & ~m) | dof;
	in.rcx = (in.rcx & ~m) | (rnd() % 7);
	for (i = 0; i < SWIN; i++)
		src[i] = rnd() % ((rnd() & 1) ? 256 : 2);
	memcpy(dst, src, SWIN);	/* cmps compares equal elements ... */
	if (rnd() & 1)		/* ... up to a flipped bit */
		dst[rnd() % SWIN] ^= 1 << (rnd() % 8);
	if (rnd() & 1)		/* scas finds rAX */
		memcpy(&in.rax, dst + dof - DST_OFF + f->size * (rnd() % 3),
		       8);
	in.rax &= m32;
	run_sform(c, f, &in, src, dst, false, false, &ref);
	iters = !f->rep ? 1 : (int)((in.rcx - ref.regs.rcx) & m);
	for (p = 1; p < 4; p++) {
		bool sm = p & 1, dm = p & 2;
		char where[16];
		int want;

		if ((sm && !has_src) || (dm && !has_dst))
			continue;
		want = iters * (sm + dm);
		run_sform(c, f, &in, src, dst, sm, dm, &o);
		snprintf(where, sizeof(where), "%s->%s", sm ? "mmio" : "ram",
			 dm ? "mmio" : "ram");
		*mismatches += compare_s(_metadata, f, where, &ref, &o, want);
		if (!o.err[0]) {
			string_exits += o.exits;
			string_iters += iters;
		}
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/*
 * SSE and MMX moves (KVM's emulator's set, 6.1: movups/movupd 0f 10/11,
 * movaps/movapd 0f 28/29, movntps/movntpd 0f 2b, movdqa 66 0f 6f/7f,
 * movdqu f3 0f 6f/7f, movntdq 66 0f e7, MMX movq 0f 6f/7f).  The guest
 * loads every XMM (and MMX) register from VTAB in guest RAM, executes the
 * instruction, stores them all to VOUT and halts; a fault (#GP of a
 * misaligned aligned form, #UD of LOCK or CR4.OSFXSR clear, #NM of CR0.TS)
 * goes through the IDT to a HLT of its own, its frame on the stack.  Also
 * compared: the number of KVM_EXIT_MMIO, one per 8 bytes as kvm_intel
 * splits a 16-byte access, none when the instruction faults.
 */
#define VTAB		(SVX_DATA + 0x4000)	/* XMM/MMX values, in */
#define VOUT		(SVX_DATA + 0x5000)	/* and out */
#define VOUT_LEN	(16 * 16 + 8 * 8)
#define VHANDLER	(SVX_CODE + 0x800)	/* vector v: HLT at +v */
#define V_TS		1	/* CR0.TS set: #NM */
#define V_NOFXSR	2	/* CR4.OSFXSR clear: #UD (SSE) */
#define V_EM		4	/* CR0.EM set: #UD */
#define V_STACKPF	8	/* push m/pop m, rSP unmapped: #PF (64-bit) */
#define STACK_PF_RSP	0x100000040ULL	/* above the 4 GiB identity map */
#define CR0_TS		(1ULL << 3)
#define CR0_EM		(1ULL << 2)
#define CR4_OSFXSR	(1ULL << 9)

static uint8_t vtab[VOUT_LEN];

/* 36 [REX] 0f @op /@reg [abs32]: an absolute operand (SS.base is 0). */
static int vmov_abs(uint8_t *p, int mode, uint8_t op, int reg, uint32_t addr)
{
	int n = 0;

	p[n++] = 0x36;
	if (mode == 2)
		p[n++] = 0x67;		/* 32-bit addressing */
	if (reg >= 8)
		p[n++] = 0x44;		/* REX.R */
	p[n++] = 0x0f;
	p[n++] = op;
	if (mode == 8) {		/* SIB, no base, no index */
		p[n++] = (reg & 7) << 3 | 4;
		p[n++] = 0x25;
	} else {
		p[n++] = (reg & 7) << 3 | 5;
	}
	memcpy(p + n, &addr, 4);
	return n + 4;
}

static void add_vec(int mode, const char *name, uint8_t pfx, bool lock,
		    uint8_t opc, int size, int vflags)
{
	uint8_t pf[2], op[2] = { 0x0f, opc };
	int n = 0;

	if (lock)
		pf[n++] = 0xf0;
	if (pfx)
		pf[n++] = pfx;
	add(mode, name, pf, n, 0, op, 2, -1, 0, size, FL_ALL, K_VEC);
	forms[nforms - 1].vflags = vflags;
	/* 16-byte aligned half of the time: the aligned forms' #GP or not */
	if (rnd() & 1) {
		struct form *f = &forms[nforms - 1];

		f->disp &= ~15;
		f->code[f->len - 1] = f->disp;
	}
}

static void build_vforms(int mode)
{
	static const struct {
		const char *name;
		uint8_t pfx, ld, st;	/* st 0: no load/store of that kind */
		int size;
	} v[] = {
		{ "movups", 0, 0x10, 0x11, 16 },
		{ "movupd", 0x66, 0x10, 0x11, 16 },
		{ "movaps", 0, 0x28, 0x29, 16 },
		{ "movapd", 0x66, 0x28, 0x29, 16 },
		{ "movntps", 0, 0, 0x2b, 16 },
		{ "movntpd", 0x66, 0, 0x2b, 16 },
		{ "movdqa", 0x66, 0x6f, 0x7f, 16 },
		{ "movdqu", 0xf3, 0x6f, 0x7f, 16 },
		{ "movntdq", 0x66, 0, 0xe7, 16 },
		{ "movq mm", 0, 0x6f, 0x7f, 8 },
	};
	char nm[48];
	int i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < (int)ARRAY_SIZE(v); i++) {
			if (v[i].ld) {
				snprintf(nm, sizeof(nm), "%s r,m", v[i].name);
				add_vec(mode, nm, v[i].pfx, false, v[i].ld,
					v[i].size, 0);
			}
			snprintf(nm, sizeof(nm), "%s m,r", v[i].name);
			add_vec(mode, nm, v[i].pfx, false, v[i].st, v[i].size,
				0);
		}
	}
	/* the faults KVM's emulator checks before the access */
	add_vec(mode, "lock movdqu r,m", 0xf3, true, 0x6f, 16, 0);
	add_vec(mode, "lock movaps m,r", 0, true, 0x29, 16, 0);
	add_vec(mode, "movdqu r,m TS", 0xf3, false, 0x6f, 16, V_TS);
	add_vec(mode, "movq mm m,r TS", 0, false, 0x7f, 8, V_TS);
	add_vec(mode, "movups m,r !OSFXSR", 0, false, 0x11, 16, V_NOFXSR);
	add_vec(mode, "movq mm r,m !OSFXSR", 0, false, 0x6f, 8, V_NOFXSR);
	add_vec(mode, "movdqa r,m EM", 0x66, false, 0x6f, 16, V_EM);
	if (mode == 8) {	/* the #PF goes to the guest (IST1) */
		uint8_t op = 0xff;

		add(mode, "push m #PF", NULL, 0, 0, &op, 1, 6, 0, 8, FL_ALL,
		    K_VEC);
		forms[nforms - 1].vflags = V_STACKPF;
		op = 0x8f;
		add(mode, "pop m #PF", NULL, 0, 0, &op, 1, 0, 0, 8, FL_ALL,
		    K_VEC);
		forms[nforms - 1].vflags = V_STACKPF;
	}
}

struct voutcome {
	struct outcome o;
	uint8_t vout[VOUT_LEN];
	uint64_t cr2;
	int exits;
};

static void put_gate(uint8_t *mem, int mode, int vec, uint64_t to, int ist)
{
	uint64_t lo = (to & 0xffff) | (uint64_t)ist << 32 |
		      (uint64_t)(mode == 8 ? SVX_SEL_CS64 : SVX_SEL_CS32) << 16 |
		      0x8e00ULL << 32 | ((to >> 16) & 0xffff) << 48;
	uint64_t hi = 0;

	if (mode == 8) {
		memcpy(mem + SVX_IDT + vec * 16, &lo, 8);
		memcpy(mem + SVX_IDT + vec * 16 + 8, &hi, 8);
	} else {
		memcpy(mem + SVX_IDT + vec * 8, &lo, 8);
	}
}

static int run_vform(struct ctx *c, const struct form *f,
		     const struct kvm_regs *in, const uint8_t *mem, bool mmio,
		     struct voutcome *out)
{
	struct svxu_vcpu *v = &c->g.vcpu;
	uint64_t base = mmio ? MMIO_BASE : RAM_BASE;
	struct kvm_sregs s = c->sregs0;
	struct kvm_regs r = *in;
	uint8_t *ram = c->g.vm.mem;
	uint8_t *win = mmio ? c->dev + DATA_OFF : ram + RAM_BASE + DATA_OFF;
	uint8_t *p = ram + SVX_CODE;
	int nx = f->mode == 8 ? 16 : 8, i, e, n = 0;
	bool bare = f->vflags != 0;	/* faults: no register set-up */

	memset(out, 0, sizeof(*out));
	memset(mmio ? ram + RAM_BASE + DATA_OFF : c->dev + DATA_OFF, 0xa5, WIN);
	memcpy(win, mem, WIN);
	memcpy(ram + VTAB, vtab, VOUT_LEN);
	memset(ram + VOUT, 0x5a, VOUT_LEN);
	memcpy(ram + STK_LO, stk_in, STK_LEN);
	for (i = 0; i < nx && !bare; i++)
		n += vmov_abs(p + n, f->mode, 0x10, i, VTAB + 16 * i);
	for (i = 0; i < 8 && !bare; i++)
		n += vmov_abs(p + n, f->mode, 0x6f, i, VTAB + 256 + 8 * i);
	memcpy(p + n, f->code, f->len);
	n += f->len;
	for (i = 0; i < nx && !bare; i++)
		n += vmov_abs(p + n, f->mode, 0x11, i, VOUT + 16 * i);
	for (i = 0; i < 8 && !bare; i++)
		n += vmov_abs(p + n, f->mode, 0x7f, i, VOUT + 256 + 8 * i);
	p[n++] = 0xf4;
	memset(ram + VHANDLER, 0xf4, 32);
	put_gate(ram, f->mode, 6, VHANDLER + 6, 0);
	put_gate(ram, f->mode, 7, VHANDLER + 7, 0);
	put_gate(ram, f->mode, 13, VHANDLER + 13, 0);
	put_gate(ram, f->mode, 16, VHANDLER + 16, 0);
	r.rip = SVX_CODE;
	r.rsp = SVX_STACK - 0x40;
	if (f->vflags & V_STACKPF) {	/* IST1: the frame on the stack compared */
		uint64_t ist = SVX_STACK - 0x40;

		put_gate(ram, f->mode, 14, VHANDLER + 14, 1);
		memcpy(ram + SVX_TSS + 0x24, &ist, 8);
		r.rsp = STACK_PF_RSP;
	}
	if (f->mode == 8) {
		r.rsi = base + DATA_OFF;
	} else {
		s.ds.base = base;
		s.es.base = base;
		s.fs.base = base;
		s.gs.base = base;
		s.ss.base = 0;
		if (f->mode == 2)
			s.cs.db = 0;
		r.rsi = DATA_OFF;
	}
	s.cr4 |= CR4_OSFXSR;
	if (f->vflags & V_NOFXSR)
		s.cr4 &= ~CR4_OSFXSR;
	if (f->vflags & V_TS)
		s.cr0 |= CR0_TS;
	if (f->vflags & V_EM)
		s.cr0 |= CR0_EM;
	e = svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&s);
	if (!e)
		e = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&r);
	if (e) {
		snprintf(out->o.err, sizeof(out->o.err), "SET_(S)REGS: %s",
			 strerror(-e));
		return -1;
	}
	for (i = 0; i < 8; i++) {
		struct kvm_run *run = v->run;

		e = svxu_run(v);
		if (e) {
			snprintf(out->o.err, sizeof(out->o.err), "KVM_RUN: %s",
				 strerror(-e));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && mmio &&
		    run->mmio.phys_addr >= MMIO_BASE &&
		    run->mmio.phys_addr + run->mmio.len <= MMIO_BASE + 4096 &&
		    run->mmio.len <= 8) {
			uint8_t *d = c->dev + (run->mmio.phys_addr - MMIO_BASE);

			out->exits++;
			if (run->mmio.is_write)
				memcpy(d, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, d, run->mmio.len);
			continue;
		}
		snprintf(out->o.err, sizeof(out->o.err), "exit %s",
			 svxu_exit_str(run));
		return -1;
	}
	if (i == 8) {
		snprintf(out->o.err, sizeof(out->o.err), "no HLT after 8 exits");
		return -1;
	}
	e = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&out->o.regs);
	if (e) {
		snprintf(out->o.err, sizeof(out->o.err), "GET_REGS: %s",
			 strerror(-e));
		return -1;
	}
	e = svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&s);
	if (e) {
		snprintf(out->o.err, sizeof(out->o.err), "GET_SREGS: %s",
			 strerror(-e));
		return -1;
	}
	out->cr2 = s.cr2;
	memcpy(out->o.mem, win, WIN);
	memcpy(out->o.stk, ram + STK_LO, STK_LEN);
	memcpy(out->vout, ram + VOUT, VOUT_LEN);
	return 0;
}

/* One K_VEC form, RAM against MMIO; 1 on a mismatch. */
static int vform_one(struct __test_metadata *_metadata, struct ctx *c,
		     const struct form *f, const struct kvm_regs *in,
		     const uint8_t *mem, int *faults)
{
	struct voutcome a, b;
	bool fault;
	int want, i;

	for (i = 0; i < VOUT_LEN; i++)
		vtab[i] = rnd();
	for (i = 0; i < STK_LEN; i++)
		stk_in[i] = rnd();
	run_vform(c, f, in, mem, false, &a);
	run_vform(c, f, in, mem, true, &b);
	if (compare(_metadata, f, &a.o, &b.o))
		return 1;
	fault = a.o.regs.rip > VHANDLER && a.o.regs.rip <= VHANDLER + 32;
	*faults += fault;
	want = fault ? 0 : f->size / 8;
	if ((f->vflags & V_STACKPF) && f->code[0] == 0xff)
		want = 1;	/* push reads its operand, then faults */
	if (a.cr2 != b.cr2) {
		TH_LOG("mismatch: %s: cr2 ram %#llx mmio %#llx", f->name,
		       (unsigned long long)a.cr2, (unsigned long long)b.cr2);
		return 1;
	}
	for (i = 0; i < VOUT_LEN; i++) {
		if (a.vout[i] != b.vout[i]) {
			TH_LOG("mismatch: %s: %s %d byte %d: ram %#x mmio %#x",
			       f->name, i < 256 ? "xmm" : "mm",
			       i < 256 ? i / 16 : (i - 256) / 8,
			       i < 256 ? i % 16 : (i - 256) % 8, a.vout[i],
			       b.vout[i]);
			return 1;
		}
	}
	if (b.exits != want) {
		TH_LOG("mismatch: %s: %d KVM_EXIT_MMIO, %d expected (rip %#llx)",
		       f->name, b.exits, want,
		       (unsigned long long)b.o.regs.rip);
		return 1;
	}
	return 0;
}

static long vec_faults;

/* ---------------------------------------------------------------------- */
/*
 * An operand across a page boundary, one side RAM and the other MMIO
 * (KVM's emulator_read_write(): a fragment per page): a page of RAM just
 * below the MMIO page (slot SPLIT_SLOT_LO) and one just above it
 * (SPLIT_SLOT_HI).  Forms of build_forms() with their operand 1..size-1
 * bytes before the boundary, against the same across two RAM pages.  The
 * 64-byte window around the boundary, registers, RIP and flags compared.
 */
#define SPLIT_SLOT_LO	5
#define SPLIT_SLOT_HI	6
#define SPLIT_FORMS	40

static uint8_t *split_lo, *split_hi;
static long vec_splits;		/* vector stores across RAM|MMIO, MMIO|RAM */

static int split_setup(struct ctx *c)
{
	int r;

	split_lo = svxu_alloc(4096);
	split_hi = svxu_alloc(4096);
	if (!split_lo || !split_hi)
		return -ENOMEM;
	r = svxu_set_mem(c->g.vm.fd, SPLIT_SLOT_LO, 0, MMIO_BASE - 4096, 4096,
			 split_lo);
	if (!r)
		r = svxu_set_mem(c->g.vm.fd, SPLIT_SLOT_HI, 0, MMIO_BASE + 4096,
				 4096, split_hi);
	return r;
}

/* Where: 0 RAM|RAM (reference), 1 RAM|MMIO, 2 MMIO|RAM. */
static int run_split(struct ctx *c, const struct form *f,
		     const struct kvm_regs *in, const uint8_t *mem, int where,
		     int k, struct outcome *out)
{
	struct svxu_vcpu *v = &c->g.vcpu;
	uint64_t b = where == 0 ? RAM_BASE + 4096 :
		     where == 1 ? MMIO_BASE : MMIO_BASE + 4096;
	uint8_t *w0 = where == 0 ? c->g.vm.mem + RAM_BASE + 4096 - WIN / 2 :
		      where == 1 ? split_lo + 4096 - WIN / 2 :
		      c->dev + 4096 - WIN / 2;
	uint8_t *w1 = where == 0 ? c->g.vm.mem + RAM_BASE + 4096 :
		      where == 1 ? c->dev : split_hi;
	struct kvm_sregs s = c->sregs0;
	struct kvm_regs r = *in;
	int i, e;

	memset(out, 0, sizeof(*out));
	memset(c->dev, 0xa5, sizeof(c->dev));
	memcpy(w0, mem, WIN / 2);
	memcpy(w1, mem + WIN / 2, WIN / 2);
	memcpy(c->g.vm.mem + SVX_CODE, f->code, f->len);
	c->g.vm.mem[SVX_CODE + f->len] = 0xf4;
	r.rip = SVX_CODE;
	if (f->kind == K_STACK || f->kind == K_BRANCH)
		memcpy(c->g.vm.mem + STK_LO, stk_in, STK_LEN);
	if (f->kind == K_BRANCH) {
		memset(c->g.vm.mem + BR_LAND, 0xf4, BR_LAND_LEN);
		c->g.vm.mem[DE_HLT] = 0xf4;
		put_gate(c->g.vm.mem, f->mode, 13, DE_HLT, 0);
	}
	if (f->mode == 8) {
		r.rsi = b - k - f->disp;
	} else {
		s.ds.base = b - 0x100;
		s.es.base = s.ds.base;
		s.ss.base = s.ds.base;
		s.fs.base = s.ds.base;
		s.gs.base = s.ds.base;
		if (f->mode == 2)
			s.cs.db = 0;
		if (f->kind == K_STACK || f->kind == K_BRANCH)
			s.ss.base = 0;	/* the stack in RAM, compared */
		r.rsi = 0x100 - k - f->disp;
	}
	if (f->kind == K_VEC)
		s.cr4 |= CR4_OSFXSR;
	e = svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&s);
	if (!e)
		e = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&r);
	if (e) {
		snprintf(out->err, sizeof(out->err), "SET_(S)REGS: %s",
			 strerror(-e));
		return -1;
	}
	for (i = 0; i < 8; i++) {
		struct kvm_run *run = v->run;

		e = svxu_run(v);
		if (e) {
			snprintf(out->err, sizeof(out->err), "KVM_RUN: %s",
				 strerror(-e));
			return -1;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && where &&
		    run->mmio.phys_addr >= MMIO_BASE &&
		    run->mmio.phys_addr + run->mmio.len <= MMIO_BASE + 4096 &&
		    run->mmio.len <= 8) {
			uint8_t *p = c->dev + (run->mmio.phys_addr - MMIO_BASE);

			if (run->mmio.is_write)
				memcpy(p, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, p, run->mmio.len);
			continue;
		}
		snprintf(out->err, sizeof(out->err), "exit %s",
			 svxu_exit_str(run));
		return -1;
	}
	if (i == 8) {
		snprintf(out->err, sizeof(out->err), "no HLT after 8 exits");
		return -1;
	}
	e = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&out->regs);
	if (e) {
		snprintf(out->err, sizeof(out->err), "GET_REGS: %s",
			 strerror(-e));
		return -1;
	}
	if (f->mode == 8)	/* as run_form()'s, for compare() */
		out->regs.rsi += (where ? MMIO_BASE : RAM_BASE) - b;
	memcpy(out->mem, w0, WIN / 2);
	memcpy(out->mem + WIN / 2, w1, WIN / 2);
	memcpy(out->stk, c->g.vm.mem + STK_LO, STK_LEN);
	return 0;
}

/* SPLIT_FORMS forms of this mode (from @first), each both ways. */
static int run_splits(struct __test_metadata *_metadata, struct ctx *c,
		      int first, int last, int *mismatches)
{
	int i, n = 0, tries = 0, stk = first;

	/*
	 * The random forms first; then every push m, pop m, jmp m and
	 * call m of the mode once more (KVM's fragments, the stack after).
	 */
	for (;;) {
		struct form f;
		struct outcome ref, o;
		struct kvm_regs in;
		uint8_t mem[WIN];
		bool vst;
		int k;

		if (n >= 2 * SPLIT_FORMS || tries++ >= 1000) {
			while (stk < last && (forms[stk].code_at ||
			       (forms[stk].kind != K_STACK &&
				forms[stk].kind != K_BRANCH)))
				stk++;
			if (stk == last)
				break;
			f = forms[stk++];
		} else {
			f = forms[first + rnd() % (last - first)];
			if (f.kind == K_STACK || f.kind == K_BRANCH)
				continue;
		}
		/* the unaligned vector stores: registers as they are */
		vst = f.kind == K_VEC && !f.vflags &&
		      (!strncmp(f.name, "movups m,r", 10) ||
		       !strncmp(f.name, "movupd m,r", 10) ||
		       !strncmp(f.name, "movdqu m,r", 10) ||
		       !strncmp(f.name, "movq mm m,r", 11));
		if (f.size < 2 || f.moffs_len || f.code_at || f.ref_nop ||
		    (f.kind != K_PLAIN && f.kind != K_BTREG &&
		     f.kind != K_CMPXCHG && f.kind != K_CMPXCHG8B &&
		     f.kind != K_STACK && f.kind != K_BRANCH && !vst))
			continue;
		vec_splits += vst ? 2 : 0;
		k = 1 + rnd() % (f.size - 1);	/* bytes before the boundary */
		operands(&f, &in, mem);
		if (f.kind == K_BRANCH)	/* the target where the operand is */
			memcpy(mem + WIN / 2 - k, mem + f.disp, f.size);
		/* the operand's value where it is: at WIN / 2 - k */
		if (f.kind == K_CMPXCHG && (rnd() & 1))
			memcpy(&in.rax, mem + WIN / 2 - k, f.size);
		if (f.kind == K_CMPXCHG8B && (rnd() & 1)) {
			uint64_t x;

			memcpy(&x, mem + WIN / 2 - k, 8);
			in.rax = (uint32_t)x;
			in.rdx = x >> 32;
		}
		run_split(c, &f, &in, mem, 0, k, &ref);
		for (i = 1; i <= 2; i++) {
			struct form g = f;

			snprintf(g.name, sizeof(g.name), "%.32s split%d %s",
				 f.name, k, i == 1 ? "ram|mmio" : "mmio|ram");
			run_split(c, &g, &in, mem, i, k, &o);
			*mismatches += compare(_metadata, &g, &ref, &o);
			n++;
		}
	}
	return n;
}

/* far pointer loads [0] and jmp/call m [1]: completed, faulted (RAM) */
static long lseg_br[2][2];

/*
 * String elements across a page, RAM on one side and MMIO on the other
 * (KVM's fragments: each side read or written where it is, one exit per
 * MMIO piece), in 64-bit code: movs/cmps/stos/lods/scas of 2, 4 and 8
 * bytes, with or without REP (1-3 iterations), DF 0 or 1, the element
 * 1..size-1 bytes before the boundary; the other operand (movs, cmps) in
 * RAM.  Against the same across two RAM pages: registers, flags, the
 * window around the boundary and the other operand's.
 */
#define XSTR_FORMS	40
#define XSTR_OTHER	(RAM_DST + 0x100)

static long xstr_exits;

static int run_xstr(struct ctx *c, const uint8_t *code, int len,
		    const struct kvm_regs *in, bool cross_src, int where,
		    const uint8_t *mem, const uint8_t *other,
		    struct outcome *out, int *exits)
{
	struct svxu_vcpu *v = &c->g.vcpu;
	uint64_t b = where == 0 ? RAM_BASE + 4096 :
		     where == 1 ? MMIO_BASE : MMIO_BASE + 4096;
	uint8_t *w0 = where == 0 ? c->g.vm.mem + RAM_BASE + 4096 - WIN / 2 :
		      where == 1 ? split_lo + 4096 - WIN / 2 :
		      c->dev + 4096 - WIN / 2;
	uint8_t *w1 = where == 0 ? c->g.vm.mem + RAM_BASE + 4096 :
		      where == 1 ? c->dev : split_hi;
	uint8_t *ow = c->g.vm.mem + XSTR_OTHER;
	struct kvm_regs r = *in;
	int i, e;

	memset(out, 0, sizeof(*out));
	*exits = 0;
	memset(c->dev, 0xa5, sizeof(c->dev));
	memcpy(w0, mem, WIN / 2);
	memcpy(w1, mem + WIN / 2, WIN / 2);
	memcpy(ow, other, WIN);
	memcpy(c->g.vm.mem + SVX_CODE, code, len);
	c->g.vm.mem[SVX_CODE + len] = 0xf4;
	r.rip = SVX_CODE;
	if (cross_src) {
		r.rsi += b;
		r.rdi += XSTR_OTHER;
	} else {
		r.rdi += b;
		r.rsi += XSTR_OTHER;
	}
	e = svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&c->sregs0);
	if (!e)
		e = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&r);
	for (i = 0; !e && i < 16; i++) {
		struct kvm_run *run = v->run;

		e = svxu_run(v);
		if (e || run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && where &&
		    run->mmio.phys_addr >= MMIO_BASE &&
		    run->mmio.phys_addr + run->mmio.len <= MMIO_BASE + 4096 &&
		    run->mmio.len <= 8) {
			uint8_t *p = c->dev + (run->mmio.phys_addr - MMIO_BASE);

			(*exits)++;
			if (run->mmio.is_write)
				memcpy(p, run->mmio.data, run->mmio.len);
			else
				memcpy(run->mmio.data, p, run->mmio.len);
			continue;
		}
		snprintf(out->err, sizeof(out->err), "exit %s",
			 svxu_exit_str(run));
		return -1;
	}
	if (!e)
		e = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&out->regs);
	if (e || i == 16 || (where && !*exits)) {
		snprintf(out->err, sizeof(out->err), "%s%s",
			 e ? strerror(-e) : i == 16 ? "no HLT" : "",
			 where && !*exits ? "no KVM_EXIT_MMIO" : "");
		return -1;
	}
	if (cross_src) {	/* offsets from the bases, for compare() */
		out->regs.rsi -= b;
		out->regs.rdi -= XSTR_OTHER;
	} else {
		out->regs.rdi -= b;
		out->regs.rsi -= XSTR_OTHER;
	}
	/* compare() takes rSI's base off in 64-bit code */
	out->regs.rsi += where ? MMIO_BASE : RAM_BASE;
	memcpy(out->mem, w0, WIN / 2);
	memcpy(out->mem + WIN / 2, w1, WIN / 2);
	memcpy(out->stk, ow, WIN);
	return 0;
}

static int run_xstrs(struct __test_metadata *_metadata, struct ctx *c,
		     int *mismatches)
{
	static const uint8_t ops[5] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	static const char * const nm[5] = { "movs", "cmps", "stos", "lods",
					    "scas" };
	int n = 0, t, i;

	for (t = 0; t < XSTR_FORMS; t++) {
		int op = rnd() % 5, size = 2 << (rnd() % 3), len = 0;
		int rep = rnd() % 3, k = 1 + rnd() % (size - 1), ex;
		bool df = rnd() & 1, cross_src = op == 3 ||
			  ((op == 0 || op == 1) && (rnd() & 1));
		uint8_t code[4], mem[WIN], other[WIN];
		struct outcome ref, o;
		struct kvm_regs in;
		struct form f;

		if (rep)
			code[len++] = rep == 1 ? 0xf3 : 0xf2;
		if (size == 2)
			code[len++] = 0x66;
		if (size == 8)
			code[len++] = 0x48;
		code[len++] = ops[op] | 1;
		memset(&in, 0, sizeof(in));
		for (i = 0; i < 16; i++)
			*reg_ptr(&in, i) = rnd();
		in.rflags = 0x2 | (rnd() & FL_ALL) | (df ? 0x400 : 0);
		in.rcx = 1 + rnd() % 3;
		for (i = 0; i < WIN; i++) {
			mem[i] = rnd();
			other[i] = rnd();
		}
		if (op == 1 && (rnd() & 1))	/* cmps: equal at first */
			memcpy(other + WIN / 2 - k, mem + WIN / 2 - k, size);
		/* crossing: B - k; the other operand mid-window */
		if (cross_src) {
			in.rsi = -(uint64_t)k;
			in.rdi = WIN / 2;
		} else {
			in.rdi = -(uint64_t)k;
			in.rsi = WIN / 2;
		}
		memset(&f, 0, sizeof(f));
		memcpy(f.code, code, len);
		f.len = len;
		f.mode = 8;
		f.reg = -1;
		f.fmask = FL_ALL;
		run_xstr(c, code, len, &in, cross_src, 0, mem, other, &ref,
			 &ex);
		for (i = 1; i <= 2; i++) {
			snprintf(f.name, sizeof(f.name), "%s%s.%d x%d %s%s",
				 rep ? "rep " : "", nm[op], size * 8, k,
				 i == 1 ? "ram|mmio" : "mmio|ram",
				 df ? " df" : "");
			run_xstr(c, code, len, &in, cross_src, i, mem, other,
				 &o, &ex);
			xstr_exits += ex;
			*mismatches += compare(_metadata, &f, &ref, &o);
			n++;
		}
	}
	return n;
}

static int run_mode(struct __test_metadata *_metadata, int mode,
		    int *mismatches)
{
	struct ctx *c = calloc(1, sizeof(*c));
	int r, first = nforms, i, n = 0;

	ASSERT_NE(NULL, c);
	r = svxu_guest_create(&c->g);
	ASSERT_EQ(0, r) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-r));
	set_supported_cpuid(_metadata, &c->g);
	r = svxu_setup_mode(&c->g.vcpu, mode == 8 ? SVXU_MODE_LONG64 :
						      SVXU_MODE_PM32);
	ASSERT_EQ(0, r) TH_LOG("setup: %s", strerror(-r));
	r = svxu_ioctl(c->g.vcpu.fd, KVM_GET_SREGS,
		       (unsigned long)&c->sregs0);
	ASSERT_EQ(0, r);
	build_forms(mode);
	/*
	 * Some of them again across a page boundary: the instruction's
	 * first 1..len-1 bytes at the end of SVX_CODE's page, the rest on
	 * the next page (fetched from two guest pages).
	 */
	for (i = 0, n = nforms - first; i < 32 && nforms < MAX_FORMS; i++) {
		struct form *f = &forms[nforms];

		do {	/* xlat (one byte) cannot cross */
			*f = forms[first + rnd() % n];
		} while (f->len < 2);
		f->code_at = SVX_CODE + 0x1000 - 1 - (int)(rnd() % (f->len - 1));
		snprintf(f->name + strlen(f->name),
			 sizeof(f->name) - strlen(f->name), " x-page");
		nforms++;
	}
	build_vforms(mode);
	n = 0;
	for (i = first; i < nforms; i++) {
		struct outcome a, b;
		struct kvm_regs in;
		uint8_t mem[WIN];
		int nf = 0;

		operands(&forms[i], &in, mem);
		if (forms[i].kind == K_VEC) {
			*mismatches += vform_one(_metadata, c, &forms[i], &in,
						 mem, &nf);
			vec_faults += nf;
			n++;
			continue;
		}
		run_form(c, &forms[i], &in, mem, false, &a);
		run_form(c, &forms[i], &in, mem, true, &b);
		*mismatches += compare(_metadata, &forms[i], &a, &b);
		if (forms[i].kind == K_LSEG || forms[i].kind == K_BRANCH)
			lseg_br[forms[i].kind == K_BRANCH]
			       [a.regs.rip == DE_HLT + 1]++;
		n++;
	}
	r = split_setup(c);
	ASSERT_EQ(0, r) TH_LOG("RAM beside the MMIO page: %s", strerror(-r));
	n += run_splits(_metadata, c, first, nforms, mismatches);
	if (mode == 8)
		n += run_xstrs(_metadata, c, mismatches);
	first = nsforms;
	build_sforms(mode);
	for (i = first; i < nsforms; i++)
		n += run_sform_all(_metadata, c, &sforms[i], mismatches);
	svxu_guest_fini(&c->g);
	svxu_free(split_lo, 4096);
	svxu_free(split_hi, 4096);
	free(c);
	return n;
}

TEST(mmio_emulation)
{
	const char *label = getenv("SVX_LABEL");
	int n = 0, mismatches = 0;
	char buf[96];

	rng_state = 0x5eed0000d15ea5e5ULL;
	if (!label || !*label) {
		snprintf(buf, sizeof(buf), "%s%s%s", svxu_dev(),
			 svxu_dev_is_kvm() ? "" : " ",
			 svxu_dev_is_kvm() ? "" : svxu_paging());
		label = buf;
	}
	n += run_mode(_metadata, 8, &mismatches);
	n += run_mode(_metadata, 4, &mismatches);
	n += run_mode(_metadata, 2, &mismatches);
	printf("mmio-emulation[%s]: %d forms, %d mismatches\n", label, n,
	       mismatches);
	printf("# mmio-emulation[%s]: string forms: %ld iterations, %ld KVM_EXIT_MMIO\n",
	       label, string_iters, string_exits);
	printf("# mmio-emulation[%s]: vector forms: %ld faulted, %ld stores across a page\n",
	       label, vec_faults, vec_splits);
	printf("# mmio-emulation[%s]: string elements across a page: %ld KVM_EXIT_MMIO\n",
	       label, xstr_exits);
	printf("# mmio-emulation[%s]: far pointer loads, ljmp/lcall m: %ld done, %ld faulted; jmp/call m: %ld taken, %ld #GP\n",
	       label, lseg_br[0][0], lseg_br[0][1], lseg_br[1][0],
	       lseg_br[1][1]);
	fflush(stdout);
	EXPECT_LE(300, n);
	EXPECT_EQ(0, mismatches);
}

/*
 * An instruction no emulator carries out on MMIO (x87 fildl; KVM's
 * emulator has no x87 loads): KVM_EXIT_INTERNAL_ERROR, suberror
 * KVM_INTERNAL_ERROR_EMULATION, with the instruction bytes and the exit
 * information in the layout of KVM's prepare_emulation_failure_exit().
 */
TEST(mmio_unemulated_insn)
{
	static const uint8_t code[] = { 0xdb, 0x46, 0x08, 0xf4 }; /* fildl 8(%rsi); hlt */
	struct svxu_guest g;
	struct kvm_regs r;
	struct kvm_run *run;
	int e;

	e = svxu_guest_create(&g);
	ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-e));
	ASSERT_EQ(0, svxu_setup_mode(&g.vcpu, SVXU_MODE_LONG64));
	memcpy(g.vm.mem + SVX_CODE, code, sizeof(code));
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	r.rsi = MMIO_BASE;
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_REGS, (unsigned long)&r));
	ASSERT_EXIT(&g.vcpu, KVM_EXIT_INTERNAL_ERROR);
	run = g.run;
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->emulation_failure.suberror);
	EXPECT_TRUE(run->emulation_failure.flags &
		    KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	EXPECT_LE(3, run->emulation_failure.insn_size);
	EXPECT_EQ(0, memcmp(run->emulation_failure.insn_bytes, code, 3));
	EXPECT_EQ(8, run->emulation_failure.ndata);
	TH_LOG("emulation failure: ndata %u, flags %#llx, %u bytes, exit reason %#llx",
	       run->emulation_failure.ndata,
	       (unsigned long long)run->emulation_failure.flags,
	       run->emulation_failure.insn_size,
	       (unsigned long long)run->internal.data[3]);
	svxu_guest_fini(&g);
}

/*
 * cmpxchg16b on MMIO: KVM's emulator (6.1 em_cmpxchg8b()) refuses the
 * 16-byte form after reading its operand (two 8-byte KVM_EXIT_MMIO reads,
 * counted), so kvm_intel ends it with
 * KVM_EXIT_INTERNAL_ERROR (emulation); the device must do the same and
 * leave memory and RIP alone.  MMIO reads before it are answered and
 * counted (kvm_intel reads the operand first).
 */
TEST(mmio_cmpxchg16b)
{
	/* cmpxchg16b 0x10(%rsi); hlt */
	static const uint8_t code[] = { 0x48, 0x0f, 0xc7, 0x4e, 0x10, 0xf4 };
	struct svxu_guest g;
	struct kvm_regs r;
	struct kvm_run *run;
	int e, reads = 0, writes = 0, i;

	e = svxu_guest_create(&g);
	ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-e));
	ASSERT_EQ(0, svxu_setup_mode(&g.vcpu, SVXU_MODE_LONG64));
	memcpy(g.vm.mem + SVX_CODE, code, sizeof(code));
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	r.rsi = MMIO_BASE;
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_REGS, (unsigned long)&r));
	run = g.run;
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, svxu_run(&g.vcpu));
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		if (run->mmio.is_write)
			writes++;
		else
			reads++;
		memset(run->mmio.data, 0x11, sizeof(run->mmio.data));
	}
	EXPECT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason)
		TH_LOG("exit %s", svxu_exit_str(run));
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION,
		  run->emulation_failure.suberror);
	EXPECT_EQ(0, writes);
	EXPECT_EQ(2, reads);	/* its 16 bytes, 8 at a time */
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	EXPECT_EQ(SVX_CODE, r.rip);
	TH_LOG("cmpxchg16b on MMIO: %d MMIO reads answered, then %s", reads,
	       svxu_exit_str(run));
	svxu_guest_fini(&g);
}

/*
 * SSE/MMX moves that KVM's emulator (6.1) has no entry for, on MMIO:
 * KVM_EXIT_INTERNAL_ERROR (emulation) with RIP at the instruction, on
 * every device (movd/movq 66 0f 6e/7e, f3 0f 7e, 66 0f d6, movss/movsd
 * f3/f2 0f 10/11, MMX movntq 0f e7, movhps 0f 17).
 */
TEST(mmio_unemulated_sse)
{
	static const uint8_t forms[][6] = {
		{ 4, 0x66, 0x0f, 0x6e, 0x46 },	/* movd 8(%rsi),%xmm0 */
		{ 4, 0x66, 0x0f, 0x7e, 0x46 },	/* movd %xmm0,8(%rsi) */
		{ 4, 0xf3, 0x0f, 0x7e, 0x46 },	/* movq 8(%rsi),%xmm0 */
		{ 4, 0x66, 0x0f, 0xd6, 0x46 },	/* movq %xmm0,8(%rsi) */
		{ 4, 0xf3, 0x0f, 0x10, 0x46 },	/* movss 8(%rsi),%xmm0 */
		{ 4, 0xf2, 0x0f, 0x11, 0x46 },	/* movsd %xmm0,8(%rsi) */
		{ 3, 0x0f, 0xe7, 0x46 },	/* movntq %mm0,8(%rsi) */
		{ 3, 0x0f, 0x17, 0x46 },	/* movhps %xmm0,8(%rsi) */
	};
	struct svxu_guest g;
	struct kvm_sregs s;
	struct kvm_regs r;
	unsigned int i;
	int e, failed = 0;

	e = svxu_guest_create(&g);
	ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-e));
	ASSERT_EQ(0, svxu_setup_mode(&g.vcpu, SVXU_MODE_LONG64));
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&s));
	s.cr4 |= CR4_OSFXSR;
	ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&s));
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		int n = forms[i][0];

		memcpy(g.vm.mem + SVX_CODE, forms[i] + 1, n);
		g.vm.mem[SVX_CODE + n] = 0x08;	/* disp8 */
		g.vm.mem[SVX_CODE + n + 1] = 0xf4;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		r.rip = SVX_CODE;
		r.rsi = MMIO_BASE;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_REGS,
					(unsigned long)&r));
		ASSERT_EQ(0, svxu_run(&g.vcpu));
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		if (g.run->exit_reason != KVM_EXIT_INTERNAL_ERROR ||
		    g.run->emulation_failure.suberror !=
		    KVM_INTERNAL_ERROR_EMULATION || r.rip != SVX_CODE) {
			TH_LOG("form %u (%02x %02x %02x): %s, rip %#llx", i,
			       forms[i][1], forms[i][2], forms[i][3],
			       svxu_exit_str(g.run),
			       (unsigned long long)r.rip);
			failed++;
		}
	}
	EXPECT_EQ(0, failed);
	svxu_guest_fini(&g);
}

/*
 * ljmp/lcall through MMIO to a TSS selector: KVM's emulator reads the far
 * pointer (one 6-byte KVM_EXIT_MMIO) and then does not emulate a task
 * switch (__load_segment_descriptor(): X86EMUL_UNHANDLEABLE for a system
 * descriptor): KVM_EXIT_INTERNAL_ERROR, RIP and CS unchanged.  The
 * device must do the same.
 */
TEST(mmio_far_unemulated)
{
	static const uint8_t code[2][3] = {
		{ 0xff, 0x6e, 0x10 },	/* ljmp *0x10(%rsi) */
		{ 0xff, 0x5e, 0x10 },	/* lcall *0x10(%rsi) */
	};
	uint8_t ptr[6] = { 0x00, 0x12, 0, 0, SVX_SEL_TSS, 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct svxu_guest g;
		struct kvm_sregs s;
		struct kvm_regs r;
		int e, reads = 0, k;

		e = svxu_guest_create(&g);
		ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(),
				       strerror(-e));
		ASSERT_EQ(0, svxu_setup_mode(&g.vcpu, SVXU_MODE_LONG64));
		memcpy(g.vm.mem + SVX_CODE, code[i], 3);
		g.vm.mem[SVX_CODE + 3] = 0xf4;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		r.rsi = MMIO_BASE;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_REGS,
					(unsigned long)&r));
		for (k = 0; k < 4; k++) {
			ASSERT_EQ(0, svxu_run(&g.vcpu));
			if (g.run->exit_reason != KVM_EXIT_MMIO ||
			    g.run->mmio.is_write || g.run->mmio.len != 6 ||
			    g.run->mmio.phys_addr != MMIO_BASE + 0x10)
				break;
			memcpy(g.run->mmio.data, ptr, 6);
			reads++;
		}
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_SREGS,
					(unsigned long)&s));
		TH_LOG("%s to a TSS through MMIO: %d reads, then %s, rip %#llx, cs %#x",
		       i ? "lcall" : "ljmp", reads, svxu_exit_str(g.run),
		       (unsigned long long)r.rip, s.cs.selector);
		EXPECT_EQ(1, reads);
		EXPECT_EQ(KVM_EXIT_INTERNAL_ERROR, g.run->exit_reason);
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION,
			  g.run->emulation_failure.suberror);
		EXPECT_EQ(SVX_CODE, r.rip);
		EXPECT_EQ(SVX_SEL_CS64, s.cs.selector);
		svxu_guest_fini(&g);
	}
}

/*
 * sgdt/sidt/fxsave/fxrstor on MMIO: KVM's emulator (6.1) writes and reads
 * their memory with write_std/read_std, which reach guest RAM only; on
 * MMIO they return X86EMUL_IO_NEEDED and x86_emulate_instruction()
 * resumes the guest with RIP unchanged: the guest runs the instruction
 * again, forever, with no exit to userspace (a signal ends KVM_RUN:
 * -EINTR, KVM_EXIT_INTR, RIP at the instruction, the device untouched).
 * fxsave/fxrstor in 64-bit code are not emulated at all (check_fxsr()):
 * KVM_EXIT_INTERNAL_ERROR.  The device must do the same.
 */
static void on_alarm(int sig)
{
	(void)sig;
}

TEST(mmio_no_progress)
{
	static const struct {
		const char *name;
		int mode;
		uint8_t code[5];
		int n;
		bool fails;
		bool umip;
	} c[] = {
		{ "sgdt umip", 8, { 0x0f, 0x01, 0x46, 0x10 }, 4, false, true },
		{ "sidt umip", 4, { 0x0f, 0x01, 0x4e, 0x10 }, 4, false, true },
		{ "sgdt", 8, { 0x0f, 0x01, 0x46, 0x10 }, 4, false, false },
		{ "sidt", 8, { 0x0f, 0x01, 0x4e, 0x10 }, 4, false, false },
		{ "fxsave", 8, { 0x0f, 0xae, 0x46, 0x10 }, 4, true, false },
		{ "fxrstor", 8, { 0x0f, 0xae, 0x4e, 0x10 }, 4, true, false },
		{ "sgdt", 4, { 0x0f, 0x01, 0x46, 0x10 }, 4, false, false },
		{ "sidt 66", 4, { 0x66, 0x0f, 0x01, 0x4e, 0x10 }, 5, false, false },
		{ "fxsave", 4, { 0x0f, 0xae, 0x46, 0x10 }, 4, false, false },
		{ "fxrstor", 4, { 0x0f, 0xae, 0x4e, 0x10 }, 4, false, false },
	};
	struct sigaction sa;
	unsigned int i;
	int bad = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN -EINTR */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct itimerval it = { .it_value.tv_usec = 50000 };
		struct itimerval off = { 0 };
		struct svxu_guest g;
		struct kvm_sregs s;
		struct kvm_regs r;
		int e, mmio = 0, k;
		bool ok;

		e = svxu_guest_create(&g);
		ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(),
				       strerror(-e));
		set_supported_cpuid(_metadata, &g);
		if (c[i].umip && !guest_umip) {
			TH_LOG("%s: no UMIP in the supported CPUID", c[i].name);
			svxu_guest_fini(&g);
			continue;
		}
		ASSERT_EQ(0, svxu_setup_mode(&g.vcpu, c[i].mode == 8 ?
					     SVXU_MODE_LONG64 :
					     SVXU_MODE_PM32));
		memcpy(g.vm.mem + SVX_CODE, c[i].code, c[i].n);
		g.vm.mem[SVX_CODE + c[i].n] = 0xf4;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_SREGS,
					(unsigned long)&s));
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		r.rip = SVX_CODE;
		r.rsi = c[i].mode == 8 ? MMIO_BASE + DATA_OFF : DATA_OFF;
		s.ds.base = MMIO_BASE;
		if (c[i].umip)
			s.cr4 |= 1ULL << 11;
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_SREGS,
					(unsigned long)&s));
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_SET_REGS,
					(unsigned long)&r));
		/*
		 * An instruction expected to fail may see the timer first on
		 * a slow kernel (the debug kernel's first KVM_RUN builds the
		 * shadow tables under KASAN): it gets 1 s, and is run again
		 * after -EINTR; the others must still be running at 50 ms.
		 */
		it.it_value.tv_sec = c[i].fails;
		it.it_value.tv_usec = c[i].fails ? 0 : 50000;
		for (k = 0; k < 8; k++) {
			ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
			e = svxu_run(&g.vcpu);
			setitimer(ITIMER_REAL, &off, NULL);
			if (e == -EINTR && c[i].fails)
				continue;
			if (e || g.run->exit_reason != KVM_EXIT_MMIO)
				break;
			mmio++;		/* answered with zeroes */
			memset(g.run->mmio.data, 0, sizeof(g.run->mmio.data));
		}
		ASSERT_EQ(0, svxu_ioctl(g.vcpu.fd, KVM_GET_REGS,
					(unsigned long)&r));
		if (c[i].fails)
			ok = !e && g.run->exit_reason ==
			     KVM_EXIT_INTERNAL_ERROR &&
			     g.run->emulation_failure.suberror ==
			     KVM_INTERNAL_ERROR_EMULATION;
		else
			ok = e == -EINTR &&
			     g.run->exit_reason == KVM_EXIT_INTR;
		ok = ok && !mmio && r.rip == SVX_CODE;
		TH_LOG("%s/%d on MMIO: KVM_RUN %d, %s, %d KVM_EXIT_MMIO, rip %#llx%s",
		       c[i].name, c[i].mode * 8, e, svxu_exit_str(g.run), mmio,
		       (unsigned long long)r.rip, ok ? "" : ": unexpected");
		bad += !ok;
		svxu_guest_fini(&g);
	}
	EXPECT_EQ(0, bad);
}

/*
 * An instruction the emulator cannot carry out on MMIO (fildl, which
 * KVM 6.1's emulator does not decode), as KVM's handle_emulation_failure():
 * #UD is queued for the guest; at CPL 0 KVM_RUN also ends with the
 * emulation failure, KVM_GET_VCPU_EVENTS shows the #UD (as injected: no
 * KVM_CAP_EXCEPTION_PAYLOAD) and the next KVM_RUN delivers it; at CPL 3 the
 * guest gets the #UD and KVM_RUN does not return (a guest application
 * cannot end its VM).  The 32-bit guest's #UD handler reports 0x60000 on
 * PORT_RESULT2 and skips the 3-byte fildl.
 */
#define EU_SEL_CS3	0x2b
#define EU_SEL_DS3	0x33
__asm__(
"	.pushsection .rodata.svx_mmio_guest, \"a\"\n"
"	.code32\n"
"	.globl guest_emulud_start, guest_emulud_end, guest_emulud_ud_off\n"
"	.balign 16\n"
"guest_emulud_start:\n"
"	movl	$" XSTR(MMIO_BASE) ", %esi\n"
"	fildl	8(%esi)\n"
"	movl	$0x1111, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	pushl	$" XSTR(EU_SEL_DS3) "\n"
"	pushl	$0x7800\n"
"	pushl	$0x3002\n"
"	pushl	$" XSTR(EU_SEL_CS3) "\n"
"	pushl	$(" XSTR(SVX_CODE) " + 1f - guest_emulud_start)\n"
"	iret\n"
"1:	movl	$" XSTR(EU_SEL_DS3) ", %eax\n"	/* IRET nulled DS */
"	movl	%eax, %ds\n"
"	fildl	8(%esi)\n"
"	movl	$0x3333, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"2:	jmp	2b\n"
"3:	movl	$0x60000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addl	$3, (%esp)\n"
"	iret\n"
"	.set	guest_emulud_ud_off, 3b - guest_emulud_start\n"
"guest_emulud_end:\n"
"	.code64\n"
"	.popsection\n");

TEST(mmio_emulation_failure_ud)
{
	extern const char guest_emulud_ud_off[];
	uint32_t ud = SVX_CODE + (uint32_t)(uintptr_t)guest_emulud_ud_off;
	struct kvm_vcpu_events ev;
	struct svxu_guest g;
	struct svxu_vcpu *v;
	struct kvm_sregs sr;
	uint32_t *gate, *tss;
	uint64_t *gdt;
	int e;

	e = svxu_guest_init(&g, SVX_GUEST(emulud), SVXU_MODE_PM32);
	ASSERT_EQ(0, e) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-e));
	v = &g.vcpu;
	gdt = (uint64_t *)(g.vm.mem + SVX_GDT);
	gdt[EU_SEL_CS3 >> 3] = 0x00cffa000000ffffULL;	/* code, DPL 3 */
	gdt[EU_SEL_DS3 >> 3] = 0x00cff2000000ffffULL;	/* data, DPL 3 */
	tss = (uint32_t *)(g.vm.mem + SVX_TSS);
	tss[1] = 0x7000;				/* ESP0 */
	tss[2] = SVX_SEL_DS;				/* SS0 */
	gate = (uint32_t *)(g.vm.mem + SVX_IDT + 6 * 8);
	gate[0] = (ud & 0xffff) | (SVX_SEL_CS32 << 16);
	gate[1] = (ud & 0xffff0000) | 0x8e00;		/* 32-bit int gate */
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.gdt.limit = EU_SEL_DS3 + 7;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));

	/* CPL 0: the failure exit, with #UD queued */
	ASSERT_EXIT(v, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, g.run->emulation_failure.suberror);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_VCPU_EVENTS, (unsigned long)&ev));
	EXPECT_EQ(1, ev.exception.injected);
	EXPECT_EQ(6, ev.exception.nr);
	EXPECT_EQ(0, ev.exception.has_error_code);
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);	/* delivered by the next run */
	ASSERT_OUT32(v, PORT_RESULT, 0x1111);
	/* CPL 3: the guest's #UD only */
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);
	ASSERT_OUT32(v, PORT_RESULT, 0x3333);
	svxu_guest_fini(&g);
}

TEST_HARNESS_MAIN
