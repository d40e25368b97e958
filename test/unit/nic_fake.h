/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fake network and transport protocols for the lib/nic rule tests, the concurrency stress and
 * the lookup benchmark (in the spirit of gVisor's fakeNetworkProtocol in stack_test.go).
 *
 * Header only: meson builds each test_*.c with dps_test.c alone, so everything here is static.
 *
 * The fake network header sits at the mbuf data start:
 *   byte 0      type: FAKE_T_OK, or FAKE_T_BAD (parse_burst reports -EBADMSG)
 *   byte 1      reserved
 *   bytes 2..   source address (addr_len bytes), then destination address (addr_len bytes)
 * so the minimum size is 2 + 2 * addr_len (10 for the IPv4-like fake, 34 for the IPv6-like one).
 * A transport header, when a test needs one, follows at fake_l4_off(addr_len).
 */
#ifndef DPS_NIC_FAKE_H
#define DPS_NIC_FAKE_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dps_demux.h"
#include "dps_nic.h"
#include "dps_nic_dp.h"
#include "dps_test.h"
#include "dps_test_util.h"

#define FAKE_V4 0x0800
#define FAKE_V6 0x86DD
#define FAKE_NOIP 0x88B5 /* IEEE local experimental ethertype: a non-IP fake */
#define FAKE_UNREG 0x1234 /* never registered */
#define FAKE_T_OK 0x00
#define FAKE_T_BAD 0xEE
#define FAKE_L2_LEN 14
#define FAKE_LOG_MAX 512

static inline uint16_t
fake_hdr_len(uint8_t addr_len)
{
	return (uint16_t)(2 + 2 * addr_len);
}

static inline uint16_t
fake_l4_off(uint8_t addr_len)
{
	return fake_hdr_len(addr_len);
}

/* ---- what the fakes saw (tests are single threaded except the stress test's hook) ---- */

struct fake_rec {
	unsigned int parsed;       /* packets handed to parse_burst */
	unsigned int parse_calls;
	unsigned int handled;      /* packets handed to handle_burst */
	unsigned int handle_calls;
	unsigned int forwarded;
	unsigned int forward_calls;
	unsigned int n_log;        /* destinations handled, in order */
	struct dps_addr log[FAKE_LOG_MAX];
	unsigned int n_fwd_log;
	struct dps_addr fwd_log[FAKE_LOG_MAX];
	char enable_order[16];     /* '4', '6', 'n' per enable_locked call */
	unsigned int enable_locked_held;
	unsigned int enable_unlocked;
	int enable_v4_ret;         /* injected error for the IPv4-like enable hook (0: none) */
	/* Optional hook for each packet delivered (stress test); runs on the reader's thread. */
	void (*on_deliver)(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *dst);
	/* Transport side. */
	unsigned int unknown_dest;
	bool unknown_dest_ret;
	bool validate_drop;
	unsigned int validated;
};

static struct fake_rec fake_rec;

static inline void
fake_rec_reset(void)
{
	memset(&fake_rec, 0, sizeof(fake_rec));
	fake_rec.unknown_dest_ret = true;
}

/* ---- addresses: A() and P() are in dps_test_util.h ---- */

static inline bool
fake_v4_unspec_or_bcast(const struct dps_addr *a)
{
	static const uint8_t zero[4], ones[4] = {255, 255, 255, 255};

	return a->len == 4 && (memcmp(a->b, zero, 4) == 0 || memcmp(a->b, ones, 4) == 0);
}

static inline bool
fake_v4_is_unicast(const struct dps_addr *a)
{
	return a->len == 4 && !fake_v4_unspec_or_bcast(a) && (a->b[0] & 0xf0) != 0xe0;
}

static inline bool
fake_v6_unspec(const struct dps_addr *a)
{
	static const uint8_t zero[16];

	return a->len == 16 && memcmp(a->b, zero, 16) == 0;
}

static inline bool
fake_v6_is_unicast(const struct dps_addr *a)
{
	return a->len == 16 && !fake_v6_unspec(a) && a->b[0] != 0xff;
}

/* ff02::1:ffXX:XXXX (RFC 4291 2.7.1) for a unicast address. */
static inline bool
fake_v6_solicited(const struct dps_addr *u, struct dps_addr *g)
{
	if (!fake_v6_is_unicast(u))
		return false;
	memset(g, 0, sizeof(*g));
	g->len = 16;
	g->b[0] = 0xff;
	g->b[1] = 0x02;
	g->b[11] = 0x01;
	g->b[12] = 0xff;
	g->b[13] = u->b[13];
	g->b[14] = u->b[14];
	g->b[15] = u->b[15];
	return true;
}

/* ---- fake network protocol hooks ---- */

static inline bool
fake_read_hdr(const struct rte_mbuf *m, uint8_t alen, uint8_t *type, struct dps_addr *src,
	      struct dps_addr *dst)
{
	uint8_t buf[2 + 2 * DPS_ADDR_MAX_LEN];
	const uint8_t *h;

	h = rte_pktmbuf_read(m, 0, fake_hdr_len(alen), buf);
	if (h == NULL)
		return false;
	*type = h[0];
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->len = dst->len = alen;
	memcpy(src->b, h + 2, alen);
	memcpy(dst->b, h + 2 + alen, alen);
	return true;
}

static inline bool
fake_src_is_multi(const struct dps_addr *a)
{
	static const uint8_t ones[4] = {255, 255, 255, 255};

	if (a->len == 4)
		return memcmp(a->b, ones, 4) == 0 || (a->b[0] & 0xf0) == 0xe0;
	return a->b[0] == 0xff;
}

static inline void
fake_parse_common(uint8_t alen, struct rte_mbuf **pkts, uint16_t n, struct dps_addr *src,
		  struct dps_addr *dst, int *status)
{
	/* The stress test's readers run this concurrently: count only in single-thread tests. */
	if (fake_rec.on_deliver == NULL) {
		fake_rec.parse_calls++;
		fake_rec.parsed += n;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint8_t type;

		if (!fake_read_hdr(pkts[i], alen, &type, &src[i], &dst[i]) || type == FAKE_T_BAD)
			status[i] = -EBADMSG;
		else if (fake_src_is_multi(&src[i]))
			status[i] = -EADDRNOTAVAIL;
		else
			status[i] = 0;
	}
}

static inline void
fake_parse4(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
	    struct dps_addr *src, struct dps_addr *dst, int *status)
{
	fake_parse_common(4, pkts, n, src, dst, status);
}

static inline void
fake_parse6(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
	    struct dps_addr *src, struct dps_addr *dst, int *status)
{
	fake_parse_common(16, pkts, n, src, dst, status);
}

static inline void
fake_consume(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
	     uint8_t alen, bool fwd)
{
	for (uint16_t i = 0; i < n; i++) {
		struct dps_addr src, dst;
		uint8_t type;

		if (fake_read_hdr(pkts[i], alen, &type, &src, &dst)) {
			if (fwd) {
				if (fake_rec.n_fwd_log < FAKE_LOG_MAX)
					fake_rec.fwd_log[fake_rec.n_fwd_log++] = dst;
			} else {
				if (fake_rec.on_deliver != NULL)
					fake_rec.on_deliver(ctx, nic, &dst);
				else if (fake_rec.n_log < FAKE_LOG_MAX)
					fake_rec.log[fake_rec.n_log++] = dst;
			}
		}
		rte_pktmbuf_free(pkts[i]);
	}
}

static inline void
fake_handle4(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	if (fake_rec.on_deliver == NULL) {
		fake_rec.handle_calls++;
		fake_rec.handled += n;
	}
	fake_consume(ctx, nic, pkts, n, 4, false);
}

static inline void
fake_handle6(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	if (fake_rec.on_deliver == NULL) {
		fake_rec.handle_calls++;
		fake_rec.handled += n;
	}
	fake_consume(ctx, nic, pkts, n, 16, false);
}

static inline void
fake_forward4(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	fake_rec.forward_calls++;
	fake_rec.forwarded += n;
	fake_consume(ctx, nic, pkts, n, 4, true);
}

static inline void
fake_forward6(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	fake_rec.forward_calls++;
	fake_rec.forwarded += n;
	fake_consume(ctx, nic, pkts, n, 16, true);
}

static inline void
fake_note_enable(struct dps_nic *nic, char tag)
{
	size_t l = strlen(fake_rec.enable_order);

	if (l + 1 < sizeof(fake_rec.enable_order))
		fake_rec.enable_order[l] = tag;
	/* The writer lock must be held by dps_nic_enable() while the hooks run. */
	if (dps_stack_trylock(nic->stack) == 0) {
		dps_stack_unlock(nic->stack);
		fake_rec.enable_unlocked++;
	} else {
		fake_rec.enable_locked_held++;
	}
}

static inline int
fake_enable4(struct dps_nic *nic)
{
	struct dps_prefix b = P("255.255.255.255/32");

	fake_note_enable(nic, '4');
	if (fake_rec.enable_v4_ret != 0)
		return fake_rec.enable_v4_ret;
	return dps_nic_add_address_locked(nic, FAKE_V4, &b, DPS_PEB_NEVER_PRIMARY);
}

static inline int
fake_enable6(struct dps_nic *nic)
{
	struct dps_addr g = A("ff02::1");

	fake_note_enable(nic, '6');
	return dps_nic_join_group_locked(nic, FAKE_V6, &g);
}

static inline int
fake_enable_noip(struct dps_nic *nic)
{
	fake_note_enable(nic, 'n');
	return 0;
}

static inline int
fake_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
	     const struct rte_ether_addr *ucast)
{
	return 0;
}

static inline void
fake_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
}

static inline bool
fake_noip_unicast(const struct dps_addr *a)
{
	return true;
}

static inline bool
fake_noip_never(const struct dps_addr *a)
{
	return false;
}

static const struct dps_netproto_ops fake_v4_ops = {
	.name = "fake4",
	.number = FAKE_V4,
	.addr_len = 4,
	.default_prefix_len = 32,
	.is_ip = true,
	.min_size = 10,
	.parse_burst = fake_parse4,
	.handle_burst = fake_handle4,
	.forward_burst = fake_forward4,
	.solicited_group = NULL,
	.is_unicast = fake_v4_is_unicast,
	.is_unspecified_or_broadcast = fake_v4_unspec_or_bcast,
	.enable_locked = fake_enable4,
	.solicit = fake_solicit,
	.unresolved = fake_unresolved,
};

static const struct dps_netproto_ops fake_v6_ops = {
	.name = "fake6",
	.number = FAKE_V6,
	.addr_len = 16,
	.default_prefix_len = 128,
	.is_ip = true,
	.min_size = 34,
	.parse_burst = fake_parse6,
	.handle_burst = fake_handle6,
	.forward_burst = fake_forward6,
	.solicited_group = fake_v6_solicited,
	.is_unicast = fake_v6_is_unicast,
	.is_unspecified_or_broadcast = fake_noip_never,
	.enable_locked = fake_enable6,
	.solicit = fake_solicit,
	.unresolved = fake_unresolved,
};

/* Not IP (ip.packets_received is not counted) and no forwarding hook. 4-byte addresses. */
static const struct dps_netproto_ops fake_noip_ops = {
	.name = "fakenoip",
	.number = FAKE_NOIP,
	.addr_len = 4,
	.default_prefix_len = 32,
	.is_ip = false,
	.min_size = 10,
	.parse_burst = fake_parse4,
	.handle_burst = fake_handle4,
	.forward_burst = NULL,
	.solicited_group = NULL,
	.is_unicast = fake_noip_unicast,
	.is_unspecified_or_broadcast = fake_noip_never,
	.enable_locked = fake_enable_noip,
	.solicit = fake_solicit,
	.unresolved = fake_unresolved,
};

/* ---- a capturing link ---- */

struct fake_link {
	unsigned int calls;
	unsigned int pkts;
	uint64_t bytes;
	int accept; /* how many of each burst the link takes; < 0: all */
};

static inline uint16_t
fake_xmit(void *priv, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct fake_link *l = priv;
	uint16_t take = (l->accept < 0 || l->accept > n) ? n : (uint16_t)l->accept;

	l->calls++;
	for (uint16_t i = 0; i < take; i++) {
		l->pkts++;
		l->bytes += rte_pktmbuf_pkt_len(pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
	return take;
}

/* ---- packets ---- */

/*
 * A fake network packet: link header in the headroom (l2_len), fake network header at the data
 * start, then extra bytes (a transport header, payload) copied from `l4` when given or zero.
 */
static inline struct rte_mbuf *
fake_pkt_ex(struct rte_mempool *mp, uint8_t type, const struct dps_addr *src,
	    const struct dps_addr *dst, const void *l4, uint16_t extra)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t alen = dst->len;
	uint16_t hl = fake_hdr_len(alen);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(FAKE_L2_LEN + hl + extra));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, FAKE_L2_LEN + hl + extra);
	rte_pktmbuf_adj(m, FAKE_L2_LEN);
	m->l2_len = FAKE_L2_LEN;
	p += FAKE_L2_LEN;
	p[0] = type;
	memcpy(p + 2, src->b, alen);
	memcpy(p + 2 + alen, dst->b, alen);
	if (l4 != NULL)
		memcpy(p + hl, l4, extra);
	return m;
}

static inline struct rte_mbuf *
fake_pkt(struct rte_mempool *mp, const struct dps_addr *src, const struct dps_addr *dst)
{
	return fake_pkt_ex(mp, FAKE_T_OK, src, dst, NULL, 8);
}

/* A packet of exactly len bytes (may be shorter than the fake header). */
static inline struct rte_mbuf *
fake_pkt_len(struct rte_mempool *mp, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)(FAKE_L2_LEN + len));
	memset(p, 0x11, FAKE_L2_LEN + len);
	rte_pktmbuf_adj(m, FAKE_L2_LEN);
	m->l2_len = FAKE_L2_LEN;
	return m;
}

/* The same packet as fake_pkt(), as a chain whose first segment holds only 3 bytes. */
static inline struct rte_mbuf *
fake_pkt_chain(struct rte_mempool *mp, const struct dps_addr *src, const struct dps_addr *dst)
{
	struct rte_mbuf *flat = fake_pkt(mp, src, dst), *h, *t;
	uint32_t len;
	const uint8_t *d;

	if (flat == NULL)
		return NULL;
	len = rte_pktmbuf_pkt_len(flat);
	d = rte_pktmbuf_mtod(flat, const uint8_t *);
	h = rte_pktmbuf_alloc(mp);
	t = rte_pktmbuf_alloc(mp);
	if (h == NULL || t == NULL) {
		rte_pktmbuf_free(flat);
		rte_pktmbuf_free(h);
		rte_pktmbuf_free(t);
		return NULL;
	}
	rte_pktmbuf_append(h, FAKE_L2_LEN + 3);
	rte_pktmbuf_adj(h, FAKE_L2_LEN);
	memcpy(rte_pktmbuf_mtod(h, uint8_t *), d, 3);
	memcpy(rte_pktmbuf_append(t, (uint16_t)(len - 3)), d + 3, len - 3);
	rte_pktmbuf_free(flat);
	if (rte_pktmbuf_chain(h, t) != 0) {
		rte_pktmbuf_free(h);
		rte_pktmbuf_free(t);
		return NULL;
	}
	h->l2_len = FAKE_L2_LEN;
	return h;
}

/* ---- fake transport protocol (UDP-like: number 17, 8-byte header, ports first) ---- */

#define FAKE_TP 17
#define FAKE_TP_BADPORT 0xFFFF /* a destination port parse_ports rejects */

static inline int
fake_tp_parse_ports(const struct rte_mbuf *m, uint32_t off, uint16_t *sport, uint16_t *dport)
{
	uint8_t buf[4];
	const uint8_t *p = rte_pktmbuf_read(m, off, 4, buf);

	if (p == NULL)
		return -EBADMSG;
	*sport = (uint16_t)(p[0] << 8 | p[1]);
	*dport = (uint16_t)(p[2] << 8 | p[3]);
	if (*dport == FAKE_TP_BADPORT)
		return -EBADMSG;
	return 0;
}

static inline bool
fake_tp_unknown(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	fake_rec.unknown_dest++;
	rte_pktmbuf_free(m);
	return fake_rec.unknown_dest_ret;
}

static inline int
fake_tp_validate(struct dps_ctx *ctx, const struct dps_pktinfo *info, struct rte_mbuf *m)
{
	fake_rec.validated++;
	return fake_rec.validate_drop ? -EBADMSG : 0;
}

static const struct dps_transproto_ops fake_tp_ops = {
	.name = "faketp",
	.number = FAKE_TP,
	.min_size = 8,
	.multicast_to_all = true,
	.count_unknown_port = true,
	.parse_ports = fake_tp_parse_ports,
	.handle_unknown_destination = fake_tp_unknown,
	.validate = fake_tp_validate,
};

/* A fake IPv4-like packet carrying a fake transport header (sport, dport) and payload. */
static inline struct rte_mbuf *
fake_tp_pkt(struct rte_mempool *mp, const struct dps_addr *src, const struct dps_addr *dst,
	    uint16_t sport, uint16_t dport, uint16_t l4_len)
{
	uint8_t l4[64] = {0};

	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (l4_len > sizeof(l4))
		l4_len = sizeof(l4);
	return fake_pkt_ex(mp, FAKE_T_OK, src, dst, l4, l4_len);
}

static inline void
fake_tp_info(struct dps_pktinfo *info, struct dps_nic *nic, const struct dps_addr *src,
	     const struct dps_addr *dst, uint8_t tproto, uint32_t l4_len)
{
	memset(info, 0, sizeof(*info));
	info->nic = nic;
	info->netproto = dst->len == 16 ? FAKE_V6 : FAKE_V4;
	info->np = (uint8_t)dps_stack_np_slot(dps_nic_stack(nic), info->netproto);
	info->tproto = tproto;
	info->l4_off = fake_l4_off(dst->len);
	info->l4_len = l4_len;
	info->local = *dst;
	info->remote = *src;
}

/* ---- fixture ---- */

struct fx {
	struct rte_mempool *pool;
	struct dps_stack *s;
	struct dps_nic *nic;  /* id 0 "n0" */
	struct dps_nic *nic2; /* id 1 "n1" */
	struct dps_ctx *ctx;  /* id 0 */
	struct fake_link link, link2;
	unsigned int baseline;
};

#define FX_NOIP 0x1   /* also register the non-IP fake (third) */
#define FX_ENABLE 0x2 /* enable both NICs */
#define FX_V6_FIRST 0x4 /* register the IPv6-like fake before the IPv4-like one */

static inline struct rte_mempool *
fake_pool(void)
{
	return dps_tu_pool("fake_pool", 4095);
}

static inline int
fx_nic(struct fx *f, uint16_t id, const char *name, struct fake_link *l, struct dps_nic **out)
{
	struct dps_nic_conf nc;

	memset(&nc, 0, sizeof(nc));
	nc.name = name;
	nc.id = id;
	nc.port_id = id;
	nc.mac.addr_bytes[0] = 0x02;
	nc.mac.addr_bytes[5] = (uint8_t)(id + 1);
	nc.mtu = 1500;
	nc.xmit = fake_xmit;
	nc.xmit_priv = l;
	l->accept = -1;
	return dps_nic_create(f->s, &nc, out);
}

/* Free what is left of f (idempotent); fx_done() also checks the pool. */
static inline void
fx_free(struct fx *f)
{
	if (f->ctx != NULL) {
		dps_ctx_flush(f->ctx);
		dps_ctx_free(f->ctx);
	}
	if (f->s != NULL)
		dps_stack_free(f->s);
	f->ctx = NULL;
	f->s = NULL;
	fake_rec.on_deliver = NULL;
}

/* The case's cleanup (dps_test_defer): a case that failed half-way frees its stack here. */
static inline void
fx_free_deferred(void *arg)
{
	fx_free(arg);
}

/*
 * f must outlive the case (static: the SETUP macros declare it so): its cleanup runs when the
 * case ends, after a failed CHECK too.
 */
static inline int
fx_setup_conf(struct fx *f, unsigned int flags, uint32_t max_endpoints)
{
	struct dps_stack_conf sc;
	char name[32];
	int rc;

	memset(f, 0, sizeof(*f));
	fake_rec_reset();
	f->pool = fake_pool();
	if (f->pool == NULL)
		return -ENOMEM;
	f->baseline = rte_mempool_in_use_count(f->pool);
	dps_test_defer(fx_free_deferred, f);
	dps_test_watch_pool(f->pool);
	dps_tu_stack_conf(&sc, name, "fx");
	sc.max_endpoints = max_endpoints;
	rc = dps_stack_create(&sc, &f->s);
	if (rc != 0)
		return rc;
	if (flags & FX_V6_FIRST) {
		if ((rc = dps_stack_register_netproto(f->s, &fake_v6_ops)) != 0 ||
		    (rc = dps_stack_register_netproto(f->s, &fake_v4_ops)) != 0)
			return rc;
	} else {
		if ((rc = dps_stack_register_netproto(f->s, &fake_v4_ops)) != 0 ||
		    (rc = dps_stack_register_netproto(f->s, &fake_v6_ops)) != 0)
			return rc;
	}
	if ((flags & FX_NOIP) && (rc = dps_stack_register_netproto(f->s, &fake_noip_ops)) != 0)
		return rc;
	if ((rc = dps_stack_register_transproto(f->s, &fake_tp_ops)) != 0)
		return rc;
	if ((rc = fx_nic(f, 0, "n0", &f->link, &f->nic)) != 0 ||
	    (rc = fx_nic(f, 1, "n1", &f->link2, &f->nic2)) != 0)
		return rc;
	if (flags & FX_ENABLE) {
		if ((rc = dps_nic_enable(f->nic)) != 0 || (rc = dps_nic_enable(f->nic2)) != 0)
			return rc;
	}
	return dps_ctx_create(f->s, 0, 0, f->pool, SOCKET_ID_ANY, &f->ctx);
}

static inline int
fx_setup(struct fx *f, unsigned int flags)
{
	return fx_setup_conf(f, flags, 8192);
}

/* Free everything; true if every mbuf came back to the pool. */
static inline bool
fx_done(struct fx *f)
{
	unsigned int in_use;

	fx_free(f);
	in_use = rte_mempool_in_use_count(f->pool);
	if (in_use != f->baseline)
		printf("  mbuf leak: %u in use, baseline %u\n", in_use, f->baseline);
	return in_use == f->baseline;
}

static inline uint64_t
fx_cnt(struct fx *f, struct dps_nic *nic, enum dps_counter c)
{
	return dps_stack_counter(f->s, nic == NULL ? -1 : dps_nic_id(nic), c);
}

/* Find the endpoint info of an address on a NIC; false if there is none. */
static inline bool
fx_ep(struct dps_nic *nic, const char *addr, struct dps_endpoint_info *out)
{
	struct dps_endpoint_info info[256];
	struct dps_addr a = A(addr);
	int n = dps_nic_endpoints(nic, info, 256);

	for (int i = 0; i < n && i < 256; i++) {
		if (dps_addr_eq(&info[i].prefix.addr, &a)) {
			if (out != NULL)
				*out = info[i];
			return true;
		}
	}
	return false;
}

static inline int
fx_n_endpoints(struct dps_nic *nic)
{
	return dps_nic_endpoints(nic, NULL, 0);
}

/*
 * The data path's primary snapshot (dps_nic_primary_addr_rcu) names the same first usable
 * primary address as the writer's list (dps_nic_primary_endpoint), or both none, for each
 * fake IP protocol. A skipped or stale snapshot rebuild shows here. Prints the difference.
 */
static inline bool
fx_primary_agrees(struct dps_nic *nic)
{
	static const uint16_t protos[] = {FAKE_V4, FAKE_V6};
	const struct dps_stack *s = dps_nic_stack(nic);
	bool ok = true;

	for (unsigned int i = 0; i < RTE_DIM(protos); i++) {
		int slot = dps_stack_np_slot(s, protos[i]);
		struct dps_endpoint *ep;
		struct dps_addr dp;
		int rc;

		if (slot < 0)
			continue;
		rc = dps_nic_primary_addr_rcu(nic, (unsigned int)slot, &dp);
		ep = dps_nic_primary_endpoint(nic, protos[i]);
		if ((rc == 0) != (ep != NULL) ||
		    (ep != NULL && !dps_addr_eq(&dp, dps_endpoint_addr(ep)))) {
			char a[64] = "none", b[64] = "none";

			if (rc == 0)
				dps_addr_fmt(&dp, a, sizeof(a));
			if (ep != NULL)
				dps_addr_fmt(dps_endpoint_addr(ep), b, sizeof(b));
			printf("  primary of proto %#x: data-path snapshot %s, control path %s\n",
			       protos[i], a, b);
			ok = false;
		}
		if (ep != NULL)
			dps_endpoint_put(ep);
	}
	return ok;
}

/* Every add and remove of the rule tests also checks the snapshot against the writer. */
static inline int
fx_add(struct dps_nic *nic, const char *prefix, enum dps_peb peb)
{
	struct dps_prefix p = P(prefix);
	int rc = dps_nic_add_address(nic, p.addr.len == 16 ? FAKE_V6 : FAKE_V4, &p, peb);

	if (!fx_primary_agrees(nic))
		dps_test_failed = true;
	return rc;
}

static inline int
fx_del(struct dps_nic *nic, const char *addr)
{
	struct dps_addr a = A(addr);
	int rc = dps_nic_remove_address(nic, &a);

	if (!fx_primary_agrees(nic))
		dps_test_failed = true;
	return rc;
}

static inline struct dps_endpoint *
fx_get_ref(struct dps_nic *nic, const char *addr)
{
	struct dps_addr a = A(addr);

	return dps_nic_get_ref(nic, a.len == 16 ? FAKE_V6 : FAKE_V4, &a);
}

static inline struct dps_endpoint *
fx_find(struct dps_nic *nic, const char *addr, enum dps_peb peb)
{
	struct dps_addr a = A(addr);

	return dps_nic_find_endpoint(nic, a.len == 16 ? FAKE_V6 : FAKE_V4, &a, peb);
}

static inline int
fx_joins(struct dps_nic *nic, const char *group)
{
	struct dps_addr g = A(group);

	return dps_nic_group_joins(nic, &g);
}

/* Deliver one packet from src to dst on nic; returns how many the fake handled. */
static inline unsigned int
fx_send(struct fx *f, struct dps_nic *nic, const char *src, const char *dst)
{
	struct dps_addr s = A(src), d = A(dst);
	struct rte_mbuf *m = fake_pkt(f->pool, &s, &d);
	unsigned int before = fake_rec.handled;

	if (m == NULL)
		return 0;
	dps_nic_deliver_network(f->ctx, nic, d.len == 16 ? FAKE_V6 : FAKE_V4, &m, 1);
	return fake_rec.handled - before;
}

/* Primary addresses as a space-separated string ("a b c"). */
static inline const char *
fx_primary_str(struct dps_nic *nic, char *buf, size_t len)
{
	struct dps_protocol_address pa[64];
	int n = dps_nic_primary_addresses(nic, pa, 64);
	size_t o = 0;

	buf[0] = '\0';
	if (!fx_primary_agrees(nic)) {
		snprintf(buf, len, "(data-path snapshot disagrees)");
		return buf;
	}
	for (int i = 0; i < n && i < 64; i++) {
		char a[64];

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      dps_addr_fmt(&pa[i].prefix.addr, a, sizeof(a)));
		if (o >= len)
			break;
	}
	return buf;
}

#endif
