"""The processes bench/run.py measures, and the C programs it builds.

A :class:`Target` is a command to measure (QEMU, qmonitor, the C echo
server, or qmonitor from another revision); :func:`spawn` starts one so
that it dies with the bench, :func:`wait_ready` waits until it answers a command, and
:func:`stop_all` ends what is left.  :func:`build_c` compiles bench/echo.c and
bench/loadgen.c, and :func:`loadgen` runs one loadgen workload and reads its
figures.  A failure raises :class:`BenchError`: that row is n/a.
"""

from __future__ import annotations

import compileall
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
LOADGEN_SRC = BENCH / "loadgen.c"
LOADGEN = BENCH / "build" / "loadgen"
ECHO_SRC = BENCH / "echo.c"
ECHO = BENCH / "build" / "echo"


class BenchError(Exception):
    """A target or a workload failed; the row gets n/a."""


# ---- processes ---------------------------------------------------------

_live: set[subprocess.Popen[bytes]] = set()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive run.py
    except Exception:  # best effort: not every libc has prctl
        pass


def spawn(
    argv: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    _live.add(proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)
    _live.discard(proc)


def stop_all() -> None:
    for proc in list(_live):
        with contextlib.suppress(Exception):  # keep killing the others
            stop(proc)


def log_tail(log: Path, n: int = 5) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(lines[-n:])


# ---- targets -------------------------------------------------------------


@dataclass
class Target:
    name: str
    cmd: list[str]
    env: dict[str, str] | None = None
    #: What is measured: "qemu", "qmonitor" or "echo" (a qmonitor built from
    #: another revision is a second target of kind "qmonitor").
    kind: str = ""
    version: str = "unknown"
    status: str = "ok"
    results: dict[str, Any] = field(default_factory=dict)


def _qmonitor_env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # Measure qmonitor as installed (pip compiles its modules to bytecode), not
    # compiling every module from source at each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def make_targets() -> dict[str, Target]:
    qemu = (
        os.environ.get("QEMU")
        or shutil.which("qemu-system-x86_64")
        or "/usr/bin/qemu-system-x86_64"
    )
    return {
        "qemu": Target("qemu", [qemu], kind="qemu"),
        "qmonitor": Target(
            "qmonitor", [sys.executable, "-m", "qmonitor"], _qmonitor_env(REPO / "src"), "qmonitor"
        ),
        "echo": Target("echo", [str(ECHO)], kind="echo"),
    }


def before_target(rev: str, into: Path) -> Target:
    """qmonitor as it was at git revision ``rev``, extracted into ``into``: the "before" column."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "src"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    compileall.compile_dir(into / "src" / "qmonitor", quiet=1)
    env = _qmonitor_env(into / "src")
    return Target("before", [sys.executable, "-m", "qmonitor"], env, "qmonitor")


def target_version(t: Target) -> str:
    flag = "--version" if t.kind == "qemu" else "-version"
    try:
        out = subprocess.run(
            [*t.cmd, flag], env=t.env, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    first = (out.stdout or out.stderr).strip().splitlines()
    if out.returncode != 0 or not first:
        return f"unknown (exit {out.returncode})"
    return first[0]


def qmp_unix(path: Path) -> str:
    return f"unix:{path},server=on,wait=off"


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_greeting(family: int, addr: object, deadline: float) -> None:
    """Connect once, read the greeting, negotiate, read the reply, disconnect.

    A greeting alone does not say the process has started: qmonitor greets
    before it has imported its machine.  A reply to a command does.
    """
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        s.connect(addr)  # type: ignore[arg-type]
        data = _read_line(s, addr)
        if not data.startswith(b'{"QMP"'):
            raise BenchError(f"{addr}: not a QMP greeting: {data[:100]!r}")
        s.sendall(b'{"execute": "qmp_capabilities"}\n')
        data = _read_line(s, addr, data.partition(b"\n")[2])
        if b'"return"' not in data:
            raise BenchError(f"{addr}: no reply to qmp_capabilities: {data[:100]!r}")


def _read_line(s: socket.socket, addr: object, data: bytes = b"") -> bytes:
    while b"\n" not in data and len(data) < 65536:
        chunk = s.recv(4096)
        if not chunk:
            raise BenchError(f"{addr}: closed before a whole line came")
        data += chunk
    return data


def wait_ready(
    proc: subprocess.Popen[bytes],
    log: Path,
    unix: Sequence[Path] = (),
    tcp_port: int | None = None,
    timeout: float = 30.0,
) -> None:
    """Wait until every unix socket exists and the first one (and TCP) answers."""
    deadline = time.monotonic() + timeout
    pending = list(unix)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"exited with status {proc.returncode}: {log_tail(log)}")
        pending = [p for p in pending if not p.exists()]
        if not pending:
            break
        time.sleep(0.005)
    else:
        raise BenchError(f"sockets did not appear within {timeout:.0f} s: {log_tail(log)}")
    probes: list[tuple[int, object]] = []
    if unix:
        probes.append((socket.AF_UNIX, str(unix[0])))
    if tcp_port is not None:
        probes.append((socket.AF_INET, ("127.0.0.1", tcp_port)))
    for family, addr in probes:
        while True:
            if proc.poll() is not None:
                raise BenchError(f"exited with status {proc.returncode}: {log_tail(log)}")
            try:
                read_greeting(family, addr, deadline)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                if time.monotonic() > deadline:
                    raise BenchError(f"{addr}: no greeting within {timeout:.0f} s") from None
                time.sleep(0.005)
            except OSError as e:
                raise BenchError(f"{addr}: {e}") from e


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise BenchError("no VmRSS in /proc/PID/status")


# ---- loadgen ---------------------------------------------------------------


def build_c(src: Path, out: Path) -> None:
    """Compile one of the bench's C programs."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        sys.exit(f"run.py: no C compiler (cc) found to build {src.relative_to(REPO)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [cc, "-O2", "-Wall", "-Wextra", "-o", str(out), str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if res.returncode != 0:
        sys.exit(f"run.py: building {out.name} failed:\n{res.stderr}")


def build_loadgen() -> None:
    build_c(LOADGEN_SRC, LOADGEN)


def loadgen(args: Sequence[str], limit: float) -> dict[str, Any]:
    argv = [str(LOADGEN), "-t", f"{limit:g}", *args]
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=limit + 15, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"loadgen did not finish within {limit + 15:.0f} s") from None
    if res.returncode != 0:
        raise BenchError(
            f"loadgen exit {res.returncode}: {res.stderr.strip() or res.stdout.strip()}"
        )
    try:
        out: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"loadgen printed no result: {res.stdout!r} {res.stderr!r}") from None
    if out.get("ops", 0) <= 0:
        raise BenchError("no replies measured")
    return out
