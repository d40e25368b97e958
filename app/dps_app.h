/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * The dpstack application's shared state: the one struct that everything in app/ hangs off.
 */
#ifndef DPS_APP_H
#define DPS_APP_H

#include <stdbool.h>
#include <stdint.h>

#include <pthread.h>

#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "dps_config.h"
#include "dps_nic_dp.h"
#include "dps_proto.h"
#include "dps_trace.h"

extern int dps_logtype_app;
#define DPS_LOG(level, fmt, ...)                                                                   \
	rte_log(RTE_LOG_##level, dps_logtype_app, "dpstack: " fmt "\n", ##__VA_ARGS__)

/** One DPDK port driven by one NIC. */
struct dps_app_port {
	uint16_t port_id;
	uint16_t nic_id;
	uint16_t n_rxq;
	uint16_t n_txq;
	int socket_id;
	bool link_up;
	char name[64];
	/* app/dps_port.c */
	struct dps_app *app;
	struct dps_nic *nic;   /**< the stack's NIC on this port */
	uint16_t n_txq_want;   /**< tx queues the contexts use (workers + control) */
	bool tx_shared;        /**< the PMD has fewer tx queues than contexts: lock per queue */
	bool tx_multiseg;      /**< the PMD sends mbuf chains (RTE_ETH_TX_OFFLOAD_MULTI_SEGS) */
	unsigned int tap_ifindex; /**< net_tap: the kernel interface's index, else 0 */
	bool tap_note_logged;  /**< "kernel end in another namespace" said once */
	/** Chains not sent: too long for one mbuf on a !tx_multiseg port; per tx queue index */
	uint64_t tx_chains_dropped[DPS_MAX_CTX];
	bool lsc_intr;         /**< link changes arrive as LSC interrupts, not by polling */
	bool configured;
	bool started;
	uint64_t link_state;   /**< atomic: last logged status and speed, to log changes once */
	uint16_t mtu;          /**< L3 MTU given to the NIC */
	bool mac_promisc;      /**< the PMD refused the config's MAC: promiscuous instead */
	bool has_vlans;        /**< VLAN NICs ride on this port */
	bool vlan_hw_insert;   /**< RTE_ETH_TX_OFFLOAD_VLAN_INSERT enabled */
	bool vlan_hw_strip;    /**< RTE_ETH_RX_OFFLOAD_VLAN_STRIP enabled */
	rte_spinlock_t txq_lock[DPS_MAX_CTX];
};

/** A VLAN NIC (`vlan =`): no port of its own, its frames tagged on its parent's port. */
struct dps_app_vlan {
	uint16_t nic_id;              /**< its index in cfg.nics[] and the stack */
	struct dps_app_port *parent;  /**< the port (and its own, untagged NIC) */
	struct dps_nic *nic;
	struct dps_vlan_link link;    /**< xmit_priv of the NIC: tag, then the port's xmit */
};

/** An rx queue polled by a worker lcore. */
struct dps_app_rxq {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t nic_id;
	struct dps_nic *nic;
};

/** One (port,queue,lcore) triple of --config. */
struct dps_app_qmap {
	uint16_t port_id;
	uint16_t queue_id;
	unsigned int lcore_id;
};

#define DPS_APP_MAX_QMAP 256

#define DPS_APP_MAX_RXQ_PER_LCORE 16

/** A worker lcore's configuration. */
struct dps_app_worker {
	struct dps_app *app;
	unsigned int lcore_id;
	uint16_t n_rxq;
	struct dps_app_rxq rxq[DPS_APP_MAX_RXQ_PER_LCORE];
	struct dps_ctx *ctx;
	struct dps_trace trace; /**< app/dps_trace.c: `trace add` */
	/**
	 * Heartbeat: turns of the loop, a plain store by the worker (no RMW); `show stats`
	 * prints it as lcore_N.loops. A stuck loop is one whose count stops moving.
	 */
	uint64_t loops;
};

struct dps_app {
	struct dps_stack *stack;
	struct dps_config cfg;
	const char *cfg_path;
	const char *ctl_path;     /**< control socket path */
	const char *startup_path; /**< --startup FILE, or NULL */
	unsigned int stats_interval; /**< --stats N seconds, 0 = off */
	bool check_only;          /**< --check: validate the file, print the estimate, exit */
	int32_t quit;             /**< atomic: set by the signal handler */
	uint16_t n_ports;
	struct dps_app_port ports[DPS_MAX_NICS];
	uint16_t n_vlans;         /**< VLAN NICs: cfg.nics[n_ports + i] is vlans[i] */
	struct dps_app_vlan vlans[DPS_MAX_NICS];
	unsigned int n_workers;
	struct dps_app_worker workers[RTE_MAX_LCORE];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	struct dps_ctx *ctrl_ctx; /**< the main lcore's context (control side) */
	int ctl_fd;               /**< listening control socket, -1 if none */
	pthread_t ctl_thread;
	bool ctl_running;
	bool tel_registered;
	/** app/dps_ctl.c: counters at the last `clear stats`, per NIC and [DPS_MAX_NICS] the sum */
	uint64_t cnt_base[DPS_MAX_NICS + 1][DPS_CNT_MAX];
	/* app/main.c, app/dps_port.c */
	int logtype_nic;          /**< dpstack.nic: port and link events */
	unsigned int main_lcore;
	bool single_lcore;        /**< no worker lcore: data path and control share the main lcore */
	uint16_t nb_rxd;          /**< --rxd */
	uint16_t nb_txd;          /**< --txd */
	uint16_t mbuf_size;       /**< --mbuf-size: data room of each mbuf */
	unsigned int n_qmap;      /**< --config entries, 0 = spread queues over all workers */
	struct dps_app_qmap qmap[DPS_APP_MAX_QMAP];
	struct dps_ping *ping;    /**< app/dps_ping.c: the mailbox and reply slots of `ping` */
};

/** The stack's NIC of cfg.nics[i] (a port's, or a VLAN's), NULL before it exists. */
static inline struct dps_nic *
dps_app_nic(const struct dps_app *app, unsigned int i)
{
	if (i < app->n_ports)
		return app->ports[i].nic;
	if (i < (unsigned int)app->n_ports + app->n_vlans)
		return app->vlans[i - app->n_ports].nic;
	return NULL;
}

/** NICs of the application: ports and VLANs (cfg.n_nics once the ports are set up). */
static inline unsigned int
dps_app_n_nics(const struct dps_app *app)
{
	return (unsigned int)app->n_ports + app->n_vlans;
}

/** Requests one `ping` may send. */
#define DPS_PING_MAX_COUNT 1000

/** ping's mailbox and hooks: after the contexts exist, before the workers start. */
int dps_ping_init(struct dps_app *app);
/** The control loop serves ping's mailbox (on) or no longer does (off). */
void dps_ping_serve(struct dps_app *app, bool on);
/** Control loop: send the echo request waiting in the mailbox, if any. */
void dps_ping_poll(struct dps_app *app);
void dps_ping_free(struct dps_app *app);

/**
 * Control commands (the dpstack-ctl language, docs/operations.md). Executes one command line
 * and writes the reply (human-readable, or JSON when json is true) to out. Returns 0, or a
 * negative errno with a one-line error message in out. Takes the stack's writer lock itself.
 */
int dps_ctl_exec(struct dps_app *app, const char *line, bool json, char *out, size_t outlen);
/** Run a startup script of control commands; stops at the first error (FILE:LINE: message). */
int dps_ctl_run_file(struct dps_app *app, const char *path, char *err, size_t errlen);
/** Start the control socket thread on app->ctl_path. */
int dps_ctl_start(struct dps_app *app);
void dps_ctl_stop(struct dps_app *app);
/** Register the /dpstack/... telemetry commands. */
int dps_telemetry_register(struct dps_app *app);
/** Make the telemetry commands refuse from now on (before the stack is freed). */
void dps_telemetry_close(struct dps_app *app);

#endif
