/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * IPv4 and IPv6 route tables: longest-prefix match with bulk lookup for the data path,
 * changed by the control plane while lookups run.
 *
 * Thread safety: changes and reads take the stack's writer lock; lookups take none and never
 * see freed or half-built state (see docs/forwarding.md for the scheme and its cost).
 *
 * Scheme: each family is a left-right pair of DPDK FIBs (rte_fib DIR-24-8 for IPv4, rte_fib6
 * trie for IPv6; 22.11's FIBs have no RCU, so a copy readers may walk is never written).
 * Changes go in batches (a single change is a batch of one): applied in order to the idle
 * copy, which is then published with a release store; the writer waits for one grace period
 * and replays them on the other copy. A batch is all or nothing. The FIB's next hop indexes
 * an array of shared, immutable next-hop groups, freed after a grace period. The big tables
 * are created on the first route of a family. Writers wait for grace periods: never call them
 * from a thread whose context is online.
 */
#ifndef DPS_ROUTE_H
#define DPS_ROUTE_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DPS_ROUTE_MAX_PATHS 4 /**< equal-cost next hops per prefix */

/** A next hop. */
struct dps_nexthop {
	uint16_t nic_id;    /**< the outgoing NIC */
	bool has_gw;        /**< false: on-link (the destination itself is the neighbour) */
	struct dps_addr gw; /**< the gateway (has_gw), same family as the route */
};

/** A route as listed. */
struct dps_route_info {
	struct dps_prefix prefix; /**< the destination subnet, host bits clear */
	uint8_t n_paths;          /**< equal-cost next hops in paths[] */
	struct dps_nexthop paths[DPS_ROUTE_MAX_PATHS]; /**< the next hops */
	bool connected; /**< created from a NIC address */
};

/** Data-path lookup result: an index into the next-hop table, or DPS_NH_NONE. */
#define DPS_NH_NONE UINT32_MAX

/** Largest route table capacity (max_routes4 / max_routes6) a stack takes. */
#define DPS_ROUTE_MAX_CAP (1u << 24)
/**
 * Distinct next-hop sets (groups) per family at most: the FIB's 2-byte next hop is a group
 * index. Routes with equal next hops share one group.
 */
#define DPS_ROUTE_MAX_GROUPS 32767u

/** dps_route_batch_add(): fail with -EEXIST when the prefix already has a route. */
#define DPS_ROUTE_F_EXCL 0x1u
/** dps_route_batch_add() / _del(): leave a NIC's connected route alone: -EBUSY. */
#define DPS_ROUTE_F_KEEP_CONNECTED 0x2u
/** In a delete's match: any NIC. */
#define DPS_ROUTE_ANY_NIC UINT16_MAX

/**
 * Add a route, or replace the next hops of an existing one (the family is the prefix's
 * address length, 4 or 16). Host bits of the prefix are ignored. The first route of a family
 * creates its tables (two rte_fib or rte_fib6). A batch of one (dps_route_batch_commit()).
 *
 * @param s          the stack
 * @param p          the destination subnet
 * @param nh         the next hops: 1 .. DPS_ROUTE_MAX_PATHS, picked by flow hash
 * @param n_paths    entries of nh
 * @param connected  marks the route as a NIC's connected route (listed as such)
 * @return 0; -EINVAL for a bad prefix, no or too many next hops, or a gateway of the other
 *         family; -ENODEV for a NIC id beyond DPS_MAX_NICS; -ENOSPC when the table is full
 *         (max_routes, tbl8 groups or next-hop groups); -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock and may wait for a grace period: not from an online
 *         reader context.
 */
int dps_route_add(struct dps_stack *s, const struct dps_prefix *p, const struct dps_nexthop *nh,
		  unsigned int n_paths, bool connected);

/**
 * Delete a route. Readers may use its next hops until their next quiescent state.
 *
 * @param s  the stack
 * @param p  the destination subnet (exact prefix; host bits ignored)
 * @return 0; -EINVAL for a bad prefix; -ENOENT when there is no such route.
 * @threadsafety Takes the writer lock and may wait for a grace period: not from an online
 *         reader context.
 */
int dps_route_del(struct dps_stack *s, const struct dps_prefix *p);

/**
 * The on-link route for the subnet of an interface address (10.0.0.1/24 -> 10.0.0.0/24 dev
 * nic). Counted per address: the route goes when the last address of the subnet on that NIC
 * is deleted. A static route for the same prefix is replaced by the connected one.
 *
 * @param s       the stack
 * @param nic_id  the NIC the address is on
 * @param ifaddr  the interface address with its prefix length
 * @return 0, or an error of dps_route_add().
 * @threadsafety Takes the writer lock and may wait for a grace period: not from an online
 *         reader context.
 */
int dps_route_add_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr);

/**
 * Drop one address's hold on its connected route; the last one deletes the route.
 *
 * @param s       the stack
 * @param nic_id  the NIC the address was on
 * @param ifaddr  the interface address with its prefix length
 * @return 0; -EINVAL for a bad prefix; -ENOENT when there is no connected route of that
 *         subnet on that NIC.
 * @threadsafety Takes the writer lock and may wait for a grace period: not from an online
 *         reader context.
 */
int dps_route_del_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr);

/**
 * Look up one route exactly (not longest match).
 *
 * @param s    the stack
 * @param p    the destination subnet (host bits ignored)
 * @param out  filled when found (may be NULL)
 * @return 0; -EINVAL for a bad prefix; -ENOENT when there is no such route.
 * @threadsafety Takes the writer lock.
 */
int dps_route_get(struct dps_stack *s, const struct dps_prefix *p, struct dps_route_info *out);

/**
 * List the routes: IPv4 before IPv6, each by address then prefix length.
 *
 * @param s    the stack
 * @param out  up to max routes (may be NULL when max is 0)
 * @param max  room in out
 * @return the total number of routes (may exceed max); -EINVAL when max is negative;
 *         -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock.
 */
int dps_route_list(struct dps_stack *s, struct dps_route_info *out, int max);

/**
 * Number of routes of one family.
 *
 * @param s         the stack
 * @param addr_len  4 (IPv4) or 16 (IPv6; any other value counts as 16)
 * @return the count.
 * @threadsafety Takes the writer lock.
 */
unsigned int dps_route_count(struct dps_stack *s, uint8_t addr_len);

/** A staged set of route changes, applied as one (dps_route_batch_commit()). */
struct dps_route_batch;

/**
 * Start a batch of route changes. Staging takes no lock and changes nothing: the changes
 * apply, in order, at dps_route_batch_commit(), all or none.
 *
 * @param s  the stack
 * @return the batch, or NULL when out of memory (or s is NULL).
 * @threadsafety A batch belongs to one thread; any number of batches may be open.
 */
struct dps_route_batch *dps_route_batch_begin(struct dps_stack *s);

/**
 * Stage an add or replace (as dps_route_add() with connected false).
 *
 * @param b        the batch
 * @param p        the destination subnet (host bits ignored)
 * @param nh       the next hops: 1 .. DPS_ROUTE_MAX_PATHS
 * @param n_paths  entries of nh
 * @param flags    0, DPS_ROUTE_F_EXCL (no replace), DPS_ROUTE_F_KEEP_CONNECTED
 * @return 0; -EINVAL or -ENODEV as dps_route_add() (checked now); -E2BIG beyond 2^25
 *         changes; -ENOMEM. Table errors come from the commit.
 * @threadsafety The batch's thread.
 */
int dps_route_batch_add(struct dps_route_batch *b, const struct dps_prefix *p,
			const struct dps_nexthop *nh, unsigned int n_paths, unsigned int flags);

/**
 * Stage a delete.
 *
 * @param b      the batch
 * @param p      the destination subnet (exact prefix; host bits ignored)
 * @param match  NULL, or what one of the route's paths must have: nic_id (unless
 *               DPS_ROUTE_ANY_NIC) and, when has_gw, the gateway (-ESRCH at commit otherwise)
 * @param flags  0 or DPS_ROUTE_F_KEEP_CONNECTED
 * @return 0; -EINVAL for a bad prefix or match; -E2BIG; -ENOMEM.
 * @threadsafety The batch's thread.
 */
int dps_route_batch_del(struct dps_route_batch *b, const struct dps_prefix *p,
			const struct dps_nexthop *match, unsigned int flags);

/**
 * Changes staged in a batch.
 *
 * @param b  the batch (NULL: 0)
 * @return the count.
 * @threadsafety The batch's thread.
 */
unsigned int dps_route_batch_size(const struct dps_route_batch *b);

/** Which change of a batch failed (dps_route_batch_commit()). */
struct dps_route_batch_err {
	uint32_t index;           /**< its index in staging order */
	struct dps_prefix prefix; /**< its prefix (host bits clear) */
	bool del;                 /**< a delete (else an add or replace) */
};

/**
 * Apply a batch and free it: every change in order on the idle copies, one publish, one grace
 * period, the same changes on the other copies. On an error nothing changes (the changes
 * before the failing one are undone on the unpublished copy).
 *
 * @param b       the batch (freed in every case)
 * @param failed  when not NULL and the commit fails: which change failed
 * @return 0; -EEXIST (DPS_ROUTE_F_EXCL and the prefix has a route); -EBUSY (a connected
 *         route under DPS_ROUTE_F_KEEP_CONNECTED); -ENOENT (delete of no route); -ESRCH
 *         (delete whose match no path has); -ENOSPC (max_routes routes, no tbl8 group or no
 *         next-hop group left: counted in dps_route_stats().full); -ENOMEM.
 * @threadsafety Takes the writer lock and waits for a grace period: not from an online
 *         reader context. Lookups see the table before or after the whole batch.
 */
int dps_route_batch_commit(struct dps_route_batch *b, struct dps_route_batch_err *failed);

/**
 * Drop a batch without applying it.
 *
 * @param b  the batch (may be NULL)
 * @threadsafety The batch's thread.
 */
void dps_route_batch_abort(struct dps_route_batch *b);

/** A route table's use and history (dps_route_stats()). */
struct dps_route_stats {
	uint32_t routes;     /**< routes in the table */
	uint32_t max_routes; /**< its capacity (max_routes4 / max_routes6) */
	uint32_t groups;     /**< distinct next-hop sets in use */
	uint32_t max_groups; /**< at most that many */
	uint64_t full;       /**< changes refused with -ENOSPC */
	uint64_t batches;    /**< batches committed that changed this family */
	uint64_t changes;    /**< changes committed */
	uint32_t rebuilds;   /**< FIB copies rebuilt (DPDK 22.11 tbl8 accounting, route.c) */
};

/**
 * A family's table statistics.
 *
 * @param s         the stack
 * @param addr_len  4 or 16
 * @param st        filled
 * @return 0, or -EINVAL.
 * @threadsafety Takes the writer lock.
 */
int dps_route_stats(struct dps_stack *s, uint8_t addr_len, struct dps_route_stats *st);

/**
 * The FIB sizes a table of cap routes gets (the memory estimate uses them too).
 *
 * @param addr_len  4 or 16
 * @param cap       the capacity
 * @param num_tbl8  receives the tbl8 groups of each copy
 * @param nh_bytes  receives the FIB entry size (2 or 4)
 * @threadsafety Any thread.
 */
void dps_route_sizes(uint8_t addr_len, uint32_t cap, uint32_t *num_tbl8, uint8_t *nh_bytes);

/**
 * Bulk longest-prefix lookup of IPv4 destinations.
 *
 * @param s     the stack
 * @param dst   n destinations, network byte order
 * @param hash  n flow hashes (e.g. the mbuf RSS hash) that pick among equal-cost paths, or
 *              NULL for the first path
 * @param nh    receives n next hops, each valid until the caller's next quiescent report, or
 *              NULL where there is no route
 * @param n     number of lookups
 * @threadsafety Data path: lock-free; the caller is an online RCU reader.
 */
void dps_route_lookup4_bulk_rcu(const struct dps_stack *s, const uint32_t *dst,
				const uint32_t *hash, const struct dps_nexthop **nh, unsigned int n);

/**
 * Bulk longest-prefix lookup of IPv6 destinations: dps_route_lookup4_bulk_rcu() for IPv6.
 *
 * @param s     the stack
 * @param dst   n destinations of 16 bytes
 * @param hash  n flow hashes, or NULL for the first path
 * @param nh    receives n next hops (valid until the next quiescent report), NULL for none
 * @param n     number of lookups
 * @threadsafety Data path: lock-free; the caller is an online RCU reader.
 */
void dps_route_lookup6_bulk_rcu(const struct dps_stack *s, const uint8_t (*dst)[16],
				const uint32_t *hash, const struct dps_nexthop **nh, unsigned int n);

#ifdef __cplusplus
}
#endif
#endif
