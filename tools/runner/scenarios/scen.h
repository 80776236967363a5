/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario guests: tiny 64-bit kernels (svxrun --mode long64, flat binary
 * at 0x100000) that show one flow of shadow/EPT paging or device I/O with
 * the real values and check their own assertions through the scenario
 * probe (probe.h).  lib.c holds what they share.
 *
 * Guest-physical layout (svxrun --mem 16M):
 *   0x001000-0x07ffff  the runner's GDT/TSS/IDT, identity page tables
 *                      (CR3 0x4000, 2 MiB pages over 4 GiB), stack
 *   0x100000-          this image (code, data, bss)
 *   0x400000-0x5fffff  page-table pool (pt_alloc)
 *   0x600000-0x7fffff  device rings and buffers (S2)
 *   0x800000-0xffffff  data pages no one touched before the scenario
 */
#ifndef SCEN_H
#define SCEN_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "probe.h"
/* port I/O (a compiler barrier: the marks must not move across memory
 * accesses, e.g. a page-table store), CRs, INVLPG, rd32/wr32 */
#include "svxu_guest.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define PAGE_SIZE	4096UL
#define PT_POOL		0x400000UL
#define PT_POOL_END	0x600000UL
#define DEV_AREA	0x600000UL
#define FRESH_AREA	0x800000UL

#define PTE_P	0x1UL
#define PTE_W	0x2UL
#define PTE_U	0x4UL
#define PTE_A	0x20UL
#define PTE_D	0x40UL
#define PTE_PS	0x80UL
#define PTE_ADDR 0x000ffffffffff000UL

/* a "user" part of the address space, well away from the identity map */
#define USER_GVA	0x00007f0000000000UL


/* console: COM1 THR, one OUT (one exit) per byte */
void putc(char c);
void puts(const char *s);
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* probe */
static inline void mark(u32 id) { outl(PROBE_PORT_MARK, id); }
u32 ctr(enum probe_ctr c);		/* delta between the last two marks */
void walk(u64 gva, u32 acc);		/* diagram on the runner's stdout */
u32 probe_info(void);
bool is_ept(void);			/* false also when unknown */
bool paging_known(void);
bool on_svx(void);

/* assertions: print one line, count failures */
void check(const char *what, bool ok, u64 got);
/* counter c between the last two marks: op '=' '>' '<' ('>' is >=, '<' <=)
 * against want; skipped (and said so) when the device cannot tell */
void check_ctr(const char *what, enum probe_ctr c, char op, u32 want);
/* the verdict line, then hlt (status 0) or debug exit 1 (status 3) */
void finish(const char *scen) __attribute__((noreturn));
extern int nr_fail, nr_checks;

/* paging: 4 KiB mappings in the current or a given PML4 */
u64 pt_alloc(void);			/* zeroed page from the pool */
u64 *pte_of(u64 pml4, u64 gva, bool create, u64 flags);
void map4k(u64 pml4, u64 gva, u64 gpa, u64 flags);
u64 new_pml4(void);			/* copy of the runner's PML4 */
void touch_range(u64 start, u64 end);	/* read+write a byte per page */
extern char _start[], _end[];

/* CPU tables: GDT (kernel, user, TSS), IDT with #PF/#GP/int 0x80/IRQ */
struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};
typedef void (*handler_t)(struct frame *f);
void cpu_init(void);
void set_handler(int vector, handler_t h, int dpl);
void pic_init(u8 unmask_master);	/* PIC at 0x20/0x28 */
void enter_user(u64 rip, u64 rsp) __attribute__((noreturn));
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x1b
#define SEL_UCODE	0x23
#define SEL_TSS		0x28

#endif
