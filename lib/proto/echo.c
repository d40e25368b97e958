/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Echo requests this stack originates (ping from the router, RFC 792, RFC 4443 4.1) and the
 * echo replies that come back to us (RFC 792, RFC 4443 4.2), handed to the context's hook.
 *
 * A request is built like any locally originated packet: the route table picks the NIC and
 * the next hop, the NIC's primary address is the source unless one is given, and an
 * unresolved next hop is resolved by the control thread (the request waits in its queue).
 */
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_cksum.h"
#include "dps_neigh.h"
#include "dps_proto.h"
#include "dps_proto_priv.h"
#include "dps_route.h"

#define ECHO_HLEN 8 /* type, code, checksum, identifier, sequence (both families) */
#define ICMP6_ECHO_REQ 128

void
dps_icmp_set_echo_reply_cb(struct dps_ctx *ctx, dps_echo_reply_t cb, void *arg)
{
	ctx->echo_reply_arg = arg;
	ctx->echo_reply_cb = (void (*)(void))cb;
}

void
dps_icmp_echo_reply_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	bool v4 = info->netproto == RTE_ETHER_TYPE_IPV4;
	dps_echo_reply_t cb = (dps_echo_reply_t)ctx->echo_reply_cb;
	struct dps_echo_reply r;
	uint8_t h[ECHO_HLEN], ttl;

	if (info->l4_len < ECHO_HLEN || dps_mbuf_copy(m, info->l4_off, ECHO_HLEN, h) < 0 ||
	    dps_mbuf_copy(m, v4 ? 8 : 7, 1, &ttl) < 0) {
		dps_cnt_inc(ctx, info->nic->id, v4 ? DPS_CNT_ICMP4_BAD : DPS_CNT_ICMP6_BAD);
		rte_pktmbuf_free(m);
		return;
	}
	dps_cnt_inc(ctx, info->nic->id,
		    v4 ? DPS_CNT_ICMP4_ECHO_REPLY_RCVD : DPS_CNT_ICMP6_ECHO_REPLY_RCVD);
	if (cb != NULL) {
		r.nic = info->nic;
		r.src = info->remote;
		r.dst = info->local;
		r.id = (uint16_t)(h[4] << 8 | h[5]);
		r.seq = (uint16_t)(h[6] << 8 | h[7]);
		r.len = info->l4_len;
		r.ttl = ttl;
		cb(ctx, &r, ctx->echo_reply_arg);
	}
	rte_pktmbuf_free(m);
}

int
dps_icmp_echo_send(struct dps_ctx *ctx, const struct dps_echo_req *req, uint16_t *nic_id,
		   struct dps_addr *src)
{
	struct dps_stack *s = ctx->stack;
	bool v4 = req->dst.len == 4;
	uint16_t et = v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	uint32_t hlen = v4 ? 20 : DPS_IP6_HLEN, l4 = ECHO_HLEN + req->size, hash = 0;
	const struct dps_nexthop *nh = NULL;
	struct rte_ether_addr mac;
	struct dps_addr via;
	struct dps_nic *nic = NULL;
	struct rte_mbuf *m;
	uint8_t *p, *ih;
	uint16_t ck = 0;

	if (req->dst.len != 4 && req->dst.len != 16)
		return -EINVAL;
	if (v4) {
		uint32_t d;

		memcpy(&d, req->dst.b, 4);
		dps_route_lookup4_bulk_rcu(s, &d, &hash, &nh, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], req->dst.b, 16);
		dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, &hash, &nh, 1);
	}
	if (nh != NULL)
		nic = dps_stack_nic_rcu(s, nh->nic_id);
	if (nic == NULL)
		return -ENETUNREACH;
	via = nh->has_gw ? nh->gw : req->dst;
	*nic_id = nic->id;
	if (hlen + l4 > dps_nic_mtu(nic))
		return -EMSGSIZE;
	if (req->src.len != 0)
		*src = req->src;
	else if (dps_primary_src(nic, et, src) < 0)
		return -EADDRNOTAVAIL;
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + l4));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	ih = p + hlen;
	ih[0] = v4 ? RTE_IP_ICMP_ECHO_REQUEST : ICMP6_ECHO_REQ;
	ih[1] = 0;
	ih[2] = ih[3] = 0;
	ih[4] = (uint8_t)(req->id >> 8);
	ih[5] = (uint8_t)req->id;
	ih[6] = (uint8_t)(req->seq >> 8);
	ih[7] = (uint8_t)req->seq;
	for (uint32_t i = 0; i < req->size; i++)
		ih[ECHO_HLEN + i] = (uint8_t)i;
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		/* RFC 792: the ICMP checksum covers the message only, no pseudo-header. */
		(void)dps_cksum_mbuf(m, hlen, l4, 0, &ck);
		ck = (uint16_t)~ck;
		memcpy(ih + 2, &ck, 2);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + l4));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = req->ttl ? req->ttl : DPS_IP4_TTL;
		ip->next_proto_id = IPPROTO_ICMP;
		memcpy(&ip->src_addr, src->b, 4);
		memcpy(&ip->dst_addr, req->dst.b, 4);
		dps_ip4_set_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		/* RFC 4443 2.3: the checksum covers the IPv6 pseudo-header. */
		ck = dps_cksum_l4(m, hlen, l4, src, &req->dst, IPPROTO_ICMPV6);
		memcpy(ih + 2, &ck, 2);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4);
		ip->proto = IPPROTO_ICMPV6;
		ip->hop_limits = req->ttl ? req->ttl : DPS_IP6_HLIM;
		memcpy(ip->src_addr, src->b, 16);
		memcpy(ip->dst_addr, req->dst.b, 16);
	}
	/* Our own packet: our MAC as the "received" source, so a failure sends no ICMP error. */
	m->l2_len = sizeof(struct rte_ether_hdr);
	rte_ether_addr_copy(&nic->mac, &((struct rte_ether_hdr *)rte_pktmbuf_mtod_offset(
						 m, uint8_t *, -(int)m->l2_len))->src_addr);
	dps_cnt_inc(ctx, nic->id, v4 ? DPS_CNT_ICMP4_ECHO_REQ_SENT : DPS_CNT_ICMP6_ECHO_REQ_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	if (dps_neigh_lookup_rcu(s, nic->id, &via, &mac) == 0)
		dps_eth_output(ctx, nic, m, &mac, et);
	else
		dps_neigh_resolve(ctx, nic, &via, m);
	return 0;
}
