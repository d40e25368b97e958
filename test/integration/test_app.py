"""The dpstack application itself: arguments, refused configurations, start and stop on each
kind of virtual port (net_null, net_pcap, net_tap, net_memif), with and without hugepages,
single-lcore and multi-worker layouts, the final counters and the mbuf leak check at exit.

Run: /usr/bin/python3 -m pytest -v test/integration/test_app.py
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import dpstack_harness as h

NULL_CONFIG = """\
[stack]
forwarding = off

[nic lan0]
port = net_null0
address = 192.0.2.1/24
address = 2001:db8::1/64

[nic lan1]
port = net_null1
address = 198.51.100.1/24
"""

PCAP_CONFIG = """\
[nic lan0]
port = net_pcap0
mac = 02:00:00:00:00:01
address = 192.0.2.1/24
"""

FINAL_NIC_RE = re.compile(r"^nic (\S+) (\S+) (\d+)$", re.M)
FINAL_PORT_RE = re.compile(
    r"^port (\d+) (\S+) ipackets (\d+) opackets (\d+) imissed (\d+) ierrors (\d+) "
    r"oerrors (\d+)$", re.M)
MBUFS_RE = re.compile(r"^mbufs in use: (\d+)$", re.M)
STATS_RE = re.compile(r"^stats (\S+) rx (\d+) pps (\d+) bps tx (\d+) pps (\d+) bps "
                      r"drops (\d+)( \((\S+=\d+ ?)+\))?$", re.M)


def nic_counters(stdout):
    """{(nic, counter): value} from the final counters printed at exit."""
    return {(m[0], m[1]): int(m[2]) for m in FINAL_NIC_RE.findall(stdout)}


def port_stats(stdout):
    """{port name: (ipackets, opackets, imissed, ierrors, oerrors)}."""
    return {m[1]: tuple(int(x) for x in m[2:]) for m in FINAL_PORT_RE.findall(stdout)}


def assert_clean_exit(res):
    """Exit 0 after SIGINT, the final counters printed, every mbuf back in its pool."""
    assert res.returncode == 0, res.stderr
    pools = [int(n) for n in MBUFS_RE.findall(res.stdout)]
    assert pools, "no 'mbufs in use' line:\n" + res.stdout
    assert all(n == 0 for n in pools), res.stdout


# Tests pass no_huge=True unless hugepages are the point: the hugepages are shared by every
# DPDK process on the machine.
HUGE_PARAMS = [
    pytest.param(True, id="no-huge"),
    pytest.param(False, id="hugepages", marks=pytest.mark.skipif(
        not h.hugepages_usable(), reason="no free hugepages (or not root)")),
]


# --- arguments -------------------------------------------------------------------------------


def test_help_prints_app_options_then_eal(dps_bin):
    r = h.run_dpstack(["--help"])
    assert r.returncode == 0
    assert "-f, --file FILE" in r.stdout and "--stats SECONDS" in r.stdout
    assert "--config (port,queue,lcore)" in r.stdout
    # Ours first, then EAL's (EAL prints its usage with the -l option).
    assert "EAL common options" in r.stdout
    assert r.stdout.index("--file FILE") < r.stdout.index("EAL common options")


def test_short_help_after_separator(dps_bin):
    r = h.run_dpstack(h.eal_args("0") + ["--", "-h"])
    assert r.returncode == 0
    assert "-f, --file FILE" in r.stdout


@pytest.mark.parametrize("app_args, message", [
    ([], "-f FILE is required"),
    (["-f", "x.conf", "--stats", "zero"], "--stats"),
    (["-f", "x.conf", "--bogus"], "unknown option"),
    (["-f", "x.conf", "--config", "(0,0"], "--config"),
    (["-f", "x.conf", "--mbuf-size", "12"], "--mbuf-size"),
])
def test_bad_arguments_are_refused(dps_bin, app_args, message):
    r = h.run_dpstack(h.eal_args("0", ["net_null0,no-rx=1"]) + ["--", *app_args])
    assert r.returncode != 0
    assert message in r.stderr
    assert h.READY_LINE not in r.stdout


def test_missing_config_file(dps_bin, tmp_path):
    missing = tmp_path / "nope.conf"
    r = h.run_dpstack(h.eal_args("0", ["net_null0,no-rx=1"]) + ["--", "-f", str(missing)])
    assert r.returncode != 0
    assert str(missing) in r.stderr
    assert h.READY_LINE not in r.stdout


# --- refused configurations: FILE:LINE and a non-zero exit, before any port starts ------------

BAD_CONFIGS = {
    "unknown-section": ("[nic lan0]\nport = net_null0\n\n[bogus]\nx = 1\n", 4),
    "bad-address": ("[nic lan0]\nport = net_null0\naddress = 10.0.0.300/24\n", 3),
    "unknown-nic-in-route": ("[nic lan0]\nport = net_null0\naddress = 10.0.0.1/24\n"
                             "[routes]\n10.9.0.0/16 = dev wan9\n", 5),
    "nonexistent-port": ("[nic lan0]\nport = net_null0\n[nic lan1]\nport = net_tap7\n", 4),
    "nonexistent-port-id": ("[nic lan0]\nport = 7\n", 2),
    "two-nics-one-port": ("[nic a]\nport = 0\n[nic b]\nport = net_null0\n", 4),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_names_file_and_line(dps_bin, tmp_path, name):
    text, line = BAD_CONFIGS[name]
    conf = tmp_path / f"{name}.conf"
    conf.write_text(text)
    r = h.run_dpstack(h.eal_args("0-1", ["net_null0,no-rx=1"]) + ["--", "-f", str(conf)])
    assert r.returncode != 0
    assert f"{conf}:{line}:" in r.stderr, r.stderr
    assert h.READY_LINE not in r.stdout
    # Refused before any port was configured: no port ever started, no counters.
    assert "Link up" not in r.stderr and "mbufs in use" not in r.stdout


def test_bad_port_config_refused(dps_bin, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text(NULL_CONFIG)
    vdevs = ["net_null0,no-rx=1", "net_null1,no-rx=1"]
    # lcore 0 is the main lcore: it is the control side, not a worker.
    r = h.run_dpstack(h.eal_args("0-1", vdevs) + ["--", "-f", str(conf), "--config",
                                                  "(0,0,0),(1,0,1)"])
    assert r.returncode != 0 and "not a worker lcore" in r.stderr
    # Port 1 is nobody's: refused rather than left unpolled.
    r = h.run_dpstack(h.eal_args("0-1", vdevs) + ["--", "-f", str(conf), "--config", "(0,0,1)"])
    assert r.returncode != 0 and "port 1" in r.stderr and "no rx queue" in r.stderr


# --- start and stop --------------------------------------------------------------------------


@pytest.mark.parametrize("no_huge", HUGE_PARAMS)
@pytest.mark.parametrize("lcores", ["0-1", "0"])
def test_null_ports_start_and_stop(dpstack, no_huge, lcores):
    # net_null1 generates traffic (64-byte frames for another MAC), net_null0 does not.
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1"], lcores=lcores,
                 no_huge=no_huge)
    time.sleep(0.5)
    assert dp.running
    res = dp.stop(sig=signal.SIGINT)
    assert_clean_exit(res)
    ports = port_stats(res.stdout)
    assert set(ports) == {"net_null0", "net_null1"}
    assert ports["net_null0"][0] == 0 and ports["net_null1"][0] > 0
    c = nic_counters(res.stdout)
    # Every frame the PMD delivered reached the stack, and was dropped as not ours.
    assert c[("lan1", "rx.packets")] == ports["net_null1"][0]
    assert c[("lan1", "rx.bytes")] == 64 * c[("lan1", "rx.packets")]
    assert ("lan0", "rx.packets") not in c
    if lcores == "0":
        assert "single lcore" in res.stderr


def test_sigterm_stops_cleanly(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1,no-rx=1"], no_huge=True)
    res = dp.stop(sig=signal.SIGTERM)
    assert_clean_exit(res)
    # No traffic came in: the only non-zero counters are the stack's own MLD reports for the
    # groups its IPv6 address joined (RFC 2710 4: a report on joining).
    c = nic_counters(res.stdout)
    assert {k for _, k in c} <= {"tx.packets", "tx.bytes", "ip.packets_sent",
                                 "mld.reports_sent"}, c


def test_explicit_queue_config(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1"],
                 port_config="(0,0,1),(1,0,1)", no_huge=True)
    res = dp.stop()
    assert_clean_exit(res)
    assert nic_counters(res.stdout).get(("lan1", "rx.packets"), 0) > 0


def test_stats_lines(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1"], stats=1, no_huge=True)
    assert dp.wait_for(re.compile(r"^stats lan1 "), timeout=5)
    assert dp.wait_for(re.compile(r"^stats lan1 "), timeout=5,
                       start=len(dp.stdout_lines()))
    res = dp.stop()
    assert_clean_exit(res)
    lines = [m for m in STATS_RE.finditer(res.stdout)]
    names = {m.group(1) for m in lines}
    assert names == {"lan0", "lan1"}, res.stdout
    lan1 = [m for m in lines if m.group(1) == "lan1"]
    # net_null1's frames are for another MAC: a receive rate, and drops by that reason.
    assert int(lan1[-1].group(2)) > 0
    assert int(lan1[-1].group(6)) > 0 and "eth.not_for_us=" in lan1[-1].group(0)
    lan0 = [m for m in lines if m.group(1) == "lan0"]
    assert int(lan0[-1].group(2)) == 0 and int(lan0[-1].group(6)) == 0


def test_mbuf_size_and_descriptors(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1"],
                 extra_app=["--mbuf-size", "4096", "--rxd", "256", "--txd", "512"], no_huge=True)
    res = dp.stop()
    assert_clean_exit(res)
    assert "mbufs of 4096 bytes" in res.stderr
    assert "256/512 descriptors" in res.stderr


# --- net_pcap: frames in, counters out ------------------------------------------------------


def test_pcap_frames_are_counted(pcap_dpstack):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    frames = []
    for i in range(25):
        # Broadcast frames to a closed UDP port of another host: received, then dropped.
        frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:99") /
                      IP(src="192.0.2.99", dst="192.0.2.77") / UDP(sport=1000 + i, dport=9) /
                      (b"x" * i))
    res = pcap_dpstack(PCAP_CONFIG, frames)
    assert_clean_exit(res)
    c = nic_counters(res.stdout)
    assert c[("lan0", "rx.packets")] == 25
    assert c[("lan0", "rx.bytes")] == sum(len(f) for f in frames)
    assert port_stats(res.stdout)["net_pcap0"][0] == 25


def test_pcap_arp_reply_goes_out(pcap_dpstack):
    """A frame in, its answer out: the transmit path through the port's tx queue."""
    from scapy.layers.l2 import ARP, Ether
    req = Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:99") / ARP(
        op=1, hwsrc="02:00:00:00:00:99", psrc="192.0.2.99", pdst="192.0.2.1")
    res = pcap_dpstack(PCAP_CONFIG, [req])
    assert_clean_exit(res)
    replies = [p for p in res.outputs[0] if p.haslayer(ARP) and p[ARP].op == 2]
    assert len(replies) == 1, res.stdout
    assert replies[0][ARP].psrc == "192.0.2.1"
    assert replies[0][ARP].hwsrc == "02:00:00:00:00:01"
    assert replies[0][Ether].dst == "02:00:00:00:00:99"


# --- more workers than CPUs: several rx queues, shared tx queues ------------------------------


def run_lcores_map(conf, vdevs, lcores_map, wait=1.0):
    """Start dpstack with --lcores (lcore@cpu) so that three lcores fit on two CPUs."""
    prefix = "dpst" + h.unique_id()
    eal = ["--lcores", lcores_map, "-n", "1", "--no-pci", f"--file-prefix={prefix}",
           "--no-huge", "-m", "512"] + [f"--vdev={v}" for v in vdevs]
    sock = f"/tmp/{prefix}.sock"
    p = subprocess.Popen([str(h.dpstack_bin()), *eal, "--", "-f", str(conf), "-s", sock],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + h.ready_timeout()
        out = []
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out.append(line)
            if h.READY_LINE in line:
                break
        time.sleep(wait)
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=15)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        h.cleanup_prefix(prefix)
    return p.returncode, "".join(out) + rest, err


def test_two_workers_spread_queues(dps_bin, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text(NULL_CONFIG)
    rc, out, err = run_lcores_map(conf, ["net_null0", "net_null1"], "0@0,1@1,2@1")
    assert rc == 0, err
    assert h.READY_LINE in out
    # Two workers: two rx queues per port (RSS), three tx queues (two workers + control).
    assert "port 0 (net_null0): 2 rx queues, 3 tx queues" in err
    assert "lcore 1: worker, 2 rx queues" in err and "lcore 2: worker, 2 rx queues" in err
    assert all(n == "0" for n in MBUFS_RE.findall(out))


def test_two_workers_share_pcap_tx_queue(dps_bin, tmp_path):
    from scapy.layers.l2 import ARP, Ether
    reqs = [Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:99") /
            ARP(op=1, hwsrc="02:00:00:00:00:99", psrc="192.0.2.99", pdst="192.0.2.1")
            for _ in range(10)]
    rx, tx = tmp_path / "in.pcap", tmp_path / "out.pcap"
    h.write_pcap(rx, reqs)
    conf = tmp_path / "c.conf"
    conf.write_text(PCAP_CONFIG)
    rc, out, err = run_lcores_map(conf, [f"net_pcap0,rx_pcap={rx},tx_pcap={tx}"],
                                  "0@0,1@1,2@1", wait=1.5)
    assert rc == 0, err
    # net_pcap has one tx queue per tx_pcap: three contexts share it under a lock.
    assert "queues are shared" in err
    replies = [p for p in h.read_pcap(tx) if p.haslayer(ARP) and p[ARP].op == 2]
    assert len(replies) == 10
    assert all(n == "0" for n in MBUFS_RE.findall(out))


# --- net_tap and net_memif -----------------------------------------------------------------


@pytest.mark.skipif(not h.is_root(), reason="TAP devices need root")
def test_tap_port_start_and_stop(dpstack):
    iface = "dtp" + h.unique_id()[-8:]
    conf = "[nic lan0]\nport = net_tap0\naddress = 192.0.2.1/24\n"
    dp = dpstack(conf, vdevs=[f"net_tap0,iface={iface}"])
    # The kernel side exists while dpstack runs.
    assert subprocess.run(["ip", "link", "show", iface], capture_output=True).returncode == 0
    res = dp.stop()
    assert_clean_exit(res)
    assert "net_tap0" in port_stats(res.stdout)


def test_memif_server_start_and_stop(dpstack, tmp_path):
    sock = f"/tmp/dpst{h.unique_id()}.memif"
    conf = "[nic m0]\nport = net_memif0\naddress = 192.0.2.1/24\n"
    dp = dpstack(conf, vdevs=[f"net_memif0,role=server,socket={sock}"])
    time.sleep(0.3)
    res = dp.stop()
    assert_clean_exit(res)
    assert "net_memif0" in port_stats(res.stdout)


def test_memif_pair_between_two_processes(dpstack):
    """Two dpstack processes joined by memif: each sees the link come up."""
    sock = f"/tmp/dpst{h.unique_id()}.memif"
    server = dpstack("[nic m0]\nport = net_memif0\naddress = 192.0.2.1/24\n",
                     vdevs=[f"net_memif0,role=server,socket={sock}"])
    client = dpstack("[nic m1]\nport = net_memif0\naddress = 192.0.2.2/24\n",
                     vdevs=[f"net_memif0,role=client,socket={sock}"])
    assert server.wait_for(re.compile(r"net_memif0\): Link up"), timeout=10, stream="stderr"), \
        server.describe()
    assert client.wait_for(re.compile(r"net_memif0\): Link up"), timeout=10, stream="stderr"), \
        client.describe()
    res_c = client.stop()
    res_s = server.stop()
    assert_clean_exit(res_c)
    assert_clean_exit(res_s)


# --- control socket and --startup ------------------------------------------------------------


def test_startup_file_runs_before_ready(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1,no-rx=1"], no_huge=True,
                 startup="addr add lan0 203.0.113.5/24\n")
    rc, out, err = dp.ctl("show", "addresses", "lan0")
    assert rc == 0, err
    assert "203.0.113.5" in out and "192.0.2.1" in out
    assert_clean_exit(dp.stop())


def test_startup_error_names_line_and_exits(dpstack):
    dp = dpstack(NULL_CONFIG, vdevs=["net_null0,no-rx=1", "net_null1,no-rx=1"], no_huge=True,
                 startup="addr add lan0 203.0.113.5/24\naddr add nosuch 10.0.0.1/24\n",
                 wait_ready=False)
    res = dp.wait(timeout=15)
    assert res.returncode != 0
    assert "startup.txt:2:" in res.stderr, res.stderr
    assert h.READY_LINE not in res.stdout
    # Refused after the ports started: still no mbuf left behind.
    assert all(n == "0" for n in MBUFS_RE.findall(res.stdout))


def test_control_socket_directory_is_created(dps_bin, tmp_path):
    sockdir = Path(tempfile.mkdtemp(prefix="dpst-ctl-")) / "a" / "b"
    conf = tmp_path / "c.conf"
    conf.write_text(NULL_CONFIG)
    dp = h.Dpstack(tmp_path / "dp")
    dp.socket = str(sockdir / "dpstack.sock")
    try:
        dp.start(conf, vdevs=["net_null0,no-rx=1", "net_null1,no-rx=1"], no_huge=True)
        assert os.path.exists(dp.socket)
        assert (os.stat(sockdir).st_mode & 0o777) == 0o700
        rc, out, _ = dp.ctl("show", "nics")
        assert rc == 0 and "lan0" in out and "lan1" in out
        assert_clean_exit(dp.stop())
    finally:
        dp.close()
        shutil.rmtree(sockdir.parent.parent, ignore_errors=True)


@pytest.mark.skipif(not h.is_root(), reason="TAP devices need root")
def test_tap_link_changes_are_logged(dpstack):
    iface = "dtl" + h.unique_id()[-8:]
    conf = "[nic lan0]\nport = net_tap0\naddress = 192.0.2.1/24\n"
    dp = dpstack(conf, vdevs=[f"net_tap0,iface={iface}"], no_huge=True)
    up = re.compile(r"port 0 \(net_tap0\): Link up")
    down = re.compile(r"port 0 \(net_tap0\): Link down")
    subprocess.run(["ip", "link", "set", iface, "up"], check=True)
    assert dp.wait_for(up, timeout=5, stream="stderr"), dp.describe()
    mark = len(dp.stderr_lines())
    subprocess.run(["ip", "link", "set", iface, "down"], check=True)
    assert dp.wait_for(down, timeout=5, stream="stderr", start=mark), dp.describe()
    mark = len(dp.stderr_lines())
    subprocess.run(["ip", "link", "set", iface, "up"], check=True)
    assert dp.wait_for(up, timeout=5, stream="stderr", start=mark), dp.describe()
    assert_clean_exit(dp.stop())


def test_memif_server_client_pair_carries_forwarded_traffic(dpstack, tmp_path):
    """One process, a memif server port and a client port joined to each other: frames
    replayed from a pcap port are forwarded out of the server and come back in on the client,
    none lost on the way."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    sock = f"/tmp/dpst{h.unique_id()}.memif"
    conf = """\
[stack]
forwarding = on
[nic lan0]
port = net_pcap0
mac = 02:00:00:00:00:01
address = 192.0.2.1/24
[nic m0]
port = net_memif0
address = 198.51.100.1/24
[nic m1]
port = net_memif1
mac = 02:00:00:00:00:12
address = 203.0.113.1/24
# m1 only receives: what reaches it is counted, not forwarded back.
forwarding = off
[neighbors]
198.51.100.9 = 02:00:00:00:00:12 m0
"""
    frames = [Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:99") /
              IP(src="192.0.2.99", dst=f"10.9.0.{i + 1}", ttl=64) / UDP(sport=1000 + i, dport=7) /
              b"memif" for i in range(64)]
    rx = tmp_path / "in.pcap"
    h.write_pcap(rx, frames)
    dp = dpstack(conf, no_huge=True, vdevs=[
        f"net_pcap0,rx_pcap={rx},tx_pcap={tmp_path / 'out.pcap'},infinite_rx=1",
        f"net_memif0,role=server,id=0,socket={sock}",
        f"net_memif1,role=client,id=0,socket={sock}"])
    # The client connects after the start: route traffic into memif once both links are up,
    # for a second, then stop routing it so that nothing is in flight at exit.
    for port in (1, 2):
        assert dp.wait_for(re.compile(rf"port {port} \(net_memif\d\): Link up"), timeout=10,
                           stream="stderr"), dp.describe()
    dp.ctl("route", "add", "10.9.0.0/16", "via", "198.51.100.9", check=True)
    time.sleep(1)
    dp.ctl("route", "del", "10.9.0.0/16", check=True)
    time.sleep(0.5)
    res = dp.stop()
    assert_clean_exit(res)
    c = nic_counters(res.stdout)
    sent = c.get(("m0", "tx.packets"), 0)
    assert sent > 1000, res.stdout
    # Every frame memif took on the server side arrived on the client side.
    assert c.get(("m1", "rx.packets")) == sent, res.stdout
    assert c.get(("m1", "rx.bytes")) == c.get(("m0", "tx.bytes")), res.stdout
    assert c.get(("m1", "ip.packets_received")) == sent
