/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/proto: the protocols that register with a lib/nic stack (Ethernet, ARP, IPv4/ICMPv4,
 * IPv6/ICMPv6/NDP, UDP, TCP reset, forwarding) and the entry point of received frames.
 */
#ifndef DPS_PROTO_H
#define DPS_PROTO_H

#include "dps_nic_dp.h"
#include "dps_demux.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Register IPv4, IPv6 and ARP network protocols and UDP, TCP, ICMP transport protocols. */
int dps_proto_register_all(struct dps_stack *s);

/**
 * Entry point of a received burst of Ethernet frames on a NIC: validates and classifies the
 * frames (ARP / IPv4 / IPv6 / other), strips the Ethernet header (kept in the headroom,
 * m->l2_len set) and hands each protocol's packets to dps_nic_deliver_network() as one burst.
 * Takes ownership of every mbuf.
 */
void dps_eth_input_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
			 uint16_t n);

/**
 * Prepend an Ethernet header (dst, the NIC's MAC as source, ethertype in host order) to m,
 * whose data starts at the network header, and queue it on the NIC. Takes ownership.
 */
void dps_eth_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
		    const struct rte_ether_addr *dst, uint16_t ethertype);

/** Built-in UDP echo service on a port (all addresses, IPv4 and IPv6). */
int dps_udp_echo_add(struct dps_stack *s, uint16_t port);

/* ---- ICMP errors (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2, RFC 4443) ---- */

/* ICMPv4 types and codes used by dpstack (RFC 792, RFC 1191). */
#define DPS_ICMP4_DEST_UNREACH 3
#define DPS_ICMP4_NET_UNREACH 0
#define DPS_ICMP4_HOST_UNREACH 1
#define DPS_ICMP4_PROTO_UNREACH 2
#define DPS_ICMP4_PORT_UNREACH 3
#define DPS_ICMP4_FRAG_NEEDED 4 /**< extra = next-hop MTU (RFC 1191) */
#define DPS_ICMP4_TIME_EXCEEDED 11
#define DPS_ICMP4_TTL_EXCEEDED 0
#define DPS_ICMP4_PARAM_PROBLEM 12 /**< extra = pointer << 24 */

/* ICMPv6 types and codes (RFC 4443). */
#define DPS_ICMP6_DEST_UNREACH 1
#define DPS_ICMP6_NO_ROUTE 0
#define DPS_ICMP6_ADDR_UNREACH 3
#define DPS_ICMP6_PORT_UNREACH 4
#define DPS_ICMP6_PACKET_TOO_BIG 2 /**< extra = MTU */
#define DPS_ICMP6_TIME_EXCEEDED 3
#define DPS_ICMP6_HOPLIMIT_EXCEEDED 0
#define DPS_ICMP6_PARAM_PROBLEM 4 /**< extra = pointer */
#define DPS_ICMP6_PARAM_HEADER 0
#define DPS_ICMP6_PARAM_NEXTHDR 1
#define DPS_ICMP6_PARAM_OPTION 2

/**
 * Send an ICMPv4 error about orig out of in_nic, to the source MAC of orig's Ethernet frame
 * (in orig's headroom, m->l2_len bytes before the IPv4 header at the data start).
 *
 * A new mbuf is drawn from ctx->pool; it quotes as much of orig as keeps the error within
 * 576 bytes (RFC 1812 4.3.2.3). The source is orig's destination if in_nic owns it
 * (dps_nic_owns_rcu), else in_nic's primary IPv4 address. extra is the 32-bit word after the
 * checksum, host order (MTU for fragmentation needed, pointer << 24 for parameter problem).
 *
 * No error is sent (RFC 1122 3.2.2, RFC 1812 4.3.2.7) about an ICMP error, a non-first
 * fragment, a packet whose destination is multicast or broadcast or that came in a link-layer
 * multicast frame, or whose source is not a unicast host (0.0.0.0, broadcast, multicast,
 * 127/8, 240/4); nor beyond the context's rate limit (counts icmp.errors_rate_limited).
 *
 * orig is not freed. Returns 0 when queued, -EPERM when a rule forbids it, -EBUSY when rate
 * limited, -EADDRNOTAVAIL without a source address, -ENOMEM without mbufs, -EINVAL when orig
 * is unreadable.
 */
int dps_icmp4_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		    uint8_t type, uint8_t code, uint32_t extra);

/**
 * Send an ICMPv6 error about orig (RFC 4443): the same contract as dps_icmp4_error with a
 * 1280-byte limit (RFC 4443 2.4(c)), and the rules of RFC 4443 2.4(e): no error about an
 * ICMPv6 error or redirect, nor about a packet to a multicast address or in a link-layer
 * multicast frame except Packet Too Big and Parameter Problem code 2; never to an unspecified
 * or multicast source. extra is the 32-bit word after the checksum (MTU, pointer).
 */
int dps_icmp6_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		    uint8_t type, uint8_t code, uint32_t extra);

#ifdef __cplusplus
}
#endif
#endif
