// SPDX-License-Identifier: GPL-2.0
/*
 * SSE and MMX moves on MMIO (x86/emulate.c's svx_decode_vec(): movups,
 * movupd, movaps, movapd, movntps, movntpd, movdqa, movdqu, movntdq, MMX
 * movq), the set KVM's emulator (6.1) carries out, with its checks in its
 * order: LOCK #UD; CR0.EM, or CR4.OSFXSR clear for SSE, #UD; CR0.TS #NM;
 * a pending x87 exception #MF before an MMX access; a misaligned operand
 * of an aligned form #GP(0).  The guest's XMM/MMX registers are its FPU
 * state's (x86/fpu.c).
 *
 * An access wider than 8 bytes leaves in 8-byte pieces, one
 * KVM_EXIT_MMIO each, as KVM's complete_emulated_mmio() splits its
 * fragments: a load retires once its last piece is in, a store retires
 * first (KVM commits the instruction before its write exits) and then
 * writes its pieces, one per KVM_RUN.  Pieces in guest RAM or a ROM slot,
 * the in-kernel irqchip's or an ioeventfd's are done here without an exit.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include "vmx_int.h"
#include "svx_trace.h"
#include "../x86/fpu.h"

static int svx_frag_user(struct svx_vcpu *vcpu, u64 gpa, unsigned int n,
			 bool write)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, gpa, gpa, n, write);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = n;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, vcpu->mmio.frag_buf + vcpu->mmio.frag_done,
		       n);
	vcpu->pending = SVX_PENDING_MMIO_FRAG;
	return SVX_USER;
}

/* The load's register write and the retirement of the instruction. */
static int svx_vec_load_done(struct svx_vcpu *vcpu)
{
	struct svx_vec v;

	if (svx_decode_vec(vcpu->mmio.insn, vcpu->mmio.avail, vcpu->mmio.mode,
			   &v)) {
		svx_emulation_failure(vcpu, vcpu->mmio.insn, vcpu->mmio.avail,
				      "MMIO vector move no longer decodes");
		return SVX_USER;
	}
	if (v.mmx) {
		u64 q;

		memcpy(&q, vcpu->mmio.frag_buf, sizeof(q));
		svx_fpu_set_mmx(vcpu, v.reg, q);
	} else {
		sse128_t x;

		memcpy(&x, vcpu->mmio.frag_buf, sizeof(x));
		svx_fpu_set_xmm(vcpu, v.reg, &x);
	}
	vcpu->exit_insn_len = v.len;
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/* The pieces from vcpu->mmio.frag_done on. */
static int svx_frag_run(struct svx_vcpu *vcpu)
{
	bool store = vcpu->mmio.frag_store;

	while (vcpu->mmio.frag_done < vcpu->mmio.frag_size) {
		unsigned int done = vcpu->mmio.frag_done;
		unsigned int n = min(8U, vcpu->mmio.frag_size - done);
		u8 *p = vcpu->mmio.frag_buf + done;
		u64 gpa = vcpu->mmio.gpa + done;

		if (store) {
			if (svx_write_guest_for(vcpu, gpa, p, n) &&
			    !svx_irqchip_mmio(vcpu, gpa, true, p, n) &&
			    !svx_ioeventfd_mmio(vcpu, gpa, n, p))
				return svx_frag_user(vcpu, gpa, n, true);
		} else if (svx_read_guest_phys(vcpu->vm, gpa, p, n) &&
			   !svx_irqchip_mmio(vcpu, gpa, false, p, n)) {
			return svx_frag_user(vcpu, gpa, n, false);
		}
		vcpu->mmio.frag_done = done + n;
	}
	vcpu->mmio.frag = 0;
	return store ? SVX_RESUME : svx_vec_load_done(vcpu);
}

int svx_mmio_frag_complete(struct svx_vcpu *vcpu, const void *data)
{
	unsigned int done = vcpu->mmio.frag_done;
	unsigned int n;

	if (!vcpu->mmio.frag || done >= vcpu->mmio.frag_size) {
		vcpu->mmio.frag = 0;
		return SVX_RESUME;
	}
	n = min(8U, vcpu->mmio.frag_size - done);
	if (!vcpu->mmio.frag_store)
		memcpy(vcpu->mmio.frag_buf + done, data, n);
	vcpu->mmio.frag_done = done + n;
	return svx_frag_run(vcpu);
}

bool svx_mmio_vec(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		  int mode, u64 gpa, int *ret)
{
	struct svx_vec v;

	if (svx_decode_vec(bytes, avail, mode, &v))
		return false;
	vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	*ret = SVX_RESUME;
	if (v.lock || (vcpu->cr0 & X86_CR0_EM) ||
	    (!v.mmx && !(vcpu->cr4 & X86_CR4_OSFXSR))) {
		svx_inject_ud(vcpu);
		return true;
	}
	if (vcpu->cr0 & X86_CR0_TS) {
		svx_inject_exception(vcpu, X86_TRAP_NM, false, 0);
		return true;
	}
	if (v.mmx && (svx_fpu_get_fsw(vcpu) & 0x80)) {	/* ES */
		svx_inject_exception(vcpu, X86_TRAP_MF, false, 0);
		return true;
	}
	if (v.aligned && (gpa & (v.size - 1))) {
		svx_inject_gp(vcpu);
		return true;
	}
	if ((gpa & ~PAGE_MASK) + v.size > PAGE_SIZE) {
		svx_emulation_failure(vcpu, bytes, avail,
				      "MMIO vector move across a page");
		*ret = SVX_USER;
		return true;
	}
	memcpy(vcpu->mmio.insn, bytes, sizeof(vcpu->mmio.insn));
	vcpu->mmio.avail = avail;
	vcpu->mmio.mode = mode;
	vcpu->mmio.gpa = gpa;
	vcpu->mmio.frag = 1;
	vcpu->mmio.frag_store = v.store;
	vcpu->mmio.frag_size = v.size;
	vcpu->mmio.frag_done = 0;
	if (v.store) {
		if (v.mmx) {
			u64 q;

			svx_fpu_get_mmx(vcpu, v.reg, &q);
			memcpy(vcpu->mmio.frag_buf, &q, sizeof(q));
		} else {
			sse128_t x;

			svx_fpu_get_xmm(vcpu, v.reg, &x);
			memcpy(vcpu->mmio.frag_buf, &x, sizeof(x));
		}
		vcpu->exit_insn_len = v.len;
		svx_skip_insn(vcpu);
	}
	*ret = svx_frag_run(vcpu);
	return true;
}
