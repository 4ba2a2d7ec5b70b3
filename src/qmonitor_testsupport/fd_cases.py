"""Descriptor passing cases run against QEMU (tools/record_fds.py) and qmonitor (tests).

Each case starts a ``-M none`` machine with a QMP monitor on a unix socket
(and an HMP one when it speaks HMP), then plays its steps: a QMP request
or an HMP line, sent with descriptors (SCM_RIGHTS, ``socket.send_fds``)
when the step asks, or a reconnection.  What comes back is recorded byte
for byte except descriptor numbers, which differ from one process to the
next: a number a reply gives as ``"fd": N`` becomes ``<fdK>`` (K in order
of first appearance), and a request may name it as ``{fdK}``; an event's
timestamp becomes ``<s>``/``<us>``.  A case
that fails at start-up records the exit status and what was printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Where an inherited descriptor sits for ``-add-fd`` cases.
INHERITED_FD = 10

_OPEN_MODES = {"r": os.O_RDONLY, "w": os.O_WRONLY, "rw": os.O_RDWR}
_FD_MEMBER = re.compile(r'"fd": (\d+)')
_TIMESTAMP = re.compile(r'"seconds": \d+, "microseconds": \d+')


@dataclass(frozen=True)
class Step:
    """``kind`` is ``qmp``, ``hmp`` or ``reconnect``; ``fds`` opens /dev/null per mode."""

    kind: str
    text: str = ""
    fds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    #: Open /dev/null with this mode at INHERITED_FD for the process.
    inherit: str | None = None
    hmp: bool = False
    #: The QMP monitor listens on TCP (127.0.0.1) instead of a unix socket.
    tcp: bool = False


def q(text: str, *fds: str) -> Step:
    return Step("qmp", text, fds)


def h(text: str, *fds: str) -> Step:
    return Step("hmp", text, fds)


RECONNECT = Step("reconnect")
FDSETS = q('{"execute": "query-fdsets"}')


CASES: tuple[Case, ...] = (
    Case(
        "getfd-closefd",
        steps=(
            q('{"execute": "getfd", "arguments": {"fdname": "a"}}', "r"),
            q('{"execute": "getfd", "arguments": {"fdname": "a"}}', "w"),
            q('{"execute": "getfd", "arguments": {"fdname": "b"}, "id": 7}', "rw", "r"),
            q('{"execute": "closefd", "arguments": {"fdname": "a"}}'),
            q('{"execute": "closefd", "arguments": {"fdname": "a"}}'),
            q('{"execute": "getfd", "arguments": {"fdname": "c"}}'),
            q('{"execute": "getfd", "arguments": {"fdname": "1c"}}', "r"),
            q('{"execute": "getfd", "arguments": {"fdname": ""}}', "r"),
            q('{"execute": "closefd", "arguments": {"fdname": ""}}'),
            q('{"execute": "getfd", "arguments": {}}', "r"),
            q('{"execute": "getfd", "arguments": {"fdname": 3}}', "r"),
            q('{"execute": "closefd", "arguments": {"fdname": "b"}}'),
            q('{"execute": "closefd"}'),
        ),
    ),
    Case(
        "names-outlive-the-connection",
        steps=(
            q('{"execute": "getfd", "arguments": {"fdname": "kept"}}', "r"),
            RECONNECT,
            q('{"execute": "closefd", "arguments": {"fdname": "kept"}}'),
            q('{"execute": "closefd", "arguments": {"fdname": "kept"}}'),
        ),
    ),
    Case(
        "fds-with-other-commands",
        steps=(
            q('{"execute": "query-status"}', "r"),
            q('{"execute": "getfd", "arguments": {"fdname": "late"}}'),
            q('{"execute": "closefd", "arguments": {"fdname": "late"}}'),
            q('{"execute": "query-name"}', "r", "w"),
            q('{"execute": "add-fd"}'),
            FDSETS,
            q('{"execute": "no-such-command"}', "r"),
            q('{"execute": "getfd", "arguments": {"fdname": "x"}}'),
            q('{"execute": "closefd", "arguments": {"fdname": "x"}}'),
        ),
    ),
    Case(
        "add-fd-remove-fd",
        steps=(
            FDSETS,
            q('{"execute": "add-fd"}', "r"),
            q('{"execute": "add-fd", "arguments": {"fdset-id": 5, "opaque": "five"}}', "w"),
            q('{"execute": "add-fd", "arguments": {"fdset-id": 5}}', "rw"),
            q('{"execute": "add-fd", "arguments": {}}', "r"),
            q('{"execute": "add-fd", "arguments": {"fdset-id": 2}}', "r"),
            q('{"execute": "add-fd"}', "w"),
            FDSETS,
            q('{"execute": "add-fd", "arguments": {"fdset-id": -1}}', "r"),
            q('{"execute": "add-fd", "arguments": {"fdset-id": 9}}'),
            q('{"execute": "add-fd", "arguments": {"fdset-id": "x"}}', "r"),
            q('{"execute": "add-fd", "arguments": {"opaque": 1}}', "r"),
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 5, "fd": 99999}}'),
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 77}}'),
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 77, "fd": 3}}'),
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 5, "fd": {fd1}}}'),
            FDSETS,
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 0}}'),
            FDSETS,
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 0}}'),
            q('{"execute": "remove-fd"}'),
            q('{"execute": "add-fd"}', "r"),
            FDSETS,
        ),
    ),
    Case(
        "sets-freed-when-the-last-client-leaves",
        steps=(
            q('{"execute": "add-fd", "arguments": {"opaque": "a"}}', "r"),
            q('{"execute": "add-fd", "arguments": {"fdset-id": 3}}', "w"),
            FDSETS,
            RECONNECT,
            FDSETS,
        ),
    ),
    Case(
        "sets-kept-while-paused",
        args=("-S",),
        steps=(
            q('{"execute": "add-fd", "arguments": {"opaque": "a"}}', "r"),
            q('{"execute": "remove-fd", "arguments": {"fdset-id": 0}}'),
            FDSETS,
            RECONNECT,
            FDSETS,
            q('{"execute": "cont"}'),
            RECONNECT,
            FDSETS,
        ),
    ),
    Case(
        "hmp",
        hmp=True,
        steps=(
            h("getfd h1", "r"),
            h("getfd h1"),
            h("getfd 9x", "r"),
            h("closefd h1"),
            h("closefd h1"),
            h("getfd"),
            h("help getfd"),
            h("help closefd"),
            q(
                '{"execute": "human-monitor-command", "arguments": {"command-line": "getfd z"}}',
                "r",
            ),
            q('{"execute": "human-monitor-command", "arguments": {"command-line": "closefd h1"}}'),
        ),
    ),
    Case(
        "tcp",
        tcp=True,
        steps=(
            q('{"execute": "getfd", "arguments": {"fdname": "t"}}'),
            q('{"execute": "add-fd"}'),
            q('{"execute": "closefd", "arguments": {"fdname": "t"}}'),
        ),
    ),
    Case(
        "add-fd-option",
        args=("-add-fd", f"fd={INHERITED_FD},set=2,opaque=from the command line"),
        inherit="w",
        steps=(
            FDSETS,
            q('{"execute": "add-fd", "arguments": {"fdset-id": 2}}', "r"),
            FDSETS,
            RECONNECT,
            FDSETS,
        ),
    ),
    Case("add-fd-option-stdio", args=("-add-fd", "fd=2,set=1")),
    Case("add-fd-option-no-fd", args=("-add-fd", "set=1")),
    Case("add-fd-option-negative", args=("-add-fd", "fd=-4,set=1")),
    Case("add-fd-option-not-inherited", args=("-add-fd", "fd=900,set=1")),
    Case("add-fd-option-no-set", args=("-add-fd", f"fd={INHERITED_FD}"), inherit="r"),
    Case(
        "add-fd-option-negative-set",
        args=("-add-fd", f"fd={INHERITED_FD},set=-1"),
        inherit="r",
    ),
    Case("add-fd-option-not-a-number", args=("-add-fd", "fd=abc,set=1")),
    Case("add-fd-option-unknown", args=("-add-fd", "fd=5,set=1,bogus=2")),
)


@dataclass
class _Numbers:
    """Descriptor numbers seen in replies, in order of first appearance."""

    seen: list[int] = field(default_factory=list)

    def normalise(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            n = int(m.group(1))
            if n not in self.seen:
                self.seen.append(n)
            return f'"fd": <fd{self.seen.index(n)}>'

        text = _TIMESTAMP.sub('"seconds": <s>, "microseconds": <us>', text)
        return _FD_MEMBER.sub(sub, text)

    def resolve(self, text: str) -> str:
        for k, n in enumerate(self.seen):
            text = text.replace(f"{{fd{k}}}", str(n))
        return text


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def read_until(self, pred: Any, timeout: float = 10.0) -> bytes:
        end = time.monotonic() + timeout
        while True:
            got = pred(self.buf)
            if got is not None:
                out, self.buf = self.buf[:got], self.buf[got:]
                return out
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def send(self, data: bytes, fds: list[int]) -> None:
        if fds:
            socket.send_fds(self.sock, [data], fds)
        else:
            self.sock.sendall(data)


def _qmp_reply(buf: bytes) -> int | None:
    """Length up to the end of the first line that is a reply (events come before)."""
    pos = 0
    while True:
        nl = buf.find(b"\n", pos)
        if nl < 0:
            return None
        line = json.loads(buf[pos:nl])
        if "event" not in line:
            return nl + 1
        pos = nl + 1


def _prompt(buf: bytes) -> int | None:
    return len(buf) if buf.endswith(b"(qemu) ") else None


def _connect(addr: Any, family: int, deadline: float) -> socket.socket:
    while True:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.connect(addr)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _open_qmp(addr: Any, family: int) -> _Conn:
    conn = _Conn(_connect(addr, family, time.monotonic() + 10))
    conn.read_until(_qmp_reply)
    conn.send(b'{"execute": "qmp_capabilities"}\n', [])
    conn.read_until(_qmp_reply)
    return conn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _open_fds(modes: tuple[str, ...]) -> list[int]:
    return [os.open(os.devnull, _OPEN_MODES[m]) for m in modes]


def run_case(cmd: list[str], case: Case) -> dict[str, Any]:
    """Play ``case`` against the program ``cmd``; what it answered, normalised."""
    out: dict[str, Any] = {"name": case.name, "args": list(case.args)}
    with tempfile.TemporaryDirectory() as tmp:
        qmp_path = str(Path(tmp) / "qmp.sock")
        if case.tcp:
            port = _free_port()
            qmp_arg = f"tcp:127.0.0.1:{port},server=on,wait=off"
            addr: Any = ("127.0.0.1", port)
            family = socket.AF_INET
        else:
            qmp_arg = f"unix:{qmp_path},server=on,wait=off"
            addr, family = qmp_path, socket.AF_UNIX
        args = [*cmd, "-M", "none", "-display", "none", "-nodefaults", "-qmp", qmp_arg]
        hmp_path = str(Path(tmp) / "hmp.sock")
        if case.hmp:
            args += ["-monitor", f"unix:{hmp_path},server=on,wait=off"]
        args += list(case.args)
        pass_fds: tuple[int, ...] = ()
        inherited = -1
        if case.inherit is not None:
            # The program gets it as INHERITED_FD through a shell, so that
            # this process's own descriptor of that number is left alone.
            inherited = os.open(os.devnull, _OPEN_MODES[case.inherit])
            pass_fds = (inherited,)
            script = f'exec {INHERITED_FD}<&{inherited} {inherited}<&-; exec "$@"'
            args = ["bash", "-c", script, "bash", *args]
        try:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=pass_fds,
            )
        finally:
            if inherited >= 0:
                os.close(inherited)
        try:
            out["steps"] = _play(case, proc, addr, family, hmp_path) if case.steps else []
        finally:
            if proc.poll() is None and case.steps:
                proc.terminate()
            try:
                _out, stderr = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                _out, stderr = proc.communicate()
        if not case.steps:
            out["status"] = proc.returncode
            out["stderr"] = stderr.decode("utf-8", "replace")
    return out


def _play(
    case: Case, proc: subprocess.Popen[bytes], addr: Any, family: int, hmp_path: str
) -> list[dict[str, Any]]:
    numbers = _Numbers()
    log: list[dict[str, Any]] = []
    qmp = _open_qmp(addr, family)
    hmp = None
    if case.hmp:
        hmp = _Conn(_connect(hmp_path, socket.AF_UNIX, time.monotonic() + 10))
        hmp.read_until(_prompt)
    try:
        for step in case.steps:
            if step.kind == "reconnect":
                qmp.sock.close()
                qmp = _open_qmp(addr, family)
                log.append({"reconnect": True})
                continue
            fds = _open_fds(step.fds)
            try:
                text = numbers.resolve(step.text)
                if step.kind == "qmp":
                    qmp.send(text.encode() + b"\n", fds)
                    reply = qmp.read_until(_qmp_reply)
                else:
                    assert hmp is not None
                    hmp.send(text.encode() + b"\n", fds)
                    reply = hmp.read_until(_prompt)
            finally:
                for fd in fds:
                    os.close(fd)
            log.append(
                {
                    step.kind: step.text,
                    "fds": list(step.fds),
                    "reply": numbers.normalise(reply.decode("utf-8", "replace")),
                }
            )
    finally:
        qmp.sock.close()
        if hmp is not None:
            with contextlib.suppress(OSError):
                hmp.sock.close()
    return log
