#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Seed corpus of test/fuzz/fuzz_eth.c: scapy-made frames for the fuzz stack's addresses.

usage: /usr/bin/python3 test/fuzz/make_corpus.py OUTDIR

Each file is the target's input: 4 option bytes (options, first segment length, later segment
length - 1, rx offload flags; see fuzz_eth.c) then one Ethernet frame, or several separated by "DPSF" (a burst). Every frame is written for both NICs and
in a few option variants (plain, chained, ASan-exact external buffers, neighbours resolved).
"""
import os
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, ICMPv6DestUnreach,
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6MLQuery,
                       ICMPv6MLReport, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6ND_Redirect, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IPOption_Router_Alert, IPOption_RR,
                       IPOption_LSRR, IPOption_SSRR, IPOption_Timestamp,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN, Raw,
                       RouterAlert, Dot1AD, Dot1Q, HBHOptUnknown, fragment)

OPT_NIC1, OPT_PROMISC, OPT_CHAIN, OPT_FIX = 0x01, 0x02, 0x04, 0x08
OPT_EXTBUF, OPT_RESOLVE, OPT_RATELIMIT, OPT_NOFWD = 0x10, 0x20, 0x40, 0x80
OFF_IP_BAD, OFF_IP_GOOD, OFF_L4_BAD, OFF_L4_GOOD, OFF_RSS = 0x01, 0x02, 0x04, 0x08, 0x10
OFF_VLAN_STRIPPED = 0x20  # the PMD took the tag off: vlan_tci from option bytes 1-2

PEER_MAC = "02:aa:00:00:00:01"
SEP = b"DPSF"  # separates the frames of a burst (fuzz_eth.c FZ_SEP)


class Nic:
    def __init__(self, i):
        self.i = i
        self.mac = "02:00:00:00:00:%02x" % (i + 1)
        self.us4 = "10.%d.0.1" % i
        self.peer4 = "10.%d.0.2" % i  # static neighbour
        self.other4 = "10.%d.0.7" % i  # unknown neighbour
        self.bcast4 = "10.%d.0.255" % i
        self.us6 = "2001:db8::1" if i == 0 else "2001:db8:1::1"
        self.peer6 = "2001:db8::2" if i == 0 else "2001:db8:1::2"
        self.other6 = "2001:db8::7" if i == 0 else "2001:db8:1::7"
        self.ll6 = "fe80::%d" % (i + 1)
        self.peer_ll6 = "fe80::aa"
        self.range4 = "10.9.0.5"
        self.range6 = "2001:db8:9::5"


def sol_node(addr):
    import ipaddress
    b = ipaddress.IPv6Address(addr).packed
    return str(ipaddress.IPv6Address(bytes.fromhex("ff0200000000000000000001ff") + b[13:]))


def sol_mac(addr):
    import ipaddress
    b = ipaddress.IPv6Address(addr).packed
    return "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])


def frames(n):
    """(name, scapy packet) for NIC n."""
    e = Ether(dst=n.mac, src=PEER_MAC)
    eb = Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC)
    e6m = Ether(dst="33:33:00:00:00:01", src=PEER_MAC)
    pay = Raw(bytes(range(56)))
    big = Raw(bytes(i & 0xff for i in range(1400)))
    out = []
    add = lambda name, p: out.append((name, p))

    # ARP (RFC 826)
    add("arp_req", eb / ARP(op=1, hwsrc=PEER_MAC, psrc=n.other4, pdst=n.us4))
    add("arp_req_range", eb / ARP(op=1, hwsrc=PEER_MAC, psrc=n.other4, pdst=n.range4))
    add("arp_reply", e / ARP(op=2, hwsrc=PEER_MAC, psrc=n.other4, hwdst=n.mac, pdst=n.us4))
    add("arp_garp", eb / ARP(op=1, hwsrc=PEER_MAC, psrc=n.other4, pdst=n.other4))
    add("arp_probe", eb / ARP(op=1, hwsrc=PEER_MAC, psrc="0.0.0.0", pdst=n.us4))
    add("arp_notus", eb / ARP(op=1, hwsrc=PEER_MAC, psrc=n.other4, pdst="10.5.5.5"))

    # IPv4 local: ICMP (RFC 792), UDP (RFC 768), TCP reset (RFC 793)
    add("icmp4_echo", e / IP(src=n.other4, dst=n.us4) / ICMP(type=8, id=1, seq=1) / pay)
    add("icmp4_echo_big", e / IP(src=n.other4, dst=n.us4) / ICMP(type=8) / big)
    add("icmp4_echo_bcast", eb / IP(src=n.other4, dst=n.bcast4) / ICMP(type=8) / pay)
    add("icmp4_echo_lbcast", eb / IP(src=n.other4, dst="255.255.255.255") / ICMP(type=8))
    add("icmp4_echo_range", e / IP(src=n.other4, dst=n.range4) / ICMP(type=8) / pay)
    add("icmp4_echo_reply", e / IP(src=n.other4, dst=n.us4) / ICMP(type=0) / pay)
    add("icmp4_tstamp", e / IP(src=n.other4, dst=n.us4) / ICMP(type=13))
    add("icmp4_unknown", e / IP(src=n.other4, dst=n.us4) / ICMP(type=42) / pay)
    add("icmp4_unreach_udp", e / IP(src=n.peer4, dst=n.us4) / ICMP(type=3, code=3) /
        IP(src=n.us4, dst=n.peer4) / UDP(sport=53, dport=40000) / Raw(b"x" * 8))
    add("icmp4_fragneeded_tcp", e / IP(src=n.peer4, dst=n.us4) / ICMP(type=3, code=4, nexthopmtu=1200) /
        IP(src=n.us4, dst=n.peer4) / TCP(sport=80, dport=40000))
    add("icmp4_ttlexc", e / IP(src=n.peer4, dst=n.us4) / ICMP(type=11) /
        IP(src=n.us4, dst="192.168.1.1") / UDP(sport=5000, dport=33434))
    add("udp4_echo", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=7) / pay)
    add("udp4_echo_big", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=7) / big)
    add("udp4_echo_nocsum", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=7, chksum=0) / pay)
    add("udp4_echo_badcsum", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=7, chksum=0x1234) / pay)
    add("udp4_sock", e / IP(src=n.peer4, dst=n.us4) / UDP(sport=1234, dport=5000) / pay)
    add("udp4_sock_far", e / IP(src="192.168.7.7", dst=n.us4) / UDP(sport=1234, dport=5000) / pay)
    add("udp4_tep", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=53) / pay)
    add("udp4_closed", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1234, dport=9999) / pay)
    add("udp4_closed_bcast", eb / IP(src=n.other4, dst=n.bcast4) / UDP(sport=1234, dport=9999))
    add("udp4_mcast", Ether(dst="01:00:5e:00:00:fb", src=PEER_MAC) /
        IP(src=n.other4, dst="224.0.0.251") / UDP(sport=5353, dport=5353) / pay)
    add("udp4_short_len", e / IP(src=n.other4, dst=n.us4) / UDP(sport=1, dport=7, len=4) / pay)
    add("tcp4_syn_tep", e / IP(src=n.other4, dst=n.us4) / TCP(sport=4000, dport=80, flags="S"))
    add("tcp4_syn_closed", e / IP(src=n.other4, dst=n.us4) / TCP(sport=4000, dport=22, flags="S"))
    add("tcp4_ack_closed", e / IP(src=n.other4, dst=n.us4) / TCP(sport=4000, dport=22, flags="A", seq=5, ack=9) / pay)
    add("tcp4_rst_closed", e / IP(src=n.other4, dst=n.us4) / TCP(sport=4000, dport=22, flags="R"))
    add("tcp4_opts", e / IP(src=n.other4, dst=n.us4) /
        TCP(sport=4000, dport=22, flags="S", options=[("MSS", 1460), ("WScale", 7), ("SAckOK", b""), ("Timestamp", (1, 0))]))
    add("ip4_opts_rr", e / IP(src=n.other4, dst=n.us4, options=[IPOption_RR(routers=["1.2.3.4"])]) / ICMP(type=8) / pay)
    add("ip4_opts_ra", e / IP(src=n.other4, dst=n.us4, options=[IPOption_Router_Alert()]) / UDP(sport=1, dport=7) / pay)
    add("ip4_opts_max", e / IP(src=n.other4, dst=n.us4, options=[IPOption_RR(routers=["0.0.0.0"] * 9)]) / ICMP(type=8))
    add("ip4_proto_unknown", e / IP(src=n.other4, dst=n.us4, proto=253) / pay)
    add("ip4_src_ours", e / IP(src=n.us4, dst=n.us4) / ICMP(type=8))
    add("ip4_src_mcast", e / IP(src="224.0.0.1", dst=n.us4) / ICMP(type=8))
    add("ip4_padded", e / IP(src=n.other4, dst=n.us4) / ICMP(type=8) / Raw(b"ab") / Raw(b"\0" * 20))
    frags = fragment(IP(src=n.other4, dst=n.us4, id=77) / ICMP(type=8) / big, fragsize=600)
    for i, f in enumerate(frags[:2]):
        add("ip4_frag%d" % i, e / f)
    # Fragment sequences of one datagram, for bursts (reassembly across frames): all of them,
    # the last first, a duplicate, an overlap; IPv4 options: source routes to us (followed on
    # lan0, refused on lan1), a complete one, SSRR to a gatewayed address, RR / TS in echoes.
    seq4 = fragment(IP(src=n.other4, dst=n.us4, id=78) / ICMP(type=8) / Raw(bytes(big) * 2), fragsize=400)
    for i, f in enumerate(seq4[:6]):
        add("ip4_seq%d" % i, e / f)
    ovl = IP(bytes(seq4[1]))
    ovl.frag -= 1
    del ovl.chksum
    add("ip4_seq_overlap", e / ovl)
    add("ip4_lsrr_us", e / IP(src=n.other4, dst=n.us4, options=[IPOption_LSRR(routers=["192.168.1.1", "10.0.0.2"])]) /
        ICMP(type=8) / pay)
    add("ip4_ssrr_us", e / IP(src=n.other4, dst=n.us4, options=[IPOption_SSRR(routers=["192.168.1.1"])]) / ICMP(type=8) / pay)
    add("ip4_lsrr_done", e / IP(src=n.other4, dst=n.us4, options=[IPOption_LSRR(routers=["10.0.0.2", "10.0.0.3"], pointer=12)]) /
        ICMP(type=8) / pay)
    add("ip4_lsrr_transit", e / IP(src=n.other4, dst="192.168.1.1", options=[IPOption_LSRR(routers=["10.0.0.9"])]) /
        UDP(sport=1, dport=2) / pay)
    add("ip4_ts_echo", e / IP(src=n.other4, dst=n.us4, options=[IPOption_Timestamp(flg=1, length=20, pointer=5)]) /
        ICMP(type=8) / pay)

    # IPv4 forwarding (RFC 1812)
    add("fwd4", e / IP(src=n.other4, dst="192.168.1.1", ttl=64) / UDP(sport=1, dport=2) / pay)
    add("fwd4_ttl1", e / IP(src=n.other4, dst="192.168.1.1", ttl=1) / UDP(sport=1, dport=2) / pay)
    add("fwd4_ttl0", e / IP(src=n.other4, dst="192.168.1.1", ttl=0) / ICMP(type=8))
    add("fwd4_default", e / IP(src=n.other4, dst="8.8.8.8") / TCP(dport=443, flags="S"))
    add("fwd4_unresolved_gw", e / IP(src=n.other4, dst="172.16.0.1") / UDP(sport=1, dport=2) / pay)
    add("fwd4_unresolved_onlink", e / IP(src=n.other4, dst="198.51.100.5") / ICMP(type=8))
    add("fwd4_to_peer", e / IP(src=n.other4, dst="10.1.0.2" if n.i == 0 else "10.0.0.2") / ICMP(type=8))
    add("fwd4_to_other", e / IP(src=n.other4, dst="10.1.0.9" if n.i == 0 else "10.0.0.9") / ICMP(type=8))
    add("fwd4_big_df", e / IP(src=n.other4, dst="8.8.8.8", flags="DF") / UDP(sport=1, dport=2) / Raw(b"z" * 3000))
    add("fwd4_big", e / IP(src=n.other4, dst="8.8.8.8") / UDP(sport=1, dport=2) / Raw(b"z" * 3000))
    add("fwd4_opts", e / IP(src=n.other4, dst="192.168.1.1", options=[IPOption_RR(routers=["0.0.0.0"] * 3)]) / ICMP(type=8))
    add("fwd4_linkbcast", eb / IP(src=n.other4, dst="192.168.1.1") / ICMP(type=8))
    add("fwd4_noroute", e / IP(src=n.other4, dst="203.0.113.1") / UDP(sport=1, dport=2) / pay)
    add("fwd4_martian", e / IP(src="127.0.0.1", dst="192.168.1.1") / ICMP(type=8))

    # IPv6 local (RFC 8200, RFC 4443, RFC 4861)
    add("icmp6_echo", e / IPv6(src=n.other6, dst=n.us6) / ICMPv6EchoRequest(id=1, seq=1, data=bytes(56)))
    add("icmp6_echo_big", e / IPv6(src=n.other6, dst=n.us6) / ICMPv6EchoRequest(data=bytes(1400)))
    add("icmp6_echo_ll", e / IPv6(src=n.peer_ll6, dst=n.ll6) / ICMPv6EchoRequest(data=b"hi"))
    add("icmp6_echo_allnodes", e6m / IPv6(src=n.peer_ll6, dst="ff02::1") / ICMPv6EchoRequest())
    add("icmp6_echo_range", e / IPv6(src=n.other6, dst=n.range6) / ICMPv6EchoRequest())
    add("icmp6_echo_reply", e / IPv6(src=n.other6, dst=n.us6) / ICMPv6EchoReply())
    add("icmp6_unreach_udp", e / IPv6(src=n.peer6, dst=n.us6) / ICMPv6DestUnreach(code=4) /
        IPv6(src=n.us6, dst=n.peer6) / UDP(sport=53, dport=40000) / Raw(b"x" * 8))
    add("icmp6_ptb_tcp", e / IPv6(src=n.peer6, dst=n.us6) / ICMPv6PacketTooBig(mtu=1280) /
        IPv6(src=n.us6, dst=n.peer6) / TCP(sport=80, dport=40000))
    add("icmp6_timeexc", e / IPv6(src=n.peer6, dst=n.us6) / ICMPv6TimeExceeded() /
        IPv6(src=n.us6, dst="2001:db8:100::1") / UDP(sport=5000, dport=33434))
    add("nd_ns", Ether(dst=sol_mac(n.us6), src=PEER_MAC) / IPv6(src=n.other6, dst=sol_node(n.us6), hlim=255) /
        ICMPv6ND_NS(tgt=n.us6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("nd_ns_unicast", e / IPv6(src=n.other6, dst=n.us6, hlim=255) / ICMPv6ND_NS(tgt=n.us6))
    add("nd_ns_dad", Ether(dst=sol_mac(n.us6), src=PEER_MAC) / IPv6(src="::", dst=sol_node(n.us6), hlim=255) /
        ICMPv6ND_NS(tgt=n.us6))
    add("nd_ns_ll", Ether(dst=sol_mac(n.ll6), src=PEER_MAC) / IPv6(src=n.peer_ll6, dst=sol_node(n.ll6), hlim=255) /
        ICMPv6ND_NS(tgt=n.ll6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("nd_ns_range", Ether(dst=sol_mac(n.range6), src=PEER_MAC) / IPv6(src=n.other6, dst=sol_node(n.range6), hlim=255) /
        ICMPv6ND_NS(tgt=n.range6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("nd_ns_hlim64", Ether(dst=sol_mac(n.us6), src=PEER_MAC) / IPv6(src=n.other6, dst=sol_node(n.us6), hlim=64) /
        ICMPv6ND_NS(tgt=n.us6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("nd_ns_opts", Ether(dst=sol_mac(n.us6), src=PEER_MAC) / IPv6(src=n.other6, dst=sol_node(n.us6), hlim=255) /
        ICMPv6ND_NS(tgt=n.us6) / ICMPv6NDOptMTU() / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC) / Raw(b"\x0e\x01" + bytes(6)))
    add("nd_na", e / IPv6(src=n.other6, dst=n.us6, hlim=255) / ICMPv6ND_NA(tgt=n.other6, R=0, S=1, O=1) /
        ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC))
    add("nd_na_unsol", e6m / IPv6(src=n.other6, dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=n.other6, S=0, O=1) /
        ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC))
    add("nd_na_noopt", e / IPv6(src=n.other6, dst=n.us6, hlim=255) / ICMPv6ND_NA(tgt=n.other6, S=1))
    add("nd_rs", Ether(dst="33:33:00:00:00:02", src=PEER_MAC) / IPv6(src=n.peer_ll6, dst="ff02::2", hlim=255) /
        ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("nd_ra", e6m / IPv6(src=n.peer_ll6, dst="ff02::1", hlim=255) / ICMPv6ND_RA() /
        ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC) / ICMPv6NDOptMTU(mtu=1500) / ICMPv6NDOptPrefixInfo(prefix="2001:db8:5::"))
    add("nd_redirect", e / IPv6(src=n.peer_ll6, dst=n.ll6, hlim=255) / ICMPv6ND_Redirect(tgt=n.peer_ll6, dst="2001:db8:100::1"))
    add("mld_query", e6m / IPv6(src=n.peer_ll6, dst="ff02::1", hlim=1) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLQuery())
    add("mld_report", Ether(dst="33:33:00:00:00:fb", src=PEER_MAC) / IPv6(src=n.peer_ll6, dst="ff02::fb", hlim=1) /
        IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLReport(mladdr="ff02::fb"))
    add("hbh_padn", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\0" * 4)]) /
        ICMPv6EchoRequest(data=b"hbh"))
    add("hbh_ra", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / UDP(sport=9, dport=7) / pay)
    for t in (0x3e, 0x7e, 0xbe, 0xfe):  # unknown option, each action of RFC 8200 4.2
        add("hbh_unknown_%02x" % t, e / IPv6(src=n.other6, dst=n.us6) /
            IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=t, optdata=b"ab")]) / ICMPv6EchoRequest())
    add("hbh_not_first", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest())
    add("dstopt", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0")]) / UDP(sport=9, dport=7) / pay)
    add("rthdr0_sl1", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8:100::1"], segleft=1) /
        ICMPv6EchoRequest())
    add("rthdr0_sl0", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrRouting(type=0, addresses=["2001:db8:100::1"], segleft=0) /
        ICMPv6EchoRequest())
    add("rthdr2", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrRouting(type=2, addresses=[n.us6], segleft=1) / ICMPv6EchoRequest())
    add("rthdr4_srh", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrRouting(type=4, addresses=["2001:db8:100::1"], segleft=1) /
        UDP(sport=9, dport=7))
    add("frag6_atomic", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrFragment(offset=0, m=0, id=5) / ICMPv6EchoRequest(data=b"a" * 16))
    add("frag6_first", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrFragment(offset=0, m=1, id=6) / ICMPv6EchoRequest(data=b"a" * 16))
    add("frag6_later", e / IPv6(src=n.other6, dst=n.us6) / IPv6ExtHdrFragment(offset=8, m=0, id=6, nh=58) / Raw(b"b" * 16))
    add("ip6_nonext", e / IPv6(src=n.other6, dst=n.us6, nh=59) / Raw(b"tail"))
    add("ip6_proto_unknown", e / IPv6(src=n.other6, dst=n.us6, nh=253) / Raw(b"tail"))
    add("ip6_src_ours", e / IPv6(src=n.us6, dst=n.us6) / ICMPv6EchoRequest())
    add("ip6_src_mcast", e / IPv6(src="ff02::1", dst=n.us6) / ICMPv6EchoRequest())
    add("udp6_echo", e / IPv6(src=n.other6, dst=n.us6) / UDP(sport=1234, dport=7) / pay)
    add("udp6_echo_big", e / IPv6(src=n.other6, dst=n.us6) / UDP(sport=1234, dport=7) / big)
    add("udp6_nocsum", e / IPv6(src=n.other6, dst=n.us6) / UDP(sport=1234, dport=7, chksum=0) / pay)
    add("udp6_sock", e / IPv6(src=n.peer6, dst=n.us6) / UDP(sport=1234, dport=5000) / pay)
    add("udp6_tep", e / IPv6(src=n.other6, dst=n.us6) / UDP(sport=1234, dport=53) / pay)
    add("udp6_closed", e / IPv6(src=n.other6, dst=n.us6) / UDP(sport=1234, dport=9999) / pay)
    add("udp6_mcast", Ether(dst="33:33:00:00:00:fb", src=PEER_MAC) / IPv6(src=n.peer_ll6, dst="ff02::fb") / UDP(sport=5353, dport=5353) / pay)
    add("tcp6_syn_tep", e / IPv6(src=n.other6, dst=n.us6) / TCP(sport=4000, dport=80, flags="S"))
    add("tcp6_syn_closed", e / IPv6(src=n.other6, dst=n.us6) / TCP(sport=4000, dport=22, flags="S"))
    add("tcp6_ack_closed", e / IPv6(src=n.other6, dst=n.us6) / TCP(sport=4000, dport=22, flags="PA", seq=1, ack=2) / pay)

    # IPv6 forwarding (RFC 8200 3, RFC 4443 3.3)
    add("fwd6", e / IPv6(src=n.other6, dst="2001:db8:100::1", hlim=64) / UDP(sport=1, dport=2) / pay)
    add("fwd6_hlim1", e / IPv6(src=n.other6, dst="2001:db8:100::1", hlim=1) / UDP(sport=1, dport=2) / pay)
    add("fwd6_default", e / IPv6(src=n.other6, dst="2001:4860::8888") / TCP(dport=443, flags="S"))
    add("fwd6_unresolved_gw", e / IPv6(src=n.other6, dst="2001:db8:200::1") / ICMPv6EchoRequest())
    add("fwd6_to_other", e / IPv6(src=n.other6, dst="2001:db8:1::9" if n.i == 0 else "2001:db8::9") / ICMPv6EchoRequest())
    add("fwd6_big", e / IPv6(src=n.other6, dst="2001:4860::8888") / UDP(sport=1, dport=2) / Raw(b"z" * 3000))
    add("fwd6_hbh", e / IPv6(src=n.other6, dst="2001:db8:100::1") / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / UDP(sport=1, dport=2))
    add("fwd6_noroute", e / IPv6(src=n.other6, dst="2001:db9::1") / UDP(sport=1, dport=2) / pay)
    add("fwd6_ll_src", e / IPv6(src=n.peer_ll6, dst="2001:db8:100::1") / ICMPv6EchoRequest())
    add("fwd6_linkbcast", eb / IPv6(src=n.other6, dst="2001:db8:100::1") / ICMPv6EchoRequest())

    # Link layer oddities
    add("vlan", e / Dot1Q(vlan=5) / IP(src=n.other4, dst=n.us4) / ICMP(type=8))
    # 802.1Q (IEEE 802.1Q 9.6): lan0 has VLAN 5 (lan0v5, 10.5.0.1/24, 2001:db8:5::1/64), lan1
    # has no VLAN: there a tag is an unknown ethertype, on lan0 a configured or unknown VID.
    v4, v6, vpeer = "10.5.0.1", "2001:db8:5::1", "10.5.0.2"
    add("vlan_echo", e / Dot1Q(vlan=5) / IP(src=vpeer, dst=v4) / ICMP(type=8) / pay)
    add("vlan_echo_prio", e / Dot1Q(vlan=5, prio=6) / IP(src=vpeer, dst=v4) / ICMP(type=8) / pay)
    add("vlan_echo6", e / Dot1Q(vlan=5) / IPv6(src="2001:db8:5::2", dst=v6) / ICMPv6EchoRequest() / pay)
    add("vlan_arp", Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) / Dot1Q(vlan=5) / ARP(op=1, hwsrc=PEER_MAC, psrc=vpeer, pdst=v4))
    add("vlan_nd_ns", Ether(dst=sol_mac(v6), src=PEER_MAC) / Dot1Q(vlan=5) / IPv6(src="2001:db8:5::2", dst=sol_node(v6), hlim=255) / ICMPv6ND_NS(tgt=v6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
    add("vlan_udp_echo", e / Dot1Q(vlan=5) / IP(src=vpeer, dst=v4) / UDP(sport=1234, dport=7) / pay)
    add("vlan_fwd4", e / Dot1Q(vlan=5) / IP(src=vpeer, dst="8.8.8.8", ttl=64) / UDP(sport=1, dport=2) / pay)
    add("vlan_fwd4_ttl1", e / Dot1Q(vlan=5) / IP(src=vpeer, dst="8.8.8.8", ttl=1) / UDP(sport=1, dport=2) / pay)
    add("fwd4_to_vlan", e / IP(src=n.other4, dst="100.64.1.1", ttl=64) / UDP(sport=1, dport=2) / big)
    add("vlan_fwd4_unresolved", e / Dot1Q(vlan=5) / IP(src=vpeer, dst="10.5.0.77") / ICMP(type=8))
    add("vlan_prio_tagged", e / Dot1Q(vlan=0, prio=3) / IP(src=n.other4, dst=n.us4) / ICMP(type=8) / pay)
    add("vlan_unknown", e / Dot1Q(vlan=6) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("vlan_reserved", e / Dot1Q(vlan=4095) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("vlan_qinq_ad", e / Dot1AD(vlan=5) / Dot1Q(vlan=5) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("vlan_qinq_double", e / Dot1Q(vlan=5) / Dot1Q(vlan=5) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("vlan_stag_only", e / Dot1AD(vlan=5) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("vlan_short", Raw(bytes(e / Dot1Q(vlan=5))[:16]))
    add("strip_echo", e / IP(src=vpeer, dst=v4) / ICMP(type=8) / pay)  # with its tag stripped
    add("strip_fwd4", e / IP(src=vpeer, dst="8.8.8.8") / UDP(sport=1, dport=2) / pay)
    add("vlan_not_for_us", Ether(dst="02:bb:00:00:00:01", src=PEER_MAC) / Dot1Q(vlan=5) / IP(src=vpeer, dst=v4) / ICMP(type=8))
    add("lldp", Ether(dst="01:80:c2:00:00:0e", src=PEER_MAC, type=0x88cc) / Raw(b"\x02\x07\x04" + bytes(6)))
    add("not_for_us", Ether(dst="02:bb:00:00:00:01", src=PEER_MAC) / IP(src=n.other4, dst=n.us4) / ICMP(type=8))
    add("mcast_src", Ether(dst=n.mac, src="01:00:5e:00:00:01") / IP(src=n.other4, dst=n.us4) / ICMP(type=8))
    add("ip4_truncated", e / Raw(bytes(IP(src=n.other4, dst=n.us4) / ICMP(type=8) / pay)[:30]))
    add("ip6_truncated", e / Raw(bytes(IPv6(src=n.other6, dst=n.us6) / ICMPv6EchoRequest())[:44]))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    count = 0
    for i in (0, 1):
        nic = Nic(i)
        base = OPT_NIC1 if i else 0
        for name, pkt in frames(nic):
            raw = bytes(pkt)
            variants = [("plain", base, 0, 0, 0)]
            if i == 0:
                # Chains: the Ethernet header alone, then 7-byte segments; split inside
                # the IP header with one-byte segments; external buffers of exact size.
                variants += [("chain14", base | OPT_CHAIN, 14, 6, 0),
                             ("chain1", base | OPT_CHAIN | OPT_EXTBUF, 21, 0, 0),
                             ("ext", base | OPT_EXTBUF, 0, 0, 0),
                             ("resolve", base | OPT_RESOLVE | OPT_FIX, 0, 0, 0),
                             ("promisc_ratelimit", base | OPT_PROMISC | OPT_RATELIMIT, 0, 0, 0),
                             # The PMD vouched for both checksums and gave an RSS hash.
                             ("offload_good", base, 0x12, 0x34, OFF_IP_GOOD | OFF_L4_GOOD | OFF_RSS),
                             ("offload_bad", base, 0, 0, OFF_IP_BAD | OFF_L4_BAD)]
                if name.startswith("vlan") or name.startswith("strip_"):
                    # The tag already off, in vlan_tci (RTE_ETH_RX_OFFLOAD_VLAN_STRIP): VID 5.
                    variants += [("stripped", base, 0, 5, OFF_VLAN_STRIPPED)]
            for vname, opt, first, later, off in variants:
                with open(os.path.join(outdir, "%s-nic%d-%s" % (name, i, vname)), "wb") as f:
                    f.write(bytes([opt, first, later, off]) + raw)
                count += 1
        # Bursts: the per-burst bookkeeping (bulk route and endpoint lookups, per-protocol
        # arrays, chunks of 32) only shows with several frames of different fates at once.
        byname = dict(frames(nic))
        bursts = {
            "fwd4_mix": ["fwd4", "icmp4_echo", "fwd4_noroute", "fwd4_to_other", "fwd4_ttl1",
                         "fwd4_unresolved_gw", "fwd4_to_peer", "udp4_echo", "fwd4_default",
                         "fwd4_noroute", "fwd4_big_df", "fwd4"],
            "fwd6_mix": ["fwd6", "icmp6_echo", "fwd6_noroute", "fwd6_to_other", "fwd6_hlim1",
                         "fwd6_unresolved_gw", "udp6_echo", "fwd6_default", "fwd6_noroute",
                         "fwd6_big", "fwd6"],
            "proto_mix": ["arp_req", "icmp4_echo", "icmp6_echo", "nd_ns", "udp4_closed",
                          "tcp6_syn_closed", "vlan", "udp6_sock", "arp_reply", "nd_na"],
            "frag4_seq": ["ip4_seq2", "ip4_seq0", "ip4_seq1", "ip4_seq1", "ip4_seq5", "ip4_seq3",
                          "ip4_seq4"],
            "frag4_overlap": ["ip4_seq0", "ip4_seq_overlap", "ip4_seq1", "ip4_seq2"],
            "frag6_seq": ["frag6_later", "frag6_first", "frag6_first", "frag6_later"],
            "opts4": ["ip4_lsrr_us", "ip4_ssrr_us", "ip4_lsrr_done", "ip4_lsrr_transit",
                      "ip4_ts_echo", "ip4_opts_rr", "ip4_lsrr_us"],
            "chunks40": ["fwd4", "fwd6", "icmp4_echo", "udp6_echo", "fwd4_noroute"] * 8,
            # A port with VLANs sorts a burst per NIC: every fate at once, and 40 frames.
            "vlan_mix": ["icmp4_echo", "vlan_echo", "vlan_unknown", "vlan_fwd4", "vlan_qinq_ad",
                         "fwd4", "vlan_arp", "vlan_prio_tagged", "vlan_echo6", "vlan_short",
                         "fwd4_to_vlan", "vlan_echo"] * 3 + ["vlan_fwd4"] * 4,
        }
        for bname, names in bursts.items():
            raw = SEP.join(bytes(byname[x]) for x in names)
            for vname, opt, first, later in (("plain", base, 0, 0),
                                             ("chain", base | OPT_CHAIN | OPT_EXTBUF, 34, 9)):
                with open(os.path.join(outdir, "burst_%s-nic%d-%s" % (bname, i, vname)),
                          "wb") as f:
                    f.write(bytes([opt, first, later, 0]) + raw)
                count += 1
    print("make_corpus: %d seeds in %s" % (count, outdir), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
