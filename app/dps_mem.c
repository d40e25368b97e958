/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory estimate (dps_mem.h). The per-structure figures below are DPDK 22.11's layouts; the
 * per-entry constants of the hash tables were measured with rte_malloc's statistics
 * (test_memory checks the whole estimate against them).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_config.h"
#include "dps_mem.h"
#include "dps_nic_dp.h"
#include "dps_route.h"

#define MiB (1024.0 * 1024.0)

/*
 * One RIB of a FIB copy: rte_fib reserves two nodes per route (the route and one branch
 * node) in a mempool, whose objects are padded to whole cache lines and spread over memory
 * channels (192 B for a 40-byte IPv4 node or a 56-byte IPv6 node), plus its ring of
 * pointers. DPDK 22.11's layouts.
 */
static uint64_t
rib_bytes(uint64_t cap, uint32_t node)
{
	uint64_t n = 2 * cap;

	return n * rte_mempool_calc_obj_size(node, 0, NULL) + rte_align64pow2(n + 1) * 8;
}

/* The next-hop group index array and the table itself, per family. */
#define ROUTE_FIXED ((uint64_t)DPS_ROUTE_MAX_GROUPS * 8 + (2u << 20))

/*
 * Two rte_fib DIR-24-8 copies (left-right, lib/nic/route.c): each a 2^24-entry tbl24 and
 * tbl8 groups of 256 entries, 2-byte entries, and a RIB.
 */
static uint64_t
routes4_bytes(uint64_t cap)
{
	uint32_t tbl8;
	uint8_t nh;

	cap = RTE_MIN(RTE_MAX(cap, (uint64_t)16), (uint64_t)DPS_ROUTE_MAX_CAP);
	dps_route_sizes(4, (uint32_t)cap, &tbl8, &nh);
	return 2 * ((1ull << 24) * nh + (RTE_ALIGN_CEIL(tbl8, 64) + 1ull) * 256 * nh +
		    rib_bytes(cap, 40)) +
	       ROUTE_FIXED;
}

/*
 * Two rte_fib6 trie copies: each a 2^24-entry tbl24, tbl8 groups of 256 entries (three per
 * route: a /48 sharing nothing below /24 takes three) with their free list, 2-byte entries
 * up to 32,704 tbl8 groups and 4-byte beyond, and a RIB.
 */
static uint64_t
routes6_bytes(uint64_t cap)
{
	uint32_t tbl8;
	uint8_t nh;

	cap = RTE_MIN(RTE_MAX(cap, (uint64_t)16), (uint64_t)DPS_ROUTE_MAX_CAP);
	dps_route_sizes(16, (uint32_t)cap, &tbl8, &nh);
	return 2 * ((1ull << 24) * nh + (tbl8 + 1ull) * 256 * nh + tbl8 * 4ull +
		    rib_bytes(cap, 56)) +
	       ROUTE_FIXED;
}

/* Lock-free rte_hash tables of the stack: endpoints 48 B, transport 80 B, neighbours 48 B. */
static uint64_t
tables_bytes(const struct dps_mem_params *p)
{
	uint64_t ep = p->max_endpoints ? p->max_endpoints : 262144;
	uint64_t tep = p->max_transport ? p->max_transport : 65536;
	uint64_t nb = p->max_neigh ? p->max_neigh : 65536;

	return ep * 48 + tep * 80 + nb * 48 + (6ull << 20);
}

/*
 * A pktmbuf: mempool header, struct rte_mbuf, data room, cache-line aligned. Objects do not
 * cross pages: with 4 KB pages (--no-huge) a 2 KB-data mbuf takes a page of its own.
 */
static uint64_t
pool_bytes(const struct dps_mem_params *p)
{
	uint64_t obj = RTE_ALIGN_CEIL(64 + sizeof(struct rte_mbuf) + p->mbuf_data_room, 64);
	uint64_t page = p->page_size ? p->page_size : 4096;

	if (obj <= page)
		obj = page / (page / obj);
	return p->n_mbufs * (obj + 8) + (2ull << 20);
}

void
dps_mem_estimate(const struct dps_mem_params *p, struct dps_mem_estimate *e)
{
	memset(e, 0, sizeof(*e));
	e->part[DPS_MEM_ROUTES4] = routes4_bytes(p->max_routes4);
	e->part[DPS_MEM_ROUTES6] = routes6_bytes(p->max_routes6);
	e->part[DPS_MEM_TABLES] = tables_bytes(p);
	e->part[DPS_MEM_POOL] = pool_bytes(p);
	/* Descriptor and software rings of the PMDs: 64 B per descriptor is generous. */
	e->part[DPS_MEM_RINGS] = p->n_descs * 64;
	/* EAL, ethdev, telemetry, pdump and the allocator's own headers. */
	e->part[DPS_MEM_EAL] = 8ull << 20;
	for (unsigned int i = 0; i < DPS_MEM_MAX; i++)
		e->total += e->part[i];
}

char *
dps_mem_format(const struct dps_mem_params *p, const struct dps_mem_estimate *e, char *buf,
	       size_t len)
{
	snprintf(buf, len,
		 "about %.0f MB: IPv4 routes (max_routes4 = %" PRIu32 ") %.1f MB, IPv6 routes "
		 "(max_routes6 = %" PRIu32 ") %.1f MB, stack tables %.1f MB, mbuf pool (%" PRIu64
		 " x %" PRIu32 " B) %.1f MB, rings %.1f MB, EAL %.0f MB",
		 (double)e->total / MiB, p->max_routes4, (double)e->part[DPS_MEM_ROUTES4] / MiB,
		 p->max_routes6, (double)e->part[DPS_MEM_ROUTES6] / MiB,
		 (double)e->part[DPS_MEM_TABLES] / MiB, p->n_mbufs, p->mbuf_data_room,
		 (double)e->part[DPS_MEM_POOL] / MiB, (double)e->part[DPS_MEM_RINGS] / MiB,
		 (double)e->part[DPS_MEM_EAL] / MiB);
	return buf;
}

/* Free pages of every hugepage size the kernel offers. */
static uint64_t
free_hugepages(void)
{
	const char *dir = "/sys/kernel/mm/hugepages";
	struct dirent *d;
	uint64_t total = 0;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL) {
		unsigned long kb, n;
		char path[512];
		FILE *f;

		if (sscanf(d->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, d->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &n) == 1)
			total += (uint64_t)n * kb * 1024;
		fclose(f);
	}
	closedir(dp);
	return total;
}

uint64_t
dps_mem_available(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t avail = 0;

	for (unsigned int s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			avail += st.heap_freesz_bytes;
	if (rte_eal_has_hugepages())
		avail += free_hugepages();
	return avail;
}

int
dps_mem_check(const struct dps_mem_params *p, const struct dps_mem_estimate *e,
	      uint64_t available, char *err, size_t errlen)
{
	uint64_t missing;

	if (available >= e->total)
		return 0;
	missing = e->total - available;
	if (p->page_size <= 4096)
		dps_errf(err, errlen,
			 "not enough memory: the configuration needs %.0f MB (IPv4 routes %.0f, "
			 "IPv6 routes %.0f, mbufs %.0f, tables %.0f), EAL can give %.0f MB: %.0f MB "
			 "missing. Raise -m (--no-huge -m %" PRIu64 "), use hugepages, or lower "
			 "[stack] max_routes4 = / max_routes6 = (docs/configuration.md, Memory)",
			 (double)e->total / MiB, (double)e->part[DPS_MEM_ROUTES4] / MiB,
			 (double)e->part[DPS_MEM_ROUTES6] / MiB, (double)e->part[DPS_MEM_POOL] / MiB,
			 (double)e->part[DPS_MEM_TABLES] / MiB, (double)available / MiB,
			 (double)missing / MiB, (e->total / (1u << 20) + 32 + 63) / 64 * 64);
	else
		dps_errf(err, errlen,
			 "not enough memory: the configuration needs %.0f MB (IPv4 routes %.0f, "
			 "IPv6 routes %.0f, mbufs %.0f, tables %.0f), EAL can give %.0f MB: %.0f MB "
			 "missing. Reserve more hugepages (%" PRIu64 " more 2 MB pages: "
			 "scripts/setup, or dpdk-hugepages.py -p 2M --setup), raise -m if you gave "
			 "one, or lower [stack] max_routes4 = / max_routes6 = "
			 "(docs/configuration.md, Memory)",
			 (double)e->total / MiB, (double)e->part[DPS_MEM_ROUTES4] / MiB,
			 (double)e->part[DPS_MEM_ROUTES6] / MiB, (double)e->part[DPS_MEM_POOL] / MiB,
			 (double)e->part[DPS_MEM_TABLES] / MiB, (double)available / MiB,
			 (double)missing / MiB, (missing + (2u << 20) - 1) / (2u << 20));
	return -ENOMEM;
}

uint64_t
dps_mem_pool_mbufs(uint64_t need, unsigned int n_ctx, unsigned int n_ports)
{
	/*
	 * Slack: every context's tx buffers, packets waiting for neighbour resolution, replies
	 * and copies being built.
	 */
	uint64_t n = need + (uint64_t)n_ctx * n_ports * DPS_TX_BURST + 4096;

	n = rte_align64pow2(n + 1) - 1; /* a power of two minus one suits the ring */
	return n < 8191 ? 8191 : n;
}
