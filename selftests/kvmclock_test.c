// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock as KVM 6.1 offers it: the PV CPUID leaves, MSR_KVM_SYSTEM_TIME_NEW
 * and MSR_KVM_WALL_CLOCK_NEW written by a guest, the pvclock record the
 * device keeps in guest memory, KVM_GET_CLOCK/KVM_SET_CLOCK, the vCPU's
 * KVM_VCPU_TSC_OFFSET attribute, and the errno of bad arguments.
 *
 * The guest (long mode) enables kvmclock and then, at each run, stores its
 * TSC and exits: the test computes the guest's clock from the record and
 * that TSC as the guest would (__pvclock_read_cycles()) and holds it
 * between KVM_GET_CLOCK before and after the run.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "svx.h"

#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_IA32_TSC		0x10

#define PVTI_GPA	(SVX_DATA + 0x100)
#define WALL_GPA	(SVX_DATA + 0x200)
#define TSC_GPA		(SVX_DATA + 0x300)

#define PVCLOCK_TSC_STABLE_BIT	1
#define CLOCK_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
			 KVM_CLOCK_HOST_TSC)
#define NS		1000000000ULL

struct wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed));

asm(".pushsection .rodata.svx_kvmclock_guests, \"a\"\n"
    ".code64\n"
    ".balign 16\n"
    ".globl guest_kc_start, guest_kc_end\n"
    "guest_kc_start:\n"
    "	movl	$" XSTR(MSR_KVM_SYSTEM_TIME_NEW) ", %ecx\n"
    "	movl	$(" XSTR(PVTI_GPA) " + 1), %eax\n"
    "	xorl	%edx, %edx\n"
    "	wrmsr\n"
    "	movl	$" XSTR(MSR_KVM_WALL_CLOCK_NEW) ", %ecx\n"
    "	movl	$" XSTR(WALL_GPA) ", %eax\n"
    "	wrmsr\n"
    "1:	rdtsc\n"
    "	movl	%eax, " XSTR(TSC_GPA) "\n"
    "	movl	%edx, " XSTR(TSC_GPA) " + 4\n"
    "	outb	%al, $" XSTR(PORT_OUT8) "\n"
    "	jmp	1b\n"
    "guest_kc_end:\n"
    ".popsection\n");

SVX_GUEST_FIXTURE(kc);

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static int get_clock(struct svxu_guest *g, struct kvm_clock_data *d)
{
	memset(d, 0x5a, sizeof(*d));
	return svxu_ioctl(g->vm.fd, KVM_GET_CLOCK, (unsigned long)d);
}

static int set_clock(struct svxu_guest *g, uint64_t clock, uint32_t flags,
		     uint64_t realtime)
{
	struct kvm_clock_data d;

	memset(&d, 0, sizeof(d));
	d.clock = clock;
	d.flags = flags;
	d.realtime = realtime;
	return svxu_ioctl(g->vm.fd, KVM_SET_CLOCK, (unsigned long)&d);
}

/* One guest iteration: its TSC and clock; the record copied to @p */
static uint64_t guest_read(struct svxu_guest *g, struct svx_pvti *p,
			   uint64_t *tsc)
{
	memcpy(tsc, g->vm.mem + TSC_GPA, sizeof(*tsc));
	memcpy(p, g->vm.mem + PVTI_GPA, sizeof(*p));
	return svx_pvclock_read(p, *tsc);
}

#define RUN_ONE(start, end) do {					\
	ASSERT_EQ(0, get_clock(&self->g, &(start)));			\
	ASSERT_PIO(&self->g.vcpu, PORT_OUT8, 1, KVM_EXIT_IO_OUT);	\
	ASSERT_EQ(0, get_clock(&self->g, &(end)));			\
} while (0)

/*
 * The guest's clock at its TSC lies in [start, end]: exactly with the
 * master clock (KVM_CLOCK_TSC_STABLE, one TSC-based formula for both),
 * within 1 ms without (the record extrapolates the TSC, KVM_GET_CLOCK
 * reads the host clock).
 */
#define EXPECT_IN_RANGE(c, start, end) do {				\
	uint64_t __slack = ((start).flags & KVM_CLOCK_TSC_STABLE) ?	\
			   0 : 1000000;					\
	EXPECT_LE((start).clock, (c) + __slack);			\
	EXPECT_GE((end).clock + __slack, (c));				\
} while (0)

TEST_F(kc, pv_cpuid_leaves)
{
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[256];
	} c;
	struct kvm_cpuid_entry2 *sig = NULL, *feat = NULL;
	uint32_t i;

	INIT(kc, SVXU_MODE_LONG64);
	c.hdr.nent = 256;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.sys_fd, KVM_GET_SUPPORTED_CPUID,
				(unsigned long)&c));
	for (i = 0; i < c.hdr.nent; i++) {
		if (c.e[i].function == 0x40000000)
			sig = &c.e[i];
		if (c.e[i].function == 0x40000001)
			feat = &c.e[i];
	}
	ASSERT_NE(NULL, sig);
	ASSERT_NE(NULL, feat);
	EXPECT_EQ(0x40000001u, sig->eax);
	EXPECT_EQ(0, memcmp(&sig->ebx, "KVMKVMKVM\0\0\0", 4));
	EXPECT_EQ(0, memcmp(&sig->ecx, "VMKV", 4));
	EXPECT_EQ(0x4du, sig->edx);
	/* CLOCKSOURCE, CLOCKSOURCE2, CLOCKSOURCE_STABLE_BIT */
	EXPECT_EQ(0x1000009u, feat->eax & 0x1000009u);
	EXPECT_EQ(0u, feat->ebx);
	EXPECT_EQ(0u, feat->ecx);
}

TEST_F(kc, caps)
{
	long adj;

	INIT(kc, SVXU_MODE_LONG64);
	adj = svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_ADJUST_CLOCK);
	EXPECT_NE(0, adj & KVM_CLOCK_TSC_STABLE);
	EXPECT_EQ(0, adj & ~CLOCK_FLAGS);
	EXPECT_EQ(adj, svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_ADJUST_CLOCK));
	EXPECT_EQ(1, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_VCPU_ATTRIBUTES));
}

/* KVM_SET_CLOCK sets, KVM_GET_CLOCK then counts at the host's rate */
TEST_F(kc, set_get_clock)
{
	struct kvm_clock_data d;
	uint64_t t0, t1, r0, r1;
	long adj;

	INIT(kc, SVXU_MODE_LONG64);
	adj = svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_ADJUST_CLOCK);
	t0 = now_ns(CLOCK_MONOTONIC_RAW);
	ASSERT_EQ(0, set_clock(&self->g, 1000 * NS, 0, 0));
	ASSERT_EQ(0, get_clock(&self->g, &d));
	t1 = now_ns(CLOCK_MONOTONIC_RAW);
	EXPECT_LE(1000 * NS, d.clock);
	EXPECT_GE(1000 * NS + (t1 - t0) + 1000000, d.clock);
	EXPECT_EQ(0, d.flags & ~adj);
	if (d.flags & KVM_CLOCK_REALTIME) {
		r0 = now_ns(CLOCK_REALTIME);
		EXPECT_GE(r0 + 1000000, d.realtime);
		EXPECT_LE(r0 - (t1 - t0) - 1000000, d.realtime);
	}
	if (d.flags & KVM_CLOCK_HOST_TSC)
		EXPECT_GE(__rdtsc(), d.host_tsc);
	EXPECT_EQ(0u, d.pad0);

	/* KVM_CLOCK_REALTIME: the time since @realtime is added */
	r0 = now_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, set_clock(&self->g, 0, KVM_CLOCK_REALTIME, r0 - 2 * NS));
	ASSERT_EQ(0, get_clock(&self->g, &d));
	r1 = now_ns(CLOCK_REALTIME);
	EXPECT_LE(2 * NS, d.clock);
	EXPECT_GE(2 * NS + (r1 - r0) + 1000000, d.clock);
	/* ... never taken back */
	ASSERT_EQ(0, set_clock(&self->g, 5 * NS, KVM_CLOCK_REALTIME,
			       r1 + 100 * NS));
	ASSERT_EQ(0, get_clock(&self->g, &d));
	EXPECT_LE(5 * NS, d.clock);
	EXPECT_GE(6 * NS, d.clock);
}

TEST_F(kc, bad_arguments)
{
	struct kvm_device_attr a;
	uint64_t v;

	INIT(kc, SVXU_MODE_LONG64);
	EXPECT_EQ(-EINVAL, set_clock(&self->g, 0, 1u << 8, 0));
	EXPECT_EQ(-EINVAL, set_clock(&self->g, 0, 1u << 0, 0));
	/* KVM_GET_CLOCK's flags come back as they are */
	EXPECT_EQ(0, set_clock(&self->g, 0, CLOCK_FLAGS, 0));
	EXPECT_EQ(-EFAULT, svxu_ioctl(self->g.vm.fd, KVM_GET_CLOCK, 8));
	EXPECT_EQ(-EFAULT, svxu_ioctl(self->g.vm.fd, KVM_SET_CLOCK, 8));

	memset(&a, 0, sizeof(a));
	a.group = KVM_VCPU_TSC_CTRL;
	a.attr = KVM_VCPU_TSC_OFFSET;
	EXPECT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_HAS_DEVICE_ATTR,
				(unsigned long)&a));
	a.addr = 8;
	EXPECT_EQ(-EFAULT, svxu_ioctl(self->g.vcpu.fd, KVM_GET_DEVICE_ATTR,
				      (unsigned long)&a));
	EXPECT_EQ(-EFAULT, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEVICE_ATTR,
				      (unsigned long)&a));
	a.addr = (unsigned long)&v;
	a.attr = 1;
	EXPECT_EQ(-ENXIO, svxu_ioctl(self->g.vcpu.fd, KVM_HAS_DEVICE_ATTR,
				     (unsigned long)&a));
	EXPECT_EQ(-ENXIO, svxu_ioctl(self->g.vcpu.fd, KVM_GET_DEVICE_ATTR,
				     (unsigned long)&a));
	a.attr = KVM_VCPU_TSC_OFFSET;
	a.group = 1;
	EXPECT_EQ(-ENXIO, svxu_ioctl(self->g.vcpu.fd, KVM_HAS_DEVICE_ATTR,
				     (unsigned long)&a));
	EXPECT_EQ(-ENXIO, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEVICE_ATTR,
				     (unsigned long)&a));
	EXPECT_EQ(-EFAULT, svxu_ioctl(self->g.vcpu.fd, KVM_HAS_DEVICE_ATTR, 8));
}

/*
 * The guest enables kvmclock and the wall clock; its clock moves with its
 * TSC, follows KVM_SET_CLOCK and stays continuous across a TSC write.
 */
TEST_F(kc, guest_clock)
{
	struct kvm_clock_data s, e;
	struct svx_pvti p1, p2;
	struct wall w;
	uint64_t tsc1, tsc2, c1, c2, v, real, dt;
	long khz;

	INIT(kc, SVXU_MODE_LONG64);
	memset(self->g.vm.mem + PVTI_GPA, 0, 0x200);
	ASSERT_EQ(0, set_clock(&self->g, 0, 0, 0));

	RUN_ONE(s, e);
	c1 = guest_read(&self->g, &p1, &tsc1);
	EXPECT_EQ(0u, p1.version & 1);
	EXPECT_NE(0u, p1.version);
	EXPECT_NE(0u, p1.tsc_to_system_mul);
	EXPECT_EQ(!!(s.flags & KVM_CLOCK_TSC_STABLE),
		  !!(p1.flags & PVCLOCK_TSC_STABLE_BIT));
	EXPECT_IN_RANGE(c1, s, e);

	/* the wall clock: real time when the clock read 0 */
	memcpy(&w, self->g.vm.mem + WALL_GPA, sizeof(w));
	real = now_ns(CLOCK_REALTIME);
	ASSERT_EQ(0, get_clock(&self->g, &e));
	EXPECT_EQ(0u, w.version & 1);
	EXPECT_NE(0u, w.version);
	EXPECT_GT(NS, w.nsec);
	v = w.sec * NS + w.nsec + e.clock;
	EXPECT_LE(real - 50000000, v);
	EXPECT_GE(real + 50000000, v);

	/* the MSRs read back as written */
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, MSR_KVM_SYSTEM_TIME_NEW, &v));
	EXPECT_EQ(PVTI_GPA + 1, v);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, MSR_KVM_SYSTEM_TIME, &v));
	EXPECT_EQ(PVTI_GPA + 1, v);
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, MSR_KVM_WALL_CLOCK_NEW, &v));
	EXPECT_EQ(WALL_GPA, v);

	/* a second read: the clock moved as the TSC did */
	RUN_ONE(s, e);
	c2 = guest_read(&self->g, &p2, &tsc2);
	EXPECT_IN_RANGE(c2, s, e);
	khz = svxu_ioctl(self->g.vcpu.fd, KVM_GET_TSC_KHZ, 0);
	ASSERT_LT(0, khz);
	ASSERT_LT(tsc1, tsc2);
	ASSERT_LT(c1, c2);
	dt = (tsc2 - tsc1) * 1000000ULL / khz;
	EXPECT_LE(dt - dt / 100 - 10000, c2 - c1) TH_LOG("tsc %lu ns, clock %lu ns",
		(unsigned long)dt, (unsigned long)(c2 - c1));
	EXPECT_GE(dt + dt / 100 + 10000, c2 - c1);

	/* KVM_SET_CLOCK moves the guest's clock */
	ASSERT_EQ(0, set_clock(&self->g, 3600 * NS, 0, 0));
	RUN_ONE(s, e);
	c1 = guest_read(&self->g, &p1, &tsc1);
	EXPECT_LE(3600 * NS, c1);
	EXPECT_IN_RANGE(c1, s, e);
	EXPECT_LT(p2.version, p1.version);

	/*
	 * A TSC write (10 s ahead: KVM takes a write within 1 s of the
	 * expected value as a resynchronisation) keeps it continuous.
	 */
	v = tsc1 + 10000ULL * khz;
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, MSR_IA32_TSC, v));
	RUN_ONE(s, e);
	c2 = guest_read(&self->g, &p2, &tsc2);
	EXPECT_LE(v, tsc2);
	EXPECT_IN_RANGE(c2, s, e);
	EXPECT_LT(c1, c2);
}

/* KVM_VCPU_TSC_OFFSET: the guest's TSC is the host's plus the offset */
TEST_F(kc, tsc_offset_attr)
{
	struct kvm_device_attr a;
	uint64_t off, h0, h1, g;

	INIT(kc, SVXU_MODE_LONG64);
	memset(&a, 0, sizeof(a));
	a.group = KVM_VCPU_TSC_CTRL;
	a.attr = KVM_VCPU_TSC_OFFSET;
	a.addr = (unsigned long)&off;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_DEVICE_ATTR,
				(unsigned long)&a));
	/* a new VM's first vCPU starts at 0 */
	EXPECT_LE(-__rdtsc(), off);
	off = 1000000000000ULL - __rdtsc();
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEVICE_ATTR,
				(unsigned long)&a));
	off = 0;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_DEVICE_ATTR,
				(unsigned long)&a));
	h0 = __rdtsc();
	ASSERT_PIO(&self->g.vcpu, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	h1 = __rdtsc();
	memcpy(&g, self->g.vm.mem + TSC_GPA, sizeof(g));
	EXPECT_LE(h0 + off, g);
	EXPECT_GE(h1 + off, g);
	EXPECT_LE(1000000000000ULL, g);
	/* the offset alone: TSC_ADJUST does not move */
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, 0x3b, &g));
	EXPECT_EQ(0u, g);
}

/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID: kvmclock's MSRs need their CPUID bit */
TEST_F(kc, enforce_pv_cpuid)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 },
	};
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[64];
	} c;
	uint64_t v;
	int fd;

	INIT(kc, SVXU_MODE_LONG64);
	fd = self->g.vcpu.fd;
	ASSERT_EQ(1, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_ENFORCE_PV_FEATURE_CPUID));
	/* the library's table has no PV leaves: taken without the cap */
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_KVM_SYSTEM_TIME_NEW, 0));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_KVM_WALL_CLOCK, 0));
	cap.flags = 1;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap));
	cap.flags = 0;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_KVM_SYSTEM_TIME_NEW, 0));
	EXPECT_EQ(-EIO, svxu_get_msr(fd, MSR_KVM_SYSTEM_TIME_NEW, &v));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_KVM_WALL_CLOCK, 0));

	/* the signature and CLOCKSOURCE2 alone */
	c.hdr.nent = 62;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_CPUID2, (unsigned long)&c));
	memset(&c.e[c.hdr.nent], 0, 2 * sizeof(c.e[0]));
	c.e[c.hdr.nent].function = 0x40000000;
	c.e[c.hdr.nent].eax = 0x40000001;
	memcpy(&c.e[c.hdr.nent].ebx, "KVMKVMKVM\0\0\0", 12);
	c.e[c.hdr.nent + 1].function = 0x40000001;
	c.e[c.hdr.nent + 1].eax = 1u << 3;
	c.hdr.nent += 2;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_SET_CPUID2, (unsigned long)&c));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_KVM_SYSTEM_TIME_NEW, 0));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_KVM_WALL_CLOCK_NEW, 0));
	EXPECT_EQ(-EIO, svxu_set_msr(fd, MSR_KVM_SYSTEM_TIME, 0));
	EXPECT_EQ(-EIO, svxu_get_msr(fd, MSR_KVM_WALL_CLOCK, &v));
	/* off again */
	cap.args[0] = 0;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap));
	EXPECT_EQ(0, svxu_set_msr(fd, MSR_KVM_SYSTEM_TIME, 0));
}

TEST_HARNESS_MAIN
