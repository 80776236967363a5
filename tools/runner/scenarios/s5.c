// SPDX-License-Identifier: GPL-2.0
/*
 * S5: a guest user-mode (ring 3) process reads memory, once where its
 * kernel already mapped the page and once where it did not (demand
 * paging).
 *
 * Shadow paging, page mapped by the guest: one #PF exit, the hypervisor's
 * walk finds a present guest PTE and installs the SPTE (a "shadow fault").
 * Page not mapped by the guest: #PF exit, the walk finds the guest's PTE
 * not present, so the #PF is injected into the guest (pf_injected); the
 * guest kernel's handler fills the PTE (a write to a shadowed page table:
 * write-protected, so emulated or unsynced) and returns; the retried read
 * is a shadow fault if the PTE write did not already install the SPTE.
 * Under EPT the guest #PF goes straight to the guest kernel (no exit) and
 * only the first touch of each GPA exits (an EPT violation).  In both,
 * reading again takes no exit.
 */
#include "scen.h"

#define D1	(USER_GVA + 0x100000)		/* mapped before the process runs */
#define D2	(USER_GVA + 0x101000)		/* mapped by the #PF handler */
#define EXIT_VA	(USER_GVA + 0x1ff000)		/* never mapped: "exit()" */
#define GPA1	(FRESH_AREA + 0x20000)
#define GPA2	(FRESH_AREA + 0x21000)

static u8 ustack[8192] __attribute__((aligned(4096)));
static volatile int nr_pf;
static volatile u64 pf_addr, pf_err;

static void on_pf(struct frame *f)
{
	u64 cr2 = read_cr2();

	if (cr2 == EXIT_VA) {
		/* the process ends by touching an address its kernel treats
		 * as exit(): no system-call gate needed (kvm_pvm lacks int
		 * 0x80 from ring 3) */
		puts("S5: back in the kernel (the process touched its exit address)\n");
		finish("S5");
	}
	nr_pf++;
	pf_addr = cr2;
	pf_err = f->error;
	if ((cr2 & ~(PAGE_SIZE - 1)) != D2 || nr_pf > 1) {
		printf("S5: unexpected #PF at 0x%lx error 0x%lx rip 0x%lx\n",
		       cr2, f->error, f->rip);
		nr_fail++;
		finish("S5");
	}
	/* demand paging: fill the guest PTE, return to retry the read */
	map4k(read_cr3(), D2, GPA2, PTE_W | PTE_U);
}

static void user_main(void)
{
	u32 v;

	touch_range((u64)_start, (u64)_end);	/* code, stack: user SPTEs */
	puts("S5: ring 3: read D1 = 0x7f0000100000 (guest PTE present, GPA never touched)\n");
	mark(11);
	v = rd32(D1);
	mark(12);
	check("user read of D1 returns the fresh page's 0", v == 0, v);
	if (paging_known()) {
		check_ctr("D1 first read", P_EXITS, '=', 1);
		if (is_ept()) {
			check_ctr("D1 first read", P_EPT_VIOL, '=', 1);
		} else {
			check_ctr("D1 first read", P_EXC, '=', 1);
			check_ctr("D1 first read", P_PF_FIXED, '=', 1);
		}
	}
	mark(13);
	v = rd32(D1);
	mark(14);
	if (paging_known())
		check_ctr("D1 second read (hit)", P_EXITS, '=', 0);

	puts("S5: ring 3: translation of D2 = 0x7f0000101000 before (no guest PTE):\n");
	walk(D2, 4);
	puts("S5: ring 3: read D2: guest #PF, the kernel fills the PTE\n");
	mark(15);
	v = rd32(D2);
	mark(16);
	check("the guest kernel took one #PF", nr_pf == 1, nr_pf);
	check("... at CR2 = D2", pf_addr == D2, pf_addr);
	check("... error code 0x4 (user read, not present)", pf_err == 4, pf_err);
	check("the retried read completes (fresh page: 0)", v == 0, v);
	if (paging_known()) {
		if (is_ept()) {
			check_ctr("D2 read with guest #PF", P_EXITS, '=', 1);
			check_ctr("D2 read with guest #PF (fresh GPA)", P_EPT_VIOL, '=', 1);
			check_ctr("D2 read with guest #PF (no exit for it)", P_EXC, '=', 0);
			check_ctr("D2 read with guest #PF", P_PF_INJECTED, '=', 0);
		} else {
			check_ctr("D2 read with guest #PF (injected)", P_PF_INJECTED, '=', 1);
			check_ctr("D2 read with guest #PF (inject + PT write or shadow fault)",
				  P_EXC, '>', 2);
			check_ctr("D2 read with guest #PF (SPTE installed)", P_SPTE, '>', 1);
		}
	}
	puts("S5: ring 3: translation of D2 after:\n");
	walk(D2, 4);
	mark(17);
	v = rd32(D2);
	mark(18);
	if (paging_known())
		check_ctr("D2 second read (hit)", P_EXITS, '=', 0);
	(void)rd32(EXIT_VA);
	for (;;)
		;
}

int main(void)
{
	u64 *pml4 = (u64 *)(read_cr3() & PTE_ADDR);

	cpu_init();
	set_handler(14, on_pf, 0);
	/* the process runs from the identity-mapped image: make the first
	 * 2 MiB (image, its stack) user-accessible */
	pml4[0] |= PTE_U;
	((u64 *)(pml4[0] & PTE_ADDR))[0] |= PTE_U;
	((u64 *)(((u64 *)(pml4[0] & PTE_ADDR))[0] & PTE_ADDR))[0] |= PTE_U;
	write_cr3(read_cr3());
	touch_range((u64)_start, (u64)_end);
	/* the kernel prepares the process's data: D1 mapped, D2 not */
	map4k(read_cr3(), D1, GPA1, PTE_W | PTE_U);
	*pte_of(read_cr3(), D2, true, PTE_U) = 0;	/* its page table exists */
	printf("S5: process data: D1 0x%lx -> GPA 0x%lx mapped; D2 0x%lx not mapped (demand paging)\n",
	       D1, GPA1, D2);
	puts("S5: entering ring 3 (iretq to CS 0x23; the TSS I/O bitmap opens the probe's ports)\n");
	enter_user((u64)user_main, (u64)ustack + sizeof(ustack));
}
