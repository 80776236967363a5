// SPDX-License-Identifier: GPL-2.0
/*
 * SVX_WALK_TRACE against two independent translators.
 *
 * The host builds random guest page tables (walktables.h: 4-level or PAE
 * with NX, or 32-bit with PSE) in guest memory: random P/RW/US/A/D/XD/PWT/PCD bits, 4 KiB and large
 * leaves, leaves inside and outside the memslot, non-identity mappings and
 * tables shared between many parents; only the path to the code page is
 * fixed.  The guest starts with that CR3 and halts.  Then, for NR_GVAS
 * random GVAs (half random, half steered down present entries) and a random
 * access (read/write/fetch, user/supervisor):
 *   - the trace's translation, fault error code and every guest level (table
 *     GPA, index, raw entry) must equal a reference walk the test does
 *     itself over the guest memory it wrote (SDM 4.3/4.5 and 4.7);
 *   - its memslot, HVA and verdict must be consistent with the GPA;
 *   - KVM_TRANSLATE of the same GVA (a supervisor read) must agree with the
 *     reference too (on /dev/kvm only this part runs: it validates the
 *     reference walk against real KVM);
 *   - the whole guest memory is byte-identical before and after all the
 *     traces (A/D bits are random, so a walk that set one would show).
 * The test can fail: any disagreement in GPA, fault, error code or a level
 * entry fails it, and it requires a minimum of translated and faulting
 * samples so that it cannot pass vacuously.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "svx.h"

#define NR_GVAS		1500
#include "walktables.h"

FIXTURE(wt) {
	struct svxu_guest g;
	struct wctx c;
	bool trace;
};

FIXTURE_VARIANT(wt) {
	enum wmode mode;
};

FIXTURE_VARIANT_ADD(wt, long64) { .mode = WM_64 };
FIXTURE_VARIANT_ADD(wt, pae) { .mode = WM_PAE };
FIXTURE_VARIANT_ADD(wt, pg32) { .mode = WM_32 };

FIXTURE_SETUP(wt)
{
	struct kvm_sregs sr;
	struct svx_walk_trace t;
	int r;

	memset(&self->g, 0, sizeof(self->g));
	self->g.vm.fd = self->g.vm.sys_fd = self->g.vcpu.fd = -1;
	r = svxu_guest_init(&self->g, SVX_GUEST(hlt), variant->mode == WM_64 ?
			   SVXU_MODE_LONG64 : SVXU_MODE_PM32);
	ASSERT_EQ(0, r) TH_LOG("guest init: %s", strerror(-r));
	self->c.mem = self->g.vm.mem;
	self->c.mode = variant->mode;
	self->c.rng = 0x9e3779b97f4a7c15ULL ^
		      (uint64_t)(variant->mode == WM_64 ? 64 :
				 variant->mode == WM_32 ? 32 : 36);
	if (getenv("SVX_SEED"))
		self->c.rng = strtoull(getenv("SVX_SEED"), NULL, 0);

	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS,
			       (unsigned long)&sr));
	self->c.nxe = variant->mode != WM_32;
	if (variant->mode != WM_32)
		sr.efer |= 0x800;		/* NXE */
	if (variant->mode != WM_64) {
		sr.cr4 = variant->mode == WM_PAE ? 0x20 : 0x10;	/* PAE/PSE */
		sr.cr0 |= 0x80010000;		/* PG | WP */
	}
	self->c.cr3 = build_tables(&self->c, SVX_CODE);
	sr.cr3 = self->c.cr3;
	r = svxu_ioctl(self->g.vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
	if (r && variant->mode != WM_32) {
		/* No NX in the guest's CPUID: tables without XD. */
		self->c.nxe = false;
		sr.efer &= ~0x800ULL;
		self->c.cr3 = build_tables(&self->c, SVX_CODE);
		r = svxu_ioctl(self->g.vcpu.fd, KVM_SET_SREGS,
			      (unsigned long)&sr);
	}
	ASSERT_EQ(0, r) TH_LOG("KVM_SET_SREGS: %s", strerror(-r));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);

	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.gva = SVX_CODE;
	r = svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE, (unsigned long)&t);
	self->trace = r != -EINVAL && r != -ENOTTY;
	if (svxu_dev_is_kvm()) {
		ASSERT_FALSE(self->trace);
	} else {
		ASSERT_EQ(0, r) TH_LOG("SVX_WALK_TRACE: %s", strerror(-r));
	}
}

FIXTURE_TEARDOWN(wt)
{
	svxu_guest_fini(&self->g);
}

TEST_F(wt, random_gvas)
{
	struct wctx *c = &self->c;
	uint8_t *before = malloc(SVX_MEM_SIZE);
	int i, level, translated = 0, faults = 0, errs = 0, large = 0;
	int tr_valid = 0, in_slot = 0, pfn = 0;
	int exits[16] = { 0 };
	uint64_t seed = c->rng;

	ASSERT_NE(NULL, before);
	memcpy(before, c->mem, SVX_MEM_SIZE);

	for (i = 0; self->trace && i < NR_GVAS; i++) {
		struct svx_walk_trace t;
		struct ref ref;
		uint64_t gva = pick_gva(c);
		uint32_t acc = random_access(c);
		int r;

		ref_walk(c, gva, acc, &ref);
		memset(&t, 0, sizeof(t));
		t.version = SVX_WALK_TRACE_VERSION;
		t.size = sizeof(t);
		t.gva = gva;
		t.access = acc;
		r = svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
			      (unsigned long)&t);
		ASSERT_EQ(0, r) TH_LOG("gva %#lx: %s", (unsigned long)gva,
				       strerror(-r));
		ASSERT_EQ(c->mode == WM_64 ? SVX_WT_MODE_64 :
			  c->mode == WM_PAE ? SVX_WT_MODE_PAE : SVX_WT_MODE_32,
			  t.guest_mode);
		ASSERT_EQ(c->cr3, t.cr3);
		ASSERT_EQ(ref.fault, !!(t.flags & SVX_WT_GUEST_FAULT))
			TH_LOG("gva %#lx acc %#x: ref %s, trace flags %#x",
			       (unsigned long)gva, acc,
			       ref.fault ? "faults" : "translates", t.flags);
		ASSERT_EQ(!ref.fault, !!(t.flags & SVX_WT_TRANSLATED));
		ASSERT_EQ(ref.levels, (int)t.guest_root_level);
		ASSERT_EQ(ref.leaf, (int)t.guest_leaf_level)
			TH_LOG("gva %#lx acc %#x", (unsigned long)gva, acc);
		for (level = ref.levels; level >= ref.leaf; level--) {
			const struct svx_wt_level *l = &t.guest[level - 1];

			ASSERT_TRUE(l->flags & SVX_WT_L_VALID);
			ASSERT_EQ(ref.entry[level], l->entry)
				TH_LOG("gva %#lx level %d", (unsigned long)gva,
				       level);
			ASSERT_EQ(ref.entry_gpa[level], l->entry_addr);
			ASSERT_EQ(l->table + l->index * w_esz(c),
				  l->entry_addr);
		}
		if (ref.fault) {
			faults++;
			ASSERT_EQ(ref.err, t.error_code)
				TH_LOG("gva %#lx acc %#x level %d",
				       (unsigned long)gva, acc, ref.leaf);
			ASSERT_EQ(c->mode != WM_64 ? (uint32_t)gva : gva,
				  t.fault_addr);
			errs |= 1 << (ref.err & 1);
			ASSERT_TRUE(t.exit == SVX_WT_EXIT_GUEST_PF ||
				    t.exit == SVX_WT_EXIT_GUEST_PF_DIRECT ||
				    t.exit == SVX_WT_EXIT_EPT_VIOLATION ||
				    t.exit == SVX_WT_EXIT_NONE)
				TH_LOG("exit %u", t.exit);
		} else {
			translated++;
			large += ref.leaf > 1;
			ASSERT_EQ(ref.gpa, t.gpa)
				TH_LOG("gva %#lx", (unsigned long)gva);
			ASSERT_EQ(ref.gpa < SVX_MEM_SIZE,
				  !!(t.flags & SVX_WT_SLOT));
			if (t.flags & SVX_WT_SLOT) {
				in_slot++;
				ASSERT_EQ(0, t.slot_id);
				ASSERT_EQ(0, t.slot_base_gpa);
				ASSERT_EQ(SVX_MEM_SIZE, t.slot_size);
				ASSERT_EQ((uint64_t)(uintptr_t)c->mem + ref.gpa,
					  t.hva);
			} else {
				ASSERT_TRUE(t.exit == SVX_WT_EXIT_MMIO ||
					    t.exit == SVX_WT_EXIT_EPT_VIOLATION ||
					    t.exit == SVX_WT_EXIT_EPT_MISCONFIG)
					TH_LOG("gva %#lx gpa %#lx exit %u",
					       (unsigned long)gva,
					       (unsigned long)ref.gpa, t.exit);
			}
		}
		pfn += !!(t.flags & SVX_WT_PFN);
		if (t.exit < 16)
			exits[t.exit]++;
	}
	/* Nothing written: not one A or D bit. */
	ASSERT_EQ(0, memcmp(before, c->mem, SVX_MEM_SIZE))
		TH_LOG("the walk trace changed guest memory");

	/* KVM_TRANSLATE: a supervisor read, no A/D (compared afterwards). */
	c->rng = seed;
	for (i = 0; i < NR_GVAS; i++) {
		struct kvm_translation tr = { 0 };
		struct ref ref;
		uint64_t gva = pick_gva(c);

		(void)random_access(c);
		ref_walk(c, gva, 0, &ref);
		tr.linear_address = gva;
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_TRANSLATE,
				       (unsigned long)&tr));
		ASSERT_EQ(!ref.fault, tr.valid)
			TH_LOG("KVM_TRANSLATE gva %#lx", (unsigned long)gva);
		if (tr.valid) {
			tr_valid++;
			ASSERT_EQ(ref.gpa, tr.physical_address)
				TH_LOG("KVM_TRANSLATE gva %#lx",
				       (unsigned long)gva);
		}
	}
	ASSERT_GT(tr_valid, NR_GVAS / 10);
	ASSERT_LT(tr_valid, NR_GVAS - NR_GVAS / 10);
	if (self->trace) {
		/* Not vacuous: both outcomes, both kinds of #PF, large pages. */
		ASSERT_GT(translated, NR_GVAS / 10);
		ASSERT_GT(faults, NR_GVAS / 10);
		ASSERT_EQ(3, errs);
		ASSERT_GT(large, 0);
		ASSERT_GT(in_slot, 0);
	}
	printf("# walktrace[%s,%s]: %d gvas, %d translated (%d large, %d in slot, %d with pfn), %d faults; KVM_TRANSLATE %d valid; exits none=%d guest_pf=%d guest_pf_direct=%d not_present=%d mmio=%d ept_violation=%d ept_misconfig=%d\n",
	       wmode_name[c->mode],
	       svxu_paging() ? svxu_paging() : "default", NR_GVAS, translated,
	       large, in_slot, pfn, faults, tr_valid, exits[SVX_WT_EXIT_NONE],
	       exits[SVX_WT_EXIT_GUEST_PF], exits[SVX_WT_EXIT_GUEST_PF_DIRECT],
	       exits[SVX_WT_EXIT_NOT_PRESENT], exits[SVX_WT_EXIT_MMIO],
	       exits[SVX_WT_EXIT_EPT_VIOLATION],
	       exits[SVX_WT_EXIT_EPT_MISCONFIG]);
	fflush(stdout);
	free(before);
}

/* The code page the guest ran: mapped on the host side, no exit to fetch. */
TEST_F(wt, code_page_mapped)
{
	struct svx_walk_trace t;
	int level, found = 0;

	if (!self->trace)
		SKIP(return, "device has no SVX_WALK_TRACE");
	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.gva = SVX_CODE;
	t.access = A_F;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
			       (unsigned long)&t));
	ASSERT_TRUE(t.flags & SVX_WT_TRANSLATED);
	ASSERT_EQ(SVX_CODE, t.gpa);
	ASSERT_TRUE(t.flags & SVX_WT_SLOT);
	ASSERT_TRUE(t.flags & SVX_WT_PFN) TH_LOG("exit %u flags %#x",
						 t.exit, t.flags);
	ASSERT_EQ(SVX_WT_EXIT_NONE, t.exit);
	ASSERT_EQ(0xffffffffu, t.exit_reason);
	for (level = 1; level <= SVX_WT_MAX_LEVELS; level++)
		found += !!(t.host[level - 1].flags & SVX_WT_L_VALID);
	ASSERT_EQ((int)t.host_levels, found);
	ASSERT_TRUE(t.host[0].flags & SVX_WT_H_PRESENT);

	/* Bad arguments. */
	t.version = 99;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
				     (unsigned long)&t));
	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.access = 0x1;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
				     (unsigned long)&t));
	t.access = 0;
	t.pfn = 1;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
				     (unsigned long)&t));
	ASSERT_EQ(-EFAULT, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE, 8));
}

/*
 * Host physical addresses are for CAP_SYS_ADMIN only: the same trace as
 * root shows the pfn and the HPAs of the shadow or EPT tables; after
 * setresuid() to nobody (which drops every capability) the vCPU fd still
 * works and the trace is the same except that every host address is 0
 * and SVX_WT_HOST_HIDDEN is set.
 */
TEST_F(wt, host_addresses_need_cap_sys_admin)
{
	struct svx_walk_trace root, user;
	int level;

	if (!self->trace)
		SKIP(return, "device has no SVX_WALK_TRACE");
	if (geteuid() != 0)
		SKIP(return, "needs root to compare with an unprivileged caller");
	memset(&root, 0, sizeof(root));
	root.version = SVX_WALK_TRACE_VERSION;
	root.size = sizeof(root);
	root.gva = SVX_CODE;
	root.access = A_F;
	user = root;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
			       (unsigned long)&root));
	ASSERT_TRUE(root.flags & SVX_WT_PFN);
	ASSERT_FALSE(root.flags & SVX_WT_HOST_HIDDEN);
	ASSERT_NE(0, root.pfn);
	ASSERT_NE(0, root.host_root_hpa);
	ASSERT_NE(0, root.host[0].table);

	/* This test's own process (the harness forks one per test). */
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
			       (unsigned long)&user));
	ASSERT_EQ(0, user.pfn);
	ASSERT_EQ(0, user.host_root_hpa);
	ASSERT_EQ(root.flags | SVX_WT_HOST_HIDDEN, user.flags);
	ASSERT_EQ(root.gpa, user.gpa);
	ASSERT_EQ(root.hva, user.hva);
	ASSERT_EQ(root.host_levels, user.host_levels);
	for (level = 0; level < SVX_WT_MAX_LEVELS; level++) {
		const struct svx_wt_level *u = &user.host[level];
		const struct svx_wt_level *r = &root.host[level];

		EXPECT_EQ(0, u->table) TH_LOG("level %d", level + 1);
		EXPECT_EQ(0, u->entry_addr) TH_LOG("level %d", level + 1);
		EXPECT_EQ(r->entry & ~0x000ffffffffff000ULL, u->entry)
			TH_LOG("level %d", level + 1);
		EXPECT_EQ(r->flags, u->flags) TH_LOG("level %d", level + 1);
		EXPECT_EQ(r->index, u->index) TH_LOG("level %d", level + 1);
	}
}

/*
 * SVX_WALK_TRACE2 (the 2D walk): for random GVAs, its walk trace equals
 * SVX_WALK_TRACE's; in EPT mode every guest entry the CPU reads (not the
 * PAE PDPTE registers) has its EPT walk, of that entry's GPA, and .refs is
 * what the rule of the uapi header gives from the levels (counted here);
 * in shadow mode .refs is the shadow entries read.  Version and size are
 * checked as for version 1; non-root callers see no host address.
 */
static unsigned int refs_2d(const struct svx_walk_trace2 *t2)
{
	const struct svx_walk_trace *t = &t2->wt;
	unsigned int n = 0;
	int level, el;

	if (t->paging != SVX_PAGING_EPT)
		return t->host_levels;
	for (level = t->guest_root_level; level >= 1; level--) {
		const struct svx_wt_ept_walk *ew = &t2->table_ept[level - 1];
		bool readable = false;

		if (!(ew->flags & SVX_WT_EW_VALID))
			continue;
		for (el = 4; el >= 1; el--) {
			const struct svx_wt_level *l = &ew->ept[el - 1];

			if (!(l->flags & SVX_WT_L_VALID))
				continue;
			n++;
			if (l->flags & SVX_WT_L_LEAF)
				readable = (l->flags & SVX_WT_H_READ) &&
					   !(l->flags & SVX_WT_H_MMIO);
		}
		if (!readable)
			return n;
		n++;
	}
	return n + ((t->flags & SVX_WT_TRANSLATED) ? t->host_levels : 0);
}

TEST_F(wt, trace2_2d_walk)
{
	struct wctx *c = &self->c;
	static struct svx_walk_trace2 t2;
	int i, level, el, walked = 0, full = 0, maxrefs = 0;
	bool ept = false;

	if (!self->trace)
		SKIP(return, "device has no SVX_WALK_TRACE");
	for (i = 0; i < 300; i++) {
		struct svx_walk_trace t;
		uint64_t gva = i ? pick_gva(c) : SVX_CODE;
		uint32_t acc = i ? random_access(c) : A_F;
		unsigned int n, cells;

		memset(&t, 0, sizeof(t));
		t.version = SVX_WALK_TRACE_VERSION;
		t.size = sizeof(t);
		t.gva = gva;
		t.access = acc;
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE,
				       (unsigned long)&t));
		memset(&t2, 0, sizeof(t2));
		t2.wt.version = SVX_WALK_TRACE_VERSION2;
		t2.wt.size = sizeof(t2);
		t2.wt.gva = gva;
		t2.wt.access = acc;
		ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
				       (unsigned long)&t2));
		ASSERT_EQ(sizeof(t2), t2.wt.size);
		t2.wt.version = t.version;
		t2.wt.size = t.size;
		ASSERT_EQ(0, memcmp(&t, &t2.wt, sizeof(t)))
			TH_LOG("gva %#lx: version 2's trace differs",
			       (unsigned long)gva);
		ept = t.paging == SVX_PAGING_EPT;
		cells = 0;
		for (level = 1; level <= SVX_WT_MAX_LEVELS; level++) {
			const struct svx_wt_level *g = &t.guest[level - 1];
			const struct svx_wt_ept_walk *ew = &t2.table_ept[level - 1];
			bool want = ept && (g->flags & SVX_WT_L_VALID) &&
				    !(t.guest_mode == SVX_WT_MODE_PAE && level == 3);
			unsigned int found = 0;

			ASSERT_EQ(want, !!(ew->flags & SVX_WT_EW_VALID))
				TH_LOG("gva %#lx guest level %d", (unsigned long)gva, level);
			if (!want)
				continue;
			cells++;
			ASSERT_EQ(g->entry_addr, ew->gpa);
			for (el = 1; el <= SVX_WT_MAX_LEVELS; el++)
				if (ew->ept[el - 1].flags & SVX_WT_L_VALID) {
					found++;
					ASSERT_EQ((ew->gpa >> (12 + 9 * (el - 1))) & 511,
						  ew->ept[el - 1].index);
				}
			ASSERT_EQ(ew->levels, found);
		}
		ASSERT_EQ(cells, t2.table_walks);
		n = refs_2d(&t2);
		ASSERT_EQ(n, t2.refs) TH_LOG("gva %#lx", (unsigned long)gva);
		ASSERT_LE(t2.refs, ept ? 24u : 5u);
		walked += cells > 0;
		full += t.exit == SVX_WT_EXIT_NONE;
		if ((int)t2.refs > maxrefs)
			maxrefs = t2.refs;
	}
	/* i = 0 is the code page: translated, mapped, no exit */
	printf("# trace2 [%s]: 300 gvas, %d with guest table walks, %d without exit, max refs %d\n",
	       ept ? "ept" : "shadow", walked, full, maxrefs);
	fflush(stdout);
	ASSERT_GT(full, 0);
	if (ept)
		ASSERT_GT(walked, 0);

	/* version 1 through the new ioctl, and the reverse, are refused */
	memset(&t2, 0, sizeof(t2));
	t2.wt.version = SVX_WALK_TRACE_VERSION;
	t2.wt.size = sizeof(t2);
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
				     (unsigned long)&t2));
	t2.wt.version = SVX_WALK_TRACE_VERSION2;
	t2.wt.size = sizeof(struct svx_walk_trace);
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
				     (unsigned long)&t2));
	t2.wt.size = sizeof(t2);
	t2.reserved2[7] = 1;
	ASSERT_EQ(-EINVAL, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
				     (unsigned long)&t2));
	t2.reserved2[7] = 0;
	t2.wt.gva = SVX_CODE;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
			       (unsigned long)&t2));

	/* no CAP_SYS_ADMIN: the EPT walks' host addresses read as 0 too */
	if (geteuid() != 0)
		return;
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	memset(&t2, 0, sizeof(t2));
	t2.wt.version = SVX_WALK_TRACE_VERSION2;
	t2.wt.size = sizeof(t2);
	t2.wt.gva = SVX_CODE;
	t2.wt.access = A_F;
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, SVX_WALK_TRACE2,
			       (unsigned long)&t2));
	ASSERT_TRUE(t2.wt.flags & SVX_WT_HOST_HIDDEN);
	ASSERT_EQ(0, t2.wt.host_root_hpa);
	for (level = 0; level < SVX_WT_MAX_LEVELS; level++)
		for (el = 0; el < SVX_WT_MAX_LEVELS; el++) {
			ASSERT_EQ(0, t2.table_ept[level].ept[el].table);
			ASSERT_EQ(0, t2.table_ept[level].ept[el].entry_addr);
			ASSERT_EQ(0, t2.table_ept[level].ept[el].entry &
				     0x000ffffffffff000ULL);
		}
	if (ept)
		ASSERT_GT(t2.table_walks, 0u);
}

TEST_HARNESS_MAIN
