// SPDX-License-Identifier: GPL-2.0
/*
 * S4: an MMIO device register.  The guest writes and reads a register of
 * the runner's logged MMIO window at GPA 0xd1000000, outside every memslot
 * (RAM is 16 MiB at GPA 0).  Each access is one KVM_EXIT_MMIO carrying
 * address, size, data and direction; the device model answers (reads
 * return what was written) and the hypervisor advances RIP past the
 * instruction.  The first access to the page builds an MMIO entry (shadow:
 * an MMIO SPTE; EPT: a misconfigured EPT entry), so the repeat access takes
 * the fast path (shadow: mmio_fast; EPT: an EPT misconfiguration exit).
 */
#include "scen.h"

#define REG	0xd1000010UL	/* identity-mapped by the runner's tables */

int main(void)
{
	u32 v;
	u64 q;

	touch_range((u64)_start, (u64)_end);
	/*
	 * The runner's page tables too: under EPT the first access would
	 * otherwise also take an EPT violation on the guest PD that maps
	 * 0xd1000000 (a 2D walk touching a guest table's GPA for the first
	 * time), which is S1/S6's subject, not this one's.
	 */
	touch_range(0x1000, 0x80000);
	puts("S4: translation of the register's GVA before any access:\n");
	walk(REG, 2);

	puts("S4: first access: movl $0x12345678 -> [0xd1000010]\n");
	mark(1);
	wr32(REG, 0x12345678);
	mark(2);
	check_ctr("first write", P_MMIO, '=', 1);
	if (paging_known()) {
		check_ctr("first write", P_EXITS, '=', 1);
		if (is_ept()) {
			check_ctr("first write (slow path)", P_EPT_VIOL, '=', 1);
		} else {
			check_ctr("first write (slow path)", P_EXC, '=', 1);
			check_ctr("first write (slow path)", P_PF_MMIO, '=', 1);
			check_ctr("first write (slow path)", P_MMIO_FAST, '=', 0);
		}
	}
	puts("S4: translation after it:\n");
	walk(REG, 2);

	puts("S4: repeat access: movl [0xd1000010] -> %eax\n");
	mark(3);
	v = rd32(REG);
	mark(4);
	check("the read returns the value written, RIP advanced past the load",
	      v == 0x12345678, v);
	check_ctr("repeat read", P_MMIO, '=', 1);
	if (paging_known()) {
		check_ctr("repeat read", P_EXITS, '=', 1);
		if (is_ept()) {
			check_ctr("repeat read (fast path)", P_EPT_MISCONF, '=', 1);
			check_ctr("repeat read (fast path)", P_EPT_VIOL, '=', 0);
		} else {
			/* pf_mmio counts every MMIO #PF exit, mmio_fast
			 * those an MMIO SPTE answered without a walk */
			check_ctr("repeat read (fast path)", P_MMIO_FAST, '=', 1);
		}
	}

	puts("S4: a byte write and a quadword read of the next register\n");
	mark(5);
	*(volatile u8 *)(REG + 8) = 0xab;
	q = *(volatile u64 *)(REG + 8);
	mark(6);
	check("the quadword read returns the byte written", (q & 0xff) == 0xab, q);
	check_ctr("byte write + quadword read", P_MMIO, '=', 2);
	finish("S4");
}
