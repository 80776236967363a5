/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsvxu: the userspace side of shadowvmx that the runner (tools/runner),
 * the selftests (selftests/) and the tools built on them share.  Host side
 * only; the guest side is guest/svxu_guest.h.
 *
 * It owns: the device named by SVX_DEV (default /dev/shadowvmx) and facts
 * about the host; the fd chain system -> VM -> vCPU with its mmapped
 * struct kvm_run; memslots and guest RAM; the paging-mode extension
 * (SVX_SET_PAGING, the SVX_PAGING environment variable), the stats ioctls
 * and KVM's binary stats; single-MSR get/set; the entry states a guest can
 * start in (real mode, 32-bit protected mode with paging off, 64-bit long
 * mode on identity page tables) written into guest memory and the vCPU for
 * a caller-given layout; names of KVM exit reasons, internal-error
 * suberrors and VMX basic exit reasons, and a one-line description of an
 * exit.
 *
 * Names are svxu_ / SVXU_ so that they never meet the kernel module's
 * svx_ / SVX_ ones (those of uapi/linux/shadowvmx.h are used as they are).
 * Functions return 0 (or an fd / a count) or a negative errno and never
 * print or exit: the callers decide what a failure means.
 */
#ifndef SVXU_H
#define SVXU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <linux/shadowvmx.h>

#define SVXU_DEFAULT_DEV	"/dev/shadowvmx"

/* ---- environment -------------------------------------------------------- */
const char *svxu_dev(void);		/* SVX_DEV, else SVXU_DEFAULT_DEV */
bool svxu_dev_is_kvm(void);		/* svxu_dev() is /dev/kvm (the oracle) */
/* /dev/kvm provided by kvm_pvm (a paravirtual KVM backend) */
bool svxu_dev_is_kvm_pvm(void);
/* SVX_MODULE, else the module behind svxu_dev() */
const char *svxu_module(void);
bool svxu_host_is_intel(void);		/* /proc/cpuinfo vendor_id GenuineIntel */
/* kvm_intel module parameter as 'Y'/'N' (first byte), or 0 if unreadable */
char svxu_kvm_intel_param(const char *name);
/* the same for any module's parameter (bools read 'Y'/'N') */
char svxu_module_param(const char *module, const char *name);
/*
 * SVX_PAGING=shadow|ept: the paging mode svxu_vm_create() gives every VM
 * (ignored on /dev/kvm, whose mode is kvm_intel's ept= parameter), or NULL.
 */
const char *svxu_paging(void);
/* "shadow" / "ept" -> enum svx_paging value; -1 if neither */
int svxu_paging_parse(const char *name);
const char *svxu_paging_name(int mode);	/* "shadow", "ept" or "?" */

/* ---- device, VM, memory ------------------------------------------------- */
struct svxu_vm {
	const char *dev;	/* device path */
	int sys_fd;
	int fd;
	uint8_t *mem;		/* slot 0 at GPA 0, mem_size bytes */
	uint64_t mem_size;
	void *mem_map;		/* the mapping mem lies in (munmap) */
	size_t mem_map_size;
};

struct svxu_vcpu {
	struct svxu_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	size_t run_size;
};

/*
 * What the last failing call of this library attempted, for messages
 * ("KVM_CREATE_VM", "mmap kvm_run", ...); set before each step.
 */
const char *svxu_last_op(void);

int svxu_ioctl(int fd, unsigned long req, unsigned long arg);	/* r or -errno */
int svxu_open_path(const char *path);	/* fd or -errno */
int svxu_open_dev(void);		/* svxu_open_path(svxu_dev()) */

/* page-aligned anonymous memory (MAP_NORESERVE), NULL on failure */
void *svxu_alloc(size_t size);
void svxu_free(void *p, size_t size);
int svxu_set_mem(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		 uint64_t size, void *hva);

/* empty: every fd -1, no memory (svxu_vm_destroy() is then a no-op) */
void svxu_vm_init(struct svxu_vm *vm);
/*
 * Open dev (NULL: svxu_dev()), check KVM_GET_API_VERSION, KVM_CREATE_VM.
 * On error vm keeps what was opened (svxu_vm_destroy() releases it).
 */
int svxu_vm_open(struct svxu_vm *vm, const char *dev);
/* RAM for slot 0 at GPA 0; thp: 2 MiB aligned and MADV_HUGEPAGE (advice
 * refused: not an error, *thp_err gets the errno if non-NULL) */
int svxu_vm_add_ram(struct svxu_vm *vm, uint64_t size, bool thp, int *thp_err);
/*
 * The selftests' VM: svxu_vm_open(svxu_dev()), the SVX_PAGING mode
 * (svxu_apply_paging), then mem_size bytes of RAM in slot 0.
 */
int svxu_vm_create(struct svxu_vm *vm, uint64_t mem_size);
void svxu_vm_destroy(struct svxu_vm *vm);
/*
 * KVM_SET_TSS_ADDR at SVXU_RMODE_TSS_GPA, before the first vCPU, as QEMU
 * and kvmtool do: real mode without unrestricted guest (kvm_intel ept=0,
 * /dev/shadowvmx in shadow mode) runs in vm86 on a TSS there.
 */
#define SVXU_RMODE_TSS_GPA	0xfffbd000u
int svxu_vm_set_tss(struct svxu_vm *vm);

/* KVM_CREATE_VCPU and the kvm_run mapping; the vCPU's CPUID is untouched */
int svxu_vcpu_open(struct svxu_vm *vm, int id, struct svxu_vcpu *vcpu);
/* svxu_vcpu_open + svxu_set_default_cpuid */
int svxu_vcpu_create(struct svxu_vm *vm, int id, struct svxu_vcpu *vcpu);
void svxu_vcpu_destroy(struct svxu_vcpu *vcpu);
/*
 * A small CPUID table, as a VMM would give: the host's vendor, family and
 * address sizes; PSE, PAE, MSR, TSC, PAT, SYSCALL, NX, LM.
 */
int svxu_set_default_cpuid(int vcpu_fd);
int svxu_run(struct svxu_vcpu *vcpu);	/* KVM_RUN: 0 or -errno */
int svxu_get_msr(int vcpu_fd, uint32_t index, uint64_t *val);
int svxu_set_msr(int vcpu_fd, uint32_t index, uint64_t val);

/* ---- shadowvmx extensions ----------------------------------------------- */
int svxu_set_paging(int vm_fd, int mode);	/* SVX_SET_PAGING */
int svxu_apply_paging(int vm_fd);	/* svxu_paging() on a non-KVM device */
/* SVX_GET_VM_STATS / SVX_GET_VCPU_STATS into *st (size clamped) */
int svxu_get_stats(int fd, unsigned long req, struct svx_stats *st);
/* enum svx_paging of a VM (SVX_GET_VM_STATS), or -errno (-ENOTTY: KVM) */
int svxu_vm_paging(int vm_fd);
int svxu_has_stats(int vm_fd);		/* 1 if the VM fd answers, else 0 */

/* ---- KVM binary stats (KVM_GET_STATS_FD) ------------------------------ */
struct svxu_kvm_stats {
	int fd;				/* the stats fd, -1: not open */
	struct kvm_stats_header hdr;
	size_t desc_size;		/* one descriptor with its name */
	char *descs;			/* hdr.num_desc of them */
};

/* The stats fd of a VM or vCPU fd and its descriptors (names
 * NUL-terminated); on error s->fd is -1 and nothing is held. */
int svxu_kvm_stats_open(struct svxu_kvm_stats *s, int fd);
void svxu_kvm_stats_close(struct svxu_kvm_stats *s);
struct kvm_stats_desc *svxu_kvm_stats_desc(const struct svxu_kvm_stats *s,
					   unsigned int i);
/* data offset of the single-value stat called name, or -1 */
int64_t svxu_kvm_stats_find(const struct svxu_kvm_stats *s, const char *name);
/* the u64 at data offset off: 0 or -errno (-EIO: short read) */
int svxu_kvm_stats_read(const struct svxu_kvm_stats *s, int64_t off,
			uint64_t *val);

/*
 * The vCPU's VM exits so far on any device: KVM's binary stat "exits",
 * else SVX_GET_VCPU_STATS; -1 if neither answers.
 */
long long svxu_vcpu_exits(int vcpu_fd);

/* ---- entry states -------------------------------------------------------- */
/*
 * PM32: 32-bit protected mode, paging off.  LONG64: long mode on identity
 * page tables.  REAL16: real mode (needs unrestricted guest).  All pass the
 * VM-entry checks of a CPU without unrestricted guest where they can: flat
 * segments with accessed types, CS.DPL = SS.DPL = 0, a busy TSS in TR, an
 * unusable LDTR.
 */
enum svxu_mode { SVXU_MODE_PM32, SVXU_MODE_LONG64, SVXU_MODE_REAL16 };

const char *svxu_mode_name(enum svxu_mode mode);	/* prot32 long64 real16 */

/*
 * Where a caller keeps the CPU tables in guest memory.  The GDT holds the
 * null descriptor, a flat 32-bit code segment at sel_code32 (written unless
 * the mode is long64 and sel_code64 == sel_code32), a flat 64-bit one at
 * sel_code64, flat data at sel_data and a busy TSS at sel_tss
 * (tss_desc_size 8, or 16 with the upper half of a 64-bit descriptor);
 * limit sel_tss + tss_desc_size - 1.
 */
struct svxu_layout {
	uint64_t gdt;
	unsigned int gdt_clear;		/* bytes zeroed first (0: none) */
	uint16_t sel_code32, sel_code64, sel_data, sel_tss;
	unsigned int tss_desc_size;
	uint64_t tss;			/* TSS base (limit 0x67) */
	bool tss_init;			/* write RSP0/ESP0:SS0 = stack, no
					 * I/O bitmap, into the TSS */
	uint64_t idt;			/* IDT base: 256 gates */
	bool idt_long;			/* long64: 16-byte gates in the limit */
	uint64_t pt;			/* PML4; PDPT +0x1000, PDs after it */
	unsigned int pt_min_gib;	/* identity map max(this, RAM) GiB */
	uint64_t pt_end;		/* the tables end below (0: RAM end) */
	bool pt_real16;			/* real16 gets the tables too */
	uint64_t pm32_cr0;		/* CR0 of PM32 (PE | ET, +NE?) */
	uint64_t stack;			/* default RSP */
};

struct svxu_boot {
	enum svxu_mode mode;
	uint64_t entry;			/* GPA of the first instruction */
	uint16_t real_cs;		/* real16: CS selector (base << 4) */
	uint64_t rax, rbx, rsi, rsp;	/* rsp 0: layout->stack */
};

/* identity map of max(min_gib, mem_size) GiB with 2 MiB pages at pt; the
 * GiB count, or -E2BIG if the tables would end beyond limit */
int svxu_identity_map(uint8_t *mem, uint64_t mem_size, uint64_t pt,
		      unsigned int min_gib, uint64_t limit);
/* An 8-byte GDT descriptor for a kvm_segment. */
uint64_t svxu_gdt_desc(const struct kvm_segment *s);
struct kvm_segment svxu_flat_seg(uint16_t sel, uint8_t type, bool code64);
/* real-mode segment: base sel << 4, limit 0xffff */
void svxu_real_seg(struct kvm_segment *s, uint16_t sel, uint8_t type);
/* Tables in vm->mem, then KVM_SET_SREGS and KVM_SET_REGS (RFLAGS 0x2). */
int svxu_vcpu_set_mode(struct svxu_vcpu *vcpu, const struct svxu_layout *l,
		       const struct svxu_boot *b);

/* ---- names --------------------------------------------------------------- */
const char *svxu_kvm_exit_name(uint32_t reason);	/* "IO", "HLT", "?" */
const char *svxu_vmx_exit_name(unsigned int basic);	/* "CPUID", "?" */
const char *svxu_internal_suberror_name(uint32_t suberror);
/* One line about the last exit, for failure messages (thread-local). */
const char *svxu_exit_str(const struct kvm_run *run);
/* An IO exit's data (size 1/2/4, first element), read or written. */
uint32_t svxu_io_value(const struct kvm_run *run);
void svxu_io_set(struct kvm_run *run, uint32_t val);

#endif /* SVXU_H */
