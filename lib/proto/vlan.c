/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 802.1Q VLAN interfaces (IEEE 802.1Q-2018 9.6, docs/protocols.md "VLANs").
 *
 * A VLAN NIC is an ordinary NIC of the stack (its own addresses, routes, neighbours and
 * counters) whose link is its parent port's, through dps_vlan_xmit(): the tag goes on as a
 * frame leaves. On receive, the parent NIC's dps_eth_input_burst() looks the tag up in the
 * parent's table (one pointer, read once per burst, NULL on a port without VLANs: that port
 * pays one load per burst), takes the tag off and hands each child its frames as a burst of
 * untagged frames, which take the same fast path as the parent's own (fastpath.c).
 *
 * The tables are published whole (copy, change, release store) and the old copy freed after
 * a grace period, so the receive path needs no lock; a change is seen at the next burst.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

/* ---- transmit ---- */

/* Tag one frame in software; a frame that cannot be tagged is left as it was. */
static int
vlan_tag(struct rte_mbuf **mp, uint16_t tci)
{
	struct rte_mbuf *m = *mp, *c;

	m->vlan_tci = tci;
	/* rte_vlan_insert() writes into the first segment: never into data shared with others. */
	if (likely(RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1))
		return rte_vlan_insert(mp);
	c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	if (c == NULL)
		return -ENOMEM;
	c->vlan_tci = tci;
	if (rte_vlan_insert(&c) != 0) {
		rte_pktmbuf_free(c);
		return -ENOSPC;
	}
	rte_pktmbuf_free(m);
	*mp = c;
	return 0;
}

uint16_t
dps_vlan_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dps_vlan_link *l = priv;
	uint16_t k = n;

	if (l->hw_insert) {
		/* The PMD inserts l->tci (RTE_ETH_TX_OFFLOAD_VLAN_INSERT, enabled at configure). */
		for (uint16_t i = 0; i < n; i++) {
			pkts[i]->vlan_tci = l->tci;
			pkts[i]->ol_flags |= RTE_MBUF_F_TX_VLAN;
		}
		return l->xmit(l->xmit_priv, queue, pkts, n);
	}
	for (uint16_t i = 0; i < k;) {
		struct rte_mbuf *bad;

		if (likely(vlan_tag(&pkts[i], l->tci) == 0)) {
			i++;
			continue;
		}
		/* Rare (no headroom, no mbuf): to the tail, which the caller frees as unsent. */
		bad = pkts[i];
		memmove(&pkts[i], &pkts[i + 1], (size_t)(n - i - 1) * sizeof(pkts[0]));
		pkts[n - 1] = bad;
		k--;
	}
	if (k == 0)
		return 0;
	return l->xmit(l->xmit_priv, queue, pkts, k);
}

/* ---- configuration ---- */

static void
vlan_tbl_free(void *arg)
{
	rte_free(arg);
}

/* Publish t as parent's table, the old one freed after a grace period. Writer lock held. */
static void
vlan_publish_locked(struct dps_stack *s, struct dps_vlan_tbl **slot, struct dps_vlan_tbl *t)
{
	struct dps_vlan_tbl *old = *slot;

	if (t != NULL && t->n == 0) {
		rte_free(t);
		t = NULL;
	}
	__atomic_store_n(slot, t, __ATOMIC_RELEASE);
	if (old != NULL)
		dps_stack_defer_free_locked(s, vlan_tbl_free, old);
}

static struct dps_vlan_tbl *
vlan_tbl_copy(const struct dps_vlan_tbl *old)
{
	struct dps_vlan_tbl *t = rte_zmalloc("dps_vlan", sizeof(*t), RTE_CACHE_LINE_SIZE);

	if (t != NULL && old != NULL)
		memcpy(t, old, sizeof(*t));
	return t;
}

/* Whether nic is some NIC's VLAN: its parent's id, or -1. Writer lock held. */
static int
vlan_parent_locked(struct dps_vlan_tbl *const *slots, uint16_t id, uint16_t *vid)
{
	for (unsigned int p = 0; p < DPS_MAX_NICS; p++) {
		const struct dps_vlan_tbl *t = slots[p];

		if (t == NULL)
			continue;
		for (unsigned int v = 1; v <= DPS_VLAN_ID_MAX; v++)
			if (t->child[v] == id + 1) {
				if (vid != NULL)
					*vid = (uint16_t)v;
				return (int)p;
			}
	}
	return -1;
}

/*
 * Map vid to child slot value (NIC id + 1, or 0 to remove it) in a copy of *slot, published
 * whole: readers see the table before or after the change. Writer lock held.
 */
static int
vlan_set_locked(struct dps_stack *s, struct dps_vlan_tbl **slot, uint16_t vid, uint16_t value)
{
	struct dps_vlan_tbl *t = vlan_tbl_copy(*slot);

	if (t == NULL)
		return -ENOMEM;
	if (value != 0)
		t->n++;
	else
		t->n--;
	t->child[vid] = value;
	vlan_publish_locked(s, slot, t);
	return 0;
}

int
dps_vlan_add(struct dps_nic *parent, uint16_t vid, struct dps_nic *child)
{
	struct dps_vlan_tbl **slots;
	struct dps_stack *s;
	int rc = 0;

	if (parent == NULL || child == NULL || parent == child || parent->stack != child->stack ||
	    vid == 0 || vid > DPS_VLAN_ID_MAX)
		return -EINVAL;
	s = parent->stack;
	slots = dps_vlan_slots(s);
	if (slots == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	/* One level of tags: a VLAN has none of its own, a parent is no VLAN (no QinQ). */
	if (slots[child->id] != NULL || vlan_parent_locked(slots, parent->id, NULL) >= 0) {
		rc = -EINVAL;
		goto out;
	}
	if (vlan_parent_locked(slots, child->id, NULL) >= 0 ||
	    (slots[parent->id] != NULL && slots[parent->id]->child[vid] != 0)) {
		rc = -EEXIST;
		goto out;
	}
	rc = vlan_set_locked(s, &slots[parent->id], vid, (uint16_t)(child->id + 1));
out:
	dps_stack_unlock(s);
	return rc;
}

int
dps_vlan_del(struct dps_nic *parent, uint16_t vid)
{
	struct dps_vlan_tbl **slots;
	struct dps_stack *s;
	int rc = 0;

	if (parent == NULL || vid == 0 || vid > DPS_VLAN_ID_MAX)
		return -EINVAL;
	s = parent->stack;
	slots = dps_vlan_slots(s);
	if (slots == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	if (slots[parent->id] == NULL || slots[parent->id]->child[vid] == 0) {
		rc = -ENOENT;
		goto out;
	}
	rc = vlan_set_locked(s, &slots[parent->id], vid, 0);
out:
	dps_stack_unlock(s);
	return rc;
}

uint16_t
dps_vlan_of(struct dps_nic *nic, uint16_t *parent)
{
	struct dps_vlan_tbl **slots;
	uint16_t vid = 0;
	int p;

	if (nic == NULL || (slots = dps_vlan_slots(nic->stack)) == NULL)
		return 0;
	dps_stack_lock(nic->stack);
	p = vlan_parent_locked(slots, nic->id, &vid);
	dps_stack_unlock(nic->stack);
	if (p < 0)
		return 0;
	if (parent != NULL)
		*parent = (uint16_t)p;
	return vid;
}
