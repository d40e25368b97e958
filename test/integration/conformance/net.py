"""The conformance suite's network: one router with two links, as dpstack and as Linux.

    wire 0 (peer 192.0.2.2 / 2001:db8:1::2, 02:00:00:00:00:02)
        |
      lan0  192.0.2.1/24 (and .10)  2001:db8:1::1/64  02:00:00:00:00:01   MTU 1500
    [ router: dpstack, or a Linux network namespace with ip_forward=1 ]
      lan1  198.51.100.1/24  2001:db8:2::1/64  02:00:00:00:01:01   MTU 1400
        |
    wire 1 (peer 198.51.100.2 / 2001:db8:2::2, 02:00:00:00:01:02)

The peers are not hosts: each wire end is an interface without addresses (IPv6 disabled,
so its kernel sends nothing) in a namespace of its own, where the suite writes frames with an
AF_PACKET socket and reads every frame the router sends. The peers' link addresses are static
neighbours on both routers, so nothing but a case's own packets needs resolving. Behind peer 1
is a routed prefix (203.0.113.128/25, 2001:db8:9::/48); 203.0.113.0/25 and 2001:db8:77::/48
have no route. Both routers run a UDP echo service on port 7 (RFC 862). Only documentation
prefixes (RFC 5737, RFC 3849) are used, and no frame leaves the namespaces.
"""

US_MAC = ("02:00:00:00:00:01", "02:00:00:00:01:01")
PEER_MAC = ("02:00:00:00:00:02", "02:00:00:00:01:02")
US4 = ("192.0.2.1", "198.51.100.1")
PEER4 = ("192.0.2.2", "198.51.100.2")
BCAST4 = ("192.0.2.255", "198.51.100.255")
US6 = ("2001:db8:1::1", "2001:db8:2::1")
SECOND4 = "192.0.2.10"                                     # lan0's second IPv4 address
PEER6 = ("2001:db8:1::2", "2001:db8:2::2")
MTU = (1500, 1400)
ROUTED4, ROUTED6 = "203.0.113.130", "2001:db8:9::5"      # via peer 1
NOROUTE4, NOROUTE6 = "203.0.113.7", "2001:db8:77::1"     # no route
BCAST_MAC = "ff:ff:ff:ff:ff:ff"
ECHO_PORT = 7

DPSTACK_CONFIG = f"""\
[stack]
forwarding = on
reassembly_timeout_ms = 500

[nic lan0]
port = net_tap0
mac = {US_MAC[0]}
address = {US4[0]}/24
address = {SECOND4}/24
address = {US6[0]}/64

[nic lan1]
port = net_tap1
mac = {US_MAC[1]}
mtu = {MTU[1]}
address = {US4[1]}/24
address = {US6[1]}/64

[routes]
203.0.113.128/25 = via {PEER4[1]}
2001:db8:9::/48 = via {PEER6[1]}

[neighbors]
{PEER4[0]} = {PEER_MAC[0]} lan0
{PEER6[0]} = {PEER_MAC[0]} lan0
{PEER4[1]} = {PEER_MAC[1]} lan1
{PEER6[1]} = {PEER_MAC[1]} lan1

[udp]
echo = {ECHO_PORT}
"""
