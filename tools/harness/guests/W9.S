/* SPDX-License-Identifier: GPL-2.0 */
/*
 * W9: permission sweep.  One guest PTE and the PDE above it are rewritten
 * through combinations of their permission and access bits, and after
 * each rewrite (and an INVLPG) the page is accessed six ways: supervisor
 * read, write and fetch, user (ring 3) read, write and fetch.  Every
 * access either succeeds or takes a #PF that the guest's own handler
 * catches; the guest computes the expected outcome (fault or not, error
 * code, CR2) from the SDM's rules (vol. 3A 4.6, 4.7) and fails the run on
 * any difference.  After the six accesses the PTE's dirty flag must be set
 * exactly when it was set before or a write succeeded, and the accessed
 * flag must be set when any access succeeded (SDM 4.8).
 *
 * Setup (not measured): a GDT (kernel and user segments, a TSS whose RSP0
 * is the stack ring-3 faults land on), an IDT (#PF and INT 0x80, the
 * user stub's way back, DPL 3; any other vector fails the run), and
 * page tables of its own under entry 1 of the runner's PML4 (every level
 * U=1):
 *
 *	UVA	0x8000000000  user stub (P|U|A, read-only)
 *	UVA+4K	0x8000001000  user stack (P|W|U|A|D)
 *	TVA	0x8000200000  the test page: PDE 1 and PTE 0 of its PT swept
 *
 * The test page holds a RET at offset 0 (the target of both fetches);
 * reads and writes use offset 0x800.  User accesses: IRETQ to the stub,
 * which does the access and INT 0x80; a #PF or the INT 0x80 returns to
 * the kernel side on the stack saved before the access.
 *
 * Measured: for each control setting the CPU offers, 24 at most --
 * EFER.NX x CR0.WP x CR4.SMEP x (CR4.SMAP=0, or SMAP=1 with RFLAGS.AC 0
 * and 1 for the supervisor's data accesses) -- ITERS of the 1024 PTE/PDE
 * settings (PTE: P, R/W, U/S, A, D, XD; PDE: P, R/W, U/S, XD): setting k
 * has PTE bits (k * 37 + control * 11) mod 64 and PDE bits (k / 64 +
 * control * 5) mod 16, so the PTE changes every time and the PDE every
 * 64 settings (it is written only when it changes), and ITERS < 1024
 * still covers every PDE over the controls.  XD with EFER.NX=0 is a
 * reserved bit: a #PF with RSVD.  Cycles: the whole sweep.  Before the
 * cycles line the guest prints "W9: p=0x<n>" (#PFs it took: the same on
 * every hypervisor by construction) and "W9: n=0x<n>" (accesses made).
 * A failure prints
 * "W9: F=0x<status:16><control:8><type:8><setting:16><error code:16>"
 * and ends the run through the debug port with the status: 3 fault
 * expected none, 4 no fault expected one, 5 wrong error code, 6 wrong
 * CR2, 7 wrong A/D flags, 9 an unexpected exception.
 */
#include "harness.h"

#ifndef ITERS
#define ITERS		1024		/* PTE/PDE settings per control setting */
#endif

#define GDT		0x610000
#define IDT		0x611000
#define TSS		0x612000
#define PDPT		0x613000
#define PD		0x614000
#define PT_U		0x615000
#define PT_T		0x616000
#define UCODE		0x617000
#define USTACK		0x618000
#define TPAGE		0x619000
#define KSTACK_TOP	0x61c000	/* ring-3 faults land here (RSP0) */
#define AREA_END	0x61c000

#define UVA		0x8000000000
#define USTACK_TOP	(UVA + 0x2000)
#define TVA		0x8000200000
#define DOFF		0x800		/* data accesses at TVA + DOFF */

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x23		/* 0x20 | RPL 3 */
#define SEL_UCODE	0x2b		/* 0x28 | RPL 3 */
#define SEL_TSS		0x30

#define CR0_WP		(1 << 16)
#define CR4_SMEP	(1 << 20)
#define CR4_SMAP	(1 << 21)
#define MSR_EFER	0xc0000080
#define EFER_NX		(1 << 11)
#define RFLAGS_AC	(1 << 18)

/* control bits (r15) */
#define C_NX		1
#define C_WP		2
#define C_SMEP		4
#define C_SMAP		8
#define C_AC		16
#define NCONTROL	32

/* setting bits (r13): PTE P RW US A D XD, PDE P RW US XD */
#define S_P		0x001
#define S_RW		0x002
#define S_US		0x004
#define S_A		0x008
#define S_D		0x010
#define S_XD		0x020
#define S_DP		0x040
#define S_DRW		0x080
#define S_DUS		0x100
#define S_DXD		0x200

/* access types: 0 sup read, 1 sup write, 2 sup fetch, 3-5 the same, user */
#define NTYPES		6

#define PF_P		0x01
#define PF_W		0x02
#define PF_U		0x04
#define PF_RSVD		0x08
#define PF_I		0x10

	.code64
	.text
	.globl _start
_start:
	cli
	/* CPUID.(7,0):EBX: SMEP (bit 7), SMAP (bit 20) -> allowed controls */
	mov	$7, %eax
	xor	%ecx, %ecx
	cpuid
	movl	$(C_NX | C_WP), feat(%rip)
	bt	$7, %ebx
	jnc	1f
	orl	$C_SMEP, feat(%rip)
1:	bt	$20, %ebx
	jnc	1f
	orl	$(C_SMAP | C_AC), feat(%rip)
1:
	mov	$GDT, %rdi
	mov	$((AREA_END - GDT) / 8), %ecx
	xor	%eax, %eax
	cld
	rep stosq

	/* GDT: null, kernel code64, kernel data, user code32 (unused),
	 * user data, user code64, TSS */
	mov	$0x00af9a000000ffff, %rax
	mov	%rax, GDT + 0x08
	mov	$0x00cf92000000ffff, %rax
	mov	%rax, GDT + 0x10
	mov	$0x00cffa000000ffff, %rax
	mov	%rax, GDT + 0x18
	mov	$0x00cff2000000ffff, %rax
	mov	%rax, GDT + 0x20
	mov	$0x00affa000000ffff, %rax
	mov	%rax, GDT + 0x28
	mov	$(0x67 | ((TSS & 0xffffff) << 16) | (0x89 << 40) | \
		  ((TSS >> 24) << 56)), %rax
	mov	%rax, GDT + SEL_TSS
	movq	$KSTACK_TOP, TSS + 4		/* RSP0 */
	movw	$0x68, TSS + 0x66		/* no I/O bitmap */

	/* IDT: every vector to bad_vector, then #PF and INT 0x80 */
	xor	%ecx, %ecx
	lea	bad_vector(%rip), %rsi
	mov	$0x8e, %edx
2:	call	set_gate
	inc	%ecx
	cmp	$256, %ecx
	jb	2b
	mov	$14, %ecx
	lea	pf_handler(%rip), %rsi
	call	set_gate
	mov	$0x80, %ecx
	lea	back_handler(%rip), %rsi
	mov	$0xee, %edx			/* DPL 3 */
	call	set_gate

	lgdt	gdtr(%rip)
	lidt	idtr(%rip)
	lea	3f(%rip), %rax
	push	$SEL_KCODE
	push	%rax
	lretq
3:	mov	$SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	$SEL_TSS, %eax
	ltr	%ax

	/* page tables, the user stub and the test page */
	mov	%cr3, %rsi
	and	$~0xfff, %rsi
	movq	$(PDPT + 7), 8(%rsi)
	movq	$(PD + 7), PDPT
	movq	$(PT_U + 7), PD
	movq	$(UCODE + 0x25), PT_U		/* P | U | A */
	movq	$(USTACK + 0x67), PT_U + 8	/* P | W | U | A | D */
	lea	ustub(%rip), %rsi
	mov	$UCODE, %rdi
	mov	$(ustub_end - ustub), %ecx
	rep movsb
	movb	$0xc3, TPAGE			/* RET */
	mov	%cr3, %rax
	mov	%rax, %cr3			/* flush: PML4[1] is new */
	mov	%cr0, %rax
	mov	%rax, cr0_base(%rip)
	mov	%cr4, %rax
	and	$~(CR4_SMEP | CR4_SMAP), %rax
	mov	%rax, cr4_base(%rip)
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_NX, %eax
	mov	%eax, efer_lo(%rip)
	mov	%edx, efer_hi(%rip)

	TSC_START
	xor	%r15d, %r15d			/* control */
10:	mov	feat(%rip), %eax
	not	%eax
	test	%r15d, %eax			/* not offered */
	jnz	19f
	test	$C_AC, %r15d			/* AC only matters with SMAP */
	jz	11f
	test	$C_SMAP, %r15d
	jz	19f
11:	call	apply_control
	xor	%r14d, %r14d			/* index */
12:	imul	$37, %r14d, %r13d		/* setting: PTE bits */
	imul	$11, %r15d, %eax
	add	%eax, %r13d
	and	$0x3f, %r13d
	mov	%r14d, %eax			/* PDE bits */
	shr	$6, %eax
	imul	$5, %r15d, %ecx
	add	%ecx, %eax
	and	$0xf, %eax
	shl	$6, %eax
	or	%eax, %r13d
	call	apply_setting
	movq	$0, adflags(%rip)
	xor	%ebp, %ebp			/* type */
13:	call	probe
	mov	%eax, %ebx			/* 1: faulted */
	call	expect				/* eax: 0 or code | 1 << 31 */
	call	check
	inc	%ebp
	cmp	$NTYPES, %ebp
	jb	13b
	call	check_ad
	inc	%r14d
	cmp	$ITERS, %r14d
	jb	12b
19:	inc	%r15d
	cmp	$NCONTROL, %r15d
	jb	10b
	TSC_STOP
	mov	%rax, %r12

	mov	$'p', %edx
	mov	pf_count(%rip), %rax
	call	print_val
	mov	$'n', %edx
	mov	n_access(%rip), %rax
	call	print_val
	mov	%r12, %rax
	PRINT_CYCLES
	hlt

/* set_gate: ecx = vector, rsi = handler (below 4 GiB), edx = type/attr */
set_gate:
	mov	%ecx, %edi
	shl	$4, %edi
	add	$IDT, %edi
	mov	%esi, %eax
	and	$0xffff, %eax
	or	$(SEL_KCODE << 16), %eax
	mov	%eax, (%rdi)
	mov	%esi, %eax
	and	$0xffff0000, %eax
	mov	%edx, %r8d
	shl	$8, %r8d
	or	%r8d, %eax
	mov	%eax, 4(%rdi)
	movq	$0, 8(%rdi)
	ret

/* apply_control: EFER.NX, CR0.WP, CR4.SMEP/SMAP from r15; kflags */
apply_control:
	mov	efer_lo(%rip), %eax
	mov	efer_hi(%rip), %edx
	test	$C_NX, %r15d
	jz	1f
	or	$EFER_NX, %eax
1:	mov	$MSR_EFER, %ecx
	wrmsr
	mov	cr0_base(%rip), %rax
	and	$~CR0_WP, %rax
	test	$C_WP, %r15d
	jz	1f
	or	$CR0_WP, %rax
1:	mov	%rax, %cr0
	mov	cr4_base(%rip), %rax
	test	$C_SMEP, %r15d
	jz	1f
	or	$CR4_SMEP, %rax
1:	test	$C_SMAP, %r15d
	jz	1f
	or	$CR4_SMAP, %rax
1:	mov	%rax, %cr4
	movq	$2, kflags(%rip)
	test	$C_AC, %r15d
	jz	1f
	orq	$RFLAGS_AC, kflags(%rip)
1:	ret

/* apply_setting: PDE 1 of PD and PTE 0 of PT_T from r13, then INVLPG */
apply_setting:
	mov	$(PT_T | 0x20), %rax		/* A */
	test	$S_DP, %r13d
	jz	1f
	or	$1, %rax
1:	test	$S_DRW, %r13d
	jz	1f
	or	$2, %rax
1:	test	$S_DUS, %r13d
	jz	1f
	or	$4, %rax
1:	test	$S_DXD, %r13d
	jz	1f
	bts	$63, %rax
1:	cmp	%rax, PD + 8			/* the PDE only when it changes */
	je	1f
	mov	%rax, PD + 8
1:
	mov	$TPAGE, %rax
	mov	%r13d, %ecx
	and	$(S_P | S_RW | S_US), %ecx
	or	%rcx, %rax
	test	$S_A, %r13d
	jz	1f
	or	$0x20, %rax
1:	test	$S_D, %r13d
	jz	1f
	or	$0x40, %rax
1:	test	$S_XD, %r13d
	jz	1f
	bts	$63, %rax
1:	mov	%rax, PT_T
	mov	$TVA, %rax
	invlpg	(%rax)
	ret

/* probe: access type ebp on TVA; returns eax = 1 if it faulted (the #PF
 * handler left its error code and CR2 in pf_err, pf_cr2) */
probe:
	movl	$0, pf_flag(%rip)
	movl	$1, probing(%rip)
	incq	n_access(%rip)
	mov	%rsp, saved_rsp(%rip)		/* only our return address */
	mov	$TVA, %rbx
	cmp	$3, %ebp
	jae	4f
	push	kflags(%rip)			/* AC for supervisor accesses */
	popfq
	cmp	$1, %ebp
	jb	1f
	je	2f
	call	*%rbx				/* supervisor fetch */
	jmp	probe_done
1:	mov	DOFF(%rbx), %al			/* supervisor read */
	jmp	probe_done
2:	mov	%bpl, DOFF(%rbx)		/* supervisor write */
	jmp	probe_done
4:	push	$SEL_UDATA
	mov	$USTACK_TOP, %rax
	push	%rax
	push	$2				/* IF = 0, AC = 0 */
	push	$SEL_UCODE
	mov	$UVA, %rax
	push	%rax
	iretq
probe_done:					/* rsp = saved_rsp */
	push	$2
	popfq
	movl	$0, probing(%rip)
	mov	pf_flag(%rip), %eax
	ret

/* the user stub (copied to UCODE, runs at UVA): ebp = type, rbx = TVA */
ustub:
	cmp	$4, %ebp
	jb	1f
	je	2f
	call	*%rbx				/* user fetch */
	int	$0x80
1:	mov	DOFF(%rbx), %al			/* user read */
	int	$0x80
2:	mov	%bpl, DOFF(%rbx)		/* user write */
	int	$0x80
ustub_end:

back_handler:					/* INT 0x80 from the stub */
	cmpl	$0, probing(%rip)
	je	bad_vector
	mov	saved_rsp(%rip), %rsp
	jmp	probe_done

pf_handler:
	cmpl	$0, probing(%rip)
	je	bad_vector
	pop	%rax				/* error code */
	mov	%rax, pf_err(%rip)
	mov	%cr2, %rax
	mov	%rax, pf_cr2(%rip)
	incq	pf_count(%rip)
	movl	$1, pf_flag(%rip)
	mov	saved_rsp(%rip), %rsp
	jmp	probe_done

bad_vector:
	mov	$SEL_KDATA, %eax
	mov	%eax, %ss
	mov	$KSTACK_TOP, %rsp
	mov	$9, %edi
	xor	%eax, %eax
	jmp	fail

/* expect: the SDM's outcome of access type ebp under setting r13 and
 * control r15: eax = 0 (no fault) or the error code | 1 << 31 */
expect:
	xor	%eax, %eax
	cmp	$1, %ebp
	je	1f
	cmp	$4, %ebp
	jne	2f
1:	or	$PF_W, %eax
2:	cmp	$3, %ebp
	jb	3f
	or	$PF_U, %eax
3:	xor	%ecx, %ecx			/* ecx: fetch */
	cmp	$2, %ebp
	je	4f
	cmp	$5, %ebp
	jne	5f
4:	inc	%ecx
	test	$(C_NX | C_SMEP), %r15d		/* I/D reported (SDM 4.7) */
	jz	5f
	or	$PF_I, %eax
5:	test	$S_DP, %r13d
	jz	fault
	test	$C_NX, %r15d
	jnz	6f
	test	$S_DXD, %r13d			/* XD is reserved: RSVD */
	jnz	rsvd
6:	test	$S_P, %r13d
	jz	fault
	test	$C_NX, %r15d
	jnz	7f
	test	$S_XD, %r13d
	jnz	rsvd
7:	or	$PF_P, %eax
	/* edx: effective U/S, R/W, XD (the upper levels are U, W, not XD) */
	mov	%r13d, %edx
	shr	$6, %edx
	and	%r13d, %edx			/* PDE & PTE: P RW US */
	and	$(S_RW | S_US), %edx
	mov	%r13d, %esi
	test	$C_NX, %r15d
	jz	8f
	test	$(S_XD | S_DXD), %esi
	jz	8f
	or	$S_XD, %edx
8:	cmp	$3, %ebp
	jb	sup
	/* user */
	test	$S_US, %edx
	jz	fault
	test	$PF_W, %eax
	jz	9f
	test	$S_RW, %edx
	jz	fault
9:	test	%ecx, %ecx
	jz	ok
	test	$S_XD, %edx
	jnz	fault
	jmp	ok
sup:
	test	%ecx, %ecx
	jz	1f
	test	$S_XD, %edx			/* supervisor fetch */
	jnz	fault
	test	$S_US, %edx
	jz	ok
	test	$C_SMEP, %r15d
	jnz	fault
	jmp	ok
1:	test	$S_US, %edx			/* supervisor data */
	jz	2f
	test	$C_SMAP, %r15d
	jz	2f
	test	$C_AC, %r15d
	jz	fault
2:	test	$PF_W, %eax
	jz	ok
	test	$S_RW, %edx
	jnz	ok
	test	$C_WP, %r15d
	jnz	fault
ok:	xor	%eax, %eax
	ret
rsvd:	or	$(PF_P | PF_RSVD), %eax
fault:	bts	$31, %eax
	ret

/* check: ebx = faulted, eax = expected; fails the run on a difference;
 * records successes for check_ad */
check:
	mov	pf_err(%rip), %r8
	test	%eax, %eax
	jnz	1f
	mov	$3, %edi			/* fault, none expected */
	test	%ebx, %ebx
	jnz	fail_r8
	orl	$1, adflags(%rip)		/* some access succeeded */
	cmp	$1, %ebp
	je	2f
	cmp	$4, %ebp
	jne	3f
2:	orl	$2, adflags(%rip)		/* a write succeeded */
3:	ret
1:	mov	$4, %edi			/* none, fault expected */
	test	%ebx, %ebx
	jz	fail_r8
	btr	$31, %eax
	mov	$5, %edi
	cmp	%rax, %r8
	jne	fail_r8
	mov	$TVA, %rax
	cmp	$2, %ebp
	je	4f
	cmp	$5, %ebp
	je	4f
	add	$DOFF, %rax
4:	mov	$6, %edi
	cmp	%rax, pf_cr2(%rip)
	jne	fail_r8
	ret

/* check_ad: the PTE's A and D after the six accesses (SDM 4.8) */
check_ad:
	mov	PT_T, %r8
	mov	$7, %edi
	testl	$1, adflags(%rip)
	jz	1f
	test	$0x20, %r8			/* used: accessed */
	jz	fail_r8
1:	xor	%eax, %eax
	test	$S_D, %r13d
	setnz	%al
	testl	$2, adflags(%rip)
	setnz	%cl
	or	%cl, %al			/* dirty expected */
	bt	$6, %r8
	setc	%cl
	cmp	%al, %cl
	jne	fail_r8
	ret

/* fail: edi = status, r8 = the value (error code or PTE) to show */
fail_r8:
	mov	%r8, %rax
fail:	and	$0xffff, %eax
	mov	%edi, %edx
	shl	$48, %rdx
	or	%rdx, %rax
	mov	%r15, %rdx
	and	$0xff, %edx
	shl	$40, %rdx
	or	%rdx, %rax
	mov	%rbp, %rdx
	and	$0xff, %edx
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%r13, %rdx
	and	$0xffff, %edx
	shl	$16, %rdx
	or	%rdx, %rax
	push	%rdi
	mov	$'F', %edx
	call	print_val
	pop	%rax
	out	%al, $DEBUG_EXIT
	hlt
	jmp	fail

/* print_val: "W9: <dl>=0x<rax: 16 hex digits>\n" on COM1 */
print_val:
	mov	%dl, val_key(%rip)
	HEX16	val_digits
	lea	val_line(%rip), %rsi
	mov	$(val_end - val_line), %ecx
	mov	$COM1, %dx
	cld
	rep outsb
	ret

	.balign	8
gdtr:	.word	0x3f
	.quad	GDT
	.balign	8
idtr:	.word	0xfff
	.quad	IDT
	.balign	8
saved_rsp:	.quad	0
pf_err:		.quad	0
pf_cr2:		.quad	0
pf_count:	.quad	0
n_access:	.quad	0
kflags:		.quad	2
cr0_base:	.quad	0
cr4_base:	.quad	0
adflags:	.quad	0
pf_flag:	.long	0
probing:	.long	0
feat:		.long	0
efer_lo:	.long	0
efer_hi:	.long	0
val_line:
	.ascii	"W9: "
val_key:
	.ascii	"?=0x"
val_digits:
	.ascii	"0000000000000000\n"
val_end:
	HARNESS_TAIL
