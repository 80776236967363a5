// SPDX-License-Identifier: GPL-2.0
/*
 * The system fd (the device itself): API version, KVM_CHECK_EXTENSION,
 * KVM_CREATE_VM, KVM_GET_VCPU_MMAP_SIZE, unknown ioctls.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svx.h"

FIXTURE(sys) {
	int fd;
};

FIXTURE_SETUP(sys)
{
	self->fd = svxu_open_dev();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", svxu_dev(),
				      strerror(-self->fd));
}

FIXTURE_TEARDOWN(sys)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(sys, api_version_is_12)
{
	ASSERT_EQ(KVM_API_VERSION, 12);
	ASSERT_EQ(12, svxu_ioctl(self->fd, KVM_GET_API_VERSION, 0));
}

/* Boolean capabilities answer exactly 1, as KVM does. */
TEST_F(sys, check_extension_implemented_caps)
{
	static const struct { long cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	};
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int r = svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, caps[i].cap);

		if (r != 1)
			TH_LOG("%s: %d, expected 1", caps[i].name, r);
		EXPECT_EQ(1, r);
	}
}

TEST_F(sys, check_extension_vcpu_and_slot_limits)
{
	int nr = svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	int max = svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int slots = svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

	TH_LOG("NR_VCPUS %d MAX_VCPUS %d NR_MEMSLOTS %d", nr, max, slots);
	/*
	 * KVM answers NR_VCPUS with min(online host CPUs, KVM_MAX_VCPUS): 1 on
	 * a uniprocessor (e.g. Bochs).  MAX_VCPUS is the hard limit.
	 */
	ASSERT_GE(nr, 1);
	ASSERT_GE(max, 2);
	ASSERT_GE(max, nr);
	/* vm_test.memslot_id_limit checks the VM accepts exactly this many. */
	ASSERT_GE(slots, 32);
}

TEST_F(sys, check_extension_unknown_cap_is_0)
{
	ASSERT_EQ(0, svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, 0x7fffffff));
	ASSERT_EQ(0, svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, 100000));
	ASSERT_EQ(0, svxu_ioctl(self->fd, KVM_CHECK_EXTENSION, -1L));
}

TEST_F(sys, create_vm_type_0)
{
	int a = svxu_ioctl(self->fd, KVM_CREATE_VM, 0);
	int b = svxu_ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_LE(0, a) TH_LOG("KVM_CREATE_VM: %s", strerror(-a));
	ASSERT_LE(0, b) TH_LOG("second KVM_CREATE_VM: %s", strerror(-b));
	ASSERT_NE(a, b);
	close(a);
	close(b);
}

TEST_F(sys, create_vm_bogus_type_einval)
{
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->fd, KVM_CREATE_VM, 0xdead));
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->fd, KVM_CREATE_VM, 31));
}

TEST_F(sys, vcpu_mmap_size)
{
	int sz = svxu_ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	ASSERT_GE(sz, 4096);
	ASSERT_EQ(0, sz % 4096);
	ASSERT_GE((size_t)sz, sizeof(struct kvm_run));
}

/* KVM: kvm_dev_ioctl -> kvm_arch_dev_ioctl's default: -EINVAL. */
TEST_F(sys, unknown_ioctl_einval)
{
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->fd, _IO(KVMIO, 0xff), 0));
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->fd, _IOW(KVMIO, 0xfe, int), 0));
	/* a VM-fd ioctl sent to the system fd */
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->fd, KVM_CREATE_VCPU, 0));
}

/*
 * Not open to every local user: as /dev/kvm, the node is 0600 root (udev
 * may give a group access, never others), since a VM pins host memory.
 */
TEST_F(sys, device_node_not_world_accessible)
{
	struct stat st;

	ASSERT_EQ(0, stat(svxu_dev(), &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, st.st_mode & 0007) TH_LOG("%s mode %#o", svxu_dev(),
					       st.st_mode & 07777);
}

TEST_HARNESS_MAIN
