/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small library for the shadowvmx selftests: open the device named by
 * SVX_DEV (default /dev/shadowvmx), create a VM with one anonymous memslot at
 * GPA 0, create vCPUs and mmap their kvm_run, load a guest snippet from
 * guest/guests.S and put the vCPU in 32-bit protected mode (paging off) or
 * 64-bit long mode -- the two entry states a VMX guest without unrestricted
 * guest can start in.  Functions return 0 / a negative errno (or NULL) and
 * never abort, so the tests make the assertions.
 */
#ifndef SVX_SELFTEST_LIB_H
#define SVX_SELFTEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#include "../guest/guest.h"

#define SVX_DEFAULT_DEV		"/dev/shadowvmx"

/* A guest snippet from guest/guests.S. */
struct svx_code {
	const void *start;
	size_t len;
	const char *name;
};

#define SVX_GUEST(name) ({					\
	extern const char guest_##name##_start[];		\
	extern const char guest_##name##_end[];			\
	(struct svx_code){ guest_##name##_start,		\
		(size_t)(guest_##name##_end - guest_##name##_start), #name }; \
})

/*
 * PM32: 32-bit protected mode, paging off.  LONG64: long mode, identity
 * page tables.  REAL16: real mode, CS:IP = 0:SVX_CODE, 64 KiB segments
 * (needs unrestricted guest), with the GDT and the long-mode page tables in
 * memory for the guest's own mode switches.
 */
enum svx_mode { SVX_MODE_PM32, SVX_MODE_LONG64, SVX_MODE_REAL16 };

struct svx_vm {
	int sys_fd;
	int fd;
	uint8_t *mem;		/* slot 0, SVX_MEM_SIZE bytes at GPA 0 */
};

struct svx_vcpu {
	struct svx_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	size_t run_size;
};

/* The common case: one VM, slot 0, one vCPU set up with a guest loaded. */
struct svx_guest {
	struct svx_vm vm;
	struct svx_vcpu vcpu;
	struct kvm_run *run;	/* == vcpu.run */
};

/* Environment. */
const char *svx_dev(void);		/* SVX_DEV or the default */
const char *svx_module(void);		/* SVX_MODULE or derived from svx_dev() */
bool svx_dev_is_kvm(void);		/* the device is /dev/kvm (the oracle) */
bool svx_host_is_intel(void);
/* The device is /dev/kvm provided by kvm_pvm (a paravirtual KVM backend). */
bool svx_dev_is_kvm_pvm(void);		/* /proc/cpuinfo vendor_id GenuineIntel */
/* kvm_intel module parameter as 'Y'/'N', or 0 if it cannot be read. */
char svx_kvm_intel_param(const char *name);

/* Device, VM, memory. */
int svx_open_dev(void);			/* fd or -errno */
int svx_ioctl(int fd, unsigned long req, unsigned long arg);	/* r or -errno */
int svx_vm_create(struct svx_vm *vm);	/* opens device, VM, slot 0 */
void svx_vm_destroy(struct svx_vm *vm);
int svx_set_mem(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size, void *hva);
void *svx_alloc(size_t size);		/* page-aligned anonymous memory */

/* vCPUs. */
int svx_vcpu_create(struct svx_vm *vm, int id, struct svx_vcpu *vcpu);
void svx_vcpu_destroy(struct svx_vcpu *vcpu);
int svx_set_default_cpuid(int vcpu_fd);
int svx_setup_mode(struct svx_vcpu *vcpu, enum svx_mode mode);
void svx_load(struct svx_vm *vm, struct svx_code code);
int svx_run(struct svx_vcpu *vcpu);	/* 0 or -errno */
int svx_get_msr(int vcpu_fd, uint32_t index, uint64_t *val);
int svx_set_msr(int vcpu_fd, uint32_t index, uint64_t val);

/* VM + slot 0 + vCPU 0 + guest loaded + mode set. */
int svx_guest_init(struct svx_guest *g, struct svx_code code, enum svx_mode mode);
void svx_guest_fini(struct svx_guest *g);

/* Human-readable description of the last exit, for failure messages. */
const char *svx_exit_str(const struct kvm_run *run);
/* The value of an IO exit's data (size 1/2/4, first element). */
uint32_t svx_io_value(const struct kvm_run *run);
void svx_io_set(struct kvm_run *run, uint32_t val);

/* Extension ioctls: 1 if the device answers them, 0 if not (real KVM). */
int svx_has_stats(int vm_fd);
/*
 * SVX_PAGING=shadow|ept (environment): svx_vm_create() sets every VM's
 * paging mode with SVX_SET_PAGING; ignored on /dev/kvm, whose mode is
 * kvm_intel's ept= parameter.  svx_paging() is the variable or NULL.
 */
const char *svx_paging(void);
int svx_apply_paging(int vm_fd);	/* 0 or -errno */
/* enum svx_paging of a VM (SVX_GET_VM_STATS), or -errno (-ENOTTY: KVM). */
int svx_vm_paging(int vm_fd);

#ifndef SVX_LIB_INTERNAL		/* the tests: harness helpers */
#include "kselftest_harness.h"

/* Bochs is slow: give every test far more than the harness' 30 s. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

/* Run once and assert the exit reason (explains the exit on failure). */
#define ASSERT_EXIT(vcpu, reason) do {					\
	int __r = svx_run(vcpu);					\
	ASSERT_EQ(0, __r) TH_LOG("KVM_RUN: %s; %s", strerror(-__r),	\
				 svx_exit_str((vcpu)->run));		\
	ASSERT_EQ((reason), (vcpu)->run->exit_reason)			\
		TH_LOG("%s", svx_exit_str((vcpu)->run));		\
} while (0)

/* Run once and assert a PIO exit of (port, size, dir) with count 1. */
#define ASSERT_PIO(vcpu, _port, _size, _dir) do {			\
	ASSERT_EXIT(vcpu, KVM_EXIT_IO);					\
	ASSERT_EQ((_port), (vcpu)->run->io.port)			\
		TH_LOG("%s", svx_exit_str((vcpu)->run));		\
	ASSERT_EQ((_size), (vcpu)->run->io.size);			\
	ASSERT_EQ((_dir), (vcpu)->run->io.direction);			\
	ASSERT_EQ(1, (vcpu)->run->io.count);				\
} while (0)

/* Run once and expect a 4-byte OUT of @val to @port. */
#define ASSERT_OUT32(vcpu, _port, _val) do {				\
	ASSERT_PIO(vcpu, _port, 4, KVM_EXIT_IO_OUT);			\
	ASSERT_EQ((uint32_t)(_val), svx_io_value((vcpu)->run));		\
} while (0)

/*
 * A fixture holding one guest (VM + vCPU), set up by INIT() in each test
 * and torn down after it.
 */
#define SVX_GUEST_FIXTURE(fname)					\
	FIXTURE(fname) {						\
		struct svx_guest g;					\
	};								\
	FIXTURE_SETUP(fname)						\
	{								\
		memset(&self->g, 0, sizeof(self->g));			\
		self->g.vm.fd = self->g.vm.sys_fd = self->g.vcpu.fd = -1; \
	}								\
	FIXTURE_TEARDOWN(fname)						\
	{								\
		svx_guest_fini(&self->g);				\
	}

#define INIT(name, mode) do {						\
	int __r = svx_guest_init(&self->g, SVX_GUEST(name), mode);	\
	ASSERT_EQ(0, __r) TH_LOG("guest setup on %s: %s", svx_dev(),	\
				 strerror(-__r));			\
} while (0)

#define SKIP_UNLESS_INTEL() do {					\
	if (!svx_host_is_intel())					\
		SKIP(return, "Intel VMX-specific expectation; host CPU " \
		     "is not GenuineIntel");				\
} while (0)
#endif /* SVX_LIB_INTERNAL */

#endif
