#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Engine of test/perf/run: scenarios, inputs, the programs under test, sampling and tables.

Run it through test/perf/run (which builds dpstack and l3fwd first); `test/perf/run --help`
lists the options. Nothing here asserts a figure: it prints rates and ratios.

Every DPDK process gets --no-pci, its own --file-prefix and --no-huge (or, with --hugepages,
--in-memory): no shared hugepage files. Rates come from /ethdev/stats on each process's DPDK
telemetry socket (/var/run/dpdk/PREFIX/dpdk_telemetry.v2), sampled once per second after a
warm-up; a run's figure is the median of its samples.
"""

import argparse
import csv
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

LAN0_MAC = "02:00:00:00:aa:01"
LAN1_MAC = "02:00:00:00:aa:03"  # the second input port of the "two" layout
SRC_MAC = "02:00:00:00:0a:02"
PEER_MAC = "02:00:00:00:bb:02"
# l3fwd's built-in LPM tables (l3fwd_route.h / lpm_default_v4.cfg): 198.18.N.0/24 and
# 2001:200:0:N::/64 go out of port N. Port 1 is the null port in every layout here, so these
# destinations give dpstack, l3fwd and testpmd the same packets to move.
DST4_NET, DST6_NET = "198.18.1", "2001:200:0:1"
UNKNOWN4, UNKNOWN6 = "203.0.113", "2001:db8:dead"

# name -> description, input, devices, ratios (numerator, denominator device names; "{b}" is
# each dpstack build), layout ("one": pcap0 -> null; "two": pcap0 + pcap1 in, null out).
SCENARIOS = {
    "ipv4-64": dict(desc="IPv4/UDP 64 B forwarded, 1,024 flows to 198.18.1.0/24",
                    pcap=("fwd", 4, 64), dev=["{b}", "l3fwd", "testpmd-io"]),
    "ipv4-512": dict(desc="IPv4/UDP 512 B forwarded, 1,024 flows to 198.18.1.0/24",
                     pcap=("fwd", 4, 512), dev=["{b}", "l3fwd", "testpmd-io"]),
    "ipv6-78": dict(desc="IPv6/UDP 78 B forwarded, 1,024 flows to 2001:200:0:1::/64",
                    pcap=("fwd", 6, 78), dev=["{b}", "l3fwd", "testpmd-io"]),
    "ipv6-512": dict(desc="IPv6/UDP 512 B forwarded, 1,024 flows to 2001:200:0:1::/64",
                     pcap=("fwd", 6, 512), dev=["{b}", "l3fwd", "testpmd-io"]),
    "udpecho4": dict(desc="UDP echo (port 7) of the stack's own IPv4 address, 64 B, "
                     "1,024 flows; replies leave by the pcap port",
                     pcap=("udpecho", 4, 64), dev=["{b}", "testpmd-5tswap"]),
    "icmpecho4": dict(desc="ICMP echo of the stack's own IPv4 address, 64 B, 1,024 ids",
                      pcap=("icmpecho", 4, 64),
                      dev=["{b}", "testpmd-5tswap", "testpmd-macswap"]),
    "udpecho6": dict(desc="UDP echo (port 7) of the stack's own IPv6 address, 78 B",
                     pcap=("udpecho", 6, 78), dev=["{b}", "testpmd-5tswap", "testpmd-macswap"]),
    "icmpecho6": dict(desc="ICMPv6 echo of the stack's own IPv6 address, 78 B",
                      pcap=("icmpecho", 6, 78),
                      dev=["{b}", "testpmd-5tswap", "testpmd-macswap"]),
    "mix": dict(desc="realistic mix: IPv4 64 B / IPv6 78 B forwarded, 1% ARP/NDP for the "
                "stack, 1% unknown destinations, 1% TTL/hop limit 1 (2,000 frames)",
                pcap=("mix", 0, 0), dev=["{b}", "l3fwd", "testpmd-io"]),
    "workers": dict(desc="2 workers vs 1: IPv4 64 B from two pcap ports (one rx queue each) "
                    "to the null port; 2 workers: --lcores 0@0,1@0,2@1 (main lcore sleeps "
                    "on the first worker's core)",
                    pcap=("fwd", 4, 64), layout="two",
                    dev=["{b}-1w", "{b}-2w", "l3fwd-1w", "l3fwd-2w"],
                    ratios=[("{b}-2w", "{b}-1w"), ("{b}-2w", "l3fwd-2w"),
                            ("l3fwd-2w", "l3fwd-1w")]),
    "vlan": dict(desc="IPv4 64 B forwarded: plain config; the same frames with two 802.1Q "
                 "VLAN NICs configured on the input port (-vlan); the frames tagged VID 100 "
                 "to one of them (-tagged, 68 B)",
                 pcap=("fwd", 4, 64), dev=["{b}", "{b}-vlan", "{b}-tagged"],
                 ratios=[("{b}-vlan", "{b}"), ("{b}-tagged", "{b}")]),
    "changes": dict(desc="IPv4 64 B forwarded while ~1,000 address and route changes per "
                    "second (IPv4 and IPv6, add and delete) arrive on the control socket",
                    pcap=("fwd", 4, 64), dev=["{b}", "{b}-changes"],
                    ratios=[("{b}-changes", "{b}")]),
}
SCENARIOS["fulltable"] = dict(
    desc="IPv4 64 B, 1,024 flows spread over a full table (--table V4,V6 routes: /24s and "
    "/48s) loaded with dpstack-ctl -f while forwarding; small = only the 1,024 routes the "
    "flows use", pcap=("full", 4, 64), dev=["{b}-small", "{b}-full"],
    ratios=[("{b}-full", "{b}-small")])
ALL = ["ipv4-64", "ipv4-512", "ipv6-78", "ipv6-512", "udpecho4", "icmpecho4", "mix",
       "workers", "changes"]
# The old --mode/--family interface (pmdshare uses it).
LEGACY = {("fwd", "4"): "ipv4-64", ("fwd", "6"): "ipv6-78", ("udpecho", "4"): "udpecho4",
          ("udpecho", "6"): "udpecho6", ("icmpecho", "4"): "icmpecho4",
          ("icmpecho", "6"): "icmpecho6"}


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


# ---- inputs ----

def full_table(n4, n6):
    """n4 IPv4 /24s and n6 IPv6 /48s spread over the unicast space (an odd multiplier is a
    bijection modulo 2^k), none in the blocks the benchmark uses or special ranges."""
    import ipaddress
    bad4 = [(int(n.network_address) >> (32 - n.prefixlen), n.prefixlen) for n in map(
        ipaddress.ip_network, ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                               "169.254.0.0/16", "172.16.0.0/12", "192.0.2.0/24",
                               "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
                               "203.0.113.0/24"])]
    v4, k = [], 0
    while len(v4) < n4 and k < (1 << 24):
        x = (k * 2654435761) % (1 << 24)
        k += 1
        if x >> 16 >= 224 or any(x >> (24 - bl) == bv for bv, bl in bad4):
            continue
        v4.append("%d.%d.%d.0/24" % (x >> 16, (x >> 8) & 255, x & 255))
    v6 = []
    for k in range(n6):
        v = (1 << 45) | ((k * 0x9E3779B1) % (1 << 40))  # inside 2000::/3, below 2001:db8
        v6.append("%x:%x:%x::/48" % (0x2400 | (v >> 32) & 0xff, (v >> 16) & 0xffff, v & 0xffff))
    return v4, v6


def flows_of(v4):
    """The 1,024 prefixes the flows use: evenly spread over the table."""
    return [v4[i * len(v4) // 1024] for i in range(1024)] if len(v4) >= 1024 else v4


def lan1_pcap(path):
    """The frames of path addressed to lan1's MAC: the second input port's own copy. Fed
    the same frames as lan0, a stack that filters by destination MAC (dpstack does, per
    IEEE 802.3 4.2.4.1.1; l3fwd does not) would drop every frame of the second port."""
    from scapy.all import Ether, rdpcap, wrpcap
    out = path[:-len(".pcap")] + "-lan1.pcap"
    frames = rdpcap(path)
    for f in frames:
        f[Ether].dst = LAN1_MAC
    wrpcap(out, frames)
    return out


def tagged_pcap(path):
    """The frames of path with an 802.1Q tag (VID 100) after the MAC addresses."""
    from scapy.all import Dot1Q, Ether, rdpcap, wrpcap
    out = path[:-len(".pcap")] + "-tagged.pcap"
    wrpcap(out, [Ether(src=f[Ether].src, dst=f[Ether].dst) / Dot1Q(vlan=100) / f[Ether].payload
                 for f in rdpcap(path)])
    return out


VLANS = """
[nic lan0v100]
port = net_pcap0
vlan = 100
address = 10.100.0.1/24

[nic lan0v200]
port = net_pcap0
vlan = 200
address = 10.200.0.1/24
"""


def make_pcap(path, kind, fam, size, table=None):
    """Write the scenario's frames; size is on the wire (with the 4-byte FCS)."""
    from scapy.all import (ARP, ICMP, IP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NS,
                           ICMPv6NDOptSrcLLAddr, IPv6, Raw, wrpcap)

    def pad(p, size):
        n = size - 4 - len(p)
        return p / Raw(b"\0" * n) if n > 0 else p

    e = Ether(src=SRC_MAC, dst=LAN0_MAC)

    def fwd(fam, i, size, ttl=64, dst=None):
        if fam == 4:
            d = dst or "%s.%d" % (DST4_NET, 1 + i % 254)
            return pad(e / IP(src="192.0.2.2", dst=d, ttl=ttl) /
                       UDP(sport=1024 + i % 4096, dport=9), size)
        d = dst or "%s::%x" % (DST6_NET, i + 1)
        return pad(e / IPv6(src="2001:db8:1::2", dst=d, hlim=ttl) /
                   UDP(sport=1024 + i % 4096, dport=9), size)

    frames = []
    if kind == "full":
        frames = [fwd(4, i, size, dst=p.split("/")[0][:-1] + "1")
                  for i, p in enumerate(flows_of(table[0]))]
    elif kind == "fwd":
        frames = [fwd(fam, i, size) for i in range(1024)]
    elif kind in ("udpecho", "icmpecho"):
        for i in range(1024):
            if fam == 4:
                l3 = e / IP(src="192.0.2.2", dst="192.0.2.1")
                l4 = UDP(sport=1024 + i, dport=7) if kind == "udpecho" else \
                    ICMP(type=8, id=i + 1, seq=1)
            else:
                l3 = e / IPv6(src="2001:db8:1::2", dst="2001:db8:1::1")
                l4 = UDP(sport=1024 + i, dport=7) if kind == "udpecho" else \
                    ICMPv6EchoRequest(id=i + 1, seq=1)
            frames.append(pad(l3 / l4, size))
    elif kind == "mix":
        # 2,000 frames: per family 970 forwarded, 10 ARP/NDP, 10 unknown, 10 TTL 1.
        for f, sz in ((4, 64), (6, 78)):
            frames += [fwd(f, i, sz) for i in range(970)]
            frames += [fwd(f, i, sz, ttl=1) for i in range(10)]
            frames += [fwd(f, i, sz, dst=("%s.%d" % (UNKNOWN4, i + 1)) if f == 4 else
                           "%s::%x" % (UNKNOWN6, i + 1)) for i in range(10)]
        for i in range(10):
            frames.append(pad(Ether(src=SRC_MAC, dst="ff:ff:ff:ff:ff:ff") /
                              ARP(op=1, hwsrc=SRC_MAC, psrc="192.0.2.2", pdst="192.0.2.1"), 64))
            frames.append(pad(Ether(src=SRC_MAC, dst="33:33:ff:00:00:01") /
                              IPv6(src="2001:db8:1::2", dst="ff02::1:ff00:1", hlim=255) /
                              ICMPv6ND_NS(tgt="2001:db8:1::1") /
                              ICMPv6NDOptSrcLLAddr(lladdr=SRC_MAC), 86))
        random.Random(9).shuffle(frames)
    wrpcap(path, frames)


DPSTACK_CONF = """\
[stack]
forwarding = on

[nic lan0]
port = net_pcap0
mac = {lan0}
address = 192.0.2.1/24
address = 2001:db8:1::1/64
{lan1}
[nic out0]
port = net_null0
address = 198.51.100.1/24
address = 2001:db8:2::1/64

[routes]
# The destinations l3fwd's built-in tables send out of port 1 (the null port).
{dst4}.0/24 = via 198.51.100.2
{dst6}::/64 = via 2001:db8:2::2

[neighbors]
198.51.100.2 = {peer} out0
2001:db8:2::2 = {peer} out0
192.0.2.2 = {src} lan0
2001:db8:1::2 = {src} lan0

[udp]
echo = 7
"""

LAN1 = """
[nic lan1]
port = net_pcap1
mac = %s
address = 192.0.3.1/24
""" % LAN1_MAC


# ---- telemetry ----

class Telemetry:
    def __init__(self, prefix, timeout=20.0):
        self.path = None
        cands = ["/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix,
                 os.path.expanduser("~/.dpdk/%s/dpdk_telemetry.v2" % prefix)]
        deadline = time.time() + timeout
        while time.time() < deadline and self.path is None:
            self.path = next((c for c in cands if os.path.exists(c)), None)
            time.sleep(0.1)
        self.sock = None

    def query(self, cmd):
        if self.sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(2)
            s.connect(self.path)
            s.recv(4096)
            self.sock = s
        self.sock.send(cmd.encode())
        return json.loads(self.sock.recv(1 << 16).decode())

    def stats(self, ports):
        """(sum of opackets, sum of ipackets) over the ports."""
        for _ in range(50):
            try:
                o = i = 0
                for p in ports:
                    d = self.query("/ethdev/stats,%d" % p)["/ethdev/stats"]
                    o += d["opackets"]
                    i += d["ipackets"]
                return o, i
            except (OSError, ValueError, KeyError, TypeError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                time.sleep(0.1)
        raise RuntimeError("telemetry: no /ethdev/stats")

    def close(self):
        if self.sock is not None:
            self.sock.close()


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


# ---- the control-socket load of the "changes" scenario ----

class Changer(threading.Thread):
    """Adds and deletes addresses and routes (IPv4 and IPv6) at `rate` commands per second
    over one connection of the control protocol (docs/operations.md: a request per line, a
    reply ending with a line "."), the same protocol `dpstack-ctl -f` speaks."""

    def __init__(self, path, rate):
        super().__init__(daemon=True)
        self.path, self.rate = path, rate
        self.stop_ev = threading.Event()
        self.ok = self.err = 0
        self.first_err = None
        self.marks = []  # (time, ok) samples for the rate over a window

    def commands(self):
        """Per step n: add an IPv4 /32 and an IPv6 /128 on out0 and an IPv4 and an IPv6
        route (prefixes none of the benchmark's frames match); delete step n-32's."""
        n, live = 0, []
        while True:
            a4 = "10.200.%d.%d" % (n // 250 % 250, n % 250 + 1)
            a6 = "2001:db8:77::%x" % (n % 65535 + 1)
            p4 = "10.%d.%d.0/24" % (100 + n // 250 % 50, n % 250)
            p6 = "2001:db8:88:%x::/64" % (n % 65535)
            yield "addr add out0 %s/32" % a4
            yield "route add %s via 198.51.100.2" % p4
            yield "addr add out0 %s/128" % a6
            yield "route add %s via 2001:db8:2::2" % p6
            live.append(["addr del out0 " + a4, "route del " + p4, "addr del out0 " + a6,
                         "route del " + p6])
            if len(live) > 32:
                yield from live.pop(0)
            n += 1

    def run(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        f = s.makefile("rb")
        gen = self.commands()
        step = 0.01
        per = max(1, int(round(self.rate * step)))
        t0 = time.monotonic()
        k = 0
        while not self.stop_ev.is_set():
            batch = [next(gen) for _ in range(per)]
            s.sendall(("\n".join(batch) + "\n").encode())
            for _ in batch:
                head = f.readline().decode()
                while True:
                    line = f.readline()
                    if not line or line == b".\n":
                        break
                if head.startswith("OK"):
                    self.ok += 1
                else:
                    self.err += 1
                    self.first_err = self.first_err or head.strip()
            self.marks.append((time.monotonic(), self.ok + self.err))
            k += 1
            delay = t0 + k * step - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        s.close()

    def rate_between(self, t0, t1):
        pts = [m for m in self.marks if t0 <= m[0] <= t1]
        if len(pts) < 2:
            return float("nan")
        return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])


# ---- running one device ----

class Bench:
    def __init__(self, args, work):
        self.a = args
        self.work = work
        self.procs = []

    def mem(self):
        return ["--in-memory"] if self.a.hugepages else ["--no-huge", "-m", str(self.a.mem)]

    def command(self, scen, dev, prefix, pcap):
        s = SCENARIOS[scen]
        two = s.get("layout") == "two"
        # Three rx_pcap give the pcap port three rx and three tx queues (one tx queue per
        # lcore for l3fwd, which wants as many as there are lcores); only queue 0 is polled.
        if dev.endswith("-tagged"):
            pcap = pcap[:-len(".pcap")] + "-tagged.pcap"
        rx = ",".join(["rx_pcap=" + pcap] * 3)
        vdevs = ["--vdev=net_pcap0,%s,infinite_rx=1" % rx, "--vdev=net_null0,no-rx=1"]
        if two:
            rx1 = ",".join(["rx_pcap=" + pcap[:-len(".pcap")] + "-lan1.pcap"] * 3)
            vdevs.append("--vdev=net_pcap1,%s,infinite_rx=1" % rx1)
        w2 = dev.endswith("-2w")
        lcores = ["--lcores", "0@0,1@0,2@1"] if w2 else ["-l", "0-1"]
        mem = self.mem()
        if scen == "fulltable" and not self.a.hugepages:
            mem = ["--no-huge", "-m", str(max(self.a.mem, 2560))]  # tables ~1.7 GB
        eal = lcores + ["-n", "1", "--no-pci", "--file-prefix=" + prefix,
                        "--log-level=lib.*:error"] + mem + vdevs
        # Port ids: net_pcap0 = 0, net_null0 = 1, net_pcap1 = 2 (vdevs probe in order).
        if two:
            qmap = "(0,0,1),(1,0,1),(2,0,2)" if w2 else "(0,0,1),(1,0,1),(2,0,1)"
        else:
            qmap = "(0,0,1),(1,0,1)"
        base = dev.split("-")[0]
        if base == "l3fwd":
            return [self.a.l3fwd] + eal + ["--", "-p", "0x7" if two else "0x3", "--config",
                                            qmap, "--parse-ptype", "--lookup=lpm"]
        if base == "testpmd":
            return [self.a.testpmd] + eal + [
                "--", "--forward-mode=" + dev.split("-")[1], "--auto-start",
                "--stats-period=100", "--nb-cores=1", "--total-num-mbufs=16384"]
        conf = os.path.join(self.work, "dpstack%s.conf" % (
            "-two" if two else "-full" if scen == "fulltable" else
            "-vlan" if dev.endswith(("-vlan", "-tagged")) else ""))
        cmd = [os.path.join(self.a.builds[base], "app", "dpstack")] + eal + [
            "--", "-f", conf, "-s", os.path.join(self.work, prefix + ".sock")]
        if two:
            cmd += ["--config", qmap]
        return cmd

    def run(self, scen, dev, pcap, rnd):
        prefix = "dpsperf%d-%s-%s-%d" % (os.getpid(), scen, dev, rnd)
        cmd = self.command(scen, dev, prefix, pcap)
        log = os.path.join(self.work, prefix + ".log")
        ports = [0, 1, 2] if SCENARIOS[scen].get("layout") == "two" else [0, 1]
        res = dict(scenario=scen, round=rnd, device=dev, pps=float("nan"), rx_pps=float("nan"),
                   loss=float("nan"), cpu=float("nan"), changes=float("nan"), change_err=0,
                   load_before=loadavg(), wall=time.monotonic())
        with open(log, "w") as lf:
            p = subprocess.Popen(["taskset", "-c", "0,1"] + cmd, stdout=lf, stderr=lf,
                                 stdin=subprocess.DEVNULL)
        self.procs.append(p)
        changer = None
        tel = None
        try:
            tel = Telemetry(prefix)
            if tel.path is None:
                raise RuntimeError("no telemetry socket")
            if dev.endswith("-changes"):
                sock = os.path.join(self.work, prefix + ".sock")
                for _ in range(100):
                    if os.path.exists(sock):
                        break
                    time.sleep(0.1)
                changer = Changer(sock, self.a.change_rate)
                changer.start()
            # The socket comes up before the ports start: warm up from the first frame out.
            # A full-table config allocates ~1.8 GB of FIB copies first: give it two minutes.
            for _ in range(2400 if scen == "fulltable" else 200):
                if tel.stats(ports)[0] > 0 or p.poll() is not None:
                    break
                time.sleep(0.05)
            if dev.endswith("-full"):
                sock = os.path.join(self.work, prefix + ".sock")
                for _ in range(1200):
                    if os.path.exists(sock) or p.poll() is not None:
                        break
                    time.sleep(0.1)
                self.load_table(res, tel, ports, prefix, dev.split("-")[0])
            time.sleep(self.a.warmup)
            rates, rx, t_first = [], [], time.monotonic()
            (o0, i0), t0 = tel.stats(ports), time.monotonic()
            c0 = cpu_seconds(p.pid)
            oa, ia = o0, i0
            for _ in range(self.a.seconds):
                time.sleep(1)
                (o, i), t = tel.stats(ports), time.monotonic()
                rates.append((o - o0) / (t - t0))
                rx.append((i - i0) / (t - t0))
                o0, i0, t0 = o, i, t
            if p.poll() is not None:
                raise RuntimeError("exited with status %d while sampled" % p.returncode)
            res["pps"] = statistics.median(rates)
            res["rx_pps"] = statistics.median(rx)
            res["cpu"] = (cpu_seconds(p.pid) - c0) / (t0 - t_first)
            # Frames received and not sent (dropped, or still queued) over the window.
            res["loss"] = ((i0 - ia) - (o0 - oa)) / (i0 - ia) if i0 > ia else float("nan")
            if changer is not None:
                res["changes"] = changer.rate_between(t_first, t0)
                res["change_err"] = changer.err
                if changer.first_err:
                    res["change_first_err"] = changer.first_err
        except (RuntimeError, OSError) as ex:
            res["error"] = str(ex)
        finally:
            if changer is not None:
                changer.stop_ev.set()
                changer.join(3)
            if tel is not None:
                tel.close()
            p.send_signal(2)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self.procs.remove(p)
            # EAL leaves its runtime directory behind (--no-huge); it is ours alone.
            shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
        res["load_after"] = loadavg()
        res["wall"] = time.monotonic() - res["wall"]
        if res["pps"] != res["pps"]:
            os.makedirs(self.a.out, exist_ok=True)
            dst = os.path.join(self.a.out, "failed-%s.log" % prefix)
            with open(log) as src, open(dst, "w") as d:
                d.write(" ".join(cmd) + "\n" + src.read())
            res["log"] = dst
        return res

    def load_table(self, res, tel, ports, prefix, build):
        """dpstack-ctl -f of the full table while the frames flow: load time, the rate
        during the load (median of one-second samples) and the loss over it."""
        ctl = os.path.join(self.a.builds[build], "app", "dpstack-ctl")
        sock = os.path.join(self.work, prefix + ".sock")
        (o0, i0), t0 = tel.stats(ports), time.monotonic()
        oa, ia, ta = o0, i0, t0
        with open(os.path.join(self.work, prefix + ".ctl"), "w") as lf:
            ld = subprocess.Popen([ctl, "-s", sock, "-f",
                                   os.path.join(self.work, "routes-full.txt")],
                                  stdout=lf, stderr=lf, stdin=subprocess.DEVNULL)
        rates = []
        while ld.poll() is None and time.monotonic() - ta < self.a.table_timeout:
            time.sleep(1)
            (o, i), t = tel.stats(ports), time.monotonic()
            rates.append((o - o0) / (t - t0))
            o0, i0, t0 = o, i, t
        if ld.poll() is None:
            ld.kill()
            res["error"] = "table load timed out after %.0f s" % self.a.table_timeout
        ld.wait()
        (o, i), t = tel.stats(ports), time.monotonic()
        res["load_s"] = t - ta
        if ld.returncode != 0 and "error" not in res:
            with open(os.path.join(self.work, prefix + ".ctl")) as f:
                res["error"] = "dpstack-ctl -f: " + f.read().strip()[-200:]
        res["during_pps"] = statistics.median(rates) if rates else float("nan")
        res["loss_during"] = ((i - ia) - (o - oa)) / (i - ia) if i > ia else float("nan")

    def cleanup(self):
        for p in self.procs:
            p.kill()


# ---- tables ----

def fmt(x, spec):
    return (spec % x) if x == x else "nan"


def cell(what, v):
    if what in ("changes/s",):
        return fmt(v, "%.0f")
    if what in ("loss", "loss_during"):
        return fmt(v * 100, "%.3f%%")
    if what == "load_s":
        return fmt(v, "%.1f")
    return fmt(v, "%.3f")


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def table(scen, devs, ratios, rows, repro, out):
    s = SCENARIOS[scen]
    out("== %s: %s" % (scen, s["desc"]))
    out("   reproduce: %s" % repro)
    rounds = sorted({r["round"] for r in rows})
    get = {(r["round"], r["device"]): r for r in rows}
    cols = ["round", "load"] + ["%s Mpps" % d for d in devs] + ["%s/%s" % rt for rt in ratios]
    if scen == "changes":
        cols += ["%s changes/s" % d for d in devs if d.endswith("-changes")]
        cols += ["%s loss" % d for d in devs if not d.startswith("l3fwd")]
    if scen == "fulltable":
        cols += ["%s load_s" % d for d in devs if d.endswith("-full")]
        cols += ["%s during/small" % d for d in devs if d.endswith("-full")]
        cols += ["%s loss_during" % d for d in devs if d.endswith("-full")]
    widths = [max(8, len(c)) for c in cols]
    out("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
    acc = {c: [] for c in cols}
    for n in rounds:
        rs = [get.get((n, d), {}) for d in devs]
        lb = min((r.get("load_before", 99) for r in rs), default=float("nan"))
        la = max((r.get("load_after", 0) for r in rs), default=float("nan"))
        vals = ["%d" % n, "%.1f/%.1f" % (lb, la)]
        for d in devs:
            v = get.get((n, d), {}).get("pps", float("nan"))
            acc["%s Mpps" % d].append(v)
            vals.append(fmt(v / 1e6, "%.2f"))
        for a, b in ratios:
            x = get.get((n, a), {}).get("pps", float("nan"))
            y = get.get((n, b), {}).get("pps", float("nan"))
            v = x / y if y == y and y > 0 else float("nan")
            acc["%s/%s" % (a, b)].append(v)
            vals.append(fmt(v, "%.3f"))
        for c in cols[len(vals):]:
            d, what = c.rsplit(" ", 1)
            r = get.get((n, d), {})
            if what == "during/small":
                small = get.get((n, d.replace("-full", "-small")), {}).get("pps", float("nan"))
                v = r.get("during_pps", float("nan")) / small if small == small and small else \
                    float("nan")
            else:
                v = r.get({"changes/s": "changes"}.get(what, what), float("nan"))
            acc[c].append(v)
            vals.append(cell(what, v))
        out("  ".join(v.rjust(w) for v, w in zip(vals, widths)))
    vals = ["median", ""]
    for c in cols[2:]:
        m = med(acc[c])
        if c.endswith(" Mpps"):
            vals.append(fmt(m / 1e6, "%.2f"))
        else:
            vals.append(cell(c.rsplit(" ", 1)[1] if " " in c else "", m))
    out("  ".join(v.rjust(w) for v, w in zip(vals, widths)))
    out("   CPU share while sampled (median; 1.0 = one core, below ~1 the program was not alone "
        "on its core): " + ", ".join("%s %s" % (d, fmt(med([get.get((n, d), {}).get(
            "cpu", float("nan")) for n in rounds]), "%.2f")) for d in devs))
    bad = [r for r in rows if "error" in r or "log" in r or r.get("change_err")]
    for r in bad:
        out("   round %d %s: %s%s%s" % (r["round"], r["device"], r.get("error", ""),
                                       (" log " + r["log"]) if "log" in r else "",
                                       (" %d refused changes, first: %s" % (
                                           r["change_err"], r.get("change_first_err")))
                                       if r.get("change_err") else ""))
    out("")


def main():
    ap = argparse.ArgumentParser(prog="test/perf/run")
    ap.add_argument("--scenario", action="append", default=[],
                    help="one of: %s (repeatable)" % ", ".join(SCENARIOS))
    ap.add_argument("--all", action="store_true", help="the table: " + " ".join(ALL))
    ap.add_argument("--mode", choices=["fwd", "udpecho", "icmpecho"])
    ap.add_argument("--family", choices=["4", "6", "both"])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=1)
    ap.add_argument("--build", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--no-refs", action="store_true", help="dpstack builds only")
    ap.add_argument("--change-rate", type=int, default=1000)
    ap.add_argument("--table", default="1000000,100000", metavar="V4,V6",
                    help="routes of the fulltable scenario")
    ap.add_argument("--table-timeout", type=float, default=300,
                    help="seconds the fulltable load may take")
    ap.add_argument("--hugepages", action="store_true",
                    help="--in-memory (hugepages, no files) instead of --no-huge")
    ap.add_argument("--mem", type=int, default=512, help="MB with --no-huge")
    ap.add_argument("--l3fwd", default="")
    ap.add_argument("--testpmd", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--argv", default="")
    a = ap.parse_args()

    scens = list(a.scenario)
    if a.all:
        scens += ALL
    if a.mode or a.family:
        fams = ["4", "6"] if (a.family or "both") == "both" else [a.family]
        scens += [LEGACY[(a.mode or "fwd", f)] for f in fams]
    if not scens:
        scens = ["ipv4-64", "ipv6-78"]
    for s in scens:
        if s not in SCENARIOS:
            ap.error("unknown scenario %r (one of %s)" % (s, ", ".join(SCENARIOS)))
    scens = list(dict.fromkeys(scens))
    a.builds = dict(b.split("=", 1) for b in a.build)
    bnames = list(a.builds)

    def devices(scen):
        out = []
        for d in SCENARIOS[scen]["dev"]:
            if "{b}" in d:
                out += [d.replace("{b}", b) for b in bnames]
            elif not a.no_refs:
                if d.startswith("l3fwd") and not a.l3fwd:
                    continue
                if d.startswith("testpmd") and not a.testpmd:
                    continue
                out.append(d)
        return out

    def ratios(scen, devs):
        rs = SCENARIOS[scen].get("ratios")
        if rs is None:
            rs = [("{b}", d) for d in SCENARIOS[scen]["dev"] if "{b}" not in d]
        out = []
        for x, y in rs:
            for b in bnames:
                xx, yy = x.replace("{b}", b), y.replace("{b}", b)
                if xx in devs and yy in devs and (xx, yy) not in out:
                    out.append((xx, yy))
        return out

    # Builds named like devices would confuse the device kinds.
    for b in bnames:
        if b.split("-")[0] in ("l3fwd", "testpmd") or "-" in b:
            ap.error("build name %r: use a name without '-' other than l3fwd/testpmd" % b)

    work = os.environ["DPS_PERF_WORK"]
    two = any(SCENARIOS[s].get("layout") == "two" for s in scens)
    fmtargs = dict(lan0=LAN0_MAC, peer=PEER_MAC, src=SRC_MAC, dst4=DST4_NET, dst6=DST6_NET)
    with open(os.path.join(work, "dpstack.conf"), "w") as f:
        f.write(DPSTACK_CONF.format(lan1="", **fmtargs))
    if "vlan" in scens:
        with open(os.path.join(work, "dpstack-vlan.conf"), "w") as f:
            f.write(DPSTACK_CONF.format(lan1=VLANS, **fmtargs))
    if two:
        with open(os.path.join(work, "dpstack-two.conf"), "w") as f:
            f.write(DPSTACK_CONF.format(lan1=LAN1, **fmtargs))
    rtable = None
    if "fulltable" in scens:
        n4, n6 = (int(x) for x in a.table.split(","))
        rtable = full_table(n4, n6)
        used = set(flows_of(rtable[0]))
        with open(os.path.join(work, "dpstack-full.conf"), "w") as f:
            f.write(DPSTACK_CONF.format(lan1="", **fmtargs))
            f.write("\n[stack]\nmax_routes4 = %d\nmax_routes6 = %d\n\n[routes]\n" % (
                max(65536, n4 + 4096), max(4096, n6 + 1024)))
            f.writelines("%s = via 198.51.100.2\n" % p for p in sorted(used))
        with open(os.path.join(work, "routes-full.txt"), "w") as f:
            f.writelines("route add %s via 198.51.100.2\n" % p for p in rtable[0]
                         if p not in used)
            f.writelines("route add %s via 2001:db8:2::2\n" % p for p in rtable[1])
    pcaps = {}
    for s in scens:
        key = SCENARIOS[s]["pcap"]
        if key not in pcaps:
            pcaps[key] = os.path.join(work, "in-%s-%d-%d.pcap" % key)
            make_pcap(pcaps[key], *key, table=rtable)
        if s == "vlan" and not os.path.exists(pcaps[key][:-len(".pcap")] + "-tagged.pcap"):
            tagged_pcap(pcaps[key])
        if SCENARIOS[s].get("layout") == "two" and not os.path.exists(
                pcaps[key][:-len(".pcap")] + "-lan1.pcap"):
            lan1_pcap(pcaps[key])

    stamp = time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(a.out, exist_ok=True)
    txt = os.path.join(a.out, "results-%s.txt" % stamp)
    csvp = os.path.join(a.out, "results-%s.csv" % stamp)
    bench = Bench(a, work)
    rows = []
    load0 = open("/proc/loadavg").read().split()[:3]
    t_begin = time.monotonic()
    est = sum(len(devices(s)) for s in scens) * a.rounds * (a.warmup + a.seconds + 2.5)
    print("test/perf/run: %d scenario(s), %d round(s), ~%.0f min; load average %s" %
          (len(scens), a.rounds, est / 60, " ".join(load0)), file=sys.stderr)
    try:
        for rnd in range(1, a.rounds + 1):
            lr = loadavg()
            for s in scens:
                for d in devices(s):
                    r = bench.run(s, d, pcaps[SCENARIOS[s]["pcap"]], rnd)
                    rows.append(r)
                    print("round %d %-9s %-16s %8s Mpps  load %.2f -> %.2f%s" % (
                        rnd, s, d, fmt(r["pps"] / 1e6, "%.2f"), r["load_before"],
                        r["load_after"], ("  " + r.get("error", "") + " " + r.get("log", ""))
                        if r["pps"] != r["pps"] else ""), file=sys.stderr)
            print("round %d: load average %.2f before, %.2f after" % (rnd, lr, loadavg()),
                  file=sys.stderr)
    finally:
        bench.cleanup()
    load1 = open("/proc/loadavg").read().split()[:3]

    keys = ["scenario", "round", "device", "pps", "rx_pps", "loss", "cpu", "changes",
            "change_err", "load_s", "during_pps", "loss_during", "load_before", "load_after",
            "wall"]
    with open(csvp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    lines = []
    out = lines.append
    un = os.uname()
    out("dpstack benchmark %s: %s" % (stamp, a.argv or "test/perf/run"))
    out("machine: %s, %d CPUs, kernel %s; load average %s at start, %s at end; %.1f min" % (
        un.nodename, os.cpu_count(), un.release, " ".join(load0), " ".join(load1),
        (time.monotonic() - t_begin) / 60))
    # The programs under test poll, so they add 1-2 to the load average themselves.
    peak = max([r["load_before"] for r in rows] + [0])
    if float(load0[0]) > 0.7 or peak > 2.5:
        out("WARNING: the machine was not quiet (load average %s at start, up to %.1f during "
            "the runs, where the programs themselves add 1-2); these figures are a functional "
            "check, not results." % (load0[0], peak))
    out("input: net_pcap(infinite_rx=1) replaying a scapy pcap -> net_null0,no-rx=1; %s; "
        "rate = opackets/s of all ports (median of %d one-second samples after %.0f s); "
        "ratios per round, then their median" % (
            "--in-memory (hugepages)" if a.hugepages else "--no-huge -m %d" % a.mem,
            a.seconds, a.warmup))
    out("")
    for s in scens:
        devs = devices(s)
        repro = "test/perf/run --scenario %s --rounds %d --seconds %d --warmup %g%s" % (
            s, a.rounds, a.seconds, a.warmup,
            "".join(" --build %s" % b for b in a.build) if len(bnames) > 1 else "")
        if s == "fulltable":
            repro += " --table %s" % a.table
        table(s, devs, ratios(s, devs), [r for r in rows if r["scenario"] == s], repro, out)
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(txt, "w") as f:
        f.write(text)
    print("results: %s %s" % (txt, csvp))


if __name__ == "__main__":
    main()
