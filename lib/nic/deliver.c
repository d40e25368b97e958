/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed's DeliverNetworkPacket in burst form. Runs on worker lcores: no lock, no
 * allocation, no shared write; two bulk map lookups per burst (destinations and sources).
 */
#include <errno.h>

#include "dps_nic_dp.h"

static inline void
drop(struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
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
	struct dps_ep_key dkey[DPS_BURST], skey[DPS_BURST];
	const void *dkp[DPS_BURST], *skp[DPS_BURST];
	void *dep[DPS_BURST], *sep[DPS_BURST];
	uint64_t dhit = 0, shit = 0;
	int status[DPS_BURST];
	uint16_t nok = 0, nv = 0, nl = 0, nf = 0;
	uint64_t malformed = 0, badsrc = 0, invalid = 0;
	bool forwarding;

	/* Seed: the minimum-size check comes before anything looks at the header. */
	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(pkts[i]->pkt_len < np->min_size)) {
			malformed++;
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
		ok[nv] = ok[i];
		src[nv] = src[i];
		dst[nv] = dst[i];
		dps_ep_key_make(&dkey[nv], nid, &dst[i]);
		dps_ep_key_make(&skey[nv], nid, &src[i]);
		dkp[nv] = &dkey[nv];
		skp[nv] = &skey[nv];
		nv++;
	}
	if (nv > 0) {
		rte_hash_lookup_bulk_data(s->ep_hash, dkp, nv, &dhit, dep);
		rte_hash_lookup_bulk_data(s->ep_hash, skp, nv, &shit, sep);
	}
	forwarding = np->forward_burst != NULL &&
		     __atomic_load_n(&s->forwarding, __ATOMIC_RELAXED) &&
		     __atomic_load_n(&nic->forwarding, __ATOMIC_RELAXED);
	for (uint16_t i = 0; i < nv; i++) {
		struct rte_mbuf *m = ok[i];

		/* Later gVisor (#1507): a packet claiming one of our own addresses as source. */
		if (unlikely(shit & (1ULL << i))) {
			const struct dps_endpoint *se = sep[i];

			if (__atomic_load_n(&se->kind, __ATOMIC_RELAXED) == DPS_EP_PERMANENT &&
			    __atomic_load_n(&se->refs, __ATOMIC_RELAXED) > 0) {
				badsrc++;
				drop(m);
				continue;
			}
		}
		if (dps_nic_rx_match_rcu(nic, (dhit & (1ULL << i)) ? dep[i] : NULL, &dst[i]) !=
		    DPS_RX_NONE) {
			local[nl++] = m;
		} else if (forwarding) {
			/* Seed: a promiscuous NIC never gets here, it matches everything. */
			fwd[nf++] = m;
		} else {
			invalid++;
			drop(m);
		}
	}
	if (malformed)
		dps_cnt_add(ctx, nid, DPS_CNT_MALFORMED_RCVD, malformed);
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
