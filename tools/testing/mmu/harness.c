// SPDX-License-Identifier: GPL-2.0
/*
 * TAP runner.  Usage: mmu-test [--first=N] [--tag=STR] [--no-plan] [SUITE...]
 *   --first=N   number the first test point N (default 1)
 *   --tag=STR   append " [STR]" to every test name (e.g. asan)
 *   --no-plan   do not print the "1..N" plan (the caller prints it)
 *   SUITE...    run only these suites (default: all)
 * Environment: SVX_SEED=N seeds the random tests (C notation; 0 is 1).
 * Exit status: 1 if a test point failed or the shim saw a WARN_ON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

extern unsigned long svx_shim_warnings;

#define MAX_SUITES 64

static struct {
	const char *name;
	tap_suite_fn fn;
} suites[MAX_SUITES];
static unsigned int nr_suites;
static unsigned int next_test = 1, nr_run, nr_failed;
static const char *tag;
static uint64_t seed = 0x5eed5eed1234ULL;

void tap_register(const char *name, tap_suite_fn fn)
{
	if (nr_suites == MAX_SUITES)
		abort();
	suites[nr_suites].name = name;
	suites[nr_suites].fn = fn;
	nr_suites++;
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %u - ", cond ? "" : "not ", next_test++);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (tag)
		printf(" [%s]", tag);
	putchar('\n');
	fflush(stdout);
	nr_run++;
	if (!cond)
		nr_failed++;
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

unsigned int tap_failed(void)
{
	return nr_failed;
}

uint64_t tap_seed(void)
{
	return seed;
}

/*
 * The suites seed their generators with tap_seed() ^ a constant of their
 * own: SVX_SEED equal to that constant seeds 0, which must still draw.
 */
TAP_SUITE(rng)
{
	struct rng r = rng_seeded(0);
	unsigned int i, zeros = 0;

	for (i = 0; i < 64; i++)
		zeros += !rng_next(&r);
	tap_ok(zeros < 2,
	       "rng: a generator seeded with 0 does not draw only zeros (%u of 64)",
	       zeros);
}

static bool selected(int argc, char **argv, const char *name)
{
	bool any = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = true;
		if (!strcmp(argv[i], name))
			return true;
	}
	return !any;
}

int main(int argc, char **argv)
{
	bool plan = true;
	const char *env;
	unsigned int i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "--first=", 8))
			next_test = strtoul(argv[a] + 8, NULL, 0);
		else if (!strncmp(argv[a], "--tag=", 6))
			tag = argv[a] + 6;
		else if (!strcmp(argv[a], "--no-plan"))
			plan = false;
	}
	env = getenv("SVX_SEED");
	if (env && *env) {
		char *end;

		/* C notation (12, 0x1f, 017): "08" is no seed, not 0. */
		errno = 0;
		seed = strtoull(env, &end, 0);
		if (*end || errno || *env == '-') {
			fprintf(stderr, "SVX_SEED=%s: not a number (decimal, 0x hex or 0 octal)\n",
				env);
			return 2;
		}
	}
	if (!seed)
		seed = 1;
	tap_diag("seed: %llu%s%s", (unsigned long long)seed,
		 tag ? " " : "", tag ? tag : "");

	for (i = 0; i < nr_suites; i++)
		if (selected(argc, argv, suites[i].name))
			suites[i].fn();

	if (svx_shim_warnings)
		tap_ok(false, "no WARN_ON fired (%lu fired)", svx_shim_warnings);
	if (plan)
		printf("1..%u\n", nr_run);
	return nr_failed ? 1 : 0;
}
