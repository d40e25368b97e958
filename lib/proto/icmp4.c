/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ICMPv4 (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2): echo replies in place, errors received
 * passed to the transport endpoints they quote, errors sent under the RFC rules and a rate
 * limit.
 */
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define ICMP4_HLEN 8
#define IP4_MIN_QUOTE 60 /* largest IPv4 header */

/* RFC 1122 3.2.2: the error types; everything else is a query. */
static bool
icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * RFC 1122 3.2.2.6: the options of an echo request are returned in the reply, Record Route
 * and Timestamp updated with this host's entry (addr_be: the address the request was sent
 * to, the reply's source). A completed source route (RFC 1122 3.2.1.8) is reversed into the
 * reply's return route: received {G1 .. Gn >>} from S, the reply goes to Gn with
 * {>> Gn-1 .. G1, S}. Only valid options get here: a request with a malformed one was dropped
 * with Parameter Problem before delivery (ipv4.c, ip4_local_options). ip: the request's
 * header, addresses already swapped; *dst_be is the reply's destination, changed for a source
 * route.
 */
static void
icmp4_echo_options(uint8_t *h, uint32_t hlen, uint32_t addr_be, uint32_t *dst_be)
{
	uint32_t fault = 0, at, n, a[10];
	uint8_t *o;
	int v = dps_ip4_options_check(h, hlen, &fault);

	if (v == DPS_IP4OPT_BAD)
		return; /* not reached (see above); the fill below needs sound lengths */
	(void)dps_ip4_options_fill(h, hlen, addr_be);
	if (v != DPS_IP4OPT_SOURCE_ROUTE)
		return;
	at = dps_ip4_source_route_find(h, hlen);
	o = h + at;
	n = (uint32_t)(o[1] - 3) / 4;
	/* Only complete routes reach local delivery (dps_fwd4_source_route); be safe anyway. */
	if (n == 0 || n > RTE_DIM(a) || o[2] <= o[1])
		return;
	memcpy(a, o + 3, 4 * n);
	for (uint32_t i = 0; i + 1 < n; i++)
		memcpy(o + 3 + 4 * i, &a[n - 2 - i], 4);
	memcpy(o + 3 + 4 * (n - 1), dst_be, 4); /* S, the request's source, last */
	o[2] = 4;
	*dst_be = a[n - 1];
}

static void
icmp4_echo(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct dps_nic *nic = info->nic;
	uint8_t ipbuf[60];
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr ih, *icmp;
	struct rte_ether_addr dst;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	uint32_t hlen = info->l4_off;
	uint16_t old_word, new_word;

	dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP4_ECHO_RCVD);
	/*
	 * RFC 1122 3.2.2.6: an echo request to a broadcast or multicast address MAY be silently
	 * discarded; we do (as Linux does by default): it is an amplification vector.
	 */
	if (info->local_is_multi || eh == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	dst = eh->src_addr;
	/*
	 * IP header: swap the addresses (RFC 792: "the source and destination addresses are
	 * simply reversed"), fresh TTL, new header checksum. ip points into the mbuf when the
	 * header is contiguous, else at a copy that is written back.
	 */
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_read(m, 0, hlen, ipbuf);
	if (ip == NULL || dps_mbuf_copy(m, hlen, ICMP4_HLEN, &ih) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	ip->dst_addr = ip->src_addr;
	memcpy(&ip->src_addr, info->local.b, 4);
	if (unlikely(hlen > 20)) {
		uint32_t src_be = ip->src_addr, dst_be = ip->dst_addr;

		icmp4_echo_options((uint8_t *)ip, hlen, src_be, &dst_be);
		ip->dst_addr = dst_be;
	}
	ip->time_to_live = DPS_IP4_TTL;
	dps_ip4_set_cksum(ip);
	if ((const uint8_t *)ip == ipbuf && dps_mbuf_write(m, 0, hlen, ipbuf) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * ICMP: type 8 -> 0, code 0; the rest of the message is echoed unchanged, so the
	 * checksum is updated incrementally (RFC 1624) whatever the length of the chain.
	 */
	old_word = *(const uint16_t *)&ih;
	ih.icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ih.icmp_code = 0;
	new_word = *(const uint16_t *)&ih;
	ih.icmp_cksum = dps_cksum_adjust(ih.icmp_cksum, &old_word, &new_word, 2);
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, hlen);
	if (hlen + ICMP4_HLEN <= m->data_len)
		memcpy(icmp, &ih, 4);
	else if (dps_mbuf_write(m, hlen, 4, &ih) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP4_ECHO_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, nic, m, &dst, RTE_ETHER_TYPE_IPV4);
}

/* An error quoting one of our datagrams: tell the transport endpoint (RFC 1122 3.2.2.1). */
static void
icmp4_error_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m,
		  const struct rte_icmp_hdr *ih)
{
	uint8_t qbuf[IP4_MIN_QUOTE];
	const struct rte_ipv4_hdr *q;
	uint32_t qoff = info->l4_off + ICMP4_HLEN;
	uint32_t qhlen;
	struct dps_addr local, remote;
	enum dps_control_type ct = DPS_CONTROL_UNKNOWN;
	uint32_t extra = 0;

	dps_cnt_inc(ctx, info->nic->id, DPS_CNT_ICMP4_ERRORS_RCVD);
	q = rte_pktmbuf_read(m, qoff, sizeof(*q), qbuf);
	if (q == NULL || (q->version_ihl >> 4) != 4)
		goto out;
	qhlen = (uint32_t)(q->version_ihl & 0x0f) * 4;
	if (qhlen < 20 || (q->next_proto_id != IPPROTO_UDP && q->next_proto_id != IPPROTO_TCP))
		goto out;
	if (ih->icmp_type == 3 && ih->icmp_code == DPS_ICMP4_PORT_UNREACH) {
		ct = DPS_CONTROL_PORT_UNREACHABLE;
	} else if (ih->icmp_type == 3 && ih->icmp_code == DPS_ICMP4_FRAG_NEEDED) {
		ct = DPS_CONTROL_PACKET_TOO_BIG;
		/* RFC 1191 4: the next-hop MTU is the low 16 bits of the second word. */
		extra = rte_be_to_cpu_16(ih->icmp_seq_nb);
	}
	dps_addr4(&local, &q->src_addr);
	dps_addr4(&remote, &q->dst_addr);
	dps_nic_deliver_transport_control(ctx, info->nic, &local, &remote, RTE_ETHER_TYPE_IPV4,
					  q->next_proto_id, ct, extra, m, qoff + qhlen);
out:
	rte_pktmbuf_free(m);
}

void
dps_icmp4_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct dps_nic *nic = info->nic;
	struct rte_icmp_hdr ih;
	uint16_t s = 0;

	/* RFC 792 / RFC 1122 3.2.2: at least the 8-byte header, and a valid checksum. */
	if (info->l4_len < ICMP4_HLEN || dps_mbuf_copy(m, info->l4_off, ICMP4_HLEN, &ih) < 0 ||
	    dps_cksum_mbuf(m, info->l4_off, info->l4_len, 0, &s) < 0 || s != 0xffff) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP4_BAD);
		rte_pktmbuf_free(m);
		return;
	}
	switch (ih.icmp_type) {
	case RTE_IP_ICMP_ECHO_REQUEST:
		icmp4_echo(ctx, info, m);
		return;
	case RTE_IP_ICMP_ECHO_REPLY:
		dps_icmp_echo_reply_input(ctx, info, m);
		return;
	case 3:
	case 4:
	case 11:
	case 12:
		icmp4_error_input(ctx, info, m, &ih);
		return;
	case 5:
		/* RFC 1812 4.3.3.2: a router never changes its routes on a redirect. */
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP4_REDIRECTS_RCVD);
		rte_pktmbuf_free(m);
		return;
	default:
		/* Timestamps and the other queries: ignored. */
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ICMP4_OTHER);
		rte_pktmbuf_free(m);
		return;
	}
}

/* RFC 1122 3.2.2 / RFC 1812 4.3.2.7: may an error be sent about this packet at all? */
static bool
icmp4_error_allowed(const struct dps_nic *nic, const struct rte_mbuf *orig,
		    const struct rte_ipv4_hdr *ip)
{
	const uint8_t *s = (const uint8_t *)&ip->src_addr;
	const uint8_t *d = (const uint8_t *)&ip->dst_addr;
	uint32_t hlen = (uint32_t)(ip->version_ihl & 0x0f) * 4;

	/* Not about a datagram to a broadcast or multicast address, or in a link broadcast. */
	if (dps_ip4_is_multi(d) || dps_rx_link_multicast(orig) ||
	    dps_ip4_subnet_bcast_rcu(nic, (unsigned int)dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV4),
				     d))
		return false;
	/* Not to a source that does not define a single host. */
	if (dps_ip4_is_zero(s) || dps_ip4_is_multi(s) || s[0] == 127 || s[0] >= 240)
		return false;
	/* Not about a fragment other than the first. */
	if ((ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	/* Never about an ICMP error (queries such as echo may get one). */
	if (ip->next_proto_id == IPPROTO_ICMP) {
		uint8_t type;

		if (dps_mbuf_copy(orig, hlen, 1, &type) < 0 || icmp4_is_error(type))
			return false;
	}
	return true;
}

static int
icmp4_error_send(struct dps_ctx *ctx, struct dps_nic *out_nic, const struct rte_ether_addr *dmac,
		 const struct rte_mbuf *orig, uint8_t type, uint8_t code, uint32_t extra,
		 bool local_src)
{
	uint8_t hbuf[IP4_MIN_QUOTE];
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_read(orig, 0, sizeof(*oip), hbuf);
	struct rte_mbuf *m;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ih;
	struct dps_addr src, odst;
	struct rte_ether_addr dst = *dmac;
	uint32_t qlen, room;
	uint32_t be_extra = rte_cpu_to_be_32(extra);
	uint16_t s = 0;
	int rc;

	if (oip == NULL || (oip->version_ihl >> 4) != 4)
		return -EINVAL;
	if (!icmp4_error_allowed(out_nic, orig, oip))
		return -EPERM;
	if (!dps_ctx_icmp_allow(ctx, 0)) {
		dps_cnt_inc(ctx, out_nic->id, DPS_CNT_ICMP4_ERRORS_RATELIMITED);
		return -EBUSY;
	}
	dps_addr4(&odst, &oip->dst_addr);
	if ((local_src && dps_ip4_is_unicast(&odst)) || dps_nic_owns_rcu(out_nic, &odst)) {
		src = odst;
	} else {
		rc = dps_primary_src(out_nic, RTE_ETHER_TYPE_IPV4, &src);
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
	/* RFC 1812 4.3.2.3: quote as much as fits 576 bytes (and this mbuf: no chains built). */
	room = rte_pktmbuf_tailroom(m);
	qlen = RTE_MIN(orig->pkt_len, (uint32_t)DPS_ICMP4_ERR_MAX - 20 - ICMP4_HLEN);
	if (room < 20 + ICMP4_HLEN + 8) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	qlen = RTE_MIN(qlen, room - 20 - ICMP4_HLEN);
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(20 + ICMP4_HLEN + qlen));
	ih = (struct rte_icmp_hdr *)(ip + 1);
	if (dps_mbuf_copy(orig, 0, qlen, ih + 1) < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	ih->icmp_type = type;
	ih->icmp_code = code;
	ih->icmp_cksum = 0;
	memcpy(&ih->icmp_ident, &be_extra, 4);
	s = rte_raw_cksum(ih, ICMP4_HLEN + qlen);
	ih->icmp_cksum = (uint16_t)~s;

	ip->version_ihl = 0x45;
	/*
	 * RFC 1812 4.3.2.5: errors other than Source Quench SHOULD carry precedence 6
	 * (Internetwork Control), the DSCP CS6 of RFC 2474 (0xc0), as Linux sends them.
	 */
	ip->type_of_service = 0xc0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + ICMP4_HLEN + qlen));
	ip->packet_id = 0;
	/* An atomic datagram (RFC 6864): DF set, the identification is then free. */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = DPS_IP4_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	memcpy(&ip->src_addr, src.b, 4);
	ip->dst_addr = oip->src_addr;
	dps_ip4_set_cksum(ip);

	dps_cnt_inc(ctx, out_nic->id, DPS_CNT_ICMP4_ERRORS_SENT);
	dps_cnt_inc(ctx, out_nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, out_nic, m, &dst, RTE_ETHER_TYPE_IPV4);
	return 0;
}

int
dps_icmp4_error_ex(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		   uint8_t type, uint8_t code, uint32_t extra, bool local_src)
{
	const struct rte_ether_hdr *eh = dps_rx_eth(orig);

	if (eh == NULL)
		return -EINVAL;
	return icmp4_error_send(ctx, in_nic, &eh->src_addr, orig, type, code, extra, local_src);
}

int
dps_icmp4_error(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		uint8_t type, uint8_t code, uint32_t extra)
{
	return dps_icmp4_error_ex(ctx, in_nic, orig, type, code, extra, false);
}

/*
 * A packet queued for a next hop that never resolved (RFC 1812 4.3.3.1 / RFC 1122 3.2.2.1:
 * host unreachable). nic is the NIC the packet came in on and its Ethernet header is still in
 * the headroom (dps_neigh_resolve_fwd); a packet we originated carries our own MAC there and
 * gets no error.
 */
void
dps_ip4_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = dps_rx_eth(m);

	if (eh != NULL && !rte_is_same_ether_addr(&eh->src_addr, &nic->mac))
		(void)dps_icmp4_error(ctx, nic, m, DPS_ICMP4_DEST_UNREACH, DPS_ICMP4_HOST_UNREACH,
				      0);
	rte_pktmbuf_free(m);
}
