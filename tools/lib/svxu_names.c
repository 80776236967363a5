// SPDX-License-Identifier: GPL-2.0
/*
 * libsvxu, names: KVM exit reasons (<linux/kvm.h> KVM_EXIT_*), internal-error
 * suberrors, VMX basic exit reasons (Intel SDM Vol. 3 Appendix C, as the
 * per-reason counters of SVX_GET_VCPU_STATS index them), and a one-line
 * description of the last exit for failure messages.
 */
#include <stdio.h>
#include <string.h>

#include "svxu.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const kvm_exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
};

const char *svxu_kvm_exit_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(kvm_exit_names) && kvm_exit_names[reason])
		return kvm_exit_names[reason];
	return "?";
}

const char *svxu_internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "EMULATION (instruction emulation failed)";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "SIMUL_EX (exception while delivering an exception)";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "DELIVERY_EV (exit while delivering an event)";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "UNEXPECTED_EXIT_REASON";
	default:
		return "?";
	}
}

static const char *const vmx_exit_names[SVX_NR_EXIT_REASONS] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL",
	[4] = "SIPI",
	[5] = "IO_SMI",
	[6] = "OTHER_SMI",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",
	[31] = "MSR_READ",
	[32] = "MSR_WRITE",
	[33] = "INVALID_STATE",
	[34] = "MSR_LOAD_FAIL",
	[36] = "MWAIT",
	[37] = "MONITOR_TRAP_FLAG",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP_EVENT",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
	[70] = "ENCLV",
	[72] = "ENQCMD_PASID_FAIL",
	[73] = "ENQCMDS_PASID_FAIL",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
	[76] = "SEAMCALL",
	[77] = "TDCALL",
	[78] = "RDMSRLIST",
	[79] = "WRMSRLIST",
};

const char *svxu_vmx_exit_name(unsigned int reason)
{
	if (reason < SVX_NR_EXIT_REASONS && vmx_exit_names[reason])
		return vmx_exit_names[reason];
	return "?";
}

uint32_t svxu_io_value(const struct kvm_run *run)
{
	const uint8_t *p = (const uint8_t *)run + run->io.data_offset;
	uint32_t v = 0;

	memcpy(&v, p, run->io.size <= 4 ? run->io.size : 4);
	return v;
}

void svxu_io_set(struct kvm_run *run, uint32_t val)
{
	uint8_t *p = (uint8_t *)run + run->io.data_offset;

	memcpy(p, &val, run->io.size <= 4 ? run->io.size : 4);
}

const char *svxu_exit_str(const struct kvm_run *run)
{
	static __thread char buf[256];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, sizeof(buf),
			 "exit IO %s port 0x%x size %u count %u value 0x%x",
			 run->io.direction ? "out" : "in", run->io.port,
			 run->io.size, run->io.count,
			 run->io.direction ? svxu_io_value(run) : 0);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, sizeof(buf),
			 "exit MMIO %s gpa 0x%llx len %u data 0x%llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 *(unsigned long long *)run->mmio.data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf),
			 "exit FAIL_ENTRY reason 0x%llx cpu %u",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf),
			 "exit INTERNAL_ERROR suberror %u ndata %u data0 0x%llx",
			 run->internal.suberror, run->internal.ndata,
			 (unsigned long long)run->internal.data[0]);
		break;
	default:
		snprintf(buf, sizeof(buf), "exit reason %u", run->exit_reason);
	}
	return buf;
}
