// SPDX-License-Identifier: GPL-2.0
/*
 * KVM 6.1's KVM_CAP_EXCEPTION_PAYLOAD, KVM_CAP_X86_TRIPLE_FAULT_EVENT and
 * KVM_CAP_DISABLE_QUIRKS(2), as kvm_intel has them, on every device and
 * paging mode.  Exception payloads: KVM_SET_VCPU_EVENTS of a pending #PF
 * or #DB with its payload, read back pending (CR2 untouched) and then
 * delivered by the next entry (the guest's handler sees CR2 / DR6); the
 * payload delivered at KVM_GET_VCPU_EVENTS once the capability is off,
 * reported as injected (and pending); -EINVAL for
 * KVM_VCPUEVENT_VALID_PAYLOAD without the capability, exception.pending
 * ignored without it.  Triple fault:
 * triple_fault.pending set, read back, and KVM_EXIT_SHUTDOWN at the next
 * KVM_RUN; cleared again; -EINVAL without the capability.  Quirks: the
 * capabilities' answers and errors; each quirk we offer to disable, on and
 * off: MWAIT_NEVER_UD_FAULTS (MONITOR/MWAIT #UD without CPUID.MWAIT),
 * MISC_ENABLE_NO_MWAIT (IA32_MISC_ENABLE.MWAIT sets CPUID.MWAIT),
 * OUT_7E_INC_RIP (RIP at the exit of OUT 0x7e), LAPIC_MMIO_HOLE (the page
 * of a disabled local APIC: all-ones, or MMIO to userspace) and
 * LINT0_REENABLED (the BSP's LVT0 after reset).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define QUIRKS_OFFERED	(KVM_X86_QUIRK_LINT0_REENABLED |		\
			 KVM_X86_QUIRK_CD_NW_CLEARED |			\
			 KVM_X86_QUIRK_LAPIC_MMIO_HOLE |		\
			 KVM_X86_QUIRK_OUT_7E_INC_RIP |			\
			 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT |		\
			 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS |		\
			 KVM_X86_QUIRK_FIX_HYPERCALL_INSN)
#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_MWAIT	(1ull << 18)
#define CPUID1_ECX_SSE3		(1u << 0)
#define CPUID1_ECX_MWAIT	(1u << 3)
#define PF_PAYLOAD		0x12345000ull

#define OUT_EAX	"	outl	%eax, $" XSTR(PORT_RESULT) "\n"

/*
 * Events guest (long mode): #DB and #PF handlers; HLT (userspace sets the
 * events), then HLT forever.  #PF: CR2 and the error code to PORT_RESULT;
 * #DB: DR6; then HLT forever.
 */
__asm__(
"	.pushsection .rodata.svx_qe_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_qev_start, guest_qev_end\n"
"	.balign 16\n"
"guest_qev_start:\n"
GATE64(qev, 1, qev_db)
GATE64(qev, 14, qev_pf)
"1:	hlt\n"
"	jmp	1b\n"
"qev_pf:\n"
"	movq	%cr2, %rax\n"
OUT_EAX
"	popq	%rax\n"
OUT_EAX
"2:	hlt\n"
"	jmp	2b\n"
"qev_db:\n"
"	movq	%dr6, %rax\n"
OUT_EAX
"3:	hlt\n"
"	jmp	3b\n"
"guest_qev_end:\n"
"	.popsection\n");

/*
 * MONITOR/MWAIT guest: #UD handler puts 6 in EBX and skips the 3-byte
 * instruction; MONITOR, then EBX to PORT_RESULT; MWAIT, EBX; HLT.
 */
__asm__(
"	.pushsection .rodata.svx_qe_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_qmw_start, guest_qmw_end\n"
"	.balign 16\n"
"guest_qmw_start:\n"
GATE64(qmw, 6, qmw_ud)
"	xorl	%ebx, %ebx\n"
"	movl	$" XSTR(SVX_DATA) ", %eax\n"
"	xorl	%ecx, %ecx\n"
"	xorl	%edx, %edx\n"
"	monitor\n"
"	movl	%ebx, %eax\n"
OUT_EAX
"	xorl	%ebx, %ebx\n"
"	xorl	%eax, %eax\n"
"	xorl	%ecx, %ecx\n"
"	mwait\n"
"	movl	%ebx, %eax\n"
OUT_EAX
"	hlt\n"
"qmw_ud:\n"
"	movl	$6, %ebx\n"
"	addq	$3, (%rsp)\n"
"	iretq\n"
"guest_qmw_end:\n"
"	.popsection\n");

/* OUT 0x7e guest: OUT 0x7e, HLT. */
__asm__(
"	.pushsection .rodata.svx_qe_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_q7e_start, guest_q7e_end\n"
"	.balign 16\n"
"guest_q7e_start:\n"
"	movb	$1, %al\n"
"	outb	%al, $0x7e\n"
"	hlt\n"
"guest_q7e_end:\n"
"	.popsection\n");

/*
 * Disabled local APIC guest: clear IA32_APIC_BASE.EN, read the APIC's
 * version register's address, its value to PORT_RESULT; HLT.
 */
__asm__(
"	.pushsection .rodata.svx_qe_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_qap_start, guest_qap_end\n"
"	.balign 16\n"
"guest_qap_start:\n"
"	movl	$0x1b, %ecx\n"
"	rdmsr\n"
"	andl	$~0x800, %eax\n"
"	wrmsr\n"
"	movl	$0xfee00030, %esi\n"
"	movl	(%rsi), %eax\n"
OUT_EAX
"	hlt\n"
"guest_qap_end:\n"
"	.popsection\n");

static int enable_cap(int vm, uint32_t cap, uint32_t flags, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags,
				    .args = { arg } };

	return svxu_ioctl(vm, KVM_ENABLE_CAP, (unsigned long)&c);
}

static int get_events(struct svxu_guest *g, struct kvm_vcpu_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	return svxu_ioctl(g->vcpu.fd, KVM_GET_VCPU_EVENTS, (unsigned long)ev);
}

static int set_events(struct svxu_guest *g, struct kvm_vcpu_events *ev)
{
	return svxu_ioctl(g->vcpu.fd, KVM_SET_VCPU_EVENTS, (unsigned long)ev);
}

static uint64_t cr2_of(struct svxu_guest *g)
{
	struct kvm_sregs s;

	if (svxu_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&s))
		return ~0ull;
	return s.cr2;
}

/* CPUID.1:ECX of the vCPU's table (KVM_GET_CPUID2), or 0 */
static uint32_t cpuid1_ecx(struct svxu_guest *g)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128];
	} c = { .h.nent = 128 };
	uint32_t i;

	if (svxu_ioctl(g->vcpu.fd, KVM_GET_CPUID2, (unsigned long)&c))
		return 0;
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 1)
			return c.e[i].ecx;
	return 0;
}

/* CPUID.1:ECX &= ~clear, |= set (KVM_SET_CPUID2; before the first run) */
static int cpuid1_ecx_change(struct svxu_guest *g, uint32_t clear, uint32_t set)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[128];
	} c = { .h.nent = 128 };
	uint32_t i;
	int r = svxu_ioctl(g->vcpu.fd, KVM_GET_CPUID2, (unsigned long)&c);

	if (r)
		return r;
	for (i = 0; i < c.h.nent; i++)
		if (c.e[i].function == 1)
			c.e[i].ecx = (c.e[i].ecx & ~clear) | set;
	return svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)&c);
}

SVX_GUEST_FIXTURE(qe);

/* The capabilities and KVM_ENABLE_CAP's errors, as KVM 6.1's. */
TEST_F(qe, caps)
{
	long m;
	int vm;

	ASSERT_EQ(0, svxu_guest_create(&self->g));
	vm = self->g.vm.fd;
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_EXCEPTION_PAYLOAD));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION,
				KVM_CAP_X86_TRIPLE_FAULT_EVENT));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS));
	m = svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	TH_LOG("KVM_CAP_DISABLE_QUIRKS2: %#lx", m);
	EXPECT_EQ(QUIRKS_OFFERED, m & QUIRKS_OFFERED);
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, 0, m));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, 0, ~m));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, 1, 0));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_DISABLE_QUIRKS, 0, ~0ull));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_DISABLE_QUIRKS, 1, 0));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 0, 1));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_EXCEPTION_PAYLOAD, 1, 1));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 0, 1));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 1, 1));
}

/* Without the capabilities: no payload, no triple fault in the ABI. */
TEST_F(qe, events_without_caps)
{
	struct kvm_vcpu_events ev;

	INIT(qev, SVXU_MODE_LONG64);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, ev.flags & (KVM_VCPUEVENT_VALID_PAYLOAD |
				 KVM_VCPUEVENT_VALID_TRIPLE_FAULT));
	ev.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	EXPECT_EQ(-EINVAL, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	EXPECT_EQ(-EINVAL, set_events(&self->g, &ev));
	/* exception.pending alone is ignored */
	ASSERT_EQ(0, get_events(&self->g, &ev));
	ev.exception.pending = 1;
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception_has_payload = 1;
	ev.exception_payload = PF_PAYLOAD;
	EXPECT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.exception.pending);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);	/* no #PF */
}

/* A pending #PF with its payload: CR2 only when the entry delivers it. */
TEST_F(qe, pending_pf_payload)
{
	struct kvm_vcpu_events ev;

	INIT(qev, SVXU_MODE_LONG64);
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_EXCEPTION_PAYLOAD, 0, 1));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(KVM_VCPUEVENT_VALID_PAYLOAD, ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	EXPECT_EQ(0, ev.exception.pending);
	ev.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	ev.exception.pending = 1;
	ev.exception.injected = 1;	/* pending wins */
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 2;
	ev.exception_has_payload = 1;
	ev.exception_payload = PF_PAYLOAD;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(1, ev.exception.pending);
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(14, ev.exception.nr);
	EXPECT_EQ(1, ev.exception.has_error_code);
	EXPECT_EQ(2, ev.exception.error_code);
	EXPECT_EQ(1, ev.exception_has_payload);
	EXPECT_EQ(PF_PAYLOAD, ev.exception_payload);
	EXPECT_NE(PF_PAYLOAD, cr2_of(&self->g));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, PF_PAYLOAD);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 2);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	EXPECT_EQ(PF_PAYLOAD, cr2_of(&self->g));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, ev.exception.pending);
	EXPECT_EQ(0, ev.exception.injected);
}

/* A pending #DB with DR6 bits as payload (B0): DR6 as the handler sees it. */
TEST_F(qe, pending_db_payload)
{
	struct kvm_vcpu_events ev;

	INIT(qev, SVXU_MODE_LONG64);
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_EXCEPTION_PAYLOAD, 0, 1));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	ev.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	ev.exception.pending = 1;
	ev.exception.nr = 1;
	ev.exception_has_payload = 1;
	ev.exception_payload = 1;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xffff0ff1);
}

/* The capability turned off: GET delivers the payload, reports injected. */
TEST_F(qe, payload_delivered_when_cap_off)
{
	struct kvm_vcpu_events ev;

	INIT(qev, SVXU_MODE_LONG64);
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_EXCEPTION_PAYLOAD, 0, 1));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	ev.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	ev.exception.pending = 1;
	ev.exception.nr = 14;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 4;
	ev.exception_has_payload = 1;
	ev.exception_payload = PF_PAYLOAD;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_EXCEPTION_PAYLOAD, 0, 0));
	EXPECT_NE(PF_PAYLOAD, cr2_of(&self->g));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
	EXPECT_EQ(1, ev.exception.injected);	/* conflated, as KVM 6.1 */
	EXPECT_EQ(1, ev.exception.pending);
	EXPECT_EQ(14, ev.exception.nr);
	EXPECT_EQ(0, ev.exception_has_payload);
	EXPECT_EQ(PF_PAYLOAD, cr2_of(&self->g));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, PF_PAYLOAD);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 4);
}

/* triple_fault.pending: read back, then KVM_EXIT_SHUTDOWN; or cleared. */
TEST_F(qe, triple_fault_event)
{
	struct kvm_vcpu_events ev;

	INIT(qev, SVXU_MODE_LONG64);
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_X86_TRIPLE_FAULT_EVENT, 0, 1));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(KVM_VCPUEVENT_VALID_TRIPLE_FAULT,
		  ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT);
	EXPECT_EQ(0, ev.triple_fault.pending);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(1, ev.triple_fault.pending);
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 0;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 1;
	ASSERT_EQ(0, set_events(&self->g, &ev));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_SHUTDOWN);
	ASSERT_EQ(0, get_events(&self->g, &ev));
	EXPECT_EQ(0, ev.triple_fault.pending);
}

/* MONITOR/MWAIT without CPUID.MWAIT: NOPs with the quirk, else #UD. */
static void mwait_case(struct __test_metadata *_metadata,
		       struct svxu_guest *g, uint64_t quirks, uint32_t expect)
{
	ASSERT_EQ(0, cpuid1_ecx_change(g, CPUID1_ECX_MWAIT, 0));
	ASSERT_EQ(0, enable_cap(g->vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0, quirks));
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, expect);
	ASSERT_OUT32(&g->vcpu, PORT_RESULT, expect);
}

TEST_F(qe, quirk_mwait_never_ud)
{
	INIT(qmw, SVXU_MODE_LONG64);
	mwait_case(_metadata, &self->g, 0, 0);
}

TEST_F(qe, quirk_mwait_never_ud_off)
{
	INIT(qmw, SVXU_MODE_LONG64);
	mwait_case(_metadata, &self->g, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS, 6);
}

/* IA32_MISC_ENABLE.MWAIT sets CPUID.MWAIT only without the quirk. */
TEST_F(qe, quirk_misc_enable_no_mwait)
{
	INIT(qmw, SVXU_MODE_LONG64);
	ASSERT_EQ(0, cpuid1_ecx_change(&self->g, CPUID1_ECX_MWAIT,
				       CPUID1_ECX_SSE3));
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0,
				KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS));
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, MSR_MISC_ENABLE,
				  MISC_ENABLE_MWAIT));
	EXPECT_EQ(0, cpuid1_ecx(&self->g) & CPUID1_ECX_MWAIT);
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, MSR_MISC_ENABLE, 0));
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0,
				KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS |
				KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT));
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, MSR_MISC_ENABLE,
				  MISC_ENABLE_MWAIT));
	EXPECT_EQ(CPUID1_ECX_MWAIT, cpuid1_ecx(&self->g) & CPUID1_ECX_MWAIT);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);	/* no #UD */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0);
}

/* RIP at the exit of OUT 0x7e: past it with the quirk, on it without. */
static uint64_t rip_at_7e(struct __test_metadata *_metadata,
			  struct svxu_guest *g, uint64_t quirks, uint64_t *hlt)
{
	struct kvm_regs r;
	uint64_t rip;

	EXPECT_EQ(0, enable_cap(g->vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0, quirks));
	EXPECT_EQ(0, svxu_run(&g->vcpu));
	EXPECT_EQ(KVM_EXIT_IO, g->run->exit_reason);
	EXPECT_EQ(0x7e, g->run->io.port);
	EXPECT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	rip = r.rip;
	EXPECT_EQ(0, svxu_run(&g->vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, g->run->exit_reason);
	EXPECT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_REGS, (unsigned long)&r));
	*hlt = r.rip;
	return rip;
}

TEST_F(qe, quirk_out_7e_inc_rip)
{
	uint64_t hlt;

	INIT(q7e, SVXU_MODE_LONG64);
	EXPECT_EQ(SVX_CODE + 4, rip_at_7e(_metadata, &self->g, 0, &hlt));
	EXPECT_EQ(SVX_CODE + 5, hlt);
}

TEST_F(qe, quirk_out_7e_inc_rip_off)
{
	uint64_t hlt;

	INIT(q7e, SVXU_MODE_LONG64);
	EXPECT_EQ(SVX_CODE + 2, rip_at_7e(_metadata, &self->g,
					  KVM_X86_QUIRK_OUT_7E_INC_RIP, &hlt));
	EXPECT_EQ(SVX_CODE + 5, hlt);
}

static int irqchip_guest(struct svxu_guest *g, struct svxu_code code)
{
	int r = svxu_guest_create_with(g, SVXU_GUEST_IRQCHIP);

	if (r)
		return r;
	svxu_load(&g->vm, code);
	return svxu_setup_mode(&g->vcpu, SVXU_MODE_LONG64);
}

/* A disabled local APIC's page: all-ones with the quirk, else MMIO. */
TEST_F(qe, quirk_lapic_mmio_hole)
{
	ASSERT_EQ(0, irqchip_guest(&self->g, SVX_GUEST(qap)));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xffffffff);
}

TEST_F(qe, quirk_lapic_mmio_hole_off)
{
	uint32_t v = 0x1234;

	ASSERT_EQ(0, irqchip_guest(&self->g, SVX_GUEST(qap)));
	ASSERT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0,
				KVM_X86_QUIRK_LAPIC_MMIO_HOLE));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_MMIO);
	EXPECT_EQ(0xfee00030, self->g.run->mmio.phys_addr);
	EXPECT_EQ(4, self->g.run->mmio.len);
	EXPECT_EQ(0, self->g.run->mmio.is_write);
	memcpy(self->g.run->mmio.data, &v, 4);
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0x1234);
}

/* The BSP's LVT0 after reset: ExtINT with the quirk, masked without. */
static uint32_t lvt0_after_create(struct __test_metadata *_metadata,
				  struct svxu_guest *g, uint64_t quirks)
{
	struct kvm_lapic_state s;
	uint32_t v = 0;

	memset(g, 0, sizeof(*g));
	g->vm.fd = g->vm.sys_fd = g->vcpu.fd = -1;
	EXPECT_EQ(0, svxu_vm_create(&g->vm, SVX_MEM_SIZE));
	EXPECT_EQ(0, svxu_ioctl(g->vm.fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(0, enable_cap(g->vm.fd, KVM_CAP_DISABLE_QUIRKS2, 0, quirks));
	EXPECT_EQ(0, svxu_vcpu_create(&g->vm, 0, &g->vcpu));
	g->run = g->vcpu.run;
	EXPECT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_LAPIC, (unsigned long)&s));
	memcpy(&v, s.regs + 0x350, 4);
	return v;
}

TEST_F(qe, quirk_lint0_reenabled)
{
	EXPECT_EQ(0x700, lvt0_after_create(_metadata, &self->g, 0));
}

TEST_F(qe, quirk_lint0_reenabled_off)
{
	EXPECT_EQ(0x10000, lvt0_after_create(_metadata, &self->g,
					     KVM_X86_QUIRK_LINT0_REENABLED));
}

TEST_HARNESS_MAIN
