/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Steps the forwarding paths share (lib/proto only, not installed): the fused receive path of
 * fastpath.c and the router's slow side in fwd.c use the same next-hop memo, neighbour memo,
 * Ethernet rewrite and tx runs, the same martian predicates and the same TTL update, so the
 * two cannot drift apart. Everything is static inline: the per-packet loops call no function
 * through a pointer and store no counter (they count in locals; docs/forwarding.md).
 */
#ifndef DPS_FASTPATH_H
#define DPS_FASTPATH_H

#include <string.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_neigh.h"
#include "dps_proto_priv.h"
#include "dps_route.h"

/* ---- Ethernet rewrite ---- */

/**
 * The Ethernet header a next hop gets, as two overlapping 8-byte words (bytes 0-7 and 6-13):
 * built once per next hop per burst, written with two stores per frame.
 */
struct dps_fp_eth {
	uint64_t w0, w1;
};

static inline void
dps_fp_eth_make(struct dps_fp_eth *w, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t ethertype_be)
{
	uint8_t h[RTE_ETHER_HDR_LEN];

	memcpy(h, dst, RTE_ETHER_ADDR_LEN);
	memcpy(h + RTE_ETHER_ADDR_LEN, src, RTE_ETHER_ADDR_LEN);
	memcpy(h + 2 * RTE_ETHER_ADDR_LEN, &ethertype_be, sizeof(ethertype_be));
	memcpy(&w->w0, h, 8);
	memcpy(&w->w1, h + 6, 8);
}

/** Write the header at eh (the frame's first 14 bytes). */
static inline void
dps_fp_eth_write(uint8_t *eh, const struct dps_fp_eth *w)
{
	memcpy(eh, &w->w0, 8);
	memcpy(eh + 6, &w->w1, 8);
}

/* ---- tx runs ---- */

/** Frames queued for one outgoing NIC, handed to its tx buffer together (in order). */
struct dps_fp_run {
	const struct dps_nic *nic;
	uint16_t n;
	struct rte_mbuf *pkts[DPS_BURST];
};

/* No initializer: zeroing pkts[] on every burst cost a `rep stos` of 256 bytes. */
static inline void
dps_fp_run_init(struct dps_fp_run *r)
{
	r->nic = NULL;
	r->n = 0;
}

static inline void
dps_fp_run_flush(struct dps_ctx *ctx, struct dps_fp_run *r)
{
	if (r->n > 0)
		dps_ctx_tx_bulk(ctx, r->nic, r->pkts, r->n);
	r->n = 0;
}

/** Queue a complete frame for out; a change of NIC hands the previous run over first. */
static inline void
dps_fp_run_add(struct dps_ctx *ctx, struct dps_fp_run *r, const struct dps_nic *out,
	       struct rte_mbuf *m)
{
	if (unlikely(r->nic != out)) {
		dps_fp_run_flush(ctx, r);
		r->nic = out;
	}
	r->pkts[r->n++] = m;
}

/* ---- next-hop and neighbour memos (most packets of a burst share a next hop) ---- */

/** Outgoing NIC of the last next-hop group entry seen in the burst. */
struct dps_fp_nhmemo {
	const struct dps_nexthop *nh;
	const struct dps_nic *out;
};

static inline void
dps_fp_nhmemo_init(struct dps_fp_nhmemo *mm)
{
	mm->nh = NULL;
	mm->out = NULL;
}

/** The outgoing NIC of nh (NULL for no route or a NIC that is gone). */
static inline const struct dps_nic *
dps_fp_nh_out(const struct dps_stack *s, struct dps_fp_nhmemo *mm, const struct dps_nexthop *nh)
{
	if (unlikely(nh == NULL))
		return NULL;
	if (nh != mm->nh) {
		mm->nh = nh;
		mm->out = dps_stack_nic_rcu(s, nh->nic_id);
	}
	return mm->out;
}

/**
 * The Ethernet header of the last (outgoing NIC, neighbour address) of the burst. The address
 * is kept as 16 bytes for both families (IPv4 in the first four, the rest zero).
 */
struct dps_fp_neighmemo {
	const struct dps_nic *nic;
	uint64_t a[2];
	struct dps_fp_eth hdr;
};

static inline void
dps_fp_neighmemo_init(struct dps_fp_neighmemo *nm)
{
	/* Whole: gcc cannot tell that a[] and hdr are read only after nic was set. */
	*nm = (struct dps_fp_neighmemo){.nic = NULL};
}

/**
 * The header toward neighbour a (len 4 or 16 bytes) on out: from the memo, else by a
 * neighbour lookup that refills the memo. false when the neighbour has no usable MAC
 * (the caller hands the packet to resolution).
 */
static inline bool
dps_fp_neigh(const struct dps_stack *s, struct dps_fp_neighmemo *nm, const struct dps_nic *out,
	     const uint8_t *a, uint8_t len, uint16_t ethertype_be, const struct dps_fp_eth **hdr)
{
	uint64_t k[2] = {0, 0};
	struct rte_ether_addr mac;
	struct dps_addr na;

	memcpy(k, a, len);
	if (likely(nm->nic == out && nm->a[0] == k[0] && nm->a[1] == k[1])) {
		*hdr = &nm->hdr;
		return true;
	}
	na.len = len;
	memcpy(na.b, k, sizeof(k));
	if (dps_neigh_lookup_rcu(s, out->id, &na, &mac) != 0)
		return false;
	nm->nic = out;
	nm->a[0] = k[0];
	nm->a[1] = k[1];
	dps_fp_eth_make(&nm->hdr, &mac, &out->mac, ethertype_be);
	*hdr = &nm->hdr;
	return true;
}

/** Whether two addresses of len (4 or 16, a constant) bytes are equal, without a call. */
static inline bool
dps_fp_addr_eq(const uint8_t *a, const uint8_t *b, uint8_t len)
{
	uint64_t x[2] = {0, 0}, y[2] = {0, 0};

	memcpy(x, a, len);
	memcpy(y, b, len);
	return x[0] == y[0] && x[1] == y[1];
}

/* ---- IPv4 ---- */

/**
 * RFC 1812 5.3.7 (and 4.2.2.11, 5.3.5.1): never forward to 0/8, 127/8, 255.255.255.255 or a
 * class E address; RFC 3927 7: nor to or from 169.254/16; multicast (224/4) is not
 * forwarded (no multicast routing). Host order.
 */
static inline bool
dps_fp_martian4_dst(uint32_t d)
{
	return (d >> 24) == 0 || (d >> 24) == 127 || (d >> 16) == 0xa9fe || d >= 0xe0000000u;
}

/** RFC 1812 5.3.7: sources on net 0 or 127, link-local, multicast, class E, broadcast. */
static inline bool
dps_fp_martian4_src(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 16) == 0xa9fe || a >= 0xe0000000u;
}

/**
 * Both martian tests of an IPv4 packet at once: 0 when neither address can be a martian
 * (the common case, decided on their first octets by one table load each); otherwise the
 * exact tests above decide. dst and src in host order.
 */
static inline bool
dps_fp_martian4(uint32_t dst, uint32_t src)
{
	/* 1: the first octet alone makes it a martian (0, 127, 224-255); 2: 169 (169.254/16?). */
	static const uint8_t first[256] = {
		[0] = 1, [127] = 1, [169] = 2, [224 ... 255] = 1,
	};

	if (likely((first[dst >> 24] | first[src >> 24]) == 0))
		return false;
	return dps_fp_martian4_dst(dst) || dps_fp_martian4_src(src);
}

/**
 * RFC 1071: whether a 20-byte IPv4 header (contiguous) sums to all ones. Unaligned loads
 * straight into registers: a copy to a stack array had gcc reload it in pieces (a
 * store-forwarding stall).
 */
static inline bool
dps_fp_ip4_cksum20_ok(const void *hdr)
{
	const uint8_t *h = hdr;
	uint64_t a, b, sum;
	uint32_t c;

	memcpy(&a, h, 8);
	memcpy(&b, h + 8, 8);
	memcpy(&c, h + 16, 4);
	/* 64-bit words with end-around carry (RFC 1071 2(B)), then folded to 16 bits. */
	sum = a + b;
	sum += sum < b;
	sum += c;
	sum += sum < c;
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/**
 * The one's complement sum (RFC 1071) of len contiguous bytes added to sum, unfolded: 8-byte
 * words with end-around carry. Only the last piece of a message may have an odd length.
 * Whole echo messages are summed with it: 22.11's rte_raw_cksum() adds 16 bits at a time.
 */
static inline uint64_t
dps_fp_sum(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
	}
	/* The tail in its place in a zeroed word (no call for a variable-length memcpy). */
	w = 0;
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	if (len & 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		w = x;
	}
	if (len & 2) {
		uint16_t x;

		memcpy(&x, p + (len & 4), 2);
		w |= (uint64_t)x << ((len & 4) * 8);
	}
	if (len & 1)
		w |= (uint64_t)p[len & 6] << ((len & 6) * 8);
#else
	memcpy(&w, p, len);
#endif
	sum += w;
	sum += sum < w;
	return sum;
}

/** A dps_fp_sum() folded to 16 bits (0xffff for a message that checks out). */
static inline uint16_t
dps_fp_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * Whether a UDP / TCP message right after a 20-byte IPv4 header (contiguous, length from
 * total_length) checks out with its pseudo-header (RFC 768, RFC 1071).
 */
static inline bool
dps_fp_ip4_l4_cksum_ok(const struct rte_ipv4_hdr *ip)
{
	uint16_t l4len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20);
	/*
	 * Pseudo-header: the two addresses (one 8-byte word), then a zero octet, the protocol
	 * and the transport length: one 32-bit word as stored in network order, built in a
	 * register (a byte array cost its stores and a reload).
	 */
	uint32_t ph = rte_cpu_to_be_32((uint32_t)ip->next_proto_id << 16 | l4len);
	uint64_t sum;

	memcpy(&sum, &ip->src_addr, 8);
	sum += ph;
	sum += sum < ph;
	return dps_fp_fold(dps_fp_sum(ip + 1, l4len, sum)) == 0xffff;
}

/**
 * RFC 1624 eqn. 3 for one 32-bit field (two 16-bit words) of the covered data:
 * HC' = ~(~HC + ~m + m'), on network-order words as loaded.
 */
static inline uint16_t
dps_fp_cksum_adjust32(uint16_t ck, uint32_t old, uint32_t nw)
{
	uint64_t sum = (uint16_t)~ck;

	sum += (uint32_t)~old;
	sum += nw;
	return (uint16_t)~dps_fp_fold(sum);
}

/**
 * Whether an ICMPv6 / UDP / TCP message right after a fixed IPv6 header (contiguous, length
 * from payload_len) checks out with its pseudo-header (RFC 8200 8.1).
 */
static inline bool
dps_fp_ip6_l4_cksum_ok(const struct rte_ipv6_hdr *ip)
{
	uint16_t plen = rte_be_to_cpu_16(ip->payload_len);
	/* Pseudo-header: addresses, 32-bit length, 24 zero bits, next header. */
	const uint8_t ph[8] = {0, 0, (uint8_t)(plen >> 8), (uint8_t)plen, 0, 0, 0, ip->proto};
	uint64_t sum = dps_fp_sum(ip->src_addr, 32, 0);

	sum = dps_fp_sum(ph, 8, sum);
	return dps_fp_fold(dps_fp_sum(ip + 1, plen, sum)) == 0xffff;
}

/**
 * TTL decrement with the checksum update of RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the
 * 16-bit word holding TTL and protocol. On network-order words (the one's complement sum does
 * not depend on byte order). The word is loaded once and stored whole: a byte store followed
 * by a word load of the same bytes would stall on store forwarding.
 */
static inline void
dps_fp_ip4_dec_ttl(struct rte_ipv4_hdr *ip)
{
	uint16_t old, nw;
	uint32_t sum;

	memcpy(&old, &ip->time_to_live, sizeof(old));
	nw = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) - 0x100));
	memcpy(&ip->time_to_live, &nw, sizeof(nw));
	sum = (uint16_t)~ip->hdr_checksum;
	sum += (uint16_t)~old;
	sum += nw;
	ip->hdr_checksum = (uint16_t)~dps_cksum_fold(sum);
}

/** The ECMP flow hash: the PMD's RSS hash when it gave one, else a CRC of the addresses. */
static inline uint32_t
dps_fp_hash4(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	return (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ?
		       m->hash.rss :
		       rte_hash_crc_4byte(ip->src_addr, ip->dst_addr);
}

/* ---- IPv6 ---- */

/**
 * Never forwarded: unspecified and loopback (RFC 4291 2.5.2, 2.5.3), link-local source or
 * destination (RFC 4291 2.5.6), IPv4-mapped (RFC 4291 2.5.5.2: not routed on the wire), and
 * multicast destinations (no multicast routing). A multicast source is refused before this.
 */
static inline bool
dps_fp_martian6(const uint8_t *a, bool is_dst)
{
	uint64_t hi, lo;

	if (a[0] == 0xff)
		return is_dst;
	if (dps_ip6_is_link_local(a))
		return true;
	if (a[0] != 0)
		return false;
	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	if (hi != 0)
		return false;
	/* ::, ::1 and ::ffff:0:0/96 (lo in network order: bytes 8-11 zero, 10-11 0xffff). */
	return rte_be_to_cpu_64(lo) <= 1 || (rte_be_to_cpu_64(lo) >> 32) == 0xffff;
}

/** The ECMP flow hash of IPv6: RSS, else a CRC of both addresses seeded by the flow word. */
static inline uint32_t
dps_fp_hash6(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	uint64_t sd[4];

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	/* rte_hash_crc() loads 8 bytes at a time: hash an aligned copy. */
	memcpy(sd, ip->src_addr, sizeof(sd));
	return rte_hash_crc(sd, sizeof(sd), ip->vtc_flow);
}

#endif
