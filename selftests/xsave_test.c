// SPDX-License-Identifier: GPL-2.0
/*
 * XSAVE and XCR0 as kvm_intel gives them, on every device and paging mode:
 * XSETBV's valid values and its #GP cases (__kvm_set_xcr()), XGETBV, #UD
 * for both without CR4.OSXSAVE, CR4.OSXSAVE only with XSAVE in the guest's
 * CPUID (guest MOV to CR4 and KVM_SET_SREGS), CPUID.1:ECX.OSXSAVE and
 * CPUID.0xd.0:EBX following CR4 and XCR0; the guest's XMM/YMM registers
 * kept across many exits to userspace (which uses its own vector
 * registers and yields the CPU in between), read and written through
 * KVM_GET/SET_XSAVE, KVM_GET_XSAVE2 and KVM_GET_FPU; KVM_GET/SET_XCRS and
 * KVM_SET_XSAVE validation; KVM_CAP_XSAVE, KVM_CAP_XCRS, KVM_CAP_XSAVE2.
 * Without XSAVE on the host (KVM_CAP_XCRS = 0) the XSAVE tests SKIP, on
 * every device alike.
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define CR4_OSXSAVE	(1u << 18)
#define B1_ECX_XSAVE	(1u << 26)
#define B1_ECX_OSXSAVE	(1u << 27)
#define B1_ECX_AVX	(1u << 28)

#define XS_TAB		0x14000		/* XSETBV table: {ecx, pad, value} */
#define XS_PAT		0x15000		/* 16 x 32-byte register values */
#define XS_OUT		0x16000		/* the registers at the end */
#define XS_LOOPS	200		/* PIO exits with the registers live */
#define PORT_LOOP	0x42

/*
 * Guest (long mode): CR4.OSFXSR|OSXMMEXCPT, then CR4.OSXSAVE (a #GP is
 * reported); CR4 and CPUID.1:ECX on PORT_RESULT; XGETBV(0) on PORT_RESULT
 * (a #UD is reported); then for each XS_TAB entry until ECX = ~0: XSETBV
 * and XGETBV(0) on PORT_RESULT; CPUID.0xd.0:EBX on PORT_RESULT.  With RBX
 * set (AVX) YMM0-15 else XMM0-15 are loaded from XS_PAT, XS_LOOPS OUTs to
 * PORT_LOOP follow, the registers go to XS_OUT and 0x600d ends it.  #GP
 * and #UD report (vector << 16 | error code) on PORT_RESULT2 and skip the
 * 3-byte instruction.
 */
#define YLOAD(n) "	vmovdqu	" #n " * 32(%rsi), %ymm" #n "\n"
#define YSTORE(n) "	vmovdqu	%ymm" #n ", " #n " * 32(%rdi)\n"
#define XLOAD(n) "	movdqu	" #n " * 32(%rsi), %xmm" #n "\n"
#define XSTORE(n) "	movdqu	%xmm" #n ", " #n " * 32(%rdi)\n"
#define ALL16(m) m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7) m(8) m(9) m(10) \
	m(11) m(12) m(13) m(14) m(15)

__asm__(
"	.pushsection .rodata.svx_xs_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_xsave_start, guest_xsave_end\n"
"	.balign 16\n"
"guest_xsave_start:\n"
GATE64(xsave, 13, 98f)
GATE64(xsave, 6, 99f)
"	movq	%cr4, %rax\n"
"	orq	$0x600, %rax\n"
"	movq	%rax, %cr4\n"
"	orq	$0x40000, %rax\n"
"	movq	%rax, %cr4\n"			/* 3 bytes: 0f 22 e0 */
"	movq	%cr4, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$1, %eax\n"
"	cpuid\n"
"	movl	%ecx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	xorl	%ecx, %ecx\n"
"	xgetbv\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movq	$" XSTR(XS_TAB) ", %r8\n"
"1:	movl	(%r8), %ecx\n"
"	cmpl	$-1, %ecx\n"
"	je	2f\n"
"	movl	8(%r8), %eax\n"
"	movl	12(%r8), %edx\n"
"	xsetbv\n"
"	xorl	%ecx, %ecx\n"
"	xgetbv\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	addq	$16, %r8\n"
"	jmp	1b\n"
"2:	movl	$0xd, %eax\n"
"	xorl	%ecx, %ecx\n"
"	cpuid\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movq	%r9, %rbx\n"			/* AVX: the host's RBX */
"	movq	$" XSTR(XS_PAT) ", %rsi\n"
"	movq	$" XSTR(XS_OUT) ", %rdi\n"
"	testq	%rbx, %rbx\n"
"	jz	3f\n"
ALL16(YLOAD)
"	jmp	4f\n"
"3:\n"
ALL16(XLOAD)
"4:	movl	$" XSTR(XS_LOOPS) ", %ecx\n"
"5:	movl	%ecx, %eax\n"
"	outl	%eax, $" XSTR(PORT_LOOP) "\n"
"	decl	%ecx\n"
"	jnz	5b\n"
"	testq	%rbx, %rbx\n"
"	jz	6f\n"
ALL16(YSTORE)
"	jmp	7f\n"
"6:\n"
ALL16(XSTORE)
"7:	movl	$0x600d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"98:	popq	%rax\n"
"	orl	$0xd0000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addq	$3, (%rsp)\n"
"	iretq\n"
"99:	movl	$0x60000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addq	$3, (%rsp)\n"
"	iretq\n"
"guest_xsave_end:\n"
"	.popsection\n");

SVX_GUEST_FIXTURE(guest);

struct cpuid_tab {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[256];
};

/* The device's KVM_GET_SUPPORTED_CPUID (system fd); NULL on failure. */
static struct cpuid_tab *supported(void)
{
	struct cpuid_tab *c = calloc(1, sizeof(*c));
	int fd = svxu_open_dev();

	if (c)
		c->h.nent = 256;
	if (!c || fd < 0 ||
	    svxu_ioctl(fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)c)) {
		free(c);
		c = NULL;
	}
	if (fd >= 0)
		close(fd);
	return c;
}

static struct kvm_cpuid_entry2 *find(struct cpuid_tab *c, uint32_t fn,
				     uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->h.nent; i++)
		if (c->e[i].function == fn && c->e[i].index == idx)
			return &c->e[i];
	return NULL;
}

/* Supported XCR0 (leaf 0xd.0 EDX:EAX), 0 if none. */
static uint64_t supported_xcr0(struct cpuid_tab *c)
{
	struct kvm_cpuid_entry2 *e = find(c, 0xd, 0);

	return e ? e->eax | (uint64_t)e->edx << 32 : 0;
}

static long check_ext(long cap)
{
	int fd = svxu_open_dev();
	long r;

	if (fd < 0)
		return -1;
	r = svxu_ioctl(fd, KVM_CHECK_EXTENSION, cap);
	close(fd);
	return r;
}

/* The supported table as the vCPU's, XSAVE (and OSXSAVE) kept or not. */
static int set_cpuid(int vcpu_fd, struct cpuid_tab *c, bool xsave)
{
	struct kvm_cpuid_entry2 *e1 = find(c, 1, 0);

	if (e1 && !xsave)
		e1->ecx &= ~(B1_ECX_XSAVE | B1_ECX_AVX);
	return svxu_ioctl(vcpu_fd, KVM_SET_CPUID2, (unsigned long)c);
}

static void set_table(struct svxu_guest *g, const uint64_t (*tab)[2], int n)
{
	uint64_t *t = (uint64_t *)(g->vm.mem + XS_TAB);
	int i;

	for (i = 0; i < n; i++) {
		t[2 * i] = tab[i][0];
		t[2 * i + 1] = tab[i][1];
	}
	t[2 * n] = 0xffffffff;
}

static void set_pattern(struct svxu_guest *g, uint8_t seed)
{
	uint8_t *p = g->vm.mem + XS_PAT;
	int i;

	for (i = 0; i < 16 * 32; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 5));
}

/* Host work between the guest's exits: its own vector registers, a yield. */
static void host_clobber(int i)
{
	volatile double x[8];
	int k;

	for (k = 0; k < 8; k++)
		x[k] = (double)(i * 8 + k) * 1.5;
	asm volatile("movdqu %0, %%xmm0\n\tmovdqu %0, %%xmm5\n\t"
		     "movdqu %0, %%xmm15" : : "m"(x[0]) : "xmm0", "xmm5",
		     "xmm15");
	if (!(i % 16))
		sched_yield();
}

#define NO_XSAVE "the device offers no XSAVE (KVM_CAP_XCRS = 0: the host kernel runs without XSAVE)"

TEST_F(guest, caps)
{
	struct cpuid_tab *c = supported();
	struct kvm_cpuid_entry2 *d0;
	long xsave2;

	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(1, check_ext(KVM_CAP_XSAVE));
	xsave2 = check_ext(KVM_CAP_XSAVE2);
	d0 = find(c, 0xd, 0);
	ASSERT_TRUE(d0 != NULL);
	TH_LOG("%s: XCR0 %#llx, size %u, KVM_CAP_XSAVE2 %ld, KVM_CAP_XCRS %ld, leaf 1 ECX %#x",
	       svxu_dev(), (unsigned long long)supported_xcr0(c), d0->ebx,
	       xsave2, check_ext(KVM_CAP_XCRS), find(c, 1, 0)->ecx);
	EXPECT_EQ(d0->ebx > 4096 ? d0->ebx : 4096, xsave2);
	if (check_ext(KVM_CAP_XCRS)) {
		EXPECT_EQ(3, supported_xcr0(c) & 3);
		EXPECT_TRUE(find(c, 1, 0)->ecx & B1_ECX_XSAVE);
	} else {
		EXPECT_EQ(0, supported_xcr0(c));
		EXPECT_FALSE(find(c, 1, 0)->ecx & B1_ECX_XSAVE);
	}
	/* AVX only with YMM state */
	if (find(c, 1, 0)->ecx & B1_ECX_AVX)
		EXPECT_EQ(4, supported_xcr0(c) & 4);
	free(c);
}

/*
 * XSETBV/XGETBV in the guest and what CPUID shows, then the registers
 * across XS_LOOPS exits; the host reads and writes them on the way.
 */
TEST_F(guest, xsetbv_and_registers)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct cpuid_tab *c = supported();
	uint64_t xcr0, top;
	uint64_t tab[8][2];
	struct kvm_regs regs;
	struct kvm_xcrs xcrs;
	struct kvm_fpu fpu;
	struct kvm_xsave *xs;
	uint8_t *pat, *out, want[16 * 32];
	bool avx;
	int n = 0, i, xsize;

	ASSERT_TRUE(c != NULL);
	if (!check_ext(KVM_CAP_XCRS))
		SKIP(return, "%s: %s", svxu_dev(), NO_XSAVE);
	xcr0 = supported_xcr0(c);
	avx = (find(c, 1, 0)->ecx & B1_ECX_AVX) && (xcr0 & 4);
	INIT(xsave, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid(v->fd, c, true));
	/* valid: 3, (7); #GP: 0, 4 (YMM without SSE), XCR 1, bit 62 */
	tab[n][0] = 0; tab[n++][1] = 3;
	tab[n][0] = 0; tab[n++][1] = 0;
	tab[n][0] = 0; tab[n++][1] = 5;
	tab[n][0] = 1; tab[n++][1] = 1;
	tab[n][0] = 0; tab[n++][1] = 1ULL << 62 | 3;
	if (avx) {
		tab[n][0] = 0; tab[n++][1] = 7;
	}
	top = avx ? 7 : 3;
	set_table(&self->g, (const uint64_t (*)[2])tab, n);
	set_pattern(&self->g, 0x11);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.r9 = avx;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));

	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);		/* CR4 */
	EXPECT_EQ(CR4_OSXSAVE, svxu_io_value(v->run) & CR4_OSXSAVE);
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);		/* CPUID.1 */
	EXPECT_EQ(B1_ECX_OSXSAVE, svxu_io_value(v->run) & B1_ECX_OSXSAVE);
	ASSERT_OUT32(v, PORT_RESULT, 1);			/* XCR0 at reset */
	ASSERT_OUT32(v, PORT_RESULT, 3);
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);			/* 0 */
	ASSERT_OUT32(v, PORT_RESULT, 3);
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);			/* YMM, no SSE */
	ASSERT_OUT32(v, PORT_RESULT, 3);
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);			/* XCR1 */
	ASSERT_OUT32(v, PORT_RESULT, 3);
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);			/* bit 62 */
	ASSERT_OUT32(v, PORT_RESULT, 3);
	if (avx)
		ASSERT_OUT32(v, PORT_RESULT, 7);
	/* CPUID.0xd.0:EBX: the standard size for the current XCR0 */
	ASSERT_OUT32(v, PORT_RESULT, avx ? 832 : 576);
	memset(&xcrs, 0, sizeof(xcrs));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XCRS, (unsigned long)&xcrs));
	EXPECT_EQ(1, xcrs.nr_xcrs);
	EXPECT_EQ(0, xcrs.xcrs[0].xcr);
	EXPECT_EQ(top, xcrs.xcrs[0].value);

	xsize = check_ext(KVM_CAP_XSAVE2);
	ASSERT_LE(4096, xsize);
	xs = calloc(1, xsize);
	ASSERT_TRUE(xs != NULL);
	pat = self->g.vm.mem + XS_PAT;
	memcpy(want, pat, sizeof(want));
	for (i = 0; i < XS_LOOPS; i++) {
		ASSERT_PIO(v, PORT_LOOP, 4, KVM_EXIT_IO_OUT);
		ASSERT_EQ(XS_LOOPS - i, svxu_io_value(v->run));
		host_clobber(i);
		if (i == 50 || i == 150) {
			int r, k;

			ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XSAVE2,
						(unsigned long)xs));
			for (r = 0; r < 16; r++) {
				ASSERT_EQ(0, memcmp((uint8_t *)xs->region + 160 + r * 16,
						    want + r * 32, 16))
					TH_LOG("exit %d: XMM%d in KVM_GET_XSAVE2", i, r);
				if (avx)
					ASSERT_EQ(0, memcmp((uint8_t *)xs->region + 576 + r * 16,
							    want + r * 32 + 16, 16))
						TH_LOG("exit %d: YMM%d_H in KVM_GET_XSAVE2", i, r);
			}
			ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_FPU,
						(unsigned long)&fpu));
			ASSERT_EQ(0, memcmp(fpu.xmm[3], want + 3 * 32, 16));
			/* the host changes XMM2 (and YMM2's upper half) */
			for (k = 0; k < 16; k++) {
				want[2 * 32 + k] ^= 0xa5 + i;
				((uint8_t *)xs->region)[160 + 2 * 16 + k] ^= 0xa5 + i;
				if (avx) {
					want[2 * 32 + 16 + k] ^= 0x3c;
					((uint8_t *)xs->region)[576 + 2 * 16 + k] ^= 0x3c;
				}
			}
			ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_XSAVE,
						(unsigned long)xs));
		}
	}
	ASSERT_OUT32(v, PORT_RESULT, 0x600d);
	out = self->g.vm.mem + XS_OUT;
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(0, memcmp(out + i * 32, want + i * 32, avx ? 32 : 16))
			TH_LOG("register %d after %d exits", i, XS_LOOPS);
	}
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	free(xs);
	free(c);
}

/*
 * Without XSAVE in the guest's CPUID: CR4.OSXSAVE is #GP for the guest and
 * -EINVAL from KVM_SET_SREGS, XGETBV is #UD; XSETBV is #UD too (the table
 * has one, XCR0 stays 1 -- XGETBV's #UD reports for the XGETBV after it).
 */
TEST_F(guest, osxsave_needs_cpuid_xsave)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct cpuid_tab *c = supported();
	uint64_t tab[1][2] = { { 0, 3 } };
	struct kvm_sregs sr;

	ASSERT_TRUE(c != NULL);
	if (!check_ext(KVM_CAP_XCRS))
		SKIP(return, "%s: %s", svxu_dev(), NO_XSAVE);
	INIT(xsave, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid(v->fd, c, false));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.cr4 |= CR4_OSXSAVE;
	EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));
	set_table(&self->g, (const uint64_t (*)[2])tab, 1);
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);		/* MOV to CR4: #GP */
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0, svxu_io_value(v->run) & CR4_OSXSAVE);
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);	/* CPUID.1 */
	EXPECT_EQ(0, svxu_io_value(v->run) & B1_ECX_OSXSAVE);
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);		/* XGETBV: #UD */
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);	/* (its EAX) */
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);		/* XSETBV: #UD */
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);		/* XGETBV: #UD */
	free(c);

	/* With XSAVE in CPUID, KVM_SET_SREGS takes CR4.OSXSAVE. */
	svxu_guest_fini(&self->g);
	c = supported();
	ASSERT_TRUE(c != NULL);
	INIT(xsave, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid(v->fd, c, true));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.cr4 |= CR4_OSXSAVE;
	EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(CR4_OSXSAVE, sr.cr4 & CR4_OSXSAVE);
	free(c);
}

/* KVM_GET/SET_XCRS and KVM_SET_XSAVE validation, as KVM. */
TEST_F(guest, xcrs_and_xsave_ioctls)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct cpuid_tab *c = supported();
	struct kvm_xcrs x;
	struct kvm_xsave *xs;
	uint64_t *hdr;
	int xsize;

	ASSERT_TRUE(c != NULL);
	INIT(xsave, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid(v->fd, c, true));
	memset(&x, 0xff, sizeof(x));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XCRS, (unsigned long)&x));
	if (!check_ext(KVM_CAP_XCRS)) {
		EXPECT_EQ(0, x.nr_xcrs);
		memset(&x, 0, sizeof(x));
		x.nr_xcrs = 1;
		x.xcrs[0].value = 1;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS,
					      (unsigned long)&x));
	} else {
		EXPECT_EQ(1, x.nr_xcrs);
		EXPECT_EQ(1, x.xcrs[0].value);
		x.xcrs[0].value = 3;
		EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.xcrs[0].value = 0;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.xcrs[0].value = 5;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.xcrs[0].value = 1ULL << 62 | 3;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.xcrs[0].value = 3;
		x.flags = 1;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.flags = 0;
		x.nr_xcrs = KVM_MAX_XCRS + 1;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = 1;	/* not XCR0: ignored */
		x.xcrs[0].value = 0;
		EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_XCRS, (unsigned long)&x));
		memset(&x, 0, sizeof(x));
		ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XCRS, (unsigned long)&x));
		EXPECT_EQ(3, x.xcrs[0].value);
	}

	xsize = check_ext(KVM_CAP_XSAVE2);
	ASSERT_LE(4096, xsize);
	xs = calloc(1, xsize);
	ASSERT_TRUE(xs != NULL);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XSAVE2, (unsigned long)xs));
	EXPECT_EQ(0x37f, xs->region[0] & 0xffff);		/* FCW */
	EXPECT_EQ(0x1f80, xs->region[6]);			/* MXCSR */
	xs->region[40] = 0x12345678;				/* XMM0 */
	hdr = (uint64_t *)&xs->region[128];			/* 512: header */
	hdr[0] |= 3;						/* XSTATE_BV */
	EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_XSAVE, (unsigned long)xs));
	memset(xs, 0, xsize);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_XSAVE, (unsigned long)xs));
	EXPECT_EQ(0x12345678, xs->region[40]);
	if (check_ext(KVM_CAP_XCRS))
		EXPECT_EQ(3, hdr[0] & 3);
	/* MXCSR reserved bits, a feature nobody supports: -EINVAL */
	xs->region[6] = 0xffffffff;
	EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XSAVE, (unsigned long)xs));
	xs->region[6] = 0x1f80;
	if (check_ext(KVM_CAP_XCRS)) {
		hdr[0] |= 1ULL << 62;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_SET_XSAVE,
					      (unsigned long)xs));
		hdr[0] &= ~(1ULL << 62);
	}
	EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_XSAVE, (unsigned long)xs));
	free(xs);
	free(c);
}

TEST_HARNESS_MAIN
