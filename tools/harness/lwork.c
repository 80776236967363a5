// SPDX-License-Identifier: GPL-2.0
/*
 * lwork: the harness's workloads W14..W16 inside the L2 Linux guest (W7's
 * kernel and initramfs, tools/runner/linux-guest.sh's INIT_HOOK), one
 * after the other in one process tree:
 *
 *   W14  fork + exec + exit: FORKS times fork(), the child execs this
 *        program again ("lwork exit", which exits at once), the parent
 *        waits for it
 *   W15  mmap / touch / munmap churn: MMAPS times an anonymous private
 *        mapping of PAGES 4 KiB pages, one store to each page, munmap
 *   W16  pipe ping-pong: PINGS round trips of one byte between this
 *        process and a child over two pipes
 *
 *   lwork run FORKS MMAPS PAGES PINGS
 *
 * Each phase is timed by the guest (lfence; rdtsc around it) and bracketed
 * by svxrun's scenario-probe marks (out32 to port 0x5c0, tools/runner/
 * scenarios/probe.h): mark 14 before W14, 15 between W14 and W15, 16
 * between W15 and W16, 17 after W16.  svxrun --mark-stats prints every
 * counter of the hypervisor at each mark, so the counters of a phase are
 * the differences between two marks (plus the closing mark's own OUT).
 * The results go out after the last mark, through /dev/kmsg (the kernel's
 * console writes a line in one piece), as
 *
 *   lwork: W<n> iters=<n> cycles=<total> per_iter=<cycles>
 *   lwork: done            (or lwork: FAIL <reason>)
 *
 * Static (the initramfs has no libc); needs ioperm (root, and a kernel
 * with CONFIG_X86_IOPL_IOPERM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_PORT_MARK	0x5c0

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void mark(unsigned int id)
{
#ifndef LWORK_NO_MARKS		/* a native build, to try it on any host */
	outl(id, PROBE_PORT_MARK);
#else
	(void)id;
#endif
}

static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n;

	n = snprintf(line, sizeof(line), "<2>");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
#ifdef LWORK_NO_MARKS
	fd = -1;
#else
	fd = open("/dev/kmsg", O_WRONLY);
#endif
	if (fd < 0 || write(fd, line, n) != n)
		printf("%s\n", line + 3);
	if (fd >= 0)
		close(fd);
}

static const char *self;

static int w14(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (!pid) {
			execl(self, "lwork", "exit", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid)
			return -errno;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			return -ECHILD;
	}
	return 0;
}

static int w15(unsigned long n, unsigned long pages)
{
	for (unsigned long i = 0; i < n; i++) {
		char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		for (unsigned long j = 0; j < pages; j++)
			p[j * 4096] = (char)(i + j);
		/* the stores and loads happen, in this order */
		__asm__ volatile("" ::: "memory");
		for (unsigned long j = 0; j < pages; j++)
			if (p[j * 4096] != (char)(i + j))
				return -EIO;
		if (munmap(p, pages * 4096))
			return -errno;
	}
	return 0;
}

static int w16(unsigned long n)
{
	int ab[2], ba[2], status;
	char c = 0;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		for (unsigned long i = 0; i < n; i++) {
			if (read(ab[0], &c, 1) != 1)
				_exit(1);
			c++;
			if (write(ba[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (unsigned long i = 0; i < n; i++) {
		char want = (char)(c + 1);

		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return -EIO;
		if (c != want)
			return -EPROTO;
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

int main(int argc, char **argv)
{
	unsigned long forks, mmaps, pages, pings, iters[3];
	uint64_t t[4];
	int r[3];

	if (argc == 2 && !strcmp(argv[1], "exit"))
		return 0;
	if (argc != 6 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: lwork run FORKS MMAPS PAGES PINGS\n");
		return 2;
	}
	self = "/proc/self/exe";
	forks = strtoul(argv[2], NULL, 0);
	mmaps = strtoul(argv[3], NULL, 0);
	pages = strtoul(argv[4], NULL, 0);
	pings = strtoul(argv[5], NULL, 0);
	if (!forks || !mmaps || !pages || !pings) {
		say("lwork: FAIL sizes must be positive");
		return 2;
	}
	/* W14 execs this program by its path, as a shell would */
	if (argv[0][0] == '/')
		self = argv[0];
#ifndef LWORK_NO_MARKS
	if (ioperm(PROBE_PORT_MARK, 4, 1)) {
		say("lwork: FAIL ioperm(0x%x): %s", PROBE_PORT_MARK, strerror(errno));
		return 1;
	}
#endif
	iters[0] = forks;
	iters[1] = mmaps;
	iters[2] = pings;

	mark(14);
	t[0] = tsc();
	r[0] = w14(forks);
	t[1] = tsc();
	mark(15);
	t[1] = t[1] - t[0];
	t[0] = tsc();
	r[1] = w15(mmaps, pages);
	t[2] = tsc();
	mark(16);
	t[2] = t[2] - t[0];
	t[0] = tsc();
	r[2] = w16(pings);
	t[3] = tsc();
	mark(17);
	t[3] = t[3] - t[0];

	for (int i = 0; i < 3; i++) {
		if (r[i]) {
			say("lwork: FAIL W%d: %s", 14 + i, strerror(-r[i]));
			return 1;
		}
		say("lwork: W%d iters=%lu cycles=%llu per_iter=%llu", 14 + i,
		    iters[i], (unsigned long long)t[i + 1],
		    (unsigned long long)(t[i + 1] / iters[i]));
	}
	say("lwork: done");
	return 0;
}
