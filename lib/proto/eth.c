/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ethernet II (IEEE 802.3 / RFC 894) receive classification and transmit framing.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dps_proto.h"
#include "dps_neigh.h"
#include "dps_proto_priv.h"
#include "dps_route.h"

#define ETH_HLEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define DPS_PREFETCH_AHEAD 3

static void
eth_drop(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, enum dps_counter c)
{
	/* The NIC layer counts rx for what it is given; we count what we drop here. */
	dps_nic_count_rx(ctx, nic, m->pkt_len);
	dps_cnt_inc(ctx, nic->id, c);
	rte_pktmbuf_free(m);
}

static void
eth_input_chunk(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *v4[DPS_BURST], *v6[DPS_BURST], *arp[DPS_BURST];
	uint16_t n4 = 0, n6 = 0, narp = 0;
	bool promisc = __atomic_load_n(&nic->promiscuous, __ATOMIC_RELAXED);

	for (uint16_t i = 0; i < n && i < DPS_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;
		uint16_t type;

		if (i + DPS_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DPS_PREFETCH_AHEAD], void *));
		/* The header must sit in the first segment: it stays in the headroom. */
		if (unlikely(m->pkt_len < ETH_HLEN || m->data_len < ETH_HLEN)) {
			eth_drop(ctx, nic, m, DPS_CNT_ETH_SHORT);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		/*
		 * IEEE 802.3 4.2.4.1.1: accept our unicast address and every group address (the
		 * network layer filters multicast by joined groups); anything when promiscuous.
		 */
		if (unlikely(!rte_is_multicast_ether_addr(&eh->dst_addr) &&
			     !rte_is_same_ether_addr(&eh->dst_addr, &nic->mac) && !promisc)) {
			eth_drop(ctx, nic, m, DPS_CNT_ETH_NOT_FOR_US);
			continue;
		}
		/* A group address is never a valid source (IEEE 802 48-bit address I/G bit). */
		if (unlikely(rte_is_multicast_ether_addr(&eh->src_addr))) {
			eth_drop(ctx, nic, m, DPS_CNT_ETH_BAD_SOURCE);
			continue;
		}
		type = rte_be_to_cpu_16(eh->ether_type);
		rte_pktmbuf_adj(m, ETH_HLEN);
		m->l2_len = ETH_HLEN;
		switch (type) {
		case RTE_ETHER_TYPE_IPV4:
			v4[n4++] = m;
			break;
		case RTE_ETHER_TYPE_IPV6:
			v6[n6++] = m;
			break;
		case RTE_ETHER_TYPE_ARP:
			arp[narp++] = m;
			break;
		default:
			/* VLAN tags (0x8100) included: 802.1Q is not supported. */
			dps_nic_count_rx(ctx, nic, m->pkt_len + ETH_HLEN);
			dps_cnt_inc(ctx, nic->id, DPS_CNT_ETH_UNKNOWN_TYPE);
			dps_cnt_inc(ctx, nic->id, DPS_CNT_UNKNOWN_PROTOCOL_RCVD);
			rte_pktmbuf_free(m);
			break;
		}
	}
	if (n4 > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_IPV4, v4, n4);
	if (n6 > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_IPV6, v6, n6);
	if (narp > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_ARP, arp, narp);
}

void
dps_eth_input_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
		    uint16_t n)
{
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)DPS_BURST);

		eth_input_chunk(ctx, nic, pkts, k);
		pkts += k;
		n -= k;
	}
}

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
