// SPDX-License-Identifier: GPL-2.0
/*
 * Test library: see svx.h.  Guest entry states follow the Intel SDM's
 * VM-entry checks for a guest WITHOUT unrestricted guest (shadowvmx never
 * uses it): protected mode, flat 4 GiB segments with accessed bits set, a
 * busy 32-bit TSS in TR, an unusable LDTR, SS.DPL == CS.DPL == 0.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SVX_LIB_INTERNAL
#include "svx.h"

const char *svx_dev(void)
{
	const char *d = getenv("SVX_DEV");

	return d && *d ? d : SVX_DEFAULT_DEV;
}

bool svx_dev_is_kvm(void)
{
	return !strcmp(svx_dev(), "/dev/kvm");
}

const char *svx_module(void)
{
	const char *m = getenv("SVX_MODULE");

	if (m && *m)
		return m;
	if (!svx_dev_is_kvm())
		return "shadowvmx";
	return svx_host_is_intel() ? "kvm_intel" : "kvm_amd";
}

bool svx_dev_is_kvm_pvm(void)
{
	return svx_dev_is_kvm() && access("/sys/module/kvm_pvm", F_OK) == 0;
}

bool svx_host_is_intel(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	bool intel = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "vendor_id", 9)) {
			intel = strstr(line, "GenuineIntel") != NULL;
			break;
		}
	}
	fclose(f);
	return intel;
}

char svx_kvm_intel_param(const char *name)
{
	char path[128], c = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/kvm_intel/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

int svx_ioctl(int fd, unsigned long req, unsigned long arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int svx_open_dev(void)
{
	int fd = open(svx_dev(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void *svx_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int svx_set_mem(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return svx_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

int svx_vm_create(struct svx_vm *vm)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->sys_fd = svx_open_dev();
	if (vm->sys_fd < 0)
		return vm->sys_fd;
	vm->fd = svx_ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm->fd;
	r = svx_apply_paging(vm->fd);
	if (r)
		return r;
	vm->mem = svx_alloc(SVX_MEM_SIZE);
	if (!vm->mem)
		return -ENOMEM;
	r = svx_set_mem(vm->fd, 0, 0, 0, SVX_MEM_SIZE, vm->mem);
	return r < 0 ? r : 0;
}

void svx_vm_destroy(struct svx_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	if (vm->mem)
		munmap(vm->mem, SVX_MEM_SIZE);
	vm->fd = vm->sys_fd = -1;
	vm->mem = NULL;
}

/*
 * A small CPUID table, as a VMM would give: the host's vendor, family and
 * address sizes; the features the guests rely on (PSE, PAE, MSR, TSC, PAT,
 * SYSCALL, NX, LM).  KVM needs it for EFER.LME and CR4.PAE to be legal.
 */
int svx_set_default_cpuid(int vcpu_fd)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[5];
	} c;
	unsigned int a, b, cc, d;

	memset(&c, 0, sizeof(c));
	c.h.nent = 5;
	__cpuid(0, a, b, cc, d);
	c.e[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 1,
		.ebx = b, .ecx = cc, .edx = d };
	__cpuid(1, a, b, cc, d);
	c.e[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = a,
		/* FPU PSE TSC MSR PAE CX8 SEP PGE CMOV PAT FXSR SSE SSE2 */
		.edx = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) |
		       (1u << 6) | (1u << 8) | (1u << 11) | (1u << 13) |
		       (1u << 15) | (1u << 16) | (1u << 24) | (1u << 25) |
		       (1u << 26) };
	c.e[2] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
		.eax = 0x80000008 };
	c.e[3] = (struct kvm_cpuid_entry2){ .function = 0x80000001,
		/* SYSCALL NX LM */
		.edx = (1u << 11) | (1u << 20) | (1u << 29) };
	__cpuid(0x80000000, a, b, cc, d);
	if (a >= 0x80000008)
		__cpuid(0x80000008, a, b, cc, d);
	else
		a = 36;
	c.e[4] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
		.eax = (a & 0xff) | (48 << 8) };
	return svx_ioctl(vcpu_fd, KVM_SET_CPUID2, (unsigned long)&c);
}

int svx_vcpu_create(struct svx_vm *vm, int id, struct svx_vcpu *vcpu)
{
	int sz;
	void *p;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = svx_ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return vcpu->fd;
	sz = svx_ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < 0)
		return sz;
	if ((size_t)sz < sizeof(struct kvm_run))
		return -EINVAL;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	vcpu->run = p;
	vcpu->run_size = sz;
	return svx_set_default_cpuid(vcpu->fd);
}

void svx_vcpu_destroy(struct svx_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->dpl = 0;
	s->s = 1;
	s->db = code64 ? 0 : 1;
	s->l = code64;
	s->g = 1;
}

static void real_seg(struct kvm_segment *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

static void put_desc(uint8_t *mem, uint16_t sel, uint64_t d)
{
	memcpy(mem + SVX_GDT + sel, &d, 8);
}

/* Writes the in-memory GDT/TSS/page tables and sets sregs + regs. */
int svx_setup_mode(struct svx_vcpu *vcpu, enum svx_mode mode)
{
	uint8_t *mem = vcpu->vm->mem;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint64_t *pt;
	int r, i;

	/* GDT: flat code32, data, code64, and a busy 32-bit TSS. */
	put_desc(mem, 0, 0);
	put_desc(mem, SVX_SEL_CS32, 0x00cf9b000000ffffULL);
	put_desc(mem, SVX_SEL_DS, 0x00cf93000000ffffULL);
	put_desc(mem, SVX_SEL_CS64, 0x00af9b000000ffffULL);
	put_desc(mem, SVX_SEL_TSS, 0x00008b0000000067ULL |
		 ((uint64_t)SVX_TSS << 16));

	r = svx_ioctl(vcpu->fd, KVM_GET_SREGS, (unsigned long)&sr);
	if (r)
		return r;
	seg(&sr.cs, SVX_SEL_CS32, 0xb, false);
	seg(&sr.ds, SVX_SEL_DS, 0x3, false);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;

	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.base = SVX_TSS;
	sr.tr.limit = 0x67;
	sr.tr.selector = SVX_SEL_TSS;
	sr.tr.type = 11;	/* busy 32-bit (64-bit in long mode) TSS */
	sr.tr.present = 1;

	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.unusable = 1;
	sr.ldt.type = 2;

	sr.gdt.base = SVX_GDT;
	sr.gdt.limit = 5 * 8 - 1;
	sr.idt.base = SVX_IDT;
	sr.idt.limit = 256 * 8 - 1;

	sr.cr0 = 0x31;		/* PE | ET | NE */
	sr.cr2 = 0;
	sr.cr3 = 0;
	sr.cr4 = 0;
	sr.efer = 0;

	if (mode == SVX_MODE_LONG64 || mode == SVX_MODE_REAL16) {
		/* PML4 -> PDPT -> 4 PDs of 2 MiB pages: identity 0..4 GiB. */
		pt = (uint64_t *)(mem + SVX_PT);
		memset(pt, 0, 6 * 4096);
		pt[0] = (SVX_PT + 0x1000) | 0x3;
		for (i = 0; i < 4; i++)
			pt[512 + i] = (SVX_PT + 0x2000 + i * 0x1000) | 0x3;
		for (i = 0; i < 4 * 512; i++)
			pt[1024 + i] = ((uint64_t)i << 21) | 0x83;
		seg(&sr.cs, SVX_SEL_CS64, 0xb, true);
		sr.cr3 = SVX_PT;
		sr.cr4 = 0x20;				/* PAE */
		sr.cr0 = 0x80010031;			/* PG WP NE ET PE */
		sr.efer = 0x500;			/* LME | LMA */
	}
	if (mode == SVX_MODE_REAL16) {
		/*
		 * Real mode (needs unrestricted guest): the page tables above
		 * are for the guest's own switch to long mode.  Segments as
		 * KVM's RESET state, with CS base 0.
		 */
		real_seg(&sr.cs, 0xb);
		real_seg(&sr.ds, 0x3);
		sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
		real_seg(&sr.tr, 0xb);
		sr.tr.s = 0;
		sr.ldt.unusable = 0;
		sr.ldt.present = 1;
		sr.ldt.limit = 0xffff;
		sr.idt.base = 0;
		sr.idt.limit = 0x3ff;
		sr.cr0 = 0x10;		/* ET */
		sr.cr3 = 0;
		sr.cr4 = 0;
		sr.efer = 0;
	}
	r = svx_ioctl(vcpu->fd, KVM_SET_SREGS, (unsigned long)&sr);
	if (r)
		return r;

	memset(&regs, 0, sizeof(regs));
	regs.rip = SVX_CODE;
	regs.rsp = SVX_STACK;
	regs.rflags = 0x2;
	return svx_ioctl(vcpu->fd, KVM_SET_REGS, (unsigned long)&regs);
}

void svx_load(struct svx_vm *vm, struct svx_code code)
{
	memcpy(vm->mem + SVX_CODE, code.start, code.len);
}

int svx_run(struct svx_vcpu *vcpu)
{
	return svx_ioctl(vcpu->fd, KVM_RUN, 0);
}

int svx_get_msr(int vcpu_fd, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };
	int r = svx_ioctl(vcpu_fd, KVM_GET_MSRS, (unsigned long)&m);

	if (r == 1) {
		*val = m.e.data;
		return 0;
	}
	return r < 0 ? r : -EIO;
}

int svx_set_msr(int vcpu_fd, uint32_t index, uint64_t val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = val };
	int r = svx_ioctl(vcpu_fd, KVM_SET_MSRS, (unsigned long)&m);

	return r == 1 ? 0 : r < 0 ? r : -EIO;
}

int svx_guest_init(struct svx_guest *g, struct svx_code code, enum svx_mode mode)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->vcpu.fd = -1;
	r = svx_vm_create(&g->vm);
	if (r)
		return r;
	r = svx_vcpu_create(&g->vm, 0, &g->vcpu);
	if (r)
		return r;
	g->run = g->vcpu.run;
	svx_load(&g->vm, code);
	return svx_setup_mode(&g->vcpu, mode);
}

void svx_guest_fini(struct svx_guest *g)
{
	svx_vcpu_destroy(&g->vcpu);
	svx_vm_destroy(&g->vm);
}

uint32_t svx_io_value(const struct kvm_run *run)
{
	const uint8_t *p = (const uint8_t *)run + run->io.data_offset;
	uint32_t v = 0;

	memcpy(&v, p, run->io.size <= 4 ? run->io.size : 4);
	return v;
}

void svx_io_set(struct kvm_run *run, uint32_t val)
{
	uint8_t *p = (uint8_t *)run + run->io.data_offset;

	memcpy(p, &val, run->io.size <= 4 ? run->io.size : 4);
}

const char *svx_exit_str(const struct kvm_run *run)
{
	static __thread char buf[256];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, sizeof(buf),
			 "exit IO %s port 0x%x size %u count %u value 0x%x",
			 run->io.direction ? "out" : "in", run->io.port,
			 run->io.size, run->io.count,
			 run->io.direction ? svx_io_value(run) : 0);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, sizeof(buf),
			 "exit MMIO %s gpa 0x%llx len %u data 0x%llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 *(unsigned long long *)run->mmio.data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf),
			 "exit FAIL_ENTRY reason 0x%llx cpu %u",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf),
			 "exit INTERNAL_ERROR suberror %u ndata %u data0 0x%llx",
			 run->internal.suberror, run->internal.ndata,
			 (unsigned long long)run->internal.data[0]);
		break;
	default:
		snprintf(buf, sizeof(buf), "exit reason %u", run->exit_reason);
	}
	return buf;
}

const char *svx_paging(void)
{
	const char *p = getenv("SVX_PAGING");

	return p && *p ? p : NULL;
}

int svx_apply_paging(int vm_fd)
{
	const char *p = svx_paging();
	unsigned long mode;

	/* /dev/kvm picks its paging with kvm_intel's ept= parameter. */
	if (!p || svx_dev_is_kvm())
		return 0;
	if (!strcmp(p, "ept"))
		mode = SVX_PAGING_EPT;
	else if (!strcmp(p, "shadow"))
		mode = SVX_PAGING_SHADOW;
	else
		return -EINVAL;
	return svx_ioctl(vm_fd, SVX_SET_PAGING, mode);
}

int svx_vm_paging(int vm_fd)
{
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };
	int r = svx_ioctl(vm_fd, SVX_GET_VM_STATS, (unsigned long)&st);

	return r < 0 ? r : (int)st.paging;
}

int svx_has_stats(int vm_fd)
{
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };
	int r = svx_ioctl(vm_fd, SVX_GET_VM_STATS, (unsigned long)&st);

	return r == -ENOTTY ? 0 : 1;
}
