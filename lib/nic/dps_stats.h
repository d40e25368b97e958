/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * dpstack counters: one X-macro list yields the enum, the names used by dpstack-ctl and
 * telemetry, and the help text.
 *
 * Counters are kept per context (per worker lcore, plus one for the control thread) and per
 * NIC, incremented with plain stores by the one thread that owns the context, and summed when
 * read. Names follow the seed (gVisor's tcpip.Stats / NICStats); every drop reason has its own
 * counter.
 */
#ifndef DPS_STATS_H
#define DPS_STATS_H

/* X(ENUM_SUFFIX, "name", "help") */
#define DPS_COUNTERS(X)                                                                            \
	/* NIC (seed: NICStats) */                                                                 \
	X(RX_PACKETS, "rx.packets", "frames received by the NIC")                                  \
	X(RX_BYTES, "rx.bytes", "bytes of received frames, Ethernet header included")             \
	X(TX_PACKETS, "tx.packets", "frames accepted by the PMD for transmission")                 \
	X(TX_BYTES, "tx.bytes", "bytes of transmitted frames, Ethernet header included")          \
	X(TX_DROPPED, "tx.dropped", "frames the PMD did not accept (tx queue full)")              \
	X(RX_OVERSIZE, "rx.oversize", "packets longer than the NIC's MTU, dropped")              \
	/* Stack (seed: tcpip.Stats) */                                                           \
	X(UNKNOWN_PROTOCOL_RCVD, "unknown_protocol_rcvd", "unknown network or transport protocol") \
	X(MALFORMED_RCVD, "malformed_rcvd", "packets too short or with bad headers")               \
	X(IP_PACKETS_RECEIVED, "ip.packets_received", "IPv4 and IPv6 packets received")          \
	X(IP_INVALID_ADDRESSES_RECEIVED, "ip.invalid_addresses_received",                          \
	  "destination is not ours and not forwarded")                                             \
	X(IP_INVALID_SOURCE_ADDRESSES_RECEIVED, "ip.invalid_source_addresses_received",            \
	  "source is ours, multicast or broadcast")                                               \
	X(IP_PACKETS_DELIVERED, "ip.packets_delivered", "packets delivered to a local endpoint")  \
	X(IP_OUTGOING_PACKET_ERRORS, "ip.outgoing_packet_errors", "packets that could not be sent") \
	X(IP_PACKETS_SENT, "ip.packets_sent", "packets this stack originated")                    \
	/* Ethernet */                                                                             \
	X(ETH_SHORT, "eth.short_frames", "frames shorter than an Ethernet header")               \
	X(ETH_NOT_FOR_US, "eth.not_for_us", "unicast frames for another MAC")                    \
	X(ETH_BAD_SOURCE, "eth.bad_source", "frames from a multicast or broadcast MAC")          \
	X(ETH_UNKNOWN_TYPE, "eth.unknown_ethertype", "frames of an ethertype we do not speak")    \
	/* ARP */                                                                                  \
	X(ARP_REQUESTS_RCVD, "arp.requests_received", "ARP requests received")                    \
	X(ARP_REPLIES_RCVD, "arp.replies_received", "ARP replies received")                       \
	X(ARP_REPLIES_SENT, "arp.replies_sent", "ARP replies sent")                               \
	X(ARP_REQUESTS_SENT, "arp.requests_sent", "ARP requests sent")                            \
	X(ARP_MALFORMED, "arp.malformed", "ARP packets with bad types, lengths or opcode")        \
	X(ARP_NOT_FOR_US, "arp.not_for_us", "ARP packets whose target is not ours")             \
	/* IPv4 / ICMPv4 */                                                                        \
	X(IP4_BAD_VERSION, "ipv4.bad_version", "IPv4 header with a version other than 4")        \
	X(IP4_BAD_IHL, "ipv4.bad_header_length", "IHL below 5 or beyond the packet")             \
	X(IP4_BAD_LENGTH, "ipv4.bad_total_length", "total length beyond the frame or below IHL") \
	X(IP4_BAD_CHECKSUM, "ipv4.bad_checksum", "IPv4 header checksum mismatch")                \
	X(IP4_FRAGMENTS, "ipv4.fragments_dropped", "fragments (no reassembly)")                  \
	X(IP4_UNKNOWN_PROTOCOL, "ipv4.unknown_protocol", "IPv4 payload protocol not supported")  \
	X(ICMP4_ECHO_RCVD, "icmp.echo_requests_received", "ICMPv4 echo requests received")      \
	X(ICMP4_ECHO_SENT, "icmp.echo_replies_sent", "ICMPv4 echo replies sent")                \
	X(ICMP4_ERRORS_SENT, "icmp.errors_sent", "ICMPv4 errors sent")                          \
	X(ICMP4_ERRORS_RATELIMITED, "icmp.errors_rate_limited", "ICMPv4 errors not sent: rate limit") \
	X(ICMP4_ERRORS_RCVD, "icmp.errors_received", "ICMPv4 errors received")                  \
	X(ICMP4_BAD, "icmp.malformed", "ICMPv4 messages too short or with a bad checksum")        \
	X(ICMP4_OTHER, "icmp.other_received", "ICMPv4 messages of other types, ignored")        \
	/* IPv6 / ICMPv6 / NDP */                                                                  \
	X(IP6_BAD_VERSION, "ipv6.bad_version", "IPv6 header with a version other than 6")        \
	X(IP6_BAD_LENGTH, "ipv6.bad_payload_length", "payload length beyond the frame")         \
	X(IP6_BAD_EXTHDR, "ipv6.bad_extension_header", "malformed or misplaced extension header") \
	X(IP6_UNKNOWN_NEXTHDR, "ipv6.unknown_next_header", "unknown next header (parameter problem)") \
	X(IP6_FRAGMENTS, "ipv6.fragments_dropped", "fragments (no reassembly)")                  \
	X(ICMP6_ECHO_RCVD, "icmp6.echo_requests_received", "ICMPv6 echo requests received")     \
	X(ICMP6_ECHO_SENT, "icmp6.echo_replies_sent", "ICMPv6 echo replies sent")               \
	X(ICMP6_ERRORS_SENT, "icmp6.errors_sent", "ICMPv6 errors sent")                         \
	X(ICMP6_ERRORS_RATELIMITED, "icmp6.errors_rate_limited", "ICMPv6 errors not sent: rate limit") \
	X(ICMP6_ERRORS_RCVD, "icmp6.errors_received", "ICMPv6 errors received")                 \
	X(ICMP6_BAD, "icmp6.malformed", "ICMPv6 messages too short or with a bad checksum")       \
	X(ICMP6_OTHER, "icmp6.other_received", "ICMPv6 messages of other types, ignored")       \
	X(NDP_NS_RCVD, "ndp.solicitations_received", "neighbour solicitations received")        \
	X(NDP_NA_RCVD, "ndp.advertisements_received", "neighbour advertisements received")      \
	X(NDP_NA_SENT, "ndp.advertisements_sent", "neighbour advertisements sent")              \
	X(NDP_NS_SENT, "ndp.solicitations_sent", "neighbour solicitations sent")                \
	X(NDP_INVALID, "ndp.invalid", "NDP messages failing RFC 4861 validation")               \
	/* UDP / TCP */                                                                            \
	X(UDP_PACKETS_RECEIVED, "udp.packets_received", "UDP datagrams delivered to an endpoint") \
	X(UDP_UNKNOWN_PORT_ERRORS, "udp.unknown_port_errors", "UDP datagrams to a closed port")  \
	X(UDP_MALFORMED, "udp.malformed", "UDP datagrams with a bad length")                     \
	X(UDP_CHECKSUM_ERRORS, "udp.checksum_errors", "UDP datagrams with a bad checksum")       \
	X(UDP_PACKETS_SENT, "udp.packets_sent", "UDP datagrams sent")                            \
	X(UDP_ECHOED, "udp.echoed", "datagrams answered by the built-in echo service")            \
	X(TCP_RESETS_SENT, "tcp.resets_sent", "RSTs sent for segments to closed ports")          \
	X(TCP_MALFORMED, "tcp.malformed", "TCP segments with a bad header or checksum")          \
	X(RAW_DELIVERED, "raw.delivered", "copies delivered to raw endpoints")                    \
	X(RAW_COPY_FAILED, "raw.copy_failed", "raw copies not made: no mbufs")                   \
	/* Forwarding (RFC 1812) */                                                                \
	X(FWD_FORWARDED, "fwd.forwarded", "packets forwarded")                                   \
	X(FWD_NO_ROUTE, "fwd.no_route", "no route to the destination")                          \
	X(FWD_TTL_EXCEEDED, "fwd.ttl_exceeded", "TTL or hop limit would reach zero")             \
	X(FWD_TOO_BIG, "fwd.too_big", "larger than the outgoing MTU with DF set, or IPv6")       \
	X(FWD_NO_FRAG, "fwd.fragmentation_needed", "IPv4 over the out MTU, no DF: no fragmenting")   \
	X(FWD_MARTIAN, "fwd.martian", "source or destination RFC 1812 5.3.7 forbids forwarding") \
	X(FWD_LINK_BROADCAST, "fwd.link_broadcast", "unicast IP in a link-layer broadcast")      \
	X(FWD_DISABLED, "fwd.disabled", "forwarding off on the incoming NIC")                   \
	X(FWD_LOCAL_DELIVERED, "fwd.local_delivered", "delivered to another NIC's address")     \
	/* Neighbours */                                                                           \
	X(NEIGH_QUEUED, "neigh.queued", "packets queued while the next hop resolves")           \
	X(NEIGH_QUEUE_FULL, "neigh.queue_full", "packets dropped: resolution queue full")      \
	X(NEIGH_UNRESOLVED, "neigh.unresolved", "packets dropped: next hop did not resolve")   \
	X(NEIGH_LEARNED, "neigh.learned", "link addresses learned from ARP or NDP")             \
	X(NO_MBUF, "nombuf", "a reply or error could not be built: no mbufs")

enum dps_counter {
#define DPS_X_ENUM(e, n, h) DPS_CNT_##e,
	DPS_COUNTERS(DPS_X_ENUM)
#undef DPS_X_ENUM
	DPS_CNT_MAX
};

/** Counter names, indexed by enum dps_counter. */
extern const char *const dps_counter_names[DPS_CNT_MAX];
/** One line of help per counter, indexed by enum dps_counter. */
extern const char *const dps_counter_help[DPS_CNT_MAX];

#endif
