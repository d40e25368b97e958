/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control language (dpstack-ctl commands, startup scripts) and the control socket server.
 *
 * Every command is checked completely before anything is changed, so an error leaves the stack
 * as it was; a command made of several library calls (an address and its connected route)
 * undoes the first when the second fails. The writer lock is taken by each library call: the
 * queries and changes in lib/nic lock themselves and the lock is not recursive.
 *
 * The socket thread is a control thread (rte_ctrl_thread_create), not an RCU reader: it may
 * block in poll() and in writers' grace periods freely.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_ether.h>
#include <rte_lcore.h>

#include "dps_app.h"
#include "dps_config.h"
#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_route.h"

#define CTL_MAX_ARGS 16
#define CTL_LINE_MAX 4096
#define CTL_MAX_CLIENTS 16
#define CTL_POLL_MS 200
/* Replies start this big and double while a show command does not fit. */
#define CTL_REPLY_MIN (64 * 1024)
#define CTL_REPLY_MAX ((size_t)1 << 30)

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD

/* ---- reply buffer ---- */

struct ctl_out {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3)))
out_printf(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->overflow = true;
		o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

/* A JSON string literal. Names and addresses need no escaping, but NIC names come from files. */
static void
out_jstr(struct ctl_out *o, const char *s)
{
	out_printf(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out_printf(o, "\\%c", c);
		else if (c < 0x20)
			out_printf(o, "\\u%04x", c);
		else
			out_printf(o, "%c", c);
	}
	out_printf(o, "\"");
}

/* Replace whatever was written by a one-line error message and return rc. */
static int __attribute__((format(printf, 3, 4)))
ctl_err(struct ctl_out *o, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->buf, o->cap, fmt, ap);
	va_end(ap);
	o->len = strlen(o->buf);
	o->overflow = false;
	return rc;
}

/* ---- argument parsing ---- */

static struct dps_nic *
ctl_nic(struct dps_app *app, const char *name)
{
	return dps_stack_nic_by_name(app->stack, name);
}

#define NIC_OR_ERR(var, app, o, name)                                                              \
	do {                                                                                       \
		(var) = ctl_nic((app), (name));                                                    \
		if ((var) == NULL)                                                                 \
			return ctl_err((o), -ENODEV, "unknown NIC '%s'", (name));                  \
	} while (0)

static void
cfg_to_addr(const struct dps_cfg_addr *c, struct dps_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->len = c->family == AF_INET ? 4 : 16;
	memcpy(a->b, c->bytes, a->len);
}

static uint16_t
addr_proto(const struct dps_addr *a)
{
	return a->len == 4 ? ETH_P_IPV4 : ETH_P_IPV6;
}

static int
parse_addr(struct ctl_out *o, const char *s, struct dps_addr *a)
{
	struct dps_cfg_addr c;

	if (dps_parse_addr(s, &c) != 0)
		return ctl_err(o, -EINVAL, "malformed address '%s'", s);
	cfg_to_addr(&c, a);
	return 0;
}

/* ADDR/PLEN; subnet: host bits must be clear (routes, ranges). */
static int
parse_prefix(struct ctl_out *o, const char *s, bool subnet, struct dps_prefix *p)
{
	struct dps_cfg_prefix c;
	int rc;

	rc = dps_parse_prefix(s, &c, !subnet);
	if (rc == -EDOM)
		return ctl_err(o, -EINVAL, "malformed prefix '%s' (host bits set)", s);
	if (rc != 0)
		return ctl_err(o, -EINVAL, "malformed prefix '%s'", s);
	memset(p, 0, sizeof(*p));
	cfg_to_addr(&c.addr, &p->addr);
	p->plen = c.plen;
	return 0;
}

static bool
addr_is_multicast(const struct dps_addr *a)
{
	return a->len == 4 ? (a->b[0] & 0xf0) == 0xe0 : a->b[0] == 0xff;
}

static bool
addr_is_zero(const struct dps_addr *a)
{
	for (unsigned int i = 0; i < a->len; i++)
		if (a->b[i] != 0)
			return false;
	return true;
}

/*
 * Unspecified, multicast and the limited broadcast never identify one station (RFC 1122
 * 3.2.1.3, RFC 4291 2.7): they can be neither an interface address, a gateway nor a neighbour.
 */
static const char *
unicast_problem(const struct dps_addr *a)
{
	if (addr_is_zero(a))
		return "unspecified";
	if (addr_is_multicast(a))
		return "multicast";
	if (a->len == 4 && a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 && a->b[3] == 255)
		return "broadcast";
	return NULL;
}

static int
parse_onoff(struct ctl_out *o, const char *s, bool *v)
{
	if (dps_parse_onoff(s, v) != 0)
		return ctl_err(o, -EINVAL, "expected on or off, got '%s'", s);
	return 0;
}

/* ---- list snapshots: the queries return the total, so grow until it fits ---- */

#define FETCH_FN(fname, type, call)                                                                \
	static int fname(void *obj, type **out)                                                    \
	{                                                                                          \
		int max = 64, n;                                                                   \
		type *v = NULL;                                                                    \
                                                                                                   \
		for (;;) {                                                                         \
			type *nv = realloc(v, (size_t)max * sizeof(*v));                           \
                                                                                                   \
			if (nv == NULL) {                                                          \
				free(v);                                                           \
				return -ENOMEM;                                                    \
			}                                                                          \
			v = nv;                                                                    \
			n = call(obj, v, max);                                                     \
			if (n < 0) {                                                               \
				free(v);                                                           \
				return n;                                                          \
			}                                                                          \
			if (n <= max)                                                              \
				break;                                                             \
			max = n + n / 4;                                                           \
		}                                                                                  \
		*out = v;                                                                          \
		return n;                                                                          \
	}

static int
q_endpoints(void *nic, struct dps_endpoint_info *v, int max)
{
	return dps_nic_endpoints(nic, v, max);
}

static int
q_ranges(void *nic, struct dps_prefix *v, int max)
{
	return dps_nic_ranges(nic, v, max);
}

static int
q_routes(void *s, struct dps_route_info *v, int max)
{
	return dps_route_list(s, v, max);
}

static int
q_neigh(void *s, struct dps_neigh_info *v, int max)
{
	return dps_neigh_list(s, v, max);
}

FETCH_FN(fetch_endpoints, struct dps_endpoint_info, q_endpoints)
FETCH_FN(fetch_ranges, struct dps_prefix, q_ranges)
FETCH_FN(fetch_routes, struct dps_route_info, q_routes)
FETCH_FN(fetch_neigh, struct dps_neigh_info, q_neigh)

/*
 * Remove permanent address a from nic; *plen receives its prefix length (for the connected
 * route). The endpoint is read from the map under the writer lock: frees run only under that
 * lock, so the pointer stays valid without being an RCU reader, and the removal costs one hash
 * lookup however many addresses the NIC has.
 */
static int
remove_permanent(struct dps_nic *nic, const struct dps_addr *a, uint8_t *plen)
{
	struct dps_stack *s = dps_nic_stack(nic);
	struct dps_endpoint *ep;
	int rc = -EADDRNOTAVAIL;

	dps_stack_lock(s);
	ep = dps_nic_endpoint_rcu(nic, a);
	if (ep != NULL && dps_endpoint_kind(ep) == DPS_EP_PERMANENT) {
		*plen = dps_endpoint_prefix_len(ep);
		rc = dps_nic_remove_address_locked(nic, a);
	}
	dps_stack_unlock(s);
	return rc;
}

static const char *
kind_name(enum dps_ep_kind k)
{
	switch (k) {
	case DPS_EP_PERMANENT:
		return "permanent";
	case DPS_EP_PERMANENT_EXPIRED:
		return "expired";
	case DPS_EP_TEMPORARY:
		return "temporary";
	}
	return "?";
}

static const char *
peb_name(enum dps_peb p)
{
	switch (p) {
	case DPS_PEB_CAN_BE_PRIMARY:
		return "can-be-primary";
	case DPS_PEB_FIRST_PRIMARY:
		return "first-primary";
	case DPS_PEB_NEVER_PRIMARY:
		return "never-primary";
	}
	return "?";
}

static const char *
neigh_state_name(enum dps_neigh_state s)
{
	switch (s) {
	case DPS_NEIGH_INCOMPLETE:
		return "incomplete";
	case DPS_NEIGH_REACHABLE:
		return "reachable";
	case DPS_NEIGH_STATIC:
		return "static";
	case DPS_NEIGH_FAILED:
		return "failed";
	}
	return "?";
}

static const char *
nic_name_by_id(struct dps_app *app, uint16_t id)
{
	struct dps_nic *nic = dps_stack_nic(app->stack, id);

	return nic != NULL ? dps_nic_name(nic) : "?";
}

/* NICs to show: one by name, or all in id order. Returns the count. */
static int
select_nics(struct dps_app *app, struct ctl_out *o, const char *name,
	    struct dps_nic *nics[DPS_MAX_NICS])
{
	int n = 0;

	if (name != NULL) {
		NIC_OR_ERR(nics[0], app, o, name);
		return 1;
	}
	for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
		struct dps_nic *nic = dps_stack_nic(app->stack, id);

		if (nic != NULL)
			nics[n++] = nic;
	}
	return n;
}

/* ---- show ---- */

static void
nic_flags(struct dps_nic *nic, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", dps_nic_promiscuous(nic) ? "promiscuous," : "",
		 dps_nic_spoofing(nic) ? "spoofing," : "",
		 dps_nic_forwarding(nic) ? "forwarding," : "");
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
	else
		buf[strlen(buf) - 1] = '\0';
}

static int
show_nics(struct dps_app *app, bool json, struct ctl_out *o)
{
	struct dps_nic *nics[DPS_MAX_NICS];
	int n = select_nics(app, o, NULL, nics);
	bool fwd = dps_stack_forwarding(app->stack);
	char mac[32], flags[64];

	if (json) {
		out_printf(o, "{\"forwarding\": %s, \"nics\": [", fwd ? "true" : "false");
		for (int i = 0; i < n; i++) {
			struct dps_nic *nic = nics[i];

			out_printf(o, "%s{\"id\": %u, \"name\": ", i ? ", " : "", dps_nic_id(nic));
			out_jstr(o, dps_nic_name(nic));
			out_printf(o,
				   ", \"port\": %u, \"mac\": \"%s\", \"mtu\": %u, \"promiscuous\": "
				   "%s, \"spoofing\": %s, \"forwarding\": %s}",
				   dps_nic_port_id(nic),
				   dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac)),
				   dps_nic_mtu(nic), dps_nic_promiscuous(nic) ? "true" : "false",
				   dps_nic_spoofing(nic) ? "true" : "false",
				   dps_nic_forwarding(nic) ? "true" : "false");
		}
		out_printf(o, "]}\n");
		return 0;
	}
	out_printf(o, "%-3s %-15s %-5s %-18s %-5s %s\n", "ID", "NAME", "PORT", "MAC", "MTU",
		   "FLAGS");
	for (int i = 0; i < n; i++) {
		struct dps_nic *nic = nics[i];

		nic_flags(nic, flags, sizeof(flags));
		out_printf(o, "%-3u %-15s %-5u %-18s %-5u %s\n", dps_nic_id(nic), dps_nic_name(nic),
			   dps_nic_port_id(nic),
			   dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac)),
			   dps_nic_mtu(nic), flags);
	}
	out_printf(o, "stack forwarding %s\n", fwd ? "on" : "off");
	return 0;
}

/*
 * Start one row of a per-NIC list: `{"nic": NAME` of a JSON object (the caller adds the other
 * members and the `}`) or the NIC column of a table.
 */
static void
out_nic_row(struct ctl_out *o, struct dps_nic *nic, bool json, bool *first)
{
	if (json) {
		out_printf(o, "%s{\"nic\": ", *first ? "" : ", ");
		out_jstr(o, dps_nic_name(nic));
	} else {
		out_printf(o, "%-15s ", dps_nic_name(nic));
	}
	*first = false;
}

/* Write one NIC's rows of a per-NIC list with out_nic_row(); 0 or the ctl_err() code. */
typedef int (*nic_rows_fn)(struct ctl_out *o, struct dps_nic *nic, bool json, bool *first);

/*
 * A per-NIC list (show addresses, show ranges) over the NIC named or all: one JSON array, or
 * the table whose header the caller wrote (an error message replaces it, see ctl_err()).
 */
static int
show_nic_rows(struct dps_app *app, const char *name, bool json, nic_rows_fn rows, struct ctl_out *o)
{
	struct dps_nic *nics[DPS_MAX_NICS];
	int n = select_nics(app, o, name, nics);
	bool first = true;

	if (n < 0)
		return n;
	if (json)
		out_printf(o, "[");
	for (int i = 0; i < n; i++) {
		int rc = rows(o, nics[i], json, &first);

		if (rc < 0)
			return rc;
	}
	if (json)
		out_printf(o, "]\n");
	return 0;
}

static int
address_rows(struct ctl_out *o, struct dps_nic *nic, bool json, bool *first)
{
	struct dps_endpoint_info *v;
	int m = fetch_endpoints(nic, &v);
	char pfx[64];

	if (m < 0)
		return ctl_err(o, m, "cannot list addresses of %s: %s", dps_nic_name(nic),
			       strerror(-m));
	for (int j = 0; j < m; j++) {
		dps_prefix_fmt(&v[j].prefix, pfx, sizeof(pfx));
		out_nic_row(o, nic, json, first);
		if (json) {
			out_printf(o,
				   ", \"address\": \"%s\", \"kind\": \"%s\", "
				   "\"behaviour\": \"%s\", \"refs\": %d, \"primary\": ",
				   pfx, kind_name(v[j].kind), peb_name(v[j].peb), v[j].refs);
			if (v[j].primary_index >= 0)
				out_printf(o, "%d}", v[j].primary_index);
			else
				out_printf(o, "null}");
		} else {
			char prim[16];

			if (v[j].primary_index >= 0)
				snprintf(prim, sizeof(prim), "%d", v[j].primary_index);
			else
				snprintf(prim, sizeof(prim), "-");
			out_printf(o, "%-43s %-10s %-15s %-5d %s\n", pfx, kind_name(v[j].kind),
				   peb_name(v[j].peb), v[j].refs, prim);
		}
	}
	free(v);
	return 0;
}

static int
show_addresses(struct dps_app *app, const char *name, bool json, struct ctl_out *o)
{
	if (!json)
		out_printf(o, "%-15s %-43s %-10s %-15s %-5s %s\n", "NIC", "ADDRESS", "KIND",
			   "BEHAVIOUR", "REFS", "PRIMARY");
	return show_nic_rows(app, name, json, address_rows, o);
}

static int
range_rows(struct ctl_out *o, struct dps_nic *nic, bool json, bool *first)
{
	struct dps_prefix *v;
	int m = fetch_ranges(nic, &v);
	char pfx[64];

	if (m < 0)
		return ctl_err(o, m, "cannot list ranges of %s: %s", dps_nic_name(nic),
			       strerror(-m));
	for (int j = 0; j < m; j++) {
		dps_prefix_fmt(&v[j], pfx, sizeof(pfx));
		out_nic_row(o, nic, json, first);
		if (json)
			out_printf(o, ", \"range\": \"%s\"}", pfx);
		else
			out_printf(o, "%s\n", pfx);
	}
	free(v);
	return 0;
}

static int
show_ranges(struct dps_app *app, const char *name, bool json, struct ctl_out *o)
{
	if (!json)
		out_printf(o, "%-15s %s\n", "NIC", "RANGE");
	return show_nic_rows(app, name, json, range_rows, o);
}

static int
show_routes(struct dps_app *app, bool json, struct ctl_out *o)
{
	struct dps_route_info *v;
	int n = fetch_routes(app->stack, &v);
	char pfx[64], gw[INET6_ADDRSTRLEN];

	if (n < 0)
		return ctl_err(o, n, "cannot list routes: %s", strerror(-n));
	if (json)
		out_printf(o, "[");
	else
		out_printf(o, "%-43s %-39s %-15s %s\n", "PREFIX", "VIA", "DEV", "TYPE");
	for (int i = 0; i < n && !o->overflow; i++) {
		dps_prefix_fmt(&v[i].prefix, pfx, sizeof(pfx));
		if (json) {
			out_printf(o, "%s{\"prefix\": \"%s\", \"connected\": %s, \"paths\": [",
				   i ? ", " : "", pfx, v[i].connected ? "true" : "false");
			for (unsigned int j = 0; j < v[i].n_paths; j++) {
				const struct dps_nexthop *nh = &v[i].paths[j];

				out_printf(o, "%s{\"dev\": ", j ? ", " : "");
				out_jstr(o, nic_name_by_id(app, nh->nic_id));
				if (nh->has_gw)
					out_printf(o, ", \"via\": \"%s\"}",
						   dps_addr_fmt(&nh->gw, gw, sizeof(gw)));
				else
					out_printf(o, ", \"via\": null}");
			}
			out_printf(o, "]}");
			continue;
		}
		for (unsigned int j = 0; j < v[i].n_paths; j++) {
			const struct dps_nexthop *nh = &v[i].paths[j];

			out_printf(o, "%-43s %-39s %-15s %s\n", pfx,
				   nh->has_gw ? dps_addr_fmt(&nh->gw, gw, sizeof(gw)) : "-",
				   nic_name_by_id(app, nh->nic_id),
				   v[i].connected ? "connected" : "static");
		}
	}
	if (json)
		out_printf(o, "]\n");
	free(v);
	return 0;
}

static int
show_neigh(struct dps_app *app, bool json, struct ctl_out *o)
{
	struct dps_neigh_info *v;
	int n = fetch_neigh(app->stack, &v);
	char a[INET6_ADDRSTRLEN], mac[32];

	if (n < 0)
		return ctl_err(o, n, "cannot list neighbours: %s", strerror(-n));
	if (json)
		out_printf(o, "[");
	else
		out_printf(o, "%-39s %-18s %-15s %-10s %s\n", "ADDRESS", "MAC", "DEV", "STATE",
			   "QUEUED");
	for (int i = 0; i < n; i++) {
		dps_addr_fmt(&v[i].addr, a, sizeof(a));
		dps_mac_fmt(v[i].mac.addr_bytes, mac, sizeof(mac));
		if (json) {
			out_printf(o, "%s{\"address\": \"%s\", \"mac\": \"%s\", \"dev\": ",
				   i ? ", " : "", a, mac);
			out_jstr(o, nic_name_by_id(app, v[i].nic_id));
			out_printf(o, ", \"state\": \"%s\", \"queued\": %u}",
				   neigh_state_name(v[i].state), v[i].queued);
		} else {
			out_printf(o, "%-39s %-18s %-15s %-10s %u\n", a,
				   v[i].state == DPS_NEIGH_INCOMPLETE ? "-" : mac,
				   nic_name_by_id(app, v[i].nic_id), neigh_state_name(v[i].state),
				   v[i].queued);
		}
	}
	if (json)
		out_printf(o, "]\n");
	free(v);
	return 0;
}

/* show stats [NIC] [all]: tables list non-zero counters unless "all"; JSON lists every one. */
static int
show_stats(struct dps_app *app, int argc, char **argv, bool json, struct ctl_out *o)
{
	uint64_t c[DPS_CNT_MAX];
	bool all = false;
	int nic_id = -1;
	bool first = true;

	if (argc > 0 && strcmp(argv[argc - 1], "all") == 0) {
		all = true;
		argc--;
	}
	if (argc > 1)
		return ctl_err(o, -EINVAL, "usage: show stats [NIC] [all]");
	if (argc == 1) {
		struct dps_nic *nic;

		NIC_OR_ERR(nic, app, o, argv[0]);
		nic_id = dps_nic_id(nic);
	}
	dps_stack_counters(app->stack, nic_id, c);
	if (json)
		out_printf(o, "{");
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		if (json) {
			out_printf(o, "%s\"%s\": %" PRIu64, first ? "" : ", ", dps_counter_names[i],
				   c[i]);
			first = false;
		} else if (all || c[i] != 0) {
			out_printf(o, "%-40s %" PRIu64 "\n", dps_counter_names[i], c[i]);
		}
	}
	if (json)
		out_printf(o, "}\n");
	return 0;
}

static int
cmd_show(struct dps_app *app, int argc, char **argv, bool json, struct ctl_out *o)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "nics") == 0 && argc == 2)
		return show_nics(app, json, o);
	if (strcmp(what, "addresses") == 0 && argc <= 3)
		return show_addresses(app, argc == 3 ? argv[2] : NULL, json, o);
	if (strcmp(what, "ranges") == 0 && argc <= 3)
		return show_ranges(app, argc == 3 ? argv[2] : NULL, json, o);
	if (strcmp(what, "routes") == 0 && argc == 2)
		return show_routes(app, json, o);
	if (strcmp(what, "neigh") == 0 && argc == 2)
		return show_neigh(app, json, o);
	if (strcmp(what, "stats") == 0)
		return show_stats(app, argc - 2, argv + 2, json, o);
	return ctl_err(
		o, -EINVAL,
		"usage: show nics|addresses [NIC]|ranges [NIC]|routes|neigh|stats [NIC] [all]");
}

/* ---- changes ---- */

/*
 * Connected routes for interface subnets, as for the config file's addresses (dps_apply.c):
 * the route is counted per address by lib/nic, so it goes with the last address of its subnet
 * on that NIC. A host address (/32, /128) has no subnet to reach and adds no route.
 */
static int
connected_add(struct dps_app *app, struct dps_nic *nic, const struct dps_prefix *ifaddr)
{
	if (ifaddr->plen >= ifaddr->addr.len * 8)
		return 0;
	return dps_route_add_connected(app->stack, dps_nic_id(nic), ifaddr);
}

static void
connected_del(struct dps_app *app, struct dps_nic *nic, const struct dps_prefix *ifaddr)
{
	if (ifaddr->plen >= ifaddr->addr.len * 8)
		return;
	/* -ENOENT: an operator deleted the route already; nothing left to drop. */
	dps_route_del_connected(app->stack, dps_nic_id(nic), ifaddr);
}

static int
cmd_addr(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	struct dps_prefix p;
	struct dps_nic *nic;
	char buf[64];
	const char *why;
	int rc;

	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "add") == 0) {
		enum dps_peb peb = DPS_PEB_CAN_BE_PRIMARY;

		NIC_OR_ERR(nic, app, o, argv[2]);
		rc = parse_prefix(o, argv[3], false, &p);
		if (rc != 0)
			return rc;
		if (argc == 5) {
			if (strcmp(argv[4], "first") == 0)
				peb = DPS_PEB_FIRST_PRIMARY;
			else if (strcmp(argv[4], "never") == 0)
				peb = DPS_PEB_NEVER_PRIMARY;
			else
				return ctl_err(o, -EINVAL, "expected first or never, got '%s'",
					       argv[4]);
		}
		dps_addr_fmt(&p.addr, buf, sizeof(buf));
		why = unicast_problem(&p.addr);
		if (why != NULL)
			return ctl_err(o, -EINVAL, "address %s is %s", buf, why);
		rc = dps_nic_add_address(nic, addr_proto(&p.addr), &p, peb);
		if (rc == -EEXIST)
			return ctl_err(o, rc, "address %s already on %s", buf, dps_nic_name(nic));
		if (rc == -EPROTONOSUPPORT)
			return ctl_err(o, rc, "%s not enabled", p.addr.len == 4 ? "IPv4" : "IPv6");
		if (rc != 0)
			return ctl_err(o, rc, "cannot add %s to %s: %s", buf, dps_nic_name(nic),
				       strerror(-rc));
		rc = connected_add(app, nic, &p);
		if (rc != 0) {
			dps_nic_remove_address(nic, &p.addr);
			return ctl_err(o, rc, "cannot add the subnet route of %s: %s", argv[3],
				       strerror(-rc));
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "del") == 0) {
		NIC_OR_ERR(nic, app, o, argv[2]);
		rc = parse_addr(o, argv[3], &p.addr);
		if (rc != 0)
			return rc;
		dps_addr_fmt(&p.addr, buf, sizeof(buf));
		rc = remove_permanent(nic, &p.addr, &p.plen);
		if (rc == -EADDRNOTAVAIL)
			return ctl_err(o, rc, "address %s not on %s", buf, dps_nic_name(nic));
		/* Any other error came after the address was gone (leaving its group). */
		connected_del(app, nic, &p);
		if (rc != 0)
			return ctl_err(o, rc, "removed %s from %s, but: %s", buf, dps_nic_name(nic),
				       strerror(-rc));
		return 0;
	}
	return ctl_err(o, -EINVAL,
		       "usage: addr add NIC ADDR/PLEN [first|never] | addr del NIC ADDR");
}

static int
cmd_range(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	struct dps_prefix p, *v;
	struct dps_nic *nic;
	bool found = false;
	char buf[64];
	int rc, n;

	if (argc != 4 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0))
		return ctl_err(o, -EINVAL, "usage: range add|del NIC PREFIX");
	NIC_OR_ERR(nic, app, o, argv[2]);
	rc = parse_prefix(o, argv[3], true, &p);
	if (rc != 0)
		return rc;
	dps_prefix_fmt(&p, buf, sizeof(buf));
	if (argv[1][0] == 'a') {
		rc = dps_nic_add_range(nic, addr_proto(&p.addr), &p);
		if (rc != 0)
			return ctl_err(o, rc, "cannot add range %s to %s: %s", buf,
				       dps_nic_name(nic), strerror(-rc));
		return 0;
	}
	/* The seed removes silently; an operator is told when the range was not there. */
	n = fetch_ranges(nic, &v);
	if (n < 0)
		return ctl_err(o, n, "cannot list ranges: %s", strerror(-n));
	for (int i = 0; i < n; i++)
		if (v[i].plen == p.plen && v[i].addr.len == p.addr.len &&
		    memcmp(v[i].addr.b, p.addr.b, p.addr.len) == 0)
			found = true;
	free(v);
	if (!found)
		return ctl_err(o, -ENOENT, "no range %s on %s", buf, dps_nic_name(nic));
	rc = dps_nic_remove_range(nic, &p);
	if (rc != 0)
		return ctl_err(o, rc, "cannot remove range %s from %s: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	return 0;
}

/* The NIC whose permanent address subnet holds gw (the longest such subnet), or NULL. */
static struct dps_nic *
nic_for_gateway(struct dps_app *app, const struct dps_addr *gw)
{
	struct dps_nic *best = NULL;
	int best_plen = -1;

	for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
		struct dps_nic *nic = dps_stack_nic(app->stack, id);
		struct dps_endpoint_info *v;
		int n;

		if (nic == NULL)
			continue;
		n = fetch_endpoints(nic, &v);
		if (n < 0)
			continue;
		for (int i = 0; i < n; i++)
			if (v[i].kind == DPS_EP_PERMANENT && v[i].prefix.plen > best_plen &&
			    dps_prefix_contains(&v[i].prefix, gw)) {
				best = nic;
				best_plen = v[i].prefix.plen;
			}
		free(v);
	}
	return best;
}

static int
cmd_route(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	struct dps_nexthop nh = {0};
	struct dps_nic *nic = NULL;
	struct dps_prefix p;
	char buf[64], gw[INET6_ADDRSTRLEN];
	const char *why;
	int rc, i;

	if (argc == 3 && strcmp(argv[1], "del") == 0) {
		rc = parse_prefix(o, argv[2], true, &p);
		if (rc != 0)
			return rc;
		rc = dps_route_del(app->stack, &p);
		if (rc == -ENOENT)
			return ctl_err(o, rc, "no such route %s",
				       dps_prefix_fmt(&p, buf, sizeof(buf)));
		if (rc != 0)
			return ctl_err(o, rc, "cannot delete route %s: %s", argv[2], strerror(-rc));
		return 0;
	}
	if (argc < 5 || strcmp(argv[1], "add") != 0)
		goto usage;
	rc = parse_prefix(o, argv[2], true, &p);
	if (rc != 0)
		return rc;
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "via") == 0 && !nh.has_gw) {
			rc = parse_addr(o, argv[i + 1], &nh.gw);
			if (rc != 0)
				return rc;
			nh.has_gw = true;
		} else if (strcmp(argv[i], "dev") == 0 && nic == NULL) {
			NIC_OR_ERR(nic, app, o, argv[i + 1]);
		} else {
			goto usage;
		}
	}
	if (i != argc)
		goto usage;
	if (nh.has_gw) {
		dps_addr_fmt(&nh.gw, gw, sizeof(gw));
		if (nh.gw.len != p.addr.len)
			return ctl_err(o, -EINVAL, "gateway %s is not of the family of %s", gw,
				       argv[2]);
		why = unicast_problem(&nh.gw);
		if (why != NULL)
			return ctl_err(o, -EINVAL, "gateway %s is %s", gw, why);
		if (nic == NULL) {
			nic = nic_for_gateway(app, &nh.gw);
			if (nic == NULL)
				return ctl_err(o, -ENETUNREACH,
					       "gateway %s is on no NIC's subnet (add dev NIC)",
					       gw);
		}
	}
	nh.nic_id = dps_nic_id(nic);
	rc = dps_route_add(app->stack, &p, &nh, 1, false);
	if (rc != 0)
		return ctl_err(o, rc, "cannot add route %s: %s",
			       dps_prefix_fmt(&p, buf, sizeof(buf)), strerror(-rc));
	return 0;
usage:
	return ctl_err(o, -EINVAL,
		       "usage: route add PREFIX via GW [dev NIC] | route add PREFIX dev "
		       "NIC | route del PREFIX");
}

static int
cmd_neigh(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	struct rte_ether_addr mac;
	struct dps_addr a;
	struct dps_nic *nic;
	char buf[INET6_ADDRSTRLEN];
	const char *why;
	int rc;

	if (argc == 5 && strcmp(argv[1], "add") == 0) {
		rc = parse_addr(o, argv[2], &a);
		if (rc != 0)
			return rc;
		if (dps_parse_mac(argv[3], mac.addr_bytes) != 0)
			return ctl_err(o, -EINVAL, "malformed MAC '%s'", argv[3]);
		NIC_OR_ERR(nic, app, o, argv[4]);
		dps_addr_fmt(&a, buf, sizeof(buf));
		why = unicast_problem(&a);
		if (why != NULL)
			return ctl_err(o, -EINVAL, "neighbour %s is %s", buf, why);
		/* A neighbour is one station: its link address is unicast and not zero. */
		if (!rte_is_valid_assigned_ether_addr(&mac))
			return ctl_err(o, -EINVAL, "MAC %s is not a unicast address", argv[3]);
		rc = dps_neigh_add_static(app->stack, dps_nic_id(nic), &a, &mac);
		if (rc != 0)
			return ctl_err(o, rc, "cannot add neighbour %s: %s", buf, strerror(-rc));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "del") == 0) {
		rc = parse_addr(o, argv[2], &a);
		if (rc != 0)
			return rc;
		NIC_OR_ERR(nic, app, o, argv[3]);
		dps_addr_fmt(&a, buf, sizeof(buf));
		rc = dps_neigh_del(app->stack, dps_nic_id(nic), &a);
		if (rc == -ENOENT)
			return ctl_err(o, rc, "no neighbour %s on %s", buf, dps_nic_name(nic));
		if (rc != 0)
			return ctl_err(o, rc, "cannot delete neighbour %s: %s", buf, strerror(-rc));
		return 0;
	}
	return ctl_err(o, -EINVAL, "usage: neigh add ADDR MAC NIC | neigh del ADDR NIC");
}

static int
cmd_group(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	bool join = strcmp(argv[0], "join") == 0;
	struct dps_nic *nic;
	struct dps_addr g;
	char buf[INET6_ADDRSTRLEN];
	int rc;

	if (argc != 3)
		return ctl_err(o, -EINVAL, "usage: %s NIC GROUP", argv[0]);
	NIC_OR_ERR(nic, app, o, argv[1]);
	rc = parse_addr(o, argv[2], &g);
	if (rc != 0)
		return rc;
	dps_addr_fmt(&g, buf, sizeof(buf));
	if (!addr_is_multicast(&g))
		return ctl_err(o, -EINVAL, "%s is not a multicast group", buf);
	if (join) {
		rc = dps_nic_join_group(nic, addr_proto(&g), &g);
		if (rc != 0)
			return ctl_err(o, rc, "cannot join %s on %s: %s", buf, dps_nic_name(nic),
				       strerror(-rc));
		return 0;
	}
	rc = dps_nic_leave_group(nic, &g);
	if (rc == -EADDRNOTAVAIL)
		return ctl_err(o, rc, "group %s not joined on %s", buf, dps_nic_name(nic));
	if (rc != 0)
		return ctl_err(o, rc, "cannot leave %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	return 0;
}

static int
cmd_set(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	struct dps_nic *nic;
	bool on;
	int rc;

	if (argc != 4)
		return ctl_err(o, -EINVAL, "usage: set NIC promiscuous|spoofing|forwarding on|off");
	NIC_OR_ERR(nic, app, o, argv[1]);
	rc = parse_onoff(o, argv[3], &on);
	if (rc != 0)
		return rc;
	if (strcmp(argv[2], "promiscuous") == 0)
		dps_nic_set_promiscuous(nic, on);
	else if (strcmp(argv[2], "spoofing") == 0)
		dps_nic_set_spoofing(nic, on);
	else if (strcmp(argv[2], "forwarding") == 0)
		dps_nic_set_forwarding(nic, on);
	else
		return ctl_err(o, -EINVAL, "unknown flag '%s' (promiscuous, spoofing, forwarding)",
			       argv[2]);
	return 0;
}

static int
cmd_forwarding(struct dps_app *app, int argc, char **argv, struct ctl_out *o)
{
	bool on;
	int rc;

	if (argc != 2)
		return ctl_err(o, -EINVAL, "usage: forwarding on|off");
	rc = parse_onoff(o, argv[1], &on);
	if (rc != 0)
		return rc;
	dps_stack_set_forwarding(app->stack, on);
	return 0;
}

static const char ctl_help[] = "show nics\n"
			       "show addresses [NIC]\n"
			       "show ranges [NIC]\n"
			       "show routes\n"
			       "show neigh\n"
			       "show stats [NIC] [all]\n"
			       "addr add NIC ADDR/PLEN [first|never]\n"
			       "addr del NIC ADDR\n"
			       "range add|del NIC PREFIX\n"
			       "route add PREFIX via GW [dev NIC]\n"
			       "route add PREFIX dev NIC\n"
			       "route del PREFIX\n"
			       "neigh add ADDR MAC NIC\n"
			       "neigh del ADDR NIC\n"
			       "join|leave NIC GROUP\n"
			       "set NIC promiscuous|spoofing|forwarding on|off\n"
			       "forwarding on|off\n"
			       "help\n";

static int
cmd_help(bool json, struct ctl_out *o)
{
	const char *s = ctl_help;

	if (!json) {
		out_printf(o, "%s", ctl_help);
		return 0;
	}
	out_printf(o, "[");
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');

		out_printf(o, "%s\"%.*s\"", s == ctl_help ? "" : ", ", (int)(nl - s), s);
		s = nl + 1;
	}
	out_printf(o, "]\n");
	return 0;
}

static int
ctl_exec_out(struct dps_app *app, char *line, bool json, struct ctl_out *o)
{
	char *argv[CTL_MAX_ARGS + 1];
	char *save = NULL, *tok;
	int argc = 0;

	o->len = 0;
	o->overflow = false;
	o->buf[0] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == CTL_MAX_ARGS)
			return ctl_err(o, -E2BIG, "too many arguments");
		argv[argc++] = tok;
	}
	if (argc == 0)
		return ctl_err(o, -EINVAL, "empty command (try help)");
	if (app == NULL || app->stack == NULL)
		return ctl_err(o, -ENODEV, "no stack");
	if (strcmp(argv[0], "show") == 0)
		return cmd_show(app, argc, argv, json, o);
	if (strcmp(argv[0], "addr") == 0)
		return cmd_addr(app, argc, argv, o);
	if (strcmp(argv[0], "range") == 0)
		return cmd_range(app, argc, argv, o);
	if (strcmp(argv[0], "route") == 0)
		return cmd_route(app, argc, argv, o);
	if (strcmp(argv[0], "neigh") == 0)
		return cmd_neigh(app, argc, argv, o);
	if (strcmp(argv[0], "join") == 0 || strcmp(argv[0], "leave") == 0)
		return cmd_group(app, argc, argv, o);
	if (strcmp(argv[0], "set") == 0)
		return cmd_set(app, argc, argv, o);
	if (strcmp(argv[0], "forwarding") == 0)
		return cmd_forwarding(app, argc, argv, o);
	if (strcmp(argv[0], "help") == 0 && argc == 1)
		return cmd_help(json, o);
	return ctl_err(o, -EINVAL, "unknown command '%s' (try help)", argv[0]);
}

/* Run one line; a reply that did not fit is reported as -ENOBUFS (only show commands grow). */
static int
ctl_exec_buf(struct dps_app *app, const char *line, bool json, struct ctl_out *o)
{
	char copy[CTL_LINE_MAX];
	int rc;

	if (o->cap == 0)
		return -ENOBUFS;
	if (strlen(line) >= sizeof(copy))
		return ctl_err(o, -E2BIG, "command too long");
	strcpy(copy, line);
	rc = ctl_exec_out(app, copy, json, o);
	if (rc == 0 && o->overflow)
		return -ENOBUFS;
	return rc;
}

int
dps_ctl_exec(struct dps_app *app, const char *line, bool json, char *out, size_t outlen)
{
	struct ctl_out o = {.buf = out, .cap = outlen};
	int rc;

	rc = ctl_exec_buf(app, line, json, &o);
	if (rc == -ENOBUFS && outlen > 0)
		snprintf(out, outlen, "reply too large");
	return rc;
}

int
dps_ctl_run_file(struct dps_app *app, const char *path, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX];
	char reply[1024];
	int lineno = 0, rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#');
		char *p = line;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -E2BIG;
			break;
		}
		if (hash != NULL)
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			continue;
		rc = dps_ctl_exec(app, p, false, reply, sizeof(reply));
		/* A show command in a script may say more than fits: its output is not wanted. */
		if (rc == -ENOBUFS)
			rc = 0;
		if (rc != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, reply);
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	return rc;
}

/* ---- the socket server ---- */

struct ctl_client {
	int fd;
	size_t len;
	char in[CTL_LINE_MAX];
};

static bool
ctl_running(struct dps_app *app)
{
	return __atomic_load_n(&app->ctl_running, __ATOMIC_ACQUIRE);
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Execute one request and send `OK`/`ERR message`, the body, and a line with a single dot. */
static int
ctl_serve_line(struct dps_app *app, int fd, char *line, struct ctl_out *o)
{
	bool json = false;
	char *nb;
	int rc;

	while (isspace((unsigned char)*line))
		line++;
	if (strncmp(line, "json", 4) == 0 && (line[4] == ' ' || line[4] == '\t')) {
		json = true;
		line += 5;
	}
	for (;;) {
		rc = ctl_exec_buf(app, line, json, o);
		if (rc != -ENOBUFS || o->cap >= CTL_REPLY_MAX)
			break;
		/* Only show commands produce long replies, and they change nothing: run again. */
		nb = realloc(o->buf, o->cap * 2);

		if (nb == NULL)
			break;
		o->buf = nb;
		o->cap *= 2;
	}
	if (rc == -ENOBUFS) {
		o->len = 0;
		o->buf[0] = '\0';
		rc = ctl_err(o, rc, "reply too large");
	}
	if (rc != 0) {
		char head[CTL_LINE_MAX + 8];
		char *nl = strchr(o->buf, '\n');

		if (nl != NULL)
			*nl = '\0';
		snprintf(head, sizeof(head), "ERR %s\n.\n", o->buf);
		return write_all(fd, head, strlen(head));
	}
	if (write_all(fd, "OK\n", 3) != 0)
		return -EPIPE;
	if (o->len > 0 && write_all(fd, o->buf, o->len) != 0)
		return -EPIPE;
	if (o->len > 0 && o->buf[o->len - 1] != '\n' && write_all(fd, "\n", 1) != 0)
		return -EPIPE;
	return write_all(fd, ".\n", 2);
}

/* Read what the client sent and answer every complete line. <0: close the connection. */
static int
ctl_client_input(struct dps_app *app, struct ctl_client *c, struct ctl_out *o)
{
	ssize_t n = recv(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len, 0);
	char *start, *nl;

	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	c->len += (size_t)n;
	c->in[c->len] = '\0';
	start = c->in;
	while ((nl = strchr(start, '\n')) != NULL) {
		*nl = '\0';
		if (ctl_serve_line(app, c->fd, start, o) != 0)
			return -EPIPE;
		start = nl + 1;
	}
	c->len -= (size_t)(start - c->in);
	memmove(c->in, start, c->len);
	if (c->len == sizeof(c->in) - 1) {
		static const char msg[] = "ERR request too long\n.\n";

		write_all(c->fd, msg, sizeof(msg) - 1);
		return -E2BIG;
	}
	return 0;
}

static uint32_t
ctl_thread_main(void *arg)
{
	struct dps_app *app = arg;
	struct ctl_client clients[CTL_MAX_CLIENTS];
	struct pollfd pfd[CTL_MAX_CLIENTS + 1];
	struct ctl_out o = {.cap = CTL_REPLY_MIN};
	int nc = 0;

	o.buf = malloc(o.cap);
	if (o.buf == NULL) {
		DPS_LOG(ERR, "control socket: out of memory");
		return 1;
	}
	while (ctl_running(app)) {
		int n;

		pfd[0].fd = app->ctl_fd;
		pfd[0].events = nc < CTL_MAX_CLIENTS ? POLLIN : 0;
		for (int i = 0; i < nc; i++) {
			pfd[i + 1].fd = clients[i].fd;
			pfd[i + 1].events = POLLIN;
			pfd[i + 1].revents = 0;
		}
		pfd[0].revents = 0;
		n = poll(pfd, (nfds_t)nc + 1, CTL_POLL_MS);
		if (n <= 0)
			continue;
		for (int i = nc - 1; i >= 0; i--) {
			if (pfd[i + 1].revents == 0)
				continue;
			if (ctl_client_input(app, &clients[i], &o) < 0) {
				close(clients[i].fd);
				clients[i] = clients[--nc];
			}
		}
		/* Keep the buffer of one big reply from staying around. */
		if (o.cap > 4 * CTL_REPLY_MIN) {
			char *nb = realloc(o.buf, CTL_REPLY_MIN);

			if (nb != NULL) {
				o.buf = nb;
				o.cap = CTL_REPLY_MIN;
			}
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(app->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				/* A client that stops reading must not stall the control thread. */
				struct timeval tv = {.tv_sec = 5};

				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
				clients[nc].fd = fd;
				clients[nc].len = 0;
				nc++;
			}
		}
	}
	for (int i = 0; i < nc; i++)
		close(clients[i].fd);
	free(o.buf);
	return 0;
}

static void *
ctl_thread_fn(void *arg)
{
	ctl_thread_main(arg);
	return NULL;
}

/* mkdir -p of the socket's directory (/var/run/dpstack by default). */
static void
make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0755);
}

int
dps_ctl_start(struct dps_app *app)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, rc;

	app->ctl_fd = -1;
	if (app->ctl_path == NULL || strlen(app->ctl_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", app->ctl_path);
	make_parent_dir(app->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A socket left by a previous run that died is replaced; one that answers belongs to a
	 * running dpstack and is left alone; anything else is not ours to remove.
	 */
	if (lstat(app->ctl_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			close(fd);
			return -EEXIST;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return -EADDRINUSE;
		}
		unlink(app->ctl_path);
		close(fd);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
	}
	/* The socket changes the stack: root only. umask makes bind create it 0600 already. */
	fchmod(fd, 0600);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	app->ctl_fd = fd;
	__atomic_store_n(&app->ctl_running, true, __ATOMIC_RELEASE);
	rc = rte_ctrl_thread_create(&app->ctl_thread, "dps-ctl", NULL, ctl_thread_fn, app);
	if (rc != 0) {
		__atomic_store_n(&app->ctl_running, false, __ATOMIC_RELEASE);
		close(fd);
		unlink(app->ctl_path);
		app->ctl_fd = -1;
		return -rc;
	}
	return 0;
}

void
dps_ctl_stop(struct dps_app *app)
{
	if (!__atomic_load_n(&app->ctl_running, __ATOMIC_ACQUIRE))
		return;
	/* The thread sees the flag within one poll timeout (CTL_POLL_MS). */
	__atomic_store_n(&app->ctl_running, false, __ATOMIC_RELEASE);
	pthread_join(app->ctl_thread, NULL);
	close(app->ctl_fd);
	app->ctl_fd = -1;
	if (app->ctl_path != NULL)
		unlink(app->ctl_path);
}
