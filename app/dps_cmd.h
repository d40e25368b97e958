/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * The control language's internals, shared by the command table (dps_ctl.c), the control
 * socket server (dps_ctlsock.c) and the telemetry commands (dps_telemetry.c): the growable
 * reply buffer and the one formatter per type that every output uses.
 */
#ifndef DPS_CMD_H
#define DPS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dps_app.h"
#include "dps_neigh.h"
#include "dps_route.h"

/*
 * A reply. A buffer handed in by the caller (fixed) cannot grow: what does not fit sets
 * overflow. Otherwise it doubles up to DPS_OUT_MAX (the socket server's replies).
 */
struct dps_out {
	char *buf;
	size_t cap;
	size_t len;
	bool fixed;
	bool overflow;
};

#define DPS_OUT_MAX ((size_t)1 << 30)

void dps_out_printf(struct dps_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** A JSON string literal (NIC names come from files and are escaped). */
void dps_out_jstr(struct dps_out *o, const char *s);
void dps_out_reset(struct dps_out *o);

struct ctl;

/** One command of the control language: the table in dps_ctl.c drives everything. */
struct dps_ctl_cmd {
	const char *name;   /**< one or more words: "show routes" */
	const char *args;   /**< argument synopsis: [optional], a|b literals, NIC, "..." */
	const char *help;   /**< one line */
	int (*fn)(struct ctl *c, int argc, char **argv); /**< argv: the words after the name */
	const char *schema; /**< its reply's definition in docs/dpstack-ctl.schema.json */
	bool changes;       /**< changes state: audited */
	int variant;        /**< for a handler serving several commands (add 1 / del 0...) */
};

/** The command table (docs/operations.md is tested against it). */
const struct dps_ctl_cmd *dps_ctl_commands(unsigned int *n);

/**
 * Execute one command line into o. client names who asked (for the audit log), json picks
 * the reply format. Returns 0 or a negative errno; on error o holds the one-line message
 * (the socket server and dps_ctl_exec() wrap it as JSON when asked).
 */
int dps_ctl_run(struct dps_app *app, const char *line, bool json, const char *client,
		struct dps_out *o);
/**
 * One line of a `route batch` (dps_ctlsock.c): a route add, replace or del command, checked
 * as the command would be and staged in b. 0, or a negative errno with o holding the message.
 */
int dps_ctl_batch_line(struct dps_app *app, struct dps_route_batch *b, const char *line,
		       struct dps_out *o);
/**
 * Commit a route batch (and free it): 0, or a negative errno with o holding "N: message" (N
 * the failing line of the batch, from 1). Audited as one line.
 */
int dps_ctl_batch_commit(struct dps_app *app, struct dps_route_batch *b, const char *client,
			 struct dps_out *o);
/** The JSON error object for message msg and error rc, as every --json error reply is. */
void dps_ctl_json_error(struct dps_out *o, int rc, const char *msg);

/** `ping`'s arguments, checked by the command (dps_ctl.c). */
struct dps_ping_opts {
	struct dps_addr dst;
	struct dps_addr src;     /**< len 0: the outgoing NIC's primary address */
	unsigned int count;      /**< 1..DPS_PING_MAX_COUNT */
	unsigned int size;       /**< data bytes */
	unsigned int interval_ms;
	unsigned int timeout_ms; /**< how long a reply is waited for */
};

/**
 * Run a ping (app/dps_ping.c) on the control socket thread and write its report (ping's
 * lines, or JSON) to o. Returns 0 (losses included), or a negative errno with the message in
 * o when nothing could be sent (no route, no source, too big, no control loop).
 */
int dps_ping_run(struct dps_app *app, const struct dps_ping_opts *po, bool json,
		 struct dps_out *o);

/** The lists the control language and telemetry show: lib/nic's queries, by kind. */
enum dps_list {
	DPS_LIST_ENDPOINTS, /**< of a NIC: struct dps_endpoint_info */
	DPS_LIST_RANGES,    /**< of a NIC: struct dps_prefix */
	DPS_LIST_ROUTES,    /**< of the stack: struct dps_route_info */
	DPS_LIST_NEIGH,     /**< of the stack: struct dps_neigh_info */
};

/** Up to max entries into v (obj: the NIC or the stack); returns the total or -errno. */
int dps_list_query(void *obj, enum dps_list k, void *v, int max);
/**
 * The whole list into *(T **)out, malloc'ed and grown until it fits (free() it); returns
 * the number of entries or a negative errno.
 */
int dps_list_fetch(void *obj, enum dps_list k, void *out);

/* ---- formatters: one per type, used by dpstack-ctl, telemetry and show running-config ---- */

/** "lan0", or "?" for an id without a NIC. */
const char *dps_fmt_nic(struct dps_app *app, uint16_t nic_id);
/** A route's destination: the prefix, or "default" / "default6" for /0. */
char *dps_fmt_route_dst(const struct dps_prefix *p, char *buf, size_t len);
/** A route's next hops as the config file and `ip route` write them: "via GW dev NIC". */
char *dps_fmt_route_via(struct dps_app *app, const struct dps_route_info *r, char *buf,
			size_t len);
/** One route as `show routes` and /dpstack/routes print it (ip route's shape). */
char *dps_fmt_route(struct dps_app *app, const struct dps_route_info *r, char *buf, size_t len);
const char *dps_fmt_neigh_state(enum dps_neigh_state s);
/** One neighbour as `show neigh` and /dpstack/neigh print it (ip neigh's shape). */
char *dps_fmt_neigh(struct dps_app *app, const struct dps_neigh_info *n, char *buf, size_t len);
/** Whether a neighbour's MAC is known (unresolved ones print "-" / JSON null). */
bool dps_neigh_has_mac(const struct dps_neigh_info *n);
const char *dps_fmt_ep_kind(enum dps_ep_kind k);
const char *dps_fmt_peb(enum dps_peb p);

/**
 * Counters since the last `clear stats`, for one NIC (nic_id >= 0) or summed (-1); out has
 * DPS_CNT_MAX entries. Every reader (ctl, telemetry, --stats) uses this one.
 */
void dps_app_counters(struct dps_app *app, int nic_id, uint64_t *out);

#endif
