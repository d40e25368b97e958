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
#include "dps_cmd.h"
#include "dps_config.h"
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
	CHECK(out_has("\"nic\": \"lan1\""));
	CHECK(out_has("\"id\": 1"));
	CHECK(out_has("\"forwarding\": true"));
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
	CHECK(out_has("0: lan0: mtu 1500 forwarding\n    link/ether 02:00:00:00:00:01\n"));
	CHECK(out_has("    inet 192.0.2.1/24\n"));
	/* The stack's own endpoints (the IPv4 broadcast) only with all. */
	CHECK(strstr(out, "255.255.255.255") == NULL);
	CHECK_EQ(ex(&f, "show addresses lan0 all"), 0);
	CHECK(out_has("    inet 255.255.255.255/32 permanent refs"));

	CHECK_EQ(ex(&f, "addr add lan0 2001:db8::1/64"), 0);
	CHECK(has_addr(f.lan0, "2001:db8::1"));
	CHECK(find_route(&f, "2001:db8::/64", NULL));

	/* Duplicate: refused, one line, nothing changed. */
	int before = n_addrs(f.lan0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), -EEXIST);
	CHECK(err_is("address 192.0.2.1 on lan0: File exists"));
	CHECK_EQ(n_addrs(f.lan0), before);

	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1"), 0);
	CHECK(!has_addr(f.lan0, "192.0.2.1"));
	CHECK(!find_route(&f, "192.0.2.0/24", NULL));
	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1"), -EADDRNOTAVAIL);
	CHECK(err_is("address 192.0.2.1 on lan0: Cannot assign requested address"));
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
	/* A connected host route made for a bare address (as startup did) goes with addr del. */
	{
		struct dps_prefix hp;

		CHECK_EQ(dps_prefix_parse("203.0.113.9/32", &hp), 0);
		CHECK_EQ(dps_nic_add_address(f.lan0, RTE_ETHER_TYPE_IPV4, &hp,
					     DPS_PEB_CAN_BE_PRIMARY), 0);
		CHECK_EQ(dps_route_add_connected(f.app.stack, 0, &hp), 0);
		CHECK(find_route(&f, "203.0.113.9/32", NULL));
		CHECK_EQ(ex(&f, "addr del lan0 203.0.113.9"), 0);
		CHECK(!find_route(&f, "203.0.113.9/32", NULL));
	}
	fix_fini(&f);
}

DPS_TEST(ctl_addr_errors)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	int a0 = n_addrs(f.lan0), a1 = n_addrs(f.lan1), r = n_routes(&f);

	CHECK_EQ(ex(&f, "addr add lan9 10.0.0.1/24"), -ENODEV);
	CHECK(err_is("unknown nic 'lan9'"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.0/33"), -EINVAL);
	CHECK(err_is("prefix length out of range in '10.0.0.0/33' (0..32 for IPv4)"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.300/24"), -EINVAL);
	CHECK(err_is("bad address '10.0.0.300/24'"));
	CHECK_EQ(ex(&f, "addr add lan0 10.0.0.1/24 sometimes"), -EINVAL);
	CHECK(err_is("bad primary behaviour 'sometimes' (want first or never)"));
	CHECK_EQ(ex(&f, "addr add lan0 224.0.0.5/24"), -EINVAL);
	CHECK(err_is("address '224.0.0.5/24' is not a unicast address"));
	CHECK_EQ(ex(&f, "addr add lan0 0.0.0.0/0"), -EINVAL);
	CHECK(err_is("address '0.0.0.0/0' is not a unicast address"));
	CHECK_EQ(ex(&f, "addr add lan0 ff02::1/64"), -EINVAL);
	CHECK(err_is("address 'ff02::1/64' is not a unicast address"));
	CHECK_EQ(ex(&f, "addr add lan0"), -EINVAL);
	CHECK(out_has("usage: addr add"));
	CHECK_EQ(ex(&f, "addr del lan0 nonsense"), -EINVAL);
	CHECK(err_is("bad address 'nonsense'"));
	CHECK_EQ(ex(&f, "addr del lan1 192.0.2.1"), -EADDRNOTAVAIL);
	CHECK(err_is("address 192.0.2.1 on lan1: Cannot assign requested address"));
	/* ip addr del gives the length: it must be the address's. */
	CHECK_EQ(ex(&f, "addr del lan0 192.0.2.1/25"), -EADDRNOTAVAIL);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
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
	CHECK(out_has("\"address\": \"10.0.0.2/24\", \"family\": \"inet\", \"kind\": \"permanent\", "
		      "\"behaviour\": "
		      "\"first-primary\", \"refs\": 1, \"primary\": 0, \"internal\": false}"));
	CHECK(out_has("\"address\": \"10.0.0.1/24\", \"family\": \"inet\", \"kind\": \"permanent\", "
		      "\"behaviour\": "
		      "\"can-be-primary\", \"refs\": 1, \"primary\": 1, \"internal\": false}"));
	CHECK(out_has("\"address\": \"10.0.0.3/24\", \"family\": \"inet\", \"kind\": \"permanent\", "
		      "\"behaviour\": "
		      "\"never-primary\", \"refs\": 1, \"primary\": null, \"internal\": false}"));
	CHECK(out_has("\"address\": \"10.0.0.4/24\", \"family\": \"inet\", \"kind\": \"permanent\", "
		      "\"behaviour\": "
		      "\"can-be-primary\", \"refs\": 1, \"primary\": 2, \"internal\": false}"));
	CHECK_EQ(ex(&f, "show addresses"), 0);
	CHECK(out_has("    inet 10.0.0.3/24 never\n"));
	CHECK(out_has("    inet 10.0.0.2/24 first\n"));
	CHECK_EQ(ex(&f, "show addresses lan7"), -ENODEV);
	CHECK(err_is("unknown nic 'lan7'"));
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
	CHECK(err_is("host bits set in range '10.5.0.1/16' (did you mean 10.5.0.0/16?)"));
	CHECK_EQ(ex(&f, "range add lan4 10.6.0.0/16"), -ENODEV);
	CHECK(err_is("unknown nic 'lan4'"));
	CHECK_EQ(ex(&f, "range del lan1 10.6.0.0/16"), -ENOENT);
	CHECK(err_is("range 10.6.0.0/16 on lan1: No such file or directory"));
	CHECK_EQ(ex(&f, "range add lan1 10.5.0.0/16"), -EEXIST);
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
	/* add over an existing route fails as iproute2's does; replace replaces. */
	CHECK_EQ(ex(&f, "route add 10.8.0.0/16 dev lan0"), -EEXIST);
	CHECK(err_is("route 10.8.0.0/16: File exists"));
	CHECK(find_route(&f, "10.8.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK_EQ(ex(&f, "route replace 10.8.0.0/16 dev lan0"), 0);
	CHECK_EQ(n_routes(&f), before_replace);
	CHECK(find_route(&f, "10.8.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK(!ri.paths[0].has_gw);
	CHECK_EQ(ex(&f, "route add 10.7.0.0/16 via 203.0.113.1 dev lan1"), 0);
	CHECK(find_route(&f, "10.7.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	/* iproute2's default, of the gateway's family. */
	CHECK_EQ(ex(&f, "route add default via 192.0.2.254"), 0);
	CHECK(find_route(&f, "0.0.0.0/0", NULL));
	CHECK_EQ(ex(&f, "route add 2001:db8:5::/48 via fe80::1 dev lan1"), 0);
	CHECK(find_route(&f, "2001:db8:5::/48", NULL));
	CHECK_EQ(ex(&f, "show routes"), 0);
	CHECK(out_has("10.9.0.0/16 via 198.51.100.254 dev lan1\n"));
	CHECK(out_has("192.0.2.0/24 dev lan0 connected\n"));
	CHECK(out_has("default via 192.0.2.254 dev lan0\n"));
	CHECK_EQ(exj(&f, "show routes"), 0);
	CHECK(out_has("{\"prefix\": \"10.9.0.0/16\", \"connected\": false, \"paths\": [{\"nic\": "
		      "\"lan1\", \"via\": \"198.51.100.254\"}]}"));

	int r = n_routes(&f);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 203.0.113.1"), -ENETUNREACH);
	CHECK(err_is("gateway 203.0.113.1 is on no nic's subnet (add dev NIC)"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 2001:db8::1 dev lan0"), -EINVAL);
	CHECK(err_is("gateway '2001:db8::1' is IPv6 but route '10.6.0.0/16' is IPv4"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 via 224.0.0.1 dev lan0"), -EINVAL);
	CHECK(err_is("gateway '224.0.0.1' is not a unicast address"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 dev lan9"), -ENODEV);
	CHECK(err_is("unknown nic 'lan9'"));
	CHECK_EQ(ex(&f, "route add 10.6.0.1/16 dev lan0"), -EINVAL);
	CHECK(err_is("host bits set in route '10.6.0.1/16' (did you mean 10.6.0.0/16?)"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/40 dev lan0"), -EINVAL);
	CHECK(err_is("prefix length out of range in '10.6.0.0/40' (0..32 for IPv4)"));
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16"), -EINVAL);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 dev lan0 via"), -EINVAL);
	CHECK_EQ(ex(&f, "route add 10.6.0.0/16 through 1.2.3.4"), -EINVAL);
	CHECK(err_is("unexpected 'through' in route '10.6.0.0/16' (want via GW and/or dev NAME)"));
	CHECK_EQ(n_routes(&f), r);
	CHECK(!find_route(&f, "10.6.0.0/16", NULL));

	CHECK_EQ(ex(&f, "route del 10.9.0.0/16"), 0);
	CHECK(!find_route(&f, "10.9.0.0/16", NULL));
	CHECK_EQ(n_routes(&f), r - 1);
	CHECK_EQ(ex(&f, "route del 10.9.0.0/16"), -ESRCH);
	CHECK(err_is("route 10.9.0.0/16: No such process"));
	/* Given words must match, as in iproute2; a connected route goes with its address. */
	CHECK_EQ(ex(&f, "route del 10.7.0.0/16 via 203.0.113.9"), -ESRCH);
	CHECK_EQ(ex(&f, "route del 10.7.0.0/16 dev lan0"), -ESRCH);
	CHECK_EQ(ex(&f, "route del 10.7.0.0/16 via 203.0.113.1 dev lan1"), 0);
	CHECK_EQ(ex(&f, "route del default via 192.0.2.254"), 0);
	CHECK_EQ(ex(&f, "route del 192.0.2.0/24"), -EBUSY);
	CHECK(err_is("route 192.0.2.0/24 is the connected route of an address on lan0 (delete "
		     "the address instead)"));
	CHECK(find_route(&f, "192.0.2.0/24", NULL));
	CHECK_EQ(ex(&f, "route replace 192.0.2.0/24 dev lan1"), -EEXIST);
	CHECK_EQ(n_routes(&f), r - 3);
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
	CHECK(out_has("192.0.2.7 dev lan0 lladdr 02:00:00:00:00:07 static age "));
	CHECK_EQ(exj(&f, "show neigh"), 0);
	CHECK(out_has("{\"address\": \"192.0.2.7\", \"mac\": \"02:00:00:00:00:07\", \"nic\": "
		      "\"lan0\", \"state\": \"static\", \"queued\": 0, \"age_ms\": "));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 02:00:00:00:00 lan0"), -EINVAL);
	CHECK(err_is("bad MAC '02:00:00:00:00' (want xx:xx:xx:xx:xx:xx)"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 01:00:5e:00:00:01 lan0"), -EINVAL);
	CHECK(err_is("bad MAC '01:00:5e:00:00:01': a neighbor needs a unicast, non-zero address"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2.8 02:00:00:00:00:08 lan5"), -ENODEV);
	CHECK(err_is("neighbor on unknown nic 'lan5'"));
	CHECK_EQ(ex(&f, "neigh add 255.255.255.255 02:00:00:00:00:08 lan0"), -EINVAL);
	CHECK(err_is("neighbor '255.255.255.255' is not a unicast address"));
	CHECK_EQ(ex(&f, "neigh add 192.0.2 02:00:00:00:00:08 lan0"), -EINVAL);
	CHECK(err_is("bad address '192.0.2'"));
	/* add over an entry fails; replace replaces; `ip neigh`'s words work too. */
	CHECK_EQ(ex(&f, "neigh add 192.0.2.7 02:00:00:00:00:09 lan0"), -EEXIST);
	CHECK(err_is("neighbor 192.0.2.7 on lan0: File exists"));
	CHECK_EQ(ex(&f, "neigh replace 192.0.2.7 lladdr 02:00:00:00:00:09 dev lan0"), 0);
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 1);
	CHECK_EQ(v[0].mac.addr_bytes[5], 9);
	CHECK_EQ(ex(&f, "neigh del 192.0.2.7 lan1"), -ENOENT);
	CHECK(err_is("neighbor 192.0.2.7 on lan1: No such file or directory"));
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 1);
	CHECK_EQ(ex(&f, "neigh del 192.0.2.7 dev lan0"), 0);
	CHECK_EQ(dps_neigh_list(f.app.stack, v, 8), 0);
	fix_fini(&f);
}

/* A neighbour being resolved has no link address: `-` free, JSON null, never 00:00:00:00:00:00. */
DPS_TEST(ctl_neigh_unresolved_mac_null)
{
	struct rte_mempool *mp;
	struct dps_ctx *ctx;
	struct rte_mbuf *m;
	struct dps_addr a;

	SETUP(f);
	mp = rte_pktmbuf_pool_create("ctl_nb", 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(mp != NULL);
	CHECK_EQ(dps_ctx_create(f.app.stack, 0, 0, mp, SOCKET_ID_ANY, &ctx), 0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	m = rte_pktmbuf_alloc(mp);
	CHECK(m != NULL && rte_pktmbuf_append(m, 40) != NULL);
	m->l2_len = RTE_ETHER_HDR_LEN;
	CHECK_EQ(dps_addr_parse("192.0.2.77", &a), 0);
	dps_neigh_resolve(ctx, f.lan0, &a, m);
	dps_neigh_poll(f.app.stack, ctx);
	CHECK_EQ(exj(&f, "show neigh"), 0);
	CHECK(out_has("{\"address\": \"192.0.2.77\", \"mac\": null, \"nic\": \"lan0\", "
		      "\"state\": \"incomplete\", \"queued\": 1, "));
	CHECK_EQ(ex(&f, "show neigh"), 0);
	CHECK(out_has("192.0.2.77 dev lan0 incomplete queued 1 age "));
	CHECK(strstr(out, "00:00:00:00:00:00") == NULL);
	CHECK_EQ(ex(&f, "neigh del 192.0.2.77 lan0"), 0);
	dps_ctx_free(ctx);
	fix_fini(&f);
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
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
	CHECK(err_is("unknown nic 'lan3'"));
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
	CHECK(err_is("bad value 'maybe' for 'promiscuous' (want on or off)"));
	CHECK(dps_nic_promiscuous(f.lan0));
	CHECK_EQ(ex(&f, "set lan0 turbo on"), -EINVAL);
	CHECK(err_is("unknown key 'turbo' (promiscuous, spoofing, forwarding, mtu)"));
	/* The MTU, with the config file's range and wording. */
	CHECK_EQ(ex(&f, "set lan0 mtu 9000"), 0);
	CHECK_EQ(dps_nic_mtu(f.lan0), 9000);
	CHECK_EQ(ex(&f, "set lan0 mtu 9001"), -EINVAL);
	CHECK(err_is("mtu '9001' out of range (68..9000)"));
	CHECK_EQ(ex(&f, "set lan0 mtu big"), -EINVAL);
	CHECK(err_is("bad mtu 'big' (a number 68..9000)"));
	CHECK_EQ(ex(&f, "addr add lan0 2001:db8::1/64"), 0);
	CHECK_EQ(ex(&f, "set lan0 mtu 1000"), -EINVAL);
	CHECK(err_is("mtu 1000 too small for nic 'lan0' with an IPv6 address: IPv6 needs 1280 "
		     "(RFC 8200 section 5)"));
	CHECK_EQ(dps_nic_mtu(f.lan0), 9000);
	CHECK_EQ(ex(&f, "set lan1 mtu 1000"), 0);
	CHECK_EQ(dps_nic_mtu(f.lan1), 1000);
	CHECK_EQ(ex(&f, "set lan8 spoofing on"), -ENODEV);
	CHECK(err_is("unknown nic 'lan8'"));
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
	/* No NIC: the sum and each NIC, as columns. */
	CHECK(out_has("COUNTER"));
	snprintf(want, sizeof(want), "%-40s %12d %12d %12d\n", "rx.packets", 12, 5, 7);
	CHECK(out_has(want));
	CHECK(out_has("udp.unknown_port_errors"));
	/* Only non-zero counters unless "all". */
	CHECK(strstr(out, "tx.bytes") == NULL);
	CHECK_EQ(ex(&f, "show stats lan0"), 0);
	snprintf(want, sizeof(want), "%-40s %d\n", "rx.packets", 5);
	CHECK(out_has(want));
	CHECK(strstr(out, "udp.unknown_port_errors") == NULL);
	CHECK_EQ(ex(&f, "show stats all"), 0);
	CHECK(out_has("tx.bytes "));
	for (int i = 0; i < DPS_CNT_MAX; i++)
		CHECK(out_has(dps_counter_names[i]));
	CHECK_EQ(ex(&f, "show stats lan1 all"), 0);
	CHECK(out_has("tx.bytes"));
	snprintf(want, sizeof(want), "%-40s %d\n", "rx.packets", 7);
	CHECK(out_has(want));
	CHECK_EQ(exj(&f, "show stats"), 0);
	CHECK(out_has("{\"rx.packets\": 12, "));
	CHECK(out_has("\"tx.bytes\": 0"));
	/* clear stats: from zero, for all or one NIC, the sum following. */
	CHECK_EQ(ex(&f, "clear stats lan1"), 0);
	CHECK_EQ(exj(&f, "show stats"), 0);
	CHECK(out_has("{\"rx.packets\": 5, "));
	CHECK_EQ(exj(&f, "show stats lan1"), 0);
	CHECK(out_has("{\"rx.packets\": 0, "));
	dps_cnt_add(ctx, 1, DPS_CNT_RX_PACKETS, 2);
	CHECK_EQ(exj(&f, "show stats lan1"), 0);
	CHECK(out_has("{\"rx.packets\": 2, "));
	CHECK_EQ(exj(&f, "show stats"), 0);
	CHECK(out_has("{\"rx.packets\": 7, "));
	CHECK_EQ(ex(&f, "clear stats"), 0);
	CHECK_EQ(exj(&f, "show stats"), 0);
	CHECK(out_has("{\"rx.packets\": 0, "));
	CHECK_EQ(exj(&f, "show stats lan0"), 0);
	CHECK(out_has("{\"rx.packets\": 0, "));
	dps_cnt_add(ctx, 1, DPS_CNT_UDP_UNKNOWN_PORT_ERRORS, 3);
	CHECK_EQ(exj(&f, "show stats lan1"), 0);
	CHECK(out_has("\"udp.unknown_port_errors\": 3"));
	CHECK_EQ(ex(&f, "show stats lan2"), -ENODEV);
	CHECK(err_is("unknown nic 'lan2'"));
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
	CHECK(out_has("route del PREFIX|default [via GW] [dev NIC]"));
	CHECK_EQ(exj(&f, "help"), 0);
	CHECK(out_has("{\"command\": \"show nics\", \"args\": \"\", "));
	CHECK_EQ(ex(&f, "help route"), 0);
	CHECK(out_has("route replace") && strstr(out, "show nics") == NULL);
	CHECK_EQ(ex(&f, "frobnicate"), -EINVAL);
	CHECK(err_is("unknown command 'frobnicate' (try help)"));
	CHECK_EQ(ex(&f, ""), -EINVAL);
	CHECK(err_is("empty command (try help)"));
	CHECK_EQ(ex(&f, "show"), -EINVAL);
	CHECK(out_has("usage: show version|interfaces|nics|addresses|"));
	CHECK_EQ(ex(&f, "s"), -EINVAL);
	CHECK(err_is("ambiguous command 's' (show version, show interfaces, show nics, show "
		     "addresses, show ranges, show routes, show neigh, show stats, show "
		     "running-config, show trace, save, set)"));
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
	snprintf(want, sizeof(want), "%s:3: unknown nic 'lan9'", path);
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
	CHECK_EQ(strcmp(msg, "address 192.0.2.1 on lan0: File exists"), 0);
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 1);
	CHECK(strstr(body, "{\"rx.packets\": 0") == body);
	/* With json an error is JSON too, after the same ERR line. */
	CHECK(send_str(fd, "json route del 10.1.0.0/16\n"));
	CHECK_EQ(read_reply(fd, body, sizeof(body), msg, sizeof(msg)), 0);
	CHECK_EQ(strcmp(msg, "route 10.1.0.0/16: No such process"), 0);
	CHECK_EQ(strcmp(body, "{\"error\": \"route 10.1.0.0/16: No such process\", \"errno\": 3, "
			      "\"strerror\": \"No such process\"}\n"),
		 0);
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
	CHECK(strstr(body, "link/ether") != NULL);
	/* A second server on a live socket is refused; the first keeps serving. */
	static struct dps_app other;

	other = f.app;

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
	if (getenv("DPS_TEST_VERBOSE") != NULL)
		printf("  %s -> %s\n", cmd, reply);
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
	/*
	 * Compact JSON. A counter's group is a nested dict (DPDK 22.11 refuses '.' in names), so
	 * the dotted path is the name dpstack-ctl prints: rx.packets is {"rx": {"packets": N}}.
	 */
	CHECK(strstr(reply, "{\"/dpstack/stats\":{\"rx\":{\"packets\":12,\"bytes\":0,") == reply);
	CHECK(strstr(reply, "\"udp\":{\"packets_received\":0,\"unknown_port_errors\":0,") != NULL);
	CHECK(strstr(reply, "\"nombuf\":0}}") != NULL);
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		const char *dot = strchr(dps_counter_names[i], '.');
		char key[96];

		snprintf(key, sizeof(key), "\"%s\":", dot ? dot + 1 : dps_counter_names[i]);
		CHECK(strstr(reply, key) != NULL);
	}
	/* The parameter picks a NIC, by id or name. */
	CHECK_EQ(telemetry_query("/dpstack/stats,lan1", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "{\"/dpstack/stats\":{\"rx\":{\"packets\":7,") == reply);
	CHECK_EQ(telemetry_query("/dpstack/stats,0", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "{\"/dpstack/stats\":{\"rx\":{\"packets\":5,") == reply);
	CHECK_EQ(telemetry_query("/dpstack/stats,lan7", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"/dpstack/stats\":null") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/nics", reply, sizeof(reply)), 0);
	CHECK_EQ(strcmp(reply, "{\"/dpstack/nics\":{\"0\":\"lan0\",\"1\":\"lan1\"}}"), 0);
	CHECK_EQ(telemetry_query("/dpstack/nic,1", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"nic\":\"lan1\"") != NULL);
	CHECK(strstr(reply, "\"mac\":\"02:00:00:00:00:02\"") != NULL);
	CHECK(strstr(reply, "\"mtu\":1500") != NULL);
	CHECK(strstr(reply, "\"192.0.2.1/24 permanent first-primary\"") != NULL);
	CHECK(strstr(reply, "\"ranges\":[\"10.5.0.0/16\"]") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/nic,lan0", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"nic\":\"lan0\"") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/nic,9", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"/dpstack/nic\":null") != NULL);
	/* Routes and neighbours: the lines `show routes` and `show neigh` print. */
	CHECK_EQ(telemetry_query("/dpstack/routes", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"10.9.0.0/16 via 192.0.2.254 dev lan1\"") != NULL);
	CHECK(strstr(reply, "\"192.0.2.0/24 dev lan1 connected\"") != NULL);
	CHECK_EQ(telemetry_query("/dpstack/neigh", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"192.0.2.254 dev lan1 lladdr 02:00:00:00:00:fe static age ") != NULL);
	/* After close the commands answer nothing and touch nothing of the app. */
	dps_telemetry_close(&f.app);
	CHECK_EQ(telemetry_query("/dpstack/stats", reply, sizeof(reply)), 0);
	CHECK(strstr(reply, "\"/dpstack/stats\":null") != NULL);
	dps_ctx_free(ctx);
	fix_fini(&f);
}

/* Unique prefixes per word, as VPP's CLI takes them; ambiguity is named. */
DPS_TEST(ctl_abbreviations)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "a a lan0 192.0.2.1/24"), 0);
	CHECK(has_addr(f.lan0, "192.0.2.1"));
	CHECK_EQ(ex(&f, "ro a 10.9.0.0/16 v 192.0.2.254"), -EINVAL);
	CHECK_EQ(ex(&f, "ro a 10.9.0.0/16 via 192.0.2.254"), 0);
	CHECK(find_route(&f, "10.9.0.0/16", NULL));
	CHECK_EQ(ex(&f, "sh ro"), 0);
	CHECK(out_has("10.9.0.0/16 via 192.0.2.254 dev lan0\n"));
	CHECK_EQ(ex(&f, "sh r"), -EINVAL);
	CHECK(err_is("ambiguous command 'r' (show ranges, show routes, show running-config)"));
	CHECK_EQ(ex(&f, "show"), -EINVAL);
	CHECK(out_has("usage: show version|interfaces|nics|"));
	CHECK_EQ(ex(&f, "se lan0 mtu 1400"), 0);
	CHECK_EQ(dps_nic_mtu(f.lan0), 1400);
	CHECK_EQ(ex(&f, "s lan0 mtu 1400"), -EINVAL);
	CHECK(out_has("ambiguous command 's' (show version, "));
	CHECK_EQ(ex(&f, "ro d 10.9.0.0/16"), 0);
	CHECK(!find_route(&f, "10.9.0.0/16", NULL));
	fix_fini(&f);
}

/* complete: what the interactive shell offers for the word under the cursor. */
DPS_TEST(ctl_complete)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "complete sh"), 0);
	CHECK_EQ(strcmp(out, "show\n"), 0);
	CHECK_EQ(ex(&f, "complete show r"), 0);
	CHECK_EQ(strcmp(out, "ranges\nroutes\nrunning-config\n"), 0);
	CHECK_EQ(ex(&f, "complete route add 10.0.0.0/8 "), 0);
	CHECK_EQ(strcmp(out, "via\n"), 0);
	CHECK_EQ(ex(&f, "complete route add 10.0.0.0/8 via 10.0.0.1 dev "), 0);
	CHECK_EQ(strcmp(out, "lan0\nlan1\n"), 0);
	CHECK_EQ(ex(&f, "complete set lan"), 0);
	CHECK_EQ(strcmp(out, "lan0\nlan1\n"), 0);
	CHECK_EQ(ex(&f, "complete set lan0 "), 0);
	CHECK_EQ(strcmp(out, "promiscuous\nspoofing\nforwarding\nmtu\n"), 0);
	CHECK_EQ(ex(&f, "complete addr add lan0 10.0.0.1/24 "), 0);
	CHECK_EQ(strcmp(out, "first\nnever\n"), 0);
	CHECK_EQ(ex(&f, "complete "), 0);
	CHECK(out_has("help\nshow\nsave\ntrace\nclear\naddr\nrange\nroute\nneigh\n"));
	fix_fini(&f);
}

DPS_TEST(ctl_version_and_json_errors)
{
	SETUP(f);
	CHECK_EQ(ex(&f, "show version"), 0);
	CHECK(out_has("dpstack ") && out_has("DPDK 22.11"));
	CHECK_EQ(exj(&f, "show version"), 0);
	CHECK(out_has("{\"version\": \"") && out_has("\"dpdk\": \"DPDK 22.11"));
	CHECK_EQ(exj(&f, "route add 10.0.0.0/8 via 10.0.0.1"), -ENETUNREACH);
	CHECK_EQ(strcmp(out, "{\"error\": \"gateway 10.0.0.1 is on no nic's subnet (add dev NIC)\", "
			     "\"errno\": 101, \"strerror\": \"Network is unreachable\"}\n"),
		 0);
	CHECK_EQ(exj(&f, "show addresses lan7"), -ENODEV);
	CHECK(out_has("{\"error\": \"unknown nic 'lan7'\", \"errno\": 19, "));
	fix_fini(&f);
}

/* A mistake reads the same in the control language and in the config file. */
DPS_TEST(ctl_config_wording)
{
	static const struct {
		const char *cmd, *cfg;
	} pairs[] = {
		{"addr add lan0 10.0.0.300/24", "address = 10.0.0.300/24"},
		{"addr add lan0 10.0.0.1/33", "address = 10.0.0.1/33"},
		{"addr add lan0 224.0.0.1/24", "address = 224.0.0.1/24"},
		{"addr add lan0 10.0.0.1/24 sometimes", "address = 10.0.0.1/24 sometimes"},
		{"range add lan0 10.5.0.1/16", "range = 10.5.0.1/16"},
		{"set lan0 promiscuous maybe", "promiscuous = maybe"},
		{"set lan0 mtu 9001", "mtu = 9001"},
		{"set lan0 mtu big", "mtu = big"},
	};
	struct dps_config cfg;
	char text[256], err[512];

	SETUP(f);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(text, sizeof(text), "[nic lan0]\nport = 0\n%s\n", pairs[i].cfg);
		CHECK(dps_config_parse_string("t.conf", text, &cfg, err, sizeof(err)) != 0);
		CHECK(strncmp(err, "t.conf:3: ", 10) == 0);
		CHECK(ex(&f, pairs[i].cmd) != 0);
		if (strcmp(err + 10, out) != 0)
			printf("  config '%s' vs ctl '%s'\n", err + 10, out);
		CHECK_EQ(strcmp(err + 10, out), 0);
	}
	fix_fini(&f);
}

/* show running-config is a config file: it parses, and says what the stack holds. */
DPS_TEST(ctl_running_config)
{
	struct dps_config cfg;
	char err[512], path[64];
	FILE *fp;

	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.9/24 never"), 0);
	CHECK_EQ(ex(&f, "addr add lan1 2001:db8::1/64 first"), 0);
	CHECK_EQ(ex(&f, "range add lan1 10.5.0.0/16"), 0);
	CHECK_EQ(ex(&f, "route add default via 192.0.2.254"), 0);
	CHECK_EQ(ex(&f, "route add 2001:db8:9::/48 via 2001:db8::fe dev lan1"), 0);
	CHECK_EQ(ex(&f, "neigh add 192.0.2.254 02:00:00:00:00:fe lan0"), 0);
	CHECK_EQ(ex(&f, "set lan1 promiscuous on"), 0);
	CHECK_EQ(ex(&f, "set lan0 mtu 9000"), 0);
	CHECK_EQ(ex(&f, "forwarding on"), 0);
	CHECK_EQ(ex(&f, "show running-config"), 0);
	CHECK(out_has("[stack]\nforwarding = on\n"));
	CHECK(out_has("[nic lan0]\nport = 0\naddress = 192.0.2.1/24\naddress = 192.0.2.9/24 never\n"
		      "promiscuous = off\nspoofing = off\nforwarding = on\nmtu = 9000\n"));
	CHECK(out_has("address = 2001:db8::1/64 first\nrange = 10.5.0.0/16\npromiscuous = on\n"));
	CHECK(out_has("[routes]\ndefault = via 192.0.2.254 dev lan0\n"
		      "2001:db8:9::/48 = via 2001:db8::fe dev lan1\n"));
	CHECK(out_has("[neighbors]\n192.0.2.254 = 02:00:00:00:00:fe lan0\n"));
	/* Connected routes and the stack's own endpoints are not in it. */
	CHECK(strstr(out, "192.0.2.0/24") == NULL && strstr(out, "ff02::1") == NULL);
	/* It parses once the ports are real; save writes it. */
	snprintf(path, sizeof(path), "/tmp/dps_ctl_rc_%d.conf", (int)getpid());
	CHECK_EQ(ex(&f, "save /nonexistent/dir/x.conf"), -ENOENT);
	CHECK_EQ(ex(&f, path), -EINVAL);
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "save %s", path);
	CHECK_EQ(ex(&f, cmd), 0);
	CHECK((fp = fopen(path, "r")) != NULL);
	static char text[16384];
	size_t n = fread(text, 1, sizeof(text) - 1, fp);

	fclose(fp);
	unlink(path);
	text[n] = '\0';
	CHECK_EQ(dps_config_parse_string("rc.conf", text, &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.n_nics, 2);
	CHECK_EQ(cfg.n_routes, 2);
	CHECK_EQ(cfg.n_neighs, 1);
	CHECK(cfg.forwarding);
	CHECK_EQ(cfg.nics[0].mtu, 9000);
	CHECK(cfg.nics[1].promiscuous);
	CHECK_EQ(cfg.nics[0].n_addrs, 2);
	dps_config_free(&cfg);
	CHECK_EQ(exj(&f, "show running-config"), 0);
	CHECK(out_has("{\"config\": \"# dpstack "));
	fix_fini(&f);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}

/* ---- route batch lines (dps_ctl_batch_line: a hand-made fast path, the general one behind) ---- */

/* Stage one line in b: its rc, and its error in out. */
static int
bl(struct fix *f, struct dps_route_batch *b, const char *line)
{
	struct dps_out o = {0};
	int rc = dps_ctl_batch_line(&f->app, b, line, &o);

	snprintf(out, sizeof(out), "%.*s", (int)o.len, o.buf != NULL ? o.buf : "");
	free(o.buf);
	return rc;
}

/* A refused batch line says what the command itself says. */
static bool
bl_err_as_cmd(struct fix *f, struct dps_route_batch *b, const char *line, const char *want)
{
	char batch_err[1024];
	int rc = bl(f, b, line);

	if (rc == 0 || !err_is(want))
		return false;
	snprintf(batch_err, sizeof(batch_err), "%.1000s", out);
	if (ex(f, line) != rc || strcmp(out, batch_err) != 0) {
		printf("  command says '%s'\n", out);
		return false;
	}
	return true;
}

DPS_TEST(ctl_batch_lines)
{
	struct dps_route_batch *b;
	struct dps_route_info ri;

	SETUP(f);
	CHECK_EQ(ex(&f, "addr add lan0 192.0.2.1/24"), 0);
	CHECK_EQ(ex(&f, "addr add lan0 2001:db8:1::1/64"), 0);
	CHECK_EQ(ex(&f, "addr add lan1 198.51.100.1/24"), 0);
	b = dps_route_batch_begin(f.app.stack);
	CHECK(b != NULL);
	/* Refused lines: the command's own words, the batch unchanged. */
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.2.0/16 via 192.0.2.9",
			    "host bits set in route '10.1.2.0/16' (did you mean 10.1.0.0/16?)"));
	CHECK(bl_err_as_cmd(&f, b, "route add 2001:db8:7:1::/48 via 2001:db8:1::9",
			    "host bits set in route '2001:db8:7:1::/48' (did you mean "
			    "2001:db8:7::/48?)"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/33 via 192.0.2.9",
			    "prefix length out of range in '10.1.0.0/33' (0..32 for IPv4)"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.256/24 via 192.0.2.9",
			    "bad address '10.1.0.256/24'"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 192.0.2.999",
			    "bad gateway '192.0.2.999'"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 2001:db8:1::9",
			    "gateway '2001:db8:1::9' is IPv6 but route '10.1.0.0/16' is IPv4"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 224.0.0.9",
			    "gateway '224.0.0.9' is not a unicast address"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 203.0.113.9",
			    "gateway 203.0.113.9 is on no nic's subnet (add dev NIC)"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 192.0.2.9 dev lan7",
			    "unknown nic 'lan7'"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via", "'via' needs a gateway in "
								"route '10.1.0.0/16'"));
	CHECK(bl_err_as_cmd(&f, b, "route add 10.1.0.0/16 via 192.0.2.9 via 192.0.2.8",
			    "unexpected 'via' in route '10.1.0.0/16' (want via GW and/or dev NAME)"));
	CHECK_EQ(bl(&f, b, "route add 10.1.0.0/16"), -EINVAL); /* the command: its usage */
	CHECK(err_is("route '10.1.0.0/16' needs via GW or dev NAME"));
	CHECK_EQ(bl(&f, b, "show routes"), -EINVAL);
	CHECK(err_is("a route batch takes route add, replace and del lines"));
	CHECK_EQ(dps_route_batch_size(b), 0);

	/* Staged: the plain forms, other spacing, dev before via, IPv6 spellings. */
	CHECK_EQ(bl(&f, b, "route add 10.1.0.0/16 via 198.51.100.7"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.2.0.0/16 dev lan0"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.3.0.0/16 dev lan0 via 203.0.113.1"), 0);
	CHECK_EQ(bl(&f, b, "  route\tadd 10.4.0.0/16   via 198.51.100.7 \r"), 0);
	CHECK_EQ(bl(&f, b, "route add 0.0.0.0/0 via 192.0.2.254"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.5.0.0/024 via 192.0.2.9"), 0); /* strtol's 24 */
	CHECK_EQ(bl(&f, b, "route add 2001:db8:7::/48 via 2001:db8:1::9"), 0);
	CHECK_EQ(bl(&f, b, "route add 2001:DB8:8:0:0::/64 via fe80::1 dev lan1"), 0);
	CHECK_EQ(bl(&f, b, "route add default6 via fe80::2 dev lan0"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.6.0.0/16 via 198.51.100.8"), 0);
	CHECK_EQ(bl(&f, b, "route replace 10.6.0.0/16 via 192.0.2.8"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.7.0.0/16 via 192.0.2.8"), 0);
	CHECK_EQ(bl(&f, b, "route del 10.7.0.0/16 via 192.0.2.8 dev lan0"), 0);
	CHECK_EQ(dps_route_batch_size(b), 13);
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	CHECK(find_route(&f, "10.1.0.0/16", &ri));
	CHECK(ri.paths[0].has_gw && ri.paths[0].nic_id == 1 && ri.paths[0].gw.b[3] == 7);
	CHECK(find_route(&f, "10.2.0.0/16", &ri));
	CHECK(!ri.paths[0].has_gw && ri.paths[0].nic_id == 0);
	CHECK(find_route(&f, "10.3.0.0/16", &ri));
	CHECK(ri.paths[0].has_gw && ri.paths[0].nic_id == 0 && ri.paths[0].gw.b[0] == 203);
	CHECK(find_route(&f, "10.4.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK(find_route(&f, "0.0.0.0/0", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK(find_route(&f, "10.5.0.0/24", NULL));
	CHECK(find_route(&f, "2001:db8:7::/48", &ri));
	CHECK(ri.paths[0].has_gw && ri.paths[0].nic_id == 0 && ri.paths[0].gw.len == 16);
	CHECK(find_route(&f, "2001:db8:8::/64", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK(find_route(&f, "::/0", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK(find_route(&f, "10.6.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	CHECK(!find_route(&f, "10.7.0.0/16", NULL));

	/* A batch refuses what the commands refuse at commit: add over a route, del of none. */
	b = dps_route_batch_begin(f.app.stack);
	CHECK_EQ(bl(&f, b, "route add 10.1.0.0/16 via 192.0.2.9"), 0);
	CHECK_EQ(dps_route_batch_commit(b, NULL), -EEXIST);
	b = dps_route_batch_begin(f.app.stack);
	CHECK_EQ(bl(&f, b, "route del 10.1.0.0/16 dev lan0"), 0);
	CHECK_EQ(dps_route_batch_commit(b, NULL), -ESRCH);

	/* A gateway's NIC is looked up again once an address changed (no stale memo). */
	b = dps_route_batch_begin(f.app.stack);
	CHECK_EQ(bl(&f, b, "route add 10.20.0.0/16 via 198.51.100.7"), 0);
	CHECK_EQ(ex(&f, "addr del lan1 198.51.100.1"), 0);
	CHECK(bl_err_as_cmd(&f, b, "route add 10.21.0.0/16 via 198.51.100.7",
			    "gateway 198.51.100.7 is on no nic's subnet (add dev NIC)"));
	CHECK_EQ(ex(&f, "addr add lan0 198.51.100.2/24"), 0);
	CHECK_EQ(bl(&f, b, "route add 10.22.0.0/16 via 198.51.100.7"), 0);
	CHECK_EQ(dps_route_batch_commit(b, NULL), 0);
	CHECK(find_route(&f, "10.20.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 1);
	CHECK(find_route(&f, "10.22.0.0/16", &ri));
	CHECK_EQ(ri.paths[0].nic_id, 0);
	fix_fini(&f);
}
