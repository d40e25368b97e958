/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * dpstack's DPDK ports: lcore and queue assignment, mbuf pools, port configuration, link
 * state, transmit and the final statistics.
 *
 * Thread safety: everything but dps_port_xmit() runs on the main lcore (control side) before
 * the workers start or after they have stopped; dps_port_link_poll() runs from the control
 * loop. dps_port_xmit() is the NIC's link transmit function: any context may call it for its
 * own tx queue.
 */
#ifndef DPS_PORT_H
#define DPS_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "dps_app.h"

#define DPS_PORT_DEFAULT_RXD 1024
#define DPS_PORT_DEFAULT_TXD 1024
#define DPS_PORT_MEMPOOL_CACHE 256

/**
 * Parse --config "(port,queue,lcore),..." into app->qmap (l3fwd syntax).
 * @return 0 or -EINVAL with a message in err.
 */
int dps_port_parse_qmap(struct dps_app *app, const char *arg, char *err, size_t errlen);

/**
 * Decide the workers (every enabled lcore but the main one, or the main lcore alone in
 * single-lcore mode) and which rx queue of which port each polls: from --config, or spread
 * over all workers by default. Needs app->cfg resolved and the ports known (app->ports filled
 * by dps_port_init()). Caps queue counts by what each PMD offers.
 * @return 0 or a negative errno with a message in err.
 */
int dps_port_assign(struct dps_app *app, char *err, size_t errlen);

/** Fill app->ports[] from the resolved config (one per NIC, same index). */
int dps_port_init(struct dps_app *app, char *err, size_t errlen);

/** One mbuf pool per NUMA socket in use, sized from ports, queues, descriptors and lcores. */
/**
 * Mbufs of each socket's pool (0: no pool there), from the lcores, queues and descriptor
 * counts; the same numbers dps_port_pools_create() uses. Returns their sum.
 */
uint64_t dps_port_pool_plan(const struct dps_app *app, uint64_t n[RTE_MAX_NUMA_NODES]);
int dps_port_pools_create(struct dps_app *app, char *err, size_t errlen);

/** Pool of a socket (the main lcore's socket's pool for SOCKET_ID_ANY). */
struct rte_mempool *dps_port_pool(struct dps_app *app, int socket_id);

/** Configure every port: queues, RSS, offloads, MTU, MAC, promiscuous and allmulticast. */
int dps_port_configure_all(struct dps_app *app, char *err, size_t errlen);

/** Start every port and log its link state. */
int dps_port_start_all(struct dps_app *app, char *err, size_t errlen);

/** Poll the link state of every started port; log changes. Control loop, every second. */
void dps_port_link_poll(struct dps_app *app);

/** Print each port's ethdev statistics (ipackets opackets imissed ierrors oerrors) to stdout. */
void dps_port_print_stats(struct dps_app *app);

/** Stop every started port. */
void dps_port_stop_all(struct dps_app *app);

/** Close every configured port (releases their queues and the mbufs they held). */
void dps_port_close_all(struct dps_app *app);

/** Print `mbufs in use: N` per pool to stdout and free the pools; returns the total in use. */
unsigned int dps_port_pools_free(struct dps_app *app);

/**
 * Park EAL's interrupt thread in a callback that never returns, so that no interrupt
 * callback runs while rte_eal_cleanup() unmaps DPDK memory. Call last, just before
 * rte_eal_cleanup(): no alarm or interrupt callback runs after it.
 */
void dps_port_park_intr_thread(void);

/**
 * Link transmit function of a NIC (dps_link_xmit_t): priv is the struct dps_app_port.
 * Takes a per-queue lock only when the PMD has fewer tx queues than contexts.
 */
/**
 * The port's link as an operator should see it: rte_eth_link_get_nowait(), except that a
 * net_tap whose kernel end was moved to another network namespace is up (its PMD cannot see
 * the interface any more and would say down while traffic flows). 0 or a negative errno.
 */
int dps_port_link(struct dps_app_port *p, struct rte_eth_link *link);
/**
 * Set DPDK 22.11's pcapng clock in this process before dpdk-dumpcap can ask for a copy, so
 * captures read back with the right time (docs/operations.md, Packet capture). One mbuf of mp
 * is borrowed and returned. 0 or a negative errno.
 */
int dps_port_pcapng_clock_init(struct rte_mempool *mp, uint16_t port_id);
uint16_t dps_port_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
/**
 * For a port without RTE_ETH_TX_OFFLOAD_MULTI_SEGS: linearize each chain of pkts[0..n) into
 * its first segment; chains that do not fit are moved, in order, behind the others and
 * counted in *dropped (the caller frees them as unsent). Returns how many can be sent.
 */
uint16_t dps_port_tx_linear(struct rte_mbuf **pkts, uint16_t n, uint64_t *dropped);

#endif
