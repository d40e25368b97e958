"""examples/minihost built as another DPDK program would build it: against the headers and
libraries `meson install` puts in a staging directory, found through the installed dpstack.pc
(PKG_CONFIG_PATH), never the source tree. It then runs on a net_tap port whose kernel end is
in a namespace and must answer ARP, ping, NDP and ping6."""

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from dpstack_harness import (REPO_ROOT, HostSpec, NetNs, build_dir, cleanup_prefix,
                             netns_available, unique_id)

EXAMPLE = REPO_ROOT / "examples" / "minihost"
ADDR4, ADDR6 = "192.0.2.1", "2001:db8:1::1"
HOST = HostSpec(ipv4="192.0.2.2/24", ipv6="2001:db8:1::2/64", mac="02:00:00:00:00:02")


def _run(cmd, **kw):
    kw.setdefault("timeout", 180)
    if "input" not in kw:
        kw["stdin"] = subprocess.DEVNULL
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n" \
                              f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """meson install --destdir STAGE; returns (stage, directory of dpstack.pc)."""
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.skip("needs make and cc")
    bdir = build_dir()
    # The .pc must be relocatable (prefix from its own location) to be used from a staging
    # directory; builds configured before the project default said so get it set here.
    opts = _run(["meson", "introspect", "--buildoptions", str(bdir)]).stdout
    if not re.search(r'"name": "pkgconfig.relocatable", "value": true', opts):
        _run(["meson", "configure", str(bdir), "-Dpkgconfig.relocatable=true"])
    stage = tmp_path_factory.mktemp("stage")
    _run(["meson", "install", "-C", str(bdir), "--destdir", str(stage), "--quiet"])
    pcs = list(stage.rglob("dpstack.pc"))
    assert len(pcs) == 1, f"dpstack.pc installed {len(pcs)} times under {stage}"
    return stage, pcs[0].parent


def test_installed_headers_are_the_public_ones(staged):
    stage, pcdir = staged
    inc = next(stage.rglob("include/dpstack"))
    names = sorted(p.name for p in inc.iterdir())
    # The private headers of lib/nic and lib/proto stay in the tree.
    assert "dps_nic_priv.h" not in names and "dps_proto_priv.h" not in names, names
    assert {"dps_nic.h", "dps_nic_dp.h", "dps_proto.h"} <= set(names), names
    # Each installed header compiles on its own, with only what the .pc gives.
    cflags = _run(["pkg-config", "--cflags", "dpstack"],
                  env=dict(os.environ, PKG_CONFIG_PATH=str(pcdir))).stdout.split()
    for name in names:
        _run(["cc", "-std=c11", "-D_GNU_SOURCE", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
              "-Wno-unused-parameter", *cflags, "-x", "c", "-"], input=f"#include <{name}>\n")


@pytest.fixture(scope="module")
def minihost(staged, tmp_path_factory):
    """The example built with the Makefile against the staging install."""
    stage, pcdir = staged
    out = tmp_path_factory.mktemp("minihost")
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcdir))
    r = _run(["make", "-C", str(EXAMPLE), f"OUT={out}"], env=env)
    # The compile line takes its include directory from the staged .pc, not from lib/.
    assert str(stage) in r.stdout and "/lib/nic" not in r.stdout, r.stdout
    exe = out / "minihost"
    assert exe.is_file()
    return exe


def test_example_answers_ping_on_tap(minihost):
    reason = netns_available()
    if reason:
        pytest.skip(reason)
    uid = unique_id()
    pid, num = uid.split("x")
    iface = f"mh{int(pid):x}x{int(num):x}"[:15]
    prefix = f"dpmh{uid}"
    proc = subprocess.Popen(
        [str(minihost), "-l", "0", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
         f"--file-prefix={prefix}", "--log-level=lib.*:error",
         f"--vdev=net_tap0,iface={iface}", "--", f"{ADDR4}/24", f"{ADDR6}/64"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    ready = threading.Event()

    def reader():
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("minihost: ready"):
                ready.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    ns = NetNs(f"dpst-{pid}-{num}-mh")
    try:
        assert ready.wait(20), "minihost did not start:\n" + "".join(lines)
        ns.create()
        ns.add_iface(iface, HOST)
        r4 = ns.exec(["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", ADDR4], timeout=15)
        assert r4.returncode == 0, r4.stdout + r4.stderr
        r6 = ns.exec(["ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", ADDR6],
                     timeout=15)
        assert r6.returncode == 0, r6.stdout + r6.stderr
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        t.join(5)
        ns.delete()
        cleanup_prefix(prefix)
    out = "".join(lines)
    assert proc.returncode == 0, out
    counters = {m.group(1): int(m.group(2))
                for m in re.finditer(r"^([a-z0-9_.]+) (\d+)$", out, re.M)}
    assert counters.get("arp.replies_sent", 0) >= 1, out
    assert counters.get("icmp.echo_replies_sent", 0) >= 3, out
    assert counters.get("ndp.advertisements_sent", 0) >= 1, out
    assert counters.get("icmp6.echo_replies_sent", 0) >= 3, out
    assert "mbufs in use: 0" in out, out
