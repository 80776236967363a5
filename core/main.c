// SPDX-License-Identifier: GPL-2.0
/*
 * shadowvmx: the module and the system fd, /dev/shadowvmx.
 *
 * The system fd answers the KVM system ioctls with KVM's numbers and
 * semantics (KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM,
 * KVM_GET_VCPU_MMAP_SIZE, KVM_GET_MSR_INDEX_LIST, KVM_GET_SUPPORTED_CPUID
 * and KVM_GET_EMULATED_CPUID from x86/cpuid.c); core/vm.c and
 * core/vcpu.c implement the VM and vCPU fds.  Module load refuses cleanly
 * (errno and one dmesg line) on a CPU or firmware without usable VMX.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <asm/msr.h>

#include "svx.h"
#include "core.h"
#include "cpuid.h"
#include "fpu.h"
#include "spte.h"
#include "spec.h"
#include "ept.h"
#include "vmx_ept.h"
#include "vmx.h"
#include "vm.h"
#include "kvmclock.h"
#include "hyperv.h"

/* KVM_MAX_IRQ_ROUTES (linux/kvm_host.h), what KVM answers for IRQ_ROUTING */
#define SVX_MAX_IRQ_ROUTES	4096

/* KVM_CHECK_EXTENSION, on the system fd and (the same answers) a VM fd. */
long svx_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_EXT_EMUL_CPUID:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_ENABLE_CAP_VM:	/* KVM_CAP_MAX_VCPU_ID only (core/vm.c) */
	case KVM_CAP_GET_TSC_KHZ:	/* KVM_GET/SET_TSC_KHZ, vmx/cpufeat.c */
	/* the in-kernel irqchip: core/irqchip.c, irqchip/ */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_PIT:		/* the in-kernel PIT: core/pit.c */
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_VAPIC:		/* KVM_SET_VAPIC_ADDR, KVM_TPR_ACCESS_REPORTING */
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:	/* KVM_SET_NR_MMU_PAGES, core/vm.c */
	case KVM_CAP_BINARY_STATS_FD:	/* KVM_GET_STATS_FD, core/stats.c */
	case KVM_CAP_MSR_PLATFORM_INFO:	/* vmx/msr.c, KVM_ENABLE_CAP in core/vm.c */
	case KVM_CAP_VCPU_ATTRIBUTES:	/* KVM_VCPU_TSC_OFFSET, core/kvmclock.c */
	case KVM_CAP_SYS_ATTRIBUTES:	/* KVM_X86_XCOMP_GUEST_SUPP, svx_dev_attr() */
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:	/* vCPU KVM_ENABLE_CAP, the same */
	case KVM_CAP_HYPERV:		/* core/hyperv.c: what it lists */
	case KVM_CAP_HYPERV_TIME:	/* TIME_REF_COUNT, the TSC page */
	case KVM_CAP_HYPERV_VP_INDEX:
	case KVM_CAP_HYPERV_SPIN:	/* HvNotifyLongSpinWait */
	case KVM_CAP_HYPERV_CPUID:	/* KVM_GET_SUPPORTED_HV_CPUID, vCPU */
	case KVM_CAP_SYS_HYPERV_CPUID:	/* and system fd */
	case KVM_CAP_HYPERV_ENFORCE_CPUID:	/* vCPU KVM_ENABLE_CAP */
	case KVM_CAP_HYPERV_SYNIC:	/* vCPU KVM_ENABLE_CAP, in-kernel irqchip */
	case KVM_CAP_HYPERV_SYNIC2:
	case KVM_CAP_HYPERV_EVENTFD:	/* KVM_HYPERV_EVENTFD: HvSignalEvent */
	case KVM_CAP_HYPERV_TLBFLUSH:	/* the TLB-flush hypercalls */
	case KVM_CAP_HYPERV_SEND_IPI:	/* HvSendIpi(Ex) */
	case KVM_CAP_IOEVENTFD:		/* core/eventfd.c */
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SET_BOOT_CPU_ID:	/* core/vm.c */
	case KVM_CAP_X86_USER_SPACE_MSR:	/* core/msr_filter.c */
	case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_DISABLE_QUIRKS:	/* core/quirks.c */
	case KVM_CAP_EXCEPTION_PAYLOAD:	/* vmx/events.c svx_get/set_events() */
	case KVM_CAP_X86_TRIPLE_FAULT_EVENT:
		return 1;
	case KVM_CAP_DISABLE_QUIRKS2:
		return svx_quirks_supported();
	case KVM_CAP_TSC_CONTROL:	/* KVM_SET_TSC_KHZ at any rate */
	case KVM_CAP_VM_TSC_CONTROL:	/* and on the VM fd */
		return svx_tsc_scaling_usable();
	case KVM_CAP_ADJUST_CLOCK:	/* KVM_GET/SET_CLOCK, core/kvmclock.c */
		return svx_kvmclock_caps();
	case KVM_CAP_SET_GUEST_DEBUG:	/* vmx/debugreg.c */
		return 1;
	case KVM_CAP_SET_GUEST_DEBUG2:
		return svx_guestdbg_valid_mask();
	case KVM_CAP_NR_VCPUS:		/* recommended: as KVM, one per CPU */
		return min_t(int, num_online_cpus(), SVX_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return SVX_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return SVX_MEM_SLOTS_NUM;
	case KVM_CAP_MULTI_ADDRESS_SPACE:	/* as KVM on x86: SMM's is 1 */
		return SVX_ADDRESS_SPACE_NUM;
	/*
	 * SMM (vmx/smm.c) in both paging modes, on the system fd and every
	 * VM fd (core/vm.c asks here too), as kvm_intel with unrestricted
	 * guest or emulate_invalid_guest_state: QEMU then enables it and
	 * SeaBIOS runs its SMM code (SMBASE relocation, call32_smm's
	 * protected-mode handler) in tools/testing/qemu's boots.
	 */
	case KVM_CAP_X86_SMM:
		return 1;
	case KVM_CAP_IRQ_ROUTING:	/* KVM_SET_GSI_ROUTING: as KVM's, core/vm.c */
		return SVX_MAX_IRQ_ROUTES;
	case KVM_CAP_MCE:		/* KVM_X86_SETUP_MCE, KVM_X86_SET_MCE */
		return SVX_MAX_MCE_BANKS;
	case KVM_CAP_XSAVE:		/* x86/fpu.c, as KVM: with or without XSAVE */
		return 1;
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_XSAVE2:
		return svx_fpu_xsave2_size();
	case KVM_CAP_SYNC_REGS:		/* core/sync_regs.c */
		return svx_sync_regs_caps();
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:	/* core/dirty_log.c */
		return svx_dirty_log_caps();
	}
	return 0;
}

/*
 * Feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS on the system
 * fd): of KVM 6.1's msr_based_features_all, only what a vCPU here takes:
 * IA32_UCODE_REV, the host's value as KVM reads it.  Not the VMX MSRs (no
 * nested VMX), ARCH_CAPABILITIES or PERF_CAPABILITIES (not offered).
 * KVM_GET_MSRS answers, as KVM's kvm_get_msr_feature() does whether listed
 * or not, PERF_CAPABILITIES with the capabilities supported: none (no PMU,
 * no PDCM in the supported CPUID), as kvm_intel with enable_pmu=0.
 */
static const u32 svx_feature_msrs[] = { MSR_IA32_UCODE_REV };

static int svx_get_feature_msr(struct svx_vcpu *vcpu, u32 index, u64 *data)
{
	*data = 0;
	switch (index) {
	case MSR_IA32_UCODE_REV:
		rdmsrl_safe(index, data);
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:	/* kvm_caps.supported_perf_cap */
		return 0;
	}
	return 1;
}

static long svx_msr_list_to_user(void __user *argp, const u32 *list, u32 nr)
{
	struct kvm_msr_list __user *user = argp;
	u32 n;

	if (get_user(n, &user->nmsrs))
		return -EFAULT;
	if (put_user(nr, &user->nmsrs))
		return -EFAULT;
	if (n < nr)
		return -E2BIG;
	if (copy_to_user(user->indices, list, nr * sizeof(u32)))
		return -EFAULT;
	return 0;
}

/*
 * KVM_{HAS,GET}_DEVICE_ATTR on the system fd (KVM_CAP_SYS_ATTRIBUTES), as
 * KVM 6.1's kvm_x86_dev_{has,get}_attr(): group 0, attribute
 * KVM_X86_XCOMP_GUEST_SUPP, the XCR0 bits a guest may get (x86/fpu.c,
 * KVM's kvm_caps.supported_xcr0), which QEMU reads for AMX.
 */
static long svx_dev_attr(unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group || attr.attr != KVM_X86_XCOMP_GUEST_SUPP) {
		pr_warn_ratelimited("system device attribute %u/%llu: only 0/KVM_X86_XCOMP_GUEST_SUPP (-ENXIO)\n",
				    attr.group, attr.attr);
		return -ENXIO;
	}
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	return put_user(svx_supported_xcr0,
			(u64 __user *)u64_to_user_ptr(attr.addr)) ? -EFAULT : 0;
}

static long svx_dev_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return svx_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return svx_check_extension(arg);
	case SVX_GET_CAPS:
		return svx_ept_get_caps(argp);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return SVX_RUN_PAGES * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_EMULATED_CPUID:
		return svx_cpuid_dev_ioctl(ioctl, argp,
					   BIT(SVX_PAGING_SHADOW) |
					   (svx_ept_caps.ept_usable ?
					    BIT(SVX_PAGING_EPT) : 0));
	case KVM_GET_SUPPORTED_HV_CPUID:	/* core/hyperv.c */
		return svx_hv_get_supported_cpuid(NULL, argp);
	case KVM_GET_MSR_INDEX_LIST:
		return svx_msr_list_to_user(argp, svx_msr_list, svx_nr_msrs);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return svx_msr_list_to_user(argp, svx_feature_msrs,
					    ARRAY_SIZE(svx_feature_msrs));
	case KVM_GET_MSRS:	/* KVM's msr_io(NULL, ..., do_get_msr_feature) */
		return svx_msr_io(NULL, argp, svx_get_feature_msr, true);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return copy_to_user(argp, &svx_mce_cap_supported,
				    sizeof(svx_mce_cap_supported)) ? -EFAULT : 0;
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
		return svx_dev_attr(ioctl, argp);
	}
	/* KVM answers unknown system ioctls with -EINVAL. */
	pr_warn_ratelimited("system ioctl %#x (type %#x nr %#x) not supported: -EINVAL\n",
			    ioctl, _IOC_TYPE(ioctl), _IOC_NR(ioctl));
	return -EINVAL;
}

static const struct file_operations svx_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = svx_dev_ioctl,
	.compat_ioctl = svx_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice svx_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "shadowvmx",
	.fops = &svx_dev_fops,
	.mode = 0600,	/* as /dev/kvm; group access is udev's to give */
};

static int __init svx_init(void)
{
	int r;

	r = svx_vmx_init();
	if (r)
		return r;
	r = svx_ept_init();	/* checks the module parameter ept= */
	if (r) {
		svx_vmx_exit();
		return r;
	}
	if (!svx_spte_init(boot_cpu_has_bug(X86_BUG_L1TF) ?
			   boot_cpu_data.x86_cache_bits : 0))
		pr_info("L1TF: no reserved bits above %u-bit cacheable addresses; MMIO accesses are not cached in page tables\n",
			boot_cpu_data.x86_cache_bits);
	r = svx_spec_init(svx_ept_caps.ept_usable);
	if (r) {
		svx_vmx_exit();
		return r;
	}
	svx_msr_list_init();
	svx_fpu_init(svx_ept_caps.proc2_allowed & SVX_SECONDARY_XSAVES);
	svx_cpuid_init();
	svx_vmx_set_cpu_caps();
	svx_kvmclock_init();
	svx_fault_inject_init();
	r = misc_register(&svx_dev);
	if (r) {
		pr_err("cannot register /dev/shadowvmx: %d\n", r);
		svx_fault_inject_exit();
		svx_kvmclock_exit();
		svx_spec_exit();
		svx_vmx_exit();
		return r;
	}
	pr_info("ready: /dev/shadowvmx (KVM API %d, shadow paging)\n",
		KVM_API_VERSION);
	return 0;
}

static void __exit svx_exit(void)
{
	misc_deregister(&svx_dev);
	svx_fault_inject_exit();
	svx_kvmclock_exit();
	svx_spec_exit();
	svx_vmx_exit();
}

module_init(svx_init);
module_exit(svx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("shadowvmx: a VT-x hypervisor with software shadow paging and a KVM-compatible API");
MODULE_AUTHOR("The shadowvmx developers");
