// SPDX-License-Identifier: GPL-2.0
/*
 * open_as UID GID PATH: open PATH read-write as UID with GID as its only
 * group, as a user of group kvm (or not) would.  Prints "ok" or the errno
 * name; exit status 0 when the open succeeded.  Static, for the Bochs guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: open_as UID GID PATH\n");
		return 2;
	}
	uid = strtoul(argv[1], NULL, 0);
	gid = strtoul(argv[2], NULL, 0);
	if (setgroups(1, &gid) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		perror("open_as: set ids");
		return 2;
	}
	fd = open(argv[3], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("%s\n", errno == EACCES ? "EACCES" : strerror(errno));
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}
