/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * lib/proto internals shared by its files: mbuf helpers that work on chains, address
 * predicates, the protocol tables and the entry points one protocol calls in another (ICMP
 * input and errors, ARP and NDP solicitation, forwarding). Not installed: nothing outside
 * lib/proto includes it (scripts/incgraph checks it). The predicates and helpers two files
 * need are defined here once, as static inline, so that no two files of lib/proto call each
 * other (the call graph of lib/proto is a stack: see docs/architecture.md).
 */
#ifndef DPS_PROTO_PRIV_H
#define DPS_PROTO_PRIV_H

#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dps_cksum.h"
#include "dps_demux.h"
#include "dps_nic_dp.h"
#include "dps_proto.h"

#define DPS_IP4_TTL 64   /**< TTL of packets we originate (RFC 1700 default) */
#define DPS_IP6_HLIM 64  /**< hop limit of packets we originate */
#define DPS_ICMP4_ERR_MAX 576  /**< RFC 1812 4.3.2.3: the whole error fits 576 bytes */
#define DPS_ICMP6_ERR_MAX 1280 /**< RFC 4443 2.4(c): the whole error fits the minimum MTU */

extern const struct dps_netproto_ops dps_ipv4_ops;
extern const struct dps_netproto_ops dps_ipv6_ops;
extern const struct dps_netproto_ops dps_arp_ops;
extern const struct dps_transproto_ops dps_udp_ops;
extern const struct dps_transproto_ops dps_tcp_ops;

/**
 * The UDP echo service's receive callback (udp.c): the fast path knows the service's
 * endpoints by it (dps_tep_rx()) and answers their datagrams itself.
 */
void dps_udp_echo_rx(struct dps_ctx *ctx, struct dps_tep *tep, struct rte_mbuf *m,
		     const struct dps_pktinfo *info, void *arg);

/* ---- mbuf helpers (chains allowed) ---- */

/** Copy len bytes at off of m into buf. Returns 0, or -1 if outside the packet. */
static inline int
dps_mbuf_copy(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const void *p = rte_pktmbuf_read(m, off, len, buf);

	if (p == NULL)
		return -1;
	if (p != buf)
		memcpy(buf, p, len);
	return 0;
}

/**
 * The transport ops' parse_ports for UDP and TCP: both start with source and destination
 * port (RFC 768, RFC 9293 3.1). Host byte order out; -EBADMSG if the packet is too short.
 */
static inline int
dps_l4_parse_ports(const struct rte_mbuf *m, uint32_t off, uint16_t *sport, uint16_t *dport)
{
	uint16_t p[2];

	if (dps_mbuf_copy(m, off, 4, p) < 0)
		return -EBADMSG;
	*sport = rte_be_to_cpu_16(p[0]);
	*dport = rte_be_to_cpu_16(p[1]);
	return 0;
}

/** Write len bytes of buf at off of m, across segments. Returns 0, or -1 if outside. */
static inline int
dps_mbuf_write(struct rte_mbuf *m, uint32_t off, uint32_t len, const void *buf)
{
	const uint8_t *src = buf;
	struct rte_mbuf *seg = m;

	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (len > 0 && seg != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)seg->data_len - off);

		memcpy(rte_pktmbuf_mtod_offset(seg, uint8_t *, off), src, n);
		src += n;
		len -= n;
		off = 0;
		seg = seg->next;
	}
	return len == 0 ? 0 : -1;
}

/**
 * Cut m to its first len bytes (len <= pkt_len), freeing segments that become empty: trims
 * Ethernet padding and bytes beyond a length field, in any segment.
 */
static inline void
dps_mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *prev = NULL;
	uint32_t left = len;

	if (len >= m->pkt_len)
		return;
	m->pkt_len = len;
	while (seg != NULL && left > seg->data_len) {
		left -= seg->data_len;
		prev = seg;
		seg = seg->next;
	}
	if (seg == NULL)
		return;
	/* Keep an empty first segment: it carries the packet metadata. */
	if (left == 0 && prev != NULL) {
		prev->next = NULL;
		rte_pktmbuf_free(seg);
	} else {
		seg->data_len = (uint16_t)left;
		if (seg->next != NULL) {
			rte_pktmbuf_free(seg->next);
			seg->next = NULL;
		}
	}
	m->nb_segs = 0;
	for (seg = m; seg != NULL; seg = seg->next)
		m->nb_segs++;
}

/**
 * Re-use a received mbuf for a new packet of len bytes built at the current data start: the
 * rest of a chain is freed, the headroom (the received Ethernet header) is left as is.
 * Returns the data pointer, or NULL if the first segment cannot hold len bytes.
 */
static inline void *
dps_mbuf_reuse(struct rte_mbuf *m, uint16_t len)
{
	if ((uint32_t)m->data_off + len > m->buf_len)
		return NULL;
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	m->data_len = len;
	m->pkt_len = len;
	return rte_pktmbuf_mtod(m, void *);
}

/** The Ethernet header of a received packet, kept in the headroom before the network header. */
static inline const struct rte_ether_hdr *
dps_rx_eth(const struct rte_mbuf *m)
{
	if (m->l2_len < sizeof(struct rte_ether_hdr) || m->data_off < m->l2_len)
		return NULL;
	return (const struct rte_ether_hdr *)(rte_pktmbuf_mtod(m, const uint8_t *) - m->l2_len);
}

/* ---- address helpers ---- */

static inline void
dps_addr4(struct dps_addr *a, const void *b4)
{
	a->len = 4;
	memcpy(a->b, b4, 4);
	memset(a->b + 4, 0, DPS_ADDR_MAX_LEN - 4);
}

static inline void
dps_addr6(struct dps_addr *a, const void *b16)
{
	a->len = 16;
	memcpy(a->b, b16, 16);
}

/** IPv4 multicast (224/4) or limited broadcast. */
static inline bool
dps_ip4_is_multi(const uint8_t *b)
{
	return (b[0] & 0xf0) == 0xe0 || (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255);
}

static inline bool
dps_ip4_is_zero(const uint8_t *b)
{
	return (b[0] | b[1] | b[2] | b[3]) == 0;
}

static inline bool
dps_ip6_is_multi(const uint8_t *b)
{
	return b[0] == 0xff;
}

/** IPv6 link-local unicast, fe80::/10 (RFC 4291 2.5.6). */
static inline bool
dps_ip6_is_link_local(const uint8_t *b)
{
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

static inline bool
dps_ip6_is_unspec(const uint8_t *b)
{
	static const uint8_t zero[16];

	return memcmp(b, zero, 16) == 0;
}

/** Solicited-node multicast address of an IPv6 unicast address (RFC 4291 2.7.1). */
static inline void
dps_ip6_solicited(const uint8_t *unicast, uint8_t *group)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(group, pfx, 13);
	memcpy(group + 13, unicast + 13, 3);
}

/** Ethernet multicast address of an IPv6 multicast group (RFC 2464 7). */
static inline void
dps_ip6_mcast_mac(const uint8_t *group, struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], group + 12, 4);
}

/* ---- cross-protocol entry points ---- */

/** ICMPv4 input: m's data at the IPv4 header, info filled by ipv4. Takes ownership. */
void dps_icmp4_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m);
/** An echo reply for a local address (either family; echo.c): counted, hooked, freed. */
void dps_icmp_echo_reply_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m);
/** ICMPv6 input (NDP included). hlim is the IPv6 hop limit. Takes ownership. */
void dps_icmp6_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m,
		     uint8_t hlim);

/**
 * Send an ICMP error about orig (dps_icmp4_error(), dps_icmp6_error()). local_src: orig was
 * delivered to us, so its destination (an address, a range or promiscuous view) is the
 * error's source. allow_multi (IPv6): the RFC 4443 2.4(e.3/e.4) exceptions for a multicast
 * destination.
 */
int dps_icmp4_error_ex(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		       uint8_t type, uint8_t code, uint32_t extra, bool local_src);
int dps_icmp6_error_ex(struct dps_ctx *ctx, struct dps_nic *in_nic, const struct rte_mbuf *orig,
		       uint8_t type, uint8_t code, uint32_t extra, bool local_src,
		       bool allow_multi);

/* ARP / IPv4 / IPv6 helpers shared by the protocol tables. */
int dps_arp_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
		    const struct rte_ether_addr *ucast);
void dps_ip4_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m);
void dps_ip6_unresolved(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m);
/** IPv6 solicitation (NDP neighbour solicitation, RFC 4861 7.2.2): the IPv6 ops' solicit. */
int dps_ndp_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
		    const struct rte_ether_addr *ucast);

/**
 * Forward a burst of IPv4 packets that matched no local endpoint on NIC in (forwarding on
 * for the stack and for in). Each mbuf's data starts at a validated IPv4 header, l2_len bytes
 * of the received Ethernet header precede it in the headroom; chains are allowed. Takes
 * ownership of every mbuf: forwarded, queued for neighbour resolution, delivered locally on
 * the outgoing NIC when it owns the destination, or dropped with a counter (and an ICMP error
 * where RFC 1812 asks for one).
 */
void dps_fwd4_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n);

/** Verdicts of dps_ip4_options_check(). */
enum { DPS_IP4OPT_OK = 0, DPS_IP4OPT_BAD = -1, DPS_IP4OPT_SOURCE_ROUTE = 1 };

/**
 * Check the options of an IPv4 header (h, hlen bytes; RFC 791 3.1): every option's length,
 * and the pointer and layout of Record Route, Timestamp, LSRR and SSRR. Returns DPS_IP4OPT_OK,
 * DPS_IP4OPT_SOURCE_ROUTE (valid, with a source route), or DPS_IP4OPT_BAD with *fault the
 * offset of the faulty octet from the header's start (RFC 1812 4.3.3.5's pointer). Used on
 * forwarded packets (fwd.c) and on packets for us (ipv4.c): one rule for both.
 * (lib/proto/ip4opt.c)
 */
int dps_ip4_options_check(const uint8_t *h, uint32_t hlen, uint32_t *fault);

/**
 * Add this router's entry to the Record Route and Timestamp options of a checked header:
 * addr_be (the outgoing address, network order) and the time in ms since midnight UT; a full
 * Timestamp has its overflow count raised. Returns whether h changed (the checksum is then
 * the caller's).
 */
bool dps_ip4_options_fill(uint8_t *h, uint32_t hlen, uint32_t addr_be);

/** Option types of RFC 791 3.1 that the stack acts on. */
enum { DPS_IP4OPT_LSRR = 131, DPS_IP4OPT_SSRR = 137 };

/**
 * Offset from the header's start of the first source route option (LSRR / SSRR) of a header
 * dps_ip4_options_check() accepted, 0 when there is none. (lib/proto/ip4opt.c)
 */
uint32_t dps_ip4_source_route_find(const uint8_t *h, uint32_t hlen);

/**
 * RFC 791 3.1, RFC 1812 5.2.4.1: a packet for one of our addresses (m at its IPv4 header, on
 * the local delivery path, before reassembly) whose source route is not complete. With the
 * arrival NIC's source_route switch off, or forwarding off, it is dropped (fwd.source_route);
 * on, the next address becomes the destination, the outgoing NIC's address is recorded in its
 * slot, the pointer advances and the packet is forwarded (dps_fwd4_burst). Returns true when m
 * was taken (forwarded, dropped or answered with an ICMP error), false when the packet has no
 * source route or a complete one and is to be delivered. (lib/proto/fwd.c)
 */
bool dps_fwd4_source_route(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf *m);

/** Most fragments one forwarded IPv4 packet is cut into (dps_fwd4_fragment()). */
#define DPS_FWD_FRAG_MAX 64

/**
 * Cut a forwarded IPv4 packet m (data at its IPv4 header, TTL already decremented, DF clear,
 * longer than mtu) into fragments of at most mtu bytes (RFC 791 3.2, RFC 1812 4.2.2.7): new
 * mbufs of ctx->pool in out[], the first with every option, the others with the copied ones,
 * each with its own header checksum and m's received Ethernet header in its headroom. m is
 * freed in every case. Returns the number of fragments; -ENOBUFS without mbufs or when more
 * than max would be needed (none is kept); -EINVAL for a header it cannot read or an MTU
 * below the header plus 8 bytes. (lib/proto/fwdfrag.c)
 */
int dps_fwd4_fragment(struct dps_ctx *ctx, struct rte_mbuf *m, uint32_t mtu, struct rte_mbuf **out,
		      unsigned int max);

/**
 * RFC 4861 8.2: send a Redirect about orig (as received, data at its IPv6 header, its
 * Ethernet header in the headroom) to its source on nic: target (16 bytes) is the better
 * first hop, or the destination itself when it is on-link; tmac the target's link-layer
 * address when known (a Target Link-Layer Address option), else NULL. From the NIC's
 * link-local address (-EADDRNOTAVAIL without one), hop limit 255, a Redirected Header option
 * with as much of orig as fits 1280 bytes; rate limited with the ICMPv6 errors (-EBUSY).
 * (lib/proto/icmp6.c)
 */
int dps_icmp6_redirect(struct dps_ctx *ctx, struct dps_nic *nic, const struct rte_mbuf *orig,
		       const uint8_t *target, const struct rte_ether_addr *tmac);

/** The same for IPv6 (RFC 8200, RFC 4443, RFC 4291 2.5.6). */
void dps_fwd6_burst(struct dps_ctx *ctx, struct dps_nic *in, struct rte_mbuf **pkts, uint16_t n);

/* ---- predicates shared by IPv4, ARP and ICMPv4, and by IPv6 and ICMPv6 ---- */

/** Whether an IPv4 address is a unicast host address (not 0.0.0.0, multicast or broadcast). */
static inline bool
dps_ip4_is_unicast(const struct dps_addr *a)
{
	return a->len == 4 && !dps_ip4_is_zero(a->b) && !dps_ip4_is_multi(a->b);
}

/** Whether an IPv4 address is 0.0.0.0 or 255.255.255.255 (never a primary source). */
static inline bool
dps_ip4_is_unspec_or_bcast(const struct dps_addr *a)
{
	return a->len == 4 &&
	       (dps_ip4_is_zero(a->b) || (a->b[0] & a->b[1] & a->b[2] & a->b[3]) == 255);
}

/**
 * Whether a received packet came in a link-layer broadcast or multicast frame (its Ethernet
 * header is in the headroom): RFC 1122 3.2.2 and RFC 4443 2.4(e) forbid ICMP errors about
 * it, RFC 1812 5.3.4 forbids forwarding it.
 */
static inline bool
dps_rx_link_multicast(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = dps_rx_eth(m);

	return eh != NULL && rte_is_multicast_ether_addr(&eh->dst_addr);
}

#define DPS_IP6_HLEN 40    /**< fixed IPv6 header */
#define DPS_IP6_MAX_EXT 16 /**< bound on the extension header walk (each is >= 8 bytes) */

/** IPv6 next header values (RFC 8200 4, RFC 4443). */
enum {
	DPS_IP6_NH_HOPOPTS = 0,
	DPS_IP6_NH_ROUTING = 43,
	DPS_IP6_NH_FRAGMENT = 44,
	DPS_IP6_NH_ICMPV6 = 58,
	DPS_IP6_NH_NONE = 59,
	DPS_IP6_NH_DSTOPTS = 60,
};

/**
 * Walk the IPv6 extension headers of the packet at offset base of m without validating them
 * (ICMPv6 reads the quoted packet of an error with it): returns the offset of the upper-layer
 * header and its protocol in *proto, or -1 when the walk leaves the packet or exceeds
 * DPS_IP6_MAX_EXT headers.
 */
static inline int
dps_ip6_upper(const struct rte_mbuf *m, uint32_t base, uint8_t *proto)
{
	struct rte_ipv6_hdr buf;
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_read(m, base, DPS_IP6_HLEN, &buf);
	uint32_t off = base + DPS_IP6_HLEN;
	uint8_t nh;

	if (ip == NULL)
		return -1;
	nh = ip->proto;
	for (int i = 0; i < DPS_IP6_MAX_EXT; i++) {
		uint8_t e[2];

		if (nh != DPS_IP6_NH_HOPOPTS && nh != DPS_IP6_NH_ROUTING &&
		    nh != DPS_IP6_NH_FRAGMENT && nh != DPS_IP6_NH_DSTOPTS) {
			*proto = nh;
			return (int)off;
		}
		if (dps_mbuf_copy(m, off, 2, e) < 0)
			return -1;
		off += nh == DPS_IP6_NH_FRAGMENT ? 8 : ((uint32_t)e[1] + 1) * 8;
		nh = e[0];
	}
	return -1;
}

/** The slot of a protocol in the stack (for dps_nic_primary_addr_rcu). */
static inline unsigned int
dps_np_slot(const struct dps_stack *s, uint16_t ethertype)
{
	int i = dps_stack_np_slot(s, ethertype);

	return i < 0 ? DPS_MAX_NETPROTO : (unsigned int)i;
}

/** Source address for a reply from a NIC: -EADDRNOTAVAIL if it has none. */
static inline int
dps_primary_src(const struct dps_nic *nic, uint16_t ethertype, struct dps_addr *out)
{
	unsigned int slot = dps_np_slot(nic->stack, ethertype);

	if (slot >= DPS_MAX_NETPROTO)
		return -EPROTONOSUPPORT;
	return dps_nic_primary_addr_rcu(nic, slot, out);
}

/**
 * Whether a (4 bytes, network order) is the subnet-directed broadcast of one of the NIC's
 * connected subnets: the prefixes of its primary IPv4 addresses (NEVER_PRIMARY addresses do
 * not count, docs/protocols.md), /30 or shorter (RFC 3021). np4 is IPv4's slot. Inline for
 * the cheap test: an all-ones host part of two bits or more ends in binary 11.
 */
static inline bool
dps_ip4_subnet_bcast_rcu(const struct dps_nic *nic, unsigned int np4, const uint8_t *a)
{
	struct dps_addr x;

	if (likely((a[3] & 3) != 3))
		return false;
	dps_addr4(&x, a);
	return dps_nic_subnet_allones_rcu(nic, np4, &x);
}

/**
 * Send an IP packet this stack originates (data at the IP header) by the route table: the
 * route's NIC and the next hop's MAC, or resolution. Without a route, out of nic to dmac.
 */
void dps_ip_output_routed(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
			  const struct rte_ether_addr *dmac, uint16_t ethertype);

/* ---- group management (mcast.c: IGMPv2, MLDv1) ---- */

/** Create the stack's group-management state (dps_proto_register_all). 0 or -ENOMEM. */
int dps_mcast_create(struct dps_stack *s);

/*
 * 802.1Q (vlan.c): a parent NIC's VLANs, child[vid] = the child NIC's id + 1 (0: none).
 * Immutable once published (a change publishes a copy); read once per burst.
 */
struct dps_vlan_tbl {
	uint16_t n;
	uint16_t child[4096];
};

/* The per-parent-NIC table pointers (in lib/proto's stack state), or NULL before it exists. */
struct dps_vlan_tbl **dps_vlan_slots(const struct dps_stack *s);

static inline const struct dps_vlan_tbl *
dps_vlan_tbl_rcu(const struct dps_nic *nic)
{
	struct dps_vlan_tbl **t = dps_vlan_slots(nic->stack);

	return t != NULL ? __atomic_load_n(&t[nic->id], __ATOMIC_ACQUIRE) : NULL;
}
/** The IPv4 and IPv6 ops' group_changed_locked: a membership began or ended. */
void dps_mcast_group_changed_locked(struct dps_nic *nic, const struct dps_addr *g, bool joined);
/** The IPv6 ops' address_added_locked: start DAD (RFC 4862 5.4) of a unicast address. */
void dps_dad_address_added_locked(struct dps_nic *nic, struct dps_endpoint *ep);
/** NDP saw another node claim a tentative address of ours (RFC 4862 5.4.3/5.4.4). */
void dps_dad_duplicate(struct dps_ctx *ctx, struct dps_nic *nic, struct dps_endpoint *ep);
/** A valid Router Solicitation arrived on nic: an RA follows if the NIC sends them. */
void dps_ra_solicited(struct dps_ctx *ctx, struct dps_nic *nic);
/** IGMP for this host (info filled by ipv4). Takes ownership. */
void dps_igmp_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m);
/** MLD query, report or done, checksum verified by ICMPv6. Takes ownership. */
void dps_mld_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m,
		   uint8_t hlim);

/* ---- fragments (frag.c: reassembly; fragout.c: our own datagrams) ---- */

/**
 * A fragment for this host (m's data at a validated IPv4 header with MF or an offset): kept
 * for reassembly, or dropped and counted. Returns the reassembled datagram (data at its IPv4
 * header, the first fragment's Ethernet header in front, header checksum set) when m
 * completed one, else NULL. Takes ownership of m.
 */
struct rte_mbuf *dps_frag4_input(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m);
/**
 * The same for IPv6; fo is the offset of the (non-atomic) Fragment header. RFC 8200 4.5 and
 * RFC 7112 checks send their Parameter Problem here.
 */
struct rte_mbuf *dps_frag6_input(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
				 uint32_t fo);
/** Free the datagrams whose reassembly timed out (Time Exceeded code 1 where due). */
void dps_reasm_expire(struct dps_ctx *ctx, uint64_t now);
/*
 * The IPv4 header of a datagram's later fragments (RFC 791 3.1, 3.2): the fixed header and the
 * options whose copied bit is set, padded to a multiple of 4, IHL set. Returns its length.
 * Used by forwarding (fwdfrag.c) and by the stack's own replies (fragout.c).
 */
uint32_t dps_ip4_later_frag_header(const uint8_t *h, uint32_t hlen, uint8_t *out);

/**
 * Send a datagram this host built that is longer than the NIC's MTU as fragments (RFC 791
 * 3.2, RFC 8200 4.5: a source may fragment its own packets), each sent as dps_reply_output()
 * sends; m is freed. Counts ipv4/ipv6.fragments_sent.
 */
void dps_ip_frag_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
			const struct rte_ether_addr *dmac, uint16_t ethertype);

/**
 * Send a reply (echo reply, ICMP error, RST) to a received packet: back out of the NIC to
 * the sender's MAC, or routed when the packet reached this NIC through the forwarding path
 * (it arrived on another one: ctx->routed_reply). A reply to a reassembled datagram may be
 * longer than the MTU: it leaves in fragments.
 */
static inline void
dps_reply_output(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m,
		 const struct rte_ether_addr *dmac, uint16_t ethertype)
{
	if (unlikely(m->pkt_len > __atomic_load_n(&nic->mtu, __ATOMIC_RELAXED)))
		dps_ip_frag_output(ctx, nic, m, dmac, ethertype);
	else if (unlikely(ctx->routed_reply))
		dps_ip_output_routed(ctx, nic, m, dmac, ethertype);
	else
		dps_eth_output(ctx, nic, m, dmac, ethertype);
}

/** Finish an IPv4 header whose fields are set but the checksum (ihl*4 bytes, contiguous). */
static inline void
dps_ip4_set_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));
}

#endif
