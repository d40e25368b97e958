/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Neighbour table: static entries, learning, resolution with a pending queue flushed through
 * the NIC's link xmit function, failure after the retries (the protocol's unresolved hook),
 * queue overflow, deletion, IPv6. Fake network protocols record solicit / unresolved calls.
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
	unsigned int solicit4, solicit6, unresolved;
	struct dps_addr last_target;
	uint16_t unresolved_nic;
	unsigned int n_tx;
	struct rte_mbuf *tx[64];
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
np_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target)
{
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
	dps_neigh_learn(e.ctx, e.nic[0], &a, &PEER2);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
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
	dps_neigh_learn(e.ctx, e.nic[0], &a, &mcast); /* ignored */
	dps_neigh_learn(e.ctx, e.nic[0], &a, &PEER);
	/* Applied by the control thread, not by the data path. */
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), -ENOENT);
	CHECK(dps_neigh_poll(e.s, e.ctx) >= 1);
	CHECK_EQ(dps_neigh_lookup_rcu(e.s, 0, &a, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &PEER));
	CHECK_EQ(state_of(&e, 0, "192.0.2.7", NULL), DPS_NEIGH_REACHABLE);
	/* Unchanged: nothing posted. */
	dps_neigh_learn(e.ctx, e.nic[0], &a, &PEER);
	CHECK_EQ(dps_neigh_poll(e.s, e.ctx), 0);
	dps_neigh_learn(e.ctx, e.nic[0], &a, &PEER2);
	dps_neigh_poll(e.s, e.ctx);
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
	dps_neigh_learn(e.ctx, e.nic[1], &a, &PEER);
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.n_tx, 2);
	CHECK(frame_ok(rec.tx[0], &PEER, 1, RTE_ETHER_TYPE_IPV4, 0xa1));
	CHECK(frame_ok(rec.tx[1], &PEER, 1, RTE_ETHER_TYPE_IPV4, 0xa2));
	CHECK_EQ(cnt(&e, 1, DPS_CNT_TX_PACKETS), 2);
	/* Resolved now: a later packet that still went through resolve goes straight out. */
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 0xa3));
	dps_neigh_poll(e.s, e.ctx);
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
	uint64_t t_end;

	CHECK(env_up(&e));
	dps_neigh_resolve_fwd(e.ctx, e.nic[1], &a, pkt(&e, 1), 0); /* came in on NIC 0 */
	dps_neigh_resolve_fwd(e.ctx, e.nic[1], &a, pkt(&e, 2), 0);
	t_end = rte_get_tsc_cycles() +
		rte_get_tsc_hz() * (DPS_NEIGH_RETRIES * DPS_NEIGH_RETRY_MS + 700) / 1000;
	while (rte_get_tsc_cycles() < t_end && rec.unresolved == 0) {
		dps_neigh_poll(e.s, e.ctx);
		usleep(10000);
	}
	CHECK_EQ(rec.solicit4, DPS_NEIGH_RETRIES);
	CHECK_EQ(rec.unresolved, 2);
	CHECK_EQ(rec.unresolved_nic, 0); /* the error goes back out the incoming NIC */
	CHECK_EQ(cnt(&e, 1, DPS_CNT_NEIGH_UNRESOLVED), 2);
	CHECK_EQ(state_of(&e, 1, "203.0.113.9", NULL), DPS_NEIGH_FAILED);
	/* A new packet starts a new resolution. */
	dps_neigh_resolve(e.ctx, e.nic[1], &a, pkt(&e, 3));
	dps_neigh_poll(e.s, e.ctx);
	CHECK_EQ(rec.solicit4, DPS_NEIGH_RETRIES + 1);
	CHECK_EQ(state_of(&e, 1, "203.0.113.9", NULL), DPS_NEIGH_INCOMPLETE);
	CHECK(env_down(&e));
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
