// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for x86/emulate_rm.c, the one-instruction emulator of real-mode
 * and protected-mode code VMX without unrestricted guest cannot enter
 * (SMM's big real mode and the switch to protected mode of an SMI
 * handler): the SMI handlers of KVM's smm_test and our
 * selftests/smm_test.c run whole (PIO out, MMIO load, RSM), SeaBIOS's
 * transition32 from SMM entry to flat 32-bit code, and each emulated
 * instruction for its values, flags, faults (with nothing changed) and
 * what it refuses.  Guest memory: 2 MiB of RAM at 0, MMIO at 0xfee00000
 * and at 0x1000-0x1fff when the test asks for it.
 */
#include <string.h>
#include <linux/errno.h>
#include <asm/processor-flags.h>

#include "harness.h"
#include "emulate.h"

#define RAM_SIZE	(2u << 20)
#define SMBASE		0x30000u
#define ENTRY		0x8000u

struct rm_env {
	u8 *ram;
	bool mmio_low;		/* 0x1000-0x1fff is MMIO */
	unsigned int writes;
};

static bool is_mmio(const struct rm_env *t, u64 la)
{
	return (la >= 0xfee00000 && la < 0xfee01000) ||
	       (t->mmio_low && la >= 0x1000 && la < 0x2000);
}

static int env_read(void *ctx, u64 la, void *buf, unsigned int len)
{
	struct rm_env *t = ctx;

	if (is_mmio(t, la))
		return 1;
	if (la + len > RAM_SIZE)
		return -EFAULT;
	memcpy(buf, t->ram + la, len);
	return 0;
}

static int env_write(void *ctx, u64 la, const void *buf, unsigned int len)
{
	struct rm_env *t = ctx;

	if (is_mmio(t, la))
		return 1;
	if (la + len > RAM_SIZE)
		return -EFAULT;
	memcpy(t->ram + la, buf, len);
	t->writes++;
	return 0;
}

static const struct svx_x86_rm_ops env_ops = {
	.read = env_read,
	.write = env_write,
};

static u8 ram_buf[RAM_SIZE];

struct rm_vcpu {
	struct rm_env env;
	unsigned long regs[16];
	struct svx_x86_rm rm;
};

static void seg_set(struct svx_x86_seg *s, u16 sel, u64 base, u32 limit,
		    u8 type, bool g, bool db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->g = g;
	s->db = db;
}

/* KVM's enter_smm(): big real mode at SMBASE + 0x8000 */
static void smm_entry(struct rm_vcpu *v)
{
	int i;

	memset(ram_buf, 0, sizeof(ram_buf));
	memset(v, 0, sizeof(*v));
	v->env.ram = ram_buf;
	v->rm.ops = &env_ops;
	v->rm.ctx = &v->env;
	v->rm.regs = v->regs;
	v->rm.rip = ENTRY;
	v->rm.rflags = X86_EFLAGS_FIXED;
	for (i = 0; i < 6; i++)
		seg_set(&v->rm.seg[i], 0, 0, 0xffffffff, 3, true, false);
	seg_set(&v->rm.seg[1], SMBASE >> 4, SMBASE, 0xffffffff, 3, true,
		false);
}

/* vm86-like real mode: every segment sel * 16, 64 KiB, CS at 0x1000:0 */
static void real_mode(struct rm_vcpu *v)
{
	int i;

	smm_entry(v);
	for (i = 0; i < 6; i++)
		seg_set(&v->rm.seg[i], 0x1000, 0x10000, 0xffff, 3, false,
			false);
	v->rm.rip = 0;
}

static void code_at(struct rm_vcpu *v, const void *code, unsigned int n)
{
	memcpy(ram_buf + v->rm.seg[1].base + v->rm.rip, code, n);
}

#define CODE(v, ...) do {						\
	static const u8 __c[] = { __VA_ARGS__ };			\
	code_at(v, __c, sizeof(__c));					\
} while (0)

/* One instruction of @code in a fresh real-mode vCPU's state @v. */
static int step(struct rm_vcpu *v)
{
	return svx_x86_rm_step(&v->rm);
}

static u16 rd16(u64 a)
{
	u16 v;

	memcpy(&v, ram_buf + a, 2);
	return v;
}

/* The state before and after a faulting step must match. */
static bool unchanged(const struct rm_vcpu *a, const struct rm_vcpu *b)
{
	return !memcmp(a->regs, b->regs, sizeof(a->regs)) &&
	       a->rm.rip == b->rm.rip && a->rm.rflags == b->rm.rflags &&
	       !memcmp(a->rm.seg, b->rm.seg, sizeof(a->rm.seg)) &&
	       a->rm.gdt_base == b->rm.gdt_base &&
	       a->rm.gdt_limit == b->rm.gdt_limit;
}

static struct rm_vcpu V, W;

/* the fault @vec (@err) of one step, with nothing changed */
static void expect_fault(const char *what, u8 vec, u32 err)
{
	int r;

	W = V;
	W.rm.regs = W.regs;
	r = svx_x86_rm_step(&W.rm);
	tap_ok(r == SVX_RM_FAULT && W.rm.vector == vec &&
	       (vec == 6 ? !W.rm.has_error : W.rm.has_error &&
		W.rm.error_code == err) && unchanged(&V, &W),
	       "rmstep: %s -> fault %u(%#x) (r %d vec %u err %#x)", what, vec,
	       err, r, W.rm.vector, W.rm.error_code);
}

TAP_SUITE(rmstep_smm_handlers)
{
	int r;

	/* KVM smm_test / selftests/smm_test.c: mov $0xfe,%al; out; rsm */
	smm_entry(&V);
	tap_ok(!svx_x86_rm_segs_valid(V.rm.seg, false),
	       "rmstep: SMM entry state is not vm86-valid");
	CODE(&V, 0xb0, 0xfe, 0xe6, 0xe9, 0x0f, 0xaa);
	V.regs[0] = 0x12345678;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.regs[0] == 0x123456fe &&
	       V.rm.rip == ENTRY + 2,
	       "rmstep: mov $0xfe,%%al (r %d rax %#lx rip %#lx)", r,
	       V.regs[0], V.rm.rip);
	r = step(&V);
	tap_ok(r == SVX_RM_PIO && V.rm.io.addr == 0xe9 && V.rm.io.size == 1 &&
	       !V.rm.io.in && V.rm.io.val == 0xfe && V.rm.rip == ENTRY + 4,
	       "rmstep: out %%al,$0xe9 retires, value out (r %d port %#llx val %#llx rip %#lx)",
	       r, (unsigned long long)V.rm.io.addr,
	       (unsigned long long)V.rm.io.val, V.rm.rip);
	r = step(&V);
	tap_ok(r == SVX_RM_RSM && V.rm.len == 2 && V.rm.rip == ENTRY + 4,
	       "rmstep: rsm is the host's (r %d len %u)", r, V.rm.len);

	/* smi_handler_read: mov 0x1000,%al from MMIO, then out, rsm */
	smm_entry(&V);
	V.env.mmio_low = true;
	CODE(&V, 0xa0, 0x00, 0x10, 0xe6, 0xe9, 0x0f, 0xaa);
	r = step(&V);
	tap_ok(r == SVX_RM_MMIO && V.rm.io.addr == 0x1000 && V.rm.io.in &&
	       V.rm.io.size == 1 && V.rm.rip == ENTRY && V.regs[0] == 0,
	       "rmstep: mov 0x1000,%%al on MMIO waits, RIP at it (r %d addr %#llx rip %#lx)",
	       r, (unsigned long long)V.rm.io.addr, V.rm.rip);
	svx_x86_rm_complete(&V.rm, &V.rm.io, 0xfe);
	tap_ok(V.regs[0] == 0xfe && V.rm.rip == ENTRY + 3,
	       "rmstep: MMIO load completed into AL (rax %#lx rip %#lx)",
	       V.regs[0], V.rm.rip);
	r = step(&V);
	tap_ok(r == SVX_RM_PIO && V.rm.io.val == 0xfe,
	       "rmstep: then out of the value read");
}

/*
 * SeaBIOS romlayout.S entry_smi -> transition32_nmi_off, assembled by
 * GNU as (.code16gcc) at SMBASE + 0x8000 = CS:0x8000; its GDT at 0x9000
 * (flat 32-bit code 0x10, data 0x18), the descriptors at 0x9100.
 */
TAP_SUITE(rmstep_seabios_transition32)
{
	static const u8 code[] = {
		0x66, 0xba, 0x00, 0x00, 0x0f, 0x00,	/* mov $0xf0000,%edx */
		0xfa,					/* cli */
		0xfc,					/* cld */
		0x66, 0x89, 0xc1,			/* mov %eax,%ecx */
		0x66, 0xb8, 0x8f, 0, 0, 0,		/* mov $0x8f,%eax */
		0xe6, 0x70,				/* out %al,$0x70 */
		0xe4, 0x71,				/* in $0x71,%al */
		0x2e, 0x0f, 0x01, 0x1e, 0x00, 0x91,	/* lidtw %cs:0x9100 */
		0x2e, 0x0f, 0x01, 0x16, 0x08, 0x91,	/* lgdtw %cs:0x9108 */
		0x0f, 0x20, 0xc1,			/* mov %cr0,%ecx */
		0x66, 0x81, 0xe1, 0xff, 0xff, 0xff, 0x1f, /* and $0x1fffffff,%ecx */
		0x66, 0x83, 0xc9, 0x01,			/* or $1,%ecx */
		0x0f, 0x22, 0xc1,			/* mov %ecx,%cr0 */
		0x66, 0xea, 0x00, 0x80, 0x0f, 0x00, 0x10, 0x00,
							/* ljmpl $0x10,$0xf8000 */
	};
	static const u8 code32[] = {
		0xb9, 0x18, 0, 0, 0,			/* mov $0x18,%ecx */
		0x8e, 0xd9,				/* mov %ecx,%ds */
		0x8e, 0xc1,				/* mov %ecx,%es */
		0x8e, 0xd1,				/* mov %ecx,%ss */
		0x8e, 0xe1,				/* mov %ecx,%fs */
		0x8e, 0xe9,				/* mov %ecx,%gs */
		0xff, 0xe2,				/* jmp *%edx */
	};
	static const u64 gdt[4] = {
		0, 0,
		0x00cf9b000000ffffULL,	/* 0x10: code, accessed already */
		0x00cf92000000ffffULL,	/* 0x18: data, not accessed yet */
	};
	unsigned int n = 0, pio = 0;
	int r = SVX_RM_DONE;

	smm_entry(&V);
	V.regs[0] = 0xaa55;
	code_at(&V, code, sizeof(code));
	memcpy(ram_buf + 0xf8000, code32, sizeof(code32));
	memcpy(ram_buf + 0x9000, gdt, sizeof(gdt));
	/* pmode_IDT_info (limit 0, base 0), rombios32_gdt_48 */
	memcpy(ram_buf + SMBASE + 0x9100, "\x00\x00\x00\x00\x00\x00", 6);
	memcpy(ram_buf + SMBASE + 0x9108, "\x1f\x00\x00\x90\x00\x00", 6);
	V.rm.idt_limit = 0x3ff;
	V.rm.cr[0] = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	while (n++ < 40 && !(V.rm.cr[0] & X86_CR0_PE &&
			     svx_x86_rm_segs_valid(V.rm.seg, true))) {
		r = step(&V);
		if (r == SVX_RM_PIO) {
			pio++;
			if (V.rm.io.in)
				svx_x86_rm_complete(&V.rm, &V.rm.io, 0x42);
		} else if (r == SVX_RM_CR) {
			tap_ok(V.rm.cr_n == 0 &&
			       V.rm.cr_val == (X86_CR0_ET | X86_CR0_PE),
			       "rmstep: transition32: mov %%ecx,%%cr0 of %#llx",
			       (unsigned long long)V.rm.cr_val);
			V.rm.cr[0] = V.rm.cr_val;
			V.rm.rip += V.rm.len;
		} else if (r != SVX_RM_DONE) {
			break;
		}
	}
	/* VMX can take it from the far jump on: kvm_intel stops there */
	/* 14 instructions: n counts the check after the last one */
	tap_ok(r == SVX_RM_DONE && n == 15 && pio == 2 && V.regs[0] == 0x42 &&
	       V.regs[1] == 0x11 && V.regs[2] == 0xf0000 &&
	       V.rm.rip == 0xf8000,
	       "rmstep: transition32 ran to the ljmpl (r %d after %u steps, %u PIO, rax %#lx rip %#lx)",
	       r, n, pio, V.regs[0], V.rm.rip);
	for (n = 0; n < 6 && r == SVX_RM_DONE; n++)
		r = step(&V);
	tap_ok(V.rm.gdt_base == 0x9000 && V.rm.gdt_limit == 0x1f &&
	       V.rm.idt_base == 0 && V.rm.idt_limit == 0,
	       "rmstep: transition32: lgdtw/lidtw loaded (gdt %#llx/%#x)",
	       (unsigned long long)V.rm.gdt_base, V.rm.gdt_limit);
	tap_ok(V.rm.seg[1].selector == 0x10 && V.rm.seg[1].base == 0 &&
	       V.rm.seg[1].limit == 0xffffffff && V.rm.seg[1].db &&
	       V.rm.seg[1].type == 0xb && V.rm.seg[2].selector == 0x18 &&
	       V.rm.seg[2].type == 3 && V.rm.seg[2].db &&
	       V.rm.seg[3].type == 3,
	       "rmstep: transition32: flat CS, SS, DS (accessed) from the GDT (cs %#x type %u ss %#x)",
	       V.rm.seg[1].selector, V.rm.seg[1].type, V.rm.seg[2].selector);
	tap_ok(ram_buf[0x9000 + 0x18 + 5] == 0x93 &&
	       ram_buf[0x9000 + 0x10 + 5] == 0x9b,
	       "rmstep: transition32: data descriptor marked accessed");
	tap_ok(svx_x86_rm_segs_valid(V.rm.seg, true) &&
	       V.rm.rip == 0xf800f,
	       "rmstep: transition32: segments VMX-valid after mov %%cx,%%gs (rip %#lx)",
	       V.rm.rip);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0xf0000,
	       "rmstep: transition32: jmp *%%edx (rip %#lx)", V.rm.rip);
}

TAP_SUITE(rmstep_moves)
{
	int r;

	/* addr32 mov (%ebx),%ax above 1 MiB: big real mode's 4 GiB DS */
	smm_entry(&V);
	CODE(&V, 0x67, 0x8b, 0x03);
	V.regs[3] = 0x100000;
	memcpy(ram_buf + 0x100000, "\x34\x12", 2);
	V.regs[0] = 0xffff0000;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.regs[0] == 0xffff1234 &&
	       V.rm.rip == ENTRY + 3,
	       "rmstep: addr32 mov (%%ebx),%%ax at 1 MiB (r %d rax %#lx)", r,
	       V.regs[0]);
	/* the same with DS limited to 64 KiB: #GP(0) */
	smm_entry(&V);
	CODE(&V, 0x67, 0x8b, 0x03);
	V.regs[3] = 0x100000;
	V.rm.seg[3].limit = 0xffff;
	expect_fault("addr32 mov (%ebx),%ax past DS's limit", 13, 0);
	/* word at the limit's last byte: #GP(0) as well */
	V.regs[3] = 0xffff;
	expect_fault("addr32 mov (%ebx),%ax straddling DS's limit", 13, 0);

	/* mov %ax,2(%bp): SS by default; %es: override */
	real_mode(&V);
	V.rm.seg[2].base = 0x20000;
	V.rm.seg[2].selector = 0x2000;
	CODE(&V, 0x89, 0x46, 0x02, 0x26, 0x89, 0x46, 0x02);
	V.regs[0] = 0xbeef;
	V.regs[5] = 0x10;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && rd16(0x20012) == 0xbeef,
	       "rmstep: mov %%ax,2(%%bp) uses SS (r %d)", r);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && rd16(0x10012) == 0xbeef && V.rm.rip == 7,
	       "rmstep: mov %%ax,%%es:2(%%bp) (r %d rip %#lx)", r, V.rm.rip);

	/* mov imm: b8 (16) / 66 b8 (32) / c7 06 m16, imm16 / c6 */
	real_mode(&V);
	CODE(&V, 0xb8, 0x34, 0x12, 0x66, 0xbe, 0x78, 0x56, 0x34, 0x12,
	     0xc7, 0x06, 0x00, 0x02, 0xcd, 0xab, 0xb4, 0x99);
	V.regs[0] = 0xdead0000;
	V.regs[6] = 0xffffffffffffffffUL;
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[0] == 0xdead1234,
	       "rmstep: mov $0x1234,%%ax keeps the upper half");
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[6] == 0x12345678,
	       "rmstep: mov $0x12345678,%%esi zero-extends (%#lx)", V.regs[6]);
	tap_ok(step(&V) == SVX_RM_DONE && rd16(0x10200) == 0xabcd,
	       "rmstep: movw $0xabcd,0x200");
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[0] == 0xdead9934,
	       "rmstep: mov $0x99,%%ah (%#lx)", V.regs[0]);

	/* movzbl/movswl, lea, xchg */
	real_mode(&V);
	CODE(&V, 0x66, 0x0f, 0xb6, 0x07, 0x66, 0x0f, 0xbf, 0x0f,
	     0x8d, 0x40, 0x7f, 0x87, 0x0f);
	V.regs[3] = 0x300;
	V.regs[7] = 0x10;
	memcpy(ram_buf + 0x10300, "\x80\xff", 2);
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[0] == 0x80,
	       "rmstep: movzbl (%%bx),%%eax (%#lx)", V.regs[0]);
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[1] == 0xffffff80,
	       "rmstep: movswl (%%bx),%%ecx sign-extends (%#lx)", V.regs[1]);
	tap_ok(step(&V) == SVX_RM_DONE && (V.regs[0] & 0xffff) == 0x37f,
	       "rmstep: lea 0x7f(%%bx,%%si),%%ax (%#lx)", V.regs[0]);
	V.regs[1] = 0xaaaa;
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[1] == 0xff80 &&
	       rd16(0x10300) == 0xaaaa,
	       "rmstep: xchg %%cx,(%%bx)");

	/* MMIO store: retires, value out; mov to CS: #UD */
	smm_entry(&V);
	CODE(&V, 0x66, 0x67, 0x89, 0x07);
	V.regs[0] = 0xcafef00d;
	V.regs[7] = 0xfee000b0;
	r = step(&V);
	tap_ok(r == SVX_RM_MMIO && !V.rm.io.in && V.rm.io.addr == 0xfee000b0 &&
	       V.rm.io.size == 4 && V.rm.io.val == 0xcafef00d &&
	       V.rm.rip == ENTRY + 4,
	       "rmstep: mov %%eax,(%%edi) to MMIO (r %d addr %#llx)", r,
	       (unsigned long long)V.rm.io.addr);
	smm_entry(&V);
	CODE(&V, 0x8e, 0xc8);
	expect_fault("mov %ax,%cs", 6, 0);
	CODE(&V, 0xf0, 0x89, 0x07);
	expect_fault("lock mov", 6, 0);
}

TAP_SUITE(rmstep_segments)
{
	int r;

	/* real mode: the base follows the selector, the limit stays */
	smm_entry(&V);
	CODE(&V, 0xb8, 0x00, 0x50, 0x8e, 0xd8, 0x67, 0x8a, 0x03);
	V.regs[3] = 0x20000;
	ram_buf[0x70000] = 0x5a;
	step(&V);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.seg[3].selector == 0x5000 &&
	       V.rm.seg[3].base == 0x50000 &&
	       V.rm.seg[3].limit == 0xffffffff,
	       "rmstep: mov %%ax,%%ds in real mode: base 0x50000, 4 GiB limit kept");
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && (V.regs[0] & 0xff) == 0x5a,
	       "rmstep: unreal mode: addr32 mov (%%ebx),%%al at 0x70000");
	/* vm86-valid once every segment is sel * 16, 64 KiB */
	real_mode(&V);
	tap_ok(svx_x86_rm_segs_valid(V.rm.seg, false),
	       "rmstep: segs_valid: vm86 segments");
	V.rm.seg[4].limit = 0xffffffff;
	tap_ok(!svx_x86_rm_segs_valid(V.rm.seg, false),
	       "rmstep: segs_valid: a 4 GiB FS is not");
	real_mode(&V);
	V.rm.seg[1].base = 0x30000;
	tap_ok(!svx_x86_rm_segs_valid(V.rm.seg, false),
	       "rmstep: segs_valid: CS.base != sel * 16 is not");

	/* protected mode: GDT loads and their faults */
	smm_entry(&V);
	V.rm.cr[0] = X86_CR0_PE;
	V.rm.gdt_base = 0x9000;
	V.rm.gdt_limit = 0x2f;
	memcpy(ram_buf + 0x9010, "\xff\xff\x00\x00\x00\x9b\xcf\x00", 8);
	memcpy(ram_buf + 0x9018, "\xff\xff\x00\x00\x00\x13\xcf\x00", 8);
	memcpy(ram_buf + 0x9020, "\xff\xff\x00\x00\x00\x90\xcf\x00", 8);
	memcpy(ram_buf + 0x9028, "\xff\xff\x00\x00\x00\x89\x00\x00", 8);
	tap_ok(!svx_x86_rm_segs_valid(V.rm.seg, true),
	       "rmstep: segs_valid: PE=1 with SMM's data-type CS is not");
	V.regs[0] = 0x30;
	CODE(&V, 0x8e, 0xd8);
	expect_fault("mov %ax,%ds past the GDT limit", 13, 0x30);
	V.regs[0] = 0x18;
	expect_fault("mov %ax,%ds of a not-present segment", 11, 0x18);
	CODE(&V, 0x8e, 0xd0);
	expect_fault("mov %ax,%ss of a not-present segment", 12, 0x18);
	V.regs[0] = 0x10;
	expect_fault("mov %ax,%ss of a code segment", 13, 0x10);
	V.regs[0] = 0x28;
	CODE(&V, 0x8e, 0xd8);
	expect_fault("mov %ax,%ds of a TSS descriptor", 13, 0x28);
	V.regs[0] = 0;
	CODE(&V, 0x8e, 0xd0);
	expect_fault("mov %ax,%ss of the null selector", 13, 0);
	CODE(&V, 0x8e, 0xe0);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.seg[4].unusable &&
	       V.rm.seg[4].selector == 0,
	       "rmstep: mov %%ax,%%fs of the null selector: unusable");
	/* ljmp to the TSS descriptor: a task switch, not emulated */
	CODE(&V, 0xea, 0x00, 0x00, 0x28, 0x00);
	r = step(&V);
	tap_ok(r == SVX_RM_UNHANDLED,
	       "rmstep: ljmp to a system descriptor: unhandled (r %d)", r);
	/* ljmp to flat code with a 16-bit offset */
	V.rm.rip = ENTRY;
	CODE(&V, 0xea, 0x34, 0x12, 0x10, 0x00);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x1234 &&
	       V.rm.seg[1].selector == 0x10 && V.rm.seg[1].db,
	       "rmstep: ljmpw $0x10,$0x1234 (r %d rip %#lx)", r, V.rm.rip);

	/* push/pop of segment registers */
	real_mode(&V);
	V.regs[4] = 0x100;
	CODE(&V, 0x0e, 0x07, 0x16, 0x1f);
	V.rm.seg[2].selector = 0x1234;
	V.rm.seg[2].base = 0x12340;
	ram_buf[0x12340 + 0xfe] = 0;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && rd16(0x12340 + 0xfe) == 0x1000 &&
	       V.regs[4] == 0xfe, "rmstep: push %%cs");
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.seg[0].selector == 0x1000 &&
	       V.regs[4] == 0x100, "rmstep: pop %%es");
	step(&V);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.seg[3].base == 0x12340,
	       "rmstep: push %%ss; pop %%ds");
}

/* One ALU instruction in 16-bit real mode: result, flags. */
static void alu_case(const char *text, const u8 *code, unsigned int n,
		     unsigned long ax, unsigned long bx, unsigned long fl_in,
		     unsigned long want_ax, unsigned long want_fl)
{
	const unsigned long arith = X86_EFLAGS_CF | X86_EFLAGS_PF |
				    X86_EFLAGS_AF | X86_EFLAGS_ZF |
				    X86_EFLAGS_SF | X86_EFLAGS_OF;
	int r;

	real_mode(&V);
	code_at(&V, code, n);
	V.regs[0] = ax;
	V.regs[3] = bx;
	V.rm.rflags = X86_EFLAGS_FIXED | fl_in;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.regs[0] == want_ax &&
	       (V.rm.rflags & arith) == want_fl && V.rm.rip == n,
	       "rmstep: %s (r %d ax %#lx flags %#lx)", text, r, V.regs[0],
	       V.rm.rflags & arith);
}

#define ALU(text, ax, bx, fl, wax, wfl, ...) do {			\
	static const u8 __c[] = { __VA_ARGS__ };			\
	alu_case(text, __c, sizeof(__c), ax, bx, fl, wax, wfl);		\
} while (0)

TAP_SUITE(rmstep_alu)
{
	/* flags as the CPU sets them (checked by hand against the SDM) */
	ALU("add %bx,%ax: 0x7fff+1 OF SF AF PF", 0x7fff, 1, 0, 0x8000,
	    X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF,
	    0x01, 0xd8);
	ALU("add %bx,%ax: 0xffff+1 CF ZF", 0xffff, 1, 0, 0,
	    X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF,
	    0x01, 0xd8);
	ALU("adc %bx,%ax with CF", 0x10, 0x10, X86_EFLAGS_CF, 0x21,
	    X86_EFLAGS_PF, 0x11, 0xd8);
	ALU("sbb $1,%ax with CF: 0-1-1", 0, 0, X86_EFLAGS_CF, 0xfffe,
	    X86_EFLAGS_CF | X86_EFLAGS_SF | X86_EFLAGS_AF, 0x83, 0xd8, 0x01);
	ALU("sub %bx,%ax: 5-5 ZF PF", 5, 5, X86_EFLAGS_CF, 0,
	    X86_EFLAGS_ZF | X86_EFLAGS_PF, 0x29, 0xd8);
	ALU("cmp $0x10,%al: 8 < 0x10, AL kept", 0x1108, 0, 0, 0x1108,
	    X86_EFLAGS_CF | X86_EFLAGS_SF, 0x3c, 0x10);
	ALU("cmp %bx,%ax (3b): 2 vs 1", 2, 1, X86_EFLAGS_CF, 2, 0, 0x3b, 0xc3);
	ALU("and $0xff00,%ax", 0x12ff, 0, X86_EFLAGS_CF | X86_EFLAGS_OF,
	    0x1200, X86_EFLAGS_PF, 0x25, 0x00, 0xff);
	ALU("or %bl,%al", 0x80, 0x01, 0, 0x81, X86_EFLAGS_SF | X86_EFLAGS_PF,
	    0x08, 0xd8);
	ALU("xor %ax,%ax", 0x1234, 0, X86_EFLAGS_CF, 0,
	    X86_EFLAGS_ZF | X86_EFLAGS_PF, 0x31, 0xc0);
	ALU("test $0x80,%al: AL kept", 0x80, 0, 0, 0x80, X86_EFLAGS_SF,
	    0xa8, 0x80);
	ALU("inc %ax keeps CF", 0xffff, 0, X86_EFLAGS_CF, 0,
	    X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF,
	    0x40);
	ALU("dec %eax (66 48): 0 -> 0xffffffff", 0, 0, 0, 0xffffffff,
	    X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF, 0x66, 0x48);
	ALU("neg %ax", 1, 0, 0, 0xffff,
	    X86_EFLAGS_CF | X86_EFLAGS_SF | X86_EFLAGS_AF | X86_EFLAGS_PF,
	    0xf7, 0xd8);
	ALU("not %al: flags kept", 0x0f, 0, X86_EFLAGS_ZF, 0xf0,
	    X86_EFLAGS_ZF, 0xf6, 0xd0);
	ALU("add $-1,%eax (66 83 /0 sign-extended)", 5, 0, 0, 4,
	    X86_EFLAGS_CF | X86_EFLAGS_AF, 0x66, 0x83, 0xc0, 0xff);
	ALU("add %ax,%bx (01 c3): BX the destination", 2, 3, 0, 2,
	    X86_EFLAGS_PF, 0x01, 0xc3);
	tap_ok(V.regs[3] == 5, "rmstep: add %%ax,%%bx wrote BX (%#lx)",
	       V.regs[3]);
	ALU("stc", 0, 0, 0, 0, X86_EFLAGS_CF, 0xf9);
	ALU("cmc", 0, 0, X86_EFLAGS_CF, 0, 0, 0xf5);
	ALU("clc", 0, 0, X86_EFLAGS_CF | X86_EFLAGS_ZF, 0, X86_EFLAGS_ZF,
	    0xf8);
	tap_ok(V.regs[3] == 0, "rmstep: clc leaves BX");

	/* the memory forms: add %ax,(%bx); incw (%bx) */
	real_mode(&V);
	CODE(&V, 0x01, 0x07, 0xff, 0x07, 0x83, 0x3f, 0x03);
	V.regs[0] = 1;
	V.regs[3] = 0x400;
	memcpy(ram_buf + 0x10400, "\x01\x00", 2);
	tap_ok(step(&V) == SVX_RM_DONE && rd16(0x10400) == 2,
	       "rmstep: add %%ax,(%%bx)");
	tap_ok(step(&V) == SVX_RM_DONE && rd16(0x10400) == 3,
	       "rmstep: incw (%%bx)");
	tap_ok(step(&V) == SVX_RM_DONE && (V.rm.rflags & X86_EFLAGS_ZF),
	       "rmstep: cmpw $3,(%%bx) sets ZF");
	/* a write to a read-only data segment: #GP(0) */
	real_mode(&V);
	CODE(&V, 0x01, 0x07);
	V.rm.seg[3].type = 1;
	expect_fault("add %ax,(%bx) to a read-only DS", 13, 0);
}

TAP_SUITE(rmstep_branches)
{
	int r;

	/* jcc taken and not, rel8 and rel16, 16-bit wrap */
	real_mode(&V);
	V.rm.rip = 0x100;
	CODE(&V, 0x74, 0x10);
	V.rm.rflags |= X86_EFLAGS_ZF;
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x112,
	       "rmstep: je taken (%#lx)", V.rm.rip);
	V.rm.rip = 0x100;
	V.rm.rflags &= ~X86_EFLAGS_ZF;
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x102,
	       "rmstep: je not taken (%#lx)", V.rm.rip);
	V.rm.rip = 0xfff0;
	CODE(&V, 0x0f, 0x85, 0x20, 0x00);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x14,
	       "rmstep: jne rel16 wraps at 64 KiB (%#lx)", V.rm.rip);
	V.rm.rip = 0x100;
	CODE(&V, 0x0f, 0x85, 0x00, 0xff);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x4,
	       "rmstep: jne rel16 backwards (%#lx)", V.rm.rip);
	V.rm.rip = 0x100;
	CODE(&V, 0xeb, 0xfe);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x100,
	       "rmstep: jmp . stays (%#lx)", V.rm.rip);
	/* past CS's limit: #GP(0) */
	V.rm.seg[1].limit = 0x180;
	V.rm.rip = 0x100;
	CODE(&V, 0xe9, 0x00, 0x10);
	expect_fault("jmp rel16 past CS's limit", 13, 0);
	V.rm.rip = 0x17f;
	CODE(&V, 0x90, 0x90);
	tap_ok(step(&V) == SVX_RM_DONE, "rmstep: nop at CS's limit - 1");
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x181,
	       "rmstep: nop at CS's limit");
	expect_fault("fetch past CS's limit", 13, 0);

	/* call/ret near, 16-bit stack */
	real_mode(&V);
	V.rm.rip = 0x100;
	V.regs[4] = 0x1000;
	CODE(&V, 0xe8, 0xfd, 0x00);		/* call 0x200 */
	V.rm.rip = 0x200;
	CODE(&V, 0xc2, 0x04, 0x00);		/* ret $4 */
	V.rm.rip = 0x100;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x200 && V.regs[4] == 0xffe &&
	       rd16(0x10ffe) == 0x103, "rmstep: call rel16 (rip %#lx sp %#lx)",
	       V.rm.rip, V.regs[4]);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x103 && V.regs[4] == 0x1004,
	       "rmstep: ret $4 (rip %#lx sp %#lx)", V.rm.rip, V.regs[4]);
	/* 16-bit SP wraps: push at SP 0 writes 0xfffe */
	real_mode(&V);
	V.regs[4] = 0x50000;
	V.regs[0] = 0x4321;
	CODE(&V, 0x50, 0x5b);
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[4] == 0x5fffe &&
	       rd16(0x1fffe) == 0x4321,
	       "rmstep: push %%ax at SP 0 wraps (sp %#lx)", V.regs[4]);
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[4] == 0x50000 &&
	       V.regs[3] == 0x4321, "rmstep: pop %%bx");
	/* stack past SS's limit: #SS(0) */
	real_mode(&V);
	V.regs[4] = 0x1;
	CODE(&V, 0x50);
	expect_fault("push %ax with SP 1", 12, 0);
	/* call *%bx, jmp *(%bx), ljmp *(%bx), retf */
	real_mode(&V);
	V.regs[3] = 0x300;
	V.regs[4] = 0x800;
	CODE(&V, 0xff, 0xd3);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x300 &&
	       rd16(0x107fe) == 2, "rmstep: call *%%bx");
	V.regs[3] = 0x600;
	CODE(&V, 0xff, 0x27);
	memcpy(ram_buf + 0x10600, "\x00\x05", 2);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.rip == 0x500,
	       "rmstep: jmp *(%%bx)");
	CODE(&V, 0xff, 0x2f);
	memcpy(ram_buf + 0x10600, "\x10\x00\x00\x20", 4);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x10 &&
	       V.rm.seg[1].selector == 0x2000 && V.rm.seg[1].base == 0x20000,
	       "rmstep: ljmp *(%%bx) in real mode (rip %#lx cs %#x)", V.rm.rip,
	       V.rm.seg[1].selector);
	V.regs[4] = 0x7fc;
	memcpy(ram_buf + 0x107fc, "\x34\x12\x00\x10", 4);
	CODE(&V, 0xcb);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x1234 &&
	       V.rm.seg[1].base == 0x10000 && V.regs[4] == 0x800,
	       "rmstep: retf (rip %#lx)", V.rm.rip);
}

TAP_SUITE(rmstep_system)
{
	int r;

	/* pushf/popf: IF, IOPL, DF; 16 bits only with a 16-bit operand */
	real_mode(&V);
	V.regs[4] = 0x100;
	V.rm.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_IF | X86_EFLAGS_AC;
	CODE(&V, 0x9c, 0x9d);
	tap_ok(step(&V) == SVX_RM_DONE &&
	       rd16(0x100fe) == (X86_EFLAGS_FIXED | X86_EFLAGS_IF),
	       "rmstep: pushf");
	memcpy(ram_buf + 0x100fe, "\x01\x34", 2);	/* CF, IOPL 3, DF */
	r = step(&V);
	tap_ok(r == SVX_RM_DONE &&
	       V.rm.rflags == (X86_EFLAGS_FIXED | X86_EFLAGS_CF |
			       X86_EFLAGS_IOPL | X86_EFLAGS_DF | X86_EFLAGS_AC),
	       "rmstep: popf: IF cleared, IOPL, DF, AC kept (%#lx)",
	       V.rm.rflags);
	/* cli/sti (shadow), cld/std, hlt */
	real_mode(&V);
	CODE(&V, 0xfb, 0xfb, 0xfd, 0xfc, 0xfa, 0xf4);
	tap_ok(step(&V) == SVX_RM_DONE && (V.rm.rflags & X86_EFLAGS_IF) &&
	       V.rm.shadow == 1, "rmstep: sti with IF=0: shadow");
	tap_ok(step(&V) == SVX_RM_DONE && !V.rm.shadow,
	       "rmstep: sti with IF=1: no shadow");
	tap_ok(step(&V) == SVX_RM_DONE && (V.rm.rflags & X86_EFLAGS_DF),
	       "rmstep: std");
	tap_ok(step(&V) == SVX_RM_DONE && !(V.rm.rflags & X86_EFLAGS_DF),
	       "rmstep: cld");
	tap_ok(step(&V) == SVX_RM_DONE && !(V.rm.rflags & X86_EFLAGS_IF),
	       "rmstep: cli");
	tap_ok(step(&V) == SVX_RM_HLT && V.rm.rip == 6,
	       "rmstep: hlt retires (rip %#lx)", V.rm.rip);

	/* in/out DX, 16 and 32 bits; IN completes */
	real_mode(&V);
	CODE(&V, 0x66, 0xef, 0xed, 0xec);
	V.regs[0] = 0x11223344;
	V.regs[2] = 0xcf8;
	r = step(&V);
	tap_ok(r == SVX_RM_PIO && V.rm.io.addr == 0xcf8 && V.rm.io.size == 4 &&
	       V.rm.io.val == 0x11223344 && !V.rm.io.in && V.rm.rip == 2,
	       "rmstep: out %%eax,(%%dx)");
	r = step(&V);
	tap_ok(r == SVX_RM_PIO && V.rm.io.in && V.rm.io.size == 2 &&
	       V.rm.rip == 2, "rmstep: in (%%dx),%%ax waits");
	svx_x86_rm_complete(&V.rm, &V.rm.io, 0xabcdef);
	tap_ok(V.regs[0] == 0x1122cdef && V.rm.rip == 3,
	       "rmstep: in (%%dx),%%ax completed (%#lx)", V.regs[0]);
	r = step(&V);
	svx_x86_rm_complete(&V.rm, &V.rm.io, 0x77);
	tap_ok(r == SVX_RM_PIO && V.regs[0] == 0x1122cd77 && V.rm.rip == 4,
	       "rmstep: in (%%dx),%%al completed");

	/* lgdtl, mov from/to CR */
	real_mode(&V);
	CODE(&V, 0x66, 0x0f, 0x01, 0x16, 0x00, 0x03, 0x0f, 0x20, 0xe0,
	     0x0f, 0x22, 0xdb, 0x0f, 0x20, 0xc8);
	memcpy(ram_buf + 0x10300, "\xff\x00\x00\x10\x20\xc0", 6);
	V.rm.cr[4] = 0x20;
	V.regs[3] = 0x12345000;
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.gdt_base == 0xc0201000 &&
	       V.rm.gdt_limit == 0xff,
	       "rmstep: lgdtl: 32-bit base (%#llx)",
	       (unsigned long long)V.rm.gdt_base);
	tap_ok(step(&V) == SVX_RM_DONE && V.regs[0] == 0x20,
	       "rmstep: mov %%cr4,%%eax");
	r = step(&V);
	tap_ok(r == SVX_RM_CR && V.rm.cr_n == 3 && V.rm.cr_reg == 3 &&
	       V.rm.cr_val == 0x12345000 && V.rm.insn[0] == 0x0f &&
	       V.rm.rip == 9 && V.rm.len == 3,
	       "rmstep: mov %%ebx,%%cr3 is the host's (r %d)", r);
	V.rm.rip += V.rm.len;
	expect_fault("mov %cr1,%eax", 6, 0);
	/* lidtw: a 24-bit base (KVM's read_descriptor()) */
	real_mode(&V);
	CODE(&V, 0x0f, 0x01, 0x1e, 0x00, 0x03);
	memcpy(ram_buf + 0x10300, "\xff\x03\x00\x10\x20\xc0", 6);
	tap_ok(step(&V) == SVX_RM_DONE && V.rm.idt_base == 0x201000 &&
	       V.rm.idt_limit == 0x3ff,
	       "rmstep: lidtw: 24-bit base (%#llx)",
	       (unsigned long long)V.rm.idt_base);
	/* lgdt of a register: #UD */
	CODE(&V, 0x0f, 0x01, 0xd0);
	expect_fault("lgdt %ax", 6, 0);

	/* what it does not emulate */
	real_mode(&V);
	CODE(&V, 0xf3, 0xa4);
	tap_ok(step(&V) == SVX_RM_UNHANDLED && V.rm.rip == 0,
	       "rmstep: rep movsb: unhandled");
	CODE(&V, 0xf7, 0xe3);
	tap_ok(step(&V) == SVX_RM_UNHANDLED, "rmstep: mul %%bx: unhandled");
	CODE(&V, 0x27);
	tap_ok(step(&V) == SVX_RM_UNHANDLED, "rmstep: daa: unhandled");
	/* code not in RAM */
	smm_entry(&V);
	V.rm.seg[1].base = 0xfee00000;
	V.rm.rip = 0;
	tap_ok(step(&V) == SVX_RM_UNHANDLED, "rmstep: fetch from MMIO: unhandled");
}

/*
 * iret in real mode (KVM's emulate_iret_real()): IP, CS, FLAGS popped,
 * CS's base sel * 16 with its limit kept, NMIs unblocked; an IP above
 * 64 KiB (32-bit operand) is #GP(0); refused in protected mode.
 */
TAP_SUITE(rmstep_iret)
{
	int r;

	smm_entry(&V);
	CODE(&V, 0xcf);
	V.regs[4] = 0x7000;		/* SS:SP = 0:0x7000 */
	memcpy(ram_buf + 0x7000, "\x34\x12\x00\x30\x03\x03", 6);
	V.rm.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_DF;
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x1234 &&
	       V.rm.seg[1].selector == 0x3000 &&
	       V.rm.seg[1].base == 0x30000 &&
	       V.rm.seg[1].limit == 0xffffffff && V.regs[4] == 0x7006 &&
	       V.rm.rflags == (X86_EFLAGS_FIXED | X86_EFLAGS_IF |
			       X86_EFLAGS_TF | X86_EFLAGS_CF) &&
	       V.rm.nmi_unmask,
	       "rmstep: iret pops IP, CS, FLAGS (r %d rip %#lx cs %#x/%#llx flags %#lx sp %#lx)",
	       r, V.rm.rip, V.rm.seg[1].selector,
	       (unsigned long long)V.rm.seg[1].base, V.rm.rflags, V.regs[4]);

	/* iretd: IP 0x10000 is beyond 16 bits, #GP(0), nothing changed */
	smm_entry(&V);
	CODE(&V, 0x66, 0xcf);
	V.regs[4] = 0x7000;
	memcpy(ram_buf + 0x7000,
	       "\x00\x00\x01\x00\x00\x30\x00\x00\x02\x00\x00\x00", 12);
	expect_fault("iretd to IP 0x10000", 13, 0);

	/* iretd: 32-bit FLAGS, VM kept from before, reserved bits cleared */
	memcpy(ram_buf + 0x7000,
	       "\x00\x10\x00\x00\x00\x30\x00\x00\xd7\x8f\x3c\x00", 12);
	r = step(&V);
	tap_ok(r == SVX_RM_DONE && V.rm.rip == 0x1000 && V.regs[4] == 0x700c &&
	       V.rm.rflags == 0x240fd7,
	       "rmstep: iretd (r %d rip %#lx flags %#lx)", r, V.rm.rip,
	       V.rm.rflags);

	/* protected mode: not emulated */
	smm_entry(&V);
	CODE(&V, 0xcf);
	V.rm.cr[0] = X86_CR0_PE;
	r = step(&V);
	tap_ok(r == SVX_RM_UNHANDLED, "rmstep: iret in protected mode refused (r %d)",
	       r);
}
