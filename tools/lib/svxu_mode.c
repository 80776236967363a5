// SPDX-License-Identifier: GPL-2.0
/*
 * libsvxu, entry states: the CPU tables in guest memory and the vCPU
 * registers for real mode, 32-bit protected mode with paging off and 64-bit
 * long mode, for the layout a caller keeps (struct svxu_layout).
 *
 * Without unrestricted guest the state must pass the VM-entry guest-state
 * checks (SDM Vol. 3 26.3.1): protected mode, accessed segment types,
 * CS.DPL = SS.DPL = 0, a busy TSS in TR, LDTR unusable.  Real mode is
 * KVM's RESET state with CS:IP reaching the entry point.
 */
#include <errno.h>
#include <string.h>

#include "svxu.h"
#include "svxu_int.h"

#define GiB		(1ULL << 30)
#define MiB		(1ULL << 20)

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

static const char *const mode_names[] = {
	[SVXU_MODE_PM32] = "prot32",
	[SVXU_MODE_LONG64] = "long64",
	[SVXU_MODE_REAL16] = "real16",
};

const char *svxu_mode_name(enum svxu_mode mode)
{
	return (unsigned int)mode < sizeof(mode_names) / sizeof(mode_names[0]) ?
	       mode_names[mode] : "?";
}

static void put_u64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

int svxu_identity_map(uint8_t *mem, uint64_t mem_size, uint64_t pt,
		      unsigned int min_gib, uint64_t limit)
{
	uint64_t nr_gib = (mem_size + GiB - 1) / GiB;
	uint64_t pdpt = pt + 0x1000, pd0 = pt + 0x2000;

	if (nr_gib < min_gib)
		nr_gib = min_gib;
	if (nr_gib > 512 || pd0 + nr_gib * 0x1000 > limit)
		return -E2BIG;
	memset(mem + pt, 0, (2 + nr_gib) * 0x1000);
	put_u64(mem, pt, pdpt | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < nr_gib; i++) {
		uint64_t pd = pd0 + i * 0x1000;

		put_u64(mem, pdpt + i * 8, pd | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put_u64(mem, pd + j * 8, (i * GiB + j * 2 * MiB) |
				PTE_P | PTE_RW | PTE_PS);
	}
	return (int)nr_gib;
}

uint64_t svxu_gdt_desc(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;
	uint64_t d;

	d = (limit & 0xffff) | ((s->base & 0xffffff) << 16);
	d |= (uint64_t)(s->type & 0xf) << 40;
	d |= (uint64_t)s->s << 44;
	d |= (uint64_t)(s->dpl & 3) << 45;
	d |= (uint64_t)s->present << 47;
	d |= ((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)s->avl << 52;
	d |= (uint64_t)s->l << 53;
	d |= (uint64_t)s->db << 54;
	d |= (uint64_t)s->g << 55;
	d |= ((s->base >> 24) & 0xff) << 56;
	return d;
}

struct kvm_segment svxu_flat_seg(uint16_t sel, uint8_t type, bool code64)
{
	struct kvm_segment s = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};

	return s;
}

void svxu_real_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

int svxu_vcpu_set_mode(struct svxu_vcpu *vcpu, const struct svxu_layout *l,
		       const struct svxu_boot *b)
{
	struct svxu_vm *vm = vcpu->vm;
	uint8_t *mem = vm->mem;
	bool lm = b->mode == SVXU_MODE_LONG64;
	struct kvm_segment code32, code64, data, tr = { }, ldt = { };
	struct kvm_sregs sr;
	struct kvm_regs regs;
	int r;

	r = OP_IOCTL(vcpu->fd, KVM_GET_SREGS, (unsigned long)&sr);
	if (r)
		return r;

	code32 = svxu_flat_seg(l->sel_code32, 0xb, false); /* exec/read, accessed */
	code64 = svxu_flat_seg(l->sel_code64, 0xb, true);
	data = svxu_flat_seg(l->sel_data, 0x3, false);	/* read/write, accessed */

	tr.base = l->tss;
	tr.limit = 0x67;
	tr.selector = l->sel_tss;
	tr.type = 0xb;		/* busy 32-bit / 64-bit TSS */
	tr.present = 1;

	ldt.selector = 0;
	ldt.type = 0x2;
	ldt.unusable = 1;

	/* GDT in guest memory, matching the hidden state loaded below: the
	 * code segment of the mode is written last (it may share a slot). */
	if (l->gdt_clear)
		memset(mem + l->gdt, 0, l->gdt_clear);
	put_u64(mem, l->gdt, 0);
	if (lm) {
		put_u64(mem, l->gdt + l->sel_code32, svxu_gdt_desc(&code32));
		put_u64(mem, l->gdt + l->sel_code64, svxu_gdt_desc(&code64));
	} else {
		put_u64(mem, l->gdt + l->sel_code64, svxu_gdt_desc(&code64));
		put_u64(mem, l->gdt + l->sel_code32, svxu_gdt_desc(&code32));
	}
	put_u64(mem, l->gdt + l->sel_data, svxu_gdt_desc(&data));
	put_u64(mem, l->gdt + l->sel_tss, svxu_gdt_desc(&tr));
	if (l->tss_desc_size == 16)
		put_u64(mem, l->gdt + l->sel_tss + 8, tr.base >> 32);
	if (l->tss_init) {
		/* I/O map base past the limit (no bitmap), RSP0 = stack top */
		put_u64(mem, l->tss + 0x60, (uint64_t)0x68 << 48);
		if (lm)
			put_u64(mem, l->tss + 4, l->stack);
		else
			put_u64(mem, l->tss + 4, l->stack |
				((uint64_t)l->sel_data << 32));	/* ESP0, SS0 */
	}

	sr.cs = lm ? code64 : code32;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
	sr.tr = tr;
	sr.ldt = ldt;
	sr.gdt.base = l->gdt;
	sr.gdt.limit = l->sel_tss + l->tss_desc_size - 1;
	sr.idt.base = l->idt;
	sr.idt.limit = lm && l->idt_long ? 256 * 16 - 1 : 256 * 8 - 1;

	if (lm || (b->mode == SVXU_MODE_REAL16 && l->pt_real16)) {
		svxu_set_last_op("identity page tables");
		r = svxu_identity_map(mem, vm->mem_size, l->pt, l->pt_min_gib,
				      l->pt_end ? l->pt_end : vm->mem_size);
		if (r < 0)
			return r;
	}
	if (lm) {
		sr.cr3 = l->pt;
		sr.cr4 = X86_CR4_PAE;
		sr.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
			 X86_CR0_PG;
		sr.efer = EFER_LME | EFER_LMA;
	} else {
		sr.cr3 = 0;
		sr.cr4 = 0;
		sr.cr0 = l->pm32_cr0;
		sr.efer = 0;
	}
	sr.cr2 = 0;

	if (b->mode == SVXU_MODE_REAL16) {
		/* RESET-like real mode; the selector's RPL is 0, like SS's */
		svxu_real_seg(&sr.cs, b->real_cs, 0xb);
		svxu_real_seg(&sr.ds, 0, 0x3);
		sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
		svxu_real_seg(&sr.tr, 0, 0xb);
		sr.tr.s = 0;
		svxu_real_seg(&sr.ldt, 0, 0x2);
		sr.ldt.s = 0;
		sr.idt.base = 0;
		sr.idt.limit = 0x3ff;
		sr.cr0 = X86_CR0_ET;
		sr.cr3 = sr.cr4 = sr.efer = 0;
	}
	r = OP_IOCTL(vcpu->fd, KVM_SET_SREGS, (unsigned long)&sr);
	if (r)
		return r;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = b->entry - (b->mode == SVXU_MODE_REAL16 ? sr.cs.base : 0);
	regs.rax = b->rax;
	regs.rbx = b->rbx;
	regs.rsi = b->rsi;
	regs.rsp = b->rsp ? b->rsp : l->stack;
	return OP_IOCTL(vcpu->fd, KVM_SET_REGS, (unsigned long)&regs);
}
