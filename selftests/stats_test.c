// SPDX-License-Identifier: GPL-2.0
/*
 * shadowvmx extension (uapi/linux/shadowvmx.h): SVX_GET_VCPU_STATS and
 * SVX_GET_VM_STATS count what the test just made the guest do; bad
 * version/size are -EINVAL.  Devices without the extension (real KVM
 * answers -ENOTTY on the VM fd) skip.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "svx.h"

#define EXIT_REASON_HLT		12
#define EXIT_REASON_IO		30
#define NR_TICKS		10

FIXTURE(stats) {
	struct svxu_guest g;
	int has_stats;
};

/* (6.1's harness does not honour SKIP() in FIXTURE_SETUP: skip here.) */
#define SKIP_IF_NO_STATS() do {						\
	if (!self->has_stats)						\
		SKIP(return, "extension ioctls not supported by %s", svxu_dev()); \
} while (0)

FIXTURE_SETUP(stats)
{
	int r = svxu_guest_init(&self->g, SVX_GUEST(ticks), SVXU_MODE_PM32);

	ASSERT_EQ(0, r) TH_LOG("guest setup on %s: %s", svxu_dev(), strerror(-r));
	self->has_stats = svxu_has_stats(self->g.vm.fd);
}

FIXTURE_TEARDOWN(stats)
{
	svxu_guest_fini(&self->g);
}

/* Guest: NR_TICKS outs to PORT_TICK, then hlt. */
static void run_ticks(struct __test_metadata *_metadata, struct svxu_vcpu *v)
{
	int i;

	for (i = NR_TICKS; i > 0; i--)
		ASSERT_OUT32(v, PORT_TICK, i);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

static int get(int fd, unsigned long req, struct svx_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->version = SVX_STATS_VERSION;
	st->size = sizeof(*st);
	return svxu_ioctl(fd, req, (unsigned long)st);
}

TEST_F(stats, vcpu_stats_count_exits)
{
	struct svx_stats st;
	int fd = self->g.vcpu.fd;

	SKIP_IF_NO_STATS();

	ASSERT_EQ(0, get(fd, SVX_GET_VCPU_STATS, &st));
	ASSERT_EQ(sizeof(st), st.size);
	ASSERT_EQ(0, st.exits[EXIT_REASON_IO]);
	ASSERT_EQ(0, st.misc[SVX_STAT_PIO]);
	ASSERT_EQ(0, st.misc[SVX_STAT_RUNS]);

	run_ticks(_metadata, &self->g.vcpu);
	ASSERT_EQ(0, get(fd, SVX_GET_VCPU_STATS, &st));
	ASSERT_EQ(SVX_STATS_VERSION, st.version);
	ASSERT_EQ(sizeof(st), st.size);
	ASSERT_EQ(1, st.nr_vcpus);
	EXPECT_GE(st.exits[EXIT_REASON_IO], NR_TICKS);
	EXPECT_GE(st.exits[EXIT_REASON_HLT], 1);
	EXPECT_GE(st.misc[SVX_STAT_PIO], NR_TICKS);
	EXPECT_EQ(NR_TICKS + 1, st.misc[SVX_STAT_RUNS]);
	EXPECT_GE(st.misc[SVX_STAT_USER_EXITS], NR_TICKS + 1);
	EXPECT_GE(st.misc[SVX_STAT_EXITS], NR_TICKS + 1);
	EXPECT_GE(st.misc[SVX_STAT_ENTRIES], NR_TICKS + 1);
	EXPECT_GE(st.misc[SVX_STAT_ENTRIES], st.misc[SVX_STAT_EXITS]);
	EXPECT_EQ(0, st.misc[SVX_STAT_MMIO]);
	EXPECT_EQ(0, st.misc[SVX_STAT_FAILED_ENTRY]);
}

/* A single-value binary stat called @name, or -1 if there is none. */
static int64_t bin_get(const struct svxu_kvm_stats *ks, const char *name)
{
	uint64_t v;

	if (svxu_kvm_stats_read(ks, svxu_kvm_stats_find(ks, name), &v))
		return -1;
	return (int64_t)v;
}

/*
 * KVM_GET_STATS_FD (KVM's binary stats): on both devices the vCPU's
 * io_exits and halt_exits count the guest's OUTs and its HLT.  On
 * shadowvmx every
 * value is SVX_GET_VCPU_STATS's (the exit-reason histogram too) and the
 * VM fd's are the VM's totals (SVX_GET_VM_STATS).
 */
TEST_F(stats, binary_stats_fd_counts_exits)
{
	struct svxu_kvm_stats ks = { .fd = -1 }, vs = { .fd = -1 };
	struct kvm_stats_desc *d = NULL;
	struct svx_stats st, vst;
	uint64_t hist = 0;
	unsigned int i;

	if (svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
		       KVM_CAP_BINARY_STATS_FD) <= 0)
		SKIP(return, "%s: no KVM_CAP_BINARY_STATS_FD", svxu_dev());
	run_ticks(_metadata, &self->g.vcpu);
	ASSERT_EQ(0, svxu_kvm_stats_open(&ks, self->g.vcpu.fd));
	ASSERT_EQ(0, svxu_kvm_stats_open(&vs, self->g.vm.fd));
	EXPECT_EQ(NR_TICKS, bin_get(&ks, "io_exits"));
	EXPECT_EQ(1, bin_get(&ks, "halt_exits"));
	EXPECT_GE(bin_get(&ks, "exits"), NR_TICKS + 1);
	if (self->has_stats) {
		ASSERT_EQ(0, get(self->g.vcpu.fd, SVX_GET_VCPU_STATS, &st));
		ASSERT_EQ(0, get(self->g.vm.fd, SVX_GET_VM_STATS, &vst));
		EXPECT_EQ(st.misc[SVX_STAT_EXITS], bin_get(&ks, "exits"));
		EXPECT_EQ(st.exits[EXIT_REASON_IO], bin_get(&ks, "io_exits"));
		EXPECT_EQ(st.misc[SVX_STAT_RUNS], bin_get(&ks, "runs"));
		EXPECT_EQ(st.mmu[SVX_MMU_PF_FIXED], bin_get(&ks, "pf_fixed"));
		EXPECT_EQ(vst.misc[SVX_STAT_EXITS], bin_get(&vs, "exits"));
		EXPECT_EQ(vst.exits[EXIT_REASON_IO], bin_get(&vs, "io_exits"));
		for (i = 0; i < ks.hdr.num_desc; i++) {
			d = svxu_kvm_stats_desc(&ks, i);
			if (!strcmp(d->name, "exit_reasons"))
				break;
		}
		ASSERT_LT(i, ks.hdr.num_desc) TH_LOG("no exit_reasons histogram");
		EXPECT_EQ(KVM_STATS_TYPE_LINEAR_HIST, d->flags & KVM_STATS_TYPE_MASK);
		ASSERT_EQ(SVX_NR_EXIT_REASONS, d->size);
		EXPECT_EQ(0, svxu_kvm_stats_read(&ks, ks.hdr.data_offset + d->offset +
						 EXIT_REASON_IO * sizeof(uint64_t), &hist));
		EXPECT_EQ(st.exits[EXIT_REASON_IO], hist);
	}
	svxu_kvm_stats_close(&ks);
	svxu_kvm_stats_close(&vs);
}

/* Does sysfs file @name (one line) contain one of @any (NULL-ended)? */
static bool sysfs_has(const char *name, const char * const *any)
{
	char buf[512] = "";
	FILE *f = fopen(name, "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (; *any; any++)
		if (strstr(buf, *any))
			return true;
	return false;
}

/*
 * vmx/spec.c follows the host kernel's findings: an L1D flush before the
 * first entry of every KVM_RUN of an EPT-mode VM on a CPU with L1TF unless
 * the kernel's L1TF mitigation is off, never in shadow mode; an IBPB when
 * the vCPU's VMCS is loaded on a CPU if the kernel uses IBPB (spectre_v2
 * "IBPB: conditional" or "always-on"), never otherwise.
 */
TEST_F(stats, speculation_mitigations_follow_host)
{
	static const char * const affected[] = { "Mitigation", "Vulnerable", NULL };
	static const char * const l1tf_off[] = { "l1tf=off", "mitigations=off", NULL };
	static const char * const ibpb_on[] = { "IBPB: conditional", "IBPB: always-on", NULL };
	bool l1tf, ibpb;
	struct svx_stats st;

	SKIP_IF_NO_STATS();
	run_ticks(_metadata, &self->g.vcpu);
	ASSERT_EQ(0, get(self->g.vcpu.fd, SVX_GET_VCPU_STATS, &st));
	l1tf = sysfs_has("/sys/devices/system/cpu/vulnerabilities/l1tf", affected) &&
	       !sysfs_has("/proc/cmdline", l1tf_off);
	ibpb = sysfs_has("/sys/devices/system/cpu/vulnerabilities/spectre_v2", ibpb_on);
	printf("# %s, L1TF %s, IBPB %s: %llu L1D flushes, %llu IBPBs in %llu runs, %llu entries\n",
	       st.paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       l1tf ? "mitigated" : "not affected or off", ibpb ? "used" : "not used",
	       (unsigned long long)st.misc[SVX_STAT_L1D_FLUSH],
	       (unsigned long long)st.misc[SVX_STAT_IBPB],
	       (unsigned long long)st.misc[SVX_STAT_RUNS],
	       (unsigned long long)st.misc[SVX_STAT_ENTRIES]);
	fflush(stdout);
	if (l1tf && st.paging == SVX_PAGING_EPT) {
		EXPECT_GE(st.misc[SVX_STAT_L1D_FLUSH], st.misc[SVX_STAT_RUNS]);
		EXPECT_LE(st.misc[SVX_STAT_L1D_FLUSH], st.misc[SVX_STAT_ENTRIES]);
	} else {
		EXPECT_EQ(0, st.misc[SVX_STAT_L1D_FLUSH]);
	}
	if (ibpb) {
		EXPECT_LE(1, st.misc[SVX_STAT_IBPB]);
	} else {
		EXPECT_EQ(0, st.misc[SVX_STAT_IBPB]);
	}
}

TEST_F(stats, vm_stats_sum_vcpus)
{
	struct svx_stats vm, vc;

	SKIP_IF_NO_STATS();

	run_ticks(_metadata, &self->g.vcpu);
	ASSERT_EQ(0, get(self->g.vm.fd, SVX_GET_VM_STATS, &vm));
	ASSERT_EQ(0, get(self->g.vcpu.fd, SVX_GET_VCPU_STATS, &vc));
	ASSERT_EQ(sizeof(vm), vm.size);
	EXPECT_EQ(1, vm.nr_vcpus);
	EXPECT_TRUE(vm.paging == SVX_PAGING_SHADOW || vm.paging == SVX_PAGING_EPT);
	EXPECT_EQ(vm.paging, vc.paging);
	EXPECT_GE(vm.exits[EXIT_REASON_IO], NR_TICKS);
	EXPECT_GE(vm.exits[EXIT_REASON_IO], vc.exits[EXIT_REASON_IO]);
	EXPECT_GE(vm.misc[SVX_STAT_PIO], NR_TICKS);
	EXPECT_EQ(NR_TICKS + 1, vm.misc[SVX_STAT_RUNS]);
}

/* The VM block keeps the counts of vCPUs that are gone. */
TEST_F(stats, vm_stats_keep_destroyed_vcpus)
{
	struct svx_stats vm;

	SKIP_IF_NO_STATS();

	run_ticks(_metadata, &self->g.vcpu);
	svxu_vcpu_destroy(&self->g.vcpu);
	ASSERT_EQ(0, get(self->g.vm.fd, SVX_GET_VM_STATS, &vm));
	EXPECT_GE(vm.exits[EXIT_REASON_IO], NR_TICKS);
	EXPECT_GE(vm.misc[SVX_STAT_PIO], NR_TICKS);
}

TEST_F(stats, bad_version_or_size_einval)
{
	int fds[2] = { self->g.vcpu.fd, self->g.vm.fd };
	unsigned long reqs[2] = { SVX_GET_VCPU_STATS, SVX_GET_VM_STATS };
	struct svx_stats st;
	int i;

	SKIP_IF_NO_STATS();

	for (i = 0; i < 2; i++) {
		memset(&st, 0, sizeof(st));
		st.version = 0;
		st.size = sizeof(st);
		EXPECT_EQ(-EINVAL, svxu_ioctl(fds[i], reqs[i], (unsigned long)&st));
		st.version = SVX_STATS_VERSION + 1;
		EXPECT_EQ(-EINVAL, svxu_ioctl(fds[i], reqs[i], (unsigned long)&st));
		st.version = SVX_STATS_VERSION;
		st.size = 0;
		EXPECT_EQ(-EINVAL, svxu_ioctl(fds[i], reqs[i], (unsigned long)&st));
		st.size = 8;	/* smaller than the header */
		EXPECT_EQ(-EINVAL, svxu_ioctl(fds[i], reqs[i], (unsigned long)&st));
		EXPECT_EQ(-EFAULT, svxu_ioctl(fds[i], reqs[i], 8));
	}
}

TEST_HARNESS_MAIN
