/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/proto/echo.c: echo requests the stack originates (ping) and the echo-reply hook. The
 * request is checked byte by byte with DPDK's checksum helpers; replies are built here and
 * fed in as frames.
 */
#include <rte_icmp.h>

#include "dps_route.h"
#include "test_proto_fixture.h"

#define SETUP() FX_SETUP_POOL()
#define TEARDOWN() FX_TEARDOWN_POOL()

static struct dps_echo_reply got[4];
static unsigned int ngot;

static void
hook(struct dps_ctx *ctx, const struct dps_echo_reply *r, void *arg)
{
	CHECK(ctx == C);
	CHECK_EQ(*(int *)arg, 42);
	if (ngot < RTE_DIM(got))
		got[ngot] = *r;
	ngot++;
}

/* Connected routes for the fixture's subnets and a static neighbour in each. */
static int
routes(void)
{
	int rc;

	dps_ctx_offline(C); /* writers wait for online readers: not this one */
	rc = dps_route_add_connected(S, 0, &(struct dps_prefix){P("10.0.0.1/24").addr, 24});
	if (rc == 0)
		rc = dps_route_add_connected(S, 0,
					     &(struct dps_prefix){P("2001:db8::1/64").addr, 64});
	if (rc == 0)
		rc = dps_neigh_add_static(S, 0, &(struct dps_addr[]){A("10.0.0.2")}[0], &MAC_PEER);
	if (rc == 0)
		rc = dps_neigh_add_static(S, 0, &(struct dps_addr[]){A("2001:db8::2")}[0], &MAC_PEER);
	dps_ctx_online(C);
	return rc;
}

DPS_TEST(echo_request_v4_is_routed_from_the_primary_address)
{
	struct dps_echo_req req = {.dst = A("10.0.0.2"), .id = 0xbeef, .seq = 7, .size = 100};
	struct dps_addr src;
	uint16_t nic = 99;
	const uint8_t *ip, *ic;

	SETUP();
	CHECK_EQ(routes(), 0);
	CHECK_EQ(dps_icmp_echo_send(C, &req, &nic, &src), 0);
	dps_ctx_flush(C);
	CHECK_EQ(nic, 0);
	CHECK(dps_addr_eq(&src, &(struct dps_addr[]){A("10.0.0.1")}[0]));
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 20 + 8 + 100);
	CHECK(MEMEQ(caps[0].b, MAC_PEER.addr_bytes, 6));
	CHECK(MEMEQ(caps[0].b + 6, MAC_US.addr_bytes, 6));
	ip = caps[0].b + 14;
	ic = ip + 20;
	CHECK(ip4_cksum_ok(ip));
	CHECK_EQ(ip[8], 64);
	CHECK_EQ(ip[9], IPPROTO_ICMP);
	CHECK(ip[6] & 0x40); /* DF: ping does not fragment */
	CHECK_EQ(ic[0], RTE_IP_ICMP_ECHO_REQUEST);
	CHECK_EQ(ic[1], 0);
	CHECK_EQ(rte_raw_cksum(ic, 108), 0xffff);
	CHECK_EQ(ic[4] << 8 | ic[5], 0xbeef);
	CHECK_EQ(ic[6] << 8 | ic[7], 7);
	CHECK_EQ(ic[8 + 99], 99);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_REQ_SENT), 1);
	CHECK_EQ(cnt(DPS_CNT_IP_PACKETS_SENT), 1);
	TEARDOWN();
}

DPS_TEST(echo_request_v6_and_its_refusals)
{
	struct dps_echo_req req = {.dst = A("2001:db8::2"), .src = A("2001:db8::1"), .id = 1,
				   .seq = 2, .size = 0};
	struct dps_addr src;
	uint16_t nic;

	SETUP();
	CHECK_EQ(routes(), 0);
	CHECK_EQ(dps_icmp_echo_send(C, &req, &nic, &src), 0);
	dps_ctx_flush(C);
	CHECK_EQ(ncap, 1);
	CHECK_EQ(caps[0].len, 14 + 40 + 8);
	CHECK_EQ(caps[0].b[14 + 6], IPPROTO_ICMPV6);
	CHECK_EQ(caps[0].b[14 + 7], 64);
	CHECK_EQ(caps[0].b[14 + 40], 128);
	CHECK(l6_ok(caps[0].b + 14));
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ECHO_REQ_SENT), 1);
	/* No route; larger than the MTU (no fragmentation); not IPv4 or IPv6. */
	req.dst = A("2001:db9::1");
	CHECK_EQ(dps_icmp_echo_send(C, &req, &nic, &src), -ENETUNREACH);
	req.dst = A("2001:db8::2");
	req.size = 1500 - 40 - 8 + 1;
	CHECK_EQ(dps_icmp_echo_send(C, &req, &nic, &src), -EMSGSIZE);
	req.dst.len = 0;
	CHECK_EQ(dps_icmp_echo_send(C, &req, &nic, &src), -EINVAL);
	CHECK_EQ(ncap, 1);
	TEARDOWN();
}

/* An echo reply from peer to us: v4 (ttl) or v6 (hop limit). */
static void
reply(bool v4, uint16_t id, uint16_t seq, uint8_t ttl, bool bad_cksum)
{
	uint8_t f[128] = {0}, *ip = f + 14, *ic;
	uint32_t n = put_eth(f, &MAC_US, &MAC_PEER, v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);

	if (v4) {
		n += put_ip4(ip, "10.0.0.2", "10.0.0.1", IPPROTO_ICMP, 8 + 16);
		ip[8] = ttl;
		ip[10] = ip[11] = 0;
		((struct rte_ipv4_hdr *)ip)->hdr_checksum = rte_ipv4_cksum((void *)ip);
	} else {
		n += put_ip6(ip, "2001:db8::2", "2001:db8::1", IPPROTO_ICMPV6, 8 + 16, ttl);
	}
	ic = f + n;
	ic[0] = v4 ? RTE_IP_ICMP_ECHO_REPLY : 129;
	ic[4] = (uint8_t)(id >> 8);
	ic[5] = (uint8_t)id;
	ic[6] = (uint8_t)(seq >> 8);
	ic[7] = (uint8_t)seq;
	if (v4)
		icmp4_fix(ic, 8 + 16);
	else
		l6_fix(ip, 2);
	ic[2] ^= bad_cksum;
	rx(f, n + 8 + 16, 0);
}

DPS_TEST(echo_replies_reach_the_hook_with_id_seq_and_ttl)
{
	int arg = 42;

	SETUP();
	ngot = 0;
	/* Without a hook: counted, dropped. */
	reply(true, 5, 1, 60, false);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_REPLY_RCVD), 1);
	CHECK_EQ(ngot, 0);
	dps_icmp_set_echo_reply_cb(C, hook, &arg);
	reply(true, 0x1234, 3, 61, false);
	reply(false, 0x4321, 9, 62, false);
	/* A bad checksum never reaches it. */
	reply(true, 1, 1, 1, true);
	reply(false, 1, 1, 1, true);
	CHECK_EQ(ngot, 2);
	CHECK(got[0].nic == N && got[0].id == 0x1234 && got[0].seq == 3 && got[0].ttl == 61);
	CHECK_EQ(got[0].len, 24);
	CHECK(dps_addr_eq(&got[0].src, &(struct dps_addr[]){A("10.0.0.2")}[0]));
	CHECK(dps_addr_eq(&got[0].dst, &(struct dps_addr[]){A("10.0.0.1")}[0]));
	CHECK(got[1].id == 0x4321 && got[1].seq == 9 && got[1].ttl == 62);
	CHECK(dps_addr_eq(&got[1].src, &(struct dps_addr[]){A("2001:db8::2")}[0]));
	CHECK_EQ(cnt(DPS_CNT_ICMP4_ECHO_REPLY_RCVD), 2);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_ECHO_REPLY_RCVD), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP4_BAD), 1);
	CHECK_EQ(cnt(DPS_CNT_ICMP6_BAD), 1);
	/* Replies are not answered. */
	CHECK_EQ(ncap, 0);
	dps_icmp_set_echo_reply_cb(C, NULL, NULL);
	reply(true, 0x1234, 4, 61, false);
	CHECK_EQ(ngot, 2);
	TEARDOWN();
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
