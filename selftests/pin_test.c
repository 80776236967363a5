// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory that shadowvmx pins is the VMM's pinned memory: counted in
 * its mm->pinned_vm (VmPin in /proc/self/status) exactly as the VM's
 * pages_pinned counter, limited by RLIMIT_MEMLOCK unless the VM's creator
 * has CAP_IPC_LOCK, and back to 0 when the VM is gone.  kvm_intel pins
 * nothing (MMU notifiers), so the test runs on shadowvmx only.
 *
 * The test process drops CAP_IPC_LOCK (it stays uid 0, so it can still
 * open the 0600 device and raise the limit later), sets RLIMIT_MEMLOCK to
 * 64 KiB and runs a guest that touches 64 pages: KVM_RUN must stop with
 * -ENOMEM before VmPin passes 64 KiB.  With the limit raised, the same
 * KVM_RUN goes on and the guest finishes: nothing was lost.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "svx.h"

#define CAP_IPC_LOCK_BIT	14

SVX_GUEST_FIXTURE(pin);

/* VmPin of this process, in KiB, or -1. */
static long vm_pin_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static long pages_pinned(int vm_fd)
{
	struct svx_stats st;

	if (svxu_get_stats(vm_fd, SVX_GET_VM_STATS, &st))
		return -1;
	return st.mmu[SVX_MMU_PAGES_PINNED];
}

/* Drop CAP_IPC_LOCK from this process's effective and permitted sets. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1u << CAP_IPC_LOCK_BIT);
	d[0].permitted &= ~(1u << CAP_IPC_LOCK_BIT);
	d[0].inheritable &= ~(1u << CAP_IPC_LOCK_BIT);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

TEST_F(pin, pins_accounted_and_limited_by_rlimit_memlock)
{
	struct rlimit small = { 64 << 10, 64 << 10 };
	struct rlimit big = { RLIM_INFINITY, RLIM_INFINITY };
	struct svxu_vcpu *v = &self->g.vcpu;
	long kib, pinned;
	int r;

	if (svxu_dev_is_kvm())
		SKIP(return, "kvm_intel does not pin guest memory");
	if (geteuid() != 0)
		SKIP(return, "needs root (to drop CAP_IPC_LOCK and raise the limit)");
	ASSERT_EQ(0, vm_pin_kib()) TH_LOG("VmPin before any VM");
	ASSERT_EQ(0, drop_ipc_lock());
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &small));

	INIT(touch, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_touch_range(v, SVX_DATA, 64));
	r = svxu_run(v);
	kib = vm_pin_kib();
	pinned = pages_pinned(self->g.vm.fd);
	TH_LOG("limit 64 KiB: KVM_RUN %d, VmPin %ld KiB, pages_pinned %ld",
	       r, kib, pinned);
	ASSERT_EQ(-ENOMEM, r) TH_LOG("%s", svxu_exit_str(v->run));
	EXPECT_LE(kib, 64);
	EXPECT_EQ(pinned * 4, kib);

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &big));
	ASSERT_OUT32(v, PORT_RESULT, 64);	/* all 64 pages touched */
	kib = vm_pin_kib();
	pinned = pages_pinned(self->g.vm.fd);
	TH_LOG("no limit: VmPin %ld KiB, pages_pinned %ld", kib, pinned);
	EXPECT_GE(pinned, 64);
	EXPECT_EQ(pinned * 4, kib);

	svxu_guest_fini(&self->g);
	EXPECT_EQ(0, vm_pin_kib()) TH_LOG("VmPin after the VM is gone");
}

TEST_HARNESS_MAIN
