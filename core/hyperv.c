// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V enlightenments, as KVM 6.1's (arch/x86/kvm/hyperv.c), as far
 * as this device delivers them; KVM_GET_SUPPORTED_HV_CPUID lists exactly
 * that much:
 *
 * - the Hyper-V CPUID leaves (KVM's ten, 0x40000000-0x4000000A and
 *   0x40000080-0x40000082), on the system and the vCPU fd, -E2BIG for a
 *   table of fewer than ten;
 * - the partition MSRs GUEST_OS_ID, HYPERCALL (the hypercall page gets
 *   VMCALL; RET as KVM writes it for Intel), TIME_REF_COUNT (the VM's
 *   kvmclock in 100 ns, or the TSC page's reading while the page is
 *   valid), REFERENCE_TSC (the TSC page), REENLIGHTENMENT_CONTROL,
 *   TSC_EMULATION_CONTROL/STATUS (kept, as KVM keeps them; while TSC
 *   emulation is on, a valid TSC page stays as it is), CRASH_P0-P4,
 *   CRASH_CTL (a guest's notify is KVM_EXIT_SYSTEM_EVENT CRASH) and
 *   RESET (1: KVM_EXIT_SYSTEM_EVENT RESET); the vCPU MSRs VP_INDEX
 *   (the creation index; the VMM may set it), VP_RUNTIME (the task's
 *   CPU time in 100 ns plus an offset the VMM may set), TSC_FREQUENCY
 *   (the vCPU's KVM_GET_TSC_KHZ) and APIC_FREQUENCY (the in-kernel
 *   LAPIC's 1 GHz bus, irqchip/lapic.c);
 * - SynIC (KVM_ENABLE_CAP(KVM_CAP_HYPERV_SYNIC/SYNIC2) on a vCPU with the
 *   in-kernel irqchip): SCONTROL, SVERSION, SIEFP, SIMP, EOM and SINT0-15
 *   by KVM's synic_set_msr()/synic_get_msr() rules, a guest's write of
 *   SCONTROL, SIEFP or SIMP a KVM_EXIT_HYPERV (SYNIC) before its next
 *   instruction; KVM_IRQ_ROUTING_HV_SINT routes deliver a SINT's vector
 *   to the vCPU's own APIC (irqchip/irq_route.c), whose SynIC bitmaps
 *   (irqchip/lapic.c) keep AUTO_EOI vectors out of service and hand the
 *   EOI of a SINT's vector back here to ack the SINT's GSI (irqfd
 *   resamplers), as EOM does for every SINT;
 * - the synthetic timers (STIMER0-3 CONFIG/COUNT, KVM's stimer_*()): on
 *   hrtimers, one-shot or periodic in TIME_REF_COUNT's 100 ns, an expiry
 *   a HVMSG_TIMER_EXPIRED message in the SINT's slot of the SIMP page
 *   (KVM's synic_deliver_msg(): a busy slot gets msg_pending and the
 *   SINT's ack retries) or in direct mode the vector to the APIC,
 *   processed before an entry (SVX_REQ_HV_STIMER, vmx/run.c); a halted
 *   vCPU wakes for one (core/irqchip.c).  Nothing writes the event page,
 *   as in KVM;
 * - the synthetic debugger's MSRs (SYNDBG_CONTROL ... PENDING_BUFFER,
 *   OPTIONS; partition-wide, KVM's syndbg_*()): the guest's only with
 *   ALLOW_KERNEL_DEBUGGING in its 0x40000082, a guest's write of CONTROL
 *   or PENDING_BUFFER a KVM_EXIT_HYPERV (SYNDBG), the VMM's status after
 *   a CONTROL exit taken back into STATUS at the next KVM_RUN;
 * - a guest reaches the MSRs only with "Hv#1" in its 0x40000001.EAX
 *   (KVM's hyperv_enabled), the VMM always; with
 *   KVM_CAP_HYPERV_ENFORCE_CPUID, a guest's access needs its feature bit
 *   in the guest's own 0x40000003/0x40000004 (#GP, or for a hypercall
 *   HV_STATUS_ACCESS_DENIED, otherwise), as KVM's hv_check_msr_access()
 *   and hv_check_hypercall_access();
 * - the APIC access MSRs (KVM's kvm_hv_vapic_msr_*()): EOI, ICR (64-bit
 *   in either APIC mode) and TPR are the in-kernel local APIC's registers
 *   (#GP without one; EOI not readable); VP_ASSIST_PAGE zeroes the page's
 *   apic_assist dword and turns on PV EOI there (core/irqchip.c: the
 *   guest may EOI its interrupt by clearing bit 0, the EOI is done after
 *   the exit), as KVM's;
 * - hypercalls (VMCALL once the guest OS ID is set; #UD from CPL > 0 or
 *   real mode): the input checks and HV_STATUS_* of KVM's
 *   kvm_hv_hypercall(), XMM fast input for the flush and IPI calls
 *   (#UD with ENFORCE_CPUID unless the guest's 0x40000003 allows it);
 *   HvNotifyLongSpinWait yields; HvSendIpi and HvSendIpiEx send a fixed
 *   interrupt to the in-kernel APIC of each vCPU in their VP set;
 *   HvFlushVirtualAddressSpace/List(Ex) flush the whole guest TLB of
 *   each vCPU in theirs, the shadow pages synced first, before they
 *   return; HvSignalEvent signals
 *   the eventfd KVM_HYPERV_EVENTFD gave its connection; HvPostMessage
 *   (with an active SynIC) and an HvSignalEvent without an eventfd are
 *   the VMM's, KVM_EXIT_HYPERV (HCALL), its result the status at the
 *   next KVM_RUN (svx_hv_hypercall_complete()); the debugger's calls
 *   are the VMM's the same way once SYNDBG_OPTIONS has USE_HCALLS
 *   (HV_STATUS_OPERATION_DENIED before); every other code
 *   HV_STATUS_INVALID_HYPERCALL_CODE.
 *
 * Not here (not advertised): eVMCS and the nested features (0x4000000A
 * says KVM's two eVMCS-only bits with eVMCS version 0: vacuous without
 * VMX in the guest), the direct TLB flush of nested guests.
 *
 * The TSC page follows KVM's state machine (kvm_hv_setup_tsc_page()): a
 * write of REFERENCE_TSC with bit 0 makes it GUEST_CHANGED (HOST_CHANGED
 * from the VMM) and updates the master clock; every clock update
 * (core/kvmclock.c: KVM_SET_CLOCK, a TSC offset or rate change, the
 * master clock) moves a SET page to HOST_CHANGED, and the next vCPU clock
 * update rewrites it: sequence 0, scale and offset from that vCPU's
 * kvmclock parameters, then the next sequence.  Without a stable master
 * clock (PVCLOCK_TSC_STABLE_BIT) or with a scale that would overflow the
 * page is BROKEN and keeps sequence 0: the guest falls back to
 * TIME_REF_COUNT.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/slab.h>
#include <linux/cpu.h>
#include <linux/eventfd.h>
#include <linux/hrtimer.h>
#include <linux/idr.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <asm/pvclock.h>
#include <asm/hyperv-tlfs.h>
#include <asm/apicdef.h>
#include <asm/kvm_para.h>	/* KVM_MSR_ENABLED */

#include "svx.h"
#include "cpuid.h"
#include "mmu_host.h"
#include "vm.h"
#include "vmx.h"
#include "kvmclock.h"
#include "irq.h"
#include "irqchip.h"
#include "hyperv.h"
#include "mmu.h"
#include "fpu.h"

/* arch/x86/kvm/hyperv.h's, not in the TLFS header */
#define SVX_HV_SIGNATURE_EAX		0x31237648	/* "Hv#1" */
#define SVX_HV_SYNDBG_VENDOR		0x40000080
#define SVX_HV_SYNDBG_INTERFACE		0x40000081
#define SVX_HV_SYNDBG_PLATFORM_CAPS	0x40000082
#define SVX_HV_SYNDBG_ALLOW_KERNEL_DEBUGGING	BIT(1)
#define SVX_HV_MSR_SYNDBG_CONTROL	0x400000F1
#define SVX_HV_MSR_SYNDBG_STATUS	0x400000F2
#define SVX_HV_MSR_SYNDBG_SEND_BUFFER	0x400000F3
#define SVX_HV_MSR_SYNDBG_RECV_BUFFER	0x400000F4
#define SVX_HV_MSR_SYNDBG_PENDING_BUFFER 0x400000F5
#define SVX_HV_MSR_SYNDBG_OPTIONS	0x400000FF
#define SVX_HV_SYNDBG_OPTION_USE_HCALLS	BIT(2)
#define SVX_HV_NR_LEAVES		10
#define SVX_HV_APIC_BUS_HZ		1000000000ULL	/* irqchip/lapic.c */

/* KVM's enum hv_tsc_page_status */
enum {
	SVX_HV_TSC_PAGE_UNSET,		/* not set up or disabled */
	SVX_HV_TSC_PAGE_GUEST_CHANGED,	/* the guest wrote the MSR */
	SVX_HV_TSC_PAGE_HOST_CHANGED,	/* the VMM or a clock change */
	SVX_HV_TSC_PAGE_SET,		/* valid */
	SVX_HV_TSC_PAGE_BROKEN,		/* could not be set up */
};

/* KVM's kvm_hv_init_vm() */
void svx_hv_vm_init(struct svx_vm *vm)
{
	mutex_init(&vm->hv.lock);
	idr_init(&vm->hv.conn_to_evt);
}

/* KVM's kvm_hv_destroy_vm(): the KVM_HYPERV_EVENTFD eventfds go */
void svx_hv_vm_destroy(struct svx_vm *vm)
{
	struct eventfd_ctx *eventfd;
	int i;

	idr_for_each_entry(&vm->hv.conn_to_evt, eventfd, i)
		eventfd_ctx_put(eventfd);
	idr_destroy(&vm->hv.conn_to_evt);
}

/* KVM's synic_init() */
static void svx_hv_synic_init(struct svx_hv_synic *synic)
{
	int i;

	memset(synic, 0, sizeof(*synic));
	synic->version = HV_SYNIC_VERSION_1;
	for (i = 0; i < SVX_HV_SINT_COUNT; i++) {
		synic->sint[i] = HV_SYNIC_SINT_MASKED;
		synic->sint_to_gsi[i] = -1;
	}
}

/*
 * KVM's kvm_hv_vcpu_init(): the VP index is the creation index, the
 * SynIC's reset state (KVM makes it at the first Hyper-V MSR access or
 * KVM_ENABLE_CAP, the same values).
 */
void svx_hv_vcpu_init(struct svx_vcpu *vcpu, u32 vp_index)
{
	vcpu->hv.vp_index = vp_index;
	svx_hv_synic_init(&vcpu->hv.synic);
}

/* KVM's kvm_hv_set_cpuid(), after KVM_SET_CPUID2 */
void svx_hv_after_set_cpuid(struct svx_vcpu *vcpu)
{
	struct svx_hv_vcpu *hv = &vcpu->hv;
	const struct kvm_cpuid_entry2 *e;

	e = svx_cpuid_find(vcpu, HYPERV_CPUID_INTERFACE, 0);
	hv->enabled = e && e->eax == SVX_HV_SIGNATURE_EAX;
	hv->features_eax = 0;
	hv->features_ebx = 0;
	hv->features_edx = 0;
	hv->enlightenments_eax = 0;
	hv->enlightenments_ebx = 0;
	hv->syndbg_cap_eax = 0;
	if (!hv->enabled)
		return;
	e = svx_cpuid_find(vcpu, HYPERV_CPUID_FEATURES, 0);
	if (e) {
		hv->features_eax = e->eax;
		hv->features_ebx = e->ebx;
		hv->features_edx = e->edx;
	}
	e = svx_cpuid_find(vcpu, HYPERV_CPUID_ENLIGHTMENT_INFO, 0);
	if (e) {
		hv->enlightenments_eax = e->eax;
		hv->enlightenments_ebx = e->ebx;
	}
	e = svx_cpuid_find(vcpu, SVX_HV_SYNDBG_PLATFORM_CAPS, 0);
	if (e)
		hv->syndbg_cap_eax = e->eax;
}

/* KVM_ENABLE_CAP(KVM_CAP_HYPERV_ENFORCE_CPUID): any nonzero is on */
long svx_hv_enable_enforce_cpuid(struct svx_vcpu *vcpu, u64 arg)
{
	vcpu->hv.enforce = !!arg;
	return 0;
}

/*
 * KVM's kvm_get_hv_cpuid(): KVM's leaves, with only the features this
 * file delivers.
 */
static void svx_hv_fill_cpuid(struct svx_vcpu *vcpu,
			      struct kvm_cpuid_entry2 *ent)
{
	static const u32 leaves[SVX_HV_NR_LEAVES] = {
		HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS, HYPERV_CPUID_INTERFACE,
		HYPERV_CPUID_VERSION, HYPERV_CPUID_FEATURES,
		HYPERV_CPUID_ENLIGHTMENT_INFO, HYPERV_CPUID_IMPLEMENT_LIMITS,
		SVX_HV_SYNDBG_VENDOR, SVX_HV_SYNDBG_INTERFACE,
		SVX_HV_SYNDBG_PLATFORM_CAPS, HYPERV_CPUID_NESTED_FEATURES,
	};
	static const char vendor[12] __nonstring = "Linux KVM Hv";
	u32 sig[3];
	int i;

	memcpy(sig, vendor, sizeof(sig));
	memset(ent, 0, SVX_HV_NR_LEAVES * sizeof(*ent));
	for (i = 0; i < SVX_HV_NR_LEAVES; i++, ent++) {
		ent->function = leaves[i];
		switch (ent->function) {
		case HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS:
			ent->eax = SVX_HV_SYNDBG_PLATFORM_CAPS;
			fallthrough;
		case SVX_HV_SYNDBG_VENDOR:	/* its EAX 0 */
			ent->ebx = sig[0];
			ent->ecx = sig[1];
			ent->edx = sig[2];
			break;
		case HYPERV_CPUID_INTERFACE:
			ent->eax = SVX_HV_SIGNATURE_EAX;
			break;
		case HYPERV_CPUID_VERSION:	/* as KVM: Hyper-V 2016 */
			ent->eax = 0x00003839;
			ent->ebx = 0x000A0000;
			break;
		case HYPERV_CPUID_FEATURES:
			ent->eax = HV_MSR_VP_RUNTIME_AVAILABLE |
				   HV_MSR_TIME_REF_COUNT_AVAILABLE |
				   HV_MSR_HYPERCALL_AVAILABLE |
				   HV_MSR_VP_INDEX_AVAILABLE |
				   HV_MSR_RESET_AVAILABLE |
				   HV_MSR_REFERENCE_TSC_AVAILABLE |
				   HV_ACCESS_FREQUENCY_MSRS |
				   HV_ACCESS_REENLIGHTENMENT |
				   HV_MSR_SYNIC_AVAILABLE |
				   HV_MSR_SYNTIMER_AVAILABLE |
				   HV_MSR_APIC_ACCESS_AVAILABLE;
			/*
			 * HvPostMessage to the VMM, HvSignalEvent's eventfds;
			 * the synthetic debugger's MSRs and hypercalls
			 */
			ent->ebx = HV_POST_MESSAGES | HV_SIGNAL_EVENTS |
				   HV_DEBUGGING;
			ent->edx = HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE |
				   HV_FEATURE_FREQUENCY_MSRS_AVAILABLE |
				   HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE |
				   HV_X64_GUEST_DEBUGGING_AVAILABLE |
				   HV_FEATURE_DEBUG_MSRS_AVAILABLE;
			/* direct timers: to an in-kernel APIC, as KVM's */
			if (!vcpu || vcpu->lapic)
				ent->edx |= HV_STIMER_DIRECT_MODE_AVAILABLE;
			break;
		case HYPERV_CPUID_ENLIGHTMENT_INFO:
			ent->eax = HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED |
				   HV_X64_APIC_ACCESS_RECOMMENDED |
				   HV_X64_RELAXED_TIMING_RECOMMENDED |
				   HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED;
			/* HvSendIpi(Ex): to an in-kernel APIC */
			if (!vcpu || vcpu->lapic)
				ent->eax |= HV_X64_CLUSTER_IPI_RECOMMENDED;
			if (!cpu_smt_possible())
				ent->eax |= HV_X64_NO_NONARCH_CORESHARING;
			/* advice only: auto-EOI (SynIC) still works */
			ent->eax |= HV_DEPRECATING_AEOI_RECOMMENDED;
			/* HvNotifyLongSpinWait: KVM's retry count */
			ent->ebx = 0x00000FFF;
			break;
		case HYPERV_CPUID_IMPLEMENT_LIMITS:
			ent->eax = SVX_MAX_VCPUS;
			ent->ebx = 64;	/* as KVM: Hyper-V 2016's */
			break;
		case SVX_HV_SYNDBG_INTERFACE:	/* "VS#1" */
			memcpy(&ent->eax, "VS#1", 4);
			break;
		case SVX_HV_SYNDBG_PLATFORM_CAPS:
			ent->eax = SVX_HV_SYNDBG_ALLOW_KERNEL_DEBUGGING;
			break;
		case HYPERV_CPUID_NESTED_FEATURES:
			/*
			 * As KVM's, with or without nested VMX: an enlightened
			 * VMCS version of 0 (there is no eVMCS: this device
			 * never gives its guests VMX), and the enlightened MSR
			 * bitmap and eVMCS PERF_GLOBAL_CTRL field, both of
			 * which only a guest hypervisor running on an eVMCS
			 * could use.  With no VMX and no eVMCS they promise
			 * nothing a guest can act on, so saying them is
			 * truthful; userspace (hyperv_cpuid) expects the
			 * bitmap bit always, as KVM sets it.
			 */
			ent->eax = HV_X64_NESTED_MSR_BITMAP;
			ent->ebx = HV_X64_NESTED_EVMCS1_PERF_GLOBAL_CTRL;
			break;
		default:
			break;
		}
	}
}

/*
 * KVM_GET_SUPPORTED_HV_CPUID on the system fd (@vcpu NULL) and the vCPU
 * fd, KVM's kvm_ioctl_get_supported_hv_cpuid(): -E2BIG leaves @nent as
 * it was; a larger table gets nent 10.
 */
long svx_hv_get_supported_cpuid(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid_entry2 ent[SVX_HV_NR_LEAVES];
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, user, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < SVX_HV_NR_LEAVES)
		return -E2BIG;
	hdr.nent = SVX_HV_NR_LEAVES;
	svx_hv_fill_cpuid(vcpu, ent);
	if (copy_to_user(user->entries, ent, sizeof(ent)))
		return -EFAULT;
	return copy_to_user(user, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

/* ------------------------------------------------------------------ */
/* SynIC                                                                */

static int svx_hv_sint_vector(u64 sint)
{
	if (sint & HV_SYNIC_SINT_MASKED)
		return -1;
	return sint & HV_SYNIC_SINT_VECTOR_MASK;
}

/*
 * KVM's synic_update_vector() for every vector at once: the vectors of
 * the unmasked SINTs (16 and up) and of those with AUTO_EOI, into the
 * in-kernel APIC's bitmaps (irqchip/lapic.c).
 */
static void svx_hv_synic_update_vectors(struct svx_vcpu *vcpu)
{
	u32 vec[8] = {}, auto_eoi[8] = {};
	unsigned long flags;
	int i, v;
	u64 sint;

	if (!vcpu->lapic)
		return;
	for (i = 0; i < SVX_HV_SINT_COUNT; i++) {
		sint = READ_ONCE(vcpu->hv.synic.sint[i]);
		v = svx_hv_sint_vector(sint);
		if (v < HV_SYNIC_FIRST_VALID_VECTOR)
			continue;
		vec[v / 32] |= BIT(v % 32);
		if (sint & HV_SYNIC_SINT_AUTO_EOI)
			auto_eoi[v / 32] |= BIT(v % 32);
	}
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	memcpy(vcpu->lapic->synic_vec, vec, sizeof(vec));
	memcpy(vcpu->lapic->synic_auto_eoi, auto_eoi, sizeof(auto_eoi));
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/* KVM's synic_set_sint() */
static int svx_hv_synic_set_sint(struct svx_vcpu *vcpu, int sint, u64 data,
				 bool host)
{
	int vector = data & HV_SYNIC_SINT_VECTOR_MASK;
	bool masked = data & HV_SYNIC_SINT_MASKED;

	/*
	 * Vectors 0-15 are invalid; KVM takes a masked one from the guest
	 * (nested Hyper-V writes 0x10000) and any from the VMM.
	 */
	if (vector < HV_SYNIC_FIRST_VALID_VECTOR && !host && !masked)
		return 1;
	WRITE_ONCE(vcpu->hv.synic.sint[sint], data);
	svx_hv_synic_update_vectors(vcpu);
	return 0;
}

/*
 * KVM's get_vcpu_by_vpidx() and synic_get(): the vCPU with VP index
 * @vpidx (the one at that creation index first), if its SynIC is active.
 */
static struct svx_vcpu *svx_hv_synic_get(struct svx_vm *vm, u32 vpidx)
{
	struct svx_vcpu *vcpu = NULL;
	int i;

	if (vpidx >= SVX_MAX_VCPUS)
		return NULL;
	vcpu = READ_ONCE(vm->vcpus[array_index_nospec(vpidx, SVX_MAX_VCPUS)]);
	if (!vcpu || READ_ONCE(vcpu->hv.vp_index) != vpidx) {
		vcpu = NULL;
		for (i = 0; i < SVX_MAX_VCPUS && !vcpu; i++) {
			vcpu = READ_ONCE(vm->vcpus[i]);
			if (vcpu && READ_ONCE(vcpu->hv.vp_index) != vpidx)
				vcpu = NULL;
		}
	}
	if (!vcpu || !READ_ONCE(vcpu->hv.synic.active))
		return NULL;
	return vcpu;
}

/*
 * KVM's synic_set_irq() (irq_lock held): a fixed, edge interrupt of SINT
 * @sint's vector to @vcpu's own APIC; the number of APICs that took it,
 * or -EINVAL (no such SINT), -ENOENT (masked).
 */
static int svx_hv_sint_irq(struct svx_vcpu *vcpu, u32 sint)
{
	struct svx_irq_msg m = {
		.delivery_mode = SVX_DM_FIXED,
		.shorthand = SVX_SH_SELF,
		.assert = true,
	};
	int vector;

	if (sint >= SVX_HV_SINT_COUNT)
		return -EINVAL;
	sint = array_index_nospec(sint, SVX_HV_SINT_COUNT);
	vector = svx_hv_sint_vector(READ_ONCE(vcpu->hv.synic.sint[sint]));
	if (vector < 0)
		return -ENOENT;
	m.vector = vector;
	return svx_lapic_accept(vcpu->lapic, &m);
}

/*
 * KVM's kvm_hv_synic_set_irq(), for a KVM_IRQ_ROUTING_HV_SINT route
 * (irq_lock held): SINT @sint of the vCPU with VP index @vpidx, or
 * -EINVAL without such a vCPU with an active SynIC.
 */
int svx_hv_synic_set_irq(struct svx_vm *vm, u32 vpidx, u32 sint)
{
	struct svx_vcpu *vcpu = svx_hv_synic_get(vm, vpidx);

	if (!vcpu)
		return -EINVAL;
	return svx_hv_sint_irq(vcpu, sint);
}

/* KVM's kvm_hv_set_sint_gsi(), after KVM_SET_GSI_ROUTING (irq_lock held) */
void svx_hv_set_sint_gsi(struct svx_vm *vm, u32 vpidx, u32 sint, int gsi)
{
	struct svx_vcpu *vcpu = svx_hv_synic_get(vm, vpidx);

	if (!vcpu || sint >= SVX_HV_SINT_COUNT)
		return;
	sint = array_index_nospec(sint, SVX_HV_SINT_COUNT);
	WRITE_ONCE(vcpu->hv.synic.sint_to_gsi[sint], gsi);
}

static void svx_hv_stimers_acked(struct svx_vcpu *vcpu, int sint);

/*
 * KVM's kvm_hv_notify_acked_sint() (irq_lock held, in @vcpu's context):
 * the synthetic timers whose message waits for that SINT try again, and
 * the ack notifiers of the SINT's GSI run (the irqfd resamplers,
 * core/eventfd.c).
 */
static void svx_hv_notify_acked_sint(struct svx_vcpu *vcpu, int sint)
{
	int gsi = READ_ONCE(vcpu->hv.synic.sint_to_gsi[sint]);

	svx_hv_stimers_acked(vcpu, sint);
	if (gsi != -1)
		svx_irqfd_acked(vcpu->vm, gsi);
}

/*
 * KVM's kvm_hv_synic_send_eoi(): the guest EOI'd @vector, a SynIC vector
 * (irqchip/lapic.c, irq_lock held): each SINT of that vector is acked.
 */
void svx_hv_synic_eoi(struct svx_vcpu *vcpu, int vector)
{
	int i;

	for (i = 0; i < SVX_HV_SINT_COUNT; i++)
		if (svx_hv_sint_vector(READ_ONCE(vcpu->hv.synic.sint[i])) ==
		    vector)
			svx_hv_notify_acked_sint(vcpu, i);
}

/* KVM's HV_X64_MSR_EOM write: every SINT is acked */
static void svx_hv_synic_eom(struct svx_vcpu *vcpu)
{
	unsigned long flags;
	int i;

	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
	for (i = 0; i < SVX_HV_SINT_COUNT; i++)
		svx_hv_notify_acked_sint(vcpu, i);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_HYPERV_SYNIC, _SYNIC2) on the vCPU, KVM's
 * kvm_hv_activate_synic() after its checks: needs the in-kernel irqchip;
 * SYNIC2 does not zero the pages the guest gives SIMP and SIEFP.
 */
long svx_hv_activate_synic(struct svx_vcpu *vcpu, bool dont_zero_pages)
{
	struct svx_hv_synic *synic = &vcpu->hv.synic;

	if (!vcpu->lapic) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_ENABLE_CAP(KVM_CAP_HYPERV_SYNIC%s): no in-kernel irqchip\n",
			    vcpu->id, dont_zero_pages ? "2" : "");
		return -EINVAL;
	}
	synic->dont_zero_pages = dont_zero_pages;
	synic->control = HV_SYNIC_CONTROL_ENABLE;
	WRITE_ONCE(synic->active, true);
	return 0;
}

/*
 * KVM's synic_exit(): KVM_EXIT_HYPERV (SYNIC) before the next entry,
 * after the guest's write of @msr.
 */
static void svx_hv_synic_exit(struct svx_vcpu *vcpu, u32 msr)
{
	struct svx_hv_synic *synic = &vcpu->hv.synic;
	struct kvm_hyperv_exit *e = &vcpu->hv.exit;

	e->type = KVM_EXIT_HYPERV_SYNIC;
	e->u.synic.msr = msr;
	e->u.synic.control = synic->control;
	e->u.synic.evt_page = synic->evt_page;
	e->u.synic.msg_page = synic->msg_page;
	set_bit(SVX_REQ_HV_EXIT, &vcpu->requests);
}

/* The KVM_EXIT_HYPERV a request asked for (vmx/run.c) */
void svx_hv_fill_exit(struct svx_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_HYPERV;
	vcpu->run->hyperv = vcpu->hv.exit;
	/* KVM's complete_userspace_io for the debugger's exits */
	if (vcpu->hv.exit.type == KVM_EXIT_HYPERV_SYNDBG)
		vcpu->pending = SVX_PENDING_HV_SYNDBG;
}

/* A SynIC page the guest enabled, KVM's kvm_clear_guest() of it */
static int svx_hv_clear_page(struct svx_vcpu *vcpu, u64 gpa)
{
	return svx_write_guest_for(vcpu, gpa & PAGE_MASK,
				   page_address(ZERO_PAGE(0)), PAGE_SIZE);
}

/* KVM's synic_set_msr() */
static int svx_hv_synic_set_msr(struct svx_vcpu *vcpu, u32 msr, u64 data,
				bool host)
{
	struct svx_hv_synic *synic = &vcpu->hv.synic;

	/* before KVM_ENABLE_CAP the VMM may restore zeroes, no more */
	if (!synic->active && (!host || data))
		return 1;
	switch (msr) {
	case HV_X64_MSR_SCONTROL:
		synic->control = data;
		if (!host)
			svx_hv_synic_exit(vcpu, msr);
		return 0;
	case HV_X64_MSR_SVERSION:
		if (!host)
			return 1;
		synic->version = data;
		return 0;
	case HV_X64_MSR_SIEFP:
	case HV_X64_MSR_SIMP:
		/* HV_SYNIC_SIEFP_ENABLE and HV_SYNIC_SIMP_ENABLE: bit 0 */
		if ((data & HV_SYNIC_SIMP_ENABLE) && !host &&
		    !synic->dont_zero_pages && svx_hv_clear_page(vcpu, data))
			return 1;
		if (msr == HV_X64_MSR_SIEFP)
			synic->evt_page = data;
		else
			synic->msg_page = data;
		if (!host)
			svx_hv_synic_exit(vcpu, msr);
		return 0;
	case HV_X64_MSR_EOM:
		if (synic->active)
			svx_hv_synic_eom(vcpu);
		return 0;
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		return svx_hv_synic_set_sint(vcpu, msr - HV_X64_MSR_SINT0,
					     data, host);
	}
	return 1;
}

/* KVM's synic_get_msr() */
static int svx_hv_synic_get_msr(struct svx_vcpu *vcpu, u32 msr, u64 *data,
				bool host)
{
	struct svx_hv_synic *synic = &vcpu->hv.synic;

	if (!synic->active && !host)
		return 1;
	switch (msr) {
	case HV_X64_MSR_SCONTROL:
		*data = synic->control;
		return 0;
	case HV_X64_MSR_SVERSION:
		*data = synic->version;
		return 0;
	case HV_X64_MSR_SIEFP:
		*data = synic->evt_page;
		return 0;
	case HV_X64_MSR_SIMP:
		*data = synic->msg_page;
		return 0;
	case HV_X64_MSR_EOM:
		*data = 0;
		return 0;
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		*data = READ_ONCE(synic->sint[msr - HV_X64_MSR_SINT0]);
		return 0;
	}
	return 1;
}

/*
 * KVM's synic_deliver_msg(), in @vcpu's context: @msg into SINT @sint's
 * slot of the message page and the SINT's interrupt; 0, or -ENOENT (no
 * page), -EAGAIN (the slot is busy: its msg_pending flag is set, the
 * guest's EOM or EOI asks again; with @no_retry the message is dropped
 * and 0 returned), -EFAULT (the page is not memory, the APIC took
 * nothing), the SINT's error.
 */
static int svx_hv_synic_deliver_msg(struct svx_vcpu *vcpu, u32 sint,
				    const struct hv_message *msg,
				    bool no_retry)
{
	struct svx_hv_synic *synic = &vcpu->hv.synic;
	u64 gpa = (synic->msg_page & PAGE_MASK) +
		  offsetof(struct hv_message_page, sint_message[sint]);
	union hv_message_flags flags = { .asu8 = 0 };
	unsigned long irqf;
	u32 type;
	int r;

	if (!(synic->msg_page & HV_SYNIC_SIMP_ENABLE))
		return -ENOENT;
	if (svx_read_guest_phys_as(vcpu->vm, svx_vcpu_as(vcpu),
				   gpa + offsetof(struct hv_message,
						  header.message_type),
				   &type, sizeof(type)))
		return -EFAULT;
	if (type != HVMSG_NONE) {
		if (no_retry)
			return 0;
		flags.msg_pending = 1;
		if (svx_write_guest_for(vcpu, gpa +
					offsetof(struct hv_message,
						 header.message_flags),
					&flags, sizeof(flags)))
			return -EFAULT;
		return -EAGAIN;
	}
	if (svx_write_guest_for(vcpu, gpa, msg, sizeof(msg->header) +
				msg->header.payload_size))
		return -EFAULT;
	raw_spin_lock_irqsave(&vcpu->vm->irq_lock, irqf);
	r = svx_hv_sint_irq(vcpu, sint);
	raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, irqf);
	if (r < 0)
		return r;
	return r ? 0 : -EFAULT;
}

/* ------------------------------------------------------------------ */
/* KVM_HYPERV_EVENTFD: HvSignalEvent's eventfds                         */

/* KVM's kvm_hv_eventfd_assign() */
static int svx_hv_eventfd_assign(struct svx_vm *vm, u32 conn_id, int fd)
{
	struct eventfd_ctx *eventfd;
	int r;

	eventfd = eventfd_ctx_fdget(fd);
	if (IS_ERR(eventfd)) {
		svx_vm_warn(vm, "KVM_HYPERV_EVENTFD: fd %d is not an eventfd\n",
			    fd);
		return PTR_ERR(eventfd);
	}
	mutex_lock(&vm->hv.lock);
	r = svx_should_fail() ? -ENOMEM :
	    idr_alloc(&vm->hv.conn_to_evt, eventfd, conn_id, conn_id + 1,
		      GFP_KERNEL_ACCOUNT);
	mutex_unlock(&vm->hv.lock);
	if (r >= 0)
		return 0;
	if (r == -ENOSPC)
		r = -EEXIST;
	svx_vm_warn(vm, "KVM_HYPERV_EVENTFD: connection %u: %d\n", conn_id, r);
	eventfd_ctx_put(eventfd);
	return r;
}

/* KVM's kvm_hv_eventfd_deassign() */
static int svx_hv_eventfd_deassign(struct svx_vm *vm, u32 conn_id)
{
	struct eventfd_ctx *eventfd;

	mutex_lock(&vm->hv.lock);
	eventfd = idr_remove(&vm->hv.conn_to_evt, conn_id);
	mutex_unlock(&vm->hv.lock);
	if (!eventfd) {
		svx_vm_warn(vm, "KVM_HYPERV_EVENTFD: deassign connection %u: none such\n",
			    conn_id);
		return -ENOENT;
	}
	synchronize_rcu();	/* no HvSignalEvent still signals it */
	eventfd_ctx_put(eventfd);
	return 0;
}

/* The KVM_HYPERV_EVENTFD VM ioctl, KVM's kvm_vm_ioctl_hv_eventfd() */
long svx_hv_eventfd(struct svx_vm *vm, void __user *argp)
{
	struct kvm_hyperv_eventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~KVM_HYPERV_EVENTFD_DEASSIGN) ||
	    (args.conn_id & ~KVM_HYPERV_CONN_ID_MASK)) {
		svx_vm_warn(vm, "KVM_HYPERV_EVENTFD: flags %#x, connection %#x: only DEASSIGN, 24 bits\n",
			    args.flags, args.conn_id);
		return -EINVAL;
	}
	if (args.flags == KVM_HYPERV_EVENTFD_DEASSIGN)
		return svx_hv_eventfd_deassign(vm, args.conn_id);
	return svx_hv_eventfd_assign(vm, args.conn_id, args.fd);
}

/* ------------------------------------------------------------------ */
/* The MSRs                                                             */

/* The MSRs KVM's kvm_{get,set}_msr_common() hands to hyperv.c */
bool svx_hv_is_msr(u32 index)
{
	return (index >= HV_X64_MSR_GUEST_OS_ID &&
		index <= HV_X64_MSR_SINT15) ||
	       (index >= HV_X64_MSR_STIMER0_CONFIG &&
		index <= HV_X64_MSR_STIMER3_COUNT) ||
	       (index >= HV_X64_MSR_CRASH_P0 &&
		index <= HV_X64_MSR_TSC_EMULATION_STATUS) ||
	       (index >= SVX_HV_MSR_SYNDBG_CONTROL &&
		index <= SVX_HV_MSR_SYNDBG_PENDING_BUFFER) ||
	       index == SVX_HV_MSR_SYNDBG_OPTIONS;
}

/* KVM's hv_check_msr_access(): with ENFORCE_CPUID, the guest's CPUID */
static bool svx_hv_msr_allowed(struct svx_hv_vcpu *hv, u32 msr)
{
	if (!hv->enforce)
		return true;
	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
	case HV_X64_MSR_HYPERCALL:
		return hv->features_eax & HV_MSR_HYPERCALL_AVAILABLE;
	case HV_X64_MSR_VP_RUNTIME:
		return hv->features_eax & HV_MSR_VP_RUNTIME_AVAILABLE;
	case HV_X64_MSR_TIME_REF_COUNT:
		return hv->features_eax & HV_MSR_TIME_REF_COUNT_AVAILABLE;
	case HV_X64_MSR_VP_INDEX:
		return hv->features_eax & HV_MSR_VP_INDEX_AVAILABLE;
	case HV_X64_MSR_RESET:
		return hv->features_eax & HV_MSR_RESET_AVAILABLE;
	case HV_X64_MSR_REFERENCE_TSC:
		return hv->features_eax & HV_MSR_REFERENCE_TSC_AVAILABLE;
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
		return hv->features_eax & HV_ACCESS_FREQUENCY_MSRS;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		return hv->features_eax & HV_ACCESS_REENLIGHTENMENT;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_P4:
	case HV_X64_MSR_CRASH_CTL:
		return hv->features_edx & HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
	case HV_X64_MSR_SCONTROL ... HV_X64_MSR_EOM:
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		return hv->features_eax & HV_MSR_SYNIC_AVAILABLE;
	case HV_X64_MSR_STIMER0_CONFIG ... HV_X64_MSR_STIMER3_COUNT:
		return hv->features_eax & HV_MSR_SYNTIMER_AVAILABLE;
	case SVX_HV_MSR_SYNDBG_CONTROL ... SVX_HV_MSR_SYNDBG_PENDING_BUFFER:
	case SVX_HV_MSR_SYNDBG_OPTIONS:
		return hv->features_edx & HV_FEATURE_DEBUG_MSRS_AVAILABLE;
	case HV_X64_MSR_EOI:
	case HV_X64_MSR_ICR:
	case HV_X64_MSR_TPR:
	case HV_X64_MSR_VP_ASSIST_PAGE:
		return hv->features_eax & HV_MSR_APIC_ACCESS_AVAILABLE;
	}
	return false;	/* the rest is not here: refused below anyway */
}

/*
 * KVM's get_time_ref_counter(), lock held: the kvmclock in 100 ns, or
 * while the TSC page is valid its reading at the TSC.  KVM reads vCPU 0's
 * TSC; the page is valid only with the master clock, where every vCPU's
 * TSC is the same (offset and rate), so @vcpu's serves.
 */
static u64 svx_hv_time_ref_count(struct svx_vcpu *vcpu)
{
	struct svx_hv *hv = &vcpu->vm->hv;
	u64 tsc;

	if (hv->tsc_page_status != SVX_HV_TSC_PAGE_SET)
		return div_u64(svx_kvmclock_ns(vcpu->vm), 100);
	tsc = svx_guest_tsc(vcpu, rdtsc());
	return mul_u64_u64_shr(tsc, hv->tsc_ref.tsc_scale, 64) +
	       hv->tsc_ref.tsc_offset;
}

/* KVM's current_task_runtime_100ns() */
static u64 svx_hv_task_runtime(void)
{
	u64 utime, stime;

	task_cputime_adjusted(current, &utime, &stime);
	return div_u64(utime + stime, 100);
}

/* ------------------------------------------------------------------ */
/* Synthetic timers                                                     */

/* KVM's struct kvm_vcpu_hv_stimer */
struct svx_hv_stimer {
	struct hrtimer timer;
	struct svx_vcpu *vcpu;
	int index;
	union hv_stimer_config config;
	u64 count;		/* HV_X64_MSR_STIMERx_COUNT */
	u64 exp_time;		/* in TIME_REF_COUNT's 100 ns; 0: none */
	struct hv_message msg;	/* HVMSG_TIMER_EXPIRED */
	bool msg_pending;	/* expired, not delivered yet */
};

struct svx_hv_stimers {
	struct svx_hv_stimer t[HV_SYNIC_STIMER_COUNT];
	unsigned long pending;	/* KVM's stimer_pending_bitmap */
};

/* TIME_REF_COUNT now, KVM's get_time_ref_counter() */
static u64 svx_hv_time_now(struct svx_vcpu *vcpu)
{
	u64 now;

	mutex_lock(&vcpu->vm->hv.lock);
	now = svx_hv_time_ref_count(vcpu);
	mutex_unlock(&vcpu->vm->hv.lock);
	return now;
}

/* KVM's stimer_mark_pending(): looked at before the next entry */
static void svx_hv_stimer_mark_pending(struct svx_hv_stimer *st, bool kick)
{
	struct svx_vcpu *vcpu = st->vcpu;

	set_bit(st->index, &vcpu->hv.stimers->pending);
	set_bit(SVX_REQ_HV_STIMER, &vcpu->requests);
	if (kick)
		svx_vcpu_kick(vcpu);	/* out of HLT, out of the guest */
}

/* KVM's stimer_cleanup() */
static void svx_hv_stimer_cleanup(struct svx_hv_stimer *st)
{
	hrtimer_cancel(&st->timer);
	clear_bit(st->index, &st->vcpu->hv.stimers->pending);
	st->msg_pending = false;
	st->exp_time = 0;
}

/* KVM's stimer_timer_callback() */
static enum hrtimer_restart svx_hv_stimer_fn(struct hrtimer *t)
{
	struct svx_hv_stimer *st = container_of(t, struct svx_hv_stimer,
						 timer);

	svx_hv_stimer_mark_pending(st, true);
	return HRTIMER_NORESTART;
}

/* KVM's stimer_add_delta(): now + @delta_100ns, saturated */
static ktime_t svx_hv_stimer_deadline(ktime_t now, u64 delta_100ns)
{
	if (delta_100ns >= KTIME_MAX / 100)
		return KTIME_MAX;
	return ktime_add_safe(now, 100 * delta_100ns);
}

/*
 * KVM's stimer_start(), for an enabled timer with a count: a periodic one
 * at its next period (from its last expiry, lost periods skipped), a
 * one-shot one at its count, at once when that is past.
 */
static void svx_hv_stimer_start(struct svx_hv_stimer *st)
{
	u64 now = svx_hv_time_now(st->vcpu), rem;
	ktime_t know = ktime_get();

	if (st->config.periodic) {
		if (!st->exp_time) {
			st->exp_time = now + st->count;
		} else if (now >= st->exp_time) {
			div64_u64_rem(now - st->exp_time, st->count, &rem);
			st->exp_time = now + (st->count - rem);
		}
		hrtimer_start(&st->timer,
			      svx_hv_stimer_deadline(know, st->exp_time - now),
			      HRTIMER_MODE_ABS);
		return;
	}
	st->exp_time = st->count;
	if (now >= st->count) {
		svx_hv_stimer_mark_pending(st, false);
		return;
	}
	hrtimer_start(&st->timer, svx_hv_stimer_deadline(know, st->count - now),
		      HRTIMER_MODE_ABS);
}

/*
 * KVM's stimer_send_msg() and stimer_notify_direct(), then
 * stimer_expiration(): the message (periodic ones not retried: lost
 * ticks are lost) or, in direct mode, the vector to the APIC; a one-shot
 * timer is off once it got through.
 */
static void svx_hv_stimer_expire(struct svx_hv_stimer *st)
{
	struct svx_vcpu *vcpu = st->vcpu;
	struct hv_timer_message_payload *p =
		(struct hv_timer_message_payload *)&st->msg.u.payload;
	struct svx_irq_msg m = { .delivery_mode = SVX_DM_FIXED };
	unsigned long flags;
	int r;

	st->msg_pending = true;
	if (!st->config.direct_mode) {
		p->expiration_time = st->exp_time;
		p->delivery_time = svx_hv_time_now(vcpu);
		r = svx_hv_synic_deliver_msg(vcpu, st->config.sintx, &st->msg,
					     st->config.periodic);
	} else {
		m.vector = st->config.apic_vector;
		raw_spin_lock_irqsave(&vcpu->vm->irq_lock, flags);
		r = !svx_lapic_accept(vcpu->lapic, &m);
		raw_spin_unlock_irqrestore(&vcpu->vm->irq_lock, flags);
	}
	if (!r) {
		st->msg_pending = false;
		if (!st->config.periodic)
			st->config.enable = 0;
	}
}

/* KVM's kvm_hv_process_stimers(), before an entry (vmx/run.c) */
void svx_hv_process_stimers(struct svx_vcpu *vcpu)
{
	struct svx_hv_stimers *sts = vcpu->hv.stimers;
	struct svx_hv_stimer *st;
	int i;

	if (!sts)
		return;
	for (i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		if (!test_and_clear_bit(i, &sts->pending))
			continue;
		st = &sts->t[i];
		if (!st->config.enable)
			continue;
		if (st->exp_time && svx_hv_time_now(vcpu) >= st->exp_time)
			svx_hv_stimer_expire(st);
		if (st->config.enable && st->count) {
			if (!st->msg_pending)
				svx_hv_stimer_start(st);
		} else {
			svx_hv_stimer_cleanup(st);
		}
	}
}

/* KVM's kvm_hv_has_stimer_pending(): a halted vCPU wakes for it */
bool svx_hv_has_stimer_pending(struct svx_vcpu *vcpu)
{
	struct svx_hv_stimers *sts = READ_ONCE(vcpu->hv.stimers);

	return sts && READ_ONCE(sts->pending);
}

/*
 * The SINT @sint was acked (EOM, EOI; irq_lock held, @vcpu's context):
 * the timers whose message waits for its slot try again, as KVM's
 * kvm_hv_notify_acked_sint().
 */
static void svx_hv_stimers_acked(struct svx_vcpu *vcpu, int sint)
{
	struct svx_hv_stimers *sts = vcpu->hv.stimers;
	struct svx_hv_stimer *st;
	int i;

	if (!sts)
		return;
	for (i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		st = &sts->t[i];
		if (st->msg_pending && st->config.enable &&
		    !st->config.direct_mode && st->config.sintx == sint)
			svx_hv_stimer_mark_pending(st, false);
	}
}

/*
 * KVM's stimer_init() for the four, at the first write of a timer MSR
 * (KVM makes them with the vCPU's Hyper-V state): false when out of
 * memory.
 */
static bool svx_hv_stimers_alloc(struct svx_vcpu *vcpu)
{
	struct svx_hv_stimers *sts;
	struct svx_hv_stimer *st;
	struct hv_timer_message_payload *p;
	int i;

	if (vcpu->hv.stimers)
		return true;
	sts = svx_fallible(kzalloc(sizeof(*sts), GFP_KERNEL_ACCOUNT));
	if (!sts) {	/* the MSR access fails, as KVM's kvm_hv_vcpu_init() */
		svx_vm_warn(vcpu->vm, "vcpu%d: no memory for the Hyper-V synthetic timers\n",
			    vcpu->id);
		return false;
	}
	for (i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		st = &sts->t[i];
		st->vcpu = vcpu;
		st->index = i;
		hrtimer_init(&st->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		st->timer.function = svx_hv_stimer_fn;
		st->msg.header.message_type = HVMSG_TIMER_EXPIRED;
		st->msg.header.payload_size = sizeof(*p);
		p = (struct hv_timer_message_payload *)&st->msg.u.payload;
		p->timer_index = i;
	}
	WRITE_ONCE(vcpu->hv.stimers, sts);
	return true;
}

/* KVM's kvm_hv_vcpu_uninit(): the timers stop, at the vCPU's end */
void svx_hv_vcpu_destroy(struct svx_vcpu *vcpu)
{
	struct svx_hv_stimers *sts = vcpu->hv.stimers;
	int i;

	if (!sts)
		return;
	for (i = 0; i < HV_SYNIC_STIMER_COUNT; i++)
		hrtimer_cancel(&sts->t[i].timer);
	kfree(sts);
	vcpu->hv.stimers = NULL;
}

/* KVM's stimer_set_config() */
static int svx_hv_stimer_set_config(struct svx_vcpu *vcpu, int i, u64 data,
				    bool host)
{
	union hv_stimer_config new = { .as_uint64 = data }, old;
	struct svx_hv_stimer *st;

	if (!vcpu->hv.synic.active && (!host || data))
		return 1;
	if (!host && vcpu->hv.enforce && new.direct_mode &&
	    !(vcpu->hv.features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE))
		return 1;
	if (!svx_hv_stimers_alloc(vcpu))
		return 1;
	st = &vcpu->hv.stimers->t[i];
	old = st->config;
	svx_hv_stimer_cleanup(st);
	/* a message timer on SINT 0 does not stay enabled */
	if (old.enable && !new.direct_mode && new.sintx == 0)
		new.enable = 0;
	st->config = new;
	if (st->config.enable)
		svx_hv_stimer_mark_pending(st, false);
	return 0;
}

/* KVM's stimer_set_count() */
static int svx_hv_stimer_set_count(struct svx_vcpu *vcpu, int i, u64 data,
				   bool host)
{
	struct svx_hv_stimer *st;

	if (!vcpu->hv.synic.active && (!host || data))
		return 1;
	if (!svx_hv_stimers_alloc(vcpu))
		return 1;
	st = &vcpu->hv.stimers->t[i];
	svx_hv_stimer_cleanup(st);
	st->count = data;
	if (!host) {
		if (!st->count)
			st->config.enable = 0;
		else if (st->config.auto_enable)
			st->config.enable = 1;
	}
	if (st->config.enable)
		svx_hv_stimer_mark_pending(st, false);
	return 0;
}

/* HV_X64_MSR_STIMERx_CONFIG/COUNT: CONFIG at even offsets from 0xB0 */
static int svx_hv_stimer_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	struct svx_hv_stimers *sts = vcpu->hv.stimers;
	u32 off = index - HV_X64_MSR_STIMER0_CONFIG;
	struct svx_hv_stimer *st;

	if (!sts) {	/* none written yet: KVM's fresh timers */
		*data = 0;
		return 0;
	}
	st = &sts->t[array_index_nospec(off / 2, HV_SYNIC_STIMER_COUNT)];
	*data = off & 1 ? st->count : st->config.as_uint64;
	return 0;
}

static int svx_hv_stimer_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data,
				 bool host)
{
	u32 off = index - HV_X64_MSR_STIMER0_CONFIG;
	int i = array_index_nospec(off / 2, HV_SYNIC_STIMER_COUNT);

	if (off & 1)
		return svx_hv_stimer_set_count(vcpu, i, data, host);
	return svx_hv_stimer_set_config(vcpu, i, data, host);
}

/* ------------------------------------------------------------------ */
/* The synthetic debugger                                               */

/* KVM's kvm_hv_is_syndbg_enabled(): the guest's 0x40000082 allows it */
static bool svx_hv_syndbg_enabled(struct svx_vcpu *vcpu)
{
	return vcpu->hv.syndbg_cap_eax & SVX_HV_SYNDBG_ALLOW_KERNEL_DEBUGGING;
}

/*
 * KVM's syndbg_exit(): KVM_EXIT_HYPERV (SYNDBG) before the next entry,
 * after the guest's write of @msr; its status field is left as it was,
 * as KVM's; the VMM's status for a CONTROL write comes back at the next
 * KVM_RUN (svx_hv_syndbg_complete()).  hv->lock held.
 */
static void svx_hv_syndbg_exit(struct svx_vcpu *vcpu, u32 msr)
{
	struct svx_hv *hv = &vcpu->vm->hv;
	struct kvm_hyperv_exit *e = &vcpu->hv.exit;

	e->type = KVM_EXIT_HYPERV_SYNDBG;
	e->u.syndbg.msr = msr;
	e->u.syndbg.control = hv->syndbg.control;
	e->u.syndbg.send_page = hv->syndbg.send_page;
	e->u.syndbg.recv_page = hv->syndbg.recv_page;
	e->u.syndbg.pending_page = hv->syndbg.pending_page;
	set_bit(SVX_REQ_HV_EXIT, &vcpu->requests);
}

/* KVM's kvm_hv_syndbg_complete_userspace() */
void svx_hv_syndbg_complete(struct svx_vcpu *vcpu)
{
	struct svx_hv *hv = &vcpu->vm->hv;

	if (vcpu->run->hyperv.u.syndbg.msr != SVX_HV_MSR_SYNDBG_CONTROL)
		return;
	mutex_lock(&hv->lock);
	hv->syndbg.status = vcpu->run->hyperv.u.syndbg.status;
	mutex_unlock(&hv->lock);
}

/* KVM's syndbg_set_msr(), hv->lock held */
static int svx_hv_syndbg_set_msr(struct svx_vcpu *vcpu, u32 msr, u64 data,
				 bool host)
{
	struct svx_hv *hv = &vcpu->vm->hv;

	if (!svx_hv_syndbg_enabled(vcpu) && !host)
		return 1;
	switch (msr) {
	case SVX_HV_MSR_SYNDBG_CONTROL:
		hv->syndbg.control = data;
		if (!host)
			svx_hv_syndbg_exit(vcpu, msr);
		break;
	case SVX_HV_MSR_SYNDBG_STATUS:
		hv->syndbg.status = data;
		break;
	case SVX_HV_MSR_SYNDBG_SEND_BUFFER:
		hv->syndbg.send_page = data;
		break;
	case SVX_HV_MSR_SYNDBG_RECV_BUFFER:
		hv->syndbg.recv_page = data;
		break;
	case SVX_HV_MSR_SYNDBG_PENDING_BUFFER:
		hv->syndbg.pending_page = data;
		if (!host)
			svx_hv_syndbg_exit(vcpu, msr);
		break;
	case SVX_HV_MSR_SYNDBG_OPTIONS:
		hv->syndbg.options = data;
		break;
	}
	return 0;
}

/* KVM's syndbg_get_msr(), hv->lock held */
static int svx_hv_syndbg_get_msr(struct svx_vcpu *vcpu, u32 msr, u64 *data,
				 bool host)
{
	struct svx_hv *hv = &vcpu->vm->hv;

	if (!svx_hv_syndbg_enabled(vcpu) && !host)
		return 1;
	switch (msr) {
	case SVX_HV_MSR_SYNDBG_CONTROL:
		*data = hv->syndbg.control;
		break;
	case SVX_HV_MSR_SYNDBG_STATUS:
		*data = hv->syndbg.status;
		break;
	case SVX_HV_MSR_SYNDBG_SEND_BUFFER:
		*data = hv->syndbg.send_page;
		break;
	case SVX_HV_MSR_SYNDBG_RECV_BUFFER:
		*data = hv->syndbg.recv_page;
		break;
	case SVX_HV_MSR_SYNDBG_PENDING_BUFFER:
		*data = hv->syndbg.pending_page;
		break;
	case SVX_HV_MSR_SYNDBG_OPTIONS:
		*data = hv->syndbg.options;
		break;
	}
	return 0;
}

int svx_hv_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct svx_hv *hv = &vcpu->vm->hv;
	int r = 0;

	if (!host && (!vcpu->hv.enabled ||
		      !svx_hv_msr_allowed(&vcpu->hv, index)))
		return 1;
	switch (index) {
	case HV_X64_MSR_VP_INDEX:
		*data = vcpu->hv.vp_index;
		return 0;
	case HV_X64_MSR_VP_RUNTIME:
		*data = svx_hv_task_runtime() + vcpu->hv.runtime_offset;
		return 0;
	case HV_X64_MSR_TSC_FREQUENCY:
		*data = (u64)vcpu->tsc_khz * 1000;
		return 0;
	case HV_X64_MSR_APIC_FREQUENCY:
		*data = SVX_HV_APIC_BUS_HZ;
		return 0;
	case HV_X64_MSR_SCONTROL ... HV_X64_MSR_EOM:
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		return svx_hv_synic_get_msr(vcpu, index, data, host);
	case HV_X64_MSR_STIMER0_CONFIG ... HV_X64_MSR_STIMER3_COUNT:
		return svx_hv_stimer_get_msr(vcpu, index, data);
	case HV_X64_MSR_EOI:	/* not readable: APIC_EOI is write-only */
		return svx_irqchip_reg_msr(vcpu, APIC_EOI, data, false);
	case HV_X64_MSR_ICR:
		return svx_irqchip_reg_msr(vcpu, APIC_ICR, data, false);
	case HV_X64_MSR_TPR:
		return svx_irqchip_reg_msr(vcpu, APIC_TASKPRI, data, false);
	case HV_X64_MSR_VP_ASSIST_PAGE:
		*data = vcpu->hv.vp_assist;
		return 0;
	}
	mutex_lock(&hv->lock);
	switch (index) {
	case HV_X64_MSR_GUEST_OS_ID:
		*data = hv->guest_os_id;
		break;
	case HV_X64_MSR_HYPERCALL:
		*data = hv->hypercall;
		break;
	case HV_X64_MSR_TIME_REF_COUNT:
		*data = svx_hv_time_ref_count(vcpu);
		break;
	case HV_X64_MSR_REFERENCE_TSC:
		*data = hv->tsc_page;
		break;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_P4:
		*data = hv->crash_param[array_index_nospec(index -
				HV_X64_MSR_CRASH_P0, ARRAY_SIZE(hv->crash_param))];
		break;
	case HV_X64_MSR_CRASH_CTL:
		*data = hv->crash_ctl;
		break;
	case HV_X64_MSR_RESET:
		*data = 0;
		break;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		*data = hv->reenlightenment_control;
		break;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		*data = hv->tsc_emulation_control;
		break;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		*data = hv->tsc_emulation_status;
		break;
	case SVX_HV_MSR_SYNDBG_CONTROL ... SVX_HV_MSR_SYNDBG_PENDING_BUFFER:
	case SVX_HV_MSR_SYNDBG_OPTIONS:
		r = svx_hv_syndbg_get_msr(vcpu, index, data, host);
		break;
	default:
		r = 1;
		break;
	}
	mutex_unlock(&hv->lock);
	return r;
}

/*
 * KVM's HV_X64_MSR_VP_ASSIST_PAGE write: the page's apic_assist dword
 * zeroed (the rest kept, e.g. across migration), PV EOI at its first
 * byte (core/irqchip.c); without the enable bit PV EOI is off.  A page
 * outside writable guest RAM is #GP.
 */
static int svx_hv_set_vp_assist(struct svx_vcpu *vcpu, u64 data)
{
	u64 gpa = data & HV_X64_MSR_VP_ASSIST_PAGE_ADDRESS_MASK;
	static const u32 zero;

	if (!(data & HV_X64_MSR_VP_ASSIST_PAGE_ENABLE)) {
		vcpu->hv.vp_assist = data;
		return svx_irqchip_set_pv_eoi(vcpu, 0);
	}
	if (svx_write_guest_for(vcpu, gpa, &zero, sizeof(zero)))
		return 1;
	vcpu->hv.vp_assist = data;
	return svx_irqchip_set_pv_eoi(vcpu, gpa | KVM_MSR_ENABLED);
}

/* KVM's HV_X64_MSR_HYPERCALL write with the enable bit: the page */
static int svx_hv_write_hypercall_page(struct svx_vcpu *vcpu, u64 data)
{
	/* vmcall; ret (KVM's vmx_patch_hypercall() and 0xc3) */
	static const u8 insn[4] = { 0x0f, 0x01, 0xc1, 0xc3 };

	return svx_write_guest_for(vcpu,
				   data & HV_X64_MSR_HYPERCALL_PAGE_ADDRESS_MASK,
				   insn, sizeof(insn)) ? 1 : 0;
}

/* KVM's kvm_hv_set_msr_pw(), lock held; *@clock: update the master clock */
static int svx_hv_set_msr_pw(struct svx_vcpu *vcpu, u32 index, u64 data,
			     bool host, bool *clock)
{
	struct svx_hv *hv = &vcpu->vm->hv;

	switch (index) {
	case HV_X64_MSR_GUEST_OS_ID:
		hv->guest_os_id = data;
		/* an ID of 0 disables the hypercall page */
		if (!data)
			hv->hypercall &= ~HV_X64_MSR_HYPERCALL_ENABLE;
		return 0;
	case HV_X64_MSR_HYPERCALL:
		/* without a guest OS ID the write is dropped, as KVM's */
		if (!hv->guest_os_id)
			return 0;
		if ((data & HV_X64_MSR_HYPERCALL_ENABLE) &&
		    svx_hv_write_hypercall_page(vcpu, data))
			return 1;
		hv->hypercall = data;
		return 0;
	case HV_X64_MSR_REFERENCE_TSC:
		hv->tsc_page = data;
		if (data & HV_X64_MSR_TSC_REFERENCE_ENABLE) {
			hv->tsc_page_status = host ?
				SVX_HV_TSC_PAGE_HOST_CHANGED :
				SVX_HV_TSC_PAGE_GUEST_CHANGED;
			*clock = true;	/* KVM_REQ_MASTERCLOCK_UPDATE */
		} else {
			hv->tsc_page_status = SVX_HV_TSC_PAGE_UNSET;
		}
		return 0;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_P4:
		hv->crash_param[array_index_nospec(index - HV_X64_MSR_CRASH_P0,
				ARRAY_SIZE(hv->crash_param))] = data;
		return 0;
	case HV_X64_MSR_CRASH_CTL:
		if (host)
			hv->crash_ctl = data & HV_CRASH_CTL_CRASH_NOTIFY;
		else if (data & HV_CRASH_CTL_CRASH_NOTIFY)
			set_bit(SVX_REQ_HV_CRASH, &vcpu->requests);
		return 0;
	case HV_X64_MSR_RESET:
		if (data == 1)
			set_bit(SVX_REQ_HV_RESET, &vcpu->requests);
		return 0;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		hv->reenlightenment_control = data;
		return 0;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		hv->tsc_emulation_control = data;
		return 0;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		if (data && !host)
			return 1;
		hv->tsc_emulation_status = data;
		return 0;
	case HV_X64_MSR_TIME_REF_COUNT:
		return host ? 0 : 1;	/* read-only; the VMM's write ignored */
	case SVX_HV_MSR_SYNDBG_CONTROL ... SVX_HV_MSR_SYNDBG_PENDING_BUFFER:
	case SVX_HV_MSR_SYNDBG_OPTIONS:
		return svx_hv_syndbg_set_msr(vcpu, index, data, host);
	}
	return 1;
}

int svx_hv_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct svx_hv *hv = &vcpu->vm->hv;
	bool clock = false;
	int r;

	if (!host && (!vcpu->hv.enabled ||
		      !svx_hv_msr_allowed(&vcpu->hv, index)))
		return 1;
	switch (index) {
	case HV_X64_MSR_VP_INDEX:
		/* the VMM's only, below KVM's KVM_MAX_VCPUS (ours) */
		if (!host || (u32)data >= SVX_MAX_VCPUS)
			return 1;
		vcpu->hv.vp_index = (u32)data;
		return 0;
	case HV_X64_MSR_VP_RUNTIME:
		if (!host)
			return 1;
		vcpu->hv.runtime_offset = data - svx_hv_task_runtime();
		return 0;
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
		return host ? 0 : 1;	/* read-only; the VMM's write ignored */
	case HV_X64_MSR_SCONTROL ... HV_X64_MSR_EOM:
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		return svx_hv_synic_set_msr(vcpu, index, data, host);
	case HV_X64_MSR_STIMER0_CONFIG ... HV_X64_MSR_STIMER3_COUNT:
		return svx_hv_stimer_set_msr(vcpu, index, data, host);
	case HV_X64_MSR_EOI:
		return svx_irqchip_reg_msr(vcpu, APIC_EOI, &data, true);
	case HV_X64_MSR_ICR:
		return svx_irqchip_reg_msr(vcpu, APIC_ICR, &data, true);
	case HV_X64_MSR_TPR:
		return svx_irqchip_reg_msr(vcpu, APIC_TASKPRI, &data, true);
	case HV_X64_MSR_VP_ASSIST_PAGE:
		return svx_hv_set_vp_assist(vcpu, data);
	}
	mutex_lock(&hv->lock);
	r = svx_hv_set_msr_pw(vcpu, index, data, host, &clock);
	mutex_unlock(&hv->lock);
	if (clock)
		svx_kvmclock_masterclock_update(vcpu->vm);
	return r;
}

/* ------------------------------------------------------------------ */
/* The reference TSC page                                               */

/*
 * KVM's compute_tsc_page_parameters(): the page's scale and offset from
 * the kvmclock's, so that (tsc * scale >> 64) + offset is the kvmclock in
 * 100 ns; false without a stable clock or when the scale overflows.
 */
static bool svx_hv_tsc_page_params(const struct pvclock_vcpu_time_info *c,
				   struct svx_hv_tsc_ref *ref)
{
	u64 max_mul, offset;

	if (!(c->flags & PVCLOCK_TSC_STABLE_BIT))
		return false;
	max_mul = 100ull << (32 - c->tsc_shift);
	if (c->tsc_to_system_mul >= max_mul)
		return false;
	ref->tsc_scale = mul_u64_u32_div(1ULL << (32 + c->tsc_shift),
					 c->tsc_to_system_mul, 100);
	offset = div_u64(c->system_time, 100);
	ref->tsc_offset = offset - mul_u64_u64_shr(c->tsc_timestamp,
						   ref->tsc_scale, 64);
	return true;
}

/*
 * KVM's tsc_page_update_unsafe(): the guest turned TSC emulation on
 * (reenlightenment) and did not write the page's MSR since, so the page
 * must not change under it.
 */
static bool svx_hv_tsc_page_frozen(struct svx_hv *hv)
{
	return hv->tsc_page_status != SVX_HV_TSC_PAGE_GUEST_CHANGED &&
	       hv->tsc_emulation_control;
}

/* KVM's kvm_hv_request_tsc_page_update(): the clock is about to change */
void svx_hv_request_tsc_page_update(struct svx_vm *vm)
{
	struct svx_hv *hv = &vm->hv;

	mutex_lock(&hv->lock);
	if (hv->tsc_page_status == SVX_HV_TSC_PAGE_SET &&
	    !svx_hv_tsc_page_frozen(hv))
		hv->tsc_page_status = SVX_HV_TSC_PAGE_HOST_CHANGED;
	mutex_unlock(&hv->lock);
}

/*
 * KVM's kvm_hv_setup_tsc_page(), from a vCPU's clock update
 * (core/kvmclock.c) with that vCPU's kvmclock parameters.
 */
void svx_hv_setup_tsc_page(struct svx_vcpu *vcpu,
			   const struct pvclock_vcpu_time_info *hv_clock)
{
	struct svx_hv *hv = &vcpu->vm->hv;
	u32 seq;
	u64 gpa;

	mutex_lock(&hv->lock);
	if (hv->tsc_page_status != SVX_HV_TSC_PAGE_GUEST_CHANGED &&
	    hv->tsc_page_status != SVX_HV_TSC_PAGE_HOST_CHANGED)
		goto out;
	if (!(hv->tsc_page & HV_X64_MSR_TSC_REFERENCE_ENABLE))
		goto out;
	gpa = hv->tsc_page & PAGE_MASK;
	if (svx_read_guest_phys(vcpu->vm, gpa, &seq, sizeof(seq)))
		goto broken;
	if (seq && svx_hv_tsc_page_frozen(hv)) {
		/* keep what the page says; TIME_REF_COUNT reads it too */
		if (svx_read_guest_phys(vcpu->vm, gpa, &hv->tsc_ref,
					sizeof(hv->tsc_ref)))
			goto broken;
		hv->tsc_page_status = SVX_HV_TSC_PAGE_SET;
		goto out;
	}
	/* the guest reads TIME_REF_COUNT while the page changes */
	hv->tsc_ref.tsc_sequence = 0;
	if (svx_write_guest_for(vcpu, gpa, &hv->tsc_ref.tsc_sequence,
				sizeof(hv->tsc_ref.tsc_sequence)))
		goto broken;
	if (!svx_hv_tsc_page_params(hv_clock, &hv->tsc_ref))
		goto broken;
	smp_wmb();	/* sequence 0 before the rest */
	/* KVM 6.1's struct ms_hyperv_tsc_page: these 24 bytes, no more */
	if (svx_write_guest_for(vcpu, gpa, &hv->tsc_ref, sizeof(hv->tsc_ref)))
		goto broken;
	seq++;
	if (seq == 0xFFFFFFFF || seq == 0)
		seq = 1;
	smp_wmb();	/* the rest before the new sequence */
	hv->tsc_ref.tsc_sequence = seq;
	if (svx_write_guest_for(vcpu, gpa, &hv->tsc_ref.tsc_sequence,
				sizeof(hv->tsc_ref.tsc_sequence)))
		goto broken;
	hv->tsc_page_status = SVX_HV_TSC_PAGE_SET;
	goto out;
broken:
	hv->tsc_page_status = SVX_HV_TSC_PAGE_BROKEN;
out:
	mutex_unlock(&hv->lock);
}

/* ------------------------------------------------------------------ */
/* Hypercalls                                                           */

/* KVM's kvm_hv_hypercall_set_result() */
static void svx_hv_set_result(struct svx_vcpu *vcpu, bool longmode, u64 ret)
{
	if (longmode) {
		vcpu->regs[SVX_RAX] = ret;
	} else {
		vcpu->regs[SVX_RDX] = ret >> 32;
		vcpu->regs[SVX_RAX] = (u32)ret;
	}
}

/* KVM's kvm_hv_hypercall_enabled() */
bool svx_hv_hypercall_enabled(struct svx_vcpu *vcpu)
{
	return vcpu->hv.enabled && READ_ONCE(vcpu->vm->hv.guest_os_id);
}

/* KVM's hv_check_hypercall_access() */
static bool svx_hv_hypercall_allowed(struct svx_hv_vcpu *hv, u16 code)
{
	if (!hv->enforce)
		return true;
	switch (code) {
	case HVCALL_NOTIFY_LONG_SPIN_WAIT:
		return hv->enlightenments_ebx &&
		       hv->enlightenments_ebx != U32_MAX;
	case HVCALL_POST_MESSAGE:
		return hv->features_ebx & HV_POST_MESSAGES;
	case HVCALL_SIGNAL_EVENT:
		return hv->features_ebx & HV_SIGNAL_EVENTS;
	case HVCALL_POST_DEBUG_DATA:
	case HVCALL_RETRIEVE_DEBUG_DATA:
	case HVCALL_RESET_DEBUG_SESSION:
		return !(hv->syndbg_cap_eax &
			 SVX_HV_SYNDBG_ALLOW_KERNEL_DEBUGGING) ||
		       hv->features_ebx & HV_DEBUGGING;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
		if (!(hv->enlightenments_eax &
		      HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED))
			return false;
		fallthrough;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
		return hv->enlightenments_eax &
		       HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED;
	case HVCALL_SEND_IPI_EX:
		if (!(hv->enlightenments_eax &
		      HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED))
			return false;
		fallthrough;
	case HVCALL_SEND_IPI:
		return hv->enlightenments_eax &
		       HV_X64_CLUSTER_IPI_RECOMMENDED;
	}
	return true;
}

/* A hypercall's input, KVM's struct kvm_hv_hcall */
struct svx_hv_hcall {
	u64 ingpa, outgpa;
	u16 code, var_cnt, rep_cnt;
	bool fast;
	sse128_t xmm[HV_HYPERCALL_MAX_XMM_REGISTERS];	/* XMM fast input */
};

/* KVM's KVM_HV_MAX_SPARSE_VCPU_SET_BITS: the banks a VP index can be in */
#define SVX_HV_SPARSE_BANKS	DIV_ROUND_UP(SVX_MAX_VCPUS, 64)

/* KVM's is_xmm_fast_hypercall() */
static bool svx_hv_xmm_fast_code(u16 code)
{
	switch (code) {
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
	case HVCALL_SEND_IPI_EX:
		return true;
	}
	return false;
}

/*
 * HvSignalEvent, KVM's kvm_hvcall_signal_event(): the connection ID (in
 * @ingpa when fast, else the 8 bytes there) signals the eventfd
 * KVM_HYPERV_EVENTFD gave it; HV_STATUS_INVALID_PORT_ID when none did
 * (the caller then asks the VMM, as for HvPostMessage).
 */
static u16 svx_hv_signal_event(struct svx_vcpu *vcpu, bool fast, u64 ingpa)
{
	struct eventfd_ctx *eventfd;

	if (!fast) {
		if ((ingpa & 7) || offset_in_page(ingpa) + 8 > PAGE_SIZE)
			return HV_STATUS_INVALID_ALIGNMENT;
		if (svx_read_guest_phys(vcpu->vm, ingpa, &ingpa,
					sizeof(ingpa)))
			return HV_STATUS_INVALID_ALIGNMENT;
	}
	if (ingpa & 0xffff00000000ULL)
		return HV_STATUS_INVALID_PORT_ID;
	if (ingpa & ~(u64)KVM_HYPERV_CONN_ID_MASK)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* the eventfd lives until a grace period after its deassignment */
	rcu_read_lock();
	eventfd = idr_find(&vcpu->vm->hv.conn_to_evt, ingpa);
	if (eventfd)
		svx_eventfd_signal(eventfd);
	rcu_read_unlock();
	return eventfd ? HV_STATUS_SUCCESS : HV_STATUS_INVALID_PORT_ID;
}

/*
 * KVM's kvm_get_sparse_vp_set(): a VP set's banks (@var_cnt of them, the
 * first SVX_HV_SPARSE_BANKS kept) from memory at ingpa + @offset or, fast,
 * from the XMM halves after the @consumed ones; 0, or 1 for
 * HV_STATUS_INVALID_HYPERCALL_INPUT.
 */
static int svx_hv_sparse_banks(struct svx_vcpu *vcpu,
			       const struct svx_hv_hcall *hc, int consumed,
			       u64 *banks, u64 offset)
{
	u16 n;
	int i, j;

	if (hc->var_cnt > 64)
		return 1;
	n = min_t(u16, hc->var_cnt, SVX_HV_SPARSE_BANKS);
	if (hc->fast) {
		if (hc->var_cnt > 2 * HV_HYPERCALL_MAX_XMM_REGISTERS - consumed)
			return 1;
		for (i = 0; i < n; i++) {
			j = i + consumed;
			banks[i] = hc->xmm[j / 2].q[j % 2];
		}
		return 0;
	}
	return n && svx_read_guest_phys(vcpu->vm, hc->ingpa + offset, banks,
					n * sizeof(*banks)) ? 1 : 0;
}

/*
 * KVM's sparse_set_to_vcpu_mask(): @mask gets the vCPUs whose VP index the
 * set (@valid: a bit per bank there is, in order; @banks) has.
 */
static void svx_hv_vp_set_to_mask(struct svx_vm *vm, u64 valid,
				  const u64 *banks, unsigned long *mask)
{
	struct svx_vcpu *t;
	u32 vp, bank;
	int i;

	bitmap_zero(mask, SVX_MAX_VCPUS);
	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		t = READ_ONCE(vm->vcpus[i]);
		if (!t)
			continue;
		vp = READ_ONCE(t->hv.vp_index);
		bank = vp / 64;
		if (bank >= SVX_HV_SPARSE_BANKS || !(valid & BIT_ULL(bank)))
			continue;
		/* the banks there are below it come first */
		if (banks[hweight64(valid & (BIT_ULL(bank) - 1))] &
		    BIT_ULL(vp % 64))
			__set_bit(i, mask);
	}
}

/*
 * HvSendIpi and HvSendIpiEx, KVM's kvm_hv_send_ipi(): a fixed interrupt
 * of the vector to each vCPU of the VP set (the _Ex's sparse banks after
 * its vector, format and bank mask, or all with HV_GENERIC_SET_ALL), from
 * memory at ingpa or (fast) the registers and XMM.  Only to an in-kernel
 * APIC.
 */
static u64 svx_hv_send_ipi(struct svx_vcpu *vcpu, const struct svx_hv_hcall *hc)
{
	struct svx_vm *vm = vcpu->vm;
	DECLARE_BITMAP(mask, SVX_MAX_VCPUS);
	u64 banks[SVX_HV_SPARSE_BANKS], valid;
	struct hv_send_ipi_ex ex;
	struct hv_send_ipi in;
	struct svx_vcpu *t;
	bool all = false;
	u32 vector;
	int i;

	if (!vcpu->lapic)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (hc->code == HVCALL_SEND_IPI) {
		if (!hc->fast) {
			if (svx_read_guest_phys(vm, hc->ingpa, &in, sizeof(in)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
		} else {
			if (hc->ingpa >> 32)	/* the reserved half */
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			in.vector = hc->ingpa;
			in.cpu_mask = hc->outgpa;
		}
		vector = in.vector;
		valid = BIT_ULL(0);
		banks[0] = in.cpu_mask;
	} else {
		if (!hc->fast) {
			if (svx_read_guest_phys(vm, hc->ingpa, &ex, sizeof(ex)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
		} else {
			ex.vector = hc->ingpa;
			ex.vp_set.format = hc->outgpa;
			ex.vp_set.valid_bank_mask = hc->xmm[0].q[0];
		}
		vector = ex.vector;
		valid = ex.vp_set.valid_bank_mask;
		all = ex.vp_set.format == HV_GENERIC_SET_ALL;
		if (hc->var_cnt != hweight64(valid))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (!all) {
			if (!hc->var_cnt)
				return HV_STATUS_SUCCESS;
			if (svx_hv_sparse_banks(vcpu, hc, 1, banks,
						offsetof(struct hv_send_ipi_ex,
							 vp_set.bank_contents)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
	}
	if (vector < HV_IPI_LOW_VECTOR || vector > HV_IPI_HIGH_VECTOR)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!all)
		svx_hv_vp_set_to_mask(vm, valid, banks, mask);
	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		t = READ_ONCE(vm->vcpus[i]);
		if (t && (all || test_bit(i, mask)))
			svx_irqchip_send_fixed(t, vector);
	}
	return HV_STATUS_SUCCESS;
}

/*
 * HvFlushVirtualAddressSpace/List and their _Ex, KVM's kvm_hv_flush_tlb():
 * the whole guest TLB of each vCPU of the set (a mask of 0 or
 * HV_FLUSH_ALL_PROCESSORS: all; the _Ex's any format but sparse: all),
 * whatever the address space and list, as KVM's: each flushes before its
 * next entry (SVX_REQ_TLB_FLUSH: its VPID), and the call returns once
 * none runs on the translations from before (the kick waits for it).
 * With shadow paging the guest's page tables are synced first, as a
 * guest's flush of everything (KVM's kvm_vcpu_flush_tlb_guest(); INVPCID
 * all-context here, vmx/cpufeat.c): the unsync shadow pages of the VM
 * are brought back in line with the guest's tables.  Every rep is done.
 */
static u64 svx_hv_flush_tlb(struct svx_vcpu *vcpu, const struct svx_hv_hcall *hc)
{
	struct svx_vm *vm = vcpu->vm;
	DECLARE_BITMAP(mask, SVX_MAX_VCPUS);
	u64 banks[SVX_HV_SPARSE_BANKS], valid;
	struct hv_tlb_flush_ex ex;
	struct hv_tlb_flush fl;
	bool all;

	if (hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
	    hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE) {
		if (hc->fast) {
			fl.address_space = hc->ingpa;
			fl.flags = hc->outgpa;
			fl.processor_mask = hc->xmm[0].q[0];
		} else if (svx_read_guest_phys(vm, hc->ingpa, &fl, sizeof(fl))) {
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
		valid = BIT_ULL(0);
		banks[0] = fl.processor_mask;
		/* KVM's work-around for WS2012: a mask of 0 is all */
		all = (fl.flags & HV_FLUSH_ALL_PROCESSORS) ||
		      !fl.processor_mask;
	} else {
		if (hc->fast) {
			ex.address_space = hc->ingpa;
			ex.flags = hc->outgpa;
			memcpy(&ex.hv_vp_set, &hc->xmm[0], sizeof(hc->xmm[0]));
		} else if (svx_read_guest_phys(vm, hc->ingpa, &ex, sizeof(ex))) {
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
		valid = ex.hv_vp_set.valid_bank_mask;
		all = ex.hv_vp_set.format != HV_GENERIC_SET_SPARSE_4K;
		if (hc->var_cnt != hweight64(valid))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (!all && !hc->var_cnt)
			goto done;
		if (!all && svx_hv_sparse_banks(vcpu, hc, 2, banks,
						offsetof(struct hv_tlb_flush_ex,
							 hv_vp_set.bank_contents)))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (!all)
		svx_hv_vp_set_to_mask(vm, valid, banks, mask);
	if (!svx_vm_ept(vm))
		svx_mmu_sync_all(vcpu);
	svx_kick_vcpus(vm, SVX_REQ_TLB_FLUSH, all ? NULL : mask);
done:
	return (u64)HV_STATUS_SUCCESS |
	       (u64)hc->rep_cnt << HV_HYPERCALL_REP_COMP_OFFSET;
}

/*
 * A hypercall for the VMM: KVM_EXIT_HYPERV (HCALL) with its input and
 * parameters; the status is the VMM's (svx_hv_hypercall_complete()).
 */
static void svx_hv_hcall_exit(struct svx_vcpu *vcpu, u64 param, u64 ingpa,
			      u64 outgpa)
{
	vcpu->run->exit_reason = KVM_EXIT_HYPERV;
	vcpu->run->hyperv.type = KVM_EXIT_HYPERV_HCALL;
	vcpu->run->hyperv.u.hcall.input = param;
	vcpu->run->hyperv.u.hcall.params[0] = ingpa;
	vcpu->run->hyperv.u.hcall.params[1] = outgpa;
	vcpu->pending = SVX_PENDING_HV_HCALL;
}

/*
 * KVM's kvm_hv_hypercall() after its CPL and protected-mode checks (the
 * caller's, vmx/hypercall.c).  The input in RCX/RDX/R8 (@longmode) or
 * EDX:EAX, EBX:ECX, EDI:ESI; the status to RAX (or EDX:EAX).  Returns 0,
 * or -1: #UD (KVM's for XMM input that the guest's CPUID does not allow
 * with ENFORCE_CPUID), or 1: KVM_EXIT_HYPERV (HCALL) filled in, the VMM's
 * (svx_hv_hypercall_complete() at the next KVM_RUN); the caller skips the
 * VMCALL on 0.
 */
int svx_hv_hypercall(struct svx_vcpu *vcpu, bool longmode)
{
	struct svx_hv_vcpu *hv = &vcpu->hv;
	unsigned long *regs = vcpu->regs;
	u64 param, ingpa, outgpa, ret = HV_STATUS_SUCCESS;
	struct svx_hv_hcall hc;
	u16 code, rep_cnt, rep_idx;
	bool fast, rep;
	u32 var_cnt;
	int i;

	if (longmode) {
		param = regs[SVX_RCX];
		ingpa = regs[SVX_RDX];
		outgpa = regs[SVX_R8];
	} else {
		param = (u64)(u32)regs[SVX_RDX] << 32 | (u32)regs[SVX_RAX];
		ingpa = (u64)(u32)regs[SVX_RBX] << 32 | (u32)regs[SVX_RCX];
		outgpa = (u64)(u32)regs[SVX_RDI] << 32 | (u32)regs[SVX_RSI];
	}
	code = param & 0xffff;
	var_cnt = (param & HV_HYPERCALL_VARHEAD_MASK) >>
		  HV_HYPERCALL_VARHEAD_OFFSET;
	fast = param & HV_HYPERCALL_FAST_BIT;
	rep_cnt = (param >> HV_HYPERCALL_REP_COMP_OFFSET) & 0xfff;
	rep_idx = (param >> HV_HYPERCALL_REP_START_OFFSET) & 0xfff;
	rep = rep_cnt || rep_idx;

	if (!svx_hv_hypercall_allowed(hv, code)) {
		ret = HV_STATUS_ACCESS_DENIED;
		goto out;
	}
	if (param & HV_HYPERCALL_RSVD_MASK) {
		ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto out;
	}
	hc.ingpa = ingpa;
	hc.outgpa = outgpa;
	hc.code = code;
	hc.var_cnt = var_cnt;
	hc.rep_cnt = rep_cnt;
	hc.fast = fast;
	if (fast && svx_hv_xmm_fast_code(code)) {
		if (hv->enforce &&
		    !(hv->features_edx & HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE))
			return -1;
		/* KVM's kvm_hv_hypercall_read_xmm() */
		for (i = 0; i < HV_HYPERCALL_MAX_XMM_REGISTERS; i++)
			svx_fpu_get_xmm(vcpu, i, &hc.xmm[i]);
	}

	switch (code) {
	case HVCALL_NOTIFY_LONG_SPIN_WAIT:
		if (rep || var_cnt) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		svx_vcpu_on_spin(vcpu);	/* vmx/hypercall.c */
		break;
	case HVCALL_SIGNAL_EVENT:
		if (rep || var_cnt) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = svx_hv_signal_event(vcpu, fast, ingpa);
		if (ret != HV_STATUS_INVALID_PORT_ID)
			break;
		fallthrough;
	case HVCALL_POST_MESSAGE:
		/* the VMM's, with a SynIC to answer through */
		if (rep || var_cnt || !vcpu->hv.synic.active) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		svx_hv_hcall_exit(vcpu, param, ingpa, outgpa);
		return 1;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
		if (var_cnt) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		fallthrough;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
		if (!rep_cnt || rep_idx) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = svx_hv_flush_tlb(vcpu, &hc);
		break;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
		if (var_cnt) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		fallthrough;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
		if (rep) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = svx_hv_flush_tlb(vcpu, &hc);
		break;
	case HVCALL_SEND_IPI:
		if (var_cnt) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		fallthrough;
	case HVCALL_SEND_IPI_EX:
		if (rep) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = svx_hv_send_ipi(vcpu, &hc);
		break;
	case HVCALL_POST_DEBUG_DATA:
	case HVCALL_RETRIEVE_DEBUG_DATA:
		if (fast) {
			ret = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		fallthrough;
	case HVCALL_RESET_DEBUG_SESSION:
		/* the VMM's, when the debugger's OPTIONS ask for hypercalls */
		if (!svx_hv_syndbg_enabled(vcpu)) {
			ret = HV_STATUS_INVALID_HYPERCALL_CODE;
			break;
		}
		if (!(READ_ONCE(vcpu->vm->hv.syndbg.options) &
		      SVX_HV_SYNDBG_OPTION_USE_HCALLS)) {
			ret = HV_STATUS_OPERATION_DENIED;
			break;
		}
		svx_hv_hcall_exit(vcpu, param, ingpa, outgpa);
		return 1;
	default:
		ret = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
out:
	svx_hv_set_result(vcpu, longmode, ret);
	return 0;
}

/*
 * KVM's kvm_hv_hypercall_complete_userspace(): the VMM's status for the
 * HCALL exit (run->hyperv.u.hcall.result) to RAX, or EDX:EAX outside
 * 64-bit mode (@longmode: the mode now, as KVM's); the caller skips the
 * VMCALL.
 */
void svx_hv_hypercall_complete(struct svx_vcpu *vcpu, bool longmode)
{
	svx_hv_set_result(vcpu, longmode, vcpu->run->hyperv.u.hcall.result);
}
