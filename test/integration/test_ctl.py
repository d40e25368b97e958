"""Runtime control through dpstack-ctl and the telemetry socket, with the Linux kernel as the
peer: dpstack on two net_tap ports whose kernel ends live in namespaces ns[0] (192.0.2.2 on
lan0) and ns[1] (198.51.100.2 on lan1), forwarding on (DEFAULT_TAP_CONFIG).
"""

import json
import re
import os
import socket
import stat
import subprocess
import textwrap
import time

import pytest

import dpstack_harness as h

HOST0 = "192.0.2.2"
HOST1 = "198.51.100.2"


def ctl(net, *args):
    """dpstack-ctl ARGS: (rc, stdout, stderr)."""
    return net.ctl(*args)


def ctl_ok(net, *args):
    rc, out, err = net.ctl(*args)
    assert rc == 0, f"dpstack-ctl {' '.join(args)}: rc {rc}: {err}"
    assert err == "", err
    return out


def ctl_err(net, *args):
    """A refused command: exit 1 and exactly one line `dpstack-ctl: message` on stderr."""
    rc, out, err = net.ctl(*args)
    assert rc == 1, f"dpstack-ctl {' '.join(args)}: rc {rc}, stdout {out!r}, stderr {err!r}"
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dpstack-ctl: "), err
    return lines[0][len("dpstack-ctl: "):]


def ctl_batch(net, text, timeout=120):
    """dpstack-ctl -f - with TEXT on stdin: every line over one connection."""
    return subprocess.run([str(h.ctl_bin()), "-s", net.dp.socket, "-f", "-"], input=text,
                          capture_output=True, text=True, timeout=timeout)


def pings(net, ns, addr, wait=1):
    return net.ping(ns, addr, count=1, wait=wait).returncode == 0


def _total(stats, names):
    return sum(sum(h.counter_values(stats, n)) for n in names)


def unanswered_but_seen(net, ns, addr, proof, count=1, wait=1):
    """Ping ADDR COUNT times expecting no answer, and prove that dpstack saw the requests (a
    timeout alone proves nothing): the counters named in PROOF grew by COUNT in all."""
    before = _total(net.dp.stats(), proof)
    r = net.ping(ns, addr, count=count, wait=wait)
    grew = _total(net.dp.stats(), proof) - before
    assert r.returncode != 0, f"{addr} answered: {r.stdout}"
    assert grew >= count, f"{addr}: {proof} grew by {grew}, not {count}: the requests " \
                          "never reached dpstack"
    return True


def first_answer_within(net, ns, addr, limit):
    """Ping ADDR once at a time until it answers; the seconds until the attempt that got the
    answer was started, or None if nothing answered within LIMIT seconds."""
    t0 = time.monotonic()
    while True:
        start = time.monotonic() - t0
        if start > limit:
            return None
        r = net.ns_exec(ns, ["ping", "-n", "-c", "1", "-W", "0.25", addr], timeout=5)
        if r.returncode == 0:
            return start


def iface_of(net, i):
    return net.ifaces[i]


def flush_neigh(net, i):
    net.ns_exec(i, ["ip", "neigh", "flush", "dev", iface_of(net, i)])


def addresses(net, nic):
    return {a["address"]: a for a in net.ctl("show", "addresses", nic, json=True)}


def test_socket_is_root_only(tap_net):
    net = tap_net()
    st = os.stat(net.dp.socket)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600


def test_added_address_answers_ping_within_a_second_and_stops_after_del(tap_net):
    net = tap_net()
    # Not ours yet: the kernel's ARP request (or a request to a cached MAC) is refused.
    assert unanswered_but_seen(net, 0, "192.0.2.50",
                               ("arp.not_for_us", "ip.invalid_addresses_received"))
    # The failed resolution above must not delay the next one.
    flush_neigh(net, 0)
    ctl_ok(net, "addr", "add", "lan0", "192.0.2.50/24")
    took = first_answer_within(net, 0, "192.0.2.50", 1.0)
    assert took is not None, "no answer within 1 s of addr add"
    assert "192.0.2.50/24" in ctl_ok(net, "show", "addresses", "lan0")

    ctl_ok(net, "addr", "del", "lan0", "192.0.2.50")
    # The kernel still knows the MAC: the echo request reaches dpstack, which no longer owns
    # the address and routes it back onto lan0 (where nobody answers for it).
    assert unanswered_but_seen(net, 0, "192.0.2.50", ("fwd.forwarded",), count=3)
    assert "192.0.2.50" not in ctl_ok(net, "show", "addresses", "lan0")
    # The configured address was not disturbed.
    assert pings(net, 0, "192.0.2.1")


def test_ipv6_address_added_at_runtime_answers(tap_net):
    net = tap_net()
    ctl_ok(net, "addr", "add", "lan1", "2001:db8:2::77/64")
    ok = any(pings(net, 1, "2001:db8:2::77") for _ in range(3))
    assert ok
    ctl_ok(net, "addr", "del", "lan1", "2001:db8:2::77")
    assert unanswered_but_seen(net, 1, "2001:db8:2::77", ("fwd.forwarded",), count=2)


def test_errors_are_one_line_and_change_nothing(tap_net, tmp_path):
    net = tap_net()
    before = addresses(net, "lan0")
    routes = net.ctl("show", "routes", json=True)
    assert ctl_err(net, "addr", "add", "lan0", "192.0.2.1/24") == \
        "address 192.0.2.1 on lan0: File exists"
    assert ctl_err(net, "addr", "add", "lan9", "10.0.0.1/24") == "unknown nic 'lan9'"
    assert ctl_err(net, "addr", "add", "lan0", "10.0.0.0/33") == \
        "prefix length out of range in '10.0.0.0/33' (0..32 for IPv4)"
    assert ctl_err(net, "addr", "del", "lan1", "192.0.2.1") == \
        "address 192.0.2.1 on lan1: Cannot assign requested address"
    assert ctl_err(net, "route", "del", "10.9.0.0/16") == "route 10.9.0.0/16: No such process"
    assert ctl_err(net, "route", "add", "10.9.0.0/16", "via", "10.1.1.1") == \
        "gateway 10.1.1.1 is on no nic's subnet (add dev NIC)"
    assert ctl_err(net, "set", "lan0", "promiscuous", "maybe") == \
        "bad value 'maybe' for 'promiscuous' (want on or off)"
    assert ctl_err(net, "frob").startswith("unknown command 'frob'")
    assert addresses(net, "lan0") == before
    assert net.ctl("show", "routes", json=True) == routes
    # With --json the error is also JSON on stdout.
    rc, out, err = net.ctl("--json", "addr", "add", "lan9", "10.0.0.1/24")
    assert (rc, err.strip()) == (1, "dpstack-ctl: unknown nic 'lan9'")
    assert json.loads(out) == {"error": "unknown nic 'lan9'", "errno": 19,
                               "strerror": "No such device"}
    # No daemon: exit 2.
    r = subprocess.run([str(h.ctl_bin()), "-s", str(tmp_path / "nothing.sock"), "show", "nics"],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.startswith("dpstack-ctl: cannot connect to "), r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_range_added_at_runtime_answers(tap_net):
    net = tap_net()
    assert unanswered_but_seen(net, 1, "10.77.3.4", ("fwd.no_route",))
    ctl_ok(net, "range", "add", "lan1", "10.77.0.0/16")
    assert any(pings(net, 1, "10.77.3.4") for _ in range(3))
    assert any(pings(net, 1, "10.77.200.1") for _ in range(3))
    out = ctl_ok(net, "show", "ranges", "lan1")
    assert "10.77.0.0/16" in out
    ctl_ok(net, "range", "del", "lan1", "10.77.0.0/16")
    assert unanswered_but_seen(net, 1, "10.77.3.4", ("fwd.no_route",), count=2)
    assert ctl_err(net, "range", "del", "lan1", "10.77.0.0/16") == \
        "range 10.77.0.0/16 on lan1: No such file or directory"


def test_route_added_at_runtime_forwards(tap_net):
    net = tap_net()
    # A network behind host 1 that dpstack does not know yet.
    net.ns_exec(1, ["ip", "addr", "add", "10.88.0.1/32", "dev", iface_of(net, 1)], check=True)
    assert pings(net, 0, HOST1), "plain forwarding between the namespaces fails"
    assert unanswered_but_seen(net, 0, "10.88.0.1", ("fwd.no_route",))
    ctl_ok(net, "route", "add", "10.88.0.0/16", "via", HOST1)
    routes = net.ctl("show", "routes", json=True)
    r = [x for x in routes if x["prefix"] == "10.88.0.0/16"]
    assert r and r[0]["paths"] == [{"nic": "lan1", "via": HOST1}] and not r[0]["connected"]
    assert any(pings(net, 0, "10.88.0.1") for _ in range(3))
    ctl_ok(net, "route", "del", "10.88.0.0/16")
    assert unanswered_but_seen(net, 0, "10.88.0.1", ("fwd.no_route",), count=2)


def test_show_addresses_reflects_primary_order(tap_net):
    net = tap_net()
    ctl_ok(net, "addr", "add", "lan0", "192.0.2.60/24", "first")
    ctl_ok(net, "addr", "add", "lan0", "192.0.2.61/24", "never")
    ctl_ok(net, "addr", "add", "lan0", "192.0.2.62/24")
    a = addresses(net, "lan0")
    assert a["192.0.2.60/24"]["behaviour"] == "first-primary"
    assert a["192.0.2.60/24"]["primary"] == 0
    assert a["192.0.2.1/24"]["primary"] == 1
    assert a["192.0.2.62/24"]["primary"] == 2
    assert a["192.0.2.61/24"]["primary"] is None
    assert a["192.0.2.61/24"]["behaviour"] == "never-primary"
    for x in ("192.0.2.60/24", "192.0.2.61/24", "192.0.2.62/24", "192.0.2.1/24"):
        assert a[x]["kind"] == "permanent" and a[x]["refs"] >= 1
    # `ip addr`'s shape: the NIC, its link, then one line per address.
    table = ctl_ok(net, "show", "addresses", "lan0").splitlines()
    assert table[0].startswith("0: lan0: mtu 1500") and table[1].startswith("    link/ether ")
    rows = {l.split()[1]: l.split() for l in table[2:]}
    assert rows["192.0.2.60/24"] == ["inet", "192.0.2.60/24", "first"]
    assert rows["192.0.2.61/24"] == ["inet", "192.0.2.61/24", "never"]
    assert rows["2001:db8:1::1/64"] == ["inet6", "2001:db8:1::1/64"]
    # The stack's own endpoints (solicited-node groups...) only with `all`.
    assert not any(k.startswith("ff02::1:ff") for k in rows)
    full = ctl_ok(net, "show", "addresses", "lan0", "all")
    assert "    inet6 ff02::1:ff00:1/128 permanent refs " in full
    # A new first address goes in front of the previous one.
    ctl_ok(net, "addr", "add", "lan0", "192.0.2.63/24", "first")
    a = addresses(net, "lan0")
    assert [a[x]["primary"] for x in ("192.0.2.63/24", "192.0.2.60/24", "192.0.2.1/24",
                                      "192.0.2.62/24")] == [0, 1, 2, 3]


def test_show_commands_table_and_json(tap_net):
    net = tap_net()
    nics = net.ctl("show", "nics", json=True)
    assert [n["nic"] for n in nics["nics"]] == ["lan0", "lan1"]
    assert nics["forwarding"] is True
    out = ctl_ok(net, "show", "nics")
    assert out.splitlines()[0].split() == ["ID", "NAME", "PORT", "MAC", "MTU", "FLAGS"]
    assert "stack forwarding on" in out
    assert pings(net, 0, "192.0.2.1")
    neigh = net.ctl("show", "neigh", json=True)
    assert any(n["address"] == HOST0 and n["nic"] == "lan0" for n in neigh), neigh
    # No NIC: the sum and each NIC as columns, non-zero rows only unless `all`.
    stats = ctl_ok(net, "show", "stats").splitlines()
    assert stats[0].split() == ["COUNTER", "TOTAL", "lan0", "lan1"]
    rows = {l.split()[0]: [int(x) for x in l.split()[1:]] for l in stats[1:]}
    total, lan0, lan1 = rows["icmp.echo_requests_received"]
    assert total >= 1 and total == lan0 + lan1
    # Counters have a column per NIC; the workers' heartbeats (lcore_N.loops) only a total.
    assert all(v[0] != 0 and v[0] == v[1] + v[2] for k, v in rows.items()
               if not k.startswith("lcore_"))
    assert all(len(v) == 1 for k, v in rows.items() if k.startswith("lcore_")), rows
    assert len(ctl_ok(net, "show", "stats", "all").splitlines()) > len(stats)
    assert "addr add NIC ADDR/PLEN [first|never]" in ctl_ok(net, "help")
    ctl_ok(net, "set", "lan1", "promiscuous", "on")
    assert net.ctl("show", "nics", json=True)["nics"][1]["promiscuous"] is True
    # Promiscuous, lan1 would take the replies below for itself instead of forwarding them.
    ctl_ok(net, "set", "lan1", "promiscuous", "off")
    ctl_ok(net, "forwarding", "off")
    assert net.ctl("show", "nics", json=True)["forwarding"] is False
    # Forwarding off: not ours, not routed (the seed's ip.invalid_addresses_received).
    assert unanswered_but_seen(net, 0, HOST1, ("ip.invalid_addresses_received",))
    ctl_ok(net, "forwarding", "on")
    assert any(pings(net, 0, HOST1) for _ in range(3))


UDP_RECEIVER = textwrap.dedent("""\
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", 9999))
    s.settimeout(60)
    print("bound", flush=True)
    seen = set()
    last = -1
    while True:
        d, _ = s.recvfrom(2048)
        if d.startswith(b"END"):
            last = int(d[3:])
            break
        seen.add(int(d))
    missing = [i for i in range(last + 1) if i not in seen]
    print(len(seen), last + 1, missing[:20], flush=True)
""")

UDP_SENDER = textwrap.dedent("""\
    import os, socket, sys, time
    dst, stop = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    i = 0
    while not os.path.exists(stop):
        s.sendto(b"%d" % i, (dst, 9999))
        i += 1
        time.sleep(0.0005)
    time.sleep(0.5)
    for _ in range(5):
        s.sendto(b"END%d" % (i - 1), (dst, 9999))
        time.sleep(0.05)
    print(i, flush=True)
""")


def test_no_loss_while_1000_addresses_and_routes_change(tap_net, tmp_path):
    net = tap_net()
    # Resolve both hosts first: packets queued during resolution are not what is measured.
    assert any(pings(net, 0, HOST1) for _ in range(3))
    assert pings(net, 1, HOST0)
    routes_before = net.ctl("show", "routes", json=True)
    addrs_before = addresses(net, "lan0")

    lines = []
    for i in range(1000):
        lines.append(f"addr add lan0 10.201.{i // 250}.{i % 250 + 1}/24")
        lines.append(f"route add 10.{100 + i // 256}.{i % 256}.0/24 via {HOST1}")
    for i in range(1000):
        lines.append(f"addr del lan0 10.201.{i // 250}.{i % 250 + 1}")
        lines.append(f"route del 10.{100 + i // 256}.{i % 256}.0/24")
    batch = "\n".join(lines) + "\n"

    stop = tmp_path / "stop"
    rx = net.ns_popen(1, ["/usr/bin/python3", "-c", UDP_RECEIVER], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)
    assert rx.stdout.readline().strip() == "bound"
    tx = net.ns_popen(0, ["/usr/bin/python3", "-c", UDP_SENDER, HOST1, str(stop)],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        r = ctl_batch(net, batch)
        took = time.monotonic() - t0
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)
    finally:
        stop.write_text("")
        sent = tx.communicate(timeout=30)[0].strip()
        got = rx.communicate(timeout=30)[0].strip()
    print(f"4000 commands in {took:.2f} s; sent {sent}; receiver: {got}")
    n_seen, n_sent, missing = got.split(" ", 2)
    assert int(n_sent) == int(sent) and int(n_sent) > 1000
    assert int(n_seen) == int(n_sent), f"lost {int(n_sent) - int(n_seen)}: {missing}"
    # Everything the batch added is gone again; the configured state is intact.
    assert net.ctl("show", "routes", json=True) == routes_before
    assert addresses(net, "lan0") == addrs_before


def test_batch_stops_at_first_error(tap_net):
    net = tap_net()
    r = ctl_batch(net, "# comment\naddr add lan0 192.0.2.80/24\n\naddr add lan7 1.2.3.4/8\n"
                       "addr add lan0 192.0.2.81/24\n")
    assert r.returncode == 1
    assert r.stderr.strip() == "dpstack-ctl: <stdin>:4: unknown nic 'lan7'"
    a = addresses(net, "lan0")
    assert "192.0.2.80/24" in a and "192.0.2.81/24" not in a


def test_startup_file_runs_at_start(tap_net):
    net = tap_net(startup="# runtime additions\naddr add lan0 192.0.2.90/24 first\n"
                          "route add 10.66.0.0/16 via 198.51.100.2\n")
    a = addresses(net, "lan0")
    assert a["192.0.2.90/24"]["primary"] == 0
    assert any(x["prefix"] == "10.66.0.0/16" for x in net.ctl("show", "routes", json=True))
    assert any(pings(net, 0, "192.0.2.90") for _ in range(3))


def test_bad_startup_file_is_refused_with_file_and_line(dpstack, tmp_path):
    startup = tmp_path / "startup.txt"
    startup.write_text("addr add lan0 192.0.2.90/24\naddr add lan9 10.0.0.1/24\n")
    dp = h.Dpstack(tmp_path / "dp")
    try:
        dp.start("[nic lan0]\nport = net_null0\naddress = 192.0.2.1/24\n",
                 vdevs=["net_null0,no-rx=1"], startup=startup, wait_ready=False)
        res = dp.wait(20)
    finally:
        dp.close()
    assert res.returncode != 0
    assert f"{startup}:2: unknown nic 'lan9'" in res.stderr, res.stderr


def telemetry(prefix, *cmds):
    """Query DPDK's telemetry socket of the process with --file-prefix PREFIX as
    dpdk-telemetry.py does (SOCK_SEQPACKET, JSON replies)."""
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    try:
        s.recv(16384)  # greeting
        out = []
        for c in cmds:
            s.send(c.encode())
            out.append(json.loads(s.recv(65536).decode()))
        return out
    finally:
        s.close()


def test_telemetry_matches_ctl(tap_net):
    net = tap_net()
    for _ in range(3):
        pings(net, 0, "192.0.2.1")
    prefix = net.dp.file_prefix
    before = net.ctl("show", "stats", json=True)
    before0 = net.ctl("show", "stats", "lan0", json=True)
    (stats,) = telemetry(prefix, "/dpstack/stats")
    (nic0,) = telemetry(prefix, "/dpstack/nic,0")
    after = net.ctl("show", "stats", json=True)
    after0 = net.ctl("show", "stats", "lan0", json=True)

    # DPDK 22.11 telemetry names allow [A-Za-z0-9_/] only: a counter's group is a nested
    # dict there, so flattening with '.' gives back the very names dpstack-ctl prints.
    tel = h.flatten(stats["/dpstack/stats"])
    assert set(tel) == set(before)
    same = [k for k in before if before[k] == after[k]]
    assert len(same) > len(before) // 2
    for k in same:
        assert tel[k] == before[k], k
    assert before["icmp.echo_requests_received"] >= 3
    assert "icmp.echo_requests_received" in same

    n = nic0["/dpstack/nic"]
    assert n["nic"] == "lan0" and n["id"] == 0 and n["mtu"] > 0
    assert "192.0.2.1/24 permanent can-be-primary" in n["addresses"]
    assert "203.0.113.0/24" in n["ranges"]
    # /dpstack/stats,lan0 honours its parameter.
    (tel0,) = telemetry(prefix, "/dpstack/stats,lan0")
    tel0 = h.flatten(tel0["/dpstack/stats"])
    after0 = net.ctl("show", "stats", "lan0", json=True)
    same0 = [k for k in before0 if before0[k] == after0[k]]
    assert "icmp.echo_requests_received" in same0
    for k in same0:
        assert tel0[k] == before0[k], k

    nics, routes, neigh = telemetry(prefix, "/dpstack/nics", "/dpstack/routes", "/dpstack/neigh")
    assert nics["/dpstack/nics"] == {"0": "lan0", "1": "lan1"}
    assert "192.0.2.0/24 dev lan0 connected" in routes["/dpstack/routes"]["routes"]
    # Learned from the host's ARP request: STALE (RFC 4861 7.2.3 for ARP too), then DELAY,
    # PROBE, REACHABLE as it is used and probed; the line ends with the entry's age.
    assert any(e.startswith(f"{HOST0} dev lan0 lladdr ") and
               re.search(r" (reachable|stale|delay|probe) age [0-9]+\.[0-9]s$", e)
               for e in neigh["/dpstack/neigh"]["entries"]), neigh


def test_dpdk_telemetry_script_reads_stats(tap_net):
    script = "/usr/bin/dpdk-telemetry.py"
    if not os.path.exists(script):
        pytest.skip("dpdk-telemetry.py not installed")
    net = tap_net()
    r = subprocess.run(["/usr/bin/python3", script, "-f", net.dp.file_prefix],
                       input="/dpstack/nic,lan1\n", capture_output=True, text=True, timeout=20)
    assert '"nic": "lan1"' in r.stdout, r.stdout + r.stderr
    r = subprocess.run(["/usr/bin/python3", script, "-f", net.dp.file_prefix],
                       input="/dpstack/stats,lan1\n", capture_output=True, text=True, timeout=20)
    assert '"rx": {' in r.stdout and '"packets": ' in r.stdout, r.stdout + r.stderr


def test_dpdk_dumpcap_captures(tap_net, tmp_path):
    """dpstack calls rte_pdump_init(): dpdk-dumpcap (a secondary process) can capture. It
    needs shared hugepage memory: no --no-huge, no --in-memory."""
    if not h.hugepages_usable():
        pytest.skip("dpdk-dumpcap needs hugepages (a secondary process maps the primary's)")
    if not os.path.exists("/usr/bin/dpdk-dumpcap"):
        pytest.skip("dpdk-dumpcap not installed")
    try:
        net = tap_net(no_huge=False)
    except h.DpstackError as e:
        # Other DPDK processes on this machine may hold the hugepages.
        if "memory allocation failed" in str(e) or "Cannot allocate memory" in str(e):
            pytest.skip("not enough free hugepages for dpstack")
        raise
    out = tmp_path / "cap.pcapng"
    cap = subprocess.Popen(["/usr/bin/dpdk-dumpcap", f"--file-prefix={net.dp.file_prefix}",
                            "-i", "net_tap0", "-p", "-a", "duration:4", "-w", str(out)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        assert net.ping(0, "192.0.2.1", count=3).returncode == 0
    finally:
        so, se = cap.communicate(timeout=30)
    assert cap.returncode == 0, so + se
    r = subprocess.run(["tcpdump", "-nr", str(out)], capture_output=True, text=True)
    assert "ICMP echo reply" in r.stdout, r.stdout + r.stderr


# --- ping from the router itself -----------------------------------------------------------

PING_LINE = re.compile(r"^(\d+) bytes from (\S+): icmp_seq=(\d+) (ttl|hlim)=(\d+) "
                       r"time=(\d+\.\d{3}) ms$")


def test_ping_from_the_router_v4_and_v6(tap_net):
    """ping from dpstack to the hosts behind it: the route picks the NIC, the NIC's primary
    address is the source, each reply is matched by identifier and sequence and reported with
    its RTT; the summary is ping's. The namespace peer sees the requests come from dpstack."""
    net = tap_net()
    for target, src, nic, field in ((HOST1, "198.51.100.1", "lan1", "ttl"),
                                    ("2001:db8:1::2", "2001:db8:1::1", "lan0", "hlim")):
        fam = "icmp" if ":" not in target else "icmp6"
        names = (f"{fam}.echo_requests_sent", f"{fam}.echo_replies_received")
        before = [net.dp.counter(n) for n in names]
        out = ctl_ok(net, "ping", target, "count", "3", "interval", "100", "size", "100")
        lines = out.splitlines()
        assert lines[0] == f"PING {target} from {src} {nic}: 100 data bytes", out
        replies = [PING_LINE.match(l) for l in lines[1:4]]
        assert all(replies), out
        assert [int(m.group(3)) for m in replies] == [1, 2, 3]
        assert all(m.group(1) == "108" and m.group(2) == target and m.group(4) == field
                   and int(m.group(5)) == 64 for m in replies), out
        assert lines[4] == f"--- {target} ping statistics ---"
        assert re.match(r"^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$",
                        lines[5]), out
        assert re.match(r"^rtt min/avg/max/mdev = [\d.]+/[\d.]+/[\d.]+/[\d.]+ ms$", lines[6])
        assert [net.dp.counter(n) - b for n, b in zip(names, before)] == [3, 3], names

    # A given source (another NIC's address: the weak host model) goes out as given.
    doc = net.ctl("ping", HOST0, "count", "2", "interval", "50", "source", "198.51.100.1",
                  json=True)
    assert doc["source"] == "198.51.100.1" and doc["nic"] == "lan0"
    assert doc["transmitted"] == 2 and doc["received"] == 2 and doc["loss_percent"] == 0
    assert [r["seq"] for r in doc["replies"]] == [1, 2]
    assert doc["rtt_ms"]["min"] <= doc["rtt_ms"]["avg"] <= doc["rtt_ms"]["max"]


def test_ping_with_one_lcore(tap_net):
    """One lcore: the loop that polls the ports also sends the requests and sees the replies."""
    net = tap_net(lcores="0")
    doc = net.ctl("ping", "2001:db8:2::2", "count", "2", "interval", "50", json=True)
    assert doc["received"] == 2 and doc["nic"] == "lan1", doc


def test_ping_unanswered_times_out_with_full_loss(tap_net):
    """An on-link address nobody has: the requests wait for ARP / NDP, which fails; every
    request is lost, the summary says 100% and gives no rtt line (as ping)."""
    net = tap_net()
    t0 = time.monotonic()
    out = ctl_ok(net, "ping", "192.0.2.77", "count", "2", "interval", "100", "timeout", "300")
    took = time.monotonic() - t0
    lines = out.splitlines()
    assert lines[0] == "PING 192.0.2.77 from 192.0.2.1 lan0: 56 data bytes"
    assert lines[1:] == ["--- 192.0.2.77 ping statistics ---",
                         lines[2]], out
    assert re.match(r"^2 packets transmitted, 0 received, 100% packet loss, time \d+ms$",
                    lines[2]), out
    assert took < 3, took
    doc = net.ctl("ping", "2001:db8:2::77", "count", "1", "timeout", "200", json=True)
    assert doc["transmitted"] == 1 and doc["received"] == 0 and doc["rtt_ms"] is None
    assert doc["loss_percent"] == 100 and doc["replies"] == []


def test_ping_refusals(tap_net):
    net = tap_net()
    assert ctl_err(net, "ping", "10.99.0.1") == "ping 10.99.0.1: Network is unreachable"
    assert ctl_err(net, "ping", "192.0.2.1") == \
        "ping: 192.0.2.1 is this stack's own address (on lan0)"
    assert ctl_err(net, "ping", HOST0, "source", "192.0.2.9") == \
        "source 192.0.2.9: Cannot assign requested address"
    assert ctl_err(net, "ping", HOST0, "count", "0") == "bad count '0' (1..1000)"
    assert ctl_err(net, "ping", HOST0, "size", "2000").startswith(
        f"ping {HOST0}: size 2000 does not fit the mtu of lan0 (1500)")
    assert ctl_err(net, "ping", HOST0, "ttl", "3") == \
        "unexpected 'ttl' (want count, size, source, interval or timeout)"
    assert ctl_err(net, "ping", "224.0.0.1") == "ping: '224.0.0.1' is not a unicast address"
    assert ctl_err(net, "ping", HOST0, "count") == "'count' needs a value"


# --- rate-limited data-path warnings -------------------------------------------------------

def test_flood_gives_a_bounded_number_of_warnings_and_a_suppressed_line(tap_net):
    """A flood forwarded to a next hop that never answers ARP fills its resolution queue
    (neigh.queue_full, one of the trouble counters) thousands of times. The warning for that
    reason is logged once at once, then held back: one `suppressed N` line per 10 s, N the
    drops in between, whatever the rate."""
    net = tap_net()
    flood = ("import socket, time\n"
             "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
             "end = time.monotonic() + 11.5\n"
             "while time.monotonic() < end:\n"
             "    for _ in range(20):\n"
             "        s.sendto(b'x' * 32, ('198.51.100.77', 9))\n"
             "    time.sleep(0.002)\n")
    start = len(net.dp.stderr_lines())
    r = net.ns_exec(0, ["python3", "-c", flood], timeout=30)
    assert r.returncode == 0, r.stderr
    pat = re.compile(r"nic lan1: neigh\.queue_full: suppressed (\d+) in the last 10 s")
    assert net.dp.wait_for(pat, timeout=12, stream="stderr", start=start), net.dp.stderr
    drops = net.dp.counter("neigh.queue_full", "lan1")
    lines = [l for l in net.dp.stderr_lines()[start:] if "neigh.queue_full" in l]
    first = [l for l in lines if re.search(r"nic lan1: neigh\.queue_full \+\d+: packets "
                                           r"dropped: resolution queue full", l)]
    suppressed = [int(m.group(1)) for m in map(pat.search, lines) if m]
    assert len(first) == 1, lines
    # About 14 s of trouble: the first line and at most two periods' summaries.
    assert 1 <= len(suppressed) <= 2 and len(lines) <= 3, lines
    assert drops > 1000 and sum(suppressed) > drops / 2, (drops, lines)
    assert sum(suppressed) + int(re.search(r"\+(\d+)", first[0]).group(1)) <= drops
