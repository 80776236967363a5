/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shadowvmx extension ioctls.
 *
 * The base ABI of /dev/shadowvmx is the KVM API of <linux/kvm.h> (same ioctl
 * numbers, same structs).  Everything shadowvmx offers beyond it lives here,
 * under its own ioctl type SVXIO, so that no number can collide with KVM's.
 *
 * Counters (SVX_GET_VCPU_STATS on a vCPU fd, SVX_GET_VM_STATS on a VM fd):
 *
 *   struct svx_stats is a fixed-size, versioned block of u64 counters.  The
 *   caller sets .version = SVX_STATS_VERSION and .size = sizeof(struct
 *   svx_stats); the kernel fills what both sides know and sets .size to the
 *   number of bytes it wrote.  exits[n] counts VM exits with basic exit
 *   reason n (Intel SDM Vol. 3 Appendix C); mmu[] is indexed by enum
 *   svx_mmu_stat.  The VM-wide block is the sum over the VM's vCPUs (live and
 *   destroyed) plus VM-wide events (memslot zaps).
 *
 * Paging mode (SVX_SET_PAGING on a VM fd, SVX_GET_CAPS on the system fd):
 *
 *   A VM translates guest-physical addresses either with software shadow
 *   page tables (SVX_PAGING_SHADOW, the default unless the module was
 *   loaded with ept=1) or with Intel EPT (SVX_PAGING_EPT).  SVX_SET_PAGING
 *   takes the enum svx_paging value as its integer argument and may be
 *   called until the VM's first KVM_CREATE_VCPU; afterwards it fails with
 *   -EBUSY (setting the mode the VM already has is always accepted).  An
 *   unknown value is -EINVAL; SVX_PAGING_EPT on a CPU without EPT, 4-level
 *   EPT walks, write-back EPT memory type or unrestricted guest is
 *   -EOPNOTSUPP, with a dmesg line naming what is missing.
 *
 *   EPT mode uses, per VM: EPT tables built on demand from the memslots
 *   (4 KiB entries, 2 MiB ones where a transparent huge page backs an
 *   aligned 2 MiB of a slot; WB; A/D bits when the CPU has them; MMIO GPAs
 *   get misconfigured entries, a fast path for repeated MMIO), unrestricted guest
 *   (a vCPU may run in real mode: KVM's RESET state, or anything set with
 *   KVM_SET_SREGS, and switch to protected and long mode itself), a VPID
 *   per vCPU when the CPU has VPID; guest CR3 loads, INVLPG and guest page
 *   faults cause no VM exits.  The shadow mode refuses real mode.
 *
 *   SVX_GET_CAPS fills struct svx_caps: .paging_modes has bit n set when
 *   enum svx_paging n can be used on this CPU, .flags the SVX_CAP_* of the
 *   CPU, .default_paging the mode of a new VM (module parameter ept=).
 *
 * CPUID per paging mode (SVX_GET_SUPPORTED_CPUID on a VM fd):
 *
 *   What a guest may be given in its CPUID can depend on the VM's paging
 *   mode (e.g. MAXPHYADDR, leaf 0x80000008).  KVM_GET_SUPPORTED_CPUID on
 *   the system fd answers, with KVM's semantics, a table that holds in
 *   every mode this CPU can run (the intersection).  SVX_GET_SUPPORTED_CPUID
 *   takes the same struct kvm_cpuid2 with the same semantics (nent < 1 or
 *   too small: -E2BIG, nent unchanged; on success nent is the count) and
 *   answers for the VM's current paging mode: call it after SVX_SET_PAGING.
 *   A client that finds -ENOTTY here (e.g. /dev/kvm) uses the system fd's.
 *
 * Walk trace (SVX_WALK_TRACE on a vCPU fd):
 *
 *   Shows how one guest-virtual address is translated right now, as the
 *   hardware and the hypervisor see it, without changing anything: no guest
 *   A/D bit is set, no page is pinned or faulted in, no shadow or EPT entry
 *   is created.  The caller sets .version = SVX_WALK_TRACE_VERSION, .size =
 *   sizeof(struct svx_walk_trace), .gva and .access (SVX_WT_ACC_*: write,
 *   user (CPL 3), fetch; 0 is a supervisor read); every other field must be
 *   zero.  The kernel fills the rest and sets .size to the bytes it wrote.
 *   It describes the vCPU as of its last exit (or its registers as set).
 *
 *   Guest side: cr0/cr3/cr4/efer, .guest_mode (enum svx_wt_mode) and, for
 *   each guest level L from .guest_root_level down to .guest_leaf_level,
 *   guest[L - 1] (with SVX_WT_L_VALID): the table's GPA, the index, the
 *   entry's GPA, the raw entry, and in .access the permissions accumulated
 *   from the root down to L (SVX_WT_ACC_WRITE/USER/FETCH allowed; CR0.WP,
 *   SMEP, SMAP not applied).  PAE level 3 is the PDPTE register.  Then
 *   SVX_WT_TRANSLATED and .gpa, or SVX_WT_GUEST_FAULT with .error_code and
 *   .fault_addr (the #PF the guest takes), or SVX_WT_NONCANONICAL (#GP).
 *   A nonpaging guest translates GVA = GPA (bits 31:0).
 *
 *   Memory: with SVX_WT_SLOT the memslot holding .gpa (.slot_id,
 *   .slot_base_gpa, .slot_size, .slot_flags) and the .hva of .gpa; with
 *   SVX_WT_PFN the host page frame, read from the shadow or EPT leaf (a
 *   page not mapped yet has no pfn: the trace never faults pages in).
 *
 *   Host side: host[L - 1] for L from .host_root_level down: the shadow
 *   page-table entries for .gva (shadow paging, from the root in GUEST_CR3,
 *   .host_root_hpa) or the EPT entries for .gpa (EPT mode), each with the
 *   table's host-physical address, the index, the raw entry and SVX_WT_L_*
 *   and SVX_WT_H_* flags; .host_levels counts them.
 *
 *   Host physical addresses are for CAP_SYS_ADMIN only (as
 *   /proc/PID/pagemap): for any other caller .pfn, .host_root_hpa, each
 *   host level's .table and .entry_addr and the address bits (51:12) of
 *   each host .entry read as 0, and SVX_WT_HOST_HIDDEN is set.  Every
 *   flag (SVX_WT_PFN, SVX_WT_H_*) is still reported.
 *
 *   Verdict: .exit (enum svx_wt_exit) says whether this access would cause
 *   a VM exit now and why; .exit_reason is the basic VMX exit reason it
 *   would have (0: exception, #PF; 48: EPT violation; 49: EPT
 *   misconfiguration) or 0xffffffff; in EPT mode .exit_gpa is the GPA that
 *   exits, which is a guest table's when the guest's own walk is not
 *   mapped in EPT yet (the 2D walk).
 *
 *   Errors: -EINVAL (version, size, access or a reserved field), -EFAULT.
 *
 * 2D walk (SVX_WALK_TRACE2 on a vCPU fd, version 2 of the walk trace):
 *
 *   struct svx_walk_trace2 begins with a struct svx_walk_trace, filled as
 *   above; the caller sets its .version = SVX_WALK_TRACE_VERSION2 and .size
 *   = sizeof(struct svx_walk_trace2), everything after .access zero.  It
 *   adds, in EPT mode, the EPT walk of every guest paging-structure entry
 *   the CPU reads (the 2D walk): table_ept[L - 1] for each guest level L
 *   with SVX_WT_L_VALID (not the PAE PDPTE registers, which the CPU loaded
 *   at MOV CR3): .gpa = guest[L - 1].entry_addr, the EPT entries read for it
 *   from the EPT PML4 down in .ept[level - 1] (as host[]), .levels their
 *   count, SVX_WT_EW_VALID in .flags, SVX_WT_EW_READABLE when the walk ends
 *   in a readable leaf.  .refs counts the memory references of the
 *   hardware walk for the access, with empty TLBs and paging-structure
 *   caches, up to where it completes or exits: shadow mode, the shadow
 *   entries read (host_levels); EPT mode, per guest level the EPT entries
 *   for the guest entry plus the guest entry itself, then the EPT entries
 *   for the final GPA (4 + 1 per guest level + 4: 24 for 4-level paging on
 *   4-level EPT with 4 KiB pages; fewer with large pages or when the walk
 *   exits early).  .table_walks counts the table_ept[] filled.  Host
 *   addresses in table_ept[] are hidden as in host[].  Version-1 callers
 *   (SVX_WALK_TRACE) are unaffected.  Errors as SVX_WALK_TRACE; an older
 *   module answers -EINVAL (KVM's answer to an unknown vCPU ioctl).
 */
#ifndef _UAPI_LINUX_SHADOWVMX_H
#define _UAPI_LINUX_SHADOWVMX_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/kvm.h>

#define SVXIO 0xAF

#define SVX_STATS_VERSION	1
#define SVX_NR_EXIT_REASONS	80

enum svx_mmu_stat {
	SVX_MMU_PF_FIXED,	/* shadow faults fixed by installing an SPTE */
	SVX_MMU_PF_INJECTED,	/* faults reflected into the guest */
	SVX_MMU_PF_MMIO,	/* faults on a GPA outside every memslot */
	SVX_MMU_SPTE_INSTALLED,	/* leaf SPTEs written */
	SVX_MMU_SP_ALLOCATED,	/* shadow table pages allocated */
	SVX_MMU_SP_IN_USE,	/* shadow table pages in use (gauge) */
	SVX_MMU_PAGES_PINNED,	/* guest pages pinned (gauge) */
	SVX_MMU_ZAP,		/* shadow zaps (slot delete/move, reset) */
	SVX_MMU_FLUSH,		/* remote TLB flush requests */
	SVX_MMU_EMULATED,	/* instructions emulated (MMIO, PT writes) */
	SVX_MMU_PT_WRITE,	/* emulated guest page-table writes */
	SVX_MMU_FLOOD,		/* pages unshadowed by write-flood detection */
	SVX_MMU_UNSYNC,		/* shadow pages marked unsync */
	SVX_MMU_SYNC,		/* shadow pages resynced */
	SVX_MMU_ROOT_HIT,	/* CR3 loads served by a cached root */
	SVX_MMU_ROOT_MISS,	/* CR3 loads that needed a new root */
	SVX_MMU_PREFETCH,	/* SPTEs installed by prefetch */
	SVX_MMU_MMIO_FAST,	/* MMIO faults served by an MMIO SPTE */
	SVX_MMU_EPT_VIOLATION,	/* EPT violations handled */
	SVX_MMU_EPT_MISCONFIG,	/* EPT misconfigurations (MMIO fast path) */
	SVX_MMU_AUDIT_CHECKS,	/* SPTEs checked by the audit (audit=1) */
	SVX_MMU_AUDIT_VIOLATIONS, /* SPTEs that disagreed with the guest */
	SVX_MMU_EPT_READ,	/* EPT violations on a data read */
	SVX_MMU_EPT_WRITE,	/* EPT violations on a data write */
	SVX_MMU_EPT_FETCH,	/* EPT violations on an instruction fetch */
	SVX_MMU_EPT_MMIO,	/* EPT violations forwarded as MMIO */
	SVX_MMU_INVEPT,		/* INVEPT instructions issued */
	SVX_MMU_INVVPID,	/* INVVPID instructions issued */
	SVX_MMU_EPT_PAGES,	/* EPT table pages in use (gauge) */
	SVX_MMU_EPT_LARGE,	/* large (2 MiB or 1 GiB) EPT entries installed */
	SVX_MMU_EPT_LARGE_1G,	/* of which 1 GiB */
	SVX_MMU_RECYCLED,	/* shadow pages zapped to stay under max_shadow_pages */
	SVX_MMU_SPTE_LARGE,	/* 2 MiB shadow SPTEs installed */
	SVX_MMU_PT_UPDATE,	/* SPTEs rebuilt from an emulated guest PTE write */
	SVX_MMU_INVLPG_UPDATE,	/* SPTEs of unsync pages rebuilt at INVLPG */
	SVX_MMU_MMIO_STALE,	/* MMIO SPTEs of an older memslot generation */
	SVX_NR_MMU_STATS,
	SVX_MMU_STATS_MAX = 48	/* room reserved in struct svx_stats */
};

enum svx_misc_stat {
	SVX_STAT_RUNS,		/* KVM_RUN calls */
	SVX_STAT_ENTRIES,	/* VM entries (VMLAUNCH + VMRESUME) */
	SVX_STAT_EXITS,		/* VM exits, all reasons */
	SVX_STAT_USER_EXITS,	/* returns to userspace with an exit */
	SVX_STAT_PIO,		/* PIO exits to userspace */
	SVX_STAT_MMIO,		/* MMIO exits to userspace */
	SVX_STAT_SIGNAL,	/* KVM_EXIT_INTR returns */
	SVX_STAT_INJECTED,	/* events injected into the guest */
	SVX_STAT_REINJECTED,	/* events re-injected after an exit mid-delivery */
	SVX_STAT_FAILED_ENTRY,	/* VM entries that failed */
	SVX_STAT_MIGRATIONS,	/* vCPU moved to another host CPU */
	SVX_STAT_TASK_SWITCHES,	/* hardware task switches emulated (exit 9) */
	SVX_STAT_RMODE_EMULATED, /* real-mode instructions vm86 faulted on, emulated */
	SVX_STAT_L1D_FLUSH,	/* L1D flushes before VM entry (L1TF, EPT mode) */
	SVX_STAT_IBPB,		/* IBPBs when a CPU switched to this VMCS */
	SVX_STAT_HALT_WAIT,	/* in-kernel irqchip: waits in HLT or for a SIPI */
	SVX_NR_MISC_STATS,
	SVX_MISC_STATS_MAX = 16
};

struct svx_stats {
	__u32 version;		/* in: SVX_STATS_VERSION */
	__u32 size;		/* in: sizeof(struct svx_stats); out: bytes filled */
	__u32 paging;		/* out: enum svx_paging of the VM */
	__u32 nr_vcpus;		/* out: vCPUs summed (VM block) or 1 */
	__u64 exits[SVX_NR_EXIT_REASONS];
	__u64 mmu[SVX_MMU_STATS_MAX];
	__u64 misc[SVX_MISC_STATS_MAX];
};

/* How a VM translates guest-physical addresses. */
enum svx_paging {
	SVX_PAGING_SHADOW = 0,	/* software shadow page tables (default) */
	SVX_PAGING_EPT = 1,	/* Intel EPT */
};

struct svx_caps {
	__u32 paging_modes;	/* bit (1 << enum svx_paging) per usable mode */
	__u32 default_paging;	/* enum svx_paging of a new VM */
	__u32 flags;		/* SVX_CAP_* */
	__u32 pad;
	__u64 reserved[6];
};

#define SVX_CAP_EPT		(1U << 0)	/* EPT usable (4-level, WB) */
#define SVX_CAP_VPID		(1U << 1)	/* VPID, used in both modes (vpid=1) */
#define SVX_CAP_UNRESTRICTED	(1U << 2)	/* unrestricted guest */
#define SVX_CAP_EPT_AD		(1U << 3)	/* EPT accessed/dirty bits */
#define SVX_CAP_EPT_2M		(1U << 4)	/* 2 MiB EPT pages (THP-backed) */
#define SVX_CAP_EPT_1G		(1U << 5)	/* 1 GiB EPT pages (not used yet) */

#define SVX_WALK_TRACE_VERSION	1
#define SVX_WALK_TRACE_VERSION2	2
#define SVX_WT_MAX_LEVELS	5

/* struct svx_walk_trace.access (the #PF error code bits) */
#define SVX_WT_ACC_WRITE	0x2u
#define SVX_WT_ACC_USER		0x4u
#define SVX_WT_ACC_FETCH	0x10u

/* Guest paging mode */
enum svx_wt_mode {
	SVX_WT_MODE_NONPAGING = 0,	/* CR0.PG = 0 */
	SVX_WT_MODE_32 = 1,		/* 32-bit paging, 2 levels */
	SVX_WT_MODE_PAE = 2,		/* PAE paging, PDPTE registers + 2 */
	SVX_WT_MODE_64 = 3,		/* 4-level paging */
	SVX_WT_MODE_LA57 = 4,		/* 5-level paging */
};

/* struct svx_walk_trace.flags */
#define SVX_WT_TRANSLATED	(1U << 0)	/* .gpa is valid */
#define SVX_WT_GUEST_FAULT	(1U << 1)	/* guest #PF: .error_code */
#define SVX_WT_NONCANONICAL	(1U << 2)	/* #GP: non-canonical GVA */
#define SVX_WT_SLOT		(1U << 3)	/* .gpa is in a memslot */
#define SVX_WT_PFN		(1U << 4)	/* .pfn is valid (mapped) */
#define SVX_WT_NO_ROOT		(1U << 5)	/* no shadow root/EPT tree yet */
#define SVX_WT_GFN_SHADOWED	(1U << 6)	/* .gpa's page is a shadowed guest table */
#define SVX_WT_TABLE_OUTSIDE	(1U << 7)	/* a guest table is outside RAM */
#define SVX_WT_HOST_HIDDEN	(1U << 8)	/* no CAP_SYS_ADMIN: host addrs 0 */

/* svx_wt_level.flags (both sides) */
#define SVX_WT_L_VALID		(1U << 0)	/* the entry was read */
#define SVX_WT_L_LEAF		(1U << 1)	/* maps a page (last level) */
#define SVX_WT_L_LARGE		(1U << 2)	/* leaf above level 1 */
/* host entries */
#define SVX_WT_H_PRESENT	(1U << 8)	/* P (shadow) or any of R/W/X (EPT) */
#define SVX_WT_H_READ		(1U << 9)
#define SVX_WT_H_WRITE		(1U << 10)
#define SVX_WT_H_EXEC		(1U << 11)
#define SVX_WT_H_USER		(1U << 12)	/* shadow: U/S */
#define SVX_WT_H_MMIO		(1U << 13)	/* MMIO SPTE / misconfigured EPTE */
#define SVX_WT_H_PINNED		(1U << 14)	/* leaf holds a page pin */

struct svx_wt_level {
	__u64 table;		/* GPA (guest) or HPA (host) of the table */
	__u64 entry_addr;	/* address of the entry (GPA / HPA) */
	__u64 entry;		/* raw entry */
	__u32 index;		/* index in the table */
	__u32 access;		/* guest: SVX_WT_ACC_* accumulated to here */
	__u32 flags;		/* SVX_WT_L_*, SVX_WT_H_* */
	__u32 pad;
};

/* Would the access exit, and why. */
enum svx_wt_exit {
	SVX_WT_EXIT_NONE = 0,		/* hardware completes it */
	SVX_WT_EXIT_GUEST_PF = 1,	/* guest fault: shadow #PF exit, injected */
	SVX_WT_EXIT_GUEST_PF_DIRECT = 2, /* guest fault, delivered without exit (EPT) */
	SVX_WT_EXIT_NOT_PRESENT = 3,	/* shadow entry missing: #PF exit, fixed */
	SVX_WT_EXIT_WRITE_PROTECT = 4,	/* gfn is a shadowed guest table: emulated */
	SVX_WT_EXIT_DIRTY = 5,		/* SPTE read-only until guest D is set */
	SVX_WT_EXIT_PERM = 6,		/* SPTE lacks a permission the guest grants: rebuilt */
	SVX_WT_EXIT_MMIO = 7,		/* no memslot: MMIO exit to userspace */
	SVX_WT_EXIT_RO_SLOT = 8,	/* write to a read-only slot: MMIO exit */
	SVX_WT_EXIT_EPT_VIOLATION = 9,	/* EPT entry missing or lacks the access */
	SVX_WT_EXIT_EPT_MISCONFIG = 10,	/* MMIO EPT entry: fast MMIO exit */
	SVX_WT_EXIT_NO_ROOT = 11,	/* shadow root rebuilt at next entry */
	SVX_WT_EXIT_GP = 12,		/* non-canonical: #GP (no exit) */
	SVX_WT_EXIT_ERROR = 13,		/* no longer given: a table outside RAM is a guest #PF */
};

struct svx_walk_trace {
	__u32 version;		/* in: SVX_WALK_TRACE_VERSION */
	__u32 size;		/* in: sizeof; out: bytes filled */
	__u64 gva;		/* in */
	__u32 access;		/* in: SVX_WT_ACC_* */
	__u32 flags;		/* out: SVX_WT_* */
	/* guest */
	__u64 cr0, cr3, cr4, efer;
	__u32 guest_mode;	/* enum svx_wt_mode */
	__u32 paging;		/* enum svx_paging of the VM */
	__u32 guest_root_level;	/* 2..5, 0 nonpaging */
	__u32 guest_leaf_level;	/* leaf, or level that faulted */
	struct svx_wt_level guest[SVX_WT_MAX_LEVELS];	/* [level - 1] */
	__u64 gpa;
	__u64 fault_addr;	/* CR2 of the guest fault */
	__u32 error_code;	/* #PF error code of the guest fault */
	__u32 pte_access;	/* SVX_WT_ACC_* of the whole walk */
	/* memory */
	__u32 slot_id;		/* as in KVM_SET_USER_MEMORY_REGION */
	__u32 slot_flags;	/* KVM_MEM_* */
	__u64 slot_base_gpa;
	__u64 slot_size;
	__u64 hva;
	__u64 pfn;
	/* host tables: shadow (GVA) or EPT (GPA) */
	__u64 host_root_hpa;	/* GUEST_CR3 (shadow) or EPT PML4 */
	__u32 host_root_level;
	__u32 host_levels;	/* entries read */
	struct svx_wt_level host[SVX_WT_MAX_LEVELS];	/* [level - 1] */
	/* verdict */
	__u32 exit;		/* enum svx_wt_exit */
	__u32 exit_reason;	/* basic VMX exit reason, 0xffffffff: none */
	__u64 exit_gpa;		/* EPT exits: the GPA that exits (.gpa or a guest table's) */
	__u64 reserved[7];
};

/* struct svx_wt_ept_walk.flags */
#define SVX_WT_EW_VALID		(1U << 0)	/* the GPA was walked */
#define SVX_WT_EW_READABLE	(1U << 1)	/* ends in a readable EPT leaf */

/* The EPT walk of one guest-physical address. */
struct svx_wt_ept_walk {
	__u64 gpa;		/* the GPA walked */
	__u32 levels;		/* EPT entries read */
	__u32 flags;		/* SVX_WT_EW_* */
	struct svx_wt_level ept[SVX_WT_MAX_LEVELS];	/* [level - 1] */
};

/* Version 2: the walk trace and the 2D walk (SVX_WALK_TRACE2). */
struct svx_walk_trace2 {
	struct svx_walk_trace wt;	/* .version 2, .size sizeof(trace2) */
	__u32 refs;		/* memory references of the hardware walk */
	__u32 table_walks;	/* table_ept[] entries filled */
	struct svx_wt_ept_walk table_ept[SVX_WT_MAX_LEVELS]; /* [guest level - 1] */
	__u64 reserved2[8];
};

#define SVX_GET_VCPU_STATS	_IOWR(SVXIO, 0x01, struct svx_stats)
#define SVX_GET_VM_STATS	_IOWR(SVXIO, 0x02, struct svx_stats)
#define SVX_SET_PAGING		_IO(SVXIO, 0x03)	/* arg: enum svx_paging */
#define SVX_GET_CAPS		_IOR(SVXIO, 0x04, struct svx_caps)
#define SVX_GET_SUPPORTED_CPUID	_IOWR(SVXIO, 0x05, struct kvm_cpuid2)
#define SVX_WALK_TRACE		_IOWR(SVXIO, 0x10, struct svx_walk_trace)
#define SVX_WALK_TRACE2		_IOWR(SVXIO, 0x11, struct svx_walk_trace2)

#endif /* _UAPI_LINUX_SHADOWVMX_H */
