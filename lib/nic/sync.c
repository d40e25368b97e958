/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The services every part of lib/nic uses: the writer lock, the RCU defer queue and its
 * reclamation, and lock-free hash tables whose key slots are freed after a grace period.
 * Depends on no other part: nic.c, route.c, neigh.c and demux.c build on it, stack.c creates it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dps_nic_priv.h"

/* What the defer queue holds: a function to run once the grace period has passed. */
struct dps_deferred {
	void (*fn)(void *arg);
	void *arg;
};

static void
dq_free_cb(void *p, void *e, unsigned int n)
{
	struct dps_stack_priv *s = p;
	struct dps_deferred *d = e;

	for (unsigned int i = 0; i < n; i++)
		d[i].fn(d[i].arg);
	s->deferred_run += n;
}

#define DPS_DQ_SIZE 65536

int
dps_sync_init(struct dps_stack_priv *s)
{
	struct rte_rcu_qsbr_dq_parameters dp = {0};
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];
	size_t qsz;

	pthread_mutex_init(&s->lock, NULL);
	qsz = rte_rcu_qsbr_get_memsize(DPS_MAX_CTX);
	s->pub.qsbr = rte_zmalloc_socket("dps_qsbr", qsz, RTE_CACHE_LINE_SIZE, s->socket_id);
	if (s->pub.qsbr == NULL || rte_rcu_qsbr_init(s->pub.qsbr, DPS_MAX_CTX) != 0)
		return -ENOMEM;

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
	dp.v = s->pub.qsbr;
	s->dq = rte_rcu_qsbr_dq_create(&dp);
	return s->dq == NULL ? -ENOMEM : 0;
}

void
dps_sync_fini(struct dps_stack_priv *s)
{
	if (s->dq != NULL) {
		dps_stack_lock(&s->pub);
		dps_stack_synchronize_locked(&s->pub);
		dps_stack_unlock(&s->pub);
		rte_rcu_qsbr_dq_delete(s->dq);
		s->dq = NULL;
	}
	rte_free(s->pub.qsbr);
	s->pub.qsbr = NULL;
	pthread_mutex_destroy(&s->lock);
}

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
	hp.socket_id = dps_stack_priv(s)->socket_id;
	/* RW_CONCURRENCY_LF implies no free on delete: the caller frees slots after a grace. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	return rte_hash_create(&hp);
}

void
dps_stack_lock(struct dps_stack *s)
{
	pthread_mutex_lock(&dps_stack_priv(s)->lock);
}

int
dps_stack_trylock(struct dps_stack *s)
{
	return pthread_mutex_trylock(&dps_stack_priv(s)->lock) == 0 ? 0 : -EBUSY;
}

void
dps_stack_unlock(struct dps_stack *s)
{
	pthread_mutex_unlock(&dps_stack_priv(s)->lock);
}

void
dps_stack_defer_free_locked(struct dps_stack *s, void (*fn)(void *arg), void *arg)
{
	struct rte_rcu_qsbr_dq *dq = dps_stack_priv(s)->dq;
	struct dps_deferred d = {.fn = fn, .arg = arg};

	dps_stack_priv(s)->deferred_queued++;
	if (rte_rcu_qsbr_dq_enqueue(dq, &d) == 0)
		return;
	/* Full even after its own reclaim: wait for the readers, then everything can go. */
	rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
	rte_rcu_qsbr_dq_reclaim(dq, UINT32_MAX, NULL, NULL, NULL);
	if (rte_rcu_qsbr_dq_enqueue(dq, &d) != 0) {
		/* Cannot happen with an empty queue; the grace period has passed anyway. */
		rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
		fn(arg);
		dps_stack_priv(s)->deferred_run++;
	}
}

uint64_t
dps_stack_deferred_pending(struct dps_stack *s)
{
	struct dps_stack_priv *sp = dps_stack_priv(s);
	uint64_t n;

	dps_stack_lock(s);
	n = sp->deferred_queued - sp->deferred_run;
	dps_stack_unlock(s);
	return n;
}

unsigned int
dps_stack_reclaim_locked(struct dps_stack *s)
{
	unsigned int freed = 0;

	rte_rcu_qsbr_dq_reclaim(dps_stack_priv(s)->dq, UINT32_MAX, &freed, NULL, NULL);
	return freed;
}

unsigned int
dps_stack_reclaim(struct dps_stack *s)
{
	unsigned int freed;

	dps_stack_lock(s);
	freed = dps_stack_reclaim_locked(s);
	dps_stack_unlock(s);
	return freed;
}

void
dps_stack_synchronize_locked(struct dps_stack *s)
{
	unsigned int pending = 1;

	while (pending > 0) {
		rte_rcu_qsbr_synchronize(s->qsbr, RTE_QSBR_THRID_INVALID);
		pending = 0;
		rte_rcu_qsbr_dq_reclaim(dps_stack_priv(s)->dq, UINT32_MAX, NULL, &pending, NULL);
	}
}

void
dps_stack_synchronize(struct dps_stack *s)
{
	dps_stack_lock(s);
	dps_stack_synchronize_locked(s);
	dps_stack_unlock(s);
}
