/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Full-stack churn under load (issue 10, "Churn under load"). Two worker threads, each with
 * its own online context in the stack's QSBR, feed Ethernet frames through
 * dps_eth_input_burst() on two NICs (echo requests, UDP echo, multicast, range addresses,
 * forwarded IPv4 and IPv6, packets to many unresolved neighbours, ARP requests and replies,
 * neighbour solicitations), while the control thread, in each cycle,
 *   - adds, removes and re-adds an address (IPv4 on even cycles, IPv6 on odd ones) with its
 *     connected route, rotating the primary behaviour (can-be, first, never primary); every
 *     fourth cycle a lasting reference is held across the remove, so the endpoint expires
 *     (PERMANENT_EXPIRED) and the re-add promotes it back;
 *   - adds an address range and takes and puts a reference to an address in it (a
 *     TEMPORARY endpoint);
 *   - joins a multicast group (twice every third cycle);
 *   - adds a route through a gateway and replaces it with two equal-cost paths (IPv4 and
 *     IPv6), deleting and re-adding it every fifth cycle;
 *   - adds a static neighbour for a gateway every third cycle and deletes a learned or
 *     resolving one;
 *   - runs the neighbour poll (learning, resolution, timers, garbage collection) and the
 *     deferred frees,
 * and undoes what cycle i - 32 built (32 slots of live state). The neighbour timers are set
 * to milliseconds, so every state of RFC 4861 7.3 and the garbage collection happen.
 *
 * At the end every slot is undone and the test checks: endpoints, routes, neighbours and
 * transport endpoints back to their count after set-up, nothing parked, no deferred free
 * pending after a grace period, and every pool back to its baseline.
 *
 * Cycles: DPS_CHURN_CYCLES (default 10000, what `meson test` runs). The variant with both
 * workers pinned to one CPU stretches grace periods: a writer waiting for them waits for
 * the scheduler. DPS_CHURN_ONLY=one|two runs one variant (a long run).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_nic_dp.h"
#include "dps_proto.h"
#include "dps_route.h"
#include "dps_demux.h"
#include "dps_test.h"
#include "dps_test_util.h"
#include "dps_udp.h"

#define SLOTS 32       /* live state: what cycle i builds, cycle i + SLOTS undoes */
#define WPOOL_N 4095   /* per worker: rx frames and the replies the worker builds */
#define CPOOL_N 1023   /* control context: solicitations, released parked packets */
#define WBURST 16      /* frames per NIC per worker turn */

static const struct rte_ether_addr MAC_LAN = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr MAC_WAN = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr MAC_PEER = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct rte_ether_addr MAC_GW_A = {{0x02, 0, 0, 0, 0, 0x20}};
static const struct rte_ether_addr MAC_GW_B = {{0x02, 0, 0, 0, 0, 0x21}};

/* Frames the links took, per transmit queue (one queue per context: no sharing). */
struct txq_count {
	uint64_t frames;
} __rte_cache_aligned;
static struct txq_count txc[4];

static uint16_t
churn_xmit(void *priv, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	(void)priv;
	txc[q & 3].frames += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

struct worker {
	struct dps_stack *s;
	struct dps_nic *lan, *wan;
	struct dps_ctx *ctx;
	struct rte_mempool *pool;
	pthread_t th;
	int cpu;               /* pinned to it, -1: not pinned */
	uint32_t seed;
	uint32_t idle_us;      /* offline pause after each burst; 0: spin, always online */
	uint64_t burst_tsc;    /* length of a burst of turns */
	uint64_t turns, frames, alloc_failed;
	int stop;              /* atomic */
};

static struct {
	struct dps_stack *s;
	struct dps_nic *lan, *wan;
	struct dps_ctx *cctx;
	struct rte_mempool *cpool;
	struct worker w[2];
	int64_t base_eps;
	unsigned int base_r4, base_r6, base_tep;
	uint32_t base_neigh;
} E;

/* ---- frame builders (the worker's: no parsing of strings, no allocation but the mbuf) ---- */

static void
ip4(struct dps_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	a->len = 4;
	memset(a->b, 0, sizeof(a->b));
	a->b[0] = x, a->b[1] = y, a->b[2] = z, a->b[3] = w;
}

/* 2001:db8:X:Y::Z */
static void
ip6(struct dps_addr *a, uint16_t x, uint16_t y, uint16_t z)
{
	a->len = 16;
	memset(a->b, 0, sizeof(a->b));
	a->b[0] = 0x20, a->b[1] = 0x01, a->b[2] = 0x0d, a->b[3] = 0xb8;
	a->b[4] = (uint8_t)(x >> 8), a->b[5] = (uint8_t)x;
	a->b[6] = (uint8_t)(y >> 8), a->b[7] = (uint8_t)y;
	a->b[14] = (uint8_t)(z >> 8), a->b[15] = (uint8_t)z;
}

static uint8_t *
eth_hdr(uint8_t *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint16_t type)
{
	put_eth(f, dst, src, type);
	return f + RTE_ETHER_HDR_LEN;
}

/* IPv4 + (ICMP echo | UDP to port) from src to dst; returns the frame length. */
static uint32_t
frame4(uint8_t *f, const struct rte_ether_addr *edst, const struct dps_addr *src,
       const struct dps_addr *dst, bool icmp, uint16_t port)
{
	uint8_t *p = eth_hdr(f, edst, &MAC_PEER, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p;
	uint8_t *l4 = p + 20;
	uint16_t l4len = 8 + 24;

	memset(ih, 0, sizeof(*ih));
	ih->version_ihl = 0x45;
	ih->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
	ih->time_to_live = 64;
	ih->next_proto_id = icmp ? IPPROTO_ICMP : IPPROTO_UDP;
	memcpy(&ih->src_addr, src->b, 4);
	memcpy(&ih->dst_addr, dst->b, 4);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	for (unsigned int i = 8; i < l4len; i++)
		l4[i] = (uint8_t)i;
	if (icmp) {
		l4[0] = RTE_IP_ICMP_ECHO_REQUEST, l4[1] = 0;
		l4[4] = 0x12, l4[5] = 0x34, l4[6] = 0, l4[7] = 1;
		icmp4_fix(l4, l4len);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = rte_cpu_to_be_16(40000);
		u->dst_port = rte_cpu_to_be_16(port);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		u->dgram_cksum = 0; /* optional in IPv4 (RFC 768) */
	}
	return RTE_ETHER_HDR_LEN + 20 + l4len;
}

/* IPv6 + (ICMPv6 echo | UDP to port) from src to dst. */
static uint32_t
frame6(uint8_t *f, const struct rte_ether_addr *edst, const struct dps_addr *src,
       const struct dps_addr *dst, bool icmp, uint16_t port)
{
	uint8_t *p = eth_hdr(f, edst, &MAC_PEER, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)p;
	uint8_t *l4 = p + 40;
	uint16_t l4len = 8 + 24;

	ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ih->payload_len = rte_cpu_to_be_16(l4len);
	ih->proto = icmp ? IPPROTO_ICMPV6 : IPPROTO_UDP;
	ih->hop_limits = 64;
	memcpy(ih->src_addr, src->b, 16);
	memcpy(ih->dst_addr, dst->b, 16);
	for (unsigned int i = 8; i < l4len; i++)
		l4[i] = (uint8_t)i;
	if (icmp) {
		l4[0] = 128, l4[1] = 0;
		l4[4] = 0x12, l4[5] = 0x34, l4[6] = 0, l4[7] = 1;
		l6_fix(p, 2);
	} else {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4;

		u->src_port = rte_cpu_to_be_16(40000);
		u->dst_port = rte_cpu_to_be_16(port);
		u->dgram_len = rte_cpu_to_be_16(l4len);
		l6_fix(p, 6);
	}
	return RTE_ETHER_HDR_LEN + 40 + l4len;
}

/* ARP from (sha, sip) about tip: a broadcast request or a unicast reply to us. */
static uint32_t
frame_arp(uint8_t *f, uint16_t op, const struct rte_ether_addr *sha, const struct dps_addr *sip,
	  const struct dps_addr *tip)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct rte_arp_hdr *a;

	put_eth(f, op == RTE_ARP_OP_REQUEST ? &bcast : &MAC_WAN, sha, RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(f + RTE_ETHER_HDR_LEN);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	memcpy(&a->arp_data.arp_sip, sip->b, 4);
	a->arp_data.arp_tha = op == RTE_ARP_OP_REQUEST ? (struct rte_ether_addr){{0}} : MAC_WAN;
	memcpy(&a->arp_data.arp_tip, tip->b, 4);
	return RTE_ETHER_HDR_LEN + sizeof(*a);
}

/* NS from src (with its link address) for target, to target's solicited-node group. */
static uint32_t
frame_ns(uint8_t *f, const struct rte_ether_addr *sha, const struct dps_addr *src,
	 const struct dps_addr *target)
{
	struct rte_ether_addr edst = {{0x33, 0x33, 0xff, target->b[13], target->b[14],
				       target->b[15]}};
	uint8_t *p = eth_hdr(f, &edst, sha, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)p;
	uint8_t *l4 = p + 40;

	ih->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ih->payload_len = rte_cpu_to_be_16(32);
	ih->proto = IPPROTO_ICMPV6;
	ih->hop_limits = 255;
	memcpy(ih->src_addr, src->b, 16);
	memset(ih->dst_addr, 0, 16);
	ih->dst_addr[0] = 0xff, ih->dst_addr[1] = 0x02, ih->dst_addr[11] = 1;
	ih->dst_addr[12] = 0xff;
	memcpy(ih->dst_addr + 13, target->b + 13, 3);
	memset(l4, 0, 32);
	l4[0] = 135;
	memcpy(l4 + 8, target->b, 16);
	l4[24] = 1, l4[25] = 1; /* source link-layer address option */
	memcpy(l4 + 26, sha->addr_bytes, 6);
	l6_fix(p, 2);
	return RTE_ETHER_HDR_LEN + 40 + 32;
}

/* ---- workers ---- */

static inline uint32_t
rnd(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

/* One frame of kind k for the LAN (k < 11) or the WAN; returns its length. */
static uint32_t
build(uint8_t *f, unsigned int k, uint32_t r)
{
	static const struct rte_ether_addr mc4 = {{0x01, 0x00, 0x5e, 0x01, 0, 1}};
	struct dps_addr src, dst;
	uint8_t s = (uint8_t)(r % SLOTS);
	struct rte_ether_addr mc6 = {{0x33, 0x33, 0, 0, 0, s}};
	struct rte_ether_addr mcv4 = mc4;

	switch (k) {
	case 0: /* echo to the fixed address */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 10, 0, 0, 1);
		return frame4(f, &MAC_LAN, &src, &dst, true, 0);
	case 1: /* echo to a churned address (present or not) */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 10, 1, s, 1);
		return frame4(f, &MAC_LAN, &src, &dst, true, 0);
	case 2: /* UDP echo to a churned address */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 10, 1, s, 1);
		return frame4(f, &MAC_LAN, &src, &dst, false, 7);
	case 3: /* UDP echo to an address of a range */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 10, 2, s, (uint8_t)(5 + (r >> 8) % 200));
		return frame4(f, &MAC_LAN, &src, &dst, false, 7);
	case 4: /* a joined (or left) group */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 239, 1, s, 1);
		mcv4.addr_bytes[4] = s;
		return frame4(f, &mcv4, &src, &dst, false, 9);
	case 5: /* forwarded through a churned route */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 198, 18, s, 9);
		return frame4(f, &MAC_LAN, &src, &dst, false, 5000);
	case 6: /* forwarded to an unresolved host of the WAN's /24 */
		ip4(&src, 10, 0, 0, 2), ip4(&dst, 10, 9, 0, (uint8_t)(150 + (r >> 8) % 100));
		return frame4(f, &MAC_LAN, &src, &dst, false, 5000);
	case 7: /* IPv6 echo, fixed and churned addresses */
		ip6(&src, 0, 0, 2), ip6(&dst, (r >> 8) & 1 ? 0 : 1, (r >> 8) & 1 ? 0 : s, 1);
		return frame6(f, &MAC_LAN, &src, &dst, true, 0);
	case 8: /* IPv6 UDP echo to a range */
		ip6(&src, 0, 0, 2), ip6(&dst, 2, s, (uint16_t)(5 + (r >> 8) % 200));
		return frame6(f, &MAC_LAN, &src, &dst, false, 7);
	case 9: /* IPv6 forwarded: a churned route or an unresolved host of the WAN's /64 */
		ip6(&src, 0, 0, 2);
		if ((r >> 8) & 1)
			ip6(&dst, 0xf, s, 9);
		else
			ip6(&dst, 9, 0, (uint16_t)(0x1000 + (r >> 9) % 4096));
		return frame6(f, &MAC_LAN, &src, &dst, false, 5000);
	case 10: /* IPv6 to a joined group, ff0e::S */
		ip6(&src, 0, 0, 2);
		memset(dst.b, 0, 16);
		dst.len = 16, dst.b[0] = 0xff, dst.b[1] = 0x0e, dst.b[15] = s;
		return frame6(f, &mc6, &src, &dst, false, 9);
	case 11: { /* ARP request from a host of the WAN (learned: it asked us) */
		struct rte_ether_addr m = MAC_GW_A;

		m.addr_bytes[4] = (uint8_t)(r >> 16);
		ip4(&src, 10, 9, 0, (uint8_t)(100 + (r >> 8) % 50)), ip4(&dst, 10, 9, 0, 1);
		return frame_arp(f, RTE_ARP_OP_REQUEST, &m, &src, &dst);
	}
	case 12: /* ARP reply from a gateway (merges into an existing entry only) */
		ip4(&src, 10, 9, 0, (uint8_t)(10 + s)), ip4(&dst, 10, 9, 0, 1);
		return frame_arp(f, RTE_ARP_OP_REPLY, (r >> 8) & 1 ? &MAC_GW_A : &MAC_GW_B, &src,
				 &dst);
	default: /* NS from a host of the WAN's /64 */
		ip6(&src, 9, 0, (uint16_t)(0x100 + (r >> 8) % 50)), ip6(&dst, 9, 0, 1);
		return frame_ns(f, &MAC_GW_A, &src, &dst);
	}
}

/* One turn: a burst on each NIC, flush, quiescent. */
static void
worker_turn(struct worker *w, uint8_t *f)
{
	for (int side = 0; side < 2; side++) {
		struct rte_mbuf *pkts[WBURST];
		uint16_t n = 0;

		for (unsigned int i = 0; i < WBURST; i++) {
			uint32_t r = rnd(&w->seed);
			unsigned int k = side == 0 ? r % 11 : 11 + r % 3;
			uint32_t len = build(f, k, rnd(&w->seed));
			struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

			if (m == NULL) {
				w->alloc_failed++;
				continue;
			}
			memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
			pkts[n++] = m;
		}
		w->frames += n;
		dps_eth_input_burst(w->ctx, side == 0 ? w->lan : w->wan, pkts, n);
	}
	dps_ctx_flush(w->ctx);
	dps_ctx_quiescent(w->ctx);
	w->turns++;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t f[256];

	if (w->cpu >= 0) {
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(w->cpu, &cs);
		pthread_setaffinity_np(pthread_self(), sizeof(cs), &cs);
	}
	/* An EAL thread of its own: the pools' per-lcore caches, as on a worker lcore. */
	if (rte_thread_register() != 0)
		w->alloc_failed = UINT32_MAX;
	dps_ctx_online(w->ctx);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint64_t t0 = rte_rdtsc();

		do
			worker_turn(w, f);
		while (w->idle_us != 0 && rte_rdtsc() - t0 < w->burst_tsc &&
		       !__atomic_load_n(&w->stop, __ATOMIC_RELAXED));
		if (w->idle_us != 0) {
			/*
			 * A breather, offline as any reader that blocks must be: the machine's
			 * other threads (the control thread among them) get the CPU, and a grace
			 * period waits at most for the rest of one burst, not for a preempted
			 * worker to be scheduled again.
			 */
			dps_ctx_offline(w->ctx);
			if (w->idle_us > 1)
				rte_delay_us_sleep(w->idle_us);
			else
				sched_yield();
			dps_ctx_online(w->ctx);
		}
	}
	dps_ctx_offline(w->ctx);
	rte_thread_unregister();
	return NULL;
}

/* ---- the control side ---- */

struct slot {
	bool used;
	struct dps_prefix addr;     /* the churned address */
	struct dps_prefix range;
	struct dps_addr group;
	int joins;
	struct dps_prefix r4, r6;   /* routes */
	bool r4_on, r6_on;
	struct dps_addr gw4, gw6;
	bool gw_static;
};
static struct slot slots[SLOTS];

/* Where the control side's time goes (TSC cycles per phase; printed at the end). */
enum { PH_UNDO, PH_ADDR, PH_RANGE, PH_GROUP, PH_ROUTE, PH_NEIGH, PH_POLL, PH_MAX };
static const char *const ph_name[PH_MAX] = {"undo", "addr", "range", "group", "route",
					     "neigh", "poll"};
static uint64_t ph_tsc[PH_MAX];
static uint64_t ph_last;

static inline void
ph_mark(int ph)
{
	uint64_t now = rte_rdtsc();

	ph_tsc[ph] += now - ph_last;
	ph_last = now;
}

static int
add_addr(struct dps_nic *nic, const struct dps_prefix *p, enum dps_peb peb)
{
	int rc = dps_nic_add_address(nic, p->addr.len == 4 ? RTE_ETHER_TYPE_IPV4 :
					  RTE_ETHER_TYPE_IPV6, p, peb);

	/* As `addr add`: a connected route for a subnet, none for a bare address. */
	if (rc != 0 || p->plen == 8 * p->addr.len)
		return rc;
	return dps_route_add_connected(E.s, dps_nic_id(nic), p);
}

static int
del_addr(struct dps_nic *nic, const struct dps_prefix *p)
{
	int rc = dps_nic_remove_address(nic, &p->addr);

	if (rc != 0 || p->plen == 8 * p->addr.len)
		return rc;
	return dps_route_del_connected(E.s, dps_nic_id(nic), p);
}

/* Undo a slot. Returns 0 or the first error. */
static int
slot_undo(struct slot *sl)
{
	int rc;

	if (!sl->used)
		return 0;
	sl->used = false;
	if ((rc = del_addr(E.lan, &sl->addr)) != 0)
		return rc;
	if ((rc = dps_nic_remove_range(E.lan, &sl->range)) != 0)
		return rc;
	while (sl->joins > 0) {
		if ((rc = dps_nic_leave_group(E.lan, &sl->group)) != 0)
			return rc;
		sl->joins--;
	}
	if (sl->r4_on && (rc = dps_route_del(E.s, &sl->r4)) != 0)
		return rc;
	if (sl->r6_on && (rc = dps_route_del(E.s, &sl->r6)) != 0)
		return rc;
	if (sl->gw_static) {
		if ((rc = dps_neigh_del(E.s, 1, &sl->gw4)) != 0)
			return rc;
		if ((rc = dps_neigh_del(E.s, 1, &sl->gw6)) != 0)
			return rc;
	}
	return 0;
}

/* One cycle. Returns 0 or a negative errno (with a line saying which step). */
static int
cycle(uint32_t i)
{
	static const enum dps_peb pebs[3] = {DPS_PEB_CAN_BE_PRIMARY, DPS_PEB_FIRST_PRIMARY,
					     DPS_PEB_NEVER_PRIMARY};
	uint8_t k = (uint8_t)(i % SLOTS);
	struct slot *sl = &slots[k];
	bool v6 = i & 1;
	uint16_t proto = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	struct dps_endpoint *ref = NULL;
	struct dps_nexthop nh[2];
	struct dps_addr in_range;
	int rc;

#define STEP(what, expr)                                                                           \
	do {                                                                                       \
		if ((rc = (expr)) != 0) {                                                          \
			printf("  cycle %u: %s: %d (%s)\n", i, what, rc, strerror(-rc));           \
			return rc;                                                                 \
		}                                                                                  \
	} while (0)

	ph_last = rte_rdtsc();
	STEP("undo", slot_undo(sl));
	ph_mark(PH_UNDO);
	memset(sl, 0, sizeof(*sl));
	sl->used = true;

	/* Address: add, remove, re-add (another behaviour); an expired one every fourth. */
	/*
	 * An IPv6 subnet's connected route costs the writer two grace periods (route.c's two
	 * FIB copies): every eighth IPv6 address is a /64, the others bare /128s.
	 */
	if (v6)
		ip6(&sl->addr.addr, 1, k, 1), sl->addr.plen = i % 16 == 1 ? 64 : 128;
	else
		ip4(&sl->addr.addr, 10, 1, k, 1), sl->addr.plen = 24;
	STEP("addr add", add_addr(E.lan, &sl->addr, pebs[(i / 2) % 3]));
	if (i % 4 < 2) {
		ref = dps_nic_get_ref(E.lan, proto, &sl->addr.addr);
		if (ref == NULL) {
			printf("  cycle %u: no reference to a permanent address\n", i);
			return -ENOENT;
		}
	}
	STEP("addr del", del_addr(E.lan, &sl->addr));
	if (ref != NULL && dps_endpoint_kind(ref) != DPS_EP_PERMANENT_EXPIRED) {
		printf("  cycle %u: a referenced removed address is not expired\n", i);
		return -EINVAL;
	}
	STEP("addr re-add", add_addr(E.lan, &sl->addr, pebs[(i / 2 + 1) % 3]));
	if (ref != NULL) {
		if (dps_endpoint_kind(ref) != DPS_EP_PERMANENT) {
			printf("  cycle %u: the re-added expired endpoint is not permanent\n", i);
			return -EINVAL;
		}
		dps_endpoint_put(ref);
	}

	ph_mark(PH_ADDR);
	/* A range and a temporary endpoint in it. */
	if (v6) {
		ip6(&sl->range.addr, 2, k, 0), sl->range.plen = 64;
		ip6(&in_range, 2, k, (uint16_t)(5 + i % 200));
	} else {
		ip4(&sl->range.addr, 10, 2, k, 0), sl->range.plen = 24;
		ip4(&in_range, 10, 2, k, (uint8_t)(5 + i % 200));
	}
	STEP("range add", dps_nic_add_range(E.lan, proto, &sl->range));
	ref = dps_nic_get_ref(E.lan, proto, &in_range);
	if (ref == NULL || dps_endpoint_kind(ref) != DPS_EP_TEMPORARY) {
		printf("  cycle %u: no temporary endpoint in the range\n", i);
		if (ref != NULL)
			dps_endpoint_put(ref);
		return -ENOENT;
	}
	dps_endpoint_put(ref);

	ph_mark(PH_RANGE);
	/* A group, joined once or twice. */
	if (v6) {
		memset(&sl->group, 0, sizeof(sl->group));
		sl->group.len = 16, sl->group.b[0] = 0xff, sl->group.b[1] = 0x0e;
		sl->group.b[15] = k;
	} else {
		ip4(&sl->group, 239, 1, k, 1);
	}
	for (int j = 0; j < (i % 3 == 0 ? 2 : 1); j++) {
		STEP("join", dps_nic_join_group(E.lan, proto, &sl->group));
		sl->joins++;
	}

	ph_mark(PH_GROUP);
	/* Routes: add through gateway A, replace with A and B; delete and re-add every fifth. */
	ip4(&sl->gw4, 10, 9, 0, (uint8_t)(10 + k));
	ip6(&sl->gw6, 9, 0, (uint16_t)(10 + k));
	ip4(&sl->r4.addr, 198, 18, k, 0), sl->r4.plen = 24;
	ip6(&sl->r6.addr, 0xf, k, 0), sl->r6.plen = 64;
	memset(nh, 0, sizeof(nh));
	nh[0].nic_id = nh[1].nic_id = 1;
	nh[0].has_gw = nh[1].has_gw = true;
	nh[0].gw = sl->gw4;
	ip4(&nh[1].gw, 10, 9, 0, (uint8_t)(50 + k));
	STEP("route4 add", dps_route_add(E.s, &sl->r4, nh, 1, false));
	sl->r4_on = true;
	STEP("route4 replace", dps_route_add(E.s, &sl->r4, nh, 2, false));
	nh[0].gw = sl->gw6;
	ip6(&nh[1].gw, 9, 0, (uint16_t)(50 + k));
	/* IPv6 routes wait for grace periods: one slot in sixteen. */
	bool r6 = i % 16 == 3;

	if (r6) {
		STEP("route6 add", dps_route_add(E.s, &sl->r6, nh, 1, false));
		sl->r6_on = true;
		STEP("route6 replace", dps_route_add(E.s, &sl->r6, nh, 2, false));
	}
	if (i % 5 == 0) {
		STEP("route4 del", dps_route_del(E.s, &sl->r4));
		if (r6)
			STEP("route6 del", dps_route_del(E.s, &sl->r6));
		/* Re-added with the other family's gateway: refused, nothing changes. */
		if (dps_route_add(E.s, &sl->r4, nh, 1, false) != -EINVAL) {
			printf("  cycle %u: an IPv4 route through an IPv6 gateway\n", i);
			return -EINVAL;
		}
		sl->r4_on = sl->r6_on = false;
		nh[0].gw = sl->gw4;
		ip4(&nh[1].gw, 10, 9, 0, (uint8_t)(50 + k));
		STEP("route4 re-add", dps_route_add(E.s, &sl->r4, nh, 2, false));
		sl->r4_on = true;
		if (r6) {
			nh[0].gw = sl->gw6;
			ip6(&nh[1].gw, 9, 0, (uint16_t)(50 + k));
			STEP("route6 re-add", dps_route_add(E.s, &sl->r6, nh, 1, false));
			sl->r6_on = true;
		}
	}

	ph_mark(PH_ROUTE);
	/* Neighbours: a static gateway every third cycle; a learned or resolving one deleted. */
	if (i % 3 == 0) {
		STEP("neigh add4", dps_neigh_add_static(E.s, 1, &sl->gw4, &MAC_GW_A));
		STEP("neigh add6", dps_neigh_add_static(E.s, 1, &sl->gw6, &MAC_GW_B));
		sl->gw_static = true;
	} else {
		struct dps_addr a;

		ip4(&a, 10, 9, 0, (uint8_t)(100 + (i * 7) % 150));
		rc = dps_neigh_del(E.s, 1, &a);
		if (rc != 0 && rc != -ENOENT)
			STEP("neigh del", rc);
		ip6(&a, 9, 0, (uint16_t)(0x100 + (i * 13) % 4096));
		/* (0x100.. : NS senders and unresolved hosts; never a gateway) */
		rc = dps_neigh_del(E.s, 1, &a);
		if (rc != 0 && rc != -ENOENT)
			STEP("neigh del6", rc);
	}
#undef STEP
	ph_mark(PH_NEIGH);
	dps_neigh_poll(E.s, E.cctx);
	dps_ctx_flush(E.cctx);
	dps_stack_reclaim(E.s);
	ph_mark(PH_POLL);
	return 0;
}

/* ---- set-up and checks ---- */

static uint32_t
env_u32(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? (uint32_t)strtoul(v, NULL, 10) : dflt;
}

static bool
variant_wanted(const char *which)
{
	const char *v = getenv("DPS_CHURN_ONLY");

	return v == NULL || *v == '\0' || strcmp(v, which) == 0;
}

static void
env_down(void *arg)
{
	(void)arg;
	for (int r = 0; r < 2; r++) {
		struct worker *w = &E.w[r];

		if (w->th != 0) {
			__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
			pthread_join(w->th, NULL);
			w->th = 0;
		}
	}
	if (E.s != NULL)
		dps_stack_free(E.s);
	E.s = NULL;
}

static int
env_up(int cpu0, int cpu1, uint32_t idle_us)
{
	struct dps_stack_conf sc;
	struct dps_nic_conf nc = {.mtu = 1500, .xmit = churn_xmit};
	struct dps_neigh_params np;
	char name[32];
	int rc;

	memset(txc, 0, sizeof(txc));
	memset(ph_tsc, 0, sizeof(ph_tsc));
	memset(slots, 0, sizeof(slots));
	dps_test_defer(env_down, NULL);
	dps_tu_stack_conf(&sc, name, "churn");
	sc.max_neigh = 512;
	sc.max_transport = 64;
	if ((rc = dps_stack_create(&sc, &E.s)) != 0)
		return rc;
	if ((rc = dps_proto_register_all(E.s)) != 0)
		return rc;
	nc.name = "lan0", nc.id = 0, nc.mac = MAC_LAN;
	if ((rc = dps_nic_create(E.s, &nc, &E.lan)) != 0 || (rc = dps_nic_enable(E.lan)) != 0)
		return rc;
	nc.name = "wan1", nc.id = 1, nc.mac = MAC_WAN;
	if ((rc = dps_nic_create(E.s, &nc, &E.wan)) != 0 || (rc = dps_nic_enable(E.wan)) != 0)
		return rc;
	struct dps_prefix fixed[4] = {P("10.0.0.1/24"), P("2001:db8::1/64"), P("10.9.0.1/24"),
				      P("2001:db8:9::1/64")};
	for (int j = 0; j < 4; j++)
		if ((rc = add_addr(j < 2 ? E.lan : E.wan, &fixed[j], DPS_PEB_CAN_BE_PRIMARY)) != 0)
			return rc;
	struct dps_addr p4 = A("10.0.0.2"), p6 = A("2001:db8::2");
	if ((rc = dps_neigh_add_static(E.s, 0, &p4, &MAC_PEER)) != 0 ||
	    (rc = dps_neigh_add_static(E.s, 0, &p6, &MAC_PEER)) != 0)
		return rc;
	if ((rc = dps_udp_echo_add(E.s, 7)) != 0)
		return rc;
	dps_stack_set_forwarding(E.s, true);
	dps_nic_set_forwarding(E.lan, true);
	dps_nic_set_forwarding(E.wan, true);
	/* Timers in milliseconds: every state and the collection happen within the run. */
	dps_neigh_get_params(E.s, &np);
	np.base_reachable_ms = 20;
	np.retrans_ms = 2;
	np.delay_first_probe_ms = 5;
	np.gc_stale_ms = 30;
	np.failed_hold_ms = 5;
	np.gc_thresh1 = 16;
	np.gc_thresh2 = 128;
	np.gc_thresh3 = 256;
	np.max_incomplete = 64;
	np.incomplete_rate = 100000;
	np.max_parked = 256;
	if ((rc = dps_neigh_set_params(E.s, &np)) != 0)
		return rc;

	E.cpool = dps_tu_pool("churn_c", CPOOL_N);
	if (E.cpool == NULL)
		return -ENOMEM;
	dps_test_watch_pool(E.cpool);
	if ((rc = dps_ctx_create(E.s, 2, 2, E.cpool, SOCKET_ID_ANY, &E.cctx)) != 0)
		return rc;
	E.base_eps = dps_stack_live_endpoints(E.s);
	E.base_r4 = dps_route_count(E.s, 4);
	E.base_r6 = dps_route_count(E.s, 16);
	E.base_tep = dps_demux_count(E.s);
	E.base_neigh = dps_neigh_count(E.s, DPS_NEIGH_NSTATES);
	for (int r = 0; r < 2; r++) {
		struct worker *w = &E.w[r];

		memset(w, 0, sizeof(*w));
		snprintf(name, sizeof(name), "churn_w%d", r);
		w->pool = rte_mempool_lookup(name);
		if (w->pool == NULL)
			w->pool = rte_pktmbuf_pool_create(name, WPOOL_N, 128, 0,
							  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (w->pool == NULL)
			return -ENOMEM;
		dps_test_watch_pool(w->pool);
		w->s = E.s, w->lan = E.lan, w->wan = E.wan;
		w->cpu = r == 0 ? cpu0 : cpu1;
		w->idle_us = idle_us;
		w->burst_tsc = rte_get_tsc_hz() / 500; /* 2 ms */
		w->seed = 0x9e3779b9u * (uint32_t)(r + 1);
		if ((rc = dps_ctx_create(E.s, (uint16_t)r, (uint16_t)r, w->pool, SOCKET_ID_ANY,
					 &w->ctx)) != 0)
			return rc;
		if (pthread_create(&w->th, NULL, worker_main, w) != 0)
			return -EAGAIN;
	}
	return 0;
}

/* The CPUs this process may run on: the first two (the second is the first if only one). */
static void
two_cpus(int *a, int *b)
{
	cpu_set_t cs;
	int n = 0;

	*a = *b = -1;
	if (sched_getaffinity(0, sizeof(cs), &cs) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &cs))
			*(n++ == 0 ? a : b) = c;
	if (*b < 0)
		*b = *a;
}

static void
run_pinned(int cpu0, int cpu1, uint32_t idle_us, uint32_t cycles)
{
	struct timespec t0, t1;
	uint64_t frames = 0, turns = 0, failed = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(env_up(cpu0, cpu1, idle_us), 0);
	for (uint32_t i = 0; i < cycles; i++) {
		int rc = cycle(i);

		CHECK_EQ(rc, 0);
		if (cycles >= 100000 && i % 100000 == 0 && i != 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("  %u cycles, %.0f s\n", i, (double)(t1.tv_sec - t0.tv_sec));
			fflush(stdout);
		}
	}
	for (int k = 0; k < SLOTS; k++)
		CHECK_EQ(slot_undo(&slots[k]), 0);
	/* Workers stop; what they parked drains or fails through the neighbour timers. */
	for (int r = 0; r < 2; r++) {
		__atomic_store_n(&E.w[r].stop, 1, __ATOMIC_RELEASE);
		pthread_join(E.w[r].th, NULL);
		E.w[r].th = 0;
		frames += E.w[r].frames;
		turns += E.w[r].turns;
		failed += E.w[r].alloc_failed;
	}
	/* Every neighbour goes: what is left after the timers is deleted by hand. */
	for (int pass = 0; pass < 200 && dps_neigh_parked(E.s) != 0; pass++) {
		rte_delay_us_sleep(1000);
		dps_neigh_poll(E.s, E.cctx);
		dps_ctx_flush(E.cctx);
	}
	CHECK_EQ(dps_neigh_parked(E.s), 0);
	/*
	 * Learn messages the stopped workers left in the ring still create entries at the next
	 * poll: drain it (the poll reports no work), then delete what is not static.
	 */
	for (int pass = 0; pass < 10; pass++) {
		static struct dps_neigh_info v[512];
		int n;

		for (int k = 0; k < 1000 && dps_neigh_poll(E.s, E.cctx) != 0; k++)
			dps_ctx_flush(E.cctx);
		dps_ctx_flush(E.cctx);
		if (dps_neigh_count(E.s, DPS_NEIGH_NSTATES) == E.base_neigh)
			break;
		n = dps_neigh_list(E.s, v, 512);
		CHECK(n >= 0 && n <= 512);
		for (int j = 0; j < n; j++)
			if (v[j].state != DPS_NEIGH_STATIC)
				CHECK_EQ(dps_neigh_del(E.s, v[j].nic_id, &v[j].addr), 0);
	}
	dps_stack_synchronize(E.s);
	CHECK_EQ(dps_stack_deferred_pending(E.s), 0);
	CHECK_EQ(dps_stack_live_endpoints(E.s), E.base_eps);
	CHECK_EQ(dps_route_count(E.s, 4), E.base_r4);
	CHECK_EQ(dps_route_count(E.s, 16), E.base_r6);
	CHECK_EQ(dps_demux_count(E.s), E.base_tep);
	CHECK_EQ(dps_neigh_count(E.s, DPS_NEIGH_NSTATES), E.base_neigh);
	CHECK_EQ(dps_neigh_count(E.s, DPS_NEIGH_STATIC), E.base_neigh);
	CHECK_EQ(failed, 0);
	/* The traffic did its part: delivered, answered, forwarded, learned. */
	CHECK(dps_stack_counter(E.s, -1, DPS_CNT_ICMP4_ECHO_SENT) > 0);
	CHECK(dps_stack_counter(E.s, -1, DPS_CNT_IP_PACKETS_DELIVERED) > 0);
	CHECK(dps_stack_counter(E.s, -1, DPS_CNT_NEIGH_LEARNED) > 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("  %u cycles in %.1f s; workers: %" PRIu64 " turns, %" PRIu64 " frames; "
	       "forwarded %" PRIu64 ", delivered %" PRIu64 ", transmitted %" PRIu64 "\n",
	       cycles, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, turns,
	       frames, dps_stack_counter(E.s, -1, DPS_CNT_FWD_FORWARDED),
	       dps_stack_counter(E.s, -1, DPS_CNT_IP_PACKETS_DELIVERED),
	       txc[0].frames + txc[1].frames + txc[2].frames);
	printf("  control time per cycle (us):");
	for (int ph = 0; ph < PH_MAX; ph++)
		printf(" %s %.1f", ph_name[ph],
		       (double)ph_tsc[ph] * 1e6 / (double)rte_get_tsc_hz() / (cycles ? cycles : 1));
	printf("\n");
	/* The stack goes; the pools must be back at their baseline (dps_test_watch_pool). */
	dps_ctx_free(E.cctx);
	for (int r = 0; r < 2; r++)
		dps_ctx_free(E.w[r].ctx);
	dps_stack_free(E.s);
	E.s = NULL;
}

static void
run(int cpu0, int cpu1, int ctl_cpu, uint32_t idle_us, uint32_t cycles)
{
	cpu_set_t saved, cs;

	sched_getaffinity(0, sizeof(saved), &saved);
	if (ctl_cpu >= 0) {
		CPU_ZERO(&cs);
		CPU_SET(ctl_cpu, &cs);
		sched_setaffinity(0, sizeof(cs), &cs);
	}
	run_pinned(cpu0, cpu1, idle_us, cycles);
	sched_setaffinity(0, sizeof(saved), &saved);
}

DPS_TEST(churn_two_workers)
{
	if (!variant_wanted("two"))
		return;
	/* Not pinned: the scheduler spreads the workers and the control thread. */
	run(-1, -1, -1, env_u32("DPS_CHURN_IDLE_US", 1), env_u32("DPS_CHURN_CYCLES", 10000));
}

DPS_TEST(churn_two_workers_on_one_cpu)
{
	int a, b;

	if (!variant_wanted("one"))
		return;
	two_cpus(&a, &b);
	/*
	 * Both workers on one CPU, the control thread on the other: a grace period waits for
	 * the scheduler to run each worker in turn, and every route change (IPv4 and IPv6:
	 * left-right FIB copies) waits for the previous one's, so a cycle takes ~10 scheduler
	 * time slices.
	 */
	run(b, b, a, 0, env_u32("DPS_CHURN_CYCLES_ONE_CPU", env_u32("DPS_CHURN_CYCLES", 10000) / 50));
}

/*
 * IPv6 route add/delete cycles: DPDK 22.11's trie leaked five tbl8 reservations per cycle of
 * a /64 (route.c rebuilds a copy when they run out), so on a 1024-route stack the 205th add
 * failed with -ENOSPC and an empty table refused every route longer than /24.
 */
DPS_TEST(route_add_del_cycles_never_exhaust_the_fib)
{
	struct dps_stack_conf sc;
	struct dps_nexthop nh = {.nic_id = 1, .has_gw = true};
	struct dps_nexthop nh4 = {.nic_id = 1, .has_gw = true};
	struct dps_stack *s;
	char name[32];

	if (!variant_wanted("route"))
		return;
	dps_tu_stack_conf(&sc, name, "chr");
	CHECK_EQ(dps_tu_stack(&sc, &s), 0);
	ip6(&nh.gw, 9, 0, 10);
	ip4(&nh4.gw, 10, 9, 0, 10);
	for (uint32_t i = 0; i < 5000; i++) {
		struct dps_prefix p6, p4;
		uint8_t k = (uint8_t)(i % 8);

		/* A /64 and a /60 (not a multiple of 8) per cycle, eight of each live. */
		ip6(&p6.addr, 0xf, (uint16_t)(k << 4), 0), p6.plen = (uint8_t)(i & 1 ? 60 : 64);
		ip4(&p4.addr, 198, 18, k, 16), p4.plen = 28;
		if (i >= 8) {
			struct dps_prefix q6 = p6, q4 = p4;

			q6.plen = (uint8_t)(i & 1 ? 60 : 64);
			CHECK_EQ(dps_route_del(s, &q6), 0);
			CHECK_EQ(dps_route_del(s, &q4), 0);
		}
		CHECK_EQ(dps_route_add(s, &p6, &nh, 1, false), 0);
		CHECK_EQ(dps_route_add(s, &p4, &nh4, 1, false), 0);
	}
	CHECK_EQ(dps_route_count(s, 16), 8);
	CHECK_EQ(dps_route_count(s, 4), 8);
	dps_stack_free(s);
	s = NULL;
}

static void
udp_sink(struct dps_ctx *ctx, struct dps_udp_sock *sk, struct rte_mbuf *m,
	 const struct dps_udp_meta *meta, void *arg)
{
	(void)ctx, (void)sk, (void)meta, (void)arg;
	rte_pktmbuf_free(m);
}

static void
raw_sink(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
	 const struct dps_pktinfo *info, void *arg)
{
	(void)ctx, (void)tep, (void)info, (void)arg;
	rte_pktmbuf_free(m);
}

/*
 * Transport endpoints are bounded by the stack's max_transport (raw ones by DPS_MAX_RAW),
 * each refusal counted (transport.bind_full); bind/close churn frees every endpoint.
 */
DPS_TEST(transport_binds_are_bounded_counted_and_freed)
{
	static struct dps_udp_sock *sk[64];
	static struct dps_raw *raw[DPS_MAX_RAW];
	struct dps_stack_conf sc;
	struct dps_udp_sock *extra;
	struct dps_raw *rextra;
	struct dps_stack *s;
	char name[32];

	if (!variant_wanted("bind"))
		return;
	dps_tu_stack_conf(&sc, name, "chb");
	sc.max_transport = 64;
	CHECK_EQ(dps_tu_stack(&sc, &s), 0);
	CHECK_EQ(dps_proto_register_all(s), 0);
	for (uint16_t p = 0; p < 64; p++)
		CHECK_EQ(dps_udp_bind(s, p & 1 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4, NULL,
				      (uint16_t)(1000 + p), udp_sink, NULL, &sk[p]), 0);
	CHECK_EQ(dps_demux_count(s), 64);
	/* The 65th: refused and counted, on either family, nothing half-made. */
	CHECK_EQ(dps_udp_bind(s, RTE_ETHER_TYPE_IPV4, NULL, 2000, udp_sink, NULL, &extra), -ENOSPC);
	CHECK_EQ(dps_udp_echo_add(s, 7), -ENOSPC);
	CHECK_EQ(dps_stack_counter(s, -1, DPS_CNT_TRANSPORT_BIND_FULL), 2);
	CHECK_EQ(dps_stack_counter(s, 0, DPS_CNT_TRANSPORT_BIND_FULL), 0);
	CHECK_EQ(dps_demux_count(s), 64);
	/* A close makes room again. */
	CHECK_EQ(dps_udp_close(s, sk[5]), 0);
	CHECK_EQ(dps_udp_bind(s, RTE_ETHER_TYPE_IPV4, NULL, 2000, udp_sink, NULL, &sk[5]), 0);
	/* Raw endpoints: DPS_MAX_RAW of them. */
	for (unsigned int i = 0; i < DPS_MAX_RAW; i++)
		CHECK_EQ(dps_raw_bind(s, 0, (uint8_t)(i % 4), raw_sink, NULL, &raw[i]), 0);
	CHECK_EQ(dps_raw_bind(s, 0, 200, raw_sink, NULL, &rextra), -ENOSPC);
	CHECK_EQ(dps_stack_counter(s, -1, DPS_CNT_TRANSPORT_BIND_FULL), 3);
	CHECK_EQ(dps_raw_unbind(s, raw[0]), 0);
	CHECK_EQ(dps_raw_bind(s, 0, 200, raw_sink, NULL, &raw[0]), 0);
	/* Churn: 10,000 close/bind pairs; the count never drifts and nothing is kept. */
	for (uint32_t i = 0; i < 10000; i++) {
		unsigned int j = i % 64;

		CHECK_EQ(dps_udp_close(s, sk[j]), 0);
		CHECK_EQ(dps_udp_bind(s, RTE_ETHER_TYPE_IPV6, NULL, (uint16_t)(3000 + i % 5000),
				      udp_sink, NULL, &sk[j]), 0);
		if (i % 256 == 0)
			dps_stack_reclaim(s);
	}
	CHECK_EQ(dps_demux_count(s), 64);
	for (unsigned int j = 0; j < 64; j++)
		CHECK_EQ(dps_udp_close(s, sk[j]), 0);
	for (unsigned int i = 0; i < DPS_MAX_RAW; i++)
		CHECK_EQ(dps_raw_unbind(s, raw[i]), 0);
	CHECK_EQ(dps_demux_count(s), 0);
	dps_stack_synchronize(s);
	CHECK_EQ(dps_stack_deferred_pending(s), 0);
	CHECK_EQ(dps_stack_counter(s, -1, DPS_CNT_TRANSPORT_BIND_FULL), 3);
	dps_stack_free(s);
	s = NULL;
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
