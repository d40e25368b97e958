/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transport demultiplexing: the seed's DeliverTransportPacket, DeliverTransportControlPacket
 * and transport_demuxer.go. Endpoints live in an rte_hash with lock-free readers; a per-port
 * bitmap lets a datagram to a port nobody bound skip the four lookups.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dps_demux.h"
#include "dps_nic_priv.h"

struct dps_tep_key {
	uint16_t netproto;
	uint8_t tproto;
	uint8_t laddr_len;
	uint8_t raddr_len;
	uint8_t pad;
	uint16_t lport;
	uint16_t rport;
	uint16_t pad2;
	uint8_t laddr[DPS_ADDR_MAX_LEN];
	uint8_t raddr[DPS_ADDR_MAX_LEN];
	uint32_t pad3;
} __rte_aligned(8);

struct dps_tep {
	struct dps_tep_id id;
	uint16_t netproto;
	uint8_t tproto;
	dps_tep_rx_t rx;
	dps_tep_ctl_t ctl;
	void *arg;
	int32_t hash_pos;
	struct dps_stack *stack;
};

struct dps_raw {
	uint16_t netproto;
	uint8_t tproto;
	dps_tep_rx_t rx;
	void *arg;
	struct dps_raw *next; /* writer-side list */
};

/* Immutable snapshot of the raw endpoints of one transport protocol. */
struct dps_raw_set {
	uint32_t n;
	struct dps_raw *raw[];
};

struct dps_default {
	dps_default_handler_t fn;
	void *arg;
};

/*
 * The seed's four id forms, most specific first; an endpoint is bound under exactly one. Each
 * local port has a mask of the forms bound on it, so a datagram tries only lookups that can
 * match: an unbound port costs none, an echo service bound to the port alone costs one.
 */
enum tep_form {
	FORM_FULL = 0,  /* local address, remote address and port */
	FORM_NO_LOCAL,  /* remote address and port */
	FORM_NO_REMOTE, /* local address */
	FORM_PORT,      /* port only */
	FORM_MAX
};

struct dps_demux {
	struct rte_hash *h;
	const struct dps_transproto_ops *tp[256];
	uint8_t *forms[256];     /* RCU-read: per local port, a mask of the forms bound */
	uint16_t *formcnt[256];  /* writer: endpoints per (form, local port) */
	struct dps_raw_set *raw[256];
	struct dps_raw *raw_list[256];
	unsigned int n_raw; /* bound raw endpoints, at most DPS_MAX_RAW */
	struct dps_default *dflt[256];
	unsigned int count;
};

int
dps_demux_create(struct dps_stack *s)
{
	struct dps_demux *d;
	uint32_t max;

	d = rte_zmalloc_socket("dps_demux", sizeof(*d), RTE_CACHE_LINE_SIZE,
			       dps_stack_priv(s)->socket_id);
	if (d == NULL)
		return -ENOMEM;
	/*
	 * Headroom over the bound dps_tep_bind() enforces: an unbound endpoint holds its key
	 * slot for a grace period, and a cuckoo table refuses inserts before it is full.
	 */
	max = dps_stack_priv(s)->conf.max_transport;
	d->h = dps_stack_lf_hash_create(s, "tep", d, max + max / 4 + 64,
					sizeof(struct dps_tep_key));
	if (d->h == NULL) {
		rte_free(d);
		return -ENOMEM;
	}
	dps_stack_priv(s)->demux = d;
	return 0;
}

void
dps_demux_free(struct dps_stack *s)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	const void *key;
	void *data;
	uint32_t it = 0;

	if (d == NULL)
		return;
	/* No reader is online any more: free directly. */
	while (rte_hash_iterate(d->h, &key, &data, &it) >= 0)
		rte_free(data);
	rte_hash_free(d->h);
	for (unsigned int i = 0; i < 256; i++) {
		struct dps_raw *r = d->raw_list[i];

		while (r != NULL) {
			struct dps_raw *next = r->next;

			rte_free(r);
			r = next;
		}
		rte_free(d->raw[i]);
		rte_free(d->forms[i]);
		rte_free(d->formcnt[i]);
		rte_free(d->dflt[i]);
	}
	rte_free(d);
	dps_stack_priv(s)->demux = NULL;
}

int
dps_stack_register_transproto(struct dps_stack *s, const struct dps_transproto_ops *ops)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	int ret = 0;

	if (ops == NULL || ops->parse_ports == NULL || ops->handle_unknown_destination == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	if (d->tp[ops->number] != NULL) {
		ret = -EEXIST;
		goto out;
	}
	d->forms[ops->number] = rte_zmalloc_socket("dps_forms", 65536, RTE_CACHE_LINE_SIZE,
						   dps_stack_priv(s)->socket_id);
	d->formcnt[ops->number] = rte_zmalloc("dps_formcnt", FORM_MAX * 65536 * sizeof(uint16_t),
					      0);
	if (d->forms[ops->number] == NULL || d->formcnt[ops->number] == NULL) {
		rte_free(d->forms[ops->number]);
		rte_free(d->formcnt[ops->number]);
		d->forms[ops->number] = NULL;
		d->formcnt[ops->number] = NULL;
		ret = -ENOMEM;
		goto out;
	}
	__atomic_store_n(&d->tp[ops->number], ops, __ATOMIC_RELEASE);
out:
	dps_stack_unlock(s);
	return ret;
}

const struct dps_transproto_ops *
dps_stack_transproto(const struct dps_stack *s, uint8_t number)
{
	return __atomic_load_n(&dps_stack_priv(s)->demux->tp[number], __ATOMIC_ACQUIRE);
}

static inline void
tep_key_make(struct dps_tep_key *k, uint16_t netproto, uint8_t tproto, uint16_t lport,
	     const struct dps_addr *laddr, uint16_t rport, const struct dps_addr *raddr)
{
	memset(k, 0, sizeof(*k));
	k->netproto = netproto;
	k->tproto = tproto;
	k->lport = lport;
	k->rport = rport;
	if (laddr != NULL && laddr->len != 0) {
		k->laddr_len = laddr->len;
		memcpy(k->laddr, laddr->b, laddr->len);
	}
	if (raddr != NULL && raddr->len != 0) {
		k->raddr_len = raddr->len;
		memcpy(k->raddr, raddr->b, raddr->len);
	}
}

static inline uint8_t
port_forms(const struct dps_demux *d, uint8_t tproto, uint16_t port)
{
	return __atomic_load_n(&d->forms[tproto][port], __ATOMIC_ACQUIRE);
}

static enum tep_form
tep_form(const struct dps_tep_id *id)
{
	bool local = id->local_addr.len != 0;
	bool remote = id->remote_addr.len != 0 || id->remote_port != 0;

	if (local)
		return remote ? FORM_FULL : FORM_NO_REMOTE;
	return remote ? FORM_NO_LOCAL : FORM_PORT;
}

/* Writer: one more (delta 1) or one less (-1) endpoint of this form on its port. */
static void
form_count_locked(struct dps_demux *d, uint8_t tproto, const struct dps_tep_id *id, int delta)
{
	enum tep_form f = tep_form(id);
	uint16_t *cnt = &d->formcnt[tproto][f * 65536 + id->local_port];
	uint8_t *mask = &d->forms[tproto][id->local_port];

	*cnt = (uint16_t)(*cnt + delta);
	/* Set before the endpoint is published, cleared after it is unlinked. */
	if (*cnt == 0)
		__atomic_store_n(mask, (uint8_t)(*mask & ~(1u << f)), __ATOMIC_RELEASE);
	else
		__atomic_store_n(mask, (uint8_t)(*mask | (1u << f)), __ATOMIC_RELEASE);
}

int
dps_tep_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto, const struct dps_tep_id *id,
	     dps_tep_rx_t rx, dps_tep_ctl_t ctl, void *arg, struct dps_tep **out)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_tep_key k;
	struct dps_tep *t;
	int32_t pos;
	int ret = 0;

	if (id == NULL || rx == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	if (d->tp[tproto] == NULL) {
		ret = -EPROTONOSUPPORT;
		goto out;
	}
	tep_key_make(&k, netproto, tproto, id->local_port, &id->local_addr, id->remote_port,
		     &id->remote_addr);
	if (rte_hash_lookup(d->h, &k) >= 0) {
		ret = -EADDRINUSE;
		goto out;
	}
	/* The bound is the configured one, whatever room the cuckoo table has left. */
	if (d->count >= dps_stack_priv(s)->conf.max_transport) {
		dps_stack_ctl_cnt_inc_locked(dps_stack_priv(s), DPS_CNT_TRANSPORT_BIND_FULL);
		ret = -ENOSPC;
		goto out;
	}
	t = rte_zmalloc_socket("dps_tep", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       dps_stack_priv(s)->socket_id);
	if (t == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	t->id = *id;
	t->netproto = netproto;
	t->tproto = tproto;
	t->rx = rx;
	t->ctl = ctl;
	t->arg = arg;
	t->stack = s;
	form_count_locked(d, tproto, id, 1);
	pos = rte_hash_add_key_data(d->h, &k, t);
	if (pos == -ENOSPC) {
		/* Key slots of unbound endpoints wait for their grace period: end it, retry. */
		dps_stack_synchronize_locked(s);
		pos = rte_hash_add_key_data(d->h, &k, t);
	}
	if (pos < 0) {
		form_count_locked(d, tproto, id, -1);
		rte_free(t);
		if (pos == -ENOSPC)
			dps_stack_ctl_cnt_inc_locked(dps_stack_priv(s), DPS_CNT_TRANSPORT_BIND_FULL);
		ret = pos;
		goto out;
	}
	/* rte_hash_add_key_data() returns 0, not the key slot: ask for the slot to free later. */
	t->hash_pos = rte_hash_lookup(d->h, &k);
	d->count++;
	if (out != NULL)
		*out = t;
out:
	dps_stack_unlock(s);
	return ret;
}

static void
tep_free_deferred(void *arg)
{
	struct dps_tep *t = arg;

	rte_hash_free_key_with_position(dps_stack_priv(t->stack)->demux->h, t->hash_pos);
	rte_free(t);
}

int
dps_tep_unbind(struct dps_stack *s, struct dps_tep *t)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_tep_key k;

	if (t == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	tep_key_make(&k, t->netproto, t->tproto, t->id.local_port, &t->id.local_addr,
		     t->id.remote_port, &t->id.remote_addr);
	if (rte_hash_del_key(d->h, &k) < 0) {
		dps_stack_unlock(s);
		return -ENOENT;
	}
	form_count_locked(d, t->tproto, &t->id, -1);
	d->count--;
	dps_stack_defer_free_locked(s, tep_free_deferred, t);
	dps_stack_unlock(s);
	return 0;
}

const struct dps_tep_id *
dps_tep_id(const struct dps_tep *tep)
{
	return &tep->id;
}

unsigned int
dps_demux_count(const struct dps_stack *s)
{
	return dps_stack_priv(s)->demux->count;
}

/* ---- raw endpoints ---- */

static int
publish_raw_locked(struct dps_stack *s, uint8_t tproto)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_raw_set *set = NULL, *old = d->raw[tproto];
	uint32_t n = 0;

	for (struct dps_raw *r = d->raw_list[tproto]; r != NULL; r = r->next)
		n++;
	if (n > 0) {
		set = rte_zmalloc_socket("dps_raw_set", sizeof(*set) + n * sizeof(set->raw[0]), 0,
					 dps_stack_priv(s)->socket_id);
		if (set == NULL)
			return -ENOMEM;
		for (struct dps_raw *r = d->raw_list[tproto]; r != NULL; r = r->next)
			set->raw[set->n++] = r;
	}
	__atomic_store_n(&d->raw[tproto], set, __ATOMIC_RELEASE);
	if (old != NULL)
		dps_stack_defer_free_locked(s, rte_free, old);
	return 0;
}

int
dps_raw_bind(struct dps_stack *s, uint16_t netproto, uint8_t tproto, dps_tep_rx_t rx, void *arg,
	     struct dps_raw **out)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_raw *r;
	int ret;

	if (rx == NULL)
		return -EINVAL;
	r = rte_zmalloc("dps_raw", sizeof(*r), 0);
	if (r == NULL)
		return -ENOMEM;
	r->netproto = netproto;
	r->tproto = tproto;
	r->rx = rx;
	r->arg = arg;
	dps_stack_lock(s);
	if (d->n_raw >= DPS_MAX_RAW) {
		dps_stack_ctl_cnt_inc_locked(dps_stack_priv(s), DPS_CNT_TRANSPORT_BIND_FULL);
		dps_stack_unlock(s);
		rte_free(r);
		return -ENOSPC;
	}
	r->next = d->raw_list[tproto];
	d->raw_list[tproto] = r;
	ret = publish_raw_locked(s, tproto);
	if (ret < 0) {
		d->raw_list[tproto] = r->next;
		rte_free(r);
	} else {
		d->n_raw++;
		if (out != NULL)
			*out = r;
	}
	dps_stack_unlock(s);
	return ret;
}

int
dps_raw_unbind(struct dps_stack *s, struct dps_raw *raw)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_raw **pp;
	int ret = -ENOENT;

	if (raw == NULL)
		return -EINVAL;
	dps_stack_lock(s);
	for (pp = &d->raw_list[raw->tproto]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == raw) {
			*pp = raw->next;
			ret = publish_raw_locked(s, raw->tproto);
			if (ret == 0) {
				d->n_raw--;
				dps_stack_defer_free_locked(s, rte_free, raw);
			} else {
				raw->next = *pp;
				*pp = raw;
			}
			break;
		}
	}
	dps_stack_unlock(s);
	return ret;
}

int
dps_stack_set_default_handler(struct dps_stack *s, uint8_t tproto, dps_default_handler_t h,
			      void *arg)
{
	struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_default *nd = NULL, *old;

	if (h != NULL) {
		nd = rte_zmalloc("dps_default", sizeof(*nd), 0);
		if (nd == NULL)
			return -ENOMEM;
		nd->fn = h;
		nd->arg = arg;
	}
	dps_stack_lock(s);
	old = d->dflt[tproto];
	__atomic_store_n(&d->dflt[tproto], nd, __ATOMIC_RELEASE);
	if (old != NULL)
		dps_stack_defer_free_locked(s, rte_free, old);
	dps_stack_unlock(s);
	return 0;
}

/* ---- delivery ---- */

static void
deliver_raw(struct dps_ctx *ctx, const struct dps_demux *d, const struct dps_pktinfo *info,
	    const struct rte_mbuf *m)
{
	const struct dps_raw_set *set = __atomic_load_n(&d->raw[info->tproto], __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; set != NULL && i < set->n; i++) {
		struct dps_raw *r = set->raw[i];
		struct rte_mbuf *c;

		if (r->netproto != 0 && r->netproto != info->netproto)
			continue;
		/* Seed: each raw endpoint gets a copy of its own. */
		c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (unlikely(c == NULL)) {
			dps_cnt_inc(ctx, info->nic->id, DPS_CNT_RAW_COPY_FAILED);
			continue;
		}
		dps_cnt_inc(ctx, info->nic->id, DPS_CNT_RAW_DELIVERED);
		r->rx(ctx, NULL, c, info, r->arg);
	}
}

/* Which parts of the 4-tuple each key form carries (the seed's lookup order, FORM_*). */
static const struct {
	bool local, remote;
} form_parts[FORM_MAX] = {
	[FORM_FULL] = {true, true},
	[FORM_NO_LOCAL] = {false, true},
	[FORM_NO_REMOTE] = {true, false},
	[FORM_PORT] = {false, false},
};

/* The seed's lookup order over the forms present on the port (mask from port_forms()). */
static unsigned int
demux_lookup(const struct dps_demux *d, const struct dps_pktinfo *info, uint8_t mask,
	     uint16_t lport, const struct dps_addr *laddr, uint16_t rport,
	     const struct dps_addr *raddr, struct dps_tep **found, bool all)
{
	struct dps_tep_key k;
	void *data;
	unsigned int n = 0;

	for (unsigned int f = 0; f < FORM_MAX; f++) {
		if (!(mask & (1u << f)))
			continue;
		tep_key_make(&k, info->netproto, info->tproto, lport,
			     form_parts[f].local ? laddr : NULL, form_parts[f].remote ? rport : 0,
			     form_parts[f].remote ? raddr : NULL);
		if (rte_hash_lookup_data(d->h, &k, &data) >= 0) {
			found[n++] = data;
			if (!all)
				break;
		}
	}
	return n;
}

void
dps_nic_deliver_transport(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	struct dps_stack *s = ctx->stack;
	const struct dps_demux *d = dps_stack_priv(s)->demux;
	const struct dps_transproto_ops *tp = __atomic_load_n(&d->tp[info->tproto],
							      __ATOMIC_ACQUIRE);
	const uint16_t nid = info->nic->id;
	const struct dps_default *dh;
	struct dps_tep *found[FORM_MAX];
	unsigned int nfound = 0;
	uint8_t mask;

	if (unlikely(tp == NULL)) {
		dps_cnt_inc(ctx, nid, info->netproto == RTE_ETHER_TYPE_IPV4 ?
					      DPS_CNT_IP4_UNKNOWN_PROTOCOL :
					      DPS_CNT_IP6_UNKNOWN_NEXTHDR);
		dps_cnt_inc(ctx, nid, DPS_CNT_UNKNOWN_PROTOCOL_RCVD);
		rte_pktmbuf_free(m);
		return;
	}
	/* Seed: raw endpoints see the packet before it is checked at all. */
	if (unlikely(__atomic_load_n(&d->raw[info->tproto], __ATOMIC_RELAXED) != NULL))
		deliver_raw(ctx, d, info, m);
	if (unlikely(info->l4_len < tp->min_size || (uint32_t)info->l4_off + info->l4_len >
						       m->pkt_len) ||
	    unlikely(tp->parse_ports(m, info->l4_off, &info->sport, &info->dport) < 0)) {
		dps_cnt_inc(ctx, nid, DPS_CNT_TRANSPORT_TOO_SHORT);
		dps_cnt_inc(ctx, nid, DPS_CNT_MALFORMED_RCVD);
		rte_pktmbuf_free(m);
		return;
	}
	if (tp->validate != NULL && unlikely(tp->validate(ctx, info, m) < 0)) {
		rte_pktmbuf_free(m);
		return;
	}
	mask = port_forms(d, info->tproto, info->dport);
	if (mask != 0) {
		/* Seed: UDP to a multicast or broadcast address reaches every match. */
		bool all = info->local_is_multi && tp->multicast_to_all;

		nfound = demux_lookup(d, info, mask, info->dport, &info->local, info->sport,
				      &info->remote, found, all);
	}
	if (nfound > 0) {
		for (unsigned int i = 0; i + 1 < nfound; i++) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

			if (unlikely(c == NULL)) {
				dps_cnt_inc(ctx, nid, DPS_CNT_NO_MBUF);
				continue;
			}
			found[i]->rx(ctx, found[i], c, info, found[i]->arg);
		}
		found[nfound - 1]->rx(ctx, found[nfound - 1], m, info, found[nfound - 1]->arg);
		return;
	}
	if (tp->count_unknown_port)
		dps_cnt_inc(ctx, nid, DPS_CNT_UDP_UNKNOWN_PORT_ERRORS);
	dh = __atomic_load_n(&d->dflt[info->tproto], __ATOMIC_ACQUIRE);
	if (dh != NULL && dh->fn(ctx, info, m, dh->arg))
		return;
	if (!tp->handle_unknown_destination(ctx, info, m)) {
		dps_cnt_inc(ctx, nid, DPS_CNT_TRANSPORT_TOO_SHORT);
		dps_cnt_inc(ctx, nid, DPS_CNT_MALFORMED_RCVD);
	}
}

void
dps_nic_deliver_transport_control(struct dps_ctx *ctx, struct dps_nic *nic,
				  const struct dps_addr *local, const struct dps_addr *remote,
				  uint16_t netproto, uint8_t tproto, enum dps_control_type type,
				  uint32_t extra, const struct rte_mbuf *m, uint32_t off)
{
	const struct dps_demux *d = dps_stack_priv(ctx->stack)->demux;
	const struct dps_transproto_ops *tp = __atomic_load_n(&d->tp[tproto], __ATOMIC_ACQUIRE);
	struct dps_pktinfo info = {.nic = nic, .netproto = netproto, .tproto = tproto};
	struct dps_tep *t;
	uint16_t sport, dport;
	uint8_t mask;

	RTE_SET_USED(info.np);
	if (tp == NULL)
		return;
	/* Seed: ICMPv4 only guarantees 8 bytes of the quoted transport header. */
	if (off > m->pkt_len || m->pkt_len - off < 8)
		return;
	if (tp->parse_ports(m, off, &sport, &dport) < 0)
		return;
	mask = port_forms(d, tproto, sport);
	if (mask == 0)
		return;
	/* Reversed: the quoted packet is one we sent. */
	if (demux_lookup(d, &info, mask, sport, local, dport, remote, &t, false) == 0)
		return;
	if (t->ctl != NULL)
		t->ctl(ctx, t, (int)type, extra, m, t->arg);
}

/* ---- bulk lookup (a fast path's demux pass over a burst) ---- */

dps_tep_rx_t
dps_tep_rx(const struct dps_tep *tep)
{
	return tep->rx;
}

bool
dps_demux_port_wild(const struct dps_stack *s, uint8_t tproto, uint16_t port)
{
	const struct dps_demux *d = dps_stack_priv(s)->demux;

	/* forms[] is set before the protocol is published (dps_stack_register_transproto). */
	if (__atomic_load_n(&d->tp[tproto], __ATOMIC_ACQUIRE) == NULL)
		return false;
	return port_forms(d, tproto, port) == 1u << FORM_PORT;
}

#define DEMUX_BULK_KEYS (DPS_BURST * FORM_MAX)

int
dps_demux_lookup_bulk(const struct dps_stack *s, uint16_t netproto, uint8_t tproto,
		      uint8_t alen, const struct dps_demux_query *q, uint16_t n,
		      struct dps_tep **tep)
{
	const struct dps_demux *d = dps_stack_priv(s)->demux;
	struct dps_tep_key key[DEMUX_BULK_KEYS];
	const void *kp[DEMUX_BULK_KEYS];
	void *data[DEMUX_BULK_KEYS];
	uint8_t first[DPS_BURST], nkeys[DPS_BURST];
	uint64_t hit[DEMUX_BULK_KEYS / 64] = {0};
	int32_t wild_port = -1; /* the port of the last port-alone key, and its index */
	uint16_t nk = 0, wild_key = 0;
	struct dps_addr la = {.len = alen}, ra = {.len = alen};

	if (n > DPS_BURST || alen > DPS_ADDR_MAX_LEN)
		return -EINVAL;
	if (__atomic_load_n(&d->tp[tproto], __ATOMIC_ACQUIRE) == NULL)
		return -EPROTONOSUPPORT;
	/* Seed: raw endpoints get a copy of every datagram before the demux: not ours to skip. */
	if (__atomic_load_n(&d->raw[tproto], __ATOMIC_ACQUIRE) != NULL)
		return -EAGAIN;
	for (uint16_t i = 0; i < n; i++) {
		uint8_t mask;

		/*
		 * The port of the last datagram whose port had wildcard binds only: the same key.
		 * Its forms were read once for the burst (a bind lands between two bursts, or in
		 * one as if just before or after it).
		 */
		if (q[i].lport == wild_port) {
			first[i] = (uint8_t)wild_key;
			nkeys[i] = 1;
			continue;
		}
		mask = port_forms(d, tproto, q[i].lport);
		first[i] = (uint8_t)nk;
		for (unsigned int f = 0; f < FORM_MAX; f++) {
			if (!(mask & (1u << f)))
				continue;
			if (form_parts[f].local)
				memcpy(la.b, q[i].laddr, alen);
			if (form_parts[f].remote)
				memcpy(ra.b, q[i].raddr, alen);
			tep_key_make(&key[nk], netproto, tproto, q[i].lport,
				     form_parts[f].local ? &la : NULL,
				     form_parts[f].remote ? q[i].rport : 0,
				     form_parts[f].remote ? &ra : NULL);
			kp[nk] = &key[nk];
			if (f == FORM_PORT && mask == 1u << FORM_PORT) {
				wild_port = q[i].lport;
				wild_key = nk;
			}
			nk++;
		}
		nkeys[i] = (uint8_t)(nk - first[i]);
	}
	/* rte_hash bulk lookups take at most RTE_HASH_LOOKUP_BULK_MAX (64) keys. */
	for (uint16_t off = 0; off < nk; off += RTE_HASH_LOOKUP_BULK_MAX)
		rte_hash_lookup_bulk_data(d->h, &kp[off],
					  RTE_MIN((uint32_t)(nk - off), (uint32_t)RTE_HASH_LOOKUP_BULK_MAX),
					  &hit[off / RTE_HASH_LOOKUP_BULK_MAX], &data[off]);
	for (uint16_t i = 0; i < n; i++) {
		tep[i] = NULL;
		/* The demuxer's order: the first form that matched (keys were made in that order). */
		for (uint16_t k = first[i]; k < first[i] + nkeys[i]; k++) {
			if ((hit[k / 64] >> (k % 64)) & 1) {
				tep[i] = data[k];
				break;
			}
		}
	}
	return 0;
}
