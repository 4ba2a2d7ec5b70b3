"""HMP differential tests: the same keys into real QEMU and into qmonitor.

* Every recorded socket session (tests/golden/hmp/) is recorded again from
  the installed QEMU and replayed against ``python -m qmonitor`` claiming
  the same version: the bytes must agree step by step.
* Sessions on a terminal (a pty as the process's stdio): ``-serial
  mon:stdio`` and ``-chardev stdio,mux=on`` with QEMU's Ctrl-A commands,
  ``-monitor stdio``; and the ``pty`` and ``file`` chardevs.

Skipped when qemu-system-x86_64 is not installed.  Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import tty
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.hmp_golden import (
    BASE_ARGS,
    Case,
    connect,
    load_theme,
    qemu_identity,
    qmonitor_command,
    read_expected,
    record_case,
    replay_live,
)

QEMU = shutil.which("qemu-system-x86_64")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "hmp"
#: Quiet period ending a terminal read.
QUIET = 0.3
#: Waiting for a process to show its first output.
START_TIMEOUT = 15.0
#: Parallel live sessions.
WORKERS = 8


def _socket_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        for case in load_theme(path)["cases"]:
            if case["kind"] == "socket" and not case["qemu_table"]:
                cases.append(case)
    return cases


SOCKET_CASES = _socket_cases()


@functools.cache
def _identity() -> tuple[str, str]:
    """The installed QEMU's version and package, which qmonitor is told to claim."""
    assert QEMU is not None
    return qemu_identity(QEMU)


def _live(case: dict[str, Any]) -> list[str]:
    assert QEMU is not None
    version, package = _identity()
    spec = Case(
        case["name"],
        case["description"],
        tuple(s["send"].encode("latin-1") for s in case["steps"][1:]),
        args=tuple(case["args"]),
        quiet=float(case["quiet"]),
    )
    fresh = record_case(spec, [QEMU])
    return replay_live(fresh, qmonitor_command(version, package))


@pytest.fixture(scope="module")
def socket_results() -> dict[str, list[str]]:
    """Run every socket session against both programs, several at a time."""
    with ThreadPoolExecutor(WORKERS) as pool:
        results = pool.map(_live, SOCKET_CASES)
        return {
            case["name"]: problems for case, problems in zip(SOCKET_CASES, results, strict=True)
        }


@pytest.mark.parametrize("name", [c["name"] for c in SOCKET_CASES])
def test_socket_session(name: str, socket_results: dict[str, list[str]]) -> None:
    assert socket_results[name] == []


# -- sessions on a terminal ------------------------------------------------------------


def read_fd(fd: int, want: int, quiet: float = QUIET, timeout: float = START_TIMEOUT) -> bytes:
    """At least ``want`` bytes from ``fd`` (bounded wait), then until quiet or hang-up."""
    out = bytearray()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        limit = 0.05 if len(out) < want else quiet
        ready, _, _ = select.select([fd], [], [], limit)
        if not ready:
            if len(out) >= want:
                break
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            out += b"<hangup>"
            break
        out += chunk
    return bytes(out)


class Terminal:
    """A process whose stdin, stdout and stderr are a pty we hold the master of."""

    def __init__(self, argv: Sequence[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)

    def read(self, want: int = 0, quiet: float = QUIET, timeout: float = START_TIMEOUT) -> bytes:
        """At least ``want`` bytes (bounded wait), then until quiet or hang-up."""
        return read_fd(self.master, want, quiet, timeout)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        os.close(self.master)
        return self.proc.returncode


@contextlib.contextmanager
def terminal(argv: Sequence[str], cwd: Path) -> Iterator[Terminal]:
    term = Terminal(argv, cwd)
    try:
        yield term
    finally:
        term.close()


def terminal_session(
    argv: Sequence[str],
    steps: Sequence[bytes],
    cwd: Path,
    expect: list[bytes] | None = None,
    ready: Path | None = None,
) -> tuple[list[bytes], int | None]:
    """What each step shows, and the exit status if the process ended by itself.

    ``ready``: a QMP socket of the command line whose greeting says the
    process is up (for a session whose start shows nothing to wait for).
    """
    shown: list[bytes] = []
    with terminal(argv, cwd) as term:
        if ready is not None:
            _wait_greeting(ready)
        shown.append(term.read(len(expect[0]) if expect else 1))
        for i, step in enumerate(steps, 1):
            term.send(step)
            want = len(expect[i]) if expect and i < len(expect) else 0
            shown.append(term.read(want))
            if shown[-1].endswith(b"<hangup>"):
                break
        time.sleep(0.2)
        status = term.proc.poll()
    return shown, status


def _wait_greeting(path: Path) -> None:
    """Connect to a QMP socket (bounded wait) and read its greeting."""
    deadline = time.monotonic() + 20
    while True:
        conn = socket.socket(socket.AF_UNIX)
        conn.settimeout(10)
        try:
            conn.connect(str(path))
            conn.recv(4096)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            conn.close()


def compare_terminal(extra: Sequence[str], steps: Sequence[bytes], tmp_path: Path) -> None:
    assert QEMU is not None
    version, package = _identity()
    theirs, their_status = terminal_session([QEMU, *BASE_ARGS, *extra], steps, tmp_path)
    ours, our_status = terminal_session(
        [*qmonitor_command(version, package), *BASE_ARGS, *extra], steps, tmp_path, theirs
    )
    assert ours == theirs
    assert our_status == their_status


C_A = b"\x01"

MUX_STEPS = (
    b"ab",
    C_A + b"h",
    C_A + b"c",
    b"x",
    C_A + C_A,
    C_A + b"?",
    C_A + b"z",
    C_A + b"s",
    C_A + b"b",
    b"\x03",
    b"info status\r",
    C_A + b"x",
)


def test_serial_mon_stdio_escape_commands(tmp_path: Path) -> None:
    compare_terminal(["-serial", "mon:stdio"], MUX_STEPS, tmp_path)


def test_mux_timestamps_on_and_off(tmp_path: Path) -> None:
    # Within one second of switching on, every stamp reads 00:00:00.
    steps = (C_A + b"t", b"\r", C_A + b"t", b"\r", b"q\r")
    assert QEMU is not None
    version, package = _identity()
    extra = ["-serial", "mon:stdio"]
    theirs, _ = terminal_session([QEMU, *BASE_ARGS, *extra], steps, tmp_path)
    ours, _ = terminal_session(
        [*qmonitor_command(version, package), *BASE_ARGS, *extra], steps, tmp_path, theirs
    )
    stamp = re.compile(rb"\[00:00:00\.\d\d\d\] ")
    assert [stamp.sub(b"[T] ", s) for s in ours] == [stamp.sub(b"[T] ", s) for s in theirs]
    assert stamp.search(theirs[2])


def test_two_monitors_on_one_mux(tmp_path: Path) -> None:
    compare_terminal(
        ["-chardev", "stdio,mux=on,id=c", "-mon", "c", "-mon", "c"],
        (b"ab", C_A + b"c", b"cd", C_A + b"c", b"zz\r", C_A + b"c", b"info name\r", b"q\r"),
        tmp_path,
    )


def test_monitor_stdio(tmp_path: Path) -> None:
    compare_terminal(
        ["-monitor", "stdio", "-name", "t"],
        (b"info name\r", b"\x1b[A", b"\x15\x0b", b"\r", b"help q\r", b"quit\r"),
        tmp_path,
    )


def test_mux_over_a_socket(tmp_path: Path) -> None:
    """The banner is written to nobody at start-up, then again for the client."""
    sock = tmp_path / "mux.sock"
    extra = ["-chardev", f"socket,id=c,path={sock},server=on,wait=off,mux=on", "-mon", "c"]
    case = Case("mux_socket", "", (b"ab" + C_A + b"c", C_A + b"h", b"info status\r", C_A + b"x"))
    assert QEMU is not None
    version, package = _identity()

    def session(argv: list[str]) -> list[bytes]:
        with terminal([*argv, *BASE_ARGS, *extra], tmp_path) as term:
            conn = connect(sock, term.proc)
            with conn:
                shown = [read_expected(conn, 1, QUIET)[0]]
                for step in case.steps:
                    conn.sendall(step)
                    shown.append(read_expected(conn, 1, QUIET)[0])
        return shown

    assert session(qmonitor_command(version, package)) == session([QEMU])


def test_pty_chardev(tmp_path: Path) -> None:
    assert QEMU is not None
    version, package = _identity()

    def session(argv: list[str]) -> tuple[bytes, list[bytes]]:
        proc = subprocess.Popen(
            [*argv, *BASE_ARGS, "-chardev", "pty,id=foo", "-mon", "foo"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
            assert ready
            notice = proc.stdout.readline()
            match = re.search(rb"/dev/pts/\d+", notice)
            assert match
            shown = []
            for _ in range(2):
                fd = os.open(match.group().decode(), os.O_RDWR | os.O_NOCTTY)
                tty.setraw(fd)
                shown.append(read_fd(fd, 1, timeout=5))
                os.write(fd, b"info status\r")
                shown.append(read_fd(fd, 1))
                os.close(fd)
                time.sleep(0.3)
            return re.sub(rb"/dev/pts/\d+", b"PTS", notice), shown
        finally:
            proc.terminate()
            proc.wait(10)
            if proc.stdout is not None:
                proc.stdout.close()

    assert session(qmonitor_command(version, package)) == session([QEMU])


def test_file_chardev(tmp_path: Path) -> None:
    assert QEMU is not None
    version, package = _identity()
    outputs = []
    for n, argv in enumerate(([QEMU], qmonitor_command(version, package))):
        path = tmp_path / f"out{n}"
        path.write_bytes(b"before\n")
        proc = subprocess.Popen(
            [*argv, *BASE_ARGS, "-chardev", f"file,id=f,path={path},append=on", "-mon", "f"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + START_TIMEOUT
        while path.stat().st_size <= 7 and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)
        proc.terminate()
        proc.wait(10)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith(b"before\nQEMU ")


if __name__ == "__main__":  # pragma: no cover - manual use
    sys.exit(pytest.main([__file__, "-v"]))


def test_pc_serial_mon_stdio_starts_on_the_serial_port(tmp_path: Path) -> None:
    """On a PC the 16550A attaches to the mux after the monitor: it has the focus first.

    What is typed goes to the serial port (nothing shows) until C-a c
    brings the monitor, with the banner it printed while out of focus.
    """
    assert QEMU is not None
    version, package = _identity()
    ready = tmp_path / "ready.sock"
    extra = ["-M", "pc", "-S", "-serial", "mon:stdio",
             "-qmp", f"unix:{ready},server=on,wait=off"]  # fmt: skip
    steps = (b"ab\r", C_A + b"c", b"info status\r", C_A + b"c", b"cd", C_A + b"c", C_A + b"x")
    theirs, their_status = terminal_session(
        [QEMU, *BASE_ARGS, *extra], steps, tmp_path, ready=ready
    )
    assert theirs[1] == b""
    assert theirs[2].startswith(b"QEMU ")
    ours, our_status = terminal_session(
        [*qmonitor_command(version, package), *BASE_ARGS, *extra], steps, tmp_path, theirs, ready
    )
    assert ours == theirs
    assert our_status == their_status


@pytest.mark.parametrize(("echr", "escape"), [("0x14", b"\x14"), ("30", b"\x1e"), ("x", b"\x00")])
def test_echr_sets_the_mux_escape_character(tmp_path: Path, echr: str, escape: bytes) -> None:
    steps = (escape + b"h", C_A + b"c", b"ab", escape + escape, escape + b"c", escape + b"x")
    compare_terminal(["-echr", echr, "-serial", "mon:stdio"], steps, tmp_path)
