// SPDX-License-Identifier: GPL-2.0
/*
 * The VM fd: KVM_SET_USER_MEMORY_REGION with KVM 6.1's rules and errno
 * values, KVM_CREATE_VCPU ids, KVM_SET_TSS_ADDR, unknown ioctls.
 * Every VM here already has slot 0 = [0, SVX_MEM_SIZE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svx.h"

#define PG 4096UL
#define GPA 0x400000UL

FIXTURE(vm) {
	struct svxu_vm vm;
	uint8_t *m;		/* 64 pages for extra slots */
};

FIXTURE_SETUP(vm)
{
	int r = svxu_vm_create(&self->vm, SVX_MEM_SIZE);

	ASSERT_EQ(0, r) TH_LOG("VM on %s: %s", svxu_dev(), strerror(-r));
	self->m = svxu_alloc(64 * PG);
	ASSERT_NE(NULL, self->m);
}

FIXTURE_TEARDOWN(vm)
{
	svxu_vm_destroy(&self->vm);
}

#define SETMEM(slot, flags, gpa, size, hva) \
	svxu_set_mem(self->vm.fd, slot, flags, gpa, size, hva)

TEST_F(vm, memslot_create_and_delete)
{
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 16 * PG, self->m));
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 0, self->m));
	/* deleting a slot that does not exist */
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 0, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(7, 0, 0, 0, NULL));
	/* the range is free again */
	ASSERT_EQ(0, SETMEM(2, 0, GPA, 16 * PG, self->m));
}

TEST_F(vm, memslot_overlap_eexist)
{
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 16 * PG, self->m));
	/* inside slot 0, straddling its end, covering slot 1, inside, below */
	ASSERT_EQ(-EEXIST, SETMEM(2, 0, 0x1000, PG, self->m + 16 * PG));
	ASSERT_EQ(-EEXIST, SETMEM(2, 0, SVX_MEM_SIZE - PG, 2 * PG, self->m + 16 * PG));
	ASSERT_EQ(-EEXIST, SETMEM(2, 0, GPA - PG, 32 * PG, self->m + 16 * PG));
	ASSERT_EQ(-EEXIST, SETMEM(2, 0, GPA + 4 * PG, PG, self->m + 16 * PG));
	ASSERT_EQ(-EEXIST, SETMEM(2, 0, GPA - PG, 2 * PG, self->m + 16 * PG));
	/* adjacent on both sides is fine */
	ASSERT_EQ(0, SETMEM(2, 0, GPA - PG, PG, self->m + 16 * PG));
	ASSERT_EQ(0, SETMEM(3, 0, GPA + 16 * PG, PG, self->m + 17 * PG));
}

TEST_F(vm, memslot_misaligned_einval)
{
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA + 0x800, PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, PG + 0x800, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 0x10, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, PG, self->m + 0x10));
	/* nothing was created */
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 0, self->m));
}

TEST_F(vm, memslot_bad_flags_einval)
{
	ASSERT_EQ(-EINVAL, SETMEM(1, 1u << 7, GPA, PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 1u << 31, GPA, PG, self->m));
}

/* Slot ids run from 0 to KVM_CAP_NR_MEMSLOTS - 1. */
TEST_F(vm, memslot_id_limit)
{
	int n = svxu_ioctl(self->vm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

	ASSERT_GT(n, 1);
	ASSERT_EQ(-EINVAL, SETMEM(n, 0, GPA, PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(0x7fff, 0, GPA, PG, self->m));
	ASSERT_EQ(0, SETMEM(n - 1, 0, GPA, PG, self->m));
	ASSERT_EQ(0, SETMEM(n - 1, 0, GPA, 0, self->m));
}

/* An existing slot may move or change flags, not change size/HVA/RO. */
TEST_F(vm, memslot_modify_rules)
{
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 16 * PG, self->m));
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 16 * PG, self->m));	/* identical */
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 32 * PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 8 * PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 16 * PG, self->m + PG));
	ASSERT_EQ(-EINVAL, SETMEM(1, KVM_MEM_READONLY, GPA, 16 * PG, self->m));
	/* move to a new GPA */
	ASSERT_EQ(0, SETMEM(1, 0, 2 * GPA, 16 * PG, self->m));
	/* ... and the old range is free */
	ASSERT_EQ(0, SETMEM(2, 0, GPA, 16 * PG, self->m + 16 * PG));
	/* moving onto another slot */
	ASSERT_EQ(-EEXIST, SETMEM(1, 0, GPA + PG, 16 * PG, self->m));
}

TEST_F(vm, memslot_readonly_accepted)
{
	ASSERT_EQ(0, SETMEM(1, KVM_MEM_READONLY, GPA, 16 * PG, self->m));
	ASSERT_EQ(0, SETMEM(1, KVM_MEM_READONLY, GPA, 16 * PG, self->m));
	ASSERT_EQ(-EINVAL, SETMEM(1, 0, GPA, 16 * PG, self->m));
	ASSERT_EQ(0, SETMEM(1, KVM_MEM_READONLY, GPA, 0, self->m));
}

TEST_F(vm, memslot_100_slots)
{
	uint8_t *m = svxu_alloc(100 * PG);
	int i;

	ASSERT_NE(NULL, m);
	for (i = 1; i <= 100; i++)
		ASSERT_EQ(0, SETMEM(i, 0, GPA + 2 * i * PG, PG, m + (i - 1) * PG))
			TH_LOG("slot %d", i);
	/* every slot is really there: overlapping any of them fails */
	for (i = 1; i <= 100; i++)
		ASSERT_EQ(-EEXIST, SETMEM(200, 0, GPA + 2 * i * PG, PG, m))
			TH_LOG("slot %d", i);
	for (i = 100; i >= 1; i--)
		ASSERT_EQ(0, SETMEM(i, 0, GPA + 2 * i * PG, 0, NULL))
			TH_LOG("slot %d", i);
	ASSERT_EQ(0, SETMEM(1, 0, GPA, 100 * PG, m));
	munmap(m, 100 * PG);
}

TEST_F(vm, create_vcpu_ids)
{
	int a = svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 0);
	int b;

	ASSERT_LE(0, a) TH_LOG("KVM_CREATE_VCPU 0: %s", strerror(-a));
	ASSERT_EQ(-EEXIST, svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 0));
	b = svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 1);
	ASSERT_LE(0, b) TH_LOG("KVM_CREATE_VCPU 1: %s", strerror(-b));
	ASSERT_EQ(-EEXIST, svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 1));
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 0x7fffffff));
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU, 1 << 20));
	close(a);
	close(b);
}

TEST_F(vm, set_tss_addr_accepted)
{
	ASSERT_EQ(0, svxu_ioctl(self->vm.fd, KVM_SET_TSS_ADDR, 0xfffbd000));
}

/* KVM: kvm_vm_ioctl -> kvm_arch_vm_ioctl's default: -ENOTTY. */
TEST_F(vm, unknown_ioctl_enotty)
{
	ASSERT_EQ(-ENOTTY, svxu_ioctl(self->vm.fd, _IO(KVMIO, 0xff), 0));
	ASSERT_EQ(-ENOTTY, svxu_ioctl(self->vm.fd, _IOW(KVMIO, 0xfe, int), 0));
}

/* KVM_CHECK_EXTENSION on a VM fd answers as on the system fd. */
TEST_F(vm, check_extension_on_vm_fd)
{
	static const long caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_NR_MEMSLOTS, KVM_CAP_MAX_VCPUS,
		KVM_CAP_READONLY_MEM, KVM_CAP_MP_STATE, KVM_CAP_IMMEDIATE_EXIT,
		KVM_CAP_CHECK_EXTENSION_VM, 0x7fff,
	};
	unsigned int i;

	ASSERT_EQ(1, svxu_ioctl(self->vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_CHECK_EXTENSION_VM));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		EXPECT_EQ(svxu_ioctl(self->vm.sys_fd, KVM_CHECK_EXTENSION, caps[i]),
			  svxu_ioctl(self->vm.fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("capability %ld", caps[i]);
}

/*
 * KVM_SET_NR_MMU_PAGES / KVM_GET_NR_MMU_PAGES (KVM_CAP_MMU_SHADOW_CACHE_CONTROL),
 * as KVM's: at least KVM_MIN_ALLOC_MMU_PAGES (64), else -EINVAL and the
 * bound unchanged; GET answers the bound set (no shadow page is in use yet).
 */
TEST_F(vm, nr_mmu_pages)
{
	long before;

	ASSERT_EQ(1, svxu_ioctl(self->vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_MMU_SHADOW_CACHE_CONTROL));
	before = svxu_ioctl(self->vm.fd, KVM_GET_NR_MMU_PAGES, 0);
	ASSERT_GE(before, 64);
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->vm.fd, KVM_SET_NR_MMU_PAGES, 63));
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->vm.fd, KVM_SET_NR_MMU_PAGES, 0));
	EXPECT_EQ(before, svxu_ioctl(self->vm.fd, KVM_GET_NR_MMU_PAGES, 0));
	ASSERT_EQ(0, svxu_ioctl(self->vm.fd, KVM_SET_NR_MMU_PAGES, 64));
	EXPECT_EQ(64, svxu_ioctl(self->vm.fd, KVM_GET_NR_MMU_PAGES, 0));
	ASSERT_EQ(0, svxu_ioctl(self->vm.fd, KVM_SET_NR_MMU_PAGES, 1000));
	EXPECT_EQ(1000, svxu_ioctl(self->vm.fd, KVM_GET_NR_MMU_PAGES, 0));
}

/*
 * dmesg is rate-limited per VM: a VM that floods it with bad arguments
 * (50 bad KVM_CREATE_VCPU ids) gets at most a burst of lines, and another
 * VM's next mistake is still reported.  kvm_intel prints nothing for a bad
 * vCPU id, so the test runs on shadowvmx only.
 */
TEST_F(vm, dmesg_rate_limited_per_vm)
{
	struct svxu_vm other = { .fd = -1, .sys_fd = -1 };
	unsigned long base = 100000 + (getpid() % 1000) * 100, i;
	char needle[64];
	int flood = 0, r;

	if (svxu_dev_is_kvm())
		SKIP(return, "kvm_intel prints no line for a bad vCPU id");
	snprintf(needle, sizeof(needle), "id %lu out of range", base);
	if (svx_klog_count(needle) < 0)
		SKIP(return, "kernel log not readable: %s", strerror(errno));
	for (i = 0; i < 50; i++)
		ASSERT_EQ(-EINVAL, svxu_ioctl(self->vm.fd, KVM_CREATE_VCPU,
					     base + i));
	r = svxu_vm_create(&other, SVX_MEM_SIZE);
	ASSERT_EQ(0, r);
	ASSERT_EQ(-EINVAL, svxu_ioctl(other.fd, KVM_CREATE_VCPU, base + 99));
	svxu_vm_destroy(&other);
	for (i = 0; i < 50; i++) {
		snprintf(needle, sizeof(needle), "id %lu out of range", base + i);
		flood += svx_klog_count(needle);
	}
	snprintf(needle, sizeof(needle), "id %lu out of range", base + 99);
	ASSERT_EQ(1, svx_klog_count(needle)) TH_LOG("the second VM's line is missing");
	ASSERT_GE(flood, 1);
	ASSERT_LE(flood, 10) TH_LOG("%d lines of the flooding VM", flood);
}

TEST_HARNESS_MAIN
