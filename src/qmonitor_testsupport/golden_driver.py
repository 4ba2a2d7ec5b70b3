"""The socket driver of the QMP golden transcripts (part of :mod:`.goldenlib`).

A :class:`Session` is one server process, started in its own temporary
directory and session, and the client connections to it; it performs the
steps of a case and reads what each connection received, until quiet
(recording) or until the expected bytes came (replaying).  Every wait is
bounded by the timeouts below; :class:`DriverError` says the server could
not be driven.  :mod:`.hmp_golden` drives HMP cases with it too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import selectors
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qmonitor_testsupport.golden_diff import _indent
from qmonitor_testsupport.golden_format import (
    BASE_ARGS,
    BASE_QMP,
    Case,
    Received,
    Step,
    may_still_match,
    normalize,
)

#: Upper bound for one recording read (a server that never goes quiet).
READ_LIMIT = 10.0
#: Replay: how long to wait for the recorded bytes of one step.
REPLAY_TIMEOUT = 30.0
#: Replay: after each step, how long to watch for bytes nobody expected.
GRACE = 0.03
#: Waiting for a socket to appear and accept.
CONNECT_TIMEOUT = 60.0
#: Waiting for EOF in an ``expect_eof`` step while recording.
EOF_TIMEOUT = 5.0


class DriverError(Exception):
    """The server could not be driven (did not start, socket never came up, ...)."""


def connect_unix(
    path: Path, proc: subprocess.Popen[bytes] | None = None, timeout: float = CONNECT_TIMEOUT
) -> socket.socket:
    """A blocking connection to the unix socket ``proc`` creates (bounded wait)."""
    end = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise DriverError(
                f"server exited with status {proc.returncode} before {path.name} accepted"
            )
        if path.exists():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(str(path))
            except OSError as exc:
                sock.close()
                if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT, errno.EAGAIN):
                    raise
            else:
                return sock
        if time.monotonic() > end:
            raise DriverError(f"{path.name} did not come up")
        time.sleep(0.005)


def _recv(sock: socket.socket) -> bytes | None:
    """One read: bytes, b"" at EOF (a reset counts: the peer exited), None if none yet."""
    try:
        return sock.recv(1 << 20)
    except (BlockingIOError, TimeoutError):
        return None
    except ConnectionResetError:
        return b""


def readable(sock: socket.socket, timeout: float) -> bool:
    """Whether ``sock`` has data (or a hang-up) within ``timeout`` seconds.

    poll(), not select(): a long test run may hold descriptors past
    FD_SETSIZE (1024), which select() cannot watch.
    """
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(max(0, int(timeout * 1000))))


def read_quiet(sock: socket.socket, quiet: float, limit: float = READ_LIMIT) -> tuple[bytes, bool]:
    """Read one socket until nothing came for ``quiet`` seconds: (data, peer hung up)."""
    out = bytearray()
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if not readable(sock, quiet):
            return bytes(out), False
        chunk = _recv(sock)
        if chunk == b"":
            return bytes(out), True
        out += chunk or b""
    raise DriverError("the server never went quiet")


def read_expected(
    sock: socket.socket, want: int, quiet: float, timeout: float = REPLAY_TIMEOUT
) -> tuple[bytes, bool]:
    """Read one socket until ``want`` bytes came (bounded), then until quiet."""
    out = bytearray()
    end = time.monotonic() + timeout
    while len(out) < want and time.monotonic() < end:
        if readable(sock, 0.05):
            chunk = _recv(sock)
            if chunk == b"":
                return bytes(out), True
            out += chunk or b""
    rest, eof = read_quiet(sock, quiet)
    return bytes(out) + rest, eof


@dataclass(slots=True)
class _Conn:
    sock: socket.socket
    eof: bool = False


@dataclass(slots=True)
class Session:
    """One server process and the client connections to it."""

    argv: list[str]
    tmp: Path
    socket_paths: list[Path]
    settle: float = 0.0
    proc: subprocess.Popen[bytes] | None = None
    conns: dict[int, _Conn] = field(default_factory=dict)
    settled: bool = False

    def start(self) -> None:
        with (
            (self.tmp / "stdout.txt").open("wb") as out,
            (self.tmp / "stderr.txt").open("wb") as err,
        ):
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.tmp,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def output(self) -> str:
        """The end of what the process printed (for failure reports)."""
        text = []
        for name in ("stdout", "stderr"):
            path = self.tmp / f"{name}.txt"
            if path.exists() and path.stat().st_size:
                data = path.read_bytes()[-3000:].decode("utf-8", "backslashreplace")
                text.append(f"server {name}:\n{_indent(data)}")
        return "\n".join(text)

    def terminate(self, timeout: float = 10.0) -> int | None:
        """End the process with SIGTERM, as a user would (QEMU then flushes its
        standard output); SIGKILL if it does not go.  Its exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout)

    def stdout(self) -> bytes:
        """Everything the process wrote on its standard output so far."""
        path = self.tmp / "stdout.txt"
        return path.read_bytes() if path.exists() else b""

    def stop(self) -> None:
        for conn in self.conns.values():
            conn.sock.close()
        self.conns.clear()
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    # -- actions

    def connect(self, conn: int, index: int) -> None:
        if conn in self.conns:
            raise DriverError(f"connection {conn} is already open")
        path = self.socket_paths[index]
        if not self.settled:
            end = time.monotonic() + CONNECT_TIMEOUT
            while not path.exists() and time.monotonic() < end:
                if self.proc is not None and self.proc.poll() is not None:
                    break
                time.sleep(0.005)
            if path.exists():
                time.sleep(self.settle)
                self.settled = True
        sock = connect_unix(path, self.proc)
        sock.setblocking(False)
        self.conns[conn] = _Conn(sock)

    def send(self, conn: int, writes: Sequence[bytes], gap: float) -> None:
        sock = self._conn(conn).sock
        for i, data in enumerate(writes):
            if i:
                time.sleep(gap)
            view = memoryview(data)
            end = time.monotonic() + READ_LIMIT
            while view:
                try:
                    sent = sock.send(view)
                except BlockingIOError:
                    if time.monotonic() > end:
                        raise DriverError("send timed out") from None
                    poller = select.poll()
                    poller.register(sock, select.POLLOUT)
                    poller.poll(50)
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    return
                view = view[sent:]

    def close(self, conn: int) -> None:
        self._conn(conn).sock.close()
        del self.conns[conn]

    def shutdown_wr(self, conn: int) -> None:
        with contextlib.suppress(OSError):
            self._conn(conn).sock.shutdown(socket.SHUT_WR)

    def _conn(self, conn: int) -> _Conn:
        try:
            return self.conns[conn]
        except KeyError:
            raise DriverError(f"connection {conn} is not open") from None

    # -- reading

    def _read_some(self, conn: _Conn, into: bytearray) -> None:
        chunk = _recv(conn.sock)
        if chunk is None:
            return
        if chunk:
            into += chunk
        else:
            conn.eof = True

    def read_quiet(self, quiet: float, eof_conn: int | None = None) -> Received:
        """Read every open connection until all were quiet for ``quiet`` seconds.

        With ``eof_conn``, keep reading until that connection hits EOF
        (bounded by :data:`EOF_TIMEOUT`), then until quiet.
        """
        got: dict[int, bytearray] = {c: bytearray() for c in self.conns}
        now = time.monotonic()
        self._collect(got, quiet, now + READ_LIMIT, eof_conn, now + EOF_TIMEOUT)
        return self._finish(got)

    def _collect(
        self,
        got: dict[int, bytearray],
        quiet: float,
        deadline: float,
        eof_conn: int | None = None,
        eof_deadline: float = 0.0,
    ) -> None:
        """Read into ``got`` until quiet for ``quiet`` seconds (see read_quiet)."""
        last = time.monotonic()
        with selectors.DefaultSelector() as sel:
            for number, conn in self.conns.items():
                if not conn.eof:
                    sel.register(conn.sock, selectors.EVENT_READ, number)
            while sel.get_map():
                now = time.monotonic()
                eof_pending = (
                    eof_conn in self.conns and not self.conns[eof_conn].eof and now < eof_deadline
                )
                if now >= deadline or (not eof_pending and now - last >= quiet):
                    break
                wait = (eof_deadline if eof_pending else last + quiet) - now
                for key, _ in sel.select(max(0.0, min(wait, quiet, deadline - now))):
                    conn = self.conns[key.data]
                    before = len(got[key.data])
                    self._read_some(conn, got[key.data])
                    if conn.eof:
                        sel.unregister(key.fileobj)
                    if conn.eof or len(got[key.data]) != before:
                        last = time.monotonic()

    def read_expected(self, expected: Received, timeout: float) -> Received:
        """Read until each connection got as many (normalised) bytes as expected.

        A connection expected to hit EOF is read until EOF; one whose bytes can
        no longer match, or that expects nothing, is not waited for.  Then a
        short read (:data:`GRACE`) reports bytes nobody expected with this step.
        """
        got: dict[int, bytearray] = {c: bytearray() for c in self.conns}
        end = time.monotonic() + timeout

        def done(number: int) -> bool:
            conn = self.conns[number]
            want, want_eof = expected.get(number, (b"", False))
            data = bytes(got[number])
            if conn.eof or not may_still_match(data, want):
                return True
            if want_eof:
                return False
            return len(normalize(data)) >= len(want)

        with selectors.DefaultSelector() as sel:
            for number, conn in self.conns.items():
                if not conn.eof and not done(number):
                    sel.register(conn.sock, selectors.EVENT_READ, number)
            while sel.get_map():
                now = time.monotonic()
                if now >= end:
                    break
                for key, _ in sel.select(end - now):
                    self._read_some(self.conns[key.data], got[key.data])
                    if done(key.data):
                        sel.unregister(key.fileobj)
        self._collect(got, GRACE, end)
        return self._finish(got)

    def _finish(self, got: dict[int, bytearray]) -> Received:
        out: Received = {}
        for number, data in got.items():
            conn = self.conns[number]
            out[number] = (normalize(bytes(data)), conn.eof)
        for number in [n for n, c in self.conns.items() if c.eof]:
            self.conns[number].sock.close()
            del self.conns[number]
        return out


@contextlib.contextmanager
def session(case: Case, command: Sequence[str], settle: float = 0.0) -> Iterator[Session]:
    """Start ``command`` with the base options and the case's, in a fresh temp dir.

    ``settle``: seconds to wait once the first socket exists, before connecting.
    """
    with tempfile.TemporaryDirectory(prefix="qmpg") as tmpname:
        tmp = Path(tmpname)
        args = [a.replace("{tmp}", tmpname) for a in (*BASE_ARGS, "-qmp", BASE_QMP, *case.args)]
        sess = Session([*command, *args], tmp, [tmp / s for s in case.sockets], settle)
        sess.start()
        try:
            yield sess
        finally:
            sess.stop()


def _perform(sess: Session, step: Step) -> None:
    if step.op == "connect":
        sess.connect(step.conn, step.socket)
    elif step.op == "send":
        sess.send(step.conn, step.writes, step.gap)
    elif step.op == "close":
        sess.close(step.conn)
    elif step.op == "shutdown_wr":
        sess.shutdown_wr(step.conn)
    elif step.op == "sleep":
        time.sleep(step.seconds)
    elif step.op != "expect_eof":
        raise DriverError(f"unknown op {step.op!r}")
