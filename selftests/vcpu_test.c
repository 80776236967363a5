// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU fd: kvm_run mmap, KVM_GET/SET_REGS, KVM_GET/SET_SREGS,
 * KVM_SET_CPUID2 as seen by a guest's CPUID, KVM_GET/SET_MSRS (and a guest's
 * rdmsr/wrmsr), KVM_RUN's argument, unknown ioctls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svx.h"

SVX_GUEST_FIXTURE(vcpu);

TEST_F(vcpu, kvm_run_mmap)
{
	int sz, fd;
	struct kvm_run *run;

	INIT(hlt, SVXU_MODE_PM32);
	sz = svxu_ioctl(self->g.vm.sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_GE(sz, 4096);
	fd = self->g.vcpu.fd;
	/* a second, independent mapping sees the same page */
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, run);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(KVM_EXIT_HLT, run->exit_reason);
	munmap(run, sz);
}

TEST_F(vcpu, regs_round_trip)
{
	struct kvm_regs in, out;
	uint64_t *p = (uint64_t *)&in;
	size_t i;

	INIT(hlt, SVXU_MODE_LONG64);
	for (i = 0; i < sizeof(in) / 8; i++)
		p[i] = 0x0101010101010101ULL * (i + 1) + 0x1000;
	in.rip = SVX_CODE;
	in.rflags = 0x2 | 0x1 | 0x40 | 0x800;	/* CF ZF OF */
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS, (unsigned long)&in));
	memset(&out, 0, sizeof(out));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&out));
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));
	/* and the guest really runs from there with those registers */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&out));
	ASSERT_EQ(SVX_CODE + 1, out.rip);
	ASSERT_EQ(in.rax, out.rax);
	ASSERT_EQ(in.r15, out.r15);
}

static int seg_eq(const struct kvm_segment *a, const struct kvm_segment *b)
{
	return a->base == b->base && a->limit == b->limit &&
	       a->selector == b->selector && a->type == b->type &&
	       a->present == b->present && a->dpl == b->dpl &&
	       a->db == b->db && a->s == b->s && a->l == b->l && a->g == b->g;
}

static void check_sregs(struct __test_metadata *_metadata, int fd,
			const struct kvm_sregs *in)
{
	struct kvm_sregs out;

	memset(&out, 0, sizeof(out));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&out));
	EXPECT_TRUE(seg_eq(&in->cs, &out.cs));
	EXPECT_TRUE(seg_eq(&in->ds, &out.ds));
	EXPECT_TRUE(seg_eq(&in->es, &out.es));
	EXPECT_TRUE(seg_eq(&in->fs, &out.fs));
	EXPECT_TRUE(seg_eq(&in->gs, &out.gs));
	EXPECT_TRUE(seg_eq(&in->ss, &out.ss));
	EXPECT_TRUE(seg_eq(&in->tr, &out.tr));
	EXPECT_EQ(1, out.ldt.unusable);
	EXPECT_EQ(in->gdt.base, out.gdt.base);
	EXPECT_EQ(in->gdt.limit, out.gdt.limit);
	EXPECT_EQ(in->idt.base, out.idt.base);
	EXPECT_EQ(in->idt.limit, out.idt.limit);
	EXPECT_EQ(in->cr0, out.cr0);
	EXPECT_EQ(in->cr2, out.cr2);
	EXPECT_EQ(in->cr3, out.cr3);
	EXPECT_EQ(in->cr4, out.cr4);
	EXPECT_EQ(in->efer, out.efer);
	EXPECT_EQ(in->apic_base, out.apic_base);
}

TEST_F(vcpu, sregs_round_trip)
{
	struct kvm_sregs sr;
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&sr));
	/* protected mode, with distinctive (valid) values */
	sr.fs.base = 0x12345000;
	sr.gs.base = 0x0abcd000;
	sr.cr2 = 0xcafe0000;
	sr.gdt.limit = 0x27;
	sr.idt.base = 0x400;
	sr.idt.limit = 0xff;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr));
	check_sregs(_metadata, fd, &sr);

	/* long mode */
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.fs.base = 0xffff888012345000ULL;
	sr.cr2 = 0xffffffff81000000ULL;
	ASSERT_EQ(0, svxu_ioctl(fd, KVM_SET_SREGS, (unsigned long)&sr));
	check_sregs(_metadata, fd, &sr);
	ASSERT_EQ(0x500, sr.efer);
	ASSERT_EQ(1, sr.cs.l);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/* A guest's CPUID returns exactly what KVM_SET_CPUID2 set. */
TEST_F(vcpu, set_cpuid2_seen_by_guest)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[4];
	} c;
	struct kvm_regs regs;
	struct svxu_vcpu *v = &self->g.vcpu;

	INIT(cpuid, SVXU_MODE_PM32);
	memset(&c, 0, sizeof(c));
	c.h.nent = 4;
	c.e[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 1,
		.ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e };
	c.e[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x306a9,
		.edx = 0x78bfbff };
	c.e[2] = (struct kvm_cpuid_entry2){ .function = CPUID_TEST_LEAF,
		.eax = CPUID_TEST_LEAF2, .ebx = 0x64616853 /* "Shad" */,
		.ecx = 0x6d56776f /* "owVm" */, .edx = 0x74735478 /* "xTst" */ };
	c.e[3] = (struct kvm_cpuid_entry2){ .function = CPUID_TEST_LEAF2,
		.eax = 0x13579bdf, .ebx = 0x2468ace0, .ecx = 0xfedcba98,
		.edx = 0x01234567 };
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_CPUID2, (unsigned long)&c));

	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(CPUID_TEST_LEAF2, regs.rax);
	ASSERT_EQ(0x64616853, regs.rbx);
	ASSERT_EQ(0x6d56776f, regs.rcx);
	ASSERT_EQ(0x74735478, regs.rdx);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(0x13579bdf, regs.rax);
	ASSERT_EQ(0x2468ace0, regs.rbx);
	ASSERT_EQ(0xfedcba98, regs.rcx);
	ASSERT_EQ(0x01234567, regs.rdx);
}

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_TSC			0x10

/*
 * SYSENTER_ESP/EIP use 32-bit values: SVM keeps only the low half unless
 * the guest's CPUID vendor is Intel; VMX keeps 64 bits.
 */
static const struct { uint32_t index; uint64_t val; } msr_vals[] = {
	{ MSR_EFER, 0x901 },				/* SCE LME NXE */
	{ MSR_STAR, 0x0023001012345678ULL },
	{ MSR_LSTAR, 0xffffffff81000000ULL },
	{ MSR_CSTAR, 0xffffffff82000040ULL },
	{ MSR_SYSCALL_MASK, 0x47700 },
	{ MSR_FS_BASE, 0x00007f0012345000ULL },
	{ MSR_GS_BASE, 0xffff888000001000ULL },
	{ MSR_KERNEL_GS_BASE, 0x00007ffff7dd0000ULL },
	{ MSR_SYSENTER_CS, 0x10 },
	{ MSR_SYSENTER_ESP, 0x12345670 },
	{ MSR_SYSENTER_EIP, 0x0badc0d0 },
	{ MSR_PAT, 0x0007010600070104ULL },
};
#define NR_MSR_VALS (sizeof(msr_vals) / sizeof(msr_vals[0]))

TEST_F(vcpu, msrs_round_trip)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[NR_MSR_VALS];
	} m;
	size_t i;
	int fd;

	INIT(hlt, SVXU_MODE_PM32);
	fd = self->g.vcpu.fd;
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = NR_MSR_VALS;
	for (i = 0; i < NR_MSR_VALS; i++) {
		m.e[i].index = msr_vals[i].index;
		m.e[i].data = msr_vals[i].val;
	}
	/* KVM_SET_MSRS / KVM_GET_MSRS return the number of MSRs done */
	ASSERT_EQ((int)NR_MSR_VALS, svxu_ioctl(fd, KVM_SET_MSRS, (unsigned long)&m));
	for (i = 0; i < NR_MSR_VALS; i++)
		m.e[i].data = 0xdeadbeefdeadbeefULL;
	ASSERT_EQ((int)NR_MSR_VALS, svxu_ioctl(fd, KVM_GET_MSRS, (unsigned long)&m));
	for (i = 0; i < NR_MSR_VALS; i++)
		EXPECT_EQ(msr_vals[i].val, m.e[i].data)
			TH_LOG("MSR 0x%x", msr_vals[i].index);
	/* the vCPU still runs (EFER.LME without CR0.PG is legal) */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

TEST_F(vcpu, msr_tsc_set_then_read)
{
	const uint64_t set = 1ULL << 40;
	uint64_t got;

	/*
	 * KVM (kvm_synchronize_tsc) honours a host-initiated TSC write that is
	 * not within 1 s of the expected value: it sets the offset so the
	 * guest TSC continues from @set.  kvm_pvm ignores the write.
	 */
	if (svxu_dev_is_kvm_pvm())
		SKIP(return, "/dev/kvm is kvm_pvm, which ignores host-initiated "
		     "TSC writes (kvm_intel/kvm_amd honour them)");
	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_msr(self->g.vcpu.fd, MSR_TSC, set));
	ASSERT_EQ(0, svxu_get_msr(self->g.vcpu.fd, MSR_TSC, &got));
	ASSERT_GE(got, set);
	ASSERT_LT(got - set, 1ULL << 38) TH_LOG("TSC 0x%llx", (unsigned long long)got);
}

/* An unknown MSR index stops KVM_GET_MSRS at that entry. */
TEST_F(vcpu, msrs_stop_at_unknown_index)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} m;

	INIT(hlt, SVXU_MODE_PM32);
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 3;
	m.e[0].index = MSR_STAR;
	m.e[1].index = 0x3fff0000;	/* no such MSR */
	m.e[2].index = MSR_LSTAR;
	ASSERT_EQ(1, svxu_ioctl(self->g.vcpu.fd, KVM_GET_MSRS, (unsigned long)&m));
}

/* A guest's rdmsr sees the host's KVM_SET_MSRS and vice versa. */
TEST_F(vcpu, guest_rdmsr_wrmsr_star)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;
	uint64_t star;

	INIT(msr, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_msr(v->fd, MSR_STAR, 0x1122334455667788ULL));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rsi = 0x0aaa0bbb;		/* edx for wrmsr */
	regs.rdi = 0x0ccc0ddd;		/* eax for wrmsr */
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_OUT32(v, PORT_RESULT, 0x55667788);
	ASSERT_OUT32(v, PORT_RESULT2, 0x11223344);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_get_msr(v->fd, MSR_STAR, &star));
	ASSERT_EQ(0x0aaa0bbb0ccc0dddULL, star);
}

/* KVM_RUN takes no argument: anything else is -EINVAL. */
TEST_F(vcpu, run_nonzero_arg_einval)
{
	struct kvm_regs regs;

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_RUN, 1));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(SVX_CODE, regs.rip);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/* KVM: kvm_vcpu_ioctl -> kvm_arch_vcpu_ioctl's default: -EINVAL. */
TEST_F(vcpu, unknown_ioctl_einval)
{
	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, _IO(KVMIO, 0xff), 0));
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, _IOW(KVMIO, 0xfe, int), 0));
}

/*
 * KVM_GET_CPUID2 returns the table KVM_SET_CPUID2 took (the library sets 5
 * entries); an array too small is -E2BIG.  KVM 6.1 never writes nent back
 * (later kernels set it on success), so nent is 5 or the caller's 8.
 */
TEST_F(vcpu, get_cpuid2_round_trip)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[8];
	} c;

	INIT(hlt, SVXU_MODE_PM32);
	memset(&c, 0, sizeof(c));
	c.h.nent = 4;
	ASSERT_EQ(-E2BIG, svxu_ioctl(self->g.vcpu.fd, KVM_GET_CPUID2,
				    (unsigned long)&c));
	ASSERT_EQ(4, c.h.nent);
	c.h.nent = 8;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_CPUID2,
			       (unsigned long)&c));
	ASSERT_TRUE(c.h.nent == 5 || c.h.nent == 8) TH_LOG("nent %u", c.h.nent);
	ASSERT_EQ(0, c.e[5].function);		/* not written */
	ASSERT_EQ(0, c.e[0].function);
	ASSERT_EQ(1, c.e[1].function);
	ASSERT_EQ(0x80000008, c.e[4].function);
	c.e[0].eax = 0x7;
	c.h.nent = 1;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2,
			       (unsigned long)&c));
	c.h.nent = 8;
	c.e[0].eax = 0;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_CPUID2,
			       (unsigned long)&c));
	ASSERT_TRUE(c.h.nent == 1 || c.h.nent == 8) TH_LOG("nent %u", c.h.nent);
	ASSERT_EQ(0x7, c.e[0].eax);
}

/*
 * KVM_GET/SET_FPU and KVM_GET/SET_DEBUGREGS: every field KVM keeps comes
 * back as set, the guest sees XMM0 and DR0/DR7 as set, and the guest's
 * write to XMM1 is in the next KVM_GET_FPU.  Bad debugregs: -EINVAL.
 */
TEST_F(vcpu, fpu_and_debugregs)
{
	struct kvm_fpu fpu, out;
	struct kvm_debugregs d, dout;
	struct kvm_sregs sr;
	int i;

	INIT(fpu_dr, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.cr4 |= 0x200;			/* OSFXSR */
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr));

	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_FPU, (unsigned long)&fpu));
	for (i = 0; i < 128; i++)
		fpu.fpr[i / 16][i % 16] = i * 3;
	fpu.fcw = 0x037f;
	fpu.fsw = 0x3800;
	fpu.ftwx = 0x81;
	fpu.last_opcode = 0x123;
	fpu.last_ip = 0x12345678;
	fpu.last_dp = 0x9abcdef0;
	for (i = 0; i < 256; i++)
		fpu.xmm[i / 16][i % 16] = 0xff - i;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_FPU, (unsigned long)&fpu));
	memset(&out, 0x55, sizeof(out));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_FPU, (unsigned long)&out));
	EXPECT_EQ(0, memcmp(fpu.fpr, out.fpr, sizeof(fpu.fpr)));
	EXPECT_EQ(fpu.fcw, out.fcw);
	EXPECT_EQ(fpu.fsw, out.fsw);
	EXPECT_EQ(fpu.ftwx, out.ftwx);
	EXPECT_EQ(fpu.last_opcode, out.last_opcode);
	EXPECT_EQ(fpu.last_ip, out.last_ip);
	EXPECT_EQ(fpu.last_dp, out.last_dp);
	EXPECT_EQ(0, memcmp(fpu.xmm, out.xmm, sizeof(fpu.xmm)));

	memset(&d, 0, sizeof(d));
	d.db[0] = 0x12340000;
	d.db[1] = 0x1111;
	d.db[2] = 0x2222;
	d.db[3] = 0x3333;
	d.dr6 = 0xffff0ff0;
	d.dr7 = 0x400;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEBUGREGS, (unsigned long)&d));
	memset(&dout, 0x55, sizeof(dout));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_DEBUGREGS, (unsigned long)&dout));
	EXPECT_EQ(0, memcmp(d.db, dout.db, sizeof(d.db)));
	EXPECT_EQ(d.dr6, dout.dr6);
	EXPECT_EQ(d.dr7, dout.dr7);
	EXPECT_EQ(0, dout.flags);

	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 0xfcfdfeff);	/* XMM0 */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0x12340000);	/* DR0 */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT2, 0x400);	/* DR7 */
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_FPU, (unsigned long)&out));
	EXPECT_EQ(0x600dcafe, out.xmm[1][0] | out.xmm[1][1] << 8 |
			      out.xmm[1][2] << 16 | (uint32_t)out.xmm[1][3] << 24);

	d.flags = 1;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEBUGREGS, (unsigned long)&d));
	d.flags = 0;
	d.dr7 = 1ULL << 32;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEBUGREGS, (unsigned long)&d));
	d.dr7 = 0x400;
	d.dr6 = 1ULL << 32;
	EXPECT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_DEBUGREGS, (unsigned long)&d));
}

/*
 * KVM_GET/SET_MP_STATE without an in-kernel irqchip: RUNNABLE, and only
 * RUNNABLE can be set (kvm_arch_vcpu_ioctl_set_mpstate()).
 */
TEST_F(vcpu, mp_state_runnable_only)
{
	struct kvm_mp_state mp = { .mp_state = 0x55 };

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(1, svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,
				KVM_CAP_MP_STATE));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_MP_STATE, (unsigned long)&mp));
	ASSERT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_MP_STATE, (unsigned long)&mp));
	mp.mp_state = KVM_MP_STATE_HALTED;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_MP_STATE, (unsigned long)&mp));
	mp.mp_state = 99;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_MP_STATE, (unsigned long)&mp));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
}

/*
 * KVM_SET_VCPU_EVENTS as QEMU writes it with nothing to inject: exception
 * nr 0xff, pending set (ignored without exception payloads): accepted.
 * An injected exception with a bad vector: -EINVAL.
 */
TEST_F(vcpu, set_vcpu_events_as_qemu_writes_them)
{
	struct kvm_vcpu_events ev;

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_VCPU_EVENTS, (unsigned long)&ev));
	ev.exception.nr = 0xff;
	ev.exception.injected = 0;
	ev.exception.pending = 1;
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_VCPU_EVENTS, (unsigned long)&ev));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ev.exception.injected = 1;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, KVM_SET_VCPU_EVENTS, (unsigned long)&ev));
}

/*
 * A CPUID table of the largest size (256 entries, 10 KiB: more than a page,
 * so KVM_SET_CPUID2 copies it with kvmalloc, which may come from vmalloc)
 * must be freed by VM destroy without a splat, 16 times over.  257 entries
 * is -E2BIG.  (The failure of that copy, and of every other allocation on
 * the way, is fault_inject_test.c's walk: Debian's kernels have no
 * fail_page_alloc to force the vmalloc fallback with.)
 */
TEST_F(vcpu, set_cpuid2_largest_table_then_destroy)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[257];
	} *c = calloc(1, sizeof(*c));
	int i, round;

	ASSERT_NE(NULL, c);
	for (i = 0; i < 257; i++)
		c->e[i] = (struct kvm_cpuid_entry2){ .function = 0x40000000 + i };
	for (round = 0; round < 16; round++) {
		INIT(hlt, SVXU_MODE_PM32);
		c->h.nent = 257;
		ASSERT_EQ(-E2BIG, svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2,
					    (unsigned long)c));
		c->h.nent = 256;
		i = svxu_ioctl(self->g.vcpu.fd, KVM_SET_CPUID2, (unsigned long)c);
		ASSERT_EQ(0, i) TH_LOG("KVM_SET_CPUID2: %s", strerror(-i));
		svxu_guest_fini(&self->g);	/* the VM's last reference */
	}
	free(c);
}

TEST_HARNESS_MAIN
