// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the run loop and the VM entry (KVM's x86.c vcpu_run(),
 * vcpu_enter_guest(), inject_pending_event(), post_kvm_run_save(); vmx.c
 * vmx_vcpu_run(), vmx_cancel_injection(), __vmx_complete_interrupts()).
 *
 * This file owns:
 *  - the run loop: signals, requests, the shadow MMU's root, the in-kernel
 *    irqchip's INIT/SIPI/HLT, SMIs, real mode under shadow paging, the
 *    entry, then the exit handlers (vmx/exits.c) until one wants
 *    userspace; kvm_run's fields on every return;
 *  - the events injected at an entry: the userspace irqchip's queued
 *    interrupt and NMI (vmx/events.c queues them), the in-kernel irqchip's,
 *    interrupt- and NMI-window exiting; an event whose delivery an exit
 *    interrupted is injected again, one written for an entry given up goes
 *    back to the queue;
 *  - the VMX-preemption timer as a guard (parameter guard_ticks);
 *  - one entry, svx_enter_guest(): the host state the VMCS does not switch
 *    (CR3, CR4, the caller's segments, the GDT limit), CR2, XCR0, debug
 *    registers, the L1D flush, VMLAUNCH/VMRESUME (vmenter.S), the fast
 *    path's re-entries (fastpath.h), and the exit information, read with
 *    the VMCS current and preemption off.
 *
 * The compiler sees the per-entry and per-exit work as one function,
 * svx_vcpu_run(): what it calls on that path is static here or inline in
 * a header (fastpath.h, spec.h, vmx.h, vmx_int.h).  Keep it so: the
 * harness counts W8's and W13's instructions per exit.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/module.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/version.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/tlbflush.h>
#include <asm/special_insns.h>
#include <asm/segment.h>
#include <asm/fsgsbase.h>
#include <asm/irq_vectors.h>
#include <asm/tsc.h>
#include <asm/debugreg.h>

#include "vmx_int.h"
#include "svx_trace.h"
#include "fpu.h"
#include "spec.h"
#include "fastpath.h"
#include "vmx.h"
#include "mmu.h"
#include "irq.h"
#include "hyperv.h"
#include "kvmclock.h"

/*
 * svx_vmwrite()'s failure report (vmcs.h), for every file of vmx/.  It is
 * here, next to its biggest user, so that GCC inlines it into the run
 * loop's VMWRITE failure paths as it did when both were in vmx/vmx.c:
 * the register allocation, and so the instructions, of svx_vcpu_run()'s
 * hot path stay as they were measured.
 */
void svx_vmwrite_error(unsigned long field, unsigned long value)
{
	pr_err_ratelimited("vmwrite of field %#lx value %#lx failed (error %lu)\n",
			   field, value, svx_vmread(VM_INSTRUCTION_ERROR));
}

/* Linux 6.10 renamed the field for the kernel to force READ_ONCE(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define SVX_RUN_IMMEDIATE_EXIT(run)	((run)->immediate_exit__unsafe)
#else
#define SVX_RUN_IMMEDIATE_EXIT(run)	((run)->immediate_exit)
#endif

/* ---------------------------------------------------------------------- */
/* Events injected at an entry                                             */

static void svx_set_proc_ctls(struct svx_vcpu *vcpu, u32 ctls)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	if (ctls != vmx->proc_ctls) {
		svx_vmwrite(CPU_BASED_VM_EXEC_CONTROL, ctls);
		vmx->proc_ctls = ctls;
	}
}

static bool svx_nmi_allowed(struct svx_vcpu *vcpu)
{
	return !vcpu->inject_pending && !svx_nmi_blocked(vcpu);
}

/*
 * With the in-kernel irqchip (core/irqchip.c), as KVM's
 * inject_pending_event(): the PIC's or the local APIC's next interrupt is
 * injected when the guest can take one; else interrupt-window exiting
 * brings the vCPU back when it can.
 */
static void svx_inject_from_irqchip(struct svx_vcpu *vcpu, u32 *ctls)
{
	bool more;
	int v;

	v = svx_irqchip_take_interrupt(vcpu, !vcpu->inject_pending &&
				       svx_interrupt_allowed(vcpu), &more);
	if (v >= 0)
		svx_inject_ext_irq(vcpu, v);
	if (more)
		*ctls |= CPU_BASED_INTR_WINDOW_EXITING;
}

/*
 * As KVM with a userspace irqchip: KVM_INTERRUPT queues a vector that is
 * injected at the next entry (userspace only does it when
 * ready_for_interrupt_injection said so); an NMI waits for the guest to be
 * able to take it (NMI-window exiting); request_interrupt_window turns on
 * interrupt-window exiting, which ends in KVM_EXIT_IRQ_WINDOW_OPEN.
 */
static void svx_inject_queued(struct svx_vcpu *vcpu)
{
	u32 ctls = to_vmx(vcpu)->proc_ctls & ~(CPU_BASED_INTR_WINDOW_EXITING |
				       CPU_BASED_NMI_WINDOW_EXITING);

	if (unlikely(vcpu->dbg.guest_debug & KVM_GUESTDBG_BLOCKIRQ)) {
		svx_set_proc_ctls(vcpu, ctls);	/* as KVM: nothing injected */
		return;
	}
	if (vcpu->lapic)
		svx_irqchip_pull_nmi(vcpu);
	if (vcpu->nmi_queued) {
		if (svx_nmi_allowed(vcpu)) {
			vcpu->nmi_queued = false;
			vcpu->inject_pending = true;
			vcpu->inject_info = SVX_INTR_VALID | NMI_VECTOR |
				SVX_INTR_TYPE_NMI << SVX_INTR_TYPE_SHIFT;
			vcpu->inject_len = 0;
		} else if (svx_vmcs_conf.pin & PIN_BASED_VIRTUAL_NMIS) {
			ctls |= CPU_BASED_NMI_WINDOW_EXITING;
		}
	}
	if (vcpu->irq_queued >= 0 && !vcpu->inject_pending) {
		svx_inject_ext_irq(vcpu, vcpu->irq_queued);
		vcpu->irq_queued = -1;
	}
	if (vcpu->lapic) {
		svx_inject_from_irqchip(vcpu, &ctls);
	} else if (vcpu->irq_queued >= 0 ||
		   vcpu->run->request_interrupt_window) {
		ctls |= CPU_BASED_INTR_WINDOW_EXITING;
	}
	svx_set_proc_ctls(vcpu, ctls);
}

/* kvm_vcpu_ready_for_interrupt_injection() */
static bool svx_ready_for_interrupt(struct svx_vcpu *vcpu)
{
	bool ready;

	svx_vcpu_load(vcpu);
	ready = vcpu->irq_queued < 0 && svx_interrupt_allowed(vcpu);
	svx_vcpu_put(vcpu);
	return ready;
}

/* ---------------------------------------------------------------------- */
/* One entry                                                               */

/*
 * The VMX-preemption timer as a guard, not a clock.  With "external-
 * interrupt exiting" every host interrupt ends the guest's run (SDM
 * 25.2), so the host tick already bounds it and kvm_intel arms no timer.
 * Bochs 2.7 keeps host interrupts pending while the guest runs with
 * RFLAGS.IF=0 (shared bochs-notes.md): a guest spinning with interrupts
 * off would hold the CPU.  The timer is re-armed at every entry for
 * guard_ticks host ticks, longer than the tick period, so while ticks
 * reach the CPU the tick's exit comes first and the timer never fires; it
 * fires only when they do not.  guard_ticks=0 disables it.
 */
static unsigned int svx_guard_ticks = 2;
module_param_named(guard_ticks, svx_guard_ticks, uint, 0644);
MODULE_PARM_DESC(guard_ticks,
		 "VMX-preemption timer armed at each entry for this many host ticks (only fires when host interrupts do not exit the guest; 0: off)");

static u32 svx_guard_timer_value(void)
{
	u64 ticks = min_t(u32, READ_ONCE(svx_guard_ticks), HZ);
	u64 v = div_u64((u64)tsc_khz * 1000 * ticks, HZ);

	return min_t(u64, v >> svx_vmcs_conf.preempt_timer_shift, U32_MAX);
}

/*
 * The value above for the current guard_ticks and tsc_khz, computed again
 * only when one of them changed (a division less on every entry).
 */
static u32 svx_guard_timer_cached(void)
{
	static unsigned int c_ticks, c_khz;
	static u32 c_val;
	unsigned int ticks = READ_ONCE(svx_guard_ticks);
	unsigned int khz = READ_ONCE(tsc_khz);

	if (ticks != READ_ONCE(c_ticks) || khz != READ_ONCE(c_khz)) {
		WRITE_ONCE(c_val, svx_guard_timer_value());
		WRITE_ONCE(c_khz, khz);
		WRITE_ONCE(c_ticks, ticks);
	}
	return READ_ONCE(c_val);
}

/* true when an event was written into VM_ENTRY_INTR_INFO_FIELD */
static bool svx_prepare_entry(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	const struct svx_vmcs_config *c = &svx_vmcs_conf;

	if (vcpu->rip_dirty) {
		svx_vmwrite(GUEST_RIP, vcpu->rip);
		svx_vmwrite(GUEST_RSP, vcpu->regs[SVX_RSP]);
		svx_vmwrite(GUEST_RFLAGS, unlikely(vcpu->rmode.active) ?
			    svx_rmode_hw_rflags(vcpu) : vcpu->rflags);
		vcpu->rip_dirty = false;
	}
	/* read once per KVM_RUN (svx_save_host_segments()) */
	svx_vmwrite(HOST_FS_BASE, vmx->host_fs_base);
	vmx->host_msrs[SVX_AMSR_KERNEL_GS_BASE].value =
		vmx->host_kernel_gs_base;
	if (c->has_preempt_timer && svx_guard_ticks)
		svx_vmwrite(VMX_PREEMPTION_TIMER_VALUE,
			    svx_guard_timer_cached());
	svx_inject_queued(vcpu);
	if (vcpu->inject_pending) {
		if (vcpu->exc_pending)
			svx_exception_to_injected(vcpu);
		svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, vcpu->inject_info);
		svx_vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, vcpu->inject_error);
		svx_vmwrite(VM_ENTRY_INSTRUCTION_LEN, vcpu->inject_len);
		vcpu->inject_pending = false;
		vcpu->stats.misc[SVX_STAT_INJECTED]++;
		return true;
	}
	return false;
}

/*
 * An entry given up after svx_prepare_entry() (a request, a reschedule,
 * a signal): the event it wrote into the VMCS goes back to the queue, as
 * KVM's vmx_cancel_injection().  Left in the VMCS it would be injected
 * later behind the back of the queue: overwritten by the next event
 * (an interrupt the local APIC already moved to its ISR, lost for good),
 * or invisible to KVM_GET_VCPU_EVENTS.
 */
static void svx_cancel_injection(struct svx_vcpu *vcpu)
{
	u32 info = svx_vmread(VM_ENTRY_INTR_INFO_FIELD);

	if (!(info & SVX_INTR_VALID))
		return;
	vcpu->inject_pending = true;
	vcpu->exc_pending = false;	/* injected, as KVM's requeue */
	vcpu->inject_info = info;
	vcpu->inject_error = svx_vmread(VM_ENTRY_EXCEPTION_ERROR_CODE);
	vcpu->inject_len = svx_vmread(VM_ENTRY_INSTRUCTION_LEN);
	svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	vcpu->stats.misc[SVX_STAT_INJECTED]--;
}

static void svx_read_exit_info(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	vmx->exit_reason = svx_vmread(VM_EXIT_REASON);
	vmx->exit_qual = svx_vmread(EXIT_QUALIFICATION);
	vmx->exit_intr_info = svx_vmread(VM_EXIT_INTR_INFO);
	/*
	 * The error codes only when their information field says there is
	 * one, else 0, as KVM (vmx_get_exit_info(), __vmx_complete_interrupts()).
	 * IDT-vectoring information is read on every exit: the event it names
	 * is re-injected (svx_requeue_vectoring()).
	 */
	vmx->exit_intr_error = vmx->exit_intr_info & SVX_INTR_HAS_ERROR ?
				svx_vmread(VM_EXIT_INTR_ERROR_CODE) : 0;
	vmx->idt_vectoring = svx_vmread(IDT_VECTORING_INFO_FIELD);
	vmx->idt_vectoring_error = vmx->idt_vectoring & SVX_INTR_HAS_ERROR ?
				    svx_vmread(IDT_VECTORING_ERROR_CODE) : 0;
	vmx->exit_insn_len = svx_vmread(VM_EXIT_INSTRUCTION_LEN);
	vmx->exit_insn_info = svx_vmread(VMX_INSTRUCTION_INFO);
	vcpu->rip = svx_vmread(GUEST_RIP);
	vcpu->regs[SVX_RSP] = svx_vmread(GUEST_RSP);
	vcpu->rflags = svx_vmread(GUEST_RFLAGS);
	if (unlikely(vcpu->rmode.active))
		vcpu->rflags = svx_rmode_guest_rflags(vcpu, vcpu->rflags);
	if (svx_vm_ept(vcpu->vm))
		svx_ept_read_exit_info(vcpu);
}

/*
 * An exit in the middle of delivering an event (e.g. a shadow page fault
 * on the guest's IDT or stack) must not lose the event: re-inject it.
 */
static void svx_requeue_vectoring(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	u32 info = vmx->idt_vectoring;
	u32 type;

	if (!(info & SVX_INTR_VALID))
		return;
	type = info & SVX_INTR_TYPE_MASK;
	vcpu->inject_pending = true;
	vcpu->exc_pending = false;	/* injected (kvm_requeue_exception()) */
	vcpu->inject_info = info & ~SVX_INTR_NMI_UNBLOCK & ~(0x7ffffU << 12);
	vcpu->inject_info |= SVX_INTR_VALID;
	vcpu->inject_error = vmx->idt_vectoring_error;
	vcpu->inject_len = 0;
	if (type == SVX_INTR_TYPE_SW_INT << SVX_INTR_TYPE_SHIFT ||
	    type == SVX_INTR_TYPE_PRIV_SW << SVX_INTR_TYPE_SHIFT ||
	    type == SVX_INTR_TYPE_SW_EXC << SVX_INTR_TYPE_SHIFT)
		vcpu->inject_len = vmx->exit_insn_len;
	vcpu->stats.misc[SVX_STAT_REINJECTED]++;
}

/*
 * KVM_RUN's caller as it entered: the selectors and LDTR a VM exit nulls.
 * The HOST_*_SELECTOR fields take only RPL-0 GDT selectors, which user
 * space never holds, so they stay 0 and the few VMMs with non-null ones
 * get them back when the guest is left for good (svx_host_after_exits():
 * not between fast-path re-entries), before anything can schedule.
 */
static void svx_save_host_segments(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	rdmsrl(MSR_KERNEL_GS_BASE, vmx->host_kernel_gs_base);
	/* the task's: it cannot change while it is in KVM_RUN */
	vmx->host_fs_base = x86_fsbase_read_cpu();	/* RDFSBASE if enabled */
	savesegment(ds, vmx->host_ds);
	savesegment(es, vmx->host_es);
	savesegment(fs, vmx->host_fs);
	savesegment(gs, vmx->host_gs);
	asm volatile("sldt %0" : "=rm"(vmx->host_ldt));
}

/* After a VM exit, GDT reloaded, interrupts off (vmx_prepare_switch_to_host). */
static void svx_restore_host_segments(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	if (unlikely(vmx->host_ldt || vmx->host_gs)) {
		asm volatile("lldt %0" : : "rm"(vmx->host_ldt));
		load_gs_index(vmx->host_gs);
		/* load_gs_index() set the user GS base from the descriptor. */
		wrmsrl(MSR_KERNEL_GS_BASE, vmx->host_kernel_gs_base);
	}
	if (unlikely(vmx->host_fs)) {
		loadsegment(fs, vmx->host_fs);
		wrmsrl(MSR_FS_BASE, vmx->host_fs_base);
	}
	if (unlikely(vmx->host_ds | vmx->host_es)) {
		loadsegment(ds, vmx->host_ds);
		loadsegment(es, vmx->host_es);
	}
}

/*
 * Leaving the guest for good (not for a fast-path re-entry): VM exit set
 * the GDT limit to 0xffff and the TSS limit to 0x67 (SDM 27.5.2): restore
 * the former, let the kernel fix the latter lazily when a task needs its
 * I/O bitmap; the caller's segments.  Interrupts off.
 */
static void svx_host_after_exits(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);

	load_fixmap_gdt(smp_processor_id());
	this_cpu_write(__tss_limit_invalid, true);
	/* the call only for the few callers with non-null selectors */
	if (unlikely(vmx->host_ldt | vmx->host_gs | vmx->host_fs |
		     vmx->host_ds | vmx->host_es))
		svx_restore_host_segments(vcpu);
}

/*
 * The conditions under which svx_debug_before_entry() and
 * svx_debug_after_exit() (vmx/debugreg.c) do anything: tested inline,
 * the calls are made only then (vcpu_enter_guest() tests switch_db_regs
 * and hw_breakpoint_active() inline too).
 */
static __always_inline bool svx_debug_entry_work(struct svx_vcpu *vcpu)
{
	return unlikely(vcpu->dbg.switch_db || hw_breakpoint_active() ||
			(vcpu->dbg.guest_debug & KVM_GUESTDBG_SINGLESTEP));
}

static __always_inline bool svx_debug_exit_work(struct svx_vcpu *vcpu)
{
	return unlikely((vcpu->dbg.switch_db & SVX_DEBUGREG_WONT_EXIT) ||
			hw_breakpoint_active() || vcpu->dbg.host_debugctl);
}

/*
 * A reason not to enter: need_resched() or signal_pending(current).  The
 * thread flags are read once; the exact tests only when one of their
 * flags is set.
 */
static __always_inline bool svx_task_work_pending(void)
{
	return unlikely(read_thread_flags() &
			(_TIF_NEED_RESCHED | _TIF_SIGPENDING |
			 _TIF_NOTIFY_SIGNAL)) &&
	       (need_resched() || signal_pending(current));
}

static int svx_enter_guest(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	unsigned long cr2, host_cr3 = 0, host_cr4 = 0, v;
	bool fast = false, injected;
	int fail;

	preempt_disable();
	if (!svx_vcpu_loaded_here(vcpu))
		__svx_vcpu_load(vcpu);
	injected = svx_prepare_entry(vcpu);
	/*
	 * PV EOI (Hyper-V's VP assist page), after an injection: KVM offers
	 * it after it processed KVM_REQ_EVENT, which an injection (new,
	 * or again after an exit during delivery) comes with; not at an
	 * entry after a plain exit
	 */
	if (unlikely(vcpu->pv_eoi_msr) && injected && vcpu->lapic)
		svx_irqchip_pv_eoi_to_guest(vcpu);
	/* the call only when there is a VPID flush to do */
	if (vmx->vpid && (vmx->ept_last_cpu != smp_processor_id() ||
			  vmx->vpid_flush))
		svx_vpid_prepare_entry(vcpu);

	local_irq_disable();
	/* the host's DEBUGCTL, for after the exits (vmx/debugreg.c) */
	vcpu->dbg.host_debugctl = get_debugctlmsr();
reenter:
	/*
	 * Host CR3 (PCID bits included) and CR4 (TSD, PCE) vary per task;
	 * with interrupts off, an IPI that changes CR4 comes before or after.
	 * Written when they differ from what this call wrote (fast-path
	 * re-entries: KVM's host_state.cr3/cr4).
	 */
	v = __read_cr3();
	if (unlikely(v != host_cr3)) {
		svx_vmwrite(HOST_CR3, v);
		host_cr3 = v;
	}
	v = cr4_read_shadow();
	if (unlikely(v != host_cr4)) {
		svx_vmwrite(HOST_CR4, v);
		host_cr4 = v;
	}
	/* Publish IN_GUEST before checking requests: see svx_kick_all(). */
	smp_store_mb(vcpu->mode, SVX_IN_GUEST);
	if (READ_ONCE(vcpu->requests) || svx_task_work_pending()) {
		WRITE_ONCE(vcpu->mode, SVX_OUTSIDE_GUEST);
		if (fast) {
			svx_fastpath_leave(vcpu);
			svx_host_after_exits(vcpu);
		}
		local_irq_enable();
		svx_cancel_injection(vcpu);
		preempt_enable();
		return -EAGAIN;
	}

	svx_l1d_flush(vcpu);	/* vmx/spec.h */
	cr2 = native_read_cr2();
	if (cr2 != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
	if (unlikely(test_thread_flag(TIF_NEED_FPU_LOAD)))
		svx_fpu_prepare_entry(vcpu);
	if (vcpu->cr4 & X86_CR4_OSXSAVE)
		svx_fpu_load_guest_xcr0(vcpu);
	if (svx_debug_entry_work(vcpu))
		svx_debug_before_entry(vcpu);

	fail = __svx_vmx_run(vcpu->regs, vmx->launched);

	if (svx_debug_exit_work(vcpu))
		svx_debug_after_exit(vcpu);
	if (vcpu->cr4 & X86_CR4_OSXSAVE)
		svx_fpu_load_host_xcr0(vcpu);
	vcpu->cr2 = native_read_cr2();
	WRITE_ONCE(vcpu->mode, SVX_OUTSIDE_GUEST);
	vcpu->stats.misc[SVX_STAT_ENTRIES]++;

	/* vmx/fastpath.h: handled and counted, enter again */
	if (!fail && svx_fastpath_exit(vcpu)) {
		vmx->launched = true;
		fast = true;
		/*
		 * Nothing injected is pending once the entry completed; only
		 * svx_prepare_entry() injects, so only its event is cleared.
		 */
		if (injected) {
			svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
			injected = false;
		}
		/*
		 * A moment with interrupts on: Bochs holds host interrupts
		 * while a guest with RFLAGS.IF=0 runs (the shared
		 * bochs-notes.md), hardware would exit on them.  STI's
		 * shadow covers one instruction.
		 */
		local_irq_enable();
		cpu_relax();
		local_irq_disable();
		goto reenter;
	}
	svx_host_after_exits(vcpu);
	vmx->last_cpu = smp_processor_id();

	if (!fail) {
		vmx->launched = true;
		svx_read_exit_info(vcpu);
		/* Nothing injected is pending once the entry completed. */
		if (injected)
			svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
		if ((vmx->exit_reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
		    (vmx->exit_intr_info & (SVX_INTR_VALID | SVX_INTR_TYPE_MASK)) ==
		    (SVX_INTR_VALID | SVX_INTR_TYPE_NMI << SVX_INTR_TYPE_SHIFT))
			asm volatile("int $2");
	} else {
		vmx->exit_reason = fail == 1 ?
			svx_vmread(VM_INSTRUCTION_ERROR) : 0;
	}
	/*
	 * A failed entry (VMLAUNCH/VMRESUME's error, or invalid guest state)
	 * delivered nothing: its event stays queued as injected, as KVM's
	 * vmx_vcpu_run() returns before vmx_complete_interrupts() then
	 * (KVM_GET_VCPU_EVENTS still shows it; the next entry injects it).
	 */
	if (injected &&
	    (fail || (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))) {
		svx_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
		vcpu->inject_pending = true;
		vcpu->exc_pending = false;
		vcpu->stats.misc[SVX_STAT_INJECTED]--;
	}
	local_irq_enable();
	preempt_enable();
	return fail;
}

/* ---------------------------------------------------------------------- */
/* KVM_RUN                                                                 */

static int svx_run_loop(struct svx_vcpu *vcpu);

int svx_vcpu_run(struct svx_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	vcpu->stats.misc[SVX_STAT_RUNS]++;
	to_vmx(vcpu)->l1d_flush = true;		/* as KVM's vcpu_run() */
	/* The guest's FPU state is the task's until the end (x86/fpu.c). */
	svx_fpu_load_guest(vcpu);
	/* As KVM: finish the last exit first; exit_reason stays as it was. */
	vcpu->dbg.user_exit = false;
	/*
	 * As KVM ("re-sync apic's tpr"): without a local APIC in the kernel,
	 * userspace's APIC owns the TPR and passes it in kvm_run->cr8 at
	 * every KVM_RUN; post_kvm_run_save() below hands it back.
	 */
	if (!vcpu->lapic) {
		u64 cr8 = READ_ONCE(run->cr8);

		if (cr8 & ~0xfULL) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_RUN: kvm_run cr8 %#llx has reserved bits\n",
				    vcpu->id, cr8);
			r = -EINVAL;
			goto out;
		}
		vcpu->cr8 = cr8;
	}
	if ((vcpu->pending == SVX_PENDING_PIO_IN ||
	     vcpu->pending == SVX_PENDING_PIO_OUT) && !vcpu->pio.string) {
		/* an IN or OUT: svx_complete_user()'s case, without its frame */
		bool in = vcpu->pending == SVX_PENDING_PIO_IN;

		vcpu->pending = SVX_PENDING_NONE;
		svx_pio_complete_fast(vcpu, in);
		r = 1;
	} else {
		r = svx_complete_user(vcpu);
		if (r <= 0)
			goto out;
	}
	/* single-step (debugreg.c) */
	if (unlikely(vcpu->dbg.user_exit) && svx_debug_take_user_exit(vcpu)) {
		r = 0;
		goto out;
	}
	if (READ_ONCE(SVX_RUN_IMMEDIATE_EXIT(run))) {
		vcpu->stats.misc[SVX_STAT_SIGNAL]++;
		r = -EINTR;
		goto out;
	}

	if (vcpu->lapic && vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		r = svx_irqchip_run_uninit(vcpu);
		goto out;
	}
	svx_save_host_segments(vcpu);
	r = svx_run_loop(vcpu);
out:
	/*
	 * post_kvm_run_save(), on every return as KVM: what a userspace
	 * irqchip needs to know.
	 */
	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->flags = vcpu->smm.in_smm ? KVM_RUN_X86_SMM : 0;
	run->cr8 = svx_get_cr8(vcpu);
	run->apic_base = svx_get_apic_base(vcpu);
	/* As KVM: with the PICs in the kernel, always ready. */
	run->ready_for_interrupt_injection = vcpu->lapic ||
					     svx_ready_for_interrupt(vcpu);
	svx_fpu_put_guest(vcpu);
	return r;
}

/*
 * A Hyper-V request (core/hyperv.c) as KVM's vcpu_enter_guest() turns it
 * into an exit: KVM_EXIT_SYSTEM_EVENT of @type, no data.
 */
static bool svx_hv_system_event(struct svx_vcpu *vcpu, int req, u32 type)
{
	if (!test_and_clear_bit(req, &vcpu->requests))
		return false;
	vcpu->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	vcpu->run->system_event.type = type;
	vcpu->run->system_event.ndata = 0;
	return true;
}

static int svx_run_loop(struct svx_vcpu *vcpu)
{
	struct svx_vmx *vmx = to_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	int r;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stats.misc[SVX_STAT_SIGNAL]++;
			return -EINTR;
		}
		cond_resched();
		if (vcpu->triple_fault) {	/* KVM_REQ_TRIPLE_FAULT */
			vcpu->triple_fault = false;
			run->exit_reason = KVM_EXIT_SHUTDOWN;
			return 0;
		}
		/* the atomic tests only with a request (kvm_request_pending()) */
		if (unlikely(READ_ONCE(vcpu->requests))) {
			/* KVM_REQ_HV_CRASH, KVM_REQ_HV_RESET (core/hyperv.c) */
			if (svx_hv_system_event(vcpu, SVX_REQ_HV_CRASH,
						KVM_SYSTEM_EVENT_CRASH) ||
			    svx_hv_system_event(vcpu, SVX_REQ_HV_RESET,
						KVM_SYSTEM_EVENT_RESET))
				return 0;
			/* KVM_REQ_HV_EXIT: a SynIC MSR write (core/hyperv.c) */
			if (test_and_clear_bit(SVX_REQ_HV_EXIT,
					       &vcpu->requests)) {
				svx_hv_fill_exit(vcpu);
				return 0;
			}
			/* KVM_REQ_HV_STIMER: the synthetic timers' expiries */
			if (test_and_clear_bit(SVX_REQ_HV_STIMER,
					       &vcpu->requests))
				svx_hv_process_stimers(vcpu);
			if (test_and_clear_bit(SVX_REQ_MSR_FILTER,
					       &vcpu->requests) &&
			    vmx->msr_bitmap)
				svx_msr_bitmap_update(vcpu);
			if (test_and_clear_bit(SVX_REQ_MMU_RELOAD,
					       &vcpu->requests)) {
				vcpu->mmu.root_hpa = 0;
				vcpu->mmu.no_flush = false;
			}
			/* see below */
			if (test_and_clear_bit(SVX_REQ_TLB_FLUSH,
					       &vcpu->requests))
				vmx->vpid_flush = true;
		}
		/*
		 * Without VPID every VM entry flushes this vCPU's TLB.  With
		 * one, a flush request, and a new shadow root (the mappings
		 * of the old one must go: CR3 and paging-mode changes, a
		 * zapped root), flush the VPID before the entry.
		 */
		if (!svx_vm_ept(vcpu->vm) && !vcpu->mmu.root_hpa &&
		    !vcpu->mmu.no_flush)
			vmx->vpid_flush = true;
		/* the call only without a root (kvm_mmu_reload()) */
		if (!svx_vm_ept(vcpu->vm) && !vcpu->mmu.root_hpa) {
			r = svx_mmu_reload(vcpu);
			if (r)
				return r;
		}
		if (vcpu->lapic) {	/* INIT, SIPI, HLT in the kernel */
			r = svx_irqchip_vcpu_ready(vcpu);
			if (r <= 0)
				return r;
		}
		/* an SMI (vmx/smm.c): the vCPU's state changes, look again */
		if (unlikely(vcpu->smm.smi_pending) && svx_smm_check_smi(vcpu))
			continue;
		/* protected mode from SMM's segments (vmx/rmode.c) */
		if (unlikely(vcpu->rmode.pm_check) &&
		    svx_rmode_emulation_required(vcpu)) {
			vcpu->ran_unentered = true;
			r = svx_rmode_emulate(vcpu);
			if (r != SVX_RESUME)
				return r;
			continue;
		}
		if (unlikely(vcpu->rmode.active)) {
			/* KVM gets to vmx_vcpu_run() and emulates from here */
			vcpu->ran_unentered = true;
			/*
			 * vm86 needs the TSS; emulating segments vm86 cannot
			 * hold (SMM only) does not, as kvm_intel's
			 * emulate_invalid_guest_state (the upstream smm_test
			 * never calls KVM_SET_TSS_ADDR)
			 */
			if (!svx_rmode_emulation_required(vcpu) &&
			    !svx_rmode_runnable(vcpu))
				return 0;
			r = svx_rmode_prepare(vcpu);
			if (r != SVX_RESUME)
				return r;
			if (unlikely(svx_rmode_emulation_required(vcpu))) {
				r = svx_rmode_emulate(vcpu);
				if (r != SVX_RESUME)
					return r;
				continue;
			}
			if (!svx_rmode_runnable(vcpu))	/* after an event */
				return 0;
		}

		if (vcpu->vapic_addr)	/* kvm_lapic_sync_to_vapic() */
			svx_irqchip_sync_to_vapic(vcpu);
		if (test_bit(SVX_REQ_CLOCK_UPDATE, &vcpu->requests))
			svx_kvmclock_update(vcpu);	/* KVM_REQ_CLOCK_UPDATE */
		r = svx_enter_guest(vcpu);
		/* after the exit, or instead of the entry: the guest's EOI */
		if (vcpu->pv_eoi_pending)
			svx_irqchip_pv_eoi_from_guest(vcpu);
		if (r == -EAGAIN)
			continue;
		if (!r && vcpu->vapic_addr)
			svx_irqchip_sync_from_vapic(vcpu);
		if (r) {
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason =
				vmx->exit_reason;
			run->fail_entry.cpu = vmx->last_cpu;
			vcpu->stats.misc[SVX_STAT_FAILED_ENTRY]++;
			svx_vm_warn(vcpu->vm, "vcpu%d: VM%s failed: VM-instruction error %u\n",
				    vcpu->id, vmx->launched ? "RESUME" : "LAUNCH",
				    vmx->exit_reason);
			return 0;
		}
		svx_stat_exit(vcpu, vmx->exit_reason & 0xffff);
		trace_svx_vm_exit(vcpu->vm->id, vcpu->id, vmx->exit_reason,
				  vmx->exit_qual, vcpu->rip);
		if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			svx_requeue_vectoring(vcpu);
		r = svx_handle_exit(vcpu);
		if (r > 0 && unlikely(vcpu->dbg.user_exit) &&
		    svx_debug_take_user_exit(vcpu))
			r = 0;
		if (r > 0 && run->request_interrupt_window && !vcpu->lapic &&
		    svx_ready_for_interrupt(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			r = 0;
		}
		if (r <= 0) {
			if (r == 0)
				vcpu->stats.misc[SVX_STAT_USER_EXITS]++;
			return r;
		}
	}
}
