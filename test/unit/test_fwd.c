/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forwarding path (lib/proto/fwd.c) and the corners around it, no root needed: frames go
 * in on lan0 through dps_eth_input_burst and are read back from both links.
 *
 *   lan0  id 0  02:00:00:00:00:01  10.0.0.1/24  2001:db8::1/64    MTU 1500  sender 10.0.0.2
 *   lan1  id 1  02:00:00:00:00:11  10.1.0.1/24  2001:db8:1::1/64  MTU 1400  gateway .2 / ::2
 *   routes: 192.0.2.0/24 via 10.1.0.2, 2001:db8:99::/48 via 2001:db8:1::2 (and connected)
 *
 * Expected values come from the RFCs: RFC 1812 5.3.1 (TTL), 4.3.2.3 (quote up to 576 bytes),
 * 4.3.2.4 (error source: an address of the interface it leaves by), 5.2.7.1 / RFC 1191 (frag
 * needed with the next-hop MTU in the low 16 bits of the second word), 5.3.7 (martians); RFC
 * 8200 3 (hop limit), RFC 4443 3.2 (Packet Too Big: the MTU as 32 bits, quote up to 1280
 * bytes in all), 3.3, 2.2 (source), RFC 4291 2.5 (IPv6 martians), RFC 3927 7 (169.254/16).
 */
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "dps_neigh.h"
#include "dps_route.h"
#include "dps_udp.h"
#include "test_proto_fixture.h"

static const struct rte_ether_addr MAC_LAN1 = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x11}};
static const struct rte_ether_addr MAC_GW = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x12}};
#define MTU1 1400
static struct dps_nic *N1;

/* Every mbuf came back (the fixture's cleanup runs even when a CHECK failed). */
#define SETUP() CHECK_EQ(fwd_setup(), 0)
#define TEARDOWN()                                                                                 \
	do {                                                                                       \
		fx_teardown();                                                                     \
		N1 = NULL;                                                                         \
	} while (0)

static int
fwd_setup(void)
{
	struct dps_nic_conf nc = {.name = "lan1", .id = 1, .port_id = 1, .mac = MAC_LAN1,
				  .mtu = MTU1, .xmit = cap_xmit, .xmit_priv = (void *)(uintptr_t)1};
	struct dps_prefix p4 = P("10.1.0.1/24"), p6 = P("2001:db8:1::1/64");
	struct dps_prefix r4 = P("192.0.2.0/24"), r6 = P("2001:db8:99::/48");
	struct dps_nexthop nh4 = {.nic_id = 1, .has_gw = true, .gw = A("10.1.0.2")};
	struct dps_nexthop nh6 = {.nic_id = 1, .has_gw = true, .gw = A("2001:db8:1::2")};
	struct dps_addr g4 = A("10.1.0.2"), g6 = A("2001:db8:1::2");
	int rc;

	if ((rc = fx_setup()) < 0)
		return rc;
	if ((rc = dps_nic_create(S, &nc, &N1)) < 0 || (rc = dps_nic_enable(N1)) < 0)
		return rc;
	if ((rc = dps_nic_add_address(N1, RTE_ETHER_TYPE_IPV4, &p4, DPS_PEB_CAN_BE_PRIMARY)) < 0 ||
	    (rc = dps_nic_add_address(N1, RTE_ETHER_TYPE_IPV6, &p6, DPS_PEB_CAN_BE_PRIMARY)) < 0)
		return rc;
	/* Route changes wait for every online reader to pass a quiescent state: not ours. */
	dps_ctx_offline(C);
	if ((rc = dps_route_add_connected(S, 0, &(struct dps_prefix){P("10.0.0.1/24").addr, 24})) <
		    0 ||
	    (rc = dps_route_add_connected(S, 0, &(struct dps_prefix){P("2001:db8::1/64").addr,
								      64})) < 0 ||
	    (rc = dps_route_add_connected(S, 1, &p4)) < 0 ||
	    (rc = dps_route_add_connected(S, 1, &p6)) < 0)
		return rc;
	if ((rc = dps_route_add(S, &r4, &nh4, 1, false)) < 0 ||
	    (rc = dps_route_add(S, &r6, &nh6, 1, false)) < 0)
		return rc;
	if ((rc = dps_neigh_add_static(S, 1, &g4, &MAC_GW)) < 0 ||
	    (rc = dps_neigh_add_static(S, 1, &g6, &MAC_GW)) < 0)
		return rc;
	dps_ctx_online(C);
	dps_stack_set_forwarding(S, true);
	dps_nic_set_forwarding(N, true);
	dps_nic_set_forwarding(N1, true);
	return 0;
}

/* A UDP datagram from 10.0.0.2 to dst: ip_len bytes of IP in all, TTL ttl, DF if asked. */
static uint32_t
udp4(uint8_t *f, const char *src, const char *dst, uint8_t ttl, uint16_t ip_len, bool df)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	struct rte_udp_hdr *u;
	uint16_t plen = (uint16_t)(ip_len - 28);

	n += put_ip4(ip, src, dst, IPPROTO_UDP, (uint16_t)(8 + plen));
	h->time_to_live = ttl;
	if (df)
		h->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i * 13 + 5);
	l4_fix4(ip, 6);
	return n + 8 + plen;
}

/* The same over IPv6 from 2001:db8::2: ip_len bytes in all (40 of header). */
static uint32_t
udp6(uint8_t *f, const char *src, const char *dst, uint8_t hlim, uint16_t ip_len)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;
	uint16_t plen = (uint16_t)(ip_len - 48);

	n += put_ip6(ip, src, dst, IPPROTO_UDP, (uint16_t)(8 + plen), hlim);
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i * 7 + 1);
	l6_fix(ip, 6);
	return n + 8 + plen;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A forwarded IPv4 frame: left on lan1 to the gateway's MAC from lan1's, TTL one less, a
 * header checksum that verifies, every other byte as sent.
 */
static bool
forwarded4(const struct cap *c, const uint8_t *f, uint32_t n)
{
	const uint8_t *ip = c->b + 14;

	if (c->nic != 1 || c->len != n || !MEMEQ(c->b, MAC_GW.addr_bytes, 6) ||
	    !MEMEQ(c->b + 6, MAC_LAN1.addr_bytes, 6) || be16(c->b + 12) != RTE_ETHER_TYPE_IPV4) {
		printf("  not forwarded as expected: nic %u len %u (want %u)\n", c->nic, c->len, n);
		return false;
	}
	if (ip[8] != f[14 + 8] - 1 || !ip4_cksum_ok(ip)) {
		printf("  TTL %u (sent %u), checksum %s\n", ip[8], f[22],
		       ip4_cksum_ok(ip) ? "ok" : "bad");
		return false;
	}
	return MEMEQ(ip, f + 14, 8) && ip[9] == f[14 + 9] && MEMEQ(ip + 12, f + 26, n - 26);
}

static bool
forwarded6(const struct cap *c, const uint8_t *f, uint32_t n)
{
	const uint8_t *ip = c->b + 14;

	if (c->nic != 1 || c->len != n || !MEMEQ(c->b, MAC_GW.addr_bytes, 6) ||
	    !MEMEQ(c->b + 6, MAC_LAN1.addr_bytes, 6) || be16(c->b + 12) != RTE_ETHER_TYPE_IPV6)
		return false;
	return ip[7] == f[14 + 7] - 1 && MEMEQ(ip, f + 14, 7) && MEMEQ(ip + 8, f + 22, n - 22);
}

/*
 * An ICMPv4 error back to the sender on lan0: type, code, the second word (rest), the source
 * (lan0's address, RFC 1812 4.3.2.4), the quote (the datagram as received, cut so that the
 * error is at most 576 bytes), both checksums.
 */
static bool
icmp4_err(const struct cap *c, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *orig,
	  uint32_t olen)
{
	const uint8_t *ip = c->b + 14;
	uint32_t q = RTE_MIN(olen, 576u - 28u);

	if (c->nic != 0 || c->len != 14 + 28 + q || !MEMEQ(c->b, MAC_PEER.addr_bytes, 6) ||
	    be16(c->b + 12) != RTE_ETHER_TYPE_IPV4) {
		printf("  ICMP error: nic %u len %u, want 0 and %u\n", c->nic, c->len, 14 + 28 + q);
		return false;
	}
	if (!ip4_cksum_ok(ip) || ip[9] != IPPROTO_ICMP || be16(ip + 2) != 28 + q ||
	    !MEMEQ(ip + 12, A("10.0.0.1").b, 4) || !MEMEQ(ip + 16, A("10.0.0.2").b, 4)) {
		printf("  ICMP error: bad IP header\n");
		return false;
	}
	if (ip[20] != type || ip[21] != code || be32(ip + 24) != rest ||
	    rte_raw_cksum(ip + 20, 8 + q) != 0xffff) {
		printf("  ICMP error: type %u code %u rest %#x, want %u %u %#x\n", ip[20], ip[21],
		       be32(ip + 24), type, code, rest);
		return false;
	}
	return MEMEQ(ip + 28, orig, q);
}

/* ICMPv6 error to 2001:db8::2 from lan0's 2001:db8::1; the whole packet at most 1280 bytes. */
static bool
icmp6_err(const struct cap *c, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *orig,
	  uint32_t olen)
{
	const uint8_t *ip = c->b + 14;
	uint32_t q = RTE_MIN(olen, 1280u - 48u);

	if (c->nic != 0 || c->len != 14 + 48 + q || !MEMEQ(c->b, MAC_PEER.addr_bytes, 6) ||
	    be16(c->b + 12) != RTE_ETHER_TYPE_IPV6) {
		printf("  ICMPv6 error: nic %u len %u, want 0 and %u\n", c->nic, c->len,
		       14 + 48 + q);
		return false;
	}
	if (ip[6] != IPPROTO_ICMPV6 || be16(ip + 4) != 8 + q ||
	    !MEMEQ(ip + 8, A("2001:db8::1").b, 16) || !MEMEQ(ip + 24, A("2001:db8::2").b, 16) ||
	    !l6_ok(ip)) {
		printf("  ICMPv6 error: bad IPv6 header or checksum\n");
		return false;
	}
	if (ip[40] != type || ip[41] != code || be32(ip + 44) != rest) {
		printf("  ICMPv6 error: type %u code %u rest %#x, want %u %u %#x\n", ip[40], ip[41],
		       be32(ip + 44), type, code, rest);
		return false;
	}
	return MEMEQ(ip + 48, orig, q);
}

/* ---- TTL and hop limit ---- */

DPS_TEST(ttl2_forwarded_with_ttl1_and_a_correct_checksum)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	/* Every TTL and a spread of header words: the incremental update must match a full sum. */
	for (unsigned int ttl = 2; ttl <= 255; ttl++) {
		ncap = 0;
		n = udp4(f, "10.0.0.2", "192.0.2.5", (uint8_t)ttl, (uint16_t)(28 + ttl % 64), false);
		f[14 + 4] = (uint8_t)(ttl * 37); /* identification: varies the checksum */
		f[14 + 10] = f[14 + 11] = 0;
		((struct rte_ipv4_hdr *)(f + 14))->hdr_checksum =
			rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
		rx(f, n, 0);
		CHECK_EQ(ncap, 1);
		CHECK(forwarded4(&caps[0], f, n));
		CHECK_EQ(caps[0].b[14 + 8], ttl - 1);
	}
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 254);
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 0);
	TEARDOWN();
}

DPS_TEST(ttl1_and_ttl0_answered_time_exceeded)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	for (uint8_t ttl = 0; ttl <= 1; ttl++) {
		ncap = 0;
		n = udp4(f, "10.0.0.2", "192.0.2.5", ttl, 100, false);
		rx(f, n, 0);
		CHECK_EQ(ncap, 1);
		/* RFC 792: time exceeded (11), TTL exceeded in transit (0); the rest is zero. */
		CHECK(icmp4_err(&caps[0], 11, 0, 0, f + 14, n - 14));
	}
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 2);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 2);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 2);
	/* The quote of a large datagram stops at 576 bytes in all (RFC 1812 4.3.2.3). */
	ncap = 0;
	n = udp4(f, "10.0.0.2", "192.0.2.5", 1, 1000, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 576);
	CHECK(icmp4_err(&caps[0], 11, 0, 0, f + 14, n - 14));
	TEARDOWN();
}

DPS_TEST(hop_limit2_forwarded_hop_limit1_answered)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 2, 200);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(forwarded6(&caps[0], f, n));
	CHECK_EQ(caps[0].b[14 + 7], 1);
	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 1, 200);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* RFC 4443 3.3: time exceeded (3), hop limit exceeded in transit (0). */
	CHECK(icmp6_err(&caps[1], 3, 0, 0, f + 14, n - 14));
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 1);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ERRORS_SENT), 1);
	TEARDOWN();
}

/* ---- MTU ---- */

DPS_TEST(ipv4_exactly_the_mtu_forwarded_one_more_answered_with_the_mtu)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, MTU1, true);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(forwarded4(&caps[0], f, n));
	/* DF and one byte too many: frag needed (3/4), next-hop MTU in bytes 6-7 (RFC 1191). */
	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, MTU1 + 1, true);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK(icmp4_err(&caps[1], 3, 4, MTU1, f + 14, n - 14));
	CHECK_EQ(cnt(DPS_CNT_FWD_TOO_BIG), 1);
	/*
	 * No DF: RFC 791 3.2 / RFC 1812 4.2.2.7: two fragments, 1376 data bytes (the largest
	 * multiple of 8 that fits 1400 with the header) with MF, then the last 5 at 1376/8.
	 */
	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, MTU1 + 1, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 4);
	for (unsigned int k = 2; k < 4; k++) {
		const uint8_t *ip = caps[k].b + 14;
		uint16_t dlen = k == 2 ? 1376 : 5;

		CHECK_EQ(caps[k].nic, 1);
		CHECK(MEMEQ(caps[k].b, MAC_GW.addr_bytes, 6));
		CHECK_EQ(caps[k].len, 14u + 20 + dlen);
		CHECK_EQ(be16(ip + 2), 20 + dlen);
		CHECK_EQ(be16(ip + 6), k == 2 ? 0x2000 : 1376 / 8);
		CHECK(MEMEQ(ip + 4, f + 14 + 4, 2)); /* identification kept */
		CHECK_EQ(ip[8], 63);
		CHECK(ip4_cksum_ok(ip));
		CHECK(MEMEQ(ip + 9, f + 14 + 9, 1) && MEMEQ(ip + 12, f + 14 + 12, 8));
		CHECK(MEMEQ(ip + 20, f + 14 + 20 + (k == 2 ? 0 : 1376), dlen));
	}
	CHECK_EQ(cnt(DPS_CNT_FWD_FRAGMENTED), 1);
	CHECK_EQ(cnt(DPS_CNT_FWD_FRAGS_CREATED), 2);
	CHECK_EQ(cnt(DPS_CNT_FWD_NO_FRAG), 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 2);
	TEARDOWN();
}

DPS_TEST(ipv6_exactly_the_mtu_forwarded_one_more_packet_too_big)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 64, MTU1);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(forwarded6(&caps[0], f, n));
	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 64, MTU1 + 1);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* RFC 4443 3.2: type 2, code 0, the MTU as 32 bits; quote so the whole is 1280 bytes. */
	CHECK(icmp6_err(&caps[1], 2, 0, MTU1, f + 14, n - 14));
	CHECK_EQ(caps[1].len, 14 + 1280);
	CHECK_EQ(cnt(DPS_CNT_FWD_TOO_BIG), 1);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 1);
	TEARDOWN();
}

/* ---- martians: one case per row ---- */

struct martian {
	const char *src, *dst;
};

/* RFC 1812 5.3.7, RFC 3927 7; the 192.0.2.x side is routable. */
static const struct martian martians4[] = {
	{"10.0.0.2", "0.1.2.3"},         /* dst net 0 */
	{"10.0.0.2", "127.0.0.1"},       /* dst loopback */
	{"10.0.0.2", "169.254.1.1"},     /* dst link-local */
	{"10.0.0.2", "240.0.0.0"},       /* dst class E, bottom */
	{"10.0.0.2", "240.0.0.1"},       /* dst class E */
	{"10.0.0.2", "255.255.255.254"}, /* dst class E, top */
	{"0.1.2.3", "192.0.2.5"},        /* src net 0 */
	{"127.0.0.1", "192.0.2.5"},      /* src loopback */
	{"169.254.1.1", "192.0.2.5"},    /* src link-local */
	{"240.0.0.1", "192.0.2.5"},      /* src class E */
};

/* RFC 4291 2.5.2, 2.5.3, 2.5.5.2, 2.5.6. */
static const struct martian martians6[] = {
	{"2001:db8::2", "::"},            /* dst unspecified */
	{"2001:db8::2", "::1"},           /* dst loopback */
	{"2001:db8::2", "::ffff:1.2.3.4"}, /* dst IPv4-mapped */
	{"2001:db8::2", "fe80::1"},       /* dst link-local */
	{"2001:db8::2", "febf::1"},       /* dst link-local, top of fe80::/10 */
	{"::1", "2001:db8:99::5"},        /* src loopback */
	{"::ffff:1.2.3.4", "2001:db8:99::5"}, /* src IPv4-mapped */
	{"fe80::2", "2001:db8:99::5"},    /* src link-local */
};

DPS_TEST(ipv4_martian_rows_are_never_forwarded)
{
	static uint8_t f[256];
	uint64_t before;
	uint32_t n;
	SETUP();

	for (unsigned int i = 0; i < RTE_DIM(martians4); i++) {
		before = cnt(DPS_CNT_FWD_MARTIAN) + cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED);
		n = udp4(f, martians4[i].src, martians4[i].dst, 64, 100, false);
		rx(f, n, 0);
		if (ncap != 0 || cnt(DPS_CNT_FWD_MARTIAN) + cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED) !=
					 before + 1) {
			printf("  row %u: %s -> %s: %u frames out\n", i, martians4[i].src,
			       martians4[i].dst, ncap);
			fx_dump();
			CHECK(false);
		}
	}
	/* Seen by the forwarder itself (not refused earlier) for every destination row. */
	CHECK(cnt(DPS_CNT_FWD_MARTIAN) >= 5);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	/* And a plain address next to them still goes through. */
	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, 100, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	TEARDOWN();
}

DPS_TEST(ipv6_martian_rows_are_never_forwarded)
{
	static uint8_t f[256];
	uint64_t before;
	uint32_t n;
	SETUP();

	for (unsigned int i = 0; i < RTE_DIM(martians6); i++) {
		/* RFC 4443 3.1: a link-local source gets "beyond scope of source address". */
		unsigned int err = strncmp(martians6[i].src, "fe80", 4) == 0;

		before = cnt(DPS_CNT_FWD_MARTIAN) + cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED);
		n = udp6(f, martians6[i].src, martians6[i].dst, 64, 100);
		ncap = 0;
		rx(f, n, 0);
		if (ncap != err ||
		    (err && (caps[0].nic != 0 || caps[0].b[14 + 40] != 1 || caps[0].b[14 + 41] != 2 ||
			     !MEMEQ(caps[0].b + 14 + 24, A(martians6[i].src).b, 16) ||
			     !MEMEQ(caps[0].b + 14 + 48, f + 14, n - 14))) ||
		    cnt(DPS_CNT_FWD_MARTIAN) + cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED) !=
			    before + 1) {
			printf("  row %u: %s -> %s: %u frames out\n", i, martians6[i].src,
			       martians6[i].dst, ncap);
			fx_dump();
			CHECK(false);
		}
	}
	CHECK(cnt(DPS_CNT_FWD_MARTIAN) >= 5);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 64, 100);
	ncap = 0;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	TEARDOWN();
}

/* ---- chains, local delivery, no route, link broadcast ---- */

DPS_TEST(chained_mbuf_forwarded_intact)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, 1200, false);
	rx(f, n, 200);
	CHECK_EQ(ncap, 1);
	CHECK(caps[0].nb_segs > 1);
	CHECK(forwarded4(&caps[0], f, n));
	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 64, 1200);
	rx(f, n, 300);
	CHECK_EQ(ncap, 2);
	CHECK(caps[1].nb_segs > 1);
	CHECK(forwarded6(&caps[1], f, n));
	TEARDOWN();
}

DPS_TEST(destination_owned_by_the_outgoing_nic_is_delivered_there)
{
	static uint8_t f[256];
	uint32_t n;
	uint8_t *icmp;
	SETUP();

	/*
	 * An echo request to lan1's address arriving on lan0: answered from 10.1.0.1, routed
	 * back to 10.0.0.2 like any packet the stack originates (issue 10): out of lan0, to
	 * the neighbour's MAC, which must be known.
	 */
	{
		struct dps_addr peer = A("10.0.0.2");

		CHECK_EQ(dps_neigh_add_static(S, 0, &peer, &MAC_PEER), 0);
	}
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "10.1.0.1", IPPROTO_ICMP, 16);
	icmp = f + n;
	memset(icmp, 0, 16);
	icmp[0] = 8;
	icmp[4] = 0x42;
	icmp[8] = 'x';
	icmp4_fix(icmp, 16);
	n += 16;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_LOCAL_DELIVERED), 1);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_RCVD), 1);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].nic, 0);
	CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 6, MAC_US.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 14 + 12, A("10.1.0.1").b, 4));
	CHECK(MEMEQ(caps[0].b + 14 + 16, A("10.0.0.2").b, 4));
	CHECK_EQ(caps[0].b[14 + 20], 0); /* echo reply */
	CHECK(ip4_cksum_ok(caps[0].b + 14));
	CHECK_EQ(rte_raw_cksum(caps[0].b + 34, 16), 0xffff);
	/* The same over IPv6: lan1's 2001:db8:1::1. */
	n = udp6(f, "2001:db8::2", "2001:db8:1::1", 64, 100);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_LOCAL_DELIVERED), 2);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	TEARDOWN();
}

DPS_TEST(expired_address_of_the_outgoing_nic_is_forwarded_not_delivered)
{
	static uint8_t f[256];
	struct dps_prefix p = P("10.1.0.50/24");
	struct dps_addr a = A("10.1.0.50");
	struct dps_endpoint *ep;
	uint32_t n;
	SETUP();

	/* Removed while referenced: permanent-expired, which owns nothing (seed: not valid for
	 * outgoing), so the packet is routed to the neighbour, not delivered. */
	CHECK_EQ(dps_nic_add_address(N1, RTE_ETHER_TYPE_IPV4, &p, DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = dps_nic_get_ref(N1, RTE_ETHER_TYPE_IPV4, &a);
	CHECK(ep != NULL);
	CHECK_EQ(dps_nic_remove_address(N1, &a), 0);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT_EXPIRED);
	dps_ctx_offline(C);
	CHECK_EQ(dps_neigh_add_static(S, 1, &a, &MAC_GW), 0);
	dps_ctx_online(C);
	n = udp4(f, "10.0.0.2", "10.1.0.50", 64, 100, false);
	rx(f, n, 0);
	dps_endpoint_put(ep);
	CHECK_EQ(cnt(DPS_CNT_FWD_LOCAL_DELIVERED), 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 1);
	CHECK_EQ(ncap, 1);
	CHECK(forwarded4(&caps[0], f, n));
	TEARDOWN();
}

DPS_TEST(no_route_answered_net_unreachable)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	n = udp4(f, "10.0.0.2", "198.18.0.1", 64, 100, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	/* RFC 1812 5.2.7.1: destination unreachable (3), network unreachable (0). */
	CHECK(icmp4_err(&caps[0], 3, 0, 0, f + 14, n - 14));
	n = udp6(f, "2001:db8::2", "2001:db8:77::1", 64, 100);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* RFC 4443 3.1: destination unreachable (1), no route to destination (0). */
	CHECK(icmp6_err(&caps[1], 1, 0, 0, f + 14, n - 14));
	CHECK_EQ(cnt(DPS_CNT_FWD_NO_ROUTE), 2);
	TEARDOWN();
}

DPS_TEST(link_broadcast_and_multicast_frames_are_not_forwarded)
{
	static uint8_t f[256];
	static const struct rte_ether_addr mc = {.addr_bytes = {0x01, 0, 0x5e, 0, 0, 1}};
	uint32_t n;
	SETUP();

	n = udp4(f, "10.0.0.2", "192.0.2.5", 64, 100, false);
	memcpy(f, MAC_BCAST.addr_bytes, 6);
	rx(f, n, 0);
	memcpy(f, mc.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 0);
	/* RFC 1812 5.3.4: never forwarded, and no ICMP error about them either. */
	CHECK_EQ(cnt(DPS_CNT_FWD_LINK_BROADCAST), 2);
	TEARDOWN();
}

/* ---- the ICMP rate limit on the forwarding path ---- */

DPS_TEST(forwarding_errors_are_rate_limited)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	C->icmp_rate = 1;
	C->icmp_burst = 2;
	C->icmp_rl[0].tokens = 2 * C->tsc_hz;
	C->icmp_rl[0].last_tsc = rte_rdtsc();
	C->icmp_rl[1].tokens = 1 * C->tsc_hz;
	C->icmp_rl[1].last_tsc = rte_rdtsc();
	n = udp4(f, "10.0.0.2", "192.0.2.5", 1, 100, false);
	for (int i = 0; i < 5; i++)
		rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 5);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_RATELIMITED), 3);
	/* One bucket per family: IPv6 has its own token. */
	n = udp6(f, "2001:db8::2", "2001:db8:99::5", 1, 100);
	for (int i = 0; i < 3; i++)
		rx(f, n, 0);
	CHECK_EQ(ncap, 3);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ERRORS_RATELIMITED), 2);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT) + cnt(DPS_CNT_ICMP6_ERRORS_SENT), 3);
	TEARDOWN();
}

/* ---- counters of the sending side: ip.packets_sent, ip.outgoing_packet_errors, nombuf ---- */

DPS_TEST(nombuf_counted_when_the_pool_is_empty)
{
	static uint8_t f[256];
	static struct rte_mbuf *hold[1100];
	struct rte_mbuf *m;
	unsigned int k = 0;
	uint32_t n;
	SETUP();

	n = udp4(f, "10.0.0.2", "192.0.2.5", 1, 100, false);
	m = mk(f, n, 0);
	while (k < RTE_DIM(hold) && (hold[k] = rte_pktmbuf_alloc(pool)) != NULL)
		k++;
	dps_eth_input_burst(C, N, &m, 1);
	dps_ctx_flush(C);
	for (unsigned int i = 0; i < k; i++)
		rte_pktmbuf_free(hold[i]);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 1);
	CHECK_EQ(cnt(DPS_CNT_NO_MBUF), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 0);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 0);
	TEARDOWN();
}

DPS_TEST(error_with_no_source_address_is_an_outgoing_packet_error)
{
	static uint8_t f[256];
	struct dps_nic *n2;
	struct dps_nic_conf nc = {.name = "lan2", .id = 2, .port_id = 2, .mac = MAC_US,
				  .mtu = 1500, .xmit = cap_xmit, .xmit_priv = (void *)(uintptr_t)2};
	struct rte_mbuf *m;
	uint32_t n;
	SETUP();

	/* lan2 has no IPv4 address: an error about a packet that came in there has no source. */
	nc.mac.addr_bytes[5] = 0x21;
	CHECK_EQ(dps_nic_create(S, &nc, &n2), 0);
	CHECK_EQ(dps_nic_enable(n2), 0);
	dps_nic_set_forwarding(n2, true);
	n = udp4(f, "10.2.0.2", "192.0.2.5", 1, 100, false);
	memcpy(f, nc.mac.addr_bytes, 6);
	m = mk(f, n, 0);
	dps_eth_input_burst(C, n2, &m, 1);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_TTL_EXCEEDED), 1);
	CHECK_EQ(cnt(DPS_CNT_IP_OUTGOING_PACKET_ERRORS), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 0);
	/* A sent error counts in ip.packets_sent, once. */
	n = udp4(f, "10.0.0.2", "192.0.2.5", 1, 100, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 1);
	TEARDOWN();
}

/* ---- UDP echo to broadcast and multicast destinations ---- */

DPS_TEST(udp_echo_to_broadcast_and_multicast_has_a_correct_checksum)
{
	static uint8_t f[256];
	static const struct rte_ether_addr mc6 = {.addr_bytes = {0x33, 0x33, 0, 0, 0, 1}};
	const uint8_t *ip;
	uint32_t n;
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	/* 255.255.255.255 in a link broadcast: the reply comes from lan0's primary address. */
	n = put_eth(f, &MAC_BCAST, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "255.255.255.255", IPPROTO_UDP, 8 + 20);
	{
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(f + n);

		u->src_port = rte_cpu_to_be_16(40000);
		u->dst_port = rte_cpu_to_be_16(7);
		u->dgram_len = rte_cpu_to_be_16(28);
		memset(u + 1, 'b', 20);
		l4_fix4(f + 14, 6);
	}
	n += 28;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	ip = caps[0].b + 14;
	CHECK(MEMEQ(ip + 12, A("10.0.0.1").b, 4));
	CHECK(MEMEQ(ip + 16, A("10.0.0.2").b, 4));
	CHECK(ip4_cksum_ok(ip));
	CHECK(l4_ok4(ip));
	CHECK_EQ(be16(ip + 20), 7);
	CHECK_EQ(be16(ip + 22), 40000);
	/* ff02::1: from lan0's 2001:db8::1, checksum over the new pseudo-header. */
	n = put_eth(f, &mc6, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	n += put_ip6(f + n, "2001:db8::2", "ff02::1", IPPROTO_UDP, 28, 64);
	{
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(f + n);

		u->src_port = rte_cpu_to_be_16(40001);
		u->dst_port = rte_cpu_to_be_16(7);
		u->dgram_len = rte_cpu_to_be_16(28);
		memset(u + 1, 'm', 20);
		l6_fix(f + 14, 6);
	}
	n += 28;
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	ip = caps[1].b + 14;
	CHECK(MEMEQ(ip + 8, A("2001:db8::1").b, 16));
	CHECK(MEMEQ(ip + 24, A("2001:db8::2").b, 16));
	CHECK(l6_ok(ip));
	CHECK_EQ(be16(ip + 40), 7);
	CHECK_EQ(be16(ip + 42), 40001);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 2);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 2);
	TEARDOWN();
}

/* ---- length edges and the no-error-about-broadcast rule ---- */

DPS_TEST(lengths_one_beyond_the_packet_are_malformed)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	/* RFC 768: a UDP length one byte beyond the IP payload is malformed, never delivered. */
	n = udp4(f, "10.0.0.2", "10.0.0.1", 64, 100, false);
	f[14 + 20 + 4] = 0;
	f[14 + 20 + 5] = 100 - 20 + 1;
	f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_MALFORMED), 1);
	/* RFC 791 / 1122 3.2.1.1: a total length one byte beyond the frame. */
	n = udp4(f, "10.0.0.2", "10.0.0.1", 64, 100, false);
	f[14 + 3] = 101;
	f[14 + 10] = f[14 + 11] = 0;
	((struct rte_ipv4_hdr *)(f + 14))->hdr_checksum =
		rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_LENGTH), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(no_icmp_error_about_a_datagram_to_broadcast_in_a_unicast_frame)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	/* RFC 1122 3.2.2: the IP destination alone decides, whatever the link address was. */
	n = udp4(f, "10.0.0.2", "255.255.255.255", 64, 100, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 0);
	CHECK(cnt(DPS_CNT_IP_PACKETS_RECEIVED) >= 1);
	TEARDOWN();
}

/* ---- the UDP socket API ---- */

static struct {
	unsigned int n;
	uint16_t sport;
	uint32_t len;
	uint8_t data[64];
} got;

static struct {
	unsigned int n;
	enum dps_control_type type;
	uint32_t extra;
} errs;

static void
sock_err(struct dps_ctx *ctx, struct dps_udp_sock *sk, enum dps_control_type type, uint32_t extra,
	 void *arg)
{
	(void)ctx;
	(void)sk;
	(void)arg;
	errs.n++;
	errs.type = type;
	errs.extra = extra;
}

static void
sock_rx(struct dps_ctx *ctx, struct dps_udp_sock *sk, struct rte_mbuf *m,
	const struct dps_udp_meta *meta, void *arg)
{
	(void)ctx;
	(void)sk;
	(void)arg;
	got.n++;
	got.sport = meta->sport;
	got.len = meta->payload_len;
	if (meta->payload_len <= sizeof(got.data)) {
		const void *p = rte_pktmbuf_read(m, meta->payload_off, meta->payload_len, got.data);

		if (p != NULL && p != got.data)
			memcpy(got.data, p, meta->payload_len);
	}
	rte_pktmbuf_free(m);
}

DPS_TEST(udp_socket_bind_receive_sendto_close)
{
	static uint8_t f[256];
	struct dps_udp_sock *sk, *sk2;
	struct dps_addr dst = A("192.0.2.9"), local = A("10.0.0.1");
	const uint8_t *ip;
	uint32_t n;
	SETUP();

	memset(&got, 0, sizeof(got));
	memset(&errs, 0, sizeof(errs));
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV4, &local, 5000, sock_rx, NULL, &sk), 0);
	dps_udp_set_error_cb(sk, sock_err);
	CHECK_EQ(dps_udp_sock_port(sk), 5000);
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV4, &local, 5000, sock_rx, NULL, &sk2),
		 -EADDRINUSE);
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV4, NULL, 0, sock_rx, NULL, &sk2), -EINVAL);
	/* Received: a datagram to 10.0.0.1:5000. */
	n = udp4(f, "10.0.0.2", "10.0.0.1", 64, 28 + 5, false);
	f[14 + 22] = 5000 >> 8;
	f[14 + 23] = 5000 & 0xff;
	memcpy(f + 14 + 28, "hello", 5);
	l4_fix4(f + 14, 6);
	rx(f, n, 0);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.sport, 40000);
	CHECK_EQ(got.len, 5);
	CHECK(MEMEQ(got.data, "hello", 5));
	CHECK_EQ(ncap, 0);
	/* Sent: routed via lan1 to the gateway, from the bound address, port 5000. */
	CHECK_EQ(dps_udp_sendto(C, sk, &dst, 53, "query", 5), 0);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].nic, 1);
	CHECK(MEMEQ(caps[0].b, MAC_GW.addr_bytes, 6));
	ip = caps[0].b + 14;
	CHECK(ip4_cksum_ok(ip));
	CHECK(l4_ok4(ip));
	CHECK(MEMEQ(ip + 12, local.b, 4));
	CHECK(MEMEQ(ip + 16, dst.b, 4));
	CHECK_EQ(be16(ip + 20), 5000);
	CHECK_EQ(be16(ip + 22), 53);
	CHECK_EQ(be16(ip + 24), 8 + 5);
	CHECK(MEMEQ(ip + 28, "query", 5));
	CHECK_EQ(cnt(DPS_CNT_UDP_PACKETS_SENT), 1);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 1);
	/* Larger than lan1's MTU: refused, nothing sent. */
	{
		static uint8_t big[MTU1];

		CHECK_EQ(dps_udp_sendto(C, sk, &dst, 53, big, MTU1 - 28 + 1), -EMSGSIZE);
		CHECK_EQ(dps_udp_sendto(C, sk, &dst, 53, big, MTU1 - 28), 0);
		dps_ctx_flush(C);
		CHECK_EQ(ncap, 2);
		CHECK_EQ(caps[1].len, 14 + MTU1);
	}
	/* No mbuf: -ENOMEM, counted as nombuf, nothing sent. */
	{
		static struct rte_mbuf *hold[1100];
		unsigned int k = 0;
		int rc;

		while (k < RTE_DIM(hold) && (hold[k] = rte_pktmbuf_alloc(pool)) != NULL)
			k++;
		rc = dps_udp_sendto(C, sk, &dst, 53, "x", 1);
		for (unsigned int i = 0; i < k; i++)
			rte_pktmbuf_free(hold[i]);
		CHECK_EQ(rc, -ENOMEM);
		CHECK_EQ(cnt(DPS_CNT_NO_MBUF), 1);
		dps_ctx_flush(C);
		CHECK_EQ(ncap, 2);
	}
	/* ICMP errors quoting our datagram reach the socket's error callback (RFC 1122 4.1.3.3). */
	{
		uint8_t *icmp;
		uint8_t q[28];

		memcpy(q, caps[0].b + 14, 28);
		n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
		n += put_ip4(f + n, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 8 + 28);
		icmp = f + n;
		memset(icmp, 0, 8);
		icmp[0] = 3;
		icmp[1] = 3;
		memcpy(icmp + 8, q, 28);
		icmp4_fix(icmp, 36);
		n += 36;
		rx(f, n, 0);
		CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_RCVD), 1);
		CHECK_EQ(got.n, 1); /* not a datagram */
		CHECK_EQ(errs.n, 1);
		CHECK_EQ(errs.type, DPS_CONTROL_PORT_UNREACHABLE);
		/* Fragmentation needed: the next-hop MTU (RFC 1191) in extra. */
		icmp[1] = 4;
		icmp[6] = 0x02;
		icmp[7] = 0x40;
		icmp4_fix(icmp, 36);
		rx(f, n, 0);
		CHECK_EQ(errs.n, 2);
		CHECK_EQ(errs.type, DPS_CONTROL_PACKET_TOO_BIG);
		CHECK_EQ(errs.extra, 576);
		/* About another port: not ours, not delivered. */
		icmp[8 + 20] ^= 1;
		icmp4_fix(icmp, 36);
		rx(f, n, 0);
		CHECK_EQ(errs.n, 2);
	}
	/* Closed: the port is closed again (port unreachable), and free to bind. */
	CHECK_EQ(dps_udp_close(S, sk), 0);
	n = udp4(f, "10.0.0.2", "10.0.0.1", 64, 28 + 5, false);
	f[14 + 22] = 5000 >> 8;
	f[14 + 23] = 5000 & 0xff;
	l4_fix4(f + 14, 6);
	rx(f, n, 0);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV4, NULL, 5000, sock_rx, NULL, &sk2), 0);
	CHECK_EQ(dps_udp_close(S, sk2), 0);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
