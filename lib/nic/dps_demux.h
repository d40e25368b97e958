/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Transport demultiplexing (the seed's DeliverTransportPacket and transport_demuxer.go):
 * transport protocols, transport endpoints bound to ports, raw endpoints, the default handler.
 *
 * Thread safety: bind/unbind/register take the stack's writer lock. Delivery runs on the data
 * path without locks: endpoints are found in an rte_hash with lock-free readers and freed one
 * RCU grace period after unbind, so a callback may run once more for a packet of a burst that
 * began before the unbind.
 */
#ifndef DPS_DEMUX_H
#define DPS_DEMUX_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the network layer tells the transport layer about one packet. */
struct dps_pktinfo {
	struct dps_nic *nic;  /**< the NIC it arrived on */
	uint16_t netproto;    /**< ethertype */
	uint8_t np;           /**< network protocol slot */
	uint8_t tproto;       /**< IP protocol number */
	uint16_t l4_off;      /**< offset of the transport header from the mbuf data start */
	uint32_t l4_len;      /**< transport header + payload length */
	struct dps_addr local;  /**< destination of the received packet */
	struct dps_addr remote; /**< source of the received packet */
	bool local_is_multi;  /**< destination is multicast or broadcast */
	uint16_t sport; /**< source port, host order: filled by the demuxer */
	uint16_t dport; /**< destination port, host order: filled by the demuxer */
};

/** Transport protocol operations (the seed's TransportProtocol). */
struct dps_transproto_ops {
	const char *name;  /**< for logs and dpstack-ctl */
	uint8_t number;    /**< IP protocol number */
	uint16_t min_size; /**< minimum transport header size */
	/** Seed: a datagram to a multicast or broadcast address reaches every match (UDP). */
	bool multicast_to_all;
	/**
	 * Seed (transport_demuxer.go): a datagram that matches no endpoint counts
	 * udp.unknown_port_errors in the demuxer, before the default handler is asked (UDP).
	 */
	bool count_unknown_port;
	/** Read source and destination ports (host order) at offset off; 0 or -EBADMSG. */
	int (*parse_ports)(const struct rte_mbuf *m, uint32_t off, uint16_t *sport,
			   uint16_t *dport);
	/**
	 * No endpoint and no default handler took the packet: answer it (ICMP port unreachable,
	 * TCP RST) or drop it. Takes ownership. Returns false if the packet was malformed (the
	 * stack then counts malformed_rcvd).
	 */
	bool (*handle_unknown_destination)(struct dps_ctx *ctx, const struct dps_pktinfo *info,
					   struct rte_mbuf *m);
	/**
	 * Optional: validate a datagram before demux (length, checksum). Returns 0, or negative
	 * after counting the reason: the stack frees the mbuf.
	 */
	int (*validate)(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m);
};

/** Transport endpoint identity (the seed's TransportEndpointID); zero fields are wildcards. */
struct dps_tep_id {
	uint16_t local_port;         /**< host order; 0 = any */
	struct dps_addr local_addr;  /**< len 0 = any */
	uint16_t remote_port;        /**< host order; 0 = any */
	struct dps_addr remote_addr; /**< len 0 = any */
};

struct dps_tep;

/** Receive callback: takes ownership of m (data starts at the network header). */
typedef void (*dps_tep_rx_t)(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
			     const struct dps_pktinfo *info, void *arg);
/** Control (ICMP error) callback: m holds the error; it is freed by the stack after the call. */
typedef void (*dps_tep_ctl_t)(struct dps_ctx *ctx, struct dps_tep *tep, int type, uint32_t extra,
			      const struct rte_mbuf *m, void *arg);
/** Default handler: return true if it took the packet (ownership), false to go on. */
typedef bool (*dps_default_handler_t)(struct dps_ctx *ctx, const struct dps_pktinfo *info,
				      struct rte_mbuf *m, void *arg);

/** Control packet types (the seed's ControlType). */
enum dps_control_type {
	DPS_CONTROL_PACKET_TOO_BIG = 0,
	DPS_CONTROL_PORT_UNREACHABLE,
	DPS_CONTROL_UNKNOWN,
};

/**
 * Register a transport protocol (the seed's RegisterTransportProtocol).
 *
 * @param s    the stack
 * @param ops  the protocol's operations; parse_ports and handle_unknown_destination are
 *             required. Kept by pointer: it must outlive the stack.
 * @return 0; -EINVAL when ops or a required operation is missing; -EEXIST when its number is
 *         registered already; -ENOMEM when the per-port tables cannot be allocated.
 * @threadsafety Takes the writer lock.
 */
int dps_stack_register_transproto(struct dps_stack *s, const struct dps_transproto_ops *ops);

/**
 * The registered transport protocol of an IP protocol number.
 *
 * @param s       the stack
 * @param number  IP protocol number
 * @return its operations, or NULL when none is registered.
 * @threadsafety Lock-free; any thread.
 */
const struct dps_transproto_ops *dps_stack_transproto(const struct dps_stack *s, uint8_t number);

/**
 * Bind a transport endpoint (the seed's RegisterTransportEndpoint). Zero fields of id are
 * wildcards; the demuxer tries the full id, then without the local address, without the
 * remote, then the port alone.
 *
 * @param s         the stack
 * @param netproto  network protocol (ethertype, host order)
 * @param tproto    IP protocol number of a registered transport protocol
 * @param id        the endpoint's identity (copied)
 * @param rx        receive callback, called on the data path for each matching packet
 * @param ctl       control (ICMP error) callback, or NULL
 * @param arg       passed to rx and ctl
 * @param out       the endpoint (may be NULL)
 * @return 0; -EINVAL when id or rx is NULL or the table refuses the key; -EPROTONOSUPPORT
 *         when tproto is not registered; -EADDRINUSE when exactly this id is bound;
 *         -ENOMEM when out of memory; -ENOSPC when max_transport endpoints are bound
 *         (dps_stack_conf; counted, transport.bind_full).
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_tep_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto,
		 const struct dps_tep_id *id, dps_tep_rx_t rx, dps_tep_ctl_t ctl, void *arg,
		 struct dps_tep **out);

/**
 * Unbind a transport endpoint. Its memory is freed after a grace period: rx may still run for
 * a packet of a burst that started before the call.
 *
 * @param s    the stack
 * @param tep  an endpoint bound on s
 * @return 0; -EINVAL when tep is NULL; -ENOENT when it is not bound.
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_tep_unbind(struct dps_stack *s, struct dps_tep *tep);

/**
 * The identity an endpoint was bound with.
 *
 * @param tep  a bound endpoint
 * @return a pointer into the endpoint, valid while it is bound.
 * @threadsafety Any thread holding the endpoint.
 */
const struct dps_tep_id *dps_tep_id(const struct dps_tep *tep);

/**
 * The receive callback an endpoint was bound with: lets a caller that looked endpoints up in
 * bulk (dps_demux_lookup_bulk()) recognise its own service's endpoints without calling them.
 *
 * @param tep  a bound endpoint
 * @return its rx callback.
 * @threadsafety Any thread holding the endpoint (an online reader).
 */
dps_tep_rx_t dps_tep_rx(const struct dps_tep *tep);

/**
 * Whether every endpoint bound on a local port of tproto is bound to the port alone (the
 * wildcard binds of the built-in services): then the demuxer gives every unicast datagram of
 * a netproto to that port to the same endpoint, whatever its addresses and source port, and a
 * caller may look one datagram up for a run of them (dps_demux_lookup_bulk()).
 *
 * @param s       the stack
 * @param tproto  IP protocol number
 * @param port    local port, host order
 * @return true when the port has endpoints and all are port-alone binds; false otherwise
 *         (none, a more specific one, tproto not registered).
 * @threadsafety Lock-free; an online reader (a bind may land just before or after).
 */
bool dps_demux_port_wild(const struct dps_stack *s, uint8_t tproto, uint16_t port);

/** One datagram of a bulk demux lookup (dps_demux_lookup_bulk()). */
struct dps_demux_query {
	uint16_t lport;       /**< destination port, host order */
	uint16_t rport;       /**< source port, host order */
	const uint8_t *laddr; /**< destination address (alen bytes) */
	const uint8_t *raddr; /**< source address (alen bytes) */
};

/**
 * The endpoints dps_nic_deliver_transport() would hand n unicast datagrams of one (netproto,
 * tproto) to, in bulk: for datagram i the first match in the demuxer's order (full id,
 * without the local address, without the remote, the port alone) among the forms bound on
 * its port, NULL when none is. Only the forms present on each port are looked up, and a
 * port whose binds are all wildcards (the port alone, as the built-in services bind) costs
 * one key however many datagrams of the burst go to it: one rte_hash bulk lookup for all.
 * Nothing is delivered, nothing counted: the caller decides what the endpoints mean.
 *
 * @param s         the stack
 * @param netproto  network protocol (ethertype, host order)
 * @param tproto    IP protocol number
 * @param alen      address length of netproto (4 or 16)
 * @param q         the datagrams' ports and addresses
 * @param n         how many, at most DPS_BURST
 * @param tep       out: n endpoints (or NULL)
 * @return 0; -EINVAL when n is over DPS_BURST or alen over DPS_ADDR_MAX_LEN;
 *         -EPROTONOSUPPORT when tproto is not registered; -EAGAIN when raw endpoints of
 *         tproto are bound (every datagram is copied to them first: the general path must
 *         run). tep is not written on an error.
 * @threadsafety Data path: an online RCU reader (the endpoints stay valid while it is).
 */
int dps_demux_lookup_bulk(const struct dps_stack *s, uint16_t netproto, uint8_t tproto,
			  uint8_t alen, const struct dps_demux_query *q, uint16_t n,
			  struct dps_tep **tep);

/**
 * Number of transport endpoints bound.
 *
 * @param s  the stack
 * @return the count (a snapshot).
 * @threadsafety Lock-free; any thread.
 */
unsigned int dps_demux_count(const struct dps_stack *s);

/** A raw endpoint: gets a copy of every packet of (netproto, tproto), before any check. */
struct dps_raw;

#define DPS_MAX_RAW 64 /**< raw endpoints bound at once, all protocols (each costs a copy) */

/**
 * Bind a raw endpoint: rx gets a copy (rte_pktmbuf_copy) of every packet of (netproto,
 * tproto) delivered to the transport layer, before the minimum size and port checks.
 *
 * @param s         the stack
 * @param netproto  network protocol (ethertype, host order), 0 for any
 * @param tproto    IP protocol number (need not be registered)
 * @param rx        receive callback; takes ownership of the copy
 * @param arg       passed to rx
 * @param out       the raw endpoint (may be NULL)
 * @return 0; -EINVAL when rx is NULL; -ENOSPC when DPS_MAX_RAW are bound (counted,
 *         transport.bind_full); -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_raw_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto, dps_tep_rx_t rx,
		 void *arg, struct dps_raw **out);

/**
 * Unbind a raw endpoint; freed after a grace period.
 *
 * @param s    the stack
 * @param raw  a raw endpoint bound on s
 * @return 0; -EINVAL when raw is NULL; -ENOENT when it is not bound; -ENOMEM when the new
 *         snapshot of the remaining endpoints cannot be allocated (raw stays bound).
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_raw_unbind(struct dps_stack *s, struct dps_raw *raw);

/**
 * Set the stack's default handler of a transport protocol (the seed's
 * SetTransportProtocolHandler): asked for a packet no endpoint took.
 *
 * @param s       the stack
 * @param tproto  IP protocol number
 * @param h       the handler, or NULL to remove it
 * @param arg     passed to h
 * @return 0; -ENOMEM when out of memory.
 * @threadsafety Takes the writer lock; the old handler is freed after a grace period.
 */
int dps_stack_set_default_handler(struct dps_stack *s, uint8_t tproto, dps_default_handler_t h,
				  void *arg);

/**
 * The seed's DeliverTransportPacket: unknown protocol, raw copies, minimum size, ports, demux
 * (full id, then without local address, then without remote, then port only; a multicast or
 * broadcast destination reaches every match), default handler, unknown destination.
 *
 * @param ctx   the calling thread's data-path context (online)
 * @param info  what the network layer knows: tproto, l4_off, l4_len, local, remote, nic and
 *              netproto must be set; sport and dport are filled in
 * @param m     the packet, data at the network header; ownership is taken
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
void dps_nic_deliver_transport(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m);

/**
 * The seed's DeliverTransportControlPacket: an ICMP error quoting one of our packets reaches
 * the endpoint that sent it (its ctl callback). Fewer than 8 quoted bytes or bad ports: dropped
 * silently.
 *
 * @param ctx       the calling thread's data-path context (online)
 * @param nic       the NIC the error arrived on
 * @param local     the quoted packet's source (our address)
 * @param remote    the quoted packet's destination
 * @param netproto  network protocol of the quoted packet (ethertype)
 * @param tproto    IP protocol number of the quoted packet
 * @param type      what the error says
 * @param extra     the error's extra word (MTU of packet too big, host order)
 * @param m         the ICMP error packet; not freed
 * @param off       offset of the quoted transport header in m
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
void dps_nic_deliver_transport_control(struct dps_ctx *ctx, struct dps_nic *nic,
				       const struct dps_addr *local, const struct dps_addr *remote,
				       uint16_t netproto, uint8_t tproto, enum dps_control_type type,
				       uint32_t extra, const struct rte_mbuf *m, uint32_t off);

#ifdef __cplusplus
}
#endif
#endif
