/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Receive: Ethernet II classification (IEEE 802.3, RFC 894) and the fused fast path of
 * docs/forwarding.md, "The fused fast path".
 *
 * Per burst of up to 32 frames, the common case (a unicast IPv4 or IPv6 packet to be routed,
 * on a NIC that forwards and is neither promiscuous nor has address ranges) goes from the rx
 * burst to the tx buffer in three stages:
 *
 *   1. classify and validate, four frames at a time with the next four prefetched: Ethernet
 *      (our unicast MAC, unicast source), IPv4 (RFC 1812 5.2.2: version, IHL 5, lengths,
 *      header checksum unless the NIC vouched for it) or IPv6 (RFC 8200 3), martians (RFC
 *      1812 5.3.7, RFC 4291), the local-address filter (neither address may be ours), the
 *      incoming NIC's subnet broadcasts;
 *   2. one bulk route lookup per family (lib/nic's dps_route_lookup4/6_bulk_rcu);
 *   3. per packet: outgoing NIC (memo), the router's checks (broadcasts, TTL / hop limit,
 *      MTU), neighbour (memo), TTL / hop limit decrement with the incremental checksum,
 *      Ethernet rewrite in place, tx run.
 *
 * Packets to the stack's own addresses for the built-in services are answered in place at
 * stage 3 too: ICMP / ICMPv6 echo requests and UDP datagrams for the echo service (RFC 862),
 * found with one bulk endpoint lookup and one bulk demux lookup per burst (fp*_echo(),
 * fp*_uecho()), byte for byte as icmp4.c / icmp6.c / udp.c would answer them.
 *
 * A frame that leaves the fast path is put, untouched, in a side array whose name is the
 * reason, and handled after the loop by the code that handled every frame before: the NIC
 * layer's delivery (dps_nic_deliver_network: local endpoints, ARP, NDP, options, errors,
 * multicast, anything in doubt) or the router's slow side (dps_fwd4_burst / dps_fwd6_burst:
 * ICMP errors, neighbour resolution, the outgoing NIC that owns the destination, directed
 * broadcasts). The fast loops build no ICMP message, call nothing through a pointer and
 * store no counter: they count in locals, added once per burst.
 */
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "dps_fastpath.h"
#include "dps_proto.h"
#include "dps_proto_priv.h"

#define ETH_HLEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define IP4_HLEN ((uint16_t)sizeof(struct rte_ipv4_hdr))
#define FP_GROUP 4 /* frames classified together; the next group is prefetched */
#define VLAN_HLEN 4
/* A C-tag's TPID and VID in wire order (a 32-bit load at byte 12): PCP and DEI masked out. */
#define VLAN_TAGW_MASK RTE_BE32(0xffff0fff)

/* What the fast path knows about the incoming NIC for one burst (read once per burst). */
struct fp_in {
	struct dps_stack *s;
	struct dps_nic *nic;
	uint64_t mac;  /* our MAC in the low 6 bytes of a little-endian load */
	uint32_t mtu;
	unsigned int np4; /* IPv4's protocol slot */
	bool fast4, fast6; /* the family's fast path is open (echo, and routing below) */
	bool fwd4, fwd6;   /* it routes too (forwarding on for the stack and the NIC) */
	bool promisc;
	const struct dps_vlan_tbl *vt; /* the port's VLAN NICs (vlan.c), NULL: none */
	/*
	 * A burst of a VLAN NIC still tagged (dps_eth_input_burst()): tagw its TPID and VID as
	 * they sit in a frame (VLAN_TAGW_MASK), stage 1 takes off each matching tag; vparent
	 * the port's own NIC, whose VLANs vt are. Otherwise tagw 0 and vparent the NIC.
	 */
	uint32_t tagw;
	struct dps_nic *vparent;
};

/* Fast-path candidates of one family after stage 1. */
struct fp_set {
	uint16_t n;
	uint64_t bytes; /* of the frames as received (before any padding is cut) */
	struct rte_mbuf *m[DPS_BURST];
	uint32_t hash[DPS_BURST];
	const struct dps_nexthop *nh[DPS_BURST];
};

struct fp_set4 {
	struct fp_set c;
	uint32_t dst[DPS_BURST];
};

struct fp_set6 {
	struct fp_set c;
	uint8_t dst[DPS_BURST][16];
};

/* Messages of one transport to an address that may be ours, as received (untouched). */
struct fp_echo {
	uint16_t n;
	struct rte_mbuf *m[DPS_BURST];
};

/*
 * The local-delivery candidates of one family, by the built-in service that may answer them:
 * ICMP / ICMPv6 echo requests to a live address of the incoming NIC are answered by
 * fp4_echo() / fp6_echo(), UDP datagrams to a port of the echo service by fp4_uecho() /
 * fp6_uecho(); the rest goes to the NIC layer's delivery.
 */
struct fp_local {
	struct fp_echo icmp, udp;
};

/* Everything stage 1 sorts the fast path's frames into. */
struct fp_sets {
	struct fp_set4 f4;
	struct fp_set6 f6;
	struct fp_local e4, e6;
};

enum fp_verdict { FP_SLOW, FP_FWD, FP_ECHO };

/* Frames that left the fast path, by reason: each array is handed on as one burst. */
struct fp_side {
	uint16_t n;
	struct rte_mbuf *m[DPS_BURST];
};

struct fp_sides {
	struct fp_side deliver4, deliver6, arp; /* the NIC layer's delivery, in full */
	struct fp_side vlan;                    /* tagged, on a port with VLAN NICs */
	struct fp_side router4, router6;        /* routed, but not the common case */
};

static inline void
fp_side_add(struct fp_side *sd, struct rte_mbuf *m)
{
	sd->m[sd->n++] = m;
}

/* The network header becomes the data start: what the NIC layer and the slow paths expect. */
static inline void
fp_to_l3(struct rte_mbuf *m)
{
	rte_pktmbuf_adj(m, ETH_HLEN);
	m->l2_len = ETH_HLEN;
}

/* ---- stage 1: Ethernet ---- */

static void
eth_drop(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m, enum dps_counter c)
{
	/* The NIC layer counts rx for what it is given; we count what we drop here. */
	dps_nic_count_rx(ctx, nic, m->pkt_len);
	dps_cnt_inc(ctx, nic->id, c);
	rte_pktmbuf_free(m);
}

/* The general classification of one frame (everything the fast check did not take). */
static void
eth_classify(struct dps_ctx *ctx, const struct fp_in *in, struct rte_mbuf *m,
	     struct fp_sides *sd)
{
	struct dps_nic *nic = in->nic;
	const struct rte_ether_hdr *eh;

	/* The header must sit in the first segment: it stays in the headroom. */
	if (unlikely(m->pkt_len < ETH_HLEN || m->data_len < ETH_HLEN)) {
		eth_drop(ctx, nic, m, DPS_CNT_ETH_SHORT);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/*
	 * A port with VLAN NICs: tagged frames (or tags the PMD stripped) are sorted per VLAN
	 * after the burst (vlan_rx_chunk()), and each VLAN NIC checks its own frames.
	 */
	if (unlikely(in->vt != NULL) &&
	    (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
	     eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_QINQ) ||
	     (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))) {
		/* Stage 1 took a VLAN NIC's tag off: a tag in the tag is QinQ (vlan_slot()). */
		if (in->tagw != 0) {
			eth_drop(ctx, in->vparent, m, DPS_CNT_ETH_VLAN_QINQ);
			return;
		}
		fp_side_add(&sd->vlan, m);
		return;
	}
	/*
	 * IEEE 802.3 4.2.4.1.1: accept our unicast address and every group address (the
	 * network layer filters multicast by joined groups); anything when promiscuous.
	 */
	if (!rte_is_multicast_ether_addr(&eh->dst_addr) &&
	    !rte_is_same_ether_addr(&eh->dst_addr, &nic->mac) && !in->promisc) {
		eth_drop(ctx, nic, m, DPS_CNT_ETH_NOT_FOR_US);
		return;
	}
	/* A group address is never a valid source (IEEE 802 48-bit address I/G bit). */
	if (rte_is_multicast_ether_addr(&eh->src_addr)) {
		eth_drop(ctx, nic, m, DPS_CNT_ETH_BAD_SOURCE);
		return;
	}
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		fp_to_l3(m);
		fp_side_add(&sd->deliver4, m);
		break;
	case RTE_ETHER_TYPE_IPV6:
		fp_to_l3(m);
		fp_side_add(&sd->deliver6, m);
		break;
	case RTE_ETHER_TYPE_ARP:
		fp_to_l3(m);
		fp_side_add(&sd->arp, m);
		break;
	default:
		/*
		 * VLAN tags (0x8100) on a port without VLAN NICs included: such a port does not
		 * speak 802.1Q (on one with VLAN NICs, vlan_rx_chunk() took the tags off).
		 */
		dps_nic_count_rx(ctx, nic, m->pkt_len);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ETH_UNKNOWN_TYPE);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_UNKNOWN_PROTOCOL_RCVD);
		rte_pktmbuf_free(m);
		break;
	}
}

enum fp_l3 { FP_OTHER, FP_IP4, FP_IP6 };

/*
 * A tag comes off the first segment (the caller checked it is there) in two steps. The data
 * start moves over it (rte_pktmbuf_adj's adjustment, without its checks), and the Ethernet
 * addresses, still where they were, 4 bytes before it, move up: both loads before the
 * stores, which overlap them; no call to memmove. The fast path's forwarded frames skip the
 * second step: their header is rewritten whole (fp_send()).
 */
static inline void
vlan_hdr_adj(struct rte_mbuf *m)
{
	m->data_off += VLAN_HLEN;
	m->data_len -= VLAN_HLEN;
	m->pkt_len -= VLAN_HLEN;
}

static inline void
vlan_hdr_macs(struct rte_mbuf *m)
{
	uint8_t *eh = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t pt = m->packet_type;
	uint64_t mac8;
	uint32_t mac4;

	memcpy(&mac8, eh - VLAN_HLEN, 8);
	memcpy(&mac4, eh + 4, 4);
	memcpy(eh, &mac8, 8);
	memcpy(eh + 8, &mac4, 4);
	/* A port's packet type said VLAN: it is plain Ethernet now (fp_eth() reads it). */
	if ((pt & RTE_PTYPE_L2_MASK) == RTE_PTYPE_L2_ETHER_VLAN)
		m->packet_type = (pt & ~RTE_PTYPE_L2_MASK) | RTE_PTYPE_L2_ETHER;
}

static inline void
vlan_untag(struct rte_mbuf *m)
{
	vlan_hdr_adj(m);
	vlan_hdr_macs(m);
}

/*
 * The tag word of a frame whose tag is in its first segment, not stripped by the PMD: TPID and
 * VID as they sit at byte 12 (VLAN_TAGW_MASK). False for a frame too short or PMD-stripped.
 */
static inline bool
vlan_tag_word(const struct rte_mbuf *m, uint32_t *w)
{
	if (m->data_len < ETH_HLEN + VLAN_HLEN || (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))
		return false;
	memcpy(w, rte_pktmbuf_mtod(m, const uint8_t *) + 12, 4);
	*w &= VLAN_TAGW_MASK;
	return true;
}

/*
 * A VLAN NIC's burst still tagged: its tag comes off in stage 1, the pass that reads the header
 * anyway (the addresses only where the frame leaves the fast path: vlan_hdr_macs()). False
 * for a frame with another tag, none, or one the PMD stripped: it is sorted again after the
 * burst, by the port's own NIC (vlan_rx_chunk()).
 */
static inline bool
fp_untag(const struct fp_in *in, struct rte_mbuf *m)
{
	uint32_t w;

	if (unlikely(!vlan_tag_word(m, &w) || w != in->tagw))
		return false;
	vlan_hdr_adj(m);
	return true;
}

static __rte_always_inline enum fp_l3
fp_eth(const struct fp_in *in, const struct rte_mbuf *m, const bool tagged)
{
	/* fp_untag() left the addresses of a tagged frame where they were, before the tag. */
	const uint32_t l2 = tagged ? RTE_PTYPE_L2_ETHER_VLAN : RTE_PTYPE_L2_ETHER;
	const uint8_t *eh = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t d;
	uint16_t t;

	/* A tag the PMD stripped (only on a port with VLAN NICs): the frame may be a VLAN's. */
	if (unlikely(m->data_len < ETH_HLEN || (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)))
		return FP_OTHER;
	memcpy(&d, eh - (tagged ? VLAN_HLEN : 0), 8);
	d = rte_le_to_cpu_64(d);
	/* Bytes 0-5 our MAC, byte 6 the source's first byte: its I/G bit must be clear. */
	if (unlikely(((d ^ in->mac) & 0x0001ffffffffffffull) != 0))
		return FP_OTHER;
	/*
	 * A port with packet types (rte_eth_dev_get_supported_ptypes) has parsed L2 and L3: IPv4
	 * without options and IPv6 without extension headers are the fast path's, anything
	 * else (options, tunnels, VLAN, ARP) is not. Without (pcap, tap: 0), the ethertype.
	 */
	if (m->packet_type & RTE_PTYPE_L3_MASK) {
		uint32_t pt = m->packet_type & (RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK);

		return pt == (l2 | RTE_PTYPE_L3_IPV4)	? FP_IP4
		       : pt == (l2 | RTE_PTYPE_L3_IPV6) ? FP_IP6
							: FP_OTHER;
	}
	memcpy(&t, eh + 12, 2);
	if (t == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return FP_IP4;
	if (t == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return FP_IP6;
	return FP_OTHER;
}

/* ---- stage 1: IPv4 and IPv6 ---- */

/*
 * Whether an IPv4 packet is the common case: everything ipv4.c's parser, the NIC layer's
 * delivery and fwd.c's first checks would accept without a second look. A packet to be
 * routed (no NIC has its destination) joins f; an unfragmented ICMP message or UDP datagram
 * in one segment to an address the filter says may be ours joins the local candidates e
 * (fp4_echo() / fp4_uecho() decide); anything else is FP_SLOW. Ethernet padding of a
 * single-segment frame is cut once accepted.
 */
static __rte_always_inline enum fp_verdict
fp4_check(const struct fp_in *in, struct rte_mbuf *m, struct fp_set4 *f, struct fp_local *e)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, ETH_HLEN);
	uint32_t iplen = m->pkt_len - ETH_HLEN, tlen, sa, da;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	/* The fixed header in the first segment (changed in place), no options (RFC 791). */
	if (unlikely(m->data_len < ETH_HLEN + IP4_HLEN || ip->version_ihl != 0x45))
		return FP_SLOW;
	/* RFC 1812 5.2.2: total length within the frame; a frame over the MTU is refused. */
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tlen < IP4_HLEN || tlen > iplen || iplen > in->mtu))
		return FP_SLOW;
	/* Ethernet padding is cut below, in a single segment only (the parser cuts chains). */
	if (unlikely(tlen < iplen && m->nb_segs != 1))
		return FP_SLOW;
	/* RFC 1812 5.2.2: the header checksum, unless the NIC checked it (rx offload). */
	if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD || !dps_fp_ip4_cksum20_ok(ip)))
		return FP_SLOW;
	da = rte_be_to_cpu_32(ip->dst_addr);
	sa = rte_be_to_cpu_32(ip->src_addr);
	if (unlikely(dps_fp_martian4(da, sa)))
		return FP_SLOW;
	/*
	 * A clear filter bit proves no NIC has the address and it is no NIC's subnet broadcast
	 * (dps_stack_maybe_local): not a spoofed source of ours, not a broadcast source (RFC 1812
	 * 5.3.7), and below, a destination that is neither ours nor a directed broadcast of any
	 * NIC (RFC 1812 5.3.5.2), the incoming or the outgoing one: the slow side decides those.
	 */
	if (unlikely(dps_stack_maybe_local(in->s, (const uint8_t *)&ip->src_addr, 4)))
		return FP_SLOW;
	if (unlikely(dps_stack_maybe_local(in->s, (const uint8_t *)&ip->dst_addr, 4))) {
		/*
		 * An echo request, or a datagram for the echo service? Fragments wait for
		 * reassembly, chains take the long way; both headers are 8 bytes.
		 */
		if (m->nb_segs != 1 ||
		    (ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0 ||
		    tlen < IP4_HLEN + 8)
			return FP_SLOW;
		if (ip->next_proto_id == IPPROTO_UDP) {
			e->udp.m[e->udp.n++] = m;
			return FP_ECHO;
		}
		if (ip->next_proto_id != IPPROTO_ICMP)
			return FP_SLOW;
		e->icmp.m[e->icmp.n++] = m;
		return FP_ECHO;
	}
	if (unlikely(!in->fwd4))
		return FP_SLOW;
	f->c.bytes += m->pkt_len;
	if (unlikely(tlen < iplen)) {
		m->data_len = (uint16_t)(tlen + ETH_HLEN);
		m->pkt_len = tlen + ETH_HLEN;
	}
	f->c.m[f->c.n] = m;
	f->dst[f->c.n] = ip->dst_addr;
	f->c.hash[f->c.n] = dps_fp_hash4(m, ip);
	f->c.n++;
	return FP_FWD;
}

/* The same for IPv6 (RFC 8200 3; ipv6.c's parser, the NIC layer, fwd.c's first checks). */
static __rte_always_inline enum fp_verdict
fp6_check(const struct fp_in *in, struct rte_mbuf *m, struct fp_set6 *f, struct fp_local *e)
{
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH_HLEN);
	uint32_t iplen = m->pkt_len - ETH_HLEN, tlen;

	if (unlikely(m->data_len < ETH_HLEN + DPS_IP6_HLEN ||
		     (ip->vtc_flow & RTE_BE32(0xf0000000)) != RTE_BE32(0x60000000)))
		return FP_SLOW;
	tlen = DPS_IP6_HLEN + (uint32_t)rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(tlen > iplen || iplen > in->mtu || (tlen < iplen && m->nb_segs != 1)))
		return FP_SLOW;
	/* RFC 4291 2.7: no multicast source; no multicast, link-local, ... (dps_fp_martian6). */
	if (unlikely(ip->src_addr[0] == 0xff || dps_fp_martian6(ip->dst_addr, true) ||
		     dps_fp_martian6(ip->src_addr, false)))
		return FP_SLOW;
	if (unlikely(dps_stack_maybe_local(in->s, ip->src_addr, 16)))
		return FP_SLOW;
	if (unlikely(dps_stack_maybe_local(in->s, ip->dst_addr, 16))) {
		/* ICMPv6 or UDP without extension headers in one segment: for a built-in service? */
		if (m->nb_segs != 1 || tlen < DPS_IP6_HLEN + 8)
			return FP_SLOW;
		if (ip->proto == IPPROTO_UDP) {
			e->udp.m[e->udp.n++] = m;
			return FP_ECHO;
		}
		if (ip->proto != IPPROTO_ICMPV6)
			return FP_SLOW;
		e->icmp.m[e->icmp.n++] = m;
		return FP_ECHO;
	}
	if (unlikely(!in->fwd6))
		return FP_SLOW;
	f->c.bytes += m->pkt_len;
	if (unlikely(tlen < iplen)) {
		m->data_len = (uint16_t)(tlen + ETH_HLEN);
		m->pkt_len = tlen + ETH_HLEN;
	}
	f->c.m[f->c.n] = m;
	memcpy(f->dst[f->c.n], ip->dst_addr, 16);
	f->c.hash[f->c.n] = dps_fp_hash6(m, ip);
	f->c.n++;
	return FP_FWD;
}

/* One frame of stage 1: a fast-path candidate, or a side array. */
static __rte_always_inline void
fp_classify(struct dps_ctx *ctx, const struct fp_in *in, struct rte_mbuf *m, struct fp_sets *fs,
	    struct fp_sides *sd, const bool tagged)
{
	enum fp_verdict v = FP_SLOW;

	if (tagged && unlikely(!fp_untag(in, m))) {
		fp_side_add(&sd->vlan, m);
		return;
	}
	/* Past here, a tagged frame that is not routed by the fast path gets its addresses. */
	switch (fp_eth(in, m, tagged)) {
	case FP_IP4:
		if (likely(in->fast4))
			v = fp4_check(in, m, &fs->f4, &fs->e4);
		if (tagged && v != FP_FWD)
			vlan_hdr_macs(m);
		if (likely(v != FP_SLOW))
			return;
		fp_to_l3(m);
		fp_side_add(&sd->deliver4, m);
		return;
	case FP_IP6:
		if (likely(in->fast6))
			v = fp6_check(in, m, &fs->f6, &fs->e6);
		if (tagged && v != FP_FWD)
			vlan_hdr_macs(m);
		if (likely(v != FP_SLOW))
			return;
		fp_to_l3(m);
		fp_side_add(&sd->deliver6, m);
		return;
	default:
		if (tagged)
			vlan_hdr_macs(m);
		eth_classify(ctx, in, m, sd);
		return;
	}
}

/* ---- stage 3: the router's checks, rewrite, tx ---- */

/*
 * Whether a routed IPv4 packet needs the router's slow side: no route, leaving by the NIC it
 * came in on (a redirect, RFC 1812 5.2.7.2), TTL expiring (RFC 1812 5.3.1), too big for the
 * outgoing MTU (RFC 1812 5.2.7.1 / 4.2.2.7: an error or fragments). fwd.c decides the same
 * packets in the same order and acts (counter, ICMP error). Directed broadcasts and
 * broadcast sources of the outgoing NIC (RFC 1812 5.3.5.2) never get here: stage 1 sent
 * every address the local filter may hold, subnet broadcasts included, to the slow side.
 */
static inline bool
fp4_exception(const struct fp_in *in, const struct dps_nic *out, const struct rte_mbuf *m,
	      const struct rte_ipv4_hdr *ip)
{
	/* Back out of the NIC it came in on: the slow side decides the redirect (5.2.7.2). */
	if (unlikely(out == NULL || out == in->nic))
		return true;
	return ip->time_to_live <= 1 ||
	       m->pkt_len - ETH_HLEN > __atomic_load_n(&out->mtu, __ATOMIC_RELAXED);
}

/* A packet done with in place: the rewritten frame joins the outgoing NIC's run. */
static inline void
fp_send(struct dps_ctx *ctx, struct dps_fp_run *run, const struct dps_nic *out,
	struct rte_mbuf *m, const struct dps_fp_eth *hdr, uint16_t l3_len)
{
	dps_fp_eth_write(rte_pktmbuf_mtod(m, uint8_t *), hdr);
	/* l2_len and l3_len in one store (the other tx offload fields are unused on rx). */
	m->tx_offload = ETH_HLEN | (uint64_t)l3_len << 7;
	dps_fp_run_add(ctx, run, out, m);
}

static void
fp4_forward(struct dps_ctx *ctx, const struct fp_in *in, struct fp_set4 *f,
	    struct fp_side *router)
{
	struct dps_fp_nhmemo mm;
	struct dps_fp_neighmemo nm;
	struct dps_fp_run run;

	dps_fp_nhmemo_init(&mm);
	dps_fp_neighmemo_init(&nm);
	dps_fp_run_init(&run);
	dps_route_lookup4_bulk_rcu(in->s, f->dst, f->c.hash, f->c.nh, f->c.n);
	for (uint16_t i = 0; i < f->c.n; i++) {
		struct rte_mbuf *m = f->c.m[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_HLEN);
		const struct dps_nexthop *nh = f->c.nh[i];
		const struct dps_nic *out = dps_fp_nh_out(in->s, &mm, nh);
		const struct dps_fp_eth *hdr;

		if (unlikely(fp4_exception(in, out, m, ip)) ||
		    unlikely(!dps_fp_neigh(in->s, &nm, out,
					   nh->has_gw ? nh->gw.b : (const uint8_t *)&f->dst[i], 4,
					   RTE_BE16(RTE_ETHER_TYPE_IPV4), &hdr))) {
			if (unlikely(in->tagw != 0))
				vlan_hdr_macs(m); /* the slow side sees the frame whole */
			fp_side_add(router, m);
			continue;
		}
		dps_fp_ip4_dec_ttl(ip);
		fp_send(ctx, &run, out, m, hdr, IP4_HLEN);
	}
	dps_fp_run_flush(ctx, &run);
}

/*
 * IPv6: no route, back out of the NIC it came in on (the slow side decides the redirect,
 * RFC 4861 8.2), hop limit expiring (RFC 8200 3, RFC 4443 3.3), too big (RFC 8200 5).
 */
static inline bool
fp6_exception(const struct dps_nic *out, const struct dps_nic *in_nic, const struct rte_mbuf *m,
	      const struct rte_ipv6_hdr *ip)
{
	return out == NULL || out == in_nic || ip->hop_limits <= 1 ||
	       m->pkt_len - ETH_HLEN > __atomic_load_n(&out->mtu, __ATOMIC_RELAXED);
}

static void
fp6_forward(struct dps_ctx *ctx, const struct fp_in *in, struct fp_set6 *f,
	    struct fp_side *router)
{
	struct dps_fp_nhmemo mm;
	struct dps_fp_neighmemo nm;
	struct dps_fp_run run;

	dps_fp_nhmemo_init(&mm);
	dps_fp_neighmemo_init(&nm);
	dps_fp_run_init(&run);
	dps_route_lookup6_bulk_rcu(in->s, (const uint8_t(*)[16])f->dst, f->c.hash, f->c.nh,
				   f->c.n);
	for (uint16_t i = 0; i < f->c.n; i++) {
		struct rte_mbuf *m = f->c.m[i];
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_HLEN);
		const struct dps_nexthop *nh = f->c.nh[i];
		const struct dps_nic *out = dps_fp_nh_out(in->s, &mm, nh);
		const struct dps_fp_eth *hdr;

		if (unlikely(fp6_exception(out, in->nic, m, ip)) ||
		    unlikely(!dps_fp_neigh(in->s, &nm, out, nh->has_gw ? nh->gw.b : f->dst[i], 16,
					   RTE_BE16(RTE_ETHER_TYPE_IPV6), &hdr))) {
			if (unlikely(in->tagw != 0))
				vlan_hdr_macs(m); /* the slow side sees the frame whole */
			fp_side_add(router, m);
			continue;
		}
		ip->hop_limits--;
		fp_send(ctx, &run, out, m, hdr, DPS_IP6_HLEN);
	}
	dps_fp_run_flush(ctx, &run);
}

/* ---- local delivery: the built-in echo services (RFC 792, RFC 4443 4.1) ---- */

/* Echo replies of a burst, counted once: ICMP (n4, n6) and UDP (u4, u6). */
struct fp_echo_cnt {
	uint32_t n4, n6, u4, u6;
	uint64_t bytes;
};

/*
 * The NIC layer's receive match for the candidates, in one bulk lookup: bit i set when the
 * destination of e->m[i] (len bytes at dst_off of the frame) is a live unicast address of the
 * incoming NIC (dps_nic_rx_match_rcu() == DPS_RX_LOCAL; the NIC is neither promiscuous nor
 * has address ranges, or the fast path would be closed).
 */
static __rte_always_inline uint64_t
fp_local_mask(const struct fp_in *in, const struct fp_echo *e, uint16_t dst_off, uint8_t len)
{
	struct dps_ep_key key[DPS_BURST];
	const void *kp[DPS_BURST];
	void *eps[DPS_BURST];
	uint8_t of[DPS_BURST]; /* the key of each candidate: requests of a burst share few */
	uint64_t hit = 0, local = 0, lk = 0;
	uint16_t nk = 0;

	for (uint16_t i = 0; i < e->n; i++) {
		const uint8_t *a = rte_pktmbuf_mtod_offset(e->m[i], const uint8_t *, dst_off);

		if (nk == 0 || !dps_fp_addr_eq(key[nk - 1].b, a, len)) {
			key[nk] = (struct dps_ep_key){.nic = in->nic->id, .len = len};
			memcpy(key[nk].b, a, len);
			kp[nk] = &key[nk];
			nk++;
		}
		of[i] = (uint8_t)(nk - 1);
	}
	rte_hash_lookup_bulk_data(in->s->ep_hash, kp, nk, &hit, eps);
	for (uint64_t h = hit; h != 0; h &= h - 1) {
		uint16_t k = (uint16_t)__builtin_ctzll(h);
		struct dps_addr a = {.len = len};

		memcpy(a.b, key[k].b, len);
		/*
		 * An address of ours that is also a subnet broadcast of the incoming NIC (say
		 * x.y.z.255/32 beside x.y.z.1/24) is a broadcast to ipv4.c (RFC 1122 3.3.6): not
		 * answered from itself, so not here.
		 */
		if (len == 4 && unlikely(dps_ip4_subnet_bcast_rcu(in->nic, in->np4, a.b)))
			continue;
		if (dps_nic_rx_match_rcu(in->nic, eps[k], &a) == DPS_RX_LOCAL)
			lk |= 1ull << k;
	}
	for (uint16_t i = 0; i < e->n; i++)
		local |= ((lk >> of[i]) & 1) << i;
	return local;
}

/* The reply's Ethernet header over the request's: back to its sender, from us. */
static inline void
fp_echo_eth(const struct fp_in *in, struct rte_mbuf *m, uint16_t l3_len)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&in->nic->mac, &eh->src_addr);
	m->tx_offload = ETH_HLEN | (uint64_t)l3_len << 7;
}

/* Steps every in-place reply shares (ICMP and UDP echo, both families). */

/* A request the fast path does not answer: to the NIC layer's delivery, untouched. */
static inline void
fp_echo_slow(struct fp_side *slow, struct rte_mbuf *m)
{
	fp_to_l3(m);
	fp_side_add(slow, m);
}

/* An answered request: counted as received, its Ethernet padding cut (frame_len kept). */
static inline void
fp_echo_take(struct fp_echo_cnt *c, struct rte_mbuf *m, uint32_t frame_len)
{
	c->bytes += m->pkt_len;
	m->data_len = (uint16_t)(m->pkt_len = frame_len);
}

/* The finished reply: Ethernet header back to the sender, queued out of the incoming NIC. */
static inline void
fp_echo_send(struct dps_ctx *ctx, const struct fp_in *in, struct dps_fp_run *run,
	     struct rte_mbuf *m, uint16_t l3_len)
{
	fp_echo_eth(in, m, l3_len);
	dps_fp_run_add(ctx, run, in->nic, m);
}

static inline void
fp4_swap_addrs(struct rte_ipv4_hdr *ip)
{
	uint32_t a = ip->src_addr;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
}

static inline void
fp6_swap_addrs(struct rte_ipv6_hdr *ip)
{
	uint8_t a[16];

	memcpy(a, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, a, 16);
}

/*
 * ICMP echo requests answered in place, as icmp4.c's icmp4_echo() answers them: addresses
 * swapped, TTL 64, type 0; both checksums updated incrementally (RFC 1624). Not an echo
 * request to a live address of ours, or a bad ICMP checksum: the NIC layer's delivery.
 */
static void
fp4_echo(struct dps_ctx *ctx, const struct fp_in *in, struct fp_echo *e, struct fp_side *slow,
	 struct dps_fp_run *run, struct fp_echo_cnt *c)
{
	uint64_t local = fp_local_mask(in, e, ETH_HLEN + offsetof(struct rte_ipv4_hdr, dst_addr), 4);

	for (uint16_t i = 0; i < e->n; i++) {
		struct rte_mbuf *m = e->m[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_HLEN);
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
		uint16_t tlen = rte_be_to_cpu_16(ip->total_length), ow, nw;

		if (!((local >> i) & 1) || icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
		    dps_fp_fold(dps_fp_sum(icmp, tlen - IP4_HLEN, 0)) != 0xffff) {
			fp_echo_slow(slow, m);
			continue;
		}
		fp_echo_take(c, m, (uint32_t)tlen + ETH_HLEN);
		fp4_swap_addrs(ip);
		memcpy(&ow, &ip->time_to_live, 2);
		ip->time_to_live = DPS_IP4_TTL;
		memcpy(&nw, &ip->time_to_live, 2);
		ip->hdr_checksum = dps_cksum_adjust(ip->hdr_checksum, &ow, &nw, 2);
		memcpy(&ow, icmp, 2);
		icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		icmp->icmp_code = 0;
		memcpy(&nw, icmp, 2);
		icmp->icmp_cksum = dps_cksum_adjust(icmp->icmp_cksum, &ow, &nw, 2);
		fp_echo_send(ctx, in, run, m, IP4_HLEN);
		c->n4++;
	}
}

/*
 * ICMPv6 echo requests answered in place, as icmp6.c's icmp6_echo() does: a fresh header
 * (traffic class and flow label zero, hop limit 64, addresses swapped), type 129, checksum
 * updated for the type (the pseudo-header sum is unchanged by the swap).
 */
static void
fp6_echo(struct dps_ctx *ctx, const struct fp_in *in, struct fp_echo *e, struct fp_side *slow,
	 struct dps_fp_run *run, struct fp_echo_cnt *c)
{
	uint64_t local = fp_local_mask(in, e, ETH_HLEN + offsetof(struct rte_ipv6_hdr, dst_addr), 16);

	for (uint16_t i = 0; i < e->n; i++) {
		struct rte_mbuf *m = e->m[i];
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_HLEN);
		uint8_t *icmp = (uint8_t *)(ip + 1);
		uint16_t ow, nw, ck;

		if (!((local >> i) & 1) || icmp[0] != 128 /* echo request */ ||
		    !dps_fp_ip6_l4_cksum_ok(ip)) {
			fp_echo_slow(slow, m);
			continue;
		}
		fp_echo_take(c, m,
			     (uint32_t)ETH_HLEN + DPS_IP6_HLEN + rte_be_to_cpu_16(ip->payload_len));
		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->hop_limits = DPS_IP6_HLIM;
		fp6_swap_addrs(ip);
		memcpy(&ow, icmp, 2);
		icmp[0] = 129; /* echo reply */
		icmp[1] = 0;
		memcpy(&nw, icmp, 2);
		memcpy(&ck, icmp + 2, 2);
		ck = dps_cksum_adjust(ck, &ow, &nw, 2);
		memcpy(icmp + 2, &ck, 2);
		fp_echo_send(ctx, in, run, m, DPS_IP6_HLEN);
		c->n6++;
	}
}

/*
 * The UDP datagrams of e the demuxer would give to the built-in echo service, in one demux
 * pass: bit i set when e->m[i] is to a live address of the incoming NIC (bit i of local) and
 * dps_nic_deliver_transport()'s lookup finds an endpoint of the echo service for it (not a
 * more specific endpoint, not a user's, not none). src_off: the source address in the frame
 * (the destination follows it); udp_off: the UDP header. Consecutive datagrams to a port with
 * wildcard binds only (dps_demux_port_wild: the echo service's) share one query.
 */
static __rte_always_inline uint64_t
fp_uecho_mask(const struct fp_in *in, const struct fp_echo *e, uint64_t local, uint16_t netproto,
	      uint16_t src_off, uint8_t alen, uint16_t udp_off)
{
	struct dps_demux_query q[DPS_BURST];
	struct dps_tep *tep[DPS_BURST];
	const struct dps_tep *last = NULL;
	uint8_t qi[DPS_BURST]; /* the query of each datagram */
	uint64_t echo = 0, qecho = 0;
	uint16_t nq = 0, run_port = 0;
	bool run_wild = false, last_echo = false;

	for (uint64_t l = local; l != 0; l &= l - 1) {
		uint16_t i = (uint16_t)__builtin_ctzll(l);
		const uint8_t *p = rte_pktmbuf_mtod(e->m[i], const uint8_t *);
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(p + udp_off);

		/* A run to a port with wildcard binds only: one endpoint, one query for all. */
		if (run_wild && uh->dst_port == run_port) {
			qi[i] = (uint8_t)(nq - 1);
			continue;
		}
		q[nq].lport = rte_be_to_cpu_16(uh->dst_port);
		q[nq].rport = rte_be_to_cpu_16(uh->src_port);
		q[nq].raddr = p + src_off;
		q[nq].laddr = p + src_off + alen;
		run_port = uh->dst_port;
		run_wild = dps_demux_port_wild(in->s, IPPROTO_UDP, q[nq].lport);
		qi[i] = (uint8_t)nq++;
	}
	/* Not registered, or raw endpoints (they see every datagram first): the long way. */
	if (nq == 0 || dps_demux_lookup_bulk(in->s, netproto, IPPROTO_UDP, alen, q, nq, tep) < 0)
		return 0;
	for (uint16_t k = 0; k < nq; k++) {
		/* The datagrams of a burst go to few endpoints: ask each once. */
		if (tep[k] != last) {
			last = tep[k];
			last_echo = last != NULL && dps_tep_rx(last) == dps_udp_echo_rx;
		}
		qecho |= (uint64_t)last_echo << k;
	}
	/* Every query the echo service's (the common burst): every datagram asked about. */
	if (qecho == (1ull << nq) - 1) /* nq <= DPS_BURST */
		return local;
	for (uint64_t l = local; l != 0; l &= l - 1) {
		uint16_t i = (uint16_t)__builtin_ctzll(l);

		echo |= ((qecho >> qi[i]) & 1) << i;
	}
	return echo;
}

/*
 * udp.c's udp_validate() verdict for a datagram that fills its IP payload (a shorter one is
 * cut by the slow path first): the length (RFC 768), then the checksum as that checks it
 * (zero: none, RFC 768; the port's rx verdict when it gave one; else in software).
 */
static inline bool
fp4_udp_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *uh,
	   uint16_t tlen)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (rte_be_to_cpu_16(uh->dgram_len) != tlen - IP4_HLEN)
		return false;
	if (uh->dgram_cksum == 0)
		return true;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	return ck != RTE_MBUF_F_RX_L4_CKSUM_BAD && dps_fp_ip4_l4_cksum_ok(ip);
}

/* The same over IPv6, where the checksum is mandatory (RFC 8200 8.1): zero is an error. */
static inline bool
fp6_udp_ok(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip, const struct rte_udp_hdr *uh)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (uh->dgram_len != ip->payload_len || uh->dgram_cksum == 0)
		return false;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	return ck != RTE_MBUF_F_RX_L4_CKSUM_BAD && dps_fp_ip6_l4_cksum_ok(ip);
}

/* Source and destination port swapped (the checksum does not change: same words). */
static inline void
fp_udp_swap_ports(struct rte_udp_hdr *uh)
{
	uint32_t p;

	memcpy(&p, uh, 4);
	p = p >> 16 | p << 16;
	memcpy(uh, &p, 4);
}

/*
 * UDP echo (RFC 862) answered in place, byte for byte as udp.c's dps_udp_echo_rx() and
 * udp_reply_in_place() answer: addresses and ports swapped, TTL 64, flags and fragment
 * offset zero, the rest of the header kept; the header checksum updated for the two changed
 * words (RFC 1624 eqn. 3), the UDP checksum unchanged (the swap keeps its sum; a zero one
 * stays zero). Anything else, or a datagram the service's checks refuse: the NIC layer's
 * delivery, which counts it.
 */
static void
fp4_uecho(struct dps_ctx *ctx, const struct fp_in *in, struct fp_echo *e, struct fp_side *slow,
	  struct dps_fp_run *run, struct fp_echo_cnt *c)
{
	const uint16_t src_off = ETH_HLEN + offsetof(struct rte_ipv4_hdr, src_addr);
	uint64_t echo = fp_uecho_mask(in, e, fp_local_mask(in, e, (uint16_t)(src_off + 4), 4),
				      RTE_ETHER_TYPE_IPV4, src_off, 4, ETH_HLEN + IP4_HLEN);
	/* Fragment word, TTL and protocol of the reply (network order as stored). */
	static const uint8_t frag_ttl[4] = {0, 0, DPS_IP4_TTL, IPPROTO_UDP};

	for (uint16_t i = 0; i < e->n; i++) {
		struct rte_mbuf *m = e->m[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_HLEN);
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);
		uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
		uint32_t ow, nw;

		if (!((echo >> i) & 1) || !fp4_udp_ok(m, ip, uh, tlen)) {
			fp_echo_slow(slow, m);
			continue;
		}
		fp_echo_take(c, m, (uint32_t)tlen + ETH_HLEN);
		fp4_swap_addrs(ip);
		memcpy(&ow, &ip->fragment_offset, 4);
		memcpy(&nw, frag_ttl, 4);
		memcpy(&ip->fragment_offset, &nw, 4);
		ip->hdr_checksum = dps_fp_cksum_adjust32(ip->hdr_checksum, ow, nw);
		fp_udp_swap_ports(uh);
		fp_echo_send(ctx, in, run, m, IP4_HLEN);
		c->u4++;
	}
}

/*
 * The same over IPv6 (udp_reply_in_place()): addresses and ports swapped, hop limit 64,
 * traffic class and flow label kept; no header checksum, the UDP one unchanged.
 */
static void
fp6_uecho(struct dps_ctx *ctx, const struct fp_in *in, struct fp_echo *e, struct fp_side *slow,
	  struct dps_fp_run *run, struct fp_echo_cnt *c)
{
	const uint16_t src_off = ETH_HLEN + offsetof(struct rte_ipv6_hdr, src_addr);
	uint64_t echo = fp_uecho_mask(in, e, fp_local_mask(in, e, (uint16_t)(src_off + 16), 16),
				      RTE_ETHER_TYPE_IPV6, src_off, 16, ETH_HLEN + DPS_IP6_HLEN);

	for (uint16_t i = 0; i < e->n; i++) {
		struct rte_mbuf *m = e->m[i];
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, ETH_HLEN);
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		if (!((echo >> i) & 1) || !fp6_udp_ok(m, ip, uh)) {
			fp_echo_slow(slow, m);
			continue;
		}
		fp_echo_take(c, m,
			     (uint32_t)ETH_HLEN + DPS_IP6_HLEN + rte_be_to_cpu_16(ip->payload_len));
		ip->hop_limits = DPS_IP6_HLIM;
		fp6_swap_addrs(ip);
		fp_udp_swap_ports(uh);
		fp_echo_send(ctx, in, run, m, DPS_IP6_HLEN);
		c->u6++;
	}
}

/* ---- the burst ---- */

static inline void
fp_in_init(struct fp_in *in, struct dps_nic *nic, const struct dps_vlan_tbl *vt,
	   struct dps_nic *vparent, uint32_t tagw)
{
	struct dps_stack *s = nic->stack;
	int np4 = dps_stack_np_slot(s, RTE_ETHER_TYPE_IPV4);
	int np6 = dps_stack_np_slot(s, RTE_ETHER_TYPE_IPV6);
	bool fast, fwd;

	in->s = s;
	in->nic = nic;
	in->mac = 0;
	memcpy(&in->mac, &nic->mac, RTE_ETHER_ADDR_LEN);
	in->mac = rte_le_to_cpu_64(in->mac);
	in->mtu = __atomic_load_n(&nic->mtu, __ATOMIC_RELAXED);
	in->promisc = __atomic_load_n(&nic->promiscuous, __ATOMIC_RELAXED) != 0;
	in->vt = vt; /* read once per burst by dps_eth_input_burst(); NULL without VLAN NICs */
	in->tagw = tagw;
	in->vparent = vparent != NULL ? vparent : nic;
	/*
	 * Read once per burst (a change lands between two bursts). A promiscuous NIC or one with
	 * address ranges owns destinations the filter does not know: the NIC layer decides.
	 * The fast path stands in for this library's own IPv4 / IPv6 only.
	 */
	fast = !in->promisc && __atomic_load_n(&nic->ranges, __ATOMIC_RELAXED) == NULL;
	fwd = fast && dps_stack_forwarding(s) && dps_nic_forwarding(nic);
	in->np4 = np4 < 0 ? DPS_MAX_NETPROTO : (unsigned int)np4;
	in->fast4 = fast && np4 >= 0 && s->np[np4] == &dps_ipv4_ops;
	in->fast6 = fast && np6 >= 0 && s->np[np6] == &dps_ipv6_ops;
	in->fwd4 = fwd && in->fast4;
	in->fwd6 = fwd && in->fast6;
}

static void vlan_rx_chunk(struct dps_ctx *ctx, struct dps_nic *nic,
			  const struct dps_vlan_tbl *vt, struct rte_mbuf **pkts, uint16_t n);

static void
fp_side_flush(struct dps_ctx *ctx, const struct fp_in *in, struct fp_sides *sd)
{
	struct dps_nic *nic = in->nic;

	if (sd->deliver4.n > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_IPV4, sd->deliver4.m,
					sd->deliver4.n);
	if (unlikely(sd->router4.n > 0)) {
		for (uint16_t i = 0; i < sd->router4.n; i++)
			fp_to_l3(sd->router4.m[i]);
		dps_fwd4_burst(ctx, nic, sd->router4.m, sd->router4.n);
	}
	if (sd->deliver6.n > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_IPV6, sd->deliver6.m,
					sd->deliver6.n);
	if (unlikely(sd->router6.n > 0)) {
		for (uint16_t i = 0; i < sd->router6.n; i++)
			fp_to_l3(sd->router6.m[i]);
		dps_fwd6_burst(ctx, nic, sd->router6.m, sd->router6.n);
	}
	if (sd->arp.n > 0)
		dps_nic_deliver_network(ctx, nic, RTE_ETHER_TYPE_ARP, sd->arp.m, sd->arp.n);
	/* The port's VLANs' frames, after its own (each VLAN NIC's as a burst of its own). */
	if (unlikely(sd->vlan.n > 0))
		vlan_rx_chunk(ctx, in->vparent, in->vt, sd->vlan.m, sd->vlan.n);
}

/* Stage 1, a group at a time, the next group's headers on their way into the cache. */
static __rte_always_inline void
fp_stage1(struct dps_ctx *ctx, const struct fp_in *in, struct rte_mbuf **pkts, uint16_t n,
	  struct fp_sets *fs, struct fp_sides *sd, const bool tagged)
{
	uint16_t i;

	for (i = 0; i < n && i < FP_GROUP; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i += FP_GROUP) {
		uint16_t end = RTE_MIN(n, (uint16_t)(i + FP_GROUP));

		for (uint16_t j = i; j < end; j++) {
			if (j + FP_GROUP < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[j + FP_GROUP], void *));
			fp_classify(ctx, in, pkts[j], fs, sd, tagged);
		}
	}
}

/* The VLAN burst's copy of stage 1, out of line: the untagged one keeps its code as it was. */
static __rte_noinline void
fp_stage1_tagged(struct dps_ctx *ctx, const struct fp_in *in, struct rte_mbuf **pkts, uint16_t n,
		 struct fp_sets *fs, struct fp_sides *sd)
{
	fp_stage1(ctx, in, pkts, n, fs, sd, true);
}

/*
 * One burst of nic's frames through the fast path, the side arrays after it. vparent and tagw:
 * a VLAN NIC's burst whose tags stage 1 takes off (struct fp_in), else NULL and 0.
 */
static void
rx_chunk(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_vlan_tbl *vt,
	 struct dps_nic *vparent, uint32_t tagw, struct rte_mbuf **pkts, uint16_t n)
{
	struct fp_in in;
	struct fp_sets fs;
	struct fp_sides sd;
	struct fp_echo_cnt ec = {0, 0, 0, 0, 0};
	struct dps_fp_run run;
	uint32_t rx, fwd;

	fp_in_init(&in, nic, vt, vparent, tagw);
	fs.f4.c.n = fs.f6.c.n = 0;
	fs.e4.icmp.n = fs.e4.udp.n = fs.e6.icmp.n = fs.e6.udp.n = 0;
	fs.f4.c.bytes = fs.f6.c.bytes = 0;
	sd.deliver4.n = sd.deliver6.n = sd.arp.n = sd.router4.n = sd.router6.n = sd.vlan.n = 0;

	/* Stage 1; the untagged loop never tests for tags (a VLAN burst's has its own copy). */
	if (unlikely(tagw != 0))
		fp_stage1_tagged(ctx, &in, pkts, n, &fs, &sd);
	else
		fp_stage1(ctx, &in, pkts, n, &fs, &sd, false);

	/* Stages 2 and 3: routed packets, then the echo services' replies. */
	if (fs.f4.c.n > 0)
		fp4_forward(ctx, &in, &fs.f4, &sd.router4);
	if (fs.f6.c.n > 0)
		fp6_forward(ctx, &in, &fs.f6, &sd.router6);
	if (unlikely(fs.e4.icmp.n + fs.e4.udp.n + fs.e6.icmp.n + fs.e6.udp.n > 0)) {
		dps_fp_run_init(&run);
		if (fs.e4.icmp.n > 0)
			fp4_echo(ctx, &in, &fs.e4.icmp, &sd.deliver4, &run, &ec);
		if (fs.e4.udp.n > 0)
			fp4_uecho(ctx, &in, &fs.e4.udp, &sd.deliver4, &run, &ec);
		if (fs.e6.icmp.n > 0)
			fp6_echo(ctx, &in, &fs.e6.icmp, &sd.deliver6, &run, &ec);
		if (fs.e6.udp.n > 0)
			fp6_uecho(ctx, &in, &fs.e6.udp, &sd.deliver6, &run, &ec);
		dps_fp_run_flush(ctx, &run);
	}
	/* What the NIC layer, the forwarder and ICMP would count, once per burst. */
	rx = (uint32_t)fs.f4.c.n + fs.f6.c.n;
	if (rx > 0) {
		fwd = rx - sd.router4.n - sd.router6.n;
		if (fwd > 0)
			dps_cnt_add(ctx, nic->id, DPS_CNT_FWD_FORWARDED, fwd);
	}
	if (unlikely(ec.n4 + ec.n6 + ec.u4 + ec.u6 > 0)) {
		uint32_t nu = ec.u4 + ec.u6, ne = ec.n4 + ec.n6 + nu;

		rx += ne;
		dps_cnt_add(ctx, nic->id, DPS_CNT_IP_PACKETS_DELIVERED, ne);
		dps_cnt_add(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT, ne);
		if (ec.n4 > 0) {
			dps_cnt_add(ctx, nic->id, DPS_CNT_ICMP4_ECHO_RCVD, ec.n4);
			dps_cnt_add(ctx, nic->id, DPS_CNT_ICMP4_ECHO_SENT, ec.n4);
		}
		if (ec.n6 > 0) {
			dps_cnt_add(ctx, nic->id, DPS_CNT_ICMP6_ECHO_RCVD, ec.n6);
			dps_cnt_add(ctx, nic->id, DPS_CNT_ICMP6_ECHO_SENT, ec.n6);
		}
		/* udp.c's dps_udp_echo_rx(): received, echoed, sent. */
		if (nu > 0) {
			dps_cnt_add(ctx, nic->id, DPS_CNT_UDP_PACKETS_RECEIVED, nu);
			dps_cnt_add(ctx, nic->id, DPS_CNT_UDP_ECHOED, nu);
			dps_cnt_add(ctx, nic->id, DPS_CNT_UDP_PACKETS_SENT, nu);
		}
	}
	if (rx > 0) {
		dps_cnt_add(ctx, nic->id, DPS_CNT_RX_PACKETS, rx);
		dps_cnt_add(ctx, nic->id, DPS_CNT_RX_BYTES, fs.f4.c.bytes + fs.f6.c.bytes + ec.bytes);
		dps_cnt_add(ctx, nic->id, DPS_CNT_IP_PACKETS_RECEIVED, rx);
	}
	/* The side arrays: the code paths that decide everything the fast path did not. */
	fp_side_flush(ctx, &in, &sd);
}

/* ---- 802.1Q: a port with VLAN NICs (vlan.c) ---- */

#define VLAN_SLOT_DROP UINT16_MAX

/*
 * Where one frame of a port with VLANs goes (IEEE 802.1Q 9.6): 0 the parent NIC (untagged,
 * or priority-tagged: VID 0, its tag taken off), else the child NIC's id + 1 with the tag
 * taken off, so the frame is an untagged one of the child; VLAN_SLOT_DROP when counted and
 * dropped here. A tag the PMD stripped (RTE_MBUF_F_RX_VLAN_STRIPPED) is read from vlan_tci.
 */
static inline uint16_t
vlan_slot(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_vlan_tbl *vt,
	  struct rte_mbuf *m)
{
	uint8_t *eh = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t t, inner, tci;
	bool stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;

	if (unlikely(m->data_len < ETH_HLEN))
		return 0; /* eth_classify() counts it */
	memcpy(&t, eh + 12, 2);
	if (!stripped && t != RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		if (unlikely(t == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
			eth_drop(ctx, nic, m, DPS_CNT_ETH_VLAN_QINQ);
			return VLAN_SLOT_DROP;
		}
		return 0;
	}
	if (stripped) {
		tci = m->vlan_tci;
		inner = t;
	} else {
		/* The tag and the inner ethertype in the first segment, where they are moved. */
		if (unlikely(m->data_len < ETH_HLEN + VLAN_HLEN)) {
			eth_drop(ctx, nic, m, DPS_CNT_ETH_SHORT);
			return VLAN_SLOT_DROP;
		}
		memcpy(&tci, eh + 14, 2);
		tci = rte_be_to_cpu_16(tci);
		memcpy(&inner, eh + 16, 2);
	}
	/* A tag in a tag (802.1ad S-tag then C-tag, or two C-tags): QinQ, not supported. */
	if (unlikely(inner == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		     inner == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
		eth_drop(ctx, nic, m, DPS_CNT_ETH_VLAN_QINQ);
		return VLAN_SLOT_DROP;
	}
	tci &= RTE_VLAN_ID_MASK;
	/* VID 0: priority-tagged, the port's own (802.1Q 9.6); 4095 is reserved: child[] 0. */
	if (tci != 0 && unlikely(vt->child[tci] == 0)) {
		eth_drop(ctx, nic, m, DPS_CNT_ETH_VLAN_UNKNOWN);
		return VLAN_SLOT_DROP;
	}
	if (stripped)
		m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN);
	else
		vlan_untag(m);
	return vt->child[tci];
}

/*
 * Frames of a port with VLANs (a burst that starts with a tagged frame, or the tagged frames
 * fp_side_flush() collected): sorted by NIC (a counting sort, order kept within each), the
 * port's own (untagged, priority-tagged) first, then each VLAN NIC's as one burst of its own
 * through rx_chunk(), fast path included. A burst of one NIC's frames is taken as it is.
 */
static void
vlan_rx_chunk(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_vlan_tbl *vt,
	      struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *sorted[DPS_BURST];
	uint16_t slot[DPS_BURST], kid[DPS_BURST], nk = 0, out = 0, first;
	bool uniform = true;

	if (unlikely(n == 0))
		return;
	for (uint16_t i = 0; i < n; i++)
		slot[i] = vlan_slot(ctx, nic, vt, pkts[i]);
	/* The common case, a burst of one NIC's frames (one VLAN, or untagged): as it is. */
	first = slot[0];
	for (uint16_t i = 1; i < n; i++)
		uniform &= slot[i] == first;
	if (likely(uniform) && first != VLAN_SLOT_DROP) {
		struct dps_nic *to = first == 0 ? nic : dps_stack_nic_rcu(nic->stack, first - 1);

		if (likely(to != NULL)) {
			rx_chunk(ctx, to, first == 0 ? vt : NULL, NULL, 0, pkts, n);
			return;
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		bool seen = false;

		if (slot[i] == VLAN_SLOT_DROP || slot[i] == 0)
			continue;
		for (uint16_t k = 0; k < nk && !seen; k++)
			seen = kid[k] == slot[i];
		if (!seen)
			kid[nk++] = slot[i];
	}
	for (uint16_t i = 0; i < n; i++)
		if (slot[i] == 0)
			sorted[out++] = pkts[i];
	if (out > 0)
		rx_chunk(ctx, nic, vt, NULL, 0, sorted, out);
	for (uint16_t k = 0; k < nk; k++) {
		struct dps_nic *child = dps_stack_nic_rcu(nic->stack, (uint16_t)(kid[k] - 1));

		out = 0;
		for (uint16_t i = 0; i < n; i++)
			if (slot[i] == kid[k])
				sorted[out++] = pkts[i];
		if (likely(child != NULL)) {
			rx_chunk(ctx, child, NULL, NULL, 0, sorted, out); /* a VLAN has no VLANs */
			continue;
		}
		/* The child NIC is going away: its frames are a VLAN nobody is any more. */
		for (uint16_t i = 0; i < out; i++)
			eth_drop(ctx, nic, sorted[i], DPS_CNT_ETH_VLAN_UNKNOWN);
	}
}

/* Whether a frame carries a tag (or the PMD stripped one): a VLAN's, priority-tagged or QinQ. */
static inline bool
vlan_tagged(const struct rte_mbuf *m)
{
	const uint8_t *eh = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t t;

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
		return true;
	if (unlikely(m->data_len < ETH_HLEN))
		return false;
	memcpy(&t, eh + 12, 2);
	return t == RTE_BE16(RTE_ETHER_TYPE_VLAN) || t == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/*
 * A burst whose first frame carries a software C-tag of a live VLAN NIC (a trunk's common
 * case, a burst of one VLAN): that NIC's burst, its tags taken off by stage 1 in the same pass
 * (fp_untag()); frames of any other VLAN in it are sorted after it. Anything else (priority
 * tags, tags the PMD stripped, QinQ, an unknown VID) is sorted per frame first.
 */
static void
vlan_burst(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_vlan_tbl *vt,
	   struct rte_mbuf **pkts, uint16_t n)
{
	struct dps_nic *child;
	uint32_t w;
	uint16_t vid;

	if (vlan_tag_word(pkts[0], &w) &&
	    (w & RTE_BE32(0xffff0000)) == RTE_BE32((uint32_t)RTE_ETHER_TYPE_VLAN << 16)) {
		vid = rte_be_to_cpu_32(w) & RTE_VLAN_ID_MASK;
		if (vid != 0 && vt->child[vid] != 0) {
			child = dps_stack_nic_rcu(nic->stack, (uint16_t)(vt->child[vid] - 1));
			if (likely(child != NULL)) {
				rx_chunk(ctx, child, vt, nic, w, pkts, n);
				return;
			}
		}
	}
	vlan_rx_chunk(ctx, nic, vt, pkts, n);
}

/*
 * On a port with VLAN NICs, a burst whose first frame is tagged (a trunk carrying mostly
 * VLANs) goes to vlan_burst(); any other burst takes the port's fast path as is, its tagged
 * frames sorted after it from a side array (fp_side_flush()). Untagged traffic thus pays
 * nothing for the VLANs of its port, tagged traffic of one VLAN a compare per frame and the
 * tag's removal.
 */
void
dps_eth_input_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts,
		    uint16_t n)
{
	const struct dps_vlan_tbl *vt = dps_vlan_tbl_rcu(nic);

	while (n > 0) {
		uint16_t k = RTE_MIN(n, (uint16_t)DPS_BURST);

		if (unlikely(vt != NULL) && vlan_tagged(pkts[0]))
			vlan_burst(ctx, nic, vt, pkts, k);
		else
			rx_chunk(ctx, nic, vt, NULL, 0, pkts, k);
		pkts += k;
		n -= k;
	}
}
