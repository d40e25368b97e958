/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minihost: the smallest host built on dpstack's libraries (lib/nic + lib/proto), as another
 * DPDK program would use them. One DPDK port, one lcore, the addresses given on the command
 * line; it answers ARP, NDP and ping (ICMP and ICMPv6 echo), sends port unreachable for UDP
 * and resets for TCP. No configuration file, no control socket: see app/ for the full program.
 *
 *   minihost [EAL options] -- [-p PORT] ADDR/PLEN [ADDR/PLEN ...]
 *
 * e.g. minihost --no-pci --vdev=net_tap0,iface=mh0 -- 192.0.2.1/24 2001:db8:1::1/64
 *
 * Build against an installed dpstack: see the Makefile next to this file (pkg-config dpstack).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <dps_nic.h>
#include <dps_nic_dp.h>
#include <dps_neigh.h>
#include <dps_proto.h>
#include <dps_route.h>

#define MH_POOL_SIZE 4095
#define MH_POOL_CACHE 256
#define MH_RX_DESC 512
#define MH_TX_DESC 512
#define MH_CTRL_PERIOD_US 1000 /* neighbour timers and deferred frees, once a millisecond */
#define MH_MAX_ADDRS 16

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

struct mh_port {
	uint16_t port_id;
};

/* lib/nic's transmit hook: the NIC layer hands over bursts on the context's tx queue. */
static uint16_t
mh_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	const struct mh_port *p = priv;

	return rte_eth_tx_burst(p->port_id, queue, pkts, n);
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL options] -- [-p PORT] ADDR/PLEN [ADDR/PLEN ...]\n", prog);
	return 2;
}

static int
port_init(uint16_t port, struct rte_mempool *pool, struct rte_ether_addr *mac, uint16_t *mtu)
{
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, MH_RX_DESC, socket, NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, MH_TX_DESC, socket, NULL);
	if (rc == 0)
		rc = rte_eth_macaddr_get(port, mac);
	if (rc == 0 && rte_eth_dev_get_mtu(port, mtu) != 0)
		*mtu = RTE_ETHER_MTU;
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

/* The stack with one NIC for the port and the addresses of the command line. */
static int
stack_init(struct mh_port *mp, const struct rte_ether_addr *mac, uint16_t mtu,
	   const struct dps_prefix *addrs, int n_addrs, struct dps_stack **out,
	   struct dps_nic **nic_out)
{
	struct dps_stack_conf sc = {
		.name = "minihost",
		.socket_id = (int)rte_socket_id(),
		/* A host needs small tables (0 would give the router-sized defaults). */
		.max_endpoints = 1024,
		.max_transport = 1024,
		.max_neigh = 1024,
		.max_routes4 = 1024,
		.max_routes6 = 1024,
	};
	struct dps_nic_conf nc = {
		.name = "eth0",
		.id = 0,
		.port_id = mp->port_id,
		.mac = *mac,
		.mtu = mtu,
		.xmit = mh_xmit,
		.xmit_priv = mp,
	};
	struct dps_stack *s;
	struct dps_nic *nic;
	char buf[64];
	int rc;

	rc = dps_stack_create(&sc, &s);
	if (rc < 0)
		return rc;
	if ((rc = dps_proto_register_all(s)) < 0 || (rc = dps_nic_create(s, &nc, &nic)) < 0 ||
	    (rc = dps_nic_enable(nic)) < 0)
		goto fail;
	for (int i = 0; i < n_addrs; i++) {
		uint16_t proto = addrs[i].addr.len == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;

		rc = dps_nic_add_address(nic, proto, &addrs[i], DPS_PEB_CAN_BE_PRIMARY);
		if (rc == 0)
			rc = dps_route_add_connected(s, 0, &addrs[i]);
		if (rc < 0) {
			fprintf(stderr, "minihost: address %s: %s\n",
				dps_prefix_fmt(&addrs[i], buf, sizeof(buf)), strerror(-rc));
			goto fail;
		}
	}
	*out = s;
	*nic_out = nic;
	return 0;
fail:
	dps_stack_free(s);
	return rc;
}

/*
 * The loop: receive, hand the burst to the stack, flush what it queued, report a quiescent
 * state. Once a millisecond the control work (neighbour resolution and timers, deferred
 * frees) runs with the data-path context offline: it may wait for a grace period, and an
 * online reader waiting for its own quiescent report would wait forever.
 */
static void
run(uint16_t port, struct dps_stack *s, struct dps_nic *nic, struct dps_ctx *dctx,
    struct dps_ctx *cctx)
{
	uint64_t period = rte_get_tsc_hz() / 1000000 * MH_CTRL_PERIOD_US;
	uint64_t last = rte_get_tsc_cycles();
	struct rte_mbuf *pkts[DPS_BURST];

	dps_ctx_online(dctx);
	while (!quit) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, DPS_BURST);

		if (n > 0)
			dps_eth_input_burst(dctx, nic, pkts, n);
		dps_ctx_flush(dctx);
		dps_ctx_quiescent(dctx);
		if (rte_get_tsc_cycles() - last < period)
			continue;
		dps_ctx_offline(dctx);
		dps_neigh_poll(s, cctx);
		dps_ctx_flush(cctx);
		dps_stack_reclaim(s);
		dps_ctx_online(dctx);
		last = rte_get_tsc_cycles();
	}
	dps_ctx_offline(dctx);
}

static void
print_counters(const struct dps_stack *s)
{
	static const enum dps_counter shown[] = {
		DPS_CNT_RX_PACKETS,	  DPS_CNT_TX_PACKETS,	   DPS_CNT_ARP_REPLIES_SENT,
		DPS_CNT_ICMP4_ECHO_SENT, DPS_CNT_ICMP6_ECHO_SENT, DPS_CNT_NDP_NA_SENT,
	};

	for (size_t i = 0; i < RTE_DIM(shown); i++)
		printf("%s %" PRIu64 "\n", dps_counter_names[shown[i]],
		       dps_stack_counter(s, 0, shown[i]));
}

int
main(int argc, char **argv)
{
	struct dps_prefix addrs[MH_MAX_ADDRS];
	struct mh_port mp = {.port_id = 0};
	struct rte_mempool *pool = NULL;
	struct dps_ctx *dctx = NULL, *cctx = NULL;
	struct dps_stack *s = NULL;
	struct dps_nic *nic = NULL;
	struct rte_ether_addr mac;
	const char *prog = argv[0];
	int n_addrs = 0, rc, eal;
	uint16_t mtu;
	char buf[64];

	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "minihost: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal;
	argv += eal;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			mp.port_id = (uint16_t)strtoul(argv[++i], NULL, 10);
			continue;
		}
		if (n_addrs == MH_MAX_ADDRS || dps_prefix_parse(argv[i], &addrs[n_addrs]) < 0) {
			fprintf(stderr, "minihost: bad address '%s' (ADDR/PLEN, at most %d)\n",
				argv[i], MH_MAX_ADDRS);
			return usage(prog);
		}
		n_addrs++;
	}
	if (n_addrs == 0)
		return usage(prog);
	if (!rte_eth_dev_is_valid_port(mp.port_id)) {
		fprintf(stderr, "minihost: no DPDK port %u\n", mp.port_id);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	rc = -ENOMEM;
	pool = rte_pktmbuf_pool_create("mh_pool", MH_POOL_SIZE, MH_POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL)
		goto out;
	rc = port_init(mp.port_id, pool, &mac, &mtu);
	if (rc < 0) {
		fprintf(stderr, "minihost: port %u: %s\n", mp.port_id, strerror(-rc));
		goto out;
	}
	rc = stack_init(&mp, &mac, mtu, addrs, n_addrs, &s, &nic);
	if (rc < 0)
		goto out;
	/* Context 0 runs the data path, context 1 the control work; both use tx queue 0. */
	if ((rc = dps_ctx_create(s, 0, 0, pool, (int)rte_socket_id(), &dctx)) < 0 ||
	    (rc = dps_ctx_create(s, 1, 0, pool, (int)rte_socket_id(), &cctx)) < 0)
		goto out;

	printf("minihost: port %u mac " RTE_ETHER_ADDR_PRT_FMT " mtu %u", mp.port_id,
	       RTE_ETHER_ADDR_BYTES(&mac), mtu);
	for (int i = 0; i < n_addrs; i++)
		printf(" %s", dps_prefix_fmt(&addrs[i], buf, sizeof(buf)));
	printf("\nminihost: ready\n");
	fflush(stdout);

	run(mp.port_id, s, nic, dctx, cctx);
	print_counters(s);
out:
	if (rc < 0)
		fprintf(stderr, "minihost: %s\n", strerror(-rc));
	dps_ctx_free(dctx);
	dps_ctx_free(cctx);
	dps_stack_free(s);
	if (pool != NULL) {
		rte_eth_dev_stop(mp.port_id);
		rte_eth_dev_close(mp.port_id);
		printf("mbufs in use: %u\n", rte_mempool_in_use_count(pool));
		rte_mempool_free(pool);
	}
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
