// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun - a thin KVM-API runner for shadowvmx (and any KVM device).
 *
 * This file is the command line: it parses the arguments, checks them and
 * the files, and puts the pieces together: the VM, CPUID and the initial
 * CPU state (core.c, on libsvxu), the image loaders (loader.c), the board
 * of device models (devices.c), the scenario probe (probe.c), the run loop
 * (run.c), walk traces (walk.c) and the counters (stats.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/shadowvmx.h>

#include "core.h"
#include "runner.h"

#define SVXR_DEFAULT_MEM		(16 * MiB)
#define SVXR_DEFAULT_LINUX_MEM	(256 * MiB)
#define SVXR_MIN_MEM		(1 * MiB)
#define SVXR_MAX_MEM		(64 * GiB)
#define SVXR_DEFAULT_LOAD	0x100000
#define SVXR_MAX_LOADS		16

struct svxr_load {
	const char *file;
	uint64_t gpa;
	uint64_t size;		/* filled when loaded */
};

struct svxr_opts {
	const char *dev;
	uint64_t mem_size;
	bool mem_set;
	enum svxu_mode mode;
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
	bool mark_stats;		/* --mark-stats (probe.c) */
	bool trace;
	bool ktrace;			/* --trace: tracepoints (walk.c) */
	const char *walk;		/* --walk GVA[:ACC],... (walk.c) */
	uint64_t walk_at;		/* --walk-at-exit N, 0: at the end */
	bool json;
	const char *html;		/* --html FILE (walkhtml.c) */
	bool builtin_cpuid;
	bool cpuid_baseline;
	bool thp;
	bool irqchip;
	const char *blk;		/* --blk FILE: svxblk backing file */
	uint64_t max_exits;
	unsigned int timeout;
	struct svxr_load loads[SVXR_MAX_LOADS];
	unsigned int nr_loads;
};

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
"                     long64, or real16 (real mode: natively with\n"
"                     unrestricted guest, else in vm86)\n"
"  --irqchip          the device's interrupt controllers and PIT\n"
"                     (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2) instead of the\n"
"                     board's PIC and PIT; the guest then gets the device's\n"
"                     CPUID table unfiltered (local APIC, x2APIC, PV\n"
"                     leaves) and, as QEMU gives it, the TSC-deadline bit\n"
"                     if KVM_CAP_TSC_DEADLINE_TIMER says the APIC has it\n"
"  --thp              back guest RAM with transparent huge pages (2 MiB\n"
"                     aligned, MADV_HUGEPAGE)\n"
"  --entry GPA        flat binaries: initial RIP (default: GUEST's, else\n"
"                     the first --load)\n"
"  --no-stdin         do not feed stdin to the UART\n"
"  --stats            print the device's and the runner's counters at exit\n"
"  --mark-stats       ... and at every scenario-probe mark (OUT to 0x5c0)\n"
"  --walk GVA[:ACC][,...]  after the guest stops, show each GVA's translation\n"
"                     (SVX_WALK_TRACE; ACC r w x ur uw ux, default r)\n"
"  --walk-at-exit N   ... after the Nth exit instead\n"
"  --json             --walk as JSON, one object per GVA\n"
"  --html FILE        also draw every walk (--walk, the scenario probe's) into\n"
"                     FILE: one self-contained HTML page with inline SVG\n"
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
		{ "irqchip",	 no_argument,	    NULL, 'I' },
		{ "entry",	 required_argument, NULL, 'e' },
		{ "stats",	 no_argument,	    NULL, 's' },
		{ "mark-stats",	 no_argument,	    NULL, 'S' },
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
		{ "html",	 required_argument, NULL, 'Y' },
		{ "trace",	 no_argument,	    NULL, 'K' },
		{ "blk",	 required_argument, NULL, 'b' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ }
	};
	uint64_t v;
	char *at;
	int c;

	memset(o, 0, sizeof(*o));
	o->dev = svxu_dev();
	o->mem_size = SVXR_DEFAULT_MEM;
	o->mode = SVXU_MODE_PM32;
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
			o->paging = svxu_paging_parse(optarg);
			if (o->paging < 0)
				die("--paging: unknown mode '%s' (shadow or ept)",
				    optarg);
			break;
		case 'N':
			o->no_stdin = true;
			break;
		case 'B':
			o->cpuid_baseline = true;
			break;
		case 'I':
			o->irqchip = true;
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
				o->mode = SVXU_MODE_PM32;
			else if (!strcmp(optarg, "long64"))
				o->mode = SVXU_MODE_LONG64;
			else if (!strcmp(optarg, "real16"))
				o->mode = SVXU_MODE_REAL16;
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
		case 'Y':
			if (!*optarg)
				die("--html: empty path");
			o->html = optarg;
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
		case 'S':
			o->mark_stats = true;
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
			o->mode = SVXU_MODE_PM32;
		else
			o->mode = SVXU_MODE_LONG64;
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
	if (o->mode == SVXU_MODE_REAL16 && o->entry > 0xfffc0 + 0xffff)
		die("entry point 0x%" PRIx64 " is not reachable in real16 mode (max 0x10ffbf)",
		    o->entry);
	if (o->mode == SVXU_MODE_PM32 && o->entry > UINT32_MAX)
		die("entry point 0x%" PRIx64 " is not reachable in prot32 mode",
		    o->entry);
	if (o->entry < SVXR_SYS_END)
		die("entry point 0x%" PRIx64 " is inside the runner's area 0-0x%x",
		    o->entry, SVXR_SYS_END - 1);
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

int main(int argc, char **argv)
{
	struct svxr_opts o;
	struct svxr_vm vm = { };
	struct svxr_boot boot = { };
	struct svxr_run_opts ro = { };
	int status;

	parse_args(argc, argv, &o);
	vm.trace = o.trace;
	vm.thp = o.thp;
	vm.irqchip = o.irqchip;
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

	ro.t_start = svxr_now_ns();
	svxr_vm_open(&vm, o.dev, o.mem_size, o.paging);
	for (unsigned int i = 0; i < o.nr_loads; i++)
		o.loads[i].size = svxr_load_flat(&vm, o.loads[i].file,
						 o.loads[i].gpa);
	boot.mode = o.mode;
	boot.entry = o.entry;
	if (o.kind == IMG_MULTIBOOT)
		svxr_load_multiboot(&vm, o.kernel, o.append, o.initrd,
				   SVXR_SYS_END, &boot);
	else if (o.kind == IMG_BZIMAGE)
		svxr_load_bzimage(&vm, o.kernel, o.append, o.initrd, &boot);
	else if (o.append)
		svxr_msg("--append ignored for a flat binary");
	svxr_setup_cpuid(&vm, o.builtin_cpuid, o.cpuid_baseline);
	svxr_setup_cpu(&vm, &boot);
	svxr_board_init(&vm, !o.no_stdin);
	svxr_probe_init(&vm);
	svxr_probe_mark_stats(o.mark_stats);
	svxr_walk_setup(o.html, o.json);

	ro.stats = o.stats;
	ro.trace = o.trace;
	ro.ktrace = o.ktrace;
	ro.walk = o.walk;
	ro.walk_at = o.walk_at;
	ro.json = o.json;
	ro.max_exits = o.max_exits;
	ro.timeout = o.timeout;
	status = svxr_run(&vm, &ro);
	if (o.walk && !o.walk_at)
		svxr_walk_print(&vm, o.walk, o.json);
	if (o.stats)
		svxr_print_stats(&vm);
	return status;
}
