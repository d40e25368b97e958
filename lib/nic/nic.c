/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NICs and their address endpoints: the seed's nic.go with RCU-published state.
 *
 * Writers hold the stack's writer lock. What the data path reads (the endpoint map, range
 * sets, primary snapshots, flags) is published last and unlinked objects are freed through
 * dps_stack_defer_free_locked(). An endpoint's refcount only reaches zero under the writer
 * lock, in the same critical section that unlinks it (see dps_endpoint_put()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "dps_nic_priv.h"

/* ---- small helpers ---- */

static inline int
np_slot(const struct dps_stack *s, uint16_t proto)
{
	return dps_stack_np_slot(s, proto);
}

static struct dps_endpoint *
ep_find_locked(const struct dps_nic *nic, const struct dps_addr *a)
{
	return dps_nic_endpoint_rcu(nic, a);
}

static inline int32_t
ep_kind(const struct dps_endpoint *ep)
{
	return __atomic_load_n(&ep->kind, __ATOMIC_ACQUIRE);
}

static inline void
ep_set_kind(struct dps_endpoint *ep, enum dps_ep_kind k)
{
	__atomic_store_n(&ep->kind, (int32_t)k, __ATOMIC_RELEASE);
}

static bool
ep_joins_solicited(const struct dps_stack *s, const struct dps_endpoint *ep, struct dps_addr *g)
{
	const struct dps_netproto_ops *np = s->np[ep->np];

	return np->solicited_group != NULL && np->is_unicast != NULL &&
	       np->is_unicast(&ep->addr) && np->solicited_group(&ep->addr, g);
}

/* ---- primary snapshot for the data path ---- */

/* Whether every endpoint of a snapshot is still on the NIC's primary list. */
static bool
snapshot_linked(const struct dps_ep_set *set, unsigned int slot)
{
	for (uint32_t i = 0; i < set->n; i++)
		if (!dps_ep_priv(set->ep[i])->in_primary || set->ep[i]->np != slot)
			return false;
	return true;
}

static void
rebuild_primary_locked(struct dps_nic *nic, unsigned int slot)
{
	struct dps_stack *s = nic->stack;
	struct dps_ep_set *set, *old = dps_nic_priv(nic)->primary[slot];
	struct dps_ep_priv *ep;
	uint32_t n = 0;

	TAILQ_FOREACH(ep, &dps_nic_priv(nic)->primary_list[slot], primary_link)
		n++;
	set = NULL;
	if (n > 0) {
		if (unlikely(dps_stack_priv(s)->inject_alloc_failures > 0)) {
			dps_stack_priv(s)->inject_alloc_failures--;
		} else {
			set = rte_zmalloc_socket("dps_primary",
						 sizeof(*set) + n * sizeof(set->ep[0]), 0,
						 dps_stack_priv(s)->socket_id);
		}
		if (set == NULL) {
			/*
			 * Out of memory. The old snapshot may stay only if it names no endpoint
			 * that left the list: one being removed is freed after the grace period,
			 * and every ICMP error, ARP/NS and UDP send would read it after that.
			 * Otherwise none is published (no source address) until a rebuild
			 * succeeds: the next change of this NIC's primaries tries again.
			 */
			if (old == NULL || snapshot_linked(old, slot))
				return;
		} else {
			TAILQ_FOREACH(ep, &dps_nic_priv(nic)->primary_list[slot], primary_link)
				set->ep[set->n++] = &ep->pub;
		}
	}
	__atomic_store_n(&dps_nic_priv(nic)->primary[slot], set, __ATOMIC_RELEASE);
	if (old != NULL)
		dps_stack_defer_free_locked(s, rte_free, old);
}

static void
primary_insert_locked(struct dps_nic *nic, struct dps_endpoint *pub, enum dps_peb peb)
{
	struct dps_ep_priv *ep = dps_ep_priv(pub);

	ep->peb = (uint8_t)peb;
	switch (peb) {
	case DPS_PEB_CAN_BE_PRIMARY:
		TAILQ_INSERT_TAIL(&dps_nic_priv(nic)->primary_list[pub->np], ep, primary_link);
		ep->in_primary = true;
		break;
	case DPS_PEB_FIRST_PRIMARY:
		TAILQ_INSERT_HEAD(&dps_nic_priv(nic)->primary_list[pub->np], ep, primary_link);
		ep->in_primary = true;
		break;
	default:
		ep->in_primary = false;
		break;
	}
}

static void
primary_remove_locked(struct dps_nic *nic, struct dps_endpoint *pub)
{
	struct dps_ep_priv *ep = dps_ep_priv(pub);

	if (ep->in_primary) {
		TAILQ_REMOVE(&dps_nic_priv(nic)->primary_list[pub->np], ep, primary_link);
		ep->in_primary = false;
	}
}

/* ---- endpoint life cycle ---- */

/*
 * The stack-wide local-address filter (dps_stack_maybe_local). Writer lock held. A bit is set
 * before the map insert that makes the address findable and cleared only after the last map
 * delete of its addresses: a reader that skips the lookup on a clear bit can only miss an
 * endpoint that was not (or no longer) in the map at that point.
 */
/*
 * The directed broadcast of an IPv4 endpoint's subnet (host part all ones; none for /31 and
 * /32, RFC 3021), which the filter covers too: dps_stack_maybe_local() is then also the
 * forwarding path's broadcast test (RFC 1812 5.3.5.2, 4.2.3.1: a subnet broadcast is neither
 * forwarded as unicast nor a valid source), with no walk of a NIC's subnets per packet.
 * A superset of what dps_nic_subnet_allones_rcu() matches (primary endpoints only): a false
 * positive costs the exact test, as any other.
 */
static bool
ep_subnet_bcast(const struct dps_addr *a, uint8_t plen, struct dps_addr *out)
{
	uint32_t x;

	if (a->len != 4 || plen > 30)
		return false;
	memcpy(&x, a->b, 4);
	x = rte_cpu_to_be_32(rte_be_to_cpu_32(x) | (plen == 0 ? ~0u : ~(~0u << (32 - plen))));
	out->len = 4;
	memcpy(out->b, &x, 4);
	return true;
}

static void
ep_filter_bit_add_locked(struct dps_stack *s, const struct dps_addr *a)
{
	uint32_t bit = dps_ep_filter_bit(a->b, a->len);
	uint64_t *w = &s->ep_filter[bit / 64];

	if (dps_stack_priv(s)->ep_filter_cnt[bit]++ == 0)
		__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) | (1ULL << (bit % 64)),
				 __ATOMIC_RELEASE);
	/* The map insert that follows must not become visible before the bit. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void
ep_filter_bit_del_locked(struct dps_stack *s, const struct dps_addr *a)
{
	uint32_t bit = dps_ep_filter_bit(a->b, a->len);
	uint64_t *w = &s->ep_filter[bit / 64];

	RTE_VERIFY(dps_stack_priv(s)->ep_filter_cnt[bit] > 0);
	if (--dps_stack_priv(s)->ep_filter_cnt[bit] == 0)
		__atomic_store_n(w, __atomic_load_n(w, __ATOMIC_RELAXED) & ~(1ULL << (bit % 64)),
				 __ATOMIC_RELEASE);
}

/* An endpoint's bits: its address and, for IPv4, its subnet's broadcast. */
static void
ep_filter_add_locked(struct dps_stack *s, const struct dps_addr *a, uint8_t plen)
{
	struct dps_addr b;

	if (ep_subnet_bcast(a, plen, &b))
		ep_filter_bit_add_locked(s, &b);
	ep_filter_bit_add_locked(s, a);
}

static void
ep_filter_del_locked(struct dps_stack *s, const struct dps_addr *a, uint8_t plen)
{
	struct dps_addr b;

	ep_filter_bit_del_locked(s, a);
	if (ep_subnet_bcast(a, plen, &b))
		ep_filter_bit_del_locked(s, &b);
}

struct ep_free_arg {
	struct dps_stack *s;
	struct dps_endpoint *ep;
};

static void
ep_free_deferred(void *arg)
{
	struct dps_endpoint *ep = arg;
	struct dps_stack *s = ep->nic->stack;

	/* Runs under the writer lock, after the grace period: the key slot may be reused now. */
	rte_hash_free_key_with_position(s->ep_hash, dps_ep_priv(ep)->hash_pos);
	__atomic_sub_fetch(&dps_stack_priv(s)->live_endpoints, 1, __ATOMIC_RELEASE);
	rte_free(dps_ep_priv(ep));
}

static int leave_group_locked(struct dps_nic *nic, const struct dps_addr *group);
static int join_group_locked(struct dps_nic *nic, uint16_t proto, const struct dps_addr *g);

/* The seed's removeEndpointLocked: the count has just reached zero. */
static void
ep_unlink_locked(struct dps_endpoint *ep)
{
	struct dps_nic *nic = ep->nic;
	struct dps_stack *s = nic->stack;
	struct dps_addr g;
	struct dps_ep_priv *pe = dps_ep_priv(ep);
	struct dps_ep_key k;
	bool was_primary = pe->in_primary;

	if (ep_find_locked(nic, &ep->addr) != ep)
		return;
	/* Seed panics here; by construction only remove drops a permanent endpoint's bias. */
	RTE_VERIFY(ep_kind(ep) != DPS_EP_PERMANENT);
	dps_ep_key_make(&k, nic->id, &ep->addr);
	if (rte_hash_del_key(s->ep_hash, &k) >= 0)
		ep_filter_del_locked(s, &ep->addr, ep->prefix_len);
	primary_remove_locked(nic, ep);
	TAILQ_REMOVE(&dps_nic_priv(nic)->all, pe, all_link);
	if (was_primary)
		rebuild_primary_locked(nic, ep->np);
	/* Temporary IPv6 endpoints joined the solicited-node group too: leave it now. */
	if (!pe->left_group && ep_joins_solicited(s, ep, &g)) {
		pe->left_group = true;
		leave_group_locked(nic, &g);
	}
	dps_stack_defer_free_locked(s, ep_free_deferred, ep);
}

bool
dps_endpoint_tryget(struct dps_endpoint *ep)
{
	int32_t v = __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE);

	while (v > 0) {
		if (__atomic_compare_exchange_n(&ep->refs, &v, v + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	}
	return false;
}

void
dps_endpoint_get(struct dps_endpoint *ep)
{
	int32_t old = __atomic_fetch_add(&ep->refs, 1, __ATOMIC_ACQ_REL);

	RTE_VERIFY(old > 0);
}

void
dps_endpoint_put_locked(struct dps_endpoint *ep)
{
	int32_t v = __atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL);

	RTE_VERIFY(v >= 0);
	if (v == 0)
		ep_unlink_locked(ep);
}

void
dps_endpoint_put(struct dps_endpoint *ep)
{
	struct dps_stack *s = ep->nic->stack;
	int32_t v = __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE);

	/* Drop references other than the last without the lock ... */
	while (v > 1) {
		if (__atomic_compare_exchange_n(&ep->refs, &v, v - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return;
	}
	/* ... and the possibly last one under it, so zero and unlink are one step. */
	dps_stack_lock(s);
	dps_endpoint_put_locked(ep);
	dps_stack_unlock(s);
}

bool
dps_endpoint_valid_for_outgoing(const struct dps_endpoint *ep)
{
	return ep_kind(ep) != DPS_EP_PERMANENT_EXPIRED ||
	       __atomic_load_n(&ep->nic->spoofing, __ATOMIC_ACQUIRE);
}

enum dps_ep_kind
dps_endpoint_kind(const struct dps_endpoint *ep)
{
	return (enum dps_ep_kind)ep_kind(ep);
}

int32_t
dps_endpoint_refs(const struct dps_endpoint *ep)
{
	return __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE);
}

const struct dps_addr *
dps_endpoint_addr(const struct dps_endpoint *ep)
{
	return &ep->addr;
}

uint8_t
dps_endpoint_prefix_len(const struct dps_endpoint *ep)
{
	return ep->prefix_len;
}

struct dps_nic *
dps_endpoint_nic(const struct dps_endpoint *ep)
{
	return ep->nic;
}

/* The seed's addAddressLocked: a new endpoint of the given kind with refs = 1. */
static int
ep_create_locked(struct dps_nic *nic, unsigned int slot, const struct dps_prefix *p,
		 enum dps_peb peb, enum dps_ep_kind kind, struct dps_endpoint **out)
{
	struct dps_stack *s = nic->stack;
	const struct dps_netproto_ops *np = s->np[slot];
	struct dps_endpoint *ep;
	struct dps_ep_priv *pe;
	struct dps_ep_key k;
	struct dps_addr g;
	bool joined = false;
	int32_t pos;
	int ret;

	if (ep_find_locked(nic, &p->addr) != NULL)
		return -EEXIST;
	pe = rte_zmalloc_socket("dps_ep", sizeof(*pe), RTE_CACHE_LINE_SIZE,
				dps_stack_priv(s)->socket_id);
	if (pe == NULL)
		return -ENOMEM;
	ep = &pe->pub;
	ep->nic = nic;
	ep->addr = p->addr;
	ep->prefix_len = p->plen;
	ep->np = (uint8_t)slot;
	ep->refs = 1;
	ep->kind = kind;
	pe->seq = ++dps_stack_priv(s)->ep_seq;
	/* Seed: an IPv6 unicast address joins its solicited-node group before it is added. */
	if (ep_joins_solicited(s, ep, &g)) {
		ret = join_group_locked(nic, np->number, &g);
		if (ret < 0)
			goto fail;
		joined = true;
	}
	dps_ep_key_make(&k, nic->id, &p->addr);
	ep_filter_add_locked(s, &p->addr, p->plen);
	pos = rte_hash_add_key_data(s->ep_hash, &k, ep);
	if (pos < 0) {
		ep_filter_del_locked(s, &p->addr, p->plen);
		ret = pos == -ENOSPC ? -ENOSPC : -ENOMEM;
		goto fail;
	}
	/* rte_hash_add_key_data() returns 0, not the key slot: ask for the slot to free later. */
	pe->hash_pos = rte_hash_lookup(s->ep_hash, &k);
	__atomic_add_fetch(&dps_stack_priv(s)->live_endpoints, 1, __ATOMIC_RELEASE);
	TAILQ_INSERT_TAIL(&dps_nic_priv(nic)->all, pe, all_link);
	primary_insert_locked(nic, ep, peb);
	if (pe->in_primary)
		rebuild_primary_locked(nic, slot);
	*out = ep;
	return 0;
fail:
	if (joined)
		leave_group_locked(nic, &g);
	rte_free(pe);
	return ret;
}

static int
check_addr(const struct dps_nic *nic, uint16_t proto, const struct dps_addr *a, int *slot)
{
	*slot = np_slot(nic->stack, proto);
	if (*slot < 0)
		return -EPROTONOSUPPORT;
	if (a->len != nic->stack->np[*slot]->addr_len)
		return -EINVAL;
	return 0;
}

/* Promotion of a temporary or expired endpoint (seed addPermanentAddressLocked). */
static int
ep_promote_locked(struct dps_nic *nic, struct dps_endpoint *ep, const struct dps_prefix *p,
		  enum dps_peb peb)
{
	struct dps_ep_priv *pe = dps_ep_priv(ep);
	struct dps_addr g, b;
	bool was_primary = pe->in_primary;
	uint8_t old_plen = ep->prefix_len;

	/* Refs cannot be zero for a mapped endpoint: zero and unlink are one locked step. */
	RTE_VERIFY(dps_endpoint_tryget(ep));
	if (pe->left_group && ep_joins_solicited(nic->stack, ep, &g)) {
		if (join_group_locked(nic, nic->stack->np[ep->np]->number, &g) == 0)
			pe->left_group = false;
	}
	/* Later gVisor (c356fe2eb): the re-added address takes the new behaviour and prefix. */
	if (ep_subnet_bcast(&ep->addr, p->plen, &b))
		ep_filter_bit_add_locked(nic->stack, &b); /* the new broadcast, before it is used */
	ep->prefix_len = p->plen;
	primary_remove_locked(nic, ep);
	primary_insert_locked(nic, ep, peb);
	ep_set_kind(ep, DPS_EP_PERMANENT);
	if (was_primary || pe->in_primary)
		rebuild_primary_locked(nic, ep->np);
	if (ep_subnet_bcast(&ep->addr, old_plen, &b))
		ep_filter_bit_del_locked(nic->stack, &b);
	return 0;
}

int
dps_nic_add_address_locked(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
			   enum dps_peb peb)
{
	struct dps_endpoint *ep;
	int slot, ret;

	if (p == NULL || (unsigned int)peb > DPS_PEB_NEVER_PRIMARY)
		return -EINVAL;
	ret = check_addr(nic, proto, &p->addr, &slot);
	if (ret < 0)
		return ret;
	if (p->plen > p->addr.len * 8)
		return -EINVAL;
	ep = ep_find_locked(nic, &p->addr);
	if (ep != NULL) {
		if (ep_kind(ep) == DPS_EP_PERMANENT)
			return -EEXIST;
		ret = ep_promote_locked(nic, ep, p, peb);
	} else {
		ret = ep_create_locked(nic, slot, p, peb, DPS_EP_PERMANENT, &ep);
	}
	/* The protocol may hold a new address back until it proves unique (RFC 4862 5.4). */
	if (ret == 0 && ep != NULL && nic->stack->np[slot]->address_added_locked != NULL)
		nic->stack->np[slot]->address_added_locked(nic, ep);
	return ret;
}

int
dps_nic_add_address(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *p,
		    enum dps_peb peb)
{
	char buf[64];
	int ret;

	dps_stack_lock(nic->stack);
	ret = dps_nic_add_address_locked(nic, proto, p, peb);
	dps_stack_unlock(nic->stack);
	if (DPS_NIC_DEBUG_ON(addr) && p != NULL)
		DPS_NIC_DEBUG(addr, "nic %s: address add %s: %s", dps_nic_priv(nic)->name,
			      dps_prefix_fmt(p, buf, sizeof(buf)), ret < 0 ? strerror(-ret) : "ok");
	return ret;
}

int
dps_nic_remove_address_locked(struct dps_nic *nic, const struct dps_addr *a)
{
	struct dps_endpoint *ep = ep_find_locked(nic, a);
	struct dps_addr g;
	char buf[64];
	int ret = 0;

	if (ep == NULL || ep_kind(ep) != DPS_EP_PERMANENT)
		return -EADDRNOTAVAIL;
	if (DPS_NIC_DEBUG_ON(addr))
		DPS_NIC_DEBUG(addr, "nic %s: address remove %s", dps_nic_priv(nic)->name,
			      dps_addr_fmt(a, buf, sizeof(buf)));
	ep_set_kind(ep, DPS_EP_PERMANENT_EXPIRED);
	/*
	 * Later gVisor (36fbaac52): leave the solicited-node group when the address is removed,
	 * even while routes still hold the endpoint.
	 */
	if (!dps_ep_priv(ep)->left_group && ep_joins_solicited(nic->stack, ep, &g)) {
		dps_ep_priv(ep)->left_group = true;
		ret = leave_group_locked(nic, &g);
	}
	dps_endpoint_put_locked(ep);
	return ret;
}

int
dps_nic_remove_address(struct dps_nic *nic, const struct dps_addr *a)
{
	int ret;

	dps_stack_lock(nic->stack);
	ret = dps_nic_remove_address_locked(nic, a);
	dps_stack_unlock(nic->stack);
	return ret;
}

/* ---- multicast joins ---- */

static struct dps_join *
join_find(struct dps_nic *nic, const struct dps_addr *a)
{
	struct dps_join *j;

	TAILQ_FOREACH(j, &dps_nic_priv(nic)->joins, link)
		if (dps_addr_eq(&j->addr, a))
			return j;
	return NULL;
}

static int
join_group_locked(struct dps_nic *nic, uint16_t proto, const struct dps_addr *g)
{
	struct dps_join *j = join_find(nic, g);
	int slot, ret;

	if (j == NULL) {
		ret = check_addr(nic, proto, g, &slot);
		if (ret < 0)
			return ret;
		struct dps_prefix p = {.addr = *g, .plen = nic->stack->np[slot]->default_prefix_len};

		j = rte_zmalloc("dps_join", sizeof(*j), 0);
		if (j == NULL)
			return -ENOMEM;
		ret = dps_nic_add_address_locked(nic, proto, &p, DPS_PEB_NEVER_PRIMARY);
		if (ret < 0) {
			rte_free(j);
			return ret;
		}
		j->addr = *g;
		TAILQ_INSERT_TAIL(&dps_nic_priv(nic)->joins, j, link);
		/* The membership begins: the protocol's group management reports it once. */
		if (nic->stack->np[slot]->group_changed_locked != NULL)
			nic->stack->np[slot]->group_changed_locked(nic, g, true);
	}
	j->count++;
	return 0;
}

static int
leave_group_locked(struct dps_nic *nic, const struct dps_addr *g)
{
	struct dps_join *j = join_find(nic, g);
	int ret;

	if (j == NULL || j->count == 0)
		return -EADDRNOTAVAIL;
	if (j->count == 1) {
		/* Seed: an error here aborts without decrementing. */
		ret = dps_nic_remove_address_locked(nic, g);
		if (ret < 0)
			return ret;
		TAILQ_REMOVE(&dps_nic_priv(nic)->joins, j, link);
		rte_free(j);
		for (unsigned int i = 0; i < nic->stack->n_np; i++)
			if (nic->stack->np[i]->addr_len == g->len &&
			    nic->stack->np[i]->group_changed_locked != NULL) {
				nic->stack->np[i]->group_changed_locked(nic, g, false);
				break;
			}
		return 0;
	}
	j->count--;
	return 0;
}

int
dps_nic_join_group_locked(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group)
{
	return join_group_locked(nic, proto, group);
}

int
dps_nic_join_group(struct dps_nic *nic, uint16_t proto, const struct dps_addr *group)
{
	int ret;

	dps_stack_lock(nic->stack);
	ret = join_group_locked(nic, proto, group);
	dps_stack_unlock(nic->stack);
	return ret;
}

int
dps_nic_leave_group_locked(struct dps_nic *nic, const struct dps_addr *group)
{
	return leave_group_locked(nic, group);
}

int
dps_nic_leave_group(struct dps_nic *nic, const struct dps_addr *group)
{
	int ret;

	dps_stack_lock(nic->stack);
	ret = leave_group_locked(nic, group);
	dps_stack_unlock(nic->stack);
	return ret;
}

int
dps_nic_group_joins(struct dps_nic *nic, const struct dps_addr *group)
{
	struct dps_join *j;
	int n;

	dps_stack_lock(nic->stack);
	j = join_find(nic, group);
	n = j != NULL ? j->count : 0;
	dps_stack_unlock(nic->stack);
	return n;
}

/* ---- address ranges ---- */

static int
publish_ranges_locked(struct dps_nic *nic, struct dps_prefix_set *set)
{
	struct dps_prefix_set *old = nic->ranges;

	__atomic_store_n(&nic->ranges, set, __ATOMIC_RELEASE);
	if (old != NULL)
		dps_stack_defer_free_locked(nic->stack, rte_free, old);
	return 0;
}

int
dps_nic_add_range(struct dps_nic *nic, uint16_t proto, const struct dps_prefix *subnet)
{
	struct dps_prefix_set *old, *set;
	uint32_t n;

	RTE_SET_USED(proto); /* seed: the protocol argument is ignored */
	if (subnet == NULL || (subnet->addr.len != 4 && subnet->addr.len != 16) ||
	    subnet->plen > subnet->addr.len * 8)
		return -EINVAL;
	dps_stack_lock(nic->stack);
	old = nic->ranges;
	n = old != NULL ? old->n : 0;
	set = rte_zmalloc_socket("dps_ranges", sizeof(*set) + (n + 1) * sizeof(set->p[0]), 0,
				 dps_stack_priv(nic->stack)->socket_id);
	if (set == NULL) {
		dps_stack_unlock(nic->stack);
		return -ENOMEM;
	}
	if (n > 0)
		memcpy(set->p, old->p, n * sizeof(set->p[0]));
	set->p[n] = *subnet;
	set->n = n + 1;
	publish_ranges_locked(nic, set);
	dps_stack_unlock(nic->stack);
	return 0;
}

static bool
prefix_eq(const struct dps_prefix *a, const struct dps_prefix *b)
{
	return a->plen == b->plen && dps_addr_eq(&a->addr, &b->addr);
}

int
dps_nic_remove_range(struct dps_nic *nic, const struct dps_prefix *subnet)
{
	struct dps_prefix_set *old, *set = NULL;
	uint32_t keep = 0;

	if (subnet == NULL)
		return -EINVAL;
	dps_stack_lock(nic->stack);
	old = nic->ranges;
	for (uint32_t i = 0; old != NULL && i < old->n; i++)
		keep += !prefix_eq(&old->p[i], subnet);
	if (old == NULL || keep == old->n) {
		dps_stack_unlock(nic->stack);
		return 0; /* seed: silent when absent */
	}
	if (keep > 0) {
		set = rte_zmalloc_socket("dps_ranges", sizeof(*set) + keep * sizeof(set->p[0]), 0,
					 dps_stack_priv(nic->stack)->socket_id);
		if (set == NULL) {
			dps_stack_unlock(nic->stack);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < old->n; i++)
			if (!prefix_eq(&old->p[i], subnet))
				set->p[set->n++] = old->p[i];
	}
	publish_ranges_locked(nic, set);
	dps_stack_unlock(nic->stack);
	return 0;
}

bool
dps_nic_in_range_rcu(const struct dps_nic *nic, const struct dps_addr *a)
{
	const struct dps_prefix_set *set = __atomic_load_n(&nic->ranges, __ATOMIC_ACQUIRE);
	struct dps_addr net, bcast;

	for (uint32_t i = 0; set != NULL && i < set->n; i++) {
		const struct dps_prefix *p = &set->p[i];

		if (!dps_prefix_contains(p, a))
			continue;
		/* Seed: never the subnet address, nor its broadcast (FIXME b/137608825). */
		dps_prefix_network(p, &net);
		dps_prefix_broadcast(p, &bcast);
		if (dps_addr_eq(a, &net) || dps_addr_eq(a, &bcast))
			continue;
		return true;
	}
	return false;
}

/* ---- lasting references (seed getRefOrCreateTemp, primaryEndpoint) ---- */

static struct dps_endpoint *
get_ref_or_create_temp(struct dps_nic *nic, uint16_t proto, const struct dps_addr *a,
		       enum dps_peb peb, bool flag)
{
	struct dps_stack *s = nic->stack;
	struct dps_endpoint *ep;
	struct dps_prefix p;
	int slot;

	if (check_addr(nic, proto, a, &slot) < 0)
		return NULL;
	dps_stack_lock(s);
	ep = ep_find_locked(nic, a);
	if (ep != NULL) {
		if (ep_kind(ep) == DPS_EP_PERMANENT_EXPIRED && !flag) {
			ep = NULL;
			goto out;
		}
		if (dps_endpoint_tryget(ep))
			goto out;
	}
	ep = NULL;
	if (!flag && !dps_nic_in_range_rcu(nic, a))
		goto out;
	p.addr = *a;
	p.plen = s->np[slot]->default_prefix_len;
	if (ep_create_locked(nic, slot, &p, peb, DPS_EP_TEMPORARY, &ep) < 0)
		ep = NULL;
out:
	dps_stack_unlock(s);
	return ep;
}

struct dps_endpoint *
dps_nic_get_ref(struct dps_nic *nic, uint16_t proto, const struct dps_addr *a)
{
	return get_ref_or_create_temp(nic, proto, a, DPS_PEB_CAN_BE_PRIMARY,
				      dps_nic_promiscuous(nic));
}

struct dps_endpoint *
dps_nic_find_endpoint(struct dps_nic *nic, uint16_t proto, const struct dps_addr *a,
		      enum dps_peb peb)
{
	return get_ref_or_create_temp(nic, proto, a, peb, dps_nic_spoofing(nic));
}

static bool
primary_usable(const struct dps_nic *nic, const struct dps_endpoint *ep)
{
	const struct dps_netproto_ops *np = nic->stack->np[ep->np];

	/* Seed TODO: allow broadcast with SO_BROADCAST. */
	if (np->is_unspecified_or_broadcast != NULL && np->is_unspecified_or_broadcast(&ep->addr))
		return false;
	/* RFC 4862 5.4: a tentative address is not a source. */
	if (__atomic_load_n(&ep->dad, __ATOMIC_RELAXED) != 0)
		return false;
	return dps_endpoint_valid_for_outgoing(ep);
}

struct dps_endpoint *
dps_nic_primary_endpoint(struct dps_nic *nic, uint16_t proto)
{
	struct dps_endpoint *found = NULL;
	struct dps_ep_priv *pe;
	int slot = np_slot(nic->stack, proto);

	if (slot < 0)
		return NULL;
	dps_stack_lock(nic->stack);
	TAILQ_FOREACH(pe, &dps_nic_priv(nic)->primary_list[slot], primary_link) {
		if (primary_usable(nic, &pe->pub) && dps_endpoint_tryget(&pe->pub)) {
			found = &pe->pub;
			break;
		}
	}
	dps_stack_unlock(nic->stack);
	return found;
}

int
dps_nic_primary_addr_in_rcu(const struct dps_nic *nic, unsigned int np_slot,
			    const struct dps_prefix *in, struct dps_addr *out)
{
	const struct dps_ep_set *set;

	if (np_slot >= DPS_MAX_NETPROTO)
		return -EINVAL;
	set = __atomic_load_n(&dps_nic_priv(nic)->primary[np_slot], __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; set != NULL && i < set->n; i++) {
		const struct dps_endpoint *ep = set->ep[i];

		if ((in != NULL && !dps_prefix_contains(in, &ep->addr)) ||
		    __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE) <= 0 || !primary_usable(nic, ep))
			continue;
		*out = ep->addr;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

int
dps_nic_primary_addr_rcu(const struct dps_nic *nic, unsigned int np_slot, struct dps_addr *out)
{
	return dps_nic_primary_addr_in_rcu(nic, np_slot, NULL, out);
}

/*
 * The subnets of a NIC's primary addresses, for the protocols: membership and the all-ones
 * host address (a broadcast for IPv4; lib/proto decides what it means). Plain prefix
 * arithmetic on the snapshot: no protocol knowledge here.
 */
/* The published primary snapshot of a slot, or NULL (none, or a bad slot). */
static inline const struct dps_ep_set *
primary_snapshot_rcu(const struct dps_nic *nic, unsigned int np_slot)
{
	if (np_slot >= DPS_MAX_NETPROTO)
		return NULL;
	return __atomic_load_n(&dps_nic_priv(nic)->primary[np_slot], __ATOMIC_ACQUIRE);
}

/*
 * Whether a primary prefix of the slot matches a: contains it (allones false) or has it as
 * its all-ones host address with at least two host bits (allones true: a /31 or /32 has no
 * broadcast, RFC 3021).
 */
static bool
subnet_match_rcu(const struct dps_nic *nic, unsigned int np_slot, const struct dps_addr *a,
		 bool allones)
{
	const struct dps_ep_set *set = primary_snapshot_rcu(nic, np_slot);

	for (uint32_t i = 0; set != NULL && i < set->n; i++) {
		const struct dps_endpoint *ep = set->ep[i];
		struct dps_prefix p = {.addr = ep->addr, .plen = ep->prefix_len};
		struct dps_addr b;

		if (ep->addr.len != a->len)
			continue;
		if (a->len == 4) {
			/* IPv4 in one word: the forwarding path asks for every address ending in 11. */
			uint32_t x, base, mask;

			memcpy(&x, a->b, 4);
			memcpy(&base, ep->addr.b, 4);
			x = rte_be_to_cpu_32(x);
			base = rte_be_to_cpu_32(base);
			mask = ep->prefix_len == 0 ? 0 : ~0u << (32 - RTE_MIN(ep->prefix_len, 32));
			if (!allones) {
				if (((x ^ base) & mask) == 0)
					return true;
			} else if (ep->prefix_len <= 30 && (base | ~mask) == x) {
				return true;
			}
			continue;
		}
		if (!allones) {
			if (dps_prefix_contains(&p, a))
				return true;
			continue;
		}
		if (ep->prefix_len + 2 > a->len * 8)
			continue;
		dps_prefix_broadcast(&p, &b);
		if (dps_addr_eq(&b, a))
			return true;
	}
	return false;
}

bool
dps_nic_on_subnet_rcu(const struct dps_nic *nic, unsigned int np_slot, const struct dps_addr *a)
{
	return subnet_match_rcu(nic, np_slot, a, false);
}

bool
dps_nic_subnet_allones_rcu(const struct dps_nic *nic, unsigned int np_slot,
			   const struct dps_addr *a)
{
	return subnet_match_rcu(nic, np_slot, a, true);
}

bool
dps_nic_primary_snapshot_has(const struct dps_nic *nic, unsigned int np_slot,
			     const struct dps_endpoint *ep)
{
	const struct dps_ep_set *set = primary_snapshot_rcu(nic, np_slot);

	for (uint32_t i = 0; set != NULL && i < set->n; i++)
		if (set->ep[i] == ep)
			return true;
	return false;
}

/* ---- queries ---- */

static void
fill_pa(struct dps_protocol_address *pa, const struct dps_nic *nic, const struct dps_endpoint *ep)
{
	pa->proto = nic->stack->np[ep->np]->number;
	pa->prefix.addr = ep->addr;
	pa->prefix.plen = ep->prefix_len;
}

int
dps_nic_all_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max)
{
	struct dps_ep_priv *pe;
	int n = 0;

	dps_stack_lock(nic->stack);
	for (unsigned int slot = 0; slot < nic->stack->n_np; slot++) {
		TAILQ_FOREACH(pe, &dps_nic_priv(nic)->all, all_link) {
			const struct dps_endpoint *ep = &pe->pub;

			/* Seed: expired and temporary endpoints are not the caller's to use. */
			if (ep->np != slot || ep_kind(ep) != DPS_EP_PERMANENT)
				continue;
			if (n < max)
				fill_pa(&out[n], nic, ep);
			n++;
		}
	}
	dps_stack_unlock(nic->stack);
	return n;
}

int
dps_nic_primary_addresses(struct dps_nic *nic, struct dps_protocol_address *out, int max)
{
	struct dps_ep_priv *pe;
	int n = 0;

	dps_stack_lock(nic->stack);
	for (unsigned int slot = 0; slot < nic->stack->n_np; slot++) {
		TAILQ_FOREACH(pe, &dps_nic_priv(nic)->primary_list[slot], primary_link) {
			const struct dps_endpoint *ep = &pe->pub;

			if (ep_kind(ep) != DPS_EP_PERMANENT)
				continue;
			if (n < max)
				fill_pa(&out[n], nic, ep);
			n++;
		}
	}
	dps_stack_unlock(nic->stack);
	return n;
}

int
dps_nic_address_ranges(struct dps_nic *nic, struct dps_prefix *out, int max)
{
	const struct dps_prefix_set *set;
	struct dps_ep_priv *pe;
	int n = 0;

	dps_stack_lock(nic->stack);
	for (unsigned int slot = 0; slot < nic->stack->n_np; slot++) {
		TAILQ_FOREACH(pe, &dps_nic_priv(nic)->all, all_link) {
			const struct dps_endpoint *ep = &pe->pub;

			if (ep->np != slot)
				continue;
			if (n < max) {
				out[n].addr = ep->addr;
				out[n].plen = ep->addr.len * 8;
			}
			n++;
		}
	}
	set = nic->ranges;
	for (uint32_t i = 0; set != NULL && i < set->n; i++, n++)
		if (n < max)
			out[n] = set->p[i];
	dps_stack_unlock(nic->stack);
	return n;
}

int
dps_nic_ranges(struct dps_nic *nic, struct dps_prefix *out, int max)
{
	const struct dps_prefix_set *set;
	int n = 0;

	dps_stack_lock(nic->stack);
	set = nic->ranges;
	for (uint32_t i = 0; set != NULL && i < set->n; i++, n++)
		if (n < max)
			out[n] = set->p[i];
	dps_stack_unlock(nic->stack);
	return n;
}

int
dps_nic_endpoints(struct dps_nic *nic, struct dps_endpoint_info *out, int max)
{
	struct dps_ep_priv *pe, *pp;
	int n = 0;

	dps_stack_lock(nic->stack);
	for (unsigned int slot = 0; slot < nic->stack->n_np; slot++) {
		TAILQ_FOREACH(pe, &dps_nic_priv(nic)->all, all_link) {
			const struct dps_endpoint *ep = &pe->pub;
			int idx = -1, i = 0;

			if (ep->np != slot)
				continue;
			if (n < max) {
				if (pe->in_primary) {
					TAILQ_FOREACH(pp, &dps_nic_priv(nic)->primary_list[slot],
						      primary_link) {
						if (pp == pe) {
							idx = i;
							break;
						}
						i++;
					}
				}
				out[n].proto = nic->stack->np[slot]->number;
				out[n].prefix.addr = ep->addr;
				out[n].prefix.plen = ep->prefix_len;
				out[n].kind = (enum dps_ep_kind)ep_kind(ep);
				out[n].peb = (enum dps_peb)pe->peb;
				out[n].dad = (enum dps_dad_state)__atomic_load_n(&ep->dad,
										 __ATOMIC_RELAXED);
				out[n].refs = dps_endpoint_refs(ep);
				out[n].primary_index = idx;
			}
			n++;
		}
	}
	dps_stack_unlock(nic->stack);
	return n;
}

/* ---- NICs ---- */

int
dps_nic_create(struct dps_stack *s, const struct dps_nic_conf *conf, struct dps_nic **out)
{
	struct dps_nic_priv *np;
	struct dps_nic *nic;
	int ret = 0;

	if (conf == NULL || conf->name == NULL || conf->name[0] == '\0' ||
	    strlen(conf->name) >= sizeof(np->name) || conf->id >= DPS_MAX_NICS)
		return -EINVAL;
	dps_stack_lock(s);
	if (s->nics[conf->id] != NULL) {
		ret = -EEXIST;
		goto out;
	}
	for (unsigned int i = 0; i < DPS_MAX_NICS; i++) {
		if (s->nics[i] != NULL && strcmp(dps_nic_priv(s->nics[i])->name, conf->name) == 0) {
			ret = -EEXIST;
			goto out;
		}
	}
	np = rte_zmalloc_socket("dps_nic", sizeof(*np), RTE_CACHE_LINE_SIZE,
				dps_stack_priv(s)->socket_id);
	if (np == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	nic = &np->pub;
	nic->stack = s;
	nic->id = conf->id;
	nic->mtu = conf->mtu != 0 ? conf->mtu : RTE_ETHER_MTU;
	nic->mac = conf->mac;
	np->port_id = conf->port_id;
	np->xmit = conf->xmit;
	np->xmit_priv = conf->xmit_priv;
	np->forwarding = 1;
	np->redirects = 1;
	snprintf(np->name, sizeof(np->name), "%s", conf->name);
	for (unsigned int i = 0; i < DPS_MAX_NETPROTO; i++)
		TAILQ_INIT(&np->primary_list[i]);
	TAILQ_INIT(&np->all);
	TAILQ_INIT(&np->joins);
	__atomic_store_n(&s->nics[conf->id], nic, __ATOMIC_RELEASE);
	if (out != NULL)
		*out = nic;
out:
	dps_stack_unlock(s);
	return ret;
}

int
dps_nic_enable(struct dps_nic *nic)
{
	struct dps_stack *s = nic->stack;
	int ret = 0;

	dps_stack_lock(s);
	dps_nic_priv(nic)->enabled = true;
	/* Seed enable(): IPv4's broadcast endpoint, then IPv6's all-nodes group. */
	for (unsigned int i = 0; i < s->n_np && ret == 0; i++)
		if (s->np[i]->enable_locked != NULL)
			ret = s->np[i]->enable_locked(nic);
	dps_stack_unlock(s);
	return ret;
}

void
dps_nic_free_locked(struct dps_nic *nic)
{
	struct dps_stack *s = nic->stack;
	struct dps_ep_priv *pe;
	struct dps_join *j;

	while ((pe = TAILQ_FIRST(&dps_nic_priv(nic)->all)) != NULL) {
		struct dps_endpoint *ep = &pe->pub;
		struct dps_ep_key k;

		dps_ep_key_make(&k, nic->id, &ep->addr);
		if (rte_hash_del_key(s->ep_hash, &k) >= 0)
			ep_filter_del_locked(s, &ep->addr, ep->prefix_len);
		primary_remove_locked(nic, ep);
		TAILQ_REMOVE(&dps_nic_priv(nic)->all, pe, all_link);
		__atomic_store_n(&ep->refs, 0, __ATOMIC_RELEASE);
		dps_stack_defer_free_locked(s, ep_free_deferred, ep);
	}
	while ((j = TAILQ_FIRST(&dps_nic_priv(nic)->joins)) != NULL) {
		TAILQ_REMOVE(&dps_nic_priv(nic)->joins, j, link);
		rte_free(j);
	}
	for (unsigned int i = 0; i < DPS_MAX_NETPROTO; i++)
		if (dps_nic_priv(nic)->primary[i] != NULL)
			dps_stack_defer_free_locked(s, rte_free, dps_nic_priv(nic)->primary[i]);
	if (nic->ranges != NULL)
		dps_stack_defer_free_locked(s, rte_free, nic->ranges);
	__atomic_store_n(&s->nics[nic->id], NULL, __ATOMIC_RELEASE);
	dps_stack_defer_free_locked(s, rte_free, dps_nic_priv(nic));
}

struct dps_nic *
dps_stack_nic(struct dps_stack *s, uint16_t id)
{
	return dps_stack_nic_rcu(s, id);
}

struct dps_nic *
dps_stack_nic_by_name(struct dps_stack *s, const char *name)
{
	for (unsigned int i = 0; i < DPS_MAX_NICS; i++) {
		struct dps_nic *nic = dps_stack_nic_rcu(s, i);

		if (nic != NULL && name != NULL && strcmp(dps_nic_priv(nic)->name, name) == 0)
			return nic;
	}
	return NULL;
}

uint16_t
dps_nic_id(const struct dps_nic *nic)
{
	return nic->id;
}

uint16_t
dps_nic_port_id(const struct dps_nic *nic)
{
	return dps_nic_priv(nic)->port_id;
}

const char *
dps_nic_name(const struct dps_nic *nic)
{
	return dps_nic_priv(nic)->name;
}

struct dps_stack *
dps_nic_stack(const struct dps_nic *nic)
{
	return nic->stack;
}

const struct rte_ether_addr *
dps_nic_mac(const struct dps_nic *nic)
{
	return &nic->mac;
}

uint16_t
dps_nic_mtu(const struct dps_nic *nic)
{
	return __atomic_load_n(&nic->mtu, __ATOMIC_RELAXED);
}

void
dps_nic_set_mtu(struct dps_nic *nic, uint16_t mtu)
{
	__atomic_store_n(&nic->mtu, mtu, __ATOMIC_RELAXED);
}

/* The flags the data path reads once per burst: plain atomics, no lock (docs/architecture.md). */
#define DPS_NIC_FLAG(flag, field)                                                                  \
	void dps_nic_set_##flag(struct dps_nic *nic, bool on)                                      \
	{                                                                                          \
		__atomic_store_n(&(field), on, __ATOMIC_RELEASE);                                  \
	}                                                                                          \
	bool dps_nic_##flag(const struct dps_nic *nic)                                             \
	{                                                                                          \
		return __atomic_load_n(&(field), __ATOMIC_ACQUIRE) != 0;                           \
	}

DPS_NIC_FLAG(promiscuous, nic->promiscuous)
DPS_NIC_FLAG(spoofing, nic->spoofing)
DPS_NIC_FLAG(forwarding, dps_nic_priv(nic)->forwarding)
DPS_NIC_FLAG(redirects, dps_nic_priv(nic)->redirects)
DPS_NIC_FLAG(source_route, dps_nic_priv(nic)->source_route)
