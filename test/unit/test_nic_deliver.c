/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docs/semantics.md rules 21-29: the seed's DeliverNetworkPacket (burst form), transmit
 * counting, DeliverTransportPacket and DeliverTransportControlPacket. One case per rule, named
 * after it. Every case checks that every mbuf came back to the pool (fx_done).
 */
#include "dps_test.h"
#include "dps_neigh.h"
#include "nic_fake.h"

#define SETUP(f, flags)                                                                            \
	static struct fx f; /* outlives the case: its cleanup runs after a failed CHECK */         \
	CHECK_EQ(fx_setup(&f, (flags)), 0)
#define DONE(f) CHECK(fx_done(&f))
#define CNT(c) fx_cnt(&f, NULL, DPS_CNT_##c)
#define NCNT(nic, c) fx_cnt(&f, (nic), DPS_CNT_##c)

static char abuf[64];

/* Deliver a burst of n packets built by the caller. */
static void
deliver(struct fx *f, struct dps_nic *nic, uint16_t proto, struct rte_mbuf **m, uint16_t n)
{
	dps_nic_deliver_network(f->ctx, nic, proto, m, n);
}

/* ---- 21-27. DeliverNetworkPacket ---- */

DPS_TEST(rule21a_rx_counted_first_for_every_packet)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.0.0.1");
	struct rte_mbuf *m[3];
	uint64_t bytes;
	SETUP(f, 0);

	m[0] = fake_pkt(f.pool, &s, &d);
	m[1] = fake_pkt_len(f.pool, 5);
	m[2] = fake_pkt_ex(f.pool, FAKE_T_BAD, &s, &d, NULL, 0);
	CHECK(m[0] && m[1] && m[2]);
	bytes = 3 * FAKE_L2_LEN + m[0]->pkt_len + m[1]->pkt_len + m[2]->pkt_len;
	deliver(&f, f.nic, FAKE_UNREG, &m[0], 1); /* unknown protocol */
	deliver(&f, f.nic, FAKE_V4, &m[1], 2);    /* short, bad header */
	CHECK_EQ(NCNT(f.nic, RX_PACKETS), 3);
	CHECK_EQ(NCNT(f.nic, RX_BYTES), bytes);
	CHECK_EQ(NCNT(f.nic2, RX_PACKETS), 0);
	DONE(f);
}

DPS_TEST(rule21b_rx_bytes_count_whole_frames)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.0.0.1");
	struct rte_mbuf *m;
	uint32_t len;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	m = fake_pkt_ex(f.pool, FAKE_T_OK, &s, &d, NULL, 100);
	CHECK(m != NULL);
	len = rte_pktmbuf_pkt_len(m);
	CHECK_EQ(m->l2_len, FAKE_L2_LEN);
	deliver(&f, f.nic, FAKE_V4, &m, 1);
	CHECK_EQ(NCNT(f.nic, RX_BYTES), len + FAKE_L2_LEN);
	DONE(f);
}

DPS_TEST(rule22a_unknown_network_protocol)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.0.0.1");
	struct rte_mbuf *m;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	m = fake_pkt(f.pool, &s, &d);
	deliver(&f, f.nic, FAKE_UNREG, &m, 1);
	CHECK_EQ(CNT(UNKNOWN_PROTOCOL_RCVD), 1);
	CHECK_EQ(CNT(IP_PACKETS_RECEIVED), 0);
	CHECK_EQ(fake_rec.parsed, 0);
	CHECK_EQ(fake_rec.handled, 0);
	DONE(f);
}

DPS_TEST(rule22b_ip_packets_received_only_for_ip)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.0.0.1");
	struct rte_mbuf *m;
	SETUP(f, FX_NOIP);

	m = fake_pkt(f.pool, &s, &d);
	deliver(&f, f.nic, FAKE_NOIP, &m, 1);
	CHECK_EQ(CNT(IP_PACKETS_RECEIVED), 0);
	m = fake_pkt(f.pool, &s, &d);
	deliver(&f, f.nic, FAKE_V4, &m, 1);
	CHECK_EQ(CNT(IP_PACKETS_RECEIVED), 1);
	CHECK_EQ(CNT(UNKNOWN_PROTOCOL_RCVD), 0);
	DONE(f);
}

DPS_TEST(rule22c_shorter_than_minimum_malformed)
{
	struct rte_mbuf *m[2];
	SETUP(f, 0);

	m[0] = fake_pkt_len(f.pool, 9);  /* IPv4-like minimum is 10 */
	m[1] = fake_pkt_len(f.pool, 33); /* IPv6-like minimum is 34 */
	deliver(&f, f.nic, FAKE_V4, &m[0], 1);
	deliver(&f, f.nic, FAKE_V6, &m[1], 1);
	CHECK_EQ(CNT(MALFORMED_RCVD), 2);
	CHECK_EQ(CNT(IP_PACKETS_RECEIVED), 2); /* counted before the size check */
	CHECK_EQ(fake_rec.parsed, 0);          /* never handed to the parser */
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 0);
	DONE(f);
}

DPS_TEST(rule22c2_longer_than_mtu_dropped)
{
	struct rte_mbuf *m[2];
	SETUP(f, 0);

	m[0] = fake_pkt_len(f.pool, 1501); /* the fixture's NIC has the default MTU, 1500 */
	m[1] = fake_pkt_len(f.pool, 1500);
	deliver(&f, f.nic, FAKE_V4, &m[0], 1);
	CHECK_EQ(CNT(RX_OVERSIZE), 1);
	CHECK_EQ(fake_rec.parsed, 0);
	deliver(&f, f.nic, FAKE_V4, &m[1], 1);
	CHECK_EQ(CNT(RX_OVERSIZE), 1);
	CHECK_EQ(fake_rec.parsed, 1);
	DONE(f);
}

DPS_TEST(rule22d_header_error_malformed)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.0.0.1");
	struct rte_mbuf *m;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	m = fake_pkt_ex(f.pool, FAKE_T_BAD, &s, &d, NULL, 8);
	deliver(&f, f.nic, FAKE_V4, &m, 1);
	CHECK_EQ(fake_rec.parsed, 1);
	CHECK_EQ(CNT(MALFORMED_RCVD), 1);
	CHECK_EQ(fake_rec.handled, 0);
	CHECK_EQ(CNT(IP_INVALID_SOURCE_ADDRESSES_RECEIVED), 0);
	DONE(f);
}

DPS_TEST(rule22e_chained_packet_accepted)
{
	struct dps_addr s = A("2001:db8::9"), d = A("2001:db8::1");
	struct rte_mbuf *m;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	m = fake_pkt_chain(f.pool, &s, &d);
	CHECK(m != NULL);
	CHECK_EQ(m->nb_segs, 2);
	CHECK(rte_pktmbuf_data_len(m) < fake_v6_ops.min_size);
	deliver(&f, f.nic, FAKE_V6, &m, 1);
	CHECK_EQ(fake_rec.handled, 1);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	CHECK(dps_addr_eq(&fake_rec.log[0], &d));
	DONE(f);
}

DPS_TEST(rule23a_no_link_address_learning_from_packets)
{
	struct dps_neigh_info ni[4];
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 1);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.8", "10.0.0.77"), 0);
	dps_neigh_poll(f.s, f.ctx);
	CHECK_EQ(dps_neigh_list(f.s, ni, 4), 0);
	CHECK_EQ(CNT(NEIGH_LEARNED), 0);
	DONE(f);
}

DPS_TEST(rule23b_multicast_or_broadcast_source_dropped)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "224.0.0.1", "10.0.0.1"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "255.255.255.255", "10.0.0.1"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "ff02::1", "2001:db8::1"), 0);
	CHECK_EQ(CNT(IP_INVALID_SOURCE_ADDRESSES_RECEIVED), 3);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 0);
	CHECK_EQ(CNT(IP_PACKETS_DELIVERED), 0);
	DONE(f);
}

DPS_TEST(rule23c_own_source_dropped)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.2", "10.0.0.1"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.1", "10.0.0.1"), 0);
	CHECK_EQ(CNT(IP_INVALID_SOURCE_ADDRESSES_RECEIVED), 2);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 0);
	/* Another NIC's address is not this NIC's own. */
	CHECK_EQ(fx_add(f.nic2, "10.0.0.3/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.3", "10.0.0.1"), 1);
	DONE(f);
}

DPS_TEST(rule24a_local_endpoint_delivered)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 1);
	CHECK_EQ(CNT(IP_PACKETS_DELIVERED), 1);
	CHECK_EQ(NCNT(f.nic, IP_PACKETS_DELIVERED), 1);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 0);
	CHECK_EQ(CNT(IP_PACKETS_RECEIVED), 1);
	DONE(f);
}

DPS_TEST(rule24b_one_handler_call_per_burst_in_order)
{
	const char *dst[10] = {"10.0.0.1", "10.0.0.2", "10.0.0.77", "10.0.0.2", "10.0.0.1",
			       "10.0.0.78", "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"};
	struct rte_mbuf *m[10];
	struct dps_addr s = A("10.0.0.9");
	unsigned int k = 0;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	for (int i = 0; i < 10; i++) {
		struct dps_addr d = A(dst[i]);

		m[i] = fake_pkt(f.pool, &s, &d);
	}
	deliver(&f, f.nic, FAKE_V4, m, 10);
	CHECK_EQ(fake_rec.handle_calls, 1);
	CHECK_EQ(fake_rec.handled, 8);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 2);
	CHECK_EQ(CNT(IP_PACKETS_DELIVERED), 8);
	for (int i = 0; i < 10; i++) {
		struct dps_addr d = A(dst[i]);

		if (strcmp(dst[i], "10.0.0.77") == 0 || strcmp(dst[i], "10.0.0.78") == 0)
			continue;
		CHECK(dps_addr_eq(&fake_rec.log[k], &d));
		k++;
	}
	DONE(f);
}

DPS_TEST(rule24c_promiscuous_view_creates_no_entry)
{
	int64_t live;
	SETUP(f, 0);

	dps_stack_synchronize(f.s);
	live = dps_stack_live_endpoints(f.s);
	dps_nic_set_promiscuous(f.nic, true);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.7.7.7"), 1);
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::9", "2001:db8::7"), 1);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	CHECK_EQ(dps_stack_live_endpoints(f.s), live);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:7"), 0);
	CHECK_EQ(CNT(IP_PACKETS_DELIVERED), 2);
	DONE(f);
}

DPS_TEST(rule24d_range_view_creates_no_entry)
{
	struct dps_prefix r = P("10.7.0.0/16");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.7.7.7"), 1);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.7.0.0"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.7.255.255"), 0);
	CHECK_EQ(fx_send(&f, f.nic2, "10.0.0.9", "10.7.7.7"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 3);
	DONE(f);
}

DPS_TEST(rule24e_expired_not_delivered_unless_promiscuous)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 0);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 1);
	dps_nic_set_promiscuous(f.nic, true);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 1);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule24f_temporary_entry_delivered_while_held)
{
	struct dps_endpoint *t;
	SETUP(f, 0);

	dps_nic_set_spoofing(f.nic, true);
	t = fx_find(f.nic, "10.0.0.5", DPS_PEB_CAN_BE_PRIMARY);
	CHECK(t != NULL);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.5"), 1);
	dps_endpoint_put(t);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.5"), 0);
	DONE(f);
}

DPS_TEST(rule25a_not_ours_invalid_address)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.2"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::9", "2001:db8::2"), 0);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 2);
	CHECK_EQ(NCNT(f.nic, IP_INVALID_ADDRESSES_RECEIVED), 2);
	CHECK_EQ(fake_rec.forwarded, 0);
	DONE(f);
}

DPS_TEST(rule25b_promiscuous_never_forwards)
{
	SETUP(f, 0);

	dps_stack_set_forwarding(f.s, true);
	dps_nic_set_forwarding(f.nic, true);
	dps_nic_set_promiscuous(f.nic, true);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.5.5.5"), 1);
	CHECK_EQ(fake_rec.forwarded, 0);
	DONE(f);
}

DPS_TEST(rule26a_forward_needs_stack_and_nic_switches)
{
	SETUP(f, 0);

	for (int st = 0; st < 2; st++) {
		for (int nc = 0; nc < 2; nc++) {
			unsigned int fw0 = fake_rec.forwarded;
			uint64_t inv0 = CNT(IP_INVALID_ADDRESSES_RECEIVED);
			uint64_t dis0 = CNT(FWD_DISABLED);

			dps_stack_set_forwarding(f.s, st);
			dps_nic_set_forwarding(f.nic, nc);
			CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.5.5.5"), 0);
			CHECK_EQ(fake_rec.forwarded - fw0, st && nc ? 1 : 0);
			/* Stack off: not ours (seed). Stack on, NIC off: fwd.disabled, its own reason. */
			CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED) - inv0, st ? 0 : 1);
			CHECK_EQ(CNT(FWD_DISABLED) - dis0, st && !nc ? 1 : 0);
		}
	}
	CHECK_EQ(fake_rec.forward_calls, 1);
	CHECK_EQ(CNT(IP_PACKETS_DELIVERED), 0);
	DONE(f);
}

DPS_TEST(rule26b_no_forward_hook_invalid_address)
{
	struct dps_addr s = A("10.0.0.9"), d = A("10.5.5.5");
	struct rte_mbuf *m;
	SETUP(f, FX_NOIP);

	dps_stack_set_forwarding(f.s, true);
	dps_nic_set_forwarding(f.nic, true);
	m = fake_pkt(f.pool, &s, &d);
	deliver(&f, f.nic, FAKE_NOIP, &m, 1);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 1);
	CHECK_EQ(fake_rec.forwarded, 0);
	DONE(f);
}

DPS_TEST(rule26c_other_nic_address_is_not_local)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic2, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 0);
	CHECK_EQ(NCNT(f.nic, IP_INVALID_ADDRESSES_RECEIVED), 1);
	dps_stack_set_forwarding(f.s, true);
	dps_nic_set_forwarding(f.nic, true);
	/* With forwarding on, the protocol's forward hook decides (route, local delivery). */
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 0);
	CHECK_EQ(fake_rec.forwarded, 1);
	DONE(f);
}

DPS_TEST(rule26d_mixed_burst_split_by_verdict)
{
	const char *dst[6] = {"10.0.0.1", "10.5.5.5", "10.0.0.1", "10.5.5.6", "10.5.5.7",
			      "10.0.0.1"};
	struct rte_mbuf *m[6];
	struct dps_addr s = A("10.0.0.9");
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	dps_stack_set_forwarding(f.s, true);
	dps_nic_set_forwarding(f.nic, true);
	for (int i = 0; i < 6; i++) {
		struct dps_addr d = A(dst[i]);

		m[i] = fake_pkt(f.pool, &s, &d);
	}
	deliver(&f, f.nic, FAKE_V4, m, 6);
	CHECK_EQ(fake_rec.handled, 3);
	CHECK_EQ(fake_rec.forwarded, 3);
	CHECK_EQ(fake_rec.forward_calls, 1);
	CHECK_EQ(strcmp(dps_addr_fmt(&fake_rec.fwd_log[0], abuf, sizeof(abuf)), "10.5.5.5"), 0);
	CHECK_EQ(strcmp(dps_addr_fmt(&fake_rec.fwd_log[2], abuf, sizeof(abuf)), "10.5.5.7"), 0);
	CHECK_EQ(CNT(IP_INVALID_ADDRESSES_RECEIVED), 0);
	DONE(f);
}

DPS_TEST(rule27a_tx_counts_whole_frames_accepted)
{
	struct rte_mbuf *m[3];
	SETUP(f, 0);

	f.link.accept = 2;
	m[0] = fake_pkt_len(f.pool, 46);
	m[1] = fake_pkt_len(f.pool, 56);
	m[2] = fake_pkt_len(f.pool, 66);
	for (int i = 0; i < 3; i++) {
		rte_pktmbuf_prepend(m[i], FAKE_L2_LEN); /* a whole frame, link header included */
		dps_ctx_tx(f.ctx, f.nic, m[i]);
	}
	CHECK_EQ(f.link.calls, 0);
	dps_ctx_flush(f.ctx);
	CHECK_EQ(f.link.pkts, 2);
	CHECK_EQ(NCNT(f.nic, TX_PACKETS), 2);
	CHECK_EQ(NCNT(f.nic, TX_BYTES), 60 + 70);
	CHECK_EQ(NCNT(f.nic, TX_DROPPED), 1);
	CHECK_EQ(NCNT(f.nic2, TX_PACKETS), 0);
	DONE(f);
}

DPS_TEST(rule27b_tx_buffer_flushes_when_full)
{
	SETUP(f, 0);

	for (int i = 0; i < DPS_TX_BURST; i++)
		dps_ctx_tx(f.ctx, f.nic2, fake_pkt_len(f.pool, 50));
	CHECK_EQ(f.link2.calls, 1);
	CHECK_EQ(f.link2.pkts, DPS_TX_BURST);
	CHECK_EQ(NCNT(f.nic2, TX_PACKETS), DPS_TX_BURST);
	dps_ctx_tx(f.ctx, f.nic2, fake_pkt_len(f.pool, 50));
	CHECK_EQ(f.link2.calls, 1);
	dps_ctx_flush(f.ctx);
	CHECK_EQ(f.link2.calls, 2);
	CHECK_EQ(NCNT(f.nic2, TX_PACKETS), DPS_TX_BURST + 1);
	DONE(f);
}

/* ---- 28-29. DeliverTransportPacket / DeliverTransportControlPacket ---- */

struct tp_hit {
	unsigned int rx[8];
	unsigned int ctl[8];
	int last;
	uint16_t sport, dport;
	int ctl_type;
	uint32_t ctl_extra;
	unsigned int raw;
	unsigned int dflt;
	bool dflt_take;
};
static struct tp_hit hit;
static int tag[8] = {0, 1, 2, 3, 4, 5, 6, 7};

static void
tp_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m, const struct dps_pktinfo *info,
      void *arg)
{
	int t = *(int *)arg;

	hit.rx[t]++;
	hit.last = t;
	hit.sport = info->sport;
	hit.dport = info->dport;
	rte_pktmbuf_free(m);
}

static void
tp_ctl(struct dps_ctx *ctx, struct dps_tep *tep, int type, uint32_t extra, const struct rte_mbuf *m,
       void *arg)
{
	hit.ctl[*(int *)arg]++;
	hit.ctl_type = type;
	hit.ctl_extra = extra;
}

static void
raw_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m, const struct dps_pktinfo *info,
       void *arg)
{
	hit.raw++;
	rte_pktmbuf_free(m);
}

static bool
dflt(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m, void *arg)
{
	hit.dflt++;
	if (hit.dflt_take)
		rte_pktmbuf_free(m);
	return hit.dflt_take;
}

/* Deliver one fake transport packet src:sport -> dst:dport with an l4 of l4_len bytes. */
static void
tp_send(struct fx *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	uint16_t l4_len, uint8_t tproto, bool multi)
{
	struct dps_addr s = A(src), d = A(dst);
	struct rte_mbuf *m = fake_tp_pkt(f->pool, &s, &d, sport, dport, l4_len);
	struct dps_pktinfo info;

	fake_tp_info(&info, f->nic, &s, &d, tproto, l4_len);
	info.local_is_multi = multi;
	dps_nic_deliver_transport(f->ctx, &info, m);
}

static int
bind4(struct fx *f, uint16_t lport, const char *laddr, uint16_t rport, const char *raddr, int t,
      struct dps_tep **out)
{
	struct dps_tep_id id;

	memset(&id, 0, sizeof(id));
	id.local_port = lport;
	if (laddr != NULL)
		id.local_addr = A(laddr);
	id.remote_port = rport;
	if (raddr != NULL)
		id.remote_addr = A(raddr);
	return dps_tep_bind(f->s, FAKE_V4, FAKE_TP, &id, tp_rx, tp_ctl, &tag[t], out);
}

DPS_TEST(rule28a_transport_unknown_protocol)
{
	struct dps_raw *r;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(dps_raw_bind(f.s, FAKE_V4, FAKE_TP, raw_rx, NULL, &r), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 2, 16, 99, false);
	CHECK_EQ(CNT(UNKNOWN_PROTOCOL_RCVD), 1);
	CHECK_EQ(hit.raw, 0);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	CHECK_EQ(dps_raw_unbind(f.s, r), 0);
	DONE(f);
}

DPS_TEST(rule28b_raw_copies_before_any_check)
{
	struct dps_raw *r1, *r2;
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(dps_raw_bind(f.s, FAKE_V4, FAKE_TP, raw_rx, NULL, &r1), 0);
	CHECK_EQ(dps_raw_bind(f.s, FAKE_V4, FAKE_TP, raw_rx, NULL, &r2), 0);
	CHECK_EQ(bind4(&f, 2, NULL, 0, NULL, 1, &t), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 2, 4, FAKE_TP, false); /* too short */
	CHECK_EQ(hit.raw, 2);
	CHECK_EQ(CNT(MALFORMED_RCVD), 1);
	CHECK_EQ(hit.rx[1], 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 2, 16, FAKE_TP, false); /* good */
	CHECK_EQ(hit.raw, 4);
	CHECK_EQ(hit.rx[1], 1);
	CHECK_EQ(CNT(RAW_DELIVERED), 4);
	CHECK_EQ(dps_raw_unbind(f.s, r1), 0);
	CHECK_EQ(dps_raw_unbind(f.s, r2), 0);
	CHECK_EQ(dps_tep_unbind(f.s, t), 0);
	DONE(f);
}

DPS_TEST(rule28c_transport_short_malformed)
{
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 2, NULL, 0, NULL, 1, &t), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 2, 7, FAKE_TP, false);
	CHECK_EQ(CNT(MALFORMED_RCVD), 1);
	CHECK_EQ(hit.rx[1], 0);
	CHECK_EQ(fake_rec.unknown_dest, 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 2, 8, FAKE_TP, false);
	CHECK_EQ(hit.rx[1], 1);
	DONE(f);
}

DPS_TEST(rule28d_transport_bad_ports_malformed)
{
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", FAKE_TP_BADPORT, 16, FAKE_TP, false);
	CHECK_EQ(CNT(MALFORMED_RCVD), 1);
	CHECK_EQ(fake_rec.unknown_dest, 0);
	CHECK_EQ(CNT(UDP_UNKNOWN_PORT_ERRORS), 0);
	DONE(f);
}

DPS_TEST(rule28e_demux_most_specific_first)
{
	struct dps_tep *t[5];
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 53, NULL, 0, NULL, 4, &t[4]), 0);                 /* port only */
	CHECK_EQ(bind4(&f, 53, "10.0.0.1", 0, NULL, 3, &t[3]), 0);           /* no remote */
	CHECK_EQ(bind4(&f, 53, NULL, 999, "10.0.0.9", 2, &t[2]), 0);         /* no local */
	CHECK_EQ(bind4(&f, 53, "10.0.0.1", 999, "10.0.0.9", 1, &t[1]), 0);   /* full */
	for (int want = 1; want <= 4; want++) {
		tp_send(&f, "10.0.0.9", 999, "10.0.0.1", 53, 16, FAKE_TP, false);
		CHECK_EQ(hit.last, want);
		CHECK_EQ(hit.rx[want], 1);
		CHECK_EQ(dps_tep_unbind(f.s, t[want]), 0);
	}
	tp_send(&f, "10.0.0.9", 999, "10.0.0.1", 53, 16, FAKE_TP, false);
	CHECK_EQ(fake_rec.unknown_dest, 1);
	CHECK_EQ(hit.rx[1] + hit.rx[2] + hit.rx[3] + hit.rx[4], 4);
	DONE(f);
}

DPS_TEST(rule28f_demux_fills_ports)
{
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 5353, NULL, 0, NULL, 1, &t), 0);
	tp_send(&f, "10.0.0.9", 40000, "10.0.0.1", 5353, 16, FAKE_TP, false);
	CHECK_EQ(hit.rx[1], 1);
	CHECK_EQ(hit.sport, 40000);
	CHECK_EQ(hit.dport, 5353);
	DONE(f);
}

DPS_TEST(rule28g_multicast_reaches_every_match)
{
	struct dps_tep *t1, *t2, *t3;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 5353, NULL, 0, NULL, 1, &t1), 0);
	CHECK_EQ(bind4(&f, 5353, "224.0.0.251", 0, NULL, 2, &t2), 0);
	CHECK_EQ(bind4(&f, 5354, NULL, 0, NULL, 3, &t3), 0);
	tp_send(&f, "10.0.0.9", 5353, "224.0.0.251", 5353, 16, FAKE_TP, true);
	CHECK_EQ(hit.rx[1], 1);
	CHECK_EQ(hit.rx[2], 1);
	CHECK_EQ(hit.rx[3], 0);
	/* Unicast reaches only the most specific. */
	tp_send(&f, "10.0.0.9", 5353, "224.0.0.251", 5353, 16, FAKE_TP, false);
	CHECK_EQ(hit.rx[2], 2);
	CHECK_EQ(hit.rx[1], 1);
	DONE(f);
}

DPS_TEST(rule28h_demux_miss_counts_unknown_port)
{
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	hit.dflt_take = true;
	CHECK_EQ(dps_stack_set_default_handler(f.s, FAKE_TP, dflt, NULL), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 7, 16, FAKE_TP, false);
	/* Seed: the demuxer counts the miss even though the default handler then takes it. */
	CHECK_EQ(hit.dflt, 1);
	CHECK_EQ(CNT(UDP_UNKNOWN_PORT_ERRORS), 1);
	CHECK_EQ(fake_rec.unknown_dest, 0);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	DONE(f);
}

DPS_TEST(rule28i_default_handler_takes)
{
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	hit.dflt_take = true;
	CHECK_EQ(dps_stack_set_default_handler(f.s, FAKE_TP, dflt, NULL), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 7, 16, FAKE_TP, false);
	CHECK_EQ(hit.dflt, 1);
	CHECK_EQ(fake_rec.unknown_dest, 0);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	DONE(f);
}

DPS_TEST(rule28j_default_handler_declines_then_unknown_destination)
{
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	hit.dflt_take = false;
	CHECK_EQ(dps_stack_set_default_handler(f.s, FAKE_TP, dflt, NULL), 0);
	CHECK_EQ(bind4(&f, 8, NULL, 0, NULL, 1, &t), 0);
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 8, 16, FAKE_TP, false);
	CHECK_EQ(hit.dflt, 0); /* a bound endpoint comes first */
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 7, 16, FAKE_TP, false);
	CHECK_EQ(hit.dflt, 1);
	CHECK_EQ(fake_rec.unknown_dest, 1);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0);
	DONE(f);
}

DPS_TEST(rule28k_unknown_destination_false_malformed)
{
	SETUP(f, 0);

	fake_rec.unknown_dest_ret = false;
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 7, 16, FAKE_TP, false);
	CHECK_EQ(fake_rec.unknown_dest, 1);
	CHECK_EQ(CNT(MALFORMED_RCVD), 1);
	DONE(f);
}

DPS_TEST(rule28l_validate_failure_drops_before_demux)
{
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 8, NULL, 0, NULL, 1, &t), 0);
	fake_rec.validate_drop = true;
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 8, 16, FAKE_TP, false);
	CHECK_EQ(fake_rec.validated, 1);
	CHECK_EQ(hit.rx[1], 0);
	CHECK_EQ(fake_rec.unknown_dest, 0);
	CHECK_EQ(CNT(MALFORMED_RCVD), 0); /* the protocol counted its own reason */
	fake_rec.validate_drop = false;
	tp_send(&f, "10.0.0.9", 1, "10.0.0.1", 8, 16, FAKE_TP, false);
	CHECK_EQ(hit.rx[1], 1);
	DONE(f);
}

DPS_TEST(rule28m_bound_addresses_must_match)
{
	struct dps_tep *t1, *t2;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 8, "10.0.0.1", 9, "10.0.0.99", 1, &t1), 0);
	CHECK_EQ(bind4(&f, 8, "10.0.0.2", 0, NULL, 2, &t2), 0);
	tp_send(&f, "10.0.0.9", 9, "10.0.0.1", 8, 16, FAKE_TP, false);
	CHECK_EQ(hit.rx[1] + hit.rx[2], 0);
	CHECK_EQ(fake_rec.unknown_dest, 1);
	tp_send(&f, "10.0.0.99", 9, "10.0.0.1", 8, 16, FAKE_TP, false);
	CHECK_EQ(hit.rx[1], 1);
	DONE(f);
}

DPS_TEST(rule28n_bind_exact_duplicate_refused)
{
	struct dps_tep *t1, *t2;
	SETUP(f, 0);

	CHECK_EQ(bind4(&f, 8, "10.0.0.1", 0, NULL, 1, &t1), 0);
	CHECK_EQ(bind4(&f, 8, "10.0.0.1", 0, NULL, 2, &t2), -EADDRINUSE);
	CHECK_EQ(bind4(&f, 8, NULL, 0, NULL, 2, &t2), 0);
	CHECK_EQ(dps_demux_count(f.s), 2);
	CHECK_EQ(dps_tep_unbind(f.s, t1), 0);
	CHECK_EQ(dps_demux_count(f.s), 1);
	DONE(f);
}

static void
ctl_send(struct fx *f, const char *local, const char *remote, uint16_t sport, uint16_t dport,
	 uint16_t len, uint8_t tproto)
{
	struct dps_addr l = A(local), r = A(remote);
	struct rte_mbuf *m = fake_pkt_len(f->pool, (uint16_t)(20 + len));
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, 20);

	if (len >= 4) {
		p[0] = (uint8_t)(sport >> 8);
		p[1] = (uint8_t)sport;
		p[2] = (uint8_t)(dport >> 8);
		p[3] = (uint8_t)dport;
	}
	dps_nic_deliver_transport_control(f->ctx, f->nic, &l, &r, FAKE_V4, tproto,
					  DPS_CONTROL_PORT_UNREACHABLE, 77, m, 20);
	rte_pktmbuf_free(m); /* not owned by the callee */
}

DPS_TEST(rule29a_control_fewer_than_8_bytes_dropped)
{
	struct dps_tep *t;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 1000, "10.0.0.1", 53, "10.0.0.9", 1, &t), 0);
	ctl_send(&f, "10.0.0.1", "10.0.0.9", 1000, 53, 7, FAKE_TP);
	CHECK_EQ(hit.ctl[1], 0);
	ctl_send(&f, "10.0.0.1", "10.0.0.9", 1000, 53, 8, FAKE_TP);
	CHECK_EQ(hit.ctl[1], 1);
	DONE(f);
}

DPS_TEST(rule29b_control_id_reversed)
{
	struct dps_tep *t1, *t2;
	uint64_t c[DPS_CNT_MAX], sum = 0;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	/* We sent 10.0.0.1:1000 -> 10.0.0.9:53; the error quotes that packet. */
	CHECK_EQ(bind4(&f, 1000, "10.0.0.1", 53, "10.0.0.9", 1, &t1), 0);
	CHECK_EQ(bind4(&f, 53, "10.0.0.1", 1000, "10.0.0.9", 2, &t2), 0);
	ctl_send(&f, "10.0.0.1", "10.0.0.9", 1000, 53, 8, FAKE_TP);
	CHECK_EQ(hit.ctl[1], 1);
	CHECK_EQ(hit.ctl[2], 0);
	CHECK_EQ(hit.ctl_type, DPS_CONTROL_PORT_UNREACHABLE);
	CHECK_EQ(hit.ctl_extra, 77);
	CHECK_EQ(hit.rx[1] + hit.rx[2], 0);
	dps_stack_counters(f.s, -1, c);
	for (int i = 0; i < DPS_CNT_MAX; i++)
		sum += c[i];
	CHECK_EQ(sum, 0); /* no statistics */
	DONE(f);
}

DPS_TEST(rule29c_control_unknown_protocol_or_bad_ports_silent)
{
	struct dps_tep *t;
	uint64_t c[DPS_CNT_MAX], sum = 0;
	SETUP(f, 0);

	memset(&hit, 0, sizeof(hit));
	CHECK_EQ(bind4(&f, 1000, NULL, 0, NULL, 1, &t), 0);
	ctl_send(&f, "10.0.0.1", "10.0.0.9", 1000, 53, 8, 99);
	ctl_send(&f, "10.0.0.1", "10.0.0.9", 1000, FAKE_TP_BADPORT, 8, FAKE_TP);
	CHECK_EQ(hit.ctl[1], 0);
	dps_stack_counters(f.s, -1, c);
	for (int i = 0; i < DPS_CNT_MAX; i++)
		sum += c[i];
	CHECK_EQ(sum, 0);
	DONE(f);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
