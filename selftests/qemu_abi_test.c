// SPDX-License-Identifier: GPL-2.0
/*
 * What QEMU (7.2, -accel kvm, kernel-irqchip=off) relies on beyond the
 * other tests, with KVM's semantics (tools/testing/qemu runs QEMU itself):
 * - KVM_CAP_IRQ_ROUTING answers KVM_MAX_IRQ_ROUTES, and KVM_SET_GSI_ROUTING
 *   on a VM without an in-kernel irqchip is -EINVAL (-EFAULT first for an
 *   unreadable header), as kvm_vm_ioctl() with
 *   kvm_arch_can_set_irq_routing() = irqchip_in_kernel();
 * - port I/O completion as KVM's kvm_fast_pio(): at an IN/OUT exit RIP is
 *   still at the instruction; KVM_GET_REGS + KVM_SET_REGS before the next
 *   KVM_RUN (QEMU's cpu_synchronize_state() in a device model) does not
 *   cancel the I/O, and the next KVM_RUN completes it (IN loads RAX, RIP
 *   moves past); if userspace moved RIP, the I/O is dropped
 *   (complete_fast_pio_in/out compare the linear RIP); an OUT to port 0x7e
 *   has moved RIP past itself before the exit (KVM_X86_QUIRK_OUT_7E_INC_RIP,
 *   QEMU's kvmvapic option ROM).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "svx.h"

#define PORT_7E		0x7e
#define Q_STR_(x)	#x
#define Q_STR(x)	Q_STR_(x)

/* The guests (32-bit protected mode, paging off, at SVX_CODE). */
asm(".pushsection .rodata.svx_qemu_guests, \"a\"\n"
    ".code32\n"
    /* in, echo what was read; alt: echo eax unchanged */
    ".balign 16\n"
    ".globl guest_q_in_start, guest_q_in_insn, guest_q_in_alt, guest_q_in_end\n"
    "guest_q_in_start:\n"
    "	movl	$0xffffffff, %eax\n"
    "guest_q_in_insn:\n"
    "	inb	$" Q_STR(PORT_IN8) ", %al\n"
    "	outl	%eax, $" Q_STR(PORT_ECHO8) "\n"
    "	hlt\n"
    "guest_q_in_alt:\n"
    "	outl	%eax, $" Q_STR(PORT_ECHO16) "\n"
    "	hlt\n"
    "guest_q_in_end:\n"
    /* out, then a result out, then hlt */
    ".balign 16\n"
    ".globl guest_q_out_start, guest_q_out_next, guest_q_out_end\n"
    "guest_q_out_start:\n"
    "	outb	%al, $" Q_STR(PORT_OUT8) "\n"
    "guest_q_out_next:\n"
    "	outl	%eax, $" Q_STR(PORT_RESULT) "\n"
    "	hlt\n"
    "guest_q_out_end:\n"
    /* QEMU's kvmvapic ROM: out %ax, $0x7e */
    ".balign 16\n"
    ".globl guest_q_7e_start, guest_q_7e_next, guest_q_7e_end\n"
    "guest_q_7e_start:\n"
    "	movw	$0x1234, %ax\n"
    "	outw	%ax, $" Q_STR(PORT_7E) "\n"
    "guest_q_7e_next:\n"
    "	movl	$0x5678, %eax\n"
    "	outl	%eax, $" Q_STR(PORT_RESULT) "\n"
    "	hlt\n"
    "guest_q_7e_end:\n"
    ".code64\n"
    ".popsection\n");

extern const char guest_q_in_start[], guest_q_in_insn[], guest_q_in_alt[];
extern const char guest_q_out_start[], guest_q_out_next[];
extern const char guest_q_7e_start[], guest_q_7e_next[];

#define QADDR(name, label) (SVX_CODE + (uint64_t)(label - guest_##name##_start))

SVX_GUEST_FIXTURE(qemu);

static int regs_roundtrip(int fd, struct kvm_regs *regs)
{
	int r = svxu_ioctl(fd, KVM_GET_REGS, (unsigned long)regs);

	return r ? r : svxu_ioctl(fd, KVM_SET_REGS, (unsigned long)regs);
}

TEST_F(qemu, irq_routing_cap_and_no_irqchip)
{
	struct kvm_irq_routing routing;
	int r;

	INIT(q_out, SVXU_MODE_PM32);
	/* KVM_MAX_IRQ_ROUTES, on the system fd and the VM fd */
	EXPECT_EQ(4096, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
				   KVM_CAP_IRQ_ROUTING));
	EXPECT_EQ(4096, svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION,
				   KVM_CAP_IRQ_ROUTING));
	memset(&routing, 0, sizeof(routing));
	r = svxu_ioctl(self->g.vm.fd, KVM_SET_GSI_ROUTING,
		       (unsigned long)&routing);
	EXPECT_EQ(-EINVAL, r) TH_LOG("nr 0: %s", strerror(-r));
	routing.nr = 1;
	r = svxu_ioctl(self->g.vm.fd, KVM_SET_GSI_ROUTING,
		       (unsigned long)&routing);
	EXPECT_EQ(-EINVAL, r) TH_LOG("nr 1: %s", strerror(-r));
	r = svxu_ioctl(self->g.vm.fd, KVM_SET_GSI_ROUTING, 8);
	EXPECT_EQ(-EFAULT, r) TH_LOG("bad pointer: %s", strerror(-r));
	/* the VM is as it was */
	ASSERT_PIO(&self->g.vcpu, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
}

static int enable_cap(int vm_fd, uint32_t c, uint32_t flags, uint64_t arg)
{
	struct kvm_enable_cap cap;

	memset(&cap, 0, sizeof(cap));
	cap.cap = c;
	cap.flags = flags;
	cap.args[0] = arg;
	return svxu_ioctl(vm_fd, KVM_ENABLE_CAP, (unsigned long)&cap);
}

/* KVM_ENABLE_CAP on the VM fd: a capability not enabled here is -EINVAL */
TEST_F(qemu, vm_enable_cap_unknown)
{
	int r, max;

	INIT(q_out, SVXU_MODE_PM32);
	EXPECT_EQ(1, svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION,
				KVM_CAP_ENABLE_CAP_VM));
	r = enable_cap(self->g.vm.fd, 0x7fff, 0, 0);
	EXPECT_EQ(-EINVAL, r) TH_LOG("%s", strerror(-r));
	r = svxu_ioctl(self->g.vm.fd, KVM_ENABLE_CAP, 8);
	EXPECT_EQ(-EFAULT, r) TH_LOG("%s", strerror(-r));
	/* vCPU 0 exists: the limit is fixed at the maximum */
	max = svxu_ioctl(self->g.vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	ASSERT_LT(1, max);
	EXPECT_EQ(-EINVAL, enable_cap(self->g.vm.fd, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_MAX_VCPU_ID, 0, max));
}

/* KVM_CAP_MAX_VCPU_ID, as QEMU sets it: once, then it bounds vCPU ids */
TEST_F(qemu, vm_enable_cap_max_vcpu_id)
{
	int sys, vm, max, r;

	sys = svxu_open_dev();
	ASSERT_LE(0, sys);
	vm = svxu_ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM: %s", strerror(-vm));
	max = svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, max + 1));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 1, 2));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 2));
	EXPECT_EQ(-EINVAL, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0, 3));
	r = svxu_ioctl(vm, KVM_CREATE_VCPU, 2);
	EXPECT_EQ(-EINVAL, r) TH_LOG("vCPU 2: %s", strerror(-r));
	r = svxu_ioctl(vm, KVM_CREATE_VCPU, 1);
	EXPECT_LE(0, r) TH_LOG("vCPU 1: %s", strerror(-r));
	if (r >= 0)
		close(r);
	close(vm);
	close(sys);
}

/* RIP at the IN; GET/SET_REGS; the next KVM_RUN loads AL and moves on. */
TEST_F(qemu, pio_in_completes_after_set_regs)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;

	INIT(q_in, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_IN8, 1, KVM_EXIT_IO_IN);
	ASSERT_EQ(0, regs_roundtrip(v->fd, &regs));
	EXPECT_EQ(QADDR(q_in, guest_q_in_insn), regs.rip);
	svxu_io_set(v->run, 0x5a);
	ASSERT_OUT32(v, PORT_ECHO8, 0xffffff5a);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* Userspace moved RIP: the IN is dropped, RAX stays, the guest goes on there. */
TEST_F(qemu, pio_in_dropped_when_rip_moved)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;

	INIT(q_in, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_IN8, 1, KVM_EXIT_IO_IN);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rip = QADDR(q_in, guest_q_in_alt);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	svxu_io_set(v->run, 0x5a);
	ASSERT_OUT32(v, PORT_ECHO16, 0xffffffff);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* RIP at the OUT; GET/SET_REGS; the OUT is done once, not again. */
TEST_F(qemu, pio_out_completes_after_set_regs)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;

	INIT(q_out, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rax = 0x77;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x77, svxu_io_value(v->run) & 0xff);
	ASSERT_EQ(0, regs_roundtrip(v->fd, &regs));
	EXPECT_EQ(QADDR(q_out, guest_q_out_start), regs.rip);
	/* a register other than RIP may change: the OUT still completes */
	regs.rax = 0xabcd;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_OUT32(v, PORT_RESULT, 0xabcd);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/*
 * Userspace moved RIP to the next instruction itself: the OUT is dropped,
 * not completed on top (which would skip that instruction).
 */
TEST_F(qemu, pio_out_dropped_when_rip_moved)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;

	INIT(q_out, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rip = QADDR(q_out, guest_q_out_next);
	regs.rax = 0x1111;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_OUT32(v, PORT_RESULT, 0x1111);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/*
 * OUT to 0x7e: RIP is past the OUT at the exit; QEMU reads it, writes it
 * back, and the guest goes on once (the kvmvapic ROM's "out %ax, $0x7e").
 */
TEST_F(qemu, pio_out_port_7e_rip_advanced)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;

	INIT(q_7e, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_7E, 2, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0x1234, svxu_io_value(v->run) & 0xffff);
	ASSERT_EQ(0, regs_roundtrip(v->fd, &regs));
	EXPECT_EQ(QADDR(q_7e, guest_q_7e_next), regs.rip);
	ASSERT_OUT32(v, PORT_RESULT, 0x5678);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* The same without a register round trip: still done once. */
TEST_F(qemu, pio_out_port_7e_once)
{
	struct svxu_vcpu *v = &self->g.vcpu;

	INIT(q_7e, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_7E, 2, KVM_EXIT_IO_OUT);
	ASSERT_OUT32(v, PORT_RESULT, 0x5678);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* ------------------------------------------------------------------ */
/* MSRs                                                                 */

#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_UCODE_REV		0x8b
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC0_CTL		0x400
#define MSR_MC0_CTL2		0x280
#define MCG_CTL_P		(1ULL << 8)
#define MCG_EXT_P		(1ULL << 9)
#define MCG_SER_P		(1ULL << 24)
#define MCI_STATUS_VAL		(1ULL << 63)
#define MCI_STATUS_UC		(1ULL << 61)
#define MCI_STATUS_EN		(1ULL << 60)
#define MCI_STATUS_PCC		(1ULL << 57)
#define MCG_STATUS_RIPV		(1ULL << 0)
#define MCG_STATUS_MCIP		(1ULL << 2)
/* QEMU 7.2's MCE_CAP_DEF | MCE_BANKS_DEF */
#define QEMU_MCG_CAP		(MCG_CTL_P | MCG_SER_P | 10)

struct msrs {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[128];
};

static void msr_add(struct msrs *m, uint32_t index, uint64_t data)
{
	m->e[m->hdr.nmsrs].index = index;
	m->e[m->hdr.nmsrs].reserved = 0;
	m->e[m->hdr.nmsrs].data = data;
	m->hdr.nmsrs++;
}

/* one MSR through KVM_SET_MSRS/KVM_GET_MSRS (fd: vCPU or system fd) */
static int msr_set1(int fd, uint32_t index, uint64_t data)
{
	struct msrs m = { .hdr.nmsrs = 0 };

	msr_add(&m, index, data);
	return svxu_ioctl(fd, KVM_SET_MSRS, (unsigned long)&m);
}

static int msr_get1(int fd, uint32_t index, uint64_t *data)
{
	struct msrs m = { .hdr.nmsrs = 0 };
	int r;

	msr_add(&m, index, 0x5a5a5a5a5a5a5a5aULL);
	r = svxu_ioctl(fd, KVM_GET_MSRS, (unsigned long)&m);
	*data = m.e[0].data;
	return r;
}

static bool in_list(int sys_fd, unsigned long ioctl, uint32_t index)
{
	struct { struct kvm_msr_list l; uint32_t i[1024]; } list;
	uint32_t k;

	list.l.nmsrs = 1024;
	if (svxu_ioctl(sys_fd, ioctl, (unsigned long)&list))
		return false;
	for (k = 0; k < list.l.nmsrs; k++)
		if (list.i[k] == index)
			return true;
	return false;
}

/*
 * What QEMU 7.2 writes at a vCPU reset for -cpu qemu64 (kvm_put_msrs,
 * KVM_PUT_RESET_STATE) with the MSR index list and the capabilities
 * both devices give: KVM_SET_MSRS must take all of them (QEMU asserts the
 * count) and KVM_GET_MSRS give them back.
 */
TEST_F(qemu, msrs_qemu_writes_at_reset)
{
	int fd, r, i, nfix = 0;
	uint32_t fixed[11] = { 0x250, 0x258, 0x259 };
	uint64_t mcg = QEMU_MCG_CAP;
	struct msrs m = { .hdr.nmsrs = 0 }, g;

	INIT(q_out, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	ASSERT_LT(0, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&mcg));
	for (i = 0; i < 8; i++)
		fixed[3 + i] = 0x268 + i;
	nfix = 11;
	msr_add(&m, 0x174, 0);				/* SYSENTER_CS */
	msr_add(&m, 0x175, 0);
	msr_add(&m, 0x176, 0);
	msr_add(&m, 0x277, 0x0007040600070406ULL);	/* PAT */
	msr_add(&m, 0xc0000081, 0);			/* STAR */
	if (in_list(self->g.vm.sys_fd, KVM_GET_MSR_INDEX_LIST, 0x3b))
		msr_add(&m, 0x3b, 0);			/* TSC_ADJUST */
	msr_add(&m, 0x1a0, 1);				/* MISC_ENABLE */
	msr_add(&m, 0xc0000083, 0);			/* CSTAR */
	msr_add(&m, 0xc0000102, 0);			/* KERNEL_GS_BASE */
	msr_add(&m, 0xc0000084, 0);			/* FMASK */
	msr_add(&m, 0xc0000082, 0);			/* LSTAR */
	msr_add(&m, MSR_KVM_SYSTEM_TIME, 0);
	msr_add(&m, MSR_KVM_WALL_CLOCK, 0);
	msr_add(&m, 0x2ff, 0);				/* MTRRdefType */
	for (i = 0; i < nfix; i++)
		msr_add(&m, fixed[i], 0);
	for (i = 0; i < 16; i++)			/* MTRRphysBase/Mask */
		msr_add(&m, 0x200 + i, 0);
	msr_add(&m, MSR_MCG_STATUS, 0);
	msr_add(&m, MSR_MCG_CTL, ~0ULL);
	for (i = 0; i < 40; i++)
		msr_add(&m, MSR_MC0_CTL + i, (i & 3) ? 0 : ~0ULL);
	r = svxu_ioctl(fd, KVM_SET_MSRS, (unsigned long)&m);
	ASSERT_EQ((int)m.hdr.nmsrs, r) TH_LOG("stopped at MSR %#x",
		r >= 0 && r < (int)m.hdr.nmsrs ? m.e[r].index : 0);
	g = m;
	for (i = 0; i < (int)g.hdr.nmsrs; i++)
		g.e[i].data = 0x5a5a5a5a5a5a5a5aULL;
	r = svxu_ioctl(fd, KVM_GET_MSRS, (unsigned long)&g);
	ASSERT_EQ((int)g.hdr.nmsrs, r) TH_LOG("stopped at MSR %#x",
		r >= 0 && r < (int)g.hdr.nmsrs ? g.e[r].index : 0);
	for (i = 0; i < (int)g.hdr.nmsrs; i++)
		EXPECT_EQ(m.e[i].data, g.e[i].data) TH_LOG("MSR %#x", m.e[i].index);
	ASSERT_PIO(&self->g.vcpu, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
}

/* kvmclock's MSRs: 0 (off) accepted and read back, as KVM (kvmclock_test) */
TEST_F(qemu, msrs_kvmclock_off)
{
	uint64_t d;

	INIT(q_out, SVXU_MODE_PM32);
	EXPECT_EQ(1, msr_set1(self->g.vcpu.fd, MSR_KVM_SYSTEM_TIME, 0));
	EXPECT_EQ(1, msr_set1(self->g.vcpu.fd, MSR_KVM_WALL_CLOCK, 0));
	EXPECT_EQ(1, msr_get1(self->g.vcpu.fd, MSR_KVM_SYSTEM_TIME, &d));
	EXPECT_EQ(0, d);
	EXPECT_EQ(1, msr_get1(self->g.vcpu.fd, MSR_KVM_WALL_CLOCK, &d));
	EXPECT_EQ(0, d);
}

/* MCE state as KVM before and after KVM_X86_SETUP_MCE */
TEST_F(qemu, mce_setup_and_msrs)
{
	uint64_t d, cap, sup = 0;
	int fd;

	INIT(q_out, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	EXPECT_EQ(32, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.sys_fd, KVM_X86_GET_MCE_CAP_SUPPORTED,
				(unsigned long)&sup));
	EXPECT_EQ(MCG_CTL_P | MCG_SER_P, sup & (MCG_CTL_P | MCG_SER_P));
	EXPECT_EQ(0, sup & MCG_EXT_P);
	/* the default: 32 banks, no MCG_CTL */
	ASSERT_EQ(1, msr_get1(fd, MSR_MCG_CAP, &d));
	EXPECT_EQ(32, d);
	EXPECT_EQ(0, msr_set1(fd, MSR_MCG_CTL, ~0ULL));	/* no MCG_CTL_P */
	EXPECT_EQ(1, msr_set1(fd, MSR_MCG_CTL, 0));
	EXPECT_EQ(0, msr_set1(fd, MSR_MCG_CAP, 32));	/* read-only */
	EXPECT_EQ(1, msr_get1(fd, MSR_MC0_CTL + 32 * 4 - 1, &d));
	EXPECT_EQ(0, msr_get1(fd, MSR_MC0_CTL + 32 * 4, &d));
	/* bad setups */
	cap = 0;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&cap));
	cap = 33;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&cap));
	cap = MCG_EXT_P | 4;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&cap));
	EXPECT_EQ(-EFAULT, svxu_ioctl(fd, KVM_X86_SETUP_MCE, 8));
	/* QEMU's */
	cap = QEMU_MCG_CAP;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&cap));
	ASSERT_EQ(1, msr_get1(fd, MSR_MCG_CAP, &d));
	EXPECT_EQ(QEMU_MCG_CAP, d);
	ASSERT_EQ(1, msr_get1(fd, MSR_MCG_CTL, &d));
	EXPECT_EQ(~0ULL, d);
	ASSERT_EQ(1, msr_get1(fd, MSR_MC0_CTL + 9 * 4, &d));	/* MC9_CTL */
	EXPECT_EQ(~0ULL, d);
	EXPECT_EQ(0, msr_get1(fd, MSR_MC0_CTL + 10 * 4, &d));	/* no MC10 */
	EXPECT_EQ(0, msr_set1(fd, MSR_MCG_CTL, 5));
	EXPECT_EQ(0, msr_set1(fd, MSR_MC0_CTL + 4, 5));
	EXPECT_EQ(1, msr_set1(fd, MSR_MC0_CTL + 4, ~0ULL & ~(1ULL << 10) & ~1ULL));
	EXPECT_EQ(1, msr_set1(fd, MSR_MC0_CTL + 5, MCI_STATUS_VAL));	/* host */
	/* no CMCI: MCi_CTL2 read as 0 and written 0 by the host only */
	EXPECT_EQ(1, msr_get1(fd, MSR_MC0_CTL2, &d));
	EXPECT_EQ(0, d);
	EXPECT_EQ(1, msr_set1(fd, MSR_MC0_CTL2, 0));
	EXPECT_EQ(0, msr_set1(fd, MSR_MC0_CTL2, 1));
	EXPECT_EQ(0, msr_get1(fd, MSR_MC0_CTL2 + 10, &d));
}

/* KVM_X86_SET_MCE: a corrected error is logged; an uncorrected one with
 * CR4.MCE clear is a triple fault at the next KVM_RUN. */
TEST_F(qemu, mce_inject)
{
	struct kvm_x86_mce mce;
	uint64_t cap = QEMU_MCG_CAP, d;
	int fd;

	INIT(q_out, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	memset(&mce, 0, sizeof(mce));
	mce.bank = 2;
	mce.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x17;
	mce.addr = 0x1234000;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_X86_SETUP_MCE, (unsigned long)&cap));
	mce.bank = 10;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_X86_SET_MCE, (unsigned long)&mce));
	mce.bank = 2;
	mce.status &= ~MCI_STATUS_VAL;
	EXPECT_EQ(-EINVAL, svxu_ioctl(fd, KVM_X86_SET_MCE, (unsigned long)&mce));
	mce.status |= MCI_STATUS_VAL;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_X86_SET_MCE, (unsigned long)&mce));
	ASSERT_EQ(1, msr_get1(fd, MSR_MC0_CTL + 2 * 4 + 1, &d));
	EXPECT_EQ(mce.status, d);
	ASSERT_EQ(1, msr_get1(fd, MSR_MC0_CTL + 2 * 4 + 2, &d));
	EXPECT_EQ(0x1234000, d);
	/* uncorrected, action required, CR4.MCE = 0: shutdown */
	mce.bank = 3;
	mce.status = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
		     MCI_STATUS_PCC;
	mce.mcg_status = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_X86_SET_MCE, (unsigned long)&mce));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_SHUTDOWN);
}

/* KVM_GET_MSR_FEATURE_INDEX_LIST and KVM_GET_MSRS on the system fd */
TEST_F(qemu, feature_msrs)
{
	struct { struct kvm_msr_list l; uint32_t i[256]; } list;
	int sys, r;
	uint64_t d;

	INIT(q_out, SVXU_MODE_PM32);
	sys = self->g.vm.sys_fd;
	ASSERT_EQ(1, svxu_ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES));
	list.l.nmsrs = 0;
	EXPECT_EQ(-E2BIG, svxu_ioctl(sys, KVM_GET_MSR_FEATURE_INDEX_LIST,
				     (unsigned long)&list));
	EXPECT_LT(0, list.l.nmsrs);
	EXPECT_TRUE(in_list(sys, KVM_GET_MSR_FEATURE_INDEX_LIST, MSR_UCODE_REV));
	r = msr_get1(sys, MSR_UCODE_REV, &d);
	EXPECT_EQ(1, r);
	TH_LOG("%s: UCODE_REV %#llx", svxu_dev(), (unsigned long long)d);
	/* not a feature MSR: 0 read, its data zeroed */
	EXPECT_EQ(0, msr_get1(sys, 0x12345, &d));
	EXPECT_EQ(0, d);
	/* and the vCPU MSR list has what QEMU reads for MCE */
	EXPECT_TRUE(in_list(sys, KVM_GET_MSR_INDEX_LIST, MSR_MCG_CTL));
	EXPECT_TRUE(in_list(sys, KVM_GET_MSR_INDEX_LIST, MSR_MCG_STATUS));
}

#define MSR_PLATFORM_INFO		0xce
#define MSR_MISC_FEATURES_ENABLES	0x140
#define PLATFORM_INFO_CPUID_FAULT	0x80000000ULL

/*
 * MSR_PLATFORM_INFO and MSR_MISC_FEATURES_ENABLES from the VMM's side, as
 * KVM's: both listed; PLATFORM_INFO offers CPUID faulting at reset and
 * cannot withdraw it while MISC_FEATURES_ENABLES has it on; only bit 0 of
 * MISC_FEATURES_ENABLES exists, and only while offered;
 * KVM_CAP_MSR_PLATFORM_INFO is enabled with flags 0.
 */
TEST_F(qemu, platform_info_and_cpuid_faulting)
{
	int v, sys;
	uint64_t d;

	INIT(q_out, SVXU_MODE_PM32);
	v = self->g.vcpu.fd;
	sys = self->g.vm.sys_fd;
	ASSERT_EQ(1, svxu_ioctl(sys, KVM_CHECK_EXTENSION,
				KVM_CAP_MSR_PLATFORM_INFO));
	EXPECT_TRUE(in_list(sys, KVM_GET_MSR_INDEX_LIST, MSR_PLATFORM_INFO));
	EXPECT_TRUE(in_list(sys, KVM_GET_MSR_INDEX_LIST,
			    MSR_MISC_FEATURES_ENABLES));
	ASSERT_EQ(0, svxu_get_msr(v, MSR_PLATFORM_INFO, &d));
	EXPECT_EQ(PLATFORM_INFO_CPUID_FAULT, d);
	ASSERT_EQ(0, svxu_get_msr(v, MSR_MISC_FEATURES_ENABLES, &d));
	EXPECT_EQ(0, d);
	EXPECT_EQ(-EIO, svxu_set_msr(v, MSR_MISC_FEATURES_ENABLES, 2));
	ASSERT_EQ(0, svxu_set_msr(v, MSR_MISC_FEATURES_ENABLES, 1));
	EXPECT_EQ(-EIO, svxu_set_msr(v, MSR_PLATFORM_INFO, 0));
	ASSERT_EQ(0, svxu_set_msr(v, MSR_MISC_FEATURES_ENABLES, 0));
	ASSERT_EQ(0, svxu_set_msr(v, MSR_PLATFORM_INFO, 0xff00));
	EXPECT_EQ(-EIO, svxu_set_msr(v, MSR_MISC_FEATURES_ENABLES, 1));
	ASSERT_EQ(0, svxu_get_msr(v, MSR_PLATFORM_INFO, &d));
	EXPECT_EQ(0xff00, d);
	EXPECT_EQ(-EINVAL, enable_cap(self->g.vm.fd, KVM_CAP_MSR_PLATFORM_INFO,
				      1, 1));
	EXPECT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_MSR_PLATFORM_INFO, 0, 0));
	EXPECT_EQ(0, enable_cap(self->g.vm.fd, KVM_CAP_MSR_PLATFORM_INFO, 0, 1));
}

TEST_HARNESS_MAIN
