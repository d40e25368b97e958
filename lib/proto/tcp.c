/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP without connections (RFC 9293): every port is closed, so a segment gets the reset of
 * RFC 9293 3.10.7.1 ("If the state is CLOSED"), built in place in the received mbuf.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define TCP_HLEN 20

static int
tcp_validate(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct rte_tcp_hdr th;
	uint32_t doff;
	uint64_t ck;

	if (info->l4_len < TCP_HLEN || dps_mbuf_copy(m, info->l4_off, TCP_HLEN, &th) < 0)
		goto bad;
	/* RFC 9293 3.1: Data Offset counts 32-bit words, at least 5, within the segment. */
	doff = (uint32_t)(th.data_off >> 4) * 4;
	if (doff < TCP_HLEN || doff > info->l4_len)
		goto bad;
	/* RFC 9293 3.1 / RFC 1122 4.2.2.7: verify the checksum (pseudo-header included). */
	ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 0;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    !dps_cksum_l4_ok(m, info->l4_off, info->l4_len, &info->remote, &info->local,
			     IPPROTO_TCP))
		goto bad;
	return 0;
bad:
	dps_cnt_inc(ctx, info->nic->id, DPS_CNT_TCP_MALFORMED);
	return -EBADMSG;
}

static bool
tcp_unknown_destination(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct dps_nic *nic = info->nic;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	bool v4 = info->netproto == RTE_ETHER_TYPE_IPV4;
	uint32_t hlen = v4 ? 20 : 40;
	struct rte_ether_addr dmac;
	struct rte_tcp_hdr th, *rt;
	uint32_t seg_len, seq, ack;
	uint8_t *p;

	if (dps_mbuf_copy(m, info->l4_off, TCP_HLEN, &th) < 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	/*
	 * RFC 9293 3.10.7.1: "An incoming segment containing a RST is discarded". No reset to a
	 * broadcast or multicast destination (RFC 1122 4.2.3.10), nor from/to an unspecified
	 * address.
	 */
	if ((th.tcp_flags & RTE_TCP_RST_FLAG) != 0 || info->local_is_multi || eh == NULL ||
	    (v4 ? dps_ip4_is_zero(info->remote.b) || dps_ip4_is_multi(info->remote.b)
		: dps_ip6_is_unspec(info->remote.b))) {
		rte_pktmbuf_free(m);
		return true;
	}
	dmac = eh->src_addr;
	/* SEG.LEN counts the data and the SYN and FIN flags (RFC 9293 3.4). */
	seg_len = info->l4_len - (uint32_t)(th.data_off >> 4) * 4;
	if (th.tcp_flags & RTE_TCP_SYN_FLAG)
		seg_len++;
	if (th.tcp_flags & RTE_TCP_FIN_FLAG)
		seg_len++;
	/*
	 * RFC 9293 3.10.7.1: "If the ACK bit is off, sequence number zero is used,
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; if the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>".
	 */
	if (th.tcp_flags & RTE_TCP_ACK_FLAG) {
		seq = rte_be_to_cpu_32(th.recv_ack);
		ack = 0;
	} else {
		seq = 0;
		ack = rte_be_to_cpu_32(th.sent_seq) + seg_len;
	}
	/* Rebuild the packet in the same mbuf: no options, no payload. */
	p = dps_mbuf_reuse(m, (uint16_t)(hlen + TCP_HLEN));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return true;
	}
	rt = (struct rte_tcp_hdr *)(p + hlen);
	rt->src_port = th.dst_port;
	rt->dst_port = th.src_port;
	rt->sent_seq = rte_cpu_to_be_32(seq);
	rt->recv_ack = rte_cpu_to_be_32(ack);
	rt->data_off = (TCP_HLEN / 4) << 4;
	rt->tcp_flags = (th.tcp_flags & RTE_TCP_ACK_FLAG) ? RTE_TCP_RST_FLAG
							 : (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	rt->rx_win = 0;
	rt->cksum = 0;
	rt->tcp_urp = 0;
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + TCP_HLEN));
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = DPS_IP4_TTL;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, info->local.b, 4);
		memcpy(&ip->dst_addr, info->remote.b, 4);
		dps_ip4_set_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(TCP_HLEN);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = DPS_IP6_HLIM;
		memcpy(ip->src_addr, info->local.b, 16);
		memcpy(ip->dst_addr, info->remote.b, 16);
	}
	rt->cksum = dps_cksum_l4(m, hlen, TCP_HLEN, &info->local, &info->remote, IPPROTO_TCP);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_TCP_RESETS_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, nic, m, &dmac, info->netproto);
	return true;
}

const struct dps_transproto_ops dps_tcp_ops = {
	.name = "tcp",
	.number = IPPROTO_TCP,
	.min_size = TCP_HLEN,
	.parse_ports = dps_l4_parse_ports,
	.handle_unknown_destination = tcp_unknown_destination,
	.validate = tcp_validate,
};
