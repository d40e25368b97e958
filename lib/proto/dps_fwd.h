/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * IPv4 and IPv6 forwarding (RFC 1812, RFC 8200): the forward_burst hooks of the IPv4 and
 * IPv6 network protocols. See docs/forwarding.md.
 *
 * Thread safety: data path; ctx belongs to the calling thread, which is an online RCU reader.
 */
#ifndef DPS_FWD_H
#define DPS_FWD_H

#include "dps_nic_dp.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Forward a burst of IPv4 packets that matched no local endpoint on NIC in (forwarding on
 * for the stack and for in). Each mbuf's data starts at a validated IPv4 header, l2_len bytes
 * of the received Ethernet header precede it in the headroom; chains are allowed. Takes
 * ownership of every mbuf: forwarded, queued for neighbour resolution, delivered locally on
 * the outgoing NIC when it owns the destination, or dropped with a counter (and an ICMP error
 * where RFC 1812 asks for one).
 */
void dps_fwd4_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n);

/** The same for IPv6 (RFC 8200, RFC 4443, RFC 4291 2.5.6). */
void dps_fwd6_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n);

#ifdef __cplusplus
}
#endif
#endif
