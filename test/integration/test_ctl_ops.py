"""Day-two operations through dpstack-ctl: the command table against docs/operations.md, the
JSON schema of every command (errors included), show running-config round trips, clear stats,
show interfaces, the audit log and the interactive shell (driven through a pty by pexpect).
"""

import json
import os
import re
from pathlib import Path

import pytest

import dpstack_harness as h

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "docs" / "dpstack-ctl.schema.json"
OPERATIONS = ROOT / "docs" / "operations.md"

NULL_CONFIG = """\
[stack]
forwarding = on

[nic lan0]
port = net_null0
address = 192.0.2.1/24
address = 2001:db8:1::1/64
range = 203.0.113.0/24

[nic lan1]
port = net_null1
address = 198.51.100.1/24

[routes]
10.1.0.0/16 = via 192.0.2.254
default6 = via 2001:db8:1::fe dev lan0

[neighbors]
192.0.2.254 = 02:00:00:00:00:fe lan0

[udp]
echo = 7 9
"""
NULL_VDEVS = ["net_null0,no-rx=1", "net_null1,no-rx=1"]

# One valid and one refused invocation per command: a command added to the table without an
# example here fails test_json_schema_of_every_command.
EXAMPLES = {
    "help": (["help"], ["help", "frob"]),
    "show version": (["show", "version"], ["show", "version", "x"]),
    "show interfaces": (["show", "interfaces"], ["show", "interfaces", "lan9"]),
    "show nics": (["show", "nics"], ["show", "nics", "x"]),
    "show addresses": (["show", "addresses", "lan0", "all"], ["show", "addresses", "lan9"]),
    "show ranges": (["show", "ranges"], ["show", "ranges", "lan9"]),
    "show routes": (["show", "routes"], ["show", "routes", "x"]),
    "show neigh": (["show", "neigh"], ["show", "neigh", "x"]),
    "show stats": (["show", "stats"], ["show", "stats", "lan9"]),
    "show running-config": (["show", "running-config"], ["show", "running-config", "x"]),
    "save": (["save", "{tmp}/saved.conf"], ["save", "/nonexistent/dir/x.conf"]),
    "trace add": (["trace", "add", "3"], ["trace", "add", "0"]),
    "show trace": (["show", "trace"], ["show", "trace", "x"]),
    "clear trace": (["clear", "trace"], ["clear", "trace", "x"]),
    "clear stats": (["clear", "stats", "lan1"], ["clear", "stats", "lan9"]),
    "addr add": (["addr", "add", "lan1", "198.51.100.7/24"], ["addr", "add", "lan1", "1.2.3"]),
    "addr del": (["addr", "del", "lan1", "198.51.100.7/24"],
                 ["addr", "del", "lan1", "198.51.100.7/24"]),
    "range add": (["range", "add", "lan1", "10.5.0.0/16"], ["range", "add", "lan1", "10.5.0.1/16"]),
    "range del": (["range", "del", "lan1", "10.5.0.0/16"], ["range", "del", "lan1", "10.5.0.0/16"]),
    "route add": (["route", "add", "10.9.0.0/16", "via", "198.51.100.2"],
                  ["route", "add", "10.9.0.0/16", "via", "198.51.100.2"]),
    "route replace": (["route", "replace", "10.9.0.0/16", "dev", "lan0"],
                      ["route", "replace", "10.9.0.0/16"]),
    "route del": (["route", "del", "10.9.0.0/16"], ["route", "del", "10.9.0.0/16"]),
    # An empty batch commits at once; a batch's lines come only over one connection (-f).
    "route batch": (["route", "batch", "0"], ["route", "batch", "x"]),
    "neigh add": (["neigh", "add", "192.0.2.9", "lladdr", "02:00:00:00:00:09", "dev", "lan0"],
                  ["neigh", "add", "192.0.2.9", "02:00:00:00:00:09", "lan0"]),
    "neigh replace": (["neigh", "replace", "192.0.2.9", "02:00:00:00:00:0a", "lan0"],
                      ["neigh", "replace", "192.0.2.9", "ff:ff:ff:ff:ff:ff", "lan0"]),
    "neigh del": (["neigh", "del", "192.0.2.9", "dev", "lan0"], ["neigh", "del", "192.0.2.9", "lan0"]),
    "join": (["join", "lan0", "224.1.2.3"], ["join", "lan0", "10.1.2.3"]),
    "leave": (["leave", "lan0", "224.1.2.3"], ["leave", "lan0", "224.1.2.3"]),
    "set": (["set", "lan1", "spoofing", "on"], ["set", "lan1", "mtu", "99999"]),
    "forwarding": (["forwarding", "on"], ["forwarding", "sideways"]),
    "ping": (["ping", "192.0.2.254", "count", "1", "timeout", "50"],
             ["ping", "192.0.2.254", "count", "0"]),
    "complete": (["complete", "show", "r"], ["complete", "a", "b", "c", "d", "e", "f", "g", "h",
                                              "i", "j", "k", "l", "m", "n", "o", "p", "q"]),
}


def start_null(dpstack, config=NULL_CONFIG, **kw):
    return dpstack(config, vdevs=NULL_VDEVS, **kw)


def validator(name):
    import jsonschema
    root = json.loads(SCHEMA.read_text())
    schema = dict(root)
    schema["$ref"] = f"#/$defs/{name}"
    jsonschema.Draft202012Validator.check_schema(root)
    return jsonschema.Draft202012Validator(schema)


def json_reply(dp, args):
    """dpstack-ctl --json ARGS: (rc, parsed stdout or None when empty)."""
    rc, out, err = dp.ctl("--json", *args)
    return rc, (json.loads(out) if out.strip() else None), err


def commands(dp):
    return dp.ctl("help", json=True)


def test_operations_md_lists_exactly_the_command_table(dpstack):
    """docs/operations.md has one `### NAME ARGS` heading per command under `## Commands`,
    spelled as the table (and `help`) spells it; no heading names a command that is not."""
    dp = start_null(dpstack)
    table = {(c["command"] + " " + c["args"]).strip() for c in commands(dp)}
    text = OPERATIONS.read_text()
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    headings = {m.group(1).strip().strip("`") for m in re.finditer(r"^### (.+)$", section, re.M)}
    assert table - headings == set(), "commands missing from docs/operations.md"
    assert headings - table == set(), "docs/operations.md names commands that do not exist"


def test_json_schema_of_every_command(dpstack, tmp_path):
    pytest.importorskip("jsonschema")
    dp = start_null(dpstack)
    cmds = commands(dp)
    validator("help").validate(cmds)
    assert {c["command"] for c in cmds} == set(EXAMPLES), "an EXAMPLES entry per command"
    err_v = validator("error")
    for c in cmds:
        good, bad = EXAMPLES[c["command"]]
        good = [a.replace("{tmp}", str(tmp_path)) for a in good]
        rc, doc, err = json_reply(dp, good)
        assert rc == 0, (good, err)
        validator(c["schema"]).validate(doc)
        rc, doc, err = json_reply(dp, bad)
        assert rc == 1, (bad, doc)
        err_v.validate(doc)
        assert err.strip() == f"dpstack-ctl: {doc['error']}"
    # Unresolved neighbours have no MAC: null, not 00:00:00:00:00:00 (show neigh after a
    # packet for an unknown next hop is queued: the route's gateway is never answered here).
    neigh = dp.ctl("show", "neigh", json=True)
    validator("neigh").validate(neigh)
    assert all(n["mac"] is None for n in neigh if n["state"] in ("incomplete", "failed"))


def shows(dp):
    """What running-config must reproduce, in a form that does not depend on the instance."""
    nics = dp.ctl("show", "nics", json=True)
    for n in nics["nics"]:
        n.pop("mac")
    addrs = [a for a in dp.ctl("show", "addresses", json=True) if not a["internal"]]
    for a in addrs:
        a.pop("refs")
    return {
        "nics": nics,
        "addresses": addrs,
        "ranges": dp.ctl("show", "ranges", json=True),
        "routes": dp.ctl("show", "routes", json=True),
        "neigh": [{k: v for k, v in n.items() if k != "age_ms"}
                  for n in dp.ctl("show", "neigh", json=True) if n["state"] == "static"],
    }


def test_running_config_round_trips(dpstack, tmp_path):
    dp = start_null(dpstack)
    for cmd in ("addr add lan1 198.51.100.9/24 first", "addr add lan0 192.0.2.7/24 never",
                "addr del lan0 2001:db8:1::1/64", "range add lan1 10.77.0.0/16",
                "range del lan0 203.0.113.0/24", "route add default via 198.51.100.254",
                "route replace 10.1.0.0/16 dev lan1", "route del default6",
                "route add 2001:db8:99::/48 dev lan0",
                "neigh add 198.51.100.254 02:00:00:00:01:fe lan1",
                "neigh replace 192.0.2.254 02:00:00:00:00:ef lan0", "set lan1 promiscuous on",
                "set lan0 forwarding off", "forwarding off"):
        rc, out, err = dp.ctl(*cmd.split())
        assert rc == 0, (cmd, err)
    want = shows(dp)
    rc, text, err = dp.ctl("show", "running-config")
    assert rc == 0, err
    assert "\n[udp]\necho = 7 9\n" in text
    rc, _, err = dp.ctl("save", str(tmp_path / "saved.conf"))
    assert rc == 0, err
    assert (tmp_path / "saved.conf").read_text() == text
    dp.stop()
    # A second dpstack started from it shows the same state.
    dp2 = start_null(dpstack, config=text)
    assert shows(dp2) == want
    rc, text2, err = dp2.ctl("show", "running-config")
    assert text2 == text


def test_running_config_round_trips_dad_ra_redirects_and_source_route(dpstack):
    cfg = NULL_CONFIG.replace("[stack]\nforwarding = on\n",
                              "[stack]\nforwarding = on\ndad_transmits = 0\ndad_retrans_ms = 500\n")
    cfg = cfg.replace("range = 203.0.113.0/24\n",
                      "range = 203.0.113.0/24\naddress = fe80::1/64\nredirects = off\n"
                      "source_route = on\nra = on\nra_interval = 30\n"
                      "ra_prefix = 2001:db8:1::/64\nra_prefix = 2001:db8:5::/64\n")
    dp = start_null(dpstack, config=cfg)
    rc, text, err = dp.ctl("show", "running-config")
    assert rc == 0, err
    assert "\ndad_transmits = 0\ndad_retrans_ms = 500\n" in text
    lan0 = text.split("[nic lan0]\n")[1].split("\n[")[0]
    for line in ("redirects = off", "source_route = on", "ra = on", "ra_interval = 30",
                 "ra_prefix = 2001:db8:1::/64", "ra_prefix = 2001:db8:5::/64"):
        assert f"\n{line}\n" in lan0, (line, lan0)
    lan1 = text.split("[nic lan1]\n")[1]
    assert "redirects" not in lan1.split("\n[")[0] and "ra =" not in lan1.split("\n[")[0]
    want = shows(dp)
    dp.stop()
    dp2 = start_null(dpstack, config=text)
    assert shows(dp2) == want
    rc, text2, err = dp2.ctl("show", "running-config")
    assert text2 == text


def test_set_mtu_changes_the_nic_and_the_config(dpstack):
    dp = start_null(dpstack)
    rc, out, err = dp.ctl("set", "lan1", "mtu", "9000")
    assert rc == 0, err
    assert [n["mtu"] for n in dp.ctl("show", "nics", json=True)["nics"]] == [1500, 9000]
    assert "\nmtu = 9000\n" in dp.ctl("show", "running-config")[1]
    rc, out, err = dp.ctl("set", "lan0", "mtu", "1000")
    assert rc == 1
    assert err.strip() == ("dpstack-ctl: mtu 1000 too small for nic 'lan0' with an IPv6 "
                           "address: IPv6 needs 1280 (RFC 8200 section 5)")


def test_audit_log_names_client_and_change(dpstack):
    dp = start_null(dpstack)
    rc, _, _ = dp.ctl("route", "add", "10.44.0.0/16", "via", "192.0.2.254")
    assert rc == 0
    rc, _, _ = dp.ctl("route", "add", "10.44.0.0/16", "via", "192.0.2.254")
    assert rc == 1
    dp.ctl("show", "routes")
    assert dp.wait_for(re.compile(r"audit: ctl pid \d+ uid 0: route add 10\.44\.0\.0/16 via "
                                  r"192\.0\.2\.254: ok"), timeout=5, stream="stderr"), dp.stderr
    assert dp.wait_for(re.compile(r"audit: ctl pid \d+ uid 0: route add 10\.44\.0\.0/16 via "
                                  r"192\.0\.2\.254: route 10\.44\.0\.0/16: File exists"),
                       timeout=5, stream="stderr"), dp.stderr
    assert "audit: ctl pid" not in "".join(l for l in dp.stderr_lines() if "show routes" in l)


def test_show_interfaces_and_clear_stats(tap_net):
    net = tap_net()
    assert net.ping(0, "192.0.2.1", count=3).returncode == 0
    ifs = {i["nic"]: i for i in net.ctl("show", "interfaces", json=True)}
    lan0 = ifs["lan0"]
    assert (lan0["driver"], lan0["device"]) == ("net_tap", "net_tap0")
    # The TAP PMD reports the link of its kernel end, which the harness moved to a namespace.
    assert lan0["link"] in ("up", "down") and lan0["duplex"] in ("full", "half")
    assert lan0["speed"] > 0 and lan0["mtu"] == 1500 and lan0["rxq"] >= 1
    assert lan0["stats"]["rx_packets"] >= 3 and lan0["stats"]["tx_packets"] >= 3
    assert len(lan0["queues"]) == max(lan0["rxq"], lan0["txq"])
    assert sum(q["rx_packets"] for q in lan0["queues"]) == lan0["stats"]["rx_packets"]
    text = net.ctl("show", "interfaces", "lan0")[1]
    assert text.startswith("lan0: port 0 driver net_tap device net_tap0\n"), text
    assert "Link " in text and "queue 0 rx " in text
    before = net.dp.stats()
    assert before["icmp.echo_requests_received"] >= 3

    rc, _, err = net.ctl("clear", "stats")
    assert rc == 0, err
    assert net.dp.stats()["icmp.echo_requests_received"] == 0
    assert net.dp.stats("lan0")["icmp.echo_requests_received"] == 0
    ifs = {i["nic"]: i for i in net.ctl("show", "interfaces", json=True)}
    assert ifs["lan0"]["stats"]["rx_packets"] < lan0["stats"]["rx_packets"]
    assert net.ping(0, "192.0.2.1", count=2).returncode == 0
    assert net.dp.stats()["icmp.echo_requests_received"] == 2
    assert net.dp.stats("lan0")["icmp.echo_requests_received"] == 2


def test_trace_records_path_verdict_and_counters(tap_net):
    net = tap_net()
    assert net.ping(0, "192.0.2.1", count=1).returncode == 0  # resolved: no ARP below
    assert net.ctl("show", "trace", json=True) == []
    # Room for the kernel's own chatter (MLD, router solicitations) besides our pings.
    rc, _, err = net.ctl("trace", "add", "40")
    assert rc == 0, err
    assert net.ping(0, "192.0.2.1", count=2).returncode == 0
    # A destination nobody routes: dropped, and the trace says why.
    net.ping(0, "10.250.0.1", count=1, wait=1)
    recs = net.ctl("show", "trace", json=True)
    echo = [r for r in recs if "192.0.2.2 > 192.0.2.1 proto 1" in r["summary"]]
    assert len(echo) >= 2, recs
    e = echo[0]
    assert e["nic"] == "lan0" and e["verdict"] == "answered" and e["reason"] is None
    assert e["path"].startswith("rx ip") and "icmp" in e["path"] and "tx" in e["path"]
    moved = {c["counter"] for c in e["counters"]}
    assert {"rx.packets", "icmp.echo_requests_received", "icmp.echo_replies_sent"} <= moved
    drop = [r for r in recs if "> 10.250.0.1 proto 1" in r["summary"]]
    assert drop and drop[0]["verdict"] == "drop" and drop[0]["reason"] == "fwd.no_route", recs
    text = net.ctl("show", "trace")[1]
    assert "    verdict drop fwd.no_route\n" in text and "    lan0 icmp.echo_replies_sent +1\n" in text
    # At most N per worker (one worker here): later packets are not recorded.
    assert net.ctl("clear", "trace")[0] == 0
    assert net.ctl("trace", "add", "1")[0] == 0
    assert net.ping(0, "192.0.2.1", count=3).returncode == 0
    assert len(net.ctl("show", "trace", json=True)) == 1
    rc, _, _ = net.ctl("clear", "trace")
    assert rc == 0 and net.ctl("show", "trace", json=True) == []


def test_interactive_shell_through_a_pty(dpstack, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    dp = start_null(dpstack)
    env = dict(os.environ, HOME=str(tmp_path), TERM="dumb")
    sh = pexpect.spawn(str(h.ctl_bin()), ["-s", dp.socket], env=env, encoding="utf-8",
                       timeout=10, dimensions=(40, 200))
    try:
        sh.expect_exact("dpstack> ")
        # Abbreviations.
        sh.sendline("sh ver")
        sh.expect(r"dpstack \S+ \(.*\)\r\nDPDK 22\.11")
        sh.expect_exact("dpstack> ")
        # Completion: a unique word completes with TAB.
        sh.send("show ro\t")
        sh.expect_exact("show routes")
        sh.sendline("")
        sh.expect_exact("10.1.0.0/16 via 192.0.2.254 dev lan0")
        sh.expect_exact("dpstack> ")
        # NIC names complete too.
        sh.send("show addresses la\t1\n")
        sh.expect_exact("1: lan1: mtu 1500")
        sh.expect_exact("dpstack> ")
        # An error is reported and the shell goes on.
        sh.sendline("route del 10.99.0.0/16")
        sh.expect_exact("error: route 10.99.0.0/16: No such process")
        sh.expect_exact("dpstack> ")
        sh.sendline("route add 10.99.0.0/16 dev lan1")
        sh.expect_exact("dpstack> ")
        # History: up-arrow brings back the last line.
        sh.send("\x1b[A")
        sh.expect_exact("route add 10.99.0.0/16 dev lan1")
        sh.send("\x15")  # kill the line
        sh.sendline("quit")
        sh.expect(pexpect.EOF)
    finally:
        sh.close()
    assert sh.exitstatus == 0
    assert any(r["prefix"] == "10.99.0.0/16" for r in dp.ctl("show", "routes", json=True))
    hist = (tmp_path / ".dpstack_ctl_history").read_text().replace("\\040", " ")
    assert "route add 10.99.0.0/16 dev lan1" in hist


def test_shell_reads_commands_from_a_pipe(dpstack):
    """No command and no tty: the same shell reads stdin (batch use without -f)."""
    dp = start_null(dpstack)
    import subprocess
    r = subprocess.run([str(h.ctl_bin()), "-s", dp.socket], input="show ranges\nfrob\n",
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    assert "203.0.113.0/24 dev lan0" in r.stdout
    assert "error: unknown command 'frob' (try help)" in r.stderr


# --- memory: two default instances at once, scripts/setup's reservation ---------------------

DEFAULT_CONF = ROOT / "conf" / "default.conf"
SETUP = ROOT / "scripts" / "setup"


def check_estimate_mb(conf):
    r = h.run_dpstack(["--", "-f", str(conf), "--check"])
    assert r.returncode == 0, r.stderr
    return int(re.search(r": memory about (\d+) MB", r.stdout).group(1))


def setup_sh(script, **env):
    """Run SCRIPT in bash after sourcing scripts/setup (DPS_BUILD: this build)."""
    full = dict(os.environ, DPS_BUILD=str(h.build_dir()), **env)
    r = __import__("subprocess").run(["bash", "-c", f"source {SETUP}; {script}"],
                                     capture_output=True, text=True, env=full, timeout=60,
                                     stdin=__import__("subprocess").DEVNULL)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_setup_reserves_what_the_config_needs(tmp_path):
    """scripts/setup reserves from dpstack's own estimate (--check), not a fixed count: one
    instance's pages (estimate in 2 MB pages + 8 for EAL) as the least it uses, two
    instances' as what it reserves; a config with larger tables needs more."""
    big = tmp_path / "big.conf"
    big.write_text(DEFAULT_CONF.read_text().replace(
        "[stack]\n", "[stack]\nmax_routes4 = 1048576\nmax_routes6 = 32767\n", 1))
    for conf in (DEFAULT_CONF, big):
        want = (check_estimate_mb(conf) + 1) // 2 + 8
        assert int(setup_sh(f"dps_hugepages_need {conf}")) == want
    assert int(setup_sh(f"dps_hugepages_need {big}")) > int(setup_sh("dps_hugepages_need")) + 20
    # dps_hugepages takes the default config's figure (no root: nothing is written).
    need = int(setup_sh("dps_hugepages_need"))
    out = setup_sh("dps_is_root() { return 1; }; dps_hugepages 2>/dev/null; "
                   "echo $DPS_HUGEPAGES_WANT $DPS_HUGEPAGES_MIN")
    assert out.split() == [str(2 * need), str(need)]
    # An explicit count still wins; without a built dpstack the default figure is used.
    assert setup_sh("DPS_HUGEPAGES_WANT=300; dps_is_root() { return 1; }; "
                    "dps_hugepages 2>/dev/null; echo $DPS_HUGEPAGES_WANT") == "300"
    assert setup_sh("DPS_BUILD=/nonexistent dps_hugepages_need") == "112"


def _two_default_instances(tap_net, **kw):
    nets = [tap_net(config=DEFAULT_CONF, **kw) for _ in range(2)]
    for net in nets:
        assert net.ping(0, "192.0.2.1").returncode == 0
        assert net.ping(1, "2001:db8:2::1").returncode == 0
    return nets


def test_two_default_instances_at_once_no_huge_256(tap_net):
    """Two dpstacks with conf/default.conf at once, each with --no-huge -m 256."""
    _two_default_instances(tap_net, no_huge=False, extra_eal=["--no-huge", "-m", "256"])


def test_two_default_instances_fit_256_hugepages(tap_net):
    """Two dpstacks with conf/default.conf at once on hugepages take at most 256 x 2 MB (what
    docs/running.md promises; scripts/setup reserves dps_hugepages_need x 2)."""
    if not h.hugepages_usable(min_pages=256):
        pytest.skip("fewer than 256 free 2 MB hugepages (scripts/setup reserves them)")
    free = h.hugepages_free()
    _two_default_instances(tap_net, no_huge=False)
    used = free - h.hugepages_free()
    assert 0 < used <= 256, used
    assert used <= 2 * int(setup_sh("dps_hugepages_need")), used


def test_quickstart_stats_do_not_scroll_the_hints_away_on_a_terminal():
    """scripts/run on a terminal (a pty): the per-second stats lines share one line that is
    rewritten in place (carriage return, erase), so the hints printed above stay on screen;
    no stats line scrolls as a line of its own."""
    pexpect = pytest.importorskip("pexpect")
    import test_quickstart as q
    if q._busy() is not None:
        pytest.skip(q._busy())
    env = q._env()
    sh = pexpect.spawn(str(q.RUN), ["--no-install", "--no-build"], env=env, encoding="utf-8",
                       timeout=60, dimensions=(50, 200))
    try:
        sh.expect_exact("ip netns exec dps-host0 ping")
        sh.expect_exact("Press Ctrl-C to stop dpstack")
        # Three refreshes of the counters line, numbers where the numbers belong (scripts/run
        # picks them out of the `stats NIC rx N pps B bps tx N pps B bps drops N` lines).
        for _ in range(3):
            sh.expect(r"\r\x1b\[Klan[01] rx \d+ pps tx \d+ pps drops \d+")
        sh.sendintr()
        sh.expect(pexpect.EOF)
        out = sh.before
    finally:
        # Ctrl-C even on a failure: scripts/run then stops dpstack and removes its namespaces.
        if sh.isalive():
            sh.sendintr()
            try:
                sh.expect(pexpect.EOF, timeout=30)
            except pexpect.TIMEOUT:
                pass
        sh.close(force=True)
    assert not re.search(r"^stats lan[01] rx", out, re.M), out


def test_defect_table_names_tests_that_exist():
    """docs/operations.md maps each day-two defect to its tests: every pytest function and
    every C case it names exists, in the file (or unit test) it names, so the table cannot
    point at a test that was renamed or removed."""
    text = OPERATIONS.read_text().split("\n## The day-two defects and the tests", 1)[1]
    rows = [l for l in text.splitlines() if l.startswith("| ") and "`" in l]
    assert len(rows) >= 35, len(rows)
    tests = ROOT / "test"
    for row in rows:
        cell = row.split(" | ", 1)[1]
        assert "`" in cell, row
        # pytest: `file.py` `test_a`, `test_b`; C: U: `test_x` `case_a`, `case_b`.
        for part in re.split(r";\s*", cell):
            names = re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", part))
            if not names:
                continue
            where, funcs = names[0], [n for n in names[1:] if re.fullmatch(r"\w+", n)]
            if part.lstrip(" |").startswith("U:"):
                src = (tests / "unit" / f"{where}.c").read_text()
                for f in funcs:
                    assert f"DPS_TEST({f})" in src, (where, f)
            else:
                src = (tests / "integration" / where).read_text()
                for f in funcs:
                    assert re.search(rf"^def {f}\(", src, re.M), (where, f)


VLAN_NULL_CONFIG = NULL_CONFIG.replace("[routes]", """\
[nic lan0v100]
port = net_null0
vlan = 100
mtu = 1400
address = 10.100.0.1/24

[routes]""")


def test_set_mtu_of_a_vlan_nic_stays_within_its_port(dpstack):
    """A VLAN NIC carries at most its port's MTU (docs/operations.md, set): a VLAN above it and
    a port below one of its VLANs are refused with the NIC to change first; equal is fine."""
    dp = start_null(dpstack, config=VLAN_NULL_CONFIG)

    def mtus():
        return {n["nic"]: n["mtu"] for n in dp.ctl("show", "nics", json=True)["nics"]}

    assert mtus() == {"lan0": 1500, "lan1": 1500, "lan0v100": 1400}
    rc, _, err = dp.ctl("set", "lan0v100", "mtu", "1501")
    assert rc == 1
    assert err.strip() == ("dpstack-ctl: mtu 1501 too big for nic 'lan0v100', vlan 100 of nic "
                           "'lan0' with mtu 1500 (raise lan0's first)")
    rc, _, err = dp.ctl("set", "lan0", "mtu", "1399")
    assert rc == 1
    assert err.strip() == ("dpstack-ctl: mtu 1399 too small for nic 'lan0': its vlan 100, nic "
                           "'lan0v100', has mtu 1400 (lower it first)")
    assert mtus() == {"lan0": 1500, "lan1": 1500, "lan0v100": 1400}
    # The port's own MTU is the bound, the tag is not taken from it; lowering to equal is fine.
    for nic, mtu in (("lan0v100", "1500"), ("lan0", "1600"), ("lan0v100", "1600"),
                     ("lan0v100", "1300"), ("lan0", "1300")):
        rc, _, err = dp.ctl("set", nic, "mtu", mtu)
        assert rc == 0, (nic, mtu, err)
    assert mtus() == {"lan0": 1300, "lan1": 1500, "lan0v100": 1300}
    # Another port's MTU is no VLAN's bound.
    rc, _, err = dp.ctl("set", "lan1", "mtu", "1280")
    assert rc == 0, err
    rc, out, err = dp.ctl("--json", "set", "lan0v100", "mtu", "1400")
    assert rc == 1 and json.loads(out) == {
        "error": "mtu 1400 too big for nic 'lan0v100', vlan 100 of nic 'lan0' with mtu 1300 "
                 "(raise lan0's first)", "errno": 22, "strerror": "Invalid argument"}
    assert "\nmtu = 1300\n" in dp.ctl("show", "running-config")[1].split("[nic lan0v100]")[1]


def test_config_vlan_mtu_above_its_port_is_refused(dpstack):
    for port_mtu, want in (("", "mtu 1501 too big for nic 'lan0v100', vlan 100 of nic 'lan0' "
                                "with mtu 1500 (the default)"),
                           ("mtu = 1400\n", "mtu 1501 too big for nic 'lan0v100', vlan 100 of "
                                            "nic 'lan0' with mtu 1400")):
        cfg = VLAN_NULL_CONFIG.replace("mtu = 1400\n", "mtu = 1501\n").replace(
            "port = net_null0\naddress = 192.0.2.1/24\n",
            "port = net_null0\n" + port_mtu + "address = 192.0.2.1/24\n")
        line = h.without_dad(cfg).splitlines().index("mtu = 1501") + 1
        dp = start_null(dpstack, config=cfg, wait_ready=False)
        res = dp.wait(timeout=30)
        assert res.returncode != 0
        assert res.stderr.splitlines()[-1].endswith(f"/dpstack.conf:{line}: {want}"), res.stderr


def test_show_interfaces_of_a_vlan_nic_names_its_port_and_vid(dpstack):
    dp = start_null(dpstack, config=VLAN_NULL_CONFIG)
    ifs = {i["nic"]: i for i in dp.ctl("show", "interfaces", json=True)}
    v, lan0 = ifs["lan0v100"], ifs["lan0"]
    assert (v["port"], v["driver"], v["device"]) == (0, "net_null", "net_null0.100")
    assert (lan0["device"], lan0["mtu"], v["mtu"]) == ("net_null0", 1500, 1400)
    assert v["mac"] == lan0["mac"] and (v["rxq"], v["txq"]) == (lan0["rxq"], lan0["txq"])
    text = dp.ctl("show", "interfaces", "lan0v100")[1]
    assert text.startswith("lan0v100: port 0 driver net_null device net_null0.100\n"), text
    assert f"\n    mtu 1400 mac {v['mac']} rxq " in text
    assert dp.ctl("show", "interfaces", "lan1")[1].startswith(
        "lan1: port 1 driver net_null device net_null1\n")
