/* SPDX-License-Identifier: Apache-2.0 */
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dps_test.h"

bool dps_test_failed;
static struct dps_test_case *cases, **tail = &cases;

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
		tc->fn();
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
