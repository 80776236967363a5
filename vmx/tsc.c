// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's TSC: offset and scaling in the VMCS (KVM's kvm_scale_tsc(),
 * kvm_synchronize_tsc() with its generations, so that vCPUs whose TSC the
 * VMM writes within a second of each other stay in step), and IA32_TSC and
 * IA32_TSC_ADJUST writes, as KVM's kvm_set_msr_common() carries them out.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "vmx_int.h"
#include "cpuid.h"
#include "vmx.h"
#include "vm.h"
#include "kvmclock.h"

/*
 * @tsc times @ratio (16.48 fixed point): KVM's kvm_scale_tsc(), the TSC
 * of a guest whose rate is not the host's.
 */
u64 svx_scale_tsc(u64 tsc, u64 ratio)
{
	if (ratio == SVX_TSC_RATIO_ONE)
		return tsc;
	return mul_u64_u64_shr(tsc, ratio, SVX_TSC_RATIO_FRAC_BITS);
}

/*
 * The guest's TSC when the host's reads @host_tsc (KVM's
 * kvm_read_l1_tsc()): scaled, plus the offset.
 */
u64 svx_guest_tsc(const struct svx_vcpu *vcpu, u64 host_tsc)
{
	return svx_scale_tsc(host_tsc, vcpu->tsc_ratio) + vcpu->tsc_offset;
}

/* Move the guest's TSC by @adj (KVM's adjust_tsc_offset_guest()). */
static void svx_adjust_tsc_offset(struct svx_vcpu *vcpu, s64 adj)
{
	vcpu->tsc_offset += adj;
	svx_vcpu_load(vcpu);
	svx_vmwrite(TSC_OFFSET, vcpu->tsc_offset);
	svx_vcpu_put(vcpu);
	svx_kvmclock_tsc_changed(vcpu);	/* KVM_REQ_MASTERCLOCK_UPDATE */
}

/* KVM's nsec_to_cycles(): @ns of the guest's time in its TSC cycles */
static u64 svx_ns_to_cycles(const struct svx_vcpu *vcpu, u64 ns)
{
	return mul_u64_u32_div(ns, vcpu->tsc_khz, 1000000);
}

/*
 * KVM's __kvm_synchronize_tsc(), the bookkeeping: the last write, and
 * unless it @matched the current generation, a new generation whose
 * offset the next vCPUs take.  Lock held.
 */
static void svx_tsc_sync_record(struct svx_vcpu *vcpu, u64 offset, u64 tsc,
				s64 ns, bool matched)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;

	s->last_ns = ns;
	s->last_write = tsc;
	s->last_khz = vcpu->tsc_khz;
	s->last_offset = offset;
	if (!matched)
		s->cur_offset = offset;
}

/*
 * KVM's kvm_synchronize_tsc(): the VMM writes @data to the vCPU's TSC
 * (KVM_SET_MSRS of IA32_TSC; 0 at the vCPU's creation).  A 0, or a value
 * within one second (of the guest's cycles) of what the last write
 * would read now, is taken as synchronising the vCPUs: at the rate of
 * the last writer the vCPU gets the current generation's offset (with a
 * stable host TSC; else the last write plus the time since), so that
 * vCPUs created or restored together count together.  Anything else
 * sets the TSC and starts a generation.  IA32_TSC_ADJUST does not move.
 */
static void svx_synchronize_tsc(struct svx_vcpu *vcpu, u64 data)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;
	bool sync = false, matched = false;
	unsigned long flags;
	u64 offset, elapsed;
	s64 ns;

	raw_spin_lock_irqsave(&s->lock, flags);
	offset = data - svx_scale_tsc(rdtsc(), vcpu->tsc_ratio);
	ns = svx_kvmclock_base_ns();
	elapsed = ns - s->last_ns;
	if (vcpu->tsc_khz && !data) {
		sync = true;
	} else if (vcpu->tsc_khz) {
		u64 exp = s->last_write + svx_ns_to_cycles(vcpu, elapsed);
		u64 hz = vcpu->tsc_khz * 1000ULL;

		sync = data < exp + hz && data + hz > exp;
	}
	if (sync && vcpu->tsc_khz == s->last_khz) {
		if (!check_tsc_unstable()) {
			offset = s->cur_offset;
		} else {
			data += svx_ns_to_cycles(vcpu, elapsed);
			offset = data - svx_scale_tsc(rdtsc(), vcpu->tsc_ratio);
		}
		matched = true;
	}
	svx_tsc_sync_record(vcpu, offset, data, ns, matched);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	svx_adjust_tsc_offset(vcpu, offset - vcpu->tsc_offset);
}

/*
 * KVM_VCPU_TSC_OFFSET (core/kvmclock.c): the offset itself, recorded as a
 * write that matches the current generation when it is the last write's
 * offset at the last writer's rate (KVM's kvm_arch_tsc_set_attr()).
 */
void svx_set_tsc_offset(struct svx_vcpu *vcpu, u64 offset)
{
	struct svx_tsc_sync *s = &vcpu->vm->tsc_sync;
	unsigned long flags;
	bool matched;

	raw_spin_lock_irqsave(&s->lock, flags);
	matched = vcpu->tsc_khz && s->last_khz == vcpu->tsc_khz &&
		  s->last_offset == offset;
	svx_tsc_sync_record(vcpu, offset,
			    svx_scale_tsc(rdtsc(), vcpu->tsc_ratio) + offset,
			    svx_kvmclock_base_ns(), matched);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	svx_adjust_tsc_offset(vcpu, offset - vcpu->tsc_offset);
}

/*
 * A new vCPU's TSC, as KVM's kvm_synchronize_tsc(vcpu, 0) from
 * kvm_arch_vcpu_postcreate(): the VM's first vCPU (or the first at a new
 * rate) starts at 0, later ones at the same rate take the current offset,
 * so that they count together (vm->lock held).
 */
void svx_init_tsc(struct svx_vcpu *vcpu)
{
	svx_synchronize_tsc(vcpu, 0);
}

/*
 * IA32_TSC_ADJUST in soft slot @soft, as KVM's kvm_set_msr_common(): only
 * for a guest whose CPUID has TSC_ADJUST (else the write is dropped, no
 * #GP); a guest write moves the TSC by the change, the VMM's
 * (KVM_SET_MSRS, migration) only sets the value.
 */
void svx_set_tsc_adjust(struct svx_vcpu *vcpu, int soft, u64 data,
			bool host)
{
	if (!svx_cpuid_has_tsc_adjust(vcpu))
		return;
	if (!host)
		svx_adjust_tsc_offset(vcpu, data - vcpu->soft_msrs[soft]);
	vcpu->soft_msrs[soft] = data;
}

/*
 * IA32_TSC: a guest write moves TSC_ADJUST by as much as the TSC (SDM
 * 17.17.3, KVM); the VMM's write is KVM's kvm_synchronize_tsc() (the TSC
 * alone, or a resynchronisation that keeps the generation's offset).
 */
void svx_set_tsc(struct svx_vcpu *vcpu, u64 data, bool host)
{
	s64 adj = data - svx_guest_tsc(vcpu, rdtsc());

	if (host) {
		svx_synchronize_tsc(vcpu, data);
		return;
	}
	vcpu->soft_msrs[svx_soft_msr_slot(MSR_IA32_TSC_ADJUST)] += adj;
	svx_adjust_tsc_offset(vcpu, adj);
}
