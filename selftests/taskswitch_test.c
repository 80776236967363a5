// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware task switches (VM exit 9, emulated by the VMM as KVM does): a
 * 32-bit protected-mode guest with paging on (32-bit and PAE paging) JMPs
 * to a TSS and back, CALLs a task through a task gate and IRETs back, takes
 * INT n and a #GP (with its error code) through IDT task gates.  The tasks
 * run on different CR3s that map one probe address to different pages.
 * The guest records EFLAGS.NT, the back links, the busy bits in its GDT,
 * TR, CR0.TS, CR3, its registers and what the probe address holds; the host
 * checks every value, then TR, CR3 and the TSS descriptors at the end, and
 * (on /dev/shadowvmx) the task-switch counters.  Layout: guest/guest.h.
 */
#include <string.h>

#include "svx.h"

SVX_GUEST_FIXTURE(guest);

extern const char guest_taskswitch_start[];
extern const char guest_ts_main_after_a[], guest_ts_main_after_c[];
extern const char guest_ts_main_bad_mov[], guest_ts_done[];
extern const char guest_ts_task_a[], guest_ts_task_b[], guest_ts_task_c[];
extern const char guest_ts_task_d[], guest_ts_b_after_iret[];

#define GADDR(sym)	((uint32_t)(SVX_CODE + ((sym) - guest_taskswitch_start)))

#define PROBE0		0x50524f30	/* at GPA SVX_TS_PROBE */
#define PROBE1		0x50524f31	/* at GPA SVX_TS_PROBE_ALT */
#define NOT_WRITTEN	0xdeadbeef
#define LINK_A		0x1111		/* TSS A's link: a JMP leaves it */
#define EAX_A		0xa1a1a1a1
#define NT		0x4000
#define CR0_PG		0x80000000u
#define CR0_WP		0x00010000u
#define CR0_TS		0x8u
#define CR4_PAE		0x20u

/* Where the page tables of one paging mode are and what CR3 holds. */
struct ts_paging {
	bool pae;
	uint32_t cr3[2];	/* page directory 0 (main, D), 1 (A, B, C) */
};

static void put32(uint8_t *mem, uint32_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static void put64(uint8_t *mem, uint32_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static uint32_t get32(const uint8_t *mem, uint32_t gpa)
{
	uint32_t v;

	memcpy(&v, mem + gpa, 4);
	return v;
}

/*
 * Two address spaces over the 2 MiB of slot 0, identity-mapped with 4 KiB
 * pages but for SVX_TS_PROBE, which space 1 maps to SVX_TS_PROBE_ALT.
 */
static void build_tables(uint8_t *mem, struct ts_paging *p)
{
	uint32_t base = SVX_TS_PT, pt[2], i, s;

	memset(mem + base, 0, 8 * 4096);
	for (s = 0; s < 2; s++) {
		pt[s] = base + 0x1000 + s * 0x2000;	/* PT; PD below it */
		for (i = 0; i < SVX_MEM_SIZE / 4096; i++) {
			uint32_t gpa = i * 4096;

			if (s == 1 && gpa == SVX_TS_PROBE)
				gpa = SVX_TS_PROBE_ALT;
			if (p->pae)
				put64(mem, pt[s] + i * 8, gpa | 0x3);
			else
				put32(mem, pt[s] + i * 4, gpa | 0x3);
		}
		if (p->pae) {
			/* PDPT (32 bytes, in the first page) -> PD -> PT */
			uint32_t pdpt = base + s * 32, pd = pt[s] + 0x1000;

			put64(mem, pdpt, pd | 0x1);
			put64(mem, pd, pt[s] | 0x3);
			p->cr3[s] = pdpt;
		} else {
			uint32_t pd = pt[s] + 0x1000;

			put32(mem, pd, pt[s] | 0x3);
			p->cr3[s] = pd;
		}
	}
}

static void put_tss(uint8_t *mem, uint32_t tss, uint32_t eip, uint32_t esp,
		    uint32_t cr3)
{
	int i;

	memset(mem + tss, 0, 0x68);
	put32(mem, tss + SVX_TSS_CR3, cr3);
	put32(mem, tss + SVX_TSS_EIP, eip);
	put32(mem, tss + SVX_TSS_EFLAGS, 0x2);
	put32(mem, tss + 0x38, esp);			/* esp */
	for (i = 0; i < 6; i++)				/* es cs ss ds fs gs */
		put32(mem, tss + 0x48 + i * 4, i == 1 ? SVX_SEL_CS32 :
		      SVX_SEL_DS);
	put32(mem, tss + 0x60, 0);			/* no LDT */
	put32(mem, tss + 0x64, 0x680000);		/* I/O map: none */
}

/* An available 32-bit TSS descriptor (limit 0x67). */
static uint64_t tss_desc(uint32_t base)
{
	return 0x67 | (uint64_t)(base & 0xffffff) << 16 | 0x89ULL << 40 |
	       (uint64_t)(base >> 24) << 56;
}

/* A task gate for TSS selector @sel, DPL 0. */
static uint64_t task_gate(uint16_t sel)
{
	return (uint64_t)sel << 16 | 0x85ULL << 40;
}

static int tss_type(const uint8_t *mem, uint16_t sel)
{
	return mem[SVX_GDT + sel + 5] & 0xf;
}

struct ts_expect {
	int index;
	uint32_t value;
	const char *what;
};

static void run_task_switches(struct __test_metadata *_metadata,
			      struct svx_guest *g, bool pae)
{
	struct ts_paging p = { .pae = pae };
	uint8_t *mem = g->vm.mem;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	unsigned int i;

	build_tables(mem, &p);
	put32(mem, SVX_TS_PROBE, PROBE0);
	put32(mem, SVX_TS_PROBE_ALT, PROBE1);
	for (i = 0; i < SVX_TS_NR_RESULTS; i++)
		put32(mem, SVX_TS_RESULTS + i * 4, NOT_WRITTEN);

	/* The main task's TSS: CR3 is not saved by a switch, only loaded. */
	put_tss(mem, SVX_TSS, 0, 0, p.cr3[0]);
	put_tss(mem, SVX_TS_TSS_A, GADDR(guest_ts_task_a), SVX_TS_STACK_A,
		p.cr3[1]);
	put32(mem, SVX_TS_TSS_A + SVX_TSS_LINK, LINK_A);
	put32(mem, SVX_TS_TSS_A + SVX_TSS_EAX, EAX_A);
	put_tss(mem, SVX_TS_TSS_B, GADDR(guest_ts_task_b), SVX_TS_STACK_B,
		p.cr3[1]);
	put_tss(mem, SVX_TS_TSS_C, GADDR(guest_ts_task_c), SVX_TS_STACK_C,
		p.cr3[1]);
	put_tss(mem, SVX_TS_TSS_D, GADDR(guest_ts_task_d), SVX_TS_STACK_D,
		p.cr3[0]);
	put64(mem, SVX_GDT + SVX_TS_SEL_A, tss_desc(SVX_TS_TSS_A));
	put64(mem, SVX_GDT + SVX_TS_SEL_B, tss_desc(SVX_TS_TSS_B));
	put64(mem, SVX_GDT + SVX_TS_SEL_C, tss_desc(SVX_TS_TSS_C));
	put64(mem, SVX_GDT + SVX_TS_SEL_D, tss_desc(SVX_TS_TSS_D));
	put64(mem, SVX_GDT + SVX_TS_SEL_GATE, task_gate(SVX_TS_SEL_B));
	put64(mem, SVX_IDT + SVX_TS_VECTOR * 8, task_gate(SVX_TS_SEL_C));
	put64(mem, SVX_IDT + 13 * 8, task_gate(SVX_TS_SEL_D));

	ASSERT_EQ(0, svx_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.gdt.limit = SVX_TS_GDT_LIMIT;
	sr.cr0 |= CR0_PG | CR0_WP;
	sr.cr3 = p.cr3[0];
	sr.cr4 = pae ? CR4_PAE : 0;
	ASSERT_EQ(0, svx_ioctl(g->vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr));

	ASSERT_EXIT(&g->vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svx_ioctl(g->vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
	EXPECT_EQ(GADDR(guest_ts_done) + 1, regs.rip)
		TH_LOG("the guest stopped at %#llx, not at its final hlt",
		       (unsigned long long)regs.rip);

	{
		const struct ts_expect want[] = {
			{ 0, PROBE0, "main: probe on CR3 0" },
			{ 1, EAX_A, "A: EAX loaded from its TSS" },
			{ 2, PROBE1, "A: probe on its own CR3" },
			{ 3, p.cr3[1], "A: CR3 from its TSS" },
			{ 4, 0, "A: NT after JMP" },
			{ 5, LINK_A, "A: back link untouched by JMP" },
			{ 6, 9, "A: main TSS not busy after JMP" },
			{ 7, 0xb, "A: own TSS busy" },
			{ 8, SVX_TS_SEL_A, "A: TR" },
			{ 9, CR0_TS, "A: CR0.TS set by the switch" },
			{ 10, 0x5a5a5a5a, "main: EBX kept across A" },
			{ 11, 0xc3c3c3c3, "main: ESI kept across A" },
			{ 12, PROBE0, "main: probe on CR3 0 again" },
			{ 13, p.cr3[0], "main: CR3 from its TSS" },
			{ 14, SVX_SEL_TSS, "main: TR after A" },
			{ 15, 9, "main: A's TSS not busy after its JMP" },
			{ 16, 0xb, "main: own TSS busy" },
			{ 17, GADDR(guest_ts_main_after_a),
			  "main: EIP saved by JMP (past it)" },
			{ 20, NT, "B: NT after CALL" },
			{ 21, SVX_SEL_TSS, "B: back link to main" },
			{ 22, 0xb, "B: main TSS still busy (CALL)" },
			{ 23, 0xb, "B: own TSS busy" },
			{ 24, SVX_TS_SEL_B, "B: TR" },
			{ 25, PROBE1, "B: probe on its own CR3" },
			{ 26, CR0_TS, "B: CR0.TS set again after CLTS" },
			{ 30, 0, "main: NT after B's IRET" },
			{ 31, 9, "main: B's TSS not busy after IRET" },
			{ 32, 0xb, "main: own TSS busy" },
			{ 33, SVX_SEL_TSS, "main: TR after B" },
			{ 34, 0, "main: NT cleared in B's saved EFLAGS" },
			{ 35, GADDR(guest_ts_b_after_iret),
			  "main: B's saved EIP past its IRET" },
			{ 36, PROBE0, "main: probe after B" },
			{ 40, NT, "C: NT after INT n" },
			{ 41, SVX_SEL_TSS, "C: back link to main" },
			{ 42, SVX_TS_SEL_C, "C: TR" },
			{ 43, SVX_TS_STACK_C, "C: ESP (INT n pushes nothing)" },
			{ 44, 0xb, "C: own TSS busy" },
			{ 45, PROBE1, "C: probe on its own CR3" },
			{ 46, 9, "main: C's TSS not busy after IRET" },
			{ 47, GADDR(guest_ts_main_after_c),
			  "main: EIP saved by INT n (past it)" },
			{ 50, SVX_TS_STACK_D - 4, "D: ESP (error code pushed)" },
			{ 51, SVX_TS_BAD_SEL, "D: #GP error code" },
			{ 52, NT, "D: NT after #GP" },
			{ 53, SVX_SEL_TSS, "D: back link to main" },
			{ 54, SVX_TS_SEL_D, "D: TR" },
			{ 55, PROBE0, "D: probe on CR3 0" },
			{ 56, GADDR(guest_ts_main_bad_mov),
			  "D: main's saved EIP at the faulting MOV" },
			{ 57, SVX_SEL_DS, "main: DS after the retried MOV" },
			{ 58, 9, "main: D's TSS not busy after IRET" },
			{ 59, SVX_SEL_TSS, "main: TR at the end" },
			{ 60, 0x600d, "main: reached the end" },
		};

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			uint32_t got = get32(mem, SVX_TS_RESULTS +
					     want[i].index * 4);

			EXPECT_EQ(want[i].value, got)
				TH_LOG("result %d (%s): %#x, expected %#x",
				       want[i].index, want[i].what, got,
				       want[i].value);
		}
	}

	ASSERT_EQ(0, svx_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(SVX_SEL_TSS, sr.tr.selector);
	EXPECT_EQ(SVX_TSS, sr.tr.base);
	EXPECT_EQ(0x67, sr.tr.limit);
	EXPECT_EQ(11, sr.tr.type);
	EXPECT_EQ(p.cr3[0], sr.cr3);
	EXPECT_EQ(CR0_TS, sr.cr0 & CR0_TS);
	EXPECT_EQ(0xb, tss_type(mem, SVX_SEL_TSS));
	EXPECT_EQ(9, tss_type(mem, SVX_TS_SEL_A));
	EXPECT_EQ(9, tss_type(mem, SVX_TS_SEL_B));
	EXPECT_EQ(9, tss_type(mem, SVX_TS_SEL_C));
	EXPECT_EQ(9, tss_type(mem, SVX_TS_SEL_D));

	if (svx_has_stats(g->vm.fd)) {
		struct svx_stats st = { .version = SVX_STATS_VERSION,
					.size = sizeof(st) };

		ASSERT_EQ(0, svx_ioctl(g->vcpu.fd, SVX_GET_VCPU_STATS,
				       (unsigned long)&st));
		/* A, back, B, IRET, C, IRET, D, IRET. */
		EXPECT_EQ(8, st.exits[9]);
		EXPECT_EQ(8, st.misc[SVX_STAT_TASK_SWITCHES]);
	}
}

TEST_F(guest, task_switches_32bit_paging)
{
	INIT(taskswitch, SVX_MODE_PM32);
	run_task_switches(_metadata, &self->g, false);
}

TEST_F(guest, task_switches_pae_paging)
{
	INIT(taskswitch, SVX_MODE_PM32);
	run_task_switches(_metadata, &self->g, true);
}

TEST_HARNESS_MAIN
