"""802.1Q VLAN NICs with kernel peers (docs/protocols.md, "VLANs"): dpstack on net_tap ports,
the kernel end of lan0's TAP in a namespace with a Linux VLAN interface on it (`ip link add
link TAP name vl100 type vlan id 100`). The Linux VLAN interface pings dpstack's VLAN address
(ARP and ICMP both tagged), is routed by dpstack to a host on the other port and back, while
the untagged address of the same TAP keeps working.

A kernel built without 802.1Q (`ip link add ... type vlan` answers "Unknown device type": no
8021q module, as on this project's CI machine) gets the same Linux interface with the tagging
done beside it: a veth pair in the namespace, the kernel's end `vl100` addressed as above, and
a small AF_PACKET relay (VLAN_SHIM) between the veth's other end and the TAP that puts tag 100
on what the kernel sends and forwards to it only what arrives tagged 100. Everything above
802.1Q (ARP, ICMP, neighbour state, routes) is still the Linux kernel's.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_vlan_tap.py
"""

import dpstack_harness as h

CONFIG = h.tap_config(more="""\
[nic lan0v100]
port = net_tap0
vlan = 100
address = 10.100.0.1/24
address = 2001:db8:100::1/64
""")
counter = h.stats_counter


VLAN_SHIM = r"""
import select, socket, struct, sys
tap, peer, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
def sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
    s.bind((ifname, 0))
    s.setsockopt(263, 8, 1)  # SOL_PACKET, PACKET_AUXDATA: a tag the kernel took off
    return s
t, p = sock(tap), sock(peer)
print("ready", flush=True)
while True:
    for s in select.select([t, p], [], [])[0]:
        data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(32))
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        tci = None
        for level, kind, d in anc:
            if level == 263 and kind == 8 and len(d) >= 20:
                st, _, _, _, _, vtci, _ = struct.unpack("IIIHHHH", d[:20])
                if st & 0x10:  # TP_STATUS_VLAN_VALID
                    tci = vtci
        if s is t:
            if tci is None and data[12:14] == b"\x81\x00":
                tci, data = int.from_bytes(data[14:16], "big"), data[:12] + data[16:]
            if tci is not None and tci & 0xfff == vid:
                p.send(data)
        else:
            t.send(data[:12] + b"\x81\x00" + vid.to_bytes(2, "big") + data[12:])
"""


def add_vlan_iface(net, name, vid):
    """A Linux VLAN interface NAME of id VID on ns[0]'s TAP: the kernel's own (8021q), else the
    veth + VLAN_SHIM stand-in (module docstring). Returns the shim's process or None."""
    tap = net.ifaces[0]
    r = net.ns_exec(0, ["ip", "link", "add", "link", tap, "name", name, "type", "vlan", "id",
                        str(vid)])
    if r.returncode == 0:
        return None
    assert "Unknown device type" in r.stderr, r.stderr
    net.ns_ip(0, ["link", "add", name, "type", "veth", "peer", "name", name + "p"],
              ["link", "set", name + "p", "up"])
    shim = net.ns_popen(0, ["/usr/bin/python3", "-c", VLAN_SHIM, tap, name + "p", str(vid)],
                        text=True)
    net.shims = getattr(net, "shims", []) + [shim]
    assert shim.stdout.readline().strip() == "ready"
    return shim


def stop_shims(net):
    for shim in getattr(net, "shims", []):
        shim.kill()
        shim.wait()


def vlan_net(tap_net):
    net = tap_net(CONFIG)
    add_vlan_iface(net, "vl100", 100)
    net.ns_ip(0, ["addr", "add", "10.100.0.2/24", "dev", "vl100"],
              ["-6", "addr", "add", "2001:db8:100::2/64", "dev", "vl100", "nodad"],
              ["link", "set", "vl100", "up"],
              # The other port's subnet through dpstack's VLAN address, not the untagged one.
              ["route", "add", "198.51.100.0/24", "via", "10.100.0.1", "dev", "vl100"],
              ["-6", "route", "add", "2001:db8:2::/64", "via", "2001:db8:100::1", "dev",
               "vl100"])
    # ns[1] reaches 10.100.0.0/24 by its default route, via dpstack (198.51.100.1).
    return net


def test_linux_vlan_interface_pings_the_vlan_address_and_is_routed(tap_net):
    net = vlan_net(tap_net)
    try:
        routed_and_answered(net)
    finally:
        stop_shims(net)


def routed_and_answered(net):
    r = net.ping(0, "10.100.0.1", count=3, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    # The kernel learnt dpstack's MAC on vl100 (the ARP exchange went tagged both ways).
    r = net.ns_exec(0, ["ip", "neigh", "show", "10.100.0.1", "dev", "vl100"])
    assert "lladdr" in r.stdout, r.stdout
    st = net.dp.stats("lan0v100")
    assert counter(st, "icmp.echo_replies_sent") >= 3
    assert counter(st, "arp.replies_sent") + counter(st, "arp.requests_sent") >= 1

    # Routed: tagged in on lan0v100, untagged out of lan1 and back (ns[1] sees 10.100.0.2).
    r = net.ping(0, "198.51.100.2", count=3, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 received" in r.stdout
    st = net.dp.stats()
    assert counter(st, "fwd.forwarded") >= 6
    st = net.dp.stats("lan0v100")
    assert counter(st, "fwd.forwarded") >= 3  # requests in from the VLAN
    assert counter(st, "tx.packets") >= 6     # echo replies and forwarded replies, tagged

    # The untagged address of the same TAP stays lan0's.
    r = net.ping(0, "192.0.2.1", count=2, wait=3)
    assert r.returncode == 0, r.stdout + r.stderr
    assert counter(net.dp.stats("lan0"), "icmp.echo_replies_sent") >= 2
    assert counter(net.dp.stats(), "eth.vlan_unknown") == 0


def test_linux_vlan_interface_ipv6_ping_and_route(tap_net):
    net = vlan_net(tap_net)
    try:
        r = net.ping(0, "2001:db8:100::1", count=3, wait=3)
        assert r.returncode == 0, r.stdout + r.stderr
        r = net.ping(0, "2001:db8:2::2", count=3, wait=3)
        assert r.returncode == 0, r.stdout + r.stderr
        assert counter(net.dp.stats("lan0v100"), "icmp6.echo_replies_sent") >= 3
    finally:
        stop_shims(net)


def test_unknown_vlan_from_linux_is_counted_and_dropped(tap_net):
    net = vlan_net(tap_net)
    try:
        add_vlan_iface(net, "vl200", 200)
        net.ns_ip(0, ["addr", "add", "10.200.0.2/24", "dev", "vl200"],
                  ["link", "set", "vl200", "up"])
        r = net.ping(0, "10.200.0.1", count=2, wait=1)
        assert r.returncode != 0
        # The ARP requests for 10.200.0.1, tagged 200: no NIC of the port is VLAN 200.
        assert counter(net.dp.stats("lan0"), "eth.vlan_unknown") >= 2
    finally:
        stop_shims(net)
