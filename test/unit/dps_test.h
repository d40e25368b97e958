/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal test harness for dpstack's unit tests.
 *
 * Each test binary defines its cases with DPS_TEST(name) and calls dps_test_main(), which
 * initialises EAL with --no-huge --no-pci and a file prefix unique to the process, runs every
 * case (or those named on the command line), prints one line per case and a closing
 * "N passed, N failed" line, and exits non-zero if any case failed.
 *
 * Per-case teardown: a fixture registers its cleanup with dps_test_defer() when it builds
 * something, and the runner calls it when the case ends, whether the case reached its own
 * teardown or returned early from a failed CHECK. A failure therefore never leaves a stack, a
 * context or mbufs behind for the next case. dps_test_watch_pool() adds the leak check: the
 * pool's in-use count must be back where it was when the case started watching it.
 * Shared set-up helpers (stack configuration, pools, mbuf and frame builders): dps_test_util.h.
 */
#ifndef DPS_TEST_H
#define DPS_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <inttypes.h>

struct dps_test_case {
	const char *name;
	void (*fn)(void);
	struct dps_test_case *next;
};

void dps_test_register(struct dps_test_case *tc);
/* Set by the assertion macros when the running case fails. */
extern bool dps_test_failed;

#define DPS_TEST(tname)                                                                            \
	static void tname(void);                                                                   \
	static struct dps_test_case tname##_case = {.name = #tname, .fn = tname};                 \
	__attribute__((constructor)) static void tname##_reg(void)                                 \
	{                                                                                          \
		dps_test_register(&tname##_case);                                                  \
	}                                                                                          \
	static void tname(void)

/* Fail the case and return from it. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
			dps_test_failed = true;                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			printf("  %s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__,      \
			       __LINE__, #a, #b, _a, _b);                                          \
			dps_test_failed = true;                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/*
 * Run fn(arg) when the running case ends, passed or failed (last registered, first run). At
 * most 16 per case; fn must tolerate the fixture's own teardown having already run (make it
 * idempotent: clear what it freed).
 */
void dps_test_defer(void (*fn)(void *), void *arg);

struct rte_mempool;
/*
 * Fail the running case unless mp's in-use count is back to its current value once the case
 * and its deferred cleanups have run (checked only for a case that has not failed already).
 */
void dps_test_watch_pool(struct rte_mempool *mp);

/*
 * Initialise EAL (unless want_eal is false) and run the registered cases.
 * extra_eal: additional EAL arguments (NULL-terminated), e.g. vdevs; may be NULL.
 */
int dps_test_main(int argc, char **argv, bool want_eal, const char *const *extra_eal);

#endif
