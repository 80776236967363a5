// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits and the completion of exits userspace handled.
 *
 * IN/OUT go to the in-kernel PIT and PICs or an ioeventfd when the port is
 * theirs, else to userspace as KVM_EXIT_IO with KVM's kvm_run layout;
 * INS/OUTS move a batch of elements inside one guest page per exit, each
 * operand accessed with the guest's permissions at its CPL.  The next
 * KVM_RUN completes the exit (svx_complete_user()): an IN takes its value,
 * RIP moves on unless userspace moved it (kvm_fast_pio()), a string batch
 * advances RSI/RDI and RCX; MMIO reads and userspace RDMSR/WRMSR complete
 * here too, through mmio.c, mmio_string.c and mmio_vec.c.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>

#include "vmx_int.h"
#include "pit.h"
#include "walker.h"
#include "svx_trace.h"
#include "vmx.h"
#include "vm.h"
#include "irq.h"
#include "hyperv.h"

static u64 svx_addr_mask(int addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/*
 * A string I/O operand at @gva (@len bytes, one batch inside a page; @first:
 * the address of the first element, CR2 if it faults) read or written with
 * the guest's permissions at its CPL, as KVM's emulator accesses it.  0, 1
 * if the guest took a #PF (nothing moved), -EFAULT outside guest RAM.
 */
static int svx_string_io_access(struct svx_vcpu *vcpu, u64 gva, u64 first,
				void *buf, unsigned int len, bool write)
{
	u32 access = write ? SVX_ACC_WRITE : 0;
	struct svx_walk w;
	int r;

	if (svx_guest_cpl(vcpu) == 3)
		access |= SVX_ACC_USER;
	r = svx_guest_virt_access(vcpu, gva, buf, len, access, &w);
	if (r != 1)
		return r;
	/* The batch is inside one page: the first element's fault. */
	vcpu->cr2 = (w.fault_addr & PAGE_MASK) == (first & PAGE_MASK) ?
		    first : w.fault_addr;
	vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
	svx_inject_page_fault(vcpu, w.error_code);
	return 1;
}

/* big real mode (SMM): the guest's CS.base, not vm86's */
static noinline u64 svx_rmode_cs_base(struct svx_vcpu *vcpu)
{
	struct kvm_segment cs;

	if (svx_rmode_guest_seg(vcpu, 1, &cs))
		return cs.base;
	return svx_vmread(GUEST_CS_BASE);
}

/*
 * KVM's kvm_get_linear_rip(), the vCPU loaded by the caller.  Every IN/OUT
 * to userspace comes here: real mode's segment copy stays out of line.
 */
static u64 __svx_linear_rip(struct svx_vcpu *vcpu)
{
	if (__svx_code_mode(vcpu) == 8)
		return vcpu->rip;
	if (unlikely(vcpu->rmode.active))
		return (u32)(svx_rmode_cs_base(vcpu) + vcpu->rip);
	return (u32)(svx_vmread(GUEST_CS_BASE) + vcpu->rip);
}

u64 svx_linear_rip(struct svx_vcpu *vcpu)
{
	u64 rip;

	svx_vcpu_load(vcpu);
	rip = __svx_linear_rip(vcpu);
	svx_vcpu_put(vcpu);
	return rip;
}

/* the port whose OUT KVM completes before the exit (QEMU's kvmvapic) */
#define SVX_PIO_PORT_7E	0x7e

static void svx_set_reg_sized(struct svx_vcpu *vcpu, int reg, u64 val,
			      int size, bool high);
static void svx_string_advance(struct svx_vcpu *vcpu, int reg);

/*
 * complete_fast_pio_in() / complete_fast_pio_out(): unless userspace moved
 * the linear RIP meanwhile, an IN takes its value and RIP moves past the
 * instruction.  One svx_vcpu_load() for the RIP test and the skip.
 */
void svx_pio_complete_fast(struct svx_vcpu *vcpu, bool in)
{
	const void *data = vcpu->pio_data;
	bool same;

	svx_vcpu_load(vcpu);
	same = __svx_linear_rip(vcpu) == vcpu->pio.linear_rip;
	if (same) {
		if (in) {	/* AL, AX or EAX (zero-extended) */
			unsigned long *rax = &vcpu->regs[SVX_RAX];

			if (vcpu->pio.size == 1)
				*rax = (*rax & ~0xffUL) | *(const u8 *)data;
			else if (vcpu->pio.size == 2)
				*rax = (*rax & ~0xffffUL) |
				       *(const u16 *)data;
			else
				*rax = *(const u32 *)data;
		}
		__svx_skip_insn(vcpu);
	}
	svx_vcpu_put(vcpu);
	if (same)
		svx_skip_insn_trap(vcpu);
}

/*
 * The PIT, the PICs' and ELCR's ports and KVM_IOEVENTFD take IN/OUT without
 * an exit.  Called only when the VM has one of them: an IN/OUT that goes to
 * userspace stays a small function with no call but the linear RIP's.
 */
static noinline bool svx_pio_in_kernel(struct svx_vcpu *vcpu, u16 port,
				       unsigned int size, bool in)
{
	struct svx_vm *vm = vcpu->vm;
	u32 val = vcpu->regs[SVX_RAX];

	if ((READ_ONCE(vm->pit) &&
	     !svx_pit_pio_len(vm, port, size, !in, &val)) ||
	    (READ_ONCE(vm->irqchip) &&
	     svx_irqchip_pio(vcpu, port, !in, &val, size))) {
		if (in)
			svx_set_reg_sized(vcpu, SVX_RAX, val, size, false);
	} else if (in || !svx_ioeventfd_pio(vcpu, port, size, &val)) {
		return false;
	}
	svx_skip_insn(vcpu);
	return true;
}

/* KVM_EXIT_IO's fields, for IN/OUT and INS/OUTS alike */
static __always_inline void svx_pio_exit(struct svx_vcpu *vcpu,
					 unsigned long q)
{
	struct kvm_run *run = vcpu->run;
	unsigned int size = (q & 7) + 1;
	bool in = q & 8;

	vcpu->pio.port = q >> 16;
	vcpu->pio.size = size;
	vcpu->pio.string = q & 16;
	vcpu->pio.rep = q & 32;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = vcpu->pio.port;
	run->io.data_offset = PAGE_SIZE;
	vcpu->stats.misc[SVX_STAT_PIO]++;
	trace_svx_pio(vcpu->id, vcpu->pio.port, size, in, q & 16);
}

/* INS/OUTS: a batch of elements inside one guest page per exit. */
static noinline int svx_handle_string_io(struct svx_vcpu *vcpu,
					 unsigned long q)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned int size = (q & 7) + 1, count = 1;
	bool in = q & 8, rep = q & 32;
	u64 mask, gva;

	svx_pio_exit(vcpu, q);
	vmx->l1d_flush = true;	/* guest memory emulated: vmx/spec.c */

	/* Instruction information gives address size and segment. */
	vcpu->pio.addr_size = 2 << ((vmx->exit_insn_info >> 7) & 7);
	mask = svx_addr_mask(vcpu->pio.addr_size);
	vcpu->pio.df = !!(vcpu->rflags & X86_EFLAGS_DF);
	if (rep) {
		u64 rcx = vcpu->regs[SVX_RCX] & mask;

		if (!rcx) {
			svx_skip_insn(vcpu);
			return SVX_RESUME;
		}
		count = min_t(u64, rcx, PAGE_SIZE / size);
	}
	/* Keep a batch inside one guest page, so one translation covers it. */
	if (in) {
		gva = svx_seg_base(vcpu, 0) + (vcpu->regs[SVX_RDI] & mask);
	} else {
		int seg = (vmx->exit_insn_info >> 15) & 7;

		gva = svx_seg_base(vcpu, seg) + (vcpu->regs[SVX_RSI] & mask);
	}
	if (!vcpu->pio.df)
		count = min_t(u64, count,
			      (PAGE_SIZE - (gva & ~PAGE_MASK)) / size ?: 1);
	else
		count = min_t(u64, count, (gva & ~PAGE_MASK) / size + 1);
	vcpu->pio.count = count;
	vcpu->pio.gva = gva;
	vcpu->run->io.count = count;

	if (in) {
		vcpu->pending = SVX_PENDING_PIO_IN;
		return SVX_USER;
	}
	{
		u64 start = vcpu->pio.df ? gva - (u64)(count - 1) * size : gva;
		u8 *buf = vcpu->pio_data;
		unsigned int i, n = count * size;
		int r = svx_string_io_access(vcpu, start, gva, buf, n, false);

		if (r == 1)	/* #PF before any port access, as KVM */
			return SVX_RESUME;
		if (r) {
			svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					   "OUTS source not in guest RAM");
			return SVX_USER;
		}
		if (vcpu->pio.df) {	/* deliver in execution order */
			for (i = 0; i < count / 2; i++) {
				u8 tmp[4];

				memcpy(tmp, buf + i * size, size);
				memcpy(buf + i * size,
				       buf + (count - 1 - i) * size, size);
				memcpy(buf + (count - 1 - i) * size, tmp, size);
			}
		}
		/*
		 * KVM_IOEVENTFD: KVM's emulator sends OUTS one element at a
		 * time; the elements an ioeventfd takes stay in the kernel.
		 */
		for (i = 0; i < count; i++)
			if (!svx_ioeventfd_pio(vcpu, vcpu->pio.port, size,
					       buf + i * size))
				break;
		if (i) {
			vcpu->stats.misc[SVX_STAT_PIO]--;	/* no exit */
			vcpu->pio.count = i;
			svx_string_advance(vcpu, SVX_RSI);
			return SVX_RESUME;
		}
	}
	vcpu->pending = SVX_PENDING_PIO_OUTS;
	return SVX_USER;
}

int svx_handle_io(struct svx_vcpu *vcpu)
{
	unsigned long q = to_vmx(vcpu)->exit_qual;
	struct svx_vm *vm = vcpu->vm;

	if (q & 16)
		return svx_handle_string_io(vcpu, q);
	if ((READ_ONCE(vm->pit) || READ_ONCE(vm->irqchip) ||
	     READ_ONCE(vm->nr_pio_ioeventfds)) &&
	    svx_pio_in_kernel(vcpu, q >> 16, (q & 7) + 1, q & 8))
		return SVX_RESUME;
	/*
	 * From here on the state is read back from vcpu rather than kept in
	 * registers across the calls: an exit to userspace is W13's whole
	 * kernel path, and this function's frame is a part of it.
	 */
	svx_pio_exit(vcpu, to_vmx(vcpu)->exit_qual);
	vcpu->run->io.count = 1;
	/*
	 * As KVM's kvm_fast_pio(): RIP moves past IN/OUT when userspace is
	 * done, unless it moved the linear RIP meanwhile (KVM_SET_REGS/SREGS);
	 * a register write alone does not cancel the I/O.  An OUT to port 0x7e
	 * moves RIP before the exit (KVM_X86_QUIRK_OUT_7E_INC_RIP, on unless
	 * disabled, core/quirks.c): QEMU's kvmvapic option ROM relies on it.
	 */
	vcpu->pio.linear_rip = svx_linear_rip(vcpu);
	if (vcpu->run->io.direction == KVM_EXIT_IO_IN) {
		vcpu->pending = SVX_PENDING_PIO_IN;
		return SVX_USER;
	}
	memcpy(vcpu->pio_data, &vcpu->regs[SVX_RAX], vcpu->pio.size);
	vcpu->pending = SVX_PENDING_PIO_OUT;
	if (vcpu->pio.port == SVX_PIO_PORT_7E &&
	    svx_quirk(vcpu->vm, KVM_X86_QUIRK_OUT_7E_INC_RIP)) {
		svx_skip_insn(vcpu);
		vcpu->pending = SVX_PENDING_NONE;
	}
	return SVX_USER;
}

/* Advance RSI or RDI and RCX after @count string iterations. */
static void svx_string_advance(struct svx_vcpu *vcpu, int reg)
{
	u64 mask = svx_addr_mask(vcpu->pio.addr_size);
	u64 delta = (u64)vcpu->pio.count * vcpu->pio.size;
	u64 v = vcpu->regs[reg];

	v = vcpu->pio.df ? v - delta : v + delta;
	vcpu->regs[reg] = (vcpu->regs[reg] & ~mask) | (v & mask);
	if (vcpu->pio.rep) {
		v = (vcpu->regs[SVX_RCX] & mask) - vcpu->pio.count;
		vcpu->regs[SVX_RCX] = (vcpu->regs[SVX_RCX] & ~mask) |
				      (v & mask);
		if (v & mask)
			return;	/* re-execute for the next batch */
	}
	svx_skip_insn(vcpu);
}

/*
 * A REP INS/OUTS batch completes for at most the RCX userspace left: as
 * KVM's emulator, which re-executes the instruction with the current RCX
 * (userspace_io_test lowers and raises it during the exit).  false: RCX is
 * 0, the instruction is done and nothing moves.
 */
static bool svx_string_clamp(struct svx_vcpu *vcpu)
{
	u64 rcx = vcpu->regs[SVX_RCX] & svx_addr_mask(vcpu->pio.addr_size);

	if (!vcpu->pio.rep)
		return true;
	if (!rcx) {
		svx_skip_insn(vcpu);
		return false;
	}
	vcpu->pio.count = min_t(u64, vcpu->pio.count, rcx);
	return true;
}

static void svx_set_reg_sized(struct svx_vcpu *vcpu, int reg, u64 val,
			      int size, bool high)
{
	unsigned long *r = &vcpu->regs[reg];

	switch (size) {
	case 1:
		if (high)
			*r = (*r & ~0xff00UL) | (val & 0xff) << 8;
		else
			*r = (*r & ~0xffUL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffUL) | (val & 0xffff);
		break;
	case 4:
		*r = (u32)val;	/* 32-bit writes zero-extend */
		break;
	default:
		*r = val;
	}
}

/* Finish the exit userspace just handled; > 0 to run the guest. */
int svx_complete_user(struct svx_vcpu *vcpu)
{
	enum svx_pending_user p = vcpu->pending;
	u64 val = 0;
	int r;

	vcpu->pending = SVX_PENDING_NONE;
	switch (p) {
	case SVX_PENDING_NONE:
		break;
	case SVX_PENDING_PIO_IN:
		if (!vcpu->pio.string) {
			/* not where it was: dropped */
			svx_pio_complete_fast(vcpu, true);
			break;
		}
		if (!svx_string_clamp(vcpu))
			break;
		{
			unsigned int n = vcpu->pio.count * vcpu->pio.size;
			u64 start = vcpu->pio.gva;
			u8 *buf = vcpu->pio_data;

			if (vcpu->pio.df) {
				unsigned int i, sz = vcpu->pio.size;

				start -= (u64)(vcpu->pio.count - 1) * sz;
				for (i = 0; i < vcpu->pio.count / 2; i++) {
					u8 tmp[4];
					unsigned int j = vcpu->pio.count - 1 - i;

					memcpy(tmp, buf + i * sz, sz);
					memcpy(buf + i * sz, buf + j * sz, sz);
					memcpy(buf + j * sz, tmp, sz);
				}
			}
			r = svx_string_io_access(vcpu, start, vcpu->pio.gva,
						 buf, n, true);
			if (r == 1)	/* #PF: RDI and RCX stay */
				break;
			if (r) {
				svx_internal_error(vcpu,
						   KVM_INTERNAL_ERROR_EMULATION,
						   "INS destination not in guest RAM");
				return 0;
			}
		}
		svx_string_advance(vcpu, SVX_RDI);
		break;
	case SVX_PENDING_PIO_OUT:
		svx_pio_complete_fast(vcpu, false);
		break;
	case SVX_PENDING_PIO_OUTS:
		if (svx_string_clamp(vcpu))
			svx_string_advance(vcpu, SVX_RSI);
		break;
	case SVX_PENDING_MMIO_READ:
		memcpy(&val, vcpu->run->mmio.data, sizeof(val));
		if (vcpu->mmio.string) {
			if (svx_mmio_string_complete(vcpu, val) == SVX_USER)
				return 0;
			break;
		}
		if (svx_mmio_complete(vcpu, val, &vcpu->mmio.rmw) == SVX_USER)
			return 0;	/* the instruction's write */
		break;
	case SVX_PENDING_MMIO_FRAG:	/* vmx/mmio_vec.c */
		if (svx_mmio_frag_complete(vcpu, vcpu->run->mmio.data) ==
		    SVX_USER)
			return 0;
		break;
	case SVX_PENDING_HV_HCALL:	/* core/hyperv.c */
		svx_hv_hypercall_complete(vcpu, svx_code_mode(vcpu) == 8);
		svx_skip_insn(vcpu);
		break;
	case SVX_PENDING_HV_SYNDBG:	/* core/hyperv.c; the WRMSR is done */
		svx_hv_syndbg_complete(vcpu);
		break;
	case SVX_PENDING_RDMSR:		/* KVM's complete_fast_rdmsr() */
	case SVX_PENDING_WRMSR:		/* complete_fast_msr_access() */
		if (vcpu->run->msr.error) {
			svx_inject_gp(vcpu);
			break;
		}
		if (p == SVX_PENDING_RDMSR) {
			vcpu->regs[SVX_RAX] = (u32)vcpu->run->msr.data;
			vcpu->regs[SVX_RDX] = vcpu->run->msr.data >> 32;
		}
		svx_skip_insn(vcpu);
		break;
	}
	return 1;
}
