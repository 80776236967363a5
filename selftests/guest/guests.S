/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest snippets.  Each one is a few instructions between guest_<name>_start
 * and guest_<name>_end, assembled into the test binary's .rodata (never run
 * on the host) and copied by the host to GPA SVX_CODE.  They only use
 * relative branches; an address inside a snippet is written as
 * GADDR(name, label), which gas resolves to its guest-physical address.
 * The guests run either in 32-bit protected mode with paging off (.code32)
 * or in 64-bit long mode with identity-mapped page tables (.code64); one
 * (real_to_long) starts in real mode (.code16) and switches by itself.
 */
#include "guest.h"

#define GUEST(name) \
	.globl guest_##name##_start, guest_##name##_end; \
	.balign 16; guest_##name##_start:
#define GUEST_END(name) guest_##name##_end:
#define GADDR(name, label) (SVX_CODE + (label) - guest_##name##_start)

	.section .rodata.svx_guests, "a"

/* hlt; the host checks KVM_EXIT_HLT and that RIP is past the hlt. */
	.code32
GUEST(hlt)
	hlt
GUEST_END(hlt)

/* out of sizes 1, 2 and 4 with known values, then hlt. */
	.code32
GUEST(pio_out)
	movb	$0xa5, %al
	outb	%al, $PORT_OUT8
	movw	$0xbeef, %ax
	movw	$PORT_OUT16, %dx
	outw	%ax, %dx
	movl	$0xdeadc0de, %eax
	outl	%eax, $PORT_OUT32
	hlt
GUEST_END(pio_out)

/* in of sizes 1, 2 and 4; each value read is echoed back by an out. */
	.code32
GUEST(pio_in)
	movl	$0xffffffff, %eax
	inb	$PORT_IN8, %al
	outl	%eax, $PORT_ECHO8
	movl	$0xffffffff, %eax
	movw	$PORT_IN16, %dx
	inw	%dx, %ax
	outl	%eax, $PORT_ECHO16
	inl	$PORT_IN32, %eax
	outl	%eax, $PORT_ECHO32
	hlt
GUEST_END(pio_in)

/* rep outsb of SVX_STR_LEN bytes at SVX_STR_SRC (crosses a page). */
	.code32
GUEST(rep_outsb)
	cld
	movl	$SVX_STR_SRC, %esi
	movl	$SVX_STR_LEN, %ecx
	movw	$PORT_STR_OUT, %dx
	rep outsb
	hlt
GUEST_END(rep_outsb)

/* rep insb of SVX_STR_LEN bytes to SVX_STR_DST (crosses a page). */
	.code32
GUEST(rep_insb)
	cld
	movl	$SVX_STR_DST, %edi
	movl	$SVX_STR_LEN, %ecx
	movw	$PORT_STR_IN, %dx
	rep insb
	hlt
GUEST_END(rep_insb)

/* read a dword the host wrote, echo it; write a dword the host reads. */
	.code32
GUEST(mem_rw)
	movl	SVX_DATA, %eax
	outl	%eax, $PORT_RESULT
	movl	$0xfeedface, SVX_DATA + 4
	hlt
GUEST_END(mem_rw)

/* read from the read-only slot (echo), then write to it (-> MMIO exit). */
	.code32
GUEST(ro_slot)
	movl	SVX_SLOT1_GPA, %eax
	outl	%eax, $PORT_RESULT
	movl	$0xabcd1234, SVX_SLOT1_GPA + 0x10
	movl	SVX_SLOT1_GPA + 0x10, %eax
	outl	%eax, $PORT_RESULT2
	hlt
GUEST_END(ro_slot)

/* read a GPA outside every slot (echo the value), then write 2 bytes. */
	.code32
GUEST(mmio)
	movl	SVX_MMIO_GPA, %eax
	outl	%eax, $PORT_RESULT
	movw	$0xbeef, SVX_MMIO_GPA + 0x10
	hlt
GUEST_END(mmio)

/* read slot 1 twice, echoing each value: the host deletes it in between. */
	.code32
GUEST(slot_delete)
	movl	SVX_SLOT1_GPA, %eax
	outl	%eax, $PORT_RESULT
	movl	SVX_SLOT1_GPA, %eax
	outl	%eax, $PORT_RESULT2
	hlt
GUEST_END(slot_delete)

/* IDT limit 0, then ud2: #UD -> #GP -> #DF -> triple fault. */
	.code32
GUEST(triple_fault)
	subl	$8, %esp
	movl	$0, (%esp)
	movl	$0, 4(%esp)
	lidt	(%esp)
	ud2
	hlt
GUEST_END(triple_fault)

/*
 * spin forever with interrupts enabled (no interrupt is ever injected: the
 * VM has no interrupt controller).  IF=1 matters: under Bochs an IF=0 guest
 * is never interrupted by host interrupts, so kvm_intel would not see the
 * signal until the guest exits on its own (bochs-notes.md).
 */
	.code32
GUEST(spin)
	sti
1:	jmp	1b
GUEST_END(spin)

/*
 * spin forever with interrupts disabled.  On hardware a host interrupt
 * still exits; Bochs holds it while the guest has IF=0, and only
 * shadowvmx's guard timer (vmx/run.c) lets the host run again.
 */
	.code32
GUEST(spin_cli)
	cli
1:	jmp	1b
GUEST_END(spin_cli)

/*
 * CPUID forever, counting them in ESI, with IF=1 and IF=0: every CPUID is
 * one exit the hypervisor handles in the kernel (shadowvmx: on its exit
 * fast path, vmx/fastpath.c).  Offsets: loop at +3, cpuid at +5, incl at
 * +7, jmp at +8.
 */
	.code32
GUEST(spin_cpuid)
	sti
	xorl	%esi, %esi
1:	xorl	%eax, %eax
	cpuid
	incl	%esi
	jmp	1b
GUEST_END(spin_cpuid)

	.code32
GUEST(spin_cpuid_cli)
	cli
	xorl	%esi, %esi
1:	xorl	%eax, %eax
	cpuid
	incl	%esi
	jmp	1b
GUEST_END(spin_cpuid_cli)

/* cpuid of the two test leaves; hlt after each so the host reads regs. */
	.code32
GUEST(cpuid)
	movl	$CPUID_TEST_LEAF, %eax
	xorl	%ecx, %ecx
	cpuid
	hlt
	movl	$CPUID_TEST_LEAF2, %eax
	xorl	%ecx, %ecx
	cpuid
	hlt
GUEST_END(cpuid)

/* rdmsr STAR and echo edx:eax; then wrmsr STAR from esi:edi (host-set). */
	.code32
GUEST(msr)
	movl	$MSR_STAR_NR, %ecx
	rdmsr
	outl	%eax, $PORT_RESULT
	movl	%edx, %eax
	outl	%eax, $PORT_RESULT2
	movl	%edi, %eax
	movl	%esi, %edx
	wrmsr
	hlt
GUEST_END(msr)

/* ebx = input; eax = ebx * 1000 by a loop; PORT_TICK 20 times; result. */
	.code32
GUEST(compute)
	movl	$20, %esi
1:	movl	%esi, %eax
	outl	%eax, $PORT_TICK
	decl	%esi
	jnz	1b
	xorl	%eax, %eax
	movl	$1000, %ecx
2:	addl	%ebx, %eax
	loop	2b
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(compute)

/* 10 outs to PORT_TICK then hlt (for the counters test). */
	.code32
GUEST(ticks)
	movl	$10, %ecx
1:	movl	%ecx, %eax
	outl	%eax, $PORT_TICK
	loop	1b
	hlt
GUEST_END(ticks)

/* 64-bit: 64-bit arithmetic, a store above 4 GiB-safe addressing, outs. */
	.code64
GUEST(long64)
	movabsq	$0x1122334455667788, %rax
	movq	%rax, %rbx
	rolq	$8, %rbx		/* rbx = 0x2233445566778811 */
	movabsq	$(SVX_DATA + 8), %rdi
	movq	%rbx, (%rdi)
	leaq	1f(%rip), %rcx		/* RIP-relative: proves 64-bit mode */
	outl	%eax, $PORT_RESULT
	shrq	$32, %rax
	outl	%eax, $PORT_RESULT2
	movl	%ecx, %eax
	outl	%eax, $PORT_TICK
1:	hlt
GUEST_END(long64)
/*
 * Interrupts from a userspace irqchip.  The host points IDT gate 0x30 at
 * irq_handler.  sti; hlt: the host injects vector 0x30 (KVM_INTERRUPT);
 * the handler reports it and returns past the hlt.  Then with IF=0 the host
 * asks for an interrupt window, which opens after sti and the instruction
 * in its shadow.
 */
	.code32
GUEST(irq)
	sti
	hlt
	movl	$0x1111, %eax
	outl	%eax, $PORT_RESULT
	cli
	movl	$0x2222, %eax
	outl	%eax, $PORT_RESULT
	sti
	nop
	movl	$0x3333, %eax
	outl	%eax, $PORT_RESULT
	hlt
irq_handler:
	movl	$0x30, %eax
	outl	%eax, $PORT_RESULT2
	iret
	.globl	guest_irq_handler_off
	.set	guest_irq_handler_off, irq_handler - guest_irq_start
GUEST_END(irq)

/*
 * Real mode -> protected mode -> long mode, all by the guest (needs
 * unrestricted guest).  Starts at 0:SVX_CODE in real mode; reports 0x16 on
 * PORT_RESULT, loads the host-built GDT, sets CR0.PE, reports 0x32 from
 * 32-bit code, sets CR4.PAE, CR3 = SVX_PT, EFER.LME (wrmsr) and CR0.PG,
 * jumps to 64-bit code and reports 0x64 and 0x1c0ffee on PORT_RESULT and
 * PORT_RESULT2 (one 64-bit value, so it proves 64-bit mode), then hlt.
 */
	.code16
GUEST(real_to_long)
	movl	$0x16, %eax
	outl	%eax, $PORT_RESULT
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	GADDR(real_to_long, 9f)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$SVX_SEL_CS32, $GADDR(real_to_long, 1f)
	.code32
1:	movw	$SVX_SEL_DS, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$SVX_STACK, %esp
	movl	$0x32, %eax
	outl	%eax, $PORT_RESULT
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$SVX_PT, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG: long mode active */
	movl	%eax, %cr0
	ljmp	$SVX_SEL_CS64, $GADDR(real_to_long, 2f)
	.code64
2:	movabsq	$0x01c0ffee00000064, %rax
	outl	%eax, $PORT_RESULT
	shrq	$32, %rax
	outl	%eax, $PORT_RESULT2
	hlt
	.balign	8
9:	.word	5 * 8 - 1
	.long	SVX_GDT
GUEST_END(real_to_long)

/*
 * First touch: write i to the first dword of page i of the edx pages from
 * GPA esi (both set by the host); report the count.
 */
	.code32
GUEST(touch)
	movl	%esi, %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, (%edi)
	addl	$4096, %edi
	incl	%ecx
	cmpl	%edx, %ecx
	jne	1b
	movl	%ecx, %eax
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(touch)
/*
 * Poll the dword at SVX_DATA, reporting each read on PORT_TICK, until it
 * reads 0xffffffff (reported on PORT_RESULT): the VMM replaces the page
 * behind it meanwhile (mmu_notifier_test.c).  32-bit (paging off) and
 * 64-bit (the identity tables) builds.
 */
	.code32
GUEST(hva_poll32)
1:	movl	SVX_DATA, %eax
	outl	%eax, $PORT_TICK
	cmpl	$0xffffffff, %eax
	jne	1b
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(hva_poll32)
	.code64
GUEST(hva_poll64)
1:	movl	SVX_DATA, %eax
	outl	%eax, $PORT_TICK
	cmpl	$0xffffffff, %eax
	jne	1b
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(hva_poll64)
/* Three stores of 1, 2, 3 to SVX_MMIO_GPA, a load from it, reported. */
	.code32
GUEST(mmio_loop)
	movl	$1, %ecx
1:	movl	%ecx, SVX_MMIO_GPA
	incl	%ecx
	cmpl	$4, %ecx
	jne	1b
	movl	SVX_MMIO_GPA, %eax
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(mmio_loop)
/* 64-bit: 100 x (reload CR3, invlpg), then report 100. */
	.code64
GUEST(cr3_loop)
	movq	%cr3, %rbx
	movl	$100, %ecx
1:	movq	%rbx, %cr3
	invlpg	SVX_DATA
	loop	1b
	movl	$100, %eax
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(cr3_loop)
/*
 * Turn on 32-bit or PAE paging (host-built tables: CR3 value in ebx, CR4
 * bits in esi), store 0x12345678 at VA 0x40000000 (mapped to SVX_DATA),
 * read SVX_MMIO_GPA (identity-mapped) and report what it read.
 */
	.code32
GUEST(paging32_on)
	movl	%ebx, %cr3
	movl	%cr4, %eax
	orl	%esi, %eax
	movl	%eax, %cr4
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0
	movl	$0x12345678, 0x40000000
	movl	SVX_MMIO_GPA, %eax
	outl	%eax, $PORT_RESULT
	hlt
GUEST_END(paging32_on)

/* 64-bit MMIO through the guest's page tables: load, report, store. */
	.code64
GUEST(mmio64)
	movl	$SVX_MMIO_GPA, %edi
	movl	(%rdi), %eax
	outl	%eax, $PORT_RESULT
	movl	%eax, 4(%rdi)
	hlt
GUEST_END(mmio64)

/*
 * Hardware task switches (taskswitch_test.c, layout in guest.h).  The main
 * task (TR = SVX_SEL_TSS, page directory 0) JMPs to task A, which JMPs
 * back; CALLs task B through the GDT task gate, B IRETs; INT SVX_TS_VECTOR
 * reaches task C through an IDT task gate, C IRETs; a MOV to DS of a
 * selector beyond the GDT limit raises #GP, whose IDT task gate reaches
 * task D with the error code on its stack: D pops it, makes the main
 * task's saved EAX a good selector and IRETs, and the MOV is retried.
 * Each task stores what it sees (EFLAGS.NT, back links, busy bits in the
 * GDT, TR, CR0.TS, CR3, the value at SVX_TS_PROBE) at TS_R(n).
 */
#define TS_R(n)		(SVX_TS_RESULTS + 4 * (n))
#define TS_TYPE(sel)	(SVX_GDT + (sel) + 5)
#define TS_NT		0x4000

/* TS_R(n) = the type of the TSS descriptor at @sel (9 free, 0xb busy) */
#define TS_STORE_TYPE(sel, n)	\
	movzbl	TS_TYPE(sel), %eax; andl $0xf, %eax; movl %eax, TS_R(n)
#define TS_STORE_NT(n)		\
	pushfl; popl %eax; andl $TS_NT, %eax; movl %eax, TS_R(n)
#define TS_STORE_TR(n)		\
	xorl	%eax, %eax; str %ax; movl %eax, TS_R(n)
#define TS_STORE_PROBE(n)	\
	movl	SVX_TS_PROBE, %eax; movl %eax, TS_R(n)

	.code32
GUEST(taskswitch)
	TS_STORE_PROBE(0)
	movl	$0x5a5a5a5a, %ebx
	movl	$0xc3c3c3c3, %esi
	ljmp	$SVX_TS_SEL_A, $0
	.globl	guest_ts_main_after_a
guest_ts_main_after_a:
	movl	%ebx, TS_R(10)
	movl	%esi, TS_R(11)
	TS_STORE_PROBE(12)
	movl	%cr3, %eax
	movl	%eax, TS_R(13)
	TS_STORE_TR(14)
	TS_STORE_TYPE(SVX_TS_SEL_A, 15)
	TS_STORE_TYPE(SVX_SEL_TSS, 16)
	movl	SVX_TSS + SVX_TSS_EIP, %eax
	movl	%eax, TS_R(17)

	clts
	lcall	$SVX_TS_SEL_GATE, $0
	TS_STORE_NT(30)
	TS_STORE_TYPE(SVX_TS_SEL_B, 31)
	TS_STORE_TYPE(SVX_SEL_TSS, 32)
	TS_STORE_TR(33)
	movl	SVX_TS_TSS_B + SVX_TSS_EFLAGS, %eax
	andl	$TS_NT, %eax
	movl	%eax, TS_R(34)
	movl	SVX_TS_TSS_B + SVX_TSS_EIP, %eax
	movl	%eax, TS_R(35)
	TS_STORE_PROBE(36)

	int	$SVX_TS_VECTOR
	.globl	guest_ts_main_after_c
guest_ts_main_after_c:
	TS_STORE_TYPE(SVX_TS_SEL_C, 46)
	movl	SVX_TSS + SVX_TSS_EIP, %eax
	movl	%eax, TS_R(47)

	movl	$SVX_TS_BAD_SEL, %eax
	.globl	guest_ts_main_bad_mov
guest_ts_main_bad_mov:
	movw	%ax, %ds
	xorl	%eax, %eax
	movw	%ds, %ax
	movl	%eax, TS_R(57)
	TS_STORE_TYPE(SVX_TS_SEL_D, 58)
	TS_STORE_TR(59)
	movl	$0x600d, TS_R(60)
	.globl	guest_ts_done
guest_ts_done:
	hlt
	hlt

	/* Task A: page directory 1, EAX from its TSS. */
	.globl	guest_ts_task_a
guest_ts_task_a:
	movl	%eax, TS_R(1)
	TS_STORE_PROBE(2)
	movl	%cr3, %eax
	movl	%eax, TS_R(3)
	TS_STORE_NT(4)
	movzwl	SVX_TS_TSS_A + SVX_TSS_LINK, %eax
	movl	%eax, TS_R(5)
	TS_STORE_TYPE(SVX_SEL_TSS, 6)
	TS_STORE_TYPE(SVX_TS_SEL_A, 7)
	TS_STORE_TR(8)
	movl	%cr0, %eax
	andl	$8, %eax
	movl	%eax, TS_R(9)
	ljmp	$SVX_SEL_TSS, $0
	hlt			/* never resumed */

	/* Task B: called through the task gate; returns with IRET. */
	.globl	guest_ts_task_b
guest_ts_task_b:
	TS_STORE_NT(20)
	movzwl	SVX_TS_TSS_B + SVX_TSS_LINK, %eax
	movl	%eax, TS_R(21)
	TS_STORE_TYPE(SVX_SEL_TSS, 22)
	TS_STORE_TYPE(SVX_TS_SEL_B, 23)
	TS_STORE_TR(24)
	TS_STORE_PROBE(25)
	movl	%cr0, %eax
	andl	$8, %eax
	movl	%eax, TS_R(26)
	iret
	.globl	guest_ts_b_after_iret
guest_ts_b_after_iret:
	hlt			/* never resumed */

	/* Task C: INT SVX_TS_VECTOR through its IDT task gate. */
	.globl	guest_ts_task_c
guest_ts_task_c:
	TS_STORE_NT(40)
	movzwl	SVX_TS_TSS_C + SVX_TSS_LINK, %eax
	movl	%eax, TS_R(41)
	TS_STORE_TR(42)
	movl	%esp, TS_R(43)
	TS_STORE_TYPE(SVX_TS_SEL_C, 44)
	TS_STORE_PROBE(45)
	iret
	hlt			/* never resumed */

	/* Task D: #GP through its IDT task gate, error code on the stack. */
	.globl	guest_ts_task_d
guest_ts_task_d:
	movl	%esp, TS_R(50)
	popl	%eax
	movl	%eax, TS_R(51)
	TS_STORE_NT(52)
	movzwl	SVX_TS_TSS_D + SVX_TSS_LINK, %eax
	movl	%eax, TS_R(53)
	TS_STORE_TR(54)
	TS_STORE_PROBE(55)
	movl	SVX_TSS + SVX_TSS_EIP, %eax
	movl	%eax, TS_R(56)
	movl	$SVX_SEL_DS, SVX_TSS + SVX_TSS_EAX
	iret
	hlt			/* never resumed */

	/*
	 * A second entry point: JMP to task E, whose TSS has a system
	 * descriptor as DS.  The switch completes up to DS and raises
	 * #TS(selector) in task E (SDM 8.3): the #TS handler (an interrupt
	 * gate, IDT entry 10) runs on E's stack and CR3 and records it.
	 */
	.globl	guest_ts_fault_main
guest_ts_fault_main:
	ljmp	$SVX_TS_SEL_E, $0
	.globl	guest_ts_fault_lost
guest_ts_fault_lost:
	hlt			/* the fault was lost */
	.globl	guest_ts_ts_handler
guest_ts_ts_handler:
	movw	%ds, %cx	/* the selector that failed; its cache is stale */
	movw	$SVX_SEL_DS, %dx
	movw	%dx, %ds
	movzwl	%cx, %ecx
	movl	%ecx, TS_R(9)
	popl	%eax
	movl	%eax, TS_R(0)	/* error code */
	popl	%eax
	movl	%eax, TS_R(1)	/* EIP: task E's first instruction */
	popl	%eax
	movl	%eax, TS_R(2)	/* CS */
	TS_STORE_TR(3)
	movl	%cr3, %eax
	movl	%eax, TS_R(4)
	TS_STORE_TYPE(SVX_TS_SEL_E, 5)
	TS_STORE_TYPE(SVX_SEL_TSS, 6)
	movl	%esp, TS_R(7)
	movl	$0x600d, TS_R(8)
	.globl	guest_ts_ts_done
guest_ts_ts_done:
	hlt
	.globl	guest_ts_task_e
guest_ts_task_e:
	hlt			/* never run: its DS cannot be loaded */

	/*
	 * A third entry point, with a 16-bit TSS in TR (SVX_TS_SEL_M16): JMP
	 * to task F, whose TSS is 16-bit too (no CR3; 16-bit IP, FLAGS and
	 * registers), and back.
	 */
	.globl	guest_ts16_main
guest_ts16_main:
	movl	$0x12345678, %ebx
	ljmp	$SVX_TS_SEL_F, $0
	.globl	guest_ts16_main_after_f
guest_ts16_main_after_f:
	movzwl	%bx, %eax
	movl	%eax, TS_R(10)
	TS_STORE_TR(11)
	TS_STORE_TYPE(SVX_TS_SEL_F, 12)
	TS_STORE_TYPE(SVX_TS_SEL_M16, 13)
	movzwl	SVX_TS_TSS_F + 0x0e, %eax	/* F's saved IP */
	movl	%eax, TS_R(14)
	movzwl	SVX_TS_TSS_F + 0x1a, %eax	/* F's saved SP */
	movl	%eax, TS_R(15)
	movzwl	SVX_TS_TSS_M16 + 0x18, %eax	/* main's saved BX */
	movl	%eax, TS_R(16)
	movl	$0x600d, TS_R(17)
	.globl	guest_ts16_done
guest_ts16_done:
	hlt
	.globl	guest_ts16_task_f
guest_ts16_task_f:
	movzwl	%ax, %eax
	movl	%eax, TS_R(0)	/* AX from the TSS */
	TS_STORE_TR(1)
	TS_STORE_NT(2)
	TS_STORE_TYPE(SVX_TS_SEL_F, 3)
	TS_STORE_TYPE(SVX_TS_SEL_M16, 4)
	TS_STORE_PROBE(5)
	movl	%esp, TS_R(6)
	pushl	%eax
	ljmp	$SVX_TS_SEL_M16, $0
	.globl	guest_ts16_f_after_jmp
guest_ts16_f_after_jmp:
	hlt			/* never resumed */

	/*
	 * A fourth entry point: STI; HLT, and the host injects external
	 * interrupt SVX_TS_IRQ (KVM_INTERRUPT), whose IDT entry is a task gate
	 * to task G; G IRETs back.
	 */
	.globl	guest_ts_irq_main
guest_ts_irq_main:
	sti
	hlt
	.globl	guest_ts_irq_after_hlt
guest_ts_irq_after_hlt:
	cli
	TS_STORE_TR(10)
	TS_STORE_TYPE(SVX_TS_SEL_G, 11)
	TS_STORE_NT(12)
	movl	SVX_TSS + SVX_TSS_EIP, %eax
	movl	%eax, TS_R(13)
	movl	$0x600d, TS_R(14)
	.globl	guest_ts_irq_done
guest_ts_irq_done:
	hlt
	.globl	guest_ts_task_g
guest_ts_task_g:
	TS_STORE_NT(0)
	movzwl	SVX_TS_TSS_G + SVX_TSS_LINK, %eax
	movl	%eax, TS_R(1)
	TS_STORE_TR(2)
	movl	%esp, TS_R(3)
	pushfl
	popl	%eax
	andl	$0x200, %eax
	movl	%eax, TS_R(4)	/* IF from G's TSS */
	TS_STORE_PROBE(5)
	iret
	hlt			/* never resumed */
GUEST_END(taskswitch)

/*
 * wbinvd (a VM exit KVM turns into a NOP), then rdpmc of counter 0 with no
 * PMU in the guest's CPUID: #GP(0), whose handler (IDT gate 13, set by the
 * host) reports the error code on PORT_RESULT2 and 13 on PORT_RESULT.  A
 * guest that reads the host's counters reports 0xbad instead.
 */
	.code32
GUEST(rdpmc)
	wbinvd
	movl	$0x5a, %eax
	outl	%eax, $PORT_RESULT
	xorl	%ecx, %ecx
	rdpmc
	movl	$0xbad, %eax
	outl	%eax, $PORT_RESULT
	hlt
rdpmc_gp:
	popl	%eax
	outl	%eax, $PORT_RESULT2
	movl	$13, %eax
	outl	%eax, $PORT_RESULT
	hlt
	.globl	guest_rdpmc_gp_off
	.set	guest_rdpmc_gp_off, rdpmc_gp - guest_rdpmc_start
GUEST_END(rdpmc)

/*
 * wrmsr TSC_AUX = 0x1234 (0x5a on PORT_RESULT after it), then rdtscp and
 * its ECX on PORT_RESULT2.  #GP (gate 13) and #UD (gate 6) report 13 or 6
 * on PORT_RESULT and return past the 2-byte wrmsr or the 3-byte rdtscp.
 */
	.code32
GUEST(rdtscp)
	movl	$0xc0000103, %ecx
	movl	$0x1234, %eax
	xorl	%edx, %edx
	wrmsr
	movl	$0x5a, %eax
	outl	%eax, $PORT_RESULT
	rdtscp
	movl	%ecx, %eax
	outl	%eax, $PORT_RESULT2
	hlt
rdtscp_gp:
	addl	$4, %esp		/* error code */
	addl	$2, (%esp)
	movl	$13, %eax
	outl	%eax, $PORT_RESULT
	iret
rdtscp_ud:
	addl	$3, (%esp)
	movl	$6, %eax
	outl	%eax, $PORT_RESULT
	iret
	.globl	guest_rdtscp_gp_off, guest_rdtscp_ud_off
	.set	guest_rdtscp_gp_off, rdtscp_gp - guest_rdtscp_start
	.set	guest_rdtscp_ud_off, rdtscp_ud - guest_rdtscp_start
GUEST_END(rdtscp)

/*
 * RFLAGS.RF in the EFLAGS image of a fault: a MOV to CR4 with reserved
 * bits (#GP the hypervisor injects; gate 13 reports the image on
 * PORT_RESULT) and ud2 (#UD the CPU raises; gate 6, PORT_RESULT2).  Both
 * handlers return past the faulting instruction.
 */
	.code32
GUEST(rf)
	movl	$0xffffffff, %eax
	movl	%eax, %cr4
	ud2
	hlt
rf_gp:
	movl	12(%esp), %eax
	outl	%eax, $PORT_RESULT
	addl	$4, %esp
	addl	$3, (%esp)
	iret
rf_ud:
	movl	8(%esp), %eax
	outl	%eax, $PORT_RESULT2
	addl	$2, (%esp)
	iret
	.globl	guest_rf_gp_off, guest_rf_ud_off
	.set	guest_rf_gp_off, rf_gp - guest_rf_start
	.set	guest_rf_ud_off, rf_ud - guest_rf_start
GUEST_END(rf)

/*
 * KVM_SET_FPU / KVM_SET_DEBUGREGS seen by the guest: XMM0's low dword on
 * PORT_RESULT, then 0x600dcafe into XMM1 (for KVM_GET_FPU), DR0 and DR7 on
 * PORT_RESULT2.  Needs CR4.OSFXSR.
 */
	.code32
GUEST(fpu_dr)
	movd	%xmm0, %eax
	outl	%eax, $PORT_RESULT
	movl	$0x600dcafe, %eax
	movd	%eax, %xmm1
	movl	%dr0, %eax
	outl	%eax, $PORT_RESULT2
	movl	%dr7, %eax
	outl	%eax, $PORT_RESULT2
	hlt
GUEST_END(fpu_dr)

/*
 * Real mode as the CPU runs it natively (unrestricted guest), as kvm_intel
 * emulates it without (ept=0), and as shadowvmx runs it under shadow
 * paging (virtual-8086 mode): IVT delivery of INT n, INT3, #UD, #DE and an
 * injected external interrupt; CR0, MSR and SMSW accesses; FLAGS; then a
 * round trip through 32-bit and 16-bit protected mode back to real mode.
 * Starts at 0:SVX_CODE; every result goes to PORT_RESULT (rmode_test.c).
 */
	.code16
GUEST(rmode)
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$SVX_STACK, %sp
	movw	$GADDR(rmode, 10f), 0x80 * 4
	movw	%ax, 0x80 * 4 + 2
	movw	$GADDR(rmode, 11f), 3 * 4
	movw	%ax, 3 * 4 + 2
	movw	$GADDR(rmode, 12f), 6 * 4
	movw	%ax, 6 * 4 + 2
	movw	$GADDR(rmode, 13f), 0 * 4
	movw	%ax, 0 * 4 + 2
	movw	$GADDR(rmode, 14f), 0x20 * 4
	movw	%ax, 0x20 * 4 + 2
	lidtw	GADDR(rmode, 90f)
	movl	$0x11, %eax
	int	$0x80
	outl	%eax, $PORT_RESULT	/* 1: 0x111 (INT n) */
	xorl	%ebx, %ebx
	int3
	movl	%ebx, %eax
	outl	%eax, $PORT_RESULT	/* 2: 0xb3 (INT3 returns past itself) */
	ud2
	outl	%eax, $PORT_RESULT	/* 3: 6 (#UD, handler skips ud2) */
	xorb	%cl, %cl
	movw	$100, %ax
	divb	%cl
	outl	%eax, $PORT_RESULT	/* 4: 0xde (#DE, handler skips divb) */
	movl	%cr0, %eax
	outl	%eax, $PORT_RESULT	/* 5: CR0 */
	xorl	%eax, %eax
	smsw	%ax
	outl	%eax, $PORT_RESULT	/* 6: CR0[15:0] */
	movl	$0x174, %ecx		/* IA32_SYSENTER_CS */
	movl	$0x5a5a, %eax
	xorl	%edx, %edx
	wrmsr
	xorl	%eax, %eax
	rdmsr
	outl	%eax, $PORT_RESULT	/* 7: 0x5a5a */
	xorl	%eax, %eax		/* ZF PF */
	pushfw
	popw	%ax
	andw	$0xcfff, %ax		/* IOPL: vm86 shows 3 (kvm_intel too) */
	outl	%eax, $PORT_RESULT	/* 8: 0x46 */
	xorl	%edx, %edx
	sti
	hlt				/* the host injects vector 0x20 */
	movl	%edx, %eax
	outl	%eax, $PORT_RESULT	/* 9: 0x20 (from the handler) */
	cli
	lgdtl	GADDR(rmode, 91f)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $GADDR(rmode, 20f)
	.code32
20:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movl	$0x32, %eax
	outl	%eax, $PORT_RESULT	/* 10: 0x32 (32-bit protected mode) */
	ljmp	$0x18, $GADDR(rmode, 21f)
	.code16
21:	movw	$0x20, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~1, %eax
	movl	%eax, %cr0
	ljmpw	$0, $GADDR(rmode, 22f)
22:	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movl	$0x16, %eax
	int	$0x80
	outl	%eax, $PORT_RESULT	/* 11: 0x116 (real mode again) */
	hlt
10:	addl	$0x100, %eax		/* INT 0x80 */
	iretw
11:	movl	$0xb3, %ebx		/* INT3 */
	iretw
12:	movl	$6, %eax		/* #UD: return past the ud2 */
	movw	%sp, %bp
	addw	$2, (%bp)
	iretw
13:	movl	$0xde, %eax		/* #DE: return past the divb */
	movw	%sp, %bp
	addw	$2, (%bp)
	iretw
14:	movl	$0x20, %edx		/* external interrupt 0x20 */
	iretw
	.balign	8
90:	.word	0x3ff
	.long	0
	.balign	8
91:	.word	5 * 8 - 1
	.long	GADDR(rmode, 92f)
	.balign	8
92:	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08 code32, flat */
	.quad	0x00cf93000000ffff	/* 0x10 data32, flat */
	.quad	0x00009b000000ffff	/* 0x18 code16, base 0, limit 0xffff */
	.quad	0x000093000000ffff	/* 0x20 data16 */
GUEST_END(rmode)

/*
 * SMP page-table traffic (smp_test.c): 32-bit paging with host-built
 * tables (SMP_PD: PDE 0 identity-maps 4 MiB, PDE 2 -> the shared SMP_PT2).
 * vCPU ESI (0 or 1) owns PTEs ESI*64..ESI*64+63 of SMP_PT2, the window at
 * SMP_WIN.  EDX iterations: point PTE n%64 at frame (n*7 + ESI*3) % 16 of
 * SMP_FRAMES (frame k holds 0xf0000 + k), INVLPG, read it back and compare;
 * every 16th iteration then unmaps it again.  A mismatch reports the
 * iteration on PORT_RESULT2 and halts; the end reports EDX on PORT_RESULT.
 */
	.code32
GUEST(smp_pt)
	xorl	%ecx, %ecx		/* n */
1:	movl	%ecx, %eax
	andl	$63, %eax
	movl	%esi, %ebx
	shll	$6, %ebx
	addl	%eax, %ebx		/* PTE index ESI*64 + n%64 */
	leal	(%ecx, %ecx, 2), %eax
	leal	(%eax, %ecx, 4), %eax	/* 7n */
	leal	(%eax, %esi, 2), %eax
	addl	%esi, %eax		/* 7n + 3 ESI */
	andl	$15, %eax		/* k */
	movl	%eax, %ebp
	shll	$12, %eax
	addl	$(SMP_FRAMES + 3), %eax	/* P | W */
	movl	%eax, SMP_PT2(, %ebx, 4)
	movl	%ebx, %edi
	shll	$12, %edi
	addl	$SMP_WIN, %edi		/* the PTE's GVA */
	invlpg	(%edi)
	movl	(%edi), %eax
	addl	$0xf0000, %ebp
	cmpl	%ebp, %eax
	jne	8f
	testl	$15, %ecx
	jnz	2f
	movl	$0, SMP_PT2(, %ebx, 4)
	invlpg	(%edi)
2:	incl	%ecx
	cmpl	%edx, %ecx
	jne	1b
	movl	%edx, %eax
	outl	%eax, $PORT_RESULT
	hlt
8:	movl	%ecx, %eax
	outl	%eax, $PORT_RESULT2
	hlt
GUEST_END(smp_pt)

/*
 * Dirty logging (dirty_log_test.c), one round per entry: write the dword
 * at SVX_DATA + 4 to each of the SVX_DATA dword addresses listed (as u64)
 * from SVX_DATA + 8, report the value on PORT_RESULT, start over.  The
 * guest reads nothing else but its code and stack.  32-bit (paging off)
 * and 64-bit (the tables at SVX_PT) builds.
 */
	.code32
GUEST(dirty_write32)
1:	movl	SVX_DATA, %ecx
	movl	SVX_DATA + 4, %eax
	movl	$(SVX_DATA + 8), %esi
2:	testl	%ecx, %ecx
	jz	3f
	movl	(%esi), %edi
	movl	%eax, (%edi)
	addl	$8, %esi
	decl	%ecx
	jmp	2b
3:	outl	%eax, $PORT_RESULT
	jmp	1b
GUEST_END(dirty_write32)

	.code64
GUEST(dirty_write64)
1:	movl	SVX_DATA, %ecx
	movl	SVX_DATA + 4, %eax
	movl	$(SVX_DATA + 8), %esi
2:	testl	%ecx, %ecx
	jz	3f
	movq	(%rsi), %rdi
	movl	%eax, (%rdi)
	addq	$8, %rsi
	decl	%ecx
	jmp	2b
3:	outl	%eax, $PORT_RESULT
	jmp	1b
GUEST_END(dirty_write64)

/*
 * pit_test: program PIT channel 2 (mode 3, LSB+MSB 0x1234) and channel 1
 * (mode 2, BCD), read their status bytes with the read-back command, write
 * 3 (gate 2 + speaker data) to port 0x61 and read it back; each value read
 * goes out to PORT_OUT8.
 */
	.code32
GUEST(pit_ports)
	movb	$0xb6, %al
	outb	%al, $0x43
	movb	$0x34, %al
	outb	%al, $0x42
	movb	$0x12, %al
	outb	%al, $0x42
	movb	$0xe8, %al
	outb	%al, $0x43
	inb	$0x42, %al
	outb	%al, $PORT_OUT8
	movb	$0x75, %al
	outb	%al, $0x43
	movb	$0xe4, %al
	outb	%al, $0x43
	inb	$0x41, %al
	outb	%al, $PORT_OUT8
	movb	$0x03, %al
	outb	%al, $0x61
	inb	$0x61, %al
	outb	%al, $PORT_OUT8
	hlt
GUEST_END(pit_ports)

	.section .note.GNU-stack, "", @progbits

