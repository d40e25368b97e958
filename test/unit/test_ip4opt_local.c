/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 options of datagrams for this host (RFC 791 3.1, RFC 1122 3.2.1.8, 3.2.2.5, RFC 1812
 * 4.3.3.5): a malformed option drops the datagram with Parameter Problem code 0 pointing at
 * the faulty octet, counted as ipv4.bad_option, whatever the transport; valid options reach
 * the echo reply with Record Route and Timestamp filled. The expected errors are built here
 * byte by byte from RFC 792 (DPDK's checksum helpers), not by lib/proto.
 */
#include <rte_icmp.h>
#include <rte_udp.h>

#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

/*
 * A frame from 10.0.0.2 (MAC_PEER) to dst with the option bytes opt (olen, a multiple of 4)
 * and proto's l4 bytes: an echo request (ICMP) or a datagram to UDP port 9999, plen bytes of
 * payload. Checksums set.
 */
static uint32_t
opt_frame(uint8_t *f, const char *dst, const uint8_t *opt, uint32_t olen, uint8_t proto,
	  uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n, *l4 = ip + 20 + olen;
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	uint32_t l4len = 8 + plen;
	struct dps_addr s = A("10.0.0.2"), d = A(dst);

	memset(h, 0, 20);
	h->version_ihl = (uint8_t)(0x40 | (5 + olen / 4));
	h->total_length = rte_cpu_to_be_16((uint16_t)(20 + olen + l4len));
	h->packet_id = rte_cpu_to_be_16(0x1234);
	h->time_to_live = 63;
	h->next_proto_id = proto;
	memcpy(&h->src_addr, s.b, 4);
	memcpy(&h->dst_addr, d.b, 4);
	memcpy(ip + 20, opt, olen);
	h->hdr_checksum = 0;
	h->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, 20 + olen);
	for (uint32_t i = 0; i < plen; i++)
		l4[8 + i] = (uint8_t)(i * 7 + 3);
	if (proto == IPPROTO_ICMP) {
		memset(l4, 0, 8);
		l4[0] = 8;
		l4[4] = 0x12;
		l4[5] = 0x34;
		l4[7] = 7;
		icmp4_fix(l4, l4len);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;
		/* RFC 768: the pseudo-header does not depend on options: a 20-byte copy. */
		struct rte_ipv4_hdr h5 = *h;

		u->src_port = rte_cpu_to_be_16(40000);
		u->dst_port = rte_cpu_to_be_16(9999);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
		u->dgram_cksum = 0;
		h5.version_ihl = 0x45;
		h5.total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
		u->dgram_cksum = rte_ipv4_udptcp_cksum(&h5, l4);
	}
	return n + 20 + olen + l4len;
}

/*
 * The Parameter Problem RFC 792 / RFC 1122 3.2.2.5 asks for about the frame req: from 10.0.0.1
 * (the address it was sent to) back to 10.0.0.2, precedence 6 (RFC 1812 4.3.2.5), DF, TTL 64,
 * id 0, code 0, the pointer in the first octet after the checksum, the whole datagram quoted.
 */
static uint32_t
param_problem(uint8_t *w, const uint8_t *req, uint32_t n, uint8_t ptr)
{
	uint32_t q = n - 14, len = 14 + 20 + 8 + q;
	uint8_t *ip = w + 14, *ic = ip + 20;
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	struct dps_addr s = A("10.0.0.1"), d = A("10.0.0.2");

	put_eth(w, &MAC_PEER, &MAC_US, RTE_ETHER_TYPE_IPV4);
	memset(h, 0, 20);
	h->version_ihl = 0x45;
	h->type_of_service = 0xc0;
	h->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + q));
	h->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	h->time_to_live = 64;
	h->next_proto_id = IPPROTO_ICMP;
	memcpy(&h->src_addr, s.b, 4);
	memcpy(&h->dst_addr, d.b, 4);
	h->hdr_checksum = rte_ipv4_cksum(h);
	memset(ic, 0, 8);
	ic[0] = 12;
	ic[4] = ptr;
	memcpy(ic + 8, req + 14, q);
	icmp4_fix(ic, 8 + q);
	return len;
}

struct bad_case {
	const char *name;
	uint8_t opt[12];
	uint8_t olen;
	uint8_t ptr; /* RFC 1812 4.3.3.5: the faulty octet, counted from the header's start */
};

/* Every malformed class the checker knows; ptr is where RFC 791's layout breaks. */
static const struct bad_case BAD[] = {
	{"length 0", {0x1e, 0, 0, 0}, 4, 21},
	{"length 1", {0x1e, 1, 0, 0}, 4, 21},
	{"length past the header", {0x1e, 8, 0, 0}, 4, 21},
	{"no length octet", {1, 1, 1, 0x1e}, 4, 23},
	{"rr length not 3+4n", {7, 4, 4, 0}, 4, 21},
	{"rr pointer 3", {7, 7, 3, 0, 0, 0, 0, 0}, 8, 22},
	{"rr pointer 0", {7, 7, 0, 0, 0, 0, 0, 0}, 8, 22},
	{"rr pointer unaligned", {7, 11, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, 22},
	{"rr pointer past full", {7, 7, 12, 0, 0, 0, 0, 0}, 8, 22},
	{"lsrr pointer 2", {0x83, 7, 2, 0, 0, 0, 0, 0}, 8, 22},
	{"ssrr pointer unaligned", {0x89, 11, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, 22},
	{"ts length 3", {0x44, 3, 5, 0}, 4, 21},
	{"ts pointer 4", {0x44, 8, 4, 0, 0, 0, 0, 0}, 8, 22},
	{"ts pointer unaligned", {0x44, 12, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12, 22},
	{"ts flag 2", {0x44, 8, 5, 2, 0, 0, 0, 0}, 8, 23},
	{"ts flag 1, length not 4+8n", {0x44, 8, 5, 1, 0, 0, 0, 0}, 8, 21},
	{"ts full, overflow would wrap", {0x44, 8, 9, 0xf0, 0, 0, 0, 0}, 8, 23},
	{"ts pointer 4 after a good rr", {7, 7, 4, 0, 0, 0, 0, 0x44, 4, 4, 0, 0}, 12, 29},
};

DPS_TEST(malformed_option_of_echo_gets_parameter_problem_at_the_fault)
{
	static uint8_t f[256], w[512];
	SETUP();

	for (unsigned int i = 0; i < RTE_DIM(BAD); i++) {
		uint32_t n = opt_frame(f, "10.0.0.1", BAD[i].opt, BAD[i].olen, IPPROTO_ICMP, 16);
		uint32_t wl = param_problem(w, f, n, BAD[i].ptr);

		ncap = 0;
		rx(f, n, 0);
		if (ncap != 1 || caps[0].len != wl || !MEMEQ(caps[0].b, w, wl)) {
			printf("    case \"%s\": %u frames, first %u bytes\n", BAD[i].name, ncap,
			       ncap ? caps[0].len : 0);
			CHECK(false);
		}
		CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), i + 1);
	}
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_RCVD), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_SENT), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), RTE_DIM(BAD));
	CHECK_EQ(cnt(DPS_CNT_MALFORMED_RCVD), RTE_DIM(BAD));
	CHECK_EQ(cnt(DPS_CNT_FWD_BAD_OPTION), 0);
	TEARDOWN();
}

DPS_TEST(malformed_option_in_a_chain_is_found_across_segments)
{
	static uint8_t f[256], w[512];
	static const uint8_t opt[] = {7, 11, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	uint32_t n, wl;
	SETUP();

	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_ICMP, 100);
	wl = param_problem(w, f, n, 22);
	rx(f, n, 30); /* the header spans two segments */
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, wl);
	CHECK(MEMEQ(caps[0].b, w, wl));
	TEARDOWN();
}

DPS_TEST(udp_to_a_closed_port_with_a_bad_option_gets_parameter_problem_not_port_unreachable)
{
	static uint8_t f[256], w[512];
	static const uint8_t opt[] = {0x44, 8, 5, 2, 0, 0, 0, 0};
	uint32_t n, wl;
	SETUP();

	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_UDP, 10);
	wl = param_problem(w, f, n, 23);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, wl);
	CHECK(MEMEQ(caps[0].b, w, wl));
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), 1);
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 0);
	/* The same datagram with a valid option: port unreachable, as without options. */
	n = opt_frame(f, "10.0.0.1", (const uint8_t[]){1, 1, 1, 0}, 4, IPPROTO_UDP, 10);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK_EQ(caps[1].b[14 + 20], 3);
	CHECK_EQ(caps[1].b[14 + 21], 3);
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), 1);
	TEARDOWN();
}

DPS_TEST(bad_option_no_error_to_broadcast_about_an_error_or_a_later_fragment)
{
	static uint8_t f[256];
	static const uint8_t opt[] = {0x1e, 0, 0, 0};
	uint32_t n;
	SETUP();

	/* RFC 1122 3.2.2: no error about a datagram to a broadcast address ... */
	n = opt_frame(f, "255.255.255.255", opt, sizeof(opt), IPPROTO_UDP, 10);
	memcpy(f, MAC_BCAST.addr_bytes, 6);
	rx(f, n, 0);
	/* ... to the subnet's broadcast address ... */
	n = opt_frame(f, "10.0.0.255", opt, sizeof(opt), IPPROTO_UDP, 10);
	rx(f, n, 0);
	/* ... about an ICMP error (a destination unreachable with the bad option) ... */
	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_ICMP, 28);
	f[14 + 24] = 3;
	f[14 + 25] = 3;
	icmp4_fix(f + 14 + 24, 8 + 28);
	rx(f, n, 0);
	/* ... or about a fragment other than the first (RFC 1122 3.2.2). */
	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_UDP, 16);
	f[14 + 6] = 0x00;
	f[14 + 7] = 0x03; /* offset 24 bytes, last fragment */
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t c = (uint16_t)~rte_raw_cksum(f + 14, 24);

		memcpy(f + 14 + 10, &c, 2);
	}
	rx(f, n, 0);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), 4);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_RCVD), 0); /* dropped before ICMP saw it */
	CHECK_EQ(cnt(DPS_CNT_IP4_FRAGS_RCVD), 0);
	TEARDOWN();
}

DPS_TEST(bad_option_errors_are_rate_limited)
{
	static uint8_t f[256];
	static const uint8_t opt[] = {0x1e, 0, 0, 0};
	uint32_t n;
	SETUP();

	C->icmp_rate = 1;
	C->icmp_burst = 2;
	C->icmp_rl[0].tokens = 2 * C->tsc_hz;
	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_ICMP, 8);
	for (int i = 0; i < 5; i++)
		rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_RATELIMITED), 3);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), 5);
	TEARDOWN();
}

/*
 * The echo reply RFC 792 / RFC 1122 3.2.2.6 asks for about req, with the option bytes opt as
 * the replier sets them: addresses swapped, TTL 64, type 0, both checksums recomputed.
 */
static uint32_t
echo_reply(uint8_t *w, const uint8_t *req, uint32_t n, const uint8_t *opt, uint32_t olen)
{
	uint8_t *ip = w + 14, *ic = ip + 20 + olen;

	memcpy(w, req, n);
	put_eth(w, &MAC_PEER, &MAC_US, RTE_ETHER_TYPE_IPV4);
	memcpy(ip + 12, req + 14 + 16, 4);
	memcpy(ip + 16, req + 14 + 12, 4);
	ip[8] = 64;
	memcpy(ip + 20, opt, olen);
	ip[10] = ip[11] = 0;
	{
		uint16_t c = (uint16_t)~rte_raw_cksum(ip, 20 + olen);

		memcpy(ip + 10, &c, 2);
	}
	ic[0] = 0;
	icmp4_fix(ic, n - 14 - 20 - olen);
	return n;
}

struct good_case {
	const char *name;
	uint8_t opt[12];
	uint8_t olen;
	uint8_t want[12]; /* the options of the reply */
};

static const struct good_case GOOD[] = {
	/* RFC 791: our address (the one the request was sent to) where the pointer is. */
	{"rr with room", {7, 7, 4, 0, 0, 0, 0, 0}, 8, {7, 7, 8, 10, 0, 0, 1, 0}},
	/* RFC 791: a full Record Route is no error; it goes back unchanged. */
	{"rr full", {7, 7, 8, 1, 2, 3, 4, 0}, 8, {7, 7, 8, 1, 2, 3, 4, 0}},
	{"rr full, length 3", {7, 3, 4, 0}, 4, {7, 3, 4, 0}},
	/* RFC 791: a full Timestamp counts us in its overflow, below 15 no error. */
	{"ts full, overflow 14", {0x44, 8, 9, 0xe0, 9, 9, 9, 9}, 8, {0x44, 8, 9, 0xf0, 9, 9, 9, 9}},
	/* Flag 3 with another host's address at the pointer: not ours to fill. */
	{"ts flag 3, not us",
	 {0x44, 12, 5, 3, 10, 0, 0, 9, 0, 0, 0, 0},
	 12,
	 {0x44, 12, 5, 3, 10, 0, 0, 9, 0, 0, 0, 0}},
	/* RFC 6398 Router Alert and an unknown option: passed untouched (RFC 791, 1122 3.2.1.8). */
	{"router alert", {0x94, 4, 0, 0}, 4, {0x94, 4, 0, 0}},
	{"unknown option", {0x9e, 6, 1, 2, 3, 4, 1, 0}, 8, {0x9e, 6, 1, 2, 3, 4, 1, 0}},
	{"nops then end", {1, 1, 0, 0x1e}, 4, {1, 1, 0, 0x1e}},
};

DPS_TEST(valid_options_are_echoed_with_record_route_filled)
{
	static uint8_t f[256], w[256];
	SETUP();

	for (unsigned int i = 0; i < RTE_DIM(GOOD); i++) {
		uint32_t n = opt_frame(f, "10.0.0.1", GOOD[i].opt, GOOD[i].olen, IPPROTO_ICMP, 20);
		uint32_t wl = echo_reply(w, f, n, GOOD[i].want, GOOD[i].olen);

		ncap = 0;
		rx(f, n, 0);
		if (ncap != 1 || caps[0].len != wl || !MEMEQ(caps[0].b, w, wl)) {
			printf("    case \"%s\": %u frames\n", GOOD[i].name, ncap);
			CHECK(false);
		}
	}
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_OPTION), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_SENT), RTE_DIM(GOOD));
	TEARDOWN();
}

DPS_TEST(timestamp_of_an_echo_is_filled_with_address_and_time)
{
	static uint8_t f[256];
	static const uint8_t opt[] = {0x44, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0};
	const uint8_t *o;
	uint32_t n, t;
	SETUP();

	n = opt_frame(f, "10.0.0.1", opt, sizeof(opt), IPPROTO_ICMP, 20);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, n);
	o = caps[0].b + 14 + 20;
	CHECK(ip4_cksum_ok(caps[0].b + 14));
	CHECK(MEMEQ(o, ((const uint8_t[]){0x44, 12, 13, 1, 10, 0, 0, 1}), 8));
	t = (uint32_t)o[8] << 24 | (uint32_t)o[9] << 16 | (uint32_t)o[10] << 8 | o[11];
	CHECK(t < 86400000u); /* RFC 791: milliseconds since midnight UT */
	CHECK_EQ(caps[0].b[14 + 32], 0);
	CHECK_EQ(rte_raw_cksum(caps[0].b + 14 + 32, n - 14 - 32), 0xffff);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
