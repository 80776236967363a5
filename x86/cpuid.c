// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID policy: what shadowvmx advertises and what a guest's CPUID allows.
 *
 * The rule: a feature is advertised only if the module delivers it exactly
 * as kvm_intel does.  The supported table (KVM_GET_SUPPORTED_CPUID) is built
 * as KVM 6.1's __do_cpuid_func() builds it: the host's CPUID leaves, each
 * feature word masked by an allow-list of what shadowvmx virtualises and by
 * the host kernel's own view (boot_cpu_data), KVM's leaf semantics (index
 * flags, subleaves of leaf 4, zeroed leaves it does not model).  Left out
 * on purpose, because the module does not deliver them: IA32_XSS bits
 * (none, as KVM 6.1), MPX, AMX,
 * the TSC-deadline timer (KVM_CAP_TSC_DEADLINE_TIMER tells it, as KVM), a PMU (leaf 0xa
 * is zero, RDPMC #GP), PDCM, SPEC_CTRL,
 * ARCH_CAPABILITIES and other MSR-backed bits, MONITOR/MWAIT (a NOP, as
 * KVM, which does not advertise it either), PKU, LA57, VMX.  KVM's
 * paravirtual leaves 0x40000000 (signature) and 0x40000001 (features:
 * kvmclock and NOP_IO_DELAY only, SVX_KVM_FEATURES).  As KVM:
 * x2APIC always (the in-kernel local APIC's, irqchip/lapic.c),
 * INVPCID when the CPU has the "enable INVPCID" control, UMIP when the
 * CPU has it or descriptor-table exiting can emulate it, TSC_ADJUST always
 * (an MSR in software, moving the TSC offset), all in vmx/cpufeat.c and
 * vmx/tsc.c; XSAVE, AVX, AVX-512 and leaf 0xd with the XCR0 bits x86/fpu.c
 * switches (svx_supported_xcr0).
 * KVM_GET_EMULATED_CPUID answers an empty table: no instruction is
 * emulated beyond what the CPU runs.
 *
 * Paging modes: what a guest may have depends on how its VM translates
 * (software shadow paging or EPT), e.g. MAXPHYADDR (leaf 0x80000008:
 * the host's usable width under shadow paging, the raw one under EPT, as
 * KVM).  The system fd answers for every mode this CPU can run, i.e. the
 * intersection: what it lists works in any VM.  SVX_GET_SUPPORTED_CPUID on
 * a VM fd (uapi/linux/shadowvmx.h) answers for that VM's mode.
 *
 * The guest side (KVM_SET_CPUID2 accepts any table, as KVM): the table
 * decides what the guest may enable, as KVM's __cr4_reserved_bits() and
 * __kvm_valid_efer(): CR4.SMEP/SMAP/FSGSBASE/PCIDE/UMIP/OSXSAVE/PKE/LA57/
 * VMXE without their CPUID bit are reserved (#GP on MOV to CR4, -EINVAL
 * from KVM_SET_SREGS), EFER.LME/LMA need LM and EFER.NXE needs NX (a guest
 * WRMSR takes #GP; the VMM's KVM_SET_MSRS is not checked, as in KVM).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xstate.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <uapi/asm/kvm_para.h>

#include "svx.h"
#include "cpuid.h"
#include "fpu.h"

#define F(x)	BIT(X86_FEATURE_##x & 31)

/*
 * KVM_CPUID_FEATURES: kvmclock (both MSR pairs; the stable bit is set in a
 * record only while the master clock holds, core/kvmclock.c) and
 * NOP_IO_DELAY (a hint: port-0x80 delays are not needed).  Not offered:
 * async PF, steal time, PV EOI, PV unhalt/TLB flush/IPI/sched yield,
 * poll control; KVM_CAP_ENFORCE_PV_FEATURE_CPUID.
 */
#define SVX_KVM_FEATURES	(BIT(KVM_FEATURE_CLOCKSOURCE) |		\
				 BIT(KVM_FEATURE_NOP_IO_DELAY) |	\
				 BIT(KVM_FEATURE_CLOCKSOURCE2) |	\
				 BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

enum { SVX_EAX, SVX_EBX, SVX_ECX, SVX_EDX };

/* The feature words the module filters, and what it can deliver in each. */
enum svx_cpuid_word {
	SVX_W_1_ECX, SVX_W_1_EDX, SVX_W_7_EBX, SVX_W_7_ECX, SVX_W_7_EDX,
	SVX_W_X1_ECX, SVX_W_X1_EDX, SVX_NR_WORDS
};

static const struct {
	u32 function;
	u8 reg;
	u8 kword;	/* enum cpuid_leafs: the kernel's word */
	u32 allowed;
} svx_words[SVX_NR_WORDS] = {
	[SVX_W_1_ECX] = { 1, SVX_ECX, CPUID_1_ECX,
		F(XMM3) | F(PCLMULQDQ) | F(SSSE3) | F(CX16) | F(PCID) |
		F(XMM4_1) | F(XMM4_2) | F(MOVBE) | F(POPCNT) | F(AES) |
		F(RDRAND) | F(FMA) | F(XSAVE) | F(AVX) | F(F16C) },
	[SVX_W_1_EDX] = { 1, SVX_EDX, CPUID_1_EDX,
		F(FPU) | F(VME) | F(DE) | F(PSE) | F(TSC) | F(MSR) | F(PAE) |
		F(MCE) | F(CX8) | F(APIC) | F(SEP) | F(MTRR) | F(PGE) |
		F(MCA) | F(CMOV) | F(PAT) | F(PSE36) | F(CLFLUSH) | F(MMX) |
		F(FXSR) | F(XMM) | F(XMM2) | F(SELFSNOOP) },
	[SVX_W_7_EBX] = { 7, SVX_EBX, CPUID_7_0_EBX,
		F(FSGSBASE) | F(BMI1) | F(HLE) | F(FDP_EXCPTN_ONLY) |
		F(SMEP) | F(BMI2) | F(ERMS) | F(INVPCID) | F(RTM) |
		F(ZERO_FCS_FDS) |
		F(RDSEED) | F(ADX) | F(SMAP) | F(CLFLUSHOPT) | F(CLWB) |
		F(SHA_NI) | F(AVX2) | F(AVX512F) | F(AVX512DQ) |
		F(AVX512IFMA) | F(AVX512PF) | F(AVX512ER) | F(AVX512CD) |
		F(AVX512BW) | F(AVX512VL) },
	[SVX_W_7_ECX] = { 7, SVX_ECX, CPUID_7_ECX,
		F(UMIP) | F(GFNI) | F(RDPID) | F(CLDEMOTE) | F(MOVDIRI) |
		F(MOVDIR64B) | F(AVX512VBMI) | F(AVX512_VBMI2) | F(VAES) |
		F(VPCLMULQDQ) | F(AVX512_VNNI) | F(AVX512_BITALG) |
		F(AVX512_VPOPCNTDQ) },
	[SVX_W_7_EDX] = { 7, SVX_EDX, CPUID_7_EDX,
		F(FSRM) | F(MD_CLEAR) | F(SERIALIZE) | F(TSXLDTRK) |
		F(AVX512_4VNNIW) | F(AVX512_4FMAPS) |
		F(AVX512_VP2INTERSECT) | F(AVX512_FP16) },
	[SVX_W_X1_ECX] = { 0x80000001, SVX_ECX, CPUID_8000_0001_ECX,
		F(LAHF_LM) | F(ABM) | F(3DNOWPREFETCH) },
	[SVX_W_X1_EDX] = { 0x80000001, SVX_EDX, CPUID_8000_0001_EDX,
		F(SYSCALL) | F(NX) | F(GBPAGES) | F(RDTSCP) | F(LM) },
};

/* Allowed & raw host CPUID & the host kernel's view; set at module load. */
static u32 svx_caps[SVX_NR_WORDS];

/* CR4 bits no guest may set: not virtualised, or not on this CPU. */
static u64 svx_cr4_rsvd;

static u32 *svx_reg(struct kvm_cpuid_entry2 *e, int reg)
{
	switch (reg) {
	case SVX_EAX:
		return &e->eax;
	case SVX_EBX:
		return &e->ebx;
	case SVX_ECX:
		return &e->ecx;
	}
	return &e->edx;
}

/* CR4 bits that need a CPUID feature (KVM's __cr4_reserved_bits()). */
static u64 svx_cr4_rsvd_for(const u32 *words)
{
	u64 rsvd = X86_CR4_PKE | X86_CR4_LA57 |
		   X86_CR4_VMXE;	/* never in the supported words */

	if (!(words[SVX_W_1_ECX] & F(XSAVE)))
		rsvd |= X86_CR4_OSXSAVE;

	if (!(words[SVX_W_7_EBX] & F(SMEP)))
		rsvd |= X86_CR4_SMEP;
	if (!(words[SVX_W_7_EBX] & F(SMAP)))
		rsvd |= X86_CR4_SMAP;
	if (!(words[SVX_W_7_EBX] & F(FSGSBASE)))
		rsvd |= X86_CR4_FSGSBASE;
	if (!(words[SVX_W_7_ECX] & F(UMIP)))
		rsvd |= X86_CR4_UMIP;
	if (!(words[SVX_W_1_ECX] & F(PCID)))
		rsvd |= X86_CR4_PCIDE;
	return rsvd;
}

/*
 * XSAVE and what needs XCR0 (x86/fpu.c): only with the host's XSAVE, a
 * guest CR4.OSXSAVE the CPU takes, and the XCR0 bits the module switches.
 */
static void svx_xsave_caps(void)
{
	u32 avx512_7ebx = F(AVX512F) | F(AVX512DQ) | F(AVX512IFMA) |
			  F(AVX512PF) | F(AVX512ER) | F(AVX512CD) |
			  F(AVX512BW) | F(AVX512VL);
	u32 avx512_7ecx = F(AVX512VBMI) | F(AVX512_VBMI2) | F(AVX512_VNNI) |
			  F(AVX512_BITALG) | F(AVX512_VPOPCNTDQ);
	u32 avx512_7edx = F(AVX512_4VNNIW) | F(AVX512_4FMAPS) |
			  F(AVX512_VP2INTERSECT) | F(AVX512_FP16);

	if (!(svx_supported_xcr0 & XFEATURE_MASK_SSE))
		svx_caps[SVX_W_1_ECX] &= ~F(XSAVE);
	if (!(svx_caps[SVX_W_1_ECX] & F(XSAVE)) ||
	    !(svx_supported_xcr0 & XFEATURE_MASK_YMM)) {
		svx_caps[SVX_W_1_ECX] &= ~(F(AVX) | F(FMA) | F(F16C));
		svx_caps[SVX_W_7_EBX] &= ~F(AVX2);
		svx_caps[SVX_W_7_ECX] &= ~(F(VAES) | F(VPCLMULQDQ));
	}
	if (!(svx_caps[SVX_W_1_ECX] & F(AVX)) ||
	    (svx_supported_xcr0 & XFEATURE_MASK_AVX512) !=
	    XFEATURE_MASK_AVX512) {
		svx_caps[SVX_W_7_EBX] &= ~avx512_7ebx;
		svx_caps[SVX_W_7_ECX] &= ~avx512_7ecx;
		svx_caps[SVX_W_7_EDX] &= ~avx512_7edx;
	}
}

void svx_cpuid_init(void)
{
	struct kvm_cpuid_entry2 e;
	u32 max7;
	int w;

	max7 = cpuid_eax(0) >= 7;
	for (w = 0; w < SVX_NR_WORDS; w++) {
		u32 fn = svx_words[w].function;

		memset(&e, 0, sizeof(e));
		if ((fn == 7 && max7) || fn == 1 ||
		    (fn >= 0x80000001 && cpuid_eax(0x80000000) >= fn))
			cpuid_count(fn, 0, &e.eax, &e.ebx, &e.ecx, &e.edx);
		svx_caps[w] = *svx_reg(&e, svx_words[w].reg) &
			      svx_words[w].allowed &
			      boot_cpu_data.x86_capability[svx_words[w].kword];
	}
	/* As KVM: TSC_ADJUST is software's (vmx/tsc.c), on any CPU. */
	svx_caps[SVX_W_7_EBX] |= F(TSC_ADJUST);
	/*
	 * As KVM: x2APIC is the in-kernel local APIC's (irqchip/lapic.c),
	 * whatever the host has.  Only a VM with KVM_CREATE_IRQCHIP has it;
	 * a VMM with its own APIC clears the bit, as QEMU does.
	 */
	svx_caps[SVX_W_1_ECX] |= F(X2APIC);
}

/* The module's word holding @feature (X86_FEATURE_*), or NULL. */
static u32 *svx_cap_word(unsigned int feature)
{
	int w;

	for (w = 0; w < SVX_NR_WORDS; w++)
		if (svx_words[w].kword == feature / 32)
			return &svx_caps[w];
	return NULL;
}

/*
 * KVM's kvm_cpu_cap_clear()/kvm_cpu_cap_set(), for the VMX code's
 * adjustments between svx_cpuid_init() and svx_cpuid_finalize().  Setting
 * a bit the module does not filter, or outside its words, is a bug.
 */
void svx_cpu_cap_clear(unsigned int feature)
{
	u32 *word = svx_cap_word(feature);

	if (word)
		*word &= ~BIT(feature & 31);
}

void svx_cpu_cap_set(unsigned int feature)
{
	u32 *word = svx_cap_word(feature);

	if (!WARN_ON_ONCE(!word))
		*word |= BIT(feature & 31);
}

/*
 * After the VMX code's adjustments: what XSAVE brings with it, and the
 * CR4 bits no guest may set (@cr4_supported: the bits the VMX code
 * virtualises at all).
 */
void svx_cpuid_finalize(u64 cr4_supported)
{
	svx_xsave_caps();
	svx_cr4_rsvd = ~cr4_supported | svx_cr4_rsvd_for(svx_caps);
}

/* ---------------------------------------------------------------------- */
/* The supported table                                                     */

struct svx_cpuid_array {
	struct kvm_cpuid_entry2 *entries;
	int maxnent;
	int nent;
};

/* CPUID leaves whose output depends on ECX (the kernel's list). */
static bool svx_cpuid_indexed(u32 function)
{
	switch (function) {
	case 4:
	case 7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x1f:
	case 0x8000001d:
		return true;
	}
	return false;
}

/* The next entry, filled with the host's leaf; NULL when the array is full. */
static struct kvm_cpuid_entry2 *svx_host_leaf(struct svx_cpuid_array *a,
					      u32 function, u32 index)
{
	struct kvm_cpuid_entry2 *e;

	if (a->nent >= a->maxnent)
		return NULL;
	e = &a->entries[a->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	if (svx_cpuid_indexed(function))
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

/*
 * The filtered words replace the host's: a subset of them, plus what the
 * module provides on any CPU (TSC_ADJUST, emulated UMIP), as KVM's
 * kvm_cpu_cap_set().
 */
static void svx_mask_words(struct kvm_cpuid_entry2 *e)
{
	int w;

	for (w = 0; w < SVX_NR_WORDS; w++)
		if (svx_words[w].function == e->function)
			*svx_reg(e, svx_words[w].reg) = svx_caps[w];
}

/*
 * Leaf 0xd as KVM 6.1's __do_cpuid_func(): subleaf 0 is the supported XCR0
 * and its standard size (576 even with none), subleaf 1 the XSAVE
 * instructions delivered (XSAVEOPT, XSAVEC, XGETBV1, XSAVES with its VMX
 * control; no IA32_XSS bits), one subleaf per supported XCR0 component.
 */
static int svx_cpuid_xsave_leaf(struct svx_cpuid_array *a,
				struct kvm_cpuid_entry2 *e)
{
	u64 xcr0 = svx_supported_xcr0;
	u32 d1_eax = 0;
	int i;

	e->eax &= xcr0;
	e->ebx = svx_xstate_size(xcr0, false);
	e->ecx = e->ebx;
	e->edx &= xcr0 >> 32;
	if (!xcr0)
		return 0;
	e = svx_host_leaf(a, 0xd, 1);
	if (!e)
		return -E2BIG;
	if (boot_cpu_has(X86_FEATURE_XSAVEOPT))
		d1_eax |= F(XSAVEOPT);
	if (boot_cpu_has(X86_FEATURE_XSAVEC))
		d1_eax |= F(XSAVEC);
	if (boot_cpu_has(X86_FEATURE_XGETBV1))
		d1_eax |= F(XGETBV1);
	if (svx_fpu_xsaves_usable())
		d1_eax |= F(XSAVES);
	e->eax &= d1_eax;
	e->ebx = (e->eax & (F(XSAVEC) | F(XSAVES))) ?
		 svx_xstate_size(xcr0, true) : 0;
	e->ecx = 0;
	e->edx = 0;
	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		e = svx_host_leaf(a, 0xd, i);
		if (!e)
			return -E2BIG;
		if (WARN_ON_ONCE(!e->eax || (e->ecx & 1))) {
			a->nent--;
			continue;
		}
		e->ecx &= ~BIT(2);	/* no XFD */
		e->edx = 0;
	}
	return 0;
}

/*
 * One leaf (and its subleaves) for a VM in any of the paging modes in
 * @modes (bits of enum svx_paging); -E2BIG when the array is full.
 */
static int svx_do_cpuid_func(struct svx_cpuid_array *a, u32 function,
			     unsigned int modes)
{
	struct kvm_cpuid_entry2 *e = svx_host_leaf(a, function, 0);
	unsigned int phys, virt;
	u32 i;

	if (!e)
		return -E2BIG;
	switch (function) {
	case 0:
		e->eax = min(e->eax, 0x1fU);	/* KVM's highest leaf */
		break;
	case 1:
		svx_mask_words(e);
		break;
	case 2:
		break;
	case 4:		/* caches: subleaves up to the first null type */
		for (i = 1; e->eax & 0x1f; i++) {
			e = svx_host_leaf(a, function, i);
			if (!e)
				return -E2BIG;
		}
		break;
	case 7:		/* subleaf 0 only */
		e->eax = 0;
		svx_mask_words(e);
		break;
	case KVM_CPUID_SIGNATURE:	/* "KVMKVMKVM\0\0\0", as KVM */
		e->eax = KVM_CPUID_FEATURES;
		e->ebx = 0x4b4d564b;
		e->ecx = 0x564b4d56;
		e->edx = 0x4d;
		break;
	case KVM_CPUID_FEATURES:	/* what core/kvmclock.c delivers */
		e->eax = SVX_KVM_FEATURES;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 0x80000000:
		e->eax = min(e->eax, 0x80000008U);
		break;
	case 0x80000001:
		e->ebx &= ~GENMASK(27, 16);
		svx_mask_words(e);
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004:	/* brand string */
	case 0x80000005:
		break;
	case 0x80000006:
		e->edx &= ~GENMASK(17, 16);
		break;
	case 0x80000007:	/* invariant TSC only */
		e->edx &= BIT(8);
		e->eax = 0;
		e->ebx = 0;
		e->ecx = 0;
		break;
	case 0x80000008:
		/*
		 * As KVM: shadow paging shares the host's usable physical
		 * width, EPT gives the raw one; a table for several modes
		 * gives the narrower.
		 */
		phys = e->eax & 0xff;
		if (modes & BIT(SVX_PAGING_SHADOW))
			phys = min_t(unsigned int, phys,
				     boot_cpu_data.x86_phys_bits);
		virt = max_t(unsigned int, (e->eax >> 8) & 0xff, 48);
		e->eax = phys | virt << 8;
		e->ebx = 0;
		e->ecx &= ~(GENMASK(31, 16) | GENMASK(11, 8));
		e->edx = 0;
		break;
	case 0xd:
		return svx_cpuid_xsave_leaf(a, e);
	/*
	 * 3 (serial number), 5 (MONITOR), 6 (power: no APIC timer), 0xa (no
	 * PMU), 0xb and 0x1f (no topology, as KVM), 0x12
	 * (SGX), 0x14 (PT) and everything else: zeros.
	 */
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	}
	return 0;
}

/* Leaves @base .. the limit its own leaf reports. */
static int svx_get_cpuid_range(struct svx_cpuid_array *a, u32 base,
			       unsigned int modes)
{
	u32 function, limit;
	int r;

	r = svx_do_cpuid_func(a, base, modes);
	if (r)
		return r;
	limit = a->entries[a->nent - 1].eax;
	for (function = base + 1; function <= limit; function++) {
		r = svx_do_cpuid_func(a, function, modes);
		if (r)
			return r;
	}
	return 0;
}

static int svx_build_supported(struct svx_cpuid_array *a, unsigned int modes)
{
	int r;

	get_cpu();	/* every leaf from the same CPU */
	r = svx_get_cpuid_range(a, 0, modes);
	if (!r)
		r = svx_get_cpuid_range(a, KVM_CPUID_SIGNATURE, modes);
	if (!r)
		r = svx_get_cpuid_range(a, 0x80000000, modes);
	put_cpu();
	return r;
}

/* KVM's sanity_check_entries(): KVM_GET_EMULATED_CPUID wants zero padding. */
static bool svx_padding_dirty(struct kvm_cpuid_entry2 __user *entries,
			      u32 nent)
{
	u32 i, pad[3];

	for (i = 0; i < nent; i++) {
		if (copy_from_user(pad, entries[i].padding, sizeof(pad)))
			return true;
		if (pad[0] || pad[1] || pad[2])
			return true;
	}
	return false;
}

/*
 * KVM's kvm_dev_ioctl_get_cpuid(): nent < 1 or too small for the table is
 * -E2BIG with nent left as it was; nent above the maximum is clamped; on
 * success nent is the number of entries written.
 */
static long svx_get_cpuid(void __user *argp, unsigned int ioctl,
			  unsigned int modes)
{
	struct kvm_cpuid2 __user *user = argp;
	struct svx_cpuid_array a = { };
	struct kvm_cpuid2 hdr;
	long r;

	if (copy_from_user(&hdr, user, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < 1)
		return -E2BIG;
	if (hdr.nent > SVX_MAX_CPUID_ENTRIES)
		hdr.nent = SVX_MAX_CPUID_ENTRIES;
	if (ioctl == KVM_GET_EMULATED_CPUID &&
	    svx_padding_dirty(user->entries, hdr.nent))
		return -EINVAL;
	a.entries = svx_fallible(kvcalloc(hdr.nent, sizeof(*a.entries), GFP_KERNEL_ACCOUNT));
	if (!a.entries)
		return -ENOMEM;
	a.maxnent = hdr.nent;
	/* Nothing is emulated beyond the CPU: the emulated table is empty. */
	r = ioctl == KVM_GET_EMULATED_CPUID ? 0 : svx_build_supported(&a, modes);
	if (r)
		goto out;
	hdr.nent = a.nent;
	if (copy_to_user(user->entries, a.entries,
			 a.nent * sizeof(*a.entries)) ||
	    copy_to_user(user, &hdr, sizeof(hdr)))
		r = -EFAULT;
out:
	kvfree(a.entries);
	return r;
}

/*
 * The system fd: a table that holds in every paging mode the CPU offers
 * (@modes: BIT(SVX_PAGING_*)).
 */
long svx_cpuid_dev_ioctl(unsigned int ioctl, void __user *argp,
			 unsigned int modes)
{
	return svx_get_cpuid(argp, ioctl, modes);
}

/* SVX_GET_SUPPORTED_CPUID on a VM fd: the table for the VM's paging mode. */
long svx_cpuid_vm_get_supported(struct svx_vm *vm, void __user *argp)
{
	return svx_get_cpuid(argp, KVM_GET_SUPPORTED_CPUID,
			     BIT(READ_ONCE(vm->paging)));
}

/* ---------------------------------------------------------------------- */
/* The guest's table                                                       */

/*
 * KVM's cpuid_entry2_find(): the first entry of table @e for @function and
 * @index (any index with @any_index), or NULL.
 */
static const struct kvm_cpuid_entry2 *
svx_cpuid_entry_find(const struct kvm_cpuid_entry2 *e, int nent,
		     u32 function, u32 index, bool any_index)
{
	int i;

	for (i = 0; i < nent; i++) {
		if (e[i].function != function)
			continue;
		if (any_index || !(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e[i].index == index)
			return &e[i];
	}
	return NULL;
}

const struct kvm_cpuid_entry2 *svx_cpuid_find(struct svx_vcpu *vcpu,
					      u32 function, u32 index)
{
	return svx_cpuid_entry_find(vcpu->cpuid, vcpu->cpuid_nent, function,
				    index, false);
}

/* RDTSCP (0x80000001 EDX 27) or RDPID (7.0 ECX 22): the guest has TSC_AUX. */
bool svx_cpuid_has_tsc_aux(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e;

	e = svx_cpuid_find(vcpu, 0x80000001, 0);
	if (e && (e->edx & F(RDTSCP)))
		return true;
	e = svx_cpuid_find(vcpu, 7, 0);
	return e && (e->ecx & F(RDPID));
}

/* INVPCID (7.0 EBX 10) */
bool svx_cpuid_has_invpcid(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, 7, 0);

	return e && (e->ebx & F(INVPCID));
}

/* IA32_TSC_ADJUST (7.0 EBX 1) */
bool svx_cpuid_has_tsc_adjust(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, 7, 0);

	return e && (e->ebx & F(TSC_ADJUST));
}

/* KVM's kvm_cpuid_check_equal(): is @e the vCPU's table, entry by entry? */
bool svx_cpuid_equal(struct svx_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
		     int nent)
{
	int i;

	if (nent != vcpu->cpuid_nent)
		return false;
	for (i = 0; i < nent; i++) {
		const struct kvm_cpuid_entry2 *o = &vcpu->cpuid[i];

		if (e[i].function != o->function || e[i].index != o->index ||
		    e[i].flags != o->flags || e[i].eax != o->eax ||
		    e[i].ebx != o->ebx || e[i].ecx != o->ecx ||
		    e[i].edx != o->edx)
			return false;
	}
	return true;
}

/*
 * KVM 6.1's kvm_check_cpuid() on a table KVM_SET_CPUID2 is about to
 * install: CPUID.0x80000008 EAX[15:8] (linear address bits) must be 48, 57
 * or 0 (-EINVAL), and a dynamic XSAVE feature in CPUID.0xD.0 (AMX tile
 * data) needs the task's guest permission (ARCH_REQ_XCOMP_GUEST_PERM,
 * else -EPERM from the FPU core, which also grows the guest fpstate).
 */
int svx_cpuid_check(struct svx_vcpu *vcpu, const struct kvm_cpuid_entry2 *e,
		    int nent)
{
	const struct kvm_cpuid_entry2 *best;
	u64 xfeatures;

	best = svx_cpuid_entry_find(e, nent, 0x80000008, 0, true);
	if (best) {
		unsigned int vaddr_bits = (best->eax >> 8) & 0xff;

		if (vaddr_bits != 48 && vaddr_bits != 57 && vaddr_bits != 0) {
			svx_vm_warn(vcpu->vm, "KVM_SET_CPUID2: CPUID.0x80000008 has %u linear address bits (48, 57 or 0)\n",
				    vaddr_bits);
			return -EINVAL;
		}
	}
	best = svx_cpuid_entry_find(e, nent, 0xd, 0, false);
	if (!best)
		return 0;
	xfeatures = (best->eax | ((u64)best->edx << 32)) &
		    XFEATURE_MASK_USER_DYNAMIC;
	if (!xfeatures)
		return 0;
	return fpu_enable_guest_xfd_features(&vcpu->guest_fpu, xfeatures);
}

/*
 * After KVM_SET_CPUID2 (and at vCPU creation, with no table): the CR4 and
 * EFER bits the guest's CPUID does not allow.
 */
void svx_cpuid_update_vcpu(struct svx_vcpu *vcpu)
{
	u32 words[SVX_NR_WORDS];
	int w;

	for (w = 0; w < SVX_NR_WORDS; w++) {
		const struct kvm_cpuid_entry2 *e;

		e = svx_cpuid_find(vcpu, svx_words[w].function, 0);
		words[w] = e ? *svx_reg((struct kvm_cpuid_entry2 *)e,
					svx_words[w].reg) : 0;
	}
	vcpu->cr4_guest_rsvd = svx_cr4_rsvd_for(words);
	svx_fpu_update_cpuid(vcpu);
	vcpu->efer_guest_rsvd = 0;
	if (!(words[SVX_W_X1_EDX] & F(LM)))
		vcpu->efer_guest_rsvd |= EFER_LME | EFER_LMA;
	if (!(words[SVX_W_X1_EDX] & F(NX)))
		vcpu->efer_guest_rsvd |= EFER_NX;
}

/* KVM's kvm_is_valid_cr4(): neither the module's nor the guest's reserved. */
bool svx_cpuid_cr4_valid(struct svx_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & (svx_cr4_rsvd | vcpu->cr4_guest_rsvd));
}

/* CR4 bits the guest may not own: EPT mode intercepts them (KVM does too). */
u64 svx_cpuid_cr4_guest_rsvd(struct svx_vcpu *vcpu)
{
	return svx_cr4_rsvd | vcpu->cr4_guest_rsvd;
}

/* KVM's __kvm_valid_efer(), for a guest WRMSR. */
bool svx_cpuid_efer_valid(struct svx_vcpu *vcpu, u64 efer)
{
	return !(efer & vcpu->efer_guest_rsvd);
}

/*
 * CPUID executed by the guest.  As KVM: a leaf beyond the guest's maximum
 * basic or extended leaf returns the maximum basic leaf (Intel behaviour),
 * a missing leaf in range returns zeros; OSXSAVE and OSPKE follow CR4.
 */
void svx_cpuid_guest(struct svx_vcpu *vcpu, u32 function, u32 index,
		     u32 out[4])
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, function, index);
	const struct kvm_cpuid_entry2 *max;

	if (!e) {
		/* the class's own limit; the hypervisor leaves' as KVM */
		max = svx_cpuid_find(vcpu, function >= 0x40000000 &&
				     function <= 0x4fffffff ?
				     function & 0xffffff00 :
				     function & 0x80000000, 0);
		if (!max || function > max->eax) {
			max = svx_cpuid_find(vcpu, 0, 0);
			if (max) {
				function = max->eax;
				e = svx_cpuid_find(vcpu, function, index);
			}
		}
	}
	out[SVX_EAX] = e ? e->eax : 0;
	out[SVX_EBX] = e ? e->ebx : 0;
	out[SVX_ECX] = e ? e->ecx : 0;
	out[SVX_EDX] = e ? e->edx : 0;
	if (function == 1) {
		out[SVX_ECX] &= ~F(OSXSAVE);
		if (vcpu->cr4 & X86_CR4_OSXSAVE)
			out[SVX_ECX] |= F(OSXSAVE);
	} else if (function == 0xd && e && index == 0) {
		/* kvm_update_cpuid_runtime(): the size for the current XCR0 */
		out[SVX_EBX] = svx_xstate_size(vcpu->xcr0, false);
	} else if (function == 0xd && e && index == 1 &&
		   (e->eax & (F(XSAVES) | F(XSAVEC)))) {
		out[SVX_EBX] = svx_xstate_size(vcpu->xcr0, true);
	} else if (function == 7 && index == 0 &&
		   boot_cpu_has(X86_FEATURE_PKU)) {
		out[SVX_ECX] &= ~F(OSPKE);
		if (vcpu->cr4 & X86_CR4_PKE)
			out[SVX_ECX] |= F(OSPKE);
	}
}
