/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP (RFC 768, RFC 1122 4.1, RFC 8200 8.1): validation, closed-port errors, the built-in
 * echo service and a small socket API. Demultiplexing is lib/nic's (dps_nic_deliver_transport).
 */
#include <stdlib.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dps_neigh.h"
#include "dps_proto.h"
#include "dps_proto_priv.h"
#include "dps_route.h"
#include "dps_udp.h"

#define UDP_HLEN 8

static int
udp_validate(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct rte_udp_hdr uh;
	uint32_t ulen;
	uint64_t ck;

	if (info->l4_len < UDP_HLEN || dps_mbuf_copy(m, info->l4_off, UDP_HLEN, &uh) < 0) {
		dps_cnt_inc(ctx, info->nic->id, DPS_CNT_UDP_MALFORMED);
		return -EBADMSG;
	}
	/* RFC 768: the length counts header and data; it must fit what IP delivered. */
	ulen = rte_be_to_cpu_16(uh.dgram_len);
	if (ulen < UDP_HLEN || ulen > info->l4_len) {
		dps_cnt_inc(ctx, info->nic->id, DPS_CNT_UDP_MALFORMED);
		return -EBADMSG;
	}
	/* Octets beyond the UDP length are not part of the datagram (RFC 768): cut them. */
	if (ulen < info->l4_len)
		dps_mbuf_trim_to(m, info->l4_off + ulen);
	if (uh.dgram_cksum == 0) {
		/* RFC 768: zero means "no checksum" over IPv4; RFC 8200 8.1 forbids it in IPv6. */
		if (info->netproto == RTE_ETHER_TYPE_IPV4)
			return 0;
		dps_cnt_inc(ctx, info->nic->id, DPS_CNT_UDP_CHECKSUM_ERRORS);
		return -EBADMSG;
	}
	/*
	 * The PMD's verdict covers the whole IP payload: it says nothing about a datagram
	 * shorter than that (its checksum covers the UDP length only), so check those here.
	 */
	ck = ulen == info->l4_len ? m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK : 0;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return 0;
	/* RFC 1122 4.1.3.4: a datagram with a bad checksum is silently discarded. */
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    !dps_cksum_l4_ok(m, info->l4_off, ulen, &info->remote, &info->local, IPPROTO_UDP)) {
		dps_cnt_inc(ctx, info->nic->id, DPS_CNT_UDP_CHECKSUM_ERRORS);
		return -EBADMSG;
	}
	return 0;
}

static bool
udp_unknown_destination(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	/*
	 * RFC 1122 4.1.3.1: port unreachable for a closed port, but never about a datagram to a
	 * broadcast or multicast address (3.2.2); dps_icmp*_error apply the other rules.
	 */
	if (!info->local_is_multi) {
		/* udp.unknown_port_errors was counted by the demuxer (count_unknown_port). */
		if (info->netproto == RTE_ETHER_TYPE_IPV4)
			(void)dps_icmp4_error_ex(ctx, info->nic, m, DPS_ICMP4_DEST_UNREACH,
						 DPS_ICMP4_PORT_UNREACH, 0, true);
		else
			(void)dps_icmp6_error_ex(ctx, info->nic, m, DPS_ICMP6_DEST_UNREACH,
						 DPS_ICMP6_PORT_UNREACH, 0, true, false);
	}
	rte_pktmbuf_free(m);
	return true;
}

const struct dps_transproto_ops dps_udp_ops = {
	.name = "udp",
	.number = IPPROTO_UDP,
	.min_size = UDP_HLEN,
	.multicast_to_all = true,
	.count_unknown_port = true,
	.parse_ports = dps_l4_parse_ports,
	.handle_unknown_destination = udp_unknown_destination,
	.validate = udp_validate,
};

/* ---- reply in place: shared by the echo service ---- */

/*
 * Turn a received datagram (data at the IP header) into its reply: addresses and ports
 * swapped, the payload unchanged. src is the reply's source (the request's destination, or
 * our unicast address when that was a group). Returns 0 or -1.
 */
static int
udp_reply_in_place(struct rte_mbuf *m, const struct dps_pktinfo *info, const struct dps_addr *src)
{
	uint8_t hbuf[60];
	struct rte_udp_hdr uh;
	uint32_t hlen = info->l4_off;
	uint16_t ulen, tmp;
	void *ip;

	if (dps_mbuf_copy(m, hlen, UDP_HLEN, &uh) < 0)
		return -1;
	ulen = rte_be_to_cpu_16(uh.dgram_len);
	if (info->netproto == RTE_ETHER_TYPE_IPV4) {
		struct rte_ipv4_hdr *ip4;

		if (hlen > sizeof(hbuf))
			return -1;
		ip = (void *)(uintptr_t)rte_pktmbuf_read(m, 0, hlen, hbuf);
		if (ip == NULL)
			return -1;
		ip4 = ip;
		ip4->dst_addr = ip4->src_addr;
		memcpy(&ip4->src_addr, src->b, 4);
		ip4->time_to_live = DPS_IP4_TTL;
		ip4->total_length = rte_cpu_to_be_16((uint16_t)(hlen + ulen));
		ip4->fragment_offset = 0;
		dps_ip4_set_cksum(ip4);
	} else {
		struct rte_ipv6_hdr *ip6;

		/* Extension headers are not echoed. */
		if (hlen != 40)
			return -1;
		ip = (void *)(uintptr_t)rte_pktmbuf_read(m, 0, hlen, hbuf);
		if (ip == NULL)
			return -1;
		ip6 = ip;
		memcpy(ip6->dst_addr, ip6->src_addr, 16);
		memcpy(ip6->src_addr, src->b, 16);
		ip6->hop_limits = DPS_IP6_HLIM;
		ip6->payload_len = rte_cpu_to_be_16(ulen);
	}
	if (ip == hbuf && dps_mbuf_write(m, 0, hlen, hbuf) < 0)
		return -1;
	tmp = uh.src_port;
	uh.src_port = uh.dst_port;
	uh.dst_port = tmp;
	/*
	 * Swapping addresses and ports leaves the one's complement sum unchanged; only a new
	 * source address (reply to a group) changes it (RFC 1624 update). A zero IPv4 checksum
	 * stays zero ("not computed").
	 */
	if (uh.dgram_cksum != 0 && !dps_addr_eq(src, &info->local)) {
		uh.dgram_cksum = dps_cksum_adjust(uh.dgram_cksum, info->local.b, src->b, src->len);
		if (uh.dgram_cksum == 0)
			uh.dgram_cksum = 0xffff;
	}
	return dps_mbuf_write(m, hlen, UDP_HLEN, &uh);
}

/*
 * The built-in echo service (RFC 862) of one datagram. The fused fast path (fastpath.c,
 * fp4_uecho() / fp6_uecho()) answers the common case of a burst itself, byte for byte as this
 * does, and recognises the service's endpoints by this callback.
 */
void
dps_udp_echo_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
		const struct dps_pktinfo *info, void *arg)
{
	struct dps_nic *nic = info->nic;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	struct rte_ether_addr dmac;
	struct dps_addr src;

	(void)tep;
	(void)arg;
	dps_cnt_inc(ctx, nic->id, DPS_CNT_UDP_PACKETS_RECEIVED);
	if (eh == NULL || (info->netproto == RTE_ETHER_TYPE_IPV4 && dps_ip4_is_zero(info->remote.b)) ||
	    (info->netproto == RTE_ETHER_TYPE_IPV6 && dps_ip6_is_unspec(info->remote.b)))
		goto drop;
	dmac = eh->src_addr;
	if (info->local_is_multi) {
		if (dps_primary_src(nic, info->netproto, &src) < 0)
			goto drop;
	} else {
		src = info->local;
	}
	if (udp_reply_in_place(m, info, &src) < 0)
		goto drop;
	dps_cnt_inc(ctx, nic->id, DPS_CNT_UDP_ECHOED);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_UDP_PACKETS_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_reply_output(ctx, nic, m, &dmac, info->netproto);
	return;
drop:
	rte_pktmbuf_free(m);
}

int
dps_udp_echo_add(struct dps_stack *s, uint16_t port)
{
	struct dps_tep_id id = {.local_port = port};
	struct dps_tep *t4, *t6;
	int rc;

	if (port == 0)
		return -EINVAL;
	rc = dps_tep_bind(s, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &id, dps_udp_echo_rx, NULL, NULL, &t4);
	if (rc < 0)
		return rc;
	rc = dps_tep_bind(s, RTE_ETHER_TYPE_IPV6, IPPROTO_UDP, &id, dps_udp_echo_rx, NULL, NULL, &t6);
	if (rc < 0) {
		dps_tep_unbind(s, t4);
		return rc;
	}
	return 0;
}

/* ---- sockets ---- */

struct dps_udp_sock {
	struct dps_stack *stack;
	struct dps_tep *tep;
	uint16_t netproto;
	uint16_t port;
	struct dps_addr local; /**< len 0: any */
	dps_udp_rx_t rx;
	void *arg;
	int32_t last_nic; /**< atomic: NIC of the last datagram received, -1 before */
	dps_udp_err_t err; /**< atomic: ICMP errors about our datagrams, NULL: ignored */
};

/* An ICMP error quoting a datagram this socket sent (the demuxer matched it reversed). */
static void
udp_sock_ctl(struct dps_ctx *ctx, struct dps_tep *tep, int type, uint32_t extra,
	     const struct rte_mbuf *m, void *arg)
{
	struct dps_udp_sock *sk = arg;
	dps_udp_err_t err = __atomic_load_n(&sk->err, __ATOMIC_ACQUIRE);

	(void)tep;
	(void)m;
	if (err != NULL)
		err(ctx, sk, (enum dps_control_type)type, extra, sk->arg);
}

void
dps_udp_set_error_cb(struct dps_udp_sock *sk, dps_udp_err_t err)
{
	__atomic_store_n(&sk->err, err, __ATOMIC_RELEASE);
}

static void
udp_sock_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
	    const struct dps_pktinfo *info, void *arg)
{
	struct dps_udp_sock *sk = arg;
	struct dps_udp_meta meta;
	struct rte_udp_hdr uh;

	(void)tep;
	dps_cnt_inc(ctx, info->nic->id, DPS_CNT_UDP_PACKETS_RECEIVED);
	if (dps_mbuf_copy(m, info->l4_off, UDP_HLEN, &uh) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	meta.nic = info->nic;
	meta.src = info->remote;
	meta.dst = info->local;
	meta.sport = rte_be_to_cpu_16(uh.src_port);
	meta.dport = rte_be_to_cpu_16(uh.dst_port);
	meta.payload_off = info->l4_off + UDP_HLEN;
	meta.payload_len = (uint32_t)rte_be_to_cpu_16(uh.dgram_len) - UDP_HLEN;
	/* Written only when it changes: no store to a shared line per packet. */
	if (__atomic_load_n(&sk->last_nic, __ATOMIC_RELAXED) != (int32_t)info->nic->id)
		__atomic_store_n(&sk->last_nic, (int32_t)info->nic->id, __ATOMIC_RELAXED);
	sk->rx(ctx, sk, m, &meta, sk->arg);
}

int
dps_udp_bind(struct dps_stack *s, uint16_t netproto, const struct dps_addr *local,
	     uint16_t port, dps_udp_rx_t rx, void *arg, struct dps_udp_sock **out)
{
	struct dps_tep_id id = {.local_port = port};
	struct dps_udp_sock *sk;
	int rc;

	if (port == 0 || rx == NULL || out == NULL ||
	    (netproto != RTE_ETHER_TYPE_IPV4 && netproto != RTE_ETHER_TYPE_IPV6))
		return -EINVAL;
	if (local != NULL && local->len != 0 &&
	    local->len != (netproto == RTE_ETHER_TYPE_IPV4 ? 4 : 16))
		return -EINVAL;
	sk = calloc(1, sizeof(*sk));
	if (sk == NULL)
		return -ENOMEM;
	sk->stack = s;
	sk->netproto = netproto;
	sk->port = port;
	if (local != NULL)
		sk->local = *local;
	sk->rx = rx;
	sk->arg = arg;
	sk->last_nic = -1;
	id.local_addr = sk->local;
	rc = dps_tep_bind(s, netproto, IPPROTO_UDP, &id, udp_sock_rx, udp_sock_ctl, sk, &sk->tep);
	if (rc < 0) {
		free(sk);
		return rc;
	}
	*out = sk;
	return 0;
}

int
dps_udp_close(struct dps_stack *s, struct dps_udp_sock *sk)
{
	int rc;

	if (sk == NULL)
		return -EINVAL;
	rc = dps_tep_unbind(s, sk->tep);
	/* A burst that found the endpoint before the unbind may still call back into sk. */
	dps_stack_lock(s);
	dps_stack_defer_free_locked(s, free, sk);
	dps_stack_unlock(s);
	return rc;
}

uint16_t
dps_udp_sock_port(const struct dps_udp_sock *sk)
{
	return sk->port;
}

/* Ethernet group address of an IP multicast or broadcast destination (RFC 1112 6.4, 2464 7). */
static bool
udp_group_mac(const struct dps_addr *dst, struct rte_ether_addr *mac)
{
	if (dst->len == 4) {
		if (dst->b[0] == 255 && dst->b[1] == 255 && dst->b[2] == 255 && dst->b[3] == 255) {
			memset(mac, 0xff, sizeof(*mac));
			return true;
		}
		if ((dst->b[0] & 0xf0) != 0xe0)
			return false;
		mac->addr_bytes[0] = 0x01;
		mac->addr_bytes[1] = 0x00;
		mac->addr_bytes[2] = 0x5e;
		mac->addr_bytes[3] = dst->b[1] & 0x7f;
		mac->addr_bytes[4] = dst->b[2];
		mac->addr_bytes[5] = dst->b[3];
		return true;
	}
	if (!dps_ip6_is_multi(dst->b))
		return false;
	dps_ip6_mcast_mac(dst->b, mac);
	return true;
}

int
dps_udp_sendto(struct dps_ctx *ctx, struct dps_udp_sock *sk, const struct dps_addr *dst,
	       uint16_t dport, const void *data, uint16_t len)
{
	struct dps_stack *s = ctx->stack;
	bool v4 = sk->netproto == RTE_ETHER_TYPE_IPV4;
	uint32_t hlen = v4 ? 20 : 40;
	const struct dps_nexthop *nh = NULL;
	struct dps_nic *nic = NULL;
	struct dps_addr src, via;
	struct rte_ether_addr mac;
	struct rte_udp_hdr *uh;
	struct rte_mbuf *m;
	uint8_t *p;
	uint32_t hash = 0;
	int32_t last;

	if (dst == NULL || dst->len != (v4 ? 4 : 16) || dport == 0 || (data == NULL && len > 0))
		return -EINVAL;
	if (v4) {
		uint32_t d;

		memcpy(&d, dst->b, 4);
		dps_route_lookup4_bulk_rcu(s, &d, &hash, &nh, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], dst->b, 16);
		dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, &hash, &nh, 1);
	}
	if (nh != NULL) {
		nic = dps_stack_nic_rcu(s, nh->nic_id);
		via = nh->has_gw ? nh->gw : *dst;
	}
	if (nic == NULL) {
		/* No route: answer on the link the socket last heard from, dst on-link. */
		last = __atomic_load_n(&sk->last_nic, __ATOMIC_RELAXED);
		if (last >= 0)
			nic = dps_stack_nic_rcu(s, (uint16_t)last);
		if (nic == NULL)
			return -ENETUNREACH;
		via = *dst;
	}
	if (hlen + UDP_HLEN + len > dps_nic_mtu(nic))
		return -EMSGSIZE;
	if (sk->local.len != 0)
		src = sk->local;
	else if (dps_primary_src(nic, sk->netproto, &src) < 0)
		return -EADDRNOTAVAIL;

	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hlen + UDP_HLEN + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	uh = (struct rte_udp_hdr *)(p + hlen);
	uh->src_port = rte_cpu_to_be_16(sk->port);
	uh->dst_port = rte_cpu_to_be_16(dport);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(UDP_HLEN + len));
	uh->dgram_cksum = 0;
	if (len > 0)
		memcpy(uh + 1, data, len);
	uh->dgram_cksum = dps_cksum_l4(m, hlen, UDP_HLEN + len, &src, dst, IPPROTO_UDP);
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + UDP_HLEN + len));
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = DPS_IP4_TTL;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, src.b, 4);
		memcpy(&ip->dst_addr, dst->b, 4);
		dps_ip4_set_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(UDP_HLEN + len));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = DPS_IP6_HLIM;
		memcpy(ip->src_addr, src.b, 16);
		memcpy(ip->dst_addr, dst->b, 16);
	}
	/*
	 * Mark the headroom as ours (our MAC as the "received" source): if resolution fails,
	 * the unresolved hook sends no ICMP error about our own datagram.
	 */
	m->l2_len = sizeof(struct rte_ether_hdr);
	rte_ether_addr_copy(&nic->mac, &((struct rte_ether_hdr *)rte_pktmbuf_mtod_offset(
						 m, uint8_t *, -(int)m->l2_len))->src_addr);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_UDP_PACKETS_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	if (udp_group_mac(dst, &mac) || dps_neigh_lookup_rcu(s, nic->id, &via, &mac) == 0)
		dps_eth_output(ctx, nic, m, &mac, sk->netproto);
	else
		dps_neigh_resolve(ctx, nic, &via, m);
	return 0;
}
