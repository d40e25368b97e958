"""The conformance cases: one row per rule, each with its exact reply (or silence) and counters.

A case is (name, rfc, send, expect, counters):
    send      the frames the peers write, [(port, scapy packet)] (port 0 = lan0's wire);
    expect    every frame the router must send, [(port, scapy packet)], built here from the
              RFC's rule (addresses, TTL/hop limit, type/code, quoted bytes, checksums by
              scapy, source and destination MAC): dpstack's must be byte-identical; [] is
              silence;
    counters  the exact delta of `dpstack-ctl show stats --json` (the sum over NICs). Every
              counter not named must stay unchanged, except those of VOLUME (rx/tx packets
              and bytes, ip.packets_*, which move with any traffic, and the MLD/IGMP
              reports dpstack repeats on its own timer).
Optional: linux_ignore (fields the RFC leaves to the implementation, not compared with
Linux: "IP.id"), respond (answers frames as they arrive: a neighbour replying to
resolution), forget (neighbours the case makes the router learn, deleted after it), absent
(addresses that must not be in the neighbour table after it), note.

Addresses and MACs: net.py. The frames are built at import; both test_conformance.py (dpstack)
and linux_ref.py (Linux) send exactly these bytes.
"""

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, IPOption_NOP, Raw
from scapy.layers.inet6 import (HBHOptUnknown, ICMPv6DestUnreach, ICMPv6EchoReply,
                                ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                                ICMPv6ND_Redirect, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                                ICMPv6TimeExceeded, ICMPv6Unknown, IPv6, IPv6ExtHdrDestOpt,
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                PadN, RouterAlert)

from .net import (BCAST4, BCAST_MAC, ECHO_PORT, MTU, NOROUTE4, NOROUTE6, PEER4, PEER6,
                  PEER_MAC, ROUTED4, ROUTED6, SECOND4, US4, US6, US_MAC)

VOLUME = {"rx.packets", "rx.bytes", "tx.packets", "tx.bytes", "ip.packets_received",
          "ip.packets_delivered", "ip.packets_sent", "udp.packets_received",
          # dpstack's own timers: the unsolicited repeats of its MLD/IGMP reports for the
          # groups it joined at start-up (RFC 2710 4, RFC 2236 3) may fall in any case; the
          # engine leaves those frames out too (wire.is_noise)
          "mld.reports_sent", "igmp.reports_sent"}

# Fields an implementation chooses freely for the packets it originates (RFC 6864: the ID of
# an atomic datagram; DF on an ICMP error; RFC 6437: a flow label).
ORIG4 = ("IP.id", "IP.flags")
ORIG6 = ("IPv6.fl",)


@dataclass
class Deviation:
    """What dpstack does where it knowingly departs from the RFC's expectation (the case's
    expect/counters stay the RFC's, and Linux is judged against those): WHY names the rule
    and the reason; dpstack is held to EXPECT and COUNTERS exactly, so the deviation cannot
    change unnoticed. Each is listed in docs/protocols.md, "Deviations from the RFCs"."""
    why: str
    expect: list
    counters: dict


@dataclass
class Case:
    name: str
    rfc: str
    send: list
    expect: list
    counters: dict
    linux_ignore: tuple = ()
    respond: Optional[Callable] = None
    forget: tuple = ()          # (address, port) learned by the case
    absent: tuple = ()          # addresses that must not be neighbours afterwards
    linux_wait: float = 0       # linux_ref.py pauses first (Linux's route-error bucket)
    settle: float = 0           # seconds to wait after the markers (timers: reassembly)
    deviation: Optional[Deviation] = None
    linux_resolves: bool = False  # Linux resolves the reply's destination first: its ARP
                                  # requests / NS are not compared
    note: str = ""
    frames: list = field(default_factory=list)   # bytes of send, filled below
    expected: list = field(default_factory=list)  # per port: list of expected bytes

    def build(self):
        self.frames = [(p, bytes(f)) for p, f in self.send]
        self.expected = per_port(self.expect)
        return self

    @property
    def dpstack_expected(self):
        return per_port(self.deviation.expect) if self.deviation else self.expected

    @property
    def dpstack_counters(self):
        return self.deviation.counters if self.deviation else self.counters


def per_port(frames):
    out = [[], []]
    for p, f in frames:
        out[p].append(bytes(f))
    return out


CASES = []


def case(name, rfc, send, expect=(), counters=None, **kw):
    if not isinstance(send, list):
        send = [(0, send)]
    send = [(0, s) if not isinstance(s, tuple) else s for s in send]
    CASES.append(Case(name, rfc, send, list(expect), dict(counters or {}), **kw).build())


# --- frame builders ---------------------------------------------------------------------------


def eth_in(port=0, dst=None, src=None):
    return Ether(src=src or PEER_MAC[port], dst=dst or US_MAC[port])


def eth_out(port=0, dst=None):
    return Ether(src=US_MAC[port], dst=dst or PEER_MAC[port])


def ip4(port=0, dst=None, src=None, **kw):
    return IP(src=src or PEER4[port], dst=dst or US4[port], **kw)


def ip6(port=0, dst=None, src=None, **kw):
    return IPv6(src=src or PEER6[port], dst=dst or US6[port], **kw)


def to_us4(payload, port=0, dst=None, src=None, mac=None, **kw):
    return eth_in(port, dst=mac) / ip4(port, dst, src, **kw) / payload


def to_us6(payload, port=0, dst=None, src=None, mac=None, **kw):
    return eth_in(port, dst=mac) / ip6(port, dst, src, **kw) / payload


def parsed(pkt):
    """PKT as the wire carries it (lengths, checksums filled), re-dissected."""
    return Ether(bytes(pkt))


def echo4_reply(req, port=0, src=None):
    """RFC 792 echo reply to REQ: addresses swapped, type 0, same id/seq/data; TTL 64, the
    request's TOS, ID and flags (answered in place)."""
    r = parsed(req)
    ip = r[IP]
    return (port, eth_out(port, dst=r[Ether].src) /
            IP(src=src or ip.dst, dst=ip.src, ttl=64, id=ip.id, flags=ip.flags, tos=ip.tos,
               options=ip.options) /
            ICMP(type=0, code=0, id=r[ICMP].id, seq=r[ICMP].seq) /
            bytes(r[ICMP].payload))


def icmp4_error(req, type_, code, port=0, src=None, **icmp):
    """An ICMPv4 error about REQ (RFC 792, RFC 1812 4.3.2.3: quote as much as fits 576 bytes),
    from SRC (default: the receiving NIC's address), TTL 64, precedence 6 (RFC 1812 4.3.2.5),
    DF, ID 0, to REQ's sender and its frame's source MAC."""
    r = parsed(req)
    quote = bytes(r[IP])[:576 - 28]
    return (port, eth_out(port, dst=r[Ether].src) /
            IP(src=src or US4[port], dst=r[IP].src, ttl=64, id=0, flags="DF", tos=0xc0) /
            ICMP(type=type_, code=code, **icmp) / quote)


def echo6_reply(req, port=0, src=None):
    r = parsed(req)
    e = r[ICMPv6EchoRequest]
    return (port, eth_out(port, dst=r[Ether].src) /
            IPv6(src=src or r[IPv6].dst, dst=r[IPv6].src, hlim=64) /
            ICMPv6EchoReply(code=0, id=e.id, seq=e.seq, data=e.data))


def icmp6_error(req, cls, port=0, src=None, **kw):
    """An ICMPv6 error about REQ (RFC 4443 2.4(c): quote as much as fits 1280 bytes), hop limit
    64, from SRC (default: our address on the receiving link)."""
    r = parsed(req)
    quote = bytes(r[IPv6])[:1280 - 48]
    return (port, eth_out(port, dst=r[Ether].src) /
            IPv6(src=src or US6[port], dst=r[IPv6].src, hlim=64) / cls(**kw) / quote)


def rst4(req, port=0, **tcp):
    r = parsed(req)
    return (port, eth_out(port, dst=r[Ether].src) /
            IP(src=r[IP].dst, dst=r[IP].src, ttl=64, id=0, flags="DF") /
            TCP(sport=r[TCP].dport, dport=r[TCP].sport, window=0, **tcp))


def rst6(req, port=0, **tcp):
    r = parsed(req)
    return (port, eth_out(port, dst=r[Ether].src) /
            IPv6(src=r[IPv6].dst, dst=r[IPv6].src, hlim=64) /
            TCP(sport=r[TCP].dport, dport=r[TCP].sport, window=0, **tcp))


def forwarded4(req, port=1, dst_mac=None):
    """REQ as the router forwards it out PORT: TTL - 1 (RFC 1812 5.3.1), header checksum
    updated, everything else unchanged; MACs of the outgoing link."""
    r = parsed(req)
    ip = r[IP].copy()
    ip.ttl -= 1
    ip.chksum = None
    return (port, eth_out(port, dst=dst_mac) / ip)


def forwarded6(req, port=1, dst_mac=None):
    r = parsed(req)
    ip = r[IPv6].copy()
    ip.hlim -= 1
    return (port, eth_out(port, dst=dst_mac) / ip)


def udp_echo4(req, port=0, src=None, **udp):
    r = parsed(req)
    ip, u = r[IP], r[UDP]
    data = bytes(u.payload)[:u.len - 8]
    return (port, eth_out(port, dst=r[Ether].src) /
            IP(src=src or ip.dst, dst=ip.src, ttl=64, id=ip.id, flags=ip.flags, tos=ip.tos) /
            UDP(sport=u.dport, dport=u.sport, **udp) / data)


def udp_echo6(req, port=0, src=None):
    r = parsed(req)
    u = r[UDP]
    return (port, eth_out(port, dst=r[Ether].src) /
            IPv6(src=src or r[IPv6].dst, dst=r[IPv6].src, hlim=64) /
            UDP(sport=u.dport, dport=u.sport) / bytes(u.payload)[:u.len - 8])


def arp_req(spa, tpa, sha=None, port=0, dst=BCAST_MAC, op=1, **kw):
    sha = sha or PEER_MAC[port]
    return (Ether(src=PEER_MAC[port], dst=dst) /
            ARP(op=op, hwsrc=sha, psrc=spa, hwdst="00:00:00:00:00:00", pdst=tpa, **kw))


def arp_reply(tpa, tha, spa=None, port=0):
    return (port, Ether(src=US_MAC[port], dst=tha) /
            ARP(op=2, hwsrc=US_MAC[port], psrc=spa or US4[port], hwdst=tha, pdst=tpa))


def solnode(addr):
    """The solicited-node group of ADDR (RFC 4291 2.7.1) and its MAC (RFC 2464 7)."""
    import ipaddress
    low = ipaddress.IPv6Address(addr).packed[-3:]
    grp = str(ipaddress.IPv6Address(b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + low))
    return grp, "33:33:ff:%02x:%02x:%02x" % tuple(low)


def ns(target, src=PEER6[0], dst=None, mac=None, hlim=255, sll=PEER_MAC[0], port=0, **kw):
    grp, gmac = solnode(target)
    p = (Ether(src=PEER_MAC[port], dst=mac or gmac) / IPv6(src=src, dst=dst or grp, hlim=hlim) /
         ICMPv6ND_NS(tgt=target, **kw))
    if sll:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=sll)
    return p


def na_reply(target, dst, port=0, S=1, R=1, dst_mac=None):
    """RFC 4861 7.2.4: NA from the target, to the NS source (or ff02::1 for ::), hop limit
    255, R set (we forward), O set, TLLA with our MAC."""
    return (port, Ether(src=US_MAC[port], dst=dst_mac or PEER_MAC[port]) /
            IPv6(src=target, dst=dst, hlim=255) /
            ICMPv6ND_NA(R=R, S=S, O=1, tgt=target) / ICMPv6NDOptDstLLAddr(lladdr=US_MAC[port]))


def raw_tail(pkt, cut=0, extra=b""):
    """PKT's bytes, the last CUT removed and EXTRA appended (a frame scapy cannot build)."""
    b = bytes(pkt)
    return Raw((b[:-cut] if cut else b) + extra)


def patched(pkt, offset, value: bytes):
    """PKT's bytes with VALUE written at OFFSET (from the start of the frame)."""
    b = bytearray(bytes(pkt))
    b[offset:offset + len(value)] = value
    return Raw(bytes(b))


def ns_responder(mac, port=1):
    """A neighbour on PORT's link answering NS for its address (solicited NA, TLLA MAC)."""
    on = port

    def respond(port, frame):
        p = Ether(frame)
        if port == on and ICMPv6ND_NS in p:
            tgt = p[ICMPv6ND_NS].tgt
            return [(on, bytes(Ether(src=mac, dst=p[Ether].src) /
                              IPv6(src=tgt, dst=p[IPv6].src, hlim=255) /
                              ICMPv6ND_NA(R=0, S=1, O=1, tgt=tgt) /
                              ICMPv6NDOptDstLLAddr(lladdr=mac)))]
        return []
    return respond


DATA = b"dpstack-conformance-"  # 20 bytes


def ping4(i, **kw):
    return ICMP(type=8, id=0x100 + i, seq=i) / (DATA * 2)


def ping6(i, data=DATA * 2):
    return ICMPv6EchoRequest(id=0x100 + i, seq=i, data=data)


ECHO4 = {"icmp.echo_requests_received": 1, "icmp.echo_replies_sent": 1}
ECHO6 = {"icmp6.echo_requests_received": 1, "icmp6.echo_replies_sent": 1}
UDPECHO = {"udp.echoed": 1, "udp.packets_sent": 1}
FWD = {"fwd.forwarded": 1}


def err4(**c):
    return dict({"icmp.errors_sent": 1}, **c)


def err6(**c):
    return dict({"icmp6.errors_sent": 1}, **c)


# ============================================================================ RFC 826 (ARP)

case("arp_request_for_us", "RFC 826 (Packet Reception)",
     arp_req(PEER4[0], US4[0]),
     [arp_reply(PEER4[0], PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1})
case("arp_request_unicast_poll", "RFC 1122 2.3.2.1 (unicast poll)",
     arp_req(PEER4[0], US4[0], dst=US_MAC[0]),
     [arp_reply(PEER4[0], PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1})
case("arp_request_padded_frame", "RFC 826; IEEE 802.3 minimum frame (padding ignored)",
     arp_req(PEER4[0], US4[0]) / Raw(b"\0" * 18),
     [arp_reply(PEER4[0], PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1})
case("arp_request_nonzero_tha", "RFC 826 (target hardware address ignored in a request)",
     Ether(src=PEER_MAC[0], dst=BCAST_MAC) /
     ARP(op=1, hwsrc=PEER_MAC[0], psrc=PEER4[0], hwdst="02:11:22:33:44:55", pdst=US4[0]),
     [arp_reply(PEER4[0], PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1})
case("arp_probe_from_zero", "RFC 5227 2.1.1 (probe: sender 0.0.0.0 answered)",
     arp_req("0.0.0.0", US4[0]),
     [arp_reply("0.0.0.0", PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1})
case("arp_request_other_host", "RFC 826 (target not ours: no reply)",
     arp_req(PEER4[0], "192.0.2.99"),
     [],
     {"arp.not_for_us": 1})
case("arp_request_other_link_address", "RFC 1122 3.3.4.2 (strong ES on ARP: lan1's address on lan0)",
     arp_req(PEER4[0], US4[1]),
     [],
     {"arp.not_for_us": 1},
     note="Linux answers for any local address on any link (arp_ignore=0)")
case("arp_request_subnet_broadcast", "RFC 826, RFC 1122 3.3.6 (broadcast is not a host)",
     arp_req(PEER4[0], BCAST4[0]),
     [],
     {"arp.not_for_us": 1})
case("arp_request_limited_broadcast", "RFC 826, RFC 1122 3.2.1.3(c)",
     arp_req(PEER4[0], "255.255.255.255"),
     [],
     {"arp.not_for_us": 1})
case("arp_bad_hardware_type", "RFC 826 (ar$hrd not Ethernet: discard)",
     arp_req(PEER4[0], US4[0], hwtype=6),
     [],
     {"arp.malformed": 1, "malformed_rcvd": 1})
case("arp_bad_protocol_type", "RFC 826 (ar$pro not IPv4: discard)",
     arp_req(PEER4[0], US4[0], ptype=0x86DD),
     [],
     {"arp.malformed": 1, "malformed_rcvd": 1})
case("arp_bad_hlen", "RFC 826 (ar$hln must be 6)",
     patched(arp_req(PEER4[0], US4[0]), 18, b"\x05"),
     [],
     {"arp.malformed": 1, "malformed_rcvd": 1})
case("arp_bad_plen", "RFC 826 (ar$pln must be 4)",
     patched(arp_req(PEER4[0], US4[0]), 19, b"\x10"),
     [],
     {"arp.malformed": 1, "malformed_rcvd": 1})
case("arp_unknown_opcode", "RFC 826 (ar$op neither request nor reply)",
     arp_req(PEER4[0], US4[0], op=3),
     [],
     {"arp.malformed": 1, "malformed_rcvd": 1})
case("arp_truncated", "RFC 826 (body shorter than 28 bytes)",
     raw_tail(arp_req(PEER4[0], US4[0]), cut=8),
     [],
     {"net.too_short": 1, "malformed_rcvd": 1})
case("arp_unsolicited_reply_creates_nothing", "RFC 826 (merge: no entry, no new entry from a reply)",
     arp_req("192.0.2.50", US4[0], op=2, dst=US_MAC[0]),
     [],
     {"arp.replies_received": 1},
     absent=("192.0.2.50",))
case("arp_gratuitous_not_answered", "RFC 5227 3 (announcement: sender = target)",
     arp_req("192.0.2.51", "192.0.2.51"),
     [],
     {"arp.not_for_us": 1},
     absent=("192.0.2.51",))
case("arp_request_learns_sender", "RFC 826 (merge: a request to us from an on-link sender)",
     arp_req("192.0.2.52", US4[0], sha="02:00:00:00:00:52"),
     [arp_reply("192.0.2.52", "02:00:00:00:00:52")],
     {"arp.requests_received": 1, "arp.replies_sent": 1, "neigh.learned": 1},
     forget=(("192.0.2.52", 0),))
case("arp_request_off_subnet_sender", "RFC 826; RFC 1122 2.3.2.1 (answered, not learned)",
     arp_req("203.0.113.9", US4[0]),
     [arp_reply("203.0.113.9", PEER_MAC[0])],
     {"arp.requests_received": 1, "arp.replies_sent": 1, "neigh.not_on_link": 1},
     absent=("203.0.113.9",))
case("arp_broadcast_sender_address", "RFC 1122 3.2.1.3 (a broadcast is never a sender)",
     arp_req("255.255.255.255", US4[0]),
     [],
     {"ip.invalid_source_addresses_received": 1})
case("arp_group_source_mac", "RFC 826 with IEEE 802.3 (a group address is never a source)",
     Ether(src="03:00:00:00:00:02", dst=BCAST_MAC) /
     ARP(op=1, hwsrc=PEER_MAC[0], psrc=PEER4[0], pdst=US4[0]),
     [],
     {"eth.bad_source": 1})

# ============================================================================ RFC 791 (IPv4)

for i, size in enumerate((0, 1, 56, 1472)):
    req = to_us4(ICMP(type=8, id=0x4000 + i, seq=i) / (bytes(range(256)) * 6)[:size])
    case(f"echo_v4_{size}_bytes", "RFC 792 (Echo), RFC 1122 3.2.2.6",
         req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
req = to_us4(ping4(1), flags="DF", id=4242, tos=0x10)
case("echo_v4_df_tos", "RFC 792 (Echo), RFC 1122 3.2.2.6", req, [echo4_reply(req)], ECHO4,
     linux_ignore=("IP.id", "IP.flags"))
req = to_us4(ping4(2), ttl=1)
case("echo_v4_ttl1_to_us", "RFC 1122 3.2.1.7 (a host must not discard TTL < 2)",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
req = to_us4(ping4(3), ttl=0)
case("echo_v4_ttl0_to_us", "RFC 1122 3.2.1.7 (TTL is not checked on local delivery)",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
req = Raw(bytes(eth_in() / ip4() / ping4(4)) + b"\xee" * 10)  # beyond Total Length
case("echo_v4_link_padding", "RFC 791 3.1 (Total Length: bytes beyond it are not the datagram)",
     req, [echo4_reply(eth_in() / ip4() / ping4(4))], ECHO4,
     linux_ignore=("IP.id", "IP.flags"))
req = to_us4(ping4(5), options=[IPOption_NOP()] * 4)
case("echo_v4_nop_options", "RFC 791 3.1 (options), RFC 1122 3.2.1.8",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags", "IP.options",
                                                    "IP.ihl", "IP.len", "IP.chksum"),
     note="options kept in the in-place reply; Linux drops NOPs")
case("ipv4_bad_version", "RFC 791 3.1 (Version 4)",
     patched(to_us4(ping4(6)), 14, b"\x55"), [],
     {"ipv4.bad_version": 1, "malformed_rcvd": 1})
case("ipv4_ihl_below_5", "RFC 791 3.1 (IHL minimum 5)",
     patched(to_us4(ping4(7)), 14, b"\x44"), [],
     {"ipv4.bad_header_length": 1, "malformed_rcvd": 1})
case("ipv4_ihl_beyond_packet", "RFC 791 3.1 (IHL within the datagram)",
     patched(eth_in() / ip4(proto=1) / Raw(b"\0" * 8), 14, b"\x4f"),
     [],
     {"ipv4.bad_header_length": 1, "malformed_rcvd": 1})
case("ipv4_total_length_beyond_frame", "RFC 791 3.1 (Total Length)",
     to_us4(ping4(8), len=200), [],
     {"ipv4.bad_total_length": 1, "malformed_rcvd": 1})
case("ipv4_total_length_below_ihl", "RFC 791 3.1 (Total Length >= header)",
     to_us4(ping4(9), len=19), [],
     {"ipv4.bad_total_length": 1, "malformed_rcvd": 1})
case("ipv4_bad_header_checksum", "RFC 791 3.1, RFC 1122 3.2.1.2 (MUST verify)",
     to_us4(ping4(10), chksum=0x1234), [],
     {"ipv4.bad_checksum": 1, "malformed_rcvd": 1})
# Fragments (reassembly_timeout_ms = 500 in net.py; Linux's ipfrag_time = 1 s).
whole = to_us4(ICMP(type=8, id=0x4100, seq=1) / (DATA * 4), id=0x7701)
body = bytes(parsed(whole)[IP].payload)
first = eth_in() / ip4(id=0x7701, flags="MF", frag=0, proto=1) / Raw(body[:24])
later = eth_in() / ip4(id=0x7701, frag=3, proto=1) / Raw(body[24:])
case("ipv4_fragments_reassembled", "RFC 791 3.2 (reassembly), RFC 1122 3.3.2",
     [(0, first), (0, later)], [echo4_reply(whole)],
     dict(ECHO4, **{"ipv4.fragments_received": 2, "ipv4.reassembled": 1}), linux_ignore=("IP.id", "IP.flags"))
case("ipv4_fragments_out_of_order", "RFC 791 3.2 (any order)",
     [(0, later), (0, first)], [echo4_reply(whole)],
     dict(ECHO4, **{"ipv4.fragments_received": 2, "ipv4.reassembled": 1}), linux_ignore=("IP.id", "IP.flags"))
case("ipv4_first_fragment_times_out", "RFC 1122 3.3.2, RFC 792 (time exceeded code 1)",
     first, [icmp4_error(first, 11, 1)],
     err4(**{"ipv4.fragments_received": 1, "ipv4.frag_timeout": 1}),
     linux_ignore=ORIG4, settle=0.6)
case("ipv4_later_fragment_times_out", "RFC 1122 3.3.2 (no error without the first fragment)",
     later, [], {"ipv4.fragments_received": 1, "ipv4.frag_timeout": 1}, settle=0.6)
req = to_us4(Raw(b"\x01" * 20), proto=99)
case("ipv4_unknown_protocol", "RFC 1122 3.2.2.1 (protocol unreachable), RFC 792",
     req, [icmp4_error(req, 3, 2)],
     err4(**{"ipv4.unknown_protocol": 1, "unknown_protocol_rcvd": 1}),
     linux_ignore=ORIG4)
case("ipv4_source_multicast", "RFC 1122 3.2.1.3 (a multicast source is discarded)",
     to_us4(ping4(12), src="224.0.0.9"), [],
     {"ip.invalid_source_addresses_received": 1})
case("ipv4_source_limited_broadcast", "RFC 1122 3.2.1.3(c)",
     to_us4(ping4(13), src="255.255.255.255"), [],
     {"ip.invalid_source_addresses_received": 1})
case("ipv4_source_subnet_broadcast", "RFC 1122 3.2.1.3(d)",
     to_us4(ping4(14), src=BCAST4[0]), [],
     {"ip.invalid_source_addresses_received": 1})

# ============================================================================ RFC 792 (ICMP)

case("icmp_echo_bad_checksum", "RFC 792 (checksum), RFC 1122 3.2.2",
     to_us4(ICMP(type=8, id=1, seq=1, chksum=0xbeef) / DATA), [],
     {"icmp.malformed": 1})
case("icmp_too_short", "RFC 792 (8-byte header)",
     to_us4(Raw(b"\x08\x00\xf7\xff"), proto=1), [],
     {"icmp.malformed": 1})
case("icmp_echo_to_subnet_broadcast", "RFC 1122 3.2.2.6 (MAY ignore), RFC 1812 4.3.3.6",
     to_us4(ping4(20), dst=BCAST4[0], mac=BCAST_MAC), [],
     {"icmp.echo_requests_received": 1})
case("icmp_echo_to_limited_broadcast", "RFC 1122 3.2.2.6",
     to_us4(ping4(21), dst="255.255.255.255", mac=BCAST_MAC), [],
     {"icmp.echo_requests_received": 1})
case("icmp_timestamp_request", "RFC 1122 3.2.2.8 (MAY: not implemented)",
     to_us4(ICMP(type=13, id=5, seq=5, ts_ori=1000, ts_rx=0, ts_tx=0)), [],
     {"icmp.other_received": 1},
     note="Linux answers timestamp requests")
case("icmp_address_mask_request", "RFC 1122 3.2.2.9 (MAY: not implemented)",
     to_us4(ICMP(type=17, id=6, seq=6) / Raw(b"\0" * 4)), [],
     {"icmp.other_received": 1})
case("icmp_unknown_type", "RFC 1122 3.2.2 (unknown type: silently discarded)",
     to_us4(ICMP(type=42, code=0) / Raw(b"\0" * 8)), [],
     {"icmp.other_received": 1})
case("icmp_echo_reply_unsolicited", "RFC 792 (echo reply: nothing to answer)",
     to_us4(ICMP(type=0, id=7, seq=7) / DATA), [],
     {"icmp.echo_replies_received": 1})
case("icmp_redirect_ignored", "RFC 1812 4.3.3.2 (a router ignores redirects)",
     to_us4(ICMP(type=5, code=1, gw="192.0.2.3") /
            bytes(IP(src=US4[0], dst=ROUTED4) / UDP(sport=1, dport=2))), [],
     {"icmp.redirects_received": 1})
case("icmp_dest_unreach_received", "RFC 1122 3.2.2.1 (passed to the transport)",
     to_us4(ICMP(type=3, code=3) / bytes(IP(src=US4[0], dst=PEER4[0]) /
                                         UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp.errors_received": 1})
case("icmp_time_exceeded_received", "RFC 1122 3.2.2.4",
     to_us4(ICMP(type=11, code=0) / bytes(IP(src=US4[0], dst=PEER4[0]) /
                                          UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp.errors_received": 1})
case("icmp_param_problem_received", "RFC 1122 3.2.2.5",
     to_us4(ICMP(type=12, code=0, ptr=1) / bytes(IP(src=US4[0], dst=PEER4[0]) /
                                                 UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp.errors_received": 1})
case("icmp_source_quench_received", "RFC 1122 3.2.2.3, RFC 6633",
     to_us4(ICMP(type=4, code=0) / bytes(IP(src=US4[0], dst=PEER4[0]) /
                                         UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp.errors_received": 1})

# ============================================================================ RFC 768 (UDP)

for i, size in enumerate((0, 1, 333, 1472)):
    req = to_us4(UDP(sport=40000 + i, dport=ECHO_PORT) / (bytes(range(256)) * 6)[:size])
    case(f"udp_echo_v4_{size}_bytes", "RFC 768, RFC 862", req, [udp_echo4(req)],
         UDPECHO, linux_ignore=ORIG4)
req = to_us6(UDP(sport=40010, dport=ECHO_PORT) / DATA)
case("udp_echo_v6", "RFC 768, RFC 8200 8.1", req, [udp_echo6(req)], UDPECHO,
     linux_ignore=ORIG6)
req = to_us4(UDP(sport=40011, dport=ECHO_PORT, chksum=0) / DATA)
case("udp_v4_zero_checksum_accepted", "RFC 768 (checksum 0: none computed)",
     req, [udp_echo4(req, chksum=0)], UDPECHO, linux_ignore=ORIG4 + ("UDP.chksum",),
     note="the echo keeps the sender's choice of no checksum")
case("udp_bad_checksum", "RFC 768, RFC 1122 4.1.3.4 (MUST discard)",
     to_us4(UDP(sport=40012, dport=ECHO_PORT, chksum=0x1111) / DATA), [],
     {"udp.checksum_errors": 1})
case("udp_v6_zero_checksum", "RFC 8200 8.1 (zero UDP checksum over IPv6 discarded)",
     to_us6(UDP(sport=40013, dport=ECHO_PORT, chksum=0) / DATA), [],
     {"udp.checksum_errors": 1})
case("udp_length_below_8", "RFC 768 (Length >= 8)",
     to_us4(UDP(sport=40014, dport=ECHO_PORT, len=7, chksum=0) / DATA), [],
     {"udp.malformed": 1})
case("udp_length_beyond_ip", "RFC 768 (Length within the IP payload)",
     to_us4(UDP(sport=40015, dport=ECHO_PORT, len=200, chksum=0) / DATA), [],
     {"udp.malformed": 1})
# The checksum covers the Length bytes only; 10 more bytes follow in the IP payload.
u = bytes(IP(src=PEER4[0], dst=US4[0]) / UDP(sport=40016, dport=ECHO_PORT) / DATA[:10])[20:]
req = to_us4(Raw(u + DATA[10:]), proto=17)
case("udp_length_below_ip_payload", "RFC 768 (Length: the datagram is Length bytes; the rest is trimmed)",
     req, [udp_echo4(req)], UDPECHO, linux_ignore=ORIG4)
req = to_us4(UDP(sport=5555, dport=9) / b"hello")
case("udp_closed_port_v4", "RFC 1122 4.1.3.1 (port unreachable), RFC 792",
     req, [icmp4_error(req, 3, 3)], err4(**{"udp.unknown_port_errors": 1}),
     linux_ignore=ORIG4)
req = to_us4(UDP(sport=5555, dport=9) / (b"z" * 1000))
case("udp_closed_port_quote_576", "RFC 1812 4.3.2.3 (quote up to 576 bytes in all)",
     req, [icmp4_error(req, 3, 3)], err4(**{"udp.unknown_port_errors": 1}),
     linux_ignore=ORIG4)
req = to_us6(UDP(sport=5555, dport=9) / b"hello")
case("udp_closed_port_v6", "RFC 4443 3.1 (code 4: port unreachable)",
     req, [icmp6_error(req, ICMPv6DestUnreach, code=4)], err6(**{"udp.unknown_port_errors": 1}),
     linux_ignore=ORIG6)
req = to_us6(UDP(sport=5555, dport=9) / (b"z" * 1400))
case("udp_closed_port_v6_quote_1280", "RFC 4443 2.4(c) (error fits the minimum MTU)",
     req, [icmp6_error(req, ICMPv6DestUnreach, code=4)], err6(**{"udp.unknown_port_errors": 1}),
     linux_ignore=ORIG6)
case("udp_closed_port_to_broadcast", "RFC 1122 4.1.3.1, 3.2.2 (no error about a broadcast)",
     to_us4(UDP(sport=5555, dport=9) / b"hello", dst=BCAST4[0], mac=BCAST_MAC), [],
     {"udp.unknown_port_errors": 1})
req = to_us4(UDP(sport=40017, dport=ECHO_PORT) / b"to-bcast", dst=BCAST4[0], mac=BCAST_MAC)
case("udp_echo_to_subnet_broadcast", "RFC 1122 3.3.6 (our subnet's broadcast is ours), 4.1.3.5",
     req, [udp_echo4(req, src=US4[0])], UDPECHO, linux_ignore=ORIG4)

# ============================================================================ RFC 9293 (TCP resets)

req = to_us4(TCP(sport=40000, dport=80, flags="S", seq=1000))
case("tcp_syn_closed_port", "RFC 9293 3.10.7.1 (CLOSED: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>)",
     req, [rst4(req, flags="RA", seq=0, ack=1001)], {"tcp.resets_sent": 1},
     linux_ignore=ORIG4)
req = to_us4(TCP(sport=40001, dport=80, flags="PA", seq=5, ack=777) / b"data")
case("tcp_ack_closed_port", "RFC 9293 3.10.7.1 (ACK set: <SEQ=SEG.ACK><CTL=RST>)",
     req, [rst4(req, flags="R", seq=777, ack=0)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
req = to_us4(TCP(sport=40002, dport=80, flags="S", seq=0xfffffff0) / b"12345")
case("tcp_syn_with_data", "RFC 9293 3.10.7.1 (SEG.LEN counts SYN and data, mod 2^32)",
     req, [rst4(req, flags="RA", seq=0, ack=(0xfffffff0 + 6) & 0xffffffff)],
     {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
req = to_us4(TCP(sport=40003, dport=80, flags="SF", seq=100))
case("tcp_syn_fin", "RFC 9293 3.10.7.1 (SEG.LEN counts SYN and FIN)",
     req, [rst4(req, flags="RA", seq=0, ack=102)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
req = to_us4(TCP(sport=40004, dport=80, flags="F", seq=100))
case("tcp_fin_only", "RFC 9293 3.10.7.1 (no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>)",
     req, [rst4(req, flags="RA", seq=0, ack=101)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
req = to_us4(TCP(sport=40005, dport=80, flags="", seq=100) / b"abc")
case("tcp_no_flags", "RFC 9293 3.10.7.1 (any segment but a RST)",
     req, [rst4(req, flags="RA", seq=0, ack=103)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
case("tcp_rst_not_answered", "RFC 9293 3.10.7.1 (an incoming RST is discarded)",
     to_us4(TCP(sport=40006, dport=80, flags="R", seq=5)), [], {})
case("tcp_rst_ack_not_answered", "RFC 9293 3.10.7.1",
     to_us4(TCP(sport=40007, dport=80, flags="RA", seq=5, ack=9)), [], {})
case("tcp_bad_checksum", "RFC 9293 3.1 (checksum), RFC 1122 4.2.2.7",
     to_us4(TCP(sport=40008, dport=80, flags="S", chksum=0x2222)), [],
     {"tcp.malformed": 1})
case("tcp_data_offset_below_5", "RFC 9293 3.1 (Data Offset >= 5)",
     to_us4(TCP(sport=40009, dport=80, flags="S", dataofs=4)), [],
     {"tcp.malformed": 1})
case("tcp_data_offset_beyond_segment", "RFC 9293 3.1",
     to_us4(TCP(sport=40010, dport=80, flags="S", dataofs=15)), [],
     {"tcp.malformed": 1})
case("tcp_syn_to_broadcast", "RFC 1122 4.2.3.10 (no RST to a broadcast)",
     to_us4(TCP(sport=40011, dport=80, flags="S"), dst=BCAST4[0], mac=BCAST_MAC), [], {})
req = to_us6(TCP(sport=40012, dport=80, flags="S", seq=7))
case("tcp_syn_closed_port_v6", "RFC 9293 3.10.7.1",
     req, [rst6(req, flags="RA", seq=0, ack=8)], {"tcp.resets_sent": 1}, linux_ignore=ORIG6)
req = to_us6(TCP(sport=40013, dport=80, flags="A", seq=7, ack=99))
case("tcp_ack_closed_port_v6", "RFC 9293 3.10.7.1",
     req, [rst6(req, flags="R", seq=99, ack=0)], {"tcp.resets_sent": 1}, linux_ignore=ORIG6)
req = to_us4(TCP(sport=40014, dport=80, flags="S", seq=1,
                 options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]))
case("tcp_syn_with_options", "RFC 9293 3.10.7.1 (the RST carries no options)",
     req, [rst4(req, flags="RA", seq=0, ack=2)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)

# ============================================================================ RFC 1812 (forwarding)

req = eth_in() / ip4(dst=PEER4[1], ttl=64, id=99, flags="DF") / ping4(30)
case("fwd_v4_to_connected_host", "RFC 1812 5.3.1 (TTL - 1), 5.2.1",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip4(dst=ROUTED4, ttl=9, tos=0x28) / UDP(sport=1234, dport=5678) / DATA
case("fwd_v4_via_gateway", "RFC 1812 5.2.1, 5.3.1 (TOS unchanged)",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip4(dst=PEER4[1], ttl=1) / ping4(31)
case("fwd_v4_ttl1_time_exceeded", "RFC 1812 5.3.1 (time exceeded, code 0)",
     req, [icmp4_error(req, 11, 0)], err4(**{"fwd.ttl_exceeded": 1}),
     linux_ignore=ORIG4)
req = eth_in() / ip4(dst=PEER4[1], ttl=0) / ping4(32)
case("fwd_v4_ttl0_time_exceeded", "RFC 1812 5.3.1",
     req, [icmp4_error(req, 11, 0)], err4(**{"fwd.ttl_exceeded": 1}),
     linux_ignore=ORIG4)
case("fwd_v4_ttl1_icmp_error_no_error", "RFC 1812 4.3.2.7 (no ICMP error about an ICMP error)",
     eth_in() / ip4(dst=PEER4[1], ttl=1) / ICMP(type=3, code=1) /
     bytes(IP(src=PEER4[1], dst=PEER4[0]) / UDP(sport=1, dport=2)), [],
     {"fwd.ttl_exceeded": 1})
case("fwd_v4_ttl1_later_fragment_no_error", "RFC 1812 4.3.2.7 (not about a non-first fragment)",
     eth_in() / ip4(dst=PEER4[1], ttl=1, frag=100, proto=17) / Raw(b"f" * 24), [],
     {"fwd.ttl_exceeded": 1})
req = eth_in() / ip4(dst=NOROUTE4) / ping4(33)
case("fwd_v4_no_route", "RFC 1812 5.2.7.1 (network unreachable, code 0)",
     req, [icmp4_error(req, 3, 0)], err4(**{"fwd.no_route": 1}),
     linux_ignore=ORIG4, linux_wait=1.1)
req = eth_in() / ip4(dst=PEER4[1], flags="DF") / UDP(sport=1, dport=2) / (b"b" * 1400)
case("fwd_v4_df_too_big", "RFC 1812 5.2.7.1, RFC 1191 4 (code 4 with the next-hop MTU)",
     req, [icmp4_error(req, 3, 4, nexthopmtu=MTU[1])],
     err4(**{"fwd.too_big": 1}), linux_ignore=ORIG4)
case("fwd_v4_directed_broadcast", "RFC 1812 5.3.5.2 (not forwarded by default), 4.3.2.7",
     eth_in() / ip4(dst=BCAST4[1]) / ping4(34), [],
     {"fwd.directed_broadcast": 1})
case("fwd_v4_link_broadcast_frame", "RFC 1812 5.3.4 (a link-layer broadcast is not forwarded)",
     eth_in(dst=BCAST_MAC) / ip4(dst=PEER4[1]) / ping4(35), [],
     {"fwd.link_broadcast": 1})
case("fwd_v4_multicast_not_forwarded", "RFC 1812 5.2.1 (no multicast routing)",
     eth_in(dst="01:00:5e:01:02:03") / ip4(dst="239.1.2.3") / UDP(sport=1, dport=2) / DATA, [],
     {"ip.multicast_not_joined": 1})
case("fwd_v4_source_loopback", "RFC 1812 5.3.7 (martian source 127/8)",
     eth_in() / ip4(dst=PEER4[1], src="127.0.0.1") / ping4(36), [],
     {"fwd.martian": 1})
case("fwd_v4_source_zero", "RFC 1812 5.3.7 (source 0.0.0.0 is not forwarded)",
     eth_in() / ip4(dst=PEER4[1], src="0.0.0.0") / ping4(37), [],
     {"fwd.martian": 1})
case("fwd_v4_destination_loopback", "RFC 1812 5.3.7 (martian destination 127/8)",
     eth_in() / ip4(dst="127.0.0.1") / ping4(38), [],
     {"fwd.martian": 1})
case("fwd_v4_destination_class_e", "RFC 1812 5.3.7 (240/4 martian)",
     eth_in() / ip4(dst="240.0.0.1") / ping4(39), [],
     {"fwd.martian": 1}, linux_wait=1.1)
req = eth_in() / ip4(dst=US4[1]) / ping4(40)
case("echo_v4_other_link_address", "RFC 1122 3.3.4.2 (weak ES: lan1's address via lan0), RFC 1812 5.2.3",
     req, [echo4_reply(req)], dict(ECHO4, **{"fwd.local_delivered": 1}),
     linux_ignore=("IP.id", "IP.flags"))


def arp_responder(mac):
    """A neighbour on lan1 that answers ARP requests for its address with MAC."""
    def respond(port, frame):
        p = Ether(frame)
        if port == 1 and ARP in p and p[ARP].op == 1:
            return [(1, bytes(Ether(src=mac, dst=p[Ether].src) /
                              ARP(op=2, hwsrc=mac, psrc=p[ARP].pdst, hwdst=p[ARP].hwsrc,
                                  pdst=p[ARP].psrc)))]
        return []
    return respond


req = eth_in() / ip4(dst="198.51.100.77") / ping4(41)
case("fwd_v4_resolves_next_hop", "RFC 1812 3.3.2, RFC 826 (request, then the queued packet)",
     req,
     [(1, Ether(src=US_MAC[1], dst=BCAST_MAC) /
       ARP(op=1, hwsrc=US_MAC[1], psrc=US4[1], hwdst="00:00:00:00:00:00", pdst="198.51.100.77")),
      forwarded4(req, dst_mac="02:00:00:00:01:77")],
     {"fwd.forwarded": 1, "arp.requests_sent": 1, "arp.replies_received": 1, "neigh.queued": 1,
      "neigh.learned": 1},
     respond=arp_responder("02:00:00:00:01:77"), forget=(("198.51.100.77", 1),),
     linux_ignore=("ARP.hwdst",))

# ============================================================================ RFC 8200 (IPv6)

for i, size in enumerate((0, 56, 1452)):
    req = to_us6(ping6(50 + i, data=(bytes(range(256)) * 6)[:size]))
    case(f"echo_v6_{size}_bytes", "RFC 4443 4.1/4.2", req, [echo6_reply(req)], ECHO6,
         linux_ignore=ORIG6)
req = to_us6(ping6(53), hlim=1)
case("echo_v6_hlim1_to_us", "RFC 8200 3 (hop limit not checked on local delivery)",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
req = eth_in() / ip6() / ping6(54)
case("echo_v6_link_padding", "RFC 8200 3 (Payload Length: bytes beyond it are not the packet)",
     Raw(bytes(req) + b"\xee" * 6), [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
case("ipv6_bad_version", "RFC 8200 3 (Version 6)",
     patched(to_us6(ping6(55)), 14, b"\x40"), [],
     {"ipv6.bad_version": 1, "malformed_rcvd": 1})
case("ipv6_payload_length_beyond_frame", "RFC 8200 3",
     patched(to_us6(ping6(56)), 18, b"\x04\x00"), [],
     {"ipv6.bad_payload_length": 1, "malformed_rcvd": 1})
req = to_us6(IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]) / ping6(57))
case("ipv6_hbh_padn_echo", "RFC 8200 4.3 (Hop-by-Hop, PadN)",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=b"ab")]) / ping6(58))
case("ipv6_destopt_unknown_skip", "RFC 8200 4.2 (action 00: skip)",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
case("ipv6_destopt_unknown_discard", "RFC 8200 4.2 (action 01: discard)",
     to_us6(IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x5e, optdata=b"")]) / ping6(59)),
     [], {"ipv6.bad_extension_header": 1})
req = to_us6(IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9e, optdata=b"")]) / ping6(60))
case("ipv6_destopt_unknown_param_problem", "RFC 8200 4.2 (action 10: code 2, pointer to the option)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=2, ptr=42)],
     err6(**{"ipv6.bad_extension_header": 1}), linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0xde, optdata=b"")]) / ping6(61))
case("ipv6_destopt_unknown_11_unicast", "RFC 8200 4.2 (action 11, unicast destination)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=2, ptr=42)],
     err6(**{"ipv6.bad_extension_header": 1}), linux_ignore=ORIG6)
case("ipv6_destopt_unknown_11_multicast", "RFC 8200 4.2 (action 11: not to a multicast destination)",
     to_us6(IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0xde, optdata=b"")]) / ping6(62),
            dst="ff02::1", mac="33:33:00:00:00:01"),
     [], {"ipv6.bad_extension_header": 1})
req = to_us6(IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / ping6(63))
case("ipv6_hbh_not_first", "RFC 8200 4.1 (Hop-by-Hop only right after the IPv6 header)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=1, ptr=40)],
     err6(**{"ipv6.bad_extension_header": 1}), linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]) / ping6(64))
case("ipv6_routing_segleft0", "RFC 8200 4.4 (Segments Left 0: ignored)",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrRouting(type=200, segleft=1, addresses=[]) / ping6(65))
case("ipv6_routing_unknown_type", "RFC 8200 4.4 (unknown type, Segments Left > 0: code 0 at Routing Type)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=0, ptr=42)],
     err6(**{"ipv6.bad_extension_header": 1}), linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8:1::3"]) / ping6(66))
case("ipv6_routing_type0", "RFC 5095 3 (type 0 is an unrecognised type)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=0, ptr=42)],
     err6(**{"ipv6.bad_extension_header": 1}), linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrFragment(m=0, offset=0, id=7) / ping6(67))
case("ipv6_atomic_fragment", "RFC 6946 (offset 0, M clear: the whole packet)",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)
whole6 = to_us6(ping6(68, data=DATA * 4))
body6 = bytes(parsed(whole6)[IPv6].payload)
first6 = eth_in() / ip6(nh=44) / IPv6ExtHdrFragment(nh=58, m=1, offset=0, id=0x88) / Raw(body6[:24])
later6 = eth_in() / ip6(nh=44) / IPv6ExtHdrFragment(nh=58, m=0, offset=3, id=0x88) / Raw(body6[24:])
case("ipv6_fragments_reassembled", "RFC 8200 4.5 (reassembly)",
     [(0, first6), (0, later6)], [echo6_reply(whole6)],
     dict(ECHO6, **{"ipv6.fragments_received": 2, "ipv6.reassembled": 1}), linux_ignore=ORIG6)
case("ipv6_first_fragment_times_out", "RFC 8200 4.5 (time exceeded code 1, first fragment quoted)",
     first6, [icmp6_error(first6, ICMPv6TimeExceeded, code=1)],
     err6(**{"ipv6.fragments_received": 1, "ipv6.frag_timeout": 1}), linux_ignore=ORIG6,
     settle=0.6)
case("ipv6_later_fragment_times_out", "RFC 8200 4.5 (no error without the first fragment)",
     later6, [], {"ipv6.fragments_received": 1, "ipv6.frag_timeout": 1}, settle=0.6)
odd = eth_in() / ip6(nh=44) / IPv6ExtHdrFragment(nh=58, m=1, offset=0, id=0x89) / Raw(body6[:20])
case("ipv6_fragment_not_multiple_of_8", "RFC 8200 4.5 (M set, length not a multiple of 8: code 0 at Payload Length)",
     odd, [icmp6_error(odd, ICMPv6ParamProblem, code=0, ptr=4)],
     err6(**{"ipv6.frag_bad_length": 1}), linux_ignore=ORIG6)
case("ipv6_no_next_header", "RFC 8200 4.7 (No Next Header: nothing follows)",
     to_us6(Raw(b""), nh=59), [], {})
req = to_us6(Raw(b"\0" * 8), nh=99)
case("ipv6_unknown_next_header", "RFC 8200 4 (code 1 at the Next Header field)",
     req, [icmp6_error(req, ICMPv6ParamProblem, code=1, ptr=6)],
     err6(**{"ipv6.unknown_next_header": 1, "unknown_protocol_rcvd": 1}), linux_ignore=ORIG6)

# forwarding
req = eth_in() / ip6(dst=PEER6[1], hlim=64, tc=0x28, fl=0x12345) / ping6(70)
case("fwd_v6_to_connected_host", "RFC 8200 3 (hop limit - 1; traffic class, flow label kept)",
     req, [forwarded6(req)], FWD)
req = eth_in() / ip6(dst=ROUTED6, hlim=5) / UDP(sport=1, dport=2) / DATA
case("fwd_v6_via_gateway", "RFC 8200 3", req, [forwarded6(req)], FWD)
req = eth_in() / ip6(dst=PEER6[1], hlim=1) / ping6(71)
case("fwd_v6_hlim1_time_exceeded", "RFC 4443 3.3 (code 0), RFC 8200 3",
     req, [icmp6_error(req, ICMPv6TimeExceeded, code=0)], err6(**{"fwd.ttl_exceeded": 1}),
     linux_ignore=ORIG6)
req = eth_in() / ip6(dst=PEER6[1], hlim=0) / ping6(72)
case("fwd_v6_hlim0_time_exceeded", "RFC 4443 3.3",
     req, [icmp6_error(req, ICMPv6TimeExceeded, code=0)], err6(**{"fwd.ttl_exceeded": 1}),
     linux_ignore=ORIG6)
req = eth_in() / ip6(dst=NOROUTE6) / ping6(73)
case("fwd_v6_no_route", "RFC 4443 3.1 (code 0: no route)",
     req, [icmp6_error(req, ICMPv6DestUnreach, code=0)], err6(**{"fwd.no_route": 1}),
     linux_ignore=ORIG6)
req = eth_in() / ip6(dst=PEER6[1]) / UDP(sport=1, dport=2) / (b"b" * 1400)
case("fwd_v6_packet_too_big", "RFC 4443 3.2, RFC 8200 5 (MTU of the next hop)",
     req, [icmp6_error(req, ICMPv6PacketTooBig, mtu=MTU[1])], err6(**{"fwd.too_big": 1}),
     linux_ignore=ORIG6)
case("fwd_v6_hlim1_icmp6_error_no_error", "RFC 4443 2.4(e.1)",
     eth_in() / ip6(dst=PEER6[1], hlim=1) / ICMPv6DestUnreach(code=1) /
     bytes(IPv6(src=PEER6[1], dst=PEER6[0]) / UDP(sport=1, dport=2)), [],
     {"fwd.ttl_exceeded": 1})

# ============================================================================ RFC 4291 (addressing)

case("ipv6_source_multicast", "RFC 4291 2.7 (a multicast address is never a source)",
     to_us6(ping6(80), src="ff02::1"), [],
     {"ip.invalid_source_addresses_received": 1})
case("fwd_v6_source_unspecified", "RFC 4291 2.5.2 (:: is never forwarded)",
     eth_in() / ip6(dst=PEER6[1], src="::") / ping6(81), [],
     {"fwd.martian": 1})
case("fwd_v6_source_loopback", "RFC 4291 2.5.3 (::1 is never sent on a link)",
     eth_in() / ip6(dst=PEER6[1], src="::1") / ping6(82), [],
     {"fwd.martian": 1})
case("fwd_v6_destination_loopback", "RFC 4291 2.5.3",
     eth_in() / ip6(dst="::1") / ping6(83), [],
     {"fwd.martian": 1})
req = eth_in() / ip6(dst=PEER6[1], src="fe80::2") / ping6(84)
case("fwd_v6_source_link_local", "RFC 4291 2.5.6, RFC 4443 3.1 (code 2: beyond scope of source)",
     req, [icmp6_error(req, ICMPv6DestUnreach, code=2)],
     err6(**{"fwd.martian": 1}), linux_ignore=ORIG6 + ("IPv6.src",),
     respond=ns_responder(PEER_MAC[0], port=0),
     forget=(("fe80::2", 0),), linux_resolves=True)
req = to_us6(ping6(85), dst="ff02::1", mac="33:33:00:00:00:01")
case("echo_v6_to_all_nodes", "RFC 4443 4.2 (reply from a unicast address), RFC 4291 2.7.1",
     req, [echo6_reply(req, src=US6[0])], ECHO6, linux_ignore=ORIG6)
req = to_us6(ping6(86), dst=solnode(US6[0])[0], mac=solnode(US6[0])[1])
case("echo_v6_to_solicited_node", "RFC 4443 4.2, RFC 4291 2.7.1",
     req, [echo6_reply(req, src=US6[0])], ECHO6, linux_ignore=ORIG6)
req = to_us6(ping6(87), dst=US6[1])
case("echo_v6_other_link_address", "RFC 1122 3.3.4.2 (weak ES), RFC 8200",
     req, [echo6_reply(req)], dict(ECHO6, **{"fwd.local_delivered": 1}), linux_ignore=ORIG6)

# ============================================================================ RFC 4443 (ICMPv6)

case("icmp6_echo_bad_checksum", "RFC 4443 2.3 (checksum), 2.4",
     to_us6(ICMPv6EchoRequest(id=1, seq=1, cksum=0xbeef) / DATA), [],
     {"icmp6.malformed": 1})
case("icmp6_unknown_informational", "RFC 4443 2.4(b) (unknown informational: discarded)",
     to_us6(ICMPv6Unknown(type=200, code=0, msgbody=b"\0" * 4)), [],
     {"icmp6.other_received": 1})
case("icmp6_unknown_error_type", "RFC 4443 2.4(a) (unknown error: to the upper layer)",
     to_us6(ICMPv6Unknown(type=100, code=0, msgbody=b"\0" * 4 +
                          bytes(IPv6(src=US6[0], dst=PEER6[0]) / UDP(sport=7, dport=9)))), [],
     {"icmp6.errors_received": 1})
case("icmp6_echo_reply_unsolicited", "RFC 4443 4.2",
     to_us6(ICMPv6EchoReply(id=2, seq=2) / DATA), [],
     {"icmp6.echo_replies_received": 1})
case("icmp6_dest_unreach_received", "RFC 4443 3.1 (passed to the transport)",
     to_us6(ICMPv6DestUnreach(code=4) / bytes(IPv6(src=US6[0], dst=PEER6[0]) /
                                              UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp6.errors_received": 1})
case("icmp6_packet_too_big_received", "RFC 4443 3.2",
     to_us6(ICMPv6PacketTooBig(mtu=1280) / bytes(IPv6(src=US6[0], dst=PEER6[0]) /
                                                 UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp6.errors_received": 1})
case("icmp6_closed_port_to_multicast", "RFC 4443 2.4(e.3) (no error about a multicast destination)",
     to_us6(UDP(sport=5555, dport=9) / b"hello", dst="ff02::1", mac="33:33:00:00:00:01"), [],
     {"udp.unknown_port_errors": 1})
case("icmp6_error_from_unspecified", "RFC 4443 2.4(e.6) (no error to ::)",
     to_us6(Raw(b"\0" * 8), nh=99, src="::"), [],
     {"ipv6.unknown_next_header": 1, "unknown_protocol_rcvd": 1})
case("icmp6_router_solicitation_ignored", "RFC 4291 2.8 (a router listens on ff02::2), RFC 4861 6.2.6",
     Ether(src=PEER_MAC[0], dst="33:33:00:00:00:02") /
     IPv6(src="fe80::2", dst="ff02::2", hlim=255) / ICMPv6ND_RS(), [],
     {"icmp6.other_received": 1},
     deviation=Deviation("the all-routers group ff02::2 is not joined: the RS is dropped as "
                         "a group nobody joined", [], {"ip.multicast_not_joined": 1}))

# ============================================================================ RFC 4861 (NDP)

case("ndp_ns_multicast_for_us", "RFC 4861 7.2.3/7.2.4 (solicited NA: S, O, R, TLLA)",
     ns(US6[0], src="fe80::2"),
     [na_reply(US6[0], "fe80::2")],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1, "neigh.learned": 1},
     forget=(("fe80::2", 0),))
case("ndp_ns_global_source", "RFC 4861 7.2.3",
     ns(US6[0], src=PEER6[0]),
     [na_reply(US6[0], PEER6[0])],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1})
case("ndp_ns_unicast_nud_probe", "RFC 4861 7.2.3, 7.3.3 (a unicast NS)",
     ns(US6[0], src=PEER6[0], dst=US6[0], mac=US_MAC[0]),
     [na_reply(US6[0], PEER6[0])],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1})
case("ndp_ns_dad_from_unspecified", "RFC 4861 7.2.4 (to ff02::1, S clear)",
     ns(US6[0], src="::", sll=None),
     [na_reply(US6[0], "ff02::1", S=0, dst_mac="33:33:00:00:00:01")],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1})
case("ndp_ns_hop_limit_254", "RFC 4861 7.1.1 (hop limit 255)",
     ns(US6[0], src="fe80::2", hlim=254), [], {"ndp.invalid": 1})
case("ndp_ns_code_1", "RFC 4861 7.1.1 (code 0)",
     ns(US6[0], src="fe80::2", code=1), [], {"ndp.invalid": 1})
case("ndp_ns_multicast_target", "RFC 4861 7.1.1 (target not multicast)",
     ns("ff02::1", src="fe80::2", dst="ff02::1", mac="33:33:00:00:00:01"), [],
     {"ndp.invalid": 1})
case("ndp_ns_unspecified_with_sllao", "RFC 4861 7.1.1 (:: source: no source link-layer option)",
     ns(US6[0], src="::"), [], {"ndp.invalid": 1})
case("ndp_ns_unspecified_not_solicited_node", "RFC 4861 7.1.1 (:: source: to a solicited-node group)",
     ns(US6[0], src="::", sll=None, dst="ff02::1", mac="33:33:00:00:00:01"), [],
     {"ndp.invalid": 1})
case("ndp_ns_option_length_zero", "RFC 4861 7.1.1 (every option has length > 0)",
     ns(US6[0], src="fe80::2", sll=None) / Raw(b"\x01\x00" + b"\0" * 6), [],
     {"ndp.invalid": 1})
case("ndp_ns_bad_checksum", "RFC 4861 7.1.1 (valid ICMP checksum)",
     ns(US6[0], src="fe80::2", cksum=0x1234), [], {"ndp.invalid": 1})
case("ndp_ns_target_not_ours", "RFC 4861 7.2.3 (target not ours: silently discarded)",
     ns("2001:db8:1::99", src=PEER6[0]), [],
     {"ip.multicast_not_joined": 1})
case("ndp_ns_other_link_target", "RFC 4861 7.2.3 (target on the receiving link only)",
     ns(US6[1], src=PEER6[0]), [],
     {"ndp.solicitations_received": 1})
case("ndp_na_unsolicited_creates_nothing", "RFC 4861 7.2.5 (no entry: an NA creates none)",
     Ether(src=PEER_MAC[0], dst="33:33:00:00:00:01") /
     IPv6(src="2001:db8:1::55", dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(R=0, S=0, O=1, tgt="2001:db8:1::55") /
     ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:55"), [],
     {"ndp.advertisements_received": 1}, absent=("2001:db8:1::55",))
case("ndp_na_multicast_solicited", "RFC 4861 7.1.2 (S set to a multicast destination)",
     Ether(src=PEER_MAC[0], dst="33:33:00:00:00:01") /
     IPv6(src="2001:db8:1::56", dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt="2001:db8:1::56") /
     ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:56"), [],
     {"ndp.invalid": 1})
case("ndp_na_hop_limit_254", "RFC 4861 7.1.2 (hop limit 255)",
     Ether(src=PEER_MAC[0], dst=US_MAC[0]) / IPv6(src="2001:db8:1::57", dst=US6[0], hlim=254) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt="2001:db8:1::57"), [],
     {"ndp.invalid": 1})
case("ndp_ra_ignored", "RFC 4861 6.2.7 (a router does not configure from RAs)",
     Ether(src=PEER_MAC[0], dst="33:33:00:00:00:01") /
     IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_RA(), [],
     {"icmp6.other_received": 1})
case("ndp_redirect_ignored", "RFC 4861 8.1 (a router ignores redirects)",
     Ether(src=PEER_MAC[0], dst=US_MAC[0]) / IPv6(src="fe80::2", dst=US6[0], hlim=255) /
     ICMPv6ND_Redirect(tgt="fe80::3", dst=ROUTED6), [],
     {"icmp6.redirects_received": 1})


req = eth_in() / ip6(dst="2001:db8:2::77") / ping6(90)
grp, gmac = solnode("2001:db8:2::77")
case("fwd_v6_resolves_next_hop", "RFC 4861 7.2.2 (NS to the solicited-node group, SLLA), 7.2.5",
     req,
     [(1, Ether(src=US_MAC[1], dst=gmac) / IPv6(src=US6[1], dst=grp, hlim=255) /
       ICMPv6ND_NS(tgt="2001:db8:2::77") / ICMPv6NDOptSrcLLAddr(lladdr=US_MAC[1])),
      forwarded6(req, dst_mac="02:00:00:00:01:77")],
     {"fwd.forwarded": 1, "ndp.solicitations_sent": 1, "ndp.advertisements_received": 1,
      "neigh.queued": 1, "neigh.learned": 1},
     respond=ns_responder("02:00:00:00:01:77"), forget=(("2001:db8:2::77", 1),),
     linux_ignore=("IPv6.src",),  # RFC 4861 7.2.2: any address of the interface
     note="Linux solicits from its link-local address")


# ============================================================================ more: source addresses, boundaries

req = to_us4(ping4(100), dst=SECOND4)
case("echo_v4_second_address", "RFC 1122 3.2.2.6 (the reply's source is the request's destination)",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
req = to_us4(UDP(sport=5556, dport=9) / b"second", dst=SECOND4)
case("udp_closed_port_second_address", "RFC 1122 3.2.2 / RFC 1812 4.3.2.4 (error from the address the datagram was sent to)",
     req, [icmp4_error(req, 3, 3, src=SECOND4)], err4(**{"udp.unknown_port_errors": 1}),
     linux_ignore=ORIG4)
req = to_us4(TCP(sport=40020, dport=81, flags="S", seq=55), dst=SECOND4)
case("tcp_syn_second_address", "RFC 9293 3.10.7.1 (the RST comes from the address the SYN was sent to)",
     req, [rst4(req, flags="RA", seq=0, ack=56)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
req = to_us4(UDP(sport=40021, dport=ECHO_PORT) / b"second", dst=SECOND4)
case("udp_echo_second_address", "RFC 768, RFC 1122 4.1.3.5 (reply from the address it was sent to)",
     req, [udp_echo4(req)], UDPECHO, linux_ignore=ORIG4)
req = eth_in() / ip4(dst=PEER4[1], ttl=1, src=PEER4[0]) / UDP(sport=1, dport=2) / (b"q" * 1000)
case("fwd_v4_ttl1_quote_576", "RFC 1812 4.3.2.3 (576 bytes in all), 4.3.2.4 (source: an address of the outgoing interface)",
     req, [icmp4_error(req, 11, 0)], err4(**{"fwd.ttl_exceeded": 1}), linux_ignore=ORIG4)
req = eth_in() / ip4(dst=US4[1]) / TCP(sport=40022, dport=82, flags="S", seq=9)
case("tcp_syn_other_link_address", "RFC 9293 3.10.7.1, RFC 1122 3.3.4.2 (routed back to the sender)",
     req, [rst4(req, flags="RA", seq=0, ack=10)],
     {"tcp.resets_sent": 1, "fwd.local_delivered": 1}, linux_ignore=ORIG4)
req = eth_in() / ip4(dst=US4[1]) / UDP(sport=5557, dport=9) / b"other-link"
case("udp_closed_port_other_link_address", "RFC 1122 4.1.3.1, RFC 1812 4.3.2.4",
     req, [icmp4_error(req, 3, 3, src=US4[1])],
     err4(**{"udp.unknown_port_errors": 1, "fwd.local_delivered": 1}), linux_ignore=ORIG4)
req = eth_in() / ip6(dst=US6[1]) / UDP(sport=5558, dport=9) / b"other-link"
case("udp_closed_port_other_link_address_v6", "RFC 4443 3.1 (code 4), RFC 4443 2.2 (source)",
     req, [icmp6_error(req, ICMPv6DestUnreach, code=4, src=US6[1])],
     err6(**{"udp.unknown_port_errors": 1, "fwd.local_delivered": 1}), linux_ignore=ORIG6)
req = eth_in() / ip6(dst=US6[1]) / TCP(sport=40023, dport=83, flags="S", seq=1)
case("tcp_syn_other_link_address_v6", "RFC 9293 3.10.7.1",
     req, [rst6(req, flags="RA", seq=0, ack=2)],
     {"tcp.resets_sent": 1, "fwd.local_delivered": 1}, linux_ignore=ORIG6)
req = to_us6(IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")]) /
             TCP(sport=40024, dport=84, flags="S", seq=3))
case("tcp_syn_v6_after_destopt", "RFC 9293 3.10.7.1, RFC 8200 4.6 (the upper layer after options)",
     req, [rst6(req, flags="RA", seq=0, ack=4)], {"tcp.resets_sent": 1}, linux_ignore=ORIG6)
req = to_us4(TCP(sport=40025, dport=0, flags="S", seq=3))
case("tcp_syn_to_port_0", "RFC 9293 3.10.7.1 (port 0 is closed like any other)",
     req, [rst4(req, flags="RA", seq=0, ack=4)], {"tcp.resets_sent": 1}, linux_ignore=ORIG4)
case("tcp_syn_to_multicast_v6", "RFC 1122 4.2.3.10 / RFC 9293 (no RST to a multicast destination)",
     to_us6(TCP(sport=40026, dport=80, flags="S"), dst="ff02::1", mac="33:33:00:00:00:01"),
     [], {})
req = to_us4(UDP(sport=5559, dport=0) / b"port0")
case("udp_to_port_0", "RFC 768, RFC 1122 4.1.3.1 (port 0 is closed)",
     req, [icmp4_error(req, 3, 3)], err4(**{"udp.unknown_port_errors": 1}), linux_ignore=ORIG4)
case("udp_v6_bad_checksum", "RFC 8200 8.1, RFC 768",
     to_us6(UDP(sport=40027, dport=ECHO_PORT, chksum=0x1234) / DATA), [],
     {"udp.checksum_errors": 1})
req = to_us6(UDP(sport=40028, dport=ECHO_PORT) / DATA, dst="ff02::1", mac="33:33:00:00:00:01")
case("udp_echo_v6_to_all_nodes", "RFC 768, RFC 4291 2.7 (reply from a unicast address)",
     req, [udp_echo6(req, src=US6[0])], UDPECHO, linux_ignore=ORIG6)

# forwarding boundaries
req = eth_in() / ip4(dst=PEER4[1], ttl=2) / ping4(101)
case("fwd_v4_ttl2_forwarded", "RFC 1812 5.3.1 (TTL 2 leaves with 1)",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip6(dst=PEER6[1], hlim=2) / ping6(102)
case("fwd_v6_hlim2_forwarded", "RFC 8200 3 (hop limit 2 leaves with 1)",
     req, [forwarded6(req)], FWD)
req = eth_in() / ip4(dst=PEER4[1], flags="DF") / UDP(sport=1, dport=2) / (b"m" * (MTU[1] - 28))
case("fwd_v4_df_exactly_mtu", "RFC 1812 5.2.7.1 (a packet of exactly the MTU fits)",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip6(dst=PEER6[1]) / UDP(sport=1, dport=2) / (b"m" * (MTU[1] - 48))
case("fwd_v6_exactly_mtu", "RFC 8200 5 (a packet of exactly the link MTU fits)",
     req, [forwarded6(req)], FWD)
req = eth_in() / ip4(dst=PEER4[1], options=[IPOption_NOP()] * 4) / ping4(103)
case("fwd_v4_options_kept", "RFC 1812 5.3.1, 4.2.2.1 (options other than RR/TS/SR pass unchanged)",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip4(dst=PEER4[1], tos=0x03) / ping4(104)
case("fwd_v4_ecn_ce_kept", "RFC 3168 (ECN: a router does not clear CE), RFC 1812 5.3.1",
     req, [forwarded4(req)], FWD)
req = eth_in() / ip6(dst=PEER6[1]) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0\0\0\0")]) / ping6(105)
case("fwd_v6_hop_by_hop_forwarded", "RFC 8200 4.3 (Hop-by-Hop with PadN only: forwarded)",
     req, [forwarded6(req)], FWD)
case("fwd_v6_global_multicast", "RFC 8200, RFC 4291 2.7 (no multicast routing)",
     eth_in(dst="33:33:00:00:00:77") / ip6(dst="ff0e::77") / UDP(sport=1, dport=2) / DATA, [],
     {"ip.multicast_not_joined": 1})
req = eth_in() / ip4(dst=PEER4[1], flags=0) / UDP(sport=1, dport=2) / (b"n" * 1450)
case("fwd_v4_too_big_no_df", "RFC 791 2.3, RFC 1812 4.2.2.7 (a router fragments)",
     req,
     [(1, eth_out(1) / IP(src=PEER4[0], dst=PEER4[1], ttl=63, flags="MF", frag=0, proto=17,
                          id=1) / Raw(bytes(parsed(req)[IP].payload)[:1376])),
      (1, eth_out(1) / IP(src=PEER4[0], dst=PEER4[1], ttl=63, frag=1376 // 8, proto=17,
                          id=1) / Raw(bytes(parsed(req)[IP].payload)[1376:]))],
     dict(FWD, **{"fwd.fragmented": 1, "fwd.fragments_created": 2}))

# IPv6 addressing (RFC 4291)
case("ipv6_destination_multicast_scope0", "RFC 4291 2.7 (scope 0 is reserved: never on a link)",
     to_us6(ping6(106), dst="ff00::1", mac="33:33:00:00:00:01"), [],
     {"ip.multicast_not_joined": 1})
case("ipv6_destination_interface_local", "RFC 4291 2.7 (interface-local scope never on a link)",
     to_us6(ping6(107), dst="ff01::1", mac="33:33:00:00:00:01"), [],
     {"ip.multicast_not_joined": 1})
case("ipv6_source_own_address", "RFC 4291, RFC 1122 3.2.1.3 by analogy (a packet from our own address is spoofed)",
     to_us6(ping6(108), src=US6[0]), [],
     {"ip.invalid_source_addresses_received": 1})
case("ipv4_source_own_address", "RFC 1122 3.2.1.3, RFC 1812 5.3.7",
     to_us4(ping4(109), src=US4[0]), [],
     {"ip.invalid_source_addresses_received": 1})
req = to_us6(ping6(110), src="::ffff:192.0.2.2")
case("ipv6_source_v4_mapped", "RFC 4291 2.5.5.2 (IPv4-mapped addresses are not used on the wire)",
     req, [], {"ip.invalid_source_addresses_received": 1})
case("fwd_v6_source_v4_mapped", "RFC 4291 2.5.5.2, RFC 6890 (::ffff:0:0/96 is not forwardable)",
     eth_in() / ip6(dst=PEER6[1], src="::ffff:192.0.2.2") / ping6(113), [],
     {"ip.invalid_source_addresses_received": 1})

# ICMP details
req = to_us4(ICMP(type=8, code=5, id=0x4300, seq=1) / DATA)
case("icmp_echo_nonzero_code", "RFC 792 (Echo: code 0; the reply is an echo reply)",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
req = to_us4(ping4(111), tos=0x10)
case("icmp_echo_tos_kept", "RFC 1122 3.2.2.6 (the reply's IP fields: TOS as the request's)",
     req, [echo4_reply(req)], ECHO4, linux_ignore=("IP.id", "IP.flags"))
case("icmp6_param_problem_received", "RFC 4443 3.4",
     to_us6(ICMPv6ParamProblem(code=1, ptr=40) / bytes(IPv6(src=US6[0], dst=PEER6[0]) /
                                                      UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp6.errors_received": 1})
case("icmp6_time_exceeded_received", "RFC 4443 3.3",
     to_us6(ICMPv6TimeExceeded(code=0) / bytes(IPv6(src=US6[0], dst=PEER6[0]) /
                                               UDP(sport=7, dport=5555) / b"x")), [],
     {"icmp6.errors_received": 1})
case("icmp6_too_short", "RFC 4443 2.1 (4-byte header at least)",
     to_us6(Raw(b"\x80\x00"), nh=58), [],
     {"icmp6.malformed": 1})
req = to_us6(IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / ping6(112))
case("echo_v6_router_alert", "RFC 2711 (Router Alert is a known option), RFC 4443 4.2",
     req, [echo6_reply(req)], ECHO6, linux_ignore=ORIG6)

# NDP details
case("ndp_ns_unknown_option_ignored", "RFC 4861 4.6 (unknown options are ignored)",
     ns(US6[0], src=PEER6[0]) / Raw(b"\xc8\x01" + b"\0" * 6),
     [na_reply(US6[0], PEER6[0])],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1})
case("ndp_ns_no_sllao_from_unicast", "RFC 4861 7.2.4 (answered to the sender)",
     ns(US6[0], src=PEER6[0], sll=None),
     [na_reply(US6[0], PEER6[0])],
     {"ndp.solicitations_received": 1, "ndp.advertisements_sent": 1})
case("ndp_na_for_our_address", "RFC 4861 7.2.5 (an NA for our own address changes nothing)",
     Ether(src=PEER_MAC[0], dst="33:33:00:00:00:01") /
     IPv6(src="2001:db8:1::58", dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(R=0, S=0, O=1, tgt=US6[0]) / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:58"),
     [], {"ndp.advertisements_received": 1}, absent=(US6[0],))
case("ndp_ns_truncated", "RFC 4861 7.1.1 (24 bytes at least)",
     Ether(src=PEER_MAC[0], dst=US_MAC[0]) / IPv6(src=PEER6[0], dst=US6[0], hlim=255) /
     ICMPv6Unknown(type=135, code=0, msgbody=b"\0" * 8), [],
     {"ndp.invalid": 1})
case("arp_reply_keeps_static_entry", "RFC 826 merge; a static entry is not replaced",
     arp_req(PEER4[0], US4[0], op=2, dst=US_MAC[0], sha="02:00:00:00:00:99"),
     [], {"arp.replies_received": 1})


def linux_frames(case, frames):
    """The frames Linux sent for CASE that are compared with its expectation."""
    if not case.linux_resolves:
        return frames
    return [[f for f in port if not (ARP in Ether(f) and Ether(f)[ARP].op == 1) and
             ICMPv6ND_NS not in Ether(f)] for port in frames]


BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate case names"
assert all(re.search(r"RFC \d+", c.rfc) for c in CASES), "every case names its RFC"
