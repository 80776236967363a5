/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowvmx internal interfaces shared by core/, vmx/ and mmu/.
 *
 * Object model (the same as KVM's): the misc device /dev/shadowvmx is the
 * "system fd"; KVM_CREATE_VM returns a VM fd (struct svx_vm); KVM_CREATE_VCPU
 * returns a vCPU fd (struct svx_vcpu).  A vCPU's file holds a reference on
 * its VM; the VM's file holds one too; the VM is freed with the last one.
 *
 * Locking:
 *   svx_vm.lock        - serialises vCPU creation and memslot changes
 *   svx_vm.mmu_lock    - the shadow page tables of the VM (spinlock)
 *   svx_vcpu.mutex     - one ioctl at a time per vCPU (KVM_RUN included)
 *   memslots           - RCU: readers under rcu_read_lock(), writers under
 *                        svx_vm.lock publish a new copy
 */
#ifndef SVX_SVX_H
#define SVX_SVX_H

#include <linux/kvm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/rcuwait.h>
#include <linux/refcount.h>
#include <linux/list.h>
#include <linux/idr.h>
#include <linux/types.h>
#include <asm/fpu/types.h>
#include <linux/shadowvmx.h>
#include "memslot.h"
#include "emulate.h"

/*
 * Fault injection (core/fault_inject.c, debugfs shadowvmx/fail_nth): true
 * if this fallible operation of the calling thread is the one armed to
 * fail.  A static branch, a NOP until a test arms a thread.  Every
 * allocation and pin of the module goes through it: svx_fallible(expr)
 * yields a zero of expr's type (NULL, 0) instead of calling expr,
 * svx_fallible_ptr(expr) ERR_PTR(-ENOMEM) (memdup_user & co.),
 * svx_pin_user_pages_fast() -ENOMEM.
 */
#ifdef __KERNEL__		/* the userspace MMU simulator has none */
#include <linux/err.h>
#include <linux/jump_label.h>

DECLARE_STATIC_KEY_FALSE(svx_fail_key);
bool __svx_should_fail(void);
static __always_inline bool svx_should_fail(void)
{
	return static_branch_unlikely(&svx_fail_key) && __svx_should_fail();
}

#define svx_fallible(expr)						\
	(svx_should_fail() ? (typeof(expr))0 : (expr))
#define svx_fallible_ptr(expr)						\
	(svx_should_fail() ? (typeof(expr))ERR_PTR(-ENOMEM) : (expr))
/* pin_user_pages_fast(), which fails -ENOMEM when injected */
#define svx_pin_user_pages_fast(...)					\
	(svx_should_fail() ? -ENOMEM : pin_user_pages_fast(__VA_ARGS__))
void svx_fault_inject_init(void);
void svx_fault_inject_exit(void);
#endif

#define SVX_MAX_VCPUS		32
#define SVX_MAX_CPUID_ENTRIES	256
#define SVX_MAX_IO_MSRS		256
#define SVX_RUN_PAGES		2	/* struct kvm_run + PIO data page */
#define SVX_NR_SOFT_MSRS	10	/* MSRs kept in software */
#define SVX_MAX_MCE_BANKS	32	/* KVM_MAX_MCE_BANKS: KVM_CAP_MCE */
#define SVX_MTRR_FIRST		0x200	/* variable and fixed MTRRs */
/* TSC multiplier: fixed point, 48 fraction bits (VMX, KVM's) */
#define SVX_TSC_RATIO_FRAC_BITS	48
#define SVX_TSC_RATIO_ONE	BIT_ULL(SVX_TSC_RATIO_FRAC_BITS)
#define SVX_NR_MTRRS		0x70

/* Indices of guest GPRs in svx_vcpu.regs (the hardware encoding order). */
enum svx_reg {
	SVX_RAX, SVX_RCX, SVX_RDX, SVX_RBX, SVX_RSP, SVX_RBP, SVX_RSI, SVX_RDI,
	SVX_R8, SVX_R9, SVX_R10, SVX_R11, SVX_R12, SVX_R13, SVX_R14, SVX_R15,
	SVX_NR_REGS
};

/*
 * MSRs switched through the VM-entry/VM-exit MSR areas.  TSC_AUX is last:
 * it is switched only while the guest's CPUID has RDTSCP or RDPID.
 */
enum svx_auto_msr {
	SVX_AMSR_STAR, SVX_AMSR_LSTAR, SVX_AMSR_CSTAR, SVX_AMSR_SFMASK,
	SVX_AMSR_KERNEL_GS_BASE, SVX_AMSR_TSC_AUX, SVX_NR_AUTO_MSRS
};

/* Guest paging as the guest sees it; picks the MMU context. */
enum svx_guest_mode {
	SVX_MODE_NONPAGING,	/* CR0.PG=0 */
	SVX_MODE_PAGING32,	/* CR0.PG=1, CR4.PAE=0 */
	SVX_MODE_PAE,		/* CR0.PG=1, CR4.PAE=1, EFER.LMA=0 */
	SVX_MODE_LONG64,	/* EFER.LMA=1 */
};

/* What the next KVM_RUN must finish before re-entering the guest. */
enum svx_pending_user {
	SVX_PENDING_NONE,
	SVX_PENDING_PIO_IN,	/* in/ins: data from userspace -> guest */
	SVX_PENDING_PIO_OUT,	/* out: advance RIP */
	SVX_PENDING_PIO_OUTS,	/* outs: advance RSI/RCX/RIP */
	SVX_PENDING_MMIO_READ,	/* MMIO read: the instruction completes */
	SVX_PENDING_RDMSR,	/* KVM_EXIT_X86_RDMSR: core/msr_filter.c */
	SVX_PENDING_WRMSR,	/* KVM_EXIT_X86_WRMSR */
	SVX_PENDING_MMIO_FRAG,	/* one 8-byte piece of a wider MMIO access */
	SVX_PENDING_HV_HCALL,	/* KVM_EXIT_HYPERV HCALL: its result to RAX */
	SVX_PENDING_HV_SYNDBG,	/* KVM_EXIT_HYPERV SYNDBG: its status back */
};

struct svx_vm;
struct page;

struct svx_sp;
struct svx_rmap;
struct svx_pdesc;

/* Objects a fault may need, allocated before mmu_lock is taken. */
#define SVX_MMU_CACHE_PAGES	8	/* a PAE root: 4 tables + 4 gfn arrays */
struct svx_mmu_cache {
	int npages, nsps, nrmaps, npdescs;
	u64 *pages[SVX_MMU_CACHE_PAGES];
	struct svx_sp *sps[SVX_MMU_CACHE_PAGES];
	struct svx_rmap *rmaps[2 + 8];	/* rmap descriptors: a fault, prefetches */
	struct svx_pdesc *pdescs[3];	/* parent SPTEs: one per link made */
	void *rmap_page;	/* a shadow page's reverse-map slots */
};

struct svx_mmu {
	enum svx_guest_mode mode;
	u64 *pae_root;		/* per vCPU, below 4 GiB: 4 PDPTEs */
	phys_addr_t root_hpa;	/* what GUEST_CR3 points at */
	struct svx_sp *root_sp;	/* 64-bit guests: the shadow PML4 */
	/*
	 * PAE guests: the PDPTE registers (SDM 4.4.1); EPT mode: GUEST_PDPTRn
	 * at the last exit.
	 */
	u64 pdptrs[4];
	struct svx_mmu_cache cache;
	bool no_flush;		/* MOV to CR3 with PCID bit 63: keep the TLB */
	bool nxe[2];		/* EFER.NXE of the last context, by SMM state */
	u64 emulate_gpa;	/* SVX_EMULATE: the GPA of the trapped write */
	/* the last write retried unemulated (KVM's last_retry_eip/addr) */
	unsigned long last_retry_rip;
	u64 last_retry_gpa;
};

/*
 * Real mode under shadow paging runs in virtual-8086 mode (vmx/rmode.c)
 * with a TSS of three pages at KVM_SET_TSS_ADDR (core/vm.c): the 104-byte
 * TSS, the 32-byte interrupt redirection map, the 8 KiB I/O map and its
 * terminating 0xff byte, as kvm_intel's RMODE_TSS_SIZE.
 */
#define SVX_RMODE_TSS_PAGES		3
#define SVX_RMODE_TSS_IOMAP_OFFSET	0x66	/* the TSS's I/O map base field */
#define SVX_RMODE_TSS_IOMAP		(0x68 + 256 / 8)
#define SVX_RMODE_TSS_SIZE		(SVX_RMODE_TSS_IOMAP + 65536 / 8 + 1)

/* The guest's view of its segments while it runs in vm86 (vmx/rmode.c). */
struct svx_rmode {
	bool active;
	/*
	 * SMM (vmx/smm.c): segments vm86 cannot hold are emulated
	 * (x86/emulate_rm.c) and the VMCS holds the guest's own selectors
	 * and bases; pm_check: protected mode entered from such segments,
	 * emulated until VMX can take them (vmx/rmode.c).
	 */
	bool emulate;
	bool pm_check;
	unsigned long rflags_iopl_vm;	/* the guest's own IOPL and VM bits */
	struct kvm_segment segs[8];	/* ES CS SS DS FS GS LDTR TR, VMCS order */
};

/*
 * Debug registers and KVM_SET_GUEST_DEBUG (vmx/debugreg.c), as KVM's
 * vcpu->guest_debug, arch.switch_db_regs, arch.eff_db, guest_debug_dr7
 * and singlestep_rip.
 */
#define SVX_DEBUGREG_BP_ENABLED		1	/* effective DR7 arms DR0-3 */
#define SVX_DEBUGREG_WONT_EXIT		2	/* MOV DR runs natively */

struct svx_dbg {
	u32 guest_debug;		/* KVM_GUESTDBG_*, 0: off */
	u8 switch_db;			/* SVX_DEBUGREG_* */
	bool user_exit;			/* KVM_EXIT_DEBUG filled in run */
	u32 bp_insn_len;		/* INT3 of the last #BP exit */
	unsigned long eff_db[4];	/* DR0-3 loaded for the guest */
	unsigned long guest_debug_dr7;	/* KVM_GUESTDBG_USE_HW_BP's DR7 */
	u64 singlestep_rip;		/* linear RIP KVM_GUESTDBG_SINGLESTEP began at */
	unsigned long host_debugctl;
};

/*
 * System management mode (vmx/smm.c), as KVM's HF_SMM_MASK,
 * HF_SMM_INSIDE_NMI_MASK, smi_pending, smi_count and smbase.
 */
struct svx_smm {
	bool in_smm;		/* memory is address space SVX_AS_SMM */
	bool inside_nmi;	/* NMIs were blocked at the SMI: keep at RSM */
	bool smi_pending;	/* an SMI waits for the vCPU to leave SMM */
	u64 smbase;		/* MSR_IA32_SMBASE */
	u64 smi_count;		/* MSR_SMI_COUNT */
};

/*
 * A vCPU's SynIC (core/hyperv.c), KVM's struct kvm_vcpu_hv_synic: the
 * SINTs are read under the irqchip's lock (delivery, EOI), written by the
 * vCPU's MSR writes; the rest is the vCPU's own.
 */
#define SVX_HV_SINT_COUNT	16	/* HV_SYNIC_SINT_COUNT */

struct svx_hv_synic {
	/* READ_ONCE/WRITE_ONCE, as KVM's atomic64_t and atomic_t */
	u64 sint[SVX_HV_SINT_COUNT];
	int sint_to_gsi[SVX_HV_SINT_COUNT];	/* -1: none */
	u64 control, version, evt_page, msg_page;
	bool active;		/* KVM_ENABLE_CAP(KVM_CAP_HYPERV_SYNIC(2)) */
	bool dont_zero_pages;	/* SYNIC2 */
};

struct svx_hv_stimers;

/* A vCPU's Hyper-V state (core/hyperv.c), KVM's struct kvm_vcpu_hv */
struct svx_hv_vcpu {
	struct svx_hv_synic synic;
	/* the synthetic timers, from the first write of theirs; or NULL */
	struct svx_hv_stimers *stimers;
	struct kvm_hyperv_exit exit;	/* KVM_EXIT_HYPERV at SVX_REQ_HV_EXIT */
	bool enabled;		/* the guest's 0x40000001.EAX is "Hv#1" */
	bool enforce;		/* KVM_CAP_HYPERV_ENFORCE_CPUID */
	u32 vp_index;		/* HV_X64_MSR_VP_INDEX */
	s64 runtime_offset;	/* HV_X64_MSR_VP_RUNTIME minus the task's */
	u64 vp_assist;		/* HV_X64_MSR_VP_ASSIST_PAGE (KVM's hv_vapic) */
	/* the guest's Hyper-V CPUID, as KVM's cpuid_cache */
	u32 features_eax, features_ebx, features_edx;
	u32 enlightenments_eax, enlightenments_ebx;
	u32 syndbg_cap_eax;
};

struct svx_vcpu {
	struct svx_vm *vm;
	int id;
	struct mutex mutex;	/* one ioctl at a time */
	struct kvm_run *run;
	void *pio_data;

	int cpu;		/* CPU the VMCS is active on, -1 if clear */
	int mode;		/* SVX_OUTSIDE_GUEST / SVX_IN_GUEST */
	unsigned long requests;

	/* Guest state cached in software. */
	unsigned long regs[SVX_NR_REGS];
	unsigned long rip, rflags;
	bool rip_dirty;		/* rip/rsp/rflags must be written back */
	struct svx_rmode rmode;	/* shadow paging, CR0.PE=0 */
	u64 cr0, cr2, cr3, cr4, cr8, efer;
	unsigned long dr[8];	/* DR0-3, DR6, DR7 as the guest set them */
	struct svx_dbg dbg;	/* live debug registers (vmx/debugreg.c) */
	u64 tsc_offset;

	u64 soft_msrs[SVX_NR_SOFT_MSRS];	/* see vmx/msr.c */
	u64 platform_info;	/* MSR_PLATFORM_INFO (vmx/msr.c) */
	u64 misc_features;	/* MSR_MISC_FEATURES_ENABLES */
	u64 mtrr[SVX_NR_MTRRS];
	/* machine check: KVM_X86_SETUP_MCE, MCG_* and MCi_* MSRs, as KVM */
	u64 mcg_cap, mcg_ctl, mcg_status;
	u64 mce_banks[SVX_MAX_MCE_BANKS * 4];
	u64 mci_ctl2[SVX_MAX_MCE_BANKS];	/* MCi_CTL2 (CMCI) */
	u64 mcg_ext_ctl;			/* IA32_MCG_EXT_CTL (LMCE) */
	/*
	 * Triple fault before the next entry: an exception while a #DF was
	 * being delivered, or KVM_X86_SET_MCE (KVM_REQ_TRIPLE_FAULT).
	 */
	bool triple_fault;
	/*
	 * The guest's FPU/XSAVE state (x86/fpu.c); @fpu is its legacy area,
	 * the guest's state only outside KVM_RUN (@fpu_loaded false).
	 */
	struct fpu_guest guest_fpu;
	struct fxregs_state *fpu;
	bool fpu_loaded;
	u64 xcr0;
	u64 guest_supported_xcr0;	/* XCR0 bits the guest's CPUID allows */
	bool xsaves_enabled;	/* the "enable XSAVES" control is set */

	struct kvm_cpuid_entry2 *cpuid;
	int cpuid_nent;
	u64 cr4_guest_rsvd;	/* CR4 bits the guest's CPUID lacks */
	u64 efer_guest_rsvd;	/* EFER bits the guest's CPUID lacks */

	struct svx_mmu mmu;
	struct svx_smm smm;

	/* Userspace irqchip (KVM_INTERRUPT, KVM_NMI). */
	int irq_queued;		/* vector to inject at the next entry, or -1 */
	bool nmi_queued;

	/* An event to (re)inject at the next entry. */
	bool inject_pending;
	u32 inject_info;
	u32 inject_error;
	u32 inject_len;
	/*
	 * The queued exception has not reached an entry yet (KVM's
	 * exception.pending, as opposed to injected), and the payload
	 * (CR2 of a #PF, DR6 bits of a #DB) that entry delivers.
	 */
	bool exc_pending;
	bool exc_has_payload;
	u64 exc_payload;

	/* Userspace exit being completed. */
	enum svx_pending_user pending;
	struct {
		u16 port;
		u8 size;
		u8 string, rep, df, addr_size;
		u32 count;
		u64 gva;
		u64 linear_rip;	/* IN/OUT: CS.base + RIP at the exit */
	} pio;
	struct {		/* an MMIO read: its instruction, re-decoded */
		u8 insn[15];	/* on completion (x86/emulate.c) */
		u8 avail, mode;
		u64 gpa;
		/* a string instruction (vmx/mmio_string.c): its iteration */
		u8 string, str_phase;
		u64 str_val[2];
		/*
		 * An access wider than 8 bytes or across a page
		 * (vmx/mmio_vec.c), in pieces of at most 8 bytes: @frag_done
		 * bytes of @frag_size done, the data in @frag_buf; the first
		 * @frag_split bytes at @gpa, the rest at @frag_gpa2.
		 */
		u8 frag, frag_store, frag_size, frag_done, frag_split;
		u8 frag_buf[16];
		u64 frag_gpa2;
		/* @insn decoded (a read completes without decoding again) */
		struct svx_rmw rmw;
	} mmio;

	struct svx_stats stats;

	u32 tsc_khz;		/* KVM_GET_TSC_KHZ (vmx/cpufeat.c) */
	u64 tsc_ratio;		/* TSC multiplier, SVX_TSC_RATIO_ONE: none */

	/* In-kernel irqchip (core/irqchip.c): NULL with a userspace one. */
	struct svx_lapic *lapic;
	u32 mp_state;		/* KVM_MP_STATE_* */
	struct rcuwait wait;	/* blocked in HLT or waiting for SIPI */
	u64 vapic_addr;		/* KVM_SET_VAPIC_ADDR: 0 off */
	/*
	 * PV EOI through Hyper-V's VP assist page (KVM's arch.pv_eoi,
	 * core/irqchip.c): the flag's GPA | KVM_MSR_ENABLED, or 0; and
	 * whether this entry set the flag (KVM_APIC_PV_EOI_PENDING)
	 */
	u64 pv_eoi_msr;
	bool pv_eoi_pending;
	bool tpr_access_reporting;	/* KVM_TPR_ACCESS_REPORTING */
	u8 tpr_access;		/* an access to report: 1 read, 2 write */
	u64 tpr_access_rip;
	u64 pv_time;		/* MSR_KVM_SYSTEM_TIME(_NEW) (core/kvmclock.c) */
	bool pv_enforce;	/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	struct svx_hv_vcpu hv;	/* Hyper-V (core/hyperv.c) */
	/*
	 * KVM_RUN got as far as KVM's vmx_vcpu_run() without an entry: real
	 * mode KVM would have run by emulation (svx_vcpu_has_run()).
	 */
	bool ran_unentered;
	struct pid __rcu *pid;	/* of the last KVM_RUN (vmx/hypercall.c) */
};

#define SVX_OUTSIDE_GUEST	0
#define SVX_IN_GUEST		1

/* Bits of svx_vcpu.requests */
#define SVX_REQ_MMU_RELOAD	0	/* shadow root went away: rebuild */
#define SVX_REQ_TLB_FLUSH	1	/* SPTEs lost permissions: flush */
#define SVX_REQ_EVENT		2	/* in-kernel irqchip: look at the APIC */
#define SVX_REQ_CLOCK_UPDATE	3	/* rewrite the kvmclock record */
#define SVX_REQ_MSR_FILTER	4	/* rebuild the MSR bitmap */
#define SVX_REQ_HV_CRASH	5	/* Hyper-V crash: KVM_EXIT_SYSTEM_EVENT */
#define SVX_REQ_HV_RESET	6	/* Hyper-V reset: KVM_EXIT_SYSTEM_EVENT */
#define SVX_REQ_HV_EXIT		7	/* Hyper-V: KVM_EXIT_HYPERV (hv.exit) */
#define SVX_REQ_HV_STIMER	8	/* Hyper-V: a synthetic timer to look at */

/*
 * The VM's Hyper-V partition state (core/hyperv.c), KVM's struct kvm_hv:
 * the partition-wide synthetic MSRs and the reference TSC page.
 */
struct svx_hv_tsc_ref {		/* the head of struct ms_hyperv_tsc_page */
	u32 tsc_sequence;
	u32 reserved1;
	u64 tsc_scale;
	s64 tsc_offset;
};

struct svx_hv {
	struct mutex lock;	/* every field below */
	u64 guest_os_id;	/* HV_X64_MSR_GUEST_OS_ID */
	u64 hypercall;		/* HV_X64_MSR_HYPERCALL */
	u64 tsc_page;		/* HV_X64_MSR_REFERENCE_TSC */
	int tsc_page_status;	/* SVX_HV_TSC_PAGE_* (KVM's hv_tsc_page_status) */
	struct svx_hv_tsc_ref tsc_ref;	/* what the page holds when SET */
	u64 reenlightenment_control;
	u64 tsc_emulation_control;
	u64 tsc_emulation_status;
	u64 crash_param[5];	/* HV_X64_MSR_CRASH_P0..P4 */
	u64 crash_ctl;		/* HV_X64_MSR_CRASH_CTL */
	/* KVM_HYPERV_EVENTFD: HvSignalEvent's connection IDs; RCU readers */
	struct idr conn_to_evt;
	/* the synthetic debugger's MSRs (KVM's struct kvm_hv_syndbg) */
	struct {
		u64 control, status, send_page, recv_page, pending_page;
		u64 options;
	} syndbg;
};

/* The VM's kvmclock (core/kvmclock.c) */
struct svx_kvmclock {
	spinlock_t lock;	/* the fields below */
	s64 offset;		/* KVM's kvmclock_offset */
	u64 wall_clock;		/* MSR_KVM_WALL_CLOCK(_NEW) */
	bool master;		/* KVM's use_master_clock */
	bool boot_old;		/* vCPU 0 uses MSR_KVM_SYSTEM_TIME */
	u64 master_cycle;	/* host TSC ... */
	s64 master_ns;		/* ... and base clock of the master clock */
};

/*
 * KVM's TSC write tracking (kvm->arch.last_tsc_* and cur_tsc_offset,
 * vmx/tsc.c svx_synchronize_tsc()): the last VMM write of a TSC, and
 * the offset of the current generation of vCPUs that count together.
 */
struct svx_tsc_sync {
	raw_spinlock_t lock;	/* KVM's tsc_write_lock */
	s64 last_ns;		/* svx_kvmclock_base_ns() of the last write */
	u64 last_write;		/* the TSC value written */
	u32 last_khz;		/* the writer's rate */
	u64 last_offset;
	u64 cur_offset;		/* new vCPUs' offset, at the same rate */
};

struct svx_vm {
	refcount_t users;
	struct mm_struct *mm;
	struct mutex lock;	/* vCPU creation, memslot changes */
	spinlock_t mmu_lock;	/* shadow tables, pinned-page counts */
	struct svx_memslots __rcu *memslots;	/* address space 0 */
	/*
	 * Address space 1 (SVX_AS_SMM): what a vCPU in SMM sees.  Every
	 * change of either set publishes a new address space 0 too, so
	 * that its generation is the generation of both (the MMU compares
	 * vm->memslots' only).
	 */
	struct svx_memslots __rcu *smm_memslots;
	struct svx_vcpu *vcpus[SVX_MAX_VCPUS];
	int nr_vcpus;
	u32 max_vcpu_ids;	/* KVM_CAP_MAX_VCPU_ID; 0: not set yet */
	u64 dirty_log_manual;	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 */
	struct svx_tsc_sync tsc_sync;	/* vmx/tsc.c */
	u32 default_tsc_khz;	/* VM KVM_SET_TSC_KHZ: new vCPUs' rate */
	bool platform_info_hidden;	/* KVM_CAP_MSR_PLATFORM_INFO off */
	u64 disabled_quirks;	/* KVM_CAP_DISABLE_QUIRKS(2), core/quirks.c */
	bool exception_payload;	/* KVM_CAP_EXCEPTION_PAYLOAD enabled */
	bool triple_fault_event;	/* KVM_CAP_X86_TRIPLE_FAULT_EVENT enabled */
	struct svx_kvmclock kvmclock;
	struct svx_hv hv;	/* Hyper-V (core/hyperv.c) */
	u64 tss_addr;		/* KVM_SET_TSS_ADDR */
	unsigned long tss_hva;	/* its private slot's memory (shadow mode) */
	enum svx_paging paging;

	/* Shadow MMU (mmu/). */
	u64 *np_root;		/* nonpaging map, 4 levels */
	u64 *np_spare;		/* an empty one, for svx_mmu_zap_all() */
	/*
	 * The nonpaging map of address space 1, for vCPUs in SMM with
	 * CR0.PG=0 (KVM's role.smm); made by the first such vCPU's MMU
	 * reload, dropped by svx_mmu_zap_all().
	 */
	u64 *np_root_smm;
	unsigned long sp_in_use;
	unsigned long pages_pinned;	/* svx_host_pins() */
	bool pin_unlimited;		/* creator had CAP_IPC_LOCK */
	struct hlist_head *sp_hash;	/* shadow pages by guest gfn */
	struct hlist_head *rmap_hash;	/* writable leaf SPTEs by gfn */
	struct list_head sp_list;
	unsigned long nr_sps;
	unsigned long max_sps;	/* KVM_SET_NR_MMU_PAGES; 0: max_shadow_pages */
	struct list_head unsync_list;	/* leaf shadow pages the guest may write */
	unsigned long nr_unsync;
	/* Guest tables shadowed per 2 MiB region (mmu/page_track.c). */
	struct svx_lpage_ent *lpage;
	bool lpage_full;

	/*
	 * MMU notifier (core/mmu_notifier.c): invalidations of the VMM's
	 * memory running, and completed; both under mmu_lock.  A fault that
	 * pinned a page retries if either moved (svx_mmu_seq_retry()).
	 */
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	struct mmu_notifier mmu_notifier;
	bool mmu_notifier_registered;

	/* EPT (mmu/ept.c), when paging == SVX_PAGING_EPT. */
	u64 *ept_root;
	u64 *ept_zap_scratch;	/* the root's entries during a zap */
	u64 eptp;
	/* The tree of address space 1, for vCPUs in SMM (KVM's role.smm). */
	u64 *ept_root_smm;
	u64 eptp_smm;
	unsigned long ept_pages;

	/*
	 * In-kernel irqchip (core/irqchip.c, irqchip/): NULL until
	 * KVM_CREATE_IRQCHIP; irq_lock covers its models.
	 */
	struct svx_irqchip *irqchip;
	raw_spinlock_t irq_lock;
	struct svx_pit *pit;	/* KVM_CREATE_PIT2 (core/pit.c); irq_lock */
	struct svx_eventfds *evfd;	/* KVM_IOEVENTFD, KVM_IRQFD: core/eventfd.c */
	unsigned int nr_pio_ioeventfds;	/* on the PIO bus, read unlocked */
	u32 bsp_vcpu_id;	/* KVM_SET_BOOT_CPU_ID (before any vCPU) */
	/* KVM_X86_SET_MSR_FILTER, KVM_CAP_X86_USER_SPACE_MSR: core/msr_filter.c */
	struct svx_msr_filter __rcu *msr_filter;
	u32 user_space_msr_mask;

	/* Counters of destroyed vCPUs and VM-wide events. */
	struct svx_stats stats;
	unsigned int id;
	struct ratelimit_state warn_rs;	/* this VM's dmesg lines */
};

/*
 * One dmesg line about a VM, rate-limited per VM (not per call site), so
 * that one VM's flood cannot hide another VM's messages.
 */
#define svx_vm_warn(vm, fmt, ...) do {					\
	struct svx_vm *__vm = (vm);					\
									\
	if (__ratelimit(&__vm->warn_rs))				\
		pr_warn("vm%u: " fmt, __vm->id, ##__VA_ARGS__);		\
} while (0)

/*
 * What the vendor code (vmx/exits.c) does for x86/'s instruction semantics
 * (KVM's kvm_x86_ops get_cpl, kvm_inject_gp(),
 * kvm_skip_emulated_instruction()): declared here, x86/ includes no vmx/
 * header.
 */
void svx_inject_gp(struct svx_vcpu *vcpu);
int svx_guest_cpl(struct svx_vcpu *vcpu);
void svx_skip_insn(struct svx_vcpu *vcpu);

/* The set of slots of address space @as (0, or SVX_AS_SMM). */
static inline struct svx_memslots __rcu **svx_as_memslots(struct svx_vm *vm,
							  int as)
{
	return as == SVX_AS_SMM ? &vm->smm_memslots : &vm->memslots;
}

/* The address space a vCPU's accesses go to: SMM's while in SMM. */
static inline int svx_vcpu_as(const struct svx_vcpu *vcpu)
{
	return vcpu->smm.in_smm ? SVX_AS_SMM : 0;
}

static inline bool svx_vm_ept(const struct svx_vm *vm)
{
	return vm->paging == SVX_PAGING_EPT;
}

/* KVM's kvm_check_has_quirk(): @quirk (KVM_X86_QUIRK_*) is in force. */
static inline bool svx_quirk(const struct svx_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->disabled_quirks) & quirk);
}

/*
 * KVM's kvm_vcpu_has_run() (last_vmentry_cpu set): the vCPU entered the
 * guest, or KVM would have.  KVM_SET_CPUID2 then takes the same table only.
 */
static inline bool svx_vcpu_has_run(const struct svx_vcpu *vcpu)
{
	return vcpu->stats.misc[SVX_STAT_ENTRIES] || vcpu->ran_unentered;
}

static inline void svx_stat_exit(struct svx_vcpu *vcpu, u32 reason)
{
	if (reason < SVX_NR_EXIT_REASONS)
		vcpu->stats.exits[reason]++;
	vcpu->stats.misc[SVX_STAT_EXITS]++;
}

#endif /* SVX_SVX_H */
