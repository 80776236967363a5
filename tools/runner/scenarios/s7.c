// SPDX-License-Identifier: GPL-2.0
/*
 * S7: fork()-like address spaces and page-table churn.  A parent with 4
 * data pages forks 3 children (new page tables, private copies of the
 * pages), then the guest runs each of the 4 address spaces in turn (a CR3
 * switch and a read of its 4 pages), 3 rounds, then every child remaps a
 * page to a fresh GPA (PTE edit + INVLPG).
 *
 * Shadow paging: every MOV to CR3 exits; the first load of a child's CR3
 * builds its shadow root (root_miss), after which a switch back to a known
 * CR3 finds the cached root (root_hit) and costs no rebuild: no shadow
 * page allocated, no #PF.  EPT: CR3 switches and PT edits do not exit at
 * all; only the first touch of a GPA does.  The guest prints the exit
 * counts per phase; compare the shadow and EPT runs.
 */
#include "scen.h"

#define NR_AS		4
#define NR_PAGES	4
#define ROUNDS		3
#define UVA(i)		(USER_GVA + 0x400000 + (u64)(i) * PAGE_SIZE)
#define PARENT_GPA(i)	(FRESH_AREA + 0x40000 + (u64)(i) * PAGE_SIZE)
#define CHILD_GPA(c, i)	(FRESH_AREA + 0x80000 + (u64)(c) * 0x10000 + (u64)(i) * PAGE_SIZE)
#define CHURN_GPA(c)	(FRESH_AREA + 0x100000 + (u64)(c) * PAGE_SIZE)

static u64 as[NR_AS];

static const enum probe_ctr cols[] = {
	P_EXITS, P_EXC, P_CR, P_EPT_VIOL, P_PT_WRITE, P_ROOT_HIT, P_ROOT_MISS,
	P_SP_ALLOC,
};

static void row(const char *phase)
{
	printf("S7: %-24s", phase);
	for (unsigned int i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		u32 v = ctr(cols[i]);

		if (v == PROBE_NA)
			printf(" %9s", "-");
		else
			printf(" %9u", v);
	}
	putc('\n');
}

static u32 read_all(void)
{
	u32 s = 0;

	for (int i = 0; i < NR_PAGES; i++)
		s += rd32(UVA(i));
	return s;
}

int main(void)
{
	bool ept = is_ept(), known = paging_known();
	u32 sum = 0;

	touch_range((u64)_start, (u64)_end);
	as[0] = read_cr3();
	for (int i = 0; i < NR_PAGES; i++) {
		map4k(as[0], UVA(i), PARENT_GPA(i), PTE_W);
		wr32(UVA(i), 0x1000 + i);
	}
	printf("S7: paging: %s; parent CR3 0x%lx, %d data pages at 0x%lx\n",
	       !known ? "unknown (counter checks skipped)" : ept ? "EPT" : "shadow",
	       as[0], NR_PAGES, UVA(0));
	printf("S7: %-24s %9s %9s %9s %9s %9s %9s %9s %9s\n", "phase", "exits",
	       "#PF(0)", "CR(28)", "EPT(48)", "pt_write", "root_hit",
	       "root_miss", "sp_alloc");

	/* fork: new tables, private copies of the pages (copied through the
	 * identity map, i.e. by GPA) */
	mark(1);
	for (int c = 1; c < NR_AS; c++) {
		as[c] = new_pml4();
		for (int i = 0; i < NR_PAGES; i++) {
			map4k(as[c], UVA(i), CHILD_GPA(c, i), PTE_W);
			wr32(CHILD_GPA(c, i), rd32(PARENT_GPA(i)) + 0x100 * c);
		}
	}
	mark(2);
	row("fork x3 (copy)");
	if (known && ept)
		check_ctr("fork: no #PF exits under EPT", P_EXC, '=', 0);

	/* first run of every address space */
	mark(3);
	for (int c = 0; c < NR_AS; c++) {
		write_cr3(as[c]);
		sum += read_all();
	}
	mark(4);
	row("first run of each AS");
	if (known && ept) {
		check_ctr("first run: CR3 switches and known GPAs", P_EXITS, '=', 0);
	} else if (known) {
		check_ctr("first run: 4 CR3 loads", P_CR, '=', NR_AS);
		if (on_svx())
			check_ctr("first run: a new root per child", P_ROOT_MISS, '=', NR_AS - 1);
	}

	/* switch back and forth: cached roots */
	mark(5);
	for (int r = 0; r < ROUNDS; r++)
		for (int c = 0; c < NR_AS; c++) {
			write_cr3(as[c]);
			sum += read_all();
		}
	mark(6);
	row("3 rounds of switches");
	if (known && ept) {
		check_ctr("switch back: 12 CR3 switches", P_EXITS, '=', 0);
	} else if (known) {
		check_ctr("switch back: only the 12 MOV to CR3 exit", P_EXITS, '=', ROUNDS * NR_AS);
		check_ctr("switch back: no #PF", P_EXC, '=', 0);
		check_ctr("switch back: every root from the cache", P_ROOT_HIT, '=', ROUNDS * NR_AS);
		check_ctr("switch back: no root rebuilt", P_ROOT_MISS, '=', 0);
		check_ctr("switch back: no shadow page allocated", P_SP_ALLOC, '=', 0);
	}

	/* churn: every child remaps its page 0 to a fresh GPA */
	mark(7);
	for (int c = 1; c < NR_AS; c++) {
		write_cr3(as[c]);
		*pte_of(as[c], UVA(0), false, 0) = CHURN_GPA(c) | PTE_P | PTE_W;
		invlpg(UVA(0));
		sum += rd32(UVA(0));
	}
	write_cr3(as[0]);
	mark(8);
	row("PT churn (3 remaps)");
	if (known && ept) {
		check_ctr("churn: one EPT violation per fresh GPA", P_EXITS, '=', NR_AS - 1);
		check_ctr("churn: one EPT violation per fresh GPA", P_EPT_VIOL, '=', NR_AS - 1);
	} else if (known) {
		check_ctr("churn: CR3 loads, PT edits, INVLPG, faults exit", P_EXITS, '>',
			  NR_AS + 2 * (NR_AS - 1));
	}

	/* the parent's pages are still its own, the children's their copies */
	check("parent's page 1 unchanged by the children", rd32(UVA(1)) == 0x1001,
	      rd32(UVA(1)));
	write_cr3(as[2]);
	check("child 2's copy of page 1", rd32(UVA(1)) == 0x1201, rd32(UVA(1)));
	write_cr3(as[0]);
	(void)sum;
	finish("S7");
}
