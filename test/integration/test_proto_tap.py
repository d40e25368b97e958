"""lib/proto against the Linux kernel as the peer: dpstack on net_tap ports whose kernel ends
live in network namespaces (see dpstack_harness.TapNet). ARP, NDP, ICMP echo, UDP echo,
closed UDP ports, closed TCP ports, large echoes and address ranges.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_proto_tap.py
"""

import json
import re
import textwrap

import pytest

import dpstack_harness as h

US4, US6 = "192.0.2.1", "2001:db8:1::1"


def nic_mac(net, name="lan0"):
    """dpstack's MAC on a NIC, from `show nics --json` (any shape: find the NIC's entry)."""
    out = net.ctl("show", "nics", json=True)
    text = out if isinstance(out, str) else json.dumps(out)
    data = json.loads(text) if isinstance(out, str) else out
    items = data if isinstance(data, list) else data.get("nics", data)
    if isinstance(items, dict):
        items = [dict(v, name=k) if isinstance(v, dict) else v for k, v in items.items()]
    for it in items:
        if isinstance(it, dict) and it.get("nic", it.get("name")) == name:
            return it.get("mac", "").lower()
    m = re.search(r"([0-9a-f]{2}(?::[0-9a-f]{2}){5})", text.lower())
    return m.group(1) if m else None


def py(net, ns, code, timeout=10):
    """Run a Python snippet in a namespace with Debian's python3; returns CompletedProcess."""
    return net.ns_exec(ns, ["/usr/bin/python3", "-c", textwrap.dedent(code)], timeout=timeout)


UDP_ECHO = """
import socket, sys
fam = socket.AF_INET6 if ":" in "{addr}" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
data = bytes((i * 7 + 1) & 0xff for i in range({size}))
for attempt in range(3):
    s.sendto(data, ("{addr}", {port}))
    try:
        got, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    print("ECHO", len(got), got == data, peer[0], peer[1])
    sys.exit(0)
print("TIMEOUT")
sys.exit(1)
"""

UDP_REFUSED = """
import socket, sys
fam = socket.AF_INET6 if ":" in "{addr}" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("{addr}", {port}))
for attempt in range(3):
    s.send(b"hello")
    try:
        s.recv(100)
        print("GOT DATA")
        sys.exit(1)
    except ConnectionRefusedError:
        print("REFUSED")
        sys.exit(0)
    except socket.timeout:
        continue
print("TIMEOUT")
sys.exit(1)
"""

TCP_REFUSED = """
import socket, sys, time
fam = socket.AF_INET6 if ":" in "{addr}" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(5)
t = time.monotonic()
try:
    s.connect(("{addr}", {port}))
    print("CONNECTED")
    sys.exit(1)
except ConnectionRefusedError:
    print("REFUSED %.3f" % (time.monotonic() - t))
    sys.exit(0)
except socket.timeout:
    print("TIMEOUT")
    sys.exit(1)
"""


def test_ping_v4_and_arp_learns_dpstack_mac(tap_net):
    net = tap_net()
    r = net.ping(0, US4, count=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    neigh = net.ns_exec(0, ["ip", "neigh", "show", US4]).stdout.lower()
    mac = nic_mac(net)
    assert mac and mac in neigh, (mac, neigh)
    assert net.dp.counter("arp.replies_sent") >= 1
    assert net.dp.counter("icmp.echo_replies_sent") >= 3


def test_ping_v6_and_ndp_learns_dpstack_mac(tap_net):
    net = tap_net()
    r = net.ping(0, US6, count=3, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    neigh = net.ns_exec(0, ["ip", "-6", "neigh", "show", US6]).stdout.lower()
    mac = nic_mac(net)
    assert mac and mac in neigh, (mac, neigh)
    assert net.dp.counter("ndp.advertisements_sent") >= 1
    assert net.dp.counter("icmp6.echo_replies_sent") >= 3


@pytest.mark.parametrize("size", [1400, 1472])
def test_large_pings(tap_net, size):
    net = tap_net()
    assert net.ping(0, US4, count=2, wait=2).returncode == 0
    r = net.ns_exec(0, ["ping", "-n", "-c", "2", "-W", "2", "-i", "0.2", "-s", str(size), US4])
    assert r.returncode == 0, r.stdout
    r = net.ns_exec(0, ["ping", "-6", "-n", "-c", "2", "-W", "3", "-i", "0.2", "-s",
                        str(size - 20), US6])
    assert r.returncode == 0, r.stdout


def test_4000_byte_pings_are_reassembled_and_answered(tap_net):
    # The kernel sends three fragments each way; dpstack reassembles the request
    # (lib/proto/frag.c) and fragments its reply to the 1500-byte MTU (fragout.c).
    net = tap_net()
    assert net.ping(0, US4, count=1, wait=2).returncode == 0
    r = net.ns_exec(0, ["ping", "-n", "-c", "3", "-W", "2", "-i", "0.2", "-s", "4000", US4])
    assert r.returncode == 0 and "3 received" in r.stdout, r.stdout
    r = net.ns_exec(0, ["ping", "-6", "-n", "-c", "3", "-W", "3", "-i", "0.2", "-s", "4000",
                        US6])
    assert r.returncode == 0 and "3 received" in r.stdout, r.stdout
    assert net.dp.counter("ipv4.reassembled") >= 3
    assert net.dp.counter("ipv6.reassembled") >= 3
    assert net.dp.counter("ipv4.fragments_sent") >= 9
    assert net.dp.counter("ipv6.fragments_sent") >= 9


@pytest.mark.parametrize("addr", [US4, US6])
@pytest.mark.parametrize("size", [5, 1400, 8000])
def test_udp_echo(tap_net, addr, size):
    net = tap_net()
    r = py(net, 0, UDP_ECHO.format(addr=addr, port=7, size=size))
    assert r.returncode == 0, r.stdout + r.stderr
    f = r.stdout.split()
    assert f[0] == "ECHO" and f[1] == str(size) and f[2] == "True", r.stdout
    assert f[3] == addr and f[4] == "7"
    assert net.dp.counter("udp.echoed") >= 1


@pytest.mark.parametrize("addr", [US4, US6])
def test_closed_udp_port_is_refused(tap_net, addr):
    net = tap_net()
    r = py(net, 0, UDP_REFUSED.format(addr=addr, port=9))
    assert r.returncode == 0 and "REFUSED" in r.stdout, r.stdout + r.stderr
    assert net.dp.counter("udp.unknown_port_errors") >= 1


@pytest.mark.parametrize("addr", [US4, US6])
def test_tcp_connect_is_refused_at_once(tap_net, addr):
    net = tap_net()
    r = py(net, 0, TCP_REFUSED.format(addr=addr, port=80))
    assert r.returncode == 0, r.stdout + r.stderr
    # The first SYN is answered: no retransmission (1 s) was needed. Allow ARP/NDP first.
    assert float(r.stdout.split()[1]) < 0.9, r.stdout
    assert net.dp.counter("tcp.resets_sent") >= 1


def test_range_answers_inside_not_network_or_broadcast(tap_net):
    net = tap_net()
    # ns0's default route is via 192.0.2.1: the range 203.0.113.0/24 is reached through it.
    r = net.ping(0, "203.0.113.5", count=2)
    assert r.returncode == 0, r.stdout
    assert "from 203.0.113.5" in r.stdout
    for a in ("203.0.113.0", "203.0.113.255"):
        r = net.ping(0, a, count=1, wait=1)
        assert "bytes from " + a not in r.stdout, r.stdout
