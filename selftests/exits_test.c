// SPDX-License-Identifier: GPL-2.0
/*
 * VM exits as userspace sees them: PIO (sizes 1/2/4, in and out, rep
 * outsb/insb), HLT, guest memory shared with the host mapping, read-only
 * slots, MMIO to unbacked GPAs, memslot deletion under a live VM, triple
 * fault and failed VM entry -- with exact values from kvm_run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "svx.h"

#define EXIT_REASON_RDPMC	15	/* SDM Vol. 3 Appendix C */
#define EXIT_REASON_WBINVD	54

SVX_GUEST_FIXTURE(guest);

TEST_F(guest, hlt_exits_to_user)
{
	struct kvm_regs regs;

	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(self->g.vcpu.fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(SVX_CODE + 1, regs.rip);
}

TEST_F(guest, pio_out_sizes_1_2_4)
{
	struct svxu_vcpu *v = &self->g.vcpu;

	INIT(pio_out, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_OUT8, 1, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0xa5, *((uint8_t *)v->run + v->run->io.data_offset));
	ASSERT_PIO(v, PORT_OUT16, 2, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0xbeef, svxu_io_value(v->run));
	ASSERT_PIO(v, PORT_OUT32, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0xdeadc0de, svxu_io_value(v->run));
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

TEST_F(guest, pio_in_sizes_1_2_4_echoed)
{
	struct svxu_vcpu *v = &self->g.vcpu;

	INIT(pio_in, SVXU_MODE_PM32);
	ASSERT_PIO(v, PORT_IN8, 1, KVM_EXIT_IO_IN);
	svxu_io_set(v->run, 0x5a);
	/* in al leaves the upper 24 bits of eax (all ones) untouched */
	ASSERT_OUT32(v, PORT_ECHO8, 0xffffff5a);
	ASSERT_PIO(v, PORT_IN16, 2, KVM_EXIT_IO_IN);
	svxu_io_set(v->run, 0x1234);
	ASSERT_OUT32(v, PORT_ECHO16, 0xffff1234);
	ASSERT_PIO(v, PORT_IN32, 4, KVM_EXIT_IO_IN);
	svxu_io_set(v->run, 0x89abcdef);
	ASSERT_OUT32(v, PORT_ECHO32, 0x89abcdef);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/*
 * A string OUT may be delivered as one exit or several (KVM batches up to a
 * page and splits at page boundaries; count * size bytes at data_offset).
 * Accumulate until the guest halts.
 */
TEST_F(guest, rep_outsb_string)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint8_t got[SVX_STR_LEN + 64];
	struct kvm_regs regs;
	size_t n = 0;
	int i, exits = 0;

	INIT(rep_outsb, SVXU_MODE_PM32);
	for (i = 0; i < SVX_STR_LEN; i++)
		self->g.vm.mem[SVX_STR_SRC + i] = (uint8_t)(i * 7 + 3);
	for (;;) {
		ASSERT_EQ(0, svxu_run(v));
		if (v->run->exit_reason != KVM_EXIT_IO)
			break;
		ASSERT_EQ(PORT_STR_OUT, v->run->io.port);
		ASSERT_EQ(1, v->run->io.size);
		ASSERT_EQ(KVM_EXIT_IO_OUT, v->run->io.direction);
		ASSERT_GE(v->run->io.count, 1);
		ASSERT_LE(n + v->run->io.count, SVX_STR_LEN);
		memcpy(got + n, (uint8_t *)v->run + v->run->io.data_offset,
		       v->run->io.count);
		n += v->run->io.count;
		ASSERT_LT(++exits, SVX_STR_LEN + 1);
	}
	ASSERT_EQ(KVM_EXIT_HLT, v->run->exit_reason)
		TH_LOG("%s", svxu_exit_str(v->run));
	ASSERT_EQ(SVX_STR_LEN, n);
	ASSERT_EQ(0, memcmp(got, self->g.vm.mem + SVX_STR_SRC, SVX_STR_LEN));
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(0, regs.rcx);
	ASSERT_EQ(SVX_STR_SRC + SVX_STR_LEN, regs.rsi);
	TH_LOG("rep outsb of %d bytes took %d exits", SVX_STR_LEN, exits);
}

TEST_F(guest, rep_insb_string)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;
	size_t n = 0, k;
	int exits = 0;

	INIT(rep_insb, SVXU_MODE_PM32);
	memset(self->g.vm.mem + SVX_STR_DST - 16, 0xcc, SVX_STR_LEN + 32);
	for (;;) {
		ASSERT_EQ(0, svxu_run(v));
		if (v->run->exit_reason != KVM_EXIT_IO)
			break;
		ASSERT_EQ(PORT_STR_IN, v->run->io.port);
		ASSERT_EQ(1, v->run->io.size);
		ASSERT_EQ(KVM_EXIT_IO_IN, v->run->io.direction);
		ASSERT_GE(v->run->io.count, 1);
		ASSERT_LE(n + v->run->io.count, SVX_STR_LEN);
		for (k = 0; k < v->run->io.count; k++)
			((uint8_t *)v->run)[v->run->io.data_offset + k] =
				(uint8_t)((n + k) * 5 + 1);
		n += v->run->io.count;
		ASSERT_LT(++exits, SVX_STR_LEN + 1);
	}
	ASSERT_EQ(KVM_EXIT_HLT, v->run->exit_reason)
		TH_LOG("%s", svxu_exit_str(v->run));
	ASSERT_EQ(SVX_STR_LEN, n);
	for (k = 0; k < SVX_STR_LEN; k++)
		ASSERT_EQ((uint8_t)(k * 5 + 1), self->g.vm.mem[SVX_STR_DST + k])
			TH_LOG("byte %zu", k);
	ASSERT_EQ(0xcc, self->g.vm.mem[SVX_STR_DST - 1]);
	ASSERT_EQ(0xcc, self->g.vm.mem[SVX_STR_DST + SVX_STR_LEN]);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(0, regs.rcx);
	ASSERT_EQ(SVX_STR_DST + SVX_STR_LEN, regs.rdi);
	TH_LOG("rep insb of %d bytes took %d exits", SVX_STR_LEN, exits);
}

TEST_F(guest, guest_memory_shared_with_host)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint32_t w;

	INIT(mem_rw, SVXU_MODE_PM32);
	w = 0x600dc0de;
	memcpy(self->g.vm.mem + SVX_DATA, &w, 4);
	ASSERT_OUT32(v, PORT_RESULT, 0x600dc0de);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	memcpy(&w, self->g.vm.mem + SVX_DATA + 4, 4);
	ASSERT_EQ(0xfeedface, w);
}

/*
 * KVM_MEM_READONLY: reads hit the memory, a write exits as
 * KVM_EXIT_MMIO is_write=1 with the GPA, length and bytes; the backing
 * memory is not modified; the next read still sees the memory.
 */
TEST_F(guest, readonly_slot_write_exits_as_mmio)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint8_t *ro;
	uint32_t w = 0x0badf00d;

	INIT(ro_slot, SVXU_MODE_PM32);
	ro = svxu_alloc(SVX_SLOT1_SIZE);
	ASSERT_NE(NULL, ro);
	memcpy(ro, &w, 4);
	memset(ro + 0x10, 0x77, 4);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, KVM_MEM_READONLY,
				 SVX_SLOT1_GPA, SVX_SLOT1_SIZE, ro));
	ASSERT_OUT32(v, PORT_RESULT, 0x0badf00d);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(1, v->run->mmio.is_write);
	ASSERT_EQ(SVX_SLOT1_GPA + 0x10, v->run->mmio.phys_addr);
	ASSERT_EQ(4, v->run->mmio.len);
	memcpy(&w, v->run->mmio.data, 4);
	ASSERT_EQ(0xabcd1234, w);
	ASSERT_OUT32(v, PORT_RESULT2, 0x77777777);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	memcpy(&w, ro + 0x10, 4);
	ASSERT_EQ(0x77777777, w);
}

/* A mov to/from a GPA in no memslot is MMIO: read gets the host's data. */
TEST_F(guest, unbacked_gpa_is_mmio)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint32_t w = 0x13579bdf;
	uint16_t h;

	INIT(mmio, SVXU_MODE_PM32);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(0, v->run->mmio.is_write);
	ASSERT_EQ(SVX_MMIO_GPA, v->run->mmio.phys_addr);
	ASSERT_EQ(4, v->run->mmio.len);
	memcpy(v->run->mmio.data, &w, 4);
	ASSERT_OUT32(v, PORT_RESULT, 0x13579bdf);
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(1, v->run->mmio.is_write);
	ASSERT_EQ(SVX_MMIO_GPA + 0x10, v->run->mmio.phys_addr);
	ASSERT_EQ(2, v->run->mmio.len);
	memcpy(&h, v->run->mmio.data, 2);
	ASSERT_EQ(0xbeef, h);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

/*
 * Delete a slot the guest has already accessed: the next access to that
 * range must not reach the old memory but exit as MMIO.
 */
TEST_F(guest, deleted_slot_becomes_mmio)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	uint8_t *m;
	uint32_t w = 0x11112222;

	INIT(slot_delete, SVXU_MODE_PM32);
	m = svxu_alloc(SVX_SLOT1_SIZE);
	ASSERT_NE(NULL, m);
	memcpy(m, &w, 4);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_SLOT1_GPA,
				 SVX_SLOT1_SIZE, m));
	ASSERT_OUT32(v, PORT_RESULT, 0x11112222);
	ASSERT_EQ(0, svxu_set_mem(self->g.vm.fd, 1, 0, SVX_SLOT1_GPA, 0, m));
	ASSERT_EXIT(v, KVM_EXIT_MMIO);
	ASSERT_EQ(0, v->run->mmio.is_write);
	ASSERT_EQ(SVX_SLOT1_GPA, v->run->mmio.phys_addr);
	ASSERT_EQ(4, v->run->mmio.len);
	w = 0x33334444;
	memcpy(v->run->mmio.data, &w, 4);
	ASSERT_OUT32(v, PORT_RESULT2, 0x33334444);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
}

TEST_F(guest, triple_fault_is_shutdown)
{
	INIT(triple_fault, SVXU_MODE_PM32);
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_SHUTDOWN);
}

/*
 * TR holding an *available* 32-bit TSS (type 9) violates the VM-entry
 * guest-state checks (SDM 26.3.1.2: TR type must be 3 or 11).  kvm_intel
 * with unrestricted guest hands such state to the CPU, which fails the
 * entry: KVM_EXIT_FAIL_ENTRY with hardware_entry_failure_reason = 0x80000021
 * (bit 31 "VM-entry failure" | basic reason 33 "invalid guest state").
 * shadowvmx must do the same.  kvm_intel WITHOUT unrestricted guest (ept=0)
 * instead emulates invalid state in software (the guest's hlt completes),
 * and SVM has no such check at all, so those configurations skip.
 */
TEST_F(guest, invalid_tr_type_fails_entry)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_sregs sr;

	SKIP_UNLESS_INTEL();
	if (svxu_dev_is_kvm() && svxu_kvm_intel_param("unrestricted_guest") != 'Y')
		SKIP(return, "kvm_intel without unrestricted_guest emulates "
		     "invalid guest state instead of failing VM entry");
	INIT(hlt, SVXU_MODE_PM32);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&sr));
	sr.tr.type = 9;
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_SET_SREGS, (unsigned long)&sr));
	ASSERT_EXIT(v, KVM_EXIT_FAIL_ENTRY);
	ASSERT_EQ(33, v->run->fail_entry.hardware_entry_failure_reason & 0xffff);
	ASSERT_EQ(0x80000021, v->run->fail_entry.hardware_entry_failure_reason);
}

/* 64-bit long mode with identity-mapped page tables built by the test. */
TEST_F(guest, long_mode_guest)
{
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_regs regs;
	uint64_t q;

	INIT(long64, SVXU_MODE_LONG64);
	ASSERT_OUT32(v, PORT_RESULT, 0x55667788);
	ASSERT_OUT32(v, PORT_RESULT2, 0x11223344);
	ASSERT_PIO(v, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs));
	ASSERT_EQ(0x2233445566778811ULL, regs.rbx);
	/* rcx = address of the final hlt, computed RIP-relative */
	ASSERT_EQ(regs.rip - 1, regs.rcx);
	memcpy(&q, self->g.vm.mem + SVX_DATA + 8, 8);
	ASSERT_EQ(0x2233445566778811ULL, q);
}

TEST_HARNESS_MAIN

/* Point IDT gate @vec of the 32-bit guest at code offset @off. */
static void set_gate32(struct svxu_guest *g, int vec, uint32_t off)
{
	uint32_t *gate = (uint32_t *)(g->vm.mem + SVX_IDT + vec * 8);
	uint32_t addr = SVX_CODE + off;

	gate[0] = (addr & 0xffff) | (SVX_SEL_CS32 << 16);
	gate[1] = (addr & 0xffff0000) | 0x8e00;	/* present 32-bit int gate */
}

/*
 * KVM_INTERRUPT with a userspace irqchip: ready_for_interrupt_injection and
 * if_flag reported at exits, the vector delivered through the guest's IDT
 * at the next entry, and request_interrupt_window ending in
 * KVM_EXIT_IRQ_WINDOW_OPEN once the guest can take an interrupt.
 */
TEST_F(guest, interrupt_injection_and_window)
{
	extern const char guest_irq_handler_off[];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct kvm_interrupt irq = { .irq = 0x30 };

	if (svxu_dev_is_kvm_pvm())
		SKIP(return, "kvm_pvm (nested PVM) fails to emulate the guest's 32-bit iret");
	INIT(irq, SVXU_MODE_PM32);
	set_gate32(&self->g, 0x30, (uint32_t)(uintptr_t)guest_irq_handler_off);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	ASSERT_EQ(1, v->run->if_flag);
	ASSERT_EQ(1, v->run->ready_for_interrupt_injection);
	ASSERT_EQ(0, svxu_ioctl(v->fd, KVM_INTERRUPT, (unsigned long)&irq));
	ASSERT_OUT32(v, PORT_RESULT2, 0x30);	/* the handler ran */
	ASSERT_OUT32(v, PORT_RESULT, 0x1111);	/* iret returned past hlt */
	ASSERT_OUT32(v, PORT_RESULT, 0x2222);	/* now with IF=0 */
	ASSERT_EQ(0, v->run->if_flag);
	ASSERT_EQ(0, v->run->ready_for_interrupt_injection);
	v->run->request_interrupt_window = 1;
	ASSERT_EXIT(v, KVM_EXIT_IRQ_WINDOW_OPEN);
	ASSERT_EQ(1, v->run->if_flag);
	ASSERT_EQ(1, v->run->ready_for_interrupt_injection);
	v->run->request_interrupt_window = 0;
	ASSERT_OUT32(v, PORT_RESULT, 0x3333);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	irq.irq = 256;
	ASSERT_EQ(-EINVAL, svxu_ioctl(v->fd, KVM_INTERRUPT, (unsigned long)&irq));
}

/*
 * WBINVD exits and is skipped, as on kvm_intel (SECONDARY_EXEC_WBINVD_EXITING:
 * a guest must not flush the host's caches); RDPMC exits too, and a guest
 * without a PMU in its CPUID (no leaf 0xA) takes #GP(0) instead of reading
 * the host's performance counters.
 */
TEST_F(guest, wbinvd_and_rdpmc_exit)
{
	extern const char guest_rdpmc_gp_off[];
	struct svxu_vcpu *v = &self->g.vcpu;
	struct svx_stats st = { .version = SVX_STATS_VERSION,
				.size = sizeof(st) };

	INIT(rdpmc, SVXU_MODE_PM32);
	set_gate32(&self->g, 13, (uint32_t)(uintptr_t)guest_rdpmc_gp_off);
	ASSERT_OUT32(v, PORT_RESULT, 0x5a);		/* past wbinvd */
	ASSERT_OUT32(v, PORT_RESULT2, 0);		/* #GP(0) */
	ASSERT_OUT32(v, PORT_RESULT, 13);
	ASSERT_EXIT(v, KVM_EXIT_HLT);
	if (!svxu_has_stats(self->g.vm.fd))
		return;
	ASSERT_EQ(0, svxu_ioctl(v->fd, SVX_GET_VCPU_STATS, (unsigned long)&st));
	ASSERT_EQ(1, st.exits[EXIT_REASON_WBINVD]);
	ASSERT_EQ(1, st.exits[EXIT_REASON_RDPMC]);
}
