/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registration of lib/proto's protocols with a lib/nic stack.
 */
#include "dps_proto.h"
#include "dps_proto_priv.h"

int
dps_proto_register_all(struct dps_stack *s)
{
	/* Order matters for deterministic queries: IPv4, IPv6, then ARP. */
	static const struct dps_netproto_ops *const np[] = {&dps_ipv4_ops, &dps_ipv6_ops,
							     &dps_arp_ops};
	static const struct dps_transproto_ops *const tp[] = {&dps_udp_ops, &dps_tcp_ops};
	int rc;

	if (dps_stack_proto_state(s) == NULL) {
		rc = dps_mcast_create(s);
		if (rc < 0)
			return rc;
	}
	for (unsigned int i = 0; i < RTE_DIM(np); i++) {
		rc = dps_stack_register_netproto(s, np[i]);
		if (rc < 0)
			return rc;
	}
	/* ICMP and ICMPv6 are handled inside IPv4 and IPv6, before the transport demuxer. */
	for (unsigned int i = 0; i < RTE_DIM(tp); i++) {
		rc = dps_stack_register_transproto(s, tp[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
