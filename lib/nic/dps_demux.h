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
	uint16_t sport, dport; /**< filled by the demuxer */
};

/** Transport protocol operations (the seed's TransportProtocol). */
struct dps_transproto_ops {
	const char *name;
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
	uint16_t local_port;
	struct dps_addr local_addr;  /**< len 0 = any */
	uint16_t remote_port;
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

/** Register a transport protocol. -EEXIST if its number is taken. */
int dps_stack_register_transproto(struct dps_stack *s, const struct dps_transproto_ops *ops);
const struct dps_transproto_ops *dps_stack_transproto(const struct dps_stack *s, uint8_t number);

/**
 * Bind a transport endpoint for (netproto, tproto, id). -EADDRINUSE if the exact id is bound.
 * ctl may be NULL.
 */
int dps_tep_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto,
		 const struct dps_tep_id *id, dps_tep_rx_t rx, dps_tep_ctl_t ctl, void *arg,
		 struct dps_tep **out);
/** Unbind; the endpoint is freed after a grace period. */
int dps_tep_unbind(struct dps_stack *s, struct dps_tep *tep);
const struct dps_tep_id *dps_tep_id(const struct dps_tep *tep);
/** Number of transport endpoints bound. */
unsigned int dps_demux_count(const struct dps_stack *s);

/** A raw endpoint: gets a copy of every packet of (netproto, tproto), before any check. */
struct dps_raw;
int dps_raw_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto, dps_tep_rx_t rx,
		 void *arg, struct dps_raw **out);
int dps_raw_unbind(struct dps_stack *s, struct dps_raw *raw);

/** Per-stack default handler for a transport protocol (the seed's SetTransportProtocolHandler). */
int dps_stack_set_default_handler(struct dps_stack *s, uint8_t tproto, dps_default_handler_t h,
				  void *arg);

/**
 * The seed's DeliverTransportPacket: unknown protocol, raw copies, minimum size, ports, demux
 * (full id, then without local address, then without remote, then port only; a multicast or
 * broadcast destination reaches every match), default handler, unknown destination.
 * info->tproto, l4_off, l4_len, local, remote, nic, netproto must be set. Takes ownership.
 */
void dps_nic_deliver_transport(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m);

/**
 * The seed's DeliverTransportControlPacket: an ICMP error quoting one of our packets. off is the
 * offset of the quoted transport header in m; local/remote are the quoted packet's source and
 * destination. Fewer than 8 bytes or bad ports: dropped silently. Does not take ownership.
 */
void dps_nic_deliver_transport_control(struct dps_ctx *ctx, struct dps_nic *nic,
				       const struct dps_addr *local, const struct dps_addr *remote,
				       uint16_t netproto, uint8_t tproto, enum dps_control_type type,
				       uint32_t extra, const struct rte_mbuf *m, uint32_t off);

#ifdef __cplusplus
}
#endif
#endif
