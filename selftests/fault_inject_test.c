// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure injection: every fallible operation of the module
 * (allocations, page pins) fails in turn, and each failure must end in a
 * clean errno, with nothing leaked, nothing left pinned, no WARN and no
 * state half changed.
 *
 * The module's hook is /sys/kernel/debug/shadowvmx/fail_nth
 * (core/fault_inject.c, shaped like the kernel's /proc/<tid>/fail-nth):
 * writing N makes the Nth fallible operation of this thread fail; reading
 * back gives what is left, 0 once injected.  For N = 1, 2, ... the test
 * walks one life of a VM:
 *
 *   open the device, KVM_CREATE_VM (and the suite's paging mode), two
 *   memslots, KVM_CREATE_VCPU, a 256-entry KVM_SET_CPUID2 then the small
 *   default one, sregs/regs, KVM_RUN of a guest that writes its own page
 *   tables, turns paging on, rewrites a live PTE (INVLPG), touches RAM and
 *   slot 1, reads MMIO and HLTs; dirty logging on slot 1 (KVM_RUN,
 *   KVM_GET_DIRTY_LOG), slot 1 moved (KVM_RUN: now MMIO), deleted (zap,
 *   KVM_RUN); a second VM with KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2 and a
 *   vCPU; close everything.
 *
 * Each call succeeds, or fails with -ENOMEM (KVM_RUN: -ENOMEM or -EFAULT,
 * KVM's errno when it cannot get a guest page) when, and only when, the
 * injected failure happened in it (fail_nth reads 0); the same call made
 * again (nothing armed now) must then succeed and the walk goes on, so a
 * failure that left state half done shows up in a later call or in the
 * guest's results.  After each round, with every fd closed, the module's
 * gauges pinned_pages and table_pages read 0 and the kernel log has no new
 * WARNING/BUG/Oops/Call Trace line.  The walk ends at the first N the
 * round never reaches (fail_nth still reads non-zero).
 *
 * Every bad round is logged (up to 20) and the walk goes on.  SVX_FI_BUDGET
 * (seconds, default none) cuts a long walk short, which fails the test.
 *
 * On /dev/kvm the test SKIPs: Debian's kernel has no CONFIG_FAULT_INJECTION
 * (no fail-nth), and this hook is the module's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "svx.h"

#define FAIL_NTH	"/sys/kernel/debug/shadowvmx/fail_nth"
#define PARAMS		"/sys/module/shadowvmx/parameters/"
#define FI_MAX_N	20000

#define FI_PD		0x30000		/* guest page directory */
#define FI_PT0		0x31000		/* identity map of 0-4 MiB */
#define FI_PT1		0x32000		/* 4 MiB-: slot 1 */
#define FI_PT2		0x33000		/* SVX_MMIO_GPA */
#define FI_TOUCH	0x100000	/* RAM pages the guest touches */
#define FI_NTOUCH	16
#define FI_NSLOT1	4		/* slot 1 pages touched */
#define FI_PORT		0x90
#define FI_SLOT1_MOVED	0x800000

/*
 * 32-bit, paging off on entry: builds 32-bit page tables (PDE 0 identity,
 * PDE 1 slot 1, the PDE of SVX_MMIO_GPA), turns paging on, then loops:
 * write FI_NTOUCH - i to RAM page i from FI_TOUCH, point the last PTE of
 * the identity table at FI_TOUCH page 1 (a write to a live, shadowed
 * table), INVLPG, report what it reads there (FI_NTOUCH - 1), write
 * slot 1's first FI_NSLOT1 pages, read SVX_MMIO_GPA, report it, HLT.
 */
__asm__(
"	.pushsection .rodata.svx_fi_guest, \"a\"\n"
"	.code32\n"
"	.globl guest_fi_start, guest_fi_end\n"
"	.balign 16\n"
"guest_fi_start:\n"
"	movl	$" XSTR(FI_PT0) ", %edi\n"
"	movl	$3, %eax\n"
"	movl	$1024, %ecx\n"
"1:	movl	%eax, (%edi)\n"
"	addl	$0x1000, %eax\n"
"	addl	$4, %edi\n"
"	loop	1b\n"
"	movl	$" XSTR(FI_PT1) ", %edi\n"
"	movl	$(" XSTR(SVX_SLOT1_GPA) " + 3), %eax\n"
"	movl	$16, %ecx\n"
"2:	movl	%eax, (%edi)\n"
"	addl	$0x1000, %eax\n"
"	addl	$4, %edi\n"
"	loop	2b\n"
"	movl	$(" XSTR(SVX_MMIO_GPA) " + 3), " XSTR(FI_PT2) "\n"
"	movl	$(" XSTR(FI_PT0) " + 3), " XSTR(FI_PD) "\n"
"	movl	$(" XSTR(FI_PT1) " + 3), " XSTR(FI_PD) " + 4\n"
"	movl	$(" XSTR(FI_PT2) " + 3), " XSTR(FI_PD) " + (" XSTR(SVX_MMIO_GPA) " >> 22) * 4\n"
"	movl	$" XSTR(FI_PD) ", %eax\n"
"	movl	%eax, %cr3\n"
"	movl	%cr0, %eax\n"
"	orl	$0x80000000, %eax\n"
"	movl	%eax, %cr0\n"
"3:	movl	$" XSTR(FI_TOUCH) ", %edi\n"
"	movl	$" XSTR(FI_NTOUCH) ", %ecx\n"
"4:	movl	%ecx, (%edi)\n"
"	addl	$0x1000, %edi\n"
"	loop	4b\n"
"	movl	$(" XSTR(FI_TOUCH) " + 0x1000 + 3), " XSTR(FI_PT0) " + 1023 * 4\n"
"	invlpg	0x3ff000\n"
"	movl	0x3ff000, %eax\n"
"	outl	%eax, $" XSTR(FI_PORT) "\n"
"	movl	$" XSTR(SVX_SLOT1_GPA) ", %edi\n"
"	movl	$" XSTR(FI_NSLOT1) ", %ecx\n"
"5:	movl	%ecx, (%edi)\n"
"	addl	$0x1000, %edi\n"
"	loop	5b\n"
"	movl	" XSTR(SVX_MMIO_GPA) ", %eax\n"
"	outl	%eax, $" XSTR(FI_PORT) "\n"
"	hlt\n"
"	jmp	3b\n"
"guest_fi_end:\n"
"	.code64\n"
"	.popsection\n");

static int fi_fd = -1;

static long fi_read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 0) : -1;
}

static int fi_arm(long n)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%ld", n);

	return pwrite(fi_fd, buf, len, 0) == len ? 0 : -errno;
}

/* What is left of the armed count: 0 once injected. */
static long fi_left(void)
{
	char buf[24] = "";
	ssize_t n = pread(fi_fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? strtol(buf, NULL, 0) : -1;
}

/* New kernel log records since the last call that look like a splat. */
static int fi_kmsg = -1;

static int fi_new_splats(long n)
{
	static const char *const needles[] = {
		"WARNING:", "BUG:", "Oops", "Call Trace", "general protection",
		"list_add corruption", "list_del corruption", "refcount_t:",
		"UBSAN", "KASAN", "Bad page", "kernel BUG",
	};
	char rec[2048];
	unsigned int i;
	int found = 0;
	ssize_t len;

	if (fi_kmsg < 0)
		return 0;
	for (;;) {
		len = read(fi_kmsg, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (len <= 0)
			break;
		rec[len] = 0;
		for (i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
			if (strstr(rec, needles[i])) {
				if (found++ < 8)
					fprintf(stderr, "# N=%ld kmsg: %s", n, rec);
				break;
			}
	}
	return found;
}

struct fi_round {
	long n;			/* the armed N */
	int injected;		/* calls that failed with the injection */
	unsigned int reports;	/* port reports seen (two per guest loop) */
	const char *failed;	/* the last call that failed (injected) */
	char bad[512];		/* why the round is wrong; "" if it is not */
	int sys, vm, vcpu, vm2, vcpu2;
	uint8_t *ram, *slot1;
	struct kvm_run *run;
	size_t run_size;
};

static bool fi_errno_ok(long r, bool run)
{
	return r == -ENOMEM || (run && r == -EFAULT);
}

/*
 * KVM_RUN until HLT: the port reports must be FI_NTOUCH - 1 (the page
 * read through the rewritten PTE) and 0 (the MMIO read); MMIO exits go
 * on.  0, -errno of KVM_RUN, or -EPROTO on an unexpected exit.
 */
static int fi_run_to_hlt(struct fi_round *f)
{
	int exits, r;

	for (exits = 0; exits < 200; exits++) {
		r = svxu_ioctl(f->vcpu, KVM_RUN, 0);
		if (r < 0)
			return r;
		switch (f->run->exit_reason) {
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_MMIO:
			if (!f->run->mmio.is_write)
				memset(f->run->mmio.data, 0,
				       sizeof(f->run->mmio.data));
			break;
		case KVM_EXIT_IO:
			if (f->run->io.port != FI_PORT)
				return -EPROTO;
			if (svxu_io_value(f->run) !=
			    (f->reports++ & 1 ? 0 : FI_NTOUCH - 1))
				return -EPROTO;
			break;
		default:
			return -EPROTO;
		}
	}
	return -ELOOP;
}

/*
 * One call of the walk: on failure it must be the injected one, with an
 * allowed errno, and the same call again must succeed; else the round is
 * marked bad and ends (goto out).  Yields the call's result.
 */
#define STEP(isrun, expr) ({						\
	long __r = (expr);						\
	if (__r < 0) {							\
		long __left = fi_left();				\
		if (!fi_errno_ok(__r, isrun) || __left) {		\
			snprintf(f->bad, sizeof(f->bad),		\
				 "%s: %s (fail_nth left %ld)%s%s", #expr, \
				 strerror(-__r), __left,		\
				 f->run ? "; " : "",			\
				 f->run ? svxu_exit_str(f->run) : "");	\
			goto out;					\
		}							\
		f->injected++;						\
		f->failed = #expr;					\
		__r = (expr);						\
		if (__r < 0) {						\
			snprintf(f->bad, sizeof(f->bad),		\
				 "%s failed (injected), again: %s%s%s",	\
				 #expr, strerror(-__r),			\
				 f->run ? "; " : "",			\
				 f->run ? svxu_exit_str(f->run) : "");	\
			goto out;					\
		}							\
	}								\
	__r;								\
})

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		snprintf(f->bad, sizeof(f->bad), __VA_ARGS__);		\
		goto out;						\
	}								\
} while (0)

static int fi_set_slot(int vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		       uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	return svxu_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&m);
}

static int fi_mmap_run(struct fi_round *f)
{
	void *p = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       f->vcpu, 0);

	if (p == MAP_FAILED)
		return -errno;
	f->run = p;
	return 0;
}

static int fi_setup_regs(struct fi_round *f)
{
	struct svxu_vm vm = { .fd = f->vm, .mem = f->ram,
			      .mem_size = SVX_MEM_SIZE };
	struct svxu_vcpu v = { .vm = &vm, .fd = f->vcpu, .run = f->run,
			       .run_size = f->run_size };

	return svxu_setup_mode(&v, SVXU_MODE_PM32);
}

static int fi_get_dirty(struct fi_round *f, uint64_t *bits)
{
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bits };

	return svxu_ioctl(f->vm, KVM_GET_DIRTY_LOG, (unsigned long)&log);
}

FIXTURE(fi) {
	struct kvm_cpuid2 *big;
};

FIXTURE_SETUP(fi)
{
	int i;

	self->big = calloc(1, sizeof(*self->big) +
			   256 * sizeof(struct kvm_cpuid_entry2));
	ASSERT_NE(NULL, self->big);
	self->big->nent = 256;
	for (i = 0; i < 256; i++)
		self->big->entries[i].function = 0x40000000 + i;
}

FIXTURE_TEARDOWN(fi)
{
	if (fi_fd >= 0) {
		fi_arm(0);
		close(fi_fd);
		fi_fd = -1;
	}
	if (fi_kmsg >= 0)
		close(fi_kmsg);
	fi_kmsg = -1;
	free(self->big);
}

/* One round with N armed; f->bad says what went wrong. */
static void fi_round(struct fi_round *f, const struct kvm_cpuid2 *big)
{
	struct svxu_code code = SVX_GUEST(fi);
	struct kvm_pit_config pit = { 0 };
	size_t ram_size = SVX_MEM_SIZE, slot1_size = SVX_SLOT1_SIZE;
	uint64_t dirty[1];
	long mmap_size;

	f->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->slot1 = mmap(NULL, slot1_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(f->ram != MAP_FAILED && f->slot1 != MAP_FAILED, "mmap");
	memcpy(f->ram + SVX_CODE, code.start, code.len);

	CHECK(!fi_arm(f->n), "arming fail_nth: %s", strerror(errno));
	f->sys = STEP(false, svxu_open_dev());
	mmap_size = STEP(false, svxu_ioctl(f->sys, KVM_GET_VCPU_MMAP_SIZE, 0));
	f->run_size = mmap_size;
	f->vm = STEP(false, svxu_ioctl(f->sys, KVM_CREATE_VM, 0));
	STEP(false, svxu_apply_paging(f->vm));
	STEP(false, fi_set_slot(f->vm, 0, 0, 0, ram_size, f->ram));
	STEP(false, fi_set_slot(f->vm, 1, 0, SVX_SLOT1_GPA, slot1_size,
				f->slot1));
	f->vcpu = STEP(false, svxu_ioctl(f->vm, KVM_CREATE_VCPU, 0));
	STEP(false, fi_mmap_run(f));
	STEP(false, svxu_ioctl(f->vcpu, KVM_SET_CPUID2, (unsigned long)big));
	STEP(false, svxu_set_default_cpuid(f->vcpu));
	STEP(false, fi_setup_regs(f));
	/* paging, the touches, the PTE rewrite, MMIO */
	STEP(true, fi_run_to_hlt(f));
	CHECK(*(uint32_t *)(f->ram + FI_TOUCH + 0x1000) == FI_NTOUCH - 1 &&
	      *(uint32_t *)f->slot1 == FI_NSLOT1, "guest memory: %u %u",
	      *(uint32_t *)(f->ram + FI_TOUCH + 0x1000),
	      *(uint32_t *)f->slot1);
	/* dirty logging on slot 1 */
	STEP(false, fi_set_slot(f->vm, 1, KVM_MEM_LOG_DIRTY_PAGES,
				SVX_SLOT1_GPA, slot1_size, f->slot1));
	STEP(true, fi_run_to_hlt(f));
	dirty[0] = 0;
	STEP(false, fi_get_dirty(f, dirty));
	CHECK(dirty[0] == (1ULL << FI_NSLOT1) - 1, "dirty log %#llx",
	      (unsigned long long)dirty[0]);
	/* slot 1 moved: the guest's accesses become MMIO */
	STEP(false, fi_set_slot(f->vm, 1, 0, FI_SLOT1_MOVED, slot1_size,
				f->slot1));
	STEP(true, fi_run_to_hlt(f));
	/* and deleted */
	STEP(false, fi_set_slot(f->vm, 1, 0, FI_SLOT1_MOVED, 0, f->slot1));
	STEP(true, fi_run_to_hlt(f));
	/* a VM with the in-kernel irqchip and PIT */
	f->vm2 = STEP(false, svxu_ioctl(f->sys, KVM_CREATE_VM, 0));
	STEP(false, svxu_ioctl(f->vm2, KVM_CREATE_IRQCHIP, 0));
	STEP(false, svxu_ioctl(f->vm2, KVM_CREATE_PIT2, (unsigned long)&pit));
	f->vcpu2 = STEP(false, svxu_ioctl(f->vm2, KVM_CREATE_VCPU, 0));
	STEP(false, svxu_set_default_cpuid(f->vcpu2));
out:
	if (f->run)
		munmap(f->run, f->run_size);
	if (f->vcpu2 >= 0)
		close(f->vcpu2);
	if (f->vm2 >= 0)
		close(f->vm2);
	if (f->vcpu >= 0)
		close(f->vcpu);
	if (f->vm >= 0)
		close(f->vm);
	if (f->sys >= 0)
		close(f->sys);
	if (f->ram != MAP_FAILED)
		munmap(f->ram, ram_size);
	if (f->slot1 != MAP_FAILED)
		munmap(f->slot1, slot1_size);
}

TEST_F(fi, fail_nth_walk)
{
	long n, left, total_injected = 0, last = 0, pinned, tables;
	int bad = 0, splats;
	const char *budget_env = getenv("SVX_FI_BUDGET");
	long budget = budget_env ? atol(budget_env) : 0;
	time_t t0 = time(NULL);
	bool cut = false;

	if (svxu_dev_is_kvm())
		SKIP(return, "/dev/kvm: Debian's kernel has no CONFIG_FAULT_INJECTION (no fail-nth); the hook is shadowvmx's");
	ASSERT_EQ(0, geteuid()) TH_LOG("fail_nth is root's");
	fi_fd = open(FAIL_NTH, O_RDWR);
	if (fi_fd < 0 && errno == ENOENT) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		fi_fd = open(FAIL_NTH, O_RDWR);
	}
	ASSERT_LE(0, fi_fd) TH_LOG("%s: %s", FAIL_NTH, strerror(errno));
	/* the file itself: arm, read back, disarm */
	ASSERT_EQ(0, fi_arm(5));
	ASSERT_EQ(5, fi_left());
	ASSERT_EQ(0, fi_arm(0));
	ASSERT_EQ(0, fi_left());
	ASSERT_EQ(-EINVAL, fi_arm(-1));
	fi_kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fi_kmsg >= 0)
		lseek(fi_kmsg, 0, SEEK_END);

	for (n = 1; n <= FI_MAX_N; n++) {
		struct fi_round r = { .n = n, .sys = -1, .vm = -1, .vcpu = -1,
				      .vm2 = -1, .vcpu2 = -1 };

		fi_round(&r, self->big);
		left = fi_left();
		ASSERT_EQ(0, fi_arm(0));
		pinned = fi_read_long(PARAMS "pinned_pages");
		tables = fi_read_long(PARAMS "table_pages");
		splats = fi_new_splats(n);
		if (r.bad[0] || pinned || tables || splats) {
			bad++;
			TH_LOG("N=%ld: %s; injected in %s; after close: pinned_pages %ld, table_pages %ld, %d splat lines",
			       n, r.bad[0] ? r.bad : "calls fine",
			       r.failed ? r.failed : "no failing call",
			       pinned, tables, splats);
			if (bad >= 20)
				break;
		}
		if (left > 0 && !r.bad[0]) {
			/* the round made fewer than N operations */
			if (r.injected) {
				bad++;
				TH_LOG("N=%ld: a call failed, nothing injected", n);
			}
			break;
		}
		total_injected += r.injected;
		last = n;
		if (n % 50 == 0)
			TH_LOG("N=%ld, %ld s", n, (long)(time(NULL) - t0));
		if (budget && time(NULL) - t0 > budget) {
			cut = true;
			break;
		}
	}
	TH_LOG("%s: %ld fallible operations%s, each failed once: %ld calls failed -ENOMEM/-EFAULT and succeeded again, %ld failures absorbed; %d bad rounds; %ld s",
	       svxu_paging() ? svxu_paging() : "default paging", last,
	       cut ? " (walk cut by SVX_FI_BUDGET)" : "",
	       total_injected, last - total_injected, bad,
	       (long)(time(NULL) - t0));
	EXPECT_EQ(0, bad);
	EXPECT_FALSE(cut);
	EXPECT_LT(n, FI_MAX_N);
	EXPECT_LT(10, last);
}

TEST_HARNESS_MAIN
