// SPDX-License-Identifier: GPL-2.0
/*
 * libsvxu, host side: environment, device, VM, vCPU, memory, MSRs and the
 * shadowvmx extension ioctls.  See svxu.h.
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

#include "svxu.h"
#include "svxu_int.h"

#define THP_SIZE	(2ULL << 20)

static __thread const char *last_op = "";

const char *svxu_last_op(void)
{
	return last_op;
}

void svxu_set_last_op(const char *op)
{
	last_op = op;
}

/* ---- environment -------------------------------------------------------- */

const char *svxu_dev(void)
{
	const char *d = getenv("SVX_DEV");

	return d && *d ? d : SVXU_DEFAULT_DEV;
}

bool svxu_dev_is_kvm(void)
{
	return !strcmp(svxu_dev(), "/dev/kvm");
}

bool svxu_dev_is_kvm_pvm(void)
{
	return svxu_dev_is_kvm() && access("/sys/module/kvm_pvm", F_OK) == 0;
}

const char *svxu_module(void)
{
	const char *m = getenv("SVX_MODULE");

	if (m && *m)
		return m;
	if (!svxu_dev_is_kvm())
		return "shadowvmx";
	return svxu_host_is_intel() ? "kvm_intel" : "kvm_amd";
}

bool svxu_host_is_intel(void)
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

char svxu_kvm_intel_param(const char *name)
{
	return svxu_module_param("kvm_intel", name);
}

char svxu_module_param(const char *module, const char *name)
{
	char path[160], c = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module,
		 name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

const char *svxu_paging(void)
{
	const char *p = getenv("SVX_PAGING");

	return p && *p ? p : NULL;
}

int svxu_paging_parse(const char *name)
{
	if (!strcmp(name, "shadow"))
		return SVX_PAGING_SHADOW;
	if (!strcmp(name, "ept"))
		return SVX_PAGING_EPT;
	return -1;
}

const char *svxu_paging_name(int mode)
{
	return mode == SVX_PAGING_EPT ? "ept" :
	       mode == SVX_PAGING_SHADOW ? "shadow" : "?";
}

/* ---- device, VM, memory ------------------------------------------------- */

int svxu_ioctl(int fd, unsigned long req, unsigned long arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int svxu_op_ioctl(const char *op, int fd, unsigned long req,
		  unsigned long arg)
{
	last_op = op;
	return svxu_ioctl(fd, req, arg);
}

int svxu_open_path(const char *path)
{
	int fd;

	last_op = "open";
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int svxu_open_dev(void)
{
	return svxu_open_path(svxu_dev());
}

void *svxu_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void svxu_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

int svxu_set_mem(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return OP_IOCTL(vm_fd, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

void svxu_vm_init(struct svxu_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->sys_fd = vm->fd = -1;
}

int svxu_vm_open(struct svxu_vm *vm, const char *dev)
{
	int r;

	svxu_vm_init(vm);
	vm->dev = dev ? dev : svxu_dev();
	vm->sys_fd = svxu_open_path(vm->dev);
	if (vm->sys_fd < 0)
		return vm->sys_fd;
	r = OP_IOCTL(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (r < 0)
		return r;
	if (r != KVM_API_VERSION)
		return -EPROTO;
	vm->fd = OP_IOCTL(vm->sys_fd, KVM_CREATE_VM, 0);
	return vm->fd < 0 ? vm->fd : 0;
}

int svxu_vm_add_ram(struct svxu_vm *vm, uint64_t size, bool thp, int *thp_err)
{
	size_t map = size + (thp ? THP_SIZE : 0);
	uint8_t *raw;

	last_op = "mmap guest memory";
	raw = svxu_alloc(map);
	if (!raw)
		return -errno;
	vm->mem_map = raw;
	vm->mem_map_size = map;
	vm->mem = raw;
	vm->mem_size = size;
	if (thp) {
		/* 2 MiB aligned, so EPT can map it with 2 MiB entries. */
		vm->mem = (uint8_t *)(((uintptr_t)raw + THP_SIZE - 1) &
				      ~(uintptr_t)(THP_SIZE - 1));
		if (madvise(vm->mem, size, MADV_HUGEPAGE) < 0 && thp_err)
			*thp_err = errno;
	}
	return svxu_set_mem(vm->fd, 0, 0, 0, size, vm->mem);
}

int svxu_vm_create(struct svxu_vm *vm, uint64_t mem_size)
{
	int r = svxu_vm_open(vm, svxu_dev());

	if (r)
		return r;
	last_op = "SVX_SET_PAGING";
	r = svxu_apply_paging(vm->fd);
	if (r)
		return r;
	return svxu_vm_add_ram(vm, mem_size, false, NULL);
}

int svxu_vm_set_tss(struct svxu_vm *vm)
{
	last_op = "KVM_SET_TSS_ADDR";
	return OP_IOCTL(vm->fd, KVM_SET_TSS_ADDR, SVXU_RMODE_TSS_GPA);
}

void svxu_vm_destroy(struct svxu_vm *vm)
{
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	svxu_free(vm->mem_map, vm->mem_map_size);
	vm->fd = vm->sys_fd = -1;
	vm->mem = vm->mem_map = NULL;
}

int svxu_vcpu_open(struct svxu_vm *vm, int id, struct svxu_vcpu *vcpu)
{
	int sz;
	void *p;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = OP_IOCTL(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return vcpu->fd;
	sz = OP_IOCTL(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < 0)
		return sz;
	if ((size_t)sz < sizeof(struct kvm_run))
		return -EINVAL;
	last_op = "mmap kvm_run";
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	vcpu->run = p;
	vcpu->run_size = sz;
	return 0;
}

int svxu_vcpu_create(struct svxu_vm *vm, int id, struct svxu_vcpu *vcpu)
{
	int r = svxu_vcpu_open(vm, id, vcpu);

	return r ? r : svxu_set_default_cpuid(vcpu->fd);
}

void svxu_vcpu_destroy(struct svxu_vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int svxu_set_default_cpuid(int vcpu_fd)
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
	return OP_IOCTL(vcpu_fd, KVM_SET_CPUID2, (unsigned long)&c);
}

int svxu_run(struct svxu_vcpu *vcpu)
{
	return svxu_ioctl(vcpu->fd, KVM_RUN, 0);
}

int svxu_get_msr(int vcpu_fd, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };
	int r = svxu_ioctl(vcpu_fd, KVM_GET_MSRS, (unsigned long)&m);

	if (r == 1) {
		*val = m.e.data;
		return 0;
	}
	return r < 0 ? r : -EIO;
}

int svxu_set_msr(int vcpu_fd, uint32_t index, uint64_t val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = val };
	int r = svxu_ioctl(vcpu_fd, KVM_SET_MSRS, (unsigned long)&m);

	return r == 1 ? 0 : r < 0 ? r : -EIO;
}

/* ---- shadowvmx extensions ----------------------------------------------- */

int svxu_set_paging(int vm_fd, int mode)
{
	return OP_IOCTL(vm_fd, SVX_SET_PAGING, (unsigned long)mode);
}

int svxu_apply_paging(int vm_fd)
{
	const char *p = svxu_paging();
	int mode;

	/* /dev/kvm picks its paging with kvm_intel's ept= parameter. */
	if (!p || svxu_dev_is_kvm())
		return 0;
	mode = svxu_paging_parse(p);
	if (mode < 0)
		return -EINVAL;
	return svxu_set_paging(vm_fd, mode);
}

int svxu_get_stats(int fd, unsigned long req, struct svx_stats *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	st->version = SVX_STATS_VERSION;
	st->size = sizeof(*st);
	r = svxu_ioctl(fd, req, (unsigned long)st);
	if (r < 0)
		return r;
	if (st->size > sizeof(*st))
		st->size = sizeof(*st);
	return 0;
}

int svxu_vm_paging(int vm_fd)
{
	struct svx_stats st;
	int r = svxu_get_stats(vm_fd, SVX_GET_VM_STATS, &st);

	return r < 0 ? r : (int)st.paging;
}

int svxu_has_stats(int vm_fd)
{
	struct svx_stats st;

	return svxu_get_stats(vm_fd, SVX_GET_VM_STATS, &st) == -ENOTTY ? 0 : 1;
}
