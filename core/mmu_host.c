// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of mmu/mmu_host.h: what the shadow MMU (mmu/mmu.c) needs
 * from its host.  Table pages are kernel pages, addressed by physical
 * address, with the owning shadow page in page->private; guest memory is
 * the VMM's, pinned with pin_user_pages_fast() (core/vm.c) and accessed
 * with user-access primitives; the guest CR3 is a VMCS field.  Also the
 * MMU's module parameters (audit, max_shadow_pages) and the audit totals
 * in /sys/module/shadowvmx/parameters/.
 *
 * tools/testing/mmu/mmu_sim.c implements the same interface in userspace.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "svx.h"
#include "vmx_int.h"
#include "vmx.h"
#include "vm.h"

bool svx_audit;
module_param_named(audit, svx_audit, bool, 0644);
MODULE_PARM_DESC(audit, "Check the shadow tables against the guest's after every shadow fault (slow; for tests)");

unsigned int svx_max_sps = 4096;
module_param_named(max_shadow_pages, svx_max_sps, uint, 0644);
MODULE_PARM_DESC(max_shadow_pages,
		 "Shadow pages per VM; above it the oldest are recycled");

bool svx_prefetch_enabled = true;
module_param_named(prefetch, svx_prefetch_enabled, bool, 0644);
MODULE_PARM_DESC(prefetch,
		 "On a shadow fault, also map the neighbouring guest PTEs the guest has accessed before");

bool svx_large_sptes_enabled = true;
module_param_named(large_sptes, svx_large_sptes_enabled, bool, 0644);
MODULE_PARM_DESC(large_sptes,
		 "Map a guest's 2 MiB/4 MiB/1 GiB pages with 2 MiB shadow entries where a transparent huge page backs them");

bool svx_unsync_enabled = true;
module_param_named(unsync, svx_unsync_enabled, bool, 0644);
MODULE_PARM_DESC(unsync,
		 "Let a guest write its leaf page tables without exits until the next INVLPG/CR3 load (unsync shadow pages)");

/* Totals over all VMs, read in /sys/module/shadowvmx/parameters/. */
static atomic_long_t svx_audit_checks_total, svx_audit_violations_total;

static int svx_get_atomic_long(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops svx_ro_counter_ops = {
	.get = svx_get_atomic_long,
};

module_param_cb(audit_checks, &svx_ro_counter_ops, &svx_audit_checks_total,
		0444);
MODULE_PARM_DESC(audit_checks, "SPTEs checked by the audit since load");
module_param_cb(audit_violations, &svx_ro_counter_ops,
		&svx_audit_violations_total, 0444);
MODULE_PARM_DESC(audit_violations,
		 "SPTEs found disagreeing with the guest's tables since load");

/*
 * Gauges over all VMs, read-only in /sys/module/shadowvmx/parameters/:
 * guest pages pinned (svx_host_pins(), shadow and EPT) and MMU table pages
 * allocated (shadow tables and their gfn arrays, PAE roots, EPT tables and
 * the EPT zap page).  Both are 0 whenever no VM exists: the ioctl fuzzer
 * (tools/testing/fuzz) checks that after every program, once its fds are
 * closed.
 */
static atomic_long_t svx_pinned_pages_total, svx_table_pages_total;
module_param_cb(pinned_pages, &svx_ro_counter_ops, &svx_pinned_pages_total,
		0444);
MODULE_PARM_DESC(pinned_pages, "Guest pages pinned now, all VMs");
module_param_cb(table_pages, &svx_ro_counter_ops, &svx_table_pages_total,
		0444);
MODULE_PARM_DESC(table_pages, "Shadow/EPT table pages allocated now, all VMs");

void svx_host_audit_count(bool violation)
{
	atomic_long_inc(&svx_audit_checks_total);
	if (violation)
		atomic_long_inc(&svx_audit_violations_total);
}

u64 *svx_host_alloc_table(bool dma32)
{
	struct page *page = svx_fallible(alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				       (dma32 ? GFP_DMA32 : 0)));

	if (!page)
		return NULL;
	atomic_long_inc(&svx_table_pages_total);
	return page_address(page);
}

void svx_host_free_table(void *table)
{
	if (!table)
		return;
	atomic_long_dec(&svx_table_pages_total);
	free_page((unsigned long)table);
}

u64 svx_host_pa(const void *table)
{
	return __pa(table);
}

void *svx_host_va(u64 pa)
{
	return __va(pa);
}

void *svx_host_table_owner(u64 pa)
{
	return (void *)page_private(pfn_to_page(pa >> PAGE_SHIFT));
}

void svx_host_set_table_owner(void *table, void *owner)
{
	set_page_private(virt_to_page(table), (unsigned long)owner);
}

int svx_host_pin_gfn(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		     u64 gfn, u64 *pfn)
{
	struct page *page;
	int r;

	r = svx_pin_gfn(vcpu, s, gfn, &page);
	if (!r)
		*pfn = page_to_pfn(page);
	return r;
}

/*
 * The shadow MMU drops pins under mmu_lock (a spinlock), so the page is
 * marked dirty without the page lock that unpin_user_pages_dirty_lock()
 * may sleep on; KVM marks the pages it mapped writable the same way.
 */
void svx_host_unpin(u64 pfn, bool dirty)
{
	struct page *page = pfn_to_page(pfn);

	if (dirty)
		SetPageDirty(page);
	unpin_user_page(page);
}

int svx_host_pin_2m(struct svx_vcpu *vcpu, const struct svx_memslot *s,
		    u64 gfn, u64 pfn4k, u64 *pfn)
{
	struct page *page = pfn_to_page(pfn4k), **pages;
	unsigned long hva, first;
	int n, i, r = 0;

	if (gfn < s->base_gfn || gfn + 512 > s->base_gfn + s->npages)
		return 0;
	hva = svx_memslot_gfn_to_hva(s, gfn);
	if ((hva & (SZ_2M - 1)) || !PageTransCompound(page) ||
	    compound_order(compound_head(page)) < 9 ||
	    !svx_pins_allowed(vcpu->vm, 512, false))
		return 0;	/* 4 KiB pages instead */
	pages = svx_fallible(kvmalloc_array(512, sizeof(*pages), GFP_KERNEL_ACCOUNT));
	if (!pages)
		return -ENOMEM;
	n = svx_pin_user_pages_fast(hva, 512, FOLL_LONGTERM |
				    ((s->flags & KVM_MEM_READONLY) ? 0 :
				     FOLL_WRITE), pages);
	if (n < 0)
		n = 0;
	first = n ? page_to_pfn(pages[0]) : 0;
	if (n == 512 && !(first & 511)) {
		r = 1;
		for (i = 1; i < 512; i++)
			if (page_to_pfn(pages[i]) != first + i)
				r = 0;
	}
	if (r)
		*pfn = first;
	else
		unpin_user_pages(pages, n);
	kvfree(pages);
	return r;
}

/*
 * Long-term pins are the VMM's pinned memory, as VFIO's and io_uring's:
 * counted in mm->pinned_vm (VmPin) and limited by RLIMIT_MEMLOCK unless
 * the VM's creator had CAP_IPC_LOCK (svx_pins_allowed()).
 */
void svx_host_pins(struct svx_vm *vm, long n)
{
	/*
	 * Freeing a tree that held no pin: also when svx_mmu_vm_init()
	 * fails, before KVM_CREATE_VM has set vm->mm.
	 */
	if (!n)
		return;
	vm->pages_pinned += n;
	atomic64_add(n, &vm->mm->pinned_vm);
	atomic_long_add(n, &svx_pinned_pages_total);
}

void svx_host_unpin_2m(u64 pfn, bool dirty)
{
	struct page *page = pfn_to_page(pfn);

	if (dirty)
		SetPageDirty(page);	/* the head: one flag for the folio */
	unpin_user_page_range_dirty_lock(page, 512, false);
}

void svx_host_unpin_range(u64 pfn, unsigned long n, bool dirty)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long i;

	/* Dirty as svx_host_unpin() marks it: no page lock. */
	for (i = 0; dirty && i < n; i++)
		if (!PageDirty(compound_head(page + i)))
			SetPageDirty(compound_head(page + i));
	unpin_user_page_range_dirty_lock(page, n, false);
}

int svx_host_pin_range(struct svx_vm *vm, const struct svx_memslot *s,
		       u64 gfn, unsigned long n, u64 *pfn)
{
	unsigned long hva = svx_memslot_gfn_to_hva(s, gfn), done = 0;
	unsigned int gup = FOLL_LONGTERM |
			   ((s->flags & KVM_MEM_READONLY) ? 0 : FOLL_WRITE);
	struct page **pages;
	u64 first = 0;
	int i, got;

	if (!svx_pins_allowed(vm, n, false))
		return 0;
	pages = svx_fallible(kmalloc_array(512, sizeof(*pages), GFP_KERNEL_ACCOUNT));
	if (!pages)
		return -ENOMEM;
	while (done < n) {
		got = svx_pin_user_pages_fast(hva + done * PAGE_SIZE, 512,
					      gup, pages);
		if (got <= 0)
			break;
		if (!done)
			first = page_to_pfn(pages[0]);
		for (i = 0; i < got; i++)
			if (page_to_pfn(pages[i]) != first + done + i)
				break;
		if (i < got || got < 512 || (first & (n - 1))) {
			unpin_user_pages(pages, got);
			break;
		}
		done += got;
	}
	kfree(pages);
	if (done == n) {
		*pfn = first;
		return 1;
	}
	if (done)
		unpin_user_page_range_dirty_lock(pfn_to_page(first), done,
						 false);
	return 0;
}

unsigned int svx_host_backing_order(u64 pfn)
{
	struct page *page = pfn_to_page(pfn);

	return PageCompound(page) ? compound_order(compound_head(page)) : 0;
}

void svx_host_set_dirty(u64 pfn)
{
	struct page *head = compound_head(pfn_to_page(pfn));

	if (!PageDirty(head))
		SetPageDirty(head);
}

/*
 * The VMM's address of @gpa in a writable memslot of @as, or 0 (*@ro: the
 * memslot is there but read-only).
 */
static u64 svx_gpa_to_hva_writable(struct svx_vm *vm, int as, u64 gpa,
				   bool *ro)
{
	const struct svx_memslot *slot;
	u64 hva = 0;

	rcu_read_lock();
	slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, as)),
				gpa >> PAGE_SHIFT);
	*ro = slot && (slot->flags & KVM_MEM_READONLY);
	if (slot && !*ro)
		hva = svx_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
		      (gpa & ~PAGE_MASK);
	rcu_read_unlock();
	return hva;
}

int svx_host_cmpxchg_gpa_as(struct svx_vm *vm, int as, u64 gpa, u64 old,
			    u64 new, unsigned int size)
{
	bool ro;
	u64 hva = svx_gpa_to_hva_writable(vm, as, gpa, &ro);
	int r;

	if (!hva)
		return ro ? -EROFS : -EFAULT;
	if (size == 8) {
		u64 o = old;

		r = __try_cmpxchg_user((u64 __user *)hva, &o, new, efault8);
	} else {
		u32 o = old;

		r = __try_cmpxchg_user((u32 __user *)hva, &o, (u32)new,
				       efault4);
	}
	if (r == 0)	/* written: the walker's A/D bits, emulated writes */
		svx_mark_page_dirty_as(vm, as, gpa >> PAGE_SHIFT);
	return r < 0 ? -EFAULT : r;
}

int svx_host_cmpxchg_gpa(struct svx_vm *vm, u64 gpa, u64 old, u64 new,
			 unsigned int size)
{
	return svx_host_cmpxchg_gpa_as(vm, 0, gpa, old, new, size);
}

/*
 * There is no 16-byte user-access cmpxchg: pin the page (the guest's own
 * cmpxchg16b may sleep here, as any emulated access may), map it and run
 * LOCK CMPXCHG16B on the kernel mapping, which cannot fault.
 */
int svx_host_cmpxchg16_gpa_as(struct svx_vm *vm, int as, u64 gpa,
			      u64 old[2], const u64 new[2])
{
	bool ro;
	u64 hva = svx_gpa_to_hva_writable(vm, as, gpa, &ro);
	u64 lo = old[0], hi = old[1];
	struct page *page;
	bool done;
	u8 *p;

	if (!hva || (gpa & 15) || !boot_cpu_has(X86_FEATURE_CX16))
		return -EFAULT;
	if (svx_pin_user_pages_fast(hva & PAGE_MASK, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	p = kmap_local_page(page);
	asm volatile("lock cmpxchg16b %[m]"
		     CC_SET(z)
		     : CC_OUT(z) (done), [m] "+m" (*(u64 (*)[2])(p + (hva & ~PAGE_MASK))),
		       "+a" (lo), "+d" (hi)
		     : "b" (new[0]), "c" (new[1])
		     : "memory");
	kunmap_local(p);
	unpin_user_pages_dirty_lock(&page, 1, done);
	if (done)
		svx_mark_page_dirty_as(vm, as, gpa >> PAGE_SHIFT);
	old[0] = lo;
	old[1] = hi;
	return done ? 0 : 1;
}

int svx_host_cmpxchg16_gpa(struct svx_vm *vm, u64 gpa, u64 old[2],
			   const u64 new[2])
{
	return svx_host_cmpxchg16_gpa_as(vm, 0, gpa, old, new);
}

/*
 * Read guest memory without sleeping (under mmu_lock): fails with -EFAULT
 * when the bytes are outside every memslot or their host page is not
 * resident; the caller then treats them as unknown.
 */
int svx_host_read_gpa_atomic(struct svx_vm *vm, int as, u64 gpa, void *buf,
			     unsigned int len)
{
	const struct svx_memslot *slot;
	unsigned long left;
	u64 hva = 0;

	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return -EFAULT;
	rcu_read_lock();
	slot = svx_memslot_find(rcu_dereference(*svx_as_memslots(vm, as)),
				gpa >> PAGE_SHIFT);
	if (slot)
		hva = svx_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
		      (gpa & ~PAGE_MASK);
	rcu_read_unlock();
	if (!slot)
		return -EFAULT;
	pagefault_disable();
	left = __copy_from_user_inatomic(buf, (void __user *)hva, len);
	pagefault_enable();
	return left ? -EFAULT : 0;
}

void svx_host_set_guest_cr3(struct svx_vcpu *vcpu, u64 root)
{
	svx_vcpu_load(vcpu);
	svx_vmwrite(GUEST_CR3, root);
	svx_vcpu_put(vcpu);
}

unsigned int svx_host_maxphyaddr(void)
{
	return boot_cpu_data.x86_phys_bits;
}

bool svx_host_gbpages(void)
{
	return boot_cpu_has(X86_FEATURE_GBPAGES);
}
