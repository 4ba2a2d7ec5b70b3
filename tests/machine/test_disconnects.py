"""Clients that vanish mid-request or mid-response cost the server nothing."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from qmonitor_testsupport.procs import qmonitor_cmd, running


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def connect(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(path))
    return s


def read_line(s: socket.socket) -> bytes:
    buf = bytearray()
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def session_works(path: Path) -> None:
    s = connect(path)
    try:
        assert read_line(s).startswith(b'{"QMP"')
        s.sendall(b'{"execute":"qmp_capabilities"}{"execute":"query-status","id":"x"}')
        assert read_line(s) == b'{"return": {}}\r\n'
        assert b'"id": "x"' in read_line(s)
    finally:
        s.close()


def steady_fd_count(pid: int) -> int:
    """The fd count once it has stayed the same for a few readings (bounded):
    the server closes a departed client's socket when it next runs."""
    last, same = -1, 0
    end = time.monotonic() + 30
    while same < 5 and time.monotonic() < end:
        now = fd_count(pid)
        same = same + 1 if now == last else 0
        last = now
        time.sleep(0.02)
    return last


def settles_at(pid: int, count: int) -> int:
    """Wait (bounded) for the fd count to come back to ``count``; the count then."""
    end = time.monotonic() + 30
    now = fd_count(pid)
    while now != count and time.monotonic() < end:
        time.sleep(0.02)
        now = fd_count(pid)
    return now


def test_disconnect_mid_request_and_mid_response(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), [], sock) as proc:
        session_works(sock)
        baseline = steady_fd_count(proc.pid)
        for i in range(30):
            s = connect(sock)
            read_line(s)
            if i % 3 == 0:
                s.sendall(b'{"execute": "qmp_capabil')  # cut mid-request
            elif i % 3 == 1:
                # Many requests, then leave without reading the replies.
                s.sendall(b'{"execute":"qmp_capabilities"}' + b'{"execute":"query-commands"}' * 50)
            else:
                s.sendall(b'{"execute":"qmp_capabilities"}\n{"execute":')
                s.shutdown(socket.SHUT_WR)
            s.close()
        session_works(sock)
        assert proc.poll() is None
        assert settles_at(proc.pid, baseline) == baseline


def test_garbage_then_normal_service(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), [], sock):
        s = connect(sock)
        read_line(s)
        s.sendall(bytes(range(256)) + b"\xff\xfe}}]]" + b'{"execute":"qmp_capabilities"}')
        lines = []
        while True:
            line = read_line(s)
            lines.append(line)
            if line == b'{"return": {}}\r\n' or not line:
                break
        assert lines[-1] == b'{"return": {}}\r\n'
        assert all(b'"error"' in line for line in lines[:-1])
        s.close()
        session_works(sock)
