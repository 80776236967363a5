// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD on a VM fd and on a vCPU fd: the module's counters
 * (struct svx_stats) in KVM's binary stats format
 * (Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"), so that
 * kvm_binary_stats_test and any KVM stats reader work:
 *
 *   struct kvm_stats_header, then the id string ("kvm-<pid>" for a VM,
 *   "kvm-<pid>/vcpu-<id>" for a vCPU, SVX_STATS_NAME_SIZE bytes), then
 *   num_desc descriptors of sizeof(struct kvm_stats_desc) +
 *   SVX_STATS_NAME_SIZE bytes each, then the data: one u64 per descriptor
 *   and SVX_NR_EXIT_REASONS for the exit-reason histogram, read with read()
 *   or pread() at any offset.
 *
 * A counter has KVM's name where it counts what KVM's does (vCPU: exits,
 * io_exits, halt_exits, irq_exits, irq_window_exits, nmi_window_exits,
 * mmio_exits, signal_exits, l1d_flush, pf_fixed, pf_guest; VM: mmu_pte_write,
 * mmu_flooded, mmu_unsync, mmu_recycled, remote_tlb_flush), its own
 * otherwise: "mmu_zaps" counts zap events (pages one by one, a whole-tree
 * zap once), not KVM's mmu_shadow_zapped.  The vCPU fd has the vCPU's
 * counters; the VM fd the VM's total (its own and every vCPU's, as
 * SVX_GET_VM_STATS).  Gauges (KVM_STATS_TYPE_INSTANT) are the VM's.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/vmx.h>

#include "core.h"
#include "vm.h"

#define SVX_STATS_NAME_SIZE	48	/* KVM_STATS_NAME_SIZE */

enum svx_stat_src { SVX_SRC_MISC, SVX_SRC_MMU, SVX_SRC_EXIT, SVX_SRC_HIST };

struct svx_stat_def {
	const char *name;
	u8 src;
	u8 idx;
	u8 type;	/* KVM_STATS_TYPE_* */
};

#define MISC(n, i)	{ n, SVX_SRC_MISC, SVX_STAT_##i, KVM_STATS_TYPE_CUMULATIVE }
#define MMU(n, i)	{ n, SVX_SRC_MMU, SVX_MMU_##i, KVM_STATS_TYPE_CUMULATIVE }
#define GAUGE(n, i)	{ n, SVX_SRC_MMU, SVX_MMU_##i, KVM_STATS_TYPE_INSTANT }
#define EXIT(n, r)	{ n, SVX_SRC_EXIT, EXIT_REASON_##r, KVM_STATS_TYPE_CUMULATIVE }

static const struct svx_stat_def svx_stat_defs[] = {
	/* KVM's names */
	MISC("exits", EXITS),
	EXIT("io_exits", IO_INSTRUCTION),
	EXIT("halt_exits", HLT),
	EXIT("irq_exits", EXTERNAL_INTERRUPT),
	EXIT("irq_window_exits", INTERRUPT_WINDOW),
	EXIT("nmi_window_exits", NMI_WINDOW),
	MISC("mmio_exits", MMIO),
	MISC("signal_exits", SIGNAL),
	MISC("l1d_flush", L1D_FLUSH),
	MMU("pf_fixed", PF_FIXED),
	MMU("pf_guest", PF_INJECTED),
	MMU("mmu_pte_write", PT_WRITE),
	MMU("mmu_flooded", FLOOD),
	MMU("mmu_unsync", UNSYNC),
	MMU("mmu_recycled", RECYCLED),
	MMU("remote_tlb_flush", FLUSH),
	/* the module's own (uapi/linux/shadowvmx.h) */
	MISC("runs", RUNS),
	MISC("entries", ENTRIES),
	MISC("user_exits", USER_EXITS),
	MISC("pio_user_exits", PIO),
	MISC("events_injected", INJECTED),
	MISC("events_reinjected", REINJECTED),
	MISC("failed_entries", FAILED_ENTRY),
	MISC("migrations", MIGRATIONS),
	MISC("task_switches", TASK_SWITCHES),
	MISC("rmode_emulated", RMODE_EMULATED),
	MISC("ibpb", IBPB),
	MMU("pf_mmio", PF_MMIO),
	MMU("pf_mmio_fast", MMIO_FAST),
	MMU("mmu_spte_installed", SPTE_INSTALLED),
	MMU("mmu_spte_large", SPTE_LARGE),
	MMU("mmu_prefetch", PREFETCH),
	MMU("mmu_sp_allocated", SP_ALLOCATED),
	GAUGE("mmu_sp_in_use", SP_IN_USE),
	GAUGE("pages_pinned", PAGES_PINNED),
	MMU("mmu_zaps", ZAP),
	MMU("mmu_emulated", EMULATED),
	MMU("mmu_sync", SYNC),
	MMU("mmu_pte_updated", PT_UPDATE),
	MMU("mmu_invlpg_updated", INVLPG_UPDATE),
	MMU("mmu_mmio_stale", MMIO_STALE),
	MMU("mmu_root_hit", ROOT_HIT),
	MMU("mmu_root_miss", ROOT_MISS),
	MMU("mmu_audit_checks", AUDIT_CHECKS),
	MMU("mmu_audit_violations", AUDIT_VIOLATIONS),
	MMU("ept_violations", EPT_VIOLATION),
	MMU("ept_violations_read", EPT_READ),
	MMU("ept_violations_write", EPT_WRITE),
	MMU("ept_violations_fetch", EPT_FETCH),
	MMU("ept_violations_mmio", EPT_MMIO),
	MMU("ept_misconfigs", EPT_MISCONFIG),
	GAUGE("ept_pages", EPT_PAGES),
	MMU("ept_large", EPT_LARGE),
	MMU("ept_large_1g", EPT_LARGE_1G),
	MMU("invept", INVEPT),
	MMU("invvpid", INVVPID),
	/* exits by basic exit reason: bucket N counts reason N */
	{ "exit_reasons", SVX_SRC_HIST, 0, KVM_STATS_TYPE_LINEAR_HIST },
};

#define SVX_NR_STAT_DEFS	ARRAY_SIZE(svx_stat_defs)

static u16 svx_stat_size(const struct svx_stat_def *d)
{
	return d->src == SVX_SRC_HIST ? SVX_NR_EXIT_REASONS : 1;
}

/* Bytes of data: every descriptor's u64s. */
static size_t svx_stats_data_size(void)
{
	size_t n = 0;
	int i;

	for (i = 0; i < SVX_NR_STAT_DEFS; i++)
		n += svx_stat_size(&svx_stat_defs[i]) * sizeof(u64);
	return n;
}

struct svx_stats_file {
	struct svx_vm *vm;
	struct svx_vcpu *vcpu;	/* NULL: the VM's */
	char id[SVX_STATS_NAME_SIZE];
};

/* The current values: the vCPU's, or the VM's with every vCPU's. */
static void svx_stats_snapshot(struct svx_stats_file *sf, struct svx_stats *s)
{
	struct svx_vm *vm = sf->vm;
	int i;

	memset(s, 0, sizeof(*s));
	mutex_lock(&vm->lock);
	if (sf->vcpu) {
		svx_stats_add(s, &sf->vcpu->stats);
	} else {
		svx_stats_add(s, &vm->stats);
		for (i = 0; i < SVX_MAX_VCPUS; i++)
			if (vm->vcpus[i])
				svx_stats_add(s, &vm->vcpus[i]->stats);
	}
	spin_lock(&vm->mmu_lock);
	s->mmu[SVX_MMU_SP_IN_USE] = vm->sp_in_use;
	s->mmu[SVX_MMU_PAGES_PINNED] = vm->pages_pinned;
	s->mmu[SVX_MMU_EPT_PAGES] = vm->ept_pages;
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
}

/*
 * The whole file, built at each read (a few KiB): header, id,
 * descriptors, data.
 */
static void *svx_stats_build(struct svx_stats_file *sf, size_t *len)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + SVX_STATS_NAME_SIZE;
	struct kvm_stats_header *h;
	struct svx_stats *s;
	u32 off = 0;
	u64 *data;
	void *buf;
	int i, j;

	s = svx_fallible(kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT));
	if (!s)
		return NULL;
	*len = sizeof(*h) + SVX_STATS_NAME_SIZE + SVX_NR_STAT_DEFS * dsz +
	       svx_stats_data_size();
	buf = svx_fallible(kzalloc(*len, GFP_KERNEL_ACCOUNT));
	if (!buf) {
		kfree(s);
		return NULL;
	}
	svx_stats_snapshot(sf, s);
	h = buf;
	h->flags = 0;
	h->name_size = SVX_STATS_NAME_SIZE;
	h->num_desc = SVX_NR_STAT_DEFS;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + SVX_STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + SVX_NR_STAT_DEFS * dsz;
	strscpy(buf + h->id_offset, sf->id, SVX_STATS_NAME_SIZE);
	data = buf + h->data_offset;
	for (i = 0; i < SVX_NR_STAT_DEFS; i++) {
		const struct svx_stat_def *d = &svx_stat_defs[i];
		struct kvm_stats_desc *desc = buf + h->desc_offset + i * dsz;

		desc->flags = d->type | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10;
		desc->exponent = 0;
		desc->size = svx_stat_size(d);
		desc->offset = off;
		desc->bucket_size = d->src == SVX_SRC_HIST ? 1 : 0;
		strscpy(desc->name, d->name, SVX_STATS_NAME_SIZE);
		switch (d->src) {
		case SVX_SRC_MISC:
			data[0] = s->misc[d->idx];
			break;
		case SVX_SRC_MMU:
			data[0] = s->mmu[d->idx];
			break;
		case SVX_SRC_EXIT:
			data[0] = s->exits[d->idx];
			break;
		case SVX_SRC_HIST:
			for (j = 0; j < SVX_NR_EXIT_REASONS; j++)
				data[j] = s->exits[j];
			break;
		}
		data += desc->size;
		off += desc->size * sizeof(u64);
	}
	kfree(s);
	return buf;
}

static ssize_t svx_stats_read(struct file *file, char __user *ubuf,
			      size_t size, loff_t *pos)
{
	size_t len;
	ssize_t r;
	void *buf;

	buf = svx_stats_build(file->private_data, &len);
	if (!buf)
		return -ENOMEM;
	r = simple_read_from_buffer(ubuf, size, pos, buf, len);
	kfree(buf);
	return r;
}

static int svx_stats_release(struct inode *inode, struct file *file)
{
	struct svx_stats_file *sf = file->private_data;

	svx_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations svx_stats_fops = {
	.owner = THIS_MODULE,
	.read = svx_stats_read,
	.release = svx_stats_release,
	.llseek = noop_llseek,
};

/*
 * KVM_GET_STATS_FD (no argument): a read-only fd, pread()able as KVM's;
 * it holds a reference on the VM (and so on its vCPUs).
 */
long svx_get_stats_fd(struct svx_vm *vm, struct svx_vcpu *vcpu)
{
	struct svx_stats_file *sf;
	struct file *file;
	int fd;

	sf = svx_fallible(kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT));
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->vcpu = vcpu;
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvm-%d/vcpu-%d",
			 task_pid_nr(current), vcpu->id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvm-%d", task_pid_nr(current));
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(sf);
		return fd;
	}
	file = anon_inode_getfile(vcpu ? "kvm-vcpu-stats" : "kvm-vm-stats",
				  &svx_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(sf);
		return PTR_ERR(file);
	}
	svx_vm_get(vm);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}
