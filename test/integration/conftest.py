"""pytest fixtures for dpstack's integration tests (see dpstack_harness.py for the classes).

Fixtures (each a factory; everything it started is torn down after the test, pass or fail,
and dpstack's output is printed in the teardown section so a failure report shows it).
Every dpstack a fixture started is judged at teardown unless the test already verified it
with stop(): a hang at shutdown, an exit status other than 0 (unless the test called
accept() or wait()), a sanitizer report or an mbuf left in use is an error at teardown.

    dpstack(config, vdevs=..., **start_kw) -> Dpstack       a started dpstack
    pcap_dpstack(config, inputs, wait=None, **kw) -> PcapResult
    tap_net(config=DEFAULT_TAP_CONFIG, hosts=DEFAULT_HOSTS, **start_kw) -> TapNet
    netns(name_suffix="") -> NetNs                          a fresh, created namespace
    dps_bin -> Path of build/app/dpstack (fails the test if not built)
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dpstack_harness as h  # noqa: E402


def _judge(runs):
    """Tear every run down, then raise one error naming each problem (pytest reports it as
    an error at teardown, on top of the test's own result)."""
    bad = []
    for what, run in runs:
        try:
            problems = run.teardown_check()
        except Exception as e:  # a teardown step itself failed: that is a problem too
            problems = [f"teardown raised {e!r}"]
        if problems:
            bad.append(f"{what} {' '.join(run_args(run))}: " + "; ".join(problems))
    if bad:
        pytest.fail("dpstack run failed at teardown:\n" + "\n".join(bad), pytrace=False)


def run_args(run):
    dp = getattr(run, "dp", run)
    return dp.args[-6:] if dp.args else []


def _report(what, dp):
    if dp.proc is None:
        return
    res = dp.result
    print(f"\n===== {what}: {' '.join(dp.args)}")
    print(f"exit status: {res.returncode if res else 'still running'}")
    print("--- stdout ---\n" + dp.stdout)
    print("--- stderr ---\n" + dp.stderr)


@pytest.fixture(scope="session", autouse=True)
def _stale_cleanup():
    # Namespaces of earlier runs that were killed before their teardown.
    if h.netns_available() is None:
        h.cleanup_stale_netns()
    yield


@pytest.fixture(scope="session")
def dps_bin():
    b = h.dpstack_bin()
    if not b.exists():
        pytest.fail(f"{b} is not built (set DPS_BUILD or run scripts/test)")
    return b


@pytest.fixture
def dpstack(dps_bin, tmp_path):
    """Factory: dpstack(config_text_or_Path, vdevs=[...], **Dpstack.start kwargs) -> Dpstack,
    started and ready. Stopped at teardown if the test did not stop it."""
    started = []

    def start(config=None, vdevs=(), **kw):
        dp = h.Dpstack(tmp_path / f"dpstack{len(started)}")
        started.append(dp)
        dp.start(config, vdevs=vdevs, **kw)
        return dp

    yield start
    try:
        _judge([("dpstack", dp) for dp in started])
    finally:
        for dp in started:
            _report("dpstack", dp)


@pytest.fixture
def pcap_dpstack(dps_bin, tmp_path):
    """Factory: pcap_dpstack(config, inputs, wait=None, timeout=10, **kw) -> PcapResult.

    inputs: per port a list of scapy packets (a flat list = one port); port i is net_pcapI.
    Result: .outputs[i] (scapy packets dpstack sent on port i), .returncode, .stdout (with
    the final counters), .stderr, .stats (last `show stats` JSON before stopping, or None).
    See dpstack_harness.run_pcap for wait= and the other arguments."""
    runs = []

    def run(config, inputs, **kw):
        wd = tmp_path / f"pcap{len(runs)}"
        runs.append(wd)
        res = h.run_pcap(config, inputs, workdir=wd, **kw)
        print(f"\n===== pcap run {wd}: exit status {res.returncode}")
        print("--- stdout ---\n" + res.stdout + "\n--- stderr ---\n" + res.stderr)
        return res

    return run


@pytest.fixture
def netns():
    """Factory: netns(suffix="") -> a created NetNs with a unique name; deleted at teardown."""
    reason = h.netns_available()
    if reason:
        pytest.skip(reason)
    made = []

    def make(suffix=""):
        ns = h.NetNs(f"dpst-{os.getpid()}-{h.unique_id().split('x')[1]}-n{suffix}")
        made.append(ns)
        return ns.create()

    yield make
    for ns in made:
        ns.delete()


@pytest.fixture
def tap_net(dps_bin, tmp_path):
    """Factory: tap_net(config=DEFAULT_TAP_CONFIG, hosts=DEFAULT_HOSTS, **start_kw) -> TapNet.

    dpstack runs with net_tap0..N-1 (N = len(hosts)); each kernel end is moved into its own
    namespace and configured from its HostSpec. Defaults are scripts/run's network:
    lan0 192.0.2.1/24 2001:db8:1::1/64 <-> ns[0] 192.0.2.2 2001:db8:1::2,
    lan1 198.51.100.1/24 2001:db8:2::1/64 <-> ns[1] 198.51.100.2 2001:db8:2::2.
    Skips the test if not root or `ip netns` is unavailable."""
    reason = h.netns_available()
    if reason:
        pytest.skip(reason)
    nets = []

    def make(config=h.DEFAULT_TAP_CONFIG, hosts=h.DEFAULT_HOSTS, **kw):
        kw.setdefault("workdir", tmp_path / f"tap{len(nets)}")
        net = h.TapNet(config, hosts, **kw)  # tears itself down if it fails to start
        nets.append(net)
        return net

    yield make
    try:
        _judge([("dpstack (tap_net)", net) for net in nets])
    finally:
        for net in nets:
            _report("dpstack (tap_net)", net.dp)
