"""Reassembly for local delivery and fragmented replies (lib/proto/frag.c, fragout.c) over
net_pcap: scapy fragments replayed into dpstack, every reply compared byte for byte with
fragments built here independently, and each refusal with its counter. The harness checks
at exit that every mbuf went back to the pool (held fragments included).

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_frag_pcap.py
"""

import pytest

import dpstack_harness as h

scapy = pytest.importorskip("scapy.all")
from scapy.all import (ICMP, IP, TCP, UDP, Ether, ICMPv6EchoReply,  # noqa: E402
                       ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, Raw)

US_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
US4, PEER4 = "192.0.2.1", "192.0.2.2"
US6, PEER6 = "2001:db8::1", "2001:db8::2"


def config(extra=""):
    return f"""\
[stack]
{extra}

[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = {US4}/24
address = {US6}/64

[udp]
echo = 7
"""


def counter(res, name):
    vals = h.counter_values(res.stats, name) if res.stats is not None else []
    return max(vals) if vals else 0


def run(pcap_dpstack, pkts, extra="", **kw):
    res = pcap_dpstack(config(extra), list(pkts), **kw)
    assert res.returncode == 0, res.stderr
    return res


def data(n):
    return bytes((i * 31 + 7) & 0xff for i in range(n))


# ---- fragments built here: the sender's (input) and the expected ones (output) ----


def frags4(l4, ident, step, src=PEER4, dst=US4, proto=None, order=None):
    """IPv4 fragments of the datagram whose payload is bytes l4, `step` bytes each."""
    raw = bytes(l4)
    proto = proto if proto is not None else {ICMP: 1, UDP: 17, TCP: 6}[type(l4)]
    out = []
    for ofs in range(0, len(raw), step):
        more = ofs + step < len(raw)
        out.append(Ether(src=PEER_MAC, dst=US_MAC) /
                   IP(src=src, dst=dst, id=ident, proto=proto, flags="MF" if more else 0,
                      frag=ofs // 8) / Raw(raw[ofs:ofs + step]))
    return [out[i] for i in order] if order else out


def frags6(l4, ident, step, nh, src=PEER6, dst=US6, order=None):
    raw = bytes(l4)
    out = []
    for ofs in range(0, len(raw), step):
        more = ofs + step < len(raw)
        out.append(Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src=src, dst=dst, hlim=64) /
                   IPv6ExtHdrFragment(nh=nh, offset=ofs // 8, m=int(more), id=ident) /
                   Raw(raw[ofs:ofs + step]))
    return [out[i] for i in order] if order else out


def want4(l4_bytes, ident, step, proto, tos=0):
    """What dpstack must send: its reply's payload in `step`-byte IPv4 fragments."""
    out = []
    for ofs in range(0, len(l4_bytes), step):
        more = ofs + step < len(l4_bytes)
        out.append(bytes(Ether(src=US_MAC, dst=PEER_MAC) /
                         IP(src=US4, dst=PEER4, ttl=64, id=ident, tos=tos, proto=proto,
                            flags="MF" if more else 0, frag=ofs // 8) /
                         Raw(l4_bytes[ofs:ofs + step])))
    return out


def want6(l4_bytes, ident, step, nh):
    out = []
    for ofs in range(0, len(l4_bytes), step):
        more = ofs + step < len(l4_bytes)
        out.append(bytes(Ether(src=US_MAC, dst=PEER_MAC) / IPv6(src=US6, dst=PEER6, hlim=64) /
                         IPv6ExtHdrFragment(nh=nh, offset=ofs // 8, m=int(more), id=ident) /
                         Raw(l4_bytes[ofs:ofs + step])))
    return out


def l4_of(pkt):
    """The upper-layer bytes (checksums filled) of a whole scapy packet."""
    p = Ether(bytes(pkt))
    return bytes(p[IP].payload) if IP in p else bytes(p[IPv6].payload)


def out_id4(outs):
    return outs[0][IP].id


def out_id6(outs):
    return outs[0][IPv6ExtHdrFragment].id


# ---- whole datagrams: 4,000-byte echoes, 8,000-byte UDP ----


def test_ping_4000_v4_out_of_order_is_reassembled_and_answered_in_fragments(pcap_dpstack):
    req = ICMP(id=0x77, seq=1) / Raw(data(3992))
    ins = frags4(req, 4242, 1480, order=[2, 0, 1])
    res = run(pcap_dpstack, ins)
    outs = res.outputs[0]
    rep = l4_of(Ether() / IP(src=US4, dst=PEER4) / ICMP(type=0, id=0x77, seq=1) /
                Raw(data(3992)))
    assert [bytes(p) for p in outs] == want4(rep, out_id4(outs), 1480, 1)
    assert counter(res, "ipv4.fragments_received") == 3
    assert counter(res, "ipv4.reassembled") == 1
    assert counter(res, "ipv4.fragments_sent") == 3
    assert counter(res, "icmp.echo_replies_sent") == 1


def test_ping_4000_v6_is_reassembled_and_answered_in_fragments(pcap_dpstack):
    req = Ether() / IPv6(src=PEER6, dst=US6) / ICMPv6EchoRequest(id=9, seq=3, data=data(3992))
    ins = frags6(l4_of(req), 0x1234567, 1448, 58, order=[1, 2, 0])
    res = run(pcap_dpstack, ins)
    outs = res.outputs[0]
    rep = l4_of(Ether() / IPv6(src=US6, dst=PEER6, hlim=64) /
                ICMPv6EchoReply(id=9, seq=3, data=data(3992)))
    assert [bytes(p) for p in outs] == want6(rep, out_id6(outs), 1448, 58)
    assert counter(res, "ipv6.reassembled") == 1
    assert counter(res, "ipv6.fragments_sent") == 3


def test_udp_8000_echoed_v4_and_v6(pcap_dpstack):
    u4 = l4_of(Ether() / IP(src=PEER4, dst=US4) / UDP(sport=5000, dport=7) / Raw(data(8000)))
    u6 = l4_of(Ether() / IPv6(src=PEER6, dst=US6) / UDP(sport=5001, dport=7) /
               Raw(data(8000)))
    ins = frags4(u4, 99, 1480, proto=17) + frags6(u6, 77, 1448, 17)
    res = run(pcap_dpstack, ins)
    outs = res.outputs[0]
    got4 = [p for p in outs if IP in p]
    got6 = [p for p in outs if IPv6 in p]
    r4 = l4_of(Ether() / IP(src=US4, dst=PEER4) / UDP(sport=7, dport=5000) / Raw(data(8000)))
    r6 = l4_of(Ether() / IPv6(src=US6, dst=PEER6) / UDP(sport=7, dport=5001) /
               Raw(data(8000)))
    assert [bytes(p) for p in got4] == want4(r4, out_id4(got4), 1480, 17)
    assert [bytes(p) for p in got6] == want6(r6, out_id6(got6), 1448, 17)
    assert counter(res, "udp.echoed") == 2


def test_chained_fragments_small_mbufs(pcap_dpstack):
    # 512-byte mbufs: each fragment arrives as a chain, the replies are 360-byte fragments
    # (one mbuf's 384 bytes of room, less the header, in 8-byte units).
    req = ICMP(id=5, seq=5) / Raw(data(3992))
    res = run(pcap_dpstack, frags4(req, 7, 1480), extra_app=["--mbuf-size", "512"])
    outs = res.outputs[0]
    rep = l4_of(Ether() / IP(src=US4, dst=PEER4) / ICMP(type=0, id=5, seq=5) / Raw(data(3992)))
    assert [bytes(p) for p in outs] == want4(rep, out_id4(outs), 360, 1)


# ---- refusals, each with its counter ----


def test_duplicate_fragment_dropped_alone(pcap_dpstack):
    req = ICMP(id=1, seq=1) / Raw(data(2992))
    f = frags4(req, 10, 1480)
    res = run(pcap_dpstack, [f[0], f[0], f[1], f[2]])
    outs = res.outputs[0]
    rep = l4_of(Ether() / IP(src=US4, dst=PEER4) / ICMP(type=0, id=1, seq=1) / Raw(data(2992)))
    assert [bytes(p) for p in outs] == want4(rep, out_id4(outs), 1480, 1)
    assert counter(res, "ipv4.frag_duplicate") == 1


def test_overlap_drops_the_datagram(pcap_dpstack):
    raw = bytes(ICMP(id=2, seq=2) / Raw(data(56)))
    a = Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst=US4, id=11, proto=1, flags="MF") / \
        Raw(raw[:32])
    b = Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst=US4, id=11, proto=1, frag=3) / \
        Raw(raw[24:])
    # IPv6 (RFC 5722): the same shape; and the completing fragment after it is no help.
    r6 = l4_of(Ether() / IPv6(src=PEER6, dst=US6) / ICMPv6EchoRequest(id=3, data=data(56)))
    c = frags6(r6, 12, 32, 58)[0]
    d = Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src=PEER6, dst=US6) / \
        IPv6ExtHdrFragment(nh=58, offset=2, m=1, id=12) / Raw(r6[16:32])
    res = run(pcap_dpstack, [a, b, c, d])
    assert res.outputs[0] == []
    assert counter(res, "ipv4.frag_overlap") == 2
    assert counter(res, "ipv6.frag_overlap") == 2


def test_tiny_fragments_refused(pcap_dpstack):
    # RFC 1858: TCP at offset 8, and a first UDP fragment without its whole header.
    t = Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst=US4, id=20, proto=6, frag=1) / \
        Raw(b"\x00" * 16)
    u = Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst=US4, id=21, proto=17, flags="MF") / \
        Raw(b"\x00" * 0)
    res = run(pcap_dpstack, [t, u])
    assert res.outputs[0] == []
    assert counter(res, "ipv4.frag_tiny") == 1
    assert counter(res, "ipv4.frag_malformed") == 1  # a non-final fragment with no data


def test_timeout_sends_time_exceeded_with_the_first_fragment(pcap_dpstack):
    req = ICMP(id=4, seq=4) / Raw(data(2992))
    f4 = frags4(req, 30, 1480)
    r6 = l4_of(Ether() / IPv6(src=PEER6, dst=US6) / ICMPv6EchoRequest(id=4, data=data(2992)))
    f6 = frags6(r6, 31, 1448, 58)
    # first fragments (answered), a later fragment alone (silently freed)
    ins = [f4[0], f4[2], f6[0]] + frags4(req, 32, 1480)[1:2]
    res = run(pcap_dpstack, ins, extra="reassembly_timeout_ms = 300",
              wait=lambda dp, n: (h.wait_consumed(dp, n), __import__("time").sleep(1.5)))
    got = [bytes(p) for p in res.outputs[0]]
    orig4 = bytes(Ether(bytes(f4[0]))[IP])[:548]
    te4 = bytes(Ether(src=US_MAC, dst=PEER_MAC) /
                IP(src=US4, dst=PEER4, ttl=64, id=0, flags="DF", tos=0xc0) /
                ICMP(type=11, code=1) /
                orig4)
    orig6 = bytes(Ether(bytes(f6[0]))[IPv6])[:1232]
    te6 = bytes(Ether(src=US_MAC, dst=PEER_MAC) / IPv6(src=US6, dst=PEER6, hlim=64) /
                scapy.ICMPv6TimeExceeded(code=1) / orig6)
    assert sorted(got) == sorted([te4, te6])
    assert counter(res, "ipv4.frag_timeout") == 3
    assert counter(res, "ipv6.frag_timeout") == 1


def test_table_full_is_counted(pcap_dpstack):
    ins = [frags4(ICMP(id=i) / Raw(data(2000)), 40 + i, 1480)[0] for i in range(3)]
    res = run(pcap_dpstack, ins, extra="reassembly_datagrams = 2")
    assert res.outputs[0] == []
    assert counter(res, "ipv4.frag_table_full") == 1
    assert counter(res, "ipv4.fragments_received") == 3


def test_reassembly_off_drops_fragments(pcap_dpstack):
    f = frags4(ICMP() / Raw(data(2000)), 50, 1480)
    res = run(pcap_dpstack, f, extra="reassembly_datagrams = 0")
    assert res.outputs[0] == []
    assert counter(res, "ipv4.fragments_dropped") == 2


def pp6(req, code, ptr):
    orig = bytes(Ether(bytes(req))[IPv6])
    return bytes(Ether(src=US_MAC, dst=PEER_MAC) / IPv6(src=US6, dst=PEER6, hlim=64) /
                 scapy.ICMPv6ParamProblem(code=code, ptr=ptr) / orig)


def test_ipv6_fragment_header_checks(pcap_dpstack):
    # RFC 8200 4.5: M set, 12 bytes: Parameter Problem code 0 at the Payload Length.
    odd = Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src=PEER6, dst=US6) / \
        IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=60) / Raw(bytes(ICMPv6EchoRequest()) +
                                                               b"abcd")
    # RFC 7112: a first fragment holding a Destination Options header but not the TCP
    # header after it: code 3, pointer 0.
    chain = Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src=PEER6, dst=US6) / \
        IPv6ExtHdrFragment(nh=60, offset=0, m=1, id=61) / IPv6ExtHdrDestOpt(nh=6) / \
        Raw(b"\x00" * 8)
    res = run(pcap_dpstack, [odd, chain])
    assert [bytes(p) for p in res.outputs[0]] == [pp6(odd, 0, 4), pp6(chain, 3, 0)]
    assert counter(res, "ipv6.frag_bad_length") == 1
    assert counter(res, "ipv6.frag_incomplete_chain") == 1


FWD_CONFIG = f"""\
[stack]
forwarding = on

[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = {US4}/24
address = {US6}/64

[nic lan1]
port = net_pcap1
mac = 02:00:00:00:00:11
address = 198.51.100.1/24
address = 2001:db8:2::1/64

[neighbors]
198.51.100.2 = 02:00:00:00:00:22 lan1
2001:db8:2::2 = 02:00:00:00:00:22 lan1
"""


def test_fragments_of_forwarded_packets_are_forwarded_as_they_are(pcap_dpstack):
    u4 = l4_of(Ether() / IP(src=PEER4, dst="198.51.100.2") / UDP(sport=1, dport=2) /
               Raw(data(3000)))
    u6 = l4_of(Ether() / IPv6(src=PEER6, dst="2001:db8:2::2") / UDP(sport=1, dport=2) /
               Raw(data(3000)))
    ins = (frags4(u4, 70, 1480, dst="198.51.100.2", proto=17, order=[1, 0, 2]) +
           frags6(u6, 71, 1448, 17, dst="2001:db8:2::2", order=[2, 1, 0]))
    res = pcap_dpstack(FWD_CONFIG, [ins, []])
    assert res.returncode == 0, res.stderr
    outs = res.outputs[1]
    assert len(outs) == len(ins)
    for o in outs:
        assert o[Ether].src == "02:00:00:00:00:11" and o[Ether].dst == "02:00:00:00:00:22"
    # Each fragment leaves as it came (in the order it came), but for the TTL / hop limit
    # and the IPv4 checksum.
    for i, o in zip(ins, outs):
        a, b = bytearray(bytes(Ether(bytes(i)).payload)), bytearray(bytes(o.payload))
        if IP in o:
            assert o[IP].ttl == 63
            a[8] = b[8] = 0
            a[10:12] = b[10:12] = b"\0\0"
        else:
            assert o[IPv6].hlim == 63
            a[7] = b[7] = 0
        assert a == b
    assert counter(res, "ipv4.fragments_received") == 0
    assert counter(res, "ipv6.fragments_received") == 0
    assert counter(res, "fwd.forwarded") == len(ins)
