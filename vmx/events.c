// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's pending and injected events as userspace sees them (KVM's
 * x86.c kvm_vcpu_ioctl_interrupt(), kvm_vcpu_ioctl_nmi(),
 * kvm_deliver_exception_payload(), kvm_vcpu_ioctl_x86_get_vcpu_events()
 * and kvm_vcpu_ioctl_x86_set_vcpu_events()).
 *
 * This file owns:
 *  - KVM_INTERRUPT and KVM_NMI: the userspace irqchip's vector and NMI,
 *    queued for the next entry;
 *  - an exception going from pending to injected, with the payload that
 *    KVM_CAP_EXCEPTION_PAYLOAD lets userspace give (CR2 for #PF, DR6 for
 *    #DB);
 *  - KVM_GET_VCPU_EVENTS and KVM_SET_VCPU_EVENTS (also sync regs').
 *
 * What is injected at an entry, and when, is the run loop's
 * (svx_inject_queued(), svx_prepare_entry()); exceptions are raised with
 * svx_inject_exception().
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/string.h>
#include <asm/irq_vectors.h>
#include <asm/trapnr.h>

#include "vmx_int.h"
#include "vmx.h"

int svx_queue_interrupt(struct svx_vcpu *vcpu, u32 irq)
{
	if (irq >= KVM_NR_INTERRUPTS)
		return -EINVAL;
	vcpu->irq_queued = irq;
	return 0;
}

void svx_queue_nmi(struct svx_vcpu *vcpu)
{
	vcpu->nmi_queued = true;
}

/*
 * The queued exception goes from pending to injected (KVM's
 * kvm_check_and_inject_events() + kvm_inject_exception()): its payload,
 * which KVM_SET_VCPU_EVENTS may have given with KVM_CAP_EXCEPTION_PAYLOAD,
 * into CR2 (#PF) or DR6 (#DB, which also clears DR7.GD).
 */
static void svx_deliver_payload(struct svx_vcpu *vcpu)
{
	u8 vector = vcpu->inject_info & 0xff;

	if (!vcpu->exc_has_payload)
		return;
	if (vector == X86_TRAP_DB)
		svx_deliver_db_payload(vcpu, vcpu->exc_payload);
	else if (vector == X86_TRAP_PF)
		vcpu->cr2 = vcpu->exc_payload;
	vcpu->exc_has_payload = false;
}

void svx_exception_to_injected(struct svx_vcpu *vcpu)
{
	u32 type = (vcpu->inject_info & SVX_INTR_TYPE_MASK) >>
		   SVX_INTR_TYPE_SHIFT;

	if (vcpu->inject_pending && type == SVX_INTR_TYPE_HW_EXC) {
		svx_deliver_payload(vcpu);
		if ((vcpu->inject_info & 0xff) == X86_TRAP_DB)
			svx_clear_dr7_gd(vcpu);
	}
	vcpu->exc_pending = false;
	vcpu->exc_has_payload = false;
}

void svx_get_events(struct svx_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	u32 type = (vcpu->inject_info & SVX_INTR_TYPE_MASK) >>
		   SVX_INTR_TYPE_SHIFT;
	bool pend = vcpu->inject_pending;
	u32 intr;

	memset(ev, 0, sizeof(*ev));
	svx_vcpu_load(vcpu);
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	svx_vcpu_put(vcpu);
	if (pend && (type == SVX_INTR_TYPE_HW_EXC ||
		     type == SVX_INTR_TYPE_SW_EXC)) {
		u8 nr = vcpu->inject_info & 0xff;
		bool pending = type == SVX_INTR_TYPE_HW_EXC && vcpu->exc_pending;

		/*
		 * As KVM 6.1: without KVM_CAP_EXCEPTION_PAYLOAD a pending
		 * exception's payload is delivered now and it is reported as
		 * injected too (pending and injected conflated for old VMMs);
		 * #BP and #OF (soft, no instruction length in the ABI) are
		 * reported as neither, RIP still being on them.
		 */
		if (pending && !vcpu->vm->exception_payload)
			svx_deliver_payload(vcpu);
		if (nr != X86_TRAP_BP && nr != X86_TRAP_OF) {
			ev->exception.injected = !pending ||
						 !vcpu->vm->exception_payload;
			ev->exception.pending = pending;
		}
		ev->exception.nr = nr;
		ev->exception.has_error_code =
			!!(vcpu->inject_info & SVX_INTR_HAS_ERROR);
		ev->exception.error_code = vcpu->inject_error;
		ev->exception_has_payload = vcpu->exc_has_payload;
		ev->exception_payload = vcpu->exc_payload;
	}
	if (vcpu->irq_queued >= 0) {
		ev->interrupt.injected = 1;
		ev->interrupt.nr = vcpu->irq_queued;
	} else if (pend && (type == SVX_INTR_TYPE_EXT ||
			    type == SVX_INTR_TYPE_SW_INT)) {
		ev->interrupt.injected = 1;
		ev->interrupt.nr = vcpu->inject_info & 0xff;
		ev->interrupt.soft = type == SVX_INTR_TYPE_SW_INT;
	}
	ev->interrupt.shadow = intr & (GUEST_INTR_STATE_STI |
				       GUEST_INTR_STATE_MOV_SS);
	ev->nmi.injected = pend && type == SVX_INTR_TYPE_NMI;
	ev->nmi.pending = vcpu->nmi_queued;
	ev->nmi.masked = !!(intr & GUEST_INTR_STATE_NMI);
	ev->flags = KVM_VCPUEVENT_VALID_SHADOW;
	svx_smm_get_events(vcpu, ev);
	if (vcpu->vm->exception_payload)
		ev->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	if (vcpu->vm->triple_fault_event) {
		ev->triple_fault.pending = vcpu->triple_fault;
		ev->flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	}
}

int svx_set_events(struct svx_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	bool payload = ev->flags & KVM_VCPUEVENT_VALID_PAYLOAD;
	bool exc_pending = payload && ev->exception.pending;
	bool exc_injected = ev->exception.injected && !exc_pending;
	u32 intr;

	if (ev->flags & ~(u32)(KVM_VCPUEVENT_VALID_NMI_PENDING |
			       KVM_VCPUEVENT_VALID_SHADOW |
			       KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			       KVM_VCPUEVENT_VALID_SMM |
			       KVM_VCPUEVENT_VALID_PAYLOAD |
			       KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	if (svx_smm_check_events(vcpu, ev))
		return -EINVAL;
	/*
	 * As KVM 6.1: exception.pending (with its payload) only with
	 * KVM_VCPUEVENT_VALID_PAYLOAD, which needs KVM_CAP_EXCEPTION_PAYLOAD,
	 * and then it wins over injected; else it is ignored.  The vector is
	 * checked only for an exception there is (QEMU writes nr 0xff when
	 * there is none).
	 */
	if (payload && !vcpu->vm->exception_payload) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_VCPU_EVENTS: KVM_VCPUEVENT_VALID_PAYLOAD without KVM_CAP_EXCEPTION_PAYLOAD\n",
			    vcpu->id);
		return -EINVAL;
	}
	if (exc_injected + ev->interrupt.injected + ev->nmi.injected > 1 ||
	    ((exc_injected || exc_pending) &&
	     (ev->exception.nr > 31 || ev->exception.nr == NMI_VECTOR)))
		return -EINVAL;
	vcpu->inject_pending = false;
	vcpu->exc_pending = false;
	vcpu->exc_has_payload = false;
	vcpu->irq_queued = -1;
	if (exc_pending) {
		/* as one raised here: RF set for a fault at its injection */
		svx_inject_exception(vcpu, ev->exception.nr,
				     ev->exception.has_error_code,
				     ev->exception.error_code);
		vcpu->exc_has_payload = ev->exception_has_payload;
		vcpu->exc_payload = ev->exception_payload;
	}
	/* an injected event beside a pending exception is kept (after it) */
	if (exc_injected) {
		unsigned long rf = vcpu->rflags & X86_EFLAGS_RF;

		svx_inject_exception(vcpu, ev->exception.nr,
				     ev->exception.has_error_code,
				     ev->exception.error_code);
		vcpu->exc_pending = false;
		/* As KVM: an injected exception is delivered again as it was. */
		vcpu->rflags = (vcpu->rflags & ~X86_EFLAGS_RF) | rf;
	} else if (ev->interrupt.injected && !ev->interrupt.soft) {
		vcpu->irq_queued = ev->interrupt.nr;
	} else if (ev->interrupt.injected) {
		return -EINVAL;	/* soft interrupts: not supported */
	} else if (ev->nmi.injected) {
		vcpu->nmi_queued = true;
	}
	if (ev->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_queued |= ev->nmi.pending;
	svx_vcpu_load(vcpu);
	intr = svx_vmread(GUEST_INTERRUPTIBILITY_INFO);
	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW)
		intr = (intr & ~3U) | (ev->interrupt.shadow & 3);
	intr = ev->nmi.masked ? intr | GUEST_INTR_STATE_NMI :
				intr & ~GUEST_INTR_STATE_NMI;
	svx_vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
	svx_vcpu_put(vcpu);
	svx_smm_set_events(vcpu, ev);
	/* as KVM 6.1, checked after the rest is set: KVM_REQ_TRIPLE_FAULT */
	if (ev->flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT) {
		if (!vcpu->vm->triple_fault_event) {
			svx_vm_warn(vcpu->vm, "vcpu%d: KVM_SET_VCPU_EVENTS: KVM_VCPUEVENT_VALID_TRIPLE_FAULT without KVM_CAP_X86_TRIPLE_FAULT_EVENT\n",
				    vcpu->id);
			return -EINVAL;
		}
		vcpu->triple_fault = ev->triple_fault.pending;
	}
	return 0;
}
