// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM replaces guest memory under a running guest, with no memslot
 * change (KVM keeps the guest coherent with MMU notifiers): a thread
 * mremap()s page after page, each holding the next number, onto the HVA
 * behind GPA SVX_DATA while the vCPU polls that dword and reports every
 * read, and finally a page holding 0xffffffff.  The guest must see the
 * numbers never going back (once it read page k, page k - 1 is gone: a
 * read of it is stale memory) and must see the last page within
 * DEADLINE_S seconds of its mremap.  Faults race the invalidations here:
 * a fault that pinned an old page must not install it.  32-bit guest with
 * paging off (nonpaging map; EPT) and 64-bit guest (shadow pages; EPT).
 *
 * The OOM reaper's way in: process_mrelease(2) of a VMM that was sent
 * SIGKILL but has not run since reaps its memory with a notifier call that
 * may not sleep (mmu_notifier_range_blockable() false).  KVM zaps then as
 * always (it never sleeps there) and the reap succeeds; a notifier that
 * answers -EAGAIN instead makes the core WARN (mm/mmu_notifier.c: a
 * notifier with an invalidate_range_end may not fail its start) and the
 * reap fails with EAGAIN.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svx.h"

#define NREMAPS		100
#define LAST		0xffffffffu
#define DEADLINE_S	10

SVX_GUEST_FIXTURE(mn);

struct remapper {
	uint8_t *hva;
	volatile int done;	/* the last page is in place */
	struct timespec done_at;
	int err;
};

/* Replace the page at r->hva with a new one holding @val, atomically. */
static int replace(uint8_t *hva, uint32_t val)
{
	void *src = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (src == MAP_FAILED)
		return -errno;
	memcpy(src, &val, 4);
	if (mremap(src, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, hva) != hva)
		return -errno;
	return 0;
}

static void *remap_thread(void *arg)
{
	struct remapper *r = arg;
	uint32_t k;

	for (k = 1; k <= NREMAPS && !r->err; k++) {
		r->err = replace(r->hva, k);
		usleep(2000);
	}
	if (!r->err)
		r->err = replace(r->hva, LAST);
	clock_gettime(CLOCK_MONOTONIC, &r->done_at);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void poll_test(struct __test_metadata *_metadata,
		      FIXTURE_DATA(mn) *self, struct svxu_code code,
		      enum svxu_mode mode)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct remapper rm = { 0 };
	uint32_t last = 0, val, back = 0, distinct = 0;
	unsigned long reads = 0;
	bool finished = false;
	pthread_t t;
	int r;

	r = svxu_guest_init(&self->g, code, mode);
	ASSERT_EQ(0, r) TH_LOG("guest setup on %s: %s", svxu_dev(), strerror(-r));
	rm.hva = (uint8_t *)self->g.vm.mem + SVX_DATA;
	memset(rm.hva, 0, 4);
	ASSERT_EQ(0, pthread_create(&t, NULL, remap_thread, &rm));
	for (;;) {
		r = svxu_run(v);
		if (r || v->run->exit_reason != KVM_EXIT_IO)
			break;
		if (v->run->io.port == PORT_RESULT) {
			finished = true;
			break;
		}
		if (v->run->io.port != PORT_TICK)
			break;
		val = svxu_io_value(v->run);
		reads++;
		if (val < last && back++ < 4)
			TH_LOG("read %lu: %u after %u: a page already replaced",
			       reads, val, last);
		if (val != last)
			distinct++;
		if (val > last)
			last = val;
		if (__atomic_load_n(&rm.done, __ATOMIC_ACQUIRE) &&
		    since(&rm.done_at) > DEADLINE_S)
			break;
	}
	pthread_join(t, NULL);
	TH_LOG("%s: %lu reads, %u distinct values, last %#x, %u went back",
	       svxu_dev(), reads, distinct, last, back);
	ASSERT_EQ(0, rm.err) TH_LOG("mremap: %s", strerror(-rm.err));
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %s; %s", strerror(-r),
			       svxu_exit_str(v->run));
	EXPECT_TRUE(finished) TH_LOG("the guest did not see the last page within %d s: %s",
				     DEADLINE_S, svxu_exit_str(v->run));
	EXPECT_EQ(0, back) TH_LOG("reads of pages already replaced");
	EXPECT_EQ(LAST, last);
}

TEST_F(mn, remapped_under_a_polling_guest_pm32)
{
	poll_test(_metadata, self, SVX_GUEST(hva_poll32), SVXU_MODE_PM32);
}

TEST_F(mn, remapped_under_a_polling_guest_long64)
{
	poll_test(_metadata, self, SVX_GUEST(hva_poll64), SVXU_MODE_LONG64);
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease	448
#endif

/* Lines of the kernel log holding @needle (-1: the log is unreadable). */
static int klog_lines(const char *needle)
{
	int size = klogctl(10, NULL, 0), len, n = 0;	/* SIZE_BUFFER */
	char *buf, *p;

	if (size <= 0)
		return -1;
	buf = malloc(size + 1);
	if (!buf)
		return -1;
	len = klogctl(3, buf, size);			/* READ_ALL */
	if (len < 0) {
		free(buf);
		return -1;
	}
	buf[len] = 0;
	for (p = buf; (p = strstr(p, needle)); p++)
		n++;
	free(buf);
	return n;
}

/*
 * The child: a VM whose 64-bit guest runs until its first poll (its code,
 * stack, tables and data are mapped then), tells the parent on @fd, waits.
 */
static void __attribute__((noreturn)) dying_vmm(int fd)
{
	struct svxu_guest g = { 0 };
	char c = 0;

	g.vm.fd = g.vm.sys_fd = g.vcpu.fd = -1;
	if (!svxu_guest_init(&g, SVX_GUEST(hva_poll64), SVXU_MODE_LONG64) &&
	    !svxu_run(&g.vcpu) && g.vcpu.run->exit_reason == KVM_EXIT_IO &&
	    g.vcpu.run->io.port == PORT_TICK)
		c = 1;
	if (write(fd, &c, 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

TEST(reaped_when_killed_by_process_mrelease)
{
	const char *failed = "callback failed with";
	int fds[2], pidfd, status, warn0, r, err;
	pid_t pid;
	char c;

	warn0 = klog_lines(failed);
	if (warn0 < 0)
		SKIP(return, "cannot read the kernel log: %s", strerror(errno));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		dying_vmm(fds[1]);
	ASSERT_EQ(1, read(fds[0], &c, 1));
	ASSERT_EQ(1, c) TH_LOG("the child's guest did not start on %s", svxu_dev());
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %s", strerror(errno));
	/*
	 * The child cannot run between the two calls on one CPU (and rarely
	 * on more): its memory is still there, with SIGKILL pending.
	 */
	kill(pid, SIGKILL);
	r = syscall(SYS_process_mrelease, pidfd, 0);
	err = r ? errno : 0;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(pidfd);
	close(fds[0]);
	close(fds[1]);
	if (err == ENOSYS)
		SKIP(return, "no process_mrelease(2) in this kernel");
	if (err == EINVAL || err == ESRCH)
		SKIP(return, "the child exited before the reap: %s", strerror(err));
	TH_LOG("%s: process_mrelease %s, notifier-failed lines %d -> %d",
	       svxu_dev(), err ? strerror(err) : "ok", warn0,
	       klog_lines(failed));
	EXPECT_EQ(0, err) TH_LOG("the reaper could not unmap the VMM's memory");
	EXPECT_EQ(warn0, klog_lines(failed))
		TH_LOG("an MMU notifier failed a non-blocking invalidation");
}

TEST_HARNESS_MAIN
