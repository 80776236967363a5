// SPDX-License-Identifier: GPL-2.0
/*
 * EPT mode, the MMU side: the paging mode of a VM, its EPT tables, EPT
 * violations, zaps, and the guest-virtual walk used by emulation.
 *
 * A VM is in shadow mode (mmu/mmu.c) or in EPT mode, chosen with
 * SVX_SET_PAGING before its first vCPU exists, or by the module parameter
 * ept= for new VMs.  An EPT-mode VM has one 4-level EPT tree (WB, A/D bits
 * enabled when the CPU has them), empty at first and built on demand: an
 * EPT violation on a GPA inside a memslot pins the backing page and
 * installs a 4 KiB entry (read/execute, and write unless the slot is
 * read-only), or one large entry: 1 GiB when the CPU has 1 GiB EPT pages,
 * the slot covers the whole aligned GiB and a 1 GiB hugetlb page backs it;
 * else 2 MiB when the slot covers the aligned 2 MiB and a transparent or
 * hugetlb huge page backs it (mmu/ept_level.c decides).  Every page under a
 * large entry is pinned, so the host cannot split it away under the guest;
 * a range where small entries exist already stays small.  vmx/ decodes
 * the exit and hands over (GPA, error code).  A violation on a GPA
 * outside every memslot, or a write to a read-only slot, is MMIO: the exit
 * handler emulates it (SVX_EMULATE).  A GPA outside every
 * memslot also gets an MMIO entry: write and execute without read, which
 * the CPU reports as an EPT misconfiguration (SDM 28.3.3.1), so later
 * accesses skip the memslot lookup; the entry holds the memslot generation
 * it was made under and is dropped when a memslot change made it stale (a
 * slot may now back the GPA).
 *
 * Every leaf holds a page pin.  A memslot delete or move, and VM
 * destruction, detach all entries under mmu_lock, INVEPT on every CPU (the
 * IPI also kicks running vCPUs out of guest mode), then unpin the pages and
 * free the tables: a guest never touches a page the VMM has taken back.
 *
 * Guest-virtual addresses (the instruction fetch of MMIO emulation, string
 * I/O, KVM_TRANSLATE, the walk trace) are translated by the one guest
 * walker (mmu/walker.c, through svx_gva_to_gpa()) in EPT mode too, with
 * the PDPTE registers saved at the last exit.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <asm/page.h>

#include "svx.h"
#include "mmu_host.h"
#include "ept.h"
#include "spte.h"
#include "walker.h"
#include "ept_level.h"
#include "epte.h"
#include "dmap.h"
#include "svx_trace.h"
#include "mmu.h"

#define EPTE_LEAF_MT	(EPTE_MT_WB | EPTE_IPAT)
/*
 * MMIO: W|X without R is a misconfiguration; the address bits hold the low
 * bits of a memslot generation, laid out as an MMIO SPTE's GPA (spte.h:
 * with L1TF, the address seen by the CPU lies above every RAM page).
 */
#define EPTE_MMIO	(EPTE_W | EPTE_X)
#define EPTE_MMIO_GEN(gen)	\
	svx_mmio_addr(((gen) << PAGE_SHIFT) & svx_mmio_layout.low)

/* ---------------------------------------------------------------------- */
/* The tree                                                                */

/*
 * The root, and the page a zap moves the root's entries to: allocated
 * here so that a zap (a memslot delete or move) cannot fail for memory
 * and leave the guest on the pages of a deleted slot.
 */
static u64 svx_ept_eptp(u64 *root)
{
	u64 eptp = svx_host_pa(root) | EPTP_MT_WB | EPTP_PWL_4;

	if (svx_host_ept_flags() & SVX_CAP_EPT_AD)
		eptp |= EPTP_AD;
	return eptp;
}

static int svx_ept_alloc_root(struct svx_vm *vm)
{
	u64 *root = svx_host_alloc_table(false);	/* counted: table_pages */
	u64 *smm = svx_host_alloc_table(false);

	vm->ept_zap_scratch = svx_host_alloc_table(false);
	if (!root || !smm || !vm->ept_zap_scratch) {
		svx_host_free_table(root);
		svx_host_free_table(smm);
		svx_host_free_table(vm->ept_zap_scratch);
		vm->ept_zap_scratch = NULL;
		return -ENOMEM;
	}
	vm->ept_root = root;
	vm->ept_root_smm = smm;
	vm->ept_pages = 2;
	vm->eptp = svx_ept_eptp(root);
	vm->eptp_smm = svx_ept_eptp(smm);
	/* The pages may have been someone's EPT roots before. */
	svx_ept_invept_all_cpus(vm);
	return 0;
}

int svx_ept_vm_init(struct svx_vm *vm)
{
	vm->paging = svx_ept_default_paging();
	if (svx_vm_ept(vm))
		return svx_ept_alloc_root(vm);
	return 0;
}

/* Every vCPU is gone (VMCS cleared); VMX is still on. */
void svx_ept_vm_destroy(struct svx_vm *vm)
{
	unsigned long pinned = 0, pages = 0;

	if (!vm->ept_root)
		return;
	svx_ept_invept_all_cpus(vm);
	svx_dmap_free_tree(&svx_dmap_ept, vm->ept_root, 4, &pinned, &pages);
	svx_dmap_free_tree(&svx_dmap_ept, vm->ept_root_smm, 4, &pinned,
			   &pages);
	vm->ept_root = NULL;
	vm->ept_root_smm = NULL;
	svx_host_free_table(vm->ept_zap_scratch);
	vm->ept_zap_scratch = NULL;
	svx_host_pins(vm, -(long)pinned);
	vm->ept_pages -= pages;
	WARN_ON(vm->ept_pages);
}

long svx_ept_set_paging(struct svx_vm *vm, unsigned long mode)
{
	long r = 0;

	if (mode != SVX_PAGING_SHADOW && mode != SVX_PAGING_EPT) {
		svx_vm_warn(vm, "SVX_SET_PAGING: unknown mode %lu (0 shadow, 1 EPT)\n",
			    mode);
		return -EINVAL;
	}
	mutex_lock(&vm->lock);
	if (mode == vm->paging)
		goto out;
	if (vm->nr_vcpus) {
		svx_vm_warn(vm, "SVX_SET_PAGING: the paging mode can only change before the first KVM_CREATE_VCPU\n");
		r = -EBUSY;
	} else if (mode == SVX_PAGING_EPT && svx_host_ept_unusable()) {
		svx_vm_warn(vm, "SVX_SET_PAGING: EPT mode not available: %s\n",
			    svx_host_ept_unusable());
		r = -EOPNOTSUPP;
	} else if (mode == SVX_PAGING_EPT) {
		r = svx_ept_alloc_root(vm);
		if (!r)
			vm->paging = SVX_PAGING_EPT;
	} else {
		/* No vCPU ever ran: the tree holds only its root. */
		svx_ept_vm_destroy(vm);
		vm->paging = SVX_PAGING_SHADOW;
	}
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* Memslot deleted or moved (vm->lock held): drop every entry of @root. */
static void svx_ept_zap_root(struct svx_vm *vm, u64 *root)
{
	unsigned long pinned = 0, pages = 0;
	u64 *old = vm->ept_zap_scratch;	/* vm->lock held: ours alone */
	int i;

	spin_lock(&vm->mmu_lock);
	for (i = 0; i < 512; i++) {
		old[i] = root[i];
		WRITE_ONCE(root[i], 0);
	}
	spin_unlock(&vm->mmu_lock);

	svx_ept_invept_all_cpus(vm);

	for (i = 0; i < 512; i++)
		if (old[i] & EPTE_RWX)
			svx_dmap_free_tree(&svx_dmap_ept,
					   svx_host_va(old[i] & EPTE_ADDR), 3,
					   &pinned, &pages);
	spin_lock(&vm->mmu_lock);
	svx_host_pins(vm, -(long)pinned);
	vm->ept_pages -= pages;
	vm->stats.mmu[SVX_MMU_ZAP]++;
	spin_unlock(&vm->mmu_lock);
}

/* Memslot deleted or moved (vm->lock held): drop every entry, both trees. */
void svx_ept_zap_all(struct svx_vm *vm)
{
	if (!vm->ept_root)
		return;
	svx_ept_zap_root(vm, vm->ept_root);
	svx_ept_zap_root(vm, vm->ept_root_smm);
	trace_svx_zap(vm->id, "ept", ~0ULL);
}

/*
 * After a memslot change (vm->lock held): when the generation bits of MMIO
 * entries wrap, an old entry could look current: drop everything.
 */
void svx_ept_memslots_changed(struct svx_vm *vm, u64 gen)
{
	if (!((gen << PAGE_SHIFT) & svx_mmio_layout.low))
		svx_ept_zap_all(vm);
}

#define SVX_EPT_ZAP_BATCH	32

/*
 * The host pages behind gfns [@start, @end) are going away (MMU notifier,
 * core/mmu_notifier.c): clear the entries that map them, INVEPT on every
 * CPU, then drop their pins.  Never sleeps (the MMU notifier calls it
 * where it may not block); no lock held.
 */
static bool svx_ept_zap_root_range(struct svx_vm *vm, bool smm, u64 start,
				   u64 end)
{
	u64 old[SVX_EPT_ZAP_BATCH], gfn = start;
	u8 lvl[SVX_EPT_ZAP_BATCH];
	unsigned long pinned;
	unsigned int n, i;
	bool any = false;

	end = min_t(u64, end, 1ULL << 40);	/* 4-level EPT: 52-bit GPAs */
	while (gfn < end) {
		u64 *root;

		spin_lock(&vm->mmu_lock);
		root = smm ? vm->ept_root_smm : vm->ept_root;
		n = root ? svx_dmap_clear(&svx_dmap_ept, root, &gfn, end, old,
					  lvl, SVX_EPT_ZAP_BATCH) : 0;
		if (!root)
			gfn = end;
		spin_unlock(&vm->mmu_lock);
		if (!n)
			continue;
		svx_ept_invept_all_cpus(vm);
		pinned = 0;
		for (i = 0; i < n; i++)
			pinned += svx_dmap_unpin_leaf(&svx_dmap_ept, old[i],
						      lvl[i]);
		spin_lock(&vm->mmu_lock);
		svx_host_pins(vm, -(long)pinned);
		spin_unlock(&vm->mmu_lock);
		any = true;
	}
	return any;
}

/*
 * The host pages behind gfns [@start, @end) are going away, or a slot of
 * either address space starts or stops logging: clear the entries of both
 * trees that map them (the other space's are mapped again on demand).
 */
void svx_ept_zap_gfn_range(struct svx_vm *vm, u64 start, u64 end)
{
	bool any = svx_ept_zap_root_range(vm, false, start, end);

	if (svx_ept_zap_root_range(vm, true, start, end) || any)
		trace_svx_zap(vm->id, "ept range", start);
}

/* The leaf entry for @gpa if its tables exist, else NULL; mmu_lock held. */
static u64 *svx_ept_walk(u64 *root, u64 gpa)
{
	int level;
	u64 *ep = svx_dmap_walk(&svx_dmap_ept, root, gpa >> PAGE_SHIFT, 1,
				&level);

	return level == 1 || svx_dmap_leaf(&svx_dmap_ept, *ep, level) ? ep :
	       NULL;
}

/* ---------------------------------------------------------------------- */
/* Exits                                                                   */

/*
 * An access to MMIO: the exit handler emulates it (SVX_EMULATE).  A fetch
 * too: the emulator's own fetch of the instruction fails there, as KVM's
 * does (#UD queued, and the emulation-failure exit at CPL 0).
 */
static int svx_ept_mmio(struct svx_vcpu *vcpu)
{
	vcpu->stats.mmu[SVX_MMU_EPT_MMIO]++;
	return SVX_EMULATE;
}

/*
 * Install leaf @entry for @gpa at @leaf_level unless the memslots changed
 * since generation @gen or the entry is present already: 1 if installed,
 * 0 if not, -ENOMEM.  Table pages are allocated (outside the lock) only
 * when the walk lacks them: most faults need none.
 */
static int svx_ept_install(struct svx_vm *vm, u64 *root, u64 gpa, u64 entry,
			   u64 gen,
			   unsigned long seq, int leaf_level,
			   const struct svx_memslot *logged)
{
	u64 *spare[3] = { NULL, NULL, NULL }, *ep = NULL;
	int nspare = 0, need, r = 0, i;

	for (;;) {
		spin_lock(&vm->mmu_lock);
		if (rcu_access_pointer(vm->memslots)->generation != gen ||
		    svx_mmu_seq_retry(vm, seq))
			break;
		need = svx_dmap_missing(&svx_dmap_ept, root,
					gpa >> PAGE_SHIFT, leaf_level);
		if (need <= nspare) {
			i = nspare;
			ep = svx_dmap_walk_alloc(&svx_dmap_ept, root,
						 gpa >> PAGE_SHIFT, leaf_level,
						 spare, &nspare);
			vm->ept_pages += i - nspare;
			break;
		}
		spin_unlock(&vm->mmu_lock);
		while (nspare < need) {
			spare[nspare] = svx_host_alloc_table(false);
			if (!spare[nspare]) {
				r = -ENOMEM;
				goto out;
			}
			nspare++;
		}
	}
	if (ep && !(*ep & EPTE_RWX)) {
		/* A writable leaf of a logged slot: the page is dirty. */
		if (logged && (entry & EPTE_W))
			svx_memslot_mark_dirty(logged, gpa >> PAGE_SHIFT);
		WRITE_ONCE(*ep, entry);
		if (entry & EPTE_PINNED)
			svx_host_pins(vm, SVX_EPT_LEVEL_PAGES(leaf_level));
		r = 1;
	}
	spin_unlock(&vm->mmu_lock);
out:
	for (i = 0; i < nspare; i++)
		svx_host_free_table(spare[i]);
	return r;
}

/*
 * Is the entry for @gpa at @level free, with no table or leaf under it and
 * no large leaf above?  mmu_lock held.
 */
static bool svx_ept_level_free(u64 *root, u64 gpa, int level)
{
	int l;

	return !(*svx_dmap_walk(&svx_dmap_ept, root, gpa >> PAGE_SHIFT,
				level, &l) & EPTE_RWX);
}

/*
 * Map the 1 GiB or 2 MiB around @gpa with one entry when the CPU, the slot
 * and the backing allow it (svx_ept_max_level(); @page, pinned by the
 * caller, is the 4 KiB page at @gpa): 1 if mapped, 0 if not (map 4 KiB
 * instead), -errno.
 */
static int svx_ept_map_large(struct svx_vcpu *vcpu, u64 *root,
			     const struct svx_memslot *s, u64 gpa, bool ro,
			     u64 gen, unsigned long seq, u64 pfn4k)
{
	struct svx_vm *vm = vcpu->vm;
	struct svx_ept_level_in in = {
		.gfn = gpa >> PAGE_SHIFT,
		.slot_base_gfn = s->base_gfn,
		.slot_npages = s->npages,
		.slot_hva = s->userspace_addr,
		.cpu_2m = svx_host_ept_flags() & SVX_CAP_EPT_2M,
		.cpu_1g = svx_host_ept_flags() & SVX_CAP_EPT_1G,
	};
	unsigned long n;
	int level, r = 0;
	u64 gfn, pfn;
	bool free;

	in.backing_order = svx_host_backing_order(pfn4k);
	for (level = svx_ept_max_level(&in); level > 1; level--) {
		n = SVX_EPT_LEVEL_PAGES(level);
		gfn = in.gfn & ~(u64)(n - 1);
		/* Smaller entries already there: keep using them. */
		spin_lock(&vm->mmu_lock);
		free = svx_ept_level_free(root, gfn << PAGE_SHIFT, level);
		spin_unlock(&vm->mmu_lock);
		if (!free)
			continue;
		/* Above RLIMIT_MEMLOCK: smaller entries, then -ENOMEM. */
		r = svx_host_pin_range(vm, s, gfn, n, &pfn);
		if (r <= 0) {
			if (r < 0)
				break;
			continue;
		}
		r = svx_ept_install(vm, root, gfn << PAGE_SHIFT,
				    ((u64)pfn << PAGE_SHIFT) | EPTE_LARGE |
				    EPTE_LEAF_MT | EPTE_PINNED |
				    EPTE_R | EPTE_X |
				    (ro ? 0 : EPTE_W), gen, seq,
				    level, NULL);
		if (r == 1) {
			vcpu->stats.mmu[SVX_MMU_EPT_LARGE]++;
			if (level == 3)
				vcpu->stats.mmu[SVX_MMU_EPT_LARGE_1G]++;
			break;
		}
		svx_host_unpin_range(pfn, n, false);
		if (r < 0)
			break;
	}
	return r;
}

/* ---------------------------------------------------------------------- */
/* Dirty logging                                                           */

/*
 * A gfn of a slot with KVM_MEM_LOG_DIRTY_PAGES is mapped by a 4 KiB leaf,
 * writable only after a write fault, which sets its bit in the slot's dirty
 * bitmap under mmu_lock (after the generation check: the bitmap is alive).
 * Enabling logging zaps the slot's leaves (large ones included); harvesting
 * the log (core/dirty_log.c) clears W again in the leaves of the pages it
 * reports, then INVEPT on every CPU.  No PML.
 */

/*
 * A write to @gpa of writable slot @s whose 4 KiB leaf is present and
 * read-only (write-protected for the log, which may have stopped since):
 * give it W and log the page if @s logs.  True if done.
 */
static bool svx_ept_make_writable(struct svx_vm *vm, u64 *root,
				  const struct svx_memslot *s, u64 gpa, u64 gen,
				  unsigned long seq)
{
	bool done = false;
	u64 *ep;

	spin_lock(&vm->mmu_lock);
	if (rcu_access_pointer(vm->memslots)->generation == gen &&
	    !svx_mmu_seq_retry(vm, seq) && vm->ept_root) {
		ep = svx_ept_walk(root, gpa);
		if (ep && (*ep & EPTE_R) &&
		    (*ep & EPTE_PINNED) && !(*ep & EPTE_LARGE) &&
		    !(*ep & EPTE_W)) {
			svx_memslot_mark_dirty(s, gpa >> PAGE_SHIFT);
			WRITE_ONCE(*ep, *ep | EPTE_W);
			done = true;
		}
	}
	spin_unlock(&vm->mmu_lock);
	return done;
}

/*
 * Clear W in the 4 KiB leaf of @gfn; true if it had W (the caller runs
 * svx_ept_invept_all_cpus() before relying on it).  The host page is
 * marked dirty now, as a zap of a writable leaf would.  mmu_lock held.
 */
static bool svx_ept_wp_root(u64 *root, u64 gfn)
{
	u64 *ep, e;

	ep = svx_ept_walk(root, gfn << PAGE_SHIFT);
	if (!ep)
		return false;
	e = *ep;
	if (!(e & EPTE_R) || !(e & EPTE_W) ||
	    (e & EPTE_LARGE))
		return false;
	WRITE_ONCE(*ep, e & ~EPTE_W);
	if (e & EPTE_PINNED)
		svx_host_set_dirty((e & EPTE_ADDR) >> PAGE_SHIFT);
	return true;
}

/* In both trees: a logged slot's gfn is protected in either space. */
bool svx_ept_write_protect_gfn(struct svx_vm *vm, u64 gfn)
{
	bool flush;

	if (!vm->ept_root || gfn >= (1ULL << 40))
		return false;
	flush = svx_ept_wp_root(vm->ept_root, gfn);
	return svx_ept_wp_root(vm->ept_root_smm, gfn) || flush;
}

int svx_ept_page_fault(struct svx_vcpu *vcpu, u64 gpa, u32 error_code)
{
	struct svx_vm *vm = vcpu->vm;
	int as = svx_vcpu_as(vcpu);
	u64 *root = as ? vm->ept_root_smm : vm->ept_root;
	bool write = error_code & SVX_ACC_WRITE;
	bool fetch = error_code & SVX_ACC_FETCH;
	struct svx_memslot s;
	unsigned long seq;
	bool found, ro, logged;
	u64 gen, pfn;
	int r;

	vcpu->stats.mmu[SVX_MMU_EPT_VIOLATION]++;
	vcpu->stats.mmu[fetch ? SVX_MMU_EPT_FETCH :
			write ? SVX_MMU_EPT_WRITE : SVX_MMU_EPT_READ]++;

	seq = svx_mmu_seq_begin(vm);
	found = svx_memslot_get_as(vm, as, gpa >> PAGE_SHIFT, &s, &gen);
	ro = found && (s.flags & KVM_MEM_READONLY);
	if (!found && svx_mmio_layout.cache) {
		r = svx_ept_install(vm, root, gpa, EPTE_MMIO | EPTE_MMIO_GEN(gen), gen,
				    seq, 1, NULL);
		if (r < 0)
			return r;
	}
	if (!found || (write && ro))
		return svx_ept_mmio(vcpu);
	logged = s.flags & KVM_MEM_LOG_DIRTY_PAGES;
	if (write && svx_ept_make_writable(vm, root, &s, gpa, gen, seq))
		return SVX_RESUME;

	r = svx_host_pin_gfn(vcpu, &s, gpa >> PAGE_SHIFT, &pfn);
	if (r) {
		vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
		return r;
	}
	/* Logged slots are tracked 4 KiB at a time. */
	r = logged ? 0 : svx_ept_map_large(vcpu, root, &s, gpa, ro, gen, seq,
					   pfn);
	if (r) {
		svx_host_unpin(pfn, false);
		return r < 0 ? r : SVX_RESUME;
	}
	/*
	 * Not installed: the slot changed, or another vCPU was first.  A
	 * logged slot gets W only from a write, which logs the page.
	 */
	r = svx_ept_install(vm, root, gpa, (pfn << PAGE_SHIFT) |
			    EPTE_LEAF_MT | EPTE_PINNED |
			    EPTE_R | EPTE_X |
			    (ro || (logged && !write) ? 0 :
			     EPTE_W), gen, seq, 1,
			    logged ? &s : NULL);
	if (r != 1) {
		svx_host_unpin(pfn, false);
		return r < 0 ? r : SVX_RESUME;
	}
	vcpu->stats.mmu[SVX_MMU_SPTE_INSTALLED]++;
	return SVX_RESUME;
}

/*
 * An access to a GPA with an MMIO entry (the fast path): SVX_EMULATE, the
 * exit handler emulates it without a memslot lookup, unless a memslot
 * change made the entry stale (SVX_RESUME: access again).
 */
int svx_ept_misconfig(struct svx_vcpu *vcpu, u64 gpa)
{
	struct svx_vm *vm = vcpu->vm;
	u64 *ep, e = 0, gen;
	bool stale = false;

	vcpu->stats.mmu[SVX_MMU_EPT_MISCONFIG]++;
	trace_svx_ept_misconfig(vcpu->id, gpa);
	spin_lock(&vm->mmu_lock);
	gen = rcu_access_pointer(vm->memslots)->generation;
	ep = svx_ept_walk(svx_vcpu_as(vcpu) ? vm->ept_root_smm : vm->ept_root,
			  gpa);
	if (ep)
		e = *ep;
	if ((e & EPTE_RWX) == EPTE_MMIO &&
	    (e & EPTE_ADDR) != EPTE_MMIO_GEN(gen)) {
		/* The CPU caches no misconfiguration (SDM 28.4.1). */
		WRITE_ONCE(*ep, 0);
		stale = true;
	}
	spin_unlock(&vm->mmu_lock);
	/*
	 * Stale, or zapped or remapped (by another vCPU) since the exit:
	 * access again.
	 */
	if (stale || !(e & EPTE_RWX) || (e & EPTE_R))
		return SVX_RESUME;
	if ((e & EPTE_RWX) != EPTE_MMIO) {
		svx_vm_warn(vm, "vcpu%d: EPT misconfiguration at GPA %#llx, entry %#llx\n",
			    vcpu->id, gpa, e);
		svx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				   "EPT misconfiguration");
		return SVX_USER;
	}
	return SVX_EMULATE;
}

/* ---------------------------------------------------------------------- */
/* Walk trace (mmu/walktrace.c): the EPT entries, read-only                */

/*
 * Copy the EPT entries for @gpa, from the PML4 down, into @t->host[] (if
 * @t); nothing is built or changed.  Returns the last entry read.
 */
u64 svx_ept_trace(struct svx_vm *vm, u64 gpa, struct svx_walk_trace *t)
{
	u64 *table, e = 0;
	int level;

	spin_lock(&vm->mmu_lock);
	if (!vm->ept_root) {
		if (t)
			t->flags |= SVX_WT_NO_ROOT;
		goto out;
	}
	if (t) {
		t->host_root_hpa = svx_host_pa(vm->ept_root);
		t->host_root_level = 4;
	}
	table = vm->ept_root;
	for (level = 4;; level--) {
		struct svx_wt_level tmp, *l = t ? &t->host[level - 1] : &tmp;
		unsigned int idx = (gpa >> (12 + 9 * (level - 1))) & 511;

		e = READ_ONCE(table[idx]);
		svx_wt_host_level(l, svx_host_pa(table), idx, e);
		if ((e & EPTE_RWX) == EPTE_MMIO)
			l->flags |= SVX_WT_H_MMIO;
		else if (e & EPTE_RWX)
			l->flags |= SVX_WT_H_PRESENT |
				((e & EPTE_R) ? SVX_WT_H_READ : 0) |
				((e & EPTE_W) ? SVX_WT_H_WRITE : 0) |
				((e & EPTE_X) ? SVX_WT_H_EXEC : 0);
		if (t)
			t->host_levels++;
		if (level == 1 || ((e & EPTE_LARGE) && (e & EPTE_RWX))) {
			l->flags |= SVX_WT_L_LEAF |
				    (level > 1 ? SVX_WT_L_LARGE : 0) |
				    ((e & EPTE_PINNED) ? SVX_WT_H_PINNED : 0);
			break;
		}
		if (!(e & EPTE_RWX) || (e & EPTE_RWX) == EPTE_MMIO)
			break;
		table = svx_host_va(e & EPTE_ADDR);
	}
out:
	spin_unlock(&vm->mmu_lock);
	return e;
}
