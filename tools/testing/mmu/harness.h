/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP test harness for the userspace build of mmu/.
 *
 * A test file defines suites with TAP_SUITE(name) { ... }; they register
 * themselves at startup, so adding an mmu/ unit means adding its test_*.c
 * to the Makefile and nothing else.  Inside a suite, tap_ok() emits one
 * test point ("ok N - name" / "not ok N - name") and tap_diag() a "# ..."
 * line.  See harness.c for the command line (--first, --tag, --no-plan,
 * suite filter) that run-tests.sh uses to stitch several runs into one
 * TAP stream.
 */
#ifndef SVX_TEST_HARNESS_H
#define SVX_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*tap_suite_fn)(void);

void tap_register(const char *name, tap_suite_fn fn);
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Failed test points so far (all suites). */
unsigned int tap_failed(void);

#define TAP_SUITE(name)							\
	static void tap_suite_##name(void);				\
	__attribute__((constructor)) static void tap_reg_##name(void)	\
	{								\
		tap_register(#name, tap_suite_##name);			\
	}								\
	static void tap_suite_##name(void)

/* Compare two integers; on mismatch print both. */
#define tap_eq(got, want, ...) ({					\
	long long __g = (long long)(got), __w = (long long)(want);	\
	bool __r = tap_ok(__g == __w, __VA_ARGS__);			\
	if (!__r)							\
		tap_diag("  got %lld, want %lld (%s)", __g, __w, #got);	\
	__r;								\
})

/* xorshift64*: deterministic, seeded from SVX_SEED or a fixed default. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/*
 * A generator seeded with @seed (a suite's tap_seed() ^ its own constant):
 * xorshift's state must not be 0, which it would keep forever (every draw
 * 0: a random test that tests one case, or never ends).
 */
static inline struct rng rng_seeded(uint64_t seed)
{
	struct rng r = { seed ? seed : 0x9e3779b97f4a7c15ULL };

	return r;
}

/* Uniform-ish in [0, n), n > 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* The run's seed (printed once as "# seed: N"). */
uint64_t tap_seed(void);

#endif
