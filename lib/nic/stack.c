/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stack: creation, the writer lock, RCU reclamation, counters and data-path contexts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dps_demux.h"
#include "dps_neigh.h"
#include "dps_nic_dp.h"
#include "dps_route.h"

/* What the defer queue holds: a function to run once the grace period has passed. */
struct dps_deferred {
	void (*fn)(void *arg);
	void *arg;
};

static void
dq_free_cb(void *p, void *e, unsigned int n)
{
	struct dps_deferred *d = e;

	RTE_SET_USED(p);
	for (unsigned int i = 0; i < n; i++)
		d[i].fn(d[i].arg);
}

#define DPS_DQ_SIZE 65536

struct rte_hash *
dps_stack_lf_hash_create(const struct dps_stack *s, const char *tag, const void *owner,
			 uint32_t entries, uint32_t key_len)
{
	struct rte_hash_parameters hp = {0};
	char name[RTE_HASH_NAMESIZE];

	snprintf(name, sizeof(name), "%.4s_%" PRIxPTR, tag, (uintptr_t)owner);
	hp.name = name;
	hp.entries = entries;
	hp.key_len = key_len;
	hp.hash_func = rte_hash_crc;
	hp.socket_id = s->socket_id;
	/* RW_CONCURRENCY_LF implies no free on delete: the caller frees slots after a grace. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	return rte_hash_create(&hp);
}

int
dps_stack_create(const struct dps_stack_conf *conf, struct dps_stack **out)
{
	struct rte_rcu_qsbr_dq_parameters dp = {0};
	char name[RTE_HASH_NAMESIZE];
	struct dps_stack *s;
	size_t qsz;
	int ret = -ENOMEM;

	if (conf == NULL || conf->name == NULL || out == NULL)
		return -EINVAL;
	s = rte_zmalloc_socket("dps_stack", sizeof(*s), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (s == NULL)
		return -ENOMEM;
	s->conf = *conf;
	snprintf(s->name, sizeof(s->name), "%s", conf->name);
	s->conf.name = s->name;
	if (s->conf.max_endpoints == 0)
		s->conf.max_endpoints = 262144;
	if (s->conf.max_transport == 0)
		s->conf.max_transport = 65536;
	if (s->conf.max_neigh == 0)
		s->conf.max_neigh = 65536;
	if (s->conf.max_routes4 == 0)
		s->conf.max_routes4 = 1 << 20;
	if (s->conf.max_routes6 == 0)
		s->conf.max_routes6 = 65536;
	s->socket_id = conf->socket_id;
	pthread_mutex_init(&s->lock, NULL);

	qsz = rte_rcu_qsbr_get_memsize(DPS_MAX_CTX);
	s->qsbr = rte_zmalloc_socket("dps_qsbr", qsz, RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (s->qsbr == NULL || rte_rcu_qsbr_init(s->qsbr, DPS_MAX_CTX) != 0)
		goto fail;

	snprintf(name, sizeof(name), "dps_dq_%.12s", s->name);
	dp.name = name;
	/* Every enqueue and reclaim happens under the writer lock. */
	dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;
	dp.size = DPS_DQ_SIZE;
	dp.esize = sizeof(struct dps_deferred);
	dp.trigger_reclaim_limit = 256;
	dp.max_reclaim_size = 1024;
	dp.free_fn = dq_free_cb;
	dp.p = s;
	dp.v = s->qsbr;
	s->dq = rte_rcu_qsbr_dq_create(&dp);
	if (s->dq == NULL)
		goto fail;

	s->ep_hash = dps_stack_lf_hash_create(s, "ep", s, s->conf.max_endpoints,
					      sizeof(struct dps_ep_key));
	if (s->ep_hash == NULL) {
		ret = rte_errno == EEXIST ? -EEXIST : -ENOMEM;
		goto fail;
	}
	if ((ret = dps_demux_create(s)) < 0)
		goto fail;
	if ((ret = dps_neigh_create(s)) < 0)
		goto fail;
	if ((ret = dps_route_create(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	dps_stack_free(s);
	return ret;
}

void
dps_stack_lock(struct dps_stack *s)
{
	pthread_mutex_lock(&s->lock);
}

void
dps_stack_unlock(struct dps_stack *s)
{
	pthread_mutex_unlock(&s->lock);
}

void
dps_stack_defer_free_locked(struct dps_stack *s, void (*fn)(void *arg), void *arg)
{
	struct dps_deferred d = {.fn = fn, .arg = arg};

	if (rte_rcu_qsbr_dq_enqueue(s->dq, &d) == 0)
		return;
	/* Full even after its own reclaim: wait for the readers, then everything can go. */
	rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
	rte_rcu_qsbr_dq_reclaim(s->dq, UINT32_MAX, NULL, NULL, NULL);
	if (rte_rcu_qsbr_dq_enqueue(s->dq, &d) != 0) {
		/* Cannot happen with an empty queue; the grace period has passed anyway. */
		rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
		fn(arg);
	}
}

unsigned int
dps_stack_reclaim(struct dps_stack *s)
{
	unsigned int freed = 0;

	dps_stack_lock(s);
	rte_rcu_qsbr_dq_reclaim(s->dq, UINT32_MAX, &freed, NULL, NULL);
	dps_stack_unlock(s);
	return freed;
}

static void
synchronize_locked(struct dps_stack *s)
{
	unsigned int pending = 1;

	while (pending > 0) {
		rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
		pending = 0;
		rte_rcu_qsbr_dq_reclaim(s->dq, UINT32_MAX, NULL, &pending, NULL);
	}
}

void
dps_stack_synchronize(struct dps_stack *s)
{
	dps_stack_lock(s);
	synchronize_locked(s);
	dps_stack_unlock(s);
}

void
dps_stack_set_forwarding(struct dps_stack *s, bool on)
{
	__atomic_store_n(&s->forwarding, on, __ATOMIC_RELEASE);
}

bool
dps_stack_forwarding(const struct dps_stack *s)
{
	return __atomic_load_n(&s->forwarding, __ATOMIC_ACQUIRE) != 0;
}

int64_t
dps_stack_live_endpoints(const struct dps_stack *s)
{
	return __atomic_load_n(&s->live_endpoints, __ATOMIC_ACQUIRE);
}

int
dps_stack_register_netproto(struct dps_stack *s, const struct dps_netproto_ops *ops)
{
	int ret = 0;

	if (ops == NULL || ops->parse_burst == NULL || ops->handle_burst == NULL ||
	    (ops->addr_len != 4 && ops->addr_len != 16))
		return -EINVAL;
	dps_stack_lock(s);
	if (dps_stack_np_slot(s, ops->number) >= 0)
		ret = -EEXIST;
	else if (s->n_np >= DPS_MAX_NETPROTO)
		ret = -ENOSPC;
	else {
		s->np[s->n_np] = ops;
		/* Readers bound their scan by n_np: publish the entry first. */
		__atomic_store_n(&s->n_np, s->n_np + 1, __ATOMIC_RELEASE);
	}
	dps_stack_unlock(s);
	return ret;
}

uint64_t
dps_stack_counter(const struct dps_stack *s, int nic_id, enum dps_counter c)
{
	uint64_t sum = 0;

	if ((unsigned int)c >= DPS_CNT_MAX || nic_id >= DPS_MAX_NICS)
		return 0;
	for (unsigned int i = 0; i < DPS_MAX_CTX; i++) {
		const struct dps_ctx *ctx = __atomic_load_n(&s->ctx[i], __ATOMIC_ACQUIRE);

		if (ctx == NULL)
			continue;
		if (nic_id >= 0) {
			sum += __atomic_load_n(&ctx->cnt[nic_id][c], __ATOMIC_RELAXED);
			continue;
		}
		for (unsigned int n = 0; n < DPS_MAX_NICS; n++)
			sum += __atomic_load_n(&ctx->cnt[n][c], __ATOMIC_RELAXED);
	}
	return sum;
}

void
dps_stack_counters(const struct dps_stack *s, int nic_id, uint64_t *out)
{
	for (unsigned int c = 0; c < DPS_CNT_MAX; c++)
		out[c] = dps_stack_counter(s, nic_id, c);
}

int
dps_ctx_create(struct dps_stack *s, uint16_t id, uint16_t txq, struct rte_mempool *pool,
	       int socket_id, struct dps_ctx **out)
{
	struct dps_ctx *ctx;

	if (id >= DPS_MAX_CTX || out == NULL)
		return -EINVAL;
	if (s->ctx[id] != NULL)
		return -EEXIST;
	ctx = rte_zmalloc_socket("dps_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE, socket_id);
	if (ctx == NULL)
		return -ENOMEM;
	ctx->stack = s;
	ctx->id = id;
	ctx->txq = txq;
	ctx->pool = pool;
	ctx->tsc_hz = rte_get_tsc_hz();
	ctx->icmp_rate = 1000;
	ctx->icmp_burst = 50;
	for (unsigned int f = 0; f < 2; f++) {
		ctx->icmp_rl[f].last_tsc = rte_get_tsc_cycles();
		ctx->icmp_rl[f].tokens = ctx->icmp_burst * ctx->tsc_hz;
	}
	if (rte_rcu_qsbr_thread_register(s->qsbr, id) != 0) {
		rte_free(ctx);
		return -EINVAL;
	}
	__atomic_store_n(&s->ctx[id], ctx, __ATOMIC_RELEASE);
	*out = ctx;
	return 0;
}

void
dps_ctx_online(struct dps_ctx *ctx)
{
	rte_rcu_qsbr_thread_online(ctx->stack->qsbr, ctx->id);
	ctx->online = true;
}

void
dps_ctx_offline(struct dps_ctx *ctx)
{
	dps_ctx_flush(ctx);
	rte_rcu_qsbr_thread_offline(ctx->stack->qsbr, ctx->id);
	ctx->online = false;
}

/*
 * The context's counters stay readable after it is freed (final counters at exit), so a
 * freed context only goes offline and unregisters; dps_stack_free releases the memory.
 */
void
dps_ctx_free(struct dps_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->online)
		dps_ctx_offline(ctx);
	dps_ctx_flush(ctx);
	rte_rcu_qsbr_thread_unregister(ctx->stack->qsbr, ctx->id);
}

void
dps_ctx_flush_nic(struct dps_ctx *ctx, uint16_t nic_id)
{
	struct dps_txbuf *tb = &ctx->tx[nic_id];
	struct dps_nic *nic = dps_stack_nic_rcu(ctx->stack, nic_id);
	uint32_t len[DPS_TX_BURST];
	uint64_t bytes = 0;
	uint16_t n = tb->n, sent = 0;

	if (n == 0)
		return;
	tb->n = 0;
	/* Lengths first: once the PMD has a packet it may already be freed. */
	for (uint16_t i = 0; i < n; i++)
		len[i] = tb->pkts[i]->pkt_len;
	if (likely(nic != NULL && nic->xmit != NULL))
		sent = nic->xmit(nic->xmit_priv, ctx->txq, tb->pkts, n);
	for (uint16_t i = 0; i < sent; i++)
		bytes += len[i];
	dps_cnt_add(ctx, nic_id, DPS_CNT_TX_PACKETS, sent);
	dps_cnt_add(ctx, nic_id, DPS_CNT_TX_BYTES, bytes);
	if (unlikely(sent < n)) {
		dps_cnt_add(ctx, nic_id, DPS_CNT_TX_DROPPED, n - sent);
		rte_pktmbuf_free_bulk(&tb->pkts[sent], n - sent);
	}
}

void
dps_ctx_flush(struct dps_ctx *ctx)
{
	for (uint16_t i = 0; i < DPS_MAX_NICS; i++)
		if (ctx->tx[i].n != 0)
			dps_ctx_flush_nic(ctx, i);
}

void dps_nic_free_locked(struct dps_nic *nic);

void
dps_stack_free(struct dps_stack *s)
{
	if (s == NULL)
		return;
	dps_stack_lock(s);
	for (unsigned int i = 0; i < DPS_MAX_NICS; i++)
		if (s->nics[i] != NULL)
			dps_nic_free_locked(s->nics[i]);
	if (s->dq != NULL)
		synchronize_locked(s);
	dps_stack_unlock(s);
	dps_route_free(s);
	dps_neigh_free(s);
	dps_demux_free(s);
	if (s->dq != NULL) {
		dps_stack_lock(s);
		synchronize_locked(s);
		dps_stack_unlock(s);
		rte_rcu_qsbr_dq_delete(s->dq);
	}
	rte_hash_free(s->ep_hash);
	for (unsigned int i = 0; i < DPS_MAX_CTX; i++)
		rte_free(s->ctx[i]);
	rte_free(s->qsbr);
	pthread_mutex_destroy(&s->lock);
	rte_free(s);
}
