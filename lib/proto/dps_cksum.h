/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Internet checksum helpers (RFC 1071, RFC 1624) that work over mbuf chains and for both
 * IPv4 and IPv6 pseudo-headers (RFC 768, RFC 793, RFC 8200 8.1).
 *
 * Thread safety: pure functions.
 */
#ifndef DPS_CKSUM_H
#define DPS_CKSUM_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_nic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fold a 32-bit one's complement accumulator to 16 bits (not complemented). */
static inline uint16_t
dps_cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/**
 * Pseudo-header sum (not folded, not complemented) for an upper-layer protocol: source and
 * destination (4 or 16 bytes), protocol and upper-layer length. The same layout serves IPv4
 * (RFC 768/793) and IPv6 (RFC 8200 8.1): the one's complement sum does not depend on the
 * order or width of the zero-padded fields.
 */
static inline uint32_t
dps_cksum_pseudo(const struct dps_addr *src, const struct dps_addr *dst, uint8_t proto,
		 uint32_t l4_len)
{
	uint32_t sum;

	sum = __rte_raw_cksum(src->b, src->len, 0);
	sum = __rte_raw_cksum(dst->b, dst->len, sum);
	sum += rte_cpu_to_be_16((uint16_t)proto);
	sum += rte_cpu_to_be_16((uint16_t)(l4_len >> 16));
	sum += rte_cpu_to_be_16((uint16_t)(l4_len & 0xffff));
	return sum;
}

/**
 * One's complement sum of len bytes at off in m, over every segment, plus init; folded, not
 * complemented. Returns -1 if the range is outside the packet.
 *
 * DPDK 22.11's rte_raw_cksum_mbuf() byte-swaps an unfolded 32-bit partial sum truncated to 16
 * bits when a segment ends at an odd offset, which loses carries: this walks the chain itself
 * and folds each segment's sum before the swap.
 */
static inline int
dps_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t init,
	       uint16_t *out)
{
	const struct rte_mbuf *seg = m;
	uint64_t sum = init;
	uint32_t done = 0;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	if (off + len <= rte_pktmbuf_data_len(m)) {
		sum += __rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), len, 0);
		*out = dps_cksum_fold((uint32_t)((sum >> 32) + (sum & 0xffffffff)));
		return 0;
	}
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (done < len && seg != NULL) {
		uint32_t k = RTE_MIN(len - done, (uint32_t)seg->data_len - off);
		uint16_t part = dps_cksum_fold(
			__rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const void *, off), k, 0));

		/* A chunk starting at an odd offset of the data has its bytes swapped. */
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += k;
		off = 0;
		seg = seg->next;
	}
	if (done != len)
		return -1;
	*out = dps_cksum_fold((uint32_t)((sum >> 32) + (sum & 0xffffffff)));
	return 0;
}

/**
 * Verify an upper-layer checksum (pseudo-header + l4_len bytes at l4_off): true when the sum
 * including the transmitted checksum is 0xffff.
 */
static inline bool
dps_cksum_l4_ok(const struct rte_mbuf *m, uint32_t l4_off, uint32_t l4_len,
		const struct dps_addr *src, const struct dps_addr *dst, uint8_t proto)
{
	uint16_t s;

	if (dps_cksum_mbuf(m, l4_off, l4_len, dps_cksum_pseudo(src, dst, proto, l4_len), &s) < 0)
		return false;
	return s == 0xffff;
}

/**
 * Compute the checksum to store in an upper-layer header whose checksum field currently holds
 * zero. Returns the value in network byte order, ready to store. UDP maps 0 to 0xffff.
 */
static inline uint16_t
dps_cksum_l4(const struct rte_mbuf *m, uint32_t l4_off, uint32_t l4_len,
	     const struct dps_addr *src, const struct dps_addr *dst, uint8_t proto)
{
	uint16_t s = 0;
	uint16_t c;

	(void)dps_cksum_mbuf(m, l4_off, l4_len, dps_cksum_pseudo(src, dst, proto, l4_len), &s);
	c = (uint16_t)~s;
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	return c;
}

/**
 * Incremental update (RFC 1624 eqn. 3): HC' = ~(~HC + ~m + m') where old and new are equal-
 * length, 16-bit aligned fields of the covered data. cksum is as stored (network order).
 */
static inline uint16_t
dps_cksum_adjust(uint16_t cksum, const void *old, const void *new_, size_t len)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~rte_raw_cksum(old, len);
	sum += rte_raw_cksum(new_, len);
	return (uint16_t)~dps_cksum_fold(sum);
}

#ifdef __cplusplus
}
#endif
#endif
