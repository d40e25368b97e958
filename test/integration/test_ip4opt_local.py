"""IPv4 options of datagrams addressed to dpstack itself, over net_pcap, byte for byte (RFC 791
3.1, RFC 1122 3.2.1.8 and 3.2.2.5, RFC 1812 4.3.3.5): every option is checked as the forwarder
checks it; a malformed one drops the datagram with ICMP Parameter Problem code 0 whose pointer
is the faulty octet (`ipv4.bad_option`), whatever the transport (echo, UDP, TCP); valid
options reach the echo reply, Record Route and Timestamp filled. Every expected frame is built
here from the RFCs with scapy; the harness checks at exit that every mbuf went back to the pool.

The Linux comparison at the end (root and `ip netns` only) feeds the same frames to Linux in a
namespace and checks where it agrees, and that it still differs only where docs/protocols.md
says it does.

Run: DPS_BUILD=build /usr/bin/python3 -m pytest -v test/integration/test_ip4opt_local.py
"""

import os
import socket
import subprocess
import time

import pytest

import dpstack_harness as h
from ip4opt_cases import BAD_OPTIONS

scapy = pytest.importorskip("scapy.all")
from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw  # noqa: E402

US_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
US4, PEER4 = "192.0.2.1", "192.0.2.2"

CONFIG = f"""\
[nic lan0]
port = net_pcap0
mac = {US_MAC}
address = {US4}/24

[neighbors]
{PEER4} = {PEER_MAC} lan0

[udp]
echo = 7
"""


def counter(res, name):
    """A counter from the last `show stats` (stack-wide value: the largest one listed)."""
    vals = h.counter_values(res.stats, name) if res.stats is not None else []
    return max(vals) if vals else 0


def run(pcap_dpstack, pkts, cfg=CONFIG):
    res = pcap_dpstack(cfg, list(pkts))
    assert res.returncode == 0, res.stderr
    return res


def data(n):
    return bytes((i * 29 + 3) & 0xff for i in range(n))


def ip_cksum(b):
    if len(b) % 2:
        b = bytes(b) + b"\0"
    s = 0
    for i in range(0, len(b), 2):
        s += (b[i] << 8) | b[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def with_options(l4, opts, dst=US4, ip_id=41, dmac=US_MAC, frag=0):
    """A frame from the peer to dst whose header carries the raw option bytes opts (a multiple
    of 4 long), l4 (scapy, checksummed as if there were no options: the pseudo-header does
    not include them) after it. Built as bytes, never dissected again: scapy cannot parse
    some of the malformed options."""
    assert len(opts) % 4 == 0
    pkt = Ether(src=PEER_MAC, dst=dmac) / IP(src=PEER4, dst=dst, id=ip_id) / l4
    raw = bytearray(bytes(pkt))
    raw[14] = 0x45 + len(opts) // 4
    raw[14 + 20:14 + 20] = opts
    raw[14 + 2:14 + 4] = (len(raw) - 14).to_bytes(2, "big")
    raw[14 + 6:14 + 8] = frag.to_bytes(2, "big")
    raw[14 + 10:14 + 12] = b"\0\0"
    raw[14 + 10:14 + 12] = ip_cksum(raw[14:14 + 20 + len(opts)]).to_bytes(2, "big")
    return Raw(bytes(raw))


def ping(seq=1, n=24):
    return ICMP(type=8, id=0x77, seq=seq) / Raw(data(n))


def ip_of(pkt):
    return bytes(pkt)[14:]


def param_problem(req, ptr):
    """RFC 792 / RFC 1122 3.2.2.5: Parameter Problem code 0, the pointer in the octet after
    the checksum, from the address the datagram was sent to, precedence 6 (RFC 1812 4.3.2.5),
    DF, ID 0, TTL 64, the datagram quoted whole (it is below 576 bytes)."""
    return bytes(Ether(src=US_MAC, dst=PEER_MAC) /
                 IP(src=US4, dst=PEER4, ttl=64, id=0, flags="DF", tos=0xc0) /
                 ICMP(type=12, code=0, ptr=ptr) / ip_of(req))


def echo_reply(req, opts):
    """RFC 792 / RFC 1122 3.2.2.6: the reply to req with the options opts as the replier sets
    them: addresses swapped, TTL 64, type 0, both checksums recomputed, the rest in place."""
    ip = bytearray(ip_of(req))
    hlen = (ip[0] & 15) * 4
    assert len(opts) == hlen - 20
    ip[20:hlen] = opts
    ip[8] = 64
    ip[12:16], ip[16:20] = ip[16:20], ip[12:16]
    ip[10:12] = b"\0\0"
    ip[10:12] = ip_cksum(ip[:hlen]).to_bytes(2, "big")
    icmp = bytearray(ip[hlen:])
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = ip_cksum(icmp).to_bytes(2, "big")
    return bytes(Ether(src=US_MAC, dst=PEER_MAC, type=0x0800)) + bytes(ip[:hlen]) + bytes(icmp)


def ip_frames(res):
    return [bytes(p) for p in res.outputs[0] if p.haslayer(IP)]


BAD_IDS = [c[0] for c in BAD_OPTIONS]


@pytest.mark.parametrize("case", BAD_OPTIONS, ids=BAD_IDS)
def test_echo_with_malformed_option_gets_parameter_problem_at_the_fault(pcap_dpstack, case):
    name, opts, ptr = case
    req = with_options(ping(), opts)
    res = run(pcap_dpstack, [req])
    assert ip_frames(res) == [param_problem(req, ptr)], name
    assert counter(res, "ipv4.bad_option") == 1
    assert counter(res, "malformed_rcvd") == 1
    assert counter(res, "icmp.errors_sent") == 1
    assert counter(res, "icmp.echo_requests_received") == 0
    assert counter(res, "icmp.echo_replies_sent") == 0
    assert counter(res, "fwd.bad_option") == 0


def test_udp_to_a_closed_port_with_a_malformed_option_gets_parameter_problem(pcap_dpstack):
    bad = with_options(UDP(sport=4000, dport=9999) / Raw(data(12)), b"\x44\x08\x05\x02\0\0\0\0")
    # The same datagram with valid options: port unreachable as without options.
    good = with_options(UDP(sport=4000, dport=9999) / Raw(data(12)), b"\x01\x01\x01\x00", ip_id=42)
    res = run(pcap_dpstack, [bad, good])
    unreach = bytes(Ether(src=US_MAC, dst=PEER_MAC) /
                    IP(src=US4, dst=PEER4, ttl=64, id=0, flags="DF", tos=0xc0) /
                    ICMP(type=3, code=3) / ip_of(good))
    assert ip_frames(res) == [param_problem(bad, 23), unreach]
    assert counter(res, "ipv4.bad_option") == 1
    assert counter(res, "udp.unknown_port_errors") == 1


def test_udp_echo_and_tcp_syn_with_a_malformed_option_get_only_parameter_problem(pcap_dpstack):
    opts = b"\x07\x07\x03" + b"\0" * 4 + b"\x00"
    echo = with_options(UDP(sport=4000, dport=7) / Raw(data(12)), opts)
    syn = with_options(TCP(sport=4001, dport=80, flags="S", seq=1000), opts, ip_id=43)
    res = run(pcap_dpstack, [echo, syn])
    assert ip_frames(res) == [param_problem(echo, 22), param_problem(syn, 22)]
    assert counter(res, "ipv4.bad_option") == 2
    assert counter(res, "udp.echoed") == 0
    assert counter(res, "tcp.resets_sent") == 0


def test_malformed_option_no_error_to_broadcast_multicast_about_an_error_or_a_fragment(
        pcap_dpstack):
    # RFC 1122 3.2.2: dropped and counted, but no error about a datagram to a broadcast or
    # multicast address, about an ICMP error, or about a fragment other than the first.
    opts = b"\x1e\x00\x00\x00"
    udp = UDP(sport=4000, dport=9999) / Raw(data(12))
    err = ICMP(type=3, code=3) / bytes(IP(src=US4, dst=PEER4) / UDP(sport=1, dport=2))
    pkts = [
        with_options(udp, opts, dst="255.255.255.255", dmac="ff:ff:ff:ff:ff:ff"),
        with_options(udp, opts, dst="192.0.2.255", ip_id=51),
        with_options(udp, opts, dst="224.0.0.1", ip_id=52, dmac="01:00:5e:00:00:01"),
        with_options(err, opts, ip_id=53),
        with_options(Raw(data(24)), opts, ip_id=54, frag=3),  # offset 24, last fragment
    ]
    res = run(pcap_dpstack, pkts)
    assert ip_frames(res) == []
    assert counter(res, "ipv4.bad_option") == len(pkts)
    assert counter(res, "icmp.errors_sent") == 0
    assert counter(res, "icmp.errors_received") == 0
    assert counter(res, "ipv4.fragments_received") == 0


# (name, option bytes of the request, option bytes of the reply)
GOOD_OPTIONS = [
    # RFC 791: the address the request was sent to, where the pointer is; pointer + 4.
    ("rr_with_room", b"\x07\x0b\x04" + b"\0" * 8 + b"\x00",
     b"\x07\x0b\x08" + bytes([192, 0, 2, 1]) + b"\0" * 4 + b"\x00"),
    # RFC 791: a full Record Route is no error: passed unchanged.
    ("rr_full", b"\x07\x07\x08\x0a\x01\x02\x03\x00", b"\x07\x07\x08\x0a\x01\x02\x03\x00"),
    ("rr_no_slot", b"\x07\x03\x04\x00", b"\x07\x03\x04\x00"),
    # RFC 791: a full Timestamp counts this module in its overflow; 14 -> 15 is no error.
    ("ts_full_overflow_14", b"\x44\x08\x09\xe0\x01\x02\x03\x04",
     b"\x44\x08\x09\xf0\x01\x02\x03\x04"),
    # Flag 3 with another address at the pointer: not ours to fill.
    ("ts_flag3_other_address", b"\x44\x0c\x05\x03" + bytes([10, 9, 9, 9]) + b"\0" * 4,
     b"\x44\x0c\x05\x03" + bytes([10, 9, 9, 9]) + b"\0" * 4),
    # RFC 2113 Router Alert and an unknown option: passed (RFC 1122 3.2.1.8: ignored).
    ("router_alert", b"\x94\x04\x00\x00", b"\x94\x04\x00\x00"),
    ("unknown_option", b"\x9e\x06\x01\x02\x03\x04\x01\x00", b"\x9e\x06\x01\x02\x03\x04\x01\x00"),
    ("nop_eol_then_garbage", b"\x01\x00\x1e\x00", b"\x01\x00\x1e\x00"),
]


@pytest.mark.parametrize("case", GOOD_OPTIONS, ids=[c[0] for c in GOOD_OPTIONS])
def test_echo_with_valid_options_is_answered_with_them(pcap_dpstack, case):
    name, opts, want = case
    req = with_options(ping(), opts)
    res = run(pcap_dpstack, [req])
    assert ip_frames(res) == [echo_reply(req, want)], name
    assert counter(res, "ipv4.bad_option") == 0
    assert counter(res, "icmp.echo_replies_sent") == 1


def test_echo_timestamp_gets_address_and_time(pcap_dpstack):
    req = with_options(ping(), b"\x44\x0c\x05\x01" + b"\0" * 8)
    res = run(pcap_dpstack, [req])
    out = ip_frames(res)
    assert len(out) == 1
    o = out[0][14:]
    assert o[20:28] == b"\x44\x0c\x0d\x01" + bytes([192, 0, 2, 1])
    assert int.from_bytes(o[28:32], "big") < 86400000   # ms since midnight UT (RFC 791)
    assert out[0] == echo_reply(req, o[20:32])


def test_source_routes_for_us_keep_their_behaviour(pcap_dpstack):
    # A route not complete, source_route off (the default): refused as before
    # (fwd.source_route), not a bad option; a completed one is answered, the route reversed.
    pending = with_options(ping(1), b"\x83\x07\x04" + bytes([198, 51, 100, 9]) + b"\x00")
    done = with_options(ping(2), b"\x83\x07\x08" + bytes([192, 0, 2, 3]) + b"\x00", ip_id=44)
    res = run(pcap_dpstack, [pending, done])
    # RFC 1122 3.2.1.8: received {G1 >>} from S: the reply goes to G1 with {>> S}.
    want = bytearray(echo_reply(done, b"\x83\x07\x04" + bytes([192, 0, 2, 2]) + b"\x00"))
    ip = want[14:]
    ip[16:20] = bytes([192, 0, 2, 3])
    ip[10:12] = b"\0\0"
    ip[10:12] = ip_cksum(ip[:28]).to_bytes(2, "big")
    want[14:] = ip
    assert ip_frames(res) == [bytes(want)]
    assert counter(res, "fwd.source_route") == 1
    assert counter(res, "ipv4.bad_option") == 0


# --------------------------------------------------------------------- against Linux

# Where Linux (ip_options_compile, net/ipv4/ip_options.c) answers a frame differently from
# RFC 791 as dpstack reads it; docs/protocols.md ("IPv4 options of packets for us") lists the
# same. None: Linux answers the echo. A number: its Parameter Problem pointer.
LINUX_DIFFERS = {
    "length0": 20,                  # Linux points at the option's type octet, not its length
    "length1": 20,
    "length_past_header": 20,
    "rr_length_not_3_plus_4n": 22,  # no check of the length: the pointer is blamed
    "ts_flag1_length_not_4_plus_8n": 22,
    "rr_pointer_unaligned": "drop",  # accepted, then no reply (the echo's options fail)
    "ts_pointer_unaligned": "drop",
    "ssrr_pointer_unaligned": "drop",  # accepted, then dropped: accept_source_route 0
    "rr_pointer_past_full": None,   # a pointer beyond length + 1 is taken as full
    "ts_bad_flag": None,            # an unknown flag is only refused on sending
}


def _sh(*cmd, ns=None, check=True):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=10)


@pytest.fixture
def linux_peer():
    """Linux as the host 192.0.2.1 (US_MAC) in a namespace; returns send(frame) -> the IPv4
    frames it answered with, read on the other end of the veth (no address, IPv6 off)."""
    reason = h.netns_available()
    if reason:
        pytest.skip(reason)
    tag = f"{os.getpid() % 100000}"
    ns, a, b = f"h-opts4-{tag}", f"h4o{tag}a", f"h4o{tag}b"
    _sh("ip", "netns", "add", ns)
    sock = None
    try:
        _sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        _sh("ip", "link", "set", b, "netns", ns)
        _sh("sysctl", "-qw", f"net.ipv6.conf.{a}.disable_ipv6=1")
        _sh("ip", "link", "set", a, "address", PEER_MAC, "up")
        for k in ("net.ipv4.icmp_ratelimit=0", "net.ipv6.conf.all.disable_ipv6=1",
                  "net.ipv4.icmp_echo_ignore_broadcasts=1"):
            _sh("sysctl", "-qw", k, ns=ns)
        _sh("ip", "link", "set", b, "address", US_MAC, "up", ns=ns)
        _sh("ip", "addr", "add", f"{US4}/24", "dev", b, ns=ns)
        _sh("ip", "neigh", "replace", PEER4, "lladdr", PEER_MAC, "dev", b, "nud", "permanent",
            ns=ns)
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        sock.bind((a, 0))
        sock.settimeout(0.3)
        time.sleep(0.2)

        def send(frame):
            while True:  # anything left over
                try:
                    sock.recv(65535)
                except socket.timeout:
                    break
            sock.send(bytes(frame))
            out = []
            end = time.time() + 0.5
            while time.time() < end:
                try:
                    f = sock.recv(65535)
                except socket.timeout:
                    break
                if f[6:12] == bytes.fromhex(US_MAC.replace(":", "")):
                    out.append(f)
            return out

        yield send
    finally:
        if sock is not None:
            sock.close()
        _sh("ip", "link", "del", a, check=False)
        _sh("ip", "netns", "del", ns, check=False)


def _linux_verdict(out):
    """None (echo reply), the Parameter Problem pointer, or "drop"."""
    for f in out:
        ip = f[14:]
        hl = (ip[0] & 15) * 4
        if ip[9] == 1 and ip[hl] == 0:
            return None
        if ip[9] == 1 and ip[hl] == 12 and ip[hl + 1] == 0:
            return ip[hl + 4]
    return "drop"


def test_linux_agrees_except_where_documented(linux_peer):
    seen = {}
    for name, opts, ptr in BAD_OPTIONS:
        seen[name] = (_linux_verdict(linux_peer(with_options(ping(), opts))), ptr)
    for name, opts, _ in GOOD_OPTIONS:
        seen[name] = (_linux_verdict(linux_peer(with_options(ping(), opts))), None)
    wrong = {}
    for name, (linux, ours) in seen.items():
        want = LINUX_DIFFERS.get(name, ours)
        if linux != want:
            wrong[name] = {"linux": linux, "expected of linux": want, "dpstack": ours}
    assert not wrong, f"Linux answered {seen}"
    doc = (h.REPO_ROOT / "docs" / "protocols.md").read_text()
    for name in LINUX_DIFFERS:
        assert f"`{name}`" in doc, f"docs/protocols.md does not list the Linux difference {name}"
