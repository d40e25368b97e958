/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * IPv4 and IPv6 route tables: longest-prefix match with bulk lookup for the data path,
 * changed by the control plane while lookups run.
 *
 * Thread safety: add/del/list take the stack's writer lock; lookups take none and never see
 * freed or half-built state (see docs/forwarding.md for the scheme and its cost).
 *
 * Scheme: IPv4 is an rte_lpm with its RCU QSBR defer queue on the stack's QSBR variable (a
 * tbl8 group is reused only after a grace period). IPv6 is a left-right pair of rte_fib6
 * tables: a change goes to the idle copy, the copy is published with a release store, the
 * writer waits for a grace period and replays the change on the other copy. The FIB's next
 * hop is a route id indexing an array of next-hop groups; a replaced route swaps its group
 * (copy-on-write) and the old one is freed after a grace period. The big tables are created
 * on the first route of a family. Writers wait for grace periods: never call them from a
 * thread whose context is online.
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

/**
 * Add a route, or replace the next hops of an existing one (the family is the prefix's
 * address length, 4 or 16). Host bits of the prefix are ignored. The first route of a family
 * creates its tables (rte_lpm, rte_fib6).
 *
 * @param s          the stack
 * @param p          the destination subnet
 * @param nh         the next hops: 1 .. DPS_ROUTE_MAX_PATHS, picked by flow hash
 * @param n_paths    entries of nh
 * @param connected  marks the route as a NIC's connected route (listed as such)
 * @return 0; -EINVAL for a bad prefix, no or too many next hops, or a gateway of the other
 *         family; -ENODEV for a NIC id beyond DPS_MAX_NICS; -ENOSPC when the table is full;
 *         -ENOMEM when out of memory.
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
