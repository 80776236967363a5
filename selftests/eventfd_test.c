// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD and KVM_IRQFD, as kvm_intel has them, on every device and
 * paging mode: the ioctls' errors (bad lengths, flags, fds, collisions,
 * deassignment of what is not there), guest writes that match an
 * ioeventfd (OUT, REP OUTS, MMIO stores; wildcard, datamatch, length 0)
 * signalling it without leaving KVM_RUN while the writes that do not
 * match exit as before, and irqfds raising an IOAPIC edge pin, a level pin
 * through a resampler (EOI: the line drops, the resamplefd is signalled,
 * the interrupt comes once) and an MSI route, and no longer after
 * deassignment; eventfds closed before and after the VM.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "svx.h"

#define APIC		0xfee00000
#define IOAPIC		0xfec00000
#define MMIO		SVX_MMIO_GPA
#define PIO_W		0x50		/* wildcard, length 2 */
#define PIO_D		0x54		/* datamatch 0xabcd, length 4 */
#define PIO_0		0x58		/* length 0 */

/*
 * Guest (long mode), ioeventfds: two OUTWs to PIO_W, an OUTL to PIO_D that
 * matches and one that does not (exit); an OUTB to PIO_W (length 1: exit);
 * REP OUTSW of 3 words to PIO_W; an OUTL to PIO_0; MMIO: a 4-byte store at
 * MMIO (wildcard), an 8-byte one at MMIO + 8 (datamatch), a 4-byte one
 * there (exit), a byte at MMIO + 16 (length 0); PORT_RESULT2; an OUTW to
 * PIO_W (the host has deassigned it: exit); PORT_RESULT2.
 */
__asm__(
"	.pushsection .rodata.svx_eventfd_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_ioeventfd_start, guest_ioeventfd_end\n"
"	.balign 16\n"
"guest_ioeventfd_start:\n"
"	movw	$0x1234, %ax\n"
"	outw	%ax, $" XSTR(PIO_W) "\n"
"	outw	%ax, $" XSTR(PIO_W) "\n"
"	movl	$0xabcd, %eax\n"
"	outl	%eax, $" XSTR(PIO_D) "\n"
"	movl	$0xabce, %eax\n"
"	outl	%eax, $" XSTR(PIO_D) "\n"
"	outb	%al, $" XSTR(PIO_W) "\n"
"	movabsq	$(" XSTR(SVX_CODE) " + 9f - guest_ioeventfd_start), %rsi\n"
"	movl	$3, %ecx\n"
"	movw	$" XSTR(PIO_W) ", %dx\n"
"	cld\n"
"	rep outsw\n"
"	outl	%eax, $" XSTR(PIO_0) "\n"
"	movl	$" XSTR(MMIO) ", %edi\n"
"	movl	$7, (%rdi)\n"
"	movabsq	$0x1122334455667788, %rax\n"
"	movq	%rax, 8(%rdi)\n"
"	movl	$1, 8(%rdi)\n"
"	movb	$1, 16(%rdi)\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	movw	$0x1234, %ax\n"
"	outw	%ax, $" XSTR(PIO_W) "\n"
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"9:	.word 1, 2, 3\n"
"guest_ioeventfd_end:\n"
"	.popsection\n");

/*
 * Guest (long mode), irqfds: IOAPIC pin 10 edge to vector 0x51, pin 11
 * level to 0x52, an MSI route (the host's) to 0x53; each PORT_TICK asks
 * the host for the next signal: pin 10's irqfd (count 1 on PORT_RESULT),
 * pin 11's resampling irqfd (after a while, 2: no second delivery), the
 * MSI's (3), pin 10's after its deassignment (after a while, still 3).
 */
#define TICK								\
"	outl	%eax, $" XSTR(PORT_TICK) "\n"
#define DELAY(lbl)							\
"	sti\n"								\
"	movl	$20000, %ecx\n"						\
#lbl ":	pause\n"						\
"	loop	" #lbl "b\n"						\
"	cli\n"

__asm__(
"	.pushsection .rodata.svx_eventfd_guest, \"a\"\n"
"	.code64\n"
"	.globl guest_irqfd_start, guest_irqfd_end\n"
"	.balign 16\n"
"guest_irqfd_start:\n"
IRQ_BASES
GATE64(irqfd, 0x51, irqfd_isr)
GATE64(irqfd, 0x52, irqfd_isr)
GATE64(irqfd, 0x53, irqfd_isr)
"	xorl	%ebx, %ebx\n"
"	movb	$0xff, %al\n	outb	%al, $0x21\n	outb	%al, $0xa1\n"
APIC_W(0xf0, 0x1ff)
IOAPIC_W(0x24, 0x51)
IOAPIC_W(0x25, 0)
IOAPIC_W(0x26, 0x8052)
IOAPIC_W(0x27, 0)
TICK
WAIT_COUNT(1, 1)
REPORT(PORT_RESULT)
TICK
WAIT_COUNT(2, 2)
DELAY(3)
REPORT(PORT_RESULT)
TICK
WAIT_COUNT(3, 4)
REPORT(PORT_RESULT)
TICK
DELAY(5)
REPORT(PORT_RESULT)
"	outl	%eax, $" XSTR(PORT_RESULT2) "\n"
"	hlt\n"
"irqfd_isr:\n"
"	incl	%ebx\n"
APIC_W(0xb0, 0)
"	iretq\n"
"guest_irqfd_end:\n"
"	.popsection\n");

static int ioeventfd(int vm, int fd, uint64_t addr, uint32_t len,
		     uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return svxu_ioctl(vm, KVM_IOEVENTFD, (unsigned long)&a);
}

static int irqfd(int vm, int fd, uint32_t gsi, uint32_t flags, int resamplefd)
{
	struct kvm_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = resamplefd,
	};

	return svxu_ioctl(vm, KVM_IRQFD, (unsigned long)&a);
}

/* The eventfd's count (read, so reset), waiting up to 2 s for one; or -1 */
static long long efd_count(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 2000) != 1)
		return 0;
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return v;
}

/* The same without waiting: what is there now. */
static long long efd_now(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return errno == EAGAIN ? 0 : -1;
	return v;
}

static int new_efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

SVX_GUEST_FIXTURE(eventfd);

/* KVM_IOEVENTFD's errors, collisions and deassignment, as kvm_intel's. */
TEST_F(eventfd, ioeventfd_errors)
{
	int vm, e1 = new_efd(), e2 = new_efd();
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;

	ASSERT_LE(0, e1);
	ASSERT_LE(0, e2);
	ASSERT_EQ(0, svxu_guest_create(&self->g));
	vm = self->g.vm.fd;
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION,
				KVM_CAP_IOEVENTFD_ANY_LENGTH));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION,
				KVM_CAP_IOEVENTFD_NO_LENGTH));
	EXPECT_EQ(-EFAULT, svxu_ioctl(vm, KVM_IOEVENTFD, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, e1, 0x50, 3, pio, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, e1, 0x50, 16, 0, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, e1, 0x50, 2, 1u << 5, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, e1, 0x50, 0, pio | dm, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, e1, ~0ULL - 1, 4, 0, 0));
	EXPECT_EQ(-EBADF, ioeventfd(vm, -1, 0x50, 2, pio, 0));
	EXPECT_EQ(-EINVAL, ioeventfd(vm, vm, 0x50, 2, pio, 0));

	/* collisions: same bus and address, any length 0, equal lengths */
	EXPECT_EQ(0, ioeventfd(vm, e1, 0x50, 2, pio, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x50, 2, pio, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x50, 2, pio | dm, 5));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x50, 0, pio, 0));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x50, 4, pio | dm, 5));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x50, 4, pio | dm, 6));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e1, 0x50, 4, pio | dm, 6));
	EXPECT_EQ(0, ioeventfd(vm, e1, 0x50, 2, 0, 0));		/* MMIO bus */
	/* bit 4 (kvm_ioeventfd_flag_nr_fast_mmio): valid, the MMIO bus */
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x50, 2, 1u << 4, 0));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x52, 2, 1u << 4, 0));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x52, 2, KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(0, ioeventfd(vm, e1, 0x51, 0, pio, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x51, 8, pio, 0));
	/* virtio-ccw's bus: accepted by x86 KVM, never written */
	EXPECT_EQ(0, ioeventfd(vm, e1, 0x50, 2,
			       KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0));

	/* deassignment: fd, bus, address, length, datamatch all match */
	EXPECT_EQ(-EBADF, ioeventfd(vm, -1, 0x50, 2, pio | de, 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e2, 0x50, 2, pio | de, 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e1, 0x50, 2, pio | dm | de, 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e1, 0x50, 4, pio | de, 0));
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e2, 0x50, 4, pio | dm | de, 7));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x50, 4, pio | dm | de, 6));
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e2, 0x50, 4, pio | dm | de, 6));
	EXPECT_EQ(0, ioeventfd(vm, e1, 0x50, 2, pio | de, 0));
	EXPECT_EQ(-EEXIST, ioeventfd(vm, e2, 0x50, 0, pio, 0));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x50, 4, pio | dm | de, 5));
	EXPECT_EQ(0, ioeventfd(vm, e2, 0x50, 0, pio, 0));
	/* deassignment ignores the assignment's checks */
	EXPECT_EQ(-ENOENT, ioeventfd(vm, e1, 0x50, 3, pio | de | (1u << 4), 0));
	close(e2);	/* still registered: goes with the VM */
	close(e1);
}

/*
 * Matching writes signal the ioeventfd in the kernel: KVM_RUN returns only
 * for the writes that do not match (and the guest's two PORT_RESULT2).
 */
TEST_F(eventfd, ioeventfd_writes)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	int e[7], vm, i, runs = 0;

	for (i = 0; i < 7; i++) {
		e[i] = new_efd();
		ASSERT_LE(0, e[i]);
	}
	INIT(ioeventfd, SVXU_MODE_LONG64);
	vm = self->g.vm.fd;
	ASSERT_EQ(0, ioeventfd(vm, e[0], PIO_W, 2, pio, 0));
	ASSERT_EQ(0, ioeventfd(vm, e[1], PIO_D, 4, pio | dm, 0xabcd));
	ASSERT_EQ(0, ioeventfd(vm, e[2], PIO_0, 0, pio, 0));
	ASSERT_EQ(0, ioeventfd(vm, e[3], MMIO, 4, 0, 0));
	ASSERT_EQ(0, ioeventfd(vm, e[4], MMIO + 8, 8, dm, 0x1122334455667788ULL));
	ASSERT_EQ(0, ioeventfd(vm, e[5], MMIO + 16, 0, 0, 0));
	/* the MMIO bus' PIO_W: not the port's */
	ASSERT_EQ(0, ioeventfd(vm, e[6], PIO_W, 1, 0, 0));

	ASSERT_OUT32(&self->g.vcpu, PIO_D, 0xabce);
	runs++;
	EXPECT_EQ(2, efd_now(e[0]));
	EXPECT_EQ(1, efd_now(e[1]));
	ASSERT_PIO(&self->g.vcpu, PIO_W, 1, KVM_EXIT_IO_OUT);
	runs++;
	ASSERT_EXIT(&self->g.vcpu, KVM_EXIT_MMIO);
	runs++;
	EXPECT_EQ(MMIO + 8, self->g.run->mmio.phys_addr);
	EXPECT_EQ(4, self->g.run->mmio.len);
	EXPECT_EQ(1, self->g.run->mmio.is_write);
	EXPECT_EQ(3, efd_now(e[0]));	/* REP OUTSW */
	EXPECT_EQ(1, efd_now(e[2]));
	EXPECT_EQ(1, efd_now(e[3]));
	EXPECT_EQ(1, efd_now(e[4]));
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	runs++;
	EXPECT_EQ(1, efd_now(e[5]));
	EXPECT_EQ(0, efd_now(e[6]));
	/* deassigned: the next OUTW to PIO_W exits */
	ASSERT_EQ(0, ioeventfd(vm, e[0], PIO_W, 2,
			       pio | KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	ASSERT_PIO(&self->g.vcpu, PIO_W, 2, KVM_EXIT_IO_OUT);
	runs++;
	EXPECT_EQ(0x1234, svxu_io_value(self->g.run) & 0xffff);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	runs++;
	EXPECT_EQ(0, efd_now(e[0]));
	printf("# eventfd-exits[%s%s%s]: %d KVM_RUN returns for 8 instructions "
	       "writing to ioeventfds (10 writes) and 6 that exit\n",
	       svxu_dev(), svxu_dev_is_kvm() ? "" : " ",
	       svxu_dev_is_kvm() ? "" : (svxu_paging() ?: "shadow"), runs);
	fflush(stdout);
	for (i = 0; i < 7; i++)
		close(e[i]);
}

/* KVM_IRQFD's errors, and eventfds closed before and after the VM. */
TEST_F(eventfd, irqfd_errors)
{
	int vm, a = new_efd(), b = new_efd(), r = new_efd();
	const uint32_t rs = KVM_IRQFD_FLAG_RESAMPLE;
	const uint32_t de = KVM_IRQFD_FLAG_DEASSIGN;
	uint64_t one = 1;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, svxu_guest_create(&self->g));
	vm = self->g.vm.fd;
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	EXPECT_EQ(1, svxu_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE));
	/* no in-kernel irqchip */
	EXPECT_EQ(-EINVAL, irqfd(vm, a, 5, 0, 0));
	EXPECT_EQ(0, irqfd(vm, a, 5, de, 0));
	svxu_guest_fini(&self->g);

	ASSERT_EQ(0, svxu_guest_create_with(&self->g, SVXU_GUEST_IRQCHIP));
	vm = self->g.vm.fd;
	EXPECT_EQ(-EFAULT, svxu_ioctl(vm, KVM_IRQFD, 0));
	EXPECT_EQ(-EINVAL, irqfd(vm, a, 5, 4, 0));
	EXPECT_EQ(-EBADF, irqfd(vm, -1, 5, 0, 0));
	EXPECT_EQ(-EINVAL, irqfd(vm, vm, 5, 0, 0));
	EXPECT_EQ(-EBADF, irqfd(vm, a, 5, rs, -1));
	EXPECT_EQ(-EINVAL, irqfd(vm, a, 5, rs, vm));
	EXPECT_EQ(-EBADF, irqfd(vm, -1, 5, de, 0));
	EXPECT_EQ(0, irqfd(vm, a, 5, 0, 0));
	EXPECT_EQ(-EBUSY, irqfd(vm, a, 6, 0, 0));
	EXPECT_EQ(-EBUSY, irqfd(vm, a, 5, 0, 0));
	EXPECT_EQ(0, irqfd(vm, a, 6, de, 0));		/* none such: 0 */
	EXPECT_EQ(0, irqfd(vm, a, 5, de, 0));
	EXPECT_EQ(0, irqfd(vm, a, 6, 0, 0));		/* free again */
	EXPECT_EQ(0, irqfd(vm, b, 7, rs, r));
	/* a GSI no route has: accepted, signals go nowhere */
	EXPECT_EQ(0, irqfd(vm, r, 1000, 0, 0));
	/* a's fd closes first (EPOLLHUP detaches it), b's after the VM */
	close(a);
	svxu_guest_fini(&self->g);
	EXPECT_EQ(8, write(b, &one, sizeof(one)));
	close(b);
	close(r);
}

/*
 * irqfds raise IOAPIC pins and an MSI in the kernel: KVM_RUN returns only
 * for the guest's PORT_TICKs and reports.
 */
TEST_F(eventfd, irqfd_inject)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[3];
	} rt;
	int vm, a = new_efd(), b = new_efd(), rsf = new_efd(), m = new_efd();
	uint64_t one = 1;
	int r;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, rsf);
	ASSERT_LE(0, m);
	r = svxu_guest_create_with(&self->g, SVXU_GUEST_IRQCHIP);
	ASSERT_EQ(0, r) TH_LOG("irqchip guest: %s (%s)", strerror(-r),
			       svxu_last_op());
	svxu_load(&self->g.vm, SVX_GUEST(irqfd));
	ASSERT_EQ(0, svxu_setup_mode(&self->g.vcpu, SVXU_MODE_LONG64));
	vm = self->g.vm.fd;
	memset(&rt, 0, sizeof(rt));
	rt.r.nr = 3;
	rt.e[0].gsi = 10;
	rt.e[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt.e[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt.e[0].u.irqchip.pin = 10;
	rt.e[1] = rt.e[0];
	rt.e[1].gsi = 11;
	rt.e[1].u.irqchip.pin = 11;
	rt.e[2].gsi = 24;
	rt.e[2].type = KVM_IRQ_ROUTING_MSI;
	rt.e[2].u.msi.address_lo = APIC;
	rt.e[2].u.msi.data = 0x53;
	ASSERT_EQ(0, svxu_ioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt));
	ASSERT_EQ(0, irqfd(vm, a, 10, 0, 0));
	ASSERT_EQ(0, irqfd(vm, b, 11, KVM_IRQFD_FLAG_RESAMPLE, rsf));
	ASSERT_EQ(0, irqfd(vm, m, 24, 0, 0));

	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(8, write(a, &one, sizeof(one)));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 1);
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	EXPECT_EQ(0, efd_now(rsf));
	ASSERT_EQ(8, write(b, &one, sizeof(one)));
	/* one delivery: the EOI dropped the line */
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 2);
	EXPECT_EQ(1, efd_count(rsf));
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(8, write(m, &one, sizeof(one)));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 3);
	ASSERT_PIO(&self->g.vcpu, PORT_TICK, 4, KVM_EXIT_IO_OUT);
	ASSERT_EQ(0, irqfd(vm, a, 10, KVM_IRQFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(8, write(a, &one, sizeof(one)));
	ASSERT_OUT32(&self->g.vcpu, PORT_RESULT, 3);
	ASSERT_PIO(&self->g.vcpu, PORT_RESULT2, 4, KVM_EXIT_IO_OUT);
	/* the resampler's irqfd and the MSI's go with the VM */
	svxu_guest_fini(&self->g);
	close(a);
	close(b);
	close(rsf);
	close(m);
}

TEST_HARNESS_MAIN
