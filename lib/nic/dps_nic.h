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
#define DPS_ADDR_MAX_LEN 16 /**< bytes of the longest address (IPv6) */

struct dps_stack;
struct dps_nic;
struct dps_endpoint;
struct dps_ctx;

/** A network address: 4 bytes (IPv4) or 16 bytes (IPv6). Unused bytes are zero. */
struct dps_addr {
	uint8_t len;                 /**< 4 or 16 (0: none / any where an API says so) */
	uint8_t b[DPS_ADDR_MAX_LEN]; /**< network byte order */
};

/** An address with a prefix length: an interface address or a subnet. */
struct dps_prefix {
	struct dps_addr addr; /**< the address */
	uint8_t plen;         /**< prefix length: 0 .. 8 * addr.len */
};

/** The seed's PrimaryEndpointBehavior. */
enum dps_peb {
	DPS_PEB_CAN_BE_PRIMARY = 0, /**< appended to the primary list (the default) */
	DPS_PEB_FIRST_PRIMARY,      /**< pushed to the front: the newest comes first */
	DPS_PEB_NEVER_PRIMARY,      /**< never listed as primary */
};

/** The seed's networkEndpointKind. */
enum dps_ep_kind {
	DPS_EP_PERMANENT = 0,     /**< added by dps_nic_add_address() */
	DPS_EP_PERMANENT_EXPIRED, /**< removed while still referenced */
	DPS_EP_TEMPORARY,         /**< created for a promiscuous, spoofing or range match */
};

/**
 * Duplicate Address Detection state of an endpoint (RFC 4862 5.4), set by the protocol that
 * runs it (lib/proto for IPv6); lib/nic only honours it: a tentative or duplicate address is
 * never a source and never accepts packets.
 */
enum dps_dad_state {
	DPS_DAD_NONE = 0,   /**< usable (DAD passed, disabled, or not applicable) */
	DPS_DAD_TENTATIVE,  /**< DAD running */
	DPS_DAD_DUPLICATE,  /**< another node has it: not used */
};

/** A network protocol address as returned by the queries. */
struct dps_protocol_address {
	uint16_t proto;           /**< ethertype of the network protocol */
	struct dps_prefix prefix; /**< the address and its prefix length */
};

/** What the queries report about one endpoint (telemetry, dpstack-ctl). */
struct dps_endpoint_info {
	uint16_t proto;           /**< ethertype of the network protocol */
	struct dps_prefix prefix; /**< the address and its prefix length */
	enum dps_ep_kind kind;    /**< permanent, expired or temporary */
	enum dps_peb peb;         /**< primary behaviour it was added with */
	int32_t refs;             /**< references (permanent endpoints carry +1) */
	int primary_index; /**< position in the primary list, -1 if not listed */
	enum dps_dad_state dad;  /**< tentative / duplicate (RFC 4862 5.4) */
};

/**
 * Network protocol operations (the seed's NetworkProtocol). Implemented by lib/proto.
 * All data-path hooks are called once per burst, never per packet.
 */
struct dps_netproto_ops {
	const char *name;           /**< for logs and dpstack-ctl */
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
	/**
	 * Send a link-address solicitation for target (ARP request, NDP NS). Control thread.
	 * ucast NULL: broadcast / solicited-node multicast (resolution); else a unicast probe
	 * to that link address (RFC 4861 7.3.3 PROBE, RFC 1122 2.3.2.1).
	 */
	int (*solicit)(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
		       const struct rte_ether_addr *ucast);
	/** A queued packet whose next hop did not resolve: send host unreachable, free it. */
	void (*unresolved)(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m);
	/**
	 * A group's membership of the NIC began (its first join) or ended (its last leave), with
	 * the writer lock held: the protocol's group management (IGMP, MLD) reports it. Must not
	 * send or block. May be NULL.
	 */
	void (*group_changed_locked)(struct dps_nic *nic, const struct dps_addr *group,
				     bool joined);
	/**
	 * A permanent address was added (or a temporary one made permanent), writer lock held:
	 * the protocol may start Duplicate Address Detection (ep->dad). Must not send or block.
	 * May be NULL.
	 */
	void (*address_added_locked)(struct dps_nic *nic, struct dps_endpoint *ep);
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
	const char *name;  /**< unique in the stack, 1 .. 15 characters */
	uint16_t id;       /**< 0 .. DPS_MAX_NICS-1, unique in the stack */
	uint16_t port_id;  /**< DPDK port (informational for lib/nic) */
	struct rte_ether_addr mac; /**< the NIC's own MAC: source of its frames */
	uint16_t mtu;      /**< L3 MTU (0: 1500) */
	dps_link_xmit_t xmit; /**< transmit hook, called by dps_ctx_flush_nic() */
	void *xmit_priv;   /**< first argument of xmit */
};

/* ---- stack ---- */

/**
 * Create a stack: the endpoint map, the transport demultiplexer, the neighbour table, the
 * (empty) route tables, the RCU QSBR variable and its defer queue. Registers no protocol: see
 * dps_proto_register_all() in lib/proto.
 *
 * @param conf  parameters (copied); zero capacities take the defaults
 * @param out   the new stack
 * @return 0; -EINVAL when conf, conf->name or out is NULL; -EEXIST when a DPDK object of that
 *         name exists; -ENOMEM when out of memory (or a DPDK table cannot be created).
 * @threadsafety Any thread after rte_eal_init(); the stack is not shared yet.
 */
int dps_stack_create(const struct dps_stack_conf *conf, struct dps_stack **out);

/**
 * Free a stack and everything it holds. Waits for and runs all deferred frees.
 *
 * @param s  the stack, or NULL (nothing happens)
 * @threadsafety No context may be online and no other thread may use the stack; every
 *         lasting endpoint reference must have been put.
 */
void dps_stack_free(struct dps_stack *s);

/**
 * Attach the protocol layer's own stack-wide state (lib/nic never looks inside it); fini is
 * called with it by dps_stack_free(), after the NICs are gone.
 *
 * @param s      the stack
 * @param state  the state, or NULL
 * @param fini   its destructor, or NULL
 * @threadsafety Before the stack is used by other threads (protocol registration).
 */
void dps_stack_set_proto_state(struct dps_stack *s, void *state, void (*fini)(void *state));

/**
 * The state of dps_stack_set_proto_state().
 *
 * @param s  the stack
 * @return it, or NULL.
 * @threadsafety Any thread.
 */
void *dps_stack_proto_state(const struct dps_stack *s);

/**
 * Register a network protocol (the seed's RegisterNetworkProtocol).
 *
 * @param s    the stack
 * @param ops  the protocol's operations (parse_burst and handle_burst required, addr_len 4
 *             or 16); kept by pointer: it must outlive the stack
 * @return 0; -EINVAL for missing operations or a bad addr_len; -EEXIST when its number is
 *         registered already; -ENOSPC beyond DPS_MAX_NETPROTO protocols.
 * @threadsafety Takes the writer lock.
 */
int dps_stack_register_netproto(struct dps_stack *s, const struct dps_netproto_ops *ops);

/**
 * Take the stack's writer lock (a pthread mutex: a writer may sleep waiting for a grace
 * period). Needed around the _locked functions; the others take it themselves.
 *
 * @param s  the stack
 * @threadsafety Any thread; not recursive; not from an online reader context.
 */
void dps_stack_lock(struct dps_stack *s);

/**
 * Take the writer lock if it is free.
 *
 * @param s  the stack
 * @return 0 when taken; -EBUSY when another thread (or this one) holds it.
 * @threadsafety Any thread.
 */
int dps_stack_trylock(struct dps_stack *s);

/**
 * Release the writer lock.
 *
 * @param s  the stack
 * @threadsafety The thread that holds the lock.
 */
void dps_stack_unlock(struct dps_stack *s);

/**
 * Stack-wide forwarding switch (seed: Stack.SetForwarding). A packet is forwarded when both
 * this and its NIC's switch are on; the data path reads it once per burst.
 *
 * @param s   the stack
 * @param on  the new state (off at creation)
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_stack_set_forwarding(struct dps_stack *s, bool on);

/**
 * The stack-wide forwarding switch.
 *
 * @param s  the stack
 * @return whether forwarding is on.
 * @threadsafety Lock-free; any thread.
 */
bool dps_stack_forwarding(const struct dps_stack *s);

/**
 * Endpoints allocated and not yet freed (tests: returns to zero after the NICs are gone).
 *
 * @param s  the stack
 * @return the count.
 * @threadsafety Lock-free; any thread.
 */
int64_t dps_stack_live_endpoints(const struct dps_stack *s);

/**
 * Run the deferred frees whose grace period has ended. The control thread calls it
 * periodically; writers run it too when the queue fills.
 *
 * @param s  the stack
 * @return how many ran.
 * @threadsafety Takes the writer lock; does not wait for readers.
 */
unsigned int dps_stack_reclaim(struct dps_stack *s);

/**
 * Wait until every online context has reported a quiescent state, then run every deferred
 * free, until none is left.
 *
 * @param s  the stack
 * @threadsafety Takes the writer lock and waits for readers: never from a thread whose
 *         context is online (it would wait for itself).
 */
void dps_stack_synchronize(struct dps_stack *s);

/**
 * Defer fn(arg) until every reader that could see an object unlinked before this call has
 * passed a quiescent state. Never fails: on a full queue it waits for a grace period.
 *
 * @param s    the stack
 * @param fn   runs later, with the writer lock held
 * @param arg  its argument
 * @threadsafety Writer lock held; not from an online reader context (it may wait).
 */
void dps_stack_defer_free_locked(struct dps_stack *s, void (*fn)(void *arg), void *arg);

/**
 * Deferred frees taken by dps_stack_defer_free_locked() and not run yet (tests: 0 after
 * dps_stack_synchronize(), whatever ran before: nothing is lost in the queue).
 *
 * @param s  the stack
 * @return the count.
 * @threadsafety Takes the writer lock.
 */
uint64_t dps_stack_deferred_pending(struct dps_stack *s);

/**
 * Tests: make the next n allocations of a NIC's primary-address snapshot fail, as if memory
 * ran out (the rebuild must then never leave a snapshot naming a removed endpoint).
 *
 * @param s  the stack
 * @param n  how many allocations fail
 * @threadsafety Takes the writer lock.
 */
void dps_stack_inject_alloc_failures(struct dps_stack *s, uint32_t n);
/**
 * Tests: whether the NIC's published primary snapshot of a protocol slot names an endpoint
 * (a pointer compare: ep is never read).
 *
 * @param nic      the NIC
 * @param np_slot  protocol slot (dps_stack_np_slot())
 * @param ep       the endpoint
 * @return true when the snapshot holds ep.
 * @threadsafety Lock-free; the writer lock or an online reader.
 */
bool dps_nic_primary_snapshot_has(const struct dps_nic *nic, unsigned int np_slot,
				  const struct dps_endpoint *ep);

/* ---- counters ---- */

/**
 * Sum of a counter over every context (counters stay readable after a context is freed).
 *
 * @param s       the stack
 * @param nic_id  one NIC, or a negative value for all NICs
 * @param c       the counter
 * @return the sum; 0 for an unknown counter or a NIC id beyond DPS_MAX_NICS.
 * @threadsafety Lock-free; any thread. Each context's value is read atomically; the sum is
 *         not a snapshot across contexts.
 */
uint64_t dps_stack_counter(const struct dps_stack *s, int nic_id, enum dps_counter c);

/**
 * All counters at once (dps_stack_counter() for each).
 *
 * @param s       the stack
 * @param nic_id  one NIC, or a negative value for all NICs
 * @param out     DPS_CNT_MAX values, indexed by enum dps_counter
 * @threadsafety Lock-free; any thread.
 */
void dps_stack_counters(const struct dps_stack *s, int nic_id, uint64_t *out);

/* ---- NICs ---- */

/**
 * Create a NIC (seed: newNIC). Not enabled yet: see dps_nic_enable(). Forwarding is on,
 * promiscuous and spoofing off.
 *
 * @param s     the stack
 * @param conf  parameters (copied)
 * @param out   the new NIC (may be NULL)
 * @return 0; -EINVAL for a missing or too long name or an id beyond DPS_MAX_NICS; -EEXIST
 *         when the id or the name is taken; -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock.
 */
int dps_nic_create(struct dps_stack *s, const struct dps_nic_conf *conf, struct dps_nic **out);

/**
 * Enable a NIC: each network protocol's enable hook in registration order (IPv4 adds the
 * broadcast endpoint, IPv6 joins all-nodes ff02::1).
 *
 * @param nic  the NIC
 * @return 0, or the first hook's error (e.g. -ENOMEM, -EEXIST when enabled twice).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_enable(struct dps_nic *nic);

/**
 * The NIC of an id.
 *
 * @param s   the stack
 * @param id  NIC id
 * @return the NIC, or NULL when there is none.
 * @threadsafety Lock-free; any thread (NICs live as long as the stack).
 */
struct dps_nic *dps_stack_nic(struct dps_stack *s, uint16_t id);

/**
 * The NIC of a name.
 *
 * @param s     the stack
 * @param name  NIC name
 * @return the NIC, or NULL when there is none (or name is NULL).
 * @threadsafety Lock-free; any thread.
 */
struct dps_nic *dps_stack_nic_by_name(struct dps_stack *s, const char *name);

/**
 * @param nic  the NIC
 * @return its id.
 * @threadsafety Any thread.
 */
uint16_t dps_nic_id(const struct dps_nic *nic);

/**
 * @param nic  the NIC
 * @return the DPDK port it was created for (dps_nic_conf.port_id).
 * @threadsafety Any thread.
 */
uint16_t dps_nic_port_id(const struct dps_nic *nic);

/**
 * @param nic  the NIC
 * @return its name (valid as long as the NIC).
 * @threadsafety Any thread.
 */
const char *dps_nic_name(const struct dps_nic *nic);

/**
 * @param nic  the NIC
 * @return the stack it belongs to.
 * @threadsafety Any thread.
 */
struct dps_stack *dps_nic_stack(const struct dps_nic *nic);

/**
 * @param nic  the NIC
 * @return its MAC address.
 * @threadsafety Any thread.
 */
const struct rte_ether_addr *dps_nic_mac(const struct dps_nic *nic);

/**
 * @param nic  the NIC
 * @return its L3 MTU.
 * @threadsafety Lock-free; any thread.
 */
uint16_t dps_nic_mtu(const struct dps_nic *nic);

/**
 * Change the L3 MTU (the port's own MTU is the caller's business).
 *
 * @param nic  the NIC
 * @param mtu  the new MTU; the data path sees it from its next burst
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_mtu(struct dps_nic *nic, uint16_t mtu);

/**
 * Promiscuous mode (seed: SetPromiscuousMode): every destination matches, through a temporary
 * endpoint.
 *
 * @param nic  the NIC
 * @param on   the new state
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_promiscuous(struct dps_nic *nic, bool on);

/**
 * @param nic  the NIC
 * @return whether it is promiscuous.
 * @threadsafety Lock-free; any thread.
 */
bool dps_nic_promiscuous(const struct dps_nic *nic);

/**
 * Spoofing (seed: SetSpoofing): the NIC may send from any address, through a temporary
 * endpoint.
 *
 * @param nic  the NIC
 * @param on   the new state
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_spoofing(struct dps_nic *nic, bool on);

/**
 * @param nic  the NIC
 * @return whether it spoofs.
 * @threadsafety Lock-free; any thread.
 */
bool dps_nic_spoofing(const struct dps_nic *nic);

/**
 * Per-NIC forwarding switch (later gVisor); forwarding needs both it and the stack's.
 *
 * @param nic  the NIC
 * @param on   the new state (on at creation)
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_forwarding(struct dps_nic *nic, bool on);

/**
 * @param nic  the NIC
 * @return whether its forwarding switch is on.
 * @threadsafety Lock-free; any thread.
 */
bool dps_nic_forwarding(const struct dps_nic *nic);

/**
 * Per-NIC switch of the ICMP redirects the router sends when it forwards a packet back out of
 * the NIC it came in on (RFC 1812 5.2.7.2 and 4.3.3.2: a router MUST be able to turn them
 * off per interface). On at creation.
 *
 * @param nic  the NIC
 * @param on   the new state
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_redirects(struct dps_nic *nic, bool on);

/**
 * @param nic  the NIC
 * @return whether it sends redirects.
 * @threadsafety Lock-free; any thread.
 */
bool dps_nic_redirects(const struct dps_nic *nic);

/**
 * Per-NIC switch of IPv4 source routing (LSRR / SSRR, RFC 791 3.1) for packets arriving on
 * the NIC: RFC 1812 5.2.4.1's configuration switch. Off at creation: a source-routed packet
 * is then dropped and counted (fwd.source_route), never delivered as if its route had ended.
 *
 * @param nic  the NIC
 * @param on   the new state
 * @threadsafety Lock-free (an atomic store); any thread.
 */
void dps_nic_set_source_route(struct dps_nic *nic, bool on);

/**
 * @param nic  the NIC
 * @return whether source routes of packets arriving on it are processed.
 * @threadsafety Lock-free; any thread.
 */
bool dps_nic_source_route(const struct dps_nic *nic);

/* ---- addresses (seed: AddAddress, RemoveAddress, ...) ---- */

/**
 * Add a permanent address (seed: AddAddressWithOptions). A temporary or expired endpoint of
 * the address is promoted and takes the new primary behaviour and prefix length; an IPv6
 * unicast address joins its solicited-node group first.
 *
 * @param nic    the NIC
 * @param proto  ethertype of a registered network protocol
 * @param p      the address and prefix length
 * @param peb    where it goes in the primary list
 * @return 0; -EEXIST when already permanent; -EPROTONOSUPPORT for an unregistered protocol;
 *         -EINVAL for an address length that does not match the protocol, a prefix longer
 *         than the address or a bad peb; -ENOSPC when the endpoint map is full; -ENOMEM.
 * @threadsafety Takes the writer lock.
 */
int dps_nic_add_address(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
			enum dps_peb peb);

/**
 * dps_nic_add_address() with the writer lock held (for a protocol's enable hook).
 *
 * @param nic    the NIC
 * @param proto  ethertype of a registered network protocol
 * @param p      the address and prefix length
 * @param peb    where it goes in the primary list
 * @return as dps_nic_add_address().
 * @threadsafety Writer lock held.
 */
int dps_nic_add_address_locked(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
			       enum dps_peb peb);

/**
 * Remove a permanent address (seed: RemoveAddress). The endpoint expires and is freed when
 * its last reference goes (after a grace period).
 *
 * @param nic  the NIC
 * @param a    the address
 * @return 0; -EADDRNOTAVAIL when absent or not permanent; an error of leaving the
 *         solicited-node group (IPv6), the address being removed nevertheless.
 * @threadsafety Takes the writer lock.
 */
int dps_nic_remove_address(struct dps_nic *nic, const struct dps_addr *a);

/**
 * dps_nic_remove_address() with the writer lock held.
 *
 * @param nic  the NIC
 * @param a    the address
 * @return as dps_nic_remove_address().
 * @threadsafety Writer lock held.
 */
int dps_nic_remove_address_locked(struct dps_nic *nic, const struct dps_addr *a);

/**
 * Add an address range (seed: AddAddressRange, AnyIP): every address of the subnet but its
 * network and broadcast addresses is accepted. Duplicates are allowed (seed).
 *
 * @param nic     the NIC
 * @param proto   ignored (seed)
 * @param subnet  the range
 * @return 0; -EINVAL for a bad subnet; -ENOMEM.
 * @threadsafety Takes the writer lock; the data path sees the new set from its next burst.
 */
int dps_nic_add_range(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *subnet);

/**
 * Remove every range equal to subnet; silent when there is none (seed).
 *
 * @param nic     the NIC
 * @param subnet  the range
 * @return 0; -EINVAL when subnet is NULL; -ENOMEM (the ranges stay as they were).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_remove_range(struct dps_nic *nic, const struct dps_prefix *subnet);

/**
 * Join a multicast group (seed: JoinGroup): counted; the first join adds the group's
 * endpoint (never primary).
 *
 * @param nic    the NIC
 * @param proto  ethertype of a registered network protocol
 * @param group  the group address
 * @return 0; -EPROTONOSUPPORT, -EINVAL, -ENOSPC or -ENOMEM as dps_nic_add_address().
 * @threadsafety Takes the writer lock.
 */
int dps_nic_join_group(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group);

/**
 * dps_nic_join_group() with the writer lock held.
 *
 * @param nic    the NIC
 * @param proto  ethertype of a registered network protocol
 * @param group  the group address
 * @return as dps_nic_join_group().
 * @threadsafety Writer lock held.
 */
int dps_nic_join_group_locked(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group);

/**
 * Leave a multicast group once; the last leave removes its endpoint.
 *
 * @param nic    the NIC
 * @param group  the group address
 * @return 0; -EADDRNOTAVAIL when not joined.
 * @threadsafety Takes the writer lock.
 */
int dps_nic_leave_group(struct dps_nic *nic, const struct dps_addr *group);

/**
 * dps_nic_leave_group() with the writer lock held.
 *
 * @param nic    the NIC
 * @param group  the group address
 * @return as dps_nic_leave_group().
 * @threadsafety Writer lock held.
 */
int dps_nic_leave_group_locked(struct dps_nic *nic, const struct dps_addr *group);

/**
 * Join count of a group.
 *
 * @param nic    the NIC
 * @param group  the group address
 * @return the count, 0 when not joined.
 * @threadsafety Takes the writer lock.
 */
int dps_nic_group_joins(struct dps_nic *nic, const struct dps_addr *group);

/**
 * Permanent addresses (seed: AllAddresses), by protocol registration order, then creation
 * order.
 *
 * @param nic  the NIC
 * @param out  up to max entries
 * @param max  room in out
 * @return the total number available (may exceed max).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_all_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max);

/**
 * Permanent addresses in primary order (seed: PrimaryAddresses), by protocol registration
 * order.
 *
 * @param nic  the NIC
 * @param out  up to max entries
 * @param max  room in out
 * @return the total number available (may exceed max).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_primary_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max);

/**
 * Seed AddressRanges: one /32 or /128 per endpoint of any kind, then the configured ranges.
 *
 * @param nic  the NIC
 * @param out  up to max entries
 * @param max  room in out
 * @return the total number available (may exceed max).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_address_ranges(struct dps_nic *nic, struct dps_prefix *out, int max);

/**
 * Only the configured ranges, in the order they were added.
 *
 * @param nic  the NIC
 * @param out  up to max entries
 * @param max  room in out
 * @return the total number available (may exceed max).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_ranges(struct dps_nic *nic, struct dps_prefix *out, int max);

/**
 * Every endpoint with kind, behaviour, refcount and primary position (telemetry,
 * dpstack-ctl), by protocol registration order, then creation order.
 *
 * @param nic  the NIC
 * @param out  up to max entries
 * @param max  room in out
 * @return the total number available (may exceed max).
 * @threadsafety Takes the writer lock.
 */
int dps_nic_endpoints(struct dps_nic *nic, struct dps_endpoint_info *out, int max);

/* ---- lasting endpoint references (seed: getRef, findEndpoint, primaryEndpoint) ---- */

/**
 * Incoming lookup with a lasting reference (seed getRef): creates a temporary endpoint when
 * the NIC is promiscuous or the address is in a range. Put it with dps_endpoint_put().
 *
 * @param nic    the NIC
 * @param proto  ethertype of the network protocol
 * @param a      the address
 * @return the endpoint with a reference taken, or NULL when the NIC does not accept a.
 * @threadsafety Takes the writer lock.
 */
struct dps_endpoint *dps_nic_get_ref(struct dps_nic *nic, uint16_t proto,
				     const struct dps_addr *a);

/**
 * Outgoing lookup with a lasting reference (seed findEndpoint): a temporary endpoint when
 * the NIC is spoofing.
 *
 * @param nic    the NIC
 * @param proto  ethertype of the network protocol
 * @param a      the address
 * @param peb    primary behaviour of a temporary endpoint it creates
 * @return the endpoint with a reference taken, or NULL.
 * @threadsafety Takes the writer lock.
 */
struct dps_endpoint *dps_nic_find_endpoint(struct dps_nic *nic, uint16_t proto,
					   const struct dps_addr *a, enum dps_peb peb);

/**
 * First usable primary endpoint of a protocol (seed primaryEndpoint): not 0.0.0.0 or
 * broadcast, valid for outgoing.
 *
 * @param nic    the NIC
 * @param proto  ethertype of the network protocol
 * @return the endpoint with a reference taken, or NULL.
 * @threadsafety Takes the writer lock.
 */
struct dps_endpoint *dps_nic_primary_endpoint(struct dps_nic *nic, uint16_t proto);

/**
 * Try to take a reference (seed tryIncRef).
 *
 * @param ep  the endpoint
 * @return true when taken; false once the count has reached zero (the endpoint is going).
 * @threadsafety Lock-free; any thread that can see ep (an RCU reader or a holder).
 */
bool dps_endpoint_tryget(struct dps_endpoint *ep);

/**
 * Take another reference (seed incRef, Route.Clone). The caller must already hold one.
 *
 * @param ep  the endpoint
 * @threadsafety Lock-free; any thread holding a reference.
 */
void dps_endpoint_get(struct dps_endpoint *ep);

/**
 * Drop a reference (seed decRef); the last one unlinks the endpoint and defers its free.
 *
 * @param ep  the endpoint
 * @threadsafety Any thread holding the reference; takes the writer lock for the last one,
 *         so not from an online reader context.
 */
void dps_endpoint_put(struct dps_endpoint *ep);

/**
 * dps_endpoint_put() with the writer lock held.
 *
 * @param ep  the endpoint
 * @threadsafety Writer lock held.
 */
void dps_endpoint_put_locked(struct dps_endpoint *ep);

/**
 * Whether the endpoint may be used to send (seed isValidForOutgoing): not expired, or expired
 * on a spoofing NIC.
 *
 * @param ep  the endpoint
 * @return the verdict at the time of the call.
 * @threadsafety Lock-free; any thread holding a reference.
 */
bool dps_endpoint_valid_for_outgoing(const struct dps_endpoint *ep);

/**
 * @param ep  the endpoint
 * @return its kind now.
 * @threadsafety Lock-free; any thread holding a reference.
 */
enum dps_ep_kind dps_endpoint_kind(const struct dps_endpoint *ep);

/**
 * @param ep  the endpoint
 * @return its reference count now.
 * @threadsafety Lock-free; any thread holding a reference.
 */
int32_t dps_endpoint_refs(const struct dps_endpoint *ep);

/**
 * @param ep  the endpoint
 * @return its address (valid as long as the endpoint).
 * @threadsafety Any thread holding a reference.
 */
const struct dps_addr *dps_endpoint_addr(const struct dps_endpoint *ep);

/**
 * @param ep  the endpoint
 * @return its prefix length (changes when a re-added address brings another).
 * @threadsafety Any thread holding a reference.
 */
uint8_t dps_endpoint_prefix_len(const struct dps_endpoint *ep);

/**
 * @param ep  the endpoint
 * @return the NIC it belongs to.
 * @threadsafety Any thread holding a reference.
 */
struct dps_nic *dps_endpoint_nic(const struct dps_endpoint *ep);

/* ---- address helpers ---- */

/**
 * Parse an IPv4 or IPv6 address (inet_pton).
 *
 * @param s  the text
 * @param a  the address
 * @return 0; -EINVAL when s is neither.
 * @threadsafety Any thread.
 */
int dps_addr_parse(const char *s, struct dps_addr *a);

/**
 * Parse ADDR/PLEN; a bare address is a host prefix (/32, /128).
 *
 * @param s  the text
 * @param p  the prefix
 * @return 0; -EINVAL for a bad address or prefix length.
 * @threadsafety Any thread.
 */
int dps_prefix_parse(const char *s, struct dps_prefix *p);

/**
 * Format an address.
 *
 * @param a    the address
 * @param buf  output (INET6_ADDRSTRLEN bytes are enough)
 * @param len  size of buf
 * @return buf.
 * @threadsafety Any thread.
 */
char *dps_addr_fmt(const struct dps_addr *a, char *buf, size_t len);

/**
 * Format a prefix as ADDR/PLEN.
 *
 * @param p    the prefix
 * @param buf  output (INET6_ADDRSTRLEN + 4 bytes are enough)
 * @param len  size of buf
 * @return buf.
 * @threadsafety Any thread.
 */
char *dps_prefix_fmt(const struct dps_prefix *p, char *buf, size_t len);

/**
 * @param a  an address
 * @param b  another
 * @return whether they have the same length and bytes.
 * @threadsafety Any thread.
 */
bool dps_addr_eq(const struct dps_addr *a, const struct dps_addr *b);

/**
 * @param p  a subnet
 * @param a  an address
 * @return whether subnet p contains a (false when the lengths differ).
 * @threadsafety Any thread.
 */
bool dps_prefix_contains(const struct dps_prefix *p, const struct dps_addr *a);

/**
 * Network address of a subnet (host bits cleared).
 *
 * @param p    the subnet
 * @param out  the network address
 * @threadsafety Any thread.
 */
void dps_prefix_network(const struct dps_prefix *p, struct dps_addr *out);

/**
 * Broadcast address of a subnet (host bits set).
 *
 * @param p    the subnet
 * @param out  the broadcast address
 * @threadsafety Any thread.
 */
void dps_prefix_broadcast(const struct dps_prefix *p, struct dps_addr *out);

/**
 * Make an IPv4 address.
 *
 * @param a           the address
 * @param host_order  its value in host byte order
 * @threadsafety Any thread.
 */
void dps_addr_from_ipv4(struct dps_addr *a, uint32_t host_order);

/**
 * Make an IPv6 address.
 *
 * @param a    the address
 * @param b16  its 16 bytes
 * @threadsafety Any thread.
 */
void dps_addr_from_ipv6(struct dps_addr *a, const uint8_t *b16);

#ifdef __cplusplus
}
#endif
#endif
