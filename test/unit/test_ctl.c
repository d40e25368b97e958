/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control language (dps_ctl_exec), startup scripts, the control socket and the telemetry
 * commands, against a real in-process stack with two NICs whose links drop what they send.
 * Every command is run once successfully and once per error class; after an error the state
 * it would have changed is checked to be unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dps_app.h"
#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_proto.h"
#include "dps_route.h"
#include "dps_test.h"

#define IPV4 0x0800
#define IPV6 0x86DD

static char out[256 * 1024];
static unsigned int stack_seq;

struct fix {
	struct dps_app app;
	struct dps_nic *lan0, *lan1;
};

static uint16_t
drop_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static void fix_fini_deferred(void *arg);

static int
fix_init(struct fix *f)
{
	struct dps_stack_conf sc = {
		.socket_id = SOCKET_ID_ANY,
		.max_endpoints = 4096,
		.max_transport = 1024,
		.max_neigh = 1024,
		.max_routes4 = 4096,
		.max_routes6 = 1024,
	};
	char name[32];
	int rc;

	memset(f, 0, sizeof(*f));
	dps_test_defer(fix_fini_deferred, f);
	snprintf(name, sizeof(name), "ctl%u", stack_seq++);
	sc.name = name;
	rc = dps_stack_create(&sc, &f->app.stack);
	if (rc != 0)
		return rc;
	rc = dps_proto_register_all(f->app.stack);
	if (rc != 0)
		return rc;
	for (uint16_t i = 0; i < 2; i++) {
		struct dps_nic_conf nc = {
			.name = i == 0 ? "lan0" : "lan1",
			.id = i,
			.port_id = i,
			.mac = {.addr_bytes = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}},
			.mtu = 1500,
			.xmit = drop_xmit,
		};
		struct dps_nic *nic;

		rc = dps_nic_create(f->app.stack, &nc, &nic);
		if (rc == 0)
			rc = dps_nic_enable(nic);
		if (rc != 0)
			return rc;
		if (i == 0)
			f->lan0 = nic;
		else
			f->lan1 = nic;
	}
	f->app.ctl_fd = -1;
	return 0;
}

static void
fix_fini(struct fix *f)
{
	if (f->app.stack != NULL)
		dps_stack_free(f->app.stack);
	f->app.stack = NULL;
}

/* The case's cleanup (dps_test_defer): a case that failed before fix_fini() frees here. */
static void
fix_fini_deferred(void *arg)
{
	fix_fini(arg);
}

#define SETUP(f)                                                                                   \
	static struct fix f; /* outlives the case: its cleanup runs after a failed CHECK */        \
	CHECK_EQ(fix_init(&f), 0)

static int
ex(struct fix *f, const char *cmd)
{
	return dps_ctl_exec(&f->app, cmd, false, out, sizeof(out));
}

static int
exj(struct fix *f, const char *cmd)
{
	return dps_ctl_exec(&f->app, cmd, true, out, sizeof(out));
}

/* An error is exactly one line and says what it should. */
static bool
err_is(const char *want)
{
	if (strchr(out, '\n') != NULL) {
		printf("  error has several lines: '%s'\n", out);
		return false;
	}
	if (strcmp(out, want) != 0) {
		printf("  error '%s', want '%s'\n", out, want);
		return false;
	}
	return true;
}

static bool
out_has(const char *s)
{
	if (strstr(out, s) == NULL) {
		printf("  output lacks '%s':\n%s\n", s, out);
		return false;
	}
	return true;
}

static bool
has_addr(struct dps_nic *nic, const char *text)
{
	struct dps_protocol_address v[64];
	struct dps_addr a;
	int n = dps_nic_all_addresses(nic, v, 64);

	if (dps_addr_parse(text, &a) != 0)
		return false;
	for (int i = 0; i < n && i < 64; i++)
		if (dps_addr_eq(&v[i].prefix.addr, &a))
			return true;
	return false;
}

static int
n_addrs(struct dps_nic *nic)
{
	return dps_nic_all_addresses(nic, NULL, 0);
}

/* Whether a route for the prefix exists; its first next hop goes to *nh. */
static bool
find_route(struct fix *f, const char *prefix, struct dps_route_info *ri)
{
	struct dps_route_info v[64];
	struct dps_prefix p;
	int n = dps_route_list(f->app.stack, v, 64);

	if (dps_prefix_parse(prefix, &p) != 0)
		return false;
	for (int i = 0; i < n && i < 64; i++)
		if (v[i].prefix.plen == p.plen && dps_addr_eq(&v[i].prefix.addr, &p.addr)) {
			if (ri != NULL)
				*ri = v[i];
			return true;
		}
	return false;
}

static int
n_routes(struct fix *f)
{
	return dps_route_list(f->app.stack, NULL, 0);
}

DPS_TEST(ctl_show_nics)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "show nics"), 0);
	CHECK(out_has("lan0") && out_has("lan1"));
	CHECK(out_has("02:00:00:00:00:01"));
	CHECK(out_has("stack forwarding off"));
	CHECK_EQ(exj(&f, "show nics"), 0);
	CHECK(out_has("\"name\": \"lan1\""));
	CHECK(out_has("\"id\": 1"));
	CHECK(out_has("\"forwarding\": false"));
	CHECK_EQ(ex(&f, "show nics lan0"), -EINVAL);
	fix_fini(&f);
}

DPS_TEST(ctl_addr_add_del)
{
	struct dps_route_info ri;

	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
	CHECK(!has_addr(f.lan1, "192.0.2.1"));
	/* The interface subnet becomes a connected route on that NIC. */
	CHECK(find_route(&f, "192.0.2.0/24", &ri));
	CHECK(ri.connected);
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK_EQ(ex(&f, "show addresses lan0"), 0);
	CHECK(out_has("192.0.2.1/24"));
	CHECK(out_has("permanent"));

	CHECK_EQ(ex(&f, "addr add lan0 2001:db8::1/64"), 0);
	CHECK(has_addr(f.lan0, "2001:db8::1"));
	CHECK(find_route(&f, "2001:db8::/64", NULL));

	/* Duplicate: refused, one line, nothing changed. */
	int before = n_addrs(f.lan0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), -EEXIST);
	CHECK(err_is("address 192.0.2.1 already on lan0"));
	CHECK_EQ(n_addrs(f.lan0), before);

	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1"), 0);
	CHECK(!has_addr(f.lan0, "192.0.2.1"));
	CHECK(!find_route(&f, "192.0.2.0/24", NULL));
	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1"), -EADDRNOTAVAIL);
	CHECK(err_is("address 192.0.2.1 not on lan0"));
	CHECK_EQ(ex(&f, "addr del lan0 2001:db8::1"), 0);
	CHECK(!has_addr(f.lan0, "2001:db8::1"));
	CHECK(!find_route(&f, "2001:db8::/64", NULL));
	fix_fini(&f);
}

/* A host address adds no route; removing one of two addresses of a subnet keeps the route. */
DPS_TEST(ctl_addr_connected_route_shared)
{
	SETUP(f);
	int r0 = n_routes(&f);

	CHECK_EQ(ex(&f, "addr add lan0 198.51.100.1/32"), 0);
	CHECK_EQ(n_routes(&f), r0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.2/24"), 0);
	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1"), 0);
	CHECK(find_route(&f, "192.0.2.0/24", NULL));
	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.2"), 0);
	CHECK(!find_route(&f, "192.0.2.0/24", NULL));
	fix_fini(&f);
}

DPS_TEST(ctl_addr_errors)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	int a0 = n_addrs(f.lan0), a1 = n_addrs(f.lan1), r = n_routes(&f);

	CHECK_EQ(ex(&f, "addr add lan9 10.0.0.1/24"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan9'"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.0/33"), -EINVAL);
	CHECK(err_is("malformed prefix '10.0.0.0/33'"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.300/24"), -EINVAL);
	CHECK(err_is("malformed prefix '10.0.0.300/24'"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.1/24 sometimes"), -EINVAL);
	CHECK(err_is("expected first or never, got 'sometimes'"));
	CHECK_EQ(ex(&f, "addr add lan0 224.0.0.5/24"), -EINVAL);
	CHECK(err_is("address 224.0.0.5 is multicast"));
	CHECK_EQ(ex(&f, "addr add lan0 0.0.0.0/0"), -EINVAL);
	CHECK(err_is("address 0.0.0.0 is unspecified"));
	CHECK_EQ(ex(&f, "addr add lan0 ff02::1/64"), -EINVAL);
	CHECK(err_is("address ff02::1 is multicast"));
	CHECK_EQ(ex(&f, "addr add lan0"), -EINVAL);
	CHECK(out_has("usage: addr add"));
	CHECK_EQ(ex(&f, "addr del lan0 nonsense"), -EINVAL);
	CHECK(err_is("malformed address 'nonsense'"));
	CHECK_EQ(ex(&f, "addr del lan1 192.0.2.1"), -EADDRNOTAVAIL);
	CHECK(err_is("address 192.0.2.1 not on lan1"));
	CHECK_EQ(ex(&f, "addr frob lan0 1.2.3.4"), -EINVAL);
	CHECK_EQ(n_addrs(f.lan0), a0);
	CHECK_EQ(n_addrs(f.lan1), a1);
	CHECK_EQ(n_routes(&f), r);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
	fix_fini(&f);
}

/* Seed PrimaryEndpointBehavior: first goes in front, never is not listed. */
DPS_TEST(ctl_addr_primary_order)
{
	struct dps_protocol_address pa[8];

	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.1/24"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.2/24 first"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.3/24 never"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.4/24"), 0);
	CHECK_EQ(dps_nic_primary_addresses(f.lan0, pa, 8), 3);
	CHECK_EQ(pa[0].prefix.addr.b[3], 2);
	CHECK_EQ(pa[1].prefix.addr.b[3], 1);
	CHECK_EQ(pa[2].prefix.addr.b[3], 4);
	CHECK_EQ(exj(&f, "show addresses lan0"), 0);
	CHECK(out_has("\"address\": \"10.0.0.2/24\", \"kind\": \"permanent\", \"behaviour\": "
		      "\"first-primary\", \"refs\": 1, \"primary\": 0}"));
	CHECK(out_has("\"address\": \"10.0.0.1/24\", \"kind\": \"permanent\", \"behaviour\": "
		      "\"can-be-primary\", \"refs\": 1, \"primary\": 1}"));
	CHECK(out_has("\"address\": \"10.0.0.3/24\", \"kind\": \"permanent\", \"behaviour\": "
		      "\"never-primary\", \"refs\": 1, \"primary\": null}"));
	CHECK(out_has("\"address\": \"10.0.0.4/24\", \"kind\": \"permanent\", \"behaviour\": "
		      "\"can-be-primary\", \"refs\": 1, \"primary\": 2}"));
	CHECK_EQ(ex(&f, "show addresses"), 0);
	CHECK(out_has("BEHAVIOUR"));
	CHECK(out_has("10.0.0.3/24"));
	CHECK(out_has("never-primary"));
	CHECK_EQ(ex(&f, "show addresses lan7"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan7'"));
	fix_fini(&f);
}

DPS_TEST(ctl_ranges)
{
	struct dps_prefix v[8];

	SETUP(f);
	CHECK_EQ(ex(&f, "range add lan1 10.5.0.0/16"), 0);
	CHECK_EQ(dps_nic_ranges(f.lan1, v, 8), 1);
	CHECK_EQ(v[0].plen, 16);
	CHECK_EQ(dps_nic_ranges(f.lan0, v, 8), 0);
	CHECK_EQ(ex(&f, "show ranges"), 0);
	CHECK(out_has("lan1") && out_has("10.5.0.0/16"));
	CHECK_EQ(exj(&f, "show ranges lan1"), 0);
	CHECK(out_has("{\"nic\": \"lan1\", \"range\": \"10.5.0.0/16\"}"));
	CHECK_EQ(ex(&f, "range add lan1 10.5.0.1/16"), -EINVAL);
	CHECK(err_is("malformed prefix '10.5.0.1/16' (host bits set)"));
	CHECK_EQ(ex(&f, "range add lan4 10.6.0.0/16"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan4'"));
	CHECK_EQ(ex(&f, "range del lan1 10.6.0.0/16"), -ENOENT);
	CHECK(err_is("no range 10.6.0.0/16 on lan1"));
	CHECK_EQ(ex(&f, "range del lan0 10.5.0.0/16"), -ENOENT);
	CHECK_EQ(ex(&f, "range frob lan1 10.5.0.0/16"), -EINVAL);
	CHECK_EQ(dps_nic_ranges(f.lan1, v, 8), 1);
	CHECK_EQ(ex(&f, "range del lan1 10.5.0.0/16"), 0);
	CHECK_EQ(dps_nic_ranges(f.lan1, v, 8), 0);
	fix_fini(&f);
}

DPS_TEST(ctl_routes)
{
	struct dps_route_info ri;

	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	CHECK_EQ(ex(&f, "addr add lan1 198.51.100.1/24"), 0);
	/* The gateway's subnet picks the NIC. */
	CHECK_EQ(ex(&f, "route add 10.9.0.0/16 via 198.51.100.254"), 0);
	CHECK(find_route(&f, "10.9.0.0/16", &ri));
	CHECK(!ri.connected);
	CHECK_EQ(ri.n_paths, 1);
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK(ri.paths[0].has_gw);
	CHECK_EQ(ri.paths[0].gw.b[3], 254);
	CHECK_EQ(ex(&f, "route add 10.8.0.0/16 dev lan1"), 0);
	int before_replace = n_routes(&f);
	/* Adding an existing prefix replaces its next hop (docs/operations.md). */
	CHECK_EQ(ex(&f, "route add 10.8.0.0/16 dev lan0"), 0);
	CHECK_EQ(n_routes(&f), before_replace);
	CHECK(find_route(&f, "10.8.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK(!ri.paths[0].has_gw);
	CHECK_EQ(ex(&f, "route add 10.7.0.0/16 via 203.0.113.1 dev lan1"), 0);
	CHECK(find_route(&f, "10.7.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK_EQ(ex(&f, "route add 0.0.0.0/0 via 192.0.2.254"), 0);
	CHECK_EQ(ex(&f, "route add 2001:db8:5::/48 via fe80::1 dev lan1"), 0);
	CHECK(find_route(&f, "2001:db8:5::/48", NULL));
	CHECK_EQ(ex(&f, "show routes"), 0);
	CHECK(out_has("10.9.0.0/16") && out_has("198.51.100.254") && out_has("connected"));
	CHECK_EQ(exj(&f, "show routes"), 0);
	CHECK(out_has("{\"prefix\": \"10.9.0.0/16\", \"connected\": false, \"paths\": [{\"dev\": "
		      "\"lan1\", \"via\": \"198.51.100.254\"}]}"));

	int r = n_routes(&f);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 203.0.113.1"), -ENETUNREACH);
	CHECK(err_is("gateway 203.0.113.1 is on no NIC's subnet (add dev NIC)"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 2001:db8::1 dev lan0"), -EINVAL);
	CHECK(err_is("gateway 2001:db8::1 is not of the family of 10.6.0.0/16"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 224.0.0.1 dev lan0"), -EINVAL);
	CHECK(err_is("gateway 224.0.0.1 is multicast"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 dev lan9"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan9'"));
	CHECK_EQ(ex(&f, "route add 10.6.0.1/16 dev lan0"), -EINVAL);
	CHECK(err_is("malformed prefix '10.6.0.1/16' (host bits set)"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/40 dev lan0"), -EINVAL);
	CHECK(err_is("malformed prefix '10.6.0.0/40'"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16"), -EINVAL);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 dev lan0 via"), -EINVAL);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 through 1.2.3.4"), -EINVAL);
	CHECK(out_has("usage: route add"));
	CHECK_EQ(n_routes(&f), r);
	CHECK(!find_route(&f, "10.6.0.0/16", NULL));

	CHECK_EQ(ex(&f, "route del 10.9.0.0/16"), 0);
	CHECK(!find_route(&f, "10.9.0.0/16", NULL));
	CHECK_EQ(n_routes(&f), r - 1);
	CHECK_EQ(ex(&f, "route del 10.9.0.0/16"), -ENOENT);
	CHECK(err_is("no such route 10.9.0.0/16"));
	CHECK_EQ(n_routes(&f), r - 1);
	fix_fini(&f);
}

DPS_TEST(ctl_neigh)
{
	struct dps_neigh_info v[8];

	SETUP(f);
	CHECK_EQ(ex(&f, "neigh add 192.0.2.7 02:00:00:00:00:07 lan0"), 0);
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 1);
	CHECK_EQ(v[0].nic_id, 0);
	CHECK_EQ(v[0].state, DPS_NEIGH_STATIC);
	CHECK_EQ(v[0].mac.addr_bytes[5], 7);
	CHECK_EQ(ex(&f, "show neigh"), 0);
	CHECK(out_has("192.0.2.7") && out_has("02:00:00:00:00:07") && out_has("static"));
	CHECK_EQ(exj(&f, "show neigh"), 0);
	CHECK(out_has("{\"address\": \"192.0.2.7\", \"mac\": \"02:00:00:00:00:07\", \"dev\": "
		      "\"lan0\", \"state\": \"static\", \"queued\": 0}"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 02:00:00:00:00 lan0"), -EINVAL);
	CHECK(err_is("malformed MAC '02:00:00:00:00'"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 01:00:5e:00:00:01 lan0"), -EINVAL);
	CHECK(err_is("MAC 01:00:5e:00:00:01 is not a unicast address"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 02:00:00:00:00:08 lan5"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan5'"));
	CHECK_EQ(ex(&f, "neigh add 255.255.255.255 02:00:00:00:00:08 lan0"), -EINVAL);
	CHECK(err_is("neighbour 255.255.255.255 is broadcast"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2 02:00:00:00:00:08 lan0"), -EINVAL);
	CHECK(err_is("malformed address '192.0.2'"));
	CHECK_EQ(ex(&f, "neigh del 192.0.2.7 lan1"), -ENOENT);
	CHECK(err_is("no neighbour 192.0.2.7 on lan1"));
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 1);
	CHECK_EQ(ex(&f, "neigh del 192.0.2.7 lan0"), 0);
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 0);
	fix_fini(&f);
}

DPS_TEST(ctl_groups)
{
	struct dps_addr g;

	SETUP(f);
	CHECK_EQ(dps_addr_parse("224.1.2.3", &g), 0);
	CHECK_EQ(ex(&f, "join lan0 224.1.2.3"), 0);
	CHECK_EQ(dps_nic_group_joins(f.lan0, &g), 1);
	CHECK_EQ(ex(&f, "join lan0 224.1.2.3"), 0);
	CHECK_EQ(dps_nic_group_joins(f.lan0, &g), 2);
	CHECK_EQ(ex(&f, "join lan0 10.1.2.3"), -EINVAL);
	CHECK(err_is("10.1.2.3 is not a multicast group"));
	CHECK_EQ(ex(&f, "join lan3 224.1.2.3"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan3'"));
	CHECK_EQ(ex(&f, "leave lan1 224.1.2.3"), -EADDRNOTAVAIL);
	CHECK(err_is("group 224.1.2.3 not joined on lan1"));
	CHECK_EQ(ex(&f, "join lan0"), -EINVAL);
	CHECK_EQ(dps_nic_group_joins(f.lan0, &g), 2);
	CHECK_EQ(ex(&f, "leave lan0 224.1.2.3"), 0);
	CHECK_EQ(ex(&f, "leave lan0 224.1.2.3"), 0);
	CHECK_EQ(dps_nic_group_joins(f.lan0, &g), 0);
	CHECK_EQ(ex(&f, "join lan1 ff05::1:3"), 0);
	CHECK_EQ(dps_addr_parse("ff05::1:3", &g), 0);
	CHECK_EQ(dps_nic_group_joins(f.lan1, &g), 1);
	fix_fini(&f);
}

DPS_TEST(ctl_flags)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "set lan0 promiscuous on"), 0);
	CHECK(dps_nic_promiscuous(f.lan0));
	CHECK(!dps_nic_promiscuous(f.lan1));
	CHECK_EQ(ex(&f, "set lan1 spoofing on"), 0);
	CHECK(dps_nic_spoofing(f.lan1));
	CHECK_EQ(ex(&f, "set lan1 forwarding off"), 0);
	CHECK(!dps_nic_forwarding(f.lan1));
	CHECK_EQ(ex(&f, "show nics"), 0);
	CHECK(out_has("promiscuous"));
	CHECK_EQ(ex(&f, "set lan0 promiscuous maybe"), -EINVAL);
	CHECK(err_is("expected on or off, got 'maybe'"));
	CHECK(dps_nic_promiscuous(f.lan0));
	CHECK_EQ(ex(&f, "set lan0 turbo on"), -EINVAL);
	CHECK(err_is("unknown flag 'turbo' (promiscuous, spoofing, forwarding)"));
	CHECK_EQ(ex(&f, "set lan8 spoofing on"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan8'"));
	CHECK_EQ(ex(&f, "set lan0 promiscuous OFF"), 0);
	CHECK(!dps_nic_promiscuous(f.lan0));

	CHECK(!dps_stack_forwarding(f.app.stack));
	CHECK_EQ(ex(&f, "forwarding on"), 0);
	CHECK(dps_stack_forwarding(f.app.stack));
	CHECK_EQ(ex(&f, "forwarding sideways"), -EINVAL);
	CHECK(dps_stack_forwarding(f.app.stack));
	CHECK_EQ(ex(&f, "forwarding"), -EINVAL);
	CHECK_EQ(ex(&f, "forwarding off"), 0);
	CHECK(!dps_stack_forwarding(f.app.stack));
	fix_fini(&f);
}

DPS_TEST(ctl_stats)
{
	struct dps_ctx *ctx;
	char want[128];

	SETUP(f);
	CHECK_EQ(dps_ctx_create(f.app.stack, 0, 0, NULL, SOCKET_ID_ANY, &ctx), 0);
	dps_cnt_add(ctx, 0, DPS_CNT_RX_PACKETS, 5);
	dps_cnt_add(ctx, 1, DPS_CNT_RX_PACKETS, 7);
	dps_cnt_add(ctx, 1, DPS_CNT_UDP_UNKNOWN_PORT_ERRORS, 3);

	CHECK_EQ(ex(&f, "show stats"), 0);
	snprintf(want, sizeof(want), "%-40s %d\n", "rx.packets", 12);
	CHECK(out_has(want));
	CHECK(out_has("udp.unknown_port_errors"));
	/* Only non-zero counters unless "all". */
	CHECK(strstr(out, "tx.bytes") == NULL);
	CHECK_EQ(ex(&f, "show stats lan0"), 0);
	snprintf(want, sizeof(want), "%-40s %d\n", "rx.packets", 5);
	CHECK(out_has(want));
	CHECK(strstr(out, "udp.unknown_port_errors") == NULL);
	CHECK_EQ(ex(&f, "show stats all"), 0);
	CHECK(out_has("tx.bytes"));
	for (int i = 0; i < DPS_CNT_MAX; i++)
		CHECK(out_has(dps_counter_names[i]));
	CHECK_EQ(ex(&f, "show stats lan1 all"), 0);
	CHECK(out_has("tx.bytes"));
	snprintf(want, sizeof(want), "%-40s %d\n", "rx.packets", 7);
	CHECK(out_has(want));
	CHECK_EQ(exj(&f, "show stats"), 0);
	CHECK(out_has("\"rx.packets\": 12"));
	CHECK(out_has("\"tx.bytes\": 0"));
	CHECK_EQ(exj(&f, "show stats lan1"), 0);
	CHECK(out_has("\"udp.unknown_port_errors\": 3"));
	CHECK_EQ(ex(&f, "show stats lan2"), -ENODEV);
	CHECK(err_is("unknown NIC 'lan2'"));
	CHECK_EQ(ex(&f, "show stats lan0 lan1"), -EINVAL);
	dps_ctx_free(ctx);
	fix_fini(&f);
}

DPS_TEST(ctl_misc_errors)
{
	char small[24];

	SETUP(f);
	CHECK_EQ(ex(&f, "help"), 0);
	CHECK(out_has("addr add NIC ADDR/PLEN [first|never]"));
	CHECK(out_has("route del PREFIX"));
	CHECK_EQ(exj(&f, "help"), 0);
	CHECK(out_has("[\"show nics\", "));
	CHECK_EQ(ex(&f, "frobnicate"), -EINVAL);
	CHECK(err_is("unknown command 'frobnicate' (try help)"));
	CHECK_EQ(ex(&f, ""), -EINVAL);
	CHECK(err_is("empty command (try help)"));
	CHECK_EQ(ex(&f, "show"), -EINVAL);
	CHECK(out_has("usage: show"));
	CHECK_EQ(ex(&f, "show a b c d e f g h i j k l m n o p q"), -E2BIG);
	CHECK(err_is("too many arguments"));
	/* A reply that does not fit is refused as a whole, never cut. */
	CHECK_EQ(dps_ctl_exec(&f.app, "show stats all", false, small, sizeof(small)), -ENOBUFS);
	CHECK_EQ(strcmp(small, "reply too large"), 0);
	fix_fini(&f);
}

static const char *
write_tmp(const char *text)
{
	static char path[64];
	FILE *fp;

	snprintf(path, sizeof(path), "/tmp/dps_ctl_test_%d.txt", (int)getpid());
	fp = fopen(path, "w");
	if (fp == NULL)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	return path;
}

DPS_TEST(ctl_run_file)
{
	char err[256], want[300];
	const char *path;

	SETUP(f);
	path = write_tmp("# startup\n"
			 "\n"
			 "addr add lan0 192.0.2.1/24   # the LAN\n"
			 "  range add lan1 10.5.0.0/16\n"
			 "show stats all\n"
			 "route add 10.9.0.0/16 via 192.0.2.254\n");
	CHECK(path != NULL);
	CHECK_EQ(dps_ctl_run_file(&f.app, path, err, sizeof(err)), 0);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
	CHECK(find_route(&f, "10.9.0.0/16", NULL));
	CHECK_EQ(dps_nic_ranges(f.lan1, NULL, 0), 1);

	path = write_tmp("addr add lan1 198.51.100.1/24\n"
			 "# a comment\n"
			 "addr add lan9 10.0.0.1/24\n"
			 "addr add lan1 198.51.100.2/24\n");
	CHECK_EQ(dps_ctl_run_file(&f.app, path, err, sizeof(err)), -ENODEV);
	snprintf(want, sizeof(want), "%s:3: unknown NIC 'lan9'", path);
	CHECK_EQ(strcmp(err, want), 0);
	/* Stops at the first error: what came before stays, what follows never ran. */
	CHECK(has_addr(f.lan1, "198.51.100.1"));
	CHECK(!has_addr(f.lan1, "198.51.100.2"));
	unlink(path);
	CHECK_EQ(dps_ctl_run_file(&f.app, "/nonexistent/startup", err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "/nonexistent/startup: ") == err);
	fix_fini(&f);
}

/* Read one framed reply: returns 1 for OK, 0 for ERR (message in msg), -1 on a bad frame. */
static int
read_reply(int fd, char *body, size_t bodylen, char *msg, size_t msglen)
{
	static char buf[65536];
	static size_t have;
	int status = -1;
	size_t blen = 0;
	bool head = true;

	body[0] = '\0';
	for (;;) {
		char *nl = memchr(buf, '\n', have);

		if (nl == NULL) {
			ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);

			if (n <= 0)
				return -1;
			have += (size_t)n;
			continue;
		}
		*nl = '\0';
		if (head) {
			if (strcmp(buf, "OK") == 0)
				status = 1;
			else if (strncmp(buf, "ERR ", 4) == 0) {
				size_t ml = strlen(buf + 4);

				status = 0;
				if (ml >= msglen)
					ml = msglen - 1;
				memcpy(msg, buf + 4, ml);
				msg[ml] = '\0';
			}
			head = false;
		} else if (strcmp(buf, ".") == 0) {
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
			return status;
		} else {
			blen += (size_t)snprintf(body + blen, bodylen - blen, "%s\n", buf);
		}
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have);
	}
}

static int
sock_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
send_str(int fd, const char *s)
{
	return send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s);
}

DPS_TEST(ctl_socket)
{
	static char body[65536];
	char path[64], msg[256];
	struct stat st;
	int fd, fd2;

	SETUP(f);
	snprintf(path, sizeof(path), "/tmp/dps_ctl_test_%d/sub/ctl.sock", (int)getpid());
	f.app.ctl_path = path;
	CHECK_EQ(dps_ctl_start(&f.app), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
	fd = sock_connect(path);
	CHECK(fd >= 0);
	CHECK(send_str(fd, "show nics\n"));
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK(strstr(body, "lan1") != NULL);
	/* Several requests on one connection, sent at once, answered in order. */
	CHECK(send_str(fd, "addr add lan0 192.0.2.1/24\naddr add lan0 192.0.2.1/24\n"
			   "json show stats\n"));
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK_EQ(body[0], '\0');
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 0);
	CHECK_EQ(strcmp(msg, "address 192.0.2.1 already on lan0"), 0);
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK(strstr(body, "{\"rx.packets\": 0") == body);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
	/* A second client is served while the first stays connected. */
	fd2 = sock_connect(path);
	CHECK(fd2 >= 0);
	CHECK(send_str(fd2, "addr del lan0 192.0.2.1\n"));
	CHECK_EQ(read_reply(fd2, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK(!has_addr(f.lan0, "192.0.2.1"));
	close(fd2);
	/* A request split over two writes. */
	CHECK(send_str(fd, "show add"));
	usleep(50 * 1000);
	CHECK(send_str(fd, "resses lan0\n"));
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK(strstr(body, "BEHAVIOUR") != NULL);
	/* A second server on a live socket is refused; the first keeps serving. */
	struct dps_app other = f.app;

	CHECK_EQ(dps_ctl_start(&other), -EADDRINUSE);
	CHECK(send_str(fd, "show nics\n"));
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	close(fd);
	dps_ctl_stop(&f.app);
	CHECK(stat(path, &st) != 0);
	CHECK(sock_connect(path) < 0);
	/* A stale socket file (its server gone) is replaced. */
	int stale = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK_EQ(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(stale);
	CHECK_EQ(dps_ctl_start(&f.app), 0);
	fd = sock_connect(path);
	CHECK(fd >= 0);
	close(fd);
	dps_ctl_stop(&f.app);
	/* Anything but a socket at the path is not removed. */
	CHECK((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	CHECK_EQ(dps_ctl_start(&f.app), -EEXIST);
	CHECK_EQ(stat(path, &st), 0);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	fix_fini(&f);
}

/* Ask DPDK's telemetry socket (SOCK_SEQPACKET, as dpdk-telemetry.py does) for cmd. */
static int
telemetry_query(const char *cmd, char *reply, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	n = recv(fd, reply, len - 1, 0); /* the greeting */
	if (n <= 0 || send(fd, cmd, strlen(cmd), 0) < 0)
		goto fail;
	n = recv(fd, reply, len - 1, 0);
	if (n <= 0)
		goto fail;
	reply[n] = '\0';
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

DPS_TEST(ctl_telemetry)
{
	static char reply[65536];
	struct dps_ctx *ctx;

	SETUP(f);
	CHECK_EQ(dps_ctx_create(f.app.stack, 0, 0, NULL, SOCKET_ID_ANY, &ctx), 0);
	dps_cnt_add(ctx, 0, DPS_CNT_RX_PACKETS, 5);
	dps_cnt_add(ctx, 1, DPS_CNT_RX_PACKETS, 7);
	CHECK_EQ(ex(&f, "addr add lan1 192.0.2.1/24 first"), 0);
	CHECK_EQ(ex(&f, "range add lan1 10.5.0.0/16"), 0);
	CHECK_EQ(ex(&f, "route add 10.9.0.0/16 via 192.0.2.254"), 0);
	CHECK_EQ(ex(&f, "neigh add 192.0.2.254 02:00:00:00:00:fe lan1"), 0);
	CHECK_EQ(dps_telemetry_register(&f.app), 0);

	CHECK_EQ(telemetry_query("/dpstack/stats", reply, sizeof(reply)), 0);
	/* Compact JSON; '.' in counter names becomes '_' (DPDK's name rule); all are there. */
	CHECK(strstr(reply, "{\"/dpstack/stats\":{\"rx_packets\":12,\"rx_bytes\":0,") == reply);
	CHECK(strstr(reply, "\"udp_unknown_port_errors\":0") != NULL);
	CHECK(strstr(reply, "\"nombuf\":0}}") != NULL);
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		char key[96];
		char *p;

		snprintf(key, sizeof(key), "\"%s\":", dps_counter_names[i]);
		while ((p = strchr(key, '.')) != NULL)
			*p = '_';
		CHECK(strstr(reply, key) != NULL);
	}
	CHECK_EQ(telemetry_query("/dpstack/nics", reply, sizeof(reply)), 0);
	CHECK_EQ(strcmp(reply, "{\"/dpstack/nics\":{\"0\":\"lan0\",\"1\":\"lan1\"}}"), 0);
	CHECK_EQ(telemetry_query("/dpstack/nic,1", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"name\":\"lan1\"") != NULL);
	CHECK(strstr(reply, "\"mac\":\"02:00:00:00:00:02\"") != NULL);
	CHECK(strstr(reply, "\"mtu\":1500") != NULL);
	CHECK(strstr(reply, "\"addresses\":[\"") != NULL);
	CHECK(strstr(reply, "\"192.0.2.1/24\"") != NULL);
	CHECK(strstr(reply, "\"first-primary\"") != NULL);
	CHECK(strstr(reply, "\"ranges\":[\"10.5.0.0/16\"]") != NULL);
	CHECK(strstr(reply, "\"counters\":{\"rx_packets\":7,") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/nic,lan0", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"counters\":{\"rx_packets\":5,") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/nic,9", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"/dpstack/nic\":null") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/routes", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"10.9.0.0/16 via 192.0.2.254 dev lan1\"") != NULL);
	CHECK(strstr(reply, "\"192.0.2.0/24 dev lan1 connected\"") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/neigh", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"192.0.2.254 02:00:00:00:00:fe lan1 static\"") != NULL);
	dps_ctx_free(ctx);
	fix_fini(&f);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
