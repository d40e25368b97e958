"""scripts/run, the README's quick start: the hints say sudo only to a user who came through
sudo, the stats do not scroll the hints away on a terminal, no "Link down" for the TAPs
whose kernel ends are up in the namespaces, leftovers with a live owner are left alone.

It uses scripts/run's fixed names (dps-host0/1, dtap0/1, /var/run/dpstack/dpstack.sock):
skipped when any of them exists already.

Run: /usr/bin/python3 -m pytest -v test/integration/test_quickstart.py
"""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

import dpstack_harness as h

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "scripts" / "run"


def _busy():
    if h.netns_available():
        return h.netns_available()
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    if "dps-host0" in ns or "dps-host1" in ns:
        return "scripts/run's namespaces exist (a quick start is running)"
    if os.path.exists("/var/run/dpstack/dpstack.sock"):
        return "the default control socket exists"
    return None


pytestmark = pytest.mark.skipif(_busy() is not None, reason=str(_busy()))


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "SUDO_USER"}
    env.update(DPS_NO_HUGE="1", DPS_BUILD=str(h.build_dir()), **extra)
    return env


def _run(env, seconds):
    """Start scripts/run, wait (up to 90 s: a loaded machine starts slowly) for its "dpstack is
    running" banner, let it run `seconds` more, then interrupt it as a user's Ctrl-C would."""
    p = subprocess.Popen([str(RUN), "--no-install", "--no-build"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(p.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while (time.monotonic() < deadline and p.poll() is None
               and not any("dpstack is running" in l for l in list(lines))):
            time.sleep(0.2)
        time.sleep(seconds)
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)
        p.wait(timeout=30)
        reader.join(timeout=10)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode, "".join(lines)


def test_quickstart_hints_and_links():
    rc, out = _run(_env(SUDO_USER="someone"), 4)
    assert "dpstack is running" in out, out
    hints = [l for l in out.splitlines() if "ip netns exec" in l]
    assert hints and all(l.strip().startswith("sudo ip netns exec") for l in hints), hints
    assert "Link down" not in out, out
    assert "stats lan0 rx" in out  # not a terminal: every line as it comes
    assert "mbufs in use: 0" in out
    assert rc == 0, out
    # As root without sudo: the same hints without it.
    rc, out = _run(_env(), 2)
    hints = [l for l in out.splitlines() if "ip netns exec" in l]
    assert hints and not any("sudo" in l for l in hints), hints


def test_leftover_namespace_with_a_live_process_is_not_deleted():
    subprocess.run(["ip", "netns", "add", "dps-host0"], check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", "dps-host0", "sleep", "60"])
    try:
        time.sleep(0.3)
        r = subprocess.run([str(RUN), "--no-install", "--no-build"], capture_output=True,
                           text=True, env=_env(), timeout=60)
        assert r.returncode != 0
        assert "namespace dps-host0 is in use by pids" in r.stderr, r.stderr
        ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert "dps-host0" in ns
    finally:
        sleeper.kill()
        sleeper.wait()
        subprocess.run(["ip", "netns", "del", "dps-host0"])
