/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route tables (docs/forwarding.md, "Route tables").
 *
 * Every route has an id, the next hop stored in the FIB. The id indexes grp[], an array of
 * immutable next-hop groups read by the data path; a replaced route publishes a new group at
 * the same id and frees the old one after a grace period, so the FIB is untouched by a
 * replace. A deleted route's id is reused only after a grace period, so a reader that got the
 * id from the FIB just before the delete never sees another route's next hops.
 *
 * IPv4: rte_lpm with the RCU defer queue on the stack's QSBR variable: a tbl8 group freed by a
 * delete is reused only after every reader has reported quiescent.
 * IPv6: DPDK 22.11's rte_fib6 has no RCU, so two copies are kept (left-right): a change is
 * applied to the idle copy, the idle copy is published, the writer waits for a grace period
 * (after which no reader is in the old copy) and replays the change there.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_fib6.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_rib6.h>
#include <rte_vect.h>

#include "dps_nic_priv.h"
#include "dps_route.h"

/* An immutable set of equal-cost paths: what a route id points to. */
struct dps_nh_group {
	uint8_t n_paths;
	struct dps_nexthop paths[DPS_ROUTE_MAX_PATHS];
};

/* Writer-side record of a route id. */
struct dps_route_rec {
	struct dps_prefix prefix;
	uint16_t conn_refs; /* > 0: connected route, held by that many addresses */
	bool used;
};

struct dps_route_table {
	/* read by the data path */
	struct rte_lpm *lpm;       /* IPv4; published once with a release store */
	struct rte_fib6 *pub;      /* IPv6: the published copy */
	struct dps_nh_group **grp; /* [cap], RCU */
	uint32_t def4;             /* IPv4 default route id (rte_lpm has no /0), or NONE */
	/* writer only */
	struct dps_stack *s;
	struct rte_fib6 *fib6[2];
	struct dps_route_rec *rec;
	uint32_t *free_ids;
	uint32_t n_free;
	uint32_t cap;
	uint32_t count;
	uint8_t addr_len;
	bool ready;
	uint32_t fib6_gen; /* IPv6 copies created: unique names for rebuilt copies */
};

/* IPv6 FIB miss value: never a route id (2-byte trie next hops hold 0 .. 2^15-1). */
#define DPS_RT6_MISS 0x7fffu
#define DPS_RT6_MAX_CAP 0x7fffu
#define DPS_RT_MAX_CAP (1u << 24)

static struct dps_route_table *
table_of(const struct dps_stack *s, uint8_t addr_len)
{
	return addr_len == 4 ? dps_stack_priv(s)->routes4 : dps_stack_priv(s)->routes6;
}

static struct dps_route_table *
table_new(struct dps_stack *s, uint8_t addr_len, uint32_t cap)
{
	struct dps_route_table *t;

	t = rte_zmalloc_socket("dps_routes", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       dps_stack_priv(s)->socket_id);
	if (t == NULL)
		return NULL;
	t->s = s;
	t->addr_len = addr_len;
	t->cap = RTE_MIN(RTE_MAX(cap, 16u), DPS_RT_MAX_CAP);
	/*
	 * IPv6 keeps two copies of a trie whose first level has 2^24 next hops: 2-byte next
	 * hops halve it (32 MB a copy) but hold ids below 2^15. Memory matters more here than
	 * the last half of the configured capacity (docs/forwarding.md).
	 */
	if (addr_len == 16)
		t->cap = RTE_MIN(t->cap, DPS_RT6_MAX_CAP);
	t->def4 = DPS_NH_NONE;
	return t;
}

int
dps_route_create(struct dps_stack *s)
{
	dps_stack_priv(s)->routes4 = table_new(s, 4, dps_stack_priv(s)->conf.max_routes4);
	dps_stack_priv(s)->routes6 = table_new(s, 16, dps_stack_priv(s)->conf.max_routes6);
	if (dps_stack_priv(s)->routes4 == NULL || dps_stack_priv(s)->routes6 == NULL) {
		dps_route_free(s);
		return -ENOMEM;
	}
	return 0;
}

static void
table_free(struct dps_route_table *t)
{
	if (t == NULL)
		return;
	if (t->lpm != NULL)
		rte_lpm_free(t->lpm);
	for (unsigned int i = 0; i < 2; i++)
		if (t->fib6[i] != NULL)
			rte_fib6_free(t->fib6[i]);
	if (t->grp != NULL) {
		for (uint32_t i = 0; i < t->cap; i++)
			free(t->grp[i]);
		rte_free(t->grp);
	}
	free(t->rec);
	free(t->free_ids);
	rte_free(t);
}

void
dps_route_free(struct dps_stack *s)
{
	/* dps_stack_free drains the defer queue first: no deferred id release is pending. */
	table_free(dps_stack_priv(s)->routes4);
	table_free(dps_stack_priv(s)->routes6);
	dps_stack_priv(s)->routes4 = NULL;
	dps_stack_priv(s)->routes6 = NULL;
}

static uint32_t
clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* A new, empty IPv6 FIB copy, named uniquely (a rebuilt copy lives beside the old one). */
static struct rte_fib6 *
fib6_new(struct dps_route_table *t)
{
	struct rte_fib6_conf fc = {
		.type = RTE_FIB6_TRIE,
		.default_nh = DPS_RT6_MISS,
		.max_routes = (int)t->cap,
		.trie = {
			.nh_sz = RTE_FIB6_TRIE_2B,
			.num_tbl8 = clamp_u32(t->cap / 4, 1024, 65536),
		},
	};
	char name[64];

	snprintf(name, sizeof(name), "r6%u_%" PRIxPTR, t->fib6_gen++, (uintptr_t)t);
	return rte_fib6_create(name, dps_stack_priv(t->s)->socket_id, &fc);
}

/*
 * Create the big tables on the first route of a family: a stack that never routes (most unit
 * tests, a host-only configuration) does not pay ~100 MB per family.
 */
static int
table_ready_locked(struct dps_route_table *t)
{
	struct dps_stack *s = t->s;
	char name[64];

	if (t->ready)
		return 0;
	t->grp = rte_zmalloc_socket("dps_route_grp", sizeof(*t->grp) * t->cap,
				    RTE_CACHE_LINE_SIZE, dps_stack_priv(s)->socket_id);
	t->rec = calloc(t->cap, sizeof(*t->rec));
	t->free_ids = malloc(sizeof(*t->free_ids) * t->cap);
	if (t->grp == NULL || t->rec == NULL || t->free_ids == NULL)
		goto fail;
	/* Lowest ids first: listing and debugging are easier to follow. */
	for (uint32_t i = 0; i < t->cap; i++)
		t->free_ids[i] = t->cap - 1 - i;
	t->n_free = t->cap;

	if (t->addr_len == 4) {
		struct rte_lpm_config lc = {
			.max_rules = t->cap,
			/*
			 * A tbl8 group (1 KB) serves the prefixes longer than /24 of one /24:
			 * rare in real tables (a full Internet table needs a few thousand).
			 */
			.number_tbl8s = clamp_u32(t->cap / 256, 1024, 65536),
		};
		struct rte_lpm_rcu_config rc = {
			.v = s->qsbr,
			.mode = RTE_LPM_QSBR_MODE_DQ,
		};
		struct rte_lpm *lpm;

		snprintf(name, sizeof(name), "r4_%" PRIxPTR, (uintptr_t)t);
		lpm = rte_lpm_create(name, dps_stack_priv(s)->socket_id, &lc);
		if (lpm == NULL)
			goto fail;
		if (rte_lpm_rcu_qsbr_add(lpm, &rc) != 0) {
			rte_lpm_free(lpm);
			goto fail;
		}
		__atomic_store_n(&t->lpm, lpm, __ATOMIC_RELEASE);
	} else {
		for (unsigned int i = 0; i < 2; i++) {
			t->fib6[i] = fib6_new(t);
			if (t->fib6[i] == NULL)
				goto fail;
		}
		__atomic_store_n(&t->pub, t->fib6[0], __ATOMIC_RELEASE);
	}
	t->ready = true;
	return 0;
fail:
	for (unsigned int i = 0; i < 2; i++) {
		if (t->fib6[i] != NULL)
			rte_fib6_free(t->fib6[i]);
		t->fib6[i] = NULL;
	}
	rte_free(t->grp);
	free(t->rec);
	free(t->free_ids);
	t->grp = NULL;
	t->rec = NULL;
	t->free_ids = NULL;
	return -ENOMEM;
}

static uint32_t
ip4_host(const struct dps_addr *a)
{
	uint32_t v;

	memcpy(&v, a->b, 4);
	return rte_be_to_cpu_32(v);
}

/* Route id of an exact prefix (host bits already cleared), or -ENOENT. */
static int64_t
find_locked(struct dps_route_table *t, const struct dps_prefix *p)
{
	if (!t->ready)
		return -ENOENT;
	if (t->addr_len == 4) {
		uint32_t nh;

		if (p->plen == 0)
			return t->def4 == DPS_NH_NONE ? -ENOENT : (int64_t)t->def4;
		if (rte_lpm_is_rule_present(t->lpm, ip4_host(&p->addr), p->plen, &nh) == 1)
			return nh;
		return -ENOENT;
	} else {
		/* Both copies hold the same routes between writer calls. */
		struct rte_rib6_node *n;
		uint64_t nh;

		n = rte_rib6_lookup_exact(rte_fib6_get_rib(t->fib6[0]), p->addr.b, p->plen);
		if (n == NULL || rte_rib6_get_nh(n, &nh) != 0)
			return -ENOENT;
		return (int64_t)nh;
	}
}

static void
rt_synchronize(struct dps_route_table *t)
{
	/*
	 * The writer is not a reader: no thread id of its own to report. Yield while waiting:
	 * when readers share the writer's core (a small machine, a test), the reader we wait
	 * for may need this very CPU to reach its quiescent state.
	 */
	uint64_t token = rte_rcu_qsbr_start(t->s->qsbr);
	unsigned int spins = 0;

	/*
	 * Running readers pass a quiescent state within microseconds: poll that long first. A
	 * yield on a busy machine gives the CPU away for a whole time slice of every other
	 * runnable thread, which made each route change cost milliseconds.
	 */
	while (rte_rcu_qsbr_check(t->s->qsbr, token, false) != 1) {
		if (++spins < 4096)
			rte_pause();
		else
			sched_yield();
	}
}

/*
 * Replace the unpublished IPv6 copy fib6[i] by a fresh one holding every route of the table.
 * DPDK 22.11's trie reserves tbl8 groups for a prefix longer than /24 on add, but on delete
 * finds the prefix itself as its own cover and releases nothing: every add/delete cycle of,
 * say, a /64 leaks five reservations until rte_fib6_add() fails with -ENOSPC on a near-empty
 * table. A fresh copy counts only what its routes need. No reader is in fib6[i]: it is the
 * idle copy, unpublished for at least a grace period. Returns 0 or -ENOSPC / -ENOMEM (the old
 * copy then stays).
 */
static int
fib6_rebuild_locked(struct dps_route_table *t, unsigned int i)
{
	struct rte_fib6 *f = fib6_new(t);

	if (f == NULL)
		return -ENOMEM;
	for (uint32_t id = 0; id < t->cap; id++) {
		if (!t->rec[id].used)
			continue;
		if (rte_fib6_add(f, t->rec[id].prefix.addr.b, t->rec[id].prefix.plen, id) < 0) {
			rte_fib6_free(f);
			return -ENOSPC;
		}
	}
	rte_fib6_free(t->fib6[i]);
	t->fib6[i] = f;
	return 0;
}

/* rte_fib6_add() on the unpublished copy i, rebuilt once if its reservations ran out. */
static int
fib6_add_idle_locked(struct dps_route_table *t, unsigned int i, const struct dps_prefix *p,
		     uint32_t id)
{
	int ret = rte_fib6_add(t->fib6[i], p->addr.b, p->plen, id);

	if (ret == -ENOSPC && fib6_rebuild_locked(t, i) == 0)
		ret = rte_fib6_add(t->fib6[i], p->addr.b, p->plen, id);
	return ret;
}

static int
fib_add_locked(struct dps_route_table *t, const struct dps_prefix *p, uint32_t id)
{
	int ret;

	if (t->addr_len == 4) {
		if (p->plen == 0) {
			/* rte_lpm takes depths 1-32: the default route is kept beside it. */
			__atomic_store_n(&t->def4, id, __ATOMIC_RELEASE);
			return 0;
		}
		ret = rte_lpm_add(t->lpm, ip4_host(&p->addr), p->plen, id);
		if (ret == -ENOSPC) {
			/* tbl8 groups wait in the defer queue: let the readers pass and retry. */
			rt_synchronize(t);
			ret = rte_lpm_add(t->lpm, ip4_host(&p->addr), p->plen, id);
		}
		return ret;
	} else {
		unsigned int ii = t->pub == t->fib6[0] ? 1 : 0;
		struct rte_fib6 *idle, *old;

		ret = fib6_add_idle_locked(t, ii, p, id);
		if (ret < 0)
			return ret;
		idle = t->fib6[ii];
		__atomic_store_n(&t->pub, idle, __ATOMIC_RELEASE);
		rt_synchronize(t);
		ret = fib6_add_idle_locked(t, ii ^ 1, p, id);
		old = t->fib6[ii ^ 1];
		if (ret < 0) {
			/* Both copies had the same history, so this cannot differ; undo anyway. */
			rte_fib6_delete(idle, p->addr.b, p->plen);
			__atomic_store_n(&t->pub, old, __ATOMIC_RELEASE);
			rt_synchronize(t);
		}
		return ret;
	}
}

static void
fib_del_locked(struct dps_route_table *t, const struct dps_prefix *p)
{
	if (t->addr_len == 4) {
		if (p->plen == 0)
			__atomic_store_n(&t->def4, DPS_NH_NONE, __ATOMIC_RELEASE);
		else
			rte_lpm_delete(t->lpm, ip4_host(&p->addr), p->plen);
	} else {
		struct rte_fib6 *idle = t->pub == t->fib6[0] ? t->fib6[1] : t->fib6[0];
		struct rte_fib6 *old = t->pub;

		rte_fib6_delete(idle, p->addr.b, p->plen);
		__atomic_store_n(&t->pub, idle, __ATOMIC_RELEASE);
		rt_synchronize(t);
		rte_fib6_delete(old, p->addr.b, p->plen);
	}
}

/* A route id and its old group, released once no reader can hold them. */
struct dps_route_release {
	struct dps_route_table *t;
	struct dps_nh_group *g;
	uint32_t id;
};

/* Deferred: runs under the writer lock (the stack's defer queue is reclaimed under it). */
static void
release_id_cb(void *arg)
{
	struct dps_route_release *r = arg;

	free(r->g);
	r->t->free_ids[r->t->n_free++] = r->id;
	free(r);
}

static int
validate(const struct dps_prefix *p, const struct dps_nexthop *nh, unsigned int n_paths)
{
	if (p == NULL || (p->addr.len != 4 && p->addr.len != 16) || p->plen > p->addr.len * 8)
		return -EINVAL;
	if (nh == NULL || n_paths == 0 || n_paths > DPS_ROUTE_MAX_PATHS)
		return -EINVAL;
	for (unsigned int i = 0; i < n_paths; i++) {
		if (nh[i].nic_id >= DPS_MAX_NICS)
			return -ENODEV;
		if (nh[i].has_gw && nh[i].gw.len != p->addr.len)
			return -EINVAL;
	}
	return 0;
}

static int
route_add_locked(struct dps_stack *s, const struct dps_prefix *p, const struct dps_nexthop *nh,
		 unsigned int n_paths, uint16_t conn_refs)
{
	struct dps_route_table *t = table_of(s, p->addr.len);
	struct dps_nh_group *g;
	struct dps_prefix np;
	int64_t id;
	int ret;

	ret = table_ready_locked(t);
	if (ret < 0)
		return ret;
	np.plen = p->plen;
	dps_prefix_network(p, &np.addr);
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->n_paths = (uint8_t)n_paths;
	for (unsigned int i = 0; i < n_paths; i++) {
		g->paths[i].nic_id = nh[i].nic_id;
		g->paths[i].has_gw = nh[i].has_gw;
		if (nh[i].has_gw)
			g->paths[i].gw = nh[i].gw;
	}

	id = find_locked(t, &np);
	if (id >= 0) {
		/* Replace: publish the new group at the same id; the FIB does not change. */
		struct dps_nh_group *old = t->grp[id];

		__atomic_store_n(&t->grp[id], g, __ATOMIC_RELEASE);
		t->rec[id].conn_refs = conn_refs;
		dps_stack_defer_free_locked(s, free, old);
		return 0;
	}
	if (t->n_free == 0) {
		/* Ids wait for their grace period in the defer queue. */
		rt_synchronize(t);
		dps_stack_reclaim_locked(s);
		if (t->n_free == 0) {
			free(g);
			return -ENOSPC;
		}
	}
	id = t->free_ids[--t->n_free];
	t->rec[id].prefix = np;
	t->rec[id].conn_refs = conn_refs;
	t->rec[id].used = true;
	/* The group is published before the FIB can return the id. */
	__atomic_store_n(&t->grp[id], g, __ATOMIC_RELEASE);
	ret = fib_add_locked(t, &np, (uint32_t)id);
	if (ret < 0) {
		/* No reader can have seen the id: undo at once. */
		__atomic_store_n(&t->grp[id], NULL, __ATOMIC_RELEASE);
		t->rec[id].used = false;
		t->free_ids[t->n_free++] = (uint32_t)id;
		free(g);
		return ret == -ENOSPC ? -ENOSPC : (ret < 0 ? ret : -ENOMEM);
	}
	t->count++;
	return 0;
}

static int
route_del_id_locked(struct dps_stack *s, struct dps_route_table *t, uint32_t id)
{
	struct dps_nh_group *g = t->grp[id];
	struct dps_route_release *r;

	fib_del_locked(t, &t->rec[id].prefix);
	__atomic_store_n(&t->grp[id], NULL, __ATOMIC_RELEASE);
	t->rec[id].used = false;
	t->count--;
	if (t->addr_len == 16) {
		/* fib_del_locked waited for a grace period: nobody can hold the id now. */
		free(g);
		t->free_ids[t->n_free++] = id;
		return 0;
	}
	r = malloc(sizeof(*r));
	if (r == NULL) {
		rt_synchronize(t);
		free(g);
		t->free_ids[t->n_free++] = id;
		return 0;
	}
	r->t = t;
	r->g = g;
	r->id = id;
	dps_stack_defer_free_locked(s, release_id_cb, r);
	return 0;
}

static void
route_debug(const char *what, const struct dps_prefix *p, const struct dps_nexthop *nh,
	    unsigned int n_paths, int ret)
{
	char pb[64], gb[64];

	if (!DPS_NIC_DEBUG_ON(route))
		return;
	dps_prefix_fmt(p, pb, sizeof(pb));
	if (nh == NULL || n_paths == 0)
		DPS_NIC_DEBUG(route, "route %s %s: %s", what, pb, ret < 0 ? strerror(-ret) : "ok");
	else
		DPS_NIC_DEBUG(route, "route %s %s%s%s nic %u (%u path%s): %s", what, pb,
			      nh->has_gw ? " via " : "",
			      nh->has_gw ? dps_addr_fmt(&nh->gw, gb, sizeof(gb)) : "", nh->nic_id,
			      n_paths, n_paths == 1 ? "" : "s", ret < 0 ? strerror(-ret) : "ok");
}

int
dps_route_add(struct dps_stack *s, const struct dps_prefix *p, const struct dps_nexthop *nh,
	      unsigned int n_paths, bool connected)
{
	int ret = validate(p, nh, n_paths);

	if (ret < 0)
		return ret;
	dps_stack_lock(s);
	ret = route_add_locked(s, p, nh, n_paths, connected ? 1 : 0);
	dps_stack_unlock(s);
	route_debug(connected ? "add connected" : "add", p, nh, n_paths, ret);
	return ret;
}

int
dps_route_del(struct dps_stack *s, const struct dps_prefix *p)
{
	struct dps_route_table *t;
	struct dps_prefix np;
	int64_t id;
	int ret;

	if (p == NULL || (p->addr.len != 4 && p->addr.len != 16) || p->plen > p->addr.len * 8)
		return -EINVAL;
	t = table_of(s, p->addr.len);
	np.plen = p->plen;
	dps_prefix_network(p, &np.addr);
	dps_stack_lock(s);
	id = find_locked(t, &np);
	ret = id < 0 ? -ENOENT : route_del_id_locked(s, t, (uint32_t)id);
	dps_stack_unlock(s);
	route_debug("del", &np, NULL, 0, ret);
	return ret;
}

int
dps_route_add_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr)
{
	struct dps_nexthop nh = {.nic_id = nic_id, .has_gw = false};
	struct dps_route_table *t;
	struct dps_prefix np;
	int64_t id;
	int ret;

	ret = validate(ifaddr, &nh, 1);
	if (ret < 0)
		return ret;
	t = table_of(s, ifaddr->addr.len);
	np.plen = ifaddr->plen;
	dps_prefix_network(ifaddr, &np.addr);
	dps_stack_lock(s);
	id = find_locked(t, &np);
	if (id >= 0 && t->rec[id].conn_refs > 0 && t->grp[id]->n_paths == 1 &&
	    t->grp[id]->paths[0].nic_id == nic_id && !t->grp[id]->paths[0].has_gw) {
		/* Another address of the same subnet on the same NIC. */
		t->rec[id].conn_refs++;
		ret = 0;
	} else {
		ret = route_add_locked(s, &np, &nh, 1, 1);
	}
	dps_stack_unlock(s);
	route_debug("add connected", &np, &nh, 1, ret);
	return ret;
}

int
dps_route_del_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr)
{
	struct dps_route_table *t;
	struct dps_prefix np;
	int64_t id;
	int ret = -ENOENT;

	if (ifaddr == NULL || (ifaddr->addr.len != 4 && ifaddr->addr.len != 16) ||
	    ifaddr->plen > ifaddr->addr.len * 8)
		return -EINVAL;
	t = table_of(s, ifaddr->addr.len);
	np.plen = ifaddr->plen;
	dps_prefix_network(ifaddr, &np.addr);
	dps_stack_lock(s);
	id = find_locked(t, &np);
	if (id >= 0 && t->rec[id].conn_refs > 0 && t->grp[id]->paths[0].nic_id == nic_id) {
		ret = 0;
		if (--t->rec[id].conn_refs == 0)
			ret = route_del_id_locked(s, t, (uint32_t)id);
	}
	dps_stack_unlock(s);
	route_debug("del connected", &np, NULL, 0, ret);
	return ret;
}

static void
fill_info(const struct dps_route_table *t, uint32_t id, struct dps_route_info *out)
{
	const struct dps_nh_group *g = t->grp[id];

	memset(out, 0, sizeof(*out));
	out->prefix = t->rec[id].prefix;
	out->connected = t->rec[id].conn_refs > 0;
	out->n_paths = g->n_paths;
	memcpy(out->paths, g->paths, sizeof(out->paths[0]) * g->n_paths);
}

int
dps_route_get(struct dps_stack *s, const struct dps_prefix *p, struct dps_route_info *out)
{
	struct dps_route_table *t;
	struct dps_prefix np;
	int64_t id;

	if (p == NULL || (p->addr.len != 4 && p->addr.len != 16) || p->plen > p->addr.len * 8)
		return -EINVAL;
	t = table_of(s, p->addr.len);
	np.plen = p->plen;
	dps_prefix_network(p, &np.addr);
	dps_stack_lock(s);
	id = find_locked(t, &np);
	if (id >= 0 && out != NULL)
		fill_info(t, (uint32_t)id, out);
	dps_stack_unlock(s);
	return id >= 0 ? 0 : -ENOENT;
}

static int
info_cmp(const void *a, const void *b)
{
	const struct dps_route_info *x = a, *y = b;
	int c = memcmp(x->prefix.addr.b, y->prefix.addr.b, DPS_ADDR_MAX_LEN);

	if (x->prefix.addr.len != y->prefix.addr.len)
		return x->prefix.addr.len - y->prefix.addr.len;
	if (c != 0)
		return c;
	return x->prefix.plen - y->prefix.plen;
}

int
dps_route_list(struct dps_stack *s, struct dps_route_info *out, int max)
{
	struct dps_route_table *tabs[2] = {dps_stack_priv(s)->routes4, dps_stack_priv(s)->routes6};
	struct dps_route_info *all;
	uint32_t total, k = 0;

	if (max < 0)
		return -EINVAL;
	dps_stack_lock(s);
	total = tabs[0]->count + tabs[1]->count;
	if (out == NULL || max == 0 || total == 0) {
		dps_stack_unlock(s);
		return (int)total;
	}
	all = malloc(sizeof(*all) * total);
	if (all == NULL) {
		dps_stack_unlock(s);
		return -ENOMEM;
	}
	for (unsigned int f = 0; f < 2; f++) {
		const struct dps_route_table *t = tabs[f];

		if (!t->ready)
			continue;
		for (uint32_t id = 0; id < t->cap && k < total; id++)
			if (t->rec[id].used)
				fill_info(t, id, &all[k++]);
	}
	dps_stack_unlock(s);
	/* Deterministic order: IPv4 before IPv6, then by address and prefix length. */
	qsort(all, k, sizeof(*all), info_cmp);
	memcpy(out, all, sizeof(*all) * RTE_MIN(k, (uint32_t)max));
	free(all);
	return (int)total;
}

unsigned int
dps_route_count(struct dps_stack *s, uint8_t addr_len)
{
	struct dps_route_table *t = table_of(s, addr_len == 4 ? 4 : 16);
	unsigned int n;

	dps_stack_lock(s);
	n = t->count;
	dps_stack_unlock(s);
	return n;
}

/* ---- data path ---- */

static inline const struct dps_nexthop *
pick(const struct dps_route_table *t, uint32_t id, const uint32_t *hash, unsigned int i)
{
	const struct dps_nh_group *g = __atomic_load_n(&t->grp[id], __ATOMIC_ACQUIRE);

	if (unlikely(g == NULL))
		return NULL; /* deleted while we looked */
	if (g->n_paths == 1 || hash == NULL)
		return &g->paths[0];
	return &g->paths[hash[i] % g->n_paths];
}

/* Next hops of LPM / default results ids[0..k): one group load per run of equal ids. */
static inline void
pick_bulk(const struct dps_route_table *t, const uint32_t *ids, const uint32_t *hash,
	  const struct dps_nexthop **nh, unsigned int k)
{
	uint32_t last = DPS_NH_NONE;
	const struct dps_nexthop *last_nh = NULL;

	for (unsigned int i = 0; i < k; i++) {
		const struct dps_nh_group *g;

		if (ids[i] == DPS_NH_NONE) {
			nh[i] = NULL;
			continue;
		}
		if (ids[i] == last) {
			/* A single path does not depend on the flow hash: same answer. */
			nh[i] = last_nh;
			continue;
		}
		g = __atomic_load_n(&t->grp[ids[i]], __ATOMIC_ACQUIRE);
		if (unlikely(g == NULL)) {
			nh[i] = NULL; /* deleted while we looked */
			continue;
		}
		if (g->n_paths == 1 || hash == NULL) {
			nh[i] = &g->paths[0];
			last = ids[i];
			last_nh = nh[i];
		} else {
			nh[i] = &g->paths[hash[i] % g->n_paths];
			last = DPS_NH_NONE;
		}
	}
}

void
dps_route_lookup4_bulk_rcu(const struct dps_stack *s, const uint32_t *dst, const uint32_t *hash,
			   const struct dps_nexthop **nh, unsigned int n)
{
	const struct dps_route_table *t = dps_stack_priv(s)->routes4;
	struct rte_lpm *lpm = t != NULL ? __atomic_load_n(&t->lpm, __ATOMIC_ACQUIRE) : NULL;
	uint32_t ids[DPS_BURST];
	uint32_t def;

	if (lpm == NULL) {
		for (unsigned int i = 0; i < n; i++)
			nh[i] = NULL;
		return;
	}
	def = __atomic_load_n(&t->def4, __ATOMIC_ACQUIRE);
	for (unsigned int off = 0; off < n; off += DPS_BURST) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)DPS_BURST);
		unsigned int i = 0;

#ifdef RTE_ARCH_X86
		/* Four at a time as l3fwd does: byte swap in a vector, rte_lpm_lookupx4. */
		const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1,
						   2, 3);

		for (; i + 4 <= k; i += 4) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)&dst[off + i]);

			rte_lpm_lookupx4(lpm, _mm_shuffle_epi8(v, bswap), &ids[i], def);
		}
#endif
		for (; i < k; i++) {
			uint32_t r;

			ids[i] = rte_lpm_lookup(lpm, rte_be_to_cpu_32(dst[off + i]), &r) == 0 ? r :
												 def;
		}
		pick_bulk(t, ids, hash != NULL ? hash + off : NULL, nh + off, k);
	}
}

void
dps_route_lookup6_bulk_rcu(const struct dps_stack *s, const uint8_t (*dst)[16],
			   const uint32_t *hash, const struct dps_nexthop **nh, unsigned int n)
{
	const struct dps_route_table *t = dps_stack_priv(s)->routes6;
	struct rte_fib6 *fib = t != NULL ? __atomic_load_n(&t->pub, __ATOMIC_ACQUIRE) : NULL;
	uint64_t res[DPS_BURST];

	if (fib == NULL) {
		for (unsigned int i = 0; i < n; i++)
			nh[i] = NULL;
		return;
	}
	for (unsigned int off = 0; off < n; off += DPS_BURST) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)DPS_BURST);

		rte_fib6_lookup_bulk(fib, (uint8_t(*)[RTE_FIB6_IPV6_ADDR_SIZE])(uintptr_t)&dst[off],
				     res, (int)k);
		for (unsigned int i = 0; i < k; i++) {
			if (res[i] < t->cap)
				nh[off + i] = pick(t, (uint32_t)res[i], hash, off + i);
			else
				nh[off + i] = NULL;
		}
	}
}
