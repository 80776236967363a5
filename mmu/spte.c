// SPDX-License-Identifier: GPL-2.0
/*
 * SPTE encoding that is set up at run time (the bits themselves are
 * mmu/spte.h's): the layout of the address field of MMIO SPTEs and EPT MMIO
 * entries, chosen at module load for the CPU's L1TF mitigation
 * (svx_spte_init()), and the MMIO generation: when the memslot generation's
 * low bits an MMIO entry records wrap, every SPTE goes
 * (svx_mmu_memslots_changed()).
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/bits.h>
#include <linux/kernel.h>
#include <asm/page.h>

#include "mmu_internal.h"
#include "mmu.h"

/* Without L1TF: the whole address field holds the GPA. */
struct svx_mmio_layout svx_mmio_layout = { .cache = true, .low = SPTE_ADDR };

bool svx_spte_init(unsigned int l1tf_cache_bits)
{
	struct svx_mmio_layout *l = &svx_mmio_layout;
	unsigned int low_bits = l1tf_cache_bits - SVX_L1TF_SHIFT;

	*l = (struct svx_mmio_layout){ .cache = true, .low = SPTE_ADDR };
	if (!l1tf_cache_bits)
		return true;
	/* The moved bits must stay below bit 52 (the generation's). */
	if (l1tf_cache_bits + SVX_L1TF_SHIFT > 52 || low_bits <= PAGE_SHIFT) {
		l->cache = false;
		return false;
	}
	l->rsvd = GENMASK_ULL(l1tf_cache_bits - 1, low_bits);
	l->low = GENMASK_ULL(low_bits - 1, PAGE_SHIFT);
	return true;
}

/*
 * After a memslot change (under vm->lock): when the generation bits of
 * MMIO SPTEs wrap, an old MMIO SPTE could look current: zap them all.
 * (Deleted and moved slots zap everything anyway, see core/vm.c.)
 */
void svx_mmu_memslots_changed(struct svx_vm *vm, u64 gen)
{
	if (!(gen & SVX_MMIO_GEN_MASK))
		svx_mmu_zap_all(vm);
}
