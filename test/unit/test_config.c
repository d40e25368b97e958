/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Config parser: a full file parsed into the right structure, and every class of mistake
 * reported once as `FILE:LINE: message` with the right line and the culprit named.
 * EAL runs with two net_null ports for the dps_config_resolve_ports() cases.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>

#include "dps_config.h"
#include "dps_port.h"
#include "dps_test.h"

#define NAME "t.conf"
/* Lines 1-2 of most error cases: a valid NIC, so the mistake is the only problem. */
#define NIC0 "[nic lan0]\nport = 0\n"

static char errbuf[512];

/* Parse text that must fail; returns the rc and leaves the message in errbuf. */
static int
parse_bad(const char *text)
{
	struct dps_config cfg;
	int rc;

	errbuf[0] = '\0';
	rc = dps_config_parse_string(NAME, text, &cfg, errbuf, sizeof(errbuf));
	if (rc == 0)
		dps_config_free(&cfg);
	/* A failed parse leaves nothing behind to free. */
	else if (cfg.n_nics != 0 || cfg.routes != NULL || cfg.neighs != NULL)
		return 1;
	return rc;
}

/* The message starts with `t.conf:LINE: `, names the culprit and is one line. */
static bool
err_is(int line, const char *culprit)
{
	char prefix[32];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), NAME ":%d: ", line);

	if (strncmp(errbuf, prefix, n) != 0 || strstr(errbuf + n, culprit) == NULL ||
	    strchr(errbuf, '\n') != NULL) {
		printf("  want '%s...%s', got '%s'\n", prefix, culprit, errbuf);
		return false;
	}
	return true;
}

#define CHECK_BAD(text, line, culprit)                                                             \
	do {                                                                                       \
		CHECK_EQ(parse_bad(text), -EINVAL);                                                \
		CHECK(err_is((line), (culprit)));                                                  \
	} while (0)

/* Parse text that must parse; returns the rc, and prints the message when it does not. */
static int
parse_ok(const char *text, struct dps_config *cfg)
{
	int rc = dps_config_parse_string(NAME, text, cfg, errbuf, sizeof(errbuf));

	if (rc != 0)
		printf("  %s\n", errbuf);
	return rc;
}

/*
 * Parse text that must parse and then fail dps_config_resolve_ports(); returns the resolver's
 * rc (1 when the parse itself fails) and leaves its message in errbuf.
 */
static int
resolve_bad(const char *text)
{
	struct dps_config cfg;
	int rc;

	if (parse_ok(text, &cfg) != 0)
		return 1;
	errbuf[0] = '\0';
	rc = dps_config_resolve_ports(&cfg, errbuf, sizeof(errbuf));
	dps_config_free(&cfg);
	return rc;
}

#define CHECK_RESOLVE_BAD(text, rc, line, culprit)                                                 \
	do {                                                                                       \
		CHECK_EQ(resolve_bad(text), (rc));                                                 \
		CHECK(err_is((line), (culprit)));                                                  \
	} while (0)

/* A growable string for generated files. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3))) sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (b->s == NULL)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static bool
addr_is(const struct dps_addr *a, const char *text)
{
	struct dps_addr want;

	return dps_parse_addr(text, &want) == 0 && a->len == want.len &&
	       memcmp(a->b, want.b, 16) == 0;
}

static bool
prefix_is(const struct dps_prefix *p, const char *addr, unsigned plen)
{
	return addr_is(&p->addr, addr) && p->plen == plen;
}

static const char full_file[] = "# dpstack test configuration\n"		    /* 1 */
				"[stack]\n"					    /* 2 */
				"forwarding = on\n"				    /* 3 */
				"\n"						    /* 4 */
				"[nic lan0]\n"					    /* 5 */
				"port = net_null0\n"				    /* 6 */
				"address = 192.0.2.1/24\n"			    /* 7 */
				"address = 2001:db8:1::1/64 first\n"		    /* 8 */
				"address = 192.0.2.9/32 never\n"		    /* 9 */
				"range = 203.0.113.0/24\n"			    /* 10 */
				"promiscuous = on\n"				    /* 11 */
				"spoofing = on\n"				    /* 12 */
				"mtu = 1500\n"					    /* 13 */
				"mac = 02:00:00:aa:BB:cc\n"			    /* 14 */
				"[nic wan-1_x]\n"				    /* 15 */
				"port = 1\n"					    /* 16 */
				"forwarding = off\n"				    /* 17 */
				"address = 198.51.100.1/24\n"			    /* 18 */
				"[routes]\n"					    /* 19 */
				"default = via 198.51.100.254\n"		    /* 20 */
				"default6 = via fe80::1 dev wan-1_x\n"		    /* 21 */
				"10.0.0.0/8 = dev lan0\n"			    /* 22 */
				"2001:db8:100::/48 = via 2001:db8:1::fe dev lan0\n" /* 23 */
				"[neighbors]\n"					    /* 24 */
				"192.0.2.2 = 02:00:00:00:00:02 lan0\n"		    /* 25 */
				"fe80::1 = 02:00:00:00:00:fe wan-1_x\n"		    /* 26 */
				"[udp]\n"					    /* 27 */
				"echo = 7 9\n"					    /* 28 */
				"echo = 65535\n";				    /* 29 */

DPS_TEST(full_valid_file)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0xaa, 0xbb, 0xcc};
	struct dps_config cfg;
	const struct dps_cfg_nic *n;

	CHECK_EQ(parse_ok(full_file, &cfg), 0);
	CHECK(strcmp(cfg.path, NAME) == 0);
	CHECK(cfg.forwarding);
	CHECK_EQ(cfg.n_nics, 2);

	n = &cfg.nics[0];
	CHECK(strcmp(n->name, "lan0") == 0);
	CHECK(strcmp(n->port, "net_null0") == 0);
	CHECK_EQ(n->line, 5);
	CHECK_EQ(n->port_line, 6);
	CHECK_EQ(n->n_addrs, 3);
	CHECK(prefix_is(&n->addrs[0].p, "192.0.2.1", 24));
	CHECK_EQ(n->addrs[0].peb, DPS_CFG_PEB_CAN_BE_PRIMARY);
	CHECK_EQ(n->addrs[0].line, 7);
	CHECK(prefix_is(&n->addrs[1].p, "2001:db8:1::1", 64));
	CHECK_EQ(n->addrs[1].p.addr.len, 16);
	CHECK_EQ(n->addrs[1].peb, DPS_CFG_PEB_FIRST);
	CHECK_EQ(n->addrs[2].peb, DPS_CFG_PEB_NEVER);
	CHECK_EQ(n->addrs[2].line, 9);
	CHECK_EQ(n->n_ranges, 1);
	CHECK(prefix_is(&n->ranges[0], "203.0.113.0", 24));
	CHECK_EQ(n->range_lines[0], 10);
	CHECK(n->promiscuous);
	CHECK(n->spoofing);
	CHECK(n->forwarding);
	CHECK_EQ(n->mtu, 1500);
	CHECK(n->has_mac);
	CHECK(memcmp(n->mac, mac, 6) == 0);

	n = &cfg.nics[1];
	CHECK(strcmp(n->name, "wan-1_x") == 0);
	CHECK(strcmp(n->port, "1") == 0);
	CHECK(!n->forwarding);
	CHECK(!n->promiscuous);
	CHECK(!n->has_mac);
	CHECK_EQ(n->mtu, 0);

	CHECK_EQ(cfg.n_routes, 4);
	CHECK(prefix_is(&cfg.routes[0].p, "0.0.0.0", 0));
	CHECK(cfg.routes[0].has_gw);
	CHECK(addr_is(&cfg.routes[0].gw, "198.51.100.254"));
	CHECK_EQ(cfg.routes[0].nic, -1);
	CHECK_EQ(cfg.routes[0].line, 20);
	CHECK(prefix_is(&cfg.routes[1].p, "::", 0));
	CHECK(addr_is(&cfg.routes[1].gw, "fe80::1"));
	CHECK_EQ(cfg.routes[1].nic, 1);
	CHECK(prefix_is(&cfg.routes[2].p, "10.0.0.0", 8));
	CHECK(!cfg.routes[2].has_gw);
	CHECK_EQ(cfg.routes[2].nic, 0);
	CHECK(prefix_is(&cfg.routes[3].p, "2001:db8:100::", 48));
	CHECK_EQ(cfg.routes[3].nic, 0);
	CHECK_EQ(cfg.routes[3].line, 23);

	CHECK_EQ(cfg.n_neighs, 2);
	CHECK(addr_is(&cfg.neighs[0].addr, "192.0.2.2"));
	CHECK_EQ(cfg.neighs[0].mac[5], 2);
	CHECK_EQ(cfg.neighs[0].nic, 0);
	CHECK_EQ(cfg.neighs[0].line, 25);
	CHECK(addr_is(&cfg.neighs[1].addr, "fe80::1"));
	CHECK_EQ(cfg.neighs[1].nic, 1);

	CHECK_EQ(cfg.n_udp_echo, 3);
	CHECK_EQ(cfg.udp_echo[0], 7);
	CHECK_EQ(cfg.udp_echo[1], 9);
	CHECK_EQ(cfg.udp_echo[2], 65535);
	dps_config_free(&cfg);
	CHECK_EQ(cfg.n_nics, 0);
	dps_config_free(&cfg); /* twice is harmless */
}

DPS_TEST(defaults)
{
	struct dps_config cfg;

	CHECK_EQ(parse_ok(NIC0, &cfg), 0);
	CHECK(!cfg.forwarding);
	CHECK_EQ(cfg.n_nics, 1);
	CHECK(cfg.nics[0].forwarding);
	CHECK(!cfg.nics[0].promiscuous);
	CHECK(!cfg.nics[0].spoofing);
	CHECK_EQ(cfg.nics[0].mtu, 0);
	CHECK_EQ(cfg.nics[0].n_addrs, 0);
	CHECK_EQ(cfg.n_routes + cfg.n_neighs + cfg.n_udp_echo, 0);
	dps_config_free(&cfg);
}

/* [stack] max_routes4 / max_routes6: defaults, limits, duplicates (docs/configuration.md). */
DPS_TEST(route_table_sizes)
{
	struct dps_config cfg;

	CHECK_EQ(parse_ok(NIC0, &cfg), 0);
	CHECK_EQ(cfg.max_routes4, DPS_CFG_ROUTES4_DEFAULT);
	CHECK_EQ(cfg.max_routes6, DPS_CFG_ROUTES6_DEFAULT);
	dps_config_free(&cfg);
	CHECK_EQ(parse_ok(NIC0 "[stack]\nmax_routes4 = 16777216\n"
			       "max_routes6 = 16\nforwarding = on\n",
			  &cfg),
		 0);
	CHECK_EQ(cfg.max_routes4, 1u << 24);
	CHECK_EQ(cfg.max_routes6, 16);
	CHECK(cfg.forwarding);
	dps_config_free(&cfg);
	CHECK_BAD(NIC0 "[stack]\nmax_routes4 = 15\n", 4,
		  "max_routes4 '15' out of range (a number 16..16777216)");
	CHECK_BAD(NIC0 "[stack]\nmax_routes6 = 16777217\n", 4,
		  "max_routes6 '16777217' out of range (a number 16..16777216)");
	CHECK_BAD(NIC0 "[stack]\nmax_routes6 = 1k\n", 4, "max_routes6 '1k' out of range");
	CHECK_BAD(NIC0 "[stack]\nmax_routes4 = 1024\nmax_routes4 = 2048\n", 5,
		  "duplicate key 'max_routes4' in [stack] (first at line 4)");
	CHECK_BAD(NIC0 "[stack]\nmax_routes = 1024\n", 4, "unknown key 'max_routes' in [stack]");
}

/* [stack] neigh_*: the neighbour table's knobs (0: not set, the library default). */
DPS_TEST(neighbour_knobs)
{
	struct dps_config cfg;

	CHECK_EQ(parse_ok(NIC0, &cfg), 0);
	CHECK_EQ(cfg.neigh.retrans_ms + cfg.neigh.gc_thresh3 + cfg.neigh.max_parked, 0);
	dps_config_free(&cfg);
	CHECK_EQ(parse_ok(NIC0 "[stack]\nneigh_retrans_ms = 500\n"
			       "neigh_gc_thresh3 = 4096\nneigh_max_parked = 256\n"
			       "neigh_ucast_probes = 5\n",
			  &cfg),
		 0);
	CHECK_EQ(cfg.neigh.retrans_ms, 500);
	CHECK_EQ(cfg.neigh.gc_thresh3, 4096);
	CHECK_EQ(cfg.neigh.max_parked, 256);
	CHECK_EQ(cfg.neigh.ucast_probes, 5);
	dps_config_free(&cfg);
	CHECK_BAD(NIC0 "[stack]\nneigh_mcast_probes = 256\n", 4,
		  "neigh_mcast_probes '256' out of range (a number 1..255)");
	CHECK_BAD(NIC0 "[stack]\nneigh_retrans_ms = 0\n", 4,
		  "neigh_retrans_ms '0' out of range (a number 1..3600000)");
	CHECK_BAD(NIC0 "[stack]\nneigh_gc_thresh1 = 8\nneigh_gc_thresh1 = 9\n", 5,
		  "duplicate key 'neigh_gc_thresh1' in [stack] (first at line 4)");
}

DPS_TEST(comments_blank_lines_and_whitespace)
{
	static const char text[] = "# leading comment\n"
				   "; another style\n"
				   "\n"
				   "   \t\n"
				   "  [ nic   lan0 ]   # trailing on a header\n"
				   "\tport=net_tap0\r\n"
				   "  address   =   10.0.0.1/24   first   # why: demo\n"
				   "    # indented comment\n"
				   "mtu = 1500 ; semicolon comment\n"
				   "[udp]\n"
				   "echo = 7\t9 ; ports\n";
	struct dps_config cfg;

	CHECK_EQ(parse_ok(text, &cfg), 0);
	CHECK(strcmp(cfg.nics[0].name, "lan0") == 0);
	CHECK(strcmp(cfg.nics[0].port, "net_tap0") == 0);
	CHECK_EQ(cfg.nics[0].port_line, 6);
	CHECK_EQ(cfg.nics[0].addrs[0].peb, DPS_CFG_PEB_FIRST);
	CHECK_EQ(cfg.nics[0].addrs[0].line, 7);
	CHECK_EQ(cfg.nics[0].mtu, 1500);
	CHECK_EQ(cfg.n_udp_echo, 2);
	dps_config_free(&cfg);
	/* Line numbers count comment and blank lines too. */
	CHECK_BAD("# c\n\n; c\n" NIC0 "\n# c\nbogus = 1\n", 8, "bogus");
}

DPS_TEST(ipv6_routes_with_colons_in_keys)
{
	static const char text[] = NIC0 "[routes]\n"
					"2001:db8::/32 = via 2001:db8:1::fe\n"
					"::/0 = dev lan0\n"
					"2001:db8:ffff::/48 = dev lan0 via fe80::2\n"
					"fd00::/8 = via fe80::3 dev lan0\n";
	struct dps_config cfg;

	CHECK_EQ(parse_ok(text, &cfg), 0);
	CHECK_EQ(cfg.n_routes, 4);
	CHECK(prefix_is(&cfg.routes[0].p, "2001:db8::", 32));
	CHECK(addr_is(&cfg.routes[0].gw, "2001:db8:1::fe"));
	CHECK_EQ(cfg.routes[0].nic, -1);
	CHECK(prefix_is(&cfg.routes[1].p, "::", 0));
	CHECK_EQ(cfg.routes[1].nic, 0);
	CHECK(!cfg.routes[1].has_gw);
	CHECK(addr_is(&cfg.routes[2].gw, "fe80::2"));
	CHECK_EQ(cfg.routes[2].nic, 0);
	CHECK_EQ(cfg.routes[3].line, 7);
	dps_config_free(&cfg);
}

DPS_TEST(default_and_default6)
{
	static const char text[] = NIC0 "[routes]\n"
					"default = via 10.0.0.254\n"
					"default6 = dev lan0\n";
	struct dps_config cfg;

	CHECK_EQ(parse_ok(text, &cfg), 0);
	CHECK_EQ(cfg.routes[0].p.addr.len, 4);
	CHECK_EQ(cfg.routes[0].p.plen, 0);
	CHECK_EQ(cfg.routes[1].p.addr.len, 16);
	CHECK_EQ(cfg.routes[1].p.plen, 0);
	CHECK_EQ(cfg.routes[1].nic, 0);
	dps_config_free(&cfg);
	/* default and 0.0.0.0/0 are the same route. */
	CHECK_BAD(NIC0 "[routes]\ndefault = dev lan0\n0.0.0.0/0 = via 10.0.0.1\n", 5,
		  "duplicate route '0.0.0.0/0' (line 4)");
	CHECK_BAD(NIC0 "[routes]\ndefault6 = via 10.0.0.1\n", 4, "10.0.0.1");
	CHECK_BAD(NIC0 "[routes]\ndefault = via 2001:db8::1\n", 4, "2001:db8::1");
}

DPS_TEST(forward_reference_to_nic)
{
	static const char text[] = "[routes]\n10.0.0.0/8 = dev wan0\n"
				   "[neighbors]\n10.0.0.9 = 02:00:00:00:00:09 wan0\n"
				   "[nic lan0]\nport = 0\n[nic wan0]\nport = 1\n";
	struct dps_config cfg;

	CHECK_EQ(parse_ok(text, &cfg), 0);
	CHECK_EQ(cfg.routes[0].nic, 1);
	CHECK_EQ(cfg.neighs[0].nic, 1);
	dps_config_free(&cfg);
}

DPS_TEST(err_unknown_section)
{
	CHECK_BAD(NIC0 "[rotues]\n", 3, "[rotues]");
	CHECK_BAD("[nic]\nport = 0\n", 1, "[nic]");
	CHECK_BAD("[stack lan0]\n", 1, "lan0");
	CHECK_BAD(NIC0 "[udp\n", 3, "[udp");
	CHECK_BAD(NIC0 "[udp] x\n", 3, "x");
	CHECK_BAD(NIC0 "[]\n", 3, "[]");
}

DPS_TEST(err_unknown_key)
{
	CHECK_BAD(NIC0 "prefix = 10.0.0.0/8\n", 3, "'prefix' in [nic lan0]");
	CHECK_BAD(NIC0 "[stack]\nfowarding = on\n", 4, "fowarding");
	CHECK_BAD(NIC0 "[udp]\ndiscard = 9\n", 4, "discard");
	CHECK_BAD("port = 0\n" NIC0, 1, "port");
}

DPS_TEST(err_missing_equals_and_value)
{
	CHECK_BAD(NIC0 "address 10.0.0.1/24\n", 3, "address 10.0.0.1/24");
	CHECK_BAD(NIC0 "mtu =\n", 3, "mtu");
	CHECK_BAD(NIC0 "= 1500\n", 3, "1500");
}

DPS_TEST(err_bad_address)
{
	CHECK_BAD(NIC0 "address = 10.0.0.300/24\n", 3, "bad address '10.0.0.300/24'");
	CHECK_BAD(NIC0 "address = 2001:db8::g/64\n", 3, "2001:db8::g/64");
	CHECK_BAD(NIC0 "address = 10.0.0.1/\n", 3, "10.0.0.1/");
	CHECK_BAD(NIC0 "address = 10.0.0.1/x\n", 3, "10.0.0.1/x");
	CHECK_BAD(NIC0 "address = /24\n", 3, "/24");
	CHECK_BAD(NIC0 "address = 224.0.0.5/24\n", 3, "224.0.0.5/24");
	CHECK_BAD(NIC0 "address = ::/64\n", 3, "::/64");
	CHECK_BAD(NIC0 "address = 10.0.0.1/24 first extra\n", 3, "extra");
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.0/24 = 02:00:00:00:00:01 lan0\n", 4, "10.0.0.0/24");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.256/24 = dev lan0\n", 4, "10.0.0.256/24");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/24 = via 10.0.0.x\n", 4, "gateway '10.0.0.x'");
}

DPS_TEST(err_prefix_length_out_of_range)
{
	CHECK_BAD(NIC0 "address = 10.0.0.1/33\n", 3, "'10.0.0.1/33' (0..32 for IPv4)");
	CHECK_BAD(NIC0 "address = 2001:db8::1/129\n", 3, "'2001:db8::1/129' (0..128 for IPv6)");
	CHECK_BAD(NIC0 "range = 10.0.0.0/99999999999999999999\n", 3, "out of range");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/40 = dev lan0\n", 4, "10.0.0.0/40");
}

DPS_TEST(err_host_bits_in_prefix)
{
	CHECK_BAD(NIC0 "range = 203.0.113.1/24\n", 3,
		  "'203.0.113.1/24' (did you mean 203.0.113.0/24?)");
	CHECK_BAD(NIC0 "[routes]\n10.1.0.0/8 = dev lan0\n", 4, "10.1.0.0/8");
	CHECK_BAD(NIC0 "[routes]\n2001:db8::1/64 = dev lan0\n", 4, "did you mean 2001:db8::/64");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.129/25 = dev lan0\n", 4, "10.0.0.128/25");
}

DPS_TEST(address_keeps_host_bits)
{
	struct dps_config cfg;

	CHECK_EQ(parse_ok(NIC0 "address = 10.0.0.1/24\naddress = 10.0.1.1\n", &cfg), 0);
	CHECK(prefix_is(&cfg.nics[0].addrs[0].p, "10.0.0.1", 24));
	/* A bare address is a host address. */
	CHECK(prefix_is(&cfg.nics[0].addrs[1].p, "10.0.1.1", 32));
	dps_config_free(&cfg);
}

DPS_TEST(err_bad_mac)
{
	CHECK_BAD(NIC0 "mac = 02:00:00:00:00\n", 3, "bad MAC '02:00:00:00:00'");
	CHECK_BAD(NIC0 "mac = 02:00:00:00:00:0g\n", 3, "02:00:00:00:00:0g");
	CHECK_BAD(NIC0 "mac = 02-00-00-00-00-01\n", 3, "02-00-00-00-00-01");
	CHECK_BAD(NIC0 "mac = 01:00:5e:00:00:01\n", 3, "01:00:5e:00:00:01");
	CHECK_BAD(NIC0 "mac = 00:00:00:00:00:00\n", 3, "00:00:00:00:00:00");
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.2 = 02:00:00:00:00:2 lan0\n", 4, "02:00:00:00:00:2");
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.2 = ff:ff:ff:ff:ff:ff lan0\n", 4, "ff:ff:ff:ff:ff:ff");
}

DPS_TEST(err_duplicate_nic)
{
	CHECK_BAD(NIC0 "[nic wan0]\nport = 1\n[nic lan0]\nport = 2\n", 5,
		  "duplicate nic 'lan0' (first at line 1)");
}

DPS_TEST(err_bad_nic_name)
{
	CHECK_BAD("[nic lan.0]\nport = 0\n", 1, "lan.0");
	CHECK_BAD("[nic a234567890123456]\nport = 0\n", 1, "a234567890123456");
	CHECK_BAD("[nic lan0 lan1]\nport = 0\n", 1, "lan1");
}

DPS_TEST(err_nic_without_port)
{
	/* Reported at the section header, whether the section ends at EOF or at the next one. */
	CHECK_BAD(NIC0 "[nic wan0]\naddress = 10.0.0.1/24\n", 3, "nic 'wan0' has no 'port ='");
	CHECK_BAD("[nic wan0]\naddress = 10.0.0.1/24\n" NIC0, 1, "wan0");
	CHECK_BAD("[udp]\necho = 7\n", 2, "no '[nic NAME]' section");
	CHECK_BAD("", 1, "no '[nic NAME]' section");
}

DPS_TEST(err_two_nics_same_port)
{
	CHECK_BAD("[nic a]\nport = net_tap0\n[nic b]\nport = net_tap0\n", 4,
		  "port 'net_tap0' already used by nic 'a' (line 2)");
	CHECK_BAD("[nic a]\nport = 1\n[nic b]\nport = 01\n", 4, "'01' already used by nic 'a'");
}

DPS_TEST(err_bad_port)
{
	CHECK_BAD("[nic a]\nport = 99999\n", 2, "bad port number '99999'");
	CHECK_BAD("[nic a]\nport = net_tap0 net_tap1\n", 2, "net_tap0 net_tap1");
	CHECK_BAD("[nic a]\nport = "
		  "a123456789012345678901234567890123456789012345678901234567890123\n",
		  2, "too long");
}

DPS_TEST(err_route_to_unknown_nic)
{
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = dev lan1\n", 4, "route to unknown nic 'lan1'");
	/* Deferred references are reported in file order. */
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = dev lan0\n11.0.0.0/8 = dev x1\n"
		       "12.0.0.0/8 = dev x2\n",
		  5, "'x1'");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = dev a234567890123456\n", 4, "a234567890123456");
}

DPS_TEST(err_neighbor_on_unknown_nic)
{
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.2 = 02:00:00:00:00:02 lan9\n", 4,
		  "neighbor on unknown nic 'lan9'");
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.2 = 02:00:00:00:00:02\n", 4, "MAC NIC");
	CHECK_BAD(NIC0 "[neighbors]\n224.0.0.1 = 02:00:00:00:00:02 lan0\n", 4, "224.0.0.1");
}

DPS_TEST(err_bad_onoff)
{
	CHECK_BAD(NIC0 "promiscuous = yes\n", 3, "'yes' for 'promiscuous'");
	CHECK_BAD(NIC0 "spoofing = 1\n", 3, "spoofing");
	CHECK_BAD(NIC0 "forwarding = of\n", 3, "'of'");
	CHECK_BAD(NIC0 "[stack]\nforwarding = enabled\n", 4, "enabled");
}

DPS_TEST(err_bad_udp_port)
{
	CHECK_BAD(NIC0 "[udp]\necho = 0\n", 4, "bad port number '0'");
	CHECK_BAD(NIC0 "[udp]\necho = 7 65536\n", 4, "'65536'");
	CHECK_BAD(NIC0 "[udp]\necho = 7 echo\n", 4, "'echo'");
	CHECK_BAD(NIC0 "[udp]\necho = -7\n", 4, "'-7'");
	CHECK_BAD(NIC0 "[udp]\necho = 7\necho = 8 7\n", 5, "duplicate UDP echo port 7 (line 4)");
}

DPS_TEST(err_mtu_out_of_range)
{
	CHECK_BAD(NIC0 "mtu = 67\n", 3, "mtu '67' out of range");
	CHECK_BAD(NIC0 "mtu = 9001\n", 3, "'9001'");
	CHECK_BAD(NIC0 "mtu = 99999999999999999999999\n", 3, "out of range");
	CHECK_BAD(NIC0 "mtu = 1500b\n", 3, "bad mtu '1500b'");
	/* IPv6 needs 1280; the error points at the mtu line, wherever the address is. */
	CHECK_BAD(NIC0 "mtu = 1000\naddress = 2001:db8::1/64\n", 3, "mtu 1000");
	CHECK_BAD(NIC0 "range = 2001:db8::/64\nmtu = 576\n[udp]\n", 4, "mtu 576");
}

DPS_TEST(err_duplicate_keys_and_items)
{
	CHECK_BAD(NIC0 "mtu = 1500\nmtu = 1400\n", 4,
		  "duplicate key 'mtu' in [nic lan0] (first at line 3)");
	CHECK_BAD(NIC0 "port = 1\n", 3, "duplicate key 'port'");
	CHECK_BAD(NIC0 "[stack]\nforwarding = on\n[stack]\nforwarding = off\n", 6,
		  "first at line 4");
	CHECK_BAD(NIC0 "address = 10.0.0.1/24\naddress = 10.0.0.1/8\n", 4,
		  "duplicate address '10.0.0.1/8' on nic 'lan0' (line 3)");
	CHECK_BAD(NIC0 "range = 10.0.0.0/24\nrange = 10.0.0.0/24\n", 4, "duplicate range");
	CHECK_BAD(NIC0 "[neighbors]\n10.0.0.2 = 02:00:00:00:00:02 lan0\n"
		       "10.0.0.2 = 02:00:00:00:00:03 lan0\n",
		  5, "duplicate neighbor '10.0.0.2'");
}

DPS_TEST(err_primary_behaviour)
{
	CHECK_BAD(NIC0 "address = 10.0.0.1/24 primary\n", 3, "'primary'");
}

DPS_TEST(err_route_syntax)
{
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = through 10.0.0.1\n", 4, "'through'");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = via\n", 4, "'via' needs a gateway");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = via 10.0.0.1 via 10.0.0.2\n", 4, "two gateways");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = dev lan0 dev lan0\n", 4, "two nics");
	CHECK_BAD(NIC0 "[routes]\n2001:db8::/32 = via 10.0.0.1\n", 4,
		  "gateway '10.0.0.1' is IPv4 but route '2001:db8::/32' is IPv6");
	CHECK_BAD(NIC0 "[routes]\n10.0.0.0/8 = via 0.0.0.0\n", 4, "'0.0.0.0' is not a unicast");
	CHECK_BAD(NIC0 "[routes]\n2001:db8::/32 = via fe80::1\n", 4,
		  "link-local gateway 'fe80::1'");
}

DPS_TEST(err_too_many_nics)
{
	struct sbuf b = {0};

	for (int i = 0; i <= DPS_CFG_MAX_NICS; i++)
		sb_add(&b, "[nic n%d]\nport = net_null%d\n", i, i);
	CHECK_EQ(parse_bad(b.s), -EINVAL);
	free(b.s);
	CHECK(err_is(2 * DPS_CFG_MAX_NICS + 1, "too many nics: 'n32'"));
}

DPS_TEST(err_too_many_addresses_and_ranges)
{
	struct sbuf b = {0};
	struct dps_config cfg;
	int rc;

	sb_add(&b, NIC0);
	for (int i = 0; i < DPS_CFG_MAX_ADDRS; i++)
		sb_add(&b, "address = 10.%d.%d.1/24\n", i / 256, i % 256);
	CHECK_EQ(parse_ok(b.s, &cfg), 0);
	CHECK_EQ(cfg.nics[0].n_addrs, DPS_CFG_MAX_ADDRS);
	CHECK(prefix_is(&cfg.nics[0].addrs[255].p, "10.0.255.1", 24));
	dps_config_free(&cfg);
	sb_add(&b, "address = 10.9.9.9/24\n");
	rc = parse_bad(b.s);
	CHECK_EQ(rc, -EINVAL);
	CHECK(err_is(DPS_CFG_MAX_ADDRS + 3, "too many addresses on nic 'lan0'"));

	b.len = 0;
	sb_add(&b, NIC0);
	for (int i = 0; i <= DPS_CFG_MAX_RANGES; i++)
		sb_add(&b, "range = 10.%d.0.0/16\n", i);
	rc = parse_bad(b.s);
	free(b.s);
	CHECK_EQ(rc, -EINVAL);
	CHECK(err_is(DPS_CFG_MAX_RANGES + 3, "too many ranges"));
}

DPS_TEST(err_too_many_routes_neighbors_udp)
{
	struct sbuf b = {0};
	struct dps_config cfg;
	int rc;

	sb_add(&b, NIC0 "[routes]\n");
	for (int i = 0; i < DPS_CFG_MAX_ROUTES; i++)
		sb_add(&b, "10.%d.%d.0/24 = via 192.0.2.1\n", i / 256, i % 256);
	CHECK_EQ(parse_ok(b.s, &cfg), 0);
	CHECK_EQ(cfg.n_routes, DPS_CFG_MAX_ROUTES);
	CHECK_EQ(cfg.routes[DPS_CFG_MAX_ROUTES - 1].line, DPS_CFG_MAX_ROUTES + 3);
	dps_config_free(&cfg);
	sb_add(&b, "11.0.0.0/8 = via 192.0.2.1\n");
	rc = parse_bad(b.s);
	CHECK_EQ(rc, -EINVAL);
	CHECK(err_is(DPS_CFG_MAX_ROUTES + 4, "too many routes: '11.0.0.0/8'"));

	b.len = 0;
	sb_add(&b, NIC0 "[neighbors]\n");
	for (int i = 0; i <= DPS_CFG_MAX_NEIGHS; i++)
		sb_add(&b, "10.%d.%d.1 = 02:00:00:00:%02x:%02x lan0\n", i / 256, i % 256, i / 256,
		       i % 256);
	rc = parse_bad(b.s);
	CHECK_EQ(rc, -EINVAL);
	CHECK(err_is(DPS_CFG_MAX_NEIGHS + 4, "too many neighbors"));

	b.len = 0;
	sb_add(&b, NIC0 "[udp]\necho =");
	for (int i = 1; i <= DPS_CFG_MAX_UDP_ECHO + 1; i++)
		sb_add(&b, " %d", i);
	rc = parse_bad(b.s);
	free(b.s);
	CHECK_EQ(rc, -EINVAL);
	CHECK(err_is(4, "too many UDP echo ports"));
}

DPS_TEST(parse_helpers)
{
	struct dps_prefix p;
	struct dps_addr a;
	uint8_t mac[6];
	bool v = false;

	CHECK_EQ(dps_parse_addr("192.0.2.1", &a), 0);
	CHECK_EQ(a.len, 4);
	CHECK_EQ(a.b[0], 192);
	CHECK_EQ(a.b[4], 0);
	CHECK_EQ(dps_parse_addr("::1", &a), 0);
	CHECK_EQ(a.len, 16);
	CHECK_EQ(a.b[15], 1);
	CHECK_EQ(dps_parse_addr("1.2.3", &a), -EINVAL);
	CHECK_EQ(dps_parse_addr("", &a), -EINVAL);
	CHECK_EQ(dps_parse_addr("fe80::1%eth0", &a), -EINVAL);

	CHECK_EQ(dps_parse_prefix("10.0.0.1/24", &p, true), 0);
	CHECK_EQ(p.plen, 24);
	CHECK_EQ(dps_parse_prefix("10.0.0.1/24", &p, false), -EDOM);
	CHECK_EQ(dps_parse_prefix("10.0.0.0/24", &p, false), 0);
	CHECK_EQ(dps_parse_prefix("10.0.0.1", &p, false), 0);
	CHECK_EQ(p.plen, 32);
	CHECK_EQ(dps_parse_prefix("2001:db8::", &p, false), 0);
	CHECK_EQ(p.plen, 128);
	CHECK_EQ(dps_parse_prefix("0.0.0.0/0", &p, false), 0);
	CHECK_EQ(dps_parse_prefix("10.0.0.0/33", &p, true), -ERANGE);
	CHECK_EQ(dps_parse_prefix("::/129", &p, true), -ERANGE);
	CHECK_EQ(dps_parse_prefix("::/128", &p, false), 0);
	CHECK_EQ(dps_parse_prefix("10.0.0.0/+8", &p, true), -EINVAL);
	CHECK_EQ(dps_parse_prefix("10.0.0.0/8/8", &p, true), -EINVAL);
	CHECK_EQ(dps_parse_prefix("10.0.0.0 /8", &p, true), -EINVAL);
	CHECK_EQ(dps_parse_prefix("128.0.0.0/1", &p, false), 0);
	CHECK_EQ(dps_parse_prefix("192.0.0.0/1", &p, false), -EDOM);

	CHECK_EQ(dps_parse_mac("0a:1B:2c:3D:4e:5F", mac), 0);
	CHECK_EQ(mac[0], 0x0a);
	CHECK_EQ(mac[5], 0x5f);
	CHECK_EQ(dps_parse_mac("0a:1B:2c:3D:4e:5F:", mac), -EINVAL);
	CHECK_EQ(dps_parse_mac("0a:1B:2c:3D:4e", mac), -EINVAL);
	CHECK_EQ(dps_parse_mac("0a:1B:2c:3D:4e:+F", mac), -EINVAL);

	CHECK_EQ(dps_parse_onoff("ON", &v), 0);
	CHECK(v);
	CHECK_EQ(dps_parse_onoff("off", &v), 0);
	CHECK(!v);
	CHECK_EQ(dps_parse_onoff("true", &v), -EINVAL);
	CHECK_EQ(dps_parse_onoff("", &v), -EINVAL);
}

static bool
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

DPS_TEST(load_file)
{
	char path[64], nul_path[64];
	struct dps_config cfg;
	int rc;

	snprintf(path, sizeof(path), "/tmp/dps_test_config_%d.conf", (int)getpid());
	CHECK(write_file(path, full_file, sizeof(full_file) - 1));
	rc = dps_config_load(path, &cfg, errbuf, sizeof(errbuf));
	CHECK_EQ(rc, 0);
	CHECK(strcmp(cfg.path, path) == 0);
	CHECK_EQ(cfg.n_nics, 2);
	CHECK_EQ(cfg.n_routes, 4);
	dps_config_free(&cfg);

	/* Content errors name the file as given. */
	CHECK(write_file(path, NIC0 "mtu = 10\n", strlen(NIC0) + 9));
	rc = dps_config_load(path, &cfg, errbuf, sizeof(errbuf));
	unlink(path);
	CHECK_EQ(rc, -EINVAL);
	CHECK(strncmp(errbuf, path, strlen(path)) == 0);
	CHECK(strncmp(errbuf + strlen(path), ":3: ", 4) == 0);

	rc = dps_config_load(path, &cfg, errbuf, sizeof(errbuf));
	CHECK_EQ(rc, -ENOENT);
	CHECK(strncmp(errbuf, path, strlen(path)) == 0);
	CHECK(strstr(errbuf, "No such file") != NULL);
	CHECK_EQ(dps_config_load("/tmp", &cfg, errbuf, sizeof(errbuf)), -EISDIR);

	/* A binary file fails on its line, not silently at the NUL. */
	snprintf(nul_path, sizeof(nul_path), "/tmp/dps_test_config_nul_%d.conf", (int)getpid());
	CHECK(write_file(nul_path, NIC0 "mtu\0 = 1\n", strlen(NIC0) + 9));
	rc = dps_config_load(nul_path, &cfg, errbuf, sizeof(errbuf));
	unlink(nul_path);
	CHECK_EQ(rc, -EINVAL);
	CHECK(strstr(errbuf, ":3: NUL byte") != NULL);
	/* err may be NULL. */
	CHECK_EQ(dps_config_parse_string(NAME, "[x]\n", &cfg, NULL, 0), -EINVAL);
}

/*
 * The shipped samples must stay valid. They are found next to this source file: __FILE__ is
 * relative to the directory the compiler ran in, which is where meson and the standalone
 * command also run the test; conf/ under the current directory is the fallback.
 */
static int
load_sample(const char *name, struct dps_config *cfg)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash != NULL ? (int)(slash - __FILE__) : 1;
	int rc;

	snprintf(path, sizeof(path), "%.*s/../../conf/%s", dirlen, slash != NULL ? __FILE__ : ".",
		 name);
	rc = dps_config_load(path, cfg, errbuf, sizeof(errbuf));
	if (rc == -ENOENT) {
		snprintf(path, sizeof(path), "conf/%s", name);
		rc = dps_config_load(path, cfg, errbuf, sizeof(errbuf));
	}
	if (rc != 0)
		printf("  %s\n", errbuf);
	return rc;
}

DPS_TEST(sample_configs_are_valid)
{
	struct dps_config cfg;

	CHECK_EQ(load_sample("default.conf", &cfg), 0);
	CHECK(cfg.forwarding);
	CHECK_EQ(cfg.n_nics, 2);
	CHECK(strcmp(cfg.nics[0].port, "net_tap0") == 0);
	CHECK(strcmp(cfg.nics[1].port, "net_tap1") == 0);
	CHECK_EQ(cfg.nics[0].n_addrs, 2);
	CHECK(prefix_is(&cfg.nics[0].addrs[0].p, "192.0.2.1", 24));
	CHECK(prefix_is(&cfg.nics[0].addrs[1].p, "2001:db8:1::1", 64));
	CHECK(prefix_is(&cfg.nics[1].addrs[0].p, "198.51.100.1", 24));
	CHECK(prefix_is(&cfg.nics[1].addrs[1].p, "2001:db8:2::1", 64));
	CHECK_EQ(cfg.nics[0].n_ranges, 1);
	CHECK(prefix_is(&cfg.nics[0].ranges[0], "203.0.113.0", 24));
	CHECK_EQ(cfg.n_udp_echo, 1);
	CHECK_EQ(cfg.udp_echo[0], 7);
	dps_config_free(&cfg);

	CHECK_EQ(load_sample("host.conf", &cfg), 0);
	CHECK_EQ(cfg.n_nics, 1);
	CHECK(!cfg.forwarding);
	dps_config_free(&cfg);

	CHECK_EQ(load_sample("router.conf", &cfg), 0);
	CHECK(cfg.forwarding);
	CHECK(cfg.n_nics >= 2);
	CHECK(cfg.n_routes > 0);
	CHECK(cfg.n_neighs > 0);
	dps_config_free(&cfg);
}

static const char resolve_ok[] = "[nic a]\nport = net_null1\n[nic b]\nport = 0\n";

DPS_TEST(resolve_ports_by_name_and_id)
{
	struct dps_config cfg;
	int rc;

	CHECK_EQ(parse_ok(resolve_ok, &cfg), 0);
	rc = dps_config_resolve_ports(&cfg, errbuf, sizeof(errbuf));
	if (rc != 0)
		printf("  %s\n", errbuf);
	CHECK_EQ(rc, 0);
	CHECK_EQ(cfg.nics[0].port_id, 1);
	CHECK_EQ(cfg.nics[1].port_id, 0);
	dps_config_free(&cfg);
}

DPS_TEST(resolve_ports_unknown)
{
	CHECK_RESOLVE_BAD("[nic a]\nport = 0\n[nic b]\n\nport = net_tap7\n", -ENODEV, 5,
			  "'net_tap7'");
	CHECK_RESOLVE_BAD("[nic a]\n# c\nport = 7\n", -ENODEV, 3, "no port with id 7");
}

DPS_TEST(resolve_ports_duplicate)
{
	/* Different strings, one port: only resolution can see it. */
	CHECK_RESOLVE_BAD("[nic a]\nport = net_null0\n[nic b]\nport = 0\n", -EEXIST, 4,
			  "port '0' is port 0, already used by nic 'a' (line 2)");
}

/* 802.1Q: `vlan =` NICs share their port with its own NIC and come last in nics[]. */
DPS_TEST(vlan_nics_parse_and_move_after_the_ports)
{
	static const char text[] = "[nic v7]\nport = net_null0\nvlan = 7\naddress = 10.7.0.1/24\n"
				   "[nic lan0]\nport = net_null0\n"
				   "[nic v8]\nport = 0\nvlan = 8\n"
				   "[nic wan0]\nport = net_null1\n"
				   "[routes]\n10.9.0.0/16 = dev v8\n10.10.0.0/16 = dev wan0\n"
				   "[neighbors]\n10.7.0.9 = 02:00:00:00:00:09 v7\n";
	struct dps_config cfg;

	CHECK_EQ(parse_ok(text, &cfg), 0);
	CHECK_EQ(cfg.n_nics, 4);
	CHECK_EQ(cfg.n_vlans, 2);
	CHECK(strcmp(cfg.nics[0].name, "lan0") == 0 && cfg.nics[0].vlan == 0);
	CHECK(strcmp(cfg.nics[1].name, "wan0") == 0);
	CHECK(strcmp(cfg.nics[2].name, "v7") == 0 && cfg.nics[2].vlan == 7);
	CHECK(strcmp(cfg.nics[3].name, "v8") == 0 && cfg.nics[3].vlan == 8);
	CHECK_EQ(cfg.nics[2].n_addrs, 1);
	CHECK_EQ(cfg.routes[0].nic, 3);
	CHECK_EQ(cfg.routes[1].nic, 1);
	CHECK_EQ(cfg.neighs[0].nic, 2);
	/* Port names resolve; each VLAN finds its port's own NIC, by id or by name. */
	CHECK_EQ(dps_config_resolve_ports(&cfg, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(cfg.nics[2].parent, 0);
	CHECK_EQ(cfg.nics[3].parent, 0);
	CHECK_EQ(cfg.nics[0].parent, -1);
	dps_config_free(&cfg);
}

DPS_TEST(err_vlan)
{
	CHECK_BAD("[nic a]\nport = 0\nvlan = 0\n", 3, "vlan '0' out of range (a VLAN id 1..4094)");
	CHECK_BAD("[nic a]\nport = 0\nvlan = 4095\n", 3, "vlan '4095' out of range");
	CHECK_BAD("[nic a]\nport = 0\nvlan = x\n", 3, "vlan 'x'");
	CHECK_BAD("[nic a]\nport = 0\n[nic b]\nport = 0\nvlan = 5\n[nic c]\nvlan = 5\n"
		  "port = 0\n",
		  8, "port '0' vlan 5 already used by nic 'b' (line 4)");
	CHECK_BAD("[nic a]\nport = 0\n[nic b]\nport = 0\nvlan = 5\nmac = 02:00:00:00:00:01\n", 6,
		  "nic 'b' is a VLAN: it has its port's MAC");
}

DPS_TEST(resolve_vlan_without_its_port_nic)
{
	CHECK_RESOLVE_BAD("[nic a]\nport = net_null0\n[nic b]\nport = 1\nvlan = 9\n", -ENOENT, 4,
			  "nic 'b' is vlan 9 of port '1', which has no nic of its own");
}

/* An mbuf chain of `segs` segments of `seg_len` bytes (byte i of the packet is i & 0xff). */
static struct rte_mbuf *
chain(struct rte_mempool *mp, unsigned int segs, uint16_t seg_len)
{
	struct rte_mbuf *head = NULL;
	unsigned int off = 0;

	for (unsigned int i = 0; i < segs; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, seg_len);

		for (uint16_t j = 0; j < seg_len; j++)
			d[j] = (uint8_t)(off++ & 0xff);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			return NULL;
	}
	return head;
}

/* Issue 10: chains are not handed to a port without MULTI_SEGS: linearized, or dropped. */
DPS_TEST(tx_chains_linearized_or_dropped_on_ports_without_multi_segs)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("txlin", 255, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mbuf *pkts[4], *fits, *big;
	uint64_t dropped = 0;
	uint16_t k;

	CHECK(mp != NULL);
	pkts[0] = chain(mp, 1, 100);
	pkts[1] = big = chain(mp, 4, 1500);	/* 6000 bytes: no single mbuf holds it */
	pkts[2] = fits = chain(mp, 3, 400);	/* 1200 bytes: fits the first segment */
	pkts[3] = chain(mp, 1, 60);
	CHECK(pkts[0] && big && fits && pkts[3]);
	k = dps_port_tx_linear(pkts, 4, &dropped);
	CHECK_EQ(k, 3);
	CHECK_EQ(dropped, 1);
	/* Order kept; the one that cannot be sent is last, for the caller to free. */
	CHECK(pkts[1] == fits && pkts[3] == big);
	CHECK_EQ(fits->nb_segs, 1);
	CHECK_EQ(fits->pkt_len, 1200);
	CHECK_EQ(fits->data_len, 1200);
	for (unsigned int i = 0; i < 1200; i++)
		CHECK_EQ(rte_pktmbuf_mtod(fits, uint8_t *)[i], i & 0xff);
	for (unsigned int i = 0; i < 4; i++)
		rte_pktmbuf_free(pkts[i]);
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
}

/*
 * dpdk-dumpcap files read back in the year 2305: DPDK 22.11's pcapng clock is set at the
 * first copy, after pdump read that copy's timestamp. Once dpstack has set it, a copy made
 * the way pdump makes it carries the wall time.
 */
DPS_TEST(pcapng_clock_set_before_the_first_capture)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("pcapclk", 63, 0, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mbuf *m, *c;
	uint64_t ns, ts;
	uint32_t w[5];
	struct timespec now;

	CHECK(mp != NULL);
	CHECK_EQ(dps_port_pcapng_clock_init(mp, 0), 0);
	m = rte_pktmbuf_alloc(mp);
	CHECK(m != NULL && rte_pktmbuf_append(m, 60) != NULL);
	ts = rte_get_tsc_cycles(); /* as pdump_copy does: read, then copy */
	c = rte_pcapng_copy(0, 0, m, mp, 60, ts, RTE_PCAPNG_DIRECTION_IN);
	CHECK(c != NULL);
	/* Enhanced Packet Block: type, length, interface, timestamp high, low (ns). */
	memcpy(w, rte_pktmbuf_mtod(c, void *), sizeof(w));
	ns = (uint64_t)w[3] << 32 | w[4];
	clock_gettime(CLOCK_REALTIME, &now);
	printf("  capture at %" PRIu64 " s, now %ld s\n", ns / 1000000000, (long)now.tv_sec);
	CHECK(ns / 1000000000 + 5 >= (uint64_t)now.tv_sec);
	CHECK(ns / 1000000000 <= (uint64_t)now.tv_sec + 5);
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);
	CHECK_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
}

int
main(int argc, char **argv)
{
	static const char *const vdevs[] = {"--vdev=net_null0", "--vdev=net_null1", NULL};

	return dps_test_main(argc, argv, true, vdevs);
}
