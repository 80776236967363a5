// SPDX-License-Identifier: GPL-2.0
/*
 * Differences from kvm_intel that the ioctl fuzzer (tools/testing/fuzz,
 * differential mode) found, each reduced to its smallest form.  Every test
 * states KVM 6.1's behaviour and runs on /dev/shadowvmx and /dev/kvm:
 *
 * - KVM_SET_SREGS with CS.L = 1 outside 64-bit mode: -EINVAL
 *   (kvm_is_valid_sregs());
 * - KVM_SET_SREGS with a reserved bit in apic_base (bits 0-7, 9, x2APIC
 *   enable without x2APIC in CPUID, above MAXPHYADDR): -EINVAL
 *   (kvm_set_apic_base() from __set_sregs_common());
 * - KVM_GET_CPUID2 writes its header back on success: a read-only
 *   buffer is -EFAULT (the KVM_GET_CPUID2 case of kvm_arch_vcpu_ioctl());
 * - KVM_SET_USER_MEMORY_REGION: a created or moved slot must end below
 *   2^MAXPHYADDR with TDP (kvm_arch_prepare_memory_region(),
 *   kvm_mmu_max_gfn()), below 2^52 with shadow paging (kvm_intel ept=0);
 * - KVM_SET_CPUID2 refuses a table kvm_check_cpuid() refuses, and the vCPU
 *   keeps the table it had (none: KVM_GET_CPUID2 with nent 0 succeeds):
 *   CPUID.0x80000008 EAX[15:8] (linear address bits) not 48, 57 or 0 is
 *   -EINVAL; AMX tile data (CPUID.0xD.0 EAX bit 18) without the task's
 *   ARCH_REQ_XCOMP_GUEST_PERM is -EPERM (fpu_enable_guest_xfd_features());
 * - KVM_SIGNAL_MSI to a physical APIC ID without an APIC: 0 once a vCPU
 *   has a local APIC (kvm_irq_delivery_to_apic_fast() with the APIC map);
 * - KVM_SET_VAPIC_ADDR on a vCPU without an in-kernel APIC: -EINVAL before
 *   the argument is read (a bad pointer too; the KVM_SET_VAPIC_ADDR case
 *   of kvm_arch_vcpu_ioctl());
 * - KVM_{HAS,GET}_DEVICE_ATTR on the system fd (KVM_CAP_SYS_ATTRIBUTES):
 *   group 0, KVM_X86_XCOMP_GUEST_SUPP, the supported XCR0
 *   (kvm_x86_dev_{has,get}_attr()); anything else -ENXIO;
 * - KVM_SET_TSC_KHZ 1 with TSC scaling: taken, and the next KVM_RUN
 *   returns (the kvmclock scale of a rate that scales to 0 kHz looped
 *   forever: a soft lockup).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svx.h"

#define PG 4096UL

SVX_GUEST_FIXTURE(guest);

TEST_F(guest, sregs_cs_l_outside_long_mode)
{
	struct kvm_sregs sr;
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.cs.l = 1;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr));
	sr.cs.l = 0;
	EXPECT_EQ(0, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_F(guest, sregs_apic_base_reserved)
{
	static const uint64_t bad[] = {
		0xfee00900 | 1,		/* bit 0 */
		0xfee00900 | 0x80,	/* bit 7 */
		0xfee00900 | 0x200,	/* bit 9 */
		0xfee00900 | 0x400,	/* x2APIC enable, no x2APIC */
		0xfee00900 | (1ULL << 63),
	};
	struct kvm_sregs sr;
	unsigned int i;
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&sr));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sr.apic_base = bad[i];
		EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr))
			TH_LOG("apic_base %#llx", (unsigned long long)bad[i]);
	}
	sr.apic_base = 0xfee00900;	/* enabled, BSP */
	EXPECT_EQ(0, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_F(guest, get_cpuid2_header_written_back)
{
	uint8_t *m;
	struct kvm_cpuid2 *c;
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	/* the header at the end of a page made read-only, the entries after */
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	c = (struct kvm_cpuid2 *)(m + PG - sizeof(*c));
	c->nent = (PG - sizeof(*c)) / sizeof(c->entries[0]);
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_CPUID2, (unsigned long)c));
	ASSERT_EQ(0, mprotect(m, PG, PROT_READ));
	EXPECT_EQ(-EFAULT, svxu_ioctl(fd, KVM_GET_CPUID2, (unsigned long)c));
	munmap(m, 2 * PG);
}

static unsigned int host_maxphyaddr(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x80000008)
		return 36;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

TEST(memslot_gpa_beyond_maxphyaddr)
{
	unsigned int phys = host_maxphyaddr();
	/* kvm_intel ept=0: KVM's limit is 52 bits */
	bool tdp = !svxu_dev_is_kvm() || svxu_kvm_intel_param("ept") != 'N';
	struct svxu_vm vm;
	uint8_t *m;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	m = svxu_alloc(16 * PG);
	ASSERT_NE(NULL, m);
	/* beyond 2^52: -EINVAL in every mode */
	EXPECT_EQ(-EINVAL, svxu_set_mem(vm.fd, 1, 0, 1ULL << 52, 16 * PG, m));
	EXPECT_EQ(-EINVAL, svxu_set_mem(vm.fd, 1, 0, 0x8000000000000000ULL,
					16 * PG, m));
	/* ends at 2^MAXPHYADDR: fine; one page beyond: -EINVAL with TDP */
	EXPECT_EQ(0, svxu_set_mem(vm.fd, 1, 0, (1ULL << phys) - 16 * PG,
				  16 * PG, m));
	EXPECT_EQ(0, svxu_set_mem(vm.fd, 1, 0, 0, 0, m));
	EXPECT_EQ(tdp ? -EINVAL : 0,
		  svxu_set_mem(vm.fd, 1, 0, (1ULL << phys) - 15 * PG, 16 * PG, m))
		TH_LOG("MAXPHYADDR %u", phys);
	svxu_set_mem(vm.fd, 1, 0, 0, 0, m);
	/* a move there too */
	ASSERT_EQ(0, svxu_set_mem(vm.fd, 2, 0, 0x100000, 16 * PG, m));
	EXPECT_EQ(-EINVAL, svxu_set_mem(vm.fd, 2, 0, 1ULL << 52, 16 * PG, m));
	EXPECT_EQ(tdp ? -EINVAL : 0,
		  svxu_set_mem(vm.fd, 2, 0, 1ULL << phys, 16 * PG, m));
	svxu_set_mem(vm.fd, 2, 0, 0, 0, m);
	svxu_free(m, 16 * PG);
	svxu_vm_destroy(&vm);
}

/* KVM_GET_CPUID2 with nent 0: 0 if the vCPU holds no table, else -E2BIG */
static int get_cpuid_nent0(int fd)
{
	struct kvm_cpuid2 c = { .nent = 0 };

	return svxu_ioctl(fd, KVM_GET_CPUID2, (unsigned long)&c);
}

TEST(set_cpuid2_kvm_check_cpuid)
{
	static const unsigned int vaddr_bad[] = { 47, 49, 56, 58, 32, 255 };
	static const unsigned int vaddr_ok[] = { 48, 57, 0 };
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[2];
	} c;
	struct svxu_vcpu v;
	struct svxu_vm vm;
	unsigned int i;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	ASSERT_EQ(0, svxu_vcpu_open(&vm, 0, &v));
	ASSERT_EQ(0, get_cpuid_nent0(v.fd));
	memset(&c, 0, sizeof(c));
	c.h.nent = 2;
	c.e[0] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
					    .eax = 0x80000008 };
	c.e[1].function = 0x80000008;
	for (i = 0; i < sizeof(vaddr_bad) / sizeof(vaddr_bad[0]); i++) {
		c.e[1].eax = vaddr_bad[i] << 8 | 36;
		EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_CPUID2,
					      (unsigned long)&c))
			TH_LOG("%u linear address bits", vaddr_bad[i]);
		/* nothing installed */
		EXPECT_EQ(0, get_cpuid_nent0(v.fd));
	}
	/* AMX tile data in 0xD.0 without guest permission */
	c.e[1] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = 0x3 | (1u << 17) | (1u << 18) };
	EXPECT_EQ(-EPERM, svxu_ioctl(v.fd, KVM_SET_CPUID2, (unsigned long)&c));
	EXPECT_EQ(0, get_cpuid_nent0(v.fd));
	/* tile data in another subleaf of 0xD is not looked at */
	c.e[1].index = 1;
	EXPECT_EQ(0, svxu_ioctl(v.fd, KVM_SET_CPUID2, (unsigned long)&c));
	EXPECT_EQ(-E2BIG, get_cpuid_nent0(v.fd));
	/* a good one replaces the table; a bad one later leaves it there */
	c.e[1] = (struct kvm_cpuid_entry2){ .function = 0x80000008 };
	for (i = 0; i < sizeof(vaddr_ok) / sizeof(vaddr_ok[0]); i++) {
		c.e[1].eax = vaddr_ok[i] << 8 | 36;
		EXPECT_EQ(0, svxu_ioctl(v.fd, KVM_SET_CPUID2, (unsigned long)&c))
			TH_LOG("%u linear address bits", vaddr_ok[i]);
	}
	c.e[1].eax = 40 << 8 | 36;
	EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_CPUID2, (unsigned long)&c));
	c.h.nent = 2;
	EXPECT_EQ(0, svxu_ioctl(v.fd, KVM_GET_CPUID2, (unsigned long)&c));
	EXPECT_EQ(0x80000008, c.e[1].function);
	EXPECT_EQ(0U << 8 | 36, c.e[1].eax);
	svxu_vcpu_destroy(&v);
	svxu_vm_destroy(&vm);
}

/*
 * make fuzz, seed 42, program 45: a KVM_RUN that ends before a VM entry
 * still counts as "has run" where KVM's vmx_vcpu_run() was reached (real
 * mode under shadow paging without KVM_SET_TSS_ADDR: KVM emulates, we
 * stop with an internal error).  KVM_SET_CPUID2 then takes only the
 * table the vCPU has: none here, so a new one is -EINVAL and
 * KVM_GET_CPUID2 stays empty.  Whatever the run did, on every device.
 */
TEST(set_cpuid2_after_a_run_without_an_entry)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[1];
	} c;
	struct svxu_vcpu v;
	struct svxu_vm vm;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	ASSERT_EQ(0, svxu_vcpu_open(&vm, 0, &v));
	/* reset state: real mode at f000:fff0, no memory there, no TSS */
	r = svxu_ioctl(v.fd, KVM_RUN, 0);
	TH_LOG("KVM_RUN: %d, exit reason %u", r, v.run->exit_reason);
	memset(&c, 0, sizeof(c));
	c.h.nent = 1;
	c.e[0] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
					    .eax = 0x80000008 };
	EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_CPUID2,
				      (unsigned long)&c));
	EXPECT_EQ(0, get_cpuid_nent0(v.fd));
	svxu_vcpu_destroy(&v);
	svxu_vm_destroy(&vm);
}

/*
 * KVM_SIGNAL_MSI to a physical APIC ID no vCPU has: 0 once a vCPU has a
 * local APIC (KVM's APIC map: kvm_irq_delivery_to_apic_fast() answers 0
 * plus the APICs that accepted), -1 (ioctl: -EPERM) before any vCPU (no
 * map: the slow path found no APIC).
 */
TEST(signal_msi_to_no_apic)
{
	struct kvm_msi msi = { .address_lo = 0xfee02000, .data = 0x40 };
	struct svxu_vcpu v;
	struct svxu_vm vm;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	ASSERT_EQ(0, svxu_ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(-EPERM, svxu_ioctl(vm.fd, KVM_SIGNAL_MSI,
				     (unsigned long)&msi));
	ASSERT_EQ(0, svxu_vcpu_open(&vm, 0, &v));
	EXPECT_EQ(0, svxu_ioctl(vm.fd, KVM_SIGNAL_MSI, (unsigned long)&msi));
	/* APIC ID 0: there, software-disabled after reset: not accepted */
	msi.address_lo = 0xfee00000;
	EXPECT_EQ(0, svxu_ioctl(vm.fd, KVM_SIGNAL_MSI, (unsigned long)&msi));
	svxu_vcpu_destroy(&v);
	svxu_vm_destroy(&vm);
}

/*
 * KVM_SET_VAPIC_ADDR without an in-kernel local APIC: -EINVAL, whatever
 * the argument (KVM tests lapic_in_kernel() before copy_from_user());
 * with one, a bad pointer is -EFAULT and an address outside guest RAM
 * -EINVAL.
 */
TEST(set_vapic_addr_without_apic)
{
	struct kvm_vapic_addr va = { .vapic_addr = 0x3000 };
	struct svxu_vcpu v;
	struct svxu_vm vm;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	ASSERT_EQ(0, svxu_vcpu_open(&vm, 0, &v));
	EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR, 0));
	EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR,
				      (unsigned long)&va));
	svxu_vcpu_destroy(&v);
	svxu_vm_destroy(&vm);

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, svxu_ioctl(vm.fd, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, svxu_vcpu_open(&vm, 0, &v));
	EXPECT_EQ(-EFAULT, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR, 0));
	EXPECT_EQ(0, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR, (unsigned long)&va));
	va.vapic_addr = 0xd0000000;
	EXPECT_EQ(-EINVAL, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR,
				      (unsigned long)&va));
	va.vapic_addr = 0;
	EXPECT_EQ(0, svxu_ioctl(v.fd, KVM_SET_VAPIC_ADDR, (unsigned long)&va));
	svxu_vcpu_destroy(&v);
	svxu_vm_destroy(&vm);
}

/*
 * The system fd's device attribute: KVM_X86_XCOMP_GUEST_SUPP, at least the
 * XCR0 bits KVM_GET_SUPPORTED_CPUID's CPUID.0xD.0 offers (KVM leaves the
 * dynamic ones, AMX, out of that table until the task asks for them).
 */
TEST(sys_device_attr_xcomp_guest_supp)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[300];
	} c = { .h.nent = 300 };
	struct kvm_device_attr a = { .group = 0 };
	__u64 xcr0 = ~0ULL, cpuid_xcr0 = 0;
	struct svxu_vm vm;
	unsigned int i;
	int r;

	r = svxu_vm_create(&vm, 16 * PG);
	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	ASSERT_LT(0, svxu_ioctl(vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_SYS_ATTRIBUTES));
	a.attr = KVM_X86_XCOMP_GUEST_SUPP;
	a.addr = (uintptr_t)&xcr0;
	EXPECT_EQ(0, svxu_ioctl(vm.sys_fd, KVM_HAS_DEVICE_ATTR,
				(unsigned long)&a));
	EXPECT_EQ(0, svxu_ioctl(vm.sys_fd, KVM_GET_DEVICE_ATTR,
				(unsigned long)&a));
	ASSERT_EQ(0, svxu_ioctl(vm.sys_fd, KVM_GET_SUPPORTED_CPUID,
				(unsigned long)&c));
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 0xd && !c.e[i].index)
			cpuid_xcr0 = c.e[i].eax | (__u64)c.e[i].edx << 32;
	EXPECT_NE(~0ULL, xcr0);
	EXPECT_EQ(0, cpuid_xcr0 & ~xcr0)
		TH_LOG("XCOMP_GUEST_SUPP %#llx, CPUID.0xD.0 %#llx",
		       (unsigned long long)xcr0, (unsigned long long)cpuid_xcr0);
	a.addr = 0;
	EXPECT_EQ(-EFAULT, svxu_ioctl(vm.sys_fd, KVM_GET_DEVICE_ATTR,
				      (unsigned long)&a));
	a.attr = 1;
	EXPECT_EQ(-ENXIO, svxu_ioctl(vm.sys_fd, KVM_HAS_DEVICE_ATTR,
				     (unsigned long)&a));
	EXPECT_EQ(-ENXIO, svxu_ioctl(vm.sys_fd, KVM_GET_DEVICE_ATTR,
				     (unsigned long)&a));
	a.attr = KVM_X86_XCOMP_GUEST_SUPP;
	a.group = 1;
	EXPECT_EQ(-ENXIO, svxu_ioctl(vm.sys_fd, KVM_HAS_DEVICE_ATTR,
				     (unsigned long)&a));
	EXPECT_EQ(-EFAULT, svxu_ioctl(vm.sys_fd, KVM_HAS_DEVICE_ATTR, 0));
	EXPECT_EQ(-EINVAL, svxu_ioctl(vm.sys_fd, KVM_SET_DEVICE_ATTR,
				      (unsigned long)&a));
	svxu_vm_destroy(&vm);
}

/*
 * KVM_SET_TSC_KHZ 1 (with TSC scaling; the host's rate scaled by
 * 2^48 / tsc_khz, rounded down, is 0 kHz) on a vCPU that has not run:
 * taken, and KVM_RUN runs.  Not after a run: KVM 6.1 loops forever in
 * kvm_get_time_scale() then (its hw_tsc_khz short-cut holds only while
 * it is 0), and this test runs on kvm_intel too.
 */
TEST_F(guest, tsc_khz_1_runs)
{
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	if (svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
		       KVM_CAP_TSC_CONTROL) <= 0)
		SKIP(return, "no TSC scaling: rates below the host's are refused");
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_SET_TSC_KHZ, 1));
	EXPECT_EQ(1, svxu_ioctl(fd, KVM_GET_TSC_KHZ, 0));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_HARNESS_MAIN
