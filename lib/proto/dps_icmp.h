/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * ICMP error generation for IPv4 (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2) and IPv6
 * (RFC 4443), used by the local protocols and by the forwarding path.
 *
 * Thread safety: data path; ctx belongs to the calling thread; RCU reader online.
 */
#ifndef DPS_ICMP_H
#define DPS_ICMP_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

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
