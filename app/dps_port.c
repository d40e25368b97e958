/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DPDK ports of the dpstack application: which lcore polls which rx queue, the mbuf pools,
 * port configuration (only what the PMD says it can do), link state and transmit.
 *
 * Queues: every context (each worker, and the control context) owns one tx queue on every
 * port, so transmit takes no lock. Only a PMD that offers fewer tx queues than contexts (a
 * net_pcap port with one tx_pcap file, say) makes contexts share queues, each behind a
 * spinlock. Rx queues: one per worker that polls the port, RSS across them.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
#include <rte_pcapng.h>

#include "dps_mem.h"
#include "dps_port.h"

/* Defined here rather than in main.c so that tests linking the app library resolve it. */
int dps_logtype_app = -1;

#define PORT_LOG(app, level, fmt, ...)                                                             \
	rte_log(RTE_LOG_##level, (app)->logtype_nic, "dpstack: " fmt "\n", ##__VA_ARGS__)

static int
lcore_socket(unsigned int lcore)
{
	int s = (int)rte_lcore_to_socket_id(lcore);

	return s < 0 || s >= RTE_MAX_NUMA_NODES ? 0 : s;
}

static struct dps_app_port *
port_by_id(struct dps_app *app, uint16_t port_id)
{
	for (uint16_t i = 0; i < app->n_ports; i++)
		if (app->ports[i].port_id == port_id)
			return &app->ports[i];
	return NULL;
}

int
dps_port_parse_qmap(struct dps_app *app, const char *arg, char *err, size_t errlen)
{
	const char *s = arg;

	app->n_qmap = 0;
	while (*s != '\0') {
		unsigned long v[3];
		char *end;

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (*s != '(')
			goto bad;
		s++;
		for (int i = 0; i < 3; i++) {
			while (*s == ' ')
				s++;
			if (*s < '0' || *s > '9')
				goto bad;
			errno = 0;
			v[i] = strtoul(s, &end, 10);
			if (errno != 0)
				goto bad;
			s = end;
			while (*s == ' ')
				s++;
			if (*s != (i < 2 ? ',' : ')'))
				goto bad;
			s++;
		}
		if (v[0] >= RTE_MAX_ETHPORTS || v[1] >= RTE_MAX_QUEUES_PER_PORT ||
		    v[2] >= RTE_MAX_LCORE) {
			dps_errf(err, errlen, "--config: (%lu,%lu,%lu) out of range", v[0], v[1],
				 v[2]);
			return -EINVAL;
		}
		if (app->n_qmap == DPS_APP_MAX_QMAP) {
			dps_errf(err, errlen, "--config: more than %d entries", DPS_APP_MAX_QMAP);
			return -EINVAL;
		}
		app->qmap[app->n_qmap++] = (struct dps_app_qmap){
			.port_id = (uint16_t)v[0],
			.queue_id = (uint16_t)v[1],
			.lcore_id = (unsigned int)v[2],
		};
	}
	if (app->n_qmap == 0)
		goto bad;
	return 0;
bad:
	dps_errf(err, errlen, "--config: expected (port,queue,lcore)[,...] near \"%.20s\"", s);
	return -EINVAL;
}

int
dps_port_init(struct dps_app *app, char *err, size_t errlen)
{
	app->n_ports = 0;
	RTE_BUILD_BUG_ON(DPS_CFG_MAX_NICS > DPS_MAX_NICS);
	app->n_vlans = 0;
	/* The ports' own NICs come first in cfg.nics[], the VLAN NICs last (the parser's order). */
	for (unsigned int i = 0; i < app->cfg.n_nics && i < DPS_CFG_MAX_NICS; i++) {
		struct dps_app_port *p = &app->ports[i];
		struct dps_cfg_nic *cn = &app->cfg.nics[i];

		if (cn->vlan != 0) {
			struct dps_app_vlan *v = &app->vlans[app->n_vlans++];

			memset(v, 0, sizeof(*v));
			v->nic_id = (uint16_t)i;
			v->parent = &app->ports[cn->parent];
			v->parent->has_vlans = true;
			continue;
		}

		memset(p, 0, sizeof(*p));
		p->app = app;
		p->port_id = cn->port_id;
		p->nic_id = (uint16_t)i;
		p->socket_id = rte_eth_dev_socket_id(p->port_id);
		if (rte_eth_dev_get_name_by_port(p->port_id, p->name) != 0)
			snprintf(p->name, sizeof(p->name), "port%u", p->port_id);
		for (unsigned int q = 0; q < DPS_MAX_CTX; q++)
			rte_spinlock_init(&p->txq_lock[q]);
		app->n_ports++;
	}
	if (app->n_ports == 0) {
		dps_errf(err, errlen, "%s: no [nic] section: nothing to do", app->cfg.path);
		return -EINVAL;
	}
	return 0;
}

static int
worker_add_rxq(struct dps_app *app, struct dps_app_worker *w, struct dps_app_port *p, uint16_t q,
	       char *err, size_t errlen)
{
	if (w->n_rxq == DPS_APP_MAX_RXQ_PER_LCORE) {
		dps_errf(err, errlen, "lcore %u polls more than %d rx queues", w->lcore_id,
			 DPS_APP_MAX_RXQ_PER_LCORE);
		return -E2BIG;
	}
	w->rxq[w->n_rxq++] = (struct dps_app_rxq){
		.port_id = p->port_id,
		.queue_id = q,
		.nic_id = p->nic_id,
	};
	if (p->socket_id >= 0 && lcore_socket(w->lcore_id) != p->socket_id)
		DPS_LOG(WARNING,
			"port %u (%s) rx queue %u is polled from lcore %u on socket %d, "
			"the port is on socket %d",
			p->port_id, p->name, q, w->lcore_id, lcore_socket(w->lcore_id),
			p->socket_id);
	return 0;
}

static struct dps_app_worker *
worker_by_lcore(struct dps_app *app, unsigned int lcore)
{
	for (unsigned int i = 0; i < app->n_workers; i++)
		if (app->workers[i].lcore_id == lcore)
			return &app->workers[i];
	return NULL;
}

static int
assign_from_qmap(struct dps_app *app, char *err, size_t errlen)
{
	static const unsigned int max_q = RTE_MAX_QUEUES_PER_PORT;
	uint8_t *seen = calloc(app->n_ports, max_q);
	int rc = 0;

	if (seen == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < app->n_qmap && rc == 0; i++) {
		const struct dps_app_qmap *e = &app->qmap[i];
		struct dps_app_port *p = port_by_id(app, e->port_id);
		struct dps_app_worker *w = worker_by_lcore(app, e->lcore_id);
		struct rte_eth_dev_info info;

		if (p == NULL) {
			dps_errf(err, errlen, "--config: port %u is not the port of any [nic]",
				 e->port_id);
			rc = -ENODEV;
		} else if (w == NULL) {
			dps_errf(err, errlen,
				 "--config: lcore %u is not a worker lcore (enabled and not the "
				 "main lcore %u)",
				 e->lcore_id, app->main_lcore);
			rc = -EINVAL;
		} else if (seen[(size_t)(p - app->ports) * max_q + e->queue_id]) {
			dps_errf(err, errlen, "--config: port %u rx queue %u given twice",
				 e->port_id, e->queue_id);
			rc = -EINVAL;
		} else if ((rc = rte_eth_dev_info_get(p->port_id, &info)) != 0) {
			dps_errf(err, errlen, "port %u: cannot get device info: %s", p->port_id,
				 rte_strerror(-rc));
		} else if (e->queue_id >= info.max_rx_queues) {
			dps_errf(err, errlen, "--config: port %u (%s) has only %u rx queues",
				 p->port_id, p->name, info.max_rx_queues);
			rc = -EINVAL;
		} else {
			seen[(size_t)(p - app->ports) * max_q + e->queue_id] = 1;
			if (e->queue_id + 1u > p->n_rxq)
				p->n_rxq = (uint16_t)(e->queue_id + 1);
			rc = worker_add_rxq(app, w, p, e->queue_id, err, errlen);
		}
	}
	for (uint16_t pi = 0; pi < app->n_ports && rc == 0; pi++) {
		struct dps_app_port *p = &app->ports[pi];

		if (p->n_rxq == 0) {
			dps_errf(err, errlen, "--config: port %u (%s) has no rx queue", p->port_id,
				 p->name);
			rc = -EINVAL;
		}
		for (uint16_t q = 0; q < p->n_rxq && rc == 0; q++)
			if (!seen[(size_t)pi * max_q + q]) {
				/* Queues are numbered 0..n-1: a gap is a queue nobody polls. */
				dps_errf(err, errlen, "--config: port %u rx queue %u is not polled",
					 p->port_id, q);
				rc = -EINVAL;
			}
	}
	free(seen);
	return rc;
}

int
dps_port_assign(struct dps_app *app, char *err, size_t errlen)
{
	unsigned int lcore;
	int rc;

	app->main_lcore = rte_get_main_lcore();
	app->n_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (app->n_workers == DPS_MAX_CTX - 1) {
			dps_errf(
				err, errlen,
				"too many worker lcores: at most %d (one context is the control's)",
				DPS_MAX_CTX - 1);
			return -E2BIG;
		}
		memset(&app->workers[app->n_workers], 0, sizeof(app->workers[0]));
		app->workers[app->n_workers++].lcore_id = lcore;
	}
	app->single_lcore = app->n_workers == 0;
	if (app->single_lcore) {
		/* One lcore: its loop runs the data path and, every millisecond, the control. */
		memset(&app->workers[0], 0, sizeof(app->workers[0]));
		app->workers[0].lcore_id = app->main_lcore;
		app->n_workers = 1;
	}
	for (unsigned int i = 0; i < app->n_workers; i++)
		app->workers[i].app = app;

	if (app->n_qmap > 0) {
		rc = assign_from_qmap(app, err, errlen);
		if (rc != 0)
			return rc;
	} else {
		for (uint16_t pi = 0; pi < app->n_ports; pi++) {
			struct dps_app_port *p = &app->ports[pi];
			struct rte_eth_dev_info info;

			rc = rte_eth_dev_info_get(p->port_id, &info);
			if (rc != 0) {
				dps_errf(err, errlen, "port %u: cannot get device info: %s",
					 p->port_id, rte_strerror(-rc));
				return rc;
			}
			p->n_rxq =
				(uint16_t)RTE_MIN(app->n_workers, (unsigned int)info.max_rx_queues);
			if (p->n_rxq == 0) {
				dps_errf(err, errlen, "port %u (%s) has no rx queue", p->port_id,
					 p->name);
				return -ENODEV;
			}
			if (p->n_rxq < app->n_workers)
				DPS_LOG(NOTICE, "port %u (%s) offers %u rx queues for %u workers",
					p->port_id, p->name, p->n_rxq, app->n_workers);
			/* Offset by port: ports with fewer queues than workers spread. */
			for (uint16_t q = 0; q < p->n_rxq; q++) {
				rc = worker_add_rxq(app, &app->workers[(q + pi) % app->n_workers],
						    p, q, err, errlen);
				if (rc != 0)
					return rc;
			}
		}
	}

	for (uint16_t pi = 0; pi < app->n_ports; pi++) {
		struct dps_app_port *p = &app->ports[pi];
		struct rte_eth_dev_info info;

		rc = rte_eth_dev_info_get(p->port_id, &info);
		if (rc != 0) {
			dps_errf(err, errlen, "port %u: cannot get device info: %s", p->port_id,
				 rte_strerror(-rc));
			return rc;
		}
		/* Single lcore: the worker and control contexts run on one thread, one queue. */
		p->n_txq_want = (uint16_t)(app->single_lcore ? 1 : app->n_workers + 1);
		p->n_txq = (uint16_t)RTE_MIN(p->n_txq_want, info.max_tx_queues);
		if (p->n_txq == 0) {
			dps_errf(err, errlen, "port %u (%s) has no tx queue", p->port_id, p->name);
			return -ENODEV;
		}
		p->tx_shared = p->n_txq < p->n_txq_want;
		if (p->tx_shared)
			DPS_LOG(NOTICE,
				"port %u (%s) offers %u tx queues for %u contexts: "
				"queues are shared under a lock",
				p->port_id, p->name, p->n_txq, p->n_txq_want);
	}
	return 0;
}

struct rte_mempool *
dps_port_pool(struct dps_app *app, int socket_id)
{
	if (socket_id < 0 || socket_id >= RTE_MAX_NUMA_NODES || app->pools[socket_id] == NULL)
		socket_id = lcore_socket(app->main_lcore);
	return app->pools[socket_id];
}

/* Socket of the lcore whose context owns tx queue q of every port. */
static int
txq_socket(const struct dps_app *app, uint16_t q)
{
	if (!app->single_lcore && q < app->n_workers)
		return lcore_socket(app->workers[q].lcore_id);
	return lcore_socket(app->main_lcore);
}

uint64_t
dps_port_pool_plan(const struct dps_app *app, uint64_t n[RTE_MAX_NUMA_NODES])
{
	uint64_t need[RTE_MAX_NUMA_NODES] = {0};
	bool used[RTE_MAX_NUMA_NODES] = {false};
	unsigned int n_ctx = app->n_workers + 1;
	uint64_t total = 0;

	used[lcore_socket(app->main_lcore)] = true;
	/* Per-lcore mempool caches and one burst in flight in each context. */
	need[lcore_socket(app->main_lcore)] += DPS_PORT_MEMPOOL_CACHE + DPS_BURST;
	for (unsigned int i = 0; i < app->n_workers; i++) {
		const struct dps_app_worker *w = &app->workers[i];
		int s = lcore_socket(w->lcore_id);

		used[s] = true;
		need[s] += DPS_PORT_MEMPOOL_CACHE + DPS_BURST;
		/* Rx descriptors are filled from the pool of the polling lcore's socket. */
		need[s] += (uint64_t)w->n_rxq * app->nb_rxd;
	}
	for (uint16_t pi = 0; pi < app->n_ports; pi++) {
		const struct dps_app_port *p = &app->ports[pi];

		for (uint16_t q = 0; q < p->n_txq; q++)
			need[txq_socket(app, q)] += app->nb_txd;
		/* The PMD may insist on as many rx queues as tx queues (see widen_rxq). */
		if (p->n_txq > p->n_rxq)
			need[lcore_socket(app->main_lcore)] +=
				(uint64_t)(p->n_txq - p->n_rxq) * app->nb_rxd;
	}
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		n[s] = used[s] ? dps_mem_pool_mbufs(need[s], n_ctx, app->n_ports) : 0;
		total += n[s];
	}
	return total;
}

int
dps_port_pools_create(struct dps_app *app, char *err, size_t errlen)
{
	uint64_t plan[RTE_MAX_NUMA_NODES];
	uint16_t data_room = app->mbuf_size ? app->mbuf_size : RTE_MBUF_DEFAULT_BUF_SIZE;

	dps_port_pool_plan(app, plan);
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		uint64_t n = plan[s];

		if (n == 0)
			continue;
		snprintf(name, sizeof(name), "dps_mbuf_s%d", s);
		app->pools[s] = rte_pktmbuf_pool_create(name, (unsigned int)n,
							DPS_PORT_MEMPOOL_CACHE, 0, data_room, s);
		if (app->pools[s] == NULL && rte_errno == ENOMEM) {
			/* --no-huge memory may not be attributed to the lcore's socket. */
			app->pools[s] = rte_pktmbuf_pool_create(name, (unsigned int)n,
								DPS_PORT_MEMPOOL_CACHE, 0,
								data_room, SOCKET_ID_ANY);
			if (app->pools[s] != NULL)
				DPS_LOG(WARNING, "mbuf pool for socket %d allocated on any socket",
					s);
		}
		if (app->pools[s] == NULL) {
			dps_errf(err, errlen,
				 "cannot create a pool of %" PRIu64 " mbufs of %u bytes "
				 "on socket %d: %s",
				 n, data_room, s, rte_strerror(rte_errno));
			return -rte_errno;
		}
		DPS_LOG(INFO, "mbuf pool %s: %" PRIu64 " mbufs of %u bytes", name, n, data_room);
	}
	return 0;
}

static void
log_link(struct dps_app *app, struct dps_app_port *p, const struct rte_eth_link *link)
{
	char text[RTE_ETH_LINK_MAX_STR_LEN];

	rte_eth_link_to_str(text, sizeof(text), link);
	PORT_LOG(app, INFO, "port %u (%s): %s", p->port_id, p->name, text);
}

/*
 * Log a link state if it differs from the last one logged. The LSC callback (EAL interrupt
 * thread) and the control loop's poll may both see a change: the exchange logs it once.
 */
/*
 * net_tap reads its link from the kernel interface's flags, by name, in dpstack's network
 * namespace: once the kernel end is moved into another namespace (the quick start's hosts)
 * the lookup fails and the PMD says "down" while traffic flows. Such a port is shown as up,
 * with a note once, instead of a misleading "Link down".
 */
static bool
tap_moved_away(struct dps_app_port *p)
{
	char name[IF_NAMESIZE];

	return p->tap_ifindex != 0 && if_indextoname(p->tap_ifindex, name) == NULL;
}

int
dps_port_link(struct dps_app_port *p, struct rte_eth_link *link)
{
	int rc = rte_eth_link_get_nowait(p->port_id, link);

	if (rc == 0 && link->link_status == RTE_ETH_LINK_DOWN && tap_moved_away(p)) {
		if (!p->tap_note_logged) {
			p->tap_note_logged = true;
			PORT_LOG(p->app, INFO,
				 "port %u (%s): the TAP's kernel end is in another network namespace; "
				 "its link state cannot be read from here: shown as up",
				 p->port_id, p->name);
		}
		link->link_status = RTE_ETH_LINK_UP;
	}
	return rc;
}

static void
link_note(struct dps_app_port *p, const struct rte_eth_link *link)
{
	uint64_t state;

	state = UINT64_C(1) << 63 | (uint64_t)link->link_status << 32 | link->link_speed;

	__atomic_store_n(&p->link_up, link->link_status == RTE_ETH_LINK_UP, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&p->link_state, state, __ATOMIC_RELAXED) != state)
		log_link(p->app, p, link);
}

static int
lsc_event(uint16_t port_id, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct dps_app_port *p = arg;
	struct rte_eth_link link;

	(void)ret_param;
	if (type != RTE_ETH_EVENT_INTR_LSC || p->port_id != port_id)
		return 0;
	if (dps_port_link(p, &link) != 0)
		return 0;
	link_note(p, &link);
	return 0;
}

static void
set_rss(const struct dps_app_port *p, const struct rte_eth_dev_info *info,
	struct rte_eth_conf *conf)
{
	uint64_t hf =
		(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) & info->flow_type_rss_offloads;

	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	conf->rx_adv_conf.rss_conf.rss_hf = 0;
	if (p->n_rxq <= 1)
		return;
	if (hf == 0) {
		DPS_LOG(WARNING, "port %u (%s): no RSS for IP/UDP/TCP; only queue 0 receives",
			p->port_id, p->name);
		return;
	}
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
}

/*
 * Whether the PMD sets the L2 and L3 packet types of IPv4 and IPv6 frames in m->packet_type
 * (real NICs do; pcap, null and tap do not): then lib/proto's fast path classifies by them
 * (docs/forwarding.md), otherwise by the ethertype. Only reported here: the mbuf says which.
 */
static bool
has_l3_ptypes(uint16_t port_id)
{
	uint32_t pt[32];
	bool v4 = false, v6 = false;
	int n = rte_eth_dev_get_supported_ptypes(port_id, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK,
						 pt, RTE_DIM(pt));

	for (int i = 0; i < n && i < (int)RTE_DIM(pt); i++) {
		v4 |= (pt[i] & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV4 ||
		      (pt[i] & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV4_EXT_UNKNOWN;
		v6 |= (pt[i] & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6 ||
		      (pt[i] & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6_EXT_UNKNOWN;
	}
	return v4 && v6;
}

/* Give a port as many rx queues as tx queues; the new ones go round the workers. */
static void
widen_rxq(struct dps_app *app, struct dps_app_port *p)
{
	unsigned int pi = (unsigned int)(p - app->ports);

	for (uint16_t q = p->n_rxq; q < p->n_txq; q++) {
		struct dps_app_worker *w = &app->workers[(q + pi) % app->n_workers];

		if (worker_add_rxq(app, w, p, q, NULL, 0) != 0) {
			/* That worker is full: any other with room. */
			for (unsigned int i = 0; i < app->n_workers; i++)
				if (worker_add_rxq(app, &app->workers[i], p, q, NULL, 0) == 0)
					break;
		}
	}
	p->n_rxq = p->n_txq;
}

/*
 * PMDs that send a chain correctly without advertising RTE_ETH_TX_OFFLOAD_MULTI_SEGS in
 * DPDK 22.11: net_pcap copies a chain into a bounce buffer before writing it (and builds
 * chains itself on rx for frames larger than an mbuf); net_null frees what it is given.
 * For every other PMD the capability flag is the rule.
 */
static bool
tx_chains_without_capa(const char *driver)
{
	return driver != NULL && (strcmp(driver, "net_pcap") == 0 || strcmp(driver, "net_null") == 0);
}

static int
configure_port(struct dps_app *app, struct dps_app_port *p, char *err, size_t errlen)
{
	const struct dps_cfg_nic *cn = &app->cfg.nics[p->nic_id];
	uint16_t data_room = app->mbuf_size ? app->mbuf_size : RTE_MBUF_DEFAULT_BUF_SIZE;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = app->nb_rxd, nb_txd = app->nb_txd;
	uint32_t frame;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0) {
		dps_errf(err, errlen, "%s:%d: port %u: cannot get device info: %s", app->cfg.path,
			 cn->port_line, p->port_id, rte_strerror(-rc));
		return rc;
	}
	/*
	 * net_tap refuses unequal queue counts; memif pairs ring i of one side with ring i of
	 * the other, in both directions, so a peer with as many queues as ours disconnects on
	 * unequal counts ("Invalid ring index"). Others are retried below if configure fails.
	 */
	if ((strcmp(info.driver_name, "net_tap") == 0 ||
	     strcmp(info.driver_name, "net_memif") == 0) &&
	    p->n_rxq < p->n_txq && p->n_txq <= info.max_rx_queues)
		widen_rxq(app, p);
	memset(&conf, 0, sizeof(conf));
	set_rss(p, &info, &conf);
	/* Ask only for what the PMD has: an unsupported offload fails rte_eth_dev_configure. */
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM & info.rx_offload_capa;
	frame = (uint32_t)(cn->mtu ? cn->mtu : RTE_ETHER_MTU) + RTE_ETHER_HDR_LEN +
		RTE_ETHER_CRC_LEN + 2 * 4 /* VLAN tags */;
	if (frame > (uint32_t)data_room - RTE_PKTMBUF_HEADROOM) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		else
			DPS_LOG(WARNING,
				"port %u (%s): frames of %u bytes exceed the mbuf data room and "
				"the "
				"PMD cannot scatter: raise --mbuf-size",
				p->port_id, p->name, frame);
	}
	/* Forwarded mbuf chains go out as they came in, where the PMD can send chains. */
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS & info.tx_offload_capa;
	/* 802.1Q tags by the PMD where it can, for a port with VLAN NICs; else in software. */
	p->vlan_hw_insert = p->has_vlans && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT);
	p->vlan_hw_strip = p->has_vlans && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	if (p->vlan_hw_insert)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	if (p->vlan_hw_strip)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	p->tx_multiseg = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0 ||
			 tx_chains_without_capa(info.driver_name);
	p->tap_ifindex = info.driver_name != NULL && strcmp(info.driver_name, "net_tap") == 0 ?
				 info.if_index :
				 0;
	p->lsc_intr = info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC);
	conf.intr_conf.lsc = p->lsc_intr;

	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (rc != 0 && p->n_rxq < p->n_txq && p->n_txq <= info.max_rx_queues) {
		/*
		 * Some PMDs (net_tap, af_packet) want as many rx as tx queues. Poll the extra
		 * rx queues too rather than share tx queues: the kernel may steer flows to any.
		 */
		DPS_LOG(NOTICE, "port %u (%s): retrying with %u rx queues (as many as tx queues)",
			p->port_id, p->name, p->n_txq);
		widen_rxq(app, p);
		set_rss(p, &info, &conf);
		rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	}
	if (rc != 0) {
		dps_errf(err, errlen,
			 "%s:%d: port %u (%s): configure with %u rx / %u tx queues: %s",
			 app->cfg.path, cn->port_line, p->port_id, p->name, p->n_rxq, p->n_txq,
			 rte_strerror(-rc));
		return rc;
	}
	p->configured = true;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		dps_errf(err, errlen, "port %u (%s): descriptor counts: %s", p->port_id, p->name,
			 rte_strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_mtu(p->port_id, &p->mtu) != 0 || p->mtu == 0)
		p->mtu = RTE_ETHER_MTU;
	if (cn->mtu != 0 && cn->mtu != p->mtu) {
		rc = rte_eth_dev_set_mtu(p->port_id, cn->mtu);
		if (rc != 0)
			DPS_LOG(WARNING, "port %u (%s): cannot set MTU %u: %s%s", p->port_id,
				p->name, cn->mtu, rte_strerror(-rc),
				rc == -ENOTSUP ? " (the PMD has no MTU control: using it anyway)"
					       : "");
		/* A PMD without MTU control (pcap, null, ...) carries what it is given. */
		if (rc == 0 || rc == -ENOTSUP)
			p->mtu = cn->mtu;
	}
	if (cn->has_mac) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, cn->mac, RTE_ETHER_ADDR_LEN);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		/*
		 * The stack uses the configured MAC anyway; the port then runs promiscuous so
		 * that frames for it get in (the Ethernet layer still drops other unicast).
		 */
		p->mac_promisc = rc != 0;
		if (rc != 0)
			DPS_LOG(NOTICE,
				"port %u (%s): cannot set MAC " RTE_ETHER_ADDR_PRT_FMT
				": %s (the stack uses it, the port goes promiscuous)",
				p->port_id, p->name, RTE_ETHER_ADDR_BYTES(&mac), rte_strerror(-rc));
	}

	for (unsigned int wi = 0; wi < app->n_workers; wi++) {
		const struct dps_app_worker *w = &app->workers[wi];
		int s = lcore_socket(w->lcore_id);

		for (uint16_t i = 0; i < w->n_rxq; i++) {
			struct rte_eth_rxconf rxconf = info.default_rxconf;

			if (w->rxq[i].port_id != p->port_id)
				continue;
			rxconf.offloads = conf.rxmode.offloads;
			rc = rte_eth_rx_queue_setup(p->port_id, w->rxq[i].queue_id, nb_rxd, s,
						    &rxconf, dps_port_pool(app, s));
			if (rc != 0) {
				dps_errf(err, errlen, "port %u (%s): rx queue %u: %s", p->port_id,
					 p->name, w->rxq[i].queue_id, rte_strerror(-rc));
				return rc;
			}
		}
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		struct rte_eth_txconf txconf = info.default_txconf;

		txconf.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, txq_socket(app, q), &txconf);
		if (rc != 0) {
			dps_errf(err, errlen, "port %u (%s): tx queue %u: %s", p->port_id, p->name,
				 q, rte_strerror(-rc));
			return rc;
		}
	}
	if (p->lsc_intr) {
		rc = rte_eth_dev_callback_register(p->port_id, RTE_ETH_EVENT_INTR_LSC, lsc_event,
						   p);
		if (rc != 0) {
			DPS_LOG(WARNING, "port %u (%s): no LSC callback (%s): polling the link",
				p->port_id, p->name, rte_strerror(-rc));
			p->lsc_intr = false;
		}
	}
	DPS_LOG(INFO, "port %u (%s): %u rx queues, %u tx queues, %u/%u descriptors%s%s%s%s",
		p->port_id, p->name, p->n_rxq, p->n_txq, nb_rxd, nb_txd,
		conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? ", RSS" : "",
		p->lsc_intr ? ", LSC interrupts" : "",
		(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) ? ", rx checksums" : "",
		has_l3_ptypes(p->port_id) ? ", packet types" : "");
	return 0;
}

int
dps_port_configure_all(struct dps_app *app, char *err, size_t errlen)
{
	for (uint16_t i = 0; i < app->n_ports; i++) {
		int rc = configure_port(app, &app->ports[i], err, errlen);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dps_port_start_all(struct dps_app *app, char *err, size_t errlen)
{
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];
		const struct dps_cfg_nic *cn = &app->cfg.nics[p->nic_id];
		struct rte_eth_link link;
		int rc;

		rc = rte_eth_dev_start(p->port_id);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: port %u (%s): start: %s", app->cfg.path,
				 cn->port_line, p->port_id, p->name, rte_strerror(-rc));
			return rc;
		}
		p->started = true;
		if (cn->promiscuous || p->mac_promisc) {
			rc = rte_eth_promiscuous_enable(p->port_id);
			if (rc != 0 && rc != -ENOTSUP)
				DPS_LOG(WARNING, "port %u (%s): promiscuous mode: %s", p->port_id,
					p->name, rte_strerror(-rc));
		}
		/* IPv6 multicast (all-nodes, solicited-node groups) must reach the stack. */
		rc = rte_eth_allmulticast_enable(p->port_id);
		if (rc != 0 && rc != -ENOTSUP)
			DPS_LOG(WARNING, "port %u (%s): all-multicast mode: %s", p->port_id,
				p->name, rte_strerror(-rc));
		if (dps_port_link(p, &link) == 0)
			link_note(p, &link);
	}
	return 0;
}

void
dps_port_link_poll(struct dps_app *app)
{
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];
		struct rte_eth_link link;

		/*
		 * Polled even with LSC interrupts: net_tap's did not fire here when the
		 * kernel side went down, and a second a change may take to show is cheap.
		 */
		if (!p->started)
			continue;
		if (dps_port_link(p, &link) == 0)
			link_note(p, &link);
	}
}

void
dps_port_print_stats(struct dps_app *app)
{
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];
		struct rte_eth_stats st;

		if (!p->configured || rte_eth_stats_get(p->port_id, &st) != 0)
			continue;
		uint64_t chains = 0;

		printf("port %u %s ipackets %" PRIu64 " opackets %" PRIu64 " imissed %" PRIu64
		       " ierrors %" PRIu64 " oerrors %" PRIu64 "\n",
		       p->port_id, p->name, st.ipackets, st.opackets, st.imissed, st.ierrors,
		       st.oerrors);
		for (unsigned int q = 0; q < DPS_MAX_CTX; q++)
			chains += p->tx_chains_dropped[q];
		if (chains != 0)
			printf("port %u %s tx_chains_dropped %" PRIu64 "\n", p->port_id, p->name,
			       chains);
	}
	fflush(stdout);
}

/*
 * Stop the LSC callbacks of every port before any port stops. Stopping or closing one port
 * can raise an LSC interrupt on another (a memif server and its client in one process: the
 * client sees the server go away), and a callback still registered would run in the
 * interrupt thread while the ports, the stack and the app are being freed.
 * rte_eth_dev_callback_unregister() refuses with -EAGAIN while the callback is executing:
 * wait it out, so that none is in flight when this returns.
 */
static void
lsc_unregister_all(struct dps_app *app)
{
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];

		if (!p->configured || !p->lsc_intr)
			continue;
		while (rte_eth_dev_callback_unregister(p->port_id, RTE_ETH_EVENT_INTR_LSC,
						       lsc_event, p) == -EAGAIN)
			rte_delay_us_sleep(1000);
		p->lsc_intr = false;
	}
}

/* An interrupt-thread callback's sign that it ran. */
static void
intr_sync_done(void *arg)
{
	__atomic_store_n((bool *)arg, true, __ATOMIC_RELEASE);
}

/* Wait up to a second for that sign: a thread that does not answer is not waited for. */
static void
intr_sync_wait(const bool *done)
{
	for (int ms = 0; ms < 1000 && !__atomic_load_n(done, __ATOMIC_ACQUIRE); ms++)
		rte_delay_us_sleep(1000);
}

/*
 * Wait until EAL's interrupt thread has run every callback whose event was pending when this
 * was called. Stopping a memif port sends its peer a disconnect message; when the peer is a
 * port of this process (a server and its client on one socket), the peer's control-channel
 * handler runs memif_disconnect() in the interrupt thread, and the PMD (22.11) frees the
 * peer's regions there without a lock: stopping or closing the peer from this thread at the
 * same time frees them twice (seen as a SIGSEGV at exit). An EAL alarm runs in the same
 * thread, after the events of its epoll batch: the second of two alarms runs only once the
 * batch holding the first, and so every event that was already pending, is done.
 * Bounded: a thread that does not answer within a second is not waited for.
 */
static void
intr_thread_sync(void)
{
	for (int round = 0; round < 2; round++) {
		bool done = false;

		if (rte_eal_alarm_set(1, intr_sync_done, &done) != 0)
			return;
		intr_sync_wait(&done);
		/* Waits for a callback in flight: `done` is not written after this returns. */
		rte_eal_alarm_cancel(intr_sync_done, &done);
	}
}

static void
intr_park(void *arg)
{
	intr_sync_done(arg);
	for (;;)
		pause();
}

/*
 * DPDK 22.11's rte_eal_cleanup() does not stop the interrupt thread, and net_memif leaves
 * its listener socket's callback registered after the last port on the socket closes (its
 * interrupt handle freed, or in memory that cleanup unmaps). Any later wake-up of the
 * thread walks its sources and touches that handle: a SIGSEGV while cleanup runs. Parked
 * here, the thread runs nothing more; the process exits right after cleanup.
 * The thread is parked by a source of its own (an eventfd), not by an alarm: cleanup
 * unregisters the alarm source synchronously, which would wait for a parked alarm forever.
 * The flag is static, the one piece of process-wide state in the app: the thread is one
 * per process, and a callback that starts after the bounded wait must still find it.
 * The eventfd stays registered until the process exits.
 */
void
dps_port_park_intr_thread(void)
{
	static bool parked;
	struct rte_intr_handle *h;
	uint64_t one = 1;
	bool ok;
	int fd;

	fd = eventfd(0, EFD_CLOEXEC);
	if (fd < 0)
		return;
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	ok = h != NULL && rte_intr_fd_set(h, fd) == 0 &&
	     rte_intr_type_set(h, RTE_INTR_HANDLE_EXT) == 0 &&
	     rte_intr_callback_register(h, intr_park, &parked) == 0;
	/* The registered source holds a copy of the handle (rte_intr_instance_dup()). */
	rte_intr_instance_free(h);
	if (!ok || write(fd, &one, sizeof(one)) != sizeof(one)) {
		DPS_LOG(WARNING, "cannot park the interrupt thread before EAL cleanup");
		if (!ok)
			close(fd);
		return;
	}
	intr_sync_wait(&parked);
}

void
dps_port_stop_all(struct dps_app *app)
{
	lsc_unregister_all(app);
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];
		int rc;

		if (!p->started)
			continue;
		rc = rte_eth_dev_stop(p->port_id);
		if (rc != 0)
			DPS_LOG(WARNING, "port %u (%s): stop: %s", p->port_id, p->name,
				rte_strerror(-rc));
		p->started = false;
		intr_thread_sync();
	}
}

void
dps_port_close_all(struct dps_app *app)
{
	lsc_unregister_all(app);
	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];

		if (!p->configured)
			continue;
		rte_eth_dev_close(p->port_id);
		p->configured = false;
		intr_thread_sync();
	}
}

unsigned int
dps_port_pools_free(struct dps_app *app)
{
	unsigned int total = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		unsigned int n;

		if (app->pools[s] == NULL)
			continue;
		n = rte_mempool_in_use_count(app->pools[s]);
		total += n;
		printf("mbufs in use: %u\n", n);
		rte_mempool_free(app->pools[s]);
		app->pools[s] = NULL;
	}
	fflush(stdout);
	return total;
}

uint16_t
dps_port_tx_linear(struct rte_mbuf **pkts, uint16_t n, uint64_t *dropped)
{
	struct rte_mbuf *bad[DPS_TX_BURST];
	uint16_t k = 0, nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		/* rte_pktmbuf_linearize copies the chain into the first segment if it has room. */
		if (likely(m->nb_segs == 1) || rte_pktmbuf_linearize(m) == 0 || nb == DPS_TX_BURST) {
			pkts[k++] = m;
			continue;
		}
		bad[nb++] = m;
	}
	/* Order kept for the good ones; the caller frees the tail it is told was not sent. */
	memcpy(&pkts[k], bad, nb * sizeof(bad[0]));
	*dropped += nb;
	return k;
}

uint16_t
dps_port_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_app_port *p = priv;
	uint16_t sent, k = n;

	/*
	 * A port without RTE_ETH_TX_OFFLOAD_MULTI_SEGS would send only the first segment of a
	 * chain (or worse): linearize what fits one mbuf; the rest is dropped and counted
	 * (the final `port ... tx_chains_dropped` line; tx.dropped counts it too).
	 */
	if (unlikely(!p->tx_multiseg))
		k = dps_port_tx_linear(pkts, n, &p->tx_chains_dropped[queue % DPS_MAX_CTX]);
	if (likely(!p->tx_shared))
		return rte_eth_tx_burst(p->port_id, queue, pkts, k);
	/* The PMD has fewer queues than contexts: contexts that share a queue take turns. */
	queue = (uint16_t)(queue % p->n_txq);
	rte_spinlock_lock(&p->txq_lock[queue]);
	sent = rte_eth_tx_burst(p->port_id, queue, pkts, k);
	rte_spinlock_unlock(&p->txq_lock[queue]);
	return sent;
}

int
dps_port_pcapng_clock_init(struct rte_mempool *mp, uint16_t port_id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *c;

	if (m == NULL)
		return -ENOMEM;
	if (rte_pktmbuf_append(m, 64) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	memset(rte_pktmbuf_mtod(m, void *), 0, 64);
	/*
	 * DPDK 22.11's pcapng sets its clock (TSC -> wall time) at its first copy, reading the
	 * TSC then; pdump hands that first copy a timestamp read before, the difference is
	 * negative, and as an unsigned number it moves the clock about 2^64 TSC cycles ahead
	 * for good (the year 2305 at 2.1 GHz). Set the clock now, with a timestamp 10 ms ahead
	 * of it: less than a second, so the clock stays where it was set.
	 */
	c = rte_pcapng_copy(port_id, 0, m, mp, 64, rte_get_tsc_cycles() + rte_get_tsc_hz() / 100,
			    RTE_PCAPNG_DIRECTION_UNKNOWN);
	rte_pktmbuf_free(m);
	if (c == NULL)
		return -ENOMEM;
	rte_pktmbuf_free(c);
	return 0;
}
