"""bench/loadgen.c against a minimal fake QMP server: it counts replies right.

Fast, no timing assertions; skipped when no C compiler is installed.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "bench" / "loadgen.c"
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")

GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, '
    b'"package": ""}, "capabilities": ["oob"]}}\r\n'
)
# QEMU 7.2 writes the timestamp first; the other order is skipped as well
EVENTS = (
    b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}\r\n',
    b'{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 3}}\r\n',
)


class FakeQMP:
    """A unix-socket QMP server in a thread: one client at a time.

    mode "echo" answers ``{"return": {}, "id": ID}`` and puts an event before
    every third reply; "fixed" answers every request with the same line;
    "error" answers as QEMU does an unknown command; "close" hangs up right
    after the greeting; "reset" once the first request arrived, unread.
    """

    def __init__(self, path: Path, mode: str = "echo") -> None:
        self.path = path
        self.mode = mode
        self.requests = 0  # requests other than qmp_capabilities
        self.capabilities: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(4)
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        conn.sendall(GREETING)
        if self.mode == "close":
            return
        if self.mode == "reset":
            # Hang up with the client's first request unread: a reset, not an EOF.
            select.select([conn], [], [], 5.0)
            return
        buf = b""
        while not self.stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            buf += data
            *lines, buf = buf.split(b"\n")
            out = []
            for raw in lines:
                if not raw.strip():
                    continue
                req = json.loads(raw)
                if req["execute"] == "qmp_capabilities":
                    self.capabilities.append(req)
                    out.append(b'{"return": {}}\r\n')
                    continue
                self.requests += 1
                if self.mode == "fixed":
                    out.append(b'{"return": {"status": "running"}}\r\n')
                    continue
                if self.mode == "error":
                    err = {"id": req["id"], "error": {"class": "GenericError", "desc": "no"}}
                    out.append(json.dumps(err).encode() + b"\r\n")
                    continue
                if self.requests % 3 == 0:
                    out.append(EVENTS[self.requests % 2])
                reply = {"return": {}, "id": req["id"]}
                out.append(json.dumps(reply).encode() + b"\r\n")
            try:
                conn.sendall(b"".join(out))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture(scope="module")
def loadgen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    exe = tmp_path_factory.mktemp("loadgen") / "loadgen"
    assert CC is not None
    subprocess.run(
        [CC, "-O2", "-Wall", "-Wextra", "-o", str(exe), str(SOURCE)],
        check=True,
        timeout=120,
    )
    return exe


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeQMP]:
    srv = FakeQMP(tmp_path / "qmp.sock")
    yield srv
    srv.close()


def run(loadgen: Path, *args: str) -> tuple[int, dict[str, Any] | None, str]:
    res = subprocess.run(
        [str(loadgen), "-t", "20", *args], capture_output=True, text=True, timeout=30, check=False
    )
    out = json.loads(res.stdout) if res.stdout.strip() else None
    return res.returncode, out, res.stderr


def test_seq_counts_each_reply(loadgen: Path, server: FakeQMP) -> None:
    rc, out, err = run(loadgen, "-n", "50", "seq", str(server.path))
    assert rc == 0, err
    assert out is not None
    assert out["workload"] == "seq"
    assert out["ops"] == 50
    assert out["inflight"] == 1
    assert out["events"] == 16  # skipped, not counted as replies
    assert out["errors"] == 0
    assert out["id_mismatch"] == 0
    assert server.requests == 50
    assert server.capabilities == [{"execute": "qmp_capabilities"}]


def test_pipe_counts_each_reply(loadgen: Path, server: FakeQMP) -> None:
    rc, out, err = run(loadgen, "-n", "300", "-k", "16", "pipe", str(server.path))
    assert rc == 0, err
    assert out is not None
    assert out["ops"] == 300
    assert out["inflight"] == 16
    assert out["id_mismatch"] == 0
    assert server.requests == 300  # never more than asked for


def test_pipe_with_fixed_replies_and_oob(loadgen: Path, tmp_path: Path) -> None:
    srv = FakeQMP(tmp_path / "fixed.sock", mode="fixed")
    try:
        rc, out, err = run(loadgen, "-o", "-n", "100", "pipe", str(srv.path))
    finally:
        srv.close()
    assert rc == 0, err
    assert out is not None
    assert out["ops"] == 100
    assert out["oob"] is True
    assert srv.requests == 100
    assert srv.capabilities == [{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}]


def test_seq_for_a_duration_after_warmup(loadgen: Path, server: FakeQMP) -> None:
    rc, out, err = run(loadgen, "-w", "0.05", "-d", "0.1", "seq", str(server.path))
    assert rc == 0, err
    assert out is not None
    assert out["ops"] > 0
    assert server.requests >= out["ops"]


def test_large_echo(loadgen: Path, server: FakeQMP) -> None:
    rc, out, err = run(loadgen, "-s", "5000", "-n", "3", "large", str(server.path))
    assert rc == 0, err
    assert out is not None
    assert out["ops"] == 3
    assert out["bytes_out"] > 3 * 5000
    assert server.requests == 3


def test_clients_aggregate(loadgen: Path, tmp_path: Path) -> None:
    servers = [FakeQMP(tmp_path / f"c{i}.sock") for i in range(3)]
    try:
        rc, out, err = run(loadgen, "-n", "90", "clients", *(str(s.path) for s in servers))
    finally:
        for s in servers:
            s.close()
    assert rc == 0, err
    assert out is not None
    assert out["connections"] == 3
    assert out["ops"] == 90
    assert sum(s.requests for s in servers) == 90
    assert all(s.requests > 0 for s in servers)


@pytest.mark.parametrize("mode", ["close", "reset"])
def test_peer_close_is_a_clear_error(loadgen: Path, tmp_path: Path, mode: str) -> None:
    srv = FakeQMP(tmp_path / "close.sock", mode=mode)
    try:
        rc, out, err = run(loadgen, "-n", "10", "seq", str(srv.path))
    finally:
        srv.close()
    assert rc == 1
    assert out is None
    assert "closed the connection" in err


def test_error_replies_are_counted(loadgen: Path, tmp_path: Path) -> None:
    srv = FakeQMP(tmp_path / "error.sock", mode="error")
    try:
        rc, out, err = run(loadgen, "-n", "20", "-k", "4", "pipe", str(srv.path))
    finally:
        srv.close()
    assert rc == 3, err
    assert out is not None
    assert out["ops"] == 20
    assert out["errors"] == 20


def test_one_write_per_request(loadgen: Path, server: FakeQMP) -> None:
    rc, out, err = run(loadgen, "-1", "-n", "300", "-k", "16", "pipe", str(server.path))
    assert rc == 0, err
    assert out is not None
    assert out["ops"] == 300 and out["id_mismatch"] == 0
    # qmp_capabilities, then each request written on its own.
    assert out["writes"] >= 301
    # Without -1 the first 16 requests at least go out in one write().
    rc, out, err = run(loadgen, "-n", "300", "-k", "16", "pipe", str(server.path))
    assert rc == 0, err
    assert out is not None and out["ops"] == 300
    assert out["writes"] <= 1 + 1 + (300 - 16)
