// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun's core: see core.h.  It owns the messages on stderr and the
 * guest's console on stdout (one buffer, flushed before each message so
 * the two stay in order), the clock, the runner's exit counters, and the
 * VM's setup through libsvxu: device, VM, paging mode, RAM, vCPU 0, CPUID,
 * and the initial CPU state.
 *
 * shadowvmx runs guests without unrestricted-guest mode, so the initial
 * state must pass the VM-entry guest-state checks (SDM Vol. 3 26.3.1) of a
 * CPU without it: protected mode, accessed segment types, CS.DPL = SS.DPL
 * = 0, a busy TSS in TR, LDTR unusable (libsvxu's svxu_vcpu_set_mode, with
 * the runner's layout of core.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/shadowvmx.h>

#include "core.h"

/* Linux's 64-bit boot protocol wants __BOOT_CS 0x10 and __BOOT_DS 0x18 */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18
#define LINUX_SEL_CODE	0x10
#define LINUX_SEL_DATA	0x18
#define LINUX_SEL_TSS	0x20

struct svxr_counts svxr_counts;

/* ---- messages, guest output, clock --------------------------------------- */

static void vmsg(bool flush, const char *fmt, va_list ap)
{
	if (flush)
		svxr_out_flush();
	fputs("svxrun: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void svxr_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(true, fmt, ap);
	va_end(ap);
}

/* Like svxr_msg, but leaves the guest's partial output line buffered. */
void svxr_trace(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(false, fmt, ap);
	va_end(ap);
}

void svxr_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(true, fmt, ap);
	va_end(ap);
	exit(SVXR_EXIT_USAGE);
}

static char out_buf[4096];
static size_t out_len;

void svxr_out_flush(void)
{
	size_t off = 0;

	while (off < out_len) {
		ssize_t n = write(STDOUT_FILENO, out_buf + off,
				  out_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* stdout gone: drop the output */
		off += n;
	}
	out_len = 0;
}

void svxr_out_putc(uint8_t c)
{
	out_buf[out_len++] = c;
	if (c == '\n' || out_len == sizeof(out_buf))
		svxr_out_flush();
}

uint64_t svxr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* ---- the VM -------------------------------------------------------------- */

static void set_paging(struct svxr_vm *vm, int mode)
{
	const char *name = svxu_paging_name(mode);
	int r = svxu_set_paging(vm->kvm.fd, mode);

	if (!r) {
		if (vm->trace)
			svxr_msg("paging: %s", name);
		return;
	}
	if (r == -ENOTTY && !svxu_has_stats(vm->kvm.fd)) {
		svxr_msg("--paging %s: %s is not shadowvmx; its paging mode is chosen by kvm_intel's ept= module parameter (/sys/module/kvm_intel/parameters/ept), continuing",
			name, vm->kvm.dev);
		return;
	}
	svxr_die("--paging %s: SVX_SET_PAGING refused by %s: %s%s", name,
		 vm->kvm.dev, strerror(-r),
		 r == -EOPNOTSUPP ? " (no usable EPT on this CPU, see dmesg)" :
		 r == -ENOTTY ? " (module without SVX_SET_PAGING)" : "");
}

void svxr_vm_open(struct svxr_vm *vm, const char *dev, uint64_t mem_size,
		  int paging)
{
	int r, thp_err = 0;

	r = svxu_vm_open(&vm->kvm, dev);
	if (r == -EPROTO)
		svxr_die("%s: KVM_GET_API_VERSION: not %d", dev, KVM_API_VERSION);
	if (r && !strcmp(svxu_last_op(), "open"))
		svxr_die("%s: %s", dev, strerror(-r));
	if (r)
		svxr_die("%s: %s: %s", dev, svxu_last_op(), strerror(-r));
	if (paging >= 0)
		set_paging(vm, paging);

	r = svxu_vm_add_ram(&vm->kvm, mem_size, vm->thp, &thp_err);
	if (thp_err)
		svxr_msg("--thp: madvise(MADV_HUGEPAGE): %s", strerror(thp_err));
	if (r && !vm->kvm.mem)
		svxr_die("cannot map %" PRIu64 " bytes of guest memory: %s",
			 mem_size, strerror(-r));
	if (r)
		svxr_die("%s: KVM_SET_USER_MEMORY_REGION (0x%" PRIx64 " bytes at GPA 0): %s",
			 dev, mem_size, strerror(-r));

	/*
	 * --irqchip: the device's interrupt controllers and PIT (KVM's order:
	 * before the first vCPU; the PIT with port 0x61, as QEMU asks).
	 */
	if (vm->irqchip) {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vm->kvm.fd, KVM_CREATE_IRQCHIP, 0) < 0)
			svxr_die("%s: KVM_CREATE_IRQCHIP (--irqchip): %s", dev,
				 strerror(errno));
		if (ioctl(vm->kvm.fd, KVM_CREATE_PIT2, &pit) < 0)
			svxr_die("%s: KVM_CREATE_PIT2 (--irqchip): %s", dev,
				 strerror(errno));
	}

	/* Real mode without unrestricted guest runs on a TSS (vm86). */
	r = svxu_vm_set_tss(&vm->kvm);
	if (!r)
		r = svxu_vcpu_open(&vm->kvm, 0, &vm->vcpu);
	if (r)
		svxr_die("%s: %s: %s", dev, svxu_last_op(), strerror(-r));
}

/*
 * CPUID: what the device supports when it says so, else a small table of
 * our own: an Intel family 6 CPU with the basic features and long mode.
 */
static const struct kvm_cpuid_entry2 builtin_cpuid[] = {
	/* max basic leaf 1, "GenuineIntel" */
	{ .function = 0, .eax = 1,
	  .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e },
	/* family 6 model 0x2a stepping 7; CLFLUSH 64 bytes; SSE3 PCID
	 * HYPERVISOR; FPU DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT CLFSH MMX
	 * FXSR SSE SSE2 */
	{ .function = 1, .eax = 0x000206a7, .ebx = 0x00000800,
	  .ecx = (1u << 0) | (1u << 17) | (1u << 31),
	  .edx = 0x0781a97d },
	{ .function = 0x80000000, .eax = 0x80000008 },
	/* LAHF; SYSCALL NX LM */
	{ .function = 0x80000001, .ecx = 1u << 0,
	  .edx = (1u << 11) | (1u << 20) | (1u << 29) },
	/* 36 physical, 48 virtual address bits */
	{ .function = 0x80000008, .eax = 0x3024 },
};

/*
 * What the runner's board cannot back without --irqchip: no local APIC (so
 * hide APIC, x2APIC and the TSC-deadline timer: Linux then runs on the PIC
 * and PIT), no PMU (leaf 0xa zeroed), and of KVM's paravirtual leaves
 * (0x40000000-0x400000ff) only the signature and kvmclock's features
 * (CLOCKSOURCE, CLOCKSOURCE2, CLOCKSOURCE_STABLE_BIT), what both devices
 * offer: the rest (PV EOI, steal time, async PF...) differs between them.
 * With --irqchip the device backs all of it: its table goes to the guest
 * as it is (but for --cpuid-baseline).  Either way CPUID.1 gets the
 * HYPERVISOR bit, which only the VMM sets (as QEMU does).
 */
#define KVMCLOCK_FEATURES	((1u << 0) | (1u << 3) | (1u << 24))

static void filter_cpuid(struct kvm_cpuid2 *cpuid, bool board, bool baseline)
{
	unsigned int i, n = 0;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (board && e->function == 0x40000001) {
			e->eax &= KVMCLOCK_FEATURES;
			e->ebx = e->ecx = e->edx = 0;
		} else if (board && e->function > 0x40000000 &&
			   e->function <= 0x400000ff) {
			continue;
		} else if (board && e->function == 0x40000000) {
			e->eax = 0x40000001;
		}
		if (e->function == 1) {
			/* a VMM's own bit (as QEMU's): Linux looks for PV leaves */
			e->ecx |= 1u << 31;			/* HYPERVISOR */
		}
		if (board && e->function == 1) {
			e->edx &= ~(1u << 9);			/* APIC */
			e->ecx &= ~((1u << 21) | (1u << 24));	/* x2APIC, TSC-deadline */
		}
		if (board && e->function == 0xa)
			e->eax = e->ebx = e->ecx = e->edx = 0;
		if (baseline && e->function == 1)	/* FMA MOVBE XSAVE OSXSAVE AVX F16C RDRAND */
			e->ecx &= ~((1u << 12) | (1u << 22) | (1u << 26) |
				    (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30));
		if (baseline && e->function == 7 && e->index == 0) {
			e->ebx &= (1u << 0) | (1u << 9);	/* FSGSBASE, ERMS only */
			e->ecx = e->edx = 0;
		}
		if (baseline && e->function == 0xd)
			e->eax = e->ebx = e->ecx = e->edx = 0;
		if (baseline && e->function == 0x80000001)	/* ABM SSE4A XOP FMA4 TBM */
			e->ecx &= ~((1u << 5) | (1u << 6) | (1u << 11) |
				    (1u << 16) | (1u << 21));
		cpuid->entries[n++] = *e;
	}
	cpuid->nent = n;
}

void svxr_setup_cpuid(struct svxr_vm *vm, bool builtin, bool baseline)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int nent = 64;
	const char *src = "built-in table";

	if (!builtin &&
	    ioctl(vm->kvm.sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID) > 0) {
		for (; nent <= 4096; nent *= 2) {
			free(cpuid);
			cpuid = calloc(1, sizeof(*cpuid) +
					  nent * sizeof(cpuid->entries[0]));
			if (!cpuid)
				svxr_die("out of memory");
			cpuid->nent = nent;
			if (!ioctl(vm->kvm.sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
				src = "KVM_GET_SUPPORTED_CPUID";
				break;
			}
			if (errno != E2BIG)
				break;
		}
		if (strcmp(src, "KVM_GET_SUPPORTED_CPUID")) {
			svxr_msg("KVM_GET_SUPPORTED_CPUID: %s; using the built-in CPUID table",
				strerror(errno));
			free(cpuid);
			cpuid = NULL;
		}
	}
	if (!cpuid) {
		nent = sizeof(builtin_cpuid) / sizeof(builtin_cpuid[0]);
		cpuid = calloc(1, sizeof(*cpuid) +
				  nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			svxr_die("out of memory");
		cpuid->nent = nent;
		memcpy(cpuid->entries, builtin_cpuid, sizeof(builtin_cpuid));
	}

	filter_cpuid(cpuid, !vm->irqchip, baseline);
	/*
	 * As QEMU: the supported table has no TSC-deadline bit; a VMM with
	 * the in-kernel local APIC sets it when KVM_CAP_TSC_DEADLINE_TIMER
	 * says that APIC has the mode.
	 */
	if (vm->irqchip && !baseline &&
	    ioctl(vm->kvm.fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
		for (unsigned int i = 0; i < cpuid->nent; i++)
			if (cpuid->entries[i].function == 1)
				cpuid->entries[i].ecx |= 1u << 24;
	if (ioctl(vm->vcpu.fd, KVM_SET_CPUID2, cpuid) < 0) {
		if (errno != ENOTTY)
			svxr_die("%s: KVM_SET_CPUID2 (%s, %u entries): %s", vm->kvm.dev,
			    src, cpuid->nent, strerror(errno));
		svxr_msg("%s: KVM_SET_CPUID2 not supported, guest sees the device's default CPUID",
			vm->kvm.dev);
	} else if (vm->trace) {
		svxr_msg("CPUID: %u entries from the %s", cpuid->nent, src);
	}
	free(cpuid);
}

/* ---- the CPU ------------------------------------------------------------- */

void svxr_setup_cpu(struct svxr_vm *vm, const struct svxr_boot *b)
{
	uint16_t sel_code = b->linux_gdt ? LINUX_SEL_CODE : SEL_CODE;
	struct svxu_layout l = {
		.gdt = SVXR_GDT_GPA,
		.gdt_clear = 0x40,
		.sel_code32 = sel_code,
		.sel_code64 = sel_code,
		.sel_data = b->linux_gdt ? LINUX_SEL_DATA : SEL_DATA,
		.sel_tss = b->linux_gdt ? LINUX_SEL_TSS : SEL_TSS,
		.tss_desc_size = 16,
		.tss = SVXR_TSS_GPA,
		.tss_init = true,
		.idt = SVXR_IDT_GPA,
		.idt_long = true,
		.pt = SVXR_PML4_GPA,
		.pt_min_gib = 4,
		.pt_end = SVXR_STACK_LOW,	/* 64 GiB of RAM at most */
		.pm32_cr0 = 0x11,		/* PE | ET */
		.stack = SVXR_STACK_TOP,
	};
	struct svxu_boot ub = {
		.mode = b->mode,
		.entry = b->entry,
		.rax = b->regs[0],
		.rbx = b->regs[1],
		.rsi = b->regs[2],
		.rsp = b->regs[3],
	};
	int r;

	/* real mode: CS:IP reaches the entry point, RPL 0 as SS's (Bochs
	 * checks it) */
	if (b->mode == SVXU_MODE_REAL16)
		ub.real_cs = (b->entry >> 4 > 0xffff ? 0xffff : b->entry >> 4) & ~3;
	r = svxu_vcpu_set_mode(&vm->vcpu, &l, &ub);
	if (r == -E2BIG)
		svxr_die("internal error: too many page directories");
	if (r && !strcmp(svxu_last_op(), "KVM_SET_SREGS"))
		svxr_die("%s: KVM_SET_SREGS (%s): %s", vm->kvm.dev,
			 svxu_mode_name(b->mode), strerror(-r));
	if (r)
		svxr_die("%s: %s: %s", vm->kvm.dev, svxu_last_op(), strerror(-r));
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr,
		"  %-3s sel %04x base %016llx limit %08x type %x s %u dpl %u p %u db %u l %u g %u avl %u%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->s, s->dpl, s->present, s->db, s->l, s->g, s->avl,
		s->unusable ? " unusable" : "");
}

void svxr_dump_state(struct svxr_vm *vm)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	svxr_out_flush();
	if (ioctl(vm->vcpu.fd, KVM_GET_REGS, &r) < 0) {
		fprintf(stderr, "svxrun: KVM_GET_REGS: %s\n", strerror(errno));
	} else {
		fprintf(stderr,
			"  rip %016llx rsp %016llx rflags %08llx\n"
			"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
			"  rsi %016llx rdi %016llx rbp %016llx\n"
			"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
			"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
			r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx,
			r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11,
			r.r12, r.r13, r.r14, r.r15);
	}
	if (ioctl(vm->vcpu.fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "svxrun: KVM_GET_SREGS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %llx apic_base %llx\n",
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.apic_base);
	dump_seg("cs", &s.cs);
	dump_seg("ds", &s.ds);
	dump_seg("es", &s.es);
	dump_seg("fs", &s.fs);
	dump_seg("gs", &s.gs);
	dump_seg("ss", &s.ss);
	dump_seg("tr", &s.tr);
	dump_seg("ldt", &s.ldt);
	fprintf(stderr, "  gdt base %016llx limit %04x  idt base %016llx limit %04x\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
}
