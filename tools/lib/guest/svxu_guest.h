/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsvxu, guest side: the CPU helpers every freestanding test guest needs
 * (port I/O, control registers, MSRs, CPUID, INVLPG, SMAP's STAC/CLAC,
 * volatile loads and stores, halting for good).  Header only; works in
 * 32-bit and 64-bit guests (gcc -m32 / -m64 -ffreestanding).  Used by the
 * selftests' MMU guest (selftests/guest/mmu_guest.c) and the runner's
 * scenario guests (tools/runner/scenarios/).
 *
 * Port I/O and the CR writes are compiler barriers ("memory"): marks and
 * page-table switches must not move across the memory accesses around
 * them.
 */
#ifndef SVXU_GUEST_H
#define SVXU_GUEST_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

#define SVXU_DEF_CR(n)							\
static inline unsigned long read_cr##n(void)				\
{									\
	unsigned long v;						\
									\
	asm volatile("mov %%cr" #n ", %0" : "=r"(v));			\
	return v;							\
}									\
static inline void write_cr##n(unsigned long v)				\
{									\
	asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");		\
}
SVXU_DEF_CR(0)
SVXU_DEF_CR(2)
SVXU_DEF_CR(3)
SVXU_DEF_CR(4)
#undef SVXU_DEF_CR

static inline uint64_t rdmsr(uint32_t idx)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t idx, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(idx), "a"((uint32_t)v),
		     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a,
			 uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(sub));
}

static inline void invlpg(unsigned long va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* STAC / CLAC by their bytes (assemblers without SMAP support) */
static inline void stac(void)
{
	asm volatile(".byte 0x0f, 0x01, 0xcb" ::: "memory");
}

static inline void clac(void)
{
	asm volatile(".byte 0x0f, 0x01, 0xca" ::: "memory");
}

static inline uint32_t rd32(unsigned long va)
{
	return *(volatile uint32_t *)va;
}

static inline void wr32(unsigned long va, uint32_t v)
{
	*(volatile uint32_t *)va = v;
}

static inline void __attribute__((noreturn)) hlt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif /* SVXU_GUEST_H */
