"""Two emulators (QEMU or qmonitor) migrating, with a QMP client on each end.

A :class:`Scenario` names the command lines of the source and the
destination and the steps the clients take (commands, waits for events).
:func:`run_scenario` plays it and returns what each end's client received,
in order, normalised so that runs compare: timestamps and the numbers of
``query-migrate``'s statistics go (their shapes stay), paths and ports
become placeholders.  The recorder (tools/record_migration.py) plays the
scenarios against QEMU 7.2; the tests play them against qmonitor and
compare.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qmonitor_testsupport.procs import end_process

#: How long a step may wait for a reply or an event.
STEP_TIMEOUT = 20.0
#: How long to collect late messages at the end of a scenario.
SETTLE = 0.3

#: Members of query-migrate whose numbers depend on the host and the clock.
_STAT_KEYS = frozenset(
    {"total-time", "downtime", "setup-time", "expected-downtime", "ram", "disk", "xbzrle-cache"}
)


class QmpClient:
    """A blocking QMP client that keeps every message it receives."""

    def __init__(
        self, path: Path, label: str, log: list[tuple[str, dict[str, Any]]], oob: bool = False
    ) -> None:
        self.label = label
        self.log = log
        self.sock = _connect(path)
        self.buf = b""
        self.pending: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        #: Where the messages that came after the last command sent start.
        self.mark = 0
        self.read_message()  # the greeting
        self.cmd("qmp_capabilities", {"enable": ["oob"]} if oob else None)

    def close(self) -> None:
        self.sock.close()

    def read_message(self, timeout: float = STEP_TIMEOUT) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.label}: nothing received")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError(f"{self.label}: connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        msg: dict[str, Any] = json.loads(line)
        if "QMP" not in msg:
            self.received.append(msg)
            self.log.append((self.label, msg))
        return msg

    def send(
        self,
        execute: str,
        arguments: dict[str, Any] | None = None,
        fd: int = -1,
        oob: bool = False,
    ) -> None:
        req: dict[str, Any] = {"exec-oob": execute, "id": "oob"} if oob else {"execute": execute}
        if arguments is not None:
            req["arguments"] = arguments
        data = json.dumps(req).encode()
        self.mark = len(self.received)
        if fd >= 0:
            self.sock.sendmsg(
                [data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
            )
        else:
            self.sock.sendall(data)

    def cmd(
        self,
        execute: str,
        arguments: dict[str, Any] | None = None,
        fd: int = -1,
        oob: bool = False,
    ) -> dict[str, Any]:
        """Send a command and read up to its reply (events on the way are kept)."""
        self.send(execute, arguments, fd, oob)
        while True:
            msg = self.read_message()
            if "return" in msg or "error" in msg:
                return msg

    def wait_event(self, name: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Read until event ``name`` (with ``data`` among its data) has come.

        Only events that came after the last command sent count.
        """
        for msg in self.received[self.mark :]:
            if _matches(msg, name, data) and msg not in self.pending:
                self.pending.append(msg)
                return msg
        while True:
            msg = self.read_message()
            if _matches(msg, name, data):
                self.pending.append(msg)
                return msg

    def drain(self, quiet: float = SETTLE) -> None:
        """Read what arrives until ``quiet`` seconds pass without a message."""
        with contextlib.suppress(TimeoutError, EOFError, OSError):
            while True:
                self.read_message(quiet)


def _connect(path: Path) -> socket.socket:
    """Connect once the server listens (its socket file may exist before it does)."""
    end = time.monotonic() + STEP_TIMEOUT
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(STEP_TIMEOUT)
        try:
            sock.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            sock.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)
        else:
            return sock


def _matches(msg: dict[str, Any], name: str, data: dict[str, Any] | None) -> bool:
    if msg.get("event") != name:
        return False
    got = msg.get("data", {})
    return all(got.get(k) == v for k, v in (data or {}).items())


@dataclass(frozen=True)
class Step:
    """One thing a client does: ``cmd``, ``event`` (wait), ``getfd`` or ``exit`` (wait)."""

    side: str
    kind: str
    name: str = ""
    args: dict[str, Any] | None = None


def cmd(side: str, execute: str, args: dict[str, Any] | None = None) -> Step:
    return Step(side, "cmd", execute, args)


def oob(side: str, execute: str, args: dict[str, Any] | None = None) -> Step:
    """An out-of-band command (the scenario must negotiate ``oob``)."""
    return Step(side, "oob", execute, args)


def event(side: str, name: str, data: dict[str, Any] | None = None) -> Step:
    return Step(side, "event", name, data)


def getfd(side: str, fdname: str, mode: str) -> Step:
    """Pass the scenario's file (``mode`` "w" or "r"), or one end of its socket pair
    (``mode`` "pair0" or "pair1", made on first use), with getfd."""
    return Step(side, "getfd", fdname, {"mode": mode})


def exits(side: str) -> Step:
    """Wait until the process on ``side`` ends; its exit status joins the transcript."""
    return Step(side, "exit")


@dataclass(frozen=True)
class Scenario:
    """Two command lines and the steps between them.

    ``{sock}``, ``{port}`` and ``{file}`` in arguments are replaced by the
    run's unix socket path, TCP port and file path.
    """

    name: str
    src_args: tuple[str, ...]
    dst_args: tuple[str, ...]
    steps: tuple[Step, ...]
    #: Start the source only (no destination process).
    no_destination: bool = False
    description: str = ""
    notes: list[str] = field(default_factory=list)
    #: Both clients negotiate the ``oob`` capability.
    oob: bool = False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _subst(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, real in names.items():
            value = value.replace("{" + key + "}", real)
        return value
    if isinstance(value, dict):
        return {k: _subst(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_subst(v, names) for v in value]
    return value


def _unsubst(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, real in sorted(names.items(), key=lambda kv: -len(kv[1])):
            value = value.replace(real, "{" + key + "}")
        return value
    if isinstance(value, dict):
        return {k: _unsubst(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsubst(v, names) for v in value]
    return value


def _shape(value: Any) -> Any:
    """Numbers become ``"<number>"`` (QEMU writes 0.0 as 0); the structure stays."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return "<number>"
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def normalise(msg: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A message without what differs between runs."""
    out: dict[str, Any] = _unsubst({k: v for k, v in msg.items() if k != "timestamp"}, names)
    ret = out.get("return")
    if isinstance(ret, str):
        # HMP output (human-monitor-command): figures vary, the lines do not.
        out["return"] = re.sub(r"[0-9]+", "N", ret)
    if isinstance(ret, dict):
        out["return"] = {k: (_shape(v) if k in _STAT_KEYS else v) for k, v in ret.items()}
    return out


@contextlib.contextmanager
def _process(
    command: Sequence[str], args: Sequence[str], qmp: Path
) -> Iterator[subprocess.Popen[bytes]]:
    full = [*command, "-display", "none", "-nodefaults"]
    full += ["-qmp", f"unix:{qmp},server=on,wait=off", *args]
    proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + STEP_TIMEOUT
        while not qmp.exists():
            if proc.poll() is not None or time.monotonic() > end:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{full} did not start: {err}")
            time.sleep(0.01)
        yield proc
    finally:
        end_process(proc)


def run_scenario(
    scenario: Scenario,
    command: Sequence[str],
    workdir: Path,
    prepare: Callable[[Path], None] | None = None,
) -> dict[str, Any]:
    """Play ``scenario`` with two ``command`` processes; the normalised transcript.

    The result has ``src`` and ``dst`` (each end's messages in the order its
    client got them), ``both`` (the two interleaved as this client saw
    them) and each process's ``stderr`` and exit status if it ended.
    ``prepare`` may write the scenario's file before anything starts.
    """
    names = {
        "sock": str(workdir / "mig.sock"),
        "port": str(_free_port()),
        "file": str(workdir / "state.bin"),
        "dir": str(workdir),
    }
    if prepare is not None:
        prepare(Path(names["file"]))
    log: list[tuple[str, dict[str, Any]]] = []
    result: dict[str, Any] = {}
    #: The two ends of the run's socket pair (getfd modes "pair0" and "pair1").
    pair: list[socket.socket] = []
    with contextlib.ExitStack() as stack:
        procs: dict[str, subprocess.Popen[bytes]] = {}
        clients: dict[str, QmpClient] = {}
        sides = ("src",) if scenario.no_destination else ("dst", "src")
        for side in sides:
            args = scenario.src_args if side == "src" else scenario.dst_args
            qmp = workdir / f"{side}-qmp.sock"
            procs[side] = stack.enter_context(_process(command, _subst(args, names), qmp))
            clients[side] = QmpClient(qmp, side, log, oob=scenario.oob)
            stack.callback(clients[side].close)
        for index, step in enumerate(scenario.steps):
            try:
                client = clients[step.side]
                if step.kind in ("cmd", "oob"):
                    client.cmd(step.name, _subst(step.args, names), oob=step.kind == "oob")
                elif step.kind == "event":
                    client.wait_event(step.name, step.args)
                elif step.kind == "getfd":
                    mode = (step.args or {})["mode"]
                    if mode in ("pair0", "pair1"):
                        if not pair:
                            pair.extend(socket.socketpair())
                            for end in pair:
                                stack.callback(end.close)
                        fd = os.dup(pair[int(mode[-1])].fileno())
                    else:
                        flags = os.O_RDONLY if mode == "r" else os.O_WRONLY | os.O_CREAT
                        fd = os.open(
                            names["file"], flags | (os.O_TRUNC if mode == "w" else 0), 0o600
                        )
                    try:
                        client.cmd("getfd", {"fdname": step.name}, fd=fd)
                    finally:
                        os.close(fd)
                elif step.kind == "exit":
                    client.drain()
                    procs[step.side].wait(STEP_TIMEOUT)
                    result[f"{step.side}-exit"] = procs[step.side].returncode
            except (TimeoutError, EOFError, OSError, subprocess.TimeoutExpired) as exc:
                result["aborted"] = f"step {index} ({step.side} {step.kind} {step.name}): {exc}"
                break
        for client in clients.values():
            client.drain()
        for side, proc in procs.items():
            if proc.poll() is not None and proc.stderr is not None:
                text = proc.stderr.read().decode(errors="replace")
                result[f"{side}-stderr"] = _unsubst(text, names)
    result["src"] = [normalise(m, names) for label, m in log if label == "src"]
    result["dst"] = [normalise(m, names) for label, m in log if label == "dst"]
    result["both"] = [[label, normalise(m, names)] for label, m in log]
    return result
