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
 */
#ifndef _UAPI_LINUX_SHADOWVMX_H
#define _UAPI_LINUX_SHADOWVMX_H

#include <linux/types.h>
#include <linux/ioctl.h>

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
	SVX_MMU_EPT_LARGE,	/* 2 MiB EPT entries installed */
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
#define SVX_CAP_VPID		(1U << 1)	/* VPID, used in EPT mode */
#define SVX_CAP_UNRESTRICTED	(1U << 2)	/* unrestricted guest */
#define SVX_CAP_EPT_AD		(1U << 3)	/* EPT accessed/dirty bits */
#define SVX_CAP_EPT_2M		(1U << 4)	/* 2 MiB EPT pages (THP-backed) */
#define SVX_CAP_EPT_1G		(1U << 5)	/* 1 GiB EPT pages (not used yet) */

#define SVX_GET_VCPU_STATS	_IOWR(SVXIO, 0x01, struct svx_stats)
#define SVX_GET_VM_STATS	_IOWR(SVXIO, 0x02, struct svx_stats)
#define SVX_SET_PAGING		_IO(SVXIO, 0x03)	/* arg: enum svx_paging */
#define SVX_GET_CAPS		_IOR(SVXIO, 0x04, struct svx_caps)

#endif /* _UAPI_LINUX_SHADOWVMX_H */
