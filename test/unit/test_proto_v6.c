/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/proto over IPv6: header and extension-header rules (RFC 8200), ICMPv6 echo and errors
 * (RFC 4443), Neighbor Discovery (RFC 4861), UDP and TCP over IPv6.
 */
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

#define PEER6 "2001:db8::2"
#define US6 "2001:db8::1"

static const struct rte_ether_addr MAC_ALLNODES = {.addr_bytes = {0x33, 0x33, 0, 0, 0, 1}};

/* Echo request: ext (bytes of extension headers, already chained via nh) then ICMPv6. */
static uint32_t
echo6_frame(uint8_t *f, const char *src, const char *dst, uint8_t first_nh, const uint8_t *ext,
	    uint32_t ext_len, uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n, *icmp;
	struct dps_addr s = A(src), d = A(dst);
	uint32_t sum;
	uint16_t c;

	n += put_ip6(ip, src, dst, ext_len ? first_nh : IPPROTO_ICMPV6,
		     (uint16_t)(ext_len + 8 + plen), 64);
	if (ext_len > 0)
		memcpy(f + n, ext, ext_len);
	n += ext_len;
	icmp = f + n;
	icmp[0] = 128;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	icmp[4] = 0xbe;
	icmp[5] = 0xef;
	icmp[6] = 0;
	icmp[7] = 1;
	for (uint32_t i = 0; i < plen; i++)
		icmp[8 + i] = (uint8_t)(i * 13 + 1);
	/* Pseudo-header by hand (extension headers make rte's helper unusable here). */
	sum = __rte_raw_cksum(s.b, 16, 0);
	sum = __rte_raw_cksum(d.b, 16, sum);
	sum += rte_cpu_to_be_16((uint16_t)(8 + plen));
	sum += rte_cpu_to_be_16(IPPROTO_ICMPV6);
	sum = __rte_raw_cksum(icmp, 8 + plen, sum);
	c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	memcpy(icmp + 2, &c, 2);
	return n + 8 + plen;
}

/* NS or NA: type, src, dst, target, hop limit, flags, link-layer option (type 0: none). */
static uint32_t
nd_frame(uint8_t *f, const struct rte_ether_addr *edst, uint8_t type, const char *src,
	 const char *dst, const char *target, uint8_t hlim, uint32_t flags, uint8_t opt_type)
{
	uint32_t n = put_eth(f, edst, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n, *nd;
	uint32_t len = 24 + (opt_type ? 8 : 0);
	struct dps_addr t = A(target);
	uint32_t be = rte_cpu_to_be_32(flags);

	n += put_ip6(ip, src, dst, IPPROTO_ICMPV6, (uint16_t)len, hlim);
	nd = f + n;
	memset(nd, 0, len);
	nd[0] = type;
	memcpy(nd + 4, &be, 4);
	memcpy(nd + 8, t.b, 16);
	if (opt_type) {
		nd[24] = opt_type;
		nd[25] = 1;
		memcpy(nd + 26, MAC_PEER.addr_bytes, 6);
	}
	l6_fix(ip, 2);
	return n + len;
}

static bool
check_echo6_reply(const struct cap *c, const uint8_t *req_icmp, uint32_t icmp_len,
		  const char *from, const char *to)
{
	const uint8_t *ip = c->b + 14;

	if (c->len != 14 + 40 + icmp_len || !MEMEQ(c->b, MAC_PEER.addr_bytes, 6) ||
	    c->b[12] != 0x86 || c->b[13] != 0xdd)
		return false;
	if (ip[6] != IPPROTO_ICMPV6 || ip[7] != 64 || !MEMEQ(ip + 8, A(from).b, 16) ||
	    !MEMEQ(ip + 24, A(to).b, 16) ||
	    rte_be_to_cpu_16(*(const uint16_t *)(ip + 4)) != icmp_len)
		return false;
	if (ip[40] != 129 || ip[41] != 0 || !MEMEQ(ip + 44, req_icmp + 4, icmp_len - 4))
		return false;
	return l6_ok(ip);
}

DPS_TEST(icmp6_echo_is_answered)
{
	static uint8_t f[1600];
	uint32_t n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 56);
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_echo6_reply(&caps[0], f + 54, 64, US6, PEER6));
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ECHO_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ECHO_SENT), 1);
	TEARDOWN();
}

DPS_TEST(icmp6_echo_chain_1400_byte_exact)
{
	static uint8_t f[1600];
	uint32_t n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 1400);
	SETUP();

	rx(f, n, 101);
	CHECK_EQ(ncap, 1);
	CHECK(caps[0].nb_segs > 1);
	CHECK(check_echo6_reply(&caps[0], f + 54, 1408, US6, PEER6));
	TEARDOWN();
}

DPS_TEST(icmp6_echo_to_all_nodes_is_answered_from_unicast)
{
	static uint8_t f[256];
	uint32_t n = echo6_frame(f, "fe80::2", "ff02::1", 0, NULL, 0, 16);
	SETUP();

	memcpy(f, MAC_ALLNODES.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_echo6_reply(&caps[0], f + 54, 24, US6, "fe80::2"));
	TEARDOWN();
}

DPS_TEST(ipv6_header_validation)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 8);
	f[14] = 0x45;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP6_BAD_VERSION), 1);
	n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 8);
	f[18] = 0x02; /* payload length 512+ */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP6_BAD_LENGTH), 1);
	CHECK_EQ(cnt(DPS_CNT_MALFORMED_RCVD), 2);
	n = echo6_frame(f, "ff02::5", US6, 0, NULL, 0, 8);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED), 1);
	n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 8);
	f[n - 1] ^= 1;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_BAD), 1);
	CHECK_EQ(ncap, 0);
	/* Ethernet padding after a short packet is cut. */
	memset(f, 0, sizeof(f));
	n = echo6_frame(f, PEER6, US6, 0, NULL, 0, 0);
	rx(f, n + 6, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, n);
	TEARDOWN();
}

/* A parameter problem in caps[i] about orig (IPv6 packet of olen bytes). */
static bool
check_param_problem(const struct cap *c, uint8_t code, uint32_t ptr, const uint8_t *orig,
		    uint32_t olen)
{
	const uint8_t *ip = c->b + 14;
	uint32_t p;

	if (c->len != 14 + 48 + RTE_MIN(olen, 1232u) || ip[40] != 4 || ip[41] != code)
		return false;
	memcpy(&p, ip + 44, 4);
	if (rte_be_to_cpu_32(p) != ptr || !MEMEQ(ip + 48, orig, RTE_MIN(olen, 1232u)))
		return false;
	return MEMEQ(ip + 24, orig + 8, 16) && l6_ok(ip);
}

DPS_TEST(ipv6_unknown_next_header_gets_param_problem_code1)
{
	static uint8_t f[256];
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	SETUP();

	n += put_ip6(f + n, PEER6, US6, 99, 8, 64);
	memset(f + n, 0, 8);
	n += 8;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_param_problem(&caps[0], 1, 6, f + 14, n - 14));
	CHECK_EQ(cnt(DPS_CNT_IP6_UNKNOWN_NEXTHDR), 1);
	/* After a Destination Options header, the pointer is that header's Next Header. */
	n = 14;
	n += put_ip6(f + n, PEER6, US6, 60, 16, 64);
	memset(f + n, 0, 16);
	f[n] = 99;
	f[n + 1] = 0;
	f[n + 2] = 1; /* PadN 4 */
	f[n + 3] = 4;
	n += 16;
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK(check_param_problem(&caps[1], 1, 40, f + 14, n - 14));
	TEARDOWN();
}

DPS_TEST(ipv6_hop_by_hop_option_actions)
{
	static uint8_t f[256];
	uint8_t ext[8] = {IPPROTO_ICMPV6, 0, 0, 4, 0, 0, 0, 0};
	uint32_t n;
	SETUP();

	/* Unknown option 0x1e (action 00): skipped, echo answered without the header. */
	ext[2] = 0x1e;
	n = echo6_frame(f, PEER6, US6, 0, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_echo6_reply(&caps[0], f + 62, 16, US6, PEER6));
	/* Action 01: discarded silently. */
	ext[2] = 0x5e;
	n = echo6_frame(f, PEER6, US6, 0, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	/* Action 10: parameter problem code 2 pointing at the option. */
	ext[2] = 0x9e;
	n = echo6_frame(f, PEER6, US6, 0, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK(check_param_problem(&caps[1], 2, 42, f + 14, n - 14));
	/* Action 11 to a multicast destination: no error. */
	ext[2] = 0xde;
	n = echo6_frame(f, "fe80::2", "ff02::1", 0, ext, 8, 8);
	memcpy(f, MAC_ALLNODES.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* Action 10 to a multicast destination: error all the same (RFC 4443 2.4(e.4)). */
	ext[2] = 0x9e;
	n = echo6_frame(f, "fe80::2", "ff02::1", 0, ext, 8, 8);
	memcpy(f, MAC_ALLNODES.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 3);
	CHECK(check_param_problem(&caps[2], 2, 42, f + 14, n - 14));
	CHECK_EQ(cnt(DPS_CNT_IP6_BAD_EXTHDR), 4);
	TEARDOWN();
}

DPS_TEST(ipv6_hop_by_hop_not_first_routing_and_fragments)
{
	static uint8_t f[256];
	uint8_t ext[16];
	uint32_t n;
	SETUP();

	/* Destination options then Hop-by-Hop: code 1 pointing at the dst-opts Next Header. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 0;              /* next: hop-by-hop */
	ext[2] = 1, ext[3] = 4;  /* PadN */
	ext[8] = IPPROTO_ICMPV6;
	ext[10] = 1, ext[11] = 4;
	n = echo6_frame(f, PEER6, US6, 60, ext, 16, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_param_problem(&caps[0], 1, 40, f + 14, n - 14));
	/* Routing header, segments left 0: ignored. */
	memset(ext, 0, sizeof(ext));
	ext[0] = IPPROTO_ICMPV6;
	ext[1] = 0;
	ext[2] = 4; /* type */
	ext[3] = 0; /* segments left */
	n = echo6_frame(f, PEER6, US6, 43, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK(check_echo6_reply(&caps[1], f + 62, 16, US6, PEER6));
	/* Segments left 1: code 0 pointing at the routing type. */
	ext[3] = 1;
	n = echo6_frame(f, PEER6, US6, 43, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 3);
	CHECK(check_param_problem(&caps[2], 0, 42, f + 14, n - 14));
	/* A real fragment: dropped. An atomic fragment: processed (RFC 6946). */
	memset(ext, 0, sizeof(ext));
	ext[0] = IPPROTO_ICMPV6;
	ext[3] = 1; /* M */
	n = echo6_frame(f, PEER6, US6, 44, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP6_FRAGMENTS), 1);
	CHECK_EQ(ncap, 3);
	ext[3] = 0;
	n = echo6_frame(f, PEER6, US6, 44, ext, 8, 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 4);
	TEARDOWN();
}

/* ---- NDP ---- */

DPS_TEST(ndp_ns_gets_na_and_source_is_learned)
{
	static uint8_t f[256];
	struct rte_ether_addr sn = {.addr_bytes = {0x33, 0x33, 0xff, 0, 0, 0x01}};
	uint32_t n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 255, 0, 1);
	const uint8_t *ip, *na;
	struct dps_addr peer = A("fe80::2");
	struct rte_ether_addr mac;
	uint32_t flags;
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 40 + 32);
	CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
	ip = caps[0].b + 14;
	CHECK_EQ(ip[7], 255);
	CHECK(MEMEQ(ip + 8, A(US6).b, 16));
	CHECK(MEMEQ(ip + 24, peer.b, 16));
	na = ip + 40;
	CHECK_EQ(na[0], 136);
	memcpy(&flags, na + 4, 4);
	CHECK_EQ(rte_be_to_cpu_32(flags), 0x60000000u); /* S, O */
	CHECK(MEMEQ(na + 8, A(US6).b, 16));
	CHECK(na[24] == 2 && na[25] == 1 && MEMEQ(na + 26, MAC_US.addr_bytes, 6));
	CHECK(l6_ok(ip));
	CHECK_EQ(cnt(DPS_CNT_NDP_NS_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_NDP_NA_SENT), 1);
	dps_neigh_poll(S, C);
	CHECK_EQ(dps_neigh_lookup_rcu(S, 0, &peer, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &MAC_PEER));
	TEARDOWN();
}

DPS_TEST(ndp_dad_ns_gets_na_to_all_nodes)
{
	static uint8_t f[256];
	struct rte_ether_addr sn = {.addr_bytes = {0x33, 0x33, 0xff, 0, 0, 0x01}};
	uint32_t n = nd_frame(f, &sn, 135, "::", "ff02::1:ff00:1", US6, 255, 0, 0);
	uint32_t flags;
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(MEMEQ(caps[0].b, MAC_ALLNODES.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 14 + 24, A("ff02::1").b, 16));
	memcpy(&flags, caps[0].b + 14 + 44, 4);
	CHECK_EQ(rte_be_to_cpu_32(flags), 0x20000000u); /* O only */
	CHECK(l6_ok(caps[0].b + 14));
	/* From :: with a source link-layer option: invalid (RFC 4861 7.1.1). */
	n = nd_frame(f, &sn, 135, "::", "ff02::1:ff00:1", US6, 255, 0, 1);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_NDP_INVALID), 1);
	CHECK_EQ(ncap, 1);
	TEARDOWN();
}

DPS_TEST(ndp_validation)
{
	static uint8_t f[256];
	struct rte_ether_addr sn = {.addr_bytes = {0x33, 0x33, 0xff, 0, 0, 0x01}};
	uint32_t n;
	SETUP();

	n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 254, 0, 1);
	rx(f, n, 0);
	n = nd_frame(f, &MAC_US, 135, "fe80::2", US6, "ff02::1", 255, 0, 1);
	rx(f, n, 0);
	n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 255, 0, 1);
	f[14 + 40 + 25] = 0; /* option length 0 */
	l6_fix(f + 14, 2);
	rx(f, n, 0);
	n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 255, 0, 1);
	f[14 + 40 + 25] = 3; /* option beyond the message */
	l6_fix(f + 14, 2);
	rx(f, n, 0);
	n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 255, 0, 1);
	f[14 + 40 + 1] = 1; /* code */
	l6_fix(f + 14, 2);
	rx(f, n, 0);
	n = nd_frame(f, &sn, 135, "fe80::2", "ff02::1:ff00:1", US6, 255, 0, 1);
	f[14 + 40 + 2] ^= 1; /* checksum */
	rx(f, n, 0);
	/* NA to a multicast destination with S set. */
	n = nd_frame(f, &MAC_ALLNODES, 136, "fe80::2", "ff02::1", "fe80::2", 255, 0x40000000u, 2);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_NDP_INVALID), 7);
	/* A target that is not ours: valid, silently ignored. */
	n = nd_frame(f, &MAC_US, 135, "fe80::2", US6, "2001:db8::77", 255, 0, 1);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_NDP_NS_RCVD), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(ndp_na_is_learned_and_solicit_sends_ns)
{
	static uint8_t f[256];
	uint32_t n = nd_frame(f, &MAC_US, 136, "2001:db8::9", US6, "2001:db8::9", 255,
			      0x60000000u, 2);
	struct dps_addr t = A("2001:db8::9"), t2 = A("2001:db8::abcd");
	struct rte_ether_addr mac;
	const uint8_t *ip;
	SETUP();

	/* RFC 4861 7.2.5: an NA for a target with no entry creates none. */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_NDP_NA_RCVD), 1);
	dps_neigh_poll(S, C);
	CHECK_EQ(dps_neigh_lookup_rcu(S, 0, &t, &mac), -ENOENT);
	/* A packet for it starts resolution (an NS); the NA resolves it and the packet leaves. */
	{
		uint8_t pl[40] = {0x60};
		struct rte_mbuf *m = mk(pl, sizeof(pl), 0);

		m->l2_len = 14;
		dps_neigh_resolve(C, N, &t, m);
	}
	dps_neigh_poll(S, C);
	CHECK_EQ(ncap, 1);
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(dps_neigh_lookup_rcu(S, 0, &t, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &MAC_PEER));
	CHECK_EQ(ncap, 2);
	CHECK(MEMEQ(caps[1].b, MAC_PEER.addr_bytes, 6));
	ncap = 0;
	CHECK_EQ(S->np[dps_stack_np_slot(S, RTE_ETHER_TYPE_IPV6)]->solicit(C, N, &t2, NULL), 0);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK(caps[0].b[0] == 0x33 && caps[0].b[1] == 0x33 && caps[0].b[2] == 0xff &&
	      caps[0].b[3] == 0x00 && caps[0].b[4] == 0xab && caps[0].b[5] == 0xcd);
	ip = caps[0].b + 14;
	CHECK(MEMEQ(ip + 24, A("ff02::1:ff00:abcd").b, 16));
	CHECK(ip[7] == 255 && ip[40] == 135 && MEMEQ(ip + 48, t2.b, 16));
	CHECK(ip[64] == 1 && MEMEQ(ip + 66, MAC_US.addr_bytes, 6));
	CHECK(l6_ok(ip));
	TEARDOWN();
}

/* ---- UDP / TCP over IPv6 ---- */

static uint32_t
udp6_frame(uint8_t *f, uint16_t dport, uint32_t plen, bool zero)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip6(ip, PEER6, US6, IPPROTO_UDP, (uint16_t)(8 + plen), 64);
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(50000);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(255 - i);
	if (zero)
		u->dgram_cksum = 0;
	else
		l6_fix(ip, 6);
	return n + 8 + plen;
}

DPS_TEST(udp6_closed_port_echo_and_zero_checksum)
{
	static uint8_t f[1600];
	uint32_t n;
	const uint8_t *ip;
	SETUP();

	n = udp6_frame(f, 9999, 20, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	ip = caps[0].b + 14;
	CHECK(ip[40] == 1 && ip[41] == 4 && MEMEQ(ip + 48, f + 14, n - 14) && l6_ok(ip));
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	/* RFC 8200 8.1: zero checksum is invalid over IPv6. */
	n = udp6_frame(f, 9999, 20, true);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 1);
	CHECK_EQ(ncap, 1);
	/* Echo, chained. */
	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	n = udp6_frame(f, 7, 1400, false);
	rx(f, n, 77);
	CHECK_EQ(ncap, 2);
	ip = caps[1].b + 14;
	CHECK_EQ(caps[1].len, n);
	CHECK(MEMEQ(ip + 8, A(US6).b, 16) && MEMEQ(ip + 24, A(PEER6).b, 16));
	CHECK_EQ(rte_be_to_cpu_16(*(const uint16_t *)(ip + 40)), 7);
	CHECK_EQ(rte_be_to_cpu_16(*(const uint16_t *)(ip + 42)), 50000);
	CHECK(MEMEQ(ip + 48, f + 14 + 48, 1400));
	CHECK(l6_ok(ip));
	TEARDOWN();
}

DPS_TEST(tcp6_syn_gets_rst_ack)
{
	static uint8_t f[256];
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;
	struct rte_tcp_hdr *t;
	const struct rte_tcp_hdr *r;
	SETUP();

	n += put_ip6(ip, PEER6, US6, IPPROTO_TCP, 20, 64);
	t = (struct rte_tcp_hdr *)(f + n);
	memset(t, 0, sizeof(*t));
	t->src_port = rte_cpu_to_be_16(50001);
	t->dst_port = rte_cpu_to_be_16(22);
	t->sent_seq = rte_cpu_to_be_32(0xfffffffe);
	t->data_off = 5 << 4;
	t->tcp_flags = RTE_TCP_SYN_FLAG;
	l6_fix(ip, 16);
	n += 20;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 60);
	r = (const struct rte_tcp_hdr *)(caps[0].b + 54);
	CHECK_EQ(r->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	CHECK_EQ(rte_be_to_cpu_32(r->recv_ack), 0xffffffff);
	CHECK(l6_ok(caps[0].b + 14));
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
