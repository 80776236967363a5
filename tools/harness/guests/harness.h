/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the harness guests (tools/harness/guests/W*.S): 64-bit
 * flat binaries for `svxrun --mode long64` (identity map of 4 GiB with
 * 2 MiB pages, PML4 at 0x4000, stack below 0x80000), linked at 0x100000.
 *
 *   TSC_START          r12 = TSC (lfence; rdtsc)
 *   TSC_STOP           rax = TSC - r12
 *   PRINT_CYCLES       prints "cycles=0x<16 hex digits>\n" (value in rax)
 *                      on COM1 with one REP OUTSB (one exit to userspace)
 *   HARNESS_TAIL       the code behind PRINT_CYCLES; put it once, after hlt
 *   HEX16 buf          writes rax as 16 hex digits at buf; clobbers rax
 *                      rcx rdi r8 (for a guest's own report lines)
 *
 * The runner ends the run with status 0 on the final hlt (IF=0).
 */
#define COM1		0x3f8
#define DEBUG_EXIT	0xf4

.macro TSC_START
	lfence
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r12
.endm

.macro TSC_STOP
	lfence
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r12, %rax
.endm

.macro PRINT_CYCLES
	call	print_cycles
.endm

.macro HEX16 buf
	lea	\buf(%rip), %rdi
	mov	$16, %ecx
1:	rol	$4, %rax
	mov	%eax, %r8d
	and	$0xf, %r8d
	cmp	$10, %r8d
	jb	2f
	add	$('a' - 10 - '0'), %r8d
2:	add	$'0', %r8d
	mov	%r8b, (%rdi)
	inc	%rdi
	loop	1b
.endm

.macro HARNESS_TAIL
/* print_cycles: rax = value; clobbers rax rcx rdx rsi rdi r8 */
print_cycles:
	HEX16	cyc_digits
	lea	cyc_line(%rip), %rsi
	mov	$(cyc_end - cyc_line), %ecx
	mov	$COM1, %dx
	cld
	rep outsb
	ret

	.balign	8
cyc_line:
	.ascii	"cycles=0x"
cyc_digits:
	.ascii	"0000000000000000\n"
cyc_end:
.endm
