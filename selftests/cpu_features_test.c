// SPDX-License-Identifier: GPL-2.0
/*
 * CPU features beyond a CPUID bit, as kvm_intel gives them, on every
 * device and paging mode: RDTSCP and TSC_AUX, RF in the EFLAGS image of an
 * injected fault, INVPCID (types 0-3 invalidate what they must, seen
 * through a changed PTE; its #GP and #UD rules), UMIP (SGDT, SIDT, SLDT
 * and STR fault at CPL 3 and work at CPL 0, with LGDT and LLDT), and the
 * TSC: IA32_TSC_ADJUST moving it, a TSC write moving TSC_ADJUST, the
 * VMM's writes of either, and KVM_GET/SET_TSC_KHZ.  A feature the device
 * does not offer (KVM_GET_SUPPORTED_CPUID) is a SKIP with the reason.
 * The supported table itself, per paging mode, is logged for comparison
 * with kvm_intel's ("supported-cpuid[...]" lines).
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b

/* CPUID bits */
#define B1_ECX_PCID		(1u << 17)
#define B7_EBX_TSC_ADJUST	(1u << 1)
#define B7_EBX_INVPCID		(1u << 10)
#define B7_ECX_UMIP		(1u << 2)

/* The INVPCID guest's 4 KiB mapping: PD 0 entry 3 -> a table of ours. */
#define CF_VA		0x600000
#define CF_PT		0x50000
#define CF_FRAMES	0x60000		/* frame k holds 0xf0 + k */
#define CF_DESC		SVX_DATA	/* the INVPCID descriptor */
#define CF_NOFLUSH	"0x8000000000000000"

/* PTE 0 of CF_PT -> frame K; read CF_VA and report it. */
#define SETPTE(k)							\
"	movq	$(" XSTR(CF_FRAMES) " + " #k " * 0x1000 + 3), " XSTR(CF_PT) "\n"
#define REPORT_VA							\
"	movq	" XSTR(CF_VA) ", %rax\n"				\
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
/* invpcid with descriptor {PCID, CF_VA} and type TYPE */
#define INVPCID(pcid, type)						\
"	movq	$" #pcid ", " XSTR(CF_DESC) "\n"			\
"	movl	$" #type ", %eax\n"					\
"	invpcid	(%rsi), %rax\n"
#define LOAD_CR3(bits)							\
"	movabsq	$(" XSTR(SVX_PT) " | " bits "), %rax\n"			\
"	movq	%rax, %cr3\n"

/*
 * Guest (long mode): INVPCID of each type after a PTE change, in the
 * current PCID and in another one (reached back by a MOV to CR3 that
 * keeps the TLB), each read of CF_VA reported on PORT_RESULT; then the
 * faults: #GP for type 4, a PCID above 12 bits, a non-canonical address,
 * and with CR4.PCIDE=0 a PCID other than 0 for types 0 and 1.  #GP and
 * #UD report (vector << 16 | error code) on PORT_RESULT2 and skip the
 * 5-byte instruction.
 */
__asm__(
"	.pushsection .rodata.svx_cf_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_invpcid_start, guest_invpcid_end\n"
"	.balign 16\n"
"guest_invpcid_start:\n"
GATE64(invpcid, 13, 98f)
GATE64(invpcid, 6, 99f)
"	movq	$" XSTR(CF_DESC) ", %rsi\n"
"	movq	$" XSTR(CF_VA) ", 8(%rsi)\n"
"	movq	%cr4, %rax\n"
"	orq	$0x20000, %rax\n"		/* PCIDE */
"	movq	%rax, %cr4\n"
LOAD_CR3("1")
REPORT_VA					/* 0xf0 */
SETPTE(2) INVPCID(1, 0) REPORT_VA		/* 0xf2: address, PCID 1 */
SETPTE(3) INVPCID(1, 1) REPORT_VA		/* 0xf3: single context */
SETPTE(4) INVPCID(0, 2) REPORT_VA		/* 0xf4: all, globals too */
SETPTE(5) INVPCID(0, 3) REPORT_VA		/* 0xf5: all but globals */
/* PCID 2 caches CF_VA; INVPCID of PCID 1 from there; back, keeping TLBs */
LOAD_CR3(CF_NOFLUSH " | 2")
"	movq	" XSTR(CF_VA) ", %rax\n"
SETPTE(6) INVPCID(1, 1)
LOAD_CR3(CF_NOFLUSH " | 1")
REPORT_VA					/* 0xf6 */
LOAD_CR3(CF_NOFLUSH " | 2")
"	movq	" XSTR(CF_VA) ", %rax\n"
SETPTE(7) INVPCID(1, 0)
LOAD_CR3(CF_NOFLUSH " | 1")
REPORT_VA					/* 0xf7 */
/* the faults */
INVPCID(0, 4)					/* #GP: type */
INVPCID(0x1000, 1)				/* #GP: PCID */
"	movabsq	$0x0000800000000000, %rbx\n"
"	movq	%rbx, 8(%rsi)\n"
INVPCID(1, 0)					/* #GP: non-canonical */
"	movq	$" XSTR(CF_VA) ", 8(%rsi)\n"
LOAD_CR3("0")
"	movq	%cr4, %rax\n"
"	andq	$~0x20000, %rax\n"
"	movq	%rax, %cr4\n"
INVPCID(1, 1)					/* #GP: PCIDE=0, PCID 1 */
INVPCID(1, 0)					/* #GP: PCIDE=0, PCID 1 */
INVPCID(0, 1)					/* fine */
INVPCID(0, 2)					/* fine */
REPORT_VA					/* 0xf7 */
SETPTE(1) INVPCID(0, 0) REPORT_VA		/* 0xf1: PCIDE=0, address */
"	movl	$0x600d, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"98:	popq	%rax\n"
"	orl	$0xd0000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addq	$5, (%rsp)\n"
"	iretq\n"
"99:	movl	$0x60000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addq	$5, (%rsp)\n"
"	iretq\n"
"guest_invpcid_end:\n"
"	.popsection\n");

/*
 * Guest (long mode), TSC_ADJUST and TSC: rdtsc; TSC_ADJUST <- 2^40; rdtsc:
 * the difference's high and low dwords on PORT_RESULT, then TSC_ADJUST as
 * read back (high dword); rdtsc; TSC <- that + 2^36; TSC_ADJUST read back:
 * 2^36 minus its change (the cycles between the two) on PORT_RESULT2, and
 * the TSC's advance >> 32 on PORT_RESULT.
 */
__asm__(
"	.pushsection .rodata.svx_cf_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_tscadj_start, guest_tscadj_end\n"
"	.balign 16\n"
"guest_tscadj_start:\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %r8\n"
"	movl	$" XSTR(MSR_IA32_TSC_ADJUST) ", %ecx\n"
"	xorl	%eax, %eax\n"
"	movl	$0x100, %edx\n"
"	wrmsr\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	subq	%r8, %rdx\n"
"	movq	%rdx, %rax\n"
"	shrq	$32, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	%edx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$" XSTR(MSR_IA32_TSC_ADJUST) ", %ecx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %r12\n"			/* TSC_ADJUST */
"	movq	%rdx, %rax\n"
"	shrq	$32, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	movq	%rdx, %r8\n"
"	movabsq	$0x1000000000, %rax\n"
"	addq	%r8, %rax\n"
"	movq	%rax, %rdx\n"
"	shrq	$32, %rdx\n"
"	movl	$" XSTR(MSR_IA32_TSC) ", %ecx\n"
"	wrmsr\n"
"	movl	$" XSTR(MSR_IA32_TSC_ADJUST) ", %ecx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	subq	%r12, %rdx\n"			/* its change */
"	movabsq	$0x1000000000, %rax\n"
"	subq	%rdx, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	shrq	$32, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rax, %rdx\n"
"	subq	%r8, %rdx\n"
"	movq	%rdx, %rax\n"
"	shrq	$32, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_tscadj_end:\n"
"	.popsection\n");

/*
 * Guest (32-bit protected mode), UMIP: CR4.UMIP on, CR4 reported; at
 * CPL 0 SGDT (base, limit), SIDT (limit), SLDT, STR reported (to a 32-bit
 * register, then to a 16-bit one, once with a repeated 66 prefix: the
 * high half kept), LGDT of the same GDT and LLDT 0 done; then IRET to
 * CPL 3 (IOPL 3), where SGDT,
 * SIDT, SLDT and STR each take #GP (the handler reports (13 << 16 | error
 * code) on PORT_RESULT2 and skips the 3-byte instruction), and 0x3333.
 */
#define CF_SEL_CS3	0x2b
#define CF_SEL_DS3	0x33
__asm__(
"	.pushsection .rodata.svx_cf_guest, \"a\"\n"
"	.code32\n"
"	.globl guest_umip_start, guest_umip_end, guest_umip_gp_off\n"
"	.balign 16\n"
"guest_umip_start:\n"
"	movl	%cr4, %eax\n"
"	orl	$0x800, %eax\n"
"	movl	%eax, %cr4\n"
"	movl	%cr4, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$" XSTR(SVX_DATA) ", %ebx\n"
"	sgdt	(%ebx)\n"
"	movl	2(%ebx), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movzwl	(%ebx), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	sidt	16(%ebx)\n"
"	movzwl	16(%ebx), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0xffff, %eax\n"
"	sldt	%eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	str	%eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0xabcd1234, %eax\n"
"	.byte	0x66\n"
"	sldt	%ax\n"			/* 66 66 0f 00 c0: still 16-bit */
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	$0xabcd1234, %eax\n"
"	str	%ax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	lgdt	(%ebx)\n"
"	xorl	%eax, %eax\n"
"	lldt	%ax\n"
"	movl	$0x1d7, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	pushl	$" XSTR(CF_SEL_DS3) "\n"
"	pushl	$0x7800\n"
"	pushl	$0x3002\n"
"	pushl	$" XSTR(CF_SEL_CS3) "\n"
"	pushl	$(" XSTR(SVX_CODE) " + 1f - guest_umip_start)\n"
"	iret\n"
"1:	movl	$" XSTR(SVX_DATA) " + 32, %ebx\n"
"	sgdt	(%ebx)\n"
"	sidt	(%ebx)\n"
"	sldt	%eax\n"
"	str	%eax\n"
"	movl	$0x3333, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"2:	jmp	2b\n"
"3:	popl	%eax\n"
"	orl	$0xd0000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addl	$3, (%esp)\n"
"	iret\n"
"	.set	guest_umip_gp_off, 3b - guest_umip_start\n"
"guest_umip_end:\n"
"	.code64\n"
"	.popsection\n");

/*
 * Guest (32-bit protected mode), CPUID faulting: MISC_FEATURES_ENABLES <-
 * 1; CPUID leaf 0 at CPL 0, EAX reported; IRET to CPL 3 (IOPL 3), where
 * CPUID takes #GP (the handler reports (13 << 16 | error code) on
 * PORT_RESULT2 and skips the 2-byte instruction), then 0x3333.
 */
__asm__(
"	.pushsection .rodata.svx_cf_guest, \"a\"\n"
"	.code32\n"
"	.globl guest_cpuidf_start, guest_cpuidf_end, guest_cpuidf_gp_off\n"
"	.balign 16\n"
"guest_cpuidf_start:\n"
"	movl	$0x140, %ecx\n"
"	movl	$1, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	xorl	%eax, %eax\n"
"	cpuid\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	pushl	$" XSTR(CF_SEL_DS3) "\n"
"	pushl	$0x7800\n"
"	pushl	$0x3002\n"
"	pushl	$" XSTR(CF_SEL_CS3) "\n"
"	pushl	$(" XSTR(SVX_CODE) " + 1f - guest_cpuidf_start)\n"
"	iret\n"
"1:	xorl	%eax, %eax\n"
"	cpuid\n"
"	movl	$0x3333, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"2:	jmp	2b\n"
"3:	popl	%eax\n"
"	orl	$0xd0000, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	addl	$2, (%esp)\n"
"	iret\n"
"	.set	guest_cpuidf_gp_off, 3b - guest_cpuidf_start\n"
"guest_cpuidf_end:\n"
"	.code64\n"
"	.popsection\n");

SVX_GUEST_FIXTURE(guest);

/* The device's supported CPUID word (function, subleaf 0, reg 0-3). */
static uint32_t supported_word(uint32_t fn, int reg)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[256];
	} *c = calloc(1, sizeof(*c));
	uint32_t v = 0, i;
	int fd = svxu_open_dev();

	if (!c || fd < 0)
		goto out;
	c->h.nent = 256;
	if (svxu_ioctl(fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)c))
		goto out;
	for (i = 0; i < c->h.nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->e[i];

		if (e->function == fn && e->index == 0)
			v = reg == 0 ? e->eax : reg == 1 ? e->ebx :
			    reg == 2 ? e->ecx : e->edx;
	}
out:
	if (fd >= 0)
		close(fd);
	free(c);
	return v;
}

/*
 * The library's CPUID table with leaf 7.0 EBX/ECX = @ebx7/@ecx7 (added
 * if missing) and leaf 1 ECX's PCID as @pcid.
 */
static int set_cpuid7(int vcpu_fd, uint32_t ebx7, uint32_t ecx7, bool pcid)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[16];
	} c;
	struct kvm_cpuid_entry2 *e7 = NULL;
	unsigned int i, n;

	/*
	 * KVM 6.1 never writes nent back: the smallest nent that works is
	 * the table's size.
	 */
	for (n = 1; n < 16; n++) {
		memset(&c, 0, sizeof(c));
		c.h.nent = n;
		if (!svxu_ioctl(vcpu_fd, KVM_GET_CPUID2, (unsigned long)&c))
			break;
	}
	if (n == 16)
		return -1;
	for (i = 0; i < c.h.nent; i++) {
		if (c.e[i].function == 0 && c.e[i].eax < 7)
			c.e[i].eax = 7;
		if (c.e[i].function == 1)
			c.e[i].ecx = pcid ? c.e[i].ecx | B1_ECX_PCID :
					    c.e[i].ecx & ~B1_ECX_PCID;
		if (c.e[i].function == 7 && c.e[i].index == 0)
			e7 = &c.e[i];
	}
	if (!e7) {
		if (c.h.nent >= 16)
			return -1;
		e7 = &c.e[c.h.nent++];
		memset(e7, 0, sizeof(*e7));
		e7->function = 7;
		e7->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	}
	e7->ebx = ebx7;
	e7->ecx = ecx7;
	return svxu_ioctl(vcpu_fd, KVM_SET_CPUID2, (unsigned long)&c);
}

/* Point IDT gate @vec of the 32-bit guest at code offset @off. */
static void set_gate32(struct svxu_guest *g, int vec, uint32_t off)
{
	uint32_t *gate = (uint32_t *)(g->vm.mem + SVX_IDT + vec * 8);
	uint32_t addr = SVX_CODE + off;

	gate[0] = (addr & 0xffff) | (SVX_SEL_CS32 << 16);
	gate[1] = (addr & 0xffff0000) | 0x8e00;	/* present 32-bit int gate */
}

/* ---------------------------------------------------------------------- */
/* RDTSCP and TSC_AUX; RF                                                  */

/* The library's CPUID table plus RDTSCP (0x80000001 EDX bit 27) or not. */
static int set_cpuid_rdtscp(int vcpu_fd, bool rdtscp)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[8];
	} c = { .h.nent = 8 };
	unsigned int i;

	if (svxu_ioctl(vcpu_fd, KVM_GET_CPUID2, (unsigned long)&c) < 0)
		return -1;
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 0x80000001)
			c.e[i].edx = rdtscp ? c.e[i].edx | (1u << 27) :
					      c.e[i].edx & ~(1u << 27);
	return svxu_ioctl(vcpu_fd, KVM_SET_CPUID2, (unsigned long)&c);
}

/* The host's TSC_AUX as RDTSCP shows it (Linux: CPU and node number). */
static uint32_t host_tsc_aux(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

static bool host_has_rdtscp(void)
{
	uint32_t a, b, c, d;

	__cpuid(0x80000001, a, b, c, d);
	return d & (1u << 27);
}

/*
 * RDTSCP as the guest's CPUID says, as on kvm_intel: with RDTSCP the guest
 * writes TSC_AUX and RDTSCP returns it in ECX, and the VMM's own TSC_AUX
 * (its CPU number, pinned here) is intact after KVM_RUN; without it,
 * wrmsr TSC_AUX is #GP and rdtscp #UD.
 */
TEST_F(guest, rdtscp_follows_guest_cpuid)
{
	extern const char guest_rdtscp_gp_off[], guest_rdtscp_ud_off[];
	struct svxu_vcpu *v = &self->g.vcpu;
	uint64_t aux;
	uint32_t before;
	cpu_set_t cpus;

	if (!host_has_rdtscp())
		SKIP(return, "host CPU without RDTSCP");
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	before = host_tsc_aux();

	INIT(rdtscp, SVXU_MODE_PM32);
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_rdtscp_gp_off);
	set_gate32(&self->g, 6, (uint32_t)(uintptr_t)guest_rdtscp_ud_off);
	ASSERT_EQ(0, set_cpuid_rdtscp(v->fd, true));
	ASSERT_OUT32(v, PORT_RESULT, 0x5a);
	ASSERT_OUT32(v, PORT_RESULT2, 0x1234);	/* RDTSCP's ECX = TSC_AUX */
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(before, host_tsc_aux());
	ASSERT_EQ(0, svxu_get_msr(v->fd, 0xc0000103, &aux));
	ASSERT_EQ(0x1234, aux);
	svxu_guest_fini(&self->g);

	INIT(rdtscp, SVXU_MODE_PM32);
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_rdtscp_gp_off);
	set_gate32(&self->g, 6, (uint32_t)(uintptr_t)guest_rdtscp_ud_off);
	ASSERT_EQ(0, set_cpuid_rdtscp(v->fd, false));
	ASSERT_OUT32(v, PORT_RESULT, 13);		/* wrmsr: #GP */
	ASSERT_OUT32(v, PORT_RESULT, 0x5a);
	ASSERT_OUT32(v, PORT_RESULT, 6);		/* rdtscp: #UD */
	ASSERT_EQ(before, host_tsc_aux());
}

/*
 * A fault the hypervisor injects (#GP for reserved CR4 bits) shows RF set
 * in the EFLAGS image on the handler's stack, as one the CPU raises (#UD
 * from ud2) does, and as on kvm_intel.
 */
TEST_F(guest, injected_fault_sets_rf)
{
	extern const char guest_rf_gp_off[], guest_rf_ud_off[];
	struct svxu_vcpu *v = &self->g.vcpu;

	INIT(rf, SVXU_MODE_PM32);
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_rf_gp_off);
	set_gate32(&self->g, 6, (uint32_t)(uintptr_t)guest_rf_ud_off);
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x10000, svxu_io_value(v->run) & 0x10000)
		TH_LOG("#GP: EFLAGS image %#x", svxu_io_value(v->run));
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x10000, svxu_io_value(v->run) & 0x10000)
		TH_LOG("#UD: EFLAGS image %#x", svxu_io_value(v->run));
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* ---------------------------------------------------------------------- */
/* INVPCID                                                                 */

/* The INVPCID guest's table: PD 0 entry 3 -> CF_PT, 8 frames 0xf0 + k. */
static void invpcid_setup(struct svxu_guest *g)
{
	uint64_t *pd0 = (uint64_t *)(g->vm.mem + SVX_PT + 0x2000);
	uint64_t *pt = (uint64_t *)(g->vm.mem + CF_PT);
	int k;

	pd0[CF_VA >> 21] = CF_PT | 3;
	memset(pt, 0, 4096);
	pt[0] = CF_FRAMES | 3;
	for (k = 0; k < 8; k++)
		*(uint64_t *)(g->vm.mem + CF_FRAMES + k * 0x1000) = 0xf0 + k;
}

#define NO_INVPCID \
	"no INVPCID with PCID offered (the CPU lacks the 'enable INVPCID' control)"

static bool offers_invpcid(void)
{
	return (supported_word(7, 1) & B7_EBX_INVPCID) &&
	       (supported_word(1, 2) & B1_ECX_PCID);
}

/*
 * Each INVPCID type invalidates what it must: after the PTE of CF_VA
 * changes, the read after the INVPCID sees the new frame -- in the current
 * PCID (types 0-3) and in PCID 1 invalidated from PCID 2 (types 1 and 0)
 * and re-entered by a MOV to CR3 that keeps the TLB.  The faults: #GP(0)
 * for type 4, PCID 0x1000, a non-canonical address, and PCID 1 for types 0
 * and 1 with CR4.PCIDE=0; types 1 and 2 with PCID 0 do not fault there.
 */
TEST_F(guest, invpcid_types_and_faults)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	static const uint32_t before[] = { 0xf0, 0xf2, 0xf3, 0xf4, 0xf5,
					   0xf6, 0xf7 };
	unsigned int i;

	if (!offers_invpcid())
		SKIP(return, "%s: %s", svxu_dev(), NO_INVPCID);
	INIT(invpcid, SVXU_MODE_LONG64);
	invpcid_setup(&self->g);
	ASSERT_EQ(0, set_cpuid7(v->fd, B7_EBX_INVPCID, 0, true));
	for (i = 0; i < ARRAY_SIZE(before); i++) {
		ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
		EXPECT_EQ(before[i], svxu_io_value(v->run))
			TH_LOG("read %u of CF_VA: %#x, want %#x", i,
			       svxu_io_value(v->run), before[i]);
	}
	for (i = 0; i < 5; i++)
		ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);	/* #GP(0) */
	ASSERT_OUT32(v, PORT_RESULT, 0xf7);
	ASSERT_OUT32(v, PORT_RESULT, 0xf1);
	ASSERT_OUT32(v, PORT_RESULT, 0x600d);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* Without INVPCID in the guest's CPUID the instruction is #UD. */
TEST_F(guest, invpcid_ud_without_cpuid)
{
	struct svxu_vcpu *v = &self->g.vcpu;

	if (!offers_invpcid())
		SKIP(return, "%s: %s", svxu_dev(), NO_INVPCID);
	INIT(invpcid, SVXU_MODE_LONG64);
	invpcid_setup(&self->g);
	ASSERT_EQ(0, set_cpuid7(v->fd, 0, 0, true));
	ASSERT_OUT32(v, PORT_RESULT, 0xf0);
	ASSERT_OUT32(v, PORT_RESULT2, 0x60000);	/* #UD */
}

/* ---------------------------------------------------------------------- */
/* UMIP                                                                    */

/*
 * With CR4.UMIP, SGDT, SIDT, SLDT and STR take #GP(0) at CPL 3 and work at
 * CPL 0 (values as loaded), LGDT and LLDT too; CR4 reads back with UMIP.
 */
TEST_F(guest, umip_cpl3_faults_cpl0_works)
{
	extern const char guest_umip_gp_off[];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sr;
	uint64_t *gdt;
	uint32_t *tss;
	int i;

	if (!(supported_word(7, 2) & B7_ECX_UMIP))
		SKIP(return, "%s offers no UMIP (neither the CPU's nor descriptor-table exiting)",
		     svxu_dev());
	INIT(umip, SVXU_MODE_PM32);
	ASSERT_EQ(0, set_cpuid7(v->fd, 0, B7_ECX_UMIP, false));
	gdt = (uint64_t *)(self->g.vm.mem + SVX_GDT);
	gdt[CF_SEL_CS3 >> 3] = 0x00cffa000000ffffULL;	/* code, DPL 3 */
	gdt[CF_SEL_DS3 >> 3] = 0x00cff2000000ffffULL;	/* data, DPL 3 */
	tss = (uint32_t *)(self->g.vm.mem + SVX_TSS);
	tss[1] = 0x7000;				/* ESP0 */
	tss[2] = SVX_SEL_DS;				/* SS0 */
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_umip_gp_off);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.gdt.limit = CF_SEL_DS3 + 7;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));

	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x800, svxu_io_value(v->run) & 0x800)
		TH_LOG("CR4 %#x", svxu_io_value(v->run));
	ASSERT_OUT32(v, PORT_RESULT, SVX_GDT);		/* SGDT base */
	ASSERT_OUT32(v, PORT_RESULT, CF_SEL_DS3 + 7);	/* SGDT limit */
	ASSERT_OUT32(v, PORT_RESULT, sr.idt.limit);	/* SIDT limit */
	ASSERT_OUT32(v, PORT_RESULT, 0);		/* SLDT */
	ASSERT_OUT32(v, PORT_RESULT, SVX_SEL_TSS);	/* STR */
	ASSERT_OUT32(v, PORT_RESULT, 0xabcd0000);	/* 66 66 SLDT %ax */
	ASSERT_OUT32(v, PORT_RESULT, 0xabcd0000 | SVX_SEL_TSS);	/* STR %ax */
	ASSERT_OUT32(v, PORT_RESULT, 0x1d7);		/* LGDT, LLDT done */
	for (i = 0; i < 4; i++)
		ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);	/* #GP(0) */
	ASSERT_OUT32(v, PORT_RESULT, 0x3333);
}

/*
 * CPUID faulting (MSR_PLATFORM_INFO offers it, MSR_MISC_FEATURES_ENABLES
 * bit 0 turns it on, as KVM): CPUID works at CPL 0 and takes #GP(0) at
 * CPL 3.
 */
TEST_F(guest, cpuid_faulting_cpl3)
{
	extern const char guest_cpuidf_gp_off[];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sr;
	uint64_t *gdt;
	uint32_t *tss;

	INIT(cpuidf, SVXU_MODE_PM32);
	gdt = (uint64_t *)(self->g.vm.mem + SVX_GDT);
	gdt[CF_SEL_CS3 >> 3] = 0x00cffa000000ffffULL;	/* code, DPL 3 */
	gdt[CF_SEL_DS3 >> 3] = 0x00cff2000000ffffULL;	/* data, DPL 3 */
	tss = (uint32_t *)(self->g.vm.mem + SVX_TSS);
	tss[1] = 0x7000;				/* ESP0 */
	tss[2] = SVX_SEL_DS;				/* SS0 */
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_cpuidf_gp_off);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.gdt.limit = CF_SEL_DS3 + 7;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));

	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);	/* CPL 0: CPUID ran */
	ASSERT_OUT32(v, PORT_RESULT2, 0xd0000);		/* CPL 3: #GP(0) */
	ASSERT_OUT32(v, PORT_RESULT, 0x3333);
}

/* ---------------------------------------------------------------------- */
/* TSC                                                                     */

/*
 * A guest write of TSC_ADJUST moves the TSC by as much (2^40 here), and
 * a guest write of the TSC moves TSC_ADJUST by the TSC's change, as on
 * kvm_intel (SDM 17.17.3).  Without TSC_ADJUST in the guest's CPUID the
 * TSC_ADJUST write is dropped (no #GP, the TSC stays), as KVM does, and a
 * TSC write still moves the value TSC_ADJUST reads.
 */
static void tscadj_run(struct __test_metadata *_metadata,
		       struct svxu_vcpu *v, bool has)
{
	uint64_t adj;

	ASSERT_OUT32(v, PORT_RESULT, has ? 0x100 : 0);	/* TSC moved >> 32 */
	ASSERT_PIO(v, PORT_RESULT, 4, KVM_EXIT_IO_OUT);	/* and the rest */
	EXPECT_GT(0x80000000u, svxu_io_value(v->run));
	ASSERT_OUT32(v, PORT_RESULT, has ? 0x100 : 0);	/* TSC_ADJUST >> 32 */
	ASSERT_PIO(v, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	EXPECT_GT(0x80000000u, svxu_io_value(v->run))	/* 2^36 - change */
		TH_LOG("TSC_ADJUST moved %#x less than the TSC write",
		       svxu_io_value(v->run));
	ASSERT_OUT32(v, PORT_RESULT2, 0);
	ASSERT_OUT32(v, PORT_RESULT, 0x10);		/* TSC moved >> 32 */
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC_ADJUST, &adj));
	EXPECT_EQ(has ? 0x100 : 0, adj >> 40 << 8);
	EXPECT_LT(0xf00000000ULL, adj & 0xffffffffffULL);
	EXPECT_GE(0x1000000000ULL, adj & 0xffffffffffULL);
}

TEST_F(guest, tsc_adjust_guest_writes)
{
	struct svxu_vcpu *v = &self->g.vcpu;

	if (!(supported_word(7, 1) & B7_EBX_TSC_ADJUST))
		SKIP(return, "%s offers no TSC_ADJUST", svxu_dev());
	INIT(tscadj, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid7(v->fd, B7_EBX_TSC_ADJUST, 0, false));
	tscadj_run(_metadata, v, true);
	svxu_guest_fini(&self->g);

	INIT(tscadj, SVXU_MODE_LONG64);
	ASSERT_EQ(0, set_cpuid7(v->fd, 0, 0, false));
	tscadj_run(_metadata, v, false);
}

/*
 * The VMM's writes (KVM_SET_MSRS): TSC_ADJUST only takes the value (the
 * TSC does not move), a TSC write far from the running TSC sets the TSC
 * and leaves TSC_ADJUST.
 */
TEST_F(guest, tsc_adjust_host_writes)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint64_t t0, t1, adj;

	if (!(supported_word(7, 1) & B7_EBX_TSC_ADJUST))
		SKIP(return, "%s offers no TSC_ADJUST", svxu_dev());
	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(0, set_cpuid7(v->fd, B7_EBX_TSC_ADJUST, 0, false));
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC, &t0));
	ASSERT_EQ(0, svxu_set_msr(v->fd, MSR_IA32_TSC_ADJUST, 1ULL << 40));
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC, &t1));
	EXPECT_GT(1ULL << 36, t1 - t0)
		TH_LOG("TSC moved by %#llx", (unsigned long long)(t1 - t0));
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC_ADJUST, &adj));
	EXPECT_EQ(1ULL << 40, adj);
	ASSERT_EQ(0, svxu_set_msr(v->fd, MSR_IA32_TSC, t1 + (1ULL << 44)));
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC, &t0));
	EXPECT_LE(t1 + (1ULL << 44), t0);
	EXPECT_GT(t1 + (1ULL << 44) + (1ULL << 36), t0);
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC_ADJUST, &adj));
	EXPECT_EQ(1ULL << 40, adj);
}

/*
 * KVM_GET_TSC_KHZ (KVM_CAP_GET_TSC_KHZ) answers the vCPU's rate;
 * KVM_SET_TSC_KHZ takes it back and 0 (the host's rate); a lower rate
 * needs TSC scaling (KVM_CAP_TSC_CONTROL): -EINVAL without.
 */
TEST_F(guest, tsc_khz)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	int khz, scaling;

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_LT(0, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_GET_TSC_KHZ));
	scaling = svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
			     KVM_CAP_TSC_CONTROL);
	khz = svxu_ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
	TH_LOG("%s: %d kHz, TSC scaling %d", svxu_dev(), khz, scaling);
	ASSERT_LT(0, khz);
	EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_TSC_KHZ, khz));
	EXPECT_EQ(khz, svxu_ioctl(v->fd, KVM_GET_TSC_KHZ, 0));
	EXPECT_EQ(0, svxu_ioctl(v->fd, KVM_SET_TSC_KHZ, 0));
	EXPECT_EQ(scaling > 0 ? 0 : -EINVAL,
		  svxu_ioctl(v->fd, KVM_SET_TSC_KHZ, khz / 2));
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* The feature words compared between the tables: leaf, subleaf, register. */
static const struct {
	uint32_t fn, idx;
	int reg;
	const char *name;
} feature_words[] = {
	{ 1, 0, 2, "1.ecx" }, { 1, 0, 3, "1.edx" },
	{ 7, 0, 1, "7.ebx" }, { 7, 0, 2, "7.ecx" }, { 7, 0, 3, "7.edx" },
	{ 0xd, 0, 0, "d.eax" }, { 0xd, 1, 0, "d1.eax" },
	{ 0x80000001, 0, 2, "80000001.ecx" },
	{ 0x80000001, 0, 3, "80000001.edx" },
};

struct cpuid_table {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[256];
};

static uint32_t table_word(const struct cpuid_table *t, uint32_t fn,
			   uint32_t idx, int reg)
{
	uint32_t i;

	for (i = 0; i < t->h.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &t->e[i];

		if (e->function == fn && e->index == idx)
			return reg == 0 ? e->eax : reg == 1 ? e->ebx :
			       reg == 2 ? e->ecx : e->edx;
	}
	return 0;
}

static void log_table(struct __test_metadata *_metadata, const char *label,
		      const struct cpuid_table *t)
{
	char line[512];
	size_t n = 0, i;

	for (i = 0; i < sizeof(feature_words) / sizeof(feature_words[0]); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%08x",
			      feature_words[i].name,
			      table_word(t, feature_words[i].fn,
					 feature_words[i].idx,
					 feature_words[i].reg));
	TH_LOG("supported-cpuid[%s]:%s", label, line);
}

/*
 * KVM_GET_SUPPORTED_CPUID on the system fd, and on /dev/shadowvmx
 * SVX_GET_SUPPORTED_CPUID on a VM of this suite's paging mode: the system
 * fd's table holds in every mode, so each of its feature bits is in the
 * mode's table too.
 */
TEST(supported_cpuid_per_mode)
{
	struct cpuid_table *sys = calloc(1, sizeof(*sys));
	struct cpuid_table *mode = calloc(1, sizeof(*mode));
	struct svxu_vm vm = { .fd = -1, .sys_fd = -1 };
	char label[128];
	size_t i;
	int r;

	ASSERT_TRUE(sys && mode);
	r = svxu_vm_create(&vm, 1 << 20);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	sys->h.nent = 256;
	r = svxu_ioctl(vm.sys_fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)sys);
	ASSERT_EQ(0, r) TH_LOG("KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	snprintf(label, sizeof(label), "%s system fd", svxu_dev());
	log_table(_metadata, label, sys);
	if (svxu_dev_is_kvm()) {
		svxu_vm_destroy(&vm);
		free(sys);
		free(mode);
		return;
	}
	mode->h.nent = 256;
	r = svxu_ioctl(vm.fd, SVX_GET_SUPPORTED_CPUID, (unsigned long)mode);
	ASSERT_EQ(0, r) TH_LOG("SVX_GET_SUPPORTED_CPUID: %s", strerror(-r));
	if (svxu_paging()) {
		snprintf(label, sizeof(label), "%s %s", svxu_dev(),
			 svxu_paging());
	} else {
		struct svx_caps caps = { 0 };

		r = svxu_ioctl(vm.sys_fd, SVX_GET_CAPS, (unsigned long)&caps);
		ASSERT_EQ(0, r) TH_LOG("SVX_GET_CAPS: %s", strerror(-r));
		snprintf(label, sizeof(label), "%s %s (default)", svxu_dev(),
			 svxu_paging_name(caps.default_paging));
	}
	log_table(_metadata, label, mode);
	for (i = 0; i < sizeof(feature_words) / sizeof(feature_words[0]); i++) {
		uint32_t a = table_word(sys, feature_words[i].fn,
					feature_words[i].idx,
					feature_words[i].reg);
		uint32_t b = table_word(mode, feature_words[i].fn,
					feature_words[i].idx,
					feature_words[i].reg);

		EXPECT_EQ(0, a & ~b)
			TH_LOG("%s: %08x on the system fd, not in this mode's %08x",
			       feature_words[i].name, a, b);
	}
	svxu_vm_destroy(&vm);
	free(sys);
	free(mode);
}

TEST_HARNESS_MAIN
