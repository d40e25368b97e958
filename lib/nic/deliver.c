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

/*
 * Bulk map lookup of the addresses the local-address filter cannot rule out. out[i] gets the
 * endpoint of (nic, a[i]) or NULL.
 */
static inline void
lookup_maybe_local(const struct dps_stack *s, uint16_t nid, const struct dps_addr *a,
		   uint16_t n, void **out)
{
	struct dps_ep_key key[DPS_BURST];
	const void *kp[DPS_BURST];
	void *data[DPS_BURST];
	uint8_t idx[DPS_BURST];
	uint64_t hit = 0;
	uint16_t nk = 0;

	for (uint16_t i = 0; i < n; i++) {
		out[i] = NULL;
		if (!dps_stack_maybe_local(s, a[i].b, a[i].len))
			continue;
		dps_ep_key_make(&key[nk], nid, &a[i]);
		kp[nk] = &key[nk];
		idx[nk++] = (uint8_t)i;
	}
	if (nk == 0)
		return;
	rte_hash_lookup_bulk_data(s->ep_hash, kp, nk, &hit, data);
	for (uint16_t j = 0; j < nk; j++)
		if (hit & (1ULL << j))
			out[idx[j]] = data[j];
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
		if (nv != i) {
			ok[nv] = ok[i];
			src[nv] = src[i];
			dst[nv] = dst[i];
		}
		nv++;
	}
	/* Map lookups only for addresses the filter cannot rule out (usually no source). */
	lookup_maybe_local(s, nid, dst, nv, dep);
	lookup_maybe_local(s, nid, src, nv, sep);
	forwarding = np->forward_burst != NULL &&
		     __atomic_load_n(&s->forwarding, __ATOMIC_RELAXED) &&
		     __atomic_load_n(&nic->forwarding, __ATOMIC_RELAXED);
	for (uint16_t i = 0; i < nv; i++) {
		struct rte_mbuf *m = ok[i];

		/* Later gVisor (#1507): a packet claiming one of our own addresses as source. */
		if (unlikely(sep[i] != NULL)) {
			const struct dps_endpoint *se = sep[i];

			if (__atomic_load_n(&se->kind, __ATOMIC_RELAXED) == DPS_EP_PERMANENT &&
			    __atomic_load_n(&se->refs, __ATOMIC_RELAXED) > 0) {
				badsrc++;
				drop(m);
				continue;
			}
		}
		if (dps_nic_rx_match_rcu(nic, dep[i], &dst[i]) != DPS_RX_NONE) {
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
