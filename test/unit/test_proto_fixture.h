/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture of the lib/proto unit tests: a stack with the real protocols, one data-path
 * context, one NIC whose link captures transmitted frames into an array, and helpers that
 * build frames byte by byte (checksums by DPDK's own helpers, not lib/proto's).
 *
 * Header only (each test_*.c is built alone with dps_test.c): everything is static.
 */
#ifndef TEST_PROTO_FIXTURE_H
#define TEST_PROTO_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_demux.h"
#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_nic_dp.h"
#include "dps_proto.h"
#include "dps_test.h"

#define CAP_MAX 64
#define CAP_LEN 2048

struct cap {
	uint32_t len;
	uint16_t nb_segs;
	uint8_t b[CAP_LEN];
};

static struct cap caps[CAP_MAX];
static unsigned int ncap;
static struct rte_mempool *pool;
static struct dps_stack *S;
static struct dps_ctx *C;
static struct dps_nic *N;
static unsigned int fixture_seq;

static const struct rte_ether_addr MAC_US = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr MAC_PEER = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr MAC_BCAST = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff,
							       0xff}};

static __rte_unused uint16_t
cap_xmit(void *priv, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	(void)priv;
	(void)q;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (ncap < CAP_MAX && m->pkt_len <= CAP_LEN) {
			const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, caps[ncap].b);

			if (p != caps[ncap].b)
				memcpy(caps[ncap].b, p, m->pkt_len);
			caps[ncap].len = m->pkt_len;
			caps[ncap].nb_segs = m->nb_segs;
			ncap++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static __rte_unused struct dps_addr
A(const char *s)
{
	struct dps_addr a;

	if (dps_addr_parse(s, &a) != 0)
		abort();
	return a;
}

static __rte_unused struct dps_prefix
P(const char *s)
{
	struct dps_prefix p;

	if (dps_prefix_parse(s, &p) != 0)
		abort();
	return p;
}

/* Build the stack: 10.0.0.1/24 and 2001:db8::1/64 on lan0. Returns 0 or a negative errno. */
static __rte_unused int
fx_setup(void)
{
	struct dps_stack_conf sc = {.socket_id = SOCKET_ID_ANY, .max_endpoints = 1024,
				    .max_transport = 1024, .max_neigh = 1024,
				    .max_routes4 = 1024, .max_routes6 = 1024};
	struct dps_nic_conf nc = {.name = "lan0", .id = 0, .mac = MAC_US, .mtu = 1500,
				  .xmit = cap_xmit};
	struct dps_prefix p4 = P("10.0.0.1/24"), p6 = P("2001:db8::1/64");
	char name[16];
	int rc;

	if (pool == NULL) {
		pool = rte_pktmbuf_pool_create("ptpool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		if (pool == NULL)
			return -ENOMEM;
	}
	snprintf(name, sizeof(name), "pt%u", fixture_seq++);
	sc.name = name;
	ncap = 0;
	if ((rc = dps_stack_create(&sc, &S)) < 0)
		return rc;
	if ((rc = dps_proto_register_all(S)) < 0)
		return rc;
	if ((rc = dps_ctx_create(S, 0, 0, pool, SOCKET_ID_ANY, &C)) < 0)
		return rc;
	dps_ctx_online(C);
	if ((rc = dps_nic_create(S, &nc, &N)) < 0)
		return rc;
	if ((rc = dps_nic_enable(N)) < 0)
		return rc;
	if ((rc = dps_nic_add_address(N, RTE_ETHER_TYPE_IPV4, &p4, DPS_PEB_CAN_BE_PRIMARY)) < 0)
		return rc;
	if ((rc = dps_nic_add_address(N, RTE_ETHER_TYPE_IPV6, &p6, DPS_PEB_CAN_BE_PRIMARY)) < 0)
		return rc;
	return 0;
}

static __rte_unused void
fx_teardown(void)
{
	dps_ctx_flush(C);
	dps_ctx_offline(C);
	dps_ctx_free(C);
	dps_stack_free(S);
	S = NULL;
	C = NULL;
	N = NULL;
}

static __rte_unused uint64_t
cnt(enum dps_counter c)
{
	return dps_stack_counter(S, -1, c);
}

/* An mbuf (chain of seg-byte segments when seg > 0) holding a copy of len bytes. */
static __rte_unused struct rte_mbuf *
mk(const void *bytes, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	const uint8_t *b = bytes;
	uint32_t off = 0;

	if (seg == 0)
		seg = len;
	while (off < len || head == NULL) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t k = RTE_MIN(seg, len - off);

		if (m == NULL)
			abort();
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), b + off, k);
		off += k;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
	}
	return head;
}

/* Feed one frame to the stack, flush transmit buffers. */
static __rte_unused void
rx(const void *bytes, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *m = mk(bytes, len, seg);

	dps_eth_input_burst(C, N, &m, 1);
	dps_ctx_flush(C);
}

/* ---- frame builders ---- */

static __rte_unused uint32_t
put_eth(uint8_t *p, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)p;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

static __rte_unused uint32_t
put_ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto, uint16_t l4_len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct dps_addr s = A(src), d = A(dst);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4_len));
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = 63;
	ip->next_proto_id = proto;
	memcpy(&ip->src_addr, s.b, 4);
	memcpy(&ip->dst_addr, d.b, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 20;
}

static __rte_unused uint32_t
put_ip6(uint8_t *p, const char *src, const char *dst, uint8_t nh, uint16_t plen, uint8_t hlim)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	struct dps_addr s = A(src), d = A(dst);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = nh;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, s.b, 16);
	memcpy(ip->dst_addr, d.b, 16);
	return 40;
}

/* ICMPv4 checksum over len bytes at p (independent of lib/proto's helpers). */
static __rte_unused void
icmp4_fix(uint8_t *p, uint32_t len)
{
	p[2] = p[3] = 0;
	uint16_t c = (uint16_t)~rte_raw_cksum(p, len);
	memcpy(p + 2, &c, 2);
}

/* Upper-layer checksum for IPv6 (ICMPv6/UDP/TCP) with no extension headers: at off in l4. */
static __rte_unused void
l6_fix(uint8_t *ip6, uint32_t ck_off)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)ip6;
	uint8_t *l4 = ip6 + 40;
	uint16_t c;

	l4[ck_off] = l4[ck_off + 1] = 0;
	c = rte_ipv6_udptcp_cksum(ip, l4); /* 0xffff for 0: valid in one's complement */
	memcpy(l4 + ck_off, &c, 2);
}

static __rte_unused void
l4_fix4(uint8_t *ip4, uint32_t ck_off)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)ip4;
	uint8_t *l4 = ip4 + 20;
	uint16_t c;

	l4[ck_off] = l4[ck_off + 1] = 0;
	c = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(l4 + ck_off, &c, 2);
}

static __rte_unused bool
ip4_cksum_ok(const uint8_t *ip)
{
	return rte_raw_cksum(ip, (ip[0] & 0x0f) * 4u) == 0xffff;
}

/* Whether the upper-layer checksum of a captured IPv6 packet (no ext headers) verifies. */
static __rte_unused bool
l6_ok(const uint8_t *ip6)
{
	return rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip6, ip6 + 40) == 0;
}

static __rte_unused bool
l4_ok4(const uint8_t *ip4)
{
	return rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip4, ip4 + 20) == 0;
}

/* Print every non-zero counter (debugging a failing case). */
static __rte_unused void
fx_dump(void)
{
	for (int i = 0; i < DPS_CNT_MAX; i++)
		if (cnt((enum dps_counter)i) != 0)
			printf("    %s = %" PRIu64 "\n", dps_counter_names[i], cnt((enum dps_counter)i));
}

#define MEMEQ(a, b, n) (memcmp((a), (b), (n)) == 0)

#endif
