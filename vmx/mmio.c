// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation: an access to a GPA no memslot backs, or a write to a
 * read-only one (a shadow MMIO fault, an EPT violation or misconfiguration).
 * The instruction at RIP is decoded by x86/decode.c and carried out on
 * memory's value: a read leaves as a KVM_EXIT_MMIO read and completes on
 * the next KVM_RUN, a store as a KVM_EXIT_MMIO write after the instruction
 * retired, as KVM's emulator commits it; the in-kernel irqchip's pages and
 * ROM reads stay in the kernel.  String, vector and far-pointer forms are in
 * mmio_string.c and mmio_vec.c; an instruction the emulator does not carry
 * out fails as KVM's emulator does: #UD for the guest, and at CPL 0 the
 * emulation-failure exit (svx_emulation_failed()).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "walker.h"
#include "svx_trace.h"
#include "fpu.h"
#include "vmx.h"
#include "vm.h"
#include "irq.h"

/* The code size at CS: 8, 4, or 2 (16-bit code, vm86 included). */
int svx_mmio_code_mode(struct svx_vcpu *vcpu)
{
	bool lm = svx_guest_long_mode(vcpu);
	struct kvm_segment cs;
	u32 ar;

	svx_vcpu_load(vcpu);
	ar = svx_vmread(GUEST_CS_AR_BYTES);
	/* big real mode (SMM): the guest's CS.D, not vm86's */
	if (svx_rmode_guest_seg(vcpu, 1, &cs))
		ar = cs.db ? BIT(14) : 0;
	svx_vcpu_put(vcpu);
	return svx_code_size(lm, ar);
}

/*
 * An instruction the emulator cannot carry out: KVM_EXIT_INTERNAL_ERROR
 * with the layout of KVM's prepare_emulation_failure_exit() (6.1): flags,
 * the instruction bytes, then the exit reason, qualification, IDT-vectoring
 * information, interruption information and error code.
 */
void svx_emulation_failure(struct svx_vcpu *vcpu, const u8 *bytes, int n,
			   const char *why)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	u64 info[5] = { vmx->exit_reason, vmx->exit_qual,
			vmx->idt_vectoring, vmx->exit_intr_info, 0 };
	unsigned int start = 1;

	if (vmx->exit_intr_info & INTR_INFO_DELIVER_CODE_MASK)
		info[4] = vmx->exit_intr_error;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	if (n > 0) {
		n = min(n, SVX_INSN_MAX);
		start += 2;
		run->emulation_failure.flags |=
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = n;
		memset(run->emulation_failure.insn_bytes, 0x90,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, bytes, n);
	}
	memcpy(&run->internal.data[start], info, sizeof(info));
	run->emulation_failure.ndata = start + ARRAY_SIZE(info);
	svx_vm_warn(vcpu->vm, "vcpu%d: %s at rip %#lx: %*ph\n", vcpu->id, why,
		    vcpu->rip, n > 0 ? n : 0, bytes);
}

/*
 * An instruction the emulator failed, as KVM 6.1's handle_emulation_failure()
 * (KVM_CAP_EXIT_ON_EMULATION_FAILURE is not offered): #UD is queued for the
 * guest; at CPL 0 the VMM also sees the failure (svx_emulation_failure(),
 * SVX_USER) and its next KVM_RUN delivers the #UD unless it changes the
 * vCPU's events; at CPL > 0 only the guest does (SVX_RESUME): an application
 * in the guest cannot stop its VM this way.
 */
int svx_emulation_failed(struct svx_vcpu *vcpu, const u8 *bytes, int n,
			 const char *why)
{
	svx_inject_ud(vcpu);
	if (svx_guest_cpl(vcpu) > 0)
		return SVX_RESUME;
	svx_emulation_failure(vcpu, bytes, n, why);
	return SVX_USER;
}

/*
 * The stack side of push m / pop m on MMIO: the guest's permissions at
 * its CPL, and a #PF recorded (KVM's emulator injects it; RIP stays).
 */
struct svx_stack_ctx {
	struct svx_vcpu *vcpu;
	bool faulted;
	struct svx_walk fault;
};

static int svx_stack_access(void *ctx, u64 gva, void *buf, unsigned int len,
			    u32 access)
{
	struct svx_stack_ctx *c = ctx;
	struct svx_walk w;
	int r;

	if (svx_guest_cpl(c->vcpu) == 3)
		access |= SVX_ACC_USER;
	r = svx_guest_virt_access(c->vcpu, gva, buf, len, access, &w);
	if (r == 1) {
		c->faulted = true;
		c->fault = w;
	}
	return r ? -EFAULT : 0;
}

static int svx_stack_read(void *ctx, u64 gva, void *buf, unsigned int len)
{
	return svx_stack_access(ctx, gva, buf, len, 0);
}

static int svx_stack_write(void *ctx, u64 gva, const void *buf,
			   unsigned int len)
{
	return svx_stack_access(ctx, gva, (void *)buf, len, SVX_ACC_WRITE);
}

static u64 svx_stack_seg_base(void *ctx, int seg)
{
	return svx_seg_base(((struct svx_stack_ctx *)ctx)->vcpu, seg);
}

static const struct svx_x86_ops svx_stack_ops = {
	.read_virt = svx_stack_read,
	.write_virt = svx_stack_write,
	.seg_base = svx_stack_seg_base,
};

/*
 * Execute the MMIO instruction saved in vcpu->mmio, memory having held
 * @old: registers and flags written, to_vmx(vcpu)->exit_insn_len set (RIP not
 * moved yet).  1 with *@new when memory is to be written, 0 when not;
 * -1 when it ended otherwise (#PF injected, emulation failure), *@ret
 * then being the exit handler's return.
 */
/*
 * SVX_RMW_STORE_SYS: the value stored, after KVM's checks (em_fnstcw()
 * and em_fnstsw(): CR0.TS or CR0.EM #NM; em_smsw() and em_store_sreg():
 * CR4.UMIP at CPL > 0 #GP(0)).  false with the exception injected.
 */
static bool svx_mmio_sys_val(struct svx_vcpu *vcpu, const struct svx_rmw *rmw,
			     u64 *val)
{
	switch (rmw->sub) {
	case SVX_SV_FCW:
	case SVX_SV_FSW:
		if (vcpu->cr0 & (X86_CR0_TS | X86_CR0_EM)) {
			svx_inject_exception(vcpu, X86_TRAP_NM, false, 0);
			return false;
		}
		*val = rmw->sub == SVX_SV_FCW ? svx_fpu_get_fcw(vcpu) :
						svx_fpu_get_fsw(vcpu);
		return true;
	default:
		break;
	}
	if ((vcpu->cr4 & X86_CR4_UMIP) && svx_guest_cpl(vcpu) > 0) {
		svx_inject_gp(vcpu);
		return false;
	}
	if (rmw->sub == SVX_SV_MSW) {
		*val = vcpu->cr0;
		return true;
	}
	svx_vcpu_load(vcpu);
	*val = svx_vmread(rmw->sub == SVX_SV_TR ? GUEST_TR_SELECTOR :
			  GUEST_LDTR_SELECTOR);
	svx_vcpu_put(vcpu);
	return true;
}

static int svx_mmio_execute_rmw(struct svx_vcpu *vcpu, u64 old,
				const struct svx_rmw *rmw, u64 *new, int *ret)
{
	struct svx_x86_emu e;
	bool written;

	*new = 0;
	svx_emu_init_mode(vcpu, &e, vcpu->mmio.mode);
	if (rmw->op == SVX_RMW_STORE_SYS &&
	    !svx_mmio_sys_val(vcpu, rmw, &e.sys_val)) {
		*ret = SVX_RESUME;	/* #NM or #GP injected: RIP stays */
		return -1;
	}
	if (rmw->op == SVX_RMW_PUSH || rmw->op == SVX_RMW_POP ||
	    rmw->op == SVX_RMW_JMP || rmw->op == SVX_RMW_CALL) {
		struct svx_stack_ctx sc = { .vcpu = vcpu };
		u32 cs_limit;
		int r;

		svx_vcpu_load(vcpu);	/* SS.B: the stack address size */
		e.ss_size = e.mode == 8 ? 8 :
			    (svx_vmread(GUEST_SS_AR_BYTES) & (1U << 14)) ? 4 : 2;
		cs_limit = svx_vmread(GUEST_CS_LIMIT);
		svx_vcpu_put(vcpu);
		e.ops = &svx_stack_ops;
		e.ctx = &sc;
		if (rmw->op == SVX_RMW_JMP || rmw->op == SVX_RMW_CALL) {
			e.ip = vcpu->rip;
			r = svx_x86_branch_complete(&e, rmw, old, cs_limit,
						    (vcpu->cr4 & X86_CR4_LA57) ?
						    57 : 48);
			if (r == 1) {	/* KVM's assign_eip(): #GP(0) */
				svx_inject_gp(vcpu);
				*ret = SVX_RESUME;
				return -1;
			}
			if (!r) {	/* RIP is the target: nothing to skip */
				vcpu->rip = e.ip;
				e.len = 0;
			}
		} else {
			r = svx_x86_stack_complete(&e, rmw, old, new);
		}
		if (r < 0 && sc.faulted) {	/* RIP and rSP stay */
			vcpu->cr2 = sc.fault.fault_addr;
			vcpu->stats.mmu[SVX_MMU_PF_INJECTED]++;
			svx_inject_page_fault(vcpu, sc.fault.error_code);
			*ret = SVX_RESUME;
			return -1;
		}
		if (r < 0) {
			*ret = svx_emulation_failed(vcpu, vcpu->mmio.insn,
						    vcpu->mmio.avail,
						    "push/pop/call of MMIO: the stack is not in guest RAM");
			return -1;
		}
		written = r;
	} else {
		written = svx_x86_rmw_complete(&e, rmw, old, new);
		if (e.de) {	/* KVM's emulate_de(): RIP stays */
			svx_inject_exception(vcpu, X86_TRAP_DE, false, 0);
			*ret = SVX_RESUME;
			return -1;
		}
	}
	to_vmx(vcpu)->exit_insn_len = e.len;
	return written;
}

int svx_mmio_execute(struct svx_vcpu *vcpu, u64 old, struct svx_rmw *rmw,
		     u64 *new, int *ret)
{
	*new = 0;
	if (svx_decode_rmw(vcpu->mmio.insn, vcpu->mmio.avail, vcpu->mmio.mode,
			   rmw)) {
		*ret = svx_emulation_failed(vcpu, vcpu->mmio.insn,
					    vcpu->mmio.avail,
					    "MMIO instruction no longer decodes");
		return -1;
	}
	return svx_mmio_execute_rmw(vcpu, old, rmw, new, ret);
}

/*
 * Carry out the MMIO instruction saved in vcpu->mmio, memory having held
 * @old: registers, flags and RIP move on; a store leaves as a
 * KVM_EXIT_MMIO write (SVX_USER), as KVM commits the instruction before
 * its write exit.
 */
int svx_mmio_complete(struct svx_vcpu *vcpu, u64 old,
		      const struct svx_rmw *decoded)
{
	struct kvm_run *run = vcpu->run;
	struct svx_rmw rmw;
	unsigned int wsize;
	u64 new;
	int r, ret;

	/* decoded by the exit (a store) or kept from it (a read) */
	if (decoded) {
		rmw = *decoded;
		r = svx_mmio_execute_rmw(vcpu, old, &rmw, &new, &ret);
	} else {
		r = svx_mmio_execute(vcpu, old, &rmw, &new, &ret);
	}
	if (r < 0)
		return ret;
	if (!r) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	wsize = rmw.wr_size ?: rmw.size;	/* sldt/str: 2 of what it read */
	/* the local APIC's or the IOAPIC's: RIP still at the instruction */
	if (svx_irqchip_mmio(vcpu, vcpu->mmio.gpa, true, &new, wsize)) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	/* KVM_IOEVENTFD (core/eventfd.c): signalled, no exit */
	if (svx_ioeventfd_mmio(vcpu, vcpu->mmio.gpa, wsize, &new)) {
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	svx_skip_insn(vcpu);
	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, vcpu->mmio.gpa, vcpu->mmio.gpa, wsize, true);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = vcpu->mmio.gpa;
	run->mmio.len = wsize;
	run->mmio.is_write = 1;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &new, wsize);
	return SVX_USER;
}

/*
 * An access to a GPA no memslot backs (or a write to a read-only one):
 * the instruction at RIP decoded by x86/decode.c; one that reads memory
 * leaves as a KVM_EXIT_MMIO read and completes on the next KVM_RUN
 * (svx_complete_user()), its store, if any, then leaving as a write.
 * @write (the access the fault reported) is not needed: the decoder knows.
 */
int svx_emulate_mmio(struct svx_vcpu *vcpu, u64 gva, u64 gpa, bool write)
{
	struct kvm_run *run = vcpu->run;
	u8 bytes[SVX_INSN_MAX];
	struct svx_rmw rmw;
	int avail, mode, r;
	u64 old = 0;

	to_vmx(vcpu)->l1d_flush = true;		/* emulation: vmx/spec.c */
	avail = svx_mmio_fetch(vcpu, bytes, &mode);
	if (avail == -EAGAIN)
		return SVX_RESUME;	/* the fetch took a #PF */
	if (avail < 0)	/* KVM: the fetch from a GPA without a memslot fails */
		return svx_emulation_failed(vcpu, NULL, 0,
					    "cannot fetch the instruction that accessed MMIO");
	vcpu->mmio.string = 0;
	vcpu->mmio.frag = 0;
	/* the common forms first: no string or vector form decodes as one */
	r = svx_decode_rmw(bytes, avail, mode, &rmw);
	if (r && svx_mmio_string(vcpu, bytes, avail, mode, &r))
		return r;
	if (r && svx_mmio_vec(vcpu, bytes, avail, mode, gpa, &r)) /* mmio_vec.c */
		return r;
	if (r && svx_mmio_std(vcpu, bytes, avail, mode, &r))	/* mmio_vec.c */
		return r;
	if (!r && rmw.lock && !svx_rmw_lockable(&rmw)) {
		svx_inject_ud(vcpu);	/* KVM: LOCK without its Lock flag */
		return SVX_RESUME;
	}
	if (!r && (rmw.op == SVX_RMW_LSEG || rmw.op == SVX_RMW_JMPF ||
		   rmw.op == SVX_RMW_CALLF))	/* vmx/mmio_vec.c */
		return svx_mmio_lseg(vcpu, bytes, avail, mode, gpa, &rmw);
	/* an operand across a page (its GPA may be the second page's) */
	if (!r && svx_mmio_split(vcpu, bytes, avail, mode, &rmw, &gpa, &r))
		return r;	/* vmx/mmio_vec.c */
	if (!r && svx_mmio_cmpxchg16b(vcpu, bytes, avail, mode, gpa, &rmw, &r))
		return r;
	if (r || rmw.size > 8 || (gpa & ~PAGE_MASK) + rmw.size > PAGE_SIZE) {
		return svx_emulation_failed(vcpu, bytes, avail,
					    "MMIO access by an instruction the emulator does not carry out");
	}
	vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	memcpy(vcpu->mmio.insn, bytes, sizeof(vcpu->mmio.insn));
	vcpu->mmio.avail = avail;
	vcpu->mmio.mode = mode;
	vcpu->mmio.gpa = gpa;
	/*
	 * A read-only memslot (ROM) is read in place: only its writes exit.
	 * The vCPU's address space (SMM's in SMM).
	 */
	if (!rmw.mem_read ||
	    !svx_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu), gpa, &old,
			       rmw.size, false) ||
	    svx_irqchip_mmio(vcpu, gpa, false, &old, rmw.size))
		return svx_mmio_complete(vcpu, old, &rmw);
	vcpu->mmio.rmw = rmw;
	vcpu->stats.misc[SVX_STAT_MMIO]++;
	trace_svx_mmio(vcpu->id, gva, gpa, rmw.size, false);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = rmw.size;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	vcpu->pending = SVX_PENDING_MMIO_READ;
	return SVX_USER;
}
