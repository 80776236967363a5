/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel irqchip: device models of KVM's in-kernel irqchip, in plain
 * C, host-agnostic like mmu/ (they also build in userspace, under
 * tools/testing/irqchip, for unit tests):
 *
 *   i8259.c     two 8259A PICs (master 0x20/0x21, slave 0xa0/0xa1, ELCR
 *               0x4d0/0x4d1), KVM's struct kvm_pic_state as their state
 *   ioapic.c    the IOAPIC (24 pins, MMIO at 0xfec00000), struct
 *               kvm_ioapic_state as its state
 *   lapic.c     a local APIC per vCPU: xAPIC MMIO page, x2APIC MSRs, timer
 *               (one-shot, periodic, TSC-deadline), IPIs, INIT/SIPI, EOI,
 *               TPR/CR8; its register page is KVM's struct kvm_lapic_state
 *   irq_route.c GSI routing (KVM_SET_GSI_ROUTING, KVM's default table),
 *               KVM_IRQ_LINE, MSI decoding, and delivery of an interrupt
 *               message to the local APICs it addresses
 *
 * Locking: every function here is called with the VM's irqchip lock held
 * (a spinlock taken with interrupts off, since the APIC timer fires in hard
 * interrupt context); none of them sleeps or allocates, except
 * svx_irq_routing_new().
 *
 * What the models need from their host is the few svx_irq_host_* functions
 * at the end: core/irqchip.c implements them in the kernel,
 * tools/testing/irqchip in userspace.
 */
#ifndef SVX_IRQCHIP_IRQCHIP_H
#define SVX_IRQCHIP_IRQCHIP_H

#include <linux/types.h>
#include <linux/kvm.h>

#define SVX_IRQ_MAX_LAPICS	32	/* = SVX_MAX_VCPUS, at most 32 (u32 masks) */
#define SVX_IOAPIC_PINS		24	/* KVM_IOAPIC_NUM_PINS */
#define SVX_IOAPIC_BASE		0xfec00000ULL
#define SVX_IOAPIC_SIZE		0x100
#define SVX_APIC_BASE		0xfee00000ULL	/* APIC_DEFAULT_PHYS_BASE */
#define SVX_MAX_IRQ_ROUTES	4096		/* KVM_MAX_IRQ_ROUTES */
#define SVX_NR_GSIS		SVX_MAX_IRQ_ROUTES

struct svx_irqchip;

/* Delivery modes: ICR/redirection-entry bits 10:8 */
enum svx_irq_dm {
	SVX_DM_FIXED = 0, SVX_DM_LOWEST = 1, SVX_DM_SMI = 2, SVX_DM_NMI = 4,
	SVX_DM_INIT = 5, SVX_DM_SIPI = 6, SVX_DM_EXTINT = 7,
};

/* Destination shorthands: ICR bits 19:18 */
enum svx_irq_shorthand {
	SVX_SH_NONE = 0, SVX_SH_SELF = 1, SVX_SH_ALL = 2, SVX_SH_OTHERS = 3,
};

/*
 * One interrupt message: an IOAPIC redirection entry firing, an MSI, an
 * IPI (KVM's struct kvm_lapic_irq).
 */
struct svx_irq_msg {
	u32 dest_id;		/* APIC ID or logical destination */
	u8 vector;
	u8 delivery_mode;	/* enum svx_irq_dm */
	u8 shorthand;		/* enum svx_irq_shorthand */
	bool dest_logical;
	bool level;		/* level-triggered */
	bool assert;		/* level: assert (INIT level de-assert: 0) */
	bool msi_redir_hint;
};

/* ------------------------------------------------------------------ */
/* i8259.c                                                             */

struct svx_pic {
	struct kvm_pic_state pics[2];	/* [0] master, [1] slave */
	bool output;			/* INTR of the master */
	u8 irq_states[16];		/* per pin: a bit per SVX_IRQ_SRC_* */
};

void svx_pic_reset(struct svx_pic *p);
/* Pin @irq (0-15) to @level; KVM's kvm_pic_set_irq() status. */
int svx_pic_set_irq(struct svx_pic *p, int irq, int level);
/* INTA cycle: the vector the PICs deliver (spurious 7/15 as hardware). */
int svx_pic_read_irq(struct svx_pic *p);
/*
 * A byte of port I/O at 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1: 0, or -1 (not a
 * PIC port).  KVM ignores wider writes and reads them as 0: the caller's.
 */
int svx_pic_pio(struct svx_pic *p, u16 port, bool write, u8 *val);
/* KVM_GET/SET_IRQCHIP for chip_id 0/1: @s is kvm_irqchip.chip.pic. */
void svx_pic_get(struct svx_pic *p, int id, struct kvm_pic_state *s);
void svx_pic_set(struct svx_pic *p, int id, const struct kvm_pic_state *s);

/* ------------------------------------------------------------------ */
/* ioapic.c                                                            */

struct svx_ioapic {
	struct kvm_ioapic_state s;	/* base, ioregsel, id, redirtbl */
	u32 line_level;			/* pins asserted now (KVM's irr) */
	u32 irr_delivered;		/* edge pins delivered since raised */
	u8 irq_states[SVX_IOAPIC_PINS];	/* per pin: a bit per SVX_IRQ_SRC_* */
};

void svx_ioapic_reset(struct svx_ioapic *io);
/* Pin @irq to @level; KVM's kvm_ioapic_set_irq() status (<0 masked...). */
int svx_ioapic_set_irq(struct svx_irqchip *chip, int irq, int level);
/* The IOAPIC's 256-byte window at s.base_address: 0, or -1 (not ours). */
int svx_ioapic_mmio(struct svx_irqchip *chip, u64 gpa, bool write,
		    void *val, unsigned int len);
/*
 * A local APIC EOI'd @vector (KVM's kvm_ioapic_send_eoi()): the ack
 * notifiers of the pins with that vector; @level (its TMR bit was set, no
 * directed EOI): remote IRR cleared, re-delivery.
 */
void svx_ioapic_eoi(struct svx_irqchip *chip, int vector, bool level);
/*
 * Does an EOI of @vector matter to the IOAPIC (KVM's
 * kvm_ioapic_handles_vector())?  Here: any redirection entry has that
 * vector, a superset of KVM's (level, ack notifier or RTC entries
 * targeting the vCPU).
 */
bool svx_ioapic_handles_vector(struct svx_irqchip *chip, int vector);
void svx_ioapic_get(struct svx_ioapic *io, struct kvm_ioapic_state *s);
void svx_ioapic_set(struct svx_irqchip *chip, const struct kvm_ioapic_state *s);

/* ------------------------------------------------------------------ */
/* lapic.c                                                             */

/* svx_lapic.events */
#define SVX_LAPIC_EV_INIT	0x1	/* INIT received */
#define SVX_LAPIC_EV_SIPI	0x2	/* SIPI received: sipi_vector */
#define SVX_LAPIC_EV_SMI	0x4	/* SMI received (core/: SMM, vmx/smm.c) */

struct svx_lapic {
	struct svx_irqchip *chip;
	int idx;		/* index in chip->lapics[], the vCPU's */
	u32 vcpu_id;		/* KVM vCPU id: the initial APIC ID */
	u64 base;		/* IA32_APIC_BASE */
	u8 regs[KVM_APIC_REG_SIZE] __aligned(4);	/* kvm_lapic_state */
	u32 tsc_khz;		/* guest TSC rate, for TSC-deadline mode */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE */
	u64 timer_start_ns;	/* one-shot/periodic: when TMICT was loaded */
	u64 timer_period_ns;	/* one-shot/periodic: TMICT * divide * bus */
	u64 timer_expires_ns;	/* armed for; 0: not armed */
	unsigned int events;	/* SVX_LAPIC_EV_* */
	u8 sipi_vector;
	unsigned int nmi_pending;
	/* from the guest's CPUID: svx_lapic_set_cpuid() */
	u64 base_rsvd;		/* IA32_APIC_BASE bits above MAXPHYADDR */
	u32 timer_mode_mask;	/* LVTT mode bits: 0, 1 << 17 or 3 << 17 */
	bool x2apic_ok;		/* CPUID.1:ECX.x2APIC */
	u32 timer_mode;		/* LVTT mode in force (KVM's timer_mode) */
	int nr_lvt;		/* 6, or 7 with LVTCMCI: svx_lapic_set_cmci() */
	/*
	 * Hyper-V SynIC (core/hyperv.c), KVM's vec_bitmap and
	 * auto_eoi_bitmap: the vectors of the unmasked SINTs, and of those
	 * with AUTO_EOI.  An EOI of the first calls
	 * svx_irq_host_synic_eoi(); the CPU's taking the second leaves
	 * nothing in service.
	 */
	u32 synic_vec[8];
	u32 synic_auto_eoi[8];
	/*
	 * KVM's highest_isr_cache: the vector the CPU took last while it is
	 * in service, -1 after any EOI (or unknown); PV EOI's test
	 */
	int isr_cache;
};

/* At vCPU creation (power-on state, BSP if @vcpu_id is chip->bsp_vcpu_id). */
void svx_lapic_init(struct svx_lapic *a, struct svx_irqchip *chip, int idx,
		    u32 vcpu_id);
/* INIT (@init: keep base and APIC ID) or power-on reset. */
void svx_lapic_reset(struct svx_lapic *a, bool init);
/*
 * KVM_SET_CPUID2 (KVM's kvm_vcpu_after_set_cpuid()): x2APIC allowed in
 * IA32_APIC_BASE, TSC-deadline mode allowed in LVTT, MAXPHYADDR.  Until
 * the first call the APIC is as KVM's before KVM_SET_CPUID2: no x2APIC,
 * no LVTT timer mode bits (one-shot only), MAXPHYADDR 36.
 */
void svx_lapic_set_cpuid(struct svx_lapic *a, bool x2apic, bool tsc_deadline,
			 unsigned int maxphyaddr);
/*
 * KVM_X86_SETUP_MCE (KVM's kvm_apic_after_set_mcg_cap()): with MCG_CMCI_P
 * the LVT has its seventh entry, LVTCMCI (masked when it appears), and
 * the version register says so; without, 6 entries.
 */
void svx_lapic_set_cmci(struct svx_lapic *a, bool cmci);
/* A CMCI through LVTCMCI: 1 accepted, 0 not (APIC off, entry masked...). */
int svx_lapic_deliver_cmci(struct svx_lapic *a);
/* WRMSR IA32_APIC_BASE: 0, or -1: #GP (as KVM's kvm_set_apic_base()). */
int svx_lapic_set_base(struct svx_lapic *a, u64 value, bool host);
/* The xAPIC page is live (APIC enabled, not x2APIC) at (base & PAGE_MASK). */
bool svx_lapic_mmio_on(const struct svx_lapic *a);
bool svx_lapic_x2apic(const struct svx_lapic *a);
/* An access at @offset (0-0xfff) of the xAPIC page, len 1/2/4/8. */
void svx_lapic_mmio(struct svx_lapic *a, u32 offset, bool write, void *val,
		    unsigned int len);
/* x2APIC MSR 0x800-0x8ff: 0, or -1: #GP. */
int svx_lapic_msr_read(struct svx_lapic *a, u32 msr, u64 *val);
int svx_lapic_msr_write(struct svx_lapic *a, u32 msr, u64 val);
/*
 * Register @reg (APIC_EOI, APIC_ICR...) as an MSR in either mode, KVM's
 * kvm_lapic_msr_read/write() (Hyper-V's EOI/ICR/TPR MSRs): the ICR 64-bit,
 * the others 32 (bits 63:32 set: -1); 0, or -1: #GP.
 */
int svx_lapic_reg_msr_read(struct svx_lapic *a, u32 reg, u64 *val);
int svx_lapic_reg_msr_write(struct svx_lapic *a, u32 reg, u64 val);
/*
 * PV EOI: the in-service vector whose EOI the guest may skip now (KVM's
 * apic_sync_pv_eoi_to_guest() without its IOAPIC test), or -1; and the
 * EOI the guest skipped (KVM's apic_set_eoi()).
 */
int svx_lapic_pv_eoi_vector(struct svx_lapic *a);
void svx_lapic_pv_eoi(struct svx_lapic *a);
/* IA32_TSC_DEADLINE */
u64 svx_lapic_get_tsc_deadline(struct svx_lapic *a);
void svx_lapic_set_tsc_deadline(struct svx_lapic *a, u64 val);
/* CR8 = TPR[7:4] */
u64 svx_lapic_get_cr8(struct svx_lapic *a);
void svx_lapic_set_cr8(struct svx_lapic *a, u64 cr8);
/* Is @a a destination of @m sent by @src (NULL: not an IPI)? */
bool svx_lapic_match_dest(struct svx_lapic *a, const struct svx_irq_msg *m,
			  struct svx_lapic *src);
/* Accept @m at @a (IRR, NMI, INIT, SIPI): 1 accepted, 0 not (disabled...). */
int svx_lapic_accept(struct svx_lapic *a, const struct svx_irq_msg *m);
/* Highest IRR vector above the PPR, or -1. */
int svx_lapic_pending_irq(struct svx_lapic *a);
/* The CPU took @vector (from svx_lapic_pending_irq()): IRR -> ISR. */
void svx_lapic_ack_irq(struct svx_lapic *a, int vector);
/* May the PIC's INTR reach this CPU (LVT0 ExtINT unmasked, or APIC off)? */
bool svx_lapic_accepts_pic(struct svx_lapic *a);
/* KVM_GET/SET_LAPIC; set: 0 or -EINVAL. */
void svx_lapic_get_state(struct svx_lapic *a, struct kvm_lapic_state *s);
int svx_lapic_set_state(struct svx_lapic *a, const struct kvm_lapic_state *s);
/*
 * The host timer armed by svx_irq_host_timer_arm() fired at @now_ns: the
 * LVTT interrupt becomes pending; returns the next expiry (periodic), or 0.
 */
u64 svx_lapic_timer_fn(struct svx_lapic *a, u64 now_ns);

/* ------------------------------------------------------------------ */
/* irq_route.c                                                         */

/*
 * One GSI's routes (KVM allows a GSI on PIC and IOAPIC pins, or an MSI,
 * or a Hyper-V SINT).
 */
struct svx_irq_route {
	u32 gsi;
	u32 type;		/* KVM_IRQ_ROUTING_IRQCHIP / _MSI / _HV_SINT */
	union {
		struct { u32 irqchip, pin; } chip;
		struct kvm_irq_routing_msi msi;
		struct kvm_irq_routing_hv_sint hv_sint;
	};
};

struct svx_irq_routing {
	u32 nr;			/* entries, sorted by gsi */
	u32 max_gsi;		/* highest gsi + 1 */
	struct svx_irq_route e[];
};

/*
 * From KVM_SET_GSI_ROUTING's entries, validated as KVM's
 * kvm_set_irq_routing() (-EINVAL for a bad type/chip/pin/flags, a GSI
 * >= SVX_NR_GSIS, an IRQCHIP GSI also routed to an MSI...); NULL and
 * *err on failure.  Allocated with svx_irq_host_alloc().
 */
struct svx_irq_routing *svx_irq_routing_new(const struct kvm_irq_routing_entry *ue,
					    u32 nr, int *err);
/* KVM's default x86 table: GSI 0-15 on PIC and IOAPIC, 16-23 on IOAPIC. */
struct svx_irq_routing *svx_irq_routing_default(int *err);

struct svx_irqchip {
	struct svx_pic pic;
	struct svx_ioapic ioapic;
	struct svx_irq_routing *routing;
	struct svx_lapic *lapics[SVX_IRQ_MAX_LAPICS];	/* by vCPU index */
	void *host;		/* the host's VM */
	u32 bsp_vcpu_id;	/* KVM_SET_BOOT_CPU_ID's vCPU (default 0) */
	/* KVM_X86_QUIRK_LINT0_REENABLED disabled, as at the last reset */
	bool lint0_quirk_off;
};

/*
 * Interrupt sources: a pin's level is the OR of its sources' levels, as
 * KVM's irq_states (KVM_USERSPACE_IRQ_SOURCE_ID, the PIT's source...).
 */
#define SVX_IRQ_SRC_USER	0	/* KVM_IRQ_LINE */
#define SVX_IRQ_SRC_PIT		1	/* an in-kernel PIT */
#define SVX_IRQ_SRC_RESAMPLE	2	/* KVM_IRQFD_FLAG_RESAMPLE irqfds */
#define SVX_IRQ_NR_SRCS		8

/* After allocation (zeroed): PICs and IOAPIC reset, no routing yet. */
void svx_irqchip_init(struct svx_irqchip *chip, void *host);
/* KVM_IRQ_LINE(_STATUS): KVM's kvm_set_irq() status (-1 none, 0 coalesced). */
int svx_irq_line(struct svx_irqchip *chip, u32 gsi, int level);
/* The same for source @src (SVX_IRQ_SRC_*); svx_irq_line() is _USER's. */
int svx_irq_line_src(struct svx_irqchip *chip, int src, u32 gsi, int level);
/*
 * KVM_SIGNAL_MSI, MSI routes: KVM's kvm_send_userspace_msi() value: -EINVAL
 * (bad flags), -1 (no destination), 0 (not accepted), >0 (accepted).
 */
int svx_irq_msi(struct svx_irqchip *chip, const struct kvm_msi *msi);
/*
 * Deliver @m to every local APIC it addresses (one for lowest priority),
 * kicking each that accepts: number accepted, or -1 (none addressed).
 */
int svx_irq_deliver(struct svx_irqchip *chip, const struct svx_irq_msg *m,
		    struct svx_lapic *src);
/* Does the PIC's INTR reach vCPU @idx now (KVM's kvm_cpu_has_extint())? */
bool svx_irqchip_has_extint(struct svx_irqchip *chip, int idx);

/* ------------------------------------------------------------------ */
/* Host (core/irqchip.c; tools/testing/irqchip in userspace)           */

/* Something became pending at vCPU @idx (IRR, NMI, INIT, SIPI, ExtINT). */
void svx_irq_host_kick(struct svx_irqchip *chip, int idx);
/* Monotonic host time. */
u64 svx_irq_host_now_ns(struct svx_irqchip *chip);
/* The guest's TSC on @a's vCPU now. */
u64 svx_irq_host_guest_tsc(struct svx_lapic *a);
/* Arm @a's timer to fire at @expires_ns (svx_lapic_timer_fn()); 0: cancel. */
void svx_irq_host_timer_arm(struct svx_lapic *a, u64 expires_ns);
/*
 * The guest acknowledged @pin of @irqchip (KVM_IRQCHIP_*: a PIC's EOI or
 * auto-EOI, an EOI of the pin's vector at the IOAPIC), and @pin was masked
 * or unmasked: KVM's ack and mask notifiers (the in-kernel PIT's
 * reinjection).
 */
void svx_irq_host_acked(struct svx_irqchip *chip, unsigned int irqchip,
			unsigned int pin);
void svx_irq_host_masked(struct svx_irqchip *chip, unsigned int irqchip,
			 unsigned int pin, bool masked);
/*
 * A KVM_IRQ_ROUTING_HV_SINT route fired: SINT @sint of the vCPU with
 * Hyper-V VP index @vp_index (KVM's kvm_hv_synic_set_irq()): the number
 * of APICs that accepted it, or -errno (no such SynIC, masked SINT).
 */
int svx_irq_host_hv_sint(struct svx_irqchip *chip, u32 vp_index, u32 sint);
/* @a's vCPU EOI'd @vector, one of its SynIC vectors (a->synic_vec). */
void svx_irq_host_synic_eoi(struct svx_lapic *a, int vector);
/* Zeroed memory for routing tables; may sleep. */
void *svx_irq_host_alloc(size_t size);
void svx_irq_host_free(void *p);

#endif /* SVX_IRQCHIP_IRQCHIP_H */
