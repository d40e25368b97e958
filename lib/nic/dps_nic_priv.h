/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/nic internals: the half of struct dps_stack, struct dps_nic and struct dps_endpoint that
 * only lib/nic's own files read (the writer lock and the defer queue, the lists, the filter
 * counts, the tables of the other parts, bookkeeping), the RCU services of sync.c and the
 * constructors of the parts that stack.c composes. Not installed: nothing outside lib/nic
 * includes this header (scripts/incgraph checks it).
 *
 * Each private struct starts with its public struct (as DPDK's struct __rte_lpm starts with
 * struct rte_lpm): the public pointer is the allocation, dps_stack_priv() and friends are a
 * cast back to the whole object.
 */
#ifndef DPS_NIC_PRIV_H
#define DPS_NIC_PRIV_H

#include <pthread.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "dps_nic_dp.h"

struct dps_demux;
struct dps_neigh_table;
struct dps_route_table;

/** An immutable set of prefixes, replaced as a whole under RCU. */
struct dps_prefix_set {
	uint32_t n;
	struct dps_prefix p[];
};

/** An immutable snapshot of a primary list, replaced as a whole under RCU. */
struct dps_ep_set {
	uint32_t n;
	struct dps_endpoint *ep[];
};

/** An endpoint with its writer-side state. */
struct dps_ep_priv {
	struct dps_endpoint pub; /**< first: what the data path reads */
	uint8_t peb;             /**< enum dps_peb */
	bool in_primary;
	bool left_group;         /**< solicited-node group already left (IPv6 unicast) */
	int32_t hash_pos;        /**< key slot in the endpoint map, freed after a grace period */
	uint64_t seq;            /**< creation order */
	TAILQ_ENTRY(dps_ep_priv) primary_link;
	TAILQ_ENTRY(dps_ep_priv) all_link;
};
TAILQ_HEAD(dps_ep_list, dps_ep_priv);

/** A joined multicast group and its join count. */
struct dps_join {
	struct dps_addr addr;
	int32_t count;
	TAILQ_ENTRY(dps_join) link;
};
TAILQ_HEAD(dps_join_list, dps_join);

/** A NIC with the state only lib/nic reads. */
struct dps_nic_priv {
	struct dps_nic pub; /**< first: what the inline data-path functions read */
	/* read by lib/nic's data path (deliver.c, ctx.c, nic.c) */
	int32_t forwarding; /**< atomic flag */
	int32_t redirects;  /**< atomic flag: ICMP redirects sent from this NIC (default on) */
	int32_t source_route; /**< atomic flag: LSRR/SSRR processed (default off) */
	dps_link_xmit_t xmit;
	void *xmit_priv;
	struct dps_ep_set *primary[DPS_MAX_NETPROTO]; /**< RCU */
	/* writer only */
	uint16_t port_id;
	bool enabled;
	char name[16];
	struct dps_ep_list primary_list[DPS_MAX_NETPROTO];
	struct dps_ep_list all;
	struct dps_join_list joins;
} __rte_cache_aligned;

/** A stack with the state only lib/nic reads. */
struct dps_stack_priv {
	struct dps_stack pub; /**< first: what the inline data-path functions read */
	/* read by lib/nic's data path */
	int32_t forwarding; /**< atomic flag */
	struct dps_demux *demux;
	struct dps_neigh_table *neigh;
	struct dps_route_table *routes4;
	struct dps_route_table *routes6;
	struct dps_ctx *ctx[DPS_MAX_CTX]; /**< published with a release store */
	/* writer side */
	pthread_mutex_t lock;
	struct rte_rcu_qsbr_dq *dq;
	uint64_t deferred_queued; /**< deferred frees taken (writer lock) */
	uint64_t deferred_run;    /**< deferred frees run (writer lock) */
	int64_t live_endpoints; /**< atomic */
	uint64_t ep_seq;
	int socket_id;
	char name[32];
	struct dps_stack_conf conf;
	void *proto_state;               /**< the protocol layer's (dps_stack_set_proto_state) */
	void (*proto_fini)(void *state); /**< its destructor */
	uint32_t inject_alloc_failures; /**< tests: snapshot allocations still to fail */
	uint32_t ep_filter_cnt[1u << DPS_EP_FILTER_BITS]; /**< endpoints per filter bit */
	/** Counters of the control side (no context): written under the writer lock, read
	 * lock-free; dps_stack_counter() adds them to the stack-wide sum. */
	uint64_t ctl_cnt[DPS_CNT_MAX];
};

/** The whole stack behind a public pointer. */
static inline struct dps_stack_priv *
dps_stack_priv(const struct dps_stack *s)
{
	return container_of(s, struct dps_stack_priv, pub);
}

/** Writer lock held: count a control-side event (a bind refused, ...). */
static inline void
dps_stack_ctl_cnt_inc_locked(struct dps_stack_priv *s, enum dps_counter c)
{
	__atomic_store_n(&s->ctl_cnt[c], s->ctl_cnt[c] + 1, __ATOMIC_RELAXED);
}

/** The whole NIC behind a public pointer. */
static inline struct dps_nic_priv *
dps_nic_priv(const struct dps_nic *nic)
{
	return container_of(nic, struct dps_nic_priv, pub);
}

/** The whole endpoint behind a public pointer. */
static inline struct dps_ep_priv *
dps_ep_priv(const struct dps_endpoint *ep)
{
	return container_of(ep, struct dps_ep_priv, pub);
}

/* ---- sync.c: the services every part uses ---- */

/**
 * Create the stack's QSBR variable and defer queue (s->pub.qsbr, s->dq) and its writer lock.
 * Returns 0 or -ENOMEM.
 */
int dps_sync_init(struct dps_stack_priv *s);
/** Run every deferred free, then delete the defer queue and the QSBR variable. */
void dps_sync_fini(struct dps_stack_priv *s);
/** Writer lock held: run the deferred frees whose grace period has ended; returns how many. */
unsigned int dps_stack_reclaim_locked(struct dps_stack *s);
/** Writer lock held: wait for a grace period and run deferred frees until none is pending. */
void dps_stack_synchronize_locked(struct dps_stack *s);

/**
 * For lib/nic's own tables: an rte_hash with lock-free readers whose key slots the caller
 * frees (rte_hash_free_key_with_position) only after a grace period, so a reader never sees a
 * slot reused under it. Named from tag and the caller's object address (unique per process).
 * Returns the table, or NULL with rte_errno set (EEXIST, ENOMEM, EINVAL).
 */
struct rte_hash *dps_stack_lf_hash_create(const struct dps_stack *s, const char *tag,
					  const void *owner, uint32_t entries, uint32_t key_len);

/* ---- the parts stack.c composes ---- */

/** Create / free the transport demultiplexer (demux.c). 0 or -ENOMEM. */
int dps_demux_create(struct dps_stack *s);
void dps_demux_free(struct dps_stack *s);
/** Create / free the neighbour table (neigh.c). 0 or -ENOMEM. */
int dps_neigh_create(struct dps_stack *s);
void dps_neigh_free(struct dps_stack *s);
/** Create / free the route tables (route.c). 0 or -ENOMEM. */
int dps_route_create(struct dps_stack *s);
void dps_route_free(struct dps_stack *s);
/** Tear down a NIC at stack free (nic.c): every endpoint goes, whatever its count. */
void dps_nic_free_locked(struct dps_nic *nic);
/** Free the memory of every context (ctx.c); none may be online. */
void dps_ctx_free_all(struct dps_stack *s);

/*
 * Control-side events of lib/nic, at DEBUG: `--log-level='dpstack.*:debug'` shows them.
 * Never called from the data path (the writer lock is held, or the neighbour poll runs).
 */
extern int dps_logtype_route; /* dpstack.route: route add, replace, delete */
extern int dps_logtype_addr;  /* dpstack.addr: address add, remove */
extern int dps_logtype_neigh; /* dpstack.neigh: neighbour state changes */
#define DPS_NIC_DEBUG(type, fmt, ...)                                                             \
	rte_log(RTE_LOG_DEBUG, dps_logtype_##type, "dpstack: " fmt "\n", ##__VA_ARGS__)
/* Whether a DEBUG line of that type would be printed (skip the formatting otherwise). */
#define DPS_NIC_DEBUG_ON(type) rte_log_can_log(dps_logtype_##type, RTE_LOG_DEBUG)

#endif
