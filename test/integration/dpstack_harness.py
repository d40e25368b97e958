"""Run dpstack for the integration tests.

Importable on its own (no pytest needed); scapy is imported only by the pcap helpers.

    Dpstack          one dpstack process: start(), ctl(), stats(), wait_for(), stop()
    NetNs            one network namespace: create(), exec(), popen(), add_iface(), delete()
    HostSpec         how the kernel end of a port is configured inside its namespace
    TapNet           dpstack on two net_tap ports whose kernel ends live in two namespaces
    run_pcap()       dpstack on net_pcap ports: write input pcaps, run, read output pcaps
    run_dpstack()    run the binary to completion (for --help and refused configurations)

Environment: DPS_BUILD (build directory, default "build", relative to the repository),
DPS_NO_HUGE=1 (force --no-huge -m 512), DPS_READY_TIMEOUT (seconds, default 10),
DPS_KEEP=1 (keep the temporary directories for debugging).
"""

import itertools
import json as jsonlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, NamedTuple, Optional, Sequence, Union

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "dpstack: ready"
HUGE_DIR = Path("/dev/hugepages")
DPDK_RUN_DIR = Path("/var/run/dpdk")
# Per process, so names stay unique across concurrent pytest runs on one machine.
_counter = itertools.count(1)
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer")
# The app's closing lines, one per mbuf pool (app/dps_port.c).
MBUFS_RE = re.compile(r"^mbufs in use: (\d+)$", re.M)


class DpstackError(Exception):
    """dpstack misbehaved: did not start, did not stop, a control command failed..."""


# --- locations -----------------------------------------------------------------------------


def build_dir() -> Path:
    d = Path(os.environ.get("DPS_BUILD", "build"))
    return d if d.is_absolute() else REPO_ROOT / d


def dpstack_bin() -> Path:
    return build_dir() / "app" / "dpstack"


def ctl_bin() -> Path:
    return build_dir() / "app" / "dpstack-ctl"


def unique_id() -> str:
    """Short and unique on this machine: <pid>x<counter>."""
    return f"{os.getpid()}x{next(_counter)}"


def ready_timeout() -> float:
    return float(os.environ.get("DPS_READY_TIMEOUT", "10"))


# --- environment checks --------------------------------------------------------------------


def is_root() -> bool:
    return os.geteuid() == 0


def _meminfo(key: str) -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def hugepages_free() -> int:
    return _meminfo("HugePages_Free")


def hugetlbfs_mounted() -> bool:
    try:
        with open("/proc/mounts") as f:
            return any(l.split()[2] == "hugetlbfs" for l in f if len(l.split()) > 2)
    except OSError:
        return False


def hugepages_usable(min_pages: int = 160) -> bool:
    """Whether a dpstack can run on hugepages now: root, hugetlbfs mounted and MIN_PAGES free
    (a routing dpstack takes about 250 MB: mbuf pool, IPv4 LPM, IPv6 FIBs)."""
    return is_root() and hugetlbfs_mounted() and hugepages_free() >= min_pages


def use_no_huge() -> bool:
    """True when dpstack must run with --no-huge -m 512.

    Tests run on --no-huge by default: hugepages are shared by every DPDK process on the
    machine and a routing dpstack takes about 250 MB of them, so a start-up would depend on
    what else runs. DPS_HUGE=1 runs the suite on hugepages (when 320 MB are free); tests whose
    point is hugepages ask for them explicitly (no_huge=False)."""
    if os.environ.get("DPS_NO_HUGE") == "1" or not is_root():
        return True
    if os.environ.get("DPS_HUGE") != "1":
        return True
    free_kb = hugepages_free() * max(_meminfo("Hugepagesize"), 1)
    return not hugetlbfs_mounted() or free_kb < 160 * 2048


def netns_available() -> Optional[str]:
    """None if network namespaces can be used here, else the reason they cannot."""
    if not is_root():
        return "needs root (network namespaces, TAP devices)"
    if shutil.which("ip") is None:
        return "iproute2 ('ip') is not installed"
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        return "'ip netns' is unavailable: " + r.stderr.strip()
    return None


# --- running the binary to completion ------------------------------------------------------


def run_dpstack(args: Sequence[str], timeout: float = 30, **kw) -> subprocess.CompletedProcess:
    """Run build/app/dpstack with ARGS (EAL and app arguments, as given) to completion."""
    args = [str(a) for a in args]
    try:
        return subprocess.run([str(dpstack_bin()), *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, errors="replace", **kw)
    finally:
        for a in args:
            if a.startswith("--file-prefix="):
                cleanup_prefix(a.split("=", 1)[1])


def eal_args(lcores: str = "0-1", vdevs: Sequence[str] = (), file_prefix: Optional[str] = None,
             in_memory: bool = False, no_huge: Optional[bool] = None) -> List[str]:
    """EAL arguments as the harness uses them (for tests that call run_dpstack)."""
    a = ["-l", lcores, "-n", "1", "--no-pci"]
    a.append(f"--file-prefix={file_prefix or 'dpst' + unique_id()}")
    if use_no_huge() if no_huge is None else no_huge:
        # --no-huge implies --legacy-mem, which EAL refuses with --in-memory; without
        # hugepages nothing is shared anyway.
        a += ["--no-huge", "-m", "512"]
    elif in_memory:
        a.append("--in-memory")
    a += [f"--vdev={v}" for v in vdevs]
    return a


def cleanup_prefix(prefix: str) -> None:
    """EAL leaves hugepage files (with their pages) and its runtime directory behind for a
    unique --file-prefix; remove those of PREFIX once its process has exited."""
    if not prefix or "/" in prefix:
        return
    if HUGE_DIR.is_dir():
        for f in HUGE_DIR.glob(f"{prefix}map_*"):
            try:
                f.unlink()
            except OSError:
                pass
    shutil.rmtree(DPDK_RUN_DIR / prefix, ignore_errors=True)


def flatten(obj, prefix: str = "") -> dict:
    """{'lan0': {'rx': {'packets': 3}}} -> {'lan0.rx.packets': 3}; lists index by position."""
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}{i}."))
    else:
        out[prefix[:-1]] = obj
    return out


def stack_total(stats, name: str) -> Optional[int]:
    """The stack-wide value of counter NAME in a `show stats` document (its "total" part), or
    None when the document has no such part."""
    v = flatten(stats).get("total." + name) if isinstance(stats, dict) else None
    return v if isinstance(v, int) else None


def counter_values(obj, name: str) -> List[int]:
    """Every numeric value in a JSON document whose dotted key path ends with NAME. A
    `show stats` document lists each counter twice, as the sum ("total") and per NIC
    ("nics"): a counter found in the sum is counted there only, so nothing counts twice."""
    if isinstance(obj, dict) and "total" in obj and "nics" in obj:
        vals = counter_values(obj["total"], name)
        if vals:
            return vals
    return [v for k, v in flatten(obj).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            and (k == name or k.endswith("." + name))]


def stats_counter(stats, name: str) -> int:
    """Counter NAME in a `show stats [NIC]` document: the stack-wide sum ("total") when the
    document has one, else the sum of every place it appears; 0 when the document is None or
    does not list it."""
    if isinstance(stats, dict) and "total" in stats:
        stats = stats["total"]
    return sum(counter_values(stats, name)) if stats is not None else 0


# --- one dpstack process -------------------------------------------------------------------


class StopResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class Dpstack:
    """One dpstack process. Use as a context manager, or call stop() (always safe to repeat).

        with Dpstack() as dp:
            dp.start(CONFIG_TEXT, vdevs=["net_null0,no-rx=1"])
            data = dp.ctl("show", "stats", json=True)
            rc, out, err = dp.stop()
    """

    def __init__(self, workdir: Optional[Union[str, Path]] = None):
        self.id = unique_id()
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"dpst{self.id}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.file_prefix = f"dpst{self.id}"
        # Short: a unix socket path must fit in 108 bytes, pytest's tmp_path may not.
        self.socket = f"/tmp/dpst{self.id}.sock"
        self.config_path: Optional[Path] = None
        self.proc: Optional[subprocess.Popen] = None
        self.args: List[str] = []
        self.result: Optional[StopResult] = None
        self._out: List[str] = []
        self._err: List[str] = []
        self._cond = threading.Condition()
        self._threads: List[threading.Thread] = []
        self.hung: Optional[str] = None
        self.verified = False    # check_result() passed
        self.accepted = False    # any exit status is fine (the caller judged it)

    # -- start -----------------------------------------------------------------------------

    def start(self, config: Union[str, Path, None] = None, vdevs: Sequence[str] = (),
              lcores: str = "0-1", extra_eal: Sequence[str] = (), extra_app: Sequence[str] = (),
              in_memory: bool = False, no_huge: Optional[bool] = None,
              stats: Optional[float] = None, startup: Union[str, Path, None] = None,
              port_config: Optional[str] = None, ctl_socket: bool = True,
              wait_ready: bool = True, timeout: Optional[float] = None,
              env: Optional[dict] = None) -> "Dpstack":
        """Start dpstack and (unless wait_ready=False) wait for 'dpstack: ready'.

        config: str = the config file's text; Path = an existing file (passed as is).
        vdevs: EAL --vdev values, e.g. ["net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"].
        in_memory: add --in-memory (no shared files: no secondary processes / dpdk-dumpcap);
            ignored with --no-huge (EAL refuses the pair; --no-huge shares nothing anyway).
        no_huge: force (True) or forbid (False) --no-huge -m 512; None decides from the host.
        stats: --stats SECONDS. startup: --startup FILE (str = the commands' text, Path = file).
        port_config: --config "(port,queue,lcore),...". extra_eal / extra_app: appended.
        Raises DpstackError (with the output) if dpstack exits or is not ready in time.
        """
        if self.proc is not None:
            raise DpstackError("already started")
        if not dpstack_bin().exists():
            raise DpstackError(f"{dpstack_bin()} does not exist: build first (DPS_BUILD)")
        if isinstance(config, str):
            self.config_path = self.workdir / "dpstack.conf"
            self.config_path.write_text(without_dad(config))
        elif config is not None:
            self.config_path = Path(config)
        eal = eal_args(lcores, vdevs, self.file_prefix, in_memory, no_huge) + list(extra_eal)
        app: List[str] = []
        if self.config_path is not None:
            app += ["-f", str(self.config_path)]
        if ctl_socket:
            app += ["-s", self.socket]
        if stats is not None:
            app += ["--stats", str(stats)]
        if port_config is not None:
            app += ["--config", port_config]
        if isinstance(startup, str):
            p = self.workdir / "startup.txt"
            p.write_text(startup)
            app += ["--startup", str(p)]
        elif startup is not None:
            app += ["--startup", str(startup)]
        app += list(extra_app)
        self.args = [str(dpstack_bin()), *eal, "--", *app]
        if ctl_socket and os.path.exists(self.socket):
            os.unlink(self.socket)
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=self.workdir, env=full_env,
                                     start_new_session=True)
        for stream, sink in ((self.proc.stdout, self._out), (self.proc.stderr, self._err)):
            t = threading.Thread(target=self._reader, args=(stream, sink), daemon=True)
            t.start()
            self._threads.append(t)
        if wait_ready:
            t = ready_timeout() if timeout is None else timeout
            if self.wait_for(READY_LINE, timeout=t) is None:
                rc = self.proc.poll()
                if rc is None:
                    self._kill()
                    self._settle()
                    self.accepted = True  # the caller gets the error now
                    raise DpstackError(f"no '{READY_LINE}' within {t} s\n{self.describe()}")
                self._settle()
                self.accepted = True
                raise DpstackError(f"dpstack exited with {rc} before it was ready\n"
                                   f"{self.describe()}")
        return self

    def _reader(self, stream, sink: List[str]) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            with self._cond:
                sink.append(line)
                self._cond.notify_all()
        stream.close()
        with self._cond:
            self._cond.notify_all()

    def _join_readers(self, timeout: float = 5) -> None:
        for t in self._threads:
            t.join(timeout)

    # -- output ----------------------------------------------------------------------------

    @property
    def stdout(self) -> str:
        with self._cond:
            return "\n".join(self._out)

    @property
    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self._err)

    def stdout_lines(self) -> List[str]:
        with self._cond:
            return list(self._out)

    def stderr_lines(self) -> List[str]:
        with self._cond:
            return list(self._err)

    def wait_for(self, pattern: Union[str, "re.Pattern"], timeout: float = 10,
                 stream: str = "stdout", start: int = 0) -> Optional[str]:
        """Wait until a line of STREAM ('stdout' or 'stderr') from index START on contains
        PATTERN (a plain string) or matches it (a compiled regex, re.search). Returns the line,
        or None on timeout or when dpstack has exited without printing it."""
        sink = self._out if stream == "stdout" else self._err
        match = (lambda l: pattern.search(l)) if isinstance(pattern, re.Pattern) \
            else (lambda l: pattern in l)
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(sink):
                    if match(sink[i]):
                        return sink[i]
                    i += 1
                exited = self.proc is None or self.proc.poll() is not None
                if exited and not any(t.is_alive() for t in self._threads):
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.1))

    def describe(self) -> str:
        """The command line and everything dpstack printed, for failure messages."""
        return ("command: " + " ".join(self.args) + "\n--- stdout ---\n" + self.stdout +
                "\n--- stderr ---\n" + self.stderr)

    # -- control ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args: str, json: bool = False, check: bool = False, timeout: float = 10):
        """Run dpstack-ctl -s SOCKET [--json] ARGS.

        json=False: returns (rc, stdout, stderr); check=True raises DpstackError on rc != 0.
        json=True: returns the parsed JSON of stdout; raises DpstackError on rc != 0 or bad JSON.
        """
        cmd = [str(ctl_bin()), "-s", self.socket] + (["--json"] if json else []) + \
            [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, errors="replace")
        if json:
            if r.returncode != 0:
                raise DpstackError(f"{' '.join(cmd)}: rc {r.returncode}: {r.stderr.strip()}")
            try:
                return jsonlib.loads(r.stdout)
            except ValueError as e:
                raise DpstackError(f"{' '.join(cmd)}: not JSON ({e}): {r.stdout!r}") from None
        if check and r.returncode != 0:
            raise DpstackError(f"{' '.join(cmd)}: rc {r.returncode}: {r.stderr.strip()}")
        return r.returncode, r.stdout, r.stderr

    def stats(self, *names: str):
        """`show stats [NAME]` as parsed JSON."""
        return self.ctl("show", "stats", *names, json=True)

    def counter(self, name: str, nic: Optional[str] = None) -> Optional[int]:
        """Best effort: the value of counter NAME (e.g. 'rx.packets') from `show stats [NIC]`,
        summed over every place it appears in the JSON; None if it does not appear."""
        data = self.stats(*([nic] if nic else []))
        vals = counter_values(data, name)
        return sum(vals) if vals else None

    # -- stop ------------------------------------------------------------------------------

    def send_signal(self, sig: int = signal.SIGINT) -> None:
        if self.running:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 10, sig: int = signal.SIGINT, check: bool = True,
             expect_rc: int = 0, check_sanitizers: bool = True,
             check_mbufs: bool = True) -> StopResult:
        """Send SIGINT (or SIG), wait up to TIMEOUT s for the exit, and return
        (returncode, stdout, stderr).

        Raises DpstackError (with everything dpstack printed) when the run failed: it did not
        exit in time (then it is killed), its exit status is not EXPECT_RC, a sanitizer
        reported an error, or the closing `mbufs in use: N` lines are missing or not all 0.
        check=False returns the result without judging it (the caller judges; the fixtures
        still judge it at teardown unless it is marked with accept()).
        Calling stop() again returns the same result (and raises the same error)."""
        if self.result is None:
            if self.proc is None:
                self.result = StopResult(0, "", "")
                self._cleanup_files()
                self.verified = True
                return self.result
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.hung = f"did not exit within {timeout} s of signal {sig}; killed"
                    self._kill()
            self._settle()
        if check:
            self.check_result(expect_rc=expect_rc, sanitizers=check_sanitizers,
                              mbufs=check_mbufs)
        return self.result

    def problems(self, expect_rc: Optional[int] = 0, sanitizers: bool = True,
                 mbufs: bool = True) -> List[str]:
        """What is wrong with the finished run (empty if nothing): a hang, an exit status
        other than EXPECT_RC (None: any), sanitizer reports, mbufs left in use. A run that
        exited by itself with a non-zero status (a refused configuration) never printed the
        mbuf lines; one that printed them must show 0 in every pool."""
        if self.result is None:
            return ["still running"]
        bad = []
        if self.hung:
            bad.append(self.hung)
        rc = self.result.returncode
        if expect_rc is not None and rc != expect_rc and not self.hung:
            bad.append(f"exit status {rc}, expected {expect_rc}")
        if sanitizers:
            found = [m for m in SANITIZER_MARKERS if m in self.result.stderr]
            if found:
                bad.append(f"sanitizer reported {found}")
        if mbufs:
            counts = [int(n) for n in MBUFS_RE.findall(self.result.stdout)]
            if any(counts):
                bad.append(f"mbufs still in use at exit: {counts}")
            elif not counts and expect_rc == 0 and rc == 0 and READY_LINE in self.result.stdout:
                bad.append("no 'mbufs in use: N' line at exit")
        return bad

    def check_result(self, expect_rc: Optional[int] = 0, sanitizers: bool = True,
                     mbufs: bool = True) -> StopResult:
        """Raise DpstackError if problems() finds anything; else mark the run verified."""
        bad = self.problems(expect_rc, sanitizers, mbufs)
        if bad:
            raise DpstackError("; ".join(bad) + "\n" + self.describe())
        self.verified = True
        return self.result

    def accept(self) -> None:
        """The caller judged this run itself (e.g. a crash it provoked on purpose): the
        fixtures' teardown check still looks for sanitizer reports and leaked mbufs, but
        not at the exit status."""
        self.accepted = True

    def wait(self, timeout: float = 10) -> StopResult:
        """Wait for dpstack to exit by itself (e.g. a refused configuration). Any exit status
        is returned; a hang, sanitizer reports and leaked mbufs raise DpstackError."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.hung = f"did not exit by itself within {timeout} s; killed"
            self._kill()
        self._settle()
        self.accepted = True
        self.check_result(expect_rc=None)
        return self.result

    def _settle(self) -> None:
        """The process has exited: collect its output, remove its files."""
        self._join_readers()
        self.result = StopResult(self.proc.returncode, self.stdout, self.stderr)
        self._cleanup_files()

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def _cleanup_files(self) -> None:
        cleanup_prefix(self.file_prefix)
        try:
            os.unlink(self.socket)
        except OSError:
            pass
        if self._own_workdir and os.environ.get("DPS_KEEP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    def close(self) -> None:
        """Stop without judging the run (the result stays in self.result); for error paths
        that already raise. Teardown uses teardown_check() instead."""
        self.stop(check=False)

    def teardown_check(self) -> List[str]:
        """Stop if still running and return what is wrong with the run (see problems()), for
        the fixtures: a run the test already verified with stop() is not judged twice, an
        accepted one is judged on sanitizers and mbufs only."""
        if self.proc is None:
            return []
        self.stop(check=False)
        if self.verified:
            return []
        return self.problems(expect_rc=None if self.accepted else 0)

    def __enter__(self) -> "Dpstack":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.stop()
        else:
            self.close()


# --- network namespaces --------------------------------------------------------------------


def _run(cmd: Sequence[str], timeout: float = 10, check: bool = True,
         input: Optional[str] = None) -> subprocess.CompletedProcess:
    r = subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=timeout,
                       input=input, stdin=None if input is not None else subprocess.DEVNULL,
                       errors="replace")
    if check and r.returncode != 0:
        raise DpstackError(f"{' '.join(map(str, cmd))}: rc {r.returncode}: "
                           f"{(r.stderr or r.stdout).strip()}")
    return r


@dataclass
class HostSpec:
    """The kernel end of one port, inside its namespace. None leaves a setting out."""
    ipv4: Optional[str] = None   # "192.0.2.2/24"
    gw4: Optional[str] = None    # default route via
    ipv6: Optional[str] = None   # "2001:db8:1::2/64" (added with nodad)
    gw6: Optional[str] = None
    mac: Optional[str] = None    # the kernel end's own MAC

    @property
    def addr4(self) -> Optional[str]:
        return self.ipv4.split("/")[0] if self.ipv4 else None

    @property
    def addr6(self) -> Optional[str]:
        return self.ipv6.split("/")[0] if self.ipv6 else None


class NetNs:
    """One network namespace; delete() is idempotent and also runs at context exit."""

    def __init__(self, name: str):
        self.name = name
        self.created = False

    def create(self) -> "NetNs":
        _run(["ip", "netns", "del", self.name], check=False)
        _run(["ip", "netns", "add", self.name])
        self.created = True
        _run(["ip", "-n", self.name, "link", "set", "lo", "up"])
        return self

    def exec(self, cmd: Union[str, Sequence[str]], timeout: float = 10, check: bool = False,
             input: Optional[str] = None) -> subprocess.CompletedProcess:
        """Run CMD (a list, or a string for sh -c) in the namespace; returns CompletedProcess
        (text). Raises subprocess.TimeoutExpired after TIMEOUT s, DpstackError if check and
        the command failed."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        return _run(["ip", "netns", "exec", self.name, *argv], timeout=timeout, check=check,
                    input=input)

    def ip(self, *cmds: Sequence[str]) -> None:
        """Run `ip CMD` in the namespace for each CMD in turn (e.g. ["link", "set", "x",
        "up"]); raises DpstackError at the first that fails."""
        for cmd in cmds:
            self.exec(["ip", *cmd], check=True)

    def popen(self, cmd: Union[str, Sequence[str]], **kw) -> subprocess.Popen:
        """Start CMD in the namespace in the background (e.g. tcpdump); caller stops it."""
        argv = ["sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(["ip", "netns", "exec", self.name, *argv], **kw)

    def add_iface(self, iface: str, host: HostSpec) -> None:
        """Move IFACE (from the root namespace) here and configure it from HOST."""
        _run(["ip", "link", "set", iface, "netns", self.name])
        ipn = ["ip", "-n", self.name]
        if host.mac:
            _run(ipn + ["link", "set", "dev", iface, "address", host.mac])
        _run(ipn + ["link", "set", "dev", iface, "up"])
        if host.ipv4:
            _run(ipn + ["addr", "add", host.ipv4, "dev", iface])
        if host.ipv6:
            _run(ipn + ["-6", "addr", "add", host.ipv6, "dev", iface, "nodad"])
        if host.gw4:
            _run(ipn + ["route", "add", "default", "via", host.gw4, "dev", iface])
        if host.gw6:
            _run(ipn + ["-6", "route", "add", "default", "via", host.gw6, "dev", iface])

    def delete(self) -> None:
        if self.created:
            _run(["ip", "netns", "del", self.name], check=False)
            self.created = False

    def __enter__(self) -> "NetNs":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.delete()


def cleanup_stale_netns(prefix: str = "dpst-") -> None:
    """Delete namespaces PREFIX<pid>-... left by harness processes that no longer exist."""
    r = _run(["ip", "netns", "list"], check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(re.escape(prefix) + r"(\d+)-", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            _run(["ip", "netns", "del", name], check=False)


# --- dpstack on two TAP ports with namespaces as hosts -------------------------------------

def tap_config(lan0: str = "", lan1: str = "", more: str = "", ipv6: bool = True) -> str:
    """Config text for TapNet's two ports as DEFAULT_HOSTS see them: forwarding on, lan0 on
    net_tap0 with 192.0.2.1/24 and 2001:db8:1::1/64, lan1 on net_tap1 with 198.51.100.1/24 and
    2001:db8:2::1/64 (IPv4 only when not IPV6). LAN0 and LAN1 are further lines of those
    sections, MORE further sections (e.g. a VLAN NIC, [routes])."""
    def nic(name: str, port: int, a4: str, a6: str, extra: str) -> str:
        addrs = f"address = {a4}\n" + (f"address = {a6}\n" if ipv6 else "")
        return f"[nic {name}]\nport = net_tap{port}\n{addrs}{extra}"
    return "\n".join(["[stack]\nforwarding = on\n",
                      nic("lan0", 0, "192.0.2.1/24", "2001:db8:1::1/64", lan0),
                      nic("lan1", 1, "198.51.100.1/24", "2001:db8:2::1/64", lan1)]
                     + ([more] if more else []))


# The same network as scripts/run and conf/default.conf.
DEFAULT_TAP_CONFIG = tap_config(lan0="range = 203.0.113.0/24\n", more="[udp]\necho = 7\n")

DEFAULT_HOSTS = (
    HostSpec(ipv4="192.0.2.2/24", gw4="192.0.2.1", ipv6="2001:db8:1::2/64",
             gw6="2001:db8:1::1", mac="02:00:00:00:00:02"),
    HostSpec(ipv4="198.51.100.2/24", gw4="198.51.100.1", ipv6="2001:db8:2::2/64",
             gw6="2001:db8:2::1", mac="02:00:00:00:01:02"),
)


class TapNet:
    """dpstack with ports net_tap0..N-1 (interfaces unique per instance) whose kernel ends are
    moved into namespaces ns[0..N-1] and configured from HOSTS. close() always tears down:
    dpstack stopped, namespaces deleted (the TAP interfaces vanish with dpstack)."""

    def __init__(self, config: Union[str, Path] = DEFAULT_TAP_CONFIG,
                 hosts: Sequence[HostSpec] = DEFAULT_HOSTS, workdir=None, **start_kw):
        self.id = unique_id()
        self.hosts = list(hosts)
        n = len(self.hosts)
        tag = "abcdefgh"
        # Interface names: at most 15 characters.
        pid, num = self.id.split("x")
        self.ifaces = [f"dt{int(pid):x}x{int(num):x}{tag[i]}" for i in range(n)]
        self.ns = [NetNs(f"dpst-{pid}-{num}-h{i}") for i in range(n)]
        self.dp = Dpstack(workdir)
        self.result: Optional[StopResult] = None
        try:
            vdevs = [f"net_tap{i},iface={self.ifaces[i]}" for i in range(n)]
            self.dp.start(config, vdevs=vdevs, **start_kw)
            for i in range(n):
                self.ns[i].create()
                self.ns[i].add_iface(self.ifaces[i], self.hosts[i])
        except BaseException:
            self.close()
            raise

    def _ns(self, ns: Union[int, str, NetNs]) -> NetNs:
        if isinstance(ns, NetNs):
            return ns
        if isinstance(ns, int):
            return self.ns[ns]
        for n in self.ns:
            if n.name == ns:
                return n
        raise KeyError(ns)

    def ns_exec(self, ns: Union[int, str, NetNs], cmd: Union[str, Sequence[str]],
                timeout: float = 10, check: bool = False,
                input: Optional[str] = None) -> subprocess.CompletedProcess:
        """Run CMD in host NS (index, name or NetNs); see NetNs.exec."""
        return self._ns(ns).exec(cmd, timeout=timeout, check=check, input=input)

    def ns_ip(self, ns: Union[int, str, NetNs], *cmds: Sequence[str]) -> None:
        """Run `ip CMD` in host NS for each CMD; see NetNs.ip."""
        self._ns(ns).ip(*cmds)

    def ns_popen(self, ns, cmd, **kw) -> subprocess.Popen:
        return self._ns(ns).popen(cmd, **kw)

    def ping(self, ns, addr: str, count: int = 1, wait: float = 2,
             timeout: Optional[float] = None) -> subprocess.CompletedProcess:
        """ping (or ping -6 for an IPv6 ADDR) from host NS; check .returncode == 0."""
        v6 = ["-6"] if ":" in addr else []
        return self.ns_exec(ns, ["ping", *v6, "-n", "-c", str(count), "-W", str(wait),
                                 "-i", "0.2", addr],
                            timeout=timeout or (count * 0.2 + wait + 5))

    def ctl(self, *args, **kw):
        return self.dp.ctl(*args, **kw)

    def stop(self, **kw) -> StopResult:
        """Stop dpstack (namespaces stay until close())."""
        self.result = self.dp.stop(**kw)
        return self.result

    def close(self) -> None:
        """Tear down without judging the run (error paths)."""
        try:
            self.dp.close()
        finally:
            for n in self.ns:
                n.delete()

    def teardown_check(self) -> List[str]:
        """Tear down (dpstack first, then the namespaces) and return what is wrong with the
        run (Dpstack.teardown_check)."""
        try:
            return self.dp.teardown_check()
        finally:
            for n in self.ns:
                n.delete()

    def __enter__(self) -> "TapNet":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.close()
            return
        bad = self.teardown_check()
        if bad:
            raise DpstackError("; ".join(bad) + "\n" + self.dp.describe())


# --- dpstack on pcap ports -----------------------------------------------------------------


class PcapResult(NamedTuple):
    outputs: list         # per port: scapy packets read from its tx pcap, IGMP/MLD left out
    returncode: int
    stdout: str           # including the final counters printed at exit
    stderr: str
    stats: object         # last `show stats` JSON taken before stopping, or None
    group_outputs: list = []  # per port: the IGMP / MLD messages dpstack sent (mcast.c)


def without_dad(config: str) -> str:
    """Config text for a test run: DAD off (`[stack] dad_transmits = 0`) unless the text sets
    dad_transmits itself. With DAD (RFC 4862 5.4, on by default) every IPv6 address is
    tentative for a second after start, while a pcap's input is read at once and the tests'
    first pings are sent; the DAD tests (test_dad.py) set the key."""
    if re.search(r"^\s*dad_transmits\s*=", config, re.M):
        return config
    m = re.search(r"^\[stack\][^\n]*\n", config, re.M)
    if m:
        return config[:m.end()] + "dad_transmits = 0\n" + config[m.end():]
    return "[stack]\ndad_transmits = 0\n\n" + config


def is_group_mgmt(pkt) -> bool:
    """An IGMP message or an MLD query / report / done (ICMPv6 130-132, after a Hop-by-Hop
    header or not): dpstack reports its memberships on its own (lib/proto/mcast.c), at start
    and on a timer, so run_pcap keeps them apart from the replies a test looks for."""
    b = bytes(pkt)
    if len(b) < 14:
        return False
    et = int.from_bytes(b[12:14], "big")
    if et == 0x0800 and len(b) >= 34:
        return b[23] == 2
    if et == 0x86DD and len(b) >= 55:
        nh, off = b[20], 54
        if nh == 0 and len(b) >= off + 8:
            nh, off = b[off], off + (b[off + 1] + 1) * 8
        return nh == 58 and len(b) > off and b[off] in (130, 131, 132)
    return False


def write_pcap(path: Union[str, Path], packets) -> None:
    """Write PACKETS (scapy) to PATH; an empty list gives a valid empty Ethernet pcap."""
    packets = list(packets)
    if not packets:
        import struct
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        return
    from scapy.utils import wrpcap
    wrpcap(str(path), packets)


def read_pcap(path: Union[str, Path]) -> list:
    from scapy.utils import rdpcap
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    return list(rdpcap(str(path)))


def wait_consumed(dp: Dpstack, expected: int, timeout: float = 10,
                  counter: str = "rx.packets") -> bool:
    """Default wait strategy of run_pcap: poll `show stats` until COUNTER (summed over the JSON)
    has reached EXPECTED and stopped changing for 0.2 s. Returns False on TIMEOUT (run_pcap
    then fails: nothing proves the input was read, so "nothing came out" proves nothing);
    True at once if dpstack exited (stop() judges its exit status)."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        if not dp.running:
            return True
        try:
            stats_doc = dp.stats()
            vals = counter_values(stats_doc, counter)
        except (DpstackError, subprocess.TimeoutExpired, OSError):
            stats_doc, vals = None, []
        if vals:
            # `show stats` gives each NIC's counters and their sum under "total": count once.
            v = total if (total := stack_total(stats_doc, counter)) is not None else sum(vals)
            now = time.monotonic()
            if v != last:
                last, since = v, now
            elif v >= expected and now - since >= 0.2:
                return True
        time.sleep(0.1)
    return False


def run_pcap(config: Union[str, Path], inputs, *, workdir: Union[str, Path, None] = None,
             wait: Union[None, float, Callable[[Dpstack, int], object]] = None,
             timeout: float = 10, lcores: str = "0-1", in_memory: bool = True,
             extra_vdevs: Sequence[str] = (), **start_kw) -> PcapResult:
    """Run dpstack on net_pcap ports fed from INPUTS and return what it sent.

    inputs: one list of scapy packets per port (port i is vdev net_pcapI, so `port = net_pcap0`
            in the config); a flat list of packets means one port.
    wait:   None -> wait_consumed(dp, total_input, timeout); a number -> sleep that long;
            a callable(dp, total_input) -> called, then dpstack is stopped.
    extra_vdevs: appended after the pcap ports (e.g. "net_null0,no-rx=1" as port N).
    Other keyword arguments go to Dpstack.start (extra_eal, extra_app, startup, stats...).
    """
    if inputs and not isinstance(inputs[0], (list, tuple)):
        inputs = [inputs]
    own = workdir is None
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dpst-pcap-"))
    wd.mkdir(parents=True, exist_ok=True)
    try:
        vdevs, outs = [], []
        for i, pkts in enumerate(inputs):
            rx, tx = wd / f"in{i}.pcap", wd / f"out{i}.pcap"
            write_pcap(rx, pkts)
            if tx.exists():
                tx.unlink()
            vdevs.append(f"net_pcap{i},rx_pcap={rx},tx_pcap={tx}")
            outs.append(tx)
        vdevs += list(extra_vdevs)
        total = sum(len(p) for p in inputs)
        stats = None
        consumed = True
        with Dpstack(wd / "dpstack") as dp:
            dp.start(config, vdevs=vdevs, lcores=lcores, in_memory=in_memory, **start_kw)
            if wait is None:
                consumed = wait_consumed(dp, total, timeout)
            elif callable(wait):
                wait(dp, total)
            else:
                time.sleep(float(wait))
            try:
                stats = dp.stats() if dp.running else None
            except (DpstackError, subprocess.TimeoutExpired):
                stats = None
            res = dp.stop()
        if not consumed:
            # "Nothing came out" means nothing only once the input was read.
            raise DpstackError(f"input of {total} packets not consumed within {timeout} s "
                               f"(rx.packets never reached it)\n{dp.describe()}")
        sent = [read_pcap(o) for o in outs]
        return PcapResult([[p for p in port if not is_group_mgmt(p)] for port in sent],
                          res.returncode, res.stdout, res.stderr, stats,
                          [[p for p in port if is_group_mgmt(p)] for port in sent])
    finally:
        if own and os.environ.get("DPS_KEEP") != "1":
            shutil.rmtree(wd, ignore_errors=True)
