// SPDX-License-Identifier: GPL-2.0
/*
 * Trivial module built by `vmtest.sh setup` against the host's
 * linux-headers-<release>: its vermagic and modversions CRCs are compared
 * with the guest kernel's own modules, and the selftest insmods it in Bochs.
 */
#include <linux/module.h>
#include <linux/printk.h>

static int __init svx_modcheck_init(void)
{
	pr_info("svx_modcheck: loaded\n");
	return 0;
}

static void __exit svx_modcheck_exit(void)
{
	pr_info("svx_modcheck: unloaded\n");
}

module_init(svx_modcheck_init);
module_exit(svx_modcheck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmtest: out-of-tree module load check");
