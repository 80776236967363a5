// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO emulator (x86/emulate.c: svx_decode_rmw() + svx_x86_rmw_complete(),
 * the decoder and executor vCPU MMIO and page-table writes share) against
 * the host CPU: every instruction form of selftests/mmio_emul_test.c that
 * 64-bit user code can run (ALU with memory as destination or source, reg
 * and imm forms, test, inc/dec, neg/not, xchg, cmpxchg, cmpxchg8b, bt*,
 * setcc, movbe if the CPU has it, moves, movzx/movsx, LOCK, 66, 67, REX,
 * segment overrides) with random registers, arithmetic flags and memory,
 * run natively through a trampoline and emulated; registers, the flags the
 * instruction defines and memory must agree.  Plus decode cases of 16- and
 * 32-bit code (operand and address size) and of the emulation's effects.
 */
#include <string.h>
#include <sys/mman.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "harness.h"
#include "emulate.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define FL_CF	0x001
#define FL_PF	0x004
#define FL_AF	0x010
#define FL_ZF	0x040
#define FL_SF	0x080
#define FL_OF	0x800
#define FL_ALL	(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_LOGIC (FL_ALL & ~FL_AF)

/* The state the trampoline loads and stores: RAX..R15 (not RSP), RFLAGS. */
struct cpu_state {
	u64 regs[16];
	u64 rflags;
};

/*
 * run_native(state, code): load state, call code (the instruction and a
 * RET), store state.  RSP is not loaded; the forms do not use it.
 */
void run_native(struct cpu_state *s, void *code);
asm(".text\n"
	".globl run_native\n"
	"run_native:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n"
	"	push %r14\n	push %r15\n"
	"	push %rdi\n"			/* state */
	"	push %rsi\n"			/* code */
	"	pushq 128(%rdi)\n	popfq\n"
	"	mov 0(%rdi),%rax\n	mov 8(%rdi),%rcx\n	mov 16(%rdi),%rdx\n"
	"	mov 24(%rdi),%rbx\n	mov 40(%rdi),%rbp\n	mov 48(%rdi),%rsi\n"
	"	mov 64(%rdi),%r8\n	mov 72(%rdi),%r9\n	mov 80(%rdi),%r10\n"
	"	mov 88(%rdi),%r11\n	mov 96(%rdi),%r12\n	mov 104(%rdi),%r13\n"
	"	mov 112(%rdi),%r14\n	mov 120(%rdi),%r15\n	mov 56(%rdi),%rdi\n"
	"	call *(%rsp)\n"
	"	pushfq\n"
	"	xchg %rdi,16(%rsp)\n"		/* state; the guest's RDI saved */
	"	popq 128(%rdi)\n"
	"	mov %rax,0(%rdi)\n	mov %rcx,8(%rdi)\n	mov %rdx,16(%rdi)\n"
	"	mov %rbx,24(%rdi)\n	mov %rbp,40(%rdi)\n	mov %rsi,48(%rdi)\n"
	"	mov %r8,64(%rdi)\n	mov %r9,72(%rdi)\n	mov %r10,80(%rdi)\n"
	"	mov %r11,88(%rdi)\n	mov %r12,96(%rdi)\n	mov %r13,104(%rdi)\n"
	"	mov %r14,112(%rdi)\n	mov %r15,120(%rdi)\n"
	"	pop %rax\n"			/* code */
	"	pop %rax\n	mov %rax,56(%rdi)\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n"
	"	pop %rbp\n	pop %rbx\n"
	"	ret\n");

enum kind { K_PLAIN, K_BTREG, K_CMPXCHG, K_CMPXCHG8B };

struct form {
	u8 code[16];
	int len, size, disp, reg;
	u64 fmask;
	enum kind kind;
};

static struct rng rng;

/* [pfx] [REX] op ModRM(/ext or a random register, [rsi+disp8]) disp8 imm */
static void mk(struct form *f, const u8 *pfx, int npfx, int rex,
	       const u8 *op, int nop, int ext, int imm_len, int size,
	       u64 fmask, enum kind kind)
{
	int n = 0, i;

	memset(f, 0, sizeof(*f));
	f->size = size;
	f->fmask = fmask;
	f->kind = kind;
	f->reg = -1;
	memcpy(f->code, pfx, npfx);
	n = npfx;
	if (ext < 0) {
		int reg;

		do {	/* not RSP (the trampoline's), not RSI (the base) */
			reg = rng_below(&rng, 8);
		} while (reg == 4 || reg == 6);
		if (rng_next(&rng) & 1)
			rex |= 0x44;
		f->reg = reg | ((rex & 4) ? 8 : 0);
		ext = reg;
		if (size == 1 && !rex && reg >= 4)
			f->reg = -1;		/* AH..BH */
	}
	if (rex)
		f->code[n++] = 0x40 | rex;
	memcpy(f->code + n, op, nop);
	n += nop;
	f->disp = rng_below(&rng, 0x30);
	f->code[n++] = 0x40 | ext << 3 | 6;
	f->code[n++] = f->disp;
	for (i = 0; i < imm_len; i++)
		f->code[n++] = rng_next(&rng);
	f->code[n++] = 0xc3;		/* ret */
	f->len = n;
}

/* A random form of the list: what mmio_emul_test.c runs in 64-bit code. */
static void random_form(struct form *f, bool movbe)
{
	static const u64 alu_fl[8] = {
		FL_ALL, FL_LOGIC, FL_ALL, FL_ALL, FL_LOGIC, FL_ALL, FL_LOGIC,
		FL_ALL
	};
	/* not FS/GS: their bases are the process's TLS here */
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e };
	u8 pfx[4], op[3];
	int npfx = 0, rex = 0, size, k, sub = rng_below(&rng, 8);
	int osz = rng_below(&rng, 4);	/* byte, 16, 32, 64 */
	bool byte;

	size = osz == 0 ? 1 : osz == 1 ? 2 : osz == 2 ? 4 : 8;
	if (osz == 1)
		pfx[npfx++] = 0x66;
	if (osz == 3)
		rex = 0x48;
	if (!(rng_next(&rng) % 8))
		pfx[npfx++] = segs[rng_below(&rng, sizeof(segs))];
	if (!(rng_next(&rng) % 8))
		pfx[npfx++] = 0x67;
	byte = size == 1;
	k = rng_below(&rng, movbe ? 16 : 15);
	switch (k) {
	case 0:		/* op r/m, r */
	case 1:		/* op r, r/m */
		op[0] = sub << 3 | (k ? 2 : 0) | !byte;
		if (!(rng_next(&rng) % 4) && k == 0 && sub != 7)
			pfx[npfx++] = 0xf0;
		mk(f, pfx, npfx, rex, op, 1, -1, 0, size, alu_fl[sub], K_PLAIN);
		return;
	case 2:		/* op r/m, imm */
		op[0] = byte ? 0x80 : (rng_next(&rng) & 1) ? 0x81 : 0x83;
		mk(f, pfx, npfx, rex, op, 1, sub, op[0] == 0x81 ?
		   (size == 2 ? 2 : 4) : 1, size, alu_fl[sub], K_PLAIN);
		return;
	case 3:		/* test r/m, r / imm */
		op[0] = 0x84 | !byte;
		if (rng_next(&rng) & 1)
			mk(f, pfx, npfx, rex, op, 1, -1, 0, size, FL_LOGIC,
			   K_PLAIN);
		else
			mk(f, pfx, npfx, rex, (u8[]){ 0xf6 | !byte }, 1, 0,
			   byte ? 1 : size == 2 ? 2 : 4, size, FL_LOGIC,
			   K_PLAIN);
		return;
	case 4:		/* not, neg */
		op[0] = 0xf6 | !byte;
		mk(f, pfx, npfx, rex, op, 1, 2 + (sub & 1), 0, size, FL_ALL,
		   K_PLAIN);
		return;
	case 5:		/* inc, dec */
		op[0] = 0xfe | !byte;
		mk(f, pfx, npfx, rex, op, 1, sub & 1, 0, size, FL_ALL, K_PLAIN);
		return;
	case 6:		/* xchg */
		op[0] = 0x86 | !byte;
		mk(f, pfx, npfx, rex, op, 1, -1, 0, size, FL_ALL, K_PLAIN);
		return;
	case 7:		/* mov m,r; mov r,m; mov m,imm */
		if (sub < 3) {
			op[0] = 0x88 | !byte | (sub ? 2 : 0);
			mk(f, pfx, npfx, rex, op, 1, -1, 0, size, FL_ALL,
			   K_PLAIN);
		} else {
			op[0] = 0xc6 | !byte;
			mk(f, pfx, npfx, rex, op, 1, 0,
			   byte ? 1 : size == 2 ? 2 : 4, size, FL_ALL, K_PLAIN);
		}
		return;
	case 8:		/* cmpxchg */
		op[0] = 0x0f;
		op[1] = 0xb0 | !byte;
		if (rng_next(&rng) & 1)
			pfx[npfx++] = 0xf0;
		mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_ALL, K_CMPXCHG);
		return;
	case 9:		/* cmpxchg8b */
		op[0] = 0x0f;
		op[1] = 0xc7;
		mk(f, (u8[]){ 0xf0 }, rng_next(&rng) & 1, 0, op, 2, 1, 0, 8,
		   FL_ALL, K_CMPXCHG8B);
		return;
	case 10:	/* bt* r */
	case 11:	/* bt* imm8 */
		if (byte)
			size = 4;
		op[0] = 0x0f;
		op[1] = k == 10 ? 0xa3 + (sub & 3) * 8 : 0xba;
		if (k == 10)
			mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_CF,
			   K_BTREG);
		else
			mk(f, pfx, npfx, rex, op, 2, 4 + (sub & 3), 1, size,
			   FL_CF, K_PLAIN);
		return;
	case 12:	/* setcc */
		op[0] = 0x0f;
		op[1] = 0x90 | rng_below(&rng, 16);
		mk(f, pfx, npfx, 0, op, 2, 0, 0, 1, FL_ALL, K_PLAIN);
		return;
	case 13:	/* movzx/movsx */
		op[0] = 0x0f;
		op[1] = 0xb6 | (sub & 1) | ((sub & 2) ? 8 : 0);
		if (byte)
			rex = 0;
		mk(f, pfx, npfx, rex, op, 2, -1, 0, (sub & 1) ? 2 : 1,
		   FL_ALL, K_PLAIN);
		return;
	default:	/* movbe */
		if (byte)
			rex = 0x48;
		op[0] = 0x0f;
		op[1] = 0x38;
		op[2] = 0xf0 | (sub & 1);
		mk(f, pfx, npfx, rex, op, 3, -1, 0, rex & 8 ? 8 :
		   osz == 1 ? 2 : 4, FL_ALL, K_PLAIN);
		return;
	}
}

/* The emulator's host: memory reads never happen here (old is given). */
static const struct svx_x86_ops no_ops;

TAP_SUITE(mmio)
{
	unsigned int a = 1, b, c = 0, d, i, n = 0, bad = 0, dec_fail = 0;
	bool movbe;
	/* Below 4 GiB: 67 forms address [esi+disp8]. */
	u8 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	u8 *mem_cpu = code + 2048, mem_emu[64];

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	movbe = c & (1U << 22);
	rng.s = tap_seed() ^ 0x3103;
	tap_ok(code != MAP_FAILED, "mmio: an executable page for the CPU");
	if (code == MAP_FAILED)
		return;
	for (i = 0; i < 100000; i++) {
		struct cpu_state cpu, emu;
		struct svx_x86_emu e;
		struct svx_rmw rmw;
		struct form f;
		u64 old = 0, new = 0;
		unsigned int j;
		bool w;

		random_form(&f, movbe);
		for (j = 0; j < 16; j++)
			cpu.regs[j] = rng_next(&rng);
		cpu.rflags = 0x202 | (rng_next(&rng) & FL_ALL);
		for (j = 0; j < sizeof(mem_emu); j++)
			mem_cpu[j] = rng_next(&rng);
		memcpy(&old, mem_cpu + f.disp, f.size);
		if (f.kind == K_BTREG && f.reg >= 0)
			cpu.regs[f.reg] = rng_below(&rng, f.size * 8);
		if (f.kind == K_CMPXCHG && (rng_next(&rng) & 1))
			memcpy(&cpu.regs[0], &old, f.size);
		if (f.kind == K_CMPXCHG8B && (rng_next(&rng) & 1)) {
			cpu.regs[0] = (u32)old;
			cpu.regs[2] = old >> 32;
		}
		cpu.regs[6] = (uintptr_t)mem_cpu;
		emu = cpu;
		memcpy(mem_emu, mem_cpu, sizeof(mem_emu));
		memcpy(code, f.code, f.len);
		run_native(&cpu, code);

		n++;
		memset(&e, 0, sizeof(e));
		e.ops = &no_ops;
		e.mode = 8;
		e.regs = (unsigned long *)emu.regs;
		e.rflags = (unsigned long *)&emu.rflags;
		if (svx_decode_rmw(f.code, f.len - 1, 8, &rmw) ||
		    rmw.size != f.size) {
			if (dec_fail++ < 5)
				tap_diag("  not decoded: %02x %02x %02x %02x %02x",
					 f.code[0], f.code[1], f.code[2],
					 f.code[3], f.code[4]);
			bad++;
			continue;
		}
		memcpy(&old, mem_emu + f.disp, f.size);
		w = svx_x86_rmw_complete(&e, &rmw, old, &new);
		if (w)
			memcpy(mem_emu + f.disp, &new, f.size);
		for (j = 0; j < 16; j++)
			if (cpu.regs[j] != emu.regs[j] && j != 4)
				break;
		if (j < 16 || ((cpu.rflags ^ emu.rflags) & f.fmask) ||
		    memcmp(mem_cpu, mem_emu, sizeof(mem_emu)) ||
		    e.len != f.len - 1) {
			if (bad++ < 8)
				tap_diag("  mismatch %02x %02x %02x %02x %02x %02x: reg %u cpu %#llx emu %#llx, flags cpu %#llx emu %#llx mask %#llx, len %u",
					 f.code[0], f.code[1], f.code[2],
					 f.code[3], f.code[4], f.code[5], j,
					 j < 16 ? (unsigned long long)cpu.regs[j] : 0,
					 j < 16 ? (unsigned long long)emu.regs[j] : 0,
					 (unsigned long long)cpu.rflags,
					 (unsigned long long)emu.rflags,
					 (unsigned long long)f.fmask, e.len);
		}
	}
	munmap(code, 4096);
	tap_diag("mmio-vs-cpu: %u forms run, %u mismatches (movbe %s)", n, bad,
		 movbe ? "included" : "not on this CPU");
	tap_eq(bad, 0, "mmio: emulated forms agree with the CPU (%u cases)", n);
}

/* Decoding in 16- and 32-bit code: operand and address sizes. */
static const struct {
	const char *text;
	int mode;
	u8 bytes[15];
	u8 n;
	int ret;
	u8 len, op, size, reg, to_reg, mem_read, mem_write;
} mcases[] = {
#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })
	{ "or %ax,(%bx) [16]",        2, B(0x09, 0x07), 0, 2, SVX_RMW_OR, 2, 0, 0, 1, 1 },
	{ "or %eax,(%bx) [16]",       2, B(0x66, 0x09, 0x07), 0, 3, SVX_RMW_OR, 4, 0, 0, 1, 1 },
	{ "or %eax,(%ebx) [16]",      2, B(0x66, 0x67, 0x09, 0x03), 0, 4, SVX_RMW_OR, 4, 0, 0, 1, 1 },
	{ "add 0x1234,%cx [16]",      2, B(0x03, 0x0e, 0x34, 0x12), 0, 4, SVX_RMW_ADD, 2, 1, 1, 1, 0 },
	{ "addw $1,0x10(%bp,%si) [16]", 2, B(0x83, 0x42, 0x10, 0x01), 0, 4, SVX_RMW_ADD, 2, 0, 0, 1, 1 },
	{ "cmp (%bx,%si),%dl [32]",   4, B(0x67, 0x3a, 0x10), 0, 3, SVX_RMW_CMP, 1, 2, 1, 1, 0 },
	{ "or %eax,0x1000(%ebx) [32]", 4, B(0x09, 0x83, 0x00, 0x10, 0, 0), 0, 6, SVX_RMW_OR, 4, 0, 0, 1, 1 },
	{ "or %eax,0x1000(%r12) [64]", 8, B(0x41, 0x09, 0x84, 0x24, 0x00, 0x10, 0, 0), 0, 8, SVX_RMW_OR, 4, 0, 0, 1, 1 },
	{ "test $0x80,(%rdi)",        8, B(0xf6, 0x07, 0x80), 0, 3, SVX_RMW_TEST, 1, 0, 0, 1, 0 },
	{ "incl (%rdi)",              8, B(0xff, 0x07), 0, 2, SVX_RMW_INC, 4, 0, 0, 1, 1 },
	{ "negq (%rdi)",              8, B(0x48, 0xf7, 0x1f), 0, 3, SVX_RMW_NEG, 8, 0, 0, 1, 1 },
	{ "sete (%rdi)",              8, B(0x0f, 0x94, 0x07), 0, 3, SVX_RMW_SETCC, 1, 0, 0, 0, 1 },
	{ "bt %eax,(%rdi)",           8, B(0x0f, 0xa3, 0x07), 0, 3, SVX_RMW_BT, 4, 0, 0, 1, 0 },
	{ "movbe (%rdi),%ecx",        8, B(0x0f, 0x38, 0xf0, 0x0f), 0, 4, SVX_RMW_MOVBE, 4, 1, 1, 1, 0 },
	{ "movbe %cx,(%rdi)",         8, B(0x66, 0x0f, 0x38, 0xf1, 0x0f), 0, 5, SVX_RMW_MOVBE, 2, 1, 0, 0, 1 },
	{ "movzbl (%rdi),%esi",       8, B(0x0f, 0xb6, 0x37), 0, 3, SVX_RMW_LOAD, 1, 6, 1, 1, 0 },
	{ "mov 0x12345678,%eax [32]", 4, B(0xa1, 0x78, 0x56, 0x34, 0x12), 0, 5, SVX_RMW_LOAD, 4, 0, 1, 1, 0 },
	{ "mov %al,0x1234 [16]",      2, B(0xa2, 0x34, 0x12), 0, 3, SVX_RMW_MOV, 1, 0, 0, 0, 1 },
	{ "mul (%rdi)",               8, B(0xf7, 0x27), -EINVAL },
	{ "crc32 (%rdi),%eax",        8, B(0xf2, 0x0f, 0x38, 0xf1, 0x07), -EINVAL },
	{ "or %eax,%ebx",             8, B(0x09, 0xc3), -EINVAL },
	{ "incl (%bx) truncated [16]", 2, B(0x66, 0xff, 0x06, 0x34), -EINVAL },
	{ "mode 3",                   3, B(0x09, 0x07), -EINVAL },
#undef B
};

TAP_SUITE(mmio_decode)
{
	struct svx_rmw r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mcases); i++) {
		int ret = svx_decode_rmw(mcases[i].bytes, mcases[i].n,
					 mcases[i].mode, &r);

		tap_ok(ret == mcases[i].ret &&
		       (ret || (r.len == mcases[i].len &&
				r.op == mcases[i].op &&
				r.size == mcases[i].size &&
				(r.has_imm || r.reg == mcases[i].reg) &&
				r.to_reg == mcases[i].to_reg &&
				r.mem_read == mcases[i].mem_read &&
				r.mem_write == mcases[i].mem_write)),
		       "decode_rmw: %s", mcases[i].text);
	}
}
