/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route tables: longest-prefix match for IPv4 and IPv6 (left-right rte_fib / rte_fib6),
 * replace, delete, default routes, equal-cost spread, connected routes, listing, capacity.
 */
#include <errno.h>
#include <stdlib.h>

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

	snprintf(name, sizeof(name), "rt%d", seq++);
	if (dps_stack_create(&c, &s) != 0)
		return NULL;
	return s;
}

static int
add_dev(struct dps_stack *s, const char *pfx, uint16_t nic)
{
	struct dps_prefix p = P(pfx);
	struct dps_nexthop nh = {.nic_id = nic};

	return dps_route_add(s, &p, &nh, 1, false);
}

static int
add_via(struct dps_stack *s, const char *pfx, uint16_t nic, const char *gw)
{
	struct dps_prefix p = P(pfx);
	struct dps_nexthop nh = {.nic_id = nic, .has_gw = true, .gw = A(gw)};

	return dps_route_add(s, &p, &nh, 1, false);
}

static int
del(struct dps_stack *s, const char *pfx)
{
	struct dps_prefix p = P(pfx);

	return dps_route_del(s, &p);
}

/* NIC id of the route for dst, or -1 when there is none. */
static int
lk(struct dps_stack *s, const char *dst)
{
	struct dps_addr a = A(dst);
	const struct dps_nexthop *nh;
	uint32_t h = 0;

	if (a.len == 4) {
		uint32_t d;

		memcpy(&d, a.b, 4);
		dps_route_lookup4_bulk_rcu(s, &d, &h, &nh, 1);
	} else {
		uint8_t d[1][16];

		memcpy(d[0], a.b, 16);
		dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, &h, &nh, 1);
	}
	return nh == NULL ? -1 : nh->nic_id;
}

DPS_TEST(empty_table_has_no_route)
{
	struct dps_stack *s = mkstack(64, 64);

	CHECK(s != NULL);
	CHECK_EQ(lk(s, "10.0.0.1"), -1);
	CHECK_EQ(lk(s, "2001:db8::1"), -1);
	CHECK_EQ(dps_route_count(s, 4), 0);
	CHECK_EQ(dps_route_list(s, NULL, 0), 0);
	CHECK_EQ(del(s, "10.0.0.0/8"), -ENOENT);
	dps_stack_free(s);
}

DPS_TEST(lpm4_longest_prefix_wins)
{
	struct dps_stack *s = mkstack(256, 64);

	CHECK(s != NULL);
	CHECK_EQ(add_dev(s, "10.0.0.0/8", 1), 0);
	CHECK_EQ(add_dev(s, "10.1.0.0/16", 2), 0);
	CHECK_EQ(add_dev(s, "10.1.2.0/24", 3), 0);
	CHECK_EQ(add_dev(s, "10.1.2.128/25", 4), 0); /* below /24: a tbl8 group */
	CHECK_EQ(add_dev(s, "10.1.2.200/32", 5), 0);
	CHECK_EQ(lk(s, "10.9.9.9"), 1);
	CHECK_EQ(lk(s, "10.1.9.9"), 2);
	CHECK_EQ(lk(s, "10.1.2.1"), 3);
	CHECK_EQ(lk(s, "10.1.2.129"), 4);
	CHECK_EQ(lk(s, "10.1.2.200"), 5);
	CHECK_EQ(lk(s, "10.1.2.201"), 4);
	CHECK_EQ(lk(s, "11.0.0.1"), -1);
	CHECK_EQ(dps_route_count(s, 4), 5);
	dps_stack_free(s);
}

DPS_TEST(lpm6_longest_prefix_wins)
{
	struct dps_stack *s = mkstack(64, 256);

	CHECK(s != NULL);
	CHECK_EQ(add_dev(s, "2001:db8::/32", 1), 0);
	CHECK_EQ(add_dev(s, "2001:db8:1::/48", 2), 0);
	CHECK_EQ(add_dev(s, "2001:db8:1:2::/64", 3), 0);
	CHECK_EQ(add_dev(s, "2001:db8:1:2::77/128", 4), 0);
	CHECK_EQ(lk(s, "2001:db8:ffff::1"), 1);
	CHECK_EQ(lk(s, "2001:db8:1:ffff::1"), 2);
	CHECK_EQ(lk(s, "2001:db8:1:2::1"), 3);
	CHECK_EQ(lk(s, "2001:db8:1:2::77"), 4);
	CHECK_EQ(lk(s, "2001:db9::1"), -1);
	/* Families are separate tables. */
	CHECK_EQ(lk(s, "32.1.13.184"), -1);
	CHECK_EQ(dps_route_count(s, 16), 4);
	CHECK_EQ(dps_route_count(s, 4), 0);
	dps_stack_free(s);
}

DPS_TEST(default_routes_catch_everything_else)
{
	struct dps_stack *s = mkstack(64, 64);

	CHECK(s != NULL);
	CHECK_EQ(add_via(s, "0.0.0.0/0", 7, "192.0.2.1"), 0);
	CHECK_EQ(add_via(s, "::/0", 8, "fe80::1"), 0);
	CHECK_EQ(add_dev(s, "192.0.2.0/24", 7), 0);
	CHECK_EQ(lk(s, "8.8.8.8"), 7);
	CHECK_EQ(lk(s, "255.255.255.254"), 7);
	CHECK_EQ(lk(s, "2606:4700::1"), 8);
	CHECK_EQ(del(s, "0.0.0.0/0"), 0);
	CHECK_EQ(lk(s, "8.8.8.8"), -1);
	CHECK_EQ(lk(s, "192.0.2.5"), 7);
	CHECK_EQ(del(s, "::/0"), 0);
	CHECK_EQ(lk(s, "2606:4700::1"), -1);
	dps_stack_free(s);
}

DPS_TEST(replace_changes_next_hop_not_count)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_route_info ri;
	struct dps_prefix p = P("10.0.0.0/8");

	CHECK(s != NULL);
	CHECK_EQ(add_via(s, "10.0.0.0/8", 1, "192.0.2.1"), 0);
	CHECK_EQ(add_via(s, "10.0.0.0/8", 2, "192.0.2.2"), 0);
	CHECK_EQ(lk(s, "10.2.3.4"), 2);
	CHECK_EQ(dps_route_count(s, 4), 1);
	CHECK_EQ(dps_route_get(s, &p, &ri), 0);
	CHECK_EQ(ri.n_paths, 1);
	CHECK(ri.paths[0].has_gw);
	CHECK(dps_addr_eq(&ri.paths[0].gw, &(struct dps_addr){0}) == false);
	{
		struct dps_addr gw = A("192.0.2.2");

		CHECK(dps_addr_eq(&ri.paths[0].gw, &gw));
	}
	CHECK_EQ(add_dev(s, "2001:db8::/32", 3), 0);
	CHECK_EQ(add_dev(s, "2001:db8::/32", 4), 0);
	CHECK_EQ(lk(s, "2001:db8::9"), 4);
	CHECK_EQ(dps_route_count(s, 16), 1);
	dps_stack_free(s);
}

DPS_TEST(delete_falls_back_to_shorter_prefix)
{
	struct dps_stack *s = mkstack(64, 64);

	CHECK(s != NULL);
	CHECK_EQ(add_dev(s, "10.0.0.0/8", 1), 0);
	CHECK_EQ(add_dev(s, "10.1.2.0/28", 2), 0);
	CHECK_EQ(lk(s, "10.1.2.3"), 2);
	CHECK_EQ(del(s, "10.1.2.0/28"), 0);
	CHECK_EQ(lk(s, "10.1.2.3"), 1);
	CHECK_EQ(del(s, "10.1.2.0/28"), -ENOENT);
	CHECK_EQ(del(s, "10.0.0.0/9"), -ENOENT);
	CHECK_EQ(add_dev(s, "2001:db8::/32", 1), 0);
	CHECK_EQ(add_dev(s, "2001:db8:0:1::/64", 2), 0);
	CHECK_EQ(del(s, "2001:db8:0:1::/64"), 0);
	CHECK_EQ(lk(s, "2001:db8:0:1::5"), 1);
	CHECK_EQ(del(s, "2001:db8:0:1::/64"), -ENOENT);
	CHECK_EQ(dps_route_count(s, 4), 1);
	CHECK_EQ(dps_route_count(s, 16), 1);
	dps_stack_free(s);
}

DPS_TEST(host_bits_are_cleared)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_route_info ri[2];
	char buf[64];

	CHECK(s != NULL);
	CHECK_EQ(add_dev(s, "10.1.2.3/24", 1), 0);
	CHECK_EQ(dps_route_list(s, ri, 2), 1);
	CHECK(strcmp(dps_prefix_fmt(&ri[0].prefix, buf, sizeof(buf)), "10.1.2.0/24") == 0);
	CHECK_EQ(del(s, "10.1.2.77/24"), 0);
	CHECK_EQ(dps_route_count(s, 4), 0);
	dps_stack_free(s);
}

DPS_TEST(invalid_arguments_are_refused)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_prefix p = P("10.0.0.0/8");
	struct dps_nexthop nh[DPS_ROUTE_MAX_PATHS + 1] = {{.nic_id = 1}};
	struct dps_nexthop bad_gw = {.nic_id = 1, .has_gw = true, .gw = A("2001:db8::1")};
	struct dps_nexthop bad_nic = {.nic_id = DPS_MAX_NICS};

	CHECK(s != NULL);
	CHECK_EQ(dps_route_add(s, &p, nh, 0, false), -EINVAL);
	CHECK_EQ(dps_route_add(s, &p, nh, DPS_ROUTE_MAX_PATHS + 1, false), -EINVAL);
	CHECK_EQ(dps_route_add(s, &p, &bad_gw, 1, false), -EINVAL);
	CHECK_EQ(dps_route_add(s, &p, &bad_nic, 1, false), -ENODEV);
	p.plen = 33;
	CHECK_EQ(dps_route_add(s, &p, nh, 1, false), -EINVAL);
	CHECK_EQ(dps_route_count(s, 4), 0);
	dps_stack_free(s);
}

/* Equal-cost paths: the flow hash picks one, the same flow always the same one, all used. */
static bool
ecmp_spread(struct dps_stack *s, const char *dst)
{
	struct dps_addr a = A(dst);
	unsigned int seen[DPS_MAX_NICS] = {0};

	for (uint32_t h = 0; h < 4000; h++) {
		const struct dps_nexthop *nh, *nh2;

		if (a.len == 4) {
			uint32_t d;

			memcpy(&d, a.b, 4);
			dps_route_lookup4_bulk_rcu(s, &d, &h, &nh, 1);
			dps_route_lookup4_bulk_rcu(s, &d, &h, &nh2, 1);
		} else {
			uint8_t d[1][16];

			memcpy(d[0], a.b, 16);
			dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, &h, &nh, 1);
			dps_route_lookup6_bulk_rcu(s, (const uint8_t(*)[16])d, &h, &nh2, 1);
		}
		if (nh == NULL || nh != nh2)
			return false;
		seen[nh->nic_id]++;
	}
	for (unsigned int i = 1; i <= 4; i++)
		if (seen[i] < 500) /* 1000 expected each */
			return false;
	return seen[0] == 0;
}

DPS_TEST(ecmp_spreads_flows_over_all_paths)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_nexthop nh[4];
	struct dps_prefix p4 = P("198.51.100.0/24"), p6 = P("2001:db8:5::/48");
	struct dps_route_info ri;

	CHECK(s != NULL);
	for (unsigned int i = 0; i < 4; i++) {
		char gw[32];

		snprintf(gw, sizeof(gw), "192.0.2.%u", i + 1);
		nh[i] = (struct dps_nexthop){.nic_id = (uint16_t)(i + 1), .has_gw = true, .gw = A(gw)};
	}
	CHECK_EQ(dps_route_add(s, &p4, nh, 4, false), 0);
	CHECK(ecmp_spread(s, "198.51.100.7"));
	CHECK_EQ(dps_route_get(s, &p4, &ri), 0);
	CHECK_EQ(ri.n_paths, 4);
	for (unsigned int i = 0; i < 4; i++) {
		nh[i].has_gw = false;
		nh[i].gw = (struct dps_addr){0};
	}
	CHECK_EQ(dps_route_add(s, &p6, nh, 4, false), 0);
	CHECK(ecmp_spread(s, "2001:db8:5::1"));
	dps_stack_free(s);
}

DPS_TEST(list_is_sorted_and_complete)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_route_info ri[8];
	const char *want[] = {"0.0.0.0/0",  "10.0.0.0/8",  "10.0.0.0/16", "192.0.2.0/24",
			      "::/0",       "2001:db8::/32"};
	char buf[64];

	CHECK(s != NULL);
	CHECK_EQ(add_dev(s, "2001:db8::/32", 2), 0);
	CHECK_EQ(add_dev(s, "192.0.2.0/24", 1), 0);
	CHECK_EQ(add_dev(s, "10.0.0.0/16", 1), 0);
	CHECK_EQ(add_via(s, "::/0", 2, "2001:db8::1"), 0);
	CHECK_EQ(add_dev(s, "10.0.0.0/8", 1), 0);
	CHECK_EQ(add_via(s, "0.0.0.0/0", 1, "192.0.2.1"), 0);
	CHECK_EQ(dps_route_list(s, ri, 8), 6);
	for (unsigned int i = 0; i < 6; i++)
		CHECK(strcmp(dps_prefix_fmt(&ri[i].prefix, buf, sizeof(buf)), want[i]) == 0);
	CHECK(ri[5].n_paths == 1 && ri[5].paths[0].nic_id == 2 && !ri[5].paths[0].has_gw);
	/* A short buffer still gets the total. */
	CHECK_EQ(dps_route_list(s, ri, 2), 6);
	CHECK(strcmp(dps_prefix_fmt(&ri[1].prefix, buf, sizeof(buf)), "10.0.0.0/8") == 0);
	dps_stack_free(s);
}

DPS_TEST(connected_route_counts_addresses)
{
	struct dps_stack *s = mkstack(64, 64);
	struct dps_prefix a1 = P("10.0.0.1/24"), a2 = P("10.0.0.2/24"), a6 = P("2001:db8::1/64");
	struct dps_route_info ri;
	struct dps_prefix net = P("10.0.0.0/24");

	CHECK(s != NULL);
	CHECK_EQ(dps_route_add_connected(s, 3, &a1), 0);
	CHECK_EQ(dps_route_add_connected(s, 3, &a2), 0);
	CHECK_EQ(dps_route_get(s, &net, &ri), 0);
	CHECK(ri.connected);
	CHECK(!ri.paths[0].has_gw);
	CHECK_EQ(ri.paths[0].nic_id, 3);
	CHECK_EQ(lk(s, "10.0.0.99"), 3);
	CHECK_EQ(dps_route_del_connected(s, 3, &a1), 0);
	CHECK_EQ(lk(s, "10.0.0.99"), 3); /* a2 still holds it */
	CHECK_EQ(dps_route_del_connected(s, 4, &a2), -ENOENT); /* another NIC's */
	CHECK_EQ(dps_route_del_connected(s, 3, &a2), 0);
	CHECK_EQ(lk(s, "10.0.0.99"), -1);
	CHECK_EQ(dps_route_del_connected(s, 3, &a2), -ENOENT);
	CHECK_EQ(dps_route_add_connected(s, 1, &a6), 0);
	CHECK_EQ(lk(s, "2001:db8::abcd"), 1);
	/* A static route over a connected one makes it static. */
	CHECK_EQ(add_via(s, "2001:db8::/64", 2, "2001:db8::fe"), 0);
	CHECK_EQ(lk(s, "2001:db8::abcd"), 2);
	CHECK_EQ(dps_route_del_connected(s, 1, &a6), -ENOENT);
	dps_stack_free(s);
}

DPS_TEST(capacity_is_enforced_and_ids_recycled)
{
	struct dps_stack *s = mkstack(16, 16);
	char buf[64];

	CHECK(s != NULL);
	for (unsigned int i = 0; i < 16; i++) {
		snprintf(buf, sizeof(buf), "10.%u.0.0/16", i);
		CHECK_EQ(add_dev(s, buf, 1), 0);
		snprintf(buf, sizeof(buf), "2001:db8:%x::/48", i);
		CHECK_EQ(add_dev(s, buf, 1), 0);
	}
	CHECK_EQ(add_dev(s, "11.0.0.0/16", 1), -ENOSPC);
	CHECK_EQ(add_dev(s, "2001:db9::/48", 1), -ENOSPC);
	/* Replacing needs no new id. */
	CHECK_EQ(add_dev(s, "10.3.0.0/16", 2), 0);
	/* A deleted route's id comes back once no reader can hold it. */
	CHECK_EQ(del(s, "10.0.0.0/16"), 0);
	CHECK_EQ(add_dev(s, "11.0.0.0/16", 3), 0);
	CHECK_EQ(lk(s, "11.0.0.1"), 3);
	CHECK_EQ(lk(s, "10.0.0.1"), -1);
	CHECK_EQ(del(s, "2001:db8::/48"), 0);
	CHECK_EQ(add_dev(s, "2001:db9::/48", 3), 0);
	CHECK_EQ(lk(s, "2001:db9::1"), 3);
	/* Churn through the recycled ids many times over. */
	for (unsigned int r = 0; r < 200; r++) {
		CHECK_EQ(del(s, "11.0.0.0/16"), 0);
		CHECK_EQ(add_dev(s, "11.0.0.0/16", (uint16_t)(r % 8)), 0);
		CHECK_EQ(lk(s, "11.0.0.1"), (int)(r % 8));
	}
	CHECK_EQ(dps_route_count(s, 4), 16);
	dps_stack_free(s);
}

DPS_TEST(bulk_lookup_answers_each_packet)
{
	struct dps_stack *s = mkstack(1024, 64);
	uint32_t dst[100], hash[100];
	const struct dps_nexthop *nh[100];

	CHECK(s != NULL);
	for (unsigned int i = 0; i < 50; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "172.16.%u.0/24", i);
		CHECK_EQ(add_dev(s, buf, (uint16_t)(i % 32)), 0);
	}
	for (unsigned int i = 0; i < 100; i++) {
		dst[i] = rte_cpu_to_be_32(0xac100000u | (i << 8) | 9); /* 172.16.i.9 */
		hash[i] = i;
	}
	dps_route_lookup4_bulk_rcu(s, dst, hash, nh, 100);
	for (unsigned int i = 0; i < 100; i++) {
		if (i < 50) {
			CHECK(nh[i] != NULL);
			CHECK_EQ(nh[i]->nic_id, i % 32);
		} else {
			CHECK(nh[i] == NULL);
		}
	}
	dps_stack_free(s);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
