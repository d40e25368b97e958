/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Neighbour table (docs/forwarding.md, "Neighbours").
 *
 * Readers find an entry in an rte_hash (lock-free readers) and read its state and MAC with
 * acquire loads; an entry is freed, and its key slot reused, only after a grace period.
 * Everything the data path learns or asks for is posted to an MP/SC ring and applied by the
 * control thread in dps_neigh_poll() under the writer lock: the control thread is the only
 * writer, as the seed's link address cache is changed under its one mutex.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dps_neigh.h"
#include "dps_nic_priv.h"

struct dps_neigh_table;

struct dps_neigh_entry {
	/* read by the data path */
	uint64_t mac64; /* atomic: the MAC in its first 6 bytes */
	int32_t state;  /* atomic: enum dps_neigh_state */
	/* writer only */
	struct dps_neigh_table *t;
	struct dps_ep_key key;
	int32_t pos;
	uint8_t retries;
	bool on_list;
	uint16_t n_q;
	uint64_t next_tsc;
	struct rte_mbuf *q[DPS_NEIGH_QUEUE_LEN];
	uint16_t q_err_nic[DPS_NEIGH_QUEUE_LEN];
	TAILQ_ENTRY(dps_neigh_entry) link; /* pending: resolving, or resolved with a queue */
};
TAILQ_HEAD(dps_neigh_list, dps_neigh_entry);

enum { NEIGH_MSG_LEARN = 1, NEIGH_MSG_RESOLVE = 2 };

/* What the data path posts to the control thread. */
struct dps_neigh_msg {
	struct rte_mbuf *m;
	uint16_t nic_id;
	uint16_t err_nic_id;
	uint8_t type;
	uint8_t len;
	uint8_t mac[6];
	uint8_t addr[16];
};

struct dps_neigh_table {
	struct rte_hash *hash;
	struct rte_ring *ring;
	uint64_t next_due; /* atomic: TSC of the next timer, UINT64_MAX when none */
	uint64_t retry_tsc;
	uint32_t count;
	struct dps_neigh_list pending;
};

int
dps_neigh_create(struct dps_stack *s)
{
	struct dps_neigh_table *t;
	char name[64];

	t = rte_zmalloc_socket("dps_neigh", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       dps_stack_priv(s)->socket_id);
	if (t == NULL)
		return -ENOMEM;
	TAILQ_INIT(&t->pending);
	t->next_due = UINT64_MAX;
	t->retry_tsc = rte_get_tsc_hz() * DPS_NEIGH_RETRY_MS / 1000;
	t->hash = dps_stack_lf_hash_create(s, "nb", t,
					   RTE_MAX(dps_stack_priv(s)->conf.max_neigh, 64u),
					   sizeof(struct dps_ep_key));
	snprintf(name, sizeof(name), "nr_%" PRIxPTR, (uintptr_t)t);
	/* Many data-path producers, one consumer: the control thread. */
	t->ring = rte_ring_create_elem(name, sizeof(struct dps_neigh_msg), DPS_NEIGH_RING_SIZE,
				       dps_stack_priv(s)->socket_id, RING_F_SC_DEQ);
	dps_stack_priv(s)->neigh = t;
	if (t->hash == NULL || t->ring == NULL) {
		dps_neigh_free(s);
		return -ENOMEM;
	}
	return 0;
}

static void
entry_drop_queue(struct dps_neigh_entry *e)
{
	for (uint16_t i = 0; i < e->n_q; i++)
		rte_pktmbuf_free(e->q[i]);
	e->n_q = 0;
}

void
dps_neigh_free(struct dps_stack *s)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_msg msg;

	if (t == NULL)
		return;
	if (t->hash != NULL) {
		const void *key;
		void *data;
		uint32_t next = 0;

		while (rte_hash_iterate(t->hash, &key, &data, &next) >= 0) {
			entry_drop_queue(data);
			free(data);
		}
		rte_hash_free(t->hash);
	}
	if (t->ring != NULL) {
		while (rte_ring_sc_dequeue_elem(t->ring, &msg, sizeof(msg)) == 0)
			rte_pktmbuf_free(msg.m); /* NULL-safe */
		rte_ring_free(t->ring);
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

/* ---- data path ---- */

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
	if (st != DPS_NEIGH_REACHABLE && st != DPS_NEIGH_STATIC)
		return -ENOENT;
	v = __atomic_load_n(&e->mac64, __ATOMIC_RELAXED);
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	return 0;
}

static inline bool
post(struct dps_neigh_table *t, const struct dps_neigh_msg *msg)
{
	/* An atomic enqueue: acceptable on these slow paths (new neighbours, misses). */
	return rte_ring_mp_enqueue_elem(t->ring, (void *)(uintptr_t)msg, sizeof(*msg)) == 0;
}

void
dps_neigh_learn(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		const struct rte_ether_addr *mac)
{
	struct dps_neigh_table *t = dps_stack_priv(ctx->stack)->neigh;
	struct dps_neigh_entry *e;
	struct dps_neigh_msg msg;

	if (rte_is_multicast_ether_addr(mac) || rte_is_zero_ether_addr(mac) ||
	    (a->len != 4 && a->len != 16))
		return;
	e = entry_find(t, nic->id, a);
	if (e != NULL) {
		int32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

		/* Static entries are never replaced by learning; an unchanged one needs nothing. */
		if (st == DPS_NEIGH_STATIC ||
		    (st == DPS_NEIGH_REACHABLE &&
		     __atomic_load_n(&e->mac64, __ATOMIC_RELAXED) == mac_pack(mac)))
			return;
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = NEIGH_MSG_LEARN;
	msg.nic_id = nic->id;
	msg.len = a->len;
	memcpy(msg.addr, a->b, a->len);
	memcpy(msg.mac, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	(void)post(t, &msg); /* full: the next ARP/NDP message will tell us again */
}

void
dps_neigh_resolve_fwd(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a,
		      struct rte_mbuf *m, uint16_t err_nic_id)
{
	struct dps_neigh_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = NEIGH_MSG_RESOLVE;
	msg.m = m;
	msg.nic_id = nic->id;
	msg.err_nic_id = err_nic_id;
	msg.len = a->len;
	memcpy(msg.addr, a->b, a->len);
	if (unlikely(a->len != 4 && a->len != 16) ||
	    !post(dps_stack_priv(ctx->stack)->neigh, &msg)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_QUEUE_FULL);
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

static struct dps_neigh_entry *
entry_new_locked(struct dps_neigh_table *t, uint16_t nic_id, const struct dps_addr *a,
		 int32_t state, uint64_t mac64)
{
	struct dps_neigh_entry *e = calloc(1, sizeof(*e));
	int32_t pos;

	if (e == NULL)
		return NULL;
	e->t = t;
	e->state = state;
	e->mac64 = mac64;
	dps_ep_key_make(&e->key, nic_id, a);
	/* Filled before it is published: the hash insert is the release. */
	pos = rte_hash_add_key_data(t->hash, &e->key, e);
	if (pos < 0) {
		free(e);
		return NULL;
	}
	e->pos = rte_hash_lookup(t->hash, &e->key);
	t->count++;
	return e;
}

static void
entry_set_locked(struct dps_neigh_entry *e, int32_t state, uint64_t mac64)
{
	__atomic_store_n(&e->mac64, mac64, __ATOMIC_RELAXED);
	__atomic_store_n(&e->state, state, __ATOMIC_RELEASE);
}

static void
list_add(struct dps_neigh_table *t, struct dps_neigh_entry *e)
{
	if (!e->on_list) {
		TAILQ_INSERT_TAIL(&t->pending, e, link);
		e->on_list = true;
	}
}

static void
list_del(struct dps_neigh_table *t, struct dps_neigh_entry *e)
{
	if (e->on_list) {
		TAILQ_REMOVE(&t->pending, e, link);
		e->on_list = false;
	}
}

static const struct dps_netproto_ops *
np_for(const struct dps_stack *s, uint8_t addr_len)
{
	int slot = dps_stack_np_slot(s, addr_len == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);

	return slot < 0 ? NULL : s->np[slot];
}

/* Write the Ethernet header in the headroom and queue m on the control context. */
static void
send_resolved(struct dps_ctx *ctx, struct dps_neigh_entry *e, struct rte_mbuf *m)
{
	struct dps_nic *nic = dps_stack_nic_rcu(ctx->stack, e->key.nic);
	struct rte_ether_hdr *eh;
	uint64_t v = __atomic_load_n(&e->mac64, __ATOMIC_RELAXED);

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
	memcpy(eh->dst_addr.addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	eh->src_addr = nic->mac;
	eh->ether_type = rte_cpu_to_be_16(e->key.len == 4 ? RTE_ETHER_TYPE_IPV4 :
							    RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*eh);
	dps_ctx_tx(ctx, nic, m);
}

static void
flush_queue(struct dps_ctx *ctx, struct dps_neigh_entry *e)
{
	for (uint16_t i = 0; i < e->n_q; i++)
		send_resolved(ctx, e, e->q[i]);
	e->n_q = 0;
}

static void
solicit(struct dps_stack *s, struct dps_ctx *ctx, struct dps_neigh_entry *e, uint64_t now)
{
	const struct dps_netproto_ops *np = np_for(s, e->key.len);
	struct dps_nic *nic = dps_stack_nic_rcu(s, e->key.nic);
	struct dps_addr a = {.len = e->key.len};

	memcpy(a.b, e->key.b, a.len);
	if (np != NULL && np->solicit != NULL && nic != NULL)
		(void)np->solicit(ctx, nic, &a); /* no source address: retried, then fails */
	e->retries++;
	e->next_tsc = now + e->t->retry_tsc;
}

static void
fail_entry(struct dps_stack *s, struct dps_ctx *ctx, struct dps_neigh_entry *e)
{
	const struct dps_netproto_ops *np = np_for(s, e->key.len);

	entry_set_locked(e, DPS_NEIGH_FAILED, 0);
	for (uint16_t i = 0; i < e->n_q; i++) {
		struct dps_nic *enic = dps_stack_nic_rcu(s, e->q_err_nic[i]);

		dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_UNRESOLVED);
		if (np != NULL && np->unresolved != NULL && enic != NULL)
			np->unresolved(ctx, enic, e->q[i]);
		else
			rte_pktmbuf_free(e->q[i]);
	}
	e->n_q = 0;
}

static void
apply_learn(struct dps_stack *s, struct dps_ctx *ctx, const struct dps_neigh_msg *msg)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_addr a = {.len = msg->len};
	struct dps_neigh_entry *e;
	uint64_t mac64 = 0;
	int32_t st;

	memcpy(a.b, msg->addr, msg->len);
	memcpy(&mac64, msg->mac, RTE_ETHER_ADDR_LEN);
	e = entry_find(t, msg->nic_id, &a);
	if (e == NULL) {
		if (entry_new_locked(t, msg->nic_id, &a, DPS_NEIGH_REACHABLE, mac64) != NULL)
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
		return;
	}
	st = e->state;
	if (st == DPS_NEIGH_STATIC || (st == DPS_NEIGH_REACHABLE && e->mac64 == mac64))
		return;
	entry_set_locked(e, DPS_NEIGH_REACHABLE, mac64);
	dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_LEARNED);
	e->retries = 0;
	flush_queue(ctx, e);
	list_del(t, e);
}

static void
enqueue(struct dps_ctx *ctx, struct dps_neigh_entry *e, const struct dps_neigh_msg *msg)
{
	if (e->n_q >= DPS_NEIGH_QUEUE_LEN) {
		dps_cnt_inc(ctx, e->key.nic, DPS_CNT_NEIGH_QUEUE_FULL);
		rte_pktmbuf_free(msg->m);
		return;
	}
	e->q_err_nic[e->n_q] = msg->err_nic_id;
	e->q[e->n_q++] = msg->m;
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
		e = entry_new_locked(t, msg->nic_id, &a, DPS_NEIGH_INCOMPLETE, 0);
		if (e == NULL) {
			dps_cnt_inc(ctx, msg->nic_id, DPS_CNT_NEIGH_QUEUE_FULL);
			rte_pktmbuf_free(msg->m);
			return;
		}
	}
	switch (e->state) {
	case DPS_NEIGH_REACHABLE:
	case DPS_NEIGH_STATIC:
		/* Resolved while the message waited in the ring. */
		if (e->n_q > 0)
			flush_queue(ctx, e);
		send_resolved(ctx, e, msg->m);
		return;
	case DPS_NEIGH_FAILED:
		/* A new packet for a failed neighbour starts a new resolution. */
		entry_set_locked(e, DPS_NEIGH_INCOMPLETE, 0);
		e->retries = 0;
		/* fall through */
	default:
		enqueue(ctx, e, msg);
		if (!e->on_list) {
			list_add(t, e);
			solicit(s, ctx, e, now);
		}
		return;
	}
}

static void
run_timers(struct dps_stack *s, struct dps_ctx *ctx, uint64_t now)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *e, *next;
	uint64_t due = UINT64_MAX;

	for (e = TAILQ_FIRST(&t->pending); e != NULL; e = next) {
		next = TAILQ_NEXT(e, link);
		if (e->state == DPS_NEIGH_REACHABLE || e->state == DPS_NEIGH_STATIC) {
			/* Resolved by the control plane (a static entry): send what waited. */
			flush_queue(ctx, e);
			list_del(t, e);
			continue;
		}
		if (now >= e->next_tsc) {
			if (e->retries >= DPS_NEIGH_RETRIES) {
				fail_entry(s, ctx, e);
				list_del(t, e);
				continue;
			}
			solicit(s, ctx, e, now);
		}
		due = RTE_MIN(due, e->next_tsc);
	}
	__atomic_store_n(&t->next_due, due, __ATOMIC_RELAXED);
}

unsigned int
dps_neigh_poll(struct dps_stack *s, struct dps_ctx *ctx)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_msg msgs[32];
	unsigned int work = 0, k;
	uint64_t now = rte_get_tsc_cycles();

	if (rte_ring_empty(t->ring) && now < __atomic_load_n(&t->next_due, __ATOMIC_RELAXED))
		return 0;
	dps_stack_lock(s);
	while ((k = rte_ring_sc_dequeue_burst_elem(t->ring, msgs, sizeof(msgs[0]), RTE_DIM(msgs),
						   NULL)) > 0) {
		for (unsigned int i = 0; i < k; i++) {
			if (msgs[i].type == NEIGH_MSG_LEARN)
				apply_learn(s, ctx, &msgs[i]);
			else
				apply_resolve(s, ctx, &msgs[i], now);
		}
		work += k;
	}
	run_timers(s, ctx, now);
	dps_stack_unlock(s);
	dps_ctx_flush(ctx);
	return work;
}

int
dps_neigh_add_static(struct dps_stack *s, uint16_t nic_id, const struct dps_addr *a,
		     const struct rte_ether_addr *mac)
{
	struct dps_neigh_table *t = dps_stack_priv(s)->neigh;
	struct dps_neigh_entry *e;
	int ret = 0;

	if (a == NULL || mac == NULL || (a->len != 4 && a->len != 16) || nic_id >= DPS_MAX_NICS)
		return -EINVAL;
	if (rte_is_multicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return -EINVAL;
	dps_stack_lock(s);
	e = entry_find(t, nic_id, a);
	if (e == NULL) {
		if (entry_new_locked(t, nic_id, a, DPS_NEIGH_STATIC, mac_pack(mac)) == NULL)
			ret = -ENOSPC;
	} else {
		entry_set_locked(e, DPS_NEIGH_STATIC, mac_pack(mac));
		if (e->on_list) {
			/* Packets waited for it: the next poll sends them (it has a context). */
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
		rte_hash_del_key(t->hash, &e->key);
		list_del(t, e);
		entry_drop_queue(e);
		t->count--;
		dps_stack_defer_free_locked(s, entry_free_cb, e);
		ret = 0;
	}
	dps_stack_unlock(s);
	return ret;
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
		k++;
	}
	dps_stack_unlock(s);
	qsort(all, k, sizeof(*all), info_cmp);
	memcpy(out, all, sizeof(*all) * RTE_MIN(k, (uint32_t)max));
	free(all);
	return (int)total;
}
