/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv6 (RFC 8200): header validation, extension headers, local delivery to ICMPv6 (NDP
 * included), UDP and TCP. Fragments for this host are reassembled first (frag.c).
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define IP6_NH_OFF 6 /* offset of Next Header in the IPv6 header */

static bool
ip6_is_unicast(const struct dps_addr *a)
{
	return a->len == 16 && !dps_ip6_is_multi(a->b) && !dps_ip6_is_unspec(a->b);
}

static bool
ip6_is_unspec(const struct dps_addr *a)
{
	return a->len == 16 && dps_ip6_is_unspec(a->b);
}

static bool
ip6_solicited_group(const struct dps_addr *unicast, struct dps_addr *group)
{
	if (!ip6_is_unicast(unicast))
		return false;
	group->len = 16;
	dps_ip6_solicited(unicast->b, group->b);
	return true;
}

static inline bool
ip6_is_v4mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

static int
ip6_enable_locked(struct dps_nic *nic)
{
	/* RFC 4291 2.7.1 / RFC 4861 7.2.4: every node listens on all-nodes ff02::1. */
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	struct dps_addr g;

	dps_addr6(&g, all_nodes);
	return dps_nic_join_group_locked(nic, RTE_ETHER_TYPE_IPV6, &g);
}

static void
ip6_parse_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
		struct dps_addr *src, struct dps_addr *dst, int *status)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv6_hdr buf;
		const struct rte_ipv6_hdr *ip = rte_pktmbuf_read(m, 0, DPS_IP6_HLEN, &buf);
		uint32_t plen;

		status[i] = -EBADMSG;
		if (unlikely(ip == NULL)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_LENGTH);
			continue;
		}
		/* RFC 8200 3: version 6. */
		if (unlikely((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_VERSION);
			continue;
		}
		/* RFC 8200 3: the payload length must fit the frame; Ethernet padding is cut. */
		plen = rte_be_to_cpu_16(ip->payload_len);
		if (unlikely(DPS_IP6_HLEN + plen > m->pkt_len)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_LENGTH);
			continue;
		}
		if (DPS_IP6_HLEN + plen < m->pkt_len)
			dps_mbuf_trim_to(m, DPS_IP6_HLEN + plen);
		m->l3_len = DPS_IP6_HLEN;
		dps_addr6(&src[i], ip->src_addr);
		dps_addr6(&dst[i], ip->dst_addr);
		/*
		 * RFC 4291 2.7: a multicast address is never a source. :: is legal (DAD, RFC
		 * 4862). An IPv4-mapped address (::ffff:0:0/96, RFC 4291 2.5.5.2) names an IPv4
		 * node to an IPv6 API and is never a source on the wire (RFC 6890: not a valid
		 * source); a reply to one would leave as IPv6 for an IPv4 host.
		 */
		status[i] = dps_ip6_is_multi(ip->src_addr) || ip6_is_v4mapped(ip->src_addr)
				    ? -EADDRNOTAVAIL
				    : 0;
	}
}

/* Result of walking one packet's extension headers. */
enum ext_verdict {
	EXT_UPPER,   /* reached an upper-layer header */
	EXT_DROP,    /* drop silently (counted by the walker) */
	EXT_PARAM,   /* send a parameter problem (code, pointer) and drop */
};

/*
 * RFC 8200 4.2: process a Hop-by-Hop or Destination Options header's options. Returns
 * EXT_UPPER to go on.
 */
static enum ext_verdict
ip6_options(struct dps_ctx *ctx, struct dps_nic *nic, const struct rte_mbuf *m, uint32_t off,
	    uint32_t end, bool dst_multi, uint8_t *code, uint32_t *ptr, bool *allow_multi)
{
	uint32_t p = off + 2;

	while (p < end) {
		uint8_t opt[2];

		if (dps_mbuf_copy(m, p, 1, opt) < 0)
			break;
		if (opt[0] == 0) { /* Pad1 */
			p++;
			continue;
		}
		if (p + 2 > end || dps_mbuf_copy(m, p, 2, opt) < 0 || p + 2 + opt[1] > end) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
			return EXT_DROP;
		}
		/* PadN (1) and Router Alert (5, RFC 2711) are known and need no action here. */
		if (opt[0] != 1 && opt[0] != 5) {
			/* RFC 8200 4.2: the two high-order bits say what to do with an unknown one. */
			switch (opt[0] >> 6) {
			case 0: /* skip over this option */
				break;
			case 1: /* discard the packet */
				dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
				return EXT_DROP;
			case 2: /* discard, Parameter Problem code 2 even to a multicast dst */
				dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
				*code = DPS_ICMP6_PARAM_OPTION;
				*ptr = p;
				*allow_multi = true;
				return EXT_PARAM;
			default: /* 3: discard, Parameter Problem code 2 unless the dst is multicast */
				dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
				if (dst_multi)
					return EXT_DROP;
				*code = DPS_ICMP6_PARAM_OPTION;
				*ptr = p;
				*allow_multi = false;
				return EXT_PARAM;
			}
		}
		p += 2 + (uint32_t)opt[1];
	}
	return EXT_UPPER;
}

static void
ip6_handle_one(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, uint8_t np,
	       bool reassembled)
{
	struct rte_ipv6_hdr buf;
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_read(m, 0, DPS_IP6_HLEN, &buf);
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	struct dps_pktinfo info;
	uint32_t off = DPS_IP6_HLEN, nh_off = IP6_NH_OFF;
	uint8_t nh, hlim, code = 0;
	uint32_t ptr = 0;
	bool allow_multi = false;
	enum ext_verdict v = EXT_UPPER;

	if (unlikely(ip == NULL)) {
		rte_pktmbuf_free(m);
		return;
	}
	nh = ip->proto;
	hlim = ip->hop_limits;
	dps_addr6(&info.local, ip->dst_addr);
	dps_addr6(&info.remote, ip->src_addr);
	info.local_is_multi = dps_ip6_is_multi(info.local.b);

	for (int i = 0; i < DPS_IP6_MAX_EXT && v == EXT_UPPER; i++) {
		uint8_t e[8];
		uint32_t len;

		if (nh != DPS_IP6_NH_HOPOPTS && nh != DPS_IP6_NH_ROUTING &&
		    nh != DPS_IP6_NH_FRAGMENT && nh != DPS_IP6_NH_DSTOPTS && nh != DPS_IP6_NH_NONE)
			break;
		if (nh == DPS_IP6_NH_NONE) {
			/* RFC 8200 4.7: nothing follows; nothing to deliver. */
			rte_pktmbuf_free(m);
			return;
		}
		if (dps_mbuf_copy(m, off, 8, e) < 0) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
			v = EXT_DROP;
			break;
		}
		len = nh == DPS_IP6_NH_FRAGMENT ? 8 : ((uint32_t)e[1] + 1) * 8;
		if (off + len > m->pkt_len) {
			/* RFC 8200 4: a header running past the payload; pointer at its length. */
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
			v = EXT_PARAM;
			code = DPS_ICMP6_PARAM_HEADER;
			ptr = off + 1;
			break;
		}
		switch (nh) {
		case DPS_IP6_NH_HOPOPTS:
			/* RFC 8200 4.1: Hop-by-Hop only right after the IPv6 header. */
			if (off != DPS_IP6_HLEN) {
				dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
				v = EXT_PARAM;
				code = DPS_ICMP6_PARAM_NEXTHDR;
				ptr = nh_off;
				break;
			}
			v = ip6_options(ctx, nic, m, off, off + len, info.local_is_multi, &code, &ptr,
					&allow_multi);
			break;
		case DPS_IP6_NH_DSTOPTS:
			v = ip6_options(ctx, nic, m, off, off + len, info.local_is_multi, &code, &ptr,
					&allow_multi);
			break;
		case DPS_IP6_NH_ROUTING:
			/*
			 * RFC 8200 4.4: with Segments Left 0 the header is ignored; otherwise we
			 * recognise no routing type (type 0 is deprecated, RFC 5095): Parameter
			 * Problem code 0 pointing at the Routing Type.
			 */
			if (e[3] != 0) {
				dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_BAD_EXTHDR);
				v = EXT_PARAM;
				code = DPS_ICMP6_PARAM_HEADER;
				ptr = off + 2;
			}
			break;
		case DPS_IP6_NH_FRAGMENT:
			/*
			 * An atomic fragment (offset 0, M clear) is processed as the whole packet
			 * it is (RFC 6946 4). Any other waits for its datagram (RFC 8200 4.5),
			 * which then starts over here; a fragment inside a reassembled datagram
			 * is not reassembled again.
			 */
			if ((((uint16_t)e[2] << 8 | e[3]) & 0xfff9) != 0) {
				if (reassembled) {
					dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_FRAGMENTS);
					rte_pktmbuf_free(m);
					return;
				}
				m = dps_frag6_input(ctx, nic, m, off);
				if (m != NULL)
					ip6_handle_one(ctx, nic, m, np, true);
				return;
			}
			break;
		}
		nh_off = off;
		nh = e[0];
		off += len;
	}
	if (v == EXT_DROP) {
		rte_pktmbuf_free(m);
		return;
	}
	if (v == EXT_PARAM) {
		(void)dps_icmp6_error_ex(ctx, nic, m, DPS_ICMP6_PARAM_PROBLEM, code, ptr, true,
					 allow_multi);
		rte_pktmbuf_free(m);
		return;
	}

	info.nic = nic;
	info.netproto = RTE_ETHER_TYPE_IPV6;
	info.np = np;
	info.tproto = nh;
	info.l4_off = (uint16_t)off;
	info.l4_len = m->pkt_len - off;
	info.local_is_multi = info.local_is_multi ||
			      (eh != NULL && rte_is_multicast_ether_addr(&eh->dst_addr));
	info.sport = 0;
	info.dport = 0;
	switch (nh) {
	case DPS_IP6_NH_ICMPV6:
		dps_icmp6_input(ctx, &info, m, hlim);
		break;
	case IPPROTO_UDP:
	case IPPROTO_TCP:
		dps_nic_deliver_transport(ctx, &info, m);
		break;
	default:
		/* RFC 8200 4: unrecognised Next Header: Parameter Problem code 1 pointing at it. */
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_UNKNOWN_NEXTHDR);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_UNKNOWN_PROTOCOL_RCVD);
		(void)dps_icmp6_error_ex(ctx, nic, m, DPS_ICMP6_PARAM_PROBLEM,
					 DPS_ICMP6_PARAM_NEXTHDR, nh_off, true, false);
		rte_pktmbuf_free(m);
		break;
	}
}

static void
ip6_handle_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t np = (uint8_t)dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV6);

	for (uint16_t i = 0; i < n; i++)
		ip6_handle_one(ctx, nic, pkts[i], np, false);
}


const struct dps_netproto_ops dps_ipv6_ops = {
	.name = "ipv6",
	.number = RTE_ETHER_TYPE_IPV6,
	.addr_len = 16,
	.default_prefix_len = 128,
	.is_ip = true,
	.min_size = DPS_IP6_HLEN,
	.parse_burst = ip6_parse_burst,
	.handle_burst = ip6_handle_burst,
	.forward_burst = dps_fwd6_burst,
	.solicited_group = ip6_solicited_group,
	.is_unicast = ip6_is_unicast,
	.is_unspecified_or_broadcast = ip6_is_unspec,
	.enable_locked = ip6_enable_locked,
	.solicit = dps_ndp_solicit,
	.unresolved = dps_ip6_unresolved,
	.group_changed_locked = dps_mcast_group_changed_locked,
	.address_added_locked = dps_dad_address_added_locked,
};
