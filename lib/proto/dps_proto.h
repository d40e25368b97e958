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

#ifdef __cplusplus
}
#endif
#endif
