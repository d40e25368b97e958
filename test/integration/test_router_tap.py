"""The router's slow side with kernel peers (dpstack on net_tap ports, Linux hosts in
namespaces): IPv4 fragmentation on forward across an MTU step (RFC 1812 4.2.2.7) and ICMP
redirects to a host that sent through dpstack to a neighbour on its own subnet (RFC 1812
4.3.3.2, RFC 4861 8).

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_router_tap.py
"""

import dpstack_harness as h

H0_4, H1_4 = "192.0.2.2", "198.51.100.2"

MTU_STEP_CONFIG = """\
[stack]
forwarding = on

[nic lan0]
port = net_tap0
address = 192.0.2.1/24
address = 2001:db8:1::1/64

[nic lan1]
port = net_tap1
mtu = 1280
address = 198.51.100.1/24
address = 2001:db8:2::1/64
"""


def counter(stats, name):
    if isinstance(stats, dict) and "total" in stats:
        stats = stats["total"]
    return sum(h.counter_values(stats, name)) if stats is not None else 0


def mtu_step_net(tap_net):
    net = tap_net(MTU_STEP_CONFIG)
    net.ns_exec(1, ["ip", "link", "set", "dev", net.ifaces[1], "mtu", "1280"], check=True)
    # Resolve both sides first: the first packets then do not wait in the neighbour queue.
    assert net.ping(0, H1_4, count=1, wait=3).returncode == 0
    return net


RECV = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9999))
s.settimeout(8)
print("ready", flush=True)
d, a = s.recvfrom(65535)
print(len(d), a[0], d == bytes((i * 7) & 0xff for i in range(len(d))), flush=True)
"""

SEND = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# IP_MTU_DISCOVER = IP_PMTUDISC_DONT: DF clear (the kernel would set DF by default).
s.setsockopt(socket.IPPROTO_IP, 10, 0)
s.sendto(bytes((i * 7) & 0xff for i in range(1372)), ("%s", 9999))
"""


def test_df_clear_1400_byte_udp_arrives_reassembled_behind_a_1280_link(tap_net):
    net = mtu_step_net(tap_net)
    rx = net.ns_popen(1, ["/usr/bin/python3", "-c", RECV], text=True)
    try:
        assert rx.stdout.readline().strip() == "ready"
        net.ns_exec(0, ["/usr/bin/python3", "-c", SEND % H1_4], check=True)
        out, err = rx.communicate(timeout=10)
    finally:
        if rx.poll() is None:
            rx.kill()
            rx.wait()
    # 1372 bytes of UDP data: a 1400-byte IPv4 datagram, whole at the receiver.
    assert out.split() == ["1372", H0_4, "True"], (out, err)
    st = net.dp.stats()
    assert counter(st, "fwd.fragmented") >= 1
    assert counter(st, "fwd.fragments_created") >= 2


def test_ping_m_dont_1400_works_across_the_mtu_step(tap_net):
    net = mtu_step_net(tap_net)
    before = counter(net.dp.stats(), "fwd.fragmented")
    r = net.ns_exec(0, ["ping", "-n", "-M", "dont", "-s", "1400", "-c", "3", "-i", "0.2",
                        "-W", "2", H1_4], timeout=15)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    assert counter(net.dp.stats(), "fwd.fragmented") >= before + 3
    # With DF (ping -M do) the same size gets Fragmentation Needed with 1280 from dpstack.
    r = net.ns_exec(0, ["ping", "-n", "-M", "do", "-s", "1400", "-c", "1", "-W", "2", H1_4],
                    timeout=10)
    assert r.returncode != 0
    assert "mtu = 1280" in (r.stdout + r.stderr).lower() or "frag needed" in r.stdout.lower(), \
        r.stdout + r.stderr
