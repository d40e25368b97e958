/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data-path contexts (one per worker lcore and one for the control thread): creation, RCU
 * reader state, transmit buffers, and the counters they own, summed on read.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "dps_nic_priv.h"

/* dps_ctx.tx_pending has one bit per NIC id. */
_Static_assert(DPS_MAX_NICS <= 64, "tx_pending is a 64-bit mask");

int
dps_ctx_create(struct dps_stack *s, uint16_t id, uint16_t txq, struct rte_mempool *pool,
	       int socket_id, struct dps_ctx **out)
{
	struct dps_stack_priv *sp = dps_stack_priv(s);
	struct dps_ctx *ctx;

	if (id >= DPS_MAX_CTX || out == NULL)
		return -EINVAL;
	if (sp->ctx[id] != NULL)
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
	__atomic_store_n(&sp->ctx[id], ctx, __ATOMIC_RELEASE);
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
	const struct dps_nic_priv *np = nic != NULL ? dps_nic_priv(nic) : NULL;
	uint32_t len[DPS_TX_BURST];
	uint64_t bytes = 0;
	uint16_t n = tb->n, sent = 0;

	if (n == 0)
		return;
	tb->n = 0;
	/* Lengths first: once the PMD has a packet it may already be freed. */
	for (uint16_t i = 0; i < n; i++)
		len[i] = tb->pkts[i]->pkt_len;
	if (likely(np != NULL && np->xmit != NULL))
		sent = np->xmit(np->xmit_priv, ctx->txq, tb->pkts, n);
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
	uint64_t pend = ctx->tx_pending;

	/* A buffer flushed on its own when it filled keeps its bit: flush_nic skips it. */
	ctx->tx_pending = 0;
	for (; pend != 0; pend &= pend - 1)
		dps_ctx_flush_nic(ctx, (uint16_t)rte_bsf64(pend));
}

uint64_t
dps_stack_counter(const struct dps_stack *s, int nic_id, enum dps_counter c)
{
	const struct dps_stack_priv *sp = dps_stack_priv(s);
	uint64_t sum = 0;

	if ((unsigned int)c >= DPS_CNT_MAX || nic_id >= DPS_MAX_NICS)
		return 0;
	for (unsigned int i = 0; i < DPS_MAX_CTX; i++) {
		const struct dps_ctx *ctx = __atomic_load_n(&sp->ctx[i], __ATOMIC_ACQUIRE);

		if (ctx == NULL)
			continue;
		if (nic_id >= 0) {
			sum += __atomic_load_n(&ctx->cnt[nic_id][c], __ATOMIC_RELAXED);
			continue;
		}
		for (unsigned int n = 0; n < DPS_MAX_NICS; n++)
			sum += __atomic_load_n(&ctx->cnt[n][c], __ATOMIC_RELAXED);
	}
	/* The control side's events belong to no NIC: in the stack-wide sum only. */
	if (nic_id < 0)
		sum += __atomic_load_n(&sp->ctl_cnt[c], __ATOMIC_RELAXED);
	return sum;
}

void
dps_stack_counters(const struct dps_stack *s, int nic_id, uint64_t *out)
{
	for (unsigned int c = 0; c < DPS_CNT_MAX; c++)
		out[c] = dps_stack_counter(s, nic_id, c);
}

void
dps_ctx_free_all(struct dps_stack *s)
{
	struct dps_stack_priv *sp = dps_stack_priv(s);

	for (unsigned int i = 0; i < DPS_MAX_CTX; i++) {
		rte_free(sp->ctx[i]);
		sp->ctx[i] = NULL;
	}
}
