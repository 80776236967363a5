// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of irqchip/i8254.c on the fake host: each mode's OUT and
 * counter over time, latch and read-back commands, LSB/MSB sequencing,
 * BCD, channel 0's interrupts, port 0x61, KVM_GET/SET_PIT(2), reinject.
 *
 * The expected OUT and counter values are KVM's (and QEMU's) 8254 model:
 * d = ticks of 1193181 Hz since the count was loaded (channel 0: since the
 * current period began); modes 1, 2, 4 and 5 report OUT inverted against
 * the datasheet's low pulses, as KVM does, and BCD only shows in the
 * status byte.
 */
#include <stdio.h>
#include <string.h>
#include "fake_host.h"

static int cur_fail;

#define CHECK(c, fmt, ...) do {						\
	if (!(c)) {							\
		cur_fail++;						\
		printf("#   %s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
		       #c, ##__VA_ARGS__);				\
	}								\
} while (0)
#define EQ(a, b) do {							\
	long long __a = (a), __b = (b);					\
									\
	CHECK(__a == __b, "%s = %lld, want %lld", #a, __a, __b);	\
} while (0)
#define ARRAY_SIZE(x)	(sizeof(x) / sizeof((x)[0]))

#define T0	1000000000ULL	/* the tests start 1 s into host time */
#define FREQ	1193181ULL

static u64 ticks(u64 ns)
{
	return (u64)((__uint128_t)ns * FREQ / 1000000000ULL);
}

/* The first time at which @k ticks have elapsed. */
static u64 ns_at_tick(u64 k)
{
	return (k * 1000000000ULL + FREQ - 1) / FREQ;
}

static u64 interval_ns(u64 count)
{
	return count * 1000000000ULL / FREQ;
}

static int ref_out(int mode, s64 c, s64 d)
{
	switch (mode) {
	case 0:
		return d >= c;
	case 1:
		return d < c;
	case 2:
		return d % c == 0 && d != 0;
	case 3:
		return d % c < (c + 1) / 2;
	default:
		return d == c;
	}
}

static int ref_count(int mode, s64 c, s64 d)
{
	switch (mode) {
	case 2:
		return c - d % c;
	case 3:
		return c - (2 * d) % c;
	default:
		return (c - d) & 0xffff;
	}
}

/* Control word: channel @ch, lobyte/hibyte, @mode, binary. */
static void program(struct fake_vm *vm, int ch, int mode, u32 count)
{
	fake_outb(vm, 0x43, ch << 6 | 0x30 | mode << 1);
	fake_outb(vm, 0x40 + ch, count & 0xff);
	fake_outb(vm, 0x40 + ch, (count >> 8) & 0xff);
}

static int read_count(struct fake_vm *vm, int ch)
{
	int lo = fake_inb(vm, 0x40 + ch);

	return lo | fake_inb(vm, 0x40 + ch) << 8;
}

static u8 read_status(struct fake_vm *vm, int ch)
{
	fake_outb(vm, 0x43, 0xe0 | 2 << ch);	/* read-back: status only */
	return fake_inb(vm, 0x40 + ch);
}

static void test_reset(void)
{
	struct fake_vm vm;
	struct kvm_pit_state2 s;
	u8 v = 0;
	int i;

	fake_vm_init(&vm, T0, 0, true);
	svx_pit_get_state2(&vm.pit, &s);
	for (i = 0; i < 3; i++) {
		EQ(s.channels[i].mode, 0xff);
		EQ(s.channels[i].count, 0x10000);
		EQ(s.channels[i].gate, i != 2);
	}
	EQ(s.flags, 0);
	EQ(vm.timer, 0);		/* mode 0xff: no timer */
	EQ(vm.pit.reinject, 1);
	EQ(vm.pit.irq_ack, 1);
	EQ(svx_pit_ioport(&vm.pit, 0x61, false, &v), -1);	/* no speaker */
	EQ(svx_pit_ioport(&vm.pit, 0x3f, false, &v), -1);
	EQ(svx_pit_ioport(&vm.pit, 0x44, true, &v), -1);
	v = 0x55;
	EQ(svx_pit_ioport(&vm.pit, 0x43, false, &v), 0);
	EQ(v, 0);			/* the control port reads 0 */
}

/* Channel 1 (gate high): OUT and counter of every mode over time. */
static void test_waveforms(void)
{
	static const u32 counts[] = { 1000, 333 };
	struct fake_vm vm;
	int mode, k;
	unsigned int ci;

	for (ci = 0; ci < 2; ci++) {
		s64 c = counts[ci];
		s64 ds[] = { 0, 1, c / 4, c / 2 - 1, c / 2, c / 2 + 1, c - 1,
			     c, c + 1, 3 * c / 2, 2 * c - 1, 2 * c, 2 * c + 1,
			     5 * c / 2 + 3, 70000 };

		for (mode = 0; mode <= 5; mode++) {
			fake_vm_init(&vm, T0, 0, true);
			program(&vm, 1, mode, c);
			for (k = 0; k < (int)ARRAY_SIZE(ds); k++) {
				s64 d = ds[k];
				int cnt, st;

				fake_advance(&vm, T0 + ns_at_tick(d));
				cnt = read_count(&vm, 1);
				st = read_status(&vm, 1);
				CHECK(cnt == ref_count(mode, c, d),
				      "mode %d count %lld d %lld: %d want %d",
				      mode, (long long)c, (long long)d, cnt,
				      ref_count(mode, c, d));
				CHECK(st == (ref_out(mode, c, d) << 7 | 0x30 |
					     mode << 1),
				      "mode %d count %lld d %lld: status 0x%x",
				      mode, (long long)c, (long long)d, st);
			}
		}
	}

	/* Spot values: count 1000, 0.5 ms = 596 ticks later. */
	fake_vm_init(&vm, T0, 0, true);
	program(&vm, 1, 0, 1000);
	fake_advance(&vm, T0 + 500000);
	EQ(read_count(&vm, 1), 404);
	program(&vm, 1, 3, 1000);
	fake_advance(&vm, T0 + 1000000);
	EQ(read_count(&vm, 1), 808);
	EQ(read_status(&vm, 1) >> 7, 0);
	/* Mode 6 and 7 are modes 2 and 3. */
	fake_outb(&vm, 0x43, 0x40 | 0x30 | 6 << 1);
	EQ(read_status(&vm, 1), 0x30 | 2 << 1);
	fake_outb(&vm, 0x43, 0x40 | 0x30 | 7 << 1);
	EQ(read_status(&vm, 1), 0x30 | 3 << 1);
}

/* Channel 0: the interrupts of each mode and their times. */
static void test_ch0_irqs(void)
{
	const u32 c = 11932;			/* ~10 ms */
	const u64 iv = interval_ns(c);
	struct fake_vm vm;
	unsigned int i;
	int mode;

	EQ(iv, 10000159);
	for (mode = 0; mode <= 5; mode++) {
		unsigned int want = (mode == 2 || mode == 3) ? 10 :
				    mode == 5 ? 0 : 1;

		fake_vm_init(&vm, T0, 0, true);
		fake_reset_lines();
		program(&vm, 0, mode, c);
		fake_advance(&vm, T0 + iv - 1);
		EQ(fake_edges, 0);
		fake_advance(&vm, T0 + 10 * iv + iv / 2);
		CHECK(fake_edges == want, "mode %d: %u edges, want %u",
		      mode, fake_edges, want);
		for (i = 0; i < fake_edges && i < want; i++)
			CHECK(fake_edge_ns[i] == T0 + (i + 1) * iv,
			      "mode %d edge %u at %llu", mode, i,
			      (unsigned long long)(fake_edge_ns[i] - T0));
		EQ(fake_level[0], 0);		/* a pulse: 1 then 0 */
		EQ(fake_bad_call, 0);
		if (mode == 2) {
			/* Half-way through the 11th period. */
			fake_advance(&vm, T0 + 10 * iv + iv / 2);
			EQ(read_count(&vm, 0), c - ticks(iv / 2));
		}
	}

	/* A period shorter than 200 us is stretched to 200 us. */
	fake_vm_init(&vm, T0, 0, true);
	fake_reset_lines();
	program(&vm, 0, 2, 2);
	fake_advance(&vm, T0 + 450000);
	EQ(fake_edges, 3);
	EQ(fake_edge_ns[0] - T0, interval_ns(2));
	EQ(fake_edge_ns[1] - T0, interval_ns(2) + 200000);
	EQ(fake_edge_ns[2] - T0, interval_ns(2) + 400000);

	/* Reprogramming restarts the period from the new load. */
	fake_vm_init(&vm, T0, 0, true);
	fake_reset_lines();
	program(&vm, 0, 2, c);
	fake_advance(&vm, T0 + iv / 2);
	program(&vm, 0, 2, c / 2);
	fake_advance(&vm, T0 + iv / 2 + interval_ns(c / 2) - 1);
	EQ(fake_edges, 0);
	fake_advance(&vm, T0 + iv / 2 + interval_ns(c / 2));
	EQ(fake_edges, 1);
}

static void test_no_irqchip(void)
{
	struct fake_vm vm;

	/* As KVM: without an in-kernel IOAPIC channel 0 has no timer. */
	fake_vm_init(&vm, T0, 0, false);
	fake_reset_lines();
	program(&vm, 0, 2, 1000);
	EQ(vm.timer, 0);
	EQ(vm.timer_arms, 0);
	fake_advance(&vm, T0 + 50000000);
	EQ(fake_line_calls, 0);
	EQ(read_count(&vm, 0), 1000);	/* period 0: nothing elapsed */
}

static void test_latch(void)
{
	struct fake_vm vm;
	int v;

	fake_vm_init(&vm, T0, 0, true);
	program(&vm, 1, 2, 5000);
	fake_advance(&vm, T0 + 1000000);
	fake_outb(&vm, 0x43, 0x40);		/* latch channel 1 */
	fake_advance(&vm, T0 + 2000000);
	fake_outb(&vm, 0x43, 0x40);		/* ignored: still latched */
	EQ(read_count(&vm, 1), 5000 - ticks(1000000));
	/* Next reads are live again. */
	EQ(read_count(&vm, 1), 5000 - ticks(2000000));
	/* A latch between the two bytes of a live read. */
	fake_advance(&vm, T0 + 2100000);
	fake_outb(&vm, 0x43, 0x40);
	fake_advance(&vm, T0 + 2200000);
	v = fake_inb(&vm, 0x41);
	EQ(v, (5000 - ticks(2100000)) & 0xff);
	v = fake_inb(&vm, 0x41);
	EQ(v, (5000 - ticks(2100000)) >> 8);

	/* LSB-only mode: the latch is one byte. */
	fake_outb(&vm, 0x43, 0x50 | 2 << 1);
	fake_outb(&vm, 0x41, 200);
	fake_advance(&vm, T0 + 2200000 + ns_at_tick(50));
	fake_outb(&vm, 0x43, 0x40);
	fake_advance(&vm, T0 + 2200000 + ns_at_tick(60));
	EQ(fake_inb(&vm, 0x41), 150);
	EQ(fake_inb(&vm, 0x41), 140);		/* live */
	/* MSB-only mode: the high byte. */
	fake_outb(&vm, 0x43, 0x60 | 2 << 1);
	fake_outb(&vm, 0x41, 0x12);
	fake_advance(&vm, fake_now + ns_at_tick(0x100) + 1);
	fake_outb(&vm, 0x43, 0x40);
	EQ(fake_inb(&vm, 0x41), 0x11);
}

static void test_readback(void)
{
	struct fake_vm vm;
	u64 t;

	fake_vm_init(&vm, T0, KVM_PIT_SPEAKER_DUMMY, true);
	program(&vm, 1, 3, 1000);
	fake_outb(&vm, 0x43, 0x80 | 0x30 | 0 << 1 | 1);	/* ch2 mode 0 BCD */
	fake_outb(&vm, 0x42, 0x00);
	fake_outb(&vm, 0x42, 0x05);
	t = fake_now;
	fake_advance(&vm, t + ns_at_tick(100));
	/* Count and status of channels 1 and 2. */
	fake_outb(&vm, 0x43, 0xc0 | 2 << 1 | 2 << 2);
	fake_advance(&vm, t + ns_at_tick(300));
	EQ(fake_inb(&vm, 0x41), 1 << 7 | 0x30 | 3 << 1);	/* status first */
	EQ(read_count(&vm, 1), 1000 - 200);
	EQ(fake_inb(&vm, 0x42), 0x30 | 0 << 1 | 1);	/* OUT low, BCD */
	EQ(read_count(&vm, 2), 0x500 - 100);
	EQ(read_count(&vm, 2), 0x500 - 300);		/* live again */
	/* Count only (bit 4 set): the next read is the count. */
	fake_outb(&vm, 0x43, 0xd0 | 2 << 2);
	fake_advance(&vm, t + ns_at_tick(400));
	EQ(read_count(&vm, 2), 0x500 - 300);
	/* Status only (bit 5 set): then live counts. */
	fake_outb(&vm, 0x43, 0xe0 | 2 << 2);
	EQ(fake_inb(&vm, 0x42), 0x31);
	EQ(read_count(&vm, 2), 0x500 - 400);
	/* Status latched twice: the first one stays. */
	fake_outb(&vm, 0x43, 0xe0 | 2 << 2);
	fake_advance(&vm, t + ns_at_tick(0x500));
	fake_outb(&vm, 0x43, 0xe0 | 2 << 2);
	EQ(fake_inb(&vm, 0x42), 0x31);
	EQ(fake_inb(&vm, 0x42), 0x00);	/* live LSB: 0x500 - 0x500 */
	EQ(read_status(&vm, 2), 0x80 | 0x31);	/* OUT high at terminal count */
}

static void test_rw_modes(void)
{
	struct fake_vm vm;
	struct kvm_pit_state2 s;

	fake_vm_init(&vm, T0, 0, true);
	/* LSB only */
	fake_outb(&vm, 0x43, 0x50 | 2 << 1);
	fake_outb(&vm, 0x41, 0x34);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[1].count, 0x34);
	EQ(fake_inb(&vm, 0x41), 0x34);
	EQ(fake_inb(&vm, 0x41), 0x34);
	/* MSB only */
	fake_outb(&vm, 0x43, 0x60 | 2 << 1);
	fake_outb(&vm, 0x41, 0x12);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[1].count, 0x1200);
	EQ(fake_inb(&vm, 0x41), 0x12);
	EQ(fake_inb(&vm, 0x41), 0x12);
	/* LSB then MSB: nothing loads on the first byte. */
	fake_outb(&vm, 0x43, 0x70 | 2 << 1);
	fake_outb(&vm, 0x41, 0x78);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[1].count, 0x1200);
	EQ(s.channels[1].write_state, 4);
	fake_outb(&vm, 0x41, 0x56);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[1].count, 0x5678);
	EQ(s.channels[1].write_state, 3);
	EQ(fake_inb(&vm, 0x41), 0x78);
	EQ(fake_inb(&vm, 0x41), 0x56);
	EQ(fake_inb(&vm, 0x41), 0x78);
	/* A control word resets the byte sequence. */
	fake_inb(&vm, 0x41);
	fake_outb(&vm, 0x43, 0x70 | 2 << 1);
	EQ(fake_inb(&vm, 0x41), 0x78);
	/* Count 0 is 65536. */
	program(&vm, 1, 2, 0);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[1].count, 0x10000);
	EQ(read_count(&vm, 1), 0);	/* 65536 & 0xffff */
	fake_advance(&vm, fake_now + ns_at_tick(1));
	EQ(read_count(&vm, 1), 0xffff);
	/* Writing channel 2's data does not touch channel 1. */
	fake_outb(&vm, 0x43, 0xb0);
	fake_outb(&vm, 0x42, 1);
	fake_outb(&vm, 0x42, 2);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.channels[2].count, 0x201);
	EQ(s.channels[1].count, 0x10000);
}

static void test_bcd(void)
{
	struct fake_vm vm;

	fake_vm_init(&vm, T0, 0, true);
	fake_outb(&vm, 0x43, 0x70 | 2 << 1 | 1);	/* ch1 mode 2 BCD */
	EQ(read_status(&vm, 1), 0x30 | 2 << 1 | 1);
	fake_outb(&vm, 0x41, 0x00);
	fake_outb(&vm, 0x41, 0x01);
	/* As KVM: the count is taken and counted as binary. */
	fake_advance(&vm, T0 + ns_at_tick(100));
	EQ(read_count(&vm, 1), 0x100 - 100);
	EQ(read_status(&vm, 1) & 1, 1);
	/* A binary control word clears it. */
	fake_outb(&vm, 0x43, 0x70 | 2 << 1);
	EQ(read_status(&vm, 1) & 1, 0);
}

#define RB	(16384ULL << 16)

static void test_speaker(void)
{
	struct fake_vm vm;
	struct kvm_pit_state2 s;
	const u64 c = 1000;
	u64 t;
	u8 v;

	/* The refresh bit (4) is bit 14 of the host's ns. */
	fake_vm_init(&vm, RB + 3 * 16384 - 1, KVM_PIT_SPEAKER_DUMMY, true);
	EQ(fake_inb(&vm, 0x61) & 0x13, 0);		/* gate 0, refresh 0 */
	fake_advance(&vm, RB + 3 * 16384);
	EQ(fake_inb(&vm, 0x61) & 0x10, 0x10);		/* refresh toggled */
	fake_advance(&vm, RB + 4 * 16384);
	EQ(fake_inb(&vm, 0x61) & 0x10, 0);

	/* Mode 2 on channel 2: the gate's rising edge reloads it. */
	program(&vm, 2, 2, c);
	fake_advance(&vm, fake_now + 5000000);
	fake_outb(&vm, 0x61, 1);
	t = fake_now;
	v = fake_inb(&vm, 0x61);
	EQ(v & 3, 1);
	fake_advance(&vm, t + ns_at_tick(300));
	EQ(read_count(&vm, 2), c - 300);
	fake_outb(&vm, 0x61, 1);			/* no edge */
	fake_advance(&vm, t + ns_at_tick(400));
	EQ(read_count(&vm, 2), c - 400);
	fake_outb(&vm, 0x61, 0);
	fake_advance(&vm, t + ns_at_tick(500));
	fake_outb(&vm, 0x61, 1);			/* edge: restart */
	t = fake_now;
	EQ(read_count(&vm, 2), c);
	fake_advance(&vm, t + ns_at_tick(c));
	EQ(fake_inb(&vm, 0x61) >> 5 & 1, 1);		/* mode 2 pulse */
	fake_advance(&vm, t + ns_at_tick(c + 1));
	EQ(fake_inb(&vm, 0x61) >> 5 & 1, 0);

	/* Mode 3: OUT (bit 5) is the square wave. */
	program(&vm, 2, 3, c);
	fake_outb(&vm, 0x61, 0);
	fake_outb(&vm, 0x61, 3);			/* gate + data */
	t = fake_now;
	fake_advance(&vm, t + ns_at_tick(c / 4));
	v = fake_inb(&vm, 0x61);
	EQ(v & 0x23, 0x23);
	fake_advance(&vm, t + ns_at_tick(3 * c / 4));
	EQ(fake_inb(&vm, 0x61) & 0x23, 0x03);
	fake_advance(&vm, t + ns_at_tick(c + 1));
	EQ(fake_inb(&vm, 0x61) & 0x20, 0x20);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	EQ(s.channels[2].gate, 1);
	fake_outb(&vm, 0x61, 1);
	svx_pit_get_state2(&vm.pit, &s);
	EQ(s.flags, 0);

	/* Mode 0 ignores the gate (as KVM). */
	program(&vm, 2, 0, c);
	t = fake_now;
	fake_outb(&vm, 0x61, 0);
	fake_advance(&vm, t + ns_at_tick(10));
	fake_outb(&vm, 0x61, 1);
	fake_advance(&vm, t + ns_at_tick(20));
	EQ(read_count(&vm, 2), c - 20);
}

static void test_state(void)
{
	struct fake_vm a, b;
	struct kvm_pit_state2 sa, sb;
	struct kvm_pit_state s1;
	const u32 c = 11932;
	u64 iv = interval_ns(c);
	int i;

	fake_vm_init(&a, T0, KVM_PIT_SPEAKER_DUMMY, true);
	program(&a, 0, 2, c);
	program(&a, 1, 3, 777);
	fake_outb(&a, 0x43, 0xb0 | 1 << 1);		/* ch2 mode 1 */
	fake_outb(&a, 0x42, 0x34);			/* half a word */
	fake_outb(&a, 0x61, 3);
	fake_advance(&a, T0 + 5000000);
	fake_outb(&a, 0x43, 0xe0 | 2 << 1);		/* status ch1 latched */
	svx_pit_get_state2(&a.pit, &sa);
	EQ(sa.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	EQ(sa.channels[1].status_latched, 1);
	EQ(sa.channels[1].status, 0x30 | 3 << 1);
	EQ(sa.channels[2].write_state, 4);
	EQ(sa.channels[2].write_latch, 0x34);
	for (i = 0; i < 9; i++)
		EQ(sa.reserved[i], 0);

	fake_vm_init(&b, T0 + 5000000, KVM_PIT_SPEAKER_DUMMY, true);
	svx_pit_set_state2(&b.pit, &sa);
	svx_pit_get_state2(&b.pit, &sb);
	/* As KVM: setting reloads the counts (load times become now). */
	for (i = 0; i < 3; i++) {
		if (i)
			sa.channels[i].count_load_time = fake_now;
		CHECK(!memcmp(&sa.channels[i], &sb.channels[i],
			      sizeof(sa.channels[i])), "channel %d differs", i);
	}
	EQ(sb.flags, sa.flags);
	EQ(b.timer, fake_now + iv);			/* channel 0 restarted */
	EQ(b.pit.period, iv);
	EQ(b.pit.is_periodic, 1);
	/* The restored status latch and half-written count carry on. */
	EQ(fake_inb(&b, 0x41), 0x30 | 3 << 1);	/* d = 5965: OUT low */
	fake_outb(&b, 0x42, 0x12);
	svx_pit_get_state2(&b.pit, &sb);
	EQ(sb.channels[2].count, 0x1234);

	/* HPET legacy: channel 0 keeps its mode but gets no timer. */
	fake_vm_init(&b, T0, 0, true);
	sa.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	svx_pit_set_state2(&b.pit, &sa);
	EQ(b.timer, 0);
	svx_pit_get_state2(&b.pit, &sb);
	EQ(sb.flags, KVM_PIT_FLAGS_HPET_LEGACY);
	EQ(sb.channels[0].mode, 2);
	program(&b, 0, 2, c);
	EQ(b.timer, 0);
	sa.flags = 0;
	svx_pit_set_state2(&b.pit, &sa);
	EQ(b.timer, fake_now + iv);

	/* KVM_GET/SET_PIT */
	svx_pit_get_state(&a.pit, &s1);
	CHECK(!memcmp(s1.channels, a.pit.ch, sizeof(s1.channels)), "get_pit");
	fake_vm_init(&b, T0 + 5000000, 0, true);
	s1.channels[0].mode = 0;
	s1.channels[0].count = 0;
	svx_pit_set_state(&b.pit, &s1);
	EQ(b.pit.ch[0].count, 0x10000);
	EQ(b.timer, fake_now + interval_ns(0x10000));
	EQ(b.pit.is_periodic, 0);
}

static void test_reinject(void)
{
	const u32 c = 11932;
	const u64 iv = interval_ns(c);
	struct fake_vm vm;
	int i;

	fake_vm_init(&vm, T0, 0, true);
	fake_reset_lines();
	vm.auto_eoi = false;
	program(&vm, 0, 2, c);
	fake_advance(&vm, T0 + 5 * iv + iv / 2);
	EQ(fake_edges, 1);		/* the guest did not EOI the first */
	EQ(vm.pit.pending, 5);
	for (i = 2; i <= 5; i++) {
		svx_pit_irq_acked(&vm.pit);
		fake_run_work(&vm);
		EQ(fake_edges, i);
		EQ(vm.pit.pending, 6 - i);
	}
	svx_pit_irq_acked(&vm.pit);	/* acks the 5th: nothing left */
	fake_run_work(&vm);
	EQ(fake_edges, 5);
	EQ(vm.pit.pending, 0);
	svx_pit_irq_acked(&vm.pit);
	fake_run_work(&vm);
	EQ(fake_edges, 5);
	/* The next tick is injected at once (acknowledged). */
	fake_advance(&vm, T0 + 6 * iv);
	EQ(fake_edges, 6);
	EQ(fake_edge_ns[5], T0 + 6 * iv);

	/* Unmasking GSI 0 forgets the backlog. */
	fake_advance(&vm, T0 + 9 * iv);
	EQ(vm.pit.pending, 4);
	EQ(fake_edges, 6);
	svx_pit_irq_unmasked(&vm.pit);
	EQ(vm.pit.pending, 0);
	EQ(vm.pit.irq_ack, 1);
	fake_advance(&vm, T0 + 10 * iv);
	EQ(fake_edges, 7);

	/* Reinject off: every tick, EOI or not, nothing counted. */
	svx_pit_set_reinject(&vm.pit, false);
	fake_advance(&vm, T0 + 13 * iv);
	EQ(fake_edges, 10);
	EQ(vm.pit.pending, 1);		/* left as it was */
	svx_pit_irq_acked(&vm.pit);	/* no ack notifier */
	EQ(vm.pit.pending, 1);
	/* Back on: the backlog starts from zero, acknowledged. */
	svx_pit_set_reinject(&vm.pit, true);
	EQ(vm.pit.pending, 0);
	EQ(vm.pit.irq_ack, 1);
	fake_advance(&vm, T0 + 14 * iv);
	EQ(fake_edges, 11);

	/* The work runs late: ticks before it are one injection. */
	fake_vm_init(&vm, T0, 0, true);
	fake_reset_lines();
	svx_pit_set_reinject(&vm.pit, false);
	vm.auto_work = false;
	program(&vm, 0, 2, c);
	fake_advance(&vm, T0 + 3 * iv);
	EQ(vm.work_queued, 1);
	fake_run_work(&vm);
	EQ(fake_edges, 1);
	/* Reprogramming flushes a queued tick first (kthread_flush_work). */
	fake_advance(&vm, T0 + 4 * iv);
	EQ(vm.work, 1);
	program(&vm, 0, 2, c);
	EQ(fake_edges, 2);
	EQ(vm.pit.work_queued, 0);
}

static void test_timer_fn(void)
{
	struct fake_vm vm;
	const u64 iv = interval_ns(1000);

	fake_vm_init(&vm, T0, 0, true);
	fake_reset_lines();
	program(&vm, 0, 2, 1000);
	/* A firing before the armed expiry (raced with a re-arm). */
	EQ(svx_pit_timer_fn(&vm.pit, T0 + iv - 1), T0 + iv);
	EQ(vm.pit.pending, 0);
	EQ(vm.work, 0);
	/* On time: the next period. */
	EQ(svx_pit_timer_fn(&vm.pit, T0 + iv), T0 + 2 * iv);
	EQ(vm.pit.pending, 1);
	/* Late: the missed period follows at once. */
	EQ(svx_pit_timer_fn(&vm.pit, T0 + 5 * iv), T0 + 3 * iv);
	EQ(vm.pit.pending, 2);
	/* Stopped: a late firing does nothing. */
	svx_pit_stop(&vm.pit);
	EQ(vm.timer, 0);
	EQ(svx_pit_timer_fn(&vm.pit, T0 + 6 * iv), 0);
	fake_run_work(&vm);
	EQ(fake_line_calls, 0);
	/* One-shot: no re-arm. */
	fake_vm_init(&vm, T0, 0, true);
	program(&vm, 0, 4, 1000);
	EQ(svx_pit_timer_fn(&vm.pit, T0 + iv), 0);
	EQ(svx_pit_timer_fn(&vm.pit, T0 + 2 * iv), 0);
	EQ(vm.pit.pending, 1);
	/* Mode 5 and a mode-0xff reset cancel the timer. */
	program(&vm, 0, 2, 1000);
	EQ(vm.timer, fake_now + iv);
	program(&vm, 0, 5, 1000);
	EQ(vm.timer, 0);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "reset", test_reset },
	{ "waveforms", test_waveforms },
	{ "ch0-irqs", test_ch0_irqs },
	{ "no-irqchip", test_no_irqchip },
	{ "latch", test_latch },
	{ "readback", test_readback },
	{ "rw-modes", test_rw_modes },
	{ "bcd", test_bcd },
	{ "speaker", test_speaker },
	{ "state", test_state },
	{ "reinject", test_reinject },
	{ "timer-fn", test_timer_fn },
};

int main(void)
{
	unsigned int i, passed = 0, failed = 0;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		cur_fail = 0;
		tests[i].fn();
		if (cur_fail) {
			failed++;
			printf("not ok %u - %s (%d checks failed)\n", i + 1,
			       tests[i].name, cur_fail);
		} else {
			passed++;
			printf("ok %u - %s\n", i + 1, tests[i].name);
		}
	}
	printf("pit: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
