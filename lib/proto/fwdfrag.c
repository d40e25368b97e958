/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fragmentation of forwarded IPv4 packets (RFC 791 3.2, RFC 1812 4.2.2.7: a router MUST be
 * able to fragment a datagram whose DF bit is clear when it is larger than the MTU of the
 * link it leaves by). Called from fwd.c's slow side only: the fused fast path hands every
 * packet over the outgoing MTU to it (fastpath.c, fp4_exception).
 *
 * Each fragment is a new mbuf of the context's pool holding its header and a copy of its share
 * of the data, read across the original's chain: no indirect mbufs and no second pool to size,
 * and the original is freed as soon as its fragments exist. A fragment's data also fits one
 * mbuf of that pool (with `--mbuf-size 512` the fragments are smaller than the MTU). Fragments
 * of a fragment keep its offset base and its More Fragments bit (RFC 791 3.2, "fragmenting a
 * fragment"). IPv6 is never fragmented by a router (RFC 8200 5): fwd.c sends Packet Too Big.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

/*
 * RFC 791 3.1 (the copied flag of the option type) and 3.2: the first fragment carries every
 * option, later ones only those whose copied bit is set, padded with End of Option List to a
 * multiple of 4 bytes. h holds hlen header bytes; returns the later fragments' header length.
 * Options were validated before forwarding (ip4opt.c); a malformed one ends the copy. Shared
 * with fragout.c, which fragments the stack's own replies.
 */
uint32_t
dps_ip4_later_frag_header(const uint8_t *h, uint32_t hlen, uint8_t *out)
{
	uint32_t o = 20, p = 20;

	memcpy(out, h, 20);
	while (p < hlen) {
		uint8_t type = h[p], len;

		if (type == 0) /* End of Option List */
			break;
		if (type == 1) { /* No Operation: its copied bit is clear */
			p++;
			continue;
		}
		if (p + 1 >= hlen)
			break;
		len = h[p + 1];
		if (len < 2 || p + len > hlen)
			break;
		if (type & 0x80) {
			memcpy(out + o, h + p, len);
			o += len;
		}
		p += len;
	}
	while (o & 3)
		out[o++] = 0;
	out[0] = (uint8_t)(0x40 | o / 4);
	return o;
}

int
dps_fwd4_fragment(struct dps_ctx *ctx, struct rte_mbuf *m, uint32_t mtu, struct rte_mbuf **out,
		  unsigned int max)
{
	uint8_t h[60], later[60];
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)h;
	const struct rte_ether_hdr *eh = dps_rx_eth(m);
	uint32_t room = rte_pktmbuf_data_room_size(ctx->pool);
	uint32_t hlen, hlen2, data, ofs = 0, step, step2, base;
	uint16_t fo;
	bool mf;
	unsigned int n = 0;

	if (dps_mbuf_copy(m, 0, 20, h) < 0)
		goto bad;
	hlen = rte_ipv4_hdr_len(ip);
	if (hlen < 20 || dps_mbuf_copy(m, 0, hlen, h) < 0 || m->pkt_len <= hlen)
		goto bad;
	data = m->pkt_len - hlen;
	hlen2 = dps_ip4_later_frag_header(h, hlen, later);
	fo = rte_be_to_cpu_16(ip->fragment_offset);
	base = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	/* The fragment's bytes in one mbuf after the headroom the Ethernet header needs. */
	room = room > RTE_PKTMBUF_HEADROOM ? room - RTE_PKTMBUF_HEADROOM : 0;
	mtu = RTE_MIN(mtu, room);
	/* RFC 791 3.2: every fragment but the last carries a multiple of 8 data bytes. */
	if (mtu < hlen + 8)
		goto bad;
	step = (mtu - hlen) & ~7u;
	step2 = (mtu - hlen2) & ~7u;
	while (ofs < data) {
		uint32_t fh = ofs == 0 ? hlen : hlen2;
		uint32_t len = RTE_MIN(ofs == 0 ? step : step2, data - ofs);
		bool more = ofs + len < data || mf;
		struct rte_mbuf *f;
		struct rte_ipv4_hdr *fip;
		uint8_t *p;

		if (n == max || (f = rte_pktmbuf_alloc(ctx->pool)) == NULL)
			goto fail;
		out[n++] = f;
		p = (uint8_t *)rte_pktmbuf_append(f, (uint16_t)(fh + len));
		if (p == NULL || dps_mbuf_copy(m, hlen + ofs, len, p + fh) < 0)
			goto fail;
		memcpy(p, ofs == 0 ? h : later, fh);
		fip = (struct rte_ipv4_hdr *)p;
		fip->total_length = rte_cpu_to_be_16((uint16_t)(fh + len));
		fip->fragment_offset = rte_cpu_to_be_16(
			(uint16_t)(((base + ofs) / 8) | (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		dps_ip4_set_cksum(fip);
		/*
		 * The received Ethernet header goes in front, as for the original: an ICMP error
		 * about a fragment (host unreachable after a failed resolution) finds its sender.
		 */
		if (eh != NULL) {
			memcpy(p - sizeof(*eh), eh, sizeof(*eh));
			f->l2_len = sizeof(*eh);
		}
		f->port = m->port;
		ofs += len;
	}
	rte_pktmbuf_free(m);
	return (int)n;
fail:
	/* All or nothing: a datagram missing one fragment is lost anyway at its destination. */
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	rte_pktmbuf_free(m);
	return -ENOBUFS;
bad:
	rte_pktmbuf_free(m);
	return -EINVAL;
}
