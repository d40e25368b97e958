/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route table stress: the writer adds, replaces and deletes routes in batches of ten (aiming at
 * 10,000 changes per second) for
 * about five seconds - IPv4 prefixes /24../28 under two /16s, so tbl8 groups are allocated,
 * shared, freed and reused all the time, and IPv6 /64 and /72 under one /48 - while two reader
 * threads (registered RCU readers on the stack's QSBR variable, quiescent once per loop) run
 * bulk lookups of addresses whose answer never changes and check every answer. A reader that
 * saw a freed or reused tbl8 group, a half-built FIB copy or a recycled route id would get a
 * wrong next hop. Run it under ASan (build-asan) for use-after-free and leaks.
 *
 * Rates are printed, never asserted.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dps_route.h"
#include "dps_test.h"

#define RUN_SECONDS 5
#define OPS_PER_SEC 10000
#define N_READERS 2

/* Known answers: NIC ids of the stable routes. */
#define NIC_V4_WIDE 1   /* 10.0.0.0/8 */
#define NIC_V4_STABLE28 5 /* 10.100.X.0/28 (shares X's tbl8 group with the churn) */
#define NIC_V4_16 6     /* 10.101.0.0/16 (X's tbl8 group comes and goes) */
#define NIC_V6_32 7     /* 2001:db8::/32 */
#define NIC_V6_48 8     /* 2001:db8:1::/48 */
#define NIC_CHURN_BASE 16 /* churned routes use ids 16..31: never a known answer */

struct stress {
	struct dps_stack *s;
	struct dps_ctx *ctx[N_READERS];
	int32_t stop;
	uint64_t lookups[N_READERS];
	uint64_t wrong[N_READERS];
	char first_wrong[N_READERS][128];
};

static void
record_wrong(struct stress *st, unsigned int r, const char *what, int got, int want)
{
	if (st->wrong[r]++ == 0)
		snprintf(st->first_wrong[r], sizeof(st->first_wrong[r]), "%s: got %d want %d", what,
			 got, want);
}

struct rarg {
	struct stress *st;
	unsigned int r;
};

static void *
reader(void *arg)
{
	struct stress *st = ((struct rarg *)arg)->st;
	unsigned int r = ((struct rarg *)arg)->r;
	struct dps_ctx *ctx = st->ctx[r];
	uint32_t d4[32], h[32];
	int want4[32];
	uint8_t d6[32][16];
	int want6[32];
	const struct dps_nexthop *nh[32];
	unsigned int seed = 777 + r;

	rte_rcu_qsbr_thread_online(st->s->qsbr, ctx->id);
	while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned int i = 0; i < 32; i++) {
			uint32_t x = (uint32_t)rand_r(&seed) & 0xff;
			uint32_t host = (uint32_t)rand_r(&seed) & 0x0f; /* .0-.15 */

			switch (i % 4) {
			case 0: /* in 10.100.X.0/28: the stable /28 beats every churned prefix */
				d4[i] = rte_cpu_to_be_32(0x0a640000u | (x << 8) | host);
				want4[i] = NIC_V4_STABLE28;
				break;
			case 1: /* 10.101.X.0-15: only the /16 covers it; churn is in .128-.255 */
				d4[i] = rte_cpu_to_be_32(0x0a650000u | (x << 8) | host);
				want4[i] = NIC_V4_16;
				break;
			case 2: /* 10.101.X.64-127: as above, inside a tbl8 group when one exists */
				d4[i] = rte_cpu_to_be_32(0x0a650000u | (x << 8) | 64 | host);
				want4[i] = NIC_V4_16;
				break;
			default: /* elsewhere in 10/8 */
				d4[i] = rte_cpu_to_be_32(0x0a000000u | (x << 16) | host);
				/* 10.100.0.host is inside the stable 10.100.0.0/28. */
				want4[i] = x == 100 ? NIC_V4_STABLE28 :
						      (x == 101 ? NIC_V4_16 : NIC_V4_WIDE);
				break;
			}
			h[i] = (uint32_t)rand_r(&seed);
			/* IPv6: 2001:db8:1:ff00+x::/64 is never churned (churn is 1:0..ff::), 2::/48 */
			memset(d6[i], 0, 16);
			d6[i][0] = 0x20;
			d6[i][1] = 0x01;
			d6[i][2] = 0x0d;
			d6[i][3] = 0xb8;
			d6[i][15] = (uint8_t)host;
			if (i & 1) {
				d6[i][5] = 1;
				d6[i][6] = 0xff;
				d6[i][7] = (uint8_t)x;
				want6[i] = NIC_V6_48;
			} else {
				d6[i][5] = 2;
				d6[i][7] = (uint8_t)x;
				want6[i] = NIC_V6_32;
			}
		}
		dps_route_lookup4_bulk_rcu(st->s, d4, h, nh, 32);
		for (unsigned int i = 0; i < 32; i++) {
			int got = nh[i] == NULL ? -1 : nh[i]->nic_id;

			if (got != want4[i])
				record_wrong(st, r, "v4", got, want4[i]);
		}
		dps_route_lookup6_bulk_rcu(st->s, (const uint8_t(*)[16])d6, h, nh, 32);
		for (unsigned int i = 0; i < 32; i++) {
			int got = nh[i] == NULL ? -1 : nh[i]->nic_id;

			if (got != want6[i])
				record_wrong(st, r, "v6", got, want6[i]);
		}
		st->lookups[r] += 64;
		rte_rcu_qsbr_quiescent(st->s->qsbr, ctx->id);
	}
	rte_rcu_qsbr_thread_offline(st->s->qsbr, ctx->id);
	return NULL;
}

/* The churned prefixes and a shadow of what the table should hold. */
#define N4 (256 * 5 * 2)
#define N6 (256 * 2)

struct churn {
	struct dps_prefix p;
	int nic; /* -1: absent */
};

static void
make_churn4(struct churn *c)
{
	static const uint8_t lens[5] = {24, 25, 26, 27, 28};
	static const uint8_t offs[5] = {0, 128, 192, 224, 240};
	unsigned int k = 0;

	for (unsigned int net = 0; net < 2; net++)
		for (unsigned int x = 0; x < 256; x++)
			for (unsigned int l = 0; l < 5; l++) {
				uint32_t a = 0x0a640000u | (net << 16) | (x << 8) | offs[l];

				/* 10.101.X.0/24 would cover the known answers: .128/26 instead. */
				if (net == 1 && l == 0) {
					a |= 128;
					c[k].p.plen = 26;
				} else {
					c[k].p.plen = lens[l];
				}
				dps_addr_from_ipv4(&c[k].p.addr, a);
				c[k].nic = -1;
				k++;
			}
}

static void
make_churn6(struct churn *c)
{
	for (unsigned int x = 0; x < 256; x++)
		for (unsigned int l = 0; l < 2; l++) {
			uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, (uint8_t)x};

			/* 2001:db8:1:X::/64 and 2001:db8:1:0:X00::/72 (nested in X=0's /64) */
			c[x * 2 + l].p.plen = l == 0 ? 64 : 72;
			if (l == 1) {
				b[7] = 0;
				b[8] = (uint8_t)x;
			}
			dps_addr_from_ipv6(&c[x * 2 + l].p.addr, b);
			c[x * 2 + l].nic = -1;
		}
}

static int
add_static(struct dps_stack *s, const char *pfx, uint16_t nic)
{
	struct dps_prefix p;
	struct dps_nexthop nh = {.nic_id = nic};

	if (dps_prefix_parse(pfx, &p) != 0)
		return -EINVAL;
	return dps_route_add(s, &p, &nh, 1, false);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

DPS_TEST(writer_churn_with_two_readers)
{
	static struct churn c4[N4], c6[N6];
	struct stress st = {0};
	struct dps_stack_conf conf = {
		.name = "rtstress",
		.socket_id = SOCKET_ID_ANY,
		.max_endpoints = 1024,
		.max_transport = 1024,
		.max_neigh = 1024,
		.max_routes4 = 65536,
		.max_routes6 = 8192,
	};
	pthread_t th[N_READERS];
	struct rarg ra[N_READERS];
	unsigned int seed = 12345;
	uint64_t ops = 0, ops4 = 0, ops6 = 0, adds = 0, dels = 0, repl = 0, batches = 0;
	double t0, t1, t4 = 0;

	/* EAL pinned this thread to lcore 0; let it and the readers use every CPU. */
	{
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	}
	CHECK_EQ(dps_stack_create(&conf, &st.s), 0);
	CHECK_EQ(add_static(st.s, "10.0.0.0/8", NIC_V4_WIDE), 0);
	CHECK_EQ(add_static(st.s, "10.101.0.0/16", NIC_V4_16), 0);
	CHECK_EQ(add_static(st.s, "10.100.0.0/16", NIC_V4_16), 0);
	for (unsigned int x = 0; x < 256; x++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "10.100.%u.0/28", x);
		CHECK_EQ(add_static(st.s, buf, NIC_V4_STABLE28), 0);
	}
	CHECK_EQ(add_static(st.s, "2001:db8::/32", NIC_V6_32), 0);
	CHECK_EQ(add_static(st.s, "2001:db8:1::/48", NIC_V6_48), 0);
	make_churn4(c4);
	make_churn6(c6);

	for (unsigned int r = 0; r < N_READERS; r++)
		CHECK_EQ(dps_ctx_create(st.s, (uint16_t)(r + 1), 0, NULL, SOCKET_ID_ANY, &st.ctx[r]),
			 0);
	for (unsigned int r = 0; r < N_READERS; r++) {
		ra[r].st = &st;
		ra[r].r = r;
		CHECK_EQ(pthread_create(&th[r], NULL, reader, &ra[r]), 0);
	}

	t0 = now_s();
	for (;;) {
		double el = now_s() - t0;

		if (el >= RUN_SECONDS)
			break;
		/* Pace to OPS_PER_SEC; when behind, run flat out. */
		if ((double)ops > el * OPS_PER_SEC) {
			rte_delay_us_sleep(200);
			continue;
		}
		/* Ten changes a batch: one grace period each (left-right copies, route.c). */
		{
			struct dps_route_batch *bt = dps_route_batch_begin(st.s);
			unsigned int n6 = 0;
			double ts = now_s();

			CHECK(bt != NULL);
			for (unsigned int b = 0; b < 10; b++) {
				bool v6 = (rand_r(&seed) % 64) == 0;
				struct churn *ch = v6 ? &c6[rand_r(&seed) % N6] :
							&c4[rand_r(&seed) % N4];
				int rc;

				if (ch->nic >= 0 && rand_r(&seed) % 2 == 0) {
					rc = dps_route_batch_del(bt, &ch->p, NULL, 0);
					CHECK_EQ(rc, 0);
					ch->nic = -1;
					dels++;
				} else {
					struct dps_nexthop nh[2] = {
						{.nic_id = (uint16_t)(NIC_CHURN_BASE +
								      rand_r(&seed) % 16)},
						{.nic_id = (uint16_t)(NIC_CHURN_BASE +
								      rand_r(&seed) % 16)},
					};

					rc = dps_route_batch_add(bt, &ch->p, nh,
								 1 + rand_r(&seed) % 2, 0);
					CHECK_EQ(rc, 0);
					if (ch->nic >= 0)
						repl++;
					else
						adds++;
					ch->nic = nh[0].nic_id;
				}
				ops++;
				if (v6) {
					ops6++;
					n6++;
				} else {
					ops4++;
				}
			}
			CHECK_EQ(dps_route_batch_commit(bt, NULL), 0);
			batches++;
			t4 += now_s() - ts;
			(void)n6;
		}
		/* The control thread's periodic reclaim. */
		if (ops % 1000 == 0)
			dps_stack_reclaim(st.s);
	}
	t1 = now_s();
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
	for (unsigned int r = 0; r < N_READERS; r++)
		pthread_join(th[r], NULL);

	printf("  %" PRIu64 " route changes in %.2f s (%.0f/s; %" PRIu64 " IPv4, %" PRIu64
	       " IPv6; %" PRIu64 " add, %" PRIu64 " replace, %" PRIu64 " delete)\n",
	       ops, t1 - t0, ops / (t1 - t0), ops4, ops6, adds, repl, dels);
	printf("  mean cost: a batch of ten changes %.1f us (one grace period)\n",
	       batches ? t4 / batches * 1e6 : 0.0);
	for (unsigned int r = 0; r < N_READERS; r++) {
		printf("  reader %u: %" PRIu64 " lookups, %" PRIu64 " wrong %s\n", r, st.lookups[r],
		       st.wrong[r], st.first_wrong[r]);
		CHECK(st.lookups[r] > 0);
		CHECK_EQ(st.wrong[r], 0);
	}
	CHECK(ops4 > 1000 && ops6 > 10);

	/* The table holds exactly the shadow's routes, with their first next hop. */
	{
		unsigned int n4 = 0, n6 = 0;

		for (unsigned int i = 0; i < N4 + N6; i++) {
			struct churn *ch = i < N4 ? &c4[i] : &c6[i - N4];
			struct dps_route_info ri;
			int rc = dps_route_get(st.s, &ch->p, &ri);

			if (ch->nic < 0) {
				CHECK_EQ(rc, -ENOENT);
				continue;
			}
			CHECK_EQ(rc, 0);
			CHECK_EQ(ri.paths[0].nic_id, ch->nic);
			if (i < N4)
				n4++;
			else
				n6++;
		}
		CHECK_EQ(dps_route_count(st.s, 4), n4 + 259);
		CHECK_EQ(dps_route_count(st.s, 16), n6 + 2);
	}
	for (unsigned int r = 0; r < N_READERS; r++)
		dps_ctx_free(st.ctx[r]);
	dps_stack_free(st.s);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
