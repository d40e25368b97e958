/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counters and their kinds (lib/nic/dps_stats.h): every counter declares a kind once, the
 * docs' counter table is generated from that list, and each reason moves where its help text
 * says: fwd.disabled, udp.packets_received, rx.oversize, and LAN chatter (IGMP, MLD, router
 * solicitations, ARP for other hosts) as info, never as a drop.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_arp.h>
#include <rte_udp.h>

#include "dps_stats.h"
#include "dps_udp.h"
#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

static int
find(const char *name)
{
	for (unsigned int i = 0; i < DPS_CNT_MAX; i++)
		if (strcmp(dps_counter_names[i], name) == 0)
			return (int)i;
	return -1;
}

DPS_TEST(every_counter_has_one_kind_and_a_unique_name)
{
	static const struct {
		const char *name;
		enum dps_counter_kind kind;
	} want[] = {
		/* The two the old hand-kept drop list forgot. */
		{"rx.oversize", DPS_CK_DROP},
		{"fwd.fragmentation_failed", DPS_CK_DROP},
		{"fwd.disabled", DPS_CK_DROP},
		{"tx.dropped", DPS_CK_DROP},
		/* Seed aggregates: their packets are also counted under a drop reason. */
		{"malformed_rcvd", DPS_CK_ERROR},
		{"unknown_protocol_rcvd", DPS_CK_ERROR},
		{"ip.multicast_not_joined", DPS_CK_INFO},
		{"arp.not_for_us", DPS_CK_INFO},
		{"icmp6.other_received", DPS_CK_INFO},
		{"udp.packets_received", DPS_CK_INFO},
		{"tx.packets", DPS_CK_SENT},
	};

	for (unsigned int i = 0; i < DPS_CNT_MAX; i++) {
		CHECK(dps_counter_names[i] != NULL && dps_counter_help[i] != NULL);
		CHECK((unsigned int)dps_counter_kinds[i] < DPS_CK_MAX);
		for (unsigned int j = 0; j < i; j++)
			CHECK(strcmp(dps_counter_names[i], dps_counter_names[j]) != 0);
	}
	for (unsigned int i = 0; i < RTE_DIM(want); i++) {
		int c = find(want[i].name);

		CHECK(c >= 0);
		CHECK_EQ(dps_counter_kinds[c], want[i].kind);
	}
}

DPS_TEST(sum_kind_adds_only_that_kind)
{
	uint64_t c[DPS_CNT_MAX];
	uint64_t want[DPS_CK_MAX] = {0};

	for (unsigned int i = 0; i < DPS_CNT_MAX; i++) {
		c[i] = i + 1;
		want[dps_counter_kinds[i]] += i + 1;
	}
	for (unsigned int k = 0; k < DPS_CK_MAX; k++)
		CHECK_EQ(dps_counters_sum_kind(c, (enum dps_counter_kind)k), want[k]);
}

/* The table between the markers of docs/counters.md, as the X-macro list gives it. */
static char *
doc_table(void)
{
	size_t cap = 1 << 16, off = 0;
	char *b = malloc(cap);

	if (b == NULL)
		return NULL;
	off += (size_t)snprintf(b + off, cap - off, "| counter | kind | meaning |\n| --- | --- | --- |\n");
	for (unsigned int i = 0; i < DPS_CNT_MAX && off < cap; i++)
		off += (size_t)snprintf(b + off, cap - off, "| `%s` | %s | %s |\n", dps_counter_names[i],
					dps_counter_kind_names[dps_counter_kinds[i]], dps_counter_help[i]);
	return b;
}

#define DOC_BEGIN "<!-- counters:begin (generated from lib/nic/dps_stats.h by test_counters) -->\n"
#define DOC_END "<!-- counters:end -->\n"

/*
 * docs/counters.md cannot drift from the list: this case fails when it does and, with
 * DPS_WRITE_DOCS=1, rewrites the table in place (then review and commit the change).
 */
DPS_TEST(docs_counter_table_is_generated_from_the_list)
{
	const char *root = getenv("DPS_SOURCE_ROOT");
	char path[4096], *doc, *table, *b, *e;
	long len;
	FILE *f;

	CHECK(root != NULL);
	snprintf(path, sizeof(path), "%s/docs/counters.md", root);
	f = fopen(path, "r");
	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)len + 1);
	CHECK(doc != NULL);
	CHECK_EQ(fread(doc, 1, (size_t)len, f), len);
	fclose(f);
	table = doc_table();
	CHECK(table != NULL);
	b = strstr(doc, DOC_BEGIN);
	e = b != NULL ? strstr(b, DOC_END) : NULL;
	CHECK(b != NULL && e != NULL);
	b += strlen(DOC_BEGIN);
	if ((size_t)(e - b) != strlen(table) || memcmp(b, table, strlen(table)) != 0) {
		if (getenv("DPS_WRITE_DOCS") != NULL) {
			f = fopen(path, "w");
			CHECK(f != NULL);
			fwrite(doc, 1, (size_t)(b - doc), f);
			fputs(table, f);
			fputs(e, f);
			fclose(f);
			printf("  rewrote the table in %s\n", path);
		} else {
			printf("  %s is out of date: DPS_WRITE_DOCS=1 %s regenerates it\n", path,
			       "build/test/test_counters");
			CHECK(false);
		}
	}
	free(table);
	free(doc);
}

static void
snap(uint64_t c[DPS_CNT_MAX])
{
	dps_stack_counters(S, 0, c);
}

static uint64_t
delta_kind(const uint64_t a[DPS_CNT_MAX], const uint64_t b[DPS_CNT_MAX], enum dps_counter_kind k)
{
	uint64_t d[DPS_CNT_MAX];

	for (unsigned int i = 0; i < DPS_CNT_MAX; i++)
		d[i] = b[i] - a[i];
	return dps_counters_sum_kind(d, k);
}

static const struct rte_ether_addr MAC_IGMP = {.addr_bytes = {0x01, 0, 0x5e, 0, 0, 0x16}};
static const struct rte_ether_addr MAC_MLD = {.addr_bytes = {0x33, 0x33, 0, 0, 0, 0x16}};
static const struct rte_ether_addr MAC_ROUTERS = {.addr_bytes = {0x33, 0x33, 0, 0, 0, 0x02}};

/* An IGMPv3 membership report (RFC 3376 4.2) to 224.0.0.22, no group records. */
static uint32_t
igmp_report(uint8_t *f)
{
	uint32_t n = put_eth(f, &MAC_IGMP, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *l4;

	n += put_ip4(f + n, "10.0.0.2", "224.0.0.22", 2, 8);
	l4 = f + n;
	memset(l4, 0, 8);
	l4[0] = 0x22;
	icmp4_fix(l4, 8);
	return n + 8;
}

/* ICMPv6 of type `type` with a zero body of blen bytes, hop limit 255, checksum fixed. */
static uint32_t
icmp6_msg(uint8_t *f, const struct rte_ether_addr *dmac, const char *src, const char *dst,
	  uint8_t type, uint32_t blen)
{
	uint32_t n = put_eth(f, dmac, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;

	n += put_ip6(ip, src, dst, IPPROTO_ICMPV6, (uint16_t)(4 + blen), 255);
	memset(f + n, 0, 4 + blen);
	f[n] = type;
	l6_fix(ip, 2);
	return n + 4 + blen;
}

/* An ARP request from 10.0.0.2 for 10.0.0.77, a host that is not us. */
static uint32_t
arp_other(uint8_t *f)
{
	uint32_t n = put_eth(f, &MAC_BCAST, &MAC_PEER, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + n);
	struct dps_addr s = A("10.0.0.2"), t = A("10.0.0.77");

	memset(a, 0, sizeof(*a));
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = MAC_PEER;
	memcpy(&a->arp_data.arp_sip, s.b, 4);
	memcpy(&a->arp_data.arp_tip, t.b, 4);
	return n + (uint32_t)sizeof(*a);
}

DPS_TEST(lan_chatter_is_info_not_drops)
{
	static uint8_t f[256];
	uint64_t a[DPS_CNT_MAX], b[DPS_CNT_MAX];
	SETUP();

	for (int fwd = 0; fwd < 2; fwd++) {
		dps_stack_set_forwarding(S, fwd);
		snap(a);
		rx(f, igmp_report(f), 0);
		/* MLDv2 report (RFC 3810 5.2) to ff02::16, router solicitation to ff02::2. */
		rx(f, icmp6_msg(f, &MAC_MLD, "fe80::2", "ff02::16", 143, 4), 0);
		rx(f, icmp6_msg(f, &MAC_ROUTERS, "fe80::2", "ff02::2", 133, 4), 0);
		rx(f, arp_other(f), 0);
		snap(b);
		for (unsigned int i = 0; i < DPS_CNT_MAX; i++)
			if (b[i] != a[i])
				printf("  fwd %d: %s +%" PRIu64 "\n", fwd, dps_counter_names[i], b[i] - a[i]);
		CHECK_EQ(delta_kind(a, b, DPS_CK_DROP), 0);
		CHECK_EQ(b[DPS_CNT_IP_MCAST_NOT_JOINED] - a[DPS_CNT_IP_MCAST_NOT_JOINED], 3);
		CHECK_EQ(b[DPS_CNT_ARP_NOT_FOR_US] - a[DPS_CNT_ARP_NOT_FOR_US], 1);
		CHECK_EQ(ncap, 0);
	}
	TEARDOWN();
}

/* A UDP datagram to 10.0.0.1:port from 10.0.0.2:40000 with plen bytes of payload. */
static uint32_t
udp_to(uint8_t *f, uint16_t port, uint16_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip4(ip, "10.0.0.2", "10.0.0.1", IPPROTO_UDP, (uint16_t)(8 + plen));
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(port);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	u->dgram_cksum = 0;
	memset(u + 1, 0xab, plen);
	return n + 8 + plen;
}

DPS_TEST(udp_packets_received_counts_deliveries_only)
{
	static uint8_t f[2048];
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	rx(f, udp_to(f, 7, 32), 0);
	rx(f, udp_to(f, 7, 32), 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_PACKETS_RECEIVED), 2);
	CHECK_EQ(cnt(DPS_CNT_UDP_ECHOED), 2);
	/* A closed port is a drop (unknown_port_errors), not a delivery. */
	rx(f, udp_to(f, 9, 32), 0);
	CHECK_EQ(cnt(DPS_CNT_UDP_PACKETS_RECEIVED), 2);
	CHECK_EQ(cnt(DPS_CNT_UDP_UNKNOWN_PORT_ERRORS), 1);
	TEARDOWN();
}

DPS_TEST(rx_oversize_is_a_counted_drop)
{
	static uint8_t f[2048];
	uint64_t a[DPS_CNT_MAX], b[DPS_CNT_MAX];
	SETUP();

	CHECK_EQ(dps_udp_echo_add(S, 7), 0);
	snap(a);
	/* 20 + 8 + 1480 = 1508 bytes of IP over a 1500-byte MTU. */
	rx(f, udp_to(f, 7, 1480), 0);
	snap(b);
	CHECK_EQ(b[DPS_CNT_RX_OVERSIZE] - a[DPS_CNT_RX_OVERSIZE], 1);
	CHECK_EQ(delta_kind(a, b, DPS_CK_DROP), 1);
	CHECK_EQ(ncap, 0);
	TEARDOWN();
}

DPS_TEST(fwd_disabled_counts_where_its_help_says)
{
	static uint8_t f[2048];
	uint64_t a[DPS_CNT_MAX], b[DPS_CNT_MAX];
	uint32_t n;
	SETUP();

	/* The stack forwards, lan0 does not: a packet for 198.51.100.9 is fwd.disabled. */
	dps_stack_set_forwarding(S, true);
	dps_nic_set_forwarding(N, false);
	n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	n += put_ip4(f + n, "10.0.0.2", "198.51.100.9", IPPROTO_UDP, 8);
	memset(f + n, 0, 8);
	snap(a);
	rx(f, n + 8, 0);
	snap(b);
	CHECK_EQ(b[DPS_CNT_FWD_DISABLED] - a[DPS_CNT_FWD_DISABLED], 1);
	CHECK_EQ(b[DPS_CNT_IP_INVALID_ADDRESSES_RECEIVED] - a[DPS_CNT_IP_INVALID_ADDRESSES_RECEIVED],
		 0);
	CHECK_EQ(delta_kind(a, b, DPS_CK_DROP), 1);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
