/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMPv6 (RFC 4443) and Neighbor Discovery address resolution (RFC 4861 4.3, 4.4, 7):
 * echo replies in place, neighbour solicitations answered with advertisements, link addresses
 * learned from NS/NA, errors received passed to transport endpoints, errors sent under the
 * RFC 4443 2.4 rules and a rate limit.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_neigh.h"
#include "dps_proto.h"
#include "dps_proto_priv.h"

#define ICMP6_HLEN 8

enum {
	ICMP6_ECHO_REQUEST = 128,
	ICMP6_ECHO_REPLY = 129,
	ND_ROUTER_SOLICIT = 133,
	ND_REDIRECT = 137,
	ND_NEIGHBOR_SOLICIT = 135,
	ND_NEIGHBOR_ADVERT = 136,
	ND_OPT_SLLA = 1,
	ND_OPT_TLLA = 2,
};

#define ND_NA_FLAG_ROUTER 0x80000000u
#define ND_NA_FLAG_SOLICITED 0x40000000u
#define ND_NA_FLAG_OVERRIDE 0x20000000u

/* Neighbor Solicitation / Advertisement (RFC 4861 4.3, 4.4). */
struct nd_msg {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	uint32_t flags; /* NA: R, S, O; NS: reserved */
	uint8_t target[16];
} __rte_packed;

struct nd_opt_lla {
	uint8_t type;
	uint8_t len; /* units of 8 bytes */
	struct rte_ether_addr mac;
};

#define ND_LEN ((uint16_t)sizeof(struct nd_msg))
#define ND_OPT_LEN ((uint16_t)sizeof(struct nd_opt_lla))

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static bool
ip6_is_solicited_group(const uint8_t *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	return memcmp(a, pfx, 13) == 0;
}

static void
ip6_hdr_fill(struct rte_ipv6_hdr *ip, uint16_t plen, uint8_t hlim, const uint8_t *src,
	     const uint8_t *dst)
{
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
}

/* ---- echo (RFC 4443 4.1, 4.2) ---- */

static void
icmp6_echo(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct dps_nic *nic = info->nic;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	struct rte_ether_addr dmac;
	struct dps_addr src;
	struct rte_ipv6_hdr *ip;
	uint8_t hdr[4];
	uint32_t l4_len = info->l4_len;
	uint16_t ck;

	dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_ECHO_RCVD);
	if (eh == NULL || dps_ip6_is_unspec(info->remote.b)) {
		rte_pktmbuf_free(m);
		return;
	}
	dmac = eh->src_addr;
	/*
	 * RFC 4443 4.2: a reply to a request sent to a multicast address SHOULD come from a
	 * unicast address of the interface; otherwise from the address the request was sent to.
	 */
	if (dps_ip6_is_multi(info->local.b)) {
		if (dps_primary_src(nic, RTE_ETHER_TYPE_IPV6, &src) < 0) {
			rte_pktmbuf_free(m);
			return;
		}
	} else {
		src = info->local;
	}
	/* The reply carries no extension headers: drop them by moving the IPv6 header up. */
	if (info->l4_off != DPS_IP6_HLEN) {
		uint8_t *d;

		if (info->l4_off > m->data_len) {
			rte_pktmbuf_free(m);
			return;
		}
		d = rte_pktmbuf_mtod(m, uint8_t *);
		memmove(d + info->l4_off - DPS_IP6_HLEN, d, DPS_IP6_HLEN);
		rte_pktmbuf_adj(m, (uint16_t)(info->l4_off - DPS_IP6_HLEN));
	}
	if (m->data_len < DPS_IP6_HLEN + 4) {
		rte_pktmbuf_free(m);
		return;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	ip6_hdr_fill(ip, (uint16_t)l4_len, DPS_IP6_HLIM, src.b, info->remote.b);
	memcpy(hdr, ip + 1, 4);
	if (dps_addr_eq(&src, &info->local)) {
		/* Same pseudo-header sum (addresses swapped): adjust for the type (RFC 1624). */
		uint8_t nhdr[4] = {ICMP6_ECHO_REPLY, 0, hdr[2], hdr[3]};
		uint16_t old_cks;

		memcpy(&old_cks, hdr + 2, 2);
		ck = dps_cksum_adjust(old_cks, hdr, nhdr, 2);
		memcpy(nhdr + 2, &ck, 2);
		memcpy(ip + 1, nhdr, 4);
	} else {
		uint8_t nhdr[4] = {ICMP6_ECHO_REPLY, 0, 0, 0};

		memcpy(ip + 1, nhdr, 4);
		ck = dps_cksum_l4(m, DPS_IP6_HLEN, l4_len, &src, &info->remote, IPPROTO_ICMPV6);
		memcpy((uint8_t *)(ip + 1) + 2, &ck, 2);
	}
	dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_ECHO_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, nic, m, &dmac, RTE_ETHER_TYPE_IPV6);
}

/* ---- errors received (RFC 4443 3, RFC 1122 4.1.3.3 by analogy) ---- */

static void
icmp6_error_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m,
		  const uint8_t *hdr8)
{
	uint32_t qoff = info->l4_off + ICMP6_HLEN;
	struct rte_ipv6_hdr qbuf;
	const struct rte_ipv6_hdr *q;
	enum dps_control_type ct = DPS_CONTROL_UNKNOWN;
	struct dps_addr local, remote;
	uint32_t extra = 0;
	uint8_t proto;
	int off;

	dps_cnt_inc(ctx, info->nic->id, DPS_CNT_ICMP6_ERRORS_RCVD);
	q = rte_pktmbuf_read(m, qoff, DPS_IP6_HLEN, &qbuf);
	if (q == NULL || (rte_be_to_cpu_32(q->vtc_flow) >> 28) != 6)
		goto out;
	off = dps_ip6_upper(m, qoff, &proto);
	if (off < 0 || (proto != IPPROTO_UDP && proto != IPPROTO_TCP))
		goto out;
	if (hdr8[0] == DPS_ICMP6_DEST_UNREACH && hdr8[1] == DPS_ICMP6_PORT_UNREACH) {
		ct = DPS_CONTROL_PORT_UNREACHABLE;
	} else if (hdr8[0] == DPS_ICMP6_PACKET_TOO_BIG) {
		uint32_t mtu;

		memcpy(&mtu, hdr8 + 4, 4);
		ct = DPS_CONTROL_PACKET_TOO_BIG;
		extra = rte_be_to_cpu_32(mtu);
	}
	dps_addr6(&local, q->src_addr);
	dps_addr6(&remote, q->dst_addr);
	dps_nic_deliver_transport_control(ctx, info->nic, &local, &remote, RTE_ETHER_TYPE_IPV6,
					  proto, ct, extra, m, (uint32_t)off);
out:
	rte_pktmbuf_free(m);
}

/* ---- Neighbor Discovery ---- */

/*
 * RFC 4861 7.1.1 / 7.1.2 validation common to NS and NA (the checksum was checked by the
 * caller): hop limit 255 (the message cannot have crossed a router), code 0, length, target
 * not multicast, every option of non-zero length within the message. Returns the source or
 * target link-layer address option found (lla_type) in *lla, or -1 when invalid.
 */
static int
nd_validate(const struct dps_pktinfo *info, const struct rte_mbuf *m, uint8_t hlim,
	    struct nd_msg *nd, uint8_t lla_type, struct rte_ether_addr *lla, bool *has_lla)
{
	uint32_t p, end = info->l4_off + info->l4_len;

	*has_lla = false;
	if (hlim != 255 || info->l4_len < ND_LEN ||
	    dps_mbuf_copy(m, info->l4_off, ND_LEN, nd) < 0 || nd->code != 0 ||
	    dps_ip6_is_multi(nd->target))
		return -1;
	for (p = info->l4_off + ND_LEN; p < end;) {
		uint8_t o[2];
		uint32_t olen;

		if (p + 2 > end || dps_mbuf_copy(m, p, 2, o) < 0 || o[1] == 0)
			return -1;
		olen = (uint32_t)o[1] * 8;
		if (p + olen > end)
			return -1;
		if (o[0] == lla_type && olen == 8) {
			struct nd_opt_lla opt;

			if (dps_mbuf_copy(m, p, ND_OPT_LEN, &opt) < 0)
				return -1;
			*lla = opt.mac;
			*has_lla = true;
		}
		p += olen;
	}
	return 0;
}

static void
ndp_ns_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m, uint8_t hlim)
{
	struct dps_nic *nic = info->nic;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	struct rte_ether_addr slla, dmac;
	struct dps_addr target;
	struct nd_msg ns;
	struct dps_endpoint *tep;
	bool has_slla, unspec = dps_ip6_is_unspec(info->remote.b);
	struct rte_ipv6_hdr *ip;
	struct nd_msg *na;
	struct nd_opt_lla *opt;
	const uint8_t *dst;
	uint32_t flags;
	struct dps_addr dsta;

	if (nd_validate(info, m, hlim, &ns, ND_OPT_SLLA, &slla, &has_slla) < 0 ||
	    /* RFC 4861 7.1.1: from ::, only to a solicited-node group and without SLLA. */
	    (unspec && (!ip6_is_solicited_group(info->local.b) || has_slla))) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_INVALID);
		rte_pktmbuf_free(m);
		return;
	}
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_NS_RCVD);
	dps_addr6(&target, ns.target);
	/*
	 * RFC 4862 5.4.3: a solicitation for a tentative address is never answered; one from ::
	 * is another node's DAD for it: ours is a duplicate (not our own probe looped back).
	 */
	tep = dps_nic_endpoint_rcu(nic, &target);
	if (unlikely(tep != NULL && __atomic_load_n(&tep->dad, __ATOMIC_ACQUIRE) != 0)) {
		if (unspec && eh != NULL && !rte_is_same_ether_addr(&eh->src_addr, &nic->mac))
			dps_dad_duplicate(ctx, nic, tep);
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 4861 7.2.3: answer only for a target address assigned to the interface. */
	if (dps_nic_rx_lookup_rcu(nic, &target) == DPS_RX_NONE || eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 4861 7.2.3: the SLLA of a solicitation from a unicast source updates the cache. */
	if (!unspec && has_slla && rte_is_unicast_ether_addr(&slla))
		dps_neigh_update(ctx, nic, &info->remote, &slla, DPS_NEIGH_F_CREATE);

	/*
	 * RFC 4861 7.2.4: the advertisement goes to the solicitation's source with S set, or to
	 * all-nodes with S clear when the source was unspecified; O set (the address is ours),
	 * R when we route; the target link-layer option carries our MAC.
	 */
	if (unspec) {
		dst = all_nodes;
		dps_ip6_mcast_mac(all_nodes, &dmac);
		flags = ND_NA_FLAG_OVERRIDE;
	} else {
		dst = info->remote.b;
		dmac = has_slla && rte_is_unicast_ether_addr(&slla) ? slla : eh->src_addr;
		flags = ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE;
	}
	if (dps_stack_forwarding(nic->stack) && dps_nic_forwarding(nic))
		flags |= ND_NA_FLAG_ROUTER;
	dps_addr6(&dsta, dst);
	ip = dps_mbuf_reuse(m, DPS_IP6_HLEN + ND_LEN + ND_OPT_LEN);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	ip6_hdr_fill(ip, ND_LEN + ND_OPT_LEN, 255, target.b, dsta.b);
	na = (struct nd_msg *)(ip + 1);
	na->type = ND_NEIGHBOR_ADVERT;
	na->code = 0;
	na->cksum = 0;
	na->flags = rte_cpu_to_be_32(flags);
	memcpy(na->target, target.b, 16);
	opt = (struct nd_opt_lla *)(na + 1);
	opt->type = ND_OPT_TLLA;
	opt->len = 1;
	opt->mac = nic->mac;
	na->cksum = dps_cksum_l4(m, DPS_IP6_HLEN, ND_LEN + ND_OPT_LEN, &target, &dsta,
				 IPPROTO_ICMPV6);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_NA_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_eth_output(ctx, nic, m, &dmac, RTE_ETHER_TYPE_IPV6);
}

static void
ndp_na_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m, uint8_t hlim)
{
	struct dps_nic *nic = info->nic;
	struct rte_ether_addr tlla;
	struct dps_addr target;
	struct nd_msg na;
	struct dps_endpoint *tep;
	bool has_tlla;

	/* RFC 4861 7.1.2: also, to a multicast destination the Solicited flag must be clear. */
	if (nd_validate(info, m, hlim, &na, ND_OPT_TLLA, &tlla, &has_tlla) < 0 ||
	    (dps_ip6_is_multi(info->local.b) &&
	     (na.flags & rte_cpu_to_be_32(ND_NA_FLAG_SOLICITED)) != 0)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_INVALID);
		rte_pktmbuf_free(m);
		return;
	}
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_NA_RCVD);
	dps_addr6(&target, na.target);
	/* RFC 4862 5.4.4: an advertisement for a tentative address of ours: it is a duplicate. */
	tep = dps_nic_endpoint_rcu(nic, &target);
	if (unlikely(tep != NULL && __atomic_load_n(&tep->dad, __ATOMIC_ACQUIRE) != 0)) {
		dps_dad_duplicate(ctx, nic, tep);
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * RFC 4861 7.2.5: the target's link-layer address, when given, resolves an INCOMPLETE
	 * entry; an existing one takes it only with Override (or when it is the same), and
	 * Solicited confirms reachability. No entry: nothing is created.
	 */
	if (has_tlla && rte_is_unicast_ether_addr(&tlla)) {
		unsigned int f = DPS_NEIGH_F_ADVERT;

		if (na.flags & rte_cpu_to_be_32(ND_NA_FLAG_SOLICITED))
			f |= DPS_NEIGH_F_SOLICITED;
		if (na.flags & rte_cpu_to_be_32(ND_NA_FLAG_OVERRIDE))
			f |= DPS_NEIGH_F_OVERRIDE;
		dps_neigh_update(ctx, nic, &target, &tlla, f);
	}
	rte_pktmbuf_free(m);
}

static bool
icmp6_is_ndp(uint8_t type)
{
	return type >= ND_ROUTER_SOLICIT && type <= ND_REDIRECT;
}

void
dps_icmp6_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m, uint8_t hlim)
{
	struct dps_nic *nic = info->nic;
	uint8_t h[ICMP6_HLEN] = {0};

	if (info->l4_len < 4 || dps_mbuf_copy(m, info->l4_off, 4, h) < 0) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_BAD);
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 4443 2.3: verify the checksum (pseudo-header included) of every message. */
	if (!dps_cksum_l4_ok(m, info->l4_off, info->l4_len, &info->remote, &info->local,
			     IPPROTO_ICMPV6)) {
		dps_cnt_inc(ctx, nic->id, icmp6_is_ndp(h[0]) ? DPS_CNT_NDP_INVALID : DPS_CNT_ICMP6_BAD);
		rte_pktmbuf_free(m);
		return;
	}
	switch (h[0]) {
	case ICMP6_ECHO_REQUEST:
		if (info->l4_len < ICMP6_HLEN) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_BAD);
			rte_pktmbuf_free(m);
			return;
		}
		icmp6_echo(ctx, info, m);
		return;
	case ICMP6_ECHO_REPLY:
		dps_icmp_echo_reply_input(ctx, info, m);
		return;
	case DPS_ICMP6_DEST_UNREACH:
	case DPS_ICMP6_PACKET_TOO_BIG:
	case DPS_ICMP6_TIME_EXCEEDED:
	case DPS_ICMP6_PARAM_PROBLEM:
		if (info->l4_len < ICMP6_HLEN || dps_mbuf_copy(m, info->l4_off, ICMP6_HLEN, h) < 0) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_BAD);
			rte_pktmbuf_free(m);
			return;
		}
		icmp6_error_input(ctx, info, m, h);
		return;
	case ND_NEIGHBOR_SOLICIT:
		ndp_ns_input(ctx, info, m, hlim);
		return;
	case ND_NEIGHBOR_ADVERT:
		ndp_na_input(ctx, info, m, hlim);
		return;
	case ND_ROUTER_SOLICIT:
		/* RFC 4861 6.1.1: hop limit 255, code 0, at least 8 bytes. */
		if (hlim == 255 && h[1] == 0 && info->l4_len >= 8)
			dps_ra_solicited(ctx, nic);
		else
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_INVALID);
		rte_pktmbuf_free(m);
		return;
	case 130: /* MLD query, report, done (RFC 2710 3) */
	case 131:
	case 132:
		dps_mld_input(ctx, info, m, hlim);
		return;
	default:
		/* RFC 4443 2.4(a): an error message of unknown type (0-127) goes to the upper layer. */
		if (h[0] < 128 && info->l4_len >= ICMP6_HLEN &&
		    dps_mbuf_copy(m, info->l4_off, ICMP6_HLEN, h) == 0) {
			icmp6_error_input(ctx, info, m, h);
			return;
		}
		/*
		 * Router discovery, redirects, MLD: not used by this stack. RFC 4443
		 * 2.4(b): unknown informational messages are silently discarded. A router
		 * never acts on a redirect (RFC 4861 8.1): counted apart.
		 */
		dps_cnt_inc(ctx, nic->id, h[0] == ND_REDIRECT ? DPS_CNT_ICMP6_REDIRECTS_RCVD :
								DPS_CNT_ICMP6_OTHER);
		rte_pktmbuf_free(m);
		return;
	}
}

/* ---- solicitation (RFC 4861 7.2.2) ---- */

int
dps_ndp_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
		const struct rte_ether_addr *ucast)
{
	struct dps_addr src, group;
	struct rte_ether_addr dmac;
	struct rte_ipv6_hdr *ip;
	struct nd_msg *ns;
	struct nd_opt_lla *opt;
	struct rte_mbuf *m;
	int rc;

	if (target->len != 16 || dps_ip6_is_multi(target->b))
		return -EINVAL;
	rc = dps_primary_src(nic, RTE_ETHER_TYPE_IPV6, &src);
	if (rc < 0)
		return rc;
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(m, DPS_IP6_HLEN + ND_LEN + ND_OPT_LEN);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	/*
	 * To the target's solicited-node group, hop limit 255, with our link-layer address; a
	 * probe of a cached entry goes to the target itself (RFC 4861 7.2.2, 7.3.3).
	 */
	group.len = 16;
	if (ucast != NULL)
		memcpy(group.b, target->b, 16);
	else
		dps_ip6_solicited(target->b, group.b);
	ip6_hdr_fill(ip, ND_LEN + ND_OPT_LEN, 255, src.b, group.b);
	ns = (struct nd_msg *)(ip + 1);
	ns->type = ND_NEIGHBOR_SOLICIT;
	ns->code = 0;
	ns->cksum = 0;
	ns->flags = 0;
	memcpy(ns->target, target->b, 16);
	opt = (struct nd_opt_lla *)(ns + 1);
	opt->type = ND_OPT_SLLA;
	opt->len = 1;
	opt->mac = nic->mac;
	ns->cksum = dps_cksum_l4(m, DPS_IP6_HLEN, ND_LEN + ND_OPT_LEN, &src, &group,
				 IPPROTO_ICMPV6);
	if (ucast != NULL)
		dmac = *ucast;
	else
		dps_ip6_mcast_mac(group.b, &dmac);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_NS_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_eth_output(ctx, nic, m, &dmac, RTE_ETHER_TYPE_IPV6);
	return 0;
}

/* ---- errors sent (RFC 4443 2.4) ---- */

static int
icmp6_error_send(struct dps_ctx *ctx, struct dps_nic *out_nic, const struct rte_ether_addr *dmac,
		 const struct rte_mbuf *orig, uint8_t type, uint8_t code, uint32_t extra,
		 bool local_src, bool allow_multi)
{
	struct rte_ipv6_hdr obuf;
	const struct rte_ipv6_hdr *oip = rte_pktmbuf_read(orig, 0, DPS_IP6_HLEN, &obuf);
	struct rte_ether_addr dst = *dmac;
	struct dps_addr src, odst, osrc;
	struct rte_mbuf *m;
	struct rte_ipv6_hdr *ip;
	uint8_t *ih;
	uint32_t qlen, room, be_extra = rte_cpu_to_be_32(extra);
	uint16_t ck;
	uint8_t proto;
	int off, rc;

	if (oip == NULL || (rte_be_to_cpu_32(oip->vtc_flow) >> 28) != 6)
		return -EINVAL;
	dps_addr6(&odst, oip->dst_addr);
	dps_addr6(&osrc, oip->src_addr);
	/* RFC 4443 2.4(e.6): never to a source that does not identify a single node. */
	if (dps_ip6_is_unspec(osrc.b) || dps_ip6_is_multi(osrc.b))
		return -EPERM;
	/* RFC 4443 2.4(e.3, e.4): not about a multicast packet, but for the two exceptions. */
	if (!allow_multi && (dps_ip6_is_multi(odst.b) ||
			     dps_rx_link_multicast(orig)))
		return -EPERM;
	/* RFC 4443 2.4(e.1, e.2): never about an ICMPv6 error or a redirect. */
	off = dps_ip6_upper(orig, 0, &proto);
	if (off >= 0 && proto == IPPROTO_ICMPV6) {
		uint8_t t;

		if (dps_mbuf_copy(orig, (uint32_t)off, 1, &t) < 0 || t < 128 || t == ND_REDIRECT)
			return -EPERM;
	}
	/* RFC 4443 2.4(f): rate limit. */
	if (!dps_ctx_icmp_allow(ctx, 1)) {
		dps_cnt_inc(ctx, out_nic->id, DPS_CNT_ICMP6_ERRORS_RATELIMITED);
		return -EBUSY;
	}
	/* RFC 4443 2.2: the destination of the packet if it was ours and unicast. */
	if ((local_src && !dps_ip6_is_multi(odst.b) && !dps_ip6_is_unspec(odst.b)) ||
	    dps_nic_owns_rcu(out_nic, &odst)) {
		src = odst;
	} else {
		rc = dps_primary_src(out_nic, RTE_ETHER_TYPE_IPV6, &src);
		if (rc < 0) {
			dps_cnt_inc(ctx, out_nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
			return -EADDRNOTAVAIL;
		}
	}
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, out_nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	/* RFC 4443 2.4(c): as much of the invoking packet as fits the minimum MTU. */
	room = rte_pktmbuf_tailroom(m);
	if (room < DPS_IP6_HLEN + ICMP6_HLEN + 8) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	qlen = RTE_MIN(orig->pkt_len, (uint32_t)DPS_ICMP6_ERR_MAX - DPS_IP6_HLEN - ICMP6_HLEN);
	qlen = RTE_MIN(qlen, room - DPS_IP6_HLEN - ICMP6_HLEN);
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(
		m, (uint16_t)(DPS_IP6_HLEN + ICMP6_HLEN + qlen));
	ih = (uint8_t *)(ip + 1);
	if (dps_mbuf_copy(orig, 0, qlen, ih + ICMP6_HLEN) < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	ih[0] = type;
	ih[1] = code;
	ih[2] = 0;
	ih[3] = 0;
	memcpy(ih + 4, &be_extra, 4);
	ip6_hdr_fill(ip, (uint16_t)(ICMP6_HLEN + qlen), DPS_IP6_HLIM, src.b, osrc.b);
	ck = dps_cksum_l4(m, DPS_IP6_HLEN, ICMP6_HLEN + qlen, &src, &osrc, IPPROTO_ICMPV6);
	memcpy(ih + 2, &ck, 2);
	dps_cnt_inc(ctx, out_nic->id, DPS_CNT_ICMP6_ERRORS_SENT);
	dps_cnt_inc(ctx, out_nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, out_nic, m, &dst, RTE_ETHER_TYPE_IPV6);
	return 0;
}

int
dps_icmp6_redirect(struct dps_ctx *ctx, struct dps_nic *nic, const struct rte_mbuf *orig,
		   const uint8_t *target, const struct rte_ether_addr *tmac)
{
	/* fe80::/10 (RFC 4291 2.5.6) */
	static const struct dps_prefix link_local = {.addr = {.len = 16, .b = {0xfe, 0x80}},
						     .plen = 10};
	const struct rte_ether_hdr *eh = dps_rx_eth(orig);
	struct rte_ipv6_hdr obuf;
	const struct rte_ipv6_hdr *oip = rte_pktmbuf_read(orig, 0, DPS_IP6_HLEN, &obuf);
	struct dps_addr src, osrc;
	struct rte_mbuf *m;
	struct rte_ipv6_hdr *ip;
	uint8_t *ih, *opt;
	uint32_t fixed, qlen, olen, room;
	uint16_t ck;

	if (eh == NULL || oip == NULL)
		return -EINVAL;
	/* RFC 4861 8.2: the source MUST be the link-local address of the interface. */
	if (dps_nic_primary_addr_in_rcu(nic,
					(unsigned int)dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV6),
					&link_local, &src) < 0)
		return -EADDRNOTAVAIL;
	/* RFC 4861 8.2: rate limited; the ICMPv6 error bucket, as IPv4's redirects share it. */
	if (!dps_ctx_icmp_allow(ctx, 1)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP6_ERRORS_RATELIMITED);
		return -EBUSY;
	}
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	dps_addr6(&osrc, oip->src_addr);
	/* Type, code, checksum, reserved, target, destination; TLLA (8) when known. */
	fixed = 40 + (tmac != NULL ? 8 : 0);
	room = rte_pktmbuf_tailroom(m);
	/* RFC 4861 4.6.3: Redirected Header, as much as fits 1280 bytes, in 8-octet units. */
	qlen = RTE_MIN(orig->pkt_len,
		       (uint32_t)DPS_ICMP6_ERR_MAX - DPS_IP6_HLEN - fixed - 8);
	qlen = RTE_MIN(qlen, room > DPS_IP6_HLEN + fixed + 8 ? room - DPS_IP6_HLEN - fixed - 8 : 0);
	qlen &= ~7u;
	olen = 8 + qlen;
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_append(m, (uint16_t)(DPS_IP6_HLEN + fixed + olen));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	ih = (uint8_t *)(ip + 1);
	memset(ih, 0, fixed + 8);
	ih[0] = ND_REDIRECT;
	memcpy(ih + 8, target, 16);
	memcpy(ih + 24, oip->dst_addr, 16);
	opt = ih + 40;
	if (tmac != NULL) {
		opt[0] = 2; /* Target Link-Layer Address (RFC 4861 4.6.1) */
		opt[1] = 1;
		memcpy(opt + 2, tmac->addr_bytes, 6);
		opt += 8;
	}
	opt[0] = 4; /* Redirected Header */
	opt[1] = (uint8_t)(olen / 8);
	if (qlen > 0 && dps_mbuf_copy(orig, 0, qlen, opt + 8) < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	ip6_hdr_fill(ip, (uint16_t)(fixed + olen), 255, src.b, osrc.b);
	ck = dps_cksum_l4(m, DPS_IP6_HLEN, fixed + olen, &src, &osrc, IPPROTO_ICMPV6);
	memcpy(ih + 2, &ck, 2);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, nic, m, &eh->src_addr, RTE_ETHER_TYPE_IPV6);
	return 0;
}

int
dps_icmp6_error_ex(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		   uint8_t type, uint8_t code, uint32_t extra, bool local_src, bool allow_multi)
{
	const struct rte_ether_hdr *eh = dps_rx_eth(orig);

	if (eh == NULL)
		return -EINVAL;
	return icmp6_error_send(ctx, in_nic, &eh->src_addr, orig, type, code, extra, local_src,
				allow_multi);
}

int
dps_icmp6_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		uint8_t type, uint8_t code, uint32_t extra)
{
	bool allow_multi = type == DPS_ICMP6_PACKET_TOO_BIG ||
			   (type == DPS_ICMP6_PARAM_PROBLEM && code == DPS_ICMP6_PARAM_OPTION);

	return dps_icmp6_error_ex(ctx, in_nic, orig, type, code, extra, false, allow_multi);
}

/*
 * A packet queued for a next hop that never resolved: address unreachable (RFC 4443 3.1
 * code 3), out of the NIC it came in on (see dps_ip4_unresolved).
 */
void
dps_ip6_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = dps_rx_eth(m);

	if (eh != NULL && !rte_is_same_ether_addr(&eh->src_addr, &nic->mac))
		(void)dps_icmp6_error(ctx, nic, m, DPS_ICMP6_DEST_UNREACH, DPS_ICMP6_ADDR_UNREACH,
				      0);
	rte_pktmbuf_free(m);
}
