/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route tables (docs/forwarding.md, "Route tables").
 *
 * Both families are a left-right pair of DPDK FIBs: rte_fib (DIR-24-8) for IPv4, rte_fib6
 * (trie) for IPv6, each with its own RIB. DPDK 22.11's FIBs have no RCU: a tbl8 group is
 * freed and may be handed to another prefix at once, so a copy that readers may be walking
 * is never written. Every change goes through a batch (a single change is a batch of one):
 * the changes are applied in order to the idle copy, the idle copy is published with a
 * release store, the writer waits for one grace period (no reader is left in the old copy)
 * and replays the same changes there. A failed change undoes the ones before it on the idle
 * copy, which was never published: a batch is all or nothing.
 *
 * The FIB's next hop is the index of an immutable next-hop group (grp[]): equal groups are
 * shared (a full table via a handful of gateways has a handful of groups), so the next hop
 * fits the 2-byte FIB entries and the groups stay in cache. A group is freed, and its index
 * reused, only after the grace period of the batch that dropped its last route.
 *
 * Writer-side state (the RIBs, the group hash, connected-route counts) is touched only under
 * the stack's writer lock.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include "dps_nic_priv.h"
#include "dps_route.h"

/*
 * FIB miss value and group index bound: 2-byte FIB entries hold 15 bits (the 16th marks a
 * tbl8 pointer), so 0 .. 32766 are group indexes and 32767 is the miss.
 */
#define RT_MISS 0x7fffu
#define RT_MAX_GROUPS 0x7fffu
/* tbl8 groups a 2-byte FIB can index (DPDK aligns the count up to 64). */
#define RT_TBL8_2B_MAX 32704u
#define RT_ERR(msg) rte_log(RTE_LOG_ERR, dps_logtype_route, "dpstack: route: " msg "\n")
#define RT_CONN_BUCKETS 256u
#define RT_GRP_BUCKETS 4096u
/* A batch holds at most this many changes (-E2BIG beyond). */
#define RT_BATCH_MAX (1u << 25)

/* An immutable set of equal-cost paths: what the FIB's next hop names. */
struct dps_nh_group {
	/* read by the data path */
	uint8_t n_paths;
	struct dps_nexthop paths[DPS_ROUTE_MAX_PATHS];
	/* writer only */
	uint32_t refs;  /* routes of the newest copy using it */
	uint32_t hash;
	uint16_t idx;
	bool dead;      /* on the list of groups to free at the end of the batch */
	struct dps_nh_group *hnext;
	struct dps_nh_group *dnext;
};

/* A connected route's address count (writer only). */
struct rt_conn {
	struct dps_prefix p;
	uint16_t refs;
	struct rt_conn *next;
};

struct dps_route_table {
	/* read by the data path */
	void *pub;                  /* published copy: struct rte_fib * or struct rte_fib6 * */
	struct dps_nh_group **grp;  /* [RT_MAX_GROUPS], RCU */
	/* writer only */
	struct dps_stack *s;
	void *fib[2];
	struct dps_nh_group *gbucket[RT_GRP_BUCKETS];
	struct rt_conn *conn[RT_CONN_BUCKETS];
	struct dps_nh_group *dead;  /* groups whose refs fell to 0 in this batch */
	uint16_t *free_idx;
	uint32_t n_free;
	uint32_t max_groups;
	uint32_t cap;
	uint32_t count;
	uint32_t n_groups;
	uint32_t num_tbl8;
	uint8_t nh_bytes;
	uint8_t addr_len;
	bool ready;
	bool touched;               /* changed by the batch being committed */
	bool rebuilt;               /* the idle copy was rebuilt in this batch */
	bool replay_done;           /* the second copy was rebuilt instead of replayed */
	/*
	 * A small batch's replay waits for the next commit: by then the readers have mostly
	 * passed their quiescent state, so a single change costs no wait.
	 */
	struct rt_change *pend;
	uint32_t n_pend;
	uint64_t pend_token;
	struct dps_nh_group *dead_pend; /* dead groups of the pending batch */
	struct dps_route_stats st;
};

/* Nexthops of staged adds, and the match of staged deletes; shared by equal neighbours. */
struct rt_spec {
	struct rt_spec *next;
	uint8_t n_paths;
	struct dps_nexthop paths[DPS_ROUTE_MAX_PATHS];
};

enum { RT_OP_ADD, RT_OP_DEL };

struct rt_change {
	struct dps_prefix p;
	uint8_t op;
	uint8_t flags;
	uint16_t new_g; /* applied: the group the prefix has after, or RT_MISS */
	uint16_t old_g; /* applied: the group it had before, or RT_MISS */
	uint16_t old_conn;
	struct rt_spec *spec;
};

struct dps_route_batch {
	struct dps_stack *s;
	struct rt_change *ch;
	uint32_t n, cap;
	struct rt_spec *specs;
	struct rt_spec *last;
};

/* Internal flag: the route is a NIC's connected route (held by one address). */
#define RT_F_CONNECTED 0x80u

static struct dps_route_table *
table_of(const struct dps_stack *s, uint8_t addr_len)
{
	return addr_len == 4 ? dps_stack_priv(s)->routes4 : dps_stack_priv(s)->routes6;
}

static uint32_t
clamp_u32(uint64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : (uint32_t)v);
}

/*
 * The sizes both the tables and the memory estimate (app/dps_mem.c) use: IPv4 tbl8 groups
 * serve prefixes longer than /24 (rare: a full Internet table needs a few thousand); an IPv6
 * /48 that shares nothing below its /24 takes three (bits 24-31, 32-39, 40-47).
 */
void
dps_route_sizes(uint8_t addr_len, uint32_t cap, uint32_t *num_tbl8, uint8_t *nh_bytes)
{
	if (addr_len == 4) {
		*num_tbl8 = clamp_u32(cap / 256, 1024, RT_TBL8_2B_MAX);
		*nh_bytes = 2;
	} else {
		*num_tbl8 = clamp_u32((uint64_t)cap * 3, 1024, 1u << 28);
		*nh_bytes = *num_tbl8 <= RT_TBL8_2B_MAX ? 2 : 4;
	}
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
	t->cap = RTE_MIN(RTE_MAX(cap, 16u), DPS_ROUTE_MAX_CAP);
	t->max_groups = RTE_MIN(t->cap, RT_MAX_GROUPS);
	dps_route_sizes(addr_len, t->cap, &t->num_tbl8, &t->nh_bytes);
	t->st.max_routes = t->cap;
	t->st.max_groups = t->max_groups;
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
fib_free(struct dps_route_table *t, unsigned int i)
{
	if (t->fib[i] == NULL)
		return;
	if (t->addr_len == 4)
		rte_fib_free(t->fib[i]);
	else
		rte_fib6_free(t->fib[i]);
	t->fib[i] = NULL;
}

static void
table_free(struct dps_route_table *t)
{
	if (t == NULL)
		return;
	for (unsigned int i = 0; i < 2; i++)
		fib_free(t, i);
	free(t->pend);
	if (t->grp != NULL) {
		for (uint32_t i = 0; i < RT_MAX_GROUPS; i++)
			free(t->grp[i]);
		rte_free(t->grp);
	}
	for (unsigned int b = 0; b < RT_CONN_BUCKETS; b++)
		while (t->conn[b] != NULL) {
			struct rt_conn *c = t->conn[b];

			t->conn[b] = c->next;
			free(c);
		}
	free(t->free_idx);
	rte_free(t);
}

void
dps_route_free(struct dps_stack *s)
{
	table_free(dps_stack_priv(s)->routes4);
	table_free(dps_stack_priv(s)->routes6);
	dps_stack_priv(s)->routes4 = NULL;
	dps_stack_priv(s)->routes6 = NULL;
}

/*
 * Create the FIBs on the first route of a family: a stack that never routes (most unit tests,
 * a host-only configuration) does not pay for them.
 */
static int
fib_create(struct dps_route_table *t, unsigned int i)
{
	int socket = dps_stack_priv(t->s)->socket_id;
	char name[64];

	/* Names are unique per process: a rebuilt copy gets a new one. */
	snprintf(name, sizeof(name), "r%u%u_%" PRIxPTR "_%u", t->addr_len, i, (uintptr_t)t,
		 t->st.rebuilds);
	if (t->addr_len == 4) {
		struct rte_fib_conf fc = {
			.type = RTE_FIB_DIR24_8,
			.default_nh = RT_MISS,
			.max_routes = (int)t->cap,
			.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = t->num_tbl8},
		};

		t->fib[i] = rte_fib_create(name, socket, &fc);
	} else {
		struct rte_fib6_conf fc = {
			.type = RTE_FIB6_TRIE,
			.default_nh = RT_MISS,
			.max_routes = (int)t->cap,
			.trie = {.nh_sz = t->nh_bytes == 2 ? RTE_FIB6_TRIE_2B : RTE_FIB6_TRIE_4B,
				 .num_tbl8 = t->num_tbl8},
		};

		t->fib[i] = rte_fib6_create(name, socket, &fc);
	}
	return t->fib[i] != NULL ? 0 : -ENOMEM;
}

static int
table_ready_locked(struct dps_route_table *t)
{
	int socket = dps_stack_priv(t->s)->socket_id;

	if (t->ready)
		return 0;
	t->grp = rte_zmalloc_socket("dps_route_grp", sizeof(*t->grp) * RT_MAX_GROUPS,
				    RTE_CACHE_LINE_SIZE, socket);
	t->free_idx = malloc(sizeof(*t->free_idx) * t->max_groups);
	if (t->grp == NULL || t->free_idx == NULL)
		goto fail;
	/* Lowest indexes first. */
	for (uint32_t i = 0; i < t->max_groups; i++)
		t->free_idx[i] = (uint16_t)(t->max_groups - 1 - i);
	t->n_free = t->max_groups;
	for (unsigned int i = 0; i < 2; i++)
		if (fib_create(t, i) < 0)
			goto fail;
	__atomic_store_n(&t->pub, t->fib[0], __ATOMIC_RELEASE);
	t->ready = true;
	return 0;
fail:
	for (unsigned int i = 0; i < 2; i++)
		fib_free(t, i);
	rte_free(t->grp);
	free(t->free_idx);
	t->grp = NULL;
	t->free_idx = NULL;
	return -ENOMEM;
}

static uint32_t
ip4_host(const struct dps_addr *a)
{
	uint32_t v;

	memcpy(&v, a->b, 4);
	return rte_be_to_cpu_32(v);
}

static void *
idle_of(const struct dps_route_table *t)
{
	return t->pub == t->fib[0] ? t->fib[1] : t->fib[0];
}

/* Group index of an exact prefix in one copy, or RT_MISS. */
static uint16_t
fib_exact(const struct dps_route_table *t, void *fib, const struct dps_prefix *p)
{
	uint64_t nh;

	if (t->addr_len == 4) {
		struct rte_rib_node *n =
			rte_rib_lookup_exact(rte_fib_get_rib(fib), ip4_host(&p->addr), p->plen);

		if (n == NULL || rte_rib_get_nh(n, &nh) != 0)
			return RT_MISS;
	} else {
		struct rte_rib6_node *n =
			rte_rib6_lookup_exact(rte_fib6_get_rib(fib), p->addr.b, p->plen);

		if (n == NULL || rte_rib6_get_nh(n, &nh) != 0)
			return RT_MISS;
	}
	return nh < RT_MAX_GROUPS ? (uint16_t)nh : RT_MISS;
}

/* Set (g != RT_MISS) or remove a prefix in one copy. */
static int
fib_set(const struct dps_route_table *t, void *fib, const struct dps_prefix *p, uint16_t g)
{
	if (t->addr_len == 4) {
		uint32_t ip = ip4_host(&p->addr);
		int ret;

		if (g == RT_MISS)
			return rte_fib_delete(fib, ip, p->plen);
		/*
		 * DPDK 22.11's DIR-24-8 forgets to reserve a tbl8 group when a new prefix longer
		 * than /24 has its parent's next hop (fixed upstream by "fib: fix prefix addition
		 * handling"), and the matching delete then wraps the count: every later long
		 * prefix would fail. Add it with the miss value first (this copy is not
		 * published), then set its group.
		 */
		if (p->plen > 24 && fib_exact(t, fib, p) == RT_MISS) {
			ret = rte_fib_add(fib, ip, p->plen, RT_MISS);
			if (ret < 0)
				return ret;
		}
		return rte_fib_add(fib, ip, p->plen, g);
	}
	if (g == RT_MISS)
		return rte_fib6_delete(fib, p->addr.b, p->plen);
	return rte_fib6_add(fib, p->addr.b, p->plen, g);
}

/* A copy's routes, read from its RIB (the /0 route first). */
struct rt_entry {
	struct dps_prefix p;
	uint16_t g;
};

static struct rt_entry *
fib_dump(const struct dps_route_table *t, void *fib, uint32_t *n)
{
	struct rt_entry *e = malloc(sizeof(*e) * ((size_t)t->count + 1));
	struct dps_prefix p = {.addr = {.len = t->addr_len}};
	uint32_t k = 0;
	uint64_t nh;

	*n = 0;
	if (e == NULL)
		return NULL;
	if ((e[k].g = fib_exact(t, fib, &p)) != RT_MISS)
		e[k++].p = p;
	if (t->addr_len == 4) {
		struct rte_rib *rib = rte_fib_get_rib(fib);
		struct rte_rib_node *nd = NULL;

		while (k <= t->count && (nd = rte_rib_get_nxt(rib, 0, 0, nd, RTE_RIB_GET_NXT_ALL))) {
			uint32_t ip;
			uint8_t d;

			rte_rib_get_ip(nd, &ip);
			rte_rib_get_depth(nd, &d);
			rte_rib_get_nh(nd, &nh);
			ip = rte_cpu_to_be_32(ip);
			memset(&e[k].p, 0, sizeof(e[k].p));
			e[k].p.addr.len = 4;
			memcpy(e[k].p.addr.b, &ip, 4);
			e[k].p.plen = d;
			e[k].g = (uint16_t)nh;
			k++;
		}
	} else {
		static const uint8_t zero[16];
		struct rte_rib6 *rib = rte_fib6_get_rib(fib);
		struct rte_rib6_node *nd = NULL;

		while (k <= t->count &&
		       (nd = rte_rib6_get_nxt(rib, zero, 0, nd, RTE_RIB6_GET_NXT_ALL))) {
			uint8_t d;

			e[k].p.addr.len = 16;
			rte_rib6_get_ip(nd, e[k].p.addr.b);
			rte_rib6_get_depth(nd, &d);
			rte_rib6_get_nh(nd, &nh);
			e[k].p.plen = d;
			e[k].g = (uint16_t)nh;
			k++;
		}
	}
	*n = k;
	return e;
}

static int fib_set(const struct dps_route_table *t, void *fib, const struct dps_prefix *p,
		   uint16_t g);

/*
 * Rebuild copy dst (never the published one) from the routes of copy src. DPDK 22.11.11's
 * trie counts tbl8 reservations wrongly (a delete of a prefix longer than /24 never gives its
 * reservation back; fixed upstream by "fib6: fix memory leak on delete operation" and "fix
 * tbl8 reservation drift"), so a copy that has seen many changes can refuse a long prefix
 * with room to spare. A fresh copy counts right.
 */
static int
fib_rebuild(struct dps_route_table *t, unsigned int dst, void *src)
{
	uint32_t n = 0;
	struct rt_entry *e = fib_dump(t, src, &n);
	int ret = 0;

	if (e == NULL)
		return -ENOMEM;
	fib_free(t, dst);
	t->st.rebuilds++;
	ret = fib_create(t, dst);
	for (uint32_t i = 0; i < n && ret == 0; i++)
		ret = fib_set(t, t->fib[dst], &e[i].p, e[i].g);
	free(e);
	if (ret < 0)
		RT_ERR("a rebuilt FIB copy is short of routes");
	return ret;
}

/* ---- next-hop groups (writer) ---- */

static uint32_t
group_hash(const struct rt_spec *sp)
{
	uint32_t h = rte_hash_crc_4byte(sp->n_paths, 0x9e3779b9);

	for (unsigned int i = 0; i < sp->n_paths; i++) {
		h = rte_hash_crc_4byte((uint32_t)sp->paths[i].nic_id << 1 | sp->paths[i].has_gw,
				       h);
		if (sp->paths[i].has_gw) {
			uint32_t w[DPS_ADDR_MAX_LEN / 4];

			/* gw.b sits at offset 1: hash an aligned copy (4-byte loads). */
			memcpy(w, sp->paths[i].gw.b, sp->paths[i].gw.len);
			h = rte_hash_crc(w, sp->paths[i].gw.len, h);
		}
	}
	return h;
}

static bool
group_eq(const struct dps_nh_group *g, const struct rt_spec *sp)
{
	if (g->n_paths != sp->n_paths)
		return false;
	for (unsigned int i = 0; i < sp->n_paths; i++) {
		const struct dps_nexthop *a = &g->paths[i], *b = &sp->paths[i];

		if (a->nic_id != b->nic_id || a->has_gw != b->has_gw)
			return false;
		if (a->has_gw && !dps_addr_eq(&a->gw, &b->gw))
			return false;
	}
	return true;
}

/* A reference on the group of these next hops, made if needed: its index, or -ENOSPC/-ENOMEM. */
static int
group_get(struct dps_route_table *t, const struct rt_spec *sp)
{
	uint32_t h = group_hash(sp);
	struct dps_nh_group **b = &t->gbucket[h % RT_GRP_BUCKETS], *g;

	for (g = *b; g != NULL; g = g->hnext)
		if (g->hash == h && group_eq(g, sp)) {
			g->refs++;
			return g->idx;
		}
	if (t->n_free == 0)
		return -ENOSPC;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->n_paths = sp->n_paths;
	memcpy(g->paths, sp->paths, sizeof(g->paths[0]) * sp->n_paths);
	g->refs = 1;
	g->hash = h;
	g->idx = t->free_idx[--t->n_free];
	g->hnext = *b;
	*b = g;
	t->n_groups++;
	/* Published before any FIB copy that names it. */
	__atomic_store_n(&t->grp[g->idx], g, __ATOMIC_RELEASE);
	return g->idx;
}

static void
group_ref(struct dps_route_table *t, uint16_t idx)
{
	t->grp[idx]->refs++;
}

/* Drop a reference; at zero the group waits on the dead list for the end of the batch. */
static void
group_put(struct dps_route_table *t, uint16_t idx)
{
	struct dps_nh_group *g = t->grp[idx];

	if (--g->refs == 0 && !g->dead) {
		g->dead = true;
		g->dnext = t->dead;
		t->dead = g;
	}
}

/* Free the dead groups still unused. Only when no reader can hold their index. */
static void
group_sweep(struct dps_route_table *t)
{
	while (t->dead != NULL) {
		struct dps_nh_group *g = t->dead, **pp;

		t->dead = g->dnext;
		g->dead = false;
		if (g->refs > 0)
			continue;
		for (pp = &t->gbucket[g->hash % RT_GRP_BUCKETS]; *pp != g; pp = &(*pp)->hnext)
			;
		*pp = g->hnext;
		__atomic_store_n(&t->grp[g->idx], NULL, __ATOMIC_RELEASE);
		t->free_idx[t->n_free++] = g->idx;
		t->n_groups--;
		free(g);
	}
}

/* ---- connected routes (writer) ---- */

static uint32_t
prefix_hash(const struct dps_prefix *p)
{
	uint32_t w[DPS_ADDR_MAX_LEN / 4];

	/* addr.b sits at offset 1: rte_hash_crc() loads 4-byte words, so hash an aligned copy. */
	memcpy(w, p->addr.b, p->addr.len);
	return rte_hash_crc(w, p->addr.len, p->plen);
}

static struct rt_conn **
conn_slot(struct dps_route_table *t, const struct dps_prefix *p)
{
	struct rt_conn **pp = &t->conn[prefix_hash(p) % RT_CONN_BUCKETS];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->p.plen == p->plen && dps_addr_eq(&(*pp)->p.addr, &p->addr))
			break;
	return pp;
}

static uint16_t
conn_refs(struct dps_route_table *t, const struct dps_prefix *p)
{
	struct rt_conn *c = *conn_slot(t, p);

	return c != NULL ? c->refs : 0;
}

static int
conn_set(struct dps_route_table *t, const struct dps_prefix *p, uint16_t refs)
{
	struct rt_conn **pp = conn_slot(t, p), *c = *pp;

	if (c == NULL && refs == 0)
		return 0;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return -ENOMEM;
		c->p = *p;
		*pp = c;
	}
	if (refs == 0) {
		*pp = c->next;
		free(c);
		return 0;
	}
	c->refs = refs;
	return 0;
}

/* ---- batches ---- */

static int
check_prefix(const struct dps_prefix *p)
{
	if (p == NULL || (p->addr.len != 4 && p->addr.len != 16) || p->plen > p->addr.len * 8)
		return -EINVAL;
	return 0;
}

static int
validate(const struct dps_prefix *p, const struct dps_nexthop *nh, unsigned int n_paths)
{
	if (check_prefix(p) < 0)
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

struct dps_route_batch *
dps_route_batch_begin(struct dps_stack *s)
{
	struct dps_route_batch *b;

	if (s == NULL)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (b != NULL)
		b->s = s;
	return b;
}

void
dps_route_batch_abort(struct dps_route_batch *b)
{
	if (b == NULL)
		return;
	while (b->specs != NULL) {
		struct rt_spec *sp = b->specs;

		b->specs = sp->next;
		free(sp);
	}
	free(b->ch);
	free(b);
}

unsigned int
dps_route_batch_size(const struct dps_route_batch *b)
{
	return b != NULL ? b->n : 0;
}

static bool
spec_eq(const struct rt_spec *sp, const struct dps_nexthop *nh, unsigned int n)
{
	if (sp->n_paths != n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (sp->paths[i].nic_id != nh[i].nic_id || sp->paths[i].has_gw != nh[i].has_gw ||
		    (nh[i].has_gw && !dps_addr_eq(&sp->paths[i].gw, &nh[i].gw)))
			return false;
	return true;
}

/* Append a change; its next hops are shared with the previous change when equal. */
static int
batch_push(struct dps_route_batch *b, const struct dps_prefix *p, uint8_t op, unsigned int flags,
	   const struct dps_nexthop *nh, unsigned int n)
{
	struct rt_change *c;
	struct rt_spec *sp = NULL;

	if (b->n == b->cap) {
		uint32_t ncap = b->cap ? b->cap * 2 : 64;
		struct rt_change *nc;

		if (b->n >= RT_BATCH_MAX)
			return -E2BIG;
		nc = realloc(b->ch, sizeof(*nc) * ncap);
		if (nc == NULL)
			return -ENOMEM;
		b->ch = nc;
		b->cap = ncap;
	}
	if (n > 0) {
		if (b->last != NULL && spec_eq(b->last, nh, n)) {
			sp = b->last;
		} else {
			sp = calloc(1, sizeof(*sp));
			if (sp == NULL)
				return -ENOMEM;
			sp->n_paths = (uint8_t)n;
			for (unsigned int i = 0; i < n; i++) {
				sp->paths[i].nic_id = nh[i].nic_id;
				sp->paths[i].has_gw = nh[i].has_gw;
				if (nh[i].has_gw)
					sp->paths[i].gw = nh[i].gw;
			}
			sp->next = b->specs;
			b->specs = sp;
			b->last = sp;
		}
	}
	c = &b->ch[b->n++];
	memset(c, 0, sizeof(*c));
	c->p.plen = p->plen;
	dps_prefix_network(p, &c->p.addr);
	c->op = op;
	c->flags = (uint8_t)flags;
	c->spec = sp;
	return 0;
}

int
dps_route_batch_add(struct dps_route_batch *b, const struct dps_prefix *p,
		    const struct dps_nexthop *nh, unsigned int n_paths, unsigned int flags)
{
	int ret;

	if (b == NULL || (flags & ~(DPS_ROUTE_F_EXCL | DPS_ROUTE_F_KEEP_CONNECTED)) != 0)
		return -EINVAL;
	ret = validate(p, nh, n_paths);
	if (ret < 0)
		return ret;
	return batch_push(b, p, RT_OP_ADD, flags, nh, n_paths);
}

int
dps_route_batch_del(struct dps_route_batch *b, const struct dps_prefix *p,
		    const struct dps_nexthop *match, unsigned int flags)
{
	if (b == NULL || check_prefix(p) < 0 || (flags & ~DPS_ROUTE_F_KEEP_CONNECTED) != 0)
		return -EINVAL;
	if (match != NULL && match->has_gw && match->gw.len != p->addr.len)
		return -EINVAL;
	return batch_push(b, p, RT_OP_DEL, flags, match, match != NULL ? 1 : 0);
}

/* A delete's match: any path with the NIC (unless DPS_ROUTE_ANY_NIC) and gateway given. */
static bool
del_matches(const struct dps_nh_group *g, const struct rt_spec *m)
{
	if (m == NULL)
		return true;
	for (unsigned int i = 0; i < g->n_paths; i++)
		if ((m->paths[0].nic_id == DPS_ROUTE_ANY_NIC ||
		     g->paths[i].nic_id == m->paths[0].nic_id) &&
		    (!m->paths[0].has_gw ||
		     (g->paths[i].has_gw && dps_addr_eq(&g->paths[i].gw, &m->paths[0].gw))))
			return true;
	return false;
}

/*
 * Set a prefix in the idle copy; on -ENOSPC rebuild the copy once per batch (a fresh copy
 * counts its tbl8 groups right, fib_rebuild()) and try again.
 */
static int
idle_set(struct dps_route_table *t, const struct dps_prefix *p, uint16_t g)
{
	int ret = fib_set(t, idle_of(t), p, g);

	if (ret == -ENOSPC && !t->rebuilt) {
		unsigned int i = t->pub == t->fib[0] ? 1 : 0;

		t->rebuilt = true;
		ret = fib_rebuild(t, i, t->fib[i]);
		if (ret == 0)
			ret = fib_set(t, idle_of(t), p, g);
	}
	return ret;
}

/* Apply one change to the idle copy of its table, recording how to replay and undo it. */
static int
change_apply(struct dps_route_table *t, struct rt_change *c)
{
	uint16_t cur = fib_exact(t, idle_of(t), &c->p);
	uint16_t conn = cur != RT_MISS ? conn_refs(t, &c->p) : 0;
	int ret, g;

	c->old_g = cur;
	c->old_conn = conn;
	if (c->op == RT_OP_DEL) {
		if (cur == RT_MISS)
			return -ENOENT;
		if (conn > 0 && (c->flags & DPS_ROUTE_F_KEEP_CONNECTED))
			return -EBUSY;
		if (!del_matches(t->grp[cur], c->spec))
			return -ESRCH;
		ret = idle_set(t, &c->p, RT_MISS);
		if (ret < 0)
			return ret;
		conn_set(t, &c->p, 0);
		c->new_g = RT_MISS;
		group_put(t, cur);
		t->count--;
		return 0;
	}
	if (cur != RT_MISS && conn > 0 && (c->flags & DPS_ROUTE_F_KEEP_CONNECTED))
		return -EBUSY;
	if (cur != RT_MISS && (c->flags & DPS_ROUTE_F_EXCL))
		return -EEXIST;
	if (cur == RT_MISS && t->count >= t->cap) {
		t->st.full++;
		return -ENOSPC;
	}
	g = group_get(t, c->spec);
	if (g < 0) {
		if (g == -ENOSPC)
			t->st.full++;
		return g;
	}
	if ((uint16_t)g != cur) {
		ret = idle_set(t, &c->p, (uint16_t)g);
		if (ret < 0) {
			group_put(t, (uint16_t)g);
			if (ret == -ENOSPC)
				t->st.full++;
			return ret;
		}
	}
	ret = conn_set(t, &c->p, (c->flags & RT_F_CONNECTED) ? 1 : 0);
	if (ret < 0) {
		fib_set(t, idle_of(t), &c->p, cur);
		group_put(t, (uint16_t)g);
		return ret;
	}
	c->new_g = (uint16_t)g;
	if (cur != RT_MISS)
		group_put(t, cur);
	else
		t->count++;
	return 0;
}

/* Undo an applied change on the idle copy (the batch failed after it). */
static void
change_undo(struct dps_route_table *t, const struct rt_change *c)
{
	void *idle = idle_of(t);

	if (c->new_g != c->old_g && fib_set(t, idle, &c->p, c->old_g) < 0)
		RT_ERR("undo of a failed batch failed: the copies may differ");
	if (c->old_g != RT_MISS)
		group_ref(t, c->old_g);
	if (c->new_g != RT_MISS)
		group_put(t, c->new_g);
	if (c->old_g == RT_MISS)
		t->count--;
	else if (c->new_g == RT_MISS)
		t->count++;
	/* Removing a record cannot fail; restoring one allocates (a few bytes). */
	if (conn_set(t, &c->p, c->old_conn) < 0)
		RT_ERR("undo lost a connected route's address count");
}

/*
 * Replay an applied change on the other copy, unpublished since the grace period. Both copies
 * had the same history, but one may have been rebuilt (its tbl8 count is then lower): when
 * the replay fails the copy is rebuilt from the published one, and the rest skipped.
 */
static void
change_replay(struct dps_route_table *t, void *fib, const struct rt_change *c)
{
	unsigned int i = fib == t->fib[0] ? 0 : 1;

	if (t->replay_done || c->new_g == c->old_g)
		return;
	if (fib_set(t, fib, &c->p, c->new_g) == 0)
		return;
	t->replay_done = true;
	if (fib_rebuild(t, i, t->pub) < 0)
		RT_ERR("replay on the second copy failed: the copies differ");
}

/* Batches of at least this many changes wait for their grace period and replay at once. */
#define RT_SYNC_MIN 64u

static void
wait_token(struct dps_stack *s, uint64_t token)
{
	unsigned int spins = 0;

	/*
	 * Running readers pass a quiescent state within microseconds: poll that long first,
	 * then yield (a reader sharing this CPU may need it to get there).
	 */
	while (rte_rcu_qsbr_check(s->qsbr, token, false) != 1) {
		if (++spins < 4096)
			rte_pause();
		else
			sched_yield();
	}
}

/* Bring the idle copy up to date: wait for the pending batch's grace period and replay it. */
static void
pending_sync(struct dps_route_table *t)
{
	if (t->pend == NULL)
		return;
	wait_token(t->s, t->pend_token);
	t->replay_done = false;
	for (uint32_t i = 0; i < t->n_pend; i++)
		change_replay(t, idle_of(t), &t->pend[i]);
	free(t->pend);
	t->pend = NULL;
	t->n_pend = 0;
	/* No reader can hold the dead groups' indexes now. */
	while (t->dead_pend != NULL) {
		struct dps_nh_group *g = t->dead_pend;

		t->dead_pend = g->dnext;
		g->dnext = t->dead;
		t->dead = g;
	}
	group_sweep(t);
}

/* Keep a table's share of a committed batch for the replay at the next commit. */
static int
pending_keep(struct dps_route_table *t, const struct dps_route_batch *b, uint64_t token)
{
	uint32_t n = 0;

	t->pend = malloc(sizeof(*t->pend) * b->n);
	if (t->pend == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->n; i++)
		if (b->ch[i].p.addr.len == t->addr_len)
			t->pend[n++] = b->ch[i];
	t->n_pend = n;
	t->pend_token = token;
	t->dead_pend = t->dead;
	t->dead = NULL;
	return 0;
}

/*
 * Batches of at least this many changes are applied in address order (batch_order()). Both
 * copies' RIBs are binary tries whose nodes sit anywhere in a mempool of hundreds of MB: in
 * the order of a spread-out file every insert walks some twenty nodes that miss the cache,
 * while neighbours in address order share nearly all of the walk (docs/performance.md,
 * "Full table").
 */
#define RT_SORT_MIN 1024u

struct rt_key {
	uint64_t k;
	uint32_t i;
};

/* One stable LSD radix pass on the 16 bits of the keys at shift, src to dst. */
static void
radix_pass(const struct rt_key *src, struct rt_key *dst, uint32_t n, unsigned int shift,
	   uint32_t *cnt)
{
	uint32_t sum = 0;

	memset(cnt, 0, sizeof(*cnt) * 65536);
	for (uint32_t i = 0; i < n; i++)
		cnt[(src[i].k >> shift) & 0xffff]++;
	for (uint32_t d = 0; d < 65536; d++) {
		uint32_t c = cnt[d];

		cnt[d] = sum;
		sum += c;
	}
	for (uint32_t i = 0; i < n; i++)
		dst[cnt[(src[i].k >> shift) & 0xffff]++] = src[i];
}

/*
 * The order to apply a big batch in: IPv4 before IPv6, each by the leading 32 (IPv4) or 64
 * (IPv6) bits of the prefix. The sort is stable, so the changes of one prefix keep their
 * order and the tables end as in file order (routes of different prefixes do not depend on
 * each other). Only the limits (max_routes, tbl8 and next-hop groups) depend on the order:
 * a batch refused in this order is retried in file order (batch_commit_locked()).
 * NULL when out of memory (file order then).
 */
static uint32_t *
batch_order(const struct dps_route_batch *b)
{
	struct rt_key *a = malloc(sizeof(*a) * b->n), *tmp = malloc(sizeof(*tmp) * b->n);
	uint32_t *cnt = malloc(sizeof(*cnt) * 65536), *ord = malloc(sizeof(*ord) * b->n);
	uint32_t n4 = 0, j4 = 0, j6;

	if (a == NULL || tmp == NULL || cnt == NULL || ord == NULL) {
		free(ord);
		ord = NULL;
		goto out;
	}
	for (uint32_t i = 0; i < b->n; i++)
		n4 += b->ch[i].p.addr.len == 4;
	j6 = n4;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct dps_addr *x = &b->ch[i].p.addr;

		if (x->len == 4) {
			a[j4++] = (struct rt_key){.k = ip4_host(x), .i = i};
		} else {
			uint64_t k;

			memcpy(&k, x->b, 8);
			a[j6++] = (struct rt_key){.k = rte_be_to_cpu_64(k), .i = i};
		}
	}
	radix_pass(a, tmp, n4, 0, cnt);
	radix_pass(tmp, a, n4, 16, cnt);
	for (unsigned int sh = 0; sh < 64; sh += 32) {
		radix_pass(a + n4, tmp + n4, b->n - n4, sh, cnt);
		radix_pass(tmp + n4, a + n4, b->n - n4, sh + 16, cnt);
	}
	for (uint32_t i = 0; i < b->n; i++)
		ord[i] = a[i].i;
out:
	free(a);
	free(tmp);
	free(cnt);
	return ord;
}

/* Commit under the writer lock. */
static int
batch_commit_locked(struct dps_route_batch *b, struct dps_route_batch_err *failed)
{
	struct dps_stack *s = b->s;
	struct dps_route_table *tabs[2] = {table_of(s, 4), table_of(s, 16)};
	void *old[2] = {NULL, NULL};
	uint32_t i = 0;
	int ret = 0;

	uint64_t token, full[2] = {tabs[0]->st.full, tabs[1]->st.full};
	uint32_t *ord = b->n >= RT_SORT_MIN ? batch_order(b) : NULL;
	uint32_t k;

	for (unsigned int f = 0; f < 2; f++)
		tabs[f]->replay_done = false;
retry:
	for (unsigned int f = 0; f < 2; f++)
		tabs[f]->rebuilt = false;
	for (k = 0; k < b->n; k++) {
		struct dps_route_table *t;

		i = ord != NULL ? ord[k] : k;
		t = table_of(s, b->ch[i].p.addr.len);

		/* Only the families the batch changes wait for their pending replay. */
		if (!t->touched)
			pending_sync(t);
		ret = table_ready_locked(t);
		if (ret == 0)
			ret = change_apply(t, &b->ch[i]);
		if (ret < 0)
			break;
		t->touched = true;
	}
	if (ret < 0) {
		if (failed != NULL && ord == NULL) {
			failed->index = i;
			failed->prefix = b->ch[i].p;
			failed->del = b->ch[i].op == RT_OP_DEL;
		}
		while (k-- > 0) {
			i = ord != NULL ? ord[k] : k;
			change_undo(table_of(s, b->ch[i].p.addr.len), &b->ch[i]);
		}
		for (unsigned int f = 0; f < 2; f++) {
			group_sweep(tabs[f]);
			tabs[f]->touched = false;
		}
		if (ord != NULL) {
			/*
			 * A limit may have been reached only in address order (an add before the
			 * delete that made room): the file's order decides, and names the line.
			 */
			free(ord);
			ord = NULL;
			for (unsigned int f = 0; f < 2; f++)
				tabs[f]->st.full = full[f];
			goto retry;
		}
		return ret;
	}
	for (unsigned int f = 0; f < 2; f++)
		if (tabs[f]->touched) {
			old[f] = tabs[f]->pub;
			__atomic_store_n(&tabs[f]->pub, idle_of(tabs[f]), __ATOMIC_RELEASE);
		}
	token = rte_rcu_qsbr_start(s->qsbr);
	for (unsigned int f = 0; f < 2; f++) {
		if (!tabs[f]->touched)
			continue;
		tabs[f]->touched = false;
		tabs[f]->st.batches++;
		if (b->n < RT_SYNC_MIN && pending_keep(tabs[f], b, token) == 0)
			old[f] = NULL;
	}
	for (i = 0; i < b->n; i++)
		table_of(s, b->ch[i].p.addr.len)->st.changes++;
	if (old[0] == NULL && old[1] == NULL) {
		free(ord);
		return 0;
	}
	wait_token(s, token);
	/* The same order on the other copy: the same cache-friendly walks. */
	for (k = 0; k < b->n; k++) {
		const struct rt_change *c = &b->ch[ord != NULL ? ord[k] : k];
		struct dps_route_table *t = table_of(s, c->p.addr.len);

		if (old[c->p.addr.len == 4 ? 0 : 1] != NULL)
			change_replay(t, old[c->p.addr.len == 4 ? 0 : 1], c);
	}
	free(ord);
	for (unsigned int f = 0; f < 2; f++)
		if (old[f] != NULL)
			group_sweep(tabs[f]);
	return 0;
}

int
dps_route_batch_commit(struct dps_route_batch *b, struct dps_route_batch_err *failed)
{
	int ret;

	if (b == NULL)
		return -EINVAL;
	if (b->n == 0) {
		dps_route_batch_abort(b);
		return 0;
	}
	dps_stack_lock(b->s);
	ret = batch_commit_locked(b, failed);
	dps_stack_unlock(b->s);
	if (DPS_NIC_DEBUG_ON(route))
		DPS_NIC_DEBUG(route, "route batch of %u changes: %s", b->n,
			      ret < 0 ? strerror(-ret) : "ok");
	dps_route_batch_abort(b);
	return ret;
}

/* ---- single changes: batches of one ---- */

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

/* One change under the writer lock; the batch lives on the stack. */
static int
one_locked(struct dps_stack *s, const struct dps_prefix *p, uint8_t op, unsigned int flags,
	   const struct dps_nexthop *nh, unsigned int n)
{
	struct rt_spec sp = {.n_paths = (uint8_t)n};
	struct rt_change c = {.p = {.plen = p->plen}, .op = op, .flags = (uint8_t)flags};
	struct dps_route_batch b = {.s = s, .ch = &c, .n = 1, .cap = 1};

	dps_prefix_network(p, &c.p.addr);
	for (unsigned int i = 0; i < n; i++) {
		sp.paths[i].nic_id = nh[i].nic_id;
		sp.paths[i].has_gw = nh[i].has_gw;
		if (nh[i].has_gw)
			sp.paths[i].gw = nh[i].gw;
	}
	c.spec = n > 0 ? &sp : NULL;
	return batch_commit_locked(&b, NULL);
}

int
dps_route_add(struct dps_stack *s, const struct dps_prefix *p, const struct dps_nexthop *nh,
	      unsigned int n_paths, bool connected)
{
	int ret = validate(p, nh, n_paths);

	if (ret < 0)
		return ret;
	dps_stack_lock(s);
	ret = one_locked(s, p, RT_OP_ADD, connected ? RT_F_CONNECTED : 0, nh, n_paths);
	dps_stack_unlock(s);
	route_debug(connected ? "add connected" : "add", p, nh, n_paths, ret);
	return ret;
}

int
dps_route_del(struct dps_stack *s, const struct dps_prefix *p)
{
	int ret;

	if (check_prefix(p) < 0)
		return -EINVAL;
	dps_stack_lock(s);
	ret = one_locked(s, p, RT_OP_DEL, 0, NULL, 0);
	dps_stack_unlock(s);
	route_debug("del", p, NULL, 0, ret);
	return ret;
}

/* The group of an exact prefix (both copies agree outside a commit), or NULL. */
static const struct dps_nh_group *
find_locked(struct dps_route_table *t, const struct dps_prefix *np)
{
	uint16_t g;

	if (!t->ready)
		return NULL;
	g = fib_exact(t, t->pub, np);
	return g == RT_MISS ? NULL : t->grp[g];
}

int
dps_route_add_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr)
{
	struct dps_nexthop nh = {.nic_id = nic_id, .has_gw = false};
	const struct dps_nh_group *g;
	struct dps_route_table *t;
	struct dps_prefix np;
	uint16_t refs;
	int ret;

	ret = validate(ifaddr, &nh, 1);
	if (ret < 0)
		return ret;
	t = table_of(s, ifaddr->addr.len);
	np.plen = ifaddr->plen;
	dps_prefix_network(ifaddr, &np.addr);
	dps_stack_lock(s);
	g = find_locked(t, &np);
	refs = g != NULL ? conn_refs(t, &np) : 0;
	if (refs > 0 && g->n_paths == 1 && g->paths[0].nic_id == nic_id && !g->paths[0].has_gw) {
		/* Another address of the same subnet on the same NIC. */
		ret = conn_set(t, &np, (uint16_t)(refs + 1));
	} else {
		ret = one_locked(s, &np, RT_OP_ADD, RT_F_CONNECTED, &nh, 1);
	}
	dps_stack_unlock(s);
	route_debug("add connected", &np, &nh, 1, ret);
	return ret;
}

int
dps_route_del_connected(struct dps_stack *s, uint16_t nic_id, const struct dps_prefix *ifaddr)
{
	const struct dps_nh_group *g;
	struct dps_route_table *t;
	struct dps_prefix np;
	uint16_t refs;
	int ret = -ENOENT;

	if (check_prefix(ifaddr) < 0)
		return -EINVAL;
	t = table_of(s, ifaddr->addr.len);
	np.plen = ifaddr->plen;
	dps_prefix_network(ifaddr, &np.addr);
	dps_stack_lock(s);
	g = find_locked(t, &np);
	refs = g != NULL ? conn_refs(t, &np) : 0;
	if (refs > 0 && g->paths[0].nic_id == nic_id) {
		if (refs > 1)
			ret = conn_set(t, &np, (uint16_t)(refs - 1));
		else
			ret = one_locked(s, &np, RT_OP_DEL, 0, NULL, 0);
	}
	dps_stack_unlock(s);
	route_debug("del connected", &np, NULL, 0, ret);
	return ret;
}

/* ---- reading the tables (writer lock) ---- */

static void
fill_info(struct dps_route_table *t, const struct dps_prefix *p, uint16_t gi,
	  struct dps_route_info *out)
{
	const struct dps_nh_group *g = t->grp[gi];

	memset(out, 0, sizeof(*out));
	out->prefix = *p;
	out->connected = conn_refs(t, p) > 0;
	out->n_paths = g->n_paths;
	memcpy(out->paths, g->paths, sizeof(out->paths[0]) * g->n_paths);
}

int
dps_route_get(struct dps_stack *s, const struct dps_prefix *p, struct dps_route_info *out)
{
	struct dps_route_table *t;
	struct dps_prefix np;
	uint16_t g = RT_MISS;

	if (check_prefix(p) < 0)
		return -EINVAL;
	t = table_of(s, p->addr.len);
	np.plen = p->plen;
	dps_prefix_network(p, &np.addr);
	dps_stack_lock(s);
	if (t->ready)
		g = fib_exact(t, t->pub, &np);
	if (g != RT_MISS && out != NULL)
		fill_info(t, &np, g, out);
	dps_stack_unlock(s);
	return g != RT_MISS ? 0 : -ENOENT;
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

/* Every route of a table into all[*k..]: the RIB of the published copy, /0 first. */
static void
list_table(struct dps_route_table *t, struct dps_route_info *all, uint32_t *k, uint32_t total)
{
	struct dps_prefix p = {.addr = {.len = t->addr_len}};
	uint64_t nh;

	if (!t->ready)
		return;
	p.plen = 0;
	if (fib_exact(t, t->pub, &p) != RT_MISS && *k < total)
		fill_info(t, &p, fib_exact(t, t->pub, &p), &all[(*k)++]);
	if (t->addr_len == 4) {
		struct rte_rib *rib = rte_fib_get_rib(t->pub);
		struct rte_rib_node *n = NULL;

		while (*k < total && (n = rte_rib_get_nxt(rib, 0, 0, n, RTE_RIB_GET_NXT_ALL))) {
			uint32_t ip;
			uint8_t d;

			rte_rib_get_ip(n, &ip);
			rte_rib_get_depth(n, &d);
			rte_rib_get_nh(n, &nh);
			ip = rte_cpu_to_be_32(ip);
			memcpy(p.addr.b, &ip, 4);
			p.plen = d;
			if (nh < RT_MAX_GROUPS)
				fill_info(t, &p, (uint16_t)nh, &all[(*k)++]);
		}
	} else {
		static const uint8_t zero[16];
		struct rte_rib6 *rib = rte_fib6_get_rib(t->pub);
		struct rte_rib6_node *n = NULL;

		while (*k < total &&
		       (n = rte_rib6_get_nxt(rib, zero, 0, n, RTE_RIB6_GET_NXT_ALL))) {
			uint8_t d;

			rte_rib6_get_ip(n, p.addr.b);
			rte_rib6_get_depth(n, &d);
			rte_rib6_get_nh(n, &nh);
			p.plen = d;
			if (nh < RT_MAX_GROUPS)
				fill_info(t, &p, (uint16_t)nh, &all[(*k)++]);
		}
	}
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
	for (unsigned int f = 0; f < 2; f++)
		list_table(tabs[f], all, &k, total);
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

int
dps_route_stats(struct dps_stack *s, uint8_t addr_len, struct dps_route_stats *st)
{
	struct dps_route_table *t;

	if (s == NULL || st == NULL || (addr_len != 4 && addr_len != 16))
		return -EINVAL;
	t = table_of(s, addr_len);
	dps_stack_lock(s);
	*st = t->st;
	st->routes = t->count;
	st->groups = t->n_groups;
	dps_stack_unlock(s);
	return 0;
}

/* ---- data path ---- */

/* Next hops of FIB results res[0..k): one group load per run of equal single-path results. */
static inline void
pick_bulk(const struct dps_route_table *t, const uint64_t *res, const uint32_t *hash,
	  const struct dps_nexthop **nh, unsigned int k)
{
	uint64_t last = RT_MISS;
	const struct dps_nexthop *last_nh = NULL;

	for (unsigned int i = 0; i < k; i++) {
		const struct dps_nh_group *g;

		if (res[i] >= RT_MAX_GROUPS) {
			nh[i] = NULL;
			continue;
		}
		if (res[i] == last) {
			/* A single path does not depend on the flow hash: same answer. */
			nh[i] = last_nh;
			continue;
		}
		g = __atomic_load_n(&t->grp[res[i]], __ATOMIC_ACQUIRE);
		if (unlikely(g == NULL)) {
			nh[i] = NULL;
			continue;
		}
		if (g->n_paths == 1 || hash == NULL) {
			nh[i] = &g->paths[0];
			last = res[i];
			last_nh = nh[i];
		} else {
			nh[i] = &g->paths[hash[i] % g->n_paths];
			last = RT_MISS;
		}
	}
}

void
dps_route_lookup4_bulk_rcu(const struct dps_stack *s, const uint32_t *dst, const uint32_t *hash,
			   const struct dps_nexthop **nh, unsigned int n)
{
	const struct dps_route_table *t = dps_stack_priv(s)->routes4;
	struct rte_fib *fib = t != NULL ? __atomic_load_n(&t->pub, __ATOMIC_ACQUIRE) : NULL;
	uint32_t ip[DPS_BURST];
	uint64_t res[DPS_BURST];

	if (fib == NULL) {
		for (unsigned int i = 0; i < n; i++)
			nh[i] = NULL;
		return;
	}
	for (unsigned int off = 0; off < n; off += DPS_BURST) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)DPS_BURST);

		/* rte_fib takes host order; the compiler turns this into vector shuffles. */
		for (unsigned int i = 0; i < k; i++)
			ip[i] = rte_be_to_cpu_32(dst[off + i]);
		rte_fib_lookup_bulk(fib, ip, res, (int)k);
		pick_bulk(t, res, hash != NULL ? hash + off : NULL, nh + off, k);
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
		pick_bulk(t, res, hash != NULL ? hash + off : NULL, nh + off, k);
	}
}
