/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * What a dpstack configuration will ask of EAL's memory, before it asks: the route tables,
 * the stack's hash tables, the mbuf pools and the rings, each from the sizes that create
 * them (docs/configuration.md, Memory, gives the figures per size). The formulas follow DPDK
 * 22.11's allocations (rte_lpm: a 2^24-entry tbl24 of 4 bytes; rte_fib6 trie: a 2^24-entry
 * tbl24 of 2-byte next hops, two copies) and were checked against rte_malloc's own count
 * (test_memory): they are within a few percent, not exact.
 *
 * Nothing here needs EAL except dps_mem_available().
 */
#ifndef DPS_MEM_H
#define DPS_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sizes that decide the memory; 0 means the library default where there is one. */
struct dps_mem_params {
	uint32_t max_routes4;
	uint32_t max_routes6;
	uint32_t max_endpoints;  /**< 0: 262144 (dps_stack_create's default) */
	uint32_t max_transport;  /**< 0: 65536 */
	uint32_t max_neigh;      /**< 0: 65536 */
	uint64_t n_mbufs;        /**< over all pools */
	uint32_t mbuf_data_room; /**< data room of each mbuf, headroom included */
	uint64_t n_descs;        /**< rx + tx descriptors over every queue of every port */
	size_t page_size;        /**< memory page: 4096 under --no-huge, else the hugepage size */
};

enum dps_mem_part {
	DPS_MEM_ROUTES4,
	DPS_MEM_ROUTES6,
	DPS_MEM_TABLES,
	DPS_MEM_POOL,
	DPS_MEM_RINGS,
	DPS_MEM_EAL,
	DPS_MEM_MAX
};

struct dps_mem_estimate {
	uint64_t part[DPS_MEM_MAX]; /**< bytes */
	uint64_t total;
};

/** Fill e from p. */
void dps_mem_estimate(const struct dps_mem_params *p, struct dps_mem_estimate *e);

/**
 * One line: `about N MB: IPv4 routes (65536) N MB, IPv6 routes (8192) N MB, ...`.
 * @return buf.
 */
char *dps_mem_format(const struct dps_mem_params *p, const struct dps_mem_estimate *e,
		     char *buf, size_t len);

/**
 * Bytes EAL can still hand out, after rte_eal_init(): what its heaps have free plus, with
 * hugepages, the free hugepages the kernel still has (EAL maps more on demand).
 */
uint64_t dps_mem_available(void);

/**
 * Compare e with what EAL can give. On a shortfall writes one line saying how much is
 * missing and what to do (more hugepages, -m, smaller route tables) and returns -ENOMEM.
 */
int dps_mem_check(const struct dps_mem_params *p, const struct dps_mem_estimate *e,
		  uint64_t available, char *err, size_t errlen);

/** Mbufs of one pool for `need` (descriptors, caches, bursts): slack added, 2^n - 1, >= 8191. */
uint64_t dps_mem_pool_mbufs(uint64_t need, unsigned int n_ctx, unsigned int n_ports);

#endif
