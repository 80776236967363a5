// SPDX-License-Identifier: GPL-2.0
/*
 * System management mode and memslot address space 1, as KVM 6.1 has
 * them (x86.c enter_smm(), emulate.c em_rsm(), kvm_main.c's address
 * spaces): KVM_CAP_MULTI_ADDRESS_SPACE and slot ids with the address space
 * in bits 16..31, their errors and the dirty log of an SMM slot; an SMI
 * from KVM_SMI, from KVM_SET_VCPU_EVENTS and from the local APIC (a
 * self-IPI in the SMI delivery mode, xAPIC); the vCPU in SMM: KVM's big
 * real mode at SMBASE + 0x8000, kvm_run's KVM_RUN_X86_SMM, memory from
 * address space 1 only, the state save area at SMBASE + 0xfe00 in KVM's
 * 64-bit layout; RSM restoring the interrupted state; an SMI that comes
 * in SMM waiting for RSM; KVM_GET/SET_VCPU_EVENTS' smi fields; RSM outside
 * SMM (#UD).  SMM is there on /dev/kvm (KVM_CAP_X86_SMM 1), on a
 * shadowvmx EPT-mode VM, and on a shadow-paging VM when shadowvmx was
 * loaded with smm_shadow=1 (SMM's big real mode, which vm86 cannot run,
 * emulated: x86/emulate_rm.c); on a shadow-paging VM without it the SMI
 * sources fail with -EINVAL and the SMM tests skip.  The capability is
 * never 1 where there is no SMM (shadowvmx answers 0 on every VM for now:
 * core/main.c).
 */
#include <errno.h>
#include <string.h>

#include "svx.h"

#define SMBASE		0x400000	/* beyond slot 0's 2 MiB */
#define SMRAM_SIZE	0x10000
#define SMM_SLOT	((1u << 16) | 1)
#define STATE		0xfe00		/* the save area in SMRAM */
#define APIC		0xfee00000
#define MSR_SMBASE	0x9e
#define MSR_SMI_CNT	0x34

/* KVM's 64-bit save area, by the SDM's offsets (0x7e00: byte 0). */
#define SS(off)		(STATE + (off) - 0x7e00)

/*
 * Guest (long mode): EBX = 0x11223344, RAX = 1 out to PORT_RESULT (the
 * host then sends an SMI), RAX out again (RSM restored it), RBX out to
 * PORT_RESULT2, HLT.
 */
__asm__(
"	.pushsection .rodata.svx_smm_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_smm_start, guest_smm_end\n"
"	.balign 16\n"
"guest_smm_start:\n"
"	movl	$0x11223344, %ebx\n"
"	movl	$1, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"guest_smm_end:\n"

/*
 * Guest (long mode): an SMI to itself through the local APIC's ICR (xAPIC:
 * self shorthand, assert, SMI delivery mode), then 2 out to PORT_RESULT.
 */
"	.globl guest_smm_apic_start, guest_smm_apic_end\n"
"	.balign 16\n"
"guest_smm_apic_start:\n"
"	movl	$" XSTR(APIC) ", %esi\n"
"	movl	$0x1ff, 0xf0(%rsi)\n"
"	movl	$0x44200, 0x300(%rsi)\n"
"	movl	$2, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_smm_apic_end:\n"

/* Guest (long mode): RSM outside SMM; its #UD handler outs 6. */
"	.globl guest_smm_ud_start, guest_smm_ud_end\n"
"	.balign 16\n"
"guest_smm_ud_start:\n"
GATE64(smm_ud, 6, smm_ud_handler)
"	rsm\n"
"	hlt\n"
"smm_ud_handler:\n"
"	movl	$6, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_smm_ud_end:\n"
"	.popsection\n");

/* The SMI handler (16-bit): mov $0xfe,%al; out %al,$PORT_RESULT; rsm */
static const unsigned char smi_handler[] = { 0xb0, 0xfe, 0xe6, PORT_RESULT,
					     0x0f, 0xaa };
/* The same, reading AL from GPA 0x1000 (address space 0 only) first */
static const unsigned char smi_handler_read[] = { 0xa0, 0x00, 0x10, 0xe6,
						  PORT_RESULT, 0x0f, 0xaa };

struct smm {
	struct svxu_guest g;
	unsigned char *smram;
	int cap;	/* KVM_CAP_X86_SMM on the VM fd */
	int nmi_masked;	/* KVM_GET_VCPU_EVENTS' nmi.masked before the SMI */
	bool has_smm;	/* kvm_intel, shadowvmx EPT or smm_shadow=1 */
};

static int smm_prepare(struct smm *s, struct svxu_code code, bool irqchip,
		       const unsigned char *handler, size_t len)
{
	int r = svxu_guest_create_with(&s->g, irqchip ? SVXU_GUEST_IRQCHIP :
				       0);

	if (r)
		return r;
	svxu_load(&s->g.vm, code);
	r = svxu_setup_mode(&s->g.vcpu, SVXU_MODE_LONG64);
	if (r)
		return r;
	s->smram = svxu_alloc(SMRAM_SIZE);
	if (!s->smram)
		return -ENOMEM;
	memcpy(s->smram + 0x8000, handler, len);
	r = svxu_set_mem(s->g.vm.fd, SMM_SLOT, 0, SMBASE, SMRAM_SIZE,
			 s->smram);
	if (r)
		return r;
	s->cap = svxu_ioctl(s->g.vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM);
	s->has_smm = svxu_dev_is_kvm() ||
		     svxu_vm_paging(s->g.vm.fd) == SVX_PAGING_EPT ||
		     svxu_module_param("shadowvmx", "smm_shadow") == 'Y';
	return svxu_set_msr(s->g.vcpu.fd, MSR_SMBASE, SMBASE);
}

FIXTURE(smm) {
	struct smm s;
};

FIXTURE_SETUP(smm)
{
	memset(&self->s, 0, sizeof(self->s));
	self->s.g.vm.fd = self->s.g.vm.sys_fd = self->s.g.vcpu.fd = -1;
}

FIXTURE_TEARDOWN(smm)
{
	svxu_guest_fini(&self->s.g);
}

#define SMM_INIT(name, irqchip, handler) do {				\
	int __r = smm_prepare(&self->s, SVX_GUEST(name), irqchip,	\
			      handler, sizeof(handler));		\
	ASSERT_EQ(0, __r) TH_LOG("SMM guest on %s: %s (%s)", svxu_dev(), \
				 strerror(-__r), svxu_last_op());	\
} while (0)

/* Where the VM has no SMM: the SMI sources fail, then the test skips. */
#define SKIP_WITHOUT_SMM() do {						\
	struct kvm_vcpu_events __ev;					\
									\
	ASSERT_LE(0, self->s.cap);					\
	ASSERT_GE(self->s.has_smm, self->s.cap);			\
	if (svxu_dev_is_kvm())						\
		ASSERT_EQ(1, self->s.cap);				\
	if (!self->s.has_smm) {						\
		EXPECT_EQ(-EINVAL, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0)); \
		ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd,		\
					KVM_GET_VCPU_EVENTS,		\
					(unsigned long)&__ev));		\
		__ev.flags = KVM_VCPUEVENT_VALID_SMM;			\
		__ev.smi.pending = 1;					\
		EXPECT_EQ(-EINVAL, svxu_ioctl(self->s.g.vcpu.fd,	\
					      KVM_SET_VCPU_EVENTS,	\
					      (unsigned long)&__ev));	\
		SKIP(return, "no SMM on a shadow-paging VM (%s)",	\
		     svxu_dev());					\
	}								\
} while (0)

static void get_events(struct __test_metadata *_metadata, int fd,
		       struct kvm_vcpu_events *ev)
{
	memset(ev, 0x55, sizeof(*ev));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_VCPU_EVENTS, (unsigned long)ev));
	ASSERT_TRUE(ev->flags & KVM_VCPUEVENT_VALID_SMM);
}

static uint64_t rd64(const unsigned char *p, unsigned int off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static uint32_t rd32(const unsigned char *p, unsigned int off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

/*
 * The vCPU just exited in the SMI handler's OUT: SMM as KVM enters it
 * (big real mode at SMBASE), and the save area holds @regs/@sregs, the
 * state at the SMI.
 */
static void check_in_smm(struct __test_metadata *_metadata, struct smm *s,
			 const struct kvm_regs *regs,
			 const struct kvm_sregs *sregs)
{
	const unsigned char *m = s->smram;
	struct kvm_vcpu_events ev;
	struct kvm_sregs in;
	struct kvm_regs r;

	ASSERT_EQ(0xfe, svxu_io_value(s->g.run) & 0xff);
	EXPECT_TRUE(s->g.run->flags & KVM_RUN_X86_SMM);
	get_events(_metadata, s->g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.smm);
	EXPECT_EQ(0, ev.smi.pending);
	/* NMIs blocked at the SMI: kept after RSM (the state's, measured) */
	EXPECT_EQ(s->nmi_masked, ev.smi.smm_inside_nmi);
	EXPECT_EQ(1, ev.nmi.masked);	/* SMM blocks NMIs */
	ASSERT_EQ(0, svxu_ioctl(s->g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&in));
	EXPECT_EQ(SMBASE, in.cs.base);
	EXPECT_EQ((SMBASE >> 4) & 0xffff, in.cs.selector);
	EXPECT_EQ(0xffffffff, in.cs.limit);
	EXPECT_EQ(0, in.ds.base);
	EXPECT_EQ(0xffffffff, in.ds.limit);
	EXPECT_EQ(0, in.cr0 & 0x80000001);	/* PE, PG */
	EXPECT_EQ(0, in.cr4);
	EXPECT_EQ(0, in.efer);
	EXPECT_EQ(0, in.idt.limit);
	ASSERT_EQ(0, svxu_ioctl(s->g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&r));
	/* at the OUT (kvm_intel ept=1) or past it (its emulator, ept=0) */
	EXPECT_TRUE(r.rip == 0x8000 + 2 || r.rip == 0x8000 + 4)
		TH_LOG("RIP %#llx", (unsigned long long)r.rip);
	EXPECT_EQ(2, r.rflags & ~0x10000ULL);

	/* KVM's 64-bit state save area */
	EXPECT_EQ(0x00020064, rd32(m, SS(0x7efc)));
	EXPECT_EQ(SMBASE, rd32(m, SS(0x7f00)));
	/* the exit's RIP was at the 2-byte OUT, which then completed */
	EXPECT_EQ(regs->rip + 2, rd64(m, SS(0x7f78)));
	EXPECT_EQ(regs->rflags, rd32(m, SS(0x7f70)));
	EXPECT_EQ(regs->rax, rd64(m, SS(0x7ff8)));
	EXPECT_EQ(regs->rbx, rd64(m, SS(0x7ff8 - 3 * 8)));
	EXPECT_EQ(regs->rsp, rd64(m, SS(0x7ff8 - 4 * 8)));
	EXPECT_EQ(sregs->cr0, rd64(m, SS(0x7f58)));
	EXPECT_EQ(sregs->cr3, rd64(m, SS(0x7f50)));
	EXPECT_EQ(sregs->cr4, rd64(m, SS(0x7f48)));
	EXPECT_EQ(sregs->efer, rd64(m, SS(0x7ed0)));
	EXPECT_EQ(sregs->gdt.base, rd64(m, SS(0x7e68)));
	EXPECT_EQ(sregs->gdt.limit, rd32(m, SS(0x7e64)));
	EXPECT_EQ(sregs->idt.base, rd64(m, SS(0x7e88)));
	EXPECT_EQ(sregs->idt.limit, rd32(m, SS(0x7e84)));
	EXPECT_EQ(sregs->tr.selector, rd32(m, SS(0x7e90)) & 0xffff);
	EXPECT_EQ(sregs->cs.selector, rd32(m, SS(0x7e10)) & 0xffff);
	/* CS: L (flags bit 13 of the word), P, S, type */
	EXPECT_EQ(1, (rd32(m, SS(0x7e10)) >> 16 >> 13) & 1);
	EXPECT_EQ(sregs->ss.selector, rd32(m, SS(0x7e20)) & 0xffff);
	EXPECT_EQ(sregs->ds.base, rd64(m, SS(0x7e38)));
}

/* Before the SMI: the state the save area must hold. */
static void state_now(struct __test_metadata *_metadata, struct smm *s,
		      struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	struct kvm_vcpu_events ev;
	int fd = s->g.vcpu.fd;

	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_VCPU_EVENTS, (unsigned long)&ev));
	s->nmi_masked = ev.nmi.masked;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_REGS, (unsigned long)regs));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)sregs));
}

/* Capabilities and the slots of address space 1, with KVM's errors. */
TEST_F(smm, address_spaces)
{
	unsigned char *m = svxu_alloc(0x4000);
	struct kvm_dirty_log log = { 0 };
	unsigned long bitmap = 0;
	int vm;

	SMM_INIT(smm, false, smi_handler);
	vm = self->s.g.vm.fd;
	ASSERT_NE(NULL, m);
	EXPECT_EQ(2, svxu_ioctl(self->s.g.vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_MULTI_ADDRESS_SPACE));
	EXPECT_EQ(2, svxu_ioctl(vm, KVM_CHECK_EXTENSION,
				KVM_CAP_MULTI_ADDRESS_SPACE));
	/* address space 2: none */
	EXPECT_EQ(-EINVAL, svxu_set_mem(vm, 2u << 16, 0, 0x800000, 0x1000, m));
	/* address space 1 over slot 0's range (address space 0): fine */
	EXPECT_EQ(0, svxu_set_mem(vm, (1u << 16) | 2, 0, 0, 0x2000, m));
	/* overlapping another slot of address space 1: -EEXIST */
	EXPECT_EQ(-EEXIST, svxu_set_mem(vm, (1u << 16) | 3, 0, SMBASE,
					0x1000, m + 0x2000));
	/* a slot id is per address space: id 2 of space 0 is another slot */
	EXPECT_EQ(0, svxu_set_mem(vm, 2, 0, 0x800000, 0x1000, m + 0x2000));
	/* dirty log of a slot in space 1 */
	log.slot = (1u << 16) | 2;
	log.dirty_bitmap = &bitmap;
	EXPECT_EQ(-ENOENT, svxu_ioctl(vm, KVM_GET_DIRTY_LOG,
				      (unsigned long)&log));
	EXPECT_EQ(0, svxu_set_mem(vm, (1u << 16) | 2, KVM_MEM_LOG_DIRTY_PAGES,
				  0, 0x2000, m));
	EXPECT_EQ(0, svxu_ioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)&log));
	EXPECT_EQ(0, bitmap);
	log.slot = (2u << 16) | 2;
	EXPECT_EQ(-EINVAL, svxu_ioctl(vm, KVM_GET_DIRTY_LOG,
				      (unsigned long)&log));
	/* delete */
	EXPECT_EQ(0, svxu_set_mem(vm, (1u << 16) | 2, 0, 0, 0, m));
	log.slot = (1u << 16) | 2;
	EXPECT_EQ(-ENOENT, svxu_ioctl(vm, KVM_GET_DIRTY_LOG,
				      (unsigned long)&log));
	EXPECT_EQ(-EINVAL, svxu_set_mem(vm, (1u << 16) | 2, 0, 0, 0, m));
	/* the SMBASE MSR is the VMM's */
	{
		uint64_t v = 0;

		EXPECT_EQ(0, svxu_get_msr(self->s.g.vcpu.fd, MSR_SMBASE, &v));
		EXPECT_EQ(SMBASE, v);
	}
}

/* KVM_SMI: SMM, the save area, RSM back to the interrupted guest. */
TEST_F(smm, kvm_smi_and_rsm)
{
	struct kvm_sregs sregs, after;
	struct kvm_regs regs;
	uint64_t count = 9;

	SMM_INIT(smm, false, smi_handler);
	SKIP_WITHOUT_SMM();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	state_now(_metadata, &self->s, &regs, &sregs);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	check_in_smm(_metadata, &self->s, &regs, &sregs);
	/* RSM: RAX as it was (the handler's AL is gone), then RBX */
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	EXPECT_FALSE(self->s.g.run->flags & KVM_RUN_X86_SMM);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&after));
	EXPECT_EQ(sregs.cr0, after.cr0);
	EXPECT_EQ(sregs.cr3, after.cr3);
	EXPECT_EQ(sregs.cr4, after.cr4);
	EXPECT_EQ(sregs.efer, after.efer);
	EXPECT_EQ(sregs.cs.selector, after.cs.selector);
	EXPECT_EQ(1, after.cs.l);
	EXPECT_EQ(sregs.idt.limit, after.idt.limit);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x11223344);
	EXPECT_EQ(0, svxu_get_msr(self->s.g.vcpu.fd, MSR_SMI_CNT, &count));
	EXPECT_EQ(1, count);
}

/*
 * An SMI from KVM_SET_VCPU_EVENTS; another while in SMM waits for RSM;
 * events round trip.
 */
TEST_F(smm, events)
{
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t count = 0;

	SMM_INIT(smm, true, smi_handler);
	SKIP_WITHOUT_SMM();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	state_now(_metadata, &self->s, &regs, &sregs);
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(0, ev.smi.smm);
	EXPECT_EQ(0, ev.smi.pending);
	EXPECT_EQ(0, ev.smi.latched_init);
	ev.flags = KVM_VCPUEVENT_VALID_SMM;
	ev.smi.pending = 1;
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_VCPU_EVENTS,
				(unsigned long)&ev));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.pending);
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	check_in_smm(_metadata, &self->s, &regs, &sregs);

	/* in SMM: an SMI waits; an INIT latched; both reported */
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.smm);
	EXPECT_EQ(1, ev.smi.pending);
	ev.flags = KVM_VCPUEVENT_VALID_SMM;
	ev.smi.latched_init = 1;
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_VCPU_EVENTS,
				(unsigned long)&ev));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.latched_init);
	ev.flags = KVM_VCPUEVENT_VALID_SMM;
	ev.smi.latched_init = 0;
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_VCPU_EVENTS,
				(unsigned long)&ev));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(0, ev.smi.latched_init);
	EXPECT_EQ(1, ev.smi.smm);

	/* RSM, and the waiting SMI is taken at once: the handler again */
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	check_in_smm(_metadata, &self->s, &regs, &sregs);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(0, ev.smi.smm);
	EXPECT_EQ(0, ev.smi.pending);
	EXPECT_EQ(self->s.nmi_masked, ev.nmi.masked);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x11223344);
	EXPECT_EQ(0, svxu_get_msr(self->s.g.vcpu.fd, MSR_SMI_CNT, &count));
	EXPECT_EQ(2, count);
}

/* An SMI the guest sends itself through the local APIC (xAPIC ICR). */
TEST_F(smm, apic_self_smi)
{
	struct kvm_vcpu_events ev;

	SMM_INIT(smm_apic, true, smi_handler);
	SKIP_WITHOUT_SMM();
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0xfe, svxu_io_value(self->s.g.run) & 0xff);
	EXPECT_TRUE(self->s.g.run->flags & KVM_RUN_X86_SMM);
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.smm);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 2);
}

/* In SMM memory is address space 1's: GPA 0x1000 has no slot there. */
TEST_F(smm, smram_only)
{
	SMM_INIT(smm, false, smi_handler_read);
	SKIP_WITHOUT_SMM();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_EXIT(&self->s.g.vcpu, KVM_EXIT_MMIO);
	EXPECT_EQ(0x1000, self->s.g.run->mmio.phys_addr);
	EXPECT_EQ(1, self->s.g.run->mmio.len);
	EXPECT_EQ(0, self->s.g.run->mmio.is_write);
	self->s.g.run->mmio.data[0] = 0xfe;
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0xfe, svxu_io_value(self->s.g.run) & 0xff);
	EXPECT_TRUE(self->s.g.run->flags & KVM_RUN_X86_SMM);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x11223344);
}

/* RSM outside SMM: #UD, on every device and paging mode. */
TEST_F(smm, rsm_outside_smm)
{
	SMM_INIT(smm_ud, false, smi_handler);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 6);
}

TEST_HARNESS_MAIN
