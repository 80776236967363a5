// SPDX-License-Identifier: GPL-2.0
/*
 * finit: load a module with exactly one finit_module() call and print the
 * result as "finit_module: 0" or "finit_module: -<errno> (<message>)".
 * busybox insmod retries a failed finit_module() with init_module(), so a
 * refusing module's init would run (and log) twice.  Built with gcc -static
 * (bench-select-test.sh) for the busybox initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "usage: finit MODULE.ko\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	r = syscall(SYS_finit_module, fd, "", 0);
	if (r) {
		r = errno;
		printf("finit_module: -%d (%s)\n", r, strerror(r));
		return 1;
	}
	printf("finit_module: 0\n");
	return 0;
}
