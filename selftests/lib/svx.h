/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' layer over libsvxu (tools/lib/svxu.h, which has the device,
 * VM, vCPU, memory, MSR, stats and exit-name helpers): the guest snippets of
 * guest/guests.S, the guest-physical layout of guest/guest.h (slot 0 of
 * SVX_MEM_SIZE bytes at GPA 0), and entering a snippet in 32-bit protected
 * mode (paging off), 64-bit long mode or real mode.  Functions return 0 / a
 * negative errno and never abort, so the tests make the assertions; the
 * kselftest-harness helpers below make them short.
 *
 * Userspace names are svxu_ (the kernel module's are svx_): a test written
 * against the older svx_ names of this file needs the rename of
 * selftests/README.md.
 */
#ifndef SVX_SELFTEST_LIB_H
#define SVX_SELFTEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#include "svxu.h"
#include "../guest/guest.h"

/* Inline-asm guests of the tests: a macro's value as a string. */
#define XSTR(x) STR(x)
#define STR(x) #x

/*
 * In an inline-asm long-mode guest NAME (guest_NAME_start: loaded at
 * SVX_CODE, IDT at SVX_IDT = 0): a 64-bit interrupt gate for vector VEC to
 * its label LBL.  Clobbers RAX.
 */
#define GATE64(name, vec, lbl)						\
"	movabsq $(" XSTR(SVX_CODE) " + " #lbl " - guest_" #name "_start), %rax\n" \
"	movw	%ax, " #vec " * 16\n"					\
"	movw	$" XSTR(SVX_SEL_CS64) ", " #vec " * 16 + 2\n"		\
"	movw	$0x8e00, " #vec " * 16 + 4\n"				\
"	shrq	$16, %rax\n"						\
"	movw	%ax, " #vec " * 16 + 6\n"				\
"	shrq	$16, %rax\n"						\
"	movl	%eax, " #vec " * 16 + 8\n"				\
"	movl	$0, " #vec " * 16 + 12\n"

/*
 * Inline-asm guests of the in-kernel irqchip (the test defines APIC and
 * IOAPIC, their GPAs): IRQ_BASES puts the local APIC's base in RSI and the
 * IOAPIC's in RDI, APIC_W writes an APIC register, IOAPIC_W an IOAPIC
 * register through its index/data window.
 */
#define IRQ_BASES							\
"	movl	$" XSTR(APIC) ", %esi\n"				\
"	movl	$" XSTR(IOAPIC) ", %edi\n"
#define APIC_W(reg, val)						\
"	movl	$" #val ", " #reg "(%rsi)\n"
#define IOAPIC_W(reg, val)						\
"	movl	$" #reg ", (%rdi)\n"					\
"	movl	$" #val ", 0x10(%rdi)\n"
/* the count the guest's handler keeps in EBX, out to PORT */
#define REPORT(port)							\
"	movl	%ebx, %eax\n"						\
"	outl	%eax, $" XSTR(port) "\n"
/* interrupts on and HLT until that count reaches N (LBL: a local label) */
#define WAIT_COUNT(n, lbl)						\
"	sti\n"								\
#lbl ":	hlt\n"								\
"	cmpl	$" #n ", %ebx\n"					\
"	jb	" #lbl "b\n"						\
"	cli\n"

/* A guest snippet from guest/guests.S. */
struct svxu_code {
	const void *start;
	size_t len;
	const char *name;
};

#define SVX_GUEST(name) ({					\
	extern const char guest_##name##_start[];		\
	extern const char guest_##name##_end[];			\
	(struct svxu_code){ guest_##name##_start,		\
		(size_t)(guest_##name##_end - guest_##name##_start), #name }; \
})

/* The common case: one VM, slot 0, one vCPU set up with a guest loaded. */
struct svxu_guest {
	struct svxu_vm vm;
	struct svxu_vcpu vcpu;
	struct kvm_run *run;	/* == vcpu.run */
};

/*
 * The entry state of guest.h's layout: GDT at SVX_GDT (0x08 code32, 0x10
 * data, 0x18 code64, 0x20 busy TSS at SVX_TSS), IDT at SVX_IDT, RIP
 * SVX_CODE, RSP SVX_STACK; LONG64 on the identity tables at SVX_PT (4 GiB,
 * 2 MiB pages); REAL16 at CS:IP 0:SVX_CODE with the GDT and the tables in
 * memory for the guest's own mode switches.
 */
int svxu_setup_mode(struct svxu_vcpu *vcpu, enum svxu_mode mode);
void svxu_load(struct svxu_vm *vm, struct svxu_code code);

/* VM (svxu_vm_create, SVX_MEM_SIZE) + vCPU 0 (svxu_vcpu_create). */
int svxu_guest_create(struct svxu_guest *g);
/* The same, and before the vCPU with SVXU_GUEST_IRQCHIP: KVM_CREATE_IRQCHIP */
#define SVXU_GUEST_IRQCHIP	1u
int svxu_guest_create_with(struct svxu_guest *g, unsigned int flags);
/* svxu_guest_create + guest loaded + mode set. */
int svxu_guest_init(struct svxu_guest *g, struct svxu_code code,
		    enum svxu_mode mode);
void svxu_guest_fini(struct svxu_guest *g);
/* The touch guest (guest/guests.S) touches @n pages from @gpa. */
int svxu_set_touch_range(struct svxu_vcpu *v, uint32_t gpa, uint32_t n);

#ifndef SVX_LIB_INTERNAL		/* the tests: harness helpers */
#include "kselftest_harness.h"

/* Bochs is slow: give every test far more than the harness' 30 s. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

/* Run once and assert the exit reason (explains the exit on failure). */
#define ASSERT_EXIT(vcpu, reason) do {					\
	int __r = svxu_run(vcpu);					\
	ASSERT_EQ(0, __r) TH_LOG("KVM_RUN: %s; %s", strerror(-__r),	\
				 svxu_exit_str((vcpu)->run));		\
	ASSERT_EQ((reason), (vcpu)->run->exit_reason)			\
		TH_LOG("%s", svxu_exit_str((vcpu)->run));		\
} while (0)

/* Run once and assert a PIO exit of (port, size, dir) with count 1. */
#define ASSERT_PIO(vcpu, _port, _size, _dir) do {			\
	ASSERT_EXIT(vcpu, KVM_EXIT_IO);					\
	ASSERT_EQ((_port), (vcpu)->run->io.port)			\
		TH_LOG("%s", svxu_exit_str((vcpu)->run));		\
	ASSERT_EQ((_size), (vcpu)->run->io.size);			\
	ASSERT_EQ((_dir), (vcpu)->run->io.direction);			\
	ASSERT_EQ(1, (vcpu)->run->io.count);				\
} while (0)

/* Run once and expect a 4-byte OUT of @val to @port. */
#define ASSERT_OUT32(vcpu, _port, _val) do {				\
	ASSERT_PIO(vcpu, _port, 4, KVM_EXIT_IO_OUT);			\
	ASSERT_EQ((uint32_t)(_val), svxu_io_value((vcpu)->run));		\
} while (0)

/*
 * A fixture holding one guest (VM + vCPU), set up by INIT() in each test
 * and torn down after it.
 */
#define SVX_GUEST_FIXTURE(fname)					\
	FIXTURE(fname) {						\
		struct svxu_guest g;					\
	};								\
	FIXTURE_SETUP(fname)						\
	{								\
		memset(&self->g, 0, sizeof(self->g));			\
		self->g.vm.fd = self->g.vm.sys_fd = self->g.vcpu.fd = -1; \
	}								\
	FIXTURE_TEARDOWN(fname)						\
	{								\
		svxu_guest_fini(&self->g);				\
	}

#define INIT(name, mode) do {						\
	int __r = svxu_guest_init(&self->g, SVX_GUEST(name), mode);	\
	ASSERT_EQ(0, __r) TH_LOG("guest setup on %s: %s", svxu_dev(),	\
				 strerror(-__r));			\
} while (0)

#define SKIP_UNLESS_INTEL() do {					\
	if (!svxu_host_is_intel())					\
		SKIP(return, "Intel VMX-specific expectation; host CPU " \
		     "is not GenuineIntel");				\
} while (0)
#endif /* SVX_LIB_INTERNAL */

/* Lines of the kernel log that hold @needle; -1 when unreadable. */
int svx_klog_count(const char *needle);

/* A kvmclock record (include/asm/pvclock-abi.h) */
struct svx_pvti {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

/* The record's time at @tsc (the kernel's __pvclock_read_cycles()) */
static inline uint64_t svx_pvclock_read(const struct svx_pvti *p, uint64_t tsc)
{
	uint64_t delta = tsc - p->tsc_timestamp;

	if (p->tsc_shift < 0)
		delta >>= -p->tsc_shift;
	else
		delta <<= p->tsc_shift;
	return p->system_time +
	       (uint64_t)(((unsigned __int128)delta * p->tsc_to_system_mul) >> 32);
}

#endif
