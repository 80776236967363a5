// SPDX-License-Identifier: GPL-2.0
/*
 * S6: S1/S5 under EPT.  With EPT the CPU walks the guest's own tables
 * (each guest table address itself translated through EPT), so the
 * hypervisor sees only the first touch of each guest-physical page (an EPT
 * violation, reason 48): guest page-table edits, INVLPG and CR3 switches
 * cost no exit.  The same guest under shadow paging shows the contrast
 * (those are exactly the events shadow paging must intercept).
 *
 *   a) first touch of GVA G1 -> GPA P1          EPT: 1 violation
 *   b) PT edit: map G2 -> P1 too, read G2       EPT: 0 exits (P1 known)
 *   c) PT edit: remap G1 -> P2 (fresh), INVLPG   EPT: 1 violation (P2)
 *   d) CR3 switch to a second address space and back, reading G1 there
 *                                               EPT: 0 exits
 *   e) the switches again                       EPT: 0 exits
 */
#include "scen.h"

#define G1	(USER_GVA + 0x300000)
#define G2	(USER_GVA + 0x301000)
#define P1	(FRESH_AREA + 0x30000)
#define P2	(FRESH_AREA + 0x31000)

static void header(const char *s)
{
	printf("S6: %s\n", s);
}

int main(void)
{
	u64 as1 = read_cr3(), as2;
	volatile u64 *pte1, *pte2;
	u32 v;
	bool ept = is_ept(), known = paging_known();

	touch_range((u64)_start, (u64)_end);
	map4k(as1, G1, P1, PTE_W);
	pte1 = pte_of(as1, G1, false, 0);
	pte2 = pte_of(as1, G2, true, 0);	/* same page table as G1 */
	*pte2 = 0;
	as2 = new_pml4();
	((u64 *)as2)[(USER_GVA >> 39) & 511] = ((u64 *)as1)[(USER_GVA >> 39) & 511];
	touch_range(PT_POOL, PT_POOL + 16 * PAGE_SIZE);
	printf("S6: paging: %s\n", !known ? "unknown (counter checks skipped)" :
	       ept ? "EPT" : "shadow (the contrast)");

	header("a) first touch of G1 0x7f0000300000 -> P1 0x830000");
	mark(1);
	v = rd32(G1);
	mark(2);
	if (known) {
		check_ctr("a) first touch", P_EXITS, '=', 1);
		check_ctr("a) first touch", ept ? P_EPT_VIOL : P_EXC, '=', 1);
	}

	header("b) guest PT edit: map G2 0x7f0000301000 -> P1 as well, read G2");
	mark(3);
	*pte2 = P1 | PTE_P | PTE_W;
	v = rd32(G2);
	mark(4);
	if (known && ept) {
		check_ctr("b) PT edit + read of a known GPA", P_EXITS, '=', 0);
	} else if (known) {
		check_ctr("b) PT edit + read (shadow: PT write and/or #PF exit)",
			  P_EXITS, '>', 1);
	}

	header("c) guest PT edit: remap G1 -> P2 0x831000 (fresh), INVLPG, read G1");
	mark(5);
	*pte1 = P2 | PTE_P | PTE_W;
	invlpg(G1);
	v = rd32(G1);
	mark(6);
	if (known && ept) {
		check_ctr("c) remap to a fresh GPA", P_EXITS, '=', 1);
		check_ctr("c) remap to a fresh GPA", P_EPT_VIOL, '=', 1);
		check_ctr("c) no exit for the PT edit or INVLPG", P_EXC, '=', 0);
	} else if (known) {
		check_ctr("c) remap + INVLPG + read (shadow)", P_EXITS, '>', 1);
	}
	puts("S6: translation of G1 now:\n");
	walk(G1, 0);

	header("d) CR3 switch to a second address space, read G1, switch back, read G1");
	mark(7);
	write_cr3(as2);
	v += rd32(G1);
	write_cr3(as1);
	v += rd32(G1);
	mark(8);
	if (known && ept) {
		check_ctr("d) two CR3 switches", P_EXITS, '=', 0);
	} else if (known) {
		check_ctr("d) two CR3 switches (shadow: MOV to CR3 exits)", P_CR, '=', 2);
		check_ctr("d) a new shadow root for the second address space",
			  P_ROOT_MISS, '=', 1);
	}

	header("e) the same switches again");
	mark(9);
	write_cr3(as2);
	v += rd32(G1);
	write_cr3(as1);
	v += rd32(G1);
	mark(10);
	if (known && ept) {
		check_ctr("e) two CR3 switches", P_EXITS, '=', 0);
	} else if (known) {
		check_ctr("e) two CR3 switches: only the MOV to CR3 exits", P_EXITS, '=', 2);
		check_ctr("e) both roots found in the cache", P_ROOT_HIT, '=', 2);
		check_ctr("e) no new root", P_ROOT_MISS, '=', 0);
	}
	check("reads returned the fresh pages' 0", v == 0, v);
	finish("S6");
}
