/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Link address cache (neighbour table): static entries from the config and the control
 * socket, entries learned from ARP and NDP, and resolution of next hops with a small queue of
 * pending packets per entry. Every entry but a static one follows the RFC 4861 7.3.2 life
 * cycle (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE), for ARP too, plus FAILED: a neighbour
 * that did not answer, held for a while so that traffic to it does not restart resolution at
 * line rate, then deleted.
 *
 * Bounds (docs/forwarding.md, "Neighbours"): the table (gc_thresh3, least recently updated
 * non-static entries evicted when it is full), INCOMPLETE entries (a count and a creation rate
 * per context), packets parked per entry and in all (one global cap sized with the pool's
 * slack), the rings to the control thread. Each bound hit is counted.
 *
 * Thread safety: the data path looks entries up without locks (rte_hash, lock-free readers,
 * RCU-deferred free). Everything the data path learns or asks for (a link address, a packet
 * waiting for resolution, the use of a STALE entry) goes to the control thread through
 * rte_rings, so the control thread, under the writer lock, is the only writer. Timers run in
 * dps_neigh_poll(), its service routine.
 */
#ifndef DPS_NEIGH_H
#define DPS_NEIGH_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DPS_NEIGH_QUEUE_LEN 4      /**< packets held per unresolved entry */
#define DPS_NEIGH_LEARN_RING 4096  /**< data path -> control thread: link addresses, uses */
#define DPS_NEIGH_RESOLVE_RING 256 /**< data path -> control thread: packets to resolve */

/** State of a neighbour entry (RFC 4861 7.3.2, plus STATIC and FAILED). */
enum dps_neigh_state {
	DPS_NEIGH_INCOMPLETE = 0, /**< resolving: multicast solicitations */
	DPS_NEIGH_REACHABLE,      /**< confirmed within the reachable time */
	DPS_NEIGH_STATIC,         /**< configured; never replaced by learning, never aged */
	DPS_NEIGH_FAILED,         /**< did not answer; held, then deleted */
	DPS_NEIGH_STALE,          /**< not confirmed lately; used as is, probed when used */
	DPS_NEIGH_DELAY,          /**< used while STALE; waiting before probing */
	DPS_NEIGH_PROBE,          /**< unicast solicitations */
	DPS_NEIGH_NSTATES         /**< number of states (dps_neigh_count(): every state) */
};

/** Timers and bounds. Times in milliseconds. Defaults: dps_neigh_params_default(). */
struct dps_neigh_params {
	uint32_t base_reachable_ms; /**< RFC 4861 BASE_REACHABLE_TIME (30000); randomised x0.5-1.5 */
	uint32_t retrans_ms;        /**< RFC 4861 RETRANS_TIMER (1000) */
	uint32_t delay_first_probe_ms; /**< RFC 4861 DELAY_FIRST_PROBE_TIME (5000) */
	uint32_t mcast_probes;      /**< MAX_MULTICAST_SOLICIT (3) */
	uint32_t ucast_probes;      /**< MAX_UNICAST_SOLICIT (3) */
	uint32_t gc_stale_ms;       /**< a STALE entry unused this long is deleted (60000) */
	uint32_t failed_hold_ms;    /**< a FAILED entry is kept this long, then deleted (1000) */
	uint32_t gc_thresh1;        /**< below this many entries STALE ones are never collected */
	uint32_t gc_thresh2;        /**< above: STALE entries older than 5 s are collected */
	uint32_t gc_thresh3;        /**< hard limit: the oldest non-static entry is evicted */
	uint32_t max_incomplete;    /**< INCOMPLETE entries at once */
	uint32_t incomplete_rate;   /**< new entries per second per context (burst: a tenth) */
	uint32_t max_parked;        /**< packets parked on all entries together */
};

/** One neighbour entry as listed (dps_neigh_list()). */
struct dps_neigh_info {
	uint16_t nic_id;            /**< the NIC it is on */
	struct dps_addr addr;       /**< the neighbour's network address */
	struct rte_ether_addr mac;  /**< its link address (zero while INCOMPLETE) */
	enum dps_neigh_state state; /**< its state */
	uint32_t queued;            /**< packets parked on it, waiting for resolution */
	uint32_t probes;  /**< solicitations sent in this state */
	uint64_t age_ms;  /**< since the entry last changed state or was confirmed */
};

/**
 * Name of a state, as dpstack-ctl and telemetry print it.
 *
 * @param st  the state
 * @return "incomplete", "reachable", ...; "?" for a value out of range.
 * @threadsafety Any thread.
 */
const char *dps_neigh_state_name(enum dps_neigh_state st);

/**
 * Linux-like defaults for a table of max_neigh entries.
 *
 * @param p          filled with the defaults
 * @param max_neigh  the table's capacity (dps_stack_conf.max_neigh): the thresholds scale to it
 * @threadsafety Any thread.
 */
void dps_neigh_params_default(struct dps_neigh_params *p, uint32_t max_neigh);

/**
 * The table's current parameters.
 *
 * @param s  the stack
 * @param p  filled with them
 * @threadsafety Takes the writer lock.
 */
void dps_neigh_get_params(struct dps_stack *s, struct dps_neigh_params *p);

/**
 * Set the table's parameters (control plane).
 *
 * @param s  the stack
 * @param p  the new parameters
 * @return 0; -EINVAL for a zero time or probe count, thresholds out of order, or gc_thresh3
 *         above the table's capacity (dps_stack_conf.max_neigh).
 * @threadsafety Takes the writer lock.
 */
int dps_neigh_set_params(struct dps_stack *s, const struct dps_neigh_params *p);

/**
 * Add or replace a static entry (control plane): never replaced by learning, never aged.
 * Packets parked on a previous entry of the address are sent to the new link address. A full
 * table makes room by evicting the least recently updated learned entry.
 *
 * @param s       the stack
 * @param nic_id  the NIC the neighbour is on
 * @param a       its network address (4 or 16 bytes)
 * @param mac     its link address (unicast, not zero)
 * @return 0; -EINVAL for a bad address, NIC id or MAC; -ENOSPC when every entry is static.
 * @threadsafety Takes the writer lock.
 */
int dps_neigh_add_static(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
			 const struct rte_ether_addr *mac);

/**
 * Delete an entry of any state (packets parked on it are freed).
 *
 * @param s       the stack
 * @param nic_id  the NIC
 * @param a       the neighbour's address
 * @return 0; -EINVAL for a bad address; -ENOENT when there is no such entry.
 * @threadsafety Takes the writer lock.
 */
int dps_neigh_del(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a);

/**
 * List the entries.
 *
 * @param s    the stack
 * @param out  up to max entries (may be NULL when max is 0)
 * @param max  room in out
 * @return the total number of entries (may exceed max); -EINVAL when max is negative;
 *         -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock.
 */
int dps_neigh_list(struct dps_stack *s, struct dps_neigh_info *out, int max);

/**
 * Number of entries of one state (tests, telemetry).
 *
 * @param s   the stack
 * @param st  the state, or DPS_NEIGH_NSTATES for every entry
 * @return the count.
 * @threadsafety Takes the writer lock.
 */
uint32_t dps_neigh_count(struct dps_stack *s, enum dps_neigh_state st);

/**
 * Packets parked on entries now, waiting for their next hop to resolve.
 *
 * @param s  the stack
 * @return the count.
 * @threadsafety Takes the writer lock.
 */
uint32_t dps_neigh_parked(struct dps_stack *s);

/**
 * Data path: the link address of a neighbour. A STALE entry answers and is moved to DELAY by
 * the control thread (RFC 4861 7.3.3).
 *
 * @param s       the stack
 * @param nic_id  the NIC
 * @param a       the neighbour's address
 * @param mac     its link address, when found
 * @return 0; -ENOENT when unknown, unresolved or FAILED.
 * @threadsafety Lock-free; an online reader.
 */
int dps_neigh_lookup_rcu(const struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
			 struct rte_ether_addr *mac);

/** @name What a received ARP or NDP message says about a link address (dps_neigh_update())
 * @{ */
#define DPS_NEIGH_F_CREATE 0x1u    /**< may create a STALE entry (ARP request, NS: RFC 4861 7.2.3) */
#define DPS_NEIGH_F_ADVERT 0x2u    /**< an advertisement: RFC 4861 7.2.5 rules */
#define DPS_NEIGH_F_SOLICITED 0x4u /**< confirms reachability */
#define DPS_NEIGH_F_OVERRIDE 0x8u  /**< may replace a cached link address */
/** @} */

/**
 * Data path: a link address was seen for a (nic, address) in an ARP or NDP message; flags
 * say what kind (DPS_NEIGH_F_*). Without DPS_NEIGH_F_CREATE only an existing entry changes.
 * Posted to the control thread only when it would change something; static entries are
 * never changed. A multicast, broadcast or zero MAC is ignored.
 *
 * @param ctx    the calling thread's context (online)
 * @param nic    the NIC the message arrived on
 * @param a      the network address it names
 * @param mac    the link address it gives
 * @param flags  DPS_NEIGH_F_* bits
 * @threadsafety Data path: the context's own thread, an online reader; lock-free (a full
 *         ring is counted and the update dropped).
 */
void dps_neigh_update(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		      const struct rte_ether_addr *mac, unsigned int flags);
/**
 * Data path: send m (data at the network header, l2_len bytes of headroom reserved) to next
 * hop a on nic once it resolves. The control thread writes the Ethernet header and transmits,
 * or calls the protocol's unresolved hook when the neighbour does not answer. Takes
 * ownership. A packet for an entry whose queue is full, or for a FAILED entry, is dropped
 * (or given to the unresolved hook) here on the worker, without a message.
 *
 * @param ctx  the calling thread's context (online)
 * @param nic  the outgoing NIC
 * @param a    the next hop
 * @param m    the packet; ownership is taken
 * @threadsafety Data path: the context's own thread, an online reader; lock-free.
 */
void dps_neigh_resolve(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		       struct rte_mbuf *m);
/**
 * dps_neigh_resolve for a forwarded packet: if the next hop does not resolve, the protocol's
 * unresolved hook is called with the NIC the packet came in on (err_nic_id), so the ICMP
 * host unreachable goes back towards the source. The original Ethernet header stays in m's
 * headroom for it.
 *
 * @param ctx         the calling thread's context (online)
 * @param nic         the outgoing NIC
 * @param a           the next hop
 * @param m           the packet; ownership is taken
 * @param err_nic_id  the NIC the packet came in on
 * @threadsafety Data path: the context's own thread, an online reader; lock-free.
 */
void dps_neigh_resolve_fwd(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
			   struct rte_mbuf *m, uint16_t err_nic_id);
/**
 * Control thread, offline as an RCU reader (it works under the writer lock, and an online
 * writer could wait for its own quiescent report): apply learned link addresses, queue
 * pending packets, run the timers (solicitations, probes, state changes, garbage collection),
 * transmit resolved packets.
 *
 * @param s    the stack
 * @param ctx  the control context (offline), which sends the solicitations and packets
 * @return the amount of work done (0 when idle).
 * @threadsafety The control thread; takes the writer lock.
 */
unsigned int dps_neigh_poll(struct dps_stack *s, struct dps_ctx *ctx);
/**
 * dps_neigh_poll() with an explicit TSC for now (tests drive the timers with it).
 *
 * @param s    the stack
 * @param ctx  the control context (offline)
 * @param now  the TSC value taken as the current time
 * @return the amount of work done (0 when idle).
 * @threadsafety The control thread; takes the writer lock.
 */
unsigned int dps_neigh_poll_at(struct dps_stack *s, struct dps_ctx *ctx, uint64_t now);

#ifdef __cplusplus
}
#endif
#endif
