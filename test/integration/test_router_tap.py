"""The router's slow side with kernel peers (dpstack on net_tap ports, Linux hosts in
namespaces): IPv4 fragmentation on forward across an MTU step (RFC 1812 4.2.2.7) and ICMP
redirects to a host that sent through dpstack to a neighbour on its own subnet (RFC 1812
4.3.3.2, RFC 4861 8).

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_router_tap.py
"""

import dpstack_harness as h

H0_4, H1_4 = "192.0.2.2", "198.51.100.2"

MTU_STEP_CONFIG = h.tap_config(lan1="mtu = 1280\n")
counter = h.stats_counter


def mtu_step_net(tap_net):
    net = tap_net(MTU_STEP_CONFIG)
    net.ns_ip(1, ["link", "set", "dev", net.ifaces[1], "mtu", "1280"])
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


REDIRECT_CONFIG = h.tap_config(ipv6=False, more="[routes]\n10.9.0.0/16 = via 192.0.2.3\n")


def test_host_sending_to_a_neighbour_on_its_subnet_gets_a_redirect_it_uses(tap_net, netns):
    """ns[0] (192.0.2.2, default via dpstack) and a second router G (192.0.2.3, own netns)
    share lan0's link through a bridge; dpstack routes 10.9.0.0/16 via G. A ping from ns[0] to
    10.9.0.1 leaves dpstack by lan0 again: ns[0] gets a Host Redirect naming G and its route
    cache shows it (`ip route get`)."""
    hosts = (h.HostSpec(mac="02:00:00:00:00:02"),
             h.HostSpec(ipv4="198.51.100.2/24", gw4="198.51.100.1", mac="02:00:00:00:01:02"))
    net = tap_net(REDIRECT_CONFIG, hosts)
    g = netns("g")
    tap = net.ifaces[0]
    net.ns_ip(0, ["link", "add", "br0", "type", "bridge"],
              ["link", "set", tap, "master", "br0"],
              ["link", "add", "vh", "type", "veth", "peer", "name", "vg"],
              ["link", "set", "vh", "master", "br0"],
              ["link", "set", "vh", "up"],
              ["link", "set", "br0", "up"],
              ["addr", "add", "192.0.2.2/24", "dev", "br0"],
              ["route", "add", "default", "via", "192.0.2.1"],
              ["link", "set", "vg", "netns", g.name])
    g.ip(["link", "set", "vg", "up"],
         ["addr", "add", "192.0.2.3/24", "dev", "vg"],
         ["addr", "add", "10.9.0.1/32", "dev", "lo"])
    # Hosts accept redirects (the namespace does not forward); G is a valid neighbour first,
    # as Linux only takes a redirect to a gateway it has resolved.
    net.ns_exec(0, ["sysctl", "-qw", "net.ipv4.conf.all.accept_redirects=1",
                    "net.ipv4.conf.br0.accept_redirects=1"], check=True)
    assert net.ping(0, "192.0.2.3", count=1, wait=3).returncode == 0
    r0 = net.ns_exec(0, ["ip", "route", "get", "10.9.0.1"], check=True).stdout
    assert "via 192.0.2.1" in r0, r0
    r = net.ping(0, "10.9.0.1", count=3, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert counter(net.dp.stats(), "fwd.redirects_sent") >= 1
    route = net.ns_exec(0, ["ip", "route", "get", "10.9.0.1"], check=True).stdout
    assert "via 192.0.2.3" in route and "redirected" in route, route
