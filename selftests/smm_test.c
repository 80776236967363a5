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
 * SMM (#UD).  SeaBIOS's ways: an SMI handler that switches to protected
 * mode (its own GDT, a far jump to 32-bit code) and edits the state save
 * area; RSM into a 32-bit protected-mode state the VMM wrote there
 * (SeaBIOS's call32_smm); an SMI from real mode and RSM back to it.
 * Between the handler's instructions: the userspace irqchip's interrupt
 * window, an interrupt through the handler's IVT and its IRET, an NMI
 * waiting for RSM, KVM_GUESTDBG_SINGLESTEP's traps up to and after RSM.
 * SMM is there on every device and paging mode (a shadow-paging VM's big
 * real mode, which vm86 cannot run, emulated: x86/emulate_rm.c, as
 * kvm_intel ept=0 emulates it); KVM_CAP_X86_SMM 1 on every device.
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

/* Guest (long mode): as guest_smm, with an NMI handler that outs 7. */
"	.globl guest_smm_nmi_start, guest_smm_nmi_end\n"
"	.balign 16\n"
"guest_smm_nmi_start:\n"
GATE64(smm_nmi, 2, smm_nmi_handler)
"	movl	$0x11223344, %ebx\n"
"	movl	$1, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"smm_nmi_handler:\n"
"	movl	$7, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	hlt\n"
"guest_smm_nmi_end:\n"

/* Guest (real mode): guest_smm's steps in 16-bit code. */
"	.code16\n"
"	.globl guest_smm16_start, guest_smm16_end\n"
"	.balign 16\n"
"guest_smm16_start:\n"
"	movl	$0x3344, %ebx\n"
"	movl	$1, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movl	%ebx, %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"guest_smm16_end:\n"
"	.code64\n"
"	.popsection\n");

/* The SMI handler (16-bit): mov $0xfe,%al; out %al,$PORT_RESULT; rsm */
static const unsigned char smi_handler[] = { 0xb0, 0xfe, 0xe6, PORT_RESULT,
					     0x0f, 0xaa };
/* The same, reading AL from GPA 0x1000 (address space 0 only) first */
static const unsigned char smi_handler_read[] = { 0xa0, 0x00, 0x10, 0xe6,
						  PORT_RESULT, 0x0f, 0xaa };
/* mov $0xfe,%al; out; inc %bx (3 times); rsm: single-stepped */
static const unsigned char smi_handler_step[] = { 0xb0, 0xfe, 0xe6,
						  PORT_RESULT, 0x43, 0x43,
						  0x43, 0x0f, 0xaa };

/*
 * SeaBIOS-like (romlayout.S entry_smi, transition32): lgdtl, CR0.PE, a far
 * jump to flat 32-bit code, its data segments; then 0x32323232 out, the
 * saved RBX's low half (64-bit layout, 0x7fe0) set to 0x55667788, RSM.
 * SMBASE-relative: written by smi_handler_pm_at().
 */
#define PM_SAVED_RBX	(0xfe00 + 0x7fe0 - 0x7e00)

static void smi_handler_pm_at(unsigned char *smram, uint32_t smbase)
{
	static const unsigned char code16[] = {
		0x66, 0x2e, 0x0f, 0x01, 0x16, 0x80, 0x80, /* lgdtl %cs:0x8080 */
		0x0f, 0x20, 0xc0,			/* mov %cr0,%eax */
		0x66, 0x83, 0xc8, 0x01,			/* or $1,%eax */
		0x0f, 0x22, 0xc0,			/* mov %eax,%cr0 */
		0x66, 0xea, 0, 0, 0, 0, 0x08, 0x00,	/* ljmpl $8,$.. */
	};
	static const unsigned char code32[] = {
		0xb8, 0x10, 0, 0, 0,			/* mov $0x10,%eax */
		0x8e, 0xd8,				/* mov %eax,%ds */
		0x8e, 0xc0,				/* mov %eax,%es */
		0x8e, 0xd0,				/* mov %eax,%ss */
		0xb8, 0x32, 0x32, 0x32, 0x32,		/* mov $0x32323232,%eax */
		0xe7, PORT_RESULT,			/* out %eax,$PORT_RESULT */
		0xc7, 0x05, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55,
							/* movl $0x55667788,.. */
		0x0f, 0xaa,				/* rsm */
	};
	static const uint64_t gdt[3] = {
		0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
	};
	uint32_t v;

	memcpy(smram + 0x8000, code16, sizeof(code16));
	v = smbase + 0x8040;
	memcpy(smram + 0x8000 + 19, &v, 4);
	memcpy(smram + 0x8040, code32, sizeof(code32));
	v = smbase + PM_SAVED_RBX;
	memcpy(smram + 0x8040 + 20, &v, 4);
	memcpy(smram + 0x8080, "\x17\x00", 2);
	v = smbase + 0x8090;
	memcpy(smram + 0x8082, &v, 4);
	memcpy(smram + 0x8090, gdt, sizeof(gdt));
}

/*
 * At SMBASE 0x30000 (CS 0x3000): a stack in SMRAM, an IVT there (lidtw),
 * sti, nop, nop, 0xfe out, RSM; vector 0x20's handler outs 0x20, IRET.
 */
#define SMBASE_LOW	0x30000
static const unsigned char smi_handler_irq[] = {
	0xb8, 0x00, 0x30,		/* mov $0x3000,%ax */
	0x8e, 0xd0,			/* mov %ax,%ss */
	0xbc, 0x00, 0xf0,		/* mov $0xf000,%sp */
	0x2e, 0x0f, 0x01, 0x1e, 0x00, 0x90,	/* lidtw %cs:0x9000 */
	0xfb,				/* sti */
	0x90,				/* nop (STI's shadow) */
	0x90,				/* nop: the window is open here */
	0xb0, 0xfe, 0xe6, PORT_RESULT,	/* mov $0xfe,%al; out */
	0x0f, 0xaa,			/* rsm */
};

#define IRQ_WINDOW_RIP	0x8010

static void smi_handler_irq_ivt(unsigned char *smram)
{
	static const unsigned char isr[] = { 0xb0, 0x20, 0xe6, PORT_RESULT,
					     0xcf };

	memcpy(smram + 0x8100, isr, sizeof(isr));
	/* limit 0x3ff, base SMBASE_LOW + 0x9100; vector 0x20: 3000:8100 */
	memcpy(smram + 0x9000, "\xff\x03\x00\x91\x03\x00", 6);
	memcpy(smram + 0x9100 + 0x20 * 4, "\x00\x81\x00\x30", 4);
}

struct smm {
	struct svxu_guest g;
	unsigned char *smram;
	int cap;	/* KVM_CAP_X86_SMM on the VM fd */
	int nmi_masked;	/* KVM_GET_VCPU_EVENTS' nmi.masked before the SMI */
};

static int smm_prepare(struct smm *s, struct svxu_code code, bool irqchip,
		       const unsigned char *handler, size_t len,
		       uint32_t smbase, enum svxu_mode mode)
{
	int r = svxu_guest_create_with(&s->g, irqchip ? SVXU_GUEST_IRQCHIP :
				       0);

	if (r)
		return r;
	svxu_load(&s->g.vm, code);
	r = svxu_setup_mode(&s->g.vcpu, mode);
	if (r)
		return r;
	s->smram = svxu_alloc(SMRAM_SIZE);
	if (!s->smram)
		return -ENOMEM;
	memcpy(s->smram + 0x8000, handler, len);
	r = svxu_set_mem(s->g.vm.fd, SMM_SLOT, 0, smbase, SMRAM_SIZE,
			 s->smram);
	if (r)
		return r;
	s->cap = svxu_ioctl(s->g.vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_SMM);
	return svxu_set_msr(s->g.vcpu.fd, MSR_SMBASE, smbase);
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

#define SMM_INIT_AT(name, irqchip, handler, smbase, mode) do {		\
	int __r = smm_prepare(&self->s, SVX_GUEST(name), irqchip,	\
			      handler, sizeof(handler), smbase, mode);	\
	ASSERT_EQ(0, __r) TH_LOG("SMM guest on %s: %s (%s)", svxu_dev(), \
				 strerror(-__r), svxu_last_op());	\
} while (0)

#define SMM_INIT(name, irqchip, handler)				\
	SMM_INIT_AT(name, irqchip, handler, SMBASE, SVXU_MODE_LONG64)

/* Every device and paging mode has SMM, and says so. */
#define CHECK_SMM_CAP() do {						\
	ASSERT_EQ(1, self->s.cap);					\
	ASSERT_EQ(1, svxu_ioctl(self->s.g.vm.sys_fd, KVM_CHECK_EXTENSION, \
				KVM_CAP_X86_SMM));			\
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
	CHECK_SMM_CAP();
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

/* ljmp $0x5000, $0: code outside SMRAM, which nothing backs in SMM */
static const unsigned char smi_handler_jmp_out[] = { 0xea, 0x00, 0x00, 0x00,
						     0x50 };

/*
 * A handler that jumps to memory address space 1 does not have: the
 * fetch fails as KVM's emulator's does (kvm_intel ept=1 runs the handler,
 * ept=0 emulates its big real mode): KVM_EXIT_INTERNAL_ERROR (emulation)
 * with #UD queued, still in SMM; KVM_SET_REGS drops the #UD (KVM 6.1's
 * __set_regs() drops a pending exception).  Found by the ioctl fuzzer's
 * differential mode (seed 1, programs 7 and 18).
 */
TEST_F(smm, fetch_outside_smram_queues_ud)
{
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;

	SMM_INIT(smm, false, smi_handler_jmp_out);
	CHECK_SMM_CAP();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_EXIT(&self->s.g.vcpu, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION,
		  self->s.g.run->emulation_failure.suberror);
	EXPECT_TRUE(self->s.g.run->flags & KVM_RUN_X86_SMM);
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.smi.smm);
	EXPECT_EQ(1, ev.exception.injected);
	EXPECT_EQ(6, ev.exception.nr);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&regs));
	EXPECT_EQ(0, regs.rip);		/* at the target, 5000:0000 */
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_REGS,
				(unsigned long)&regs));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.exception.pending);
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
	CHECK_SMM_CAP();
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
	CHECK_SMM_CAP();
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
	CHECK_SMM_CAP();
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

/* The vCPU is at an exit in SMM: KVM_RUN_X86_SMM and the events say so. */
static void expect_smm(struct __test_metadata *_metadata, struct smm *s,
		       bool in)
{
	struct kvm_vcpu_events ev;

	EXPECT_EQ(in, !!(s->g.run->flags & KVM_RUN_X86_SMM));
	get_events(_metadata, s->g.vcpu.fd, &ev);
	EXPECT_EQ(in, ev.smi.smm);
}

/*
 * A SeaBIOS-like handler: protected mode from SMM's big real mode (a
 * data-type CS until its far jump: kvm_intel ept=0 and shadowvmx emulate
 * it), 32-bit code run, the state save area edited, RSM to long mode.
 */
TEST_F(smm, pm_handler)
{
	struct kvm_sregs sr;

	SMM_INIT(smm, false, smi_handler);
	CHECK_SMM_CAP();
	smi_handler_pm_at(self->s.smram, SMBASE);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 0x32323232);
	expect_smm(_metadata, &self->s, true);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&sr));
	EXPECT_EQ(1, sr.cr0 & 0x80000001);	/* PE, no PG */
	EXPECT_EQ(8, sr.cs.selector);
	EXPECT_EQ(0, sr.cs.base);
	EXPECT_EQ(1, sr.cs.db);
	EXPECT_EQ(0xb, sr.cs.type);
	EXPECT_EQ(0x10, sr.ss.selector);
	EXPECT_EQ(0x10, sr.ds.selector);
	EXPECT_EQ(SMBASE + 0x8090, sr.gdt.base);
	/* RSM: long mode again, RBX as the handler left it */
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	expect_smm(_metadata, &self->s, false);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&sr));
	EXPECT_EQ(1, sr.cs.l);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x55667788);
}

/*
 * SeaBIOS's call32_smm: the state save area rewritten (here by the VMM,
 * in SMM) so that RSM returns into flat 32-bit protected mode, paging
 * off, at other code.
 */
TEST_F(smm, rsm_to_prot32)
{
	static const unsigned char code32[] = {
		0xb8, 0x32, 0, 0, 0,		/* mov $0x32,%eax */
		0xe7, PORT_RESULT,		/* out %eax,$PORT_RESULT */
		0xf4,				/* hlt */
	};
	unsigned char *m;
	struct kvm_sregs sr;
	uint64_t v;
	int i;

	SMM_INIT(smm, false, smi_handler);
	CHECK_SMM_CAP();
	m = self->s.smram;
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	expect_smm(_metadata, &self->s, true);
	memcpy(self->s.g.vm.mem + SVX_DATA, code32, sizeof(code32));
	v = 0x11;				/* CR0: PE, ET */
	memcpy(m + SS(0x7f58), &v, 8);
	v = 0;
	memcpy(m + SS(0x7f50), &v, 8);		/* CR3 */
	memcpy(m + SS(0x7f48), &v, 8);		/* CR4 */
	memcpy(m + SS(0x7ed0), &v, 8);		/* EFER */
	v = SVX_DATA;
	memcpy(m + SS(0x7f78), &v, 8);		/* RIP */
	v = 2;
	memcpy(m + SS(0x7f70), &v, 4);		/* RFLAGS */
	for (i = 0; i < 6; i++) {		/* ES CS SS DS FS GS */
		uint16_t sel = i == 1 ? 8 : 0x10;
		uint16_t attr = i == 1 ? 0xc09b : 0xc093;	/* G D P S type */
		uint32_t limit = 0xfffff;

		v = 0;
		memcpy(m + SS(0x7e00 + i * 16), &sel, 2);
		memcpy(m + SS(0x7e02 + i * 16), &attr, 2);
		memcpy(m + SS(0x7e04 + i * 16), &limit, 4);
		memcpy(m + SS(0x7e08 + i * 16), &v, 8);
	}
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 0x32);
	expect_smm(_metadata, &self->s, false);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&sr));
	EXPECT_EQ(0x11, sr.cr0);
	EXPECT_EQ(0, sr.efer);
	EXPECT_EQ(8, sr.cs.selector);
	EXPECT_EQ(1, sr.cs.db);
	EXPECT_EQ(0, sr.cs.l);
	EXPECT_EQ(0xffffffff, sr.cs.limit);
	EXPECT_EQ(0x10, sr.ss.selector);
}

/* An SMI from real mode, the protected-mode handler, RSM to real mode. */
TEST_F(smm, real_mode_pm_handler)
{
	struct kvm_sregs sr;

	SMM_INIT_AT(smm16, false, smi_handler, SMBASE, SVXU_MODE_REAL16);
	CHECK_SMM_CAP();
	smi_handler_pm_at(self->s.smram, SMBASE);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 0x32323232);
	expect_smm(_metadata, &self->s, true);
	EXPECT_EQ(0x00020064, rd32(self->s.smram, SS(0x7efc)));
	EXPECT_EQ(0, rd64(self->s.smram, SS(0x7f58)) & 1);	/* CR0.PE */
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	expect_smm(_metadata, &self->s, false);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_SREGS,
				(unsigned long)&sr));
	EXPECT_EQ(0, sr.cr0 & 1);
	EXPECT_EQ(0, sr.cs.selector);
	EXPECT_EQ(0, sr.cs.base);
	EXPECT_EQ(0xffff, sr.cs.limit);
	EXPECT_EQ(0, sr.ss.base);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x55667788);
}

/*
 * Between the handler's instructions (userspace irqchip): the interrupt
 * window opens after STI's shadow; KVM_INTERRUPT goes through the
 * handler's IVT, whose IRET returns into the handler.
 */
TEST_F(smm, irq_window_and_interrupt)
{
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct kvm_regs r;

	SMM_INIT_AT(smm, false, smi_handler_irq, SMBASE_LOW,
		    SVXU_MODE_LONG64);
	CHECK_SMM_CAP();
	smi_handler_irq_ivt(self->s.smram);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	self->s.g.run->request_interrupt_window = 1;
	ASSERT_EXIT(&self->s.g.vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	expect_smm(_metadata, &self->s, true);
	EXPECT_EQ(1, self->s.g.run->if_flag);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_GET_REGS,
				(unsigned long)&r));
	EXPECT_EQ(IRQ_WINDOW_RIP, r.rip);
	self->s.g.run->request_interrupt_window = 0;
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_INTERRUPT,
				(unsigned long)&irq));
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x20, svxu_io_value(self->s.g.run) & 0xff);
	expect_smm(_metadata, &self->s, true);
	EXPECT_EQ(0, self->s.g.run->if_flag);	/* cleared by delivery */
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0xfe, svxu_io_value(self->s.g.run) & 0xff);
	EXPECT_EQ(1, self->s.g.run->if_flag);	/* IRET restored it */
	expect_smm(_metadata, &self->s, true);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	expect_smm(_metadata, &self->s, false);
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT2, 0x11223344);
}

/*
 * An NMI while in SMM waits for RSM: the handler runs to its RSM
 * untouched, then the guest's NMI handler runs (kvm_intel ept=1,
 * shadowvmx EPT).  Where RSM was emulated with shadow paging (kvm_intel
 * ept=0 and shadowvmx alike) the Bochs bench gives the guest its next
 * instruction first (its OUT of 1) and then its HLT without the NMI
 * (measured on both): there only the first half is checked.
 */
TEST_F(smm, nmi_waits_for_rsm)
{
	struct kvm_vcpu_events ev;

	SMM_INIT(smm_nmi, false, smi_handler_step);
	CHECK_SMM_CAP();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	expect_smm(_metadata, &self->s, true);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_NMI, 0));
	get_events(_metadata, self->s.g.vcpu.fd, &ev);
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(1, ev.nmi.masked);
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 4, KVM_EXIT_IO_OUT);
	expect_smm(_metadata, &self->s, false);
	if (svxu_dev_is_kvm() ? svxu_module_param("kvm_intel", "ept") == 'Y' :
	    svxu_vm_paging(self->s.g.vm.fd) == SVX_PAGING_EPT) {
		EXPECT_EQ(7, svxu_io_value(self->s.g.run));
	} else {
		EXPECT_TRUE(svxu_io_value(self->s.g.run) == 7 ||
			    svxu_io_value(self->s.g.run) == 1);
	}
}

/*
 * KVM_GUESTDBG_SINGLESTEP set in SMM: a trap after each handler
 * instruction (the OUT's too where it completes at the next KVM_RUN:
 * kvm_intel ept=1), after RSM at the interrupted guest's RIP.
 */
TEST_F(smm, singlestep_handler)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP,
	};
	uint64_t pc[8], want = SMBASE + 0x8005;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int n = 0, i;

	SMM_INIT(smm, false, smi_handler_step);
	CHECK_SMM_CAP();
	ASSERT_OUT32(&self->s.g.vcpu, PORT_RESULT, 1);
	state_now(_metadata, &self->s, &regs, &sregs);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SMI, 0));
	ASSERT_PIO(&self->s.g.vcpu, PORT_RESULT, 1, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_GUEST_DEBUG,
				(unsigned long)&dbg));
	do {
		ASSERT_EXIT(&self->s.g.vcpu, KVM_EXIT_DEBUG);
		EXPECT_EQ(1, self->s.g.run->debug.arch.exception);
		EXPECT_TRUE(self->s.g.run->debug.arch.dr6 & 0x4000)
			TH_LOG("dr6 %#llx", (unsigned long long)
			       self->s.g.run->debug.arch.dr6);
		pc[n++] = self->s.g.run->debug.arch.pc;
	} while (n < 6 && (self->s.g.run->flags & KVM_RUN_X86_SMM));
	/* the OUT's trap first where it completes now */
	i = pc[0] == SMBASE + 0x8004;
	ASSERT_EQ(i + 4, n);
	for (; i < n - 1; i++)
		EXPECT_EQ(want++, pc[i]) TH_LOG("trap %d", i);
	EXPECT_EQ(regs.rip + 2, pc[n - 1]);
	expect_smm(_metadata, &self->s, false);
	dbg.control = 0;
	ASSERT_EQ(0, svxu_ioctl(self->s.g.vcpu.fd, KVM_SET_GUEST_DEBUG,
				(unsigned long)&dbg));
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
