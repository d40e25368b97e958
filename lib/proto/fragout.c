/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fragmentation of the datagrams this host sends (RFC 791 3.2, RFC 1122 3.3.3, RFC 8200
 * 4.5): a reply to a reassembled datagram (a 4,000-byte echo, an 8,000-byte UDP echo) is as
 * long as the request and leaves in fragments that fit the NIC's MTU. Forwarded packets are
 * never fragmented here (docs/forwarding.md).
 *
 * Each fragment is a new mbuf from the context's pool holding its header and a copy of its
 * data, so it works whatever the chain of the original looks like (the copy costs nothing
 * that matters: this is the slow side of replies only). A fragment's data also fits one mbuf
 * of that pool: with small mbufs (`--mbuf-size 512`) fragments are smaller than the MTU.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define FRAG6_HLEN 8

/* How the reply would have left: routed or back out of the NIC (dps_reply_output()). */
static inline void
frag_send(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *f,
	  const struct rte_ether_addr *dmac, uint16_t ethertype)
{
	if (unlikely(ctx->routed_reply))
		dps_ip_output_routed(ctx, nic, f, dmac, ethertype);
	else
		dps_eth_output(ctx, nic, f, dmac, ethertype);
}

/* Room for one fragment in one mbuf of the pool, after the Ethernet header's headroom. */
static inline uint32_t
frag_room(const struct dps_ctx *ctx)
{
	uint32_t room = rte_pktmbuf_data_room_size(ctx->pool);

	return room > RTE_PKTMBUF_HEADROOM ? room - RTE_PKTMBUF_HEADROOM : 0;
}

static void
frag4_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
	     const struct rte_ether_addr *dmac, uint32_t mtu)
{
	uint8_t h[60], later[60];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;
	uint32_t hlen, hlen2, data, ofs = 0, step, step2;
	uint16_t id = (uint16_t)ctx->ip_id++;

	if (dps_mbuf_copy(m, 0, 20, h) < 0)
		goto bad;
	hlen = rte_ipv4_hdr_len(ip);
	if (hlen < 20 || dps_mbuf_copy(m, 0, hlen, h) < 0 || m->pkt_len <= hlen)
		goto bad;
	data = m->pkt_len - hlen;
	hlen2 = dps_ip4_later_frag_header(h, hlen, later);
	/* Our own datagram: we may fragment it (DF was the request's, or nobody's). */
	ip->packet_id = rte_cpu_to_be_16(id);
	((struct rte_ipv4_hdr *)later)->packet_id = ip->packet_id;
	step = (RTE_MIN(mtu, frag_room(ctx)) - hlen) & ~7u;
	step2 = (RTE_MIN(mtu, frag_room(ctx)) - hlen2) & ~7u;
	if (RTE_MIN(mtu, frag_room(ctx)) < hlen + 8)
		goto bad;
	while (ofs < data) {
		const uint8_t *src = ofs == 0 ? h : later;
		uint32_t fh = ofs == 0 ? hlen : hlen2;
		uint32_t n = RTE_MIN(ofs == 0 ? step : step2, data - ofs);
		bool more = ofs + n < data;
		struct rte_mbuf *f = rte_pktmbuf_alloc(ctx->pool);
		struct rte_ipv4_hdr *fip;
		uint8_t *p;

		if (f == NULL) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
			break;
		}
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(fh + n));
		if (p == NULL || dps_mbuf_copy(m, hlen + ofs, n, p + fh) < 0) {
			rte_pktmbuf_free(f);
			goto bad;
		}
		memcpy(p, src, fh);
		fip = (struct rte_ipv4_hdr *)p;
		fip->version_ihl = (uint8_t)(0x40 | fh / 4);
		fip->total_length = rte_cpu_to_be_16((uint16_t)(fh + n));
		fip->fragment_offset = rte_cpu_to_be_16((uint16_t)((ofs / 8) |
								   (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		dps_ip4_set_cksum(fip);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_FRAGS_SENT);
		frag_send(ctx, nic, f, dmac, RTE_ETHER_TYPE_IPV4);
		ofs += n;
	}
	rte_pktmbuf_free(m);
	return;
bad:
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
	rte_pktmbuf_free(m);
}

static void
frag6_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
	     const struct rte_ether_addr *dmac, uint32_t mtu)
{
	/* The unfragmentable part: the IPv6 header, and a Hop-by-Hop header if there is one. */
	uint8_t h[DPS_IP6_HLEN + 256 + FRAG6_HLEN];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)h;
	uint32_t ulen = DPS_IP6_HLEN, data, ofs = 0, step, room;
	uint32_t id = ctx->ip_id++;
	uint8_t nh, *nh_field;

	if (dps_mbuf_copy(m, 0, DPS_IP6_HLEN, h) < 0)
		goto bad;
	nh = ip->proto;
	nh_field = &ip->proto;
	if (nh == DPS_IP6_NH_HOPOPTS) {
		uint8_t e[2];

		if (dps_mbuf_copy(m, DPS_IP6_HLEN, 2, e) < 0)
			goto bad;
		ulen += ((uint32_t)e[1] + 1) * 8;
		if (ulen > DPS_IP6_HLEN + 256 || dps_mbuf_copy(m, 0, ulen, h) < 0)
			goto bad;
		nh = e[0];
		nh_field = &h[DPS_IP6_HLEN];
	}
	if (m->pkt_len <= ulen)
		goto bad;
	data = m->pkt_len - ulen;
	*nh_field = DPS_IP6_NH_FRAGMENT;
	room = RTE_MIN(mtu, frag_room(ctx));
	if (room < ulen + FRAG6_HLEN + 8)
		goto bad;
	step = (room - ulen - FRAG6_HLEN) & ~7u;
	while (ofs < data) {
		uint32_t n = RTE_MIN(step, data - ofs);
		bool more = ofs + n < data;
		struct rte_mbuf *f = rte_pktmbuf_alloc(ctx->pool);
		uint8_t *p, *fh;
		uint16_t w;
		uint32_t idn = rte_cpu_to_be_32(id);

		if (f == NULL) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
			break;
		}
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(ulen + FRAG6_HLEN + n));
		if (p == NULL || dps_mbuf_copy(m, ulen + ofs, n, p + ulen + FRAG6_HLEN) < 0) {
			rte_pktmbuf_free(f);
			goto bad;
		}
		memcpy(p, h, ulen);
		((struct rte_ipv6_hdr *)p)->payload_len =
			rte_cpu_to_be_16((uint16_t)(ulen - DPS_IP6_HLEN + FRAG6_HLEN + n));
		/* RFC 8200 4.5: Next Header, reserved, offset in 8-byte units | M, identification. */
		fh = p + ulen;
		fh[0] = nh;
		fh[1] = 0;
		w = rte_cpu_to_be_16((uint16_t)(ofs | (more ? 1 : 0)));
		memcpy(fh + 2, &w, 2);
		memcpy(fh + 4, &idn, 4);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_FRAGS_SENT);
		frag_send(ctx, nic, f, dmac, RTE_ETHER_TYPE_IPV6);
		ofs += n;
	}
	rte_pktmbuf_free(m);
	return;
bad:
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
	rte_pktmbuf_free(m);
}

void
dps_ip_frag_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
		   const struct rte_ether_addr *dmac, uint16_t ethertype)
{
	/* dmac may point into m's headroom, and m is freed before the last fragment leaves. */
	struct rte_ether_addr d = *dmac;
	uint32_t mtu = __atomic_load_n(&nic->mtu, __ATOMIC_RELAXED);

	if (ethertype == RTE_ETHER_TYPE_IPV4)
		frag4_output(ctx, nic, m, &d, mtu);
	else if (ethertype == RTE_ETHER_TYPE_IPV6)
		frag6_output(ctx, nic, m, &d, mtu);
	else
		frag_send(ctx, nic, m, &d, ethertype);
}
