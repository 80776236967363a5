/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the shadow MMU (mmu/mmu.c) needs from its host, and nothing else.
 *
 * mmu.c is host-agnostic: it compiles into the module and, unchanged, into
 * tools/testing/mmu, where a fake guest RAM, a malloc page allocator and a
 * small "CPU" that walks the shadow tables stand in for the kernel.  Generic
 * kernel library calls (lists, hashes, kmalloc, spinlocks, RCU, bitops) are
 * used as they are; tools/testing/mmu/shim/ has userspace versions.  What is
 * specific to running on a host kernel is here:
 *
 *  - table pages: zeroed, page-aligned, with a "physical" address for SPTEs
 *    and an owner (the shadow page) found again from that address;
 *  - the host pages behind guest memory: pinned while a leaf SPTE maps them;
 *  - guest memory at a GPA, atomically (the walker's A/D updates and the
 *    emulated guest page-table writes);
 *  - the guest CR3 the CPU uses, the CPU's features, the audit counters;
 *  - from core/: the memslot lookup and guest memory reads;
 *  - from vmx/: vCPU requests, #PF injection, the guest's mode, MMIO
 *    exits, internal errors.
 *
 * The MMU decodes no instruction: a write to a write-protected guest table
 * returns SVX_EMULATE, the exit handler emulates it (x86/emulate.c) and
 * reports the write back (svx_mmu_pte_write()).
 *
 * The kernel implements the svx_host_* functions in core/mmu_host.c and the
 * others in core/ and vmx/; the userspace harness implements this header,
 * and nothing more, in tools/testing/mmu/mmu_sim.c.
 * Guest registers (CR0/CR3/CR4/EFER, RFLAGS, GPRs) are plain fields of
 * struct svx_vcpu; the counters are struct svx_stats; the trace hooks are
 * include/svx_trace.h (no-ops in userspace).
 */
#ifndef SVX_MMU_MMU_HOST_H
#define SVX_MMU_MMU_HOST_H

#include <linux/types.h>

struct svx_vm;
struct svx_vcpu;
struct svx_memslot;

/* Return values of exit handlers (and of svx_mmu_page_fault()). */
#define SVX_RESUME	1	/* re-enter the guest */
#define SVX_USER	0	/* return to userspace, run->exit_reason set */
/*
 * svx_mmu_page_fault() only: the access is a write to a write-protected
 * guest page table at vcpu->mmu.emulate_gpa.  The exit handler emulates
 * the instruction (x86/emulate.c) and reports its write with
 * svx_mmu_pte_write(), or, if it cannot, calls svx_mmu_unprotect_gfn()
 * (KVM's RET_PF_EMULATE).
 */
#define SVX_EMULATE	2

/*
 * Fault injection (tests): true if this fallible operation of the calling
 * task is to fail.  mmu/ asks it before each allocation of its own
 * (kzalloc & co.); svx_host_alloc_table() and the svx_host_pin_*() ask it
 * themselves.  The kernel: core/fault_inject.c (debugfs fail_nth); the
 * simulator: sim_fail_nth in tools/testing/mmu/mmu_sim.c.
 */
bool svx_host_should_fail(void);
#define svx_mmu_fallible(expr)						\
	(svx_host_should_fail() ? (typeof(expr))0 : (expr))

/* A zeroed table page (below 4 GiB if @dma32), or NULL. */
u64 *svx_host_alloc_table(bool dma32);
void svx_host_free_table(void *table);
/* The address the CPU uses for @table, and back. */
u64 svx_host_pa(const void *table);
void *svx_host_va(u64 pa);
/* The shadow page owning the table at @pa (as set below). */
void *svx_host_table_owner(u64 pa);
void svx_host_set_table_owner(void *table, void *owner);

/*
 * Pin the host page behind @gfn of slot @s (writable unless the slot is
 * read-only) and return its frame number.  0, or -errno.
 */
int svx_host_pin_gfn(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		     u64 gfn, u64 *pfn);
/* Drop a pin; @dirty: the page was mapped writable. */
void svx_host_unpin(u64 pfn, bool dirty);
/*
 * @n pages (negative: released) are now held by SPTEs of @vm: its
 * pages_pinned, and the VMM's pinned memory (mm->pinned_vm, VmPin in
 * /proc/PID/status), which svx_pin_gfn() checks against RLIMIT_MEMLOCK.
 */
void svx_host_pins(struct svx_vm *vm, long n);

/*
 * Large SPTEs: pin the 512 host pages behind the 2 MiB-aligned @gfn of slot
 * @s if one transparent huge page backs them (the 4 KiB page at @pfn4k,
 * pinned by the caller, is one of them) and return the first frame: 1 if
 * pinned, 0 if the backing is not one 2 MiB page, -errno.
 */
int svx_host_pin_2m(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		    u64 gfn, u64 pfn4k, u64 *pfn);
/* Drop the 512 pins of a 2 MiB mapping starting at frame @pfn. */
void svx_host_unpin_2m(u64 pfn, bool dirty);
/*
 * EPT large leaves: pin the @n frames (512 or 512 * 512) behind the
 * @n-aligned @gfn of slot @s, writable unless the slot is read-only, if
 * they are one physically contiguous, @n-aligned run and RLIMIT_MEMLOCK
 * allows @n more pins: 1 and the first frame in *@pfn, 0 (nothing pinned:
 * map smaller), or -errno.
 */
int svx_host_pin_range(struct svx_vm *vm, const struct svx_memslot *s,
		       u64 gfn, unsigned long n, u64 *pfn);
/* The order of the (huge) page a pinned frame belongs to; 0 if small. */
unsigned int svx_host_backing_order(u64 pfn);
/* The host page of pinned frame @pfn was written (dirty logging). */
void svx_host_set_dirty(u64 pfn);
/*
 * Drop one pin on each of the @n frames from @pfn (a large EPT or
 * direct-map leaf); @dirty: mapped writable.  Never takes a page lock (the
 * MMU notifier's caller may hold one).
 */
void svx_host_unpin_range(u64 pfn, unsigned long n, bool dirty);

/*
 * Replace @old with @new (@size 4 or 8 bytes) at guest-physical @gpa of
 * address space @as (0, or SVX_AS_SMM: a vCPU in SMM's): 0 done, 1 the
 * memory no longer held @old, -EROFS a read-only memslot, -EFAULT no
 * memslot (or the VMM's mapping faulted).
 */
int svx_host_cmpxchg_gpa_as(struct svx_vm *vm, int as, u64 gpa, u64 old,
			    u64 new, unsigned int size);
/* The same in address space 0 */
int svx_host_cmpxchg_gpa(struct svx_vm *vm, u64 gpa, u64 old, u64 new,
			 unsigned int size);
/*
 * The same for 16 bytes at the 16-byte aligned @gpa (cmpxchg16b): @old[0]
 * is the low quadword; on 1 (no match) @old holds what memory holds.
 */
int svx_host_cmpxchg16_gpa(struct svx_vm *vm, u64 gpa, u64 old[2],
			   const u64 new[2]);

/*
 * Read guest memory at @gpa of address space @as without sleeping (under
 * mmu_lock); -EFAULT if outside every memslot, across a page, or not
 * resident right now.
 */
int svx_host_read_gpa_atomic(struct svx_vm *vm, int as, u64 gpa, void *buf,
			     unsigned int len);

/* Point the CPU's guest CR3 at @root (the vCPU is not loaded). */
void svx_host_set_guest_cr3(struct svx_vcpu *vcpu, u64 root);

/* Guest MAXPHYADDR and 1-GByte pages, as the host CPU has them. */
unsigned int svx_host_maxphyaddr(void);
bool svx_host_gbpages(void);

/* Module parameters (kernel) or test settings (userspace). */
extern bool svx_audit;
extern unsigned int svx_max_sps;
extern bool svx_prefetch_enabled;
extern bool svx_unsync_enabled;
extern bool svx_large_sptes_enabled;
/* One SPTE checked by the audit; @violation: it disagreed. */
void svx_host_audit_count(bool violation);

/* core/ (also in include/svx.h, for the rest of the module) */
bool svx_memslot_get(struct svx_vm *vm, u64 gfn, struct svx_memslot *s,
		     u64 *gen);
/* The same in address space @as (SVX_AS_SMM: a vCPU in SMM's) */
bool svx_memslot_get_as(struct svx_vm *vm, int as, u64 gfn,
			struct svx_memslot *s, u64 *gen);
int svx_read_guest_phys(struct svx_vm *vm, u64 gpa, void *buf, unsigned int len);
/* The same in address space @as */
int svx_read_guest_phys_as(struct svx_vm *vm, int as, u64 gpa, void *buf,
			   unsigned int len);

/* vmx/ (also in include/svx.h) */
/*
 * Set request @req on every vCPU for its next entry; svx_kick_all() also
 * waits until none runs guest code that started before it.
 */
void svx_kick_all(struct svx_vm *vm, int req);
void svx_request_all(struct svx_vm *vm, int req);
/* Inject a #PF with @error (CR2 set by the caller), or #DF over a #PF. */
void svx_inject_page_fault(struct svx_vcpu *vcpu, u32 error);
void svx_update_hw_cr(struct svx_vcpu *vcpu);
bool svx_guest_long_mode(struct svx_vcpu *vcpu);
void svx_internal_error(struct svx_vcpu *vcpu, u32 suberror, const char *why);
/* An access to @gpa outside RAM (or a write to ROM): KVM_EXIT_MMIO. */
int svx_emulate_mmio(struct svx_vcpu *vcpu, u64 gva, u64 gpa, bool write);
/*
 * EPT mode (mmu/ept.c): the CPU's EPT features as SVX_CAP_* flags; NULL if
 * EPT mode is possible, else why not; INVEPT of @vm's tree on every CPU
 * (which also kicks its vCPUs out of guest mode).
 */
u32 svx_host_ept_flags(void);
const char *svx_host_ept_unusable(void);
void svx_ept_invept_all_cpus(struct svx_vm *vm);
/* The paging mode of a new VM: SVX_PAGING_SHADOW or SVX_PAGING_EPT. */
u32 svx_ept_default_paging(void);

/*
 * Planted bugs, for the userspace harness only: it builds mmu.c with
 * SVX_MMU_PLANTED_BUGS and shows that its invariant check catches each.
 * In the module svx_mmu_bug() is constant false and compiles away.
 */
enum svx_mmu_bug {
	SVX_BUG_NONE,
	SVX_BUG_NO_WRITE_PROTECT,	/* shadowing a gfn leaves it writable */
	SVX_BUG_NO_ZAP_ON_PT_WRITE,	/* emulated PT write zaps nothing */
	SVX_BUG_WIDE_PERM,		/* leaf SPTE writable and user */
	SVX_BUG_WRONG_PFN,		/* leaf SPTE maps the next frame */
	SVX_BUG_NO_RESYNC,		/* resync keeps SPTEs the guest changed */
	SVX_BUG_LARGE_OVER_TABLE,	/* 2 MiB SPTE over a shadowed table */
	SVX_BUG_WP0_EXEC,		/* CR0.WP=0 + SMEP: kernel may run user page */
	SVX_BUG_WP0_SHARED_ROLE,	/* roles ignore SMEP/SMAP when CR0.WP=0 */
	SVX_BUG_MMIO_NO_GEN,		/* MMIO SPTEs used in any generation */
	SVX_BUG_NO_MARK_PARENTS,	/* unsync leaves parents' marks clear */
	SVX_BUG_MMIO_L1TF,		/* MMIO SPTEs hold the plain GPA */
	SVX_NR_BUGS
};

#ifdef SVX_MMU_PLANTED_BUGS
extern enum svx_mmu_bug svx_mmu_planted_bug;
#define svx_mmu_bug(b)	(svx_mmu_planted_bug == (b))
#else
#define svx_mmu_bug(b)	false
#endif

#endif /* SVX_MMU_MMU_HOST_H */
