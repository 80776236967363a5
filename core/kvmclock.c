// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock, as KVM 6.1's (arch/x86/kvm/x86.c): the paravirtual clock a
 * guest finds in CPUID 0x40000001 (KVM_FEATURE_CLOCKSOURCE,
 * CLOCKSOURCE2, CLOCKSOURCE_STABLE_BIT; x86/cpuid.c), its MSRs, the VM's
 * KVM_GET_CLOCK/KVM_SET_CLOCK and the vCPU's TSC offset attribute.
 *
 * The VM's clock counts nanoseconds at the rate of the host's raw clock
 * from the host's boot (get_kvmclock_base_ns()) plus a per-VM offset
 * (kvmclock_offset: 0 at KVM_CREATE_VM, moved by KVM_SET_CLOCK).  Each
 * vCPU that wrote MSR_KVM_SYSTEM_TIME(_NEW) with bit 0 set has a
 * struct pvclock_vcpu_time_info at that guest-physical address, which
 * the module rewrites (version odd while it changes, even after, as
 * KVM's kvm_setup_guest_pvclock(); through the write path that marks the
 * page dirty and tells the shadow MMU) before the next entry after: the
 * MSR write, a move to another host CPU, KVM_SET_CLOCK, and a change of
 * any vCPU's TSC offset (KVM_REQ_CLOCK_UPDATE).  The same update gives
 * Hyper-V's reference TSC page its parameters (core/hyperv.c, KVM's
 * kvm_hv_setup_tsc_page()), whether or not the vCPU has a kvmclock, and
 * every master clock update first asks for the page to be rewritten
 * (kvm_hv_request_tsc_page_update()).
 *
 * The master clock (KVM's use_master_clock, pvclock_update_vm_gtod_copy):
 * when the host's clocksource is the TSC, every vCPU has the same TSC
 * offset and rate and the boot vCPU does not use the old
 * MSR, one host (TSC, clock) pair taken at the last update serves every
 * vCPU, the records carry PVCLOCK_TSC_STABLE_BIT and KVM_GET_CLOCK
 * reports KVM_CLOCK_TSC_STABLE, and with the host TSC and real time of
 * one reading, KVM_CLOCK_HOST_TSC and KVM_CLOCK_REALTIME.  Otherwise
 * each vCPU's record pairs its own TSC with the clock when written.  A
 * record counts in the vCPU's TSC (KVM_SET_TSC_KHZ: the host's scaled).
 * Not here: KVM's periodic resync (kvmclock_sync_work), PVCLOCK_GUEST_STOPPED
 * from KVM_KVMCLOCK_CTRL (a guest's own bit is kept).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <linux/timekeeper_internal.h>
#include <linux/clocksource.h>
#include <linux/pvclock_gtod.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock.h>
#include <asm/tsc.h>

#include "svx.h"
#include "core.h"
#include "cpuid.h"
#include "mmu_host.h"
#include "vmx.h"
#include "vm.h"
#include "kvmclock.h"
#include "hyperv.h"

/* KVM's get_kvmclock_base_ns(): the raw clock, counted from boot. */
s64 svx_kvmclock_base_ns(void)
{
	return ktime_to_ns(ktime_add(ktime_get_raw(),
				     ktime_mono_to_any(0, TK_OFFS_BOOT)));
}

/*
 * KVM's kvm_get_time_scale(): ns = (ticks << shift) * mul >> 32.  A rate
 * of 0 never leaves the second loop (tps32 stays 0): KVM_SET_TSC_KHZ 1
 * with TSC scaling at a 50 MHz host scales the host's rate to 0 kHz
 * (KVM 6.1 reaches the loop too once the vCPU's hw_tsc_khz was not 0; a
 * soft lockup in the fuzzer's Bochs run here).  Such a clock does not
 * advance: shift and mul 0.
 */
static void svx_get_time_scale(u64 scaled_hz, u64 base_hz, s8 *pshift,
			       u32 *pmul)
{
	u64 scaled64 = scaled_hz, tps64 = base_hz;
	s32 shift = 0;
	u32 tps32;

	if (!base_hz || !scaled_hz) {
		*pshift = 0;
		*pmul = 0;
		return;
	}
	while (tps64 > scaled64 * 2 || tps64 & 0xffffffff00000000ULL) {
		tps64 >>= 1;
		shift--;
	}
	tps32 = (u32)tps64;
	while (tps32 <= scaled64 || scaled64 & 0xffffffff00000000ULL) {
		if (scaled64 & 0xffffffff00000000ULL || tps32 & 0x80000000)
			scaled64 >>= 1;
		else
			tps32 <<= 1;
		shift++;
	}
	*pshift = shift;
	*pmul = div_u64(scaled64 << 32, tps32);
}

/*
 * ns per cycle of a TSC that runs at the host's rate times @ratio (KVM's
 * kvm_guest_time_update(): tgt_tsc_khz is tsc_khz scaled; the host's own
 * rate for KVM_GET_CLOCK).
 */
static void svx_kvmclock_scale(struct pvclock_vcpu_time_info *hv, u64 ratio)
{
	svx_get_time_scale(NSEC_PER_SEC,
			   svx_scale_tsc(tsc_khz, ratio) * 1000ULL,
			   &hv->tsc_shift, &hv->tsc_to_system_mul);
}

/*
 * The host's timekeeping runs on the TSC (KVM's pvclock_gtod_notify() and
 * gtod_is_based_on_tsc()): told at every timekeeping update.
 */
static bool svx_gtod_tsc;

static int svx_gtod_notify(struct notifier_block *nb, unsigned long unused,
			   void *priv)
{
	struct timekeeper *tk = priv;

	WRITE_ONCE(svx_gtod_tsc, tk->tkr_mono.clock->vdso_clock_mode ==
		   VDSO_CLOCKMODE_TSC);
	return 0;
}

static struct notifier_block svx_gtod_nb = {
	.notifier_call = svx_gtod_notify,
};

void svx_kvmclock_init(void)
{
	pvclock_gtod_register_notifier(&svx_gtod_nb);
}

void svx_kvmclock_exit(void)
{
	pvclock_gtod_unregister_notifier(&svx_gtod_nb);
}

/*
 * Can a master clock exist (KVM's kvm_get_time_and_clockread()): the
 * host clock and its TSC reading, in one snapshot, the TSC constant.
 */
static bool svx_host_tsc_clock(struct system_time_snapshot *snap)
{
	ktime_get_snapshot(snap);
	return READ_ONCE(svx_gtod_tsc) && tsc_khz &&
	       boot_cpu_has(X86_FEATURE_CONSTANT_TSC);
}

/* KVM_CAP_ADJUST_CLOCK: the flags KVM_GET_CLOCK can report here. */
long svx_kvmclock_caps(void)
{
	struct system_time_snapshot snap;

	/*
	 * Without a TSC clocksource no master clock, so none of the flags;
	 * KVM_CLOCK_TSC_STABLE alone then says the ioctls exist (what KVM
	 * before 5.16 answered).
	 */
	if (!svx_host_tsc_clock(&snap))
		return KVM_CLOCK_TSC_STABLE;
	return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
}

/*
 * Every vCPU's TSC counts together (KVM's all_vcpus_matched_tsc): the
 * same offset at the same rate.
 */
static bool svx_vcpus_matched(struct svx_vm *vm)
{
	u64 offset = 0, ratio = 0;
	bool first = true;
	int i;

	for (i = 0; i < SVX_MAX_VCPUS; i++) {
		struct svx_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (!vcpu)
			continue;
		if (!first && (READ_ONCE(vcpu->tsc_offset) != offset ||
			       READ_ONCE(vcpu->tsc_ratio) != ratio))
			return false;
		offset = READ_ONCE(vcpu->tsc_offset);
		ratio = READ_ONCE(vcpu->tsc_ratio);
		first = false;
	}
	return true;
}

/*
 * KVM's pvclock_update_vm_gtod_copy() plus kvm_end_pvclock_update(): a new
 * master (TSC, clock) pair, then every vCPU rewrites its record.
 * @clock: with @set, make the VM's clock read @clock now.
 */
static void svx_kvmclock_master_update(struct svx_vm *vm, bool set,
				       u64 clock)
{
	struct svx_kvmclock *kc = &vm->kvmclock;
	struct system_time_snapshot snap;
	bool tsc = svx_host_tsc_clock(&snap);
	unsigned long flags;
	s64 boot = ktime_to_ns(ktime_mono_to_any(0, TK_OFFS_BOOT));

	svx_hv_request_tsc_page_update(vm);	/* core/hyperv.c */
	spin_lock_irqsave(&kc->lock, flags);
	kc->master = tsc && svx_vcpus_matched(vm) && !kc->boot_old;
	kc->master_cycle = snap.cycles;
	kc->master_ns = ktime_to_ns(snap.raw) + boot;
	if (set)
		kc->offset = clock - (kc->master ? kc->master_ns :
				      svx_kvmclock_base_ns());
	spin_unlock_irqrestore(&kc->lock, flags);
	svx_kick_all(vm, SVX_REQ_CLOCK_UPDATE);
}

void svx_kvmclock_vm_init(struct svx_vm *vm)
{
	spin_lock_init(&vm->kvmclock.lock);
	vm->kvmclock.offset = -svx_kvmclock_base_ns();
}

/* KVM_REQ_MASTERCLOCK_UPDATE (core/hyperv.c: the TSC page's MSR) */
void svx_kvmclock_masterclock_update(struct svx_vm *vm)
{
	svx_kvmclock_master_update(vm, false, 0);
}

/* A vCPU's TSC offset changed (KVM's kvm_track_tsc_matching()). */
void svx_kvmclock_tsc_changed(struct svx_vcpu *vcpu)
{
	svx_kvmclock_master_update(vcpu->vm, false, 0);
}

/* KVM's __get_kvmclock() */
static void svx_get_kvmclock(struct svx_vm *vm, struct kvm_clock_data *data)
{
	struct svx_kvmclock *kc = &vm->kvmclock;
	struct pvclock_vcpu_time_info hv = {};
	struct system_time_snapshot snap;
	unsigned long flags;

	memset(data, 0, sizeof(*data));
	spin_lock_irqsave(&kc->lock, flags);
	if (kc->master) {
		if (svx_host_tsc_clock(&snap)) {
			data->realtime = ktime_to_ns(snap.real);
			data->host_tsc = snap.cycles;
			data->flags |= KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
		} else {
			data->host_tsc = rdtsc();
		}
		data->flags |= KVM_CLOCK_TSC_STABLE;
		hv.tsc_timestamp = kc->master_cycle;
		hv.system_time = kc->master_ns + kc->offset;
		svx_kvmclock_scale(&hv, SVX_TSC_RATIO_ONE);
		data->clock = __pvclock_read_cycles(&hv, data->host_tsc);
	} else {
		data->clock = svx_kvmclock_base_ns() + kc->offset;
	}
	spin_unlock_irqrestore(&kc->lock, flags);
}

/* KVM's get_kvmclock_ns() */
u64 svx_kvmclock_ns(struct svx_vm *vm)
{
	struct kvm_clock_data data;

	svx_get_kvmclock(vm, &data);
	return data.clock;
}

long svx_vm_get_clock(struct svx_vm *vm, void __user *argp)
{
	struct kvm_clock_data data;

	svx_get_kvmclock(vm, &data);
	return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
}

/* KVM's kvm_vm_ioctl_set_clock() */
long svx_vm_set_clock(struct svx_vm *vm, void __user *argp)
{
	struct kvm_clock_data data;

	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	/* as KVM: the result of KVM_GET_CLOCK may come back */
	if (data.flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
			   KVM_CLOCK_HOST_TSC)) {
		svx_vm_warn(vm, "KVM_SET_CLOCK: unknown flags %#x\n",
			    data.flags);
		return -EINVAL;
	}
	if (data.flags & KVM_CLOCK_REALTIME) {
		u64 now = ktime_get_real_ns();

		if (now > data.realtime)	/* never step it backwards */
			data.clock += now - data.realtime;
	}
	svx_kvmclock_master_update(vm, true, data.clock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The MSRs                                                             */

bool svx_kvmclock_is_msr(u32 index)
{
	return index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_SYSTEM_TIME ||
	       index == MSR_KVM_WALL_CLOCK_NEW ||
	       index == MSR_KVM_SYSTEM_TIME_NEW;
}

/* KVM's kvm_write_wall_clock(): the host's real time at the clock's 0. */
static void svx_write_wall_clock(struct svx_vcpu *vcpu, u64 gpa)
{
	struct kvm_clock_data data;
	struct pvclock_wall_clock wc;
	u32 version;
	u64 wall;

	if (!gpa || svx_read_guest_phys(vcpu->vm, gpa, &version,
					sizeof(version)))
		return;
	if (version & 1)	/* first write: junk */
		version++;
	version++;
	if (svx_write_guest_for(vcpu, gpa, &version, sizeof(version)))
		return;
	svx_get_kvmclock(vcpu->vm, &data);
	wall = ktime_get_real_ns() - data.clock;
	wc.nsec = do_div(wall, NSEC_PER_SEC);
	wc.sec = (u32)wall;	/* wraps in 2106 of guest time, as KVM */
	wc.version = version;
	svx_write_guest_for(vcpu, gpa, &wc, sizeof(wc));
	version++;
	svx_write_guest_for(vcpu, gpa, &version, sizeof(version));
}

/*
 * KVM's guest_pv_has(): with KVM_CAP_ENFORCE_PV_FEATURE_CPUID, a PV MSR
 * needs its bit in the features leaf after the first "KVMKVMKVM"
 * signature of the guest's table (0x40000000 + n * 0x100); without the
 * cap, any.  (KVM keeps the last table's bits when a new table has no such
 * leaf; here such a table has none.)
 */
bool svx_guest_pv_has(struct svx_vcpu *vcpu, unsigned int feature)
{
	const struct kvm_cpuid_entry2 *e;
	u32 base;

	if (!vcpu->pv_enforce)
		return true;
	for (base = 0x40000000; base < 0x40010000; base += 0x100) {
		e = svx_cpuid_find(vcpu, base, 0);
		if (!e || e->ebx != 0x4b4d564b || e->ecx != 0x564b4d56 ||
		    e->edx != 0x4d)
			continue;
		e = svx_cpuid_find(vcpu, base | KVM_CPUID_FEATURES, 0);
		return e && (e->eax & BIT(feature));
	}
	return false;
}

static bool svx_kvmclock_allowed(struct svx_vcpu *vcpu, u32 index)
{
	return svx_guest_pv_has(vcpu, index == MSR_KVM_WALL_CLOCK ||
				index == MSR_KVM_SYSTEM_TIME ?
				KVM_FEATURE_CLOCKSOURCE :
				KVM_FEATURE_CLOCKSOURCE2);
}

/*
 * KVM_ENABLE_CAP on the vCPU fd: KVM_CAP_ENFORCE_PV_FEATURE_CPUID and
 * KVM_CAP_HYPERV_ENFORCE_CPUID, _SYNIC and _SYNIC2 (core/hyperv.c) only
 */
long svx_vcpu_enable_cap(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (!cap.flags && cap.cap == KVM_CAP_HYPERV_ENFORCE_CPUID)
		return svx_hv_enable_enforce_cpuid(vcpu, cap.args[0]);
	/* KVM's: SYNIC2 takes no argument, SYNIC ignores it */
	if (!cap.flags && cap.cap == KVM_CAP_HYPERV_SYNIC2 && cap.args[0]) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_ENABLE_CAP(KVM_CAP_HYPERV_SYNIC2): argument %#llx, not 0\n",
			    vcpu->id, cap.args[0]);
		return -EINVAL;
	}
	if (!cap.flags && (cap.cap == KVM_CAP_HYPERV_SYNIC ||
			   cap.cap == KVM_CAP_HYPERV_SYNIC2))
		return svx_hv_activate_synic(vcpu,
					     cap.cap == KVM_CAP_HYPERV_SYNIC2);
	if (cap.flags || cap.cap != KVM_CAP_ENFORCE_PV_FEATURE_CPUID) {
		svx_vm_warn(vcpu->vm, "vcpu%d: KVM_ENABLE_CAP %u flags %#x: only KVM_CAP_ENFORCE_PV_FEATURE_CPUID and KVM_CAP_HYPERV_ENFORCE_CPUID/SYNIC/SYNIC2, flags 0\n",
			    vcpu->id, cap.cap, cap.flags);
		return -EINVAL;
	}
	vcpu->pv_enforce = cap.args[0];
	return 0;
}

int svx_kvmclock_get_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	if (!svx_kvmclock_allowed(vcpu, index))
		return 1;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW)
		*data = READ_ONCE(vcpu->vm->kvmclock.wall_clock);
	else
		*data = vcpu->pv_time;
	return 0;
}

/*
 * KVM's kvm_set_msr_common() for kvmclock: taken whatever the guest's
 * CPUID says unless KVM_CAP_ENFORCE_PV_FEATURE_CPUID, any value; a record
 * that does not fit in one page of guest RAM is never written (KVM's
 * gfn_to_pfn_cache refuses it).
 */
int svx_kvmclock_set_msr(struct svx_vcpu *vcpu, u32 index, u64 data,
			 bool host)
{
	struct svx_kvmclock *kc = &vcpu->vm->kvmclock;
	bool old = index == MSR_KVM_SYSTEM_TIME;

	if (!svx_kvmclock_allowed(vcpu, index))
		return 1;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW) {
		WRITE_ONCE(kc->wall_clock, data);
		svx_write_wall_clock(vcpu, data);
		return 0;
	}
	/* kvm_write_system_time(): the old ABI has no stable bit */
	if (vcpu->id == 0 && !host && kc->boot_old != old) {
		kc->boot_old = old;
		svx_kvmclock_master_update(vcpu->vm, false, 0);
	}
	vcpu->pv_time = data;
	set_bit(SVX_REQ_CLOCK_UPDATE, &vcpu->requests);
	return 0;
}

/*
 * KVM's kvm_guest_time_update() and kvm_setup_guest_pvclock(), before an
 * entry with SVX_REQ_CLOCK_UPDATE (process context, vCPU loaded or not).
 */
void svx_kvmclock_update(struct svx_vcpu *vcpu)
{
	struct svx_kvmclock *kc = &vcpu->vm->kvmclock;
	struct pvclock_vcpu_time_info hv = {}, old;
	u64 gpa = vcpu->pv_time & ~1ULL, host_tsc;
	unsigned long flags;
	s64 ns;

	if (!test_and_clear_bit(SVX_REQ_CLOCK_UPDATE, &vcpu->requests))
		return;

	spin_lock_irqsave(&kc->lock, flags);
	if (kc->master) {
		host_tsc = kc->master_cycle;
		ns = kc->master_ns;
		hv.flags = PVCLOCK_TSC_STABLE_BIT;
	} else {
		host_tsc = rdtsc();
		ns = svx_kvmclock_base_ns();
	}
	hv.system_time = ns + kc->offset;
	spin_unlock_irqrestore(&kc->lock, flags);
	hv.tsc_timestamp = svx_guest_tsc(vcpu, host_tsc);
	svx_kvmclock_scale(&hv, vcpu->tsc_ratio);

	/* KVM's kvm_hv_setup_tsc_page(), whatever the vCPU's kvmclock */
	svx_hv_setup_tsc_page(vcpu, &hv);

	if (!(vcpu->pv_time & 1) ||
	    offset_in_page(gpa) + sizeof(hv) > PAGE_SIZE)
		return;
	/*
	 * Other vCPUs may read this one's record: odd version while it
	 * changes, as the pvclock ABI says.
	 */
	if (svx_read_guest_phys(vcpu->vm, gpa, &old, sizeof(old)))
		return;
	hv.version = (old.version + 1) | 1;
	if (svx_write_guest_for(vcpu, gpa, &hv.version, sizeof(hv.version)))
		return;
	smp_wmb();	/* the odd version before the fields (pvclock ABI) */
	hv.flags |= old.flags & PVCLOCK_GUEST_STOPPED;
	svx_write_guest_for(vcpu, gpa, &hv, sizeof(hv));
	smp_wmb();	/* the fields before the even version */
	hv.version++;
	svx_write_guest_for(vcpu, gpa, &hv.version, sizeof(hv.version));
}

/* ------------------------------------------------------------------ */
/* KVM_{HAS,GET,SET}_DEVICE_ATTR on the vCPU fd: KVM_VCPU_TSC_CTRL      */

long svx_vcpu_device_attr(struct svx_vcpu *vcpu, unsigned int ioctl,
			  void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET) {
		svx_vm_warn(vcpu->vm, "vcpu%d: device attribute %u/%llu: only KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET\n",
			    vcpu->id, attr.group, attr.attr);
		return -ENXIO;
	}
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	uaddr = u64_to_user_ptr(attr.addr);
	if ((u64)(unsigned long)uaddr != attr.addr)
		return -EFAULT;
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user(vcpu->tsc_offset, uaddr) ? -EFAULT : 0;
	if (get_user(offset, uaddr))
		return -EFAULT;
	/* KVM's __kvm_synchronize_tsc(): the offset alone, not TSC_ADJUST */
	svx_set_tsc_offset(vcpu, offset);
	return 0;
}
