/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 802.1Q VLAN NICs (lib/proto/vlan.c, the VLAN part of fastpath.c): frames go in on the port's
 * own NIC through dps_eth_input_burst, as a port's rx burst does, and are read back from the
 * links byte by byte.
 *
 *   lan0      id 0  port link 0  02:00:00:00:00:01  10.0.0.1/24     (untagged)
 *   lan0v100  id 1  VLAN 100 of lan0, same MAC      10.100.0.1/24   2001:db8:100::1/64
 *   lan1      id 2  port link 2  02:00:00:00:00:11  10.1.0.1/24     (another port)
 *   static neighbours: 10.100.0.2 on lan0v100, 10.1.0.5 on lan1; forwarding on.
 *
 * IEEE 802.1Q-2018 9.6: TPID 0x8100, TCI = PCP(3) DEI(1) VID(12); VID 0 means priority
 * tagged (the frame is the port's untagged traffic), 4095 is reserved; 802.1ad S-tags
 * (TPID 0x88a8) and stacked tags are QinQ, which dpstack counts and drops.
 */
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "dps_neigh.h"
#include "dps_route.h"
#include "test_proto_fixture.h"

static const struct rte_ether_addr MAC_LAN1 = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x11}};
static const struct rte_ether_addr MAC_H100 = {.addr_bytes = {0x02, 0, 0, 0, 1, 0x02}};
static const struct rte_ether_addr MAC_H1 = {.addr_bytes = {0x02, 0, 0, 0, 2, 0x05}};
static struct dps_nic *NV, *N2;
static struct dps_vlan_link vlink;
static unsigned int base_in_use;

#define SETUP() CHECK_EQ(vlan_setup(), 0)
#define TEARDOWN()                                                                                 \
	do {                                                                                       \
		fx_teardown();                                                                     \
		NV = N2 = NULL;                                                                    \
		CHECK_EQ(rte_mempool_in_use_count(pool), base_in_use);                             \
	} while (0)

static int
vlan_setup(void)
{
	struct dps_nic_conf vc = {.name = "lan0v100", .id = 1, .mac = MAC_US, .mtu = 1500,
				  .xmit = dps_vlan_xmit, .xmit_priv = &vlink};
	struct dps_nic_conf nc = {.name = "lan1", .id = 2, .port_id = 1, .mac = MAC_LAN1,
				  .mtu = 1500, .xmit = cap_xmit, .xmit_priv = (void *)(uintptr_t)2};
	struct dps_prefix pv = P("10.100.0.1/24"), pv6 = P("2001:db8:100::1/64");
	struct dps_prefix p1 = P("10.1.0.1/24");
	struct dps_addr h100 = A("10.100.0.2"), h1 = A("10.1.0.5");
	int rc;

	if ((rc = fx_setup()) < 0)
		return rc;
	base_in_use = rte_mempool_in_use_count(pool);
	/* The VLAN's link: tags, then lan0's own link (cap_xmit, priv 0: "left by port 0"). */
	vlink = (struct dps_vlan_link){.xmit = cap_xmit, .xmit_priv = (void *)(uintptr_t)0,
				       .tci = 100};
	if ((rc = dps_nic_create(S, &vc, &NV)) < 0 || (rc = dps_nic_enable(NV)) < 0 ||
	    (rc = dps_nic_create(S, &nc, &N2)) < 0 || (rc = dps_nic_enable(N2)) < 0)
		return rc;
	if ((rc = dps_nic_add_address(NV, RTE_ETHER_TYPE_IPV4, &pv, DPS_PEB_CAN_BE_PRIMARY)) < 0 ||
	    (rc = dps_nic_add_address(NV, RTE_ETHER_TYPE_IPV6, &pv6, DPS_PEB_CAN_BE_PRIMARY)) < 0 ||
	    (rc = dps_nic_add_address(N2, RTE_ETHER_TYPE_IPV4, &p1, DPS_PEB_CAN_BE_PRIMARY)) < 0)
		return rc;
	dps_ctx_offline(C);
	if ((rc = dps_vlan_add(N, 100, NV)) < 0)
		return rc;
	if ((rc = dps_route_add_connected(S, 1, &pv)) < 0 ||
	    (rc = dps_route_add_connected(S, 2, &p1)) < 0)
		return rc;
	if ((rc = dps_neigh_add_static(S, 1, &h100, &MAC_H100)) < 0 ||
	    (rc = dps_neigh_add_static(S, 2, &h1, &MAC_H1)) < 0)
		return rc;
	dps_ctx_online(C);
	dps_stack_set_forwarding(S, true);
	dps_nic_set_forwarding(N, true);
	dps_nic_set_forwarding(NV, true);
	dps_nic_set_forwarding(N2, true);
	return 0;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Insert a tag (tpid, tci) after the MAC addresses of a frame of n bytes; the new length. */
static uint32_t
tag(uint8_t *f, uint32_t n, uint16_t tpid, uint16_t tci)
{
	memmove(f + 16, f + 12, n - 12);
	f[12] = (uint8_t)(tpid >> 8);
	f[13] = (uint8_t)tpid;
	f[14] = (uint8_t)(tci >> 8);
	f[15] = (uint8_t)tci;
	return n + 4;
}

/* An ICMP echo request from src to dst, untagged, from dmac's point of view of us. */
static uint32_t
echo4(uint8_t *f, const struct rte_ether_addr *smac, const char *src, const char *dst,
      uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, smac, RTE_ETHER_TYPE_IPV4);
	uint8_t *icmp;

	n += put_ip4(f + n, src, dst, IPPROTO_ICMP, (uint16_t)(8 + plen));
	icmp = f + n;
	memset(icmp, 0, 8);
	icmp[0] = 8;
	icmp[4] = 0x12;
	icmp[7] = 9;
	for (uint32_t i = 0; i < plen; i++)
		icmp[8 + i] = (uint8_t)(i * 5 + 1);
	icmp4_fix(icmp, 8 + plen);
	return n + 8 + plen;
}

/* A UDP datagram, untagged, from smac to our MAC. */
static uint32_t
udp4(uint8_t *f, const struct rte_ether_addr *smac, const char *src, const char *dst,
     uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, smac, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip4(ip, src, dst, IPPROTO_UDP, (uint16_t)(8 + plen));
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(9);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i * 3 + 7);
	l4_fix4(ip, 6);
	return n + 8 + plen;
}

/* Set the TTL of the untagged IPv4 frame f, header checksum updated. */
static void
set_ttl4(uint8_t *f, uint8_t ttl)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	ip->time_to_live = ttl;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* udp4()'s datagram as forwarded once (two routers: TTL 62) from smac to dmac; its length. */
static uint32_t
routed_udp4(uint8_t *want, const struct rte_ether_addr *from, const char *src, const char *dst,
	    const struct rte_ether_addr *dmac, const struct rte_ether_addr *smac)
{
	uint32_t n = udp4(want, from, src, dst, 40);

	memcpy(want, dmac->addr_bytes, 6);
	memcpy(want + 6, smac->addr_bytes, 6);
	set_ttl4(want, 62);
	return n;
}

/* Feed frames as one rx burst of nic, flush. */
static void
rx_burst(struct dps_nic *nic, uint8_t (*f)[256], const uint32_t *len, uint16_t n)
{
	struct rte_mbuf *m[16];

	for (uint16_t i = 0; i < n; i++)
		m[i] = mk(f[i], len[i], 0);
	dps_eth_input_burst(C, nic, m, n);
	dps_ctx_flush(C);
}

static uint64_t
ncnt(uint16_t nic, enum dps_counter c)
{
	return dps_stack_counter(S, nic, c);
}

/*
 * An echo reply to an echo request q (untagged bytes, qn long) as icmp4.c / the fast path
 * build it: MACs swapped, addresses swapped, TTL 64, type 0, both checksums fixed.
 */
static uint32_t
reply4(uint8_t *r, const uint8_t *q, uint32_t qn)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(r + 14);
	uint32_t a;

	memcpy(r, q, qn);
	memcpy(r, q + 6, 6);
	memcpy(r + 6, q, 6);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	r[34] = 0;
	icmp4_fix(r + 34, qn - 34);
	return qn;
}

DPS_TEST(tagged_echo_to_the_vlan_address_is_answered_with_the_tag)
{
	static uint8_t f[1][256], want[300];
	uint32_t len[1], n;
	SETUP();

	n = echo4(f[0], &MAC_H100, "10.100.0.2", "10.100.0.1", 32);
	n = reply4(want, f[0], n);
	n = tag(want, n, RTE_ETHER_TYPE_VLAN, 100);
	len[0] = echo4(f[0], &MAC_H100, "10.100.0.2", "10.100.0.1", 32);
	len[0] = tag(f[0], len[0], RTE_ETHER_TYPE_VLAN, 100);
	rx_burst(N, f, len, 1);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].nic, 0); /* out of the port */
	CHECK_EQ(caps[0].len, n);
	CHECK(MEMEQ(caps[0].b, want, n));
	/* The VLAN NIC's counters, not the port's own NIC's. */
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 1);
	CHECK_EQ(ncnt(1, DPS_CNT_ICMP4_ECHO_SENT), 1);
	CHECK_EQ(ncnt(1, DPS_CNT_TX_PACKETS), 1);
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 0);
	CHECK_EQ(ncnt(0, DPS_CNT_TX_PACKETS), 0);
	TEARDOWN();
}

DPS_TEST(tagged_echo_in_a_chain_and_with_a_priority_is_answered_by_the_slow_path)
{
	static uint8_t f[256], want[300];
	uint32_t n, wn;
	struct rte_mbuf *m;
	SETUP();

	/* PCP 5 in the TCI: the VID is the low 12 bits; the reply carries priority 0. */
	n = echo4(f, &MAC_H100, "10.100.0.2", "10.100.0.1", 100);
	wn = reply4(want, f, n);
	wn = tag(want, wn, RTE_ETHER_TYPE_VLAN, 100);
	n = tag(f, n, RTE_ETHER_TYPE_VLAN, (5 << 13) | 100);
	m = mk(f, n, 60); /* a chain: the tag and addresses in the first segment */
	dps_eth_input_burst(C, N, &m, 1);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, wn);
	CHECK(MEMEQ(caps[0].b, want, wn));
	TEARDOWN();
}

DPS_TEST(untagged_and_priority_tagged_frames_stay_on_the_port_nic)
{
	static uint8_t f[2][256], want[300];
	uint32_t len[2], n;
	SETUP();

	len[0] = echo4(f[0], &MAC_PEER, "10.0.0.2", "10.0.0.1", 16);
	n = reply4(want, f[0], len[0]);
	/* VID 0: priority tagged, the port's own traffic (802.1Q 9.6), answered untagged. */
	len[1] = tag(f[1], echo4(f[1], &MAC_PEER, "10.0.0.2", "10.0.0.1", 16),
		     RTE_ETHER_TYPE_VLAN, 3 << 13);
	rx_burst(N, f, len, 2);
	CHECK_EQ(ncap, 2);
	for (unsigned int i = 0; i < 2; i++) {
		CHECK_EQ(caps[i].len, n);
		CHECK(MEMEQ(caps[i].b, want, n));
	}
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 2);
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 0);
	TEARDOWN();
}

DPS_TEST(unknown_vids_are_counted_and_dropped)
{
	static uint8_t f[2][256];
	uint32_t len[2];
	SETUP();

	/* Unknown VIDs (200; 4095, reserved): counted on the port's NIC, dropped. */
	len[0] = tag(f[0], echo4(f[0], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_VLAN, 200);
	len[1] = tag(f[1], echo4(f[1], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_VLAN, 4095);
	rx_burst(N, f, len, 2);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_VLAN_UNKNOWN), 2);
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 2);
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 0);
	CHECK_EQ(ncnt(1, DPS_CNT_ICMP4_ECHO_SENT), 0);
	TEARDOWN();
}

DPS_TEST(qinq_and_short_tags_are_counted_and_dropped)
{
	static uint8_t f[4][256];
	uint32_t len[4];
	SETUP();

	/* 802.1ad S-tag, then a C-tag of a configured VID. */
	len[0] = tag(f[0], echo4(f[0], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_VLAN, 100);
	len[0] = tag(f[0], len[0], RTE_ETHER_TYPE_QINQ, 7);
	/* Two C-tags. */
	len[1] = tag(f[1], echo4(f[1], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_VLAN, 100);
	len[1] = tag(f[1], len[1], RTE_ETHER_TYPE_VLAN, 100);
	/* An S-tag alone. */
	len[2] = tag(f[2], echo4(f[2], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_QINQ, 100);
	/* A tag cut short: 16 bytes. */
	len[3] = 16;
	memcpy(f[3], f[1], 16);
	rx_burst(N, f, len, 4);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_VLAN_QINQ), 3);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_SHORT), 1);
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 4);
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 0);
	TEARDOWN();
}

DPS_TEST(arp_on_the_vlan_is_answered_tagged)
{
	static uint8_t f[1][256];
	uint32_t len[1], n;
	struct rte_arp_hdr *a;
	struct dps_addr s = A("10.100.0.2"), t = A("10.100.0.1");
	SETUP();

	n = put_eth(f[0], &MAC_BCAST, &MAC_H100, RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(f[0] + n);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = MAC_H100;
	memcpy(&a->arp_data.arp_sip, s.b, 4);
	memset(&a->arp_data.arp_tha, 0, 6);
	memcpy(&a->arp_data.arp_tip, t.b, 4);
	len[0] = tag(f[0], n + sizeof(*a), RTE_ETHER_TYPE_VLAN, 100);
	rx_burst(N, f, len, 1);
	CHECK_EQ(ncap, 1);
	CHECK(MEMEQ(caps[0].b, MAC_H100.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 6, MAC_US.addr_bytes, 6));
	CHECK_EQ(be16(caps[0].b + 12), RTE_ETHER_TYPE_VLAN);
	CHECK_EQ(be16(caps[0].b + 14), 100);
	CHECK_EQ(be16(caps[0].b + 16), RTE_ETHER_TYPE_ARP);
	CHECK_EQ(be16(caps[0].b + 18 + 6), RTE_ARP_OP_REPLY);
	CHECK(MEMEQ(caps[0].b + 18 + 14, t.b, 4)); /* sender: the VLAN's address */
	CHECK_EQ(ncnt(1, DPS_CNT_ARP_REPLIES_SENT), 1);
	TEARDOWN();
}

DPS_TEST(forwarding_tagged_to_untagged_and_back_rewrites_the_tags)
{
	static uint8_t f[4][256], want[300];
	uint32_t len[4], n;
	SETUP();

	/* 10.100.0.2 on VLAN 100 -> 10.1.0.5 on lan1: out untagged, TTL 62. */
	n = routed_udp4(want, &MAC_H100, "10.100.0.2", "10.1.0.5", &MAC_H1, &MAC_LAN1);
	for (unsigned int i = 0; i < 2; i++)
		len[i] = tag(f[i], udp4(f[i], &MAC_H100, "10.100.0.2", "10.1.0.5", 40),
			     RTE_ETHER_TYPE_VLAN, 100);
	rx_burst(N, f, len, 2);
	CHECK_EQ(ncap, 2);
	for (unsigned int i = 0; i < 2; i++) {
		CHECK_EQ(caps[i].nic, 2);
		CHECK_EQ(caps[i].len, n);
		CHECK(MEMEQ(caps[i].b, want, n));
	}
	CHECK_EQ(ncnt(1, DPS_CNT_FWD_FORWARDED), 2);

	/* 10.1.0.5 on lan1 -> 10.100.0.2: out of port 0 tagged 100, TTL 62. */
	ncap = 0;
	n = routed_udp4(want, &MAC_H1, "10.1.0.5", "10.100.0.2", &MAC_H100, &MAC_US);
	n = tag(want, n, RTE_ETHER_TYPE_VLAN, 100);
	for (unsigned int i = 0; i < 3; i++) {
		len[i] = udp4(f[i], &MAC_H1, "10.1.0.5", "10.100.0.2", 40);
		memcpy(f[i], MAC_LAN1.addr_bytes, 6);
	}
	rx_burst(N2, f, len, 3);
	CHECK_EQ(ncap, 3);
	for (unsigned int i = 0; i < 3; i++) {
		CHECK_EQ(caps[i].nic, 0);
		CHECK_EQ(caps[i].len, n);
		CHECK(MEMEQ(caps[i].b, want, n));
	}
	CHECK_EQ(ncnt(1, DPS_CNT_TX_PACKETS), 3);
	CHECK_EQ(ncnt(2, DPS_CNT_FWD_FORWARDED), 3);
	TEARDOWN();
}

/*
 * A burst of one VLAN (the trunk's common case: its tags come off in the fast path's own
 * pass): a datagram forwarded to lan1, one with TTL 1 (the router's slow side: Time
 * Exceeded back out of the VLAN, tagged), a priority-tagged one of the same VID (PCP 5:
 * the same VLAN), and a C-tag inside the C-tag (QinQ: counted on the port's NIC, dropped).
 */
DPS_TEST(one_vlan_burst_forwards_errs_and_counts_qinq)
{
	static uint8_t f[4][256], want[300];
	uint32_t len[4], n;
	unsigned int fwd = 0;
	SETUP();

	n = routed_udp4(want, &MAC_H100, "10.100.0.2", "10.1.0.5", &MAC_H1, &MAC_LAN1);
	for (unsigned int i = 0; i < 4; i++)
		len[i] = udp4(f[i], &MAC_H100, "10.100.0.2", "10.1.0.5", 40);
	set_ttl4(f[1], 1);
	len[0] = tag(f[0], len[0], RTE_ETHER_TYPE_VLAN, 100);
	len[1] = tag(f[1], len[1], RTE_ETHER_TYPE_VLAN, 100);
	len[2] = tag(f[2], len[2], RTE_ETHER_TYPE_VLAN, 5 << 13 | 100);
	len[3] = tag(f[3], len[3], RTE_ETHER_TYPE_VLAN, 100);
	len[3] = tag(f[3], len[3], RTE_ETHER_TYPE_VLAN, 100);
	rx_burst(N, f, len, 4);
	CHECK_EQ(ncap, 3);
	for (unsigned int i = 0; i < ncap; i++) {
		if (caps[i].nic == 2) {
			CHECK_EQ(caps[i].len, n);
			CHECK(MEMEQ(caps[i].b, want, n));
			fwd++;
			continue;
		}
		/* RFC 792 Time Exceeded, to the sender on its VLAN, from the VLAN's address. */
		CHECK_EQ(caps[i].nic, 0);
		CHECK(MEMEQ(caps[i].b, MAC_H100.addr_bytes, 6));
		CHECK(MEMEQ(caps[i].b + 6, MAC_US.addr_bytes, 6));
		CHECK_EQ(be16(caps[i].b + 12), RTE_ETHER_TYPE_VLAN);
		CHECK_EQ(be16(caps[i].b + 14) & RTE_VLAN_ID_MASK, 100);
		CHECK_EQ(be16(caps[i].b + 16), RTE_ETHER_TYPE_IPV4);
		CHECK_EQ(caps[i].b[18 + 9], IPPROTO_ICMP);
		CHECK_EQ(caps[i].b[18 + 20], 11);
	}
	CHECK_EQ(fwd, 2);
	CHECK_EQ(ncnt(1, DPS_CNT_FWD_FORWARDED), 2);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_VLAN_QINQ), 1);
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 3);
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 1);
	TEARDOWN();
}

/*
 * Six echo requests in one burst of the port's NIC: untagged, VLAN 100, unknown VID 101,
 * VLAN 100, untagged, QinQ; with tagged_first the first two change places, so that the burst
 * starts tagged (sorted per NIC before the fast path) rather than untagged (tagged frames set
 * aside by the fast path's Ethernet check). Either way: 2 replies each side, the port's own
 * first, then the VLAN's, each in arrival order (told apart by their payload lengths).
 */
static void
mixed_burst_check(bool tagged_first)
{
	static uint8_t f[6][256];
	uint32_t len[6];
	unsigned int u = tagged_first ? 1 : 0, v = 1 - u;

	len[u] = echo4(f[u], &MAC_PEER, "10.0.0.2", "10.0.0.1", 0);
	len[v] = tag(f[v], echo4(f[v], &MAC_H100, "10.100.0.2", "10.100.0.1", 1),
		     RTE_ETHER_TYPE_VLAN, 100);
	len[2] = tag(f[2], echo4(f[2], &MAC_H100, "10.100.0.2", "10.100.0.1", 2),
		     RTE_ETHER_TYPE_VLAN, 101);
	len[3] = tag(f[3], echo4(f[3], &MAC_H100, "10.100.0.2", "10.100.0.1", 3),
		     RTE_ETHER_TYPE_VLAN, 100);
	len[4] = echo4(f[4], &MAC_PEER, "10.0.0.2", "10.0.0.1", 4);
	len[5] = tag(f[5], echo4(f[5], &MAC_H100, "10.100.0.2", "10.100.0.1", 5),
		     RTE_ETHER_TYPE_VLAN, 100);
	len[5] = tag(f[5], len[5], RTE_ETHER_TYPE_QINQ, 100);
	rx_burst(N, f, len, 6);
	CHECK_EQ(ncap, 4);
	CHECK_EQ(caps[0].len, 42);
	CHECK_EQ(caps[1].len, 46);
	CHECK_EQ(caps[2].len, 43 + 4);
	CHECK_EQ(caps[3].len, 45 + 4);
	CHECK_EQ(be16(caps[2].b + 14), 100);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_VLAN_UNKNOWN), 1);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_VLAN_QINQ), 1);
}

DPS_TEST(mixed_burst_sorted_per_nic_in_order)
{
	SETUP();
	mixed_burst_check(false);
	if (dps_test_failed)
		return;
	TEARDOWN();
}

DPS_TEST(mixed_burst_starting_tagged_sorted_per_nic_in_order)
{
	SETUP();
	mixed_burst_check(true);
	if (dps_test_failed)
		return;
	CHECK_EQ(ncnt(0, DPS_CNT_RX_PACKETS), 4);
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 2);
	TEARDOWN();
}

DPS_TEST(tag_stripped_by_the_pmd_is_honoured)
{
	static uint8_t f[256], want[300];
	uint32_t n, wn;
	struct rte_mbuf *m;
	SETUP();

	/* RTE_ETH_RX_OFFLOAD_VLAN_STRIP: the frame untagged, the TCI in the mbuf. */
	n = echo4(f, &MAC_H100, "10.100.0.2", "10.100.0.1", 20);
	wn = tag(want, reply4(want, f, n), RTE_ETHER_TYPE_VLAN, 100);
	m = mk(f, n, 0);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 100;
	dps_eth_input_burst(C, N, &m, 1);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, wn);
	CHECK(MEMEQ(caps[0].b, want, wn));
	CHECK_EQ(ncnt(1, DPS_CNT_RX_PACKETS), 1);
	TEARDOWN();
}

DPS_TEST(vlan_xmit_copies_a_shared_mbuf_and_can_leave_tagging_to_the_pmd)
{
	static uint8_t f[256];
	struct dps_vlan_link hw = {.xmit = cap_xmit, .tci = 100, .hw_insert = true};
	struct rte_mbuf *m, *p[1];
	uint32_t n;
	SETUP();

	n = udp4(f, &MAC_PEER, "10.0.0.2", "10.0.0.9", 10);
	m = mk(f, n, 0);
	rte_mbuf_refcnt_update(m, 1); /* another holder: the data must not change under it */
	p[0] = m;
	CHECK_EQ(dps_vlan_xmit(&vlink, 0, p, 1), 1);
	CHECK(p[0] != m);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, n + 4);
	CHECK_EQ(be16(caps[0].b + 12), RTE_ETHER_TYPE_VLAN);
	CHECK_EQ(be16(caps[0].b + 14), 100);
	CHECK(MEMEQ(caps[0].b + 16, f + 12, n - 12));
	CHECK_EQ(rte_pktmbuf_pkt_len(m), n); /* the other holder's frame as it was */
	CHECK(MEMEQ(rte_pktmbuf_mtod(m, uint8_t *), f, n));
	rte_pktmbuf_free(m);

	/* hw_insert: the frame untouched, the tag asked of the PMD. */
	m = mk(f, n, 0);
	p[0] = m;
	CHECK_EQ(dps_vlan_xmit(&hw, 0, p, 1), 1);
	CHECK_EQ(caps[1].len, n);
	CHECK(MEMEQ(caps[1].b, f, n));
	TEARDOWN();
}

DPS_TEST(vlan_add_refuses_bad_and_duplicate_entries_and_del_restores_unknown)
{
	static uint8_t f[1][256];
	uint32_t len[1];
	uint16_t parent = 99;
	SETUP();

	dps_ctx_offline(C);
	CHECK_EQ(dps_vlan_add(N, 0, N2), -EINVAL);
	CHECK_EQ(dps_vlan_add(N, 4095, N2), -EINVAL);
	CHECK_EQ(dps_vlan_add(N, 100, N2), -EEXIST); /* VID taken */
	CHECK_EQ(dps_vlan_add(N, 101, NV), -EEXIST); /* NV is VLAN 100 already */
	CHECK_EQ(dps_vlan_add(NV, 5, N2), -EINVAL);  /* a VLAN has no VLANs (no QinQ) */
	CHECK_EQ(dps_vlan_add(N2, 5, N), -EINVAL);   /* a parent is no VLAN */
	CHECK_EQ(dps_vlan_of(NV, &parent), 100);
	CHECK_EQ(parent, 0);
	CHECK_EQ(dps_vlan_of(N, NULL), 0);
	CHECK_EQ(dps_vlan_del(N, 101), -ENOENT);
	CHECK_EQ(dps_vlan_del(N, 100), 0);
	dps_stack_synchronize(S);
	dps_ctx_online(C);
	/* No VLAN left on the port: a tag is an ethertype lan0 does not speak, as before. */
	len[0] = tag(f[0], echo4(f[0], &MAC_H100, "10.100.0.2", "10.100.0.1", 8),
		     RTE_ETHER_TYPE_VLAN, 100);
	rx_burst(N, f, len, 1);
	CHECK_EQ(ncap, 0);
	CHECK_EQ(ncnt(0, DPS_CNT_ETH_UNKNOWN_TYPE), 1);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
