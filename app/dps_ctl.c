/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control language (dpstack-ctl commands, startup scripts), driven by one command table:
 * dispatch, unique-prefix abbreviations, `help`, completion (`complete`, used by the
 * interactive shell) and the command list of docs/operations.md (tested against it) all come
 * from ctl_cmds[], the way OVS's unixctl and VPP's VLIB_CLI_COMMAND register commands.
 *
 * Every command is checked completely before anything is changed, so an error leaves the stack
 * as it was; a command made of several library calls (an address and its connected route)
 * undoes the first when the second fails. The writer lock is taken by each library call: the
 * queries and changes in lib/nic lock themselves and the lock is not recursive.
 *
 * Errors follow iproute2 where it has a habit (`File exists` for an add over an existing route
 * or neighbour, `No such process` for a route that is not there) and word a mistake the way
 * the config file does (docs/configuration.md), so a line moved between the two reads alike.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_version.h>

#include "dps_cmd.h"
#include "dps_config.h"
#include "dps_nic.h"
#include "dps_port.h"
#include "dps_version.h"

#define CTL_MAX_ARGS 16
#define CTL_LINE_MAX 4096

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD

/* ---- reply buffer ---- */

static bool
out_reserve(struct dps_out *o, size_t need)
{
	size_t cap = o->cap;
	char *nb;

	if (o->len + need < o->cap)
		return true;
	if (o->fixed)
		return false;
	while (o->len + need >= cap && cap < DPS_OUT_MAX)
		cap = cap < 4096 ? 4096 : cap * 2;
	if (o->len + need >= cap)
		return false;
	nb = realloc(o->buf, cap);
	if (nb == NULL)
		return false;
	o->buf = nb;
	o->cap = cap;
	return true;
}

void
dps_out_printf(struct dps_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !out_reserve(o, (size_t)n + 1)) {
		o->overflow = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void
dps_out_jstr(struct dps_out *o, const char *s)
{
	dps_out_printf(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			dps_out_printf(o, "\\%c", c);
		else if (c < 0x20)
			dps_out_printf(o, "\\u%04x", c);
		else
			dps_out_printf(o, "%c", c);
	}
	dps_out_printf(o, "\"");
}

void
dps_out_reset(struct dps_out *o)
{
	o->len = 0;
	o->overflow = false;
	if (o->cap > 0)
		o->buf[0] = '\0';
}

/* ---- the context of one command ---- */

struct ctl {
	struct dps_app *app;
	struct dps_out *o;
	bool json;
	const struct dps_ctl_cmd *cmd;
};

/* Replace whatever was written by a one-line error message and return rc. */
static int __attribute__((format(printf, 3, 4)))
ctl_err(struct ctl *c, int rc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dps_out_reset(c->o);
	dps_out_printf(c->o, "%s", msg);
	return rc;
}

/*
 * Split line into argv (its words, copied into copy): the word count, or an error. One
 * splitter for commands and batch lines, so both take the same blanks and limits.
 */
static int
ctl_split(struct ctl *c, const char *line, char copy[CTL_LINE_MAX], char *argv[CTL_MAX_ARGS + 1])
{
	char *save = NULL;
	int argc = 0;

	if (strlen(line) >= CTL_LINE_MAX)
		return ctl_err(c, -E2BIG, "command too long");
	strcpy(copy, line);
	for (char *tok = strtok_r(copy, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == CTL_MAX_ARGS)
			return ctl_err(c, -E2BIG, "too many arguments");
		argv[argc++] = tok;
	}
	return argc;
}

static int
ctl_usage(struct ctl *c)
{
	return ctl_err(c, -EINVAL, "usage: %s%s%s", c->cmd->name, c->cmd->args[0] ? " " : "",
		       c->cmd->args);
}

#define P(...) dps_out_printf(c->o, __VA_ARGS__)

/* ---- formatters ---- */

const char *
dps_fmt_nic(struct dps_app *app, uint16_t nic_id)
{
	struct dps_nic *nic = dps_stack_nic(app->stack, nic_id);

	return nic != NULL ? dps_nic_name(nic) : "?";
}

char *
dps_fmt_route_dst(const struct dps_prefix *p, char *buf, size_t len)
{
	if (p->plen == 0)
		snprintf(buf, len, "%s", p->addr.len == 4 ? "default" : "default6");
	else
		dps_prefix_fmt(p, buf, len);
	return buf;
}

char *
dps_fmt_route_via(struct dps_app *app, const struct dps_route_info *r, char *buf, size_t len)
{
	char gw[INET6_ADDRSTRLEN];
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int j = 0; j < r->n_paths && off < len; j++) {
		const struct dps_nexthop *nh = &r->paths[j];
		int w;

		if (nh->has_gw)
			w = snprintf(buf + off, len - off, "%svia %s dev %s", j ? " nexthop " : "",
				     dps_addr_fmt(&nh->gw, gw, sizeof(gw)),
				     dps_fmt_nic(app, nh->nic_id));
		else
			w = snprintf(buf + off, len - off, "%sdev %s", j ? " nexthop " : "",
				     dps_fmt_nic(app, nh->nic_id));
		if (w > 0)
			off += (size_t)w;
	}
	return buf;
}

char *
dps_fmt_route(struct dps_app *app, const struct dps_route_info *r, char *buf, size_t len)
{
	char dst[64], via[256];

	snprintf(buf, len, "%s %s%s", dps_fmt_route_dst(&r->prefix, dst, sizeof(dst)),
		 dps_fmt_route_via(app, r, via, sizeof(via)),
		 r->connected ? " connected" : "");
	return buf;
}

const char *
dps_fmt_neigh_state(enum dps_neigh_state s)
{
	return dps_neigh_state_name(s);
}

bool
dps_neigh_has_mac(const struct dps_neigh_info *n)
{
	return n->state == DPS_NEIGH_REACHABLE || n->state == DPS_NEIGH_STATIC ||
	       n->state == DPS_NEIGH_STALE || n->state == DPS_NEIGH_DELAY ||
	       n->state == DPS_NEIGH_PROBE;
}

char *
dps_fmt_neigh(struct dps_app *app, const struct dps_neigh_info *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], mac[32], mid[64];

	/* An unresolved entry has no MAC to show: how many packets wait for it instead. */
	if (dps_neigh_has_mac(n))
		snprintf(mid, sizeof(mid), "lladdr %s %s",
			 dps_mac_fmt(n->mac.addr_bytes, mac, sizeof(mac)),
			 dps_fmt_neigh_state(n->state));
	else
		snprintf(mid, sizeof(mid), "%s queued %u", dps_fmt_neigh_state(n->state), n->queued);
	/* age: seconds since the entry changed state or was last confirmed. */
	snprintf(buf, len, "%s dev %s %s age %" PRIu64 ".%01" PRIu64 "s",
		 dps_addr_fmt(&n->addr, a, sizeof(a)), dps_fmt_nic(app, n->nic_id), mid,
		 n->age_ms / 1000, n->age_ms % 1000 / 100);
	return buf;
}

const char *
dps_fmt_ep_kind(enum dps_ep_kind k)
{
	static const char *const name[] = {"permanent", "expired", "temporary"};

	return (unsigned int)k < RTE_DIM(name) ? name[k] : "?";
}

const char *
dps_fmt_peb(enum dps_peb p)
{
	static const char *const name[] = {"can-be-primary", "first-primary", "never-primary"};

	return (unsigned int)p < RTE_DIM(name) ? name[p] : "?";
}

/* ---- counters: a snapshot taken by `clear stats` is subtracted on every read ---- */

void
dps_app_counters(struct dps_app *app, int nic_id, uint64_t *out)
{
	const uint64_t *base = app->cnt_base[nic_id < 0 ? DPS_MAX_NICS : nic_id];

	dps_stack_counters(app->stack, nic_id, out);
	for (int i = 0; i < DPS_CNT_MAX; i++)
		out[i] -= __atomic_load_n(&base[i], __ATOMIC_RELAXED);
}

static void
clear_counters(struct dps_app *app, int nic_id, bool adjust_sum)
{
	uint64_t now[DPS_CNT_MAX], *base = app->cnt_base[nic_id < 0 ? DPS_MAX_NICS : nic_id];

	dps_stack_counters(app->stack, nic_id, now);
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		/* One NIC cleared: the sum loses what that NIC had counted. */
		if (adjust_sum)
			__atomic_fetch_add(&app->cnt_base[DPS_MAX_NICS][i], now[i] - base[i],
					   __ATOMIC_RELAXED);
		__atomic_store_n(&base[i], now[i], __ATOMIC_RELAXED);
	}
}

/* ---- argument parsing: lib/nic's parsers, the config file's wording ---- */

static struct dps_nic *
ctl_nic(struct ctl *c, const char *name)
{
	return dps_stack_nic_by_name(c->app->stack, name);
}

#define NIC_OR_ERR(var, c, name)                                                                   \
	do {                                                                                       \
		(var) = ctl_nic((c), (name));                                                      \
		if ((var) == NULL)                                                                 \
			return ctl_err((c), -ENODEV, "unknown nic '%s'", (name));                  \
	} while (0)

static uint16_t
addr_proto(const struct dps_addr *a)
{
	return a->len == 4 ? ETH_P_IPV4 : ETH_P_IPV6;
}

static int
parse_addr(struct ctl *c, const char *s, struct dps_addr *a)
{
	if (dps_addr_parse(s, a) != 0)
		return ctl_err(c, -EINVAL, "bad address '%s'", s);
	return 0;
}

/* ADDR/PLEN (ADDR alone: a host prefix); subnet: host bits must be clear (routes, ranges). */
static int
parse_prefix(struct ctl *c, const char *s, const char *what, bool subnet, struct dps_prefix *p)
{
	struct dps_addr net;
	char abuf[INET6_ADDRSTRLEN], head[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');

	if (subnet && (strcmp(s, "default") == 0 || strcmp(s, "default6") == 0)) {
		memset(p, 0, sizeof(*p));
		p->addr.len = s[7] == '6' ? 16 : 4;
		return 0;
	}
	if (dps_prefix_parse(s, p) != 0) {
		struct dps_addr a;

		/* The address parsed: the length is what is wrong (the config's message). */
		if (slash != NULL && (size_t)(slash - s) < sizeof(head)) {
			memcpy(head, s, (size_t)(slash - s));
			head[slash - s] = '\0';
			if (dps_addr_parse(head, &a) == 0)
				return ctl_err(c, -EINVAL,
					       "prefix length out of range in '%s' (0..%u for %s)",
					       s, a.len * 8, a.len == 4 ? "IPv4" : "IPv6");
		}
		return ctl_err(c, -EINVAL, "bad address '%s'", s);
	}
	if (subnet) {
		dps_prefix_network(p, &net);
		if (!dps_addr_eq(&net, &p->addr))
			return ctl_err(c, -EINVAL, "host bits set in %s '%s' (did you mean %s/%u?)",
				       what, s, dps_addr_fmt(&net, abuf, sizeof(abuf)), p->plen);
	}
	return 0;
}

static bool
addr_is_multicast(const struct dps_addr *a)
{
	return a->len == 4 ? (a->b[0] & 0xf0) == 0xe0 : a->b[0] == 0xff;
}

/*
 * Unspecified, multicast and the limited broadcast never identify one station (RFC 1122
 * 3.2.1.3, RFC 4291 2.7): they can be neither an interface address, a gateway nor a neighbour.
 */
static bool
addr_is_unicast(const struct dps_addr *a)
{
	static const uint8_t zero[DPS_ADDR_MAX_LEN], bcast[4] = {255, 255, 255, 255};

	return memcmp(a->b, zero, a->len) != 0 && !addr_is_multicast(a) &&
	       !(a->len == 4 && memcmp(a->b, bcast, 4) == 0);
}

/* A decimal number min..max, nothing else (no sign, no blank, no suffix). */
static bool
parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return isdigit((unsigned char)*s) && *end == '\0' && errno == 0 && *v >= min && *v <= max;
}

static int
parse_onoff(struct ctl *c, const char *s, const char *key, bool *v)
{
	if (dps_parse_onoff(s, v) != 0)
		return ctl_err(c, -EINVAL, "bad value '%s' for '%s' (want on or off)", s, key);
	return 0;
}

/* ---- list snapshots: the queries return the total, so grow until it fits ---- */

static const size_t list_size[] = {sizeof(struct dps_endpoint_info), sizeof(struct dps_prefix),
				   sizeof(struct dps_route_info), sizeof(struct dps_neigh_info)};

int
dps_list_query(void *obj, enum dps_list k, void *v, int max)
{
	switch (k) {
	case DPS_LIST_ENDPOINTS:
		return dps_nic_endpoints(obj, v, max);
	case DPS_LIST_RANGES:
		return dps_nic_ranges(obj, v, max);
	case DPS_LIST_ROUTES:
		return dps_route_list(obj, v, max);
	case DPS_LIST_NEIGH:
		return dps_neigh_list(obj, v, max);
	}
	return -EINVAL;
}

int
dps_list_fetch(void *obj, enum dps_list k, void *out)
{
	int max = 64, n;
	void *v = NULL, *nv;

	for (;;) {
		nv = realloc(v, (size_t)max * list_size[k]);
		n = nv != NULL ? dps_list_query(obj, k, nv, max) : -ENOMEM;
		v = nv != NULL ? nv : v;
		if (n < 0) {
			free(v);
			return n;
		}
		if (n <= max)
			break;
		max = n + n / 4;
	}
	*(void **)out = v;
	return n;
}

#define fetch_endpoints(nic, out) dps_list_fetch(nic, DPS_LIST_ENDPOINTS, out)
#define fetch_ranges(nic, out) dps_list_fetch(nic, DPS_LIST_RANGES, out)
#define fetch_routes(s, out) dps_list_fetch(s, DPS_LIST_ROUTES, out)
#define fetch_neigh(s, out) dps_list_fetch(s, DPS_LIST_NEIGH, out)

/*
 * An endpoint the operator configured, as opposed to one the stack keeps for itself (the
 * IPv4 broadcast, ff02::1, solicited-node groups, temporary endpoints of ranges).
 */
static bool
ep_is_configured(const struct dps_endpoint_info *e)
{
	return e->kind == DPS_EP_PERMANENT && addr_is_unicast(&e->prefix.addr);
}

/* NICs to show: one by name, or all in id order. Returns the count. */
static int
select_nics(struct ctl *c, const char *name, struct dps_nic *nics[DPS_MAX_NICS])
{
	int n = 0;

	if (name != NULL) {
		NIC_OR_ERR(nics[0], c, name);
		return 1;
	}
	for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
		struct dps_nic *nic = dps_stack_nic(c->app->stack, id);

		if (nic != NULL)
			nics[n++] = nic;
	}
	return n;
}

static struct dps_app_port *
nic_port(struct dps_app *app, const struct dps_nic *nic)
{
	for (uint16_t i = 0; i < app->n_ports; i++)
		if (app->ports[i].nic == nic)
			return &app->ports[i];
	return NULL;
}

/* The VLAN NIC nic is (its port is ->parent, its VID the config's `vlan =`), or NULL. */
static struct dps_app_vlan *
nic_vlan(struct dps_app *app, const struct dps_nic *nic)
{
	for (uint16_t i = 0; i < app->n_vlans; i++)
		if (app->vlans[i].nic == nic)
			return &app->vlans[i];
	return NULL;
}

static const char *
json_sep(bool *first)
{
	bool f = *first;

	*first = false;
	return f ? "" : ", ";
}

static const char *
jbool(bool b)
{
	return b ? "true" : "false";
}

/*
 * The skeleton of a per-NIC show (interfaces, addresses, ranges): `[NIC]` (and `all` where
 * the command takes it), every NIC in id order, one JSON array for them all. rows() writes
 * one NIC's text lines or array items. NIC names are the config's ([A-Za-z0-9_-]: checked by
 * dps_config.c), so JSON prints them without escaping.
 */
static int
show_per_nic(struct ctl *c, int argc, char **argv,
	     int (*rows)(struct ctl *c, struct dps_nic *nic, bool all, bool *first))
{
	struct dps_nic *nics[DPS_MAX_NICS];
	bool all = argc > 0 && strstr(c->cmd->args, "all") && !strcmp(argv[argc - 1], "all");
	bool first = true;
	int n, rc = 0;

	argc -= all;
	if (argc > 1)
		return ctl_usage(c);
	n = select_nics(c, argc ? argv[0] : NULL, nics);
	if (n < 0)
		return n;
	P("%s", c->json ? "[" : "");
	for (int i = 0; i < n && rc == 0; i++)
		rc = rows(c, nics[i], all, &first);
	P("%s", c->json ? "]\n" : "");
	return rc;
}

/* ---- show ---- */

static int
cmd_show_version(struct ctl *c, int argc, char **argv)
{
	if (c->json)
		P("{\"version\": \"%s\", \"git\": \"%s\", \"dpdk\": \"%s\"}\n", DPS_VERSION,
		  DPS_VCS, rte_version());
	else
		P("dpstack %s (%s)\n%s\n", DPS_VERSION, DPS_VCS, rte_version());
	return 0;
}

static void
nic_flags(struct dps_nic *nic, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", dps_nic_promiscuous(nic) ? " promiscuous" : "",
		 dps_nic_spoofing(nic) ? " spoofing" : "",
		 dps_nic_forwarding(nic) ? " forwarding" : "");
}

static int
cmd_show_nics(struct ctl *c, int argc, char **argv)
{
	struct dps_nic *nics[DPS_MAX_NICS];
	int n = select_nics(c, NULL, nics);
	char mac[32], flags[64];
	bool fwd = dps_stack_forwarding(c->app->stack), first = true;

	if (c->json)
		P("{\"forwarding\": %s, \"nics\": [", jbool(fwd));
	else
		P("%-4s %-15s %-5s %-18s %-6s %s\n", "ID", "NAME", "PORT", "MAC", "MTU", "FLAGS");
	for (int i = 0; i < n; i++) {
		struct dps_nic *nic = nics[i];

		dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac));
		nic_flags(nic, flags, sizeof(flags));
		if (!c->json)
			P("%-4u %-15s %-5u %-18s %-6u %s\n", dps_nic_id(nic), dps_nic_name(nic),
			  dps_nic_port_id(nic), mac, dps_nic_mtu(nic), flags[0] ? flags + 1 : "-");
		else
			P("%s{\"id\": %u, \"nic\": \"%s\", \"port\": %u, \"mac\": \"%s\", \"mtu\": %u, "
			  "\"promiscuous\": %s, \"spoofing\": %s, \"forwarding\": %s}",
			  json_sep(&first), dps_nic_id(nic), dps_nic_name(nic), dps_nic_port_id(nic),
			  mac, dps_nic_mtu(nic), jbool(dps_nic_promiscuous(nic)),
			  jbool(dps_nic_spoofing(nic)), jbool(dps_nic_forwarding(nic)));
	}
	if (c->json)
		P("]}\n");
	else
		P("stack forwarding %s\n", fwd ? "on" : "off");
	return 0;
}

/*
 * ethdev counters as show interfaces prints them: JSON "rx_packets": N fields, or text
 * "rx N packets N bytes ..." with the group word where the group changes (gsep before it).
 * Per-queue counters are the q-th element of the arrays at off.
 */
struct eth_stat {
	const char *name;
	size_t off;
};
#define ETH_STAT(n, f) {n, offsetof(struct rte_eth_stats, f)}
static const struct eth_stat port_stats[] = {
	ETH_STAT("rx_packets", ipackets),    ETH_STAT("rx_bytes", ibytes),
	ETH_STAT("rx_missed", imissed),      ETH_STAT("rx_errors", ierrors),
	ETH_STAT("rx_nombuf", rx_nombuf),    ETH_STAT("tx_packets", opackets),
	ETH_STAT("tx_bytes", obytes),        ETH_STAT("tx_errors", oerrors),
};
static const struct eth_stat queue_stats[] = {
	ETH_STAT("rx_packets", q_ipackets), ETH_STAT("rx_bytes", q_ibytes),
	ETH_STAT("tx_packets", q_opackets), ETH_STAT("tx_bytes", q_obytes),
};

static void
eth_fields(struct ctl *c, const struct rte_eth_stats *st, const struct eth_stat *t,
	   unsigned int n, uint16_t q, const char *gsep)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + t[i].off + q * sizeof(v), sizeof(v));
		if (c->json)
			P("%s\"%s\": %" PRIu64, i ? ", " : "", t[i].name, v);
		else if (i == 0 || strncmp(t[i].name, t[i - 1].name, 2) != 0)
			P("%s%.2s %" PRIu64 " %s", i ? gsep : "", t[i].name, v, t[i].name + 3);
		else
			P(" %" PRIu64 " %s", v, t[i].name + 3);
	}
}

/*
 * show interfaces: the DPDK port under each NIC, as ethdev reports it. A VLAN NIC's is its
 * parent's port, named DEVICE.VID (Linux's eth0.100), with the VLAN NIC's own MTU; the counters
 * are the port's (ethdev counts no VLANs apart: show stats NIC has the VLAN NIC's own).
 */
static int
interface_rows(struct ctl *c, struct dps_nic *nic, bool all, bool *first)
{
	struct dps_app_vlan *v = nic_vlan(c->app, nic);
	struct dps_app_port *p = v != NULL ? v->parent : nic_port(c->app, nic);
	struct rte_eth_dev_info info = {0};
	struct rte_eth_link link = {0};
	struct rte_eth_stats st = {0};
	char dev[RTE_ETH_NAME_MAX_LEN] = "-", mac[32], lstr[RTE_ETH_LINK_MAX_STR_LEN];
	uint16_t mtu = dps_nic_mtu(nic), nq = 0;
	const char *drv;

	dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac));
	if (p != NULL) {
		rte_eth_dev_info_get(p->port_id, &info);
		rte_eth_dev_get_name_by_port(p->port_id, dev);
		dps_port_link(p, &link);
		rte_eth_stats_get(p->port_id, &st);
		if (v == NULL)
			rte_eth_dev_get_mtu(p->port_id, &mtu);
		else
			snprintf(dev + strnlen(dev, sizeof(dev) - 8), 8, ".%u",
				 c->app->cfg.nics[v->nic_id].vlan);
		nq = RTE_MIN(RTE_MAX(p->n_rxq, p->n_txq), (uint16_t)RTE_ETHDEV_QUEUE_STAT_CNTRS);
	}
	drv = info.driver_name ? info.driver_name : "-";
	rte_eth_link_to_str(lstr, sizeof(lstr), &link);
	if (c->json)
		P("%s{\"nic\": \"%s\", \"port\": %d, \"driver\": \"%s\", \"device\": \"%s\", "
		  "\"link\": \"%s\", \"speed\": %u, \"duplex\": \"%s\", \"mtu\": %u, \"mac\": \"%s\", "
		  "\"rxq\": %u, \"txq\": %u, \"stats\": {",
		  json_sep(first), dps_nic_name(nic), p ? p->port_id : -1, drv, dev,
		  link.link_status ? "up" : "down", link.link_speed,
		  link.link_duplex ? "full" : "half", mtu, mac, p ? p->n_rxq : 0, p ? p->n_txq : 0);
	else
		P("%s: port %d driver %s device %s\n    %s\n    mtu %u mac %s rxq %u txq %u\n    ",
		  dps_nic_name(nic), p ? p->port_id : -1, drv, dev, lstr, mtu, mac,
		  p ? p->n_rxq : 0, p ? p->n_txq : 0);
	eth_fields(c, &st, port_stats, RTE_DIM(port_stats), 0, "\n    ");
	P("%s", c->json ? "}, \"queues\": [" : "\n");
	for (uint16_t q = 0; q < nq; q++) {
		if (c->json)
			P("%s{\"queue\": %u, ", q ? ", " : "", q);
		else
			P("    queue %u ", q);
		eth_fields(c, &st, queue_stats, RTE_DIM(queue_stats), q, " ");
		P("%s", c->json ? "}" : "\n");
	}
	P("%s", c->json ? "]}" : "");
	return 0;
}

static int
cmd_show_interfaces(struct ctl *c, int argc, char **argv)
{
	return show_per_nic(c, argc, argv, interface_rows);
}

/*
 * show addresses [NIC] [all]: `ip addr`'s shape, one block per NIC. The stack's own endpoints
 * (broadcast, all-nodes, solicited-node groups, temporary endpoints) only with `all`.
 */
static int
address_rows(struct ctl *c, struct dps_nic *nic, bool all, bool *first)
{
	struct dps_endpoint_info *v;
	int m = fetch_endpoints(nic, &v);
	char pfx[64], mac[32], flags[64], prim[16];

	if (m < 0)
		return ctl_err(c, m, "cannot list addresses of %s: %s", dps_nic_name(nic),
			       strerror(-m));
	if (!c->json) {
		nic_flags(nic, flags, sizeof(flags));
		P("%u: %s: mtu %u%s\n    link/ether %s\n", dps_nic_id(nic), dps_nic_name(nic),
		  dps_nic_mtu(nic), flags, dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac)));
	}
	for (int j = 0; j < m; j++) {
		const struct dps_endpoint_info *e = &v[j];
		bool internal = !ep_is_configured(e);
		const char *fam = e->prefix.addr.len == 4 ? "inet" : "inet6";

		if (internal && !all)
			continue;
		dps_prefix_fmt(&e->prefix, pfx, sizeof(pfx));
		snprintf(prim, sizeof(prim), e->primary_index >= 0 ? "%d" : "null", e->primary_index);
		const char *dad = e->dad == DPS_DAD_TENTATIVE   ? " tentative"
				  : e->dad == DPS_DAD_DUPLICATE ? " duplicate"
								: "";

		if (c->json)
			P("%s{\"nic\": \"%s\", \"address\": \"%s\", \"family\": \"%s\", \"kind\": \"%s\", "
			  "\"behaviour\": \"%s\", \"refs\": %d, \"primary\": %s, \"internal\": %s%s%s%s}",
			  json_sep(first), dps_nic_name(nic), pfx, fam, dps_fmt_ep_kind(e->kind),
			  dps_fmt_peb(e->peb), e->refs, prim, jbool(internal),
			  *dad ? ", \"dad\": \"" : "", *dad ? dad + 1 : "", *dad ? "\"" : "");
		else if (internal)
			P("    %s %s %s refs %d\n", fam, pfx, dps_fmt_ep_kind(e->kind), e->refs);
		else
			P("    %s %s%s%s\n", fam, pfx,
			  e->peb == DPS_PEB_FIRST_PRIMARY   ? " first"
			  : e->peb == DPS_PEB_NEVER_PRIMARY ? " never"
							    : "", dad);
	}
	free(v);
	return 0;
}

static int
cmd_show_addresses(struct ctl *c, int argc, char **argv)
{
	return show_per_nic(c, argc, argv, address_rows);
}

static int
range_rows(struct ctl *c, struct dps_nic *nic, bool all, bool *first)
{
	struct dps_prefix *v;
	int m = fetch_ranges(nic, &v);
	char pfx[64];

	if (m < 0)
		return ctl_err(c, m, "cannot list ranges of %s: %s", dps_nic_name(nic),
			       strerror(-m));
	for (int j = 0; j < m; j++) {
		dps_prefix_fmt(&v[j], pfx, sizeof(pfx));
		if (c->json)
			P("%s{\"nic\": \"%s\", \"range\": \"%s\"}", json_sep(first),
			  dps_nic_name(nic), pfx);
		else
			P("%s dev %s\n", pfx, dps_nic_name(nic));
	}
	free(v);
	return 0;
}

static int
cmd_show_ranges(struct ctl *c, int argc, char **argv)
{
	return show_per_nic(c, argc, argv, range_rows);
}

static int
cmd_show_routes(struct ctl *c, int argc, char **argv)
{
	struct dps_route_info *v;
	int n = fetch_routes(c->app->stack, &v);
	char line[512], pfx[64], gw[INET6_ADDRSTRLEN + 2];

	if (n < 0)
		return ctl_err(c, n, "cannot list routes: %s", strerror(-n));
	P("%s", c->json ? "[" : "");
	for (int i = 0; i < n && !c->o->overflow; i++) {
		if (!c->json) {
			P("%s\n", dps_fmt_route(c->app, &v[i], line, sizeof(line)));
			continue;
		}
		P("%s{\"prefix\": \"%s\", \"connected\": %s, \"paths\": [", i ? ", " : "",
		  dps_prefix_fmt(&v[i].prefix, pfx, sizeof(pfx)), jbool(v[i].connected));
		for (unsigned int j = 0; j < v[i].n_paths; j++) {
			const struct dps_nexthop *nh = &v[i].paths[j];

			strcpy(gw, "null");
			if (nh->has_gw) {
				gw[0] = '"';
				dps_addr_fmt(&nh->gw, gw + 1, sizeof(gw) - 2);
				strcat(gw, "\"");
			}
			P("%s{\"nic\": \"%s\", \"via\": %s}", j ? ", " : "",
			  dps_fmt_nic(c->app, nh->nic_id), gw);
		}
		P("]}");
	}
	P("%s", c->json ? "]\n" : "");
	free(v);
	return 0;
}

static int
cmd_show_neigh(struct ctl *c, int argc, char **argv)
{
	struct dps_neigh_info *v;
	int n = fetch_neigh(c->app->stack, &v);
	char line[256], a[INET6_ADDRSTRLEN], mac[32] = "null";

	if (n < 0)
		return ctl_err(c, n, "cannot list neighbours: %s", strerror(-n));
	P("%s", c->json ? "[" : "");
	for (int i = 0; i < n; i++) {
		if (!c->json) {
			P("%s\n", dps_fmt_neigh(c->app, &v[i], line, sizeof(line)));
			continue;
		}
		if (dps_neigh_has_mac(&v[i]))
			snprintf(mac, sizeof(mac), "\"%s\"",
				 dps_mac_fmt(v[i].mac.addr_bytes, line, sizeof(line)));
		else
			strcpy(mac, "null");
		P("%s{\"address\": \"%s\", \"mac\": %s, \"nic\": \"%s\", \"state\": \"%s\", "
		  "\"queued\": %u, \"age_ms\": %" PRIu64 "}",
		  i ? ", " : "", dps_addr_fmt(&v[i].addr, a, sizeof(a)), mac,
		  dps_fmt_nic(c->app, v[i].nic_id), dps_fmt_neigh_state(v[i].state), v[i].queued,
		  v[i].age_ms);
	}
	P("%s", c->json ? "]\n" : "");
	free(v);
	return 0;
}

/*
 * show stats [NIC] [all]. One NIC: its counters. No NIC: the sum and each NIC as columns
 * (tables list the non-zero rows unless `all`). JSON: one flat object, the NIC's or the sum
 * (one value per counter, so that a reader summing every value of a name, as the test
 * harness does, counts each packet once; per NIC: `show stats NIC`).
 */
static int
cmd_show_stats(struct ctl *c, int argc, char **argv)
{
	uint64_t cnt[DPS_MAX_NICS + 1][DPS_CNT_MAX];
	struct dps_nic *nics[DPS_MAX_NICS];
	bool all = argc > 0 && strcmp(argv[argc - 1], "all") == 0;
	int n, s;

	argc -= all;
	if (argc > 1)
		return ctl_usage(c);
	n = select_nics(c, argc ? argv[0] : NULL, nics);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		dps_app_counters(c->app, dps_nic_id(nics[i]), cnt[i]);
	/* s: the column JSON and the one-NIC table print (that NIC's, or the sum). */
	s = argc == 1 ? 0 : n;
	if (argc == 0)
		dps_app_counters(c->app, -1, cnt[n]);
	if (c->json) {
		for (int j = 0; j < DPS_CNT_MAX; j++)
			P("%s\"%s\": %" PRIu64, j ? ", " : "{", dps_counter_names[j], cnt[s][j]);
		/* The stack-wide view carries each worker's heartbeat. */
		for (unsigned int w = 0; argc == 0 && w < c->app->n_workers; w++)
			P(", \"lcore_%u.loops\": %" PRIu64, c->app->workers[w].lcore_id,
			  __atomic_load_n(&c->app->workers[w].loops, __ATOMIC_RELAXED));
		P("}\n");
		return 0;
	}
	if (argc == 0) {
		P("%-40s %12s", "COUNTER", "TOTAL");
		for (int i = 0; i < n; i++)
			P(" %12s", dps_nic_name(nics[i]));
		P("\n");
	}
	for (int j = 0; j < DPS_CNT_MAX; j++) {
		if (!all && cnt[s][j] == 0)
			continue;
		P("%-40s %*" PRIu64, dps_counter_names[j], argc ? 0 : 12, cnt[s][j]);
		for (int i = 0; argc == 0 && i < n; i++)
			P(" %12" PRIu64, cnt[i][j]);
		P("\n");
	}
	for (unsigned int w = 0; argc == 0 && w < c->app->n_workers; w++) {
		char name[40];

		snprintf(name, sizeof(name), "lcore_%u.loops", c->app->workers[w].lcore_id);
		P("%-40s %12" PRIu64 "\n", name,
		  __atomic_load_n(&c->app->workers[w].loops, __ATOMIC_RELAXED));
	}
	return 0;
}

static int
cmd_clear_stats(struct ctl *c, int argc, char **argv)
{
	struct dps_nic *nics[DPS_MAX_NICS];
	int n = select_nics(c, argc ? argv[0] : NULL, nics);

	if (n < 0)
		return n;
	if (argc == 0)
		clear_counters(c->app, -1, false);
	for (int i = 0; i < n; i++) {
		struct dps_app_port *p = nic_port(c->app, nics[i]);

		clear_counters(c->app, dps_nic_id(nics[i]), argc > 0);
		if (p != NULL) {
			rte_eth_stats_reset(p->port_id);
			rte_eth_xstats_reset(p->port_id);
		}
	}
	return 0;
}

/*
 * show running-config: a config file (docs/configuration.md) that recreates the current
 * addresses, ranges, flags, MTUs, routes and neighbours. What the control language cannot
 * change (ports, MACs, UDP echo ports) comes from the file dpstack was started with.
 */
static int
running_config(struct ctl *c)
{
	struct dps_app *app = c->app;
	struct dps_nic *nics[DPS_MAX_NICS];
	struct dps_route_info *r;
	struct dps_neigh_info *nb;
	int n = select_nics(c, NULL, nics), nr, nn;
	char buf[512], dst[64], mac[32];

	P("# dpstack %s running configuration\n[stack]\nforwarding = %s\n", DPS_VERSION,
	  dps_stack_forwarding(app->stack) ? "on" : "off");
	/* The table sizes are fixed at start: what the file said (0 in the unit tests). */
	if (app->cfg.max_routes4 != 0)
		P("max_routes4 = %u\nmax_routes6 = %u\n", app->cfg.max_routes4,
		  app->cfg.max_routes6);
	if (app->cfg.reassembly_timeout_ms != 0 &&
	    (app->cfg.reassembly_datagrams != DPS_CFG_REASM_DATAGRAMS ||
	     app->cfg.reassembly_timeout_ms != DPS_CFG_REASM_TIMEOUT_MS))
		P("reassembly_datagrams = %u\nreassembly_timeout_ms = %u\n",
		  app->cfg.reassembly_datagrams, app->cfg.reassembly_timeout_ms);
	/* DAD (RFC 4862 5.4): fixed at start, what the file said; 0 retrans: not loaded (tests). */
	if (app->cfg.dad_retrans_ms != 0 &&
	    (app->cfg.dad_transmits != 1 || app->cfg.dad_retrans_ms != 1000))
		P("dad_transmits = %u\ndad_retrans_ms = %u\n", app->cfg.dad_transmits,
		  app->cfg.dad_retrans_ms);
	for (int i = 0; i < n; i++) {
		const struct dps_cfg_nic *cn = NULL;
		struct dps_endpoint_info *v;
		struct dps_prefix *rg;
		int m;

		for (unsigned int k = 0; k < app->cfg.n_nics; k++)
			if (strcmp(app->cfg.nics[k].name, dps_nic_name(nics[i])) == 0)
				cn = &app->cfg.nics[k];
		P("\n[nic %s]\n", dps_nic_name(nics[i]));
		if (cn != NULL)
			P("port = %s\n", cn->port);
		if (cn != NULL && cn->vlan != 0)
			P("vlan = %u\n", cn->vlan);
		else if (cn == NULL)
			P("port = %u\n", dps_nic_port_id(nics[i]));
		if (cn != NULL && cn->has_mac)
			P("mac = %s\n", dps_mac_fmt(cn->mac, mac, sizeof(mac)));
		m = fetch_endpoints(nics[i], &v);
		if (m < 0)
			return ctl_err(c, m, "cannot list addresses: %s", strerror(-m));
		for (int j = 0; j < m; j++) {
			if (!ep_is_configured(&v[j]))
				continue;
			P("address = %s%s\n", dps_prefix_fmt(&v[j].prefix, buf, sizeof(buf)),
			  v[j].peb == DPS_PEB_FIRST_PRIMARY   ? " first"
			  : v[j].peb == DPS_PEB_NEVER_PRIMARY ? " never"
							      : "");
		}
		free(v);
		m = fetch_ranges(nics[i], &rg);
		if (m < 0)
			return ctl_err(c, m, "cannot list ranges: %s", strerror(-m));
		for (int j = 0; j < m; j++)
			P("range = %s\n", dps_prefix_fmt(&rg[j], buf, sizeof(buf)));
		free(rg);
		P("promiscuous = %s\nspoofing = %s\nforwarding = %s\nmtu = %u\n",
		  dps_nic_promiscuous(nics[i]) ? "on" : "off",
		  dps_nic_spoofing(nics[i]) ? "on" : "off",
		  dps_nic_forwarding(nics[i]) ? "on" : "off", dps_nic_mtu(nics[i]));
		/* Only when off: the default stays out of the text older tools compare. */
		if (!dps_nic_redirects(nics[i]))
			P("redirects = off\n");
		if (dps_nic_source_route(nics[i]))
			P("source_route = on\n");
		/* Router Advertisements (RFC 4861 6): fixed at start, from the file. */
		if (cn != NULL && cn->ra) {
			P("ra = on\n");
			if (cn->ra_interval != 0)
				P("ra_interval = %u\n", cn->ra_interval);
			for (unsigned int j = 0; j < cn->n_ra_prefix; j++)
				P("ra_prefix = %s\n",
				  dps_prefix_fmt(&cn->ra_prefix[j], buf, sizeof(buf)));
		}
	}
	nr = fetch_routes(app->stack, &r);
	if (nr < 0)
		return ctl_err(c, nr, "cannot list routes: %s", strerror(-nr));
	P("\n[routes]\n");
	for (int i = 0; i < nr; i++) {
		if (r[i].connected)
			continue;
		/* The file takes one next hop per route: the others are listed, commented. */
		for (unsigned int j = 0; j < r[i].n_paths; j++) {
			struct dps_route_info one = r[i];

			one.n_paths = 1;
			one.paths[0] = r[i].paths[j];
			P("%s%s = %s\n", j ? "# more paths: " : "",
			  dps_fmt_route_dst(&r[i].prefix, dst, sizeof(dst)),
			  dps_fmt_route_via(app, &one, buf, sizeof(buf)));
		}
	}
	free(r);
	nn = fetch_neigh(app->stack, &nb);
	if (nn < 0)
		return ctl_err(c, nn, "cannot list neighbours: %s", strerror(-nn));
	P("\n[neighbors]\n");
	for (int i = 0; i < nn; i++)
		if (nb[i].state == DPS_NEIGH_STATIC)
			P("%s = %s %s\n", dps_addr_fmt(&nb[i].addr, buf, sizeof(buf)),
			  dps_mac_fmt(nb[i].mac.addr_bytes, mac, sizeof(mac)),
			  dps_fmt_nic(app, nb[i].nic_id));
	free(nb);
	if (app->cfg.n_udp_echo > 0) {
		P("\n[udp]\necho =");
		for (unsigned int i = 0; i < app->cfg.n_udp_echo; i++)
			P(" %u", app->cfg.udp_echo[i]);
		P("\n");
	}
	return 0;
}

/*
 * Replace the text reply so far by one JSON value: {"key": "the text"}, or with key NULL an
 * array of its lines (complete). A script can then save or read it as it is.
 */
static int
text_to_json(struct ctl *c, const char *key)
{
	char *text = c->o->overflow ? NULL : strndup(c->o->buf, c->o->len), *save = NULL;
	bool first = true;

	if (c->o->overflow)
		return 0;
	if (text == NULL)
		return ctl_err(c, -ENOMEM, "out of memory");
	dps_out_reset(c->o);
	if (key != NULL) {
		P("{\"%s\": ", key);
		dps_out_jstr(c->o, text);
	}
	for (char *t = key ? NULL : strtok_r(text, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		P("%s", first ? "[" : ", ");
		dps_out_jstr(c->o, t);
		first = false;
	}
	P("%s\n", key ? "}" : first ? "[]" : "]");
	free(text);
	return 0;
}

static int
cmd_show_running_config(struct ctl *c, int argc, char **argv)
{
	int rc = running_config(c);

	return rc == 0 && c->json ? text_to_json(c, "config") : rc;
}

/* save FILE: show running-config into FILE, through a temporary file renamed over it. */
static int
cmd_save(struct ctl *c, int argc, char **argv)
{
	char tmp[4096];
	FILE *f;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[0]) >= (int)sizeof(tmp))
		return ctl_err(c, -ENAMETOOLONG, "%s: %s", argv[0], strerror(ENAMETOOLONG));
	rc = running_config(c);
	if (rc != 0)
		return rc;
	if (c->o->overflow)
		return ctl_err(c, -ENOMEM, "running configuration too large");
	f = fopen(tmp, "w");
	if (f == NULL)
		return ctl_err(c, -errno, "%s: %s", tmp, strerror(errno));
	if (fwrite(c->o->buf, 1, c->o->len, f) != c->o->len || fclose(f) != 0 ||
	    rename(tmp, argv[0]) != 0) {
		rc = -errno;
		unlink(tmp);
		return ctl_err(c, rc, "%s: %s", argv[0], strerror(-rc));
	}
	dps_out_reset(c->o);
	P("%s", c->json ? argv[0] : "");
	return c->json ? text_to_json(c, "saved") : 0;
}

/* ---- addresses and ranges ---- */

/*
 * Connected routes for interface subnets, as for the config file's addresses (dps_apply.c):
 * the route is counted per address by lib/nic, so it goes with the last address of its subnet
 * on that NIC. A host address (/32, /128) has no subnet to reach and adds no route.
 */
static bool
has_subnet(const struct dps_prefix *ifaddr)
{
	return ifaddr->plen < ifaddr->addr.len * 8;
}

static int
cmd_addr_add(struct ctl *c, int argc, char **argv)
{
	enum dps_peb peb = DPS_PEB_CAN_BE_PRIMARY;
	struct dps_prefix p;
	struct dps_nic *nic;
	char buf[64];
	int rc;

	NIC_OR_ERR(nic, c, argv[0]);
	rc = parse_prefix(c, argv[1], "address", false, &p);
	if (rc != 0)
		return rc;
	if (argc == 3) {
		if (strcmp(argv[2], "first") == 0)
			peb = DPS_PEB_FIRST_PRIMARY;
		else if (strcmp(argv[2], "never") == 0)
			peb = DPS_PEB_NEVER_PRIMARY;
		else
			return ctl_err(c, -EINVAL,
				       "bad primary behaviour '%s' (want first or never)", argv[2]);
	}
	dps_addr_fmt(&p.addr, buf, sizeof(buf));
	if (!addr_is_unicast(&p.addr))
		return ctl_err(c, -EINVAL, "address '%s' is not a unicast address", argv[1]);
	if (p.addr.len == 16 && dps_nic_mtu(nic) < DPS_CFG_MTU_MIN_IPV6)
		return ctl_err(c, -EINVAL,
			       "mtu %u too small for nic '%s' with an IPv6 address: IPv6 needs "
			       "%u (RFC 8200 section 5)",
			       dps_nic_mtu(nic), dps_nic_name(nic), DPS_CFG_MTU_MIN_IPV6);
	rc = dps_nic_add_address(nic, addr_proto(&p.addr), &p, peb);
	if (rc == -EEXIST)
		return ctl_err(c, rc, "address %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(EEXIST));
	if (rc == -EPROTONOSUPPORT)
		return ctl_err(c, rc, "%s not enabled", p.addr.len == 4 ? "IPv4" : "IPv6");
	if (rc != 0)
		return ctl_err(c, rc, "cannot add %s to %s: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	rc = has_subnet(&p) ? dps_route_add_connected(c->app->stack, dps_nic_id(nic), &p) : 0;
	if (rc != 0) {
		dps_nic_remove_address(nic, &p.addr);
		return ctl_err(c, rc, "cannot add the subnet route of %s: %s", argv[1],
			       strerror(-rc));
	}
	return 0;
}

/* addr del NIC ADDR[/PLEN]: `ip addr del` gives the length; when given it must match. */
static int
cmd_addr_del(struct ctl *c, int argc, char **argv)
{
	struct dps_stack *s = c->app->stack;
	struct dps_endpoint *ep;
	struct dps_prefix p;
	struct dps_nic *nic;
	bool has_plen = strchr(argv[1], '/') != NULL;
	char buf[64];
	int rc = -EADDRNOTAVAIL;

	NIC_OR_ERR(nic, c, argv[0]);
	rc = parse_prefix(c, argv[1], "address", false, &p);
	if (rc != 0)
		return rc;
	rc = -EADDRNOTAVAIL;
	/*
	 * The endpoint is read from the map under the writer lock: frees run only under that
	 * lock, so the pointer stays valid without being an RCU reader.
	 */
	dps_stack_lock(s);
	ep = dps_nic_endpoint_rcu(nic, &p.addr);
	if (ep != NULL && dps_endpoint_kind(ep) == DPS_EP_PERMANENT &&
	    addr_is_unicast(&p.addr) && (!has_plen || dps_endpoint_prefix_len(ep) == p.plen)) {
		p.plen = dps_endpoint_prefix_len(ep);
		rc = dps_nic_remove_address_locked(nic, &p.addr);
	}
	dps_stack_unlock(s);
	dps_addr_fmt(&p.addr, buf, sizeof(buf));
	if (rc == -EADDRNOTAVAIL)
		return ctl_err(c, rc, "address %s on %s: %s", argv[1], dps_nic_name(nic),
			       strerror(EADDRNOTAVAIL));
	/*
	 * Any other error came after the address was gone (leaving its group). Its hold on a
	 * connected route goes too, a host prefix's included (one made by the library's user or
	 * an older startup): -ENOENT when it has none.
	 */
	(void)dps_route_del_connected(s, dps_nic_id(nic), &p);
	if (rc != 0)
		return ctl_err(c, rc, "removed %s from %s, but: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	return 0;
}

/* range add, range del (the table's variant: add). */
static int
cmd_range(struct ctl *c, int argc, char **argv)
{
	bool add = c->cmd->variant;
	struct dps_prefix p, *v;
	struct dps_nic *nic;
	bool found = false;
	char buf[64];
	int rc, n;

	NIC_OR_ERR(nic, c, argv[0]);
	rc = parse_prefix(c, argv[1], "range", true, &p);
	if (rc != 0)
		return rc;
	dps_prefix_fmt(&p, buf, sizeof(buf));
	n = fetch_ranges(nic, &v);
	if (n < 0)
		return ctl_err(c, n, "cannot list ranges: %s", strerror(-n));
	for (int i = 0; i < n; i++)
		if (v[i].plen == p.plen && dps_addr_eq(&v[i].addr, &p.addr))
			found = true;
	free(v);
	/* The seed allows duplicates and removes silently; an operator is told either way. */
	if (add && found)
		return ctl_err(c, -EEXIST, "range %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(EEXIST));
	if (!add && !found)
		return ctl_err(c, -ENOENT, "range %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(ENOENT));
	rc = add ? dps_nic_add_range(nic, addr_proto(&p.addr), &p) : dps_nic_remove_range(nic, &p);
	if (rc != 0)
		return ctl_err(c, rc, "cannot %s range %s on %s: %s", add ? "add" : "remove", buf,
			       dps_nic_name(nic), strerror(-rc));
	return 0;
}

/* ---- routes ---- */

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
			    v[i].prefix.addr.len == gw->len &&
			    dps_prefix_contains(&v[i].prefix, gw)) {
				best = nic;
				best_plen = v[i].prefix.plen;
			}
		free(v);
	}
	return best;
}

/*
 * PREFIX|default [via GW] [dev NIC]. `default` takes the family of the gateway (`default6`
 * says IPv6 without one), as `ip route add default via GW` does.
 */
static int
parse_route(struct ctl *c, int argc, char **argv, struct dps_prefix *p, struct dps_nexthop *nh,
	    bool *has_nic, bool find_nic)
{
	struct dps_nic *nic = NULL;
	char gw[INET6_ADDRSTRLEN];
	int rc, i;

	memset(nh, 0, sizeof(*nh));
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "via") == 0 && !nh->has_gw) {
			rc = parse_addr(c, argv[i + 1], &nh->gw);
			if (rc != 0)
				return ctl_err(c, -EINVAL, "bad gateway '%s'", argv[i + 1]);
			nh->has_gw = true;
		} else if (strcmp(argv[i], "dev") == 0 && nic == NULL) {
			NIC_OR_ERR(nic, c, argv[i + 1]);
		} else {
			return ctl_err(c, -EINVAL,
				       "unexpected '%s' in route '%s' (want via GW and/or dev NAME)",
				       argv[i], argv[0]);
		}
	}
	if (i != argc)
		return ctl_err(c, -EINVAL, "'%s' needs %s in route '%s'", argv[i],
			       strcmp(argv[i], "via") == 0 ? "a gateway" : "a nic", argv[0]);
	rc = parse_prefix(c, argv[0], "route", true, p);
	if (rc != 0)
		return rc;
	if (strcmp(argv[0], "default") == 0 && nh->has_gw)
		p->addr.len = nh->gw.len;
	*has_nic = nic != NULL;
	if (nic != NULL)
		nh->nic_id = dps_nic_id(nic);
	if (!nh->has_gw)
		return 0;
	dps_addr_fmt(&nh->gw, gw, sizeof(gw));
	if (nh->gw.len != p->addr.len)
		return ctl_err(c, -EINVAL, "gateway '%s' is %s but route '%s' is %s", gw,
			       nh->gw.len == 4 ? "IPv4" : "IPv6", argv[0],
			       p->addr.len == 4 ? "IPv4" : "IPv6");
	if (!addr_is_unicast(&nh->gw))
		return ctl_err(c, -EINVAL, "gateway '%s' is not a unicast address", gw);
	if (nic == NULL && find_nic) {
		nic = nic_for_gateway(c->app, &nh->gw);
		if (nic == NULL)
			return ctl_err(c, -ENETUNREACH,
				       "gateway %s is on no nic's subnet (add dev NIC)", gw);
		nh->nic_id = dps_nic_id(nic);
		*has_nic = true;
	}
	return 0;
}

/*
 * The route of one change, as route add|replace|del and a batch line (the general path of
 * dps_ctl_batch_line) take it: an add or replace needs a NIC, given by `dev` or found from the
 * gateway's subnet; a del matches what it is given, its nh->nic_id DPS_ROUTE_ANY_NIC without
 * `dev`. One parser for both, so a line reads the same typed or in a batch.
 */
static int
parse_route_change(struct ctl *c, bool del, int argc, char **argv, struct dps_prefix *p,
		   struct dps_nexthop *nh)
{
	bool has_nic = false;
	int rc;

	rc = parse_route(c, argc, argv, p, nh, &has_nic, !del);
	if (rc != 0)
		return rc;
	if (del && !has_nic)
		nh->nic_id = DPS_ROUTE_ANY_NIC;
	else if (!has_nic)
		return ctl_err(c, -EINVAL, "route '%s' needs via GW or dev NAME", argv[0]);
	return 0;
}

/* route add, route replace (the table's variant: replace). */
static int
route_change(struct ctl *c, int argc, char **argv)
{
	bool replace = c->cmd->variant;
	struct dps_route_info old;
	struct dps_nexthop nh;
	struct dps_prefix p;
	char buf[64];
	int rc;

	if (argc < 2)
		return ctl_usage(c);
	rc = parse_route_change(c, false, argc, argv, &p, &nh);
	if (rc != 0)
		return rc;
	dps_fmt_route_dst(&p, buf, sizeof(buf));
	if (dps_route_get(c->app->stack, &p, &old) == 0) {
		if (old.connected)
			return ctl_err(c, -EEXIST,
				       "route %s is the connected route of an address on %s "
				       "(change the address)",
				       buf, dps_fmt_nic(c->app, old.paths[0].nic_id));
		if (!replace)
			return ctl_err(c, -EEXIST, "route %s: %s", buf, strerror(EEXIST));
	}
	rc = dps_route_add(c->app->stack, &p, &nh, 1, false);
	if (rc != 0)
		return ctl_err(c, rc, "route %s: %s", buf, strerror(-rc));
	return 0;
}

/* route del PREFIX [via GW] [dev NIC]: what is given must match the route, as in iproute2. */
static int
cmd_route_del(struct ctl *c, int argc, char **argv)
{
	struct dps_route_info old;
	struct dps_nexthop nh;
	struct dps_prefix p;
	bool match = false;
	char buf[64];
	int rc;

	rc = parse_route_change(c, true, argc, argv, &p, &nh);
	if (rc != 0)
		return rc;
	dps_fmt_route_dst(&p, buf, sizeof(buf));
	if (dps_route_get(c->app->stack, &p, &old) == 0)
		for (unsigned int j = 0; j < old.n_paths; j++)
			if ((nh.nic_id == DPS_ROUTE_ANY_NIC || old.paths[j].nic_id == nh.nic_id) &&
			    (!nh.has_gw ||
			     (old.paths[j].has_gw && dps_addr_eq(&old.paths[j].gw, &nh.gw))))
				match = true;
	if (!match)
		return ctl_err(c, -ESRCH, "route %s: %s", buf, strerror(ESRCH));
	if (old.connected)
		return ctl_err(c, -EBUSY,
			       "route %s is the connected route of an address on %s (delete the "
			       "address instead)",
			       buf, dps_fmt_nic(c->app, old.paths[0].nic_id));
	rc = dps_route_del(c->app->stack, &p);
	if (rc != 0)
		return ctl_err(c, rc, "route %s: %s", buf, strerror(-rc));
	return 0;
}

/* ---- route batches (docs/operations.md, "Loading many routes") ---- */

/*
 * `route batch COUNT` is served by the socket server (dps_ctlsock.c): the COUNT request lines
 * after it are staged by dps_ctl_batch_line() and committed as one dps_route_batch. Anywhere
 * else (the startup file, telemetry, dps_ctl_exec) no lines follow it.
 */
static int
cmd_route_batch(struct ctl *c, int argc, char **argv)
{
	return ctl_err(c, -EINVAL, "route batch: only on the control socket, followed by its "
				   "lines (dpstack-ctl -f sends one)");
}

/*
 * The fast path of a batch line (a full table is a million of them): `route add|replace|del
 * PREFIX [via GW] [dev NIC]` in its plain forms, parsed by hand, with the NIC of a gateway
 * remembered. Whatever it does not take (other spellings, `default`, any error) goes to the
 * general path below, which alone words the errors: a line means the same either way.
 */

/* Bumped by every command that changes the stack: the gateway memo's validity. */
static uint64_t ctl_gen;

/* The last gateway whose NIC was looked up (the socket thread's batches). */
static _Thread_local struct {
	uint64_t gen;
	bool valid;
	struct dps_addr gw;
	uint16_t nic_id;
} gw_memo;

/* "A.B.C.D", decimal octets without leading zeros (as inet_pton takes them); 0 or -1. */
static int
ip4_fast(const char *s, const char *end, struct dps_addr *a)
{
	memset(a, 0, sizeof(*a));
	for (unsigned int i = 0; i < 4; i++) {
		unsigned int v = 0, nd = 0;

		while (s < end && *s >= '0' && *s <= '9' && nd < 4) {
			v = v * 10 + (unsigned int)(*s++ - '0');
			nd++;
		}
		if (nd == 0 || nd > 3 || v > 255 || (nd > 1 && s[-(int)nd] == '0'))
			return -1;
		a->b[i] = (uint8_t)v;
		if (i < 3 && (s == end || *s++ != '.'))
			return -1;
	}
	if (s != end)
		return -1;
	a->len = 4;
	return 0;
}

/* An address token: IPv4 by hand, anything else by dps_addr_parse(). */
static int
addr_fast(const char *s, struct dps_addr *a)
{
	if (strchr(s, ':') == NULL)
		return ip4_fast(s, s + strlen(s), a);
	return dps_addr_parse(s, a);
}

/* PREFIX as ADDR/LEN with the host bits clear (the route commands' rule); 0 or -1. */
static int
prefix_fast(const char *s, struct dps_prefix *p)
{
	const char *slash = strchr(s, '/');
	struct dps_addr net;
	unsigned int plen = 0;
	char head[INET6_ADDRSTRLEN];

	memset(p, 0, sizeof(*p));
	if (slash == NULL || slash[1] == '\0' || (slash[1] == '0' && slash[2] != '\0'))
		return -1;
	for (const char *d = slash + 1; *d != '\0'; d++) {
		if (*d < '0' || *d > '9' || d - slash > 3)
			return -1;
		plen = plen * 10 + (unsigned int)(*d - '0');
	}
	if (memchr(s, ':', (size_t)(slash - s)) == NULL) {
		if (ip4_fast(s, slash, &p->addr) != 0)
			return -1;
	} else {
		if ((size_t)(slash - s) >= sizeof(head))
			return -1;
		memcpy(head, s, (size_t)(slash - s));
		head[slash - s] = '\0';
		if (dps_addr_parse(head, &p->addr) != 0)
			return -1;
	}
	if (plen > p->addr.len * 8u)
		return -1;
	p->plen = (uint8_t)plen;
	dps_prefix_network(p, &net);
	return dps_addr_eq(&net, &p->addr) ? 0 : -1;
}

/* The NIC a gateway is on (nic_for_gateway()), remembered while nothing changes. */
static bool
gw_nic_fast(struct dps_app *app, const struct dps_addr *gw, uint16_t *nic_id)
{
	uint64_t gen = __atomic_load_n(&ctl_gen, __ATOMIC_ACQUIRE);
	struct dps_nic *nic;

	if (gw_memo.valid && gw_memo.gen == gen && dps_addr_eq(&gw_memo.gw, gw)) {
		*nic_id = gw_memo.nic_id;
		return true;
	}
	nic = nic_for_gateway(app, gw);
	if (nic == NULL)
		return false;
	gw_memo.gen = gen;
	gw_memo.gw = *gw;
	gw_memo.nic_id = dps_nic_id(nic);
	gw_memo.valid = true;
	*nic_id = gw_memo.nic_id;
	return true;
}

/* 1: staged (or refused by the batch: rc in *rc); 0: for the general path. */
static int
batch_line_fast(struct ctl *c, struct dps_route_batch *b, const char *line, int *rc)
{
	char copy[256], *tok[8], *s = copy;
	struct dps_nic *nic = NULL;
	struct dps_nexthop nh;
	struct dps_prefix p;
	size_t len = strlen(line);
	int n = 0;
	bool del;

	if (len >= sizeof(copy))
		return 0;
	memcpy(copy, line, len + 1);
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == 8)
			return 0;
		tok[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			s++;
	}
	if (n < 3 || (n & 1) == 0 || strcmp(tok[0], "route") != 0)
		return 0;
	if (strcmp(tok[1], "del") == 0)
		del = true;
	else if (strcmp(tok[1], "add") == 0 || strcmp(tok[1], "replace") == 0)
		del = false;
	else
		return 0;
	if (prefix_fast(tok[2], &p) != 0)
		return 0;
	memset(&nh, 0, sizeof(nh));
	for (int i = 3; i < n; i += 2) {
		if (strcmp(tok[i], "via") == 0 && !nh.has_gw) {
			if (addr_fast(tok[i + 1], &nh.gw) != 0 || nh.gw.len != p.addr.len ||
			    !addr_is_unicast(&nh.gw))
				return 0;
			nh.has_gw = true;
		} else if (strcmp(tok[i], "dev") == 0 && nic == NULL) {
			nic = ctl_nic(c, tok[i + 1]);
			if (nic == NULL)
				return 0;
		} else {
			return 0;
		}
	}
	if (nic != NULL)
		nh.nic_id = dps_nic_id(nic);
	if (del) {
		if (nic == NULL)
			nh.nic_id = DPS_ROUTE_ANY_NIC;
		*rc = dps_route_batch_del(b, &p, (nic != NULL || nh.has_gw) ? &nh : NULL,
					  DPS_ROUTE_F_KEEP_CONNECTED);
	} else {
		if (nic == NULL && (!nh.has_gw || !gw_nic_fast(c->app, &nh.gw, &nh.nic_id)))
			return 0;
		*rc = dps_route_batch_add(b, &p, &nh, 1,
					  DPS_ROUTE_F_KEEP_CONNECTED |
						  (tok[1][0] == 'a' ? DPS_ROUTE_F_EXCL : 0));
	}
	if (*rc != 0)
		ctl_err(c, *rc, "route %s: %s", tok[2], strerror(-*rc));
	return 1;
}

int
dps_ctl_batch_line(struct dps_app *app, struct dps_route_batch *b, const char *line,
		   struct dps_out *o)
{
	struct ctl c = {.app = app, .o = o};
	char copy[CTL_LINE_MAX];
	char *argv[CTL_MAX_ARGS + 1];
	struct dps_nexthop nh;
	struct dps_prefix p;
	int argc, rc;
	bool del;

	dps_out_reset(o);
	if (batch_line_fast(&c, b, line, &rc))
		return rc;
	argc = ctl_split(&c, line, copy, argv);
	if (argc < 0)
		return argc;
	if (argc < 3 || strcmp(argv[0], "route") != 0 ||
	    (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "replace") != 0 &&
	     strcmp(argv[1], "del") != 0))
		return ctl_err(&c, -EINVAL, "a route batch takes route add, replace and del lines");
	del = strcmp(argv[1], "del") == 0;
	rc = parse_route_change(&c, del, argc - 2, argv + 2, &p, &nh);
	if (rc != 0)
		return rc;
	if (del)
		rc = dps_route_batch_del(b, &p,
					 (nh.nic_id != DPS_ROUTE_ANY_NIC || nh.has_gw) ? &nh : NULL,
					 DPS_ROUTE_F_KEEP_CONNECTED);
	else
		rc = dps_route_batch_add(b, &p, &nh, 1,
					 DPS_ROUTE_F_KEEP_CONNECTED |
						 (argv[1][0] == 'a' ? DPS_ROUTE_F_EXCL : 0));
	if (rc != 0)
		return ctl_err(&c, rc, "route %s: %s", argv[2], strerror(-rc));
	return 0;
}

int
dps_ctl_batch_commit(struct dps_app *app, struct dps_route_batch *b, const char *client,
		     struct dps_out *o)
{
	struct ctl c = {.app = app, .o = o};
	struct dps_route_batch_err e = {0};
	unsigned int n = dps_route_batch_size(b);
	struct dps_route_info old;
	char buf[64];
	int rc;

	dps_out_reset(o);
	rc = dps_route_batch_commit(b, &e);
	if (rc == 0) {
		DPS_LOG(INFO, "audit: %s: route batch of %u changes: ok",
			client != NULL ? client : "?", n);
		return 0;
	}
	dps_fmt_route_dst(&e.prefix, buf, sizeof(buf));
	/* The words route add / del use for the same refusal, and which change it was. */
	if (rc == -EBUSY && dps_route_get(app->stack, &e.prefix, &old) == 0)
		ctl_err(&c, rc, "%u: route %s is the connected route of an address on %s (%s)",
			e.index + 1, buf, dps_fmt_nic(app, old.paths[0].nic_id),
			e.del ? "delete the address instead" : "change the address");
	else
		ctl_err(&c, rc, "%u: route %s: %s", e.index + 1, buf,
			strerror(e.del && rc == -ENOENT ? ESRCH : -rc));
	DPS_LOG(INFO, "audit: %s: route batch of %u changes: %s", client != NULL ? client : "?",
		n, o->buf);
	return rc;
}

/* ---- neighbours ---- */

static bool
neigh_exists(struct dps_app *app, uint16_t nic_id, const struct dps_addr *a)
{
	struct dps_neigh_info *v;
	bool found = false;
	int n = fetch_neigh(app->stack, &v);

	for (int i = 0; i < n; i++)
		if (v[i].nic_id == nic_id && dps_addr_eq(&v[i].addr, a))
			found = true;
	if (n >= 0)
		free(v);
	return found;
}

/* ADDR [lladdr] MAC [dev] NIC: today's words and `ip neigh`'s. */
/* neigh add, neigh replace (the table's variant: replace). */
static int
neigh_change(struct ctl *c, int argc, char **argv)
{
	bool replace = c->cmd->variant;
	struct rte_ether_addr mac;
	const char *w[3];
	struct dps_addr a;
	struct dps_nic *nic;
	char buf[INET6_ADDRSTRLEN];
	int n = 0, rc;

	for (int i = 0; i < argc; i++)
		if (!(i > 0 && (strcmp(argv[i], "lladdr") == 0 || strcmp(argv[i], "dev") == 0))) {
			if (n == 3)
				return ctl_usage(c);
			w[n++] = argv[i];
		}
	if (n != 3)
		return ctl_usage(c);
	rc = parse_addr(c, w[0], &a);
	if (rc != 0)
		return rc;
	if (!addr_is_unicast(&a))
		return ctl_err(c, -EINVAL, "neighbor '%s' is not a unicast address", w[0]);
	if (dps_parse_mac(w[1], mac.addr_bytes) != 0)
		return ctl_err(c, -EINVAL, "bad MAC '%s' (want xx:xx:xx:xx:xx:xx)", w[1]);
	/* A neighbour is one station: its link address is unicast and not zero. */
	if (!rte_is_valid_assigned_ether_addr(&mac))
		return ctl_err(c, -EINVAL,
			       "bad MAC '%s': a neighbor needs a unicast, non-zero address", w[1]);
	nic = ctl_nic(c, w[2]);
	if (nic == NULL)
		return ctl_err(c, -ENODEV, "neighbor on unknown nic '%s'", w[2]);
	dps_addr_fmt(&a, buf, sizeof(buf));
	if (!replace && neigh_exists(c->app, dps_nic_id(nic), &a))
		return ctl_err(c, -EEXIST, "neighbor %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(EEXIST));
	rc = dps_neigh_add_static(c->app->stack, dps_nic_id(nic), &a, &mac);
	if (rc != 0)
		return ctl_err(c, rc, "neighbor %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	return 0;
}

static int
cmd_neigh_del(struct ctl *c, int argc, char **argv)
{
	struct dps_addr a;
	struct dps_nic *nic;
	char buf[INET6_ADDRSTRLEN];
	const char *name = argv[argc - 1];
	int rc;

	if (argc == 3 && strcmp(argv[1], "dev") != 0)
		return ctl_usage(c);
	rc = parse_addr(c, argv[0], &a);
	if (rc != 0)
		return rc;
	nic = ctl_nic(c, name);
	if (nic == NULL)
		return ctl_err(c, -ENODEV, "neighbor on unknown nic '%s'", name);
	dps_addr_fmt(&a, buf, sizeof(buf));
	rc = dps_neigh_del(c->app->stack, dps_nic_id(nic), &a);
	if (rc != 0)
		return ctl_err(c, rc, "neighbor %s on %s: %s", buf, dps_nic_name(nic),
			       strerror(-rc));
	return 0;
}

/* ---- groups, flags ---- */

/* join, leave (the table's variant: join). */
static int
cmd_group(struct ctl *c, int argc, char **argv)
{
	bool join = c->cmd->variant;
	struct dps_nic *nic;
	struct dps_addr g;
	char buf[INET6_ADDRSTRLEN];
	int rc;

	NIC_OR_ERR(nic, c, argv[0]);
	rc = parse_addr(c, argv[1], &g);
	if (rc != 0)
		return rc;
	dps_addr_fmt(&g, buf, sizeof(buf));
	if (!addr_is_multicast(&g))
		return ctl_err(c, -EINVAL, "%s is not a multicast group", buf);
	rc = join ? dps_nic_join_group(nic, addr_proto(&g), &g) : dps_nic_leave_group(nic, &g);
	if (rc == -EADDRNOTAVAIL)
		return ctl_err(c, rc, "group %s not joined on %s", buf, dps_nic_name(nic));
	if (rc != 0)
		return ctl_err(c, rc, "cannot %s %s on %s: %s", join ? "join" : "leave", buf,
			       dps_nic_name(nic), strerror(-rc));
	return 0;
}

static bool
nic_has_ipv6(struct dps_nic *nic)
{
	struct dps_endpoint_info *v;
	struct dps_prefix *r;
	bool found = false;
	int n = fetch_endpoints(nic, &v);

	for (int i = 0; i < n; i++)
		found |= ep_is_configured(&v[i]) && v[i].prefix.addr.len == 16;
	if (n >= 0)
		free(v);
	n = fetch_ranges(nic, &r);
	for (int i = 0; i < n; i++)
		found |= r[i].addr.len == 16;
	if (n >= 0)
		free(r);
	return found;
}

/*
 * A VLAN NIC carries at most its port's MTU, and a port's MTU is never lowered under one of its
 * VLAN NICs' (refused, not clamped: a command changes only what it names, and the error names
 * the NIC to lower first). Equal is allowed with either way of tagging: the 4-byte 802.1Q tag
 * travels outside the MTU (1500 makes 1522-byte tagged frames, IEEE 802.3 clause 3.5), the
 * port's receive side is sized for two tags (dps_port.c) and a software tag goes into the
 * headroom of the frame the PMD sends, as a PMD-inserted one is added by the device.
 */
static int
vlan_mtu_check(struct ctl *c, struct dps_nic *nic, struct dps_app_port *p, unsigned long mtu)
{
	const struct dps_config *cfg = &c->app->cfg;
	struct dps_app_vlan *v = nic_vlan(c->app, nic);

	if (v != NULL && mtu > v->parent->mtu)
		return ctl_err(c, -EINVAL,
			       "mtu %lu too big for nic '%s', vlan %u of nic '%s' with mtu %u "
			       "(raise %s's first)",
			       mtu, dps_nic_name(nic), cfg->nics[v->nic_id].vlan,
			       dps_nic_name(v->parent->nic), v->parent->mtu,
			       dps_nic_name(v->parent->nic));
	for (uint16_t i = 0; p != NULL && i < c->app->n_vlans; i++) {
		v = &c->app->vlans[i];
		if (v->parent == p && v->nic != NULL && dps_nic_mtu(v->nic) > mtu)
			return ctl_err(c, -EINVAL,
				       "mtu %lu too small for nic '%s': its vlan %u, nic '%s', has "
				       "mtu %u (lower it first)",
				       mtu, dps_nic_name(nic), cfg->nics[v->nic_id].vlan,
				       dps_nic_name(v->nic), dps_nic_mtu(v->nic));
	}
	return 0;
}

/* set NIC mtu N: the port first (it may refuse), then the stack's NIC. */
static int
set_mtu(struct ctl *c, struct dps_nic *nic, const char *val)
{
	struct dps_app_port *p = nic_port(c->app, nic);
	unsigned long mtu;
	int rc;

	if (!parse_num(val, 0, ULONG_MAX, &mtu))
		return ctl_err(c, -EINVAL, "bad mtu '%s' (a number %d..%d)", val, DPS_CFG_MTU_MIN,
			       DPS_CFG_MTU_MAX);
	if (mtu < DPS_CFG_MTU_MIN || mtu > DPS_CFG_MTU_MAX)
		return ctl_err(c, -EINVAL, "mtu '%s' out of range (%d..%d)", val, DPS_CFG_MTU_MIN,
			       DPS_CFG_MTU_MAX);
	if (mtu < DPS_CFG_MTU_MIN_IPV6 && nic_has_ipv6(nic))
		return ctl_err(c, -EINVAL,
			       "mtu %lu too small for nic '%s' with an IPv6 address: IPv6 needs "
			       "%u (RFC 8200 section 5)",
			       mtu, dps_nic_name(nic), DPS_CFG_MTU_MIN_IPV6);
	rc = vlan_mtu_check(c, nic, p, mtu);
	if (rc != 0)
		return rc;
	if (p != NULL) {
		rc = rte_eth_dev_set_mtu(p->port_id, (uint16_t)mtu);
		if (rc != 0)
			return ctl_err(c, rc, "port %u refused mtu %lu: %s", p->port_id, mtu,
				       strerror(-rc));
		p->mtu = (uint16_t)mtu;
	}
	dps_nic_set_mtu(nic, (uint16_t)mtu);
	return 0;
}

static int
cmd_set(struct ctl *c, int argc, char **argv)
{
	struct dps_nic *nic;
	bool on;
	int rc;

	NIC_OR_ERR(nic, c, argv[0]);
	if (strcmp(argv[1], "mtu") == 0)
		return set_mtu(c, nic, argv[2]);
	if (strcmp(argv[1], "promiscuous") != 0 && strcmp(argv[1], "spoofing") != 0 &&
	    strcmp(argv[1], "forwarding") != 0)
		return ctl_err(c, -EINVAL,
			       "unknown key '%s' (promiscuous, spoofing, forwarding, mtu)", argv[1]);
	rc = parse_onoff(c, argv[2], argv[1], &on);
	if (rc != 0)
		return rc;
	if (argv[1][0] == 'p')
		dps_nic_set_promiscuous(nic, on);
	else if (argv[1][0] == 's')
		dps_nic_set_spoofing(nic, on);
	else
		dps_nic_set_forwarding(nic, on);
	return 0;
}

static int
cmd_forwarding(struct ctl *c, int argc, char **argv)
{
	bool on;
	int rc = parse_onoff(c, argv[0], "forwarding", &on);

	if (rc == 0)
		dps_stack_set_forwarding(c->app->stack, on);
	return rc;
}

/* ---- packet trace (app/dps_trace.c) ---- */

static int
cmd_trace_add(struct ctl *c, int argc, char **argv)
{
	unsigned long n;

	if (!parse_num(argv[0], 1, DPS_TRACE_MAX, &n))
		return ctl_err(c, -EINVAL, "bad packet count '%s' (1..%d)", argv[0], DPS_TRACE_MAX);
	return dps_trace_add(c->app, (unsigned int)n);
}

static int
cmd_show_trace(struct ctl *c, int argc, char **argv)
{
	dps_trace_show(c->app, c->o, c->json);
	return 0;
}

static int
cmd_clear_trace(struct ctl *c, int argc, char **argv)
{
	dps_trace_clear(c->app);
	return 0;
}

/* ---- ping from the stack (app/dps_ping.c) ---- */

/* The NIC holding a (permanent) address, or NULL: ping's source must be ours. */
static struct dps_nic *
nic_owning(struct dps_app *app, const struct dps_addr *a)
{
	struct dps_nic *found = NULL;

	/* Under the writer lock the endpoint cannot be freed while its kind is read. */
	dps_stack_lock(app->stack);
	for (uint16_t id = 0; id < DPS_MAX_NICS && found == NULL; id++) {
		struct dps_nic *nic = dps_stack_nic(app->stack, id);
		struct dps_endpoint *ep = nic != NULL ? dps_nic_endpoint_rcu(nic, a) : NULL;

		if (ep != NULL && dps_endpoint_kind(ep) == DPS_EP_PERMANENT)
			found = nic;
	}
	dps_stack_unlock(app->stack);
	return found;
}

/* ping ADDR [count N] [size S] [source A] [interval MS] [timeout MS], in any order. */
static int
cmd_ping(struct ctl *c, int argc, char **argv)
{
	static const struct {
		const char *kw;
		unsigned long min, max;
	} k[] = {{"count", 1, DPS_PING_MAX_COUNT}, {"size", 0, 65507}, {"interval", 1, 60000},
		 {"timeout", 1, 60000}};
	struct dps_ping_opts po = {.count = 5, .size = 56, .interval_ms = 1000, .timeout_ms = 1000};
	unsigned int *val[] = {&po.count, &po.size, &po.interval_ms, &po.timeout_ms};
	struct dps_nic *own;
	char buf[INET6_ADDRSTRLEN];
	unsigned long v;
	int rc = parse_addr(c, argv[0], &po.dst), i;
	size_t j;

	if (rc != 0)
		return rc;
	if (!addr_is_unicast(&po.dst))
		return ctl_err(c, -EINVAL, "ping: '%s' is not a unicast address", argv[0]);
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "source") == 0) {
			rc = parse_addr(c, argv[i + 1], &po.src);
			if (rc != 0)
				return rc;
			if (po.src.len != po.dst.len)
				return ctl_err(c, -EINVAL, "source '%s' is not of the family of '%s'",
					       argv[i + 1], argv[0]);
			if (nic_owning(c->app, &po.src) == NULL)
				return ctl_err(c, -EADDRNOTAVAIL, "source %s: %s", argv[i + 1],
					       strerror(EADDRNOTAVAIL));
			continue;
		}
		for (j = 0; j < RTE_DIM(k) && strcmp(argv[i], k[j].kw) != 0; j++)
			;
		if (j == RTE_DIM(k))
			return ctl_err(c, -EINVAL,
				       "unexpected '%s' (want count, size, source, interval or timeout)",
				       argv[i]);
		if (!parse_num(argv[i + 1], k[j].min, k[j].max, &v))
			return ctl_err(c, -EINVAL, "bad %s '%s' (%lu..%lu)", k[j].kw, argv[i + 1],
				       k[j].min, k[j].max);
		*val[j] = (unsigned int)v;
	}
	if (i != argc)
		return ctl_err(c, -EINVAL, "'%s' needs a value", argv[i]);
	own = nic_owning(c->app, &po.dst);
	if (own != NULL)
		return ctl_err(c, -EINVAL, "ping: %s is this stack's own address (on %s)",
			       dps_addr_fmt(&po.dst, buf, sizeof(buf)), dps_nic_name(own));
	/* The control socket serves one command at a time: a ping holds it while it runs. */
	if ((uint64_t)po.count * po.interval_ms > 300000)
		return ctl_err(c, -EINVAL, "ping: count x interval over 300 s would hold the "
			       "control socket that long");
	return dps_ping_run(c->app, &po, c->json, c->o);
}

/* ---- help and completion, from the table ---- */

static int cmd_help(struct ctl *c, int argc, char **argv);
static int cmd_complete(struct ctl *c, int argc, char **argv);

#define CHANGES true
#define QUERY false
/* The command table: docs/operations.md lists exactly these (test/integration/test_ctl.py). */
static const struct dps_ctl_cmd ctl_cmds[] = {
	{"help", "[COMMAND...]", "list the commands, or those starting with COMMAND", cmd_help,
	 "help", QUERY},
	{"show version", "", "dpstack's version, git describe and DPDK's version",
	 cmd_show_version, "version", QUERY},
	{"show interfaces", "[NIC]",
	 "ports: driver, device, link, MTU, MAC, queues and ethdev counters per queue",
	 cmd_show_interfaces, "interfaces", QUERY},
	{"show nics", "", "NICs: id, name, port, MAC, MTU, flags", cmd_show_nics, "nics", QUERY},
	{"show addresses", "[NIC] [all]",
	 "addresses per NIC in `ip addr`'s shape; all adds the stack's own endpoints",
	 cmd_show_addresses, "addresses", QUERY},
	{"show ranges", "[NIC]", "address ranges (AnyIP)", cmd_show_ranges, "ranges", QUERY},
	{"show routes", "", "routes in `ip route`'s shape", cmd_show_routes, "routes", QUERY},
	{"show neigh", "", "neighbour table in `ip neigh`'s shape", cmd_show_neigh, "neigh",
	 QUERY},
	{"show stats", "[NIC] [all]", "counters of one NIC, or the sum and every NIC",
	 cmd_show_stats, "stats", QUERY},
	{"show running-config", "", "a config file that recreates the current state",
	 cmd_show_running_config, "running-config", QUERY},
	{"show trace", "", "the packets recorded by trace add", cmd_show_trace, "trace", QUERY},
	{"save", "FILE", "write show running-config to FILE (on the dpstack host)", cmd_save,
	 "saved", QUERY},
	{"trace add", "N",
	 "record the next N packets (1..128) each worker receives: path, verdict, counters",
	 cmd_trace_add, "empty", QUERY},
	{"clear trace", "", "stop tracing and forget the records", cmd_clear_trace, "empty",
	 QUERY},
	{"clear stats", "[NIC]", "start the counters (and the ports' ethdev counters) from zero",
	 cmd_clear_stats, "empty", CHANGES},
	{"addr add", "NIC ADDR/PLEN [first|never]", "add an address and its connected route",
	 cmd_addr_add, "empty", CHANGES},
	{"addr del", "NIC ADDR[/PLEN]", "delete an address and its connected route",
	 cmd_addr_del, "empty", CHANGES},
	{"range add", "NIC PREFIX", "answer for every address of PREFIX", cmd_range,
	 "empty", CHANGES, 1},
	{"range del", "NIC PREFIX", "delete an address range", cmd_range, "empty", CHANGES},
	{"route add", "PREFIX|default [via GW] [dev NIC]", "add a route (File exists if there)",
	 route_change, "empty", CHANGES},
	{"route replace", "PREFIX|default [via GW] [dev NIC]", "add or replace a route",
	 route_change, "empty", CHANGES, 1},
	{"route del", "PREFIX|default [via GW] [dev NIC]",
	 "delete a static route (connected routes go with their address)", cmd_route_del,
	 "empty", CHANGES},
	{"route batch", "COUNT",
	 "the next COUNT lines (route add/replace/del) change the table as one, or not at all",
	 cmd_route_batch, "empty", CHANGES},
	{"neigh add", "ADDR [lladdr] MAC [dev] NIC", "add a static neighbour (File exists if there)",
	 neigh_change, "empty", CHANGES},
	{"neigh replace", "ADDR [lladdr] MAC [dev] NIC", "add or replace a static neighbour",
	 neigh_change, "empty", CHANGES, 1},
	{"neigh del", "ADDR [dev] NIC", "delete a neighbour of any state", cmd_neigh_del, "empty",
	 CHANGES},
	{"join", "NIC GROUP", "join a multicast group", cmd_group, "empty", CHANGES, 1},
	{"leave", "NIC GROUP", "leave a multicast group", cmd_group, "empty", CHANGES},
	{"set", "NIC promiscuous|spoofing|forwarding|mtu VALUE",
	 "a NIC's flag (on|off) or its MTU (68..9000)", cmd_set, "empty", CHANGES},
	{"forwarding", "on|off", "the stack-wide forwarding switch", cmd_forwarding, "empty",
	 CHANGES},
	{"ping", "ADDR [count N] [size S] [source A] [interval MS] [timeout MS]",
	 "echo requests from the stack (default count 5, size 56, interval and timeout 1000 ms)",
	 cmd_ping, "ping", QUERY},
	{"complete", "[WORDS...]", "what may follow WORDS (the interactive shell's completion)",
	 cmd_complete, "complete", QUERY},
};
#define N_CMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

const struct dps_ctl_cmd *
dps_ctl_commands(unsigned int *n)
{
	*n = N_CMDS;
	return ctl_cmds;
}

/*
 * The i-th word of a command name or an argument spec (words are separated by one space;
 * "[via GW]" is two: "[via" and "GW]"), length in *len; NULL when there is none.
 */
static const char *
nth_word(const char *s, int i, size_t *len)
{
	for (; i > 0 && s != NULL; i--) {
		s = strchr(s, ' ');
		if (s != NULL)
			s++;
	}
	if (s == NULL)
		return NULL;
	*len = strcspn(s, " ");
	return *len ? s : NULL;
}

static int
name_words(const char *name)
{
	int n = 1;

	for (; *name != '\0'; name++)
		n += *name == ' ';
	return n;
}

/* Arguments a spec takes: the words outside [] are needed, "..." takes any number. */
static void
arg_counts(const char *spec, int *min, int *max)
{
	int depth = 0;
	bool in_word = false;

	*min = *max = 0;
	if (strstr(spec, "...") != NULL)
		*max = CTL_MAX_ARGS;
	for (const char *p = spec;; p++) {
		bool sep = *p == ' ' || *p == '\0';

		if (*p == '[')
			depth++;
		if (!sep && !in_word && *p != '[' && *p != ']') {
			in_word = true;
			if (depth == 0)
				(*min)++;
			if (strstr(spec, "...") == NULL)
				(*max)++;
		}
		if (*p == ']')
			depth--;
		if (sep)
			in_word = false;
		if (*p == '\0')
			break;
	}
}

static bool
word_matches(const struct dps_ctl_cmd *cmd, int w, const char *arg, bool *exact)
{
	size_t len, alen = strlen(arg);
	const char *nw = nth_word(cmd->name, w, &len);

	if (nw == NULL || alen > len || strncmp(nw, arg, alen) != 0)
		return false;
	*exact = alen == len;
	return true;
}

/*
 * The commands whose name the first words of argv abbreviate, word by word: each word is a
 * unique prefix, and an exact word wins over longer ones. Fills match[] with the commands
 * whose whole name was given (or, if none, with those the words only began to name) and
 * returns their number; *used is the number of words that belong to the name.
 */
static int
lookup(int argc, char **argv, const struct dps_ctl_cmd **match, int *used)
{
	bool alive[N_CMDS], e, last_exact = false;
	int n = 0, w;

	for (size_t i = 0; i < N_CMDS; i++)
		alive[i] = true;
	for (w = 0; w < argc; w++) {
		bool any = false, exact = false;

		for (size_t i = 0; i < N_CMDS; i++)
			if (alive[i] && word_matches(&ctl_cmds[i], w, argv[w], &e)) {
				any = true;
				exact |= e;
			}
		if (!any)
			break;
		for (size_t i = 0; i < N_CMDS; i++)
			alive[i] = alive[i] && word_matches(&ctl_cmds[i], w, argv[w], &e) &&
				   (!exact || e);
		last_exact = exact;
	}
	/* "set" names set, not "settings"; "s" is any of them. */
	for (size_t i = 0; last_exact && i < N_CMDS; i++)
		if (alive[i] && name_words(ctl_cmds[i].name) == w)
			match[n++] = &ctl_cmds[i];
	if (n == 0 && w > 0)
		for (size_t i = 0; i < N_CMDS; i++)
			if (alive[i])
				match[n++] = &ctl_cmds[i];
	*used = w;
	return n;
}

static int
cmd_help(struct ctl *c, int argc, char **argv)
{
	const struct dps_ctl_cmd *m[N_CMDS];
	int n = (int)N_CMDS, used;
	bool first = true;

	if (argc > 0) {
		n = lookup(argc, argv, m, &used);
		if (n == 0)
			return ctl_err(c, -EINVAL, "unknown command '%s' (try help)", argv[0]);
	} else {
		for (size_t i = 0; i < N_CMDS; i++)
			m[i] = &ctl_cmds[i];
	}
	if (c->json)
		P("[");
	for (int i = 0; i < n; i++) {
		if (!c->json) {
			char syn[256];

			snprintf(syn, sizeof(syn), "%s%s%s", m[i]->name, m[i]->args[0] ? " " : "",
				 m[i]->args);
			P("%-52s %s\n", syn, m[i]->help);
			continue;
		}
		P("%s{\"command\": ", json_sep(&first));
		dps_out_jstr(c->o, m[i]->name);
		P(", \"args\": ");
		dps_out_jstr(c->o, m[i]->args);
		P(", \"help\": ");
		dps_out_jstr(c->o, m[i]->help);
		P(", \"schema\": \"%s\", \"changes\": %s}", m[i]->schema,
		  m[i]->changes ? "true" : "false");
	}
	if (c->json)
		P("]\n");
	return 0;
}

/* Candidates for one word of an argument spec: literals (a|b), NIC names for NIC. */
static void
complete_spec_word(struct ctl *c, const char *w, size_t len, const char *prefix)
{
	char tok[64];

	while (len > 0 && (*w == '[' || w[len - 1] == ']')) {
		if (*w == '[') {
			w++;
			len--;
		} else {
			len--;
		}
	}
	if (len >= sizeof(tok))
		return;
	memcpy(tok, w, len);
	tok[len] = '\0';
	if (strcmp(tok, "NIC") == 0) {
		for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
			struct dps_nic *nic = dps_stack_nic(c->app->stack, id);

			if (nic != NULL && strncmp(dps_nic_name(nic), prefix, strlen(prefix)) == 0)
				P("%s\n", dps_nic_name(nic));
		}
		return;
	}
	for (char *save = NULL, *t = strtok_r(tok, "|", &save); t != NULL;
	     t = strtok_r(NULL, "|", &save))
		if (!isupper((unsigned char)t[0]) && strncmp(t, prefix, strlen(prefix)) == 0)
			P("%s\n", t);
}

/*
 * complete WORDS...: one candidate a line for the last word (an empty last word, written as
 * a trailing space by the shell, is passed as the word ""). Command names first, then the
 * command's arguments: literals and NIC names, after a keyword the word it takes.
 */
static int
complete_words(struct ctl *c, int argc, char **argv)
{
	const struct dps_ctl_cmd *m[N_CMDS];
	const char *last = argc ? argv[argc - 1] : "", *sw, *prev = NULL;
	int nw = argc ? argc - 1 : 0, n = 0, used = 0, nargs;
	size_t len, prevlen = 0;
	bool e;

	if (nw > 0)
		n = lookup(nw, argv, m, &used);
	if (n != 1 || name_words(m[0]->name) != used) {
		/* Still in the command name: the next word of every name that fits. */
		for (size_t i = 0; i < N_CMDS; i++) {
			bool fits = word_matches(&ctl_cmds[i], nw, last, &e);

			for (int k = 0; fits && k < nw; k++)
				fits = word_matches(&ctl_cmds[i], k, argv[k], &e);
			sw = fits ? nth_word(ctl_cmds[i].name, nw, &len) : NULL;
			if (sw == NULL || (prev != NULL && prevlen == len && !strncmp(prev, sw, len)))
				continue;
			P("%.*s\n", (int)len, sw);
			prev = sw;
			prevlen = len;
		}
		return 0;
	}
	nargs = nw - used;
	/* After a keyword (via, dev, lladdr...) the spec word that follows it. */
	for (int i = 0; nargs > 0 && (sw = nth_word(m[0]->args, i, &len)) != NULL; i++) {
		const char *kw = argv[nw - 1];

		if (*sw == '[') {
			sw++;
			len--;
		}
		if (len == strlen(kw) && strncmp(sw, kw, len) == 0) {
			sw = nth_word(m[0]->args, i + 1, &len);
			if (sw != NULL)
				complete_spec_word(c, sw, len, last);
			return 0;
		}
	}
	sw = nth_word(m[0]->args, nargs, &len);
	if (sw != NULL)
		complete_spec_word(c, sw, len, last);
	return 0;
}

/* The candidates one a line, or with --json as an array of strings. */
static int
cmd_complete(struct ctl *c, int argc, char **argv)
{
	complete_words(c, argc, argv);
	return c->json ? text_to_json(c, NULL) : 0;
}

/* ---- dispatch ---- */

void
dps_ctl_json_error(struct dps_out *o, int rc, const char *msg)
{
	char copy[1024];

	snprintf(copy, sizeof(copy), "%s", msg);
	dps_out_reset(o);
	dps_out_printf(o, "{\"error\": ");
	dps_out_jstr(o, copy);
	dps_out_printf(o, ", \"errno\": %d, \"strerror\": ", -rc);
	dps_out_jstr(o, strerror(-rc));
	dps_out_printf(o, "}\n");
}

static int
ctl_dispatch(struct ctl *c, int argc, char **argv)
{
	const struct dps_ctl_cmd *m[N_CMDS];
	int n, used, min, max;

	if (argc == 0)
		return ctl_err(c, -EINVAL, "empty command (try help)");
	n = lookup(argc, argv, m, &used);
	if (n == 0)
		return ctl_err(c, -EINVAL, "unknown command '%s' (try help)", argv[0]);
	if (n > 1) {
		char list[512];
		size_t off = 0, len = 0, l0 = 0;
		const char *w0 = nth_word(m[0]->name, used - 1, &l0);
		bool same = true;

		/* "show": every candidate goes on from the same words, so it is incomplete. */
		for (int i = 0; i < n; i++) {
			const char *wi = nth_word(m[i]->name, used - 1, &len);

			same &= wi != NULL && w0 != NULL && len == l0 && !strncmp(wi, w0, len);
		}
		list[0] = '\0';
		for (int i = 0; i < n && off < sizeof(list); i++) {
			const char *nw = same ? nth_word(m[i]->name, used, &len) : m[i]->name;

			if (!same)
				len = strlen(nw);
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%.*s",
						i ? (same ? "|" : ", ") : "", (int)len, nw);
		}
		if (same)
			return ctl_err(c, -EINVAL, "usage: %.*s %s", (int)(w0 - m[0]->name + l0),
				       m[0]->name, list);
		return ctl_err(c, -EINVAL, "ambiguous command '%s' (%s)", argv[used - 1], list);
	}
	c->cmd = m[0];
	if (name_words(m[0]->name) > used)
		return ctl_usage(c);
	arg_counts(m[0]->args, &min, &max);
	if (argc - used < min || argc - used > max)
		return ctl_usage(c);
	/* A change may move an address: the batch lines' gateway memo is void. */
	if (m[0]->changes)
		__atomic_fetch_add(&ctl_gen, 1, __ATOMIC_RELEASE);
	return m[0]->fn(c, argc - used, argv + used);
}

int
dps_ctl_run(struct dps_app *app, const char *line, bool json, const char *client,
	    struct dps_out *o)
{
	struct ctl c = {.app = app, .o = o, .json = json};
	char copy[CTL_LINE_MAX];
	char *argv[CTL_MAX_ARGS + 1];
	int argc, rc;

	dps_out_reset(o);
	argc = ctl_split(&c, line, copy, argv);
	if (argc < 0)
		return argc;
	/* `complete` keeps a trailing blank as an empty last word: the shell's cursor. */
	if (argc > 0 && strncmp(argv[0], "complete", strlen(argv[0])) == 0 && argc < CTL_MAX_ARGS &&
	    line[0] != '\0' && isspace((unsigned char)line[strlen(line) - 1]) &&
	    strchr(line, ' ') != NULL)
		argv[argc++] = (char *)"";
	if (app == NULL || app->stack == NULL)
		return ctl_err(&c, -ENODEV, "no stack");
	rc = ctl_dispatch(&c, argc, argv);
	if (rc == 0 && o->overflow)
		rc = ctl_err(&c, -ENOBUFS, "reply too large");
	/* The audit trail: who changed what, and whether it took (dpstack.app, INFO). */
	if (c.cmd != NULL && c.cmd->changes)
		DPS_LOG(INFO, "audit: %s: %s: %s", client != NULL ? client : "?", line,
			rc == 0 ? "ok" : o->buf);
	return rc;
}

int
dps_ctl_exec(struct dps_app *app, const char *line, bool json, char *out, size_t outlen)
{
	struct dps_out o = {.buf = out, .cap = outlen, .fixed = true};
	int rc;

	if (outlen == 0)
		return -ENOBUFS;
	rc = dps_ctl_run(app, line, json, "api", &o);
	if (o.overflow) {
		dps_out_reset(&o);
		dps_out_printf(&o, "reply too large");
		rc = -ENOBUFS;
	}
	if (rc != 0 && json) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", out);
		dps_ctl_json_error(&o, rc, msg);
	}
	return rc;
}

int
dps_ctl_run_file(struct dps_app *app, const char *path, char *err, size_t errlen)
{
	struct dps_out o = {0};
	char line[CTL_LINE_MAX], who[300];
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
		p[strcspn(p, "\r\n")] = '\0';
		snprintf(who, sizeof(who), "startup %s:%d", path, lineno);
		rc = dps_ctl_run(app, p, false, who, &o);
		if (rc != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, o.buf);
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	free(o.buf);
	fclose(f);
	return rc;
}
