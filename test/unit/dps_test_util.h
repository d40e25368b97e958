/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared set-up helpers of the unit tests (header only: each test_*.c is built alone with
 * dps_test.c, so everything here is static inline).
 *
 *   A(), P()               an address / prefix from text (a typo in a test aborts)
 *   dps_tu_stack_conf()    a stack configuration with the tests' defaults and a unique name
 *   dps_tu_stack()         dps_stack_create() of it, freed when the case ends (dps_test_defer)
 *   dps_tu_pool()          a packet pool, created once per name and kept for the process
 *   dps_tu_mbuf()          an mbuf (or a chain of seg-byte segments) holding a copy of bytes
 *   put_eth/ip4/ip6()      frame builders, byte by byte
 *   *_fix(), *_ok()        checksums by DPDK's own helpers (never lib/proto's)
 *
 * EAL is started by dps_test_main() (dps_test.c); the per-case teardown is dps_test_defer().
 */
#ifndef DPS_TEST_UTIL_H
#define DPS_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_nic.h"
#include "dps_test.h"

/* ---- addresses ---- */

static inline __rte_unused struct dps_addr
A(const char *s)
{
	struct dps_addr a;

	if (dps_addr_parse(s, &a) != 0) {
		printf("bad address in test: %s\n", s);
		abort();
	}
	return a;
}

static inline __rte_unused struct dps_prefix
P(const char *s)
{
	struct dps_prefix p;

	if (dps_prefix_parse(s, &p) != 0) {
		printf("bad prefix in test: %s\n", s);
		abort();
	}
	return p;
}

/* ---- stacks and pools ---- */

/*
 * The tests' stack: any socket, 1024 of everything, a name made unique from tag (name must
 * hold 32 bytes and outlive dps_stack_create()).
 */
static inline __rte_unused void
dps_tu_stack_conf(struct dps_stack_conf *sc, char *name, const char *tag)
{
	static unsigned int seq;

	snprintf(name, 32, "%.20s%u", tag, seq++);
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	sc->socket_id = SOCKET_ID_ANY;
	sc->max_endpoints = 1024;
	sc->max_transport = 1024;
	sc->max_neigh = 1024;
	sc->max_routes4 = 1024;
	sc->max_routes6 = 1024;
}

static inline void
dps_tu_stack_free_deferred(void *arg)
{
	struct dps_stack **s = arg;

	if (*s != NULL)
		dps_stack_free(*s);
	*s = NULL;
}

/*
 * dps_stack_create(sc) into *out (a static or global: the case's cleanup frees *out when the
 * case ends unless the case freed it and set it to NULL first).
 */
static inline __rte_unused int
dps_tu_stack(const struct dps_stack_conf *sc, struct dps_stack **out)
{
	*out = NULL;
	dps_test_defer(dps_tu_stack_free_deferred, out);
	return dps_stack_create(sc, out);
}

/* A pool of n mbufs of the default size, created on first use and kept for the process. */
static inline __rte_unused struct rte_mempool *
dps_tu_pool(const char *name, unsigned int n)
{
	struct rte_mempool *mp = rte_mempool_lookup(name);

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create(name, n, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     SOCKET_ID_ANY);
	return mp;
}

/* ---- mbufs ---- */

/* An mbuf (a chain of seg-byte segments when seg > 0) holding a copy of len bytes. */
static inline __rte_unused struct rte_mbuf *
dps_tu_mbuf(struct rte_mempool *mp, const void *bytes, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	const uint8_t *b = bytes;
	uint32_t off = 0;

	if (seg == 0)
		seg = len;
	while (off < len || head == NULL) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
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

/* ---- frame builders ---- */

static inline __rte_unused uint32_t
put_eth(uint8_t *p, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)p;

	e->dst_addr = *dst;
	e->src_addr = *src;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

/* An IPv4 header (no options, TTL 63, id 0x1234) before l4_len bytes, checksum set. */
static inline __rte_unused uint32_t
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

static inline __rte_unused uint32_t
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

/* ---- checksums (DPDK's helpers) ---- */

/* ICMPv4 checksum over len bytes at p. */
static inline __rte_unused void
icmp4_fix(uint8_t *p, uint32_t len)
{
	p[2] = p[3] = 0;
	uint16_t c = (uint16_t)~rte_raw_cksum(p, len);
	memcpy(p + 2, &c, 2);
}

/* Upper-layer checksum for IPv6 (ICMPv6/UDP/TCP) with no extension headers: at off in l4. */
static inline __rte_unused void
l6_fix(uint8_t *ip6, uint32_t ck_off)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)ip6;
	uint8_t *l4 = ip6 + 40;
	uint16_t c;

	l4[ck_off] = l4[ck_off + 1] = 0;
	c = rte_ipv6_udptcp_cksum(ip, l4); /* 0xffff for 0: valid in one's complement */
	memcpy(l4 + ck_off, &c, 2);
}

static inline __rte_unused void
l4_fix4(uint8_t *ip4, uint32_t ck_off)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)ip4;
	uint8_t *l4 = ip4 + 20;
	uint16_t c;

	l4[ck_off] = l4[ck_off + 1] = 0;
	c = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(l4 + ck_off, &c, 2);
}

static inline __rte_unused bool
ip4_cksum_ok(const uint8_t *ip)
{
	return rte_raw_cksum(ip, (ip[0] & 0x0f) * 4u) == 0xffff;
}

/* Whether the upper-layer checksum of an IPv6 packet (no extension headers) verifies. */
static inline __rte_unused bool
l6_ok(const uint8_t *ip6)
{
	return rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip6, ip6 + 40) == 0;
}

static inline __rte_unused bool
l4_ok4(const uint8_t *ip4)
{
	return rte_ipv4_udptcp_cksum_verify((const struct rte_ipv4_hdr *)ip4, ip4 + 20) == 0;
}

#define MEMEQ(a, b, n) (memcmp((a), (b), (n)) == 0)

#endif
