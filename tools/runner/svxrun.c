// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun - a thin KVM-API runner for shadowvmx (and any KVM device).
 *
 * It owns: argument parsing, the VM (one memory slot at GPA 0, one vCPU),
 * loading flat binaries, the initial CPU state (32-bit protected mode with
 * paging off, or 64-bit long mode on identity-mapped page tables), CPUID,
 * the KVM_RUN loop and the diagnosis of fatal exits.  Device models live in
 * devices.c, the counters printer in stats.c.
 *
 * shadowvmx runs guests without unrestricted-guest mode, so the initial state
 * must pass the VM-entry guest-state checks (SDM Vol. 3 26.3.1) of a CPU
 * without it: protected mode, accessed segment types, CS.DPL = SS.DPL = 0, a
 * busy TSS in TR, LDTR unusable.
 *
 * Guest-physical layout owned by the runner (below SVXR_SYS_END):
 *   0x1000  GDT: 0x08 code, 0x10 data, 0x18 TSS
 *   0x2000  TSS (no I/O bitmap)
 *   0x3000  IDT (all entries not present: any exception ends in a shutdown)
 *   0x4000  PML4, 0x5000 PDPT, 0x6000.. one PD per GiB (long64 only)
 *   0x80000 initial stack pointer (stack grows down to 0x70000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <poll.h>
#include <time.h>
#include <linux/shadowvmx.h>

#include "svxrun.h"

#define THP_SIZE	(2ULL << 20)
#include "devices.h"

/* Being added to uapi/linux/shadowvmx.h: paging mode of a VM, before its
 * first vCPU; the argument is the enum svx_paging value itself. */
#ifndef SVX_SET_PAGING
#define SVX_SET_PAGING		_IO(SVXIO, 0x03)
#endif

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)
#define GiB		(1ULL << 30)

#define SVXR_GDT_GPA	0x1000
#define SVXR_TSS_GPA	0x2000
#define SVXR_IDT_GPA	0x3000
#define SVXR_PML4_GPA	0x4000
#define SVXR_PDPT_GPA	0x5000
#define SVXR_PD_GPA	0x6000
#define SVXR_STACK_LOW	0x70000
#define SVXR_STACK_TOP	0x80000
#define SVXR_SYS_END	SVXR_STACK_TOP

#define SVXR_SEL_CODE	0x08
#define SVXR_SEL_DATA	0x10
#define SVXR_SEL_TSS	0x18
/* Linux's 64-bit boot protocol wants __BOOT_CS 0x10 and __BOOT_DS 0x18 */
#define SVXR_LINUX_SEL_CODE	0x10
#define SVXR_LINUX_SEL_DATA	0x18
#define SVXR_LINUX_SEL_TSS	0x20

#define SVXR_DEFAULT_MEM		(16 * MiB)
#define SVXR_DEFAULT_LINUX_MEM	(256 * MiB)
#define SVXR_MIN_MEM		(1 * MiB)
#define SVXR_MAX_MEM		(64 * GiB)
#define SVXR_DEFAULT_LOAD	0x100000
#define SVXR_MAX_LOADS		16

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

struct svxr_load {
	const char *file;
	uint64_t gpa;
	uint64_t size;		/* filled when loaded */
};

struct svxr_opts {
	const char *dev;
	uint64_t mem_size;
	bool mem_set;
	enum svxr_mode mode;
	bool mode_set;
	const char *kernel;		/* --kernel or positional GUEST */
	enum svxr_image_kind kind;
	const char *append;
	const char *initrd;
	int paging;			/* -1: device default */
	bool no_stdin;
	bool entry_set;
	uint64_t entry;
	bool stats;
	bool trace;
	bool ktrace;			/* --trace: tracepoints (walk.c) */
	const char *walk;		/* --walk GVA[:ACC],... (walk.c) */
	uint64_t walk_at;		/* --walk-at-exit N, 0: at the end */
	bool json;
	bool builtin_cpuid;
	bool cpuid_baseline;
	bool thp;
	const char *blk;		/* --blk FILE: svxblk backing file */
	uint64_t max_exits;
	unsigned int timeout;
	struct svxr_load loads[SVXR_MAX_LOADS];
	unsigned int nr_loads;
};

static volatile sig_atomic_t timed_out;
static struct kvm_run *volatile alarm_run;

void svxr_msg(const char *fmt, ...)
{
	va_list ap;

	svxr_serial_flush();
	fputs("svxrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Like svxr_msg, but leaves the guest's partial output line buffered. */
void svxr_trace(const char *fmt, ...)
{
	va_list ap;

	fputs("svxrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void svxr_die(const char *fmt, ...)
{
	va_list ap;

	svxr_serial_flush();
	fputs("svxrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(SVXR_EXIT_USAGE);
}

#define die svxr_die

static void usage(FILE *f)
{
	fprintf(f,
"usage: svxrun [options] [GUEST]\n"
"\n"
"Run a guest on a KVM-API device (/dev/shadowvmx, /dev/kvm).  GUEST (or\n"
"--kernel) is detected: a Linux bzImage (64-bit boot protocol), a multiboot\n"
"v1 image (ELF32, e.g. kvm-unit-tests' x86/*.flat) or a flat binary loaded\n"
"at GPA 0x100000 (the entry point unless --entry).\n"
"\n"
"options:\n"
"  --dev PATH         device (default $SVX_DEV, else /dev/shadowvmx)\n"
"  --kernel FILE      the guest image (same as GUEST)\n"
"  --append STRING    kernel / multiboot command line arguments\n"
"  --initrd FILE      Linux initrd, or multiboot module\n"
"  --mem SIZE         guest RAM at GPA 0, K/M/G suffix (default 16M,\n"
"                     256M for a bzImage)\n"
"  --paging MODE      shadow or ept (SVX_SET_PAGING; on /dev/kvm the mode is\n"
"                     kvm_intel's ept= parameter)\n"
"  --load FILE@GPA    also load FILE at GPA (repeatable)\n"
"  --mode MODE        flat binaries: prot32 (32-bit, paging off; default)\n"
"                     long64, or real16 (real mode; needs unrestricted\n"
"                     guest: EPT mode or kvm_intel)\n"
"  --thp              back guest RAM with transparent huge pages (2 MiB\n"
"                     aligned, MADV_HUGEPAGE)\n"
"  --entry GPA        flat binaries: initial RIP (default: GUEST's, else\n"
"                     the first --load)\n"
"  --no-stdin         do not feed stdin to the UART\n"
"  --stats            print the device's and the runner's counters at exit\n"
"  --walk GVA[:ACC][,...]  after the guest stops, show each GVA's translation\n"
"                     (SVX_WALK_TRACE; ACC r w x ur uw ux, default r)\n"
"  --walk-at-exit N   ... after the Nth exit instead\n"
"  --json             --walk as JSON, one object per GVA\n"
"  --trace            print the module's tracepoints (events/shadowvmx) live\n"
"  --blk FILE         back the svxblk block device (ports 0x5e0, IRQ 5) with FILE\n"
"  --max-exits N      stop after N exits to userspace (status %d)\n"
"  --timeout SECS     stop after SECS seconds (status %d)\n"
"  --trace-exits      log every exit on stderr\n"
"  --builtin-cpuid    use svxrun's small CPUID table even if the device\n"
"                     offers KVM_GET_SUPPORTED_CPUID\n"
"  --cpuid-baseline   hide VEX-encoded and XSAVE features (AVX*, BMI*, FMA,\n"
"                     MOVBE, RDRAND, XSAVE) for hosts that emulate guest\n"
"                     kernel code with KVM's instruction emulator (kvm_pvm)\n"
"  -h, --help         this text\n"
"\n"
"exit status: 0 guest halted with IF=0; (v << 1) | 1 guest wrote v to port\n"
"  0xf4; %d usage/setup error, %d shutdown (triple fault), %d entry failure,\n"
"  %d internal error, %d other exit or KVM_RUN error, %d i8042 reset.\n",
		SVXR_EXIT_MAX_EXITS, SVXR_EXIT_TIMEOUT, SVXR_EXIT_USAGE,
		SVXR_EXIT_SHUTDOWN, SVXR_EXIT_FAIL_ENTRY, SVXR_EXIT_INTERNAL,
		SVXR_EXIT_UNHANDLED, SVXR_EXIT_RESET);
}

/* Parse an unsigned number (decimal, 0x hex, 0 octal); false if malformed. */
static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

/* A size: number with an optional K, M or G suffix (powers of 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
	char buf[64];
	size_t len = strlen(s);
	unsigned int shift = 0;
	uint64_t v;

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len + 1);
	switch (buf[len - 1]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	}
	if (shift)
		buf[len - 1] = '\0';
	if (!parse_u64(buf, &v) || v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static void parse_args(int argc, char **argv, struct svxr_opts *o)
{
	static const struct option longopts[] = {
		{ "dev",	 required_argument, NULL, 'd' },
		{ "mem",	 required_argument, NULL, 'm' },
		{ "load",	 required_argument, NULL, 'l' },
		{ "mode",	 required_argument, NULL, 'M' },
		{ "thp",	 no_argument,	    NULL, 'H' },
		{ "entry",	 required_argument, NULL, 'e' },
		{ "stats",	 no_argument,	    NULL, 's' },
		{ "max-exits",	 required_argument, NULL, 'x' },
		{ "timeout",	 required_argument, NULL, 't' },
		{ "trace-exits", no_argument,	    NULL, 'T' },
		{ "builtin-cpuid", no_argument,	    NULL, 'C' },
		{ "kernel",	 required_argument, NULL, 'k' },
		{ "append",	 required_argument, NULL, 'a' },
		{ "initrd",	 required_argument, NULL, 'i' },
		{ "paging",	 required_argument, NULL, 'P' },
		{ "no-stdin",	 no_argument,	    NULL, 'N' },
		{ "cpuid-baseline", no_argument,    NULL, 'B' },
		{ "walk",	 required_argument, NULL, 'W' },
		{ "walk-at-exit", required_argument, NULL, 'X' },
		{ "json",	 no_argument,	    NULL, 'J' },
		{ "trace",	 no_argument,	    NULL, 'K' },
		{ "blk",	 required_argument, NULL, 'b' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ }
	};
	const char *env = getenv("SVX_DEV");
	uint64_t v;
	char *at;
	int c;

	memset(o, 0, sizeof(*o));
	o->dev = env && *env ? env : "/dev/shadowvmx";
	o->mem_size = SVXR_DEFAULT_MEM;
	o->mode = MODE_PROT32;
	o->paging = -1;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				die("--dev: empty path");
			o->dev = optarg;
			break;
		case 'm':
			if (!parse_size(optarg, &o->mem_size))
				die("--mem: bad size '%s' (expected e.g. 16M, 512K, 0x1000000)",
				    optarg);
			if (o->mem_size < SVXR_MIN_MEM || o->mem_size > SVXR_MAX_MEM)
				die("--mem: %s out of range (1M .. 64G)", optarg);
			if (o->mem_size & 0xfff)
				die("--mem: %s is not a multiple of 4K", optarg);
			o->mem_set = true;
			break;
		case 'k':
			if (o->kernel)
				die("--kernel: only one guest image");
			o->kernel = optarg;
			break;
		case 'a':
			o->append = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'P':
			if (!strcmp(optarg, "shadow"))
				o->paging = SVX_PAGING_SHADOW;
			else if (!strcmp(optarg, "ept"))
				o->paging = SVX_PAGING_EPT;
			else
				die("--paging: unknown mode '%s' (shadow or ept)",
				    optarg);
			break;
		case 'N':
			o->no_stdin = true;
			break;
		case 'B':
			o->cpuid_baseline = true;
			break;
		case 'l':
			/* one slot stays free for the positional GUEST */
			if (o->nr_loads == SVXR_MAX_LOADS - 1)
				die("--load: at most %d files", SVXR_MAX_LOADS - 1);
			at = strrchr(optarg, '@');
			if (!at || at == optarg)
				die("--load: expected FILE@GPA, got '%s'", optarg);
			*at = '\0';
			if (!parse_u64(at + 1, &v))
				die("--load: bad GPA '%s'", at + 1);
			o->loads[o->nr_loads].file = optarg;
			o->loads[o->nr_loads].gpa = v;
			o->nr_loads++;
			break;
		case 'M':
			if (!strcmp(optarg, "prot32"))
				o->mode = MODE_PROT32;
			else if (!strcmp(optarg, "long64"))
				o->mode = MODE_LONG64;
			else if (!strcmp(optarg, "real16"))
				o->mode = MODE_REAL16;
			else
				die("--mode: unknown mode '%s' (prot32, long64 or real16)",
				    optarg);
			o->mode_set = true;
			break;
		case 'H':
			o->thp = true;
			break;
		case 'e':
			if (!parse_u64(optarg, &o->entry))
				die("--entry: bad GPA '%s'", optarg);
			o->entry_set = true;
			break;
		case 'W':
			o->walk = optarg;
			break;
		case 'X':
			if (!parse_u64(optarg, &o->walk_at) || !o->walk_at)
				die("--walk-at-exit: bad number '%s'", optarg);
			break;
		case 'J':
			o->json = true;
			break;
		case 'K':
			o->ktrace = true;
			break;
		case 'b':
			o->blk = optarg;
			break;
		case 's':
			o->stats = true;
			break;
		case 'x':
			if (!parse_u64(optarg, &o->max_exits) || !o->max_exits)
				die("--max-exits: expected a positive number, got '%s'",
				    optarg);
			break;
		case 't':
			if (!parse_u64(optarg, &v) || !v || v > 86400)
				die("--timeout: expected 1 .. 86400 seconds, got '%s'",
				    optarg);
			o->timeout = v;
			break;
		case 'T':
			o->trace = true;
			break;
		case 'C':
			o->builtin_cpuid = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(SVXR_EXIT_USAGE);
		}
	}

	if (argc - optind > 1)
		die("only one GUEST argument allowed (use --load FILE@GPA for more)");
	if (optind < argc && o->kernel)
		die("give the guest either as GUEST or as --kernel, not both");
	if (optind < argc)
		o->kernel = argv[optind];
	o->kind = IMG_FLAT;
	if (o->kernel)
		o->kind = svxr_detect_image(o->kernel);
	if (o->kind != IMG_FLAT) {
		if (o->mode_set || o->entry_set)
			die("--mode and --entry apply to flat binaries; %s is a %s image",
			    o->kernel, svxr_image_kind_name(o->kind));
		if (o->kind == IMG_BZIMAGE && !o->mem_set)
			o->mem_size = SVXR_DEFAULT_LINUX_MEM;
		if (o->kind == IMG_MULTIBOOT)
			o->mode = MODE_PROT32;
		else
			o->mode = MODE_LONG64;
		return;		/* the loader sets the entry */
	}
	if (o->initrd)
		die("--initrd needs a bzImage or multiboot GUEST (%s is flat)",
		    o->kernel ? o->kernel : "no GUEST");
	if (o->kernel) {
		/* the positional guest goes first: it provides the entry */
		memmove(&o->loads[1], &o->loads[0],
			o->nr_loads * sizeof(o->loads[0]));
		o->loads[0].file = o->kernel;
		o->loads[0].gpa = SVXR_DEFAULT_LOAD;
		o->nr_loads++;
	}
	if (!o->nr_loads)
		die("nothing to run: give a GUEST file or --load FILE@GPA (see --help)");
	if (!o->entry_set)
		o->entry = o->loads[0].gpa;

	if (o->entry >= o->mem_size)
		die("entry point 0x%" PRIx64 " is outside guest memory (0x%" PRIx64 " bytes)",
		    o->entry, o->mem_size);
	if (o->mode == MODE_REAL16 && o->entry > 0xfffc0 + 0xffff)
		die("entry point 0x%" PRIx64 " is not reachable in real16 mode (max 0x10ffbf)",
		    o->entry);
	if (o->mode == MODE_PROT32 && o->entry > UINT32_MAX)
		die("entry point 0x%" PRIx64 " is not reachable in prot32 mode",
		    o->entry);
	if (o->entry < SVXR_SYS_END)
		die("entry point 0x%" PRIx64 " is inside the runner's area 0-0x%x",
		    o->entry, SVXR_SYS_END - 1);
}

static void load_file(struct svxr_vm *vm, struct svxr_load *l)
{
	struct stat st;
	uint64_t off = 0;
	int fd;

	fd = open(l->file, O_RDONLY);
	if (fd < 0)
		die("%s: %s", l->file, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("%s: %s", l->file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", l->file);
	if (!st.st_size)
		die("%s: empty file", l->file);
	l->size = st.st_size;
	if (l->gpa < SVXR_SYS_END)
		die("%s: load address 0x%" PRIx64 " overlaps the runner's area 0-0x%x (GDT, TSS, IDT, page tables, stack)",
		    l->file, l->gpa, SVXR_SYS_END - 1);
	if (l->gpa >= vm->mem_size || l->size > vm->mem_size - l->gpa)
		die("%s: %" PRIu64 " bytes at 0x%" PRIx64 " do not fit in guest memory (0x%" PRIx64 " bytes, see --mem)",
		    l->file, l->size, l->gpa, vm->mem_size);

	while (off < l->size) {
		ssize_t n = read(fd, vm->mem + l->gpa + off, l->size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: read: %s", l->file,
			    n ? strerror(errno) : "short read");
		off += n;
	}
	close(fd);
}

static void check_overlaps(const struct svxr_opts *o)
{
	for (unsigned int i = 0; i < o->nr_loads; i++)
		for (unsigned int j = i + 1; j < o->nr_loads; j++) {
			const struct svxr_load *a = &o->loads[i], *b = &o->loads[j];

			if (a->gpa < b->gpa + b->size && b->gpa < a->gpa + a->size)
				die("%s@0x%" PRIx64 " and %s@0x%" PRIx64 " overlap",
				    a->file, a->gpa, b->file, b->gpa);
		}
}

/* Is this shadowvmx?  Its VM fds answer SVX_GET_VM_STATS. */
static bool is_shadowvmx(struct svxr_vm *vm)
{
	struct svx_stats st;

	memset(&st, 0, sizeof(st));
	st.version = SVX_STATS_VERSION;
	st.size = sizeof(st);
	return ioctl(vm->vmfd, SVX_GET_VM_STATS, &st) == 0 || errno != ENOTTY;
}

static void set_paging(struct svxr_vm *vm, int mode)
{
	const char *name = mode == SVX_PAGING_EPT ? "ept" : "shadow";

	if (!ioctl(vm->vmfd, SVX_SET_PAGING, (unsigned long)mode)) {
		if (vm->trace)
			svxr_msg("paging: %s", name);
		return;
	}
	if (errno == ENOTTY && !is_shadowvmx(vm)) {
		svxr_msg("--paging %s: %s is not shadowvmx; its paging mode is chosen by kvm_intel's ept= module parameter (/sys/module/kvm_intel/parameters/ept), continuing",
			name, vm->dev);
		return;
	}
	die("--paging %s: SVX_SET_PAGING refused by %s: %s%s", name, vm->dev,
	    strerror(errno),
	    errno == EOPNOTSUPP ? " (no usable EPT on this CPU, see dmesg)" :
	    errno == ENOTTY ? " (module without SVX_SET_PAGING)" : "");
}

static void open_vm(struct svxr_vm *vm, int paging)
{
	struct kvm_userspace_memory_region region;
	int ret, mmap_size;

	vm->sysfd = open(vm->dev, O_RDWR | O_CLOEXEC);
	if (vm->sysfd < 0)
		die("%s: %s", vm->dev, strerror(errno));
	ret = ioctl(vm->sysfd, KVM_GET_API_VERSION, NULL);
	if (ret != KVM_API_VERSION)
		die("%s: KVM_GET_API_VERSION returned %d%s%s (expected %d)",
		    vm->dev, ret, ret < 0 ? ": " : "",
		    ret < 0 ? strerror(errno) : "", KVM_API_VERSION);

	vm->vmfd = ioctl(vm->sysfd, KVM_CREATE_VM, 0UL);
	if (vm->vmfd < 0)
		die("%s: KVM_CREATE_VM: %s", vm->dev, strerror(errno));
	if (paging >= 0)
		set_paging(vm, paging);

	if (vm->thp) {
		/* 2 MiB aligned, so EPT can map it with 2 MiB entries. */
		uint8_t *raw = mmap(NULL, vm->mem_size + THP_SIZE,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				    -1, 0);

		if (raw == MAP_FAILED)
			die("cannot map %" PRIu64 " bytes of guest memory: %s",
			    vm->mem_size, strerror(errno));
		vm->mem = (uint8_t *)(((uintptr_t)raw + THP_SIZE - 1) &
				      ~(uintptr_t)(THP_SIZE - 1));
		if (madvise(vm->mem, vm->mem_size, MADV_HUGEPAGE) < 0)
			svxr_msg("--thp: madvise(MADV_HUGEPAGE): %s",
				strerror(errno));
	} else {
		vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (vm->mem == MAP_FAILED)
			die("cannot map %" PRIu64 " bytes of guest memory: %s",
			    vm->mem_size, strerror(errno));
	}

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vmfd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("%s: KVM_SET_USER_MEMORY_REGION (0x%" PRIx64 " bytes at GPA 0): %s",
		    vm->dev, vm->mem_size, strerror(errno));

	vm->vcpufd = ioctl(vm->vmfd, KVM_CREATE_VCPU, 0UL);
	if (vm->vcpufd < 0)
		die("%s: KVM_CREATE_VCPU: %s", vm->dev, strerror(errno));

	mmap_size = ioctl(vm->sysfd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (mmap_size < (int)sizeof(struct kvm_run))
		die("%s: KVM_GET_VCPU_MMAP_SIZE returned %d%s%s", vm->dev,
		    mmap_size, mmap_size < 0 ? ": " : "",
		    mmap_size < 0 ? strerror(errno) : "");
	vm->run_size = mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpufd, 0);
	if (vm->run == MAP_FAILED)
		die("%s: cannot mmap the vCPU's kvm_run: %s", vm->dev,
		    strerror(errno));
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
 * What the runner's board cannot back: no local APIC (no in-kernel irqchip,
 * so hide APIC, x2APIC and the TSC-deadline timer: Linux then runs on the
 * PIC and PIT), no PMU (leaf 0xa zeroed), and no KVM paravirtual leaves
 * (0x40000000-0x400000ff: kvmclock, PV EOI... differ between devices).
 */
static void filter_cpuid(struct kvm_cpuid2 *cpuid, bool baseline)
{
	unsigned int i, n = 0;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function >= 0x40000000 && e->function <= 0x400000ff)
			continue;
		if (e->function == 1) {
			e->edx &= ~(1u << 9);			/* APIC */
			e->ecx &= ~((1u << 21) | (1u << 24));	/* x2APIC, TSC-deadline */
		}
		if (e->function == 0xa)
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

static void setup_cpuid(struct svxr_vm *vm, bool builtin, bool baseline)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int nent = 64;
	const char *src = "built-in table";

	if (!builtin &&
	    ioctl(vm->sysfd, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID) > 0) {
		for (; nent <= 4096; nent *= 2) {
			free(cpuid);
			cpuid = calloc(1, sizeof(*cpuid) +
					  nent * sizeof(cpuid->entries[0]));
			if (!cpuid)
				die("out of memory");
			cpuid->nent = nent;
			if (!ioctl(vm->sysfd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
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
			die("out of memory");
		cpuid->nent = nent;
		memcpy(cpuid->entries, builtin_cpuid, sizeof(builtin_cpuid));
	}

	filter_cpuid(cpuid, baseline);
	if (ioctl(vm->vcpufd, KVM_SET_CPUID2, cpuid) < 0) {
		if (errno != ENOTTY)
			die("%s: KVM_SET_CPUID2 (%s, %u entries): %s", vm->dev,
			    src, cpuid->nent, strerror(errno));
		svxr_msg("%s: KVM_SET_CPUID2 not supported, guest sees the device's default CPUID",
			vm->dev);
	} else if (vm->trace) {
		svxr_msg("CPUID: %u entries from the %s", cpuid->nent, src);
	}
	free(cpuid);
}

static struct kvm_segment make_seg(uint16_t sel, uint8_t type, bool code64)
{
	struct kvm_segment s = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};

	return s;
}

/* Encode a kvm_segment as an 8-byte GDT descriptor. */
static uint64_t gdt_entry(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;
	uint64_t d;

	d = (limit & 0xffff) | ((s->base & 0xffffff) << 16);
	d |= (uint64_t)(s->type & 0xf) << 40;
	d |= (uint64_t)s->s << 44;
	d |= (uint64_t)(s->dpl & 3) << 45;
	d |= (uint64_t)s->present << 47;
	d |= ((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)s->avl << 52;
	d |= (uint64_t)s->l << 53;
	d |= (uint64_t)s->db << 54;
	d |= (uint64_t)s->g << 55;
	d |= ((s->base >> 24) & 0xff) << 56;
	return d;
}

static void put_u64(struct svxr_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->mem + gpa, &v, sizeof(v));
}

/* Identity map max(4 GiB, guest memory) with 2 MiB pages. */
static uint64_t build_page_tables(struct svxr_vm *vm)
{
	uint64_t nr_gib = (vm->mem_size + GiB - 1) / GiB;

	if (nr_gib < 4)
		nr_gib = 4;
	/* SVXR_MAX_MEM keeps the PDs below the stack */
	if (SVXR_PD_GPA + nr_gib * 0x1000 > SVXR_STACK_LOW)
		die("internal error: too many page directories");

	put_u64(vm, SVXR_PML4_GPA, SVXR_PDPT_GPA | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < nr_gib; i++) {
		uint64_t pd = SVXR_PD_GPA + i * 0x1000;

		put_u64(vm, SVXR_PDPT_GPA + i * 8, pd | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put_u64(vm, pd + j * 8, (i * GiB + j * 2 * MiB) |
				PTE_P | PTE_RW | PTE_PS);
	}
	return SVXR_PML4_GPA;
}

static void real_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

static void setup_cpu(struct svxr_vm *vm, const struct svxr_boot *b)
{
	bool lm = b->mode == MODE_LONG64;
	uint16_t sel_code = b->linux_gdt ? SVXR_LINUX_SEL_CODE : SVXR_SEL_CODE;
	uint16_t sel_data = b->linux_gdt ? SVXR_LINUX_SEL_DATA : SVXR_SEL_DATA;
	uint16_t sel_tss = b->linux_gdt ? SVXR_LINUX_SEL_TSS : SVXR_SEL_TSS;
	struct kvm_segment code, data, tr = { }, ldt = { };
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vm->vcpufd, KVM_GET_SREGS, &sregs) < 0)
		die("%s: KVM_GET_SREGS: %s", vm->dev, strerror(errno));

	code = make_seg(sel_code, 0xb, lm);	/* execute/read, accessed */
	data = make_seg(sel_data, 0x3, false);	/* read/write, accessed */

	tr.base = SVXR_TSS_GPA;
	tr.limit = 0x67;
	tr.selector = sel_tss;
	tr.type = 0xb;		/* busy 32-bit / 64-bit TSS */
	tr.present = 1;

	ldt.selector = 0;
	ldt.type = 0x2;
	ldt.unusable = 1;

	/* GDT in guest memory, matching the hidden state loaded below */
	memset(vm->mem + SVXR_GDT_GPA, 0, 0x40);
	put_u64(vm, SVXR_GDT_GPA + sel_code, gdt_entry(&code));
	put_u64(vm, SVXR_GDT_GPA + sel_data, gdt_entry(&data));
	put_u64(vm, SVXR_GDT_GPA + sel_tss, gdt_entry(&tr));
	put_u64(vm, SVXR_GDT_GPA + sel_tss + 8, tr.base >> 32);
	/* TSS: I/O map base past the limit (no bitmap), RSP0 = stack top */
	put_u64(vm, SVXR_TSS_GPA + 0x60, (uint64_t)0x68 << 48);
	if (lm)
		put_u64(vm, SVXR_TSS_GPA + 4, SVXR_STACK_TOP);
	else
		put_u64(vm, SVXR_TSS_GPA + 4, SVXR_STACK_TOP |
			((uint64_t)sel_data << 32));	/* ESP0, SS0 */

	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tr;
	sregs.ldt = ldt;
	sregs.gdt.base = SVXR_GDT_GPA;
	sregs.gdt.limit = sel_tss + 16 - 1;
	sregs.idt.base = SVXR_IDT_GPA;
	sregs.idt.limit = lm ? 256 * 16 - 1 : 256 * 8 - 1;

	if (lm) {
		sregs.cr3 = build_page_tables(vm);
		sregs.cr4 = X86_CR4_PAE;
		sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
			    X86_CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
	} else {
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
		sregs.efer = 0;
	}
	sregs.cr2 = 0;

	if (b->mode == MODE_REAL16) {
		/*
		 * RESET-like real mode; CS:IP reaches the entry point.  The
		 * selector's RPL is 0, like SS's (Bochs checks it).
		 */
		uint16_t sel = (b->entry >> 4 > 0xffff ? 0xffff :
				b->entry >> 4) & ~3;

		real_seg(&sregs.cs, sel, 0xb);
		real_seg(&sregs.ds, 0, 0x3);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		real_seg(&sregs.tr, 0, 0xb);
		sregs.tr.s = 0;
		real_seg(&sregs.ldt, 0, 0x2);
		sregs.ldt.s = 0;
		sregs.idt.base = 0;
		sregs.idt.limit = 0x3ff;
		sregs.cr0 = X86_CR0_ET;
		sregs.cr3 = sregs.cr4 = sregs.efer = 0;
	}
	if (ioctl(vm->vcpufd, KVM_SET_SREGS, &sregs) < 0)
		die("%s: KVM_SET_SREGS (%s): %s", vm->dev,
		    b->mode == MODE_REAL16 ? "real16" :
		    lm ? "long64" : "prot32", strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = b->entry - (b->mode == MODE_REAL16 ? sregs.cs.base : 0);
	regs.rax = b->regs[0];
	regs.rbx = b->regs[1];
	regs.rsi = b->regs[2];
	regs.rsp = b->regs[3] ? b->regs[3] : SVXR_STACK_TOP;
	if (ioctl(vm->vcpufd, KVM_SET_REGS, &regs) < 0)
		die("%s: KVM_SET_REGS: %s", vm->dev, strerror(errno));
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr,
		"  %-3s sel %04x base %016llx limit %08x type %x s %u dpl %u p %u db %u l %u g %u avl %u%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->s, s->dpl, s->present, s->db, s->l, s->g, s->avl,
		s->unusable ? " unusable" : "");
}

static void dump_state(struct svxr_vm *vm)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	svxr_serial_flush();
	if (ioctl(vm->vcpufd, KVM_GET_REGS, &r) < 0) {
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
	if (ioctl(vm->vcpufd, KVM_GET_SREGS, &s) < 0) {
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

static const char *const kvm_exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
};

static const char *kvm_exit_name(uint32_t reason)
{
	if (reason < sizeof(kvm_exit_names) / sizeof(kvm_exit_names[0]) &&
	    kvm_exit_names[reason])
		return kvm_exit_names[reason];
	return "?";
}

static const char *internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "EMULATION (instruction emulation failed)";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "SIMUL_EX (exception while delivering an exception)";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "DELIVERY_EV (exit while delivering an event)";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "UNEXPECTED_EXIT_REASON";
	default:
		return "?";
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
	alarm(1);	/* in case the signal raced with entering KVM_RUN */
}

/*
 * Timer kick: a POSIX timer on CLOCK_MONOTONIC fires SIGUSR1 at the board's
 * next timer event, so a guest that runs without exiting still gets its
 * PIT interrupts.  The handler only sets immediate_exit; the loop clears it
 * before looking at the devices, so a kick that arrives after the look
 * makes the next KVM_RUN return at once (EINTR) instead of being lost.
 */
static timer_t kick_timer;
static bool kick_timer_ok;
static uint64_t kick_armed_at;

static void on_kick(int sig)
{
	(void)sig;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static void setup_kick(struct svxr_vm *vm)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_kick };

	alarm_run = vm->run;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    timer_create(CLOCK_MONOTONIC, &sev, &kick_timer) < 0) {
		svxr_msg("cannot create the timer kick (%s): timer interrupts only at exits",
			strerror(errno));
		return;
	}
	kick_timer_ok = true;
}

static void arm_kick(uint64_t when)
{
	struct itimerspec its = { };

	if (!kick_timer_ok || when == kick_armed_at)
		return;
	kick_armed_at = when;
	its.it_value.tv_sec = when / NSEC_PER_SEC;
	its.it_value.tv_nsec = when % NSEC_PER_SEC;
	timer_settime(kick_timer, TIMER_ABSTIME, &its, NULL);
}

/* Runner-side counters: exits by KVM exit reason, injections, halts. */
#define NR_KVM_EXITS	64
static uint64_t exit_counts[NR_KVM_EXITS];
static uint64_t nr_injected, nr_halt_waits;
static uint64_t t_start;

void svxr_runner_counts(uint64_t *io, uint64_t *mmio, uint64_t *injected)
{
	*io = exit_counts[KVM_EXIT_IO];
	*mmio = exit_counts[KVM_EXIT_MMIO];
	*injected = nr_injected;
}

static void print_runner_stats(uint64_t nr_exits)
{
	double secs = (svxr_now_ns() - t_start) / 1e9;

	fprintf(stderr, "svxrun: exits to userspace: %" PRIu64 " in %.3f s\n",
		nr_exits, secs);
	for (unsigned int i = 0; i < NR_KVM_EXITS; i++)
		if (exit_counts[i])
			fprintf(stderr, "  KVM_EXIT_%-20s %" PRIu64 "\n",
				kvm_exit_name(i), exit_counts[i]);
	fprintf(stderr, "  interrupts injected      %" PRIu64 "\n"
			"  halts waited (IF=1)      %" PRIu64 "\n",
		nr_injected, nr_halt_waits);
	svxr_board_print_stats();
}

/* HLT with IF=1: sleep until an interrupt is pending.  False if no event
 * can ever come (no timer armed, no input). */
static bool wait_for_interrupt(void)
{
	for (;;) {
		uint64_t now = svxr_now_ns(), next;
		struct pollfd pfd;
		struct timespec ts;
		int fd;

		svxr_board_poll(now);
		if (svxr_board_irq_pending() || timed_out)
			return true;
		next = svxr_board_next_event();
		fd = svxr_board_input_fd();
		if (!next && fd < 0)
			return false;
		if (next && next <= now)
			continue;
		if (next) {
			ts.tv_sec = (next - now) / NSEC_PER_SEC;
			ts.tv_nsec = (next - now) % NSEC_PER_SEC;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		svxr_serial_flush();
		ppoll(&pfd, fd >= 0, next ? &ts : NULL, NULL);
	}
}

static int run_loop(struct svxr_vm *vm, const struct svxr_opts *o)
{
	struct kvm_run *run = vm->run;
	uint64_t nr_exits = 0;
	int status = 0;

	for (;;) {
		run->immediate_exit = 0;
		if (timed_out) {
			svxr_msg("timeout after %u s (--timeout), %" PRIu64 " exits",
				o->timeout, nr_exits);
			dump_state(vm);
			if (o->stats)
				print_runner_stats(nr_exits);
			return SVXR_EXIT_TIMEOUT;
		}

		/* devices to now; deliver the PIC's interrupt if the guest
		 * can take it, else ask KVM to exit when it can */
		svxr_board_poll(svxr_now_ns());
		run->request_interrupt_window = 0;
		if (svxr_board_irq_pending()) {
			if (run->ready_for_interrupt_injection && run->if_flag) {
				struct kvm_interrupt irq = { .irq = svxr_board_irq_ack() };

				if (o->trace)
					svxr_trace("inject: vector 0x%x", irq.irq);
				if (ioctl(vm->vcpufd, KVM_INTERRUPT, &irq) < 0) {
					svxr_msg("KVM_INTERRUPT (vector 0x%x): %s",
						irq.irq, strerror(errno));
					dump_state(vm);
					return SVXR_EXIT_UNHANDLED;
				}
				nr_injected++;
			}
			run->request_interrupt_window = svxr_board_irq_pending();
		}
		arm_kick(svxr_board_next_event());

		if (ioctl(vm->vcpufd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				exit_counts[KVM_EXIT_INTR]++;
				continue;
			}
			svxr_msg("KVM_RUN: %s", strerror(errno));
			dump_state(vm);
			return SVXR_EXIT_UNHANDLED;
		}
		nr_exits++;
		exit_counts[run->exit_reason % NR_KVM_EXITS]++;
		svxr_ktrace_drain();
		if (o->walk && o->walk_at == nr_exits)
			svxr_walk_print(vm, o->walk, o->json);

		if (o->trace && run->exit_reason != KVM_EXIT_IO &&
		    run->exit_reason != KVM_EXIT_MMIO)
			svxr_trace("exit: %s (%u)", kvm_exit_name(run->exit_reason),
				run->exit_reason);

		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (svxr_handle_io(vm, &status) == SVXR_IO_EXIT)
				goto out;
			break;
		case KVM_EXIT_MMIO:
			svxr_handle_mmio(vm);
			break;
		case KVM_EXIT_INTR:
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		case KVM_EXIT_HLT: {
			struct kvm_regs regs;
			bool ifl = run->if_flag;

			if (!ioctl(vm->vcpufd, KVM_GET_REGS, &regs))
				ifl = regs.rflags & (1u << 9);
			if (ifl) {
				nr_halt_waits++;
				if (wait_for_interrupt())
					break;
				svxr_msg("guest halted with interrupts enabled and no timer or input left to wake it");
				status = SVXR_EXIT_HALT;
				goto out;
			}
			svxr_msg("guest halted");
			status = SVXR_EXIT_HALT;
			goto out;
		}
		case KVM_EXIT_SHUTDOWN:
			svxr_msg("guest shutdown (triple fault?) after %" PRIu64 " exits",
				nr_exits);
			dump_state(vm);
			status = SVXR_EXIT_SHUTDOWN;
			goto out;
		case KVM_EXIT_FAIL_ENTRY: {
			uint64_t why = run->fail_entry.hardware_entry_failure_reason;

			svxr_msg("VM entry failed: hardware_entry_failure_reason 0x%llx (basic reason %u %s) on cpu %u",
				(unsigned long long)why, (unsigned int)(why & 0xffff),
				svxr_exit_reason_name(why & 0xffff),
				run->fail_entry.cpu);
			dump_state(vm);
			status = SVXR_EXIT_FAIL_ENTRY;
			goto out;
		}
		case KVM_EXIT_INTERNAL_ERROR:
			svxr_msg("internal error: suberror %u %s, %u data words",
				run->internal.suberror,
				internal_suberror_name(run->internal.suberror),
				run->internal.ndata);
			for (uint32_t i = 0; i < run->internal.ndata &&
			     i < sizeof(run->internal.data) / sizeof(run->internal.data[0]); i++)
				fprintf(stderr, "  data[%u] 0x%llx\n", i,
					(unsigned long long)run->internal.data[i]);
			dump_state(vm);
			status = SVXR_EXIT_INTERNAL;
			goto out;
		case KVM_EXIT_UNKNOWN: {
			uint64_t hw = run->hw.hardware_exit_reason;

			svxr_msg("unknown exit: hardware_exit_reason 0x%llx (%s)",
				(unsigned long long)hw,
				svxr_exit_reason_name(hw & 0xffff));
			dump_state(vm);
			status = SVXR_EXIT_UNHANDLED;
			goto out;
		}
		default:
			svxr_msg("unhandled exit reason %u (KVM_EXIT_%s)",
				run->exit_reason, kvm_exit_name(run->exit_reason));
			dump_state(vm);
			status = SVXR_EXIT_UNHANDLED;
			goto out;
		}

		if (o->max_exits && nr_exits >= o->max_exits) {
			svxr_msg("stopped after %" PRIu64 " exits (--max-exits)",
				nr_exits);
			dump_state(vm);
			status = SVXR_EXIT_MAX_EXITS;
			goto out;
		}
	}
out:
	if (o->stats) {
		svxr_serial_flush();
		print_runner_stats(nr_exits);
	}
	return status;
}

int main(int argc, char **argv)
{
	struct svxr_opts o;
	struct svxr_vm vm = { };
	struct svxr_boot boot = { };
	int status;

	parse_args(argc, argv, &o);
	vm.dev = o.dev;
	vm.mem_size = o.mem_size;
	vm.trace = o.trace;
	vm.thp = o.thp;
	vm.blk_fd = -1;
	if (o.blk) {
		struct stat st;

		vm.blk_fd = open(o.blk, O_RDWR);
		if (vm.blk_fd < 0 || fstat(vm.blk_fd, &st) < 0)
			die("--blk: %s: %s", o.blk, strerror(errno));
		vm.blk_size = st.st_size;
	}

	/* validate the files before touching the device */
	for (unsigned int i = 0; i < o.nr_loads; i++) {
		struct stat st;

		if (stat(o.loads[i].file, &st) < 0)
			die("%s: %s", o.loads[i].file, strerror(errno));
		o.loads[i].size = st.st_size;
	}
	if (o.initrd && access(o.initrd, R_OK) < 0)
		die("%s: %s", o.initrd, strerror(errno));
	check_overlaps(&o);

	t_start = svxr_now_ns();
	open_vm(&vm, o.paging);
	for (unsigned int i = 0; i < o.nr_loads; i++)
		load_file(&vm, &o.loads[i]);
	boot.mode = o.mode;
	boot.entry = o.entry;
	if (o.kind == IMG_MULTIBOOT)
		svxr_load_multiboot(&vm, o.kernel, o.append, o.initrd,
				   SVXR_SYS_END, &boot);
	else if (o.kind == IMG_BZIMAGE)
		svxr_load_bzimage(&vm, o.kernel, o.append, o.initrd, &boot);
	else if (o.append)
		svxr_msg("--append ignored for a flat binary");
	setup_cpuid(&vm, o.builtin_cpuid, o.cpuid_baseline);
	setup_cpu(&vm, &boot);
	svxr_board_init(&vm, !o.no_stdin);
	svxr_probe_init(&vm);

	alarm_run = vm.run;
	if (o.timeout) {
		struct sigaction sa = { .sa_handler = on_alarm };

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) < 0)
			die("sigaction: %s", strerror(errno));
		alarm(o.timeout);
	}
	setup_kick(&vm);

	if (o.ktrace)
		svxr_ktrace_start();
	status = run_loop(&vm, &o);
	alarm(0);
	svxr_serial_flush();
	svxr_ktrace_stop();
	if (o.walk && !o.walk_at)
		svxr_walk_print(&vm, o.walk, o.json);
	if (o.stats)
		svxr_print_stats(&vm);
	return status;
}
