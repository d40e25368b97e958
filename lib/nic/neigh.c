/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Neighbour table (docs/forwarding.md, "Neighbours").
 *
 * Readers find an entry in an rte_hash (lock-free readers) and read its state and MAC with
 * acquire loads; an entry is freed, and its key slot reused, only after a grace period.
 * Everything the data path learns or asks for is posted to an MP/SC ring and applied by the
 * control thread in dps_neigh_poll() under the writer lock: the control thread is the only
 * writer, as the seed's link address cache is changed under its one mutex.
 *
 * Timers: every non-static entry sits on the list of its state, in the order it entered the
 * state. Within one state every entry waits the same time (the retransmit timer, the delay,
 * the reachable time of the period, the stale or failed hold), so each list is ordered by
 * deadline and the poll only looks at list heads: O(1) per expiry, nothing scanned. The same
 * lists are the LRU order for eviction when the table is full.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dps_neigh.h"
#include "dps_nic_priv.h"

struct dps_neigh_table;

struct dps_neigh_entry {
	/* read by the data path */
	uint64_t mac64;   /* atomic: the MAC in its first 6 bytes */
	int32_t state;    /* atomic: enum dps_neigh_state */
	uint16_t n_q_pub; /* atomic: n_q as the data path sees it */
	uint8_t use_sent; /* atomic: a STALE entry's use was posted */
	/* writer only */
	struct dps_neigh_table *t;
	struct dps_ep_key key;
	int32_t pos;
	uint8_t probes;
	bool on_list;
	uint16_t n_q;
	uint64_t since_tsc; /* entered the state, or last confirmed */
	uint64_t due_tsc;   /* the state's timer */
	struct rte_mbuf *q[DPS_NEIGH_QUEUE_LEN];
	uint16_t q_err_nic[DPS_NEIGH_QUEUE_LEN];
	TAILQ_ENTRY(dps_neigh_entry) link; /* the list of its state */
};
TAILQ_HEAD(dps_neigh_list, dps_neigh_entry);

enum { NEIGH_MSG_LEARN = 1, NEIGH_MSG_RESOLVE = 2, NEIGH_MSG_USE = 3 };

/* What the data path posts to the control thread. */
struct dps_neigh_msg {
	struct rte_mbuf *m;
	uint16_t nic_id;
	uint16_t err_nic_id;
	uint8_t type;
	uint8_t len;
	uint8_t flags;
	uint8_t mac[6];
	uint8_t addr[16];
};

/* A context's bucket for new-entry requests: only that context's thread touches it. */
struct neigh_ctx_rl {
	uint64_t tokens; /* in 1/hz units */
	uint64_t last_tsc;
} __rte_cache_aligned;

struct dps_neigh_table {
	struct rte_hash *hash;
	struct rte_ring *learn;   /* LEARN and USE: no mbufs */
	struct rte_ring *resolve; /* RESOLVE: carries mbufs, so small (it counts as parked) */
	uint64_t next_due;        /* atomic: TSC of the next timer, UINT64_MAX when none */
	uint64_t hz;
	struct dps_neigh_params p;   /* writer; the data path reads incomplete_rate (atomic) */
	uint64_t reachable_tsc;      /* this period's randomised reachable time */
	uint64_t reachable_renew;    /* TSC when it is drawn again */
	uint32_t capacity;           /* hash entries: gc_thresh3 may not exceed max_neigh */
	uint32_t count;
	uint32_t n_state[DPS_NEIGH_NSTATES];
	uint32_t parked;             /* packets on entry queues */
	struct dps_neigh_list lists[DPS_NEIGH_NSTATES];
	struct neigh_ctx_rl rl[DPS_MAX_CTX];
};

static const char *const state_names[DPS_NEIGH_NSTATES] = {
	[DPS_NEIGH_INCOMPLETE] = "incomplete", [DPS_NEIGH_REACHABLE] = "reachable",
	[DPS_NEIGH_STATIC] = "static",         [DPS_NEIGH_FAILED] = "failed",
	[DPS_NEIGH_STALE] = "stale",           [DPS_NEIGH_DELAY] = "delay",
	[DPS_NEIGH_PROBE] = "probe",
};

const char *
dps_neigh_state_name(enum dps_neigh_state st)
{
	return (unsigned int)st < DPS_NEIGH_NSTATES ? state_names[st] : "?";
}

void
dps_neigh_params_default(struct dps_neigh_params *p, uint32_t max_neigh)
{
	/* RFC 4861 10 and Linux's neigh defaults; gc_thresh2/3 scaled to the table. */
	*p = (struct dps_neigh_params){
		.base_reachable_ms = 30000,
		.retrans_ms = 1000,
		.delay_first_probe_ms = 5000,
		.mcast_probes = 3,
		.ucast_probes = 3,
		.gc_stale_ms = 60000,
		.failed_hold_ms = 1000,
		.gc_thresh1 = RTE_MIN(128u, max_neigh),
		.gc_thresh2 = max_neigh - max_neigh / 4,
		.gc_thresh3 = max_neigh,
		.max_incomplete = RTE_MIN(1024u, max_neigh),
		.incomplete_rate = 1000,
		.max_parked = 1024,
	};
}

static inline uint64_t
ms_tsc(const struct dps_neigh_table *t, uint32_t ms)
{
	return t->hz * ms / 1000;
}

/* RFC 4861 6.3.2: ReachableTime is uniformly random in [0.5, 1.5) x BaseReachableTime. */
static void
draw_reachable(struct dps_neigh_table *t, uint64_t now)
{
	uint64_t base = ms_tsc(t, t->p.base_reachable_ms);

	t->reachable_tsc = base / 2 + rte_rand_max(base + 1);
	/* Drawn again every five minutes (Linux does the same; RFC: "at least every few hours"). */
	t->reachable_renew = now + t->hz * 300;
}

int
dps_neigh_create(struct dps_stack *s)
{
	struct dps_neigh_table *t;
	char name[64];
	uint32_t max = RTE_MAX(dps_stack_priv(s)->conf.max_neigh, 64u);

	t = rte_zmalloc_socket("dps_neigh", sizeof(*t), RTE_CACHE_LINE_SIZE, dps_stack_priv(s)->socket_id);
	if (t == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < DPS_NEIGH_NSTATES; i++)
		TAILQ_INIT(&t->lists[i]);
	t->next_due = UINT64_MAX;
	t->hz = rte_get_tsc_hz();
	t->capacity = max;
	dps_neigh_params_default(&t->p, max);
	draw_reachable(t, rte_get_tsc_cycles());
	/*
	 * Headroom over the entry limit: a deleted entry holds its key slot for a grace period,
	 * and a cuckoo table refuses inserts before it is completely full.
	 */
	t->hash = dps_stack_lf_hash_create(s, "nb", t, max + max / 4 + 64,
					   sizeof(struct dps_ep_key));
	/* Many data-path producers, one consumer: the control thread. */
	snprintf(name, sizeof(name), "nl_%" PRIxPTR, (uintptr_t)t);
	t->learn = rte_ring_create_elem(name, sizeof(struct dps_neigh_msg), DPS_NEIGH_LEARN_RING,
					dps_stack_priv(s)->socket_id, RING_F_MP_RTS_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "nr_%" PRIxPTR, (uintptr_t)t);
	t->resolve = rte_ring_create_elem(name, sizeof(struct dps_neigh_msg),
					  DPS_NEIGH_RESOLVE_RING, dps_stack_priv(s)->socket_id,
					  RING_F_MP_RTS_ENQ | RING_F_SC_DEQ);
	dps_stack_priv(s)->neigh = t;
	if (t->hash == NULL || t->learn == NULL || t->resolve == NULL) {
		dps_neigh_free(s);
		return -ENOMEM;
	}
	return 0;
}

static void
entry_drop_queue(struct dps_neigh_table *t, struct dps_neigh_entry *e)
{
	for (uint16_t i = 0; i < e->n_q; i++)
		rte_pktmbuf_free(e->q[i]);
	t->parked -= e->n_q;
	e->n_q = 0;
	__atomic_store_n(&e->n_q_pub, 0, __ATOMIC_RELAXED);
}

static void
drain_ring(struct rte_ring *r)
{
	struct dps_neigh_msg msg;

	while (rte_ring_sc_dequeue_elem(r, &msg, sizeof(msg)) == 0)
		rte_pktmbuf_free(msg.m); /* NULL-safe */
}

void
dps_neigh_free(struct dps_stack *s)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;

	if (t == NULL)
		return;
	if (t->hash != NULL) {
		const void *key;
		void *data;
		uint32_t next = 0;

		while (rte_hash_iterate(t->hash, &key, &data, &next) >= 0) {
			entry_drop_queue(t, data);
			free(data);
		}
		rte_hash_free(t->hash);
	}
	if (t->learn != NULL) {
		drain_ring(t->learn);
		rte_ring_free(t->learn);
	}
	if (t->resolve != NULL) {
		drain_ring(t->resolve);
		rte_ring_free(t->resolve);
	}
	rte_free(t);
	dps_stack_priv(s)->neigh = NULL;
}

static inline uint64_t
mac_pack(const struct rte_ether_addr *mac)
{
	uint64_t v = 0;

	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return v;
}

static inline struct dps_neigh_entry *
entry_find(const struct dps_neigh_table *t, uint16_t nic_id, const struct dps_addr *a)
{
	struct dps_ep_key k;
	void *data;

	dps_ep_key_make(&k, nic_id, a);
	if (rte_hash_lookup_data(t->hash, &k, &data) < 0)
		return NULL;
	return data;
}

static inline bool
state_has_mac(int32_t st)
{
	return st == DPS_NEIGH_REACHABLE || st == DPS_NEIGH_STATIC || st == DPS_NEIGH_STALE ||
	       st == DPS_NEIGH_DELAY || st == DPS_NEIGH_PROBE;
}

/* ---- data path ---- */

static inline bool
post(struct rte_ring *r, const struct dps_neigh_msg *msg)
{
	/* An atomic enqueue: only on these slow paths (new neighbours, misses, first use). */
	return rte_ring_enqueue_elem(r, (void *)(uintptr_t)msg, sizeof(*msg)) == 0;
}

static inline void
msg_make(struct dps_neigh_msg *msg, uint8_t type, uint16_t nic_id, const struct dps_addr *a)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	msg->nic_id = nic_id;
	msg->len = a->len;
	memcpy(msg->addr, a->b, a->len);
}

int
dps_neigh_lookup_rcu(const struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
		     struct rte_ether_addr *mac)
{
	struct dps_neigh_entry *e = entry_find(dps_stack_priv(s)->neigh, nic_id, a);
	int32_t st;
	uint64_t v;

	if (e == NULL)
		return -ENOENT;
	/* The writer stores the MAC before the state (release). */
	st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
	if (!state_has_mac(st))
		return -ENOENT;
	v = __atomic_load_n(&e->mac64, __ATOMIC_RELAXED);
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	/*
	 * RFC 4861 7.3.3: the first use of a STALE entry starts the DELAY timer. One message per
	 * STALE period: the flag is a plain store (several workers may race; one extra message
	 * is harmless), cleared again if the ring is full so a later packet retries.
	 */
	if (unlikely(st == DPS_NEIGH_STALE) && !__atomic_load_n(&e->use_sent, __ATOMIC_RELAXED)) {
		struct dps_neigh_msg msg;

		__atomic_store_n(&e->use_sent, 1, __ATOMIC_RELAXED);
		msg_make(&msg, NEIGH_MSG_USE, nic_id, a);
		if (!post(dps_stack_priv(s)->neigh->learn, &msg))
			__atomic_store_n(&e->use_sent, 0, __ATOMIC_RELAXED);
	}
	return 0;
}

void
dps_neigh_update(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		 const struct rte_ether_addr *mac, unsigned int flags)
{
	struct dps_neigh_table *t = dps_stack_priv(ctx->stack)->neigh;
	struct dps_neigh_entry *e;
	struct dps_neigh_msg msg;

	if (rte_is_multicast_ether_addr(mac) || rte_is_zero_ether_addr(mac) ||
	    (a->len != 4 && a->len != 16))
		return;
	e = entry_find(t, nic->id, a);
	if (e == NULL) {
		/* Only what may create an entry is worth a message (RFC 4861 7.2.5: no entry,
		 * an advertisement is discarded). */
		if (!(flags & DPS_NEIGH_F_CREATE))
			return;
	} else {
		int32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
		bool same = __atomic_load_n(&e->mac64, __ATOMIC_RELAXED) == mac_pack(mac);

		/* Static entries are never changed by learning. */
		if (st == DPS_NEIGH_STATIC)
			return;
		/* Same address, nothing to confirm: no change in any state but these. */
		if (same && state_has_mac(st) && !(flags & DPS_NEIGH_F_SOLICITED))
			return;
		/*
		 * RFC 4861 7.2.5: an advertisement without Override never replaces a cached
		 * address; only a REACHABLE entry changes (to STALE). Counted here, so a flood
		 * of them costs no message.
		 */
		if ((flags & DPS_NEIGH_F_ADVERT) && !(flags & DPS_NEIGH_F_OVERRIDE) && !same &&
		    state_has_mac(st)) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_OVERRIDE_REFUSED);
			if (st != DPS_NEIGH_REACHABLE)
				return;
		}
	}
	msg_make(&msg, NEIGH_MSG_LEARN, nic->id, a);
	msg.flags = (uint8_t)flags;
	memcpy(msg.mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	if (!post(t->learn, &msg))
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_LEARN_LOST);
}

/* The context's token bucket for requests that would create an entry. */
static bool
ctx_rl_allow(struct dps_neigh_table *t, struct dps_ctx *ctx)
{
	struct neigh_ctx_rl *rl = &t->rl[ctx->id % DPS_MAX_CTX];
	uint64_t rate = __atomic_load_n(&t->p.incomplete_rate, __ATOMIC_RELAXED);
	uint64_t now = rte_get_tsc_cycles();
	uint64_t cap = (rate / 10 + 1) * t->hz;

	rl->tokens += (now - rl->last_tsc) * rate;
	rl->last_tsc = now;
	if (rl->tokens > cap)
		rl->tokens = cap;
	if (rl->tokens < t->hz)
		return false;
	rl->tokens -= t->hz;
	return true;
}

/* Write the Ethernet header in the headroom and queue m on ctx (any context). */
static void
send_with_mac(struct dps_ctx *ctx, uint16_t nic_id, uint8_t addr_len, uint64_t mac64,
	      struct rte_mbuf *m)
{
	struct dps_nic *nic = dps_stack_nic_rcu(ctx->stack, nic_id);
	struct rte_ether_hdr *eh;

	if (nic == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(eh->dst_addr.addr_bytes, &mac64, RTE_ETHER_ADDR_LEN);
	eh->src_addr = nic->mac;
	eh->ether_type = rte_cpu_to_be_16(addr_len == 4 ? RTE_ETHER_TYPE_IPV4 :
							  RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*eh);
	dps_ctx_tx(ctx, nic, m);
}

static const struct dps_netproto_ops *
np_for(const struct dps_stack *s, uint8_t addr_len)
{
	int slot = dps_stack_np_slot(s, addr_len == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);

	return slot < 0 ? NULL : s->np[slot];
}

/* A packet whose next hop did not resolve: the protocol's hook (host unreachable), or drop. */
static void
unresolved(struct dps_ctx *ctx, uint16_t nic_id, uint8_t addr_len, uint16_t err_nic_id,
	   struct rte_mbuf *m)
{
	const struct dps_netproto_ops *np = np_for(ctx->stack, addr_len);
	struct dps_nic *enic = dps_stack_nic_rcu(ctx->stack, err_nic_id);

	dps_cnt_inc(ctx, nic_id, DPS_CNT_NEIGH_UNRESOLVED);
	if (np != NULL && np->unresolved != NULL && enic != NULL)
		np->unresolved(ctx, enic, m);
	else
		rte_pktmbuf_free(m);
}

void
dps_neigh_resolve_fwd(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		      struct rte_mbuf *m, uint16_t err_nic_id)
{
	struct dps_neigh_table *t = dps_stack_priv(ctx->stack)->neigh;
	struct dps_neigh_entry *e;
	struct dps_neigh_msg msg;

	if (unlikely(a->len != 4 && a->len != 16)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_QUEUE_FULL);
		rte_pktmbuf_free(m);
		return;
	}
	e = entry_find(t, nic->id, a);
	if (e != NULL) {
		int32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

		if (state_has_mac(st)) {
			/* Resolved since the caller looked. */
			send_with_mac(ctx, nic->id, a->len, __atomic_load_n(&e->mac64,
									    __ATOMIC_RELAXED), m);
			return;
		}
		/*
		 * Decided here, without a message (an atomic enqueue on a line every worker
		 * shares): a FAILED neighbour is held, not resolved again at line rate; a full
		 * queue is full.
		 */
		if (st == DPS_NEIGH_FAILED) {
			unresolved(ctx, nic->id, a->len, err_nic_id, m);
			return;
		}
		if (__atomic_load_n(&e->n_q_pub, __ATOMIC_RELAXED) >= DPS_NEIGH_QUEUE_LEN) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_QUEUE_FULL);
			rte_pktmbuf_free(m);
			return;
		}
	} else if (!ctx_rl_allow(t, ctx)) {
		/* A flood to many unknown addresses (a /64): new entries are rate limited. */
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_RATE_LIMITED);
		rte_pktmbuf_free(m);
		return;
	}
	msg_make(&msg, NEIGH_MSG_RESOLVE, nic->id, a);
	msg.m = m;
	msg.err_nic_id = err_nic_id;
	if (!post(t->resolve, &msg)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_RING_FULL);
		rte_pktmbuf_free(m);
	}
}

void
dps_neigh_resolve(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		  struct rte_mbuf *m)
{
	dps_neigh_resolve_fwd(ctx, nic, a, m, nic->id);
}

/* ---- control thread (writer lock held) ---- */

static void
entry_free_cb(void *arg)
{
	struct dps_neigh_entry *e = arg;

	rte_hash_free_key_with_position(e->t->hash, e->pos);
	free(e);
}

static uint64_t
state_timeout(const struct dps_neigh_table *t, int32_t st)
{
	switch (st) {
	case DPS_NEIGH_INCOMPLETE:
	case DPS_NEIGH_PROBE:
		return ms_tsc(t, t->p.retrans_ms);
	case DPS_NEIGH_REACHABLE:
		return t->reachable_tsc;
	case DPS_NEIGH_STALE:
		return ms_tsc(t, t->p.gc_stale_ms);
	case DPS_NEIGH_DELAY:
		return ms_tsc(t, t->p.delay_first_probe_ms);
	case DPS_NEIGH_FAILED:
		return ms_tsc(t, t->p.failed_hold_ms);
	default:
		return UINT64_MAX;
	}
}

static void
list_unlink(struct dps_neigh_table *t, struct dps_neigh_entry *e)
{
	if (e->on_list) {
		TAILQ_REMOVE(&t->lists[e->state], e, link);
		e->on_list = false;
	}
}

/* dpstack.neigh at DEBUG: a state change (old -1: a new entry), with the MAC. */
static void
neigh_debug(const struct dps_ep_key *k, int32_t old, int32_t state, uint64_t mac64)
{
	struct dps_addr a = {.len = k->len};
	char ab[64];
	uint8_t m[8];

	if (!DPS_NIC_DEBUG_ON(neigh))
		return;
	memcpy(a.b, k->b, a.len);
	memcpy(m, &mac64, sizeof(m));
	DPS_NIC_DEBUG(neigh, "neigh nic %u %s: %s -> %s %02x:%02x:%02x:%02x:%02x:%02x", k->nic,
		      dps_addr_fmt(&a, ab, sizeof(ab)),
		      old < 0 ? "new" : dps_neigh_state_name((enum dps_neigh_state)old),
		      dps_neigh_state_name((enum dps_neigh_state)state), m[0], m[1], m[2], m[3],
		      m[4], m[5]);
}

/*
 * Move e to state st (its MAC mac64) as of now: the list tail of st, a fresh timer. The MAC is
 * stored before the state (release) for the readers.
 */
static void
entry_set(struct dps_neigh_table *t, struct dps_neigh_entry *e, int32_t st, uint64_t mac64,
	  uint64_t now)
{
	if (e->state != st || e->mac64 != mac64)
		neigh_debug(&e->key, e->state, st, mac64);
	list_unlink(t, e);
	t->n_state[e->state]--;
	t->n_state[st]++;
	__atomic_store_n(&e->mac64, mac64, __ATOMIC_RELAXED);
	if (st == DPS_NEIGH_STALE)
		__atomic_store_n(&e->use_sent, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->state, st, __ATOMIC_RELEASE);
	e->since_tsc = now;
	e->probes = 0;
	if (st != DPS_NEIGH_STATIC) {
		e->due_tsc = now + state_timeout(t, st);
		TAILQ_INSERT_TAIL(&t->lists[st], e, link);
		e->on_list = true;
		if (e->due_tsc < __atomic_load_n(&t->next_due, __ATOMIC_RELAXED))
			__atomic_store_n(&t->next_due, e->due_tsc, __ATOMIC_RELAXED);
	}
}

/* Unlink e from the table; freed after a grace period. Its queue is dropped. */
static void
entry_delete(struct dps_stack *s, struct dps_neigh_entry *e)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;

	rte_hash_del_key(t->hash, &e->key);
	list_unlink(t, e);
	entry_drop_queue(t, e);
	t->n_state[e->state]--;
	t->count--;
	dps_stack_defer_free_locked(s, entry_free_cb, e);
}

/*
 * Make room for one entry: delete the least recently updated non-static one, FAILED first,
 * then STALE, then the oldest of the rest (never INCOMPLETE: they are bounded on their own).
 */
static bool
evict_one(struct dps_stack *s, struct dps_ctx *ctx, uint16_t nic_id)
{
	static const int32_t rest[] = {DPS_NEIGH_REACHABLE, DPS_NEIGH_DELAY, DPS_NEIGH_PROBE};
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *victim = TAILQ_FIRST(&t->lists[DPS_NEIGH_FAILED]);

	if (victim == NULL)
		victim = TAILQ_FIRST(&t->lists[DPS_NEIGH_STALE]);
	if (victim == NULL) {
		for (unsigned int i = 0; i < RTE_DIM(rest); i++) {
			struct dps_neigh_entry *h = TAILQ_FIRST(&t->lists[rest[i]]);

			if (h != NULL && (victim == NULL || h->since_tsc < victim->since_tsc))
				victim = h;
		}
	}
	if (victim == NULL)
		return false;
	entry_delete(s, victim);
	if (ctx != NULL)
		dps_cnt_inc(ctx, nic_id, DPS_CNT_NEIGH_EVICTED);
	return true;
}

static struct dps_neigh_entry *
entry_new(struct dps_stack *s, struct dps_ctx *ctx, uint16_t nic_id, const struct dps_addr *a,
	  int32_t state, uint64_t mac64, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *e;
	int32_t pos;

	/* The caller counts a failure: a lost packet or a lost link address. */
	if (t->count >= t->p.gc_thresh3 && !evict_one(s, ctx, nic_id))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->t = t;
	e->state = state;
	e->mac64 = mac64;
	dps_ep_key_make(&e->key, nic_id, a);
	neigh_debug(&e->key, -1, state, mac64);
	/* Filled before it is published: the hash insert is the release. */
	pos = rte_hash_add_key_data(t->hash, &e->key, e);
	if (pos < 0) {
		/* Key slots of deleted entries come back after a grace period. */
		dps_stack_reclaim_locked(s);
		pos = rte_hash_add_key_data(t->hash, &e->key, e);
	}
	if (pos < 0) {
		free(e);
		return NULL;
	}
	e->pos = rte_hash_lookup(t->hash, &e->key);
	t->count++;
	t->n_state[state]++;
	e->since_tsc = now;
	if (state != DPS_NEIGH_STATIC) {
		e->due_tsc = now + state_timeout(t, state);
		TAILQ_INSERT_TAIL(&t->lists[state], e, link);
		e->on_list = true;
		if (e->due_tsc < __atomic_load_n(&t->next_due, __ATOMIC_RELAXED))
			__atomic_store_n(&t->next_due, e->due_tsc, __ATOMIC_RELAXED);
	}
	return e;
}

static void
flush_queue(struct dps_ctx *ctx, struct dps_neigh_entry *e)
{
	struct dps_neigh_table *t = e->t;

	for (uint16_t i = 0; i < e->n_q; i++)
		send_with_mac(ctx, e->key.nic, e->key.len, e->mac64, e->q[i]);
	t->parked -= e->n_q;
	e->n_q = 0;
	__atomic_store_n(&e->n_q_pub, 0, __ATOMIC_RELAXED);
}

/* A solicitation for e: multicast/broadcast while INCOMPLETE, unicast to its MAC in PROBE. */
static void
solicit(struct dps_stack *s, struct dps_ctx *ctx, struct dps_neigh_entry *e, bool ucast)
{
	const struct dps_netproto_ops *np = np_for(s, e->key.len);
	struct dps_nic *nic = dps_stack_nic_rcu(s, e->key.nic);
	struct dps_addr a = {.len = e->key.len};
	struct rte_ether_addr mac;

	memcpy(a.b, e->key.b, a.len);
	memcpy(mac.addr_bytes, &e->mac64, RTE_ETHER_ADDR_LEN);
	if (np != NULL && np->solicit != NULL && nic != NULL)
		(void)np->solicit(ctx, nic, &a, ucast ? &mac : NULL); /* no source: fails later */
	e->probes++;
}

static void
fail_entry(struct dps_stack *s, struct dps_ctx *ctx, struct dps_neigh_entry *e, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;

	entry_set(t, e, DPS_NEIGH_FAILED, 0, now);
	for (uint16_t i = 0; i < e->n_q; i++)
		unresolved(ctx, e->key.nic, e->key.len, e->q_err_nic[i], e->q[i]);
	t->parked -= e->n_q;
	e->n_q = 0;
	__atomic_store_n(&e->n_q_pub, 0, __ATOMIC_RELAXED);
}

/* A link address for an entry that had none (INCOMPLETE or FAILED): record, send what waited. */
static void
resolved(struct dps_neigh_table *t, struct dps_ctx *ctx, struct dps_neigh_entry *e, int32_t st,
	 uint64_t mac64, uint64_t now)
{
	entry_set(t, e, st, mac64, now);
	dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_LEARNED);
	flush_queue(ctx, e);
}

/*
 * RFC 4861 7.2.3 (a solicitation, or an ARP request, with a source link address), 7.2.5 and
 * 7.2.6 (an advertisement, an ARP reply or an ARP naming the entry: RFC 826's merge).
 */
static void
apply_learn(struct dps_stack *s, struct dps_ctx *ctx, const struct dps_neigh_msg *msg,
	    uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_addr a = {.len = msg->len};
	struct dps_neigh_entry *e;
	uint64_t mac64 = 0;
	bool solicited = msg->flags & DPS_NEIGH_F_SOLICITED;
	bool override = msg->flags & DPS_NEIGH_F_OVERRIDE;
	bool same;
	int32_t st;

	memcpy(a.b, msg->addr, msg->len);
	memcpy(&mac64, msg->mac, RTE_ETHER_ADDR_LEN);
	e = entry_find(t, msg->nic_id, &a);
	if (e == NULL) {
		if (!(msg->flags & DPS_NEIGH_F_CREATE))
			return;
		/* 7.2.3: a new entry from a solicitation is STALE (reachability unconfirmed). */
		if (entry_new(s, ctx, msg->nic_id, &a, DPS_NEIGH_STALE, mac64, now) != NULL)
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
		else
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARN_LOST);
		return;
	}
	st = e->state;
	if (st == DPS_NEIGH_STATIC)
		return;
	if (st == DPS_NEIGH_INCOMPLETE || st == DPS_NEIGH_FAILED) {
		/* 7.2.5: record the address; REACHABLE if solicited, else STALE; send the queue. */
		resolved(t, ctx, e, solicited && (msg->flags & DPS_NEIGH_F_ADVERT) ?
					    DPS_NEIGH_REACHABLE : DPS_NEIGH_STALE,
			 mac64, now);
		return;
	}
	same = e->mac64 == mac64;
	if (!(msg->flags & DPS_NEIGH_F_ADVERT)) {
		/* 7.2.3: a different address from a solicitation: updated, STALE. */
		if (!same) {
			entry_set(t, e, DPS_NEIGH_STALE, mac64, now);
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
		}
		return;
	}
	if (!override && !same) {
		/*
		 * 7.2.5: without Override a different link address is not taken; a REACHABLE
		 * entry goes STALE (so it is probed before long), others are unchanged.
		 * Counted by dps_neigh_update.
		 */
		if (st == DPS_NEIGH_REACHABLE)
			entry_set(t, e, DPS_NEIGH_STALE, e->mac64, now);
		return;
	}
	/* Override, or the same address: recorded; S confirms, else a change makes it STALE. */
	if (solicited) {
		entry_set(t, e, DPS_NEIGH_REACHABLE, mac64, now);
		if (!same)
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
	} else if (!same) {
		entry_set(t, e, DPS_NEIGH_STALE, mac64, now);
		dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
	}
}

/* 7.3.3: the first use of a STALE entry: DELAY, a probe after DELAY_FIRST_PROBE_TIME. */
static void
apply_use(struct dps_stack *s, const struct dps_neigh_msg *msg, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_addr a = {.len = msg->len};
	struct dps_neigh_entry *e;

	memcpy(a.b, msg->addr, msg->len);
	e = entry_find(t, msg->nic_id, &a);
	if (e != NULL && e->state == DPS_NEIGH_STALE)
		entry_set(t, e, DPS_NEIGH_DELAY, e->mac64, now);
}

static void
enqueue(struct dps_ctx *ctx, struct dps_neigh_entry *e, const struct dps_neigh_msg *msg)
{
	struct dps_neigh_table *t = e->t;

	if (e->n_q >= DPS_NEIGH_QUEUE_LEN) {
		dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_QUEUE_FULL);
		rte_pktmbuf_free(msg->m);
		return;
	}
	/* One cap over every entry: parked packets may never take the pool's slack. */
	if (t->parked >= t->p.max_parked) {
		dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_PARKED_FULL);
		rte_pktmbuf_free(msg->m);
		return;
	}
	e->q_err_nic[e->n_q] = msg->err_nic_id;
	e->q[e->n_q++] = msg->m;
	t->parked++;
	__atomic_store_n(&e->n_q_pub, e->n_q, __ATOMIC_RELAXED);
	dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_QUEUED);
}

static void
apply_resolve(struct dps_stack *s, struct dps_ctx *ctx, const struct dps_neigh_msg *msg,
	      uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_addr a = {.len = msg->len};
	struct dps_neigh_entry *e;

	memcpy(a.b, msg->addr, msg->len);
	e = entry_find(t, msg->nic_id, &a);
	if (e == NULL) {
		if (t->n_state[DPS_NEIGH_INCOMPLETE] >= t->p.max_incomplete) {
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_INCOMPLETE_FULL);
			rte_pktmbuf_free(msg->m);
			return;
		}
		e = entry_new(s, ctx, msg->nic_id, &a, DPS_NEIGH_INCOMPLETE, 0, now);
		if (e == NULL) {
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_TABLE_FULL);
			rte_pktmbuf_free(msg->m);
			return;
		}
		enqueue(ctx, e, msg);
		solicit(s, ctx, e, false);
		return;
	}
	switch (e->state) {
	case DPS_NEIGH_INCOMPLETE:
		enqueue(ctx, e, msg);
		return;
	case DPS_NEIGH_FAILED:
		/* Held: no new resolution until the hold ends. */
		unresolved(ctx, msg->nic_id, msg->len, msg->err_nic_id, msg->m);
		return;
	case DPS_NEIGH_STALE:
		entry_set(t, e, DPS_NEIGH_DELAY, e->mac64, now);
		/* fall through */
	default:
		/* Resolved while the message waited in the ring. */
		send_with_mac(ctx, msg->nic_id, msg->len, e->mac64, msg->m);
		return;
	}
}

/* One expired timer of e (the head of its state's list). */
static void
expire(struct dps_stack *s, struct dps_ctx *ctx, struct dps_neigh_entry *e, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;

	switch (e->state) {
	case DPS_NEIGH_INCOMPLETE:
		/* 7.3.3 / 7.2.2: MAX_MULTICAST_SOLICIT solicitations a RetransTimer apart. */
		if (e->probes >= t->p.mcast_probes) {
			fail_entry(s, ctx, e, now);
			return;
		}
		break;
	case DPS_NEIGH_PROBE:
		/* 7.3.3: MAX_UNICAST_SOLICIT probes, then the entry goes. */
		if (e->probes >= t->p.ucast_probes) {
			fail_entry(s, ctx, e, now);
			return;
		}
		break;
	case DPS_NEIGH_REACHABLE:
		/* 7.3.3: ReachableTime without confirmation: STALE. */
		entry_set(t, e, DPS_NEIGH_STALE, e->mac64, now);
		return;
	case DPS_NEIGH_DELAY:
		/* 7.3.3: no confirmation within DELAY_FIRST_PROBE_TIME: PROBE, a unicast probe. */
		entry_set(t, e, DPS_NEIGH_PROBE, e->mac64, now);
		solicit(s, ctx, e, true);
		return;
	case DPS_NEIGH_STALE:
		/* Garbage collection: only while the table holds more than gc_thresh1. */
		if (t->count <= t->p.gc_thresh1) {
			entry_set(t, e, DPS_NEIGH_STALE, e->mac64, now);
			return;
		}
		/* fall through */
	case DPS_NEIGH_FAILED:
		dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_GC);
		entry_delete(s, e);
		return;
	case DPS_NEIGH_STATIC:
		/* Made static while packets waited (dps_neigh_add_static): send them. */
		list_unlink(t, e);
		flush_queue(ctx, e);
		return;
	default:
		return;
	}
	/* Another solicitation, a RetransTimer later: to the tail of the same list. */
	list_unlink(t, e);
	solicit(s, ctx, e, e->state == DPS_NEIGH_PROBE);
	e->due_tsc = now + state_timeout(t, e->state);
	TAILQ_INSERT_TAIL(&t->lists[e->state], e, link);
	e->on_list = true;
}

static void
run_timers(struct dps_stack *s, struct dps_ctx *ctx, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	uint64_t due = UINT64_MAX;

	if (now >= t->reachable_renew)
		draw_reachable(t, now);
	for (int32_t st = 0; st < DPS_NEIGH_NSTATES; st++) {
		struct dps_neigh_list *l = &t->lists[st];
		struct dps_neigh_entry *e;
		/* Each entry expires at most once per poll: a re-armed one goes to the tail. */
		uint32_t budget = t->n_state[st];

		while ((e = TAILQ_FIRST(l)) != NULL && budget-- > 0) {
			bool early_gc = st == DPS_NEIGH_STALE && t->count > t->p.gc_thresh2 &&
					now >= e->since_tsc + t->hz * 5;

			if (now < e->due_tsc && !early_gc)
				break;
			expire(s, ctx, e, now);
		}
		if ((e = TAILQ_FIRST(l)) != NULL)
			due = RTE_MIN(due, e->due_tsc);
	}
	if (t->count > t->p.gc_thresh2 && !TAILQ_EMPTY(&t->lists[DPS_NEIGH_STALE]))
		due = RTE_MIN(due, TAILQ_FIRST(&t->lists[DPS_NEIGH_STALE])->since_tsc + t->hz * 5);
	__atomic_store_n(&t->next_due, due, __ATOMIC_RELAXED);
}

unsigned int
dps_neigh_poll_at(struct dps_stack *s, struct dps_ctx *ctx, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_msg msgs[32];
	unsigned int work = 0, k;

	if (rte_ring_empty(t->learn) && rte_ring_empty(t->resolve) &&
	    now < __atomic_load_n(&t->next_due, __ATOMIC_RELAXED))
		return 0;
	dps_stack_lock(s);
	/* Link addresses first: a reply and the packets waiting for it may arrive together. */
	while ((k = rte_ring_sc_dequeue_burst_elem(t->learn, msgs, sizeof(msgs[0]), RTE_DIM(msgs),
						   NULL)) > 0) {
		for (unsigned int i = 0; i < k; i++) {
			if (msgs[i].type == NEIGH_MSG_LEARN)
				apply_learn(s, ctx, &msgs[i], now);
			else
				apply_use(s, &msgs[i], now);
		}
		work += k;
	}
	while ((k = rte_ring_sc_dequeue_burst_elem(t->resolve, msgs, sizeof(msgs[0]),
						   RTE_DIM(msgs), NULL)) > 0) {
		for (unsigned int i = 0; i < k; i++)
			apply_resolve(s, ctx, &msgs[i], now);
		work += k;
	}
	run_timers(s, ctx, now);
	dps_stack_unlock(s);
	dps_ctx_flush(ctx);
	return work;
}

unsigned int
dps_neigh_poll(struct dps_stack *s, struct dps_ctx *ctx)
{
	return dps_neigh_poll_at(s, ctx, rte_get_tsc_cycles());
}

int
dps_neigh_add_static(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
		     const struct rte_ether_addr *mac)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *e;
	uint64_t now = rte_get_tsc_cycles();
	int ret = 0;

	if (a == NULL || mac == NULL || (a->len != 4 && a->len != 16) || nic_id >= DPS_MAX_NICS)
		return -EINVAL;
	if (rte_is_multicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return -EINVAL;
	dps_stack_lock(s);
	e = entry_find(t, nic_id, a);
	if (e == NULL) {
		if (entry_new(s, NULL, nic_id, a, DPS_NEIGH_STATIC, mac_pack(mac), now) == NULL)
			ret = -ENOSPC;
	} else {
		entry_set(t, e, DPS_NEIGH_STATIC, mac_pack(mac), now);
		if (e->n_q > 0) {
			/* Packets waited for it: the next poll sends them (it has a context). */
			e->due_tsc = 0;
			TAILQ_INSERT_TAIL(&t->lists[DPS_NEIGH_STATIC], e, link);
			e->on_list = true;
			__atomic_store_n(&t->next_due, 0, __ATOMIC_RELAXED);
		}
	}
	dps_stack_unlock(s);
	return ret;
}

int
dps_neigh_del(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *e;
	int ret = -ENOENT;

	if (a == NULL || (a->len != 4 && a->len != 16))
		return -EINVAL;
	dps_stack_lock(s);
	e = entry_find(t, nic_id, a);
	if (e != NULL) {
		entry_delete(s, e);
		ret = 0;
	}
	dps_stack_unlock(s);
	return ret;
}

void
dps_neigh_get_params(struct dps_stack *s, struct dps_neigh_params *p)
{
	dps_stack_lock(s);
	*p = dps_stack_priv(s)->neigh->p;
	dps_stack_unlock(s);
}

int
dps_neigh_set_params(struct dps_stack *s, const struct dps_neigh_params *p)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;

	if (p == NULL || p->base_reachable_ms == 0 || p->retrans_ms == 0 ||
	    p->delay_first_probe_ms == 0 || p->mcast_probes == 0 || p->ucast_probes == 0 ||
	    p->mcast_probes > 255 || p->ucast_probes > 255 || p->gc_stale_ms == 0 ||
	    p->failed_hold_ms == 0 || p->gc_thresh1 > p->gc_thresh2 ||
	    p->gc_thresh2 > p->gc_thresh3 || p->gc_thresh3 == 0 || p->gc_thresh3 > t->capacity ||
	    p->max_incomplete == 0 || p->incomplete_rate == 0 || p->max_parked == 0)
		return -EINVAL;
	dps_stack_lock(s);
	t->p = *p;
	__atomic_store_n(&t->p.incomplete_rate, p->incomplete_rate, __ATOMIC_RELAXED);
	draw_reachable(t, rte_get_tsc_cycles());
	/* The next poll re-reads every timer against the new values soon enough. */
	__atomic_store_n(&t->next_due, 0, __ATOMIC_RELAXED);
	dps_stack_unlock(s);
	return 0;
}

uint32_t
dps_neigh_count(struct dps_stack *s, enum dps_neigh_state st)
{
	uint32_t n;

	dps_stack_lock(s);
	n = (unsigned int)st < DPS_NEIGH_NSTATES ? dps_stack_priv(s)->neigh->n_state[st] : dps_stack_priv(s)->neigh->count;
	dps_stack_unlock(s);
	return n;
}

uint32_t
dps_neigh_parked(struct dps_stack *s)
{
	uint32_t n;

	dps_stack_lock(s);
	n = dps_stack_priv(s)->neigh->parked;
	dps_stack_unlock(s);
	return n;
}

static int
info_cmp(const void *x, const void *y)
{
	const struct dps_neigh_info *a = x, *b = y;

	if (a->nic_id != b->nic_id)
		return a->nic_id - b->nic_id;
	if (a->addr.len != b->addr.len)
		return a->addr.len - b->addr.len;
	return memcmp(a->addr.b, b->addr.b, DPS_ADDR_MAX_LEN);
}

int
dps_neigh_list(struct dps_stack *s, struct dps_neigh_info *out, int max)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_info *all;
	const void *key;
	void *data;
	uint32_t next = 0, k = 0, total;
	uint64_t now = rte_get_tsc_cycles();

	if (max < 0)
		return -EINVAL;
	dps_stack_lock(s);
	total = t->count;
	if (out == NULL || max == 0 || total == 0) {
		dps_stack_unlock(s);
		return (int)total;
	}
	all = calloc(total, sizeof(*all));
	if (all == NULL) {
		dps_stack_unlock(s);
		return -ENOMEM;
	}
	while (k < total && rte_hash_iterate(t->hash, &key, &data, &next) >= 0) {
		const struct dps_neigh_entry *e = data;

		all[k].nic_id = e->key.nic;
		all[k].addr.len = e->key.len;
		memcpy(all[k].addr.b, e->key.b, e->key.len);
		memcpy(all[k].mac.addr_bytes, &e->mac64, RTE_ETHER_ADDR_LEN);
		all[k].state = e->state;
		all[k].queued = e->n_q;
		all[k].probes = e->probes;
		all[k].age_ms = now > e->since_tsc ? (now - e->since_tsc) * 1000 / t->hz : 0;
		k++;
	}
	dps_stack_unlock(s);
	qsort(all, k, sizeof(*all), info_cmp);
	memcpy(out, all, sizeof(*all) * RTE_MIN(k, (uint32_t)max));
	free(all);
	return (int)total;
}
