/* SPDX-License-Identifier: GPL-2.0 */
/*
 * touch32: first touch of memory (svxrun --mode prot32 --mem 16M or more).
 * Writes one dword to each of the 2048 pages of 8..16 MiB, so every write
 * is the first access to its page, then halts (runner exit status 0).  With
 * --stats it shows what building the mappings costs: shadow page faults
 * under shadow paging, EPT violations under EPT.
 */
#define AREA		0x800000
#define NR_PAGES	2048

	.code32
	.text
	.globl _start
_start:
	mov	$AREA, %edi
	mov	$NR_PAGES, %ecx
1:	mov	%ecx, (%edi)
	add	$4096, %edi
	loop	1b
	hlt
