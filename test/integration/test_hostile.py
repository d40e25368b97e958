"""Hostile input over net_pcap (issue 10): the neighbour table's learning rules (RFC 826 merge,
RFC 4861 7.2.5 Override), its bounds under a flood to a connected /64, subnet-directed
broadcasts (RFC 1122 3.3.6, RFC 1812 5.3.5.2 / 4.3.2.7). Each case states the exact reply or
silence and the counters that moved; after each run dpstack exited cleanly with every mbuf
back (the harness checks "mbufs in use: 0").

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_hostile.py
"""

import pytest

import dpstack_harness as h

scapy = pytest.importorskip("scapy.all")
from scapy.all import (ARP, ICMP, IP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NA,  # noqa: E402
                       ICMPv6NDOptDstLLAddr, IPv6, Raw)

US_MAC, PEER_MAC, EVIL_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:66"
US1_MAC, PEER1_MAC = "02:00:00:00:01:01", "02:00:00:00:01:02"
US4, PEER4 = "192.0.2.1", "192.0.2.2"
US6, PEER6 = "2001:db8::1", "2001:db8::2"
BCAST = "ff:ff:ff:ff:ff:ff"

CONFIG = f"""\
[stack]
forwarding = on

[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = {US4}/24
address = {US6}/64

[nic lan1]
port = net_pcap1
mac = {US1_MAC}
address = 198.51.100.1/24
address = 2001:db8:1::1/64

[neighbors]
198.51.100.2 = {PEER1_MAC} lan1

[udp]
echo = 7
"""


def counter(res, name):
    vals = h.counter_values(res.stats, name) if res.stats is not None else []
    return max(vals) if vals else 0


def neigh(dp):
    """`show neigh --json` as {address: entry}."""
    return {e["address"]: e for e in dp.ctl("show", "neigh", json=True)}


def run(pcap_dpstack, pkts0, pkts1=(), wait=None, **kw):
    res = pcap_dpstack(CONFIG, [list(pkts0), list(pkts1)], wait=wait, **kw)
    assert res.returncode == 0, res.stderr
    return res


def arp(op, sha, spa, tpa, dst=BCAST):
    return Ether(src=sha, dst=dst) / ARP(op=op, hwsrc=sha, psrc=spa, pdst=tpa,
                                         hwdst="00:00:00:00:00:00")


def test_arp_learning_follows_the_merge_rule(pcap_dpstack):
    seen = {}

    def inspect(dp, total):
        assert h.wait_consumed(dp, total)
        seen.update(neigh(dp))

    pkts = [
        # 1. A request to us from a sender on no connected subnet: answered, not learned.
        arp("who-has", PEER_MAC, "10.77.0.9", US4),
        # 2. A reply nobody asked for: creates nothing.
        arp("is-at", PEER_MAC, "192.0.2.5", US4, dst=US_MAC),
        # 3. A request between two other hosts: creates nothing.
        arp("who-has", PEER_MAC, "192.0.2.3", "192.0.2.4"),
        # 4. A request to us from a connected sender: answered, a STALE entry.
        arp("who-has", PEER_MAC, PEER4, US4),
    ]
    # (An ARP between other hosts naming an existing entry updates it, RFC 826's merge: that
    # needs the entry to exist before the packet is parsed, which one pcap replay cannot
    # order; test_hostile.c's arp_learns_only_by_rfc826_merge_and_from_connected_askers.)
    res = run(pcap_dpstack, pkts, wait=inspect)
    out = res.outputs[0]
    # Exactly the two requests to us are answered, to their senders.
    replies = [p for p in out if ARP in p and p[ARP].op == 2]
    assert [(p[ARP].pdst, p[Ether].dst) for p in replies] == [("10.77.0.9", PEER_MAC),
                                                              (PEER4, PEER_MAC)]
    assert "10.77.0.9" not in seen and "192.0.2.5" not in seen and "192.0.2.3" not in seen
    # Learned from its request: STALE (or DELAY once used), with its MAC.
    assert seen[PEER4]["mac"] == PEER_MAC and seen[PEER4]["state"] in ("stale", "delay"), seen
    assert counter(res, "neigh.not_on_link") == 1
    assert counter(res, "arp.replies_sent") == 2


def test_na_without_override_does_not_take_over(pcap_dpstack):
    """RFC 4861 7.2.5: resolve PEER6 (a ping from it makes dpstack answer, resolving it by
    NS); an unsolicited NA with O=0 from another MAC must not replace the address."""
    seen = {}

    def inspect(dp, total):
        assert h.wait_consumed(dp, total)
        seen.update(neigh(dp))

    ping = (Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src=PEER6, dst=US6) /
            ICMPv6EchoRequest(id=1, seq=1))
    na = lambda s, o, mac: (Ether(src=mac, dst=US_MAC) / IPv6(src=PEER6, dst=US6, hlim=255) /
                            ICMPv6ND_NA(R=0, S=s, O=o, tgt=PEER6) /
                            ICMPv6NDOptDstLLAddr(lladdr=mac))
    pkts = [
        ping,                       # answered to PEER_MAC (the frame's source): no entry yet
        na(1, 1, PEER_MAC),         # no entry: an NA creates none
        na(0, 0, EVIL_MAC),         # O=0 from another MAC: never taken
    ]
    res = run(pcap_dpstack, pkts, wait=inspect)
    assert PEER6 not in seen or seen[PEER6]["mac"] != EVIL_MAC, seen
    assert counter(res, "ndp.advertisements_received") == 2


def test_flood_to_a_connected_64_is_bounded_and_rx_survives(pcap_dpstack):
    """3,000 packets to distinct addresses of lan1's /64 (none answers), then a ping to us:
    parked packets stay bounded, every drop is counted, the ping is answered."""
    flood = [Ether(src=PEER_MAC, dst=US_MAC) /
             IPv6(src=PEER6, dst=f"2001:db8:1::{i + 16:x}:1") / UDP(sport=1, dport=9) / Raw(b"x" * 8)
             for i in range(3000)]
    ping = (Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst=US4) /
            ICMP(id=7, seq=1) / Raw(b"alive"))
    res = run(pcap_dpstack, flood + [ping], timeout=30)
    out0 = res.outputs[0]
    assert any(ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 7 for p in out0)
    queued = counter(res, "neigh.queued")
    assert queued <= 1024 + 256
    dropped = sum(counter(res, c) for c in ("neigh.rate_limited", "neigh.incomplete_full",
                                            "neigh.parked_full", "neigh.ring_full",
                                            "neigh.queue_full"))
    # Every flood packet went into resolution, then was queued or dropped, each counted once
    # (a packet for an entry that failed meanwhile: neigh.unresolved).
    assert counter(res, "fwd.forwarded") == 3000
    assert queued + dropped <= 3000 <= queued + dropped + counter(res, "neigh.unresolved")
    assert dropped > 0
    assert "mbufs in use: 0" in res.stdout


def test_subnet_directed_broadcasts(pcap_dpstack):
    echo = (Ether(src=PEER_MAC, dst=BCAST) / IP(src=PEER4, dst="192.0.2.255") /
            UDP(sport=4000, dport=7) / Raw(b"hello"))
    to_other = (Ether(src=PEER_MAC, dst=US_MAC) / IP(src=PEER4, dst="198.51.100.255") /
                ICMP(id=9, seq=1))
    from_bcast = (Ether(src=PEER_MAC, dst=US_MAC) / IP(src="192.0.2.255", dst=US4) /
                  ICMP(id=10, seq=1))
    res = run(pcap_dpstack, [echo, to_other, from_bcast])
    out0, out1 = res.outputs
    # RFC 1122 3.3.6: our subnet's broadcast is ours: the echo service answers from US4.
    udp = [p for p in out0 if UDP in p]
    assert len(udp) == 1 and udp[0][IP].src == US4 and udp[0][IP].dst == PEER4
    assert bytes(udp[0][UDP].payload) == b"hello"
    # RFC 1812 5.3.5.2 / 4.3.2.7: not forwarded, not resolved, no ICMP error.
    assert not [p for p in out1 if IP in p or ARP in p]
    assert not [p for p in out0 if ICMP in p]
    assert counter(res, "fwd.directed_broadcast") == 1
    # A subnet broadcast as source: invalid, no echo reply.
    assert counter(res, "ip.invalid_source_addresses_received") == 1
