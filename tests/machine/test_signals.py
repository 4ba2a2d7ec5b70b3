"""Signals end the machine as QEMU's do, even when the terminal is gone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, wait_for_unix_socket


def read_all(s: socket.socket) -> bytes:
    data = bytearray()
    while True:
        try:
            chunk = s.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_shuts_down_even_if_stderr_is_gone(tmp_path: Path, signum: int) -> None:
    sock = tmp_path / "q.sock"
    cmd = [sys.executable, "-m", "qmonitor", *BASE_ARGS]
    cmd += ["-qmp", f"unix:{sock},server=on,wait=off"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_unix_socket(sock, proc)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(5)
        client.connect(str(sock))
        client.sendall(b'{"execute":"qmp_capabilities"}')
        # Negotiated (the greeting may come before start-up ends): events reach it.
        seen = b""
        while b'{"return": {}}' not in seen:
            chunk = client.recv(4096)
            assert chunk, seen
            seen += chunk
        assert proc.stderr is not None
        proc.stderr.close()  # the terminal went away: writes to stderr fail
        proc.send_signal(signum)
        assert proc.wait(10) == 0
        out = read_all(client)
        assert b'"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-signal"}' in out
        client.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_signal_as_soon_as_the_socket_exists_is_handled(tmp_path: Path) -> None:
    """QEMU sets up its signal handling before it opens chardevs; so does qmonitor."""
    for i in range(5):
        sock = tmp_path / f"q{i}.sock"
        cmd = [sys.executable, "-m", "qmonitor", *BASE_ARGS]
        cmd += ["-qmp", f"unix:{sock},server=on,wait=off"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while not sock.exists() and time.monotonic() < deadline:
                time.sleep(0.0005)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0
        # Sent by this process, named as QEMU names it.
        assert err.endswith(
            b": terminating on signal 15 from pid %d (%s)\n"
            % (os.getpid(), Path(f"/proc/{os.getpid()}/cmdline").read_bytes().split(b"\0")[0])
        )
