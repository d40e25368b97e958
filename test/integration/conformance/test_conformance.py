"""The conformance suite against dpstack: every case of cases.py on ONE dpstack.

dpstack runs on two net_tap ports whose kernel ends are silent wires (no address, IPv6
disabled) in namespaces of their own; wire.py writes each case's frames there and reads what
dpstack sends. Per case: the frames (byte-exact, per port), the counter delta of `dpstack-ctl
show stats --json` (exact for the case's counters, zero for every other but the volume ones),
the neighbour table where the case says so, dpstack alive (both markers answered) and the
mbuf pool back at its baseline (`/dpstack/mbufs` on the telemetry socket).

The Linux side (linux_ref.py, recorded in linux_results.json) is checked here too: every case
has a Linux result, and every case Linux disagrees with is listed in docs/protocols.md.

Run: sudo /usr/bin/python3 -m pytest -v test/integration/conformance
     (-k NAME for one case; DPS_BUILD=build-asan for the sanitizer build)
"""

import json
import socket
import time
from pathlib import Path

import pytest

import dpstack_harness as h

pytest.importorskip("scapy.all")

from . import net, wire  # noqa: E402
from .cases import CASES, VOLUME, linux_frames  # noqa: E402

HERE = Path(__file__).resolve().parent
LINUX_RESULTS = HERE / "linux_results.json"
PROTOCOLS_MD = h.REPO_ROOT / "docs" / "protocols.md"


class Env:
    """The one dpstack of this module, its two wires and its telemetry socket."""

    def __init__(self, dp, nss, wires, tel):
        self.dp, self.nss, self.wires, self.tel = dp, nss, wires, tel
        self.marker = {}
        self.baseline = None
        self.last = None     # counters after the previous case, when it ended cleanly

    def stats(self):
        # Counters of packets only: the per-lcore heartbeats (lcore_N.loops) always move.
        return {k: v for k, v in h.flatten(self.dp.stats()).items()
                if isinstance(v, int) and not k.startswith("lcore_")}

    def mbufs_in_use(self):
        self.tel.send(b"/dpstack/mbufs")
        return json.loads(self.tel.recv(16384))["/dpstack/mbufs"]["in_use"]

    def neigh(self):
        return {e["address"]: e for e in self.dp.ctl("show", "neigh", json=True)}


def _wire_ns(name, iface, mac):
    ns = h.NetNs(name).create()
    # No IPv6 (no DAD, router solicitations or MLD) and no address: the kernel stays silent.
    ns.exec(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
             "net.ipv6.conf.default.disable_ipv6=1"], check=True)
    h._run(["ip", "link", "set", iface, "netns", name])
    ns.exec(["ip", "link", "set", "dev", iface, "address", mac, "promisc", "on", "up"],
            check=True)
    return ns


@pytest.fixture(scope="module")
def env():
    reason = h.netns_available()
    if reason:
        pytest.skip(reason)
    if not h.dpstack_bin().exists():
        pytest.fail(f"{h.dpstack_bin()} is not built")
    dp = h.Dpstack()
    pid, num = dp.id.split("x")
    ifaces = [f"dc{int(pid):x}x{int(num):x}{c}" for c in "ab"]
    names = [f"dpst-{pid}-{num}-w{i}" for i in range(2)]
    nss, socks, tel = [], [], None
    try:
        dp.start(net.DPSTACK_CONFIG,
                 vdevs=[f"net_tap{i},iface={ifaces[i]}" for i in range(2)])
        for i in range(2):
            nss.append(_wire_ns(names[i], ifaces[i], net.PEER_MAC[i]))
            socks.append(wire.netns_socket(names[i], ifaces[i]))
        tel = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        tel.connect(f"/var/run/dpdk/{dp.file_prefix}/dpdk_telemetry.v2")
        tel.recv(1024)  # the greeting
        e = Env(dp, nss, wire.Wires(socks), tel)
        # Let the links settle (the TAP ends' own frames before they moved), then measure
        # the markers' counters twice: they must agree.
        e.wires.exchange([])
        time.sleep(0.2)
        e.wires.drain()
        # (The volume counters are not compared: dpstack's own MLD/IGMP report repeats
        # fall in the first seconds.)
        deltas = []
        for _ in range(3):
            a = e.stats()
            e.wires.exchange([])
            b = e.stats()
            deltas.append({k: b[k] - a[k] for k in b if b[k] != a[k] and k not in VOLUME})
        assert deltas[0] == deltas[1] == deltas[2], deltas
        e.marker = deltas[0]
        e.baseline = e.mbufs_in_use()
        yield e
    finally:
        for s in socks:
            s.close()
        if tel is not None:
            tel.close()
        try:
            bad = dp.teardown_check()
        finally:
            for ns in nss:
                ns.delete()
        if bad:
            print(dp.describe())
            pytest.fail("dpstack run failed at teardown: " + "; ".join(bad), pytrace=False)


def _counter_problems(case, delta):
    problems = []
    want_all = case.dpstack_counters
    for k, want in sorted(want_all.items()):
        if delta.get(k, 0) != want:
            problems.append(f"counter {k}: {delta.get(k, 0):+d}, expected {want:+d}")
    for k, got in sorted(delta.items()):
        if got and k not in want_all and k not in VOLUME:
            problems.append(f"counter {k}: {got:+d}, expected unchanged")
    return problems


def run_dpstack_case(env, case):
    """Run CASE on the module's dpstack; returns (problems, frames per port, counter delta)."""
    if not env.dp.running:
        pytest.fail("dpstack is not running (an earlier case killed it?)\n" + env.dp.describe())
    stray = env.wires.drain()
    problems = [f"port {p}: stray frame before the case: {wire.Ether(f).summary()}"
                for p in range(2) for f in stray[p]]
    before = env.last if env.last is not None else env.stats()
    env.last = None
    expected = case.dpstack_expected
    got = env.wires.exchange(case.frames, [len(x) for x in expected], case.respond)
    if case.settle:
        time.sleep(case.settle)
    deadline = time.monotonic() + 2
    while True:
        after = env.stats()
        delta = {k: after[k] - before.get(k, 0) - env.marker.get(k, 0) for k in after}
        delta = {k: v for k, v in delta.items() if v}
        bad = _counter_problems(case, delta)
        # A case that waits for a timer (reassembly) may see it fire a little late.
        if not bad or not case.settle or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for p, frames in enumerate(env.wires.drain()):
        got[p].extend(frames)
    problems += wire.compare(expected, got)
    problems += bad
    if case.absent:
        table = env.neigh()
        problems += [f"neighbour {a} was created: {table[a]}" for a in case.absent if a in table]
    for addr, port in case.forget:
        env.dp.ctl("neigh", "del", addr, f"lan{port}")
    # Packets parked for resolution are freed by the control thread: allow it a moment.
    deadline = time.monotonic() + 2
    while (n := env.mbufs_in_use()) != env.baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    if n != env.baseline:
        problems.append(f"mbufs in use {n}, baseline {env.baseline}")
    if not problems and not case.forget:
        env.last = env.stats() if case.absent else after
    return problems, got, delta


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(env, case):
    problems, got, delta = run_dpstack_case(env, case)
    if problems:
        lines = [f"{case.name} ({case.rfc})"] + problems
        lines.append("sent: " + "; ".join(wire.Ether(f).summary() for _, f in case.frames))
        for p in range(2):
            for f in got[p]:
                lines.append(f"got on port {p}: {f.hex()}")
        lines.append(f"counter delta: {delta}")
        pytest.fail("\n".join(lines), pytrace=False)


# --- the Linux reference -------------------------------------------------------------------


def _linux():
    if not LINUX_RESULTS.exists():
        return None
    return json.loads(LINUX_RESULTS.read_text())


def linux_disagreements(results):
    """{case name: [differences]} for every case whose recorded Linux reply differs from the
    case's expectation (recomputed from the recorded frames, so a changed expectation is
    judged again without root)."""
    out = {}
    for c in CASES:
        rec = results["cases"].get(c.name)
        if rec is None:
            continue
        got = [[bytes.fromhex(x) for x in rec["frames"][p]] for p in range(2)]
        d = wire.compare(c.expected, linux_frames(c, got), ignore=c.linux_ignore)
        if d:
            out[c.name] = d
    return out


def test_every_case_has_a_linux_result():
    results = _linux()
    assert results is not None, f"{LINUX_RESULTS} missing: run linux_ref.py (docs/testing.md)"
    missing = [c.name for c in CASES if c.name not in results["cases"]]
    assert not missing, f"no Linux result for {missing}: re-run linux_ref.py"
    stale = [n for n in results["cases"] if n not in {c.name for c in CASES}]
    assert not stale, f"Linux results for cases that no longer exist: {stale}"
    # The recorded bytes are those of today's cases: a case whose frames changed needs a
    # new Linux run.
    changed = [c.name for c in CASES
               if results["cases"][c.name]["sent"] != [[p, f.hex()] for p, f in c.frames]]
    assert not changed, f"cases changed since Linux was recorded: {changed}"


def test_every_linux_difference_is_documented():
    results = _linux()
    assert results is not None
    listed = _section("Differences from Linux")
    differ = linux_disagreements(results)
    assert set(differ) <= listed, \
        f"Linux differs on cases not listed in docs/protocols.md: " \
        f"{ {k: differ[k] for k in set(differ) - listed} }"
    assert listed <= set(differ), \
        f"listed as differences but Linux agrees: {sorted(listed - set(differ))}"


def _section(title):
    text = PROTOCOLS_MD.read_text()
    assert f"## {title}" in text, f"docs/protocols.md has no section '{title}'"
    section = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return {line.split("`")[1] for line in section.splitlines()
            if line.startswith("- `") and line.count("`") >= 2}


def test_every_deviation_is_documented():
    listed = _section("Deviations from the RFCs")
    deviating = {c.name for c in CASES if c.deviation is not None}
    assert deviating == listed, \
        f"not listed: {sorted(deviating - listed)}; listed but no deviation: " \
        f"{sorted(listed - deviating)}"
