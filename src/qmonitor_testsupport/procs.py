"""Start qmonitor (or QEMU) as a subprocess on sockets in a temp dir, for tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

QEMU = shutil.which("qemu-system-x86_64")
BASE_ARGS = ("-M", "none", "-display", "none", "-nodefaults")


def qmonitor_cmd() -> list[str]:
    return [sys.executable, "-m", "qmonitor"]


def wait_for_unix_socket(path: Path, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Poll until ``path`` accepts connections (bounded)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        if path.exists():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(str(path))
                except OSError:
                    pass
                else:
                    return
        time.sleep(0.01)
    raise TimeoutError(f"{path} did not come up")


def end_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server a test started: SIGTERM, then SIGKILL after 5 s; close its stderr pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stderr is not None:
        proc.stderr.close()


@contextlib.contextmanager
def running(
    cmd: Sequence[str], extra: Sequence[str], sock: Path, *, probe: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` with the base args, ``-qmp unix:SOCK,...`` and ``extra``; kill at exit.

    ``probe`` connects once to wait for the socket (that costs QEMU a
    connection: only for tests that do not care about the first greeting).
    """
    args = [*cmd, *BASE_ARGS, "-qmp", f"unix:{sock},server=on,wait=off", *extra]
    env = dict(os.environ)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        if probe:
            wait_for_unix_socket(sock, proc)
        else:
            end = time.monotonic() + 10
            while not sock.exists():
                if proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError("server did not start")
                time.sleep(0.01)
        yield proc
    finally:
        end_process(proc)


def qmp_replies(
    cmd: Sequence[str],
    args: Sequence[str],
    requests: Sequence[dict[str, Any]],
    cwd: Path,
    pass_fds: Sequence[int] = (),
) -> list[bytes]:
    """Start ``cmd args -qmp unix:CWD/qmp.sock``, send ``requests`` one at a time: the reply lines.

    For comparing QEMU with qmonitor on the same command line, one after
    the other in the same directory; socket files left in ``cwd`` are removed.
    """
    sock = cwd / "qmp.sock"
    before = set(cwd.iterdir())
    proc = subprocess.Popen(
        [*cmd, *args, "-qmp", f"unix:{sock},server=on,wait=off"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=pass_fds,
    )
    try:
        wait_for_unix_socket(sock, proc, timeout=20)
        end = time.monotonic() + 10
        while True:
            conn = socket.socket(socket.AF_UNIX)
            try:
                conn.settimeout(10)
                conn.connect(str(sock))
                reader = conn.makefile("rb")
                if reader.readline():  # the greeting
                    break
            except OSError:
                pass
            conn.close()
            if time.monotonic() > end:
                raise TimeoutError("no greeting")
            time.sleep(0.05)
        out = []
        for request in requests:
            conn.sendall(json.dumps(request).encode() + b"\n")
            out.append(reader.readline())
        conn.close()
        return out
    finally:
        proc.kill()
        proc.wait(timeout=10)
        for path in set(cwd.iterdir()) - before:
            if path.is_socket():
                path.unlink(missing_ok=True)
