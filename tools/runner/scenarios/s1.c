// SPDX-License-Identifier: GPL-2.0
/*
 * S1: the guest writes RAM at a GVA for the first time, then again.
 *
 * Shadow paging: the first write finds no shadow entry: #PF exit (reason 0,
 * vector 14); the hypervisor walks the guest's four tables, finds the GPA's
 * memslot, its HVA and host pfn, writes the SPTE, re-enters; the second
 * write takes no exit at all.  EPT: the first touch of the GPA is one EPT
 * violation (reason 48), the second none.  Walk diagrams before and after.
 */
#include "scen.h"

#define GVA	(USER_GVA + 0x1000)		/* 0x7f0000001000 */
#define GPA	(FRESH_AREA + 0x10000)		/* 0x810000, never touched */

int main(void)
{
	u64 cr3 = read_cr3();
	u32 v;

	puts("S1: setup: touch the guest's own pages, build 4 KiB tables for the GVA\n");
	touch_range((u64)_start, (u64)_end);
	map4k(cr3, GVA, GPA, PTE_W);
	printf("S1: guest maps GVA 0x%lx -> GPA 0x%lx with 4 KiB pages: PML4[%u] PDPT[%u] PD[%u] PT[%u], CR3 0x%lx\n",
	       GVA, GPA, (u32)(GVA >> 39) & 511, (u32)(GVA >> 30) & 511,
	       (u32)(GVA >> 21) & 511, (u32)(GVA >> 12) & 511, cr3);
	puts("S1: translation before the first touch:\n");
	walk(GVA, 2);

	puts("S1: first touch: write 0x5a5a5a5a to the GVA\n");
	mark(1);
	wr32(GVA, 0x5a5a5a5a);
	mark(2);
	if (!paging_known()) {
		puts("  (paging mode unknown on this device: counter checks skipped)\n");
	} else if (is_ept()) {
		check_ctr("first touch", P_EXITS, '=', 1);
		check_ctr("first touch", P_EPT_VIOL, '=', 1);
		check_ctr("first touch", P_EXC, '=', 0);
	} else {
		check_ctr("first touch", P_EXITS, '=', 1);
		check_ctr("first touch", P_EXC, '=', 1);
		check_ctr("first touch", P_PF_FIXED, '=', 1);
		check_ctr("first touch", P_EPT_VIOL, '=', 0);
	}
	puts("S1: translation after the first touch:\n");
	walk(GVA, 2);

	puts("S1: second touch: read it back and write again\n");
	mark(3);
	v = rd32(GVA);
	wr32(GVA, v + 1);
	mark(4);
	check("second touch reads what the first wrote (0x5a5a5a5a)",
	      v == 0x5a5a5a5a, v);
	if (paging_known()) {
		check_ctr("second touch", P_EXITS, '=', 0);
		check_ctr("second touch", is_ept() ? P_EPT_VIOL : P_PF_FIXED, '=', 0);
	}
	finish("S1");
}
