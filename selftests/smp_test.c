// SPDX-License-Identifier: GPL-2.0
/*
 * SMP: vCPUs of one VM running at once on their own threads (and host CPUs
 * when there are several) while they rewrite one shared guest page table
 * (guest/guests.S "smp_pt": each vCPU remaps, INVLPGs, reads back and
 * unmaps its own PTEs of the same table page), and a third thread keeps
 * creating and deleting a memslot, which zaps every shadow page or EPT
 * entry and kicks the vCPUs out of guest mode.  Every read must see the
 * frame just mapped: the same result as on kvm_intel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "svx.h"

#define SMP_VCPUS	2
#define SMP_ITERS	3000

struct smp_job {
	struct svxu_vcpu *vcpu;
	pthread_barrier_t *start;
	int err;
	char why[160];
	uint32_t done, bad_iter;
	bool bad;
};

static void *smp_run(void *arg)
{
	struct smp_job *j = arg;
	struct kvm_run *run = j->vcpu->run;
	int r;

	pthread_barrier_wait(j->start);
	for (;;) {
		r = svxu_run(j->vcpu);
		if (r == -EINTR)
			continue;
		if (r) {
			j->err = r;
			snprintf(j->why, sizeof(j->why), "KVM_RUN: %s", strerror(-r));
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.size == 4 &&
		    run->io.port == PORT_RESULT) {
			j->done = svxu_io_value(run);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.size == 4 &&
		    run->io.port == PORT_RESULT2) {
			j->bad = true;
			j->bad_iter = svxu_io_value(run);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			return NULL;
		j->err = -EPROTO;
		snprintf(j->why, sizeof(j->why), "vCPU %d: %s", j->vcpu->id,
			 svxu_exit_str(run));
		return NULL;
	}
}

struct churn {
	int vm_fd;
	void *mem;
	volatile int stop;
	unsigned long changes;
	int err;
};

/* Create and delete slot 1 until told to stop: each change zaps all. */
static void *churn_slots(void *arg)
{
	struct churn *c = arg;
	int r;

	while (!c->stop) {
		r = svxu_set_mem(c->vm_fd, 1, 0, SVX_SLOT1_GPA, SVX_SLOT1_SIZE,
				 c->mem);
		if (!r)
			r = svxu_set_mem(c->vm_fd, 1, 0, SVX_SLOT1_GPA, 0,
					 c->mem);
		if (r) {
			c->err = r;
			return NULL;
		}
		c->changes += 2;
	}
	return NULL;
}

/* The host-built 32-bit tables, the frames, and each vCPU in paging mode. */
static int smp_setup(struct svxu_vm *vm, struct svxu_vcpu *v, int n)
{
	uint32_t *pd = (uint32_t *)(vm->mem + SMP_PD);
	uint32_t *pt0 = (uint32_t *)(vm->mem + SMP_PT0);
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int i, r;

	memset(vm->mem + SMP_PD, 0, 3 * 4096);
	for (i = 0; i < 1024; i++)
		pt0[i] = i * 4096 | 3;
	pd[0] = SMP_PT0 | 3;
	pd[2] = SMP_PT2 | 3;
	for (i = 0; i < 16; i++)
		*(uint32_t *)(vm->mem + SMP_FRAMES + i * 4096) = 0xf0000 + i;
	for (i = 0; i < n; i++) {
		r = svxu_setup_mode(&v[i], SVXU_MODE_PM32);
		if (!r)
			r = svxu_ioctl(v[i].fd, KVM_GET_SREGS, (unsigned long)&sr);
		if (r)
			return r;
		sr.cr3 = SMP_PD;
		sr.cr4 = 0;
		sr.cr0 |= 0x80000001;		/* PG | PE */
		r = svxu_ioctl(v[i].fd, KVM_SET_SREGS, (unsigned long)&sr);
		if (!r)
			r = svxu_ioctl(v[i].fd, KVM_GET_REGS, (unsigned long)&regs);
		if (r)
			return r;
		regs.rsi = i;
		regs.rdx = SMP_ITERS;
		regs.rsp = SVX_STACK - i * 0x1000;
		r = svxu_ioctl(v[i].fd, KVM_SET_REGS, (unsigned long)&regs);
		if (r)
			return r;
	}
	return 0;
}

static void smp_pt_traffic(struct __test_metadata *_metadata, bool churn)
{
	struct svxu_vcpu v[SMP_VCPUS];
	struct smp_job jobs[SMP_VCPUS];
	struct churn c = { 0 };
	pthread_t t[SMP_VCPUS], ct;
	pthread_barrier_t b;
	struct svxu_guest g;
	int i, r;

	memset(jobs, 0, sizeof(jobs));
	r = svxu_guest_init(&g, SVX_GUEST(smp_pt), SVXU_MODE_PM32);
	ASSERT_EQ(0, r) TH_LOG("VM: %s", strerror(-r));
	v[0] = g.vcpu;
	for (i = 1; i < SMP_VCPUS; i++) {
		r = svxu_vcpu_create(&g.vm, i, &v[i]);
		ASSERT_EQ(0, r) TH_LOG("vCPU %d: %s", i, strerror(-r));
	}
	ASSERT_EQ(0, smp_setup(&g.vm, v, SMP_VCPUS));
	c.vm_fd = g.vm.fd;
	c.mem = svxu_alloc(SVX_SLOT1_SIZE);
	ASSERT_NE(NULL, c.mem);
	ASSERT_EQ(0, pthread_barrier_init(&b, NULL, SMP_VCPUS));
	if (churn)
		ASSERT_EQ(0, pthread_create(&ct, NULL, churn_slots, &c));
	for (i = 0; i < SMP_VCPUS; i++) {
		jobs[i].vcpu = &v[i];
		jobs[i].start = &b;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, smp_run, &jobs[i]));
	}
	for (i = 0; i < SMP_VCPUS; i++)
		pthread_join(t[i], NULL);
	c.stop = 1;
	if (churn)
		pthread_join(ct, NULL);
	for (i = 0; i < SMP_VCPUS; i++) {
		EXPECT_EQ(0, jobs[i].err) TH_LOG("vCPU %d: %s", i, jobs[i].why);
		EXPECT_FALSE(jobs[i].bad)
			TH_LOG("vCPU %d read a stale frame at iteration %u", i,
			       jobs[i].bad_iter);
		EXPECT_EQ(SMP_ITERS, jobs[i].done) TH_LOG("vCPU %d", i);
	}
	EXPECT_EQ(0, c.err) TH_LOG("memslot churn: %s", strerror(-c.err));
	if (churn) {
		EXPECT_GT(c.changes, 0);
		TH_LOG("%lu memslot changes during %d x %d PTE rewrites",
		       c.changes, SMP_VCPUS, SMP_ITERS);
	}
	pthread_barrier_destroy(&b);
	svxu_free(c.mem, SVX_SLOT1_SIZE);
	for (i = 1; i < SMP_VCPUS; i++)
		svxu_vcpu_destroy(&v[i]);
	svxu_guest_fini(&g);
}

TEST(shared_page_table_two_vcpus)
{
	smp_pt_traffic(_metadata, false);
}

TEST(shared_page_table_two_vcpus_memslot_churn)
{
	smp_pt_traffic(_metadata, true);
}

TEST_HARNESS_MAIN
