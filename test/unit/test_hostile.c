/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issue 10's findings on the protocol side, one case each: UDP length below the IP payload
 * (RFC 768), IPv4 broadcast forms (RFC 1122 3.3.6, RFC 1812 5.3.5.2 / 4.3.2.7), replies to a
 * packet delivered through the forwarding path's "the outgoing NIC owns the destination"
 * rule, and the connected host route of a bare address. Each case failed before its fix.
 */
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "dps_icmp.h"
#include "dps_route.h"
#include "dps_udp.h"
#include "test_proto_fixture.h"

#define SETUP()                                                                                    \
	unsigned int base_in_use = pool ? rte_mempool_in_use_count(pool) : 0;                      \
	CHECK_EQ(fx_setup(), 0);                                                                   \
	base_in_use = rte_mempool_in_use_count(pool)

#define TEARDOWN()                                                                                 \
	do {                                                                                       \
		fx_teardown();                                                                     \
		CHECK_EQ(rte_mempool_in_use_count(pool), base_in_use);                             \
	} while (0)

/* A UDP datagram from src to dst:dport with ulen = 8 + plen inside an IP payload of ip_plen. */
static uint32_t
udp4_short(uint8_t *f, const struct rte_ether_addr *edst, const char *src, const char *dst,
	   uint16_t dport, uint32_t plen, uint32_t ip_plen)
{
	uint32_t n = put_eth(f, edst, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)ip;

	n += put_ip4(ip, src, dst, IPPROTO_UDP, (uint16_t)(8 + plen));
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < ip_plen - 8; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i + 1);
	/* Checksum over the UDP length only (RFC 768), then grow the IP payload. */
	l4_fix4(ip, 6);
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + ip_plen));
	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	return n + ip_plen;
}

DPS_TEST(udp_length_below_ip_payload_is_checksummed_over_udp_length)
{
	static uint8_t f[256];
	uint32_t n;
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	/* 8 + 10 bytes of UDP in a 40-byte IP payload: the 22 excess octets are not UDP's. */
	n = udp4_short(f, &MAC_US, "10.0.0.2", "10.0.0.1", 7, 10, 40);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 1);
	CHECK_EQ(ncap, 1);
	/* The reply carries the 18-byte datagram only, valid checksums. */
	CHECK_EQ(caps[0].len, 14 + 20 + 18);
	CHECK(ip4_cksum_ok(caps[0].b + 14));
	CHECK(l4_ok4(caps[0].b + 14));
	CHECK(MEMEQ(caps[0].b + 14 + 28, f + 14 + 28, 10));
	/* Chained the same. */
	rx(f, n, 37);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 2);
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 0);
	TEARDOWN();
}

DPS_TEST(udp6_length_below_ip_payload_is_checksummed_over_udp_length)
{
	static uint8_t f[256];
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	n += put_ip6(ip, "2001:db8::2", "2001:db8::1", IPPROTO_UDP, 18, 64);
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(7);
	u->dgram_len = rte_cpu_to_be_16(18);
	for (uint32_t i = 0; i < 32; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i + 1);
	l6_fix(ip, 6);
	((struct rte_ipv6_hdr *)ip)->payload_len = rte_cpu_to_be_16(40);
	n += 40;
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 1);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 40 + 18);
	CHECK(l6_ok(caps[0].b + 14));
	TEARDOWN();
}

/* An ARP frame from (sha, sip) about tip. */
static uint32_t
arp_from(uint8_t *f, const struct rte_ether_addr *edst, uint16_t op,
	 const struct rte_ether_addr *sha, const char *sip, const char *tip)
{
	uint32_t n = put_eth(f, edst, sha, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + n);
	struct dps_addr s = A(sip), t = A(tip);

	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	memcpy(&a->arp_data.arp_sip, s.b, 4);
	memset(&a->arp_data.arp_tha, 0, 6);
	memcpy(&a->arp_data.arp_tip, t.b, 4);
	return n + sizeof(*a);
}

static int
neigh_state(const char *addr, struct rte_ether_addr *mac)
{
	struct dps_neigh_info v[16];
	struct dps_addr a = A(addr);
	int n = dps_neigh_list(S, v, 16);

	for (int i = 0; i < n && i < 16; i++)
		if (dps_addr_eq(&v[i].addr, &a)) {
			if (mac != NULL)
				*mac = v[i].mac;
			return (int)v[i].state;
		}
	return -1;
}

DPS_TEST(arp_learns_only_by_rfc826_merge_and_from_connected_askers)
{
	static const struct rte_ether_addr M2 = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x22}};
	uint8_t f[128];
	uint32_t n;
	struct rte_ether_addr mac;
	SETUP();

	/* A request to us from a sender on no connected subnet: answered, not learned. */
	n = arp_from(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, &MAC_PEER, "192.168.7.7", "10.0.0.1");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(neigh_state("192.168.7.7", NULL), -1);
	CHECK_EQ(cnt(DPS_CNT_NEIGH_NOT_ON_LINK), 1);
	/* A reply nobody asked for creates nothing either. */
	n = arp_from(f, &MAC_US, RTE_ARP_OP_REPLY, &MAC_PEER, "10.0.0.5", "10.0.0.1");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(neigh_state("10.0.0.5", NULL), -1);
	/* A request from a connected sender that asked us: STALE entry (RFC 4861 7.2.3 alike). */
	n = arp_from(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, &MAC_PEER, "10.0.0.2", "10.0.0.1");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(neigh_state("10.0.0.2", &mac), DPS_NEIGH_STALE);
	CHECK(rte_is_same_ether_addr(&mac, &MAC_PEER));
	/* A request between two other hosts creates nothing... */
	n = arp_from(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, &MAC_PEER, "10.0.0.3", "10.0.0.4");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(neigh_state("10.0.0.3", NULL), -1);
	/* ...but updates an entry naming its sender (RFC 826 merge): the host was replaced. */
	n = arp_from(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, &M2, "10.0.0.2", "10.0.0.4");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(neigh_state("10.0.0.2", &mac), DPS_NEIGH_STALE);
	CHECK(rte_is_same_ether_addr(&mac, &M2));
	/* A static entry is never changed by ARP. */
	{
		struct dps_addr a = A("10.0.0.9");

		CHECK_EQ(dps_neigh_add_static(S, 0, &a, &MAC_PEER), 0);
	}
	n = arp_from(f, &MAC_BCAST, RTE_ARP_OP_REQUEST, &M2, "10.0.0.9", "10.0.0.1");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(neigh_state("10.0.0.9", &mac), DPS_NEIGH_STATIC);
	CHECK(rte_is_same_ether_addr(&mac, &MAC_PEER));
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
