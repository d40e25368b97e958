"""meson install into a staging directory: binaries, man pages (rendered by man -l without
groff warnings), the systemd unit and its defaults file, the bash completion file, whose
dpstack-ctl completion asks a running dpstack (`dpstack-ctl complete`).

Run: /usr/bin/python3 -m pytest -v test/integration/test_install.py
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import dpstack_harness as h

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    dest = tmp_path_factory.mktemp("stage")
    r = subprocess.run(["meson", "install", "-C", str(h.build_dir()), "--destdir", str(dest),
                        "--no-rebuild", "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    prefix = subprocess.run(["meson", "introspect", "--buildoptions", str(h.build_dir())],
                            capture_output=True, text=True)
    import json
    opts = {o["name"]: o["value"] for o in json.loads(prefix.stdout)}
    return dest, Path(str(dest) + opts["prefix"]), opts


def test_files_are_installed(staged):
    dest, pre, opts = staged
    for rel in ["bin/dpstack", "bin/dpstack-ctl", "share/man/man8/dpstack.8",
                "share/man/man8/dpstack-ctl.8", "lib/systemd/system/dpstack.service",
                "share/bash-completion/completions/dpstack-ctl",
                "share/bash-completion/completions/dpstack"]:
        assert (pre / rel).exists(), rel
    assert os.access(pre / "bin/dpstack", os.X_OK)
    etc = Path(opts["sysconfdir"])
    etc = Path(str(dest) + str(etc if etc.is_absolute() else Path(opts["prefix"]) / etc))
    assert (etc / "default" / "dpstack").is_file()
    # The installed binary runs and knows its version.
    r = subprocess.run([str(pre / "bin/dpstack"), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("dpstack "), r.stdout + r.stderr


@pytest.mark.parametrize("page", ["dpstack.8", "dpstack-ctl.8"])
def test_man_pages_render(staged, page):
    _, pre, _ = staged
    path = pre / "share/man/man8" / page
    if shutil.which("man") is None or shutil.which("groff") is None:
        pytest.skip("man-db/groff-base not installed (scripts/setup installs them)")
    r = subprocess.run(["man", "-l", str(path)], capture_output=True, text=True,
                       env={**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"})
    assert r.returncode == 0, r.stderr
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SEE ALSO"):
        assert section in r.stdout, (page, section)
    assert "@VERSION@" not in r.stdout
    w = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(path)],
                       capture_output=True, text=True)
    assert w.returncode == 0 and w.stderr == "", w.stderr


def test_systemd_unit_names_the_installed_paths(staged):
    _, pre, opts = staged
    unit = (pre / "lib/systemd/system/dpstack.service").read_text()
    bindir = str(Path(opts["prefix"]) / opts["bindir"])
    assert f"ExecStart={bindir}/dpstack $DPSTACK_EAL_ARGS -- -f ${{DPSTACK_CONF}}" in unit
    assert f"ExecStartPre={bindir}/dpstack -f ${{DPSTACK_CONF}} --check" in unit
    assert "@" not in unit.replace("man:", "")
    for key in ("[Unit]", "[Service]", "[Install]", "WantedBy=multi-user.target",
                "EnvironmentFile=-"):
        assert key in unit


def _complete(staged, words, sock, cword=None):
    _, pre, _ = staged
    comp = pre / "share/bash-completion/completions/dpstack-ctl"
    cword = len(words) - 1 if cword is None else cword
    script = (f"source {comp}; COMP_WORDS=({' '.join(repr(w) for w in words)}); "
              f"COMP_CWORD={cword}; _dpstack_ctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    env = {**os.environ, "PATH": f"{pre / 'bin'}:{os.environ['PATH']}"}
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l]


def test_bash_completion_asks_the_running_dpstack(staged, tmp_path):
    conf = "[nic lan0]\nport = net_null0\naddress = 192.0.2.1/24\n"
    with h.Dpstack() as d:
        d.start(conf, vdevs=["net_null0,no-rx=1"], lcores="0")
        cmds = _complete(staged, ["dpstack-ctl", "-s", d.socket, "sh"], d.socket)
        assert "show" in cmds, cmds
        after = _complete(staged, ["dpstack-ctl", "-s", d.socket, "show", ""], d.socket)
        assert "nics" in after and "routes" in after, after
        opts = _complete(staged, ["dpstack-ctl", "--j"], d.socket)
        assert opts == ["--json"]
    # No dpstack on the socket: nothing is offered, and nothing fails.
    assert _complete(staged, ["dpstack-ctl", "-s", str(tmp_path / "none"), "sh"], None) == []
