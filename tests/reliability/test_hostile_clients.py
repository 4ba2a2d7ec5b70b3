"""Hostile and faulty clients against a qmonitor process (issue: reliability).

After each abuse the monitor serves the next client normally and the process
holds no more file descriptors or threads than before.  Counts are bounded;
the slow marker runs the long versions.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import qmonitor_cmd, running


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def connect(path: Path, timeout: float = 5) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
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


def baseline(pid: int, sock: Path) -> tuple[int, int]:
    """fds and threads once start-up is over and the server has noticed earlier clients leave.

    A socket can greet before the machine is built (the early greeter):
    a session answered says start-up is over.
    """
    session_works(sock)
    time.sleep(0.2)
    return fd_count(pid), thread_count(pid)


def settled(pid: int, fds: int, threads: int) -> bool:
    """Give the server a moment to notice the last hang-up."""
    for _ in range(100):
        if fd_count(pid) == fds and thread_count(pid) == threads:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("cycles", [1000, pytest.param(10_000, marks=pytest.mark.slow)])
def test_reconnect_storm(tmp_path: Path, cycles: int) -> None:
    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), [], sock) as proc:
        session_works(sock)
        fds, threads = baseline(proc.pid, sock)
        for i in range(cycles):
            s = connect(sock)
            if i % 2:
                read_line(s)  # half of them wait for the greeting, half leave at once
            s.close()
        session_works(sock)
        assert proc.poll() is None
        assert settled(proc.pid, fds, threads)


def test_slowloris_does_not_hold_up_other_monitors(tmp_path: Path) -> None:
    slow_sock, other_sock = tmp_path / "slow.sock", tmp_path / "other.sock"
    extra = ["-qmp", f"unix:{other_sock},server=on,wait=off"]
    with running(qmonitor_cmd(), extra, slow_sock) as proc:
        for _ in range(200):
            if other_sock.exists():
                break
            time.sleep(0.01)
        slow = connect(slow_sock)
        read_line(slow)
        request = b'{"execute":"qmp_capabilities"}{"execute":"query-status","id":1}'
        served: list[bool] = []

        def other_client() -> None:
            # Runs while the slow client trickles its bytes in.
            for _ in range(20):
                session_works(other_sock)
            served.append(True)

        worker = threading.Thread(target=other_client)
        worker.start()
        for byte in request:
            slow.sendall(bytes([byte]))
            time.sleep(0.005)
        worker.join(30)
        assert served == [True]
        assert read_line(slow) == b'{"return": {}}\r\n'
        assert b'"id": 1' in read_line(slow)
        slow.close()
        assert proc.poll() is None


def test_half_closed_client_still_gets_its_replies(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), [], sock) as proc:
        fds, threads = baseline(proc.pid, sock)
        s = connect(sock)
        read_line(s)
        s.sendall(b'{"execute":"qmp_capabilities"}{"execute":"query-name","id":2}')
        s.shutdown(socket.SHUT_WR)
        assert read_line(s) == b'{"return": {}}\r\n'
        assert read_line(s) == b'{"return": {}, "id": 2}\r\n'
        assert s.recv(1) == b""  # the server closes after the client's end of input
        s.close()
        session_works(sock)
        assert settled(proc.pid, fds, threads)


def test_client_gone_while_replies_are_written(tmp_path: Path) -> None:
    """EPIPE/ECONNRESET on write (SIGPIPE is ignored): no crash, next client served."""
    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), [], sock) as proc:
        fds, threads = baseline(proc.pid, sock)
        for _ in range(20):
            s = connect(sock)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            read_line(s)
            # Big replies, never read: the server's writes hit a closed peer.
            s.sendall(b'{"execute":"qmp_capabilities"}' + b'{"execute":"query-commands"}' * 200)
            time.sleep(0.01)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # a reset, with replies still on their way
        session_works(sock)
        assert proc.poll() is None
        assert settled(proc.pid, fds, threads)
