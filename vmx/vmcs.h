/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS accessors.  Every caller must have the vCPU loaded (svx_vcpu_load():
 * preemption off and this vCPU's VMCS current on this CPU).
 */
#ifndef SVX_VMX_VMCS_H
#define SVX_VMX_VMCS_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <asm/vmx.h>

/* Segment access-rights bit that marks a segment unusable (SDM 24.4.1). */
#define SVX_AR_UNUSABLE		BIT(16)

/* Interruption-information fields (SDM 24.8.3, 24.9.2, 24.9.3). */
#define SVX_INTR_VALID		BIT(31)
#define SVX_INTR_HAS_ERROR	BIT(11)
#define SVX_INTR_NMI_UNBLOCK	BIT(12)
#define SVX_INTR_TYPE_SHIFT	8
#define SVX_INTR_TYPE_MASK	(7U << SVX_INTR_TYPE_SHIFT)
#define SVX_INTR_TYPE_EXT	0
#define SVX_INTR_TYPE_NMI	2
#define SVX_INTR_TYPE_HW_EXC	3
#define SVX_INTR_TYPE_SW_INT	4
#define SVX_INTR_TYPE_PRIV_SW	5
#define SVX_INTR_TYPE_SW_EXC	6

static __always_inline unsigned long svx_vmread(unsigned long field)
{
	unsigned long value;

	asm volatile("vmread %1, %0" : "=r"(value) : "r"(field) : "cc");
	return value;
}

void svx_vmwrite_error(unsigned long field, unsigned long value);

static __always_inline void svx_vmwrite(unsigned long field,
					unsigned long value)
{
	bool fail;

	asm volatile("vmwrite %2, %1\n\tsetna %0"
		     : "=qm"(fail) : "r"(field), "rm"(value) : "cc");
	if (unlikely(fail))
		svx_vmwrite_error(field, value);
}

static inline void svx_vmcs_set_bits(unsigned long field, u32 bits)
{
	svx_vmwrite(field, svx_vmread(field) | bits);
}

static inline void svx_vmcs_clear_bits(unsigned long field, u32 bits)
{
	svx_vmwrite(field, svx_vmread(field) & ~bits);
}

#endif /* SVX_VMX_VMCS_H */
