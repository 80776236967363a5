// SPDX-License-Identifier: GPL-2.0
/*
 * Paging modes (uapi/linux/shadowvmx.h): SVX_GET_CAPS, SVX_SET_PAGING and
 * its rules; a guest that starts in real mode and switches to protected and
 * long mode by itself (natively with unrestricted guest, in vm86 under
 * shadow paging and kvm_intel ept=0: rmode_test.c); first touch of 256
 * pages, with the exits it cost (printed, for comparing the modes).
 *
 * SVX_PAGING=ept (or shadow) puts every VM of every test in that mode on
 * /dev/shadowvmx (selftests/lib); on /dev/kvm the mode is kvm_intel's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "svx.h"

#define EXIT_REASON_EXCEPTION_NMI	0
#define EXIT_REASON_INVLPG		14
#define EXIT_REASON_CR_ACCESS		28
#define EXIT_REASON_EPT_VIOLATION	48

#define SKIP_ON_KVM() do {						\
	if (svxu_dev_is_kvm())						\
		SKIP(return, "shadowvmx extension ioctls; %s has none",	\
		     svxu_dev());					\
} while (0)

static int get_caps(struct svx_caps *caps)
{
	int fd = svxu_open_dev(), r;

	if (fd < 0)
		return fd;
	memset(caps, 0, sizeof(*caps));
	r = svxu_ioctl(fd, SVX_GET_CAPS, (unsigned long)caps);
	close(fd);
	return r;
}

TEST(get_caps_consistent)
{
	struct svx_caps caps;

	SKIP_ON_KVM();
	ASSERT_EQ(0, get_caps(&caps));
	EXPECT_TRUE(caps.paging_modes & (1U << SVX_PAGING_SHADOW));
	EXPECT_EQ(!!(caps.flags & SVX_CAP_EPT),
		  !!(caps.paging_modes & (1U << SVX_PAGING_EPT)));
	EXPECT_TRUE(caps.default_paging == SVX_PAGING_SHADOW ||
		    caps.default_paging == SVX_PAGING_EPT);
	EXPECT_TRUE(caps.paging_modes & (1U << caps.default_paging));
	TH_LOG("paging modes %#x, default %u, flags %#x", caps.paging_modes,
	       caps.default_paging, caps.flags);
}

/* SVX_SET_PAGING: unknown mode, EPT when unsupported, -EBUSY after a vCPU. */
TEST(set_paging_rules)
{
	struct svx_caps caps;
	int sys, vm, vcpu;
	bool ept;

	SKIP_ON_KVM();
	ASSERT_EQ(0, get_caps(&caps));
	ept = caps.paging_modes & (1U << SVX_PAGING_EPT);
	sys = svxu_open_dev();
	ASSERT_LE(0, sys);
	vm = svxu_ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ((int)caps.default_paging, svxu_vm_paging(vm));
	EXPECT_EQ(-EINVAL, svxu_ioctl(vm, SVX_SET_PAGING, 7));
	ASSERT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING, SVX_PAGING_SHADOW));
	EXPECT_EQ(SVX_PAGING_SHADOW, svxu_vm_paging(vm));
	if (ept) {
		ASSERT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING, SVX_PAGING_EPT));
		EXPECT_EQ(SVX_PAGING_EPT, svxu_vm_paging(vm));
		/* Back and forth is fine before the first vCPU. */
		ASSERT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING, SVX_PAGING_SHADOW));
		ASSERT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING, SVX_PAGING_EPT));
	} else {
		EXPECT_EQ(-EOPNOTSUPP,
			  svxu_ioctl(vm, SVX_SET_PAGING, SVX_PAGING_EPT));
	}
	vcpu = svxu_ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-EBUSY, svxu_ioctl(vm, SVX_SET_PAGING,
				    ept ? SVX_PAGING_SHADOW : SVX_PAGING_EPT));
	/* Asking for the mode the VM has is not a change. */
	EXPECT_EQ(0, svxu_ioctl(vm, SVX_SET_PAGING,
			       ept ? SVX_PAGING_EPT : SVX_PAGING_SHADOW));
	close(vcpu);
	close(vm);
	close(sys);
}

SVX_GUEST_FIXTURE(guest);

TEST_F(guest, real_to_protected_to_long_mode)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sr;

	INIT(real_to_long, SVXU_MODE_REAL16);
	ASSERT_OUT32(v, PORT_RESULT, 0x16);
	ASSERT_OUT32(v, PORT_RESULT, 0x32);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(1, sr.cr0 & 1);
	EXPECT_EQ(SVX_SEL_CS32, sr.cs.selector);
	ASSERT_OUT32(v, PORT_RESULT, 0x64);
	ASSERT_OUT32(v, PORT_RESULT2, 0x1c0ffee);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	EXPECT_EQ(0x500, sr.efer & 0x500);		/* LME | LMA */
	EXPECT_EQ(0x80000001, sr.cr0 & 0x80000001);	/* PG | PE */
	EXPECT_EQ(SVX_PT, sr.cr3);
	EXPECT_EQ(SVX_SEL_CS64, sr.cs.selector);
	EXPECT_EQ(1, sr.cs.l);
}

/* 256 pages touched once each: the cost of building the mappings. */
TEST_F(guest, first_touch_256_pages)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };
	uint32_t i, w;
	int paging;

	INIT(touch, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_touch_range(v, 0x100000, 256));
	ASSERT_OUT32(v, PORT_RESULT, 256);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	for (i = 0; i < 256; i++) {
		memcpy(&w, self->g.vm.mem + 0x100000 + i * 4096, 4);
		ASSERT_EQ(i, w);
	}
	if (svxu_dev_is_kvm())
		return;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS,
			       (unsigned long)&st));
	paging = st.paging;
	TH_LOG("first touch of 256 pages, %s paging: %llu exits (%llu exception, %llu EPT violation), %llu pages pinned, %llu shadow faults fixed, %llu EPT violations (%llu read, %llu write, %llu fetch), %llu EPT pages, %llu INVEPT, %llu INVVPID",
	       paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       (unsigned long long)st.misc[SVX_STAT_EXITS],
	       (unsigned long long)st.exits[EXIT_REASON_EXCEPTION_NMI],
	       (unsigned long long)st.exits[EXIT_REASON_EPT_VIOLATION],
	       (unsigned long long)st.mmu[SVX_MMU_PAGES_PINNED],
	       (unsigned long long)st.mmu[SVX_MMU_PF_FIXED],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_VIOLATION],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_READ],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_WRITE],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_FETCH],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_PAGES],
	       (unsigned long long)st.mmu[SVX_MMU_INVEPT],
	       (unsigned long long)st.mmu[SVX_MMU_INVVPID]);
	EXPECT_GE(st.mmu[SVX_MMU_PAGES_PINNED], 256);
	if (paging == SVX_PAGING_EPT) {
		EXPECT_GE(st.mmu[SVX_MMU_EPT_WRITE], 256);
		EXPECT_EQ(st.mmu[SVX_MMU_EPT_VIOLATION],
			  st.exits[EXIT_REASON_EPT_VIOLATION]);
		EXPECT_GE(st.mmu[SVX_MMU_EPT_PAGES], 4);
		EXPECT_EQ(0, st.exits[EXIT_REASON_EXCEPTION_NMI]);
	} else {
		EXPECT_GE(st.mmu[SVX_MMU_PF_FIXED], 256);
		EXPECT_EQ(0, st.exits[EXIT_REASON_EPT_VIOLATION]);
	}
}

static void mmio_write_exit(struct __test_metadata *_metadata,
			    struct svxu_vcpu *v, uint32_t val)
{
	uint32_t d;

	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(SVX_MMIO_GPA, v->run->mmio.phys_addr);
	ASSERT_EQ(1, v->run->mmio.is_write);
	ASSERT_EQ(4, v->run->mmio.len);
	memcpy(&d, v->run->mmio.data, 4);
	ASSERT_EQ(val, d);
}

/* Repeated MMIO to one GPA: every access exits (EPT: misconfig fast path). */
TEST_F(guest, mmio_repeated)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };
	uint32_t d = 0x1234;

	INIT(mmio_loop, SVXU_MODE_PM32);
	mmio_write_exit(_metadata, v, 1);
	mmio_write_exit(_metadata, v, 2);
	mmio_write_exit(_metadata, v, 3);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(0, v->run->mmio.is_write);
	memcpy(v->run->mmio.data, &d, 4);
	ASSERT_OUT32(v, PORT_RESULT, 0x1234);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	if (svxu_dev_is_kvm())
		return;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS,
			       (unsigned long)&st));
	TH_LOG("4 MMIO accesses: %llu EPT violations, %llu misconfigs, %llu fast",
	       (unsigned long long)st.mmu[SVX_MMU_EPT_MMIO],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_MISCONFIG],
	       (unsigned long long)st.mmu[SVX_MMU_MMIO_FAST]);
	if (st.paging == SVX_PAGING_EPT) {
		EXPECT_EQ(1, st.mmu[SVX_MMU_EPT_MMIO]);
		EXPECT_EQ(3, st.mmu[SVX_MMU_EPT_MISCONFIG]);
		EXPECT_EQ(3, st.mmu[SVX_MMU_MMIO_FAST]);
	}
}

/* A GPA that was MMIO becomes RAM when a memslot is created over it. */
TEST_F(guest, mmio_gpa_becomes_ram)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint8_t *ram = svxu_alloc(0x1000);
	uint32_t d;

	ASSERT_NE(NULL, ram);
	INIT(mmio_loop, SVXU_MODE_PM32);
	mmio_write_exit(_metadata, v, 1);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_MMIO_GPA, 0x1000,
				 ram));
	ASSERT_OUT32(v, PORT_RESULT, 3);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	memcpy(&d, ram, 4);
	ASSERT_EQ(3, d);
}

/* CR3 loads and INVLPG: exits under shadow paging, none under EPT. */
TEST_F(guest, cr3_load_and_invlpg)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };

	INIT(cr3_loop, SVXU_MODE_LONG64);
	ASSERT_OUT32(v, PORT_RESULT, 100);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	if (svxu_dev_is_kvm())
		return;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS,
			       (unsigned long)&st));
	TH_LOG("100 CR3 loads + 100 INVLPG, %s paging: %llu exits (%llu CR access, %llu INVLPG)",
	       st.paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       (unsigned long long)st.misc[SVX_STAT_EXITS],
	       (unsigned long long)st.exits[EXIT_REASON_CR_ACCESS],
	       (unsigned long long)st.exits[EXIT_REASON_INVLPG]);
	if (st.paging == SVX_PAGING_EPT) {
		EXPECT_EQ(0, st.exits[EXIT_REASON_CR_ACCESS]);
		EXPECT_EQ(0, st.exits[EXIT_REASON_INVLPG]);
	} else {
		EXPECT_GE(st.exits[EXIT_REASON_CR_ACCESS], 100);
		EXPECT_GE(st.exits[EXIT_REASON_INVLPG], 100);
	}
}

/* Shadow paging runs 32-bit paging only with the guest walker (to come). */
static const char *no_paging32(int vm_fd)
{
	(void)vm_fd;
	if (svxu_dev_is_kvm_pvm())
		return "kvm_pvm quirk: #GP on mov to CR0.PG outside long mode";
	return NULL;
}

#define PT_P	0x1
#define PT_RW	0x2
#define PT_PS	0x80
#define TBL	0x30000		/* guest page tables of these tests */

static void put32(uint8_t *mem, uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static void put64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

/*
 * The guest turns paging on itself (so EPT mode loads the PAE PDPTEs from
 * guest memory into GUEST_PDPTRn), then stores through a 4 KiB mapping and
 * does MMIO through an identity mapping (a software guest walk fetches the
 * instruction).
 */
static void paging32_guest(struct __test_metadata *_metadata,
			   struct svxu_guest *g, bool pae)
{
	struct svxu_vcpu *v = &g->vcpu;
	uint8_t *mem = g->vm.mem;
	struct kvm_regs regs;
	uint32_t d = 0xabcdef, w;
	const char *why;
	int i;

	why = no_paging32(g->vm.fd);
	if (why)
		SKIP(return, "%s", why);
	memset(mem + TBL, 0, 6 * 4096);
	if (pae) {
		/* PDPT; PDs for 0-1G (2M identity), 1G (a PT), 3-4G. */
		put64(mem, TBL, (TBL + 0x1000) | PT_P);
		put64(mem, TBL + 8, (TBL + 0x2000) | PT_P);
		put64(mem, TBL + 24, (TBL + 0x3000) | PT_P);
		for (i = 0; i < 512; i++) {
			put64(mem, TBL + 0x1000 + i * 8,
			      ((uint64_t)i << 21) | PT_P | PT_RW | PT_PS);
			put64(mem, TBL + 0x3000 + i * 8,
			      (0xc0000000ULL + ((uint64_t)i << 21)) |
			      PT_P | PT_RW | PT_PS);
		}
		put64(mem, TBL + 0x2000, (TBL + 0x4000) | PT_P | PT_RW);
		put64(mem, TBL + 0x4000, SVX_DATA | PT_P | PT_RW);
	} else {
		/* PD of 4M identity pages, but 1G: a PT. */
		for (i = 0; i < 1024; i++)
			put32(mem, TBL + i * 4,
			      ((uint32_t)i << 22) | PT_P | PT_RW | PT_PS);
		put32(mem, TBL + 256 * 4, (TBL + 0x1000) | PT_P | PT_RW);
		put32(mem, TBL + 0x1000, SVX_DATA | PT_P | PT_RW);
	}
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	regs.rbx = TBL;
	regs.rsi = pae ? 0x20 : 0x10;		/* PAE or PSE */
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(SVX_MMIO_GPA, v->run->mmio.phys_addr);
	ASSERT_EQ(0, v->run->mmio.is_write);
	memcpy(v->run->mmio.data, &d, 4);
	ASSERT_OUT32(v, PORT_RESULT, 0xabcdef);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	memcpy(&w, mem + SVX_DATA, 4);
	ASSERT_EQ(0x12345678, w);
}

TEST_F(guest, guest_enables_pae_paging)
{
	INIT(paging32_on, SVXU_MODE_PM32);
	paging32_guest(_metadata, &self->g, true);
}

TEST_F(guest, guest_enables_32bit_paging)
{
	INIT(paging32_on, SVXU_MODE_PM32);
	paging32_guest(_metadata, &self->g, false);
}

/* MMIO from 64-bit code: the emulator fetches through the guest's tables. */
TEST_F(guest, mmio_long_mode)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint32_t d = 0x5a5a1234;

	INIT(mmio64, SVXU_MODE_LONG64);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(SVX_MMIO_GPA, v->run->mmio.phys_addr);
	ASSERT_EQ(0, v->run->mmio.is_write);
	memcpy(v->run->mmio.data, &d, 4);
	ASSERT_OUT32(v, PORT_RESULT, d);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(SVX_MMIO_GPA + 4, v->run->mmio.phys_addr);
	ASSERT_EQ(1, v->run->mmio.is_write);
	ASSERT_EQ(0, memcmp(v->run->mmio.data, &d, 4));
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/* The CPU's physical address bits; is it affected by L1TF? */
static unsigned int host_phys_bits(bool *l1tf)
{
	char buf[256];
	unsigned int bits = 0;
	FILE *f = fopen("/sys/devices/system/cpu/vulnerabilities/l1tf", "r");

	*l1tf = false;
	if (f) {
		*l1tf = fgets(buf, sizeof(buf), f) &&
			strncmp(buf, "Not affected", 12);
		fclose(f);
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(buf, sizeof(buf), f) &&
	       sscanf(buf, "address sizes : %u bits physical", &bits) != 1)
		;
	if (f)
		fclose(f);
	return bits;
}

/*
 * After an MMIO access the leaf host entry caches it (an MMIO SPTE, or an
 * EPT misconfiguration entry).  On a CPU with L1TF its address bits must
 * point above every RAM page (in the upper half of the physical address
 * space, see mmu/spte.h), never at the guest-chosen GPA; without L1TF a
 * shadow MMIO SPTE holds the GPA itself.
 */
TEST_F(guest, mmio_entry_not_an_l1tf_gadget)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_walk_trace t;
	unsigned int bits, level;
	uint32_t d = 0;
	uint64_t addr;
	bool l1tf;

	if (svxu_dev_is_kvm())
		SKIP(return, "no SVX_WALK_TRACE on /dev/kvm");
	bits = host_phys_bits(&l1tf);
	ASSERT_NE(0, bits) TH_LOG("no address sizes in /proc/cpuinfo");
	INIT(mmio64, SVXU_MODE_LONG64);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	memcpy(v->run->mmio.data, &d, 4);
	ASSERT_OUT32(v, PORT_RESULT, d);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EXIT(v, KVM_EXIT_HLT);

	memset(&t, 0, sizeof(t));
	t.version = SVX_WALK_TRACE_VERSION;
	t.size = sizeof(t);
	t.gva = SVX_MMIO_GPA;
	ASSERT_EQ(0, svxu_ioctl(v->fd, SVX_WALK_TRACE, (unsigned long)&t));
	for (level = 1; level <= SVX_WT_MAX_LEVELS; level++)
		if (t.host[level - 1].flags & SVX_WT_L_LEAF)
			break;
	ASSERT_GE(SVX_WT_MAX_LEVELS, level) TH_LOG("no host leaf");
	ASSERT_TRUE(t.host[level - 1].flags & SVX_WT_H_MMIO)
		TH_LOG("level %u entry %#llx flags %#x", level,
		       (unsigned long long)t.host[level - 1].entry,
		       t.host[level - 1].flags);
	addr = t.host[level - 1].entry & 0x000ffffffffff000ULL;
	printf("# MMIO entry %#llx (%s, L1TF %s, %u physical address bits)\n",
	       (unsigned long long)t.host[level - 1].entry,
	       t.paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       l1tf ? "affected" : "not affected", bits);
	fflush(stdout);
	if (l1tf) {
		ASSERT_LE(1ULL << (bits - 1), addr);
	} else if (t.paging != SVX_PAGING_EPT) {
		ASSERT_EQ(SVX_MMIO_GPA & ~0xfffULL, addr);
	}
}

static bool thp_enabled(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strstr(buf, "[never]") && buf[0];
}

/*
 * A 4 MiB slot of transparent huge pages at a 2 MiB-aligned GPA: EPT mode
 * maps it with two 2 MiB entries (two violations for 1024 pages), and
 * deleting the slot unpins all 1024 pages.
 */
TEST_F(guest, first_touch_thp_slot)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) }, st2 = st;
	size_t sz = 4 << 20, i;
	uint8_t *raw, *mem;
	uint32_t w;

	raw = mmap(NULL, sz + (2 << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	mem = (uint8_t *)(((uintptr_t)raw + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
	madvise(mem, sz, MADV_HUGEPAGE);
	memset(mem, 0, sz);
	INIT(touch, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_SLOT1_GPA, sz, mem));
	ASSERT_EQ(0, svxu_set_touch_range(v, SVX_SLOT1_GPA, 1024));
	ASSERT_OUT32(v, PORT_RESULT, 1024);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	for (i = 0; i < 1024; i++) {
		memcpy(&w, mem + i * 4096, 4);
		ASSERT_EQ(i, w);
	}
	if (svxu_dev_is_kvm())
		goto out;
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS,
			       (unsigned long)&st));
	TH_LOG("1024 pages of a THP slot, %s paging: %llu exits, %llu EPT violations, %llu 2 MiB entries, %llu pages pinned, THP %s",
	       st.paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       (unsigned long long)st.misc[SVX_STAT_EXITS],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_VIOLATION],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_LARGE],
	       (unsigned long long)st.mmu[SVX_MMU_PAGES_PINNED],
	       thp_enabled() ? "enabled" : "disabled");
	if (st.paging == SVX_PAGING_EPT && thp_enabled()) {
		EXPECT_EQ(2, st.mmu[SVX_MMU_EPT_LARGE]);
		EXPECT_LE(st.mmu[SVX_MMU_EPT_VIOLATION], 4);
	}
	/* Deleting the slot releases every page it pinned. */
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_SLOT1_GPA, 0, mem));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS,
			       (unsigned long)&st2));
	EXPECT_EQ(0, st2.mmu[SVX_MMU_PAGES_PINNED]);
out:
	munmap(raw, sz + (2 << 20));
}

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << 26)
#endif
#define GIB		(1ULL << 30)

/*
 * A 1 GiB slot at GPA 1 GiB backed by one 1 GiB hugetlb page (the L1
 * kernel needs one: hugepagesz=1G hugepages=1, or nr_hugepages in
 * /sys/kernel/mm/hugepages/hugepages-1048576kB): EPT mode maps it with one
 * 1 GiB entry when the CPU has them (one violation for pages spread over
 * the GiB), the walk trace shows a level-3 leaf, and deleting the slot
 * unpins all 262144 pages.
 */
TEST_F(guest, first_touch_1g_hugetlb_slot)
{
	static const uint32_t offs_mb[] = { 0, 1, 300, 511, 512, 1000, 1023 };
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) }, st2 = st;
	struct svx_caps caps;
	struct svx_walk_trace t;
	uint8_t *mem;
	uint32_t w, i;

	mem = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
	if (mem == MAP_FAILED)
		SKIP(return, "no 1 GiB hugetlb page (%s): boot with hugepagesz=1G hugepages=1",
		     strerror(errno));
	INIT(touch, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, GIB, GIB, mem));
	/* The touch guest writes i at the start of page i: 1024 pages. */
	ASSERT_EQ(0, svxu_set_touch_range(v, GIB, 1024));
	ASSERT_OUT32(v, PORT_RESULT, 1024);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	/* then once more at pages spread over the whole GiB */
	for (i = 0; i < sizeof(offs_mb) / sizeof(offs_mb[0]); i++) {
		struct kvm_regs regs;

		ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
		regs.rip = SVX_CODE;
		ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs));
		ASSERT_EQ(0, svxu_set_touch_range(v, GIB + offs_mb[i] * (1 << 20) + 0xff000, 1));
		ASSERT_OUT32(v, PORT_RESULT, 1);
		ASSERT_EXIT(v, KVM_EXIT_HLT);
	}
	for (i = 0; i < 255; i++) {	/* page 255 was touched again */
		memcpy(&w, mem + i * 4096, 4);
		ASSERT_EQ(i, w);
	}
	for (i = 0; i < sizeof(offs_mb) / sizeof(offs_mb[0]); i++) {
		memcpy(&w, mem + offs_mb[i] * (1 << 20) + 0xff000, 4);
		EXPECT_EQ(0, w) TH_LOG("GPA 0x%llx", GIB + offs_mb[i] * (1 << 20) + 0xff000);
	}
	if (svxu_dev_is_kvm())
		goto out;
	ASSERT_EQ(0, get_caps(&caps));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st));
	TH_LOG("1 GiB hugetlb slot, %s paging: %llu exits, %llu EPT violations, %llu large EPT entries, %llu of 1 GiB, %llu pages pinned, CPU 1 GiB EPT pages: %s",
	       st.paging == SVX_PAGING_EPT ? "EPT" : "shadow",
	       (unsigned long long)st.misc[SVX_STAT_EXITS],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_VIOLATION],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_LARGE],
	       (unsigned long long)st.mmu[SVX_MMU_EPT_LARGE_1G],
	       (unsigned long long)st.mmu[SVX_MMU_PAGES_PINNED],
	       (caps.flags & SVX_CAP_EPT_1G) ? "yes" : "no");
	if (st.paging == SVX_PAGING_EPT && (caps.flags & SVX_CAP_EPT_1G)) {
		EXPECT_EQ(1, st.mmu[SVX_MMU_EPT_LARGE_1G]);
		EXPECT_EQ(1, st.mmu[SVX_MMU_EPT_LARGE]);
		EXPECT_GE(st.mmu[SVX_MMU_PAGES_PINNED], 1u << 18);
		/* code, stack and the slot's one entry */
		EXPECT_LE(st.mmu[SVX_MMU_EPT_VIOLATION], 4);
		memset(&t, 0, sizeof(t));
		t.version = SVX_WALK_TRACE_VERSION;
		t.size = sizeof(t);
		t.gva = GIB + 0x12345678;
		ASSERT_EQ(0, svxu_ioctl(v->fd, SVX_WALK_TRACE, (unsigned long)&t));
		EXPECT_EQ(GIB + 0x12345678, t.gpa);
		EXPECT_EQ(2, t.host_levels) TH_LOG("EPT levels walked for a 1 GiB leaf");
		EXPECT_EQ(SVX_WT_L_LEAF | SVX_WT_L_LARGE,
			  t.host[2].flags & (SVX_WT_L_LEAF | SVX_WT_L_LARGE))
			TH_LOG("level-3 EPT entry 0x%llx flags 0x%x",
			       (unsigned long long)t.host[2].entry, t.host[2].flags);
	}
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, GIB, 0, mem));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, SVX_GET_VM_STATS, (unsigned long)&st2));
	EXPECT_EQ(0, st2.mmu[SVX_MMU_PAGES_PINNED]);
out:
	munmap(mem, GIB);
}

/*
 * Guest page tables where no writable RAM is: (a) a page table in a
 * read-only memslot whose PTE has A clear; (b) a page table at a GPA no
 * memslot backs.  The guest (long mode) reads through each; a #PF
 * handler reports the error code and CR2 on PORT_RESULT2 and halts.
 * With shadow paging (ours, kvm_intel ept=0) the hypervisor's walker
 * decides, as KVM 6.1's paging_tmpl.h: (a) the read works and A stays
 * clear (a PTE it cannot write is skipped, pte_writable); (b) a
 * not-present #PF, error code 0, CR2 the address.  With EPT the CPU
 * walks; both devices then exit to emulation (kvm_intel's emulator reads
 * the faulting paging-structure GPA for the operand, and so do we): that
 * part is logged, and only an error exit fails it.
 */
#define WE_VA_RO	0x600000ULL	/* PD0[3]: PT in the read-only slot */
#define WE_VA_MMIO	0x800000ULL	/* PD0[4]: PT at SVX_MMIO_GPA */
__asm__(
"	.pushsection .rodata.svx_paging_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_walkedge_start, guest_walkedge_end\n"
"guest_walkedge_start:\n"
GATE64(walkedge, 14, 2f)
"	movabsq	$" XSTR(WE_VA_RO) ", %rsi\n"
"	movl	(%rsi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"	movabsq	$" XSTR(WE_VA_MMIO) ", %rsi\n"
"	movl	(%rsi), %eax\n"
"	outl	%eax, $" XSTR(PORT_RESULT) "\n"
"1:	hlt\n"
"	jmp	1b\n"
"2:	popq	%rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movq	%cr2, %rax\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	jmp	1b\n"
"guest_walkedge_end:\n"
"	.popsection\n");

TEST_F(guest, walk_tables_outside_writable_ram)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint64_t *pd0, *pt;
	bool shadow;
	uint8_t *ro;
	int i, r;

	INIT(walkedge, SVXU_MODE_LONG64);
	shadow = svxu_dev_is_kvm() ? svxu_kvm_intel_param("ept") != 'Y' :
		 svxu_vm_paging(self->g.vm.fd) == SVX_PAGING_SHADOW;
	ro = svxu_alloc(SVX_SLOT1_SIZE);
	ASSERT_NE(NULL, ro);
	pt = (uint64_t *)ro;
	pt[0] = (SVX_DATA + 0x1000) | 3;		/* P RW, A clear */
	*(uint32_t *)(self->g.vm.mem + SVX_DATA + 0x1000) = 0x600d600d;
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, KVM_MEM_READONLY,
				  SVX_SLOT1_GPA, SVX_SLOT1_SIZE, ro));
	pd0 = (uint64_t *)(self->g.vm.mem + SVX_PT + 0x2000);
	pd0[3] = SVX_SLOT1_GPA | 3;
	pd0[4] = SVX_MMIO_GPA | 3;
	if (shadow) {
		ASSERT_OUT32(v, PORT_RESULT, 0x600d600d);	/* (a) */
		EXPECT_EQ((SVX_DATA + 0x1000) | 3, pt[0]);	/* A clear */
		ASSERT_OUT32(v, PORT_RESULT2, 0);		/* (b) #PF */
		ASSERT_OUT32(v, PORT_RESULT2, (uint32_t)WE_VA_MMIO);
		ASSERT_EXIT(v, KVM_EXIT_HLT);
	}
	for (i = 0; !shadow && i < 4; i++) {
		r = svxu_run(v);
		TH_LOG("%s (EPT): KVM_RUN %d, %s", svxu_dev(), r,
		       svxu_exit_str(v->run));
		ASSERT_EQ(0, r);
		ASSERT_NE(KVM_EXIT_INTERNAL_ERROR, v->run->exit_reason);
		if (v->run->exit_reason != KVM_EXIT_IO)
			break;
	}
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_SLOT1_GPA, 0, ro));
	svxu_free(ro, SVX_SLOT1_SIZE);
}

TEST_HARNESS_MAIN
