// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun --stats: print the shadowvmx counters (SVX_GET_VCPU_STATS and
 * SVX_GET_VM_STATS of <linux/shadowvmx.h>) with names: exits by basic exit
 * reason (Intel SDM Vol. 3 Appendix C), MMU counters, misc counters.  Only
 * non-zero counters are printed.
 *
 * On a device without these ioctls (e.g. /dev/kvm) fall back to KVM's
 * binary stats (KVM_GET_STATS_FD) when the device offers them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/shadowvmx.h>

#include "svxrun.h"

static const char *const exit_reason_names[SVX_NR_EXIT_REASONS] = {
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

static const char *const mmu_names[SVX_MMU_STATS_MAX] = {
	[SVX_MMU_PF_FIXED] = "pf_fixed",
	[SVX_MMU_PF_INJECTED] = "pf_injected",
	[SVX_MMU_PF_MMIO] = "pf_mmio",
	[SVX_MMU_SPTE_INSTALLED] = "spte_installed",
	[SVX_MMU_SP_ALLOCATED] = "sp_allocated",
	[SVX_MMU_SP_IN_USE] = "sp_in_use",
	[SVX_MMU_PAGES_PINNED] = "pages_pinned",
	[SVX_MMU_ZAP] = "zap",
	[SVX_MMU_FLUSH] = "flush",
	[SVX_MMU_EMULATED] = "emulated",
	[SVX_MMU_PT_WRITE] = "pt_write",
	[SVX_MMU_FLOOD] = "flood",
	[SVX_MMU_UNSYNC] = "unsync",
	[SVX_MMU_SYNC] = "sync",
	[SVX_MMU_ROOT_HIT] = "root_hit",
	[SVX_MMU_ROOT_MISS] = "root_miss",
	[SVX_MMU_PREFETCH] = "prefetch",
	[SVX_MMU_MMIO_FAST] = "mmio_fast",
	[SVX_MMU_EPT_VIOLATION] = "ept_violation",
	[SVX_MMU_EPT_MISCONFIG] = "ept_misconfig",
	[SVX_MMU_AUDIT_CHECKS] = "audit_checks",
	[SVX_MMU_AUDIT_VIOLATIONS] = "audit_violations",
	[SVX_MMU_EPT_READ] = "ept_read",
	[SVX_MMU_EPT_WRITE] = "ept_write",
	[SVX_MMU_EPT_FETCH] = "ept_fetch",
	[SVX_MMU_EPT_MMIO] = "ept_mmio",
	[SVX_MMU_INVEPT] = "invept",
	[SVX_MMU_INVVPID] = "invvpid",
	[SVX_MMU_EPT_PAGES] = "ept_pages",
	[SVX_MMU_EPT_LARGE] = "ept_large",
	[SVX_MMU_EPT_LARGE_1G] = "ept_large_1g",
	[SVX_MMU_RECYCLED] = "recycled",
	[SVX_MMU_SPTE_LARGE] = "spte_large",
	[SVX_MMU_PT_UPDATE] = "pt_write_update",
	[SVX_MMU_INVLPG_UPDATE] = "invlpg_update",
	[SVX_MMU_MMIO_STALE] = "mmio_stale",
};

static const char *const misc_names[SVX_MISC_STATS_MAX] = {
	[SVX_STAT_RUNS] = "runs",
	[SVX_STAT_ENTRIES] = "entries",
	[SVX_STAT_EXITS] = "exits",
	[SVX_STAT_USER_EXITS] = "user_exits",
	[SVX_STAT_PIO] = "pio",
	[SVX_STAT_MMIO] = "mmio",
	[SVX_STAT_SIGNAL] = "signal",
	[SVX_STAT_INJECTED] = "injected",
	[SVX_STAT_REINJECTED] = "reinjected",
	[SVX_STAT_FAILED_ENTRY] = "failed_entry",
	[SVX_STAT_MIGRATIONS] = "migrations",
	[SVX_STAT_TASK_SWITCHES] = "task_switches",
};

const char *svxr_exit_reason_name(unsigned int reason)
{
	if (reason < SVX_NR_EXIT_REASONS && exit_reason_names[reason])
		return exit_reason_names[reason];
	return "?";
}

/* Is the u64 array member at byte offset off .. off+8 within the filled size? */
#define FILLED(s, field, i) \
	(offsetof(struct svx_stats, field) + ((i) + 1) * sizeof(__u64) <= (s)->size)

static void print_counter(const char *group, const char *name,
			  unsigned int i, __u64 val)
{
	char buf[16];

	if (!val)
		return;
	if (!name) {
		snprintf(buf, sizeof(buf), "[%u]", i);
		name = buf;
	}
	fprintf(stderr, "  %s %-25s %llu\n", group, name,
		(unsigned long long)val);
}

static void print_svx_stats(const char *what, const struct svx_stats *s)
{
	unsigned int i;

	fprintf(stderr, "svxrun: stats: %s (paging %s, %u vCPU%s, %u bytes)\n",
		what, s->paging == SVX_PAGING_EPT ? "ept" :
		      s->paging == SVX_PAGING_SHADOW ? "shadow" : "?",
		s->nr_vcpus, s->nr_vcpus == 1 ? "" : "s", s->size);

	for (i = 0; i < SVX_NR_EXIT_REASONS && FILLED(s, exits, i); i++)
		if (s->exits[i])
			fprintf(stderr, "  exit %-2u %-22s %llu\n", i,
				svxr_exit_reason_name(i),
				(unsigned long long)s->exits[i]);
	for (i = 0; i < SVX_MMU_STATS_MAX && FILLED(s, mmu, i); i++)
		print_counter("mmu ", mmu_names[i], i, s->mmu[i]);
	for (i = 0; i < SVX_MISC_STATS_MAX && FILLED(s, misc, i); i++)
		print_counter("misc", misc_names[i], i, s->misc[i]);
}

/* Returns 0, or the errno of the ioctl. */
static int get_svx_stats(int fd, unsigned long req, struct svx_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->version = SVX_STATS_VERSION;
	s->size = sizeof(*s);
	if (ioctl(fd, req, s) < 0)
		return errno;
	if (s->size > sizeof(*s))
		s->size = sizeof(*s);
	return 0;
}

/*
 * KVM binary stats (Documentation/virt/kvm/api.rst, KVM_GET_STATS_FD):
 * a header, descriptors of name_size-long names, then u64 data.  Print the
 * non-zero single-value stats.
 */
static void print_binary_stats(const char *what, int fd)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	size_t desc_size;
	char *descs = NULL;
	int sfd;

	sfd = ioctl(fd, KVM_GET_STATS_FD, NULL);
	if (sfd < 0) {
		fprintf(stderr, "svxrun: stats: KVM_GET_STATS_FD: %s\n",
			strerror(errno));
		return;
	}
	if (pread(sfd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		goto bad;
	desc_size = sizeof(*desc) + hdr.name_size;
	descs = calloc(hdr.num_desc, desc_size);
	if (!descs)
		goto bad;
	if (pread(sfd, descs, desc_size * hdr.num_desc, hdr.desc_offset) !=
	    (ssize_t)(desc_size * hdr.num_desc))
		goto bad;

	fprintf(stderr, "svxrun: stats: %s (KVM binary stats, non-zero)\n",
		what);
	for (unsigned int i = 0; i < hdr.num_desc; i++) {
		__u64 val;

		desc = (struct kvm_stats_desc *)(descs + i * desc_size);
		desc->name[hdr.name_size - 1] = '\0';
		if (desc->size != 1)
			continue;	/* histograms */
		if (pread(sfd, &val, sizeof(val),
			  hdr.data_offset + desc->offset) != sizeof(val))
			goto bad;
		if (val)
			fprintf(stderr, "  %-28s %llu\n", desc->name,
				(unsigned long long)val);
	}
	free(descs);
	close(sfd);
	return;
bad:
	fprintf(stderr, "svxrun: stats: cannot read the binary stats of %s\n",
		what);
	free(descs);
	close(sfd);
}

void svxr_print_stats(struct svxr_vm *vm)
{
	struct svx_stats s;
	int err;

	svxr_serial_flush();
	err = get_svx_stats(vm->vcpufd, SVX_GET_VCPU_STATS, &s);
	if (!err) {
		print_svx_stats("vcpu 0", &s);
		err = get_svx_stats(vm->vmfd, SVX_GET_VM_STATS, &s);
		if (!err)
			print_svx_stats("vm", &s);
		else
			fprintf(stderr, "svxrun: stats: SVX_GET_VM_STATS: %s\n",
				strerror(err));
		return;
	}

	fprintf(stderr, "svxrun: stats: not available on %s (%s)\n", vm->dev,
		strerror(err));
	if (ioctl(vm->sysfd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0) {
		print_binary_stats("vcpu 0", vm->vcpufd);
		print_binary_stats("vm", vm->vmfd);
	}
}
