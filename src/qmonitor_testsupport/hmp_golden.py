"""HMP golden transcripts: their format, normalising, recording and live replay.

What tests/ and ``tools/record_hmp.py`` share: the :class:`Case` of one
session, the on-disk format of tests/golden/hmp/THEME.json (read with
:func:`load_theme`), how bytes are stored and compared, and the driver that
runs one case against a binary (:func:`record_case`, :func:`replay_live`).
The cases recorded from QEMU live in ``tools/hmp_cases.py``, and the script
that records them in ``tools/record_hmp.py``; its docstring describes the
kinds of case.

On disk::

    {"format": 1, "theme": ..., "qemu": {"binary", "version", "package"},
     "cases": [{"name", "description", "kind", "args", "qemu_table", "process",
                "steps": [{"send": ..., "recv": ...}, ...],
                "eof": bool, "stdout": ...}]}

Bytes are stored as Latin-1 text (one character per byte).  A reply too
big to store is kept as ``recv_len``, ``recv_sha256`` and its last bytes
in ``recv_tail``.  For ``hmc`` cases ``send`` is the command line and
``recv`` the returned text.  A pty's number (``/dev/pts/N``) and a vCPU's
thread id (``thread_id=N``) differ from run to run: they are stored, and
compared, as ``N``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmonitor_testsupport import REPO, goldenlib
from qmonitor_testsupport.golden_driver import readable
from qmonitor_testsupport.goldenlib import (
    BASE_ARGS,
    CONNECT_TIMEOUT,
    DriverError,
    read_expected,
    read_quiet,
)
from qmonitor_testsupport.goldenlib import connect_unix as connect

__all__ = [
    "BASE_ARGS",
    "Case",
    "DriverError",
    "connect",
    "load_theme",
    "qemu_identity",
    "qmonitor_command",
    "read_expected",
    "read_quiet",
    "record_case",
    "replay_live",
]

FORMAT = 1
#: The monitor every socket case talks to.
MONITOR_SOCKET = "hmp.sock"
#: The QMP socket of ``hmc`` cases.
QMP_SOCKET = "qmp.sock"
#: Quiet period ending a read, in seconds.
QUIET = 0.25
#: Upper bound for one read.
READ_LIMIT = 60.0
#: Replies longer than this are stored as a digest.
MAX_STORED = 16384
#: How much of a digested reply is kept, from its end.
TAIL = 256
#: Live replay: how long to wait for the expected bytes of one step.
REPLAY_TIMEOUT = 30.0

#: Where the transcripts live.
GOLDEN_DIR = REPO / "tests" / "golden" / "hmp"


@dataclass(frozen=True)
class Case:
    """One recorded session."""

    name: str
    description: str
    #: Socket cases: bytes sent, one step each.  hmc cases: command lines.
    steps: tuple[bytes, ...]
    kind: str = "socket"
    args: tuple[str, ...] = ()
    qemu_table: bool = False
    #: Recorded as data for other tests (QEMU's full listings), not replayed.
    reference_only: bool = False
    #: The output depends on what the command line opened (``info chardev``):
    #: replayed against a real process only.
    process: bool = False
    #: Quiet period of each read (long typing needs more).
    quiet: float = QUIET


# -- byte encoding in the JSON files -------------------------------------------------


def to_json_text(data: bytes) -> str:
    """Bytes as Latin-1 text (one character per byte)."""
    return data.decode("latin-1")


def from_json_text(value: str) -> bytes:
    """The inverse of :func:`to_json_text`."""
    return value.encode("latin-1")


_PTY = re.compile(rb"/dev/pts/[0-9]+")
#: A vCPU's thread id in ``info cpus``.
_THREAD_ID = re.compile(rb"thread_id=[0-9]+")


def normalize(data: bytes) -> bytes:
    """What differs from run to run as ``N``: a pty's number, a vCPU's thread id."""
    return _THREAD_ID.sub(b"thread_id=N", _PTY.sub(b"/dev/pts/N", data))


def store_recv(data: bytes) -> dict[str, Any]:
    """A reply as stored: the bytes, or a digest when they are too many."""
    data = normalize(data)
    if len(data) <= MAX_STORED:
        return {"recv": to_json_text(data)}
    return {
        "recv_len": len(data),
        "recv_sha256": hashlib.sha256(data).hexdigest(),
        "recv_tail": to_json_text(data[-TAIL:]),
    }


def expected_len(step: dict[str, Any]) -> int:
    """How many bytes a stored step's reply has."""
    if "recv" in step:
        return len(step["recv"])
    return int(step["recv_len"])


def recv_matches(step: dict[str, Any], data: bytes) -> bool:
    """Whether ``data`` is the reply stored in ``step``."""
    data = normalize(data)
    if "recv" in step:
        return data == from_json_text(step["recv"])
    digest: str = step["recv_sha256"]
    return len(data) == step["recv_len"] and hashlib.sha256(data).hexdigest() == digest


def describe_mismatch(step: dict[str, Any], data: bytes) -> str:
    """A short human description of how ``data`` differs from the stored reply."""
    data = normalize(data)
    if "recv" in step:
        want = from_json_text(step["recv"])
        i = next((k for k, (a, b) in enumerate(zip(want, data, strict=False)) if a != b), None)
        if i is None:
            i = min(len(want), len(data))
        return (
            f"first difference at byte {i}: want {want[max(0, i - 40) : i + 40]!r},"
            f" got {data[max(0, i - 40) : i + 40]!r} (lengths {len(want)}/{len(data)})"
        )
    return (
        f"want {step['recv_len']} bytes ending {step['recv_tail'][-60:]!r},"
        f" got {len(data)} ending {data[-60:]!r}"
    )


# -- processes and sockets (goldenlib's driver) ----------------------------------------


def qmonitor_command(version: str, package: str) -> list[str]:
    """How to start qmonitor so that it claims the recorded QEMU version."""
    return goldenlib.qmonitor_command(
        sys.executable, {"qemu": {"version": version, "package": package}}
    )


@contextlib.contextmanager
def started(binary: Sequence[str], case: Case) -> Iterator[goldenlib.Session]:
    """Run ``binary`` for ``case`` in a fresh temporary directory; kill it at the end.

    The process runs in that directory and names its sockets relative to
    it, so that what it prints about them (``info chardev``) is the same
    from run to run.
    """
    with tempfile.TemporaryDirectory(prefix="hmp-") as tmp:
        tmpdir = Path(tmp)
        if case.kind == "socket":
            extra = ["-monitor", f"unix:{MONITOR_SOCKET},server=on,wait=off"]
            sockets = [tmpdir / MONITOR_SOCKET]
        else:
            extra = ["-qmp", f"unix:{QMP_SOCKET},server=on,wait=off"]
            sockets = [tmpdir / QMP_SOCKET]
        sess = goldenlib.Session([*binary, *BASE_ARGS, *extra, *case.args], tmpdir, sockets)
        sess.start()
        try:
            yield sess
        finally:
            sess.stop()


def connect_to(sess: goldenlib.Session) -> socket.socket:
    """A blocking connection to the session's one socket."""
    return connect(sess.socket_paths[0], sess.proc)


def read_stdout(sess: goldenlib.Session) -> bytes:
    """Stop the process (SIGTERM: QEMU flushes) and return its standard output."""
    sess.terminate()
    return sess.stdout()


def _qmp_call(sock: socket.socket, buf: bytearray, request: dict[str, Any]) -> Any:
    sock.sendall(json.dumps(request).encode() + b"\n")
    end = time.monotonic() + CONNECT_TIMEOUT
    while time.monotonic() < end:
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg
        if readable(sock, 0.1):
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise DriverError("QMP connection closed")
            buf += chunk
    raise DriverError("no QMP reply")


# -- recording and live replay --------------------------------------------------------


def record_case(case: Case, binary: Sequence[str]) -> dict[str, Any]:
    """Run ``case`` against ``binary`` and return its transcript."""
    steps: list[dict[str, Any]] = []
    eof = False
    with started(binary, case) as sess:
        sock = connect_to(sess)
        if case.kind == "socket":
            with sock:
                data, eof = read_quiet(sock, case.quiet, READ_LIMIT)
                steps.append({"send": "", **store_recv(data)})
                for send in case.steps:
                    if eof:
                        break
                    sock.sendall(send)
                    data, eof = read_quiet(sock, case.quiet, READ_LIMIT)
                    steps.append({"send": to_json_text(send), **store_recv(data)})
        else:
            with sock:
                buf = bytearray()
                read_quiet(sock, case.quiet, READ_LIMIT)
                _qmp_call(sock, buf, {"execute": "qmp_capabilities"})
                for send in case.steps:
                    line = send.decode()
                    reply = _qmp_call(
                        sock,
                        buf,
                        {"execute": "human-monitor-command", "arguments": {"command-line": line}},
                    )
                    steps.append({"send": line, "recv": reply.get("return", reply)})
        stdout = read_stdout(sess)
    return {
        "name": case.name,
        "description": case.description,
        "kind": case.kind,
        "args": list(case.args),
        "qemu_table": case.qemu_table,
        "reference_only": case.reference_only,
        "process": case.process,
        "quiet": case.quiet,
        "steps": steps,
        "eof": eof,
        "stdout": to_json_text(normalize(stdout)),
    }


def replay_outputs(
    recorded: dict[str, Any], binary: Sequence[str], *, stop_early: bool = True
) -> tuple[list[bytes], bool, bytes]:
    """Run a recorded socket case against ``binary``: each step's output, hang-up, stdout.

    Outputs and stdout are normalized as recordings are (:func:`normalize`).
    Each read waits for as many bytes as the recording has (bounded by
    :data:`REPLAY_TIMEOUT`), then for the recording's quiet window, so a
    slow start on a busy machine is waited for rather than cut short.  With
    ``stop_early`` the replay stops at the first step that differs.
    """
    case = Case(
        recorded["name"],
        recorded["description"],
        (),
        kind=recorded["kind"],
        args=tuple(recorded["args"]),
    )
    quiet = float(recorded.get("quiet", QUIET))
    outputs: list[bytes] = []
    eof = False
    with started(binary, case) as sess:
        sock = connect_to(sess)
        with sock:
            for i, step in enumerate(recorded["steps"]):
                if i:
                    if eof:
                        break
                    sock.sendall(from_json_text(step["send"]))
                data, eof = read_expected(sock, expected_len(step), quiet, REPLAY_TIMEOUT)
                outputs.append(normalize(data))
                if stop_early and not recv_matches(step, data):
                    break
        stdout = read_stdout(sess)
    return outputs, eof, normalize(stdout)


def replay_live(recorded: dict[str, Any], binary: Sequence[str]) -> list[str]:
    """Run a recorded socket case against ``binary``; the differences found."""
    problems: list[str] = []
    outputs, eof, stdout = replay_outputs(recorded, binary)
    for i, (step, data) in enumerate(zip(recorded["steps"], outputs, strict=False)):
        if not recv_matches(step, data):
            problems.append(f"step {i} ({step['send'][:40]!r}): {describe_mismatch(step, data)}")
            break
    if not problems and eof != recorded["eof"]:
        problems.append(f"hang-up: want {recorded['eof']}, got {eof}")
    if not problems and stdout != from_json_text(recorded["stdout"]):
        problems.append(f"stdout: want {recorded['stdout']!r}, got {stdout!r}")
    return problems


def qemu_identity(qemu: str) -> tuple[str, str]:
    """The version and package a QEMU binary reports (from ``info version``)."""
    case = Case("version", "", (b"info version\r",))
    got = record_case(case, [qemu])
    banner = from_json_text(got["steps"][0]["recv"]).decode()
    match = re.match(r"QEMU (\d+\.\d+\.\d+) monitor", banner)
    if match is None:
        raise DriverError(f"unexpected banner {banner!r}")
    version = match.group(1)
    reply = from_json_text(got["steps"][1]["recv"]).decode()
    line = reply.split("\r\n")[1]
    if not line.startswith(version):
        raise DriverError(f"unexpected info version {line!r}")
    return version, line[len(version) :]


def load_theme(path: Path) -> dict[str, Any]:
    """Read one golden file."""
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    if data.get("format") != FORMAT:
        raise DriverError(f"{path}: unknown format {data.get('format')}")
    return data
