// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO emulator (x86/: svx_decode_rmw() + svx_x86_rmw_complete(),
 * the decoder and executor vCPU MMIO and page-table writes share) against
 * the host CPU: every instruction form of selftests/mmio_emul_test.c that
 * 64-bit user code can run (ALU with memory as destination or source, reg
 * and imm forms, test, inc/dec, neg/not, xchg, cmpxchg, cmpxchg8b, bt*,
 * setcc, movbe if the CPU has it, moves, movzx/movsx, mul/imul/div/idiv
 * (#DE: SIGFPE on the CPU), shifts and rotates, shld/shrd, bsf/bsr, bt*
 * register offsets beyond the operand, LOCK, 66, 67, REX,
 * segment overrides; xlat, tzcnt/lzcnt as KVM's bsf/bsr, fnstcw/fnstsw)
 * with random registers, arithmetic flags and memory,
 * run natively through a trampoline and emulated; registers, the flags the
 * instruction defines and memory must agree.  Plus decode cases of 16- and
 * 32-bit code (operand and address size) and of the emulation's effects.
 */
#include <setjmp.h>
#include <signal.h>
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

enum kind { K_PLAIN, K_BTREG, K_CMPXCHG, K_CMPXCHG8B, K_DIV, K_BSX };

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
	k = rng_below(&rng, movbe ? 23 : 21);
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
	case 14:	/* xadd */
		op[0] = 0x0f;
		op[1] = 0xc0 | !byte;
		if (rng_next(&rng) & 1)
			pfx[npfx++] = 0xf0;
		mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_ALL, K_PLAIN);
		return;
	case 15:	/* cmovcc */
		if (byte)
			size = 4;
		op[0] = 0x0f;
		op[1] = 0x40 | rng_below(&rng, 16);
		mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_ALL, K_PLAIN);
		return;
	case 16:	/* imul r, r/m; imul r, r/m, imm */
		if (byte)
			size = 4;
		op[0] = 0x0f;
		op[1] = 0xaf;
		if (sub < 3)
			mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_CF | FL_OF,
			   K_PLAIN);
		else
			mk(f, pfx, npfx, rex, (u8[]){ sub & 1 ? 0x6b : 0x69 }, 1,
			   -1, sub & 1 ? 1 : size == 2 ? 2 : 4, size,
			   FL_CF | FL_OF, K_PLAIN);
		return;
	case 17:	/* mul/imul/div/idiv r/m */
		op[0] = 0xf6 | !byte;
		mk(f, pfx, npfx, rex, op, 1, 4 + (sub & 3), 0, size, FL_ALL,
		   (sub & 2) ? K_DIV : K_PLAIN);
		return;
	case 18:	/* shifts and rotates: imm8, 1, CL */
		op[0] = (sub & 3) == 0 ? 0xc0 : (sub & 3) == 1 ? 0xd0 : 0xd2;
		op[0] |= !byte;
		mk(f, pfx, npfx, rex, op, 1, rng_below(&rng, 8),
		   (sub & 3) == 0, size, FL_ALL, K_PLAIN);
		return;
	case 19:	/* shld/shrd imm8, CL */
		if (byte)
			size = 4;
		op[0] = 0x0f;
		op[1] = 0xa4 | (sub & 1) | ((sub & 2) ? 8 : 0);
		mk(f, pfx, npfx, rex, op, 2, -1, !(sub & 1), size, FL_ALL,
		   K_PLAIN);
		return;
	case 20:	/* bsf/bsr */
		if (byte)
			size = 4;
		op[0] = 0x0f;
		op[1] = 0xbc | (sub & 1);
		mk(f, pfx, npfx, rex, op, 2, -1, 0, size, FL_ALL, K_BSX);
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

/* A division of the CPU's that faults: SIGFPE back to the test. */
static sigjmp_buf de_jmp;

static void on_sigfpe(int sig)
{
	(void)sig;
	siglongjmp(de_jmp, 1);
}

/* run_native(); true if the instruction faulted with #DE */
static bool run_guarded(struct cpu_state *s, void *code)
{
	if (sigsetjmp(de_jmp, 1))
		return true;
	run_native(s, code);
	return false;
}

/* The emulator's host: memory reads never happen here (old is given). */
static const struct svx_x86_ops no_ops;

TAP_SUITE(mmio)
{
	unsigned int a = 1, b, c = 0, d, i, n = 0, bad = 0, dec_fail = 0;
	unsigned int des = 0;
	struct sigaction sa = { .sa_handler = on_sigfpe }, osa;
	bool movbe;
	/* Below 4 GiB: 67 forms address [esi+disp8]. */
	u8 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	u8 *mem_cpu = code + 2048, mem_emu[64];

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	movbe = c & (1U << 22);
	rng = rng_seeded(tap_seed() ^ 0x3103);
	sigaction(SIGFPE, &sa, &osa);
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
		s64 bd;
		bool w, cpu_de;

		random_form(&f, movbe);
		for (j = 0; j < 16; j++)
			cpu.regs[j] = rng_next(&rng);
		cpu.rflags = 0x202 | (rng_next(&rng) & FL_ALL);
		for (j = 0; j < sizeof(mem_emu); j++)
			mem_cpu[j] = rng_next(&rng);
		memcpy(&old, mem_cpu + f.disp, f.size);
		if (f.kind == K_BTREG && f.reg >= 0) {
			/* inside the operand, or another element of the window */
			int lo = -(f.disp / f.size);
			int hi = (64 - f.size - f.disp) / f.size;
			s64 off = rng_below(&rng, f.size * 8);
			u64 m = f.size == 8 ? ~0ULL : (1ULL << (f.size * 8)) - 1;

			if (rng_next(&rng) & 1)
				off += (s64)(lo + (int)rng_below(&rng, hi - lo + 1)) *
				       f.size * 8;
			cpu.regs[f.reg] = (cpu.regs[f.reg] & ~m) | ((u64)off & m);
		}
		if (f.kind == K_DIV && (rng_next(&rng) & 1)) {
			/* a quotient that fits, mostly: rDX (AH) from rAX */
			bool sgn = (f.code[f.len - 3] & 0x38) == 0x38;
			u64 sx = sgn && (cpu.regs[0] >> (f.size * 8 - 1) & 1) ?
				 ~0ULL : 0;

			if (f.size == 1)
				cpu.regs[0] = (cpu.regs[0] & ~0xff00ULL) |
					      (sx & 0xff00);
			else
				cpu.regs[2] = sx;
		}
		if (f.kind == K_BSX && !(rng_next(&rng) % 4))
			memset(mem_cpu + f.disp, 0, f.size);
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
		cpu_de = run_guarded(&cpu, code);

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
		bd = svx_rmw_bit_disp(&e, &rmw);
		memcpy(&old, mem_emu + f.disp + bd, f.size);
		w = svx_x86_rmw_complete(&e, &rmw, old, &new);
		if (e.de != cpu_de) {
			if (bad++ < 8)
				tap_diag("  #DE cpu %d emu %d: %02x %02x %02x %02x",
					 cpu_de, e.de, f.code[0], f.code[1],
					 f.code[2], f.code[3]);
			continue;
		}
		if (cpu_de) {
			des++;
			continue;	/* the CPU's state is the handler's */
		}
		if (w)
			memcpy(mem_emu + f.disp + bd, &new, f.size);
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
	sigaction(SIGFPE, &osa, NULL);
	tap_ok(des > 0, "mmio: some divisions fault (#DE) on the CPU and in the emulator");
	tap_diag("mmio-vs-cpu: %u forms run, %u mismatches, %u #DE (movbe %s)",
		 n, bad, des, movbe ? "included" : "not on this CPU");
	tap_eq(bad, 0, "mmio: emulated forms agree with the CPU (%u cases)", n);
}

static void idiv_diag(unsigned int bad, unsigned int bits, s64 div,
		      bool cpu_de, u64 cpu_rax, bool emu_de, u64 emu_rax)
{
	if (bad < 8)
		tap_diag("  idiv.%u by %lld: cpu #DE %d rax %#llx, emu #DE %d rax %#llx",
			 bits, (long long)div, cpu_de,
			 (unsigned long long)cpu_rax, emu_de,
			 (unsigned long long)emu_rax);
}

/*
 * idiv at the edges of its quotient (2^(n-1) - 1, -2^(n-1), one beyond
 * each): #DE on the CPU exactly when the emulator says so, and the same
 * quotient and remainder otherwise.
 */
TAP_SUITE(mmio_idiv_edges)
{
	static const s64 divs[] = { 1, -1, 2, -2, 3, -3, 7, -100 };
	u8 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	struct sigaction sa = { .sa_handler = on_sigfpe }, osa;
	unsigned int si, di, qi, n = 0, bad = 0, des = 0;
	u8 *mem = code + 2048;

	tap_ok(code != MAP_FAILED, "idiv edges: an executable page");
	if (code == MAP_FAILED)
		return;
	sigaction(SIGFPE, &sa, &osa);
	for (si = 0; si < 4; si++) {
		unsigned int size = 1U << si, bits = size * 8, k = 0;
		__int128 half = (__int128)1 << (bits - 1);
		__int128 qs[6] = { half - 1, half, -half, -half - 1, 0, 1 };

		if (size == 2)
			code[k++] = 0x66;
		if (size == 8)
			code[k++] = 0x48;
		code[k++] = size == 1 ? 0xf6 : 0xf7;
		code[k++] = 0x3e;		/* idiv (%rsi) */
		code[k++] = 0xc3;
		for (di = 0; di < ARRAY_SIZE(divs); di++) {
			for (qi = 0; qi < 6; qi++) {
				__int128 dv = (__int128)qs[qi] * divs[di] +
					      (qi & 1 ? divs[di] / 2 : 0);
				__uint128_t u = (__uint128_t)dv;
				struct cpu_state cpu, emu;
				struct svx_x86_emu e;
				struct svx_rmw rmw;
				u64 nw = 0, src = (u64)divs[di];
				bool de;

				memset(&cpu, 0, sizeof(cpu));
				cpu.rflags = 0x202;
				if (size == 1) {
					cpu.regs[0] = (u64)u & 0xffff;
				} else {
					u64 m = size == 8 ? ~0ULL :
						(1ULL << bits) - 1;

					cpu.regs[0] = (u64)u & m;
					cpu.regs[2] = (u64)(u >> bits) & m;
				}
				cpu.regs[6] = (uintptr_t)mem;
				memcpy(mem, &src, 8);
				emu = cpu;
				de = run_guarded(&cpu, code);
				memset(&e, 0, sizeof(e));
				e.ops = &no_ops;
				e.mode = 8;
				e.regs = (unsigned long *)emu.regs;
				e.rflags = (unsigned long *)&emu.rflags;
				n++;
				if (svx_decode_rmw(code, k - 1, 8, &rmw)) {
					bad++;
					continue;
				}
				svx_x86_rmw_complete(&e, &rmw, src, &nw);
				des += de;
				if (e.de != de ||
				    (!de && (emu.regs[0] != cpu.regs[0] ||
					     emu.regs[2] != cpu.regs[2])))
					idiv_diag(bad++, bits, divs[di], de,
						  cpu.regs[0], e.de, emu.regs[0]);
			}
		}
	}
	sigaction(SIGFPE, &osa, NULL);
	munmap(code, 4096);
	tap_diag("idiv edges: %u cases, %u #DE", n, des);
	tap_eq(bad, 0, "idiv edges: #DE and results as the CPU (%u cases)", n);
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
	{ "push 8(%rsi)",             8, B(0xff, 0x76, 0x08), 0, 3, SVX_RMW_PUSH, 8, 0, 0, 1, 0 },
	{ "pushw 8(%rsi)",     8, B(0x66, 0xff, 0x76, 0x08), 0, 4, SVX_RMW_PUSH, 2, 0, 0, 1, 0 },
	{ "pushl 8(%rsi) [32]",       4, B(0xff, 0x76, 0x08), 0, 3, SVX_RMW_PUSH, 4, 0, 0, 1, 0 },
	{ "pop 8(%si) [16]",          2, B(0x8f, 0x44, 0x08), 0, 3, SVX_RMW_POP, 2, 0, 0, 0, 1 },
	{ "popl 8(%si) [16]",  2, B(0x66, 0x8f, 0x44, 0x08), 0, 4, SVX_RMW_POP, 4, 0, 0, 0, 1 },
	{ "pop /1",                   8, B(0x8f, 0x4e, 0x08), -EINVAL },
	{ "mull (%rdi)",              8, B(0xf7, 0x27), 0, 2, SVX_RMW_MUL, 4, 0, 0, 1, 0 },
	{ "idivb 8(%rsi)",            8, B(0xf6, 0x7e, 0x08), 0, 3, SVX_RMW_IDIV, 1, 0, 0, 1, 0 },
	{ "shll $3,(%rdi)",           8, B(0xc1, 0x27, 0x03), 0, 3, SVX_RMW_SHIFT, 4, 0, 0, 1, 1 },
	{ "rcrw %cl,(%bx) [16]",      2, B(0xd3, 0x1f), 0, 2, SVX_RMW_SHIFT, 2, 0, 0, 1, 1 },
	{ "sarb (%rdi)",              8, B(0xd0, 0x3f), 0, 2, SVX_RMW_SHIFT, 1, 0, 0, 1, 1 },
	{ "shld $4,%ecx,(%rdi)", 8, B(0x0f, 0xa4, 0x0f, 0x04), 0, 4, SVX_RMW_SHLD, 4, 1, 0, 1, 1 },
	{ "shrd %cl,%r9,(%rdi)", 8, B(0x4c, 0x0f, 0xad, 0x0f), 0, 4, SVX_RMW_SHRD, 8, 9, 0, 1, 1 },
	{ "bsf (%rdi),%edx",          8, B(0x0f, 0xbc, 0x17), 0, 3, SVX_RMW_BSF, 4, 2, 1, 1, 0 },
	{ "bsr (%bx),%ax [16]",       2, B(0x0f, 0xbd, 0x07), 0, 3, SVX_RMW_BSR, 2, 0, 1, 1, 0 },
	{ "movsxd (%rdi),%rdx",       8, B(0x48, 0x63, 0x17), 0, 3, SVX_RMW_LOAD, 4, 2, 1, 1, 0 },
	{ "movsxd (%rdi),%dx",        8, B(0x66, 0x63, 0x17), 0, 3, SVX_RMW_LOAD, 4, 2, 1, 1, 0 },
	{ "arpl [32]",                4, B(0x63, 0x17), -EINVAL },
	{ "tzcnt: KVM's bsf",         8, B(0xf3, 0x0f, 0xbc, 0x07), 0, 4, SVX_RMW_BSF, 4, 0, 1, 1, 0 },
	{ "lzcnt (%bx),%ax: bsr [16]", 2, B(0xf3, 0x0f, 0xbd, 0x07), 0, 4, SVX_RMW_BSR, 2, 0, 1, 1, 0 },
	{ "f2 0f bc: bsf",            8, B(0xf2, 0x48, 0x0f, 0xbc, 0x07), 0, 5, SVX_RMW_BSF, 8, 0, 1, 1, 0 },
	{ "f3 add: none",             8, B(0xf3, 0x01, 0x07), -EINVAL },
	{ "xlat",                     8, B(0xd7), 0, 1, SVX_RMW_XLAT, 1, 0, 1, 1, 0 },
	{ "xlat %fs: 67 [16]",        2, B(0x64, 0x67, 0xd7), 0, 3, SVX_RMW_XLAT, 1, 0, 1, 1, 0 },
	{ "fnstcw (%rdi)",            8, B(0xd9, 0x3f), 0, 2, SVX_RMW_STORE_SYS, 2, 0, 0, 0, 1 },
	{ "fnstsw 8(%si) [16]",       2, B(0xdd, 0x7c, 0x08), 0, 3, SVX_RMW_STORE_SYS, 2, 0, 0, 0, 1 },
	{ "fnstenv: none",            8, B(0xd9, 0x37), -EINVAL },
	{ "fcos: no memory",          8, B(0xd9, 0xff), -EINVAL },
	{ "smsw (%rdi)",              8, B(0x48, 0x0f, 0x01, 0x27), 0, 4, SVX_RMW_STORE_SYS, 2, 0, 0, 0, 1 },
	{ "sldt (%rdi): 4 read (KVM)", 8, B(0x0f, 0x00, 0x07), 0, 3, SVX_RMW_STORE_SYS, 4, 0, 0, 1, 1 },
	{ "sldt (%rdi) REX.W: 8 (KVM)", 8, B(0x48, 0x0f, 0x00, 0x07), 0, 4, SVX_RMW_STORE_SYS, 8, 0, 0, 1, 1 },
	{ "str (%eax) 66 [32]",       4, B(0x66, 0x0f, 0x00, 0x08), 0, 4, SVX_RMW_STORE_SYS, 2, 0, 0, 1, 1 },
	{ "str (%bx) 66 [16]: 4 read", 2, B(0x66, 0x0f, 0x00, 0x0f), 0, 4, SVX_RMW_STORE_SYS, 4, 0, 0, 1, 1 },
	{ "lldt: none",               8, B(0x0f, 0x00, 0x17), -EINVAL },
	{ "sgdt: none",               8, B(0x0f, 0x01, 0x07), -EINVAL },
	{ "call *(%rdi)",             8, B(0xff, 0x17), 0, 2, SVX_RMW_CALL, 8, 0, 0, 1, 0 },
	{ "callw *(%rdi): 64 (KVM)",  8, B(0x66, 0xff, 0x17), 0, 3, SVX_RMW_CALL, 8, 0, 0, 1, 0 },
	{ "jmp *8(%esi) [32]",        4, B(0xff, 0x66, 0x08), 0, 3, SVX_RMW_JMP, 4, 0, 0, 1, 0 },
	{ "jmp *(%bx) 66 [16]",       2, B(0x66, 0xff, 0x27), 0, 3, SVX_RMW_JMP, 4, 0, 0, 1, 0 },
	{ "lfs (%rdi),%eax: 6 bytes", 8, B(0x0f, 0xb4, 0x07), 0, 3, SVX_RMW_LSEG, 6, 0, 1, 1, 0 },
	{ "lgs (%rdi),%r9: 10 bytes", 8, B(0x4c, 0x0f, 0xb5, 0x0f), 0, 4, SVX_RMW_LSEG, 10, 9, 1, 1, 0 },
	{ "lss (%bx),%sp [16]",       2, B(0x0f, 0xb2, 0x27), 0, 3, SVX_RMW_LSEG, 4, 4, 1, 1, 0 },
	{ "les 8(%esi),%ecx [32]",    4, B(0xc4, 0x4e, 0x08), 0, 3, SVX_RMW_LSEG, 6, 1, 1, 1, 0 },
	{ "lds (%bx),%dx 66 [32]: 4", 4, B(0x66, 0x67, 0xc5, 0x17), 0, 4, SVX_RMW_LSEG, 4, 2, 1, 1, 0 },
	{ "c4 in 64-bit code: VEX",   8, B(0xc4, 0x4e, 0x08), -EINVAL },
	{ "lfs register form: none",  8, B(0x0f, 0xb4, 0xc0), -EINVAL },
	{ "ljmp *(%rdi): m16:32",     8, B(0xff, 0x2f), 0, 2, SVX_RMW_JMPF, 6, 0, 0, 1, 0 },
	{ "lcall *(%rdi) REX.W",      8, B(0x48, 0xff, 0x1f), 0, 3, SVX_RMW_CALLF, 10, 0, 0, 1, 0 },
	{ "lcall *(%bx) [16]",        2, B(0xff, 0x1f), 0, 2, SVX_RMW_CALLF, 4, 0, 0, 1, 0 },
	{ "ljmp register form: none", 8, B(0xff, 0xe8), -EINVAL },
	{ "crc32 (%rdi),%eax",        8, B(0xf2, 0x0f, 0x38, 0xf1, 0x07), -EINVAL },
	{ "or %eax,%ebx",             8, B(0x09, 0xc3), -EINVAL },
	{ "incl (%bx) truncated [16]", 2, B(0x66, 0xff, 0x06, 0x34), -EINVAL },
	{ "mode 3",                   3, B(0x09, 0x07), -EINVAL },
	{ "movnti %eax,(%rdi)",       8, B(0x0f, 0xc3, 0x07), 0, 3, SVX_RMW_MOV, 4, 0, 0, 0, 1 },
	{ "movnti %r9,8(%rdi)",       8, B(0x4c, 0x0f, 0xc3, 0x4f, 0x08), 0, 5, SVX_RMW_MOV, 8, 9, 0, 0, 1 },
	{ "movnti %ecx,(%si) [16]",   2, B(0x0f, 0xc3, 0x0c), 0, 3, SVX_RMW_MOV, 4, 1, 0, 0, 1 },
#undef B
};

/* The SSE/MMX moves of svx_decode_vec() (KVM 6.1's set) */
static const struct {
	const char *text;
	int mode;
	u8 bytes[16];
	unsigned int n;
	int ret;
	u8 len, size, reg, store, mmx, aligned, lock;
} vcases[] = {
#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })
	{ "movups (%rdi),%xmm1",      8, B(0x0f, 0x10, 0x0f), 0, 3, 16, 1, 0, 0, 0, 0 },
	{ "movupd %xmm9,8(%rsi)",     8, B(0x66, 0x44, 0x0f, 0x11, 0x4e, 0x08), 0, 6, 16, 9, 1, 0, 0, 0 },
	{ "movaps (%rax),%xmm2",      8, B(0x0f, 0x28, 0x10), 0, 3, 16, 2, 0, 0, 1, 0 },
	{ "movapd %xmm3,(%rax)",      8, B(0x66, 0x0f, 0x29, 0x18), 0, 4, 16, 3, 1, 0, 1, 0 },
	{ "movntps %xmm0,(%rax)",     8, B(0x0f, 0x2b, 0x00), 0, 3, 16, 0, 1, 0, 1, 0 },
	{ "movntpd %xmm0,(%rax)",     8, B(0x66, 0x0f, 0x2b, 0x00), 0, 4, 16, 0, 1, 0, 1, 0 },
	{ "movdqa 0x10(%rsp),%xmm15", 8, B(0x66, 0x44, 0x0f, 0x6f, 0x7c, 0x24, 0x10), 0, 7, 16, 15, 0, 0, 1, 0 },
	{ "movdqu %xmm4,(%rbx)",      8, B(0xf3, 0x0f, 0x7f, 0x23), 0, 4, 16, 4, 1, 0, 0, 0 },
	{ "movntdq %xmm5,(%rbx)",     8, B(0x66, 0x0f, 0xe7, 0x2b), 0, 4, 16, 5, 1, 0, 1, 0 },
	{ "movq (%rbx),%mm6",         8, B(0x0f, 0x6f, 0x33), 0, 3, 8, 6, 0, 1, 0, 0 },
	{ "movq %mm7,(%rbx) REX.R",   8, B(0x44, 0x0f, 0x7f, 0x3b), 0, 4, 8, 7, 1, 1, 0, 0 },
	{ "lock movdqu (%rbx),%xmm0", 8, B(0xf0, 0xf3, 0x0f, 0x6f, 0x03), 0, 5, 16, 0, 0, 0, 0, 1 },
	{ "movdqa 4(%si),%xmm1 [16]", 2, B(0x66, 0x0f, 0x6f, 0x4c, 0x04), 0, 5, 16, 1, 0, 0, 1, 0 },
	{ "movups 0x1234,%xmm1 [32]", 4, B(0x0f, 0x10, 0x0d, 0x34, 0x12, 0, 0), 0, 7, 16, 1, 0, 0, 0, 0 },
	{ "movss: not KVM's",         8, B(0xf3, 0x0f, 0x10, 0x07), -EINVAL },
	{ "movsd: not KVM's",         8, B(0xf2, 0x0f, 0x11, 0x07), -EINVAL },
	{ "movd 66 0f 6e: not KVM's", 8, B(0x66, 0x0f, 0x6e, 0x07), -EINVAL },
	{ "movq 66 0f d6: not KVM's", 8, B(0x66, 0x0f, 0xd6, 0x07), -EINVAL },
	{ "movq f3 0f 7e: not KVM's", 8, B(0xf3, 0x0f, 0x7e, 0x07), -EINVAL },
	{ "vmovdqa: no VEX",          8, B(0xc5, 0xf9, 0x6f, 0x07), -EINVAL },
	{ "movntq (MMX): not KVM's",  8, B(0x0f, 0xe7, 0x07), -EINVAL },
	{ "f2 0f 6f: none",           8, B(0xf2, 0x0f, 0x6f, 0x07), -EINVAL },
	{ "66 f3 0f 6f: none",        8, B(0x66, 0xf3, 0x0f, 0x6f, 0x07), -EINVAL },
	{ "movntps register form",    8, B(0x0f, 0x2b, 0xc0), -EINVAL },
	{ "movdqa truncated",         8, B(0x66, 0x0f, 0x6f, 0x44), -EINVAL },
#undef B
};

TAP_SUITE(mmio_decode_vec)
{
	struct svx_vec v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcases); i++) {
		int ret = svx_decode_vec(vcases[i].bytes, vcases[i].n,
					 vcases[i].mode, &v);

		tap_ok(ret == vcases[i].ret &&
		       (ret || (v.len == vcases[i].len &&
				v.size == vcases[i].size &&
				v.reg == vcases[i].reg &&
				v.store == vcases[i].store &&
				v.mmx == vcases[i].mmx &&
				v.aligned == vcases[i].aligned &&
				v.lock == vcases[i].lock)),
		       "decode_vec: %s", vcases[i].text);
	}
}

/* svx_x86_operand_la(): the operand's linear address (split accesses) */
static u64 la_seg_base(void *ctx, int seg)
{
	(void)ctx;
	return seg == 4 ? 0x10000000ULL : seg == 2 ? 0x200000ULL :
	       seg == 3 ? 0x300000ULL : 0;
}

static const struct svx_x86_ops la_ops = { .seg_base = la_seg_base };

static const struct {
	const char *text;
	int mode;
	u8 bytes[15];
	unsigned int n, modrm_at;
	bool moffs;
	u64 la;
} lacases[] = {
#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })
	/* regs: rax 0x1000, rcx 0x20, rdx -8, rbx 0x5000, rsp 0x7000, rbp 0x9000, rsi 0xfff8, rdi 0, r8 0x100000000, r13 0x40 */
	{ "add %eax,8(%rsi)",            8, B(0x01, 0x46, 0x08), 1, false, 0x10000 },
	{ "mov 0x10(%rbx,%rcx,4),%eax",  8, B(0x8b, 0x44, 0x8b, 0x10), 1, false, 0x5090 },
	{ "mov (%r8,%rdx),%eax",         8, B(0x42, 0x8b, 0x04, 0x02), 2, false, 0xfffffff8 },
	{ "mov -8(%r13),%eax",           8, B(0x41, 0x8b, 0x45, 0xf8), 2, false, 0x38 },
	{ "mov 0x100(%rip),%eax",        8, B(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), 1, false, 0x400106 },
	{ "mov %fs:8(%rsi),%eax",        8, B(0x64, 0x8b, 0x46, 0x08), 2, false, 0x10010000 },
	{ "mov 8(%esi) 67",              8, B(0x67, 0x8b, 0x46, 0x08), 2, false, 0x10000 },
	{ "mov 0x1234,%eax (disp32)",    8, B(0x8b, 0x04, 0x25, 0x34, 0x12, 0, 0), 1, false, 0x1234 },
	{ "mov moffs64,%eax",            8, B(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 1, true, 0x1122334455667788ULL },
	{ "mov 8(%ebp),%eax [32]: SS",   4, B(0x8b, 0x45, 0x08), 1, false, 0x209008 },
	{ "mov 8(%esi),%eax [32]: DS",   4, B(0x8b, 0x46, 0x08), 1, false, 0x310000 },
	{ "mov 4(%esp),%eax [32]: SS",   4, B(0x8b, 0x44, 0x24, 0x04), 1, false, 0x207004 },
	{ "mov 8(%bp,%si),%ax [16]: SS", 2, B(0x8b, 0x42, 0x08), 1, false, 0x200000 + ((0x9000 + 0xfff8 + 8) & 0xffff) },
	{ "mov moffs16,%al [16]: DS",    2, B(0xa0, 0x34, 0x12), 1, true, 0x301234 },
	{ "movdqu 8(%rsi),%xmm0",        8, B(0xf3, 0x0f, 0x6f, 0x46, 0x08), 3, false, 0x10000 },
#undef B
};

TAP_SUITE(mmio_operand_la)
{
	unsigned long regs[16] = { 0x1000, 0x20, (unsigned long)-8, 0x5000,
				   0x7000, 0x9000, 0xfff8, 0, 0x100000000UL,
				   0, 0, 0, 0, 0x40 };
	unsigned long rflags = 2;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lacases); i++) {
		struct svx_x86_emu e = {
			.ops = &la_ops, .mode = lacases[i].mode, .regs = regs,
			.rflags = &rflags,
		};
		u64 la = 0;
		int r = svx_x86_operand_la(&e, lacases[i].bytes,
					   lacases[i].n, lacases[i].modrm_at,
					   lacases[i].moffs,
					   0x400000 + lacases[i].n, &la);

		tap_ok(!r && la == lacases[i].la, "operand_la: %s: %#llx",
		       lacases[i].text, (unsigned long long)la);
	}
}

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

/* ---------------------------------------------------------------------- */
/*
 * xlat, tzcnt/lzcnt (KVM: bsf/bsr, so against the CPU's bsf/bsr), and
 * fnstcw/fnstsw (the value the host gives, stored at its size) against
 * the CPU.
 */
static u64 zero_seg_base(void *ctx, int seg)
{
	(void)ctx;
	(void)seg;
	return 0;
}

static const struct svx_x86_ops zero_ops = { .seg_base = zero_seg_base };

TAP_SUITE(mmio_more)
{
	unsigned int i, j, n = 0, bad = 0;
	u8 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	u8 *mem_cpu = code + 2048, mem_emu[64];

	rng = rng_seeded(tap_seed() ^ 0x7a7);
	tap_ok(code != MAP_FAILED, "mmio_more: an executable page");
	if (code == MAP_FAILED)
		return;
	for (i = 0; i < 20000; i++) {
		struct cpu_state cpu, emu;
		struct svx_x86_emu e;
		struct svx_rmw rmw;
		unsigned int kind = rng_below(&rng, 3), len = 0, at = 0;
		int disp = rng_below(&rng, 0x30), reg = -1;
		u64 la = 0, old = 0, new = 0, fmask = FL_ALL;
		u16 word = 0;
		bool w;

		if (rng_next(&rng) & 1)
			code[len++] = 0x67;	/* [esi], [ebx]: below 4 GiB */
		if (kind == 0) {		/* xlat */
			if (rng_next(&rng) & 1)
				code[len++] = 0x48;
			code[len++] = 0xd7;
		} else if (kind == 1) {		/* f3 0f bc/bd, CPU: 90 0f bc/bd */
			int sz = rng_below(&rng, 3);

			at = len;
			code[len++] = 0xf3;
			if (sz == 0)
				code[len++] = 0x66;
			reg = rng_below(&rng, 8);
			if (reg == 4 || reg == 6)
				reg = 0;
			if (sz == 2)
				code[len++] = 0x48;
			code[len++] = 0x0f;
			code[len++] = 0xbc | (rng_next(&rng) & 1);
			code[len++] = 0x46 | reg << 3;
			code[len++] = disp;
		} else {			/* fnstcw/fnstsw */
			code[len++] = (rng_next(&rng) & 1) ? 0xd9 : 0xdd;
			code[len++] = 0x7e;
			code[len++] = disp;
		}
		code[len++] = 0xc3;
		for (j = 0; j < 16; j++)
			cpu.regs[j] = rng_next(&rng);
		cpu.rflags = 0x202 | (rng_next(&rng) & FL_ALL);
		for (j = 0; j < 64; j++)
			mem_cpu[j] = rng_next(&rng);
		if (kind == 1 && !(rng_next(&rng) % 4))
			memset(mem_cpu + disp, 0, 8);
		cpu.regs[6] = (uintptr_t)mem_cpu;
		if (kind == 0)		/* rBX + AL in the window */
			cpu.regs[3] = (uintptr_t)mem_cpu + disp -
				      (u8)cpu.regs[0] + (rng_below(&rng, 16));
		emu = cpu;
		memcpy(mem_emu, mem_cpu, 64);
		memset(&e, 0, sizeof(e));
		e.ops = &zero_ops;
		e.mode = 8;
		e.regs = (unsigned long *)emu.regs;
		e.rflags = (unsigned long *)&emu.rflags;
		n++;
		if (svx_decode_rmw(code, len - 1, 8, &rmw) ||
		    rmw.len != len - 1 ||
		    svx_x86_rmw_la(&e, code, len - 1, &rmw, 0, &la) ||
		    la < (uintptr_t)mem_cpu ||
		    la + rmw.size > (uintptr_t)mem_cpu + 64) {
			if (bad++ < 8)
				tap_diag("  not decoded: kind %u %02x %02x %02x %02x",
					 kind, code[0], code[1], code[2], code[3]);
			continue;
		}
		la -= (uintptr_t)mem_cpu;
		memcpy(&old, mem_emu + la, rmw.size);
		if (kind == 1)
			code[at] = 0x90;	/* what KVM runs: bsf/bsr */
		if (kind == 2) {
			if (code[len - 4] == 0xd9)
				asm volatile("fnstcw %0" : "=m"(word));
			if (code[len - 4] == 0xdd)
				asm volatile("fnstsw %0" : "=m"(word));
			e.sys_val = word | 0xdead0000ULL;
		}
		run_native(&cpu, code);
		w = svx_x86_rmw_complete(&e, &rmw, old, &new);
		if (w)
			memcpy(mem_emu + la, &new, rmw.size);
		for (j = 0; j < 16; j++)
			if (j != 4 && cpu.regs[j] != emu.regs[j])
				break;
		if (j < 16 || ((cpu.rflags ^ emu.rflags) & fmask) ||
		    memcmp(mem_cpu, mem_emu, 64) || e.len != len - 1) {
			if (bad++ < 8)
				tap_diag("  mismatch: kind %u %02x %02x %02x %02x reg %u",
					 kind, code[0], code[1], code[2],
					 code[3], j);
		}
	}
	munmap(code, 4096);
	tap_diag("more-vs-cpu: %u xlat/tzcnt/lzcnt/fnstcw/fnstsw, %u mismatches",
		 n, bad);
	tap_eq(bad, 0, "mmio_more: xlat, tzcnt/lzcnt as bsf/bsr, fnstcw/fnstsw agree with the CPU (%u cases)",
	       n);
}

/* sgdt/sidt/fxsave/fxrstor (svx_decode_std(): KVM's read_std/write_std) */
TAP_SUITE(mmio_decode_std)
{
	static const struct {
		const char *text;
		int mode;
		u8 bytes[8];
		unsigned int n;
		int ret;
		u8 op, len, modrm_at, lock;
	} c[] = {
#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })
		{ "sgdt 0x10(%rsi)", 8, B(0x0f, 0x01, 0x46, 0x10), 0, SVX_STD_SGDT, 4, 2, 0 },
		{ "sidt (%bx) 66 [16]", 2, B(0x66, 0x0f, 0x01, 0x0f), 0, SVX_STD_SIDT, 4, 3, 0 },
		{ "fxsave 0x1234 [32]", 4, B(0x0f, 0xae, 0x05, 0x34, 0x12, 0, 0), 0, SVX_STD_FXSAVE, 7, 2, 0 },
		{ "lock fxrstor (%rax)", 8, B(0xf0, 0x0f, 0xae, 0x08), 0, SVX_STD_FXRSTOR, 4, 3, 1 },
		{ "lgdt: none", 8, B(0x0f, 0x01, 0x56, 0x10), -EINVAL },
		{ "vmcall (0f 01 c1): none", 8, B(0x0f, 0x01, 0xc1), -EINVAL },
		{ "ldmxcsr: none", 8, B(0x0f, 0xae, 0x16), -EINVAL },
		{ "truncated", 8, B(0x0f, 0xae, 0x46), -EINVAL },
#undef B
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct svx_std d;
		int r = svx_decode_std(c[i].bytes, c[i].n, c[i].mode, &d);

		tap_ok(r == c[i].ret && (r || (d.op == c[i].op &&
					       d.len == c[i].len &&
					       d.modrm_at == c[i].modrm_at &&
					       d.lock == c[i].lock)),
		       "decode_std: %s", c[i].text);
	}
}

/* ---------------------------------------------------------------------- */
/* jmp m / call m (svx_x86_branch_complete())                             */

static u8 *branch_stack;	/* linear 0x7ff0..0x8000 */

static int branch_write(void *ctx, u64 gva, const void *buf, unsigned int len)
{
	(void)ctx;
	if (gva < 0x7ff0 || gva + len > 0x8000)
		return -EFAULT;
	memcpy(branch_stack + (gva - 0x7ff0), buf, len);
	return 0;
}

static const struct svx_x86_ops branch_ops = {
	.write_virt = branch_write, .seg_base = zero_seg_base,
};

TAP_SUITE(mmio_branch)
{
	static const struct {
		const char *text;
		int mode;
		u8 bytes[4];
		unsigned int n;
		u64 target;
		u32 limit;
		int ret;
		u64 ip, rsp, pushed;
	} c[] = {
#define B(...) { __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ })
		{ "jmp *(%rdi)", 8, B(0xff, 0x27), 0x401000, 0, 0, 0x401000, 0x8000, 0 },
		{ "call *(%rdi)", 8, B(0xff, 0x17), 0x401000, 0, 0, 0x401000, 0x7ff8, 0x400002 },
		{ "callw *(%rdi): 64 bits", 8, B(0x66, 0xff, 0x17), 0xffff800000001000ULL, 0, 0, 0xffff800000001000ULL, 0x7ff8, 0x400003 },
		{ "jmp non-canonical: #GP", 8, B(0xff, 0x27), 0x0000800000000000ULL, 0, 1, 0x400000, 0x8000, 0 },
		{ "call non-canonical: #GP, no push", 8, B(0xff, 0x17), 0x8000000000000000ULL, 0, 1, 0x400000, 0x8000, 0 },
		{ "jmp *(%edi) [32]", 4, B(0xff, 0x27), 0x12345678, 0xffffffff, 0, 0x12345678, 0x8000, 0 },
		{ "jmp beyond CS.limit: #GP [32]", 4, B(0xff, 0x27), 0x10000, 0xffff, 1, 0x400000, 0x8000, 0 },
		{ "call *(%bx) [16]", 2, B(0xff, 0x17), 0xabcd1234, 0xffff, 0, 0x1234, 0x7ffe, 0x0002 },
		{ "calll *(%bx) 66 [16]", 2, B(0x66, 0xff, 0x17), 0x1234, 0xffff, 0, 0x1234, 0x7ffc, 0x400003 },
#undef B
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		unsigned long regs[16] = { 0 };
		unsigned long rflags = 2;
		u8 stack[0x10] = { 0 };
		struct svx_x86_emu e = {
			.ops = &branch_ops, .mode = c[i].mode, .regs = regs,
			.rflags = &rflags, .ss_size = c[i].mode == 2 ? 2 : 8,
			.ip = 0x400000,
		};
		struct svx_rmw rmw;
		u64 pushed = 0;
		int r = -EINVAL;

		/* the stack at 0x8000 is stack[] (stk_ops: linear = host) */
		regs[4] = 0x8000;
		if (!svx_decode_rmw(c[i].bytes, c[i].n, c[i].mode, &rmw)) {
			branch_stack = stack;
			r = svx_x86_branch_complete(&e, &rmw, c[i].target,
						    c[i].limit, 48);
		}
		memcpy(&pushed, stack + 0x10 - (0x8000 - regs[4]),
		       0x8000 - regs[4]);
		tap_ok(r == c[i].ret &&
		       (r ? e.ip == 0x400000 : e.ip == c[i].ip) &&
		       regs[4] == c[i].rsp && pushed == c[i].pushed &&
		       (r || e.len == c[i].n),
		       "branch: %s: ip %#llx rsp %#lx pushed %#llx", c[i].text,
		       (unsigned long long)e.ip, regs[4],
		       (unsigned long long)pushed);
	}
}

/* ---------------------------------------------------------------------- */
/* String instructions (x86/emulate_string.c) against the CPU             */

static const struct svx_x86_ops *str_ops;
static u8 *str_cpu, *str_emu;

/* Segment bases are 0 here (no FS/GS override in the forms). */
static u64 str_seg_base(void *ctx, int seg)
{
	(void)ctx;
	(void)seg;
	return 0;
}

static const struct svx_x86_ops str_host = { .seg_base = str_seg_base };

/* The emulator's copy of the byte the CPU has at @la. */
static u8 *str_at(u64 la)
{
	return str_emu + (la - (uintptr_t)str_cpu);
}

/*
 * Run @s to completion the way the vCPU does: one svx_str_next() and
 * svx_str_commit() per execution of the instruction, memory read and
 * written between them.  The number of iterations, or -1 on a runaway.
 */
static int str_emulate(struct svx_x86_emu *e, const struct svx_strop *s,
		       u64 base_lo, u64 base_hi)
{
	int n;

	for (n = 0; n < 64; n++) {
		struct svx_str_iter it;
		u64 val[2] = { 0, 0 }, store;
		int i;

		e->retire = false;
		if (!svx_str_next(e, s, &it))
			return n;
		for (i = 0; i < 2; i++) {
			if (!it.rd[i])
				continue;
			if (it.la[i] < base_lo || it.la[i] + s->size > base_hi)
				return -1;
			memcpy(&val[i], str_at(it.la[i]), s->size);
		}
		if (it.wr && (it.la[1] < base_lo ||
			      it.la[1] + s->size > base_hi))
			return -1;
		svx_str_commit(e, s, val, &store);
		if (it.wr)
			memcpy(str_at(it.la[1]), &store, s->size);
		if (e->retire)
			return n + 1;
	}
	return -1;
}

TAP_SUITE(mmio_string)
{
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e };
	static const u8 sops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	unsigned int i, j, n = 0, bad = 0, iters = 0;
	u8 *code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	u8 emu_mem[512];

	rng = rng_seeded(tap_seed() ^ 0x5715);
	tap_ok(code != MAP_FAILED, "mmio_string: an executable page");
	if (code == MAP_FAILED)
		return;
	str_cpu = code + 4096;
	str_emu = emu_mem;
	str_ops = &str_host;
	for (i = 0; i < 50000; i++) {
		struct cpu_state cpu, emu;
		struct svx_x86_emu e;
		struct svx_strop s;
		u8 f[16];
		int len = 0, k, sz = rng_below(&rng, 4), it;
		bool a32 = !(rng_next(&rng) % 4);

		/* [f3|f2] [seg] [66] [67] [REX.W] op; cld; ret */
		k = rng_below(&rng, 3);
		if (k)
			f[len++] = k == 1 ? 0xf3 : 0xf2;
		if (!(rng_next(&rng) % 6))
			f[len++] = segs[rng_below(&rng, sizeof(segs))];
		if (sz == 1)
			f[len++] = 0x66;
		if (a32)
			f[len++] = 0x67;
		if (sz == 3)
			f[len++] = 0x48;
		f[len++] = sops[rng_below(&rng, sizeof(sops))] + !!sz;
		f[len++] = 0xfc;	/* cld: the C code after runs DF=0 */
		f[len++] = 0xc3;
		for (j = 0; j < 16; j++)
			cpu.regs[j] = rng_next(&rng);
		cpu.rflags = 0x202 | (rng_next(&rng) & FL_ALL) |
			     ((rng_next(&rng) & 1) ? 0x400 : 0);
		/* source and destination in two halves, room both ways */
		cpu.regs[6] = (uintptr_t)str_cpu + 48 + rng_below(&rng, 160);
		cpu.regs[7] = (uintptr_t)str_cpu + 256 + 48 +
			      rng_below(&rng, 160);
		cpu.regs[1] = rng_below(&rng, 7);
		if (a32) {	/* upper halves ignored, then cleared */
			cpu.regs[6] |= rng_next(&rng) << 32;
			cpu.regs[7] |= rng_next(&rng) << 32;
			cpu.regs[1] |= rng_next(&rng) << 32;
		}
		for (j = 0; j < 512; j++)
			str_cpu[j] = rng_below(&rng, 4);	/* cmps/scas hit */
		if (rng_next(&rng) & 1)
			memcpy(&cpu.regs[0], str_cpu + (cpu.regs[7] & 0x1ff), 8);
		emu = cpu;
		memcpy(emu_mem, str_cpu, 512);
		memcpy(code, f, len);
		run_native(&cpu, code);
		n++;
		memset(&e, 0, sizeof(e));
		e.ops = str_ops;
		e.mode = 8;
		e.regs = (unsigned long *)emu.regs;
		e.rflags = (unsigned long *)&emu.rflags;
		if (svx_decode_strop(f, len - 2, 8, &s) || s.len != len - 2) {
			if (bad++ < 8)
				tap_diag("  string not decoded: %02x %02x %02x %02x",
					 f[0], f[1], f[2], f[3]);
			continue;
		}
		it = str_emulate(&e, &s, (uintptr_t)str_cpu,
				 (uintptr_t)str_cpu + 512);
		if (it > 0)
			iters += it;
		for (j = 0; j < 16; j++)
			if (cpu.regs[j] != emu.regs[j] && j != 4)
				break;
		if (it < 0 || j < 16 ||
		    ((cpu.rflags ^ emu.rflags) & FL_ALL) ||
		    memcmp(str_cpu, emu_mem, 512)) {
			if (bad++ < 8)
				tap_diag("  string mismatch %02x %02x %02x %02x %02x: %d iterations, reg %u cpu %#llx emu %#llx, flags cpu %#llx emu %#llx",
					 f[0], f[1], f[2], f[3], f[4], it, j,
					 j < 16 ? (unsigned long long)cpu.regs[j] : 0,
					 j < 16 ? (unsigned long long)emu.regs[j] : 0,
					 (unsigned long long)cpu.rflags,
					 (unsigned long long)emu.rflags);
		}
	}
	munmap(code, 8192);
	tap_diag("string-vs-cpu: %u forms run, %u iterations, %u mismatches",
		 n, iters, bad);
	tap_eq(bad, 0, "mmio_string: emulated string forms agree with the CPU (%u cases)",
	       n);
}

/* String decoding in 16- and 32-bit code: sizes, REP, segment. */
static const struct {
	const char *text;
	int mode;
	u8 bytes[6];
	u8 n;
	int ret;
	u8 op, len, size, asize, rep, seg;
} scases[] = {
	{ "rep movsw [16]", 2, { 0xf3, 0xa5 }, 2, 0,
	  SVX_STR_MOVS, 2, 2, 2, SVX_STR_REPE, 3 },
	{ "rep movsl a32 [16]", 2, { 0xf3, 0x66, 0x67, 0xa5 }, 4, 0,
	  SVX_STR_MOVS, 4, 4, 4, SVX_STR_REPE, 3 },
	{ "es lodsb [32]", 4, { 0x26, 0xac }, 2, 0,
	  SVX_STR_LODS, 2, 1, 4, 0, 0 },
	{ "repne scasw a16 [32]", 4, { 0xf2, 0x66, 0x67, 0xaf }, 4, 0,
	  SVX_STR_SCAS, 4, 2, 2, SVX_STR_REPNE, 3 },
	{ "repe cmpsq [64]", 8, { 0xf3, 0x48, 0xa7 }, 3, 0,
	  SVX_STR_CMPS, 3, 8, 8, SVX_STR_REPE, 3 },
	{ "fs stosl a32 [64]", 8, { 0x64, 0x67, 0xab }, 3, 0,
	  SVX_STR_STOS, 3, 4, 4, 0, 4 },
	{ "lock movsb", 8, { 0xf0, 0xa4 }, 2, -EINVAL },
	{ "rep repne movsb", 8, { 0xf3, 0xf2, 0xa4 }, 3, -EINVAL },
	{ "insb", 8, { 0x6c }, 1, -EINVAL },
	{ "truncated", 8, { 0xf3, 0x48 }, 2, -EINVAL },
};

TAP_SUITE(mmio_string_decode)
{
	struct svx_strop s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scases); i++) {
		int ret = svx_decode_strop(scases[i].bytes, scases[i].n,
					   scases[i].mode, &s);

		tap_ok(ret == scases[i].ret &&
		       (ret || (s.op == scases[i].op &&
				s.len == scases[i].len &&
				s.size == scases[i].size &&
				s.asize == scases[i].asize &&
				s.rep == scases[i].rep &&
				s.seg == scases[i].seg)),
		       "decode_strop: %s", scases[i].text);
	}
}

/* ---------------------------------------------------------------------- */
/* push m / pop m (svx_x86_stack_complete()) against the CPU              */


static int stk_read(void *ctx, u64 gva, void *buf, unsigned int len)
{
	(void)ctx;
	memcpy(buf, (void *)(uintptr_t)gva, len);
	return 0;
}

static int stk_write(void *ctx, u64 gva, const void *buf, unsigned int len)
{
	(void)ctx;
	memcpy((void *)(uintptr_t)gva, buf, len);
	return 0;
}

static u64 stk_seg(void *ctx, int seg)
{
	(void)ctx;
	(void)seg;
	return 0;
}

static const struct svx_x86_ops stk_ops = {
	.read_virt = stk_read, .write_virt = stk_write, .seg_base = stk_seg,
};

/*
 * One instruction through the MMIO path: decode, the memory operand read
 * (push) from @mem, the stack side, the memory write (pop).
 */
static int stk_emulate(struct svx_x86_emu *e, const u8 *code, int len,
		       u8 *mem, int disp)
{
	struct svx_rmw rmw;
	u64 old = 0, new = 0;
	int r;

	if (svx_decode_rmw(code, len, 8, &rmw) || rmw.len != len ||
	    (rmw.op != SVX_RMW_PUSH && rmw.op != SVX_RMW_POP))
		return -1;
	if (rmw.mem_read)
		memcpy(&old, mem + disp, rmw.size);
	r = svx_x86_stack_complete(e, &rmw, old, &new);
	if (r < 0 || e->len != len || !e->retire)
		return -1;
	if (r)
		memcpy(mem + disp, &new, rmw.size);
	return 0;
}

TAP_SUITE(mmio_stack)
{
	unsigned int i, j, n = 0, bad = 0;
	u8 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	u8 *mem_cpu = code + 2048, mem_emu[64], stack[64];

	rng = rng_seeded(tap_seed() ^ 0x57ac);
	tap_ok(code != MAP_FAILED, "mmio_stack: an executable page");
	if (code == MAP_FAILED)
		return;
	for (i = 0; i < 20000; i++) {
		struct cpu_state cpu, emu;
		struct svx_x86_emu e;
		bool w16 = rng_next(&rng) & 1;
		int d1 = rng_below(&rng, 0x18), d2 = rng_below(&rng, 0x18);
		int len = 0, l1, l2;
		u64 rsp0;

		/* [66] push d1(%rsi); [66] pop d2(%rdi); ret */
		if (w16)
			code[len++] = 0x66;
		code[len++] = 0xff;
		code[len++] = 0x76;
		code[len++] = d1;
		l1 = len;
		if (w16)
			code[len++] = 0x66;
		code[len++] = 0x8f;
		code[len++] = 0x47;
		code[len++] = d2;
		l2 = len - l1;
		code[len++] = 0xc3;
		for (j = 0; j < 16; j++)
			cpu.regs[j] = rng_next(&rng);
		cpu.rflags = 0x202 | (rng_next(&rng) & FL_ALL);
		for (j = 0; j < 64; j++)
			mem_cpu[j] = rng_next(&rng);
		cpu.regs[6] = (uintptr_t)mem_cpu;
		cpu.regs[7] = (uintptr_t)mem_cpu + 0x20;
		emu = cpu;
		memcpy(mem_emu, mem_cpu, 64);
		run_native(&cpu, code);
		n++;
		rsp0 = (uintptr_t)stack + 32;
		emu.regs[4] = rsp0;
		memset(&e, 0, sizeof(e));
		e.ops = &stk_ops;
		e.mode = 8;
		e.ss_size = 8;
		e.regs = (unsigned long *)emu.regs;
		e.rflags = (unsigned long *)&emu.rflags;
		if (stk_emulate(&e, code, l1, mem_emu, d1) ||
		    emu.regs[4] != rsp0 - (w16 ? 2 : 8) ||
		    stk_emulate(&e, code + l1, l2, mem_emu + 0x20, d2) ||
		    emu.regs[4] != rsp0) {
			if (bad++ < 8)
				tap_diag("  push/pop not emulated: w16 %d rsp %#llx",
					 w16, (unsigned long long)emu.regs[4]);
			continue;
		}
		for (j = 0; j < 16; j++)
			if (j != 4 && cpu.regs[j] != emu.regs[j])
				break;
		if (j < 16 || cpu.rflags != emu.rflags ||
		    memcmp(mem_cpu, mem_emu, 64)) {
			if (bad++ < 8)
				tap_diag("  push/pop mismatch: w16 %d d1 %#x d2 %#x reg %u",
					 w16, d1, d2, j);
		}
	}
	munmap(code, 4096);
	tap_diag("stack-vs-cpu: %u push/pop pairs, %u mismatches", n, bad);
	tap_eq(bad, 0, "mmio_stack: push m / pop m agree with the CPU (%u cases)",
	       n);
}
