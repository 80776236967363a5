// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_SUPPORTED_CPUID and KVM_GET_EMULATED_CPUID with KVM's semantics
 * (nent in/out, -E2BIG, index flags), the supported table against the
 * host's CPUID, and the guest side: a CR4 bit is settable exactly when the
 * guest's CPUID has its feature and the device supports it, else MOV to
 * CR4 takes #GP(0) and KVM_SET_SREGS fails with -EINVAL -- on both devices
 * and in both paging modes.  On /dev/shadowvmx every advertised feature
 * bit must also be in the list of what the module is known to deliver.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>

#include "svx.h"


/*
 * Guest code: IDT gate 13 (16 bytes each, a 64-bit interrupt gate) to the
 * label 99 of guest NAME, which runs at SVX_CODE.
 */
#define GATE13(name)							\
"	movabsq $(" XSTR(SVX_CODE) " + 99f - guest_" #name "_start), %rax\n" \
"	movw	%ax, 0xd0\n"						\
"	movw	$" XSTR(SVX_SEL_CS64) ", 0xd2\n"				\
"	movw	$0x8e00, 0xd4\n"					\
"	shrq	$16, %rax\n"						\
"	movw	%ax, 0xd6\n"						\
"	shrq	$16, %rax\n"						\
"	movl	%eax, 0xd8\n"						\
"	movl	$0, 0xdc\n"

/*
 * Guest (long mode): installs a #GP handler, keeps its CR4 in r12, then
 * per run: hlt; CR4 |= the qword at SVX_DATA; out CR4 to PORT_RESULT and
 * restore CR4 -- or, on #GP, out the error code to PORT_RESULT2.
 */
__asm__(
"	.pushsection .rodata.svx_cpuid_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_cr4probe_start, guest_cr4probe_end\n"
"	.balign 16\n"
"guest_cr4probe_start:\n"
GATE13(cr4probe)
"	movq	%cr4, %r12\n"
"1:	hlt\n"
"	movq	" XSTR(SVX_DATA) ", %rbx\n"
"	movq	%r12, %rax\n"
"	orq	%rbx, %rax\n"
"	movq	%rax, %cr4\n"
"	movq	%cr4, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movq	%r12, %cr4\n"
"	jmp	1b\n"
"99:	popq	%rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movq	$" XSTR(SVX_STACK) ", %rsp\n"
"	jmp	1b\n"
"guest_cr4probe_end:\n"
"	.popsection\n");

/*
 * Guest (long mode): per run: hlt; ECX = the MSR at SVX_DATA; rdmsr; if
 * the qword at SVX_DATA + 8 is not 0, OR it into EDX:EAX and wrmsr; out
 * EAX to PORT_RESULT -- or, on #GP, the error code to PORT_RESULT2.
 */
__asm__(
"	.pushsection .rodata.svx_cpuid_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_msrprobe_start, guest_msrprobe_end\n"
"	.balign 16\n"
"guest_msrprobe_start:\n"
GATE13(msrprobe)
"1:	hlt\n"
"	movl	" XSTR(SVX_DATA) ", %ecx\n"
"	rdmsr\n"
"	movq	" XSTR(SVX_DATA) " + 8, %rbx\n"
"	testq	%rbx, %rbx\n"
"	jz	2f\n"
"	orl	%ebx, %eax\n"
"	shrq	$32, %rbx\n"
"	orl	%ebx, %edx\n"
"	wrmsr\n"
"2:	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	jmp	1b\n"
"99:	popq	%rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movq	$" XSTR(SVX_STACK) ", %rsp\n"
"	jmp	1b\n"
"guest_msrprobe_end:\n"
"	.popsection\n");

#define CR4_VMXE	(1u << 13)
#define CR4_FSGSBASE	(1u << 16)
#define CR4_PCIDE	(1u << 17)
#define CR4_OSXSAVE	(1u << 18)
#define CR4_SMEP	(1u << 20)
#define CR4_SMAP	(1u << 21)
#define CR4_PKE		(1u << 22)
#define CR4_UMIP	(1u << 11)

enum { EAX, EBX, ECX, EDX };

/* CR4 bits that need a CPUID feature, as KVM's __cr4_reserved_bits(). */
static const struct cr4_feature {
	uint64_t cr4;
	const char *name;
	uint32_t function;
	int reg;
	uint32_t bit;
} cr4_features[] = {
	{ CR4_VMXE, "VMXE", 1, ECX, 1u << 5 },
	{ CR4_PCIDE, "PCIDE", 1, ECX, 1u << 17 },
	{ CR4_OSXSAVE, "OSXSAVE", 1, ECX, 1u << 26 },
	{ CR4_FSGSBASE, "FSGSBASE", 7, EBX, 1u << 0 },
	{ CR4_SMEP, "SMEP", 7, EBX, 1u << 7 },
	{ CR4_SMAP, "SMAP", 7, EBX, 1u << 20 },
	{ CR4_UMIP, "UMIP", 7, ECX, 1u << 2 },
	{ CR4_PKE, "PKE", 7, ECX, 1u << 3 },
};

/* Feature words: leaf 1, leaf 7.0 and leaf 0x80000001. */
static const struct word {
	uint32_t function;
	int reg;
	const char *name;
	uint32_t svx_allowed;	/* what shadowvmx is known to deliver */
	uint32_t kvm_synth;	/* bits kvm_intel may set beyond the host's */
	uint32_t svx_synth;	/* and shadowvmx (vmx/cpufeat.c) */
} words[] = {
	{ 1, ECX, "1.ecx",
	  /*
	   * SSE3 PCLMULQDQ SSSE3 CX16 PCID SSE4.1 SSE4.2 x2APIC MOVBE POPCNT
	   * AES RDRAND; FMA XSAVE AVX F16C (x86/fpu.c)
	   */
	  (1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 17) |
	  (1u << 19) | (1u << 20) | (1u << 21) | (1u << 22) | (1u << 23) |
	  (1u << 25) | (1u << 30) | (1u << 12) | (1u << 26) | (1u << 28) |
	  (1u << 29),
	  /* x2APIC: the in-kernel local APIC's, on any host */
	  1u << 21, 1u << 21 },
	{ 1, EDX, "1.edx",
	  /*
	   * FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT
	   * PSE36 CLFSH MMX FXSR SSE SSE2 SS
	   */
	  0x0fabfbff & ~(1u << 10) & ~(1u << 20) & ~(1u << 21) & ~(1u << 22),
	  0, 0 },
	{ 7, EBX, "7.0.ebx",
	  /*
	   * FSGSBASE TSC_ADJUST BMI1 HLE FDP_EXCPTN_ONLY SMEP BMI2 ERMS
	   * INVPCID RTM ZERO_FCS_FDS RDSEED ADX SMAP CLFLUSHOPT CLWB SHA;
	   * AVX2 AVX512F DQ IFMA PF ER CD BW VL (x86/fpu.c)
	   */
	  (1u << 0) | (1u << 1) | (1u << 3) | (1u << 4) | (1u << 6) |
	  (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | (1u << 11) |
	  (1u << 13) | (1u << 18) | (1u << 19) | (1u << 20) | (1u << 23) |
	  (1u << 24) | (1u << 29) | (1u << 5) | (1u << 16) | (1u << 17) |
	  (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) |
	  (1u << 31),
	  1u << 1 /* TSC_ADJUST, emulated by KVM */,
	  1u << 1 /* and by shadowvmx */ },
	{ 7, ECX, "7.0.ecx",
	  /*
	   * UMIP GFNI RDPID CLDEMOTE MOVDIRI MOVDIR64B; AVX512VBMI VBMI2
	   * VAES VPCLMULQDQ VNNI BITALG VPOPCNTDQ (x86/fpu.c)
	   */
	  (1u << 2) | (1u << 8) | (1u << 22) | (1u << 25) | (1u << 27) |
	  (1u << 28) | (1u << 1) | (1u << 6) | (1u << 9) | (1u << 10) |
	  (1u << 11) | (1u << 12) | (1u << 14),
	  1u << 2 /* UMIP, emulated with descriptor-table exiting */,
	  1u << 2 /* by both */ },
	{ 7, EDX, "7.0.edx",
	  /*
	   * FSRM MD_CLEAR SERIALIZE TSXLDTRK; AVX512_4VNNIW 4FMAPS
	   * VP2INTERSECT FP16 (x86/fpu.c)
	   */
	  (1u << 4) | (1u << 10) | (1u << 14) | (1u << 16) | (1u << 2) |
	  (1u << 3) | (1u << 8) | (1u << 23),
	  /* SPEC_CTRL, STIBP, ARCH_CAPABILITIES, SSBD: from host flags */
	  (1u << 26) | (1u << 27) | (1u << 29) | (1u << 31), 0 },
	{ 0x80000001, ECX, "80000001.ecx",
	  /* LAHF_LM ABM PREFETCHW */
	  (1u << 0) | (1u << 5) | (1u << 8), 0, 0 },
	{ 0x80000001, EDX, "80000001.edx",
	  /* SYSCALL NX Page1GB RDTSCP LM */
	  (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29),
	  1u << 26 /* Page1GB under ept=0 */, 0 },
};

static struct kvm_cpuid2 *cpuid_alloc(uint32_t nent)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
	if (c)
		c->nent = nent;
	return c;
}

/* The device's supported table (the system fd's), or NULL. */
static struct kvm_cpuid2 *get_supported(int sys_fd)
{
	struct kvm_cpuid2 *c = cpuid_alloc(256);

	if (c && svxu_ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)c)) {
		free(c);
		return NULL;
	}
	return c;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

static uint32_t reg_of(const struct kvm_cpuid_entry2 *e, int reg)
{
	if (!e)
		return 0;
	switch (reg) {
	case EAX:
		return e->eax;
	case EBX:
		return e->ebx;
	case ECX:
		return e->ecx;
	}
	return e->edx;
}

static uint32_t *reg_ptr(struct kvm_cpuid_entry2 *e, int reg)
{
	switch (reg) {
	case EAX:
		return &e->eax;
	case EBX:
		return &e->ebx;
	case ECX:
		return &e->ecx;
	}
	return &e->edx;
}

static uint32_t host_reg(uint32_t fn, int reg)
{
	unsigned int r[4] = { 0 }, max;

	max = __get_cpuid_max(fn & 0x80000000, NULL);
	if (fn > max)
		return 0;
	__cpuid_count(fn, 0, r[0], r[1], r[2], r[3]);
	return r[reg];
}

static bool indexed(uint32_t fn)
{
	switch (fn) {
	case 4: case 7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f:
	case 0x8000001d:
		return true;
	}
	return false;
}

FIXTURE(sys) {
	int fd;
};

FIXTURE_SETUP(sys)
{
	self->fd = svxu_open_dev();
	ASSERT_LE(0, self->fd)
		TH_LOG("open %s: %s", svxu_dev(), strerror(-self->fd));
}

FIXTURE_TEARDOWN(sys)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(sys, ext_cpuid_caps)
{
	EXPECT_EQ(1, svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID));
	EXPECT_EQ(1, svxu_ioctl(self->fd, KVM_CHECK_EXTENSION,
			       KVM_CAP_EXT_EMUL_CPUID));
}

/* KVM 6.1: nent < 1 or too small is -E2BIG and nent is left as it was. */
TEST_F(sys, supported_nent_semantics)
{
	struct kvm_cpuid2 *c = cpuid_alloc(1000);
	uint32_t count;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, svxu_ioctl(self->fd, KVM_GET_SUPPORTED_CPUID,
			       (unsigned long)c));
	count = c->nent;
	TH_LOG("%s: %u supported entries", svxu_dev(), count);
	ASSERT_GE(count, 4);
	ASSERT_LE(count, 256);	/* 1000 is clamped to KVM_MAX_CPUID_ENTRIES */

	c->nent = count;
	EXPECT_EQ(0, svxu_ioctl(self->fd, KVM_GET_SUPPORTED_CPUID,
			       (unsigned long)c));
	EXPECT_EQ(count, c->nent);

	c->nent = count - 1;
	EXPECT_EQ(-E2BIG, svxu_ioctl(self->fd, KVM_GET_SUPPORTED_CPUID,
				    (unsigned long)c));
	EXPECT_EQ(count - 1, c->nent);

	c->nent = 1;
	EXPECT_EQ(-E2BIG, svxu_ioctl(self->fd, KVM_GET_SUPPORTED_CPUID,
				    (unsigned long)c));
	EXPECT_EQ(1, c->nent);

	c->nent = 0;
	EXPECT_EQ(-E2BIG, svxu_ioctl(self->fd, KVM_GET_SUPPORTED_CPUID,
				    (unsigned long)c));
	EXPECT_EQ(0, c->nent);
	free(c);
}

/* Leaves in range, one entry per (function, index), index flags as KVM. */
TEST_F(sys, supported_leaves_and_flags)
{
	struct kvm_cpuid2 *c = get_supported(self->fd);
	struct kvm_cpuid_entry2 *e0, *x0, *e;
	uint32_t i, j, fn;

	ASSERT_NE(NULL, c);
	e0 = find(c, 0, 0);
	x0 = find(c, 0x80000000, 0);
	ASSERT_NE(NULL, e0);
	ASSERT_NE(NULL, x0);
	EXPECT_LE(e0->eax, host_reg(0, EAX));
	EXPECT_LE(x0->eax, host_reg(0x80000000, EAX));
	for (fn = 0; fn <= e0->eax; fn++)
		EXPECT_NE(NULL, find(c, fn, 0)) TH_LOG("leaf %#x missing", fn);
	for (fn = 0x80000000; fn <= x0->eax; fn++)
		EXPECT_NE(NULL, find(c, fn, 0)) TH_LOG("leaf %#x missing", fn);
	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		EXPECT_EQ(indexed(e->function) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
			  e->flags) TH_LOG("leaf %#x.%u flags %#x", e->function,
					   e->index, e->flags);
		if (!indexed(e->function))
			EXPECT_EQ(0, e->index);
		for (j = i + 1; j < c->nent; j++)
			EXPECT_FALSE(c->entries[j].function == e->function &&
				     c->entries[j].index == e->index)
				TH_LOG("leaf %#x.%u twice", e->function, e->index);
	}
	/* Leaf 4: subleaves 0..n up to the first null cache type. */
	for (i = 0; (e = find(c, 4, i)) && (e->eax & 0x1f); i++)
		;
	if (e0->eax >= 4)
		EXPECT_NE(NULL, find(c, 4, i)) TH_LOG("leaf 4 ends without a null subleaf");
	EXPECT_NE(NULL, find(c, 7, 0));
	free(c);
}

/*
 * Each feature word is a subset of the host's (this L1's raw CPUID), but
 * for what kvm_intel synthesises; on /dev/shadowvmx every bit is one the
 * module is known to deliver, and there is no PMU or KVM PV leaf.
 */
TEST_F(sys, supported_subset_of_host_and_delivered)
{
	struct kvm_cpuid2 *c = get_supported(self->fd);
	bool kvm = svxu_dev_is_kvm();
	struct kvm_cpuid_entry2 *e;
	size_t w;
	uint32_t i;

	ASSERT_NE(NULL, c);
	for (w = 0; w < ARRAY_SIZE(words); w++) {
		uint32_t s = reg_of(find(c, words[w].function, 0), words[w].reg);
		uint32_t h = host_reg(words[w].function, words[w].reg);
		uint32_t extra = s & ~h & ~(kvm ? words[w].kvm_synth :
					       words[w].svx_synth);

		TH_LOG("%s %s: supported %08x host %08x", svxu_dev(),
		       words[w].name, s, h);
		EXPECT_EQ(0, extra) TH_LOG("%s: %08x beyond the host",
					   words[w].name, extra);
		if (!kvm)
			EXPECT_EQ(0, s & ~words[w].svx_allowed)
				TH_LOG("%s: %08x not known to be delivered",
				       words[w].name, s & ~words[w].svx_allowed);
	}
	if (kvm)
		goto out;
	e = find(c, 0xa, 0);
	EXPECT_TRUE(!e || !(e->eax | e->ebx | e->ecx | e->edx))
		TH_LOG("leaf 0xa (PMU) is not zero");
	/*
	 * Leaf 0xd: XCR0 bits only those x86/fpu.c switches (x87, SSE, AVX,
	 * AVX-512), none of IA32_XSS (as KVM 6.1); none at all without XSAVE.
	 */
	e = find(c, 0xd, 0);
	if (e) {
		EXPECT_EQ(0, e->eax & ~0xe7u) TH_LOG("leaf 0xd.0 EAX %#x", e->eax);
		EXPECT_EQ(0, e->edx) TH_LOG("leaf 0xd.0 EDX %#x", e->edx);
		if (!(find(c, 1, 0)->ecx & (1u << 26)))
			EXPECT_EQ(0, e->eax) TH_LOG("XCR0 bits without XSAVE");
	}
	e = find(c, 0xd, 1);
	if (e)
		EXPECT_EQ(0, e->ecx | e->edx) TH_LOG("IA32_XSS bits offered");
	/*
	 * KVM's PV leaves: the signature and the features kvmclock delivers
	 * (CLOCKSOURCE, NOP_IO_DELAY, CLOCKSOURCE2, CLOCKSOURCE_STABLE_BIT)
	 */
	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function < 0x40000000 || e->function >= 0x40000100)
			continue;
		EXPECT_TRUE(e->function == 0x40000000 ||
			    e->function == 0x40000001)
			TH_LOG("paravirtual leaf %#x", e->function);
		if (e->function == 0x40000000)
			EXPECT_EQ(0x40000001u, e->eax);
		if (e->function == 0x40000001)
			EXPECT_EQ(0x100000bu, e->eax | e->ebx | e->ecx | e->edx);
	}
out:
	free(c);
}

/* shadowvmx: the system fd's table holds in every paging mode's table. */
TEST_F(sys, supported_per_paging_mode)
{
	struct kvm_cpuid2 *sys, *m;
	struct svx_caps caps = { 0 };
	int mode, vm;
	size_t w;

	if (svxu_dev_is_kvm())
		SKIP(return, "SVX_GET_SUPPORTED_CPUID is a shadowvmx extension");
	ASSERT_EQ(0, svxu_ioctl(self->fd, SVX_GET_CAPS, (unsigned long)&caps));
	sys = get_supported(self->fd);
	ASSERT_NE(NULL, sys);
	for (mode = SVX_PAGING_SHADOW; mode <= SVX_PAGING_EPT; mode++) {
		if (!(caps.paging_modes & (1u << mode)))
			continue;
		vm = svxu_ioctl(self->fd, KVM_CREATE_VM, 0);
		ASSERT_LE(0, vm);
		ASSERT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING, mode));
		m = cpuid_alloc(256);
		ASSERT_NE(NULL, m);
		ASSERT_EQ(0, svxu_ioctl(vm, SVX_GET_SUPPORTED_CPUID,
				       (unsigned long)m));
		for (w = 0; w < ARRAY_SIZE(words); w++) {
			uint32_t s = reg_of(find(sys, words[w].function, 0),
					    words[w].reg);
			uint32_t v = reg_of(find(m, words[w].function, 0),
					    words[w].reg);

			EXPECT_EQ(0, s & ~v) TH_LOG("mode %d %s: %08x vs %08x",
						    mode, words[w].name, s, v);
		}
		EXPECT_LE(reg_of(find(sys, 0x80000008, 0), EAX) & 0xff,
			  reg_of(find(m, 0x80000008, 0), EAX) & 0xff);
		m->nent = 1;
		EXPECT_EQ(-E2BIG, svxu_ioctl(vm, SVX_GET_SUPPORTED_CPUID,
					    (unsigned long)m));
		EXPECT_EQ(1, m->nent);
		free(m);
		close(vm);
	}
	free(sys);
}

TEST_F(sys, emulated_semantics)
{
	struct kvm_cpuid2 *c = cpuid_alloc(256);

	ASSERT_NE(NULL, c);
	c->nent = 0;
	EXPECT_EQ(-E2BIG, svxu_ioctl(self->fd, KVM_GET_EMULATED_CPUID,
				    (unsigned long)c));
	c->nent = 256;
	c->entries[3].padding[1] = 1;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->fd, KVM_GET_EMULATED_CPUID,
				     (unsigned long)c));
	c->entries[3].padding[1] = 0;
	ASSERT_EQ(0, svxu_ioctl(self->fd, KVM_GET_EMULATED_CPUID,
			       (unsigned long)c));
	TH_LOG("%s: %u emulated entries", svxu_dev(), c->nent);
	/* shadowvmx emulates nothing beyond the CPU; KVM at least MOVBE. */
	EXPECT_EQ(svxu_dev_is_kvm(), c->nent != 0);
	free(c);
}

/* ------------------------------------------------------------ guests --- */

SVX_GUEST_FIXTURE(guest);

/*
 * A fresh guest running @code, given the supported table with @f forced
 * on (@on) or off (or neither, @f NULL), run to its first hlt.  KVM takes
 * a different CPUID only before a vCPU's first KVM_RUN, hence a new guest.
 */
static int new_guest(struct __test_metadata *_metadata, struct svxu_guest *g,
		     struct svxu_code code, struct kvm_cpuid2 *sup,
		     const struct cr4_feature *f, int on)
{
	struct kvm_cpuid2 *c;
	struct kvm_cpuid_entry2 *e;
	int r;

	svxu_guest_fini(g);
	r = svxu_guest_init(g, code, SVXU_MODE_LONG64);
	if (r) {
		TH_LOG("guest setup: %s", strerror(-r));
		return r;
	}
	c = cpuid_alloc(sup->nent);
	if (!c)
		return -ENOMEM;
	memcpy(c->entries, sup->entries, sup->nent * sizeof(c->entries[0]));
	e = f ? find(c, f->function, 0) : NULL;
	if (e && on)
		*reg_ptr(e, f->reg) |= f->bit;
	else if (e)
		*reg_ptr(e, f->reg) &= ~f->bit;
	r = svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)c);
	free(c);
	if (r) {
		TH_LOG("KVM_SET_CPUID2: %s", strerror(-r));
		return r;
	}
	r = svxu_run(&g->vcpu);
	if (r || g->run->exit_reason != KVM_EXIT_HLT) {
		TH_LOG("to the first hlt: %s", svxu_exit_str(g->run));
		return r ? r : -EIO;
	}
	return 0;
}

/*
 * Run a probe guest from its hlt with @a, @b at SVX_DATA: 1 and the
 * result in *@val if it reported one, 0 on #GP(0), -1 on anything else.
 */
static int probe(struct __test_metadata *_metadata, struct svxu_guest *g,
		 uint64_t a, uint64_t b, uint32_t *val)
{
	struct kvm_run *run = g->run;
	int r;

	memcpy(g->vm.mem + SVX_DATA, &a, sizeof(a));
	memcpy(g->vm.mem + SVX_DATA + 8, &b, sizeof(b));
	r = svxu_run(&g->vcpu);
	if (r || run->exit_reason != KVM_EXIT_IO || run->io.size != 4) {
		TH_LOG("run with %#llx %#llx: %s", (unsigned long long)a,
		       (unsigned long long)b, svxu_exit_str(run));
		return -1;
	}
	*val = svxu_io_value(run);
	if (run->io.port == PORT_RESULT2) {
		if (*val != 0)
			TH_LOG("#GP error code %#x", *val);
		r = *val ? -1 : 0;
	} else {
		r = run->io.port == PORT_RESULT ? 1 : -1;
	}
	if (svxu_run(&g->vcpu) || run->exit_reason != KVM_EXIT_HLT)
		return -1;
	return r;
}

/* Try CR4 |= @bits: 1 set, 0 #GP(0); -1 on a bad exit. */
static int try_cr4(struct __test_metadata *_metadata, struct svxu_guest *g,
		   uint64_t bits)
{
	uint32_t cr4;
	int r = probe(_metadata, g, bits, 0, &cr4);

	if (r == 1 && (cr4 & bits) != bits)
		r = -1;
	return r;
}

/* KVM_SET_SREGS with CR4 |= @bit: 0 or -errno; the old CR4 is restored. */
static int sregs_cr4(struct svxu_guest *g, uint64_t bit)
{
	struct kvm_sregs sr;
	int r;

	r = svxu_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr);
	if (r)
		return r;
	sr.cr4 |= bit;
	r = svxu_ioctl(g->vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
	if (!r) {
		sr.cr4 &= ~bit;
		svxu_ioctl(g->vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
	}
	return r;
}

static bool supported(struct kvm_cpuid2 *sup, const struct cr4_feature *f)
{
	return reg_of(find(sup, f->function, 0), f->reg) & f->bit;
}

static struct kvm_cpuid2 *dev_supported(void)
{
	struct kvm_cpuid2 *c;
	int fd = svxu_open_dev();

	if (fd < 0)
		return NULL;
	c = get_supported(fd);
	close(fd);
	return c;
}

/*
 * A guest with the supported table can set every CR4 bit it implies; with
 * that one feature removed from its CPUID the same MOV takes #GP(0) and
 * KVM_SET_SREGS fails; a feature the device does not support gives #GP
 * and -EINVAL even when the guest's CPUID claims it.
 */
TEST_F(guest, cr4_follows_guest_cpuid)
{
	struct svxu_code code = SVX_GUEST(cr4probe);
	struct kvm_cpuid2 *sup = dev_supported();
	size_t i;

	ASSERT_NE(NULL, sup);
	for (i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		bool sup_f = supported(sup, f);

		TH_LOG("%s: %s", f->name, sup_f ? "supported" :
		       "not supported; the guest's CPUID claims it");
		if (sup_f) {
			ASSERT_EQ(0, new_guest(_metadata, &self->g, code, sup,
					       NULL, 0));
			EXPECT_EQ(1, try_cr4(_metadata, &self->g, f->cr4))
				TH_LOG("%s: supported, but MOV to CR4 fails", f->name);
			EXPECT_EQ(0, sregs_cr4(&self->g, f->cr4))
				TH_LOG("%s: supported, but KVM_SET_SREGS fails", f->name);
		}
		ASSERT_EQ(0, new_guest(_metadata, &self->g, code, sup, f,
				       !sup_f));
		EXPECT_EQ(0, try_cr4(_metadata, &self->g, f->cr4))
			TH_LOG("%s: MOV to CR4 without the feature: no #GP(0)",
			       f->name);
		EXPECT_EQ(-EINVAL, sregs_cr4(&self->g, f->cr4))
			TH_LOG("%s: KVM_SET_SREGS without the feature", f->name);
	}
	free(sup);
}

/* As KVM 6.1: after the first KVM_RUN only the same CPUID is accepted. */
TEST_F(guest, set_cpuid_after_run)
{
	struct kvm_cpuid2 *sup = dev_supported();
	struct kvm_cpuid2 *c;

	ASSERT_NE(NULL, sup);
	ASSERT_EQ(0, new_guest(_metadata, &self->g, SVX_GUEST(cr4probe), sup,
			       NULL, 0));
	EXPECT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2,
			       (unsigned long)sup));
	c = cpuid_alloc(sup->nent);
	ASSERT_NE(NULL, c);
	memcpy(c->entries, sup->entries, sup->nent * sizeof(c->entries[0]));
	c->entries[1].ecx ^= 1;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2,
				     (unsigned long)c));
	c->nent--;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2,
				     (unsigned long)c));
	free(c);
	free(sup);
}

#define MSR_EFER	0xc0000080
#define MSR_TSC_AUX	0xc0000103
#define EFER_NX		(1u << 11)

/* A guest WRMSR setting EFER.NXE needs NX in its CPUID (KVM's set_efer()). */
TEST_F(guest, efer_nx_follows_guest_cpuid)
{
	static const struct cr4_feature nx = {
		0, "NX", 0x80000001, EDX, 1u << 20 };
	struct svxu_code code = SVX_GUEST(msrprobe);
	struct kvm_cpuid2 *sup = dev_supported();
	uint32_t v;

	ASSERT_NE(NULL, sup);
	ASSERT_TRUE(supported(sup, &nx));
	ASSERT_EQ(0, new_guest(_metadata, &self->g, code, sup, &nx, 0));
	EXPECT_EQ(0, probe(_metadata, &self->g, MSR_EFER, EFER_NX, &v));
	EXPECT_EQ(1, probe(_metadata, &self->g, MSR_EFER, 0, &v));
	EXPECT_EQ(0, v & EFER_NX);
	ASSERT_EQ(0, new_guest(_metadata, &self->g, code, sup, NULL, 0));
	EXPECT_EQ(1, probe(_metadata, &self->g, MSR_EFER, EFER_NX, &v));
	EXPECT_EQ(EFER_NX, v & EFER_NX);
	free(sup);
}

/*
 * IA32_TSC_AUX exists for a guest whose CPUID has RDTSCP or RDPID, and is
 * listed by KVM_GET_MSR_INDEX_LIST only if the device supports either.
 */
TEST_F(guest, tsc_aux_follows_cpuid)
{
	static const struct cr4_feature rdtscp = {
		0, "RDTSCP", 0x80000001, EDX, 1u << 27 };
	static const struct cr4_feature rdpid = { 0, "RDPID", 7, ECX, 1u << 22 };
	struct kvm_cpuid2 *sup = dev_supported();
	struct kvm_cpuid2 *none;
	struct kvm_cpuid_entry2 *e;
	struct kvm_msr_list *l;
	bool listed = false, has;
	uint32_t i, v;

	ASSERT_NE(NULL, sup);
	has = supported(sup, &rdtscp) || supported(sup, &rdpid);
	l = calloc(1, sizeof(*l) + 1024 * sizeof(l->indices[0]));
	ASSERT_NE(NULL, l);
	l->nmsrs = 1024;
	ASSERT_EQ(0, new_guest(_metadata, &self->g, SVX_GUEST(msrprobe), sup,
			       NULL, 0));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.sys_fd, KVM_GET_MSR_INDEX_LIST,
			       (unsigned long)l));
	for (i = 0; i < l->nmsrs; i++)
		listed |= l->indices[i] == MSR_TSC_AUX;
	TH_LOG("%s: RDTSCP/RDPID %s, TSC_AUX %s", svxu_dev(),
	       has ? "supported" : "not supported",
	       listed ? "listed" : "not listed");
	EXPECT_EQ(has, listed);
	/* Without both in the guest's CPUID, RDMSR takes #GP. */
	none = cpuid_alloc(sup->nent);
	ASSERT_NE(NULL, none);
	memcpy(none->entries, sup->entries, sup->nent * sizeof(sup->entries[0]));
	e = find(none, 7, 0);
	if (e)
		e->ecx &= ~rdpid.bit;
	ASSERT_EQ(0, new_guest(_metadata, &self->g, SVX_GUEST(msrprobe), none,
			       &rdtscp, 0));
	EXPECT_EQ(0, probe(_metadata, &self->g, MSR_TSC_AUX, 0, &v));
	free(none);
	free(l);
	free(sup);
}

TEST_HARNESS_MAIN
