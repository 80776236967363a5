// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's hypercalls (kvm_emulate_hypercall() in arch/x86/kvm/x86.c of
 * Linux 6.1) and the #UD intercept that carries KVM_X86_QUIRK_FIX_HYPERCALL_INSN
 * (handle_ud() -> em_hypercall() -> emulator_fix_hypercall()).
 *
 * VMCALL: RAX the number, RBX, RCX... the arguments, the result in RAX
 * (32 bits of each outside 64-bit mode), -KVM_EPERM at CPL > 0.  Served:
 *   KVM_HC_VAPIC_POLL_IRQ  0
 *   KVM_HC_SCHED_YIELD     0 (when the guest may use it, KVM's
 *                          guest_pv_has()), after a directed yield to the
 *                          target vCPU's task (svx_sched_yield())
 * Any other number -KVM_ENOSYS, as KVM for unknown numbers and
 * KVM_HC_MAP_GPA_RANGE without KVM_CAP_EXIT_HYPERCALL.  Not served (KVM
 * serves them; KVM_CPUID_FEATURES here offers none of them):
 * KVM_HC_KICK_CPU (PV unhalt), KVM_HC_SEND_IPI, KVM_HC_CLOCK_PAIRING.
 *
 * #UD is intercepted in every mode (KVM's exception bitmap has it too).
 * KVM's emulator decodes the faulting instruction and emulates only those
 * it flags EmulateOnUD; the one an Intel CPU faults on and KVM handles
 * here is AMD's VMMCALL (0f 01 d9) in protected mode, the hypercall of a
 * guest written for SVM: with FIX_HYPERCALL_INSN (the default) the three
 * bytes at RIP become VMCALL (0f 01 c1), written with the guest's
 * permissions (a #PF if the page is not writable), and the guest runs them
 * again; without the quirk, and for anything else, the #UD is the
 * guest's.  Not handled (the #UD goes to the guest, as KVM's for an
 * instruction its emulator does not flag): VMMCALL after prefixes (KVM
 * writes VMCALL at RIP, over the prefixes), MOVBE and RDPID (not offered
 * beyond the host's CPUID), SYSCALL/SYSENTER across vendors.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <uapi/linux/kvm_para.h>
#include <uapi/asm/kvm_para.h>

#include "vmx_int.h"
#include "walker.h"
#include "vmx.h"
#include "vm.h"
#include "kvmclock.h"
#include "hyperv.h"

static const u8 svx_vmcall[3] = { 0x0f, 0x01, 0xc1 };
static const u8 svx_vmmcall[3] = { 0x0f, 0x01, 0xd9 };

/*
 * KVM_RUN, vCPU mutex held: the task running the vCPU, as KVM's
 * kvm_vcpu_ioctl() records it (vcpu->pid) for directed yields.
 */
void svx_vcpu_track_pid(struct svx_vcpu *vcpu)
{
	struct pid *old = rcu_access_pointer(vcpu->pid);

	if (likely(old == task_pid(current)))
		return;
	rcu_assign_pointer(vcpu->pid, get_task_pid(current, PIDTYPE_PID));
	if (old) {
		synchronize_rcu();
		put_pid(old);
	}
}

/* At VM destruction, no vCPU running. */
void svx_vcpu_put_pid(struct svx_vcpu *vcpu)
{
	put_pid(rcu_dereference_protected(vcpu->pid, true));
}

/*
 * kvm_sched_yield() and kvm_vcpu_yield_to(): the target is the vCPU with
 * initial APIC ID @dest (KVM's APIC map, for the IDs vCPUs start with);
 * yield_to() gives the rest of this task's slice to the target's task when
 * that one waits for a CPU and does nothing when it runs or sleeps.
 */
static void svx_sched_yield(struct svx_vcpu *vcpu, unsigned long dest)
{
	struct svx_vm *vm = vcpu->vm;
	struct task_struct *task = NULL;
	struct svx_vcpu *t = NULL;
	int i, n = READ_ONCE(vm->nr_vcpus);

	/* KVM's map holds in-kernel local APICs only */
	if (!READ_ONCE(vm->irqchip) || single_task_running())
		return;
	for (i = 0; i < n && i < SVX_MAX_VCPUS; i++) {
		t = READ_ONCE(vm->vcpus[i]);
		if (t && t->id == dest)
			break;
		t = NULL;
	}
	if (!t || t == vcpu)
		return;
	rcu_read_lock();
	task = get_pid_task(rcu_dereference(t->pid), PIDTYPE_PID);
	rcu_read_unlock();
	if (!task)
		return;
	yield_to(task, 1);
	put_task_struct(task);
}

/*
 * KVM's kvm_vcpu_on_spin() (Hyper-V's HvNotifyLongSpinWait, core/hyperv.c):
 * a directed yield to another vCPU of the VM whose task can run, the
 * vCPUs after @me first.
 */
void svx_vcpu_on_spin(struct svx_vcpu *me)
{
	struct svx_vm *vm = me->vm;
	struct task_struct *task;
	struct svx_vcpu *t;
	int i, r;

	if (single_task_running())
		return;
	for (i = 1; i < SVX_MAX_VCPUS; i++) {
		t = READ_ONCE(vm->vcpus[(me->id + i) % SVX_MAX_VCPUS]);
		if (!t)
			continue;
		rcu_read_lock();
		task = get_pid_task(rcu_dereference(t->pid), PIDTYPE_PID);
		rcu_read_unlock();
		if (!task)
			continue;
		r = yield_to(task, 1);
		put_task_struct(task);
		if (r > 0)
			return;
	}
}

/* A VMCALL exit. */
int svx_handle_vmcall(struct svx_vcpu *vcpu)
{
	unsigned long nr = vcpu->regs[SVX_RAX];
	unsigned long a0 = vcpu->regs[SVX_RBX];
	bool op_64_bit = svx_code_mode(vcpu) == 8;
	unsigned long ret;

	/* Hyper-V's (core/hyperv.c): #UD from CPL > 0 and real mode */
	if (svx_hv_hypercall_enabled(vcpu)) {
		int r = -1;

		if (svx_guest_cpl(vcpu) == 0 && (vcpu->cr0 & X86_CR0_PE))
			r = svx_hv_hypercall(vcpu, op_64_bit);
		if (r < 0) {
			svx_inject_ud(vcpu);
			return SVX_RESUME;
		}
		if (r > 0)	/* KVM_EXIT_HYPERV: the VMM answers */
			return SVX_USER;
		svx_skip_insn(vcpu);
		return SVX_RESUME;
	}
	if (!op_64_bit) {
		nr = (u32)nr;
		a0 = (u32)a0;
	}
	if (svx_guest_cpl(vcpu) != 0) {
		ret = -KVM_EPERM;
		goto out;
	}
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		ret = 0;
		break;
	case KVM_HC_SCHED_YIELD:
		ret = -KVM_ENOSYS;
		if (!svx_guest_pv_has(vcpu, KVM_FEATURE_PV_SCHED_YIELD))
			break;
		svx_sched_yield(vcpu, a0);
		ret = 0;
		break;
	default:
		ret = -KVM_ENOSYS;
		break;
	}
out:
	if (!op_64_bit)
		ret = (u32)ret;
	vcpu->regs[SVX_RAX] = ret;
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

/* A #UD exit (not in vm86 under shadow paging: vmx/rmode.c has those). */
int svx_handle_ud(struct svx_vcpu *vcpu)
{
	u32 user = svx_guest_cpl(vcpu) == 3 ? SVX_ACC_USER : 0;
	u64 rip = svx_linear_rip(vcpu);
	struct svx_walk w;
	u8 insn[3];
	int r;

	/* RSM, which the CPU refuses in VMX non-root (vmx/smm.c) */
	if (vcpu->smm.in_smm) {
		u8 bytes[SVX_INSN_MAX];
		int n = svx_fetch_guest_insn(vcpu, bytes);

		if (n == -EAGAIN)
			return SVX_RESUME;	/* the fetch's #PF injected */
		r = n > 0 ? svx_decode_rsm(bytes, n,
					   svx_mmio_code_mode(vcpu)) : -EINVAL;
		if (r > 0)
			return svx_smm_rsm(vcpu, bytes, r);
	}

	/* VMMCALL is "Prot" in KVM's table: #UD in real and vm86 mode. */
	if (!(vcpu->cr0 & X86_CR0_PE) || (vcpu->rflags & X86_EFLAGS_VM))
		goto ud;
	/* A fetch that faults is a decode failure: KVM gives the #UD. */
	if (svx_guest_virt_access(vcpu, rip, insn, sizeof(insn),
				  SVX_ACC_FETCH | user, &w))
		goto ud;
	if (memcmp(insn, svx_vmmcall, sizeof(insn)))
		goto ud;
	if (!svx_quirk(vcpu->vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		goto ud;
	memcpy(insn, svx_vmcall, sizeof(insn));
	r = svx_guest_virt_access(vcpu, rip, insn, sizeof(insn),
				  SVX_ACC_WRITE | user, &w);
	if (r == 1) {
		svx_inject_walk_fault(vcpu, &w);
		return SVX_RESUME;
	}
	if (r) {
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "VMMCALL to patch not in writable guest RAM");
		return SVX_USER;
	}
	return SVX_RESUME;	/* the guest runs the VMCALL now at RIP */
ud:
	svx_inject_ud(vcpu);
	return SVX_RESUME;
}
