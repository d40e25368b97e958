/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stack: composes the parts (sync.c's lock and defer queue, the endpoint map, the
 * demultiplexer, neighbour and route tables, contexts) and holds the stack-wide switches and
 * the protocol registration table.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "dps_nic_priv.h"

int
dps_stack_create(const struct dps_stack_conf *conf, struct dps_stack **out)
{
	struct dps_stack_priv *sp;
	struct dps_stack *s;
	int ret = -ENOMEM;

	if (conf == NULL || conf->name == NULL || out == NULL)
		return -EINVAL;
	sp = rte_zmalloc_socket("dps_stack", sizeof(*sp), RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (sp == NULL)
		return -ENOMEM;
	s = &sp->pub;
	sp->conf = *conf;
	snprintf(sp->name, sizeof(sp->name), "%s", conf->name);
	sp->conf.name = sp->name;
	if (sp->conf.max_endpoints == 0)
		sp->conf.max_endpoints = 262144;
	if (sp->conf.max_transport == 0)
		sp->conf.max_transport = 65536;
	if (sp->conf.max_neigh == 0)
		sp->conf.max_neigh = 65536;
	if (sp->conf.max_routes4 == 0)
		sp->conf.max_routes4 = 1 << 20;
	if (sp->conf.max_routes6 == 0)
		sp->conf.max_routes6 = 65536;
	sp->socket_id = conf->socket_id;
	if ((ret = dps_sync_init(sp)) < 0)
		goto fail;
	s->ep_hash = dps_stack_lf_hash_create(s, "ep", s, sp->conf.max_endpoints,
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
dps_stack_inject_alloc_failures(struct dps_stack *s, uint32_t n)
{
	dps_stack_lock(s);
	dps_stack_priv(s)->inject_alloc_failures = n;
	dps_stack_unlock(s);
}

void
dps_stack_set_forwarding(struct dps_stack *s, bool on)
{
	__atomic_store_n(&dps_stack_priv(s)->forwarding, on, __ATOMIC_RELEASE);
}

bool
dps_stack_forwarding(const struct dps_stack *s)
{
	return __atomic_load_n(&dps_stack_priv(s)->forwarding, __ATOMIC_ACQUIRE) != 0;
}

int64_t
dps_stack_live_endpoints(const struct dps_stack *s)
{
	return __atomic_load_n(&dps_stack_priv(s)->live_endpoints, __ATOMIC_ACQUIRE);
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

void
dps_stack_free(struct dps_stack *s)
{
	struct dps_stack_priv *sp;

	if (s == NULL)
		return;
	sp = dps_stack_priv(s);
	if (sp->dq != NULL) {
		dps_stack_lock(s);
		for (unsigned int i = 0; i < DPS_MAX_NICS; i++)
			if (s->nics[i] != NULL)
				dps_nic_free_locked(s->nics[i]);
		dps_stack_synchronize_locked(s);
		dps_stack_unlock(s);
		dps_route_free(s);
		dps_neigh_free(s);
		dps_demux_free(s);
	}
	if (sp->proto_fini != NULL)
		sp->proto_fini(sp->proto_state);
	dps_sync_fini(sp);
	rte_hash_free(s->ep_hash);
	dps_ctx_free_all(s);
	rte_free(sp);
}

void
dps_stack_set_proto_state(struct dps_stack *s, void *state, void (*fini)(void *state))
{
	dps_stack_priv(s)->proto_state = state;
	dps_stack_priv(s)->proto_fini = fini;
}

void *
dps_stack_proto_state(const struct dps_stack *s)
{
	return dps_stack_priv(s)->proto_state;
}
