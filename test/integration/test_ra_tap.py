"""Router Advertisements (RFC 4861 6, lib/proto/mcast.c) to a Linux host in a namespace: with
accept_ra=1 it autoconfigures an address from dpstack's prefix (SLAAC, RFC 4862) and pings
the other namespace through dpstack from it.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_ra_tap.py
"""

import time

import dpstack_harness as h

SLAAC = "2001:db8:1::ff:fe00:2"  # EUI-64 of the host's MAC 02:00:00:00:00:02

CONFIG = h.DEFAULT_TAP_CONFIG.replace(
    "address = 2001:db8:1::1/64\n",
    "address = 2001:db8:1::1/64\naddress = fe80::1/64\nra = on\n"
    "ra_prefix = 2001:db8:1::/64\nra_interval = 4\n", 1)


def test_linux_host_autoconfigures_from_ra_and_pings_through(tap_net):
    net = tap_net(CONFIG)
    iface = net.ifaces[0]
    for k, v in (("accept_ra", "1"), ("autoconf", "1"), ("forwarding", "0")):
        net.ns_exec(0, ["sysctl", "-q", "-w", f"net.ipv6.conf.{iface}.{k}={v}"])
    deadline = time.monotonic() + 20
    out = ""
    while time.monotonic() < deadline:
        out = net.ns_exec(0, ["ip", "-6", "addr", "show", "dev", iface]).stdout
        if SLAAC in out and "tentative" not in out.split(SLAAC)[1].split("\n")[0]:
            break
        time.sleep(0.5)
    assert SLAAC in out, out
    assert "dynamic" in out.split(SLAAC)[1].split("\n")[0], out
    # The RA's router: a default route via dpstack's link-local address.
    routes = net.ns_exec(0, ["ip", "-6", "route", "show"]).stdout
    assert "fe80::1" in routes, routes
    r = net.ns_exec(0, ["ping", "-6", "-n", "-c", "2", "-W", "3", "-I", SLAAC,
                        "2001:db8:2::2"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert net.dp.counter("ndp.router_advertisements_sent") >= 1
