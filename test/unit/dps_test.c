/* SPDX-License-Identifier: Apache-2.0 */
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "dps_test.h"

bool dps_test_failed;
static struct dps_test_case *cases, **tail = &cases;

#define DEFER_MAX 16
static struct {
	void (*fn)(void *);
	void *arg;
} deferred[DEFER_MAX];
static unsigned int ndeferred;

#define WATCH_MAX 8
static struct {
	struct rte_mempool *mp;
	unsigned int in_use;
} watched[WATCH_MAX];
static unsigned int nwatched;
/* Outside a case (a benchmark linking the fixtures) there is nothing to clean up after. */
static bool in_case;

void
dps_test_defer(void (*fn)(void *), void *arg)
{
	if (!in_case)
		return;
	if (ndeferred == DEFER_MAX) {
		printf("  dps_test_defer: more than %d cleanups in one case\n", DEFER_MAX);
		dps_test_failed = true;
		return;
	}
	deferred[ndeferred].fn = fn;
	deferred[ndeferred++].arg = arg;
}

void
dps_test_watch_pool(struct rte_mempool *mp)
{
	if (!in_case)
		return;
	for (unsigned int i = 0; i < nwatched; i++)
		if (watched[i].mp == mp)
			return; /* the first baseline of the case counts */
	if (nwatched == WATCH_MAX) {
		printf("  dps_test_watch_pool: more than %d pools in one case\n", WATCH_MAX);
		dps_test_failed = true;
		return;
	}
	watched[nwatched].mp = mp;
	watched[nwatched++].in_use = rte_mempool_in_use_count(mp);
}

/* After each case: its cleanups (last first), then its pools' leak check. */
static void
end_case(void)
{
	while (ndeferred > 0) {
		ndeferred--;
		deferred[ndeferred].fn(deferred[ndeferred].arg);
	}
	for (unsigned int i = 0; i < nwatched; i++) {
		unsigned int now = rte_mempool_in_use_count(watched[i].mp);

		if (now != watched[i].in_use && !dps_test_failed) {
			printf("  pool %s: %u mbufs in use after the case, %u before\n",
			       watched[i].mp->name, now, watched[i].in_use);
			dps_test_failed = true;
		}
	}
	nwatched = 0;
}

void
dps_test_register(struct dps_test_case *tc)
{
	/* Constructors run in definition order: keep it. */
	*tail = tc;
	tail = &tc->next;
}

static bool
selected(const struct dps_test_case *tc, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], tc->name) == 0)
			return true;
	return false;
}

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* EAL leaves its runtime directory behind; each test process has its own prefix. */
static void
remove_runtime_dir(void)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "/var/run/dpdk/dpsut%d", (int)getpid());
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
dps_test_main(int argc, char **argv, bool want_eal, const char *const *extra_eal)
{
	unsigned int passed = 0, failed = 0;

	if (want_eal) {
		char prefix[64];
		char *eal[32];
		int n = 0;

		snprintf(prefix, sizeof(prefix), "--file-prefix=dpsut%d", (int)getpid());
		eal[n++] = argv[0];
		eal[n++] = (char *)"--no-huge";
		eal[n++] = (char *)"-m";
		eal[n++] = (char *)"512";
		eal[n++] = (char *)"--no-pci";
		eal[n++] = (char *)"--log-level=lib.*:warning";
		eal[n++] = prefix;
		eal[n++] = (char *)"-l";
		eal[n++] = (char *)"0";
		for (int i = 0; extra_eal != NULL && extra_eal[i] != NULL && n < 31; i++)
			eal[n++] = (char *)extra_eal[i];
		eal[n] = NULL;
		if (rte_eal_init(n, eal) < 0) {
			printf("EAL init failed\n");
			return 1;
		}
	}
	for (struct dps_test_case *tc = cases; tc != NULL; tc = tc->next) {
		if (!selected(tc, argc, argv))
			continue;
		dps_test_failed = false;
		in_case = true;
		tc->fn();
		end_case();
		in_case = false;
		printf("%s %s\n", dps_test_failed ? "FAIL" : "ok  ", tc->name);
		fflush(stdout);
		if (dps_test_failed)
			failed++;
		else
			passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	if (want_eal) {
		rte_eal_cleanup();
		remove_runtime_dir();
	}
	return failed == 0 && passed > 0 ? 0 : 1;
}
