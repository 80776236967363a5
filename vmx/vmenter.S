/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit.
 *
 * __svx_vmx_run(regs, launched) loads the guest GPRs from @regs (RSP is in
 * the VMCS), executes VMLAUNCH (launched == 0) or VMRESUME, and on VM exit
 * saves the guest GPRs back.  HOST_RSP is written here, right before entry,
 * so the exit lands on exactly this stack frame; HOST_RIP is svx_vmx_vmexit.
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed (VMfail: the
 * VM-instruction error field says why), 2 when it faulted (VMX off).
 * The structure follows KVM's arch/x86/kvm/vmx/vmenter.S so that objtool can
 * follow the control flow.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define WORD_SIZE	8
#define VMCS_HOST_RSP	0x6c14
#define REG_RAX		(0 * WORD_SIZE)
#define REG_RCX		(1 * WORD_SIZE)
#define REG_RDX		(2 * WORD_SIZE)
#define REG_RBX		(3 * WORD_SIZE)
#define REG_RBP		(5 * WORD_SIZE)
#define REG_RSI		(6 * WORD_SIZE)
#define REG_RDI		(7 * WORD_SIZE)
#define REG_R8		(8 * WORD_SIZE)
#define REG_R9		(9 * WORD_SIZE)
#define REG_R10		(10 * WORD_SIZE)
#define REG_R11		(11 * WORD_SIZE)
#define REG_R12		(12 * WORD_SIZE)
#define REG_R13		(13 * WORD_SIZE)
#define REG_R14		(14 * WORD_SIZE)
#define REG_R15		(15 * WORD_SIZE)

.section .text, "ax"

SYM_FUNC_START(__svx_vmx_run)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* Save @regs: it is needed after VM exit. */
	push %rdi

	/* Point HOST_RSP at this frame. */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax

	/* Load @regs to RAX, CF = !launched decides VMLAUNCH. */
	mov %rdi, %rax
	cmp $1, %esi

	mov REG_RCX(%rax), %rcx
	mov REG_RDX(%rax), %rdx
	mov REG_RBX(%rax), %rbx
	mov REG_RBP(%rax), %rbp
	mov REG_RSI(%rax), %rsi
	mov REG_RDI(%rax), %rdi
	mov REG_R8(%rax),  %r8
	mov REG_R9(%rax),  %r9
	mov REG_R10(%rax), %r10
	mov REG_R11(%rax), %r11
	mov REG_R12(%rax), %r12
	mov REG_R13(%rax), %r13
	mov REG_R14(%rax), %r14
	mov REG_R15(%rax), %r15
	mov REG_RAX(%rax), %rax

	/*
	 * MDS and the like (vmx/spec.c): VERW clears the CPU buffers; it
	 * clobbers ZF only, CF still says VMLAUNCH.
	 */
	ALTERNATIVE_2 "jmp .Lskip_verw", "", X86_FEATURE_CLEAR_CPU_BUF, \
		      "", X86_FEATURE_CLEAR_CPU_BUF_VM
	verw x86_verw_sel(%rip)
.Lskip_verw:

	jc .Lvmlaunch

	/* Control comes back at svx_vmx_vmexit on a successful entry. */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lvmfail

.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lfixup)
	_ASM_EXTABLE(.Lvmlaunch, .Lfixup)

SYM_INNER_LABEL(svx_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	push %rax
	mov WORD_SIZE(%rsp), %rax
	pop           REG_RAX(%rax)
	mov %rcx, REG_RCX(%rax)
	mov %rdx, REG_RDX(%rax)
	mov %rbx, REG_RBX(%rax)
	mov %rbp, REG_RBP(%rax)
	mov %rsi, REG_RSI(%rax)
	mov %rdi, REG_RDI(%rax)
	mov %r8,  REG_R8(%rax)
	mov %r9,  REG_R9(%rax)
	mov %r10, REG_R10(%rax)
	mov %r11, REG_R11(%rax)
	mov %r12, REG_R12(%rax)
	mov %r13, REG_R13(%rax)
	mov %r14, REG_R14(%rax)
	mov %r15, REG_R15(%rax)

	xor %ebx, %ebx

.Lclear_regs:
	pop %rax
	/* Do not leave guest values in registers for speculation to use. */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d,  %r8d
	xor %r9d,  %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	mov %rbx, %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lfixup:
	mov $2, %ebx
	jmp .Lclear_regs
.Lvmfail:
	mov $1, %ebx
	jmp .Lclear_regs

SYM_FUNC_END(__svx_vmx_run)
