/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpstack: the application. EAL, config, ports, one run-to-completion loop per worker lcore
 * and the control loop on the main lcore (docs/architecture.md).
 *
 * Start-up order: dpstack's own arguments (after `--`) and the whole config file are parsed
 * and checked before rte_eal_init(), so a mistake there is reported without EAL's banner,
 * runtime directory or device probe; so are the EAL `--log-level` values. `--check` and
 * `--version` stop there. After EAL: ports are resolved, the memory estimate is checked
 * against what EAL can give, a control socket a running dpstack answers on is refused, pools,
 * ports and the stack are created, the ports start, the --startup file runs, and only then
 * does the control socket accept clients (a client and the startup file are both writers).
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked in every thread (the mask is set before
 * rte_eal_init() so EAL's threads inherit it) and the control loop collects them with
 * sigtimedwait(): no handler, no global, and the stop is an ordinary store to app->quit.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "dps_app.h"
#include "dps_apply.h"
#include "dps_mem.h"
#include "dps_neigh.h"
#include "dps_port.h"
#include "dps_proto.h"
#include "dps_version.h"

#define DPS_DEFAULT_CTL_PATH "/var/run/dpstack/dpstack.sock"
#define DPS_DRAIN_US 100	/* tx buffers of an idle worker go out after this long */
#define DPS_CTRL_PERIOD_US 1000 /* control duties in single-lcore mode */
#define DPS_WARN_PERIOD_S 10	/* per NIC and reason, data-path trouble is logged at most this often */

/*
 * Counters that mean dpstack itself is short of something (tx queues, mbufs, the
 * resolution queue), not that a packet was bad: worth a warning, rate limited.
 */
static const enum dps_counter warn_counters[] = {
	DPS_CNT_TX_DROPPED, DPS_CNT_NO_MBUF, DPS_CNT_NEIGH_QUEUE_FULL,
	DPS_CNT_IP_OUTGOING_PACKET_ERRORS, DPS_CNT_RAW_COPY_FAILED,
};
#define DPS_WARN_N RTE_DIM(warn_counters)

/* One trouble counter of one NIC: the value last seen, its last warning, what was held back. */
struct warn_state {
	uint64_t seen;
	uint64_t last_tsc;
	uint64_t suppressed;
};

/* Control-loop state that lives only in main.c. */
struct ctrl_state {
	sigset_t sigs;
	uint64_t tsc_hz;
	uint64_t last_link_tsc;
	uint64_t last_stats_tsc;
	uint64_t (*prev)[DPS_CNT_MAX]; /* counters at the last stats line, per port */
	struct warn_state (*warned)[DPS_WARN_N]; /* per port and trouble counter */
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- -f FILE [options]   (EAL options before --)\n"
	       "       %s -- -f FILE --check\n"
	       "       %s --version\n"
	       "\n"
	       "dpstack options:\n"
	       "  -f, --file FILE         configuration file (required)\n"
	       "      --check             check FILE and print the memory estimate, then exit:\n"
	       "                          no EAL, no ports, no hugepages needed\n"
	       "  -V, --version           dpstack's and DPDK's versions, then exit\n"
	       "  -s, --socket PATH       control socket (default " DPS_DEFAULT_CTL_PATH ")\n"
	       "      --stats SECONDS     print each NIC's rates every SECONDS (default off)\n"
	       "      --config (port,queue,lcore)[,...]\n"
	       "                          which worker lcore polls which rx queue (default: every\n"
	       "                          worker polls one queue of every port)\n"
	       "      --startup FILE      control commands to run once the ports are up\n"
	       "      --mbuf-size BYTES   mbuf data room, headroom included (default %u)\n"
	       "      --rxd N             rx descriptors per queue (default %u)\n"
	       "      --txd N             tx descriptors per queue (default %u)\n"
	       "  -h, --help              this help, then the EAL options\n"
	       "\n"
	       "With one lcore (-l N) the main lcore runs the data path and the control in one\n"
	       "loop; with more, the main lcore is the control side and the others are workers.\n"
	       "SIGINT or SIGTERM: drain, print the final counters, exit 0. SIGHUP: logged, the\n"
	       "configuration is not reloaded (restart to apply a changed file).\n"
	       "\n",
	       prog, prog, prog, RTE_MBUF_DEFAULT_BUF_SIZE, DPS_PORT_DEFAULT_RXD, DPS_PORT_DEFAULT_TXD);
	fflush(stdout);
}

static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

enum {
	OPT_STATS = 256,
	OPT_CONFIG,
	OPT_STARTUP,
	OPT_MBUF_SIZE,
	OPT_RXD,
	OPT_TXD,
	OPT_CHECK,
};

static int
parse_args(struct dps_app *app, int argc, char **argv)
{
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'},
		{"socket", required_argument, NULL, 's'},
		{"stats", required_argument, NULL, OPT_STATS},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"startup", required_argument, NULL, OPT_STARTUP},
		{"mbuf-size", required_argument, NULL, OPT_MBUF_SIZE},
		{"rxd", required_argument, NULL, OPT_RXD},
		{"txd", required_argument, NULL, OPT_TXD},
		{"check", no_argument, NULL, OPT_CHECK},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char err[256];
	unsigned long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			app->cfg_path = optarg;
			break;
		case 's':
			app->ctl_path = optarg;
			break;
		case OPT_STATS:
			if (parse_uint(optarg, 1, 86400, &v) != 0) {
				fprintf(stderr, "dpstack: --stats: expected 1..86400 seconds\n");
				return -EINVAL;
			}
			app->stats_interval = (unsigned int)v;
			break;
		case OPT_CONFIG:
			if (dps_port_parse_qmap(app, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "dpstack: %s\n", err);
				return -EINVAL;
			}
			break;
		case OPT_STARTUP:
			app->startup_path = optarg;
			break;
		case OPT_MBUF_SIZE:
			if (parse_uint(optarg, RTE_PKTMBUF_HEADROOM + 256, UINT16_MAX, &v) != 0) {
				fprintf(stderr, "dpstack: --mbuf-size: expected %u..%u bytes\n",
					RTE_PKTMBUF_HEADROOM + 256, UINT16_MAX);
				return -EINVAL;
			}
			app->mbuf_size = (uint16_t)v;
			break;
		case OPT_RXD:
		case OPT_TXD:
			if (parse_uint(optarg, 1, 32768, &v) != 0) {
				fprintf(stderr, "dpstack: --%s: expected 1..32768 descriptors\n",
					c == OPT_RXD ? "rxd" : "txd");
				return -EINVAL;
			}
			if (c == OPT_RXD)
				app->nb_rxd = (uint16_t)v;
			else
				app->nb_txd = (uint16_t)v;
			break;
		case OPT_CHECK:
			app->check_only = true;
			break;
		case ':':
			fprintf(stderr, "dpstack: option %s needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr,
				"dpstack: unknown option %s (see --help; EAL options go before --)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpstack: unexpected argument %s (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (app->cfg_path == NULL) {
		fprintf(stderr, "dpstack: -f FILE is required (see --help)\n");
		return -EINVAL;
	}
	return 0;
}

/* mkdir -p of the socket's directory; only a directory we create gets mode 0700. */
static int
make_socket_dir(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* One turn of a worker: every rx queue once, flush when something came or the timer ran out. */
static inline uint32_t
worker_turn(struct dps_app_worker *w, uint64_t *last_flush, uint64_t drain_tsc)
{
	struct rte_mbuf *pkts[DPS_BURST];
	struct dps_ctx *ctx = w->ctx;
	uint32_t total = 0;
	uint64_t now;

	for (uint16_t i = 0; i < w->n_rxq; i++) {
		const struct dps_app_rxq *q = &w->rxq[i];
		uint16_t n = rte_eth_rx_burst(q->port_id, q->queue_id, pkts, DPS_BURST);

		if (n == 0)
			continue;
		if (dps_trace_armed(&w->trace))
			dps_trace_burst(w, q, pkts, n);
		else
			dps_eth_input_burst(ctx, q->nic, pkts, n);
		total += n;
	}
	now = rte_rdtsc();
	if (total != 0 || now - *last_flush > drain_tsc) {
		/* Reassembly timeouts (their Time Exceeded leaves with this flush). */
		dps_proto_ctx_poll(ctx, now);
		dps_ctx_flush(ctx);
		*last_flush = now;
	}
	dps_ctx_quiescent(ctx);
	return total;
}

static int
worker_main(void *arg)
{
	struct dps_app_worker *w = arg;
	struct dps_app *app = w->app;
	uint64_t drain_tsc = rte_get_tsc_hz() / US_PER_S * DPS_DRAIN_US;
	uint64_t last_flush = rte_rdtsc();

	if (w->n_rxq == 0) {
		DPS_LOG(NOTICE, "lcore %u polls no rx queue: idle", w->lcore_id);
		return 0;
	}
	DPS_LOG(INFO, "lcore %u: worker, %u rx queues, tx queue %u", w->lcore_id, w->n_rxq,
		w->ctx->txq);
	dps_ctx_online(w->ctx);
	while (!__atomic_load_n(&app->quit, __ATOMIC_RELAXED)) {
		worker_turn(w, &last_flush, drain_tsc);
		__atomic_store_n(&w->loops, w->loops + 1, __ATOMIC_RELAXED);
	}
	dps_ctx_offline(w->ctx);
	return 0;
}

/* A signal waiting? SIGINT/SIGTERM are blocked everywhere and collected here. */
static void
check_signals(struct dps_app *app, struct ctrl_state *st)
{
	static const struct timespec zero = {0, 0};
	int sig = sigtimedwait(&st->sigs, NULL, &zero);

	if (sig == SIGHUP) {
		DPS_LOG(NOTICE, "SIGHUP: reloading the configuration is not supported; restart "
			"dpstack to apply %s, or change it at runtime with dpstack-ctl", app->cfg_path);
	} else if (sig > 0) {
		DPS_LOG(NOTICE, "%s: stopping", strsignal(sig));
		__atomic_store_n(&app->quit, 1, __ATOMIC_RELAXED);
	}
}

static void
print_stats(struct dps_app *app, struct ctrl_state *st, double secs)
{
	uint64_t cur[DPS_CNT_MAX];

	/* Every NIC, VLANs included: NIC i is cfg.nics[i]. */
	for (uint16_t i = 0; i < dps_app_n_nics(app); i++) {
		uint64_t *prev = st->prev[i];
		uint64_t drops = 0;
		char reasons[1024];
		size_t off = 0;

		dps_stack_counters(app->stack, i, cur);
		reasons[0] = '\0';
		/* Every DROP counter of lib/nic/dps_stats.h: each lost packet counts once. */
		for (unsigned int c = 0; c < DPS_CNT_MAX; c++) {
			uint64_t d = cur[c] - prev[c];

			if (dps_counter_kinds[c] != DPS_CK_DROP || d == 0)
				continue;
			drops += d;
			if (off < sizeof(reasons))
				off += (size_t)snprintf(reasons + off, sizeof(reasons) - off,
							"%s%s=%" PRIu64, off ? " " : "",
							dps_counter_names[c], d);
		}
		printf("stats %s rx %.0f pps %.0f bps tx %.0f pps %.0f bps drops %" PRIu64
		       "%s%s%s\n",
		       app->cfg.nics[i].name,
		       (double)(cur[DPS_CNT_RX_PACKETS] - prev[DPS_CNT_RX_PACKETS]) / secs,
		       (double)(cur[DPS_CNT_RX_BYTES] - prev[DPS_CNT_RX_BYTES]) * 8 / secs,
		       (double)(cur[DPS_CNT_TX_PACKETS] - prev[DPS_CNT_TX_PACKETS]) / secs,
		       (double)(cur[DPS_CNT_TX_BYTES] - prev[DPS_CNT_TX_BYTES]) * 8 / secs, drops,
		       drops ? " (" : "", reasons, drops ? ")" : "");
		memcpy(prev, cur, sizeof(cur));
	}
	fflush(stdout);
}

/*
 * Rate-limited warnings, per NIC and per reason (checked every second): the first increase
 * after a quiet period is logged at once with the counter's help text; further increases
 * within DPS_WARN_PERIOD_S are held back and summed into one `suppressed N` line when the
 * period ends. A flood of T seconds thus logs about 1 + T / DPS_WARN_PERIOD_S lines per reason.
 */
static void
warn_trouble(struct dps_app *app, struct ctrl_state *st, uint64_t now)
{
	uint64_t period = st->tsc_hz * DPS_WARN_PERIOD_S;

	for (uint16_t i = 0; i < dps_app_n_nics(app); i++) {
		const char *nic = app->cfg.nics[i].name;

		for (unsigned int k = 0; k < DPS_WARN_N; k++) {
			struct warn_state *w = &st->warned[i][k];
			enum dps_counter c = warn_counters[k];
			uint64_t v = dps_stack_counter(app->stack, i, c);
			uint64_t d = v - w->seen;

			w->seen = v;
			if (now - w->last_tsc < period) {
				w->suppressed += d;
			} else if (w->suppressed != 0) {
				DPS_LOG(WARNING, "nic %s: %s: suppressed %" PRIu64 " in the last %u s",
					nic, dps_counter_names[c], w->suppressed + d, DPS_WARN_PERIOD_S);
				w->suppressed = 0;
				w->last_tsc = now;
			} else if (d != 0) {
				DPS_LOG(WARNING, "nic %s: %s +%" PRIu64 ": %s (at most one line per %u s "
					"for it; docs/counters.md)", nic, dps_counter_names[c], d,
					dps_counter_help[c], DPS_WARN_PERIOD_S);
				w->last_tsc = now;
			}
		}
	}
}

/* The control side's periodic work: signals, neighbours, deferred frees, links, stats. */
static void
control_duties(struct dps_app *app, struct ctrl_state *st)
{
	uint64_t now;

	check_signals(app, st);
	/*
	 * The control context stays offline: dps_neigh_poll works under the writer lock, which
	 * already keeps what it reads alive, and a writer that is also an online reader would
	 * wait for itself if the deferred-free queue filled up and forced a grace period.
	 */
	dps_neigh_poll(app->stack, app->ctrl_ctx);
	/* IGMP / MLD reports and answers to queries (lib/proto/mcast.c). */
	dps_proto_poll(app->stack, app->ctrl_ctx);
	dps_ctx_flush(app->ctrl_ctx);
	dps_stack_reclaim(app->stack);
	/* An echo request `ping` (the control socket thread) waits for this context to send it. */
	dps_ping_poll(app);

	now = rte_get_tsc_cycles();
	if (now - st->last_link_tsc >= st->tsc_hz) {
		dps_port_link_poll(app);
		warn_trouble(app, st, now);
		st->last_link_tsc = now;
	}
	if (app->stats_interval != 0 &&
	    now - st->last_stats_tsc >= st->tsc_hz * app->stats_interval) {
		print_stats(app, st, (double)(now - st->last_stats_tsc) / (double)st->tsc_hz);
		st->last_stats_tsc = now;
	}
}

static void
run_single_lcore(struct dps_app *app, struct ctrl_state *st)
{
	struct dps_app_worker *w = &app->workers[0];
	uint64_t drain_tsc = rte_get_tsc_hz() / US_PER_S * DPS_DRAIN_US;
	uint64_t ctrl_tsc = rte_get_tsc_hz() / US_PER_S * DPS_CTRL_PERIOD_US;
	uint64_t last_flush = rte_rdtsc(), last_ctrl = last_flush;

	DPS_LOG(INFO, "single lcore %u: data path and control in one loop", w->lcore_id);
	dps_ctx_online(w->ctx);
	while (!__atomic_load_n(&app->quit, __ATOMIC_RELAXED)) {
		uint64_t now;

		worker_turn(w, &last_flush, drain_tsc);
		__atomic_store_n(&w->loops, w->loops + 1, __ATOMIC_RELAXED);
		now = rte_rdtsc();
		if (now - last_ctrl < ctrl_tsc)
			continue;
		/*
		 * The control work may wait for a grace period: this thread's data-path context
		 * must be offline meanwhile or it would wait for itself.
		 */
		dps_ctx_offline(w->ctx);
		control_duties(app, st);
		dps_ctx_online(w->ctx);
		last_ctrl = rte_rdtsc();
	}
	dps_ctx_offline(w->ctx);
}

static void
run_control(struct dps_app *app, struct ctrl_state *st)
{
	while (!__atomic_load_n(&app->quit, __ATOMIC_RELAXED)) {
		control_duties(app, st);
		usleep(DPS_CTRL_PERIOD_US);
	}
}

static void
print_final_counters(struct dps_app *app)
{
	uint64_t cnt[DPS_CNT_MAX];

	dps_port_print_stats(app);
	for (uint16_t i = 0; i < dps_app_n_nics(app); i++) {
		const char *name = app->cfg.nics[i].name;

		if (dps_app_nic(app, i) == NULL)
			continue;
		dps_stack_counters(app->stack, i, cnt);
		for (unsigned int c = 0; c < DPS_CNT_MAX; c++)
			if (cnt[c] != 0)
				printf("nic %s %s %" PRIu64 "\n", name, dps_counter_names[c],
				       cnt[c]);
	}
	fflush(stdout);
}

static int
create_stack(struct dps_app *app, char *err, size_t errlen)
{
	struct dps_stack_conf sc = {
		.name = "dpstack",
		.socket_id = (int)rte_lcore_to_socket_id(app->main_lcore),
		.max_routes4 = app->cfg.max_routes4,
		.max_routes6 = app->cfg.max_routes6,
	};
	unsigned int ctx_socket;
	int rc;

	rc = dps_stack_create(&sc, &app->stack);
	if (rc != 0) {
		snprintf(err, errlen, "cannot create the stack: %s", strerror(-rc));
		return rc;
	}
	rc = dps_proto_register_all(app->stack);
	if (rc != 0) {
		snprintf(err, errlen, "cannot register the protocols: %s", strerror(-rc));
		return rc;
	}
	/* RFC 4862 5.4: the addresses applied next are tentative until DAD passes. */
	dps_proto_set_dad(app->stack, app->cfg.dad_transmits, app->cfg.dad_retrans_ms);
	rc = dps_apply_nics(app, err, errlen);
	if (rc != 0)
		return rc;
	rc = dps_apply_config(app, err, errlen);
	if (rc != 0)
		return rc;
	/* RFC 4861 6: Router Advertisements where a NIC enables them. */
	for (uint16_t i = 0; i < dps_app_n_nics(app); i++) {
		const struct dps_cfg_nic *cn = &app->cfg.nics[i];
		struct dps_ra_conf ra = {.interval_s = cn->ra_interval,
					 .n_prefix = (uint16_t)cn->n_ra_prefix};

		if (!cn->ra || dps_app_nic(app, i) == NULL)
			continue;
		memcpy(ra.prefix, cn->ra_prefix, cn->n_ra_prefix * sizeof(ra.prefix[0]));
		rc = dps_proto_ra_enable(dps_app_nic(app, i), &ra);
		if (rc != 0) {
			snprintf(err, errlen, "nic %s: ra = on: %s", cn->name,
				 rc == -EADDRNOTAVAIL ? "needs a link-local address (address = "
							"fe80::1/64)" : strerror(-rc));
			return rc;
		}
	}
	/* Context i is worker i's and owns tx queue i; the control's comes last. */
	for (unsigned int i = 0; i < app->n_workers; i++) {
		struct dps_app_worker *w = &app->workers[i];

		ctx_socket = rte_lcore_to_socket_id(w->lcore_id);
		rc = dps_ctx_create(app->stack, (uint16_t)i, (uint16_t)i,
				    dps_port_pool(app, (int)ctx_socket), (int)ctx_socket, &w->ctx);
		if (rc != 0) {
			snprintf(err, errlen, "cannot create context %u: %s", i, strerror(-rc));
			return rc;
		}
		for (uint16_t q = 0; q < w->n_rxq; q++)
			w->rxq[q].nic = app->ports[w->rxq[q].nic_id].nic;
		rc = dps_proto_ctx_init(w->ctx, &(struct dps_reasm_conf){
			.max_datagrams = app->cfg.reassembly_datagrams,
			.timeout_ms = app->cfg.reassembly_timeout_ms}, (int)ctx_socket);
		if (rc != 0) {
			snprintf(err, errlen, "cannot create the reassembly table of context %u: %s",
				 i, strerror(-rc));
			return rc;
		}
	}
	ctx_socket = rte_lcore_to_socket_id(app->main_lcore);
	/* Single lcore: one thread, so the control context shares the worker's tx queue. */
	rc = dps_ctx_create(app->stack, (uint16_t)app->n_workers,
			    (uint16_t)(app->single_lcore ? 0 : app->n_workers),
			    dps_port_pool(app, (int)ctx_socket), (int)ctx_socket, &app->ctrl_ctx);
	if (rc != 0) {
		snprintf(err, errlen, "cannot create the control context: %s", strerror(-rc));
		return rc;
	}
	rc = dps_ping_init(app);
	if (rc != 0)
		snprintf(err, errlen, "cannot set up ping: %s", strerror(-rc));
	return rc;
}

/* Errors that name a config line (`FILE:LINE: ...`) go out as they are; others get our name. */
static void
print_err(const struct dps_app *app, const char *err)
{
	size_t n = strlen(app->cfg_path);

	if (n != 0 && strncmp(err, app->cfg_path, n) == 0 && err[n] == ':')
		fprintf(stderr, "%s\n", err);
	else
		fprintf(stderr, "dpstack: %s\n", err);
}

/* Contexts flush what they hold when freed: before the ports close. */
static void
free_contexts(struct dps_app *app)
{
	for (unsigned int i = 0; i < app->n_workers; i++)
		if (app->workers[i].ctx != NULL) {
			dps_ctx_free(app->workers[i].ctx);
			dps_proto_ctx_fini(app->workers[i].ctx);
			app->workers[i].ctx = NULL;
		}
	if (app->ctrl_ctx != NULL) {
		dps_ctx_free(app->ctrl_ctx);
		app->ctrl_ctx = NULL;
	}
}

static void
free_stack(struct dps_app *app)
{
	if (app->stack == NULL)
		return;
	free_contexts(app);
	if (app->tel_registered)
		dps_telemetry_close(app);
	dps_stack_free(app->stack);
	app->stack = NULL;
	dps_ping_free(app);
	for (uint16_t i = 0; i < app->n_ports; i++)
		app->ports[i].nic = NULL;
	for (uint16_t i = 0; i < app->n_vlans; i++)
		app->vlans[i].nic = NULL;
}

static void
print_version(void)
{
	printf("dpstack %s (%s), %s\n", DPS_VERSION, DPS_VCS, rte_version());
	fflush(stdout);
}

/*
 * EAL's --log-level values, checked before EAL sees them: LEVEL, GLOB:LEVEL or REGEX,LEVEL,
 * LEVEL a number 1-8 or a level name (a prefix of one, as EAL accepts). EAL would report a
 * bad one and start anyway; here it is fatal.
 */
static int
check_log_level(const char *v)
{
	static const char *const names[] = {"emergency", "alert", "critical", "error",
					    "warning",	 "notice", "info",     "debug"};
	const char *level = v, *sep = strrchr(v, ':');
	char pat[256];
	regex_t re;
	char *end;
	unsigned long n;

	if (sep == NULL)
		sep = strrchr(v, ',');
	if (sep != NULL) {
		if ((size_t)(sep - v) >= sizeof(pat) || sep == v)
			return -EINVAL;
		memcpy(pat, v, (size_t)(sep - v));
		pat[sep - v] = '\0';
		if (*sep == ',') {
			if (regcomp(&re, pat, REG_NOSUB) != 0)
				return -EINVAL;
			regfree(&re);
		}
		level = sep + 1;
	}
	if (*level == '\0')
		return -EINVAL;
	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (strncmp(names[i], level, strlen(level)) == 0)
			return 0;
	errno = 0;
	n = strtoul(level, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 8)
		return -EINVAL;
	return 0;
}

static int
check_eal_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (strncmp(argv[i], "--log-level=", 12) == 0)
			v = argv[i] + 12;
		else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc)
			v = argv[++i];
		else
			continue;
		if (check_log_level(v) != 0) {
			fprintf(stderr,
				"dpstack: --log-level '%s': expected LEVEL, PATTERN:LEVEL or "
				"REGEX,LEVEL with LEVEL 1-8 or emergency, alert, critical, error, "
				"warning, notice, info, debug (e.g. --log-level='dpstack.*:debug')\n",
				v);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Is a dpstack answering on the control socket? Checked before EAL so that a second
 * instance with the same socket is refused before it touches a port. A socket file nobody
 * answers on is a leftover: dps_ctl_start() replaces it.
 */
static bool
ctl_socket_live(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	bool live;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

/* The memory parameters of this run; before EAL (--check): one lcore, one queue per port. */
static void
mem_params(const struct dps_app *app, bool after_eal, struct dps_mem_params *mp)
{
	uint64_t plan[RTE_MAX_NUMA_NODES];

	memset(mp, 0, sizeof(*mp));
	mp->max_routes4 = app->cfg.max_routes4;
	mp->max_routes6 = app->cfg.max_routes6;
	mp->mbuf_data_room = app->mbuf_size ? app->mbuf_size : RTE_MBUF_DEFAULT_BUF_SIZE;
	mp->page_size = 2u << 20;
	if (after_eal) {
		mp->n_mbufs = dps_port_pool_plan(app, plan);
		for (uint16_t i = 0; i < app->n_ports; i++)
			mp->n_descs += (uint64_t)app->ports[i].n_rxq * app->nb_rxd +
				       (uint64_t)app->ports[i].n_txq * app->nb_txd;
		if (!rte_eal_has_hugepages())
			mp->page_size = 4096;
	} else {
		uint64_t need = DPS_PORT_MEMPOOL_CACHE + DPS_BURST +
				(uint64_t)app->cfg.n_nics * (app->nb_rxd + app->nb_txd);

		mp->n_mbufs = dps_mem_pool_mbufs(need, 1, app->cfg.n_nics);
		mp->n_descs = (uint64_t)app->cfg.n_nics * (app->nb_rxd + app->nb_txd);
	}
}

/* --check: the file is good; say what it holds and what it will need. */
static void
print_check(const struct dps_app *app)
{
	struct dps_mem_params mp;
	struct dps_mem_estimate me;
	char buf[512];

	mem_params(app, false, &mp);
	dps_mem_estimate(&mp, &me);
	printf("%s: ok: %u nics, %u routes, %u neighbours, forwarding %s\n", app->cfg_path,
	       app->cfg.n_nics, app->cfg.n_routes, app->cfg.n_neighs,
	       app->cfg.forwarding ? "on" : "off");
	printf("%s: memory %s (one lcore, one queue per port, 2 MB pages; 4 KB pages under "
	       "--no-huge make each mbuf take a page); port names are checked at start-up\n",
	       app->cfg_path, dps_mem_format(&mp, &me, buf, sizeof(buf)));
	fflush(stdout);
}

/* After the ports are known: log the estimate, refuse to go on if EAL cannot give it. */
static int
check_memory(const struct dps_app *app, char *err, size_t errlen)
{
	struct dps_mem_params mp;
	struct dps_mem_estimate me;
	uint64_t avail = dps_mem_available();
	char buf[512];

	mem_params(app, true, &mp);
	dps_mem_estimate(&mp, &me);
	DPS_LOG(INFO, "memory: %s; EAL can give %.0f MB", dps_mem_format(&mp, &me, buf, sizeof(buf)),
		(double)avail / (1024.0 * 1024.0));
	return dps_mem_check(&mp, &me, avail, err, errlen);
}

/* argv split at the first `--`: EAL's arguments before it, dpstack's after it. */
struct split_args {
	int eal_argc, app_argc;
	char **eal_argv, **app_argv;
};

static void
split_args(int argc, char **argv, struct split_args *sa)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			break;
	sa->eal_argv = argv;
	sa->eal_argc = i;
	/* dpstack's getopt wants a program name first: reuse the `--` slot (or argv[0]). */
	if (i < argc) {
		argv[i] = argv[0];
		sa->app_argv = argv + i;
		sa->app_argc = argc - i;
	} else {
		/* No `--`: everything is ours (`dpstack --version`, `dpstack -f F --check`). */
		sa->eal_argc = 1;
		sa->app_argv = argv;
		sa->app_argc = argc;
	}
}

int
main(int argc, char **argv)
{
	struct ctrl_state st;
	struct split_args sa;
	struct dps_app *app;
	bool workers_launched = false;
	bool pdump = false;
	char err[1024];
	int ret, exit_code = EXIT_FAILURE;

	/* --help anywhere: ours first, then EAL's (EAL prints its usage and exits). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			char *eal_argv[] = {argv[0], (char *)(uintptr_t) "--help", NULL};

			usage(argv[0]);
			rte_eal_init(2, eal_argv);
			return EXIT_SUCCESS;
		}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			print_version();
			return EXIT_SUCCESS;
		}

	app = calloc(1, sizeof(*app));
	if (app == NULL) {
		fprintf(stderr, "dpstack: out of memory\n");
		return EXIT_FAILURE;
	}
	app->ctl_path = DPS_DEFAULT_CTL_PATH;
	app->ctl_fd = -1;
	app->nb_rxd = DPS_PORT_DEFAULT_RXD;
	app->nb_txd = DPS_PORT_DEFAULT_TXD;

	/* Everything that can be checked without EAL is checked before it. */
	split_args(argc, argv, &sa);
	if (check_eal_args(sa.eal_argc, sa.eal_argv) != 0 ||
	    parse_args(app, sa.app_argc, sa.app_argv) != 0)
		goto out_app;
	ret = dps_config_load(app->cfg_path, &app->cfg, err, sizeof(err));
	if (ret != 0) {
		print_err(app, err);
		goto out_cfg_noeal;
	}
	if (app->check_only) {
		print_check(app);
		exit_code = EXIT_SUCCESS;
		goto out_cfg_noeal;
	}

	sigemptyset(&st.sigs);
	sigaddset(&st.sigs, SIGINT);
	sigaddset(&st.sigs, SIGTERM);
	sigaddset(&st.sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &st.sigs, NULL);
	/* A control client that hangs up must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	ret = rte_eal_init(sa.eal_argc, sa.eal_argv);
	if (ret < 0) {
		fprintf(stderr, "dpstack: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		goto out_cfg_noeal;
	}
	dps_logtype_app = rte_log_register_type_and_pick_level("dpstack.app", RTE_LOG_INFO);
	app->logtype_nic = rte_log_register_type_and_pick_level("dpstack.nic", RTE_LOG_INFO);
	app->main_lcore = rte_get_main_lcore();

	/* Nothing touches a port before the whole file is known to be good. */
	ret = dps_config_resolve_ports(&app->cfg, err, sizeof(err));
	if (ret == 0)
		ret = dps_port_init(app, err, sizeof(err));
	if (ret == 0)
		ret = dps_port_assign(app, err, sizeof(err));
	if (ret == 0)
		ret = check_memory(app, err, sizeof(err));
	if (ret != 0) {
		print_err(app, err);
		goto out_cfg;
	}
	/* After the file's and the ports' own errors, before anything is created or started. */
	if (ctl_socket_live(app->ctl_path)) {
		fprintf(stderr,
			"dpstack: control socket %s: in use by a running dpstack (stop it, or give "
			"this one its own with -s PATH)\n",
			app->ctl_path);
		goto out_cfg;
	}

	ret = dps_port_pools_create(app, err, sizeof(err));
	if (ret == 0)
		ret = dps_port_configure_all(app, err, sizeof(err));
	if (ret == 0)
		ret = create_stack(app, err, sizeof(err));
	if (ret != 0) {
		print_err(app, err);
		goto out_stack;
	}

	/* Without the multi-process socket (--in-memory, --no-shconf) dumpcap cannot attach. */
	pdump = rte_pdump_init() == 0;
	if (!pdump)
		DPS_LOG(NOTICE, "packet capture unavailable: %s", rte_strerror(rte_errno));
	else if (app->n_ports > 0 &&
		 dps_port_pcapng_clock_init(dps_port_pool(app, (int)rte_socket_id()),
					    app->ports[0].port_id) != 0)
		DPS_LOG(WARNING, "pcapng clock not set: captures may read back with wrong times");
	if (dps_telemetry_register(app) != 0)
		DPS_LOG(WARNING, "telemetry commands not registered");
	app->tel_registered = true;

	ret = dps_port_start_all(app, err, sizeof(err));
	if (ret != 0) {
		print_err(app, err);
		goto out_ports;
	}
	if (!app->single_lcore) {
		for (unsigned int i = 0; i < app->n_workers; i++) {
			ret = rte_eal_remote_launch(worker_main, &app->workers[i],
						    app->workers[i].lcore_id);
			if (ret != 0) {
				fprintf(stderr, "dpstack: cannot launch lcore %u: %s\n",
					app->workers[i].lcore_id, rte_strerror(-ret));
				__atomic_store_n(&app->quit, 1, __ATOMIC_RELAXED);
				rte_eal_mp_wait_lcore();
				goto out_ports;
			}
		}
		workers_launched = true;
	}

	/*
	 * The startup file runs to its end before the socket serves anyone: both are writers,
	 * and a client must see the state the file sets up, not half of it.
	 */
	if (app->startup_path != NULL) {
		ret = dps_ctl_run_file(app, app->startup_path, err, sizeof(err));
		if (ret != 0) {
			fprintf(stderr, "%s\n", err);
			goto out_stop;
		}
	}
	ret = make_socket_dir(app->ctl_path);
	if (ret == 0)
		ret = dps_ctl_start(app);
	if (ret != 0) {
		fprintf(stderr, "dpstack: control socket %s: %s\n", app->ctl_path, strerror(-ret));
		goto out_stop;
	}

	st.tsc_hz = rte_get_tsc_hz();
	st.last_link_tsc = st.last_stats_tsc = rte_get_tsc_cycles();
	st.prev = calloc(dps_app_n_nics(app), sizeof(*st.prev));
	st.warned = calloc(dps_app_n_nics(app), sizeof(*st.warned));
	if (st.prev == NULL || st.warned == NULL) {
		fprintf(stderr, "dpstack: out of memory\n");
		goto out_stop;
	}
	for (uint16_t i = 0; i < dps_app_n_nics(app); i++) {
		dps_stack_counters(app->stack, i, st.prev[i]);
		for (unsigned int k = 0; k < DPS_WARN_N; k++)
			st.warned[i][k] = (struct warn_state){
				.seen = st.prev[i][warn_counters[k]],
				.last_tsc = st.last_link_tsc - st.tsc_hz * DPS_WARN_PERIOD_S};
	}

	printf("dpstack: ready\n");
	fflush(stdout);
	dps_ping_serve(app, true);
	if (app->single_lcore)
		run_single_lcore(app, &st);
	else
		run_control(app, &st);
	dps_ping_serve(app, false);
	free(st.prev);
	free(st.warned);
	exit_code = EXIT_SUCCESS;

out_stop:
	__atomic_store_n(&app->quit, 1, __ATOMIC_RELAXED);
	dps_ctl_stop(app);
	if (workers_launched)
		rte_eal_mp_wait_lcore();
	/*
	 * Final drain: what the neighbour queue resolved, what the control context buffered.
	 * Offline, as in control_duties(): a writer that is also an online reader would wait
	 * for itself if a deferred free forced a grace period.
	 */
	dps_neigh_poll(app->stack, app->ctrl_ctx);
	dps_ctx_flush(app->ctrl_ctx);
	print_final_counters(app);
out_ports:
	free_contexts(app);
	dps_port_stop_all(app);
out_stack:
	free_contexts(app);
	/* Closing the ports returns the mbufs their rx rings held; then nothing may remain. */
	dps_port_close_all(app);
	free_stack(app);
	if (pdump)
		rte_pdump_uninit();
	dps_port_pools_free(app);
out_cfg:
	dps_config_free(&app->cfg);
	free(app);
	dps_port_park_intr_thread();
	rte_eal_cleanup();
	return exit_code;
out_cfg_noeal:
	dps_config_free(&app->cfg);
out_app:
	free(app);
	return exit_code;
}
