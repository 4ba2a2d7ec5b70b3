"""Drive QMP transcripts against QEMU or qmonitor: record, replay, compare.

A *case* is a QEMU command line (the base options plus the case's own) and a
list of steps over one or more client connections: connect, send bytes,
close, shut down the write side, wait for the server to hang up, sleep.
After every step the driver collects what each open connection received.

*Recording* (:func:`record_case`) reads after each step until every open
connection has been quiet for the step's quiet period (or hung up), and
stores the exact bytes and which connections saw EOF.  *Replaying*
(:func:`replay_case`) performs the recorded steps and reads, per connection,
until as many bytes as recorded arrived (or EOF, or a timeout, or bytes that
can no longer match), then briefly for bytes nobody expected, and compares;
it stops at the first step that differs and describes it as escaped text.
Only event timestamps are normalised (:func:`normalize`).  Against QEMU the
first connection waits :data:`SETTLE` seconds after the socket appears.

Each case runs in a fresh process in its own temporary directory (which
also holds its sockets), killed at the end; every wait is bounded.  The
binary is a parameter: QEMU to record, ``python -m qmonitor`` to replay.

On disk (tests/golden/qmp/THEME.json)::

    {"format": 1, "theme": ..., "qemu": {"binary", "version", "package"},
     "cases": [{"name", "description", "args", "sockets",
                "steps": [{"op": "send", "conn": 0, "send": "...",
                           "recv": {"0": "..."}, "eof": [0]}, ...]}]}

``send``/``recv`` hold text; bytes that are not UTF-8 go to ``send_hex`` /
``recv_hex`` instead.  A send of several writes is ``writes``: a list of
``{"send": ...}`` or ``{"send_hex": ...}`` with ``gap`` seconds between them.
``args`` spell the temporary directory ``{tmp}``.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import os
import re
import select
import selectors
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from qmonitor_testsupport import REPO

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Every case starts with these options, then the QMP socket below, then its own.
BASE_ARGS = ("-M", "none", "-display", "none", "-nodefaults")
#: The first socket; a case's ``sockets`` name the files it connects to.
BASE_QMP = "unix:{tmp}/qmp0.sock,server=on,wait=off"
BASE_SOCKET = "qmp0.sock"

#: Default quiet period ending a read while recording, in seconds.
QUIET = 0.3
#: Upper bound for one recording read (a server that never goes quiet).
READ_LIMIT = 10.0
#: Replay: how long to wait for the recorded bytes of one step.
REPLAY_TIMEOUT = 5.0
#: Replay: after each step, how long to watch for bytes nobody expected.
GRACE = 0.03
#: Replay: after the last step, how long to watch for bytes nobody expected.
DRAIN = 0.2
#: QEMU: wait this long after the first socket appears before connecting.  A client
#: connecting while QEMU is still starting up may see the start-up RESUME event
#: before the greeting (the monitor is listed before its client is greeted), or
#: no answer at all to its first request.
SETTLE = 0.3
#: Waiting for a socket to appear and accept.
CONNECT_TIMEOUT = 10.0
#: Waiting for EOF in an ``expect_eof`` step while recording.
EOF_TIMEOUT = 5.0
#: Default gap between the writes of a multi-write send.
GAP = 0.02
#: Parallel cases in the tests.
WORKERS = 8

FORMAT = 1


# --------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class Step:
    """One client action.

    ``op`` is one of ``connect`` (connection ``conn`` to socket number
    ``socket``), ``send`` (``writes``: one or more writes, ``gap`` seconds
    apart), ``close``, ``shutdown_wr``, ``expect_eof`` (read ``conn`` until
    the server hangs up) and ``sleep`` (``seconds``).  ``quiet`` is the
    quiet period of the read that follows, when recording.
    """

    op: str
    conn: int = 0
    writes: tuple[bytes, ...] = ()
    socket: int = 0
    gap: float = GAP
    seconds: float = 0.0
    quiet: float = QUIET


@dataclass(frozen=True, slots=True)
class Case:
    """A command line and the steps to play against it."""

    name: str
    theme: str
    description: str
    steps: tuple[Step, ...]
    args: tuple[str, ...] = ()
    sockets: tuple[str, ...] = (BASE_SOCKET,)


OPS = ("connect", "send", "close", "shutdown_wr", "expect_eof", "sleep")


# ------------------------------------------------------------- normalising


_TIMESTAMP = re.compile(rb'("timestamp":\s*\{)([^{}]*)(\})')
_DIGITS = re.compile(rb"\d+")


def normalize(data: bytes) -> bytes:
    """Zero the numbers inside every complete ``"timestamp": {...}``."""
    return _TIMESTAMP.sub(lambda m: m[1] + _DIGITS.sub(b"0", m[2]) + m[3], data)


_OPEN_TIMESTAMP = re.compile(rb'"timestamp":\s*\{[^{}]*\Z')


def may_still_match(raw: bytes, want: bytes) -> bool:
    """Whether more bytes after ``raw`` (not yet normalised) could still give ``want``."""
    if len(want) > len(raw) and (m := _OPEN_TIMESTAMP.search(raw)):
        raw = raw[: m.start()]  # an event cut inside its timestamp
    return want.startswith(normalize(raw)) or normalize(raw).startswith(want)


def parse_greeting(data: bytes) -> tuple[str, str]:
    """The ``X.Y.Z`` version and package string of a QMP greeting."""
    first = data.split(b"\n", 1)[0]
    version = json.loads(first)["QMP"]["version"]
    qemu = version["qemu"]
    return f"{qemu['major']}.{qemu['minor']}.{qemu['micro']}", str(version["package"])


# ---------------------------------------------------------------- encoding


def _encode_bytes(data: bytes, key: str) -> dict[str, str]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {key + "_hex": data.hex()}


def _decode_bytes(obj: dict[str, Any], key: str) -> bytes:
    if key in obj:
        return str(obj[key]).encode("utf-8")
    return bytes.fromhex(obj[key + "_hex"])


def step_to_json(step: Step) -> dict[str, Any]:
    """The input half of a recorded step (what the client does)."""
    out: dict[str, Any] = {"op": step.op}
    if step.op != "sleep":
        out["conn"] = step.conn
    if step.op == "connect":
        out["socket"] = step.socket
    elif step.op == "send":
        if len(step.writes) == 1:
            out.update(_encode_bytes(step.writes[0], "send"))
        else:
            out["writes"] = [_encode_bytes(w, "send") for w in step.writes]
            out["gap"] = step.gap
    elif step.op == "sleep":
        out["seconds"] = step.seconds
    return out


def step_from_json(obj: dict[str, Any]) -> Step:
    op = obj["op"]
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    writes: tuple[bytes, ...] = ()
    if op == "send":
        if "writes" in obj:
            writes = tuple(_decode_bytes(w, "send") for w in obj["writes"])
        else:
            writes = (_decode_bytes(obj, "send"),)
    return Step(
        op=op,
        conn=int(obj.get("conn", 0)),
        writes=writes,
        socket=int(obj.get("socket", 0)),
        gap=float(obj.get("gap", GAP)),
        seconds=float(obj.get("seconds", 0.0)),
    )


Received = dict[int, tuple[bytes, bool]]
"""Per connection: the bytes received during a step and whether EOF was seen."""


def received_to_json(received: Received) -> dict[str, Any]:
    """``recv`` (or ``recv_hex``) per connection that got bytes; ``eof``."""
    out: dict[str, Any] = {}
    text: dict[str, str] = {}
    raw: dict[str, str] = {}
    for conn in sorted(received):
        data, _ = received[conn]
        if not data:
            continue
        try:
            text[str(conn)] = data.decode("utf-8")
        except UnicodeDecodeError:
            raw[str(conn)] = data.hex()
    if text:
        out["recv"] = text
    if raw:
        out["recv_hex"] = raw
    eofs = sorted(conn for conn, (_, eof) in received.items() if eof)
    if eofs:
        out["eof"] = eofs
    return out


def received_from_json(obj: dict[str, Any]) -> Received:
    out: Received = {}
    for conn, text in obj.get("recv", {}).items():
        out[int(conn)] = (text.encode("utf-8"), False)
    for conn, hexed in obj.get("recv_hex", {}).items():
        out[int(conn)] = (bytes.fromhex(hexed), False)
    for conn in obj.get("eof", []):
        data, _ = out.get(int(conn), (b"", False))
        out[int(conn)] = (data, True)
    return out


def case_inputs_json(case: Case) -> dict[str, Any]:
    """The input half of a recorded case."""
    return {
        "name": case.name,
        "description": case.description,
        "args": list(case.args),
        "sockets": list(case.sockets),
        "steps": [step_to_json(s) for s in case.steps],
    }


def case_from_json(obj: dict[str, Any], theme: str) -> Case:
    return Case(
        name=obj["name"],
        theme=theme,
        description=obj["description"],
        steps=tuple(step_from_json(s) for s in obj["steps"]),
        args=tuple(obj["args"]),
        sockets=tuple(obj["sockets"]),
    )


def strip_received(recorded: dict[str, Any]) -> dict[str, Any]:
    """A recorded case without what was received: comparable with case_inputs_json()."""
    out = dict(recorded)
    out["steps"] = [
        {k: v for k, v in s.items() if k not in ("recv", "recv_hex", "eof")}
        for s in recorded["steps"]
    ]
    return out


# ---------------------------------------------------------------- escaping


def escape(data: bytes) -> str:
    """Bytes as readable text: printable ASCII as is, the rest escaped."""
    out: list[str] = []
    for byte in data:
        ch = chr(byte)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n\n")
        elif ch == "\t":
            out.append("\\t")
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def _indent(text: str, prefix: str = "    ") -> str:
    if not text:
        return prefix + "(nothing)"
    return "\n".join(prefix + line for line in text.rstrip("\n").split("\n"))


#: Longest stretch of a message shown in full in a mismatch report (escaped characters).
SHOW = 2400
#: Most lines of line diff shown, and the longest line.
DIFF_LINES = 60
DIFF_WIDTH = 400


def _inline(data: bytes) -> str:
    return escape(data).replace("\n", "")


def _window(data: bytes, offset: int) -> str:
    """``data`` escaped; when long, only the part around ``offset``."""
    if len(data) <= SHOW // 2:
        return _indent(escape(data))
    start = max(0, offset - SHOW // 4)
    end = min(len(data), start + SHOW // 2)
    text = _indent(escape(data[start:end]))
    if start:
        text = f"    ... [{start} bytes before]\n{text}"
    if end < len(data):
        text += f"\n    ... [{len(data) - end} bytes after]"
    return text


def describe_difference(expected: bytes, got: bytes) -> str:
    """Expected and got as escaped text, the first differing offset and a line diff."""
    offset = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    parts = [
        f"  expected ({len(expected)} bytes):",
        _window(expected, offset),
        f"  got ({len(got)} bytes):",
        _window(got, offset),
        f"  first difference at byte {offset}:",
        f"    expected: {_inline(expected[offset : offset + 60]) or '(end)'}",
        f"    got:      {_inline(got[offset : offset + 60]) or '(end)'}",
    ]
    diff = list(
        difflib.unified_diff(
            escape(expected).splitlines(),
            escape(got).splitlines(),
            "expected",
            "got",
            lineterm="",
            n=1,
        )
    )
    if diff:
        shown = [line[:DIFF_WIDTH] + ("..." if len(line) > DIFF_WIDTH else "") for line in diff]
        if len(shown) > DIFF_LINES:
            shown = [*shown[:DIFF_LINES], f"... [{len(diff) - DIFF_LINES} more diff lines]"]
        parts.append("  diff:")
        parts.append(_indent("\n".join(shown)))
    return "\n".join(parts)


# ----------------------------------------------------------------- running


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


def read_quiet(sock: socket.socket, quiet: float, limit: float = READ_LIMIT) -> tuple[bytes, bool]:
    """Read one socket until nothing came for ``quiet`` seconds: (data, peer hung up)."""
    out = bytearray()
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([sock], [], [], quiet)
        if not ready:
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
        ready, _, _ = select.select([sock], [], [], 0.05)
        if ready:
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
                    select.select([], [sock], [], 0.05)
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


def record_case(case: Case, command: Sequence[str], settle: float = SETTLE) -> dict[str, Any]:
    """Play ``case`` against ``command``, reading until quiet; the recorded case."""
    out = case_inputs_json(case)
    with session(case, command, settle) as sess:
        try:
            for step, obj in zip(case.steps, out["steps"], strict=True):
                _perform(sess, step)
                eof_conn = step.conn if step.op == "expect_eof" else None
                obj.update(received_to_json(sess.read_quiet(step.quiet, eof_conn)))
        except (DriverError, OSError) as exc:
            raise DriverError(f"{case.name}: {exc}\n{sess.output()}") from exc
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of replaying one case: ``failure`` is None when all matched."""

    name: str
    failure: str | None
    seconds: float


def _step_label(index: int, obj: dict[str, Any]) -> str:
    step = step_from_json(obj)
    label = f"step {index} {step.op}"
    if step.op != "sleep":
        label += f" conn {step.conn}"
    if step.op == "connect":
        label += f" to socket {step.socket}"
    if step.op == "send":
        sent = b"".join(step.writes)
        shown = escape(sent[:300]).replace("\n", "") + ("..." if len(sent) > 300 else "")
        label += f": {shown}"
    return label


def replay_case(
    recorded: dict[str, Any], command: Sequence[str], settle: float = 0.0
) -> str | None:
    """Replay a recorded case against ``command``; None or a description of the mismatch."""
    case = case_from_json(recorded, "")
    history: list[str] = []
    with session(case, command, settle) as sess:
        try:
            for index, (step, obj) in enumerate(zip(case.steps, recorded["steps"], strict=True)):
                _perform(sess, step)
                label = _step_label(index, obj)
                history.append(label)
                expected = received_from_json(obj)
                got = sess.read_expected(expected, REPLAY_TIMEOUT)
                problem = _compare(expected, got)
                if problem:
                    return _report(case, sess, history, problem)
            extra = sess.read_quiet(DRAIN)
            leftovers = {c: v for c, v in extra.items() if v[0] or v[1]}
            if leftovers:
                history.append("after the last step")
                problem = _compare({}, leftovers)
                return _report(case, sess, history, problem or "unexpected bytes or EOF")
        except (DriverError, OSError) as exc:
            return _report(case, sess, history, f"driver error: {exc}")
    return None


def _compare(expected: Received, got: Received) -> str | None:
    problems = []
    for conn in sorted(set(expected) | set(got)):
        want, want_eof = expected.get(conn, (b"", False))
        have, have_eof = got.get(conn, (b"", False))
        if want != have:
            problems.append(f"connection {conn}: bytes differ\n{describe_difference(want, have)}")
        if want_eof != have_eof:
            problems.append(
                f"connection {conn}: expected {'EOF' if want_eof else 'no EOF'},"
                f" got {'EOF' if have_eof else 'no EOF'}"
            )
    return "\n".join(problems) or None


def _report(case: Case, sess: Session, history: list[str], problem: str) -> str:
    lines = [
        f"case {case.name}: {case.description}",
        "command: " + shlex.join(sess.argv),
        "steps:",
        *("  " + h for h in history),
        problem,
    ]
    output = sess.output()
    if output:
        lines.append(output)
    return "\n".join(lines)


def compare_recordings(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    """Two recordings of the same case: None when equal, else the first difference."""
    if strip_received(want) != strip_received(got):
        return "the corpus changed since the recording (inputs differ): re-run the recorder"
    history: list[str] = []
    for index, (a, b) in enumerate(zip(want["steps"], got["steps"], strict=True)):
        history.append(_step_label(index, a))
        problem = _compare(received_from_json(a), received_from_json(b))
        if problem:
            return "\n".join(["steps:", *("  " + h for h in history), problem])
    return None


# --------------------------------------------------------------- parallel


def run_parallel(items: Iterable[_T], func: Callable[[_T], _R], workers: int = WORKERS) -> list[_R]:
    """``func`` over ``items`` in a thread pool, results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def timed_replay(recorded: dict[str, Any], command: Sequence[str], settle: float = 0.0) -> Outcome:
    start = time.monotonic()
    try:
        failure = replay_case(recorded, command, settle)
    except Exception as exc:  # a crashing driver must not hide the other cases
        failure = f"case {recorded['name']}: driver crashed: {exc!r}"
    return Outcome(recorded["name"], failure, time.monotonic() - start)


# ------------------------------------------------------------------ files


GOLDEN_DIR = REPO / "tests" / "golden" / "qmp"


Recording = tuple[dict[str, Any], dict[str, Any]]
"""A file header (theme, QEMU version and package) and one recorded case."""


def load_recordings(directory: Path = GOLDEN_DIR) -> dict[str, Recording]:
    """Every recorded case by name."""
    out: dict[str, Recording] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        header = {k: v for k, v in data.items() if k != "cases"}
        for case in data["cases"]:
            if case["name"] in out:
                raise ValueError(f"duplicate case {case['name']} in {path.name}")
            out[case["name"]] = (header, case)
    return out


def qmonitor_command(python: str, header: dict[str, Any]) -> list[str]:
    """``python -m qmonitor`` emulating the recorded QEMU's version and package."""
    return [
        python,
        "-m",
        "qmonitor",
        "-qmonitor-version",
        header["qemu"]["version"],
        "-qmonitor-package",
        header["qemu"]["package"],
    ]
