/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed's DeliverNetworkPacket in burst form. Runs on worker lcores: no lock, no
 * allocation, no shared write; two bulk map lookups per burst (destinations and sources).
 */
#include <errno.h>

#include "dps_nic_priv.h"

static inline void
drop(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

/*
 * One bulk map lookup of the destinations and sources the local-address filter cannot rule
 * out (a stack-wide bitmap: usually no source, and no destination of a forwarded packet).
 * dep[i] / sep[i] get the endpoint of (nic, dst[i]) / (nic, src[i]) when bit i of the
 * returned *dmask / *smask is set; the entries of clear bits are not written.
 */
static inline void
lookup_maybe_local(const struct dps_stack *s, uint16_t nid, const struct dps_addr *dst,
		   const struct dps_addr *src, uint16_t n, void **dep, void **sep,
		   uint64_t *dmask, uint64_t *smask)
{
	struct dps_ep_key key[2 * DPS_BURST];
	const void *kp[2 * DPS_BURST];
	void *data[2 * DPS_BURST];
	uint8_t idx[2 * DPS_BURST];
	uint64_t dm = 0, sm = 0, hit = 0;
	uint16_t nk = 0;

	for (uint16_t i = 0; i < n; i++) {
		dm |= (uint64_t)dps_stack_maybe_local(s, dst[i].b, dst[i].len) << i;
		sm |= (uint64_t)dps_stack_maybe_local(s, src[i].b, src[i].len) << i;
	}
	*dmask = dm;
	*smask = sm;
	if (likely((dm | sm) == 0))
		return;
	/* Keys 0..nd-1 are destinations, the rest sources; idx says which packet. */
	for (uint64_t m = dm; m != 0; m &= m - 1) {
		uint16_t i = (uint16_t)__builtin_ctzll(m);

		dps_ep_key_make(&key[nk], nid, &dst[i]);
		kp[nk] = &key[nk];
		idx[nk++] = (uint8_t)i;
	}
	for (uint64_t m = sm; m != 0; m &= m - 1) {
		uint16_t i = (uint16_t)__builtin_ctzll(m);

		dps_ep_key_make(&key[nk], nid, &src[i]);
		kp[nk] = &key[nk];
		idx[nk++] = (uint8_t)i;
	}
	/* rte_hash bulk lookups take at most RTE_HASH_LOOKUP_BULK_MAX (64) keys. */
	rte_hash_lookup_bulk_data(s->ep_hash, kp, nk, &hit, data);
	for (uint16_t j = 0, nd = (uint16_t)__builtin_popcountll(dm); j < nk; j++) {
		void *ep = (hit >> j) & 1 ? data[j] : NULL;

		if (j < nd)
			dep[idx[j]] = ep;
		else
			sep[idx[j]] = ep;
	}
}

/* An IPv4 (224/4, RFC 5771) or IPv6 (ff00::/8, RFC 4291 2.7) group address. */
static inline bool
addr_is_group(const struct dps_addr *a)
{
	return a->len == 4 ? (a->b[0] & 0xf0) == 0xe0 : a->b[0] == 0xff;
}

/* One chunk of at most DPS_BURST packets. */
static void
deliver_chunk(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_netproto_ops *np,
	      struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_stack *s = nic->stack;
	const uint16_t nid = nic->id;
	struct rte_mbuf *ok[DPS_BURST], *local[DPS_BURST], *fwd[DPS_BURST];
	struct dps_addr src[DPS_BURST], dst[DPS_BURST];
	void *dep[DPS_BURST], *sep[DPS_BURST];
	int status[DPS_BURST];
	uint16_t nok = 0, nv = 0, nl = 0, nf = 0;
	uint64_t malformed = 0, badsrc = 0, invalid = 0, oversize = 0, dmask, smask;
	uint64_t shorts = 0, mcast = 0, disabled = 0, others = 0;
	const uint32_t mtu = __atomic_load_n(&nic->mtu, __ATOMIC_RELAXED);
	bool forwarding, fwd_off, promisc;

	/*
	 * Seed: the minimum-size check comes before anything looks at the header. A packet
	 * longer than the MTU is dropped too: a PMD that hands one over (net_pcap, net_tap) would
	 * otherwise get replies (echo) and forwarded copies larger than the link may carry.
	 */
	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(pkts[i]->pkt_len < np->min_size)) {
			shorts++;
			drop(pkts[i]);
			continue;
		}
		if (unlikely(pkts[i]->pkt_len > mtu)) {
			oversize++;
			drop(pkts[i]);
			continue;
		}
		ok[nok++] = pkts[i];
	}
	if (nok > 0)
		np->parse_burst(ctx, nic, ok, nok, src, dst, status);
	for (uint16_t i = 0; i < nok; i++) {
		if (unlikely(status[i] < 0)) {
			if (status[i] == -EADDRNOTAVAIL)
				badsrc++;
			else
				malformed++;
			drop(ok[i]);
			continue;
		}
		/* Compact in place: entry nv <= i. */
		if (nv != i) {
			ok[nv] = ok[i];
			src[nv] = src[i];
			dst[nv] = dst[i];
		}
		nv++;
	}
	/* Map lookups only for addresses the filter cannot rule out (usually no source). */
	lookup_maybe_local(s, nid, dst, src, nv, dep, sep, &dmask, &smask);
	forwarding = np->forward_burst != NULL &&
		     __atomic_load_n(&dps_stack_priv(s)->forwarding, __ATOMIC_RELAXED);
	/* The stack forwards but this NIC does not: fwd.disabled, not "not ours". */
	fwd_off = forwarding && !__atomic_load_n(&dps_nic_priv(nic)->forwarding, __ATOMIC_RELAXED);
	forwarding = forwarding && !fwd_off;
	/*
	 * Read once per burst (a change lands between two bursts, as if just before or after
	 * it): a destination with no endpoint matches only a promiscuous NIC or a range.
	 */
	promisc = __atomic_load_n(&nic->promiscuous, __ATOMIC_RELAXED);
	if (unlikely(__atomic_load_n(&nic->ranges, __ATOMIC_RELAXED) != NULL) || promisc) {
		/* The general per-packet rule below, with no endpoint where the filter said so. */
		for (uint16_t i = 0; i < nv; i++)
			if (!((dmask >> i) & 1))
				dep[i] = NULL;
		dmask = ~0ULL;
	}
	for (uint16_t i = 0; i < nv; i++) {
		struct rte_mbuf *m = ok[i];

		/* Later gVisor (#1507): a packet claiming one of our own addresses as source. */
		if (unlikely((smask >> i) & 1) && sep[i] != NULL) {
			const struct dps_endpoint *se = sep[i];

			/*
			 * Not a tentative address: the node that owns it answers our DAD from it
			 * (RFC 4862 5.4.4), and it is not ours yet.
			 */
			if (__atomic_load_n(&se->kind, __ATOMIC_RELAXED) == DPS_EP_PERMANENT &&
			    __atomic_load_n(&se->refs, __ATOMIC_RELAXED) > 0 &&
			    __atomic_load_n(&se->dad, __ATOMIC_RELAXED) == DPS_DAD_NONE) {
				badsrc++;
				drop(m);
				continue;
			}
		}
		if (((dmask >> i) & 1) &&
		    dps_nic_rx_match_rcu(nic, dep[i], &dst[i]) != DPS_RX_NONE) {
			local[nl++] = m;
		} else if (forwarding) {
			/* Seed: a promiscuous NIC never gets here, it matches everything. */
			fwd[nf++] = m;
		} else if (addr_is_group(&dst[i])) {
			/* A group nobody joined: LAN chatter (IGMP, MLD), ignored, not a drop. */
			mcast++;
			drop(m);
		} else if (fwd_off) {
			disabled++;
			drop(m);
		} else if (np->number == RTE_ETHER_TYPE_ARP) {
			/* ARP for another host on the LAN: ignored, info (arp.not_for_us). */
			others++;
			drop(m);
		} else {
			invalid++;
			drop(m);
		}
	}
	if (unlikely(oversize))
		dps_cnt_add(ctx, nid, DPS_CNT_RX_OVERSIZE, oversize);
	if (unlikely(shorts)) {
		dps_cnt_add(ctx, nid, DPS_CNT_NET_TOO_SHORT, shorts);
		malformed += shorts;
	}
	if (malformed)
		dps_cnt_add(ctx, nid, DPS_CNT_MALFORMED_RCVD, malformed);
	if (mcast)
		dps_cnt_add(ctx, nid, DPS_CNT_IP_MCAST_NOT_JOINED, mcast);
	if (others)
		dps_cnt_add(ctx, nid, DPS_CNT_ARP_NOT_FOR_US, others);
	if (unlikely(disabled))
		dps_cnt_add(ctx, nid, DPS_CNT_FWD_DISABLED, disabled);
	if (badsrc)
		dps_cnt_add(ctx, nid, DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED, badsrc);
	if (invalid)
		dps_cnt_add(ctx, nid, DPS_CNT_IP_INVALID_ADDRESSES_RECEIVED, invalid);
	if (nl > 0) {
		if (np->is_ip)
			dps_cnt_add(ctx, nid, DPS_CNT_IP_PACKETS_DELIVERED, nl);
		np->handle_burst(ctx, nic, local, nl);
	}
	if (nf > 0)
		np->forward_burst(ctx, nic, fwd, nf);
}

void
dps_nic_deliver_network(struct dps_ctx *ctx, struct dps_nic *nic, uint16_t proto,
			struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_stack *s = nic->stack;
	const struct dps_netproto_ops *np;
	uint64_t bytes = 0;
	int slot;

	if (n == 0)
		return;
	/* Seed: rx counters first, before any check. Bytes are whole frames (deviation h). */
	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len + pkts[i]->l2_len;
	dps_cnt_add(ctx, nic->id, DPS_CNT_RX_PACKETS, n);
	dps_cnt_add(ctx, nic->id, DPS_CNT_RX_BYTES, bytes);

	slot = dps_stack_np_slot(s, proto);
	if (unlikely(slot < 0)) {
		dps_cnt_add(ctx, nic->id, DPS_CNT_ETH_UNKNOWN_TYPE, n);
		dps_cnt_add(ctx, nic->id, DPS_CNT_UNKNOWN_PROTOCOL_RCVD, n);
		rte_pktmbuf_free_bulk(pkts, n);
		return;
	}
	np = s->np[slot];
	if (np->is_ip)
		dps_cnt_add(ctx, nic->id, DPS_CNT_IP_PACKETS_RECEIVED, n);
	for (uint16_t off = 0; off < n; off += DPS_BURST)
		deliver_chunk(ctx, nic, np, pkts + off, RTE_MIN(n - off, DPS_BURST));
}
