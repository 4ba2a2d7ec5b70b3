"""libvirt's probe command line: -daemonize, -pidfile and -msg as QEMU handles them.

tests/golden/cli/daemonize.json holds what QEMU did with each command line
of tools/record_cli.py's DAEMON_CASES, run to its exit: status, output (the
-msg timestamps written as ``{timestamp}``) and the daemon it left behind.
qmonitor, run the same way under QEMU's program name, must do the same.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport import cli_cases as record_cli

GOLDEN = json.loads(
    (Path(__file__).resolve().parent.parent / "golden/cli/daemonize.json").read_text()
)
CASES = {case["name"]: case for case in GOLDEN["cases"]}
#: qmonitor under QEMU's name, so that messages start as QEMU's do.
QMONITOR_AS_QEMU = [
    sys.executable,
    "-c",
    "import sys; from qmonitor.cli import main; "
    "sys.exit(main(['qemu-system-x86_64', *sys.argv[1:]]))",
]


def test_golden_file_matches_the_recorder() -> None:
    assert [name for name, _ in record_cli.DAEMON_CASES] == list(CASES)
    for name, args in record_cli.DAEMON_CASES:
        assert CASES[name]["argv"] == args


@pytest.mark.parametrize("name", list(CASES))
def test_like_qemu(name: str) -> None:
    case = CASES[name]
    ours = record_cli.run_daemon_case(QMONITOR_AS_QEMU, name, case["argv"])
    assert ours == case


def test_timestamps_are_qemus_format() -> None:
    case = record_cli.run_daemon_case(
        QMONITOR_AS_QEMU, "t", [*record_cli.BASE, "-msg", "timestamp=on", "-uuid", "x"]
    )
    assert case["stderr"].startswith("{timestamp}qemu-system-x86_64: -uuid x:")


def _wait_gone(pid: int, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.02)
    return False


def _message(sock: socket.socket, buf: bytearray) -> dict[str, Any]:
    while b"\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise EOFError
        buf += data
    line, _, rest = bytes(buf).partition(b"\n")
    buf[:] = rest
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


def test_the_probe_daemon_lives_until_sigterm_and_cleans_up() -> None:
    """The daemon: detached, umask 027, cwd /, pidfile removed at exit, SHUTDOWN host-signal."""
    with tempfile.TemporaryDirectory(prefix="qmonitor-probe-") as tmp:
        sock_path, pidfile = os.path.join(tmp, "s"), os.path.join(tmp, "p")
        args = [*record_cli.LIBVIRT_PROBE, "-qmp", f"unix:{sock_path},server=on,wait=off",
                "-pidfile", pidfile, "-daemonize"]  # fmt: skip
        proc = subprocess.run([*QMONITOR_AS_QEMU, *args], capture_output=True, timeout=30, cwd=tmp)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
        pid = int(Path(pidfile).read_text())
        try:
            assert os.readlink(f"/proc/{pid}/cwd") == "/"
            assert os.getsid(pid) == pid or os.getsid(pid) != os.getsid(0)
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(10)
                sock.connect(sock_path)
                buf = bytearray()
                assert "QMP" in _message(sock, buf)
                sock.sendall(b'{"execute": "qmp_capabilities"}\n')
                assert _message(sock, buf) == {"return": {}}
                os.kill(pid, signal.SIGTERM)
                event = _message(sock, buf)
                assert event["event"] == "SHUTDOWN"
                assert event["data"] == {"guest": False, "reason": "host-signal"}
            assert _wait_gone(pid)
            assert not os.path.exists(pidfile)
        finally:
            if not _wait_gone(pid, 0):
                os.kill(pid, signal.SIGKILL)


def test_a_locked_pidfile_is_refused() -> None:
    with tempfile.TemporaryDirectory(prefix="qmonitor-probe-") as tmp:
        pidfile = os.path.join(tmp, "p")
        args = [*record_cli.BASE, "-pidfile", pidfile, "-daemonize"]
        first = subprocess.run([*QMONITOR_AS_QEMU, *args], capture_output=True, timeout=30)
        assert first.returncode == 0
        pid = int(Path(pidfile).read_text())
        try:
            second = subprocess.run([*QMONITOR_AS_QEMU, *args], capture_output=True, timeout=30)
            assert second.returncode == 1
            assert re.fullmatch(
                rb"qemu-system-x86_64: cannot create PID file: Cannot lock pid file: .*\n",
                second.stderr,
            )
            assert int(Path(pidfile).read_text()) == pid
        finally:
            os.kill(pid, signal.SIGKILL)
