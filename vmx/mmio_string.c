// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions on MMIO (movs, cmps, stos, lods, scas, with or
 * without REP): the host side of x86/emulate_string.c.  One iteration per
 * MMIO fault, as KVM's emulator: each operand of the iteration is
 * translated with the guest's permissions at its CPL (a #PF goes to the
 * guest); one in guest RAM is read or written here, one on MMIO leaves as
 * one KVM_EXIT_MMIO (a read completes on the next KVM_RUN, through
 * svx_mmio_string_complete()); an element across a page is read and
 * written a piece per page, RAM in place and one exit per MMIO piece
 * (KVM's fragments).  A REP form with iterations left keeps RIP
 * at the instruction: the guest executes it again and faults on its MMIO
 * operand again, so userspace sees one exit per MMIO access per iteration,
 * as with kvm_intel.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include "vmx_int.h"
#include "svx_trace.h"
#include "vm.h"
#include "irq.h"

/*
 * The pieces of the element at linear @la (@size bytes): @n[0] bytes at
 * @gpa[0], and, if it crosses a page, the other @n[1] at @gpa[1] (KVM's
 * emulator_read_write(): a fragment per page).  Both pages translated
 * (svx_mmio_xlate(): 0, 1 with a #PF injected, -EFAULT).
 */
static int svx_str_pieces(struct svx_vcpu *vcpu, u64 la, unsigned int size,
			  bool write, u64 gpa[2], unsigned int n[2])
{
	u64 la2 = (la & PAGE_MASK) + PAGE_SIZE;
	int r;

	n[0] = min_t(unsigned int, size, PAGE_SIZE - (la & ~PAGE_MASK));
	n[1] = size - n[0];
	r = svx_mmio_xlate(vcpu, la, write, &gpa[0]);
	if (r || !n[1])
		return r;
	if (vcpu->mmio.mode != 8)
		la2 = (u32)la2;
	return svx_mmio_xlate(vcpu, la2, write, &gpa[1]);
}

static int svx_str_user(struct svx_vcpu *vcpu, u64 gpa, const void *val,
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

/*
 * The iteration at the guest's registers, from vcpu->mmio.str_phase: 2 *
 * operand + piece of the next read; 4 when the second of two MMIO pieces
 * of a store is still to be written (svx_mmio_string_complete()).
 */
static int svx_mmio_string_run(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned int n[2], start = vcpu->mmio.str_phase, k, nw = 0;
	struct svx_str_iter it;
	struct svx_x86_emu e;
	struct svx_strop s;
	u64 gpa[2], store, wgpa[2];
	u8 *wp[2];
	int i, p, r;

	svx_emu_init_mode(vcpu, &e, vcpu->mmio.mode);
	if (svx_decode_strop(vcpu->mmio.insn, vcpu->mmio.avail, e.mode, &s)) {
		return svx_emulation_failed(vcpu, vcpu->mmio.insn,
					    vcpu->mmio.avail,
					    "MMIO string instruction no longer decodes");
	}
	if (!svx_str_next(&e, &s, &it)) {	/* REP with rCX = 0 */
		vmx->exit_insn_len = s.len;
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	for (i = start / 2; i < 2; i++) {
		if (!it.rd[i])
			continue;
		r = svx_str_pieces(vcpu, it.la[i], s.size, false, gpa, n);
		if (r)
			goto fail;
		p = i == start / 2 ? start % 2 : 0;
		if (!p)
			vcpu->mmio.str_val[i] = 0;
		for (; p < 2 && n[p]; p++) {
			unsigned int at = p ? n[0] : 0;
			u8 *v = (u8 *)&vcpu->mmio.str_val[i] + at;

			/* RAM (a read-only memslot too) or the irqchip */
			if (!svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu),
					       gpa[p], v, n[p], false) ||
			    svx_irqchip_mmio(vcpu, gpa[p], false, v, n[p]))
				continue;
			vcpu->mmio.str_phase = 2 * i + p;
			vcpu->mmio.frag_done = at;	/* where the data goes */
			vcpu->mmio.frag_size = n[p];
			vcpu->mmio.gpa = gpa[p];
			return svx_str_user(vcpu, gpa[p], NULL, n[p], false);
		}
	}
	vcpu->mmio.str_phase = 0;
	if (it.wr) {
		r = svx_str_pieces(vcpu, it.la[1], s.size, true, gpa, n);
		if (r)
			goto fail;
	}
	svx_str_commit(&e, &s, vcpu->mmio.str_val, &store);
	if (e.retire) {
		vmx->exit_insn_len = e.len;
		svx_skip_insn(vcpu);
	}
	if (!it.wr)
		return SVX_RESUME;
	/*
	 * RAM, the in-kernel irqchip or an ioeventfd (core/eventfd.c) in
	 * place; the MMIO pieces leave, one KVM_EXIT_MMIO each
	 */
	for (p = 0; p < 2 && n[p]; p++) {
		u8 *v = (u8 *)&store + (p ? n[0] : 0);

		if (!svx_write_guest_for(vcpu, gpa[p], v, n[p]) ||
		    svx_irqchip_mmio(vcpu, gpa[p], true, v, n[p]) ||
		    svx_ioeventfd_mmio(vcpu, gpa[p], n[p], v))
			continue;
		wgpa[nw] = gpa[p];
		wp[nw++] = v;
	}
	if (!nw)
		return SVX_RESUME;
	if (nw == 2) {		/* the second piece on the next KVM_RUN */
		k = n[1];
		memcpy(vcpu->mmio.frag_buf, wp[1], k);
		vcpu->mmio.frag_size = k;
		vcpu->mmio.frag_gpa2 = wgpa[1];
		vcpu->mmio.str_phase = 4;
		svx_str_user(vcpu, wgpa[0], wp[0], n[0], true);
		vcpu->pending = SVX_PENDING_MMIO_READ;
		return SVX_USER;
	}
	return svx_str_user(vcpu, wgpa[0], wp[0],
			    wgpa[0] == gpa[0] ? n[0] : n[1], true);
fail:
	vcpu->mmio.str_phase = 0;
	if (r == 1)
		return SVX_RESUME;	/* #PF injected: nothing moved */
	return svx_emulation_failed(vcpu, vcpu->mmio.insn, vcpu->mmio.avail,
				    "MMIO string element outside guest memory");
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
	unsigned int ph = vcpu->mmio.str_phase;

	if (ph == 4) {		/* a store's second MMIO piece */
		vcpu->mmio.str_phase = 0;
		return svx_str_user(vcpu, vcpu->mmio.frag_gpa2,
				    vcpu->mmio.frag_buf, vcpu->mmio.frag_size,
				    true);
	}
	if (ph > 3) {
		vcpu->mmio.str_phase = 0;
		return SVX_RESUME;
	}
	memcpy((u8 *)&vcpu->mmio.str_val[ph / 2] + vcpu->mmio.frag_done, &val,
	       vcpu->mmio.frag_size);
	vcpu->mmio.str_phase = ph + 1;
	return svx_mmio_string_run(vcpu);
}
