// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU and XSAVE state, as KVM 6.1 (arch/x86/kvm/x86.c).
 *
 * The state lives in a guest fpstate from the kernel's FPU core
 * (fpu_alloc_guest_fpstate(), the GPL exports KVM uses).  For the length of
 * KVM_RUN it is swapped into the task (fpu_swap_kvm_fpstate(), KVM's
 * kvm_load_guest_fpu()/kvm_put_guest_fpu()): the guest's registers are then
 * the task's, a context switch saves them into the guest fpstate and sets
 * TIF_NEED_FPU_LOAD, and svx_fpu_prepare_entry() reloads them before the
 * next VM entry (KVM's vcpu_enter_guest()).  Outside KVM_RUN the fpstate in
 * memory is the guest's state: KVM_GET/SET_FPU (core/vcpu.c, through
 * vcpu->fpu, its legacy area) and KVM_GET/SET_XSAVE{,2} read and write it.
 *
 * XCR0: the guest's value is loaded around the VM entry, with interrupts
 * off, when guest CR4.OSXSAVE is set (kvm_load_guest_xsave_state()).
 * XSETBV exits with __kvm_set_xcr()'s checks; KVM_GET/SET_XCRS likewise.
 * What the guest may enable is KVM_SUPPORTED_XCR0 minus what the module
 * does not deliver (MPX: no BNDCFGS switching; PKRU: no PKU; AMX: no XFD),
 * masked by the host's XCR0 and the guest's CPUID leaf 0xd.  XSAVES as
 * kvm_intel: with the "enable XSAVES" control when the guest's CPUID has
 * XSAVE and XSAVES (else #UD), IA32_XSS 0 only (KVM 6.1 supports no
 * IA32_XSS bit).
 *
 * Guest XMM registers for the instruction emulator: svx_fpu_get_xmm() and
 * svx_fpu_set_xmm() (KVM's kvm_fpu_get()/_kvm_read_sse_reg()), which work
 * in and out of KVM_RUN.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>

#include "svx.h"
#include "mmu_host.h"
#include "cpuid.h"
#include "fpu.h"

/* KVM_SUPPORTED_XCR0 less MPX, PKRU and AMX, which are not delivered. */
#define SVX_SUPPORTED_XCR0	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512)
#define SVX_XCR0_EXTEND		(~(u64)XFEATURE_MASK_FPSSE)

static u64 svx_host_xcr0;
static u64 svx_host_xss;
static bool svx_xsaves_control;
u64 svx_supported_xcr0;

/* @xsaves_control: the CPU can give XSAVES to a guest (a VMX control). */
void svx_fpu_init(bool xsaves_control)
{
	svx_xsaves_control = xsaves_control;
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return;
	svx_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	svx_supported_xcr0 = svx_host_xcr0 & SVX_SUPPORTED_XCR0;
	if (boot_cpu_has(X86_FEATURE_XSAVES))
		rdmsrl(MSR_IA32_XSS, svx_host_xss);
}

/* XSAVES/XRSTORS can be given to a guest: the CPU has the control. */
bool svx_fpu_xsaves_usable(void)
{
	return boot_cpu_has(X86_FEATURE_XSAVES) && svx_supported_xcr0 &&
	       svx_xsaves_control;
}

/*
 * After KVM_SET_CPUID2 (vmx_compute_secondary_exec_control()): the "enable
 * XSAVES" control only with XSAVE and XSAVES in the guest's CPUID, else
 * XSAVES is #UD (vmx/cpufeat.c sets it).  No IA32_XSS bit is supported
 * (KVM 6.1's supported_xss is 0): XSS-exiting bitmap 0, IA32_XSS 0.
 */
bool svx_fpu_after_set_cpuid(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e1 = svx_cpuid_find(vcpu, 1, 0);
	const struct kvm_cpuid_entry2 *d1 = svx_cpuid_find(vcpu, 0xd, 1);

	vcpu->xsaves_enabled = svx_fpu_xsaves_usable() &&
			       e1 && (e1->ecx & BIT(X86_FEATURE_XSAVE & 31)) &&
			       d1 && (d1->eax & BIT(X86_FEATURE_XSAVES & 31));
	return vcpu->xsaves_enabled;
}

/* IA32_XSS (kvm_get_msr_common/kvm_set_msr_common): 0 or 1 (#GP). */
int svx_fpu_xss_msr(struct svx_vcpu *vcpu, u64 *data, bool write, bool host)
{
	const struct kvm_cpuid_entry2 *d1 = svx_cpuid_find(vcpu, 0xd, 1);

	if (!host && !(d1 && (d1->eax & BIT(X86_FEATURE_XSAVES & 31))))
		return 1;
	if (!write) {
		*data = 0;
		return 0;
	}
	return *data != 0;	/* no supported IA32_XSS bit */
}

/* KVM's xstate_required_size(), from the host's CPUID leaf 0xd. */
u32 svx_xstate_size(u64 xstate_bv, bool compacted)
{
	u32 ret = 512 + 64;	/* legacy area + XSAVE header */
	int bit = 0;

	xstate_bv &= SVX_XCR0_EXTEND;
	while (xstate_bv) {
		if (xstate_bv & 1) {
			u32 eax, ebx, ecx, edx, offset;

			cpuid_count(0xd, bit, &eax, &ebx, &ecx, &edx);
			if (compacted)	/* ECX[1]: 64-byte aligned */
				offset = (ecx & 2) ? ALIGN(ret, 64) : ret;
			else
				offset = ebx;
			ret = max(ret, offset + eax);
		}
		xstate_bv >>= 1;
		bit++;
	}
	return ret;
}

/* KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2): the size of KVM_GET_XSAVE2's buffer. */
int svx_fpu_xsave2_size(void)
{
	return max_t(u32, svx_xstate_size(svx_supported_xcr0, false),
		     sizeof(struct kvm_xsave));
}

int svx_fpu_vcpu_init(struct svx_vcpu *vcpu)
{
	/* the FPU core's allocation, fallible as the module's own */
	if (svx_should_fail() || !fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		return -ENOMEM;
	vcpu->fpu = &vcpu->guest_fpu.fpstate->regs.fxsave;
	vcpu->xcr0 = XFEATURE_MASK_FP;	/* kvm_vcpu_reset() */
	return 0;
}

void svx_fpu_vcpu_free(struct svx_vcpu *vcpu)
{
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
	vcpu->fpu = NULL;
}

/* Start of KVM_RUN: the guest's state becomes the task's (kvm_load_guest_fpu). */
void svx_fpu_load_guest(struct svx_vcpu *vcpu)
{
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	vcpu->fpu_loaded = true;
}

/* End of KVM_RUN (kvm_put_guest_fpu). */
void svx_fpu_put_guest(struct svx_vcpu *vcpu)
{
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	vcpu->fpu_loaded = false;
}

/* Interrupts off, just before VM entry: the registers hold the guest's. */
void svx_fpu_prepare_entry(struct svx_vcpu *vcpu)
{
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}

/* kvm_load_guest_xsave_state(), interrupts off. */
void svx_fpu_load_guest_xcr0(struct svx_vcpu *vcpu)
{
	if (!(vcpu->cr4 & X86_CR4_OSXSAVE))
		return;
	if (vcpu->xcr0 != svx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (vcpu->xsaves_enabled && svx_host_xss)	/* the guest's is 0 */
		wrmsrl(MSR_IA32_XSS, 0);
}

/* kvm_load_host_xsave_state(), right after VM exit. */
void svx_fpu_load_host_xcr0(struct svx_vcpu *vcpu)
{
	if (!(vcpu->cr4 & X86_CR4_OSXSAVE))
		return;
	if (vcpu->xcr0 != svx_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, svx_host_xcr0);
	if (vcpu->xsaves_enabled && svx_host_xss)
		wrmsrl(MSR_IA32_XSS, svx_host_xss);
}

/* The XCR0 the guest's CPUID allows (cpuid_get_supported_xcr0()). */
void svx_fpu_update_cpuid(struct svx_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = svx_cpuid_find(vcpu, 0xd, 0);

	vcpu->guest_supported_xcr0 =
		e ? (e->eax | (u64)e->edx << 32) & svx_supported_xcr0 : 0;
}

/* KVM's __kvm_set_xcr(): 0 when taken, 1 for #GP / -EINVAL. */
static int svx_set_xcr(struct svx_vcpu *vcpu, u32 index, u64 xcr0)
{
	u64 valid;

	if (index != XCR_XFEATURE_ENABLED_MASK)
		return 1;
	if (!(xcr0 & XFEATURE_MASK_FP))
		return 1;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return 1;
	/* Bit 0 is always allowed, even without XSAVE in CPUID. */
	valid = vcpu->guest_supported_xcr0 | XFEATURE_MASK_FP;
	if (xcr0 & ~valid)
		return 1;
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return 1;
	if (xcr0 & XFEATURE_MASK_AVX512) {
		if (!(xcr0 & XFEATURE_MASK_YMM))
			return 1;
		if ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
			return 1;
	}
	vcpu->xcr0 = xcr0;
	return 0;
}

/*
 * XSETBV exit (kvm_emulate_xsetbv()): #UD for CR4.OSXSAVE=0 came from the
 * CPU before the exit; CPL > 0 or a value __kvm_set_xcr() refuses is #GP.
 */
int svx_handle_xsetbv(struct svx_vcpu *vcpu)
{
	u64 val = (u32)vcpu->regs[SVX_RAX] | (u64)vcpu->regs[SVX_RDX] << 32;

	if (svx_guest_cpl(vcpu) != 0 ||
	    svx_set_xcr(vcpu, (u32)vcpu->regs[SVX_RCX], val)) {
		svx_inject_gp(vcpu);
		return SVX_RESUME;
	}
	svx_skip_insn(vcpu);
	return SVX_RESUME;
}

static long svx_get_xcrs(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs *x;
	long r = 0;

	x = svx_fallible(kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT));
	if (!x)
		return -ENOMEM;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		x->nr_xcrs = 1;
		x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		x->xcrs[0].value = vcpu->xcr0;
	}
	if (copy_to_user(argp, x, sizeof(*x)))
		r = -EFAULT;
	kfree(x);
	return r;
}

static long svx_set_xcrs(struct svx_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs *x;
	long r = 0;
	u32 i;

	x = svx_fallible_ptr(memdup_user(argp, sizeof(*x)));
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (!boot_cpu_has(X86_FEATURE_XSAVE)) {
		svx_vm_warn(vcpu->vm, "KVM_SET_XCRS: the host has no XSAVE\n");
		r = -EINVAL;
		goto out;
	}
	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags) {
		svx_vm_warn(vcpu->vm, "KVM_SET_XCRS: nr_xcrs %u (at most %d), flags %#x (must be 0)\n",
			    x->nr_xcrs, KVM_MAX_XCRS, x->flags);
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;	/* only XCR0, as KVM */
		if (svx_set_xcr(vcpu, XCR_XFEATURE_ENABLED_MASK,
				x->xcrs[i].value)) {
			svx_vm_warn(vcpu->vm, "KVM_SET_XCRS: XCR0 %#llx not valid (guest may have %#llx)\n",
				    x->xcrs[i].value,
				    vcpu->guest_supported_xcr0 | XFEATURE_MASK_FP);
			r = -EINVAL;
		}
		break;
	}
out:
	kfree(x);
	return r;
}

/* KVM_GET_XSAVE (@size 4096) and KVM_GET_XSAVE2 (@size from KVM_CAP_XSAVE2). */
static long svx_get_xsave(struct svx_vcpu *vcpu, void __user *argp,
			  unsigned int size)
{
	void *buf;
	long r = 0;

	buf = svx_fallible(kzalloc(size, GFP_KERNEL_ACCOUNT));
	if (!buf)
		return -ENOMEM;
	/* FP and SSE always, even without XSAVE (KVM's comment). */
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, buf, size,
				       vcpu->guest_supported_xcr0 |
				       XFEATURE_MASK_FPSSE, 0);
	if (copy_to_user(argp, buf, size))
		r = -EFAULT;
	kfree(buf);
	return r;
}

static long svx_set_xsave(struct svx_vcpu *vcpu, void __user *argp)
{
	union fpregs_state *xstate;
	u32 pkru = 0;
	long r;

	xstate = svx_fallible_ptr(memdup_user(argp, vcpu->guest_fpu.uabi_size));
	if (IS_ERR(xstate))
		return PTR_ERR(xstate);
	xstate->xsave.header.xfeatures &= ~vcpu->guest_fpu.fpstate->xfd;
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xstate,
					   svx_supported_xcr0, &pkru);
	if (r)
		svx_vm_warn(vcpu->vm, "KVM_SET_XSAVE: bad header: XSTATE_BV %#llx (supported %#llx), XCOMP_BV %#llx, or MXCSR %#x\n",
			    xstate->xsave.header.xfeatures, svx_supported_xcr0,
			    xstate->xsave.header.xcomp_bv,
			    xstate->fxsave.mxcsr);
	kfree(xstate);
	return r;
}

/* The vCPU ioctls of this file; -ENOTTY for any other. */
long svx_fpu_ioctl(struct svx_vcpu *vcpu, unsigned int ioctl,
		   void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_XSAVE:
		/* As KVM: the 4 KiB struct must hold the whole state. */
		if (vcpu->guest_fpu.uabi_size > sizeof(struct kvm_xsave)) {
			svx_vm_warn(vcpu->vm, "KVM_GET_XSAVE: state is %u bytes, use KVM_GET_XSAVE2\n",
				    vcpu->guest_fpu.uabi_size);
			return -EINVAL;
		}
		return svx_get_xsave(vcpu, argp, sizeof(struct kvm_xsave));
	case KVM_GET_XSAVE2:
		return svx_get_xsave(vcpu, argp, vcpu->guest_fpu.uabi_size);
	case KVM_SET_XSAVE:
		return svx_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return svx_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return svx_set_xcrs(vcpu, argp);
	}
	return -ENOTTY;
}

/*
 * Guest XMM registers for the emulator (KVM's kvm_fpu_get() and
 * _kvm_read_sse_reg()/_kvm_write_sse_reg()).  In KVM_RUN the guest's
 * registers are the CPU's (reloaded first if a context switch saved
 * them); outside it, the fpstate's legacy area is (KVM_SET_XSAVE keeps
 * XSTATE_BV.SSE, so a register in its init state reads as zero).
 */
static void svx_read_xmm_hw(int reg, sse128_t *v)
{
	switch (reg) {
	case 0:
		asm volatile("movdqu %%xmm0, %0" : "=m"(*v));
		break;
	case 1:
		asm volatile("movdqu %%xmm1, %0" : "=m"(*v));
		break;
	case 2:
		asm volatile("movdqu %%xmm2, %0" : "=m"(*v));
		break;
	case 3:
		asm volatile("movdqu %%xmm3, %0" : "=m"(*v));
		break;
	case 4:
		asm volatile("movdqu %%xmm4, %0" : "=m"(*v));
		break;
	case 5:
		asm volatile("movdqu %%xmm5, %0" : "=m"(*v));
		break;
	case 6:
		asm volatile("movdqu %%xmm6, %0" : "=m"(*v));
		break;
	case 7:
		asm volatile("movdqu %%xmm7, %0" : "=m"(*v));
		break;
	case 8:
		asm volatile("movdqu %%xmm8, %0" : "=m"(*v));
		break;
	case 9:
		asm volatile("movdqu %%xmm9, %0" : "=m"(*v));
		break;
	case 10:
		asm volatile("movdqu %%xmm10, %0" : "=m"(*v));
		break;
	case 11:
		asm volatile("movdqu %%xmm11, %0" : "=m"(*v));
		break;
	case 12:
		asm volatile("movdqu %%xmm12, %0" : "=m"(*v));
		break;
	case 13:
		asm volatile("movdqu %%xmm13, %0" : "=m"(*v));
		break;
	case 14:
		asm volatile("movdqu %%xmm14, %0" : "=m"(*v));
		break;
	case 15:
		asm volatile("movdqu %%xmm15, %0" : "=m"(*v));
		break;
	}
}

static void svx_write_xmm_hw(int reg, const sse128_t *v)
{
	switch (reg) {
	case 0:
		asm volatile("movdqu %0, %%xmm0" : : "m"(*v));
		break;
	case 1:
		asm volatile("movdqu %0, %%xmm1" : : "m"(*v));
		break;
	case 2:
		asm volatile("movdqu %0, %%xmm2" : : "m"(*v));
		break;
	case 3:
		asm volatile("movdqu %0, %%xmm3" : : "m"(*v));
		break;
	case 4:
		asm volatile("movdqu %0, %%xmm4" : : "m"(*v));
		break;
	case 5:
		asm volatile("movdqu %0, %%xmm5" : : "m"(*v));
		break;
	case 6:
		asm volatile("movdqu %0, %%xmm6" : : "m"(*v));
		break;
	case 7:
		asm volatile("movdqu %0, %%xmm7" : : "m"(*v));
		break;
	case 8:
		asm volatile("movdqu %0, %%xmm8" : : "m"(*v));
		break;
	case 9:
		asm volatile("movdqu %0, %%xmm9" : : "m"(*v));
		break;
	case 10:
		asm volatile("movdqu %0, %%xmm10" : : "m"(*v));
		break;
	case 11:
		asm volatile("movdqu %0, %%xmm11" : : "m"(*v));
		break;
	case 12:
		asm volatile("movdqu %0, %%xmm12" : : "m"(*v));
		break;
	case 13:
		asm volatile("movdqu %0, %%xmm13" : : "m"(*v));
		break;
	case 14:
		asm volatile("movdqu %0, %%xmm14" : : "m"(*v));
		break;
	case 15:
		asm volatile("movdqu %0, %%xmm15" : : "m"(*v));
		break;
	}
}

void svx_fpu_get_xmm(struct svx_vcpu *vcpu, int reg, sse128_t *v)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;

	if (WARN_ON_ONCE(reg < 0 || reg > 15))
		return;
	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		svx_read_xmm_hw(reg, v);
	} else {
		memcpy(v, &fx->xmm_space[reg * 4], sizeof(*v));
	}
	fpregs_unlock();
}

void svx_fpu_set_xmm(struct svx_vcpu *vcpu, int reg, const sse128_t *v)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;

	if (WARN_ON_ONCE(reg < 0 || reg > 15))
		return;
	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		svx_write_xmm_hw(reg, v);
	} else {
		memcpy(&fx->xmm_space[reg * 4], v, sizeof(*v));
	}
	fpregs_unlock();
}

/*
 * Guest MMX registers and the x87 status word for the emulator (KVM's
 * kvm_read_mmx_reg()/kvm_write_mmx_reg() and flush_pending_x87_faults()).
 * MMn is the physical register Rn: in the FXSAVE image ST(i) is
 * R((TOP + i) & 7).  A write is an MMX instruction's: TOP 0, every tag
 * valid, the exponent bits all ones, as the CPU's movq to mmN does.
 */
static void svx_read_mmx_hw(int reg, u64 *v)
{
	switch (reg) {
	case 0:
		asm volatile("movq %%mm0, %0" : "=m"(*v));
		break;
	case 1:
		asm volatile("movq %%mm1, %0" : "=m"(*v));
		break;
	case 2:
		asm volatile("movq %%mm2, %0" : "=m"(*v));
		break;
	case 3:
		asm volatile("movq %%mm3, %0" : "=m"(*v));
		break;
	case 4:
		asm volatile("movq %%mm4, %0" : "=m"(*v));
		break;
	case 5:
		asm volatile("movq %%mm5, %0" : "=m"(*v));
		break;
	case 6:
		asm volatile("movq %%mm6, %0" : "=m"(*v));
		break;
	case 7:
		asm volatile("movq %%mm7, %0" : "=m"(*v));
		break;
	}
}

static void svx_write_mmx_hw(int reg, const u64 *v)
{
	switch (reg) {
	case 0:
		asm volatile("movq %0, %%mm0" : : "m"(*v));
		break;
	case 1:
		asm volatile("movq %0, %%mm1" : : "m"(*v));
		break;
	case 2:
		asm volatile("movq %0, %%mm2" : : "m"(*v));
		break;
	case 3:
		asm volatile("movq %0, %%mm3" : : "m"(*v));
		break;
	case 4:
		asm volatile("movq %0, %%mm4" : : "m"(*v));
		break;
	case 5:
		asm volatile("movq %0, %%mm5" : : "m"(*v));
		break;
	case 6:
		asm volatile("movq %0, %%mm6" : : "m"(*v));
		break;
	case 7:
		asm volatile("movq %0, %%mm7" : : "m"(*v));
		break;
	}
}

void svx_fpu_get_mmx(struct svx_vcpu *vcpu, int reg, u64 *v)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	int st;

	if (WARN_ON_ONCE(reg < 0 || reg > 7))
		return;
	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		svx_read_mmx_hw(reg, v);
	} else {
		st = (reg - ((fx->swd >> 11) & 7)) & 7;
		memcpy(v, &fx->st_space[st * 4], sizeof(*v));
	}
	fpregs_unlock();
}

void svx_fpu_set_mmx(struct svx_vcpu *vcpu, int reg, u64 v)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;

	if (WARN_ON_ONCE(reg < 0 || reg > 7))
		return;
	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		svx_write_mmx_hw(reg, &v);
	} else {
		fx->swd &= ~(7U << 11);
		fx->twd = 0xff;
		memcpy(&fx->st_space[reg * 4], &v, sizeof(v));
		fx->st_space[reg * 4 + 2] |= 0xffff;
	}
	fpregs_unlock();
}

/* The guest's x87 control word (fnstcw on MMIO, as KVM's em_fnstcw()). */
u16 svx_fpu_get_fcw(struct svx_vcpu *vcpu)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	u16 fcw;

	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		asm volatile("fnstcw %0" : "=m"(fcw));
	} else {
		fcw = fx->cwd;
	}
	fpregs_unlock();
	return fcw;
}

/* The guest's x87 status word (ES, bit 7: an unmasked exception pending). */
u16 svx_fpu_get_fsw(struct svx_vcpu *vcpu)
{
	struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;
	u16 fsw;

	fpregs_lock();
	if (vcpu->fpu_loaded) {
		if (test_thread_flag(TIF_NEED_FPU_LOAD))
			switch_fpu_return();
		asm volatile("fnstsw %0" : "=m"(fsw));
	} else {
		fsw = fx->swd;
	}
	fpregs_unlock();
	return fsw;
}
