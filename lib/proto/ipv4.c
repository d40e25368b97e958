/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 (RFC 791, RFC 1122 3.2.1): header validation, local delivery to ICMP, UDP and TCP.
 * Fragments for this host are reassembled first (frag.c).
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define IP4_MIN_HLEN 20

/*
 * RFC 1071: a header whose one's complement sum is all ones is intact. The common 20-byte
 * header in the first segment is summed as five 32-bit words; anything else goes the general
 * way.
 */
static inline bool
ip4_hdr_cksum_ok(const struct rte_mbuf *m, const void *hdr, uint32_t hlen)
{
	uint16_t s;

	if (likely(hlen == IP4_MIN_HLEN && rte_pktmbuf_data_len(m) >= IP4_MIN_HLEN)) {
		const uint8_t *h = hdr;
		uint64_t a, b, sum;
		uint32_t c;

		/*
		 * Unaligned loads straight into registers (the header sits at offset 14): copying
		 * the header to a stack array first made gcc reload it in pieces from a 16-byte
		 * store (a store-forwarding stall, 14% of the parser's samples).
		 */
		memcpy(&a, h, 8);
		memcpy(&b, h + 8, 8);
		memcpy(&c, h + 16, 4);
		sum = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
		sum = (sum & 0xffffffff) + (sum >> 32);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		return sum == 0xffff;
	}
	return dps_cksum_mbuf(m, 0, hlen, 0, &s) == 0 && s == 0xffff;
}

static void
ip4_parse_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
		struct dps_addr *src, struct dps_addr *dst, int *status)
{
	const unsigned int np4 = (unsigned int)dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV4);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t buf[60];
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_read(m, 0, IP4_MIN_HLEN, buf);
		uint32_t hlen, tlen;
		uint64_t ck;

		status[i] = -EBADMSG;
		if (unlikely(ip == NULL)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_IHL);
			continue;
		}
		/* RFC 791 3.1 / RFC 1122 3.2.1.1: version must be 4. */
		if (unlikely((ip->version_ihl >> 4) != 4)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_VERSION);
			continue;
		}
		/* RFC 791 3.1: IHL counts 32-bit words, at least 5; the header must be present. */
		hlen = (uint32_t)(ip->version_ihl & 0x0f) * 4;
		if (unlikely(hlen < IP4_MIN_HLEN || hlen > m->pkt_len)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_IHL);
			continue;
		}
		/* RFC 1122 3.2.1.1 (and RFC 1812 5.2.2): total length within the frame, >= IHL. */
		tlen = rte_be_to_cpu_16(ip->total_length);
		if (unlikely(tlen < hlen || tlen > m->pkt_len)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_LENGTH);
			continue;
		}
		/* RFC 1122 3.2.1.2: verify the header checksum, unless the PMD already did. */
		ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_CHECKSUM);
			continue;
		}
		if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && unlikely(!ip4_hdr_cksum_ok(m, ip, hlen))) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_CHECKSUM);
			continue;
		}
		/* Ethernet pads short frames: the packet ends where total length says. */
		if (tlen < m->pkt_len)
			dps_mbuf_trim_to(m, tlen);
		m->l3_len = hlen;
		dps_addr4(&src[i], &ip->src_addr);
		dps_addr4(&dst[i], &ip->dst_addr);
		/*
		 * RFC 1122 3.2.1.3: a multicast or broadcast source is invalid. 0.0.0.0 is legal
		 * ("this host on this network", e.g. a DHCP client) and goes on.
		 */
		status[i] = dps_ip4_is_multi(src[i].b) ? -EADDRNOTAVAIL : 0;
		/*
		 * RFC 1122 3.2.1.3 / RFC 1812 5.3.7: the subnet-directed broadcast of a connected
		 * subnet is no source either. As a destination it is ours (RFC 1122 3.3.6): the
		 * NIC layer is shown the limited broadcast, which every IPv4 NIC owns; the
		 * handler sees the real destination and treats it as a broadcast.
		 */
		if (unlikely(dps_ip4_subnet_bcast_rcu(nic, np4, src[i].b)))
			status[i] = -EADDRNOTAVAIL;
		else if (unlikely(dps_ip4_subnet_bcast_rcu(nic, np4, dst[i].b)))
			memset(dst[i].b, 0xff, 4);
	}
}

/*
 * RFC 791 3.1, RFC 1122 3.2.1.8: the options of a datagram for us are checked as strictly as
 * those of one we forward (dps_ip4_options_check: every option's length, the pointer of
 * Record Route, Timestamp and the source routes; unknown options are ignored). A malformed
 * one drops the datagram with Parameter Problem code 0 pointing at the faulty octet (RFC 1122
 * 3.2.2.5, RFC 1812 4.3.3.5), from the address it was sent to; icmp4_error_allowed applies
 * RFC 1122 3.2.2 (no error about a broadcast, multicast or ICMP error) and the rate limit.
 * Checked on every fragment, as it arrives: the first one's header becomes the datagram's.
 * Returns the verdict; DPS_IP4OPT_BAD has freed m.
 */
static int
ip4_local_options(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, uint32_t hlen)
{
	uint8_t h[60];
	uint32_t fault = 0;
	int v;

	if (dps_mbuf_copy(m, 0, hlen, h) < 0)
		return DPS_IP4OPT_OK; /* parse_burst saw hlen bytes: cannot happen */
	v = dps_ip4_options_check(h, hlen, &fault);
	if (likely(v != DPS_IP4OPT_BAD))
		return v;
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_BAD_OPTION);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_MALFORMED_RCVD);
	(void)dps_icmp4_error_ex(ctx, nic, m, DPS_ICMP4_PARAM_PROBLEM, 0, fault << 24, true);
	rte_pktmbuf_free(m);
	return DPS_IP4OPT_BAD;
}

static void
ip4_handle_one(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, uint8_t np)
{
	uint8_t buf[IP4_MIN_HLEN];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_read(m, 0, IP4_MIN_HLEN, buf);
	struct dps_pktinfo info;
	uint32_t hlen;

	if (unlikely(ip == NULL)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(ip->version_ihl != 0x45)) {
		int v = ip4_local_options(ctx, nic, m, (uint32_t)(ip->version_ihl & 0x0f) * 4);

		if (v == DPS_IP4OPT_BAD)
			return;
		/*
		 * RFC 791 3.1, RFC 1122 3.2.1.8: a source route that is not complete makes this
		 * only a hop: followed or refused before reassembly (each fragment carries the
		 * route).
		 */
		if (v == DPS_IP4OPT_SOURCE_ROUTE && dps_fwd4_source_route(ctx, nic, m))
			return;
	}
	/*
	 * RFC 791 3.2 / RFC 1122 3.3.2: a fragment waits for the rest of its datagram; the
	 * datagram it completes is delivered from here like any other.
	 */
	if (unlikely((ip->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)) {
		m = dps_frag4_input(ctx, nic, m);
		if (m == NULL)
			return;
		ip = rte_pktmbuf_read(m, 0, IP4_MIN_HLEN, buf);
		if (unlikely(ip == NULL)) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	hlen = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	info.nic = nic;
	info.netproto = RTE_ETHER_TYPE_IPV4;
	info.np = np;
	info.tproto = ip->next_proto_id;
	info.l4_off = (uint16_t)hlen;
	info.l4_len = m->pkt_len - hlen;
	dps_addr4(&info.local, &ip->dst_addr);
	dps_addr4(&info.remote, &ip->src_addr);
	/* RFC 1122 3.2.2: a link-layer broadcast counts as a broadcast destination too. */
	info.local_is_multi = dps_ip4_is_multi(info.local.b) ||
			      dps_rx_link_multicast(m) ||
			      dps_ip4_subnet_bcast_rcu(nic, np, info.local.b);
	info.sport = 0;
	info.dport = 0;

	switch (info.tproto) {
	case IPPROTO_ICMP:
		dps_icmp4_input(ctx, &info, m);
		break;
	case IPPROTO_UDP:
	case IPPROTO_TCP:
		dps_nic_deliver_transport(ctx, &info, m);
		break;
	case IPPROTO_IGMP:
		dps_igmp_input(ctx, &info, m);
		break;
	default:
		/* RFC 1122 3.2.2.1: protocol unreachable; the error rules are applied there. */
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP4_UNKNOWN_PROTOCOL);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_UNKNOWN_PROTOCOL_RCVD);
		(void)dps_icmp4_error_ex(ctx, nic, m, DPS_ICMP4_DEST_UNREACH,
					 DPS_ICMP4_PROTO_UNREACH, 0, true);
		rte_pktmbuf_free(m);
		break;
	}
}

static void
ip4_handle_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t np = (uint8_t)dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV4);

	for (uint16_t i = 0; i < n; i++)
		ip4_handle_one(ctx, nic, pkts[i], np);
}

static int
ip4_enable_locked(struct dps_nic *nic)
{
	/* The limited broadcast address is ours on every IPv4 NIC (RFC 1122 3.2.1.3(c)). */
	struct dps_prefix p = {.plen = 32};
	struct dps_addr g;
	int rc;

	dps_addr_from_ipv4(&p.addr, 0xffffffffu);
	rc = dps_nic_add_address_locked(nic, RTE_ETHER_TYPE_IPV4, &p, DPS_PEB_NEVER_PRIMARY);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	/*
	 * RFC 1112 4 / RFC 2236 2.1: every host is a member of all-systems 224.0.0.1 (general
	 * queries come there); it is never reported.
	 */
	dps_addr_from_ipv4(&g, 0xe0000001u);
	return dps_nic_join_group_locked(nic, RTE_ETHER_TYPE_IPV4, &g);
}

const struct dps_netproto_ops dps_ipv4_ops = {
	.name = "ipv4",
	.number = RTE_ETHER_TYPE_IPV4,
	.addr_len = 4,
	.default_prefix_len = 32,
	.is_ip = true,
	.min_size = IP4_MIN_HLEN,
	.parse_burst = ip4_parse_burst,
	.handle_burst = ip4_handle_burst,
	.forward_burst = dps_fwd4_burst,
	.solicited_group = NULL,
	.is_unicast = dps_ip4_is_unicast,
	.is_unspecified_or_broadcast = dps_ip4_is_unspec_or_bcast,
	.enable_locked = ip4_enable_locked,
	.solicit = dps_arp_solicit,
	.unresolved = dps_ip4_unresolved,
	.group_changed_locked = dps_mcast_group_changed_locked,
};
