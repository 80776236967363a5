// SPDX-License-Identifier: GPL-2.0
/*
 * mmu/mmu.c against its invariants (suite shadow_invariants): random
 * sequences of shadow faults at random GVAs and access types, guest
 * page-table writes (emulated when they hit a shadowed table), INVLPG, CR3
 * switches among several address spaces and full zaps, on random 32-bit,
 * PAE and 4-level guest tables; after every step each SPTE reachable from
 * a cached root must agree with a fresh walk of the reference walker and
 * the shadow cache must be consistent (see mmu_sim.c): parent SPTE
 * records and unsync marks match the links, and right after a root load
 * that flushes, nothing reachable from the root is stale.  Suite
 * shadow_planted_bugs shows that the check fails on each bug planted in
 * mmu.c behind svx_mmu_bug().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <asm/processor-flags.h>

#include "harness.h"
#include "mmu_host.h"
#include "walker.h"
#include "mmu_sim.h"

#define STEPS_PER_SEQUENCE	60

/* The module parameters (and the shim's quiet flag) the sequences vary. */
struct knobs {
	bool audit, unsync, prefetch, quiet;
	unsigned int max_sps;
};

static void knobs_get(struct knobs *k)
{
	k->audit = svx_audit;
	k->unsync = svx_unsync_enabled;
	k->prefetch = svx_prefetch_enabled;
	k->quiet = svx_shim_quiet;
	k->max_sps = svx_max_sps;
}

/* A test point: the suite left the knobs as it found them. */
static void knobs_check(const struct knobs *was, const char *suite)
{
	struct knobs k;

	knobs_get(&k);
	tap_ok(k.audit == was->audit && k.unsync == was->unsync &&
	       k.prefetch == was->prefetch && k.quiet == was->quiet &&
	       k.max_sps == was->max_sps,
	       "%s leaves svx_audit %d, svx_unsync_enabled %d, svx_prefetch_enabled %d, svx_max_sps %u, the shim's quiet flag %d as they were (%d %d %d %u %d)",
	       suite, k.audit, k.unsync, k.prefetch, k.max_sps, k.quiet,
	       was->audit, was->unsync, was->prefetch, was->max_sps,
	       was->quiet);
}

/*
 * One sequence on a fresh VM; returns its violations.  The module
 * parameters it varies are restored afterwards: the suites after it run
 * with the defaults, whichever sequence came last (that depends on the
 * seed where a loop stops at the first violation).
 */
static unsigned long run_sequence(u64 seed, unsigned long n, bool quiet,
				  struct sim_stats *acc)
{
	unsigned int max_sps = svx_max_sps;
	bool audit = svx_audit, unsync = svx_unsync_enabled;
	bool shim_quiet = svx_shim_quiet;
	struct sim_stats st;
	struct sim *s;
	int i;

	memset(&st, 0, sizeof(st));
	s = sim_create(seed);
	s->quiet = quiet;
	svx_shim_quiet = quiet;
	svx_audit = n % 4 == 0;
	svx_max_sps = n % 3 == 2 ? 24 : 4096;
	/* One sequence in 5 keeps every guest table write-protected, so
	 * leaf-table writes are emulated (and their SPTEs updated) too. */
	svx_unsync_enabled = n % 5 != 4;
	sim_gen_world(s, (enum sim_mode)(n % SIM_NR_MODES),
		      2 + rng_below(&s->rng, SIM_MAX_AS - 1));
	sim_check(s);
	for (i = 0; i < STEPS_PER_SEQUENCE; i++) {
		sim_step(s);
		sim_check(s);
	}
	sim_destroy(s, &st);
	svx_audit = audit;
	svx_max_sps = max_sps;
	svx_unsync_enabled = unsync;
	svx_shim_quiet = shim_quiet;
	if (st.violations && !quiet)
		tap_diag("sequence %lu (SVX_SIM_SEQ=%lu): %lu violations", n, n,
			 st.violations);
	if (acc) {
		unsigned long *a = (unsigned long *)acc;
		unsigned long *b = (unsigned long *)&st;
		size_t k;

		for (k = 0; k < sizeof(st) / sizeof(*a); k++)
			a[k] += b[k];
	}
	return st.violations;
}

TAP_SUITE(shadow_invariants)
{
	unsigned long nseq = getenv("SVX_QUICK") ? 150 : 600, n;
	unsigned long plugs = 0, mmio_stale = 0;
	struct sim_stats st[SIM_NR_MODES], all;
	u64 seed = tap_seed() ^ 0x5ad0c0deULL;
	struct knobs knobs;
	int m;

	knobs_get(&knobs);
	memset(st, 0, sizeof(st));
	memset(&all, 0, sizeof(all));
	for (n = 0; n < nseq; n++)
		if (!getenv("SVX_SIM_SEQ") ||
		    strtoul(getenv("SVX_SIM_SEQ"), NULL, 0) == n)
			run_sequence(seed + n * 0x9e3779b97f4a7c15ULL, n, false,
				     &st[n % SIM_NR_MODES]);
	for (m = 0; m < SIM_NR_MODES; m++) {
		struct sim_stats *s = &st[m];

		tap_diag("mode=%s: %lu sequences, %lu steps, %lu accesses (%lu by the shadow tables, %lu faults, %lu #PF injected, %lu emulated, %lu MMIO), %lu PT writes, %lu INVLPG, %lu CR3 loads, %lu CR0.WP/CR4.SMEP/SMAP toggles, %lu zaps, %lu SPTEs checked, audit %lu/%lu, %lu violations",
			 sim_mode_name[m], s->sequences, s->steps, s->accesses,
			 s->hw_ok, s->faults, s->injected, s->emulated,
			 s->mmio, s->pt_writes, s->invlpgs, s->cr3_switches, s->cr_toggles,
			 s->zap_alls, s->sptes_checked, s->audit_violations,
			 s->audit_checks, s->violations);
		tap_ok(s->hw_ok && s->injected && s->emulated && s->mmio &&
		       s->sptes_checked > s->sequences * 10,
		       "random sequences reach shadow hits, #PF, emulated PT writes and MMIO in mode %s",
		       sim_mode_name[m]);
		tap_diag("mode=%s: %lu memslot creates/deletes over MMIO gfns, %lu MMIO SPTEs found stale by their generation",
			 sim_mode_name[m], s->plugs, s->mmio_stale);
		plugs += s->plugs;
		mmio_stale += s->mmio_stale;
		if (m == SIM_4L)
			tap_ok(s->cx16 > 0 && s->cx16_failed > 0 &&
			       s->cx16_failed < s->cx16,
			       "mode=%s: %lu cmpxchg16b PT writes emulated (%lu with a stale comparand)",
			       sim_mode_name[m], s->cx16, s->cx16_failed);
		tap_diag("mode=%s: %lu unsync, %lu resyncs, %lu prefetched SPTEs, %lu 2 MiB SPTEs installed (%lu checked), %lu accesses through not-yet-flushed unsync entries, %lu SPTEs updated by emulated PT writes, %lu PT writes by the VMM",
			 sim_mode_name[m], s->unsyncs, s->syncs, s->prefetches,
			 s->large_sptes, s->large_sptes_checked, s->stale_ok,
			 s->pt_updates, s->vmm_writes);
		tap_ok(s->unsyncs && s->syncs && s->prefetches &&
		       s->large_sptes_checked,
		       "random sequences reach unsync pages, resyncs, prefetch and 2 MiB SPTEs in mode %s",
		       sim_mode_name[m]);
		tap_diag("mode=%s: %lu parent records and %lu unsync marks checked, %lu flushing root loads checked afresh (%lu unsync pages reachable after them), %lu CR3 loads keeping the TLB",
			 sim_mode_name[m], s->parents_checked, s->marks_checked,
			 s->fresh_roots, s->fresh_unsync, s->nf_loads);
		tap_ok(s->parents_checked && s->marks_checked &&
		       s->fresh_roots > s->sequences &&
		       (m != SIM_4L || s->nf_loads),
		       "random sequences check parent SPTEs, unsync marks and fresh roots in mode %s",
		       sim_mode_name[m]);
		tap_ok(s->audit_checks && !s->audit_violations,
		       "the MMU's own audit agrees in mode %s (%lu checks)",
		       sim_mode_name[m], s->audit_checks);
		all.sequences += s->sequences;
		all.violations += s->violations;
	}
	tap_ok(plugs > 0 && mmio_stale > 0,
	       "%lu memslot creates/deletes over MMIO gfns, %lu MMIO SPTEs found stale by their generation (never used)",
	       plugs, mmio_stale);
	printf("shadow-invariants: %lu sequences, %lu violations\n",
	       all.sequences, all.violations);
	tap_ok(all.sequences == nseq && !all.violations,
	       "shadow-invariants: %lu sequences, %lu violations",
	       all.sequences, all.violations);
	knobs_check(&knobs, "shadow_invariants");
}

/* The CR0.WP=0 cases of KVM's smep_andnot_wp / smap_andnot_wp roles. */
static const struct {
	const char *what;
	u64 cr4_write, cr4_then;
	u32 acc;
} wp0_cases[] = {
	{ "smep=1 write, supervisor fetch", X86_CR4_SMEP, X86_CR4_SMEP,
	  SVX_ACC_FETCH },
	{ "smep=0 write, smep=1 supervisor fetch", 0, X86_CR4_SMEP,
	  SVX_ACC_FETCH },
	{ "smap=0 write, smap=1 supervisor read", 0, X86_CR4_SMAP, 0 },
};

static unsigned long run_wp0_cases(u64 seed, bool quiet, int *injected)
{
	bool shim_quiet = svx_shim_quiet;
	unsigned long v = 0;
	size_t i;

	*injected = 0;
	for (i = 0; i < ARRAY_SIZE(wp0_cases); i++) {
		struct sim *s = sim_create(seed + i);
		unsigned long n;
		bool inj;

		s->quiet = quiet;
		svx_shim_quiet = quiet;
		n = sim_wp0_case(s, wp0_cases[i].cr4_write,
				 wp0_cases[i].cr4_then, wp0_cases[i].acc, &inj);
		if (!quiet)
			tap_ok(!n && inj,
			       "CR0.WP=0, %s of the converted user page: #PF injected (%d), %lu violations",
			       wp0_cases[i].what, inj, n);
		*injected += inj;
		v += n;
		sim_destroy(s, NULL);
	}
	svx_shim_quiet = shim_quiet;
	return v;
}

/*
 * A memslot created over a gfn the guest maps as MMIO: the MMIO SPTE of
 * the older memslot generation is not used (sim_mmio_gen_case()).
 */
static unsigned long run_mmio_gen_case(u64 seed, bool quiet)
{
	bool shim_quiet = svx_shim_quiet, stale;
	struct sim *s = sim_create(seed);
	unsigned long v;

	s->quiet = quiet;
	svx_shim_quiet = quiet;
	v = sim_mmio_gen_case(s, &stale);
	if (!quiet)
		tap_ok(!v && stale,
		       "%s MMIO SPTE of an older memslot generation found stale (%d) and not used once a slot covers its gfn: %lu violations",
		       seed & 2 ? "L1TF layout:" : "plain layout:", stale, v);
	sim_destroy(s, NULL);
	svx_shim_quiet = shim_quiet;
	return v;
}

TAP_SUITE(shadow_wp0)
{
	int injected;

	run_wp0_cases(tap_seed(), false, &injected);
}

TAP_SUITE(shadow_mmio_generation)
{
	/* Both layouts of MMIO SPTEs (sim_create(): seed bit 1). */
	run_mmio_gen_case(tap_seed() & ~2ULL, false);
	run_mmio_gen_case(tap_seed() | 2, false);
}

TAP_SUITE(shadow_planted_bugs)
{
	unsigned long warnings = svx_shim_warnings;
	u64 seed = tap_seed() ^ 0xb0b0ULL;
	struct knobs knobs;
	int bug;

	knobs_get(&knobs);
	for (bug = 1; bug < SVX_NR_BUGS; bug++) {
		struct sim_stats st;
		unsigned long n, v = 0;

		memset(&st, 0, sizeof(st));
		sim_plant_bug(bug);
		{
			int inj;

			v = run_wp0_cases(seed, true, &inj);
		}
		v += run_mmio_gen_case(seed, true);
		for (n = 0; n < 400 && !v; n++)
			v += run_sequence(seed + n * 7919, n, true, &st);
		tap_ok(v > 0,
		       "planted bug %s caught: %lu violations in the CR0.WP=0 and MMIO generation cases and %lu random sequences (audit: %lu of %lu)",
		       sim_bug_name[bug], v, n, st.audit_violations,
		       st.audit_checks);
	}
	sim_plant_bug(SVX_BUG_NONE);
	/* Planted bugs may trip mmu.c's WARN_ON()s: not a failure here. */
	svx_shim_warnings = warnings;
	knobs_check(&knobs, "shadow_planted_bugs");
}
