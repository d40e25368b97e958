/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/proto: the protocols that register with a lib/nic stack (Ethernet, ARP, IPv4/ICMPv4,
 * IPv6/ICMPv6/NDP, UDP, TCP reset, forwarding), the entry point of received frames and the
 * ICMP error API a transport protocol outside lib/proto may use.
 *
 * Thread safety: registration takes the stack's writer lock (control plane); everything that
 * takes a dps_ctx runs on that context's thread, an online RCU reader (data path).
 */
#ifndef DPS_PROTO_H
#define DPS_PROTO_H

#include "dps_nic_dp.h"
#include "dps_demux.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Register lib/proto's protocols with a stack: the IPv4, IPv6 and ARP network protocols (in
 * that order: it is the order of the queries' output) and the UDP and TCP transport protocols.
 * ICMP and ICMPv6 are handled inside IPv4 and IPv6.
 *
 * @param s  a stack with nothing registered yet
 * @return 0, or the first error of dps_stack_register_netproto() /
 *         dps_stack_register_transproto() (-EEXIST when called twice, -ENOSPC, -ENOMEM).
 * @threadsafety Takes the writer lock; call before the NICs are created.
 */
int dps_proto_register_all(struct dps_stack *s);

/**
 * Entry point of a received burst of Ethernet frames on a NIC: validates and classifies the
 * frames (ARP / IPv4 / IPv6 / other), strips the Ethernet header (kept in the headroom,
 * m->l2_len set) and hands each protocol's packets to dps_nic_deliver_network() as one burst.
 * Replies and forwarded packets are queued on ctx's transmit buffers (dps_ctx_flush()).
 *
 * @param ctx   the calling thread's data-path context (online)
 * @param nic   the NIC the frames arrived on
 * @param pkts  the frames, as received from the PMD; ownership of every mbuf is taken
 * @param n     number of frames (any; processed in chunks of DPS_BURST)
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
void dps_eth_input_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
			 uint16_t n);

/**
 * Prepend an Ethernet header (dst, the NIC's MAC as source, ethertype in host order) to m,
 * whose data starts at the network header, and queue it on the NIC (dps_ctx_tx()). Without
 * headroom for the header the packet is dropped and counted (ip.outgoing_packet_errors).
 *
 * @param ctx        the calling thread's data-path context
 * @param nic        the outgoing NIC
 * @param m          the packet; ownership is taken
 * @param dst        destination MAC
 * @param ethertype  host byte order
 * @threadsafety Data path: ctx belongs to the caller.
 */
void dps_eth_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
		    const struct rte_ether_addr *dst, uint16_t ethertype);

/**
 * Built-in UDP echo service (RFC 862) on a port: every address, IPv4 and IPv6; a datagram is
 * sent back to its source from the address it was sent to.
 *
 * @param s     the stack (dps_proto_register_all() done)
 * @param port  UDP port, host order, not 0
 * @return 0; -EINVAL for port 0; the errors of dps_tep_bind() (-EADDRINUSE when the port is
 *         bound already, -ENOMEM, -ENOSPC).
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_udp_echo_add(struct dps_stack *s, uint16_t port);

/* ---- echo from the stack itself (ping: RFC 792, RFC 4443 4.1, 4.2) ---- */

/** An echo request to originate (dps_icmp_echo_send()). */
struct dps_echo_req {
	struct dps_addr dst; /**< destination, IPv4 or IPv6 */
	struct dps_addr src; /**< source; len 0: the outgoing NIC's primary address */
	uint16_t id;         /**< identifier, host order */
	uint16_t seq;        /**< sequence number, host order */
	uint16_t size;       /**< data bytes after the 8-byte echo header */
	uint8_t ttl;         /**< TTL / hop limit; 0: the stack's default */
};

/** An echo reply addressed to this stack, as the hook sees it. */
struct dps_echo_reply {
	struct dps_nic *nic;  /**< the NIC it arrived on */
	struct dps_addr src;  /**< who answered */
	struct dps_addr dst;  /**< our address it was sent to */
	uint16_t id;          /**< identifier, host order */
	uint16_t seq;         /**< sequence number, host order */
	uint32_t len;         /**< ICMP message bytes (header + data) */
	uint8_t ttl;          /**< TTL / hop limit it arrived with */
};

/**
 * Echo-reply hook: runs on the data path of the context that received the reply; the mbuf is
 * freed after it returns.
 */
typedef void (*dps_echo_reply_t)(struct dps_ctx *ctx, const struct dps_echo_reply *r,
				 void *arg);

/**
 * Set (or clear, with NULL) the hook called for every ICMP / ICMPv6 echo reply that ctx
 * receives for one of our addresses. Without one, replies are counted
 * (icmp.echo_replies_received, icmp6.echo_replies_received) and dropped.
 *
 * @param ctx  the context whose received replies the hook sees
 * @param cb   the hook, or NULL
 * @param arg  passed to cb
 * @threadsafety The context's own thread, or any thread before that one starts using ctx.
 */
void dps_icmp_set_echo_reply_cb(struct dps_ctx *ctx, dps_echo_reply_t cb, void *arg);

/**
 * Originate an echo request: the route to req->dst picks the NIC and next hop, the source is
 * req->src or that NIC's primary address, an unresolved next hop is resolved (ARP/NDP) and the
 * request sent then. The data is bytes 0, 1, 2... (mod 256).
 *
 * @param ctx     the calling thread's data-path context (online)
 * @param req     the request
 * @param nic_id  out: the NIC it leaves by (set once the route is known)
 * @param src     out: the source address used
 * @return 0 when queued (or handed to resolution); -EINVAL for a bad destination;
 *         -ENETUNREACH without a route; -EMSGSIZE beyond the NIC's MTU or the mbuf;
 *         -EADDRNOTAVAIL without a source address; -ENOMEM without mbufs.
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
int dps_icmp_echo_send(struct dps_ctx *ctx, const struct dps_echo_req *req, uint16_t *nic_id,
		       struct dps_addr *src);

/**
 * The control thread's protocol timers: IGMPv2 / MLDv1 reports for new memberships, leaves
 * and dones for ended ones, delayed answers to the queries the data path received (RFC 2236,
 * RFC 2710; docs/protocols.md, "Group management"). Call it from the control loop, a few
 * times per second at least; what it sends is queued on ctx (dps_ctx_flush()).
 *
 * @param s    the stack
 * @param ctx  the control thread's context (offline is fine)
 * @threadsafety The control thread; takes the writer lock (address queries), so not from
 *               an online reader context.
 */
void dps_proto_poll(struct dps_stack *s, struct dps_ctx *ctx);

/**
 * Duplicate Address Detection of the IPv6 unicast addresses added from now on (RFC 4862
 * 5.4): each is tentative (neither a source nor accepting packets) until `transmits`
 * neighbour solicitations, `retrans_ms` apart, went unanswered for `retrans_ms` more; a
 * duplicate is never used. Off (0) until called.
 *
 * @param s           the stack (dps_proto_register_all() done)
 * @param transmits   DupAddrDetectTransmits, 0 (no DAD) .. 255
 * @param retrans_ms  RetransTimer; 0: 1000
 * @threadsafety Before addresses are added (start-up).
 */
void dps_proto_set_dad(struct dps_stack *s, uint32_t transmits, uint32_t retrans_ms);

/** Most prefixes one NIC advertises. */
#define DPS_RA_MAX_PREFIXES 8

/** Router Advertisements of a NIC (RFC 4861 6.2). */
struct dps_ra_conf {
	uint32_t interval_s; /**< MaxRtrAdvInterval, 4 .. 1800 s; 0: 600 */
	uint16_t n_prefix;   /**< prefixes in prefix[] */
	struct dps_prefix prefix[DPS_RA_MAX_PREFIXES]; /**< Prefix Information, on-link + autonomous */
};

/**
 * Send Router Advertisements on a NIC (RFC 4861 6.2): joins all-routers ff02::2, then the
 * control thread (dps_proto_poll()) sends an RA at once, two more within 16 s, then every
 * 0.33 .. 1 x interval, and answers Router Solicitations within 500 ms (at most one every
 * 3 s). Each RA: Cur Hop Limit 64, Router Lifetime 3 x interval, the NIC's MAC and MTU, and
 * the prefixes with L and A set (hosts autoconfigure addresses from /64s, RFC 4862).
 *
 * @param nic   the NIC; it needs a link-local address (the RA's source, RFC 4861 4.2)
 * @param conf  interval and prefixes
 * @return 0; -EINVAL for a NULL conf or too many prefixes; -EADDRNOTAVAIL without a
 *         link-local address; the errors of dps_nic_join_group().
 * @threadsafety Takes the writer lock; control plane.
 */
int dps_proto_ra_enable(struct dps_nic *nic, const struct dps_ra_conf *conf);

/* ---- per-context state: reassembly (lib/proto/frag.c) ---- */

/** Most datagrams one context may reassemble at once (`[stack] reassembly_datagrams`). */
#define DPS_REASM_MAX_DATAGRAMS 65536
/** Default datagrams per context. */
#define DPS_REASM_DEFAULT_DATAGRAMS 64
/** Default timeout: RFC 8200 4.5's 60 seconds. */
#define DPS_REASM_DEFAULT_TIMEOUT_MS 60000

/** Reassembly of fragments addressed to this host (docs/protocols.md, "Fragments"). */
struct dps_reasm_conf {
	uint32_t max_datagrams; /**< datagrams held at once per context; 0: reassembly off */
	uint32_t timeout_ms;    /**< time from a datagram's first fragment to its expiry */
};

/**
 * Give a data-path context lib/proto's own state: the reassembly table (conf->max_datagrams
 * datagrams of at most RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments each) and the identification
 * counter of the datagrams it fragments. Without it (or with max_datagrams 0) fragments for
 * this host are dropped (ipv4.fragments_dropped, ipv6.fragments_dropped).
 *
 * @param ctx        a context of dps_ctx_create(), not yet used
 * @param conf       sizes and timeout
 * @param socket_id  NUMA socket of the table
 * @return 0; -EINVAL for a NULL argument, a zero timeout or too many datagrams; -EEXIST when
 *         done already; -ENOMEM.
 * @threadsafety Before the context's thread uses it.
 */
int dps_proto_ctx_init(struct dps_ctx *ctx, const struct dps_reasm_conf *conf, int socket_id);

/**
 * Free lib/proto's state of a context, fragments held included. NULL or a context without
 * state: nothing happens.
 *
 * @param ctx  the context, offline or not yet used by another thread
 * @threadsafety The context's thread, or any thread once that one stopped using it.
 */
void dps_proto_ctx_fini(struct dps_ctx *ctx);

/**
 * Timers of the context's protocol state: datagrams whose reassembly timed out are freed,
 * with ICMP Time Exceeded code 1 when their first fragment had come (RFC 792, RFC 8200 4.5).
 * Cheap when nothing is due (one comparison); call it from the worker loop.
 *
 * @param ctx  the calling thread's context (online)
 * @param now  rte_get_tsc_cycles()
 * @threadsafety Data path: ctx belongs to the caller.
 */
void dps_proto_ctx_poll(struct dps_ctx *ctx, uint64_t now);

/**
 * Datagrams being reassembled on a context (tests, `show` commands).
 *
 * @param ctx  the context
 * @return how many, 0 without state.
 * @threadsafety The context's thread, or while it is stopped.
 */
uint32_t dps_proto_ctx_reasm_held(const struct dps_ctx *ctx);

/* ---- ICMP errors (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2, RFC 4443) ---- */

/** @name ICMPv4 types and codes used by dpstack (RFC 792, RFC 1191)
 * @{ */
#define DPS_ICMP4_DEST_UNREACH 3   /**< type: destination unreachable */
#define DPS_ICMP4_NET_UNREACH 0    /**< code: net unreachable */
#define DPS_ICMP4_HOST_UNREACH 1   /**< code: host unreachable */
#define DPS_ICMP4_PROTO_UNREACH 2  /**< code: protocol unreachable */
#define DPS_ICMP4_PORT_UNREACH 3   /**< code: port unreachable */
#define DPS_ICMP4_FRAG_NEEDED 4    /**< code: fragmentation needed; extra = next-hop MTU */
#define DPS_ICMP4_SR_FAILED 5      /**< code: source route failed (RFC 792) */
#define DPS_ICMP4_TIME_EXCEEDED 11 /**< type: time exceeded */
#define DPS_ICMP4_TTL_EXCEEDED 0   /**< code: TTL exceeded in transit */
#define DPS_ICMP4_REASM_EXCEEDED 1 /**< code: fragment reassembly time exceeded */
#define DPS_ICMP4_PARAM_PROBLEM 12 /**< type: parameter problem; extra = pointer << 24 */
#define DPS_ICMP4_REDIRECT 5       /**< type: redirect; extra = the gateway (host order) */
#define DPS_ICMP4_REDIRECT_HOST 1  /**< code: redirect datagrams for the host */
/** @} */

/** @name ICMPv6 types and codes (RFC 4443)
 * @{ */
#define DPS_ICMP6_DEST_UNREACH 1      /**< type: destination unreachable */
#define DPS_ICMP6_NO_ROUTE 0          /**< code: no route to destination */
#define DPS_ICMP6_BEYOND_SCOPE 2      /**< code: beyond scope of source address */
#define DPS_ICMP6_ADDR_UNREACH 3      /**< code: address unreachable */
#define DPS_ICMP6_PORT_UNREACH 4      /**< code: port unreachable */
#define DPS_ICMP6_PACKET_TOO_BIG 2    /**< type: packet too big; extra = MTU */
#define DPS_ICMP6_TIME_EXCEEDED 3     /**< type: time exceeded */
#define DPS_ICMP6_HOPLIMIT_EXCEEDED 0 /**< code: hop limit exceeded in transit */
#define DPS_ICMP6_REASM_EXCEEDED 1    /**< code: fragment reassembly time exceeded */
#define DPS_ICMP6_PARAM_PROBLEM 4     /**< type: parameter problem; extra = pointer */
#define DPS_ICMP6_PARAM_HEADER 0      /**< code: erroneous header field */
#define DPS_ICMP6_PARAM_NEXTHDR 1     /**< code: unrecognized next header */
#define DPS_ICMP6_PARAM_OPTION 2      /**< code: unrecognized IPv6 option */
#define DPS_ICMP6_PARAM_FIRST_FRAG 3  /**< code: first fragment without the whole header chain (RFC 7112) */
/** @} */

/**
 * Send an ICMPv4 error about orig out of in_nic, to the source MAC of orig's Ethernet frame
 * (in orig's headroom, m->l2_len bytes before the IPv4 header at the data start).
 *
 * A new mbuf is drawn from ctx->pool; it quotes as much of orig as keeps the error within
 * 576 bytes (RFC 1812 4.3.2.3). The source is orig's destination if in_nic owns it
 * (dps_nic_owns_rcu), else in_nic's primary IPv4 address.
 *
 * No error is sent (RFC 1122 3.2.2, RFC 1812 4.3.2.7) about an ICMP error, a non-first
 * fragment, a packet whose destination is multicast or broadcast or that came in a link-layer
 * multicast frame, or whose source is not a unicast host (0.0.0.0, broadcast, multicast,
 * 127/8, 240/4); nor beyond the context's rate limit (counts icmp.errors_rate_limited).
 *
 * @param ctx     the calling thread's data-path context (online)
 * @param in_nic  the NIC orig arrived on; the error leaves by it
 * @param orig    the offending packet, data at its IPv4 header; not freed
 * @param type    ICMP type (DPS_ICMP4_*)
 * @param code    ICMP code
 * @param extra   the 32-bit word after the checksum, host order (MTU for fragmentation
 *                needed, pointer << 24 for parameter problem, else 0)
 * @return 0 when queued; -EPERM when a rule above forbids it; -EBUSY when rate limited;
 *         -EADDRNOTAVAIL without a source address; -ENOMEM without mbufs; -EINVAL when orig
 *         is not a readable IPv4 packet.
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
int dps_icmp4_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		    uint8_t type, uint8_t code, uint32_t extra);

/**
 * Send an ICMPv6 error about orig (RFC 4443): the contract of dps_icmp4_error() with a
 * 1280-byte limit (RFC 4443 2.4(c)) and the rules of RFC 4443 2.4(e): no error about an
 * ICMPv6 error or redirect, nor about a packet to a multicast address or in a link-layer
 * multicast frame except Packet Too Big and Parameter Problem code 2; never to an unspecified
 * or multicast source.
 *
 * @param ctx     the calling thread's data-path context (online)
 * @param in_nic  the NIC orig arrived on; the error leaves by it
 * @param orig    the offending packet, data at its IPv6 header; not freed
 * @param type    ICMPv6 type (DPS_ICMP6_*)
 * @param code    ICMPv6 code
 * @param extra   the 32-bit word after the checksum, host order (MTU, pointer, else 0)
 * @return 0 when queued; -EPERM when a rule forbids it; -EBUSY when rate limited;
 *         -EADDRNOTAVAIL without a source address; -ENOMEM without mbufs; -EINVAL when orig
 *         is not a readable IPv6 packet.
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
int dps_icmp6_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		    uint8_t type, uint8_t code, uint32_t extra);

/* ---- 802.1Q VLAN interfaces (docs/protocols.md, "VLANs") ---- */

/** Highest VLAN id a NIC can be (IEEE 802.1Q 9.6: 0 is priority tagged, 4095 reserved). */
#define DPS_VLAN_ID_MAX 4094

/**
 * The link of a VLAN NIC: what dps_vlan_xmit() needs to tag its frames and hand them to the
 * port. The NIC's dps_nic_conf takes .xmit = dps_vlan_xmit and .xmit_priv = this struct, which
 * must outlive the NIC.
 */
struct dps_vlan_link {
	dps_link_xmit_t xmit; /**< the port's own link transmit (the parent NIC's) */
	void *xmit_priv;      /**< its first argument */
	uint16_t tci;         /**< the tag's TCI in host order: the VID, priority 0, DEI 0 */
	bool hw_insert;       /**< the port inserts tags (RTE_ETH_TX_OFFLOAD_VLAN_INSERT on) */
};

/**
 * Link transmit of a VLAN NIC (dps_link_xmit_t; priv is a struct dps_vlan_link): inserts the
 * 802.1Q tag in software (rte_vlan_insert, into the headroom; a shared or indirect mbuf is
 * copied first) or asks the PMD to (RTE_MBUF_F_TX_VLAN), then calls the port's transmit.
 * Frames that cannot be tagged (no headroom and no mbuf for a copy) are put after the ones
 * handed on and counted as not sent (the caller frees them: tx.dropped).
 *
 * @param priv   the NIC's struct dps_vlan_link
 * @param queue  the caller's tx queue on the port
 * @param pkts   frames with their Ethernet header, untagged; may be replaced by copies
 * @param n      how many
 * @return how many the port took (the rest stay with the caller, as for any link).
 * @threadsafety Data path, as the port's transmit: each context on its own queue.
 */
uint16_t dps_vlan_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/**
 * Make child the NIC of VLAN vid on the port of parent: frames parent receives tagged with
 * vid are untagged and received by child (dps_eth_input_burst() of the parent does it). Once
 * a NIC has a VLAN, tagged frames of other VIDs are dropped (eth.vlan_unknown), stacked tags
 * too (eth.vlan_qinq), and priority-tagged frames (VID 0) are parent's, untagged.
 *
 * @param parent  the port's own NIC (untagged traffic), not itself a VLAN
 * @param vid     1 .. DPS_VLAN_ID_MAX
 * @param child   a NIC of the same stack, other than parent, whose link is a dps_vlan_link
 * @return 0; -EINVAL for a bad vid, NIC or a child that has VLANs itself; -EEXIST when vid or
 *         child is taken on parent; -ENOMEM.
 * @threadsafety Takes the writer lock; the receive path sees the change at its next burst.
 */
int dps_vlan_add(struct dps_nic *parent, uint16_t vid, struct dps_nic *child);

/**
 * Undo dps_vlan_add(): frames of vid count as eth.vlan_unknown again.
 *
 * @param parent  the port's own NIC
 * @param vid     the VLAN id
 * @return 0; -EINVAL for a bad NIC or vid; -ENOENT when vid is not configured.
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_vlan_del(struct dps_nic *parent, uint16_t vid);

/**
 * The VLAN a NIC is, as dps_vlan_add() made it.
 *
 * @param nic     the NIC
 * @param parent  filled with the parent NIC's id when not NULL
 * @return the VID, or 0 when nic is no VLAN.
 * @threadsafety Takes the writer lock.
 */
uint16_t dps_vlan_of(struct dps_nic *nic, uint16_t *parent);

#ifdef __cplusplus
}
#endif
#endif
