// SPDX-License-Identifier: GPL-2.0
/*
 * svxrun loaders: image detection, multiboot v1 and Linux bzImage.
 *
 * Detection (svxr_detect_image): "HdrS" at 0x202 is a bzImage; a multiboot
 * header (magic 0x1badb002 with a valid checksum, 4-byte aligned in the
 * first 8 KiB) is a multiboot image; anything else is a flat binary.
 *
 * Multiboot v1 (kvm-unit-tests' x86/ *.flat are ELF32 with such a header):
 * PT_LOAD segments at p_paddr, BSS zeroed (or the a.out-kludge address
 * fields when header flag 16 is set).  Entry in 32-bit protected mode,
 * paging off, flat segments, IF = 0, EAX = 0x2badb002, EBX = the info
 * block, which lives in 0x80000-0x9efff (never page 0, never the image):
 *   flags MEMORY | CMDLINE | MODS | MEM_MAP, mem_lower 639 KiB, mem_upper
 *   (RAM below 4 GiB above 1 MiB), cmdline "IMAGE ARGS" (the image path as
 *   given, then --append), modules: --initrd at the first page after the
 *   image (and above 1 MiB), memory map as the e820 map below.
 *
 * bzImage, 64-bit boot protocol (Documentation/arch/x86/boot.rst; protocol
 * 2.12+, XLF_KERNEL_64): the protected-mode kernel at 0x100000, the zero
 * page (struct boot_params) at 0x90000 with the image's setup header, the
 * command line at 0x91000, the initrd as high as possible below
 * min(initrd_addr_max, RAM) on a 4 KiB boundary, the e820 map below.
 * Entry at startup_64 = 0x100000 + 0x200 in 64-bit mode on identity page
 * tables covering max(4 GiB, RAM), with __BOOT_CS = 0x10 and __BOOT_DS =
 * 0x18 in the GDT, IF = 0, RSI = the zero page.
 *
 * e820 / multiboot memory map: RAM [0, 0x9fc00), reserved [0x9fc00,
 * 0xa0000) (EBDA) and [0xf0000, 0x100000) (BIOS), RAM [0x100000, --mem).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core.h"
#include "runner.h"

#define MB_MAGIC		0x1badb002u
#define MB_BOOT_MAGIC		0x2badb002u
#define MB_AOUT_KLUDGE		(1u << 16)
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MEM_MAP		(1u << 6)

#define MB_INFO_GPA		0x80000ULL
#define MB_INFO_END		0x9f000ULL

#define BZ_LOAD			0x100000ULL
#define BZ_ZERO_PAGE		0x90000ULL
#define BZ_CMDLINE		0x91000ULL
#define BZ_CMDLINE_MAX		(MB_INFO_END - BZ_CMDLINE)

#define LOW_RAM_END		0x9fc00ULL
#define BIOS_START		0xf0000ULL
#define HIGH_RAM		0x100000ULL

#define E820_RAM		1
#define E820_RESERVED		2

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

static unsigned int memory_map(const struct svxr_vm *vm, struct e820 *e)
{
	unsigned int n = 0;

	e[n++] = (struct e820){ 0, LOW_RAM_END, E820_RAM };
	e[n++] = (struct e820){ LOW_RAM_END, 0xa0000 - LOW_RAM_END, E820_RESERVED };
	e[n++] = (struct e820){ BIOS_START, HIGH_RAM - BIOS_START, E820_RESERVED };
	if (vm->kvm.mem_size > HIGH_RAM)
		e[n++] = (struct e820){ HIGH_RAM, vm->kvm.mem_size - HIGH_RAM, E820_RAM };
	return n;
}

static uint8_t *read_whole(const char *file, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		svxr_die("%s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		svxr_die("%s: not a regular file", file);
	buf = malloc(st.st_size + 1);
	if (!buf)
		svxr_die("%s: out of memory", file);
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			svxr_die("%s: read: %s", file, n ? strerror(errno) : "short read");
		off += n;
	}
	close(fd);
	*size = off;
	return buf;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void wr32(struct svxr_vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->kvm.mem + gpa, &v, 4);
}

static void wr64(struct svxr_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->kvm.mem + gpa, &v, 8);
}

/* offset of a valid multiboot header in the first 8 KiB, or -1 */
static long find_multiboot(const uint8_t *buf, size_t size)
{
	for (size_t off = 0; off + 12 <= size && off < 8192; off += 4) {
		uint32_t magic = rd32(buf + off);

		if (magic == MB_MAGIC &&
		    (uint32_t)(magic + rd32(buf + off + 4) + rd32(buf + off + 8)) == 0)
			return off;
	}
	return -1;
}

enum svxr_image_kind svxr_detect_image(const char *file)
{
	uint8_t buf[8192];
	ssize_t n;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0)
		svxr_die("%s: %s", file, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		svxr_die("%s: read: %s", file, strerror(errno));
	if (n >= 0x206 && !memcmp(buf + 0x202, "HdrS", 4))
		return IMG_BZIMAGE;
	if (find_multiboot(buf, n) >= 0)
		return IMG_MULTIBOOT;
	return IMG_FLAT;
}

const char *svxr_image_kind_name(enum svxr_image_kind k)
{
	switch (k) {
	case IMG_BZIMAGE:
		return "bzImage";
	case IMG_MULTIBOOT:
		return "multiboot";
	default:
		return "flat";
	}
}

static void check_range(const struct svxr_vm *vm, const char *what,
			uint64_t gpa, uint64_t size, uint64_t low)
{
	if (gpa < low || gpa > vm->kvm.mem_size || size > vm->kvm.mem_size - gpa)
		svxr_die("%s: 0x%" PRIx64 " bytes at GPA 0x%" PRIx64 " do not fit in guest RAM 0x%" PRIx64 "-0x%" PRIx64 " (see --mem)",
			what, size, gpa, low, vm->kvm.mem_size);
}

/* Load an ELF32 image's PT_LOAD segments; returns the entry point. */
static uint32_t load_elf32(struct svxr_vm *vm, const char *file,
			   const uint8_t *buf, size_t size, uint64_t low,
			   uint64_t *lo, uint64_t *hi)
{
	uint32_t phoff, entry;
	uint16_t phentsize, phnum;

	if (size < 52 || buf[4] != 1 /* ELFCLASS32 */ || buf[5] != 1)
		svxr_die("%s: multiboot image is not a little-endian ELF32 file (and has no a.out kludge)",
			file);
	entry = rd32(buf + 24);
	phoff = rd32(buf + 28);
	phentsize = rd16(buf + 42);
	phnum = rd16(buf + 44);
	if (phentsize < 32 || phoff > size || (uint64_t)phnum * phentsize > size - phoff)
		svxr_die("%s: bad ELF program headers", file);
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + i * phentsize;
		uint32_t type = rd32(ph), off = rd32(ph + 4), paddr = rd32(ph + 12);
		uint32_t filesz = rd32(ph + 16), memsz = rd32(ph + 20);

		if (type != 1 /* PT_LOAD */ || !memsz)
			continue;
		if (filesz > memsz || off > size || filesz > size - off)
			svxr_die("%s: bad PT_LOAD segment %u", file, i);
		check_range(vm, file, paddr, memsz, low);
		memcpy(vm->kvm.mem + paddr, buf + off, filesz);
		memset(vm->kvm.mem + paddr + filesz, 0, memsz - filesz);
		if (paddr < *lo)
			*lo = paddr;
		if (paddr + (uint64_t)memsz > *hi)
			*hi = paddr + (uint64_t)memsz;
	}
	if (*hi <= *lo)
		svxr_die("%s: no PT_LOAD segment", file);
	return entry;
}

static uint64_t load_file_at(struct svxr_vm *vm, const char *file, uint64_t gpa)
{
	size_t size;
	uint8_t *buf = read_whole(file, &size);

	check_range(vm, file, gpa, size, 0);
	memcpy(vm->kvm.mem + gpa, buf, size);
	free(buf);
	return size;
}

static uint64_t file_size(const char *file)
{
	struct stat st;

	if (stat(file, &st) < 0)
		svxr_die("%s: %s", file, strerror(errno));
	return st.st_size;
}

/* A flat binary at gpa (the runner's area excluded); returns its size. */
uint64_t svxr_load_flat(struct svxr_vm *vm, const char *file, uint64_t gpa)
{
	struct stat st;
	uint64_t off = 0, size;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0)
		svxr_die("%s: %s", file, strerror(errno));
	if (fstat(fd, &st) < 0)
		svxr_die("%s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		svxr_die("%s: not a regular file", file);
	if (!st.st_size)
		svxr_die("%s: empty file", file);
	size = st.st_size;
	if (gpa < SVXR_SYS_END)
		svxr_die("%s: load address 0x%" PRIx64 " overlaps the runner's area 0-0x%x (GDT, TSS, IDT, page tables, stack)",
		    file, gpa, SVXR_SYS_END - 1);
	if (gpa >= vm->kvm.mem_size || size > vm->kvm.mem_size - gpa)
		svxr_die("%s: %" PRIu64 " bytes at 0x%" PRIx64 " do not fit in guest memory (0x%" PRIx64 " bytes, see --mem)",
		    file, size, gpa, vm->kvm.mem_size);

	while (off < size) {
		ssize_t n = read(fd, vm->kvm.mem + gpa + off, size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			svxr_die("%s: read: %s", file,
			    n ? strerror(errno) : "short read");
		off += n;
	}
	close(fd);
	return size;
}

void svxr_load_multiboot(struct svxr_vm *vm, const char *file,
			const char *append, const char *initrd,
			uint64_t reserved_end, struct svxr_boot *b)
{
	size_t size;
	uint8_t *buf = read_whole(file, &size);
	long hoff = find_multiboot(buf, size);
	uint32_t flags = rd32(buf + hoff + 4), entry;
	uint64_t lo = UINT64_MAX, hi = 0, info = MB_INFO_GPA, p;
	struct e820 map[8];
	unsigned int nmap, mflags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MEM_MAP;
	uint64_t below4g = vm->kvm.mem_size < (1ULL << 32) ? vm->kvm.mem_size : 1ULL << 32;
	size_t len;

	if (flags & MB_AOUT_KLUDGE) {
		uint32_t header_addr = rd32(buf + hoff + 12);
		uint32_t load_addr = rd32(buf + hoff + 16);
		uint32_t load_end = rd32(buf + hoff + 20);
		uint32_t bss_end = rd32(buf + hoff + 24);
		uint64_t foff = hoff - (uint64_t)(header_addr - load_addr);
		uint64_t n = load_end ? load_end - load_addr : size - foff;

		if (header_addr < load_addr || foff > size || n > size - foff)
			svxr_die("%s: bad multiboot address fields", file);
		lo = load_addr;
		hi = bss_end > load_addr + n ? bss_end : load_addr + n;
		check_range(vm, file, lo, hi - lo, reserved_end);
		memcpy(vm->kvm.mem + lo, buf + foff, n);
		memset(vm->kvm.mem + lo + n, 0, hi - lo - n);
		entry = rd32(buf + hoff + 28);
	} else {
		entry = load_elf32(vm, file, buf, size, reserved_end, &lo, &hi);
	}
	free(buf);
	if (lo < MB_INFO_END && hi > MB_INFO_GPA)
		svxr_die("%s: image 0x%" PRIx64 "-0x%" PRIx64 " overlaps the multiboot info area 0x%llx-0x%llx",
			file, lo, hi, MB_INFO_GPA, MB_INFO_END);
	if (entry < lo || entry >= hi)
		svxr_msg("%s: warning: entry 0x%x outside the loaded image", file, entry);

	/* info block, then mmap, mods, strings, in [MB_INFO_GPA, MB_INFO_END) */
	memset(vm->kvm.mem + info, 0, MB_INFO_END - MB_INFO_GPA);
	p = info + 128;
	wr32(vm, info + 4, LOW_RAM_END >> 10);		/* mem_lower, KiB */
	wr32(vm, info + 8, (below4g - HIGH_RAM) >> 10);	/* mem_upper */

	nmap = memory_map(vm, map);
	wr32(vm, info + 48, p);				/* mmap_addr */
	for (unsigned int i = 0; i < nmap; i++, p += 24) {
		wr32(vm, p, 20);
		wr64(vm, p + 4, map[i].addr);
		wr64(vm, p + 12, map[i].size);
		wr32(vm, p + 20, map[i].type);
	}
	wr32(vm, info + 44, nmap * 24);			/* mmap_length */

	if (initrd) {
		uint64_t mod = (hi > HIGH_RAM ? hi : HIGH_RAM);
		uint64_t msize;

		mod = (mod + 0xfff) & ~0xfffULL;
		msize = load_file_at(vm, initrd, mod);
		mflags |= MB_INFO_MODS;
		wr32(vm, info + 20, 1);			/* mods_count */
		wr32(vm, info + 24, p);			/* mods_addr */
		wr32(vm, p, mod);
		wr32(vm, p + 4, mod + msize);
		len = strlen(initrd) + 1;
		if (p + 16 + len > MB_INFO_END)
			svxr_die("--initrd: path too long");
		wr32(vm, p + 8, p + 16);
		memcpy(vm->kvm.mem + p + 16, initrd, len);
		p += 16 + len;
	}

	len = strlen(file) + 1 + (append ? strlen(append) + 1 : 0);
	if (p + len > MB_INFO_END)
		svxr_die("--append: command line too long (%zu bytes)", len);
	wr32(vm, info + 16, p);				/* cmdline */
	snprintf((char *)vm->kvm.mem + p, len, "%s%s%s", file, append ? " " : "",
		 append ? append : "");
	wr32(vm, info, mflags);

	b->mode = SVXU_MODE_PM32;
	b->entry = entry;
	b->regs[0] = MB_BOOT_MAGIC;
	b->regs[1] = info;
}

void svxr_load_bzimage(struct svxr_vm *vm, const char *file,
		      const char *append, const char *initrd,
		      struct svxr_boot *b)
{
	size_t size;
	uint8_t *buf = read_whole(file, &size);
	uint8_t *zp = vm->kvm.mem + BZ_ZERO_PAGE;
	unsigned int setup_sects = buf[0x1f1] ? buf[0x1f1] : 4;
	uint16_t version = rd16(buf + 0x206);
	uint16_t xloadflags = version >= 0x20c ? rd16(buf + 0x236) : 0;
	uint32_t init_size = version >= 0x20a ? rd32(buf + 0x260) : 0;
	uint32_t cmdline_max = version >= 0x206 ? rd32(buf + 0x238) : 255;
	uint64_t koff = (uint64_t)(setup_sects + 1) * 512, ksize, hdr_end;
	struct e820 map[8];
	unsigned int nmap;

	if (size < 0x250 || size <= koff)
		svxr_die("%s: truncated bzImage", file);
	if (!(xloadflags & 1))
		svxr_die("%s: boot protocol %u.%02u without a 64-bit entry point (XLF_KERNEL_64); only 64-bit kernels are supported",
			file, version >> 8, version & 0xff);
	ksize = size - koff;
	if (init_size < ksize)
		init_size = ksize;
	check_range(vm, file, BZ_LOAD, init_size, BZ_LOAD);
	memcpy(vm->kvm.mem + BZ_LOAD, buf + koff, ksize);

	/* zero page: the setup header as the image has it, then our fields */
	memset(zp, 0, 4096);
	hdr_end = 0x202 + buf[0x201];
	if (hdr_end > 0x290)
		hdr_end = 0x290;
	memcpy(zp + 0x1f1, buf + 0x1f1, hdr_end - 0x1f1);
	free(buf);
	zp[0x210] = 0xff;				/* type_of_loader: undefined */
	zp[0x211] |= 0x01;				/* loadflags: LOADED_HIGH */
	memcpy(zp + 0x214, &(uint32_t){ BZ_LOAD }, 4);	/* code32_start */

	if (cmdline_max > BZ_CMDLINE_MAX - 1)
		cmdline_max = BZ_CMDLINE_MAX - 1;
	if (append && strlen(append) > cmdline_max)
		svxr_die("--append: %zu bytes, the kernel accepts at most %u",
			strlen(append), cmdline_max);
	memset(vm->kvm.mem + BZ_CMDLINE, 0, strlen(append ? append : "") + 1);
	strcpy((char *)vm->kvm.mem + BZ_CMDLINE, append ? append : "");
	memcpy(zp + 0x228, &(uint32_t){ BZ_CMDLINE }, 4);	/* cmd_line_ptr */

	if (initrd) {
		uint64_t isize = file_size(initrd);
		uint64_t max = version >= 0x203 ? rd32(zp + 0x22c) : 0x37ffffff;
		uint64_t top = max + 1 < vm->kvm.mem_size ? max + 1 : vm->kvm.mem_size;
		uint64_t addr;

		if (isize > top || ((top - isize) & ~0xfffULL) < BZ_LOAD + init_size)
			svxr_die("--initrd: %s (%" PRIu64 " bytes) does not fit between the kernel (0x%llx + init_size 0x%x) and 0x%" PRIx64 "; raise --mem",
				initrd, isize, BZ_LOAD, init_size, top);
		addr = (top - isize) & ~0xfffULL;
		load_file_at(vm, initrd, addr);
		memcpy(zp + 0x218, &(uint32_t){ (uint32_t)addr }, 4);
		memcpy(zp + 0x21c, &(uint32_t){ (uint32_t)isize }, 4);
		memcpy(zp + 0x0c0, &(uint32_t){ (uint32_t)(addr >> 32) }, 4);
		memcpy(zp + 0x0c4, &(uint32_t){ (uint32_t)(isize >> 32) }, 4);
	}

	nmap = memory_map(vm, map);
	zp[0x1e8] = nmap;				/* e820_entries */
	for (unsigned int i = 0; i < nmap; i++) {
		uint8_t *e = zp + 0x2d0 + i * 20;

		memcpy(e, &map[i].addr, 8);
		memcpy(e + 8, &map[i].size, 8);
		memcpy(e + 16, &map[i].type, 4);
	}

	b->mode = SVXU_MODE_LONG64;
	b->entry = BZ_LOAD + 0x200;			/* startup_64 */
	b->regs[2] = BZ_ZERO_PAGE;			/* rsi */
	b->linux_gdt = true;
	if (vm->trace)
		svxr_msg("bzImage: protocol %u.%02u, setup %u sectors, kernel %" PRIu64 " bytes at 0x%llx, init_size 0x%x",
			version >> 8, version & 0xff, setup_sects, ksize,
			BZ_LOAD, init_size);
}
