/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Neighbour table: static entries, learning, resolution with a pending queue flushed through
 * the NIC's link xmit function, failure after the retries (the protocol's unresolved hook),
 * queue overflow, deletion, IPv6; the RFC 4861 7.3 life cycle driven by a simulated clock
 * (dps_neigh_poll_at), the 7.2.5 Override rules, and every bound (issue 10). Fake network
 * protocols record solicit / unresolved calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dps_neigh.h"
#include "dps_test.h"

#define POOL_N 1023

static struct {
	unsigned int solicit4, solicit6, unresolved, ucast;
	struct rte_ether_addr last_ucast;
	struct dps_addr last_target;
	uint16_t unresolved_nic;
	unsigned int n_tx;
	struct rte_mbuf *tx[64];
	int free_all;      /* atomic */
	uint64_t n_freed;  /* atomic */
} rec;

static struct dps_addr
A(const char *s)
{
	struct dps_addr a;

	if (dps_addr_parse(s, &a) != 0)
		abort();
	return a;
}

static void
np_parse(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
	 struct dps_addr *src, struct dps_addr *dst, int *status)
{
	for (uint16_t i = 0; i < n; i++)
		status[i] = -EBADMSG;
}

static void
np_handle(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	rte_pktmbuf_free_bulk(pkts, n);
}

static int
np_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
	   const struct rte_ether_addr *ucast)
{
	if (ucast != NULL) {
		rec.ucast++;
		rec.last_ucast = *ucast;
	}
	if (target->len == 4)
		rec.solicit4++;
	else
		rec.solicit6++;
	rec.last_target = *target;
	return 0;
}

static void
np_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	rec.unresolved++;
	rec.unresolved_nic = nic->id;
	rte_pktmbuf_free(m);
}

static const struct dps_netproto_ops np4 = {
	.name = "fake4", .number = RTE_ETHER_TYPE_IPV4, .addr_len = 4, .default_prefix_len = 32,
	.is_ip = true, .min_size = 20, .parse_burst = np_parse, .handle_burst = np_handle,
	.solicit = np_solicit, .unresolved = np_unresolved,
};
static const struct dps_netproto_ops np6 = {
	.name = "fake6", .number = RTE_ETHER_TYPE_IPV6, .addr_len = 16, .default_prefix_len = 128,
	.is_ip = true, .min_size = 40, .parse_burst = np_parse, .handle_burst = np_handle,
	.solicit = np_solicit, .unresolved = np_unresolved,
};

/* The link: keeps what it is given for the test to look at. */
static uint16_t
fake_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	/* The churn case: several threads transmit; count and free. */
	if (__atomic_load_n(&rec.free_all, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&rec.n_freed, n, __ATOMIC_RELAXED);
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	for (i = 0; i < n && rec.n_tx < RTE_DIM(rec.tx); i++)
		rec.tx[rec.n_tx++] = pkts[i];
	return i;
}

struct env {
	struct dps_stack *s;
	struct dps_nic *nic[2];
	struct dps_ctx *ctx;
	struct rte_mempool *pool;
};

static const struct rte_ether_addr NIC_MAC = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct rte_ether_addr PEER = {{0x02, 0, 0, 0, 0, 0x99}};
static const struct rte_ether_addr PEER2 = {{0x02, 0, 0, 0, 0, 0x98}};

static bool
env_up(struct env *e)
{
	static int seq;
	char name[32];
	struct dps_stack_conf sc = {
		.name = name, .socket_id = SOCKET_ID_ANY, .max_endpoints = 1024,
		.max_transport = 1024, .max_neigh = 1024, .max_routes4 = 64, .max_routes6 = 64,
	};

	memset(&rec, 0, sizeof(rec));
	memset(e, 0, sizeof(*e));
	snprintf(name, sizeof(name), "ng%d", seq);
	if (dps_stack_create(&sc, &e->s) != 0)
		return false;
	if (dps_stack_register_netproto(e->s, &np4) != 0 ||
	    dps_stack_register_netproto(e->s, &np6) != 0)
		return false;
	for (uint16_t i = 0; i < 2; i++) {
		char nn[16];
		struct dps_nic_conf nc = {
			.name = nn, .id = i, .mac = NIC_MAC, .mtu = 1500, .xmit = fake_xmit,
		};

		snprintf(nn, sizeof(nn), "n%u", i);
		nc.mac.addr_bytes[5] += (uint8_t)i;
		if (dps_nic_create(e->s, &nc, &e->nic[i]) != 0)
			return false;
	}
	snprintf(name, sizeof(name), "ngp%d", seq++);
	e->pool = rte_pktmbuf_pool_create(name, POOL_N, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (e->pool == NULL)
		return false;
	if (dps_ctx_create(e->s, 0, 0, e->pool, SOCKET_ID_ANY, &e->ctx) != 0)
		return false;
	return true;
}

/* Everything freed: no mbuf leaked or freed twice. */
static bool
env_down(struct env *e)
{
	unsigned int avail;

	for (unsigned int i = 0; i < rec.n_tx; i++)
		rte_pktmbuf_free(rec.tx[i]);
	rec.n_tx = 0;
	dps_ctx_free(e->ctx);
	dps_stack_free(e->s);
	avail = rte_mempool_avail_count(e->pool);
	rte_mempool_free(e->pool);
	if (avail != POOL_N)
		printf("  mbufs: %u of %u back\n", avail, POOL_N);
	return avail == POOL_N;
}

/* A network packet: data at the "IP header", the Ethernet header's room reserved. */
static struct rte_mbuf *
pkt(struct env *e, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
	uint8_t *d;

	if (m == NULL)
		abort();
	d = (uint8_t *)rte_pktmbuf_append(m, 40);
	memset(d, tag, 40);
	m->l2_len = RTE_ETHER_HDR_LEN;
	return m;
}

#define F_REPLY (DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_SOLICITED | DPS_NEIGH_F_OVERRIDE)

/* The simulated clock: t0 plus ms milliseconds. */
static uint64_t
at(uint64_t t0, uint64_t ms)
{
	return t0 + rte_get_tsc_hz() * ms / 1000;
}

static uint64_t
cnt(struct env *e, uint16_t nic, enum dps_counter c)
{
	return dps_stack_counter(e->s, nic, c);
}

static int
state_of(struct env *e, uint16_t nic, const char *addr, uint32_t *queued)
{
	struct dps_neigh_info info[16];
	struct dps_addr a = A(addr);
	int n = dps_neigh_list(e->s, info, 16);

	for (int i = 0; i < n && i < 16; i++)
		if (info[i].nic_id == nic && dps_addr_eq(&info[i].addr, &a)) {
			if (queued != NULL)
				*queued = info[i].queued;
			return (int)info[i].state;
		}
	return -1;
}

static bool
frame_ok(const struct rte_mbuf *m, const struct rte_ether_addr *dst, uint16_t nic_id,
	 uint16_t type, uint8_t tag)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ether_addr src = NIC_MAC;
	const uint8_t *d = (const uint8_t *)(eh + 1);

	src.addr_bytes[5] += (uint8_t)nic_id;
	if (m->pkt_len != RTE_ETHER_HDR_LEN + 40 || !rte_is_same_ether_addr(&eh->dst_addr, dst) ||
	    !rte_is_same_ether_addr(&eh->src_addr, &src) ||
	    eh->ether_type != rte_cpu_to_be_16(type))
		return false;
	for (unsigned int i = 0; i < 40; i++)
		if (d[i] != tag)
			return false;
	return true;
}

DPS_TEST(static_entry_answers_and_is_never_learned_over)
{
	struct env e;
	struct dps_addr a = A("192.0.2.1");
	struct rte_ether_addr mac;

	CHECK(env_up(&e));
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), -ENOENT);
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER), 0);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	/* Keyed by NIC: NIC 1 does not know it. */
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 1, &a, &mac), -ENOENT);
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, F_REPLY | DPS_NEIGH_F_CREATE);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	CHECK_EQ(state_of(&e, 0, "192.0.2.1", NULL), DPS_NEIGH_STATIC);
	/* Never aged: a year later it is still there. */
	dps_neigh_poll_at(e.s, e.ctx, at(rte_get_tsc_cycles(), 365ull * 86400 * 1000));
	CHECK_EQ(state_of(&e, 0, "192.0.2.1", NULL), DPS_NEIGH_STATIC);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_LEARNED), 0);
	/* Invalid MACs are refused. */
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &(struct rte_ether_addr){{0xff, 0xff, 0xff, 0xff,
									     0xff, 0xff}}),
		 -EINVAL);
	CHECK(env_down(&e));
}

DPS_TEST(learning_creates_and_updates_entries)
{
	struct env e;
	struct dps_addr a = A("192.0.2.7");
	struct rte_ether_addr mac;
	struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0, 0, 1}};

	CHECK(env_up(&e));
	dps_neigh_update(e.ctx, e.nic[0], &a, &mcast, DPS_NEIGH_F_CREATE); /* ignored */
	/* An advertisement (or ARP reply) creates nothing (RFC 4861 7.2.5). */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, F_REPLY);
	CHECK_EQ(dps_neigh_poll(e.s, e.ctx), 0);
	/* A solicitation (or ARP request) does: STALE, reachability unconfirmed (7.2.3). */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
	/* Applied by the control thread, not by the data path. */
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), -ENOENT);
	CHECK(dps_neigh_poll(e.s, e.ctx) >= 1);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(state_of(&e, 0, "192.0.2.7", NULL), DPS_NEIGH_DELAY); /* the lookup used it */
	/* Unchanged: nothing posted. */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
	CHECK_EQ(dps_neigh_poll(e.s, e.ctx), 0);
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, DPS_NEIGH_F_CREATE);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(state_of(&e, 0, "192.0.2.7", NULL), DPS_NEIGH_STALE);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER2));
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_LEARNED), 2);
	/* A static entry replaces a learned one. */
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER), 0);
	CHECK_EQ(state_of(&e, 0, "192.0.2.7", NULL), DPS_NEIGH_STATIC);
	CHECK(env_down(&e));
}

DPS_TEST(resolution_queues_then_flushes_through_the_link)
{
	struct env e;
	struct dps_addr a = A("198.51.100.1");
	uint32_t q = 0;

	CHECK(env_up(&e));
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 0xa1));
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 0xa2));
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.solicit4, 1);
	CHECK(dps_addr_eq(&rec.last_target, &a));
	CHECK_EQ(state_of(&e, 1, "198.51.100.1", &q), DPS_NEIGH_INCOMPLETE);
	CHECK_EQ(q, 2);
	CHECK_EQ(cnt(&e, 1, DPS_CNT_NEIGH_QUEUED), 2);
	CHECK_EQ(rec.n_tx, 0);
	/* The answer arrives (an ARP reply): both packets leave, in order. */
	dps_neigh_update(e.ctx, e.nic[1], &a, &PEER, F_REPLY);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.n_tx, 2);
	CHECK(frame_ok(rec.tx[0], &PEER, 1, RTE_ETHER_TYPE_IPV4, 0xa1));
	CHECK(frame_ok(rec.tx[1], &PEER, 1, RTE_ETHER_TYPE_IPV4, 0xa2));
	CHECK_EQ(cnt(&e, 1, DPS_CNT_TX_PACKETS), 2);
	/* Resolved now: a later packet that still went through resolve leaves from the worker. */
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 0xa3));
	CHECK_EQ(dps_neigh_poll(e.s, e.ctx), 0);
	dps_ctx_flush(e.ctx);
	CHECK_EQ(rec.n_tx, 3);
	CHECK(frame_ok(rec.tx[2], &PEER, 1, RTE_ETHER_TYPE_IPV4, 0xa3));
	CHECK_EQ(rec.solicit4, 1);
	CHECK(env_down(&e));
}

DPS_TEST(queue_overflow_is_counted_and_freed)
{
	struct env e;
	struct dps_addr a = A("198.51.100.2");
	uint32_t q = 0;

	CHECK(env_up(&e));
	for (unsigned int i = 0; i < DPS_NEIGH_QUEUE_LEN + 3; i++)
		dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, (uint8_t)i));
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(state_of(&e, 0, "198.51.100.2", &q), DPS_NEIGH_INCOMPLETE);
	CHECK_EQ(q, DPS_NEIGH_QUEUE_LEN);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_QUEUED), DPS_NEIGH_QUEUE_LEN);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_QUEUE_FULL), 3);
	/*
	 * Issue 10: once the entry's queue is full the worker drops by itself, no message (an
	 * atomic enqueue on a ring every worker shares) per packet.
	 */
	for (unsigned int i = 0; i < 100; i++)
		dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, (uint8_t)i));
	CHECK_EQ(dps_neigh_poll(e.s, e.ctx), 0);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_QUEUE_FULL), 103);
	CHECK_EQ(dps_neigh_parked(e.s), DPS_NEIGH_QUEUE_LEN);
	/* Deleting the entry frees what waited. */
	CHECK_EQ(dps_neigh_del(e.s, 0, &a), 0);
	CHECK_EQ(dps_neigh_del(e.s, 0, &a), -ENOENT);
	CHECK_EQ(state_of(&e, 0, "198.51.100.2", NULL), -1);
	CHECK(env_down(&e));
}

DPS_TEST(failure_after_retries_calls_unresolved)
{
	struct env e;
	struct dps_addr a = A("203.0.113.9");
	uint64_t t0 = rte_get_tsc_cycles();

	CHECK(env_up(&e));
	dps_neigh_resolve_fwd(e.ctx, e.nic[1], &a, pkt(&e, 1), 0); /* came in on NIC 0 */
	dps_neigh_resolve_fwd(e.ctx, e.nic[1], &a, pkt(&e, 2), 0);
	dps_neigh_poll_at(e.s, e.ctx, t0);
	CHECK_EQ(rec.solicit4, 1);
	/* RFC 4861 7.2.2: MAX_MULTICAST_SOLICIT (3) a RetransTimer (1 s) apart. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 999));
	CHECK_EQ(rec.solicit4, 1);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 1001));
	CHECK_EQ(rec.solicit4, 2);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 2002));
	CHECK_EQ(rec.solicit4, 3);
	CHECK_EQ(rec.unresolved, 0);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 3003));
	CHECK_EQ(rec.solicit4, 3);
	CHECK_EQ(rec.ucast, 0);
	CHECK_EQ(rec.unresolved, 2);
	CHECK_EQ(rec.unresolved_nic, 0); /* the error goes back out the incoming NIC */
	CHECK_EQ(cnt(&e, 1, DPS_CNT_NEIGH_UNRESOLVED), 2);
	CHECK_EQ(state_of(&e, 1, "203.0.113.9", NULL), DPS_NEIGH_FAILED);
	/*
	 * Issue 10: a packet to a FAILED entry does not restart resolution (a flood would
	 * solicit at line rate): answered on the worker with the unresolved hook, no message.
	 */
	for (int i = 0; i < 50; i++)
		dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 3));
	CHECK_EQ(rec.unresolved, 52);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 3500));
	CHECK_EQ(rec.solicit4, 3);
	/* After the hold (failed_hold_ms, 1 s) the entry is garbage-collected... */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 4004));
	CHECK_EQ(state_of(&e, 1, "203.0.113.9", NULL), -1);
	CHECK_EQ(cnt(&e, 1, DPS_CNT_NEIGH_GC), 1);
	/* ...and a new packet starts a new resolution. */
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 3));
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 4005));
	CHECK_EQ(rec.solicit4, 4);
	CHECK_EQ(state_of(&e, 1, "203.0.113.9", NULL), DPS_NEIGH_INCOMPLETE);
	CHECK(env_down(&e));
}

/* Resolve a to REACHABLE at time now (a solicited reply). */
static void
make_reachable(struct env *e, uint16_t nic, struct dps_addr *a, const struct rte_ether_addr *mac,
	       uint64_t now)
{
	dps_neigh_resolve(e->ctx, e->nic[nic], a, pkt(e, 0x11));
	dps_neigh_poll_at(e->s, e->ctx, now);
	dps_neigh_update(e->ctx, e->nic[nic], a, mac, F_REPLY);
	dps_neigh_poll_at(e->s, e->ctx, now);
}

DPS_TEST(life_cycle_reachable_stale_delay_probe_failed)
{
	struct env e;
	struct dps_addr a = A("192.0.2.50");
	struct rte_ether_addr mac;
	uint64_t t0 = rte_get_tsc_cycles();

	CHECK(env_up(&e));
	make_reachable(&e, 0, &a, &PEER, t0);
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_REACHABLE);
	CHECK_EQ(rec.n_tx, 1);
	/* RFC 4861 6.3.2: ReachableTime is at least 0.5 x BASE (30 s), below 1.5 x. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 14900));
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_REACHABLE);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 45001));
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_STALE);
	/* 7.3.3: a STALE entry is used as is, and its use starts DELAY. */
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0); /* one message per STALE period */
	CHECK_EQ(dps_neigh_poll_at(e.s, e.ctx, at(t0, 46000)), 1);
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_DELAY);
	/* DELAY_FIRST_PROBE_TIME (5 s) later: PROBE, unicast to the cached address. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 50900));
	CHECK_EQ(rec.ucast, 0);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 51001));
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_PROBE);
	CHECK_EQ(rec.ucast, 1);
	CHECK(rte_is_same_ether_addr(&rec.last_ucast, &PEER));
	/* Still usable while probed. */
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	/* MAX_UNICAST_SOLICIT (3) probes a RetransTimer apart, then FAILED: no MAC. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 52002));
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 53003));
	CHECK_EQ(rec.ucast, 3);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 54004));
	CHECK_EQ(state_of(&e, 0, "192.0.2.50", NULL), DPS_NEIGH_FAILED);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), -ENOENT);
	CHECK_EQ(rec.ucast, 3);
	CHECK(env_down(&e));
}

DPS_TEST(probe_answered_goes_reachable)
{
	struct env e;
	struct dps_addr a = A("2001:db8::50");
	uint64_t t0 = rte_get_tsc_cycles();
	struct rte_ether_addr mac;

	CHECK(env_up(&e));
	make_reachable(&e, 0, &a, &PEER, t0);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 45001));
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 45002));
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 50003));
	CHECK_EQ(state_of(&e, 0, "2001:db8::50", NULL), DPS_NEIGH_PROBE);
	/* A solicited NA (to our unicast probe) confirms it. */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_SOLICITED);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 50100));
	CHECK_EQ(state_of(&e, 0, "2001:db8::50", NULL), DPS_NEIGH_REACHABLE);
	CHECK(env_down(&e));
}

DPS_TEST(na_without_override_does_not_replace_the_cached_address)
{
	struct env e;
	struct dps_addr a = A("2001:db8::60");
	struct rte_ether_addr mac;
	uint64_t t0 = rte_get_tsc_cycles();

	CHECK(env_up(&e));
	make_reachable(&e, 0, &a, &PEER, t0);
	/* RFC 4861 7.2.5: O clear, a different address: not taken; REACHABLE goes STALE. */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, DPS_NEIGH_F_ADVERT);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 10));
	CHECK_EQ(state_of(&e, 0, "2001:db8::60", NULL), DPS_NEIGH_STALE);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	/* Solicited but without Override: still not taken (another node's takeover attempt). */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_SOLICITED);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 20));
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_OVERRIDE_REFUSED), 2);
	/* With Override, unsolicited: taken, STALE. */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_OVERRIDE);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 30));
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER2));
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 31));
	CHECK_EQ(state_of(&e, 0, "2001:db8::60", NULL), DPS_NEIGH_DELAY); /* the lookup used it */
	/* Solicited, same address: confirmed. */
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_SOLICITED);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 40));
	CHECK_EQ(state_of(&e, 0, "2001:db8::60", NULL), DPS_NEIGH_REACHABLE);
	CHECK(env_down(&e));
}

/* A parameter set with small bounds. */
static void
small_params(struct env *e, void (*tweak)(struct dps_neigh_params *))
{
	struct dps_neigh_params p;

	dps_neigh_get_params(e->s, &p);
	tweak(&p);
	if (dps_neigh_set_params(e->s, &p) != 0)
		abort();
}

static void
tw_incomplete(struct dps_neigh_params *p)
{
	p->max_incomplete = 4;
}

static void
tw_parked(struct dps_neigh_params *p)
{
	p->max_parked = 6;
}

static void
tw_rate(struct dps_neigh_params *p)
{
	p->incomplete_rate = 10; /* a burst of 2 */
}

static void
tw_table(struct dps_neigh_params *p)
{
	p->gc_thresh1 = 0;
	p->gc_thresh2 = 8;
	p->gc_thresh3 = 8;
}

DPS_TEST(incomplete_entries_parked_packets_and_creation_rate_are_bounded)
{
	struct env e;
	char buf[32];
	struct dps_addr a;

	CHECK(env_up(&e));
	small_params(&e, tw_incomplete);
	for (int i = 0; i < 10; i++) {
		snprintf(buf, sizeof(buf), "198.51.100.%d", 10 + i);
		a = A(buf);
		dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, 1));
	}
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_INCOMPLETE), 4);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_INCOMPLETE_FULL), 6);
	CHECK(env_down(&e));

	/* One cap over every entry's queue. */
	CHECK(env_up(&e));
	small_params(&e, tw_parked);
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "198.51.100.%d", 10 + i);
		a = A(buf);
		for (int j = 0; j < 3; j++)
			dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, 1));
	}
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(dps_neigh_parked(e.s), 6);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_PARKED_FULL), 6);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_QUEUED), 6);
	CHECK(env_down(&e));

	/* New entries per context per second: the rest is dropped on the worker. */
	CHECK(env_up(&e));
	small_params(&e, tw_rate);
	for (int i = 0; i < 20; i++) {
		snprintf(buf, sizeof(buf), "198.51.100.%d", 10 + i);
		a = A(buf);
		dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, 1));
	}
	dps_neigh_poll(e.s, e.ctx);
	CHECK(cnt(&e, 0, DPS_CNT_NEIGH_RATE_LIMITED) >= 17);
	CHECK(dps_neigh_count(e.s, DPS_NEIGH_INCOMPLETE) <= 3);
	CHECK(env_down(&e));
}

DPS_TEST(full_table_evicts_oldest_learned_never_static)
{
	struct env e;
	char buf[32];
	struct dps_addr a;
	uint64_t t0 = rte_get_tsc_cycles();

	CHECK(env_up(&e));
	small_params(&e, tw_table);
	/* Eight learned (STALE) entries fill the table. */
	for (int i = 0; i < 8; i++) {
		snprintf(buf, sizeof(buf), "192.0.2.%d", 10 + i);
		a = A(buf);
		dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
		dps_neigh_poll_at(e.s, e.ctx, at(t0, (uint64_t)i));
	}
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_NSTATES), 8);
	/* neigh add never fails because of learned entries: the oldest goes. */
	a = A("192.0.2.100");
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER2), 0);
	CHECK_EQ(state_of(&e, 0, "192.0.2.10", NULL), -1);
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_NSTATES), 8);
	/* A new learned entry evicts the next oldest, counted. */
	a = A("192.0.2.200");
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 20));
	CHECK_EQ(state_of(&e, 0, "192.0.2.11", NULL), -1);
	CHECK_EQ(state_of(&e, 0, "192.0.2.200", NULL), DPS_NEIGH_STALE);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_EVICTED), 1);
	/* Static entries fill it: learning fails (counted), static adds replace learned ones. */
	for (int i = 0; i < 7; i++) {
		snprintf(buf, sizeof(buf), "203.0.113.%d", 10 + i);
		a = A(buf);
		CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER2), 0);
	}
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_STATIC), 8);
	a = A("203.0.113.99");
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER2), -ENOSPC);
	a = A("192.0.2.201");
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 30));
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_LEARN_LOST), 1);
	CHECK_EQ(state_of(&e, 0, "192.0.2.100", NULL), DPS_NEIGH_STATIC);
	CHECK(env_down(&e));
}

DPS_TEST(stale_entries_are_garbage_collected)
{
	struct env e;
	struct dps_addr a = A("192.0.2.77"), b = A("192.0.2.78");
	uint64_t t0 = rte_get_tsc_cycles();
	struct dps_neigh_params p;

	CHECK(env_up(&e));
	dps_neigh_get_params(e.s, &p);
	p.gc_thresh1 = 1;
	CHECK_EQ(dps_neigh_set_params(e.s, &p), 0);
	dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
	dps_neigh_update(e.ctx, e.nic[0], &b, &PEER, DPS_NEIGH_F_CREATE);
	dps_neigh_poll_at(e.s, e.ctx, t0);
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_STALE), 2);
	/* gc_stale_ms (60 s) unused: collected through the deferred free, down to gc_thresh1. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 59000));
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_STALE), 2);
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 60001));
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_NSTATES), 1);
	CHECK_EQ(cnt(&e, 0, DPS_CNT_NEIGH_GC), 1);
	/* The last one stays (the table is at gc_thresh1). */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 600000));
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_NSTATES), 1);
	/* Bad parameters are refused. */
	p.gc_thresh3 = 1u << 30;
	CHECK_EQ(dps_neigh_set_params(e.s, &p), -EINVAL);
	dps_neigh_get_params(e.s, &p);
	p.retrans_ms = 0;
	CHECK_EQ(dps_neigh_set_params(e.s, &p), -EINVAL);
	CHECK(env_down(&e));
}

DPS_TEST(flood_to_many_unresolved_addresses_parks_a_bounded_number_of_mbufs)
{
	struct env e;
	struct dps_addr a = A("2001:db8:1::");
	unsigned int base, peak = 0;
	uint64_t t0 = rte_get_tsc_cycles();

	CHECK(env_up(&e));
	base = rte_mempool_in_use_count(e.pool);
	/*
	 * 20,000 packets to distinct addresses of a /64 (the attack of issue 10), polled every
	 * 32: the pool (1023 mbufs) would be empty after 256 addresses at 4 each.
	 */
	for (uint32_t i = 0; i < 20000; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(e.pool);

		CHECK(m != NULL);
		rte_pktmbuf_append(m, 40);
		m->l2_len = RTE_ETHER_HDR_LEN;
		a.b[12] = (uint8_t)(i >> 24);
		a.b[13] = (uint8_t)(i >> 16);
		a.b[14] = (uint8_t)(i >> 8);
		a.b[15] = (uint8_t)i;
		dps_neigh_resolve(e.ctx, e.nic[0], &a, m);
		if (i % 32 == 31)
			dps_neigh_poll_at(e.s, e.ctx, at(t0, i / 32));
		peak = RTE_MAX(peak, rte_mempool_in_use_count(e.pool) - base);
	}
	/* At most max_parked (1024 by default, capped by the INCOMPLETE bound) plus the ring. */
	CHECK(dps_neigh_parked(e.s) <= 1024);
	CHECK(peak <= 1024 + DPS_NEIGH_RESOLVE_RING);
	CHECK(cnt(&e, 0, DPS_CNT_NEIGH_RATE_LIMITED) + cnt(&e, 0, DPS_CNT_NEIGH_INCOMPLETE_FULL) > 0);
	CHECK(env_down(&e));
}

/* ---- churn: two reader threads against a changing table ---- */

#include <pthread.h>

struct churn_reader {
	struct env *e;
	struct dps_ctx *ctx;
	struct rte_mempool *pool;
	pthread_t th;
	uint64_t lookups, hits;
	int stop; /* atomic */
};

static void *
churn_reader_main(void *arg)
{
	struct churn_reader *r = arg;
	struct dps_addr a = A("10.9.0.0");
	struct rte_ether_addr mac;
	uint32_t x = (uint32_t)(uintptr_t)r;

	dps_ctx_online(r->ctx);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < 64; i++) {
			x = x * 1103515245u + 12345u;
			a.b[3] = (uint8_t)(x >> 16);
			r->lookups++;
			if (dps_neigh_lookup_rcu(r->e->s, 0, &a, &mac) == 0) {
				r->hits++;
				/* What a reader reads is a MAC the writer stored: PEER or PEER2. */
				if (!rte_is_same_ether_addr(&mac, &PEER) &&
				    !rte_is_same_ether_addr(&mac, &PEER2))
					abort();
			} else if ((x & 0xf00) == 0) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(r->pool);

				if (m != NULL) {
					rte_pktmbuf_append(m, 40);
					m->l2_len = RTE_ETHER_HDR_LEN;
					dps_neigh_resolve(r->ctx, r->e->nic[0], &a, m);
				}
			}
		}
		dps_ctx_flush(r->ctx);
		dps_ctx_quiescent(r->ctx);
	}
	dps_ctx_offline(r->ctx);
	return NULL;
}

DPS_TEST(churn_10000_cycles_with_two_readers)
{
	struct env e;
	struct churn_reader rd[2];
	struct dps_neigh_params p;
	uint64_t t0 = rte_get_tsc_cycles();
	char name[32];

	CHECK(env_up(&e));
	/* A small table so eviction, GC and key-slot reuse all happen. */
	dps_neigh_get_params(e.s, &p);
	p.gc_thresh1 = 8;
	p.gc_thresh2 = 96;
	p.gc_thresh3 = 128;
	p.max_incomplete = 32;
	CHECK_EQ(dps_neigh_set_params(e.s, &p), 0);
	/* The link frees what it gets: readers transmit to static or learned entries too. */
	__atomic_store_n(&rec.free_all, 1, __ATOMIC_RELAXED);
	for (int r = 0; r < 2; r++) {
		memset(&rd[r], 0, sizeof(rd[r]));
		rd[r].e = &e;
		snprintf(name, sizeof(name), "chp%d", r);
		rd[r].pool = rte_pktmbuf_pool_create(name, 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
						     SOCKET_ID_ANY);
		CHECK(rd[r].pool != NULL);
		CHECK_EQ(dps_ctx_create(e.s, (uint16_t)(r + 1), (uint16_t)(r + 1), rd[r].pool,
					SOCKET_ID_ANY, &rd[r].ctx), 0);
		CHECK_EQ(pthread_create(&rd[r].th, NULL, churn_reader_main, &rd[r]), 0);
	}
	for (uint32_t i = 0; i < 10000; i++) {
		struct dps_addr a = A("10.9.0.0");

		a.b[3] = (uint8_t)(i * 7);
		switch (i % 5) {
		case 0:
			(void)dps_neigh_add_static(e.s, 0, &a, i & 8 ? &PEER : &PEER2);
			break;
		case 1:
			(void)dps_neigh_del(e.s, 0, &a);
			break;
		case 2:
			dps_neigh_update(e.ctx, e.nic[0], &a, &PEER, DPS_NEIGH_F_CREATE);
			break;
		case 3:
			dps_neigh_update(e.ctx, e.nic[0], &a, &PEER2, F_REPLY);
			break;
		default:
			dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, 1));
			break;
		}
		/* Time runs 10 ms a cycle: 100 s in all, every timer fires many times. */
		dps_neigh_poll_at(e.s, e.ctx, at(t0, (uint64_t)i * 10));
		if (i % 64 == 0)
			dps_stack_reclaim(e.s);
	}
	for (int r = 0; r < 2; r++) {
		__atomic_store_n(&rd[r].stop, 1, __ATOMIC_RELEASE);
		pthread_join(rd[r].th, NULL);
	}
	/* Drain what the readers posted, then every entry goes. */
	dps_neigh_poll_at(e.s, e.ctx, at(t0, 100001));
	CHECK(dps_neigh_count(e.s, DPS_NEIGH_NSTATES) <= 128);
	CHECK(rd[0].lookups > 0 && rd[1].lookups > 0);
	{
		struct dps_neigh_info v[256];
		int n = dps_neigh_list(e.s, v, 256);

		for (int i = 0; i < n && i < 256; i++)
			CHECK_EQ(dps_neigh_del(e.s, v[i].nic_id, &v[i].addr), 0);
	}
	CHECK_EQ(dps_neigh_count(e.s, DPS_NEIGH_NSTATES), 0);
	CHECK_EQ(dps_neigh_parked(e.s), 0);
	dps_stack_synchronize(e.s);
	for (int r = 0; r < 2; r++)
		dps_ctx_free(rd[r].ctx);
	CHECK(env_down(&e));
	for (int r = 0; r < 2; r++) {
		CHECK_EQ(rte_mempool_avail_count(rd[r].pool), 511);
		rte_mempool_free(rd[r].pool);
	}
}

DPS_TEST(ipv6_and_static_entry_flush_the_queue)
{
	struct env e;
	struct dps_addr a = A("2001:db8::1");

	CHECK(env_up(&e));
	dps_neigh_resolve(e.ctx, e.nic[0], &a, pkt(&e, 0x66));
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.solicit6, 1);
	CHECK_EQ(rec.solicit4, 0);
	CHECK_EQ(rec.n_tx, 0);
	/* The operator adds the entry by hand: the next poll sends what waited. */
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a, &PEER2), 0);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.n_tx, 1);
	CHECK(frame_ok(rec.tx[0], &PEER2, 0, RTE_ETHER_TYPE_IPV6, 0x66));
	CHECK(env_down(&e));
}

DPS_TEST(list_is_sorted)
{
	struct env e;
	struct dps_neigh_info info[4];
	char buf[64];

	struct dps_addr a1 = A("10.0.0.1"), a2 = A("2001:db8::2"), a3 = A("10.0.0.9");
	struct dps_addr a4 = A("10.0.0.3");

	CHECK(env_up(&e));
	CHECK_EQ(dps_neigh_add_static(e.s, 1, &a1, &PEER), 0);
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a2, &PEER), 0);
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a3, &PEER), 0);
	CHECK_EQ(dps_neigh_add_static(e.s, 0, &a4, &PEER), 0);
	CHECK_EQ(dps_neigh_list(e.s, info, 4), 4);
	CHECK(strcmp(dps_addr_fmt(&info[0].addr, buf, sizeof(buf)), "10.0.0.3") == 0);
	CHECK(strcmp(dps_addr_fmt(&info[1].addr, buf, sizeof(buf)), "10.0.0.9") == 0);
	CHECK(strcmp(dps_addr_fmt(&info[2].addr, buf, sizeof(buf)), "2001:db8::2") == 0);
	CHECK_EQ(info[3].nic_id, 1);
	CHECK_EQ(dps_neigh_list(e.s, info, 1), 4);
	CHECK(env_down(&e));
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
