// SPDX-License-Identifier: GPL-2.0
/*
 * The module stays loaded while a VM exists: delete_module(SVX_MODULE,
 * O_NONBLOCK) fails with EWOULDBLOCK (or EBUSY) while a VM fd is open.
 * Safety: the module is only asked to unload once the test has seen that
 * the open VM holds a reference on it (/sys/module/<m>/refcnt > 0), so a
 * passing run never unloads anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "svx.h"

static int read_refcnt(const char *mod)
{
	char path[256], buf[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	return atoi(buf);
}

TEST(rmmod_refused_while_vm_open)
{
	const char *mod = svxu_module();
	char path[256];
	int sys_fd, vm_fd, ref, r, err;

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	if (access(path, F_OK))
		SKIP(return, "module %s not loaded (set SVX_MODULE)", mod);
	if (read_refcnt(mod) < 0)
		SKIP(return, "module %s is built in (no refcnt)", mod);

	sys_fd = svxu_open_dev();
	ASSERT_LE(0, sys_fd) TH_LOG("open %s: %s", svxu_dev(), strerror(-sys_fd));
	vm_fd = svxu_ioctl(sys_fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm_fd) TH_LOG("KVM_CREATE_VM: %s", strerror(-vm_fd));
	close(sys_fd);		/* only the VM fd keeps the module now */

	ref = read_refcnt(mod);
	ASSERT_GT(ref, 0) TH_LOG("%s refcnt %d with a VM open: not unloading", mod, ref);
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	err = errno;
	ASSERT_EQ(-1, r) TH_LOG("module %s unloaded with a VM open!", mod);
	ASSERT_TRUE(err == EWOULDBLOCK || err == EBUSY)
		TH_LOG("delete_module: %s", strerror(err));
	/* the VM is still usable */
	ASSERT_EQ(-EINVAL, svxu_set_mem(vm_fd, 0, 0, 0, 0, NULL));
	close(vm_fd);
}

TEST_HARNESS_MAIN
