// SPDX-License-Identifier: GPL-2.0
/*
 * Guest paging under the device's MMU (shadow paging on /dev/shadowvmx and on
 * kvm_intel ept=0; EPT on kvm_intel ept=1): guests that build their own page
 * tables in 32-bit paging (with and without CR4.PSE), PAE paging and 4-level
 * paging, turn paging on themselves, and check from inside what the MMU makes
 * them see.  The guest is guest/mmu_guest.c (see its header); each test runs
 * one of its checks in a fresh VM and asserts every record it made (got ==
 * want, with the guest's source line and description), plus what the host
 * sees: MMIO exits with exact GPAs, ring-3 syscalls, guest memory contents,
 * and (CR3 switching) exits and shadow pages per switch from the counters.
 *
 * Fixture variants: pg32, pg32pse, pae, long64.  Tests a device cannot run
 * (a CPUID feature missing, a bit that does not exist in the mode) SKIP with
 * the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svx.h"
#include "../guest/mmu_guest.h"

#define EXIT_REASON_EXCEPTION	0
#define EXIT_REASON_CR_ACCESS	28
#define EXIT_REASON_INVLPG	14
#define EXIT_REASON_IO		30

static const char *mode_name(int mode)
{
	switch (mode) {
	case MG_MODE_PG32:	return "pg32";
	case MG_MODE_PG32PSE:	return "pg32pse";
	case MG_MODE_PAE:	return "pae";
	case MG_MODE_LONG64:	return "long64";
	}
	return "?";
}

FIXTURE(mmu) {
	struct svxu_guest g;
	void *frames, *gig_lo, *gig_hi;
	struct mg_mailbox *mb;
	char skip[256];
	int nsys, sys[16];
	int nmmio;
	bool kvm_stats;
	struct svxu_kvm_stats vcpu_stats, vm_stats;	/* KVM's */
	/* CR3 switching: counters at the two sync points */
	uint64_t c0[16], c1[16];
	bool have_counts;
	/* memslot test: the memory slot 1 had before the swap */
	void *old_frames;
	uint8_t *mmio_ram;	/* the slot created over an MMIO page */
	int slot_syncs;
	/* MMU-notifier test: VM pinned pages before/after each change */
	int hva_syncs;
	long pins_before[3], pins_after[3];
	/* string I/O test: bytes the port got and gave */
	uint8_t strio_out[64];
	int strio_nout, strio_nin;
};

FIXTURE_VARIANT(mmu) {
	int mode;
};

FIXTURE_VARIANT_ADD(mmu, pg32) { .mode = MG_MODE_PG32 };
FIXTURE_VARIANT_ADD(mmu, pg32pse) { .mode = MG_MODE_PG32PSE };
FIXTURE_VARIANT_ADD(mmu, pae) { .mode = MG_MODE_PAE };
FIXTURE_VARIANT_ADD(mmu, long64) { .mode = MG_MODE_LONG64 };

FIXTURE_SETUP(mmu)
{
	memset(&self->g, 0, sizeof(self->g));
	self->g.vm.fd = self->g.vm.sys_fd = self->g.vcpu.fd = -1;
	self->vcpu_stats.fd = self->vm_stats.fd = -1;
}

FIXTURE_TEARDOWN(mmu)
{
	svxu_kvm_stats_close(&self->vcpu_stats);
	svxu_kvm_stats_close(&self->vm_stats);
	svxu_guest_fini(&self->g);
	if (self->frames)
		munmap(self->frames, MG_FRAMES_SIZE);
	if (self->gig_lo)
		munmap(self->gig_lo, MG_GIG_SLOT_SIZE);
	if (self->gig_hi)
		munmap(self->gig_hi, MG_GIG_SLOT_SIZE);
	if (self->old_frames)
		munmap(self->old_frames, MG_FRAMES_SIZE);
}

/* ------------------------------------------------------------- CPUID --- */

#define CPUID7_SMEP	(1u << 7)
#define CPUID7_SMAP	(1u << 20)
#define CPUIDX_PDPE1GB	(1u << 26)

/* Supported leaf 7 EBX / 0x80000001 EDX; false if the device cannot say. */
static bool supported_cpuid(int sys_fd, uint32_t *l7_ebx, uint32_t *x1_edx)
{
	struct kvm_cpuid2 *c;
	uint32_t i, n = 256;
	bool ok = false;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		return false;
	c->nent = n;
	if (svxu_ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, (unsigned long)c) == 0) {
		ok = true;
		*l7_ebx = *x1_edx = 0;
		for (i = 0; i < c->nent; i++) {
			if (c->entries[i].function == 7 && c->entries[i].index == 0)
				*l7_ebx = c->entries[i].ebx;
			if (c->entries[i].function == 0x80000001)
				*x1_edx = c->entries[i].edx;
		}
	}
	free(c);
	return ok;
}

/*
 * The library's CPUID table plus leaf 7 (SMEP, SMAP) and Page1GB, each only
 * if the device supports it.  A device without KVM_GET_SUPPORTED_CPUID
 * (shadowvmx for now) is assumed to offer Skylake's SMEP, SMAP and Page1GB.
 */
static int set_mmu_cpuid(struct __test_metadata *_metadata, struct svxu_guest *g)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[7];
	} c;
	uint32_t a, b, cc, d, l7 = CPUID7_SMEP | CPUID7_SMAP, x1 = CPUIDX_PDPE1GB;
	bool sup = supported_cpuid(g->vm.sys_fd, &l7, &x1);

	memset(&c, 0, sizeof(c));
	c.h.nent = 6;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cc), "=d"(d) : "a"(0), "c"(0));
	c.e[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 7,
		.ebx = b, .ecx = cc, .edx = d };
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cc), "=d"(d) : "a"(1), "c"(0));
	c.e[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = a,
		.ecx = cc & (1u << 17),	/* PCID, as the host has it */
		/* FPU PSE TSC MSR PAE CX8 SEP PGE CMOV PAT FXSR SSE SSE2 */
		.edx = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) |
		       (1u << 6) | (1u << 8) | (1u << 11) | (1u << 13) |
		       (1u << 15) | (1u << 16) | (1u << 24) | (1u << 25) |
		       (1u << 26) };
	c.e[2] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.ebx = l7 & (CPUID7_SMEP | CPUID7_SMAP) };
	c.e[3] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
		.eax = 0x80000008 };
	c.e[4] = (struct kvm_cpuid_entry2){ .function = 0x80000001,
		/* SYSCALL NX Page1GB LM */
		.edx = (1u << 11) | (1u << 20) | (x1 & CPUIDX_PDPE1GB) | (1u << 29) };
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cc), "=d"(d) : "a"(0x80000000), "c"(0));
	if (a >= 0x80000008)
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(cc), "=d"(d)
				 : "a"(0x80000008), "c"(0));
	else
		a = 36;
	c.e[5] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
		.eax = (a & 0xff) | (48 << 8) };
	(void)_metadata;
	if (!sup)
		TH_LOG("%s: no KVM_GET_SUPPORTED_CPUID; assuming SMEP, SMAP, Page1GB",
		       svxu_dev());
	return svxu_ioctl(g->vcpu.fd, KVM_SET_CPUID2, (unsigned long)&c);
}

/* ------------------------------------------------------- KVM stats fd --- */

/* Value of the binary stat @name, or -1. */
static int64_t stats_fd_get(const struct svxu_kvm_stats *s, const char *name)
{
	uint64_t v;

	if (svxu_kvm_stats_read(s, svxu_kvm_stats_find(s, name), &v))
		return -1;
	return (int64_t)v;
}

/* Counter snapshot for the CR3 test; names for the report. */
enum { C_EXITS, C_CR, C_EXC, C_SP_ALLOC, C_ROOT_HIT, C_ROOT_MISS, C_PF_FIXED,
       C_PF_INJ, C_SYNC, C_UNSYNC, C_INVVPID, C_INVEPT, C_INVLPG, C_PT_WRITE,
       C_FLOOD, C_NR };

static bool snapshot(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		     uint64_t *c)
{
	memset(c, 0, sizeof(uint64_t) * C_NR);
	if (svxu_has_stats(self->g.vm.fd)) {
		struct svx_stats st = { .version = SVX_STATS_VERSION,
					.size = sizeof(st) };
		int r = svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st);

		EXPECT_EQ(0, r) TH_LOG("SVX_GET_VM_STATS: %s", strerror(-r));
		if (r)
			return false;
		c[C_EXITS] = st.misc[SVX_STAT_EXITS];
		c[C_CR] = st.exits[EXIT_REASON_CR_ACCESS];
		c[C_EXC] = st.exits[EXIT_REASON_EXCEPTION];
		c[C_SP_ALLOC] = st.mmu[SVX_MMU_SP_ALLOCATED];
		c[C_ROOT_HIT] = st.mmu[SVX_MMU_ROOT_HIT];
		c[C_ROOT_MISS] = st.mmu[SVX_MMU_ROOT_MISS];
		c[C_PF_FIXED] = st.mmu[SVX_MMU_PF_FIXED];
		c[C_PF_INJ] = st.mmu[SVX_MMU_PF_INJECTED];
		c[C_SYNC] = st.mmu[SVX_MMU_SYNC];
		c[C_UNSYNC] = st.mmu[SVX_MMU_UNSYNC];
		c[C_INVVPID] = st.mmu[SVX_MMU_INVVPID];
		c[C_INVEPT] = st.mmu[SVX_MMU_INVEPT];
		c[C_INVLPG] = st.exits[EXIT_REASON_INVLPG];
		c[C_PT_WRITE] = st.mmu[SVX_MMU_PT_WRITE];
		c[C_FLOOD] = st.mmu[SVX_MMU_FLOOD];
		return true;
	}
	if (!svxu_dev_is_kvm())
		return false;
	if (self->vcpu_stats.fd < 0) {
		svxu_kvm_stats_open(&self->vcpu_stats, self->g.vcpu.fd);
		svxu_kvm_stats_open(&self->vm_stats, self->g.vm.fd);
	}
	if (self->vcpu_stats.fd < 0)
		return false;
	c[C_EXITS] = stats_fd_get(&self->vcpu_stats, "exits");
	c[C_PF_FIXED] = stats_fd_get(&self->vcpu_stats, "pf_fixed");
	c[C_PF_INJ] = stats_fd_get(&self->vcpu_stats, "pf_guest");
	c[C_SP_ALLOC] = stats_fd_get(&self->vm_stats, "mmu_cache_miss");
	c[C_UNSYNC] = stats_fd_get(&self->vm_stats, "mmu_unsync");
	return (int64_t)c[C_EXITS] >= 0;
}

/* Does this shadowvmx VM use a VPID (SVX_GET_CAPS)?  false on KVM. */
static bool vpid_on(FIXTURE_DATA(mmu) *self)
{
	struct svx_caps caps;

	if (!svxu_has_stats(self->g.vm.fd) ||
	    svxu_ioctl(self->g.vm.sys_fd, SVX_GET_CAPS, (unsigned long)&caps))
		return false;
	return caps.flags & SVX_CAP_VPID;
}

static void report_switches(struct __test_metadata *_metadata,
			    FIXTURE_DATA(mmu) *self, const char *mode)
{
	uint64_t d[C_NR];
	unsigned int i, n = MG_SWITCH_ROUNDS * MG_NR_AS;

	for (i = 0; i < C_NR; i++)
		d[i] = self->c1[i] - self->c0[i];
	/* the exit of the second sync OUT is not a switch */
	if (d[C_EXITS])
		d[C_EXITS]--;
	if (svxu_has_stats(self->g.vm.fd)) {
		TH_LOG("cr3-switch[%s %s%s]: %u switches: %.2f exits/switch (%llu exits, %llu CR, %llu exception), shadow pages allocated %llu, root hits %llu misses %llu, faults fixed %llu, injected %llu, unsync %llu sync %llu, INVVPID %llu",
		       svxu_dev(), mode, vpid_on(self) ? " vpid" : " no-vpid",
		       n, (double)d[C_EXITS] / n,
		       (unsigned long long)d[C_EXITS], (unsigned long long)d[C_CR],
		       (unsigned long long)d[C_EXC], (unsigned long long)d[C_SP_ALLOC],
		       (unsigned long long)d[C_ROOT_HIT], (unsigned long long)d[C_ROOT_MISS],
		       (unsigned long long)d[C_PF_FIXED], (unsigned long long)d[C_PF_INJ],
		       (unsigned long long)d[C_UNSYNC], (unsigned long long)d[C_SYNC],
		       (unsigned long long)d[C_INVVPID]);
		/*
		 * Shadow paging with VPID: no VM entry flushes the TLB, so each
		 * MOV to CR3 (no PCID) must cost exactly one INVVPID.
		 */
		if (vpid_on(self) && svxu_vm_paging(self->g.vm.fd) == SVX_PAGING_SHADOW)
			EXPECT_EQ(n, d[C_INVVPID])
				TH_LOG("INVVPIDs for %u CR3 switches", n);
	} else {
		TH_LOG("cr3-switch[%s %s%s]: %u switches: %.2f exits/switch (%llu exits), shadow pages allocated (mmu_cache_miss) %llu, pf_fixed %llu, pf_guest %llu, mmu_unsync %llu",
		       svxu_dev(), mode,
		       svxu_kvm_intel_param("ept") == 'N' ? " ept=0" :
		       svxu_kvm_intel_param("ept") == 'Y' ? " ept=1" : "",
		       n, (double)d[C_EXITS] / n, (unsigned long long)d[C_EXITS],
		       (unsigned long long)d[C_SP_ALLOC], (unsigned long long)d[C_PF_FIXED],
		       (unsigned long long)d[C_PF_INJ], (unsigned long long)d[C_UNSYNC]);
	}
}

/* -------------------------------------------------------- guest setup --- */

static struct svxu_code mmu_blob(int mode)
{
	switch (mode) {
	case MG_MODE_PAE:
		return SVX_GUEST(mmu_pae);
	case MG_MODE_LONG64:
		return SVX_GUEST(mmu_long64);
	default:
		return SVX_GUEST(mmu_pg32);
	}
}

/*
 * Guest RAM on 2 MiB boundaries with transparent huge pages asked for
 * (MADV_HUGEPAGE), so the guest's 2/4 MiB pages can get 2 MiB SPTEs (shadow)
 * or EPT entries; plain pages if THP is off.  munmap(p, size) frees it.
 */
static void *alloc_thp(uint64_t size)
{
	uint64_t a = 0x200000;
	uint8_t *p = mmap(NULL, size + a, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

	if (p == MAP_FAILED)
		return NULL;
	q = (uint8_t *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
	if (q > p)
		munmap(p, q - p);
	munmap(q + size, p + size + a - (q + size));
	madvise(q, size, MADV_HUGEPAGE);
	return q;
}

static void *add_slot(struct __test_metadata *_metadata, struct svxu_vm *vm,
		      uint32_t slot, uint64_t gpa, uint64_t size)
{
	void *p = slot == 1 ? alloc_thp(size) : svxu_alloc(size);
	int r;

	EXPECT_NE(NULL, p);
	if (!p)
		return NULL;
	r = svxu_set_mem(vm->fd, slot, 0, gpa, size, p);
	EXPECT_EQ(0, r) TH_LOG("slot %u at 0x%llx: %s", slot,
			       (unsigned long long)gpa, strerror(-r));
	return p;
}

static int mmu_init(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		    int mode, int test)
{
	struct svxu_guest *g = &self->g;
	struct svxu_code code = mmu_blob(mode);
	int r;

	r = svxu_guest_create(g);
	if (r)
		return r;
	r = set_mmu_cpuid(_metadata, g);
	if (r)
		return r;
	self->frames = add_slot(_metadata, &g->vm, 1, MG_FRAMES_GPA, MG_FRAMES_SIZE);
	self->gig_lo = add_slot(_metadata, &g->vm, 2, MG_GIG_GPA, MG_GIG_SLOT_SIZE);
	self->gig_hi = add_slot(_metadata, &g->vm, 3,
				MG_GIG_GPA + 0x40000000 - MG_GIG_SLOT_SIZE,
				MG_GIG_SLOT_SIZE);
	if (!self->frames || !self->gig_lo || !self->gig_hi)
		return -ENOMEM;
	if (code.len > MG_HOST_PT - SVX_CODE)
		return -E2BIG;
	svxu_load(&g->vm, code);
	r = svxu_setup_mode(&g->vcpu, SVXU_MODE_PM32);
	if (r)
		return r;
	/* 64-bit: identity tables for 1 GiB that the guest loads itself */
	r = svxu_identity_map(g->vm.mem, g->vm.mem_size, MG_HOST_PT, 1,
			      MG_MAILBOX);
	if (r < 0)
		return r;

	self->mb = (struct mg_mailbox *)(g->vm.mem + MG_MAILBOX);
	memset(self->mb, 0, sizeof(*self->mb));
	self->mb->magic = MG_MAGIC;
	self->mb->test = test;
	self->mb->mode = mode;
	if (svxu_dev_is_kvm() && svxu_kvm_intel_param("ept") == 'N')
		self->mb->quirks |= MG_Q_STALE_NX;
	return 0;
}

static const char *gstr(FIXTURE_DATA(mmu) *self, uint32_t addr)
{
	static char buf[160];
	const char *p = (const char *)self->g.vm.mem + addr;

	if (addr == 0 || addr >= SVX_MEM_SIZE - sizeof(buf))
		return "?";
	snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(buf) - 1, p);
	return buf;
}

/* Log every record (for failures that stop the guest early). */
static void dump_records(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	uint32_t i, n = self->mb->nrec;

	for (i = 0; i < n && i < MG_MAX_REC; i++) {
		struct mg_rec *r = &self->mb->rec[i];

		TH_LOG("record %u: kind %u line %u %s got 0x%llx want 0x%llx a 0x%llx b 0x%llx",
		       i, r->kind, r->line, gstr(self, r->what),
		       (unsigned long long)r->got, (unsigned long long)r->want,
		       (unsigned long long)r->a, (unsigned long long)r->b);
	}
}

static void log_regs(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	struct kvm_regs regs;
	struct kvm_sregs sr;

	if (svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&regs) ||
	    svxu_ioctl(self->g.vcpu.fd, KVM_GET_SREGS, (unsigned long)&sr))
		return;
	TH_LOG("rip 0x%llx rsp 0x%llx rax 0x%llx cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx cs 0x%x",
	       (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
	       (unsigned long long)regs.rax, (unsigned long long)sr.cr0,
	       (unsigned long long)sr.cr2, (unsigned long long)sr.cr3,
	       (unsigned long long)sr.cr4, (unsigned long long)sr.efer,
	       sr.cs.selector);
}

struct mmio_step {
	bool write;
	uint64_t gpa;
	uint32_t len;
	uint64_t data;
};

static const struct mmio_step mmio_seq[] = {
	{ false, MG_MMIO_GPA + MG_MMIO_RD_OFF, 4, MG_MMIO_RD_VAL },
	{ true, MG_MMIO_GPA + MG_MMIO_WR_OFF, 4, MG_MMIO_WR_VAL },
	{ false, MG_MMIO_GPA + MG_MMIO_RD8_OFF, 1, MG_MMIO_RD8_VAL },
	{ false, MG_MMIO_GPA + MG_MMIO_RD_OFF, 4, MG_MMIO_RD_VAL + 1 },
	{ false, MG_MMIO_GPA + 0x1000 + MG_MMIO_RD_OFF, 4, MG_MMIO_RD_VAL + 2 },
};
#define NR_MMIO (int)(sizeof(mmio_seq) / sizeof(mmio_seq[0]))

/*
 * Memslot test: the VMM changes slot 1 (the frames) while the guest has
 * translations of it cached.  SWAP gives the slot new memory (a copy, with
 * a new marker), MOVE moves it to MG_SLOT_MOVED_GPA, BACK moves it back.
 * The counters between SWAP and MOVE must show the flush a VPID-tagged or
 * EPT-tagged TLB needs (INVVPID in shadow mode with VPID, INVEPT in EPT
 * mode); this is the host side of that check.
 */
static void slot_sync(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		      uint32_t val)
{
	int fd = self->g.vm.fd, r;
	uint8_t *n;

	self->slot_syncs++;
	switch (val) {
	case MG_SYNC_SLOT_SWAP:
		snapshot(_metadata, self, self->c0);
		n = svxu_alloc(MG_FRAMES_SIZE);
		ASSERT_NE(NULL, n);
		memcpy(n, self->frames, MG_FRAMES_SIZE);
		*(uint32_t *)(n + MG_SLOT_FRAME * 4096) = MG_SLOT_NEW_VAL;
		r = svxu_set_mem(fd, 1, 0, MG_FRAMES_GPA, 0, NULL);
		EXPECT_EQ(0, r) TH_LOG("delete slot 1: %s", strerror(-r));
		r = svxu_set_mem(fd, 1, 0, MG_FRAMES_GPA, MG_FRAMES_SIZE, n);
		EXPECT_EQ(0, r) TH_LOG("slot 1 with new memory: %s", strerror(-r));
		self->old_frames = self->frames;
		self->frames = n;
		break;
	case MG_SYNC_SLOT_MOVE:
		self->have_counts = snapshot(_metadata, self, self->c1);
		r = svxu_set_mem(fd, 1, 0, MG_FRAMES_GPA, 0, NULL);
		EXPECT_EQ(0, r) TH_LOG("delete slot 1: %s", strerror(-r));
		r = svxu_set_mem(fd, 1, 0, MG_SLOT_MOVED_GPA, MG_FRAMES_SIZE,
				self->frames);
		EXPECT_EQ(0, r) TH_LOG("slot 1 at 0x%llx: %s",
				       MG_SLOT_MOVED_GPA, strerror(-r));
		break;
	case MG_SYNC_SLOT_BACK:
		r = svxu_set_mem(fd, 1, 0, MG_SLOT_MOVED_GPA, 0, NULL);
		EXPECT_EQ(0, r) TH_LOG("delete slot 1: %s", strerror(-r));
		r = svxu_set_mem(fd, 1, 0, MG_FRAMES_GPA, MG_FRAMES_SIZE,
				self->frames);
		EXPECT_EQ(0, r) TH_LOG("slot 1 back: %s", strerror(-r));
		break;
	}
}

/* shadowvmx's pinned pages of the VM, or -1 (kvm_intel pins nothing). */
static long vm_pins(FIXTURE_DATA(mmu) *self)
{
	struct svx_stats st = { .version = SVX_STATS_VERSION, .size = sizeof(st) };

	if (svxu_dev_is_kvm() || !svxu_has_stats(self->g.vm.fd) ||
	    svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st))
		return -1;
	return st.mmu[SVX_MMU_PAGES_PINNED];
}

/*
 * MMU-notifier test: the VMM changes the memory behind frame MG_HVA_FRAME
 * (its HVA in slot 1) and no memslot.  On shadowvmx the VM's pinned pages
 * must fall: the old page is no longer held.
 */
static void hva_sync(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		     uint32_t val)
{
	uint8_t *hva = (uint8_t *)self->frames + MG_HVA_FRAME * 4096;
	int i = val - MG_SYNC_HVA_REMAP;
	long before = vm_pins(self);
	uint32_t v;
	void *src;

	self->hva_syncs++;
	switch (val) {
	case MG_SYNC_HVA_REMAP:
		ASSERT_EQ(0, munmap(hva, 4096));
		ASSERT_EQ(hva, mmap(hva, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
		v = MG_HVA_NEW_VAL;
		memcpy(hva, &v, 4);
		break;
	case MG_SYNC_HVA_DONTNEED:
		memcpy(&v, hva + 4, 4);
		EXPECT_EQ(MG_HVA_WR_VAL, v)
			TH_LOG("host: the guest's write after munmap + mmap is not in the new page");
		ASSERT_EQ(0, madvise(hva, 4096, MADV_DONTNEED));
		break;
	case MG_SYNC_HVA_MREMAP:
		memcpy(&v, hva + 8, 4);
		EXPECT_EQ(MG_HVA_WR_VAL, v)
			TH_LOG("host: the guest's write after MADV_DONTNEED is not in the page");
		src = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, src);
		v = MG_HVA_MREMAP_VAL;
		memcpy(src, &v, 4);
		ASSERT_EQ(hva, mremap(src, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
				      hva));
		break;
	default:
		return;
	}
	self->pins_before[i] = before;
	self->pins_after[i] = vm_pins(self);
}

static void check_hva(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	static const char *const what[] = { "munmap + mmap", "MADV_DONTNEED", "mremap" };
	uint8_t *hva = (uint8_t *)self->frames + MG_HVA_FRAME * 4096;
	uint32_t v;
	int i;

	EXPECT_EQ(3, self->hva_syncs);
	memcpy(&v, hva + 12, 4);
	EXPECT_EQ(MG_HVA_WR_VAL, v)
		TH_LOG("host: the guest's write after mremap is not in the page");
	for (i = 0; i < 3; i++) {
		if (self->pins_before[i] < 0)
			continue;	/* kvm_intel: no pins */
		TH_LOG("pins[%s]: %s: %ld -> %ld", svxu_dev(), what[i],
		       self->pins_before[i], self->pins_after[i]);
		EXPECT_LT(self->pins_after[i], self->pins_before[i])
			TH_LOG("%s did not drop the VM's pin of the old page", what[i]);
	}
}

/* String I/O test: the port reads MG_STRIO_IN_BYTE, records what it gets. */
static void strio_io(FIXTURE_DATA(mmu) *self, struct kvm_run *run)
{
	uint8_t *d = (uint8_t *)run + run->io.data_offset;
	uint32_t j;

	if (run->io.direction == KVM_EXIT_IO_IN) {
		memset(d, MG_STRIO_IN_BYTE, run->io.count);
		self->strio_nin += run->io.count;
		return;
	}
	for (j = 0; j < run->io.count; j++) {
		if (self->strio_nout < (int)sizeof(self->strio_out))
			self->strio_out[self->strio_nout] = d[j];
		self->strio_nout++;
	}
}

static void check_strio(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	int i;

	TH_LOG("strio[%s]: %d bytes read from the port, %d written", svxu_dev(),
	       self->strio_nin, self->strio_nout);
	EXPECT_EQ(MG_STRIO_LEN, self->strio_nout)
		TH_LOG("bytes rep outsb sent: only the user page's 16");
	for (i = 0; i < self->strio_nout && i < (int)sizeof(self->strio_out); i++)
		EXPECT_EQ(MG_STRIO_OUT_BYTE, self->strio_out[i])
			TH_LOG("byte %d rep outsb sent", i);
}

static void check_slot(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	uint32_t v;

	EXPECT_EQ(3, self->slot_syncs);
	EXPECT_EQ(1, self->nmmio) TH_LOG("MMIO reads while slot 1 was away");
	ASSERT_NE(NULL, self->old_frames);
	memcpy(&v, (uint8_t *)self->frames + MG_SLOT_FRAME * 4096 + 4, 4);
	EXPECT_EQ(MG_SLOT_WR_VAL, v) TH_LOG("host: the guest's write after the swap");
	memcpy(&v, (uint8_t *)self->old_frames + MG_SLOT_FRAME * 4096 + 4, 4);
	EXPECT_EQ(0, v) TH_LOG("host: a guest write reached the memory the slot had before");
	if (!self->have_counts || !svxu_has_stats(self->g.vm.fd))
		return;
	if (svxu_vm_paging(self->g.vm.fd) == SVX_PAGING_EPT) {
		EXPECT_LT(self->c0[C_INVEPT], self->c1[C_INVEPT])
			TH_LOG("no INVEPT after the slot change");
	} else if (vpid_on(self)) {
		EXPECT_LT(self->c0[C_INVVPID], self->c1[C_INVVPID])
			TH_LOG("no INVVPID after the slot change");
	}
	TH_LOG("slot[%s]: between swap and move: INVVPID %llu, INVEPT %llu", svxu_dev(),
	       (unsigned long long)(self->c1[C_INVVPID] - self->c0[C_INVVPID]),
	       (unsigned long long)(self->c1[C_INVEPT] - self->c0[C_INVEPT]));
}

/*
 * Shadow paging with VPID: every INVLPG exit costs an INVVPID (individual
 * address, or single-context for a guest large page).
 */
static void check_invlpg(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	uint64_t c[C_NR];

	if (!vpid_on(self) || svxu_vm_paging(self->g.vm.fd) != SVX_PAGING_SHADOW ||
	    !snapshot(_metadata, self, c))
		return;
	EXPECT_GT(c[C_INVLPG], 0);
	EXPECT_GE(c[C_INVVPID], c[C_INVLPG])
		TH_LOG("INVVPIDs %llu for %llu INVLPG exits", (unsigned long long)c[C_INVVPID],
		       (unsigned long long)c[C_INVLPG]);
	TH_LOG("invlpg[%s]: %llu INVLPG exits, %llu CR exits, %llu INVVPIDs", svxu_dev(),
	       (unsigned long long)c[C_INVLPG], (unsigned long long)c[C_CR],
	       (unsigned long long)c[C_INVVPID]);
}

/*
 * The pt_writes guest writes a PDE in use with 10 instructions (64-bit:
 * 12, with cmpxchg16b) after its first mov: under shadow paging each is
 * emulated (a PD never goes unsync), and none of them makes the PD look
 * like a write flood (every write is followed by a use, though in 32-bit
 * paging of only one of the PD's four shadow pages).  Its last six writes
 * come with no use in between: exactly one flood.
 */
static void check_ptwrite(struct __test_metadata *_metadata,
			  FIXTURE_DATA(mmu) *self, const char *mode)
{
	uint64_t c[C_NR];

	if (svxu_vm_paging(self->g.vm.fd) != SVX_PAGING_SHADOW ||
	    !snapshot(_metadata, self, c) || !svxu_has_stats(self->g.vm.fd))
		return;
	EXPECT_GE(c[C_PT_WRITE], strcmp(mode, "long64") ? 10 : 12);
	EXPECT_EQ(1, c[C_FLOOD]);
	TH_LOG("pt_writes[%s]: %llu emulated guest page-table writes, %llu unshadowed",
	       mode, (unsigned long long)c[C_PT_WRITE], (unsigned long long)c[C_FLOOD]);
}

/*
 * The MMIO guest's accesses are done: put RAM where its second MMIO page
 * was.  A new slot deletes nothing, so a hypervisor must notice by itself
 * that its MMIO fast path (MMIO SPTEs, EPT misconfigurations) is stale.
 */
static void mmio_done(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		      const char *mode)
{
	uint32_t v = MG_MMIO_RAM_VAL;
	int r;

	EXPECT_EQ(NR_MMIO, self->nmmio) TH_LOG("[%s] MMIO exits seen", mode);
	self->mmio_ram = svxu_alloc(4096);
	ASSERT_NE(NULL, self->mmio_ram);
	memcpy(self->mmio_ram + MG_MMIO_RD_OFF, &v, 4);
	r = svxu_set_mem(self->g.vm.fd, MG_MMIO_RAM_SLOT, 0, MG_MMIO_GPA + 0x1000,
			4096, self->mmio_ram);
	EXPECT_EQ(0, r) TH_LOG("slot %d at 0x%llx: %s", MG_MMIO_RAM_SLOT,
			       MG_MMIO_GPA + 0x1000, strerror(-r));
}

static void check_mmio(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	uint32_t v = 0;

	EXPECT_EQ(NR_MMIO, self->nmmio);
	ASSERT_NE(NULL, self->mmio_ram);
	memcpy(&v, self->mmio_ram + MG_MMIO_WR_OFF, 4);
	EXPECT_EQ(MG_MMIO_WR_VAL, v) TH_LOG("host: the guest's write to the new slot");
}

/* Run the guest to its MG_PORT_DONE; returns false on a failure. */
static bool mmu_run(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		    const char *mode)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_run *run = v->run;
	int i, r;

	for (i = 0; i < 100000; i++) {
		r = svxu_run(v);
		EXPECT_EQ(0, r) TH_LOG("KVM_RUN: %s; %s", strerror(-r), svxu_exit_str(run));
		if (r)
			break;
		if (run->exit_reason == KVM_EXIT_IO && run->io.size == 4 &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.count == 1) {
			uint32_t val = svxu_io_value(run);

			if (run->io.port == MG_PORT_DONE)
				return true;
			if (run->io.port == MG_PORT_SYSCALL) {
				if (self->nsys < 16)
					self->sys[self->nsys] = val;
				self->nsys++;
				continue;
			}
			if (run->io.port == MG_PORT_SYNC) {
				if (val == MG_SYNC_ROUND2_START)
					self->have_counts = snapshot(_metadata, self, self->c0);
				else if (val == MG_SYNC_ROUND2_END && self->have_counts)
					self->have_counts = snapshot(_metadata, self, self->c1);
				else if (val >= MG_SYNC_SLOT_SWAP &&
					 val <= MG_SYNC_SLOT_BACK)
					slot_sync(_metadata, self, val);
				else if (val == MG_SYNC_MMIO_DONE)
					mmio_done(_metadata, self, mode);
				else if (val >= MG_SYNC_HVA_REMAP &&
					 val <= MG_SYNC_HVA_MREMAP)
					hva_sync(_metadata, self, val);
				continue;
			}
		}
		if (run->exit_reason == KVM_EXIT_IO && self->mb->test == MG_T_STRIO &&
		    run->io.port == MG_PORT_STRIO && run->io.size == 1) {
			strio_io(self, run);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && self->mb->test == MG_T_MMIO &&
		    self->nmmio < NR_MMIO) {
			const struct mmio_step *s = &mmio_seq[self->nmmio++];

			EXPECT_EQ(s->write, !!run->mmio.is_write)
				TH_LOG("[%s] MMIO step %d: %s", mode, self->nmmio,
				       svxu_exit_str(run));
			EXPECT_EQ(s->gpa, run->mmio.phys_addr)
				TH_LOG("[%s] MMIO step %d: %s", mode, self->nmmio,
				       svxu_exit_str(run));
			EXPECT_EQ(s->len, run->mmio.len)
				TH_LOG("[%s] MMIO step %d: %s", mode, self->nmmio,
				       svxu_exit_str(run));
			if (s->write) {
				uint64_t d = 0;

				memcpy(&d, run->mmio.data, s->len);
				EXPECT_EQ(s->data, d) TH_LOG("[%s] MMIO write data", mode);
			} else {
				memcpy(run->mmio.data, &s->data, s->len);
			}
			continue;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && self->mb->test == MG_T_SLOT &&
		    !run->mmio.is_write && run->mmio.len == 4 &&
		    run->mmio.phys_addr == MG_FRAMES_GPA + MG_SLOT_FRAME * 4096 + 8) {
			uint32_t d = MG_SLOT_MMIO_VAL;

			memcpy(run->mmio.data, &d, 4);
			self->nmmio++;
			continue;
		}
		if (svxu_dev_is_kvm_pvm() &&
		    run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			snprintf(self->skip, sizeof(self->skip),
				 "kvm_pvm quirk: emulation failure (%s)",
				 svxu_exit_str(run));
			return false;
		}
		TH_LOG("[%s] unexpected exit: %s", mode, svxu_exit_str(run));
		log_regs(_metadata, self);
		dump_records(_metadata, self);
		EXPECT_EQ(KVM_EXIT_IO, run->exit_reason);
		return false;
	}
	EXPECT_LT(i, 100000) TH_LOG("[%s] guest never finished", mode);
	return false;
}

/*
 * Assert every record.  Returns 1 if the guest skipped (reason in
 * self->skip), 0 otherwise.
 */
static int mmu_eval(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
		    const char *mode)
{
	struct mg_mailbox *mb = self->mb;
	uint32_t i, checks = 0;

	EXPECT_EQ(1, mb->done);
	EXPECT_LE(mb->nrec, MG_MAX_REC);
	for (i = 0; i < mb->nrec && i < MG_MAX_REC; i++) {
		struct mg_rec *r = &mb->rec[i];

		switch (r->kind) {
		case MG_REC_CHECK:
			checks++;
			EXPECT_EQ(r->want, r->got)
				TH_LOG("[%s] %s (guest line %u, arg 0x%llx): got 0x%llx, want 0x%llx",
				       mode, gstr(self, r->what), r->line,
				       (unsigned long long)r->a,
				       (unsigned long long)r->got,
				       (unsigned long long)r->want);
			break;
		case MG_REC_INFO:
			TH_LOG("[%s] %s: %llu", mode, gstr(self, r->what),
			       (unsigned long long)r->got);
			break;
		case MG_REC_SKIP:
			snprintf(self->skip, sizeof(self->skip), "%s", gstr(self, r->what));
			return 1;
		case MG_REC_FATAL:
			if (svxu_dev_is_kvm_pvm() && r->got == 13 &&
			    mb->phase == MG_PHASE_PAGING_ON) {
				snprintf(self->skip, sizeof(self->skip),
					 "kvm_pvm quirk: #GP on mov to CR0.PG outside long mode (PVM runs 64-bit paging guests only)");
				return 1;
			}
			if (svxu_dev_is_kvm_pvm() && r->got == 6 &&
			    mb->phase == MG_PHASE_USER) {
				snprintf(self->skip, sizeof(self->skip),
					 "kvm_pvm quirk: #UD at rip 0x%llx in ring 3 (int $0x80 not delivered through the guest IDT)",
					 (unsigned long long)r->b);
				return 1;
			}
			log_regs(_metadata, self);
			EXPECT_EQ(0, 1)
				TH_LOG("[%s] guest: unexpected exception: vector %llu error 0x%llx cr2 0x%llx rip 0x%llx (%s line %u)",
				       mode, (unsigned long long)r->got,
				       (unsigned long long)r->want,
				       (unsigned long long)r->a,
				       (unsigned long long)r->b,
				       gstr(self, r->what), r->line);
			break;
		default:
			EXPECT_EQ(0, r->kind) TH_LOG("[%s] bad record %u", mode, i);
		}
	}
	EXPECT_GT(checks, 0) TH_LOG("[%s] the guest made no checks", mode);
	return 0;
}

/* The body of every test: set up, run, evaluate; SKIP as the guest says. */
#define MMU_TEST(name, id, host_check)					\
TEST_F(mmu, name)							\
{									\
	const char *mode = mode_name(variant->mode);			\
	int __r = mmu_init(_metadata, self, variant->mode, id);	\
									\
	ASSERT_EQ(0, __r) TH_LOG("guest setup on %s: %s", svxu_dev(),	\
				 strerror(-__r));			\
	if (!mmu_run(_metadata, self, mode)) {				\
		if (self->skip[0])					\
			SKIP(return, "%s", self->skip);			\
		return;							\
	}								\
	if (mmu_eval(_metadata, self, mode))				\
		SKIP(return, "%s", self->skip);				\
	if (_metadata->passed) {					\
		host_check;						\
	}								\
}

static void check_fresh(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	uint8_t *f = self->frames;
	uint32_t i, v, bad = 0;

	for (i = 0; i < MG_NFRESH; i++) {
		memcpy(&v, f + i * 4096 + (i * 8) % 4096, 4);
		if (v != (0xa5000000 | i) && bad++ < 4)
			EXPECT_EQ(0xa5000000 | i, v) TH_LOG("host: frame %u", i);
		memcpy(&v, f + i * 4096 + 4092, 4);
		if (v != (0x5a000000 | (MG_NFRESH - 1 - i)) && bad++ < 4)
			EXPECT_EQ(0x5a000000 | (MG_NFRESH - 1 - i), v)
				TH_LOG("host: frame %u end", i);
	}
	EXPECT_EQ(0, bad);
}

static void check_large(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self,
			int mode)
{
	static const uint32_t offs[] = { 0, 0x1000, 0x12344, 0x1ffffc, 0x200000,
					 0x2ab0f0, 0x3ffffc };
	uint8_t *f = self->frames;
	uint32_t i, v, base;

	if (mode == MG_MODE_PG32)
		return;
	for (base = 0; base < MG_FRAMES_SIZE; base += 0x200000) {
		for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			uint32_t o = offs[i];

			if (mode != MG_MODE_PG32PSE && o >= 0x200000)
				continue;
			if (mode == MG_MODE_PG32PSE && base)
				continue;
			memcpy(&v, f + base + o, 4);
			EXPECT_EQ(0x1a000000u | o, v) TH_LOG("host: large page GPA 0x%x",
							     MG_FRAMES_GPA + base + o);
		}
	}
}

/* Shadow paging over THP-backed frames: 2 MiB SPTEs for the large pages. */
static void check_large_sptes(struct __test_metadata *_metadata,
			      FIXTURE_DATA(mmu) *self, int mode)
{
	struct svx_stats st = { .version = SVX_STATS_VERSION, .size = sizeof(st) };
	char thp[128] = "";
	FILE *f;

	if (mode == MG_MODE_PG32 || !svxu_has_stats(self->g.vm.fd) ||
	    svxu_vm_paging(self->g.vm.fd) != 0)
		return;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(thp, sizeof(thp), f))
			thp[0] = 0;
		thp[strcspn(thp, "\n")] = 0;
		fclose(f);
	}
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st));
	TH_LOG("large-sptes[%s]: %llu 2 MiB SPTEs installed (THP: %s)", mode_name(mode),
	       (unsigned long long)st.mmu[SVX_MMU_SPTE_LARGE], thp[0] ? thp : "?");
	if (strstr(thp, "[never]") || !thp[0])
		return;
	EXPECT_GT(st.mmu[SVX_MMU_SPTE_LARGE], 0);
}

static void check_gig(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	static const uint32_t offs[] = { 0, 0x1238, 0x1ff000, 0x1ffffc,
					 0x3fe00000, 0x3fe12344, 0x3ffffffc };
	uint32_t i, v;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		uint8_t *p = offs[i] < MG_GIG_SLOT_SIZE ?
			(uint8_t *)self->gig_lo + offs[i] :
			(uint8_t *)self->gig_hi + offs[i] - (0x40000000 - MG_GIG_SLOT_SIZE);

		memcpy(&v, p, 4);
		EXPECT_EQ(0x16000000u | i, v) TH_LOG("host: GPA 0x%llx",
			(unsigned long long)MG_GIG_GPA + offs[i]);
	}
}

static void check_user(struct __test_metadata *_metadata, FIXTURE_DATA(mmu) *self)
{
	int i;

	EXPECT_EQ(7, self->nsys) TH_LOG("int 0x80 calls seen by the host");
	for (i = 0; i < 6 && i < self->nsys; i++)
		EXPECT_EQ(MG_SYS_REPORT, self->sys[i]);
	if (self->nsys >= 7)
		EXPECT_EQ(MG_SYS_EXIT, self->sys[6]);
}

MMU_TEST(fresh_mappings, MG_T_FRESH, check_fresh(_metadata, self))

/*
 * Shadow-page recycling: with max_shadow_pages lowered to 16, the CR3
 * switches among 8 address spaces (and the fresh mappings) need more
 * shadow pages than allowed; the oldest are zapped and rebuilt, and the
 * guest must not notice.  shadowvmx only (the parameter is ours).
 */
#define MAX_SPS_PARAM "/sys/module/shadowvmx/parameters/max_shadow_pages"

static bool set_max_sps(const char *val, char *old, size_t oldsz)
{
	FILE *f = fopen(MAX_SPS_PARAM, "r+");
	bool ok;

	if (!f)
		return false;
	if (old && (!fgets(old, oldsz, f) || fseek(f, 0, SEEK_SET))) {
		fclose(f);
		return false;
	}
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok;
}

static void recycle_test(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mmu) *self, int vmode, int id)
{
	const char *mode = mode_name(vmode);
	struct svx_stats st = { .version = SVX_STATS_VERSION, .size = sizeof(st) };
	char old[32] = "";
	bool ran;
	int r;

	if (svxu_dev_is_kvm())
		SKIP(return, "max_shadow_pages is a shadowvmx parameter");
	if (!set_max_sps("16", old, sizeof(old)))
		SKIP(return, "cannot write %s: %s", MAX_SPS_PARAM, strerror(errno));
	r = mmu_init(_metadata, self, vmode, id);
	ran = !r && mmu_run(_metadata, self, mode);
	EXPECT_TRUE(set_max_sps(old, NULL, 0));
	ASSERT_EQ(0, r) TH_LOG("guest setup: %s", strerror(-r));
	if (!ran) {
		if (self->skip[0])
			SKIP(return, "%s", self->skip);
		return;
	}
	if (mmu_eval(_metadata, self, mode))
		SKIP(return, "%s", self->skip);
	if (!svxu_has_stats(self->g.vm.fd))
		return;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st));
	TH_LOG("recycle[%s]: %llu shadow pages recycled, %llu allocated, %llu faults fixed",
	       mode, (unsigned long long)st.mmu[SVX_MMU_RECYCLED],
	       (unsigned long long)st.mmu[SVX_MMU_SP_ALLOCATED],
	       (unsigned long long)st.mmu[SVX_MMU_PF_FIXED]);
	/* 8 address spaces need more than 16 shadow pages (not 15 fresh ones) */
	if (svxu_vm_paging(self->g.vm.fd) == 0 && id == MG_T_CR3_SWITCH)
		EXPECT_GT(st.mmu[SVX_MMU_RECYCLED], 0);
}

TEST_F(mmu, cr3_switch_recycled)
{
	recycle_test(_metadata, self, variant->mode, MG_T_CR3_SWITCH);
}

TEST_F(mmu, fresh_mappings_recycled)
{
	recycle_test(_metadata, self, variant->mode, MG_T_FRESH);
}
MMU_TEST(invlpg, MG_T_INVLPG, check_invlpg(_metadata, self))
MMU_TEST(not_present, MG_T_NOT_PRESENT, )
MMU_TEST(write_protect, MG_T_WRITE_PROTECT, )
MMU_TEST(nx, MG_T_NX, )
MMU_TEST(reserved_bits, MG_T_RSVD, )
MMU_TEST(smep, MG_T_SMEP, )
MMU_TEST(smap, MG_T_SMAP, )
MMU_TEST(wp0_smep_smap, MG_T_WP0, )
MMU_TEST(accessed_dirty, MG_T_AD_BITS, )
MMU_TEST(cr3_switch, MG_T_CR3_SWITCH,
	 if (self->have_counts) report_switches(_metadata, self, mode);
	 else TH_LOG("cr3-switch[%s %s]: no counters on this device", svxu_dev(), mode))
MMU_TEST(user_mode, MG_T_USER, check_user(_metadata, self))
MMU_TEST(large_pages, MG_T_LARGE,
	 check_large(_metadata, self, variant->mode);
	 check_large_sptes(_metadata, self, variant->mode))
MMU_TEST(gig_pages, MG_T_GIG, check_gig(_metadata, self))
MMU_TEST(mmio, MG_T_MMIO, check_mmio(_metadata, self))
MMU_TEST(memslot_change, MG_T_SLOT, check_slot(_metadata, self))
MMU_TEST(pae_pdptes, MG_T_PDPTE, )
MMU_TEST(pcid, MG_T_PCID, )
MMU_TEST(pt_writes, MG_T_PTWRITE, check_ptwrite(_metadata, self, mode))
MMU_TEST(vmm_remaps_guest_memory, MG_T_HVA, check_hva(_metadata, self))
MMU_TEST(string_io_user, MG_T_STRIO, check_strio(_metadata, self))
MMU_TEST(double_fault, MG_T_DF, )
MMU_TEST(pt_string_writes, MG_T_PTSTRING, )

TEST_HARNESS_MAIN
