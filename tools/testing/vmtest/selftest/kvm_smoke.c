// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_smoke: the bench's self-test guest. Through the KVM API on DEVICE
 * (default /dev/kvm) it creates a VM with 64 KiB of memory and one vCPU,
 * runs a real-mode guest (needs unrestricted guest under VMX) that does
 *
 *	mov al, 0x42 ; out 0x10, al ; mov ax, 0x1234 ; add ax, bx ;
 *	out 0x11, ax ; hlt
 *
 * and checks the three exits and the final registers. Prints TAP.
 * usage: kvm_smoke [DEVICE]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NTESTS 9
static int test_no, failed;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed++;
}

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static const uint8_t guest_code[] = {
	0xb0, 0x42,		/* mov al, 0x42 */
	0xe6, 0x10,		/* out 0x10, al */
	0xb8, 0x34, 0x12,	/* mov ax, 0x1234 */
	0x01, 0xd8,		/* add ax, bx */
	0xe7, 0x11,		/* out 0x11, ax */
	0xf4,			/* hlt */
};

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_IO: return "IO";
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	default: return "other";
	}
}

static int check_io(struct kvm_run *run, int port, int size, uint32_t val)
{
	uint32_t got = 0;

	if (run->exit_reason != KVM_EXIT_IO) {
		printf("# exit reason %u (%s)\n", run->exit_reason, exit_name(run->exit_reason));
		return 0;
	}
	memcpy(&got, (char *)run + run->io.data_offset, run->io.size);
	printf("# IO exit: dir %u port 0x%x size %u count %u data 0x%x\n",
	       run->io.direction, run->io.port, run->io.size, run->io.count, got);
	return run->io.direction == KVM_EXIT_IO_OUT && run->io.port == port &&
	       run->io.size == size && run->io.count == 1 && got == val;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/kvm";
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, ret, mmap_size;
	uint8_t *mem;

	alarm(300);
	printf("TAP version 13\n1..%d\n", NTESTS);

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	ok(kvm >= 0, "open %s", dev);
	if (kvm < 0)
		bail("open");
	ret = ioctl(kvm, KVM_GET_API_VERSION, 0);
	ok(ret == KVM_API_VERSION, "KVM_GET_API_VERSION = %d", ret);

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ok(vm >= 0, "KVM_CREATE_VM");
	if (vm < 0)
		bail("KVM_CREATE_VM");

	mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		bail("mmap guest memory");
	memcpy(mem + 0x1000, guest_code, sizeof(guest_code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = 0x10000,
		.userspace_addr = (uintptr_t)mem,
	};
	ret = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
	ok(ret == 0, "KVM_SET_USER_MEMORY_REGION 64 KiB at GPA 0");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = vcpu >= 0 && mmap_size > 0 ?
	      mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
	ok(vcpu >= 0 && run != MAP_FAILED, "KVM_CREATE_VCPU and mmap kvm_run (%d bytes)", mmap_size);
	if (run == MAP_FAILED)
		bail("KVM_CREATE_VCPU/mmap");

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		bail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		bail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rbx = 0x0101;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		bail("KVM_SET_REGS");

	ret = ioctl(vcpu, KVM_RUN, 0);
	ok(ret == 0 && check_io(run, 0x10, 1, 0x42), "exit 1: OUT 0x10 <- 0x42 (byte)");
	ret = ioctl(vcpu, KVM_RUN, 0);
	ok(ret == 0 && check_io(run, 0x11, 2, 0x1335), "exit 2: OUT 0x11 <- 0x1335 (word, ax+bx)");
	ret = ioctl(vcpu, KVM_RUN, 0);
	printf("# exit reason %u (%s)\n", run->exit_reason, exit_name(run->exit_reason));
	ok(ret == 0 && run->exit_reason == KVM_EXIT_HLT, "exit 3: HLT");

	memset(&regs, 0, sizeof(regs));
	ret = ioctl(vcpu, KVM_GET_REGS, &regs);
	printf("# rip 0x%llx rax 0x%llx rbx 0x%llx\n", regs.rip, regs.rax, regs.rbx);
	ok(ret == 0 && regs.rip == 0x1000 + sizeof(guest_code) &&
	   (regs.rax & 0xffff) == 0x1335 && regs.rbx == 0x0101,
	   "registers after HLT (rip past hlt, ax = 0x1335)");

	close(vcpu);
	close(vm);
	close(kvm);
	printf("# %d passed, %d failed\n", test_no - failed, failed);
	return failed ? 1 : 0;
}
