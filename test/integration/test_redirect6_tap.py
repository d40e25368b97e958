"""IPv6 Redirects (RFC 4861 8) from dpstack's forwarder to a Linux host, which acts on them.

The link of lan0 is a bridge in ns[0] joining dpstack's TAP, the host H (the bridge's own
address, 2001:db8:1::2, default route via dpstack's link-local fe80::1) and a second router G
in a namespace of its own (fe80::3, 2001:db8:1::3, and 2001:db8:9::1 on its loopback).
dpstack routes 2001:db8:9::/64 via fe80::3 on lan0. H's ping to 2001:db8:9::1 thus leaves
dpstack by the NIC it came in on, from a neighbour on that link: dpstack forwards it and sends
H a Redirect naming fe80::3 (RFC 4861 8.2: a router target by its link-local address). H's
kernel (forwarding 0, accept_redirects 1: a host, RFC 4861 8.3) takes it, and from then on
`ip -6 route get` answers via fe80::3 and H's packets go to G without dpstack. A destination
on the link itself (2001:db8:1::3 seen by an H that believes only its /128 is on-link) is
redirected to itself: the target is the destination (RFC 4861 8.2, 4.5).

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_redirect6_tap.py
"""

import json

import dpstack_harness as h

CONFIG = """\
[stack]
forwarding = on

[nic lan0]
port = net_tap0
address = fe80::1/64
address = 2001:db8:1::1/64

[nic lan1]
port = net_tap1
address = 2001:db8:2::1/64

[routes]
2001:db8:9::/64 = via fe80::3 dev lan0
"""

H_MAC, G_MAC = "02:00:00:00:00:02", "02:00:00:00:00:03"


def total(net, name):
    return h.stats_counter(net.dp.stats(), name)


def redirect_net(tap_net, netns, h_addr):
    """dpstack with H (h_addr on ns[0]'s bridge) and G on lan0's link; returns (net, G)."""
    hosts = (h.HostSpec(mac=H_MAC),
             h.HostSpec(ipv6="2001:db8:2::2/64", gw6="2001:db8:2::1",
                        mac="02:00:00:00:01:02"))
    net = tap_net(CONFIG, hosts)
    g = netns("g6")
    tap = net.ifaces[0]
    # A host, not a router: Linux honours redirects only so (RFC 4861 8.3, its ndisc code).
    net.ns_exec(0, ["sysctl", "-qw", "net.ipv6.conf.all.forwarding=0",
                    "net.ipv6.conf.all.accept_redirects=1",
                    "net.ipv6.conf.default.accept_redirects=1"], check=True)
    net.ns_ip(0, ["link", "add", "lk", "type", "bridge"],
              ["link", "set", tap, "master", "lk"],
              ["link", "add", "hg", "type", "veth", "peer", "name", "gh"],
              ["link", "set", "hg", "master", "lk"],
              ["link", "set", "gh", "netns", g.name],
              ["link", "set", "hg", "up"],
              ["link", "set", "lk", "address", H_MAC],
              ["link", "set", "lk", "up"])
    net.ns_exec(0, ["sysctl", "-qw", "net.ipv6.conf.lk.forwarding=0",
                    "net.ipv6.conf.lk.accept_redirects=1",
                    "net.ipv6.conf.lk.accept_ra=0"], check=True)
    net.ns_ip(0, ["-6", "addr", "add", h_addr, "dev", "lk", "nodad"],
              ["-6", "route", "add", "default", "via", "fe80::1", "dev", "lk"])
    g.ip(["link", "set", "gh", "address", G_MAC],
         ["link", "set", "gh", "up"],
         ["-6", "addr", "add", "fe80::3/64", "dev", "gh", "nodad"],
         ["-6", "addr", "add", "2001:db8:1::3/64", "dev", "gh", "nodad"],
         ["-6", "addr", "add", "2001:db8:9::1/128", "dev", "lo"])
    # H reaches dpstack, and G's link-local directly, before the test proper.
    assert net.ping(0, "2001:db8:2::1", count=1, wait=3).returncode == 0
    assert net.ping(0, "fe80::3%lk", count=1, wait=3).returncode == 0
    return net, g


def route_get(net, dst):
    return net.ns_exec(0, ["ip", "-6", "route", "get", dst], check=True).stdout


def test_host_redirected_to_a_router_on_its_link_uses_it(tap_net, netns):
    net, g = redirect_net(tap_net, netns, "2001:db8:1::2/64")
    assert "via fe80::1 dev lk" in route_get(net, "2001:db8:9::1")
    sent, fwd = total(net, "fwd.redirects_sent"), total(net, "fwd.forwarded")
    r = net.ping(0, "2001:db8:9::1", count=1, wait=3)
    # The packet that drew the redirect is still forwarded (RFC 4861 8.2).
    assert r.returncode == 0, r.stdout + r.stderr
    assert total(net, "fwd.redirects_sent") == sent + 1
    assert total(net, "fwd.forwarded") == fwd + 1
    route = route_get(net, "2001:db8:9::1")
    assert "via fe80::3 dev lk" in route, route
    cache = net.ns_exec(0, ["ip", "-6", "route", "show", "cache"], check=True).stdout
    assert "2001:db8:9::1 via fe80::3 dev lk" in cache, cache
    # From now on H sends to G itself: dpstack forwards nothing more and redirects no more.
    r = net.ping(0, "2001:db8:9::1", count=3, wait=3)
    assert r.returncode == 0 and "3 received" in r.stdout, r.stdout + r.stderr
    assert total(net, "fwd.forwarded") == fwd + 1
    assert total(net, "fwd.redirects_sent") == sent + 1
    assert total(net, "fwd.redirect6_no_link_local") == 0
    # G saw H's later echo requests from H's own MAC, not from dpstack's.
    neigh = json.loads(g.exec(["ip", "-j", "-6", "neigh", "show", "dev", "gh"],
                              check=True).stdout)
    assert any(n.get("dst") == "2001:db8:1::2" and n.get("lladdr") == H_MAC for n in neigh), neigh


def test_on_link_destination_is_redirected_to_itself(tap_net, netns):
    # H's address as a /128: H believes nothing else on-link, so 2001:db8:1::3 goes via
    # dpstack, for which it is on lan0's subnet: the Redirect's target is the destination.
    net, g = redirect_net(tap_net, netns, "2001:db8:1::2/128")
    assert "via fe80::1 dev lk" in route_get(net, "2001:db8:1::3")
    sent = total(net, "fwd.redirects_sent")
    r = net.ping(0, "2001:db8:1::3", count=1, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert total(net, "fwd.redirects_sent") == sent + 1
    route = route_get(net, "2001:db8:1::3")
    # Target == destination: on-link now (RFC 4861 8.3), no gateway.
    assert route.startswith("2001:db8:1::3 ") and "via" not in route and "dev lk" in route, route
    fwd = total(net, "fwd.forwarded")
    r = net.ping(0, "2001:db8:1::3", count=2, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert total(net, "fwd.forwarded") == fwd
