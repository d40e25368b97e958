/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UDP echo service (RFC 862) on the fused fast path (lib/proto/fastpath.c, fp4_uecho() /
 * fp6_uecho()) against the slow path it stands in for (NIC layer delivery, ipv4.c / ipv6.c,
 * the demuxer, udp.c's dps_udp_echo_rx()).
 *
 * Every case feeds the same frames twice through dps_eth_input_burst(): once with the NIC
 * promiscuous, which closes the fast path (the NIC layer decides everything), once not. The
 * replies must be equal byte for byte and every counter must have moved by the same amount,
 * stack-wide and on the NIC; the pool's in-use count is back at its baseline after each run.
 * Whether the fast path answered is seen in the order of the replies: its replies leave at
 * the end of the fast stages, before anything the slow path answers for the same burst.
 * The bulk demux lookup of lib/nic (dps_demux_lookup_bulk) is checked on its own too.
 */
#include <rte_icmp.h>
#include <rte_udp.h>

#include "dps_udp.h"
#include "test_proto_fixture.h"

#define SETUP()                                                                                    \
	FX_SETUP_POOL();                                                                           \
	base = base_in_use;                                                                        \
	CHECK_EQ(dps_udp_echo_add(S, 7), 0);                                                       \
	CHECK_EQ(dps_udp_echo_add(S, 7007), 0)
#define TEARDOWN() FX_TEARDOWN_POOL()

/* lib/proto's UDP echo callback (dps_proto_priv.h, not for tests): how the service is known. */
void dps_udp_echo_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
		     const struct dps_pktinfo *info, void *arg);

#define PEER4 "10.0.0.2"
#define US4 "10.0.0.1"
#define PEER6 "2001:db8::2"
#define US6 "2001:db8::1"
#define MAXF 8

static unsigned int base; /* the pool's in-use count after set-up */

/* What one run of a burst did: the frames sent, in order, and every counter's delta. */
struct run {
	unsigned int ncap;
	struct cap caps[MAXF * 2];
	uint64_t stack[DPS_CNT_MAX], nic[DPS_CNT_MAX];
};

static struct run slow_run, fast_run;

/* A UDP datagram from PEER4:40000 to dst:dport of plen bytes; checksum set unless zero. */
static uint32_t
udp4(uint8_t *f, const char *dst, uint16_t dport, uint32_t plen, bool zero)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip4(ip, PEER4, dst, IPPROTO_UDP, (uint16_t)(8 + plen));
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(40000);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(i * 13 + 5);
	if (zero)
		u->dgram_cksum = 0;
	else
		l4_fix4(ip, 6);
	return n + 8 + plen;
}

/* The IPv4 header checksum and the UDP one again after a test changed header fields. */
static void
refix4(uint8_t *f, bool udp_too)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (udp_too)
		l4_fix4(f + 14, 6);
}

static uint32_t
udp6(uint8_t *f, const char *dst, uint16_t dport, uint32_t plen, bool zero)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + n;
	struct rte_udp_hdr *u;

	n += put_ip6(ip, PEER6, dst, IPPROTO_UDP, (uint16_t)(8 + plen), 61);
	u = (struct rte_udp_hdr *)(f + n);
	u->src_port = rte_cpu_to_be_16(50000);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + plen));
	for (uint32_t i = 0; i < plen; i++)
		((uint8_t *)(u + 1))[i] = (uint8_t)(255 - i * 3);
	if (zero)
		u->dgram_cksum = 0;
	else
		l6_fix(ip, 6);
	return n + 8 + plen;
}

/* An ICMP echo request (for mixed bursts). */
static uint32_t
icmp4_echo(uint8_t *f, const char *dst, uint32_t plen)
{
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	uint8_t *icmp;

	n += put_ip4(f + n, PEER4, dst, IPPROTO_ICMP, (uint16_t)(8 + plen));
	icmp = f + n;
	memset(icmp, 0, 8 + plen);
	icmp[0] = RTE_IP_ICMP_ECHO_REQUEST;
	icmp[5] = 9;
	icmp4_fix(icmp, 8 + plen);
	return n + 8 + plen;
}

/*
 * Feed n frames as one burst (each in seg-byte segments when seg > 0, ol_flags or'ed in) with
 * the fast path closed (promiscuous) or open; record the frames sent and counter deltas.
 * Returns false when the pool is not back at its baseline.
 */
static bool
feed(uint8_t *const *fr, const uint32_t *len, unsigned int n, uint32_t seg, uint64_t ol,
     bool promisc, struct run *r)
{
	static uint64_t b_stack[DPS_CNT_MAX], b_nic[DPS_CNT_MAX];
	struct rte_mbuf *m[MAXF];

	dps_nic_set_promiscuous(N, promisc);
	for (int c = 0; c < DPS_CNT_MAX; c++) {
		b_stack[c] = dps_stack_counter(S, -1, (enum dps_counter)c);
		b_nic[c] = dps_stack_counter(S, 0, (enum dps_counter)c);
	}
	ncap = 0;
	for (unsigned int i = 0; i < n; i++) {
		m[i] = mk(fr[i], len[i], seg);
		m[i]->ol_flags |= ol;
	}
	dps_eth_input_burst(C, N, m, (uint16_t)n);
	dps_ctx_flush(C);
	r->ncap = ncap;
	memcpy(r->caps, caps, sizeof(r->caps[0]) * RTE_MIN(ncap, (unsigned int)(MAXF * 2)));
	for (int c = 0; c < DPS_CNT_MAX; c++) {
		r->stack[c] = dps_stack_counter(S, -1, (enum dps_counter)c) - b_stack[c];
		r->nic[c] = dps_stack_counter(S, 0, (enum dps_counter)c) - b_nic[c];
	}
	dps_nic_set_promiscuous(N, false);
	if (rte_mempool_in_use_count(pool) != base) {
		printf("    pool in use %u, baseline %u\n", rte_mempool_in_use_count(pool), base);
		return false;
	}
	return true;
}

static bool
cap_eq(const struct cap *a, const struct cap *b)
{
	return a->len == b->len && a->nic == b->nic && memcmp(a->b, b->b, a->len) == 0;
}

/* Same counters; the same frames, in the same order (ordered) or as multisets. */
static bool
runs_equal(const struct run *a, const struct run *b, bool ordered)
{
	bool used[MAXF * 2] = {false};

	for (int c = 0; c < DPS_CNT_MAX; c++) {
		if (a->stack[c] != b->stack[c] || a->nic[c] != b->nic[c]) {
			printf("    counter %s: slow %" PRIu64 "/%" PRIu64 ", fast %" PRIu64
			       "/%" PRIu64 "\n",
			       dps_counter_names[c], a->stack[c], a->nic[c], b->stack[c], b->nic[c]);
			return false;
		}
	}
	if (a->ncap != b->ncap) {
		printf("    frames sent: slow %u, fast %u\n", a->ncap, b->ncap);
		return false;
	}
	for (unsigned int i = 0; i < a->ncap; i++) {
		bool found = false;

		if (ordered) {
			found = cap_eq(&a->caps[i], &b->caps[i]);
		} else {
			for (unsigned int j = 0; j < b->ncap && !found; j++) {
				if (!used[j] && cap_eq(&a->caps[i], &b->caps[j])) {
					used[j] = true;
					found = true;
				}
			}
		}
		if (!found) {
			printf("    frame %u of the slow path (%u bytes) not sent by the fast path\n", i,
			       a->caps[i].len);
			for (uint32_t k = 0; k < a->caps[i].len && k < b->caps[i].len; k++)
				if (a->caps[i].b[k] != b->caps[i].b[k]) {
					printf("    first difference at byte %u: %02x / %02x\n", k,
					       a->caps[i].b[k], b->caps[i].b[k]);
					break;
				}
			return false;
		}
	}
	return true;
}

/* One frame both ways: the same replies and counters. */
static bool
same(uint8_t *f, uint32_t n, uint32_t seg, uint64_t ol)
{
	uint8_t *fr[1] = {f};
	uint32_t len[1] = {n};

	return feed(fr, len, 1, seg, ol, true, &slow_run) &&
	       feed(fr, len, 1, seg, ol, false, &fast_run) && runs_equal(&slow_run, &fast_run, true);
}

/* UDP source port of a captured frame (IPv4 without options or IPv6 without extensions). */
static uint16_t
cap_sport(const struct cap *c)
{
	const uint8_t *l4 = c->b + 14 + (c->b[12] == 0x86 ? 40 : 20);

	return (uint16_t)(l4[0] << 8 | l4[1]);
}

static bool
cap_is_udp(const struct cap *c)
{
	return c->b[12] == 0x86 ? c->b[14 + 6] == IPPROTO_UDP : c->b[14 + 9] == IPPROTO_UDP;
}

/*
 * Whether the fast path answered frame f: sent in a burst behind a datagram to a closed port
 * (whose ICMP error the slow path sends), its echo leaves first only from the fast path.
 * closed: a datagram to a closed port of the same family.
 */
static bool
answered_fast(uint8_t *f, uint32_t n, uint8_t *closed, uint32_t cn)
{
	uint8_t *fr[2] = {closed, f};
	uint32_t len[2] = {cn, n};

	if (!feed(fr, len, 2, 0, 0, true, &slow_run) || !feed(fr, len, 2, 0, 0, false, &fast_run))
		return false;
	if (!runs_equal(&slow_run, &fast_run, false) || fast_run.ncap != 2)
		return false;
	/* Slow: the error first (the datagrams in order); fast: the echo first. */
	if (cap_is_udp(&slow_run.caps[0]) || !cap_is_udp(&slow_run.caps[1]))
		return false;
	return cap_is_udp(&fast_run.caps[0]) && !cap_is_udp(&fast_run.caps[1]);
}

/* ---- IPv4 ---- */

DPS_TEST(udp4_echo_fast_reply_is_the_slow_reply_byte_for_byte)
{
	static uint8_t f[1600], cl[128];
	static const uint32_t plens[] = {0, 1, 18, 33, 100, 1400};
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	uint32_t n, cn = udp4(cl, US4, 9, 10, false);
	SETUP();

	for (unsigned int k = 0; k < RTE_DIM(plens); k++) {
		/* Plain, zero checksum (RFC 768: none), the second echo port. */
		n = udp4(f, US4, 7, plens[k], false);
		CHECK(same(f, n, 0, 0));
		CHECK(answered_fast(f, n, cl, cn));
		n = udp4(f, US4, 7007, plens[k], true);
		CHECK(same(f, n, 0, 0));
		CHECK(answered_fast(f, n, cl, cn));
		/* DF set, a TOS, TTL 1, another id: the reply clears the flags, TTL 64. */
		n = udp4(f, US4, 7, plens[k], false);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->type_of_service = 0xb8;
		ip->time_to_live = 1;
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(0xfedc + k));
		refix4(f, false);
		CHECK(same(f, n, 0, 0));
		CHECK(answered_fast(f, n, cl, cn));
		/* Checked in full: a reply that goes back with a valid checksum, TTL 64, no DF. */
		CHECK_EQ(fast_run.caps[0].len, n);
		CHECK(ip4_cksum_ok(fast_run.caps[0].b + 14));
		CHECK(l4_ok4(fast_run.caps[0].b + 14));
		CHECK_EQ(fast_run.caps[0].b[14 + 8], 64);
		CHECK_EQ(fast_run.caps[0].b[14 + 6], 0);
		CHECK_EQ(cap_sport(&fast_run.caps[0]), 7);
		CHECK(MEMEQ(fast_run.caps[0].b, MAC_PEER.addr_bytes, 6));
		CHECK(MEMEQ(fast_run.caps[0].b + 6, MAC_US.addr_bytes, 6));
	}
	/* Ethernet padding (a 42-byte datagram in a 60-byte frame) is not echoed. */
	memset(f, 0, 60);
	n = udp4(f, US4, 7, 0, false);
	CHECK(same(f, 60, 0, 0));
	CHECK(answered_fast(f, 60, cl, cn));
	CHECK_EQ(fast_run.caps[0].len, n);
	/* Every header checksum value: the incremental update agrees with a fresh sum. */
	for (uint32_t id = 0; id < 65536; id += 97) {
		n = udp4(f, US4, 7, 18, false);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)id);
		ip->fragment_offset = rte_cpu_to_be_16((uint16_t)(id & 1 ? RTE_IPV4_HDR_DF_FLAG : 0));
		refix4(f, false);
		CHECK(same(f, n, 0, 0));
	}
	CHECK_EQ(cnt(DPS_CNT_UDP_CHECKSUM_ERRORS), 0);
	TEARDOWN();
}

DPS_TEST(udp4_echo_offload_flags_are_honoured_as_the_slow_path_does)
{
	static uint8_t f[256], cl[128];
	uint32_t n, cn = udp4(cl, US4, 9, 10, false);
	SETUP();

	/* The port vouched for the checksum: taken as good, even when it is not. */
	n = udp4(f, US4, 7, 18, false);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD));
	CHECK_EQ(fast_run.ncap, 1);
	f[14 + 20 + 6] ^= 0x5a;
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD));
	CHECK_EQ(fast_run.ncap, 1);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
	/* The port says bad: dropped and counted, however good it is. */
	n = udp4(f, US4, 7, 18, false);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD));
	CHECK_EQ(fast_run.ncap, 0);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 1);
	/* ... except a zero checksum, which RFC 768 says was not computed. */
	n = udp4(f, US4, 7, 18, true);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
	/* The port said nothing it knows: checked in software. */
	n = udp4(f, US4, 7, 18, false);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN));
	CHECK(answered_fast(f, n, cl, cn));
	TEARDOWN();
}

static unsigned int sock_got;

static void
sock_rx(struct dps_ctx *ctx, struct dps_udp_sock *sk, struct rte_mbuf *m,
	const struct dps_udp_meta *meta, void *arg)
{
	(void)ctx;
	(void)sk;
	(void)meta;
	(void)arg;
	sock_got++;
	rte_pktmbuf_free(m);
}

static unsigned int raw_got;

static void
raw_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
       const struct dps_pktinfo *info, void *arg)
{
	(void)ctx;
	(void)tep;
	(void)info;
	(void)arg;
	raw_got++;
	rte_pktmbuf_free(m);
}

DPS_TEST(udp4_what_the_fast_check_cannot_prove_takes_the_slow_path)
{
	static uint8_t f[1600];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(f + 34);
	struct dps_addr us = A(US4);
	struct dps_udp_sock *sk;
	struct dps_raw *raw;
	uint32_t n;
	SETUP();

	/* Bad checksum: udp.checksum_errors. */
	n = udp4(f, US4, 7, 18, false);
	u->dgram_cksum ^= 0x0101;
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 1);
	/* A closed port: port unreachable. */
	n = udp4(f, US4, 9, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_UNKNOWN_PORT_ERRORS], 1);
	CHECK_EQ(fast_run.ncap, 1);
	/* UDP length short of the IP payload: the rest is cut, the reply is shorter. */
	n = udp4(f, US4, 7, 10, false);
	memset(f + n, 0xee, 8);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(n - 14 + 8));
	refix4(f, false);
	n += 8;
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.ncap, 1);
	CHECK_EQ(fast_run.caps[0].len, 14 + 20 + 8 + 10);
	/* UDP length past the payload: udp.malformed. */
	n = udp4(f, US4, 7, 18, true);
	u->dgram_len = rte_cpu_to_be_16(8 + 19);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_MALFORMED], 1);
	/* A first fragment to port 7 waits for the rest (no reply). */
	n = udp4(f, US4, 7, 18, true);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	refix4(f, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.ncap, 0);
	/* The subnet broadcast and a group: answered (or not) by the slow path's rules. */
	n = udp4(f, "10.0.0.255", 7, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.ncap, 1);
	n = udp4(f, "224.0.0.1", 7, 18, false);
	f[0] = 0x01, f[1] = 0x00, f[2] = 0x5e, f[3] = 0, f[4] = 0, f[5] = 1;
	CHECK(same(f, n, 0, 0));
	/* An address of ours that is also the subnet's broadcast: a broadcast to ipv4.c. */
	{
		struct dps_prefix bp = P("10.0.0.255/32");

		CHECK_EQ(dps_nic_add_address(N, RTE_ETHER_TYPE_IPV4, &bp, DPS_PEB_CAN_BE_PRIMARY), 0);
		n = udp4(f, "10.0.0.255", 7, 18, false);
		CHECK(same(f, n, 0, 0));
		CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
		CHECK(MEMEQ(fast_run.caps[0].b + 14 + 12, us.b, 4)); /* from the primary */
		/* ICMP echo (the same receive match): not answered, as icmp4.c does not. */
		n = icmp4_echo(f, "10.0.0.255", 8);
		CHECK(same(f, n, 0, 0));
		CHECK_EQ(fast_run.ncap, 0);
		CHECK_EQ(dps_nic_remove_address(N, &bp.addr), 0);
	}
	/* Our own address as the source: ip.invalid_source_addresses_received. */
	n = udp4(f, US4, 7, 18, false);
	memcpy(&ip->src_addr, us.b, 4);
	refix4(f, true);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.ncap, 0);
	/* A chain (the fast path takes one segment). */
	n = udp4(f, US4, 7, 1400, false);
	CHECK(same(f, n, 200, 0));
	CHECK_EQ(fast_run.ncap, 1);
	/* IPv4 options (IHL 6). */
	n = udp4(f, US4, 7, 18, true);
	memmove(f + 38, f + 34, n - 34);
	memset(f + 34, 1, 4); /* four NOPs */
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(n - 14 + 4));
	refix4(f, false);
	CHECK(same(f, n + 4, 0, 0));
	CHECK_EQ(fast_run.ncap, 1);
	/* A user's endpoint more specific than the service's, on the service's port. */
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV4, &us, 7, sock_rx, NULL, &sk), 0);
	n = udp4(f, US4, 7, 18, false);
	sock_got = 0;
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(sock_got, 2);
	CHECK_EQ(fast_run.ncap, 0);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_PACKETS_RECEIVED], 1);
	/* The same user endpoint on its own port; the service still answers port 7007. */
	n = udp4(f, US4, 7007, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
	CHECK_EQ(dps_udp_close(S, sk), 0);
	/* Raw endpoints see every datagram first. */
	CHECK_EQ(dps_raw_bind(S, 0, IPPROTO_UDP, raw_rx, NULL, &raw), 0);
	raw_got = 0;
	n = udp4(f, US4, 7, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(raw_got, 2);
	CHECK_EQ(fast_run.stack[DPS_CNT_RAW_DELIVERED], 1);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
	CHECK_EQ(dps_raw_unbind(S, raw), 0);
	TEARDOWN();
}

/* ---- IPv6 ---- */

DPS_TEST(udp6_echo_fast_reply_is_the_slow_reply_byte_for_byte)
{
	static uint8_t f[1600], cl[128];
	static const uint32_t plens[] = {0, 1, 18, 33, 100, 1400};
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);
	uint32_t n, cn = udp6(cl, US6, 9, 10, false);
	SETUP();

	for (unsigned int k = 0; k < RTE_DIM(plens); k++) {
		n = udp6(f, US6, 7, plens[k], false);
		CHECK(same(f, n, 0, 0));
		CHECK(answered_fast(f, n, cl, cn));
		/* Traffic class and flow label are kept (udp.c's reply keeps them). */
		n = udp6(f, US6, 7007, plens[k], false);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20 | (0x12345u + k));
		ip->hop_limits = 1;
		CHECK(same(f, n, 0, 0));
		CHECK(answered_fast(f, n, cl, cn));
		CHECK_EQ(fast_run.caps[0].len, n);
		CHECK(l6_ok(fast_run.caps[0].b + 14));
		CHECK_EQ(fast_run.caps[0].b[14 + 7], 64);
		CHECK_EQ(cap_sport(&fast_run.caps[0]), 7007);
		CHECK(MEMEQ(fast_run.caps[0].b + 14 + 8, A(US6).b, 16));
		CHECK(MEMEQ(fast_run.caps[0].b + 14 + 24, A(PEER6).b, 16));
	}
	/* Ethernet padding: a 62-byte datagram in a 64-byte frame. */
	memset(f, 0, 64);
	n = udp6(f, US6, 7, 0, false);
	CHECK(same(f, 64, 0, 0));
	CHECK(answered_fast(f, 64, cl, cn));
	CHECK_EQ(fast_run.caps[0].len, n);
	TEARDOWN();
}

DPS_TEST(udp6_what_the_fast_check_cannot_prove_takes_the_slow_path)
{
	static uint8_t f[1600];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(f + 54);
	struct dps_addr us = A(US6);
	struct dps_udp_sock *sk;
	uint32_t n;
	SETUP();

	/* RFC 8200 8.1: a zero checksum is an error over IPv6. */
	n = udp6(f, US6, 7, 18, true);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 1);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 1);
	/* A bad one; the port's verdicts. */
	n = udp6(f, US6, 7, 18, false);
	u->dgram_cksum ^= 0x0101;
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 1);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_GOOD));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 1);
	n = udp6(f, US6, 7, 18, false);
	CHECK(same(f, n, 0, RTE_MBUF_F_RX_L4_CKSUM_BAD));
	CHECK_EQ(fast_run.ncap, 0);
	/* A closed port, a short UDP length, a long one. */
	n = udp6(f, US6, 9, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_UNKNOWN_PORT_ERRORS], 1);
	n = udp6(f, US6, 7, 10, false);
	memset(f + n, 0xee, 8);
	ip->payload_len = rte_cpu_to_be_16(8 + 10 + 8);
	n += 8;
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.ncap, 1);
	CHECK_EQ(fast_run.caps[0].len, 14 + 40 + 8 + 10);
	n = udp6(f, US6, 7, 18, false);
	u->dgram_len = rte_cpu_to_be_16(8 + 19);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_MALFORMED], 1);
	/* An extension header (Destination Options, PadN) in front: udp.c echoes none. */
	n = udp6(f, US6, 7, 18, false);
	memmove(f + 62, f + 54, n - 54);
	f[54] = IPPROTO_UDP, f[55] = 0, f[56] = 1, f[57] = 4;
	memset(f + 58, 0, 4);
	ip->proto = 60;
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(n - 54 + 8));
	CHECK(same(f, n + 8, 0, 0));
	CHECK_EQ(fast_run.ncap, 0);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_PACKETS_RECEIVED], 1);
	/* All-nodes and a chain. */
	n = udp6(f, "ff02::1", 7, 18, false);
	f[0] = 0x33, f[1] = 0x33, f[2] = 0, f[3] = 0, f[4] = 0, f[5] = 1;
	CHECK(same(f, n, 0, 0));
	n = udp6(f, US6, 7, 1400, false);
	CHECK(same(f, n, 300, 0));
	CHECK_EQ(fast_run.ncap, 1);
	/* A user's endpoint on the address and the service's port. */
	CHECK_EQ(dps_udp_bind(S, RTE_ETHER_TYPE_IPV6, &us, 7007, sock_rx, NULL, &sk), 0);
	sock_got = 0;
	n = udp6(f, US6, 7007, 18, false);
	CHECK(same(f, n, 0, 0));
	CHECK_EQ(sock_got, 2);
	CHECK_EQ(fast_run.ncap, 0);
	CHECK_EQ(dps_udp_close(S, sk), 0);
	TEARDOWN();
}

/* ---- bursts ---- */

DPS_TEST(mixed_bursts_give_the_same_replies_and_counters)
{
	static uint8_t fb[MAXF][1600];
	uint8_t *fr[MAXF];
	uint32_t len[MAXF];
	SETUP();

	for (unsigned int i = 0; i < MAXF; i++)
		fr[i] = fb[i];
	len[0] = udp4(fb[0], US4, 7, 18, false);
	len[1] = udp6(fb[1], US6, 7, 18, false);
	len[2] = icmp4_echo(fb[2], US4, 56);
	len[3] = udp4(fb[3], US4, 9, 18, false);   /* closed */
	len[4] = udp4(fb[4], US4, 7007, 33, true); /* the other port, no checksum */
	len[5] = udp6(fb[5], US6, 7, 18, true);    /* zero over IPv6: error */
	len[6] = udp4(fb[6], US4, 7, 1, false);
	fb[6][14 + 20 + 6] ^= 1;                   /* bad checksum */
	len[7] = udp6(fb[7], US6, 7007, 100, false);
	CHECK(feed(fr, len, MAXF, 0, 0, true, &slow_run));
	CHECK(feed(fr, len, MAXF, 0, 0, false, &fast_run));
	CHECK(runs_equal(&slow_run, &fast_run, false));
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_ECHOED], 4);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_CHECKSUM_ERRORS], 2);
	CHECK_EQ(fast_run.stack[DPS_CNT_UDP_PACKETS_RECEIVED], 4);
	CHECK_EQ(fast_run.stack[DPS_CNT_RX_PACKETS], MAXF);
	CHECK_EQ(fast_run.ncap, 6);
	/* The five echoes (ICMP too) left first, from the fast path; then the port unreachable. */
	CHECK_EQ(fast_run.caps[5].b[14 + 9], IPPROTO_ICMP);
	CHECK_EQ(fast_run.caps[5].b[14 + 20], 3);
	/* The slow path answers in the order of arrival, IPv4 first: udp, ICMP echo, error. */
	CHECK(cap_is_udp(&slow_run.caps[0]));
	CHECK_EQ(slow_run.caps[1].b[14 + 20], 0);
	CHECK_EQ(slow_run.caps[2].b[14 + 20], 3);
	TEARDOWN();
}

/* ---- lib/nic: the bulk demux lookup ---- */

static void
tep_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
       const struct dps_pktinfo *info, void *arg)
{
	(void)ctx;
	(void)tep;
	(void)info;
	(void)arg;
	rte_pktmbuf_free(m);
}

DPS_TEST(demux_bulk_lookup_follows_the_demuxers_order)
{
	struct dps_addr us = A(US4), peer = A(PEER4), other = A("10.0.0.3");
	struct dps_tep_id port_only = {.local_port = 53};
	struct dps_tep_id no_remote = {.local_port = 53, .local_addr = us};
	struct dps_tep_id no_local = {.local_port = 53, .remote_port = 999, .remote_addr = peer};
	struct dps_tep_id full = {.local_port = 53, .local_addr = us, .remote_port = 999,
				  .remote_addr = peer};
	struct dps_tep *tp, *tnr, *tnl, *tf, *got[DPS_BURST + 1];
	struct dps_demux_query q[DPS_BURST + 1];
	struct dps_raw *raw;
	SETUP();

	for (unsigned int i = 0; i <= DPS_BURST; i++)
		q[i] = (struct dps_demux_query){.lport = 53, .rport = 999, .laddr = us.b,
						.raddr = peer.b};
	/* Nothing bound on 53; the echo service's own wildcard bind on 7. */
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 4, got), 0);
	for (unsigned int i = 0; i < 4; i++)
		CHECK(got[i] == NULL);
	q[1].lport = 7;
	q[2].lport = 7;
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 4, got), 0);
	CHECK(got[0] == NULL && got[3] == NULL && got[1] != NULL && got[2] == got[1]);
	CHECK(dps_tep_rx(got[1]) == dps_udp_echo_rx);
	CHECK_EQ(dps_tep_id(got[1])->local_port, 7);
	/* Port 7 has the service's port-alone binds only; 53 nothing; 200 is no protocol. */
	CHECK(dps_demux_port_wild(S, IPPROTO_UDP, 7));
	CHECK(!dps_demux_port_wild(S, IPPROTO_UDP, 53));
	CHECK(!dps_demux_port_wild(S, IPPROTO_TCP, 7));
	CHECK(!dps_demux_port_wild(S, 200, 7));
	/* The IPv6 bind of the service is another endpoint; TCP has none. */
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV6, IPPROTO_UDP, 16, q + 1, 1, &tp), 0);
	CHECK(tp != NULL && tp != got[1]);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, 4, q + 1, 1, &tp), 0);
	CHECK(tp == NULL);
	q[1].lport = q[2].lport = 53;
	/* Each more specific form wins over the ones bound before it. */
	CHECK_EQ(dps_tep_bind(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &port_only, tep_rx, NULL, NULL,
			      &tp), 0);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 3, got), 0);
	CHECK(got[0] == tp && got[1] == tp && got[2] == tp);
	CHECK(dps_tep_rx(tp) == tep_rx);
	CHECK(dps_demux_port_wild(S, IPPROTO_UDP, 53));
	CHECK_EQ(dps_tep_bind(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &no_remote, tep_rx, NULL, NULL,
			      &tnr), 0);
	q[1].laddr = other.b; /* not ours: only the port-alone bind matches */
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 3, got), 0);
	CHECK(got[0] == tnr && got[1] == tp && got[2] == tnr);
	CHECK(!dps_demux_port_wild(S, IPPROTO_UDP, 53)); /* a more specific one is bound */
	CHECK_EQ(dps_tep_bind(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &no_local, tep_rx, NULL, NULL,
			      &tnl), 0);
	q[2].rport = 1000; /* another remote port: not the no-local bind */
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 3, got), 0);
	CHECK(got[0] == tnl && got[1] == tnl && got[2] == tnr);
	CHECK_EQ(dps_tep_bind(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &full, tep_rx, NULL, NULL, &tf),
		 0);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 3, got), 0);
	CHECK(got[0] == tf && got[1] == tnl && got[2] == tnr);
	/* A whole burst, four forms on each datagram's port: 128 keys in two lookups. */
	for (unsigned int i = 0; i < DPS_BURST; i++)
		q[i] = (struct dps_demux_query){.lport = 53, .rport = 999, .laddr = us.b,
						.raddr = i & 1 ? other.b : peer.b};
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, DPS_BURST, got),
		 0);
	for (unsigned int i = 0; i < DPS_BURST; i++)
		CHECK(got[i] == (i & 1 ? tnr : tf));
	/* Unbound, the less specific ones match again. */
	CHECK_EQ(dps_tep_unbind(S, tf), 0);
	CHECK_EQ(dps_tep_unbind(S, tnl), 0);
	CHECK_EQ(dps_tep_unbind(S, tnr), 0);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 2, got), 0);
	CHECK(got[0] == tp && got[1] == tp);
	/* What the general path must decide, and bad arguments. */
	CHECK_EQ(dps_raw_bind(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, tep_rx, NULL, &raw), 0);
	got[0] = NULL;
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, 1, got), -EAGAIN);
	CHECK(got[0] == NULL);
	CHECK_EQ(dps_raw_unbind(S, raw), 0);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, 200, 4, q, 1, got),
		 -EPROTONOSUPPORT);
	CHECK_EQ(dps_demux_lookup_bulk(S, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 4, q, DPS_BURST + 1,
				       got), -EINVAL);
	CHECK_EQ(dps_tep_unbind(S, tp), 0);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
