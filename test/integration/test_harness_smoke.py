"""Smoke tests: only the binary, no traffic. They check the harness as much as dpstack."""

import re
import signal
import subprocess

import pytest

import dpstack_harness as h


def test_help_exits_zero_and_lists_app_options(dps_bin):
    r = h.run_dpstack(["--help"])
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    # Each app option on a line of its own in the dpstack section (a bare "-f" in the text
    # would also match EAL's --file-prefix).
    app = out.split("dpstack options:", 1)[1].split("EAL common options:", 1)[0]
    for opt in (r"-f, --file FILE", r"-s, --socket PATH", r"--stats SECONDS", r"--startup FILE",
                r"--mbuf-size BYTES", r"-h, --help"):
        assert re.search(r"^\s+" + re.escape(opt) + r"\s", app, re.M), (opt, app)


def test_missing_config_file_is_one_line_error(dps_bin, tmp_path):
    missing = tmp_path / "does-not-exist.conf"
    args = h.eal_args(lcores="0", in_memory=True, no_huge=True) + ["--", "-f", str(missing)]
    r = h.run_dpstack(args)
    assert r.returncode != 0, r.stdout + r.stderr
    lines = [l for l in r.stderr.splitlines() if str(missing) in l]
    assert len(lines) == 1, r.stderr
    assert "ready" not in r.stdout


# --- the harness judges every run ------------------------------------------------------------

NULL_CONF = "[nic lan0]\nport = net_null0\naddress = 192.0.2.1/24\n"
PCAP_CONF = "[nic lan0]\nport = net_pcap0\naddress = 192.0.2.1/24\n"


def _started(tmp_path):
    dp = h.Dpstack(tmp_path / "dp")
    dp.start(NULL_CONF, vdevs=["net_null0,no-rx=1"], lcores="0", no_huge=True)
    return dp


def test_clean_stop_is_verified(tmp_path):
    dp = _started(tmp_path)
    res = dp.stop()
    assert res.returncode == 0 and dp.verified
    assert h.MBUFS_RE.findall(res.stdout) == ["0"]
    assert dp.teardown_check() == []


def test_nonzero_exit_status_fails_stop_and_teardown(tmp_path):
    dp = _started(tmp_path)
    # SIGKILL: no drain, no closing lines, exit status -9.
    with pytest.raises(h.DpstackError, match="exit status -9, expected 0"):
        dp.stop(sig=signal.SIGKILL)
    # The fixtures' teardown judges the same run the same way.
    assert any("exit status -9" in p for p in dp.teardown_check())


def test_unstopped_run_is_judged_at_teardown(tmp_path):
    dp = _started(tmp_path)
    dp.proc.kill()
    dp.proc.wait(5)
    assert any("exit status -9" in p for p in dp.teardown_check())


def test_leaked_mbufs_and_sanitizer_reports_are_problems(tmp_path):
    dp = _started(tmp_path)
    dp.stop()
    # The judge reads the run's output: give it the lines a leak and a UBSan report print.
    out, err = dp.result.stdout, dp.result.stderr
    dp.result = h.StopResult(0, out.replace("mbufs in use: 0", "mbufs in use: 3"),
                             err + "\nx.c:1:2: runtime error: shift exponent 40 is too large")
    bad = dp.problems()
    assert any("mbufs still in use at exit: [3]" in p for p in bad), bad
    assert any("runtime error:" in p for p in bad), bad
    # A run that was ready and exited 0 must print its pools' closing lines.
    dp.result = h.StopResult(0, h.READY_LINE + "\n", "")
    assert any("no 'mbufs in use: N' line" in p for p in dp.problems())


def test_hang_at_shutdown_fails_stop(tmp_path):
    dp = _started(tmp_path)
    # SIGSTOP: the process cannot act on SIGINT, as with a hung drain.
    dp.proc.send_signal(signal.SIGSTOP)
    with pytest.raises(h.DpstackError, match="did not exit within 1 s"):
        dp.stop(timeout=1)


def test_pcap_input_not_consumed_is_a_failure(monkeypatch):
    from scapy.layers.l2 import Ether
    frame = Ether(src="02:00:00:00:00:98", dst="02:00:00:00:00:99") / (b"x" * 50)
    res = h.run_pcap(PCAP_CONF, [frame], lcores="0", no_huge=True)
    assert set(h.counter_values(res.stats, "eth.not_for_us")) == {1}
    # rx.packets cannot reach two with one packet in: the wait times out and the run fails.
    orig = h.wait_consumed
    monkeypatch.setattr(h, "wait_consumed",
                        lambda dp, total, timeout: orig(dp, total + 1, timeout=1.5))
    with pytest.raises(h.DpstackError, match="not consumed within"):
        h.run_pcap(PCAP_CONF, [frame], lcores="0", no_huge=True)
