/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 / IPv6 forwarding: an RFC 1812 router on the NIC layer (docs/forwarding.md).
 *
 * Per burst: drop what RFC 1812 5.3.7 / 5.3.4 (IPv4) or RFC 4291 (IPv6) forbids forwarding,
 * one bulk route lookup, one bulk endpoint lookup (the seed's rule: a destination owned by the
 * outgoing NIC is delivered there), then per packet TTL / hop limit, MTU, neighbour, Ethernet
 * rewrite in the headroom and the context's tx buffer. Chains are forwarded as they are.
 */
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dps_fastpath.h"

/* Per-burst counters, added once at the end (one store per counter, not per packet). */
struct fwd_cnt {
	uint32_t forwarded, no_route, ttl, too_big, no_frag, martian, link_bcast, local, bad;
	uint32_t fragmented, frags; /* RFC 1812 4.2.2.7: packets sent in fragments, fragments */
	uint32_t redirects;         /* RFC 1812 5.2.7.2: host redirects sent */
	uint32_t bad_opt, srcroute; /* RFC 1812 5.2.4: options refused */
	uint32_t srfail;            /* RFC 1812 5.2.4.1: SSRR next hop not adjacent */
	uint32_t redirect6_no_ll;   /* RFC 4861 8.2: no link-local source for a redirect */
	uint32_t mcast;  /* multicast destination not joined */
	uint32_t dbcast; /* directed broadcast to a connected subnet */
};

static void
fwd_cnt_flush(struct dps_ctx *ctx, uint16_t nic_id, const struct fwd_cnt *c)
{
	if (c->forwarded)
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_FORWARDED, c->forwarded);
	if (unlikely(c->no_route))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_NO_ROUTE, c->no_route);
	if (unlikely(c->ttl))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_TTL_EXCEEDED, c->ttl);
	if (unlikely(c->too_big))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_TOO_BIG, c->too_big);
	if (unlikely(c->no_frag))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_NO_FRAG, c->no_frag);
	if (unlikely(c->fragmented)) {
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_FRAGMENTED, c->fragmented);
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_FRAGS_CREATED, c->frags);
	}
	if (unlikely(c->redirects))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_REDIRECTS_SENT, c->redirects);
	if (unlikely(c->bad_opt))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_BAD_OPTION, c->bad_opt);
	if (unlikely(c->srcroute))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_SOURCE_ROUTE, c->srcroute);
	if (unlikely(c->redirect6_no_ll))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_REDIRECT6_NO_LL, c->redirect6_no_ll);
	if (unlikely(c->srfail))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_SOURCE_ROUTE_FAILED, c->srfail);
	if (unlikely(c->martian))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_MARTIAN, c->martian);
	if (unlikely(c->link_bcast))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_LINK_BROADCAST, c->link_bcast);
	if (unlikely(c->local))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_LOCAL_DELIVERED, c->local);
	if (unlikely(c->bad)) {
		dps_cnt_add(ctx, nic_id, DPS_CNT_NET_TOO_SHORT, c->bad);
		dps_cnt_add(ctx, nic_id, DPS_CNT_MALFORMED_RCVD, c->bad);
	}
	if (unlikely(c->dbcast))
		dps_cnt_add(ctx, nic_id, DPS_CNT_FWD_DIRECTED_BROADCAST, c->dbcast);
	if (unlikely(c->mcast))
		dps_cnt_add(ctx, nic_id, DPS_CNT_IP_MCAST_NOT_JOINED, c->mcast);
}

/*
 * Local delivery on other NICs (seed: forwardPacket delivers to the outgoing NIC's endpoint
 * when it has one). Rare: grouped per NIC and handed to the protocol's handle_burst.
 */
static void
deliver_local(struct dps_ctx *ctx, uint16_t ethertype, struct rte_mbuf **pkts,
	      struct dps_nic **nics, uint16_t n)
{
	const struct dps_stack *s = ctx->stack;
	int slot = dps_stack_np_slot(s, ethertype);
	struct rte_mbuf *grp[DPS_BURST];
	bool done[DPS_BURST] = {false};

	if (slot < 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint16_t k = 0;

		if (done[i])
			continue;
		for (uint16_t j = i; j < n; j++) {
			if (!done[j] && nics[j] == nics[i]) {
				grp[k++] = pkts[j];
				done[j] = true;
			}
		}
		/*
		 * The packets arrived on another NIC: replies (echo, ICMP errors, RSTs) are
		 * routed toward their destination, not sent out of the owning NIC to a MAC of
		 * the other link (dps_reply_output).
		 */
		ctx->routed_reply = true;
		s->np[slot]->handle_burst(ctx, nics[i], grp, k);
		ctx->routed_reply = false;
	}
}

/* Write the new Ethernet header over the received one in the headroom and queue the frame. */
static inline bool
eth_out(struct dps_ctx *ctx, struct dps_fp_run *r, const struct dps_nic *out, struct rte_mbuf *m,
	const struct dps_fp_eth *w)
{
	uint8_t *eh = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));

	if (unlikely(eh == NULL))
		return false;
	dps_fp_eth_write(eh, w);
	m->l2_len = sizeof(struct rte_ether_hdr);
	dps_fp_run_add(ctx, r, out, m);
	return true;
}

/* ---------------------------------- IPv4 ---------------------------------- */

/* The broadcast checks of fwd4_chunk (rare: an address ending in binary 11). */
static bool
fwd4_bcast(const struct dps_stack *s, const struct dps_nic *out, const struct dps_nexthop *nh,
	   const struct rte_ipv4_hdr *ip, uint32_t dst, struct fwd_cnt *c)
{
	unsigned int np4 = (unsigned int)dps_np_slot(s, RTE_ETHER_TYPE_IPV4);

	if (!nh->has_gw && dps_ip4_subnet_bcast_rcu(out, np4, (const uint8_t *)&dst)) {
		c->dbcast++;
		return true;
	}
	if (dps_ip4_subnet_bcast_rcu(out, np4, (const uint8_t *)&ip->src_addr)) {
		c->martian++;
		return true;
	}
	return false;
}

/* Whether an IPv4 header of hlen bytes carries a source route option (LSRR 131, SSRR 137). */
static bool
ip4_has_source_route(const struct rte_mbuf *m, uint32_t hlen)
{
	uint8_t h[60];

	if (hlen <= 20 || dps_mbuf_copy(m, 0, hlen, h) < 0)
		return false;
	for (uint32_t p = 20; p < hlen;) {
		if (h[p] == 0)
			break;
		if (h[p] == 1) {
			p++;
			continue;
		}
		if (h[p] == 131 || h[p] == 137)
			return true;
		if (p + 1 >= hlen || h[p + 1] < 2)
			break;
		p += h[p + 1];
	}
	return false;
}

/*
 * RFC 1812 5.2.7.2 and 4.3.3.2: a packet that leaves by the NIC it came in on, toward a next
 * hop on the sender's own subnet, gets a Host Redirect (type 5, code 1) naming that next hop;
 * the packet is still forwarded. Not when the NIC's switch is off, not for a packet carrying
 * a source route (5.2.7.2), not when the next hop is the sender itself. The error rules and
 * the rate limit of every ICMP error apply (dps_icmp4_error: the same token bucket).
 * nha: the next hop, network order.
 */
static void
fwd4_redirect(struct dps_ctx *ctx, struct dps_nic *in, const struct rte_mbuf *m,
	      const struct rte_ipv4_hdr *ip, uint32_t nha, struct fwd_cnt *c)
{
	unsigned int np4 = dps_np_slot(ctx->stack, RTE_ETHER_TYPE_IPV4);
	struct dps_addr src, gw;

	if (!dps_nic_redirects(in) || nha == ip->src_addr)
		return;
	dps_addr4(&src, &ip->src_addr);
	dps_addr4(&gw, &nha);
	if (!dps_nic_on_subnet_rcu(in, np4, &src) || !dps_nic_on_subnet_rcu(in, np4, &gw))
		return;
	if (unlikely(ip->version_ihl != 0x45) &&
	    ip4_has_source_route(m, (uint32_t)(ip->version_ihl & 0x0f) * 4))
		return;
	if (dps_icmp4_error(ctx, in, m, DPS_ICMP4_REDIRECT, DPS_ICMP4_REDIRECT_HOST,
			    rte_be_to_cpu_32(nha)) == 0)
		c->redirects++;
}

/*
 * RFC 791 3.1, RFC 1812 5.2.4: the options of a packet to be forwarded out of out (next hop
 * nh). A malformed option: dropped with Parameter Problem (12/0) pointing at the faulty octet
 * (4.3.3.5). A source route: with the arrival NIC's source_route switch off (5.2.4.1, our
 * default), dropped and counted, never forwarded as if the route had ended; on, a loose route
 * is forwarded toward the destination (the route is followed where the packet is addressed to
 * us: dps_fwd4_source_route), a strict one only to a directly connected next hop, else
 * Destination Unreachable, source route failed (3/5). Record Route and Timestamp: our outgoing
 * address (and time) added, the header checksum recomputed. Returns false to drop (m not freed).
 */
static bool
fwd4_options(struct dps_ctx *ctx, struct dps_nic *in, const struct dps_nic *out,
	     const struct dps_nexthop *nh, struct rte_mbuf *m, struct fwd_cnt *c)
{
	uint8_t h[60];
	uint32_t hlen, fault = 0;
	struct dps_addr a;
	uint32_t a_be;
	int v;

	if (dps_mbuf_copy(m, 0, 20, h) < 0)
		return false;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (hlen <= 20 || dps_mbuf_copy(m, 0, hlen, h) < 0)
		return hlen == 20;
	v = dps_ip4_options_check(h, hlen, &fault);
	if (v == DPS_IP4OPT_BAD) {
		c->bad_opt++;
		(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_PARAM_PROBLEM, 0, fault << 24);
		return false;
	}
	if (v == DPS_IP4OPT_SOURCE_ROUTE) {
		if (!dps_nic_source_route(in)) {
			c->srcroute++;
			return false;
		}
		if (h[dps_ip4_source_route_find(h, hlen)] == DPS_IP4OPT_SSRR && nh->has_gw) {
			c->srfail++;
			(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_DEST_UNREACH,
					      DPS_ICMP4_SR_FAILED, 0);
			return false;
		}
	}
	if (dps_primary_src(out, RTE_ETHER_TYPE_IPV4, &a) < 0)
		return true;
	memcpy(&a_be, a.b, 4);
	if (dps_ip4_options_fill(h, hlen, a_be)) {
		dps_ip4_set_cksum((struct rte_ipv4_hdr *)h);
		if (dps_mbuf_write(m, 0, hlen, h) < 0)
			return false;
	}
	return true;
}

bool
dps_fwd4_source_route(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf *m)
{
	const struct dps_stack *s = ctx->stack;
	const struct dps_nexthop *nh = NULL;
	const struct dps_nic *out = NULL;
	struct rte_ipv4_hdr *ip;
	uint8_t h[60], *o;
	uint32_t hlen, fault = 0, next, hash;
	struct dps_addr a;

	if (dps_mbuf_copy(m, 0, 20, h) < 0)
		return false;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (hlen <= 20 || dps_mbuf_copy(m, 0, hlen, h) < 0 ||
	    dps_ip4_options_check(h, hlen, &fault) != DPS_IP4OPT_SOURCE_ROUTE)
		return false;
	o = h + dps_ip4_source_route_find(h, hlen);
	/* RFC 791: the pointer past the last address: the route is complete, we are the end. */
	if (o[2] > o[1])
		return false;
	/*
	 * RFC 1812 5.2.4.1's switch, off by default here: the packet is dropped, not delivered
	 * as if it had arrived (its real destination is further down the route).
	 */
	if (!dps_nic_source_route(in) || !dps_stack_forwarding(s) || !dps_nic_forwarding(in)) {
		dps_cnt_inc(ctx, in->id, DPS_CNT_FWD_SOURCE_ROUTE);
		rte_pktmbuf_free(m);
		return true;
	}
	ip = (struct rte_ipv4_hdr *)h;
	memcpy(&next, o + o[2] - 1, 4);
	hash = rte_hash_crc_4byte(ip->src_addr, next);
	dps_route_lookup4_bulk_rcu(s, &next, &hash, &nh, 1);
	if (nh != NULL)
		out = dps_stack_nic_rcu(s, nh->nic_id);
	/*
	 * RFC 1812 5.2.4.1 / RFC 792: the next address cannot be reached, or (SSRR, RFC 791)
	 * is not on a directly connected network: Destination Unreachable, source route failed,
	 * quoting the packet as it arrived.
	 */
	if (out == NULL || (o[0] == DPS_IP4OPT_SSRR && nh->has_gw)) {
		dps_cnt_inc(ctx, in->id, DPS_CNT_FWD_SOURCE_ROUTE_FAILED);
		(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_DEST_UNREACH, DPS_ICMP4_SR_FAILED, 0);
		rte_pktmbuf_free(m);
		return true;
	}
	/*
	 * RFC 791 3.1 (LSRR, SSRR): the next address becomes the destination and is replaced
	 * in the route by our address on the network the packet leaves by (the "recorded
	 * route"), the pointer moves by 4. Without an address on that NIC: the one the packet
	 * was sent to.
	 */
	if (dps_primary_src(out, RTE_ETHER_TYPE_IPV4, &a) < 0)
		dps_addr4(&a, &ip->dst_addr);
	memcpy(o + o[2] - 1, a.b, 4);
	o[2] += 4;
	ip->dst_addr = next;
	dps_ip4_set_cksum(ip);
	if (dps_mbuf_write(m, 0, hlen, h) < 0) {
		rte_pktmbuf_free(m);
		return true;
	}
	dps_cnt_inc(ctx, in->id, DPS_CNT_FWD_SOURCE_ROUTED);
	/* The usual forwarding path: TTL, the other options, MTU, neighbour, no redirect. */
	dps_fwd4_burst(ctx, in, &m, 1);
	return true;
}

static void
fwd4_chunk(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_stack *s = ctx->stack;
	struct rte_mbuf *keep[DPS_BURST], *local[DPS_BURST];
	struct dps_nic *local_nic[DPS_BURST];
	const struct dps_nexthop *nh[DPS_BURST];
	uint32_t dst[DPS_BURST], hash[DPS_BURST];
	struct dps_ep_key keys[DPS_BURST];
	const void *kp[DPS_BURST];
	uint8_t kidx[DPS_BURST];
	void *eps[DPS_BURST];
	uint64_t hits = 0, maybe_local = 0;
	struct fwd_cnt c = {0};
	uint16_t k = 0, nk = 0, nl = 0;
	/* One neighbour lookup per next hop per burst: most packets share a gateway. */
	const struct dps_nic *last_nic = NULL;
	uint32_t last_nh = 0;
	struct dps_fp_eth last_hdr = {0, 0};
	struct dps_fp_run run; /* fields set below: an initializer would zero all of pkts[] */
	const struct dps_nexthop *memo_nh = NULL;
	const struct dps_nic *memo_out = NULL;
	const uint16_t type_be = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	dps_fp_run_init(&run);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *ip;
		uint32_t sa, da;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		/* TTL and checksum are changed in place: the base header must be contiguous. */
		if (unlikely(m->data_len < sizeof(struct rte_ipv4_hdr))) {
			c.bad++;
			rte_pktmbuf_free(m);
			continue;
		}
		ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
		da = rte_be_to_cpu_32(ip->dst_addr);
		sa = rte_be_to_cpu_32(ip->src_addr);
		/*
		 * A group we did not join is not ours and is not routed (no multicast routing):
		 * ip.multicast_not_joined (info), not a martian nor a drop, so the MLD/IGMP
		 * chatter of a LAN does not read as an attack or as loss in the counters.
		 */
		if (unlikely((da >> 28) == 0xe)) {
			c.mcast++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(dps_fp_martian4_dst(da) || dps_fp_martian4_src(sa))) {
			c.martian++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(dps_rx_link_multicast(m))) {
			c.link_bcast++;
			rte_pktmbuf_free(m);
			continue;
		}
		keep[k] = m;
		dst[k] = ip->dst_addr;
		maybe_local |= (uint64_t)dps_stack_maybe_local(s, (const uint8_t *)&dst[k], 4) << k;
		hash[k] = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ?
				  m->hash.rss :
				  rte_hash_crc_4byte(ip->src_addr, ip->dst_addr);
		k++;
	}
	if (k == 0)
		goto out;
	dps_route_lookup4_bulk_rcu(s, dst, hash, nh, k);

	/*
	 * The seed's rule: is the destination an address of the outgoing NIC? One bulk lookup of
	 * the destinations the stack's local-address filter cannot rule out (usually none).
	 */
	for (uint64_t lm = maybe_local; lm != 0; lm &= lm - 1) {
		uint16_t i = (uint16_t)__builtin_ctzll(lm);

		if (nh[i] == NULL)
			continue;
		keys[nk] = (struct dps_ep_key){.nic = nh[i]->nic_id, .len = 4};
		memcpy(keys[nk].b, &dst[i], 4);
		kp[nk] = &keys[nk];
		kidx[nk++] = (uint8_t)i;
	}
	if (unlikely(nk > 0))
		rte_hash_lookup_bulk_data(s->ep_hash, kp, nk, &hits, eps);

	for (uint16_t i = 0, j = 0; i < k; i++) {
		struct rte_mbuf *m = keep[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
		const struct dps_nic *out;
		struct rte_ether_addr mac;
		struct rte_mbuf *fr[DPS_FWD_FRAG_MAX];
		int nf = 0;
		uint16_t omtu;
		uint32_t nha;

		/* Most packets of a burst share a next hop: its NIC is looked up once. */
		out = NULL;
		if (likely(nh[i] != NULL)) {
			if (nh[i] != memo_nh) {
				memo_nh = nh[i];
				memo_out = dps_stack_nic_rcu(s, memo_nh->nic_id);
			}
			out = memo_out;
		}
		if (unlikely(out == NULL)) {
			/* RFC 1812 5.2.7.1: no route: destination unreachable, net unreachable. */
			c.no_route++;
			(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_DEST_UNREACH,
					      DPS_ICMP4_NET_UNREACH, 0);
			rte_pktmbuf_free(m);
			if (j < nk && kidx[j] == i)
				j++;
			continue;
		}
		/* Key j belongs to the j-th looked-up packet, in order. */
		if (unlikely(j < nk && kidx[j] == i)) {
			bool own = ((hits >> j) & 1) && dps_nic_ep_owns_rcu(out, eps[j]);

			j++;
			if (own) {
				c.local++;
				local[nl] = m;
				local_nic[nl++] = (struct dps_nic *)(uintptr_t)out;
				continue;
			}
		}
		/*
		 * RFC 1812 5.3.5.2: a directed broadcast to a connected subnet is not forwarded
		 * by default, and 4.3.2.7: no ICMP error about it. A source that is such a
		 * broadcast is a martian (5.3.7). Last octet not ending in binary 11: neither.
		 */
		if (unlikely((((const uint8_t *)&dst[i])[3] & 3) == 3 ||
			     (((const uint8_t *)&ip->src_addr)[3] & 3) == 3) &&
		    fwd4_bcast(s, out, nh[i], ip, dst[i], &c)) {
			rte_pktmbuf_free(m);
			continue;
		}
		/* RFC 1812 5.3.1: TTL 1 or 0 on arrival would reach zero: time exceeded. */
		if (unlikely(ip->time_to_live <= 1)) {
			c.ttl++;
			(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_TIME_EXCEEDED,
					      DPS_ICMP4_TTL_EXCEEDED, 0);
			rte_pktmbuf_free(m);
			continue;
		}
		/* Options (never on the fast loop: it takes IHL 5 only). */
		if (unlikely(ip->version_ihl != 0x45) && !fwd4_options(ctx, in, out, nh[i], m, &c)) {
			rte_pktmbuf_free(m);
			continue;
		}
		/* dps_nic_set_mtu stores it atomically: one relaxed load, the same for the error. */
		omtu = __atomic_load_n(&out->mtu, __ATOMIC_RELAXED);
		/* gw.b is a byte array (not 4-byte aligned in the next hop): copy, do not load. */
		if (nh[i]->has_gw)
			memcpy(&nha, nh[i]->gw.b, sizeof(nha));
		else
			nha = dst[i];
		/* Back out of the NIC it came in on: a redirect, unless it cannot leave at all. */
		if (unlikely(out == in) &&
		    (m->pkt_len <= omtu ||
		     !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))))
			fwd4_redirect(ctx, in, m, ip, nha, &c);
		if (unlikely(m->pkt_len > omtu)) {
			if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
				/* RFC 1812 5.2.7.1, RFC 1191: fragmentation needed, with the MTU. */
				c.too_big++;
				(void)dps_icmp4_error(ctx, in, m, DPS_ICMP4_DEST_UNREACH,
						      DPS_ICMP4_FRAG_NEEDED, omtu);
				rte_pktmbuf_free(m);
				continue;
			}
			/*
			 * RFC 791 3.2, RFC 1812 4.2.2.7: DF clear: sent in fragments that fit.
			 * The TTL is decremented once, before the header is copied into each.
			 */
			dps_fp_ip4_dec_ttl(ip);
			nf = dps_fwd4_fragment(ctx, m, omtu, fr, RTE_DIM(fr));
			if (nf <= 0) {
				c.no_frag++;
				continue;
			}
			c.fragmented++;
			c.frags += (uint32_t)nf;
			m = NULL;
		} else {
			dps_fp_ip4_dec_ttl(ip);
		}
		if (last_nic != out || last_nh != nha) {
			struct dps_addr a;

			a.len = 4;
			memcpy(a.b, &nha, 4);
			if (dps_neigh_lookup_rcu(s, out->id, &a, &mac) != 0) {
				/* The neighbour code writes the Ethernet header once resolved. */
				c.forwarded++;
				if (unlikely(m == NULL)) {
					for (int f = 0; f < nf; f++)
						dps_neigh_resolve_fwd(ctx, (struct dps_nic *)(uintptr_t)out,
								      &a, fr[f], in->id);
					continue;
				}
				dps_neigh_resolve_fwd(ctx, (struct dps_nic *)(uintptr_t)out, &a, m,
						      in->id);
				continue;
			}
			last_nic = out;
			last_nh = nha;
			dps_fp_eth_make(&last_hdr, &mac, &out->mac, type_be);
		}
		if (unlikely(m == NULL)) {
			/* The fragments, in order; the packet counts as forwarded once. */
			c.forwarded++;
			for (int f = 0; f < nf; f++) {
				if (unlikely(!eth_out(ctx, &run, out, fr[f], &last_hdr)))
					rte_pktmbuf_free(fr[f]);
			}
			continue;
		}
		if (likely(eth_out(ctx, &run, out, m, &last_hdr)))
			c.forwarded++;
		else {
			c.bad++;
			rte_pktmbuf_free(m);
		}
	}
	dps_fp_run_flush(ctx, &run);
	if (unlikely(nl > 0))
		deliver_local(ctx, RTE_ETHER_TYPE_IPV4, local, local_nic, nl);
out:
	fwd_cnt_flush(ctx, in->id, &c);
}

void
dps_fwd4_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n)
{
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)DPS_BURST);

		fwd4_chunk(ctx, in, pkts, k);
		pkts += k;
		n -= k;
	}
}

/* ---------------------------------- IPv6 ---------------------------------- */

/*
 * RFC 4861 8.2: a packet forwarded back out of the NIC it came in on, whose source is a
 * neighbour on that link (on one of the NIC's subnets, or link-local), gets a Redirect naming
 * the better first hop: the route's gateway when it is link-local (8.2: a router target MUST
 * be its link-local address; a global gateway cannot be named, so no redirect), or the
 * destination itself when it is on-link. Not when the NIC's switch is off, nor to the next
 * hop itself. The packet is still forwarded. nha: the next hop.
 */
static void
fwd6_redirect(struct dps_ctx *ctx, struct dps_nic *in, const struct rte_mbuf *m,
	      const struct rte_ipv6_hdr *ip, const uint8_t *nha, bool has_gw, struct fwd_cnt *c)
{
	unsigned int np6 = dps_np_slot(ctx->stack, RTE_ETHER_TYPE_IPV6);
	struct rte_ether_addr mac;
	struct dps_addr src, t;
	bool src_ll = dps_ip6_is_link_local(ip->src_addr);
	int rc;

	if (!dps_nic_redirects(in) || memcmp(nha, ip->src_addr, 16) == 0)
		return;
	if (has_gw && !dps_ip6_is_link_local(nha))
		return;
	dps_addr6(&src, ip->src_addr);
	if (!src_ll && !dps_nic_on_subnet_rcu(in, np6, &src))
		return;
	dps_addr6(&t, nha);
	rc = dps_icmp6_redirect(ctx, in, m, nha,
				dps_neigh_lookup_rcu(ctx->stack, in->id, &t, &mac) == 0 ? &mac : NULL);
	if (rc == 0)
		c->redirects++;
	else if (rc == -EADDRNOTAVAIL)
		c->redirect6_no_ll++;
}

static void
fwd6_chunk(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_stack *s = ctx->stack;
	struct rte_mbuf *keep[DPS_BURST], *local[DPS_BURST];
	struct dps_nic *local_nic[DPS_BURST];
	const struct dps_nexthop *nh[DPS_BURST];
	uint8_t dst[DPS_BURST][16];
	uint32_t hash[DPS_BURST];
	struct dps_ep_key keys[DPS_BURST];
	const void *kp[DPS_BURST];
	uint8_t kidx[DPS_BURST];
	void *eps[DPS_BURST];
	uint64_t hits = 0;
	struct fwd_cnt c = {0};
	uint16_t k = 0, nk = 0, nl = 0;
	const struct dps_nic *last_nic = NULL;
	uint8_t last_nh[16];
	struct dps_fp_eth last_hdr = {0, 0};
	struct dps_fp_run run; /* fields set below: an initializer would zero all of pkts[] */
	const uint16_t type_be = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);

	dps_fp_run_init(&run);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv6_hdr *ip;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		/* The hop limit is changed in place: the fixed header must be contiguous. */
		if (unlikely(m->data_len < sizeof(struct rte_ipv6_hdr))) {
			c.bad++;
			rte_pktmbuf_free(m);
			continue;
		}
		ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
		/* A group we did not join: not ours, not routed (as for IPv4 above). */
		if (unlikely(ip->dst_addr[0] == 0xff)) {
			c.mcast++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(dps_fp_martian6(ip->dst_addr, true) ||
			     dps_fp_martian6(ip->src_addr, false))) {
			c.martian++;
			/*
			 * RFC 4443 3.1, RFC 4291 2.5.6: a link-local source bound for another
			 * link is "beyond scope of source address" (code 2); other martians are
			 * dropped silently.
			 */
			if (dps_ip6_is_link_local(ip->src_addr) &&
			    !dps_fp_martian6(ip->dst_addr, true))
				(void)dps_icmp6_error(ctx, in, m, DPS_ICMP6_DEST_UNREACH,
						      DPS_ICMP6_BEYOND_SCOPE, 0);
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(dps_rx_link_multicast(m))) {
			c.link_bcast++;
			rte_pktmbuf_free(m);
			continue;
		}
		keep[k] = m;
		memcpy(dst[k], ip->dst_addr, 16);
		if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) {
			hash[k] = m->hash.rss;
		} else {
			/* rte_hash_crc() loads 8 bytes at a time: hash an aligned copy. */
			uint64_t sd[4];

			memcpy(sd, ip->src_addr, sizeof(sd));
			hash[k] = rte_hash_crc(sd, sizeof(sd), ip->vtc_flow);
		}
		k++;
	}
	if (k == 0)
		goto out;
	dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])dst, hash, nh, k);

	/* The seed's rule, as for IPv4: only destinations the filter cannot rule out. */
	for (uint16_t i = 0; i < k; i++) {
		if (nh[i] == NULL || !dps_stack_maybe_local(s, dst[i], 16))
			continue;
		keys[nk] = (struct dps_ep_key){.nic = nh[i]->nic_id, .len = 16};
		memcpy(keys[nk].b, dst[i], 16);
		kp[nk] = &keys[nk];
		kidx[nk++] = (uint8_t)i;
	}
	if (unlikely(nk > 0))
		rte_hash_lookup_bulk_data(s->ep_hash, kp, nk, &hits, eps);

	for (uint16_t i = 0, j = 0; i < k; i++) {
		struct rte_mbuf *m = keep[i];
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
		const struct dps_nic *out;
		struct rte_ether_addr mac;
		uint16_t omtu;
		const uint8_t *nha;

		if (unlikely(nh[i] == NULL ||
			     (out = dps_stack_nic_rcu(s, nh[i]->nic_id)) == NULL)) {
			/* RFC 4443 3.1: no route to destination. */
			c.no_route++;
			(void)dps_icmp6_error(ctx, in, m, DPS_ICMP6_DEST_UNREACH,
					      DPS_ICMP6_NO_ROUTE, 0);
			rte_pktmbuf_free(m);
			if (j < nk && kidx[j] == i)
				j++;
			continue;
		}
		if (unlikely(j < nk && kidx[j] == i)) {
			bool own = ((hits >> j) & 1) && dps_nic_ep_owns_rcu(out, eps[j]);

			j++;
			if (own) {
				c.local++;
				local[nl] = m;
				local_nic[nl++] = (struct dps_nic *)(uintptr_t)out;
				continue;
			}
		}
		/* RFC 8200 3, RFC 4443 3.3: a hop limit that would reach zero: time exceeded. */
		if (unlikely(ip->hop_limits <= 1)) {
			c.ttl++;
			(void)dps_icmp6_error(ctx, in, m, DPS_ICMP6_TIME_EXCEEDED,
					      DPS_ICMP6_HOPLIMIT_EXCEEDED, 0);
			rte_pktmbuf_free(m);
			continue;
		}
		/* RFC 8200 5, RFC 4443 3.2: routers never fragment: packet too big. */
		omtu = __atomic_load_n(&out->mtu, __ATOMIC_RELAXED);
		if (unlikely(m->pkt_len > omtu)) {
			c.too_big++;
			(void)dps_icmp6_error(ctx, in, m, DPS_ICMP6_PACKET_TOO_BIG, 0, omtu);
			rte_pktmbuf_free(m);
			continue;
		}
		nha = nh[i]->has_gw ? nh[i]->gw.b : dst[i];
		/* Back out of the NIC it came in on: a redirect (RFC 4861 8.2), as received. */
		if (unlikely(out == in))
			fwd6_redirect(ctx, in, m, ip, nha, nh[i]->has_gw, &c);
		ip->hop_limits--;
		if (last_nic != out || memcmp(last_nh, nha, 16) != 0) {
			struct dps_addr a;

			a.len = 16;
			memcpy(a.b, nha, 16);
			if (dps_neigh_lookup_rcu(s, out->id, &a, &mac) != 0) {
				c.forwarded++;
				dps_neigh_resolve_fwd(ctx, (struct dps_nic *)(uintptr_t)out, &a, m,
						      in->id);
				continue;
			}
			last_nic = out;
			memcpy(last_nh, nha, 16);
			dps_fp_eth_make(&last_hdr, &mac, &out->mac, type_be);
		}
		if (likely(eth_out(ctx, &run, out, m, &last_hdr)))
			c.forwarded++;
		else {
			c.bad++;
			rte_pktmbuf_free(m);
		}
	}
	dps_fp_run_flush(ctx, &run);
	if (unlikely(nl > 0))
		deliver_local(ctx, RTE_ETHER_TYPE_IPV6, local, local_nic, nl);
out:
	fwd_cnt_flush(ctx, in->id, &c);
}

void
dps_fwd6_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n)
{
	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)DPS_BURST);

		fwd6_chunk(ctx, in, pkts, k);
		pkts += k;
		n -= k;
	}
}
