"""802.1Q VLAN NICs over net_pcap, byte for byte (docs/protocols.md, "VLANs"): a `[nic]` with
`vlan = 100` on the port of lan0 answers tagged frames with the tag, forwards tagged to untagged
and back, and the port's own NIC keeps the untagged traffic; unknown VIDs and QinQ are counted
and dropped (IEEE 802.1Q-2018 9.6, 802.1ad). Every expected frame is built here with scapy,
independently of dpstack; the harness checks at exit that every mbuf went back to the pool.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_vlan_pcap.py
"""

import pytest

import dpstack_harness as h

scapy = pytest.importorskip("scapy.all")
from scapy.all import ARP, ICMP, IP, UDP, Dot1AD, Dot1Q, Ether, Raw  # noqa: E402

LAN0_MAC, LAN1_MAC = "02:00:00:00:aa:01", "02:00:00:00:aa:02"
H0_MAC, H100_MAC, GW_MAC = "02:00:00:00:0a:02", "02:00:00:00:64:02", "02:00:00:00:0b:02"

CONFIG = f"""\
[stack]
forwarding = on

[nic lan0v100]
port = net_pcap0
vlan = 100
address = 10.100.0.1/24

[nic lan0]
port = net_pcap0
mac = {LAN0_MAC}
address = 192.0.2.1/24

[nic lan1]
port = net_pcap1
mac = {LAN1_MAC}
address = 198.51.100.1/24

[routes]
203.0.113.0/24 = via 198.51.100.2

[neighbors]
10.100.0.2 = {H100_MAC} lan0v100
198.51.100.2 = {GW_MAC} lan1
192.0.2.2 = {H0_MAC} lan0
"""


def nic_counter(res, nic, name):
    """A NIC's counter from the final counters dpstack prints (`nic NAME COUNTER VALUE`)."""
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[0] == "nic" and f[1] == nic and f[2] == name:
            return int(f[3])
    return 0


def run(pcap_dpstack, port0, port1=()):
    res = pcap_dpstack(CONFIG, [list(port0), list(port1)])
    assert res.returncode == 0, res.stderr
    return res


def payload(n):
    return Raw(bytes((i * 31 + 7) & 0xff for i in range(n)))


def echo_req(src_mac, src, dst, ident, seq, n=24):
    return (Ether(src=src_mac, dst=LAN0_MAC) /
            IP(src=src, dst=dst, ttl=64, id=0x4242) / ICMP(type=8, id=ident, seq=seq) / payload(n))


def echo_reply(dst_mac, src, dst, ident, seq, n=24):
    return (Ether(src=LAN0_MAC, dst=dst_mac) /
            IP(src=src, dst=dst, ttl=64, id=0x4242) / ICMP(type=0, id=ident, seq=seq) / payload(n))


def tagged(frame, vid, prio=0):
    """frame with an 802.1Q tag after its MAC addresses."""
    e = frame.copy()
    inner = e.payload
    return Ether(src=e.src, dst=e.dst) / Dot1Q(vlan=vid, prio=prio) / inner


def test_tagged_echo_answered_with_the_tag_untagged_by_the_port_nic(pcap_dpstack):
    req_v = echo_req(H100_MAC, "10.100.0.2", "10.100.0.1", 7, 1)
    req_u = echo_req(H0_MAC, "192.0.2.2", "192.0.2.1", 8, 2)
    res = run(pcap_dpstack, [tagged(req_v, 100), req_u, tagged(req_v, 100, prio=6)])
    got = sorted(bytes(p) for p in res.outputs[0] if not h.is_group_mgmt(p))
    want = sorted([
        bytes(tagged(echo_reply(H100_MAC, "10.100.0.1", "10.100.0.2", 7, 1), 100)),
        bytes(tagged(echo_reply(H100_MAC, "10.100.0.1", "10.100.0.2", 7, 1), 100)),
        bytes(echo_reply(H0_MAC, "192.0.2.1", "192.0.2.2", 8, 2)),
    ])
    assert got == want
    assert res.outputs[1] == []
    assert nic_counter(res, "lan0v100", "rx.packets") == 2
    assert nic_counter(res, "lan0v100", "icmp.echo_replies_sent") == 2
    assert nic_counter(res, "lan0v100", "tx.packets") == 2
    assert nic_counter(res, "lan0", "rx.packets") == 1


def test_arp_on_the_vlan_answered_tagged(pcap_dpstack):
    req = (Ether(src=H100_MAC, dst="ff:ff:ff:ff:ff:ff") /
           ARP(op=1, hwsrc=H100_MAC, psrc="10.100.0.3", pdst="10.100.0.1"))
    res = run(pcap_dpstack, [tagged(req, 100)])
    want = (Ether(src=LAN0_MAC, dst=H100_MAC) / Dot1Q(vlan=100) /
            ARP(op=2, hwsrc=LAN0_MAC, psrc="10.100.0.1", hwdst=H100_MAC, pdst="10.100.0.3"))
    got = [bytes(p) for p in res.outputs[0] if not h.is_group_mgmt(p)]
    # Ethernet pads a 46-byte payload minimum: the reply is 60 bytes with the tag or without.
    assert len(got) == 1
    assert got[0][:len(bytes(want))] == bytes(want)
    assert nic_counter(res, "lan0v100", "arp.replies_sent") == 1


def test_forwarded_tagged_to_untagged_and_untagged_to_tagged(pcap_dpstack):
    up = (Ether(src=H100_MAC, dst=LAN0_MAC) /
          IP(src="10.100.0.2", dst="203.0.113.9", ttl=20, id=1) / UDP(sport=1000, dport=2000) /
          payload(50))
    down = (Ether(src=GW_MAC, dst=LAN1_MAC) /
            IP(src="203.0.113.9", dst="10.100.0.2", ttl=20, id=2) / UDP(sport=2000, dport=1000) /
            payload(60))
    res = run(pcap_dpstack, [tagged(up, 100)], [down])

    def fwd(p, src, dst):
        q = p.copy()
        q[Ether].src, q[Ether].dst = src, dst
        q[IP].ttl -= 1
        del q[IP].chksum
        return Ether(bytes(q))

    want1 = bytes(fwd(up, LAN1_MAC, GW_MAC))
    want0 = bytes(tagged(fwd(down, LAN0_MAC, H100_MAC), 100))
    assert [bytes(p) for p in res.outputs[1] if not h.is_group_mgmt(p)] == [want1]
    assert [bytes(p) for p in res.outputs[0] if not h.is_group_mgmt(p)] == [want0]
    assert nic_counter(res, "lan0v100", "fwd.forwarded") == 1
    assert nic_counter(res, "lan1", "fwd.forwarded") == 1
    assert nic_counter(res, "lan0v100", "tx.packets") == 1


def test_unknown_vid_and_qinq_counted_and_dropped(pcap_dpstack):
    req = echo_req(H100_MAC, "10.100.0.2", "10.100.0.1", 9, 3)
    inner = req.payload
    frames = [
        tagged(req, 200),                                                       # unknown VID
        tagged(req, 4095),                                                      # reserved
        Ether(src=H100_MAC, dst=LAN0_MAC) / Dot1AD(vlan=5) / Dot1Q(vlan=100) / inner,  # QinQ
        Ether(src=H100_MAC, dst=LAN0_MAC) / Dot1Q(vlan=100) / Dot1Q(vlan=100) / inner,
        Ether(src=H100_MAC, dst=LAN0_MAC) / Dot1AD(vlan=100) / inner,
    ]
    res = run(pcap_dpstack, frames)
    assert [p for p in res.outputs[0] if not h.is_group_mgmt(p)] == []
    assert nic_counter(res, "lan0", "eth.vlan_unknown") == 2
    assert nic_counter(res, "lan0", "eth.vlan_qinq") == 3
    assert nic_counter(res, "lan0v100", "rx.packets") == 0
