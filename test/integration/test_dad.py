"""IPv6 Duplicate Address Detection (RFC 4862 5.4, lib/proto/mcast.c): the probe byte for
byte, the address tentative (not answering) until DAD passes, a duplicate found by an
advertisement or by another node's probe, and a Linux host that already has the address.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_dad.py
"""

import time

import pytest

import dpstack_harness as h

scapy = pytest.importorskip("scapy.all")
from scapy.all import (Ether, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,  # noqa: E402
                       ICMPv6NDOptDstLLAddr, IPv6)

US_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
US6, DUP_NA, DUP_NS = "2001:db8::1", "2001:db8::5", "2001:db8::6"


def config(extra=""):
    return f"""\
[stack]
dad_transmits = 1
dad_retrans_ms = 1000
{extra}

[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = 192.0.2.1/24
address = {US6}/64
"""


def counter(res, name):
    vals = h.counter_values(res.stats, name) if res.stats is not None else []
    return max(vals) if vals else 0


def addr_states(dp):
    rows = dp.ctl("show", "addresses", json=True)
    rows = rows if isinstance(rows, list) else rows.get("addresses", rows)
    return {r["address"].split("/")[0]: r.get("dad", "") for r in rows}


def probe(target):
    sol = scapy.in6_getnsma(scapy.inet_pton(scapy.socket.AF_INET6, target))
    sol = scapy.inet_ntop(scapy.socket.AF_INET6, sol)
    return bytes(Ether(src=US_MAC, dst=scapy.in6_getnsmac(scapy.inet_pton(
        scapy.socket.AF_INET6, sol))) / IPv6(src="::", dst=sol, hlim=255) /
        ICMPv6ND_NS(tgt=target))


def test_tentative_until_dad_passes(pcap_dpstack):
    echo = Ether(src=PEER_MAC, dst=US_MAC) / IPv6(src="2001:db8::2", dst=US6) / \
        ICMPv6EchoRequest(id=1, seq=1)
    seen = {}

    def act(dp, n):
        seen["early"] = addr_states(dp)
        h.wait_consumed(dp, n)
        time.sleep(1.6)
        seen["late"] = addr_states(dp)

    res = pcap_dpstack(config(), [[echo]], wait=act)
    assert res.returncode == 0, res.stderr
    assert seen["early"][US6] == "tentative"
    assert seen["late"][US6] == ""
    # RFC 4862 5.4.2: NS from ::, to the solicited-node group, no source link-layer option.
    assert [bytes(p) for p in res.outputs[0]] == [probe(US6)]
    # The echo to the tentative address got no reply (not ours yet).
    assert counter(res, "icmp6.echo_replies_sent") == 0
    assert counter(res, "ndp.dad_probes_sent") == 1
    assert counter(res, "ndp.dad_duplicates") == 0


def test_duplicates_found_by_na_and_by_anothers_probe(pcap_dpstack):
    na = Ether(src=PEER_MAC, dst="33:33:00:00:00:01") / \
        IPv6(src="fe80::2", dst="ff02::1", hlim=255) / ICMPv6ND_NA(R=0, S=0, O=1, tgt=DUP_NA) / \
        ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC)
    ns = Ether(src=PEER_MAC, dst="33:33:ff:00:00:06") / \
        IPv6(src="::", dst="ff02::1:ff00:6", hlim=255) / ICMPv6ND_NS(tgt=DUP_NS)
    extra_addrs = f"address = {DUP_NA}/64\naddress = {DUP_NS}/64\n"
    seen = {}

    def act(dp, n):
        h.wait_consumed(dp, n)
        time.sleep(1.6)
        seen["late"] = addr_states(dp)
        rc, out, _ = dp.ctl("show", "addresses")
        seen["text"] = out

    res = pcap_dpstack(config() + extra_addrs, [[na, ns]], wait=act)
    assert res.returncode == 0, res.stderr
    assert seen["late"][DUP_NA] == "duplicate"
    assert seen["late"][DUP_NS] == "duplicate"
    assert seen["late"][US6] == ""
    assert f"inet6 {DUP_NA}/64 duplicate" in seen["text"], seen["text"]
    assert counter(res, "ndp.dad_duplicates") == 2
    assert "used by another node" in res.stderr


def test_linux_host_with_the_address_makes_it_a_duplicate(tap_net):
    cfg = h.DEFAULT_TAP_CONFIG.replace("[stack]\n", "[stack]\ndad_transmits = 1\n", 1)
    net = tap_net(cfg)
    # The Linux host holds 2001:db8:1::77 already; then dpstack is told to add it.
    r = net.ns_exec(0, ["ip", "-6", "addr", "add", "2001:db8:1::77/64", "dev",
                        net.ifaces[0], "nodad"])
    assert r.returncode == 0, r.stderr
    time.sleep(1.5)  # dpstack's own start-up DAD is over
    net.ctl("addr", "add", "lan0", "2001:db8:1::78/64", check=True)
    net.ctl("addr", "add", "lan0", "2001:db8:1::77/64", check=True)
    time.sleep(2.0)
    st = addr_states(net.dp)
    assert st["2001:db8:1::77"] == "duplicate", st
    assert st["2001:db8:1::78"] == "", st
    assert st["2001:db8:1::1"] == "", st
    assert net.dp.counter("ndp.dad_duplicates") == 1
    # The unique one answers; the start-up address too.
    assert net.ns_exec(0, ["ping", "-6", "-n", "-c", "1", "-W", "2",
                           "2001:db8:1::78"]).returncode == 0


def test_router_advertisement_exact_and_solicitation_counted(pcap_dpstack):
    # RFC 4861 6.2: ra = on sends at once; an RS from a host is counted (and answered
    # 3 s after the last RA at the earliest: not within this run).
    from scapy.all import (ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo,
                           ICMPv6NDOptSrcLLAddr)
    cfg = config() + "address = fe80::1/64\nra = on\nra_prefix = 2001:db8::/64\n" \
        "ra_interval = 30\n"
    cfg = cfg.replace("dad_transmits = 1", "dad_transmits = 0")
    rs = Ether(src=PEER_MAC, dst="33:33:00:00:00:02") / \
        IPv6(src="fe80::2", dst="ff02::2", hlim=255) / ICMPv6ND_RS()
    res = pcap_dpstack(cfg, [[rs]], wait=lambda dp, n: (h.wait_consumed(dp, n), time.sleep(0.5)))
    assert res.returncode == 0, res.stderr
    want = bytes(Ether(src=US_MAC, dst="33:33:00:00:00:01") /
                 IPv6(src="fe80::1", dst="ff02::1", hlim=255) /
                 ICMPv6ND_RA(chlim=64, M=0, O=0, prf=0, routerlifetime=90, reachabletime=0,
                             retranstimer=0) /
                 ICMPv6NDOptSrcLLAddr(lladdr=US_MAC) / ICMPv6NDOptMTU(mtu=1500) /
                 ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=2592000,
                                       preferredlifetime=604800, prefix="2001:db8::"))
    got = [bytes(p) for p in res.outputs[0]]
    assert got and all(g == want for g in got), [p.summary() for p in res.outputs[0]]
    assert counter(res, "ndp.router_solicitations_received") == 1
    assert counter(res, "ndp.router_advertisements_sent") == len(got)
