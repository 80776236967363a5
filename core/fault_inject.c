// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for tests: make the Nth fallible operation of a task fail.
 *
 * Debian's kernels have no CONFIG_FAULT_INJECTION (no failslab, no
 * fail_page_alloc, no /proc/<tid>/fail-nth), so the module has its own,
 * shaped like the kernel's fail-nth (Documentation/fault-injection/
 * fault-injection.rst):
 *
 *   /sys/kernel/debug/shadowvmx/fail_nth	(root only, 0600)
 *
 * Writing N (1 .. INT_MAX) makes the Nth fallible operation of the module
 * made by the writing thread fail; writing 0 disarms it.  Reading gives what
 * is left: N minus the operations made since, 0 once the failure was
 * injected (or when nothing is armed).  A test writes N, makes its calls,
 * reads the file: 0 means the Nth operation was reached and failed, so it
 * goes on with N + 1; non-zero means its calls make fewer than N operations
 * and the walk is complete.
 *
 * The fallible operations are every allocation the module makes (kmalloc
 * and friends, kvmalloc, vmalloc, memdup_user/vmemdup_user, page
 * allocations, the MMU's table pages and its caches) and every pin of guest
 * pages (pin_user_pages_fast()): each asks svx_should_fail() first and,
 * when it answers true, fails as the allocation or pin would (NULL,
 * ERR_PTR(-ENOMEM), -ENOMEM).  mmu/ asks through svx_host_should_fail()
 * (mmu/mmu_host.h); the userspace simulator (tools/testing/mmu) has its own.
 *
 * Cost when unused: svx_should_fail() is a static branch (a NOP) until the
 * first write arms a thread, and again once no thread is armed.  Up to
 * SVX_FAIL_TASKS threads may be armed at a time (-EBUSY beyond); an entry
 * holds a reference on the thread's struct pid, dropped when the failure is
 * injected, when the thread writes 0, when a later write finds the thread
 * gone, or at module unload.  Operations in interrupt context never fail.
 */
#define pr_fmt(fmt) "shadowvmx: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "svx.h"
#include "mmu_host.h"

#define SVX_FAIL_TASKS	16

struct svx_fail_task {
	struct pid *pid;	/* NULL: free */
	unsigned int left;	/* operations until (and with) the failure */
};

DEFINE_STATIC_KEY_FALSE(svx_fail_key);
static struct svx_fail_task svx_fail_tasks[SVX_FAIL_TASKS];
static DEFINE_SPINLOCK(svx_fail_lock);	/* svx_fail_tasks[] */
static DEFINE_MUTEX(svx_fail_mutex);	/* writers: the static key */
static struct dentry *svx_fail_dir;

/* The entry of the calling thread, or NULL (svx_fail_lock held). */
static struct svx_fail_task *svx_fail_find(void)
{
	struct pid *pid = task_pid(current);
	int i;

	for (i = 0; i < SVX_FAIL_TASKS; i++)
		if (svx_fail_tasks[i].pid == pid)
			return &svx_fail_tasks[i];
	return NULL;
}

bool __svx_should_fail(void)
{
	struct svx_fail_task *t;
	struct pid *put = NULL;
	unsigned long flags;
	bool fail = false;

	if (!in_task())
		return false;
	spin_lock_irqsave(&svx_fail_lock, flags);
	t = svx_fail_find();
	if (t && t->left && !--t->left) {
		fail = true;
		put = t->pid;
		t->pid = NULL;
	}
	spin_unlock_irqrestore(&svx_fail_lock, flags);
	put_pid(put);
	return fail;
}

bool svx_host_should_fail(void)
{
	return svx_should_fail();
}

/*
 * Drop the entries of the calling thread (@self) and of exited threads;
 * the static key follows whether any entry is left (svx_fail_mutex held).
 */
static void svx_fail_prune(bool self)
{
	struct pid *put[SVX_FAIL_TASKS];
	struct pid *me = task_pid(current);
	int i, n = 0, armed = 0;

	spin_lock_irq(&svx_fail_lock);
	for (i = 0; i < SVX_FAIL_TASKS; i++) {
		struct pid *pid = svx_fail_tasks[i].pid;

		if (!pid)
			continue;
		if ((self && pid == me) || !pid_has_task(pid, PIDTYPE_PID)) {
			put[n++] = pid;
			svx_fail_tasks[i].pid = NULL;
		} else {
			armed++;
		}
	}
	spin_unlock_irq(&svx_fail_lock);
	while (n)
		put_pid(put[--n]);
	if (!armed)
		static_branch_disable(&svx_fail_key);
}

static ssize_t svx_fail_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct svx_fail_task *t = NULL;
	unsigned int n;
	int i, r;

	r = kstrtouint_from_user(ubuf, count, 0, &n);
	if (r)
		return r;
	if (n > INT_MAX)
		return -EINVAL;
	mutex_lock(&svx_fail_mutex);
	svx_fail_prune(true);
	if (!n)
		goto out;
	spin_lock_irq(&svx_fail_lock);
	for (i = 0; i < SVX_FAIL_TASKS && !t; i++)
		if (!svx_fail_tasks[i].pid)
			t = &svx_fail_tasks[i];
	if (t) {
		t->pid = get_pid(task_pid(current));
		t->left = n;
	}
	spin_unlock_irq(&svx_fail_lock);
	if (!t) {
		r = -EBUSY;
		goto out;
	}
	static_branch_enable(&svx_fail_key);
out:
	mutex_unlock(&svx_fail_mutex);
	return r ? r : count;
}

static ssize_t svx_fail_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct svx_fail_task *t;
	unsigned int left = 0;
	char buf[16];
	int len;

	spin_lock_irq(&svx_fail_lock);
	t = svx_fail_find();
	if (t)
		left = t->left;
	spin_unlock_irq(&svx_fail_lock);
	len = scnprintf(buf, sizeof(buf), "%u\n", left);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations svx_fail_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = svx_fail_read,
	.write = svx_fail_write,
	.llseek = default_llseek,
};

void svx_fault_inject_init(void)
{
	svx_fail_dir = debugfs_create_dir("shadowvmx", NULL);
	debugfs_create_file("fail_nth", 0600, svx_fail_dir, NULL,
			    &svx_fail_fops);
}

void svx_fault_inject_exit(void)
{
	int i;

	debugfs_remove_recursive(svx_fail_dir);
	static_branch_disable(&svx_fail_key);
	for (i = 0; i < SVX_FAIL_TASKS; i++) {
		put_pid(svx_fail_tasks[i].pid);
		svx_fail_tasks[i].pid = NULL;
	}
}
