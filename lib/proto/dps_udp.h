/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * A small UDP socket API over the stack's transport demuxer: bind a local port (on one address
 * or all), receive datagrams through a callback on the data path, send datagrams.
 *
 * Thread safety: dps_udp_bind/dps_udp_close take the stack's writer lock (control plane, not
 * from an online reader). The receive callback runs on the worker lcore that received the
 * datagram. dps_udp_sendto runs on any online data-path context (ctx belongs to the caller).
 */
#ifndef DPS_UDP_H
#define DPS_UDP_H

#include "dps_demux.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dps_udp_sock;

/** What the receive callback learns about one datagram. */
struct dps_udp_meta {
	struct dps_nic *nic;    /**< the NIC it arrived on */
	struct dps_addr src;    /**< the sender */
	struct dps_addr dst;    /**< the address it was sent to (ours, a group or broadcast) */
	uint16_t sport;         /**< source port, host order */
	uint16_t dport;         /**< destination port, host order */
	uint32_t payload_off;   /**< offset of the payload from the mbuf data start */
	uint32_t payload_len;   /**< payload bytes (the UDP length field minus 8) */
};

/**
 * Receive callback. m's data starts at the IP header; the payload is at meta->payload_off
 * (the mbuf may be a chain: read it with rte_pktmbuf_read). Takes ownership of m.
 */
typedef void (*dps_udp_rx_t)(struct dps_ctx *ctx, struct dps_udp_sock *sk, struct rte_mbuf *m,
			     const struct dps_udp_meta *meta, void *arg);

/**
 * Bind a UDP port.
 *
 * @param s         the stack
 * @param netproto  RTE_ETHER_TYPE_IPV4 or RTE_ETHER_TYPE_IPV6
 * @param local     the local address, or NULL / len 0 for every address of the family
 * @param port      host order, not 0
 * @param rx        receive callback (runs on the worker that received the datagram)
 * @param arg       passed to rx
 * @param out       the socket
 * @return 0; -EINVAL for port 0, a NULL rx or out, another netproto or a local address of
 *         the other family; -EADDRINUSE when the port (on that address) is bound; -ENOMEM;
 *         -ENOSPC when the endpoint table is full.
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_udp_bind(struct dps_stack *s, uint16_t netproto, const struct dps_addr *local,
		 uint16_t port, dps_udp_rx_t rx, void *arg, struct dps_udp_sock **out);

/**
 * Unbind and free the socket after a grace period (a callback may still run until then).
 *
 * @param s   the stack
 * @param sk  a socket of dps_udp_bind()
 * @return 0; -EINVAL when sk is NULL; -ENOENT when it was not bound (it is freed anyway).
 * @threadsafety Takes the writer lock; not from an online reader context.
 */
int dps_udp_close(struct dps_stack *s, struct dps_udp_sock *sk);

/**
 * Send a datagram. The route to dst picks the NIC and next hop (dps_route); the source is
 * the socket's bound address or that NIC's primary address. Without a route, the NIC the
 * socket last received on is used with dst as an on-link neighbour. An unresolved next hop is
 * resolved (ARP/NDP) by the control thread and the datagram sent then.
 *
 * @param ctx    the calling thread's data-path context (online)
 * @param sk     the socket
 * @param dst    destination address, the socket's family
 * @param dport  destination port, host order
 * @param data   payload
 * @param len    payload bytes: the datagram must fit one mbuf of ctx->pool and the MTU
 * @return 0 when queued (or handed to neighbour resolution); -ENETUNREACH without a route
 *         and without a NIC to fall back to; -EADDRNOTAVAIL without a source address;
 *         -EMSGSIZE beyond the MTU or the mbuf; -ENOMEM without mbufs; -EINVAL for a
 *         destination of the other family, port 0, or NULL data with a length.
 * @threadsafety Data path: ctx belongs to the caller, which is an online RCU reader.
 */
int dps_udp_sendto(struct dps_ctx *ctx, struct dps_udp_sock *sk, const struct dps_addr *dst,
		   uint16_t dport, const void *data, uint16_t len);

/**
 * Error callback: an ICMP or ICMPv6 error quoting a datagram this socket sent (RFC 1122
 * 4.1.3.3): port unreachable, packet too big (extra: the MTU the error names) or another kind.
 * Runs on the worker lcore that received the error, with the socket's arg.
 */
typedef void (*dps_udp_err_t)(struct dps_ctx *ctx, struct dps_udp_sock *sk,
			      enum dps_control_type type, uint32_t extra, void *arg);

/**
 * Set (or clear, with NULL) the socket's error callback; without one, errors about its
 * datagrams are counted (icmp.errors_received) and dropped.
 *
 * @param sk   the socket
 * @param err  the callback, or NULL
 * @threadsafety Any thread holding the socket (an atomic store; a callback already running
 *               may still be the old one).
 */
void dps_udp_set_error_cb(struct dps_udp_sock *sk, dps_udp_err_t err);

/**
 * Local port of a socket.
 *
 * @param sk  the socket
 * @return the port, host order.
 * @threadsafety Any thread holding the socket.
 */
uint16_t dps_udp_sock_port(const struct dps_udp_sock *sk);

#ifdef __cplusplus
}
#endif
#endif
