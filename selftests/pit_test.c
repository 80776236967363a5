// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel PIT (KVM_CREATE_PIT2, KVM_GET/SET_PIT2,
 * KVM_REINJECT_CONTROL) and its ports as a guest sees them, with
 * KVM's values.  Skipped where KVM_CAP_PIT2 is not advertised.
 *
 * Without KVM_CREATE_IRQCHIP on purpose: KVM creates the PIT anyway (its
 * channel 0 just never fires), so the ioctls and the ports 0x40-0x43 and
 * 0x61 are testable without an interrupt controller.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "svx.h"

#define PORT_REPORT	PORT_OUT8	/* guest/guests.S: pit_ports */

SVX_GUEST_FIXTURE(pit);

#define SKIP_UNLESS_PIT2() do {						\
	if (svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,		\
		       KVM_CAP_PIT2) <= 0 ||				\
	    svxu_ioctl(self->g.vm.sys_fd, KVM_CHECK_EXTENSION,		\
		       KVM_CAP_PIT_STATE2) <= 0)			\
		SKIP(return, "no KVM_CAP_PIT2/KVM_CAP_PIT_STATE2 on %s",	\
		     svxu_dev());					\
} while (0)

static int create_pit2(int vm_fd, __u32 flags)
{
	struct kvm_pit_config cfg = { .flags = flags };

	return svxu_ioctl(vm_fd, KVM_CREATE_PIT2, (unsigned long)&cfg);
}

static __s64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

TEST_F(pit, ioctls_before_create_enxio)
{
	struct kvm_pit_state2 s;
	struct kvm_reinject_control rc = { .pit_reinject = 1 };

	INIT(hlt, SVXU_MODE_PM32);
	SKIP_UNLESS_PIT2();
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(-ENXIO, svxu_ioctl(self->g.vm.fd, KVM_GET_PIT2,
				     (unsigned long)&s));
	ASSERT_EQ(-ENXIO, svxu_ioctl(self->g.vm.fd, KVM_SET_PIT2,
				     (unsigned long)&s));
	ASSERT_EQ(-ENXIO, svxu_ioctl(self->g.vm.fd, KVM_REINJECT_CONTROL,
				     (unsigned long)&rc));
}

TEST_F(pit, create_twice_eexist_and_reset_state)
{
	struct kvm_pit_state2 s;
	int i;

	INIT(hlt, SVXU_MODE_PM32);
	SKIP_UNLESS_PIT2();
	/* No irqchip, unknown flag bits: KVM takes both. */
	ASSERT_EQ(0, create_pit2(self->g.vm.fd, 0x80000000u));
	ASSERT_EQ(-EEXIST, create_pit2(self->g.vm.fd, 0));
	ASSERT_EQ(-EEXIST, svxu_ioctl(self->g.vm.fd, KVM_CREATE_PIT, 0));
	memset(&s, 0xa5, sizeof(s));
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_GET_PIT2,
				(unsigned long)&s));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0xff, s.channels[i].mode);
		EXPECT_EQ(0x10000u, s.channels[i].count);
		EXPECT_EQ(i != 2, s.channels[i].gate);
		EXPECT_EQ(0, s.channels[i].rw_mode);
		EXPECT_EQ(0, s.channels[i].count_latched);
		EXPECT_EQ(0, s.channels[i].status_latched);
	}
	EXPECT_EQ(0u, s.flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0u, s.reserved[i]);
}

TEST_F(pit, set_get_pit2_round_trip)
{
	struct kvm_pit_state2 in, out;
	struct kvm_reinject_control rc = { .pit_reinject = 0 };
	__s64 before, after;
	int i;

	INIT(hlt, SVXU_MODE_PM32);
	SKIP_UNLESS_PIT2();
	ASSERT_EQ(0, create_pit2(self->g.vm.fd, KVM_PIT_SPEAKER_DUMMY));
	memset(&in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		in.channels[i].count = 0x1000 * (i + 1);
		in.channels[i].latched_count = 0x123 + i;
		in.channels[i].count_latched = 3;
		in.channels[i].status_latched = 1;
		in.channels[i].status = 0x36 + i;
		in.channels[i].read_state = 3;
		in.channels[i].write_state = 4;
		in.channels[i].write_latch = 0x77;
		in.channels[i].rw_mode = 3;
		in.channels[i].mode = i + 1;
		in.channels[i].bcd = i == 1;
		in.channels[i].gate = 1;
		in.channels[i].count_load_time = 12345;
	}
	in.channels[0].count = 0;	/* loads as 65536 */
	in.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	before = mono_ns();
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_SET_PIT2,
				(unsigned long)&in));
	after = mono_ns();
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_GET_PIT2,
				(unsigned long)&out));
	EXPECT_EQ(KVM_PIT_FLAGS_SPEAKER_DATA_ON, out.flags);
	EXPECT_EQ(0x10000u, out.channels[0].count);
	/* Channel 0's load time is not touched; 1 and 2 reload now. */
	EXPECT_EQ(12345, out.channels[0].count_load_time);
	for (i = 1; i < 3; i++) {
		EXPECT_LE(before, out.channels[i].count_load_time);
		EXPECT_GE(after, out.channels[i].count_load_time);
		in.channels[i].count_load_time = out.channels[i].count_load_time;
	}
	in.channels[0].count = 0x10000;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, memcmp(&in.channels[i], &out.channels[i],
				    sizeof(in.channels[i])))
			TH_LOG("channel %d differs", i);
	ASSERT_EQ(0, svxu_ioctl(self->g.vm.fd, KVM_REINJECT_CONTROL,
				(unsigned long)&rc));
}

static void run_ports(struct __test_metadata *_metadata,
		      struct svxu_vcpu *v, int vm_fd, bool dummy)
{
	struct kvm_pit_state2 s;

	ASSERT_PIO(v, PORT_REPORT, 1, KVM_EXIT_IO_OUT);
	/* Status of channel 2: OUT (time), LSB+MSB, mode 3, binary. */
	EXPECT_EQ(0x36, *((uint8_t *)v->run + v->run->io.data_offset) & 0x7f);
	ASSERT_PIO(v, PORT_REPORT, 1, KVM_EXIT_IO_OUT);
	/* Channel 1: LSB+MSB, mode 2, BCD. */
	EXPECT_EQ(0x35, *((uint8_t *)v->run + v->run->io.data_offset) & 0x7f);
	if (dummy) {
		ASSERT_PIO(v, PORT_REPORT, 1, KVM_EXIT_IO_OUT);
		/* gate 2 and speaker data; bits 4, 5: refresh, OUT2 */
		EXPECT_EQ(0x03, *((uint8_t *)v->run + v->run->io.data_offset)
			  & 0x0f);
	} else {
		ASSERT_PIO(v, 0x61, 1, KVM_EXIT_IO_OUT);
		EXPECT_EQ(0x03, *((uint8_t *)v->run + v->run->io.data_offset));
		ASSERT_PIO(v, 0x61, 1, KVM_EXIT_IO_IN);
		*((uint8_t *)v->run + v->run->io.data_offset) = 0x5a;
		ASSERT_PIO(v, PORT_REPORT, 1, KVM_EXIT_IO_OUT);
		EXPECT_EQ(0x5a, *((uint8_t *)v->run + v->run->io.data_offset));
	}
	ASSERT_EXIT(v, KVM_EXIT_HLT);

	ASSERT_EQ(0, svxu_ioctl(vm_fd, KVM_GET_PIT2, (unsigned long)&s));
	EXPECT_EQ(0x1234u, s.channels[2].count);
	EXPECT_EQ(3, s.channels[2].mode);
	EXPECT_EQ(3, s.channels[2].rw_mode);
	EXPECT_EQ(3, s.channels[2].write_state);
	EXPECT_EQ(0, s.channels[2].status_latched);
	EXPECT_EQ(2, s.channels[1].mode);
	EXPECT_EQ(1, s.channels[1].bcd);
	EXPECT_EQ(0x10000u, s.channels[1].count);
	EXPECT_EQ(dummy, s.channels[2].gate);
	EXPECT_EQ(dummy ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0, s.flags);
}

TEST_F(pit, guest_ports_speaker_dummy)
{
	INIT(pit_ports, SVXU_MODE_PM32);
	SKIP_UNLESS_PIT2();
	ASSERT_EQ(0, create_pit2(self->g.vm.fd, KVM_PIT_SPEAKER_DUMMY));
	run_ports(_metadata, &self->g.vcpu, self->g.vm.fd, true);
}

TEST_F(pit, guest_ports_speaker_to_user)
{
	INIT(pit_ports, SVXU_MODE_PM32);
	SKIP_UNLESS_PIT2();
	ASSERT_EQ(0, create_pit2(self->g.vm.fd, 0));
	run_ports(_metadata, &self->g.vcpu, self->g.vm.fd, false);
}

TEST_HARNESS_MAIN
