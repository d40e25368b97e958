"""The conformance engine: write a case's frames onto the wires, read what the router sends.

A wire is an AF_PACKET socket on the peer end of one router link, opened inside the peer's
network namespace (setns(2) for the duration of socket()). The same engine drives dpstack
(net_tap ports, test_conformance.py) and the Linux reference router (veth pairs,
linux_ref.py), so both see byte-identical input.

End of a case: after the case's frames, one ICMP echo request (the marker) goes to the
router's own address on each link. The router handles a link's frames in order, so once both
markers are answered every direct reply to the case is on the wire; the engine keeps reading
for SETTLE seconds more, and until the case's expected number of frames has arrived (replies
that wait for the control thread, e.g. a neighbour resolution). The markers' replies are taken
out; their counters are measured once (calibrate) and subtracted from every case's delta.

Comparison (compare()): dpstack's frames must equal the case's expected frames byte for byte
(sorted per port: one burst is classified per protocol, so replies of one burst may leave in
another order). Linux's are compared field by field, skipping the fields the case marks as
the implementation's choice (linux_ignore, e.g. "IP.id"); a layer with a skipped field has
its checksum checked for validity instead of compared.
"""

import ctypes
import os
import select
import socket
import struct
import time

from scapy.all import ICMP, IP, Ether, Padding, Raw  # noqa: F401
from scapy.layers.inet6 import IPv6

from . import net

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 1 << 3
MARKER_ID = 0xD5D5
MARKER_DATA = b"conformance-marker"
SETTLE = 0.03
_libc = ctypes.CDLL(None, use_errno=True)


class WireError(Exception):
    pass


def netns_socket(ns_name: str, iface: str) -> socket.socket:
    """A non-blocking AF_PACKET socket bound to IFACE inside network namespace NS_NAME."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/var/run/netns/{ns_name}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns_name}")
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((iface, 0))
        finally:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(home)
        os.close(target)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)  # tells which checksums are not done yet
    s.setblocking(False)
    return s


def complete_checksum(frame: bytes) -> bytes:
    """A frame a veth passed on with its transport checksum still to be done by the NIC
    (CHECKSUM_PARTIAL: the field holds only the pseudo-header sum): the checksum the NIC
    would have written. Only the Linux router's frames are ever in this state."""
    p = Ether(frame)
    layer = p
    while layer:
        if type(layer).__name__ in ("UDP", "TCP") or type(layer).__name__.startswith("ICMPv6"):
            setattr(layer, "chksum" if hasattr(layer, "chksum") else "cksum", None)
            return bytes(p)
        layer = layer.payload
    return frame


def marker(port: int, seq: int) -> bytes:
    return bytes(Ether(src=net.PEER_MAC[port], dst=net.US_MAC[port]) /
                 IP(src=net.PEER4[port], dst=net.US4[port]) /
                 ICMP(type=8, id=MARKER_ID, seq=seq) / MARKER_DATA)


def is_marker_reply(port: int, frame: bytes, seq: int) -> bool:
    p = Ether(frame)
    return (ICMP in p and p[ICMP].type == 0 and p[ICMP].id == MARKER_ID and
            p[ICMP].seq == seq and p[IP].src == net.US4[port])


def is_noise(frame: bytes) -> bool:
    """Frames a router sends by itself, unasked: MLD reports for the groups it joined (and
    their repeats), IGMP reports."""
    p = Ether(frame)
    if IP in p and p[IP].proto == 2:
        return True
    if IPv6 in p:
        nh = bytes(p[IPv6])
        # ICMPv6 right after a Hop-by-Hop header (MLD carries Router Alert): types 130-143
        if len(nh) > 48 and nh[6] == 0 and nh[40] == 58 and nh[48] in (130, 131, 132, 143):
            return True
    return False


class Wires:
    """The peer ends of the router's links, one socket per port."""

    def __init__(self, socks):
        self.socks = list(socks)
        self.seq = 0

    def close(self):
        for s in self.socks:
            s.close()

    def _read(self, port: int):
        out = []
        s = self.socks[port]
        while True:
            try:
                data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(32))
            except BlockingIOError:
                return out
            if addr[2] == PACKET_OUTGOING:
                continue
            for level, kind, cdata in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and \
                        struct.unpack_from("I", cdata)[0] & TP_STATUS_CSUMNOTREADY:
                    data = complete_checksum(data)
            out.append(data)

    def drain(self):
        """Frames already waiting (none, between cases)."""
        return [[f for f in self._read(p) if not is_noise(f)] for p in range(len(self.socks))]

    def exchange(self, sends, expect_counts=(0, 0), respond=None, timeout=3.0):
        """Send SENDS [(port, bytes)], then the markers; return per port the frames the
        router sent (markers' replies removed). Waits for both markers' replies, for
        EXPECT_COUNTS frames per port, and SETTLE s more. RESPOND(port, bytes) -> [(port,
        bytes)] answers frames as they arrive (a neighbour that replies to resolution)."""
        self.seq = (self.seq + 1) & 0xFFFF
        seq = self.seq
        for port, frame in sends:
            self.socks[port].send(frame)
        for port in range(len(self.socks)):
            self.socks[port].send(marker(port, seq))
        got = [[] for _ in self.socks]
        seen = [False] * len(self.socks)
        deadline = time.monotonic() + timeout
        done_at = None
        while True:
            now = time.monotonic()
            if done_at is None and all(seen) and all(
                    len(got[p]) >= expect_counts[p] for p in range(len(got))):
                done_at = now + SETTLE
            end = done_at if done_at is not None else deadline
            if now >= end:
                break
            r, _, _ = select.select(self.socks, [], [], end - now)
            for s in r:
                port = self.socks.index(s)
                for f in self._read(port):
                    if is_marker_reply(port, f, seq) and not seen[port]:
                        seen[port] = True
                        continue
                    if is_noise(f):
                        continue
                    got[port].append(f)
                    if respond is not None:
                        for rp, rf in respond(port, f) or ():
                            self.socks[rp].send(rf)
        if not all(seen):
            raise WireError(f"marker {seq} not answered on ports "
                            f"{[p for p in range(len(seen)) if not seen[p]]} within {timeout} s"
                            " (is the router alive?)")
        return got


# --- comparison ----------------------------------------------------------------------------

CKSUM_FIELDS = ("chksum", "cksum")


def _cksum_ok(frame: bytes) -> bool:
    """Every checksum in FRAME is what scapy computes for the rest of it."""
    q = Ether(frame)
    layer = q
    # The outer headers only: a quoted packet inside an ICMP error (IPerror, UDPerror...)
    # is the original as received, checksums and all.
    while layer and not isinstance(layer, (Raw, Padding)) and "error" not in type(layer).__name__:
        for f in CKSUM_FIELDS:
            if f in layer.fields:
                setattr(layer, f, None)
        if isinstance(layer, IP) and (layer.flags.MF or layer.frag):
            break  # a fragment: the transport checksum covers the whole datagram
        layer = layer.payload
    return bytes(q) == frame


def field_diff(expected: bytes, actual: bytes, ignore=()) -> list:
    """Differences between two frames, layer by layer: ["IP.ttl: 64 != 63", ...]. IGNORE
    names fields ("IP.id") not compared; a layer with an ignored field gets its checksum
    validated rather than compared."""
    e, a = Ether(expected), Ether(actual)
    diffs = []
    ign = set(ignore)
    depth = 0
    upper_cksum = True  # an ignored address changes every checksum above it
    while e is not None and a is not None:
        if type(e) is not type(a):
            diffs.append(f"layer {depth}: {e.name} != {a.name}")
            return diffs
        if isinstance(e, (Raw, Padding)):
            if bytes(e) != bytes(a):
                diffs.append(f"{e.name}: {bytes(e)[:16].hex()}... ({len(bytes(e))} B) != "
                             f"{bytes(a)[:16].hex()}... ({len(bytes(a))} B)")
            return diffs
        name = e.name if e.name else type(e).__name__
        cls = type(e).__name__
        layer_ign = {k.split(".", 1)[1] for k in ign if k.split(".", 1)[0] in (cls, name)}
        for f in e.fields_desc:
            if f.name in layer_ign:
                continue
            if f.name in CKSUM_FIELDS and (layer_ign or not upper_cksum):
                continue
            ev, av = getattr(e, f.name), getattr(a, f.name)
            if ev != av:
                diffs.append(f"{cls}.{f.name}: {ev!r} != {av!r}")
        if layer_ign & {"src", "dst"}:
            upper_cksum = False
        e = e.payload if e.payload else None
        a = a.payload if a.payload else None
        depth += 1
    if (e is None) != (a is None):
        diffs.append(f"length: expected {len(expected)} B, got {len(actual)} B")
    return diffs


def compare(expected, actual, ignore=None) -> list:
    """What is wrong with ACTUAL (per port list of frames) against EXPECTED (per port list of
    bytes). IGNORE None: byte-exact (dpstack); else field by field without those fields and
    every checksum valid (Linux). Returns human-readable problems (empty: agreed)."""
    problems = []
    for port in range(len(expected)):
        exp = sorted(expected[port])
        act = sorted(actual[port])
        if ignore is None:
            if exp == act:
                continue
            if len(exp) != len(act):
                problems.append(f"port {port}: {len(act)} frames, expected {len(exp)}")
            for f in act:
                if f not in exp:
                    problems.append(f"port {port}: unexpected {Ether(f).summary()}")
                    best = min(exp, key=lambda x: len(field_diff(x, f)), default=None)
                    if best is not None:
                        problems.extend(f"    {d}" for d in field_diff(best, f))
            for f in exp:
                if f not in act:
                    problems.append(f"port {port}: missing {Ether(f).summary()}")
            continue
        if len(exp) != len(act):
            problems.append(f"port {port}: {len(act)} frames, expected {len(exp)}: " +
                            "; ".join(Ether(f).summary() for f in act))
            continue
        left = list(act)
        for f in exp:
            best = min(left, key=lambda x: len(field_diff(f, x, ignore)))
            d = field_diff(f, best, ignore)
            if not _cksum_ok(best):
                d.append("a checksum is wrong")
            left.remove(best)
            problems.extend(f"port {port}: {x}" for x in d)
    return problems
