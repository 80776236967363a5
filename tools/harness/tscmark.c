// SPDX-License-Identifier: GPL-2.0
/*
 * tscmark: run a command and count TSC cycles on the host side (here: the
 * L1 machine the hypervisor runs on) until a marker appears on its stdout.
 *
 *   TSCMARK_EXEC=PROGRAM TSCMARK_MARKER=TEXT tscmark ARGS...
 *
 * execs PROGRAM ARGS... with its stdout on a pipe that tscmark copies to
 * its own stdout, reads the TSC (lfence; rdtsc) just before the fork, when
 * TEXT first shows up in the output and when the program has exited, and
 * then prints one line on stderr:
 *
 *   tscmark: start_to_marker=<cycles> start_to_exit=<cycles> marker=<0|1>
 *
 * (start_to_marker is 0 when the marker never came).  Exit status: the
 * program's.  The harness uses it as svxrun for W7 (tools/harness/run.sh:
 * linux-guest.sh's SVXRUN), so that W7's cycles are the L1 TSC from the
 * runner's start to the L2 kernel's user-space marker.  In Bochs the TSC
 * counts emulated instructions of the whole L1 machine.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	const char *prog = getenv("TSCMARK_EXEC");
	const char *marker = getenv("TSCMARK_MARKER");
	char buf[4096 + 256];
	size_t mlen, keep = 0;
	uint64_t t0, t_mark = 0, t_end;
	int fds[2], status = 0;
	pid_t pid;

	if (argc < 1 || !prog || !marker || !*marker || strlen(marker) > 255) {
		fprintf(stderr, "usage: TSCMARK_EXEC=PROGRAM TSCMARK_MARKER=TEXT tscmark ARGS...\n");
		return 2;
	}
	mlen = strlen(marker);
	if (pipe(fds)) {
		perror("tscmark: pipe");
		return 2;
	}
	t0 = tsc();
	pid = fork();
	if (pid < 0) {
		perror("tscmark: fork");
		return 2;
	}
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		/* a tscmark run as PROGRAM by mistake stops at once */
		unsetenv("TSCMARK_EXEC");
		unsetenv("TSCMARK_MARKER");
		argv[0] = (char *)prog;
		execv(prog, argv);
		perror("tscmark: exec");
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], buf + keep, sizeof(buf) - 256 - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		write_all(1, buf + keep, n);
		if (!t_mark) {
			buf[keep + n] = 0;
			/* the output has no NULs in practice; memmem all the same */
			if (memmem(buf, keep + n, marker, mlen))
				t_mark = tsc();
			/* keep the tail: a marker split across two reads */
			if (keep + n >= mlen - 1) {
				memmove(buf, buf + keep + n - (mlen - 1), mlen - 1);
				keep = mlen - 1;
			} else {
				keep += n;
			}
		} else {
			keep = 0;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	t_end = tsc();
	fprintf(stderr, "tscmark: start_to_marker=%llu start_to_exit=%llu marker=%d\n",
		(unsigned long long)(t_mark ? t_mark - t0 : 0),
		(unsigned long long)(t_end - t0), !!t_mark);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
