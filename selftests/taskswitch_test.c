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
#include <stdlib.h>
#include <string.h>

#include "svx.h"

SVX_GUEST_FIXTURE(guest);

extern const char guest_taskswitch_start[];
extern const char guest_ts_main_after_a[], guest_ts_main_after_c[];
extern const char guest_ts_main_bad_mov[], guest_ts_done[];
extern const char guest_ts_task_a[], guest_ts_task_b[], guest_ts_task_c[];
extern const char guest_ts_task_d[], guest_ts_b_after_iret[];
extern const char guest_ts_fault_main[], guest_ts_fault_lost[];
extern const char guest_ts_ts_handler[], guest_ts_ts_done[], guest_ts_task_e[];
extern const char guest_ts16_main[], guest_ts16_main_after_f[];
extern const char guest_ts16_done[], guest_ts16_task_f[];
extern const char guest_ts16_f_after_jmp[];
extern const char guest_ts_irq_main[], guest_ts_irq_after_hlt[];
extern const char guest_ts_irq_done[], guest_ts_task_g[];

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

/* A 16-bit TSS: IP, SP, AX; flat segments, no LDT. */
static void put_tss16(uint8_t *mem, uint32_t tss, uint16_t ip, uint16_t sp,
		      uint16_t ax)
{
	uint16_t v[22] = { 0 };

	v[7] = ip;
	v[8] = 0x2;			/* flags */
	v[9] = ax;
	v[13] = sp;
	v[17] = SVX_SEL_DS;		/* es */
	v[18] = SVX_SEL_CS32;		/* cs */
	v[19] = SVX_SEL_DS;		/* ss */
	v[20] = SVX_SEL_DS;		/* ds */
	memcpy(mem + tss, v, sizeof(v));
}

/* An available 16-bit TSS descriptor (limit 0x2b). */
static uint64_t tss16_desc(uint32_t base)
{
	return 0x2b | (uint64_t)(base & 0xffffff) << 16 | 0x81ULL << 40 |
	       (uint64_t)(base >> 24) << 56;
}

/* A task gate for TSS selector @sel, DPL 0. */
static uint64_t task_gate(uint16_t sel)
{
	return (uint64_t)sel << 16 | 0x85ULL << 40;
}

/* A 32-bit interrupt gate to @eip in the flat code segment, DPL 0. */
static uint64_t intr_gate(uint32_t eip)
{
	return (eip & 0xffff) | (uint64_t)SVX_SEL_CS32 << 16 |
	       0x8eULL << 40 | (uint64_t)(eip >> 16) << 48;
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

/* Each result word the guest stored must be what @want says. */
static void check_results(struct __test_metadata *_metadata,
			  const uint8_t *mem, const struct ts_expect *want,
			  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t got = get32(mem, SVX_TS_RESULTS + want[i].index * 4);

		EXPECT_EQ(want[i].value, got)
			TH_LOG("result %d (%s): %#x, expected %#x",
			       want[i].index, want[i].what, got,
			       want[i].value);
	}
}

/* Page tables, the TSSs and gates of guest.h, paging on; 0 or -errno. */
static int setup_tasks(struct svxu_guest *g, struct ts_paging *p)
{
	uint8_t *mem = g->vm.mem;
	struct kvm_sregs sr;
	unsigned int i;
	int r;

	build_tables(mem, p);
	put32(mem, SVX_TS_PROBE, PROBE0);
	put32(mem, SVX_TS_PROBE_ALT, PROBE1);
	for (i = 0; i < SVX_TS_NR_RESULTS; i++)
		put32(mem, SVX_TS_RESULTS + i * 4, NOT_WRITTEN);

	/* The main task's TSS: CR3 is not saved by a switch, only loaded. */
	put_tss(mem, SVX_TSS, 0, 0, p->cr3[0]);
	put_tss(mem, SVX_TS_TSS_A, GADDR(guest_ts_task_a), SVX_TS_STACK_A,
		p->cr3[1]);
	put32(mem, SVX_TS_TSS_A + SVX_TSS_LINK, LINK_A);
	put32(mem, SVX_TS_TSS_A + SVX_TSS_EAX, EAX_A);
	put_tss(mem, SVX_TS_TSS_B, GADDR(guest_ts_task_b), SVX_TS_STACK_B,
		p->cr3[1]);
	put_tss(mem, SVX_TS_TSS_C, GADDR(guest_ts_task_c), SVX_TS_STACK_C,
		p->cr3[1]);
	put_tss(mem, SVX_TS_TSS_D, GADDR(guest_ts_task_d), SVX_TS_STACK_D,
		p->cr3[0]);
	put64(mem, SVX_GDT + SVX_TS_SEL_A, tss_desc(SVX_TS_TSS_A));
	put64(mem, SVX_GDT + SVX_TS_SEL_B, tss_desc(SVX_TS_TSS_B));
	put64(mem, SVX_GDT + SVX_TS_SEL_C, tss_desc(SVX_TS_TSS_C));
	put64(mem, SVX_GDT + SVX_TS_SEL_D, tss_desc(SVX_TS_TSS_D));
	put64(mem, SVX_GDT + SVX_TS_SEL_GATE, task_gate(SVX_TS_SEL_B));
	put64(mem, SVX_IDT + SVX_TS_VECTOR * 8, task_gate(SVX_TS_SEL_C));
	put64(mem, SVX_IDT + 13 * 8, task_gate(SVX_TS_SEL_D));

	r = svxu_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr);
	if (r)
		return r;
	sr.gdt.limit = SVX_TS_GDT_LIMIT;
	sr.cr0 |= CR0_PG | CR0_WP;
	sr.cr3 = p->cr3[0];
	sr.cr4 = p->pae ? CR4_PAE : 0;
	return svxu_ioctl(g->vcpu.fd, KVM_SET_SREGS, (unsigned long)&sr);
}

static void run_task_switches(struct __test_metadata *_metadata,
			      struct svxu_guest *g, bool pae)
{
	struct ts_paging p = { .pae = pae };
	uint8_t *mem = g->vm.mem;
	struct kvm_sregs sr;
	struct kvm_regs regs;

	ASSERT_EQ(0, setup_tasks(g, &p));
	ASSERT_EXIT(&g->vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
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

		check_results(_metadata, mem, want,
			      sizeof(want) / sizeof(want[0]));
	}

	ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr));
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

	if (svxu_has_stats(g->vm.fd)) {
		struct svx_stats st = { .version = SVX_STATS_VERSION,
					.size = sizeof(st) };

		ASSERT_EQ(0, svxu_ioctl(g->vcpu.fd, SVX_GET_VCPU_STATS,
				       (unsigned long)&st));
		/* A, back, B, IRET, C, IRET, D, IRET. */
		EXPECT_EQ(8, st.exits[9]);
		EXPECT_EQ(8, st.misc[SVX_STAT_TASK_SWITCHES]);
	}
}

TEST_F(guest, task_switches_32bit_paging)
{
	INIT(taskswitch, SVXU_MODE_PM32);
	run_task_switches(_metadata, &self->g, false);
}

TEST_F(guest, task_switches_pae_paging)
{
	INIT(taskswitch, SVXU_MODE_PM32);
	run_task_switches(_metadata, &self->g, true);
}

/*
 * A fault after the commit point of a switch belongs to the new task (SDM
 * 8.3): JMP to task E, whose DS selector names a system descriptor, loads
 * TR, CR3, ES, CS and SS of E, then raises #TS(DS selector), delivered
 * through E's IDT on E's stack with E's first EIP in the frame.
 *
 * kvm_intel (6.1) differs: kvm_task_switch() ignores the exception the
 * emulator reports, so the guest goes on after the JMP with half of the
 * switch done; the test is skipped there (SVX_TS_FAULT_ON_KVM=1 runs it).
 */
TEST_F(guest, task_switch_fault_in_new_task)
{
	struct ts_paging p = { .pae = false };
	struct kvm_regs regs;
	struct kvm_sregs sr;
	uint8_t *mem;

	if (svxu_dev_is_kvm() && !getenv("SVX_TS_FAULT_ON_KVM"))
		SKIP(return, "kvm_intel drops faults raised by an emulated task switch");
	INIT(taskswitch, SVXU_MODE_PM32);
	mem = self->g.vm.mem;
	ASSERT_EQ(0, setup_tasks(&self->g, &p));
	put_tss(mem, SVX_TS_TSS_E, GADDR(guest_ts_task_e), SVX_TS_STACK_E,
		p.cr3[1]);
	put32(mem, SVX_TS_TSS_E + 0x54, SVX_SEL_TSS);	/* DS: a TSS */
	put64(mem, SVX_GDT + SVX_TS_SEL_E, tss_desc(SVX_TS_TSS_E));
	put64(mem, SVX_IDT + 10 * 8, intr_gate(GADDR(guest_ts_ts_handler)));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
			       (unsigned long)&regs));
	regs.rip = GADDR(guest_ts_fault_main);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
			       (unsigned long)&regs));

	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
			       (unsigned long)&regs));
	EXPECT_EQ(GADDR(guest_ts_ts_done) + 1, regs.rip)
		TH_LOG("the guest stopped at %#llx (the JMP's next hlt: %#x)",
		       (unsigned long long)regs.rip,
		       GADDR(guest_ts_fault_lost) + 1);
	{
		const struct ts_expect want[] = {
			{ 0, SVX_SEL_TSS, "#TS error code: the DS selector" },
			{ 1, GADDR(guest_ts_task_e), "EIP in the frame: E's" },
			{ 2, SVX_SEL_CS32, "CS in the frame" },
			{ 3, SVX_TS_SEL_E, "TR: task E" },
			{ 4, p.cr3[1], "CR3: task E's" },
			{ 5, 0xb, "E's TSS busy" },
			{ 6, 9, "main TSS not busy (JMP)" },
			{ 7, SVX_TS_STACK_E - 4, "ESP: E's stack, 3 pops" },
			{ 8, 0x600d, "handler reached its end" },
			{ 9, SVX_SEL_TSS, "DS selector at the fault" },
		};

		check_results(_metadata, mem, want,
			      sizeof(want) / sizeof(want[0]));
	}
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS,
			       (unsigned long)&sr));
	EXPECT_EQ(SVX_TS_SEL_E, sr.tr.selector);
	EXPECT_EQ(p.cr3[1], sr.cr3);
	/* The main task's EIP was saved past its JMP. */
	EXPECT_EQ(GADDR(guest_ts_fault_lost),
		  get32(mem, SVX_TSS + SVX_TSS_EIP));
}

/*
 * 16-bit TSSs: the main task runs with a 16-bit TSS in TR, JMPs to task F
 * (16-bit TSS: no CR3, 16-bit IP/FLAGS/registers) and F JMPs back.  Only
 * the low 16 bits of the registers are checked: KVM zero-extends what it
 * loads from a 16-bit TSS, and so do we; the test does not depend on it.
 */
TEST_F(guest, task_switches_16bit_tss)
{
	struct ts_paging p = { .pae = false };
	struct kvm_regs regs;
	struct kvm_sregs sr;
	uint8_t *mem;

	INIT(taskswitch, SVXU_MODE_PM32);
	mem = self->g.vm.mem;
	ASSERT_EQ(0, setup_tasks(&self->g, &p));
	put_tss16(mem, SVX_TS_TSS_M16, 0, 0, 0);
	put_tss16(mem, SVX_TS_TSS_F, GADDR(guest_ts16_task_f), SVX_TS_STACK_F,
		  0xbeef);
	put64(mem, SVX_GDT + SVX_TS_SEL_F, tss16_desc(SVX_TS_TSS_F));
	put64(mem, SVX_GDT + SVX_TS_SEL_M16,
	      tss16_desc(SVX_TS_TSS_M16) | 2ULL << 40);	/* busy */
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS,
			       (unsigned long)&sr));
	sr.tr.selector = SVX_TS_SEL_M16;
	sr.tr.base = SVX_TS_TSS_M16;
	sr.tr.limit = 0x2b;
	sr.tr.type = 3;			/* busy 16-bit TSS */
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_SREGS,
			       (unsigned long)&sr));
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
			       (unsigned long)&regs));
	regs.rip = GADDR(guest_ts16_main);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_SET_REGS,
			       (unsigned long)&regs));

	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS,
			       (unsigned long)&regs));
	EXPECT_EQ(GADDR(guest_ts16_done) + 1, regs.rip)
		TH_LOG("the guest stopped at %#llx, not at its final hlt",
		       (unsigned long long)regs.rip);
	{
		const struct ts_expect want[] = {
			{ 0, 0xbeef, "F: AX from its TSS" },
			{ 1, SVX_TS_SEL_F, "F: TR" },
			{ 2, 0, "F: NT after JMP" },
			{ 3, 3, "F: own 16-bit TSS busy" },
			{ 4, 1, "F: main's 16-bit TSS not busy (JMP)" },
			{ 5, PROBE0, "F: CR3 unchanged (16-bit TSS)" },
			{ 6, SVX_TS_STACK_F, "F: SP from its TSS" },
			{ 10, 0x5678, "main: BX back from its TSS" },
			{ 11, SVX_TS_SEL_M16, "main: TR" },
			{ 12, 1, "main: F's TSS not busy (JMP)" },
			{ 13, 3, "main: own TSS busy" },
			{ 14, GADDR(guest_ts16_f_after_jmp),
			  "main: F's saved IP past its JMP" },
			{ 15, SVX_TS_STACK_F - 4, "main: F's saved SP" },
			{ 16, 0x5678, "main: its saved BX" },
			{ 17, 0x600d, "main: reached the end" },
		};

		check_results(_metadata, mem, want,
			      sizeof(want) / sizeof(want[0]));
	}
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS,
			       (unsigned long)&sr));
	EXPECT_EQ(SVX_TS_SEL_M16, sr.tr.selector);
	EXPECT_EQ(3, sr.tr.type);
	EXPECT_EQ(p.cr3[0], sr.cr3);
}

/*
 * An external interrupt (KVM_INTERRUPT) whose IDT entry is a task gate:
 * the switch delivers it (it must not be injected again afterwards), EIP
 * is not advanced, no error code is pushed, and task G IRETs back.
 */
TEST_F(guest, task_switch_external_interrupt)
{
	struct kvm_interrupt irq = { .irq = SVX_TS_IRQ };
	struct ts_paging p = { .pae = true };
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;
	uint8_t *mem;

	INIT(taskswitch, SVXU_MODE_PM32);
	mem = self->g.vm.mem;
	ASSERT_EQ(0, setup_tasks(&self->g, &p));
	put_tss(mem, SVX_TS_TSS_G, GADDR(guest_ts_task_g), SVX_TS_STACK_G,
		p.cr3[1]);
	put64(mem, SVX_GDT + SVX_TS_SEL_G, tss_desc(SVX_TS_TSS_G));
	put64(mem, SVX_IDT + SVX_TS_IRQ * 8, task_gate(SVX_TS_SEL_G));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rip = GADDR(guest_ts_irq_main);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));

	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(1, v->run->if_flag);
	ASSERT_EQ(1, v->run->ready_for_interrupt_injection);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_INTERRUPT, (unsigned long)&irq));
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	EXPECT_EQ(GADDR(guest_ts_irq_done) + 1, regs.rip)
		TH_LOG("the guest stopped at %#llx, not at its final hlt",
		       (unsigned long long)regs.rip);
	{
		const struct ts_expect want[] = {
			{ 0, NT, "G: NT after an interrupt" },
			{ 1, SVX_SEL_TSS, "G: back link to main" },
			{ 2, SVX_TS_SEL_G, "G: TR" },
			{ 3, SVX_TS_STACK_G, "G: ESP (no error code)" },
			{ 4, 0, "G: IF from its TSS" },
			{ 5, PROBE1, "G: probe on its own CR3" },
			{ 10, SVX_SEL_TSS, "main: TR after G" },
			{ 11, 9, "main: G's TSS not busy after IRET" },
			{ 12, 0, "main: NT after G" },
			{ 13, GADDR(guest_ts_irq_after_hlt),
			  "main: EIP saved at the interrupt (past HLT)" },
			{ 14, 0x600d, "main: reached the end" },
		};

		check_results(_metadata, mem, want,
			      sizeof(want) / sizeof(want[0]));
	}
	if (svxu_has_stats(self->g.vm.fd)) {
		struct svx_stats st = { .version = SVX_STATS_VERSION,
					.size = sizeof(st) };

		ASSERT_EQ(0, svxu_ioctl(v->fd, SVX_GET_VCPU_STATS,
				       (unsigned long)&st));
		EXPECT_EQ(2, st.misc[SVX_STAT_TASK_SWITCHES]);
	}
}

TEST_HARNESS_MAIN
