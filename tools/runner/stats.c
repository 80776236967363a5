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

#include "core.h"
#include "runner.h"

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
	[SVX_STAT_RMODE_EMULATED] = "rmode_emulated",
	[SVX_STAT_L1D_FLUSH] = "l1d_flush",
	[SVX_STAT_IBPB] = "ibpb",
	[SVX_STAT_HALT_WAIT] = "halt_wait",
};

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
				svxu_vmx_exit_name(i),
				(unsigned long long)s->exits[i]);
	for (i = 0; i < SVX_MMU_STATS_MAX && FILLED(s, mmu, i); i++)
		print_counter("mmu ", mmu_names[i], i, s->mmu[i]);
	for (i = 0; i < SVX_MISC_STATS_MAX && FILLED(s, misc, i); i++)
		print_counter("misc", misc_names[i], i, s->misc[i]);
}

/*
 * KVM binary stats (Documentation/virt/kvm/api.rst, KVM_GET_STATS_FD):
 * a header, descriptors of name_size-long names, then u64 data.  Print the
 * non-zero single-value stats.
 */
static void print_binary_stats(const char *what, int fd)
{
	struct svxu_kvm_stats ks;
	int r = svxu_kvm_stats_open(&ks, fd);

	if (r && !strcmp(svxu_last_op(), "KVM_GET_STATS_FD")) {
		fprintf(stderr, "svxrun: stats: KVM_GET_STATS_FD: %s\n",
			strerror(-r));
		return;
	}
	if (r)
		goto bad;

	fprintf(stderr, "svxrun: stats: %s (KVM binary stats, non-zero)\n",
		what);
	for (unsigned int i = 0; i < ks.hdr.num_desc; i++) {
		const struct kvm_stats_desc *desc = svxu_kvm_stats_desc(&ks, i);
		uint64_t val;

		if (desc->size != 1)
			continue;	/* histograms */
		if (svxu_kvm_stats_read(&ks, ks.hdr.data_offset + desc->offset,
					&val))
			goto bad;
		if (val)
			fprintf(stderr, "  %-28s %llu\n", desc->name,
				(unsigned long long)val);
	}
	svxu_kvm_stats_close(&ks);
	return;
bad:
	fprintf(stderr, "svxrun: stats: cannot read the binary stats of %s\n",
		what);
	svxu_kvm_stats_close(&ks);
}

void svxr_print_stats(struct svxr_vm *vm)
{
	struct svx_stats s;
	int err;

	svxr_out_flush();
	err = -svxu_get_stats(vm->vcpu.fd, SVX_GET_VCPU_STATS, &s);
	if (!err) {
		print_svx_stats("vcpu 0", &s);
		err = -svxu_get_stats(vm->kvm.fd, SVX_GET_VM_STATS, &s);
		if (!err)
			print_svx_stats("vm", &s);
		else
			fprintf(stderr, "svxrun: stats: SVX_GET_VM_STATS: %s\n",
				strerror(err));
		return;
	}

	fprintf(stderr, "svxrun: stats: not available on %s (%s)\n", vm->kvm.dev,
		strerror(err));
	if (ioctl(vm->kvm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0) {
		print_binary_stats("vcpu 0", vm->vcpu.fd);
		print_binary_stats("vm", vm->kvm.fd);
	}
}
