// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page logging (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), as KVM 6.1 has
 * it.  The guest (guest/guests.S dirty_write32/64) writes a pseudorandom
 * set of pages of a logged 2 MiB slot each round and reads nothing of it;
 * the host harvests the log and checks it bit for bit: every page written
 * is set (no false negative) and no other (the guest touched no other page
 * of the slot, so neither KVM nor we have a reason to report one).  Rounds
 * in 64-bit mode on 2 MiB guest pages (the slot mapped writable, large
 * where the host can, before logging starts), on 4 KiB guest pages, and
 * with paging off; logging switched off and on again on the live slot;
 * manual protection with KVM_DIRTY_LOG_INITIALLY_SET and partial clears;
 * the errno cases.  Each round also logs its cost: host TSC cycles (Bochs:
 * instructions) for the guest's round plus the harvest, and on
 * /dev/shadowvmx the VM exits it took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#include "svx.h"

#define LOG_SLOT	1
#define LOG_GPA		0x400000ULL	/* 2 MiB aligned: one guest 2 MiB page */
#define LOG_PAGES	512
#define ODD_SLOT	2
#define ODD_GPA		0x800000ULL
#define ODD_PAGES	500		/* not a multiple of 64 */
#define PLAIN_SLOT	3
#define PLAIN_GPA	0xa00000ULL
#define PT4K		0x30000ULL	/* 4 KiB page table for LOG_GPA */
#define ROUNDS		4
#define MAX_LIST	((0x20000 - SVX_DATA - 8) / 8)
#define NLONG		(LOG_PAGES / 64)

#define MANUAL_CAPS	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
			 KVM_DIRTY_LOG_INITIALLY_SET)

FIXTURE(dl) {
	struct svxu_guest g;
	uint8_t *mem1;		/* LOG_SLOT's memory, 2 MiB aligned */
	void *map1;
	uint8_t *mem2;		/* ODD_SLOT's */
	uint8_t *mem3;		/* PLAIN_SLOT's */
	unsigned int seed;
	uint32_t val;
	struct svxu_kvm_stats ks;	/* KVM's vCPU stats */
};

FIXTURE_SETUP(dl)
{
	memset(&self->g, 0, sizeof(self->g));
	self->g.vm.fd = -1;
	self->g.vm.sys_fd = -1;
	self->g.vcpu.fd = -1;
	self->map1 = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map1);
	self->mem1 = (uint8_t *)(((uintptr_t)self->map1 + (2 << 20) - 1) &
				 ~(uintptr_t)((2 << 20) - 1));
	madvise(self->mem1, 2 << 20, MADV_HUGEPAGE);	/* advice only */
	self->mem2 = mmap(NULL, ODD_PAGES * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem2);
	self->mem3 = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem3);
	self->ks.fd = -1;
	self->seed = 0x5eed;
	self->val = 0x1000;
}

FIXTURE_TEARDOWN(dl)
{
	svxu_kvm_stats_close(&self->ks);
	svxu_guest_fini(&self->g);
	munmap(self->map1, 4 << 20);
	munmap(self->mem2, ODD_PAGES * 4096);
	munmap(self->mem3, 64 * 4096);
}

static int get_log(int fd, uint32_t slot, void *bm)
{
	struct kvm_dirty_log l = { .slot = slot, .dirty_bitmap = bm };

	return svxu_ioctl(fd, KVM_GET_DIRTY_LOG, (unsigned long)&l);
}

static int clear_log(int fd, uint32_t slot, uint64_t first, uint32_t num,
		     void *bm)
{
	struct kvm_clear_dirty_log l = {
		.slot = slot, .first_page = first, .num_pages = num,
		.dirty_bitmap = bm,
	};

	return svxu_ioctl(fd, KVM_CLEAR_DIRTY_LOG, (unsigned long)&l);
}

static int enable_manual(int fd, uint64_t arg, uint32_t flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .flags = flags,
		.args = { arg },
	};

	return svxu_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap);
}

static bool test_bit64(const uint64_t *bm, unsigned int i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* VM exits so far: SVX_GET_VM_STATS, or KVM's vCPU stat "exits"; 0 if neither. */
static uint64_t exits(FIXTURE_DATA(dl) *self)
{
	struct svx_stats st;
	uint64_t n = 0;
	unsigned int i;

	if (!svxu_get_stats(self->g.vm.fd, SVX_GET_VM_STATS, &st)) {
		for (i = 0; i < SVX_NR_EXIT_REASONS; i++)
			n += st.exits[i];
		return n;
	}
	if (!svxu_dev_is_kvm())
		return 0;
	if (self->ks.fd < 0)
		svxu_kvm_stats_open(&self->ks, self->g.vcpu.fd);
	if (self->ks.fd < 0 ||
	    svxu_kvm_stats_read(&self->ks, svxu_kvm_stats_find(&self->ks, "exits"), &n))
		return 0;
	return n;
}

/* A pseudorandom set of about a third of the slot's pages. */
static void pick(FIXTURE_DATA(dl) *self, uint64_t *want)
{
	unsigned int i;

	memset(want, 0, NLONG * 8);
	for (i = 0; i < LOG_PAGES; i++)
		if (rand_r(&self->seed) % 3 == 0)
			want[i / 64] |= 1ULL << (i % 64);
}

/* One guest round: write a new value into each page of @want. */
static void guest_round(struct __test_metadata *_metadata,
			FIXTURE_DATA(dl) *self, const uint64_t *want)
{
	uint8_t *mb = self->g.vm.mem + SVX_DATA;
	uint32_t n = 0, i, off;
	uint64_t gpa;
	int r;

	self->val++;
	for (i = 0; i < LOG_PAGES; i++) {
		if (!test_bit64(want, i))
			continue;
		off = (rand_r(&self->seed) % 1024) * 4;
		gpa = LOG_GPA + i * 4096ULL + off;
		memcpy(mb + 8 + n * 8, &gpa, 8);
		n++;
	}
	ASSERT_LE(n, MAX_LIST);
	memcpy(mb, &n, 4);
	memcpy(mb + 4, &self->val, 4);
	r = svxu_run(&self->g.vcpu);
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %s", strerror(-r));
	ASSERT_EQ(KVM_EXIT_IO, self->g.run->exit_reason)
		TH_LOG("%s", svxu_exit_str(self->g.run));
	ASSERT_EQ(PORT_RESULT, self->g.run->io.port)
		TH_LOG("%s", svxu_exit_str(self->g.run));
	ASSERT_EQ(self->val, svxu_io_value(self->g.run));
}

/* The log must be exactly @want. */
static void check_log(struct __test_metadata *_metadata, const uint64_t *got,
		      const uint64_t *want, const char *what)
{
	unsigned int i, missing = 0, extra = 0, first = ~0u;

	for (i = 0; i < LOG_PAGES; i++) {
		if (test_bit64(got, i) == test_bit64(want, i))
			continue;
		if (first == ~0u)
			first = i;
		if (test_bit64(want, i))
			missing++;
		else
			extra++;
	}
	EXPECT_EQ(0, missing + extra)
		TH_LOG("%s: %u written, not logged; %u logged, not written (first: page %u)",
		       what, missing, extra, first);
}

/* Guest @code in @mode, LOG_SLOT without logging; 4 KiB guest pages if @pt4k. */
static void setup_guest(struct __test_metadata *_metadata, FIXTURE_DATA(dl) *self,
		  struct svxu_code code, enum svxu_mode mode, bool pt4k)
{
	int r = svxu_guest_init(&self->g, code, mode);
	uint64_t e;
	int i;

	ASSERT_EQ(0, r) TH_LOG("guest on %s: %s", svxu_dev(), strerror(-r));
	if (pt4k) {
		for (i = 0; i < 512; i++) {
			e = (LOG_GPA + i * 4096ULL) | 3;	/* P | RW */
			memcpy(self->g.vm.mem + PT4K + i * 8, &e, 8);
		}
		/* PD 0 (SVX_PT + 0x2000), entry 2: LOG_GPA's 2 MiB. */
		e = PT4K | 3;
		memcpy(self->g.vm.mem + SVX_PT + 0x2000 + 2 * 8, &e, 8);
	}
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, LOG_SLOT, 0, LOG_GPA, 2 << 20,
				  self->mem1));
}

static void rounds(struct __test_metadata *_metadata, FIXTURE_DATA(dl) *self,
		   struct svxu_code code, enum svxu_mode mode, bool pt4k,
		   const char *name)
{
	uint64_t want[NLONG], got[NLONG], all[NLONG], t0, t1, x0, x1;
	int fd, r, k;

	setup_guest(_metadata, self, code, mode, pt4k);
	fd = self->g.vm.fd;
	/* Everything mapped writable (large where possible) first. */
	memset(all, 0xff, sizeof(all));
	guest_round(_metadata, self, all);
	r = get_log(fd, LOG_SLOT, got);
	EXPECT_EQ(-ENOENT, r) TH_LOG("KVM_GET_DIRTY_LOG of a slot that does not log");

	/* Logging on, on the live slot (KVM_MR_FLAGS_ONLY). */
	ASSERT_EQ(0, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  LOG_GPA, 2 << 20, self->mem1));
	memset(got, 0xa5, sizeof(got));
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	memset(want, 0, sizeof(want));
	check_log(_metadata, got, want, "a fresh log");

	for (k = 0; k < ROUNDS; k++) {
		char what[64];
		unsigned int i, n = 0;

		pick(self, want);
		t0 = __rdtsc();
		x0 = exits(self);
		guest_round(_metadata, self, want);
		ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
		t1 = __rdtsc();
		x1 = exits(self);
		for (i = 0; i < LOG_PAGES; i++)
			n += test_bit64(want, i);
		TH_LOG("%s %s round %d: %u pages written, %llu TSC (round + harvest), %llu exits",
		       svxu_dev(), name, k, n, (unsigned long long)(t1 - t0),
		       (unsigned long long)(x1 - x0));
		snprintf(what, sizeof(what), "%s round %d", name, k);
		check_log(_metadata, got, want, what);
		/* The writes landed in the slot's memory. */
		for (i = 0; i < LOG_PAGES; i++) {
			uint32_t v = 0;
			unsigned int j;

			if (!test_bit64(want, i))
				continue;
			for (j = 0; j < 4096 && v != self->val; j += 4)
				memcpy(&v, self->mem1 + i * 4096 + j, 4);
			EXPECT_EQ(self->val, v) TH_LOG("page %u", i);
		}
	}
	/* A harvest with nothing written since: empty. */
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	memset(want, 0, sizeof(want));
	check_log(_metadata, got, want, "a second harvest");

	/* Off (-ENOENT), everything writable again, then on: a new log. */
	ASSERT_EQ(0, svxu_set_mem(fd, LOG_SLOT, 0, LOG_GPA, 2 << 20, self->mem1));
	EXPECT_EQ(-ENOENT, get_log(fd, LOG_SLOT, got));
	guest_round(_metadata, self, all);
	ASSERT_EQ(0, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  LOG_GPA, 2 << 20, self->mem1));
	pick(self, want);
	guest_round(_metadata, self, want);
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, want, "after logging off and on");
}

TEST_F(dl, rounds_long64_2m_pages)
{
	rounds(_metadata, self, SVX_GUEST(dirty_write64), SVXU_MODE_LONG64,
	       false, "long64/2M");
}

TEST_F(dl, rounds_long64_4k_pages)
{
	rounds(_metadata, self, SVX_GUEST(dirty_write64), SVXU_MODE_LONG64,
	       true, "long64/4K");
}

TEST_F(dl, rounds_paging_off)
{
	rounds(_metadata, self, SVX_GUEST(dirty_write32), SVXU_MODE_PM32,
	       false, "pm32");
}

/*
 * KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET: the
 * log of a new slot starts all ones; KVM_GET_DIRTY_LOG does not clear it
 * nor protect; KVM_CLEAR_DIRTY_LOG clears and write-protects the pages it
 * names (whole 64-page words), so only they are logged again.
 */
TEST_F(dl, manual_protect)
{
	uint64_t want[NLONG], got[NLONG], a[NLONG], b[NLONG], clr[NLONG];
	int fd, i, r;

	r = svxu_guest_init(&self->g, SVX_GUEST(dirty_write64),
			    SVXU_MODE_LONG64);
	ASSERT_EQ(0, r) TH_LOG("guest setup on %s: %s", svxu_dev(), strerror(-r));
	fd = self->g.vm.fd;
	ASSERT_EQ(0, enable_manual(fd, MANUAL_CAPS, 0));
	ASSERT_EQ(0, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  LOG_GPA, 2 << 20, self->mem1));
	ASSERT_EQ(0, svxu_set_mem(fd, ODD_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  ODD_GPA, ODD_PAGES * 4096, self->mem2));
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	memset(want, 0xff, sizeof(want));
	check_log(_metadata, got, want, "initially set");
	memset(got, 0, sizeof(got));
	ASSERT_EQ(0, get_log(fd, ODD_SLOT, got));
	EXPECT_EQ(~0ULL, got[6]);
	EXPECT_EQ((1ULL << (ODD_PAGES - 448)) - 1, got[7])
		TH_LOG("bits past the slot's 500 pages");

	/* Clear everything: nothing logged, every page protected. */
	memset(clr, 0xff, sizeof(clr));
	ASSERT_EQ(0, clear_log(fd, LOG_SLOT, 0, LOG_PAGES, clr));
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	memset(want, 0, sizeof(want));
	check_log(_metadata, got, want, "after clearing all");

	pick(self, a);
	guest_round(_metadata, self, a);
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, a, "manual: written set A");
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, a, "manual: GET again (not cleared)");

	/* Clear the first 64 pages only; then write set B. */
	memset(clr, 0, sizeof(clr));
	clr[0] = ~0ULL;
	ASSERT_EQ(0, clear_log(fd, LOG_SLOT, 0, 64, clr));
	pick(self, b);
	guest_round(_metadata, self, b);
	for (i = 0; i < NLONG; i++)
		want[i] = (i ? a[i] : 0) | b[i];
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, want, "manual: A minus the cleared word, plus B");

	/* Clear what is set: the next round logs exactly its pages. */
	memcpy(clr, got, sizeof(clr));
	ASSERT_EQ(0, clear_log(fd, LOG_SLOT, 0, LOG_PAGES, clr));
	pick(self, want);
	guest_round(_metadata, self, want);
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, want, "manual: after clearing the harvest");

	/* Manual protection off again: GET clears and protects. */
	ASSERT_EQ(0, enable_manual(fd, 0, 0));
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, want, "automatic again: the pending log");
	pick(self, want);
	guest_round(_metadata, self, want);
	ASSERT_EQ(0, get_log(fd, LOG_SLOT, got));
	check_log(_metadata, got, want, "automatic again: one round");
}

TEST_F(dl, errno_cases)
{
	uint64_t bm[NLONG];
	int fd, sys, r;

	r = svxu_guest_init(&self->g, SVX_GUEST(dirty_write64),
			    SVXU_MODE_LONG64);
	ASSERT_EQ(0, r) TH_LOG("guest setup on %s: %s", svxu_dev(), strerror(-r));
	fd = self->g.vm.fd;
	sys = self->g.vm.sys_fd;
	EXPECT_EQ(MANUAL_CAPS, svxu_ioctl(sys, KVM_CHECK_EXTENSION,
					  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	EXPECT_EQ(MANUAL_CAPS, svxu_ioctl(fd, KVM_CHECK_EXTENSION,
					  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	EXPECT_EQ(-EINVAL, enable_manual(fd, KVM_DIRTY_LOG_INITIALLY_SET, 0));
	EXPECT_EQ(-EINVAL, enable_manual(fd, 4, 0));
	EXPECT_EQ(-EINVAL, enable_manual(fd, MANUAL_CAPS | 4, 0));
	EXPECT_EQ(-EINVAL, enable_manual(fd, 1, 1));
	EXPECT_EQ(0, enable_manual(fd, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 0));
	EXPECT_EQ(0, enable_manual(fd, 0, 0));

	ASSERT_EQ(0, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  LOG_GPA, 2 << 20, self->mem1));
	ASSERT_EQ(0, svxu_set_mem(fd, ODD_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
				  ODD_GPA, ODD_PAGES * 4096, self->mem2));
	ASSERT_EQ(0, svxu_set_mem(fd, PLAIN_SLOT, 0, PLAIN_GPA, 64 * 4096,
				  self->mem3));
	/* Flags: unknown bit; READONLY may not change on a live slot. */
	EXPECT_EQ(-EINVAL, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES | 4,
					LOG_GPA, 2 << 20, self->mem1));
	EXPECT_EQ(-EINVAL, svxu_set_mem(fd, LOG_SLOT, KVM_MEM_LOG_DIRTY_PAGES |
					KVM_MEM_READONLY, LOG_GPA, 2 << 20,
					self->mem1));

	/* KVM_GET_DIRTY_LOG */
	EXPECT_EQ(0, get_log(fd, LOG_SLOT, bm));
	EXPECT_EQ(-ENOENT, get_log(fd, PLAIN_SLOT, bm));
	EXPECT_EQ(-ENOENT, get_log(fd, 7, bm));
	EXPECT_EQ(-ENOENT, get_log(fd, 600, bm));
	EXPECT_EQ(-ENOENT, get_log(fd, (1 << 16) | LOG_SLOT, bm));
	EXPECT_EQ(-EINVAL, get_log(fd, (2 << 16) | LOG_SLOT, bm));
	EXPECT_EQ(-EINVAL, get_log(fd, 0x7fff, bm));
	EXPECT_EQ(-EFAULT, get_log(fd, LOG_SLOT, (void *)8));

	/* KVM_CLEAR_DIRTY_LOG (allowed without manual protection too) */
	memset(bm, 0xff, sizeof(bm));
	EXPECT_EQ(0, clear_log(fd, LOG_SLOT, 0, LOG_PAGES, bm));
	EXPECT_EQ(0, clear_log(fd, LOG_SLOT, 448, 64, bm));
	EXPECT_EQ(0, clear_log(fd, LOG_SLOT, 512, 0, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, LOG_SLOT, 1, 64, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, PLAIN_SLOT, 1, 64, bm));
	EXPECT_EQ(-ENOENT, clear_log(fd, PLAIN_SLOT, 0, 64, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, 0x7fff, 0, 64, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, LOG_SLOT, 0, 100, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, LOG_SLOT, 448, 65, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, LOG_SLOT, 576, 0, bm));
	EXPECT_EQ(0, clear_log(fd, ODD_SLOT, 448, ODD_PAGES - 448, bm));
	EXPECT_EQ(0, clear_log(fd, ODD_SLOT, 0, ODD_PAGES, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, ODD_SLOT, 448, ODD_PAGES - 447, bm));
	EXPECT_EQ(-EINVAL, clear_log(fd, ODD_SLOT, 384, 63, bm));
	EXPECT_EQ(-EFAULT, clear_log(fd, LOG_SLOT, 0, 64, (void *)8));

	/* A read-only slot may log (KVM 6.1 allows it): nothing is written. */
	ASSERT_EQ(0, svxu_set_mem(fd, PLAIN_SLOT, 0, PLAIN_GPA, 0, self->mem3));
	EXPECT_EQ(0, svxu_set_mem(fd, PLAIN_SLOT, KVM_MEM_LOG_DIRTY_PAGES |
				  KVM_MEM_READONLY, PLAIN_GPA, 64 * 4096,
				  self->mem3));
	memset(bm, 0xff, sizeof(bm));
	EXPECT_EQ(0, get_log(fd, PLAIN_SLOT, bm));
	EXPECT_EQ(0ULL, bm[0]);
	/* Deleting a logged slot: its log goes with it. */
	ASSERT_EQ(0, svxu_set_mem(fd, ODD_SLOT, 0, ODD_GPA, 0, self->mem2));
	EXPECT_EQ(-ENOENT, get_log(fd, ODD_SLOT, bm));
}

TEST_HARNESS_MAIN
