// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' layer over libsvxu: see svx.h.  The entry states are
 * libsvxu's (svxu_vcpu_set_mode) for the layout of guest/guest.h.
 */
#include <stdlib.h>
#include <sys/klog.h>
#include <string.h>

#define SVX_LIB_INTERNAL
#include "svx.h"

static const struct svxu_layout selftest_layout = {
	.gdt = SVX_GDT,
	.sel_code32 = SVX_SEL_CS32,
	.sel_code64 = SVX_SEL_CS64,
	.sel_data = SVX_SEL_DS,
	.sel_tss = SVX_SEL_TSS,
	.tss_desc_size = 8,
	.tss = SVX_TSS,
	.idt = SVX_IDT,
	.pt = SVX_PT,
	.pt_min_gib = 4,
	.pt_real16 = true,
	.pm32_cr0 = 0x31,		/* PE | ET | NE */
	.stack = SVX_STACK,
};

int svxu_setup_mode(struct svxu_vcpu *vcpu, enum svxu_mode mode)
{
	struct svxu_boot b = { .mode = mode, .entry = SVX_CODE };

	return svxu_vcpu_set_mode(vcpu, &selftest_layout, &b);
}

void svxu_load(struct svxu_vm *vm, struct svxu_code code)
{
	memcpy(vm->mem + SVX_CODE, code.start, code.len);
}

int svxu_guest_create_with(struct svxu_guest *g, unsigned int flags)
{
	int r;

	memset(g, 0, sizeof(*g));
	svxu_vm_init(&g->vm);
	g->vcpu.fd = -1;
	r = svxu_vm_create(&g->vm, SVX_MEM_SIZE);
	if (!r)
		r = svxu_vm_set_tss(&g->vm);
	if (!r && (flags & SVXU_GUEST_IRQCHIP))
		r = svxu_ioctl(g->vm.fd, KVM_CREATE_IRQCHIP, 0);
	if (r)
		return r;
	r = svxu_vcpu_create(&g->vm, 0, &g->vcpu);
	if (r)
		return r;
	g->run = g->vcpu.run;
	return 0;
}

int svxu_guest_create(struct svxu_guest *g)
{
	return svxu_guest_create_with(g, 0);
}

int svxu_guest_init(struct svxu_guest *g, struct svxu_code code,
		    enum svxu_mode mode)
{
	int r = svxu_guest_create(g);

	if (r)
		return r;
	svxu_load(&g->vm, code);
	return svxu_setup_mode(&g->vcpu, mode);
}

/* The touch guest's range (guest/guests.S): @n pages from @gpa. */
int svxu_set_touch_range(struct svxu_vcpu *v, uint32_t gpa, uint32_t n)
{
	struct kvm_regs regs;
	int r = svxu_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs);

	if (r)
		return r;
	regs.rsi = gpa;
	regs.rdx = n;
	return svxu_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs);
}

void svxu_guest_fini(struct svxu_guest *g)
{
	svxu_vcpu_destroy(&g->vcpu);
	svxu_vm_destroy(&g->vm);
}

/* Lines of the kernel log that hold @needle; -1 when it cannot be read. */
int svx_klog_count(const char *needle)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf, *p;
	int n = 0, len;

	if (size <= 0)
		return -1;
	buf = calloc(1, size + 1);
	if (!buf)
		return -1;
	len = klogctl(3, buf, size);		/* SYSLOG_ACTION_READ_ALL */
	if (len < 0) {
		free(buf);
		return -1;
	}
	for (p = buf; (p = strstr(p, needle)); p++)
		n++;
	free(buf);
	return n;
}
