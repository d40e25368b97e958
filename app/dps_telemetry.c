/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /dpstack/... commands on DPDK's telemetry socket (usertools/dpdk-telemetry.py).
 *
 * The callbacks run on DPDK's telemetry thread. Everything they read either never changes
 * after start (NIC names, MACs), is an atomic flag, is summed from per-context counters, or
 * comes from a lib/nic query that takes the stack's writer lock itself. Routes and neighbours
 * are the strings `show routes` and `show neigh` print (dps_cmd.h's formatters).
 *
 * Lifetime: DPDK 22.11's callbacks take no user argument and cannot be unregistered, so they
 * reach the application through tel below, which lives in static storage, not in the app:
 * dps_telemetry_close() clears tel.app under the write lock before the app is freed, and a
 * callback that runs later (the telemetry thread outlives us) finds NULL and answers -ENODEV
 * without touching freed memory.
 *
 * Names: 22.11 drops dict entries whose name has a character other than [A-Za-z0-9_/]. A
 * counter's name is `group.name` (rx.packets); telemetry writes the group as a nested dict,
 * {"rx": {"packets": N}}, the one nesting level 22.11 allows, so the dotted path of a value is
 * exactly the name dpstack-ctl prints and both spell counters alike. Lists of routes and
 * neighbours, whose addresses hold '.' and ':', are arrays of strings capped at what a reply
 * holds; "total" says how many there are.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "dps_cmd.h"
#include "dps_nic.h"

/* Entries listed per array: a reply is at most 16 KiB of JSON; what does not fit is dropped. */
#define TEL_LIST_MAX 128
#define TEL_ADDR_MAX 64

static struct {
	pthread_rwlock_t lock; /* callbacks read-hold it; dps_telemetry_close() write-holds it */
	struct dps_app *app;   /* NULL once closed */
	bool registered;       /* the commands exist (once per process) */
} tel = {.lock = PTHREAD_RWLOCK_INITIALIZER};

/* A NIC by id or name; NULL for none. */
static struct dps_nic *
tel_nic_param(struct dps_app *app, const char *params)
{
	unsigned long id;
	char *end;

	if (params == NULL || *params == '\0')
		return NULL;
	id = strtoul(params, &end, 10);
	if (*end == '\0' && id < DPS_MAX_NICS)
		return dps_stack_nic(app->stack, (uint16_t)id);
	return dps_stack_nic_by_name(app->stack, params);
}

/* /dpstack/nics: {"0": "lan0", "1": "lan1"}; ids are the keys (a NIC name may hold a '-'). */
static int
tel_nics_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	char key[8];

	rte_tel_data_start_dict(d);
	for (uint16_t id = 0; id < DPS_MAX_NICS; id++) {
		struct dps_nic *nic = dps_stack_nic(app->stack, id);

		if (nic == NULL)
			continue;
		snprintf(key, sizeof(key), "%u", id);
		rte_tel_data_add_dict_string(d, key, dps_nic_name(nic));
	}
	return 0;
}

static size_t
group_len(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL ? (size_t)(dot - name) : 0;
}

/*
 * The counters as {"group": {"name": N}}: a name's group is the text before its '.'; names
 * without one (nombuf) are plain values. Groups come in the order of their first counter.
 */
static int
tel_counters(struct dps_app *app, struct rte_tel_data *d, int nic_id)
{
	uint64_t c[DPS_CNT_MAX];
	char group[RTE_TEL_MAX_STRING_LEN];

	dps_app_counters(app, nic_id, c);
	rte_tel_data_start_dict(d);
	for (int i = 0; i < DPS_CNT_MAX; i++) {
		const char *name = dps_counter_names[i];
		size_t glen = group_len(name);
		struct rte_tel_data *g;
		bool seen = false;

		if (glen == 0) {
			rte_tel_data_add_dict_u64(d, name, c[i]);
			continue;
		}
		for (int j = 0; j < i && !seen; j++)
			seen = group_len(dps_counter_names[j]) == glen &&
			       strncmp(dps_counter_names[j], name, glen) == 0;
		if (seen)
			continue;
		g = rte_tel_data_alloc();
		if (g == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(g);
		for (int j = i; j < DPS_CNT_MAX; j++)
			if (group_len(dps_counter_names[j]) == glen &&
			    strncmp(dps_counter_names[j], name, glen) == 0)
				rte_tel_data_add_dict_u64(g, dps_counter_names[j] + glen + 1, c[j]);
		snprintf(group, sizeof(group), "%.*s", (int)glen, name);
		rte_tel_data_add_dict_container(d, group, g, 0);
	}
	/* The stack-wide view carries each worker's heartbeat, as `show stats` does. */
	for (unsigned int w = 0; nic_id < 0 && w < app->n_workers; w++) {
		struct rte_tel_data *g = rte_tel_data_alloc();

		if (g == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(g);
		rte_tel_data_add_dict_u64(g, "loops",
					  __atomic_load_n(&app->workers[w].loops, __ATOMIC_RELAXED));
		snprintf(group, sizeof(group), "lcore_%u", app->workers[w].lcore_id);
		rte_tel_data_add_dict_container(d, group, g, 0);
	}
	return 0;
}

/* /dpstack/stats[,NIC]: the counters summed over the NICs, or of one NIC (id or name). */
static int
tel_stats_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	struct dps_nic *nic = NULL;

	if (params != NULL && *params != '\0') {
		nic = tel_nic_param(app, params);
		if (nic == NULL)
			return -EINVAL;
	}
	return tel_counters(app, d, nic != NULL ? dps_nic_id(nic) : -1);
}

static struct rte_tel_data *
tel_array(enum rte_tel_value_type t)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a != NULL)
		rte_tel_data_start_array(a, t);
	return a;
}

/* /dpstack/nic,ID|NAME: one NIC's state; its counters are /dpstack/stats,ID|NAME. */
static int
tel_nic_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	struct dps_nic *nic = tel_nic_param(app, params);
	struct rte_tel_data *addr, *ranges;
	struct dps_endpoint_info *v;
	struct dps_prefix r[TEL_ADDR_MAX];
	char mac[32], buf[64];
	int n, nr;

	if (nic == NULL)
		return -EINVAL;
	v = malloc(TEL_ADDR_MAX * sizeof(*v));
	addr = tel_array(RTE_TEL_STRING_VAL);
	ranges = tel_array(RTE_TEL_STRING_VAL);
	n = v != NULL ? dps_nic_endpoints(nic, v, TEL_ADDR_MAX) : -ENOMEM;
	nr = dps_nic_ranges(nic, r, TEL_ADDR_MAX);
	if (addr == NULL || ranges == NULL || n < 0 || nr < 0) {
		rte_tel_data_free(addr);
		rte_tel_data_free(ranges);
		free(v);
		return n < 0 ? n : nr < 0 ? nr : -ENOMEM;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "id", dps_nic_id(nic));
	rte_tel_data_add_dict_string(d, "nic", dps_nic_name(nic));
	rte_tel_data_add_dict_string(d, "mac",
				     dps_mac_fmt(dps_nic_mac(nic)->addr_bytes, mac, sizeof(mac)));
	rte_tel_data_add_dict_int(d, "mtu", dps_nic_mtu(nic));
	rte_tel_data_add_dict_int(d, "promiscuous", dps_nic_promiscuous(nic));
	rte_tel_data_add_dict_int(d, "spoofing", dps_nic_spoofing(nic));
	rte_tel_data_add_dict_int(d, "forwarding", dps_nic_forwarding(nic));
	/* "ADDR/PLEN kind behaviour", as `show addresses NIC all` lists them. */
	for (int i = 0; i < RTE_MIN(n, TEL_ADDR_MAX); i++) {
		char val[RTE_TEL_MAX_STRING_LEN];

		snprintf(val, sizeof(val), "%s %s %s",
			 dps_prefix_fmt(&v[i].prefix, buf, sizeof(buf)),
			 dps_fmt_ep_kind(v[i].kind), dps_fmt_peb(v[i].peb));
		rte_tel_data_add_array_string(addr, val);
	}
	for (int i = 0; i < RTE_MIN(nr, TEL_ADDR_MAX); i++)
		rte_tel_data_add_array_string(ranges, dps_prefix_fmt(&r[i], buf, sizeof(buf)));
	free(v);
	rte_tel_data_add_dict_int(d, "n_addresses", n);
	rte_tel_data_add_dict_container(d, "addresses", addr, 0);
	rte_tel_data_add_dict_int(d, "n_ranges", nr);
	rte_tel_data_add_dict_container(d, "ranges", ranges, 0);
	return 0;
}

/* A capped list as lines: one query (dps_list_query) and one formatter per type (dps_cmd.h). */
static int
tel_lines(struct dps_app *app, struct rte_tel_data *d, enum dps_list k, const char *key)
{
	size_t size = k == DPS_LIST_ROUTES ? sizeof(struct dps_route_info)
					   : sizeof(struct dps_neigh_info);
	char *v = malloc(TEL_LIST_MAX * size), val[RTE_TEL_MAX_STRING_LEN];
	struct rte_tel_data *r = tel_array(RTE_TEL_STRING_VAL);
	int n = v != NULL && r != NULL ? dps_list_query(app->stack, k, v, TEL_LIST_MAX) : -ENOMEM;

	if (n < 0) {
		rte_tel_data_free(r);
		free(v);
		return n;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "total", n);
	for (int i = 0; i < RTE_MIN(n, TEL_LIST_MAX); i++)
		rte_tel_data_add_array_string(
			r, k == DPS_LIST_ROUTES
				   ? dps_fmt_route(app, (void *)(v + i * size), val, sizeof(val))
				   : dps_fmt_neigh(app, (void *)(v + i * size), val, sizeof(val)));
	free(v);
	rte_tel_data_add_dict_container(d, key, r, 0);
	return 0;
}

/* /dpstack/routes: {"total": N, "routes": [`show routes` lines], "ipv4": N4, "ipv6": N6} */
static int
tel_routes_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	int rc = tel_lines(app, d, DPS_LIST_ROUTES, "routes");

	if (rc == 0) {
		rte_tel_data_add_dict_int(d, "ipv4", (int)dps_route_count(app->stack, 4));
		rte_tel_data_add_dict_int(d, "ipv6", (int)dps_route_count(app->stack, 16));
	}
	return rc;
}

/* /dpstack/neigh: {"total": N, "entries": [`show neigh` lines]} */
static int
tel_neigh_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	return tel_lines(app, d, DPS_LIST_NEIGH, "entries");
}

/*
 * /dpstack/mbufs: the packet pools' size and mbufs in use, summed over the sockets' pools.
 * DPDK 22.11's /mempool/info has no in-use count; tests read this between cases to prove
 * every mbuf came back (the per-lcore caches count as available, so it is exact once the
 * workers are idle). dps_telemetry_close() runs before the pools are freed.
 */
static int
tel_mbufs_held(struct dps_app *app, const char *params, struct rte_tel_data *d)
{
	uint64_t size = 0, in_use = 0;
	unsigned int n = 0;

	if (params != NULL && *params != '\0')
		return -EINVAL;
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (app->pools[s] == NULL)
			continue;
		size += app->pools[s]->size;
		in_use += rte_mempool_in_use_count(app->pools[s]);
		n++;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "pools", n);
	rte_tel_data_add_dict_u64(d, "size", size);
	rte_tel_data_add_dict_u64(d, "in_use", in_use);
	return 0;
}

#define TEL_GUARDED(fn)                                                                            \
	static int fn(const char *cmd, const char *params, struct rte_tel_data *d)                 \
	{                                                                                          \
		int rc = -ENODEV;                                                                  \
                                                                                                   \
		pthread_rwlock_rdlock(&tel.lock);                                                  \
		if (tel.app != NULL)                                                               \
			rc = fn##_held(tel.app, params, d);                                        \
		pthread_rwlock_unlock(&tel.lock);                                                  \
		return rc;                                                                         \
	}
TEL_GUARDED(tel_nics)
TEL_GUARDED(tel_nic)
TEL_GUARDED(tel_stats)
TEL_GUARDED(tel_routes)
TEL_GUARDED(tel_neigh)
TEL_GUARDED(tel_mbufs)

void
dps_telemetry_close(struct dps_app *app)
{
	pthread_rwlock_wrlock(&tel.lock);
	if (tel.app == app)
		tel.app = NULL;
	pthread_rwlock_unlock(&tel.lock);
}

int
dps_telemetry_register(struct dps_app *app)
{
	int rc = 0;

	pthread_rwlock_wrlock(&tel.lock);
	tel.app = app;
	pthread_rwlock_unlock(&tel.lock);
	/* Registered once per process: a second stack (the unit tests) reuses the commands. */
	if (tel.registered)
		return 0;
	tel.registered = true;
	rc |= rte_telemetry_register_cmd("/dpstack/nics", tel_nics,
					 "dpstack NICs: id -> name. No parameters");
	rc |= rte_telemetry_register_cmd("/dpstack/nic", tel_nic,
					 "A dpstack NIC's state. Parameter: NIC id or name");
	rc |= rte_telemetry_register_cmd(
		"/dpstack/stats", tel_stats,
		"dpstack counters, summed over all NICs or of one. Parameter: [NIC id or name]");
	rc |= rte_telemetry_register_cmd("/dpstack/routes", tel_routes,
					 "dpstack routes (the first 128). No parameters");
	rc |= rte_telemetry_register_cmd("/dpstack/neigh", tel_neigh,
					 "dpstack neighbour table (the first 128). No parameters");
	rc |= rte_telemetry_register_cmd("/dpstack/mbufs", tel_mbufs,
					 "dpstack packet pools: size and mbufs in use. No parameters");
	return rc != 0 ? -EINVAL : 0;
}
