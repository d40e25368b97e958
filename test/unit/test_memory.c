/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory estimate (app/dps_mem.c) against what rte_malloc really hands out for the same
 * sizes: route tables (created on the first route), the stack's hash tables and an mbuf pool
 * on 4 KB pages (--no-huge). The estimate may be above the truth (it is a check before
 * allocating) but not below it, and not far above it either.
 */
#include <errno.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dps_config.h"
#include "dps_mem.h"
#include "dps_nic.h"
#include "dps_proto.h"
#include "dps_route.h"
#include "dps_test.h"

static uint64_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t t = 0;

	for (unsigned int s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			t += st.heap_allocsz_bytes;
	return t;
}

/* Stack + one IPv4 and one IPv6 route (so both tables exist) for these sizes. */
static int64_t
measure_stack(uint32_t r4, uint32_t r6)
{
	static unsigned int seq;
	struct dps_stack_conf sc = {.socket_id = SOCKET_ID_ANY, .max_routes4 = r4,
				    .max_routes6 = r6};
	struct dps_prefix p4 = {.addr = {.len = 4, .b = {10}}, .plen = 8};
	struct dps_prefix p6 = {.addr = {.len = 16, .b = {0x20, 0x01, 0x0d, 0xb8}}, .plen = 32};
	struct dps_nexthop nh = {.nic_id = 0};
	struct dps_stack *s;
	char name[16];
	uint64_t before = heap_used(), after;

	snprintf(name, sizeof(name), "mem%u", seq++);
	sc.name = name;
	if (dps_stack_create(&sc, &s) != 0 || dps_proto_register_all(s) != 0)
		return -1;
	if (dps_route_add(s, &p4, &nh, 1, false) != 0 || dps_route_add(s, &p6, &nh, 1, false) != 0)
		return -1;
	after = heap_used();
	dps_stack_free(s);
	return (int64_t)(after - before);
}

static bool
close_enough(uint64_t est, int64_t real)
{
	printf("    estimate %.1f MB, rte_malloc %.1f MB\n", est / 1048576.0, real / 1048576.0);
	return real > 0 && est >= (uint64_t)real && est <= (uint64_t)real * 115 / 100;
}

DPS_TEST(estimate_covers_stack_and_route_tables)
{
	static const uint32_t sizes[][2] = {
		{DPS_CFG_ROUTES4_DEFAULT, DPS_CFG_ROUTES6_DEFAULT},
		{131072, 16384}, /* IPv6 past 32,704 tbl8 groups: 4-byte entries */
		{1024, 1024},
	};

	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		struct dps_mem_params p = {.max_routes4 = sizes[i][0], .max_routes6 = sizes[i][1],
					   .page_size = 4096};
		struct dps_mem_estimate e;
		int64_t real = measure_stack(sizes[i][0], sizes[i][1]);

		dps_mem_estimate(&p, &e);
		printf("  max_routes4 %u max_routes6 %u\n", sizes[i][0], sizes[i][1]);
		CHECK(close_enough(e.part[DPS_MEM_ROUTES4] + e.part[DPS_MEM_ROUTES6] +
					   e.part[DPS_MEM_TABLES],
				   real));
	}
}

DPS_TEST(estimate_covers_a_pool_on_small_pages)
{
	struct dps_mem_params p = {.n_mbufs = 8191, .mbuf_data_room = RTE_MBUF_DEFAULT_BUF_SIZE,
				   .page_size = 4096};
	struct dps_mem_estimate e;
	uint64_t before = heap_used();
	struct rte_mempool *mp = rte_pktmbuf_pool_create("memtest", 8191, 256, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	int64_t real;

	CHECK(mp != NULL);
	real = (int64_t)(heap_used() - before);
	rte_mempool_free(mp);
	dps_mem_estimate(&p, &e);
	CHECK(close_enough(e.part[DPS_MEM_POOL], real));
}

DPS_TEST(shortfall_says_how_much_and_what_to_do)
{
	struct dps_mem_params p = {.max_routes4 = DPS_CFG_ROUTES4_DEFAULT,
				   .max_routes6 = DPS_CFG_ROUTES6_DEFAULT, .n_mbufs = 8191,
				   .mbuf_data_room = RTE_MBUF_DEFAULT_BUF_SIZE, .page_size = 2u << 20};
	struct dps_mem_estimate e;
	char err[1024];

	dps_mem_estimate(&p, &e);
	CHECK_EQ(dps_mem_check(&p, &e, e.total, err, sizeof(err)), 0);
	CHECK_EQ(dps_mem_check(&p, &e, e.total - (100u << 20), err, sizeof(err)), -ENOMEM);
	printf("  %s\n", err);
	CHECK(strstr(err, "100 MB missing") != NULL);
	CHECK(strstr(err, "50 more 2 MB pages") != NULL);
	CHECK(strstr(err, "max_routes4 =") != NULL);
	p.page_size = 4096;
	CHECK_EQ(dps_mem_check(&p, &e, 64u << 20, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "-m ") != NULL);
	/*
	 * The quick start's default sizes fit a 256 MB --no-huge run (EAL gives about 256 MB
	 * there; four FIB copies of 32 MB tbl24s each are most of it, docs/configuration.md).
	 */
	p.n_mbufs = 16383;
	dps_mem_estimate(&p, &e);
	printf("  defaults under --no-huge: %.1f MB\n", e.total / 1048576.0);
	CHECK(e.total < (256ull << 20));
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
