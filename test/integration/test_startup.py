"""Start-up order and its checks (issue 12): dpstack's own arguments and the config file are
checked before EAL starts, --check and --version need neither EAL nor hugepages, a bad
--log-level is fatal, a control socket in use is refused before any port starts, the memory
estimate is checked against what EAL can give, the default config fits --no-huge -m 256, the
startup file runs before the control socket serves, SIGHUP is logged.

Run: /usr/bin/python3 -m pytest -v test/integration/test_startup.py
"""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import dpstack_harness as h

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONF = ROOT / "conf" / "default.conf"

NULL_DEFAULT = DEFAULT_CONF.read_text().replace("net_tap0", "net_null0").replace(
    "net_tap1", "net_null1")
NULLS = ["net_null0,no-rx=1", "net_null1,no-rx=1"]


def run(args, **kw):
    return h.run_dpstack([str(a) for a in args], **kw)


def no_eal_output(r):
    return "EAL:" not in r.stdout + r.stderr


def test_no_arguments_fail_before_eal():
    before = set(os.listdir("/var/run/dpdk")) if os.path.isdir("/var/run/dpdk") else set()
    r = run([])
    assert r.returncode == 1
    assert "-f FILE is required" in r.stderr
    assert no_eal_output(r), r.stderr
    after = set(os.listdir("/var/run/dpdk")) if os.path.isdir("/var/run/dpdk") else set()
    assert after == before


def test_eal_only_arguments_without_separator_are_refused_before_eal():
    r = run(["-l", "0", *SAFE_EAL])
    assert r.returncode == 1
    assert "EAL options go before --" in r.stderr
    assert no_eal_output(r)


def test_config_error_comes_before_eal_even_with_a_bad_eal_argument(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[nic lan0]\nport = net_null0\naddress = 10.0.0.300/24\n")
    r = run(["--no-such-eal-option", *SAFE_EAL, "--", "-f", bad])
    assert r.returncode == 1
    assert r.stderr.startswith(f"{bad}:3:"), r.stderr
    assert no_eal_output(r), r.stderr


# Should a check miss, EAL still runs harmlessly: no PCI, its own prefix, no hugepages.
SAFE_EAL = ["--no-pci", "--no-huge", "-m", "64", "--file-prefix=dpst12b" + h.unique_id()]


@pytest.mark.parametrize("level", ["dpstack.*:loud", "*:0", "9", "[,debug", ":debug", ""])
def test_bad_log_level_is_fatal_before_eal(level):
    r = run(["--log-level=" + level, *SAFE_EAL, "--", "-f", DEFAULT_CONF])
    assert r.returncode == 1
    assert "--log-level" in r.stderr and "expected LEVEL" in r.stderr, r.stderr
    assert no_eal_output(r)


def test_good_log_levels_pass_the_check():
    for level in ["dpstack.*:debug", "lib.eal:warning", "7", "debug", "dpstack\\..*,info"]:
        r = run(["--log-level=" + level, "--", "-f", DEFAULT_CONF, "--check"])
        assert r.returncode == 0, (level, r.stderr)


def test_check_validates_without_eal_ports_or_hugepages(tmp_path):
    r = run(["--", "-f", DEFAULT_CONF, "--check"])
    assert r.returncode == 0, r.stderr
    assert f"{DEFAULT_CONF}: ok: 2 nics" in r.stdout
    m = re.search(r"memory about (\d+) MB: IPv4 routes \(max_routes4 = 16384\)", r.stdout)
    assert m, r.stdout
    assert 100 < int(m.group(1)) < 240
    assert no_eal_output(r)
    # No separator needed when there are no EAL options.
    assert run(["-f", DEFAULT_CONF, "--check"]).returncode == 0
    small = tmp_path / "small.conf"
    small.write_text("[stack]\nmax_routes4 = 1024\nmax_routes6 = 1024\n[nic a]\nport = 0\n")
    r = run(["-f", small, "--check"])
    assert "max_routes4 = 1024" in r.stdout and "max_routes6 = 1024" in r.stdout
    bad = tmp_path / "bad.conf"
    bad.write_text("[stack]\nmax_routes6 = 16777217\n[nic a]\nport = 0\n")
    r = run(["-f", bad, "--check"])
    assert r.returncode == 1
    assert r.stderr.strip() == (f"{bad}:2: max_routes6 '16777217' out of range "
                                "(a number 16..16777216)")


def _meson_version():
    m = re.search(r"version:\s*'([^']+)'", (ROOT / "meson.build").read_text())
    return m.group(1)


def test_version_needs_no_eal():
    r = run(["--version"])
    assert r.returncode == 0
    m = re.fullmatch(r"dpstack (\S+) \((\S+)\), DPDK (\d+\.\d+\S*)\n", r.stdout)
    assert m, r.stdout
    assert m.group(1) == _meson_version()
    assert m.group(3).startswith("22.11")
    assert no_eal_output(r)
    describe = subprocess.run(["git", "-C", str(ROOT), "describe", "--tags", "--always"],
                              capture_output=True, text=True)
    if describe.returncode == 0:
        assert m.group(2).startswith(describe.stdout.strip()), (m.group(2), describe.stdout)


def test_default_config_fits_no_huge_256(tmp_path):
    conf = tmp_path / "default-null.conf"
    conf.write_text(NULL_DEFAULT)
    sock = tmp_path / "s.sock"
    eal = h.eal_args("0", NULLS, no_huge=False) + ["--no-huge", "-m", "256"]
    p = subprocess.Popen([str(h.dpstack_bin()), *eal, "--", "-f", str(conf), "-s", str(sock)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         stdin=subprocess.DEVNULL)
    prefix = [a for a in eal if a.startswith("--file-prefix=")][0].split("=", 1)[1]
    try:
        out = ""
        deadline = time.time() + 30
        while time.time() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out += line
            if "dpstack: ready" in line:
                break
        assert "dpstack: ready" in out, out
        assert re.search(r"dpstack: memory: about \d+ MB: .*EAL can give \d+ MB", out), out
        # SIGHUP: one line, and dpstack keeps running.
        p.send_signal(signal.SIGHUP)
        seen = ""
        while "SIGHUP" not in seen:
            line = p.stdout.readline()
            assert line, seen
            seen += line
        assert "SIGHUP: reloading the configuration is not supported" in seen, seen
        assert p.poll() is None
        p.send_signal(signal.SIGINT)
        rest = p.communicate(timeout=20)[0]
        assert p.returncode == 0, rest
        assert "mbufs in use: 0" in rest
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        h.cleanup_prefix(prefix)


def test_memory_shortfall_says_what_is_missing(tmp_path):
    conf = tmp_path / "default-null.conf"
    conf.write_text(NULL_DEFAULT)
    eal = h.eal_args("0", NULLS, no_huge=False) + ["--no-huge", "-m", "160"]
    r = run([*eal, "--", "-f", conf, "-s", tmp_path / "s.sock"])
    assert r.returncode == 1
    err = [l for l in r.stderr.splitlines() if l.startswith("dpstack: not enough memory")]
    assert err, r.stderr
    assert re.search(r"needs \d+ MB .* EAL can give \d+ MB: \d+ MB missing", err[0]), err[0]
    assert "-m" in err[0] and "max_routes4 =" in err[0]
    # Refused before any port started, and not blamed on a config line.
    assert "Link up" not in r.stdout + r.stderr
    assert f"{conf}:" not in r.stderr


def test_control_socket_in_use_refused_before_any_port(tmp_path):
    with h.Dpstack() as first:
        first.start(NULL_DEFAULT, vdevs=NULLS, lcores="0")
        conf = tmp_path / "second.conf"
        conf.write_text(NULL_DEFAULT)
        eal = h.eal_args("0", NULLS)
        r = run([*eal, "--", "-f", conf, "-s", first.socket])
        assert r.returncode == 1
        assert f"control socket {first.socket}: in use by a running dpstack" in r.stderr
        # Refused before any pool, port or stack was created.
        out = r.stdout + r.stderr
        assert "mbuf pool dps_mbuf" not in out and "Link up" not in out and "ready" not in out, out
        # The first one is unharmed.
        assert first.ctl("show", "nics")[0] == 0


def test_startup_file_runs_before_the_socket_serves(tmp_path):
    n = 1000
    startup = "".join(f"route add 10.{i // 256}.{i % 256}.0/24 dev lan0\n" for i in range(n))
    with h.Dpstack() as d:
        d.start(NULL_DEFAULT, vdevs=NULLS, lcores="0", startup=startup, wait_ready=False)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(d.socket)
                s.close()
                break
            except OSError:
                time.sleep(0.005)
        # The first client to get in sees every route of the file.
        rc, out, err = d.ctl("show", "routes")
        assert rc == 0, err
        last = f"10.{(n - 1) // 256}.{(n - 1) % 256}.0/24"
        assert last in out
        d.wait_for("dpstack: ready")


def test_no_link_down_for_a_tap_whose_kernel_end_is_up_in_a_namespace(tap_net):
    net = tap_net()
    # The link poll runs every second: give it three.
    time.sleep(3)
    out = net.dp.stdout + net.dp.stderr
    assert "Link down" not in out, out
    assert "kernel end is in another network namespace" in out, out
    rc, show, err = net.dp.ctl("show", "interfaces")
    assert rc == 0, err
    print(show)
    assert " down" not in show.lower(), show


def test_debug_log_level_shows_route_address_and_neighbour_changes():
    conf = NULL_DEFAULT + "\n[neighbors]\n192.0.2.9 = 02:00:00:00:00:09 lan0\n"
    with h.Dpstack() as d:
        d.start(conf, vdevs=NULLS, lcores="0", extra_eal=["--log-level=dpstack.*:debug"])
        assert d.ctl("addr", "add", "lan0", "192.0.2.10/24")[0] == 0
        assert d.ctl("route", "add", "10.9.0.0/16", "via", "192.0.2.9")[0] == 0
        assert d.ctl("route", "del", "10.9.0.0/16")[0] == 0
        assert d.ctl("addr", "del", "lan0", "192.0.2.10/24")[0] == 0
        d.wait_for(r"address remove 192\.0\.2\.10")
        out = d.stdout + d.stderr
        for pat in [r"nic lan0: address add 2001:db8:1::1/64: ok",
                    r"route add connected 192\.0\.2\.0/24 nic 0",
                    r"neigh nic 0 192\.0\.2\.9: new -> static 02:00:00:00:00:09",
                    r"nic lan0: address add 192\.0\.2\.10/24: ok",
                    r"route add 10\.9\.0\.0/16 via 192\.0\.2\.9 nic 0 \(1 path\): ok",
                    r"route del 10\.9\.0\.0/16: ok",
                    r"nic lan0: address remove 192\.0\.2\.10",
                    r"Link up"]:
            assert re.search(pat, out), (pat, out)
    # At the default level none of it shows.
    with h.Dpstack() as d:
        d.start(conf, vdevs=NULLS, lcores="0")
        assert d.ctl("route", "add", "10.9.0.0/16", "via", "192.0.2.9")[0] == 0
        time.sleep(0.2)
        assert "route add 10.9.0.0/16 via 192.0.2.9 nic 0" not in d.stdout + d.stderr
