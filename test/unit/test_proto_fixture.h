/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture of the lib/proto unit tests: a stack with the real protocols, one data-path
 * context, one NIC whose link captures transmitted frames into an array, and helpers that
 * build frames byte by byte (checksums by DPDK's own helpers, not lib/proto's).
 *
 * Header only (each test_*.c is built alone with dps_test.c): everything is static. Frame
 * builders and checksums: dps_test_util.h. fx_setup() registers fx_teardown() with
 * dps_test_defer() and watches the pool: a case that fails half-way still frees its stack,
 * and one that leaks an mbuf fails.
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
#include "dps_test_util.h"

#define CAP_MAX 64
#define CAP_LEN 2048

struct cap {
	uint32_t len;
	uint16_t nb_segs;
	uint16_t nic; /* the NIC's xmit_priv, as an index: which link it left on */
	uint8_t b[CAP_LEN];
};

static struct cap caps[CAP_MAX];
static unsigned int ncap;
static struct rte_mempool *pool;
static struct dps_stack *S;
static struct dps_ctx *C;
static struct dps_nic *N;

static const struct rte_ether_addr MAC_US = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr MAC_PEER = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr MAC_BCAST = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff,
							       0xff}};

static __rte_unused uint16_t
cap_xmit(void *priv, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	(void)q;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (ncap < CAP_MAX && m->pkt_len <= CAP_LEN) {
			const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, caps[ncap].b);

			if (p != caps[ncap].b)
				memcpy(caps[ncap].b, p, m->pkt_len);
			caps[ncap].len = m->pkt_len;
			caps[ncap].nb_segs = m->nb_segs;
			caps[ncap].nic = (uint16_t)(uintptr_t)priv;
			ncap++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static __rte_unused void
fx_teardown(void)
{
	if (C != NULL) {
		dps_ctx_flush(C);
		dps_ctx_offline(C);
		dps_ctx_free(C);
	}
	if (S != NULL)
		dps_stack_free(S);
	S = NULL;
	C = NULL;
	N = NULL;
}

/* The case's cleanup (dps_test_defer): whatever fx_teardown() has not freed yet. */
static void
fx_cleanup(void *arg)
{
	(void)arg;
	fx_teardown();
}

/* Build the stack: 10.0.0.1/24 and 2001:db8::1/64 on lan0. Returns 0 or a negative errno. */
static __rte_unused int
fx_setup(void)
{
	struct dps_stack_conf sc;
	struct dps_nic_conf nc = {.name = "lan0", .id = 0, .mac = MAC_US, .mtu = 1500,
				  .xmit = cap_xmit};
	struct dps_prefix p4 = P("10.0.0.1/24"), p6 = P("2001:db8::1/64");
	char name[32];
	int rc;

	if (pool == NULL && (pool = dps_tu_pool("ptpool", 1023)) == NULL)
		return -ENOMEM;
	dps_tu_stack_conf(&sc, name, "pt");
	ncap = 0;
	dps_test_watch_pool(pool);
	dps_test_defer(fx_cleanup, NULL);
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


static __rte_unused uint64_t
cnt(enum dps_counter c)
{
	return dps_stack_counter(S, -1, c);
}

/* An mbuf (chain of seg-byte segments when seg > 0) holding a copy of len bytes. */
static __rte_unused struct rte_mbuf *
mk(const void *bytes, uint32_t len, uint32_t seg)
{
	return dps_tu_mbuf(pool, bytes, len, seg);
}

/* Feed one frame to the stack, flush transmit buffers. */
static __rte_unused void
rx(const void *bytes, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *m = mk(bytes, len, seg);

	dps_eth_input_burst(C, N, &m, 1);
	dps_ctx_flush(C);
}

/* Print every non-zero counter (debugging a failing case). */
static __rte_unused void
fx_dump(void)
{
	for (int i = 0; i < DPS_CNT_MAX; i++)
		if (cnt((enum dps_counter)i) != 0)
			printf("    %s = %" PRIu64 "\n", dps_counter_names[i], cnt((enum dps_counter)i));
}

/*
 * Per-case set-up and check for tests on this fixture: the pool's in-use count is taken after
 * fx_setup() and must be back to it after fx_teardown() (no leak, no double free).
 * Use as `#define SETUP() FX_SETUP_POOL()` / `#define TEARDOWN() FX_TEARDOWN_POOL()`.
 */
#define FX_SETUP_POOL()                                                                            \
	unsigned int base_in_use = 0;                                                              \
	CHECK_EQ(fx_setup(), 0);                                                                   \
	base_in_use = rte_mempool_in_use_count(pool)

#define FX_TEARDOWN_POOL()                                                                         \
	do {                                                                                       \
		fx_teardown();                                                                     \
		CHECK_EQ(rte_mempool_in_use_count(pool), base_in_use);                             \
	} while (0)

#endif
