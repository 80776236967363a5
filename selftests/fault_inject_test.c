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
 * A second walk (fail_nth_walk_devices) goes the same way over the
 * devices round (fi_round_devices()): a real-mode vCPU and a VM with the
 * in-kernel irqchip, its GSI routes, an MSR filter, ioeventfds and irqfds,
 * the interrupts they and KVM_SIGNAL_MSI inject through the IOAPIC and
 * the LAPIC, LAPIC/XSAVE/XCR state, the walk trace and the binary stats.
 * A third (fail_nth_walk_irqchip) walks the irqchip round
 * (fi_round_irqchip()): the errnos of the irqchip and PIT ioctls before
 * and after KVM_CREATE_IRQCHIP/KVM_CREATE_PIT2 and of bad GSI routes,
 * KVM_IRQ_LINE_STATUS edge and level through the PICs and the IOAPIC (the
 * statuses and the vector the guest takes), KVM_SET_GSI_ROUTING replacing
 * the live table under two irqfds, the PIT set with KVM_SET_PIT2 ticking
 * into the guest, KVM_GET/SET_PIT(2), KVM_REINJECT_CONTROL,
 * KVM_GET/SET_IRQCHIP of the three chips, KVM_SET_BOOT_CPU_ID and the
 * vCPU's MP state, events and debug registers.
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
 * On /dev/kvm the walks SKIP: Debian's kernel has no CONFIG_FAULT_INJECTION
 * (no fail-nth), and this hook is the module's.  The devices and irqchip
 * rounds run there once, nothing armed, before the SKIP: every value and
 * errno they expect is kvm_intel's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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

/*
 * The devices round (fi_round_devices()): a VM with the in-kernel irqchip,
 * an MSR filter, ioeventfds and irqfds.
 */
#define APIC		0xfee00000
#define IOAPIC		0xfec00000
#define FI_EVPORT	0x94		/* PIO ioeventfd, wildcard, length 4 */
#define FI_EVPORT2	0x98		/* another, the guest never writes it */
#define FI_MSR		0x474f4f00	/* an MSR nobody has: filtered */
#define FI_MSR_DATA	0x5a5a5a5a
#define FI_MSI_VEC	0x53

/*
 * Long mode, the in-kernel LAPIC and IOAPIC: IOAPIC pin 10 edge to vector
 * 0x51, pin 11 level to 0x52, the PICs masked.  An OUTL to FI_EVPORT and a
 * 4-byte store of 7 at SVX_MMIO_GPA (both ioeventfds: no exit), RDMSR of
 * FI_MSR (denied by the filter: KVM_EXIT_X86_RDMSR) reported on
 * PORT_RESULT, then four times PORT_TICK (the host raises an interrupt:
 * pin 10's irqfd, pin 11's resampling irqfd, the MSI route's irqfd,
 * KVM_SIGNAL_MSI) and the count of interrupts taken on PORT_RESULT;
 * PORT_RESULT2 at the end.
 */
#define FI_TICK								\
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
__asm__(
"	.pushsection .rodata.svx_fi_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_fi_irq_start, guest_fi_irq_end\n"
"	.balign 16\n"
"guest_fi_irq_start:\n"
IRQ_BASES
GATE64(fi_irq, 0x51, fi_irq_isr)
GATE64(fi_irq, 0x52, fi_irq_isr)
GATE64(fi_irq, 0x53, fi_irq_isr)
"	xorl	%ebx, %ebx\n"
"	movb	$0xff, %al\n	outb	%al, $0x21\n	outb	%al, $0xa1\n"
APIC_W(0xf0, 0x1ff)
IOAPIC_W(0x24, 0x51)
IOAPIC_W(0x25, 0)
IOAPIC_W(0x26, 0x8052)
IOAPIC_W(0x27, 0)
"	movl	$0x1234, %eax\n"
"	outl	%eax, $" XSTR(FI_EVPORT) "\n"
"	movl	$" XSTR(SVX_MMIO_GPA) ", %edi\n"
"	movl	$7, (%rdi)\n"
"	movl	$" XSTR(FI_MSR) ", %ecx\n"
"	rdmsr\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
FI_TICK
WAIT_COUNT(1, 1)
REPORT(PORT_RESULT)
FI_TICK
WAIT_COUNT(2, 2)
REPORT(PORT_RESULT)
FI_TICK
WAIT_COUNT(3, 3)
REPORT(PORT_RESULT)
FI_TICK
WAIT_COUNT(4, 4)
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"fi_irq_isr:\n"
"	incl	%ebx\n"
APIC_W(0xb0, 0)
"	iretq\n"
"guest_fi_irq_end:\n"
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
	/* the devices round: a real-mode VM, eventfds, stats fds */
	int rvm, rvcpu, efd[7], stats[2];
	uint8_t *rram;
	struct kvm_run *rrun;
	struct kvm_run *shown;	/* the kvm_run a bad round's message shows */
	/* the irqchip round: the level line up until the guest's handler */
	int ic_level, ic_lower_status;
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
				 f->shown ? "; " : "",			\
				 f->shown ? svxu_exit_str(f->shown) : "");\
			goto out;					\
		}							\
		f->injected++;						\
		f->failed = #expr;					\
		__r = (expr);						\
		if (__r < 0) {						\
			snprintf(f->bad, sizeof(f->bad),		\
				 "%s failed (injected), again: %s%s%s",	\
				 #expr, strerror(-__r),			\
				 f->shown ? "; " : "",			\
				 f->shown ? svxu_exit_str(f->shown) : "");\
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
	f->shown = p;
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

/*
 * One KVM_RUN, which must end in @exit: for KVM_EXIT_IO an OUT to @port
 * of @val, for KVM_EXIT_X86_RDMSR a read of MSR @val.  0, KVM_RUN's
 * -errno, or -EPROTO for any other exit.
 */
static int fi_expect(int vcpu, struct kvm_run *run, uint32_t exit,
		     uint16_t port, uint32_t val)
{
	int r = svxu_ioctl(vcpu, KVM_RUN, 0);

	if (r < 0)
		return r;
	if (run->exit_reason != exit)
		return -EPROTO;
	if (exit == KVM_EXIT_IO &&
	    (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != port ||
	     svxu_io_value(run) != val))
		return -EPROTO;
	if (exit == KVM_EXIT_X86_RDMSR && run->msr.index != val)
		return -EPROTO;
	return 0;
}

#define EXPECT_OUT(vcpu, run, port, val)				\
	STEP(true, fi_expect(vcpu, run, KVM_EXIT_IO, port, val))

static int fi_mmap(int vcpu, size_t size, struct kvm_run **run)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	if (p == MAP_FAILED)
		return -errno;
	*run = p;
	return 0;
}

static int fi_set_mode(int vm, int vcpu, uint8_t *ram, struct kvm_run *run,
		       size_t run_size, enum svxu_mode mode)
{
	struct svxu_vm m = { .fd = vm, .mem = ram, .mem_size = SVX_MEM_SIZE };
	struct svxu_vcpu v = { .vm = &m, .fd = vcpu, .run = run,
			       .run_size = run_size };

	return svxu_setup_mode(&v, mode);
}

static int fi_ioeventfd(int vm, int fd, uint64_t addr, uint32_t flags,
			uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = 4, .fd = fd,
		.flags = flags,
	};

	return svxu_ioctl(vm, KVM_IOEVENTFD, (unsigned long)&a);
}

static int fi_irqfd(int vm, int fd, uint32_t gsi, uint32_t flags,
		    int resamplefd)
{
	struct kvm_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = resamplefd,
	};

	return svxu_ioctl(vm, KVM_IRQFD, (unsigned long)&a);
}

/* An eventfd's count (read, so reset), waiting up to 2 s for one; or -1 */
static long long fi_efd_count(int fd, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, wait_ms) != 1)
		return 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

static int fi_signal(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

/* The walk trace of @gva: translated to @gva (identity maps). */
static int fi_walk_trace(int vcpu, uint64_t gva, bool v2)
{
	static struct svx_walk_trace2 t;
	int r;

	memset(&t, 0, sizeof(t));
	t.wt.version = v2 ? SVX_WALK_TRACE_VERSION2 : SVX_WALK_TRACE_VERSION;
	t.wt.size = v2 ? sizeof(t) : sizeof(t.wt);
	t.wt.gva = gva;
	r = svxu_ioctl(vcpu, v2 ? SVX_WALK_TRACE2 : SVX_WALK_TRACE,
		       (unsigned long)&t);
	if (r < 0)
		return r;
	if (!(t.wt.flags & SVX_WT_TRANSLATED) || t.wt.gpa != gva ||
	    !(t.wt.flags & SVX_WT_SLOT))
		return -EPROTO;
	return 0;
}

/* KVM_GET_STATS_FD, and the whole file read: a sane header. */
static int fi_read_stats(int fd)
{
	static char buf[1 << 16];
	struct kvm_stats_header *h = (void *)buf;
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(*h) || n == sizeof(buf) || !h->num_desc ||
	    h->desc_offset >= n || h->data_offset >= n)
		return -EPROTO;
	return 0;
}

/*
 * The devices round, with N armed: real mode, the in-kernel APIC and the
 * interrupts injected through it, the MSR filter, ioeventfds and irqfds,
 * XSAVE, the binary stats and the walk trace.  On /dev/kvm the same round
 * runs once with nothing armed (@svx false: no walk trace, no fail_nth):
 * what it expects is kvm_intel's.
 */
static void fi_round_devices(struct fi_round *f, bool svx)
{
	static uint8_t deny[1];
	static uint8_t xsave[1 << 16];
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[3];
	} rt;
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = KVM_MSR_EXIT_REASON_FILTER,
	};
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.base = FI_MSR, .nmsrs = 1, .bitmap = deny,
		},
	};
	struct kvm_msi msi = { .address_lo = APIC, .data = FI_MSI_VEC };
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct kvm_lapic_state lapic;
	struct kvm_xcrs xcrs;
	size_t ram_size = SVX_MEM_SIZE;
	long mmap_size, xsave2, has_xcrs;
	long r, left;
	uint32_t svr;
	bool shrunk;
	int i;

	f->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->rram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(f->ram != MAP_FAILED && f->rram != MAP_FAILED, "mmap");
	for (i = 0; i < 7; i++) {
		f->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		CHECK(f->efd[i] >= 0, "eventfd: %s", strerror(errno));
	}
	memcpy(f->rram + SVX_CODE, SVX_GUEST(rmode).start,
	       SVX_GUEST(rmode).len);
	memcpy(f->ram + SVX_CODE, SVX_GUEST(fi_irq).start,
	       SVX_GUEST(fi_irq).len);

	CHECK(!svx || !fi_arm(f->n), "arming fail_nth: %s", strerror(errno));
	f->sys = STEP(false, svxu_open_dev());
	mmap_size = STEP(false, svxu_ioctl(f->sys, KVM_GET_VCPU_MMAP_SIZE, 0));
	f->run_size = mmap_size;
	xsave2 = STEP(false, svxu_ioctl(f->sys, KVM_CHECK_EXTENSION,
					KVM_CAP_XSAVE2));
	has_xcrs = STEP(false, svxu_ioctl(f->sys, KVM_CHECK_EXTENSION,
					  KVM_CAP_XCRS));
	CHECK((size_t)xsave2 <= sizeof(xsave), "KVM_CAP_XSAVE2 %ld", xsave2);

	/* real mode (vm86 on the KVM_SET_TSS_ADDR TSS under shadow paging) */
	f->rvm = STEP(false, svxu_ioctl(f->sys, KVM_CREATE_VM, 0));
	STEP(false, svxu_apply_paging(f->rvm));
	STEP(false, svxu_ioctl(f->rvm, KVM_SET_TSS_ADDR, SVXU_RMODE_TSS_GPA));
	STEP(false, fi_set_slot(f->rvm, 0, 0, 0, ram_size, f->rram));
	f->rvcpu = STEP(false, svxu_ioctl(f->rvm, KVM_CREATE_VCPU, 0));
	STEP(false, fi_mmap(f->rvcpu, f->run_size, &f->rrun));
	f->shown = f->rrun;
	STEP(false, svxu_set_default_cpuid(f->rvcpu));
	STEP(false, fi_set_mode(f->rvm, f->rvcpu, f->rram, f->rrun,
				f->run_size, SVXU_MODE_REAL16));
	/* rmode_test.c's sequence: IVT, exceptions, privileged insns */
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x111);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0xb3);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 6);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0xde);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x10);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x10);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x5a5a);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x46);
	STEP(true, fi_expect(f->rvcpu, f->rrun, KVM_EXIT_HLT, 0, 0));
	if (svx)
		STEP(false, fi_walk_trace(f->rvcpu, SVX_CODE, false));
	STEP(false, svxu_ioctl(f->rvcpu, KVM_INTERRUPT, (unsigned long)&irq));
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x20);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x32);
	EXPECT_OUT(f->rvcpu, f->rrun, PORT_RESULT, 0x116);
	STEP(true, fi_expect(f->rvcpu, f->rrun, KVM_EXIT_HLT, 0, 0));

	/* the in-kernel irqchip, GSI routes, the MSR filter */
	f->vm = STEP(false, svxu_ioctl(f->sys, KVM_CREATE_VM, 0));
	STEP(false, svxu_apply_paging(f->vm));
	STEP(false, fi_set_slot(f->vm, 0, 0, 0, ram_size, f->ram));
	STEP(false, svxu_ioctl(f->vm, KVM_CREATE_IRQCHIP, 0));
	memset(&rt, 0, sizeof(rt));
	rt.r.nr = 3;
	rt.e[0].gsi = 10;
	rt.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.e[0].u.irqchip.pin = 10;
	rt.e[1] = rt.e[0];
	rt.e[1].gsi = 11;
	rt.e[1].u.irqchip.pin = 11;
	rt.e[2].gsi = 24;
	rt.e[2].type = KVM_IRQ_ROUTING_MSI;
	rt.e[2].u.msi.address_lo = APIC;
	rt.e[2].u.msi.data = FI_MSI_VEC;
	STEP(false, svxu_ioctl(f->vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt));
	STEP(false, svxu_ioctl(f->vm, KVM_ENABLE_CAP, (unsigned long)&cap));
	STEP(false, svxu_ioctl(f->vm, KVM_X86_SET_MSR_FILTER,
			       (unsigned long)&filter));
	f->vcpu = STEP(false, svxu_ioctl(f->vm, KVM_CREATE_VCPU, 0));
	STEP(false, fi_mmap_run(f));
	STEP(false, svxu_set_default_cpuid(f->vcpu));
	STEP(false, fi_set_mode(f->vm, f->vcpu, f->ram, f->run, f->run_size,
				SVXU_MODE_LONG64));
	/* ioeventfds (PIO wildcard, MMIO datamatch) and irqfds */
	STEP(false, fi_ioeventfd(f->vm, f->efd[0], FI_EVPORT,
				 KVM_IOEVENTFD_FLAG_PIO, 0));
	STEP(false, fi_ioeventfd(f->vm, f->efd[1], SVX_MMIO_GPA,
				 KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	STEP(false, fi_ioeventfd(f->vm, f->efd[6], FI_EVPORT2,
				 KVM_IOEVENTFD_FLAG_PIO, 0));
	STEP(false, fi_irqfd(f->vm, f->efd[2], 10, 0, 0));
	STEP(false, fi_irqfd(f->vm, f->efd[3], 11, KVM_IRQFD_FLAG_RESAMPLE,
			     f->efd[4]));
	STEP(false, fi_irqfd(f->vm, f->efd[5], 24, 0, 0));
	/* LAPIC state, XSAVE and XCRs round trips */
	STEP(false, svxu_ioctl(f->vcpu, KVM_GET_LAPIC, (unsigned long)&lapic));
	STEP(false, svxu_ioctl(f->vcpu, KVM_SET_LAPIC, (unsigned long)&lapic));
	if (xsave2 <= 4096) {
		STEP(false, svxu_ioctl(f->vcpu, KVM_GET_XSAVE,
				       (unsigned long)xsave));
		STEP(false, svxu_ioctl(f->vcpu, KVM_SET_XSAVE,
				       (unsigned long)xsave));
	}
	if (xsave2) {
		STEP(false, svxu_ioctl(f->vcpu, KVM_GET_XSAVE2,
				       (unsigned long)xsave));
		STEP(false, svxu_ioctl(f->vcpu, KVM_SET_XSAVE,
				       (unsigned long)xsave));
	}
	if (has_xcrs) {
		STEP(false, svxu_ioctl(f->vcpu, KVM_GET_XCRS,
				       (unsigned long)&xcrs));
		STEP(false, svxu_ioctl(f->vcpu, KVM_SET_XCRS,
				       (unsigned long)&xcrs));
	}

	/* the guest: ioeventfds, the filtered RDMSR, four interrupts */
	STEP(true, fi_expect(f->vcpu, f->run, KVM_EXIT_X86_RDMSR, 0, FI_MSR));
	f->run->msr.data = FI_MSR_DATA;
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT, FI_MSR_DATA);
	EXPECT_OUT(f->vcpu, f->run, PORT_TICK, FI_MSR_DATA);
	CHECK(!fi_signal(f->efd[2]), "eventfd write: %s", strerror(errno));
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT, 1);
	EXPECT_OUT(f->vcpu, f->run, PORT_TICK, 1);
	CHECK(!fi_signal(f->efd[3]), "eventfd write: %s", strerror(errno));
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT, 2);
	EXPECT_OUT(f->vcpu, f->run, PORT_TICK, 2);
	CHECK(!fi_signal(f->efd[5]), "eventfd write: %s", strerror(errno));
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT, 3);
	EXPECT_OUT(f->vcpu, f->run, PORT_TICK, 3);
	r = STEP(false, svxu_ioctl(f->vm, KVM_SIGNAL_MSI, (unsigned long)&msi));
	CHECK(r == 1, "KVM_SIGNAL_MSI: %ld (1: delivered)", r);
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT, 4);
	EXPECT_OUT(f->vcpu, f->run, PORT_RESULT2, 4);
	CHECK(fi_efd_count(f->efd[0], 0) == 1 &&
	      fi_efd_count(f->efd[1], 0) == 1 &&
	      fi_efd_count(f->efd[4], 2000) == 1,
	      "ioeventfd/resamplefd counts wrong");
	STEP(false, svxu_ioctl(f->vcpu, KVM_GET_LAPIC, (unsigned long)&lapic));
	memcpy(&svr, lapic.regs + 0xf0, sizeof(svr));
	CHECK(svr == 0x1ff, "KVM_GET_LAPIC: SVR %#x", svr);
	if (svx) {
		STEP(false, fi_walk_trace(f->vcpu, SVX_CODE, false));
		STEP(false, fi_walk_trace(f->vcpu, SVX_CODE, true));
	}
	/* binary stats of the VM and the vCPU */
	f->stats[0] = STEP(false, svxu_ioctl(f->vm, KVM_GET_STATS_FD, 0));
	STEP(false, fi_read_stats(f->stats[0]));
	f->stats[1] = STEP(false, svxu_ioctl(f->vcpu, KVM_GET_STATS_FD, 0));
	STEP(false, fi_read_stats(f->stats[1]));
	/* deassigned: the irqfds and the ioeventfds (the buses shrink) */
	STEP(false, fi_irqfd(f->vm, f->efd[2], 10, KVM_IRQFD_FLAG_DEASSIGN, 0));
	/*
	 * The PIO bus shrinks: out of memory, it goes whole with FI_EVPORT2's
	 * ioeventfd (KVM's kvm_io_bus_unregister_dev()), whose deassignment
	 * then finds none; the call itself succeeds either way.
	 */
	left = svx ? fi_left() : 0;
	STEP(false, fi_ioeventfd(f->vm, f->efd[0], FI_EVPORT,
				 KVM_IOEVENTFD_FLAG_PIO |
				 KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	shrunk = !(left > 0 && !fi_left());
	r = fi_ioeventfd(f->vm, f->efd[6], FI_EVPORT2,
			 KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	CHECK(r == (shrunk ? 0 : -ENOENT),
	      "KVM_IOEVENTFD: deassign of the other PIO one: %s (expected %s)",
	      strerror(-r), shrunk ? "success" : "-ENOENT: the bus went");
	STEP(false, fi_ioeventfd(f->vm, f->efd[1], SVX_MMIO_GPA,
				 KVM_IOEVENTFD_FLAG_DATAMATCH |
				 KVM_IOEVENTFD_FLAG_DEASSIGN, 7));
out:
	for (i = 0; i < 2; i++)
		if (f->stats[i] >= 0)
			close(f->stats[i]);
	if (f->run)
		munmap(f->run, f->run_size);
	if (f->rrun)
		munmap(f->rrun, f->run_size);
	if (f->vcpu >= 0)
		close(f->vcpu);
	if (f->vm >= 0)
		close(f->vm);
	if (f->rvcpu >= 0)
		close(f->rvcpu);
	if (f->rvm >= 0)
		close(f->rvm);
	if (f->sys >= 0)
		close(f->sys);
	for (i = 0; i < 7; i++)
		if (f->efd[i] >= 0)
			close(f->efd[i]);
	if (f->ram != MAP_FAILED)
		munmap(f->ram, ram_size);
	if (f->rram != MAP_FAILED)
		munmap(f->rram, ram_size);
}

/*
 * The irqchip round (fi_round_irqchip()): the PICs, the IOAPIC and the PIT
 * through KVM_IRQ_LINE(_STATUS), KVM_SET_GSI_ROUTING under live irqfds and
 * KVM_SET_PIT2, each interrupt counted and named by the guest.
 */
#define FI_IC_TICK	0x96	/* the guest waits for the host's next step */
#define FI_IC_REPORT	0x9a	/* count << 8 | the last vector taken */
#define FI_IC_ACK	0x9c	/* in the handler: the host lowers a level line */
#define FI_IC_PIT_COUNT	11932	/* 10 ms */

#define FI_IC_STUB(vec)							\
"fi_ic_" #vec ":\n"							\
"	movl	$" #vec ", %r12d\n"					\
"	jmp	fi_ic_isr\n"

/*
 * Long mode: the PICs at vectors 0x60 (master) and 0x68 (slave), IRQ 2
 * (the cascade), 3 (edge) and 10 (level, ELCR) unmasked; LVT0 ExtINT;
 * IOAPIC pin 0 (the PIT) edge to 0x70, pin 11 edge to 0x5b, pin 12 level
 * to 0x5c, the others masked.  Then for ever: OUT FI_IC_TICK (the host
 * does its next step), STI; HLT; CLI, OUT FI_IC_REPORT of the count and
 * vector.  The handler counts, tells FI_IC_ACK, EOIs both PICs and the APIC.
 */
__asm__(
"	.pushsection .rodata.svx_fi_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_fi_ic_start, guest_fi_ic_end\n"
"	.balign 16\n"
"guest_fi_ic_start:\n"
IRQ_BASES
GATE64(fi_ic, 0x53, fi_ic_0x53)
GATE64(fi_ic, 0x55, fi_ic_0x55)
GATE64(fi_ic, 0x56, fi_ic_0x56)
GATE64(fi_ic, 0x5b, fi_ic_0x5b)
GATE64(fi_ic, 0x5c, fi_ic_0x5c)
GATE64(fi_ic, 0x63, fi_ic_0x63)
GATE64(fi_ic, 0x6a, fi_ic_0x6a)
GATE64(fi_ic, 0x70, fi_ic_0x70)
"	xorl	%ebx, %ebx\n"
"	xorl	%r12d, %r12d\n"
"	movb	$0x11, %al\n	outb	%al, $0x20\n	outb	%al, $0xa0\n"
"	movb	$0x60, %al\n	outb	%al, $0x21\n"
"	movb	$0x68, %al\n	outb	%al, $0xa1\n"
"	movb	$4, %al\n	outb	%al, $0x21\n"
"	movb	$2, %al\n	outb	%al, $0xa1\n"
"	movb	$1, %al\n	outb	%al, $0x21\n	outb	%al, $0xa1\n"
"	movb	$0xf3, %al\n	outb	%al, $0x21\n"
"	movb	$0xfb, %al\n	outb	%al, $0xa1\n"
"	movw	$0x4d1, %dx\n	movb	$4, %al\n	outb	%al, %dx\n"
APIC_W(0xf0, 0x1ff)
APIC_W(0x350, 0x700)
IOAPIC_W(0x10, 0x70)
IOAPIC_W(0x11, 0)
IOAPIC_W(0x26, 0x5b)
IOAPIC_W(0x27, 0)
IOAPIC_W(0x28, 0x805c)
IOAPIC_W(0x29, 0)
"1:	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(FI_IC_TICK) "\n"
"	sti\n"
"	hlt\n"
"	cli\n"
"	movl	%ebx, %eax\n"
"	shll	$8, %eax\n"
"	movb	%r12b, %al\n"
"	outl	%eax, $" XSTR(FI_IC_REPORT) "\n"
"	jmp	1b\n"
FI_IC_STUB(0x53)
FI_IC_STUB(0x55)
FI_IC_STUB(0x56)
FI_IC_STUB(0x5b)
FI_IC_STUB(0x5c)
FI_IC_STUB(0x63)
FI_IC_STUB(0x6a)
FI_IC_STUB(0x70)
"fi_ic_isr:\n"
"	incl	%ebx\n"
"	movl	%r12d, %eax\n"
"	outl	%eax, $" XSTR(FI_IC_ACK) "\n"
"	movb	$0x20, %al\n	outb	%al, $0xa0\n	outb	%al, $0x20\n"
APIC_W(0xb0, 0)
"	iretq\n"
"guest_fi_ic_end:\n"
"	.popsection\n");

/* SIGALRM: a KVM_RUN that waits for an interrupt that never comes ends. */
static void fi_alarm(int sig)
{
	(void)sig;
}

/*
 * KVM_RUN until the guest's OUT to @port, whose value goes to *@val.  On
 * the way, each FI_IC_ACK lowers the level line f->ic_level (if one is up)
 * with KVM_IRQ_LINE_STATUS, whose status must be f->ic_lower_status.
 * 0, KVM_RUN's -errno (-EINTR after 30 s), or -EPROTO.
 */
static int fi_ic_until(struct fi_round *f, uint16_t port, uint32_t *val)
{
	struct kvm_irq_level l;
	int exits, r;

	for (exits = 0; exits < 64; exits++) {
		alarm(30);
		r = svxu_ioctl(f->vcpu, KVM_RUN, 0);
		alarm(0);
		if (r < 0)
			return r;
		if (f->run->exit_reason != KVM_EXIT_IO ||
		    f->run->io.direction != KVM_EXIT_IO_OUT)
			return -EPROTO;
		if (f->run->io.port == port) {
			*val = svxu_io_value(f->run);
			return 0;
		}
		if (f->run->io.port != FI_IC_ACK)
			return -EPROTO;
		if (f->ic_level < 0)
			continue;
		l.irq = f->ic_level;
		l.level = 0;
		r = svxu_ioctl(f->vm, KVM_IRQ_LINE_STATUS, (unsigned long)&l);
		if (r < 0)
			return r;
		if (l.status != f->ic_lower_status)
			return -EPROTO;
		f->ic_level = -1;
	}
	return -ELOOP;
}

/* KVM_IRQ_LINE_STATUS: the status, or FI_LINE_ERR + the -errno */
#define FI_LINE_ERR	(-1000)

static int fi_irq_line_status(int vm, uint32_t irq, uint32_t level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	int r = svxu_ioctl(vm, KVM_IRQ_LINE_STATUS, (unsigned long)&l);

	return r < 0 ? FI_LINE_ERR + r : l.status;
}

/*
 * The call must give @want; an injected -ENOMEM (fail_nth reads 0) is
 * allowed once, and the call again must then give @want.
 */
#define STEP_ERR(want, expr) do {					\
	long __w = (want), __r = (expr);				\
	if (__r != __w) {						\
		long __left = fi_left();				\
		if (__r != -ENOMEM || __left) {				\
			snprintf(f->bad, sizeof(f->bad),		\
				 "%s: %ld (expected %ld; fail_nth left %ld)", \
				 #expr, __r, __w, __left);		\
			goto out;					\
		}							\
		f->injected++;						\
		f->failed = #expr;					\
		__r = (expr);						\
		if (__r != __w) {					\
			snprintf(f->bad, sizeof(f->bad),		\
				 "%s failed (injected), again: %ld (expected %ld)", \
				 #expr, __r, __w);			\
			goto out;					\
		}							\
	}								\
} while (0)

struct fi_routes {
	struct kvm_irq_routing r;
	struct kvm_irq_routing_entry e[4];
};

static void fi_route_chip(struct kvm_irq_routing_entry *e, uint32_t gsi,
			  uint32_t chip, uint32_t pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

static void fi_route_msi(struct kvm_irq_routing_entry *e, uint32_t gsi,
			 uint32_t vec)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = APIC;
	e->u.msi.data = vec;
}

/* One bad entry, alone in a table: -EINVAL as KVM's kvm_set_irq_routing() */
static int fi_bad_route(int vm, int which)
{
	struct fi_routes t;

	memset(&t, 0, sizeof(t));
	t.r.nr = 1;
	switch (which) {
	case 0:		/* IOAPIC pin 24 */
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 24);
		break;
	case 1:		/* PIC slave pin 8 */
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_PIC_SLAVE, 8);
		break;
	case 2:		/* irqchip 3 */
		fi_route_chip(&t.e[0], 5, 3, 0);
		break;
	case 3:		/* GSI beyond KVM_MAX_IRQ_ROUTES */
		fi_route_chip(&t.e[0], 4096, KVM_IRQCHIP_IOAPIC, 1);
		break;
	case 4:		/* flags on an irqchip route */
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 1);
		t.e[0].flags = 1;
		break;
	case 5:		/* a GSI twice on one irqchip */
		t.r.nr = 2;
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 1);
		fi_route_chip(&t.e[1], 5, KVM_IRQCHIP_IOAPIC, 2);
		break;
	case 6:		/* an irqchip route and an MSI on one GSI */
		t.r.nr = 2;
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 1);
		fi_route_msi(&t.e[1], 5, 0x40);
		break;
	case 7:		/* an unknown type */
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 1);
		t.e[0].type = 99;
		break;
	default:	/* table flags */
		fi_route_chip(&t.e[0], 5, KVM_IRQCHIP_IOAPIC, 1);
		t.r.flags = 1;
		break;
	}
	return svxu_ioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&t);
}

/*
 * The host's steps of the irqchip round, one per FI_IC_TICK: the lines
 * raised with KVM_IRQ_LINE_STATUS (@gsi, its status when raised and when
 * lowered: KVM's kvm_set_irq() sum over the GSI's PIC and IOAPIC routes,
 * -1 for a masked one), or an irqfd signalled; the vector the guest must
 * take.
 */
struct fi_ic_step {
	int gsi;		/* KVM_IRQ_LINE_STATUS, or -1 */
	bool plain;		/* KVM_IRQ_LINE instead, up and down: 0 */
	bool level;		/* lowered at the handler's FI_IC_ACK */
	int up, down;		/* the statuses */
	int efd;		/* the irqfd signalled (index), or -1 */
	int routes;		/* KVM_SET_GSI_ROUTING first: table 1 or 2 */
	uint8_t vec;
};

static const struct fi_ic_step fi_ic_steps[] = {
	/* PIC master IRQ 3, edge (IOAPIC pin 3 masked: -1) */
	{ .gsi = 3, .up = 1, .down = 2, .efd = -1, .vec = 0x63 },
	/* PIC slave IRQ 10, level by the ELCR (IOAPIC pin 10 masked) */
	{ .gsi = 10, .level = true, .up = 1, .down = 2, .efd = -1,
	  .vec = 0x6a },
	/* IOAPIC pin 11 edge (PIC IRQ 11 masked: -1) */
	{ .gsi = 11, .up = 1, .down = 1, .efd = -1, .vec = 0x5b },
	/* IOAPIC pin 12 level (PIC IRQ 12 masked) */
	{ .gsi = 12, .level = true, .up = 1, .down = 1, .efd = -1,
	  .vec = 0x5c },
	/* pin 11 again, with KVM_IRQ_LINE */
	{ .gsi = 11, .plain = true, .efd = -1, .vec = 0x5b },
	/* table 1 under the live irqfds: GSI 24 MSI 0x53, GSI 25 MSI 0x55 */
	{ .gsi = -1, .efd = 0, .routes = 1, .vec = 0x53 },
	{ .gsi = -1, .efd = 1, .vec = 0x55 },
	/* table 2: GSI 24 on IOAPIC pin 11, GSI 25 MSI 0x56 */
	{ .gsi = -1, .efd = 0, .routes = 2, .vec = 0x5b },
	{ .gsi = -1, .efd = 1, .vec = 0x56 },
};

#define FI_IC_NSTEPS	(sizeof(fi_ic_steps) / sizeof(fi_ic_steps[0]))

static int fi_set_routes(int vm, int which)
{
	struct fi_routes t;

	memset(&t, 0, sizeof(t));
	t.r.nr = 4;
	/* GSI 0, the PIT's, as KVM's default routing has it */
	fi_route_chip(&t.e[0], 0, KVM_IRQCHIP_IOAPIC, 0);
	fi_route_chip(&t.e[1], 0, KVM_IRQCHIP_PIC_MASTER, 0);
	if (which == 1) {
		fi_route_msi(&t.e[2], 24, 0x53);
		fi_route_msi(&t.e[3], 25, 0x55);
	} else {
		fi_route_chip(&t.e[2], 24, KVM_IRQCHIP_IOAPIC, 11);
		fi_route_msi(&t.e[3], 25, 0x56);
	}
	return svxu_ioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&t);
}

/*
 * The irqchip round, with N armed: each ioctl's errors before and after
 * KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2 (kvm_intel's errnos), the lines
 * of the PICs and the IOAPIC (edge and level) with KVM_IRQ_LINE_STATUS,
 * KVM_SET_GSI_ROUTING replacing the live table under two irqfds (one
 * assigned before its GSI had a route), the PIT programmed with
 * KVM_SET_PIT2 ticking into the guest, then KVM_GET/SET_PIT(2),
 * KVM_REINJECT_CONTROL, KVM_GET/SET_IRQCHIP of the three chips as the
 * guest left them, KVM_SET_BOOT_CPU_ID, KVM_GET/SET_MP_STATE,
 * KVM_GET/SET_VCPU_EVENTS, KVM_GET/SET_DEBUGREGS.
 */
static void fi_round_irqchip(struct fi_round *f, bool svx)
{
	struct kvm_pit_config pitcfg = { .flags = 0 };
	struct kvm_reinject_control rc = { .pit_reinject = 1 };
	struct kvm_msi msi = { .address_lo = APIC, .data = 0x53 };
	struct kvm_irqchip chip[3], bad;
	struct kvm_pit_state2 ps2;
	struct kvm_pit_state ps;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dr;
	size_t ram_size = SVX_MEM_SIZE;
	struct kvm_irq_level line = { .irq = 3, .level = 1 };
	uint32_t val, n;
	unsigned int i, t;
	long mmap_size;

	f->ic_level = -1;
	f->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(f->ram != MAP_FAILED, "mmap");
	for (i = 0; i < 2; i++) {
		f->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		CHECK(f->efd[i] >= 0, "eventfd: %s", strerror(errno));
	}
	memcpy(f->ram + SVX_CODE, SVX_GUEST(fi_ic).start, SVX_GUEST(fi_ic).len);
	memset(&bad, 0, sizeof(bad));
	memset(&ps2, 0, sizeof(ps2));
	memset(&ps, 0, sizeof(ps));

	CHECK(!svx || !fi_arm(f->n), "arming fail_nth: %s", strerror(errno));
	f->sys = STEP(false, svxu_open_dev());
	mmap_size = STEP(false, svxu_ioctl(f->sys, KVM_GET_VCPU_MMAP_SIZE, 0));
	f->run_size = mmap_size;
	f->vm = STEP(false, svxu_ioctl(f->sys, KVM_CREATE_VM, 0));
	STEP(false, svxu_apply_paging(f->vm));
	STEP(false, fi_set_slot(f->vm, 0, 0, 0, ram_size, f->ram));

	/* no irqchip, no PIT yet: kvm_intel's errnos */
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_GET_IRQCHIP,
				    (unsigned long)&bad));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_SET_IRQCHIP,
				    (unsigned long)&bad));
	STEP_ERR(FI_LINE_ERR - ENXIO, fi_irq_line_status(f->vm, 3, 1));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_IRQ_LINE,
				    (unsigned long)&line));
	STEP_ERR(-EINVAL, fi_set_routes(f->vm, 1));
	STEP_ERR(-EINVAL, svxu_ioctl(f->vm, KVM_SIGNAL_MSI,
				     (unsigned long)&msi));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_GET_PIT2, (unsigned long)&ps2));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_SET_PIT2, (unsigned long)&ps2));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_GET_PIT, (unsigned long)&ps));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_SET_PIT, (unsigned long)&ps));
	STEP_ERR(-ENXIO, svxu_ioctl(f->vm, KVM_REINJECT_CONTROL,
				    (unsigned long)&rc));
	STEP(false, svxu_ioctl(f->vm, KVM_SET_BOOT_CPU_ID, 0));

	STEP(false, svxu_ioctl(f->vm, KVM_CREATE_IRQCHIP, 0));
	STEP(false, svxu_ioctl(f->vm, KVM_CREATE_PIT2, (unsigned long)&pitcfg));
	STEP_ERR(-EEXIST, svxu_ioctl(f->vm, KVM_CREATE_IRQCHIP, 0));
	STEP_ERR(-EEXIST, svxu_ioctl(f->vm, KVM_CREATE_PIT, 0));
	STEP_ERR(-EEXIST, svxu_ioctl(f->vm, KVM_CREATE_PIT2,
				     (unsigned long)&pitcfg));
	bad.chip_id = 3;
	STEP_ERR(-EINVAL, svxu_ioctl(f->vm, KVM_GET_IRQCHIP,
				     (unsigned long)&bad));
	STEP_ERR(-EINVAL, svxu_ioctl(f->vm, KVM_SET_IRQCHIP,
				     (unsigned long)&bad));
	for (i = 0; i < 9; i++)
		STEP_ERR(-EINVAL, fi_bad_route(f->vm, i));
	/* no route: status -1 (KVM's kvm_set_irq() finds none) */
	STEP_ERR(-1, fi_irq_line_status(f->vm, 24, 1));
	STEP_ERR(-1, fi_irq_line_status(f->vm, 4095, 1));
	STEP_ERR(-1, fi_irq_line_status(f->vm, 0xffffffff, 0));
	/* the irqfds: GSI 24 and 25 have no route yet */
	STEP(false, fi_irqfd(f->vm, f->efd[0], 24, 0, 0));
	STEP(false, fi_irqfd(f->vm, f->efd[1], 25, 0, 0));

	f->vcpu = STEP(false, svxu_ioctl(f->vm, KVM_CREATE_VCPU, 0));
	STEP(false, fi_mmap_run(f));
	STEP(false, svxu_set_default_cpuid(f->vcpu));
	STEP(false, fi_set_mode(f->vm, f->vcpu, f->ram, f->run, f->run_size,
				SVXU_MODE_LONG64));
	STEP_ERR(-EBUSY, svxu_ioctl(f->vm, KVM_SET_BOOT_CPU_ID, 0));
	STEP(false, svxu_ioctl(f->vcpu, KVM_GET_MP_STATE, (unsigned long)&mp));
	CHECK(mp.mp_state == KVM_MP_STATE_RUNNABLE, "mp_state %u", mp.mp_state);
	STEP(false, svxu_ioctl(f->vcpu, KVM_SET_MP_STATE, (unsigned long)&mp));
	mp.mp_state = 99;
	STEP_ERR(-EINVAL, svxu_ioctl(f->vcpu, KVM_SET_MP_STATE,
				     (unsigned long)&mp));
	STEP(false, svxu_ioctl(f->vcpu, KVM_GET_VCPU_EVENTS,
			       (unsigned long)&ev));
	STEP(false, svxu_ioctl(f->vcpu, KVM_SET_VCPU_EVENTS,
			       (unsigned long)&ev));
	STEP(false, svxu_ioctl(f->vcpu, KVM_GET_DEBUGREGS, (unsigned long)&dr));
	STEP(false, svxu_ioctl(f->vcpu, KVM_SET_DEBUGREGS, (unsigned long)&dr));

	/* the guest's steps */
	for (i = 0; i < FI_IC_NSTEPS; i++) {
		const struct fi_ic_step *s = &fi_ic_steps[i];
		int st;

		STEP(true, fi_ic_until(f, FI_IC_TICK, &val));
		CHECK(val == i, "step %u: the guest counted %u", i, val);
		if (s->routes)
			STEP(false, fi_set_routes(f->vm, s->routes));
		if (s->plain) {
			line.irq = s->gsi;
			line.level = 1;
			st = svxu_ioctl(f->vm, KVM_IRQ_LINE, (unsigned long)&line);
			line.level = 0;
			CHECK(!st && !svxu_ioctl(f->vm, KVM_IRQ_LINE,
						 (unsigned long)&line),
			      "step %u: KVM_IRQ_LINE %d: %s", i, s->gsi,
			      strerror(errno));
		} else if (s->gsi >= 0) {
			st = fi_irq_line_status(f->vm, s->gsi, 1);
			CHECK(st == s->up,
			      "step %u: GSI %d up: status %d (expected %d)",
			      i, s->gsi, st, s->up);
			if (s->level) {
				f->ic_level = s->gsi;
				f->ic_lower_status = s->down;
			} else {
				st = fi_irq_line_status(f->vm, s->gsi, 0);
				CHECK(st == s->down,
				      "step %u: GSI %d down: status %d (expected %d)",
				      i, s->gsi, st, s->down);
			}
		}
		if (s->efd >= 0)
			CHECK(!fi_signal(f->efd[s->efd]), "eventfd write: %s",
			      strerror(errno));
		STEP(true, fi_ic_until(f, FI_IC_REPORT, &val));
		CHECK(val == ((i + 1) << 8 | s->vec) && f->ic_level < 0,
		      "step %u: the guest reports %#x (expected %#x)%s", i,
		      val, (i + 1) << 8 | s->vec,
		      f->ic_level < 0 ? "" : ", its level line still up");
	}
	/* the PIT: channel 0 periodic (mode 2) at 10 ms, two ticks or more */
	STEP(false, svxu_ioctl(f->vm, KVM_GET_PIT2, (unsigned long)&ps2));
	CHECK(ps2.channels[0].gate == 1 && !ps2.flags,
	      "KVM_GET_PIT2 after reset: gate %u flags %#x",
	      ps2.channels[0].gate, ps2.flags);
	ps2.channels[0].mode = 2;
	ps2.channels[0].rw_mode = 3;
	ps2.channels[0].read_state = 3;
	ps2.channels[0].write_state = 3;
	ps2.channels[0].count = FI_IC_PIT_COUNT;
	STEP(false, svxu_ioctl(f->vm, KVM_REINJECT_CONTROL, (unsigned long)&rc));
	n = i;		/* the guest's count */
	for (t = 0; t < 2; t++) {
		STEP(true, fi_ic_until(f, FI_IC_TICK, &val));
		CHECK(val == n, "PIT tick %u: the guest counted %u (expected %u)",
		      t, val, n);
		if (!t)
			STEP(false, svxu_ioctl(f->vm, KVM_SET_PIT2,
					       (unsigned long)&ps2));
		STEP(true, fi_ic_until(f, FI_IC_REPORT, &val));
		CHECK((val & 0xff) == 0x70 && (val >> 8) > n,
		      "PIT tick %u: the guest reports %#x (expected more than %u interrupts, the last 0x70)",
		      t, val, n);
		n = val >> 8;
	}
	memset(&ps2, 0, sizeof(ps2));
	STEP(false, svxu_ioctl(f->vm, KVM_GET_PIT2, (unsigned long)&ps2));
	CHECK(ps2.channels[0].mode == 2 &&
	      ps2.channels[0].count == FI_IC_PIT_COUNT,
	      "KVM_GET_PIT2: channel 0 mode %u count %u", ps2.channels[0].mode,
	      ps2.channels[0].count);
	STEP(false, svxu_ioctl(f->vm, KVM_GET_PIT, (unsigned long)&ps));
	CHECK(ps.channels[0].mode == 2 &&
	      ps.channels[0].count == FI_IC_PIT_COUNT,
	      "KVM_GET_PIT: channel 0 mode %u count %u", ps.channels[0].mode,
	      ps.channels[0].count);
	STEP(false, svxu_ioctl(f->vm, KVM_SET_PIT, (unsigned long)&ps));
	rc.pit_reinject = 0;
	STEP(false, svxu_ioctl(f->vm, KVM_REINJECT_CONTROL, (unsigned long)&rc));

	/* the chips as the guest left them, and set back */
	for (i = 0; i < 3; i++) {
		memset(&chip[i], 0, sizeof(chip[i]));
		chip[i].chip_id = i;
		STEP(false, svxu_ioctl(f->vm, KVM_GET_IRQCHIP,
				       (unsigned long)&chip[i]));
		STEP(false, svxu_ioctl(f->vm, KVM_SET_IRQCHIP,
				       (unsigned long)&chip[i]));
	}
	CHECK(chip[0].chip.pic.irq_base == 0x60 &&
	      chip[0].chip.pic.imr == 0xf3 &&
	      chip[1].chip.pic.irq_base == 0x68 &&
	      chip[1].chip.pic.imr == 0xfb && chip[1].chip.pic.elcr == 4,
	      "KVM_GET_IRQCHIP: PIC bases %#x %#x, IMR %#x %#x, slave ELCR %#x",
	      chip[0].chip.pic.irq_base, chip[1].chip.pic.irq_base,
	      chip[0].chip.pic.imr, chip[1].chip.pic.imr,
	      chip[1].chip.pic.elcr);
	CHECK(chip[2].chip.ioapic.base_address == IOAPIC &&
	      chip[2].chip.ioapic.redirtbl[12].bits == 0x805c &&
	      chip[2].chip.ioapic.redirtbl[11].bits == 0x5b &&
	      chip[2].chip.ioapic.redirtbl[0].bits == 0x70 &&
	      (chip[2].chip.ioapic.redirtbl[3].bits & (1 << 16)),
	      "KVM_GET_IRQCHIP: IOAPIC base %#llx, pins 0 %#llx 3 %#llx 11 %#llx 12 %#llx",
	      (unsigned long long)chip[2].chip.ioapic.base_address,
	      (unsigned long long)chip[2].chip.ioapic.redirtbl[0].bits,
	      (unsigned long long)chip[2].chip.ioapic.redirtbl[3].bits,
	      (unsigned long long)chip[2].chip.ioapic.redirtbl[11].bits,
	      (unsigned long long)chip[2].chip.ioapic.redirtbl[12].bits);
	STEP(false, fi_irqfd(f->vm, f->efd[0], 24, KVM_IRQFD_FLAG_DEASSIGN, 0));
out:
	if (f->run)
		munmap(f->run, f->run_size);
	if (f->vcpu >= 0)
		close(f->vcpu);
	if (f->vm >= 0)
		close(f->vm);
	if (f->sys >= 0)
		close(f->sys);
	for (i = 0; i < 2; i++)
		if (f->efd[i] >= 0)
			close(f->efd[i]);
	if (f->ram != MAP_FAILED)
		munmap(f->ram, ram_size);
}

static void fi_round_init(struct fi_round *r, long n)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->sys = -1;
	r->vm = -1;
	r->vcpu = -1;
	r->vm2 = -1;
	r->vcpu2 = -1;
	r->rvm = -1;
	r->rvcpu = -1;
	memset(r->efd, -1, sizeof(r->efd));
	memset(r->stats, -1, sizeof(r->stats));
	r->ram = MAP_FAILED;
	r->slot1 = MAP_FAILED;
	r->rram = MAP_FAILED;
}

/* The fail_nth file: opened (debugfs mounted if need be) and checked. */
static void fi_open(struct __test_metadata *_metadata)
{
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
}

enum fi_kind { FI_LIFE, FI_DEVICES, FI_IRQCHIP };

/*
 * The walk: N = 1, 2, ... over one round (fi_round(), fi_round_devices()
 * or fi_round_irqchip()), until a round makes fewer than N operations.
 */
static void fi_walk(struct __test_metadata *_metadata, enum fi_kind kind,
		    const struct kvm_cpuid2 *big)
{
	long n, left, total_injected = 0, last = 0, pinned, tables;
	int bad = 0, splats;
	const char *budget_env = getenv("SVX_FI_BUDGET");
	long budget = budget_env ? atol(budget_env) : 0;
	time_t t0 = time(NULL);
	bool cut = false;

	fi_open(_metadata);
	for (n = 1; n <= FI_MAX_N; n++) {
		struct fi_round r;

		fi_round_init(&r, n);
		if (kind == FI_DEVICES)
			fi_round_devices(&r, true);
		else if (kind == FI_IRQCHIP)
			fi_round_irqchip(&r, true);
		else
			fi_round(&r, big);
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
	TH_LOG("%s%s: %ld fallible operations%s, each failed once: %ld calls failed -ENOMEM/-EFAULT and succeeded again, %ld failures absorbed; %d bad rounds; %ld s",
	       svxu_paging() ? svxu_paging() : "default paging",
	       kind == FI_DEVICES ? " devices round" :
	       kind == FI_IRQCHIP ? " irqchip round" : "", last,
	       cut ? " (walk cut by SVX_FI_BUDGET)" : "",
	       total_injected, last - total_injected, bad,
	       (long)(time(NULL) - t0));
	EXPECT_EQ(0, bad);
	EXPECT_FALSE(cut);
	EXPECT_LT(n, FI_MAX_N);
	EXPECT_LT(10, last);
}

/* One VM's life: create, memslots, CPUID, a paging guest, dirty log, zap. */
TEST_F(fi, fail_nth_walk)
{
	if (svxu_dev_is_kvm())
		SKIP(return, "/dev/kvm: Debian's kernel has no CONFIG_FAULT_INJECTION (no fail-nth); the hook is shadowvmx's");
	fi_walk(_metadata, FI_LIFE, self->big);
}

/*
 * Real mode, the in-kernel APIC and its interrupts, the MSR filter,
 * ioeventfds and irqfds, XSAVE, binary stats, the walk trace.  On /dev/kvm
 * the round runs once, nothing injected: the oracle of what it expects.
 */
TEST_F(fi, fail_nth_walk_devices)
{
	if (svxu_dev_is_kvm()) {
		struct fi_round r;

		fi_round_init(&r, 0);
		fi_round_devices(&r, false);
		ASSERT_EQ(0, r.bad[0]) TH_LOG("%s: %s", svxu_dev(), r.bad);
		SKIP(return, "/dev/kvm: the devices round passes once; no fail-nth here (Debian's kernel has no CONFIG_FAULT_INJECTION)");
	}
	fi_walk(_metadata, FI_DEVICES, NULL);
}

/*
 * The PICs, the IOAPIC and the PIT: KVM_IRQ_LINE(_STATUS) edge and level,
 * GSI routes replaced under live irqfds, the PIT ticking into the guest,
 * KVM_GET/SET_IRQCHIP, KVM_GET/SET_PIT(2), KVM_REINJECT_CONTROL, the
 * vCPU's MP state, events and debug registers, and each ioctl's errors
 * with and without the devices.  On /dev/kvm the round runs once, nothing
 * injected: the oracle of every value and errno it expects.
 */
TEST_F(fi, fail_nth_walk_irqchip)
{
	struct sigaction sa = { .sa_handler = fi_alarm };

	/* no SA_RESTART: a KVM_RUN blocked for good ends with -EINTR */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	if (svxu_dev_is_kvm()) {
		struct fi_round r;

		fi_round_init(&r, 0);
		fi_round_irqchip(&r, false);
		ASSERT_EQ(0, r.bad[0]) TH_LOG("%s: %s", svxu_dev(), r.bad);
		SKIP(return, "/dev/kvm: the irqchip round passes once; no fail-nth here");
	}
	fi_walk(_metadata, FI_IRQCHIP, NULL);
}

TEST_HARNESS_MAIN
