// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM_RUN must leave of the VMM's own CPU state.  A VM exit loads the
 * host state of the VMCS (SDM 28.5): null FS/GS selectors unless the VMM
 * writes others, an unusable LDTR.  A VMM that uses an LDT, or a non-null
 * FS/GS selector, must find them as it left them after KVM_RUN, as on
 * kvm_intel (vmx_prepare_switch_to_host()).  Each test sets the state, runs
 * a guest to its HLT exit (several exits on the way back to userspace would
 * do the same), and reads the selectors back; the LDT must still be loaded
 * (LAR on an LDT selector).
 */
#include <asm/ldt.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "svx.h"

SVX_GUEST_FIXTURE(guest);

#define USER_DS		0x2b	/* __USER_DS of x86-64 Linux: GDT, RPL 3 */
#define LDT_SEL(i)	(((i) << 3) | 4 | 3)	/* TI = LDT, RPL 3 */

static uint16_t get_gs(void)
{
	uint16_t s;

	asm volatile("mov %%gs, %0" : "=r"(s));
	return s;
}

static uint16_t get_fs(void)
{
	uint16_t s;

	asm volatile("mov %%fs, %0" : "=r"(s));
	return s;
}

static void set_gs(uint16_t s)
{
	asm volatile("mov %0, %%gs" : : "r"(s));
}

/* LAR: is @sel a valid descriptor for this CPU (LDT loaded)? */
static bool selector_valid(uint16_t sel)
{
	uint32_t ar = 0;
	uint8_t ok;

	asm volatile("lar %2, %0; setz %1" : "+r"(ar), "=q"(ok) : "r"((uint32_t)sel)
		     : "cc");
	return ok;
}

/* A flat 32-bit data segment at @base in LDT entry @i. */
static int set_ldt_data(unsigned int i, uint32_t base)
{
	struct user_desc d = {
		.entry_number = i, .base_addr = base, .limit = 0xfffff,
		.seg_32bit = 1, .limit_in_pages = 1, .useable = 1,
	};

	return syscall(SYS_modify_ldt, 1, &d, sizeof(d));
}

TEST_F(guest, gdt_gs_selector_survives_kvm_run)
{
	uint16_t after;

	INIT(hlt, SVXU_MODE_PM32);
	set_gs(USER_DS);
	ASSERT_EQ(USER_DS, get_gs());
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	after = get_gs();
	set_gs(0);
	ASSERT_EQ(USER_DS, after);
}

TEST_F(guest, ldt_and_ldt_gs_survive_kvm_run)
{
	uint16_t after;
	bool valid;

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(0, set_ldt_data(0, 0)) TH_LOG("modify_ldt: %s",
						 strerror(errno));
	ASSERT_TRUE(selector_valid(LDT_SEL(0)));
	set_gs(LDT_SEL(0));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	after = get_gs();
	valid = selector_valid(LDT_SEL(0));
	set_gs(0);
	ASSERT_EQ(LDT_SEL(0), after);
	ASSERT_TRUE(valid) TH_LOG("LDTR not restored after KVM_RUN");
}

/*
 * FS through an LDT descriptor whose base is the thread pointer, so that
 * the C library's %fs accesses (TLS, stack protector) stay the same.  The
 * static binary's TLS block is below 4 GiB (brk); skip when it is not.
 */
TEST_F(guest, ldt_fs_selector_and_base_survive_kvm_run)
{
	uint64_t tp;
	uint16_t after;

	INIT(hlt, SVXU_MODE_PM32);
	asm volatile("mov %%fs:0, %0" : "=r"(tp));	/* the TCB's self pointer */
	if (tp >> 32)
		SKIP(return, "thread pointer %#llx above 4 GiB",
		     (unsigned long long)tp);
	ASSERT_EQ(0, set_ldt_data(1, (uint32_t)tp));
	asm volatile("mov %0, %%fs" : : "r"((uint16_t)LDT_SEL(1)));
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	after = get_fs();
	ASSERT_EQ(LDT_SEL(1), after);
	asm volatile("mov %%fs:0, %0" : "=r"(tp));
	ASSERT_EQ((uint32_t)tp, tp);
	ASSERT_TRUE(selector_valid(LDT_SEL(1)));
}

TEST_HARNESS_MAIN
