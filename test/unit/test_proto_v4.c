/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/proto over IPv4: Ethernet filters, ARP (RFC 826), IPv4 validation (RFC 791/1122),
 * ICMP echo and errors (RFC 792/1122/1812), UDP (RFC 768) and TCP resets (RFC 9293 3.10.7.1).
 * Frames go in through dps_eth_input_burst; the replies are read from the NIC's link.
 */
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

/* An ARP frame: op, sender (mac, ip), target ip. */
static uint32_t
arp_frame(uint8_t *f, const struct rte_ether_addr *edst, uint16_t op, const char *sip,
	  const char *tip)
{
	uint32_t n = put_eth(f, edst, &MAC_PEER, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + n);
	struct dps_addr s = A(sip), t = A(tip);

	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = MAC_PEER;
	memcpy(&a->arp_data.arp_sip, s.b, 4);
	memset(&a->arp_data.arp_tha, 0, 6);
	memcpy(&a->arp_data.arp_tip, t.b, 4);
	return n + sizeof(*a);
}

/* An ICMP echo request of plen payload bytes from 10.0.0.2 to dst. */
static uint32_t
echo4_frame(uint8_t *f, const char *dst, uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *icmp;

	n += put_ip4(f + n, "10.0.0.2", dst, IPPROTO_ICMP, (uint16_t)(8 + plen));
	icmp = f + n;
	icmp[0] = 8;
	icmp[1] = 0;
	icmp[4] = 0x12; /* identifier */
	icmp[5] = 0x34;
	icmp[6] = 0;    /* sequence */
	icmp[7] = 7;
	for (uint32_t i = 0; i < plen; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 3);
	icmp4_fix(icmp, 8 + plen);
	return n + 8 + plen;
}

static uint32_t
udp4_frame(uint8_t *f, const char *dst, uint16_t dport, uint32_t plen, bool zero_cksum)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip4(ip, "10.0.0.2", dst, IPPROTO_UDP, (uint16_t)(8 + plen));
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i + 1);
	if (zero_cksum)
		u->dgram_cksum = 0;
	else
		l4_fix4(ip, 6);
	return n + 8 + plen;
}

static uint32_t
tcp4_frame(uint8_t *f, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_tcp_hdr *t;

	n += put_ip4(ip, "10.0.0.2", "10.0.0.1", IPPROTO_TCP, (uint16_t)(20 + plen));
	t = (struct rte_tcp_hdr *)(f + n);
	memset(t, 0, sizeof(*t));
	t->src_port = rte_cpu_to_be_16(40001);
	t->dst_port = rte_cpu_to_be_16(80);
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = 5 << 4;
	t->tcp_flags = flags;
	t->rx_win = rte_cpu_to_be_16(1000);
	memset(t + 1, 'x', plen);
	l4_fix4(ip, 16);
	return n + 20 + plen;
}

/* ---- Ethernet ---- */

DPS_TEST(eth_filters_count_and_free)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	/* Short frame. */
	rx(f, 10, 0);
	CHECK_EQ(cnt(DPS_CNT_ETH_SHORT), 1);
	/* Unicast to another MAC. */
	n = arp_frame(f, &MAC_PEER, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ETH_NOT_FOR_US), 1);
	/* Group source MAC. */
	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	f[6] |= 0x01;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ETH_BAD_SOURCE), 1);
	/* 802.1Q tag: not supported. */
	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	f[12] = 0x81;
	f[13] = 0x00;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ETH_UNKNOWN_TYPE), 1);
	CHECK_EQ(cnt(DPS_CNT_UNKNOWN_PROTOCOL_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_RX_PACKETS), 4);
	CHECK_EQ(ncap, 0);
	/* Promiscuous: the unicast frame for another MAC is taken (and answered). */
	dps_nic_set_promiscuous(N, true);
	n = arp_frame(f, &MAC_PEER, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ETH_NOT_FOR_US), 1);
	CHECK_EQ(ncap, 1);
	TEARDOWN();
}

/* ---- ARP ---- */

DPS_TEST(arp_request_for_us_is_answered_and_sender_learned)
{
	uint8_t f[128];
	uint32_t n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	const struct rte_arp_hdr *r;
	struct rte_ether_addr mac;
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 42);
	CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 6, MAC_US.addr_bytes, 6));
	CHECK(caps[0].b[12] == 0x08 && caps[0].b[13] == 0x06);
	r = (const struct rte_arp_hdr *)(caps[0].b + 14);
	CHECK_EQ(rte_be_to_cpu_16(r->arp_opcode), RTE_ARP_OP_REPLY);
	CHECK(rte_is_same_ether_addr(&r->arp_data.arp_sha, &MAC_US));
	CHECK(MEMEQ(&r->arp_data.arp_sip, A("10.0.0.1").b, 4));
	CHECK(rte_is_same_ether_addr(&r->arp_data.arp_tha, &MAC_PEER));
	CHECK(MEMEQ(&r->arp_data.arp_tip, A("10.0.0.2").b, 4));
	CHECK_EQ(cnt(DPS_CNT_ARP_REQUESTS_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_ARP_REPLIES_SENT), 1);
	/* The sender was posted to the control thread, which learns it. */
	dps_neigh_poll(S, C);
	struct dps_addr peer = A("10.0.0.2");
	CHECK_EQ(dps_neigh_lookup_rcu(S, 0, &peer, &mac), 0);
	CHECK(rte_is_same_ether_addr(&mac, &MAC_PEER));
	TEARDOWN();
}

DPS_TEST(arp_padded_and_chained_request_is_answered)
{
	uint8_t f[128] = {0};
	uint32_t n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	SETUP();

	(void)n;
	rx(f, 60, 20); /* padded to the Ethernet minimum, in 3 segments */
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 42);
	CHECK_EQ(caps[0].nb_segs, 1);
	TEARDOWN();
}

DPS_TEST(arp_malformed_and_foreign_are_dropped)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.1");
	f[14 + 4] = 5; /* hlen */
	rx(f, n, 0);
	n = arp_frame(f, &MAC_BCAST, 3, "10.0.0.2", "10.0.0.1"); /* RARP opcode */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ARP_MALFORMED), 2);
	CHECK_EQ(cnt(DPS_CNT_MALFORMED_RCVD), 2);
	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.0.0.99");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ARP_REQUESTS_RCVD), 0);
	/* A reply addressed to us is learned, never answered. */
	n = arp_frame(f, &MAC_US, RTE_ARP_OP_REPLY, "10.0.0.3", "10.0.0.1");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ARP_REPLIES_RCVD), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(arp_solicit_sends_broadcast_request)
{
	struct dps_addr t = A("10.0.0.9");
	const struct rte_arp_hdr *r;
	SETUP();

	CHECK_EQ(S->np[dps_stack_np_slot(S, RTE_ETHER_TYPE_IPV4)]->solicit(C, N, &t, NULL), 0);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK(MEMEQ(caps[0].b, MAC_BCAST.addr_bytes, 6));
	r = (const struct rte_arp_hdr *)(caps[0].b + 14);
	CHECK_EQ(rte_be_to_cpu_16(r->arp_opcode), RTE_ARP_OP_REQUEST);
	CHECK(MEMEQ(&r->arp_data.arp_sip, A("10.0.0.1").b, 4));
	CHECK(MEMEQ(&r->arp_data.arp_tip, t.b, 4));
	CHECK_EQ(cnt(DPS_CNT_ARP_REQUESTS_SENT), 1);
	TEARDOWN();
}

/* ---- IPv4 / ICMP ---- */

static bool
check_echo_reply(const struct cap *c, const uint8_t *req, uint32_t n, const char *from)
{
	const uint8_t *ip = c->b + 14, *rip = req + 14;

	if (c->len != n || !MEMEQ(c->b, MAC_PEER.addr_bytes, 6) ||
	    !MEMEQ(c->b + 6, MAC_US.addr_bytes, 6))
		return false;
	if (!ip4_cksum_ok(ip) || ip[8] != 64 || !MEMEQ(ip + 12, A(from).b, 4) ||
	    !MEMEQ(ip + 16, rip + 12, 4))
		return false;
	/* Type 0, code 0, same id/seq/payload, valid checksum over everything. */
	if (ip[20] != 0 || ip[21] != 0 || !MEMEQ(ip + 24, rip + 24, n - 14 - 24))
		return false;
	return rte_raw_cksum(ip + 20, n - 34) == 0xffff;
}

DPS_TEST(icmp4_echo_is_answered_in_place)
{
	static uint8_t f[1600];
	uint32_t n = echo4_frame(f, "10.0.0.1", 56);
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_echo_reply(&caps[0], f, n, "10.0.0.1"));
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_SENT), 1);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_DELIVERED), 1);
	TEARDOWN();
}

DPS_TEST(icmp4_echo_chain_1400_is_answered_byte_exact)
{
	static uint8_t f[1600];
	uint32_t n = echo4_frame(f, "10.0.0.1", 1400);
	SETUP();

	/* Segments of 97 bytes: odd boundaries inside the checksummed data. */
	rx(f, n, 97);
	CHECK_EQ(ncap, 1);
	CHECK(caps[0].nb_segs > 1);
	CHECK(check_echo_reply(&caps[0], f, n, "10.0.0.1"));
	/* Headers split across segments too (IP header spans the first two). */
	rx(f, n, 30);
	CHECK_EQ(ncap, 2);
	CHECK(check_echo_reply(&caps[1], f, n, "10.0.0.1"));
	TEARDOWN();
}

DPS_TEST(icmp4_echo_padding_is_trimmed)
{
	uint8_t f[128] = {0};
	uint32_t n = echo4_frame(f, "10.0.0.1", 4);
	SETUP();

	rx(f, 60, 0); /* 46-byte frame padded to 60 */
	CHECK_EQ(ncap, 1);
	CHECK(check_echo_reply(&caps[0], f, n, "10.0.0.1"));
	TEARDOWN();
}

DPS_TEST(icmp4_echo_to_broadcast_is_ignored)
{
	uint8_t f[128];
	uint32_t n = echo4_frame(f, "255.255.255.255", 8);
	SETUP();

	memcpy(f, MAC_BCAST.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_RCVD), 1);
	TEARDOWN();
}

DPS_TEST(ipv4_header_validation)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	n = echo4_frame(f, "10.0.0.1", 8);
	f[14] = 0x65; /* version 6 */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_VERSION), 1);
	n = echo4_frame(f, "10.0.0.1", 8);
	f[14] = 0x44; /* IHL 4 */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_IHL), 1);
	n = echo4_frame(f, "10.0.0.1", 8);
	f[16] = 0x01; /* total length 256+ > frame */
	f[24] = f[25] = 0;
	*(uint16_t *)(f + 24) = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_LENGTH), 1);
	n = echo4_frame(f, "10.0.0.1", 8);
	f[24] ^= 0x55; /* header checksum */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_BAD_CHECKSUM), 1);
	/* The PMD's verdict is honoured: BAD drops even a correct header. */
	{
		struct rte_mbuf *m;

		n = echo4_frame(f, "10.0.0.1", 8);
		m = mk(f, n, 0);
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
		dps_eth_input_burst(C, N, &m, 1);
		dps_ctx_flush(C);
		CHECK_EQ(cnt(DPS_CNT_IP4_BAD_CHECKSUM), 2);
	}
	CHECK_EQ(cnt(DPS_CNT_MALFORMED_RCVD), 5);
	/* Multicast source. */
	n = echo4_frame(f, "10.0.0.1", 8);
	memcpy(f + 26, A("224.0.0.5").b, 4);
	f[24] = f[25] = 0;
	*(uint16_t *)(f + 24) = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED), 1);
	/* Bad ICMP checksum. */
	n = echo4_frame(f, "10.0.0.1", 8);
	f[36] ^= 1;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_BAD), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(ipv4_fragments_are_dropped)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	n = echo4_frame(f, "10.0.0.1", 8);
	f[20] = 0x20; /* MF */
	f[24] = f[25] = 0;
	*(uint16_t *)(f + 24) = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	rx(f, n, 0);
	n = echo4_frame(f, "10.0.0.1", 8);
	f[21] = 0x10; /* offset */
	f[24] = f[25] = 0;
	*(uint16_t *)(f + 24) = rte_ipv4_cksum((struct rte_ipv4_hdr *)(f + 14));
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP4_FRAGMENTS), 2);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

/* An ICMP error in caps[i]: type/code, quoted original, from/to. */
static bool
check_icmp4_error(const struct cap *c, uint8_t type, uint8_t code, const uint8_t *orig,
		  uint32_t olen, const char *from)
{
	const uint8_t *ip = c->b + 14;
	uint32_t q = RTE_MIN(olen, 548u);

	if (c->len != 14 + 28 + q || !MEMEQ(c->b, MAC_PEER.addr_bytes, 6))
		return false;
	if (!ip4_cksum_ok(ip) || ip[9] != IPPROTO_ICMP || !MEMEQ(ip + 12, A(from).b, 4) ||
	    !MEMEQ(ip + 16, orig + 12, 4))
		return false;
	if (ip[20] != type || ip[21] != code || rte_raw_cksum(ip + 20, 8 + q) != 0xffff)
		return false;
	return MEMEQ(ip + 28, orig, q);
}

DPS_TEST(ipv4_unknown_protocol_gets_protocol_unreachable)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "10.0.0.1", 99, 12);
	memset(f + n, 0xab, 12);
	n += 12;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_icmp4_error(&caps[0], 3, 2, f + 14, n - 14, "10.0.0.1"));
	CHECK_EQ(cnt(DPS_CNT_IP4_UNKNOWN_PROTOCOL), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 1);
	/* Never about a broadcast. */
	n = put_eth(f, &MAC_BCAST, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "255.255.255.255", 99, 12);
	n += 12;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(cnt(DPS_CNT_IP4_UNKNOWN_PROTOCOL), 2);
	TEARDOWN();
}

DPS_TEST(icmp4_errors_are_rate_limited)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	C->icmp_rate = 1;
	C->icmp_burst = 2;
	C->icmp_rl[0].tokens = 2 * C->tsc_hz;
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "10.0.0.1", 99, 0);
	for (int i = 0; i < 5; i++)
		rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_RATELIMITED), 3);
	TEARDOWN();
}

/* ---- UDP ---- */

DPS_TEST(udp_closed_port_gets_port_unreachable)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	n = udp4_frame(f, "10.0.0.1", 9999, 10, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_icmp4_error(&caps[0], 3, 3, f + 14, n - 14, "10.0.0.1"));
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	/* A zero checksum is "none" over IPv4: still answered. */
	n = udp4_frame(f, "10.0.0.1", 9999, 10, true);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* The quote is cut at 576 bytes in all. */
	n = udp4_frame(f, "10.0.0.1", 9999, 1000, false);
	rx(f, n, 0);
	CHECK_EQ(ncap, 3);
	CHECK_EQ(caps[2].len, 14 + 576);
	CHECK(check_icmp4_error(&caps[2], 3, 3, f + 14, n - 14, "10.0.0.1"));
	/* Not to broadcast. */
	n = udp4_frame(f, "255.255.255.255", 9999, 10, false);
	memcpy(f, MAC_BCAST.addr_bytes, 6);
	rx(f, n, 0);
	CHECK_EQ(ncap, 3);
	TEARDOWN();
}

DPS_TEST(udp_validation)
{
	uint8_t f[128];
	uint32_t n;
	SETUP();

	n = udp4_frame(f, "10.0.0.1", 9999, 10, false);
	f[14 + 20 + 6] ^= 0xff;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 1);
	n = udp4_frame(f, "10.0.0.1", 9999, 10, true);
	f[14 + 20 + 5] = 40; /* UDP length beyond the IP payload */
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_MALFORMED), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(udp_echo_replies_in_place_including_chains)
{
	static uint8_t f[1600];
	uint32_t n;
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	for (int seg = 0; seg <= 1; seg++) {
		const uint8_t *ip;

		ncap = 0;
		n = udp4_frame(f, "10.0.0.1", 7, 1400, false);
		rx(f, n, seg ? 113 : 0);
		CHECK_EQ(ncap, 1);
		CHECK_EQ(caps[0].len, n);
		CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
		ip = caps[0].b + 14;
		CHECK(ip4_cksum_ok(ip));
		CHECK(MEMEQ(ip + 12, A("10.0.0.1").b, 4));
		CHECK(MEMEQ(ip + 16, A("10.0.0.2").b, 4));
		CHECK_EQ(rte_be_to_cpu_16(*(const uint16_t *)(ip + 20)), 7);
		CHECK_EQ(rte_be_to_cpu_16(*(const uint16_t *)(ip + 22)), 40000);
		CHECK(l4_ok4(ip));
		CHECK(MEMEQ(ip + 28, f + 14 + 28, 1400));
	}
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 2);
	TEARDOWN();
}

/* ---- TCP ---- */

DPS_TEST(tcp_syn_gets_rst_ack)
{
	uint8_t f[256];
	uint32_t n = tcp4_frame(f, RTE_TCP_SYN_FLAG, 1000, 0, 0);
	const uint8_t *ip;
	const struct rte_tcp_hdr *t;
	SETUP();

	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 54);
	ip = caps[0].b + 14;
	CHECK(ip4_cksum_ok(ip));
	CHECK(l4_ok4(ip));
	t = (const struct rte_tcp_hdr *)(ip + 20);
	CHECK_EQ(t->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	CHECK_EQ(rte_be_to_cpu_32(t->sent_seq), 0);
	CHECK_EQ(rte_be_to_cpu_32(t->recv_ack), 1001);
	CHECK_EQ(rte_be_to_cpu_16(t->src_port), 80);
	CHECK_EQ(rte_be_to_cpu_16(t->dst_port), 40001);
	CHECK_EQ(cnt(DPS_CNT_TCP_RESETS_SENT), 1);
	TEARDOWN();
}

DPS_TEST(tcp_ack_data_fin_and_rst_rules)
{
	uint8_t f[256];
	uint32_t n;
	const struct rte_tcp_hdr *t;
	SETUP();

	/* ACK set: <SEQ=SEG.ACK><CTL=RST>. */
	n = tcp4_frame(f, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 5000, 777, 10);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	t = (const struct rte_tcp_hdr *)(caps[0].b + 34);
	CHECK_EQ(t->tcp_flags, RTE_TCP_RST_FLAG);
	CHECK_EQ(rte_be_to_cpu_32(t->sent_seq), 777);
	/* No ACK, data and FIN: ack = seq + len + 1. */
	n = tcp4_frame(f, RTE_TCP_FIN_FLAG, 5000, 0, 10);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	t = (const struct rte_tcp_hdr *)(caps[1].b + 34);
	CHECK_EQ(rte_be_to_cpu_32(t->recv_ack), 5011);
	/* Never a RST for a RST. */
	n = tcp4_frame(f, RTE_TCP_RST_FLAG, 5000, 0, 0);
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	/* Bad checksum, bad data offset. */
	n = tcp4_frame(f, RTE_TCP_SYN_FLAG, 5000, 0, 0);
	f[14 + 20 + 16] ^= 1;
	rx(f, n, 0);
	n = tcp4_frame(f, RTE_TCP_SYN_FLAG, 5000, 0, 0);
	f[14 + 20 + 12] = 0x40;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_TCP_MALFORMED), 2);
	CHECK_EQ(ncap, 2);
	TEARDOWN();
}

/* ---- ranges ---- */

DPS_TEST(range_address_answers_but_not_network_or_broadcast)
{
	uint8_t f[128];
	uint32_t n;
	struct dps_prefix r = P("10.1.0.0/24");
	SETUP();

	CHECK_EQ(dps_nic_add_range(N, RTE_ETHER_TYPE_IPV4, &r), 0);
	n = echo4_frame(f, "10.1.0.5", 8);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK(check_echo_reply(&caps[0], f, n, "10.1.0.5"));
	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.1.0.5");
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	n = echo4_frame(f, "10.1.0.0", 8);
	rx(f, n, 0);
	n = echo4_frame(f, "10.1.0.255", 8);
	rx(f, n, 0);
	n = arp_frame(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, "10.0.0.2", "10.1.0.255");
	rx(f, n, 0);
	CHECK_EQ(ncap, 2);
	TEARDOWN();
}

/* ---- dps_icmp4_error, as the forwarding path uses it ---- */

DPS_TEST(icmp4_error_api_source_and_rules)
{
	uint8_t f[128];
	uint32_t n;
	struct rte_mbuf *m;
	SETUP();

	/* Forwarded packet (destination not ours): from the primary address, orig not freed. */
	n = udp4_frame(f, "192.0.2.7", 53, 4, false);
	m = mk(f, n, 0);
	rte_pktmbuf_adj(m, 14);
	m->l2_len = 14;
	CHECK_EQ(dps_icmp4_error(C, N, m, DPS_ICMP4_TIME_EXCEEDED, 0, 0), 0);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK(check_icmp4_error(&caps[0], 11, 0, f + 14, n - 14, "10.0.0.1"));
	/* About an ICMP error: refused. */
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "192.0.2.7", IPPROTO_ICMP, 8);
	memset(f + n, 0, 8);
	f[n] = 3;
	n += 8;
	rte_pktmbuf_free(m);
	m = mk(f, n, 0);
	rte_pktmbuf_adj(m, 14);
	m->l2_len = 14;
	CHECK_EQ(dps_icmp4_error(C, N, m, DPS_ICMP4_TIME_EXCEEDED, 0, 0), -EPERM);
	rte_pktmbuf_free(m);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
