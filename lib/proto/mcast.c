/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host side of group management for the groups a NIC joins: IGMPv2 (RFC 2236) and MLDv1
 * (RFC 2710). lib/nic calls group_changed_locked on a group's first join and last leave;
 * reports, leaves / dones and the delayed answers to queries are sent by the control thread
 * (dps_proto_poll()), from its own context. The data path only parses what arrives and posts
 * what matters (a query, another host's report) on a multi-producer ring: no lock, no
 * allocation there.
 *
 * Per membership (RFC 2236 6, RFC 2710 5): Delaying or Idle, and a "last reporter" flag. A
 * join sends an unsolicited report at once and repeats it once after a random delay up to the
 * Unsolicited Report Interval (10 s); a query starts (or shortens) a random delay up to its
 * Max Response Time; another host's report for the group stops ours and clears the flag; the
 * last leave sends a Leave Group / Done when we were the last to report. Never reported:
 * 224.0.0.1 (RFC 2236 6) and, for MLD, ff02::1 and groups of scope 0 or 1 (RFC 2710 5).
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dps_proto.h"
#include "dps_proto_priv.h"

#define MC_RING 256
#define MC_UNSOLICITED_MS 10000 /* RFC 2236 8.10, RFC 2710 7.10: Unsolicited Report Interval */
#define MC_MAX_SEND 64          /* messages built per poll; the rest wait for the next */

enum mc_ev_kind { MC_EV_QUERY, MC_EV_REPORT, MC_EV_DAD_DUP, MC_EV_RS };

/* What the data path posts: 32 bytes (the ring's elements are multiples of 4). */
struct mc_ev {
	uint8_t kind;
	uint8_t len; /* 4 or 16; 0 in a general query */
	uint16_t nic;
	uint32_t max_ms;
	uint8_t fam; /* address length of the family: 4 (IGMP) or 16 (MLD) */
	uint8_t group[16];
	uint8_t pad[7];
};

struct mc_member {
	uint16_t nic;
	struct dps_addr g;
	uint64_t due;       /* TSC of the next message; 0: Idle */
	uint8_t repeats;    /* unsolicited reports still to send */
	bool last_reporter; /* RFC 2236 "flag that we were the last host to report" */
	bool leaving;       /* the membership ended: send a leave / done, then forget */
	TAILQ_ENTRY(mc_member) link;
};
TAILQ_HEAD(mc_list, mc_member);

/* An IPv6 address under Duplicate Address Detection (RFC 4862 5.4). */
struct dad_entry {
	uint16_t nic;
	struct dps_addr a;
	uint64_t due;    /* next probe, or the end of the wait after the last one */
	uint8_t probes;  /* neighbour solicitations still to send */
	TAILQ_ENTRY(dad_entry) link;
};
TAILQ_HEAD(dad_list, dad_entry);

/* Router Advertisements of one NIC (RFC 4861 6.2). */
struct ra_state {
	bool on;
	uint8_t initial;     /* MAX_INITIAL_RTR_ADVERTISEMENTS still to send */
	uint8_t n_prefix;
	uint32_t max_ms;     /* MaxRtrAdvInterval */
	uint64_t next;       /* next unsolicited RA */
	uint64_t rs_due;     /* answer to a solicitation; 0: none */
	uint64_t last;       /* last multicast RA */
	struct dps_prefix prefix[DPS_RA_MAX_PREFIXES];
};

struct dps_mcast {
	struct ra_state ra[DPS_MAX_NICS];
	/* vlan.c's tables, per parent NIC id (lib/proto's one stack-wide state lives here). */
	struct dps_vlan_tbl *vlan[DPS_MAX_NICS];
	pthread_mutex_t lock; /* the lists; taken inside the writer lock, never around it */
	struct mc_list members;
	struct dad_list dad;
	uint32_t dad_transmits;  /* RFC 4862 DupAddrDetectTransmits; 0: no DAD */
	uint32_t dad_retrans_ms; /* RFC 4861 RetransTimer between probes */
	struct rte_ring *ev;
};

struct mc_send {
	uint16_t nic;
	struct dps_addr g;
	bool leave;
};

static struct dps_mcast *
mcast_of(const struct dps_stack *s)
{
	return dps_stack_proto_state(s);
}

struct dps_vlan_tbl **
dps_vlan_slots(const struct dps_stack *s)
{
	struct dps_mcast *mc = mcast_of(s);

	return mc != NULL ? mc->vlan : NULL;
}

/* Whether a group is reported at all. */
static bool
mc_reportable(const struct dps_addr *g)
{
	if (g->len == 4)
		return (g->b[0] & 0xf0) == 0xe0 &&
		       !(g->b[0] == 224 && g->b[1] == 0 && g->b[2] == 0 && g->b[3] == 1);
	/* RFC 2710 5: not ff02::1, not the reserved or interface-local scopes 0 and 1. */
	if (g->b[0] != 0xff || (g->b[1] & 0x0f) <= 1)
		return false;
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	return memcmp(g->b, all_nodes, 16) != 0;
}

static uint64_t
mc_rand_delay(uint32_t max_ms)
{
	uint64_t hz = rte_get_tsc_hz();

	return max_ms == 0 ? 0 : rte_rand_max((uint64_t)max_ms * (hz / 1000) + 1);
}

void
dps_mcast_group_changed_locked(struct dps_nic *nic, const struct dps_addr *g, bool joined)
{
	struct dps_mcast *mc = mcast_of(nic->stack);
	struct mc_member *e;

	if (mc == NULL || !mc_reportable(g))
		return;
	pthread_mutex_lock(&mc->lock);
	TAILQ_FOREACH(e, &mc->members, link)
		if (e->nic == nic->id && dps_addr_eq(&e->g, g))
			break;
	if (joined) {
		if (e == NULL) {
			e = rte_zmalloc("dps_mc", sizeof(*e), 0);
			if (e != NULL) {
				e->nic = nic->id;
				e->g = *g;
				TAILQ_INSERT_TAIL(&mc->members, e, link);
			}
		}
		if (e != NULL) {
			/* RFC 2236 3 / RFC 2710 4: report at once, repeat once after a delay. */
			e->leaving = false;
			e->due = rte_get_tsc_cycles();
			e->repeats = 1;
		}
	} else if (e != NULL) {
		/*
		 * RFC 2236 3 / RFC 2710 4: a leave / done only if we sent the last report (or
		 * never heard another host's); otherwise it may be skipped.
		 */
		if (e->last_reporter) {
			e->leaving = true;
			e->due = rte_get_tsc_cycles();
		} else {
			TAILQ_REMOVE(&mc->members, e, link);
			rte_free(e);
		}
	}
	pthread_mutex_unlock(&mc->lock);
}

/*
 * RFC 4862 5.4: every unicast IPv6 address added is tentative until DupAddrDetectTransmits
 * neighbour solicitations from :: went unanswered for RetransTimer after the last.
 */
void
dps_dad_address_added_locked(struct dps_nic *nic, struct dps_endpoint *ep)
{
	struct dps_mcast *mc = mcast_of(nic->stack);
	struct dad_entry *d;

	if (mc == NULL || mc->dad_transmits == 0 || ep->addr.len != 16 ||
	    dps_ip6_is_multi(ep->addr.b) || dps_ip6_is_unspec(ep->addr.b))
		return;
	d = rte_zmalloc("dps_dad", sizeof(*d), 0);
	if (d == NULL)
		return; /* no memory: the address is used at once, as without DAD */
	d->nic = nic->id;
	d->a = ep->addr;
	d->probes = (uint8_t)mc->dad_transmits;
	d->due = rte_get_tsc_cycles();
	__atomic_store_n(&ep->dad, DPS_DAD_TENTATIVE, __ATOMIC_RELEASE);
	pthread_mutex_lock(&mc->lock);
	TAILQ_INSERT_TAIL(&mc->dad, d, link);
	pthread_mutex_unlock(&mc->lock);
}

void
dps_proto_set_dad(struct dps_stack *s, uint32_t transmits, uint32_t retrans_ms)
{
	struct dps_mcast *mc = mcast_of(s);

	if (mc == NULL)
		return;
	mc->dad_transmits = RTE_MIN(transmits, 255u);
	mc->dad_retrans_ms = retrans_ms != 0 ? retrans_ms : 1000;
}

/* Data path: post an event for the control thread; a full ring loses it (counted). */
static void
mc_post(struct dps_ctx *ctx, uint16_t nic, uint8_t kind, uint8_t fam, const uint8_t *g,
	uint8_t len, uint32_t max_ms)
{
	struct dps_mcast *mc = mcast_of(ctx->stack);
	struct mc_ev ev = {.kind = kind, .len = len, .nic = nic, .max_ms = max_ms, .fam = fam};

	if (mc == NULL)
		return;
	if (len != 0 && g != NULL)
		memcpy(ev.group, g, len);
	if (rte_ring_mp_enqueue_elem(mc->ev, &ev, sizeof(ev)) != 0)
		dps_cnt_inc(ctx, nic, DPS_CNT_MCAST_EVENTS_LOST);
}

/* IGMP (RFC 2236 2): type, max resp (1/10 s), checksum, group. */
void
dps_igmp_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m)
{
	const uint16_t nid = info->nic->id;
	uint8_t h[8];
	uint16_t sum;

	if (info->l4_len < 8 || dps_mbuf_copy(m, info->l4_off, 8, h) < 0 ||
	    dps_cksum_mbuf(m, info->l4_off, info->l4_len, 0, &sum) != 0 || sum != 0xffff) {
		dps_cnt_inc(ctx, nid, DPS_CNT_IGMP_MALFORMED);
		goto out;
	}
	switch (h[0]) {
	case 0x11: { /* Membership Query */
		static const uint8_t zero[4];
		bool general = memcmp(h + 4, zero, 4) == 0;
		/* RFC 2236 4: Max Resp Time 0 is an IGMPv1 query, answered within 10 s. */
		uint32_t max_ms = h[1] == 0 ? 10000 : (uint32_t)h[1] * 100;

		dps_cnt_inc(ctx, nid, DPS_CNT_IGMP_QUERIES_RCVD);
		/* RFC 2236 2.1: a general query goes to 224.0.0.1, a group query to the group. */
		if (!general && memcmp(h + 4, info->local.b, 4) != 0)
			break;
		mc_post(ctx, nid, MC_EV_QUERY, 4, h + 4, general ? 0 : 4, max_ms);
		break;
	}
	case 0x12: /* Version 1 Membership Report */
	case 0x16: /* Version 2 Membership Report */
		dps_cnt_inc(ctx, nid, DPS_CNT_IGMP_REPORTS_RCVD);
		mc_post(ctx, nid, MC_EV_REPORT, 4, h + 4, 4, 0);
		break;
	case 0x17:
		/* A router's business (RFC 2236 3); a host ignores it. */
		dps_cnt_inc(ctx, nid, DPS_CNT_IGMP_LEAVES_RCVD);
		break;
	default:
		/* IGMPv3 reports (RFC 3376), DVMRP, PIMv1: not ours, not an error. */
		dps_cnt_inc(ctx, nid, DPS_CNT_IGMP_OTHER);
		break;
	}
out:
	rte_pktmbuf_free(m);
}

/* MLD (RFC 2710 3): type, code, checksum (done by ICMPv6), max delay (ms), reserved, group. */
void
dps_mld_input(struct dps_ctx *ctx, struct dps_pktinfo *info, struct rte_mbuf *m, uint8_t hlim)
{
	const uint16_t nid = info->nic->id;
	uint8_t h[24];
	static const uint8_t zero[16];

	/*
	 * RFC 2710 3 and 5: at least 24 bytes, from a link-local source, hop limit 1 (a
	 * message from beyond the link is not about it); anything else is ignored.
	 */
	if (info->l4_len < 24 || dps_mbuf_copy(m, info->l4_off, 24, h) < 0 ||
	    !dps_ip6_is_link_local(info->remote.b) || hlim != 1) {
		dps_cnt_inc(ctx, nid, DPS_CNT_MLD_MALFORMED);
		goto out;
	}
	switch (h[0]) {
	case 130: { /* Multicast Listener Query */
		bool general = memcmp(h + 8, zero, 16) == 0;

		dps_cnt_inc(ctx, nid, DPS_CNT_MLD_QUERIES_RCVD);
		if (!general && memcmp(h + 8, info->local.b, 16) != 0)
			break;
		mc_post(ctx, nid, MC_EV_QUERY, 16, h + 8, general ? 0 : 16,
			(uint32_t)h[4] << 8 | h[5]);
		break;
	}
	case 131:
		dps_cnt_inc(ctx, nid, DPS_CNT_MLD_REPORTS_RCVD);
		mc_post(ctx, nid, MC_EV_REPORT, 16, h + 8, 16, 0);
		break;
	case 132:
		dps_cnt_inc(ctx, nid, DPS_CNT_MLD_DONES_RCVD);
		break;
	}
out:
	rte_pktmbuf_free(m);
}

/* Control thread: apply one event to the memberships (list lock held). */
static void
mc_apply(struct dps_mcast *mc, const struct mc_ev *ev, uint64_t now)
{
	struct mc_member *e;

	TAILQ_FOREACH(e, &mc->members, link) {
		if (e->nic != ev->nic || e->leaving)
			continue;
		if (ev->len == 0) {
			/* A general query of the family: every membership of it on the NIC. */
			if (ev->kind != MC_EV_QUERY || e->g.len != ev->fam)
				continue;
		} else if (e->g.len != ev->len || memcmp(e->g.b, ev->group, ev->len) != 0) {
			continue;
		}
		if (ev->kind == MC_EV_REPORT) {
			/* RFC 2236 3 / RFC 2710 4: another host answered: stop, not the last. */
			e->due = 0;
			e->repeats = 0;
			e->last_reporter = false;
		} else {
			/* Reset the timer only if the new one is shorter than what remains. */
			uint64_t due = now + mc_rand_delay(ev->max_ms);

			if (e->due == 0 || due < e->due)
				e->due = due;
		}
	}
}

/*
 * A link-local address of the NIC (RFC 4861 4.2: the source of an RA; RFC 2710 3: of MLD), or
 * -EADDRNOTAVAIL. Under the stack lock, from the control thread (dps_proto_ra_enable runs
 * before any context is online). With usable, only one DAD has cleared (RFC 4862 5.4: a
 * tentative address is not assigned, never a source); without, any permanent one.
 */
static int
nic_link_local(struct dps_nic *nic, struct dps_addr *out, bool usable)
{
	struct dps_endpoint_info ep[64];
	int n = dps_nic_endpoints(nic, ep, RTE_DIM(ep));

	for (int i = 0; i < n && i < (int)RTE_DIM(ep); i++)
		if (ep[i].kind == DPS_EP_PERMANENT && ep[i].prefix.addr.len == 16 &&
		    dps_ip6_is_link_local(ep[i].prefix.addr.b) &&
		    (!usable || ep[i].dad == DPS_DAD_NONE)) {
			*out = ep[i].prefix.addr;
			return 0;
		}
	return -EADDRNOTAVAIL;
}

/* Build and send one report / leave (IGMPv2) or report / done (MLDv1). */
static void
mc_send_one(struct dps_ctx *ctx, struct dps_nic *nic, const struct mc_send *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	struct rte_ether_addr mac;
	struct dps_protocol_address pa[64];
	int n;

	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return;
	}
	if (s->g.len == 4) {
		/* RFC 2236 2: TTL 1, Router Alert (RFC 2113), 8-byte IGMP message. */
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 24 + 8);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
		uint8_t dst[4];
		uint16_t ck;

		if (p == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		if (s->leave) {
			dst[0] = 224, dst[1] = 0, dst[2] = 0, dst[3] = 2; /* all-routers */
		} else {
			memcpy(dst, s->g.b, 4);
		}
		memset(p, 0, 32);
		ip->version_ihl = 0x46;
		ip->total_length = rte_cpu_to_be_16(32);
		/* An atomic datagram (RFC 6864 4.1): DF, identification 0. */
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 1;
		ip->next_proto_id = IPPROTO_IGMP;
		n = dps_nic_primary_addresses(nic, pa, RTE_DIM(pa));
		for (int i = 0; i < n && i < (int)RTE_DIM(pa); i++)
			if (pa[i].prefix.addr.len == 4) {
				memcpy(&ip->src_addr, pa[i].prefix.addr.b, 4);
				break;
			}
		memcpy(&ip->dst_addr, dst, 4);
		p[20] = 0x94; /* Router Alert: copied, class 0, number 20; length 4; value 0 */
		p[21] = 4;
		dps_ip4_set_cksum(ip);
		p[24] = s->leave ? 0x17 : 0x16;
		memcpy(p + 28, s->g.b, 4);
		ck = (uint16_t)~rte_raw_cksum(p + 24, 8);
		memcpy(p + 26, &ck, 2);
		mac = (struct rte_ether_addr){{0x01, 0x00, 0x5e, (uint8_t)(dst[1] & 0x7f), dst[2],
					       dst[3]}};
		dps_cnt_inc(ctx, nic->id, s->leave ? DPS_CNT_IGMP_LEAVES_SENT :
				DPS_CNT_IGMP_REPORTS_SENT);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
		dps_eth_output(ctx, nic, m, &mac, RTE_ETHER_TYPE_IPV4);
		return;
	}
	/*
	 * RFC 2710 3: hop limit 1, a Hop-by-Hop header with Router Alert (RFC 2711, value 0:
	 * MLD), a link-local source (RFC 3590 4: :: while the NIC has none).
	 */
	static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 2};
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, DPS_IP6_HLEN + 8 + 24);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	uint8_t *hbh = p + DPS_IP6_HLEN, *mld = hbh + 8;
	struct dps_addr ll;
	uint16_t ck;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(p, 0, DPS_IP6_HLEN + 32);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(32);
	ip->proto = DPS_IP6_NH_HOPOPTS;
	ip->hop_limits = 1;
	/*
	 * RFC 3590 4: from a link-local address once one is usable; until then (its DAD runs,
	 * and RFC 4862 5.4.2 sends the solicited-node group's report first) from ::.
	 */
	if (nic_link_local(nic, &ll, true) == 0)
		memcpy(ip->src_addr, ll.b, 16);
	memcpy(ip->dst_addr, s->leave ? all_routers : s->g.b, 16);
	hbh[0] = DPS_IP6_NH_ICMPV6;
	hbh[2] = 5; /* Router Alert, length 2, value 0 (MLD) */
	hbh[3] = 2;
	hbh[6] = 1; /* PadN, length 0 */
	mld[0] = s->leave ? 132 : 131;
	memcpy(mld + 8, s->g.b, 16);
	{
		struct dps_addr a, b;

		dps_addr6(&a, ip->src_addr);
		dps_addr6(&b, ip->dst_addr);
		ck = (uint16_t)~dps_cksum_fold(__rte_raw_cksum(
			mld, 24, dps_cksum_pseudo(&a, &b, IPPROTO_ICMPV6, 24)));
	}
	memcpy(mld + 2, &ck, 2);
	dps_ip6_mcast_mac(ip->dst_addr, &mac);
	dps_cnt_inc(ctx, nic->id, s->leave ? DPS_CNT_MLD_DONES_SENT : DPS_CNT_MLD_REPORTS_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_eth_output(ctx, nic, m, &mac, RTE_ETHER_TYPE_IPV6);
}

/* Data path: a neighbour solicitation (from ::) or advertisement for a tentative address. */
void
dps_dad_duplicate(struct dps_ctx *ctx, struct dps_nic *nic, struct dps_endpoint *ep)
{
	int32_t want = DPS_DAD_TENTATIVE;

	/* RFC 4862 5.4.5: the address is a duplicate: never used (the control side logs it). */
	if (!__atomic_compare_exchange_n(&ep->dad, &want, DPS_DAD_DUPLICATE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_DAD_DUPLICATES);
	mc_post(ctx, nic->id, MC_EV_DAD_DUP, 16, ep->addr.b, 16, 0);
}

int
dps_proto_ra_enable(struct dps_nic *nic, const struct dps_ra_conf *conf)
{
	static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 2};
	struct dps_mcast *mc = mcast_of(nic->stack);
	struct ra_state *ra;
	struct dps_addr ll, g;
	int rc;

	if (mc == NULL || conf == NULL || conf->n_prefix > DPS_RA_MAX_PREFIXES)
		return -EINVAL;
	if (nic_link_local(nic, &ll, false) != 0)
		return -EADDRNOTAVAIL;
	/* RFC 4861 6.2.2 / RFC 4291 2.8: a router listens on all-routers (solicitations). */
	dps_addr6(&g, all_routers);
	rc = dps_nic_join_group(nic, RTE_ETHER_TYPE_IPV6, &g);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&mc->lock);
	ra = &mc->ra[nic->id];
	memset(ra, 0, sizeof(*ra));
	ra->n_prefix = (uint8_t)conf->n_prefix;
	memcpy(ra->prefix, conf->prefix, conf->n_prefix * sizeof(conf->prefix[0]));
	ra->max_ms = (conf->interval_s != 0 ? conf->interval_s : 600) * 1000;
	ra->initial = 3; /* MAX_INITIAL_RTR_ADVERTISEMENTS */
	ra->next = rte_get_tsc_cycles();
	ra->on = true;
	pthread_mutex_unlock(&mc->lock);
	return 0;
}

/* Data path: a Router Solicitation (RFC 4861 6.1.1 checked by the caller). */
void
dps_ra_solicited(struct dps_ctx *ctx, struct dps_nic *nic)
{
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_RS_RCVD);
	mc_post(ctx, nic->id, MC_EV_RS, 16, NULL, 0, 0);
}

/* RFC 4861 4.2 / 6.2.3: an RA to all-nodes with SLLA, MTU and the configured prefixes. */
static void
ra_send(struct dps_ctx *ctx, struct dps_nic *nic, const struct ra_state *ra)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	const uint32_t len = 16 + 8 + 8 + 32u * ra->n_prefix;
	struct rte_mbuf *m;
	struct dps_addr src, dst;
	struct rte_ether_addr mac;
	struct rte_ipv6_hdr *ip;
	uint8_t *p, *o;
	uint16_t ck, lifetime;
	uint32_t v;

	if (nic_link_local(nic, &src, false) != 0) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_OUTGOING_PACKET_ERRORS);
		return;
	}
	m = rte_pktmbuf_alloc(ctx->pool);
	p = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DPS_IP6_HLEN + len)) : NULL;
	if (p == NULL) {
		rte_pktmbuf_free(m);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return;
	}
	memset(p, 0, DPS_IP6_HLEN + len);
	ip = (struct rte_ipv6_hdr *)p;
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip->proto = DPS_IP6_NH_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, src.b, 16);
	memcpy(ip->dst_addr, all_nodes, 16);
	o = p + DPS_IP6_HLEN;
	o[0] = 134;
	o[4] = DPS_IP6_HLIM; /* Cur Hop Limit */
	/* AdvDefaultLifetime: 3 x MaxRtrAdvInterval (6.2.1), at most 9000 s. */
	lifetime = rte_cpu_to_be_16((uint16_t)RTE_MIN(3 * (ra->max_ms / 1000), 9000u));
	memcpy(o + 6, &lifetime, 2);
	o += 16;
	o[0] = 1; /* Source Link-Layer Address */
	o[1] = 1;
	memcpy(o + 2, nic->mac.addr_bytes, 6);
	o += 8;
	o[0] = 5; /* MTU */
	o[1] = 1;
	v = rte_cpu_to_be_32(__atomic_load_n(&nic->mtu, __ATOMIC_RELAXED));
	memcpy(o + 4, &v, 4);
	o += 8;
	for (unsigned int i = 0; i < ra->n_prefix; i++, o += 32) {
		o[0] = 3; /* Prefix Information (4.6.2): on-link and autonomous (SLAAC) */
		o[1] = 4;
		o[2] = ra->prefix[i].plen;
		o[3] = 0xc0;
		v = rte_cpu_to_be_32(2592000); /* AdvValidLifetime: 30 days */
		memcpy(o + 4, &v, 4);
		v = rte_cpu_to_be_32(604800); /* AdvPreferredLifetime: 7 days */
		memcpy(o + 8, &v, 4);
		memcpy(o + 16, ra->prefix[i].addr.b, 16);
	}
	dps_addr6(&dst, all_nodes);
	ck = (uint16_t)~dps_cksum_fold(__rte_raw_cksum(p + DPS_IP6_HLEN, len,
			dps_cksum_pseudo(&src, &dst, IPPROTO_ICMPV6, len)));
	memcpy(p + DPS_IP6_HLEN + 2, &ck, 2);
	dps_ip6_mcast_mac(all_nodes, &mac);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_RA_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_eth_output(ctx, nic, m, &mac, RTE_ETHER_TYPE_IPV6);
}

/* Control thread, list lock held: which NICs send an RA now (RFC 4861 6.2.4, 6.2.6). */
static unsigned int
ra_due(struct dps_mcast *mc, uint64_t now, uint16_t *out)
{
	const uint64_t ms = rte_get_tsc_hz() / 1000;
	unsigned int n = 0;

	for (uint16_t i = 0; i < DPS_MAX_NICS; i++) {
		struct ra_state *ra = &mc->ra[i];
		uint64_t ival;

		if (!ra->on)
			continue;
		if (!(ra->next <= now || (ra->rs_due != 0 && ra->rs_due <= now)))
			continue;
		out[n++] = i;
		ra->rs_due = 0;
		ra->last = now;
		/* MinRtrAdvInterval 0.33 x Max; the first three at most 16 s apart (6.2.4). */
		ival = ra->max_ms / 3 + rte_rand_max(ra->max_ms - ra->max_ms / 3 + 1);
		if (ra->initial > 0) {
			ra->initial--;
			ival = RTE_MIN(ival, 16000u);
		}
		ra->next = now + ival * ms;
	}
	return n;
}

/* RFC 4862 5.4.2: NS from ::, to the target's solicited-node group, no options. */
static void
dad_probe(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *a)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	uint8_t *p = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, DPS_IP6_HLEN + 24) : NULL;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	struct dps_addr src, dst;
	struct rte_ether_addr mac;
	uint16_t ck;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return;
	}
	memset(p, 0, DPS_IP6_HLEN + 24);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(24);
	ip->proto = DPS_IP6_NH_ICMPV6;
	ip->hop_limits = 255;
	dps_ip6_solicited(a->b, ip->dst_addr);
	p[DPS_IP6_HLEN] = 135;
	memcpy(p + DPS_IP6_HLEN + 8, a->b, 16);
	dps_addr6(&src, ip->src_addr);
	dps_addr6(&dst, ip->dst_addr);
	ck = (uint16_t)~dps_cksum_fold(__rte_raw_cksum(p + DPS_IP6_HLEN, 24,
			dps_cksum_pseudo(&src, &dst, IPPROTO_ICMPV6, 24)));
	memcpy(p + DPS_IP6_HLEN + 2, &ck, 2);
	dps_ip6_mcast_mac(ip->dst_addr, &mac);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_NDP_DAD_PROBES_SENT);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_IP_PACKETS_SENT);
	dps_eth_output(ctx, nic, m, &mac, RTE_ETHER_TYPE_IPV6);
}

/* Control thread, list lock held: probes due, DAD that passed, duplicates to forget. */
static void
dad_run(struct dps_mcast *mc, struct dps_stack *s, struct dps_ctx *ctx, uint64_t now)
{
	struct dad_entry *d, *next;
	const uint64_t retrans = rte_get_tsc_hz() / 1000 * mc->dad_retrans_ms;
	char buf[64];

	for (d = TAILQ_FIRST(&mc->dad); d != NULL; d = next) {
		struct dps_nic *nic = dps_stack_nic_rcu(s, d->nic);
		struct dps_endpoint *ep = nic != NULL ? dps_nic_endpoint_rcu(nic, &d->a) : NULL;
		int32_t st = ep != NULL ? __atomic_load_n(&ep->dad, __ATOMIC_ACQUIRE) : -1;

		next = TAILQ_NEXT(d, link);
		if (st == DPS_DAD_DUPLICATE || st == -1 || st == DPS_DAD_NONE) {
			if (st == DPS_DAD_DUPLICATE)
				RTE_LOG(WARNING, USER1, "dpstack: nic %u: address %s is used by "
					"another node (DAD, RFC 4862 5.4.5): not used\n", d->nic,
					dps_addr_fmt(&d->a, buf, sizeof(buf)));
			TAILQ_REMOVE(&mc->dad, d, link);
			rte_free(d);
			continue;
		}
		if (d->due > now)
			continue;
		if (d->probes > 0) {
			dad_probe(ctx, nic, &d->a);
			d->probes--;
			d->due = now + retrans;
			continue;
		}
		/* RetransTimer after the last probe and no answer: the address is ours. */
		__atomic_compare_exchange_n(&ep->dad, &st, DPS_DAD_NONE, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
		TAILQ_REMOVE(&mc->dad, d, link);
		rte_free(d);
	}
}

void
dps_proto_poll(struct dps_stack *s, struct dps_ctx *ctx)
{
	struct dps_mcast *mc = mcast_of(s);
	struct mc_send out[MC_MAX_SEND];
	struct mc_member *e, *next;
	struct mc_ev ev;
	unsigned int n = 0, n_ra;
	uint16_t ra_nics[DPS_MAX_NICS];
	uint64_t now = rte_get_tsc_cycles();

	if (mc == NULL)
		return;
	pthread_mutex_lock(&mc->lock);
	while (rte_ring_sc_dequeue_elem(mc->ev, &ev, sizeof(ev)) == 0) {
		if (ev.kind == MC_EV_RS) {
			/*
			 * RFC 4861 6.2.6: answer after a random 0 .. MAX_RA_DELAY_TIME (500 ms), and
			 * not within MIN_DELAY_BETWEEN_RAS (3 s) of the last multicast RA.
			 */
			struct ra_state *ra = &mc->ra[ev.nic % DPS_MAX_NICS];
			uint64_t due = now + mc_rand_delay(500);
			uint64_t floor = ra->last + 3 * rte_get_tsc_hz();

			if (!ra->on || ra->rs_due != 0)
				continue;
			ra->rs_due = RTE_MAX(due, ra->last != 0 ? floor : 0);
		} else if (ev.kind != MC_EV_DAD_DUP) {
			mc_apply(mc, &ev, now);
		}
	}
	n_ra = ra_due(mc, now, ra_nics);
	dad_run(mc, s, ctx, now);
	for (e = TAILQ_FIRST(&mc->members); e != NULL && n < MC_MAX_SEND; e = next) {
		next = TAILQ_NEXT(e, link);
		if (e->due == 0 || e->due > now)
			continue;
		out[n++] = (struct mc_send){.nic = e->nic, .g = e->g, .leave = e->leaving};
		if (e->leaving) {
			TAILQ_REMOVE(&mc->members, e, link);
			rte_free(e);
			continue;
		}
		e->last_reporter = true;
		if (e->repeats > 0) {
			e->repeats--;
			e->due = now + mc_rand_delay(MC_UNSOLICITED_MS);
		} else {
			e->due = 0;
		}
	}
	pthread_mutex_unlock(&mc->lock);
	/* Sent outside the list lock: the address queries take the writer lock. */
	for (unsigned int i = 0; i < n_ra; i++) {
		struct dps_nic *nic = dps_stack_nic_rcu(s, ra_nics[i]);

		if (nic != NULL)
			ra_send(ctx, nic, &mc->ra[ra_nics[i]]);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct dps_nic *nic = dps_stack_nic_rcu(s, out[i].nic);

		if (nic != NULL)
			mc_send_one(ctx, nic, &out[i]);
	}
}

static void
mcast_fini(void *state)
{
	struct dps_mcast *mc = state;
	struct mc_member *e;
	struct dad_entry *d;

	if (mc == NULL)
		return;
	while ((e = TAILQ_FIRST(&mc->members)) != NULL) {
		TAILQ_REMOVE(&mc->members, e, link);
		rte_free(e);
	}
	while ((d = TAILQ_FIRST(&mc->dad)) != NULL) {
		TAILQ_REMOVE(&mc->dad, d, link);
		rte_free(d);
	}
	rte_ring_free(mc->ev);
	pthread_mutex_destroy(&mc->lock);
	for (unsigned int i = 0; i < DPS_MAX_NICS; i++)
		rte_free(mc->vlan[i]);
	rte_free(mc);
}

int
dps_mcast_create(struct dps_stack *s)
{
	struct dps_mcast *mc = rte_zmalloc("dps_mcast", sizeof(*mc), 0);
	char name[RTE_RING_NAMESIZE];

	if (mc == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "dps_mc_%p", (void *)s);
	mc->ev = rte_ring_create_elem(name, sizeof(struct mc_ev), MC_RING, SOCKET_ID_ANY,
				      RING_F_SC_DEQ);
	if (mc->ev == NULL) {
		rte_free(mc);
		return -ENOMEM;
	}
	pthread_mutex_init(&mc->lock, NULL);
	TAILQ_INIT(&mc->members);
	TAILQ_INIT(&mc->dad);
	mc->dad_retrans_ms = 1000;
	dps_stack_set_proto_state(s, mc, mcast_fini);
	return 0;
}
