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


#include "dps_route.h"
#include "dps_udp.h"
#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

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

/* Whether the NIC's published IPv4 primary snapshot names ep (a pointer compare, no read). */
static bool
snapshot_has(const struct dps_endpoint *ep)
{
	return dps_nic_primary_snapshot_has(N, (unsigned int)dps_stack_np_slot(S, RTE_ETHER_TYPE_IPV4),
					    ep);
}

DPS_TEST(primary_snapshot_never_names_a_removed_endpoint_when_allocation_fails)
{
	struct dps_prefix p = P("10.0.0.5/24"), p2 = P("10.0.0.6/24");
	struct dps_addr a = A("10.0.0.5"), src;
	const struct dps_endpoint *ep5 = NULL;
	unsigned int slot;
	SETUP();

	slot = (unsigned int)dps_stack_np_slot(S, RTE_ETHER_TYPE_IPV4);
	CHECK_EQ(dps_nic_add_address(N, RTE_ETHER_TYPE_IPV4, &p, DPS_PEB_CAN_BE_PRIMARY), 0);
	ep5 = dps_nic_get_ref(N, RTE_ETHER_TYPE_IPV4, &a);
	CHECK(ep5 != NULL);
	dps_endpoint_put((struct dps_endpoint *)(uintptr_t)ep5);
	CHECK(snapshot_has(ep5));
	/* An add whose rebuild fails keeps the old snapshot: it names only live endpoints. */
	dps_stack_inject_alloc_failures(S, 1);
	CHECK_EQ(dps_nic_add_address(N, RTE_ETHER_TYPE_IPV4, &p2, DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(snapshot_has(ep5));
	CHECK_EQ(dps_nic_primary_addr_rcu(N, slot, &src), 0);
	/* A remove whose rebuild fails must not leave the removed endpoint in the snapshot. */
	dps_stack_inject_alloc_failures(S, 1);
	CHECK_EQ(dps_nic_remove_address(N, &a), 0);
	CHECK(!snapshot_has(ep5));
	dps_ctx_quiescent(C);
	dps_stack_reclaim(S); /* ep5 is freed here: nothing may name it any more */
	CHECK(!snapshot_has(ep5));
	/* The next change rebuilds it whole. */
	CHECK_EQ(dps_nic_remove_address(N, &p2.addr), 0);
	CHECK_EQ(dps_nic_primary_addr_rcu(N, slot, &src), 0);
	CHECK(dps_addr_eq(&src, &(struct dps_addr){.len = 4, .b = {10, 0, 0, 1}}));
	TEARDOWN();
}

/* ---- a second NIC, forwarding on: lan1 10.1.0.1/24, 2001:db8:1::1/64 ---- */

static const struct rte_ether_addr MAC_US1 = {.addr_bytes = {0x02, 0, 0, 0, 1, 0x01}};
static unsigned int lan1_tx;

static uint16_t
lan1_xmit(void *priv, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	(void)priv;
	(void)q;
	lan1_tx += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static int
two_nics(struct dps_nic **n1)
{
	struct dps_nic_conf nc = {.name = "lan1", .id = 1, .mac = MAC_US1, .mtu = 1500,
				  .xmit = lan1_xmit};
	struct dps_prefix p4 = P("10.1.0.1/24"), p6 = P("2001:db8:1::1/64");
	struct dps_prefix c0 = P("10.0.0.1/24"), c06 = P("2001:db8::1/64");
	struct dps_addr peer = A("10.0.0.2"), peer6 = A("2001:db8::2");
	int rc;

	lan1_tx = 0;
	if ((rc = dps_nic_create(S, &nc, n1)) < 0 || (rc = dps_nic_enable(*n1)) < 0)
		return rc;
	if ((rc = dps_nic_add_address(*n1, RTE_ETHER_TYPE_IPV4, &p4, DPS_PEB_CAN_BE_PRIMARY)) < 0 ||
	    (rc = dps_nic_add_address(*n1, RTE_ETHER_TYPE_IPV6, &p6, DPS_PEB_CAN_BE_PRIMARY)) < 0)
		return rc;
	/* Route writers wait for grace periods: the test's context may not be online. */
	dps_ctx_offline(C);
	rc = dps_route_add_connected(S, 0, &c0);
	if (rc == 0)
		rc = dps_route_add_connected(S, 0, &c06);
	if (rc == 0)
		rc = dps_route_add_connected(S, 1, &p4);
	if (rc == 0)
		rc = dps_route_add_connected(S, 1, &p6);
	dps_ctx_online(C);
	if (rc < 0)
		return rc;
	if ((rc = dps_neigh_add_static(S, 0, &peer, &MAC_PEER)) < 0 ||
	    (rc = dps_neigh_add_static(S, 0, &peer6, &MAC_PEER)) < 0)
		return rc;
	dps_stack_set_forwarding(S, true);
	dps_nic_set_forwarding(N, true);
	dps_nic_set_forwarding(*n1, true);
	return 0;
}

/* An echo request from 10.0.0.2 (on lan0) to dst. */
static uint32_t
echo4(uint8_t *f, const struct rte_ether_addr *edst, const char *src, const char *dst)
{
	uint32_t n = put_eth(f, edst, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *icmp;

	n += put_ip4(f + n, src, dst, IPPROTO_ICMP, 16);
	icmp = f + n;
	memset(icmp, 0, 16);
	icmp[0] = 8;
	icmp[5] = 1;
	icmp4_fix(icmp, 16);
	return n + 16;
}

DPS_TEST(reply_to_another_nics_address_is_routed_back_out_the_incoming_link)
{
	uint8_t f[256];
	uint32_t n;
	struct dps_nic *n1;
	const uint8_t *ip;
	SETUP();

	CHECK_EQ(two_nics(&n1), 0);
	/* 10.0.0.2 on lan0 pings lan1's address through lan0 (the seed's delivery rule). */
	n = echo4(f, &MAC_US, "10.0.0.2", "10.1.0.1");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_LOCAL_DELIVERED), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_SENT), 1);
	/* The reply leaves lan0 (the route to 10.0.0.2), from lan0's MAC, not out of lan1. */
	CHECK_EQ(lan1_tx, 0);
	CHECK_EQ(ncap, 1);
	CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 6, MAC_US.addr_bytes, 6));
	ip = caps[0].b + 14;
	CHECK(MEMEQ(ip + 12, A("10.1.0.1").b, 4));
	CHECK(MEMEQ(ip + 16, A("10.0.0.2").b, 4));
	CHECK_EQ(ip[20], 0);
	/* An ICMP error about a packet delivered that way: routed the same. */
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "10.1.0.1", 99, 8);
	memset(f + n, 0xab, 8);
	n += 8;
	rx(f, n, 0);
	CHECK_EQ(lan1_tx, 0);
	CHECK_EQ(ncap, 2);
	CHECK_EQ(caps[1].b[14 + 20], 3);
	CHECK_EQ(caps[1].b[14 + 21], 2);
	CHECK(MEMEQ(caps[1].b, MAC_PEER.addr_bytes, 6));
	/* The same over IPv6: an echo to lan1's address from lan0. */
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	n += put_ip6(f + n, "2001:db8::2", "2001:db8:1::1", IPPROTO_ICMPV6, 16, 64);
	memset(f + n, 0, 16);
	f[n] = 128;
	l6_fix(f + 14, 2);
	n += 16;
	rx(f, n, 0);
	CHECK_EQ(lan1_tx, 0);
	CHECK_EQ(ncap, 3);
	CHECK_EQ(caps[2].b[14 + 40], 129);
	CHECK(l6_ok(caps[2].b + 14));
	TEARDOWN();
}

DPS_TEST(ipv4_subnet_directed_broadcast_forms)
{
	uint8_t f[256];
	uint32_t n;
	struct dps_nic *n1;
	uint64_t inv;
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	/* RFC 1122 3.3.6: our subnet's broadcast is ours: the echo service answers it. */
	n = udp4_short(f, &MAC_BCAST, "10.0.0.2", "10.0.0.255", 7, 10, 18);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 1);
	CHECK_EQ(cnt(DPS_CNT_IP_INVALID_ADDRESSES_RECEIVED), 0);
	CHECK_EQ(ncap, 1);
	CHECK(MEMEQ(caps[0].b + 14 + 12, A("10.0.0.1").b, 4));
	/* To a closed port: no port unreachable about a broadcast (RFC 1122 3.2.2). */
	n = udp4_short(f, &MAC_US, "10.0.0.2", "10.0.0.255", 9, 10, 18);
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	/* An unknown protocol to it, in a unicast frame: no protocol unreachable either. */
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "10.0.0.255", 99, 8);
	n += 8;
	rx(f, n, 0);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(cnt(DPS_CNT_IP4_UNKNOWN_PROTOCOL), 1);
	/* As a source it is invalid (RFC 1122 3.2.1.3). */
	inv = cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED);
	n = udp4_short(f, &MAC_US, "10.0.0.255", "10.0.0.1", 7, 10, 18);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_IP_INVALID_SOURCE_ADDRESSES_RECEIVED), inv + 1);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 1);
	/* 10.0.0.127 is a host of a /24, not a broadcast. */
	n = udp4_short(f, &MAC_US, "10.0.0.127", "10.0.0.1", 7, 10, 18);
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 2);
	ncap = 0;
	/*
	 * RFC 1812 5.3.5.2: a directed broadcast to the other connected subnet is not
	 * forwarded (nor resolved by ARP), and 4.3.2.7: gets no ICMP error. Counted.
	 */
	CHECK_EQ(two_nics(&n1), 0);
	n = echo4(f, &MAC_US, "10.0.0.2", "10.1.0.255");
	rx(f, n, 0);
	dps_neigh_poll(S, C);
	CHECK_EQ(cnt(DPS_CNT_FWD_DIRECTED_BROADCAST), 1);
	CHECK_EQ(cnt(DPS_CNT_FWD_FORWARDED), 0);
	CHECK_EQ(cnt(DPS_CNT_ARP_REQUESTS_SENT), 0);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ERRORS_SENT), 0);
	CHECK_EQ(ncap + lan1_tx, 0);
	/* A forwarded packet whose source is the other subnet's broadcast: a martian. */
	n = echo4(f, &MAC_US, "10.1.0.255", "10.1.0.2");
	rx(f, n, 0);
	CHECK_EQ(cnt(DPS_CNT_FWD_MARTIAN), 1);
	CHECK_EQ(ncap + lan1_tx, 0);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
