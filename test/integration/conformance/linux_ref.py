#!/usr/bin/python3
"""Record how Linux answers every conformance case (run as root; about 10 s).

Builds the router of net.py in network namespaces: a namespace R with two veth links (the
same MACs, addresses, MTUs, routes and static neighbours as dpstack's config, ip_forward=1,
IPv6 forwarding on, link-local addresses from the MACs, no DAD, ICMP rate limits off so
every case gets its error; route errors (no route) share a per-source token bucket with the
ICMP errors that net.ipv4.route.error_cost sets for the whole machine, so a case marked
linux_wait waits for it to refill), a UDP echo service on port 7 in R, and the two peer ends in
namespaces W0 and W1 without addresses, where wire.py writes each case's frames and reads
the replies: the same bytes, the same engine as test_conformance.py. Writes
linux_results.json: per case the frames sent and the frames Linux sent back (hex, per port),
whether they agree with the case's expectation (cases.py, compared field by field without
the case's linux_ignore fields) and how they differ. test_conformance.py re-judges the
recorded frames against the current expectations on every run, without root.

usage: sudo /usr/bin/python3 test/integration/conformance/linux_ref.py [-o FILE] [-k SUBSTR]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance import net, wire  # noqa: E402
from conformance.cases import CASES, linux_frames  # noqa: E402

HERE = Path(__file__).resolve().parent

ECHO_SERVER = textwrap.dedent(f"""
    # RFC 862 echo, replying from the address each datagram was sent to (IP_PKTINFO), as
    # dpstack's does; from the kernel's choice when that is a broadcast or multicast address.
    import ipaddress, select, socket, struct
    IP_PKTINFO = 8  # <linux/in.h>; Python 3.11 does not name it
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s4.bind(("0.0.0.0", {net.ECHO_PORT}))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    s6.bind(("::", {net.ECHO_PORT}))
    print("ready", flush=True)
    while True:
        for s in select.select([s4, s6], [], [])[0]:
            data, anc, _, peer = s.recvmsg(65535, 256)
            out = []
            for level, kind, c in anc:
                if s is s4 and kind == IP_PKTINFO:
                    dst = ipaddress.IPv4Address(c[8:12])
                    if not dst.is_multicast and str(dst) not in {list(net.BCAST4) + ["255.255.255.255"]!r}:
                        out = [(socket.IPPROTO_IP, IP_PKTINFO,
                                struct.pack("I4s4s", 0, c[8:12], b"\\0" * 4))]
                if s is s6 and kind == socket.IPV6_PKTINFO:
                    if c[0] != 0xff:
                        out = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, c[:16] + b"\\0" * 4)]
            try:
                s.sendmsg([data], out, 0, peer)
            except OSError:
                pass
""")

def run(*cmd, check=True):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: {r.stderr.strip()}")
    return r


class LinuxRouter:
    def __init__(self):
        tag = f"dpsc-{os.getpid()}"
        self.r, self.w = f"{tag}-r", [f"{tag}-w0", f"{tag}-w1"]
        self.echo = None

    def up(self):
        for ns in [self.r] + self.w:
            run("ip", "netns", "del", ns, check=False)
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        sysctl = ["ip", "netns", "exec", self.r, "sysctl", "-qw"]
        run(*sysctl, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
            "net.ipv6.conf.default.forwarding=1",
            "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0",
            "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
            "net.ipv4.icmp_msgs_per_sec=100000", "net.ipv4.icmp_msgs_burst=100000",
            "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
            "net.ipv4.ipfrag_time=1", "net.ipv6.ip6frag_time=1")
        for w in self.w:
            run("ip", "netns", "exec", w, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1")
        for i in range(2):
            r, w = f"r{i}", f"w{i}"
            run("ip", "link", "add", r, "address", net.US_MAC[i], "mtu", net.MTU[i],
                "netns", self.r, "type", "veth", "peer", "name", w, "address",
                net.PEER_MAC[i], "mtu", 1500, "netns", self.w[i])
            rn = ["ip", "-n", self.r]
            run(*rn, "addr", "add", f"{net.US4[i]}/24", "dev", r)
            run(*rn, "-6", "addr", "add", f"{net.US6[i]}/64", "dev", r, "nodad")
            run(*rn, "link", "set", r, "up")
            run("ip", "-n", self.w[i], "link", "set", w, "promisc", "on", "up")
            run(*rn, "neigh", "replace", net.PEER4[i], "lladdr", net.PEER_MAC[i], "dev", r,
                "nud", "permanent")
            run(*rn, "-6", "neigh", "replace", net.PEER6[i], "lladdr", net.PEER_MAC[i], "dev",
                r, "nud", "permanent")
        run("ip", "-n", self.r, "addr", "add", f"{net.SECOND4}/24", "dev", "r0")
        run("ip", "-n", self.r, "route", "add", "203.0.113.128/25", "via", net.PEER4[1])
        run("ip", "-n", self.r, "-6", "route", "add", "2001:db8:9::/48", "via", net.PEER6[1])
        self.echo = subprocess.Popen(["ip", "netns", "exec", self.r, "/usr/bin/python3", "-c",
                                      ECHO_SERVER], stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        assert self.echo.stdout.readline().strip() == "ready"
        socks = [wire.netns_socket(self.w[i], f"w{i}") for i in range(2)]
        return wire.Wires(socks)

    def forget(self, addr, port):
        run("ip", "-n", self.r, "neigh", "del", addr, "dev", f"r{port}", check=False)

    def down(self):
        if self.echo is not None:
            self.echo.kill()
            self.echo.wait()
        for ns in [self.r] + self.w:
            run("ip", "netns", "del", ns, check=False)


def record(cases, wires, router):
    out = {}
    wires.exchange([])  # links up: let the kernel's first frames (MLD) pass
    time.sleep(0.5)
    wires.drain()
    for c in cases:
        if c.linux_wait:
            time.sleep(c.linux_wait)
        stray = wires.drain()
        got = wires.exchange(c.frames, [len(x) for x in c.expected], c.respond)
        time.sleep(0.01 + 2 * c.settle)  # Linux's reassembly timer: 1 s, coarse
        for p, frames in enumerate(wires.drain()):
            got[p].extend(frames)
        for addr, port in c.forget:
            router.forget(addr, port)
        diff = wire.compare(c.expected, linux_frames(c, got), ignore=c.linux_ignore)
        out[c.name] = {
            "rfc": c.rfc,
            "sent": [[p, f.hex()] for p, f in c.frames],
            "frames": [[f.hex() for f in got[p]] for p in range(2)],
            "agree": not diff,
            "diff": diff,
        }
        if any(stray):
            out[c.name]["stray_before"] = [[f.hex() for f in s] for s in stray]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=str(HERE / "linux_results.json"))
    ap.add_argument("-k", help="only the cases whose name contains this (prints, writes nothing)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("linux_ref.py: needs root (network namespaces)")
    cases = [c for c in CASES if not args.k or args.k in c.name]
    router = LinuxRouter()
    try:
        wires = router.up()
        t = time.monotonic()
        results = record(cases, wires, router)
        secs = time.monotonic() - t
        wires.close()
    finally:
        router.down()
    agree = sum(r["agree"] for r in results.values())
    for name, r in results.items():
        if not r["agree"]:
            print(f"{name}: " + " | ".join(r["diff"]))
    print(f"Linux {platform.release()}: {agree}/{len(results)} cases agree ({secs:.1f} s)")
    if args.k:
        return
    doc = {"kernel": platform.release(),
           "recorded": time.strftime("%Y-%m-%d", time.gmtime()),
           "agree": agree, "cases": results}
    Path(args.output).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
