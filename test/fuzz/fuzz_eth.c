/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: every byte parser of lib/proto and lib/nic, reached the way the wire
 * reaches them, through dps_eth_input_burst() on a stack configured like a small router.
 *
 * Input: a 4-byte header, then one Ethernet frame, or up to 64 separated by "DPSF" and given
 * as one burst (docs/fuzzing.md):
 *   byte 0  options   bit 0 NIC (lan0 / lan1)        bit 4 ASan-exact external buffers
 *                     bit 1 promiscuous              bit 5 resolve pending neighbours
 *                     bit 2 split into a chain       bit 6 ICMP error bucket empty
 *                     bit 3 fix lengths + checksums  bit 7 NIC forwarding off
 *   byte 1  length of the first segment (chains; 0 means 1)
 *   byte 2  length of each later segment minus 1 (chains; at most 127 segments a frame and
 *           1024 an input)
 *   byte 3  what the "PMD" says in ol_flags: bits 0-1 IP checksum (unknown, bad, good, none),
 *           bits 2-3 L4 checksum (same), bit 4 RSS hash valid (hash.rss from bytes 1-2),
 *           bit 5 802.1Q tag stripped by the PMD (RTE_MBUF_F_RX_VLAN_STRIPPED, vlan_tci
 *           from bytes 1-2: 0x0005 is lan0's VLAN)
 * lan0 has a VLAN NIC, lan0v5 (VID 5, its link tags and hands to lan0's); lan1 has none, so
 * tags on lan1 are an ethertype it does not speak, on lan0 a configured VID, an unknown one
 * or QinQ (fix mode skips up to two tags to reach the IP header).
 * After each frame: tx flushed, neighbour ring served by the control context, what it learned
 * or queued deleted again (so one input cannot change the next), quiescent states reported,
 * deferred frees run, and the mbuf pool must be back at its baseline: abort() otherwise.
 *
 * Findings: ASan/UBSan reports, abort() on a leaked or doubly freed mbuf, abort() on a
 * transmitted frame that fails rte_mbuf_check() or does not carry the NIC's MAC as source.
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_demux.h"
#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_nic_dp.h"
#include "dps_proto.h"
#include "dps_route.h"
#include "dps_udp.h"

#ifdef __has_feature
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#endif
#endif

#define FZ_HDR 4
#define FZ_MAX_FRAME 9100
#define FZ_MAX_SEGS 127   /* per frame */
#define FZ_SEG_BUDGET 1024 /* per input: the pool must hold them and every reply */
#define FZ_MAX_BURST 64    /* frames per input: two chunks of DPS_BURST */
#define FZ_SEP "DPSF"      /* separates the frames of a burst */
#define FZ_SEP_LEN 4
#define FZ_POOL_N 4095
#define FZ_BUF (9216 + RTE_PKTMBUF_HEADROOM)
#define FZ_NEIGH_MAX 256

#define OPT_NIC1 0x01
#define OPT_PROMISC 0x02
#define OPT_CHAIN 0x04
#define OPT_FIX 0x08
#define OPT_EXTBUF 0x10
#define OPT_RESOLVE 0x20
#define OPT_RATELIMIT 0x40
#define OPT_NOFWD 0x80

/* RTE_MBUF_F_RX_*_CKSUM_{UNKNOWN,BAD,GOOD,NONE}, indexed by two bits of the offload byte. */
static const uint64_t fz_ip_ck[4] = {RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_BAD,
				     RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_NONE};
static const uint64_t fz_l4_ck[4] = {RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_BAD,
				     RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_NONE};

/* Per-NIC link state for the xmit callback. */
struct fz_link {
	uint16_t nic_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint64_t frames;
	uint64_t oversize;
};

/* External buffer of one segment: malloc'd at its exact size so ASan sees any overrun. */
struct fz_ext {
	struct rte_mbuf_ext_shared_info shinfo;
	uint8_t *buf;
};

/* The fuzzer's whole state: libFuzzer's entry points take no argument, so it is file-static. */
static struct {
	struct rte_mempool *pool;
	struct dps_stack *s;
	struct dps_ctx *dp;   /* the data-path (worker) context, online */
	struct dps_ctx *ctrl; /* the control context: neighbour service */
	struct dps_nic *nic[3]; /* lan0, lan1, lan0v5 */
	struct fz_link link[3];
	struct dps_vlan_link vlink;
	struct dps_neigh_info static_neigh[8];
	int n_static;
	unsigned int baseline;
	uint64_t ext_alloc, ext_freed;
	uint64_t udp_sock_rx, tep_ctl, raw_rx;
	uint64_t inputs;
	char prefix[64];
} F;

static void
fz_die(const char *what)
{
	fprintf(stderr, "fuzz_eth: %s\n", what);
	fflush(stderr);
	abort();
}

/*
 * LeakSanitizer off by default, also when a crash file is replayed by hand: the process exits
 * without tearing the stack down, so its setup would be reported. Mbufs are checked per input.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* ---- links: free what they are given, after checking it ---- */

/* The first frame sent larger than its link's MTU: what it is, once per link. */
static void
fz_report_oversize(const struct fz_link *l, const struct rte_mbuf *m)
{
	uint8_t h[64];
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len, sizeof(h)), h);
	uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
	unsigned int proto = type == RTE_ETHER_TYPE_IPV4 ? p[14 + 9] :
			     type == RTE_ETHER_TYPE_IPV6 ? p[14 + 6] : 0;

	fprintf(stderr,
		"fuzz_eth: note: %u-byte frame sent on nic %u (MTU %u): ethertype 0x%04x "
		"protocol %u, type/port byte %u\n",
		m->pkt_len, l->nic_id, l->mtu, type, proto,
		type == RTE_ETHER_TYPE_IPV4 ? p[14 + (p[14] & 0xf) * 4] : p[14 + 40]);
}

static uint16_t
fz_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct fz_link *l = priv;
	const char *reason = NULL;

	(void)queue;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr eh;
		const struct rte_ether_hdr *p;

		if (rte_mbuf_check(m, 1, &reason) != 0) {
			fprintf(stderr, "fuzz_eth: bad mbuf transmitted on nic %u: %s\n", l->nic_id,
				reason);
			abort();
		}
		p = rte_pktmbuf_read(m, 0, sizeof(eh), &eh);
		if (p == NULL)
			fz_die("transmitted frame shorter than an Ethernet header");
		if (!rte_is_same_ether_addr(&p->src_addr, &l->mac))
			fz_die("transmitted frame without the NIC's MAC as source");
		/* Touch every byte: ASan checks external buffers, UBSan nothing here. */
		for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
			volatile uint8_t sink = 0;
			const uint8_t *d = rte_pktmbuf_mtod(seg, const uint8_t *);

			for (uint16_t k = 0; k < seg->data_len; k++)
				sink ^= d[k];
			(void)sink;
		}
		/* Larger than the link MTU: counted and reported at exit, not a crash. */
		if (m->pkt_len > (uint32_t)l->mtu + RTE_ETHER_HDR_LEN && l->oversize++ == 0)
			fz_report_oversize(l, m);
		l->frames++;
		rte_pktmbuf_free(m);
	}
	return n;
}

/* ---- transport endpoints that read what they get ---- */

static void
fz_touch(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint8_t buf[64];

	len = RTE_MIN(len, (uint32_t)sizeof(buf));
	/*
	 * Not zero bytes: DPDK 22.11's __rte_pktmbuf_read() walks off the end of a chain for
	 * off == pkt_len, len == 0 (it dereferences the NULL after the last segment).
	 */
	if (len > 0 && off + len <= m->pkt_len)
		(void)rte_pktmbuf_read(m, off, len, buf);
}

static void
fz_udp_rx(struct dps_ctx *ctx, struct dps_udp_sock *sk, struct rte_mbuf *m,
	  const struct dps_udp_meta *meta, void *arg)
{
	static const char reply[] = "fuzz";

	(void)arg;
	F.udp_sock_rx++;
	if (meta->payload_off + meta->payload_len > m->pkt_len)
		fz_die("udp socket: payload beyond the packet");
	fz_touch(m, meta->payload_off, meta->payload_len);
	/* Answer through the socket API: route lookup, source choice, neighbour, output. */
	(void)dps_udp_sendto(ctx, sk, &meta->src, meta->sport, reply, sizeof(reply) - 1);
	rte_pktmbuf_free(m);
}

static void
fz_tep_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
	  const struct dps_pktinfo *info, void *arg)
{
	(void)ctx;
	(void)tep;
	(void)arg;
	if ((uint32_t)info->l4_off + info->l4_len > m->pkt_len)
		fz_die("transport endpoint: l4 beyond the packet");
	fz_touch(m, info->l4_off, info->l4_len);
	rte_pktmbuf_free(m);
}

static void
fz_tep_ctl(struct dps_ctx *ctx, struct dps_tep *tep, int type, uint32_t extra,
	   const struct rte_mbuf *m, void *arg)
{
	(void)ctx;
	(void)tep;
	(void)type;
	(void)extra;
	(void)arg;
	F.tep_ctl++;
	fz_touch(m, 0, m->pkt_len);
}

static void
fz_raw_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
	  const struct dps_pktinfo *info, void *arg)
{
	(void)ctx;
	(void)tep;
	(void)info;
	(void)arg;
	F.raw_rx++;
	fz_touch(m, 0, m->pkt_len);
	rte_pktmbuf_free(m);
}

/* ---- setup ---- */

static int
rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
fz_exit(void)
{
	char dir[128];

	fprintf(stderr,
		"fuzz_eth: %" PRIu64 " inputs; tx lan0 %" PRIu64 " lan1 %" PRIu64 " lan0v5 %" PRIu64
		"; oversize tx lan0 %" PRIu64 " lan1 %" PRIu64 "; ext buffers %" PRIu64
		"/%" PRIu64 " freed; udp socket rx %" PRIu64 ", tep ctl %" PRIu64 ", raw %" PRIu64
		"\n",
		F.inputs, F.link[0].frames, F.link[1].frames, F.link[2].frames, F.link[0].oversize,
		F.link[1].oversize, F.ext_freed, F.ext_alloc, F.udp_sock_rx, F.tep_ctl, F.raw_rx);
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", F.prefix);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static struct dps_addr
fz_addr(const char *s)
{
	struct dps_addr a;

	if (dps_addr_parse(s, &a) != 0)
		fz_die(s);
	return a;
}

static struct dps_prefix
fz_prefix(const char *s)
{
	struct dps_prefix p;

	if (dps_prefix_parse(s, &p) != 0)
		fz_die(s);
	return p;
}

#define TRY(expr)                                                                                  \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ < 0) {                                                                     \
			fprintf(stderr, "fuzz_eth: %s: %s\n", #expr, strerror(-rc_));              \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void
fz_addr_add(struct dps_nic *nic, const char *s)
{
	struct dps_prefix p = fz_prefix(s);
	uint16_t proto = p.addr.len == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;

	TRY(dps_nic_add_address(nic, proto, &p, DPS_PEB_CAN_BE_PRIMARY));
	TRY(dps_route_add_connected(F.s, dps_nic_id(nic), &p));
}

static void
fz_route(const char *prefix, int nic_id, const char *gw)
{
	struct dps_prefix p = fz_prefix(prefix);
	struct dps_nexthop nh = {.nic_id = (uint16_t)nic_id, .has_gw = gw != NULL};

	if (gw != NULL)
		nh.gw = fz_addr(gw);
	TRY(dps_route_add(F.s, &p, &nh, 1, false));
}

static void
fz_neigh(int nic_id, const char *addr, uint8_t last)
{
	struct rte_ether_addr mac = {.addr_bytes = {0x02, 0xee, 0, 0, (uint8_t)nic_id, last}};
	struct dps_neigh_info *ni = &F.static_neigh[F.n_static++];

	ni->nic_id = (uint16_t)nic_id;
	ni->addr = fz_addr(addr);
	TRY(dps_neigh_add_static(F.s, (uint16_t)nic_id, &ni->addr, &mac));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dps_stack_conf sc = {.name = "fz", .socket_id = SOCKET_ID_ANY,
				    .max_endpoints = 1024, .max_transport = 1024,
				    .max_neigh = 1024, .max_routes4 = 1024, .max_routes6 = 1024};
	char *eal[16];
	int n = 0;
	struct dps_tep_id id;
	struct dps_tep *tep;
	struct dps_raw *raw;
	struct dps_udp_sock *sk;

	snprintf(F.prefix, sizeof(F.prefix), "dpsfuzz%d", (int)getpid());
	static char pfx_arg[96];
	snprintf(pfx_arg, sizeof(pfx_arg), "--file-prefix=%s", F.prefix);
	eal[n++] = (*argv)[0];
	eal[n++] = (char *)"--no-huge";
	eal[n++] = (char *)"-m";
	eal[n++] = (char *)"512";
	eal[n++] = (char *)"--no-pci";
	eal[n++] = pfx_arg;
	eal[n++] = (char *)"-l";
	eal[n++] = (char *)"0";
	eal[n++] = (char *)"--log-level=*:error";
	eal[n] = NULL;
	(void)argc;
	if (rte_eal_init(n, eal) < 0)
		fz_die("rte_eal_init failed");
	atexit(fz_exit);

	F.pool = rte_pktmbuf_pool_create("fzpool", FZ_POOL_N, 0, 0, FZ_BUF, SOCKET_ID_ANY);
	if (F.pool == NULL)
		fz_die("mbuf pool");
	TRY(dps_stack_create(&sc, &F.s));
	TRY(dps_proto_register_all(F.s));

	for (int i = 0; i < 2; i++) {
		static const char *const names[] = {"lan0", "lan1"};
		struct dps_nic_conf nc = {.name = names[i], .id = (uint16_t)i, .port_id = (uint16_t)i,
					  .mac = {.addr_bytes = {0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}},
					  /* lan1 takes jumbo frames: forwarding lan1 -> lan0 meets
					   * an MTU it does not fit. */
					  .mtu = i == 0 ? 1500 : 9000,
					  .xmit = fz_xmit, .xmit_priv = &F.link[i]};

		F.link[i].nic_id = (uint16_t)i;
		F.link[i].mtu = nc.mtu;
		F.link[i].mac = nc.mac;
		TRY(dps_nic_create(F.s, &nc, &F.nic[i]));
		TRY(dps_nic_enable(F.nic[i]));
		dps_nic_set_forwarding(F.nic[i], true);
	}
	/* Source routes followed on lan0, refused on lan1 (RFC 1812 5.2.4.1's switch). */
	dps_nic_set_source_route(F.nic[0], true);
	fz_addr_add(F.nic[0], "10.0.0.1/24");
	fz_addr_add(F.nic[0], "2001:db8::1/64");
	fz_addr_add(F.nic[0], "fe80::1/64");
	fz_addr_add(F.nic[1], "10.1.0.1/24");
	fz_addr_add(F.nic[1], "2001:db8:1::1/64");
	fz_addr_add(F.nic[1], "fe80::2/64");
	{
		struct dps_prefix r4 = fz_prefix("10.9.0.0/16"), r6 = fz_prefix("2001:db8:9::/48");
		struct dps_addr g4 = fz_addr("224.0.0.251"), g6 = fz_addr("ff02::fb");

		TRY(dps_nic_add_range(F.nic[0], RTE_ETHER_TYPE_IPV4, &r4));
		TRY(dps_nic_add_range(F.nic[1], RTE_ETHER_TYPE_IPV6, &r6));
		TRY(dps_nic_join_group(F.nic[0], RTE_ETHER_TYPE_IPV4, &g4));
		TRY(dps_nic_join_group(F.nic[1], RTE_ETHER_TYPE_IPV6, &g6));
	}
	/* Static neighbours: the gateways below, resolved without ARP/NDP. */
	fz_neigh(0, "10.0.0.2", 2);
	fz_neigh(1, "10.1.0.2", 3);
	fz_neigh(0, "2001:db8::2", 4);
	fz_neigh(1, "2001:db8:1::2", 5);
	/* No default routes: some destinations have no route (ICMP net unreachable). */
	fz_route("8.0.0.0/8", 0, "10.0.0.2");
	fz_route("192.168.0.0/16", 1, "10.1.0.2");
	fz_route("172.16.0.0/12", 1, "10.1.0.99"); /* unresolved gateway: queued */
	fz_route("198.51.100.0/24", 1, NULL);      /* on-link, unresolved */
	fz_route("2001:4860::/32", 0, "2001:db8::2");
	fz_route("2001:db8:100::/48", 1, "2001:db8:1::2");
	fz_route("2001:db8:200::/48", 1, "2001:db8:1::99"); /* unresolved gateway */
	/* lan0v5: VLAN 5 of lan0 (802.1Q), tagged by dps_vlan_xmit, then lan0's link. */
	{
		struct dps_nic_conf vc = {.name = "lan0v5", .id = 2, .port_id = 0, .mtu = 1500,
					  .mac = F.link[0].mac, .xmit = dps_vlan_xmit,
					  .xmit_priv = &F.vlink};

		F.link[2] = (struct fz_link){.nic_id = 2, .mtu = 1500 + 4, .mac = vc.mac};
		F.vlink = (struct dps_vlan_link){.xmit = fz_xmit, .xmit_priv = &F.link[2],
						 .tci = 5};
		TRY(dps_nic_create(F.s, &vc, &F.nic[2]));
		TRY(dps_nic_enable(F.nic[2]));
		dps_nic_set_forwarding(F.nic[2], true);
		TRY(dps_vlan_add(F.nic[0], 5, F.nic[2]));
		fz_addr_add(F.nic[2], "10.5.0.1/24");
		fz_addr_add(F.nic[2], "2001:db8:5::1/64");
		fz_neigh(2, "10.5.0.2", 6);
		fz_route("100.64.0.0/10", 2, "10.5.0.2");
	}
	dps_stack_set_forwarding(F.s, true);

	/* Transport: UDP echo on 7, a UDP socket on 5000, TCP endpoint on 80, raw ICMP. */
	TRY(dps_udp_echo_add(F.s, 7));
	TRY(dps_udp_bind(F.s, RTE_ETHER_TYPE_IPV4, NULL, 5000, fz_udp_rx, NULL, &sk));
	TRY(dps_udp_bind(F.s, RTE_ETHER_TYPE_IPV6, NULL, 5000, fz_udp_rx, NULL, &sk));
	memset(&id, 0, sizeof(id));
	id.local_port = 80;
	TRY(dps_tep_bind(F.s, RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, &id, fz_tep_rx, fz_tep_ctl, NULL,
			 &tep));
	TRY(dps_tep_bind(F.s, RTE_ETHER_TYPE_IPV6, IPPROTO_TCP, &id, fz_tep_rx, fz_tep_ctl, NULL,
			 &tep));
	id.local_port = 53;
	TRY(dps_tep_bind(F.s, RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, &id, fz_tep_rx, fz_tep_ctl, NULL,
			 &tep));
	TRY(dps_tep_bind(F.s, RTE_ETHER_TYPE_IPV6, IPPROTO_UDP, &id, fz_tep_rx, fz_tep_ctl, NULL,
			 &tep));
	TRY(dps_raw_bind(F.s, RTE_ETHER_TYPE_IPV4, IPPROTO_ICMP, fz_raw_rx, NULL, &raw));
	TRY(dps_raw_bind(F.s, RTE_ETHER_TYPE_IPV6, IPPROTO_UDP, fz_raw_rx, NULL, &raw));

	TRY(dps_ctx_create(F.s, 0, 0, F.pool, SOCKET_ID_ANY, &F.dp));
	TRY(dps_ctx_create(F.s, 1, 1, F.pool, SOCKET_ID_ANY, &F.ctrl));
	dps_stack_synchronize(F.s);
	dps_ctx_online(F.dp);
	F.baseline = rte_mempool_in_use_count(F.pool);
	return 0;
}

/* ---- input: options, mbufs ---- */

static void
fz_ext_free(void *addr, void *opaque)
{
	struct fz_ext *x = opaque;

	(void)addr;
	F.ext_freed++;
	free(x->buf);
	free(x);
}

/* One segment holding len bytes at src, headroom bytes before them. */
static struct rte_mbuf *
fz_seg(const uint8_t *src, uint32_t len, uint16_t headroom, bool ext)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(F.pool);

	if (m == NULL)
		fz_die("mbuf pool empty");
	if (ext) {
		struct fz_ext *x = calloc(1, sizeof(*x));
		uint32_t size = headroom + len;

		if (x == NULL)
			fz_die("calloc");
		/* At least one byte so the buffer has an address; exactly len bytes of data. */
		x->buf = malloc(size ? size : 1);
		if (x->buf == NULL)
			fz_die("malloc");
		x->shinfo.free_cb = fz_ext_free;
		x->shinfo.fcb_opaque = x;
		rte_mbuf_ext_refcnt_set(&x->shinfo, 1);
		rte_pktmbuf_attach_extbuf(m, x->buf, (rte_iova_t)(uintptr_t)x->buf, (uint16_t)size,
					  &x->shinfo);
		m->data_off = headroom;
		F.ext_alloc++;
	} else {
		m->data_off = headroom;
	}
	if (len > 0)
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), src, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

static struct rte_mbuf *
fz_mbuf(const uint8_t *f, uint32_t len, uint8_t opt, uint8_t first, uint8_t later,
	uint32_t max_segs)
{
	bool ext = (opt & OPT_EXTBUF) != 0;
	struct rte_mbuf *head, *last;
	uint32_t l1, seg, off;

	if (!(opt & OPT_CHAIN) || len <= 1 || max_segs < 2)
		return fz_seg(f, len, RTE_PKTMBUF_HEADROOM, ext);
	l1 = RTE_MIN(RTE_MAX((uint32_t)first, 1u), len);
	seg = RTE_MAX((uint32_t)later + 1, (len - l1 + max_segs - 2) / (max_segs - 1));
	head = last = fz_seg(f, l1, RTE_PKTMBUF_HEADROOM, ext);
	for (off = l1; off < len; off += seg) {
		uint32_t k = RTE_MIN(seg, len - off);
		struct rte_mbuf *m = fz_seg(f + off, k, 0, ext);

		last->next = m;
		last = m;
		head->nb_segs++;
		head->pkt_len += k;
	}
	return head;
}

/* ---- "fix" mode: lengths and checksums made right so mutations reach the handlers ---- */

static uint16_t
fz_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
fz_put16(uint8_t *p, uint16_t host)
{
	p[0] = (uint8_t)(host >> 8);
	p[1] = (uint8_t)host;
}

static uint16_t
fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Big-endian one's-complement sum of len bytes (odd tail padded with zero). */
static uint32_t
fz_sum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += fz_get16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return fz_fold(sum);
}

/* Upper-layer checksum at l4[ck] over l4len bytes, pseudo-header sum given (0: none). */
static void
fz_l4_fix(uint8_t *l4, uint32_t l4len, uint8_t proto, uint32_t pseudo, bool has_pseudo)
{
	uint32_t ck;
	uint16_t c;

	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		ck = 2;
		break;
	case IPPROTO_UDP:
		ck = 6;
		if (l4len >= 8)
			fz_put16(l4 + 4, (uint16_t)l4len);
		break;
	case IPPROTO_TCP:
		ck = 16;
		break;
	default:
		return;
	}
	if (l4len < ck + 2)
		return;
	l4[ck] = l4[ck + 1] = 0;
	c = (uint16_t)~fz_sum(l4, l4len, has_pseudo ? pseudo : 0);
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	fz_put16(l4 + ck, c);
}

static void
fz_fix4(uint8_t *ip, uint32_t avail)
{
	uint32_t ihl, pseudo;
	uint16_t c;

	if (avail < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0x0f) * 4u;
	if (ihl < 20 || ihl > avail)
		return;
	avail = RTE_MIN(avail, 65535u);
	fz_put16(ip + 2, (uint16_t)avail);
	/* Upper layer only for an unfragmented packet or a first fragment. */
	if ((fz_get16(ip + 6) & 0x1fff) == 0) {
		pseudo = fz_sum(ip + 12, 8, 0) + ip[9] + (avail - ihl);
		fz_l4_fix(ip + ihl, avail - ihl, ip[9], fz_fold(pseudo), ip[9] != IPPROTO_ICMP);
	}
	ip[10] = ip[11] = 0;
	c = (uint16_t)~fz_sum(ip, ihl, 0);
	fz_put16(ip + 10, c);
}

static void
fz_fix6(uint8_t *ip, uint32_t avail)
{
	uint32_t off = 40, pseudo;
	uint8_t nh;

	if (avail < 40 || (ip[0] >> 4) != 6)
		return;
	avail = RTE_MIN(avail, 40u + 65535u);
	fz_put16(ip + 4, (uint16_t)(avail - 40));
	nh = ip[6];
	for (int i = 0; i < 8; i++) {
		uint32_t len;

		if (nh == 0 || nh == 43 || nh == 60) {
			if (off + 2 > avail)
				return;
			len = (ip[off + 1] + 1u) * 8;
		} else if (nh == 51) {
			if (off + 2 > avail)
				return;
			len = (ip[off + 1] + 2u) * 4;
		} else if (nh == 44) {
			if (off + 8 > avail || (fz_get16(ip + off + 2) & 0xfff8) != 0)
				return;
			len = 8;
		} else {
			break;
		}
		nh = ip[off];
		off += len;
		if (off > avail)
			return;
	}
	pseudo = fz_sum(ip + 8, 32, 0) + (avail - off) + nh;
	fz_l4_fix(ip + off, avail - off, nh, fz_fold(pseudo), true);
}

static void
fz_fix(uint8_t *f, uint32_t len)
{
	uint16_t type;

	if (len < RTE_ETHER_HDR_LEN)
		return;
	type = fz_get16(f + 12);
	/* Up to two 802.1Q / 802.1ad tags before the ethertype. */
	uint32_t off = RTE_ETHER_HDR_LEN;

	for (int t = 0; t < 2 && (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) &&
			off + 4 <= len; t++) {
		type = fz_get16(f + off + 2);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_IPV4)
		fz_fix4(f + off, len - off);
	else if (type == RTE_ETHER_TYPE_IPV6)
		fz_fix6(f + off, len - off);
}

/* ---- after each input: serve the neighbour ring, forget what was learned ---- */

static bool
fz_is_static(const struct dps_neigh_info *ni)
{
	for (int i = 0; i < F.n_static; i++)
		if (F.static_neigh[i].nic_id == ni->nic_id &&
		    dps_addr_eq(&F.static_neigh[i].addr, &ni->addr))
			return true;
	return false;
}

static void
fz_neigh_service(bool resolve)
{
	static struct dps_neigh_info list[FZ_NEIGH_MAX];
	int n;

	dps_ctx_online(F.ctrl);
	dps_neigh_poll(F.s, F.ctrl);
	dps_ctx_flush(F.ctrl);
	if (resolve) {
		/* Answer every pending resolution: the queued packets go out on the next poll. */
		n = RTE_MIN(dps_neigh_list(F.s, list, FZ_NEIGH_MAX), FZ_NEIGH_MAX);
		for (int i = 0; i < n; i++) {
			struct rte_ether_addr mac = {.addr_bytes = {0x02, 0xdd, 0, 0, 0, (uint8_t)i}};

			if (list[i].state == DPS_NEIGH_INCOMPLETE)
				TRY(dps_neigh_add_static(F.s, list[i].nic_id, &list[i].addr, &mac));
		}
		dps_neigh_poll(F.s, F.ctrl);
		dps_ctx_flush(F.ctrl);
	}
	dps_ctx_offline(F.ctrl);
	/* Forget every entry this input made: the next input starts from the same table. */
	n = RTE_MIN(dps_neigh_list(F.s, list, FZ_NEIGH_MAX), FZ_NEIGH_MAX);
	for (int i = 0; i < n; i++)
		if (list[i].state != DPS_NEIGH_STATIC || !fz_is_static(&list[i]))
			TRY(dps_neigh_del(F.s, list[i].nic_id, &list[i].addr));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FZ_MAX_FRAME];
	struct rte_mbuf *pkts[FZ_MAX_BURST];
	const uint8_t *fstart[FZ_MAX_BURST];
	uint32_t flen[FZ_MAX_BURST];
	const uint8_t *p, *end;
	struct dps_nic *nic;
	uint32_t max_segs;
	uint16_t n = 0;
	uint8_t opt;
	unsigned int in_use;

	if (size < FZ_HDR + 1 || size > FZ_HDR + FZ_MAX_FRAME)
		return -1; /* not added to the corpus */
	opt = data[0];
	F.inputs++;

	nic = F.nic[opt & OPT_NIC1 ? 1 : 0];
	dps_nic_set_promiscuous(nic, (opt & OPT_PROMISC) != 0);
	dps_nic_set_forwarding(nic, !(opt & OPT_NOFWD));
	for (int fam = 0; fam < 2; fam++) {
		if (opt & OPT_RATELIMIT) {
			F.dp->icmp_rate = 0;
			F.dp->icmp_rl[fam].tokens = 0;
		} else {
			/* Never limited at any fuzzing speed, and no overflow in the refill. */
			F.dp->icmp_rate = 1000000;
			F.dp->icmp_burst = 1000000;
			F.dp->icmp_rl[fam].tokens = F.dp->icmp_burst * F.dp->tsc_hz;
		}
	}

	/* One frame, or a burst of frames separated by FZ_SEP (empty ones are skipped). */
	p = data + FZ_HDR;
	end = data + size;
	while (n < FZ_MAX_BURST && p < end) {
		const uint8_t *sep = memmem(p, (size_t)(end - p), FZ_SEP, FZ_SEP_LEN);
		const uint8_t *fend = sep != NULL ? sep : end;

		if (fend > p) {
			fstart[n] = p;
			flen[n++] = (uint32_t)(fend - p);
		}
		p = sep != NULL ? sep + FZ_SEP_LEN : end;
	}
	max_segs = n > 0 ? RTE_MIN((uint32_t)FZ_MAX_SEGS, FZ_SEG_BUDGET / n) : 0;
	for (uint16_t i = 0; i < n; i++) {
		memcpy(frame, fstart[i], flen[i]);
		if (opt & OPT_FIX)
			fz_fix(frame, flen[i]);
		pkts[i] = fz_mbuf(frame, flen[i], opt, data[1], data[2], max_segs);
		pkts[i]->ol_flags |= fz_ip_ck[data[3] & 3] | fz_l4_ck[(data[3] >> 2) & 3];
		if (data[3] & 0x10) {
			pkts[i]->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
			pkts[i]->hash.rss = (uint32_t)(data[1] << 8 | data[2]) * 0x9e3779b1u + i;
		}
		if (data[3] & 0x20) {
			pkts[i]->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
			pkts[i]->vlan_tci = (uint16_t)(data[1] << 8 | data[2]);
		}
	}

	dps_eth_input_burst(F.dp, nic, pkts, n);
	dps_ctx_flush(F.dp);
	dps_ctx_quiescent(F.dp);
	/* Control-plane calls below may wait for a grace period: no context of ours online. */
	dps_ctx_offline(F.dp);
	fz_neigh_service((opt & OPT_RESOLVE) != 0);
	dps_stack_synchronize(F.s);
	dps_nic_set_promiscuous(nic, false);
	dps_nic_set_forwarding(nic, true);
	dps_ctx_online(F.dp);

	in_use = rte_mempool_in_use_count(F.pool);
	if (in_use != F.baseline) {
		fprintf(stderr, "fuzz_eth: mbuf pool in use %u after the input, baseline %u: %s\n",
			in_use, F.baseline, in_use > F.baseline ? "leak" : "double free");
		abort();
	}
	if (F.ext_alloc != F.ext_freed) {
		fprintf(stderr, "fuzz_eth: %" PRIu64 " external buffers never released\n",
			F.ext_alloc - F.ext_freed);
		abort();
	}
	return 0;
}
