/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/nic data path: per-lcore contexts, counters, lock-free lookups, burst delivery and
 * transmit buffering. Included by lib/proto and the application's main loop.
 *
 * Thread safety: a dps_ctx belongs to exactly one thread. Functions ending in _rcu return
 * pointers valid until that context's next dps_ctx_quiescent(). Nothing here takes a lock,
 * allocates or does an atomic read-modify-write on shared memory.
 */
#ifndef DPS_NIC_DP_H
#define DPS_NIC_DP_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dps_nic.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DPS_BURST 32   /**< rx burst and per-protocol burst size */
#define DPS_TX_BURST 32 /**< per-NIC tx buffer of a context; flushed when full */

/** Key of the endpoint map: (NIC, address). Padding is zero; 8-byte aligned for the CRC hash. */
struct dps_ep_key {
	uint16_t nic;                /**< NIC id */
	uint8_t len;                 /**< address length */
	uint8_t pad[5];              /**< zero */
	uint8_t b[DPS_ADDR_MAX_LEN]; /**< address bytes, zero beyond len */
} __rte_aligned(8);

/**
 * A refcounted address endpoint (the seed's referencedNetworkEndpoint): the part a reader may
 * look at. The writer's state (primary behaviour, list links, key slot) is lib/nic's own.
 */
struct dps_endpoint {
	struct dps_nic *nic;   /**< the NIC it belongs to */
	struct dps_addr addr;  /**< its address */
	uint8_t prefix_len;    /**< prefix length it was added with */
	uint8_t np;   /**< network protocol slot in the stack */
	int32_t refs; /**< atomic; permanent endpoints carry a +1 bias */
	int32_t kind; /**< atomic; enum dps_ep_kind */
	int32_t dad;  /**< atomic; enum dps_dad_state, set by the protocol's DAD (IPv6) */
};

struct dps_prefix_set;

/**
 * A NIC as the data path sees it: the fields the inline functions below and lib/proto read.
 * lib/nic keeps the rest (name, transmit hook, primary snapshots, lists) behind it.
 */
struct dps_nic {
	struct dps_stack *stack; /**< the stack it belongs to */
	uint16_t id;             /**< NIC id: index of the per-NIC counters and tx buffers */
	uint16_t mtu;        /**< L3 MTU; atomic (dps_nic_set_mtu) */
	int32_t promiscuous; /**< atomic flag */
	int32_t spoofing;    /**< atomic flag */
	struct rte_ether_addr mac; /**< source MAC of its frames */
	struct dps_prefix_set *ranges; /**< RCU; NULL when the NIC has no address range */
};

/** Per-context transmit buffer of one NIC. */
struct dps_txbuf {
	uint16_t n;                          /**< frames queued */
	struct rte_mbuf *pkts[DPS_TX_BURST]; /**< the frames, in order */
};

/** Per-context ICMP error token bucket (RFC 1812 4.3.2.8, RFC 4443 2.4(f)). */
struct dps_ratelimit {
	uint64_t tokens; /**< in units of 1/hz tokens */
	uint64_t last_tsc; /**< TSC of the last refill */
};

/**
 * A data-path context: one per worker lcore, one for the control thread. Holds the counters,
 * tx buffers and rate limiters that only its thread touches.
 */
struct dps_ctx {
	struct dps_stack *stack; /**< the stack it reads */
	uint16_t id;  /**< counter slot and RCU thread id */
	uint16_t txq; /**< the tx queue this context owns on every port */
	bool online;  /**< an RCU reader now (dps_ctx_online()) */
	/**
	 * Set by the protocol layer while it hands packets to a NIC they did not arrive on
	 * (delivered through the forwarding path's "the outgoing NIC owns the destination"
	 * rule): replies to them must be routed, not sent back out of that NIC.
	 */
	bool routed_reply;
	struct rte_mempool *pool; /**< for packets the stack originates (replies, errors) */
	void *proto;     /**< the protocol layer's own per-context state (reassembly), or NULL */
	uint32_t ip_id;  /**< next identification of a datagram this context fragments */
	uint64_t tsc_hz; /**< rte_get_tsc_hz() at creation */
	struct dps_ratelimit icmp_rl[2]; /**< [0] IPv4, [1] IPv6 */
	uint64_t icmp_rate;  /**< errors per second (default 1000) */
	uint64_t icmp_burst; /**< bucket depth (default 50) */
	/**
	 * lib/proto's echo-reply hook (dps_icmp_set_echo_reply_cb()): called for ICMP and
	 * ICMPv6 echo replies addressed to us, NULL when none. Read only by this context's thread.
	 */
	void (*echo_reply_cb)(void);
	void *echo_reply_arg; /**< its argument */
	/**
	 * Bit i: tx[i] may hold frames. dps_ctx_flush() visits only these buffers: scanning all
	 * DPS_MAX_NICS counts touched one cache line per NIC after every burst.
	 */
	uint64_t tx_pending;
	struct dps_txbuf tx[DPS_MAX_NICS]; /**< transmit buffer per NIC */
	/** Counters per NIC, written only by this context's thread (dps_cnt_add()). */
	uint64_t cnt[DPS_MAX_NICS][DPS_CNT_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

/**
 * Stack-wide filter of local addresses: one bit per hash of the address bytes (any NIC, any
 * endpoint kind). A clear bit proves that no endpoint of that address is in the map, so the
 * data path skips the map lookup; a set bit only says "look". The writer sets a bit before the
 * map insert is published and clears it after the map delete (per-bit counts, writer only).
 */
#define DPS_EP_FILTER_BITS 16 /**< log2 of the filter's bits */
#define DPS_EP_FILTER_WORDS ((1u << DPS_EP_FILTER_BITS) / 64) /**< 64-bit words of the filter */

/**
 * A stack as the data path sees it: the fields the inline functions below and lib/proto read
 * (one cache line, the NIC table, the filter). The writer lock, the defer queue, the filter's
 * counts and the other parts' tables are lib/nic's own, behind it.
 */
struct dps_stack {
	struct rte_hash *ep_hash;  /**< the endpoint map: (NIC, address) -> struct dps_endpoint */
	struct rte_rcu_qsbr *qsbr; /**< the readers' QSBR variable */
	const struct dps_netproto_ops *np[DPS_MAX_NETPROTO]; /**< registered network protocols */
	uint8_t n_np;              /**< published with a release store after np[n_np - 1] */
	struct dps_nic *nics[DPS_MAX_NICS] __rte_cache_aligned; /**< release-store published */
	uint64_t ep_filter[DPS_EP_FILTER_WORDS] __rte_cache_aligned; /**< atomic words */
};

/* ---- contexts ---- */

/**
 * Create a data-path context, registered as an RCU reader (offline). ICMP errors are limited
 * to 1000 per second with a burst of 50 per family.
 *
 * @param s          the stack
 * @param id         0 .. DPS_MAX_CTX-1: its counter slot and RCU thread id
 * @param txq        the tx queue it owns on every port (passed to the NICs' xmit hooks)
 * @param pool       where the packets the stack originates (replies, errors) come from
 * @param socket_id  NUMA socket of the context's memory
 * @param out        the new context
 * @return 0; -EINVAL for an id beyond DPS_MAX_CTX, a NULL out or a failed RCU registration;
 *         -EEXIST when the id is taken; -ENOMEM.
 * @threadsafety Any thread; the context then belongs to the thread that uses it.
 */
int dps_ctx_create(struct dps_stack *s, uint16_t id, uint16_t txq, struct rte_mempool *pool,
		   int socket_id, struct dps_ctx **out);

/**
 * Retire a context: offline, flushed, unregistered. Its counters stay readable and its
 * memory is released by dps_stack_free().
 *
 * @param ctx  the context, or NULL (nothing happens)
 * @threadsafety The context's thread, or any thread once that one stopped using it.
 */
void dps_ctx_free(struct dps_ctx *ctx);

/**
 * Go online as an RCU reader: from now on the thread must report quiescent states.
 *
 * @param ctx  the context
 * @threadsafety The context's own thread.
 */
void dps_ctx_online(struct dps_ctx *ctx);

/**
 * Go offline: flush the tx buffers, then stop being an RCU reader. A reader must be offline
 * before it blocks, waits for a grace period (any writer call) or exits.
 *
 * @param ctx  the context
 * @threadsafety The context's own thread.
 */
void dps_ctx_offline(struct dps_ctx *ctx);

/**
 * Send every buffered packet of the context (dps_ctx_flush_nic() for each NIC).
 *
 * @param ctx  the context
 * @threadsafety The context's own thread.
 */
void dps_ctx_flush(struct dps_ctx *ctx);

/**
 * Report a quiescent state: every _rcu pointer taken before is now invalid.
 *
 * @param ctx  the context (online)
 * @threadsafety The context's own thread; lock-free.
 */
static inline void
dps_ctx_quiescent(struct dps_ctx *ctx)
{
	rte_rcu_qsbr_quiescent(ctx->stack->qsbr, ctx->id);
}

/* ---- counters: owned by the context, plain stores, summed on read ---- */

/**
 * Add to a counter of the context.
 *
 * @param ctx     the context
 * @param nic_id  the NIC the event belongs to
 * @param c       the counter
 * @param v       the amount
 * @threadsafety The context's own thread only (single writer, no atomic read-modify-write).
 */
static inline void
dps_cnt_add(struct dps_ctx *ctx, uint16_t nic_id, enum dps_counter c, uint64_t v)
{
	uint64_t *p = &ctx->cnt[nic_id][c];

	/* Single writer: a relaxed load and store, no read-modify-write on a shared line. */
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

/**
 * Count one event: dps_cnt_add() of 1.
 *
 * @param ctx     the context
 * @param nic_id  the NIC the event belongs to
 * @param c       the counter
 * @threadsafety The context's own thread only.
 */
static inline void
dps_cnt_inc(struct dps_ctx *ctx, uint16_t nic_id, enum dps_counter c)
{
	dps_cnt_add(ctx, nic_id, c, 1);
}

/* ---- lookups ---- */

/**
 * The NIC of an id, on the data path.
 *
 * @param s   the stack
 * @param id  NIC id (any value)
 * @return the NIC, or NULL when there is none.
 * @threadsafety Lock-free; an online reader (NICs live as long as the stack).
 */
static inline struct dps_nic *
dps_stack_nic_rcu(const struct dps_stack *s, uint16_t id)
{
	if (unlikely(id >= DPS_MAX_NICS))
		return NULL;
	return __atomic_load_n(&s->nics[id], __ATOMIC_ACQUIRE);
}

/**
 * Slot of a registered network protocol.
 *
 * @param s       the stack
 * @param number  ethertype, host order
 * @return its slot in s->np, or -1 when not registered.
 * @threadsafety Lock-free; any thread.
 */
static inline int
dps_stack_np_slot(const struct dps_stack *s, uint16_t number)
{
	for (unsigned int i = 0; i < s->n_np; i++)
		if (s->np[i]->number == number)
			return (int)i;
	return -1;
}

/**
 * Bit of the local-address filter for an address.
 *
 * @param b    the address bytes
 * @param len  4 or 16 (other lengths fold what there is)
 * @return the bit, 0 .. 2^DPS_EP_FILTER_BITS - 1.
 * @threadsafety Any thread (a pure function).
 */
static inline uint32_t
dps_ep_filter_bit(const uint8_t *b, uint8_t len)
{
	uint32_t w[4], x;

	if (likely(len == 4)) {
		memcpy(&x, b, 4);
	} else if (len == 16) {
		memcpy(w, b, 16);
		x = w[0] ^ w[1] ^ w[2] ^ w[3];
	} else {
		x = len;
		for (uint8_t i = 0; i < len && i < DPS_ADDR_MAX_LEN; i++)
			x = x * 31 + b[i];
	}
	/* Fibonacci hashing: the top bits of the product mix every input bit. */
	return (x * 0x9e3779b1u) >> (32 - DPS_EP_FILTER_BITS);
}

/**
 * Whether the endpoint map may hold an endpoint of these address bytes on some NIC, or the
 * bytes may be the directed broadcast of an IPv4 endpoint's subnet (host part all ones, prefix
 * 30 or shorter) on some NIC: a false return proves neither, so a forwarding path that gets
 * false for both addresses of a packet needs no local or broadcast test.
 *
 * @param s    the stack
 * @param b    the address bytes
 * @param len  their length
 * @return false when surely not (the lookup can be skipped); true when it may.
 * @threadsafety Lock-free; an online reader.
 */
static inline bool
dps_stack_maybe_local(const struct dps_stack *s, const uint8_t *b, uint8_t len)
{
	uint32_t bit = dps_ep_filter_bit(b, len);

	return (__atomic_load_n(&s->ep_filter[bit / 64], __ATOMIC_ACQUIRE) >> (bit % 64)) & 1;
}

/**
 * Build the endpoint map's key of (NIC, address).
 *
 * @param k       the key (every byte written)
 * @param nic_id  NIC id
 * @param a       the address
 * @threadsafety Any thread (a pure function).
 */
static inline void
dps_ep_key_make(struct dps_ep_key *k, uint16_t nic_id, const struct dps_addr *a)
{
	uint64_t w[2] = {0, 0};

	/* Word stores instead of memset + a variable-length memcpy: the key is 24 bytes. */
	if (likely(a->len == 4))
		memcpy(w, a->b, 4);
	else if (a->len == DPS_ADDR_MAX_LEN)
		memcpy(w, a->b, DPS_ADDR_MAX_LEN);
	else
		memcpy(w, a->b, RTE_MIN(a->len, (uint8_t)DPS_ADDR_MAX_LEN));
	*k = (struct dps_ep_key){.nic = nic_id, .len = a->len};
	memcpy(k->b, w, sizeof(w));
}

/**
 * The endpoint of (nic, address) in the map, of any kind and any reference count.
 *
 * @param nic  the NIC
 * @param a    the address
 * @return the endpoint (valid until the next quiescent report; no reference taken), or NULL.
 * @threadsafety Lock-free; an online reader.
 */
static inline struct dps_endpoint *
dps_nic_endpoint_rcu(const struct dps_nic *nic, const struct dps_addr *a)
{
	struct dps_ep_key k;
	void *data;

	if (!dps_stack_maybe_local(nic->stack, a->b, a->len))
		return NULL;
	dps_ep_key_make(&k, nic->id, a);
	if (rte_hash_lookup_data(nic->stack->ep_hash, &k, &data) < 0)
		return NULL;
	return data;
}

/**
 * Whether an address falls in one of the NIC's ranges (dps_nic_add_range()).
 *
 * @param nic  the NIC
 * @param a    the address
 * @return true when some range contains a and a is neither its network nor its broadcast
 *         address (seed).
 * @threadsafety Lock-free; an online reader.
 */
bool dps_nic_in_range_rcu(const struct dps_nic *nic, const struct dps_addr *a);

/** Result of a receive lookup. */
enum dps_rx_match {
	DPS_RX_NONE = 0, /**< not ours */
	DPS_RX_LOCAL,    /**< a live endpoint in the map */
	DPS_RX_TEMP,     /**< a temporary view: promiscuous NIC or address range */
};

/**
 * The seed's getRef for one received packet, as a view for the burst: no map entry is
 * created and no reference taken.
 *
 * @param nic  the NIC the packet arrived on
 * @param ep   the map entry of (nic, a), or NULL
 * @param a    the packet's destination
 * @return DPS_RX_LOCAL for a live endpoint, DPS_RX_TEMP for a promiscuous NIC or an address
 *         in a range, DPS_RX_NONE otherwise (also for an expired endpoint unless promiscuous).
 * @threadsafety Lock-free; an online reader.
 */
static inline enum dps_rx_match
dps_nic_rx_match_rcu(const struct dps_nic *nic, struct dps_endpoint *ep, const struct dps_addr *a)
{
	bool promisc = __atomic_load_n(&nic->promiscuous, __ATOMIC_RELAXED);

	/*
	 * RFC 4862 5.4: a tentative (or duplicate) address is not ours yet: packets to it are
	 * not accepted (NDP reads it itself for the DAD rules).
	 */
	if (ep != NULL && unlikely(__atomic_load_n(&ep->dad, __ATOMIC_RELAXED) != 0))
		ep = NULL;
	if (ep != NULL) {
		int32_t kind = __atomic_load_n(&ep->kind, __ATOMIC_RELAXED);

		/* Seed: an expired address is not used, even inside a range, unless promiscuous. */
		if (kind == DPS_EP_PERMANENT_EXPIRED && !promisc)
			return DPS_RX_NONE;
		if (__atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE) > 0)
			return DPS_RX_LOCAL;
	}
	if (promisc)
		return DPS_RX_TEMP;
	if (unlikely(__atomic_load_n(&nic->ranges, __ATOMIC_RELAXED) != NULL) &&
	    dps_nic_in_range_rcu(nic, a))
		return DPS_RX_TEMP;
	return DPS_RX_NONE;
}

/**
 * dps_nic_rx_match_rcu() with the map lookup.
 *
 * @param nic  the NIC the packet arrived on
 * @param a    the packet's destination
 * @return as dps_nic_rx_match_rcu().
 * @threadsafety Lock-free; an online reader.
 */
static inline enum dps_rx_match
dps_nic_rx_lookup_rcu(const struct dps_nic *nic, const struct dps_addr *a)
{
	return dps_nic_rx_match_rcu(nic, dps_nic_endpoint_rcu(nic, a), a);
}

/**
 * Whether endpoint ep, found in the map for nic (or NULL), makes nic own its address for
 * sending (seed: isValidForOutgoing): live and not expired, or expired on a spoofing NIC.
 * For a caller that looked the endpoint up itself (the forwarding path's bulk lookup).
 *
 * @param nic  the NIC
 * @param ep   the map entry found for (nic, address), or NULL
 * @return whether nic owns the address for sending.
 * @threadsafety Lock-free; an online reader.
 */
static inline bool
dps_nic_ep_owns_rcu(const struct dps_nic *nic, const struct dps_endpoint *ep)
{
	if (ep == NULL || __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE) <= 0)
		return false;
	return __atomic_load_n(&ep->kind, __ATOMIC_RELAXED) != DPS_EP_PERMANENT_EXPIRED ||
	       __atomic_load_n(&nic->spoofing, __ATOMIC_RELAXED);
}

/**
 * Whether the NIC owns address a for sending (seed: the forwarding path's plain map lookup
 * with isValidForOutgoing): a live endpoint not expired, or expired on a spoofing NIC.
 *
 * @param nic  the NIC
 * @param a    the address
 * @return the verdict.
 * @threadsafety Lock-free; an online reader.
 */
static inline bool
dps_nic_owns_rcu(const struct dps_nic *nic, const struct dps_addr *a)
{
	return dps_nic_ep_owns_rcu(nic, dps_nic_endpoint_rcu(nic, a));
}

/**
 * Whether an address lies in the prefix of one of the NIC's primary addresses of a protocol
 * (the NIC's connected subnets), read from the primary snapshot.
 *
 * @param nic      the NIC
 * @param np_slot  protocol slot (dps_stack_np_slot())
 * @param a        the address
 * @return true when a prefix contains a; false otherwise or for a bad slot.
 * @threadsafety Lock-free; an online reader.
 */
bool dps_nic_on_subnet_rcu(const struct dps_nic *nic, unsigned int np_slot,
			   const struct dps_addr *a);
/**
 * Whether an address is the all-ones host address of such a prefix with at least two host
 * bits (for IPv4: a subnet-directed broadcast, RFC 1122 3.3.6; /31 and /32 have none).
 *
 * @param nic      the NIC
 * @param np_slot  protocol slot (dps_stack_np_slot())
 * @param a        the address
 * @return true when a is such an address; false otherwise or for a bad slot.
 * @threadsafety Lock-free; an online reader.
 */
bool dps_nic_subnet_allones_rcu(const struct dps_nic *nic, unsigned int np_slot,
				const struct dps_addr *a);

/**
 * The source address for packets the stack originates on this NIC (ICMP errors, ARP and NDP
 * requests): the first usable primary address of the protocol slot.
 *
 * @param nic      the NIC
 * @param np_slot  protocol slot (dps_stack_np_slot())
 * @param out      the address
 * @return 0; -EINVAL for a slot beyond DPS_MAX_NETPROTO; -EADDRNOTAVAIL when the NIC has no
 *         usable primary address of that protocol.
 * @threadsafety Lock-free; an online reader.
 */
int dps_nic_primary_addr_rcu(const struct dps_nic *nic, unsigned int np_slot,
			     struct dps_addr *out);

/**
 * dps_nic_primary_addr_rcu() restricted to a prefix: the first usable primary address of the
 * protocol slot inside in (NULL: any), for messages that must come from a given scope (an
 * IPv6 link-local source, RFC 4861 8.2).
 *
 * @param nic      the NIC
 * @param np_slot  protocol slot (dps_stack_np_slot())
 * @param in       the prefix the address must be in, or NULL
 * @param out      the address
 * @return 0; -EINVAL for a slot beyond DPS_MAX_NETPROTO; -EADDRNOTAVAIL when there is none.
 * @threadsafety Lock-free; an online reader.
 */
int dps_nic_primary_addr_in_rcu(const struct dps_nic *nic, unsigned int np_slot,
				const struct dps_prefix *in, struct dps_addr *out);

/* ---- delivery (the seed's DeliverNetworkPacket, burst form) ---- */

/**
 * Deliver a burst of received network packets of one protocol (by ethertype) to the NIC
 * layer. Each mbuf's data starts at the network header; m->l2_len holds the length of the
 * link header before it (still in the headroom). Takes ownership of every mbuf.
 * Order of checks (seed): rx counters, unknown protocol, ip.packets_received, minimum size,
 * header validation, invalid source, local endpoint -> handle_burst, else forwarding on (stack
 * and NIC) -> forward_burst, else ip.invalid_addresses_received.
 *
 * @param ctx    the calling thread's context (online)
 * @param nic    the NIC the packets arrived on
 * @param proto  ethertype, host order
 * @param pkts   the packets; ownership of every mbuf is taken
 * @param n      how many (processed in chunks of DPS_BURST)
 * @threadsafety Data path: the context's own thread, an online reader.
 */
void dps_nic_deliver_network(struct dps_ctx *ctx, struct dps_nic *nic, uint16_t proto,
			     struct rte_mbuf **pkts, uint16_t n);

/**
 * Count rx.packets / rx.bytes for a frame the Ethernet layer dropped before delivery.
 *
 * @param ctx        the calling thread's context
 * @param nic        the NIC
 * @param frame_len  bytes of the frame
 * @threadsafety The context's own thread.
 */
static inline void
dps_nic_count_rx(struct dps_ctx *ctx, const struct dps_nic *nic, uint32_t frame_len)
{
	dps_cnt_inc(ctx, nic->id, DPS_CNT_RX_PACKETS);
	dps_cnt_add(ctx, nic->id, DPS_CNT_RX_BYTES, frame_len);
}

/* ---- transmit ---- */

/**
 * Flush one NIC's buffer of a context through the NIC's xmit hook: counts tx.packets and
 * tx.bytes; what the link refuses is counted (tx.dropped) and freed.
 *
 * @param ctx     the context
 * @param nic_id  the NIC
 * @threadsafety The context's own thread.
 */
void dps_ctx_flush_nic(struct dps_ctx *ctx, uint16_t nic_id);

/**
 * Queue a complete frame (Ethernet header included) for transmission on a NIC. Sent when the
 * buffer fills or at dps_ctx_flush().
 *
 * @param ctx  the context
 * @param nic  the outgoing NIC
 * @param m    the frame; ownership is taken
 * @threadsafety The context's own thread.
 */
static inline void
dps_ctx_tx(struct dps_ctx *ctx, const struct dps_nic *nic, struct rte_mbuf *m)
{
	struct dps_txbuf *tb = &ctx->tx[nic->id];

	ctx->tx_pending |= UINT64_C(1) << nic->id;
	tb->pkts[tb->n++] = m;
	if (unlikely(tb->n == DPS_TX_BURST))
		dps_ctx_flush_nic(ctx, nic->id);
}

/**
 * Queue n frames for nic at once (dps_ctx_tx() for each, in order): one copy and one count
 * update instead of a store and a reload of the count per frame.
 *
 * @param ctx   the context
 * @param nic   the outgoing NIC
 * @param pkts  the frames; ownership of each is taken
 * @param n     how many
 * @threadsafety The context's own thread.
 */
static inline void
dps_ctx_tx_bulk(struct dps_ctx *ctx, const struct dps_nic *nic, struct rte_mbuf **pkts,
		uint16_t n)
{
	struct dps_txbuf *tb = &ctx->tx[nic->id];

	ctx->tx_pending |= UINT64_C(1) << nic->id;
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)(DPS_TX_BURST - tb->n));

		memcpy(&tb->pkts[tb->n], pkts, k * sizeof(pkts[0]));
		tb->n = (uint16_t)(tb->n + k);
		pkts += k;
		n = (uint16_t)(n - k);
		if (tb->n == DPS_TX_BURST)
			dps_ctx_flush_nic(ctx, nic->id);
	}
}

/**
 * ICMP error rate limit (RFC 1812 4.3.2.8, RFC 4443 2.4(f)): take one token from the
 * context's bucket of a family.
 *
 * @param ctx     the context
 * @param family  0 IPv4, 1 IPv6
 * @return true when a token was taken; false when the bucket is empty (the caller counts
 *         *_errors_rate_limited and sends nothing).
 * @threadsafety The context's own thread.
 */
static inline bool
dps_ctx_icmp_allow(struct dps_ctx *ctx, unsigned int family)
{
	struct dps_ratelimit *rl = &ctx->icmp_rl[family];
	uint64_t now = rte_get_tsc_cycles();
	uint64_t cap = ctx->icmp_burst * ctx->tsc_hz;

	/* tokens are kept in units of 1/tsc_hz so refill needs no division. */
	rl->tokens += (now - rl->last_tsc) * ctx->icmp_rate;
	rl->last_tsc = now;
	if (rl->tokens > cap)
		rl->tokens = cap;
	if (rl->tokens < ctx->tsc_hz)
		return false;
	rl->tokens -= ctx->tsc_hz;
	return true;
}

#ifdef __cplusplus
}
#endif
#endif
