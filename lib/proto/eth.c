/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ethernet II (IEEE 802.3 / RFC 894) transmit framing and routed output of the packets the
 * stack originates. Receive classification is fastpath.c's first stage.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_neigh.h"
#include "dps_proto_priv.h"
#include "dps_route.h"

#define ETH_HLEN ((uint16_t)sizeof(struct rte_ether_hdr))

void
dps_eth_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
	       const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eh;
	struct rte_ether_addr d = *dst; /* dst may point into m's own headroom */

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH_HLEN);
	if (unlikely(eh == NULL)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(&d, &eh->dst_addr);
	rte_ether_addr_copy(&nic->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	m->l2_len = ETH_HLEN;
	dps_ctx_tx(ctx, nic, m);
}

void
dps_ip_output_routed(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
		     const struct rte_ether_addr *dmac, uint16_t ethertype)
{
	struct dps_stack *s = ctx->stack;
	const struct dps_nexthop *nh = NULL;
	struct dps_nic *out = NULL;
	struct rte_ether_addr mac, d = *dmac;
	struct dps_addr dst, via;
	uint32_t hash = 0;

	if (ethertype == RTE_ETHER_TYPE_IPV4) {
		uint32_t a;

		if (dps_mbuf_copy(m, 16, 4, &a) < 0)
			goto fallback;
		dps_addr4(&dst, &a);
		dps_route_lookup4_bulk_rcu(s, &a, &hash, &nh, 1);
	} else {
		uint8_t a[1][16];

		if (dps_mbuf_copy(m, 24, 16, a[0]) < 0)
			goto fallback;
		dps_addr6(&dst, a[0]);
		dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])a, &hash, &nh, 1);
	}
	if (nh != NULL)
		out = dps_stack_nic_rcu(s, nh->nic_id);
	if (out == NULL)
		goto fallback;
	via = nh->has_gw ? nh->gw : dst;
	if (dps_neigh_lookup_rcu(s, out->id, &via, &mac) == 0) {
		dps_eth_output(ctx, out, m, &mac, ethertype);
		return;
	}
	/* Our own packet: our MAC as the "received" source, so a failure sends no ICMP error. */
	if (m->data_off >= sizeof(struct rte_ether_hdr)) {
		m->l2_len = sizeof(struct rte_ether_hdr);
		rte_ether_addr_copy(&out->mac, &((struct rte_ether_hdr *)rte_pktmbuf_mtod_offset(
							 m, uint8_t *, -(int)m->l2_len))->src_addr);
	}
	dps_neigh_resolve(ctx, out, &via, m);
	return;
fallback:
	/* No route back: the link it came from, as before. */
	dps_eth_output(ctx, nic, m, &d, ethertype);
}
