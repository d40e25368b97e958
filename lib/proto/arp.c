/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ARP for IPv4 over Ethernet (RFC 826, RFC 1122 2.3.2, RFC 5227 probes).
 *
 * The NIC layer keys endpoints by address bytes only, so ARP registers as a network protocol
 * with 4-byte addresses whose "destination" is the target protocol address: a request for one
 * of our addresses (or an address in a range, or anything on a promiscuous NIC) reaches
 * arp_handle_burst through the same lookup as IPv4 packets.
 */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dps_neigh.h"
#include "dps_proto.h"
#include "dps_proto_priv.h"

#define ARP_LEN ((uint16_t)sizeof(struct rte_arp_hdr))

static void
arp_parse_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n,
		struct dps_addr *src, struct dps_addr *dst, int *status)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_arp_hdr buf;
		const struct rte_arp_hdr *a = rte_pktmbuf_read(pkts[i], 0, ARP_LEN, &buf);
		uint16_t op;

		/* RFC 826 "Packet Reception": Ethernet hardware, IPv4 protocol, their lengths. */
		if (a == NULL || a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_MALFORMED);
			status[i] = -EBADMSG;
			continue;
		}
		op = rte_be_to_cpu_16(a->arp_opcode);
		if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) {
			dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_MALFORMED);
			status[i] = -EBADMSG;
			continue;
		}
		dps_addr4(&src[i], &a->arp_data.arp_sip);
		dps_addr4(&dst[i], &a->arp_data.arp_tip);
		/*
		 * RFC 826 "Packet Reception": if the sender is already in the table, its hardware
		 * address is updated, whoever the target is (the merge). Only an existing entry:
		 * dps_neigh_update posts nothing when there is none or nothing changes. A reply to
		 * us is handled in arp_handle_one (it confirms reachability).
		 */
		if (!dps_ip4_is_zero(src[i].b) && !dps_ip4_is_multi(src[i].b) &&
		    a->arp_data.arp_sip != a->arp_data.arp_tip &&
		    rte_is_unicast_ether_addr(&a->arp_data.arp_sha) &&
		    !rte_is_zero_ether_addr(&a->arp_data.arp_sha))
			dps_neigh_update(ctx, nic, &src[i], &a->arp_data.arp_sha,
					 DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_OVERRIDE);
		else if (!dps_ip4_is_zero(src[i].b) && a->arp_data.arp_sip == a->arp_data.arp_tip &&
			 rte_is_unicast_ether_addr(&a->arp_data.arp_sha))
			/* A gratuitous ARP (RFC 5227 announcement) updates an existing entry too. */
			dps_neigh_update(ctx, nic, &src[i], &a->arp_data.arp_sha,
					 DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_OVERRIDE);
		/*
		 * A sender claiming a multicast or broadcast protocol address is bogus; 0.0.0.0 is
		 * an RFC 5227 probe and is answered.
		 */
		status[i] = dps_ip4_is_multi(src[i].b) ? -EADDRNOTAVAIL : 0;
	}
}

static void
arp_handle_one(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf *m)
{
	struct rte_arp_hdr a;
	struct rte_arp_hdr *r;
	struct dps_addr sender;
	struct rte_ether_addr dst;
	bool spa_zero;

	if (dps_mbuf_copy(m, 0, ARP_LEN, &a) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	/*
	 * 255.255.255.255 is local (every NIC holds it, RFC 1122 3.3.6) but names no host: an
	 * ARP asking for it asks nobody (RFC 826 answers for our protocol addresses only).
	 */
	if (a.arp_data.arp_tip == RTE_BE32(UINT32_MAX)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_NOT_FOR_US);
		rte_pktmbuf_free(m);
		return;
	}
	spa_zero = dps_ip4_is_zero((const uint8_t *)&a.arp_data.arp_sip);
	dps_addr4(&sender, &a.arp_data.arp_sip);
	/*
	 * RFC 826: the target is ours (the NIC layer delivered it). A reply answers our request:
	 * it resolves the entry and confirms reachability (RFC 4861 7.2.5 semantics: solicited,
	 * override), but creates none. A request creates a STALE entry (as an NS does, RFC 4861
	 * 7.2.3) only for a sender on one of the NIC's connected subnets: anyone else could fill
	 * the table with addresses we would never send to. Never learn a group MAC, nor the
	 * unspecified address of a probe.
	 */
	if (!spa_zero && rte_is_unicast_ether_addr(&a.arp_data.arp_sha) &&
	    !rte_is_zero_ether_addr(&a.arp_data.arp_sha) &&
	    a.arp_data.arp_sip != a.arp_data.arp_tip) {
		if (a.arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
			dps_neigh_update(ctx, nic, &sender, &a.arp_data.arp_sha,
					 DPS_NEIGH_F_ADVERT | DPS_NEIGH_F_SOLICITED |
						 DPS_NEIGH_F_OVERRIDE);
		else if (dps_nic_on_subnet_rcu(nic, dps_np_slot(nic->stack, RTE_ETHER_TYPE_IPV4),
					       &sender))
			dps_neigh_update(ctx, nic, &sender, &a.arp_data.arp_sha,
					 DPS_NEIGH_F_CREATE);
		else
			dps_cnt_inc(ctx, nic->id, DPS_CNT_NEIGH_NOT_ON_LINK);
	}

	if (a.arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_REPLIES_RCVD);
		rte_pktmbuf_free(m);
		return;
	}
	dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_REQUESTS_RCVD);
	/*
	 * A gratuitous request for our own address announces a conflict, not a question; and a
	 * reply to a group hardware address would go nowhere useful.
	 */
	if ((!spa_zero && a.arp_data.arp_sip == a.arp_data.arp_tip) ||
	    rte_is_multicast_ether_addr(&a.arp_data.arp_sha) ||
	    rte_is_zero_ether_addr(&a.arp_data.arp_sha)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Reply in place (RFC 826: swap the fields, put ours in the sender fields, opcode 2). */
	r = dps_mbuf_reuse(m, ARP_LEN);
	if (r == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	*r = a;
	r->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	r->arp_data.arp_tha = a.arp_data.arp_sha;
	r->arp_data.arp_tip = a.arp_data.arp_sip;
	r->arp_data.arp_sha = nic->mac;
	r->arp_data.arp_sip = a.arp_data.arp_tip;
	dst = a.arp_data.arp_sha;
	dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_REPLIES_SENT);
	dps_eth_output(ctx, nic, m, &dst, RTE_ETHER_TYPE_ARP);
}

static void
arp_handle_burst(struct dps_ctx *ctx, struct dps_nic *nic, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		arp_handle_one(ctx, nic, pkts[i]);
}

int
dps_arp_solicit(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *target,
		const struct rte_ether_addr *ucast)
{
	static const struct rte_ether_addr bcast = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff,
								   0xff}};
	struct dps_addr src;
	struct rte_mbuf *m;
	struct rte_arp_hdr *a;
	int rc;

	if (target->len != 4)
		return -EINVAL;
	rc = dps_primary_src(nic, RTE_ETHER_TYPE_IPV4, &src);
	if (rc < 0)
		return rc;
	m = rte_pktmbuf_alloc(ctx->pool);
	if (m == NULL) {
		dps_cnt_inc(ctx, nic->id, DPS_CNT_NO_MBUF);
		return -ENOMEM;
	}
	a = (struct rte_arp_hdr *)rte_pktmbuf_append(m, ARP_LEN);
	if (a == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = nic->mac;
	memcpy(&a->arp_data.arp_sip, src.b, 4);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	memcpy(&a->arp_data.arp_tip, target->b, 4);
	dps_cnt_inc(ctx, nic->id, DPS_CNT_ARP_REQUESTS_SENT);
	/* RFC 1122 2.3.2.1: a probe of a cached entry is unicast to its address. */
	dps_eth_output(ctx, nic, m, ucast != NULL ? ucast : &bcast, RTE_ETHER_TYPE_ARP);
	return 0;
}

const struct dps_netproto_ops dps_arp_ops = {
	.name = "arp",
	.number = RTE_ETHER_TYPE_ARP,
	.addr_len = 4,
	.default_prefix_len = 32,
	.is_ip = false,
	.min_size = ARP_LEN,
	.parse_burst = arp_parse_burst,
	.handle_burst = arp_handle_burst,
	.forward_burst = NULL,
	.solicited_group = NULL,
	/* Same address family as IPv4: the NIC layer may ask either table. */
	.is_unicast = dps_ip4_is_unicast,
	.is_unspecified_or_broadcast = dps_ip4_is_unspec_or_bcast,
	.enable_locked = NULL,
	.solicit = dps_arp_solicit,
	.unresolved = dps_ip4_unresolved,
};
