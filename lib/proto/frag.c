/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reassembly of IPv4 and IPv6 fragments for local delivery (RFC 791 3.2, RFC 815, RFC 8200
 * 4.5, RFC 5722, RFC 1858, RFC 7112), one table per context (worker lcore), no locks.
 *
 * Why a tracker in front of rte_ip_frag: DPDK 22.11's table frees a datagram that times out
 * without telling anyone (no callback), so the Time Exceeded that RFC 792 and RFC 8200 4.5
 * ask for when the first fragment was held could not be sent; it cannot tell an exact
 * duplicate (RFC 8200 4.5: may be dropped alone) from an overlap (RFC 5722: the whole
 * datagram goes); and an entry cannot be dropped on demand. So each context keeps its own
 * bounded table of datagrams being reassembled (key, arrival time, the fragments sorted by
 * offset, at most RTE_LIBRTE_IP_FRAG_MAX_FRAG of them, what one rte_ip_frag entry holds) and
 * checks every fragment against it; once the fragments cover the datagram without a gap,
 * they are handed to rte_ipv4/ipv6_frag_reassemble_packet() in offset order, which chains
 * them and rewrites the header (the DPDK table then holds an entry only during that call).
 * Timeouts are the tracker's: dps_proto_ctx_poll() frees what has waited too long, after
 * the error about the first fragment.
 */
#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define FRAG_MAX_PIECES RTE_LIBRTE_IP_FRAG_MAX_FRAG
#define FRAG6_HLEN 8
#define NIL 0u /* list and chain links are index + 1 */

struct frag_key {
	uint16_t nic;
	uint8_t fam;   /* 4 or 6 */
	uint8_t proto; /* IPv4 protocol (part of the RFC 791 key); 0 for IPv6 */
	uint32_t id;   /* as in the header */
	uint8_t src[16];
	uint8_t dst[16];
};

struct frag_piece {
	struct rte_mbuf *m; /* the fragment as received: data at its IP header */
	uint16_t ofs;       /* offset of its data in the datagram's fragmentable part */
	uint16_t len;       /* bytes of data */
};

struct frag_dg {
	struct frag_key key;
	uint64_t deadline; /* TSC */
	uint32_t hnext;    /* hash chain */
	uint32_t prev, next; /* age list (oldest first); next also links the free list */
	uint32_t total;    /* datagram's data length, from the last fragment; 0: unknown */
	uint8_t n;         /* pieces, sorted by ofs */
	struct frag_piece p[FRAG_MAX_PIECES];
};

struct dps_reasm {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
	uint64_t timeout_tsc;
	uint32_t cap, mask; /* datagrams, hash buckets - 1 */
	uint32_t *bucket;
	uint32_t age_head, age_tail, free_head;
	struct frag_dg dg[];
};

static inline struct dps_reasm *
reasm_of(const struct dps_ctx *ctx)
{
	return ctx->proto;
}

static inline void
frag_cnt(struct dps_ctx *ctx, uint16_t nic, uint8_t fam, enum dps_counter c4,
	 enum dps_counter c6, uint64_t v)
{
	dps_cnt_add(ctx, nic, fam == 4 ? c4 : c6, v);
}

#define FCNT(ctx, nic, fam, name, v)                                                              \
	frag_cnt(ctx, nic, fam, DPS_CNT_IP4_##name, DPS_CNT_IP6_##name, v)

static inline uint32_t
frag_hash(const struct dps_reasm *r, const struct frag_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x9e3779b9u) & r->mask;
}

static struct frag_dg *
frag_find(struct dps_reasm *r, const struct frag_key *k, uint32_t b)
{
	for (uint32_t i = r->bucket[b]; i != NIL; i = r->dg[i - 1].hnext)
		if (memcmp(&r->dg[i - 1].key, k, sizeof(*k)) == 0)
			return &r->dg[i - 1];
	return NULL;
}

static struct frag_dg *
frag_new(struct dps_reasm *r, const struct frag_key *k, uint32_t b, uint64_t now)
{
	uint32_t i = r->free_head;
	struct frag_dg *d;

	if (i == NIL)
		return NULL;
	d = &r->dg[i - 1];
	r->free_head = d->next;
	memset(d, 0, sizeof(*d));
	d->key = *k;
	/* RFC 791 3.2 / RFC 8200 4.5: the timer starts with the first fragment to arrive. */
	d->deadline = now + r->timeout_tsc;
	d->hnext = r->bucket[b];
	r->bucket[b] = i;
	/* Every datagram gets the same timeout: the age list is in deadline order. */
	d->prev = r->age_tail;
	if (r->age_tail != NIL)
		r->dg[r->age_tail - 1].next = i;
	else
		r->age_head = i;
	r->age_tail = i;
	return d;
}

/* Unlink d from its chain and the age list and put it on the free list (mbufs untouched). */
static void
frag_release(struct dps_reasm *r, struct frag_dg *d)
{
	uint32_t i = (uint32_t)(d - r->dg) + 1;
	uint32_t *pp = &r->bucket[frag_hash(r, &d->key)];

	while (*pp != i)
		pp = &r->dg[*pp - 1].hnext;
	*pp = d->hnext;
	if (d->prev != NIL)
		r->dg[d->prev - 1].next = d->next;
	else
		r->age_head = d->next;
	if (d->next != NIL)
		r->dg[d->next - 1].prev = d->prev;
	else
		r->age_tail = d->prev;
	d->n = 0;
	d->next = r->free_head;
	r->free_head = i;
}

/* Free every held fragment of d, each counted under c4/c6, and release d. */
static void
frag_drop_all(struct dps_ctx *ctx, struct dps_reasm *r, struct frag_dg *d, enum dps_counter c4,
	      enum dps_counter c6)
{
	for (uint8_t i = 0; i < d->n; i++)
		rte_pktmbuf_free(d->p[i].m);
	frag_cnt(ctx, d->key.nic, d->key.fam, c4, c6, d->n);
	frag_release(r, d);
}

/* Drop m and count it. */
static inline void
frag_drop(struct dps_ctx *ctx, uint16_t nic, struct rte_mbuf *m, enum dps_counter c)
{
	dps_cnt_inc(ctx, nic, c);
	rte_pktmbuf_free(m);
}

/*
 * Hand d's fragments to rte_ip_frag in offset order (first, middle ones, last): the last call
 * returns the chained datagram. Returns it with the data at its IP header and the received
 * Ethernet header in front of it, as ipv4.c / ipv6.c expect, or NULL (counted).
 */
static struct rte_mbuf *
frag_complete(struct dps_ctx *ctx, struct dps_reasm *r, struct frag_dg *d, uint64_t now)
{
	const uint16_t nic = d->key.nic;
	const uint8_t fam = d->key.fam;
	const uint16_t l2 = d->p[0].m->l2_len;
	struct rte_mbuf *out = NULL;
	uint8_t n = d->n;

	frag_release(r, d);
	for (uint8_t i = 0; i < n; i++) {
		struct rte_mbuf *m = d->p[i].m;

		/*
		 * The data starts at the IP header (the Ethernet header stays in the headroom):
		 * l2_len 0 for rte_ip_frag, which strips l2_len + l3_len of each later fragment.
		 */
		m->l2_len = 0;
		if (fam == 4) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

			m->l3_len = rte_ipv4_hdr_len(ip);
			out = rte_ipv4_frag_reassemble_packet(r->tbl, &r->dr, m, now, ip);
		} else {
			struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);

			m->l3_len = DPS_IP6_HLEN + FRAG6_HLEN;
			out = rte_ipv6_frag_reassemble_packet(r->tbl, &r->dr, m, now, ip,
							      (struct rte_ipv6_fragment_ext *)(ip + 1));
		}
		if (out != NULL && i + 1 < n) {
			/* Cannot happen with a complete, checked set; never leak it if it does. */
			rte_pktmbuf_free(out);
			out = NULL;
		}
	}
	if (r->dr.cnt != 0) {
		FCNT(ctx, nic, fam, FRAG_MALFORMED, r->dr.cnt);
		rte_ip_frag_free_death_row(&r->dr, 0);
	}
	if (out == NULL)
		return NULL;
	/* Our software checksums: no TX offload request, no RX verdict of a fragment. */
	out->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 |
			   RTE_MBUF_F_RX_L4_CKSUM_MASK);
	out->l2_len = l2;
	if (fam == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(out, struct rte_ipv4_hdr *);

		out->l3_len = rte_ipv4_hdr_len(ip);
		dps_ip4_set_cksum(ip);
	} else {
		/*
		 * rte_ip_frag moved the IPv6 header up over the Fragment header: move the
		 * received Ethernet header with it, the replies read the sender's MAC there.
		 */
		uint8_t *data = rte_pktmbuf_mtod(out, uint8_t *);

		if (out->data_off >= l2 + FRAG6_HLEN)
			memmove(data - l2, data - l2 - FRAG6_HLEN, l2);
		else
			out->l2_len = 0;
		out->l3_len = DPS_IP6_HLEN;
	}
	FCNT(ctx, nic, fam, REASSEMBLED, 1);
	return out;
}

/*
 * Add one checked fragment (data [ofs, ofs + len), more = M flag) of datagram k. Returns the
 * datagram when it is complete, else NULL (m kept, or dropped and counted).
 */
static struct rte_mbuf *
frag_add(struct dps_ctx *ctx, struct dps_reasm *r, const struct frag_key *k,
	 struct rte_mbuf *m, uint32_t ofs, uint32_t len, bool more)
{
	const uint64_t now = rte_get_tsc_cycles();
	const uint32_t end = ofs + len;
	uint32_t b = frag_hash(r, k), pos, covered;
	struct frag_dg *d;

	dps_reasm_expire(ctx, now);
	FCNT(ctx, k->nic, k->fam, FRAGS_RCVD, 1);
	d = frag_find(r, k, b);
	if (d == NULL) {
		d = frag_new(r, k, b, now);
		if (d == NULL) {
			/* Bounded: what is held stays; a new datagram waits for room. */
			FCNT(ctx, k->nic, k->fam, FRAG_FULL, 1);
			rte_pktmbuf_free(m);
			return NULL;
		}
	}
	/* The last fragment fixes the length; a second, different one is inconsistent. */
	if ((!more && d->total != 0 && d->total != end) || (d->total != 0 && end > d->total) ||
	    (!more && d->n != 0 && d->p[d->n - 1].ofs + d->p[d->n - 1].len > end)) {
		FCNT(ctx, k->nic, k->fam, FRAG_MALFORMED, 1);
		rte_pktmbuf_free(m);
		frag_drop_all(ctx, r, d, DPS_CNT_IP4_FRAG_MALFORMED, DPS_CNT_IP6_FRAG_MALFORMED);
		return NULL;
	}
	for (pos = 0; pos < d->n && d->p[pos].ofs < ofs; pos++)
		;
	for (uint8_t i = 0; i < d->n; i++) {
		const struct frag_piece *p = &d->p[i];

		if (p->ofs == ofs && p->len == len) {
			/* RFC 8200 4.5: an exact duplicate may be dropped alone; so in IPv4. */
			FCNT(ctx, k->nic, k->fam, FRAG_DUPLICATE, 1);
			rte_pktmbuf_free(m);
			return NULL;
		}
		if (ofs < (uint32_t)p->ofs + p->len && p->ofs < end) {
			/*
			 * RFC 5722 4: overlapping fragments end the reassembly, every fragment
			 * held is discarded. IPv4 the same (RFC 791's overwrite invites the
			 * evasion attacks of RFC 1858 / RFC 3128).
			 */
			FCNT(ctx, k->nic, k->fam, FRAG_OVERLAP, 1);
			rte_pktmbuf_free(m);
			frag_drop_all(ctx, r, d, DPS_CNT_IP4_FRAG_OVERLAP, DPS_CNT_IP6_FRAG_OVERLAP);
			return NULL;
		}
	}
	if (d->n == FRAG_MAX_PIECES) {
		FCNT(ctx, k->nic, k->fam, FRAG_MALFORMED, 1);
		rte_pktmbuf_free(m);
		frag_drop_all(ctx, r, d, DPS_CNT_IP4_FRAG_MALFORMED, DPS_CNT_IP6_FRAG_MALFORMED);
		return NULL;
	}
	memmove(&d->p[pos + 1], &d->p[pos], (d->n - pos) * sizeof(d->p[0]));
	d->p[pos] = (struct frag_piece){.m = m, .ofs = (uint16_t)ofs, .len = (uint16_t)len};
	d->n++;
	if (!more)
		d->total = end;
	if (d->total == 0 || d->p[0].ofs != 0)
		return NULL;
	/* Sorted and without overlap: complete when each piece starts where the last ended. */
	covered = 0;
	for (uint8_t i = 0; i < d->n; i++) {
		if (d->p[i].ofs != covered)
			return NULL;
		covered += d->p[i].len;
	}
	if (covered != d->total)
		return NULL;
	return frag_complete(ctx, r, d, now);
}

void
dps_reasm_expire(struct dps_ctx *ctx, uint64_t now)
{
	struct dps_reasm *r = reasm_of(ctx);
	bool routed = ctx->routed_reply;

	if (r == NULL)
		return;
	/* The error goes back the way the first fragment came. */
	ctx->routed_reply = false;
	while (r->age_head != NIL && r->dg[r->age_head - 1].deadline <= now) {
		struct frag_dg *d = &r->dg[r->age_head - 1];
		struct dps_nic *nic = dps_stack_nic_rcu(ctx->stack, d->key.nic);

		/*
		 * RFC 792 / RFC 1122 3.2.1.4 and RFC 8200 4.5: Time Exceeded, code 1 (fragment
		 * reassembly time exceeded), only when the first fragment arrived (it is the
		 * one quoted). The error rules (multicast, rate limit) are applied there.
		 */
		if (nic != NULL && d->n != 0 && d->p[0].ofs == 0) {
			if (d->key.fam == 4)
				(void)dps_icmp4_error_ex(ctx, nic, d->p[0].m, DPS_ICMP4_TIME_EXCEEDED,
							 DPS_ICMP4_REASM_EXCEEDED, 0, true);
			else
				(void)dps_icmp6_error_ex(ctx, nic, d->p[0].m, DPS_ICMP6_TIME_EXCEEDED,
							 DPS_ICMP6_REASM_EXCEEDED, 0, true, false);
		}
		frag_drop_all(ctx, r, d, DPS_CNT_IP4_FRAG_TIMEOUT, DPS_CNT_IP6_FRAG_TIMEOUT);
	}
	ctx->routed_reply = routed;
}

struct rte_mbuf *
dps_frag4_input(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	struct dps_reasm *r = reasm_of(ctx);
	uint8_t buf[20];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_read(m, 0, sizeof(buf), buf);
	struct frag_key k;
	uint32_t hlen, len, ofs, tmin;
	uint16_t fo;
	bool more;

	if (r == NULL) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP4_FRAGMENTS);
		return NULL;
	}
	hlen = rte_ipv4_hdr_len(ip);
	fo = rte_be_to_cpu_16(ip->fragment_offset);
	more = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	len = m->pkt_len - hlen;
	/* rte_ip_frag reads the header in place. */
	if (m->data_len < hlen) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP4_FRAG_MALFORMED);
		return NULL;
	}
	/*
	 * RFC 791 3.2: every fragment but the last carries a multiple of 8 bytes (and some); the
	 * datagram fits the 16-bit total length.
	 */
	if ((more && (len == 0 || (len & 7) != 0)) || (!more && len == 0 && ofs == 0) ||
	    ofs + len + hlen > UINT16_MAX) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP4_FRAG_MALFORMED);
		return NULL;
	}
	/*
	 * RFC 1858 3.1/3.2 (and RFC 3128): a first fragment too short for the transport header,
	 * or a TCP fragment at offset 8 (it could rewrite the flags of the first), is refused.
	 */
	tmin = ip->next_proto_id == IPPROTO_TCP ? 20 : ip->next_proto_id == IPPROTO_UDP ||
	       ip->next_proto_id == IPPROTO_ICMP ? 8 : 0;
	if ((ofs == 0 && len < tmin) || (ip->next_proto_id == IPPROTO_TCP && ofs == 8)) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP4_FRAG_TINY);
		return NULL;
	}
	memset(&k, 0, sizeof(k));
	k.nic = nic->id;
	k.fam = 4;
	k.proto = ip->next_proto_id;
	k.id = ip->packet_id;
	memcpy(k.src, &ip->src_addr, 4);
	memcpy(k.dst, &ip->dst_addr, 4);
	return frag_add(ctx, r, &k, m, ofs, len, more);
}

/* RFC 7112 5: the bytes of the upper-layer header that must be in the first fragment. */
static bool
frag6_chain_complete(const struct rte_mbuf *m, uint32_t off, uint8_t nh)
{
	for (int i = 0; i < DPS_IP6_MAX_EXT; i++) {
		uint8_t e[2];
		uint32_t need;

		switch (nh) {
		case DPS_IP6_NH_HOPOPTS:
		case DPS_IP6_NH_ROUTING:
		case DPS_IP6_NH_DSTOPTS:
		case DPS_IP6_NH_FRAGMENT:
		case 51: /* AH, RFC 4302: length in 4-byte words minus 2 */
			if (dps_mbuf_copy(m, off, 2, e) < 0)
				return false;
			off += nh == DPS_IP6_NH_FRAGMENT ? 8 : nh == 51 ? ((uint32_t)e[1] + 2) * 4 :
			       ((uint32_t)e[1] + 1) * 8;
			if (off > m->pkt_len)
				return false;
			nh = e[0];
			continue;
		case DPS_IP6_NH_NONE:
			return true;
		case IPPROTO_TCP:
			need = 20;
			break;
		case IPPROTO_UDP:
		case DPS_IP6_NH_ICMPV6:
			need = 8;
			break;
		default: /* ESP and unknown headers: their first byte at least */
			need = 1;
			break;
		}
		return off + need <= m->pkt_len;
	}
	return false;
}

struct rte_mbuf *
dps_frag6_input(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, uint32_t fo)
{
	struct dps_reasm *r = reasm_of(ctx);
	struct rte_ipv6_hdr ibuf;
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_read(m, 0, sizeof(ibuf), &ibuf);
	uint8_t fh[FRAG6_HLEN];
	struct frag_key k;
	uint32_t len, ofs, id;
	uint16_t w;
	bool more;

	if (ip == NULL || dps_mbuf_copy(m, fo, FRAG6_HLEN, fh) < 0) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP6_FRAG_MALFORMED);
		return NULL;
	}
	w = (uint16_t)(fh[2] << 8 | fh[3]);
	ofs = (uint32_t)(w & 0xfff8);
	more = (w & 1) != 0;
	len = m->pkt_len - (fo + FRAG6_HLEN);
	/*
	 * RFC 8200 4.5: a fragment with M set whose length is not a multiple of 8 is discarded
	 * with Parameter Problem code 0 pointing at the Payload Length.
	 */
	if (more && (len & 7) != 0) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_FRAG_BAD_LENGTH);
		(void)dps_icmp6_error_ex(ctx, nic, m, DPS_ICMP6_PARAM_PROBLEM,
					 DPS_ICMP6_PARAM_HEADER, 4, true, false);
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* The same, code 0 at the Fragment Offset, when the datagram would pass 65535 bytes. */
	if (ofs + len + (fo - DPS_IP6_HLEN) > UINT16_MAX) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_FRAG_MALFORMED);
		(void)dps_icmp6_error_ex(ctx, nic, m, DPS_ICMP6_PARAM_PROBLEM,
					 DPS_ICMP6_PARAM_HEADER, fo + 2, true, false);
		rte_pktmbuf_free(m);
		return NULL;
	}
	/*
	 * RFC 7112 5: a first fragment must hold the whole header chain through the upper-layer
	 * header; if not, Parameter Problem code 3, pointer 0.
	 */
	if (ofs == 0 && !frag6_chain_complete(m, fo + FRAG6_HLEN, fh[0])) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP6_FRAG_INCOMPLETE_CHAIN);
		(void)dps_icmp6_error_ex(ctx, nic, m, DPS_ICMP6_PARAM_PROBLEM,
					 DPS_ICMP6_PARAM_FIRST_FRAG, 0, true, false);
		rte_pktmbuf_free(m);
		return NULL;
	}
	/*
	 * Off, or a header before the Fragment header (Hop-by-Hop, Destination, Routing): DPDK
	 * 22.11's reassembly takes the Fragment header to follow the IPv6 header and would
	 * splice a wrong datagram; those are not reassembled.
	 */
	if (r == NULL || fo != DPS_IP6_HLEN || m->data_len < fo + FRAG6_HLEN || len == 0) {
		frag_drop(ctx, nic->id, m, DPS_CNT_IP6_FRAGMENTS);
		return NULL;
	}
	memset(&k, 0, sizeof(k));
	k.nic = nic->id;
	k.fam = 6;
	memcpy(&id, fh + 4, 4);
	k.id = id;
	memcpy(k.src, ip->src_addr, 16);
	memcpy(k.dst, ip->dst_addr, 16);
	return frag_add(ctx, r, &k, m, ofs, len, more);
}

int
dps_proto_ctx_init(struct dps_ctx *ctx, const struct dps_reasm_conf *conf, int socket_id)
{
	struct dps_reasm *r;
	uint32_t cap, nb;
	uint64_t hz = rte_get_tsc_hz();

	if (ctx == NULL || conf == NULL || conf->timeout_ms == 0 ||
	    conf->max_datagrams > DPS_REASM_MAX_DATAGRAMS)
		return -EINVAL;
	ctx->ip_id = (uint32_t)rte_rand();
	if (ctx->proto != NULL)
		return -EEXIST;
	cap = conf->max_datagrams;
	if (cap == 0)
		return 0; /* reassembly off: fragments are dropped, counted */
	nb = rte_align32pow2(cap * 2);
	r = rte_zmalloc_socket("dps_reasm", sizeof(*r) + (size_t)cap * sizeof(r->dg[0]),
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (r == NULL)
		return -ENOMEM;
	r->bucket = rte_zmalloc_socket("dps_reasm_b", (size_t)nb * sizeof(uint32_t), 0, socket_id);
	/*
	 * Only one datagram is ever in the DPDK table, during frag_complete(): the smallest
	 * table it accepts (4 buckets of 4) does. Its own timeout is never reached.
	 */
	r->tbl = rte_ip_frag_table_create(4, 4, 4, hz * 3600, socket_id);
	if (r->bucket == NULL || r->tbl == NULL) {
		if (r->tbl != NULL)
			rte_ip_frag_table_destroy(r->tbl);
		rte_free(r->bucket);
		rte_free(r);
		return -ENOMEM;
	}
	r->cap = cap;
	r->mask = nb - 1;
	r->timeout_tsc = hz / 1000 * conf->timeout_ms;
	for (uint32_t i = 0; i < cap; i++)
		r->dg[i].next = i + 2 <= cap ? i + 2 : NIL;
	r->free_head = 1;
	ctx->proto = r;
	return 0;
}

void
dps_proto_ctx_fini(struct dps_ctx *ctx)
{
	struct dps_reasm *r;

	if (ctx == NULL || ctx->proto == NULL)
		return;
	r = ctx->proto;
	while (r->age_head != NIL) {
		struct frag_dg *d = &r->dg[r->age_head - 1];

		for (uint8_t i = 0; i < d->n; i++)
			rte_pktmbuf_free(d->p[i].m);
		frag_release(r, d);
	}
	rte_ip_frag_table_destroy(r->tbl);
	rte_free(r->bucket);
	rte_free(r);
	ctx->proto = NULL;
}

void
dps_proto_ctx_poll(struct dps_ctx *ctx, uint64_t now)
{
	const struct dps_reasm *r = reasm_of(ctx);

	if (r != NULL && r->age_head != NIL && r->dg[r->age_head - 1].deadline <= now)
		dps_reasm_expire(ctx, now);
}

uint32_t
dps_proto_ctx_reasm_held(const struct dps_ctx *ctx)
{
	const struct dps_reasm *r = reasm_of(ctx);
	uint32_t n = 0;

	if (r == NULL)
		return 0;
	for (uint32_t i = r->age_head; i != NIL; i = r->dg[i - 1].next)
		n++;
	return n;
}
