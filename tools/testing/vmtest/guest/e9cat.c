// SPDX-License-Identifier: GPL-2.0
/*
 * e9cat: copy stdin (or the files named) to I/O port 0xE9.
 *
 * Bochs' "port_e9_hack" prints every byte written to port 0xE9 on its own
 * stdout, synchronously with the OUT instruction, at ~90 KB/s -- far faster
 * than the emulated 8250 (~5 KB/s), and nothing is left in a tty buffer when
 * the guest powers off: once e9cat has returned, every byte is out.
 *
 * "e9cat -t" only checks that the port is usable (exit 0) and writes nothing.
 * Built with gcc -static so it runs in a busybox initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <unistd.h>

static void out_bytes(const unsigned char *p, size_t n)
{
	/* rep outsb: one emulated instruction stream per buffer */
	asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(0xe9) : "memory");
}

static int copy(int fd)
{
	unsigned char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		out_bytes(buf, n);
	}
}

int main(int argc, char **argv)
{
	int i, ret = 0;

	if (ioperm(0xe9, 1, 1)) {
		fprintf(stderr, "e9cat: ioperm(0xe9): %s\n", strerror(errno));
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "-t"))
		return 0;
	if (argc == 1)
		return copy(0) ? 1 : 0;
	for (i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0 || copy(fd)) {
			fprintf(stderr, "e9cat: %s: %s\n", argv[i], strerror(errno));
			ret = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return ret;
}
