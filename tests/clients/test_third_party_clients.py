"""Third-party QMP clients with their own protocol code, against QEMU 7.2 and qmonitor.

Each client library is driven by a small program of ours (tests/clients/drivers/)
that runs a fixed scenario and prints what the library returned, one JSON
object a line (timestamps and pids already reduced to their shape).  The
same program runs against QEMU and against qmonitor on the same command
line; the transcripts must be equal.

- npm ``qemu-qmp`` 0.5.0: a net.Socket subclass; parses the first chunk it
  reads as the greeting, writes requests with no separator between them,
  pairs replies with callbacks first in, first out;
- npm ``node-qemu`` 1.3.0: a typed QMPClient (one request in flight, OOB
  requests by id) and QemuProcess, which starts the binary itself from a
  typed config (pidfile, SIGTERM, exit code);
- Debian's ``golang-github-digitalocean-go-qemu-dev``: go-qemu's
  SocketMonitor, the generated raw.Monitor and qemu.Domain, built with
  Debian's Go in GOPATH mode, offline.

The npm packages are installed at test time into a cache outside the
repository (``~/.cache/qmonitor-clients/NAME@VERSION``); every test skips,
saying why, when node, npm, go or the package cannot be had.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import (
    BASE_ARGS,
    QEMU,
    end_process,
    qmonitor_cmd,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

DRIVERS = Path(__file__).parent / "drivers"
CACHE = Path(os.environ.get("QMONITOR_CLIENTS_CACHE", Path.home() / ".cache" / "qmonitor-clients"))
NPM_PINS = {"qemu-qmp": "0.5.0", "node-qemu": "1.3.0"}
GOCODE = Path("/usr/share/gocode")
GO_QEMU = GOCODE / "src" / "github.com" / "digitalocean" / "go-qemu" / "qmp"
#: Command lines both servers get (after -M none -display none -nodefaults -qmp ...).
VARIANTS = [pytest.param([], id="running"), pytest.param(["-S"], id="S")]
#: Plus a PC (a real QOM tree for qom-list, the block queries), for the typed clients.
WITH_PC = [*VARIANTS, pytest.param(["-M", "pc", "-S"], id="pc-S")]

Transcript = list[dict[str, Any]]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (installs into the shared cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def npm_modules(name: str) -> Path:
    """The node_modules directory holding the pinned ``name``, installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the npm QMP clients")
    version = NPM_PINS[name]
    prefix = CACHE / f"{name}@{version}"
    marker = prefix / "node_modules" / name / "package.json"
    with _locked(CACHE / f"{name}@{version}.lock"):
        if not marker.exists():
            prefix.mkdir(parents=True, exist_ok=True)
            argv = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund"]
            argv += ["--ignore-scripts", "--no-save", f"{name}@{version}"]
            try:
                done = subprocess.run(
                    argv,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"npm install {name}@{version} timed out")
            if done.returncode != 0 or not marker.exists():
                pytest.skip(f"npm install {name}@{version} failed: {done.stderr[-300:]}")
    installed = json.loads(marker.read_text(encoding="utf-8"))["version"]
    assert installed == version
    return prefix / "node_modules"


@pytest.fixture(scope="session")
def identity() -> tuple[str, str]:
    """QEMU's version and package, for qmonitor's -qmonitor-version/-package."""
    from qmonitor_testsupport.hmp_golden import qemu_identity

    assert QEMU is not None
    return qemu_identity(QEMU)


@pytest.fixture(scope="session")
def go_driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The go-qemu driver, built with Debian's Go from /usr/share/gocode (no network)."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (Debian's golang-go)")
    if not GO_QEMU.is_dir():
        pytest.skip("go-qemu is not installed (golang-github-digitalocean-go-qemu-dev)")
    work = tmp_path_factory.mktemp("go")
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=f"{GOCODE}:{work / 'gopath'}",
        GOCACHE=str(CACHE / "go-build"),
        GOFLAGS="",
        GOPROXY="off",
        CGO_ENABLED="0",
    )
    binary = work / "go_qemu_driver"
    subprocess.run(
        [go, "build", "-o", str(binary), "go_qemu_driver.go"],
        cwd=DRIVERS,
        env=env,
        check=True,
        timeout=600,
    )
    return binary


def _ours(identity: tuple[str, str]) -> list[str]:
    return [*qmonitor_cmd(), "-qmonitor-version", identity[0], "-qmonitor-package", identity[1]]


#: The flag /proc/net/unix shows for a listening socket (__SO_ACCEPTCON).
_ACCEPTCON = 0x10000


def wait_listening(path: Path, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll /proc/net/unix until a socket listens at ``path`` (bounded; no connection made)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with open("/proc/net/unix", encoding="utf-8", errors="replace") as f:
            next(f)
            for line in f:
                fields = line.split()
                if len(fields) >= 8 and fields[7] == str(path) and int(fields[3], 16) & _ACCEPTCON:
                    return
        time.sleep(0.01)
    raise TimeoutError(f"{path} did not come up")


def transcript(
    server: Sequence[str],
    extra: Sequence[str],
    driver: Sequence[str],
    env: dict[str, str],
    tmp: Path,
) -> Transcript:
    """Start ``server``, run ``driver SOCKET`` against it: its JSON lines and both exit codes."""
    tmp.mkdir()
    sock = tmp / "qmp.sock"
    argv = [*server, *BASE_ARGS, "-qmp", f"unix:{sock},server=on,wait=off", *extra]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The driver is the server's first client (on qmonitor's plainest
        # command lines, the early greeter's): wait, without connecting, until
        # the socket listens (its file comes at bind(), a moment before).
        # A loaded host can take a Python process long to start: 60 s.
        wait_listening(sock, proc, timeout=60)
        done = subprocess.run(
            [*driver, str(sock)],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        code = proc.wait(30)
    finally:
        end_process(proc)
    lines: Transcript = [json.loads(line) for line in done.stdout.splitlines()]
    lines.append({"step": "driver-exit", "code": done.returncode, "stderr": done.stderr})
    lines.append({"step": "server-exit", "code": code})
    return lines


def assert_same(qemu: Transcript, ours: Transcript) -> None:
    if qemu != ours:
        a = [json.dumps(x, sort_keys=True) for x in qemu]
        b = [json.dumps(x, sort_keys=True) for x in ours]
        diff = "\n".join(difflib.unified_diff(a, b, "qemu", "qmonitor", lineterm=""))
        pytest.fail(f"transcripts differ:\n{diff}")


def steps(lines: Transcript, step: str) -> Transcript:
    return [x for x in lines if x["step"] == step]


def node_env(modules: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NODE_PATH"] = str(modules)
    return env


@pytest.mark.parametrize("extra", VARIANTS)
def test_npm_qemu_qmp(tmp_path: Path, identity: tuple[str, str], extra: list[str]) -> None:
    env = node_env(npm_modules("qemu-qmp"))
    driver = ["node", str(DRIVERS / "qemu_qmp_npm.js")]
    assert QEMU is not None
    qemu = transcript([QEMU], extra, driver, env, tmp_path / "qemu")
    ours = transcript(_ours(identity), extra, driver, env, tmp_path / "ours")
    assert_same(qemu, ours)
    # What the library showed (QEMU's side, which qmonitor matched):
    # the greeting's members copied onto the socket object,
    (greeting,) = steps(qemu, "greeting")
    assert greeting["capabilities"] == ["oob"]
    assert f"{greeting['version']['qemu']['major']}.{greeting['version']['qemu']['minor']}" == "7.2"
    # events under their lower-cased names with no data,
    assert {"step": "event", "listener": "stop", "arg": "STOP"} in qemu
    # errors as plain Errors with the description alone,
    errors = [x["error"]["message"] for x in steps(qemu, "reply") if "error" in x]
    assert "The command no-such-command has not been found" in errors
    # every reply matched to its own callback (six written back to back),
    replies = steps(qemu, "reply")
    assert [x["command"] for x in replies[-7:]] == [
        "query-name", "query-target", "stop", "query-status", "cont", "query-kvm", "quit",
    ]  # fmt: skip
    # and the hang-up after quit seen as the socket's end and close.
    assert qemu[-4:-2] == [{"step": "socket-end"}, {"step": "socket-close", "hadError": False}]
    assert qemu[-1]["code"] == 0


@pytest.mark.parametrize("extra", WITH_PC)
def test_npm_node_qemu_client(tmp_path: Path, identity: tuple[str, str], extra: list[str]) -> None:
    env = node_env(npm_modules("node-qemu"))
    driver = ["node", str(DRIVERS / "node_qemu.js"), "client"]
    assert QEMU is not None
    qemu = transcript([QEMU], extra, driver, env, tmp_path / "qemu")
    ours = transcript(_ours(identity), extra, driver, env, tmp_path / "ours")
    assert_same(qemu, ours)
    calls = {x["call"]: x for x in steps(qemu, "call")}
    assert calls["execute no-such-command"]["error"]["qmpClass"] == "CommandNotFound"
    assert calls["qomGet bad property"]["error"]["qmpClass"] == "GenericError"
    assert calls["qomGet bad path"]["error"]["qmpClass"] == "DeviceNotFound"
    # node-qemu 1.3.0 asks for out-of-band execution with a "control"
    # member, which QEMU 7.2 rejects (it takes "exec-oob").
    assert calls["executeOob query-status"]["error"]["description"] == (
        "QMP input member 'control' is unexpected"
    )
    assert {"step": "disconnected"} in qemu
    assert calls["execute after close"]["error"]["code"] == "CLIENT_CLOSED"


def _drop_identity(lines: Transcript) -> Transcript:
    """The argv records without qmonitor's -qmonitor-version/-qmonitor-package pairs."""
    out = []
    for line in lines:
        if line["step"] == "argv":
            argv = line["argv"]
            kept = []
            i = 0
            while i < len(argv):
                if argv[i] in ("-qmonitor-version", "-qmonitor-package"):
                    i += 2
                    continue
                kept.append(argv[i])
                i += 1
            line = {**line, "argv": kept}
        out.append(line)
    return out


@pytest.mark.parametrize("extra", VARIANTS)
def test_npm_node_qemu_process(tmp_path: Path, identity: tuple[str, str], extra: list[str]) -> None:
    """QemuProcess launches the binary itself: QEMU, then qmonitor's entry point as the binary."""
    env = node_env(npm_modules("node-qemu"))
    entry = Path(sys.executable).with_name("qmonitor")
    if not entry.exists():
        pytest.skip("the qmonitor entry point is not installed next to this Python")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    link = bindir / "qemu-system-x86_64"
    link.symlink_to(entry)
    assert QEMU is not None
    runs: dict[str, Transcript] = {}
    for name, binary, args in (
        ("qemu", QEMU, []),
        ("ours", str(link), ["-qmonitor-version", identity[0], "-qmonitor-package", identity[1]]),
    ):
        work = tmp_path / name
        work.mkdir()
        done = subprocess.run(
            ["node", str(DRIVERS / "node_qemu.js"), "process", binary, str(work), *extra, *args],
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        runs[name] = [
            *lines,
            {"step": "driver-exit", "code": done.returncode, "stderr": done.stderr},
        ]
    qemu, ours = runs["qemu"], _drop_identity(runs["ours"])
    assert_same(qemu, ours)
    exits = steps(qemu, "exit")
    assert [(x["code"], x["signal"]) for x in exits] == [(0, None), (0, None)]
    assert steps(qemu, "pidfile") == [{"step": "pidfile", "matches": True}] * 2
    (sigterm, _) = steps(qemu, "stderr")
    assert sigterm["text"] == "qemu-system-x86_64: terminating on signal 15 from pid <pid> (node)\n"
    assert len(steps(qemu, "pidfile-removed")) == 2


@pytest.mark.parametrize("extra", WITH_PC)
def test_go_qemu(
    tmp_path: Path, identity: tuple[str, str], go_driver: Path, extra: list[str]
) -> None:
    env = dict(os.environ)
    qemu_cmd = [QEMU] if QEMU is not None else []
    qemu = transcript(qemu_cmd, extra, [str(go_driver)], env, tmp_path / "qemu")
    ours = transcript(_ours(identity), extra, [str(go_driver)], env, tmp_path / "ours")
    assert_same(qemu, ours)
    calls = {x["call"]: x for x in steps(qemu, "call")}
    # SocketMonitor.Run hands back the reply line as the server wrote it.
    assert calls["Run stop"]["raw"] == '{"return": {}}'
    # Errors keep the description alone.
    assert calls["Run no-such-command"]["error"] == "The command no-such-command has not been found"
    # qemu.Domain's CPUs() asks for query-cpus, which QEMU 7.2 no longer has.
    assert calls["Domain.CPUs"]["error"] == "The command query-cpus has not been found"
    events = [x["event"] for x in steps(qemu, "event")]
    assert events[-2:] == ["RESET", "SHUTDOWN"]
    assert qemu[-3:-2] == [{"step": "close"}]


def _versions_hidden(value: Any) -> Any:
    """``value`` with every VersionInfo (``{"qemu": ..., "package": ...}``) replaced by a mark."""
    if isinstance(value, dict):
        if set(value) == {"qemu", "package"}:
            return "<VersionInfo>"
        return {k: _versions_hidden(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_versions_hidden(v) for v in value]
    return value


@pytest.mark.parametrize("extra", VARIANTS)
@pytest.mark.parametrize(
    ("package", "driver"),
    [("qemu-qmp", ["qemu_qmp_npm.js"]), ("node-qemu", ["node_qemu.js", "client"])],
    ids=["qemu-qmp", "node-qemu"],
)
def test_npm_clients_early_greeter(
    tmp_path: Path, package: str, driver: list[str], extra: list[str]
) -> None:
    """On a plain command line qmonitor's socket greets before start-up (system/early.py).

    qmonitor runs with its own version here (the early greeter takes no
    -qmonitor-version), so VersionInfo values are compared by shape only.
    """
    env = node_env(npm_modules(package))
    argv = ["node", str(DRIVERS / driver[0]), *driver[1:]]
    assert QEMU is not None
    qemu = transcript([QEMU], extra, argv, env, tmp_path / "qemu")
    ours = transcript(qmonitor_cmd(), extra, argv, env, tmp_path / "ours")
    assert_same(_versions_hidden(qemu), _versions_hidden(ours))
    assert "<VersionInfo>" in json.dumps(_versions_hidden(qemu))
