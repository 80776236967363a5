// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions on MMIO (movs, cmps, stos, lods, scas, with or
 * without REP): the host side of x86/emulate_string.c.  One iteration per
 * MMIO fault, as KVM's emulator: each operand of the iteration is
 * translated with the guest's permissions at its CPL (a #PF goes to the
 * guest); one in guest RAM is read or written here, one on MMIO leaves as
 * one KVM_EXIT_MMIO (a read completes on the next KVM_RUN, through
 * svx_mmio_string_complete()).  A REP form with iterations left keeps RIP
 * at the instruction: the guest executes it again and faults on its MMIO
 * operand again, so userspace sees one exit per MMIO access per iteration,
 * as with kvm_intel.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include "vmx_int.h"
#include "svx_trace.h"

/*
 * Translate the element at linear @la (@size bytes): svx_mmio_xlate(), or
 * -EFAULT if the element crosses a page (not emulated).
 */
static int svx_str_xlate(struct svx_vcpu *vcpu, u64 la, unsigned int size,
			 bool write, u64 *gpa)
{
	if ((la & ~PAGE_MASK) + size > PAGE_SIZE)
		return -EFAULT;
	return svx_mmio_xlate(vcpu, la, write, gpa);
}

static int svx_str_user(struct svx_vcpu *vcpu, u64 gpa, const u64 *val,
			unsigned int size, bool write)
{
	struct kvm_run *run = vcpu->run;

	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, gpa, gpa, size, write);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, val, size);
	else
		vcpu->pending = SVX_PENDING_MMIO_READ;
	return SVX_USER;
}

/* The iteration at the guest's registers, from operand vcpu->mmio.str_phase. */
static int svx_mmio_string_run(struct svx_vcpu *vcpu)
{
	struct svx_str_iter it;
	struct svx_x86_emu e;
	struct svx_strop s;
	u64 gpa = 0, store;
	int i, r;

	svx_emu_init_mode(vcpu, &e, vcpu->mmio.mode);
	if (svx_decode_strop(vcpu->mmio.insn, vcpu->mmio.avail, e.mode, &s)) {
		svx_emulation_failure(vcpu, vcpu->mmio.insn, vcpu->mmio.avail,
				      "MMIO string instruction no longer decodes");
		return SVX_USER;
	}
	if (!svx_str_next(&e, &s, &it)) {	/* REP with rCX = 0 */
		vcpu->exit_insn_len = s.len;
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	for (i = vcpu->mmio.str_phase; i < 2; i++) {
		u64 v = 0;

		if (!it.rd[i])
			continue;
		r = svx_str_xlate(vcpu, it.la[i], s.size, false, &gpa);
		if (r)
			goto fail;
		/* RAM (a read-only memslot too) or the in-kernel irqchip */
		if (!svx_read_guest_phys(vcpu->vm, gpa, &v, s.size) ||
		    svx_irqchip_mmio(vcpu, gpa, false, &v, s.size)) {
			vcpu->mmio.str_val[i] = v;
			continue;
		}
		vcpu->mmio.str_phase = i;
		vcpu->mmio.gpa = gpa;
		return svx_str_user(vcpu, gpa, NULL, s.size, false);
	}
	vcpu->mmio.str_phase = 0;
	if (it.wr) {
		r = svx_str_xlate(vcpu, it.la[1], s.size, true, &gpa);
		if (r)
			goto fail;
	}
	svx_str_commit(&e, &s, vcpu->mmio.str_val, &store);
	if (e.retire) {
		vcpu->exit_insn_len = e.len;
		svx_skip_insn(vcpu);
	}
	/* RAM, the in-kernel irqchip, or an ioeventfd (core/eventfd.c) */
	if (!it.wr || !svx_write_guest_for(vcpu, gpa, &store, s.size) ||
	    svx_irqchip_mmio(vcpu, gpa, true, &store, s.size) ||
	    svx_ioeventfd_mmio(vcpu, gpa, s.size, &store))
		return SVX_RESUME;
	return svx_str_user(vcpu, gpa, &store, s.size, true);
fail:
	vcpu->mmio.str_phase = 0;
	if (r == 1)
		return SVX_RESUME;	/* #PF injected: nothing moved */
	svx_emulation_failure(vcpu, vcpu->mmio.insn, vcpu->mmio.avail,
			      "MMIO string element across a page or outside guest memory");
	return SVX_USER;
}

bool svx_mmio_string(struct svx_vcpu *vcpu, const u8 *bytes, int avail,
		     int mode, int *ret)
{
	struct svx_strop s;

	if (svx_decode_strop(bytes, avail, mode, &s))
		return false;
	vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	memcpy(vcpu->mmio.insn, bytes, sizeof(vcpu->mmio.insn));
	vcpu->mmio.avail = avail;
	vcpu->mmio.mode = mode;
	vcpu->mmio.string = 1;
	vcpu->mmio.str_phase = 0;
	*ret = svx_mmio_string_run(vcpu);
	return true;
}

int svx_mmio_string_complete(struct svx_vcpu *vcpu, u64 val)
{
	unsigned int i = vcpu->mmio.str_phase;

	if (i > 1) {
		vcpu->mmio.str_phase = 0;
		return SVX_RESUME;
	}
	vcpu->mmio.str_val[i] = val;
	vcpu->mmio.str_phase = i + 1;
	return svx_mmio_string_run(vcpu);
}
