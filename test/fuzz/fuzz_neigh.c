/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the neighbour table's state machine (lib/nic/neigh.c) with its timers
 * driven by the input. Fake IPv4/IPv6 protocols count solicitations and free what the
 * unresolved hook gets; the links free what they are given.
 *
 * Input: 4-byte operations [op, addr, mac, arg] (docs/fuzzing.md):
 *   op % 8  0 dps_neigh_update(flags = arg & 15)   4 dps_neigh_del
 *           1 dps_neigh_resolve                      5 dps_neigh_lookup_rcu
 *           2 dps_neigh_resolve_fwd (err NIC arg&1)  6 dps_neigh_poll_at(now += arg * 40 ms)
 *           3 dps_neigh_add_static                   7 dps_neigh_set_params (a variant by arg)
 *   op & 8  NIC 1 instead of NIC 0
 *   addr    bit 7: IPv6 2001:db8::N, else IPv4 10.0.0.N; N = addr % 48
 *   mac     02:00:00:00:00:(mac % 4 + 1); bit 7: a group MAC (must be ignored)
 * Invariants after every operation (abort() otherwise): at most gc_thresh3 entries, at most
 * max_parked packets parked, the INCOMPLETE count within max_incomplete (the loosest values
 * in force during the input: a lowered bound binds what is created after it). After the input every
 * entry is deleted, the rings drained, the deferred frees run, and the mbuf pool must be back
 * at its baseline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_nic_dp.h"

#define FN_POOL_N 2047

static struct {
	struct rte_mempool *pool;
	struct dps_stack *s;
	struct dps_nic *nic[2];
	struct dps_ctx *ctx;
	uint64_t now;
	unsigned int baseline;
	char prefix[64];
} F;

static void
fn_die(const char *msg)
{
	fprintf(stderr, "fuzz_neigh: %s\n", msg);
	abort();
}

static void
np_parse(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
	 struct dps_addr *src, struct dps_addr *dst, int *status)
{
	for (uint16_t i = 0; i < n; i++)
		status[i] = -EBADMSG;
}

static void
np_handle(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	rte_pktmbuf_free_bulk(pkts, n);
}

static int
np_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
	   const struct rte_ether_addr *ucast)
{
	if (ucast != NULL && !rte_is_unicast_ether_addr(ucast))
		fn_die("unicast probe to a group MAC");
	return 0;
}

static void
np_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

static const struct dps_netproto_ops np4 = {
	.name = "fn4", .number = RTE_ETHER_TYPE_IPV4, .addr_len = 4, .default_prefix_len = 32,
	.is_ip = true, .min_size = 20, .parse_burst = np_parse, .handle_burst = np_handle,
	.solicit = np_solicit, .unresolved = np_unresolved,
};
static const struct dps_netproto_ops np6 = {
	.name = "fn6", .number = RTE_ETHER_TYPE_IPV6, .addr_len = 16, .default_prefix_len = 128,
	.is_ip = true, .min_size = 40, .parse_burst = np_parse, .handle_burst = np_handle,
	.solicit = np_solicit, .unresolved = np_unresolved,
};

static uint16_t
free_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);

		/* Whatever leaves was resolved: never to a group or zero MAC. */
		if (!rte_is_unicast_ether_addr(&eh->dst_addr) || rte_is_zero_ether_addr(&eh->dst_addr))
			fn_die("transmitted to a group or zero MAC");
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static void
fn_exit(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/var/run/dpdk/%s", F.prefix);
	rte_eal_cleanup();
	(void)rmdir(path);
}

static void
set_params(uint8_t variant)
{
	struct dps_neigh_params p;

	dps_neigh_params_default(&p, 64);
	p.gc_thresh1 = variant & 1 ? 0 : 4;
	p.gc_thresh2 = variant & 2 ? 8 : 24;
	p.gc_thresh3 = variant & 2 ? 12 : 32;
	p.max_incomplete = variant & 4 ? 2 : 8;
	p.max_parked = variant & 8 ? 3 : 12;
	p.retrans_ms = variant & 16 ? 100 : 1000;
	p.mcast_probes = p.ucast_probes = variant & 32 ? 1 : 3;
	p.base_reachable_ms = variant & 64 ? 200 : 30000;
	p.failed_hold_ms = variant & 128 ? 50 : 1000;
	p.incomplete_rate = 1000000; /* the real clock runs: never the limit here */
	if (dps_neigh_set_params(F.s, &p) != 0)
		fn_die("valid parameters refused");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dps_stack_conf sc = {.name = "fn", .socket_id = SOCKET_ID_ANY,
				    .max_endpoints = 256, .max_transport = 256, .max_neigh = 64,
				    .max_routes4 = 64, .max_routes6 = 64};
	static char pfx_arg[96];
	char *eal[12];
	int n = 0;

	snprintf(F.prefix, sizeof(F.prefix), "dpsfuzz%d", (int)getpid());
	snprintf(pfx_arg, sizeof(pfx_arg), "--file-prefix=%s", F.prefix);
	eal[n++] = (*argv)[0];
	eal[n++] = (char *)"--no-huge";
	eal[n++] = (char *)"-m";
	eal[n++] = (char *)"256";
	eal[n++] = (char *)"--no-pci";
	eal[n++] = pfx_arg;
	eal[n++] = (char *)"-l";
	eal[n++] = (char *)"0";
	eal[n++] = (char *)"--log-level=*:error";
	eal[n] = NULL;
	(void)argc;
	if (rte_eal_init(n, eal) < 0)
		fn_die("rte_eal_init failed");
	atexit(fn_exit);
	F.pool = rte_pktmbuf_pool_create("fnpool", FN_POOL_N, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (F.pool == NULL || dps_stack_create(&sc, &F.s) != 0 ||
	    dps_stack_register_netproto(F.s, &np4) != 0 ||
	    dps_stack_register_netproto(F.s, &np6) != 0)
		fn_die("stack setup failed");
	for (uint16_t i = 0; i < 2; i++) {
		char nn[8];
		struct dps_nic_conf nc = {.name = nn, .id = i, .mtu = 1500, .xmit = free_xmit,
					  .mac = {{0x02, 0, 0, 0, 1, (uint8_t)i}}};

		snprintf(nn, sizeof(nn), "n%u", i);
		if (dps_nic_create(F.s, &nc, &F.nic[i]) != 0)
			fn_die("nic setup failed");
	}
	if (dps_ctx_create(F.s, 0, 0, F.pool, SOCKET_ID_ANY, &F.ctx) != 0)
		fn_die("ctx setup failed");
	F.now = rte_get_tsc_cycles();
	F.baseline = rte_mempool_in_use_count(F.pool);
	return 0;
}

static void
addr_of(uint8_t b, struct dps_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (b & 0x80) {
		static const uint8_t p6[16] = {0x20, 0x01, 0x0d, 0xb8};

		a->len = 16;
		memcpy(a->b, p6, 16);
		a->b[15] = (uint8_t)(b % 48 + 1);
	} else {
		a->len = 4;
		a->b[0] = 10;
		a->b[3] = (uint8_t)(b % 48 + 1);
	}
}

static struct rte_mbuf *
pkt(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(F.pool);

	if (m == NULL)
		fn_die("pool empty: parked packets are not bounded");
	memset(rte_pktmbuf_append(m, 40), 0x45, 40);
	m->l2_len = RTE_ETHER_HDR_LEN;
	return m;
}

/*
 * The loosest bounds in force during this input: a lowered bound applies to what is created
 * after it (existing entries age out, they are not dropped at once).
 */
static struct dps_neigh_params lim;

static void
note_limits(void)
{
	struct dps_neigh_params p;

	dps_neigh_get_params(F.s, &p);
	lim.gc_thresh3 = RTE_MAX(lim.gc_thresh3, p.gc_thresh3);
	lim.max_parked = RTE_MAX(lim.max_parked, p.max_parked);
	lim.max_incomplete = RTE_MAX(lim.max_incomplete, p.max_incomplete);
}

static void
check_bounds(void)
{
	if (dps_neigh_count(F.s, DPS_NEIGH_NSTATES) > lim.gc_thresh3)
		fn_die("more entries than gc_thresh3");
	if (dps_neigh_parked(F.s) > lim.max_parked)
		fn_die("more packets parked than max_parked");
	if (dps_neigh_count(F.s, DPS_NEIGH_INCOMPLETE) > lim.max_incomplete)
		fn_die("more INCOMPLETE entries than max_incomplete");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t ms = rte_get_tsc_hz() / 1000;
	struct dps_neigh_info v[128];
	int n;

	if (size > 4 * 512)
		return -1;
	set_params(0);
	memset(&lim, 0, sizeof(lim));
	note_limits();
	for (size_t off = 0; off + 4 <= size; off += 4) {
		uint8_t op = data[off], ab = data[off + 1], mb = data[off + 2], arg = data[off + 3];
		struct dps_nic *nic = F.nic[(op >> 3) & 1];
		struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, (uint8_t)(mb % 4 + 1)}};
		struct dps_addr a;

		if (mb & 0x80)
			mac.addr_bytes[0] = 0x01; /* a group MAC: ignored or refused */
		addr_of(ab, &a);
		switch (op % 8) {
		case 0:
			dps_neigh_update(F.ctx, nic, &a, &mac, arg & 15);
			break;
		case 1:
			dps_neigh_resolve(F.ctx, nic, &a, pkt());
			break;
		case 2:
			dps_neigh_resolve_fwd(F.ctx, nic, &a, pkt(), arg & 1);
			break;
		case 3:
			(void)dps_neigh_add_static(F.s, dps_nic_id(nic), &a, &mac);
			break;
		case 4:
			(void)dps_neigh_del(F.s, dps_nic_id(nic), &a);
			break;
		case 5: {
			struct rte_ether_addr got;

			if (dps_neigh_lookup_rcu(F.s, dps_nic_id(nic), &a, &got) == 0 &&
			    !rte_is_unicast_ether_addr(&got))
				fn_die("lookup gave a group MAC");
			break;
		}
		case 6:
			F.now += (uint64_t)arg * 40 * ms;
			dps_neigh_poll_at(F.s, F.ctx, F.now);
			break;
		default:
			set_params(arg);
			note_limits();
			break;
		}
		check_bounds();
	}
	/* Everything this input made goes again: the next one starts from an empty table. */
	F.now += 1000 * ms;
	dps_neigh_poll_at(F.s, F.ctx, F.now);
	n = dps_neigh_list(F.s, v, (int)RTE_DIM(v));
	for (int i = 0; i < n && i < (int)RTE_DIM(v); i++)
		(void)dps_neigh_del(F.s, v[i].nic_id, &v[i].addr);
	dps_ctx_flush(F.ctx);
	dps_stack_synchronize(F.s);
	if (dps_neigh_count(F.s, DPS_NEIGH_NSTATES) != 0 || dps_neigh_parked(F.s) != 0)
		fn_die("entries or parked packets left after deleting every entry");
	if (rte_mempool_in_use_count(F.pool) != F.baseline)
		fn_die("mbuf leaked or freed twice");
	return 0;
}
