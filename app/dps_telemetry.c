/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /dpstack/... commands on DPDK's telemetry socket (usertools/dpdk-telemetry.py).
 *
 * The callbacks run on DPDK's telemetry thread. Everything they read either never changes
 * after start (NIC names, MACs), is an atomic flag, is summed from per-context counters, or
 * comes from a lib/nic query that takes the stack's writer lock itself.
 *
 * DPDK 22.11's telemetry callbacks take no user argument (rte_telemetry_register_cmd_arg came
 * later), so the one application this process runs is reached through the single pointer
 * below: the only file-scope state of the application, set once before the commands exist.
 *
 * Containers: 22.11 nests one level only (a dict may hold an array or dict of plain values),
 * so a NIC's addresses are parallel arrays and long lists (routes, neighbours) are capped to
 * what a telemetry reply holds; "total" says how many there are.
 *
 * Names: 22.11 drops dict entries whose name has a character other than [A-Za-z0-9_/], so
 * counters appear with '.' turned into '_' (rx.packets -> rx_packets), and routes and
 * neighbours, whose addresses hold '.' and ':', are arrays of strings rather than dicts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "dps_app.h"
#include "dps_neigh.h"
#include "dps_nic.h"
#include "dps_route.h"

/* Entries listed per array: a reply is at most 16 KiB of JSON; what does not fit is dropped. */
#define TEL_LIST_MAX 128
/* A NIC's reply also carries every counter: fewer addresses fit. */
#define TEL_ADDR_MAX 64

static struct dps_app *tel_app;

static const char *
tel_nic_name(uint16_t id)
{
	struct dps_nic *nic = dps_stack_nic(tel_app->stack, id);

	return nic != NULL ? dps_nic_name(nic) : "?";
}

/* /dpstack/nics: {"0": "lan0", "1": "lan1"}; ids are the keys (a NIC name may hold a '-'). */
static int
tel_nics_held(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char key[8];

	rte_tel_data_start_dict(d);
	for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
		struct dps_nic *nic = dps_stack_nic(tel_app->stack, id);

		if (nic == NULL)
			continue;
		snprintf(key, sizeof(key), "%u", id);
		rte_tel_data_add_dict_string(d, key, dps_nic_name(nic));
	}
	return 0;
}

static void
tel_counters(struct rte_tel_data *d, int nic_id)
{
	uint64_t c[DPS_CNT_MAX];
	char name[RTE_TEL_MAX_STRING_LEN];

	dps_stack_counters(tel_app->stack, nic_id, c);
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "%s", dps_counter_names[i]);
		for (char *p = name; *p != '\0'; p++)
			if (*p == '.')
				*p = '_';
		rte_tel_data_add_dict_u64(d, name, c[i]);
	}
}

/* /dpstack/stats: every stack-wide counter by its seed name. */
static int
tel_stats_held(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	tel_counters(d, -1);
	return 0;
}

static struct rte_tel_data *
tel_array(enum rte_tel_value_type t)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a != NULL)
		rte_tel_data_start_array(a, t);
	return a;
}

static const char *
tel_kind(enum dps_ep_kind k)
{
	return k == DPS_EP_PERMANENT	       ? "permanent"
	       : k == DPS_EP_PERMANENT_EXPIRED ? "expired"
					       : "temporary";
}

static const char *
tel_peb(enum dps_peb p)
{
	return p == DPS_PEB_FIRST_PRIMARY   ? "first-primary"
	       : p == DPS_PEB_NEVER_PRIMARY ? "never-primary"
					    : "can-be-primary";
}

static int
tel_nic_addresses(struct rte_tel_data *d, struct dps_nic *nic)
{
	struct rte_tel_data *addr, *kind, *peb, *refs, *prim;
	struct dps_endpoint_info *v;
	char buf[64];
	int n, shown;

	v = malloc(TEL_ADDR_MAX * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	n = dps_nic_endpoints(nic, v, TEL_ADDR_MAX);
	if (n < 0) {
		free(v);
		return n;
	}
	shown = RTE_MIN(n, TEL_ADDR_MAX);
	addr = tel_array(RTE_TEL_STRING_VAL);
	kind = tel_array(RTE_TEL_STRING_VAL);
	peb = tel_array(RTE_TEL_STRING_VAL);
	refs = tel_array(RTE_TEL_INT_VAL);
	prim = tel_array(RTE_TEL_INT_VAL);
	if (addr == NULL || kind == NULL || peb == NULL || refs == NULL || prim == NULL) {
		rte_tel_data_free(addr);
		rte_tel_data_free(kind);
		rte_tel_data_free(peb);
		rte_tel_data_free(refs);
		rte_tel_data_free(prim);
		free(v);
		return -ENOMEM;
	}
	for (int i = 0; i < shown; i++) {
		rte_tel_data_add_array_string(addr, dps_prefix_fmt(&v[i].prefix, buf, sizeof(buf)));
		rte_tel_data_add_array_string(kind, tel_kind(v[i].kind));
		rte_tel_data_add_array_string(peb, tel_peb(v[i].peb));
		rte_tel_data_add_array_int(refs, v[i].refs);
		rte_tel_data_add_array_int(prim, v[i].primary_index);
	}
	free(v);
	rte_tel_data_add_dict_int(d, "n_addresses", n);
	rte_tel_data_add_dict_container(d, "addresses", addr, 0);
	rte_tel_data_add_dict_container(d, "kind", kind, 0);
	rte_tel_data_add_dict_container(d, "behaviour", peb, 0);
	rte_tel_data_add_dict_container(d, "refcount", refs, 0);
	rte_tel_data_add_dict_container(d, "primary_order", prim, 0);
	return 0;
}

static int
tel_nic_ranges(struct rte_tel_data *d, struct dps_nic *nic)
{
	struct dps_prefix v[TEL_ADDR_MAX];
	struct rte_tel_data *a;
	char buf[64];
	int n;

	n = dps_nic_ranges(nic, v, TEL_ADDR_MAX);
	if (n < 0)
		return n;
	a = tel_array(RTE_TEL_STRING_VAL);
	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_add_dict_int(d, "n_ranges", n);
	for (int i = 0; i < RTE_MIN(n, TEL_ADDR_MAX); i++)
		rte_tel_data_add_array_string(a, dps_prefix_fmt(&v[i], buf, sizeof(buf)));
	rte_tel_data_add_dict_container(d, "ranges", a, 0);
	return 0;
}

/* /dpstack/nic,ID (or a NIC name): one NIC's state and counters. */
static int
tel_nic_held(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *cnt;
	struct dps_nic *nic = NULL;
	char mac[32], flags[64];
	unsigned long id;
	char *end;
	int rc;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);

	if (*end == '\0' && id < DPS_MAX_NICS)
		nic = dps_stack_nic(tel_app->stack, (uint16_t)id);
	else
		nic = dps_stack_nic_by_name(tel_app->stack, params);
	if (nic == NULL)
		return -EINVAL;
	snprintf(flags, sizeof(flags), "%s%s%s", dps_nic_promiscuous(nic) ? "promiscuous " : "",
		 dps_nic_spoofing(nic) ? "spoofing " : "",
		 dps_nic_forwarding(nic) ? "forwarding " : "");
	if (flags[0] != '\0')
		flags[strlen(flags) - 1] = '\0';
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "id", dps_nic_id(nic));
	rte_tel_data_add_dict_string(d, "name", dps_nic_name(nic));
	rte_tel_data_add_dict_int(d, "port", dps_nic_port_id(nic));
	rte_tel_data_add_dict_string(d, "mac",
				     dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac)));
	rte_tel_data_add_dict_int(d, "mtu", dps_nic_mtu(nic));
	rte_tel_data_add_dict_string(d, "flags", flags);
	rte_tel_data_add_dict_int(d, "promiscuous", dps_nic_promiscuous(nic));
	rte_tel_data_add_dict_int(d, "spoofing", dps_nic_spoofing(nic));
	rte_tel_data_add_dict_int(d, "forwarding", dps_nic_forwarding(nic));
	rc = tel_nic_addresses(d, nic);
	if (rc == 0)
		rc = tel_nic_ranges(d, nic);
	if (rc != 0)
		return rc;
	cnt = rte_tel_data_alloc();
	if (cnt == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(cnt);
	tel_counters(cnt, dps_nic_id(nic));
	rte_tel_data_add_dict_container(d, "counters", cnt, 0);
	return 0;
}

/* The stack's lists, typed alike so that tel_list_start() can take either. */
static int
tel_q_routes(void *v, int max)
{
	return dps_route_list(tel_app->stack, v, max);
}

static int
tel_q_neigh(void *v, int max)
{
	return dps_neigh_list(tel_app->stack, v, max);
}

/*
 * Start a capped list reply: the first TEL_LIST_MAX entries of size bytes from list(), d as
 * {"total": N} and *r an empty array of strings for the caller to fill and add to d. Returns
 * the entries for the caller to free, or NULL with *n the negative errno.
 */
static void *
tel_list_start(struct rte_tel_data *d, size_t size, int (*list)(void *v, int max), int *n,
	       struct rte_tel_data **r)
{
	void *v = malloc(TEL_LIST_MAX * size);

	if (v == NULL) {
		*n = -ENOMEM;
		return NULL;
	}
	*n = list(v, TEL_LIST_MAX);
	if (*n < 0) {
		free(v);
		return NULL;
	}
	*r = tel_array(RTE_TEL_STRING_VAL);
	if (*r == NULL) {
		free(v);
		*n = -ENOMEM;
		return NULL;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "total", *n);
	return v;
}

/*
 * /dpstack/routes: {"total": N, "ipv4": N4, "ipv6": N6,
 *                   "routes": ["10.1.0.0/16 via 10.0.0.2 dev lan0", "10.0.0.0/24 dev lan0
 * connected"]}
 */
static int
tel_routes_held(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dps_route_info *v;
	struct rte_tel_data *r;
	char gw[INET6_ADDRSTRLEN], val[RTE_TEL_MAX_STRING_LEN];
	int n;

	v = tel_list_start(d, sizeof(*v), tel_q_routes, &n, &r);
	if (v == NULL)
		return n;
	rte_tel_data_add_dict_int(d, "ipv4", (int)dps_route_count(tel_app->stack, 4));
	rte_tel_data_add_dict_int(d, "ipv6", (int)dps_route_count(tel_app->stack, 16));
	for (int i = 0; i < RTE_MIN(n, TEL_LIST_MAX); i++) {
		size_t off;

		dps_prefix_fmt(&v[i].prefix, val, sizeof(val));
		off = strlen(val);
		for (unsigned int j = 0; j < v[i].n_paths && off < sizeof(val); j++) {
			const struct dps_nexthop *nh = &v[i].paths[j];
			int w;

			if (nh->has_gw)
				w = snprintf(val + off, sizeof(val) - off, "%s via %s dev %s",
					     j ? "," : "", dps_addr_fmt(&nh->gw, gw, sizeof(gw)),
					     tel_nic_name(nh->nic_id));
			else
				w = snprintf(val + off, sizeof(val) - off, "%s dev %s",
					     j ? "," : "", tel_nic_name(nh->nic_id));
			if (w > 0)
				off += (size_t)w;
		}
		if (v[i].connected && off < sizeof(val))
			snprintf(val + off, sizeof(val) - off, " connected");
		rte_tel_data_add_array_string(r, val);
	}
	free(v);
	rte_tel_data_add_dict_container(d, "routes", r, 0);
	return 0;
}

static const char *
tel_neigh_state(enum dps_neigh_state s)
{
	return s == DPS_NEIGH_INCOMPLETE  ? "incomplete"
	       : s == DPS_NEIGH_REACHABLE ? "reachable"
	       : s == DPS_NEIGH_STATIC	  ? "static"
					  : "failed";
}

/* /dpstack/neigh: {"total": N, "entries": ["10.0.0.2 02:00:00:00:00:01 lan0 reachable", ...]} */
static int
tel_neigh_held(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dps_neigh_info *v;
	struct rte_tel_data *r;
	char a[INET6_ADDRSTRLEN], mac[32], val[RTE_TEL_MAX_STRING_LEN];
	int n;

	v = tel_list_start(d, sizeof(*v), tel_q_neigh, &n, &r);
	if (v == NULL)
		return n;
	for (int i = 0; i < RTE_MIN(n, TEL_LIST_MAX); i++) {
		snprintf(val, sizeof(val), "%s %s %s %s", dps_addr_fmt(&v[i].addr, a, sizeof(a)),
			 v[i].state == DPS_NEIGH_INCOMPLETE
				 ? "-"
				 : dps_mac_fmt(v[i].mac.addr_bytes, mac, sizeof(mac)),
			 tel_nic_name(v[i].nic_id), tel_neigh_state(v[i].state));
		rte_tel_data_add_array_string(r, val);
	}
	free(v);
	rte_tel_data_add_dict_container(d, "entries", r, 0);
	return 0;
}

/*
 * Telemetry runs on DPDK's own thread and cannot be unregistered in 22.11: every command holds
 * the app's telemetry lock for reading, and dps_telemetry_close() takes it for writing before
 * the stack is freed, so no command can run on a freed stack.
 */
#define TEL_GUARDED(fn)                                                                            \
	static int fn(const char *cmd, const char *params, struct rte_tel_data *d)                 \
	{                                                                                          \
		int rc = -ENODEV;                                                                  \
                                                                                                   \
		pthread_rwlock_rdlock(&tel_app->tel_lock);                                         \
		if (!tel_app->tel_closed)                                                          \
			rc = fn##_held(cmd, params, d);                                            \
		pthread_rwlock_unlock(&tel_app->tel_lock);                                         \
		return rc;                                                                         \
	}
TEL_GUARDED(tel_nics)
TEL_GUARDED(tel_nic)
TEL_GUARDED(tel_stats)
TEL_GUARDED(tel_routes)
TEL_GUARDED(tel_neigh)

void
dps_telemetry_close(struct dps_app *app)
{
	pthread_rwlock_wrlock(&app->tel_lock);
	app->tel_closed = true;
	pthread_rwlock_unlock(&app->tel_lock);
}

int
dps_telemetry_register(struct dps_app *app)
{
	int rc = 0;

	tel_app = app;
	pthread_rwlock_init(&app->tel_lock, NULL);
	app->tel_closed = false;
	rc |= rte_telemetry_register_cmd("/dpstack/nics", tel_nics,
					 "dpstack NICs: id -> name. No parameters");
	rc |= rte_telemetry_register_cmd(
		"/dpstack/nic", tel_nic,
		"A dpstack NIC's state and counters. Parameter: NIC id or name");
	rc |= rte_telemetry_register_cmd("/dpstack/stats", tel_stats,
					 "dpstack counters summed over all NICs. No parameters");
	rc |= rte_telemetry_register_cmd("/dpstack/routes", tel_routes,
					 "dpstack routes (the first 128). No parameters");
	rc |= rte_telemetry_register_cmd("/dpstack/neigh", tel_neigh,
					 "dpstack neighbour table (the first 128). No parameters");
	return rc != 0 ? -EINVAL : 0;
}
