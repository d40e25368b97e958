/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/nic control-plane API: the stack, its NICs, their address endpoints, address ranges,
 * multicast joins, and the protocol registration tables.
 *
 * This is the seed's NIC layer (gVisor netstack nic.go, 2019) re-built for DPDK: many worker
 * lcores read while one writer at a time changes state. Readers (the data path, see
 * dps_nic_dp.h) take no lock; writers serialise on the stack's writer lock and free what they
 * unlink only after an RCU QSBR grace period.
 *
 * Thread safety: every function here takes the writer lock itself unless its name ends in
 * _locked (the caller holds dps_stack_lock()). None may be called from a registered reader
 * context while it is online (a writer may wait for a grace period).
 *
 * Errors are negative errno values; the seed's errors map as follows:
 *   ErrDuplicateAddress -EEXIST, ErrUnknownProtocol -EPROTONOSUPPORT,
 *   ErrBadLocalAddress -EADDRNOTAVAIL, ErrUnknownNICID -ENODEV, ErrNoRoute -ENETUNREACH,
 *   ErrInvalidEndpointState -ESTALE, ErrNoMemory / allocation failure -ENOMEM,
 *   ErrBadAddress (malformed argument) -EINVAL.
 */
#ifndef DPS_NIC_H
#define DPS_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dps_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DPS_MAX_NICS 32     /**< NIC ids are 0 .. DPS_MAX_NICS-1 */
#define DPS_MAX_CTX 16      /**< data-path contexts: worker lcores + control thread */
#define DPS_MAX_NETPROTO 4  /**< registered network protocols (IPv4, IPv6, ARP) */
#define DPS_ADDR_MAX_LEN 16

struct dps_stack;
struct dps_nic;
struct dps_endpoint;
struct dps_ctx;

/** A network address: 4 bytes (IPv4) or 16 bytes (IPv6). Unused bytes are zero. */
struct dps_addr {
	uint8_t len;
	uint8_t b[DPS_ADDR_MAX_LEN];
};

/** An address with a prefix length: an interface address or a subnet. */
struct dps_prefix {
	struct dps_addr addr;
	uint8_t plen;
};

/** The seed's PrimaryEndpointBehavior. */
enum dps_peb {
	DPS_PEB_CAN_BE_PRIMARY = 0, /**< appended to the primary list (the default) */
	DPS_PEB_FIRST_PRIMARY,      /**< pushed to the front: the newest comes first */
	DPS_PEB_NEVER_PRIMARY,      /**< never listed as primary */
};

/** The seed's networkEndpointKind. */
enum dps_ep_kind {
	DPS_EP_PERMANENT = 0,
	DPS_EP_PERMANENT_EXPIRED,
	DPS_EP_TEMPORARY,
};

/** A network protocol address as returned by the queries. */
struct dps_protocol_address {
	uint16_t proto; /**< ethertype of the network protocol */
	struct dps_prefix prefix;
};

/** What the queries report about one endpoint (telemetry, dpstack-ctl). */
struct dps_endpoint_info {
	uint16_t proto;
	struct dps_prefix prefix;
	enum dps_ep_kind kind;
	enum dps_peb peb;
	int32_t refs;
	int primary_index; /**< position in the primary list, -1 if not listed */
};

/**
 * Network protocol operations (the seed's NetworkProtocol). Implemented by lib/proto.
 * All data-path hooks are called once per burst, never per packet.
 */
struct dps_netproto_ops {
	const char *name;
	uint16_t number;            /**< ethertype, host byte order */
	uint8_t addr_len;           /**< 4 or 16 */
	uint8_t default_prefix_len; /**< 32 or 128: for temporary endpoints and groups */
	bool is_ip;                 /**< counts ip.packets_received */
	uint16_t min_size;          /**< minimum network packet size (seed: MinimumPacketSize) */
	/**
	 * Validate each packet's network header (mbuf data starts at it; chains allowed) and
	 * extract its addresses. status[i] = 0 when valid, negative when not: the NIC layer then
	 * counts malformed_rcvd (the protocol counts the specific reason) and frees the mbuf.
	 * A source that is multicast or broadcast is reported as -EADDRNOTAVAIL: the NIC layer
	 * counts ip.invalid_source_addresses_received.
	 */
	void (*parse_burst)(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
			    uint16_t n, struct dps_addr *src, struct dps_addr *dst, int *status);
	/** Packets for a local endpoint. Takes ownership of every mbuf. */
	void (*handle_burst)(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
			     uint16_t n);
	/** Packets with no local endpoint while forwarding is on. Takes ownership. May be NULL. */
	void (*forward_burst)(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
			      uint16_t n);
	/** The group a unicast address joins (IPv6 solicited-node). May be NULL. */
	bool (*solicited_group)(const struct dps_addr *unicast, struct dps_addr *group);
	/** Whether an address is unicast (only unicast addresses join solicited_group). */
	bool (*is_unicast)(const struct dps_addr *a);
	/** Whether an address may never be chosen as a primary source (0.0.0.0, 255.255.255.255). */
	bool (*is_unspecified_or_broadcast)(const struct dps_addr *a);
	/** Called by dps_nic_enable() with the writer lock held (IPv4 broadcast, IPv6 ff02::1). */
	int (*enable_locked)(struct dps_nic *nic);
	/** Send a link-address solicitation for target (ARP request, NDP NS). Control thread. */
	int (*solicit)(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target);
	/** A queued packet whose next hop did not resolve: send host unreachable, free it. */
	void (*unresolved)(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m);
};

/** Transmit a burst on a link; returns how many the link took (the rest stay with the caller). */
typedef uint16_t (*dps_link_xmit_t)(void *priv, uint16_t queue, struct rte_mbuf **pkts,
				    uint16_t n);

/** Stack creation parameters. */
struct dps_stack_conf {
	const char *name;       /**< names DPDK objects: unique per process, first 12 chars used */
	int socket_id;          /**< NUMA socket for shared tables (SOCKET_ID_ANY allowed) */
	uint32_t max_endpoints; /**< endpoint map capacity, all NICs (default 262144) */
	uint32_t max_transport; /**< transport endpoint map capacity (default 65536) */
	uint32_t max_neigh;     /**< neighbour table capacity (default 65536) */
	uint32_t max_routes4;   /**< IPv4 routes (default 1048576) */
	uint32_t max_routes6;   /**< IPv6 routes (default 65536) */
};

/** NIC creation parameters. */
struct dps_nic_conf {
	const char *name;
	uint16_t id;       /**< 0 .. DPS_MAX_NICS-1, unique in the stack */
	uint16_t port_id;  /**< DPDK port (informational for lib/nic) */
	struct rte_ether_addr mac;
	uint16_t mtu;      /**< L3 MTU */
	dps_link_xmit_t xmit;
	void *xmit_priv;
};

/* ---- stack ---- */

/** Create a stack. Registers nothing: see dps_proto_register_all() in lib/proto. */
int dps_stack_create(const struct dps_stack_conf *conf, struct dps_stack **out);
/**
 * Free a stack and everything it holds. No context may be online; every API reference must
 * have been put. Waits for and runs all deferred frees.
 */
void dps_stack_free(struct dps_stack *s);
/** Register a network protocol. At most DPS_MAX_NETPROTO; -EEXIST if its number is taken. */
int dps_stack_register_netproto(struct dps_stack *s, const struct dps_netproto_ops *ops);
/** Writer lock (a pthread mutex: writers may sleep waiting for a grace period). */
void dps_stack_lock(struct dps_stack *s);
/** Take the writer lock if it is free: 0, or -EBUSY when another thread (or this one) holds it. */
int dps_stack_trylock(struct dps_stack *s);
void dps_stack_unlock(struct dps_stack *s);
/** Stack-wide forwarding switch (seed: Stack.SetForwarding). */
void dps_stack_set_forwarding(struct dps_stack *s, bool on);
bool dps_stack_forwarding(const struct dps_stack *s);
/** Endpoints allocated and not yet freed (tests: returns to zero after dps_stack_free). */
int64_t dps_stack_live_endpoints(const struct dps_stack *s);
/**
 * Run the deferred frees whose grace period has ended. The control thread calls it
 * periodically; writers call it too. Returns how many ran.
 */
unsigned int dps_stack_reclaim(struct dps_stack *s);
/** Block until every online context has reported quiescent, then reclaim everything. */
void dps_stack_synchronize(struct dps_stack *s);
/**
 * Defer fn(arg) until every reader that could see an object unlinked before this call has
 * passed a quiescent state. Writer lock held. Never fails: on a full queue it synchronizes.
 */
void dps_stack_defer_free_locked(struct dps_stack *s, void (*fn)(void *arg), void *arg);

/* ---- counters ---- */

/** Sum of a counter over every context for one NIC (nic_id) or all NICs (nic_id < 0). */
uint64_t dps_stack_counter(const struct dps_stack *s, int nic_id, enum dps_counter c);
/** All counters at once: out[DPS_CNT_MAX]. */
void dps_stack_counters(const struct dps_stack *s, int nic_id, uint64_t *out);

/* ---- NICs ---- */

/** Create a NIC (seed: newNIC). Not yet enabled: call dps_nic_enable(). */
int dps_nic_create(struct dps_stack *s, const struct dps_nic_conf *conf, struct dps_nic **out);
/** Enable: each network protocol's enable hook (IPv4 broadcast, IPv6 all-nodes). */
int dps_nic_enable(struct dps_nic *nic);
struct dps_nic *dps_stack_nic(struct dps_stack *s, uint16_t id);
struct dps_nic *dps_stack_nic_by_name(struct dps_stack *s, const char *name);
uint16_t dps_nic_id(const struct dps_nic *nic);
uint16_t dps_nic_port_id(const struct dps_nic *nic);
const char *dps_nic_name(const struct dps_nic *nic);
struct dps_stack *dps_nic_stack(const struct dps_nic *nic);
const struct rte_ether_addr *dps_nic_mac(const struct dps_nic *nic);
uint16_t dps_nic_mtu(const struct dps_nic *nic);
void dps_nic_set_mtu(struct dps_nic *nic, uint16_t mtu);
void dps_nic_set_promiscuous(struct dps_nic *nic, bool on);
bool dps_nic_promiscuous(const struct dps_nic *nic);
void dps_nic_set_spoofing(struct dps_nic *nic, bool on);
bool dps_nic_spoofing(const struct dps_nic *nic);
/** Per-NIC forwarding switch (later gVisor); forwarding needs both it and the stack's. */
void dps_nic_set_forwarding(struct dps_nic *nic, bool on);
bool dps_nic_forwarding(const struct dps_nic *nic);

/* ---- addresses (seed: AddAddress, RemoveAddress, ...) ---- */

/**
 * Add a permanent address. -EEXIST if already permanent; a temporary or expired endpoint is
 * promoted and takes the new primary behaviour; -EPROTONOSUPPORT for an unregistered
 * protocol; -EINVAL if the address length does not match the protocol.
 */
int dps_nic_add_address(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
			enum dps_peb peb);
int dps_nic_add_address_locked(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
			       enum dps_peb peb);
/** Remove a permanent address: -EADDRNOTAVAIL if absent or not permanent. */
int dps_nic_remove_address(struct dps_nic *nic, const struct dps_addr *a);
int dps_nic_remove_address_locked(struct dps_nic *nic, const struct dps_addr *a);
/** Add an address range (AnyIP). The protocol is ignored and duplicates are allowed (seed). */
int dps_nic_add_range(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *subnet);
/** Remove every equal range; silent if there is none (seed). */
int dps_nic_remove_range(struct dps_nic *nic, const struct dps_prefix *subnet);
/** Join a multicast group (counted). */
int dps_nic_join_group(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group);
int dps_nic_join_group_locked(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group);
/** Leave a multicast group: -EADDRNOTAVAIL if not joined. */
int dps_nic_leave_group(struct dps_nic *nic, const struct dps_addr *group);
int dps_nic_leave_group_locked(struct dps_nic *nic, const struct dps_addr *group);
/** Join count of a group (0 if not joined). */
int dps_nic_group_joins(struct dps_nic *nic, const struct dps_addr *group);

/**
 * Queries. Each fills up to max entries and returns the total number available (which may
 * exceed max), or a negative errno. Order is deterministic: by protocol registration order,
 * then by creation order (all/ranges) or primary order (primary).
 */
int dps_nic_all_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max);
int dps_nic_primary_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max);
/** Seed AddressRanges: one /32 or /128 per endpoint of any kind, then the configured ranges. */
int dps_nic_address_ranges(struct dps_nic *nic, struct dps_prefix *out, int max);
/** Only the configured ranges. */
int dps_nic_ranges(struct dps_nic *nic, struct dps_prefix *out, int max);
/** Every endpoint with kind, behaviour, refcount and primary position. */
int dps_nic_endpoints(struct dps_nic *nic, struct dps_endpoint_info *out, int max);

/* ---- lasting endpoint references (seed: getRef, findEndpoint, primaryEndpoint) ---- */

/**
 * Incoming lookup with a lasting reference (seed getRef): creates a temporary endpoint when
 * the NIC is promiscuous or the address is in a range. NULL if none. Put it when done.
 */
struct dps_endpoint *dps_nic_get_ref(struct dps_nic *nic, uint16_t proto,
				     const struct dps_addr *a);
/** Outgoing lookup (seed findEndpoint): temporary endpoint when the NIC is spoofing. */
struct dps_endpoint *dps_nic_find_endpoint(struct dps_nic *nic, uint16_t proto,
					   const struct dps_addr *a, enum dps_peb peb);
/** First usable primary endpoint of a protocol, with a reference, or NULL. */
struct dps_endpoint *dps_nic_primary_endpoint(struct dps_nic *nic, uint16_t proto);
/** Try to take a reference: fails (false) once the count has reached zero. */
bool dps_endpoint_tryget(struct dps_endpoint *ep);
/** Take another reference; the caller must already hold one (seed incRef, Route.Clone). */
void dps_endpoint_get(struct dps_endpoint *ep);
/** Drop a reference; the last one unlinks the endpoint and defers its free. */
void dps_endpoint_put(struct dps_endpoint *ep);
void dps_endpoint_put_locked(struct dps_endpoint *ep);
/** Whether the endpoint may be used to send (seed isValidForOutgoing). */
bool dps_endpoint_valid_for_outgoing(const struct dps_endpoint *ep);
enum dps_ep_kind dps_endpoint_kind(const struct dps_endpoint *ep);
int32_t dps_endpoint_refs(const struct dps_endpoint *ep);
const struct dps_addr *dps_endpoint_addr(const struct dps_endpoint *ep);
uint8_t dps_endpoint_prefix_len(const struct dps_endpoint *ep);
struct dps_nic *dps_endpoint_nic(const struct dps_endpoint *ep);

/* ---- address helpers ---- */

/** Parse an IPv4 or IPv6 address (inet_pton); 0 or -EINVAL. */
int dps_addr_parse(const char *s, struct dps_addr *a);
/** Parse ADDR/PLEN (a bare address is a host prefix); 0 or -EINVAL. */
int dps_prefix_parse(const char *s, struct dps_prefix *p);
/** Format an address (INET6_ADDRSTRLEN is enough). Returns buf. */
char *dps_addr_fmt(const struct dps_addr *a, char *buf, size_t len);
char *dps_prefix_fmt(const struct dps_prefix *p, char *buf, size_t len);
bool dps_addr_eq(const struct dps_addr *a, const struct dps_addr *b);
/** Whether subnet p contains a (lengths must match). */
bool dps_prefix_contains(const struct dps_prefix *p, const struct dps_addr *a);
/** Subnet network address (host bits cleared) and broadcast address (host bits set). */
void dps_prefix_network(const struct dps_prefix *p, struct dps_addr *out);
void dps_prefix_broadcast(const struct dps_prefix *p, struct dps_addr *out);
/** Make an IPv4 address from a host-order value. */
void dps_addr_from_ipv4(struct dps_addr *a, uint32_t host_order);
/** Make an IPv6 address from 16 bytes. */
void dps_addr_from_ipv6(struct dps_addr *a, const uint8_t *b16);

#ifdef __cplusplus
}
#endif
#endif
