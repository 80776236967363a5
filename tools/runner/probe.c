// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun's scenario probe (ports 0x5c0-0x5db, scenarios/probe.h): lets a
 * scenario guest read the hypervisor's counters between two points of its
 * own execution ("marks") and ask for walk-trace diagrams of its GVAs, so
 * that each scenario checks its own assertions and shows the real values.
 *
 * Counters come from SVX_GET_VCPU_STATS on shadowvmx, from KVM's binary
 * stats (KVM_GET_STATS_FD) on /dev/kvm for the few that have a KVM
 * equivalent, and from the runner itself (exits to userspace, injected
 * interrupts) everywhere.  At each mark the runner prints the counters that
 * moved since the previous mark.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/shadowvmx.h>

#include "core.h"
#include "runner.h"
#include "scenarios/probe.h"

#define NA	UINT64_MAX

static const char *const ctr_names[P_NR] = {
	[P_EXITS] = "exits", [P_EXC] = "exc/#PF(0)", [P_CR] = "cr(28)",
	[P_INVLPG] = "invlpg(14)", [P_IO] = "user-io", [P_MMIO] = "user-mmio",
	[P_EPT_VIOL] = "ept-viol(48)", [P_EPT_MISCONF] = "ept-misconf(49)",
	[P_PF_FIXED] = "pf_fixed", [P_PF_INJECTED] = "pf_injected",
	[P_PF_MMIO] = "pf_mmio", [P_MMIO_FAST] = "mmio_fast",
	[P_PT_WRITE] = "pt_write", [P_ROOT_HIT] = "root_hit",
	[P_ROOT_MISS] = "root_miss", [P_SP_ALLOC] = "sp_alloc",
	[P_UNSYNC] = "unsync", [P_SYNC] = "sync", [P_EMULATED] = "emulated",
	[P_SPTE] = "spte", [P_EPT_MMIO] = "ept_mmio", [P_IRQ_INJ] = "irq_inj",
};

/* KVM binary stats we map: name, which fd (0 vcpu, 1 vm), counter */
static const struct { const char *name; int vm; int ctr; } kvm_map[] = {
	{ "exits", 0, -1 }, { "irq_exits", 0, -2 },
	{ "irq_window_exits", 0, -2 }, { "nmi_window_exits", 0, -2 },
	{ "pf_fixed", 0, P_PF_FIXED }, { "pf_guest", 0, P_PF_INJECTED },
	{ "invlpg", 0, P_INVLPG }, { "insn_emulation", 0, P_EMULATED },
	{ "mmu_pte_write", 1, P_PT_WRITE }, { "mmu_cache_miss", 1, P_SP_ALLOC },
};
#define NR_KVM_MAP (sizeof(kvm_map) / sizeof(kvm_map[0]))

static struct {
	struct svxr_vm *vm;
	bool init, svx, kvm;
	struct svxu_kvm_stats stats[2];	/* vcpu, vm */
	int64_t kvm_off[NR_KVM_MAP];	/* data offset, -1 absent */
	uint32_t paging;
	uint64_t last[P_NR], delta[P_NR];
	uint32_t last_id, sel, wacc, wlo;
	unsigned int marks;
	bool walk_failed;
	bool mark_stats;	/* --mark-stats */
} pr;

void svxr_probe_mark_stats(bool on)
{
	pr.mark_stats = on;
}

/*
 * --mark-stats: every counter --stats prints at exit, now, headed by
 * "svxrun: mark ID", so that one run can be cut into phases (the harness's
 * W14..W16, tools/harness/run.sh): the differences between two marks are
 * the phase's, plus the one exit of the OUT that made the mark.
 */
static void print_mark_stats(uint32_t id)
{
	uint64_t n = 0;

	svxr_out_flush();
	for (unsigned int i = 0; i < SVXR_NR_KVM_EXITS; i++)
		n += svxr_counts.exits[i];
	fprintf(stderr, "svxrun: mark %u\n", id);
	fprintf(stderr, "svxrun: exits to userspace: %llu at mark %u\n",
		(unsigned long long)n, id);
	for (unsigned int i = 0; i < SVXR_NR_KVM_EXITS; i++)
		if (svxr_counts.exits[i])
			fprintf(stderr, "  KVM_EXIT_%-20s %llu\n",
				svxu_kvm_exit_name(i),
				(unsigned long long)svxr_counts.exits[i]);
	svxr_print_stats(pr.vm);
	fprintf(stderr, "svxrun: mark %u end\n", id);
}

void svxr_probe_init(struct svxr_vm *vm)
{
	memset(&pr, 0, sizeof(pr));
	pr.vm = vm;
	pr.stats[0].fd = pr.stats[1].fd = -1;
	for (unsigned int i = 0; i < P_NR; i++)
		pr.last[i] = pr.delta[i] = NA;
}

static int kvm_stats_open(int fd, int which)
{
	if (svxu_kvm_stats_open(&pr.stats[which], fd))
		return -1;
	for (unsigned int k = 0; k < NR_KVM_MAP; k++)
		if (kvm_map[k].vm == which)
			pr.kvm_off[k] = svxu_kvm_stats_find(&pr.stats[which],
							    kvm_map[k].name);
	return 0;
}

static void probe_setup(void)
{
	struct svx_stats s;
	char ept;

	pr.init = true;
	pr.paging = PROBE_INFO_UNKNOWN;
	if (!svxu_get_stats(pr.vm->vcpu.fd, SVX_GET_VCPU_STATS, &s)) {
		pr.svx = true;
		pr.paging = s.paging == SVX_PAGING_EPT ? PROBE_INFO_EPT :
			    PROBE_INFO_SHADOW;
		return;
	}
	for (unsigned int k = 0; k < NR_KVM_MAP; k++)
		pr.kvm_off[k] = -1;
	if (ioctl(pr.vm->kvm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0 &&
	    !kvm_stats_open(pr.vm->vcpu.fd, 0) && !kvm_stats_open(pr.vm->kvm.fd, 1))
		pr.kvm = true;
	/* kvm_intel says which paging it uses in its ept parameter */
	ept = svxu_kvm_intel_param("ept");
	if (ept)
		pr.paging = ept == 'Y' ? PROBE_INFO_EPT : PROBE_INFO_SHADOW;
}

/* Every counter now; NA where the device cannot tell. */
static void snapshot(uint64_t *c)
{
	for (unsigned int i = 0; i < P_NR; i++)
		c[i] = NA;
	c[P_IO] = svxr_counts.exits[KVM_EXIT_IO];
	c[P_MMIO] = svxr_counts.exits[KVM_EXIT_MMIO];
	c[P_IRQ_INJ] = svxr_counts.injected;
	if (pr.svx) {
		struct svx_stats s;

		if (svxu_get_stats(pr.vm->vcpu.fd, SVX_GET_VCPU_STATS, &s))
			return;
		c[P_EXITS] = s.misc[SVX_STAT_EXITS] - s.exits[1] - s.exits[7] -
			     s.exits[8] - s.exits[52];
		c[P_EXC] = s.exits[0];
		c[P_CR] = s.exits[28];
		c[P_INVLPG] = s.exits[14];
		c[P_EPT_VIOL] = s.exits[48];
		c[P_EPT_MISCONF] = s.exits[49];
		c[P_PF_FIXED] = s.mmu[SVX_MMU_PF_FIXED];
		c[P_PF_INJECTED] = s.mmu[SVX_MMU_PF_INJECTED];
		c[P_PF_MMIO] = s.mmu[SVX_MMU_PF_MMIO];
		c[P_MMIO_FAST] = s.mmu[SVX_MMU_MMIO_FAST];
		c[P_PT_WRITE] = s.mmu[SVX_MMU_PT_WRITE];
		c[P_ROOT_HIT] = s.mmu[SVX_MMU_ROOT_HIT];
		c[P_ROOT_MISS] = s.mmu[SVX_MMU_ROOT_MISS];
		c[P_SP_ALLOC] = s.mmu[SVX_MMU_SP_ALLOCATED];
		c[P_UNSYNC] = s.mmu[SVX_MMU_UNSYNC];
		c[P_SYNC] = s.mmu[SVX_MMU_SYNC];
		c[P_EMULATED] = s.mmu[SVX_MMU_EMULATED];
		c[P_SPTE] = s.mmu[SVX_MMU_SPTE_INSTALLED];
		c[P_EPT_MMIO] = s.mmu[SVX_MMU_EPT_MMIO];
	} else if (pr.kvm) {
		uint64_t exits = NA, async = 0;

		for (unsigned int k = 0; k < NR_KVM_MAP; k++) {
			uint64_t v;

			if (svxu_kvm_stats_read(&pr.stats[kvm_map[k].vm],
						pr.kvm_off[k], &v))
				continue;
			if (kvm_map[k].ctr == -1)
				exits = v;
			else if (kvm_map[k].ctr == -2)
				async += v;
			else
				c[kvm_map[k].ctr] = v;
		}
		if (exits != NA)
			c[P_EXITS] = exits - async;
	}
}

static void do_mark(uint32_t id)
{
	uint64_t cur[P_NR];
	char line[1024];
	size_t n = 0;

	if (!pr.init)
		probe_setup();
	snapshot(cur);
	for (unsigned int i = 0; i < P_NR; i++) {
		if (cur[i] == NA || pr.last[i] == NA) {
			pr.delta[i] = NA;
		} else {
			pr.delta[i] = cur[i] - pr.last[i];
			/* the OUT that made this mark is not the guest's work */
			if ((i == P_EXITS || i == P_IO) && pr.delta[i])
				pr.delta[i]--;
		}
		pr.last[i] = cur[i];
	}
	if (pr.marks++) {
		n += snprintf(line + n, sizeof(line) - n, "probe: mark %u -> %u:",
			      pr.last_id, id);
		for (unsigned int i = 0; i < P_NR; i++)
			if (pr.delta[i] != NA && (pr.delta[i] || i == P_EXITS) &&
			    n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n, " %s %llu",
					      ctr_names[i],
					      (unsigned long long)pr.delta[i]);
		if (pr.delta[P_EXITS] == NA && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n,
				 " (VM exit counters not available on %s)",
				 pr.vm->kvm.dev);
		svxr_msg("%s", line);
	}
	pr.last_id = id;
	if (pr.mark_stats)
		print_mark_stats(id);
}

static void do_walk(uint64_t gva)
{
	char spec[64];

	if (!pr.init)
		probe_setup();
	if (!pr.svx) {
		if (!pr.walk_failed)
			svxr_msg("probe: walk 0x%llx: no SVX_WALK_TRACE on %s (shadowvmx only)",
				(unsigned long long)gva, pr.vm->kvm.dev);
		pr.walk_failed = true;
		return;
	}
	snprintf(spec, sizeof(spec), "0x%llx:%s%s", (unsigned long long)gva,
		 (pr.wacc & SVX_WT_ACC_USER) ? "u" : "",
		 (pr.wacc & SVX_WT_ACC_FETCH) ? "x" :
		 (pr.wacc & SVX_WT_ACC_WRITE) ? "w" : "r");
	svxr_out_flush();
	svxr_walk_print(pr.vm, spec, false);
}

bool svxr_probe_io(uint16_t port, bool out, unsigned int size, uint32_t *val,
		  int *status)
{
	(void)status;
	(void)size;
	switch (port) {
	case PROBE_PORT_MARK:
		if (out)
			do_mark(*val);
		else
			*val = 0;
		break;
	case PROBE_PORT_SEL:
		if (out)
			pr.sel = *val;
		else
			*val = pr.sel;
		break;
	case PROBE_PORT_VAL:
		if (!out)
			*val = pr.sel < P_NR && pr.delta[pr.sel] != NA ?
			       (uint32_t)(pr.delta[pr.sel] > 0xfffffffe ?
					  0xfffffffe : pr.delta[pr.sel]) :
			       PROBE_NA;
		break;
	case PROBE_PORT_WACC:
		if (out)
			pr.wacc = *val;
		break;
	case PROBE_PORT_WLO:
		if (out)
			pr.wlo = *val;
		break;
	case PROBE_PORT_WHI:
		if (out)
			do_walk((uint64_t)*val << 32 | pr.wlo);
		break;
	case PROBE_PORT_INFO:
		if (!out) {
			if (!pr.init)
				probe_setup();
			*val = pr.paging | (pr.svx ? PROBE_INFO_SVX : 0) |
			       (pr.kvm ? PROBE_INFO_KVM : 0);
		}
		break;
	default:
		if (!out)
			*val = ~0u;
	}
	return false;
}
