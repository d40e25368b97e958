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
	uint16_t nic_id;
	bool has_gw;        /**< false: on-link (the destination itself is the neighbour) */
	struct dps_addr gw;
};

/** A route as listed. */
struct dps_route_info {
	struct dps_prefix prefix;
	uint8_t n_paths;
	struct dps_nexthop paths[DPS_ROUTE_MAX_PATHS];
	bool connected; /**< created from a NIC address */
};

/** Data-path lookup result: an index into the next-hop table, or DPS_NH_NONE. */
#define DPS_NH_NONE UINT32_MAX

/** Add or replace a route (proto by prefix length of the address: 4 or 16 bytes). */
int dps_route_add(struct dps_stack *s, const struct dps_prefix *p, const struct dps_nexthop *nh,
		  unsigned int n_paths, bool connected);
/** Delete a route: -ENOENT if absent. */
int dps_route_del(struct dps_stack *s, const struct dps_prefix *p);
/**
 * The on-link route for the subnet of an interface address (10.0.0.1/24 -> 10.0.0.0/24 dev
 * nic). Counted per address: the route goes when the last address of the subnet on that NIC
 * is deleted. A static route for the same prefix is replaced by the connected one.
 */
int dps_route_add_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr);
/** Drop one address's hold on its connected route: -ENOENT if there is no such route. */
int dps_route_del_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr);
/** Look up one route exactly (not longest match): 0 or -ENOENT. */
int dps_route_get(struct dps_stack *s, const struct dps_prefix *p, struct dps_route_info *out);
/** List routes (IPv4 first); returns the total count. */
int dps_route_list(struct dps_stack *s, struct dps_route_info *out, int max);
/** Number of routes of one family (len 4 or 16). */
unsigned int dps_route_count(struct dps_stack *s, uint8_t addr_len);

/**
 * Bulk longest-prefix lookups. dst in network byte order (IPv4 as uint32_t, IPv6 as 16
 * bytes); hash (flow hash, e.g. mbuf RSS hash) picks among equal-cost paths; nh[i] receives a
 * pointer valid until the caller's next quiescent report, or NULL when there is no route.
 */
void dps_route_lookup4_bulk_rcu(const struct dps_stack *s, const uint32_t *dst,
				const uint32_t *hash, const struct dps_nexthop **nh, unsigned int n);
void dps_route_lookup6_bulk_rcu(const struct dps_stack *s, const uint8_t (*dst)[16],
				const uint32_t *hash, const struct dps_nexthop **nh, unsigned int n);

#ifdef __cplusplus
}
#endif
#endif
