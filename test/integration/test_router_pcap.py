"""The router's slow side over net_pcap, byte for byte: IPv4 fragmentation on forward (RFC 791
3.2, RFC 1812 4.2.2.7; lib/proto/fwdfrag.c), ICMP redirects (RFC 1812 4.3.3.2 / 5.2.7.2, RFC
4861 8) and IPv4 options (RFC 791 3.1, RFC 1812 5.2.4, 4.3.3.5). Every expected frame is built
here from the RFCs with scapy, independently of dpstack; the harness checks at exit that every
mbuf went back to the pool.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_router_pcap.py
"""

import pytest

import dpstack_harness as h
import ip4opt_cases

scapy = pytest.importorskip("scapy.all")
from scapy.all import ICMP, IP, UDP, Ether, IPOption, Raw  # noqa: E402

IN_MAC, LAN0_MAC = "02:00:00:00:0a:02", "02:00:00:00:aa:01"
LAN1_MAC, GW_MAC = "02:00:00:00:aa:02", "02:00:00:00:0b:02"
LAN2_MAC, GW2_MAC = "02:00:00:00:aa:03", "02:00:00:00:0c:02"
H0 = "192.0.2.2"   # the sender on lan0
FAR = "203.0.113.5"  # behind 198.51.100.2 on lan1 (MTU 1280)
FAR2 = "198.18.0.5"  # behind 100.64.0.2 on lan2 (MTU 68)


def config(extra_stack="", extra_lan0=""):
    return f"""\
[stack]
forwarding = on
{extra_stack}

[nic lan0]
port = net_pcap0
mac = {LAN0_MAC}
mtu = 9000
address = 192.0.2.1/24
{extra_lan0}

[nic lan1]
port = net_pcap1
mac = {LAN1_MAC}
mtu = 1280
address = 198.51.100.1/24

[nic lan2]
port = net_pcap2
mac = {LAN2_MAC}
mtu = 68
address = 100.64.0.1/24

[routes]
203.0.113.0/24 = via 198.51.100.2
198.18.0.0/24 = via 100.64.0.2

[neighbors]
198.51.100.2 = {GW_MAC} lan1
100.64.0.2 = {GW2_MAC} lan2
{H0} = {IN_MAC} lan0
"""


def counter(res, name):
    st = res.stats
    if isinstance(st, dict) and "total" in st:
        st = st["total"]
    vals = h.counter_values(st, name) if st is not None else []
    return sum(vals)


def run(pcap_dpstack, pkts, cfg=None):
    res = pcap_dpstack(cfg or config(), [list(pkts), [], []])
    assert res.returncode == 0, res.stderr
    return res


def data(n):
    return bytes((i * 29 + 3) & 0xff for i in range(n))


def ip_cksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frag_bytes(orig_ip, hlen_later_opts, mtu, dmac, smac):
    """The fragments RFC 791 3.2 asks for, as raw frames: orig_ip is the datagram's IPv4 bytes
    as the router forwards it (TTL already one less); later fragments carry the header with
    only the copied options (hlen_later_opts: those option bytes, padded)."""
    hlen = (orig_ip[0] & 0xf) * 4
    first_hdr, payload = bytearray(orig_ip[:hlen]), orig_ip[hlen:]
    later_hdr = bytearray(orig_ip[:20]) + bytearray(hlen_later_opts)
    later_hdr[0] = 0x40 | (len(later_hdr) // 4)
    fo = int.from_bytes(orig_ip[6:8], "big")
    base, mf = (fo & 0x1fff) * 8, bool(fo & 0x2000)
    out, ofs = [], 0
    while ofs < len(payload):
        hdr = bytearray(first_hdr if ofs == 0 else later_hdr)
        step = (mtu - len(hdr)) & ~7
        chunk = payload[ofs:ofs + step]
        more = ofs + len(chunk) < len(payload) or mf
        hdr[2:4] = (len(hdr) + len(chunk)).to_bytes(2, "big")
        hdr[6:8] = (((base + ofs) // 8) | (0x2000 if more else 0)).to_bytes(2, "big")
        hdr[10:12] = b"\0\0"
        hdr[10:12] = ip_cksum(hdr).to_bytes(2, "big")
        eth = bytes(Ether(dst=dmac, src=smac, type=0x0800))
        out.append(eth + bytes(hdr) + chunk)
        ofs += len(chunk)
    return out


def forwarded_ip(pkt):
    """The IPv4 bytes of pkt as forwarded: TTL - 1, checksum recomputed."""
    b = bytearray(bytes(pkt[IP]))
    b[8] -= 1
    b[10:12] = b"\0\0"
    hlen = (b[0] & 0xf) * 4
    b[10:12] = ip_cksum(b[:hlen]).to_bytes(2, "big")
    return bytes(b)


# ---------------------------------------------------------------- fragmentation on forward


def test_df_clear_1400_to_a_1280_link_leaves_in_two_exact_fragments(pcap_dpstack):
    pkt = Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) /
                      IP(src=H0, dst=FAR, id=0x4321, ttl=20, tos=0x28) /
                      UDP(sport=5000, dport=6000) / Raw(data(1372))))
    assert len(pkt[IP]) == 1400
    res = run(pcap_dpstack, [pkt])
    got = [bytes(p) for p in res.outputs[1]]
    want = frag_bytes(forwarded_ip(pkt), b"", 1280, GW_MAC, LAN1_MAC)
    assert len(want) == 2
    assert got == want
    assert counter(res, "fwd.fragmented") == 1
    assert counter(res, "fwd.fragments_created") == 2
    assert counter(res, "fwd.forwarded") == 1
    assert counter(res, "fwd.fragmentation_failed") == 0
    # Nothing went back to the sender (no error).
    assert not [p for p in res.outputs[0] if p.haslayer(IP)]


def test_options_copied_per_their_copy_bit(pcap_dpstack):
    # Router Alert (0x94: copied) and an unknown option 0x1e (not copied, passed as is), then
    # a No Operation (never copied) and End of Option List padding.
    opts = [IPOption(b"\x94\x04\x00\x00"), IPOption(b"\x1e\x04\xab\xcd"), IPOption(b"\x01\x00")]
    pkt = Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) /
                      IP(src=H0, dst=FAR, id=7, ttl=64, options=opts) /
                      UDP(sport=1, dport=2) / Raw(data(3000))))
    assert (bytes(pkt[IP])[0] & 0xf) == 8
    res = run(pcap_dpstack, [pkt])
    got = [bytes(p) for p in res.outputs[1]]
    want = frag_bytes(forwarded_ip(pkt), b"\x94\x04\x00\x00", 1280, GW_MAC, LAN1_MAC)
    assert len(want) == 3
    assert got == want
    # The later fragments' headers: 24 bytes, Router Alert only.
    assert [Ether(g)[IP].ihl for g in got] == [8, 6, 6]
    assert counter(res, "fwd.fragments_created") == 3


def test_a_fragment_is_fragmented_again_keeping_its_offset_and_mf(pcap_dpstack):
    # The middle fragment of some bigger datagram: offset 1480, MF set, 2000 bytes of data.
    pkt = Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) /
                      IP(src=H0, dst=FAR, id=99, ttl=9, proto=17, flags="MF", frag=185) /
                      Raw(data(2000))))
    res = run(pcap_dpstack, [pkt])
    got = [bytes(p) for p in res.outputs[1]]
    want = frag_bytes(forwarded_ip(pkt), b"", 1280, GW_MAC, LAN1_MAC)
    assert got == want
    assert all(Ether(g)[IP].flags == "MF" for g in got)
    assert Ether(got[0])[IP].frag == 185


def test_last_fragment_refragmented_clears_mf_only_on_the_last(pcap_dpstack):
    pkt = Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) /
                      IP(src=H0, dst=FAR, id=98, ttl=9, proto=17, frag=400) /
                      Raw(data(1500))))
    res = run(pcap_dpstack, [pkt])
    got = [Ether(bytes(p)) for p in res.outputs[1]]
    assert [bytes(g) for g in got] == frag_bytes(forwarded_ip(pkt), b"", 1280, GW_MAC,
                                                  LAN1_MAC)
    assert [str(g[IP].flags) for g in got] == ["MF", ""]


def test_df_set_gets_fragmentation_needed_with_the_next_hop_mtu(pcap_dpstack):
    pkt = (Ether(src=IN_MAC, dst=LAN0_MAC) / IP(src=H0, dst=FAR, flags="DF") /
           UDP() / Raw(data(1400)))
    res = run(pcap_dpstack, [pkt])
    assert not res.outputs[1]
    err = [p for p in res.outputs[0] if p.haslayer(ICMP)]
    assert len(err) == 1
    assert (err[0][ICMP].type, err[0][ICMP].code, err[0][ICMP].nexthopmtu) == (3, 4, 1280)
    assert counter(res, "fwd.too_big") == 1
    assert counter(res, "fwd.fragmented") == 0


def test_mtu_68_fragments_of_8_bytes_and_over_64_fragments_fails(pcap_dpstack):
    # 68-byte MTU, 20-byte header: 48 data bytes per fragment. 400 bytes -> 9 fragments.
    ok = Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) / IP(src=H0, dst=FAR2, id=5) /
                     UDP(sport=3, dport=4) / Raw(data(392))))
    # 9000 bytes would need 188: more than the 64 the router makes of one packet.
    big = Ether(src=IN_MAC, dst=LAN0_MAC) / IP(src=H0, dst=FAR2, id=6) / UDP() / Raw(data(8000))
    res = run(pcap_dpstack, [ok, big])
    got = [bytes(p) for p in res.outputs[2]]
    assert got == frag_bytes(forwarded_ip(ok), b"", 68, GW2_MAC, LAN2_MAC)
    assert len(got) == 9
    assert counter(res, "fwd.fragmentation_failed") == 1
    assert counter(res, "fwd.fragmented") == 1
    assert counter(res, "fwd.fragments_created") == 9


# ---------------------------------------------------------------------------- redirects

GW3, GW3_MAC = "192.0.2.3", "02:00:00:00:0a:03"  # a second router on lan0's subnet
BEHIND3 = "10.9.0.7"


def redirect_config(lan0_extra=""):
    return config(extra_lan0=lan0_extra).replace(
        "[routes]\n", "[routes]\n10.9.0.0/16 = via 192.0.2.3\n").replace(
        "[neighbors]\n", f"[neighbors]\n{GW3} = {GW3_MAC} lan0\n")


def redirect_in(src=H0, **ip):
    return Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) / IP(src=src, dst=BEHIND3, id=11, **ip) /
                       UDP(sport=7777, dport=53) / Raw(data(100))))


def test_forwarded_back_out_of_lan0_gets_a_host_redirect_and_is_still_forwarded(pcap_dpstack):
    pkt = redirect_in()
    res = run(pcap_dpstack, [pkt], cfg=redirect_config())
    got = [bytes(p) for p in res.outputs[0]]
    # RFC 792 / RFC 1812 4.3.3.2: type 5 code 1, the gateway in the second word, from the
    # address of the NIC it leaves by, quoting the datagram as it arrived (RFC 1812 4.3.2.3).
    want_redirect = bytes(Ether(src=LAN0_MAC, dst=IN_MAC) /
                          IP(src="192.0.2.1", dst=H0, ttl=64, id=0, flags="DF", tos=0xc0) /
                          ICMP(type=5, code=1, gw=GW3) / bytes(pkt[IP]))
    want_fwd = bytes(Ether(src=LAN0_MAC, dst=GW3_MAC, type=0x0800)) + forwarded_ip(pkt)
    assert got == [want_redirect, want_fwd]
    assert counter(res, "fwd.redirects_sent") == 1
    assert counter(res, "fwd.forwarded") == 1


def test_redirects_off_on_the_nic_forwards_without_one(pcap_dpstack):
    pkt = redirect_in()
    res = run(pcap_dpstack, [pkt], cfg=redirect_config("redirects = off"))
    got = [bytes(p) for p in res.outputs[0]]
    assert got == [bytes(Ether(src=LAN0_MAC, dst=GW3_MAC, type=0x0800)) + forwarded_ip(pkt)]
    assert counter(res, "fwd.redirects_sent") == 0


def test_no_redirect_to_a_sender_off_the_subnet(pcap_dpstack):
    # 198.19.0.9 is not on lan0's 192.0.2.0/24: RFC 1812 5.2.7.2 asks for a shared subnet.
    pkt = redirect_in(src="198.19.0.9")
    res = run(pcap_dpstack, [pkt], cfg=redirect_config())
    got = [bytes(p) for p in res.outputs[0]]
    assert got == [bytes(Ether(src=LAN0_MAC, dst=GW3_MAC, type=0x0800)) + forwarded_ip(pkt)]
    assert counter(res, "fwd.redirects_sent") == 0


def test_redirects_rate_limited_by_the_icmp_error_budget(pcap_dpstack):
    pkts = [redirect_in() for _ in range(300)]
    res = run(pcap_dpstack, pkts, cfg=redirect_config())
    sent = counter(res, "fwd.redirects_sent")
    assert 1 <= sent < 300
    assert counter(res, "icmp.errors_rate_limited") == 300 - sent
    assert counter(res, "fwd.forwarded") == 300


def test_received_redirect_is_counted_and_not_acted_on(pcap_dpstack):
    quote = bytes(IP(src="192.0.2.1", dst=FAR) / UDP(sport=1, dport=2))
    red = (Ether(src=IN_MAC, dst=LAN0_MAC) / IP(src=H0, dst="192.0.2.1") /
           ICMP(type=5, code=1, gw="192.0.2.9") / quote)
    after = redirect_in()  # still forwarded by the route table, not by the redirect
    res = run(pcap_dpstack, [red, after], cfg=redirect_config())
    assert counter(res, "icmp.redirects_received") == 1
    fwd = [p for p in res.outputs[0] if p.haslayer(UDP) and not p.haslayer(ICMP)]
    assert len(fwd) == 1 and fwd[0][Ether].dst == GW3_MAC


# ------------------------------------------------------------------------- IPv4 options

def with_ip_options(ip, payload, opts):
    """The frame Ether / ip / payload from H0's side of lan0 with the option bytes opts in the
    IPv4 header: total length and header checksum fixed, the rest as scapy built it. Built,
    never dissected again: scapy cannot parse some of the malformed options."""
    ip.ihl = 5 + len(opts) // 4
    raw = bytearray(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) / ip / payload))
    raw[14 + 20:14 + 20] = opts
    raw[14 + 2:14 + 4] = (len(raw) - 14).to_bytes(2, "big")
    raw[14 + 10:14 + 12] = b"\0\0"
    raw[14 + 10:14 + 12] = ip_cksum(raw[14:14 + 20 + len(opts)]).to_bytes(2, "big")
    return Raw(bytes(raw))


def opt_pkt(opts, dst=FAR):
    return with_ip_options(IP(src=H0, dst=dst, id=21), UDP(sport=9, dport=9) / Raw(data(40)),
                           opts)


def ip_of(pkt):
    return bytes(pkt)[14:]


BAD_OPTIONS = ip4opt_cases.BAD_OPTIONS + ip4opt_cases.BAD_OPTIONS_SHORT


@pytest.mark.parametrize("case", BAD_OPTIONS, ids=[c[0] for c in BAD_OPTIONS])
def test_malformed_option_dropped_with_parameter_problem_at_the_fault(pcap_dpstack, case):
    name, opts, ptr = case
    pkt = opt_pkt(opts)
    res = run(pcap_dpstack, [pkt])
    assert not res.outputs[1], name
    want = bytes(Ether(src=LAN0_MAC, dst=IN_MAC) /
                 IP(src="192.0.2.1", dst=H0, ttl=64, id=0, flags="DF", tos=0xc0) /
                 ICMP(type=12, code=0, ptr=ptr) / ip_of(pkt))
    assert [bytes(p) for p in res.outputs[0]] == [want], name
    assert counter(res, "fwd.bad_option") == 1
    assert counter(res, "fwd.forwarded") == 0


@pytest.mark.parametrize("opt", [b"\x83\x07\x04\xc6\x33\x64\x09\x00",
                                 b"\x89\x07\x04\xc6\x33\x64\x09\x00"], ids=["lsrr", "ssrr"])
def test_source_route_dropped_and_counted_not_forwarded_nor_answered(pcap_dpstack, opt):
    # The default (source_route off): in transit, and addressed to us with the route not
    # complete (never delivered nor answered as if it had arrived: RFC 1812 5.2.4.1).
    res = run(pcap_dpstack, [opt_pkt(opt), opt_pkt(opt, dst="192.0.2.1")])
    assert not res.outputs[1]
    assert not [p for p in res.outputs[0] if p.haslayer(IP)]
    assert counter(res, "fwd.source_route") == 2
    assert counter(res, "fwd.source_routed") == 0
    assert counter(res, "fwd.forwarded") == 0


def sr_config():
    return config(extra_lan0="source_route = on")


def sr_followed(pkt, next_hop, recorded):
    """RFC 791 3.1: pkt's IPv4 bytes after this hop: destination = next_hop, recorded in the
    slot at the pointer, pointer + 4, TTL - 1, checksum."""
    ip = bytearray(ip_of(pkt))
    ptr = ip[22]
    ip[20 + ptr - 1:20 + ptr + 3] = bytes(map(int, recorded.split(".")))
    ip[22] = ptr + 4
    ip[16:20] = bytes(map(int, next_hop.split(".")))
    ip[8] -= 1
    ip[10:12] = b"\0\0"
    ip[10:12] = ip_cksum(ip[:(ip[0] & 15) * 4]).to_bytes(2, "big")
    return bytes(ip)


@pytest.mark.parametrize("kind", [0x83, 0x89], ids=["lsrr", "ssrr"])
def test_source_route_on_followed_to_the_next_address(pcap_dpstack, kind):
    # To us, route {>>198.51.100.2, 203.0.113.5}: the next address (directly connected on
    # lan1, so SSRR is satisfied too) becomes the destination, lan1's address is recorded.
    opt = bytes([kind, 11, 4, 198, 51, 100, 2, 203, 0, 113, 5, 0])
    pkt = opt_pkt(opt, dst="192.0.2.1")
    res = run(pcap_dpstack, [pkt], cfg=sr_config())
    want = sr_followed(pkt, "198.51.100.2", "198.51.100.1")
    assert want[20:32] == bytes([kind, 11, 8, 198, 51, 100, 1, 203, 0, 113, 5, 0])
    assert [bytes(p) for p in res.outputs[1]] == [
        bytes(Ether(src=LAN1_MAC, dst=GW_MAC, type=0x0800)) + want]
    assert not [p for p in res.outputs[0] if p.haslayer(IP)]
    assert counter(res, "fwd.source_routed") == 1
    assert counter(res, "fwd.source_route") == 0
    assert counter(res, "fwd.forwarded") == 1


def test_lsrr_next_address_behind_a_gateway_is_followed(pcap_dpstack):
    opt = b"\x83\x07\x04" + bytes([203, 0, 113, 5]) + b"\x00"
    pkt = opt_pkt(opt, dst="192.0.2.1")
    res = run(pcap_dpstack, [pkt], cfg=sr_config())
    assert [bytes(p) for p in res.outputs[1]] == [
        bytes(Ether(src=LAN1_MAC, dst=GW_MAC, type=0x0800)) +
        sr_followed(pkt, FAR, "198.51.100.1")]
    assert counter(res, "fwd.source_routed") == 1


def test_ssrr_next_address_not_adjacent_gets_source_route_failed(pcap_dpstack):
    # 203.0.113.5 is reached through 198.51.100.2: not directly connected, RFC 791's strict
    # route cannot be followed: Destination Unreachable code 5, quoting the packet as received.
    opt = b"\x89\x07\x04" + bytes([203, 0, 113, 5]) + b"\x00"
    pkt = opt_pkt(opt, dst="192.0.2.1")
    res = run(pcap_dpstack, [pkt], cfg=sr_config())
    assert not res.outputs[1]
    want = bytes(Ether(src=LAN0_MAC, dst=IN_MAC) /
                 IP(src="192.0.2.1", dst=H0, ttl=64, id=0, flags="DF", tos=0xc0) /
                 ICMP(type=3, code=5) / ip_of(pkt))
    assert [bytes(p) for p in res.outputs[0]] == [want]
    assert counter(res, "fwd.source_route_failed") == 1
    assert counter(res, "fwd.forwarded") == 0


def test_ssrr_in_transit_to_a_gatewayed_destination_fails_lsrr_passes(pcap_dpstack):
    # Not addressed to us: a loose route lets us forward toward the destination (options
    # as they are, TTL - 1); a strict one forbids a gateway (RFC 791 3.1): 3/5.
    lsrr = opt_pkt(b"\x83\x07\x04" + bytes([10, 1, 2, 3]) + b"\x00")
    ssrr = opt_pkt(b"\x89\x07\x04" + bytes([10, 1, 2, 3]) + b"\x00")
    res = run(pcap_dpstack, [lsrr, ssrr], cfg=sr_config())
    assert [bytes(p) for p in res.outputs[1]] == [
        bytes(Ether(src=LAN1_MAC, dst=GW_MAC, type=0x0800)) + forwarded_ip(Ether(bytes(lsrr)))]
    errs = [p for p in res.outputs[0] if p.haslayer(ICMP)]
    assert len(errs) == 1 and errs[0][ICMP].type == 3 and errs[0][ICMP].code == 5
    assert counter(res, "fwd.source_route_failed") == 1
    assert counter(res, "fwd.forwarded") == 1


def test_record_route_filled_with_the_outgoing_address(pcap_dpstack):
    pkt = opt_pkt(b"\x07\x0b\x04" + b"\0" * 8 + b"\x00")
    res = run(pcap_dpstack, [pkt])
    ip = bytearray(ip_of(pkt))
    ip[20 + 2] = 8                            # pointer moved by one entry
    ip[23:27] = bytes([198, 51, 100, 1])      # lan1's address: the one it leaves by
    ip[8] -= 1
    ip[10:12] = b"\0\0"
    ip[10:12] = ip_cksum(ip[:32]).to_bytes(2, "big")
    assert [bytes(p) for p in res.outputs[1]] == [
        bytes(Ether(src=LAN1_MAC, dst=GW_MAC, type=0x0800)) + bytes(ip)]
    assert counter(res, "fwd.forwarded") == 1


def test_full_record_route_passes_unchanged(pcap_dpstack):
    pkt = opt_pkt(b"\x07\x07\x08\x01\x02\x03\x04\x00")
    res = run(pcap_dpstack, [pkt])
    assert [bytes(p) for p in res.outputs[1]] == [
        bytes(Ether(src=LAN1_MAC, dst=GW_MAC, type=0x0800)) + forwarded_ip(Ether(bytes(pkt)))]


def test_timestamp_filled_and_full_one_counts_overflow(pcap_dpstack):
    ts0 = opt_pkt(b"\x44\x0c\x05\x00" + b"\0" * 8)           # timestamps only, room for 2
    ts1 = opt_pkt(b"\x44\x0c\x05\x01" + b"\0" * 8)           # address + timestamp, room for 1
    full = opt_pkt(b"\x44\x08\x09\x10" + b"\0" * 4)          # full, overflow 1
    res = run(pcap_dpstack, [ts0, ts1, full])
    out = [bytearray(bytes(p)[14:]) for p in res.outputs[1]]
    assert len(out) == 3
    for o, i in zip(out, (ts0, ts1, full)):
        assert ip_cksum(o[:(o[0] & 15) * 4]) == 0
        assert o[8] == ip_of(i)[8] - 1 and o[(o[0] & 15) * 4:] == ip_of(i)[(o[0] & 15) * 4:]
    # ts0: pointer 9, a 32-bit time (ms since midnight UT, below 86,400,000) in bytes 24-27.
    assert out[0][22] == 9 and int.from_bytes(out[0][24:28], "big") < 86400000
    # ts1: pointer 13, lan1's address then the time.
    assert out[1][22] == 13 and bytes(out[1][24:28]) == bytes([198, 51, 100, 1])
    assert int.from_bytes(out[1][28:32], "big") < 86400000
    # full: overflow 1 -> 2, nothing else changes.
    assert out[2][23] == 0x20 and out[2][22] == 9


# ------------------------------------------------------- options of echo requests to us

def echo_opt_pkt(opts, dst="192.0.2.1"):
    return with_ip_options(IP(src=H0, dst=dst, id=31),
                           ICMP(type=8, id=0x77, seq=3) / Raw(data(24)), opts)


def echo_reply_bytes(req, opts, src, dst):
    """RFC 792 / RFC 1122 3.2.2.6: the reply to req with the header options opts (as the
    replier must set them), addresses src -> dst, TTL 64, type 0."""
    ip = bytearray(ip_of(req))
    hlen = (ip[0] & 15) * 4
    ip[20:hlen] = opts
    ip[8] = 64
    ip[12:16] = bytes(map(int, src.split(".")))
    ip[16:20] = bytes(map(int, dst.split(".")))
    ip[10:12] = b"\0\0"
    ip[10:12] = ip_cksum(ip[:hlen]).to_bytes(2, "big")
    icmp = bytearray(ip[hlen:])
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = ip_cksum(icmp + (b"\0" if len(icmp) % 2 else b"")).to_bytes(2, "big")
    return bytes(Ether(src=LAN0_MAC, dst=IN_MAC, type=0x0800)) + bytes(ip[:hlen]) + bytes(icmp)


def test_echo_reply_carries_record_route_with_our_entry(pcap_dpstack):
    req = echo_opt_pkt(b"\x07\x0b\x04" + b"\0" * 8 + b"\x00")
    res = run(pcap_dpstack, [req])
    want = echo_reply_bytes(req, b"\x07\x0b\x08" + bytes([192, 0, 2, 1]) + b"\0" * 4 + b"\x00",
                            "192.0.2.1", H0)
    assert [bytes(p) for p in res.outputs[0] if p.haslayer(IP)] == [want]
    assert counter(res, "icmp.echo_replies_sent") == 1


def test_echo_reply_carries_timestamp_filled(pcap_dpstack):
    req = echo_opt_pkt(b"\x44\x0c\x05\x01" + b"\0" * 8)   # address + time, room for one
    res = run(pcap_dpstack, [req])
    out = [bytearray(bytes(p)[14:]) for p in res.outputs[0] if p.haslayer(IP)]
    assert len(out) == 1
    o = out[0]
    assert o[20:24] == b"\x44\x0c\x0d\x01"
    assert bytes(o[24:28]) == bytes([192, 0, 2, 1])
    assert int.from_bytes(o[28:32], "big") < 86400000
    # The rest is the echo reply as RFC 792 says, with these option bytes.
    assert bytes(res.outputs[0][0]) == echo_reply_bytes(req, bytes(o[20:32]), "192.0.2.1", H0)


def test_echo_reply_reverses_a_completed_source_route(pcap_dpstack):
    # Arrived from H0 via 10.1.1.1 then 192.0.2.3 (route complete: pointer 12 > length 11).
    # RFC 1122 3.2.1.8: the reply goes to 192.0.2.3 with the return route {>> 10.1.1.1, H0}.
    req = echo_opt_pkt(b"\x83\x0b\x0c" + bytes([10, 1, 1, 1, 192, 0, 2, 3]) + b"\x00")
    res = run(pcap_dpstack, [req])
    want = echo_reply_bytes(req, b"\x83\x0b\x04" + bytes([10, 1, 1, 1, 192, 0, 2, 2]) + b"\x00",
                            "192.0.2.1", "192.0.2.3")
    assert [bytes(p) for p in res.outputs[0] if p.haslayer(IP)] == [want]
    assert counter(res, "fwd.source_route") == 0


# ------------------------------------------------------------------ IPv6 redirects (RFC 4861 8.2)

from scapy.all import IPv6, ICMPv6ND_Redirect  # noqa: E402

H6, DST6, LL_GW = "2001:db8:1::2", "2001:db8:99::7", "fe80::3"


def config6(lan0_extra="address = fe80::1/64"):
    return f"""\
[stack]
forwarding = on
dad_transmits = 0

[nic lan0]
port = net_pcap0
mac = {LAN0_MAC}
mtu = 9000
address = 2001:db8:1::1/64
{lan0_extra}

[nic lan1]
port = net_pcap1
mac = {LAN1_MAC}
address = 2001:db8:2::1/64

[nic lan2]
port = net_pcap2
mac = {LAN2_MAC}
address = 2001:db8:3::1/64

[routes]
2001:db8:99::/48 = via {LL_GW} dev lan0

[neighbors]
{LL_GW} = {GW3_MAC} lan0
{H6} = {IN_MAC} lan0
"""


def pkt6():
    return Ether(bytes(Ether(src=IN_MAC, dst=LAN0_MAC) / IPv6(src=H6, dst=DST6, hlim=64) /
                       UDP(sport=7777, dport=53) / Raw(data(100))))


def redirects6(res):
    return [p for p in res.outputs[0] if p.haslayer(ICMPv6ND_Redirect)]


def forwarded6(pkt):
    b = bytearray(bytes(pkt[IPv6]))
    b[7] -= 1
    return bytes(Ether(src=LAN0_MAC, dst=GW3_MAC, type=0x86dd)) + bytes(b)


def test_ipv6_back_out_of_lan0_gets_a_redirect_from_the_link_local_address(pcap_dpstack):
    pkt = pkt6()
    res = run(pcap_dpstack, [pkt], cfg=config6())
    quote = bytes(pkt[IPv6])
    quote = quote[:len(quote) & ~7]
    opts = (b"\x02\x01" + bytes.fromhex(GW3_MAC.replace(":", "")) +
            b"\x04" + bytes([1 + len(quote) // 8]) + b"\0" * 6 + quote)
    want = bytes(Ether(src=LAN0_MAC, dst=IN_MAC) / IPv6(src="fe80::1", dst=H6, hlim=255) /
                 ICMPv6ND_Redirect(tgt=LL_GW, dst=DST6) / Raw(opts))
    assert [bytes(p) for p in redirects6(res)] == [want]
    assert [bytes(p) for p in res.outputs[0] if p.haslayer(UDP) and not
            p.haslayer(ICMPv6ND_Redirect)] == [forwarded6(pkt)]
    assert counter(res, "fwd.redirects_sent") == 1
    assert counter(res, "fwd.forwarded") == 1


def test_ipv6_no_redirect_without_a_link_local_address_or_when_off(pcap_dpstack):
    pkt = pkt6()
    res = run(pcap_dpstack, [pkt], cfg=config6(""))
    assert not redirects6(res)
    assert counter(res, "fwd.redirect6_no_link_local") == 1
    assert counter(res, "fwd.forwarded") == 1
    res = run(pcap_dpstack, [pkt], cfg=config6("address = fe80::1/64\nredirects = off"))
    assert not redirects6(res)
    assert counter(res, "fwd.redirects_sent") == 0
    assert counter(res, "fwd.forwarded") == 1
