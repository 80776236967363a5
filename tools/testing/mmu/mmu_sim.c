// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow MMU (mmu/mmu.c and the files beside it) in userspace: its host
 * (mmu/mmu_host.h), a fake VM, a CPU that walks the shadow tables, random
 * guest tables and the invariant check.  See mmu_sim.h.
 *
 * The shadow MMU is linked, as the module links it; the check looks at its
 * shadow pages, reverse map and hash through mmu/mmu_internal.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Host callbacks below ignore the arguments they do not need. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/processor-flags.h>

#include "mmu_internal.h"
#include "rmap.h"

#include "emulate.h"
#include "mmu_sim.h"
#include "ref_walker.h"

const char *const sim_mode_name[SIM_NR_MODES] = { "32", "pae", "4l" };

const char *const sim_bug_name[SVX_NR_BUGS] = {
	[SVX_BUG_NONE] = "none",
	[SVX_BUG_NO_WRITE_PROTECT] = "no-write-protect",
	[SVX_BUG_NO_ZAP_ON_PT_WRITE] = "no-zap-on-pt-write",
	[SVX_BUG_WIDE_PERM] = "wide-permission",
	[SVX_BUG_WRONG_PFN] = "wrong-pfn",
	[SVX_BUG_NO_RESYNC] = "no-resync",
	[SVX_BUG_LARGE_OVER_TABLE] = "large-over-table",
	[SVX_BUG_WP0_EXEC] = "wp0-smep-exec",
	[SVX_BUG_WP0_SHARED_ROLE] = "wp0-shared-role",
	[SVX_BUG_MMIO_NO_GEN] = "mmio-no-generation",
	[SVX_BUG_NO_MARK_PARENTS] = "no-mark-parents",
	[SVX_BUG_MMIO_L1TF] = "mmio-l1tf-layout",
};

/*
 * Slot 2 comes and goes over part of the MMIO range (as a VMM adds RAM
 * where the guest had MMIO): SIM_PLUG_PAGES at SIM_PLUG_GFN.
 */
#define SIM_PLUG_PAGES	32
#define SIM_PAGES	(SIM_RAM_PAGES + SIM_ROM_PAGES + SIM_PLUG_PAGES)
#define SIM_MMIO_GFN	0xa00ULL
#define SIM_PLUG_GFN	(SIM_MMIO_GFN + 32)
#define SIM_CODE_GVA	0x1000ULL	/* RIP of the harness's instructions */
#define SIM_TABLE_GFN0	16		/* table pool: gfn 16 .. */
#define SIM_MAXPHYADDR	46

/* The sim the host functions below serve (one at a time). */
static struct sim *S;
/* The host CPU's x86_cache_bits if it has L1TF, else 0 (sim_create()). */
static unsigned int sim_l1tf_bits;
/* SVX_SIM_TRACE=1: print every step (to debug a violation). */
static int sim_trace = -1;

#define trace(...) do { if (sim_trace > 0) printf("# " __VA_ARGS__); } while (0)

static void sim_violation(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sim_violation(struct sim *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	s->st.violations++;
	if (s->quiet || s->shown >= 8)
		return;
	s->shown++;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* A TAP diagnostic line (benches do not link harness.c). */
	printf("# violation (mode %s, as %d, cr0 %#llx, efer %#llx): %s\n",
	       sim_mode_name[s->mode], s->cur,
	       (unsigned long long)s->vcpu->cr0,
	       (unsigned long long)s->vcpu->efer, buf);
}

/* ---------------------------------------------------------------------- */
/* The host: mmu/mmu_host.h                                                */

bool svx_audit;
unsigned int svx_max_sps = 4096;
bool svx_prefetch_enabled = true;
bool svx_unsync_enabled = true;
bool svx_large_sptes_enabled = true;
enum svx_mmu_bug svx_mmu_planted_bug;

void sim_plant_bug(int bug)
{
	svx_mmu_planted_bug = bug;
}

void svx_host_audit_count(bool violation)
{
	S->st.audit_checks++;
	if (violation)
		S->st.audit_violations++;
}

/*
 * A table page is the first half of an 8 KiB block; the second half holds
 * its owner (the kernel keeps it in page->private).  Its "physical"
 * address is its address: user addresses fit in an SPTE's 51:12.
 */
long sim_tables_live;	/* table pages allocated, not freed */

/* Tests: every table allocation fails while this is set. */
bool sim_fail_tables;

/* Tests: the sim_fail_nth-th fallible operation fails (0: none). */
unsigned int sim_fail_nth;
bool sim_fail_fired;

bool svx_host_should_fail(void)
{
	if (!sim_fail_nth || --sim_fail_nth)
		return false;
	sim_fail_fired = true;
	return true;
}

u64 *svx_host_alloc_table(bool dma32)
{
	void *p = sim_fail_tables || svx_host_should_fail() ? NULL :
		  aligned_alloc(8192, 8192);

	if (p) {
		memset(p, 0, 8192);
		sim_tables_live++;
	}
	return p;
}

void svx_host_free_table(void *table)
{
	if (table)
		sim_tables_live--;
	free(table);
}

u64 svx_host_pa(const void *table)
{
	return (uintptr_t)table;
}

void *svx_host_va(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

void *svx_host_table_owner(u64 pa)
{
	return *(void **)((char *)(uintptr_t)pa + 4096);
}

void svx_host_set_table_owner(void *table, void *owner)
{
	*(void **)((char *)table + 4096) = owner;
}

void (*sim_pin_hook)(struct sim *s);

static long sim_page_index(struct sim *s, u64 pfn)
{
	u64 first = (uintptr_t)s->mem >> PAGE_SHIFT;

	return pfn - first < SIM_PAGES ? (long)(pfn - first) : -1;
}

int svx_host_pin_gfn(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		     u64 gfn, u64 *pfn)
{
	u64 hva = svx_memslot_gfn_to_hva(s, gfn);
	long i = sim_page_index(S, hva >> PAGE_SHIFT);

	if (i < 0)
		return -EFAULT;
	S->pins[i]++;
	*pfn = hva >> PAGE_SHIFT;
	if (sim_pin_hook)
		sim_pin_hook(S);
	return 0;
}

/*
 * The sim's memory is 2 MiB-aligned and counts as one transparent huge
 * page per aligned 2 MiB: every such range of a slot gets large SPTEs.
 */
int svx_host_pin_2m(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		    u64 gfn, u64 pfn4k, u64 *pfn)
{
	u64 hva;
	long i;
	int j;

	if (gfn < s->base_gfn || gfn + 512 > s->base_gfn + s->npages)
		return 0;
	hva = svx_memslot_gfn_to_hva(s, gfn);
	i = sim_page_index(S, hva >> PAGE_SHIFT);
	if ((hva & 0x1fffff) || i < 0 || sim_page_index(S, (hva >> PAGE_SHIFT) + 511) < 0)
		return 0;
	for (j = 0; j < 512; j++)
		S->pins[i + j]++;
	*pfn = hva >> PAGE_SHIFT;
	return 1;
}

void svx_host_pins(struct svx_vm *vm, long n)
{
	vm->pages_pinned += n;
}

void svx_host_unpin_2m(u64 pfn, bool dirty)
{
	int j;

	for (j = 0; j < 512; j++)
		svx_host_unpin(pfn + j, dirty);
}

/* The same rule for EPT's 2 MiB leaves; the sim has no 1 GiB run. */
int svx_host_pin_range(struct svx_vm *vm, const struct svx_memslot *s,
		       u64 gfn, unsigned long n, u64 *pfn)
{
	u64 hva;
	long i;
	unsigned long j;

	if (gfn < s->base_gfn || gfn + n > s->base_gfn + s->npages)
		return 0;
	hva = svx_memslot_gfn_to_hva(s, gfn);
	i = sim_page_index(S, hva >> PAGE_SHIFT);
	if ((hva & ((n << PAGE_SHIFT) - 1)) || i < 0 ||
	    sim_page_index(S, (hva >> PAGE_SHIFT) + n - 1) < 0)
		return 0;
	for (j = 0; j < n; j++)
		S->pins[i + j]++;
	*pfn = hva >> PAGE_SHIFT;
	return 1;
}

unsigned int svx_host_backing_order(u64 pfn)
{
	return sim_page_index(S, pfn) < 0 ? 0 : 9;
}

unsigned long sim_dirty_marks;

void svx_host_set_dirty(u64 pfn)
{
	if (sim_page_index(S, pfn) < 0)
		sim_violation(S, "dirty mark on pfn %#llx outside guest memory",
			      (unsigned long long)pfn);
	sim_dirty_marks++;
}

void svx_host_unpin_range(u64 pfn, unsigned long n, bool dirty)
{
	unsigned long j;

	for (j = 0; j < n; j++)
		svx_host_unpin(pfn + j, dirty);
}

int svx_host_read_gpa_atomic(struct svx_vm *vm, int as, u64 gpa, void *buf,
			     unsigned int len)
{
	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return -EFAULT;
	return svx_read_guest_phys_as(vm, as, gpa, buf, len);
}

void svx_host_unpin(u64 pfn, bool dirty)
{
	long i = sim_page_index(S, pfn);

	if (i < 0 || S->pins[i] <= 0) {
		sim_violation(S, "unpin of pfn %#llx that is not pinned",
			      (unsigned long long)pfn);
		return;
	}
	S->pins[i]--;
}

/* Address space @as's memory at @gpa (SVX_AS_SMM: vm->smm_memslots). */
static u8 *sim_hva_as(struct svx_vm *vm, int as, u64 gpa, bool write)
{
	struct svx_memslots *set = as ? vm->smm_memslots : vm->memslots;
	const struct svx_memslot *slot;

	slot = set ? svx_memslot_find(set, gpa >> PAGE_SHIFT) : NULL;
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
		return NULL;
	return (u8 *)(uintptr_t)(svx_memslot_gfn_to_hva(slot,
							gpa >> PAGE_SHIFT) +
				 (gpa & ~PAGE_MASK));
}

static u8 *sim_hva(struct svx_vm *vm, u64 gpa, bool write)
{
	return sim_hva_as(vm, 0, gpa, write);
}

int svx_host_cmpxchg16_gpa(struct svx_vm *vm, u64 gpa, u64 old[2],
			   const u64 new[2])
{
	u8 *p = sim_hva(vm, gpa, true);
	u64 cur[2];

	if (!p || (gpa & 15))
		return -EFAULT;
	memcpy(cur, p, 16);	/* one simulated CPU: no other writer */
	if (cur[0] != old[0] || cur[1] != old[1]) {
		old[0] = cur[0];
		old[1] = cur[1];
		return 1;
	}
	memcpy(p, new, 16);
	return 0;
}

int svx_host_cmpxchg_gpa_as(struct svx_vm *vm, int as, u64 gpa, u64 old,
			    u64 new, unsigned int size)
{
	u8 *p = sim_hva_as(vm, as, gpa, true);

	if (!p)		/* as core/mmu_host.c: a read-only slot is -EROFS */
		return sim_hva_as(vm, as, gpa, false) ? -EROFS : -EFAULT;
	if (size == 8) {
		u64 o = old;

		return __atomic_compare_exchange_n((u64 *)p, &o, new, false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST) ? 0 : 1;
	} else {
		u32 o = old;

		return __atomic_compare_exchange_n((u32 *)p, &o, (u32)new,
						   false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST) ? 0 : 1;
	}
}

int svx_host_cmpxchg_gpa(struct svx_vm *vm, u64 gpa, u64 old, u64 new,
			 unsigned int size)
{
	return svx_host_cmpxchg_gpa_as(vm, 0, gpa, old, new, size);
}

void svx_host_set_guest_cr3(struct svx_vcpu *vcpu, u64 root)
{
	/* The simulated CPU reads vcpu->mmu.root_hpa. */
}

unsigned int svx_host_maxphyaddr(void)
{
	return SIM_MAXPHYADDR;
}

bool svx_host_gbpages(void)
{
	return true;
}

/* core/vm.c */
bool svx_memslot_get_as(struct svx_vm *vm, int as, u64 gfn,
			struct svx_memslot *s, u64 *gen)
{
	struct svx_memslots *set = as ? vm->smm_memslots : vm->memslots;
	const struct svx_memslot *slot = set ? svx_memslot_find(set, gfn) :
					 NULL;

	if (slot)
		*s = *slot;
	*gen = vm->memslots->generation;
	return slot;
}

bool svx_memslot_get(struct svx_vm *vm, u64 gfn, struct svx_memslot *s,
		     u64 *gen)
{
	return svx_memslot_get_as(vm, 0, gfn, s, gen);
}

static int sim_phys_copy(struct svx_vm *vm, int as, u64 gpa, void *buf,
			 unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(u64, len,
				       PAGE_SIZE - (gpa & ~PAGE_MASK));
		u8 *p = sim_hva_as(vm, as, gpa, write);

		if (!p)
			return -EFAULT;
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		gpa += n;
		buf = (u8 *)buf + n;
		len -= n;
	}
	return 0;
}

int svx_read_guest_phys(struct svx_vm *vm, u64 gpa, void *buf,
			unsigned int len)
{
	return sim_phys_copy(vm, 0, gpa, buf, len, false);
}

int svx_read_guest_phys_as(struct svx_vm *vm, int as, u64 gpa, void *buf,
			   unsigned int len)
{
	return sim_phys_copy(vm, as, gpa, buf, len, false);
}

static int sim_write_guest_phys(struct svx_vm *vm, u64 gpa, const void *buf,
				unsigned int len)
{
	return sim_phys_copy(vm, 0, gpa, (void *)buf, len, true);
}

/* Instruction fetches at RIP read the harness's instruction. */
static int sim_read_guest_virt(struct svx_vcpu *vcpu, u64 gva, void *buf,
			       unsigned int len)
{
	u64 gpa;

	if (gva >= S->insn_gva && gva + len <= S->insn_gva + sizeof(S->insn)) {
		memcpy(buf, S->insn + (gva - S->insn_gva), len);
		return 0;
	}
	if (svx_gva_to_gpa(vcpu, gva, &gpa))
		return -EFAULT;
	return svx_read_guest_phys(vcpu->vm, gpa, buf, len);
}

/* vmx/ */
void svx_request_all(struct svx_vm *vm, int req)
{
	svx_kick_all(vm, req);
}

void svx_kick_all(struct svx_vm *vm, int req)
{
	int i;

	for (i = 0; i < SVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			set_bit(req, &vm->vcpus[i]->requests);
}

/*
 * EPT mode (mmu/ept.c, test_ept.c): the CPU's EPT features are
 * sim_ept_flags; svx_ept_vm_init() makes an EPT VM while sim_ept is set;
 * INVEPT only counts (no CPU caches the simulator's EPT entries).
 */
bool sim_ept;
u32 sim_ept_flags = SVX_CAP_EPT | SVX_CAP_EPT_AD;
unsigned long sim_invepts;

u32 svx_host_ept_flags(void)
{
	return sim_ept_flags;
}

const char *svx_host_ept_unusable(void)
{
	return (sim_ept_flags & SVX_CAP_EPT) ? NULL :
	       "the simulated CPU has no EPT";
}

void svx_ept_invept_all_cpus(struct svx_vm *vm)
{
	(void)vm;
	sim_invepts++;
}

u32 svx_ept_default_paging(void)
{
	return sim_ept ? SVX_PAGING_EPT : SVX_PAGING_SHADOW;
}

int svx_emulate_mmio(struct svx_vcpu *vcpu, u64 gva, u64 gpa, bool write)
{
	S->mmio_exit = true;
	return SVX_USER;
}

void svx_inject_page_fault(struct svx_vcpu *vcpu, u32 error)
{
	S->injected = true;
	S->inj_error = error;
}

void svx_update_hw_cr(struct svx_vcpu *vcpu)
{
}

bool svx_guest_long_mode(struct svx_vcpu *vcpu)
{
	return vcpu->efer & EFER_LMA;
}

void svx_internal_error(struct svx_vcpu *vcpu, u32 suberror, const char *why)
{
	S->internal_error = true;
}

/* ---------------------------------------------------------------------- */
/* The exit handler's side of SVX_EMULATE (vmx/exits.c in the module)      */

/* Flat segments; 64-bit code whenever the guest is in long mode. */
static int sim_code_mode(struct svx_vcpu *vcpu)
{
	return svx_guest_long_mode(vcpu) ? 8 : 4;
}

static int sim_read_virt(void *ctx, u64 gva, void *buf, unsigned int len)
{
	return sim_read_guest_virt(ctx, gva, buf, len);
}

static int sim_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	return svx_read_guest_phys(vcpu->vm, gpa, buf, len);
}

/* As core/vm.c's svx_write_guest_for(): the write, then the MMU told. */
static int sim_write_phys(void *ctx, u64 gpa, const void *buf,
			  unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;
	int r = sim_write_guest_phys(vcpu->vm, gpa, buf, len);

	if (!r)
		svx_mmu_track_write(vcpu, gpa, len);
	return r;
}

static int sim_cmpxchg_phys(void *ctx, u64 gpa, void *old, const void *new,
			    unsigned int len)
{
	struct svx_vcpu *vcpu = ctx;

	if (len == 16)
		return svx_host_cmpxchg16_gpa(vcpu->vm, gpa, old, new);
	return svx_host_cmpxchg_gpa(vcpu->vm, gpa, *(u64 *)old,
				    *(const u64 *)new, len);
}

static u64 sim_seg_base(void *ctx, int seg)
{
	return 0;
}

static const struct svx_x86_ops sim_emu_ops = {
	.read_virt = sim_read_virt,
	.read_phys = sim_read_phys,
	.write_phys = sim_write_phys,
	.cmpxchg_phys = sim_cmpxchg_phys,
	.seg_base = sim_seg_base,
};

static void sim_skip_insn(struct svx_vcpu *vcpu, unsigned int len)
{
	vcpu->rip += len;
	S->retired = true;
}

/* vmx/exits.c's svx_emulate_pt_write(), on the simulated vCPU. */
static int sim_emulate_pt_write(struct svx_vcpu *vcpu)
{
	struct svx_x86_emu e = {
		.ops = &sim_emu_ops, .ctx = vcpu, .mode = sim_code_mode(vcpu),
		.regs = vcpu->regs, .rflags = &vcpu->rflags,
	};
	u64 gpa = vcpu->mmu.emulate_gpa;
	u8 bytes[SVX_INSN_MAX];
	struct svx_x86_write w;
	int avail;

	avail = svx_fetch_insn(&sim_emu_ops, vcpu, vcpu->rip, bytes);
	if (avail >= 0 && !svx_x86_emulate_rmw(&e, bytes, avail, gpa, &w)) {
		sim_skip_insn(vcpu, e.len);
		vcpu->stats.mmu[SVX_MMU_PT_WRITE]++;
		vcpu->stats.mmu[SVX_MMU_EMULATED]++;
		svx_mmu_pte_write(vcpu, gpa, w.new, w.size, w.written);
		return SVX_RESUME;
	}
	if (avail > 0 && svx_x86_emulate_string(&e, bytes, avail, gpa)) {
		if (e.retire)
			sim_skip_insn(vcpu, e.len);
		vcpu->stats.mmu[SVX_MMU_EMULATED]++;
	}
	svx_mmu_unprotect_gfn(vcpu, gpa >> PAGE_SHIFT);
	return SVX_RESUME;
}

/* A #PF exit, as vmx/exits.c handles it. */
static int sim_page_fault(struct svx_vcpu *vcpu, u64 gva, u32 error_code)
{
	int r = svx_mmu_page_fault(vcpu, gva, error_code);

	return r == SVX_EMULATE ? sim_emulate_pt_write(vcpu) : r;
}

/* ---------------------------------------------------------------------- */
/* The VM                                                                  */

static void sim_set_slot(struct sim *s, u16 id, u64 gfn, u64 npages, u8 *hva,
			 u32 flags)
{
	struct kvm_userspace_memory_region req = {
		.slot = id, .flags = flags, .guest_phys_addr = gfn << PAGE_SHIFT,
		.memory_size = npages << PAGE_SHIFT,
		.userspace_addr = (uintptr_t)hva,
	};
	const struct svx_memslot *old;
	struct svx_memslots *next;
	enum svx_mr_change change;
	struct svx_memslot new;

	next = calloc(1, sizeof(*next));
	if (!next || svx_memslot_check(s->slots, &req, KVM_MEM_READONLY,
				       &change, &new, &old))
		abort();
	svx_memslots_apply(next, s->slots, change, id, &new);
	free(s->slots);
	s->slots = next;
	s->vm->memslots = next;
}

void sim_set_smm_slot(struct sim *s, u64 gfn, u64 npages, u64 page)
{
	struct kvm_userspace_memory_region req = {
		.slot = 1 << 16, .guest_phys_addr = gfn << PAGE_SHIFT,
		.memory_size = npages << PAGE_SHIFT,
		.userspace_addr = (uintptr_t)(s->mem + page * 4096),
	};
	struct svx_memslots *cur = s->vm->smm_memslots, *next;
	const struct svx_memslot *old;
	enum svx_mr_change change;
	struct svx_memslot new;

	if (!cur) {
		cur = calloc(1, sizeof(*cur));
		if (!cur)
			abort();
		svx_memslots_init(cur);
	}
	next = calloc(1, sizeof(*next));
	if (!next || svx_memslot_check(cur, &req, 0, &change, &new, &old))
		abort();
	svx_memslots_apply(next, cur, change, 0, &new);
	free(cur);
	s->vm->smm_memslots = next;
	/* As core/vm.c: a change of either set bumps address space 0's. */
	next->generation = ++s->vm->memslots->generation;
}

struct sim *sim_create(u64 seed)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	S = s;
	s->rng.s = seed | 1;
	/* Half the worlds with the L1TF layout of MMIO SPTEs (spte.h). */
	sim_l1tf_bits = seed & 2 ? SIM_MAXPHYADDR : 0;
	svx_spte_init(sim_l1tf_bits);
	/*
	 * Zero pages on demand: a sequence touches few of them.  2 MiB-
	 * aligned, so that guest large pages can get 2 MiB SPTEs.
	 */
	{
		size_t sz = (size_t)SIM_PAGES * 4096, a = 0x200000;
		u8 *p = mmap(NULL, sz + a, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

		if (p == MAP_FAILED)
			abort();
		q = (u8 *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
		if (q > p)
			munmap(p, q - p);
		munmap(q + sz, p + sz + a - (q + sz));
		s->mem = q;
	}
	s->pins = calloc(SIM_PAGES, sizeof(*s->pins));
	s->slots = calloc(1, sizeof(*s->slots));
	s->vm = calloc(1, sizeof(*s->vm));
	s->vcpu = calloc(1, sizeof(*s->vcpu));
	if (!s->mem || !s->pins || !s->slots || !s->vm || !s->vcpu)
		abort();
	svx_memslots_init(s->slots);
	spin_lock_init(&s->vm->mmu_lock);
	s->vm->memslots = s->slots;
	s->allocs0 = svx_shim_allocs;
	s->tables0 = sim_tables_live;
	sim_set_slot(s, 0, 0, SIM_RAM_PAGES, s->mem, 0);
	sim_set_slot(s, 1, SIM_ROM_GFN, SIM_ROM_PAGES,
		     s->mem + (size_t)SIM_RAM_PAGES * 4096, KVM_MEM_READONLY);
	if (svx_mmu_vm_init(s->vm))
		abort();
	s->vcpu->vm = s->vm;
	s->vm->vcpus[0] = s->vcpu;
	s->vm->nr_vcpus = 1;
	if (svx_mmu_vcpu_init(s->vcpu))
		abort();
	s->st.sequences = 1;
	return s;
}

int sim_pins(struct sim *s, u64 first, u64 n)
{
	int sum = 0;
	u64 i;

	for (i = first; i < first + n && i < SIM_PAGES; i++)
		sum += s->pins[i];
	return sum;
}

unsigned long sim_faults_fixed(struct sim *s)
{
	return s->vcpu->stats.mmu[SVX_MMU_PF_FIXED];
}

void sim_destroy(struct sim *s, struct sim_stats *acc)
{
	unsigned long *a = (unsigned long *)acc, *b = (unsigned long *)&s->st;
	size_t i;

	S = s;
	s->st.unsyncs += s->vcpu->stats.mmu[SVX_MMU_UNSYNC];
	s->st.syncs += s->vcpu->stats.mmu[SVX_MMU_SYNC];
	s->st.prefetches += s->vcpu->stats.mmu[SVX_MMU_PREFETCH];
	s->st.large_sptes += s->vcpu->stats.mmu[SVX_MMU_SPTE_LARGE];
	s->st.pt_updates += s->vcpu->stats.mmu[SVX_MMU_PT_UPDATE];
	s->st.mmio_stale += s->vcpu->stats.mmu[SVX_MMU_MMIO_STALE];
	svx_mmu_vcpu_destroy(s->vcpu);
	s->vm->vcpus[0] = NULL;
	svx_mmu_vm_destroy(s->vm);
	/* Every object and table page mmu.c allocated is freed. */
	if (svx_shim_allocs != s->allocs0)
		sim_violation(s, "%ld kmalloc'd objects not freed after VM destruction",
			      svx_shim_allocs - s->allocs0);
	if (sim_tables_live != s->tables0)
		sim_violation(s, "%ld table pages not freed after VM destruction",
			      sim_tables_live - s->tables0);
	for (i = 0; i < SIM_PAGES; i++)
		if (s->pins[i])
			sim_violation(s, "page %zu still pinned %d times after VM destruction",
				      i, s->pins[i]);
	for (i = 0; acc && i < sizeof(s->st) / sizeof(*a); i++)
		a[i] += b[i];
	free(s->slots);
	free(s->vm->smm_memslots);
	free(s->vm);
	free(s->vcpu);
	free(s->pins);
	munmap(s->mem, (size_t)SIM_PAGES * 4096);
	free(s);
	S = NULL;
}

/* ---------------------------------------------------------------------- */
/* Guest tables                                                            */

static unsigned int sim_esz(struct sim *s)
{
	return s->mode == SIM_32 ? 4 : 8;
}

static unsigned int sim_nent(struct sim *s, int level)
{
	if (s->mode == SIM_32)
		return 1024;
	if (s->mode == SIM_PAE && level == 3)
		return 4;
	return 512;
}

static int sim_root_level(struct sim *s)
{
	return s->mode == SIM_32 ? 2 : s->mode == SIM_PAE ? 3 : 4;
}

static unsigned int sim_shift(struct sim *s, int level)
{
	return s->mode == SIM_32 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
}

/* Table indices the random addresses use, per level. */
static const u32 hot_32[3][6] = { {}, { 0, 1, 511, 512, 1023 },
				  { 0, 1, 256, 511, 512, 1023 } };
static const int nhot_32[3] = { 0, 5, 6 };
static const u32 hot_pae[4][3] = { {}, { 0, 1, 511 }, { 0, 1, 511 },
				   { 0, 1, 2 } };
static const int nhot_pae[4] = { 0, 3, 3, 3 };
static const u32 hot_4l[5][4] = { {}, { 0, 1, 511 }, { 0, 1 }, { 0, 511 },
				  { 0, 1, 256, 511 } };
static const int nhot_4l[5] = { 0, 3, 2, 2, 4 };

/* Hot index @i of @level (0 past the end) and, in *@n, how many. */
static u32 sim_hot_idx(struct sim *s, int level, int i, int *n)
{
	switch (s->mode) {
	case SIM_32:
		*n = nhot_32[level];
		return i < *n ? hot_32[level][i] : 0;
	case SIM_PAE:
		*n = nhot_pae[level];
		return i < *n ? hot_pae[level][i] : 0;
	default:
		*n = nhot_4l[level];
		return i < *n ? hot_4l[level][i] : 0;
	}
}

static u64 sim_canonical(u64 gva)
{
	return (u64)((s64)(gva << 16) >> 16);
}

static u64 sim_read_gpa(struct sim *s, u64 gpa, unsigned int size)
{
	u64 v = 0;

	memcpy(&v, s->mem + gpa, size);
	return v;
}

static void sim_write_entry(struct sim *s, u64 gfn, u32 idx, u64 e)
{
	memcpy(s->mem + (gfn << PAGE_SHIFT) + idx * sim_esz(s), &e,
	       sim_esz(s));
}

static struct sim_table *sim_new_table(struct sim *s, int level, bool fixed)
{
	struct sim_table *t;

	if (s->ntables == SIM_MAX_TABLES)
		return NULL;
	t = &s->tables[s->ntables];
	t->gfn = SIM_TABLE_GFN0 + s->ntables++;
	t->level = level;
	t->fixed = fixed;
	memset(s->mem + (t->gfn << PAGE_SHIFT), 0, PAGE_SIZE);
	return t;
}

/* An existing table for @level (now and then of any level), or NULL. */
static struct sim_table *sim_pick_table(struct sim *s, int level, bool any)
{
	int i, tries;

	for (tries = 0; tries < 16 && s->ntables; tries++) {
		i = rng_below(&s->rng, s->ntables);
		if (s->tables[i].level == level || any)
			return &s->tables[i];
	}
	return NULL;
}

static u64 sim_leaf_gfn(struct sim *s)
{
	u64 r = rng_below(&s->rng, 100);

	if (r < 55)
		return 256 + rng_below(&s->rng, SIM_RAM_PAGES - 256);
	if (r < 70 && s->ntables)
		return s->tables[rng_below(&s->rng, s->ntables)].gfn;
	if (r < 80)
		return SIM_ROM_GFN + rng_below(&s->rng, SIM_ROM_PAGES);
	if (r < 87)
		return SIM_MMIO_GFN + rng_below(&s->rng, 64);
	return rng_below(&s->rng, SIM_RAM_PAGES);
}

/*
 * A random entry for a table of @level.  *@child is set when it points at
 * a table of the next level, which the caller provides: @reuse_only means
 * an existing one (no new tables once the world runs).
 */
static u64 sim_gen_entry(struct sim *s, int level, bool reuse_only,
			 struct sim_table **child)
{
	struct rng *r = &s->rng;
	bool nxe = s->vcpu->efer & EFER_NX, large = false;
	u64 e = 0, gfn;
	struct sim_table *t;

	*child = NULL;
	if (s->mode == SIM_PAE && level == 3) {
		/* PDPTE: P and the address only (the rest is reserved). */
		if (rng_below(r, 100) < 5)
			return 0;
		t = reuse_only || rng_below(r, 4) == 0 ?
		    sim_pick_table(s, 2, false) : NULL;
		if (!t && !reuse_only)
			t = sim_new_table(s, 2, false);
		if (!t)
			return 0;
		*child = t;
		return (t->gfn << PAGE_SHIFT) | SVX_PTE_P;
	}
	if (rng_below(r, 100) >= 7)
		e |= SVX_PTE_P;
	if (rng_below(r, 100) < 75)
		e |= SVX_PTE_RW;
	if (rng_below(r, 100) < 75)
		e |= SVX_PTE_US;
	if (rng_below(r, 100) < 60)
		e |= SVX_PTE_A;
	if (nxe && rng_below(r, 100) < 15)
		e |= SVX_PTE_XD;
	if (level == 2 && (s->mode != SIM_32 || (s->vcpu->cr4 & X86_CR4_PSE)))
		large = rng_below(r, 100) < 20;
	if (level == 3 && s->mode == SIM_4L)
		large = rng_below(r, 100) < 5;
	if (level == 1 || large) {
		if (rng_below(r, 100) < 50)
			e |= SVX_PTE_D;
		if (large) {
			e |= SVX_PTE_PS;
			if (level == 3)
				gfn = 0;
			else if (s->mode == SIM_32)
				gfn = rng_below(r, 4) ? 0 : 0xc00;
			else
				gfn = rng_below(r, 4) ? rng_below(r, 2) * 512 :
							0xa00;
		} else {
			gfn = sim_leaf_gfn(s);
		}
		e |= gfn << PAGE_SHIFT;
	} else {
		bool any = rng_below(r, 100) < 3;

		t = reuse_only || any || rng_below(r, 4) == 0 ?
		    sim_pick_table(s, level - 1, any) : NULL;
		if (!t && !reuse_only)
			t = sim_new_table(s, level - 1, false);
		if (!t)
			return 0;
		*child = t;
		e |= t->gfn << PAGE_SHIFT;
	}
	if (s->mode != SIM_32 && rng_below(r, 100) < 2)
		e |= BIT_ULL(51);	/* reserved with MAXPHYADDR 46 */
	return e;
}

static void sim_fill(struct sim *s, struct sim_table *t, int depth)
{
	struct sim_table *child;
	int i, n;

	for (i = 0; ; i++) {
		u32 idx = sim_hot_idx(s, t->level, i, &n);
		u64 e;

		if (i >= n)
			break;
		if (sim_read_gpa(s, (t->gfn << PAGE_SHIFT) + idx * sim_esz(s),
				 sim_esz(s)))
			continue;	/* shared table, filled already */
		e = sim_gen_entry(s, t->level, false, &child);
		sim_write_entry(s, t->gfn, idx, e);
		if (child && t->level > 1 && depth < 6)
			sim_fill(s, child, depth + 1);
	}
}

/* The window: all of RAM, supervisor read/write, at s->window. */
static void sim_gen_window(struct sim *s, struct sim_table **top, u32 *top_idx)
{
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_A | SVX_PTE_D;
	struct sim_table *pt[2], *pd, *pdpt;
	u64 i;

	if (s->mode == SIM_32) {
		pt[0] = sim_new_table(s, 1, true);
		for (i = 0; i < 1024; i++)
			sim_write_entry(s, pt[0]->gfn, i, (i << PAGE_SHIFT) | f);
		*top = pt[0];
		*top_idx = 768;
		s->window = 768ULL << 22;
		return;
	}
	pt[0] = sim_new_table(s, 1, true);
	pt[1] = sim_new_table(s, 1, true);
	for (i = 0; i < 1024; i++)
		sim_write_entry(s, pt[i / 512]->gfn, i % 512,
				(i << PAGE_SHIFT) | f);
	pd = sim_new_table(s, 2, true);
	sim_write_entry(s, pd->gfn, 0, (pt[0]->gfn << PAGE_SHIFT) | f);
	sim_write_entry(s, pd->gfn, 1, (pt[1]->gfn << PAGE_SHIFT) | f);
	if (s->mode == SIM_PAE) {
		*top = pd;
		*top_idx = 3;
		s->window = 3ULL << 30;
		return;
	}
	pdpt = sim_new_table(s, 3, true);
	sim_write_entry(s, pdpt->gfn, 0, (pd->gfn << PAGE_SHIFT) | f);
	*top = pdpt;
	*top_idx = 257;
	s->window = sim_canonical(257ULL << 39);
}

static void sim_load_cr3(struct sim *s, int as)
{
	struct svx_vcpu *v = s->vcpu;

	if (s->mode == SIM_PAE && svx_mmu_load_pdptrs(v, s->cr3[as]))
		return;		/* #GP: the guest keeps its CR3 */
	s->cur = as;
	v->cr3 = s->cr3[as];
	svx_mmu_reset_context(v);
}

static void sim_gen_hot(struct sim *s)
{
	int rl = sim_root_level(s), n[5] = { 0 }, i[5] = { 0 }, l;

	for (l = 1; l <= rl; l++)
		sim_hot_idx(s, l, 0, &n[l]);
	s->nhot = 0;
	for (;;) {
		u64 gva = 0;

		for (l = 1; l <= rl; l++) {
			int dummy;

			gva |= (u64)sim_hot_idx(s, l, i[l], &dummy) <<
			       sim_shift(s, l);
		}
		if (s->mode == SIM_4L)
			gva = sim_canonical(gva);
		if (s->nhot < SIM_MAX_HOT)
			s->hot[s->nhot++] = gva;
		for (l = 1; l <= rl && ++i[l] == n[l]; l++)
			i[l] = 0;
		if (l > rl)
			break;
	}
}

void sim_gen_world(struct sim *s, enum sim_mode mode, int nas)
{
	struct svx_vcpu *v = s->vcpu;
	struct sim_table *top, *root;
	u32 top_idx;
	int as;

	S = s;
	s->mode = mode;
	s->ntables = 0;
	v->cr0 = X86_CR0_PE | X86_CR0_PG |
		 (rng_below(&s->rng, 100) < 60 ? X86_CR0_WP : 0);
	v->cr4 = mode == SIM_32 ? (rng_below(&s->rng, 2) ? X86_CR4_PSE : 0) :
		 X86_CR4_PAE;
	v->efer = mode == SIM_4L ? EFER_LME | EFER_LMA : 0;
	if (mode != SIM_32 && rng_below(&s->rng, 100) < 60)
		v->efer |= EFER_NX;
	if (rng_below(&s->rng, 100) < 35)
		v->cr4 |= X86_CR4_SMEP;
	if (rng_below(&s->rng, 100) < 35)
		v->cr4 |= X86_CR4_SMAP;
	v->rflags = 2;
	sim_gen_window(s, &top, &top_idx);
	s->nas = nas;
	for (as = 0; as < nas; as++) {
		root = sim_new_table(s, sim_root_level(s), false);
		if (!root)
			abort();
		sim_fill(s, root, 0);
		sim_write_entry(s, root->gfn, top_idx, (top->gfn << PAGE_SHIFT) |
				SVX_PTE_P |
				(mode == SIM_PAE ? 0 : SVX_PTE_RW | SVX_PTE_A));
		s->cr3[as] = root->gfn << PAGE_SHIFT;
	}
	s->top_idx = top_idx;
	sim_gen_hot(s);
	sim_load_cr3(s, 0);
	if (v->cr3 != s->cr3[0])
		abort();
}

/* 4-level, one address space, @n pages at GVA 0: writable, dirty, user. */
void sim_gen_flat(struct sim *s, int n)
{
	const u64 f = SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US | SVX_PTE_A |
		      SVX_PTE_D;
	struct sim_table *pml4, *pdpt, *pd, *pt = NULL;
	int i;

	S = s;
	s->mode = SIM_4L;
	s->ntables = 0;
	s->vcpu->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
	s->vcpu->cr4 = X86_CR4_PAE;
	s->vcpu->efer = EFER_LME | EFER_LMA | EFER_NX;
	pml4 = sim_new_table(s, 4, false);
	pdpt = sim_new_table(s, 3, false);
	pd = sim_new_table(s, 2, false);
	sim_write_entry(s, pml4->gfn, 0, (pdpt->gfn << PAGE_SHIFT) | f);
	sim_write_entry(s, pdpt->gfn, 0, (pd->gfn << PAGE_SHIFT) | f);
	for (i = 0; i < n; i++) {
		if (i % 512 == 0) {
			pt = sim_new_table(s, 1, false);
			sim_write_entry(s, pd->gfn, i / 512,
					(pt->gfn << PAGE_SHIFT) | f);
		}
		sim_write_entry(s, pt->gfn, i % 512,
				((u64)(256 + i % 768) << PAGE_SHIFT) | f);
	}
	s->nas = 1;
	s->cr3[0] = pml4->gfn << PAGE_SHIFT;
	sim_load_cr3(s, 0);
}

/* ---------------------------------------------------------------------- */
/* The CPU                                                                 */

static void sim_check_fresh_root(struct sim *s);

/* What the run loop does before a VM entry (vmx/run.c). */
static void sim_enter(struct sim *s)
{
	struct svx_vcpu *v = s->vcpu;
	bool load, flush;
	int r;

	if (test_and_clear_bit(SVX_REQ_MMU_RELOAD, &v->requests)) {
		v->mmu.root_hpa = 0;
		v->mmu.no_flush = false;
	}
	clear_bit(SVX_REQ_TLB_FLUSH, &v->requests);
	load = !v->mmu.root_hpa;
	flush = !v->mmu.no_flush;
	r = svx_mmu_reload(v);
	if (r == -ENOMEM && sim_fail_fired) {
		/* sim_fail_nth: KVM_RUN fails, the VMM runs again */
		sim_fail_fired = false;
		r = svx_mmu_reload(v);
	}
	if (r)
		sim_violation(s, "svx_mmu_reload: %d", r);
	else if (load && flush)
		sim_check_fresh_root(s);
}

/*
 * The shadow entries the CPU reads for @gva, from the root down: e[level]
 * for each level read, *@leaf the level of the last (a leaf, a 2 MiB
 * SPTE or one not present), *@table the shadow table holding it.  False
 * if there is no root or the PAE root entry is not present.
 */
static bool sim_shadow_path(struct sim *s, u64 gva, u64 e[5], int *leaf,
			    u64 **table)
{
	struct svx_vcpu *v = s->vcpu;
	u64 *t;
	int level = 4;

	if (!v->mmu.root_hpa)
		return false;
	t = svx_host_va(v->mmu.root_hpa);
	if (s->mode != SIM_4L) {
		gva = (u32)gva;
		e[3] = t[(gva >> 30) & 3];
		if (!(e[3] & SPTE_P))
			return false;
		t = svx_host_va(e[3] & SPTE_ADDR);
		level = 2;
	}
	for (;; level--) {
		e[level] = t[(gva >> (12 + 9 * (level - 1))) & 511];
		if (level == 1 || !(e[level] & SPTE_P) ||
		    (level == 2 && (e[level] & SPTE_PS)))
			break;
		t = svx_host_va(e[level] & SPTE_ADDR);
	}
	*leaf = level;
	*table = t;
	return true;
}

/*
 * Translate @gva through the shadow tables as the hardware does (4-level
 * or PAE paging, CR0.WP = 1, EFER.NXE = 1, the guest's CR4.SMEP/SMAP and
 * EFLAGS.AC).  0 and *@hpa, or 1 and the #PF error code in *@ec.
 */
/* Did the last successful sim_hw_walk() end in an unsync shadow page? */
static bool sim_hw_unsync;

static int sim_hw_walk(struct sim *s, u64 gva, u32 acc, u64 *hpa, u32 *ec)
{
	struct svx_vcpu *v = s->vcpu;
	bool w = true, u = true, x = true, sup = !(acc & SVX_ACC_USER);
	u64 e[5], *table, leaf_e;
	int leaf, level;

	*ec = acc & (SVX_PFERR_WRITE | SVX_PFERR_USER | SVX_PFERR_FETCH);
	if (acc & SVX_ACC_FETCH)
		*ec &= ~SVX_PFERR_WRITE;
	if (!sim_shadow_path(s, gva, e, &leaf, &table) ||
	    !(e[leaf] & SPTE_P))
		return 1;
	/* The PAE root entry (e[3] outside 4-level) has no permissions. */
	for (level = s->mode == SIM_4L ? 4 : 2; level >= leaf; level--) {
		w &= !!(e[level] & SPTE_W);
		u &= !!(e[level] & SPTE_U);
		if (e[level] & SVX_PTE_XD)
			x = false;
	}
	leaf_e = e[leaf];
	if (leaf == 1) {
		struct svx_sp *sp = svx_host_table_owner(svx_host_pa(table));

		sim_hw_unsync = sp && sp->unsync;
	} else {			/* 2 MiB SPTE */
		sim_hw_unsync = false;
		leaf_e = (leaf_e & SPTE_ADDR) + (((gva >> 12) & 511) << 12);
	}
	if (((acc & SVX_ACC_WRITE) && !(acc & SVX_ACC_FETCH) && !w) ||
	    ((acc & SVX_ACC_USER) && !u) || ((acc & SVX_ACC_FETCH) && !x) ||
	    (sup && u && (acc & SVX_ACC_FETCH) &&
	     (v->cr4 & X86_CR4_SMEP)) ||
	    (sup && u && !(acc & SVX_ACC_FETCH) && (v->cr4 & X86_CR4_SMAP) &&
	     !(v->rflags & SVX_RFLAGS_AC))) {
		*ec |= SVX_PFERR_PRESENT;
		return 1;
	}
	*hpa = (leaf_e & SPTE_ADDR) | (gva & ~PAGE_MASK);
	return 0;
}

/* Is the leaf SPTE for @gva an MMIO SPTE of an unsync shadow page? */
static bool sim_stale_mmio(struct sim *s, u64 gva)
{
	struct svx_sp *sp;
	u64 e[5], *table;
	int leaf;

	if (!sim_shadow_path(s, gva, e, &leaf, &table) || leaf != 1)
		return false;
	sp = svx_host_table_owner(svx_host_pa(table));
	return sp && sp->unsync && (e[1] & SPTE_MMIO);
}

static int sim_ref_read(void *ctx, uint64_t gpa, uint64_t *val,
			unsigned int size)
{
	struct sim *s = ctx;

	*val = 0;
	return svx_read_guest_phys(s->vm, gpa, val, size);
}

static void sim_ref_cpu(struct sim *s, int as, struct ref_cpu *c)
{
	struct svx_vcpu *v = s->vcpu;
	int i;

	memset(c, 0, sizeof(*c));
	c->cr0 = v->cr0;
	c->cr3 = s->cr3[as];
	c->cr4 = v->cr4;
	c->efer = v->efer;
	c->rflags = v->rflags;
	c->maxphyaddr = SIM_MAXPHYADDR;
	c->page1gb = true;
	c->read = sim_ref_read;
	c->ctx = s;
	for (i = 0; i < 4 && s->mode == SIM_PAE; i++)
		c->pdpte[i] = as == s->cur ? v->mmu.pdptrs[i] :
			      sim_read_gpa(s, (s->cr3[as] & 0xffffffe0) + 8 * i,
					   8);
}

#define SIM_ACC_MAP	BIT(31)

static void sim_ref(struct sim *s, int as, u64 gva, u32 acc,
		    struct ref_result *res)
{
	struct ref_access a = {
		.kind = (acc & SVX_ACC_FETCH) ? REF_FETCH :
			(acc & SVX_ACC_WRITE) ? REF_WRITE : REF_READ,
		.cpl3 = acc & SVX_ACC_USER,
		.no_ad = true,
	};
	struct ref_cpu c;

	sim_ref_cpu(s, as, &c);
	if (acc & SIM_ACC_MAP)		/* what maps @gva, whatever SMEP/SMAP */
		c.cr4 &= ~(u64)(X86_CR4_SMEP | X86_CR4_SMAP);
	ref_translate(&c, gva, &a, res);
}

/* The host frame behind @gfn, or ~0 (MMIO). */
static u64 sim_backing(struct sim *s, u64 gfn)
{
	u8 *p = sim_hva(s->vm, gfn << PAGE_SHIFT, false);

	return p ? (uintptr_t)p >> PAGE_SHIFT : ~0ULL;
}

/* Does the walk read a table (or fail to) outside writable RAM? */
static bool sim_tables_outside_ram(const struct ref_result *res)
{
	int i;

	if (res->status == -EFAULT)
		return true;
	for (i = 0; i < res->n; i++)
		if (res->e[i].addr != ~0ULL &&
		    res->e[i].addr >> PAGE_SHIFT >= SIM_RAM_PAGES)
			return true;
	return false;
}

/* Execute the harness's instruction on host memory at @hpa. */
static void sim_exec_insn(struct sim *s, u64 hpa)
{
	struct svx_vcpu *v = s->vcpu;
	u64 old = 0, new, reg_in, reg_out, flags, mask, rax;
	struct svx_rmw rmw;

	if (svx_decode_rmw(s->insn, sizeof(s->insn), sim_code_mode(v), &rmw))
		abort();
	if (rmw.op == SVX_RMW_CMPXCHG16B) {	/* RDX:RAX, RCX:RBX */
		u64 m[2], cmp[2] = { v->regs[SVX_RAX], v->regs[SVX_RDX] };
		u64 val[2] = { v->regs[SVX_RBX], v->regs[SVX_RCX] };

		memcpy(m, (void *)(uintptr_t)hpa, 16);
		if (m[0] == cmp[0] && m[1] == cmp[1]) {
			memcpy((void *)(uintptr_t)hpa, val, 16);
		} else {
			v->regs[SVX_RAX] = m[0];
			v->regs[SVX_RDX] = m[1];
		}
		return;
	}
	memcpy(&old, (void *)(uintptr_t)hpa, rmw.size);
	reg_in = v->regs[rmw.reg];
	rax = v->regs[SVX_RAX];
	if (rmw.op == SVX_RMW_CMPXCHG8B) {
		rax = (u32)rax | (u64)v->regs[SVX_RDX] << 32;
		reg_in = (u32)v->regs[SVX_RBX] | (u64)v->regs[SVX_RCX] << 32;
	}
	if (svx_rmw_exec(&rmw, old, reg_in, rax, &new, &reg_out, &flags,
			 &mask))
		memcpy((void *)(uintptr_t)hpa, &new, rmw.size);
}

void sim_access(struct sim *s, u64 gva, u32 acc)
{
	struct svx_vcpu *v = s->vcpu;
	struct ref_result res;
	int tries, r;
	u32 ec;
	u64 hpa;

	S = s;
	trace("access %#x at %#llx (rax %#lx)\n", acc, (unsigned long long)gva,
	      v->regs[SVX_RAX]);
	s->st.accesses++;
	s->retired = false;
	s->injected = false;
	s->internal_error = false;
	s->mmio_exit = false;
	v->rip = SIM_CODE_GVA;
	s->insn_gva = SIM_CODE_GVA;
	for (tries = 0; tries < 8; tries++) {
		sim_enter(s);
		if (!sim_hw_walk(s, gva, acc, &hpa, &ec)) {
			s->st.hw_ok++;
			sim_ref(s, s->cur, gva, acc, &res);
			/*
			 * Through an unsync page the CPU may use a translation
			 * the guest changed and has not flushed yet (as a TLB
			 * may): it must still land in guest memory.
			 */
			if (sim_hw_unsync) {
				s->st.stale_ok++;
				if (sim_page_index(s, hpa >> PAGE_SHIFT) < 0)
					sim_violation(s, "access %#x at gva %#llx through an unsync page reached hpa %#llx, outside guest memory",
						      acc, (unsigned long long)gva,
						      (unsigned long long)hpa);
				else if ((acc & SVX_ACC_WRITE) &&
					 !(acc & SVX_ACC_FETCH))
					sim_exec_insn(s, hpa);
				return;
			}
			if (res.status != 0)
				sim_violation(s, "the CPU completed access %#x at gva %#llx through the shadow tables, the guest's tables fault (%d, error %#x)",
					      acc, (unsigned long long)gva,
					      res.status, res.pf_error);
			else if (sim_backing(s, res.pa >> PAGE_SHIFT) !=
				 hpa >> PAGE_SHIFT)
				sim_violation(s, "access %#x at gva %#llx reached hpa %#llx, the guest maps gpa %#llx",
					      acc, (unsigned long long)gva,
					      (unsigned long long)hpa,
					      (unsigned long long)res.pa);
			else if ((acc & SVX_ACC_WRITE) &&
				 !(acc & SVX_ACC_FETCH) &&
				 !(res.e[res.n - 1].value & SVX_PTE_D))
				sim_violation(s, "write at gva %#llx completed while the guest's D bit is clear",
					      (unsigned long long)gva);
			if ((acc & SVX_ACC_WRITE) && !(acc & SVX_ACC_FETCH))
				sim_exec_insn(s, hpa);
			return;
		}
		s->st.faults++;
		r = sim_page_fault(v, gva, ec);
		trace("  fault ec %#x: %d%s%s%s\n", ec, r,
		      s->injected ? " injected" : "",
		      s->retired ? " emulated" : "",
		      s->mmio_exit ? " mmio" : "");
		if (r == -ENOMEM && sim_fail_fired) {
			/* sim_fail_nth: KVM_RUN fails, the VMM runs again */
			sim_fail_fired = false;
			continue;
		}
		if (s->injected) {
			s->st.injected++;
			sim_ref(s, s->cur, gva, acc, &res);
			if (res.status != 1)
				sim_violation(s, "#PF injected for access %#x at gva %#llx, the guest's tables allow it (%d)",
					      acc, (unsigned long long)gva,
					      res.status);
			return;
		}
		if (s->retired) {
			s->st.emulated++;
			return;
		}
		if (s->internal_error) {
			/* Fine if a guest table is outside writable RAM. */
			sim_ref(s, s->cur, gva, acc, &res);
			if (!sim_tables_outside_ram(&res))
				sim_violation(s, "internal error on access %#x at gva %#llx",
					      acc, (unsigned long long)gva);
			return;
		}
		if (s->mmio_exit) {
			s->st.mmio++;
			sim_ref(s, s->cur, gva, acc, &res);
			/* A stale MMIO translation of an unsync page. */
			if (sim_stale_mmio(s, gva)) {
				s->st.stale_ok++;
				return;
			}
			if (res.status != 0 ||
			    (sim_backing(s, res.pa >> PAGE_SHIFT) != ~0ULL &&
			     !((acc & SVX_ACC_WRITE) &&
			       res.pa >> PAGE_SHIFT >= SIM_ROM_GFN &&
			       res.pa >> PAGE_SHIFT < SIM_ROM_GFN + SIM_ROM_PAGES)))
				sim_violation(s, "MMIO exit for access %#x at gva %#llx, guest: %d gpa %#llx",
					      acc, (unsigned long long)gva,
					      res.status,
					      (unsigned long long)res.pa);
			return;
		}
		if (r != SVX_RESUME) {
			sim_violation(s, "shadow fault at gva %#llx: %d",
				      (unsigned long long)gva, r);
			return;
		}
	}
	sim_violation(s, "access %#x at gva %#llx: no progress after %d faults",
		      acc, (unsigned long long)gva, tries);
}

/* ---------------------------------------------------------------------- */
/* Steps                                                                   */

static u64 sim_rand_gva(struct sim *s)
{
	u64 off = rng_below(&s->rng, 4096) & ~7ULL;

	return s->hot[rng_below(&s->rng, s->nhot)] | off;
}

/* A write of what memory holds (through the guest's mapping) at @gva. */
static void sim_data_write(struct sim *s, u64 gva, u32 acc)
{
	struct svx_vcpu *v = s->vcpu;
	struct ref_result res;
	bool l64 = s->mode == SIM_4L;

	gva &= l64 ? ~7ULL : ~3ULL;
	sim_ref(s, s->cur, gva, acc, &res);
	v->regs[SVX_RAX] = 0;
	if (res.status == 0)
		svx_read_guest_phys(s->vm, res.pa, &v->regs[SVX_RAX],
				    l64 ? 8 : 4);
	memcpy(s->insn, l64 ? "\x48\x89\x07" : "\x89\x07\x90", 3);
	sim_access(s, gva, acc);
}

/*
 * lock cmpxchg16b [rdi] on the aligned pair of 64-bit entries holding @gpa,
 * replacing that entry with @e; one time in four with a stale comparand,
 * which must write nothing and load RDX:RAX with memory.
 */
static void sim_pt_write16(struct sim *s, u64 gpa, u64 e)
{
	struct svx_vcpu *v = s->vcpu;
	u64 pair = gpa & ~15ULL, cur[2], want[2];
	bool stale = rng_below(&s->rng, 4) == 0;
	int hi = !!(gpa & 8);

	cur[0] = sim_read_gpa(s, pair, 8);
	cur[1] = sim_read_gpa(s, pair + 8, 8);
	want[0] = cur[0];
	want[1] = cur[1];
	want[hi] = e;
	memcpy(s->insn, "\xf0\x48\x0f\xc7\x0f", 5);
	v->regs[SVX_RAX] = cur[0] ^ (stale ? 1 : 0);
	v->regs[SVX_RDX] = cur[1];
	v->regs[SVX_RBX] = want[0];
	v->regs[SVX_RCX] = want[1];
	sim_access(s, s->window + pair, SVX_ACC_WRITE);
	if (!s->retired)
		return;		/* not emulated (CPU path, #PF, MMIO ...) */
	s->st.cx16++;
	if (stale) {
		s->st.cx16_failed++;
		if (sim_read_gpa(s, pair, 8) != cur[0] ||
		    sim_read_gpa(s, pair + 8, 8) != cur[1] ||
		    v->regs[SVX_RAX] != cur[0] || v->regs[SVX_RDX] != cur[1])
			sim_violation(s, "cmpxchg16b with a stale comparand at gpa %#llx wrote memory or left RDX:RAX",
				      (unsigned long long)pair);
	} else if (sim_read_gpa(s, pair, 8) != want[0] ||
		   sim_read_gpa(s, pair + 8, 8) != want[1]) {
		sim_violation(s, "cmpxchg16b at gpa %#llx did not store RCX:RBX",
			      (unsigned long long)pair);
	}
}

/* The guest changes one entry of one of its tables, through the window. */
static void sim_pt_write(struct sim *s)
{
	struct svx_vcpu *v = s->vcpu;
	struct sim_table *t = NULL, *child;
	u64 gpa, e, old;
	int i, n;
	u32 idx;

	for (i = 0; i < 16 && !t; i++) {
		t = &s->tables[rng_below(&s->rng, s->ntables)];
		if (t->fixed)
			t = NULL;
	}
	if (!t)
		return;
	idx = sim_hot_idx(s, t->level, 0, &n);
	if (rng_below(&s->rng, 100) < 80)
		idx = sim_hot_idx(s, t->level, rng_below(&s->rng, n), &n);
	else
		idx = rng_below(&s->rng, sim_nent(s, t->level));
	if (t->level == sim_root_level(s) && idx == s->top_idx)
		return;		/* the window stays */
	e = sim_gen_entry(s, t->level, true, &child);
	gpa = (t->gfn << PAGE_SHIFT) + idx * sim_esz(s);
	old = sim_read_gpa(s, gpa, sim_esz(s));
	trace("pt write: table gfn %#llx level %d idx %u: %#llx -> %#llx\n",
	      (unsigned long long)t->gfn, t->level, idx,
	      (unsigned long long)old, (unsigned long long)e);
	s->st.pt_writes++;
	if (!rng_below(&s->rng, 8)) {
		/*
		 * The VMM writes the entry on the guest's behalf (as a task
		 * switch writes a TSS or a descriptor sharing the page):
		 * svx_mmu_track_write() must drop what derives from it.
		 */
		trace("  by the VMM\n");
		if (!sim_write_guest_phys(s->vm, gpa, &e, sim_esz(s))) {
			svx_mmu_track_write(v, gpa, sim_esz(s));
			s->st.vmm_writes++;
		}
		return;
	}
	if (s->mode == SIM_PAE) {
		/* cmpxchg8b [edi]: EDX:EAX = old, ECX:EBX = new */
		memcpy(s->insn, "\x0f\xc7\x0f", 3);
		v->regs[SVX_RAX] = (u32)old;
		v->regs[SVX_RDX] = old >> 32;
		v->regs[SVX_RBX] = (u32)e;
		v->regs[SVX_RCX] = e >> 32;
	} else if (s->mode == SIM_4L && rng_below(&s->rng, 8) == 0) {
		sim_pt_write16(s, gpa, e);
		return;
	} else if (s->mode == SIM_4L && rng_below(&s->rng, 5)) {
		memcpy(s->insn, "\x48\x89\x07", 3);	/* mov [rdi], rax */
		v->regs[SVX_RAX] = e;
	} else {
		memcpy(s->insn, "\x89\x07\x90", 3);	/* mov [edi], eax */
		v->regs[SVX_RAX] = (u32)e;
	}
	sim_access(s, s->window + gpa, SVX_ACC_WRITE);
}

void sim_invlpg(struct sim *s, u64 gva)
{
	struct ref_result res;
	u64 hpa;
	u32 ec;

	S = s;
	svx_mmu_invlpg(s->vcpu, gva);
	/* After INVLPG the CPU's translation of @gva is the guest's. */
	sim_enter(s);
	if (!sim_hw_walk(s, gva, 0, &hpa, &ec)) {
		sim_ref(s, s->cur, gva, 0, &res);
		if (res.status != 0 ||
		    sim_backing(s, res.pa >> PAGE_SHIFT) != hpa >> PAGE_SHIFT)
			sim_violation(s, "after INVLPG, gva %#llx still reaches hpa %#llx (guest: %d gpa %#llx)",
				      (unsigned long long)gva,
				      (unsigned long long)hpa, res.status,
				      (unsigned long long)res.pa);
	}
}

/* The leaf shadow page of @gva (4 KiB) in the current root, or NULL; mmu_lock. */
static struct svx_sp *sim_leaf_sp(struct sim *s, u64 gva)
{
	struct svx_sp *sp;
	int level;
	u64 e;

	for (sp = svx_walk_start(s->vcpu, gva, &level); sp && level > 1;
	     level--) {
		e = sp->spt[(gva >> (12 + 9 * (level - 1))) & 511];
		if (!(e & SPTE_P) || svx_is_large(e))
			return NULL;
		sp = svx_spt_to_sp(e);
	}
	return sp;
}

u64 sim_leaf_spte(struct sim *s, u64 gva)
{
	struct svx_sp *sp;
	u64 e;

	spin_lock(&s->vm->mmu_lock);
	sp = sim_leaf_sp(s, gva);
	e = sp ? sp->spt[(gva >> 12) & 511] : 0;
	spin_unlock(&s->vm->mmu_lock);
	return e;
}

void sim_zap_leaf(struct sim *s, u64 gva)
{
	unsigned int idx = (gva >> 12) & 511;
	struct svx_vm *vm = s->vm;
	struct svx_sp *sp;

	S = s;
	spin_lock(&vm->mmu_lock);
	sp = sim_leaf_sp(s, gva);
	if (sp)
		svx_drop_leaf(vm, &sp->spt[idx], svx_leaf_gfn(sp, idx));
	spin_unlock(&vm->mmu_lock);
}

u64 *sim_flat_table(struct sim *s, int i, u64 *gfn)
{
	*gfn = s->tables[i].gfn;
	return (u64 *)(s->mem + (*gfn << 12));
}

void sim_reload_root(struct sim *s)
{
	s->vcpu->mmu.root_hpa = 0;
	s->vcpu->mmu.no_flush = false;
}

unsigned long sim_touch_all(struct sim *s, int n, u32 acc)
{
	unsigned long f = s->st.faults;
	int i;

	for (i = 0; i < n; i++)
		sim_access(s, (u64)i << 12, acc);
	return s->st.faults - f;
}

bool sim_unsync(struct sim *s, u64 gfn)
{
	bool r;

	spin_lock(&s->vm->mmu_lock);
	r = svx_try_unsync(s->vcpu, gfn);
	spin_unlock(&s->vm->mmu_lock);
	return r;
}

int sim_fault(struct sim *s, u64 gva, u32 error_code)
{
	return sim_page_fault(s->vcpu, gva, error_code);
}

/*
 * Slot 2 appears over MMIO gfns, or goes, as core/vm.c handles
 * KVM_SET_USER_MEMORY_REGION: a new slot only bumps the generation (MMIO
 * SPTEs of the old one must not be used), a deleted one zaps everything.
 */
static void sim_plug(struct sim *s)
{
	u8 *hva = s->mem + (size_t)(SIM_RAM_PAGES + SIM_ROM_PAGES) * 4096;

	/* as core/vm.c: a change that cannot prepare its zap is -ENOMEM */
	if (svx_mmu_zap_prepare(s->vm))
		return;
	s->st.plugs++;
	if (!s->plugged) {
		trace("slot 2 created at gfn %#llx\n",
		      (unsigned long long)SIM_PLUG_GFN);
		sim_set_slot(s, 2, SIM_PLUG_GFN, SIM_PLUG_PAGES, hva, 0);
		svx_mmu_memslots_changed(s->vm, s->vm->memslots->generation);
	} else {
		trace("slot 2 deleted\n");
		sim_set_slot(s, 2, SIM_PLUG_GFN, 0, hva, 0);
		svx_mmu_zap_all(s->vm);
	}
	s->plugged = !s->plugged;
}

void sim_step(struct sim *s)
{
	u64 r = rng_below(&s->rng, 100);
	static const u32 accs[] = {
		0, SVX_ACC_WRITE, SVX_ACC_FETCH, SVX_ACC_USER,
		SVX_ACC_USER | SVX_ACC_WRITE, SVX_ACC_USER | SVX_ACC_FETCH,
	};
	u32 acc;

	S = s;
	if (sim_trace < 0)
		sim_trace = !!getenv("SVX_SIM_TRACE");
	s->st.steps++;
	if (r < 50) {
		acc = accs[rng_below(&s->rng, ARRAY_SIZE(accs))];
		if (acc & SVX_ACC_WRITE)
			sim_data_write(s, sim_rand_gva(s), acc);
		else
			sim_access(s, sim_rand_gva(s), acc);
	} else if (r < 58) {
		sim_data_write(s, s->window +
			       (rng_below(&s->rng, SIM_RAM_PAGES) << PAGE_SHIFT) +
			       (rng_below(&s->rng, 4096) & ~7ULL),
			       SVX_ACC_WRITE);
	} else if (r < 78) {
		sim_pt_write(s);
	} else if (r < 88) {
		u64 gva = sim_rand_gva(s);

		trace("invlpg %#llx\n", (unsigned long long)gva);
		s->st.invlpgs++;
		sim_invlpg(s, gva);
	} else if (r < 95) {
		int as = rng_below(&s->rng, s->nas);

		/* 4-level: now and then with PCID bit 63 (keep the TLB). */
		bool nf = s->mode == SIM_4L && rng_below(&s->rng, 3) == 0;

		trace("cr3 <- as %d (%#llx)%s\n", as,
		      (unsigned long long)s->cr3[as], nf ? " no flush" : "");
		s->st.cr3_switches++;
		sim_load_cr3(s, as);
		if (nf) {	/* as svx_set_cr3() does */
			s->vcpu->mmu.no_flush = true;
			s->st.nf_loads++;
		}
	} else if (r < 97) {
		static const u64 bits[] = { X86_CR0_WP, X86_CR4_SMEP,
					    X86_CR4_SMAP };
		int b = rng_below(&s->rng, ARRAY_SIZE(bits));
		u64 *cr = b ? &s->vcpu->cr4 : &s->vcpu->cr0;

		/* As svx_set_cr0()/svx_set_cr4() do. */
		*cr ^= bits[b];
		trace("cr%d <- %#llx\n", b ? 4 : 0, (unsigned long long)*cr);
		s->st.cr_toggles++;
		svx_mmu_reset_context(s->vcpu);
	} else if (r < 99) {
		sim_plug(s);
	} else {
		trace("zap all\n");
		/* as a memslot change (core/vm.c): -ENOMEM changes nothing */
		if (!svx_mmu_zap_prepare(s->vm)) {
			s->st.zap_alls++;
			svx_mmu_zap_all(s->vm);
		}
	}
}

/*
 * CR0.WP=0 with CR4.SMEP/SMAP (KVM's smep_andnot_wp and smap_andnot_wp
 * roles): the guest's kernel writes a read-only user page with CR4 SMEP/
 * SMAP bits @cr4_write, which mmu.c maps writable and supervisor-only,
 * then with bits @cr4_then makes access @acc to it, which the guest's
 * tables refuse.  Returns the violations; *@injected: the #PF was injected.
 */
unsigned long sim_wp0_case(struct sim *s, u64 cr4_write, u64 cr4_then,
			   u32 acc, bool *injected)
{
	struct svx_vcpu *v = s->vcpu;
	unsigned long before = s->st.violations;

	sim_gen_flat(s, 4);
	/* GVA 0: present, user, read-only (tables: PML4, PDPT, PD, PT). */
	sim_write_entry(s, s->tables[3].gfn, 0, (256ULL << PAGE_SHIFT) |
			SVX_PTE_P | SVX_PTE_US | SVX_PTE_A | SVX_PTE_D);
	svx_mmu_zap_all(s->vm);
	v->cr0 &= ~(u64)X86_CR0_WP;
	v->cr4 = X86_CR4_PAE | cr4_write;
	svx_mmu_reset_context(v);
	trace("wp0 case: cr4 %#llx, supervisor write\n",
	      (unsigned long long)v->cr4);
	sim_data_write(s, 0x10, SVX_ACC_WRITE);
	if (s->injected)
		sim_violation(s, "CR0.WP=0: supervisor write to a read-only page faulted");
	sim_check(s);
	v->cr4 = X86_CR4_PAE | cr4_then;
	svx_mmu_reset_context(v);
	trace("wp0 case: cr4 %#llx, access %#x\n",
	      (unsigned long long)v->cr4, acc);
	sim_access(s, 0x20, acc);
	*injected = s->injected;
	sim_check(s);
	return s->st.violations - before;
}

/*
 * A memslot appears over a gfn the guest maps as MMIO (core/vm.c: the
 * memslot generation moves on, nothing is zapped): the MMIO SPTE cached
 * for it in the older generation must not be used, the next access maps
 * the new slot's page.  The random sequences reach this only now and then
 * (a sim_plug() between two accesses to one of its gfns).  Returns the
 * violations; *@stale: the MMU found the MMIO SPTE stale by its generation.
 */
unsigned long sim_mmio_gen_case(struct sim *s, bool *stale)
{
	struct svx_vcpu *v = s->vcpu;
	unsigned long before = s->st.violations, st;
	const u64 gva = 0x40;

	sim_gen_flat(s, 4);
	/* GVA 0: the first page of slot 2's range, not plugged yet. */
	sim_write_entry(s, s->tables[3].gfn, 0, (SIM_PLUG_GFN << PAGE_SHIFT) |
			SVX_PTE_P | SVX_PTE_RW | SVX_PTE_US | SVX_PTE_A |
			SVX_PTE_D);
	if (svx_mmu_zap_prepare(s->vm))
		abort();
	svx_mmu_zap_all(s->vm);
	trace("mmio generation case: two reads of the MMIO gfn\n");
	sim_access(s, gva, 0);
	if (!s->mmio_exit)
		sim_violation(s, "read of MMIO gfn %#llx: no MMIO exit",
			      (unsigned long long)SIM_PLUG_GFN);
	if (!(sim_leaf_spte(s, gva) & SPTE_MMIO))
		sim_violation(s, "read of MMIO gfn %#llx: no MMIO SPTE",
			      (unsigned long long)SIM_PLUG_GFN);
	sim_access(s, gva, 0);
	if (s->plugged || svx_mmu_zap_prepare(s->vm))
		abort();
	sim_plug(s);
	st = v->stats.mmu[SVX_MMU_MMIO_STALE];
	trace("mmio generation case: read after the slot appeared\n");
	/* An MMIO exit now is a violation (sim_access()). */
	sim_access(s, gva, 0);
	*stale = v->stats.mmu[SVX_MMU_MMIO_STALE] > st;
	if (!(sim_leaf_spte(s, gva) & SPTE_P))
		sim_violation(s, "read of gfn %#llx after its slot appeared: no SPTE",
			      (unsigned long long)SIM_PLUG_GFN);
	sim_check(s);
	return s->st.violations - before;
}

/* ---------------------------------------------------------------------- */
/* The invariants                                                          */

static struct svx_sp *sim_find_sp(struct sim *s, u64 gfn,
				  union svx_sp_role role)
{
	struct hlist_head *h;
	struct svx_sp *sp;

	h = &s->vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)];
	hlist_for_each_entry(sp, h, hash_link)
		if (sp->gfn == gfn && sp->role.word == role.word)
			return sp;
	return NULL;
}

/* Is @sptep in the reverse map under @gfn?  (Its back-reference says where.) */
static bool sim_in_rmap(struct sim *s, u64 gfn, u64 *sptep)
{
	u64 ***back = svx_rmap_backref(sptep, NULL);
	struct svx_rmap *d;
	unsigned int i;

	if (!back || !*back || **back != sptep)
		return false;
	for (d = svx_rmap_head(s->vm, gfn); d; d = d->more)
		for (i = 0; i < d->n; i++)
			if (&d->sptep[i] == *back)
				return true;
	return false;
}

/*
 * Unsync shadow pages leave a guest table writable and may hold entries
 * the guest changed but did not flush yet: their leaves are not compared
 * with the guest's, and a writable mapping of a table whose shadow pages
 * are all unsync is fine.
 */
static bool sim_sp_unsync(const struct svx_sp *sp)
{
	return sp->unsync;
}

/* Is @gfn shadowed by a shadow page that is kept in sync? */
static bool sim_gfn_sync_shadowed(struct sim *s, u64 gfn)
{
	struct hlist_head *h;
	struct svx_sp *sp;

	h = &s->vm->sp_hash[svx_hash(gfn, SVX_SP_HASH_BITS)];
	hlist_for_each_entry(sp, h, hash_link)
		if (sp->gfn == gfn && !sp->role.direct && !sim_sp_unsync(sp))
			return true;
	return false;
}

/* Writable leaf SPTEs seen by sim_check_all_sps(). */
static unsigned long sim_writable;

/* The shadow pages on the path to the leaf being checked (for traces). */
static struct svx_sp *sim_path[5];

/* One leaf SPTE (present or MMIO) for @gva in address space @as. */
static void sim_check_leaf(struct sim *s, int as, u64 gva, u64 e, u64 gfn)
{
	bool wp = s->vcpu->cr0 & X86_CR0_WP, nxe = s->vcpu->efer & EFER_NX;
	struct ref_result res;
	u64 pfn = (e & SPTE_ADDR) >> PAGE_SHIFT;
	const char *why = NULL;

	/* An MMIO SPTE of an older memslot generation is never used. */
	if (!(e & SPTE_P) && (e & SPTE_MMIO_GEN) !=
	    svx_mmio_gen_bits(s->vm->memslots->generation))
		return;
	s->st.sptes_checked++;
	sim_ref(s, as, gva, SIM_ACC_MAP, &res);
	if (res.status != 0)
		why = "the guest does not map the gva";
	else if (res.pa >> PAGE_SHIFT != gfn)
		why = "gfn differs from the guest's";
	else if ((e & SPTE_P) && sim_backing(s, gfn) != pfn)
		why = "pfn is not the memslot's page for the gfn";
	else if (!(e & SPTE_P) && sim_l1tf_bits &&
		 (e & SPTE_ADDR) < BIT_ULL(sim_l1tf_bits - 1))
		/* Below l1tf_pfn_limit(): the CPU may read that page into L1D. */
		why = "MMIO SPTE address in the host's RAM range (L1TF)";
	else if (!(e & SPTE_P) && (svx_mmio_gpa(e) >> PAGE_SHIFT != gfn ||
				   sim_backing(s, gfn) != ~0ULL))
		why = "MMIO SPTE for RAM or for another gfn";
	else if ((e & SPTE_W) && !res.perm_w && (wp || (e & SPTE_U)))
		why = "writable, the guest's entries are not";
	else if ((e & SPTE_W) && !(res.e[res.n - 1].value & SVX_PTE_D))
		why = "writable while the guest's D bit is clear";
	else if ((e & SPTE_U) && !res.perm_u)
		why = "user, the guest's entries are supervisor";
	else if ((e & SPTE_P) && nxe && !(e & SVX_PTE_XD) && !res.perm_x)
		why = "executable, the guest's entries are not";
	else if ((e & SPTE_P) && !(e & SPTE_U) && !(e & SVX_PTE_XD) &&
		 res.perm_u && (s->vcpu->cr4 & X86_CR4_SMEP))
		why = "supervisor and executable, the guest's page is user and CR4.SMEP is set";
	else if (!(e & SPTE_U) && res.perm_u &&
		 (s->vcpu->cr4 & X86_CR4_SMAP) &&
		 !(s->vcpu->rflags & SVX_RFLAGS_AC))
		/* (the sim never writes with EFLAGS.AC = 1, see mmu.c) */
		why = "supervisor, the guest's page is user and CR4.SMAP is set";
	for (int l = 4; why && sim_trace > 0 && l >= 1; l--)
		if (sim_path[l])
			trace("  path: level %d sp gfn %#llx role %#x (direct %d access %d quadrant %d)\n",
			      l, (unsigned long long)sim_path[l]->gfn,
			      sim_path[l]->role.word, sim_path[l]->role.direct,
			      sim_path[l]->role.access,
			      sim_path[l]->role.quadrant);
	if (why)
		sim_violation(s, "as %d gva %#llx: SPTE %#llx (gfn %#llx): %s (guest: status %d gpa %#llx w%d u%d x%d)",
			      as, (unsigned long long)gva,
			      (unsigned long long)e, (unsigned long long)gfn,
			      why, res.status, (unsigned long long)res.pa,
			      res.perm_w, res.perm_u, res.perm_x);
}

/* A 2 MiB SPTE: each of its 4 KiB pages as a leaf, and its range. */
static void sim_check_large(struct sim *s, int as, struct svx_sp *sp,
			    unsigned int i, u64 gva, u64 e)
{
	u64 gfn = svx_leaf_gfn(sp, i);
	unsigned int j;

	s->st.large_sptes_checked++;
	if (gfn & 511)
		sim_violation(s, "2 MiB SPTE %#llx for unaligned gfn %#llx",
			      (unsigned long long)e, (unsigned long long)gfn);
	for (j = 0; j < 512; j++) {
		u64 g = gva + ((u64)j << 12);

		if (s->mode == SIM_4L)
			g = sim_canonical(g);
		sim_check_leaf(s, as, g, (e & ~(SPTE_PS | SPTE_ADDR)) |
			       ((e & SPTE_ADDR) + ((u64)j << 12)), gfn + j);
	}
}

static void sim_check_tree(struct sim *s, int as, struct svx_sp *sp, u64 base,
			   bool fresh)
{
	int level = sp->role.level;
	unsigned int i;

	sim_path[level] = sp;
	if (fresh && sp->unsync)
		s->st.fresh_unsync++;

	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i];
		u64 gva = base | ((u64)i << (12 + 9 * (level - 1)));

		if (level == 2 && svx_is_large(e)) {
			sim_check_large(s, as, sp, i, gva, e);
			continue;
		}
		if (level > 1) {
			if (e & SPTE_P)
				sim_check_tree(s, as, svx_spt_to_sp(e), gva,
					       fresh);
			continue;
		}
		if (s->mode == SIM_4L)
			gva = sim_canonical(gva);
		if ((e & (SPTE_P | SPTE_MMIO)) && (fresh || !sim_sp_unsync(sp)))
			sim_check_leaf(s, as, gva, e, svx_leaf_gfn(sp, i));
	}
}

/* Every SPTE reachable from the roots of every address space. */
static void sim_check_roots(struct sim *s)
{
	struct svx_vcpu *v = s->vcpu;
	bool hw = v->mmu.root_hpa &&
		  !test_bit(SVX_REQ_MMU_RELOAD, &v->requests);
	union svx_sp_role role;
	struct svx_sp *sp;
	struct ref_cpu c;
	int as, i;

	for (as = 0; as < s->nas; as++) {
		bool cur = as == s->cur && hw, pae_bad = false;

		memset(sim_path, 0, sizeof(sim_path));
		if (s->mode == SIM_4L) {
			role = svx_base_role(v, 4);
			sp = cur ? v->mmu.root_sp :
			     sim_find_sp(s, s->cr3[as] >> PAGE_SHIFT, role);
			if (sp)
				sim_check_tree(s, as, sp, 0, false);
			continue;
		}
		sim_ref_cpu(s, as, &c);
		if (s->mode == SIM_PAE && !cur) {
			struct svx_walk_env env;

			svx_walk_env(v, &env);
			env.cr3 = s->cr3[as];
			pae_bad = svx_walk_load_pdptes(&env) != 0;
		}
		for (i = 0; i < 4; i++) {
			u64 e;

			role = svx_base_role(v, 2);
			if (cur) {
				e = v->mmu.pae_root[i];
				sp = (e & SPTE_P) ? svx_spt_to_sp(e) : NULL;
			} else if (s->mode == SIM_32) {
				role.quadrant = i;
				sp = sim_find_sp(s, s->cr3[as] >> PAGE_SHIFT,
						 role);
			} else {
				/* PDPTEs the guest could not load: skip it. */
				if (pae_bad)
					break;
				e = c.pdpte[i];
				sp = (e & SVX_PTE_P) && !(e & BIT_ULL(51)) ?
				     sim_find_sp(s, (e & SPTE_ADDR) >>
						 PAGE_SHIFT, role) : NULL;
			}
			if (sp)
				sim_check_tree(s, as, sp, (u64)i << 30, false);
		}
	}
}

/*
 * Right after a root load that flushes the guest's TLB: no SPTE reachable
 * from the root may be stale, unsync pages included (they were resynced,
 * as a TLB is emptied), as if each were a fresh guest walk.
 */
static void sim_check_fresh_root(struct sim *s)
{
	struct svx_vcpu *v = s->vcpu;
	int i;

	s->st.fresh_roots++;
	memset(sim_path, 0, sizeof(sim_path));
	if (s->mode == SIM_4L) {
		if (v->mmu.root_sp)
			sim_check_tree(s, s->cur, v->mmu.root_sp, 0, true);
		return;
	}
	for (i = 0; i < 4; i++)
		if (v->mmu.pae_root[i] & SPTE_P)
			sim_check_tree(s, s->cur, svx_spt_to_sp(v->mmu.pae_root[i]),
				       (u64)i << 30, true);
}

/* The live shadow pages, sorted, to look a pointer up. */
static int sim_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static bool sim_sp_live(struct svx_sp **sps, size_t n, const void *sp)
{
	return bsearch(&sp, sps, n, sizeof(*sps), sim_ptr_cmp);
}

/*
 * Parent SPTEs and unsync marks, both ways: each link SPTE of a live
 * shadow page points at a live page that records it among its parents;
 * each recorded parent is a link SPTE, of a live page one level up, that
 * points at the page (so, counting, no record is there twice); nparents
 * counts them; no descriptor is empty.  Each level-2+ page counts its
 * marks right, and a link to a page that is unsync or has unsync children
 * is marked, so a walk along the marks from any root reaches every unsync
 * page below it.
 */
static void sim_check_parents(struct sim *s)
{
	struct svx_vm *vm = s->vm;
	unsigned long links = 0, records = 0;
	struct svx_sp **sps, *sp;
	size_t n = 0, k;
	unsigned int i;

	sps = calloc(vm->nr_sps + 1, sizeof(*sps));
	if (!sps)
		abort();
	list_for_each_entry(sp, &vm->sp_list, link)
		if (n <= vm->nr_sps)
			sps[n++] = sp;
	if (n != vm->nr_sps)
		sim_violation(s, "nr_sps %lu, %zu shadow pages listed",
			      vm->nr_sps, n);
	qsort(sps, n, sizeof(*sps), sim_ptr_cmp);
	for (k = 0; k < n; k++) {
		struct svx_pdesc *d;
		unsigned int nrec = 0, marks = 0;
		u64 *rec[1 + 64];
		int nr = 0, j;

		sp = sps[k];
		/* This page's parent records. */
		if (sp->parent)
			rec[nr++] = sp->parent;
		for (d = sp->pdesc; d; d = d->more) {
			bool empty = true;

			for (j = 0; j < SVX_PDESC_N; j++) {
				if (!d->sptep[j])
					continue;
				empty = false;
				if (nr < (int)ARRAY_SIZE(rec))
					rec[nr++] = d->sptep[j];
				else
					nrec++;
			}
			if (empty)
				sim_violation(s, "sp gfn %#llx level %d: empty parent descriptor",
					      (unsigned long long)sp->gfn,
					      sp->role.level);
		}
		nrec += nr;
		records += nrec;
		if (nrec != sp->nparents)
			sim_violation(s, "sp gfn %#llx level %d: nparents %u, %u parent records",
				      (unsigned long long)sp->gfn, sp->role.level,
				      sp->nparents, nrec);
		for (j = 0; j < nr; j++) {
			struct svx_sp *p = svx_sptep_to_sp(rec[j]);

			s->st.parents_checked++;
			if (!sim_sp_live(sps, n, p) ||
			    p->role.level != sp->role.level + 1 ||
			    !svx_is_link(*rec[j]) ||
			    svx_spt_to_sp(*rec[j]) != sp)
				sim_violation(s, "sp gfn %#llx level %d: parent record %p (SPTE %#llx) is not a link to it from a shadow page one level up",
					      (unsigned long long)sp->gfn,
					      sp->role.level, (void *)rec[j],
					      (unsigned long long)*rec[j]);
		}
		if (sp->role.level == 1)
			continue;
		/* This page's links and marks. */
		for (i = 0; i < 512; i++) {
			u64 e = sp->spt[i];
			struct svx_sp *c;
			bool found;

			if (test_bit(i, sp->unsync_child_bitmap))
				marks++;
			if (!svx_is_link(e))
				continue;
			links++;
			c = svx_spt_to_sp(e);
			if (!sim_sp_live(sps, n, c)) {
				sim_violation(s, "sp gfn %#llx level %d entry %u links to %p, not a live shadow page",
					      (unsigned long long)sp->gfn,
					      sp->role.level, i, (void *)c);
				continue;
			}
			found = c->parent == &sp->spt[i];
			for (d = c->pdesc; d && !found; d = d->more)
				for (j = 0; j < SVX_PDESC_N; j++)
					found |= d->sptep[j] == &sp->spt[i];
			if (!found)
				sim_violation(s, "sp gfn %#llx level %d entry %u links to sp gfn %#llx, which does not record it as a parent",
					      (unsigned long long)sp->gfn,
					      sp->role.level, i,
					      (unsigned long long)c->gfn);
			s->st.marks_checked++;
			if ((c->unsync || c->unsync_children) &&
			    !test_bit(i, sp->unsync_child_bitmap))
				sim_violation(s, "sp gfn %#llx level %d entry %u leads to %s sp gfn %#llx level %d and is not marked unsync",
					      (unsigned long long)sp->gfn,
					      sp->role.level, i,
					      c->unsync ? "unsync" : "the unsync children of",
					      (unsigned long long)c->gfn,
					      c->role.level);
		}
		if (marks != sp->unsync_children)
			sim_violation(s, "sp gfn %#llx level %d: unsync_children %u, %u marks",
				      (unsigned long long)sp->gfn, sp->role.level,
				      sp->unsync_children, marks);
	}
	if (links != records)
		sim_violation(s, "%lu link SPTEs, %lu parent records",
			      links, records);
	free(sps);
}

/* The 2 MiB SPTEs of level-2 shadow page @sp; returns the pins they hold. */
static unsigned long sim_check_large_leaves(struct sim *s, struct svx_sp *sp,
					    int *want)
{
	unsigned long pinned = 0;
	unsigned int i, j;

	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i], gfn = svx_leaf_gfn(sp, i);
		u64 pfn = (e & SPTE_ADDR) >> PAGE_SHIFT;
		long p = sim_page_index(s, pfn);

		if (!svx_is_large(e))
			continue;
		for (j = 0; j < 512; j++) {
			if (sim_backing(s, gfn + j) != pfn + j) {
				sim_violation(s, "2 MiB SPTE %#llx for gfn %#llx does not map the memslot's pages",
					      (unsigned long long)e,
					      (unsigned long long)gfn);
				break;
			}
			if (p >= 0)
				want[p + j]++;
			if ((e & SPTE_W) && sim_gfn_sync_shadowed(s, gfn + j))
				sim_violation(s, "gfn %#llx is a shadowed guest table and a writable 2 MiB SPTE maps it",
					      (unsigned long long)(gfn + j));
		}
		pinned += 512;
		if (e & SPTE_W)
			sim_writable++;
		if ((e & SPTE_W) &&
		    !sim_in_rmap(s, gfn | SVX_RMAP_LARGE, &sp->spt[i]))
			sim_violation(s, "writable 2 MiB SPTE for gfn %#llx is not in the reverse map",
				      (unsigned long long)gfn);
	}
	return pinned;
}

/*
 * Every leaf of every shadow page: maps the memslot's page for its gfn,
 * is in the reverse map if writable, is not writable if its gfn is a
 * shadowed guest table; and the pin counts are what the SPTEs hold.
 */
/*
 * svx_mmu_nx_cleared() looks only at the pages that noted an entry NXE = 1
 * may have made (sp->nx_made): a leaf with XD, an MMIO SPTE, a link to a
 * page whose path had XD.  Such an entry in a page without the note would
 * outlive the guest's NXE 1 -> 0.
 */
static void sim_check_nx_made(struct sim *s, struct svx_sp *sp)
{
	unsigned int i;

	if (sp->nx_made)
		return;
	for (i = 0; i < 512; i++) {
		u64 e = sp->spt[i];

		if (sp->role.level > 1 && svx_is_link(e) ?
		    !(svx_spt_to_sp(e)->role.access & SVX_P_X) :
		    svx_spte_nx_made(e))
			sim_violation(s,
				      "gfn %#llx level %d entry %u (%#llx): NXE=1's, no nx_made",
				      (unsigned long long)sp->gfn,
				      sp->role.level, i,
				      (unsigned long long)e);
	}
}

static void sim_check_all_sps(struct sim *s)
{
	struct svx_vm *vm = s->vm;
	unsigned long pinned = 0;
	struct svx_sp *sp;
	int *want, i;
	long nrmap;

	sim_writable = 0;
	want = calloc(SIM_PAGES, sizeof(*want));
	if (!want)
		abort();
	list_for_each_entry(sp, &vm->sp_list, link) {
		sim_check_nx_made(s, sp);
		if (sp->role.level == 2)
			pinned += sim_check_large_leaves(s, sp, want);
		if (sp->role.level != 1)
			continue;
		for (i = 0; i < 512; i++) {
			u64 e = sp->spt[i], gfn = svx_leaf_gfn(sp, i);
			long p;

			if (!(e & SPTE_P))
				continue;
			if (sim_backing(s, gfn) != (e & SPTE_ADDR) >> PAGE_SHIFT)
				sim_violation(s, "SPTE %#llx for gfn %#llx does not map the memslot's page",
					      (unsigned long long)e,
					      (unsigned long long)gfn);
			if (e & SPTE_PINNED) {
				pinned++;
				p = sim_page_index(s, (e & SPTE_ADDR) >>
						   PAGE_SHIFT);
				if (p >= 0)
					want[p]++;
			}
			if (!(e & SPTE_W))
				continue;
			sim_writable++;
			if (sim_gfn_sync_shadowed(s, gfn))
				sim_violation(s, "gfn %#llx is a shadowed guest table and a writable SPTE maps it",
					      (unsigned long long)gfn);
			if (!sim_in_rmap(s, gfn, &sp->spt[i]))
				sim_violation(s, "writable SPTE for gfn %#llx is not in the reverse map",
					      (unsigned long long)gfn);
		}
	}
	for (i = 0; i < SIM_PAGES; i++)
		if (want[i] != s->pins[i])
			sim_violation(s, "page %d: %d pins, %d pinned SPTEs",
				      i, s->pins[i], want[i]);
	if (pinned != vm->pages_pinned)
		sim_violation(s, "pages_pinned %lu, %lu pinned SPTEs",
			      vm->pages_pinned, pinned);
	/* ... and the reverse map holds those writable SPTEs and no other. */
	nrmap = svx_rmap_audit(vm);
	if (nrmap < 0)
		sim_violation(s, "reverse map: bad descriptor, key or back-reference");
	else if ((unsigned long)nrmap != sim_writable)
		sim_violation(s, "reverse map: %ld SPTEs, %lu writable leaf SPTEs",
			      nrmap, sim_writable);
	free(want);
}

/*
 * The count of shadowed guest tables per 2 MiB region (mmu/page_track.c)
 * against the shadow pages in the hash, for every region of guest memory.
 */
static void sim_check_regions(struct sim *s)
{
	u64 r, end = SIM_ROM_GFN + SIM_ROM_PAGES;
	struct svx_sp *sp;
	unsigned int b;
	bool any;

	for (r = 0; r < end; r += 512) {
		any = false;
		for (b = 0; b < 1U << SVX_SP_HASH_BITS; b++)
			hlist_for_each_entry(sp, &s->vm->sp_hash[b], hash_link)
				any |= !sp->role.direct && sp->gfn >= r &&
				       sp->gfn < r + 512;
		if (svx_range_shadowed(s->vm, r) != any)
			sim_violation(s, "2 MiB at gfn %#llx: counted %sshadowed, hash: %s table",
				      (unsigned long long)r,
				      any ? "not " : "", any ? "a" : "no");
	}
}

unsigned long sim_check(struct sim *s)
{
	unsigned long before = s->st.violations;

	S = s;
	sim_check_roots(s);
	sim_check_all_sps(s);
	sim_check_parents(s);
	sim_check_regions(s);
	return s->st.violations - before;
}

/* ---------------------------------------------------------------------- */
/* The reverse map on its own (test_rmap.c, bench_rmap.c)                  */

/*
 * A level-1 shadow page of the VM that no guest table has: its 512 entries
 * are SPTE slots for the reverse-map tests.  Not in the hash or sp_list,
 * so the invariant check and the zaps leave it alone.
 */
u64 *sim_leaf_table(struct sim *s)
{
	struct svx_mmu_cache *c = &s->vcpu->mmu.cache;
	struct svx_sp *sp;

	if (svx_mmu_topup(s->vcpu))
		abort();
	sp = c->sps[--c->nsps];
	memset(sp, 0, sizeof(*sp));
	sp->spt = c->pages[--c->npages];
	svx_host_set_table_owner(sp->spt, sp);
	sp->role.level = 1;
	sp->role.direct = 1;
	s->vm->nr_sps++;
	s->vm->sp_in_use++;
	return sp->spt;
}

/* Free it; its entries must be out of the reverse map (or zero). */
void sim_leaf_table_free(struct sim *s, u64 *spt)
{
	svx_free_sp(s->vm, svx_host_table_owner(svx_host_pa(spt)));
}

/* Put @sptep in the reverse map under @gfn (the vCPU's cache topped up). */
void sim_rmap_add(struct sim *s, u64 gfn, u64 *sptep)
{
	if (svx_mmu_topup(s->vcpu) ||
	    !svx_rmap_add(s->vm, &s->vcpu->mmu.cache, gfn, sptep))
		abort();
}

void sim_rmap_del(struct sim *s, u64 gfn, u64 *sptep)
{
	svx_rmap_del(s->vm, gfn, sptep);
}

/* Write-protect @gfn (clear W in its SPTEs; they leave the reverse map). */
bool sim_rmap_write_protect(struct sim *s, u64 gfn)
{
	return svx_write_protect(s->vm, gfn);
}

unsigned long sim_rmap_walk(struct sim *s, u64 gfn, u64 **out,
			    unsigned long max)
{
	struct svx_rmap_iter it;
	unsigned long n = 0;
	u64 *sptep;

	svx_rmap_for_each(s->vm, gfn, it, sptep) {
		if (n < max)
			out[n] = sptep;
		n++;
	}
	return n;
}

long sim_rmap_audit(struct sim *s)
{
	return svx_rmap_audit(s->vm);
}
