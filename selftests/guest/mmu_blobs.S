/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flat MMU guest images (guest/mmu_guest.c built per paging mode),
 * embedded in mmu_test's .rodata as guest_mmu_<mode>_start/_end so that
 * SVX_GUEST(mmu_<mode>) names them.  Assembled with -I build/guest.
 */
#define BLOB(name, file)					\
	.globl guest_##name##_start, guest_##name##_end;	\
	.balign 16;						\
guest_##name##_start:						\
	.incbin file;						\
guest_##name##_end:

	.section .rodata.svx_mmu_guests, "a"
BLOB(mmu_pg32, "mmu_pg32.bin")
BLOB(mmu_pae, "mmu_pae.bin")
BLOB(mmu_long64, "mmu_long64.bin")

	.section .note.GNU-stack, "", @progbits
