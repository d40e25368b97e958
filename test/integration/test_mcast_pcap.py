"""IGMPv2 and MLDv1 for the groups a NIC joins (lib/proto/mcast.c) over net_pcap: the
reports dpstack sends on its own compared byte for byte with scapy's, join and leave through
dpstack-ctl, and the counters of what it hears. The harness keeps IGMP / MLD apart from the
other output (PcapResult.group_outputs).

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_mcast_pcap.py
"""

import time

import pytest

import dpstack_harness as h

scapy = pytest.importorskip("scapy.all")
from scapy.all import (IP, IPOption_Router_Alert, Ether, ICMPv6MLDone,  # noqa: E402
                       ICMPv6MLQuery, ICMPv6MLReport, IPv6, IPv6ExtHdrHopByHop, PadN, Raw,
                       RouterAlert)
from scapy.contrib.igmp import IGMP  # noqa: E402

US_MAC = "02:00:00:00:00:01"
US4, US6, LL6 = "192.0.2.1", "2001:db8::1", "fe80::1"
SOL = "ff02::1:ff00:1"  # solicited-node group of both ::1 addresses

CONFIG = f"""\
[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = {US4}/24
address = {US6}/64
address = {LL6}/64
"""


def counter(res, name):
    vals = h.counter_values(res.stats, name) if res.stats is not None else []
    return max(vals) if vals else 0


def mld(type_, group, dst):
    msg = ICMPv6MLReport(mladdr=group) if type_ == 131 else ICMPv6MLDone(mladdr=group)
    mac = "33:33:" + ":".join(f"{b:02x}" for b in scapy.inet_pton(scapy.socket.AF_INET6,
                                                                   dst)[12:])
    return bytes(Ether(src=US_MAC, dst=mac) / IPv6(src=LL6, dst=dst, hlim=1) /
                 IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"")]) / msg)


def igmp(type_, group, dst):
    o = [int(x) for x in dst.split(".")]
    mac = f"01:00:5e:{o[1] & 0x7f:02x}:{o[2]:02x}:{o[3]:02x}"
    p = Ether(src=US_MAC, dst=mac) / IP(src=US4, dst=dst, ttl=1, id=0, flags="DF",
                                        options=[IPOption_Router_Alert()]) / \
        IGMP(type=type_, mrcode=0, gaddr=group)
    return bytes(p)


def test_mld_report_for_the_solicited_node_group_at_start(pcap_dpstack):
    res = pcap_dpstack(CONFIG, [[]], wait=0.8)
    assert res.returncode == 0, res.stderr
    got = [bytes(p) for p in res.group_outputs[0]]
    # One report at once; its repeat comes within the 10 s Unsolicited Report Interval.
    assert got and all(g == mld(131, SOL, SOL) for g in got), [p.summary() for p in
                                                               res.group_outputs[0]]
    # ff02::1 (all-nodes) and 224.0.0.1 (all-systems) are never reported.
    assert counter(res, "mld.reports_sent") == len(got)
    assert counter(res, "igmp.reports_sent") == 0


def test_igmp_join_and_leave_through_ctl(pcap_dpstack):
    def act(dp, n):
        time.sleep(0.3)
        dp.ctl("join", "lan0", "239.1.2.3", check=True)
        dp.ctl("join", "lan0", "239.1.2.3", check=True)  # a second join: no new report
        dp.ctl("join", "lan0", "ff05::1:3", check=True)
        time.sleep(0.3)
        dp.ctl("leave", "lan0", "239.1.2.3", check=True)
        time.sleep(0.2)
        dp.ctl("leave", "lan0", "239.1.2.3", check=True)  # the last one: Leave Group
        dp.ctl("leave", "lan0", "ff05::1:3", check=True)
        time.sleep(0.3)

    res = pcap_dpstack(CONFIG, [[]], wait=act)
    assert res.returncode == 0, res.stderr
    got = [bytes(p) for p in res.group_outputs[0]]
    v4 = [g for g in got if g[12:14] == b"\x08\x00"]
    # The repeat of the unsolicited report may or may not fall inside the 0.5 s joined.
    assert v4[0] == igmp(0x16, "239.1.2.3", "239.1.2.3")
    assert v4[-1] == igmp(0x17, "239.1.2.3", "224.0.0.2")
    assert all(g == igmp(0x16, "239.1.2.3", "239.1.2.3") for g in v4[:-1])
    v6 = [g for g in got if g[12:14] == b"\x86\xdd" and g != mld(131, SOL, SOL)]
    assert v6[0] == mld(131, "ff05::1:3", "ff05::1:3")
    assert v6[-1] == mld(132, "ff05::1:3", "ff02::2")
    assert counter(res, "igmp.leaves_sent") == 1
    assert counter(res, "mld.dones_sent") == 1


def test_messages_heard_are_counted_not_dropped(pcap_dpstack):
    E = Ether(src="02:00:00:00:00:09", dst="01:00:5e:00:00:01")
    ra = [IPOption_Router_Alert()]
    q = E / IP(src="192.0.2.254", dst="224.0.0.1", ttl=1, options=ra) / IGMP(type=0x11,
                                                                             mrcode=100)
    v3 = E / IP(src="192.0.2.9", dst="224.0.0.1", ttl=1, proto=2, options=ra) / \
        Raw(bytes(IGMP(type=0x22)))
    bad = E / IP(src="192.0.2.9", dst="224.0.0.1", ttl=1, proto=2, options=ra) / \
        Raw(b"\x11\x64\x00\x00\x00\x00\x00\x00")
    E6 = Ether(src="02:00:00:00:00:09", dst="33:33:00:00:00:01")
    mq = E6 / IPv6(src="fe80::9", dst="ff02::1", hlim=1) / \
        IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"")]) / \
        ICMPv6MLQuery(mrd=10000)
    far = E6 / IPv6(src="2001:db8::9", dst="ff02::1", hlim=1) / ICMPv6MLQuery(mrd=10000)
    res = pcap_dpstack(CONFIG, [[q, v3, bad, mq, far]])
    assert res.returncode == 0, res.stderr
    assert res.outputs[0] == []
    assert counter(res, "igmp.queries_received") == 1
    assert counter(res, "igmp.other_received") == 1
    assert counter(res, "igmp.malformed") == 1
    assert counter(res, "mld.queries_received") == 1
    assert counter(res, "mld.malformed") == 1  # not from a link-local source


def test_mld_report_during_dad_is_sent_from_the_unspecified_address(pcap_dpstack):
    """RFC 3590 4 / RFC 4862 5.4: while fe80::1 is tentative (DAD on, 1 s per probe) it is no
    source; the solicited-node report at start goes from ::, the Unsolicited Report Interval's
    repeat (up to 10 s later) may go from fe80::1 once DAD has passed, never from a tentative
    address."""
    conf = "[stack]\ndad_transmits = 1\n\n" + CONFIG
    res = pcap_dpstack(conf, [[]], wait=0.5)
    assert res.returncode == 0, res.stderr
    pkts = res.group_outputs[0]
    assert pkts, "no MLD report"
    first = bytes(pkts[0])
    want = bytearray(mld(131, SOL, SOL))
    # The same report with :: as its source: scapy recomputes the checksum.
    from scapy.all import Ether as E
    p = E(bytes(want))
    p[IPv6].src = "::"
    del p[ICMPv6MLReport].cksum
    assert first == bytes(p), pkts[0].summary()
    assert counter(res, "mld.reports_sent") == len(pkts)
