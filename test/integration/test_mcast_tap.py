"""IGMPv2 / MLDv1 seen by a Linux peer (net_tap, kernel end in a namespace): tcpdump on the
peer sees dpstack's report when a group is joined with dpstack-ctl and its leave when the
group is left; queries sent from the namespace (scapy) are answered within their Max Response
Time.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_mcast_tap.py
"""

import shutil
import subprocess
import textwrap
import time

import pytest

pytest.importorskip("scapy.all")

QUERY = """
import time
from scapy.all import *
from scapy.contrib.igmp import IGMP
iface = "{iface}"
sn = AsyncSniffer(iface=iface, store=True)
sn.start()
time.sleep(0.5)
t0 = time.monotonic()
sendp(Ether(dst="01:00:5e:00:00:01") /
      IP(src="192.0.2.254", dst="224.0.0.1", ttl=1, options=[IPOption_Router_Alert()]) /
      IGMP(type=0x11, mrcode=10), iface=iface, verbose=0)
sendp(Ether(dst="33:33:00:00:00:01") / IPv6(src="fe80::99", dst="ff02::1", hlim=1) /
      IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=b"")]) /
      ICMPv6MLQuery(mrd=1000), iface=iface, verbose=0)
time.sleep(2.0)
sn.stop()
for p in sn.results:
    if p.haslayer(IGMP) and p[IGMP].type == 0x16:
        print("IGMP", p[IGMP].gaddr, p[IP].src, p[IP].ttl)
    if p.haslayer(ICMPv6MLReport):
        print("MLD", p[ICMPv6MLReport].mladdr, p[IPv6].hlim)
"""


def tcpdump(net, expr, count):
    return net.ns_popen(0, ["tcpdump", "-n", "-l", "-c", str(count), "-i", net.ifaces[0],
                            expr], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                        text=True)


@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="no tcpdump")
def test_linux_peer_sees_report_and_leave(tap_net):
    net = tap_net()
    assert net.ping(0, "192.0.2.1", count=1, wait=2).returncode == 0
    td = tcpdump(net, "igmp and (dst 239.5.5.5 or dst 224.0.0.2)", 2)
    time.sleep(1.0)
    net.ctl("join", "lan0", "239.5.5.5", check=True)
    time.sleep(0.5)
    net.ctl("leave", "lan0", "239.5.5.5", check=True)
    try:
        out, _ = td.communicate(timeout=10)
    finally:
        td.kill()
    lines = out.strip().splitlines()
    assert len(lines) == 2, out
    assert "192.0.2.1 > 239.5.5.5" in lines[0] and "igmp v2 report 239.5.5.5" in lines[0]
    assert "192.0.2.1 > 224.0.0.2" in lines[1] and "igmp leave 239.5.5.5" in lines[1]
    assert net.dp.counter("igmp.reports_sent") >= 1
    assert net.dp.counter("igmp.leaves_sent") == 1


def test_queries_from_the_peer_are_answered(tap_net):
    net = tap_net()
    assert net.ping(0, "192.0.2.1", count=1, wait=2).returncode == 0
    net.ctl("join", "lan0", "239.6.6.6", check=True)
    time.sleep(0.5)
    r = net.ns_exec(0, ["/usr/bin/python3", "-c",
                        textwrap.dedent(QUERY.format(iface=net.ifaces[0]))], timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "IGMP 239.6.6.6 192.0.2.1 1" in r.stdout, r.stdout
    # dpstack's solicited-node group of 2001:db8:1::1
    assert "MLD ff02::1:ff00:1 1" in r.stdout, r.stdout
    assert net.dp.counter("igmp.queries_received") == 1
    assert net.dp.counter("mld.queries_received") == 1
