/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * dpstack counters: one X-macro list yields the enum, the names used by dpstack-ctl and
 * telemetry, the kind of each counter and the help text. Everything that sums or lists
 * counters by kind (the `--stats` drop sum, the docs' counter table, docs/counters.md)
 * is derived from this list: there is no second list to keep in step.
 *
 * Counters are kept per context (per worker lcore, plus one for the control thread) and per
 * NIC, incremented with plain stores by the one thread that owns the context, and summed when
 * read. Names follow the seed (gVisor's tcpip.Stats / NICStats); every drop reason has its own
 * counter.
 *
 * Kinds (enum dps_counter_kind):
 *  - DROP:  a packet was discarded, and this is its reason. Each discarded packet counts
 *           under exactly one DROP counter, so their sum is the number of packets lost.
 *  - ERROR: something failed that is not the fate of a packet of its own: the seed's
 *           aggregates (malformed_rcvd, unknown_protocol_rcvd: every such packet is also
 *           counted under a DROP reason) and replies, errors or copies not made.
 *  - INFO:  traffic received or handled normally, including what a LAN always carries and
 *           is ignored on purpose (ARP for other hosts, groups nobody joined, RS/MLD).
 *  - SENT:  what this stack transmitted.
 */
#ifndef DPS_STATS_H
#define DPS_STATS_H

#include <stdint.h>

/**
 * The counter list: X(ENUM_SUFFIX, "name", KIND, "help") per counter. Expanded into enum
 * dps_counter (DPS_CNT_ENUM_SUFFIX) and the name, kind and help tables below.
 */
#define DPS_COUNTERS(X)                                                                            \
	/* NIC (seed: NICStats) */                                                                 \
	X(RX_PACKETS, "rx.packets", INFO, "frames received by the NIC")                                  \
	X(RX_BYTES, "rx.bytes", INFO, "bytes of received frames, Ethernet header included")             \
	X(TX_PACKETS, "tx.packets", SENT, "frames accepted by the PMD for transmission")                 \
	X(TX_BYTES, "tx.bytes", SENT, "bytes of transmitted frames, Ethernet header included")          \
	X(TX_DROPPED, "tx.dropped", DROP, "frames the PMD did not accept (tx queue full)")              \
	X(RX_OVERSIZE, "rx.oversize", DROP, "packets longer than the NIC's MTU, dropped")              \
	/* Stack (seed: tcpip.Stats) */                                                           \
	X(UNKNOWN_PROTOCOL_RCVD, "unknown_protocol_rcvd", ERROR, "unknown network or transport protocol") \
	X(MALFORMED_RCVD, "malformed_rcvd", ERROR, "packets too short or with bad headers")               \
	X(IP_PACKETS_RECEIVED, "ip.packets_received", INFO, "IPv4 and IPv6 packets received")          \
	X(IP_INVALID_ADDRESSES_RECEIVED, "ip.invalid_addresses_received",                          \
	  DROP, "unicast destination not ours and the stack does not forward")                                             \
	X(IP_INVALID_SOURCE_ADDRESSES_RECEIVED, "ip.invalid_source_addresses_received",            \
	  DROP, "source is ours, multicast or broadcast")                                               \
	X(IP_PACKETS_DELIVERED, "ip.packets_delivered", INFO, "packets delivered to a local endpoint")  \
	X(IP_OUTGOING_PACKET_ERRORS, "ip.outgoing_packet_errors", DROP, "packets that could not be sent") \
	X(IP_PACKETS_SENT, "ip.packets_sent", SENT, "packets this stack originated")                    \
	X(IP_MCAST_NOT_JOINED, "ip.multicast_not_joined", INFO,                                    \
	  "to a group no endpoint joined (IGMP, MLD reports), ignored")                            \
	X(NET_TOO_SHORT, "net.too_short", DROP,                                                    \
	  "shorter than the network header (IPv4, IPv6, ARP), or not in the first segment")        \
	X(TRANSPORT_TOO_SHORT, "transport.too_short", DROP,                                        \
	  "shorter than the transport header (UDP 8, TCP 20 bytes)")                               \
	/* Ethernet */                                                                             \
	X(ETH_SHORT, "eth.short_frames", DROP, "frames shorter than an Ethernet header")               \
	X(ETH_NOT_FOR_US, "eth.not_for_us", DROP, "unicast frames for another MAC")                    \
	X(ETH_BAD_SOURCE, "eth.bad_source", DROP, "frames from a multicast or broadcast MAC")          \
	X(ETH_UNKNOWN_TYPE, "eth.unknown_ethertype", DROP, "frames of an ethertype we do not speak")    \
	X(ETH_VLAN_UNKNOWN, "eth.vlan_unknown", DROP,                                              \
	  "802.1Q frames of a VLAN no NIC of the port is (ports with VLAN NICs)")                  \
	X(ETH_VLAN_QINQ, "eth.vlan_qinq", DROP,                                                    \
	  "stacked VLAN tags (802.1ad 0x88a8, or a tag inside a tag): QinQ is not supported")      \
	/* ARP */                                                                                  \
	X(ARP_REQUESTS_RCVD, "arp.requests_received", INFO, "ARP requests received")                    \
	X(ARP_REPLIES_RCVD, "arp.replies_received", INFO, "ARP replies received")                       \
	X(ARP_REPLIES_SENT, "arp.replies_sent", SENT, "ARP replies sent")                               \
	X(ARP_REQUESTS_SENT, "arp.requests_sent", SENT, "ARP requests sent")                            \
	X(ARP_MALFORMED, "arp.malformed", DROP, "ARP packets with bad types, lengths or opcode")        \
	X(ARP_NOT_FOR_US, "arp.not_for_us", INFO, "ARP packets for another host, ignored")             \
	/* IPv4 / ICMPv4 */                                                                        \
	X(IP4_BAD_VERSION, "ipv4.bad_version", DROP, "IPv4 header with a version other than 4")        \
	X(IP4_BAD_IHL, "ipv4.bad_header_length", DROP, "IHL below 5 or beyond the packet")             \
	X(IP4_BAD_LENGTH, "ipv4.bad_total_length", DROP, "total length beyond the frame or below IHL") \
	X(IP4_BAD_CHECKSUM, "ipv4.bad_checksum", DROP, "IPv4 header checksum mismatch")                \
	X(IP4_FRAGMENTS, "ipv4.fragments_dropped", DROP, "fragments not reassembled: reassembly off")  \
	X(IP4_FRAGS_RCVD, "ipv4.fragments_received", INFO, "fragments taken for reassembly")          \
	X(IP4_REASSEMBLED, "ipv4.reassembled", INFO, "datagrams reassembled and delivered")           \
	X(IP4_FRAGS_SENT, "ipv4.fragments_sent", SENT, "fragments of our own datagrams sent")          \
	X(IP4_FRAG_TIMEOUT, "ipv4.frag_timeout", DROP, "fragments freed: reassembly timed out")      \
	X(IP4_FRAG_OVERLAP, "ipv4.frag_overlap", DROP, "fragments of a datagram with overlapping ones") \
	X(IP4_FRAG_DUPLICATE, "ipv4.frag_duplicate", DROP, "fragments received twice")               \
	X(IP4_FRAG_TINY, "ipv4.frag_tiny", DROP, "tiny fragments (RFC 1858)")                           \
	X(IP4_FRAG_FULL, "ipv4.frag_table_full", DROP, "fragments of a new datagram: table full")   \
	X(IP4_FRAG_MALFORMED, "ipv4.frag_malformed", DROP, "fragments with a bad length or offset, or too many") \
	X(IP4_BAD_OPTION, "ipv4.bad_option", DROP, "IPv4 option of a packet for us with a bad length or pointer: Parameter Problem (RFC 1122 3.2.1.8, 3.2.2.5)") \
	X(IP4_UNKNOWN_PROTOCOL, "ipv4.unknown_protocol", DROP, "IPv4 payload protocol not supported")  \
	X(ICMP4_ECHO_RCVD, "icmp.echo_requests_received", INFO, "ICMPv4 echo requests received")      \
	X(ICMP4_ECHO_SENT, "icmp.echo_replies_sent", SENT, "ICMPv4 echo replies sent")                \
	X(ICMP4_ERRORS_SENT, "icmp.errors_sent", SENT, "ICMPv4 errors sent")                          \
	X(ICMP4_ERRORS_RATELIMITED, "icmp.errors_rate_limited", ERROR, "ICMPv4 errors not sent: rate limit") \
	X(ICMP4_ERRORS_RCVD, "icmp.errors_received", INFO, "ICMPv4 errors received")                  \
	X(ICMP4_BAD, "icmp.malformed", DROP, "ICMPv4 messages too short or with a bad checksum")        \
	X(ICMP4_OTHER, "icmp.other_received", INFO, "ICMPv4 messages of other types, ignored")        \
	X(ICMP4_REDIRECTS_RCVD, "icmp.redirects_received", INFO, "ICMPv4 redirects received, never acted on (a router)") \
	X(ICMP4_ECHO_REQ_SENT, "icmp.echo_requests_sent", SENT, "ICMPv4 echo requests sent (ping)")  \
	X(ICMP4_ECHO_REPLY_RCVD, "icmp.echo_replies_received", INFO, "ICMPv4 echo replies to us")    \
	/* IPv6 / ICMPv6 / NDP */                                                                  \
	X(IP6_BAD_VERSION, "ipv6.bad_version", DROP, "IPv6 header with a version other than 6")        \
	X(IP6_BAD_LENGTH, "ipv6.bad_payload_length", DROP, "payload length beyond the frame")         \
	X(IP6_BAD_EXTHDR, "ipv6.bad_extension_header", DROP, "malformed or misplaced extension header") \
	X(IP6_UNKNOWN_NEXTHDR, "ipv6.unknown_next_header", DROP, "unknown next header (parameter problem)") \
	X(IP6_FRAGMENTS, "ipv6.fragments_dropped", DROP, "fragments not reassembled: reassembly off, header before the Fragment header") \
	X(IP6_FRAGS_RCVD, "ipv6.fragments_received", INFO, "fragments taken for reassembly")          \
	X(IP6_REASSEMBLED, "ipv6.reassembled", INFO, "datagrams reassembled and delivered")           \
	X(IP6_FRAGS_SENT, "ipv6.fragments_sent", SENT, "fragments of our own datagrams sent")          \
	X(IP6_FRAG_TIMEOUT, "ipv6.frag_timeout", DROP, "fragments freed: reassembly timed out")      \
	X(IP6_FRAG_OVERLAP, "ipv6.frag_overlap", DROP, "fragments of a datagram with overlapping ones (RFC 5722)") \
	X(IP6_FRAG_DUPLICATE, "ipv6.frag_duplicate", DROP, "fragments received twice")               \
	X(IP6_FRAG_BAD_LENGTH, "ipv6.frag_bad_length", DROP, "non-final fragment not a multiple of 8 bytes") \
	X(IP6_FRAG_INCOMPLETE_CHAIN, "ipv6.frag_incomplete_chain", DROP, "first fragment without the whole header chain (RFC 7112)") \
	X(IP6_FRAG_FULL, "ipv6.frag_table_full", DROP, "fragments of a new datagram: table full")   \
	X(IP6_FRAG_MALFORMED, "ipv6.frag_malformed", DROP, "fragments beyond 65535 bytes, inconsistent or too many") \
	X(ICMP6_ECHO_RCVD, "icmp6.echo_requests_received", INFO, "ICMPv6 echo requests received")     \
	X(ICMP6_ECHO_SENT, "icmp6.echo_replies_sent", SENT, "ICMPv6 echo replies sent")               \
	X(ICMP6_ERRORS_SENT, "icmp6.errors_sent", SENT, "ICMPv6 errors sent")                         \
	X(ICMP6_ERRORS_RATELIMITED, "icmp6.errors_rate_limited", ERROR, "ICMPv6 errors not sent: rate limit") \
	X(ICMP6_ERRORS_RCVD, "icmp6.errors_received", INFO, "ICMPv6 errors received")                 \
	X(ICMP6_BAD, "icmp6.malformed", DROP, "ICMPv6 messages too short or with a bad checksum")       \
	X(ICMP6_OTHER, "icmp6.other_received", INFO, "ICMPv6 messages of other types, ignored")       \
	X(ICMP6_REDIRECTS_RCVD, "icmp6.redirects_received", INFO, "NDP redirects received, never acted on (a router)") \
	X(ICMP6_ECHO_REQ_SENT, "icmp6.echo_requests_sent", SENT, "ICMPv6 echo requests sent (ping)") \
	X(ICMP6_ECHO_REPLY_RCVD, "icmp6.echo_replies_received", INFO, "ICMPv6 echo replies to us")   \
	X(NDP_NS_RCVD, "ndp.solicitations_received", INFO, "neighbour solicitations received")        \
	X(NDP_NA_RCVD, "ndp.advertisements_received", INFO, "neighbour advertisements received")      \
	X(NDP_NA_SENT, "ndp.advertisements_sent", SENT, "neighbour advertisements sent")              \
	X(NDP_NS_SENT, "ndp.solicitations_sent", SENT, "neighbour solicitations sent")                \
	X(NDP_INVALID, "ndp.invalid", DROP, "NDP messages failing RFC 4861 validation")               \
	X(NDP_RS_RCVD, "ndp.router_solicitations_received", INFO, "router solicitations received")  \
	X(NDP_RA_SENT, "ndp.router_advertisements_sent", SENT, "router advertisements sent (RFC 4861 6.2)") \
	X(NDP_DAD_PROBES_SENT, "ndp.dad_probes_sent", SENT, "DAD neighbour solicitations sent (RFC 4862 5.4.2)") \
	X(NDP_DAD_DUPLICATES, "ndp.dad_duplicates", ERROR, "addresses found duplicate by DAD (RFC 4862 5.4.5)") \
	/* Group management: IGMPv2 (RFC 2236), MLDv1 (RFC 2710) */                               \
	X(IGMP_QUERIES_RCVD, "igmp.queries_received", INFO, "IGMP membership queries received")        \
	X(IGMP_REPORTS_RCVD, "igmp.reports_received", INFO, "IGMP reports of other hosts received")    \
	X(IGMP_LEAVES_RCVD, "igmp.leaves_received", INFO, "IGMP leave group messages received")        \
	X(IGMP_OTHER, "igmp.other_received", INFO, "IGMP messages of other types (v3, DVMRP), ignored") \
	X(IGMP_MALFORMED, "igmp.malformed", DROP, "IGMP messages too short or with a bad checksum")    \
	X(IGMP_REPORTS_SENT, "igmp.reports_sent", SENT, "IGMPv2 membership reports sent")              \
	X(IGMP_LEAVES_SENT, "igmp.leaves_sent", SENT, "IGMPv2 leave group messages sent")              \
	X(MLD_QUERIES_RCVD, "mld.queries_received", INFO, "MLD queries received")                      \
	X(MLD_REPORTS_RCVD, "mld.reports_received", INFO, "MLD reports of other nodes received")       \
	X(MLD_DONES_RCVD, "mld.dones_received", INFO, "MLD done messages received")                    \
	X(MLD_MALFORMED, "mld.malformed", DROP, "MLD messages too short, not link-local or hop limit > 1") \
	X(MLD_REPORTS_SENT, "mld.reports_sent", SENT, "MLDv1 reports sent")                            \
	X(MLD_DONES_SENT, "mld.dones_sent", SENT, "MLDv1 done messages sent")                          \
	X(MCAST_EVENTS_LOST, "mcast.events_lost", ERROR, "queries or reports not acted on: event ring full") \
	/* UDP / TCP */                                                                            \
	X(UDP_PACKETS_RECEIVED, "udp.packets_received", INFO, "UDP datagrams delivered to an endpoint") \
	X(UDP_UNKNOWN_PORT_ERRORS, "udp.unknown_port_errors", DROP, "UDP datagrams to a closed port")  \
	X(UDP_MALFORMED, "udp.malformed", DROP, "UDP datagrams with a bad length")                     \
	X(UDP_CHECKSUM_ERRORS, "udp.checksum_errors", DROP, "UDP datagrams with a bad checksum")       \
	X(UDP_PACKETS_SENT, "udp.packets_sent", SENT, "UDP datagrams sent")                            \
	X(UDP_ECHOED, "udp.echoed", SENT, "datagrams answered by the built-in echo service")            \
	X(TCP_RESETS_SENT, "tcp.resets_sent", SENT, "RSTs sent for segments to closed ports")          \
	X(TCP_MALFORMED, "tcp.malformed", DROP, "TCP segments with a bad header or checksum")          \
	X(RAW_DELIVERED, "raw.delivered", INFO, "copies delivered to raw endpoints")                    \
	X(RAW_COPY_FAILED, "raw.copy_failed", ERROR, "raw copies not made: no mbufs")                   \
	X(TRANSPORT_BIND_FULL, "transport.bind_full", ERROR,                                       \
	  "binds refused: max_transport transport endpoints (or 64 raw endpoints) bound")         \
	/* Forwarding (RFC 1812) */                                                                \
	X(FWD_FORWARDED, "fwd.forwarded", INFO, "packets forwarded")                                   \
	X(FWD_NO_ROUTE, "fwd.no_route", DROP, "no route to the destination")                          \
	X(FWD_TTL_EXCEEDED, "fwd.ttl_exceeded", DROP, "TTL or hop limit would reach zero")             \
	X(FWD_TOO_BIG, "fwd.too_big", DROP, "larger than the outgoing MTU with DF set, or IPv6")       \
	X(FWD_NO_FRAG, "fwd.fragmentation_failed", DROP, "IPv4 over the out MTU, DF clear, not fragmented (no mbufs, over 64 fragments)") \
	X(FWD_FRAGMENTED, "fwd.fragmented", INFO, "IPv4 packets forwarded in fragments (RFC 1812 4.2.2.7)") \
	X(FWD_BAD_OPTION, "fwd.bad_option", DROP, "IPv4 option with a bad length or pointer: Parameter Problem (RFC 1812 4.3.3.5)") \
	X(FWD_SOURCE_ROUTE, "fwd.source_route", DROP, "IPv4 with LSRR/SSRR arriving on a NIC with source_route off (RFC 1812 5.2.4.1's switch)") \
	X(FWD_SOURCE_ROUTED, "fwd.source_routed", INFO, "IPv4 source routes followed: destination replaced by the next LSRR/SSRR address (RFC 791 3.1)") \
	X(FWD_SOURCE_ROUTE_FAILED, "fwd.source_route_failed", DROP, "LSRR/SSRR next hop unreachable, or SSRR's not directly connected: ICMP 3/5 (RFC 1812 5.2.4.1)") \
	X(FWD_REDIRECTS_SENT, "fwd.redirects_sent", SENT, "ICMP host redirects (RFC 1812 5.2.7.2) and NDP redirects (RFC 4861 8.2) sent") \
	X(FWD_REDIRECT6_NO_LL, "fwd.redirect6_no_link_local", INFO, "IPv6 redirect not sent: the NIC has no link-local address (RFC 4861 8.2)") \
	X(FWD_FRAGS_CREATED, "fwd.fragments_created", INFO, "fragments made of forwarded IPv4 packets") \
	X(FWD_MARTIAN, "fwd.martian", DROP, "source or destination RFC 1812 5.3.7 forbids forwarding") \
	X(FWD_LINK_BROADCAST, "fwd.link_broadcast", DROP, "unicast IP in a link-layer broadcast")      \
	X(FWD_DISABLED, "fwd.disabled", DROP, "not ours; the stack forwards, but not from this NIC")                   \
	X(FWD_DIRECTED_BROADCAST, "fwd.directed_broadcast", DROP, "directed broadcast to a connected subnet: not forwarded (RFC 1812 5.3.5.2)") \
	X(FWD_LOCAL_DELIVERED, "fwd.local_delivered", INFO, "delivered to another NIC's address")     \
	/* Neighbours */                                                                           \
	X(NEIGH_QUEUED, "neigh.queued", INFO, "packets queued while the next hop resolves")           \
	X(NEIGH_QUEUE_FULL, "neigh.queue_full", DROP, "packets dropped: resolution queue full")      \
	X(NEIGH_UNRESOLVED, "neigh.unresolved", DROP, "packets dropped: next hop did not resolve")   \
	X(NEIGH_LEARNED, "neigh.learned", INFO, "link addresses learned from ARP or NDP")             \
	X(NEIGH_RATE_LIMITED, "neigh.rate_limited", DROP, "packets to unknown neighbours over the creation rate") \
	X(NEIGH_INCOMPLETE_FULL, "neigh.incomplete_full", DROP, "packets dropped: max_incomplete entries resolving") \
	X(NEIGH_PARKED_FULL, "neigh.parked_full", DROP, "packets dropped: max_parked packets wait in all") \
	X(NEIGH_RING_FULL, "neigh.ring_full", DROP, "packets dropped: resolve ring to the control thread full") \
	X(NEIGH_TABLE_FULL, "neigh.table_full", DROP, "packets dropped: no entry could be made (every entry static)") \
	X(NEIGH_LEARN_LOST, "neigh.learn_lost", ERROR, "link addresses or uses not applied: ring full or table full") \
	X(NEIGH_EVICTED, "neigh.evicted", INFO, "entries evicted (least recently updated first) to make room") \
	X(NEIGH_GC, "neigh.gc", INFO, "STALE or FAILED entries garbage-collected")              \
	X(NEIGH_OVERRIDE_REFUSED, "neigh.override_refused", INFO, "advertisements without Override not taken (RFC 4861 7.2.5)") \
	X(NEIGH_NOT_ON_LINK, "neigh.not_on_link", INFO, "ARP senders on no connected subnet: not learned") \
	X(NO_MBUF, "nombuf", ERROR, "a reply or error could not be built: no mbufs")

/** What a counter counts; see the file comment. */
enum dps_counter_kind {
	DPS_CK_DROP,
	DPS_CK_ERROR,
	DPS_CK_INFO,
	DPS_CK_SENT,
	DPS_CK_MAX
};

/** The counters, in list order: DPS_CNT_ followed by the list's ENUM_SUFFIX. */
enum dps_counter {
/** One enumerator per entry of DPS_COUNTERS. */
#define DPS_X_ENUM(e, n, k, h) DPS_CNT_##e,
	DPS_COUNTERS(DPS_X_ENUM)
#undef DPS_X_ENUM
	DPS_CNT_MAX
};

/** Counter names, indexed by enum dps_counter. */
extern const char *const dps_counter_names[DPS_CNT_MAX];
/** One line of help per counter, indexed by enum dps_counter. */
extern const char *const dps_counter_help[DPS_CNT_MAX];
/** The kind of each counter, indexed by enum dps_counter. */
extern const enum dps_counter_kind dps_counter_kinds[DPS_CNT_MAX];
/** Kind names ("drop", "error", "info", "sent"), indexed by enum dps_counter_kind. */
extern const char *const dps_counter_kind_names[DPS_CK_MAX];

/**
 * Sum of the counters of one kind.
 *
 * @param c     a dps_stack_counters() snapshot, or a difference of two
 * @param kind  which kind to add up (DPS_CK_DROP: every packet lost, once)
 * @return the sum.
 * @threadsafety Any thread (reads only c).
 */
uint64_t dps_counters_sum_kind(const uint64_t c[DPS_CNT_MAX], enum dps_counter_kind kind);

#endif
