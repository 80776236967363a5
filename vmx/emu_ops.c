// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 emulator's host (x86/emulate.h's struct svx_x86_ops): guest
 * virtual reads and writes with the guest's permissions at its CPL,
 * physical accesses in the vCPU's address space (the one write path tells
 * the shadow MMU), segment bases from the VMCS, and the instruction fetch
 * at CS:RIP, which injects the #PF a fetch takes, as the CPU would.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>

#include "vmx_int.h"
#include "walker.h"
#include "vmx.h"
#include "vm.h"

/* A data read on the guest's behalf (movs source): its permissions. */
static int svx_emu_read_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	struct svx_walk w;

	return svx_guest_virt_access(vcpu, gva, buf, len,
				     svx_guest_cpl(vcpu) == 3 ?
				     SVX_ACC_USER : 0, &w) ? -EFAULT : 0;
}

/* A data write on the guest's behalf (push m): its permissions, A/D. */
static int svx_emu_write_virt(void *ctx, u64 gva, const void *buf,
			      unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	struct svx_walk w;

	return svx_guest_virt_access(vcpu, gva, (void *)buf, len,
				     SVX_ACC_WRITE |
				     (svx_guest_cpl(vcpu) == 3 ?
				      SVX_ACC_USER : 0), &w) ? -EFAULT : 0;
}

static int svx_emu_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	return svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, buf, len,
				 false);
}

/* The one write path: it tells the shadow MMU (svx_mmu_track_write()). */
static int svx_emu_write_phys(void *ctx, u64 gpa, const void *buf,
			      unsigned int len)
{
	return svx_write_guest_for(ctx, gpa, buf, len);
}

static int svx_emu_cmpxchg_phys(void *ctx, u64 gpa, void *old,
				const void *new, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	int r;

	/* in the vCPU's address space: SMRAM in SMM, as its reads */
	if (len == 16)
		return svx_host_cmpxchg16_gpa_as(vcpu->vm, svx_vcpu_as(vcpu),
						 gpa, old, new);
	r = svx_host_cmpxchg_gpa_as(vcpu->vm, svx_vcpu_as(vcpu), gpa,
				    *(u64 *)old, *(const u64 *)new, len);
	return r == -EROFS ? -EFAULT : r;	/* the emulator's contract */
}

static u64 svx_emu_seg_base(void *ctx, int seg)
{
	return svx_seg_base(ctx, seg);
}

static const struct svx_x86_ops svx_emu_ops = {
	.read_virt = svx_emu_read_virt,
	.read_phys = svx_emu_read_phys,
	.write_phys = svx_emu_write_phys,
	.cmpxchg_phys = svx_emu_cmpxchg_phys,
	.seg_base = svx_emu_seg_base,
	.write_virt = svx_emu_write_virt,
};

/* @mode known (the MMIO paths): no VMCS read */
void svx_emu_init_mode(struct svx_vcpu *vcpu, struct svx_x86_emu *e, int mode)
{
	e->ops = &svx_emu_ops;
	e->ctx = vcpu;
	e->mode = mode;
	e->regs = vcpu->regs;
	e->rflags = &vcpu->rflags;
	e->len = 0;
	e->retire = false;
	e->de = false;
}

void svx_emu_init(struct svx_vcpu *vcpu, struct svx_x86_emu *e)
{
	svx_emu_init_mode(vcpu, e, svx_code_mode(vcpu));
}

/*
 * Instruction fetches on the guest's behalf: with the guest's permissions
 * at its CPL (NX, SMEP, U/S; A set), as the CPU fetches.  The first read
 * (the bytes up to the end of the page) records its #PF in @ctx.
 */
struct svx_fetch_ctx {
	struct svx_vcpu *vcpu;
	u32 access;
	int reads;
	bool faulted;
	struct svx_walk fault;
};

static int svx_emu_fetch_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	struct svx_fetch_ctx *f = ctx;
	struct svx_walk w;
	int r;

	r = svx_guest_virt_access(f->vcpu, gva, buf, len, f->access, &w);
	if (r == 1 && !f->reads) {
		f->faulted = true;
		f->fault = w;
	}
	f->reads++;
	return r ? -EFAULT : 0;
}

static const struct svx_x86_ops svx_emu_fetch_ops = {
	.read_virt = svx_emu_fetch_virt,
};

/*
 * The instruction at the guest's CS:RIP: bytes fetched, -EAGAIN if the
 * fetch took a #PF (injected: the caller resumes the guest, as KVM's
 * emulator does), or -errno.
 */
static int svx_fetch_at(struct svx_vcpu *vcpu, bool user, u64 la, u8 *bytes)
{
	struct svx_fetch_ctx f = { .vcpu = vcpu, .access = SVX_ACC_FETCH };
	int r;

	if (user)
		f.access |= SVX_ACC_USER;
	r = svx_fetch_insn(&svx_emu_fetch_ops, &f, la, bytes);
	if (r < 0 && f.faulted) {
		vcpu->cr2 = f.fault.fault_addr;
		vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
		svx_inject_page_fault(vcpu, f.fault.error_code);
		return -EAGAIN;
	}
	return r;
}

int svx_fetch_guest_insn(struct svx_vcpu *vcpu, u8 *bytes)
{
	return svx_fetch_at(vcpu, svx_guest_cpl(vcpu) == 3,
			    svx_seg_base(vcpu, 1) + vcpu->rip, bytes);
}

/*
 * The MMIO path's fetch: the code size at CS (as svx_mmio_code_mode()),
 * the CPL and CS.base from one visit to the VMCS, then the bytes at
 * CS:RIP as svx_fetch_guest_insn() fetches them.
 */
int svx_mmio_fetch(struct svx_vcpu *vcpu, u8 *bytes, int *mode)
{
	bool lm = svx_guest_long_mode(vcpu);
	struct kvm_segment cs;
	u32 cs_ar, ss_ar;
	u64 base = 0;

	svx_vcpu_load(vcpu);
	cs_ar = svx_vmread(GUEST_CS_AR_BYTES);
	ss_ar = svx_vmread(GUEST_SS_AR_BYTES);
	*mode = svx_code_size(lm, cs_ar);
	if (*mode != 8)
		base = svx_vmread(GUEST_CS_BASE);
	/* big real mode (SMM): the guest's CS, not vm86's */
	if (svx_rmode_guest_seg(vcpu, 1, &cs)) {
		base = cs.base;
		*mode = cs.db ? 4 : 2;
	}
	svx_vcpu_put(vcpu);
	return svx_fetch_at(vcpu, !vcpu->rmode.active &&
			    ((ss_ar >> 5) & 3) == 3, base + vcpu->rip, bytes);
}
