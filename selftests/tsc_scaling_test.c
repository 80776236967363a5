// SPDX-License-Identifier: GPL-2.0
/*
 * TSC scaling as kvm_intel 6.1 gives it (KVM_CAP_TSC_CONTROL,
 * KVM_CAP_VM_TSC_CONTROL, KVM_SET_TSC_KHZ on the vCPU and on the VM): the
 * errno of bad rates; a guest at half and at 1.5 times the host's rate,
 * whose TSC is the host's scaled plus the offset (KVM's kvm_read_l1_tsc()
 * with the multiplier KVM computes: rate / host rate in 16.48 fixed point)
 * over a busy interval, in the guest's RDTSC and in KVM_GET_MSRS; kvmclock
 * consistent with that TSC (its record read at the guest's TSC lies
 * between KVM_GET_CLOCK before and after the run, and advances as the
 * guest's TSC at its rate does); the TSC-deadline timer firing at the
 * guest's rate (never before the deadline in the guest's TSC, not a
 * quarter later); the VM's rate for the vCPUs created after it and KVM's
 * TSC synchronisation of vCPUs (a host write within a second of the
 * running TSC keeps the generation's offset, one further away starts a
 * new one that the next vCPU takes).  Without TSC scaling only the
 * errnos run.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "svx.h"

#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_TSC_DEADLINE	0x6e0

#define PVTI_GPA	(SVX_DATA + 0x100)
#define TSC_GPA		(SVX_DATA + 0x300)
#define T0_GPA		(SVX_DATA + 0x308)
#define DELTA_GPA	(SVX_DATA + 0x310)

#define APIC		0xfee00000
#define IOAPIC		0xfec00000

#define NS		1000000000ULL

/*
 * Guest "tsr" (long mode): kvmclock on at PVTI_GPA, then at each run its
 * TSC at TSC_GPA and an OUT.  Guest "tdl" (long mode, in-kernel irqchip):
 * LVTT in TSC-deadline mode, vector 0x40; its TSC at T0_GPA, the deadline
 * that plus the cycles at DELTA_GPA; HLT until the interrupt, then its TSC
 * at TSC_GPA and an OUT.
 */
asm(".pushsection .rodata.svx_tsc_scaling_guests, \"a\"\n"
    ".code64\n"
    ".balign 16\n"
    ".globl guest_tsr_start, guest_tsr_end\n"
    "guest_tsr_start:\n"
    "	movl	$" XSTR(MSR_KVM_SYSTEM_TIME_NEW) ", %ecx\n"
    "	movl	$(" XSTR(PVTI_GPA) " + 1), %eax\n"
    "	xorl	%edx, %edx\n"
    "	wrmsr\n"
    "1:	rdtsc\n"
    "	movl	%eax, " XSTR(TSC_GPA) "\n"
    "	movl	%edx, " XSTR(TSC_GPA) " + 4\n"
    "	outb	%al, $" XSTR(PORT_OUT8) "\n"
    "	jmp	1b\n"
    "guest_tsr_end:\n"
    ".balign 16\n"
    ".globl guest_tdl_start, guest_tdl_end\n"
    "guest_tdl_start:\n"
    IRQ_BASES
    GATE64(tdl, 0x40, tdl_isr)
    "	xorl	%ebx, %ebx\n"
    APIC_W(0xf0, 0x1ff)				/* SVR: enabled */
    APIC_W(0x320, 0x40040)			/* LVTT: TSC-deadline */
    "	rdtsc\n"
    "	shlq	$32, %rdx\n"
    "	orq	%rdx, %rax\n"
    "	movq	%rax, " XSTR(T0_GPA) "\n"
    "	addq	" XSTR(DELTA_GPA) ", %rax\n"
    "	movq	%rax, %rdx\n"
    "	shrq	$32, %rdx\n"
    "	movl	$" XSTR(MSR_IA32_TSC_DEADLINE) ", %ecx\n"
    "	wrmsr\n"
    WAIT_COUNT(1, 2)
    "	rdtsc\n"
    "	movl	%eax, " XSTR(TSC_GPA) "\n"
    "	movl	%edx, " XSTR(TSC_GPA) " + 4\n"
    "	outb	%al, $" XSTR(PORT_OUT8) "\n"
    "	hlt\n"
    "tdl_isr:\n"
    "	incl	%ebx\n"
    APIC_W(0xb0, 0)				/* EOI */
    "	iretq\n"
    "guest_tdl_end:\n"
    ".popsection\n");

SVX_GUEST_FIXTURE(ts);

/* The guest's rate: the host's times num / den */
FIXTURE_VARIANT(ts) {
	unsigned int num, den;
};

FIXTURE_VARIANT_ADD(ts, half) {
	.num = 1, .den = 2,
};

FIXTURE_VARIANT_ADD(ts, one_and_a_half) {
	.num = 3, .den = 2,
};

static int sys_cap(int sys_fd, long cap)
{
	return svxu_ioctl(sys_fd, KVM_CHECK_EXTENSION, cap);
}

/* KVM's set_tsc_khz(): the multiplier of @khz on a host of @host_khz */
static uint64_t ratio_of(uint32_t khz, uint32_t host_khz)
{
	return (uint64_t)(((unsigned __int128)khz << 48) / host_khz);
}

/* KVM's kvm_scale_tsc() */
static uint64_t scale(uint64_t tsc, uint64_t ratio)
{
	if (ratio == 1ULL << 48)
		return tsc;
	return (uint64_t)(((unsigned __int128)tsc * ratio) >> 48);
}

static int tsc_offset(int vcpu_fd, uint64_t *off)
{
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(unsigned long)off,
	};

	return svxu_ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, (unsigned long)&a);
}

static int get_clock(struct svxu_guest *g, struct kvm_clock_data *d)
{
	memset(d, 0, sizeof(*d));
	return svxu_ioctl(g->vm.fd, KVM_GET_CLOCK, (unsigned long)d);
}

/* Spin on the host's TSC for @cycles */
static void busy(uint64_t cycles)
{
	uint64_t t0 = __rdtsc();

	while (__rdtsc() - t0 < cycles)
		;
}

/* The rate of @vcpu_fd: host * num / den; -1 to skip (no TSC scaling) */
static int set_rate(int sys_fd, int vcpu_fd, unsigned int num,
		    unsigned int den, uint32_t *host_khz, uint32_t *khz)
{
	*host_khz = svxu_ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
	*khz = (uint64_t)*host_khz * num / den;
	if (sys_cap(sys_fd, KVM_CAP_TSC_CONTROL) <= 0)
		return -1;
	return svxu_ioctl(vcpu_fd, KVM_SET_TSC_KHZ, *khz);
}

#define SET_RATE(v, host_khz, khz) do {					\
	int __r = set_rate(self->g.vm.sys_fd, (v)->fd, variant->num,	\
			   variant->den, &(host_khz), &(khz));		\
	if (__r == -1)							\
		SKIP(return, "%s: no TSC scaling (KVM_CAP_TSC_CONTROL 0)", \
		     svxu_dev());					\
	ASSERT_EQ(0, __r);						\
	ASSERT_EQ((int)(khz), svxu_ioctl((v)->fd, KVM_GET_TSC_KHZ, 0)); \
} while (0)

/*
 * The errnos, as KVM's: with TSC scaling a rate of max_guest_tsc_khz
 * (min(0x7fffffff, host rate * 2^16)) or more is -EINVAL on the vCPU and
 * on the VM, the ioctl takes the rate as a u32, 0 is the host's rate;
 * without scaling the vCPU refuses a lower rate (the requested one is
 * recorded) and the VM takes any.
 */
TEST(errnos)
{
	struct svxu_vm vm;
	struct svxu_vcpu v0, v1;
	int host, scaling, max;
	uint64_t m;

	svxu_vm_init(&vm);
	ASSERT_EQ(0, svxu_vm_create(&vm, SVX_MEM_SIZE));
	scaling = sys_cap(vm.sys_fd, KVM_CAP_TSC_CONTROL);
	EXPECT_EQ(scaling, sys_cap(vm.sys_fd, KVM_CAP_VM_TSC_CONTROL));
	EXPECT_EQ(scaling, svxu_ioctl(vm.fd, KVM_CHECK_EXTENSION,
				      KVM_CAP_VM_TSC_CONTROL));
	host = svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0);
	ASSERT_LT(0, host);
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 0, &v0));
	EXPECT_EQ(host, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
	/* KVM's max_guest_tsc_khz: min(0x7fffffff, scale(2^64 - 1)) */
	m = ((unsigned __int128)host * UINT64_MAX) >> 48;
	max = m < 0x7fffffff ? m : 0x7fffffff;
	TH_LOG("%s: host %d kHz, TSC scaling %d, max %d kHz", svxu_dev(),
	       host, scaling, max);

	EXPECT_EQ(0, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ, 0));
	EXPECT_EQ(host, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
	EXPECT_EQ(0, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ,
				(1UL << 32) | (unsigned int)host));
	EXPECT_EQ(host, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
	EXPECT_EQ(0, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, 0));
	EXPECT_EQ(host, svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0));
	if (scaling > 0) {
		EXPECT_EQ(-EINVAL, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ, max));
		EXPECT_EQ(-EINVAL, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ,
					      0xffffffffUL));
		EXPECT_EQ(host, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
		EXPECT_EQ(0, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ, max - 1));
		EXPECT_EQ(max - 1, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
		EXPECT_EQ(0, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ, 1));
		EXPECT_EQ(1, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
		EXPECT_EQ(-EINVAL, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, max));
		EXPECT_EQ(host, svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0));
		EXPECT_EQ(0, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, host / 2));
		EXPECT_EQ(host / 2, svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0));
	} else {
		EXPECT_EQ(-EINVAL, svxu_ioctl(v0.fd, KVM_SET_TSC_KHZ,
					      host / 2));
		EXPECT_EQ(host / 2, svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
		EXPECT_EQ(0, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, host / 2));
		EXPECT_EQ(host / 2, svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0));
	}
	/* a vCPU created now has the VM's rate (recorded either way) */
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 1, &v1));
	EXPECT_EQ(host / 2, svxu_ioctl(v1.fd, KVM_GET_TSC_KHZ, 0));
	EXPECT_EQ(scaling > 0 ? 1 : host / 2,
		  svxu_ioctl(v0.fd, KVM_GET_TSC_KHZ, 0));
	svxu_vcpu_destroy(&v1);
	svxu_vcpu_destroy(&v0);
	svxu_vm_destroy(&vm);
}

/*
 * The VM's rate and KVM's TSC synchronisation: vCPUs created at the VM's
 * rate count together (one offset); a host write of vCPU 0's TSC within a
 * second of it keeps that offset, one ten seconds ahead sets vCPU 0's
 * TSC, and a vCPU created after takes that new offset.  A vCPU at another
 * rate starts a generation of its own (its TSC from 0).
 */
TEST(vm_rate_and_sync)
{
	struct svxu_vm vm;
	struct svxu_vcpu v[4];
	uint64_t o0, o1, o2, o3, tsc, t;
	int host, khz, i;

	svxu_vm_init(&vm);
	ASSERT_EQ(0, svxu_vm_create(&vm, SVX_MEM_SIZE));
	if (sys_cap(vm.sys_fd, KVM_CAP_VM_TSC_CONTROL) <= 0) {
		svxu_vm_destroy(&vm);
		SKIP(return, "%s: no TSC scaling (KVM_CAP_VM_TSC_CONTROL 0)",
		     svxu_dev());
	}
	host = svxu_ioctl(vm.fd, KVM_GET_TSC_KHZ, 0);
	khz = host / 2;
	ASSERT_EQ(0, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, khz));
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 0, &v[0]));
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 1, &v[1]));
	EXPECT_EQ(khz, svxu_ioctl(v[0].fd, KVM_GET_TSC_KHZ, 0));
	EXPECT_EQ(khz, svxu_ioctl(v[1].fd, KVM_GET_TSC_KHZ, 0));
	ASSERT_EQ(0, tsc_offset(v[0].fd, &o0));
	ASSERT_EQ(0, tsc_offset(v[1].fd, &o1));
	EXPECT_EQ(o0, o1);
	/* the guest's TSC started at 0 and runs at half the host's rate */
	ASSERT_EQ(0, svxu_get_msr(v[0].fd, MSR_IA32_TSC, &tsc));
	t = __rdtsc();
	EXPECT_GE(scale(t, ratio_of(khz, host)) + o0, tsc);
	EXPECT_GT((uint64_t)khz * 1000 * 10, tsc);

	/* within a second: a resynchronisation, the offset stays */
	ASSERT_EQ(0, svxu_set_msr(v[0].fd, MSR_IA32_TSC,
				  tsc + (uint64_t)khz * 100));
	ASSERT_EQ(0, tsc_offset(v[0].fd, &o2));
	EXPECT_EQ(o0, o2);
	ASSERT_EQ(0, svxu_get_msr(v[0].fd, MSR_IA32_TSC_ADJUST, &t));
	EXPECT_EQ(0u, t);

	/* ten seconds ahead: vCPU 0's TSC moves, a new generation */
	ASSERT_EQ(0, svxu_get_msr(v[0].fd, MSR_IA32_TSC, &tsc));
	ASSERT_EQ(0, svxu_set_msr(v[0].fd, MSR_IA32_TSC,
				  tsc + (uint64_t)khz * 10000));
	ASSERT_EQ(0, tsc_offset(v[0].fd, &o2));
	EXPECT_GE((uint64_t)khz * 10000, o2 - o0);
	EXPECT_LT((uint64_t)khz * 9900, o2 - o0);
	ASSERT_EQ(0, svxu_get_msr(v[0].fd, MSR_IA32_TSC, &t));
	EXPECT_LE(tsc + (uint64_t)khz * 10000, t);
	ASSERT_EQ(0, tsc_offset(v[1].fd, &o1));
	EXPECT_EQ(o0, o1);
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 2, &v[2]));
	ASSERT_EQ(0, tsc_offset(v[2].fd, &o3));
	EXPECT_EQ(o2, o3);

	/* another rate: its own generation, from 0 */
	ASSERT_EQ(0, svxu_ioctl(vm.fd, KVM_SET_TSC_KHZ, host));
	ASSERT_EQ(0, svxu_vcpu_create(&vm, 3, &v[3]));
	EXPECT_EQ(host, svxu_ioctl(v[3].fd, KVM_GET_TSC_KHZ, 0));
	ASSERT_EQ(0, svxu_get_msr(v[3].fd, MSR_IA32_TSC, &t));
	EXPECT_GT((uint64_t)host * 1000 * 10, t);
	ASSERT_EQ(0, tsc_offset(v[3].fd, &o3));
	EXPECT_NE(o2, o3);
	for (i = 3; i >= 0; i--)
		svxu_vcpu_destroy(&v[i]);
	svxu_vm_destroy(&vm);
}

/*
 * The guest's TSC is the host's scaled plus the offset, in RDTSC and in
 * KVM_GET_MSRS, over a 100 ms busy interval of the host; kvmclock read at
 * the guest's TSC lies between KVM_GET_CLOCK before and after the run
 * (exactly with KVM_CLOCK_TSC_STABLE, within 1 ms without) and moves as
 * the guest's TSC at its rate.
 */
TEST_F(ts, rate_and_kvmclock)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_clock_data s0, e0, s1, e1;
	uint64_t h0a, h0b, h1a, h1b, g0, g1, off, ratio, m, c0, c1, dt;
	uint32_t host_khz, khz;
	struct svx_pvti p0, p1;
	long slack;

	INIT(tsr, SVXU_MODE_LONG64);
	SET_RATE(v, host_khz, khz);
	ratio = ratio_of(khz, host_khz);
	ASSERT_EQ(0, tsc_offset(v->fd, &off));

	ASSERT_EQ(0, get_clock(&self->g, &s0));
	h0a = __rdtsc();
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	h0b = __rdtsc();
	ASSERT_EQ(0, get_clock(&self->g, &e0));
	memcpy(&g0, self->g.vm.mem + TSC_GPA, sizeof(g0));
	memcpy(&p0, self->g.vm.mem + PVTI_GPA, sizeof(p0));

	busy((uint64_t)host_khz * 100);

	ASSERT_EQ(0, get_clock(&self->g, &s1));
	h1a = __rdtsc();
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	h1b = __rdtsc();
	ASSERT_EQ(0, get_clock(&self->g, &e1));
	memcpy(&g1, self->g.vm.mem + TSC_GPA, sizeof(g1));
	memcpy(&p1, self->g.vm.mem + PVTI_GPA, sizeof(p1));

	TH_LOG("%s: host %u kHz, guest %u kHz: guest %llu cycles over host %llu..%llu",
	       svxu_dev(), host_khz, khz, (unsigned long long)(g1 - g0),
	       (unsigned long long)(h1a - h0b),
	       (unsigned long long)(h1b - h0a));
	/* the guest's RDTSC: scale(host) + offset, +-2 of rounding */
	EXPECT_LE(scale(h0a, ratio) + off - 2, g0);
	EXPECT_GE(scale(h0b, ratio) + off + 2, g0);
	EXPECT_LE(scale(h1a, ratio) + off - 2, g1);
	EXPECT_GE(scale(h1b, ratio) + off + 2, g1);
	/* KVM_GET_MSRS reads the same TSC */
	h0a = __rdtsc();
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_IA32_TSC, &m));
	h0b = __rdtsc();
	EXPECT_LE(scale(h0a, ratio) + off - 2, m);
	EXPECT_GE(scale(h0b, ratio) + off + 2, m);

	/*
	 * kvmclock at the guest's TSC.  With the master clock KVM_GET_CLOCK
	 * converts the host's TSC and the record the guest's, from the same
	 * point, at rates rounded to the kHz (kvm_guest_time_update()'s
	 * tgt_tsc_khz): 10 us for that.
	 */
	c0 = svx_pvclock_read(&p0, g0);
	c1 = svx_pvclock_read(&p1, g1);
	slack = (s0.flags & KVM_CLOCK_TSC_STABLE) ? 10000 : 1000000;
	EXPECT_LE(s0.clock, c0 + slack);
	EXPECT_GE(e0.clock + slack, c0);
	EXPECT_LE(s1.clock, c1 + slack);
	EXPECT_GE(e1.clock + slack, c1);
	/* it moved as the guest's TSC did at khz: 0.1 % */
	dt = (g1 - g0) * 1000000ULL / khz;
	EXPECT_LE(dt - dt / 1000, c1 - c0) TH_LOG("tsc %llu ns, clock %llu ns",
		(unsigned long long)dt, (unsigned long long)(c1 - c0));
	EXPECT_GE(dt + dt / 1000, c1 - c0);
}

/* Leaf 1 ECX bit 24 (TSC-deadline) added to the vCPU's CPUID table */
static int add_tsc_deadline_cpuid(int vcpu_fd)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[64];
	} c;
	uint32_t i;
	int r;

	memset(&c, 0, sizeof(c));
	c.h.nent = 64;
	r = svxu_ioctl(vcpu_fd, KVM_GET_CPUID2, (unsigned long)&c);
	if (r)
		return r;
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 1)
			c.e[i].ecx |= 1u << 24;
	return svxu_ioctl(vcpu_fd, KVM_SET_CPUID2, (unsigned long)&c);
}

/*
 * The TSC-deadline timer at the guest's rate: armed 50 ms of the guest's
 * cycles ahead, the interrupt comes when the guest's TSC passed the
 * deadline and before a quarter more (the host's rate in the conversion
 * would fire at half or at 1.5 times the distance).
 */
TEST_F(ts, tsc_deadline)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint64_t t0, t1, delta;
	uint32_t host_khz, khz;
	int r;

	r = svxu_guest_create_with(&self->g, SVXU_GUEST_IRQCHIP);
	ASSERT_EQ(0, r) TH_LOG("irqchip guest: %s", strerror(-r));
	svxu_load(&self->g.vm, SVX_GUEST(tdl));
	ASSERT_EQ(0, svxu_setup_mode(v, SVXU_MODE_LONG64));
	ASSERT_EQ(0, add_tsc_deadline_cpuid(v->fd));
	SET_RATE(v, host_khz, khz);
	delta = (uint64_t)khz * 50;
	memcpy(self->g.vm.mem + DELTA_GPA, &delta, sizeof(delta));
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	memcpy(&t0, self->g.vm.mem + T0_GPA, sizeof(t0));
	memcpy(&t1, self->g.vm.mem + TSC_GPA, sizeof(t1));
	TH_LOG("%s: guest %u kHz (host %u): deadline +%llu, interrupt at +%llu",
	       svxu_dev(), khz, host_khz, (unsigned long long)delta,
	       (unsigned long long)(t1 - t0));
	EXPECT_LE(t0 + delta, t1);
	EXPECT_GT(t0 + delta + delta / 4, t1);
}

TEST_HARNESS_MAIN
