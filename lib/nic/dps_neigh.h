/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Link address cache (neighbour table): static entries from the config and the control
 * socket, entries learned from ARP and NDP, and resolution of next hops with a small queue of
 * pending packets per entry.
 *
 * Thread safety: the data path looks entries up without locks (rte_hash, lock-free readers,
 * RCU-deferred free). Everything the data path learns or asks for (a learned link address, a
 * packet waiting for resolution) goes to the control thread through an rte_ring, so the
 * control thread, under the writer lock, is the only writer. dps_neigh_poll() is its service
 * routine.
 */
#ifndef DPS_NEIGH_H
#define DPS_NEIGH_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DPS_NEIGH_QUEUE_LEN 4  /**< packets held per unresolved entry */
#define DPS_NEIGH_RETRIES 3     /**< solicitations before giving up */
#define DPS_NEIGH_RETRY_MS 1000 /**< between solicitations */
#define DPS_NEIGH_RING_SIZE 4096 /**< data path -> control thread messages */

enum dps_neigh_state {
	DPS_NEIGH_INCOMPLETE = 0, /**< resolving */
	DPS_NEIGH_REACHABLE,      /**< learned */
	DPS_NEIGH_STATIC,         /**< configured; never replaced by learning */
	DPS_NEIGH_FAILED,
};

struct dps_neigh_info {
	uint16_t nic_id;
	struct dps_addr addr;
	struct rte_ether_addr mac;
	enum dps_neigh_state state;
	uint32_t queued;
};

/** Add or replace a static entry (control plane). */
int dps_neigh_add_static(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
			 const struct rte_ether_addr *mac);
/** Delete an entry of any state: -ENOENT if absent. */
int dps_neigh_del(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a);
/** List entries; returns the total count. */
int dps_neigh_list(struct dps_stack *s, struct dps_neigh_info *out, int max);

/** Data path: the link address of a neighbour, 0, or -ENOENT if unknown or unresolved. */
int dps_neigh_lookup_rcu(const struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
			 struct rte_ether_addr *mac);
/**
 * Data path: a link address was seen in an ARP or NDP message addressed to us. If it is new
 * or changed it is posted to the control thread; static entries are never replaced. A
 * multicast or broadcast MAC is ignored.
 */
void dps_neigh_learn(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		     const struct rte_ether_addr *mac);
/**
 * Data path: send m (data at the network header, l2_len bytes of headroom reserved) to next
 * hop a on nic once it resolves. The control thread writes the Ethernet header and transmits,
 * or calls the protocol's unresolved hook after DPS_NEIGH_RETRIES solicitations. Takes
 * ownership (counts neigh.queue_full and frees on overflow).
 */
void dps_neigh_resolve(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		       struct rte_mbuf *m);
/**
 * dps_neigh_resolve for a forwarded packet: if the next hop does not resolve, the protocol's
 * unresolved hook is called with the NIC the packet came in on (err_nic_id), so the ICMP
 * host unreachable goes back towards the source. The original Ethernet header stays in m's
 * headroom for it.
 */
void dps_neigh_resolve_fwd(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
			   struct rte_mbuf *m, uint16_t err_nic_id);
/**
 * Control thread, offline as an RCU reader (it works under the writer lock, and an online
 * writer could wait for its own quiescent report): apply learned entries, queue pending packets, send solicitations and
 * retries, transmit resolved packets, expire failures. ctx is the control context. Returns the
 * amount of work done (0 when idle).
 */
unsigned int dps_neigh_poll(struct dps_stack *s, struct dps_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
