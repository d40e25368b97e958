"""Forwarding (RFC 1812 / RFC 8200) through dpstack.

Kernel peers: dpstack on two net_tap ports whose kernel ends live in two namespaces
(dpstack_harness.TapNet): ping / ping -6 between them through dpstack, Time Exceeded and
Destination Unreachable from dpstack's own address, a route replaced at runtime, tracepath.

Byte-exact: dpstack on net_pcap ports (a static [neighbors] entry, so no ARP), the forwarded
frame compared field by field with the input (TTL / hop limit, checksum, MACs, payload), and
each RFC 1812 drop with its counter.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_forwarding.py
"""

import shutil
import time

import pytest

import dpstack_harness as h

H0_4, H1_4 = "192.0.2.2", "198.51.100.2"
H0_6, H1_6 = "2001:db8:1::2", "2001:db8:2::2"
US0_4, US0_6 = "192.0.2.1", "2001:db8:1::1"


def counter(stats, name):
    # `show stats` gives the sum ("total") and each NIC ("nics"): count the sum once.
    if isinstance(stats, dict) and "total" in stats:
        stats = stats["total"]
    return sum(h.counter_values(stats, name)) if stats is not None else 0


# --------------------------------------------------------------------------- kernel peers


def test_ping_v4_between_namespaces(tap_net):
    net = tap_net()
    r = net.ping(0, H1_4, count=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    assert counter(net.dp.stats(), "fwd.forwarded") >= 6  # requests and replies


def test_ping_v6_between_namespaces(tap_net):
    net = tap_net()
    r = net.ping(0, H1_6, count=3, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    assert counter(net.dp.stats(), "fwd.forwarded") >= 6


def test_ttl_one_gets_time_exceeded_from_dpstack(tap_net):
    net = tap_net()
    r = net.ns_exec(0, ["ping", "-n", "-c", "1", "-W", "2", "-t", "1", H1_4])
    assert r.returncode != 0
    # "From 192.0.2.1 icmp_seq=1 Time to live exceeded"
    assert f"From {US0_4}" in r.stdout and "Time to live exceeded" in r.stdout, r.stdout
    assert counter(net.dp.stats(), "fwd.ttl_exceeded") >= 1


def test_hop_limit_one_gets_time_exceeded_v6(tap_net):
    net = tap_net()
    r = net.ns_exec(0, ["ping", "-6", "-n", "-c", "1", "-W", "2", "-t", "1", H1_6])
    assert r.returncode != 0
    assert f"From {US0_6}" in r.stdout and "exceeded" in r.stdout.lower(), r.stdout
    assert counter(net.dp.stats(), "fwd.ttl_exceeded") >= 1


def test_unroutable_destination_gets_unreachable(tap_net):
    net = tap_net()
    r = net.ns_exec(0, ["ping", "-n", "-c", "1", "-W", "2", "10.99.99.99"])
    assert r.returncode != 0
    assert f"From {US0_4}" in r.stdout and "Unreachable" in r.stdout, r.stdout
    r = net.ns_exec(0, ["ping", "-6", "-n", "-c", "1", "-W", "2", "2001:db8:99::1"])
    assert r.returncode != 0
    assert f"From {US0_6}" in r.stdout and "unreachable" in r.stdout.lower(), r.stdout
    assert counter(net.dp.stats(), "fwd.no_route") >= 2


def test_route_replaced_at_runtime_resumes_within_a_second(tap_net):
    """A route to a far prefix (10.77.0.0/16) behind ns[1]: via ns[1], then deleted
    (unreachable), then added back: traffic must flow again within 1 s of the change."""
    if not h.ctl_bin().exists():
        pytest.skip("dpstack-ctl not built")
    net = tap_net()
    net.ns_exec(1, ["ip", "addr", "add", "10.77.0.1/32", "dev", "lo"], check=True)
    net.ctl("route", "add", "10.77.0.0/16", "via", H1_4, check=True)
    assert net.ping(0, "10.77.0.1", count=1, wait=2).returncode == 0
    net.ctl("route", "del", "10.77.0.0/16", check=True)
    before = counter(net.dp.stats(), "fwd.no_route")
    assert net.ping(0, "10.77.0.1", count=1, wait=1).returncode != 0
    # Seen and refused for want of a route, not lost on the way.
    assert counter(net.dp.stats(), "fwd.no_route") == before + 1
    net.ctl("route", "add", "10.77.0.0/16", "via", H1_4, check=True)
    t0 = time.monotonic()
    ok = False
    while time.monotonic() - t0 < 1.0:
        if net.ping(0, "10.77.0.1", count=1, wait=0.3).returncode == 0:
            ok = True
            break
    assert ok, "no reply within 1 s of the route coming back"


def test_tracepath_shows_dpstack_as_a_hop(tap_net):
    tool = shutil.which("tracepath") or shutil.which("traceroute")
    if tool is None:
        pytest.skip("no tracepath or traceroute")
    net = tap_net()
    argv = [tool, "-n", H1_4] if "tracepath" in tool else [tool, "-n", "-w", "1", H1_4]
    r = net.ns_exec(0, argv, timeout=30)
    assert US0_4 in r.stdout, r.stdout
    assert H1_4 in r.stdout, r.stdout


# ------------------------------------------------------------------------------ pcap exact

PEER_MAC = "02:00:00:00:0b:02"   # the static neighbour on lan1
IN_SRC_MAC = "02:00:00:00:0a:02"
LAN0_MAC = "02:00:00:00:aa:01"
LAN1_MAC = "02:00:00:00:aa:02"

PCAP_CONFIG = f"""\
[stack]
forwarding = on

[nic lan0]
port = net_pcap0
mac = {LAN0_MAC}
# Jumbo on the way in, 1500 on the way out: the too-big cases need a packet lan0 may carry.
mtu = 9000
address = 192.0.2.1/24
address = 2001:db8:1::1/64

[nic lan1]
port = net_pcap1
mac = {LAN1_MAC}
mtu = 1500
address = 198.51.100.1/24
address = 2001:db8:2::1/64

[routes]
203.0.113.0/24 = via 198.51.100.2
2001:db8:99::/48 = via 2001:db8:2::2

[neighbors]
198.51.100.2 = {PEER_MAC} lan1
2001:db8:2::2 = {PEER_MAC} lan1
192.0.2.2 = {IN_SRC_MAC} lan0
2001:db8:1::2 = {IN_SRC_MAC} lan0
"""


def _scapy():
    return pytest.importorskip("scapy.all")


def _run(pcap_dpstack, pkts):
    res = pcap_dpstack(PCAP_CONFIG, [pkts, []])
    assert res.returncode == 0, res.stderr
    return res


def test_pcap_ipv4_forwarded_byte_exact(pcap_dpstack):
    s = _scapy()
    payload = bytes(range(64))
    pkt = (s.Ether(src=IN_SRC_MAC, dst=LAN0_MAC) /
           s.IP(src="192.0.2.2", dst="203.0.113.5", ttl=64, id=77, flags="DF") /
           s.UDP(sport=1234, dport=5678) / s.Raw(payload))
    pkt = s.Ether(bytes(pkt))
    res = _run(pcap_dpstack, [pkt])
    out = [p for p in res.outputs[1] if p.haslayer(s.IP)]
    assert len(out) == 1, [p.summary() for p in res.outputs[1]]
    o = out[0]
    assert o[s.Ether].dst == PEER_MAC and o[s.Ether].src == LAN1_MAC
    assert o[s.IP].ttl == 63
    # The checksum dpstack wrote (incrementally) equals a full recomputation.
    want = s.IP(bytes(o[s.IP]))
    want.chksum = None
    assert o[s.IP].chksum == s.IP(bytes(want)).chksum
    # Everything else is unchanged, byte for byte.
    a, b = bytearray(bytes(pkt[s.IP])), bytearray(bytes(o[s.IP]))
    assert len(a) == len(b)
    for buf in (a, b):
        buf[8] = 0
        buf[10:12] = b"\0\0"
    assert a == b
    assert counter(res.stats, "fwd.forwarded") == 1


def test_pcap_ipv6_forwarded_byte_exact(pcap_dpstack):
    s = _scapy()
    pkt = (s.Ether(src=IN_SRC_MAC, dst=LAN0_MAC) /
           s.IPv6(src="2001:db8:1::2", dst="2001:db8:99::7", hlim=9) /
           s.UDP(sport=1, dport=2) / s.Raw(b"x" * 100))
    pkt = s.Ether(bytes(pkt))
    res = _run(pcap_dpstack, [pkt])
    out = [p for p in res.outputs[1] if p.haslayer(s.IPv6) and p.haslayer(s.UDP)]
    assert len(out) == 1, [p.summary() for p in res.outputs[1]]
    o = out[0]
    assert o[s.Ether].dst == PEER_MAC and o[s.Ether].src == LAN1_MAC
    assert o[s.IPv6].hlim == 8
    a, b = bytearray(bytes(pkt[s.IPv6])), bytearray(bytes(o[s.IPv6]))
    a[7] = b[7] = 0
    assert a == b
    assert counter(res.stats, "fwd.forwarded") == 1


def _drops():
    s = _scapy()
    E = s.Ether(src=IN_SRC_MAC, dst=LAN0_MAC)
    U = s.UDP(sport=9, dport=9) / s.Raw(b"d" * 20)
    return [
        # (name, packet, counter)
        ("dst 127/8", E / s.IP(src="192.0.2.2", dst="127.0.0.9") / U, "fwd.martian"),
        ("dst 0/8", E / s.IP(src="192.0.2.2", dst="0.1.2.3") / U, "fwd.martian"),
        ("dst class E", E / s.IP(src="192.0.2.2", dst="240.0.0.1") / U, "fwd.martian"),
        ("dst link-local", E / s.IP(src="192.0.2.2", dst="169.254.1.1") / U, "fwd.martian"),
        ("dst multicast", E / s.IP(src="192.0.2.2", dst="239.1.2.3") / U,
         "ip.multicast_not_joined"),
        ("v6 dst multicast", E / s.IPv6(src="2001:db8:1::2", dst="ff0e::1:2") / U,
         "ip.multicast_not_joined"),
        ("src 127/8", E / s.IP(src="127.0.0.1", dst="203.0.113.5") / U, "fwd.martian"),
        ("src 0/8", E / s.IP(src="0.0.0.7", dst="203.0.113.5") / U, "fwd.martian"),
        ("v6 dst link-local", E / s.IPv6(src="2001:db8:1::2", dst="fe80::1") / U,
         "fwd.martian"),
        ("v6 dst loopback", E / s.IPv6(src="2001:db8:1::2", dst="::1") / U, "fwd.martian"),
        ("v6 src link-local", E / s.IPv6(src="fe80::2", dst="2001:db8:99::7") / U,
         "fwd.martian"),
        ("unicast in link broadcast",
         s.Ether(src=IN_SRC_MAC, dst="ff:ff:ff:ff:ff:ff") /
         s.IP(src="192.0.2.2", dst="203.0.113.5") / U, "fwd.link_broadcast"),
        ("unicast in link multicast",
         s.Ether(src=IN_SRC_MAC, dst="33:33:00:00:00:01") /
         s.IPv6(src="2001:db8:1::2", dst="2001:db8:99::7") / U, "fwd.link_broadcast"),
        ("no route", E / s.IP(src="192.0.2.2", dst="10.55.0.1") / U, "fwd.no_route"),
        ("ttl 1", E / s.IP(src="192.0.2.2", dst="203.0.113.5", ttl=1) / U,
         "fwd.ttl_exceeded"),
        ("hlim 1", E / s.IPv6(src="2001:db8:1::2", dst="2001:db8:99::7", hlim=1) / U,
         "fwd.ttl_exceeded"),
        ("too big, DF", E / s.IP(src="192.0.2.2", dst="203.0.113.5", flags="DF") /
         s.UDP() / s.Raw(b"b" * 1600), "fwd.too_big"),
        ("v6 too big", E / s.IPv6(src="2001:db8:1::2", dst="2001:db8:99::7") /
         s.UDP() / s.Raw(b"b" * 1600), "fwd.too_big"),
    ]


@pytest.mark.parametrize("case", range(18), ids=lambda i: _DROP_IDS[i])
def test_pcap_rfc1812_drop(pcap_dpstack, case):
    s = _scapy()
    name, pkt, cname = _drops()[case]
    res = pcap_dpstack(PCAP_CONFIG, [[pkt], []])
    assert res.returncode == 0, res.stderr
    assert counter(res.stats, cname) == 1, (name, cname)
    assert counter(res.stats, "fwd.forwarded") == 0, name
    # Nothing left on lan1; what came back on lan0 can only be an ICMP error to the sender.
    assert not [p for p in res.outputs[1] if p.haslayer(s.UDP)], name
    for p in res.outputs[0]:
        if p.haslayer(s.IP) and not p.haslayer(s.ARP):
            assert p[s.IP].proto == 1 and p[s.IP].dst == "192.0.2.2", p.summary()
    # RFC 4443 3.1: a link-local source bound elsewhere gets code 2 (beyond scope).
    if cname in ("fwd.no_route", "fwd.ttl_exceeded", "fwd.too_big") or name == "v6 src link-local":
        icmp = [p for p in res.outputs[0] if p.haslayer(s.ICMP) or
                (p.haslayer(s.IPv6) and p[s.IPv6].nh == 58)]
        assert len(icmp) == 1, (name, [p.summary() for p in res.outputs[0]])
        if icmp[0].haslayer(s.ICMP) and cname == "fwd.too_big":
            assert icmp[0][s.ICMP].type == 3 and icmp[0][s.ICMP].code == 4
            assert icmp[0][s.ICMP].nexthopmtu == 1500
    else:
        assert not [p for p in res.outputs[0] if p.haslayer(s.IP) or p.haslayer(s.IPv6)], name


_DROP_IDS = ["dst127", "dst0", "dstE", "dstLL", "dstMcast", "v6dstMcast", "src127", "src0", "v6dstLL",
             "v6dstLo", "v6srcLL", "linkBcast", "linkMcast", "noRoute", "ttl1", "hlim1",
             "tooBigDF", "v6TooBig"]
