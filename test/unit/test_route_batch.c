/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route batches and the left-right FIBs (docs/forwarding.md, "Route tables"):
 * - longest-prefix match against a brute-force reference on random prefixes of both families
 *   (/0, /32, /128 included) through random batches of adds, replaces and deletes;
 * - a batch is all or nothing: a failing change (EEXIST, EBUSY, ENOENT, ESRCH, ENOSPC) leaves
 *   the table as it was and names its index; abort changes nothing;
 * - capacity: max_routes and the 32,767 next-hop groups, each refusal counted;
 * - big batches, applied in address order, act as in staging order (per-prefix order, limits,
 *   the change a refusal names);
 * - readers during commits: two RCU reader threads look up addresses whose answer changes
 *   with every batch (every /24 and /48 replaced, more specific /26 and /64 added and deleted,
 *   so tbl8 groups come and go) and never see an answer of neither the old nor the new table.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>

#include "dps_route.h"
#include "dps_test.h"
#include "dps_test_util.h"

static struct dps_stack *
mkstack(uint32_t r4, uint32_t r6)
{
	static int seq;
	char name[32];
	struct dps_stack_conf c = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.max_endpoints = 1024,
		.max_transport = 1024,
		.max_neigh = 1024,
		.max_routes4 = r4,
		.max_routes6 = r6,
	};
	struct dps_stack *s = NULL;

	snprintf(name, sizeof(name), "rtb%d", seq++);
	if (dps_stack_create(&c, &s) != 0)
		return NULL;
	return s;
}

/* NIC id of the route for an address, or -1. */
static int
lk(struct dps_stack *s, const struct dps_addr *a)
{
	const struct dps_nexthop *nh;

	if (a->len == 4) {
		uint32_t d;

		memcpy(&d, a->b, 4);
		dps_route_lookup4_bulk_rcu(s, &d, NULL, &nh, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], a->b, 16);
		dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, NULL, &nh, 1);
	}
	return nh == NULL ? -1 : nh->nic_id;
}

/* ---- the reference: a plain list, longest match by scanning ---- */

#define REF_MAX 3000

struct ref {
	struct dps_prefix p[REF_MAX];
	int nic[REF_MAX]; /* -1: absent */
	unsigned int n;
};

static bool
in_prefix(const struct dps_addr *a, const struct dps_prefix *p)
{
	for (unsigned int bit = 0; bit < p->plen; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));

		if ((a->b[bit / 8] & m) != (p->addr.b[bit / 8] & m))
			return false;
	}
	return true;
}

static int
ref_lookup(const struct ref *r, const struct dps_addr *a)
{
	int best = -1, nic = -1;

	for (unsigned int i = 0; i < r->n; i++)
		if (r->nic[i] >= 0 && r->p[i].addr.len == a->len && in_prefix(a, &r->p[i]) &&
		    (int)r->p[i].plen > best) {
			best = r->p[i].plen;
			nic = r->nic[i];
		}
	return nic;
}

/* A random prefix: clustered under a few /8s (or 2001:db8::/32) so they nest and overlap. */
static struct dps_prefix
rand_prefix(unsigned int *seed, bool v6)
{
	static const uint8_t len4[] = {0, 8, 12, 16, 20, 23, 24, 24, 25, 26, 28, 30, 31, 32, 32};
	static const uint8_t len6[] = {0, 16, 29, 32, 40, 47, 48, 48, 56, 64, 64, 96, 127, 128};
	struct dps_prefix p = {.addr = {.len = v6 ? 16 : 4}};

	for (unsigned int i = 0; i < p.addr.len; i++)
		p.addr.b[i] = (uint8_t)rand_r(seed);
	if (v6) {
		p.addr.b[0] = 0x20;
		p.addr.b[1] = 0x01;
		p.addr.b[2] = 0x0d;
		p.addr.b[3] = 0xb8;
		/* Few values in the next bytes: siblings share tbl8 groups. */
		p.addr.b[4] &= 3;
		p.addr.b[5] &= 3;
		p.addr.b[6] &= 1;
		p.plen = len6[rand_r(seed) % sizeof(len6)];
	} else {
		p.addr.b[0] = (uint8_t)(10 + rand_r(seed) % 3);
		p.addr.b[1] &= 3;
		p.addr.b[2] &= 7;
		p.plen = len4[rand_r(seed) % sizeof(len4)];
	}
	dps_prefix_network(&p, &p.addr);
	return p;
}

/* An address near the reference's prefixes: inside one, with random host bits. */
static struct dps_addr
rand_addr(unsigned int *seed, const struct ref *r, bool v6)
{
	struct dps_prefix p = rand_prefix(seed, v6);
	struct dps_addr a = p.addr;

	if (r->n > 0 && rand_r(seed) % 4 != 0) {
		const struct dps_prefix *q = &r->p[rand_r(seed) % r->n];

		if (q->addr.len == a.len)
			a = q->addr;
	}
	for (unsigned int i = 0; i < a.len; i++)
		if (rand_r(seed) % 2)
			a.b[i] ^= (uint8_t)(1u << (rand_r(seed) % 8)) & (i >= 3 ? 0xff : 0x0f);
	return a;
}

static int
ref_find(const struct ref *r, const struct dps_prefix *p)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->p[i].plen == p->plen && dps_addr_eq(&r->p[i].addr, &p->addr))
			return (int)i;
	return -1;
}

DPS_TEST(lpm_matches_reference_through_random_batches)
{
	struct dps_stack *s = mkstack(4096, 4096);
	static struct ref r;
	unsigned int seed = 4242, checks = 0;

	CHECK(s != NULL);
	r.n = 0;
	for (unsigned int round = 0; round < 60; round++) {
		struct dps_route_batch *b = dps_route_batch_begin(s);
		/* Mostly batches; a few single changes through dps_route_add/del. */
		unsigned int n = round % 5 == 4 ? 1 : 1 + (unsigned int)rand_r(&seed) % 120;
		bool single = round % 5 == 4;
		int adds[128];
		struct dps_prefix ps[128];
		unsigned int k = 0;

		CHECK(b != NULL);
		for (unsigned int i = 0; i < n; i++) {
			bool v6 = rand_r(&seed) % 2;
			struct dps_prefix p = rand_prefix(&seed, v6);
			int at = ref_find(&r, &p);
			bool dup = false;

			/* One change per prefix per batch keeps the reference's bookkeeping simple. */
			for (unsigned int j = 0; j < k; j++)
				if (ps[j].plen == p.plen && dps_addr_eq(&ps[j].addr, &p.addr))
					dup = true;
			if (dup)
				continue;
			if (at >= 0 && r.nic[at] >= 0 && rand_r(&seed) % 3 == 0) {
				if (single)
					CHECK_EQ(dps_route_del(s, &p), 0);
				else
					CHECK_EQ(dps_route_batch_del(b, &p, NULL, 0), 0);
				adds[k] = -1;
			} else {
				struct dps_nexthop nh = {.nic_id = (uint16_t)(rand_r(&seed) % 31)};

				if (single)
					CHECK_EQ(dps_route_add(s, &p, &nh, 1, false), 0);
				else
					CHECK_EQ(dps_route_batch_add(b, &p, &nh, 1, 0), 0);
				adds[k] = nh.nic_id;
			}
			ps[k++] = p;
		}
		CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
		for (unsigned int j = 0; j < k; j++) {
			int at = ref_find(&r, &ps[j]);

			if (at < 0) {
				CHECK(r.n < REF_MAX);
				at = (int)r.n++;
				r.p[at] = ps[j];
			}
			r.nic[at] = adds[j];
		}
		for (unsigned int q = 0; q < 400; q++) {
			struct dps_addr a = rand_addr(&seed, &r, q % 2);
			int want = ref_lookup(&r, &a), got = lk(s, &a);

			if (got != want) {
				char buf[64];

				printf("  round %u: %s: got %d want %d\n", round,
				       dps_addr_fmt(&a, buf, sizeof(buf)), got, want);
			}
			CHECK_EQ(got, want);
			checks++;
		}
	}
	/* The count and the listing agree with the reference. */
	{
		unsigned int live4 = 0, live6 = 0;

		for (unsigned int i = 0; i < r.n; i++)
			if (r.nic[i] >= 0)
				*(r.p[i].addr.len == 4 ? &live4 : &live6) += 1;
		CHECK_EQ(dps_route_count(s, 4), live4);
		CHECK_EQ(dps_route_count(s, 16), live6);
		CHECK_EQ(dps_route_list(s, NULL, 0), (int)(live4 + live6));
		printf("  %u lookups checked; %u IPv4 and %u IPv6 routes at the end\n", checks,
		       live4, live6);
	}
	dps_stack_free(s);
}

DPS_TEST(default_host_and_full_length_routes)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_route_batch *b = dps_route_batch_begin(s);
	struct dps_nexthop n1 = {.nic_id = 1}, n2 = {.nic_id = 2}, n3 = {.nic_id = 3};
	struct dps_prefix d4 = P("0.0.0.0/0"), h4 = P("192.0.2.7/32"), d6 = P("::/0"),
			  h6 = P("2001:db8::7/128");
	struct dps_addr a;

	CHECK_EQ(dps_route_batch_add(b, &d4, &n1, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &h4, &n2, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &d6, &n1, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &h6, &n3, 1, 0), 0);
	CHECK_EQ(dps_route_batch_size(b), 4);
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	a = A("192.0.2.7");
	CHECK_EQ(lk(s, &a), 2);
	a = A("192.0.2.6");
	CHECK_EQ(lk(s, &a), 1);
	a = A("255.255.255.255");
	CHECK_EQ(lk(s, &a), 1);
	a = A("2001:db8::7");
	CHECK_EQ(lk(s, &a), 3);
	a = A("2001:db8::6");
	CHECK_EQ(lk(s, &a), 1);
	CHECK_EQ(dps_route_list(s, NULL, 0), 4);
	/* Deleting the default routes leaves the hosts. */
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_del(b, &d4, NULL, 0), 0);
	CHECK_EQ(dps_route_batch_del(b, &d6, NULL, 0), 0);
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	a = A("192.0.2.6");
	CHECK_EQ(lk(s, &a), -1);
	a = A("192.0.2.7");
	CHECK_EQ(lk(s, &a), 2);
	a = A("2001:db8::6");
	CHECK_EQ(lk(s, &a), -1);
	dps_stack_free(s);
}

DPS_TEST(ecmp_groups_are_shared_and_spread)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_route_batch *b = dps_route_batch_begin(s);
	struct dps_nexthop nh[3] = {{.nic_id = 1}, {.nic_id = 2}, {.nic_id = 3}};
	struct dps_route_stats st;
	const struct dps_nexthop *out[64];
	uint32_t dst[64], hash[64];
	bool seen[4] = {false};

	for (unsigned int i = 0; i < 10; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {10, (uint8_t)i}}, .plen = 16};

		CHECK_EQ(dps_route_batch_add(b, &p, nh, 3, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	CHECK_EQ(dps_route_stats(s, 4, &st), 0);
	CHECK_EQ(st.routes, 10);
	CHECK_EQ(st.groups, 1); /* ten routes, one next-hop set */
	for (unsigned int i = 0; i < 64; i++) {
		dst[i] = rte_cpu_to_be_32(0x0a000000u | (i % 10) << 16 | i);
		hash[i] = i * 2654435761u;
	}
	dps_route_lookup4_bulk_rcu(s, dst, hash, out, 64);
	for (unsigned int i = 0; i < 64; i++) {
		CHECK(out[i] != NULL);
		CHECK_EQ(out[i]->nic_id, nh[hash[i] % 3].nic_id);
		seen[out[i]->nic_id] = true;
	}
	CHECK(seen[1] && seen[2] && seen[3]);
	/* The last route of a group frees it (after the grace period). */
	b = dps_route_batch_begin(s);
	for (unsigned int i = 0; i < 10; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {10, (uint8_t)i}}, .plen = 16};

		CHECK_EQ(dps_route_batch_add(b, &p, &nh[0], 1, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	/* The next change replays that batch on the second copy and frees the old group. */
	{
		struct dps_prefix p = {.addr = {.len = 4, .b = {10, 0}}, .plen = 16};

		CHECK_EQ(dps_route_del(s, &p), 0);
	}
	CHECK_EQ(dps_route_stats(s, 4, &st), 0);
	CHECK_EQ(st.groups, 1);
	CHECK_EQ(st.routes, 9);
	dps_stack_free(s);
}

DPS_TEST(failed_batch_changes_nothing)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_nexthop n1 = {.nic_id = 1}, n2 = {.nic_id = 2};
	struct dps_nexthop m_gw = {.nic_id = DPS_ROUTE_ANY_NIC, .has_gw = true,
				   .gw = A("10.9.9.9")};
	struct dps_prefix a = P("10.1.0.0/16"), bb = P("10.2.0.0/16"), c6 = P("2001:db8:5::/48"),
			  conn = P("192.0.2.1/24"), more = P("10.1.2.0/25");
	struct dps_route_batch *b;
	struct dps_addr x;
	struct dps_route_batch_err failed = {.index = 99};

	CHECK_EQ(dps_route_add(s, &a, &n1, 1, false), 0);
	CHECK_EQ(dps_route_add_connected(s, 3, &conn), 0);

	/* EXCL on an existing route: the changes before it are undone. */
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_add(b, &bb, &n2, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &c6, &n2, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &more, &n2, 1, 0), 0); /* a tbl8 group, then undone */
	CHECK_EQ(dps_route_batch_del(b, &a, NULL, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &a, &n2, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &bb, &n1, 1, DPS_ROUTE_F_EXCL), 0);
	CHECK_EQ(dps_route_batch_commit(b, &failed), -EEXIST);
	CHECK_EQ(failed.index, 5);
	x = A("10.1.2.3");
	CHECK_EQ(lk(s, &x), 1);
	x = A("10.2.0.1");
	CHECK_EQ(lk(s, &x), -1);
	x = A("2001:db8:5::1");
	CHECK_EQ(lk(s, &x), -1);
	CHECK_EQ(dps_route_count(s, 4), 2);
	CHECK_EQ(dps_route_count(s, 16), 0);

	/* A connected route is kept when asked. */
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_add(b, &bb, &n2, 1, 0), 0);
	CHECK_EQ(dps_route_batch_add(b, &conn, &n2, 1, DPS_ROUTE_F_KEEP_CONNECTED), 0);
	CHECK_EQ(dps_route_batch_commit(b, &failed), -EBUSY);
	CHECK_EQ(failed.index, 1);
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_del(b, &conn, NULL, DPS_ROUTE_F_KEEP_CONNECTED), 0);
	CHECK_EQ(dps_route_batch_commit(b, &failed), -EBUSY);
	/* A delete of no route, and one whose gateway no path has. */
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_del(b, &bb, NULL, 0), 0);
	CHECK_EQ(dps_route_batch_commit(b, &failed), -ENOENT);
	CHECK_EQ(failed.index, 0);
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_del(b, &a, &m_gw, 0), 0);
	CHECK_EQ(dps_route_batch_commit(b, &failed), -ESRCH);
	x = A("192.0.2.9");
	CHECK_EQ(lk(s, &x), 3);
	x = A("10.2.0.1");
	CHECK_EQ(lk(s, &x), -1);
	{
		struct dps_route_info ri;

		CHECK_EQ(dps_route_get(s, &conn, &ri), 0);
		CHECK(ri.connected);
	}
	/* Abort: nothing happens. */
	b = dps_route_batch_begin(s);
	CHECK_EQ(dps_route_batch_del(b, &a, NULL, 0), 0);
	dps_route_batch_abort(b);
	x = A("10.1.0.1");
	CHECK_EQ(lk(s, &x), 1);
	/* Staging errors are immediate. */
	b = dps_route_batch_begin(s);
	{
		struct dps_nexthop bad = {.nic_id = DPS_MAX_NICS};
		struct dps_prefix badp = {.addr = {.len = 4}, .plen = 33};

		CHECK_EQ(dps_route_batch_add(b, &a, &bad, 1, 0), -ENODEV);
		CHECK_EQ(dps_route_batch_add(b, &badp, &n1, 1, 0), -EINVAL);
		CHECK_EQ(dps_route_batch_add(b, &a, &n1, 0, 0), -EINVAL);
		CHECK_EQ(dps_route_batch_del(b, &badp, NULL, 0), -EINVAL);
	}
	CHECK_EQ(dps_route_batch_size(b), 0);
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	/* A connected route replaced by a static one becomes static (dps_route_add). */
	CHECK_EQ(dps_route_add(s, &conn, &n2, 1, false), 0);
	{
		struct dps_route_info ri;

		CHECK_EQ(dps_route_get(s, &conn, &ri), 0);
		CHECK(!ri.connected);
		CHECK_EQ(ri.paths[0].nic_id, 2);
	}
	dps_stack_free(s);
}

DPS_TEST(full_tables_refuse_and_count)
{
	struct dps_stack *s = mkstack(16, 16), *s2;
	struct dps_route_batch *b = dps_route_batch_begin(s);
	struct dps_nexthop nh = {.nic_id = 1};
	struct dps_route_stats st;
	struct dps_route_batch_err failed = {0};
	struct dps_addr x;

	for (unsigned int i = 0; i < 17; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {10, (uint8_t)i}}, .plen = 16};

		CHECK_EQ(dps_route_batch_add(b, &p, &nh, 1, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, &failed), -ENOSPC);
	CHECK_EQ(failed.index, 16);
	CHECK_EQ(dps_route_count(s, 4), 0);
	CHECK_EQ(dps_route_stats(s, 4, &st), 0);
	CHECK_EQ(st.full, 1);
	CHECK_EQ(st.max_routes, 16);
	x = A("10.0.0.1");
	CHECK_EQ(lk(s, &x), -1);
	/* The same on IPv6, one change at a time. */
	for (unsigned int i = 0; i < 17; i++) {
		struct dps_prefix p = {.addr = {.len = 16, .b = {0x20, 0x01, 0x0d, 0xb8, 0,
								 (uint8_t)i}},
				       .plen = 48};

		CHECK_EQ(dps_route_add(s, &p, &nh, 1, false), i < 16 ? 0 : -ENOSPC);
	}
	CHECK_EQ(dps_route_stats(s, 16, &st), 0);
	CHECK_EQ(st.full, 1);
	CHECK_EQ(st.routes, 16);
	dps_stack_free(s);

	/* 32,767 distinct next-hop sets at most: the next one is refused, counted. */
	s2 = mkstack(40000, 16);
	CHECK(s2 != NULL);
	b = dps_route_batch_begin(s2);
	for (unsigned int i = 0; i <= DPS_ROUTE_MAX_GROUPS; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {10, (uint8_t)(i >> 8),
								(uint8_t)i}},
				       .plen = 24};
		struct dps_nexthop g = {.nic_id = 1, .has_gw = true,
					.gw = {.len = 4, .b = {192, 168, (uint8_t)(i >> 8),
							       (uint8_t)i}}};

		CHECK_EQ(dps_route_batch_add(b, &p, &g, 1, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, &failed), -ENOSPC);
	CHECK_EQ(failed.index, DPS_ROUTE_MAX_GROUPS);
	CHECK_EQ(dps_route_stats(s2, 4, &st), 0);
	CHECK_EQ(st.full, 1);
	CHECK_EQ(st.routes, 0);
	CHECK_EQ(st.groups, 0);
	dps_stack_free(s2);
}

/*
 * Big batches (route.c's RT_SORT_MIN and more) are applied in address order, which must not
 * show: the changes of one prefix keep their order, a limit reached only in address order
 * does not refuse the batch, and a refusal names the first failing change in staging order.
 */
static struct dps_prefix
spread4(unsigned int i, uint8_t plen)
{
	/* An odd multiplier spreads consecutive i over the space (as a full table file is). */
	uint32_t x = (i * 2654435761u) >> 8;
	struct dps_prefix p = {.addr = {.len = 4, .b = {(uint8_t)(1 + x % 200), (uint8_t)(x >> 8),
							(uint8_t)(x >> 16)}},
			       .plen = plen};
	return p;
}

static struct dps_prefix
spread6(unsigned int i)
{
	uint32_t x = i * 2654435761u;
	struct dps_prefix p = {.addr = {.len = 16, .b = {0x24, (uint8_t)(x >> 24), (uint8_t)(x >> 16),
							 (uint8_t)(x >> 8), (uint8_t)x, 0x5}},
			       .plen = 48};
	return p;
}

DPS_TEST(big_batches_act_as_in_staging_order)
{
	struct dps_stack *s = mkstack(1500, 1500);
	struct dps_nexthop n1 = {.nic_id = 1}, n2 = {.nic_id = 2}, n3 = {.nic_id = 3};
	struct dps_route_batch_err failed = {0};
	struct dps_route_stats st;
	struct dps_route_batch *b;
	struct dps_addr x;

	CHECK(s != NULL);
	/* Per prefix: add via 1, delete, add via 2 (IPv4); add via 1, replace via 3 (IPv6). */
	b = dps_route_batch_begin(s);
	for (unsigned int i = 0; i < 1000; i++) {
		struct dps_prefix p4 = spread4(i, 24), p6 = spread6(i);

		CHECK_EQ(dps_route_batch_add(b, &p4, &n1, 1, DPS_ROUTE_F_EXCL), 0);
		CHECK_EQ(dps_route_batch_add(b, &p6, &n1, 1, DPS_ROUTE_F_EXCL), 0);
	}
	for (unsigned int i = 0; i < 1000; i++) {
		struct dps_prefix p4 = spread4(i, 24), p6 = spread6(i);

		CHECK_EQ(dps_route_batch_del(b, &p4, NULL, 0), 0);
		CHECK_EQ(dps_route_batch_add(b, &p4, &n2, 1, DPS_ROUTE_F_EXCL), 0);
		CHECK_EQ(dps_route_batch_add(b, &p6, &n3, 1, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, &failed), 0);
	CHECK_EQ(dps_route_count(s, 4), 1000);
	CHECK_EQ(dps_route_count(s, 16), 1000);
	for (unsigned int i = 0; i < 1000; i++) {
		struct dps_prefix p4 = spread4(i, 24), p6 = spread6(i);

		x = p4.addr;
		x.b[3] = 77;
		CHECK_EQ(lk(s, &x), 2);
		x = p6.addr;
		x.b[15] = 9;
		CHECK_EQ(lk(s, &x), 3);
	}

	/*
	 * Full table (1,500 routes): 500 deletes, then 500 adds of lower addresses. In address
	 * order the adds come first and would not fit; in staging order they do.
	 */
	b = dps_route_batch_begin(s);
	for (unsigned int i = 0; i < 500; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {223, (uint8_t)(i >> 8), (uint8_t)i}},
				       .plen = 24};

		CHECK_EQ(dps_route_batch_add(b, &p, &n1, 1, 0), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	CHECK_EQ(dps_route_count(s, 4), 1500);
	b = dps_route_batch_begin(s);
	for (unsigned int i = 0; i < 500; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {223, (uint8_t)(i >> 8), (uint8_t)i}},
				       .plen = 24};

		CHECK_EQ(dps_route_batch_del(b, &p, NULL, 0), 0);
	}
	for (unsigned int i = 0; i < 600; i++) {
		struct dps_prefix p = {.addr = {.len = 4, .b = {0, (uint8_t)(i >> 8), (uint8_t)i}},
				       .plen = 24},
				  q = spread6(i);

		if (i < 500)
			CHECK_EQ(dps_route_batch_add(b, &p, &n3, 1, DPS_ROUTE_F_EXCL), 0);
		CHECK_EQ(dps_route_batch_add(b, &q, &n2, 1, 0), 0);
	}
	CHECK(dps_route_batch_size(b) >= 1024);
	CHECK_EQ(dps_route_batch_commit(b, &failed), 0);
	CHECK_EQ(dps_route_count(s, 4), 1500);
	CHECK_EQ(dps_route_stats(s, 4, &st), 0);
	CHECK_EQ(st.full, 0);
	x = A("0.1.2.3");
	CHECK_EQ(lk(s, &x), 3);
	x = A("223.1.2.3");
	CHECK_EQ(lk(s, &x), -1);

	/*
	 * Two refusals: change 300 (a high address, late in address order) and change 1200 (a
	 * low one, early): the first in staging order is named, and nothing changes.
	 */
	b = dps_route_batch_begin(s);
	for (unsigned int i = 0; i < 1300; i++) {
		struct dps_prefix p = spread6(i);

		if (i == 300)
			p = spread4(7, 24); /* exists */
		if (i == 1200)
			p = (struct dps_prefix){.addr = {.len = 4, .b = {0, 0, 9}}, .plen = 24};
		p.addr.b[5] = i == 300 || i == 1200 ? p.addr.b[5] : 0x6; /* new /48s */
		CHECK_EQ(dps_route_batch_add(b, &p, &n1, 1, DPS_ROUTE_F_EXCL), 0);
	}
	CHECK_EQ(dps_route_batch_commit(b, &failed), -EEXIST);
	CHECK_EQ(failed.index, 300);
	CHECK(!failed.del);
	CHECK_EQ(dps_route_count(s, 4), 1500);
	CHECK_EQ(dps_route_count(s, 16), 1000);
	x = A("0.0.9.1");
	CHECK_EQ(lk(s, &x), 3);
	dps_stack_free(s);
}

/* ---- readers during commits ---- */

#define N_READERS 2
#define RB_NETS 1024 /* 10.X.Y.0/24 and 2001:db8:X:Y::/64 routes, X < 4 */

struct rstate {
	struct dps_stack *s;
	struct dps_ctx *ctx[N_READERS];
	uint32_t committed;  /* the last version committed */
	int32_t stop;
	uint64_t lookups[N_READERS], wrong[N_READERS];
	char first[N_READERS][160];
};

/*
 * Version v of the table: every /24 (/48) via NIC v % 8; in odd versions a /26 (/64) inside
 * each /24 (/48) via NIC 8 + v % 8. What an address in the /26 (/64) gets in version v:
 */
static int
want_inner(uint32_t v)
{
	return (v & 1) ? (int)(8 + v % 8) : (int)(v % 8);
}

static void *
rb_reader(void *arg)
{
	struct rstate *st = ((void **)arg)[0];
	unsigned int r = (unsigned int)(uintptr_t)((void **)arg)[1];
	struct dps_ctx *ctx = st->ctx[r];
	unsigned int seed = 99 + r;

	rte_rcu_qsbr_thread_online(st->s->qsbr, ctx->id);
	while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
		uint32_t d4[32], h[32];
		uint8_t d6[32][16];
		bool inner[32];
		const struct dps_nexthop *nh4[32], *nh6[32];
		uint32_t v0, v1;

		for (unsigned int i = 0; i < 32; i++) {
			uint32_t net = (uint32_t)rand_r(&seed) % RB_NETS;
			uint32_t host = (uint32_t)rand_r(&seed) & 0x3f;

			inner[i] = rand_r(&seed) & 1;
			/* .64-.127 is the /26; .0-.63 only the /24 covers */
			d4[i] = rte_cpu_to_be_32(0x0a000000u | net << 8 | (inner[i] ? 64 : 0) | host);
			memset(d6[i], 0, 16);
			d6[i][0] = 0x20;
			d6[i][1] = 0x01;
			d6[i][2] = 0x0d;
			d6[i][3] = 0xb8;
			d6[i][4] = (uint8_t)(net >> 8);
			d6[i][5] = (uint8_t)net;
			d6[i][7] = inner[i] ? 1 : 2; /* 2001:db8:N:1::/64 is the inner one */
			d6[i][15] = (uint8_t)host;
			h[i] = (uint32_t)rand_r(&seed);
		}
		v0 = __atomic_load_n(&st->committed, __ATOMIC_ACQUIRE);
		dps_route_lookup4_bulk_rcu(st->s, d4, h, nh4, 32);
		dps_route_lookup6_bulk_rcu(st->s, (const uint8_t(*)[16])d6, h, nh6, 32);
		v1 = __atomic_load_n(&st->committed, __ATOMIC_ACQUIRE);
		for (unsigned int i = 0; i < 64; i++) {
			const struct dps_nexthop *nh = i < 32 ? nh4[i] : nh6[i - 32];
			int got = nh == NULL ? -1 : nh->nic_id;
			bool ok = false;

			/* Any version from the one committed before up to the one being committed. */
			for (uint32_t v = v0; v <= v1 + 1 && !ok; v++)
				ok = got == (inner[i % 32] ? want_inner(v) : (int)(v % 8));
			if (!ok && st->wrong[r]++ == 0)
				snprintf(st->first[r], sizeof(st->first[r]),
					 "%s inner %d: got %d in versions %u..%u",
					 i < 32 ? "v4" : "v6", inner[i % 32], got, v0, v1 + 1);
		}
		st->lookups[r] += 64;
		rte_rcu_qsbr_quiescent(st->s->qsbr, ctx->id);
	}
	rte_rcu_qsbr_thread_offline(st->s->qsbr, ctx->id);
	return NULL;
}

/* The batch from version v - 1 to v. */
static int
rb_batch(struct dps_stack *s, uint32_t v)
{
	struct dps_route_batch *b = dps_route_batch_begin(s);
	struct dps_nexthop outer = {.nic_id = (uint16_t)(v % 8)};
	struct dps_nexthop in = {.nic_id = (uint16_t)(8 + v % 8)};
	struct dps_route_batch_err failed;
	int rc = 0;

	if (b == NULL)
		return -ENOMEM;
	for (uint32_t net = 0; net < RB_NETS && rc == 0; net++) {
		struct dps_prefix p4 = {.addr = {.len = 4, .b = {10, (uint8_t)(net >> 8),
								(uint8_t)net}},
					.plen = 24};
		struct dps_prefix p6 = {.addr = {.len = 16, .b = {0x20, 0x01, 0x0d, 0xb8,
								 (uint8_t)(net >> 8), (uint8_t)net}},
					.plen = 48};
		struct dps_prefix i4 = p4, i6 = p6;

		i4.addr.b[3] = 64;
		i4.plen = 26;
		i6.addr.b[7] = 1;
		i6.plen = 64;
		rc = dps_route_batch_add(b, &p4, &outer, 1, 0);
		if (rc == 0)
			rc = dps_route_batch_add(b, &p6, &outer, 1, 0);
		if (rc == 0 && (v & 1)) {
			rc = dps_route_batch_add(b, &i4, &in, 1, DPS_ROUTE_F_EXCL);
			if (rc == 0)
				rc = dps_route_batch_add(b, &i6, &in, 1, DPS_ROUTE_F_EXCL);
		} else if (rc == 0 && v > 1) {
			rc = dps_route_batch_del(b, &i4, NULL, 0);
			if (rc == 0)
				rc = dps_route_batch_del(b, &i6, NULL, 0);
		}
	}
	if (rc != 0) {
		dps_route_batch_abort(b);
		return rc;
	}
	rc = dps_route_batch_commit(b, &failed);
	if (rc != 0)
		printf("  version %u: change %u failed: %s\n", v, failed.index, strerror(-rc));
	return rc;
}

DPS_TEST(readers_never_see_a_wrong_next_hop_during_commits)
{
	static struct rstate st;
	pthread_t th[N_READERS];
	void *args[N_READERS][2];
	struct timespec t0, t1;
	uint32_t v;
	double el;

	memset(&st, 0, sizeof(st));
	/* EAL pinned this thread to lcore 0; let it and the readers use every CPU. */
	{
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
	}
	st.s = mkstack(8192, 8192);
	CHECK(st.s != NULL);
	CHECK_EQ(rb_batch(st.s, 0), 0);
	st.committed = 0;
	for (unsigned int r = 0; r < N_READERS; r++)
		CHECK_EQ(dps_ctx_create(st.s, (uint16_t)(r + 1), 0, NULL, SOCKET_ID_ANY, &st.ctx[r]),
			 0);
	for (unsigned int r = 0; r < N_READERS; r++) {
		args[r][0] = &st;
		args[r][1] = (void *)(uintptr_t)r;
		CHECK_EQ(pthread_create(&th[r], NULL, rb_reader, args[r]), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (v = 1; v <= 40; v++) {
		CHECK_EQ(rb_batch(st.s, v), 0);
		__atomic_store_n(&st.committed, v, __ATOMIC_RELEASE);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
	for (unsigned int r = 0; r < N_READERS; r++)
		pthread_join(th[r], NULL);
	el = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("  40 batches of ~%u changes in %.2f s\n", RB_NETS * 3, el);
	for (unsigned int r = 0; r < N_READERS; r++) {
		printf("  reader %u: %" PRIu64 " lookups, %" PRIu64 " wrong %s\n", r, st.lookups[r],
		       st.wrong[r], st.first[r]);
		CHECK(st.lookups[r] > 0);
		CHECK_EQ(st.wrong[r], 0);
	}
	CHECK_EQ(dps_route_count(st.s, 4), RB_NETS);
	CHECK_EQ(dps_route_count(st.s, 16), RB_NETS);
	for (unsigned int r = 0; r < N_READERS; r++)
		dps_ctx_free(st.ctx[r]);
	dps_stack_free(st.s);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
