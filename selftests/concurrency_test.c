// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency: two VMs at once, and two vCPUs of one VM at once, each on
 * its own thread, each running the compute guest to completion with its
 * own input and checking its own result and PIO sequence.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "svx.h"

struct job {
	struct svxu_vcpu *vcpu;
	uint32_t input;
	pthread_barrier_t *start;
	/* results, checked by the main thread (no ASSERTs off the main thread) */
	int err;
	char why[160];
	uint32_t result;
};

/* Run the compute guest: ticks 20..1 on PORT_TICK, then input*1000, hlt. */
static void *run_compute(void *arg)
{
	struct job *j = arg;
	struct svxu_vcpu *v = j->vcpu;
	struct kvm_run *run = v->run;
	struct kvm_regs regs;
	uint32_t expect = 20;
	int r;

	r = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs);
	regs.rbx = j->input;
	if (!r)
		r = svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs);
	if (r) {
		j->err = r;
		snprintf(j->why, sizeof(j->why), "regs: %s", strerror(-r));
		return NULL;
	}
	pthread_barrier_wait(j->start);
	for (;;) {
		r = svxu_run(v);
		if (r) {
			j->err = r;
			snprintf(j->why, sizeof(j->why), "KVM_RUN: %s", strerror(-r));
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_TICK &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
		    svxu_io_value(run) == expect) {
			expect--;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == PORT_RESULT &&
		    run->io.size == 4 && expect == 0) {
			j->result = svxu_io_value(run);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_HLT && expect == 0)
			return NULL;
		j->err = -EPROTO;
		snprintf(j->why, sizeof(j->why), "vCPU %d, expecting tick %u: %s",
			 v->id, expect, svxu_exit_str(run));
		return NULL;
	}
}

static void run_jobs(struct __test_metadata *_metadata, struct job *jobs, int n)
{
	pthread_barrier_t b;
	pthread_t t[4];
	int i;

	ASSERT_EQ(0, pthread_barrier_init(&b, NULL, n));
	for (i = 0; i < n; i++) {
		jobs[i].start = &b;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run_compute, &jobs[i]));
	}
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, jobs[i].err) TH_LOG("job %d: %s", i, jobs[i].why);
		EXPECT_EQ(jobs[i].input * 1000, jobs[i].result) TH_LOG("job %d", i);
	}
	pthread_barrier_destroy(&b);
}

TEST(two_vms_at_once)
{
	struct svxu_guest g[2];
	struct job jobs[2];
	int i, r;

	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < 2; i++) {
		r = svxu_guest_init(&g[i], SVX_GUEST(compute), SVXU_MODE_PM32);
		ASSERT_EQ(0, r) TH_LOG("VM %d: %s", i, strerror(-r));
		jobs[i].vcpu = &g[i].vcpu;
		jobs[i].input = 1234 + 1111 * i;
	}
	run_jobs(_metadata, jobs, 2);
	for (i = 0; i < 2; i++)
		svxu_guest_fini(&g[i]);
}

TEST(two_vcpus_one_vm)
{
	struct svxu_guest g;
	struct svxu_vcpu v1;
	struct job jobs[2];
	int r;

	memset(jobs, 0, sizeof(jobs));
	r = svxu_guest_init(&g, SVX_GUEST(compute), SVXU_MODE_PM32);
	ASSERT_EQ(0, r) TH_LOG("VM: %s", strerror(-r));
	r = svxu_vcpu_create(&g.vm, 1, &v1);
	ASSERT_EQ(0, r) TH_LOG("vCPU 1: %s", strerror(-r));
	ASSERT_EQ(0, svxu_setup_mode(&v1, SVXU_MODE_PM32));
	jobs[0].vcpu = &g.vcpu;
	jobs[0].input = 777;
	jobs[1].vcpu = &v1;
	jobs[1].input = 4242;
	run_jobs(_metadata, jobs, 2);
	svxu_vcpu_destroy(&v1);
	svxu_guest_fini(&g);
}

TEST_HARNESS_MAIN
